// Umbrella header for the workload programs.
#pragma once

#include "cli.hpp"
#include "fs.hpp"
#include "hotfile.hpp"
#include "model.hpp"
#include "prng.hpp"
#include "report.hpp"
#include "run.hpp"
#include "sigbus.hpp"
#include "stamp.hpp"
#include "verify.hpp"

namespace dt::workload {

// Per-thread state: a seeded PRNG stream and the operation counter that every
// verdict carries, so a failure names (seed, thread, op).
struct Worker {
  Worker(uint64_t seed, unsigned t) : thread(t), rng(seed, t) {}
  unsigned thread;
  Prng rng;
  uint64_t op = 0;
  OpCtx ctx() const { return OpCtx{int(thread), op}; }
  uint32_t writer() const { return thread + 1; }
};

// Small default stacks for every later thread, so joining threads never needs a munmap that
// fault injection can fail (glibc aborts then). workload_main calls it.
void limit_thread_stacks();

// Standard entry: parse, run body(run) and map exceptions to exit codes.
int workload_main(int argc, char** argv, const Spec& spec, int (*body)(Run&));

}  // namespace dt::workload
