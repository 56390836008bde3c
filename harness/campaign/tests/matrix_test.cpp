#include <gtest/gtest.h>

#include <map>
#include <set>

#include "campaign/campaign.hpp"

namespace dt::campaign {
namespace {

const char* kSmall = R"(
name: small
duration: 20s
repetitions: 2
seed: 42
filesystems: [xfs, ext4]
workloads:
  - fault-vs-truncate
  - {name: fault-vs-layout, ops: [punch, zero], threads: 2, file_size: 64K, iterations: 500}
injectors:
  - none
  - [{name: pause-jitter, interval: 200ms}]
)";

TEST(Matrix, OrderAndIds) {
  const auto cells = load_string(kSmall, "small.yaml").cells();
  ASSERT_EQ(cells.size(), 2u * 2 * 2 * 2);
  // Coverage first: the first cells already span every filesystem and workload; a repetition
  // is a whole pass, injector sets follow one another within it.
  EXPECT_EQ(cells[0].id, "xfs/fault-vs-truncate/none/default/r0");
  EXPECT_EQ(cells[1].id, "ext4/fault-vs-layout/none/default/r0");
  EXPECT_EQ(cells[2].id, "ext4/fault-vs-truncate/none/default/r0");
  EXPECT_EQ(cells[3].id, "xfs/fault-vs-layout/none/default/r0");
  EXPECT_EQ(cells[4].id, "xfs/fault-vs-truncate/pause-jitter/default/r0");
  EXPECT_EQ(cells[8].id, "xfs/fault-vs-truncate/none/default/r1");
  EXPECT_EQ(cells.back().id, "xfs/fault-vs-layout/pause-jitter/default/r1");
  std::set<std::string> ids;
  for (std::size_t i = 0; i < cells.size(); ++i) {
    EXPECT_EQ(cells[i].index, i);
    EXPECT_TRUE(ids.insert(cells[i].id).second) << cells[i].id;
  }
  EXPECT_EQ(cells[4].injectors.size(), 1u);
  EXPECT_EQ(cells[4].injectors[0].params, (std::vector<Param>{{"interval", "0.2"}}));
}

TEST(Matrix, SeedsAreDeterministicAndDistinct) {
  const auto a = load_string(kSmall, "small.yaml").cells();
  const auto b = load_string(kSmall, "small.yaml").cells();
  std::set<std::uint64_t> seeds;
  for (std::size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].seed, b[i].seed);
    EXPECT_TRUE(seeds.insert(a[i].seed).second) << a[i].id;
  }
  std::string other(kSmall);
  other.replace(other.find("seed: 42"), 8, "seed: 43");
  const auto c = load_string(other, "small.yaml").cells();
  for (std::size_t i = 0; i < a.size(); ++i) EXPECT_NE(a[i].seed, c[i].seed) << a[i].id;
}

TEST(Matrix, SeedsDoNotDependOnPosition) {
  // Dropping a filesystem shifts indices but must keep the other cells' seeds.
  std::string fewer(kSmall);
  fewer.replace(fewer.find("[xfs, ext4]"), 11, "[ext4]");
  const auto all = load_string(kSmall, "small.yaml").cells();
  const auto ext4 = load_string(fewer, "small.yaml").cells();
  ASSERT_EQ(ext4.size(), all.size() / 2);
  std::map<std::string, std::uint64_t> seed_of;
  for (const Cell& c : all) seed_of[c.id] = c.seed;
  for (const Cell& c : ext4) {
    ASSERT_TRUE(seed_of.count(c.id)) << c.id;
    EXPECT_EQ(c.seed, seed_of[c.id]) << c.id;
  }
}

TEST(Matrix, WorkloadArgv) {
  const auto cells = load_string(kSmall, "small.yaml").cells();
  const Cell& plain = cells[0];
  EXPECT_EQ(
      plain.workload_argv("/mnt/dax"),
      (std::vector<std::string>{"dt-fault-vs-truncate", "--dir", "/mnt/dax", "--seed",
                                std::to_string(plain.seed), "--keep-files", "--duration", "20"}));
  const Cell& layout = cells[1];
  ASSERT_EQ(layout.workload.name, "fault-vs-layout");
  EXPECT_EQ(layout.iterations, 500u);
  EXPECT_DOUBLE_EQ(layout.duration_s, 20);
  EXPECT_EQ(layout.workload_argv("/mnt/t"),
            (std::vector<std::string>{"dt-fault-vs-layout", "--dir", "/mnt/t", "--seed",
                                      std::to_string(layout.seed), "--keep-files", "--duration",
                                      "20", "--iterations", "500", "--threads", "2", "--file-size",
                                      "65536", "--ops", "punch,zero"}));
}

TEST(Matrix, CellCarriesEverything) {
  const auto cells = load_string(kSmall, "small.yaml").cells();
  const Cell& c = cells[9];
  EXPECT_EQ(c.fs.name, "ext4");
  EXPECT_EQ(c.fs.mount_opts, "dax=always");
  EXPECT_EQ(c.kernel, "default");
  EXPECT_EQ(c.vm.vcpus, 2);
  EXPECT_EQ(c.vm.memory_bytes, 1ull << 30);
  EXPECT_EQ(c.repetition, 1);
}

}  // namespace
}  // namespace dt::campaign
