#include "runner/session.hpp"

#include <fmt/format.h>
#include <poll.h>

#include "util/error.hpp"
#include "util/file.hpp"

namespace dt::runner {

std::string ExecResult::output() const {
  std::string s;
  for (auto& l : out) s += l + "\n";
  for (auto& l : err) s += l + "\n";
  return s;
}

Session::Session(vm::Backend& backend, const vm::Config& cfg, SessionOptions opts)
    : backend_(&backend), cfg_(cfg), inst_(backend.create(cfg)), opts_(opts) {
  last_console_ = last_agent_ = vm::steady_now();
}

Session::~Session() {
  try {
    close(false);
  } catch (...) {
  }
}

void Session::handle(const json& msg) {
  last_agent_ = vm::steady_now();
  std::string type = msg.value("type", "");
  if (type == "hello") hello_ = msg;
  if (type == "stdout" || type == "stderr") {
    auto it = pending_.find(msg.value("id", 0));
    if (it != pending_.end()) {
      std::string line = msg.value("line", "");
      (type == "stdout" ? it->second.result.out : it->second.result.err).push_back(line);
      if (type == "stdout" && it->second.on_line) it->second.on_line(line);
    }
  } else if (type == "exit") {
    auto it = pending_.find(msg.value("id", 0));
    if (it != pending_.end()) {
      it->second.done = true;
      it->second.result.code = msg.value("code", -1);
      it->second.result.signal = msg.value("signal", 0);
      it->second.result.elapsed = msg.value("elapsed", 0.0);
    }
  } else if (type == "written") {
    writes_[msg.value("path", "")] = msg.value("ok", false);
  } else if (type == "error") {
    // A request the agent could not run: fail every command still waiting for a start.
    for (auto& [id, p] : pending_)
      if (!p.done && p.result.out.empty())
        p.result.err.push_back("agent: " + msg.value("message", ""));
  }
  if (on_event) on_event(msg);
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
    throw GuestLost(GuestLost::Why::VmCrashed, "VM crashed (" + ex->str() + ")");
  }
  double now = vm::steady_now();
  double silent = now - std::max(last_console_, last_agent_);
  if (silent > opts_.silence_timeout_s) throw GuestLost::no_output();
  if (now - last_agent_ > opts_.silence_timeout_s) throw GuestLost::lost_connection();
}

void Session::wait_ready() {
  double deadline = vm::steady_now() + opts_.ready_timeout_s;
  try {
    while (hello_.is_null()) {
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
  if (!inst_->agent().send({{"cmd", "exec"}, {"id", id}, {"argv", argv}})) {
    pending_.erase(id);
    check_alive();
    throw GuestLost::lost_connection();
  }
  double deadline = vm::steady_now() + timeout_s;
  bool killed = false;
  while (!pending_[id].done) {
    pump(0.05);
    if (!killed && vm::steady_now() > deadline) {
      inst_->agent().send({{"cmd", "kill"}, {"id", id}, {"signal", 9}});
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

ExecResult Session::exec_checked(const std::vector<std::string>& argv, double timeout_s) {
  auto r = exec(argv, timeout_s);
  if (!r.ok()) {
    std::string cmd;
    for (auto& a : argv) cmd += (cmd.empty() ? "" : " ") + a;
    throw InfraError(fmt::format("guest command failed ({}): {}\n{}",
                                 r.timed_out ? "timed out"
                                 : r.signal  ? fmt::format("signal {}", r.signal)
                                             : fmt::format("exit {}", r.code),
                                 cmd, r.output()));
  }
  return r;
}

bool Session::write_file(const std::string& path, const std::string& data, double timeout_s) {
  writes_.erase(path);
  inst_->agent().send({{"cmd", "write"}, {"path", path}, {"data", data}});
  double deadline = vm::steady_now() + timeout_s;
  while (!writes_.count(path) && vm::steady_now() < deadline) pump(0.05);
  return writes_.count(path) && writes_[path].value_or(false);
}

void Session::idle(double seconds) {
  double until = vm::steady_now() + seconds;
  while (vm::steady_now() < until) pump(0.05);
}

std::vector<console::Report> Session::take_reports() {
  std::vector<console::Report> out;
  out.swap(reports_);
  return out;
}

std::string Session::console_text() const {
  return read_file(inst_->console_log());
}

std::size_t Session::console_size() const {
  std::error_code ec;
  auto n = std::filesystem::file_size(inst_->console_log(), ec);
  return ec ? 0 : static_cast<std::size_t>(n);
}

void Session::poweroff() {
  if (closed_) return;
  inst_->agent().send({{"cmd", "poweroff"}});
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
