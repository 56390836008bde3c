#include "util/tempdir.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cstdlib>
#include <vector>

#include "util/error.hpp"

namespace dt {
namespace fs = std::filesystem;

namespace {
constexpr const char* kOwnerFile = ".owner";
}  // namespace

TempDir::TempDir(const fs::path& parent, const std::string& prefix, Owner owner) {
  std::error_code ec;
  fs::create_directories(parent, ec);
  std::string tmpl = (parent / (prefix + "XXXXXX")).string();
  std::vector<char> buf(tmpl.begin(), tmpl.end());
  buf.push_back('\0');
  if (!mkdtemp(buf.data()))
    throw_errno("cannot create a temporary directory in " + parent.string());
  path_ = buf.data();
  if (owner == Owner::locked) {
    // Locked under another name first: a sweeper only looks at .owner, so it never sees the
    // file before its lock is held.
    const fs::path tmp = path_ / ".owner.new";
    owner_.reset(::open(tmp.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
    if (!owner_ || ::flock(owner_.get(), LOCK_EX) != 0 ||
        ::rename(tmp.c_str(), (path_ / kOwnerFile).c_str()) != 0)
      throw_errno("cannot lock the temporary directory " + path_.string());
  }
}

TempDir::TempDir(TempDir&& other) noexcept
    : path_(std::move(other.path_)), keep_(other.keep_), owner_(std::move(other.owner_)) {
  other.path_.clear();
}

TempDir::~TempDir() {
  if (path_.empty()) return;
  std::error_code ec;
  if (keep_) {
    fs::remove(path_ / kOwnerFile, ec);  // kept for the user: not an orphan to sweep
    return;
  }
  fs::remove_all(path_, ec);
}

std::size_t TempDir::sweep_orphans(const fs::path& parent) {
  std::size_t removed = 0;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(parent, ec)) {
    if (!e.is_directory(ec)) continue;
    UniqueFd lock(::open((e.path() / kOwnerFile).c_str(), O_RDWR | O_CLOEXEC));
    if (!lock || ::flock(lock.get(), LOCK_EX | LOCK_NB) != 0) continue;  // kept, or alive
    fs::remove_all(e.path(), ec);
    if (!ec) ++removed;
  }
  return removed;
}

}  // namespace dt
