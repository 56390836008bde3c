#pragma once
// The VM abstraction, after syzkaller's vm/vmimpl: a Backend creates Instances; an Instance
// is one booted guest with a console byte stream, the agent channel, a monitor, and a way to
// collect diagnosis before it is closed. Backends register by name ("qemu", "libvirt").
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "guest/channel.hpp"

namespace dt::vm {

using json = nlohmann::json;

enum class Accel { Auto, Kvm, Tcg };
std::string to_string(Accel);
Accel parse_accel(const std::string&);  // throws UsageError

// A guest saved by the snapshot mechanism: the file that holds it (a qcow2 image, for QEMU)
// and the snapshot's tag inside it.
struct SavedState {
  std::filesystem::path file;
  std::string tag;
  bool operator==(const SavedState&) const = default;
};

struct Config {
  std::filesystem::path kernel, initramfs;
  std::string cmdline_extra;
  int vcpus = 2;
  std::uint64_t memory_bytes = 1024ull << 20;
  std::vector<std::uint64_t> nvdimms{512ull << 20};
  Accel accel = Accel::Tcg;       // resolved (not Auto) by the time an instance is created
  std::filesystem::path workdir;  // per-instance: console.log, sockets, NVDIMM backing files
  // Reuse NVDIMM backing files (power-cut: the next boot sees what the last one left).
  std::vector<std::filesystem::path> nvdimm_files;
  // Initial contents of new NVDIMM backing files, one per NVDIMM (copied sparse): a namespace
  // made once then comes up at boot. A missing or wrongly sized one leaves that NVDIMM zeroed.
  std::vector<std::filesystem::path> nvdimm_templates;
  bool interactive = false;  // console on the user's terminal (daxtorture shell)
  // A scratch qcow2 drive for the VM's snapshots (save_snapshot/load_snapshot): snapshot mode
  // resets a guest in a fraction of a boot. Backends without Capabilities::snapshots ignore it.
  bool snapshots = false;
  // Start from a saved guest instead of booting (vm/ready_state.hpp): its file becomes this
  // VM's snapshot file (needs `snapshots`) and the snapshot is loaded before any vCPU runs, so
  // the agent, which said Hello to another harness, is asked to greet again.
  std::optional<SavedState> start_from;
};

// A VM that did not come up: a title for the findings table plus the console it printed.
// Its title is a finding title as it stands ("boot failed: ...", "boot timed out: ...").
class BootError : public std::runtime_error {
 public:
  BootError(std::string title, std::string output)
      : std::runtime_error(title), title_(std::move(title)), output_(std::move(output)) {}
  const std::string& title() const { return title_; }
  const std::string& output() const { return output_; }

 private:
  std::string title_, output_;
};

struct Exit {
  int code = -1, signal = 0;
  std::string str() const;
};

class Instance {
 public:
  virtual ~Instance() = default;
  // Console bytes that arrived since the last call (already saved to console_log()).
  virtual std::string read_console() = 0;
  virtual std::filesystem::path console_log() const = 0;
  virtual guest::Channel& agent() = 0;
  virtual std::vector<json> monitor_events() = 0;
  virtual std::optional<Exit> exited() = 0;  // the VM process is gone
  // Best effort: sysrq w/t and registers, appended to the console log. Call before close().
  virtual std::string diagnose() = 0;
  // Graceful quit, then kill; never leaves a process behind. Idempotent.
  virtual void close() = 0;
  virtual std::vector<std::filesystem::path> nvdimm_files() const = 0;
  // Power cut: end the VM at once (SIGKILL), no guest or QEMU shutdown. false if the backend
  // cannot (the caller then falls back to quit()).
  virtual bool kill_now() { return false; }

  // Typed verbs instead of raw monitor commands (both backends speak QMP underneath); each
  // throws qmp::Error when the monitor is gone.
  void pause() { monitor("stop"); }  // every vCPU stops; console and agent fall silent
  void resume() { monitor("cont"); }
  bool paused() { return monitor("query-status").value("status", "") == "paused"; }
  void reset() { monitor("system_reset"); }  // hard reset: no guest shutdown, RAM lost
  void quit() { monitor("quit"); }           // QEMU exits at once, the guest is not told
  // The whole machine (RAM, devices, NVDIMM contents) saved under a tag and put back: a guest
  // restored this way is the one that was saved, kernel state and all. Throws qmp::Error.
  void save_snapshot(const std::string& tag) { snapshot_command("savevm " + tag); }
  void load_snapshot(const std::string& tag) { snapshot_command("loadvm " + tag); }
  virtual double boot_started() const = 0;  // steady-clock seconds when the VM was started
  // The file holding this VM's snapshots (Config::snapshots), to publish as a ready state;
  // empty where the backend keeps them out of reach.
  virtual std::filesystem::path snapshot_file() const { return {}; }

 protected:
  // One QMP command (the backends' own business: callers use the verbs above).
  virtual json monitor(const std::string& cmd, const json& args = json::object()) = 0;

 private:
  // savevm/loadvm are synchronous only in the human monitor, which answers errors as text.
  void snapshot_command(const std::string& line);
};

// What a backend can do, as data: a campaign that needs more is a usage error before any VM
// boots (see injectors::check_backend), not a failure after the first cell.
struct Capabilities {
  // Only what a campaign can need and some backend lacks. (Ending a VM at once is the
  // Instance::kill_now() verb, which falls back to QMP quit: both cut power the same way.)
  bool reuse_nvdimm_files = true;  // boot a VM on the NVDIMM files another left (power cut)
  bool remote = false;             // VMs may run on another host
  bool snapshots = false;          // save and load whole-machine snapshots (snapshot mode)
};

class Backend {
 public:
  virtual ~Backend() = default;
  virtual std::string name() const = 0;
  virtual Capabilities capabilities() const = 0;
  // Start a VM and connect its channels; BootError if it cannot.
  virtual std::unique_ptr<Instance> create(const Config& cfg) = 0;
};

using BackendFactory = std::function<std::unique_ptr<Backend>(const json& options)>;
void register_backend(const std::string& name, BackendFactory f);
std::unique_ptr<Backend> make_backend(const std::string& name,
                                      const json& options = json::object());
std::vector<std::string> backend_names();

double steady_now();

}  // namespace dt::vm
