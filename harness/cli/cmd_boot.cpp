// daxtorture boot: one VM with an emulated NVDIMM, a DAX filesystem, and the proof that DAX
// is really on. The first thing to run on a new host or a new kernel.
#include <fmt/format.h>

#include <iostream>

#include "cli/commands.hpp"
#include "cli/common.hpp"
#include "runner/dax_setup.hpp"
#include "runner/fresh_guest.hpp"
#include "runner/session.hpp"
#include "util/error.hpp"
#include "util/paths.hpp"
#include "util/tempdir.hpp"

namespace dt::cli {

namespace {
struct BootOptions {
  ImageOptions image;
  std::vector<std::string> fs{"xfs"};
  std::string accel = "auto";
  std::string backend = "qemu";
  std::vector<std::string> connect;
  bool json = false;
  bool keep = false;
  bool build = true;
  bool ready_state = false;
};
}  // namespace

void add_boot_command(CLI::App& app, std::function<int()>& action) {
  auto o = std::make_shared<BootOptions>();
  auto* cmd = app.add_subcommand(
      "boot", "boot a DAX guest, mount each filesystem with DAX and prove DAX is on");
  o->image.add_to(*cmd, false);
  cmd->add_option("--fs", o->fs, "filesystem(s): xfs, ext4, ext2 (each in a fresh VM)")
      ->delimiter(',');
  cmd->add_option("--accel", o->accel, "auto, kvm or tcg");
  cmd->add_option("--backend", o->backend, "VM backend: qemu or libvirt")
      ->envname("DAXTORTURE_BACKEND")
      ->capture_default_str();
  cmd->add_option("--connect", o->connect, "libvirt URI (repeatable: VMs are spread across hosts)");
  cmd->add_flag("--json", o->json, "one JSON object per filesystem on stdout");
  cmd->add_flag("--keep-artifacts", o->keep, "keep the VM directory (console log, NVDIMM file)");
  cmd->add_flag("--ready-state", o->ready_state,
                "start from the image's saved fresh guest, as the VM pool does (the first such "
                "boot saves it); qemu backend only");
  cmd->callback([o, &action] {
    action = [o] {
      for (auto& f : o->fs) runner::default_fs(f);  // unknown fs: usage error before anything boots
      // An unknown backend is a usage error before a kernel build of minutes, not after it.
      nlohmann::json backend_opts = nlohmann::json::object();
      if (!o->connect.empty()) backend_opts["connect"] = o->connect;
      auto backend = vm::make_backend(o->backend, backend_opts);
      if (o->ready_state && !backend->capabilities().snapshots)
        throw UsageError("--ready-state: the " + o->backend +
                         " backend cannot save and load VM snapshots; use --backend qemu");
      auto img = ensure_image(o->image.request(), o->build);
      auto accel = choose_accel(o->accel, img);
      info(accel.reason);
      bool all_ok = true;
      for (auto& fsname : o->fs) {
        TempDir work(scratch_dir(), "boot-" + fsname + "-", TempDir::Owner::locked);
        work.keep(o->keep);
        vm::Config cfg;
        cfg.kernel = img.kernel;
        cfg.initramfs = img.initramfs;
        cfg.accel = accel.accel;
        cfg.workdir = work.path();
        if (!backend->capabilities().remote)
          cfg.nvdimm_templates = runner::namespace_templates(img.dir, cfg.nvdimms);
        cfg.snapshots = o->ready_state;
        std::unique_ptr<runner::Session> guest;
        auto fresh = runner::start_fresh_guest(
            *backend, cfg, {.ready_states = runner::ready_states_dir(img.dir)}, guest);
        runner::Session& s = *guest;
        const auto& ns = fresh.namespaces;
        auto proof = runner::format_and_mount(s, runner::default_fs(fsname));
        proof.seconds += ns.seconds;
        double total = vm::steady_now() - s.instance().boot_started();
        s.poweroff();
        s.close();
        all_ok &= proof.ok;
        nlohmann::json j = {{"fs", fsname},
                            {"dax", proof.ok},
                            {"message", proof.message},
                            {"accel", vm::to_string(accel.accel)},
                            {"kernel", s.hello().kernel},
                            {"boot_to_ready_s", s.boot_to_ready_s()},
                            {"setup_s", proof.seconds},
                            {"namespace_s", ns.seconds},
                            {"namespaces", fresh.from_ready_state ? "ready state"
                                           : ns.from_template     ? "template"
                                                                  : "ndctl"},
                            {"start", fresh.start},
                            {"boot_to_dax_proof_s", total},
                            {"check", proof.check},
                            {"console", s.instance().console_log().string()}};
        if (o->json)
          std::cout << j.dump() << std::endl;
        else
          std::cout << fmt::format(
                           "{:<5} DAX {}  boot-to-ready {:.1f}s  namespace+mkfs+mount+proof "
                           "{:.1f}s  boot-to-DAX-proof {:.1f}s{}\n",
                           fsname, proof.ok ? "on " : "OFF", s.boot_to_ready_s(), proof.seconds,
                           total, proof.ok ? "" : "  (" + proof.message + ")")
                    << std::flush;
      }
      return all_ok ? int(kClean) : int(kInfra);
    };
  });
}

}  // namespace dt::cli
