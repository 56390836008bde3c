#include "metrics/tests/http_stub.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <stdexcept>

namespace dt::metrics::fixtures {
namespace {

int loopback_listener(int* port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || ::listen(fd, 4) != 0)
    throw std::runtime_error("http stub: cannot listen on loopback");
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  *port = ntohs(a.sin_port);
  return fd;
}

// Bounded read: gives up after 10 s of silence so a broken test cannot hang.
bool read_some(int fd, std::string& buf) {
  pollfd p{fd, POLLIN, 0};
  if (::poll(&p, 1, 10000) <= 0) return false;
  char tmp[4096];
  ssize_t n = ::read(fd, tmp, sizeof tmp);
  if (n <= 0) return false;
  buf.append(tmp, static_cast<std::size_t>(n));
  return true;
}

void write_all(int fd, const std::string& s) {
  std::size_t off = 0;
  while (off < s.size()) {
    ssize_t n = ::write(fd, s.data() + off, s.size() - off);
    if (n <= 0) return;
    off += static_cast<std::size_t>(n);
  }
}

}  // namespace

HttpStub::HttpStub(int status) {
  fd_ = loopback_listener(&port_);
  thread_ = std::thread([this, status] {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, 20000) <= 0) return;
    int c = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (c < 0) return;
    std::string buf;
    std::size_t end;
    while ((end = buf.find("\r\n\r\n")) == std::string::npos)
      if (!read_some(c, buf)) break;
    if (end != std::string::npos) {
      std::string head = buf.substr(0, end);
      auto sp1 = head.find(' '), sp2 = head.find(' ', sp1 + 1);
      req_.method = head.substr(0, sp1);
      req_.path = head.substr(sp1 + 1, sp2 - sp1 - 1);
      std::size_t length = 0;
      for (const char* h : {"Content-Length: ", "content-length: "})
        if (auto p = head.find(h); p != std::string::npos) length = std::stoul(head.substr(p + 16));
      if (head.find("100-continue") != std::string::npos)
        write_all(c, "HTTP/1.1 100 Continue\r\n\r\n");
      req_.body = buf.substr(end + 4);
      while (req_.body.size() < length)
        if (!read_some(c, req_.body)) break;
    }
    write_all(c, "HTTP/1.1 " + std::to_string(status) +
                     " X\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
    ::close(c);
  });
}

HttpStub::~HttpStub() {
  if (thread_.joinable()) thread_.join();
  ::close(fd_);
}

Request HttpStub::wait() {
  if (thread_.joinable()) thread_.join();
  return req_;
}

std::string http_get(int port, const std::string& path) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(static_cast<uint16_t>(port));
  std::string out;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0) {
    write_all(fd, "GET " + path + " HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n");
    while (read_some(fd, out)) {
    }
  }
  ::close(fd);
  return out;
}

int free_port() {
  int port = 0;
  int fd = loopback_listener(&port);
  ::close(fd);
  return port;
}

}  // namespace dt::metrics::fixtures
