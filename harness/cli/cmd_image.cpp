#include <fmt/format.h>

#include <chrono>
#include <iostream>

#include "cli/commands.hpp"
#include "cli/common.hpp"

namespace dt::cli {

void add_image_commands(CLI::App& app, std::function<int()>& action) {
  auto* image = app.add_subcommand("image", "build and inspect guest images (kernel + initramfs)");
  image->require_subcommand(1);

  auto opts = std::make_shared<ImageOptions>();
  auto* build = image->add_subcommand("build", "build (or find cached) the guest image");
  opts->add_to(*build, true);
  build->callback([opts, &action] {
    action = [opts] {
      auto start = std::chrono::steady_clock::now();
      auto img = ensure_image(opts->request(), true);
      double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      info(fmt::format("image {} ready in {} (kernel {}, {})", img.key, human_seconds(s),
                       img.kernel_release(), img.manifest.value("label", "")));
      std::cout << img.dir.string() << "\n";
      return int(kClean);
    };
  });

  auto path_opts = std::make_shared<ImageOptions>();
  auto* path = image->add_subcommand(
      "path", "print the cached image directory for these inputs (exit 3 if not built)");
  path_opts->add_to(*path, false);
  path->callback([path_opts, &action] {
    action = [path_opts] {
      auto img = ensure_image(path_opts->request(), false);
      std::cout << img.dir.string() << "\n";
      return int(kClean);
    };
  });

  auto json_out = std::make_shared<bool>(false);
  auto* list = image->add_subcommand("list", "list cached images");
  list->add_flag("--json", *json_out, "machine-readable output");
  list->callback([json_out, &action] {
    action = [json_out] {
      auto images = image::ImageStore().list();
      if (*json_out) {
        nlohmann::json j = nlohmann::json::array();
        for (auto& i : images) j.push_back(i.manifest);
        std::cout << j.dump(2) << "\n";
        return int(kClean);
      }
      std::cout << fmt::format("{:<17} {:<10} {:<12} {:<21} {}\n", "KEY", "LABEL", "KERNEL",
                               "BUILT", "DIR");
      for (auto& i : images)
        std::cout << fmt::format("{:<17} {:<10} {:<12} {:<21} {}\n", i.key,
                                 i.manifest.value("label", ""), i.kernel_release(),
                                 i.manifest.value("built_at", ""), i.dir.string());
      return int(kClean);
    };
  });
}

}  // namespace dt::cli
