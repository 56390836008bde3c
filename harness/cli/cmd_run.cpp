#include "cli/commands.hpp"
namespace dt::cli {
void add_run_command(CLI::App&, std::function<int()>&) {}
}  // namespace dt::cli
