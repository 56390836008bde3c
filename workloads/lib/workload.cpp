#include "workload.hpp"

#include <execinfo.h>
#include <pthread.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <cstring>
#include <exception>

namespace dt::workload {
namespace {

// A workload that dies of a signal says which and where on stderr, the one channel the harness
// keeps of a death (a silent SIGABRT under fault injection left nothing to triage). Only
// async-signal-safe calls: write and backtrace_symbols_fd (no malloc); addresses symbolise with
// addr2line against the guest binary of the same build.
void on_fatal(int sig) {
  char head[96];
  const int n = std::snprintf(head, sizeof head, "fatal signal %d (%s), backtrace:\n", sig,
                              sigabbrev_np(sig) ? sigabbrev_np(sig) : "?");
  if (n > 0) (void)!::write(STDERR_FILENO, head, static_cast<size_t>(n));
  void* frames[48];
  ::backtrace_symbols_fd(frames, ::backtrace(frames, 48), STDERR_FILENO);
  std::signal(sig, SIG_DFL);
  std::raise(sig);
}

void install_fatal_handlers() {
  // backtrace() loads its unwinder on first use, which may allocate: do it now, not in a crash.
  void* warm[1];
  (void)::backtrace(warm, 1);
  for (const int sig : {SIGABRT, SIGSEGV, SIGILL, SIGFPE}) std::signal(sig, on_fatal);
}

}  // namespace

// glibc keeps up to 40 MiB of exited threads' stacks and munmaps the excess when a thread is
// joined, and abort()s if that munmap fails, which it does under failslab (the maple tree
// node allocation is a slab allocation): with 8 MiB stacks, joining the fill threads killed
// the workload before its final check in most failslab cells. 256 KiB stacks (the largest
// frame holds a 16 KiB buffer) keep 160 threads within the cache, so no munmap is needed.
constexpr size_t kThreadStack = 256 * 1024;

void limit_thread_stacks() {
  pthread_attr_t a;
  if (pthread_attr_init(&a) != 0) return;
  if (pthread_attr_setstacksize(&a, kThreadStack) == 0) pthread_setattr_default_np(&a);
  pthread_attr_destroy(&a);
}

int workload_main(int argc, char** argv, const Spec& spec, int (*body)(Run&)) {
  auto opt = parse_cli(argc, argv, spec);
  if (!opt) return kExitUsage;
  install_sigbus_handler();
  install_fatal_handlers();
  limit_thread_stacks();
  try {
    Run run(*opt);
    return body(run);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "dt-%s: %s\n", spec.workload.c_str(), e.what());
    return kExitFail;
  }
}

}  // namespace dt::workload
