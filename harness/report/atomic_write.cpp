#include "report/atomic_write.hpp"

#include <filesystem>
#include <fstream>

#include "util/error.hpp"

namespace dt::report {

void write_atomic(const std::string& path, const std::string& content) {
  std::filesystem::path tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc | std::ios::binary);
    if (!out) throw InfraError("cannot write " + tmp.string());
    out << content;
    if (!out.flush()) throw DiskFullError("cannot write " + tmp.string() + " (disk full?)");
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) {
    std::filesystem::remove(tmp, ec);
    throw InfraError("cannot replace " + path + ": " + ec.message());
  }
}

}  // namespace dt::report
