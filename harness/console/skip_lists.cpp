#include "console/skip_lists.hpp"

namespace dt::console::skip {

namespace {

// One entry per line group, by category; the layout is part of the data.
// clang-format off

// ---- never blamed ---------------------------------------------------------------------------

constexpr std::string_view kMachineryData[] = {
    // stack dumping and printing
    R"(dump_stack(_lvl)?)", R"(show_stack)", R"(show_trace_log_lvl)", R"(show_regs)",
    R"(__show_regs)", R"(show_regs_if_on_stack)", R"(sched_show_task)", R"(dump_backtrace)",
    R"(walk_stack\w*)", R"(arch_stack_walk)", R"(stack_trace_\w+)", R"(_?printk\w*)",
    R"(vprintk\w*)", R"(print_\w+)", R"(dump_page)", R"(__dump_page)", R"(print_hex_dump\w*)",
    // WARN/BUG and trap handling
    R"(__warn)", R"(warn_slowpath\w*)", R"(__warn_printk)", R"(report_bug)", R"(handle_bug)",
    R"(fixup_bug)", R"(do_error_trap)", R"(do_trap)", R"(do_int3\w*)", R"(die)", R"(__die\w*)",
    R"(oops_\w+)", R"(panic)", R"(nmi_panic)", R"(check_panic_on_warn)", R"(__stack_chk_fail)",
    R"(bad_page)", R"(print_bad_pte)", R"(print_bad_page_map)",
    // interrupt, exception and syscall entry
    R"(exc_\w+)", R"(asm_\w+)", R"(entry_\w+)", R"(do_syscall_64)", R"(do_syscall_\w+)",
    R"(syscall_\w+)", R"(x64_sys_call)", R"(ret_from_fork\w*)", R"(ret_from_intr)",
    R"(__sysvec_\w+)", R"(sysvec_\w+)", R"(irq_exit\w*)", R"(__irq_exit_rcu)",
    R"(handle_irq_event\w*)", R"(common_interrupt)",
    // NMI backtraces and the timer path that reports stalls
    R"(nmi_cpu_backtrace\w*)", R"(nmi_trigger_cpumask_backtrace)",
    R"(arch_trigger_cpumask_backtrace)", R"(trigger_\w*backtrace)", R"(nmi_handle)",
    R"(default_do_nmi)", R"((end_)?repeat_nmi)", R"(first_nmi)", R"(nmi_restore)",
    R"(nested_nmi\w*)", R"(dump_cpu_task)", R"(rcu_dump_cpu_stacks)",
    R"(rcu_sched_clock_irq\w*)", R"(rcu_pending)", R"(check_cpu_stall)",
    R"(print_cpu_stall\w*)", R"(print_other_cpu_stall\w*)", R"(update_process_times)",
    R"(tick_\w+)", R"(__hrtimer_run_queues)", R"(hrtimer_interrupt)", R"(hrtimer_run_queues)",
    R"(watchdog_timer_fn)", R"(softlockup_fn)", R"(lapic_can_unplug_cpu)",
    R"(smp_call_function_single_interrupt)",
    // sanitizer runtimes
    // (prefixes, not substrings: our own canary's dt_canary_kasan() is the bug)
    R"(_{0,4}kasan_\w+)", R"(__asan_\w+)", R"(asan_\w+)", R"(_{0,2}kfence_\w+)",
    R"(_{0,2}kmsan_\w+)", R"(_{0,2}ubsan_\w+)", R"(__sanitizer\w*)",
    R"(check_memory_region\w*)", R"(report_(bug|invalid_free|double_free)\w*)",
    // sleep / atomic checks
    R"(__might_resched)", R"(__might_sleep)", R"(___might_sleep)", R"(__might_fault)",
    R"(might_fault)", R"(__cant_sleep)", R"(__cant_migrate)", R"(check_preemption_disabled)",
    R"(debug_smp_processor_id)", R"(__this_cpu_preempt_check)", R"(__schedule_bug)",
    R"(schedule_debug\w*)",
    // XFS and ext* error reporting (the caller is the interesting part)
    R"(xfs_error_report)", R"(xfs_corruption_error)", R"(xfs_stack_trace)", R"(assfail)",
    R"(asswarn)", R"(xfs_buf_verifier_error)", R"(xfs_verifier_error)",
    R"(xfs_buf_corruption_error)", R"(xfs_inode_verifier_error)", R"(xfs_do_force_shutdown)",
    R"(xfs_buf_ioerror_alert)", R"(__ext4_error\w*)", R"(ext4_handle_error)",
    R"(__ext4_std_error)", R"(ext2_error)",
};

constexpr std::string_view kHelpersData[] = {
    // lockdep internals
    R"(_{0,2}lockdep_\w+)", R"(__lock_acquire\w*)", R"(lock_acquire\w*)", R"(lock_release)",
    R"(__lock_release)", R"(lock_acquired)", R"(lock_contended)", R"(lock_is_held_type)",
    R"(lock_sync)", R"(lock_map_\w+)", R"(check_\w+)", R"(validate_chain)", R"(mark_lock\w*)",
    R"(mark_usage)", R"(mark_held_locks)", R"(reacquire_held_locks)", R"(debug_locks_off)",
    R"(debug_check_no_locks_\w+)", R"(lock_class\w*)", R"(register_lock_class)",
    R"(look_up_lock_class)", R"(hlock_class)", R"(print_usage_bug\w*)",
    R"(print_unlock_imbalance_bug\w*)", R"(imbalance_bug)", R"((trace|lockdep)_(hard|soft)irqs?\w*)",
    // lock primitives and their slow paths
    R"(_raw_(spin|read|write)_\w+)", R"((spin|read|write)_(lock|unlock|trylock)\w*)",
    R"(do_raw_\w+)", R"(queued_\w+)", R"(native_queued_\w+)", R"(__pv_queued_\w+)",
    R"(pv_queued_\w+)", R"(__mutex_\w+)", R"(mutex_(lock|unlock|trylock)\w*)",
    R"(mutex_optimistic_spin)", R"((__)?ww_mutex_\w+)", R"((__)?rt_mutex_\w+)", R"(rt_spin_\w+)",
    R"(down)", R"((__)?down_(read|write|trylock|interruptible|killable|timeout)\w*)",
    R"((__)?up_(read|write))", R"(up)", R"(downgrade_write)", R"((__)?rwsem_\w+)",
    R"(rwbase_\w+)", R"(percpu_(down|up)_\w+)", R"(__percpu_(down|up)_\w+)",
    R"(percpu_rwsem_\w+)", R"(osq_(lock|unlock))", R"(owner_on_cpu)", R"(raw_spin_rq_\w+)",
    R"(bit_spin_\w+)", R"(__bit_spin_\w+)", R"(local_bh_(enable|disable)\w*)",
    R"(__local_bh_\w+)", R"(_local_bh_\w+)",
    // atomics, bitops, refcounts
    R"((arch_)?atomic(64)?_\w+)", R"((__)?(set|clear|change|test)_bit\w*)",
    R"((__)?refcount_\w+)", R"(kref_\w+)", R"(ref_tracker\w*)",
    // list / rbtree / hash helpers (CONFIG_DEBUG_LIST reports in the helper)
    R"((__)?list_(add|del|replace|move|splice|cut)\w*)", R"(__list_\w+_valid\w*)",
    R"(hlist_\w+)", R"((__)?rb_\w+)", R"(rhashtable_lookup\w*)", R"(klist_\w+)",
    // string, memory and formatting helpers (fortify reports in the helper)
    R"((__)?mem(cpy|set|move|cmp|chr|dup)\w*)", R"(\w*str(n?cpy|l?cat|cmp|ncmp|len|nlen|chr|rchr|str|nstr|dup|ndup|scpy|lcpy)\w*)",
    R"(\w*string\w*)", R"(pointer)", R"(v?sn?printf)", R"(v?scnprintf)", R"(k?v?asprintf)",
    R"(va_format\w*)", R"(fortify_\w+)", R"(__fortify_\w+)", R"(__read_once_\w+)",
    R"(read_word_at_a_time)", R"(hex_dump_to_buffer)", R"(dev_(info|notice|warn|err|alert|crit|emerg))",
    R"(_dev_(info|notice|warn|err|alert|crit|emerg))",
    // user copies
    R"(\w*copy_(to|from)_user\w*)", R"(_copy_(to|from)_iter\w*)", R"(copy_(page|folio)_(to|from)_iter)",
    R"(copy_mc_\w+)", R"(copyin)", R"(copyout)", R"(rep_movs_alternative)",
    R"(__(put|get)_user\w*)", R"((put|get)_user\w*)", R"(strncpy_from_user)",
    R"(clear_user)", R"(__clear_user)", R"(might_sleep)",
    // allocators
    R"((__)?kmalloc\w*)", R"(__kmalloc\w*)", R"(kzalloc\w*)", R"(kcalloc\w*)", R"(kvmalloc\w*)",
    R"(kvzalloc\w*)", R"(krealloc\w*)", R"(vmalloc\w*)", R"(__vmalloc\w*)", R"(vzalloc\w*)",
    R"(kmem_cache_\w+)", R"(__kmem_cache_\w+)", R"((__|___)?slab_\w+)", R"(allocate_slab)",
    R"(new_slab)", R"((__)?alloc_pages\w*)", R"(alloc_page\w*)", R"(__alloc_frozen_pages\w*)",
    R"(folio_alloc\w*)", R"(filemap_alloc_folio\w*)", R"(__filemap_get_folio\w*)",
    R"(pagecache_get_page)", R"(find_or_create_page)", R"(grab_cache_page_write_begin)",
    R"(kfree)", R"(kvfree\w*)", R"(kfree_\w+)", R"(vfree\w*)", R"(vunmap)", R"(kmemdup\w*)",
    R"(warn_alloc)",
    // retpolines and other thunks
    R"(__x86_indirect_thunk_\w+)", R"(__x86_return_thunk)", R"(\w*_indirect_thunk_\w*)",
    // debug objects
    R"(debug_object\w*)", R"(debug_print_object)", R"(timer_is_static_object)",
    R"(work_is_static_object)",
    // xarray internals, like the list and rbtree helpers (the DAX entry code calling them is
    // the interesting part; syzbot lists only xas_(start|load|find))
    R"(xas_\w+)", R"((__)?xa_\w+)",
    // waking, completions, work and timer plumbing
    R"((__)?wake_up\w*)", R"(complete)", R"(wait_for_completion\w*)", R"(finish_wait)",
    R"(flush_work)", R"(__flush_work)", R"(__cancel_work_timer)", R"(cancel_work_sync)",
    R"(try_to_grab_pending)", R"(flush_workqueue)", R"(__flush_workqueue)", R"(drain_workqueue)",
    R"(queue_work\w*)", R"(insert_work)", R"(__queue_work)", R"(__queue_delayed_work)",
    R"(queue_delayed_work_on)", R"(del_timer\w*)", R"(__timer_delete_sync)",
    R"(lock_timer_base)", R"(__mod_timer)", R"(kthread_stop)",
    // dentry/inode refcounting that only reports on behalf of its caller
    R"(iput)", R"(iput_final)", R"(ihold)", R"(dput)", R"(fast_dput)", R"(drop_nlink)",
    R"((un)?lock_page\w*)", R"(__lock_page\w*)", R"(folio_unlock)",
};

// ---- per-format extras ----------------------------------------------------------------------

constexpr std::string_view kRefcountWarnData[] = {R"(_{0,2}refcount_\w+)", R"(kobject_\w+)"};
constexpr std::string_view kOdebugWarnData[] = {
    R"(debug_\w+)", R"(\w*rcu\w*)", R"(hrtimer_\w+)", R"(timer_\w+)", R"(\w*work_\w*)",
    R"(percpu_\w+)", R"(vunmap)", R"(vfree)", R"(__free_\w+)", R"(kobject_\w+)"};
constexpr std::string_view kUsercopyWarnData[] = {R"(\w*usercopy\w*)", R"(__check\w*)"};
constexpr std::string_view kKmallocWarnData[] = {R"(\w*kmalloc\w*)", R"(\w*krealloc\w*)",
                                                 R"(\w*slab\w*)", R"(\w*kmem\w*)"};
constexpr std::string_view kLockingWarnData[] = {R"(lock_sock\w*)", R"(release_sock)"};
constexpr std::string_view kLockdepWorkqueueData[] = {R"(process_one_work)", R"(flush_workqueue)",
                                                      R"(drain_workqueue)", R"(destroy_workqueue)"};
constexpr std::string_view kNonStaticKeyData[] = {R"(\w*stack\w*)", R"(\w*lock\w*)", R"(\w*IRQ\w*)"};
constexpr std::string_view kRcuUsageData[] = {R"(\w*rcu\w*)", R"(\w*kmem\w*)", R"(\w*slab\w*)"};
constexpr std::string_view kKasanInvalidFreeData[] = {R"(\w*slab_\w*)", R"(\w*kfree\w*)",
                                                      R"(\w*vunmap\w*)", R"(\w*vfree\w*)"};
constexpr std::string_view kSchedAtomicData[] = {R"(\w*schedule\w*)"};
constexpr std::string_view kPreemptibleData[] = {R"(\w*preempt\w*)", R"(debug_\w+)",
                                                 R"(\w*processor_id\w*)", R"(\w*this_cpu\w*)"};
constexpr std::string_view kUbsanData[] = {R"(_{0,2}ubsan_\w+)", R"(\w*overflow\w*)"};
constexpr std::string_view kRcuStallData[] = {R"(\w*apic_timer_interrupt\w*)", R"(\w*rcu\w*)"};
constexpr std::string_view kHungTaskData[] = {
    R"(\w*sched\w*)", R"(\w*_lock\w*)", R"(\w*_slowlock\w*)", R"(\w*down\w*)",
    R"(\w*rwsem\w*)", R"(\w*completion\w*)", R"(\w*kthread\w*)", R"(\w*wait\w*)",
    R"(\w*synchronize\w*)", R"(\w*context_switch\w*)", R"(\w*__switch_to\w*)",
    R"(\w*cancel_delayed_work\w*)", R"(\w*rcu_barrier\w*)"};
constexpr std::string_view kBadPageMapData[] = {
    R"(vm_normal_page)", R"(vm_normal_folio)", R"(zap_\w+)", R"(unmap_page_range)",
    R"(unmap_single_vma)", R"(unmap_vmas)", R"((__)?mmput)", R"(exit_mmap)", R"(do_exit)",
    R"(do_group_exit)", R"(get_signal)", R"(arch_do_signal_or_restart)",
    R"(exit_to_user_mode\w*)", R"(unmap_mapping_\w+)", R"(unmap_region)",
    R"(do_mas_align_munmap)", R"(do_mas_munmap)", R"(do_vmi_\w*munmap)", R"(__do_munmap)",
    R"(__vm_munmap)", R"(mmap_region)", R"(do_mmap)", R"(vm_mmap_pgoff)", R"(__x64_sys_\w+)"};
constexpr std::string_view kBadPageStateData[] = {
    R"(\w*(free|put|get|update|release)_page\w*)", R"(\w*free_unref\w*)", R"(_*folio\w*)",
    R"(page_frag_free)", R"(\w*alloc\w*)", R"(\w*vmap\w*)", R"(\w*page_owner\w*)",
    R"(free_pcp_prepare)", R"(__free_one_page)", R"((__)?pagevec_release)",
    R"(release_pages)"};
constexpr std::string_view kStackGuardData[] = {R"(\w*bad_stack\w*)",
                                                R"(handle_stack_overflow)"};

constexpr std::string_view kStallAnchorsData[] = {
    // work dispatchers
    R"(process_one_work)", R"(do_syscall_\w*)", R"(do_fast_syscall_\w*)", R"(\w*do_softirq\w*)",
    R"(call_timer_fn)", R"(\w*_run_timers)", R"(run_timer_softirq)", R"(\w*hrtimer_run\w*)",
    R"(run_ksoftirqd)", R"(smpboot_thread_fn)", R"(kthread)", R"(start_secondary)",
    R"(cpu_startup_entry)", R"(ret_from_fork\w*)", R"(tasklet_(hi_)?action\w*)",
    R"(\w*smp_call_function\w*)",
    // syscall entry up to 4.x, whose fast path had no do_syscall_64
    R"((system_call|entry_SYSCALL_64)_fastpath)", R"(tracesys\w*)", R"(sysenter_dispatch)",
    // discriminated VFS entry points: the frame above names the filesystem operation
    R"(vfs_(write|read|iter_read|iter_write|writev|readv)\w*)", R"(do_iter_(read|write)\w*)",
    R"(call_(read|write)_iter)", R"(new_sync_(read|write))", R"(vfs_ioctl)", R"(ksys_ioctl)",
    R"(do_iter_readv_writev)", R"(call_mmap)", R"(mmap_region)", R"(do_mmap)",
    R"(do_dentry_open)", R"(vfs_open)",
    // the page-fault dispatch into ->fault / ->huge_fault (a DAX PMD fault has no __do_fault)
    R"(__do_fault)", R"(do_page_fault)", R"(create_huge_p[mu]d)", R"(wp_huge_p[mu]d)",
    R"(__handle_mm_fault)", R"(handle_mm_fault)",
    // task work on the way back to user space
    R"(__fput)", R"(task_work_run)", R"(exit_to_user\w*)"};

constexpr HangAnchor kHangAnchorsData[] = {
    {R"(\w*rtnl_lock\w*)", ""},
    {R"(\w*synchronize_(rcu|srcu|net|sched)\w*)", "synchronize_rcu"},
};

constexpr std::string_view kStripPrefixesData[] = {
    "SYSC_", "SyS_", "sys_", "__x64_", "__ia32_", "____sys_", "___sys_", "__sys_",
    "__se_", "__se_sys_", "__do_sys_", "compat_SYSC_", "compat_SyS_", "ksys_"};

// clang-format on

}  // namespace

const List kMachinery{kMachineryData};
const List kHelpers{kHelpersData};
const List kRefcountWarn{kRefcountWarnData};
const List kOdebugWarn{kOdebugWarnData};
const List kUsercopyWarn{kUsercopyWarnData};
const List kKmallocWarn{kKmallocWarnData};
const List kLockingWarn{kLockingWarnData};
const List kLockdepWorkqueue{kLockdepWorkqueueData};
const List kNonStaticKey{kNonStaticKeyData};
const List kRcuUsage{kRcuUsageData};
const List kKasanInvalidFree{kKasanInvalidFreeData};
const List kSchedAtomic{kSchedAtomicData};
const List kPreemptible{kPreemptibleData};
const List kUbsan{kUbsanData};
const List kRcuStall{kRcuStallData};
const List kHungTask{kHungTaskData};
const List kBadPageMap{kBadPageMapData};
const List kBadPageState{kBadPageStateData};
const List kStackGuard{kStackGuardData};
const List kStallAnchors{kStallAnchorsData};
const std::span<const HangAnchor> kHangAnchors{kHangAnchorsData};
const List kStripPrefixes{kStripPrefixesData};

std::string join(List list) {
  if (list.empty()) return {};
  std::string re = "(?:";
  for (std::size_t i = 0; i < list.size(); ++i) {
    if (i) re += '|';
    re += list[i];
  }
  re += ')';
  return re;
}

std::regex compile(List list) {
  const std::string re = join(list);
  return std::regex(re.empty() ? std::string("(?!)") : re, std::regex::optimize);
}

}  // namespace dt::console::skip
