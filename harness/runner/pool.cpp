#include "runner/pool.hpp"

#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

namespace dt::runner {

void run_pool(std::size_t count, int jobs, const std::atomic<bool>& stop,
              const std::function<void(std::size_t, int)>& work,
              const std::function<void(std::size_t, std::exception_ptr)>& on_error) {
  std::atomic<std::size_t> next{0};
  std::vector<std::thread> threads;
  int n = std::max(1, std::min<int>(jobs, static_cast<int>(count)));
  for (int w = 0; w < n; ++w) {
    threads.emplace_back([&, w] {
      for (;;) {
        if (stop) return;
        std::size_t i = next++;
        if (i >= count) return;
        try {
          work(i, w);
        } catch (...) {
          on_error(i, std::current_exception());
        }
      }
    });
  }
  for (auto& t : threads) t.join();
}

int default_jobs(std::uint64_t vm_memory_bytes) {
  long cores = sysconf(_SC_NPROCESSORS_ONLN);
  std::uint64_t avail = 0;
  std::ifstream mi("/proc/meminfo");
  for (std::string k; mi >> k;) {
    std::uint64_t v;
    std::string unit;
    mi >> v >> unit;
    if (k == "MemAvailable:") avail = v * 1024;
  }
  std::uint64_t per_vm = vm_memory_bytes + (512ull << 20);
  long by_mem = avail > (2ull << 30) ? static_cast<long>((avail - (2ull << 30)) / per_vm) : 1;
  return static_cast<int>(std::max(1L, std::min(cores, by_mem)));
}

}  // namespace dt::runner
