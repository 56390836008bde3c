#include "workload.hpp"

#include <cstdio>
#include <exception>

namespace dt::workload {

int workload_main(int argc, char** argv, const Spec& spec, int (*body)(Run&)) {
  auto opt = parse_cli(argc, argv, spec);
  if (!opt) return kExitUsage;
  install_sigbus_handler();
  try {
    Run run(*opt);
    return body(run);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "dt-%s: %s\n", spec.workload.c_str(), e.what());
    return kExitFail;
  }
}

}  // namespace dt::workload
