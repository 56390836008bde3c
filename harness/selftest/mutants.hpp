#pragma once
// The mutant catalogue (guest-images/mutants/mutants.yaml): a Debian kernel with one known
// DAX bug class put back per patch, and the campaign that should notice it. Each mutant has a
// patch for the default Debian kernel (6.1) and may have ports for others (6.12).
#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace dt::selftest {

struct Mutant {
  std::string id;               // kernel name in campaigns: mutant:<id>
  std::string breaks;           // one line: what the patch removes
  std::filesystem::path patch;  // `patch` or <id>.patch, relative to the catalogue
  // Debian version ("6.12") -> its port: `ports: {"6.12": FILE}`, or <version>/<id>.patch
  // beside the catalogue when that file exists. The default kernel's is `patch`.
  std::map<std::string, std::filesystem::path> ports;
  std::filesystem::path campaign;   // resolved against the catalogue's directory
  std::vector<std::string> expect;  // finding kinds it should produce
};

// Throws dt::UsageError "file:line:column: message" for a malformed catalogue, a missing
// patch or campaign file, or a duplicate id.
std::vector<Mutant> load_mutants(const std::filesystem::path& file);
std::filesystem::path default_mutants_file();  // <source>/guest-images/mutants/mutants.yaml
// Throws dt::UsageError naming the known ids when `id` is not in the catalogue.
const Mutant& find_mutant(const std::vector<Mutant>& all, const std::string& id);
// The patch of `m` for a Debian kernel version ("6.1", "6.12"); UsageError when it has none.
std::filesystem::path patch_for(const Mutant& m, const std::string& debian_version);

}  // namespace dt::selftest
