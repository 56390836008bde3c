// Real VMs on the real guest kernel: the DAX proof, the watchdogs, parallel runs, and what an
// interrupted harness leaves behind. Needs the default image (scripts/setup.sh builds it).
#include <dirent.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>

#include "boot_json.hpp"
#include "console/report.hpp"
#include "image/image.hpp"
#include "keep_on_failure.hpp"
#include "results/store.hpp"
#include "runner/dax_setup.hpp"
#include "runner/session.hpp"
#include "util/process.hpp"
#include "util/tempdir.hpp"

using namespace dt;
namespace fs = std::filesystem;

namespace {

// The backend `run` and `boot` would use: DAXTORTURE_BACKEND runs this suite on libvirt too.
std::unique_ptr<vm::Backend> test_backend() {
  const char* name = std::getenv("DAXTORTURE_BACKEND");
  return vm::make_backend(name && *name ? name : "qemu");
}

image::Image default_image() {
  auto img = image::ImageStore().find(image::BuildRequest{});
  if (!img)
    throw std::runtime_error(
        "default image not built: run scripts/setup.sh (daxtorture image build)");
  return *img;
}

vm::Config vm_config(const fs::path& workdir) {
  auto img = default_image();
  vm::Config c;
  c.kernel = img.kernel;
  c.initramfs = img.initramfs;
  c.accel = vm::Accel::Tcg;
  c.workdir = workdir;
  return c;
}

// QEMU processes whose command line mentions `needle` (our out dir is in their NVDIMM path).
std::vector<pid_t> qemu_with(const std::string& needle) {
  std::vector<pid_t> out;
  DIR* d = opendir("/proc");
  while (dirent* e = readdir(d)) {
    pid_t pid = static_cast<pid_t>(std::atoi(e->d_name));
    if (pid <= 0) continue;
    std::ifstream in("/proc/" + std::string(e->d_name) + "/cmdline");
    std::string cmd((std::istreambuf_iterator<char>(in)), {});
    std::ifstream st("/proc/" + std::string(e->d_name) + "/stat");
    std::string f1, f2, state;
    st >> f1 >> f2 >> state;
    if (state != "Z" && cmd.find("qemu-system") != std::string::npos &&
        cmd.find(needle) != std::string::npos)
      out.push_back(pid);
  }
  closedir(d);
  return out;
}

// Start `daxtorture run` and wait until a cell reaches the workload phase.
struct RunningHarness {
  std::unique_ptr<Subprocess> proc;
  std::string err;
  bool wait_for(const std::string& needle, double timeout_s) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(timeout_s);
    char buf[4096];
    while (std::chrono::steady_clock::now() < deadline) {
      pollfd p{proc->stderr_fd(), POLLIN, 0};
      if (::poll(&p, 1, 200) > 0) {
        ssize_t n = ::read(proc->stderr_fd(), buf, sizeof buf);
        if (n <= 0) return false;
        err.append(buf, static_cast<std::size_t>(n));
        if (err.find(needle) != std::string::npos) return true;
      }
    }
    return false;
  }
  void drain() {
    char buf[4096];
    for (;;) {
      pollfd p{proc->stderr_fd(), POLLIN, 0};
      if (::poll(&p, 1, 100) <= 0) return;
      ssize_t n = ::read(proc->stderr_fd(), buf, sizeof buf);
      if (n <= 0) return;
      err.append(buf, static_cast<std::size_t>(n));
    }
  }
};

RunningHarness start_run(const std::string& campaign, const fs::path& out,
                         std::vector<std::string> extra = {}) {
  std::vector<std::string> argv = {
      DT_BIN,  "run",        std::string(DT_CAMPAIGNS) + "/" + campaign,
      "--out", out.string(), "--accel",
      "tcg",   "--jobs",     "2"};
  argv.insert(argv.end(), extra.begin(), extra.end());
  SpawnOptions o;
  o.new_process_group = false;  // like a user's shell would run it
  return RunningHarness{std::make_unique<Subprocess>(argv, o), {}};
}

}  // namespace

TEST(BootDax, EveryFilesystemProvesDax) {
  auto r = run_capture({DT_BIN, "boot", "--fs", "xfs,ext4,ext2", "--json", "--accel", "auto"},
                       std::chrono::minutes(10));
  ASSERT_EQ(r.status.code, 0) << r.output;
  auto by_fs = test::boot_results_by_fs(r.output);
  for (auto fsname : {"xfs", "ext4", "ext2"}) {
    ASSERT_TRUE(by_fs.count(fsname)) << r.output;
    auto& j = by_fs[fsname];
    EXPECT_TRUE(j["dax"].get<bool>()) << j.dump(2);
    EXPECT_TRUE(j["check"]["dax_mount"].get<bool>());
    EXPECT_TRUE(j["check"]["statx_dax"].get<bool>());
    if (std::string(fsname) != "ext2") {
      EXPECT_TRUE(j["check"]["map_sync"].get<bool>()) << fsname;
    }
    EXPECT_GT(j["boot_to_ready_s"].get<double>(), 0.5);
  }
  EXPECT_NE(r.output.find("accel: "), std::string::npos);  // says which accelerator ran
}

// The namespace template on real guests: the first guest of an NVDIMM shape makes its fsdax
// namespace with ndctl and keeps its NVDIMM file as the template; the next guest starts from a
// sparse copy, its namespace comes up at boot (ndctl does not run) and DAX is on. A size no
// other test uses, and templates in a directory of this test's own.
TEST(NamespaceTemplate, TheNextGuestBootsWithTheFirstGuestsNamespace) {
  TempDir dir(default_image().dir.parent_path().parent_path() / "tmp", "ns-template-");
  const auto templates = runner::namespace_templates(dir.path(), {258ull << 20});
  auto backend = test_backend();
  for (const bool expect_template : {false, true}) {
    auto work = dir.path() / (expect_template ? "second" : "first");
    fs::create_directories(work);
    auto cfg = vm_config(work);
    cfg.nvdimms = {258ull << 20};
    cfg.nvdimm_templates = templates;
    runner::Session s(*backend, cfg);
    s.wait_ready();
    auto ns = runner::ready_namespaces(s, 1, s.instance().nvdimm_files(), templates);
    EXPECT_EQ(ns.from_template, expect_template);
    ASSERT_TRUE(fs::exists(templates[0]));
    auto proof = runner::format_and_mount(s, runner::default_fs("ext4"));  // xfs wants 300 MB
    EXPECT_TRUE(proof.ok) << proof.message;
    EXPECT_TRUE(proof.check.value("map_sync", false)) << proof.check.dump();
    s.poweroff();
    s.close();
  }
}

// The agent's typed replies on a real guest: output and exit codes, an exec that cannot start
// (answered at once with its errno, not at the timeout), a sysfs write by request id.
TEST(Agent, ExecOutputFailureAndWritesByRequestId) {
  TempDir work("/tmp", "dt-it-agent-");
  auto backend = test_backend();
  runner::Session s(*backend, vm_config(work.path()));
  s.wait_ready();
  EXPECT_FALSE(s.hello().kernel.empty());
  EXPECT_GE(s.hello().ncpus, 1);

  auto ok = s.exec({"sh", "-c", "echo out; echo err >&2; exit 3"}, 60);
  EXPECT_EQ(ok.code, 3);
  EXPECT_TRUE(ok.not_run.empty());
  EXPECT_EQ(ok.out, std::vector<std::string>{"out"});
  EXPECT_EQ(ok.err, std::vector<std::string>{"err"});

  const auto t0 = vm::steady_now();
  auto missing = s.exec({"dt-no-such-program"}, 120);
  EXPECT_LT(vm::steady_now() - t0, 10) << "an exec failure must not wait for the timeout";
  EXPECT_FALSE(missing.ok());
  EXPECT_NE(missing.not_run.find("No such file or directory"), std::string::npos)
      << missing.not_run;
  EXPECT_THROW(s.exec_checked({"dt-no-such-program"}, 120), std::exception);

  EXPECT_TRUE(s.write_file("/proc/sys/kernel/printk_ratelimit", "0").ok());
  auto refused = s.write_file("/proc/no/such/file", "1");
  EXPECT_EQ(refused.outcome, runner::WriteResult::Outcome::refused);  // answered, not timed out
  EXPECT_NE(refused.error.find("No such file or directory"), std::string::npos) << refused.error;
  auto back = s.exec({"cat", "/proc/sys/kernel/printk_ratelimit"}, 60);
  EXPECT_EQ(back.out, std::vector<std::string>{"0"});
}

TEST(Watchdog, KernelPanicEndsTheRunWithTheConsoleKept) {
  TempDir work("/tmp", "dt-it-panic-");
  auto backend = test_backend();
  runner::Session s(*backend, vm_config(work.path()));
  s.wait_ready();
  try {
    s.exec({"sh", "-c", "echo c > /proc/sysrq-trigger"}, 60);
    FAIL() << "the guest survived sysrq-c";
  } catch (const runner::GuestLost& e) {
    EXPECT_STREQ(e.what(), "kernel panic");
  }
  auto reports = s.take_reports();
  ASSERT_FALSE(reports.empty()) << s.console_text().substr(0, 2000);
  bool panic = false;
  for (auto& r : reports) panic |= r.kind == console::Kind::Panic || r.kind == console::Kind::Bug;
  EXPECT_TRUE(panic);
  EXPECT_NE(s.console_text().find("sysrq triggered crash"), std::string::npos);
}

TEST(Watchdog, StoppedVcpusAreNoOutputNotAHang) {
  TempDir work("/tmp", "dt-it-hang-");
  auto backend = test_backend();
  runner::SessionOptions opts;
  opts.silence_timeout_s = 6;
  runner::Session s(*backend, vm_config(work.path()), opts);
  s.wait_ready();
  s.instance().pause();  // the guest freezes: no console, no heartbeat
  auto start = vm::steady_now();
  try {
    s.idle(60);
    FAIL() << "watchdog did not fire";
  } catch (const runner::GuestLost& e) {
    EXPECT_STREQ(e.what(), "no output from test machine");
  }
  EXPECT_LT(vm::steady_now() - start, 20);
  auto diag = s.close(true);
  EXPECT_NE(diag.find("info registers"), std::string::npos);
}

TEST(Campaign, TwoVmsInParallelWriteTheStore) {
  TempDir out("/tmp", "dt-it-pair-");
  auto r = run_capture({DT_BIN, "run", std::string(DT_CAMPAIGNS) + "/pair.yaml", "--out",
                        (out.path() / "o").string(), "--accel", "tcg", "--jobs", "2"},
                       std::chrono::minutes(10));
  ASSERT_EQ(r.status.code, 0) << r.output;
  results::Store store(out.path() / "o");
  auto runs = store.runs();
  ASSERT_EQ(runs.size(), 2u);
  bool canary = false;
  for (auto& run : runs) {
    EXPECT_EQ(run.status, results::Status::Pass) << run.cell_id << " " << run.error;
    EXPECT_GT(run.iterations, 0u);
    EXPECT_TRUE(run.dax_proof.value("ok", false));
    EXPECT_TRUE(fs::exists(run.console_path));
    for (auto& f : run.findings) canary |= f.expected && f.note == "canary";
  }
  EXPECT_TRUE(canary) << "the deliberate hung-task canary was not recognised";
  // The two runs overlapped in time: parallel, not sequential.
  EXPECT_LT(std::max(runs[0].started_at, runs[1].started_at),
            std::min(runs[0].finished_at, runs[1].finished_at));
}

TEST(Interrupt, SigintLeavesNoQemuAndAResumableStore) {
  TempDir out("/tmp", "dt-it-int-");
  fs::path o = out.path() / "o";
  auto h = start_run("interrupt.yaml", o);
  ASSERT_TRUE(h.wait_for(": workload", 240)) << h.err;
  ASSERT_FALSE(qemu_with(o.string()).empty());
  ::kill(h.proc->pid(), SIGINT);
  auto st = h.proc->wait_for(std::chrono::seconds(90));
  h.drain();
  ASSERT_TRUE(st) << "harness did not stop after SIGINT\n" << h.err;
  EXPECT_EQ(st->code, 130) << h.err;
  EXPECT_TRUE(qemu_with(o.string()).empty()) << "stray QEMU after SIGINT";
  std::size_t before = results::Store(o).runs().size();
  EXPECT_LT(before, 4u);
  auto r = run_capture({DT_BIN, "run", std::string(DT_CAMPAIGNS) + "/interrupt.yaml", "--out",
                        o.string(), "--accel", "tcg", "--jobs", "2", "--resume", "--no-canary"},
                       std::chrono::minutes(10));
  EXPECT_EQ(r.status.code, 0) << r.output;
  EXPECT_NE(r.output.find("resume: " + std::to_string(before) + " of 4 cells already done"),
            std::string::npos)
      << r.output;
  EXPECT_EQ(results::Store(o).completed_cells().size(), 4u);
}

TEST(Interrupt, SigkillOfTheHarnessTakesQemuDown) {
  TempDir out("/tmp", "dt-it-kill-");
  fs::path o = out.path() / "o";
  auto h = start_run("interrupt.yaml", o, {"--no-canary"});
  ASSERT_TRUE(h.wait_for(": workload", 240)) << h.err;
  ASSERT_FALSE(qemu_with(o.string()).empty());
  ::kill(h.proc->pid(), SIGKILL);
  h.proc->wait();
  std::vector<pid_t> left;
  for (int i = 0; i < 50; ++i) {
    left = qemu_with(o.string());
    if (left.empty()) break;
    usleep(100000);
  }
  EXPECT_TRUE(left.empty()) << "QEMU outlived a SIGKILLed harness";
  results::Store store(o);  // still a valid store
  EXPECT_EQ(store.meta("campaign"), "interrupt");
}

TEST(Campaign, MalformedFileGetsALineNumberedError) {
  auto r = run_capture(
      {DT_BIN, "run", std::string(DT_CAMPAIGNS) + "/broken.yaml", "--out", "/tmp/dt-never"},
      std::chrono::seconds(30));
  EXPECT_EQ(r.status.code, 2);
  EXPECT_NE(r.output.find("broken.yaml:6:"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("pinch"), std::string::npos) << r.output;
  EXPECT_FALSE(fs::exists("/tmp/dt-never/results.sqlite"));
}

TEST(PositiveControl, CanaryIsOneDedupedFindingAndReproduces) {
  TempDir out("/tmp", "dt-it-canary-");
  fs::path o = out.path() / "o";
  auto r = run_capture({DT_BIN, "run", std::string(DT_CAMPAIGNS) + "/pair.yaml", "--out",
                        o.string(), "--accel", "tcg", "--jobs", "2", "--canary", "every"},
                       std::chrono::minutes(10));
  ASSERT_EQ(r.status.code, 0) << r.output;  // expected findings never fail a campaign
  results::Store store(o);
  auto f = store.findings();
  ASSERT_EQ(f.size(), 1u) << "exactly the canary, once per run, nothing else";
  EXPECT_EQ(f[0].kind, "hung-task");
  EXPECT_EQ(f[0].title.rfind("INFO: task hung in ", 0), 0u) << f[0].title;
  EXPECT_EQ(f[0].count, 2);  // deduplicated across both runs
  EXPECT_TRUE(f[0].expected_only);
  auto rep = run_capture({DT_BIN, "repro", f[0].example_run, "--from", o.string(), "--count", "1",
                          "--accel", "tcg", "--canary"},
                         std::chrono::minutes(10));
  EXPECT_EQ(rep.status.code, 0) << rep.output;
  EXPECT_NE(rep.output.find("1/1  " + f[0].title), std::string::npos) << rep.output;
}

TEST(Injectors, EachFiresWithKernelEvidence) {
  TempDir out("/tmp", "dt-it-inj-");
  fs::path o = out.path() / "o";
  const test::KeepOnFailure keep{o, "injectors"};
  auto r = run_capture(
      {DT_BIN, "run", std::string(DT_CAMPAIGNS) + "/injectors.yaml", "--out", o.string(), "--accel",
       "tcg", "--jobs", "2", "--no-canary", "--silence-timeout", "60"},
      std::chrono::minutes(15));
  // Exit 1 is allowed: clean 6.1 oopses in dax_layout_busy_page_range after an xfs unbind.
  ASSERT_TRUE(r.status.code == 0 || r.status.code == 1) << r.output;
  results::Store store(o);
  auto runs = store.runs();
  ASSERT_EQ(runs.size(), 12u);  // 4 injectors x xfs, ext4, ext2
  for (auto& run : runs) {
    ASSERT_EQ(run.injections.size(), 1u) << run.cell_id;
    auto inj = run.injections[0];
    EXPECT_TRUE(inj.value("fired", false)) << run.cell_id << " " << inj.dump();
    auto ev = inj["evidence"];
    std::string name = inj["injector"];
    if (name == "pause-jitter") {
      EXPECT_GT(ev["confirmed_paused_by_qmp"].get<int>(), 0);
    }
    if (name == "cpu-hotplug") {
      EXPECT_GT(ev["kernel_offline_messages"].get<int>(), 0);
    }
    if (name == "failslab") {
      EXPECT_GT(ev["injected"].get<int>(), 0);
      EXPECT_GT(ev["kernel_messages"].get<int>(), 0);
      EXPECT_GT(run.iterations, 0u) << "the injection must hit the workload, not its exec";
    }
    if (name == "unbind") {
      EXPECT_TRUE(ev["unbound"].get<bool>());
    }
    // Expected consequences are recorded but never counted; only kernel oopses may remain.
    for (auto& f : run.findings)
      if (!f.expected && name != "unbind")
        ADD_FAILURE() << run.cell_id << ": unexpected " << f.title;
  }
}
