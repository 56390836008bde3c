#pragma once
// Whole-file reads, written once (logs, manifests, memo files, test fixtures).
#include <cstdint>
#include <filesystem>
#include <string>

namespace dt {

// The file's bytes; empty when it cannot be opened (callers that must tell the difference
// check existence first).
std::string read_file(const std::filesystem::path& p);
// The last `max_bytes` bytes of the file (all of it when shorter); empty when it cannot be
// opened. For the tail of a log quoted in an error.
std::string read_file_tail(const std::filesystem::path& p, std::size_t max_bytes);
// The bytes from `offset` on (empty past the end or when it cannot be opened). For the part of
// a growing log that one step wrote (a kept guest's console since its cell began).
std::string read_file_from(const std::filesystem::path& p, std::size_t offset);

// A name beside `p` that no other process or thread writes ("<p>.tmp.<pid>.<n>"): write there,
// then rename onto p, so two processes building the same cache entry never share a file.
std::filesystem::path private_tmp_path(const std::filesystem::path& p);

// Writes `content` to `path` through a private temporary file and a rename, so a reader (CI, a
// browser, the next nightly, another process using the same cache) never sees half a file.
// Throws InfraError, or DiskFullError when the bytes do not fit.
void write_file_atomic(const std::filesystem::path& path, const std::string& content);

// Makes `dst` (created or truncated, mode 0600) a copy of `src` that allocates only src's data
// extents (SEEK_DATA/SEEK_HOLE): a 512 MiB NVDIMM file holding 8 MiB costs 8 MiB to copy and
// to store. Returns the bytes copied; throws InfraError (DiskFullError when they do not fit).
std::uint64_t copy_sparse(const std::filesystem::path& src, const std::filesystem::path& dst);

}  // namespace dt
