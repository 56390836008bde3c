#pragma once
// A libvirt connection and what comes with it: errors, the process's event loop, and the
// sinks where that loop leaves one domain's QMP and lifecycle events.
#include <libvirt/libvirt.h>

#include <cstdlib>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "vm/vm.hpp"

namespace dt::vm::libvirt_detail {

struct CFree {
  void operator()(char* p) const { std::free(p); }
};
using ConnShared = std::shared_ptr<virConnect>;
using CString = std::unique_ptr<char, CFree>;  // a string libvirt hands over to be freed

struct LvError {
  int code = 0;
  std::string message;
};

// This thread's last libvirt error.
LvError last_error();

// Opens `uri` (starting libvirt's event loop first, once per process); InfraError with a hint
// at the usual causes if it cannot.
ConnShared open_connection(const std::string& uri);

// What the event loop learns about one domain; shared with libvirt through the callbacks'
// opaque pointers (freed by libvirt's free callbacks).
struct Sink {
  std::mutex mu;
  std::deque<json> events;
  std::optional<Exit> exit;
};
using SinkRef = std::shared_ptr<Sink>;

// Callbacks for virConnectDomainQemuMonitorEventRegister and virConnectDomainEventRegisterAny
// (VIR_DOMAIN_EVENT_ID_LIFECYCLE); opaque is a new SinkRef*, freed by free_sink.
void free_sink(void* opaque);
void on_qmp_event(virConnectPtr, virDomainPtr, const char* event, long long seconds,
                  unsigned int micros, const char* details, void* opaque);
int on_lifecycle(virConnectPtr, virDomainPtr, int event, int detail, void* opaque);

}  // namespace dt::vm::libvirt_detail
