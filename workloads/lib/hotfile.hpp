// A file under attack: fd + model, and every operation the workloads race on
// it, each bracketed in the model and each access checked by the oracle.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "fs.hpp"
#include "model.hpp"
#include "report.hpp"

namespace dt::workload {

class Run;

// fallocate modes by name: punch, zero, collapse, insert.
int fallocate_mode(const std::string& op);
// Tries each named layout op on a scratch file and returns those that work
// (ext2 has no fallocate, tmpfs only punches); emits a skip line for the rest.
std::vector<std::string> probe_layout_ops(Run& run, const std::vector<std::string>& wanted);

class HotFile {
 public:
  // Creates dir/dt-<workload>-<seed>-<name> (replacing an old one) of max_size
  // bytes, every block stamped unless populate is false.
  HotFile(Run& run, const std::string& name, uint64_t max_size, bool populate = true);

  bool ok() const { return bool(fd_); }
  // For a file that could not be created: one line naming it and the errno, then the
  // usage exit code for body() to return.
  int creation_failed(const Run& run) const;
  // Makes this the run's file under attack: whether it is really DAX, how many bytes are
  // attacked, and its model tracked for the final verification.
  void attach_as_hot(Run& run, uint64_t hot_bytes);
  int fd() const { return fd_.get(); }
  FileModel& model() { return *model_; }
  const std::string& path() const { return model_->path(); }
  uint64_t max_blocks() const { return model_->max_blocks(); }
  uint64_t blocks() const { return blocks_for(model_->size()); }

  // Layout changes; 0 or errno. Callers keep sizes block-aligned and (for the
  // size-changing ones) are the only thread changing the size.
  int truncate(uint64_t size);
  int punch(uint64_t first, uint64_t count);
  int zero_range(uint64_t first, uint64_t count);
  int collapse(uint64_t first, uint64_t count);
  int insert(uint64_t first, uint64_t count);

  // Writes a fresh stamp to block b (< EOF) with pwrite on fd (default: own
  // fd; pass an O_DIRECT fd and an aligned buf for direct I/O). 0 or errno.
  int pwrite_stamp(uint64_t b, uint32_t writer, int fd = -1, char* buf = nullptr);

  // Checked accesses; false when a verdict was reported.
  bool pread_check(uint64_t b, const OpCtx& ctx);
  bool map_read(const char* map, uint64_t b, const OpCtx& ctx);
  // Stores a fresh stamp through the mapping (optionally flushing the lines
  // for MAP_SYNC), checks SIGBUS legality and reads it back. *stored tells
  // whether the store completed.
  // before_store (optional) runs with the stamp just before the store (e.g. to
  // log an intent).
  bool map_write(char* map, uint64_t b, uint32_t writer, const OpCtx& ctx, bool flush = false,
                 bool* stored = nullptr,
                 const std::function<void(const StampId&)>& before_store = {});
  // Judges data that left the file by other means (vmsplice pipe, O_DIRECT
  // from the mapping) against everything legal since snap.
  bool judge_data(const ReadSnap& snap, const void* data, const OpCtx& ctx);

 private:
  bool report(std::optional<Verdict> v);

  Run& run_;
  Fd fd_;
  std::unique_ptr<FileModel> model_;
};

}  // namespace dt::workload
