#pragma once
// Turn the raw NVDIMM into a mounted DAX filesystem and prove DAX is really on.
#include <cstdint>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "campaign/campaign.hpp"
#include "runner/guest_control.hpp"

namespace dt::runner {

constexpr const char* kMountPoint = "/mnt/dax";

// The filesystem spec with the registry's defaults (mkfs args, mount options) for a name.
campaign::FsSpec default_fs(const std::string& name);  // throws UsageError for unknown names

struct DaxProof {
  bool ok = false;
  std::string message;   // why not, in one line
  nlohmann::json check;  // dt-daxcheck's output
  double seconds = 0;    // mkfs + mount + proof
};

// Namespace templates: `ndctl create-namespace` costs a fresh guest 0.4 s and more under TCG,
// so the first guest of an image and NVDIMM shape keeps its NVDIMM files, taken right after
// ndctl and before anything is mounted (label area, pfn info block), and later guests start
// from sparse copies (vm::Config::nvdimm_templates) whose namespaces come up at boot. They
// live beside the image: the pfn info block sizes the memmap by the kernel's struct page.
std::vector<std::filesystem::path> namespace_templates(const std::filesystem::path& image_dir,
                                                       const std::vector<std::uint64_t>& nvdimms);

// The NVDIMMs (0-based) that lack a ready fsdax namespace (namespace<i>.0 in fsdax mode, 2 MiB
// aligned, with a block device), from a listing of namespaces with `ndctl list -N`'s fields.
std::vector<int> namespaces_missing(const nlohmann::json& listing, int nvdimm_count);

struct NamespaceSetup {
  bool from_template = false;  // every namespace came up at boot: ndctl made none
  double seconds = 0;
};

// A freshly booted guest's fsdax namespaces (its first step; a snapshot is taken after it):
// those its templates brought are checked, the rest are made with ndctl (fsdax, 2M align), and
// then the guest's NVDIMM files (host paths) become the templates. `templates` empty: none are
// kept (a remote host's files). Throws InfraError when ndctl fails.
NamespaceSetup ready_namespaces(GuestControl& s, int nvdimm_count,
                                const std::vector<std::filesystem::path>& guest_files,
                                const std::vector<std::filesystem::path>& templates);

// mkfs on the existing /dev/pmem0, mount -o <dax opts>, prove DAX (dt-daxcheck); a kernel that
// says "Turning off DAX" fails the proof with that message. The console is searched from
// console_from on (what an earlier cell printed is not this cell's).
DaxProof format_and_mount(GuestControl& s, const campaign::FsSpec& fs,
                          std::size_t console_from = 0);

// Mount an existing filesystem on /dev/pmem0 (after a reboot: log recovery) and prove DAX.
DaxProof mount_and_prove(GuestControl& s, const campaign::FsSpec& fs, std::size_t console_from = 0);

struct FsckResult {
  bool unmounted = false;  // false: umount failed, the checker did not run
  int code = -1;           // the checker's exit code (-1: timed out)
  std::string output;      // umount's or the checker's output
};

// umount and run the filesystem's checker read-only.
FsckResult unmount_and_fsck(GuestControl& s, const std::string& fs);

}  // namespace dt::runner
