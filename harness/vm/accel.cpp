#include "vm/accel.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <poll.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "util/error.hpp"
#include "util/fd.hpp"
#include "util/hash.hpp"
#include "util/process.hpp"
#include "vm/machine.hpp"

namespace dt::vm {
namespace fs = std::filesystem;

bool kvm_device_usable(std::string* why) {
  UniqueFd fd(::open("/dev/kvm", O_RDWR | O_CLOEXEC));
  if (!fd && why) *why = std::string("/dev/kvm: ") + std::strerror(errno);
  return static_cast<bool>(fd);
}

std::string host_identity() {
  utsname u{};
  uname(&u);
  std::string model;
  std::ifstream cpu("/proc/cpuinfo");
  for (std::string l; std::getline(cpu, l);)
    if (l.rfind("model name", 0) == 0) {
      model = l;
      break;
    }
  auto q = run_capture({"qemu-system-x86_64", "--version"}, std::chrono::seconds(10));
  std::string qv = q.output.substr(0, q.output.find('\n'));
  return fmt::format("{} {} | {} | {}", u.nodename, u.release, qv, model);
}

namespace {

// Boot the kernel alone under KVM and watch the console for the kernel's banner.
bool kvm_boots(const fs::path& kernel, double timeout_s) {
  std::vector<std::string> argv = {"qemu-system-x86_64", "-nodefaults", "-no-user-config",
                                   "-display", "none"};
  const auto machine = qemu_machine_args(probe_shape());
  argv.insert(argv.end(), machine.begin(), machine.end());
  argv.insert(argv.end(), {"-kernel", kernel.string(), "-append",
                           "console=ttyS0 earlyprintk=serial,ttyS0 panic=-1", "-serial", "stdio"});
  Subprocess p(argv);
  std::string out;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(timeout_s);
  char buf[4096];
  while (std::chrono::steady_clock::now() < deadline) {
    pollfd f{p.stdout_fd(), POLLIN, 0};
    if (::poll(&f, 1, 200) > 0) {
      ssize_t n = ::read(p.stdout_fd(), buf, sizeof buf);
      if (n <= 0) break;
      out.append(buf, static_cast<std::size_t>(n));
      if (out.find("Linux version") != std::string::npos) return true;
    }
  }
  return false;
}

}  // namespace

AccelChoice resolve_accel(Accel requested, const fs::path& kernel, const fs::path& cache,
                          double probe_timeout_s) {
  std::string why;
  if (requested == Accel::Tcg) return {Accel::Tcg, "accel: TCG (as requested)"};
  if (requested == Accel::Kvm) {
    if (!kvm_device_usable(&why))
      throw UsageError("--accel kvm: KVM is not available (" + why + ")");
    return {Accel::Kvm, "accel: KVM (as requested)"};
  }
  if (!kvm_device_usable(&why)) return {Accel::Tcg, "accel: TCG (no KVM: " + why + ")"};

  std::string host = host_identity();
  std::string key = sha256_hex(host).substr(0, 16);
  fs::path memo = cache / "accel.json";
  nlohmann::json j = nlohmann::json::object();
  if (fs::exists(memo)) {
    std::ifstream in(memo);
    j = nlohmann::json::parse(in, nullptr, false);
    if (j.is_discarded()) j = nlohmann::json::object();
  }
  if (j.contains(key)) {
    bool kvm = j[key].value("kvm", false);
    return {kvm ? Accel::Kvm : Accel::Tcg,
            kvm ? "accel: KVM (probed earlier on this host)"
                : "accel: TCG (KVM probe on this host showed no console progress; cached in " +
                      memo.string() + ")"};
  }
  bool kvm = kvm_boots(kernel, probe_timeout_s);
  j[key] = {{"kvm", kvm}, {"host", host}};
  fs::create_directories(cache);
  std::ofstream(memo, std::ios::trunc) << j.dump(2);
  if (kvm) return {Accel::Kvm, "accel: KVM (probe boot reached the kernel banner)"};
  return {Accel::Tcg,
          fmt::format("accel: TCG (KVM probe showed no console progress in {:.0f}s; falling back; "
                      "verdict cached in {})",
                      probe_timeout_s, memo.string())};
}

}  // namespace dt::vm
