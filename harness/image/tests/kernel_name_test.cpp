// The built-in kernel names: one scheme for run, campaigns, boot and image.
#include "image/kernel_name.hpp"

#include <gtest/gtest.h>

namespace dt::image {
namespace {

TEST(KernelName, DefaultAndKasanMean61) {
  auto d = parse_builtin_kernel("default");
  ASSERT_TRUE(d);
  EXPECT_EQ(d->debian->version, "6.1");
  EXPECT_EQ(d->flavour, "default");
  auto k = parse_builtin_kernel("6.1-kasan");
  ASSERT_TRUE(k);
  EXPECT_EQ(k->debian, d->debian);
  EXPECT_EQ(k->flavour, "kasan");
  EXPECT_EQ(k->canonical(), "kasan");
  EXPECT_EQ(parse_builtin_kernel("6.1")->canonical(), "default");
}

TEST(KernelName, Debian612InBothFlavours) {
  auto k = parse_builtin_kernel("6.12");
  ASSERT_TRUE(k);
  EXPECT_EQ(k->debian->package, "linux-source-6.12");
  EXPECT_EQ(k->debian->tarball, "/usr/src/linux-source-6.12.tar.xz");
  EXPECT_EQ(k->flavour, "default");
  EXPECT_EQ(k->canonical(), "6.12");
  auto kasan = parse_builtin_kernel("6.12-kasan");
  ASSERT_TRUE(kasan);
  EXPECT_EQ(kasan->flavour, "kasan");
  EXPECT_EQ(kasan->canonical(), "6.12-kasan");
}

TEST(KernelName, AnythingElseIsNotBuiltin) {
  for (const char* n : {"", "6.13", "-kasan", "6.12-", "6.12-kasan-kasan", "kasan-6.12", "mutant:x",
                        "bzImage", "6.12-ubsan"})
    EXPECT_FALSE(parse_builtin_kernel(n)) << n;
}

TEST(KernelName, EveryListedNameParses) {
  for (const auto& n : builtin_kernel_names()) {
    auto k = parse_builtin_kernel(n);
    ASSERT_TRUE(k) << n;
    EXPECT_EQ(parse_builtin_kernel(k->canonical())->canonical(), k->canonical());
  }
}

// mutant:<id>@6.12, patch:FILE@6.12-kasan: the part after the last '@' when it is a kernel.
TEST(KernelName, SplitOnKernel) {
  auto a = split_on_kernel("dax-x@6.12");
  EXPECT_EQ(a.what, "dax-x");
  EXPECT_EQ(a.suffix(), "@6.12");
  auto b = split_on_kernel("/p/my@fix.patch@6.12-kasan");
  EXPECT_EQ(b.what, "/p/my@fix.patch");
  EXPECT_EQ(b.base.flavour, "kasan");
  EXPECT_EQ(b.suffix(), "@6.12-kasan");
  EXPECT_EQ(split_on_kernel("dax-x@6.1").suffix(), "");  // the default kernel: no suffix
  EXPECT_EQ(split_on_kernel("dax-x@6.1").what, "dax-x");
  auto c = split_on_kernel("fix@7.0");  // not a kernel: all of it is the name
  EXPECT_EQ(c.what, "fix@7.0");
  EXPECT_EQ(c.suffix(), "");
}

// One reading of mutant:<id>[@<kernel>] for the campaign loader and the command line.
TEST(KernelName, MutantNames) {
  auto plain = parse_mutant_name("mutant:xfs-fault-no-mmaplock");
  EXPECT_EQ(plain.error, "");
  EXPECT_EQ(plain.on.what, "xfs-fault-no-mmaplock");
  EXPECT_EQ(plain.on.suffix(), "");
  auto on612 = parse_mutant_name("mutant:dax-pte-no-isize-recheck@6.12");
  EXPECT_EQ(on612.error, "");
  EXPECT_EQ(on612.on.what, "dax-pte-no-isize-recheck");
  EXPECT_EQ(on612.on.suffix(), "@6.12");
  EXPECT_NE(parse_mutant_name("mutant:x@7.0").error.find("'7.0' is not a built-in kernel ("),
            std::string::npos);
  EXPECT_NE(parse_mutant_name("mutant:").error.find("bad mutant kernel 'mutant:'"),
            std::string::npos);
  EXPECT_NE(parse_mutant_name("mutant:Bad_Id").error, "");
}

}  // namespace
}  // namespace dt::image
