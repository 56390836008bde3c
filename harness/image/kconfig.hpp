#pragma once
// Kconfig fragments: parse, merge (later fragments win, as merge_config.sh does), render,
// and verify a resolved .config against what was asked for. Kconfig silently drops an
// option whose dependencies are unmet (KPROBES without MODULES on 6.1 took FAIL_FUNCTION
// with it), so every requested value is checked after olddefconfig.
#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace dt::image {

struct KconfigValue {
  std::string value;   // "y", "m", "n", "60", "\"str\""
  std::string origin;  // "debug.config:12"
};

struct Override {
  std::string symbol, from, to, where;
};

class Kconfig {
 public:
  // Accepts CONFIG_X=v and "# CONFIG_X is not set" (= n); other comments and blanks ignored.
  // Throws UsageError with file:line on a malformed line.
  void merge_text(std::string_view text, const std::string& origin_name);
  void merge_file(const std::filesystem::path& p);

  const std::map<std::string, KconfigValue>& values() const { return values_; }
  const std::vector<Override>& overrides() const { return overrides_; }
  // Canonical text: sorted, one symbol per line, n as "# CONFIG_X is not set".
  std::string render() const;

 private:
  std::map<std::string, KconfigValue> values_;
  std::vector<Override> overrides_;
};

struct Mismatch {
  std::string symbol, wanted, got, origin;  // got "" = absent (dependency unmet)
  std::string str() const;
};
// Compare a resolved .config with the requested values.
std::vector<Mismatch> verify(const Kconfig& requested, std::string_view resolved_config);

// The fragment files of a flavour, in merge order, relative to guest-images/config/.
std::vector<std::string> flavour_fragments(const std::string& flavour);  // throws UsageError
std::vector<std::string> flavours();

}  // namespace dt::image
