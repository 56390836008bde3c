// The VM pool's bookkeeping without a VM: which kept guest a cell may take, when a guest is
// used up, and that retiring one removes its NVDIMM files unless artifacts are kept.
#include "runner/guest_slot.hpp"

#include <gtest/gtest.h>

#include <csignal>
#include <fstream>

#include "runner/session.hpp"
#include "util/error.hpp"
#include "util/tempdir.hpp"

using namespace dt;
using namespace dt::runner;
namespace fs = std::filesystem;

namespace {
GuestKey key(const std::string& image) {
  return {image, vm::Accel::Tcg, 2, 1ull << 30, 512ull << 20, 1};
}

KeptGuest kept_guest(GuestSlot& slot, const GuestKey& k, int cells, double age_s = 0) {
  KeptGuest g{nullptr, k, slot.new_vm_dir(), cells, vm::steady_now() - age_s, "0"};
  fs::create_directories(g.dir);
  std::ofstream(g.dir / "nvdimm0.img") << "x";
  std::ofstream(g.dir / "console.log") << "boot";
  return g;
}
}  // namespace

TEST(GuestSlot, OffWhenOneCellPerGuest) {
  TempDir d("/tmp", "dt-slot-");
  EXPECT_FALSE(GuestSlot(ReusePolicy{1}, d.path(), 0, false).enabled());
  EXPECT_TRUE(GuestSlot(ReusePolicy{2}, d.path(), 0, false).enabled());
}

TEST(GuestSlot, KeepsAGuestUntilItsCellsAreUsedUp) {
  TempDir d("/tmp", "dt-slot-");
  GuestSlot slot(ReusePolicy{3}, d.path(), 1, false);
  auto k = key("img-a");
  EXPECT_EQ(slot.give_back(kept_guest(slot, k, 1)), "");
  auto g = slot.take(k);
  ASSERT_TRUE(g.has_value());
  EXPECT_EQ(g->cells, 1);
  EXPECT_FALSE(slot.take(k).has_value()) << "taken once";
  g->cells = 3;
  fs::path dir = g->dir;
  EXPECT_NE(slot.give_back(std::move(*g)), "") << "three cells of three: retired";
  EXPECT_FALSE(slot.take(k).has_value());
  EXPECT_FALSE(fs::exists(dir / "nvdimm0.img")) << "a retired guest's NVDIMM files go";
  EXPECT_TRUE(fs::exists(dir / "console.log")) << "its console stays";
}

TEST(GuestSlot, AnotherMachineShapeOrImageRetiresTheKeptGuest) {
  TempDir d("/tmp", "dt-slot-");
  GuestSlot slot(ReusePolicy{8}, d.path(), 0, false);
  auto g = kept_guest(slot, key("img-a"), 1);
  fs::path dir = g.dir;
  EXPECT_EQ(slot.give_back(std::move(g)), "");
  auto other = key("img-a");
  other.vcpus = 4;
  EXPECT_FALSE(slot.take(other).has_value());
  EXPECT_FALSE(fs::exists(dir / "nvdimm0.img"));
  EXPECT_FALSE(slot.take(key("img-a")).has_value()) << "retired, not kept for later";
}

TEST(GuestSlot, OldGuestsAreReplaced) {
  TempDir d("/tmp", "dt-slot-");
  GuestSlot slot(ReusePolicy{8, 60}, d.path(), 0, false);
  EXPECT_NE(slot.give_back(kept_guest(slot, key("img-a"), 1, 61)), "");
  EXPECT_FALSE(slot.take(key("img-a")).has_value());
}

TEST(GuestSlot, KeptArtifactsStay) {
  TempDir d("/tmp", "dt-slot-");
  GuestSlot slot(ReusePolicy{2}, d.path(), 0, true);
  auto g = kept_guest(slot, key("img-a"), 2);
  fs::path dir = g.dir;
  EXPECT_NE(slot.give_back(std::move(g)), "");
  EXPECT_TRUE(fs::exists(dir / "nvdimm0.img"));
}

TEST(GuestSlot, EachFreshGuestGetsItsOwnDirectory) {
  TempDir d("/tmp", "dt-slot-");
  GuestSlot slot(ReusePolicy{2}, d.path(), 3, false);
  auto a = slot.new_vm_dir(), b = slot.new_vm_dir();
  EXPECT_NE(a, b);
  EXPECT_EQ(a.parent_path(), d.path());
  EXPECT_EQ(a.filename().string().rfind("w3-", 0), 0u);
}

TEST(GuestLost, VmDiedIsTypedNotReadFromTheMessage) {
  EXPECT_TRUE(GuestLost::lost_connection().vm_died());
  EXPECT_TRUE(GuestLost(GuestLost::Why::VmCrash, "VM crashed (exit 1)").vm_died());
  EXPECT_FALSE(GuestLost::no_output().vm_died());
  EXPECT_FALSE(GuestLost(GuestLost::Why::KernelPanic, "VM crashed, said the message").vm_died());
}

// QEMU killed by SIGBUS (its file-backed guest memory could not be backed: the disk under a
// sparse NVDIMM file filled up) is the host's fault, not a "VM crashed" finding: a selftest on
// a full disk "killed" a mutant that way.
TEST(HostFault, SigbusIsAnInfrastructureErrorNotAFinding) {
  vm::Config huge, small;
  huge.workdir = small.workdir = "/tmp";
  huge.nvdimms = {~0ull >> 2};
  small.nvdimms = {1};
  vm::Exit sigbus;
  sigbus.signal = SIGBUS;
  EXPECT_THROW(throw_if_host_fault(sigbus, huge), DiskFullError);
  try {
    throw_if_host_fault(sigbus, small);
    ADD_FAILURE() << "no error";
  } catch (const DiskFullError&) {
    ADD_FAILURE() << "plenty of space is not a full disk";
  } catch (const InfraError& e) {
    EXPECT_NE(std::string(e.what()).find("SIGBUS"), std::string::npos);
  }
  vm::Exit killed;
  killed.signal = SIGKILL;
  EXPECT_NO_THROW(throw_if_host_fault(killed, huge));
  vm::Exit exited;
  exited.code = 1;
  EXPECT_NO_THROW(throw_if_host_fault(exited, huge));
}
