#pragma once
// Owned file descriptors and line framing for the byte streams we read (console, QMP, agent).
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/unique_fd.hpp"

namespace dt {

using UniqueFd = protocol::UniqueFd;  // the one owned-fd class (protocol/unique_fd.hpp)

// Connect to a unix stream socket; retries until timeout (QEMU creates it after spawn).
UniqueFd connect_unix(const std::string& path, double timeout_s);
// Write all of data; false if the peer went away.
bool write_all(int fd, std::string_view data);
void set_nonblocking(int fd);

// Splits a byte stream into lines; keeps the unfinished tail. Lines longer than max_line
// are cut (a broken guest can send anything).
class LineBuffer {
 public:
  explicit LineBuffer(std::size_t max_line = 1 << 20) : max_line_(max_line) {}
  void feed(std::string_view data);
  std::optional<std::string> next();  // next complete line without '\n'
  std::string take_rest();            // unfinished tail (at EOF)

 private:
  std::string buf_;
  std::size_t pos_ = 0;
  std::size_t max_line_;
};

}  // namespace dt
