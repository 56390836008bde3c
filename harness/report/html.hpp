#pragma once
// A plain, self-contained HTML page of a store: the fallback for `report --html` when the
// metrics module (with its charts) is not built.
#include <string>

#include "report/baseline.hpp"
#include "results/store.hpp"

namespace dt::report {

std::string html_page(const results::Store&, const Baseline*);

}  // namespace dt::report
