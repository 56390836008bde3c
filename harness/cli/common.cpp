#include "cli/common.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <cstdio>

#include "image/kernel_name.hpp"
#include "selftest/mutants.hpp"
#include "util/error.hpp"
#include "util/paths.hpp"
#include "util/tempdir.hpp"

namespace dt::cli {

void ImageOptions::add_to(CLI::App& app, bool with_build_flags) {
  app.add_option("--flavour", flavour, "kernel flavour: default or kasan")
      ->check(CLI::IsMember({"default", "kasan"}));
  app.add_option("--kernel", kernel,
                 "kernel: default, kasan, 6.1[-kasan], 6.12[-kasan], mutant:<id>[@<kernel>], "
                 "patch:FILE[@<kernel>], src:PATH (your git tree) or a prebuilt bzImage path");
  app.add_option("--kernel-src", kernel_src,
                 "build your own kernel tree (git) with our config fragments");
  app.add_option("--patch", patches,
                 "patch to apply to the Debian kernel source (6.1 unless --kernel; repeatable)");
  if (with_build_flags) app.add_option("-j,--build-jobs", jobs, "make -j for the kernel build");
}

namespace {

void use_debian_kernel(image::BuildRequest& r, const image::BuiltinKernel& k) {
  r.flavour = k.flavour;
  r.tarball = std::string(k.debian->tarball);
  r.source_package = std::string(k.debian->package);
  if (k.debian != &image::default_debian_kernel()) r.label = k.canonical();
}

bool names_a_file(const std::string& kernel) {
  return kernel.find('/') != std::string::npos || std::filesystem::is_regular_file(kernel);
}

}  // namespace

image::BuildRequest ImageOptions::request() const {
  image::BuildRequest r;
  r.flavour = flavour;
  // --kernel names a built-in kernel, a mutant or a bzImage; a bare version ("6.12") takes
  // --flavour, any other name says its flavour itself.
  if (!kernel.empty()) {
    auto k = image::parse_builtin_kernel(kernel);
    bool bare_version = k && kernel == k->debian->version;
    if (bare_version) k->flavour = flavour;
    r = request_for_kernel(k ? k->canonical() : kernel);
  }
  if (!kernel_src.empty()) r.kernel_src = kernel_src;
  for (auto& p : patches) r.patches.emplace_back(p);
  r.jobs = jobs;
  return r;
}

image::BuildRequest request_for_kernel(const std::string& kernel,
                                       const std::filesystem::path& catalogue) {
  image::BuildRequest r;
  if (auto k = image::parse_builtin_kernel(kernel)) {
    use_debian_kernel(r, *k);
  } else if (kernel.rfind("mutant:", 0) == 0) {
    // mutant:<id> patches the default Debian kernel, mutant:<id>@<kernel> another built-in one.
    const auto name = image::parse_mutant_name(kernel);
    if (!name.error.empty()) throw UsageError(name.error);
    auto m = selftest::find_mutant(
        selftest::load_mutants(catalogue.empty() ? selftest::default_mutants_file() : catalogue),
        name.on.what);
    use_debian_kernel(r, name.on.base);
    r.patches.push_back(selftest::patch_for(m, std::string(name.on.base.debian->version)));
    r.label = kernel;
  } else if (kernel.rfind("patch:", 0) == 0) {
    // patch:FILE[@<kernel>]: a Debian kernel with the user's patch (applied for the build).
    auto on = image::split_on_kernel(std::string_view(kernel).substr(6));
    use_debian_kernel(r, on.base);
    if (!std::filesystem::is_regular_file(on.what))
      throw UsageError(fmt::format("kernel '{}': patch '{}' not found", kernel, on.what));
    r.patches.emplace_back(on.what);
    r.label = kernel;
  } else if (kernel.rfind("src:", 0) == 0) {
    r.kernel_src = kernel.substr(4);
    r.label = kernel;
  } else if (names_a_file(kernel)) {
    r.kernel = kernel;
  } else {
    std::string names;
    for (auto& n : image::builtin_kernel_names()) names += n + ", ";
    throw UsageError(
        fmt::format("unknown kernel '{}' (one of {}mutant:<id>[@<kernel>], patch:FILE[@<kernel>], "
                    "src:PATH or a bzImage path)",
                    kernel, names));
  }
  return r;
}

image::Image ensure_image(const image::BuildRequest& req, bool build, bool quiet) {
  image::ImageStore store;
  // Without its Debian source the key cannot be computed; build() installs the package.
  bool source_missing =
      req.kernel.empty() && req.kernel_src.empty() && !std::filesystem::exists(req.tarball);
  if (!source_missing)
    if (auto hit = store.find(req)) return *hit;
  const std::string name = req.label.empty() ? req.flavour : req.label;
  if (!build)
    throw InfraError(fmt::format("image not built for kernel '{}' (run: daxtorture image build{})",
                                 name, name == "default" ? "" : " --kernel " + name));
  if (!quiet) info("image not cached; building it (a cold kernel build takes ~11 min on 2 cores)");
  return store.build(req, [quiet](const std::string& s) {
    if (!quiet) info("image: " + s);
  });
}

std::string resolve_baseline(const std::string& option) {
  if (option == "none" || option.empty()) return "";
  if (option != "auto") return option;
  // Every shipped per-kernel baseline: entries are scoped by kernel release, so a 6.1 entry
  // never matches a 6.12 run, and a campaign over both kernels gets both.
  auto shipped = source_dir() / "baselines";
  return std::filesystem::is_directory(shipped) ? shipped.string() : "";
}

vm::AccelChoice choose_accel(const std::string& accel, const image::Image& img) {
  return vm::resolve_accel(vm::parse_accel(accel), img.kernel, cache_dir());
}

std::filesystem::path scratch_dir() {
  const auto dir = cache_dir() / "tmp";
  if (const auto n = TempDir::sweep_orphans(dir))
    info(fmt::format("removed {} VM director{} left in {} by killed runs", n, n == 1 ? "y" : "ies",
                     dir.string()));
  return dir;
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
