#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

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

// A locked directory whose owner is gone (here: a child process that made one and was
// killed) is swept; a live owner's and a kept one are not.
TEST(TempDir, SweepRemovesOnlyOrphans) {
  TempDir parent("/tmp", "dt-sweep-");
  int pipefd[2];
  ASSERT_EQ(::pipe(pipefd), 0);
  const pid_t child = ::fork();
  if (child == 0) {
    TempDir d(parent.path(), "boot-", TempDir::Owner::locked);
    (void)!::write(pipefd[1], "x", 1);
    ::pause();
    ::_exit(0);
  }
  char c;
  ASSERT_EQ(::read(pipefd[0], &c, 1), 1);
  TempDir live(parent.path(), "shell-", TempDir::Owner::locked);
  std::filesystem::path kept;
  {
    TempDir k(parent.path(), "boot-", TempDir::Owner::locked);
    k.keep();
    kept = k.path();
  }
  EXPECT_EQ(TempDir::sweep_orphans(parent.path()), 0u) << "the child is alive";
  ::kill(child, SIGKILL);
  ::waitpid(child, nullptr, 0);
  EXPECT_EQ(TempDir::sweep_orphans(parent.path()), 1u);
  EXPECT_TRUE(std::filesystem::exists(live.path()));
  EXPECT_TRUE(std::filesystem::exists(kept));
  std::size_t left = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(parent.path())) ++left;
  EXPECT_EQ(left, 2u);
  ::close(pipefd[0]);
  ::close(pipefd[1]);
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

// An NVDIMM template is a 512 MiB file holding a few MiB: the copy has the same bytes and
// allocates only the data (a plain copy would write 512 MiB per guest).
TEST(CopySparse, SameBytesOnlyTheDataAllocated) {
  dt::TempDir dir(std::filesystem::temp_directory_path(), "dt-sparse-");
  const auto src = dir.path() / "src", dst = dir.path() / "dst";
  const std::uint64_t size = 64ull << 20;
  {
    std::ofstream f(src, std::ios::binary);
    f.seekp(static_cast<std::streamoff>(size - 1));
    f.put('\0');
  }
  std::string a(4096, 'a'), b(128 << 10, 'b');
  std::fstream f(src, std::ios::in | std::ios::out | std::ios::binary);
  f.seekp(4096), f.write(a.data(), static_cast<std::streamsize>(a.size()));
  f.seekp(static_cast<std::streamoff>(size - b.size())),
      f.write(b.data(), static_cast<std::streamsize>(b.size()));
  f.close();

  const auto copied = dt::copy_sparse(src, dst);
  EXPECT_EQ(dt::read_file(dst), dt::read_file(src));
  EXPECT_EQ(std::filesystem::file_size(dst), size);
  EXPECT_GE(copied, a.size() + b.size());
  EXPECT_LT(copied, 4ull << 20) << "the holes were copied as zeros";
  struct stat st {};
  ASSERT_EQ(::stat(dst.c_str(), &st), 0);
  EXPECT_LT(static_cast<std::uint64_t>(st.st_blocks) * 512, 4ull << 20);

  EXPECT_THROW(dt::copy_sparse(dir.path() / "missing", dst), dt::InfraError);
}
