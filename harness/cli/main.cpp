// daxtorture: fault-injection torture tests for Linux DAX filesystems.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <iostream>

#include "campaign/campaign.hpp"
#include "cli/commands.hpp"
#include "cli/common.hpp"
#include "util/error.hpp"
#include "vm/vm.hpp"

int main(int argc, char** argv) {
  using namespace dt;
  CLI::App app{
      "daxtorture: torture tests for Linux DAX filesystems (xfs, ext4, ext2) on emulated NVDIMMs"};
  app.set_version_flag("--version", DAXTORTURE_VERSION);
  app.require_subcommand(1);
  std::function<int()> action;
  cli::add_image_commands(app, action);
  cli::add_boot_command(app, action);
  cli::add_validate_command(app, action);
  cli::add_run_command(app, action);
  cli::add_report_command(app, action);
  cli::add_shell_command(app, action);
  cli::add_repro_command(app, action);
  cli::add_selftest_command(app, action);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? 0 : cli::kUsage;
  }
  try {
    return action ? action() : cli::kUsage;
  } catch (const campaign::ValidationError& e) {
    for (auto& d : e.diagnostics()) std::cerr << "error: " << d.str() << "\n";
    return cli::kUsage;
  } catch (const UsageError& e) {
    std::cerr << "error: " << e.what() << "\n";
    return cli::kUsage;
  } catch (const vm::BootError& e) {
    std::cerr << "error: " << e.title() << "\n";
    std::string out = e.output();
    if (out.size() > 3000) out = "...\n" + out.substr(out.size() - 3000);
    if (!out.empty()) std::cerr << "---- last console output ----\n" << out << "\n";
    return cli::kInfra;
  } catch (const InfraError& e) {
    std::cerr << "error: " << e.what() << "\n";
    return cli::kInfra;
  } catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << "\n";
    return cli::kInfra;
  }
}
