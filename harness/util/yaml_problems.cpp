#include "util/yaml_problems.hpp"

#include <fmt/format.h>

namespace dt::util {

void YamlProblems::error(const YAML::Node& at, const std::string& key, const std::string& msg) {
  YAML::Mark m = at.IsDefined() ? at.Mark() : YAML::Mark::null_mark();
  if (m.is_null())
    errors_.push_back(fmt::format("{}: {}: {}", file_, key, msg));
  else
    errors_.push_back(fmt::format("{}:{}:{}: {}: {}", file_, m.line + 1, m.column + 1, key, msg));
}

void YamlProblems::walk_versioned_list(const std::string& text, const std::string& list_key,
                                       const ItemFn& item) {
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    // yaml-cpp's what() repeats the position without the file; rebuild it in our format.
    errors_.push_back(
        fmt::format("{}:{}:{}: {}", file_, e.mark.line + 1, e.mark.column + 1, e.msg));
    return;
  }
  if (root.IsNull()) return;
  if (!root.IsMap()) return error(root, "(top)", fmt::format("expected a map with '{}'", list_key));
  for (const auto& kv : root) {
    const YAML::Node& name_node = kv.first;
    const YAML::Node& v = kv.second;
    const std::string name = name_node.Scalar();
    if (name == "version") {
      if (!v.IsScalar() || v.Scalar() != "1") error(v, name, "only version 1 is known");
    } else if (name == list_key) {
      if (v.IsNull()) continue;
      if (!v.IsSequence()) {
        error(v, name, "expected a list");
        continue;
      }
      for (std::size_t i = 0; i < v.size(); ++i) item(v[i], fmt::format("{}[{}]", list_key, i));
    } else {
      error(name_node, name, fmt::format("unknown key (expected version, {})", list_key));
    }
  }
}

std::string YamlProblems::joined() const {
  std::string all;
  for (const auto& e : errors_) all += (all.empty() ? "" : "\n") + e;
  return all;
}

}  // namespace dt::util
