// daxtorture repro RUN_ID: rerun exactly the cell of a recorded run (same image, seed,
// filesystem options, workload parameters and VM shape) N times and report how often each of
// its finding titles reappears.
#include <fmt/format.h>

#include <iostream>
#include <map>

#include "campaign/campaign.hpp"
#include "cli/commands.hpp"
#include "cli/common.hpp"
#include "image/image.hpp"
#include "results/store.hpp"
#include "runner/cell.hpp"
#include "util/error.hpp"

namespace dt::cli {
namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {

campaign::Cell cell_from_json(const json& j) {
  campaign::Cell c;
  c.index = j.value("index", std::size_t{0});
  c.id = j.value("id", "");
  auto f = j.at("fs");
  c.fs.name = f.value("name", "");
  c.fs.label = c.fs.name;
  c.fs.mkfs_args = f.value("mkfs", std::vector<std::string>{});
  c.fs.mount_opts = f.value("mount", "");
  c.workload.name = j.at("workload").value("name", "");
  c.workload.label = c.workload.name;
  // Named locals: a range-for over items() of a temporary json reads a destroyed object.
  const json wparams = j.at("workload").value("params", json::object());
  for (auto& [k, v] : wparams.items()) c.workload.params.push_back({k, v});
  const json injectors = j.value("injectors", json::array());
  for (auto& i : injectors) {
    campaign::InjectorSpec spec;
    spec.name = i.value("name", "");
    const json iparams = i.value("params", json::object());
    for (auto& [k, v] : iparams.items()) spec.params.push_back({k, v});
    c.injectors.push_back(spec);
  }
  c.kernel = j.value("kernel", "default");
  auto v = j.value("vm", json::object());
  // A record without a field ran with the campaign's default for it.
  c.vm.vcpus = v.value("vcpus", c.vm.vcpus);
  c.vm.memory_bytes = v.value("memory", c.vm.memory_bytes);
  c.vm.nvdimm_bytes = v.value("nvdimm", c.vm.nvdimm_bytes);
  c.vm.nvdimm_count = v.value("nvdimms", c.vm.nvdimm_count);
  c.duration_s = j.value("duration_s", 0.0);
  c.iterations = j.value("iterations", std::uint64_t{0});
  c.repetition = j.value("repetition", 0);
  c.seed = j.value("seed", std::uint64_t{0});
  return c;
}

}  // namespace

void add_repro_command(CLI::App& app, std::function<int()>& action) {
  struct Options {
    std::string run_id, from = "daxtorture-out", out;
    int count = 3;
    std::string accel = "auto";
    bool canary = false;
  };
  auto o = std::make_shared<Options>();
  auto* cmd = app.add_subcommand(
      "repro", "rerun the exact cell of a recorded run and count how often its findings reappear");
  cmd->add_option("run_id", o->run_id, "run id (see `daxtorture report`)")->required();
  cmd->add_option("--from", o->from, "results directory holding the run");
  cmd->add_option("-o,--out", o->out, "where the repro runs go (default: <from>/repro/<run_id>)");
  cmd->add_option("-n,--count", o->count, "how many times to rerun");
  cmd->add_option("--accel", o->accel, "auto, kvm or tcg");
  cmd->add_flag("--canary", o->canary,
                "also provoke the hung-task canary (reproduces a canary run)");
  cmd->callback([o, &action] {
    action = [o] {
      results::Store src(o->from);
      auto rec = src.run(o->run_id);
      if (!rec) throw UsageError(fmt::format("no run '{}' in {}", o->run_id, o->from));
      auto cell = cell_from_json(rec->cell);
      fs::path out = o->out.empty() ? fs::path(o->from) / "repro" / o->run_id : fs::path(o->out);
      results::Store store(out);
      // The same image as the original when it is still cached; else the same kernel spec.
      image::ImageStore images;
      std::optional<image::Image> img;
      for (auto& i : images.list())
        if (i.key == rec->image_key) img = i;
      if (!img) {
        info("note: image " + rec->image_key + " is no longer cached; using the current '" +
             cell.kernel + "' image");
        img = ensure_image(request_for_kernel(cell.kernel, src.meta("catalogue")), true);
      }
      auto accel = choose_accel(o->accel, *img);
      info(accel.reason);
      auto backend = vm::make_backend(rec->backend.empty() ? "qemu" : rec->backend);
      std::map<std::string, int> seen;
      std::set<std::string> original;
      for (auto& f : rec->findings) original.insert(f.title);
      for (int i = 0; i < o->count; ++i) {
        runner::CellContext ctx;
        ctx.campaign = rec->campaign + "-repro";
        ctx.backend = backend.get();
        ctx.backend_name = rec->backend.empty() ? "qemu" : rec->backend;
        ctx.accel = accel.accel;
        ctx.out = out;
        ctx.canary = o->canary;
        auto r = runner::run_cell(cell, *img, ctx);
        store.add_run(r);
        std::set<std::string> titles;
        for (auto& f : r.findings) titles.insert(f.title);
        for (auto& t : titles) ++seen[t];
        info(fmt::format("repro {}/{}: {} ({} findings)", i + 1, o->count,
                         results::to_string(r.status), r.findings.size()));
      }
      std::cout << fmt::format("repro of {} ({}, seed {}) x{}:\n", o->run_id, cell.id, cell.seed,
                               o->count);
      int reproduced = 0;
      for (auto& t : original) {
        std::cout << fmt::format("  {}/{}  {}\n", seen[t], o->count, t);
        reproduced += seen[t] > 0;
      }
      for (auto& [t, n] : seen)
        if (!original.count(t))
          std::cout << fmt::format("  {}/{}  {} (new in repro)\n", n, o->count, t);
      if (original.empty()) std::cout << "  the original run had no findings\n";
      return reproduced > 0 || original.empty() ? int(kClean) : int(kFindings);
    };
  });
}

}  // namespace dt::cli
