#include "console/report.hpp"

#include <array>

namespace dt::console {

namespace {

constexpr std::array<std::pair<Kind, std::string_view>, 14> kNames{{
    {Kind::Lockdep, "lockdep"},
    {Kind::Warning, "warning"},
    {Kind::Bug, "bug"},
    {Kind::Kasan, "kasan"},
    {Kind::GeneralProtection, "gpf"},
    {Kind::HungTask, "hung-task"},
    {Kind::RcuStall, "rcu-stall"},
    {Kind::SoftLockup, "soft-lockup"},
    {Kind::Panic, "panic"},
    {Kind::Xfs, "xfs"},
    {Kind::Ext4, "ext4"},
    {Kind::Ext2, "ext2"},
    {Kind::Ubsan, "ubsan"},
    {Kind::Kfence, "kfence"},
}};

}  // namespace

std::string_view to_string(Kind k) {
  for (const auto& [kind, name] : kNames) {
    if (kind == k) return name;
  }
  return "unknown";
}

bool kind_from_string(std::string_view name, Kind& out) {
  for (const auto& [kind, n] : kNames) {
    if (n == name) {
      out = kind;
      return true;
    }
  }
  return false;
}

std::string title_hash(std::string_view title) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : title) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(16, '0');
  for (int i = 15; i >= 0; --i, h >>= 4) out[static_cast<std::size_t>(i)] = kHex[h & 0xf];
  return out;
}

}  // namespace dt::console
