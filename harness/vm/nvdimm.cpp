#include "vm/nvdimm.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "util/error.hpp"
#include "util/fd.hpp"
#include "util/file.hpp"
#include "vm/machine.hpp"

namespace dt::vm {
namespace fs = std::filesystem;

void require_boot_images(const Config& cfg) {
  if (!fs::exists(cfg.kernel))
    throw InfraError("kernel image missing: " + cfg.kernel.string() +
                     " (run: daxtorture image build)");
  if (!fs::exists(cfg.initramfs))
    throw InfraError("initramfs missing: " + cfg.initramfs.string() +
                     " (run: daxtorture image build)");
}

std::optional<NvdimmSpace> nvdimm_space_short(const Config& cfg) {
  NvdimmSpace s;
  for (auto n : cfg.nvdimms) s.need += n;  // at most what the region takes
  struct statvfs sv {};
  if (statvfs(cfg.workdir.c_str(), &sv) != 0) return std::nullopt;
  s.free = static_cast<std::uint64_t>(sv.f_bavail) * sv.f_frsize;
  if (s.free >= s.need) return std::nullopt;
  return s;
}

std::vector<fs::path> prepare_nvdimm_files(const Config& cfg) {
  if (!cfg.nvdimm_files.empty()) {
    if (cfg.nvdimm_files.size() != cfg.nvdimms.size())
      throw UsageError("NVDIMM file count does not match the VM shape");
    return cfg.nvdimm_files;
  }
  if (auto s = nvdimm_space_short(cfg))
    throw InfraError(fmt::format(
        "not enough disk space for the NVDIMM backing files: need {} MiB, {} MiB free in {}",
        s->need >> 20, s->free >> 20, cfg.workdir.string()));
  std::vector<fs::path> files;
  for (std::size_t i = 0; i < cfg.nvdimms.size(); ++i) {
    fs::path f = cfg.workdir / fmt::format("nvdimm{}.img", i);
    files.push_back(f);
    const std::uint64_t bytes = nvdimm_region_bytes(cfg.nvdimms[i]);
    std::error_code ec;
    if (i < cfg.nvdimm_templates.size() && fs::file_size(cfg.nvdimm_templates[i], ec) == bytes &&
        !ec) {
      try {
        copy_sparse(cfg.nvdimm_templates[i], f);
        continue;
      } catch (const DiskFullError&) {
        throw;
      } catch (const InfraError&) {
        // Replaced or removed meanwhile by another process: a zeroed NVDIMM will do.
      }
    }
    UniqueFd fd(::open(f.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
    if (!fd || ftruncate(fd.get(), static_cast<off_t>(bytes)) != 0)
      throw_errno("cannot create NVDIMM backing file " + f.string());
  }
  return files;
}

}  // namespace dt::vm
