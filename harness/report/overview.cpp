#include "report/overview.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "report/dates.hpp"

namespace dt::report {

Overview overview(const results::Store& store, const Baseline* baseline, int fixed_after_nights) {
  Overview o;
  o.dir = store.dir().string();
  o.campaign = store.meta("campaign");
  o.runs = store.runs();
  for (auto& r : o.runs) ++o.by_status[r.status];
  if (o.campaign.empty() && !o.runs.empty()) o.campaign = o.runs.front().campaign;

  Classified c = classify(o.runs, baseline);
  o.exit_code = exit_code(o.runs, c);
  std::map<std::string, TitleInfo> worst;
  // Verdict order is Fresh < Known < Expected: a title takes the worst of its occurrences.
  auto note = [&](auto& bucket, Verdict v) {
    for (auto& [r, f] : bucket) {
      TitleInfo& t = worst[f->title];
      t.verdict = std::min(t.verdict, v);
      if (v == Verdict::Known && !t.entry)
        t.entry = baseline->match(*f, r->fs, r->kernel_release, r->workload);
    }
  };
  note(c.expected, Verdict::Expected);
  note(c.known, Verdict::Known);
  note(c.fresh, Verdict::Fresh);
  for (auto& s : store.findings()) {
    TitleInfo t = worst.count(s.title) ? worst[s.title] : TitleInfo{};
    t.summary = s;
    (t.verdict == Verdict::Fresh ? o.fresh : t.verdict == Verdict::Known ? o.known : o.expected)++;
    o.findings.push_back(std::move(t));
  }

  o.today = latest_run_date(o.runs);
  if (baseline) {
    o.unseen = unseen(*baseline, o.runs);
    for (auto& e : o.unseen) {
      auto days = days_between(e.last_seen, o.today);
      o.possibly_fixed.push_back(e.last_seen.empty() || !days || *days >= fixed_after_nights);
    }
  }
  return o;
}

std::string shell_quote(const std::string& s) {
  if (!s.empty() && s.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                        "0123456789_./-+:=,@%") == std::string::npos)
    return s;
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

std::string percent(int k, int n) {
  return n > 0 ? fmt::format("{:.1f}%", 100.0 * k / n) : std::string("-");
}

}  // namespace dt::report
