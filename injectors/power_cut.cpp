// power-cut: end the VM at a seeded random moment of the workload (SIGKILL of QEMU, or QMP
// system_reset, which -no-reboot turns into an exit), boot a fresh VM on the same NVDIMM
// backing files, mount (log recovery), verify every write the workload acknowledged, unmount,
// fsck, repair if needed, and run the workload again: `cuts` times per cell.
//
// The acknowledgements survive the cut because the host holds them: dt-map-sync runs with
// --ack-stdout, so every ack-log record reaches the harness (over the agent channel) only
// after it was fdatasync'ed in the guest, or, in map-sync's quiet phases, without ever being
// written in the guest (host-only records: acknowledged MAP_SYNC stores into holes with no
// fsync or log force in flight, so only the write fault's own synchronous commit makes them
// durable). After the reboot the guest's own ack log (on the DAX filesystem) must still hold
// every fdatasync'ed record the host saw (fdatasync's promise), and `dt-map-sync
// --verify-only` checks every acknowledged MAP_SYNC store, punch and truncate against the
// files, with the host-only records merged in (by sequence number). Other workloads have no
// acks: mount and fsck are still checked.
//
// With dt-map-sync the cut waits, from its seeded moment on, for the next host-only ack to
// arrive (at most 3 s) and cuts at once: the moment an allocating MAP_SYNC store was
// acknowledged and nothing else has forced the journal yet.
//
// QEMU does not model CPU caches: guest stores to the NVDIMM land in the host's page cache of
// the backing file at once. So this checks filesystem metadata ordering and the durability
// promises of MAP_SYNC, fsync, fdatasync and msync, not cache-flush instructions.
#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>
#include <sstream>

#include "injector.hpp"
#include "runner/dax_setup.hpp"
#include "util/error.hpp"

namespace dt::injectors {
namespace {

using json = nlohmann::json;

class PowerCut : public Injector {
 public:
  PowerCut(const campaign::InjectorSpec& spec, const std::string& fs, std::uint64_t seed)
      : Injector(spec, fs, seed) {
    cuts_ = static_cast<int>(param("cuts", 1));
    mode_ = param_str("mode", "kill");
    if (mode_ != "kill" && mode_ != "reset")
      throw UsageError("power-cut: mode must be kill or reset, not '" + mode_ + "'");
    record_["evidence"] = {{"cuts", json::array()}};
  }
  std::string name() const override { return "power-cut"; }

  void arm(runner::GuestControl& s) override {
    if (console_start_ == 0) console_start_ = s.console_size();
    host_.clear();
    quiet_acks_ = 0;
    waiting_ = false;
    std::uniform_real_distribution<double> u(param("earliest", 1.0), param("latest", 4.0));
    cut_at_ = u(rng_);
  }
  std::vector<std::string> wrap(std::vector<std::string> argv) override {
    log_.clear();
    if (argv.empty() || argv[0] != "dt-map-sync") return argv;
    for (std::size_t i = 0; i + 1 < argv.size(); ++i)
      if (argv[i] == "--dir") dir_ = argv[i + 1];
    if (dir_.empty()) return argv;
    log_ = dir_ + "/acklog";
    argv.insert(argv.end(), {"--ack-log", log_, "--ack-stdout"});
    return argv;
  }
  void on_workload_line(const json& j) override {
    if (j.value("type", "") != "ack-log" || !j.contains("rec")) return;
    host_.push_back(j["rec"]);
    if (host_.back().value("host_only", false) && host_.back().value("rec", "") == "ack")
      ++quiet_acks_;
  }
  void tick(runner::GuestControl& s, double t) override {
    if (!wants_cut() || t < cut_at_) return;
    if (log_.empty()) return cut_now(s, t);
    // map-sync: cut right after the next host-only (quiet-phase) acknowledgement.
    if (!waiting_) {
      waiting_ = true;
      acks_at_wait_ = quiet_acks_;
    }
    if (quiet_acks_ > acks_at_wait_ || t >= cut_at_ + 3.0) cut_now(s, t);
  }
  bool cut_pending() const override { return pending_; }
  bool wants_cut() const override { return !pending_ && done_ < cuts_; }

  void cut_now(runner::GuestControl& s, double t) override {
    pending_ = true;
    cut_t_ = t;
    try {
      if (mode_ == "reset")
        s.hard_reset();
      else
        s.pull_plug();
    } catch (const std::exception&) {
      // The monitor closing under us is the cut taking effect.
    }
    event(t, "cut",
          {{"mode", mode_},
           {"acked_ops", acked_ops()},
           {"records", host_.size()},
           {"host_only_acks", quiet_acks_},
           {"after_host_only_ack", waiting_ && quiet_acks_ > acks_at_wait_}});
  }

  bool recover(runner::GuestControl& s, const campaign::FsSpec& fs) override {
    pending_ = false;
    ++done_;
    record_["fired"] = true;  // a cut happened, whatever the recovery finds
    json cut = {{"cut", done_}, {"t", cut_t_}, {"mode", mode_}};
    auto note = fmt::format("after power cut {} of {} (t={:.2f}s)", done_, cuts_, cut_t_);
    auto keep = [&](oracle::Finding f) {
      f.note = note;
      findings_.push_back(std::move(f));
    };

    auto proof = runner::mount_and_prove(s, fs);
    cut["mount"] = proof.ok;
    if (!proof.ok) {
      keep(oracle::infra("power-cut: filesystem does not mount with DAX after the cut",
                         proof.message));
    } else if (!log_.empty() && !host_.empty()) {
      verify_acks(s, cut, keep);
    }
    cut["host_records"] = host_.size();
    cut["acked_ops"] = acked_ops();

    auto fsck = runner::unmount_and_fsck(s, fs.name);
    int code = fsck.code;
    cut["fsck"] = code;
    if (!fsck.unmounted)
      keep(oracle::infra("power-cut: umount failed after the cut", fsck.output));
    else
      // On ext2 (no journal) its complaints are expected: metadata that no fsync covered
      // (bitmaps, link counts, summary counters) is inconsistent after a cut, and e2fsck is its
      // documented recovery (the kernel says "mounting unchecked fs"); measured on clean 6.1,
      // every ext2 cut leaves e2fsck -n complaints (baselines/expected/rules.yaml). Lost
      // acknowledged data is still a finding, on every filesystem.
      for (auto& f : oracle::from_fsck(fs.name, code, fsck.output)) keep(std::move(f));
    if (code != 0) {
      // Repair so the next cut starts from a consistent filesystem (already reported).
      auto rep = fs.name == "xfs" ? s.exec({"xfs_repair", "/dev/pmem0"}, 600)
                                  : s.exec({"e2fsck", "-fy", "/dev/pmem0"}, 600);
      cut["repair"] = rep.code;
    }
    acked_total_ += acked_ops();
    record_["evidence"]["cuts"].push_back(cut);
    if (done_ >= cuts_) return false;
    auto again = runner::mount_and_prove(s, fs);
    if (!again.ok) {
      keep(oracle::infra("power-cut: filesystem does not mount after repair", again.message));
      return false;
    }
    if (!dir_.empty()) s.exec({"rm", "-rf", dir_}, 120);
    return true;
  }

  void disarm(runner::GuestControl& s) override {
    auto& ev = record_["evidence"];
    auto text = [&](const char* needle) { return count_console(s, needle, console_start_); };
    ev["cuts_done"] = done_;
    ev["acked_ops_verified"] = acked_total_;
    ev["verify_failed_checks"] = failed_total_;
    ev["lost_log_records"] = lost_records_;
    // The kernel's word that it found a dirty log and replayed it.
    ev["kernel_xfs_recovery"] = text("Starting recovery");
    ev["kernel_ext4_recovery"] = text("recovery complete");
    ev["kernel_ext2_unchecked"] = text("mounting unchecked fs");
    record_["fired"] = done_ > 0;
  }

  // recover() ran its own fsck; the cell's closing fsck would find the fs unmounted.
  bool skip_fsck() const override { return done_ > 0; }

 private:
  std::size_t acked_ops() const {
    std::size_t n = 0;
    for (auto& r : host_) n += r.value("rec", "") == "ack";
    return n;
  }

  template <class Keep>
  void verify_acks(runner::GuestControl& s, json& cut, Keep& keep) {
    // The guest's log must hold every record the host saw: they were durable when sent.
    auto cat = s.exec({"cat", log_}, 120);
    std::set<std::pair<std::string, std::uint64_t>> disk;
    for (auto& line : cat.out) {
      auto j = json::parse(line, nullptr, false);
      if (j.is_object() && j.contains("op"))
        disk.insert({j.value("rec", ""), j.value("op", std::uint64_t{0})});
    }
    std::size_t lost = 0;
    std::string first;
    for (auto& r : host_) {
      if (!r.contains("op") || r.value("host_only", false)) continue;
      if (!disk.count({r.value("rec", ""), r.value("op", std::uint64_t{0})})) {
        if (!lost++) first = r.dump();
      }
    }
    cut["log_lines"] = cat.out.size();
    cut["lost_log_records"] = lost;
    lost_records_ += lost;
    std::string verify_log = log_;
    // Host-only records were never in the guest's log: verify with them merged in.
    std::string host_only;
    for (auto& r : host_)
      if (r.value("host_only", false)) host_only += r.dump() + "\n";
    cut["host_only_records"] = std::count(host_only.begin(), host_only.end(), '\n');
    // The agent's write opens without O_CREAT (it is meant for sysfs): create the file first.
    const std::string host_file = fmt::format("/tmp/dt-acklog-host-{}", done_);
    if (!host_only.empty() && s.exec({"touch", host_file}, 60).ok() &&
        s.write_file(host_file, host_only, 60).ok())
      verify_log += "," + host_file;
    cut["host_only_merged"] = verify_log != log_;
    if (lost > 0 || !cat.ok()) {
      oracle::Finding f;
      f.category = oracle::Category::Workload;
      f.kind = "lost-write";
      f.title = "DATA: power-cut lost fdatasync'ed ack-log records (" + fs_ + ")";
      f.text = fmt::format("{} records the host received are missing from {} (first: {}); cat: {}",
                           lost, log_, first, cat.output().substr(0, 500));
      keep(f);
      // Verify against the host's copy instead (a prefix of what the guest logged).
      std::string data;
      for (auto& r : host_) data += r.dump() + "\n";
      verify_log = fmt::format("/tmp/dt-host-acklog-{}", done_);
      s.exec({"touch", verify_log}, 60);
      s.write_file(verify_log, data, 60);
    }
    json result;
    std::size_t failed = 0;
    auto v = s.exec({"dt-map-sync", "--dir", dir_, "--verify-only", "--ack-log", verify_log,
                     "--fill-files", "0"},
                    300, [&](const std::string& line) {
                      auto j = json::parse(line, nullptr, false);
                      if (!j.is_object()) return;
                      if (j.value("type", "") == "verdict" && ++failed <= 50)
                        keep(oracle::from_verdict("map-sync", j));
                      if (j.value("type", "") == "result") result = j;
                    });
    cut["verify"] = {{"code", v.code},
                     {"checks", result.value("checks", 0)},
                     {"failed_checks", result.value("failed_checks", 0)},
                     {"files", result.value("files_verified", 0)}};
    failed_total_ += result.value("failed_checks", std::size_t{0});
    if (!result.is_object())
      keep(oracle::infra("power-cut: ack verification did not run",
                         fmt::format("exit {}: {}", v.code, v.output().substr(0, 2000))));
  }

  int cuts_ = 1, done_ = 0;
  std::string mode_, dir_, log_;
  std::vector<json> host_;
  double cut_at_ = 0, cut_t_ = 0;
  bool pending_ = false, waiting_ = false;
  std::size_t quiet_acks_ = 0, acks_at_wait_ = 0;
  std::size_t console_start_ = 0, acked_total_ = 0, failed_total_ = 0, lost_records_ = 0;
};

}  // namespace

std::unique_ptr<Injector> make_power_cut(const campaign::InjectorSpec& s, const std::string& fs,
                                         std::uint64_t seed) {
  return std::make_unique<PowerCut>(s, fs, seed);
}

}  // namespace dt::injectors
