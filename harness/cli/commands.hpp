#pragma once
#include <CLI/CLI.hpp>
#include <functional>

namespace dt::cli {
// Each adds its subcommand(s); the chosen one sets `action`, which main runs and maps
// exceptions to exit codes.
void add_image_commands(CLI::App& app, std::function<int()>& action);
void add_boot_command(CLI::App& app, std::function<int()>& action);
void add_validate_command(CLI::App& app, std::function<int()>& action);
void add_run_command(CLI::App& app, std::function<int()>& action);
void add_report_command(CLI::App& app, std::function<int()>& action);
void add_shell_command(CLI::App& app, std::function<int()>& action);
void add_repro_command(CLI::App& app, std::function<int()>& action);
void add_selftest_command(CLI::App& app, std::function<int()>& action);
}  // namespace dt::cli
