#pragma once
// Patches (mutants, a user's extra patches) applied to a cached kernel source tree for one
// build and reverted afterwards, so the tree stays Debian's for every other image.
#include <filesystem>
#include <vector>

namespace dt::image {

class AppliedPatches {
 public:
  // Applies each patch with `patch -p1`, checked by a dry run first: a patch that does not
  // apply throws UsageError ("patch P does not apply to SRC (1 out of 2 hunks FAILED)") and
  // leaves the tree as it was, the patches before it reverted too.
  AppliedPatches(const std::filesystem::path& src,
                 const std::vector<std::filesystem::path>& patches);
  ~AppliedPatches();  // reverts, last patch first
  AppliedPatches(const AppliedPatches&) = delete;
  AppliedPatches& operator=(const AppliedPatches&) = delete;

 private:
  void revert();
  std::filesystem::path src_;
  std::vector<std::filesystem::path> applied_;
};

}  // namespace dt::image
