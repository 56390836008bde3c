#pragma once
// The built-in kernels: Debian's linux-source packages, each in the default and kasan flavour.
// One naming scheme everywhere a kernel is named (run --kernel, a campaign's kernel axis, boot,
// shell, image build|path): "<version>[-kasan]", with "default"/"kasan" meaning 6.1.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace dt::image {

struct DebianKernel {
  std::string_view version;  // "6.12"
  std::string_view package;  // the apt package that ships the tarball
  std::string_view tarball;  // where the package puts it
};

// 6.1 first: it is what "default" and "kasan" mean.
const std::vector<DebianKernel>& debian_kernels();
const DebianKernel& default_debian_kernel();

struct BuiltinKernel {
  const DebianKernel* debian = nullptr;
  std::string flavour;  // "default" or "kasan"
  // "6.12-kasan"; 6.1 keeps its historic names "default"/"kasan" so old cell ids stay valid.
  std::string canonical() const;
};

// "default", "kasan", "6.1", "6.1-kasan", "6.12", "6.12-kasan"; nullopt for anything else.
std::optional<BuiltinKernel> parse_builtin_kernel(std::string_view name);
// Every accepted name, for help texts and did-you-mean hints.
std::vector<std::string> builtin_kernel_names();

// "what@<built-in kernel>" (mutant:<id>@6.12, patch:FILE@6.12): `what`, and the kernel it goes
// on; without a suffix that names a built-in kernel, all of it is `what`, on the default one.
struct OnKernel {
  std::string what;
  BuiltinKernel base;
  std::string suffix() const;  // "" on the default kernel, else "@6.12" (canonical)
};
OnKernel split_on_kernel(std::string_view name);

// "mutant:<id>[@<kernel>]" (the caller has seen the prefix): the id (`on.what`) and the
// built-in kernel it patches. `error` is one line naming what is wrong ("" when nothing is):
// an '@' that names no built-in kernel, or an id outside a-z0-9-. Whether the id exists is the
// mutant catalogue's business.
struct MutantName {
  OnKernel on;
  std::string error;
};
MutantName parse_mutant_name(std::string_view kernel);

}  // namespace dt::image
