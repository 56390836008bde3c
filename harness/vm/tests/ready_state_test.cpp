// Ready states are filed by what the guest saw: the same machine in another directory finds
// the state, and any change a guest would notice (command line, shape, a rebuilt kernel) does
// not.
#include "vm/ready_state.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "util/file.hpp"
#include "util/tempdir.hpp"

using namespace dt;
using namespace dt::vm;
namespace fs = std::filesystem;

namespace {
struct Machine {
  TempDir dir{"/tmp", "dt-ready-"};
  Config cfg;
  Machine() {
    write_file_atomic(dir.path() / "bzImage", "kernel");
    write_file_atomic(dir.path() / "initrd", "initramfs");
    cfg.kernel = dir.path() / "bzImage";
    cfg.initramfs = dir.path() / "initrd";
    cfg.workdir = dir.path() / "vm1";
    cfg.snapshots = true;
    write_file_atomic(dir.path() / "template.img", "namespace");
    cfg.nvdimm_templates = {dir.path() / "template.img"};
  }
};
}  // namespace

TEST(ReadyStates, TheSameMachineElsewhereHasTheSameFingerprint) {
  Machine m;
  Config other = m.cfg;
  other.workdir = m.dir.path() / "vm2";
  other.start_from = SavedState{"x.qcow2", "dt-fresh"};
  other.snapshots = false;
  EXPECT_EQ(ReadyStates::fingerprint(m.cfg), ReadyStates::fingerprint(other));
}

TEST(ReadyStates, WhatTheGuestSeesChangesTheFingerprint) {
  Machine m;
  const auto fp = ReadyStates::fingerprint(m.cfg);
  Config c = m.cfg;
  c.cmdline_extra = "fail_page_alloc=1";
  EXPECT_NE(ReadyStates::fingerprint(c), fp) << "kernel command line";
  c = m.cfg;
  c.vcpus = 4;
  EXPECT_NE(ReadyStates::fingerprint(c), fp) << "vCPUs";
  c = m.cfg;
  c.nvdimms = {1024ull << 20};
  EXPECT_NE(ReadyStates::fingerprint(c), fp) << "NVDIMM size";
  c = m.cfg;
  c.accel = Accel::Kvm;
  EXPECT_NE(ReadyStates::fingerprint(c), fp) << "accelerator";
  c = m.cfg;
  c.nvdimm_templates = {m.dir.path() / "other-template.img"};
  EXPECT_NE(ReadyStates::fingerprint(c), fp) << "another template";
  std::this_thread::sleep_for(std::chrono::milliseconds(10));
  write_file_atomic(m.cfg.kernel, "rebuilt kernel");
  EXPECT_NE(ReadyStates::fingerprint(m.cfg), fp) << "a rebuilt kernel at the same path";
}

TEST(ReadyStates, PublishedFoundAndDiscarded) {
  Machine m;
  ReadyStates states(m.dir.path() / "states");
  EXPECT_FALSE(states.find(m.cfg)) << "nothing saved yet";
  write_file_atomic(m.dir.path() / "snapshots.qcow2", "saved guest");
  ASSERT_TRUE(states.publish(m.cfg, m.dir.path() / "snapshots.qcow2", "dt-fresh"));
  Config elsewhere = m.cfg;
  elsewhere.workdir = m.dir.path() / "vm7";
  auto found = states.find(elsewhere);
  ASSERT_TRUE(found);
  EXPECT_EQ(found->tag, "dt-fresh");
  EXPECT_EQ(read_file(found->file), "saved guest");
  Config bigger = m.cfg;
  bigger.memory_bytes *= 2;
  EXPECT_FALSE(states.find(bigger)) << "another machine's state";
  EXPECT_FALSE(states.publish(m.cfg, m.dir.path() / "missing.qcow2", "dt-fresh"));
  EXPECT_TRUE(states.find(m.cfg)) << "a failed publish keeps the state there was";
  states.discard(m.cfg);
  EXPECT_FALSE(states.find(m.cfg));
  EXPECT_FALSE(ReadyStates(fs::path()).find(m.cfg)) << "no directory: every guest boots";
}

// A saved guest's kernel believes its namespaces are on the device: only guests whose NVDIMMs
// start as copies of the templates may be one.
TEST(ReadyStates, NoTemplateNoState) {
  Machine m;
  ReadyStates states(m.dir.path() / "states");
  write_file_atomic(m.dir.path() / "snapshots.qcow2", "saved guest");
  Config bare = m.cfg;
  bare.nvdimm_templates.clear();
  EXPECT_FALSE(states.publish(bare, m.dir.path() / "snapshots.qcow2", "dt-fresh"));
  // One saved before this rule (or by hand) is not used either.
  const fs::path old = m.dir.path() / "states" / (ReadyStates::fingerprint(bare) + ".qcow2");
  fs::create_directories(old.parent_path());
  write_file_atomic(old, "saved guest");
  write_file_atomic(fs::path(old).replace_extension(".tag"), "dt-fresh");
  EXPECT_FALSE(states.find(bare));
  EXPECT_TRUE(states.publish(m.cfg, m.dir.path() / "snapshots.qcow2", "dt-fresh"));
}

// States of machines no longer run do not pile up: publishing keeps the most recently used
// ones (a find counts as use) and clears what a harness that died while publishing left.
TEST(ReadyStates, PublishKeepsTheMostRecentlyUsedStates) {
  Machine m;
  const fs::path dir = m.dir.path() / "states";
  ReadyStates states(dir);
  write_file_atomic(m.dir.path() / "snapshots.qcow2", "saved guest");
  const auto now = fs::file_time_type::clock::now();
  std::vector<Config> machines;
  fs::create_directories(dir);
  for (std::size_t i = 0; i < ReadyStates::kKeep + 2; ++i) {
    Config c = m.cfg;
    c.vcpus = static_cast<int>(i) + 1;
    // Saved (last used) i+1 hours ago, so machine 0 is the newest.
    const fs::path state = dir / (ReadyStates::fingerprint(c) + ".qcow2");
    write_file_atomic(state, "saved guest");
    write_file_atomic(fs::path(state).replace_extension(".tag"), "dt-fresh");
    fs::last_write_time(fs::path(state).replace_extension(".tag"), now - std::chrono::hours(i + 1));
    machines.push_back(c);
  }
  ASSERT_TRUE(states.find(machines.back())) << "the oldest, now used again";
  const auto orphan_tag = dir / "0123456789abcdef01234567.tag";
  const auto abandoned_copy = dir / "0123456789abcdef01234567.qcow2.tmp.99.0";
  const auto live_copy = dir / "0123456789abcdef01234567.qcow2.tmp.98.0";
  for (const auto& p : {orphan_tag, abandoned_copy, live_copy}) write_file_atomic(p, "x");
  fs::last_write_time(orphan_tag, now - std::chrono::hours(2));
  fs::last_write_time(abandoned_copy, now - std::chrono::hours(2));

  Config newest = m.cfg;
  newest.vcpus = 99;
  ASSERT_TRUE(states.publish(newest, m.dir.path() / "snapshots.qcow2", "dt-fresh"));

  EXPECT_TRUE(states.find(newest));
  EXPECT_TRUE(states.find(machines.back())) << "used most recently but one";
  EXPECT_TRUE(states.find(machines[0]));
  EXPECT_TRUE(states.find(machines[1]));
  for (std::size_t i = 2; i + 1 < machines.size(); ++i)
    EXPECT_FALSE(states.find(machines[i])) << "machine " << i << " was used least recently";
  int files = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(dir)) ++files;
  EXPECT_EQ(files, 2 * static_cast<int>(ReadyStates::kKeep) + 1)
      << "state and tag each, and the live copy";
  EXPECT_FALSE(fs::exists(orphan_tag));
  EXPECT_FALSE(fs::exists(abandoned_copy));
  EXPECT_TRUE(fs::exists(live_copy)) << "a copy being published now is not touched";
}
