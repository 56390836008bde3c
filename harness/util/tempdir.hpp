#pragma once
// A directory that is removed when it goes out of scope, unless kept (--keep-artifacts).
#include <filesystem>
#include <string>

namespace dt {

class TempDir {
 public:
  // Creates a fresh directory "<parent>/<prefix>XXXXXX".
  TempDir(const std::filesystem::path& parent, const std::string& prefix);
  ~TempDir();
  TempDir(TempDir&& other) noexcept;
  TempDir& operator=(TempDir&&) = delete;
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  void keep(bool k = true) { keep_ = k; }

 private:
  std::filesystem::path path_;
  bool keep_ = false;
};

}  // namespace dt
