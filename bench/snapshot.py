#!/usr/bin/env python3
"""Snapshot mode (issue #16): how fast does QEMU's loadvm give back a ready guest, against a
fresh boot of the same image? Boots the image once as the harness does (NVDIMM on a
share=on backing file), creates the fsdax namespace, takes `savevm` on a scratch qcow2, then
N times: `loadvm` and the first agent command answered. The same N fresh boots (to the agent's
hello, then the namespace) are the baseline in the same run. Prints the medians and the ratio.

Usage: bench/snapshot.py KERNEL INITRAMFS [N=3] [ACCEL=tcg]
(KERNEL/INITRAMFS: from `daxtorture image path`.) Needs qemu-system-x86_64 and qemu-img.
"""
import json, os, socket, statistics, subprocess, sys, tempfile, time

kernel, initrd = sys.argv[1], sys.argv[2]
n = int(sys.argv[3]) if len(sys.argv) > 3 else 3
accel = sys.argv[4] if len(sys.argv) > 4 else "tcg"
work = tempfile.mkdtemp(prefix="dt-snap-")
APPEND = ("console=ttyS0,115200 panic=-1 loglevel=7 printk.devkmsg=on no_hash_pointers "
          "rcupdate.rcu_cpu_stall_suppress_at_boot=1 hung_task_panic=0 softlockup_panic=0 "
          "no_timer_check")


def qemu(tag, snapshot_drive):
    d = os.path.join(work, tag)
    os.makedirs(d, exist_ok=True)
    img = os.path.join(d, "nvdimm0.img")
    with open(img, "wb") as f:
        f.truncate(514 << 20)
    argv = ["qemu-system-x86_64", "-nodefaults", "-no-user-config", "-display", "none",
            "-machine", "q35,nvdimm=on",
            "-accel", "tcg,thread=multi" if accel == "tcg" else "kvm",
            "-cpu", "max" if accel == "tcg" else "host", "-smp", "2",
            "-m", "1024M,slots=2,maxmem=2562M",
            "-object", f"memory-backend-file,id=mem0,share=on,mem-path={img},size=514M,align=2M",
            "-device", "nvdimm,id=nvdimm0,memdev=mem0,label-size=128K",
            "-kernel", kernel, "-initrd", initrd, "-append", APPEND,
            "-serial", f"file:{d}/console.log",
            "-chardev", f"socket,id=qmp,path={d}/qmp,server=on,wait=off",
            "-mon", "chardev=qmp,mode=control",
            "-device", "virtio-serial-pci,id=vser0",
            "-chardev", f"socket,id=agent,path={d}/agent,server=on,wait=off",
            "-device", "virtserialport,bus=vser0.0,chardev=agent,name=org.daxtorture.agent"]
    if snapshot_drive:
        q = os.path.join(d, "snap.qcow2")
        subprocess.run(["qemu-img", "create", "-q", "-f", "qcow2", q, "64M"], check=True)
        argv += ["-drive", f"if=none,id=snap,format=qcow2,file={q}"]
    p = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=open(f"{d}/qemu.err", "w"))
    for _ in range(200):
        if os.path.exists(f"{d}/qmp") and os.path.exists(f"{d}/agent"):
            break
        time.sleep(0.01)
    return p, d


class Lines:
    def __init__(self, path):
        self.s = socket.socket(socket.AF_UNIX)
        self.s.connect(path)
        self.buf = b""

    def send(self, obj):
        self.s.sendall((json.dumps(obj) + "\n").encode())

    def next(self, timeout=300):
        self.s.settimeout(timeout)
        while b"\n" not in self.buf:
            chunk = self.s.recv(65536)
            if not chunk:
                raise EOFError
            self.buf += chunk
        line, self.buf = self.buf.split(b"\n", 1)
        return json.loads(line)


def qmp(path):
    m = Lines(path)
    m.next()
    m.send({"execute": "qmp_capabilities"})
    m.next()
    return m


def hmp(m, cmd):
    m.send({"execute": "human-monitor-command", "arguments": {"command-line": cmd}})
    while True:
        r = m.next()
        if "return" in r or "error" in r:
            return r


def run(agent, argv, ident):
    agent.send({"cmd": "exec", "id": ident, "argv": argv})
    while True:
        r = agent.next()
        if r.get("id") == ident and r.get("type") in ("exit", "exec-failed"):
            return r


def wait_hello(agent):
    while agent.next().get("type") != "hello":
        pass


NS = ["ndctl", "create-namespace", "-f", "-e", "namespace0.0", "-m", "fsdax", "--align", "2M"]
fresh, restore = [], []
for i in range(n):  # baseline: a fresh boot to the agent, then the namespace
    t = time.monotonic()
    p, d = qemu(f"fresh{i}", False)
    a = Lines(f"{d}/agent")
    wait_hello(a)
    run(a, NS, 1)
    run(a, ["true"], 2)
    fresh.append(time.monotonic() - t)
    p.kill(), p.wait()

p, d = qemu("snap", True)
m = qmp(f"{d}/qmp")
a = Lines(f"{d}/agent")
wait_hello(a)
run(a, NS, 1)
t = time.monotonic()
r = hmp(m, "savevm s0")
save_s = time.monotonic() - t
ok = "error" not in r and not r.get("return")
for i in range(n):
    run(a, ["sh", "-c", "echo dirty > /tmp/x"], 10 + i)  # the cell changed the guest
    t = time.monotonic()
    r = hmp(m, "loadvm s0")
    ok = ok and "error" not in r and not r.get("return")
    x = run(a, ["sh", "-c", "test ! -e /tmp/x"], 100 + i)  # back to the snapshot's state?
    ok = ok and x.get("code") == 0
    restore.append(time.monotonic() - t)
p.kill(), p.wait()
f, s = statistics.median(fresh), statistics.median(restore)
print(json.dumps({"accel": accel, "n": n, "fresh_boot_to_namespace_s": round(f, 2),
                  "savevm_s": round(save_s, 2), "loadvm_to_agent_s": round(s, 2),
                  "ratio_loadvm_over_fresh": round(s / f, 2), "restored_state_checked": ok,
                  "work": work}))
