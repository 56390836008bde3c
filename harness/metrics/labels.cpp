#include "metrics/labels.hpp"

#include <ctime>
#include <filesystem>

namespace dt::metrics {

std::string kernel_flavour(const std::string& kernel) {
  if (kernel.empty()) return "default";
  if (kernel.find('/') == std::string::npos) return kernel;
  return std::filesystem::path(kernel).filename().string();
}

std::string injector_set(const std::string& injectors) {
  return injectors.empty() ? "none" : injectors;
}

std::string or_unknown(const std::string& v) {
  return v.empty() ? "unknown" : v;
}

std::string bounded_title(const std::string& title, std::size_t max) {
  if (title.size() <= max) return title;
  std::size_t cut = max;
  // Do not split a UTF-8 sequence: back up to a lead byte.
  while (cut > 0 && (static_cast<unsigned char>(title[cut]) & 0xC0) == 0x80) --cut;
  return title.substr(0, cut) + "...";
}

std::optional<double> parse_utc(const std::string& iso) {
  std::tm tm{};
  int consumed = 0;
  if (std::sscanf(iso.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
                  &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &consumed) != 6)
    return std::nullopt;
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  return static_cast<double>(timegm(&tm));
}

std::map<std::string, std::uint64_t> injections_by_injector(const nlohmann::json& injections) {
  std::map<std::string, std::uint64_t> n;
  if (!injections.is_array()) return n;
  for (const auto& e : injections) {
    if (!e.is_object()) continue;
    auto it = e.find("injector");
    n[it != e.end() && it->is_string() ? it->get<std::string>() : "unknown"]++;
  }
  return n;
}

std::string novelty(const oracle::Finding& f, bool known_by_baseline) {
  if (f.expected) return "expected";
  return known_by_baseline ? "known" : "new";
}

}  // namespace dt::metrics
