#include "campaign/reader.hpp"

#include <fmt/format.h>

#include <set>

#include "campaign/suggest.hpp"
#include "campaign/units.hpp"

namespace dt::campaign {
namespace {

std::string_view kind(const YAML::Node& n) {
  switch (n.Type()) {
    case YAML::NodeType::Map:
      return "a map";
    case YAML::NodeType::Sequence:
      return "a list";
    case YAML::NodeType::Scalar:
      return "a scalar";
    default:
      return "nothing";
  }
}

// Human form of a bound in messages: 1e+06 would read badly.
std::string bound(double v) {
  return v == static_cast<double>(static_cast<std::int64_t>(v))
             ? std::to_string(static_cast<std::int64_t>(v))
             : fmt::format("{}", v);
}

template <typename V>
std::optional<V> in_range(Reader& r, const YAML::Node& n, const std::string& key, V value,
                          double min, double max, const std::string& shown,
                          std::string_view unit = "") {
  if (static_cast<double>(value) < min) {
    r.error(n, key, fmt::format("{} is too small (minimum {}{})", shown, bound(min), unit));
    return std::nullopt;
  }
  if (static_cast<double>(value) > max) {
    r.error(n, key, fmt::format("{} is too large (maximum {}{})", shown, bound(max), unit));
    return std::nullopt;
  }
  return value;
}

}  // namespace

std::string child_key(std::string_view parent, std::string_view name) {
  return parent.empty() ? std::string(name) : fmt::format("{}.{}", parent, name);
}

std::string index_key(std::string_view parent, std::size_t index) {
  return fmt::format("{}[{}]", parent, index);
}

Diagnostic Reader::at(const YAML::Node& n, std::string key, std::string message) const {
  Diagnostic d{file_, 0, 0, std::move(key), std::move(message)};
  if (n.IsDefined() && !n.Mark().is_null()) {
    d.line = n.Mark().line + 1;
    d.column = n.Mark().column + 1;
  }
  return d;
}

void Reader::error(const YAML::Node& n, std::string key, std::string message) {
  errors_.push_back(at(n, std::move(key), std::move(message)));
}

void Reader::note(const YAML::Node& n, std::string key, std::string message) {
  notes_.push_back(at(n, std::move(key), std::move(message)));
}

std::optional<std::vector<Reader::Field>> Reader::map(const YAML::Node& n, const std::string& key,
                                                      const std::vector<std::string_view>& allowed,
                                                      const Explain& explain) {
  if (!n.IsMap()) {
    error(n, key, fmt::format("expected a map, got {}", kind(n)));
    return std::nullopt;
  }
  std::vector<Field> fields;
  std::set<std::string> seen;
  for (auto it = n.begin(); it != n.end(); ++it) {
    if (!it->first.IsScalar()) {
      error(it->first, key, "keys must be plain names");
      continue;
    }
    const std::string name = it->first.Scalar();
    const std::string path = child_key(key, name);
    if (!seen.insert(name).second) {
      error(it->first, path, "duplicate key");
      continue;
    }
    if (std::find(allowed.begin(), allowed.end(), name) == allowed.end()) {
      std::string why = explain ? explain(name) : "";
      if (why.empty()) why = fmt::format("unknown key '{}'{}", name, hint(name, allowed));
      error(it->first, path, why);
      continue;
    }
    fields.push_back({name, it->first, it->second});
  }
  return fields;
}

std::optional<std::vector<YAML::Node>> Reader::list(const YAML::Node& n, const std::string& key) {
  if (!n.IsSequence()) {
    error(n, key, fmt::format("expected a list, got {}", kind(n)));
    return std::nullopt;
  }
  std::vector<YAML::Node> items;
  for (std::size_t i = 0; i < n.size(); ++i) items.push_back(n[i]);
  return items;
}

std::optional<std::string> Reader::scalar(const YAML::Node& n, const std::string& key) {
  if (!n.IsScalar()) {
    error(n, key, fmt::format("expected a single value, got {}", kind(n)));
    return std::nullopt;
  }
  return n.Scalar();
}

std::optional<std::int64_t> Reader::integer(const YAML::Node& n, const std::string& key, double min,
                                            double max) {
  auto text = scalar(n, key);
  if (!text) return std::nullopt;
  try {
    return in_range(*this, n, key, parse_int(*text), min, max, *text);
  } catch (const std::invalid_argument&) {
    error(n, key, fmt::format("expected an integer, got '{}'", *text));
    return std::nullopt;
  }
}

std::optional<std::uint64_t> Reader::size(const YAML::Node& n, const std::string& key, double min,
                                          double max) {
  auto text = scalar(n, key);
  if (!text) return std::nullopt;
  try {
    return in_range(*this, n, key, parse_size(*text), min, max, *text, " bytes");
  } catch (const std::exception& e) {
    error(n, key, e.what());
    return std::nullopt;
  }
}

std::optional<double> Reader::duration(const YAML::Node& n, const std::string& key, double min,
                                       double max) {
  auto text = scalar(n, key);
  if (!text) return std::nullopt;
  try {
    return in_range(*this, n, key, parse_duration(*text), min, max, *text, "s");
  } catch (const std::exception& e) {
    error(n, key, e.what());
    return std::nullopt;
  }
}

std::optional<bool> Reader::boolean(const YAML::Node& n, const std::string& key) {
  auto text = scalar(n, key);
  if (!text) return std::nullopt;
  try {
    return parse_bool(*text);
  } catch (const std::exception& e) {
    error(n, key, e.what());
    return std::nullopt;
  }
}

}  // namespace dt::campaign
