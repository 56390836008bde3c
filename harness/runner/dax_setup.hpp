#pragma once
// Turn the raw NVDIMM into a mounted DAX filesystem and prove DAX is really on.
#include <nlohmann/json.hpp>
#include <string>

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
  double seconds = 0;    // namespace + mkfs + mount + proof
};

// ndctl create-namespace (fsdax, 2M align), mkfs, mount -o <dax opts>, dt-daxcheck.
// A kernel that says "Turning off DAX" fails the proof with that message.
// The fsdax namespaces on raw NVDIMMs (a fresh VM's first step; a snapshot is taken after it).
void create_namespaces(GuestControl& s, int nvdimm_count);
DaxProof setup_dax(GuestControl& s, const campaign::FsSpec& fs, int nvdimm_count = 1);

// mkfs on the existing /dev/pmem0 (a kept guest's namespace), mount, prove DAX; the console
// is searched from console_from on (what an earlier cell printed is not this cell's).
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
