#include <gtest/gtest.h>
#include <stdlib.h>

#include <chrono>
#include <fstream>

#include "image/cpio.hpp"
#include "image/image.hpp"
#include "util/error.hpp"
#include "util/file.hpp"
#include "util/hash.hpp"
#include "util/tempdir.hpp"

using namespace dt::image;
namespace fs = std::filesystem;

namespace {
void write(const fs::path& p, const std::string& s) {
  std::ofstream(p, std::ios::trunc) << s;
}
}  // namespace

class CacheKey : public ::testing::Test {
 protected:
  dt::TempDir tmp{"/tmp", "dt-cache-test-"};
  fs::path tarball = tmp.path() / "linux.tar.xz";
  fs::path patch = tmp.path() / "0001.patch";
  void SetUp() override {
    write(tarball, "pretend source");
    write(patch, "--- a/x\n+++ b/x\n");
  }
  BuildRequest req() {
    BuildRequest r;
    r.tarball = tarball;
    return r;
  }
};

TEST_F(CacheKey, StableForTheSameInputs) {
  ImageStore s(tmp.path() / "cache");
  EXPECT_EQ(s.kernel_key(req()), s.kernel_key(req()));
  EXPECT_TRUE(fs::exists(tmp.path() / "cache" / "digests.json"));  // tarball digest memoised
}

TEST_F(CacheKey, ChangesWithEveryInput) {
  ImageStore s(tmp.path() / "cache");
  auto base = s.kernel_key(req());
  auto r = req();
  r.flavour = "kasan";
  EXPECT_NE(s.kernel_key(r), base);
  r = req();
  r.patches = {patch};
  auto with_patch = s.kernel_key(r);
  EXPECT_NE(with_patch, base);
  write(patch, "--- a/x\n+++ b/y\n");
  EXPECT_NE(s.kernel_key(r), with_patch);
  // New tarball contents (and so a new mtime/size) give a new key too.
  write(tarball, "pretend source, newer");
  EXPECT_NE(s.kernel_key(req()), base);
}

TEST_F(CacheKey, PrebuiltKernelIsKeyedByContent) {
  ImageStore s(tmp.path() / "cache");
  auto bz = tmp.path() / "bzImage";
  write(bz, "kernel one");
  BuildRequest r;
  r.kernel = bz;
  auto k1 = s.kernel_key(r);
  write(bz, "kernel two");
  EXPECT_NE(s.kernel_key(r), k1);
  r.kernel = tmp.path() / "missing";
  EXPECT_THROW(s.kernel_key(r), dt::UsageError);
}

TEST_F(CacheKey, MissingTarballIsAClearUsageError) {
  ImageStore s(tmp.path() / "cache");
  auto r = req();
  r.tarball = tmp.path() / "nope.tar.xz";
  try {
    s.kernel_key(r);
    FAIL();
  } catch (const dt::UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("linux-source-6.1"), std::string::npos);
  }
}

TEST_F(CacheKey, TwoDebianVersionsNeverShareAKey) {
  ImageStore s(tmp.path() / "cache");
  auto v612 = tmp.path() / "linux-source-6.12.tar.xz";
  write(v612, "pretend 6.12 source");
  auto r = req();
  r.tarball = v612;
  r.source_package = "linux-source-6.12";
  EXPECT_NE(s.kernel_key(r), s.kernel_key(req()));
}

TEST_F(CacheKey, MissingTarballNamesItsPackage) {
  ImageStore s(tmp.path() / "cache");
  auto r = req();
  r.tarball = tmp.path() / "linux-source-6.12.tar.xz";
  r.source_package = "linux-source-6.12";
  try {
    s.kernel_key(r);
    FAIL();
  } catch (const dt::UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("apt-get install linux-source-6.12"), std::string::npos);
  }
}

TEST_F(CacheKey, PrebuiltImageBuildsOnceThenHitsFast) {
  ImageStore s(tmp.path() / "cache");
  auto bz = tmp.path() / "bzImage";
  write(bz, "kernel");
  BuildRequest r;
  r.kernel = bz;
  EXPECT_FALSE(s.find(r));
  auto img = s.build(r);
  EXPECT_TRUE(fs::exists(img.kernel));
  EXPECT_TRUE(fs::exists(img.initramfs));
  auto t0 = std::chrono::steady_clock::now();
  auto hit = s.find(r);
  auto dt_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  ASSERT_TRUE(hit);
  EXPECT_EQ(hit->key, img.key);
  EXPECT_LT(dt_s, 2.0);
  EXPECT_EQ(s.list().size(), 1u);
}

TEST(Cpio, ReproducibleAndWellFormed) {
  dt::TempDir tmp("/tmp", "dt-cpio-");
  write(tmp.path() / "f", "hello");
  auto make = [&](const fs::path& out, bool reverse) {
    CpioBuilder c;
    if (reverse) {
      c.add_symlink("bin/sh", "busybox");
      c.add_file("bin/busybox", tmp.path() / "f", 0755);
    } else {
      c.add_file("bin/busybox", tmp.path() / "f", 0755);
      c.add_symlink("bin/sh", "busybox");
    }
    c.add_char_device("dev/console", 5, 1);
    c.write(out);
    return c.content_hash();
  };
  auto h1 = make(tmp.path() / "a.cpio", false);
  auto h2 = make(tmp.path() / "b.cpio", true);
  EXPECT_EQ(h1, h2);
  auto a = dt::read_file(tmp.path() / "a.cpio");
  EXPECT_EQ(a, dt::read_file(tmp.path() / "b.cpio"));  // insertion order does not matter
  EXPECT_EQ(a.substr(0, 6), "070701");
  EXPECT_NE(a.find("TRAILER!!!"), std::string::npos);
  EXPECT_LT(a.find("bin\0", 0, 4), a.find("bin/busybox"));  // parent dir before child
  EXPECT_EQ(a.size() % 4, 0u);
  // cpio(1) itself can list it.
  auto listing = tmp.path() / "list";
  ASSERT_EQ(
      system(("cd " + tmp.path().string() + " && cpio -it < a.cpio > list 2>/dev/null").c_str()),
      0);
  auto l = dt::read_file(listing);
  EXPECT_NE(l.find("bin/busybox"), std::string::npos);
  EXPECT_NE(l.find("dev/console"), std::string::npos);
}
