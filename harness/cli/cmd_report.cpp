// Placeholder until the report module lands: `daxtorture report` is registered by it.
#include "cli/commands.hpp"
namespace dt::cli {
void add_report_command(CLI::App&, std::function<int()>&) {}
}  // namespace dt::cli
