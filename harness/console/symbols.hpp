// Reading kernel symbols out of stack dumps: "func+0x1a/0x40 [mod]", "RIP: 0010:func+0x..".
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace dt::console {

struct Frame {
  std::string_view symbol;  // as printed, e.g. "dax_iomap_pte_fault.isra.0"
  bool reliable = true;     // false for "? func+0x.." guesses, which we never blame
};

// A call-trace line (" dax_fault+0x1a/0x40", "  ? xfs_ilock+0x..", "[<ffffffff81..>] f+0x..").
std::optional<Frame> parse_frame(std::string_view line);
// The symbol of a "RIP: 0010:func+0x1a/0x40" line; nullopt for "RIP: 0010:0x0" and the like.
std::optional<std::string_view> parse_rip(std::string_view line);
// "<IRQ>", "</TASK>", "<NMI>", ...: section markers inside a call trace.
bool is_trace_marker(std::string_view trimmed);
// "xfs_ilock+0x87/0x1e0 [xfs]" / "foo.constprop.0" -> "xfs_ilock" / "foo": the stable name,
// without offsets, module or compiler clone suffixes.
std::string clean_symbol(std::string_view printed);

}  // namespace dt::console
