// SPDX-License-Identifier: GPL-2.0
/*
 * dt_canary: provoke one well-known kernel report on purpose, so a daxtorture campaign can
 * prove that console capture, report parsing and deduplication work on the very kernel under
 * test. Loaded by the guest's dt-canary program with action=<name>; the module does its damage
 * in init and then fails to load (-ECANCELED), so it can be loaded again in the next run.
 *
 *   lockdep  take two locks in A->B order, then B->A: lockdep prints "possible circular
 *            locking dependency detected" (no real deadlock: one task, sequential)
 *   warn     WARN() once, from a named function: "WARNING: CPU: ... dt_canary_warn"
 *   kasan    read a freed kmalloc object: "KASAN: slab-use-after-free Read in
 *            dt_canary_kasan" on the kasan flavour (a silent read elsewhere)
 */
#include <linux/delay.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/string.h>

static char *action = "";
module_param(action, charp, 0);
MODULE_PARM_DESC(action, "lockdep | warn | kasan");

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

static int __init dt_canary_init(void)
{
	pr_info("dt_canary: action=%s\n", action);
	if (!strcmp(action, "lockdep"))
		dt_canary_lockdep();
	else if (!strcmp(action, "warn"))
		dt_canary_warn();
	else if (!strcmp(action, "kasan"))
		dt_canary_kasan();
	else
		return -EINVAL;
	return -ECANCELED;
}

module_init(dt_canary_init);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("daxtorture positive controls: a deliberate lockdep, WARN or KASAN report");
