#include "image/patches.hpp"

#include <fmt/format.h>

#include "util/error.hpp"
#include "util/process.hpp"

namespace dt::image {
namespace fs = std::filesystem;

namespace {

// patch --quiet's complaints ("1 out of 2 hunks FAILED", ...) on one line.
std::string one_line(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  for (std::size_t nl; (nl = s.find('\n')) != std::string::npos;) s.replace(nl, 1, "; ");
  return s;
}

}  // namespace

AppliedPatches::AppliedPatches(const fs::path& src, const std::vector<fs::path>& patches)
    : src_(src) {
  for (const auto& p : patches) {
    // A dry run first: a patch that fails half-way would leave the cached tree half-patched
    // (and .rej files) for every later build.
    std::vector<std::string> argv = {"patch",   "-d",        src.string(),
                                     "-p1",     "--forward", "--batch",
                                     "--quiet", "-i",        fs::absolute(p).string()};
    auto dry = argv;
    dry.emplace_back("--dry-run");
    auto r = run_capture(dry);
    if (r.status.ok()) r = run_capture(argv);
    if (!r.status.ok()) {
      revert();
      throw UsageError(fmt::format("patch {} does not apply to {} ({})", p.string(), src.string(),
                                   one_line(r.output)));
    }
    applied_.push_back(fs::absolute(p));
  }
}

AppliedPatches::~AppliedPatches() {
  revert();
}

void AppliedPatches::revert() {
  for (auto it = applied_.rbegin(); it != applied_.rend(); ++it)
    run_capture(
        {"patch", "-d", src_.string(), "-p1", "-R", "--batch", "--quiet", "-i", it->string()});
  applied_.clear();
}

}  // namespace dt::image
