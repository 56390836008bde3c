// Connecting to libvirt: errors, the process's event loop, hints for a connection that fails,
// and the QMP and lifecycle event callbacks. Events arrive on libvirt's default event loop,
// run by one thread per process.
#include "vm/libvirt/connection.hpp"

#include <libvirt/virterror.h>

#include <chrono>
#include <csignal>
#include <thread>

#include "util/error.hpp"

namespace dt::vm::libvirt_detail {
namespace {

struct ConnCloser {
  void operator()(virConnectPtr c) const { virConnectClose(c); }
};

void quiet_errors(void*, virErrorPtr) {}  // errors are reported through exceptions, not stderr

// libvirt's default event loop, on one detached thread for the whole process. Must be
// registered before the first connection is opened.
void init_libvirt() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (virInitialize() < 0)
      throw InfraError("libvirt: virInitialize failed: " + last_error().message);
    virSetErrorFunc(nullptr, quiet_errors);
    if (virEventRegisterDefaultImpl() < 0)
      throw InfraError("libvirt: cannot register the default event loop: " + last_error().message);
    std::thread([] {
      for (;;)
        if (virEventRunDefaultImpl() < 0)
          std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }).detach();
  });
}

std::string connect_hint(const LvError& e, const std::string& uri) {
  const std::string& m = e.message;
  auto has = [&](const char* s) { return m.find(s) != std::string::npos; };
  if (has("Permission denied") || e.code == VIR_ERR_AUTH_FAILED ||
      e.code == VIR_ERR_AUTH_UNAVAILABLE || e.code == VIR_ERR_AUTH_CANCELLED)
    return "permission denied on " + uri +
           ": add your user to the 'libvirt' group and log in again, run as root, or use "
           "qemu:///session";
  if (has("No such file or directory") || has("Connection refused") ||
      has("Failed to connect socket"))
    return "no libvirt daemon answers at " + uri +
           ": start it (systemctl start libvirtd, or virtqemud on split-daemon hosts; for the "
           "tests: "
           "tests/integration/libvirt/start-libvirtd.sh)";
  if (has("ssh"))
    return "cannot reach " + uri +
           " over ssh: check `ssh <host> true` works without a password prompt";
  return "cannot connect to libvirt at " + uri;
}

}  // namespace

LvError last_error() {
  LvError e;
  if (virErrorPtr p = virGetLastError()) {
    e.code = p->code;
    e.message = p->message ? p->message : "unknown libvirt error";
  } else {
    e.message = "unknown libvirt error";
  }
  return e;
}

ConnShared open_connection(const std::string& uri) {
  init_libvirt();
  virConnectPtr c = virConnectOpen(uri.c_str());
  if (!c) {
    auto e = last_error();
    throw InfraError(connect_hint(e, uri) + " (libvirt: " + e.message + ")");
  }
  // Keepalive notices a dead daemon or a cut ssh link instead of hanging on it.
  virConnectSetKeepAlive(c, 5, 6);
  return ConnShared(c, ConnCloser{});
}

void free_sink(void* opaque) {
  std::unique_ptr<SinkRef>(static_cast<SinkRef*>(opaque));
}

void on_qmp_event(virConnectPtr, virDomainPtr, const char* event, long long seconds,
                  unsigned int micros, const char* details, void* opaque) {
  auto& sink = *static_cast<SinkRef*>(opaque);
  json ev = {{"event", event ? event : ""},
             {"timestamp", {{"seconds", seconds}, {"microseconds", micros}}}};
  if (details) ev["data"] = json::parse(details, nullptr, false);
  std::lock_guard lk(sink->mu);
  if (sink->events.size() < 10000) sink->events.push_back(std::move(ev));
}

int on_lifecycle(virConnectPtr, virDomainPtr, int event, int detail, void* opaque) {
  if (event != VIR_DOMAIN_EVENT_STOPPED) return 0;
  auto& sink = *static_cast<SinkRef*>(opaque);
  Exit x;
  switch (detail) {
    case VIR_DOMAIN_EVENT_STOPPED_SHUTDOWN:  // poweroff, or a reset under on_reboot=destroy
    case VIR_DOMAIN_EVENT_STOPPED_CRASHED:
      x = {0, 0};
      break;
    case VIR_DOMAIN_EVENT_STOPPED_DESTROYED:
      x = {-1, SIGKILL};
      break;
    default:
      x = {1, 0};
      break;  // the emulator failed
  }
  std::lock_guard lk(sink->mu);
  if (!sink->exit) sink->exit = x;
  return 0;
}

}  // namespace dt::vm::libvirt_detail
