#include <gtest/gtest.h>

#include "injector.hpp"
#include "util/error.hpp"

using namespace dt;

TEST(Injectors, FactoryKnowsWhatItHasAndSaysWhatItLacks) {
  for (auto n : {"pause-jitter", "cpu-hotplug", "failslab", "fail-page-alloc", "unbind", "poison",
                 "power-cut"}) {
    campaign::InjectorSpec s{n, {}};
    EXPECT_EQ(injectors::make(s, "xfs", 1)->name(), n);
  }
  try {
    injectors::make(campaign::InjectorSpec{"thermal-runaway", {}}, "xfs", 1);
    FAIL();
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("not implemented"), std::string::npos);
  }
}

// Capabilities are data: a campaign whose injector the backend cannot serve is refused before
// any VM boots (a power cut on a remote libvirt host used to fail after the first cell).
TEST(Injectors, CampaignNeedingMoreThanTheBackendCanIsAUsageError) {
  auto camp = campaign::load_string(
      "name: cut\nduration: 5s\nfilesystems: [xfs]\nworkloads: [map-sync]\n"
      "injectors: [none, power-cut]\n",
      "cut.yaml");
  vm::Capabilities local;
  EXPECT_NO_THROW(injectors::check_backend(camp, "qemu", local));
  vm::Capabilities remote{.reuse_nvdimm_files = false, .remote = true};
  try {
    injectors::check_backend(camp, "libvirt", remote);
    FAIL() << "power-cut accepted on a backend that cannot reuse NVDIMM files";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("power-cut"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("--backend qemu"), std::string::npos) << e.what();
  }
  auto plain = campaign::load_string(
      "duration: 5s\nfilesystems: [xfs]\nworkloads: [map-sync]\ninjectors: [pause-jitter]\n",
      "plain.yaml");
  EXPECT_NO_THROW(injectors::check_backend(plain, "libvirt", remote));
}

TEST(Injectors, PowerCutMirrorsTheAckLogOfMapSyncOnly) {
  auto i = injectors::make(campaign::InjectorSpec{"power-cut", {{"cuts", "3"}}}, "ext4", 7);
  EXPECT_TRUE(i->wants_cut());
  EXPECT_FALSE(i->cut_pending());
  EXPECT_FALSE(i->skip_fsck());
  auto w = i->wrap({"dt-map-sync", "--dir", "/mnt/dax/work", "--seed", "7"});
  ASSERT_GE(w.size(), 8u);
  EXPECT_EQ(w[5], "--ack-log");
  EXPECT_EQ(w[6], "/mnt/dax/work/acklog");
  EXPECT_EQ(w[7], "--ack-stdout");
  auto other = i->wrap({"dt-fault-vs-truncate", "--dir", "/mnt/dax/work"});
  EXPECT_EQ(other.size(), 3u);  // no acks to keep: mount + fsck only
  EXPECT_THROW(injectors::make(campaign::InjectorSpec{"power-cut", {{"mode", "unplug"}}}, "xfs", 1),
               UsageError);
}

namespace {

// Whether the cell's one oracle pass (the shipped rules against this injector's record) marks f.
bool expected_by(const injectors::Injector& i, const oracle::Finding& f, const std::string& fs) {
  std::vector<oracle::Finding> one = {f};
  oracle::mark_expected(one, {i.record()}, fs);
  return one[0].expected;
}

}  // namespace

// Every rule names injectors this build has (a typo would silently never match).
TEST(Injectors, EveryExpectedRuleNamesAnInjectorThatExists) {
  const auto& rules = oracle::shipped_expected_rules().rules;
  ASSERT_FALSE(rules.empty());
  for (const auto& r : rules)
    for (const auto& name : r.injectors)
      EXPECT_NO_THROW(injectors::make(campaign::InjectorSpec{name, {}}, "xfs", 1))
          << r.where << ": " << name;
}

TEST(Injectors, PoisonExpectsNothingUntilItFired) {
  auto i = injectors::make(campaign::InjectorSpec{"poison", {}}, "ext4", 1);
  oracle::Finding f;
  f.category = oracle::Category::Workload;
  f.kind = "unexpected-sigbus";
  EXPECT_FALSE(expected_by(*i, f, "ext4"));
  EXPECT_TRUE(i->take_findings().empty());
}

TEST(Injectors, PoisonExcusesNoHangItDidNotSee) {
  // The known xfs deadlock's victims are expected only once its memory-failure report was on
  // the console (seen from a session); without it a hang or a lost guest is a finding.
  auto i = injectors::make(campaign::InjectorSpec{"poison", {}}, "xfs", 1);
  oracle::Finding lost;
  lost.kind = "no-output";
  lost.title = "no output from test machine";
  EXPECT_FALSE(expected_by(*i, lost, "xfs"));
  oracle::Finding hung;
  hung.kind = "hung-task";
  hung.title = "INFO: task hung in get_unlocked_entry";
  hung.text = "INFO: task dt-poison:90 blocked for more than 61 seconds.\n grab_mapping_entry";
  EXPECT_FALSE(expected_by(*i, hung, "xfs"));
}

TEST(Injectors, FaultInjectionIsScopedToTheWorkload) {
  auto i = injectors::make(campaign::InjectorSpec{"failslab", {{"probability", "10"}}}, "ext4", 1);
  auto w = i->wrap({"dt-fault-vs-truncate", "--dir", "/mnt/dax/work"});
  ASSERT_GE(w.size(), 5u);
  EXPECT_EQ(w[0], "sh");
  EXPECT_NE(w[2].find("/proc/self/make-it-fail"), std::string::npos);
  EXPECT_EQ(w[4], "dt-fault-vs-truncate");
}

TEST(Injectors, UnbindExpectsNothingUntilItFired) {
  auto i = injectors::make(campaign::InjectorSpec{"unbind", {{"at", "2"}}}, "xfs", 1);
  oracle::Finding f;
  f.kind = "xfs";
  f.title = "XFS: Internal error in xfs_trans_cancel";
  EXPECT_FALSE(expected_by(*i, f, "xfs"));  // not armed, not fired: an XFS error is a finding
  EXPECT_FALSE(i->skip_fsck());
}
