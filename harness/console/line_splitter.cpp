#include "console/line_splitter.hpp"

namespace dt::console {

namespace {

// Serial noise (line discipline garbage, binary from a crashed guest) must not reach the
// regexes: keep tabs and printable ASCII, replace everything else.
char sanitise(unsigned char c) {
  if (c == '\t' || (c >= 0x20 && c < 0x7f)) return static_cast<char>(c);
  return '?';
}

}  // namespace

void LineSplitter::feed(std::string_view chunk, std::vector<RawLine>& out) {
  for (char ch : chunk) {
    const auto c = static_cast<unsigned char>(ch);
    if (!in_line_) {
      in_line_ = true;
      cur_begin_ = offset_;
      cur_.clear();
    }
    ++offset_;
    if (c == '\n') {
      out.push_back(RawLine{std::move(cur_), cur_begin_, offset_});
      cur_.clear();
      in_line_ = false;
      continue;
    }
    if (c == '\r' || c == '\0') continue;  // CRLF consoles and NUL padding
    if (cur_.size() < kMaxLineBytes) cur_.push_back(sanitise(c));
  }
}

void LineSplitter::finish(std::vector<RawLine>& out) {
  if (in_line_) out.push_back(RawLine{std::move(cur_), cur_begin_, offset_});
  cur_.clear();
  in_line_ = false;
}

}  // namespace dt::console
