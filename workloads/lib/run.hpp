// One workload run: start/progress/result lines, stop conditions (duration or
// iterations), fill threads, the operation watchdog, final verification of
// every file, cleanup and the exit code.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "cli.hpp"
#include "fs.hpp"
#include "model.hpp"
#include "report.hpp"

namespace dt::workload {

class Filler;

class Run {
 public:
  explicit Run(Options opt, std::FILE* out = stdout);
  ~Run();
  Run(const Run&) = delete;
  Run& operator=(const Run&) = delete;

  const Options& opt() const { return opt_; }
  Reporter& rep() { return rep_; }
  uint64_t nonce() const { return nonce_; }
  uint32_t new_file_id() { return next_id_++; }
  std::string file_path(const std::string& name) const;

  void set_dax(const DaxProbe& d) { dax_ = d; }
  bool dax() const { return dax_.dax(); }
  // Bytes the racing files may grow to: the fill leaves room for them.
  void set_hot_bytes(uint64_t n) { hot_bytes_ = n; }
  void disable_fill() { opt_.fill_files = 0; }
  uint64_t reserve() const;

  // Emits the start line, starts the heartbeat and the fill threads.
  void start(nlohmann::json params);
  bool stopping() const;
  void request_stop();
  void iteration() { ++rep_.iterations; }
  double elapsed() const;

  // Runs body(t) on n threads until they return (they poll stopping()).
  void run_threads(unsigned n, const std::function<void(unsigned)>& body);

  // Files verified at the end (and removed unless --keep-files / keep).
  void track(FileModel& m, int fd, bool via_map = true, bool keep = false);
  void remove_at_end(const std::string& path) { extra_files_.push_back(path); }

  // Watchdog: an op slot running longer than --op-timeout is an op-timeout.
  void watch_begin(unsigned thread, const std::string& what, const OpCtx& ctx,
                   const std::string& file, uint64_t offset);
  void watch_end(unsigned thread);

  // True when the filesystem is so full that an ENOSPC SIGBUS is plausible.
  bool space_low(int fd) const;

  void add_result(const std::string& key, nlohmann::json v) { result_extra_[key] = std::move(v); }
  // Stops everything, verifies all files, prints the result; returns the exit code.
  int finish();
  // Nothing could run: skip line + result "skip"; returns 4.
  int skip_all(const std::string& reason);

 private:
  struct Tracked {
    FileModel* model;
    int fd;
    bool via_map;
    bool keep;
  };
  struct Slot {
    std::string what, file;
    uint64_t offset = 0;
    OpCtx ctx;
    std::chrono::steady_clock::time_point since;
    bool active = false, reported = false;
  };

  void heartbeat_loop();
  void emit_progress();
  void stop_heartbeat();  // idempotent: joins the progress/watchdog thread
  void check_watchdog();
  nlohmann::json result_line(const std::string& status);
  uint64_t faults() const;

  Options opt_;
  Reporter rep_;
  uint64_t nonce_;
  std::atomic<uint32_t> next_id_{1};
  DaxProbe dax_;
  uint64_t hot_bytes_ = 0;
  std::chrono::steady_clock::time_point t0_;
  std::chrono::steady_clock::time_point deadline_;
  std::atomic<bool> stop_{false};
  std::atomic<bool> done_{false};
  std::atomic<int64_t> stop_at_ns_{0};
  std::atomic<unsigned> running_threads_{0};
  uint64_t faults0_ = 0;
  bool started_ = false;

  std::mutex mu_;
  std::condition_variable cv_;
  std::map<unsigned, Slot> slots_;
  std::vector<Tracked> tracked_;
  std::vector<std::string> extra_files_;
  std::vector<std::unique_ptr<Filler>> fillers_;
  std::vector<std::thread> fill_threads_;
  std::thread heartbeat_;
  nlohmann::json result_extra_ = nlohmann::json::object();
};

}  // namespace dt::workload
