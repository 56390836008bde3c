// Typed access to YAML nodes that records a Diagnostic instead of throwing, so that a single
// load reports every problem in the file, each with its position and key path.
#pragma once

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <functional>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "campaign/campaign.hpp"

namespace dt::campaign {

std::string child_key(std::string_view parent, std::string_view name);  // "vm" + "memory"
std::string index_key(std::string_view parent, std::size_t index);      // "workloads" + 1

class Reader {
 public:
  struct Field {
    std::string name;
    YAML::Node key;
    YAML::Node value;
  };
  // Extra explanation for an unknown key, or "" to fall back to a "did you mean" hint.
  using Explain = std::function<std::string(std::string_view key)>;

  explicit Reader(std::string file) : file_(std::move(file)) {}

  void error(const YAML::Node& at, std::string key, std::string message);
  void note(const YAML::Node& at, std::string key, std::string message);
  std::size_t error_count() const { return errors_.size(); }
  std::vector<Diagnostic>& errors() { return errors_; }
  std::vector<Diagnostic>& notes() { return notes_; }
  const std::string& file() const { return file_; }

  // Fields of a map in file order; reports a non-map, duplicate keys and keys not in `allowed`.
  std::optional<std::vector<Field>> map(const YAML::Node& n, const std::string& key,
                                        const std::vector<std::string_view>& allowed,
                                        const Explain& explain = {});
  // A list's items; a null value (key with nothing after it) counts as an error.
  std::optional<std::vector<YAML::Node>> list(const YAML::Node& n, const std::string& key);

  std::optional<std::string> scalar(const YAML::Node& n, const std::string& key);
  std::optional<std::int64_t> integer(const YAML::Node& n, const std::string& key,
                                      double min = std::numeric_limits<double>::lowest(),
                                      double max = std::numeric_limits<double>::max());
  std::optional<std::uint64_t> size(const YAML::Node& n, const std::string& key, double min = 0,
                                    double max = std::numeric_limits<double>::max());
  std::optional<double> duration(const YAML::Node& n, const std::string& key, double min = 0,
                                 double max = std::numeric_limits<double>::max());
  std::optional<bool> boolean(const YAML::Node& n, const std::string& key);

 private:
  Diagnostic at(const YAML::Node& n, std::string key, std::string message) const;

  std::string file_;
  std::vector<Diagnostic> errors_;
  std::vector<Diagnostic> notes_;
};

}  // namespace dt::campaign
