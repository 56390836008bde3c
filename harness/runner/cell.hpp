#pragma once
// One campaign cell in one fresh VM (or a kept one, see guest_slot.hpp): boot, DAX proof, optional
// canary, the workload with its verdicts streamed as they arrive, late console reports, unmount +
// fsck, and a RunRecord.
#include <atomic>
#include <filesystem>
#include <functional>
#include <string>

#include "campaign/campaign.hpp"
#include "image/image.hpp"
#include "results/record.hpp"
#include "runner/guest_slot.hpp"
#include "runner/session.hpp"
#include "vm/vm.hpp"

namespace dt::runner {

struct CellContext {
  std::string campaign;
  vm::Backend* backend = nullptr;
  std::string backend_name = "qemu";
  vm::Accel accel = vm::Accel::Tcg;
  std::filesystem::path out;  // results dir: runs/<run_id>/ holds logs (and artifacts if kept)
  bool keep_artifacts = false;
  bool canary = false;  // provoke the hung-task canary in this run
  SessionOptions session;
  std::function<bool()> should_abort;
  GuestSlot* slot = nullptr;  // this worker's kept guest (VM pool); null or off: a fresh VM
};

struct CellProgress {
  std::string run_id, cell_id, phase;  // "booting", "setup", "canary", "workload", "fsck", "done"
  std::string fs, workload;
  std::uint64_t iterations = 0, faults = 0;
  std::uint64_t iterations_delta = 0, faults_delta = 0;
  double elapsed = 0;
  std::size_t findings = 0;
};

std::string make_run_id(const campaign::Cell& cell);
nlohmann::json cell_json(const campaign::Cell& cell);

// Never throws for guest trouble (that becomes findings or an error status); throws
// Interrupted when should_abort() turns true.
results::RunRecord run_cell(const campaign::Cell& cell, const image::Image& img,
                            const CellContext& ctx,
                            const std::function<void(const CellProgress&)>& progress = {});

}  // namespace dt::runner
