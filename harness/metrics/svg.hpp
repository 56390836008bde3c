#pragma once
// Minimal inline SVG charts for the static HTML summary: no scripts, no external resources,
// so the page opens from a mail attachment or a CI artifact as it is.
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace dt::metrics::svg {

std::string escape(std::string_view text);  // for HTML text and attribute values

struct Bar {
  std::string label;
  double value = 0;
};
// Horizontal bars, one per label, each with its value printed after it.
std::string bar_chart(const std::vector<Bar>& bars, const std::string& unit);

struct Segment {
  std::string name;  // legend entry (a status)
  std::string color;
};
struct Stack {
  std::string label;
  std::vector<double> values;  // one per segment
};
// Horizontal stacked bars with a legend.
std::string stacked_bar_chart(const std::vector<Segment>& segments,
                              const std::vector<Stack>& stacks);

struct Line {
  std::string name;
  std::vector<double> values;  // y per x index
};
// Lines over a shared x index (run order), y from 0, with a legend.
std::string line_chart(const std::vector<Line>& lines, const std::string& unit);

}  // namespace dt::metrics::svg
