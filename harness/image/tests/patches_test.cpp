// Patches on a cached source tree: all or nothing, and gone again afterwards (real `patch`).
#include "image/patches.hpp"

#include <gtest/gtest.h>

#include <fstream>

#include "util/error.hpp"
#include "util/file.hpp"
#include "util/tempdir.hpp"

namespace dt::image {
namespace {
namespace fs = std::filesystem;

struct Tree {
  TempDir dir{"/tmp", "dt-patches-"};
  fs::path src = dir.path() / "src";
  Tree() {
    fs::create_directories(src / "fs");
    std::ofstream(src / "fs" / "a.c") << "one\ntwo\nthree\n";
    std::ofstream(src / "fs" / "b.c") << "alpha\nbeta\ngamma\n";
  }
  fs::path patch(const std::string& name, const std::string& text) const {
    auto p = dir.path() / name;
    std::ofstream(p) << text;
    return p;
  }
};

const char* kGoodA = "--- a/fs/a.c\n+++ b/fs/a.c\n@@ -1,3 +1,3 @@\n one\n-two\n+TWO\n three\n";
// First hunk applies, second does not: without a dry run, b.c would stay half-patched.
const char* kHalfB =
    "--- a/fs/a.c\n+++ b/fs/a.c\n@@ -1,3 +1,3 @@\n-one\n+ONE\n TWO\n three\n"
    "--- a/fs/b.c\n+++ b/fs/b.c\n@@ -1,3 +1,3 @@\n alpha\n-nope\n+NOPE\n gamma\n";

TEST(AppliedPatches, AppliedForTheBuildAndRevertedAfterwards) {
  Tree t;
  {
    AppliedPatches applied(t.src, {t.patch("a.patch", kGoodA)});
    EXPECT_EQ(read_file(t.src / "fs" / "a.c"), "one\nTWO\nthree\n");
  }
  EXPECT_EQ(read_file(t.src / "fs" / "a.c"), "one\ntwo\nthree\n");
}

TEST(AppliedPatches, OneThatDoesNotApplyLeavesTheTreeAsItWas) {
  Tree t;
  auto good = t.patch("a.patch", kGoodA), half = t.patch("half.patch", kHalfB);
  try {
    AppliedPatches applied(t.src, {good, half});
    FAIL() << "the second patch does not apply";
  } catch (const UsageError& e) {
    std::string what = e.what();
    EXPECT_NE(what.find("patch " + half.string() + " does not apply to " + t.src.string()),
              std::string::npos)
        << what;
    EXPECT_NE(what.find("FAILED"), std::string::npos) << what;
    EXPECT_EQ(what.find('\n'), std::string::npos) << "one line: " << what;
  }
  EXPECT_EQ(read_file(t.src / "fs" / "a.c"), "one\ntwo\nthree\n");
  EXPECT_EQ(read_file(t.src / "fs" / "b.c"), "alpha\nbeta\ngamma\n");
  for (auto& e : fs::recursive_directory_iterator(t.src))
    EXPECT_NE(e.path().extension(), ".rej") << e.path();
}

}  // namespace
}  // namespace dt::image
