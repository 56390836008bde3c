#pragma once
// Reading a YAML file that people edit (baselines, expected-consequence rules): every problem is
// collected, each as "file:line:column: key: message", and reported at once, because a nightly
// that stops at the first typo wastes a night.
#include <yaml-cpp/yaml.h>

#include <functional>
#include <string>
#include <vector>

namespace dt::util {

class YamlProblems {
 public:
  explicit YamlProblems(std::string file) : file_(std::move(file)) {}

  void error(const YAML::Node& at, const std::string& key, const std::string& msg);

  // Loads `text` as a document {version: 1, <list_key>: [...]} and calls item(element,
  // "<list_key>[i]") for each element; an empty document has none. A syntax error, another
  // version or an unknown top-level key is a problem like any other.
  using ItemFn = std::function<void(const YAML::Node&, const std::string&)>;
  void walk_versioned_list(const std::string& text, const std::string& list_key,
                           const ItemFn& item);

  // Throws E (constructed from one line per problem) when there is any problem.
  template <class E>
  void throw_if_any() const {
    if (!errors_.empty()) throw E(joined());
  }
  std::string joined() const;
  const std::string& file() const { return file_; }

 private:
  std::string file_;
  std::vector<std::string> errors_;
};

}  // namespace dt::util
