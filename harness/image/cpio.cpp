#include "image/cpio.hpp"

#include <fmt/format.h>
#include <sys/stat.h>

#include <fstream>
#include <sstream>

#include "util/error.hpp"
#include "util/file.hpp"
#include "util/hash.hpp"

namespace dt::image {
namespace fs = std::filesystem;

std::string CpioBuilder::normalise(const std::string& path) {
  std::string p = path;
  while (!p.empty() && p.front() == '/') p.erase(0, 1);
  while (!p.empty() && p.back() == '/') p.pop_back();
  if (p.empty() || p.find("..") != std::string::npos)
    throw InfraError("bad initramfs path: " + path);
  return p;
}

void CpioBuilder::add_parents(const std::string& p) {
  for (auto pos = p.find('/'); pos != std::string::npos; pos = p.find('/', pos + 1)) {
    std::string parent = p.substr(0, pos);
    if (!entries_.count(parent)) entries_[parent] = Entry{S_IFDIR | 0755};
  }
}

void CpioBuilder::add_dir(const std::string& path, unsigned mode) {
  auto p = normalise(path);
  add_parents(p);
  entries_[p] = Entry{S_IFDIR | mode};
}

void CpioBuilder::add_file(const std::string& path, const fs::path& host, unsigned mode) {
  if (!fs::is_regular_file(host)) throw InfraError("initramfs input missing: " + host.string());
  auto p = normalise(path);
  add_parents(p);
  entries_[p] = Entry{S_IFREG | mode, fs::canonical(host), {}};
}

void CpioBuilder::add_data(const std::string& path, std::string data, unsigned mode) {
  auto p = normalise(path);
  add_parents(p);
  entries_[p] = Entry{S_IFREG | mode, {}, std::move(data)};
}

void CpioBuilder::add_symlink(const std::string& path, const std::string& target) {
  auto p = normalise(path);
  add_parents(p);
  entries_[p] = Entry{S_IFLNK | 0777, {}, target};
}

void CpioBuilder::add_char_device(const std::string& path, unsigned major, unsigned minor,
                                  unsigned mode) {
  auto p = normalise(path);
  add_parents(p);
  entries_[p] = Entry{S_IFCHR | mode, {}, {}, major, minor};
}

std::string CpioBuilder::content_hash() const {
  Hasher h;
  h.add("cpio-newc-v1");
  for (auto& [path, e] : entries_) {
    h.add(path).add(std::to_string(e.mode)).add(fmt::format("{}:{}", e.rmajor, e.rminor));
    if (!e.host.empty())
      h.add_file(e.host);
    else
      h.add(e.data);
  }
  return h.hex();
}

namespace {
void header(std::ostream& out, unsigned ino, unsigned mode, std::size_t size, unsigned rmaj,
            unsigned rmin, const std::string& name) {
  out << fmt::format(
      "070701{:08X}{:08X}{:08X}{:08X}{:08X}{:08X}{:08X}{:08X}{:08X}{:08X}{:08X}{:08X}{:08X}", ino,
      mode, 0, 0, (mode & S_IFMT) == S_IFDIR ? 2 : 1, 0, size, 0, 0, rmaj, rmin, name.size() + 1,
      0);
  out << name << '\0';
  std::size_t len = 110 + name.size() + 1;
  out << std::string((4 - len % 4) % 4, '\0');
}
void pad(std::ostream& out, std::size_t n) {
  out << std::string((4 - n % 4) % 4, '\0');
}
}  // namespace

void CpioBuilder::write(const fs::path& out_path) const {
  const fs::path tmp = private_tmp_path(out_path);
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) throw_errno("cannot write " + tmp.string());
    unsigned ino = 1;
    for (auto& [path, e] : entries_) {
      std::string data = e.data;
      if (!e.host.empty()) {
        std::ifstream in(e.host, std::ios::binary);
        std::stringstream ss;
        ss << in.rdbuf();
        data = ss.str();
      }
      bool has_data = (e.mode & S_IFMT) == S_IFREG || (e.mode & S_IFMT) == S_IFLNK;
      std::size_t size = has_data ? data.size() : 0;
      header(out, ino++, e.mode, size, e.rmajor, e.rminor, path);
      if (has_data) {
        out << data;
        pad(out, size);
      }
    }
    header(out, 0, 0, 0, 0, 0, "TRAILER!!!");
    out.flush();
    if (!out) throw_errno("cannot write " + tmp.string());
  }
  fs::rename(tmp, out_path);
}

}  // namespace dt::image
