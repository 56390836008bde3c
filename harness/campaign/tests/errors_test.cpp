// Each error class must point at the right file:line:column and key path.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "campaign/campaign.hpp"

namespace dt::campaign {
namespace {

using ::testing::HasSubstr;

std::string testdata(const char* name) {
  return std::string(DT_CAMPAIGN_TESTDATA) + "/" + name;
}

std::vector<Diagnostic> errors_of(const std::string& path) {
  try {
    load_file(path);
  } catch (const ValidationError& e) {
    return e.diagnostics();
  }
  ADD_FAILURE() << path << " loaded without errors";
  return {};
}

// The diagnostic for `key`, checked for position; returns its message.
std::string expect_at(const std::vector<Diagnostic>& ds, const std::string& key, int line,
                      int column) {
  for (const Diagnostic& d : ds) {
    if (d.key != key) continue;
    EXPECT_EQ(d.line, line) << d.str();
    EXPECT_EQ(d.column, column) << d.str();
    return d.message;
  }
  std::string all;
  for (const Diagnostic& d : ds) all += d.str() + "\n";
  ADD_FAILURE() << "no diagnostic for key '" << key << "' in:\n" << all;
  return "";
}

TEST(Errors, UnknownKeysSuggestTheClosest) {
  const auto ds = errors_of(testdata("unknown_key.yaml"));
  EXPECT_EQ(ds.size(), 4u);
  EXPECT_EQ(expect_at(ds, "descripton", 2, 1),
            "unknown key 'descripton' (did you mean 'description'?)");
  EXPECT_THAT(expect_at(ds, "vm.memroy", 4, 16), HasSubstr("did you mean 'memory'?"));
  EXPECT_THAT(expect_at(ds, "workloads[0].opps", 7, 29), HasSubstr("did you mean 'ops'?"));
  EXPECT_THAT(expect_at(ds, "workloads[1].ops", 8, 28),
              HasSubstr("'ops' is not a parameter of write-vs-fault (only fault-vs-layout, "
                        "partial-block, mixed"));
  EXPECT_EQ(ds[0].str(),
            testdata("unknown_key.yaml") +
                ":2:1: descripton: unknown key 'descripton' (did you mean 'description'?)");
}

TEST(Errors, WrongTypes) {
  const auto ds = errors_of(testdata("wrong_type.yaml"));
  EXPECT_EQ(ds.size(), 4u);
  EXPECT_EQ(expect_at(ds, "repetitions", 3, 14), "expected an integer, got 'two'");
  EXPECT_EQ(expect_at(ds, "filesystems", 4, 14), "expected a list, got a scalar");
  EXPECT_THAT(expect_at(ds, "workloads[0].direct_io", 7, 16), HasSubstr("not a boolean"));
  EXPECT_EQ(expect_at(ds, "workloads[0].threads", 8, 14), "expected a single value, got a list");
}

TEST(Errors, BadSizes) {
  const auto ds = errors_of(testdata("bad_size.yaml"));
  EXPECT_EQ(ds.size(), 3u);
  EXPECT_THAT(expect_at(ds, "vm.memory", 4, 11), HasSubstr("unknown size unit 'Q'"));
  EXPECT_THAT(expect_at(ds, "vm.nvdimm", 5, 11), HasSubstr("not a multiple of 2M"));
  EXPECT_THAT(expect_at(ds, "workloads[0].file_size", 8, 42), HasSubstr("'1.5.K'"));
}

TEST(Errors, ImpossibleCombinations) {
  const auto ds = errors_of(testdata("impossible.yaml"));
  ASSERT_EQ(ds.size(), 2u);
  const std::string pmd = expect_at(ds, "workloads[1]", 8, 5);
  EXPECT_THAT(pmd, HasSubstr("pmd-vs-pte cannot run on ext2 (filesystems[1])"));
  EXPECT_THAT(pmd, HasSubstr("ext2 has no PMD faults"));
  EXPECT_THAT(pmd, HasSubstr("skip_impossible: true"));
  EXPECT_THAT(expect_at(ds, "workloads[2]", 9, 5), HasSubstr("reflink cannot run on ext2"));
}

TEST(Errors, BadValuesAreAllReported) {
  const auto ds = errors_of(testdata("bad_values.yaml"));
  EXPECT_EQ(ds.size(), 9u);
  EXPECT_EQ(expect_at(ds, "filesystems[0].mount", 5, 25),
            "ext2 does not understand 'dax=always'; it only knows 'dax'");
  EXPECT_THAT(expect_at(ds, "filesystems[1].mkfs", 6, 24), HasSubstr("4096-byte block size"));
  EXPECT_EQ(expect_at(ds, "filesystems[2]", 7, 5),
            "unknown filesystem 'btrfs' (expected xfs, ext4, ext2)");
  EXPECT_EQ(expect_at(ds, "workloads[0].ops", 9, 42),
            "unknown operation 'pinch' (expected punch, collapse, insert, zero)");
  EXPECT_THAT(expect_at(ds, "workloads[1].file_size", 10, 57),
              HasSubstr("ops collapse need a file_size that is a multiple of 4096"));
  EXPECT_EQ(expect_at(ds, "workloads[2]", 11, 5),
            "unknown workload 'fault-vs-trunc' (did you mean 'fault-vs-truncate'?)");
  EXPECT_THAT(expect_at(ds, "injectors[0][0]", 13, 6), HasSubstr("at least 2 vcpus"));
  EXPECT_EQ(expect_at(ds, "injectors[1][0]", 14, 6), "'none' must stand alone as an injector set");
  EXPECT_EQ(expect_at(ds, "injectors[2]", 15, 5), "injector 'fail-function' needs 'function'");
}

TEST(Errors, YamlSyntaxError) {
  const auto ds = errors_of(testdata("syntax_error.yaml"));
  ASSERT_EQ(ds.size(), 1u);
  EXPECT_EQ(ds[0].file, testdata("syntax_error.yaml"));
  EXPECT_EQ(ds[0].line, 4);  // yaml-cpp notices the unclosed [ at the next key
  EXPECT_EQ(ds[0].column, 10);
  EXPECT_THAT(ds[0].message, HasSubstr("YAML syntax error"));
}

TEST(Errors, MissingFile) {
  const auto ds = errors_of(testdata("no_such_campaign.yaml"));
  ASSERT_EQ(ds.size(), 1u);
  EXPECT_EQ(ds[0].line, 0);
  EXPECT_EQ(ds[0].str(), testdata("no_such_campaign.yaml") +
                             ": cannot read campaign file: No such file or directory");
}

TEST(Errors, StructuralProblems) {
  auto errors = [](const char* yaml) {
    try {
      load_string(yaml, "s.yaml");
    } catch (const ValidationError& e) {
      return e.diagnostics();
    }
    return std::vector<Diagnostic>{};
  };
  auto empty = errors("");
  ASSERT_EQ(empty.size(), 1u);
  EXPECT_THAT(empty[0].message, HasSubstr("empty campaign"));

  auto missing = errors("name: x\n");
  ASSERT_EQ(missing.size(), 2u);
  EXPECT_EQ(missing[0].key, "filesystems");
  EXPECT_EQ(missing[1].key, "workloads");

  auto no_budget = errors("filesystems: [xfs]\nworkloads: [fault-vs-truncate]\n");
  ASSERT_EQ(no_budget.size(), 1u);
  EXPECT_THAT(no_budget[0].message, HasSubstr("no run budget"));

  auto dup = errors("duration: 1s\nduration: 2s\nfilesystems: [xfs]\nworkloads: [mixed]\n");
  ASSERT_EQ(dup.size(), 1u);
  EXPECT_EQ(dup[0].line, 2);
  EXPECT_EQ(dup[0].message, "duplicate key");

  auto kernel = errors("duration: 1s\nkernel: kasn\nfilesystems: [xfs]\nworkloads: [mixed]\n");
  ASSERT_EQ(kernel.size(), 1u);
  EXPECT_THAT(kernel[0].message, HasSubstr("did you mean 'kasan'?"));

  auto version =
      errors("duration: 1s\nkernel: [6.12, 6.12-kasn]\nfilesystems: [xfs]\nworkloads: [mixed]\n");
  ASSERT_EQ(version.size(), 1u);
  EXPECT_EQ(version[0].str(),
            "s.yaml:2:16: kernel[1]: unknown kernel '6.12-kasn' (did you mean '6.12-kasan'?); a "
            "bzImage "
            "path must contain '/'");

  auto same =
      errors("duration: 1s\nkernel: [default, 6.1]\nfilesystems: [xfs]\nworkloads: [mixed]\n");
  ASSERT_EQ(same.size(), 1u);
  EXPECT_EQ(same[0].message, "kernel '6.1' is listed twice (as 'default')");

  auto small = errors("duration: 1s\nvm: {nvdimm: 256M}\nfilesystems: [xfs]\nworkloads: [mixed]\n");
  ASSERT_EQ(small.size(), 1u);
  EXPECT_THAT(small[0].message, HasSubstr("xfs needs an NVDIMM of at least 320M"));

  auto range = errors(
      "duration: 1s\nfilesystems: [xfs]\nworkloads: [{name: pmd-vs-pte, file_size: 64K}]\n"
      "injectors: [{name: failslab, probability: 101}]\n");
  ASSERT_EQ(range.size(), 2u);
  EXPECT_EQ(range[0].str(),
            "s.yaml:3:43: workloads[0].file_size: 64K is too small (minimum 2097152 bytes)");
  EXPECT_EQ(range[1].str(),
            "s.yaml:4:43: injectors[0].probability: 101 is too large (maximum 100)");
}

TEST(Errors, WhatListsEveryDiagnostic) {
  try {
    load_file(testdata("impossible.yaml"));
    FAIL();
  } catch (const ValidationError& e) {
    EXPECT_THAT(e.what(), HasSubstr("impossible.yaml:8:5: workloads[1]: pmd-vs-pte"));
    EXPECT_THAT(e.what(), HasSubstr("\n"));
  }
}

}  // namespace
}  // namespace dt::campaign
