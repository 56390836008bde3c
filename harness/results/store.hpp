#pragma once
// The results store: SQLite in the output directory (runs, findings, metrics, campaign meta)
// plus one JSON file per run next to it. Each run is one transaction, committed as the run
// ends; WAL mode keeps a crash from losing earlier runs. `run --resume` skips cells whose
// run is already in the store.
#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "results/record.hpp"

struct sqlite3;

namespace dt::results {

struct FindingSummary {
  std::string title, hash, category, kind, frame;
  int count = 0;       // occurrences (runs where it appeared)
  int runs_total = 0;  // runs in the store
  std::string first_seen, last_seen;
  std::vector<std::string> cells;  // where it was seen
  std::string example_run;         // a run that has it (for repro)
  bool expected_only = false;      // only ever seen as an expected finding
};

class Store {
 public:
  explicit Store(const std::filesystem::path& dir);  // creates dir and schema
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  void set_meta(const std::string& key, const std::string& value);
  std::string meta(const std::string& key) const;

  void add_run(const RunRecord& r);  // also writes runs/<run_id>.json
  // A numeric sample for history without Prometheus: metric name, labels, value.
  void add_metric(const std::string& run_id, const std::string& name, const nlohmann::json& labels,
                  double value);

  std::set<std::string> completed_cells()
      const;  // cell ids with a finished run (any status but error)
  std::vector<RunRecord> runs() const;
  std::optional<RunRecord> run(const std::string& run_id) const;
  std::vector<FindingSummary> findings() const;  // deduplicated by title, most frequent first
  const std::filesystem::path& dir() const { return dir_; }

 private:
  void exec(const std::string& sql);
  std::filesystem::path dir_;
  sqlite3* db_ = nullptr;
};

}  // namespace dt::results
