#include "metrics/svg.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "util/xml.hpp"

namespace dt::metrics::svg {
namespace {

constexpr int kWidth = 720, kLabelW = 260, kRowH = 22, kPad = 8;
const char* kPalette[] = {"#3274d9", "#e0752d", "#56a64b", "#a352cc",
                          "#f2cc0c", "#8ab8ff", "#c4162a"};

std::string fmt_value(double v) {
  if (v == static_cast<long long>(v)) return fmt::format("{}", static_cast<long long>(v));
  return fmt::format("{:.2f}", v);
}

std::string clip(const std::string& s, std::size_t n = 40) {
  return s.size() <= n ? s : s.substr(0, n - 3) + "...";
}

}  // namespace

std::string escape(std::string_view text) {
  return xml::attr(text);  // the one escaper (util/xml.hpp): safe in content and attributes
}

std::string bar_chart(const std::vector<Bar>& bars, const std::string& unit) {
  if (bars.empty()) return "<p class=\"empty\">no data</p>\n";
  double max = 0;
  for (const auto& b : bars) max = std::max(max, b.value);
  const int plot = kWidth - kLabelW - 90;
  std::string s =
      fmt::format(R"(<svg xmlns="http://www.w3.org/2000/svg" width="{}" height="{}" role="img">)",
                  kWidth, static_cast<int>(bars.size()) * kRowH + 2 * kPad);
  s += "\n";
  for (std::size_t i = 0; i < bars.size(); ++i) {
    int y = kPad + static_cast<int>(i) * kRowH;
    int w = max > 0 ? static_cast<int>(bars[i].value / max * plot) : 0;
    s += fmt::format(
        R"(<text x="{}" y="{}" text-anchor="end"><title>{}</title>{}</text><rect x="{}" y="{}" width="{}" height="{}" fill="{}"/><text x="{}" y="{}">{} {}</text>)",
        kLabelW - 6, y + 15, escape(bars[i].label), escape(clip(bars[i].label)), kLabelW, y + 3,
        std::max(w, 1), kRowH - 6, kPalette[0], kLabelW + w + 6, y + 15, fmt_value(bars[i].value),
        escape(unit));
    s += "\n";
  }
  return s + "</svg>\n";
}

std::string stacked_bar_chart(const std::vector<Segment>& segments,
                              const std::vector<Stack>& stacks) {
  if (stacks.empty()) return "<p class=\"empty\">no data</p>\n";
  double max = 0;
  for (const auto& st : stacks) {
    double sum = 0;
    for (double v : st.values) sum += v;
    max = std::max(max, sum);
  }
  const int plot = kWidth - kLabelW - 60;
  const int legend_h = kRowH;
  std::string s =
      fmt::format(R"(<svg xmlns="http://www.w3.org/2000/svg" width="{}" height="{}" role="img">)",
                  kWidth, legend_h + static_cast<int>(stacks.size()) * kRowH + 2 * kPad);
  s += "\n";
  for (std::size_t k = 0; k < segments.size(); ++k) {
    int x = kLabelW + static_cast<int>(k) * 100;
    s += fmt::format(
        R"(<rect x="{}" y="{}" width="12" height="12" fill="{}"/><text x="{}" y="{}">{}</text>)", x,
        kPad, segments[k].color, x + 16, kPad + 11, escape(segments[k].name));
  }
  s += "\n";
  for (std::size_t i = 0; i < stacks.size(); ++i) {
    int y = kPad + legend_h + static_cast<int>(i) * kRowH;
    s += fmt::format(R"(<text x="{}" y="{}" text-anchor="end">{}</text>)", kLabelW - 6, y + 15,
                     escape(clip(stacks[i].label)));
    double x = kLabelW, total = 0;
    for (std::size_t k = 0; k < segments.size() && k < stacks[i].values.size(); ++k) {
      double v = stacks[i].values[k];
      total += v;
      if (v <= 0) continue;
      double w = max > 0 ? v / max * plot : 0;
      s += fmt::format(
          R"(<rect x="{:.1f}" y="{}" width="{:.1f}" height="{}" fill="{}"><title>{}: {}</title></rect>)",
          x, y + 3, w, kRowH - 6, segments[k].color, escape(segments[k].name), fmt_value(v));
      x += w;
    }
    s += fmt::format(R"(<text x="{:.1f}" y="{}">{}</text>)", x + 6, y + 15, fmt_value(total));
    s += "\n";
  }
  return s + "</svg>\n";
}

std::string line_chart(const std::vector<Line>& lines, const std::string& unit) {
  std::size_t n = 0;
  double max = 0;
  for (const auto& l : lines) {
    n = std::max(n, l.values.size());
    for (double v : l.values) max = std::max(max, v);
  }
  if (n == 0) return "<p class=\"empty\">no data</p>\n";
  const int h = 220, left = 60, top = kPad + kRowH, plot_w = kWidth - left - 20,
            plot_h = h - top - 30;
  auto px = [&](std::size_t i) {
    return left + (n > 1 ? static_cast<double>(i) / (n - 1) * plot_w : plot_w / 2.0);
  };
  auto py = [&](double v) { return top + plot_h - (max > 0 ? v / max * plot_h : 0); };
  std::string s = fmt::format(
      R"(<svg xmlns="http://www.w3.org/2000/svg" width="{}" height="{}" role="img">)", kWidth, h);
  s += fmt::format(
      R"(<line x1="{0}" y1="{1}" x2="{0}" y2="{2}" stroke="#888"/><line x1="{0}" y1="{2}" x2="{3}" y2="{2}" stroke="#888"/>)",
      left, top, top + plot_h, left + plot_w);
  s += fmt::format(
      R"(<text x="{}" y="{}" text-anchor="end">{} {}</text><text x="{}" y="{}" text-anchor="end">0</text>)",
      left - 4, top + 4, fmt_value(max), escape(unit), left - 4, top + plot_h);
  s += fmt::format(R"(<text x="{}" y="{}" text-anchor="end">run order</text>)", left + plot_w,
                   h - 8);
  s += "\n";
  for (std::size_t k = 0; k < lines.size(); ++k) {
    const char* color = kPalette[k % std::size(kPalette)];
    int lx = left + static_cast<int>(k) * 110;
    s += fmt::format(
        R"(<rect x="{}" y="{}" width="12" height="12" fill="{}"/><text x="{}" y="{}">{}</text>)",
        lx, kPad, color, lx + 16, kPad + 11, escape(clip(lines[k].name, 14)));
    std::string pts;
    for (std::size_t i = 0; i < lines[k].values.size(); ++i)
      pts += fmt::format("{:.1f},{:.1f} ", px(i), py(lines[k].values[i]));
    s += fmt::format(R"(<polyline fill="none" stroke="{}" stroke-width="2" points="{}"/>)", color,
                     pts);
    for (std::size_t i = 0; i < lines[k].values.size(); ++i)
      s += fmt::format(
          R"(<circle cx="{:.1f}" cy="{:.1f}" r="3" fill="{}"><title>{} #{}: {} {}</title></circle>)",
          px(i), py(lines[k].values[i]), color, escape(lines[k].name), i + 1,
          fmt_value(lines[k].values[i]), escape(unit));
    s += "\n";
  }
  return s + "</svg>\n";
}

}  // namespace dt::metrics::svg
