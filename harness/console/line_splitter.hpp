// Turns an arbitrary byte stream into bounded, printable lines with stream offsets.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace dt::console {

struct RawLine {
  std::string text;       // without the line terminator, sanitised, at most kMaxLineBytes
  std::size_t begin = 0;  // offset of the first byte in the stream
  std::size_t end = 0;    // offset just past the terminator (or the last byte at EOF)
};

class LineSplitter {
 public:
  // Kernel lines are < 1 KiB (LOG_LINE_MAX); anything longer is garbage, so cap the tail away
  // to bound memory and regex work.
  static constexpr std::size_t kMaxLineBytes = 512;

  void feed(std::string_view chunk, std::vector<RawLine>& out);
  void finish(std::vector<RawLine>& out);  // flushes a final unterminated line
  std::size_t offset() const { return offset_; }

 private:
  std::string cur_;
  std::size_t cur_begin_ = 0;
  std::size_t offset_ = 0;
  bool in_line_ = false;
};

}  // namespace dt::console
