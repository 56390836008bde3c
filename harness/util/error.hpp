#pragma once
// Errors that cross module edges. Each carries a message a user can act on; the CLI maps
// the category to an exit code (usage/config = 2, infrastructure = 3).
#include <stdexcept>
#include <string>

namespace dt {

// The user asked for something impossible: bad flag, bad campaign, unknown filesystem.
class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The machine could not do what was asked: QEMU missing, no space, image not built.
class InfraError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// No space left where results go: nothing more can be written, so a campaign stops.
class DiskFullError : public InfraError {
 public:
  using InfraError::InfraError;
};

// errno-based failure with the call and the object it was about (ENOSPC/EDQUOT: DiskFullError).
[[noreturn]] void throw_errno(const std::string& what);

}  // namespace dt
