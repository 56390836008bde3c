#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "campaign/campaign.hpp"
#include "util/tempdir.hpp"

namespace dt::campaign {
namespace {

std::string preset(const char* name) {
  return std::string(DT_CAMPAIGN_PRESETS) + "/" + name;
}

TEST(Presets, QuickExpandsToSixCells) {
  const Campaign c = load_file(preset("quick.yaml"));
  EXPECT_EQ(c.name, "quick");
  EXPECT_EQ(c.cells().size(), 6u);
  EXPECT_TRUE(c.notes.empty());
  EXPECT_DOUBLE_EQ(c.duration_s, 20);
}

TEST(Presets, NightlyDropsImpossibleCellsWithNotes) {
  const Campaign c = load_file(preset("nightly.yaml"));
  // 9 workloads on xfs, 8 on ext4 (no reflink), 5 on ext2 (map-sync there checks msync
  // acks: ext2 has no MAP_SYNC); 3 injector sets; 2 repetitions.
  EXPECT_EQ(c.cells().size(), 22u * 3 * 2);
  EXPECT_EQ(c.notes.size(), 27u - 22u);
  for (const Diagnostic& note : c.notes) {
    EXPECT_GT(note.line, 0) << note.str();
    EXPECT_NE(note.message.find("skipping"), std::string::npos) << note.str();
  }
}

TEST(Presets, SoakIsLong) {
  const Campaign c = load_file(preset("soak.yaml"));
  EXPECT_EQ(c.cells().size(), 21u * 6 * 5);  // ext2 gained map-sync (msync acks)
  EXPECT_EQ(c.repetitions, 5);
}

TEST(Presets, EveryFileInCampaignsDirLoads) {
  for (const auto& entry : std::filesystem::directory_iterator(DT_CAMPAIGN_PRESETS)) {
    if (entry.path().extension() != ".yaml") continue;
    EXPECT_NO_THROW(load_file(entry.path().string())) << entry.path();
  }
}

TEST(Loader, ShorthandsGetRegistryDefaults) {
  const Campaign c = load_string(R"(
duration: 1m
filesystems: [xfs, ext4, ext2]
workloads: [fault-vs-truncate]
)",
                                 "defaults.yaml");
  EXPECT_EQ(c.name, "defaults");  // from the file name
  ASSERT_EQ(c.filesystems.size(), 3u);
  EXPECT_EQ(c.filesystems[0].mkfs_args,
            (std::vector<std::string>{"-f", "-d", "su=2m,sw=1,agcount=2", "-m", "rmapbt=1", "-l",
                                      "size=64m"}));
  EXPECT_EQ(c.filesystems[0].mount_opts, "dax=always");
  EXPECT_EQ(c.filesystems[1].mkfs_args, (std::vector<std::string>{"-F", "-b", "4096"}));
  EXPECT_EQ(c.filesystems[2].mount_opts, "dax");
  EXPECT_EQ(c.kernels, std::vector<std::string>{"default"});
  ASSERT_EQ(c.injector_sets.size(), 1u);
  EXPECT_EQ(c.injector_sets[0].label, "none");
  EXPECT_TRUE(c.injector_sets[0].injectors.empty());
  EXPECT_EQ(c.vm.vcpus, 2);
  EXPECT_EQ(c.vm.nvdimm_bytes, 512ull << 20);
  EXPECT_DOUBLE_EQ(c.duration_s, 60);
}

TEST(Loader, ParamsAreNormalisedInRegistryOrder) {
  const Campaign c = load_string(R"(
iterations: 1000
vm: {memory: 2G, nvdimm: 1G, nvdimms: 2, vcpus: 4}
filesystems:
  - {name: ext4, mkfs: "-F -b 4096 -E stride=8", mount: [dax=always, noatime]}
workloads:
  - {name: write-vs-fault, sync_storm: yes, file_size: 64K, direct_io: off, threads: 3,
     duration: 1.5}
  - {name: pin-vs-truncate, pin: vmsplice, op_timeout: 200ms}
injectors:
  - [{name: unbind, at: 2m, rebind: true}, {name: failslab, probability: 10}]
  - power-cut
)",
                                 "norm.yaml");
  EXPECT_EQ(c.vm.memory_bytes, 2ull << 30);
  EXPECT_EQ(c.vm.nvdimm_count, 2);
  EXPECT_EQ(c.filesystems[0].mkfs_args,
            (std::vector<std::string>{"-F", "-b", "4096", "-E", "stride=8"}));
  EXPECT_EQ(c.filesystems[0].mount_opts, "dax=always,noatime");
  const WorkloadSpec& w = c.workloads[0];
  EXPECT_EQ(
      w.params,
      (std::vector<Param>{
          {"threads", "3"}, {"file_size", "65536"}, {"direct_io", "0"}, {"sync_storm", "1"}}));
  EXPECT_EQ(w.duration_s, 1.5);
  EXPECT_EQ(c.workloads[1].params,
            (std::vector<Param>{{"pin", "vmsplice"}, {"op_timeout", "0.2"}}));
  ASSERT_EQ(c.injector_sets.size(), 2u);
  EXPECT_EQ(c.injector_sets[0].label, "unbind+failslab");
  EXPECT_EQ(c.injector_sets[0].injectors[0].params,
            (std::vector<Param>{{"at", "120"}, {"rebind", "1"}}));
  EXPECT_EQ(c.injector_sets[1].label, "power-cut");
}

TEST(Loader, RepeatedEntriesGetDistinctLabels) {
  const Campaign c = load_string(R"(
duration: 10s
filesystems: [ext4, {name: ext4, mount: dax=inode}, {name: ext4, label: ext4-plain-dax, mount: dax}]
workloads: [fault-vs-truncate]
injectors: [none, {name: poison, count: 1}, {name: poison, count: 8}]
)",
                                 "labels.yaml");
  EXPECT_EQ(c.filesystems[0].label, "ext4");
  EXPECT_EQ(c.filesystems[1].label, "ext4~2");
  EXPECT_EQ(c.filesystems[2].label, "ext4-plain-dax");
  EXPECT_EQ(c.injector_sets[2].label, "poison~2");
  EXPECT_EQ(c.cells().size(), 9u);
}

TEST(Loader, KernelAxisAndPathsRelativeToTheFile) {
  const auto dir = std::filesystem::temp_directory_path() / "dt_campaign_kernel_test";
  std::filesystem::create_directories(dir / "k");
  std::ofstream(dir / "k" / "bzImage-6.8") << "not really a kernel";
  std::ofstream(dir / "c.yaml") << "duration: 5s\nkernel: [default, kasan, k/bzImage-6.8]\n"
                                   "filesystems: [xfs]\nworkloads: [fault-vs-truncate]\n";
  const Campaign c = load_file((dir / "c.yaml").string());
  ASSERT_EQ(c.kernels.size(), 3u);
  EXPECT_EQ(c.kernels[2], (dir / "k" / "bzImage-6.8").string());
  const auto cells = c.cells();
  ASSERT_EQ(cells.size(), 3u);
  EXPECT_EQ(cells[2].id, "xfs/fault-vs-truncate/none/bzImage-6.8/r0");
  EXPECT_EQ(cells[2].kernel, c.kernels[2]);
  std::filesystem::remove_all(dir);
}

TEST(Loader, MutantKernelsNameTheirDebianKernel) {
  const Campaign c = load_string(
      "duration: 5s\nkernel: [mutant:a-b@6.1, mutant:a-b@6.12, mutant:c@6.12-kasan]\n"
      "filesystems: [xfs]\nworkloads: [fault-vs-truncate]\n",
      "m.yaml");
  // mutant:<id>@6.1 is mutant:<id>: one name per image.
  EXPECT_EQ(c.kernels,
            (std::vector<std::string>{"mutant:a-b", "mutant:a-b@6.12", "mutant:c@6.12-kasan"}));
  try {
    load_string(
        "duration: 5s\nkernel: [mutant:a@7.0]\nfilesystems: [xfs]\n"
        "workloads: [fault-vs-truncate]\n",
        "bad.yaml");
    FAIL();
  } catch (const ValidationError& e) {
    EXPECT_NE(std::string(e.what()).find("'7.0' is not a built-in kernel"), std::string::npos)
        << e.what();
  }
}

// The command line's --kernel goes through the same spelling as a campaign file, so a cell
// run as --kernel 6.1 has the id of the same cell from a file saying 'default'.
TEST(Loader, CanonicalKernelIsOneSpellingForFileAndCommandLine) {
  EXPECT_EQ(canonical_kernel("6.1", "").name, "default");
  EXPECT_EQ(canonical_kernel("mutant:a-b@6.1", "").name, "mutant:a-b");
  EXPECT_EQ(canonical_kernel("mutant:a-b@6.12", "").name, "mutant:a-b@6.12");
  const auto bad = canonical_kernel("6.3", "");
  EXPECT_TRUE(bad.name.empty());
  EXPECT_NE(bad.error.find("unknown kernel '6.3'"), std::string::npos) << bad.error;
  const dt::TempDir tmp("/tmp", "dt-canon-kernel-");
  const auto& dir = tmp.path();
  std::filesystem::create_directories(dir / "k");
  { std::ofstream(dir / "k" / "fix.patch") << "--- a\n"; }
  EXPECT_EQ(canonical_kernel("patch:k/../k/fix.patch@6.12", dir.string()).name,
            "patch:" + (dir / "k" / "fix.patch").string() + "@6.12");
  EXPECT_NE(canonical_kernel("patch:k/none.patch", dir.string()).error.find("not found"),
            std::string::npos);
}

// The list of a campaign's kernels refuses what would give two kernels one cell id, for a
// campaign file and --kernel alike: the same kernel twice, or two bzImages with one file name.
TEST(Loader, AddKernelRefusesCollidingCellIds) {
  std::vector<std::string> kernels;
  EXPECT_EQ(add_kernel(kernels, "default", "6.1"), "");
  EXPECT_EQ(add_kernel(kernels, "/a/bzImage", "/a/bzImage"), "");
  EXPECT_EQ(add_kernel(kernels, "default", "6.1"), "kernel '6.1' is listed twice (as 'default')");
  EXPECT_EQ(add_kernel(kernels, "/b/bzImage", "../b/bzImage"),
            "kernel '/b/bzImage' has the same file name as '/a/bzImage'; cell ids would collide");
  EXPECT_EQ(kernels, (std::vector<std::string>{"default", "/a/bzImage"}));
}

// src:PATH names a developer's git tree, relative to the campaign file; what is not a kernel
// git checkout is a validation error with the position, before anything is built.
TEST(Loader, SourceTreeKernels) {
  dt::TempDir dir("/tmp", "dt-src-kernel-");
  auto tree = dir.path() / "linux";
  std::filesystem::create_directories(tree / "arch" / "x86");
  std::ofstream(tree / "Makefile") << "VERSION = 6\n";
  auto campaign = [&](const std::string& kernel) {
    std::ofstream(dir.path() / "c.yaml") << "duration: 5s\nkernel: [default, " << kernel
                                         << "]\nfilesystems: [xfs]\nworkloads: "
                                            "[fault-vs-truncate]\n";
    return (dir.path() / "c.yaml").string();
  };
  auto error = [&](const std::string& kernel) -> std::string {
    try {
      load_file(campaign(kernel));
    } catch (const ValidationError& e) {
      return e.what();
    }
    return "";
  };
  EXPECT_NE(error("src:linux")
                .find("c.yaml:2:19: kernel[1]: kernel tree '" + tree.string() +
                      "' is not a git checkout"),
            std::string::npos)
      << error("src:linux");
  EXPECT_NE(error("src:nowhere")
                .find("kernel tree '" + (dir.path() / "nowhere").string() + "' not found"),
            std::string::npos);
  EXPECT_NE(error("src:.").find("is not a Linux source tree"), std::string::npos);
  std::filesystem::create_directories(tree / ".git");
  const Campaign c = load_file(campaign("src:linux"));
  ASSERT_EQ(c.kernels.size(), 2u);
  EXPECT_EQ(c.kernels[1], "src:" + tree.string());
  EXPECT_EQ(c.cells()[1].id, "xfs/fault-vs-truncate/none/src:linux/r0");
}

// patch:FILE[@<kernel>]: a Debian kernel with the user's patch, the file relative to the
// campaign; @6.1 is the plain name.
TEST(Loader, PatchedDebianKernels) {
  dt::TempDir dir("/tmp", "dt-patch-kernel-");
  std::ofstream(dir.path() / "fix.patch") << "--- a/x\n+++ b/x\n";
  std::ofstream(dir.path() / "c.yaml")
      << "duration: 5s\nkernel: [patch:fix.patch, patch:fix.patch@6.12]\nfilesystems: [xfs]\n"
         "workloads: [fault-vs-truncate]\n";
  const Campaign c = load_file((dir.path() / "c.yaml").string());
  auto file = (dir.path() / "fix.patch").string();
  EXPECT_EQ(c.kernels, (std::vector<std::string>{"patch:" + file, "patch:" + file + "@6.12"}));
  EXPECT_EQ(c.cells()[1].id, "xfs/fault-vs-truncate/none/patch:fix.patch@6.12/r0");
  std::ofstream(dir.path() / "d.yaml") << "duration: 5s\nkernel: [patch:nope.patch@6.12]\n"
                                          "filesystems: [xfs]\nworkloads: [fault-vs-truncate]\n";
  try {
    load_file((dir.path() / "d.yaml").string());
    FAIL();
  } catch (const ValidationError& e) {
    EXPECT_NE(std::string(e.what()).find("d.yaml:2:10: kernel[0]: patch '" +
                                         (dir.path() / "nope.patch").string() + "' not found"),
              std::string::npos)
        << e.what();
  }
}

TEST(Loader, DebianKernelNamesAreCanonical) {
  const Campaign c = load_string(
      "duration: 5s\nkernel: [6.1, 6.1-kasan, 6.12, 6.12-kasan]\n"
      "filesystems: [xfs]\nworkloads: [fault-vs-truncate]\n",
      "k.yaml");
  // 6.1 keeps its historic names, so cell ids and baselines of old runs stay valid.
  EXPECT_EQ(c.kernels, (std::vector<std::string>{"default", "kasan", "6.12", "6.12-kasan"}));
  EXPECT_EQ(c.cells()[2].id, "xfs/fault-vs-truncate/none/6.12/r0");
}

TEST(Loader, SkipImpossibleDropsCellsWithNotes) {
  const Campaign c = load_string(R"(
duration: 10s
skip_impossible: true
filesystems: [xfs, ext2]
workloads: [fault-vs-truncate, pmd-vs-pte, reflink]
)",
                                 "skip.yaml");
  EXPECT_EQ(c.cells().size(), 4u);
  ASSERT_EQ(c.notes.size(), 2u);
  EXPECT_EQ(c.notes[0].key, "workloads[1]");
  EXPECT_NE(c.notes[0].message.find("no PMD faults"), std::string::npos);
  for (const Cell& cell : c.cells()) {
    EXPECT_FALSE(cell.fs.name == "ext2" && cell.workload.name != "fault-vs-truncate") << cell.id;
  }
}

// A workload may bring its own injector axis (power cuts for map-sync only); its k-th set runs
// in the k-th pass over the matrix, so coverage still comes first.
TEST(Loader, PerWorkloadInjectorsReplaceTheCampaignsForThatWorkload) {
  const Campaign c = load_string(R"(
duration: 10s
filesystems: [xfs, ext4]
workloads:
  - fault-vs-truncate
  - {name: map-sync, injectors: [[{name: power-cut, cuts: 2}], none]}
injectors: [none]
)",
                                 "pw.yaml");
  std::vector<std::string> ids;
  for (const Cell& cell : c.cells()) ids.push_back(cell.id);
  EXPECT_EQ(ids, (std::vector<std::string>{
                     "xfs/fault-vs-truncate/none/default/r0", "ext4/map-sync/power-cut/default/r0",
                     "ext4/fault-vs-truncate/none/default/r0", "xfs/map-sync/power-cut/default/r0",
                     "ext4/map-sync/none/default/r0", "xfs/map-sync/none/default/r0"}));
  EXPECT_EQ(c.cells()[1].injectors.at(0).name, "power-cut");
  EXPECT_THROW(load_string("duration: 5s\nfilesystems: [xfs]\n"
                           "workloads: [{name: map-sync, injectors: [melt-down]}]\n",
                           "bad.yaml"),
               ValidationError);
}

TEST(Loader, ReuseVmDefaultsToThePool) {
  const char* base = "duration: 5s\nfilesystems: [xfs]\nworkloads: [fault-vs-truncate]\n";
  EXPECT_EQ(load_string(base, "a.yaml").reuse_vm, 10);
  EXPECT_EQ(load_string(std::string(base) + "reuse_vm: 1\n", "e.yaml").reuse_vm, 1);
  EXPECT_EQ(load_string(std::string(base) + "reuse_vm: 12\n", "b.yaml").reuse_vm, 12);
  EXPECT_THROW(load_string(std::string(base) + "reuse_vm: 0\n", "c.yaml"), ValidationError);
  EXPECT_THROW(load_string(std::string(base) + "reuse_vm: many\n", "d.yaml"), ValidationError);
}

TEST(Loader, MixedWithoutFallocateOpsRunsOnExt2) {
  const Campaign c = load_string(R"(
duration: 10s
filesystems: [ext2]
workloads: [{name: mixed, ops: [fault, write, truncate]}, fault-vs-truncate]
)",
                                 "mixed.yaml");
  EXPECT_EQ(c.cells().size(), 2u);
}

}  // namespace
}  // namespace dt::campaign
