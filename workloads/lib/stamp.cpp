#include "stamp.hpp"

#include <cstring>

#include "prng.hpp"

namespace dt::workload {
namespace {

// Header words; the rest of the block is pattern, the last word the checksum.
enum : size_t { kMagicW, kRunW, kFileW, kBlockW, kGenW, kHeaderWords };
constexpr size_t kSumW = kWords - 1;

uint64_t header_seed(const uint64_t* w) {
  uint64_t h = 0x6a09e667f3bcc908ull;
  for (size_t i = 0; i < kHeaderWords; ++i) h = mix64(h ^ w[i]);
  return h;
}

uint64_t pattern_word(uint64_t seed, size_t i) {
  return mix64(seed + i * 0x9e3779b97f4a7c15ull);
}

// Checksum over words [0, kSumW): any flipped or foreign word changes it.
uint64_t checksum(const uint64_t* w) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (size_t i = 0; i < kSumW; ++i) h = mix64(h ^ w[i]) + i;
  return h | 1;  // never zero, so a zeroed tail is always detected
}

}  // namespace

void fill_block(void* dst, const StampId& id) {
  uint64_t w[kWords];
  w[kMagicW] = kStampMagic;
  w[kRunW] = id.run;
  w[kFileW] = uint64_t{id.file} | (uint64_t{id.writer} << 32);
  w[kBlockW] = id.block;
  w[kGenW] = id.gen;
  const uint64_t seed = header_seed(w);
  for (size_t i = kHeaderWords; i < kSumW; ++i) w[i] = pattern_word(seed, i);
  w[kSumW] = checksum(w);
  std::memcpy(dst, w, sizeof w);
}

void fill_content(void* dst, const Content& c) {
  if (c.zero)
    std::memset(dst, 0, kBlockSize);
  else
    fill_block(dst, c.id);
}

Parsed parse_block(const void* src) {
  uint64_t w[kWords];
  std::memcpy(w, src, sizeof w);
  Parsed p;
  for (size_t i = 0; i < kWords; ++i) p.zero_words += w[i] == 0;
  if (p.zero_words == kWords) return p;
  if (w[kMagicW] != kStampMagic) {
    p.kind = BlockKind::kGarbage;
    return p;
  }
  p.id.run = w[kRunW];
  p.id.file = static_cast<uint32_t>(w[kFileW]);
  p.id.writer = static_cast<uint32_t>(w[kFileW] >> 32);
  p.id.block = w[kBlockW];
  p.id.gen = w[kGenW];
  const uint64_t seed = header_seed(w);
  for (size_t i = kHeaderWords; i < kSumW; ++i) {
    if (w[i] != pattern_word(seed, i)) {
      p.kind = BlockKind::kTorn;
      p.bad_word = i;
      return p;
    }
  }
  if (w[kSumW] != checksum(w)) {
    p.kind = BlockKind::kTorn;
    p.bad_word = kSumW;
    return p;
  }
  p.kind = BlockKind::kStamp;
  return p;
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
      return j;
    case BlockKind::kGarbage:
      return {{"kind", "garbage"}, {"zero_words", p.zero_words}};
  }
  return j;
}

std::string describe(const StampId& id) {
  return "file " + std::to_string(id.file) + " block " + std::to_string(id.block) + " gen " +
         std::to_string(id.gen) + " writer " + std::to_string(id.writer);
}

}  // namespace dt::workload
