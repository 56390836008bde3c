#include "sigbus.hpp"

#include <atomic>
#include <csetjmp>
#include <csignal>
#include <cstring>
#include <mutex>
#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif

namespace dt::workload {
namespace {

thread_local sigjmp_buf* tl_jump = nullptr;

void on_sigbus(int sig, siginfo_t*, void*) {
  if (sigjmp_buf* j = tl_jump) siglongjmp(*j, 1);
  // Not inside a guarded access: a real crash. Re-fault with the default action.
  signal(sig, SIG_DFL);
}

}  // namespace

void install_sigbus_handler() {
  static std::once_flag once;
  std::call_once(once, [] {
    struct sigaction sa {};
    sa.sa_sigaction = on_sigbus;
    sa.sa_flags = SA_SIGINFO | SA_NODEFER;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGBUS, &sa, nullptr);
  });
}

// Kept out of line so nothing the copy uses lives in guarded_copy's frame
// across the sigsetjmp (locals there could be clobbered by the longjmp).
[[gnu::noinline]] void copy_lines(char* d, const char* s, size_t n, volatile size_t* done) {
  for (size_t off = 0; off < n; off += 64) {
    const size_t len = n - off < 64 ? n - off : 64;
    std::memcpy(d + off, s + off, len);
    // Keep the progress store ordered with the copies for the handler's sake.
    std::atomic_signal_fence(std::memory_order_seq_cst);
    *done = off + len;
    std::atomic_signal_fence(std::memory_order_seq_cst);
  }
}

Access guarded_copy(void* dst, const void* src, size_t n) {
  install_sigbus_handler();
  sigjmp_buf jump;
  volatile size_t done = 0;
  if (sigsetjmp(jump, 1) == 0) {
    tl_jump = &jump;
    copy_lines(static_cast<char*>(dst), static_cast<const char*>(src), n, &done);
    tl_jump = nullptr;
    return {done, false};
  }
  tl_jump = nullptr;
  return {done, true};
}

void flush_lines(const void* p, size_t n) {
#if defined(__x86_64__) || defined(__i386__)
  const auto* c = static_cast<const char*>(p);
  for (size_t off = 0; off < n; off += 64) _mm_clflush(c + off);
  _mm_sfence();
#else
  (void)p;
  (void)n;
  std::atomic_thread_fence(std::memory_order_seq_cst);
#endif
}

}  // namespace dt::workload
