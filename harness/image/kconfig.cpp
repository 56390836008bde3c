#include "image/kconfig.hpp"

#include <fmt/format.h>

#include <fstream>
#include <regex>
#include <sstream>

#include "util/error.hpp"

namespace dt::image {

namespace {
const std::regex kSet(R"(^(CONFIG_[A-Za-z0-9_]+)=(.*)$)");
const std::regex kUnset(R"(^# (CONFIG_[A-Za-z0-9_]+) is not set\s*$)");

std::string trim(std::string s) {
  auto b = s.find_first_not_of(" \t\r");
  auto e = s.find_last_not_of(" \t\r");
  return b == std::string::npos ? "" : s.substr(b, e - b + 1);
}
}  // namespace

void Kconfig::merge_text(std::string_view text, const std::string& origin_name) {
  std::istringstream in{std::string(text)};
  std::string raw;
  int lineno = 0;
  while (std::getline(in, raw)) {
    ++lineno;
    std::string line = trim(raw);
    std::smatch m;
    std::string sym, val;
    if (std::regex_match(line, m, kUnset)) {
      sym = m[1], val = "n";
    } else if (std::regex_match(line, m, kSet)) {
      sym = m[1], val = trim(m[2]);
      if (val.empty())
        throw UsageError(fmt::format("{}:{}: {} has no value", origin_name, lineno, sym));
    } else if (line.empty() || line[0] == '#') {
      continue;
    } else {
      throw UsageError(fmt::format("{}:{}: not a Kconfig line: '{}'", origin_name, lineno, line));
    }
    std::string where = fmt::format("{}:{}", origin_name, lineno);
    auto it = values_.find(sym);
    if (it != values_.end() && it->second.value != val)
      overrides_.push_back({sym, it->second.value, val, where});
    values_[sym] = {val, where};
  }
}

void Kconfig::merge_file(const std::filesystem::path& p) {
  std::ifstream in(p);
  if (!in) throw UsageError("cannot read config fragment " + p.string());
  std::stringstream ss;
  ss << in.rdbuf();
  merge_text(ss.str(), p.filename().string());
}

std::string Kconfig::render() const {
  std::string out;
  for (auto& [sym, v] : values_)
    out += v.value == "n" ? fmt::format("# {} is not set\n", sym)
                          : fmt::format("{}={}\n", sym, v.value);
  return out;
}

std::string Mismatch::str() const {
  return fmt::format("{}={} requested ({}) but the resolved config has {}", symbol, wanted, origin,
                     got.empty() ? "it unset (unmet dependency?)" : symbol + "=" + got);
}

std::vector<Mismatch> verify(const Kconfig& requested, std::string_view resolved_config) {
  Kconfig resolved;
  resolved.merge_text(resolved_config, ".config");
  std::vector<Mismatch> out;
  for (auto& [sym, want] : requested.values()) {
    auto it = resolved.values().find(sym);
    std::string got = it == resolved.values().end() ? "" : it->second.value;
    bool ok = want.value == "n" ? (got.empty() || got == "n") : got == want.value;
    if (!ok) out.push_back({sym, want.value, got, want.origin});
  }
  return out;
}

std::vector<std::string> flavours() {
  return {"default", "kasan"};
}

std::vector<std::string> flavour_fragments(const std::string& flavour) {
  std::vector<std::string> base{"base.config", "dax.config", "fs.config", "debug.config"};
  if (flavour == "default") return base;
  if (flavour == "kasan") {
    base.push_back("kasan.config");
    return base;
  }
  throw UsageError("unknown kernel flavour '" + flavour + "' (expected default or kasan)");
}

}  // namespace dt::image
