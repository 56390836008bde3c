// daxtorture shell: boot the image, set up and mount a DAX filesystem exactly as a run does,
// then hand the serial console to the user with a shell in /mnt/dax (kernel developers debug
// this way). QEMU owns the terminal: Ctrl-A X quits, as does `poweroff -f` in the guest.
#include <fmt/format.h>
#include <unistd.h>

#include <thread>

#include "cli/commands.hpp"
#include "cli/common.hpp"
#include "runner/dax_setup.hpp"
#include "runner/session.hpp"
#include "util/error.hpp"
#include "util/paths.hpp"
#include "util/tempdir.hpp"

namespace dt::cli {

void add_shell_command(CLI::App& app, std::function<int()>& action) {
  struct Options {
    ImageOptions image;
    std::string fs = "xfs";
    std::string accel = "auto";
    bool keep = false;
  };
  auto o = std::make_shared<Options>();
  auto* cmd = app.add_subcommand(
      "shell", "boot a DAX guest with the filesystem mounted and get a shell on its console");
  o->image.add_to(*cmd, false);
  cmd->add_option("--fs", o->fs, "xfs, ext4, ext2, or none (no filesystem set up)");
  cmd->add_option("--accel", o->accel, "auto, kvm or tcg");
  cmd->add_flag("--keep-artifacts", o->keep, "keep the VM directory (console log, NVDIMM file)");
  cmd->callback([o, &action] {
    action = [o] {
      if (o->fs != "none") runner::default_fs(o->fs);
      auto img = ensure_image(o->image.request(), true);
      auto accel = choose_accel(o->accel, img);
      info(accel.reason);
      TempDir work(scratch_dir(), "shell-", TempDir::Owner::locked);
      work.keep(o->keep);
      vm::Config cfg;
      cfg.kernel = img.kernel;
      cfg.initramfs = img.initramfs;
      cfg.accel = accel.accel;
      cfg.workdir = work.path();
      cfg.interactive = true;
      cfg.nvdimm_templates = runner::namespace_templates(img.dir, cfg.nvdimms);
      auto backend = vm::make_backend("qemu");
      runner::SessionOptions so;
      so.silence_timeout_s = 1e9;  // a person at a shell may think for a long time
      runner::Session s(*backend, cfg, so);
      s.wait_ready();
      if (o->fs != "none") {
        runner::ready_namespaces(s, 1, s.instance().nvdimm_files(), cfg.nvdimm_templates);
        auto proof = runner::format_and_mount(s, runner::default_fs(o->fs));
        info(fmt::format("{} mounted on /mnt/dax, DAX {}", o->fs,
                         proof.ok ? "on" : "OFF: " + proof.message));
      }
      info("shell on the guest console; Ctrl-A X or 'poweroff -f' ends it");
      s.instance().agent().send(protocol::encode(protocol::Shell{}));
      while (!s.instance().exited()) {
        while (s.instance().agent().next(0.2)) {
        }
      }
      return int(kClean);
    };
  });
}

}  // namespace dt::cli
