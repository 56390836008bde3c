// The libvirt domain XML: the same guest as the QEMU backend's command line, accepted by
// libvirt's own schema (virt-xml-validate, from Debian's libvirt-clients).
#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>

#include "util/error.hpp"
#include "util/paths.hpp"
#include "util/process.hpp"
#include "util/tempdir.hpp"
#include "vm/libvirt.hpp"
#include "vm/vm.hpp"

using namespace dt::vm;

namespace {

Config two_nvdimms() {
  Config c;
  c.kernel = "/k/bzImage";
  c.initramfs = "/k/initramfs.cpio";
  c.nvdimms = {512ull << 20, 512ull << 20};
  c.cmdline_extra = "dt.test=1 a<b&c";
  return c;
}

// The host's view of the files: on a remote host they are storage-pool volumes, so the XML
// takes them from here, not from the Config.
LibvirtPaths paths() {
  return {"daxtorture-t-1",
          "/pool/1234-bzImage",
          "/pool/5678-initramfs.cpio",
          {"/w/nvdimm0.img", "/w/nvdimm1.img"}};
}

bool has(const std::string& x, const std::string& frag) {
  return x.find(frag) != std::string::npos;
}

void expect_schema_valid(const std::string& xml) {
  auto tool = dt::find_program("virt-xml-validate");
  if (tool.empty())
    GTEST_SKIP() << "virt-xml-validate missing (apt-get install libvirt-clients libxml2-utils)";
  dt::TempDir d("/tmp", "dt-lvxml-");
  auto f = d.path() / "domain.xml";
  std::ofstream(f) << xml;
  auto r = dt::run_capture({tool.string(), f.string(), "domain"}, std::chrono::seconds(60));
  EXPECT_TRUE(r.status.ok()) << r.output << "\n" << xml;
}

}  // namespace

TEST(LibvirtXml, MachineNvdimmsAndDevices) {
  auto x = domain_xml(two_nvdimms(), paths());
  EXPECT_TRUE(has(x, "<domain type='qemu'>"));
  EXPECT_TRUE(has(x, "<name>daxtorture-t-1</name>"));
  EXPECT_TRUE(has(x, "machine='q35'"));
  EXPECT_TRUE(has(x, "<kernel>/pool/1234-bzImage</kernel>"));
  EXPECT_TRUE(has(x, "<initrd>/pool/5678-initramfs.cpio</initrd>"));
  EXPECT_FALSE(has(x, "/k/bzImage"));
  EXPECT_TRUE(has(x, "<acpi/>"));
  // slots = NVDIMMs + 1, maxmem = RAM + NVDIMMs + 1 GiB (as the QEMU backend's -m).
  EXPECT_TRUE(has(x, "<maxMemory slots='3' unit='KiB'>3145728</maxMemory>"));
  EXPECT_TRUE(has(x, "<cell id='0' cpus='0-1' memory='1048576' unit='KiB'/>"));
  EXPECT_TRUE(has(x, "<cpu mode='maximum' check='none'>"));
  EXPECT_TRUE(has(x, "<memory model='nvdimm' access='shared'>"));
  EXPECT_TRUE(has(x, "<path>/w/nvdimm1.img</path>"));
  EXPECT_TRUE(has(x, "<alignsize unit='KiB'>2048</alignsize>"));
  EXPECT_TRUE(has(x, "<size unit='KiB'>524288</size>"));
  EXPECT_FALSE(has(x, "<label>")) << "label-less NVDIMMs";
  // Console and agent are streams over the connection: no host paths in the XML.
  EXPECT_TRUE(has(x, "<serial type='pty'>\n      <target port='0'/>"));
  EXPECT_TRUE(has(x, "<channel type='unix'>\n      <source mode='bind'/>"));
  EXPECT_TRUE(has(x, "<target type='virtio' name='org.daxtorture.agent'/>"));
  EXPECT_TRUE(has(x, "<panic model='isa'/>"));
  EXPECT_TRUE(has(x, "<on_reboot>destroy</on_reboot>"));  // = -no-reboot
  // The shared kernel command line, escaped.
  EXPECT_TRUE(has(x, "console=ttyS0,115200 panic=-1"));
  EXPECT_TRUE(has(x, "dt.test=1 a&lt;b&amp;c</cmdline>"));
  std::size_t n = 0;
  for (auto p = x.find("model='nvdimm'"); p != std::string::npos;
       p = x.find("model='nvdimm'", p + 1))
    ++n;
  EXPECT_EQ(n, 2u);
}

TEST(LibvirtXml, KvmUsesHostCpuAndTcgFallback) {
  Config c;
  c.accel = Accel::Kvm;
  c.vcpus = 1;
  LibvirtPaths p{"n", "/k", "/i", {"/n0"}};
  auto x = domain_xml(c, p);
  EXPECT_TRUE(has(x, "<domain type='kvm'>"));
  EXPECT_TRUE(has(x, "<cpu mode='host-passthrough' check='none'>"));
  EXPECT_TRUE(has(x, "cpus='0' "));
  c.accel = Accel::Tcg;
  DomainXmlOptions o;
  o.cpu_maximum = false;  // old libvirt: no mode, just the NUMA cell
  x = domain_xml(c, p, o);
  EXPECT_TRUE(has(x, "<cpu>\n    <numa>"));
}

TEST(LibvirtXml, FileCountMustMatch) {
  Config c;
  EXPECT_THROW(domain_xml(c, LibvirtPaths{"n", "/k", "/i", {}}), dt::UsageError);
}

TEST(LibvirtXml, SchemaValidTcg) {
  expect_schema_valid(domain_xml(two_nvdimms(), paths()));
}

TEST(LibvirtXml, SchemaValidKvmOneNvdimm) {
  Config c;
  c.kernel = "/k/bzImage";
  c.initramfs = "/k/initramfs.cpio";
  c.accel = Accel::Kvm;
  expect_schema_valid(domain_xml(c, LibvirtPaths{"n", "/k/bzImage", "/k/initramfs.cpio", {"/n0"}}));
}

TEST(LibvirtOptions, ConnectUris) {
  EXPECT_EQ(connect_uris(json::object()), std::vector<std::string>{"qemu:///system"});
  EXPECT_EQ(connect_uris(json{{"connect", "qemu:///session"}}),
            std::vector<std::string>{"qemu:///session"});
  auto two = connect_uris(json{{"connect", {"qemu:///system", "qemu+ssh://h2/system"}}});
  EXPECT_EQ(two.size(), 2u);
  EXPECT_THROW(connect_uris(json{{"connect", 3}}), dt::UsageError);
  EXPECT_THROW(connect_uris(json{{"connect", {"not a uri"}}}), dt::UsageError);
}

TEST(LibvirtOptions, LocalUris) {
  EXPECT_TRUE(uri_is_local("qemu:///system"));
  EXPECT_TRUE(uri_is_local("qemu+unix:///system?socket=/run/x.sock"));
  // Any host part, localhost too, goes through the remote path (files staged in a pool).
  EXPECT_FALSE(uri_is_local("qemu+ssh://root@localhost/system?keyfile=/k&no_verify=1"));
  EXPECT_FALSE(uri_is_local("qemu+ssh://user@host2/system"));
  EXPECT_FALSE(uri_is_local("qemu+tcp://10.0.0.2:16509/system"));
}

TEST(LibvirtOptions, PickHostLeastLoadedThenInTurn) {
  EXPECT_EQ(pick_host({0}, 7), 0u);
  // Equal load: round-robin by turn.
  EXPECT_EQ(pick_host({0, 0}, 0), 0u);
  EXPECT_EQ(pick_host({0, 0}, 1), 1u);
  EXPECT_EQ(pick_host({1, 1, 1}, 5), 2u);
  // The least loaded wins whatever the turn.
  EXPECT_EQ(pick_host({2, 0, 1}, 0), 1u);
  EXPECT_EQ(pick_host({2, 0, 1}, 2), 1u);
  // Ties among the least loaded: the first at or after the turn.
  EXPECT_EQ(pick_host({1, 0, 0}, 0), 1u);
  EXPECT_EQ(pick_host({0, 1, 0}, 1), 2u);
  EXPECT_THROW(pick_host({}, 0), std::logic_error);
}

TEST(LibvirtOptions, PoolDirMustBeAbsolute) {
  EXPECT_THROW(make_backend("libvirt", json{{"pool_dir", "relative/dir"}}), dt::UsageError);
  EXPECT_THROW(make_backend("libvirt", json{{"pool_dir", 3}}), dt::UsageError);
  EXPECT_NO_THROW(make_backend("libvirt", json{{"pool_dir", "/srv/dt-pool"}}));
}

// Capabilities are data declared by each backend, known before any connection is opened.
TEST(LibvirtBackend, CapabilitiesFollowTheHosts) {
  const auto local = make_backend("libvirt", json{{"connect", {"qemu:///system"}}})->capabilities();
  EXPECT_TRUE(local.reuse_nvdimm_files);
  EXPECT_FALSE(local.remote);
  const auto mixed =
      make_backend("libvirt", json{{"connect", {"qemu:///system", "qemu+ssh://h2/system"}}})
          ->capabilities();
  EXPECT_FALSE(mixed.reuse_nvdimm_files);
  EXPECT_TRUE(mixed.remote);
  const auto qemu = make_backend("qemu")->capabilities();
  EXPECT_TRUE(qemu.reuse_nvdimm_files);
  EXPECT_FALSE(qemu.remote);
}

TEST(LibvirtBackend, RegisteredAndNoDaemonIsInfraError) {
  auto names = backend_names();
  EXPECT_NE(std::find(names.begin(), names.end(), "libvirt"), names.end());
  // A socket nobody listens on: a clear InfraError naming the URI, not a crash or a hang.
  auto b = make_backend(
      "libvirt", json{{"connect", {"qemu+unix:///system?socket=/nonexistent/dt-libvirt-sock"}}});
  Config c;
  c.kernel = "/proc/self/exe";
  c.initramfs = "/proc/self/exe";
  dt::TempDir w("/tmp", "dt-lvw-");
  c.workdir = w.path();
  try {
    b->create(c);
    FAIL() << "expected InfraError";
  } catch (const dt::InfraError& e) {
    std::string m = e.what();
    EXPECT_TRUE(has(m, "no libvirt daemon answers")) << m;
    EXPECT_TRUE(has(m, "/nonexistent/dt-libvirt-sock")) << m;
  }
}
