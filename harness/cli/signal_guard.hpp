#pragma once
// SIGINT/SIGTERM/SIGHUP for long runs (run, selftest): one thread takes them with sigwait, so
// no handler runs in a VM thread and the shutdown path is ordinary code: the first signal sets
// `stop` (running cells are aborted, results kept), a second one exits at once.
#include <pthread.h>
#include <signal.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <thread>

namespace dt::cli {

class SignalGuard {
 public:
  explicit SignalGuard(std::atomic<bool>& stop, std::atomic<int>& signal) {
    sigemptyset(&set_);
    // SIGUSR2 only wakes the thread when the guard ends; it must be in the set from the start.
    for (int s : {SIGINT, SIGTERM, SIGHUP, SIGUSR2}) sigaddset(&set_, s);
    pthread_sigmask(SIG_BLOCK, &set_, &old_);
    thread_ = std::thread([this, &stop, &signal] {
      for (;;) {
        int sig = 0;
        if (sigwait(&set_, &sig) != 0) continue;
        if (sig == SIGUSR2) {
          if (quit_) return;
          continue;
        }
        if (stop.exchange(true)) {
          std::fprintf(stderr, "\nsecond signal: exiting now (QEMU children die with us)\n");
          std::_Exit(130);
        }
        signal = sig;
        std::fprintf(
            stderr,
            "\n%s: stopping; closing running VMs, results so far are kept (resume with --resume)\n",
            strsignal(sig));
      }
    });
  }
  ~SignalGuard() {
    quit_ = true;
    pthread_kill(thread_.native_handle(), SIGUSR2);
    thread_.join();
    pthread_sigmask(SIG_SETMASK, &old_, nullptr);
  }

 private:
  sigset_t set_, old_;
  std::thread thread_;
  std::atomic<bool> quit_{false};
};

}  // namespace dt::cli
