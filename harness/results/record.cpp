#include "results/record.hpp"

#include <chrono>
#include <ctime>

namespace dt::results {

std::string to_string(Status s) {
  switch (s) {
    case Status::Pass:
      return "pass";
    case Status::Findings:
      return "findings";
    case Status::Error:
      return "error";
    case Status::Skip:
      return "skip";
  }
  return "?";
}

Status status_from_string(const std::string& s) {
  if (s == "pass") return Status::Pass;
  if (s == "findings") return Status::Findings;
  if (s == "skip") return Status::Skip;
  // "error", and anything we cannot read: a damaged or foreign record must never count as a
  // passing run.
  return Status::Error;
}

bool RunRecord::boot_failed_quietly() const {
  return status == Status::Error && boot_to_ready_s <= 0 && guest_cell == 1 &&
         oracle::only_infrastructure(findings);
}

std::size_t RunRecord::new_findings() const {
  std::size_t n = 0;
  for (auto& f : findings) n += !f.expected;
  return n;
}

nlohmann::json to_json(const RunRecord& r) {
  nlohmann::json findings = nlohmann::json::array();
  for (auto& f : r.findings) findings.push_back(oracle::to_json(f));
  return {{"run_id", r.run_id},
          {"campaign", r.campaign},
          {"cell_id", r.cell_id},
          {"cell_index", r.cell_index},
          {"fs", r.fs},
          {"workload", r.workload},
          {"injectors", r.injectors},
          {"kernel", r.kernel},
          {"cell", r.cell},
          {"seed", r.seed},
          {"repetition", r.repetition},
          {"image_key", r.image_key},
          {"kernel_release", r.kernel_release},
          {"accel", r.accel},
          {"backend", r.backend},
          {"status", to_string(r.status)},
          {"error", r.error},
          {"boot_to_ready_s", r.boot_to_ready_s},
          {"setup_s", r.setup_s},
          {"workload_s", r.workload_s},
          {"fsck_s", r.fsck_s},
          {"end_s", r.end_s},
          {"total_s", r.total_s},
          {"iterations", r.iterations},
          {"faults", r.faults},
          {"checks", r.checks},
          {"failed_checks", r.failed_checks},
          {"dax_proof", r.dax_proof},
          {"workload_result", r.workload_result},
          {"injections", r.injections},
          {"findings", findings},
          {"lockdep_disabled", r.lockdep_disabled},
          {"guest_cell", r.guest_cell},
          {"guest_retired", r.guest_retired},
          {"guest_restored", r.guest_restored},
          {"namespaces", r.namespaces},
          {"guest_start", r.guest_start},
          {"cut_restarts", r.cut_restarts},
          {"canary_seen", r.canary_seen},
          {"started_at", r.started_at},
          {"finished_at", r.finished_at},
          {"workdir", r.workdir},
          {"console_path", r.console_path}};
}

nlohmann::json run_event(const RunRecord& r) {
  nlohmann::json titles = nlohmann::json::array();
  for (auto& f : r.findings)
    titles.push_back({{"title", f.title}, {"kind", f.kind}, {"expected", f.expected}});
  return {{"event", "run"},
          {"run_id", r.run_id},
          {"cell", r.cell_id},
          {"fs", r.fs},
          {"workload", r.workload},
          {"kernel_release", r.kernel_release},
          {"status", to_string(r.status)},
          {"boot_to_ready_s", r.boot_to_ready_s},
          {"guest_cell", r.guest_cell},
          {"total_s", r.total_s},
          {"iterations", r.iterations},
          {"findings", titles},
          {"error", r.error}};
}

RunRecord record_from_json(const nlohmann::json& j) {
  RunRecord r;
  r.run_id = j.value("run_id", "");
  r.campaign = j.value("campaign", "");
  r.cell_id = j.value("cell_id", "");
  r.cell_index = j.value("cell_index", std::size_t{0});
  r.fs = j.value("fs", "");
  r.workload = j.value("workload", "");
  r.injectors = j.value("injectors", "");
  r.kernel = j.value("kernel", "");
  r.cell = j.value("cell", nlohmann::json::object());
  r.seed = j.value("seed", std::uint64_t{0});
  r.repetition = j.value("repetition", 0);
  r.image_key = j.value("image_key", "");
  r.kernel_release = j.value("kernel_release", "");
  r.accel = j.value("accel", "");
  r.backend = j.value("backend", "");
  r.status = status_from_string(j.value("status", ""));
  r.error = j.value("error", "");
  r.boot_to_ready_s = j.value("boot_to_ready_s", 0.0);
  r.setup_s = j.value("setup_s", 0.0);
  r.workload_s = j.value("workload_s", 0.0);
  r.fsck_s = j.value("fsck_s", 0.0);
  r.end_s = j.value("end_s", 0.0);
  r.total_s = j.value("total_s", 0.0);
  r.iterations = j.value("iterations", std::uint64_t{0});
  r.faults = j.value("faults", std::uint64_t{0});
  r.checks = j.value("checks", std::uint64_t{0});
  r.failed_checks = j.value("failed_checks", std::uint64_t{0});
  r.namespaces = j.value("namespaces", "");
  r.guest_start = j.value("guest_start", "");
  r.cut_restarts = j.value("cut_restarts", std::vector<std::string>{});
  r.dax_proof = j.value("dax_proof", nlohmann::json());
  r.workload_result = j.value("workload_result", nlohmann::json());
  r.injections = j.value("injections", nlohmann::json::array());
  for (auto& f : j.value("findings", nlohmann::json::array()))
    r.findings.push_back(oracle::finding_from_json(f));
  r.lockdep_disabled = j.value("lockdep_disabled", false);
  r.guest_cell = j.value("guest_cell", 1);
  r.guest_retired = j.value("guest_retired", "");
  r.guest_restored = j.value("guest_restored", "");
  r.canary_seen = j.value("canary_seen", false);
  r.started_at = j.value("started_at", "");
  r.finished_at = j.value("finished_at", "");
  r.workdir = j.value("workdir", "");
  r.console_path = j.value("console_path", "");
  return r;
}

std::string utc_now() {
  auto t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
  return buf;
}

}  // namespace dt::results
