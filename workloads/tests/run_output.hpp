// The verdict lines a Run printed to its output file (a tmpfile in tests), in order. The
// watchdog's monitor process prints its verdicts there too, so they are read back from it.
#pragma once

#include <cstdio>
#include <nlohmann/json.hpp>
#include <vector>

namespace dt::workload::test {

inline std::vector<nlohmann::json> verdicts(std::FILE* out) {
  std::vector<nlohmann::json> v;
  std::fflush(out);
  std::rewind(out);
  char line[65536];
  while (std::fgets(line, sizeof line, out)) {
    auto j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_object() && j.value("type", "") == "verdict") v.push_back(j);
  }
  return v;
}

}  // namespace dt::workload::test
