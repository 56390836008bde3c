#include "metrics/push.hpp"

#include <fmt/format.h>
#include <prometheus/gateway.h>

#include <algorithm>

#include "util/error.hpp"

namespace dt::metrics {
namespace {

bool path_safe(const std::string& v) {
  return !v.empty() && std::all_of(v.begin(), v.end(), [](unsigned char c) {
    return std::isalnum(c) || c == '.' || c == '_' || c == '-';
  });
}

// RFC 4648 section 5 (URL- and path-safe), which the Pushgateway accepts in @base64 segments.
std::string base64url(const std::string& in) {
  static const char* k = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  std::size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    unsigned v =
        (unsigned char)in[i] << 16 | (unsigned char)in[i + 1] << 8 | (unsigned char)in[i + 2];
    out += {k[v >> 18 & 63], k[v >> 12 & 63], k[v >> 6 & 63], k[v & 63]};
  }
  if (i + 1 == in.size()) {
    unsigned v = (unsigned char)in[i] << 16;
    out += {k[v >> 18 & 63], k[v >> 12 & 63], '=', '='};
  } else if (i + 2 == in.size()) {
    unsigned v = (unsigned char)in[i] << 16 | (unsigned char)in[i + 1] << 8;
    out += {k[v >> 18 & 63], k[v >> 12 & 63], k[v >> 6 & 63], '='};
  }
  return out.empty() ? "=" : out;  // "=" is the Pushgateway's spelling of an empty value
}

}  // namespace

GatewayTarget parse_gateway_url(const std::string& url) {
  std::string rest = url, scheme;
  if (auto p = rest.find("://"); p != std::string::npos) {
    scheme = rest.substr(0, p);
    rest = rest.substr(p + 3);
  }
  if (!scheme.empty() && scheme != "http" && scheme != "https")
    throw UsageError(fmt::format("--pushgateway {}: only http and https URLs are supported", url));
  std::string path;
  if (auto p = rest.find('/'); p != std::string::npos) {
    path = rest.substr(p);
    rest = rest.substr(0, p);
  }
  while (!path.empty() && path.back() == '/') path.pop_back();
  std::string host = rest, port;
  // The last ':' outside an IPv6 literal "[::1]" separates the port.
  if (auto p = rest.rfind(':'); p != std::string::npos && rest.find(']', p) == std::string::npos) {
    host = rest.substr(0, p);
    port = rest.substr(p + 1);
  }
  if (host.empty()) throw UsageError(fmt::format("--pushgateway {}: no host", url));
  if (port.empty()) port = scheme.empty() ? "9091" : (scheme == "https" ? "443" : "80");
  if (!std::all_of(port.begin(), port.end(), ::isdigit))
    throw UsageError(fmt::format("--pushgateway {}: bad port '{}'", url, port));
  return {(scheme.empty() ? "http" : scheme) + "://" + host, port + path};
}

std::pair<std::string, std::string> grouping_label(const std::string& name,
                                                   const std::string& value) {
  if (path_safe(value)) return {name, value};
  return {name + "@base64", base64url(value)};
}

void push_to_gateway(const std::string& url, const std::string& job,
                     const prometheus::Labels& grouping_key,
                     const std::shared_ptr<prometheus::Collectable>& metrics, bool replace_group) {
  if (!path_safe(job))
    throw InfraError(fmt::format("pushgateway: job name '{}' must be letters, digits, . _ -", job));
  auto target = parse_gateway_url(url);
  prometheus::Labels key;
  for (const auto& [k, v] : grouping_key) key.insert(grouping_label(k, v));
  prometheus::Gateway gw(target.host, target.port, job, key);
  gw.RegisterCollectable(metrics);
  // prometheus-cpp 1.0.1 has the names the other way round from the Pushgateway docs:
  // PushAdd() sends PUT (replace every family in the group), Push() sends POST (replace only
  // the families in the body). See Metrics::deliver() for which one we use when.
  int status = replace_group ? gw.PushAdd() : gw.Push();
  if (status < 0)
    throw InfraError(fmt::format(
        "pushgateway {}: transfer failed (curl error {}{}); is the Pushgateway running?", url,
        -status, -status == 7 ? ": could not connect" : (-status == 6 ? ": unknown host" : "")));
  if (status < 200 || status >= 300)
    throw InfraError(fmt::format("pushgateway {}: push rejected with HTTP {} (job {}{})", url,
                                 status, job,
                                 status == 400 ? ": the pushed metrics are inconsistent with "
                                                 "what the gateway already holds"
                                               : ""));
}

}  // namespace dt::metrics
