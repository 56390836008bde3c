#pragma once
// `daxtorture report --upstream ID`: one finding as a plain-text bug report a kernel
// maintainer can act on (syzbot style): the subject, the kernel and its config, the
// filesystem, VM and workload of the cell, the report with its stacks (decoded to file:line
// when a vmlinux with DWARF is at hand), how often it reproduced, and the repro commands.
// gather_upstream() collects the facts; render_upstream() only formats them.
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "results/store.hpp"

namespace dt::report {

// ---- Stack decoding (what scripts/decode_stacktrace.sh does, without a source tree) ----

// "sym+0xoff/0xsize" somewhere in a console line, e.g. " dax_fault_iter+0x297/0x6a0",
// "RIP: 0010:dax_insert_entry+0x222/0x320" or "[<ffffffff994ac7a0>] f+0xc0/0x300".
struct Frame {
  std::string symbol;
  std::uint64_t offset = 0, size = 0;
  std::string module;          // "[ext4]": not in vmlinux
  bool return_address = true;  // a call-trace frame: look up offset-1 (the call), not offset
  std::size_t end = 0;         // where the frame text ends in the line
};
std::optional<Frame> parse_frame(const std::string& line);

struct ElfInfo {
  bool elf = false;    // an ELF64 file at all
  bool dwarf = false;  // has .debug_info
  std::string banner;  // "Linux version ..." from .rodata (kernels only)
};
ElfInfo inspect_elf(const std::filesystem::path& file);

struct Decoded {
  std::string text;      // the input with file:line after each decoded frame
  int frames = 0;        // frames in vmlinux (not modules)
  int decoded = 0;       // frames that got a file:line
  int size_differs = 0;  // frames whose function has another size in this ELF: not decoded
};
// Resolves each frame's symbol with `nm -S` (the one of the frame's size), then asks
// `addr2line -a -f -i` about all of them at once. Inlined callees come out as
// " callee file:line [inline]" lines before the frame, as in decode_stacktrace.sh. Throws
// InfraError when nm or addr2line cannot run.
Decoded decode_stack(const std::string& text, const std::filesystem::path& elf);

// "/root/.cache/.../src-x/fs/dax.c" -> "fs/dax.c": from the first kernel top-level directory.
std::string kernel_relative(const std::string& path);

// ---- The report ----

struct FragmentSource {
  std::vector<std::string> names;  // guest-images/config/*.config of a flavour, merged in order
  std::string merged;              // their merge as this tree would build it now
};

struct UpstreamOptions {
  std::filesystem::path image_cache;  // ~/.cache/daxtorture: images/, kernels/, kbuild/
  std::filesystem::path vmlinux;      // --vmlinux: decode with this ELF (should have DWARF)
  // The fragments of a flavour in this tree (from the image module); may be empty.
  std::function<std::optional<FragmentSource>(const std::string& flavour)> fragments;
};

struct UpstreamReport {
  std::string title, hash, kind, run_id, results_dir, campaign;

  // Kernel.
  std::string kernel_release, banner, kernel_spec, image_key, image_label, source, accel;
  std::vector<std::string> patches, fragments;
  std::string fragment_sha256;      // of the merged fragment the kernel was built with
  std::string fragment_state;       // "" or a note on whether this tree still merges to it
  std::vector<std::string> config;  // "CONFIG_FS_DAX=y", "CONFIG_KASAN=n", ...

  // Cell.
  std::string cell_id, fs, mkfs, mount, workload, workload_argv;
  std::vector<std::pair<std::string, std::string>> params;
  std::vector<std::string> injectors;
  int vcpus = 0, nvdimms = 0;
  std::uint64_t memory = 0, nvdimm = 0, seed = 0, iterations = 0;
  double duration_s = 0;

  // The report.
  std::string excerpt;  // verbatim, decoded when possible; never wrapped
  bool corrupted = false;
  std::string console_path;
  std::string decode_note;              // one line: why there is no file:line, or what decoded it
  std::filesystem::path image_vmlinux;  // the vmlinux kept beside the image's bzImage, if any
  // The run's other kernel reports, in console order (the other tasks of a deadlock, the WARN
  // that came first): a maintainer needs every stack, not only the titled one. Decoded too.
  struct Related {
    std::string title, text;
  };
  std::vector<Related> related;

  // Frequency: runs with the finding / runs of the cells it was seen in (all repetitions).
  int runs_with = 0, runs_of_cells = 0, runs_total = 0;
  std::vector<std::string> cells;  // without the "/r<N>" repetition
  std::string first_seen, last_seen;

  // Reproduce.
  std::string repro_command, run_command, run_note;
};

// Resolves ID as `report ID` does (report/resolve.hpp); a run id picks the run's one finding
// (several: UsageError listing them). Throws UsageError for an unknown or ambiguous id.
UpstreamReport gather_upstream(const results::Store&, const std::string& id,
                               const UpstreamOptions&);
std::string render_upstream(const UpstreamReport&);

// Greedy word wrap at `width` columns; continuation lines start with `indent`. A word longer
// than the line stays whole on its own line.
std::string wrap(const std::string& text, std::size_t width, const std::string& first_indent,
                 const std::string& indent);

inline constexpr std::size_t kMailWidth = 72;

}  // namespace dt::report
