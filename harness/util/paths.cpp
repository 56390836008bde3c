#include "util/paths.hpp"

#include <unistd.h>

#include <cstdlib>
#include <sstream>
#include <string>

namespace dt {
namespace fs = std::filesystem;

static const char* env(const char* name) {
  const char* v = std::getenv(name);
  return (v && *v) ? v : nullptr;
}

fs::path cache_dir() {
  if (auto v = env("DAXTORTURE_CACHE")) return v;
  if (auto v = env("XDG_CACHE_HOME")) return fs::path(v) / "daxtorture";
  if (auto v = env("HOME")) return fs::path(v) / ".cache" / "daxtorture";
  return fs::path("/tmp") / ("daxtorture-cache-" + std::to_string(getuid()));
}

fs::path source_dir() {
  if (auto v = env("DAXTORTURE_SOURCE_DIR")) return v;
  return DAXTORTURE_SOURCE_DIR;
}

fs::path guest_bin_dir() {
  if (auto v = env("DAXTORTURE_GUEST_BIN_DIR")) return v;
  return DAXTORTURE_GUEST_BIN_DIR;
}

fs::path find_program(const std::string& name) {
  if (name.find('/') != std::string::npos)
    return access(name.c_str(), X_OK) == 0 ? fs::path(name) : fs::path();
  std::string path = env("PATH") ? env("PATH") : "/usr/bin:/bin";
  path += ":/usr/local/sbin:/usr/sbin:/sbin";
  std::stringstream ss(path);
  std::string dir;
  while (std::getline(ss, dir, ':')) {
    if (dir.empty()) continue;
    fs::path p = fs::path(dir) / name;
    if (access(p.c_str(), X_OK) == 0 && fs::is_regular_file(p)) return p;
  }
  return {};
}

}  // namespace dt
