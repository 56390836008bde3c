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

// A call-trace line: " dax_fault+0x1a/0x40", "  ? xfs_ilock+0x.. [xfs]", up to 4.x
// "[<ffffffff81..>] ? f+0x.." and " <IRQ>  [<ffffffff81..>] f+0x..", powerpc's
// "[c000..] [c000..] f+0x.. (unreliable)", symbolized "f+0x.. fs/dax.c:1", "f (fs/dax.c:1)" and
// inlined "f fs/dax.c:1 [inline]" (unreliable). "? 0xffffffffc007e000" is an unreliable frame
// without a symbol.
std::optional<Frame> parse_frame(std::string_view line);
// The symbol of the faulting instruction: "RIP: 0010:func+0x1a/0x40" and its older forms
// ("RIP: 0010:[<..>]  [<..>] f+0x..", "RIP  [<..>] f+0x..", "IP: [<..>] f+0x..", "IP: f+0x.."),
// arm64's "pc : f+0x..", powerpc's "NIP [..] f+0x.."; nullopt for "RIP: 0033:0x7f.." and the like.
std::optional<std::string_view> parse_rip(std::string_view line);
// "Call Trace:" (x86, powerpc) or "Call trace:" (arm64): a stack dump follows.
bool is_call_trace(std::string_view trimmed);
// "<IRQ>", "</TASK>", "<NMI>", ...: section markers inside a call trace.
bool is_trace_marker(std::string_view trimmed);
// "xfs_ilock+0x87/0x1e0 [xfs]" / "foo.constprop.0" -> "xfs_ilock" / "foo": the stable name,
// without offsets, module or compiler clone suffixes.
std::string clean_symbol(std::string_view printed);

}  // namespace dt::console
