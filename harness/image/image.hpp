#pragma once
// Guest images: a kernel (built from a Debian linux-source package, a developer's tree, or a
// prebuilt bzImage) plus our initramfs, cached by the content hash of every input under
// cache_dir(). A cache hit hashes inputs only and rebuilds nothing.
#include <filesystem>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace dt::image {

struct BuildRequest {
  std::string flavour = "default";
  std::filesystem::path kernel_src;  // a developer's tree (built out of tree with our fragments)
  std::filesystem::path kernel;      // a prebuilt bzImage: no build at all
  std::filesystem::path tarball = "/usr/src/linux-source-6.1.tar.xz";
  std::string source_package = "linux-source-6.1";  // apt installs it when the tarball is missing
  std::vector<std::filesystem::path> patches;       // applied to the Debian source
  std::string label;                                // names the image in listings, e.g. a mutant id
  int jobs = 3;
};

struct Image {
  std::string key;                  // content hash of kernel + initramfs
  std::filesystem::path dir;        // images/<key>/ with manifest.json
  std::filesystem::path kernel;     // bzImage
  std::filesystem::path initramfs;  // newc cpio
  nlohmann::json manifest;
  std::string kernel_release() const { return manifest.value("kernel_release", ""); }
  std::string flavour() const { return manifest.value("flavour", ""); }
};

using Progress = std::function<void(const std::string&)>;

class ImageStore {
 public:
  explicit ImageStore(std::filesystem::path cache);
  ImageStore();

  // Build what is missing (installing the Debian source package first if needed); returns the
  // image. Throws UsageError/InfraError.
  Image build(const BuildRequest& req, const Progress& progress = {});
  // The image for these inputs if it is already built (no building, no kernel source needed).
  std::optional<Image> find(const BuildRequest& req) const;
  std::vector<Image> list() const;

  // Exposed for tests and `image list`.
  std::string kernel_key(const BuildRequest& req) const;
  std::string initramfs_key() const;
  std::string merged_fragment(const std::string& flavour) const;

 private:
  std::filesystem::path cache_;
};

// The initramfs contents: agent, workloads, busybox, mkfs/fsck/ndctl and their libraries.
class CpioBuilder;
void assemble_initramfs(CpioBuilder& out);

}  // namespace dt::image
