#pragma once
// The guest protocol: JSON lines between the harness and dt-agent (PID 1 of the guest) over a
// virtio-serial port. Both ends compile this header (the static agent too), so a message is
// defined once: a struct, its wire name and its fields. Requests carry an id that every reply
// about them repeats, including an exec that failed (ExecFailed) and a request the agent could
// not take (Error), so the harness never waits out a timeout for an answer that will not come.
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <variant>
#include <vector>

namespace dt::protocol {

using json = nlohmann::json;

// A line that is JSON but not a message of this protocol (missing or mistyped field).
class ProtocolError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// ---- harness -> agent -------------------------------------------------------------------
struct Exec {  // start a process in its own session; its output comes back line by line
  int id = 0;
  std::vector<std::string> argv;
  std::map<std::string, std::string> env;
  std::string cwd;
  bool operator==(const Exec&) const = default;
};
struct Kill {  // signal the process group of a running exec
  int id = 0;
  int signal = 9;
  bool operator==(const Kill&) const = default;
};
struct Write {  // write a sysfs/procfs file
  int id = 0;
  std::string path, data;
  bool operator==(const Write&) const = default;
};
struct Shell {  // an interactive shell on the console (daxtorture shell)
  bool operator==(const Shell&) const = default;
};
struct Poweroff {
  bool operator==(const Poweroff&) const = default;
};
// Say Hello again: a guest started from a saved state (vm::Config::start_from) said its first
// Hello to a harness that is gone.
struct Greet {
  bool operator==(const Greet&) const = default;
};
using Request = std::variant<Exec, Kill, Write, Shell, Poweroff, Greet>;

// ---- agent -> harness -------------------------------------------------------------------
struct Hello {  // when the agent is ready, and in answer to Greet
  std::string agent, kernel, version, cmdline;
  int ncpus = 0;
  std::uint64_t mem_bytes = 0;
  double uptime = 0;
  bool operator==(const Hello&) const = default;
};
struct Heartbeat {  // every second
  double uptime = 0;
  int running = 0;
  bool operator==(const Heartbeat&) const = default;
};
struct Started {  // the exec's process exists (id -1: the shell)
  int id = 0;
  int pid = 0;
  bool operator==(const Started&) const = default;
};
struct Output {  // one line of an exec's stdout or stderr
  int id = 0;
  bool is_stderr = false;
  std::string line;
  bool operator==(const Output&) const = default;
};
struct Exited {  // after all of its output
  int id = 0;
  int code = -1;   // exit status, -1 when killed by a signal
  int signal = 0;  // the signal that killed it, 0 if it exited
  double elapsed = 0;
  bool operator==(const Exited&) const = default;
};
struct ExecFailed {  // execvp failed in the child: nothing ran, no Exited follows
  int id = 0;
  int error = 0;  // errno
  std::string message;
  bool operator==(const ExecFailed&) const = default;
};
struct Written {
  int id = 0;
  std::string path;
  bool ok = false;
  std::string error;  // strerror when !ok
  bool operator==(const Written&) const = default;
};
struct Error {  // a request the agent could not take (id -1: it had no readable id)
  int id = -1;
  std::string message;
  bool operator==(const Error&) const = default;
};
using Reply = std::variant<Hello, Heartbeat, Started, Output, Exited, ExecFailed, Written, Error>;

// ---- wire format ------------------------------------------------------------------------
namespace detail {
template <class T>
T field(const json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end()) throw ProtocolError(std::string("missing field '") + key + "'");
  try {
    return it->get<T>();
  } catch (const json::exception&) {
    throw ProtocolError(std::string("field '") + key + "' has the wrong type");
  }
}
template <class T>
T field_or(const json& j, const char* key, T fallback) {
  return j.contains(key) ? field<T>(j, key) : fallback;
}
}  // namespace detail

inline json encode(const Request& r) {
  return std::visit(
      [](const auto& m) -> json {
        using T = std::decay_t<decltype(m)>;
        if constexpr (std::is_same_v<T, Exec>) {
          json j = {{"cmd", "exec"}, {"id", m.id}, {"argv", m.argv}};
          if (!m.env.empty()) j["env"] = m.env;
          if (!m.cwd.empty()) j["cwd"] = m.cwd;
          return j;
        } else if constexpr (std::is_same_v<T, Kill>) {
          return {{"cmd", "kill"}, {"id", m.id}, {"signal", m.signal}};
        } else if constexpr (std::is_same_v<T, Write>) {
          return {{"cmd", "write"}, {"id", m.id}, {"path", m.path}, {"data", m.data}};
        } else if constexpr (std::is_same_v<T, Shell>) {
          return {{"cmd", "shell"}};
        } else if constexpr (std::is_same_v<T, Greet>) {
          return {{"cmd", "greet"}};
        } else {
          return {{"cmd", "poweroff"}};
        }
      },
      r);
}

// Throws ProtocolError for an unknown command or a bad field.
inline Request decode_request(const json& j) {
  using detail::field;
  using detail::field_or;
  if (!j.is_object()) throw ProtocolError("a request must be a JSON object");
  const auto cmd = field<std::string>(j, "cmd");
  if (cmd == "exec") {
    Exec e{field<int>(j, "id"), field<std::vector<std::string>>(j, "argv"),
           field_or<std::map<std::string, std::string>>(j, "env", {}),
           field_or<std::string>(j, "cwd", "")};
    if (e.argv.empty()) throw ProtocolError("exec with an empty argv");
    return e;
  }
  if (cmd == "kill") return Kill{field<int>(j, "id"), field_or<int>(j, "signal", 9)};
  if (cmd == "write")
    return Write{field<int>(j, "id"), field<std::string>(j, "path"), field<std::string>(j, "data")};
  if (cmd == "shell") return Shell{};
  if (cmd == "poweroff") return Poweroff{};
  if (cmd == "greet") return Greet{};
  throw ProtocolError("unknown cmd '" + cmd + "'");
}

inline json encode(const Reply& r) {
  return std::visit(
      [](const auto& m) -> json {
        using T = std::decay_t<decltype(m)>;
        if constexpr (std::is_same_v<T, Hello>) {
          return {{"type", "hello"},      {"agent", m.agent},    {"kernel", m.kernel},
                  {"version", m.version}, {"ncpus", m.ncpus},    {"mem_bytes", m.mem_bytes},
                  {"uptime", m.uptime},   {"cmdline", m.cmdline}};
        } else if constexpr (std::is_same_v<T, Heartbeat>) {
          return {{"type", "heartbeat"}, {"uptime", m.uptime}, {"running", m.running}};
        } else if constexpr (std::is_same_v<T, Started>) {
          return {{"type", "started"}, {"id", m.id}, {"pid", m.pid}};
        } else if constexpr (std::is_same_v<T, Output>) {
          return {{"type", m.is_stderr ? "stderr" : "stdout"}, {"id", m.id}, {"line", m.line}};
        } else if constexpr (std::is_same_v<T, Exited>) {
          return {{"type", "exit"},
                  {"id", m.id},
                  {"code", m.code},
                  {"signal", m.signal},
                  {"elapsed", m.elapsed}};
        } else if constexpr (std::is_same_v<T, ExecFailed>) {
          return {
              {"type", "exec-failed"}, {"id", m.id}, {"errno", m.error}, {"message", m.message}};
        } else if constexpr (std::is_same_v<T, Written>) {
          return {{"type", "written"},
                  {"id", m.id},
                  {"path", m.path},
                  {"ok", m.ok},
                  {"error", m.error}};
        } else {
          return {{"type", "error"}, {"id", m.id}, {"message", m.message}};
        }
      },
      r);
}

// Throws ProtocolError for an unknown type or a bad field.
inline Reply decode_reply(const json& j) {
  using detail::field;
  using detail::field_or;
  if (!j.is_object()) throw ProtocolError("a reply must be a JSON object");
  const auto type = field<std::string>(j, "type");
  if (type == "hello")
    return Hello{field_or<std::string>(j, "agent", ""),
                 field_or<std::string>(j, "kernel", ""),
                 field_or<std::string>(j, "version", ""),
                 field_or<std::string>(j, "cmdline", ""),
                 field_or<int>(j, "ncpus", 0),
                 field_or<std::uint64_t>(j, "mem_bytes", 0),
                 field_or<double>(j, "uptime", 0)};
  if (type == "heartbeat")
    return Heartbeat{field_or<double>(j, "uptime", 0), field_or<int>(j, "running", 0)};
  if (type == "started") return Started{field<int>(j, "id"), field<int>(j, "pid")};
  if (type == "stdout" || type == "stderr")
    return Output{field<int>(j, "id"), type == "stderr", field<std::string>(j, "line")};
  if (type == "exit")
    return Exited{field<int>(j, "id"), field<int>(j, "code"), field_or<int>(j, "signal", 0),
                  field_or<double>(j, "elapsed", 0)};
  if (type == "exec-failed")
    return ExecFailed{field<int>(j, "id"), field_or<int>(j, "errno", 0),
                      field_or<std::string>(j, "message", "")};
  if (type == "written")
    return Written{field<int>(j, "id"), field_or<std::string>(j, "path", ""), field<bool>(j, "ok"),
                   field_or<std::string>(j, "error", "")};
  if (type == "error")
    return Error{field_or<int>(j, "id", -1), field_or<std::string>(j, "message", "")};
  throw ProtocolError("unknown type '" + type + "'");
}

}  // namespace dt::protocol
