#pragma once
// Real-looking runs of a nightly on Debian's 6.1 kernel, shared by the report tests.
#include <string>
#include <vector>

#include "results/record.hpp"

namespace dt::report::fixtures {

std::string testdata(const std::string& name);  // path of a file in harness/report/testdata

oracle::Finding lockdep_finding();  // "possible deadlock in dax_iomap_fault"
oracle::Finding warning_finding();  // "WARNING in dax_associate_entry"
oracle::Finding stale_data_finding();
oracle::Finding fsck_finding();
oracle::Finding no_output_finding();    // a silent guest: the kernel's problem (oracle::lost)
oracle::Finding boot_failed_finding();  // infrastructure (oracle::infra)
oracle::Finding canary_finding();       // expected

// Eight runs, one per situation:
//   0 xfs fault-vs-truncate: new lockdep          1 xfs reflink: known WARNING
//   2 ext4 fault-vs-truncate: new stale data + expected canary
//   3 xfs mixed power-cut: known xfs_repair
//   4 ext2 write-vs-fault: no output (console: testdata/console-nasty.log)
//   5 ext2 fault-vs-layout: skip                  6 ext4 map-sync: pass
//   7 xfs pmd-vs-pte: error, boot failed
std::vector<results::RunRecord> nightly_runs();

}  // namespace dt::report::fixtures
