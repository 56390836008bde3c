// Block stamps: every 4 KiB block a workload writes is self-describing, so any
// block read anywhere (in any file) can be attributed to the write that made it.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

namespace dt::workload {

inline constexpr size_t kBlockSize = 4096;
inline constexpr size_t kWords = kBlockSize / sizeof(uint64_t);
inline constexpr uint64_t kStampMagic = 0x3150'4d41'5453'5444ull;  // "DTSTAMP1"
// Writer ids with this bit mark MAP_PRIVATE (copy-on-write) data, which must
// never reach the file.
inline constexpr uint32_t kPrivateWriter = 0x8000'0000u;

struct StampId {
  uint64_t run = 0;     // per-process nonce: blocks left by earlier runs are foreign
  uint32_t file = 0;    // file id within the run
  uint32_t writer = 0;  // thread (or role) that wrote it
  uint64_t block = 0;   // block index at write time (collapse/insert move data)
  uint64_t gen = 0;     // unique per file and write
  bool operator==(const StampId&) const = default;
};

// What a block is supposed to hold: zeros or one particular stamp.
struct Content {
  bool zero = true;
  StampId id{};
  static Content zeros() { return {}; }
  static Content stamp(const StampId& s) { return {false, s}; }
  bool operator==(const Content&) const = default;
};

// Writes the full 4 KiB image of a stamp: header, stamp-derived pattern, checksum.
void fill_block(void* dst, const StampId& id);
void fill_content(void* dst, const Content& c);

enum class BlockKind { kZero, kStamp, kTorn, kGarbage };
// One run of bytes where a torn stamp differs from the image its header promises. Its size and
// whether it reads as zeros are what name the scribbler (a 12-byte zeroed tail is not a lost
// 64-byte store), so a torn verdict lists them.
struct Damage {
  uint16_t offset = 0;
  uint16_t len = 0;
  bool zeros = false;  // every damaged byte of the run reads as zero
};
struct Parsed {
  static constexpr size_t kMaxDamage = 4;
  BlockKind kind = BlockKind::kZero;
  StampId id{};         // valid for kStamp and (header only) kTorn
  size_t bad_word = 0;  // first word not matching the header's image (kTorn)
  size_t zero_words = 0;
  // kTorn: the first kMaxDamage damaged runs, and the totals over the whole block.
  std::array<Damage, kMaxDamage> damage{};
  size_t damage_runs = 0;
  size_t damaged_bytes = 0;
};
// Classifies a block image: zero, intact stamp, stamp header with damaged body
// (torn/partially overwritten), or unrecognisable non-zero data.
Parsed parse_block(const void* src);

// Whether a block that nothing writes any more is exactly c: loads, XORs and ORs over the block
// in place (no copy, no early exit, so the compiler vectorises it). Only for stable memory: a
// block someone may store into must go through parse_block's single copy.
bool block_equals(const void* src, const Content& c);

nlohmann::json to_json(const StampId& id);
nlohmann::json to_json(const Content& c);
nlohmann::json to_json(const Parsed& p);
std::string describe(const StampId& id);
// "8 bytes differ in 1 run: bytes 4080-4087 read as zeros" (kTorn only).
std::string describe_damage(const Parsed& p);

}  // namespace dt::workload
