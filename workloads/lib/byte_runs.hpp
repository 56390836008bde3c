// Runs of bytes where what was read differs from what was expected. A verdict names its
// damage by them: the size of a run and whether it reads as zeros tell a zeroed tail from a
// lost store or a stale block.
#pragma once

#include <cstddef>
#include <cstdint>

namespace dt::workload {

struct ByteRun {
  size_t offset = 0;
  size_t len = 0;
  bool want_zero = true;  // every expected byte of the run is zero
  bool got_zero = true;   // every byte read in the run is zero
};

// Calls f(const ByteRun&) for each run, in order; returns the number of differing bytes.
template <class F>
size_t for_each_byte_run(const uint8_t* got, const uint8_t* want, size_t n, F&& f) {
  size_t bytes = 0;
  for (size_t i = 0; i < n;) {
    if (got[i] == want[i]) {
      ++i;
      continue;
    }
    ByteRun r{i, 0, true, true};
    for (; i < n && got[i] != want[i]; ++i) {
      r.want_zero = r.want_zero && want[i] == 0;
      r.got_zero = r.got_zero && got[i] == 0;
    }
    r.len = i - r.offset;
    bytes += r.len;
    f(r);
  }
  return bytes;
}

}  // namespace dt::workload
