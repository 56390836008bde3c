#include "report/console_tail.hpp"

#include <fstream>

namespace dt::report {
namespace fs = std::filesystem;

std::optional<std::string> tail_lines(const fs::path& file, std::size_t lines,
                                      std::size_t max_bytes) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return std::nullopt;
  in.seekg(0, std::ios::end);
  auto size = static_cast<std::size_t>(in.tellg());
  std::size_t start = size > max_bytes ? size - max_bytes : 0;
  in.seekg(static_cast<std::streamoff>(start));
  std::string buf(size - start, '\0');
  in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
  buf.resize(static_cast<std::size_t>(in.gcount()));
  if (start > 0) {  // the first line is cut: drop it
    auto nl = buf.find('\n');
    buf.erase(0, nl == std::string::npos ? buf.size() : nl + 1);
  }
  // Walk back over `lines` newlines, not counting the one that ends the file.
  if (lines == 0) return std::string();
  std::size_t pos = buf.size() - (!buf.empty() && buf.back() == '\n');
  for (std::size_t n = 0; pos > 0;) {
    auto nl = buf.rfind('\n', pos - 1);
    if (nl == std::string::npos) {
      pos = 0;
    } else if (++n == lines) {
      pos = nl + 1;
      break;
    } else {
      pos = nl;
    }
  }
  return buf.substr(pos);
}

std::optional<fs::path> console_file(const results::RunRecord& r) {
  if (r.console_path.empty()) return std::nullopt;
  std::error_code ec;
  fs::path p = r.console_path;
  if (fs::is_regular_file(p, ec)) return p;
  if (p.is_relative() && !r.workdir.empty() && fs::is_regular_file(fs::path(r.workdir) / p, ec))
    return fs::path(r.workdir) / p;
  return std::nullopt;
}

}  // namespace dt::report
