#pragma once
// A newc cpio archive writer for the initramfs. Reproducible by construction: entries are
// written sorted by path, with inode numbers in that order, uid/gid 0 and mtime 0.
#include <filesystem>
#include <map>
#include <string>

namespace dt::image {

class CpioBuilder {
 public:
  void add_dir(const std::string& path, unsigned mode = 0755);
  void add_file(const std::string& path, const std::filesystem::path& host_file, unsigned mode);
  void add_data(const std::string& path, std::string data, unsigned mode);
  void add_symlink(const std::string& path, const std::string& target);
  void add_char_device(const std::string& path, unsigned major, unsigned minor,
                       unsigned mode = 0600);
  bool contains(const std::string& path) const { return entries_.count(normalise(path)) != 0; }
  std::size_t size() const { return entries_.size(); }

  // Content hash of the archive that write() would produce (cheap: hashes inputs, not output).
  std::string content_hash() const;
  void write(const std::filesystem::path& out) const;  // atomic (tmp + rename)

 private:
  struct Entry {
    unsigned mode = 0;           // full st_mode incl. type bits
    std::filesystem::path host;  // file contents from here, or
    std::string data;            // inline contents / symlink target
    unsigned rmajor = 0, rminor = 0;
  };
  static std::string normalise(const std::string& path);
  void add_parents(const std::string& path);
  std::map<std::string, Entry> entries_;
};

}  // namespace dt::image
