#include "stamp.hpp"

#include <algorithm>
#include <cstring>

#include "byte_runs.hpp"
#include "prng.hpp"

namespace dt::workload {
namespace {

// Header words; the rest of the block is pattern, the last word a tail word.
enum : size_t { kMagicW, kRunW, kFileW, kBlockW, kGenW, kHeaderWords };
constexpr size_t kSumW = kWords - 1;

// The header words of a stamp (w[0..kHeaderWords)): what fill_block writes and block_equals
// expects.
void write_header(uint64_t* w, const StampId& id) {
  w[kMagicW] = kStampMagic;
  w[kRunW] = id.run;
  w[kFileW] = uint64_t{id.file} | (uint64_t{id.writer} << 32);
  w[kBlockW] = id.block;
  w[kGenW] = id.gen;
}

uint64_t header_seed(const uint64_t* w) {
  uint64_t h = 0x6a09e667f3bcc908ull;
  for (size_t i = 0; i < kHeaderWords; ++i) h = mix64(h ^ w[i]);
  return h;
}

// The body is the header's seed xor a per-position constant: every word of two different
// stamps differs (the seeds differ) and a zero word is a 2^-64 chance, which is all attribution
// needs. A mix per word (and a second pass for a checksum) made judging a block cost ~1000 mixes,
// and judging is what the final check of every fill block spends its time on under TCG.
constexpr uint64_t kPositionStep = 0x9e3779b97f4a7c15ull;

// The last word closes the block: torn or zeroed tails must not look intact.
uint64_t tail_word(uint64_t seed) {
  return mix64(seed ^ 0x5eed'0f'7a11ull) | 1;
}

// Byte runs where w differs from the stamp image its own header promises.
void find_damage(const uint64_t* w, Parsed& p) {
  uint64_t want[kWords];
  fill_block(want, p.id);
  p.damaged_bytes +=
      for_each_byte_run(reinterpret_cast<const uint8_t*>(w), reinterpret_cast<const uint8_t*>(want),
                        kBlockSize, [&](const ByteRun& r) {
                          if (p.damage_runs < Parsed::kMaxDamage)
                            p.damage[p.damage_runs] = {static_cast<uint16_t>(r.offset),
                                                       static_cast<uint16_t>(r.len), r.got_zero};
                          ++p.damage_runs;
                        });
}

}  // namespace

void fill_block(void* dst, const StampId& id) {
  uint64_t w[kWords];
  write_header(w, id);
  const uint64_t seed = header_seed(w);
  uint64_t pos = kHeaderWords * kPositionStep;
  for (size_t i = kHeaderWords; i < kSumW; ++i, pos += kPositionStep) w[i] = seed ^ pos;
  w[kSumW] = tail_word(seed);
  std::memcpy(dst, w, sizeof w);
}

void fill_content(void* dst, const Content& c) {
  if (c.zero)
    std::memset(dst, 0, kBlockSize);
  else
    fill_block(dst, c.id);
}

Parsed parse_block(const void* src) {
  // One copy: the source may be a live mapping that other threads store into.
  uint64_t w[kWords];
  std::memcpy(w, src, sizeof w);
  Parsed p;
  const auto count_zeros = [&] {
    for (size_t i = 0; i < kWords; ++i) p.zero_words += w[i] == 0;
  };
  if (w[kMagicW] != kStampMagic) {
    count_zeros();
    p.kind = p.zero_words == kWords ? BlockKind::kZero : BlockKind::kGarbage;
    return p;
  }
  p.id.run = w[kRunW];
  p.id.file = static_cast<uint32_t>(w[kFileW]);
  p.id.writer = static_cast<uint32_t>(w[kFileW] >> 32);
  p.id.block = w[kBlockW];
  p.id.gen = w[kGenW];
  const uint64_t seed = header_seed(w);
  uint64_t pos = kHeaderWords * kPositionStep;
  for (size_t i = kHeaderWords; i < kSumW; ++i, pos += kPositionStep) {
    if (w[i] != (seed ^ pos)) {
      p.kind = BlockKind::kTorn;
      p.bad_word = i;
      count_zeros();
      find_damage(w, p);
      return p;
    }
  }
  if (w[kSumW] != tail_word(seed)) {
    p.kind = BlockKind::kTorn;
    p.bad_word = kSumW;
    count_zeros();
    find_damage(w, p);
    return p;
  }
  p.kind = BlockKind::kStamp;  // an intact stamp has no zero word
  return p;
}

bool block_equals(const void* src, const Content& c) {
  const auto* w = static_cast<const uint64_t*>(src);
  uint64_t diff = 0;
  if (c.zero) {
    for (size_t i = 0; i < kWords; ++i) diff |= w[i];
    return diff == 0;
  }
  uint64_t h[kHeaderWords];
  write_header(h, c.id);
  for (size_t i = 0; i < kHeaderWords; ++i) diff |= w[i] ^ h[i];
  const uint64_t seed = header_seed(h);
  for (size_t i = kHeaderWords; i < kSumW; ++i) diff |= w[i] ^ seed ^ (i * kPositionStep);
  diff |= w[kSumW] ^ tail_word(seed);
  return diff == 0;
}

nlohmann::json to_json(const StampId& id) {
  return {{"run", id.run},
          {"file_id", id.file},
          {"writer", id.writer},
          {"block", id.block},
          {"gen", id.gen}};
}

nlohmann::json to_json(const Content& c) {
  if (c.zero) return {{"kind", "zero"}};
  auto j = to_json(c.id);
  j["kind"] = "stamp";
  return j;
}

nlohmann::json to_json(const Parsed& p) {
  nlohmann::json j;
  switch (p.kind) {
    case BlockKind::kZero:
      return {{"kind", "zero"}};
    case BlockKind::kStamp:
      j = to_json(p.id);
      j["kind"] = "stamp";
      return j;
    case BlockKind::kTorn:
      j = to_json(p.id);
      j["kind"] = "torn";
      j["bad_word"] = p.bad_word;
      j["zero_words"] = p.zero_words;
      j["damaged_bytes"] = p.damaged_bytes;
      j["damage_runs"] = p.damage_runs;
      j["damage"] = nlohmann::json::array();
      for (size_t i = 0; i < std::min(p.damage_runs, Parsed::kMaxDamage); ++i)
        j["damage"].push_back({{"offset", p.damage[i].offset},
                               {"len", p.damage[i].len},
                               {"zeros", p.damage[i].zeros}});
      return j;
    case BlockKind::kGarbage:
      return {{"kind", "garbage"}, {"zero_words", p.zero_words}};
  }
  return j;
}

std::string describe_damage(const Parsed& p) {
  std::string s = std::to_string(p.damaged_bytes) + " bytes differ in " +
                  std::to_string(p.damage_runs) + (p.damage_runs == 1 ? " run" : " runs");
  if (p.damage_runs == 0) return s;
  const Damage& d = p.damage[0];
  return s + (p.damage_runs == 1 ? ": " : ", first ") + "bytes " + std::to_string(d.offset) + "-" +
         std::to_string(d.offset + d.len - 1) + (d.zeros ? " read as zeros" : " hold other data");
}

std::string describe(const StampId& id) {
  return "file " + std::to_string(id.file) + " block " + std::to_string(id.block) + " gen " +
         std::to_string(id.gen) + " writer " + std::to_string(id.writer);
}

}  // namespace dt::workload
