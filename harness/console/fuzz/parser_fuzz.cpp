// libFuzzer target: the parser must survive any byte stream, and feeding it in chunks must
// give exactly what parsing the whole stream gives (in console order).
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "console/parser.hpp"

namespace {

bool same(const dt::console::Report& a, const dt::console::Report& b) {
  return a.kind == b.kind && a.title == b.title && a.guilty_frame == b.guilty_frame &&
         a.text == b.text && a.corrupted == b.corrupted && a.start_offset == b.start_offset &&
         a.end_offset == b.end_offset;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  // The first byte picks the chunk size of the streaming run; the rest is the console.
  const std::size_t step = 1 + data[0] % 61;
  const std::string_view log(reinterpret_cast<const char*>(data) + 1, size - 1);

  const auto whole = dt::console::parse_log(log);
  for (const auto& r : whole) {
    if (r.start_offset > r.end_offset || r.end_offset > log.size()) std::abort();
    if (r.title.empty() || dt::console::to_string(r.kind) == "unknown") std::abort();
  }

  dt::console::Parser p;
  std::vector<dt::console::Report> streamed;
  for (std::size_t i = 0; i < log.size(); i += step) {
    p.feed(log.substr(i, step));
    for (auto& r : p.take_reports()) streamed.push_back(std::move(r));
  }
  p.finish();
  for (auto& r : p.take_reports()) streamed.push_back(std::move(r));

  // parse_log() returns console order; the stream emits a report when it closes.
  std::stable_sort(streamed.begin(), streamed.end(),
                   [](const auto& a, const auto& b) { return a.start_offset < b.start_offset; });
  if (streamed.size() != whole.size()) std::abort();
  for (std::size_t i = 0; i < whole.size(); ++i) {
    if (!same(whole[i], streamed[i])) std::abort();
  }
  return 0;
}
