#pragma once
// Pushgateway delivery: URL parsing and the grouping key (job + campaign (+ shard)).
#include <prometheus/collectable.h>
#include <prometheus/labels.h>

#include <memory>
#include <string>

namespace dt::metrics {

struct GatewayTarget {
  std::string host;  // scheme://host, as prometheus::Gateway wants it
  std::string port;  // port plus any path prefix ("9091" or "9091/pgw")
};

// "http://127.0.0.1:9091", "https://pgw.example/prefix" or "127.0.0.1:9091".
// Without a port: 9091 (the Pushgateway's) for a bare host, else the scheme's default.
GatewayTarget parse_gateway_url(const std::string& url);

// One grouping-key path element "name/value". Values the Pushgateway cannot take verbatim in a
// path segment (a shard "2/4", an empty value, '+') use its "name@base64/..." form.
std::pair<std::string, std::string> grouping_label(const std::string& name,
                                                   const std::string& value);

// Replace (replace_group) or merge this registry's families into the group; throws
// dt::InfraError naming the URL and the HTTP status or curl error.
void push_to_gateway(const std::string& url, const std::string& job,
                     const prometheus::Labels& grouping_key,
                     const std::shared_ptr<prometheus::Collectable>& metrics, bool replace_group);

}  // namespace dt::metrics
