#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>

#include "util/error.hpp"
#include "util/file.hpp"
#include "util/tempdir.hpp"
#include "vm/nvdimm.hpp"
#include "vm/qemu.hpp"

using namespace dt::vm;

namespace {
bool has_pair(const std::vector<std::string>& a, const std::string& k, const std::string& v) {
  for (std::size_t i = 0; i + 1 < a.size(); ++i)
    if (a[i] == k && a[i + 1] == v) return true;
  return false;
}
}  // namespace

TEST(QemuArgv, NvdimmMachineAndDevices) {
  Config c;
  c.kernel = "/k/bzImage";
  c.initramfs = "/k/initramfs.cpio";
  c.nvdimms = {512ull << 20, 512ull << 20};
  QemuPaths p{"/s/qmp", "/s/agent", {"/w/nvdimm0.img", "/w/nvdimm1.img"}};
  auto a = qemu_argv(c, p);
  EXPECT_TRUE(has_pair(a, "-machine", "q35,nvdimm=on"));
  EXPECT_TRUE(has_pair(a, "-m", "1024M,slots=3,maxmem=3072M"));
  EXPECT_TRUE(
      has_pair(a, "-object",
               "memory-backend-file,id=mem1,share=on,mem-path=/w/nvdimm1.img,size=512M,align=2M"));
  // Label-less: the fsdax configuration lives in the namespace's pfn info block.
  EXPECT_TRUE(has_pair(a, "-device", "nvdimm,id=nvdimm0,memdev=mem0"));
  EXPECT_TRUE(has_pair(a, "-accel", "tcg,thread=multi"));
  EXPECT_TRUE(has_pair(a, "-cpu", "max"));
  EXPECT_TRUE(
      has_pair(a, "-device", "virtserialport,bus=vser0.0,chardev=agent,name=org.daxtorture.agent"));
  EXPECT_NE(std::find(a.begin(), a.end(), "-no-reboot"), a.end());
}

TEST(QemuArgv, KvmUsesHostCpu) {
  Config c;
  c.accel = Accel::Kvm;
  auto a = qemu_argv(c, QemuPaths{"/q", "/a", {"/n0"}});
  EXPECT_TRUE(has_pair(a, "-accel", "kvm"));
  EXPECT_TRUE(has_pair(a, "-cpu", "host"));
}

TEST(QemuArgv, CmdlineKeepsConsoleAndExtra) {
  Config c;
  c.cmdline_extra = "dt.test=1";
  auto s = kernel_cmdline(c);
  EXPECT_NE(s.find("console=ttyS0"), std::string::npos);
  EXPECT_NE(s.find("panic=-1"), std::string::npos);
  EXPECT_NE(s.find("dt.test=1"), std::string::npos);
}

TEST(Accel, ParseRejectsNonsense) {
  EXPECT_EQ(parse_accel("auto"), Accel::Auto);
  EXPECT_EQ(parse_accel("tcg"), Accel::Tcg);
  EXPECT_THROW(parse_accel("hvf"), dt::UsageError);
}

TEST(Backends, QemuRegisteredUnknownRejected) {
  auto names = backend_names();
  EXPECT_NE(std::find(names.begin(), names.end(), "qemu"), names.end());
  EXPECT_THROW(make_backend("bhyve"), dt::UsageError);
}

// Snapshot mode's scratch qcow2 is a block node without a device: savevm has somewhere to
// write, the guest sees no disk. Without snapshot mode there is no drive at all.
TEST(QemuArgv, SnapshotDriveOnlyInSnapshotModeAndAttachedToNothing) {
  Config c;
  c.kernel = "/k/bzImage";
  c.initramfs = "/k/initramfs.cpio";
  QemuPaths p{"/s/qmp", "/s/agent", {"/w/nvdimm0.img"}, "/w/snapshots.qcow2"};
  const auto plain = qemu_argv(c, p);
  EXPECT_EQ(std::find(plain.begin(), plain.end(), "-drive"), plain.end());
  c.snapshots = true;
  EXPECT_TRUE(has_pair(qemu_argv(c, p), "-drive",
                       "if=none,id=snapshots,format=qcow2,file=/w/snapshots.qcow2"));
}

// New NVDIMM files start from their templates (a namespace made once comes up at boot); a
// template of another size, or none, gives a zeroed file of the asked size.
TEST(NvdimmFiles, StartFromATemplateOfTheRightSizeOnly) {
  dt::TempDir dir(std::filesystem::temp_directory_path(), "dt-nvdimm-");
  const std::uint64_t size = 16ull << 20;
  const auto tmpl = dir.path() / "template.img", small = dir.path() / "small.img";
  {
    std::ofstream t(tmpl, std::ios::binary);
    t.seekp(4096), t << "pfn info block";
    t.seekp(static_cast<std::streamoff>(size - 1)), t.put('\0');
    std::ofstream s(small, std::ios::binary);
    s << "too small";
  }
  Config cfg;
  cfg.workdir = dir.path();
  cfg.nvdimms = {size, size, size};
  cfg.nvdimm_templates = {tmpl, small};  // the third has none
  auto files = prepare_nvdimm_files(cfg);
  ASSERT_EQ(files.size(), 3u);
  EXPECT_EQ(dt::read_file(files[0]), dt::read_file(tmpl));
  for (std::size_t i = 1; i < 3; ++i) {
    EXPECT_EQ(std::filesystem::file_size(files[i]), size) << i;
    EXPECT_EQ(dt::read_file(files[i]).find_first_not_of('\0'), std::string::npos) << i;
  }
}
