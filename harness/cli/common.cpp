#include "cli/common.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <cstdio>

#include "selftest/mutants.hpp"
#include "util/error.hpp"
#include "util/paths.hpp"

namespace dt::cli {

void ImageOptions::add_to(CLI::App& app, bool with_build_flags) {
  app.add_option("--flavour", flavour, "kernel flavour: default or kasan")
      ->check(CLI::IsMember({"default", "kasan"}));
  app.add_option("--kernel", kernel, "use a prebuilt bzImage instead of building one");
  app.add_option("--kernel-src", kernel_src,
                 "build your own kernel tree (git) with our config fragments");
  app.add_option("--patch", patches, "patch to apply to Debian's linux-source-6.1 (repeatable)");
  if (with_build_flags) app.add_option("-j,--build-jobs", jobs, "make -j for the kernel build");
}

image::BuildRequest ImageOptions::request() const {
  image::BuildRequest r;
  r.flavour = flavour;
  r.kernel = kernel;
  r.kernel_src = kernel_src;
  for (auto& p : patches) r.patches.emplace_back(p);
  r.jobs = jobs;
  return r;
}

image::BuildRequest request_for_kernel(const std::string& kernel,
                                       const std::filesystem::path& catalogue) {
  image::BuildRequest r;
  if (kernel == "default" || kernel == "kasan") {
    r.flavour = kernel;
  } else if (kernel.rfind("mutant:", 0) == 0) {
    auto m = selftest::find_mutant(
        selftest::load_mutants(catalogue.empty() ? selftest::default_mutants_file() : catalogue),
        kernel.substr(7));
    r.patches.push_back(m.patch);
    r.label = kernel;
  } else {
    r.kernel = kernel;
  }
  return r;
}

image::Image ensure_image(const image::BuildRequest& req, bool build, bool quiet) {
  image::ImageStore store;
  if (auto hit = store.find(req)) return *hit;
  if (!build)
    throw InfraError(fmt::format("image not built for flavour '{}' (run: daxtorture image build{})",
                                 req.flavour,
                                 req.flavour == "default" ? "" : " --flavour " + req.flavour));
  if (!quiet) info("image not cached; building it (a cold kernel build takes ~11 min on 2 cores)");
  return store.build(req, [quiet](const std::string& s) {
    if (!quiet) info("image: " + s);
  });
}

std::string resolve_baseline(const std::string& option) {
  if (option == "none" || option.empty()) return "";
  if (option != "auto") return option;
  // Entries are scoped by kernel release, so the clean-kernel baselines apply to any kernel
  // we run: a 6.1 entry never matches a 6.12 run.
  auto shipped = source_dir() / "baselines" / "6.1-clean.yaml";
  return std::filesystem::exists(shipped) ? shipped.string() : "";
}

vm::AccelChoice choose_accel(const std::string& accel, const image::Image& img) {
  return vm::resolve_accel(vm::parse_accel(accel), img.kernel, cache_dir());
}

void info(const std::string& line) {
  std::fprintf(stderr, "%s\n", line.c_str());
  std::fflush(stderr);
}

std::string human_seconds(double s) {
  if (s < 60) return fmt::format("{:.1f}s", s);
  int m = static_cast<int>(s) / 60;
  return fmt::format("{}m{:02}s", m, static_cast<int>(s) % 60);
}

}  // namespace dt::cli
