#include "metrics/metrics.hpp"

#include <fmt/format.h>
#include <prometheus/exposer.h>

#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <set>

#include "metrics/exposition.hpp"
#include "metrics/families.hpp"
#include "metrics/labels.hpp"
#include "metrics/push.hpp"
#include "util/error.hpp"

namespace dt::metrics {
namespace pm = prometheus;

namespace {

// "9464" or ":9464" -> loopback: the endpoint is opened to the network only on request.
std::string listen_address(const std::string& listen) {
  if (listen.find(':') == std::string::npos) return "127.0.0.1:" + listen;
  if (listen.front() == ':') return "127.0.0.1" + listen;
  return listen;
}

double now_s() {
  using namespace std::chrono;
  return duration<double>(system_clock::now().time_since_epoch()).count();
}

std::string format_le(double v) {
  if (v == std::numeric_limits<double>::infinity()) return "+Inf";
  return fmt::format("{}", v);
}

}  // namespace

struct Metrics::Impl {
  Options opt;
  std::shared_ptr<pm::Registry> registry = std::make_shared<pm::Registry>();
  Families fam{*registry};
  std::shared_ptr<LabelledView> labelled;  // campaign/shard added: live endpoint and textfile
  std::unique_ptr<pm::Exposer> exposer;

  mutable std::mutex mu;  // runner threads report concurrently
  std::set<std::string> running;
  // Iterations/faults reported by progress() that no finished run has accounted for yet.
  std::map<std::pair<std::string, std::string>, std::pair<std::uint64_t, std::uint64_t>> live;
  std::map<std::string, std::pair<double, double>> seen;  // hash -> first, last
  std::optional<bool> success;

  pm::Labels grouping_labels() const {
    pm::Labels l{{"campaign", or_unknown(opt.campaign)}};
    if (!opt.shard.empty()) l["shard"] = opt.shard;
    return l;
  }
};

Metrics::Metrics(Options o) : impl_(std::make_unique<Impl>()) {
  impl_->opt = std::move(o);
  impl_->labelled = std::make_shared<LabelledView>(impl_->registry, impl_->grouping_labels());
  impl_->fam.build_info.Add({{"version", DAXTORTURE_VERSION}}).Set(1);
  impl_->fam.vms_running.Add({}).Set(0);
  if (!impl_->opt.listen.empty()) {
    auto addr = listen_address(impl_->opt.listen);
    try {
      impl_->exposer = std::make_unique<pm::Exposer>(addr, 1);
    } catch (const std::exception& e) {
      throw InfraError(fmt::format("--metrics-listen {}: cannot listen: {}", addr, e.what()));
    }
    impl_->exposer->RegisterCollectable(impl_->labelled);
  }
}

Metrics::~Metrics() = default;

void Metrics::run_started(const std::string& cell_id) {
  std::lock_guard lock(impl_->mu);
  impl_->running.insert(cell_id);
  impl_->fam.vms_running.Add({}).Set(static_cast<double>(impl_->running.size()));
}

void Metrics::progress(const std::string& fs, const std::string& workload,
                       std::uint64_t iterations_delta, std::uint64_t faults_delta) {
  std::lock_guard lock(impl_->mu);
  pm::Labels l{{"fs", or_unknown(fs)}, {"workload", or_unknown(workload)}};
  impl_->fam.iterations.Add(l).Increment(static_cast<double>(iterations_delta));
  impl_->fam.faults.Add(l).Increment(static_cast<double>(faults_delta));
  auto& pending = impl_->live[{l["fs"], l["workload"]}];
  pending.first += iterations_delta;
  pending.second += faults_delta;
}

void Metrics::observe_run(const results::RunRecord& r, bool new_findings_known_by_baseline) {
  std::lock_guard lock(impl_->mu);
  auto& f = impl_->fam;
  impl_->running.erase(r.cell_id);
  f.vms_running.Add({}).Set(static_cast<double>(impl_->running.size()));

  const auto fs = or_unknown(r.fs), wl = or_unknown(r.workload), kernel = kernel_flavour(r.kernel);
  f.runs
      .Add({{"fs", fs},
            {"workload", wl},
            {"injector", injector_set(r.injectors)},
            {"kernel", kernel},
            {"kernel_version", or_unknown(r.kernel_release)},
            {"status", results::to_string(r.status)}})
      .Increment();

  // Only what progress() has not already counted for this fs/workload.
  auto& pending = impl_->live[{fs, wl}];
  auto unreported = [](std::uint64_t total, std::uint64_t& reported) {
    auto covered = std::min(total, reported);
    reported -= covered;
    return static_cast<double>(total - covered);
  };
  f.iterations.Add({{"fs", fs}, {"workload", wl}})
      .Increment(unreported(r.iterations, pending.first));
  f.faults.Add({{"fs", fs}, {"workload", wl}}).Increment(unreported(r.faults, pending.second));

  pm::Labels cell{{"fs", fs}, {"workload", wl}, {"kernel", kernel}};
  f.checks.Add(cell).Increment(static_cast<double>(r.checks));
  f.checks_failed.Add(cell).Increment(static_cast<double>(r.failed_checks));
  for (const auto& [injector, n] : injections_by_injector(r.injections))
    f.injections.Add({{"fs", fs}, {"workload", wl}, {"injector", injector}})
        .Increment(static_cast<double>(n));

  // A run that never booted (skip, early error) has no timings: a zero would skew them.
  if (r.boot_to_ready_s > 0)
    f.boot_to_ready.Add({{"fs", fs}, {"kernel", kernel}}, boot_buckets())
        .Observe(r.boot_to_ready_s);
  if (r.total_s > 0) f.run_duration.Add(cell, duration_buckets()).Observe(r.total_s);
  if (r.workload_s > 0)
    f.workload_duration.Add({{"fs", fs}, {"workload", wl}}, duration_buckets())
        .Observe(r.workload_s);

  double at = parse_utc(r.finished_at).value_or(parse_utc(r.started_at).value_or(now_s()));
  for (const auto& finding : r.findings) {
    auto hash = finding.hash();
    auto category = oracle::to_string(finding.category);
    auto kind = or_unknown(finding.kind);
    f.findings
        .Add({{"fs", fs},
              {"workload", wl},
              {"kernel", kernel},
              {"category", category},
              {"kind", kind},
              {"hash", hash},
              {"novelty", novelty(finding, new_findings_known_by_baseline)}})
        .Increment();
    // The title lives on one series per hash, so the counters stay bounded by the hash.
    f.finding_info
        .Add({{"hash", hash},
              {"category", category},
              {"kind", kind},
              {"title", bounded_title(finding.title)}})
        .Set(1);
    auto [it, fresh] = impl_->seen.try_emplace(hash, at, at);
    it->second.first = std::min(it->second.first, at);
    it->second.second = std::max(it->second.second, at);
    f.finding_first_seen.Add({{"hash", hash}}).Set(it->second.first);
    f.finding_last_seen.Add({{"hash", hash}}).Set(it->second.second);
  }
}

void Metrics::campaign_finished(bool success) {
  std::lock_guard lock(impl_->mu);
  impl_->success = success;
  if (success) last_success_family(*impl_->registry).Add({}).Set(now_s());
}

void Metrics::deliver() {
  std::vector<std::string> errors;
  if (!impl_->opt.textfile.empty()) {
    try {
      write_textfile(impl_->opt.textfile, to_text(impl_->labelled->Collect()));
    } catch (const std::exception& e) {
      errors.push_back(e.what());
    }
  }
  if (!impl_->opt.pushgateway.empty()) {
    // After a successful campaign: PUT (PushAdd() in prometheus-cpp 1.0.1), which replaces the
    // whole group, so the group holds exactly this campaign's results and a finding or cell
    // from an earlier run of the same campaign does not linger. After a failed or unfinished
    // one: POST (Push()), which replaces only the families sent; the success timestamp is not
    // sent (its family is registered only on success), so the previous success survives.
    bool replace_group;
    {
      std::lock_guard lock(impl_->mu);
      replace_group = impl_->success.value_or(false);
    }
    try {
      push_to_gateway(impl_->opt.pushgateway, impl_->opt.job, impl_->grouping_labels(),
                      impl_->registry, replace_group);
    } catch (const std::exception& e) {
      errors.push_back(e.what());
    }
  }
  if (errors.empty()) return;
  std::string msg = "metrics delivery failed: " + errors.front();
  for (std::size_t i = 1; i < errors.size(); ++i) msg += "; " + errors[i];
  throw InfraError(msg);
}

std::string Metrics::exposition() const {
  return to_text(impl_->registry->Collect());
}

void Metrics::save_to(results::Store& store, const std::string& run_id_or_campaign) {
  for (const auto& family : impl_->registry->Collect()) {
    for (const auto& m : family.metric) {
      nlohmann::json labels = nlohmann::json::object();
      for (const auto& l : m.label) labels[l.name] = l.value;
      auto add = [&](const std::string& name, const nlohmann::json& l, double v) {
        store.add_metric(run_id_or_campaign, name, l, v);
      };
      switch (family.type) {
        case pm::MetricType::Counter:
          add(family.name, labels, m.counter.value);
          break;
        case pm::MetricType::Gauge:
          add(family.name, labels, m.gauge.value);
          break;
        case pm::MetricType::Untyped:
          add(family.name, labels, m.untyped.value);
          break;
        case pm::MetricType::Summary:
          add(family.name + "_sum", labels, m.summary.sample_sum);
          add(family.name + "_count", labels, static_cast<double>(m.summary.sample_count));
          break;
        case pm::MetricType::Histogram:
          for (const auto& b : m.histogram.bucket) {
            auto l = labels;
            l["le"] = format_le(b.upper_bound);
            add(family.name + "_bucket", l, static_cast<double>(b.cumulative_count));
          }
          add(family.name + "_sum", labels, m.histogram.sample_sum);
          add(family.name + "_count", labels, static_cast<double>(m.histogram.sample_count));
          break;
      }
    }
  }
}

}  // namespace dt::metrics
