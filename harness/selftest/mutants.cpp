#include "selftest/mutants.hpp"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <set>

#include "image/kernel_name.hpp"
#include "util/error.hpp"
#include "util/paths.hpp"

namespace dt::selftest {
namespace fs = std::filesystem;

namespace {

[[noreturn]] void bad(const fs::path& file, const YAML::Node& n, const std::string& what) {
  auto m = n.Mark();
  throw UsageError(fmt::format("{}:{}:{}: {}", file.string(), m.line + 1, m.column + 1, what));
}

std::string scalar(const fs::path& file, const YAML::Node& entry, const char* key) {
  auto v = entry[key];
  if (!v || !v.IsScalar() || v.Scalar().empty())
    bad(file, v ? v : entry, fmt::format("mutant needs a non-empty '{}'", key));
  return v.Scalar();
}

}  // namespace

fs::path default_mutants_file() {
  return source_dir() / "guest-images" / "mutants" / "mutants.yaml";
}

std::vector<Mutant> load_mutants(const fs::path& file) {
  YAML::Node root;
  try {
    root = YAML::LoadFile(file.string());
  } catch (const YAML::BadFile&) {
    throw UsageError(file.string() + ": cannot read the mutant catalogue");
  } catch (const YAML::Exception& e) {
    throw UsageError(
        fmt::format("{}:{}:{}: {}", file.string(), e.mark.line + 1, e.mark.column + 1, e.msg));
  }
  if (!root.IsMap() || !root["mutants"] || !root["mutants"].IsSequence())
    bad(file, root.IsMap() && root["mutants"] ? root["mutants"] : root,
        "expected a map with a 'mutants' list");
  // Patches and campaigns are relative to the catalogue, wherever it lives.
  fs::path dir = fs::absolute(file).parent_path();
  std::vector<Mutant> out;
  std::set<std::string> ids;
  for (const auto& e : root["mutants"]) {
    if (!e.IsMap()) bad(file, e, "each mutant is a map (id, breaks, campaign, expect, patch)");
    Mutant m;
    m.id = scalar(file, e, "id");
    if (!ids.insert(m.id).second) bad(file, e["id"], "duplicate mutant id '" + m.id + "'");
    m.breaks = scalar(file, e, "breaks");
    // `patch` is optional: <id>.patch beside the catalogue unless named (relative to it).
    m.patch = e["patch"] ? dir / scalar(file, e, "patch") : dir / (m.id + ".patch");
    if (!fs::is_regular_file(m.patch))
      bad(file, e["patch"] ? e["patch"] : e["id"], "no patch " + m.patch.string());
    if (auto ports = e["ports"]) {
      if (!ports.IsMap()) bad(file, ports, "'ports' maps a kernel version to its patch");
      for (const auto& kv : ports) {
        auto version = kv.first.as<std::string>();
        auto p = dir / kv.second.as<std::string>();
        if (!fs::is_regular_file(p)) bad(file, kv.second, "no patch " + p.string());
        m.ports[version] = p;
      }
    }
    for (const auto& k : image::debian_kernels()) {
      auto conventional = dir / std::string(k.version) / (m.id + ".patch");
      if (&k != &image::default_debian_kernel() && !m.ports.count(std::string(k.version)) &&
          fs::is_regular_file(conventional))
        m.ports[std::string(k.version)] = conventional;
    }
    m.campaign = dir / scalar(file, e, "campaign");
    if (!fs::is_regular_file(m.campaign))
      bad(file, e["campaign"], "no campaign " + m.campaign.string());
    if (auto x = e["expect"]) {
      if (!x.IsSequence()) bad(file, x, "'expect' is a list of finding kinds");
      for (const auto& k : x) m.expect.push_back(k.as<std::string>());
    }
    out.push_back(std::move(m));
  }
  return out;
}

fs::path patch_for(const Mutant& m, const std::string& debian_version) {
  if (debian_version == image::default_debian_kernel().version) return m.patch;
  auto it = m.ports.find(debian_version);
  if (it == m.ports.end())
    throw UsageError(
        fmt::format("mutant '{}' has no patch for {} (add {}/{}.patch or a 'ports' "
                    "entry to its catalogue)",
                    m.id, debian_version, debian_version, m.id));
  return it->second;
}

const Mutant& find_mutant(const std::vector<Mutant>& all, const std::string& id) {
  for (auto& m : all)
    if (m.id == id) return m;
  std::string known;
  for (auto& m : all) known += (known.empty() ? "" : ", ") + m.id;
  throw UsageError(fmt::format("unknown mutant '{}' (known: {})", id, known));
}

}  // namespace dt::selftest
