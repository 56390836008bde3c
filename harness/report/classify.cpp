#include "report/classify.hpp"

#include "protocol/exit_codes.hpp"

namespace dt::report {

std::string to_string(Verdict v) {
  switch (v) {
    case Verdict::Fresh:
      return "new";
    case Verdict::Known:
      return "known";
    case Verdict::Expected:
      return "expected";
  }
  return "?";
}

Verdict verdict(const results::RunRecord& run, const oracle::Finding& f, const Baseline* baseline) {
  if (f.expected) return Verdict::Expected;
  if (baseline && baseline->known(f, run.fs, run.kernel_release, run.workload))
    return Verdict::Known;
  return Verdict::Fresh;
}

Classified classify(const std::vector<results::RunRecord>& runs, const Baseline* baseline) {
  Classified c;
  for (auto& r : runs)
    for (auto& f : r.findings) {
      auto& bucket = [&]() -> auto& {
        switch (verdict(r, f, baseline)) {
          case Verdict::Expected:
            return c.expected;
          case Verdict::Known:
            return c.known;
          default:
            return c.fresh;
        }
      }
      ();
      bucket.emplace_back(&r, &f);
    }
  return c;
}

int exit_code(const std::vector<results::RunRecord>& runs, const Classified& c) {
  bool infra = false;
  for (auto& [r, f] : c.fresh) {
    if (f->category != oracle::Category::Infra) return protocol::kFindings;
    infra = true;
  }
  for (auto& r : runs) infra |= r.status == results::Status::Error;
  return infra ? protocol::kInfra : protocol::kClean;
}

}  // namespace dt::report
