#include "fixtures.hpp"

#include <fmt/format.h>

namespace dt::report::fixtures {

std::string testdata(const std::string& name) {
  return std::string(DT_REPORT_TESTDATA) + "/" + name;
}

oracle::Finding lockdep_finding() {
  oracle::Finding f;
  f.kind = "lockdep";
  f.title = "possible deadlock in dax_iomap_fault";
  f.frame = "dax_iomap_fault";
  f.text =
      "======================================================\n"
      "WARNING: possible circular locking dependency detected\n"
      "6.1.0-27-amd64 #1 Not tainted\n"
      "------------------------------------------------------\n"
      "dt-fault-vs-tru/412 is trying to acquire lock:\n"
      "ffff888004a1c6b0 (&ei->i_mmap_sem){++++}-{3:3}, at: xfs_ilock+0x9e/0x170\n"
      "\n"
      "but task is already holding lock:\n"
      "ffff888003f2e528 (&mm->mmap_lock){++++}-{3:3}, at: do_user_addr_fault+0x1b4/0x690\n"
      "\n"
      "which lock already depends on the new lock.\n";
  for (int i = 0; i < 30; ++i) f.text += fmt::format(" frame_{}+0x{:x}/0x200\n", i, 16 * i);
  return f;
}

oracle::Finding warning_finding() {
  oracle::Finding f;
  f.kind = "warning";
  f.title = "WARNING in dax_associate_entry";
  f.frame = "dax_associate_entry";
  f.text =
      "------------[ cut here ]------------\n"
      "WARNING: CPU: 1 PID: 377 at fs/dax.c:337 dax_associate_entry+0xd2/0xf0\n"
      "Call Trace:\n <TASK>\n dax_insert_entry+0x1a4/0x370\n dax_fault_iter+0x2d8/0x690\n";
  return f;
}

oracle::Finding stale_data_finding() {
  oracle::Finding f;
  f.category = oracle::Category::Workload;
  f.kind = "stale-data";
  f.title = "DATA: stale-data in fault-vs-truncate";
  f.text = "offset 0x3000: read 0xa5a5a5a5 from a page truncated at iteration 1182";
  return f;
}

oracle::Finding fsck_finding() {
  oracle::Finding f;
  f.category = oracle::Category::Fsck;
  f.kind = "fsck";
  f.title = "xfs_repair: data fork in ino N claims free block N";
  f.text = "Phase 4 - check for duplicate blocks...\ndata fork in ino 131 claims free block 7713\n";
  return f;
}

oracle::Finding no_output_finding() {
  oracle::Finding f;
  f.kind = "no-output";
  f.title = "no output from test machine";
  f.text = "[  256.000000] last line before silence";
  return f;
}

oracle::Finding boot_failed_finding() {
  oracle::Finding f;
  f.category = oracle::Category::Infra;
  f.kind = "infra";
  f.title = "boot failed: no DAX-capable pmem device";
  f.text = "ndctl: namespace0.0 is in raw mode; fsdax needed";
  return f;
}

oracle::Finding canary_finding() {
  oracle::Finding f;
  f.kind = "warning";
  f.title = "WARNING in dt_canary_init";
  f.expected = true;
  f.note = "deliberate splat proving the console path works";
  return f;
}

std::vector<results::RunRecord> nightly_runs() {
  struct Spec {
    const char* cell;
    results::Status status;
    std::vector<oracle::Finding> findings;
  };
  using S = results::Status;
  std::vector<Spec> specs = {
      {"xfs/fault-vs-truncate/none/default/r0", S::Findings, {lockdep_finding()}},
      {"xfs/reflink/none/default/r0", S::Findings, {warning_finding()}},
      {"ext4/fault-vs-truncate/pause-jitter/default/r0",
       S::Findings,
       {stale_data_finding(), canary_finding()}},
      {"xfs/mixed/power-cut/default/r0", S::Findings, {fsck_finding()}},
      {"ext2/write-vs-fault/none/default/r0", S::Findings, {no_output_finding()}},
      {"ext2/fault-vs-layout/none/default/r0", S::Skip, {}},
      {"ext4/map-sync/none/default/r0", S::Pass, {}},
      {"xfs/pmd-vs-pte/none/default/r0", S::Error, {boot_failed_finding()}},
  };
  std::vector<results::RunRecord> runs;
  for (std::size_t i = 0; i < specs.size(); ++i) {
    results::RunRecord r;
    r.cell_id = specs[i].cell;
    r.run_id = fmt::format("nightly-{:04}-a0", i);
    r.campaign = "nightly";
    r.cell_index = i;
    r.fs = r.cell_id.substr(0, r.cell_id.find('/'));
    r.workload =
        r.cell_id.substr(r.fs.size() + 1, r.cell_id.find('/', r.fs.size() + 1) - r.fs.size() - 1);
    r.kernel = "default";
    r.kernel_release = "6.1.0-27-amd64";
    r.seed = 0x5eed0000 + i;
    r.accel = "tcg";
    r.backend = "qemu";
    r.status = specs[i].status;
    r.findings = specs[i].findings;
    r.started_at = fmt::format("2026-11-21T22:{:02}:00Z", 10 + i);
    r.finished_at = fmt::format("2026-11-21T22:{:02}:45Z", 10 + i);
    r.total_s = 45.5 + i;
    r.iterations = 1000 + i;
    if (i == 4) r.console_path = testdata("console-nasty.log");
    if (r.status == S::Error) {
      r.error = "no DAX-capable pmem device";
      r.console_path = "/nonexistent/daxtorture/console.log";
    }
    if (r.status == S::Skip) r.error = "fault-vs-layout cannot run on ext2 (no fallocate)";
    runs.push_back(std::move(r));
  }
  return runs;
}

}  // namespace dt::report::fixtures
