#pragma once
// A directory that is removed when it goes out of scope, unless kept (--keep-artifacts).
#include <cstddef>
#include <filesystem>
#include <string>

#include "util/fd.hpp"

namespace dt {

class TempDir {
 public:
  enum class Owner { none, locked };
  // Creates a fresh directory "<parent>/<prefix>XXXXXX". Owner::locked holds a lock on
  // "<dir>/.owner" while this process lives, so sweep_orphans can tell the directory of a
  // killed process (SIGKILL, or a Ctrl-C that no handler unwound) from a live one.
  TempDir(const std::filesystem::path& parent, const std::string& prefix,
          Owner owner = Owner::none);
  ~TempDir();
  TempDir(TempDir&& other) noexcept;
  TempDir& operator=(TempDir&&) = delete;
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  [[nodiscard]] const std::filesystem::path& path() const { return path_; }
  void keep(bool k = true) { keep_ = k; }

  // Removes the directories under parent whose owner lock nobody holds: scratch (sparse NVDIMM
  // files of hundreds of MiB) left by a killed process. Kept directories carry no lock file and
  // are left alone. Returns how many were removed.
  static std::size_t sweep_orphans(const std::filesystem::path& parent);

 private:
  std::filesystem::path path_;
  bool keep_ = false;
  UniqueFd owner_;
};

}  // namespace dt
