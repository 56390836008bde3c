#include "cli.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string_view>

namespace dt::workload {
namespace {

bool parse_u64(std::string_view s, uint64_t& out) {
  if (s.empty()) return false;
  const auto r = std::from_chars(s.data(), s.data() + s.size(), out);
  return r.ec == std::errc() && r.ptr == s.data() + s.size();
}

bool parse_double(const std::string& s, double& out) {
  char* end = nullptr;
  out = std::strtod(s.c_str(), &end);
  return !s.empty() && end == s.c_str() + s.size() && std::isfinite(out) && out >= 0;
}

std::vector<std::string> split(const std::string& s) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= s.size()) {
    const size_t comma = s.find(',', start);
    const size_t end = comma == std::string::npos ? s.size() : comma;
    if (end > start) out.push_back(s.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

void usage(const Spec& spec) {
  std::printf(
      "usage: dt-%s --dir DIR [--seed N] [--duration S] [--iterations N] [--threads N]\n"
      "       [--file-size BYTES] [--fill-files N] [--fill-max BYTES] [--keep-files]\n"
      "       [--max-verdicts N]%s%s%s%s%s%s%s\n",
      spec.workload.c_str(), spec.extras & kOps ? " [--ops a,b,...]" : "",
      spec.extras & kDirectIo ? " [--direct-io 0|1]" : "",
      spec.extras & kSyncStorm ? " [--sync-storm 0|1]" : "",
      spec.extras & kPin ? " [--pin odirect,aio,vmsplice]" : "",
      spec.extras & kOpTimeout ? " [--op-timeout S]" : "",
      spec.extras & kAckLog ? " [--ack-log PATH] [--ack-stdout]" : "",
      spec.extras & kVerifyOnly ? " [--verify-only]" : "");
  if (!spec.all_ops.empty()) {
    std::printf("values for --%s:", spec.extras & kPin ? "pin" : "ops");
    for (const auto& o : spec.all_ops) std::printf(" %s", o.c_str());
    std::printf("\n");
  }
}

}  // namespace

std::optional<Options> parse_cli(int argc, char** argv, const Spec& spec) {
  Options o;
  o.workload = spec.workload;
  o.file_size = spec.default_file_size;
  o.threads = spec.default_threads;
  if (spec.extras & kOps) o.ops = spec.all_ops;
  if (spec.extras & kPin) o.pin = spec.all_ops;
  auto fail = [&](const std::string& msg) -> std::optional<Options> {
    std::fprintf(stderr, "dt-%s: %s\n", spec.workload.c_str(), msg.c_str());
    return std::nullopt;
  };
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i], value;
    bool has_value = false;
    if (const size_t eq = arg.find('='); arg.rfind("--", 0) == 0 && eq != std::string::npos) {
      value = arg.substr(eq + 1);
      arg = arg.substr(0, eq);
      has_value = true;
    }
    auto need = [&](const char* name) -> bool {
      if (has_value) return true;
      if (i + 1 >= argc) return false;
      value = argv[++i];
      (void)name;
      return true;
    };
    auto allowed = [&](unsigned flag) { return (spec.extras & flag) != 0; };
    uint64_t u = 0;
    double d = 0;
    if (arg == "--help" || arg == "-h") {
      usage(spec);
      std::exit(0);
    } else if (arg == "--keep-files" && !has_value) {
      o.keep_files = true;
    } else if (arg == "--ack-stdout" && allowed(kAckLog) && !has_value) {
      o.ack_stdout = true;
    } else if (arg == "--verify-only" && allowed(kVerifyOnly) && !has_value) {
      o.verify_only = true;
    } else if (arg == "--dir") {
      if (!need("--dir") || value.empty()) return fail("--dir needs a directory");
      o.dir = value;
    } else if (arg == "--seed") {
      if (!need("--seed") || !parse_u64(value, o.seed)) return fail("--seed needs an integer");
    } else if (arg == "--duration") {
      if (!need("--duration") || !parse_double(value, o.duration))
        return fail("--duration needs seconds (a non-negative number)");
    } else if (arg == "--iterations") {
      if (!need("--iterations") || !parse_u64(value, o.iterations))
        return fail("--iterations needs an integer");
    } else if (arg == "--threads") {
      if (!need("--threads") || !parse_u64(value, u) || u < 1 || u > 256)
        return fail("--threads needs an integer in 1..256");
      o.threads = unsigned(u);
    } else if (arg == "--file-size") {
      if (!need("--file-size") || !parse_u64(value, u) || u < 4096 || u % 4096)
        return fail("--file-size needs a multiple of 4096 bytes");
      o.file_size = u;
    } else if (arg == "--fill-files") {
      if (!need("--fill-files") || !parse_u64(value, u) || u > 64)
        return fail("--fill-files needs an integer in 0..64");
      o.fill_files = unsigned(u);
    } else if (arg == "--fill-max") {
      if (!need("--fill-max") || !parse_u64(value, o.fill_max))
        return fail("--fill-max needs a byte count");
    } else if (arg == "--max-verdicts") {
      if (!need("--max-verdicts") || !parse_u64(value, u)) return fail("--max-verdicts needs N");
      o.max_verdicts = unsigned(std::min<uint64_t>(u, 1u << 20));
    } else if ((arg == "--ops" && allowed(kOps)) || (arg == "--pin" && allowed(kPin))) {
      if (!need(arg.c_str())) return fail(arg + " needs a comma list");
      auto list = split(value);
      if (list.empty()) return fail(arg + " needs a non-empty comma list");
      for (const auto& op : list)
        if (std::find(spec.all_ops.begin(), spec.all_ops.end(), op) == spec.all_ops.end())
          return fail("unknown value '" + op + "' for " + arg);
      (arg == "--ops" ? o.ops : o.pin) = list;
    } else if ((arg == "--direct-io" && allowed(kDirectIo)) ||
               (arg == "--sync-storm" && allowed(kSyncStorm))) {
      if (!need(arg.c_str()) || (value != "0" && value != "1")) return fail(arg + " needs 0 or 1");
      (arg == "--direct-io" ? o.direct_io : o.sync_storm) = value == "1";
    } else if (arg == "--op-timeout" && allowed(kOpTimeout)) {
      if (!need("--op-timeout") || !parse_double(value, d) || d <= 0)
        return fail("--op-timeout needs positive seconds");
      o.op_timeout = d;
    } else if (arg == "--ack-log" && allowed(kAckLog)) {
      if (!need("--ack-log") || value.empty()) return fail("--ack-log needs a path");
      o.ack_log = value;
    } else {
      return fail("unknown or malformed argument '" + std::string(argv[i]) + "' (see --help)");
    }
  }
  if (o.dir.empty()) return fail("--dir DIR is required");
  if (o.verify_only && o.ack_log.empty()) return fail("--verify-only needs --ack-log");
  return o;
}

}  // namespace dt::workload
