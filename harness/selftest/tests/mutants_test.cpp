#include "selftest/mutants.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <set>

#include "util/error.hpp"
#include "util/tempdir.hpp"

namespace dt::selftest {
namespace {
namespace fs = std::filesystem;
using ::testing::HasSubstr;

TEST(Mutants, ShippedCatalogueIsComplete) {
  auto all = load_mutants(DT_MUTANTS_FILE);
  ASSERT_GE(all.size(), 4u);
  std::set<std::string> files;
  for (auto& m : all) {
    EXPECT_FALSE(m.breaks.empty()) << m.id;
    EXPECT_FALSE(m.expect.empty()) << m.id;
    std::ifstream in(m.patch);
    std::string first;
    std::getline(in, first);
    EXPECT_EQ(first, "daxtorture mutant " + m.id) << "the patch documents itself";
    std::string body((std::istreambuf_iterator<char>(in)), {});
    EXPECT_THAT(body, HasSubstr("\n--- a/fs/")) << m.id << ": a DAX/filesystem patch";
    EXPECT_THAT(body, HasSubstr("Caught by")) << m.id << ": says which workload catches it";
    files.insert(m.patch.filename().string());
  }
  // Every shipped patch is in the catalogue (no orphan mutant that selftest never runs).
  for (auto& e : fs::directory_iterator(fs::path(DT_MUTANTS_FILE).parent_path()))
    if (e.path().extension() == ".patch") {
      EXPECT_TRUE(files.count(e.path().filename().string())) << e.path();
    }
}

// Every shipped mutant has its 6.12 port (guest-images/mutants/6.12/<id>.patch), which
// documents itself like the 6.1 patch and says it is the port.
TEST(Mutants, ShippedMutantsArePortedTo612) {
  auto all = load_mutants(DT_MUTANTS_FILE);
  for (auto& m : all) {
    ASSERT_TRUE(m.ports.count("6.12")) << m.id;
    auto p = patch_for(m, "6.12");
    EXPECT_EQ(p, fs::path(DT_MUTANTS_FILE).parent_path() / "6.12" / (m.id + ".patch"));
    std::ifstream in(p);
    std::string first;
    std::getline(in, first);
    EXPECT_EQ(first, "daxtorture mutant " + m.id);
    std::string body((std::istreambuf_iterator<char>(in)), {});
    EXPECT_THAT(body, HasSubstr("6.12")) << m.id << ": says it is the 6.12 port";
    EXPECT_EQ(patch_for(m, "6.1"), m.patch);
  }
}

TEST(Mutants, AKernelWithoutPortIsAUsageError) {
  TempDir d("/tmp", "dt-mutants-");
  std::ofstream(d.path() / "a.patch") << "x";
  fs::create_directories(d.path() / "6.12");
  std::ofstream(d.path() / "6.12" / "b-port.patch") << "x";
  std::ofstream(d.path() / "b.patch") << "x";
  std::ofstream(d.path() / "c.yaml") << "name: c\n";
  std::ofstream(d.path() / "m.yaml")
      << "mutants:\n"
         "  - {id: a, breaks: x, campaign: c.yaml}\n"
         "  - {id: b, breaks: x, campaign: c.yaml, ports: {'6.12': 6.12/b-port.patch}}\n";
  auto all = load_mutants(d.path() / "m.yaml");
  EXPECT_EQ(patch_for(all[1], "6.12"), d.path() / "6.12" / "b-port.patch");
  try {
    patch_for(all[0], "6.12");
    FAIL();
  } catch (const UsageError& e) {
    EXPECT_THAT(e.what(), HasSubstr("mutant 'a' has no patch for 6.12"));
  }
  std::ofstream(d.path() / "m.yaml")
      << "mutants:\n  - {id: a, breaks: x, campaign: c.yaml, ports: {'6.12': nope.patch}}\n";
  EXPECT_THROW(load_mutants(d.path() / "m.yaml"), UsageError);
}

TEST(Mutants, FindNamesTheKnownOnes) {
  auto all = load_mutants(DT_MUTANTS_FILE);
  EXPECT_EQ(find_mutant(all, all[0].id).id, all[0].id);
  try {
    find_mutant(all, "xfs-no-such-thing");
    FAIL();
  } catch (const UsageError& e) {
    EXPECT_THAT(e.what(), HasSubstr("unknown mutant 'xfs-no-such-thing'"));
    EXPECT_THAT(e.what(), HasSubstr(all[0].id));
  }
}

std::string load_error(const std::string& yaml, const std::string& patch_id = "") {
  TempDir d("/tmp", "dt-mutants-");
  if (!patch_id.empty()) std::ofstream(d.path() / (patch_id + ".patch")) << "x";
  std::ofstream(d.path() / "c.yaml") << "name: c\n";
  std::ofstream(d.path() / "m.yaml") << yaml;
  try {
    load_mutants(d.path() / "m.yaml");
  } catch (const UsageError& e) {
    return e.what();
  }
  return "";
}

TEST(Mutants, BadCataloguesSayWhereAndWhat) {
  EXPECT_THAT(load_error("mutants: {}\n"),
              HasSubstr("m.yaml:1:10: expected a map with a 'mutants' list"));
  EXPECT_THAT(load_error("mutants:\n  - id: a\n    breaks: b\n    campaign: c.yaml\n"),
              HasSubstr("m.yaml:2:9: no patch"));
  EXPECT_THAT(load_error("mutants:\n  - id: a\n    campaign: c.yaml\n", "a"),
              HasSubstr("m.yaml:2:5: mutant needs a non-empty 'breaks'"));
  EXPECT_THAT(load_error("mutants:\n  - {id: a, breaks: b, campaign: nope.yaml}\n", "a"),
              HasSubstr("no campaign"));
  EXPECT_THAT(load_error("mutants:\n  - {id: a, breaks: b, campaign: c.yaml}\n"
                         "  - {id: a, breaks: b, campaign: c.yaml}\n",
                         "a"),
              HasSubstr("m.yaml:3:10: duplicate mutant id 'a'"));
  EXPECT_THAT(load_error("mutants: [\n"), HasSubstr("m.yaml:2:1:"));
  EXPECT_EQ(load_error("mutants:\n  - {id: a, breaks: b, campaign: c.yaml, expect: [bug]}\n", "a"),
            "");
}

}  // namespace
}  // namespace dt::selftest
