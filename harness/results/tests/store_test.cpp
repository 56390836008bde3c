#include "results/store.hpp"

#include <gtest/gtest.h>

#include "util/tempdir.hpp"

using namespace dt::results;

namespace {
RunRecord make(const std::string& id, const std::string& cell, std::vector<std::string> titles,
               Status st = Status::Findings) {
  RunRecord r;
  r.run_id = id;
  r.campaign = "quick";
  r.cell_id = cell;
  r.fs = "xfs";
  r.workload = "fault-vs-truncate";
  r.status = st;
  r.started_at = "2026-11-21T22:00:0" + id.substr(id.size() - 1) + "Z";
  for (auto& t : titles) {
    dt::oracle::Finding f;
    f.title = t;
    f.kind = "warning";
    r.findings.push_back(f);
  }
  return r;
}
}  // namespace

TEST(Store, DedupsFindingsByTitleWithRate) {
  dt::TempDir d("/tmp", "dt-store-");
  {
    Store s(d.path());
    s.add_run(make("run-1", "xfs/a/none/default/r0", {"WARNING in dax_associate_entry"}));
    s.add_run(make("run-2", "xfs/a/none/default/r1",
                   {"WARNING in dax_associate_entry", "possible deadlock in dax_iomap_fault"}));
    s.add_run(make("run-3", "ext4/a/none/default/r0", {}, Status::Pass));
  }
  Store s(d.path());  // reopened: everything persisted
  auto f = s.findings();
  ASSERT_EQ(f.size(), 2u);
  EXPECT_EQ(f[0].title, "WARNING in dax_associate_entry");
  EXPECT_EQ(f[0].count, 2);
  EXPECT_EQ(f[0].runs_total, 3);
  EXPECT_EQ(f[0].first_seen, "2026-11-21T22:00:01Z");
  EXPECT_EQ(f[0].cells.size(), 2u);
  EXPECT_EQ(s.runs().size(), 3u);
  EXPECT_TRUE(std::filesystem::exists(d.path() / "runs" / "run-2.json"));
}

TEST(Store, ResumeSkipsFinishedCellsButRetriesErrors) {
  dt::TempDir d("/tmp", "dt-store-");
  Store s(d.path());
  s.add_run(make("run-1", "c1", {}, Status::Pass));
  s.add_run(make("run-2", "c2", {}, Status::Error));
  auto done = s.completed_cells();
  EXPECT_TRUE(done.count("c1"));
  EXPECT_FALSE(done.count("c2"));
}

TEST(Store, RecordRoundTripsThroughJson) {
  dt::TempDir d("/tmp", "dt-store-");
  Store s(d.path());
  auto r = make("run-1", "c1", {"KASAN: use-after-free Read in dax_fault"});
  r.iterations = 12345;
  r.cell = {{"seed", 7}};
  r.namespaces = "template";
  s.add_run(r);
  auto back = s.run("run-1");
  ASSERT_TRUE(back);
  EXPECT_EQ(back->iterations, 12345u);
  EXPECT_EQ(back->findings.at(0).title, "KASAN: use-after-free Read in dax_fault");
  EXPECT_EQ(back->cell["seed"], 7);
  EXPECT_EQ(back->namespaces, "template");
  s.set_meta("campaign", "quick");
  EXPECT_EQ(s.meta("campaign"), "quick");
}

// A record whose status is missing or unknown (damaged, or written by a newer version) must
// not read back as a passing run: it would turn a broken result green.
TEST(Record, UnknownOrMissingStatusIsAnErrorNotAPass) {
  auto j = to_json(make("run-1", "c1", {}, Status::Pass));
  EXPECT_EQ(record_from_json(j).status, Status::Pass);
  j["status"] = "exploded";
  EXPECT_EQ(record_from_json(j).status, Status::Error);
  j.erase("status");
  EXPECT_EQ(record_from_json(j).status, Status::Error);
  for (auto st : {Status::Pass, Status::Findings, Status::Error, Status::Skip})
    EXPECT_EQ(status_from_string(to_string(st)), st);
}

// One boot-retry policy (`run` retries a cell once): only a fresh VM that never came up and
// whose kernel said nothing. A boot-time kernel report is a finding; a kept guest did boot.
TEST(Record, OnlyAQuietBootFailureIsRetried) {
  auto r = make("run-1", "c1", {}, Status::Error);
  r.findings.push_back(dt::oracle::infra("boot failed: QEMU failed to start (exit 1)", ""));
  EXPECT_TRUE(r.boot_failed_quietly());
  auto reported = r;
  dt::oracle::Finding panic;
  panic.title = "BUG: kernel NULL pointer dereference in nvdimm_probe";
  panic.category = dt::oracle::Category::Kernel;
  reported.findings.push_back(panic);
  EXPECT_FALSE(reported.boot_failed_quietly()) << "the kernel said why: a finding";
  auto booted = r;
  booted.boot_to_ready_s = 3.2;
  EXPECT_FALSE(booted.boot_failed_quietly());
  auto kept = r;
  kept.guest_cell = 2;
  EXPECT_FALSE(kept.boot_failed_quietly()) << "a kept guest did boot";
  EXPECT_FALSE(make("run-2", "c1", {}, Status::Pass).boot_failed_quietly());
}
