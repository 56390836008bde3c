// Turns a SIGBUS during an access to a file mapping into a result the caller
// checks against the model (SIGBUS is legal exactly beyond EOF), instead of a
// crash. The handler is process-wide; each thread arms its own jump buffer.
#pragma once

#include <cstddef>

namespace dt::workload {

struct Access {
  size_t done = 0;  // bytes copied before the fault (whole length if none)
  bool sigbus = false;
};

// Installs the SIGBUS handler once; safe to call repeatedly.
void install_sigbus_handler();

// memcpy in cache-line steps, stopping at the first SIGBUS.
Access guarded_copy(void* dst, const void* src, size_t n);

// Writes back the cache lines of [p, p+n) (clflush + sfence on x86, as a
// MAP_SYNC user must do before it may consider the data durable).
void flush_lines(const void* p, size_t n);

}  // namespace dt::workload
