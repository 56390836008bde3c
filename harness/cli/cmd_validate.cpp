#include <fmt/format.h>

#include <algorithm>
#include <iostream>

#include "campaign/campaign.hpp"
#include "cli/commands.hpp"
#include "cli/common.hpp"

namespace dt::cli {

void add_validate_command(CLI::App& app, std::function<int()>& action) {
  auto file = std::make_shared<std::string>();
  auto* cmd = app.add_subcommand("validate", "check a campaign file without booting anything");
  cmd->add_option("campaign", *file, "campaign YAML file")->required();
  cmd->callback([file, &action] {
    action = [file] {
      auto c = campaign::load_file(*file);  // ValidationError -> exit 2 with every diagnostic
      auto cells = c.cells();
      for (auto& n : c.notes) info("note: " + n.str());
      const auto own = std::count_if(c.workloads.begin(), c.workloads.end(),
                                     [](const auto& w) { return !w.injector_sets.empty(); });
      std::cout << fmt::format(
          "{}: {} cells ({} filesystems x {} workloads x {} injector sets{} x {} kernels x {} "
          "repetitions)\n",
          *file, cells.size(), c.filesystems.size(), c.workloads.size(), c.injector_sets.size(),
          own ? fmt::format(" ({} workloads with their own)", own) : "", c.kernels.size(),
          c.repetitions);
      return int(kClean);
    };
  });
}

}  // namespace dt::cli
