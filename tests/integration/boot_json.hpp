#pragma once
// `daxtorture boot --json` prints one JSON line per filesystem proved; the integration tests
// read them back by filesystem name.
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

namespace dt::test {

inline std::map<std::string, nlohmann::json> boot_results_by_fs(const std::string& output) {
  std::istringstream in(output);
  std::map<std::string, nlohmann::json> by_fs;
  for (std::string l; std::getline(in, l);) {
    auto j = nlohmann::json::parse(l, nullptr, false);
    if (j.is_object() && j.contains("fs")) by_fs[j["fs"]] = j;
  }
  return by_fs;
}

}  // namespace dt::test
