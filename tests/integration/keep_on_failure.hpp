#pragma once
// A failing VM test keeps its results (consoles, records; not the NVDIMM images) in
// /tmp/dt-it-kept-<name> for the report, since its TempDir goes with it.
#include <gtest/gtest.h>

#include <filesystem>
#include <iostream>
#include <string>

namespace dt::test {

inline void keep_on_failure(const std::filesystem::path& out, const std::string& name) {
  namespace fs = std::filesystem;
  if (!::testing::Test::HasFailure()) return;
  const fs::path keep = fs::path("/tmp") / ("dt-it-kept-" + name);
  std::error_code ec;
  fs::remove_all(keep, ec);
  fs::copy(out, keep, fs::copy_options::recursive, ec);
  for (auto& e : fs::recursive_directory_iterator(keep, ec))
    if (e.path().extension() == ".img") fs::remove(e.path(), ec);
  std::cout << "results kept in " << keep << "\n";
}

// Keeps on failure when the test's scope ends (declare it after the TempDir it copies).
struct KeepOnFailure {
  std::filesystem::path out;
  std::string name;
  ~KeepOnFailure() { keep_on_failure(out, name); }
};

}  // namespace dt::test
