// Naming and seeding of matrix cells, shared by the loader (uniqueness checks) and cells().
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace dt::campaign {

// "default"/"kasan" as is; a bzImage path by its file name, so ids stay path-free.
std::string kernel_label(std::string_view kernel);

// Depends only on the campaign seed and the cell id (which includes the repetition), so adding
// or reordering matrix entries does not change the seeds of the other cells.
std::uint64_t cell_seed(std::uint64_t campaign_seed, std::string_view cell_id);

}  // namespace dt::campaign
