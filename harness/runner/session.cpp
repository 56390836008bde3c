#include "runner/session.hpp"

#include <fmt/format.h>
#include <poll.h>

#include <csignal>

#include "protocol/exit_codes.hpp"
#include "util/error.hpp"
#include "util/file.hpp"
#include "vm/nvdimm.hpp"

namespace dt::runner {

const char* to_string(WriteResult::Outcome o) {
  switch (o) {
    case WriteResult::Outcome::written:
      return "written";
    case WriteResult::Outcome::refused:
      return "refused";
    case WriteResult::Outcome::no_reply:
      return "no reply";
  }
  return "?";
}

std::string ExecResult::output() const {
  std::string s = not_run.empty() ? "" : "not run: " + not_run + "\n";
  for (auto& l : out) s += l + "\n";
  for (auto& l : err) s += l + "\n";
  return s;
}

Session::Session(vm::Backend& backend, const vm::Config& cfg, SessionOptions opts)
    : backend_(&backend), cfg_(cfg), inst_(backend.create(cfg)), opts_(opts) {
  last_console_ = last_agent_ = vm::steady_now();
  // Started from a saved fresh guest: its snapshot file already holds the fresh snapshot.
  has_snapshot_ = cfg_.start_from && cfg_.start_from->tag == kFreshSnapshot;
}

Session::~Session() {
  try {
    close(false);
  } catch (...) {
  }
}

void Session::handle(const json& msg) {
  last_agent_ = vm::steady_now();
  try {
    on_reply(protocol::decode_reply(msg));
  } catch (const protocol::ProtocolError&) {
    // Not a message of ours (a "garbage" line from a broken guest): shown, never acted on.
  }
  if (on_event) on_event(msg);
}

void Session::on_reply(const protocol::Reply& reply) {
  auto pending = [&](int id) -> Pending* {
    auto it = pending_.find(id);
    return it == pending_.end() ? nullptr : &it->second;
  };
  std::visit(
      [&](const auto& m) {
        using T = std::decay_t<decltype(m)>;
        if constexpr (std::is_same_v<T, protocol::Hello>) {
          hello_ = m;
          ready_ = true;
        } else if constexpr (std::is_same_v<T, protocol::Output>) {
          if (auto* p = pending(m.id)) {
            (m.is_stderr ? p->result.err : p->result.out).push_back(m.line);
            if (!m.is_stderr && p->on_line) p->on_line(m.line);
          }
        } else if constexpr (std::is_same_v<T, protocol::Exited>) {
          if (auto* p = pending(m.id)) {
            p->done = true;
            p->result.code = m.code;
            p->result.signal = m.signal;
            p->result.elapsed = m.elapsed;
          }
        } else if constexpr (std::is_same_v<T, protocol::ExecFailed>) {
          if (auto* p = pending(m.id)) {
            p->done = true;
            p->result.code = protocol::kGuestExecFailed;
            p->result.not_run = m.message;
          }
        } else if constexpr (std::is_same_v<T, protocol::Written>) {
          writes_[m.id] = m.ok ? WriteResult::written() : WriteResult::refused(m.error);
        } else if constexpr (std::is_same_v<T, protocol::Error>) {
          // A request the agent could not take: that one fails now, not at its timeout.
          if (auto* p = pending(m.id)) {
            p->done = true;
            p->result.not_run = "agent: " + m.message;
          } else if (m.id >= 0) {
            writes_[m.id] = WriteResult::refused("agent: " + m.message);
          }
        }
      },
      reply);
}

void Session::pump(double timeout_s) {
  if (should_abort && should_abort()) throw Interrupted();
  auto& ch = inst_->agent();
  if (ch.open()) {
    if (auto m = ch.next(timeout_s)) {
      if (m->value("type", "") == "eof") {
        // The port closes when QEMU is going away (panic, reboot): give it a moment to exit
        // so the run is titled by what happened, with the console drained into the parser.
        for (int i = 0; i < 100 && !inst_->exited(); ++i) {
          parser_.feed(inst_->read_console());
          ::poll(nullptr, 0, 50);
        }
        check_alive();
        throw GuestLost::lost_connection();
      }
      handle(*m);
      while (auto more = ch.next(0)) {
        if (more->value("type", "") == "eof") break;
        handle(*more);
      }
    }
  } else {
    pollfd none{};
    ::poll(&none, 0, static_cast<int>(timeout_s * 1000));
  }
  std::string c = inst_->read_console();
  if (!c.empty()) {
    last_console_ = vm::steady_now();
    if (!fence_marker_.empty() && !fence_seen_) {
      fence_window_ += c;
      fence_seen_ = fence_window_.find(fence_marker_) != std::string::npos;
      if (fence_window_.size() > fence_marker_.size())
        fence_window_.erase(0, fence_window_.size() - fence_marker_.size());
    }
    parser_.feed(c);
    for (auto& r : parser_.take_reports()) reports_.push_back(std::move(r));
  }
  for (auto& ev : inst_->monitor_events())
    if (ev.value("event", "") == "GUEST_PANICKED") panicked_ = true;
  check_alive();
  if (on_tick && !in_tick_) {
    in_tick_ = true;
    try {
      on_tick();
    } catch (...) {
      in_tick_ = false;
      throw;
    }
    in_tick_ = false;
  }
}

void throw_if_host_fault(const vm::Exit& ex, const vm::Config& cfg) {
  if (ex.signal != SIGBUS) return;
  const std::string what = "QEMU was killed by SIGBUS: the host could not back the guest's memory";
  if (auto s = vm::nvdimm_space_short(cfg))
    throw DiskFullError(fmt::format("{} ({} MiB free in {} for {} MiB of NVDIMM files)", what,
                                    s->free >> 20, cfg.workdir.string(), s->need >> 20));
  throw InfraError(what + " (an NVDIMM backing file truncated or a full disk meanwhile, or a " +
                   "host memory error)");
}

void Session::check_alive() {
  if (auto ex = inst_->exited()) {
    // Drain what the console still holds so the crash report is parsed.
    inst_->close();  // joins the console reader: everything QEMU printed is in
    std::string c = inst_->read_console();
    parser_.feed(c);
    parser_.finish();
    for (auto& r : parser_.take_reports()) reports_.push_back(std::move(r));
    bool panic = panicked_;
    for (auto& r : reports_) panic |= r.kind == console::Kind::Panic;
    if (panic) throw GuestLost(GuestLost::Why::KernelPanic, "kernel panic");
    throw_if_host_fault(*ex, cfg_);
    throw GuestLost(GuestLost::Why::VmCrash, "VM crashed (" + ex->str() + ")");
  }
  double now = vm::steady_now();
  double silent = now - std::max(last_console_, last_agent_);
  if (silent > opts_.silence_timeout_s) throw GuestLost::no_output();
  // Before its first hello the agent is still booting: ready_timeout_s bounds that, and a
  // short silence timeout (the watchdog tests) must not cut a slow boot on a loaded host.
  if (ready_ && now - last_agent_ > opts_.silence_timeout_s) throw GuestLost::lost_connection();
}

void Session::wait_ready() {
  double deadline = vm::steady_now() + opts_.ready_timeout_s;
  try {
    // A guest loaded from a saved state said its Hello long ago, to another harness.
    if (cfg_.start_from && !inst_->agent().send(protocol::encode(protocol::Greet{})))
      throw GuestLost::lost_connection();
    while (!ready_) {
      if (vm::steady_now() > deadline)
        throw vm::BootError(
            fmt::format("boot timed out: no agent after {:.0f}s", opts_.ready_timeout_s),
            console_text());
      pump(0.05);
    }
  } catch (const GuestLost& e) {
    // Retrying a boot is the runner's one policy (cli/cmd_run.cpp), not this layer's.
    std::string why = e.what();
    throw vm::BootError(std::string("boot failed: ") + why, console_text());
  }
  boot_to_ready_ = vm::steady_now() - inst_->boot_started();
}

ExecResult Session::exec(const std::vector<std::string>& argv, double timeout_s,
                         const std::function<void(const std::string&)>& on_line) {
  int id = next_id_++;
  pending_[id].on_line = on_line;
  if (!inst_->agent().send(protocol::encode(protocol::Exec{.id = id, .argv = argv}))) {
    pending_.erase(id);
    check_alive();
    throw GuestLost::lost_connection();
  }
  double deadline = vm::steady_now() + timeout_s;
  bool killed = false;
  while (!pending_[id].done) {
    pump(0.05);
    if (!killed && vm::steady_now() > deadline) {
      inst_->agent().send(protocol::encode(protocol::Kill{id, 9}));
      pending_[id].result.timed_out = true;
      killed = true;
      deadline = vm::steady_now() + 30;  // the kill itself must land
    } else if (killed && vm::steady_now() > deadline) {
      throw GuestLost::no_output();  // cannot even kill it: guest wedged
    }
  }
  ExecResult r = std::move(pending_[id].result);
  pending_.erase(id);
  return r;
}

ExecResult GuestControl::exec_checked(const std::vector<std::string>& argv, double timeout_s) {
  auto r = exec(argv, timeout_s);
  if (!r.ok()) {
    std::string cmd;
    for (auto& a : argv) cmd += (cmd.empty() ? "" : " ") + a;
    throw InfraError(fmt::format("guest command failed ({}): {}\n{}",
                                 !r.not_run.empty() ? "not run: " + r.not_run
                                 : r.timed_out      ? std::string("timed out")
                                 : r.signal         ? fmt::format("signal {}", r.signal)
                                                    : fmt::format("exit {}", r.code),
                                 cmd, r.output()));
  }
  return r;
}

WriteResult Session::write_file(const std::string& path, const std::string& data,
                                double timeout_s) {
  const int id = next_id_++;
  inst_->agent().send(protocol::encode(protocol::Write{id, path, data}));
  double deadline = vm::steady_now() + timeout_s;
  while (!writes_.count(id) && vm::steady_now() < deadline) pump(0.05);
  auto it = writes_.find(id);
  if (it == writes_.end()) return WriteResult::no_reply();
  auto r = std::move(it->second);
  writes_.erase(it);
  return r;
}

void Session::idle(double seconds) {
  double until = vm::steady_now() + seconds;
  while (vm::steady_now() < until) pump(0.05);
}

bool Session::fence(double timeout_s) {
  const double deadline = vm::steady_now() + timeout_s;
  fence_marker_ = fmt::format("daxtorture: console fence {}", next_id_);
  fence_window_.clear();
  fence_seen_ = false;
  // <5>: notice, above the guest's console loglevel (7) and not an error to any parser.
  bool seen = write_file("/dev/kmsg", "<5>" + fence_marker_ + "\n", timeout_s).ok();
  while (seen && !fence_seen_ && vm::steady_now() < deadline) pump(0.02);
  seen = seen && fence_seen_;
  fence_marker_.clear();
  // A report still open was printing around the marker (another CPU) or waits for lines that
  // will not come: give it a second to end, then close it as this point's.
  for (double until = vm::steady_now() + 1.0;
       seen && parser_.has_open() && vm::steady_now() < until;)
    pump(0.1);
  if (seen && parser_.has_open()) {
    parser_.close_open();
    for (auto& r : parser_.take_reports()) reports_.push_back(std::move(r));
  }
  return seen;
}

std::vector<console::Report> Session::take_reports() {
  std::vector<console::Report> out;
  out.swap(reports_);
  return out;
}

std::string Session::console_text(std::size_t from) const {
  return read_file_from(inst_->console_log(), from);
}

std::size_t Session::console_size() const {
  std::error_code ec;
  auto n = std::filesystem::file_size(inst_->console_log(), ec);
  return ec ? 0 : static_cast<std::size_t>(n);
}

void Session::save_snapshot() {
  try {
    inst_->save_snapshot(kFreshSnapshot);
  } catch (const std::exception& e) {
    throw InfraError(std::string("snapshot mode: ") + e.what());
  }
  has_snapshot_ = true;
}

void Session::restore_snapshot() {
  if (!has_snapshot_) throw InfraError("snapshot mode: this guest has no snapshot");
  try {
    inst_->load_snapshot(kFreshSnapshot);
  } catch (const std::exception& e) {
    throw InfraError(std::string("snapshot mode: ") + e.what());
  }
  // What the old guest printed and asked is gone with it; keep the console file, though.
  (void)inst_->read_console();
  parser_ = console::Parser();
  reports_.clear();
  pending_.clear();
  writes_.clear();
  panicked_ = false;
  fence_marker_.clear();
  last_console_ = last_agent_ = vm::steady_now();
  exec_checked({"true"}, 30);  // the restored agent answers
}

void Session::poweroff() {
  if (closed_) return;
  inst_->agent().send(protocol::encode(protocol::Poweroff{}));
  double until = vm::steady_now() + 10;
  while (!inst_->exited() && vm::steady_now() < until) {
    std::string c = inst_->read_console();
    parser_.feed(c);
    ::poll(nullptr, 0, 50);
  }
}

void Session::hand_over() {
  on_event = nullptr;
  should_abort = nullptr;
  on_tick = nullptr;
  last_console_ = last_agent_ = vm::steady_now();
}

std::string Session::close(bool diagnose) {
  if (closed_) return {};
  std::string d;
  if (diagnose && !inst_->exited()) d = inst_->diagnose();
  inst_->close();
  closed_ = true;
  parser_.feed(inst_->read_console());
  parser_.finish();
  for (auto& r : parser_.take_reports()) reports_.push_back(std::move(r));
  return d;
}

}  // namespace dt::runner
