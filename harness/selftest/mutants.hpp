#pragma once
// The mutant catalogue (guest-images/mutants/mutants.yaml): Debian 6.1 with one known DAX
// bug class put back per patch, and the campaign that should notice it.
#include <filesystem>
#include <string>
#include <vector>

namespace dt::selftest {

struct Mutant {
  std::string id;                   // kernel name in campaigns: mutant:<id>
  std::string breaks;               // one line: what the patch removes
  std::filesystem::path patch;      // `patch` or <id>.patch, relative to the catalogue
  std::filesystem::path campaign;   // resolved against the catalogue's directory
  std::vector<std::string> expect;  // finding kinds it should produce
};

// Throws dt::UsageError "file:line:column: message" for a malformed catalogue, a missing
// patch or campaign file, or a duplicate id.
std::vector<Mutant> load_mutants(const std::filesystem::path& file);
std::filesystem::path default_mutants_file();  // <source>/guest-images/mutants/mutants.yaml
// Throws dt::UsageError naming the known ids when `id` is not in the catalogue.
const Mutant& find_mutant(const std::vector<Mutant>& all, const std::string& id);

}  // namespace dt::selftest
