// Console and agent bytes over the libvirt connection: the StreamPump between a libvirt
// stream and a local fd (console.log, or our end of the agent's socketpair).
#include "vm/libvirt/stream.hpp"

#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <string_view>

#include "util/error.hpp"
#include "vm/libvirt/connection.hpp"

namespace dt::vm::libvirt_detail {

StreamPtr new_stream(virConnectPtr c, unsigned flags) {
  StreamPtr st(virStreamNew(c, flags));
  if (!st) throw InfraError("libvirt: cannot create a stream: " + last_error().message);
  return st;
}

std::shared_ptr<StreamPump> StreamPump::start(StreamPtr st, UniqueFd local, bool bidirectional) {
  auto p =
      std::shared_ptr<StreamPump>(new StreamPump(std::move(st), std::move(local), bidirectional));
  std::lock_guard lk(p->mu_);
  if (virStreamEventAddCallback(p->st_.get(), VIR_STREAM_EVENT_READABLE, on_stream,
                                p->weak_opaque(), free_weak) < 0)
    throw InfraError("libvirt: cannot watch a stream: " + last_error().message);
  p->stream_cb_ = true;
  if (bidirectional) {
    p->watch_ = virEventAddHandle(p->fd_.get(), VIR_EVENT_HANDLE_READABLE, on_local,
                                  p->weak_opaque(), free_weak);
    if (p->watch_ < 0) throw InfraError("libvirt: cannot watch the agent socket");
  }
  return p;
}

bool StreamPump::wait_eof(double timeout_s) {
  std::unique_lock lk(mu_);
  return cv_.wait_for(lk, std::chrono::duration<double>(timeout_s), [&] {
    return eof_ || stopped_;
  }) && eof_;
}

void StreamPump::stop() {
  StreamPtr st;
  bool finished = false;
  {
    std::lock_guard lk(mu_);
    if (stopped_) return;
    stopped_ = true;
    if (stream_cb_ && st_) virStreamEventRemoveCallback(st_.get());
    if (watch_ >= 0) virEventRemoveHandle(watch_);
    stream_cb_ = false;
    watch_ = -1;
    st = std::move(st_);
    finished = eof_;
    fd_.reset();  // the harness end of a channel now reads EOF
    cv_.notify_all();
  }
  if (st) {
    if (finished)
      virStreamFinish(st.get());
    else
      virStreamAbort(st.get());
  }
}

void StreamPump::on_stream(virStreamPtr, int events, void* opaque) {
  if (auto p = static_cast<Weak*>(opaque)->lock()) p->stream_event(events);
}
void StreamPump::on_local(int, int, int events, void* opaque) {
  if (auto p = static_cast<Weak*>(opaque)->lock()) p->local_event(events);
}

void StreamPump::stream_event(int events) {
  std::lock_guard lk(mu_);
  if (stopped_ || !st_) return;
  if (events & (VIR_STREAM_EVENT_READABLE | VIR_STREAM_EVENT_HANGUP | VIR_STREAM_EVENT_ERROR)) {
    char buf[65536];
    for (;;) {
      int n = virStreamRecv(st_.get(), buf, sizeof buf);
      if (n > 0) {
        deliver(buf, static_cast<std::size_t>(n));
        continue;
      }
      if (n == -2) break;  // nothing more for now
      input_ended();       // 0: EOF; -1: the stream broke (domain or connection gone)
      return;
    }
  }
  if (events & VIR_STREAM_EVENT_WRITABLE) flush_to_stream();
  update_events();
}

void StreamPump::local_event(int events) {
  std::lock_guard lk(mu_);
  if (stopped_ || !fd_) return;
  if (events & VIR_EVENT_HANDLE_WRITABLE) flush_to_local();
  if (events & (VIR_EVENT_HANDLE_READABLE | VIR_EVENT_HANDLE_HANGUP | VIR_EVENT_HANDLE_ERROR)) {
    char buf[65536];
    for (;;) {
      ssize_t n = ::read(fd_.get(), buf, sizeof buf);
      if (n > 0) {
        to_stream_.append(buf, static_cast<std::size_t>(n));
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
      local_closed_ = true;  // the harness closed its end
      break;
    }
    flush_to_stream();
  }
  update_events();
}

void StreamPump::deliver(const char* data, std::size_t n) {
  if (!bidir_) {
    write_all(fd_.get(), std::string_view(data, n));  // console.log
    return;
  }
  to_local_.append(data, n);
  flush_to_local();
}

void StreamPump::flush_to_local() {
  while (!to_local_.empty() && fd_) {
    ssize_t n = ::write(fd_.get(), to_local_.data(), to_local_.size());
    if (n > 0) {
      to_local_.erase(0, static_cast<std::size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
    to_local_.clear();  // the harness end is gone: nobody to tell
    local_closed_ = true;
  }
  if (to_local_.empty() && eof_ && bidir_ && fd_) ::shutdown(fd_.get(), SHUT_WR);
}

void StreamPump::flush_to_stream() {
  while (!to_stream_.empty() && st_ && !eof_) {
    int n = virStreamSend(st_.get(), to_stream_.data(), to_stream_.size());
    if (n > 0) {
      to_stream_.erase(0, static_cast<std::size_t>(n));
      continue;
    }
    if (n == -2) return;  // would block: WRITABLE brings us back
    to_stream_.clear();
    return;
  }
}

void StreamPump::input_ended() {
  eof_ = true;
  if (stream_cb_) virStreamEventRemoveCallback(st_.get());
  stream_cb_ = false;
  flush_to_local();  // shuts our end down for writing once drained: the agent sees EOF
  update_events();
  cv_.notify_all();
}

void StreamPump::update_events() {
  if (stream_cb_)
    virStreamEventUpdateCallback(
        st_.get(),
        VIR_STREAM_EVENT_READABLE | (to_stream_.empty() ? 0 : VIR_STREAM_EVENT_WRITABLE));
  if (watch_ >= 0) {
    int ev = (local_closed_ || eof_ ? 0 : VIR_EVENT_HANDLE_READABLE) |
             (to_local_.empty() ? 0 : VIR_EVENT_HANDLE_WRITABLE);
    if (ev == 0) {
      virEventRemoveHandle(watch_);
      watch_ = -1;
    } else {
      virEventUpdateHandle(watch_, ev);
    }
  }
}

}  // namespace dt::vm::libvirt_detail
