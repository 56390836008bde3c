#pragma once
// Runs work items on up to `jobs` threads, one VM each. Items are taken in order; a stop
// request lets running items finish (or abort themselves) and starts no new ones.
#include <atomic>
#include <cstddef>
#include <functional>

namespace dt::runner {

// work(i, worker) is called for i in [0, count); exceptions escaping it are passed to on_error.
void run_pool(std::size_t count, int jobs, const std::atomic<bool>& stop,
              const std::function<void(std::size_t index, int worker)>& work,
              const std::function<void(std::size_t index, std::exception_ptr)>& on_error);

// Default parallelism from cores and memory (each VM needs its RAM plus QEMU's overhead).
int default_jobs(std::uint64_t vm_memory_bytes);

}  // namespace dt::runner
