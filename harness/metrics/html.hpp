#pragma once
// A self-contained HTML summary of a results store (inline SVG, no scripts, no network),
// for users without Grafana: `daxtorture report --html`.
#include <string>

#include "results/store.hpp"

namespace dt::metrics {

std::string render_html(const results::Store& store);

}  // namespace dt::metrics
