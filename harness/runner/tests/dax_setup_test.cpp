// A fresh guest's fsdax namespaces: which the guest already has (from the image's template),
// which ndctl must make, and that the guest's NVDIMM files become the template only when it
// made one. The listings are captured from our own 6.1 guests (testdata/fsdax_list/README.md).
#include "runner/dax_setup.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "util/file.hpp"
#include "util/tempdir.hpp"

using namespace dt;
using namespace dt::runner;
namespace fs = std::filesystem;

namespace {

std::string listing(const std::string& name) {
  return read_file(fs::path(DT_RUNNER_TESTDATA) / "fsdax_list" / (name + ".jsonl"));
}

nlohmann::json capture(const std::string& name) {
  auto list = nlohmann::json::array();
  std::istringstream in(listing(name));
  for (std::string line; std::getline(in, line);) list.push_back(nlohmann::json::parse(line));
  return list;
}

// A guest whose `ndctl list -N` prints a given text; records the commands it was given.
class ListingGuest : public GuestControl {
 public:
  std::string listing;
  std::vector<std::string> calls;
  ExecResult exec(const std::vector<std::string>& argv, double,
                  const std::function<void(const std::string&)>&) override {
    std::string call;
    for (auto& a : argv) call += (call.empty() ? "" : " ") + a;
    calls.push_back(call);
    ExecResult r;
    r.code = 0;
    if (argv.at(0) == "sh") {
      std::size_t b = 0;
      for (std::size_t e; (e = listing.find('\n', b)) != std::string::npos; b = e + 1)
        r.out.push_back(listing.substr(b, e - b));
    }
    return r;
  }
  WriteResult write_file(const std::string&, const std::string&, double) override {
    return WriteResult::written();
  }
  std::size_t console_size() const override { return 0; }
  std::string console_text(std::size_t) const override { return ""; }
  bool fence(double) override { return true; }
  int guest_cpus() const override { return 2; }
  void pause_vm() override {}
  bool vm_paused() override { return false; }
  void resume_vm() override {}
  void hard_reset() override {}
  void pull_plug() override {}
};

}  // namespace

TEST(Namespaces, AnFsdaxNamespaceWith2MAlignIsReady) {
  EXPECT_EQ(namespaces_missing(capture("from_template"), 1), std::vector<int>{});
}

TEST(Namespaces, RawWrongAlignAbsentOrUnreadableAreMissing) {
  EXPECT_EQ(namespaces_missing(capture("zeroed_nvdimm"), 1), std::vector<int>{0});
  auto small_align = capture("from_template");
  small_align[0]["align"] = 4096;
  EXPECT_EQ(namespaces_missing(small_align, 1), std::vector<int>{0});
  auto no_blockdev = capture("from_template");
  no_blockdev[0].erase("blockdev");
  EXPECT_EQ(namespaces_missing(no_blockdev, 1), std::vector<int>{0});
  // Two NVDIMMs, only the first one's namespace came up.
  EXPECT_EQ(namespaces_missing(capture("from_template"), 2), std::vector<int>{1});
  EXPECT_EQ(namespaces_missing({nlohmann::json::parse("garbage", nullptr, false)}, 2),
            (std::vector<int>{0, 1}));
}

TEST(Namespaces, NdctlRunsAndTheGuestFilesBecomeTheTemplateOnlyWhenNeeded) {
  TempDir d("/tmp", "dt-ns-");
  const fs::path guest_file = d.path() / "nvdimm0.img";
  const auto templates = namespace_templates(d.path() / "image", {512ull << 20});
  ASSERT_EQ(templates.size(), 1u);
  EXPECT_EQ(templates[0].filename(), "fsdax-nvdimm0-512M.img");
  fs::create_directories(templates[0].parent_path());
  std::ofstream(guest_file) << "labels and a pfn info block";

  ListingGuest fresh;
  fresh.listing = listing("zeroed_nvdimm");
  auto made = ready_namespaces(fresh, 1, {guest_file}, templates);
  EXPECT_FALSE(made.from_template);
  ASSERT_EQ(fresh.calls.size(), 2u);
  EXPECT_EQ(fresh.calls[1], "ndctl create-namespace -f -e namespace0.0 -m fsdax --align 2M");
  EXPECT_EQ(read_file(templates[0]), "labels and a pfn info block");

  std::ofstream(guest_file) << "a later guest's files";
  ListingGuest from_template;
  from_template.listing = listing("from_template");
  EXPECT_TRUE(ready_namespaces(from_template, 1, {guest_file}, templates).from_template);
  EXPECT_EQ(from_template.calls.size(), 1u) << "ndctl ran although the namespace was ready";
  EXPECT_EQ(read_file(templates[0]), "labels and a pfn info block") << "template overwritten";

  // No templates kept (a remote host): ndctl runs, nothing is written.
  ListingGuest remote;
  remote.listing = fresh.listing;
  EXPECT_FALSE(ready_namespaces(remote, 1, {d.path() / "remote-path"}, {}).from_template);
  EXPECT_EQ(remote.calls.size(), 2u);
}
