#pragma once
// A one-request HTTP server on a loopback port, standing in for a Pushgateway or a scraper
// peer in unit tests; and a tiny GET client for the live endpoint.
#include <string>
#include <thread>

namespace dt::metrics::fixtures {

struct Request {
  std::string method, path, body;
};

class HttpStub {
 public:
  explicit HttpStub(int status);  // answers the one request with this status
  ~HttpStub();
  HttpStub(const HttpStub&) = delete;
  HttpStub& operator=(const HttpStub&) = delete;
  int port() const { return port_; }
  Request wait();  // joins the server thread

 private:
  int fd_ = -1, port_ = 0;
  Request req_;
  std::thread thread_;
};

// GET http://127.0.0.1:port/path; returns the whole response (headers and body).
std::string http_get(int port, const std::string& path);
// A loopback port nothing listens on right now.
int free_port();

}  // namespace dt::metrics::fixtures
