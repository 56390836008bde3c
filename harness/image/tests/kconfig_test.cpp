#include "image/kconfig.hpp"

#include <gtest/gtest.h>

#include "util/error.hpp"
#include "util/paths.hpp"

using namespace dt::image;

TEST(Kconfig, LaterFragmentWinsAndOverrideIsRecorded) {
  Kconfig k;
  k.merge_text("CONFIG_A=y\n# CONFIG_B is not set\nCONFIG_C=60\n", "base.config");
  k.merge_text("CONFIG_A=n\nCONFIG_B=y\n", "debug.config");
  EXPECT_EQ(k.values().at("CONFIG_A").value, "n");
  EXPECT_EQ(k.values().at("CONFIG_B").value, "y");
  EXPECT_EQ(k.values().at("CONFIG_B").origin, "debug.config:2");
  ASSERT_EQ(k.overrides().size(), 2u);
  EXPECT_EQ(k.overrides()[0].symbol, "CONFIG_A");
  EXPECT_EQ(k.overrides()[0].where, "debug.config:1");
}

TEST(Kconfig, RenderIsCanonical) {
  Kconfig a, b;
  a.merge_text("CONFIG_Z=y\nCONFIG_A=n\n", "x");
  b.merge_text("# CONFIG_A is not set\n\n# a comment\nCONFIG_Z=y\n", "y");
  EXPECT_EQ(a.render(), b.render());
  EXPECT_EQ(a.render(), "# CONFIG_A is not set\nCONFIG_Z=y\n");
}

TEST(Kconfig, MalformedLineNamesFileAndLine) {
  Kconfig k;
  try {
    k.merge_text("CONFIG_A=y\nCONFIG_B y\n", "dax.config");
    FAIL() << "no error";
  } catch (const dt::UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("dax.config:2"), std::string::npos) << e.what();
  }
}

TEST(Kconfig, VerifyFindsDroppedOptionsAndUntrimmedOnes) {
  Kconfig want;
  want.merge_text(
      "CONFIG_KPROBES=y\nCONFIG_FS_DAX=y\n# CONFIG_HWMON is not set\n# CONFIG_NET is not set\n",
      "f");
  auto m = verify(want, "CONFIG_FS_DAX=y\nCONFIG_HWMON=y\n# CONFIG_NET is not set\n");
  ASSERT_EQ(m.size(), 2u);
  EXPECT_EQ(m[0].symbol, "CONFIG_HWMON");
  EXPECT_EQ(m[0].got, "y");
  EXPECT_EQ(m[1].symbol, "CONFIG_KPROBES");
  EXPECT_EQ(m[1].got, "");
  EXPECT_NE(m[1].str().find("unmet dependency"), std::string::npos);
}

TEST(Kconfig, ShippedFlavoursMergeAndCarryTheDaxEssentials) {
  for (auto& flavour : flavours()) {
    Kconfig k;
    for (auto& f : flavour_fragments(flavour))
      k.merge_file(dt::source_dir() / "guest-images/config" / f);
    for (auto sym : {"CONFIG_FS_DAX", "CONFIG_ACPI_NFIT", "CONFIG_BLK_DEV_PMEM",
                     "CONFIG_NVDIMM_PFN", "CONFIG_ZONE_DEVICE", "CONFIG_XFS_FS", "CONFIG_EXT4_FS",
                     "CONFIG_EXT2_FS", "CONFIG_PROVE_LOCKING", "CONFIG_FAIL_FUNCTION",
                     "CONFIG_MEMORY_FAILURE", "CONFIG_VIRTIO_CONSOLE", "CONFIG_PRINTK_CALLER"})
      EXPECT_EQ(k.values().at(sym).value, "y") << flavour << " " << sym;
    EXPECT_TRUE(k.overrides().empty()) << flavour << ": fragments contradict each other";
  }
  Kconfig kasan;
  for (auto& f : flavour_fragments("kasan"))
    kasan.merge_file(dt::source_dir() / "guest-images/config" / f);
  EXPECT_EQ(kasan.values().at("CONFIG_KASAN").value, "y");
  EXPECT_THROW(flavour_fragments("debug"), dt::UsageError);
}
