#pragma once
// Shared by the subcommands: image resolution, accel choice, user-facing output.
#include <CLI/CLI.hpp>
#include <filesystem>
#include <string>
#include <vector>

#include "image/image.hpp"
#include "protocol/exit_codes.hpp"
#include "vm/accel.hpp"

namespace dt::cli {

using Exit = protocol::CliExit;  // protocol/exit_codes.hpp: the one vocabulary
using enum protocol::CliExit;

struct ImageOptions {
  std::string flavour = "default";
  std::string kernel;      // prebuilt bzImage
  std::string kernel_src;  // developer tree
  std::vector<std::string> patches;
  int jobs = 3;
  void add_to(CLI::App& app, bool with_build_flags);
  image::BuildRequest request() const;
};

// The image for a request, built if missing when `build` is set (else a clear error).
image::Image ensure_image(const image::BuildRequest& req, bool build, bool quiet = false);
// "default"/"kasan", "mutant:<id>" (looked up in `catalogue`, or the shipped one when empty)
// or a bzImage path (campaign kernel axis) -> request.
image::BuildRequest request_for_kernel(const std::string& kernel,
                                       const std::filesystem::path& catalogue = {});

// --baseline: "auto" -> the shipped clean-kernel baseline, "none" -> "" (no baseline), else the
// path as given.
std::string resolve_baseline(const std::string& option);

vm::AccelChoice choose_accel(const std::string& accel, const image::Image& img);

// Where boot and shell put a VM's directory (the cache's tmp/), with what killed runs left
// there swept first (TempDir::Owner::locked directories whose owner is gone).
std::filesystem::path scratch_dir();

void info(const std::string& line);  // progress to stderr, one line
std::string human_seconds(double s);

}  // namespace dt::cli
