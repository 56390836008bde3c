#include "util/file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <fstream>
#include <iterator>

#include "util/error.hpp"
#include "util/fd.hpp"

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

std::uint64_t copy_sparse(const std::filesystem::path& src, const std::filesystem::path& dst) {
  UniqueFd in(::open(src.c_str(), O_RDONLY | O_CLOEXEC));
  if (!in) throw_errno("cannot open " + src.string());
  struct stat st {};
  if (::fstat(in.get(), &st) != 0) throw_errno("cannot stat " + src.string());
  // Written back first: pages a running VM dirtied through its shared mapping are then extents
  // that SEEK_DATA reports on every filesystem, not only on those that count dirty cache.
  if (::fdatasync(in.get()) != 0 && errno != EINVAL) throw_errno("cannot sync " + src.string());
  UniqueFd out(::open(dst.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
  if (!out || ::ftruncate(out.get(), st.st_size) != 0) throw_errno("cannot create " + dst.string());
  std::uint64_t copied = 0;
  std::string buf(1u << 20, '\0');
  for (off_t pos = 0; pos < st.st_size;) {
    const off_t data = ::lseek(in.get(), pos, SEEK_DATA);
    if (data < 0) {
      if (errno == ENXIO) break;  // only a hole is left
      throw_errno("cannot seek in " + src.string());
    }
    off_t hole = ::lseek(in.get(), data, SEEK_HOLE);
    if (hole < 0) hole = st.st_size;
    for (off_t at = data; at < hole;) {
      const auto want = static_cast<std::size_t>(std::min<off_t>(hole - at, off_t(buf.size())));
      const ssize_t n = ::pread(in.get(), buf.data(), want, at);
      if (n < 0) throw_errno("cannot read " + src.string());
      if (n == 0) break;  // the file shrank under us: what is left reads as a hole
      for (ssize_t done = 0; done < n;) {
        const ssize_t w =
            ::pwrite(out.get(), buf.data() + done, static_cast<std::size_t>(n - done), at + done);
        if (w < 0) throw_errno("cannot write " + dst.string());
        done += w;
      }
      at += n;
      copied += static_cast<std::uint64_t>(n);
    }
    pos = hole;
  }
  return copied;
}

}  // namespace dt
