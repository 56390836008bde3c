// Seeded PRNG: each thread derives its own stream from (seed, thread) so a
// run's operation schedule is reproducible; only timing varies between runs.
#pragma once

#include <cstdint>

namespace dt::workload {

// SplitMix64 finalizer: also used to derive fill patterns and checksums.
constexpr uint64_t mix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

// xoshiro256**: fast, good enough statistically, trivially seedable.
class Prng {
 public:
  explicit Prng(uint64_t seed, uint64_t stream = 0) {
    uint64_t x = mix64(seed) ^ mix64(stream + 0x5151);
    for (auto& w : s_) w = x = mix64(x);
  }
  uint64_t next() {
    const uint64_t r = rotl(s_[1] * 5, 7) * 9;
    const uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return r;
  }
  // Uniform in [0, n); n == 0 yields 0.
  uint64_t below(uint64_t n) { return n == 0 ? 0 : next() % n; }
  // Uniform in [lo, hi].
  uint64_t range(uint64_t lo, uint64_t hi) { return lo + below(hi - lo + 1); }
  bool chance(unsigned percent) { return below(100) < percent; }

 private:
  static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  uint64_t s_[4];
};

}  // namespace dt::workload
