// Starting a thread while the kernel injects faults into the workload: clone() fails with the
// injected ENOMEM, which pthread_create reports as EAGAIN. A workload must outlive the faults it
// is there to provoke (one that died before its race started hid whole failslab cells), so a
// start that fails for want of memory is retried for a while before it counts.
#pragma once

#include <chrono>
#include <system_error>
#include <thread>

namespace dt::workload {

// Like std::thread(f); f is copied per attempt, so a failed start leaves nothing moved-from.
template <class F>
std::thread spawn_thread(const F& f) {
  constexpr int kAttempts = 2000;  // 1 ms apart: two seconds of failing clones
  for (int attempt = 1;; ++attempt) {
    try {
      return std::thread(f);
    } catch (const std::system_error& e) {
      const bool transient = e.code() == std::errc::resource_unavailable_try_again ||
                             e.code() == std::errc::not_enough_memory;
      if (!transient || attempt >= kAttempts) throw;
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  }
}

}  // namespace dt::workload
