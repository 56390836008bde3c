#include "console/frame_picker.hpp"

#include <regex>

#include "console/prefix.hpp"
#include "console/symbols.hpp"

namespace dt::console {

namespace {

constexpr std::size_t kMaxSymbol = 128;  // longer "symbols" are garbage; keep regex work small

const std::regex& machinery_re() {
  static const std::regex re(
      "dump_stack(_lvl)?|show_stack|show_trace_log_lvl|show_regs|__show_regs|sched_show_task|"
      "_?printk|vprintk\\w*|__warn|warn_slowpath\\w*|__warn_printk|report_bug|handle_bug|"
      "do_error_trap|do_trap|die|__die\\w*|oops_\\w+|panic|nmi_panic|nmi_cpu_backtrace\\w*|"
      "nmi_trigger_cpumask_backtrace|arch_trigger_cpumask_backtrace|trigger_\\w*backtrace|"
      "nmi_handle|default_do_nmi|exc_\\w+|asm_\\w+|entry_\\w+|do_syscall_64|syscall_\\w+|"
      "__x64_sys_\\w+|x64_sys_call|ret_from_fork\\w*|kthread|worker_thread|process_one_work|"
      "smpboot_thread_fn|print_\\w+|lockdep_\\w+|__lock_acquire|lock_acquire|lock_release|"
      "__lock_release|lock_acquired|lock_contended|check_\\w+|validate_chain|mark_lock\\w*|"
      "mark_usage|debug_locks_off|debug_check_no_locks_\\w+|kasan_\\w+|__kasan_\\w+|____kasan_\\w+|"
      "__asan_\\w+|asan_\\w+|"
      "__might_resched|__might_sleep|___might_sleep|__might_fault|might_fault|"
      "rcu_dump_cpu_stacks|rcu_sched_clock_irq|update_process_times|tick_\\w+|"
      "__hrtimer_run_queues|hrtimer_interrupt|__sysvec_\\w+|sysvec_\\w+|watchdog_timer_fn|"
      "bad_page|print_bad_pte|dump_page|__dump_page|xfs_error_report|xfs_corruption_error|"
      "xfs_stack_trace|assfail|asswarn|xfs_buf_verifier_error|xfs_verifier_error|"
      "xfs_buf_corruption_error|xfs_inode_verifier_error|xfs_do_force_shutdown|"
      "xfs_buf_ioerror_alert|__ext4_error\\w*|ext4_handle_error|__ext4_std_error|ext2_error",
      std::regex::optimize);
  return re;
}

const std::regex& generic_re() {
  static const std::regex re(
      // locks, and the FS wrappers that only take a lock (the caller is the interesting part)
      "_raw_(spin|read|write)_\\w+|(spin|read|write)_(lock|unlock|trylock)\\w*|do_raw_\\w+|"
      "queued_\\w+|native_queued_\\w+|__pv_queued_\\w+|__mutex_\\w+|mutex_(lock|unlock|trylock)\\w*"
      "|"
      "(__)?ww_mutex_\\w+|ww_mutex_\\w+|rt_mutex_\\w+|(__)?down(_read|_write)?(_\\w+)?|"
      "(__)?up(_read|_write)?|downgrade_write|(__)?rwsem_\\w+|rwsem_\\w+|percpu_(down|up)_\\w+|"
      "__percpu_\\w+|percpu_rwsem_\\w+|(__)?rcu_\\w+|rcu_\\w+|synchronize_rcu\\w*|lock_map_\\w+|"
      "lock_sync|lock_is_held_type|(__)?lock_page\\w*|(__)?folio_lock\\w*|unlock_page|folio_unlock|"
      "xfs_ilock\\w*|xfs_iunlock\\w*|xfs_iolock\\w*|xfs_mmaplock\\w*|xfs_lock_two_inodes|"
      "xfs_lock_inodes|filemap_invalidate_(lock|unlock)\\w*|inode_(lock|unlock)\\w*|"
      "i_mmap_(lock|unlock)\\w*|sb_start_\\w+|__sb_start_write\\w*|__sb_end_write|sb_end_\\w+|"
      "start_this_handle|jbd2__journal_start|jbd2_journal_start|__ext4_journal_start\\w*|"
      "ext4_journal_start\\w*|"
      // the generic page-fault path between the CPU exception and the filesystem's ->fault
      "handle_mm_fault|__handle_mm_fault|handle_pte_fault|do_fault|__do_fault|do_read_fault|"
      "do_shared_fault|do_cow_fault|do_page_mkwrite|wp_pfn_shared|do_wp_page|wp_page_shared|"
      "create_huge_pmd|create_huge_pud|wp_huge_pmd|wp_huge_pud|do_user_addr_fault|"
      "handle_page_fault|do_kern_addr_fault|__get_user_pages\\w*|get_user_pages\\w*|"
      "pin_user_pages\\w*|__gup_\\w+|faultin_page|fixup_user_fault|fault_in_\\w+|"
      "unmap_mapping_\\w+|"
      // xarray internals: the DAX entry code calling them is the interesting part
      "xas_\\w+|(__)?xa_\\w+|"
      // user copies and mem* helpers
      "copy_user_\\w+|_copy_to_user|_copy_from_user|copy_page_to_iter|copy_page_from_iter|"
      "_copy_(to|from)_iter\\w*|copy_mc_\\w+|copyin|copyout|rep_movs_alternative|__put_user_\\w+|"
      "__get_user_\\w+|strncpy_from_user|(__)?mem(cpy|set|move)\\w*|clear_user|__clear_user|"
      "clear_page\\w*|copy_page|"
      // scheduler and waiting
      "__schedule|schedule|schedule_timeout\\w*|schedule_preempt_disabled|io_schedule\\w*|"
      "preempt_schedule\\w*|(__)?_?cond_resched\\w*|wait_for_completion\\w*|__wait_for_common|"
      "wait_for_common\\w*|do_wait_for_common|bit_wait\\w*|out_of_line_wait_on_bit\\w*|"
      "__wait_on_bit\\w*|wait_on_page_bit\\w*|folio_wait_bit\\w*|__flush_work|flush_work|"
      "msleep|schedule_hrtimeout\\w*|finish_wait|prepare_to_wait\\w*|"
      "(__)?wake_up\\w*|autoremove_wake_function|"
      // allocators and page freeing
      "(__)?kmalloc\\w*|kmem_cache_\\w+|(__)?slab_\\w+|___slab_\\w+|(__)?alloc_pages\\w*|folio_"
      "alloc|"
      "kfree|__kmem_cache_free|kvfree|kfree_\\w+|(__)?free_pages\\w*|free_unref_page\\w*|"
      "__folio_put|folio_put|(__)?put_page|release_pages|free_pages_prepare|free_page_is_bad|"
      "check_new_page\\w*|free_pcp_prepare|__free_one_page|(__)?pagevec_release|"
      "(__)?folio_batch_release|folios_put\\w*|"
      // interrupt plumbing
      "irq_exit\\w*|__irq_exit_rcu|__do_softirq|do_softirq\\w*|run_ksoftirqd|common_interrupt|"
      "native_safe_halt|default_idle\\w*|arch_cpu_idle|cpu_idle_poll|do_idle|cpu_startup_entry",
      std::regex::optimize);
  return re;
}

bool full_match(const std::regex& re, std::string_view s) {
  return std::regex_match(s.begin(), s.end(), re);
}

// Appends the reliable frames of the first call trace after the `after` marker.
void trace_frames(const FrameRule& rule, const std::vector<std::string>& lines,
                  std::vector<std::string>& out) {
  bool after_seen = rule.after.empty();
  bool in_trace = false, in_task = false, saw_frame = false;
  int irq_depth = 0;
  for (const auto& raw : lines) {
    const std::string_view t = trim(raw);
    if (!after_seen) {
      after_seen = t.find(rule.after) != std::string_view::npos;
      continue;
    }
    if (!in_trace) {
      in_trace = t == "Call Trace:";
      continue;
    }
    if (is_trace_marker(t)) {
      if (t == "<TASK>") in_task = true;
      if (t == "</TASK>") return;
      if (t == "<IRQ>" || t == "<NMI>" || t == "<SOFTIRQ>") ++irq_depth;
      if ((t == "</IRQ>" || t == "</NMI>" || t == "</SOFTIRQ>") && irq_depth > 0) --irq_depth;
      continue;
    }
    if (auto f = parse_frame(t)) {
      saw_frame = true;
      if (f->reliable && !(rule.skip_irq && irq_depth > 0)) out.push_back(clean_symbol(f->symbol));
      continue;
    }
    // Register dumps sit inside <TASK> sections of NMI backtraces; without markers a non-frame
    // line ends the trace.
    if (!in_task && saw_frame) return;
  }
}

}  // namespace

bool is_machinery(std::string_view fn) {
  return fn.size() <= kMaxSymbol && full_match(machinery_re(), fn);
}

bool is_generic(std::string_view fn) {
  return fn.size() <= kMaxSymbol && full_match(generic_re(), fn);
}

std::string pick_frame(const FrameRule& rule, const FrameRegexes& res,
                       const std::vector<std::string>& lines,
                       const std::vector<std::string>& groups) {
  const std::regex* skip = res.skip;
  std::vector<std::string> cands;
  for (int g : {rule.group, rule.alt_group}) {
    if (g <= 0 || static_cast<std::size_t>(g) >= groups.size()) continue;
    const std::string& text = groups[static_cast<std::size_t>(g)];
    if (text.find_first_of(" ()!&|=<>,*[]") == std::string::npos || parse_frame(text)) {
      cands.push_back(clean_symbol(text));
    }
  }
  if (rule.rip) {
    for (const auto& l : lines) {
      if (auto sym = parse_rip(l)) cands.push_back(clean_symbol(*sym));
    }
  }
  trace_frames(rule, lines, cands);

  auto usable = [&](const std::string& fn) {
    return !fn.empty() && fn.size() <= kMaxSymbol && !is_machinery(fn) &&
           !(skip && full_match(*skip, fn));
  };
  for (const auto& fn : cands) {
    if (usable(fn) && !is_generic(fn)) return fn;
  }
  for (const auto& fn : cands) {
    if (usable(fn)) return fn;
  }
  if (res.fallback) {
    std::smatch m;
    for (const auto& l : lines) {
      if (std::regex_search(l, m, *res.fallback) && m.size() > 1) {
        std::string fn = clean_symbol(m[1].str());
        if (usable(fn)) return fn;
      }
    }
  }
  return {};
}

}  // namespace dt::console
