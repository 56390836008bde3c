// The campaign orchestrator without VMs: a fake cell runner stands in for run_cell and
// returns the records a real one would (pass, a quiet boot failure, a finding, an interruption,
// a throw), and the tests check what CampaignRun makes of them: the store, the canary
// schedule, the one retry, the stop rule and the counts that decide the exit code.
#include "runner/campaign_run.hpp"

#include <gtest/gtest.h>

#include <mutex>
#include <set>

#include "util/error.hpp"
#include "util/tempdir.hpp"

using namespace dt;
using namespace dt::runner;

namespace {

std::vector<campaign::Cell> cells(int n, const std::string& kernel = "default") {
  std::vector<campaign::Cell> v;
  for (int i = 0; i < n; ++i) {
    campaign::Cell c;
    c.index = static_cast<std::size_t>(v.size());
    c.id = "xfs/fault-vs-truncate/none/" + kernel + "/r" + std::to_string(i);
    c.kernel = kernel;
    c.fs.name = "xfs";
    c.workload.name = "fault-vs-truncate";
    v.push_back(c);
  }
  return v;
}

std::map<std::string, image::Image> images(std::initializer_list<std::string> kernels) {
  std::map<std::string, image::Image> m;
  for (auto& k : kernels) m[k].key = "img-" + k;
  return m;
}

results::RunRecord record(const campaign::Cell& c, results::Status st, int attempt = 1) {
  results::RunRecord r;
  r.run_id = make_run_id(c) + "-" + std::to_string(attempt);
  r.cell_id = c.id;
  r.cell_index = c.index;
  r.kernel = c.kernel;
  r.status = st;
  r.guest_cell = 1;
  r.boot_to_ready_s = st == results::Status::Error ? 0 : 3;
  r.started_at = results::utc_now();
  return r;
}

// What run_cell returns for a clean cell.
results::RunRecord passed(const campaign::Cell& c, int attempt = 1) {
  auto r = record(c, results::Status::Pass, attempt);
  r.canary_seen = true;
  return r;
}

// Counts calls per cell and remembers the contexts it was given.
struct Fake {
  std::mutex mu;
  std::map<std::string, int> calls;
  std::vector<bool> canary;  // per call, in call order
  std::function<results::RunRecord(const campaign::Cell&, const CellContext&, int)> act;

  CellRunner runner() {
    return [this](const campaign::Cell& c, const image::Image&, const CellContext& ctx,
                  const std::function<void(const CellProgress&)>&) {
      int n;
      {
        std::lock_guard lk(mu);
        n = ++calls[c.id];
        canary.push_back(ctx.canary);
      }
      return act ? act(c, ctx, n) : passed(c);
    };
  }
};

CampaignSettings settings(const TempDir& d, int jobs = 1) {
  CampaignSettings s;
  s.campaign = "test";
  s.out = d.path();
  s.jobs = jobs;
  return s;
}

}  // namespace

TEST(CampaignRun, EveryCellRunsOnceAndIsStored) {
  TempDir d("/tmp", "dt-camp-");
  results::Store store(d.path());
  Fake fake;
  std::atomic<bool> stop{false};
  std::vector<std::string> finished;
  std::mutex mu;
  CampaignEvents ev;
  ev.finished = [&](const results::RunRecord& r) {
    std::lock_guard lk(mu);
    finished.push_back(r.cell_id);
  };
  CampaignRun run(settings(d, 2), store, fake.runner());
  auto res = run.run(cells(5), images({"default"}), stop, ev);
  EXPECT_EQ(res.runs, 5u);
  EXPECT_EQ(res.infra_errors, 0);
  EXPECT_FALSE(res.canary_missing);
  EXPECT_EQ(finished.size(), 5u);
  EXPECT_EQ(store.runs().size(), 5u);
  EXPECT_EQ(store.completed_cells().size(), 5u);
  for (auto& [id, n] : fake.calls) EXPECT_EQ(n, 1) << id;
}

TEST(CampaignRun, CanaryOnTheFirstCellOfEachKernelEveryCellOrNone) {
  auto both = cells(3, "default");
  for (auto& c : cells(2, "6.12")) both.push_back(c);
  for (auto [mode, expected] : std::vector<std::pair<CanaryMode, int>>{
           {CanaryMode::First, 2}, {CanaryMode::Every, 5}, {CanaryMode::None, 0}}) {
    TempDir d("/tmp", "dt-camp-");
    results::Store store(d.path());
    Fake fake;
    auto s = settings(d);
    s.canary = mode;
    std::atomic<bool> stop{false};
    CampaignRun(s, store, fake.runner()).run(both, images({"default", "6.12"}), stop);
    int canaries = 0;
    for (bool c : fake.canary) canaries += c;
    EXPECT_EQ(canaries, expected);
  }
  EXPECT_THROW(parse_canary_mode("sometimes"), UsageError);
}

TEST(CampaignRun, ACanaryCellWithoutItsReportBreaksTheCampaign) {
  TempDir d("/tmp", "dt-camp-");
  results::Store store(d.path());
  Fake fake;
  fake.act = [](const campaign::Cell& c, const CellContext& ctx, int) {
    auto r = record(c, results::Status::Pass);
    r.canary_seen = !ctx.canary;  // the console never showed the canary's report
    return r;
  };
  std::atomic<bool> stop{false};
  auto res =
      CampaignRun(settings(d), store, fake.runner()).run(cells(2), images({"default"}), stop);
  EXPECT_TRUE(res.canary_missing);
}

TEST(CampaignRun, AQuietBootFailureIsRetriedOnceAndBothAttemptsAreKept) {
  TempDir d("/tmp", "dt-camp-");
  results::Store store(d.path());
  Fake fake;
  fake.act = [](const campaign::Cell& c, const CellContext&, int n) {
    if (c.index == 1 && n == 1) return record(c, results::Status::Error);  // QEMU died at boot
    return passed(c, n);
  };
  std::atomic<bool> stop{false};
  std::vector<std::string> messages;
  CampaignEvents ev;
  ev.message = [&](const std::string& m) { messages.push_back(m); };
  auto res =
      CampaignRun(settings(d), store, fake.runner()).run(cells(3), images({"default"}), stop, ev);
  EXPECT_EQ(fake.calls["xfs/fault-vs-truncate/none/default/r1"], 2);
  EXPECT_EQ(res.runs, 3u);
  EXPECT_EQ(res.infra_errors, 0);  // the retry passed
  EXPECT_EQ(store.runs().size(), 4u);
  auto latest = latest_runs(store);
  ASSERT_EQ(latest.size(), 3u);
  for (auto& r : latest) EXPECT_EQ(r.status, results::Status::Pass) << r.cell_id;
  ASSERT_EQ(messages.size(), 1u);
  EXPECT_NE(messages[0].find("retrying once"), std::string::npos);
}

TEST(CampaignRun, ASecondQuietBootFailureIsTheCellsResult) {
  TempDir d("/tmp", "dt-camp-");
  results::Store store(d.path());
  Fake fake;
  fake.act = [](const campaign::Cell& c, const CellContext&, int n) {
    return record(c, results::Status::Error, n);  // QEMU dies at every boot
  };
  std::atomic<bool> stop{false};
  auto res =
      CampaignRun(settings(d), store, fake.runner()).run(cells(1), images({"default"}), stop);
  for (auto& [id, n] : fake.calls) EXPECT_EQ(n, 2) << id << ": one retry, never more";
  EXPECT_EQ(res.infra_errors, 1);
  EXPECT_EQ(store.runs().size(), 2u);
}

TEST(CampaignRun, AnErrorThatIsNotAQuietBootFailureIsNotRetried) {
  TempDir d("/tmp", "dt-camp-");
  results::Store store(d.path());
  Fake fake;
  fake.act = [](const campaign::Cell& c, const CellContext&, int) {
    auto r = record(c, results::Status::Error);
    r.boot_to_ready_s = 4;  // it booted: the error came later, a retry would hide it
    return r;
  };
  std::atomic<bool> stop{false};
  auto res =
      CampaignRun(settings(d), store, fake.runner()).run(cells(2), images({"default"}), stop);
  for (auto& [id, n] : fake.calls) EXPECT_EQ(n, 1) << id;
  EXPECT_EQ(res.infra_errors, 2);
}

TEST(CampaignRun, StopAfterEndsTheCampaignAtThatRun) {
  TempDir d("/tmp", "dt-camp-");
  results::Store store(d.path());
  Fake fake;
  auto s = settings(d);
  s.stop_after = [](const results::RunRecord& r) { return r.cell_index == 2; };
  std::atomic<bool> stop{false};
  auto res = CampaignRun(s, store, fake.runner()).run(cells(6), images({"default"}), stop);
  EXPECT_TRUE(res.stopped_after);
  EXPECT_TRUE(stop.load());
  EXPECT_EQ(res.runs, 3u);  // cells 0, 1, 2; nothing after the stopping run started
  EXPECT_EQ(fake.calls.size(), 3u);
}

TEST(CampaignRun, AnInterruptedCellIsNotRecorded) {
  TempDir d("/tmp", "dt-camp-");
  results::Store store(d.path());
  Fake fake;
  std::atomic<bool> stop{false};
  fake.act = [&](const campaign::Cell& c, const CellContext& ctx, int) -> results::RunRecord {
    if (c.index == 1) {
      stop = true;  // Ctrl-C while the cell runs: the cell sees should_abort()
      EXPECT_TRUE(ctx.should_abort());
      throw Interrupted();
    }
    return passed(c);
  };
  auto res =
      CampaignRun(settings(d), store, fake.runner()).run(cells(4), images({"default"}), stop);
  EXPECT_EQ(res.runs, 1u);
  EXPECT_EQ(res.infra_errors, 0);  // an interruption is not a failure of the kernel or of ours
  EXPECT_EQ(store.completed_cells(),
            (std::set<std::string>{"xfs/fault-vs-truncate/none/default/r0"}));
}

TEST(CampaignRun, AThrowIsAnInfraErrorAndDiskFullStopsEverything) {
  TempDir d("/tmp", "dt-camp-");
  results::Store store(d.path());
  Fake fake;
  fake.act = [](const campaign::Cell& c, const CellContext&, int) -> results::RunRecord {
    if (c.index == 0) throw InfraError("cannot create the VM directory");
    if (c.index == 2) throw DiskFullError("no space left on device");
    return passed(c);
  };
  std::atomic<bool> stop{false};
  std::vector<std::string> messages;
  CampaignEvents ev;
  ev.message = [&](const std::string& m) { messages.push_back(m); };
  auto res =
      CampaignRun(settings(d), store, fake.runner()).run(cells(5), images({"default"}), stop, ev);
  EXPECT_EQ(res.infra_errors, 2);
  EXPECT_EQ(res.runs, 1u);  // cell 1; after the full disk nothing more starts
  EXPECT_TRUE(stop.load());
  ASSERT_EQ(messages.size(), 2u);
  EXPECT_NE(messages[0].find("cannot create the VM directory"), std::string::npos);
}

TEST(CampaignRun, ACellWithoutItsImageIsAnErrorNotACrash) {
  TempDir d("/tmp", "dt-camp-");
  results::Store store(d.path());
  Fake fake;
  std::atomic<bool> stop{false};
  auto res = CampaignRun(settings(d), store, fake.runner())
                 .run(cells(1, "6.12"), images({"default"}), stop);
  EXPECT_EQ(res.infra_errors, 1);
  EXPECT_TRUE(fake.calls.empty());
}

TEST(CampaignRun, JobsAreTheRequestOrWhatTheMachineHolds) {
  EXPECT_EQ(jobs_for(3, cells(1)), 3);
  EXPECT_GE(jobs_for(0, cells(1)), 1);
  EXPECT_GE(jobs_for(0, {}), 1);
}

// A resumed campaign describes itself again but keeps when it first started.
TEST(CampaignRun, TheStoreSaysWhichCampaignItHoldsAndKeepsItsStart) {
  TempDir d("/tmp", "dt-camp-");
  results::Store store(d.path());
  describe_campaign(store, "quick", "campaigns/quick.yaml", "/cat/mutants.yaml", "2/4");
  EXPECT_EQ(store.meta("campaign"), "quick");
  EXPECT_EQ(store.meta("campaign_path"),
            std::filesystem::absolute("campaigns/quick.yaml").string());
  EXPECT_EQ(store.meta("catalogue"), "/cat/mutants.yaml");
  EXPECT_EQ(store.meta("shard"), "2/4");
  store.set_meta("started_at", "2026-01-01T00:00:00Z");
  describe_campaign(store, "quick", "campaigns/quick.yaml", "/cat/mutants.yaml", "2/4");
  EXPECT_EQ(store.meta("started_at"), "2026-01-01T00:00:00Z");
}

// Snapshot mode is the default wherever it can run (the pool is on and the backend saves
// snapshots); asking for it where it cannot is a usage error, not a silent reboot.
TEST(ChooseReset, SnapshotModeByDefaultWhereThePoolAndTheBackendAllowIt) {
  const vm::Capabilities qemu{.snapshots = true}, libvirt{.snapshots = false};
  EXPECT_TRUE(choose_reset(std::nullopt, 10, "qemu", qemu).snapshots);
  EXPECT_FALSE(choose_reset(false, 10, "qemu", qemu).snapshots);
  EXPECT_NE(choose_reset(false, 10, "qemu", qemu).why.find("--no-snapshot-reset"),
            std::string::npos);
  auto lv = choose_reset(std::nullopt, 10, "libvirt", libvirt);
  EXPECT_FALSE(lv.snapshots);
  EXPECT_NE(lv.why.find("libvirt backend has no VM snapshots"), std::string::npos) << lv.why;
  EXPECT_FALSE(choose_reset(std::nullopt, 1, "qemu", qemu).snapshots) << "one VM per cell";
  EXPECT_THROW(choose_reset(true, 1, "qemu", qemu), UsageError);
  EXPECT_THROW(choose_reset(true, 10, "libvirt", libvirt), UsageError);
  EXPECT_TRUE(choose_reset(true, 10, "qemu", qemu).snapshots);
}
