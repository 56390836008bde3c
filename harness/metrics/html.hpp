#pragma once
// A self-contained HTML summary of a results store (inline SVG, no scripts, no network),
// for users without Grafana: `daxtorture report --html`.
#include <map>
#include <string>

#include "results/store.hpp"

namespace dt::metrics {

// Verdict of each finding title against a baseline ("new", "known", "expected"); without one,
// every unexpected title is new.
using Verdicts = std::map<std::string, std::string>;
std::string render_html(const results::Store& store, const Verdicts* verdicts = nullptr);

}  // namespace dt::metrics
