#include "image/kernel_name.hpp"

#include <algorithm>
#include <cctype>

namespace dt::image {
namespace {
constexpr std::string_view kKasanSuffix = "-kasan";
}

const std::vector<DebianKernel>& debian_kernels() {
  static const std::vector<DebianKernel> kernels = {
      {"6.1", "linux-source-6.1", "/usr/src/linux-source-6.1.tar.xz"},
      {"6.12", "linux-source-6.12", "/usr/src/linux-source-6.12.tar.xz"},
  };
  return kernels;
}

const DebianKernel& default_debian_kernel() {
  return debian_kernels().front();
}

std::string BuiltinKernel::canonical() const {
  if (debian == &default_debian_kernel()) return flavour;
  return std::string(debian->version) + (flavour == "kasan" ? std::string(kKasanSuffix) : "");
}

std::optional<BuiltinKernel> parse_builtin_kernel(std::string_view name) {
  if (name == "default" || name == "kasan")
    return BuiltinKernel{&default_debian_kernel(), std::string(name)};
  std::string flavour = "default";
  if (name.size() > kKasanSuffix.size() && name.ends_with(kKasanSuffix)) {
    name.remove_suffix(kKasanSuffix.size());
    flavour = "kasan";
  }
  for (const auto& k : debian_kernels())
    if (k.version == name) return BuiltinKernel{&k, flavour};
  return std::nullopt;
}

OnKernel split_on_kernel(std::string_view name) {
  if (auto at = name.rfind('@'); at != std::string_view::npos)
    if (auto k = parse_builtin_kernel(name.substr(at + 1)))
      return {std::string(name.substr(0, at)), *k};
  return {std::string(name), *parse_builtin_kernel("default")};
}

MutantName parse_mutant_name(std::string_view kernel) {
  MutantName m{split_on_kernel(kernel.substr(std::min<std::size_t>(kernel.size(), 7))), ""};
  const std::string& id = m.on.what;
  const std::string quoted = "'" + std::string(kernel) + "'";
  if (auto at = id.find('@'); at != std::string::npos) {
    std::string names;
    for (auto& n : builtin_kernel_names()) names += (names.empty() ? "" : ", ") + n;
    m.error = "mutant kernel " + quoted + ": '" + id.substr(at + 1) +
              "' is not a built-in kernel (" + names + ")";
  } else if (id.empty() || !std::all_of(id.begin(), id.end(), [](unsigned char ch) {
               return std::islower(ch) || std::isdigit(ch) || ch == '-';
             })) {
    m.error = "bad mutant kernel " + quoted + " (mutant:<id>[@<kernel>], id in a-z0-9-)";
  }
  return m;
}

std::string OnKernel::suffix() const {
  auto c = base.canonical();
  return c == "default" ? "" : "@" + c;
}

std::vector<std::string> builtin_kernel_names() {
  std::vector<std::string> names = {"default", "kasan"};
  for (const auto& k : debian_kernels()) {
    names.emplace_back(k.version);
    names.push_back(std::string(k.version) + std::string(kKasanSuffix));
  }
  return names;
}

}  // namespace dt::image
