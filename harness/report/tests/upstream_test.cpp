// `report --upstream` on a real results directory: three runs of the clean 6.1 default image
// (xfs + reflink, "WARNING in dax_insert_entry", /work/runs/xfs-reflink-before), the console
// log of the first, its image manifest and kernel config, and the campaign file. The decoder
// runs against real nm/addr2line on a small program built here with -g.
#include "report/upstream.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>

#include "report/resolve.hpp"
#include "util/error.hpp"
#include "util/file.hpp"
#include "util/process.hpp"
#include "util/tempdir.hpp"

using namespace dt::report;
namespace fs = std::filesystem;

namespace {

const fs::path kData = fs::path(DT_REPORT_TESTDATA) / "upstream";
const std::string kRun0 = "0000-xfs_reflink_none_default_r0-a2288fe120";

bool has(const std::string& text, const std::string& what) {
  return text.find(what) != std::string::npos;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) out.push_back(l);
  return out;
}

class Upstream : public ::testing::Test {
 protected:
  Upstream() : dir("/tmp", "dt-upstream-"), store(dir.path()) {
    store.set_meta("campaign", "triage-xfs-reflink");
    store.set_meta("campaign_path", (kData / "triage-xfs-reflink.yaml").string());
    for (auto& e : fs::directory_iterator(kData)) {
      if (e.path().extension() != ".json") continue;
      auto r = dt::results::record_from_json(nlohmann::json::parse(dt::read_file(e.path())));
      // Only the first run's console came along; the others point nowhere.
      r.console_path = r.run_id == kRun0 ? (kData / "0000-console.log").string() : "";
      r.workdir.clear();
      store.add_run(r);
    }
    options.image_cache = kData / "cache";
    options.fragments = [](const std::string& flavour) -> std::optional<FragmentSource> {
      if (flavour != "default") return std::nullopt;
      return FragmentSource{
          {"base.config", "dax.config", "fs.config", "debug.config"},
          dt::read_file(kData / "cache/kernels/cfcf30ff76627371/daxtorture.config")};
    };
  }

  dt::TempDir dir;
  dt::results::Store store;
  UpstreamOptions options;
};

}  // namespace

TEST_F(Upstream, GathersTheFactsOfARealRun) {
  auto u = gather_upstream(store, "112176ad", options);
  EXPECT_EQ(u.title, "WARNING in dax_insert_entry");
  EXPECT_EQ(u.hash, "112176ad4ad108a2");
  EXPECT_EQ(u.kernel_release, "6.1.192");
  EXPECT_EQ(u.kernel_spec, "default");
  EXPECT_EQ(u.image_key, "bd194b9dab2504c9");
  EXPECT_EQ(u.fragments.size(), 4u);
  EXPECT_EQ(u.fragment_state, "this tree's fragments still merge to it");
  EXPECT_EQ(u.fragment_sha256.size(), 64u);
  auto opt = [&](const std::string& o) {
    return std::find(u.config.begin(), u.config.end(), o) != u.config.end();
  };
  EXPECT_TRUE(opt("CONFIG_FS_DAX=y"));
  EXPECT_TRUE(opt("CONFIG_FS_DAX_PMD=y"));
  EXPECT_TRUE(opt("CONFIG_XFS_DEBUG=y"));
  EXPECT_TRUE(opt("CONFIG_PROVE_LOCKING=y"));
  EXPECT_TRUE(opt("CONFIG_KASAN=n"));
  EXPECT_TRUE(opt("CONFIG_DEBUG_INFO_NONE=y"));
  EXPECT_EQ(u.banner.rfind("Linux version 6.1.192 (root@vm)", 0), 0u) << u.banner;
  EXPECT_EQ(u.fs, "xfs");
  EXPECT_EQ(u.mkfs, "mkfs.xfs -f -d su=2m,sw=1,agcount=2 -m rmapbt=1 -l size=64m");
  EXPECT_EQ(u.mount, "dax=always");
  EXPECT_EQ(u.vcpus, 2);
  EXPECT_EQ(u.memory, 1ull << 30);
  EXPECT_EQ(u.nvdimm, 514ull << 20);
  EXPECT_EQ(u.workload, "reflink");
  EXPECT_TRUE(u.injectors.empty());
  EXPECT_EQ(u.runs_with, 3);
  EXPECT_EQ(u.runs_of_cells, 3);
  EXPECT_EQ(u.cells, std::vector<std::string>{"xfs/reflink/none/default"});
  // The run's other kernel report comes along, whole, and is rendered after the titled one.
  ASSERT_EQ(u.related.size(), 1u);
  EXPECT_EQ(u.related[0].title, "WARNING in dax_disassociate_entry");
  EXPECT_TRUE(has(u.related[0].text, "dax_disassociate_entry+0x")) << u.related[0].text;
  auto text = render_upstream(u);
  auto at = text.find("The same run printed 1 other kernel report (in console order):");
  ASSERT_NE(at, std::string::npos) << text;
  EXPECT_LT(text.find("\n--- WARNING in dax_disassociate_entry\n", at), text.find("\nFrequency\n"));
  EXPECT_EQ(u.first_seen, "2026-11-29T18:27:27Z");
  EXPECT_FALSE(u.last_seen.empty());
  // No DWARF in the default image: the frames stay as they are, one line says so.
  EXPECT_TRUE(has(u.decode_note, "no debug info")) << u.decode_note;
  EXPECT_TRUE(has(u.decode_note, "--vmlinux PATH"));
  EXPECT_EQ(u.excerpt, store.run(u.run_id)->findings[0].text);
  EXPECT_EQ(u.repro_command,
            "daxtorture repro " + u.run_id + " --from " + dir.path().string() + " --accel tcg");
  EXPECT_EQ(u.run_command, "daxtorture run " + (kData / "triage-xfs-reflink.yaml").string() +
                               " --kernel default --shard " +
                               std::to_string(store.run(u.run_id)->cell_index + 1) +
                               "/3 --accel tcg --out daxtorture-repro");
  EXPECT_EQ(u.run_note, "");  // the campaign still yields the recorded cell (seed, argv, ...)
}

TEST_F(Upstream, RendersAMailingListReport) {
  std::string t = render_upstream(gather_upstream(store, "112176ad", options));
  EXPECT_EQ(t.rfind("Subject: WARNING in dax_insert_entry\n\n", 0), 0u) << t;
  for (auto* section : {"\nKernel\n", "\nSetup\n", "\nReport\n", "\nFrequency\n", "\nReproduce\n"})
    EXPECT_TRUE(has(t, section)) << section << "\n" << t;
  // Fields may wrap (hanging indent): compare them with whitespace collapsed.
  std::string f = std::regex_replace(t, std::regex("\\s+"), " ");
  EXPECT_TRUE(has(f, " release: 6.1.192 flavour: default image: bd194b9dab2504c9 ")) << f;
  EXPECT_TRUE(has(f, "x86_64_defconfig + guest-images/config/{base,dax,fs,debug}.config"));
  EXPECT_TRUE(has(f, "this tree's fragments still merge to it"));
  EXPECT_TRUE(has(f, " CONFIG_FS_DAX=y CONFIG_FS_DAX_PMD=y CONFIG_DAX=y"));
  EXPECT_TRUE(has(f,
                  " filesystem: xfs mkfs: mkfs.xfs -f -d su=2m,sw=1,agcount=2 -m rmapbt=1 -l "
                  "size=64m mount: -o dax=always machine: QEMU x86_64 (tcg), 2 vCPUs, 1 GiB "
                  "RAM, 1 emulated NVDIMM of 514 MiB"));
  EXPECT_TRUE(has(f,
                  " workload: reflink, default parameters, 10 s, seed 7869278299251567361 "
                  "command: dt-reflink --dir /mnt/dax/work --seed 7869278299251567361 "
                  "--duration 10 injectors: none test: xfs/reflink/none/default/r0 (campaign "
                  "triage-xfs-reflink) "));
  EXPECT_TRUE(has(f,
                  " seen: in 3 of 3 runs (100.0%) of xfs/reflink/none/default first: "
                  "2026-11-29T18:27:27Z last: "));
  // Commands are broken with backslashes so that they still paste.
  std::string c = std::regex_replace(f, std::regex(" \\\\ "), " ");
  EXPECT_TRUE(
      has(c, " daxtorture repro " + kRun0 + " --from " + dir.path().string() + " --accel tcg "))
      << t;
  EXPECT_TRUE(has(c, " daxtorture run " + (kData / "triage-xfs-reflink.yaml").string() +
                         " --kernel default --shard 1/3 --accel tcg --out daxtorture-repro"))
      << t;
  // The stacks, verbatim.
  EXPECT_TRUE(has(t, "\nWARNING: CPU: 1 PID: 88 at fs/dax.c:380 dax_insert_entry+0x222/0x320\n"));
  EXPECT_TRUE(has(t, "\nRIP: 0010:dax_insert_entry+0x222/0x320\n"));
  EXPECT_TRUE(has(t,
                  "\n dax_fault_iter+0x297/0x6a0\n dax_iomap_pte_fault+0x1b7/0x3b0\n"
                  " __xfs_filemap_fault+0x258/0x400\n"));
  EXPECT_TRUE(has(t, "\n---[ end trace 0000000000000000 ]---\n"));
  EXPECT_TRUE(has(t,
                  "\n\nNo file:line: the kernel has no debug info (decode with --vmlinux "
                  "PATH).\n\n"));
  // The banner line of the console, verbatim.
  EXPECT_TRUE(has(t,
                  "\nLinux version 6.1.192 (root@vm) (gcc (Debian 12.2.0-14+deb12u1) 12.2.0, "
                  "GNU ld (GNU Binutils for Debian) 2.40) #1 SMP PREEMPT_DYNAMIC Sun Nov 29 "
                  "18:26:12 UTC 2026\n"));

  // Prose and fields fit 72 columns; only the console reports (and single long words such as
  // paths) may be wider.
  std::set<std::string> verbatim;
  for (auto& f : store.run(gather_upstream(store, "112176ad", options).run_id)->findings)
    for (auto& l : lines_of(f.text)) verbatim.insert(l);
  bool long_console_line = false;
  for (auto& l : lines_of(t)) {
    if (verbatim.count(l) || l.rfind("Linux version ", 0) == 0) {
      long_console_line |= l.size() > 72;
      continue;
    }
    auto words = l.find_first_not_of(' ');
    std::string rest = words == std::string::npos ? "" : l.substr(words);
    if (rest.size() > 2 && rest.compare(rest.size() - 2, 2, " \\") == 0)
      rest.resize(rest.size() - 2);  // a command's continuation
    bool one_word = rest.find(' ') == std::string::npos;
    if (!one_word && l.rfind("  console:", 0) != 0 && l.rfind("  run:", 0) != 0) {
      EXPECT_LE(l.size(), 72u) << l;
    }
  }
  EXPECT_TRUE(long_console_line);  // the "Code:" lines: never wrapped
}

TEST_F(Upstream, ResolvesTitlesAndRuns) {
  EXPECT_EQ(gather_upstream(store, "warning in dax_insert", options).hash, "112176ad4ad108a2");
  EXPECT_EQ(gather_upstream(store, "WARNING in dax_disassociate_entry", options).hash,
            "de64dabfa52d4001");
  // The run's own report, not the summary's example run.
  EXPECT_EQ(gather_upstream(store, "de64dabf", options).title, "WARNING in dax_disassociate_entry");
}

TEST_F(Upstream, UnknownIdIsOneLineUsageError) {
  try {
    gather_upstream(store, "nosuchthing", options);
    FAIL() << "no error";
  } catch (const dt::UsageError& e) {
    std::string m = e.what();
    EXPECT_EQ(m.find('\n'), std::string::npos) << m;
    EXPECT_TRUE(has(m, "'nosuchthing'")) << m;
  }
}

TEST_F(Upstream, AmbiguousIdListsTheCandidates) {
  auto message = [&](const std::string& id) {
    try {
      gather_upstream(store, id, options);
    } catch (const dt::UsageError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  std::string m = message("WARNING in dax_");  // two titles
  EXPECT_TRUE(has(m, "ambiguous")) << m;
  EXPECT_TRUE(has(m, "\n  finding 112176ad4ad108a2  WARNING in dax_insert_entry")) << m;
  EXPECT_TRUE(has(m, "\n  finding de64dabfa52d4001  WARNING in dax_disassociate_entry")) << m;
  m = message("000");  // three runs
  EXPECT_TRUE(has(m, "\n  run " + kRun0)) << m;
  EXPECT_TRUE(has(m, "\n  run 0002-xfs_reflink_none_default_r2-a22890c42d")) << m;
  m = message(kRun0);  // one run, two findings
  EXPECT_TRUE(has(m, "has 2 findings")) << m;
  EXPECT_TRUE(has(m, "\n  finding 112176ad4ad108a2  WARNING in dax_insert_entry")) << m;
}

TEST_F(Upstream, ChangedCampaignIsSaid) {
  dt::TempDir tmp("/tmp", "dt-upstream-camp-");
  std::string yaml = dt::read_file(kData / "triage-xfs-reflink.yaml");
  yaml.replace(yaml.find("seed: 7"), 7, "seed: 8");
  std::ofstream(tmp.path() / "c.yaml") << yaml;
  store.set_meta("campaign_path", (tmp.path() / "c.yaml").string());
  auto u = gather_upstream(store, "112176ad", options);
  EXPECT_TRUE(has(u.run_note, "seed")) << u.run_note;
  EXPECT_TRUE(has(u.run_note, "only the repro command")) << u.run_note;
}

TEST(UpstreamText, ParsesFrames) {
  auto f = parse_frame(" dax_fault_iter+0x297/0x6a0");
  ASSERT_TRUE(f);
  EXPECT_EQ(f->symbol, "dax_fault_iter");
  EXPECT_EQ(f->offset, 0x297u);
  EXPECT_EQ(f->size, 0x6a0u);
  EXPECT_TRUE(f->return_address);
  f = parse_frame(" ? ioctl_file_clone+0x44/0xa0");
  ASSERT_TRUE(f);
  EXPECT_TRUE(f->return_address);
  f = parse_frame("RIP: 0010:dax_insert_entry+0x222/0x320");
  ASSERT_TRUE(f);
  EXPECT_FALSE(f->return_address);
  f = parse_frame("WARNING: CPU: 1 PID: 88 at fs/dax.c:380 dax_insert_entry+0x222/0x320");
  ASSERT_TRUE(f);
  EXPECT_EQ(f->symbol, "dax_insert_entry");
  EXPECT_FALSE(f->return_address);
  f = parse_frame(" truncate_folio_batch_exceptionals.part.0+0x1cb/0x1f0");
  ASSERT_TRUE(f);
  EXPECT_EQ(f->symbol, "truncate_folio_batch_exceptionals.part.0");
  f = parse_frame(" ext4_dax_fault+0x10/0x20 [ext4]");
  ASSERT_TRUE(f);
  EXPECT_EQ(f->module, "ext4");
  EXPECT_FALSE(parse_frame("Code: 20 5b 5d 41 5c <0f> 0b"));
  EXPECT_FALSE(parse_frame("RSP: 0018:ff7753f3401fbb58 EFLAGS: 00000002"));
}

TEST(UpstreamText, KernelRelativePaths) {
  EXPECT_EQ(kernel_relative("/root/.cache/daxtorture/kbuild/src-a0d421675426/fs/dax.c:380"),
            "fs/dax.c:380");
  EXPECT_EQ(kernel_relative("/home/me/linux/include/linux/xarray.h:12"),
            "include/linux/xarray.h:12");
  EXPECT_EQ(kernel_relative("/tmp/x/t.c:3"), "/tmp/x/t.c:3");
  EXPECT_EQ(kernel_relative("fs/dax.c:1"), "fs/dax.c:1");
}

TEST(UpstreamText, WrapsAt72) {
  std::string w = wrap(std::string(30, 'a') + " " + std::string(30, 'b') + " " +
                           std::string(30, 'c') + " " + std::string(80, 'd'),
                       72, "", "  ");
  EXPECT_EQ(w, std::string(30, 'a') + " " + std::string(30, 'b') + "\n  " + std::string(30, 'c') +
                   "\n  " + std::string(80, 'd') + "\n");
}

// ---- the decoder against real nm and addr2line ----

namespace {

// Line numbers matter: the test looks for them in the decoder's output.
const char* kProgram =
    "__attribute__((noinline)) int dt_leaf(volatile int* p) {\n"                      // 1
    "  return *p + 1;\n"                                                              // 2
    "}\n"                                                                             // 3
    "static inline __attribute__((always_inline)) int dt_inner(volatile int* p) {\n"  // 4
    "  return *p * 3 + *p;\n"                                                         // 5
    "}\n"                                                                             // 6
    "__attribute__((noinline)) int dt_outer(volatile int* p) {\n"                     // 7
    "  int a = dt_inner(p);\n"                                                        // 8
    "  return a + dt_leaf(p);\n"                                                      // 9
    "}\n"                                                                             // 10
    "int main() { volatile int x = 1; return dt_outer(&x); }\n";                      // 11

struct Built {
  dt::TempDir dir{"/tmp", "dt-addr2line-"};
  fs::path exe, stripped;
  std::map<std::string, std::pair<std::uint64_t, std::uint64_t>> syms;  // name -> addr, size
};

std::unique_ptr<Built> build_program() {
  auto b = std::make_unique<Built>();
  fs::path src = b->dir.path() / "t.c";
  std::ofstream(src) << kProgram;
  b->exe = b->dir.path() / "t";
  // Aligned functions leave padding, as in a kernel: kallsyms' sizes include it.
  auto r = dt::run_capture({DT_TEST_CXX, "-x", "c", "-g", "-O1", "-falign-functions=64", "-fno-pie",
                            "-no-pie", "-o", b->exe.string(), src.string()});
  if (!r.status.ok()) return nullptr;
  b->stripped = b->dir.path() / "t-nodebug";
  dt::run_capture({"objcopy", "--strip-debug", b->exe.string(), b->stripped.string()});
  auto nm = dt::run_capture({"nm", "-S", b->exe.string()});
  std::istringstream in(nm.output);
  std::string a, s, t, name;
  for (std::string l; std::getline(in, l);) {
    std::istringstream ls(l);
    if (ls >> a >> s >> t >> name)
      b->syms[name] = {std::stoull(a, nullptr, 16), std::stoull(s, nullptr, 16)};
  }
  return b;
}

}  // namespace

// What build-kernel.sh keeps: .rodata holds 6.1's two banners (the first without its build
// number), and the debug sections are compressed.
TEST(UpstreamDecode, KeptVmlinuxBannerAndCompressedDwarf) {
  dt::TempDir dir("/tmp", "dt-banner-");
  fs::path src = dir.path() / "b.c", exe = dir.path() / "b", kept = dir.path() / "b.z";
  std::ofstream(src) << "const char early[] = \"Linux version 6.1.192 (root@vm) (gcc) # SMP "
                        "PREEMPT_DYNAMIC \\n\";\n"
                        "const char banner[] = \"Linux version 6.1.192 (root@vm) (gcc) #26 SMP "
                        "PREEMPT_DYNAMIC Mon Nov 30 03:58:49 UTC 2026\\n\";\n"
                        "int main() { return early[0] + banner[0]; }\n";
  auto r = dt::run_capture({DT_TEST_CXX, "-x", "c", "-g", "-O1", "-o", exe.string(), src.string()});
  if (!r.status.ok()) GTEST_SKIP() << "cannot compile with " << DT_TEST_CXX << ": " << r.output;
  ASSERT_TRUE(
      dt::run_capture({"objcopy", "--compress-debug-sections=zlib", exe.string(), kept.string()})
          .status.ok());
  auto info = inspect_elf(kept);
  EXPECT_TRUE(info.dwarf);
  EXPECT_EQ(info.banner,
            "Linux version 6.1.192 (root@vm) (gcc) #26 SMP PREEMPT_DYNAMIC Mon Nov 30 03:58:49 "
            "UTC 2026");
}

TEST(UpstreamDecode, MatchesRealAddr2line) {
  if (dt::run_capture({"sh", "-c", "command -v addr2line && command -v nm"}).status.code != 0)
    GTEST_SKIP() << "binutils missing";
  auto b = build_program();
  if (!b) GTEST_SKIP() << "cannot compile with " << DT_TEST_CXX;
  ASSERT_TRUE(b->syms.count("dt_leaf") && b->syms.count("dt_outer"));

  auto elf = inspect_elf(b->exe);
  EXPECT_TRUE(elf.elf);
  EXPECT_TRUE(elf.dwarf);
  EXPECT_TRUE(elf.banner.empty());
  auto bare = inspect_elf(b->stripped);
  EXPECT_TRUE(bare.elf);
  EXPECT_FALSE(bare.dwarf);
  EXPECT_FALSE(inspect_elf(kData / "0000-console.log").elf);

  auto leaf_size = b->syms["dt_leaf"].second;
  auto outer_size = b->syms["dt_outer"].second;
  // What addr2line itself says about the exact addresses, for comparison.
  auto direct = [&](std::uint64_t addr) {
    auto r = dt::run_capture({"addr2line", "-e", b->exe.string(), fmt::format("{:#x}", addr)});
    std::string s = r.output.substr(0, r.output.find('\n'));
    if (auto d = s.find(" (discriminator"); d != std::string::npos) s.resize(d);
    return s;
  };

  // An exact address (RIP) and a return address one byte past the call (call trace).
  std::string text = fmt::format("RIP: 0010:dt_leaf+0x0/{:#x}\nCall Trace:\n", leaf_size);
  for (std::uint64_t off = 1; off < outer_size; ++off)
    text += fmt::format(" dt_outer+{:#x}/{:#x}\n", off, outer_size);
  text += fmt::format(" dt_outer+0x1/{:#x}\n", outer_size + 0x1000);  // another build's
  text += " no_such_function+0x1/0x10\n";
  text += " dt_leaf+0x1/0x10 [somemodule]\n";
  auto d = decode_stack(text, b->exe);

  auto out = lines_of(d.text);
  EXPECT_EQ(out[0], fmt::format("RIP: 0010:dt_leaf+0x0/{:#x} {}", leaf_size,
                                direct(b->syms["dt_leaf"].first)));
  EXPECT_TRUE(has(out[0], "t.c:1") || has(out[0], "t.c:2")) << out[0];
  // Every return address in dt_outer is looked up one byte back, as addr2line says.
  bool inlined = false, call_line = false;
  for (std::size_t i = 1; i < out.size(); ++i) {
    auto f = parse_frame(out[i]);
    if (!f || f->symbol != "dt_outer" || f->size != outer_size) {
      if (has(out[i], "dt_inner ")) {
        EXPECT_TRUE(has(out[i], "t.c:5 [inline]") || has(out[i], "t.c:4 [inline]")) << out[i];
        inlined = true;
      }
      continue;
    }
    auto want = direct(b->syms["dt_outer"].first + f->offset - 1);
    if (want.rfind("??", 0) == 0) continue;
    EXPECT_TRUE(has(out[i], fmt::format("+{:#x}/{:#x} ", f->offset, f->size))) << out[i];
    call_line |= has(out[i], "t.c:9");
  }
  EXPECT_TRUE(inlined) << d.text;    // dt_inner shows as inlined into dt_outer (-i)
  EXPECT_TRUE(call_line) << d.text;  // the call of dt_leaf
  EXPECT_EQ(d.size_differs, 1);
  EXPECT_TRUE(has(d.text, fmt::format("\n dt_outer+0x1/{:#x}\n", outer_size + 0x1000)));
  EXPECT_TRUE(has(d.text, "\n no_such_function+0x1/0x10\n"));
  EXPECT_TRUE(has(d.text, "\n dt_leaf+0x1/0x10 [somemodule]\n"));
  EXPECT_EQ(d.frames, static_cast<int>(outer_size) + 2);  // modules are not in the ELF
  EXPECT_GE(d.decoded, 2);

  // The kernel prints kallsyms' size, the distance to the next symbol with the padding.
  std::uint64_t leaf = b->syms["dt_leaf"].first, next = UINT64_MAX;
  for (auto& [name, s] : b->syms)
    if (s.first > leaf) next = std::min(next, s.first);
  ASSERT_GT(next - leaf, leaf_size) << "no padding after dt_leaf";
  auto padded = decode_stack(fmt::format("RIP: 0010:dt_leaf+0x0/{:#x}\n", next - leaf), b->exe);
  EXPECT_EQ(padded.decoded, 1) << padded.text;
  EXPECT_EQ(padded.size_differs, 0);

  // Without DWARF nothing decodes and the text is unchanged.
  auto none = decode_stack(text, b->stripped);
  EXPECT_EQ(none.decoded, 0);
  EXPECT_EQ(none.text, text);
}

TEST_F(Upstream, VmlinuxWithoutDwarfIsSaid) {
  auto b = build_program();
  if (!b) GTEST_SKIP() << "cannot compile with " << DT_TEST_CXX;
  options.vmlinux = b->stripped;
  auto u = gather_upstream(store, "112176ad", options);
  EXPECT_TRUE(has(u.decode_note, "has no debug info")) << u.decode_note;
  options.vmlinux = b->dir.path() / "missing";
  EXPECT_THROW(gather_upstream(store, "112176ad", options), dt::UsageError);
}
