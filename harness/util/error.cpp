#include "util/error.hpp"

#include <cerrno>
#include <cstring>

namespace dt {

void throw_errno(const std::string& what) {
  int e = errno;
  std::string msg = what + ": " + std::strerror(e);
  if (e == ENOSPC || e == EDQUOT) throw DiskFullError(msg + " (disk full?)");
  throw InfraError(msg);
}

}  // namespace dt
