#include "cli/progress.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <cstdio>
#include <iostream>

#include "cli/common.hpp"

namespace dt::cli {

Progress::Progress(std::size_t total, bool json) : total_(total), json_(json), tty_(isatty(2)) {}

void Progress::message(const std::string& line) {
  std::lock_guard lk(mu_);
  if (line_open_) std::fputs("\r\033[K", stderr), line_open_ = false;
  std::fprintf(stderr, "%s\n", line.c_str());
  draw_locked(true);
}

void Progress::update(const runner::CellProgress& p) {
  std::lock_guard lk(mu_);
  auto& old = running_[p.run_id];
  bool phase_changed = old.phase != p.phase;
  iterations_ += p.iterations_delta;
  old = p;
  if (json_ && phase_changed)
    std::cout << nlohmann::json{{"event", "phase"},
                                {"run_id", p.run_id},
                                {"cell", p.cell_id},
                                {"phase", p.phase},
                                {"elapsed", p.elapsed}}
                     .dump()
              << std::endl;
  if (!tty_ && phase_changed && p.phase != "done") {
    std::fprintf(stderr, "[%zu/%zu] %s: %s\n", done_, total_, p.cell_id.c_str(), p.phase.c_str());
  }
  draw_locked(false);
}

void Progress::finished(const results::RunRecord& r) {
  std::lock_guard lk(mu_);
  running_.erase(r.run_id);
  ++done_;
  new_findings_ += r.new_findings();
  vm_seconds_ += r.total_s;
  errors_ += r.status == results::Status::Error;
  if (json_) std::cout << results::run_event(r).dump() << std::endl;
  if (line_open_) std::fputs("\r\033[K", stderr), line_open_ = false;
  std::string what = results::to_string(r.status);
  std::string detail;
  for (auto& f : r.findings)
    if (!f.expected)
      detail += fmt::format("\n      {} [{}] {}", f.title, f.kind,
                            f.corrupted ? "(corrupted report)" : "");
  if (!r.error.empty()) detail += "\n      " + r.error.substr(0, 300);
  std::string boot = r.guest_cell > 1 ? fmt::format("guest cell {}", r.guest_cell)
                                      : fmt::format("boot {:.1f}s", r.boot_to_ready_s);
  std::fprintf(stderr, "[%zu/%zu] %-40s %-8s %s  run %s  %llu iterations%s\n", done_, total_,
               r.cell_id.c_str(), what.c_str(), boot.c_str(), human_seconds(r.total_s).c_str(),
               static_cast<unsigned long long>(r.iterations), detail.c_str());
  draw_locked(true);
}

std::string Progress::status_line_locked() const {
  double el = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  std::string eta = "?";
  if (done_ > 0 && done_ < total_)
    eta = human_seconds(el / static_cast<double>(done_) * static_cast<double>(total_ - done_));
  std::string cells;
  for (auto& [id, p] : running_) {
    if (!cells.empty()) cells += ", ";
    cells += p.cell_id + " " + p.phase;
    if (p.phase == "workload") cells += fmt::format(" {}it", p.iterations);
  }
  return fmt::format(
      "{}/{} done, {} running, {:.0f} it/s, {} new findings, {} errors, {} elapsed, ETA {} | {}",
      done_, total_, running_.size(), el > 0 ? static_cast<double>(iterations_) / el : 0.0,
      new_findings_, errors_, human_seconds(el), eta, cells);
}

void Progress::draw_locked(bool force) {
  auto now = std::chrono::steady_clock::now();
  if (tty_) {
    std::string line = status_line_locked();
    if (line.size() > 160) line = line.substr(0, 157) + "...";
    std::fprintf(stderr, "\r\033[K%s", line.c_str());
    std::fflush(stderr);
    line_open_ = true;
  } else if (!force && now - last_plain_ > std::chrono::seconds(15) && !running_.empty()) {
    last_plain_ = now;
    std::fprintf(stderr, "progress: %s\n", status_line_locked().c_str());
  }
}

void Progress::tick() {
  std::lock_guard lk(mu_);
  draw_locked(false);
}

void Progress::done() {
  std::lock_guard lk(mu_);
  if (line_open_) std::fputs("\r\033[K", stderr), line_open_ = false;
  std::fflush(stderr);
}

}  // namespace dt::cli
