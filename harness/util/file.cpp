#include "util/file.hpp"

#include <unistd.h>

#include <atomic>
#include <fstream>
#include <iterator>

#include "util/error.hpp"

namespace dt {

std::string read_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

namespace {

std::string read_range(std::ifstream& in, std::size_t size, std::size_t off) {
  if (off >= size) return {};
  in.seekg(static_cast<std::streamoff>(off));
  std::string s(size - off, '\0');
  in.read(s.data(), static_cast<std::streamsize>(s.size()));
  s.resize(static_cast<std::size_t>(in.gcount()));
  return s;
}

std::size_t size_of(std::ifstream& in) {
  in.seekg(0, std::ios::end);
  return static_cast<std::size_t>(in.tellg());
}

}  // namespace

std::string read_file_tail(const std::filesystem::path& p, std::size_t max_bytes) {
  std::ifstream in(p, std::ios::binary);
  if (!in) return {};
  const std::size_t size = size_of(in);
  return read_range(in, size, size > max_bytes ? size - max_bytes : 0);
}

std::string read_file_from(const std::filesystem::path& p, std::size_t offset) {
  std::ifstream in(p, std::ios::binary);
  if (!in) return {};
  return read_range(in, size_of(in), offset);
}

std::filesystem::path private_tmp_path(const std::filesystem::path& p) {
  static std::atomic<unsigned> next{0};
  std::filesystem::path tmp = p;
  tmp += ".tmp." + std::to_string(::getpid()) + "." + std::to_string(next++);
  return tmp;
}

void write_file_atomic(const std::filesystem::path& path, const std::string& content) {
  const std::filesystem::path tmp = private_tmp_path(path);
  {
    std::ofstream out(tmp, std::ios::trunc | std::ios::binary);
    if (!out) throw InfraError("cannot write " + tmp.string());
    out << content;
    if (!out.flush()) throw DiskFullError("cannot write " + tmp.string() + " (disk full?)");
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) {
    std::filesystem::remove(tmp, ec);
    throw InfraError("cannot replace " + path.string() + ": " + ec.message());
  }
}

}  // namespace dt
