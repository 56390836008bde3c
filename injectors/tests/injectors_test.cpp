#include <gtest/gtest.h>

#include "injector.hpp"
#include "util/error.hpp"

using namespace dt;

TEST(Injectors, FactoryKnowsWhatItHasAndSaysWhatItLacks) {
  for (auto n : {"pause-jitter", "cpu-hotplug", "failslab", "fail-page-alloc", "unbind"}) {
    campaign::InjectorSpec s{n, {}};
    EXPECT_EQ(injectors::make(s, "xfs", 1)->name(), n);
  }
  try {
    injectors::make(campaign::InjectorSpec{"power-cut", {}}, "xfs", 1);
    FAIL();
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("not implemented"), std::string::npos);
  }
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
  EXPECT_FALSE(i->expected(f));  // not armed, not fired: an XFS error is a finding
  EXPECT_FALSE(i->skip_fsck());
}
