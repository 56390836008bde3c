#include "console/title.hpp"

#include <algorithm>

#include "console/prefix.hpp"

namespace dt::console {

namespace {

constexpr std::size_t kMaxTitle = 160;

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}
bool is_hex(char c) {
  return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}
bool is_word(char c) {
  return c == '_' || is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

// Drops "(device X)" and the "(X)" right after an "XFS"/"EXT4-fs"/"EXT2-fs" tag.
std::string drop_devices(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size();) {
    if (s[i] == '(') {
      const auto close = s.find(')', i);
      const std::string_view inner =
          close == std::string_view::npos ? std::string_view{} : s.substr(i + 1, close - i - 1);
      const bool device = inner.substr(0, 7) == "device ";
      const std::string_view before = trim(out);
      const bool fs_tag =
          before.ends_with("XFS") || before.ends_with("EXT4-fs") || before.ends_with("EXT2-fs");
      if (close != std::string_view::npos &&
          ((inner.find(' ') == std::string_view::npos && fs_tag) || device)) {
        // "EXT4-fs (device pmem1): x" -> "EXT4-fs: x": the space before the group goes too.
        while (!out.empty() && out.back() == ' ') out.pop_back();
        i = close + 1;
        continue;
      }
    }
    out.push_back(s[i++]);
  }
  return out;
}

}  // namespace

std::string with_frame(std::string_view base, std::string_view frame) {
  std::string t(base);
  if (!frame.empty()) {
    t += " in ";
    t += frame;
  }
  return t;
}

std::string normalise_text(std::string_view text) {
  const std::string s = drop_devices(text);
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size();) {
    const char c = s[i];
    if (c == '+' && s.compare(i, 3, "+0x") == 0) {
      // A symbol offset "+0x1a/0x40" (and a " [module]" after it) is run-specific: drop it.
      std::size_t j = i + 3;
      while (j < s.size() && is_hex(s[j])) ++j;
      if (j + 2 < s.size() && s.compare(j, 3, "/0x") == 0) {
        j += 3;
        while (j < s.size() && is_hex(s[j])) ++j;
        if (s.compare(j, 2, " [") == 0) {
          const auto close = s.find(']', j);
          if (close != std::string::npos) j = close + 1;
        }
        i = j;
        continue;
      }
    }
    const bool word_start = i == 0 || !is_word(s[i - 1]);
    if (word_start && c == '0' && i + 2 < s.size() && (s[i + 1] == 'x' || s[i + 1] == 'X') &&
        is_hex(s[i + 2])) {
      i += 2;
      while (i < s.size() && is_hex(s[i])) ++i;
      out += "NUM";
      continue;
    }
    if (word_start && is_hex(c)) {
      std::size_t j = i;
      while (j < s.size() && is_hex(s[j])) ++j;
      // Only whole numbers or long hex blobs (addresses): keep "ext4", "x86_64" or "deadlock".
      if ((is_digit(c) || j - i >= 8) && (j == s.size() || !is_word(s[j]))) {
        out += "NUM";
        i = j;
        continue;
      }
    }
    if (c == ' ' || c == '\t') {
      if (!out.empty() && out.back() != ' ') out.push_back(' ');
      ++i;
      continue;
    }
    out.push_back(c);
    ++i;
  }
  std::string_view v = trim(out);
  while (v.ends_with("...") || v.ends_with(".") || v.ends_with(":") || v.ends_with(",")) {
    v.remove_suffix(v.ends_with("...") ? 3 : 1);
    v = trim(v);
  }
  std::string r(v.substr(0, kMaxTitle));
  return r;
}

std::string compact_text(std::string_view text) {
  std::string out;
  for (char c : trim(text)) {
    if (c == ' ' || c == '\t') {
      if (!out.empty() && out.back() != ' ') out.push_back(' ');
    } else {
      out.push_back(c);
    }
  }
  out.resize(std::min(out.size(), kMaxTitle));
  return out;
}

}  // namespace dt::console
