// SPDX-License-Identifier: GPL-2.0
/*
 * dt_canary: provoke one well-known kernel report on purpose, so a daxtorture campaign can
 * prove that console capture, report parsing and deduplication work on the very kernel under
 * test. Loaded by the guest's dt-canary program with action=<name>; the module does its damage
 * in init and then fails to load (-ECANCELED), so it can be loaded again in the next run.
 *
 *   lockdep      take two locks in A->B order, then B->A: lockdep prints "possible circular
 *                locking dependency detected" (no real deadlock: one task, sequential)
 *   warn         WARN() once, from a named function: "WARNING: CPU: ... dt_canary_warn"
 *   kasan        read a freed kmalloc object: "KASAN: slab-use-after-free Read in
 *                dt_canary_kasan" on the kasan flavour (a silent read elsewhere)
 *   refcount     increment a refcount_t that is 0: "refcount_t: addition on 0;
 *                use-after-free." from refcount_warn_saturate (a WARN in lib/refcount.c)
 *   sleep        might_sleep() with preemption off: "BUG: sleeping function called from
 *                invalid context" (CONFIG_DEBUG_ATOMIC_SLEEP)
 *   sched-atomic schedule() with preemption off: "BUG: scheduling while atomic"
 *   hold         sleep uninterruptibly (D state) for `secs` seconds in the loading task: a
 *                hung-task report once secs > hung_task_timeout_secs ("INFO: task hung in
 *                dt_canary_hold"); dt-canary runs it in the background as a late report
 *   spin         spin with preemption off for `secs` seconds: a soft lockup when
 *                kernel.watchdog_thresh < secs/2, an RCU stall when rcu_cpu_stall_timeout <
 *                secs (dt-canary sets those knobs)
 *   kfence       use-after-free of a KFENCE object (CONFIG_KFENCE, sample_interval set low)
 *   ubsan        out-of-bounds array index (CONFIG_UBSAN_BOUNDS)
 *   list         delete a list entry twice (CONFIG_DEBUG_LIST)
 * The oopses run in a kernel thread of their own, which the oops kills; init waits for it
 * to die, so the module still refuses to load and can be loaded again:
 *   gpf          dereference a non-canonical address: "general protection fault"
 *   null         dereference NULL: "BUG: kernel NULL pointer dereference"
 *   bug          BUG(): "kernel BUG at ...dt_canary.c", "invalid opcode"
 *   divide       divide by zero: "divide error"
 *   stack        recurse until the guard page (CONFIG_VMAP_STACK): "BUG: TASK stack guard
 *                page was hit", then a panic: the guest is lost, use it last
 */
#include <linux/delay.h>
#include <linux/jiffies.h>
#include <linux/kernel.h>
#include <linux/kfence.h>
#include <linux/kthread.h>
#include <linux/list.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/preempt.h>
#include <linux/refcount.h>
#include <linux/sched.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/string.h>

static char *action = "";
module_param(action, charp, 0);
MODULE_PARM_DESC(action, "lockdep | warn | kasan | refcount | sleep | sched-atomic | hold | spin | "
			 "kfence | ubsan | list | gpf | null | bug | divide | stack");

static int secs = 5;
module_param(secs, int, 0);
MODULE_PARM_DESC(secs, "spin: seconds to spin with preemption off; hold: seconds in D state");

static DEFINE_MUTEX(dt_canary_lock_a);
static DEFINE_MUTEX(dt_canary_lock_b);

static noinline void dt_canary_lockdep(void)
{
	mutex_lock(&dt_canary_lock_a);
	mutex_lock(&dt_canary_lock_b);
	mutex_unlock(&dt_canary_lock_b);
	mutex_unlock(&dt_canary_lock_a);

	mutex_lock(&dt_canary_lock_b);
	mutex_lock(&dt_canary_lock_a);
	mutex_unlock(&dt_canary_lock_a);
	mutex_unlock(&dt_canary_lock_b);
}

static noinline void dt_canary_warn(void)
{
	WARN(1, "dt_canary: deliberate warning\n");
}

static noinline int dt_canary_kasan(void)
{
	volatile char *p = kmalloc(64, GFP_KERNEL);
	char c;

	if (!p)
		return -ENOMEM;
	p[0] = 'x';
	kfree((void *)p);
	c = p[8];
	return c == 0x6b ? 0 : 1; /* keep the read */
}

static noinline void dt_canary_refcount(void)
{
	refcount_t r = REFCOUNT_INIT(0);

	refcount_inc(&r); /* "addition on 0; use-after-free", saturates */
}

static noinline void dt_canary_sleep(void)
{
	preempt_disable();
	might_sleep();
	preempt_enable();
}

static noinline void dt_canary_sched_atomic(void)
{
	preempt_disable();
	schedule_timeout_uninterruptible(1);
	/* The scheduler resets the count after reporting; only undo what is left. */
	if (preempt_count() & PREEMPT_MASK)
		preempt_enable();
}

static noinline void dt_canary_hold(void)
{
	/* schedule_timeout, not msleep: the hung-task title skips scheduler frames only; the
	 * message after it keeps this frame on the stack (no tail call). */
	schedule_timeout_uninterruptible((unsigned long)secs * HZ);
	pr_info("dt_canary: held for %d s\n", secs);
}

static noinline void dt_canary_spin(void)
{
	unsigned long end = jiffies + (unsigned long)secs * HZ;

	preempt_disable();
	while (time_before(jiffies, end))
		cpu_relax();
	preempt_enable();
}

static noinline int dt_canary_kfence(void)
{
#ifdef CONFIG_KFENCE
	unsigned long end = jiffies + 10 * HZ;
	volatile char *p = NULL;
	char c;

	/* KFENCE guards one allocation per sample interval: allocate until one is guarded. */
	while (time_before(jiffies, end)) {
		p = kmalloc(32, GFP_KERNEL);
		if (!p)
			return -ENOMEM;
		if (is_kfence_address((void *)p))
			break;
		kfree((void *)p);
		p = NULL;
		msleep(1);
	}
	if (!p)
		return -ETIMEDOUT;
	kfree((void *)p);
	c = p[4];
	return c ? 0 : 1;
#else
	return -EOPNOTSUPP;
#endif
}

static int dt_canary_array[4];
static volatile int dt_canary_index = 4;

static noinline int dt_canary_ubsan(void)
{
	if (!IS_ENABLED(CONFIG_UBSAN_BOUNDS))
		return -EOPNOTSUPP;
	return dt_canary_array[dt_canary_index];
}

static noinline int dt_canary_list(void)
{
	LIST_HEAD(head);
	struct list_head entry;

	if (!IS_ENABLED(CONFIG_DEBUG_LIST))
		return -EOPNOTSUPP; /* a double list_del would really corrupt memory */
	list_add(&entry, &head);
	list_del(&entry);
	list_del(&entry); /* "list_del corruption, ...->next is LIST_POISON1" */
	return 0;
}

static noinline void dt_canary_gpf(void)
{
	volatile unsigned long *p = (unsigned long *)0xdead000000000100UL;

	*p = 1;
}

static noinline void dt_canary_null(void)
{
	volatile unsigned long *p = NULL;

	*p = 1;
}

static noinline void dt_canary_bug(void)
{
	BUG();
}

static volatile int dt_canary_zero;
static volatile int dt_canary_quotient;

static noinline void dt_canary_divide(void)
{
	/* Stored: an unused quotient lets the compiler drop the division (and the trap). */
	dt_canary_quotient = 100 / dt_canary_zero;
}

static noinline int dt_canary_recurse(int depth)
{
	volatile char pad[512];

	pad[0] = (char)depth;
	if (depth > 1000000) /* never reached: 512 MB of stack; keeps the compiler quiet */
		return 0;
	return dt_canary_recurse(depth + 1) + pad[0];
}

static int dt_canary_thread(void *data)
{
	const char *what = data;

	if (!strcmp(what, "gpf"))
		dt_canary_gpf();
	else if (!strcmp(what, "null"))
		dt_canary_null();
	else if (!strcmp(what, "bug"))
		dt_canary_bug();
	else if (!strcmp(what, "divide"))
		dt_canary_divide();
	else if (!strcmp(what, "stack"))
		dt_canary_recurse(0);
	return 0;
}

/* Runs the oops in a kernel thread and waits for that thread to die. */
static int dt_canary_oops(const char *what)
{
	struct task_struct *t;
	int i;

	if (!strcmp(what, "stack") && !IS_ENABLED(CONFIG_VMAP_STACK))
		return -EOPNOTSUPP; /* without a guard page it would overwrite memory */
	t = kthread_create(dt_canary_thread, (void *)what, "dt_canary_%s", what);
	if (IS_ERR(t))
		return PTR_ERR(t);
	get_task_struct(t);
	wake_up_process(t);
	for (i = 0; i < 300 && !READ_ONCE(t->exit_state); i++)
		msleep(100);
	put_task_struct(t);
	return 0;
}

static int __init dt_canary_init(void)
{
	int rc = 0;

	pr_info("dt_canary: action=%s\n", action);
	if (!strcmp(action, "lockdep"))
		dt_canary_lockdep();
	else if (!strcmp(action, "warn"))
		dt_canary_warn();
	else if (!strcmp(action, "kasan"))
		dt_canary_kasan();
	else if (!strcmp(action, "refcount"))
		dt_canary_refcount();
	else if (!strcmp(action, "sleep"))
		dt_canary_sleep();
	else if (!strcmp(action, "sched-atomic"))
		dt_canary_sched_atomic();
	else if (!strcmp(action, "spin"))
		dt_canary_spin();
	else if (!strcmp(action, "hold"))
		dt_canary_hold();
	else if (!strcmp(action, "kfence"))
		rc = dt_canary_kfence();
	else if (!strcmp(action, "ubsan"))
		rc = dt_canary_ubsan() < 0 ? -EOPNOTSUPP : 0;
	else if (!strcmp(action, "list"))
		rc = dt_canary_list();
	else if (!strcmp(action, "gpf") || !strcmp(action, "null") || !strcmp(action, "bug") ||
		 !strcmp(action, "divide") || !strcmp(action, "stack"))
		rc = dt_canary_oops(action);
	else
		return -EINVAL;
	if (rc == -EOPNOTSUPP || rc == -ETIMEDOUT || rc == -ENOMEM)
		return rc;
	return -ECANCELED;
}

module_init(dt_canary_init);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("daxtorture positive controls: deliberate kernel reports of many classes");
