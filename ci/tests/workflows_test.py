#!/usr/bin/env python3
"""The CI definitions parse and keep what the nightly needs: GitHub Actions (schedule + manual
trigger, a matrix over shards and filesystems, job timeouts, artifacts uploaded even on
failure) and GitLab CI (scheduled pipelines, parallel:matrix, artifacts when: always). Both
must call ci/nightly.sh. Needs python3-yaml (scripts/deps/libvirt.txt)."""
import os
import sys

import yaml

root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "..")
passed = failed = 0


def check(name, cond):
    global passed, failed
    if cond:
        passed += 1
        print("ok:", name)
    else:
        failed += 1
        print("FAIL:", name)


def load(rel):
    with open(os.path.join(root, rel)) as f:
        return yaml.safe_load(f)


# ---- GitHub Actions
gh = load(".github/workflows/nightly.yml")
on = gh.get("on", gh.get(True))  # YAML 1.1 reads a bare `on` key as true
check("github: on.schedule with a cron", isinstance(on, dict) and on.get("schedule") and all("cron" in s for s in on["schedule"]))
check("github: on.workflow_dispatch", isinstance(on, dict) and "workflow_dispatch" in on)
jobs = gh.get("jobs") or {}
check("github: has jobs", bool(jobs))
check("github: has the nightly selftest job", any("ci/selftest.sh" in " ".join(s.get("run", "") for s in (j.get("steps") or [])) for j in jobs.values()))
def is_selftest(steps_or_script):
    return "ci/selftest.sh" in steps_or_script


for name, job in jobs.items():
    runs_all = " ".join(s.get("run", "") for s in (job.get("steps") or []))
    if is_selftest(runs_all):
        # The nightly selftest: one job, no shards; same timeout and artifact rules.
        check(f"github: jobs.{name}.timeout-minutes is a positive number",
              isinstance(job.get("timeout-minutes"), int) and job["timeout-minutes"] > 0)
        ups = [s for s in job["steps"] if str(s.get("uses", "")).startswith("actions/upload-artifact")]
        check(f"github: jobs.{name} uploads the kill table even on failure",
              any(str(s.get("if", "")).strip() == "always()" and "selftest.txt" in str((s.get("with") or {}).get("path", ""))
                  for s in ups))
        check(f"github: jobs.{name} runs every mutant (ci/selftest.sh)", "ci/selftest.sh" in runs_all)
        continue
    check(f"github: jobs.{name}.timeout-minutes is a positive number",
          isinstance(job.get("timeout-minutes"), int) and job["timeout-minutes"] > 0)
    matrix = (job.get("strategy") or {}).get("matrix") or {}
    check(f"github: jobs.{name}.strategy.matrix has shard and fs axes", "shard" in matrix and "fs" in matrix)
    check(f"github: jobs.{name} matrix covers xfs, ext4, ext2", set(matrix.get("fs", [])) >= {"xfs", "ext4", "ext2"})
    steps = job.get("steps") or []
    runs = " ".join(s.get("run", "") for s in steps)
    check(f"github: jobs.{name} calls ci/nightly.sh with --shard", "ci/nightly.sh" in runs and "--shard" in runs)
    check(f"github: jobs.{name} carries the baseline state across nights",
          "--baseline-state" in runs and any("baseline-state" in str((s.get("with") or {}).get("path", ""))
                                            for s in steps if str(s.get("uses", "")).startswith("actions/cache")))
    uploads = [s for s in steps if str(s.get("uses", "")).startswith("actions/upload-artifact")]
    check(f"github: jobs.{name} uploads artifacts", bool(uploads))
    check(f"github: jobs.{name} upload step has if: always()", any(str(s.get("if", "")).strip() == "always()" for s in uploads))
    check(f"github: jobs.{name} uploads the tarball", any("artifacts.tar.gz" in str((s.get("with") or {}).get("path", "")) for s in uploads))

# ---- GitLab CI
gl = load(".gitlab-ci.yml")
reserved = {"stages", "variables", "default", "include", "workflow", "image", "services", "cache", "before_script", "after_script"}
gjobs = {k: v for k, v in gl.items() if k not in reserved and not k.startswith(".") and isinstance(v, dict)}
check("gitlab: has jobs", bool(gjobs))
check("gitlab: has the nightly selftest job", any("ci/selftest.sh" in "\n".join(j.get("script") or []) for j in gjobs.values()))
for name, job in gjobs.items():
    rules = job.get("rules") or []
    if is_selftest("\n".join(job.get("script") or [])):
        check(f"gitlab: {name} rules run scheduled pipelines", any("schedule" in str(r.get("if", "")) for r in rules))
        check(f"gitlab: {name} has a timeout", bool(job.get("timeout")))
        arts = job.get("artifacts") or {}
        check(f"gitlab: {name} keeps the kill table even on failure",
              arts.get("when") == "always" and "out/selftest.txt" in (arts.get("paths") or []))
        continue
    check(f"gitlab: {name} rules run scheduled pipelines", any("schedule" in str(r.get("if", "")) for r in rules))
    matrix = (job.get("parallel") or {}).get("matrix") if isinstance(job.get("parallel"), dict) else None
    check(f"gitlab: {name} parallel:matrix", isinstance(matrix, list) and matrix)
    axes = set().union(*[set(m) for m in matrix]) if matrix else set()
    check(f"gitlab: {name} matrix has SHARD and FS", {"SHARD", "FS"} <= axes)
    arts = job.get("artifacts") or {}
    check(f"gitlab: {name} artifacts when: always", arts.get("when") == "always")
    check(f"gitlab: {name} artifacts keep the tarball", "out/artifacts.tar.gz" in (arts.get("paths") or []))
    check(f"gitlab: {name} JUnit report", "junit" in (arts.get("reports") or {}))
    check(f"gitlab: {name} has a timeout", bool(job.get("timeout")))
    script = "\n".join(job.get("script") or [])
    check(f"gitlab: {name} calls ci/nightly.sh with --shard", "ci/nightly.sh" in script and "--shard" in script)
    caches = job.get("cache") or []
    caches = caches if isinstance(caches, list) else [caches]
    check(f"gitlab: {name} carries the baseline state across nights",
          "--baseline-state" in script and any(any("baseline-state" in p for p in (c.get("paths") or [])) for c in caches))

print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
