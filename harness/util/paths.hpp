#pragma once
// Where things live: the cache (XDG), the source tree's guest-images/, the guest binaries.
#include <filesystem>

namespace dt {

// $DAXTORTURE_CACHE, else $XDG_CACHE_HOME/daxtorture, else ~/.cache/daxtorture.
std::filesystem::path cache_dir();
// $DAXTORTURE_SOURCE_DIR, else the source tree this binary was built from.
std::filesystem::path source_dir();
// $DAXTORTURE_GUEST_BIN_DIR, else the build tree's guest-bin/.
std::filesystem::path guest_bin_dir();
// Find an executable on $PATH plus the sbin directories (mkfs.xfs lives there).
std::filesystem::path find_program(const std::string& name);  // empty if absent

}  // namespace dt
