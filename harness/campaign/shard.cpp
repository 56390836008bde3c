#include <fmt/format.h>

#include <charconv>

#include "campaign/campaign.hpp"

namespace dt::campaign {
namespace {

void check_shard(int k, int n) {
  if (n < 1) throw std::invalid_argument(fmt::format("shard count must be at least 1, got {}", n));
  if (k < 1 || k > n) {
    throw std::invalid_argument(fmt::format("shard {} is out of range 1..{}", k, n));
  }
}

}  // namespace

std::vector<Cell> shard(const std::vector<Cell>& cells, int k, int n) {
  check_shard(k, n);
  std::vector<Cell> out;
  // By matrix index rather than by position, so re-sharding an already filtered list agrees
  // with sharding the full matrix.
  for (const Cell& cell : cells) {
    if (cell.index % static_cast<std::size_t>(n) == static_cast<std::size_t>(k - 1)) {
      out.push_back(cell);
    }
  }
  return out;
}

std::pair<int, int> parse_shard(std::string_view spec) {
  const auto bad = [&] {
    return std::invalid_argument(
        fmt::format("bad shard '{}': expected K/N with 1 <= K <= N, e.g. 2/4", spec));
  };
  const std::size_t slash = spec.find('/');
  if (slash == std::string_view::npos) throw bad();
  int k = 0, n = 0;
  const std::string_view ks = spec.substr(0, slash), ns = spec.substr(slash + 1);
  auto [kp, kec] = std::from_chars(ks.data(), ks.data() + ks.size(), k);
  auto [np, nec] = std::from_chars(ns.data(), ns.data() + ns.size(), n);
  if (ks.empty() || ns.empty() || kec != std::errc() || nec != std::errc() ||
      kp != ks.data() + ks.size() || np != ns.data() + ns.size()) {
    throw bad();
  }
  if (n < 1 || k < 1 || k > n) throw bad();
  return {k, n};
}

}  // namespace dt::campaign
