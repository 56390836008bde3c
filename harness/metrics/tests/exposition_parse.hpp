#pragma once
// Reads the text exposition back into "series -> value" for assertions.
#include <map>
#include <sstream>
#include <string>

namespace dt::metrics::fixtures {

inline std::map<std::string, double> parse_exposition(const std::string& text) {
  std::map<std::string, double> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    auto sp = line.rfind(' ');  // no timestamps: the value is the last field
    out[line.substr(0, sp)] = std::stod(line.substr(sp + 1));
  }
  return out;
}

}  // namespace dt::metrics::fixtures
