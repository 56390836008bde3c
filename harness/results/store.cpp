#include "results/store.hpp"

#include <sqlite3.h>

#include <map>
#include <memory>

#include "util/error.hpp"
#include "util/file.hpp"

namespace dt::results {
namespace fs = std::filesystem;

namespace {

// Owns one prepared statement.
class Stmt {
 public:
  Stmt(sqlite3* db, const std::string& sql) : db_(db) {
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &st_, nullptr) != SQLITE_OK)
      throw InfraError(std::string("results store: ") + sqlite3_errmsg(db));
  }
  ~Stmt() { sqlite3_finalize(st_); }
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;
  Stmt& bind(int i, const std::string& v) {
    sqlite3_bind_text(st_, i, v.c_str(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    return *this;
  }
  Stmt& bind(int i, double v) {
    sqlite3_bind_double(st_, i, v);
    return *this;
  }
  Stmt& bind(int i, std::int64_t v) {
    sqlite3_bind_int64(st_, i, v);
    return *this;
  }
  bool step() {
    int rc = sqlite3_step(st_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    std::string msg = sqlite3_errmsg(db_);
    if (rc == SQLITE_FULL) throw DiskFullError("results store: disk full: " + msg);
    throw InfraError("results store: " + msg);
  }
  std::string text(int col) const {
    auto* p = sqlite3_column_text(st_, col);
    return p ? reinterpret_cast<const char*>(p) : "";
  }
  std::int64_t integer(int col) const { return sqlite3_column_int64(st_, col); }

 private:
  sqlite3* db_;
  sqlite3_stmt* st_ = nullptr;
};

const char* kSchema = R"(
PRAGMA journal_mode=WAL;
PRAGMA synchronous=NORMAL;
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE IF NOT EXISTS runs (
  run_id TEXT PRIMARY KEY, campaign TEXT, cell_id TEXT, cell_index INTEGER, fs TEXT, workload TEXT,
  injectors TEXT, kernel TEXT, kernel_release TEXT, image_key TEXT, seed INTEGER, status TEXT,
  accel TEXT, boot_to_ready_s REAL, total_s REAL, iterations INTEGER, faults INTEGER,
  checks INTEGER, failed_checks INTEGER, started_at TEXT, finished_at TEXT, record TEXT);
CREATE INDEX IF NOT EXISTS runs_cell ON runs(cell_id);
CREATE TABLE IF NOT EXISTS findings (
  id INTEGER PRIMARY KEY, run_id TEXT REFERENCES runs(run_id), title TEXT, hash TEXT, category TEXT,
  kind TEXT, frame TEXT, expected INTEGER, corrupted INTEGER, text TEXT);
CREATE INDEX IF NOT EXISTS findings_title ON findings(title);
CREATE TABLE IF NOT EXISTS metrics (run_id TEXT, name TEXT, labels TEXT, value REAL);
)";

}  // namespace

Store::Store(const fs::path& dir) : dir_(dir) {
  std::error_code ec;
  fs::create_directories(dir / "runs", ec);
  if (ec) throw InfraError("cannot create results directory " + dir.string() + ": " + ec.message());
  if (sqlite3_open((dir / "results.sqlite").c_str(), &db_) != SQLITE_OK)
    throw InfraError("cannot open results store in " + dir.string() + ": " + sqlite3_errmsg(db_));
  sqlite3_busy_timeout(db_, 5000);
  exec(kSchema);
}

Store::~Store() {
  sqlite3_close(db_);
}

void Store::exec(const std::string& sql) {
  char* err = nullptr;
  if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
    std::string msg = err ? err : "?";
    sqlite3_free(err);
    throw InfraError("results store: " + msg);
  }
}

void Store::set_meta(const std::string& key, const std::string& value) {
  Stmt(db_, "INSERT OR REPLACE INTO meta(key, value) VALUES(?, ?)")
      .bind(1, key)
      .bind(2, value)
      .step();
}

std::string Store::meta(const std::string& key) const {
  Stmt s(db_, "SELECT value FROM meta WHERE key = ?");
  s.bind(1, key);
  return s.step() ? s.text(0) : "";
}

void Store::add_run(const RunRecord& r) {
  auto j = to_json(r);
  {
    // The JSON copy first: it is the one a human greps, and it survives a broken database.
    write_file_atomic(dir_ / "runs" / (r.run_id + ".json"), j.dump(2) + "\n");
  }
  exec("BEGIN IMMEDIATE");
  try {
    Stmt(db_, "DELETE FROM findings WHERE run_id = ?").bind(1, r.run_id).step();
    Stmt s(db_, "INSERT OR REPLACE INTO runs VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
    s.bind(1, r.run_id)
        .bind(2, r.campaign)
        .bind(3, r.cell_id)
        .bind(4, static_cast<std::int64_t>(r.cell_index));
    s.bind(5, r.fs)
        .bind(6, r.workload)
        .bind(7, r.injectors)
        .bind(8, r.kernel)
        .bind(9, r.kernel_release);
    s.bind(10, r.image_key)
        .bind(11, static_cast<std::int64_t>(r.seed))
        .bind(12, to_string(r.status));
    s.bind(13, r.accel).bind(14, r.boot_to_ready_s).bind(15, r.total_s);
    s.bind(16, static_cast<std::int64_t>(r.iterations))
        .bind(17, static_cast<std::int64_t>(r.faults));
    s.bind(18, static_cast<std::int64_t>(r.checks))
        .bind(19, static_cast<std::int64_t>(r.failed_checks));
    s.bind(20, r.started_at).bind(21, r.finished_at).bind(22, j.dump());
    s.step();
    for (auto& f : r.findings) {
      Stmt fi(db_,
              "INSERT INTO findings(run_id,title,hash,category,kind,frame,expected,corrupted,text) "
              "VALUES(?,?,?,?,?,?,?,?,?)");
      fi.bind(1, r.run_id)
          .bind(2, f.title)
          .bind(3, f.hash())
          .bind(4, oracle::to_string(f.category))
          .bind(5, f.kind);
      fi.bind(6, f.frame)
          .bind(7, static_cast<std::int64_t>(f.expected))
          .bind(8, static_cast<std::int64_t>(f.corrupted));
      fi.bind(9, f.text).step();
    }
    exec("COMMIT");
  } catch (...) {
    exec("ROLLBACK");
    throw;
  }
}

void Store::add_metric(const std::string& run_id, const std::string& name,
                       const nlohmann::json& labels, double value) {
  Stmt(db_, "INSERT INTO metrics(run_id,name,labels,value) VALUES(?,?,?,?)")
      .bind(1, run_id)
      .bind(2, name)
      .bind(3, labels.dump())
      .bind(4, value)
      .step();
}

std::set<std::string> Store::completed_cells() const {
  std::set<std::string> out;
  Stmt s(db_, "SELECT DISTINCT cell_id FROM runs WHERE status != 'error'");
  while (s.step()) out.insert(s.text(0));
  return out;
}

std::vector<RunRecord> Store::runs() const {
  std::vector<RunRecord> out;
  Stmt s(db_, "SELECT record FROM runs ORDER BY started_at, cell_index");
  while (s.step()) out.push_back(record_from_json(nlohmann::json::parse(s.text(0))));
  return out;
}

std::optional<RunRecord> Store::run(const std::string& run_id) const {
  Stmt s(db_, "SELECT record FROM runs WHERE run_id = ?");
  s.bind(1, run_id);
  if (!s.step()) return std::nullopt;
  return record_from_json(nlohmann::json::parse(s.text(0)));
}

std::vector<FindingSummary> Store::findings() const {
  int total = 0;
  {
    Stmt s(db_, "SELECT COUNT(*) FROM runs");
    if (s.step()) total = static_cast<int>(s.integer(0));
  }
  std::vector<FindingSummary> out;
  Stmt s(db_,
         "SELECT f.title, f.hash, f.category, f.kind, f.frame, COUNT(DISTINCT f.run_id), "
         "MIN(r.started_at), "
         "MAX(r.started_at), GROUP_CONCAT(DISTINCT r.cell_id), MAX(f.run_id), MIN(f.expected) "
         "FROM findings f JOIN runs r ON r.run_id = f.run_id GROUP BY f.title ORDER BY 6 DESC, 1");
  while (s.step()) {
    FindingSummary f;
    f.title = s.text(0), f.hash = s.text(1), f.category = s.text(2), f.kind = s.text(3),
    f.frame = s.text(4);
    f.count = static_cast<int>(s.integer(5));
    f.runs_total = total;
    f.first_seen = s.text(6), f.last_seen = s.text(7);
    std::string cells = s.text(8);
    for (std::size_t b = 0, e; b < cells.size(); b = e + 1) {
      e = cells.find(',', b);
      if (e == std::string::npos) e = cells.size();
      f.cells.push_back(cells.substr(b, e - b));
    }
    f.example_run = s.text(9);
    f.expected_only = s.integer(10) == 1;
    out.push_back(f);
  }
  return out;
}

}  // namespace dt::results
