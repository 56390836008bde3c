#pragma once
// Console and agent bytes over the libvirt connection: libvirt streams, and the pump that
// moves their bytes to and from a local fd.
#include <libvirt/libvirt.h>

#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>

#include "util/fd.hpp"

namespace dt::vm::libvirt_detail {

struct StreamFreer {
  void operator()(virStreamPtr s) const { virStreamFree(s); }
};
using StreamPtr = std::unique_ptr<virStream, StreamFreer>;

// virStreamNew, or InfraError.
StreamPtr new_stream(virConnectPtr c, unsigned flags);

// Moves bytes between a non-blocking libvirt stream and a local fd, on libvirt's event loop
// thread: stream -> fd always; fd -> stream too for a socket (the agent channel). The
// callbacks hold weak references, so stop() (or the destructor) ends the pump at once.
class StreamPump : public std::enable_shared_from_this<StreamPump> {
 public:
  // `local` is a file to append to, or (bidirectional) our end of a socketpair.
  static std::shared_ptr<StreamPump> start(StreamPtr st, UniqueFd local, bool bidirectional);
  StreamPump(const StreamPump&) = delete;
  StreamPump& operator=(const StreamPump&) = delete;
  ~StreamPump() { stop(); }

  // Wait until the far end closed the stream (the domain is gone), up to timeout_s.
  bool wait_eof(double timeout_s);

  // Idempotent. No callback touches the stream after this returns.
  void stop();

 private:
  StreamPump(StreamPtr st, UniqueFd fd, bool bidir)
      : st_(std::move(st)), fd_(std::move(fd)), bidir_(bidir) {}

  using Weak = std::weak_ptr<StreamPump>;
  void* weak_opaque() { return std::make_unique<Weak>(weak_from_this()).release(); }
  static void free_weak(void* opaque) { std::unique_ptr<Weak>(static_cast<Weak*>(opaque)); }
  static void on_stream(virStreamPtr, int events, void* opaque);
  static void on_local(int, int, int events, void* opaque);

  void stream_event(int events);
  void local_event(int events);
  void deliver(const char* data, std::size_t n);
  void flush_to_local();
  void flush_to_stream();
  void input_ended();
  void update_events();

  std::mutex mu_;
  std::condition_variable cv_;
  StreamPtr st_;
  UniqueFd fd_;
  bool bidir_;
  bool stream_cb_ = false, eof_ = false, stopped_ = false, local_closed_ = false;
  int watch_ = -1;
  std::string to_stream_, to_local_;
};

}  // namespace dt::vm::libvirt_detail
