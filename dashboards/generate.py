#!/usr/bin/env python3
"""Generates the Grafana dashboards and dashboards/README.md from one table of panels.

Run after changing a panel or a metric: `python3 dashboards/generate.py`. Only the standard
library is used. The JSON is committed; metrics_test checks its structure and that every
metric it names exists, and the metrics_prometheus_integration test runs every query against
a real Prometheus fed through a real Pushgateway.
"""
import json
import pathlib
import sys

HERE = pathlib.Path(__file__).resolve().parent
DS = {"type": "prometheus", "uid": "daxtorture-prometheus"}
SCHEMA_VERSION = 39  # Grafana 10.4 / 11.x

# Label matchers per family shape: families without a kernel label must not be filtered by
# it, or picking one kernel would empty them.
C = 'campaign=~"$campaign"'
FWK = C + ', fs=~"$fs", workload=~"$workload", kernel=~"$kernel"'
FW = C + ', fs=~"$fs", workload=~"$workload"'
FK = C + ', fs=~"$fs", kernel=~"$kernel"'

# (name, type, labels, meaning)
FAMILIES = [
    ("daxtorture_build_info", "gauge", "version", "build that produced the metrics; always 1"),
    ("daxtorture_vms_running", "gauge", "", "campaign VMs running now (live endpoint) or at the end (0)"),
    ("daxtorture_runs_total", "counter", "fs, workload, injector, kernel, kernel_version, status",
     "finished runs; status is pass, findings, error or skip; injector is the cell's injector set"),
    ("daxtorture_findings_total", "counter", "fs, workload, kernel, category, kind, hash, novelty",
     "findings by title hash; novelty is new, known (already in the baseline) or expected (canary, injection window)"),
    ("daxtorture_finding_info", "gauge", "hash, category, kind, title",
     "the title of each hash (always 1): join on hash to show titles"),
    ("daxtorture_finding_first_seen_timestamp_seconds", "gauge", "hash", "end of the first run of the campaign that had the finding"),
    ("daxtorture_finding_last_seen_timestamp_seconds", "gauge", "hash", "end of the last run of the campaign that had the finding"),
    ("daxtorture_workload_iterations_total", "counter", "fs, workload", "workload iterations (live while a workload runs)"),
    ("daxtorture_workload_faults_total", "counter", "fs, workload", "page faults the workloads provoked on DAX mappings"),
    ("daxtorture_oracle_checks_total", "counter", "fs, workload, kernel", "oracle checks performed"),
    ("daxtorture_oracle_checks_failed_total", "counter", "fs, workload, kernel", "oracle checks that failed"),
    ("daxtorture_injections_total", "counter", "fs, workload, injector", "faults injected, by injector"),
    ("daxtorture_vm_boot_to_ready_seconds", "histogram", "fs, kernel",
     "QEMU start to guest agent ready; buckets 1 2 5 10 15 20 30 45 60 90 120 300"),
    ("daxtorture_run_duration_seconds", "histogram", "fs, workload, kernel",
     "whole run (boot, setup, workload, checks); buckets 5 10 20 30 60 120 300 600 1200 1800 3600 7200"),
    ("daxtorture_workload_duration_seconds", "histogram", "fs, workload", "the workload alone; same buckets"),
    ("daxtorture_last_success_timestamp_seconds", "gauge", "",
     "when the campaign last finished successfully (only pushed on success)"),
]


def var(name, label, query):
    return {
        "name": name, "label": label, "type": "query", "datasource": DS,
        "definition": query,
        "query": {"query": query, "qryType": 1, "refId": "PrometheusVariableQueryEditor-VariableQuery"},
        "refresh": 2, "includeAll": True, "multi": True, "allValue": ".*", "sort": 1,
        "current": {"selected": True, "text": ["All"], "value": ["$__all"]},
        "options": [], "hide": 0, "regex": "", "skipUrlSync": False,
    }


TEMPLATING = [
    var("campaign", "campaign", "label_values(daxtorture_runs_total, campaign)"),
    var("fs", "filesystem", 'label_values(daxtorture_runs_total{campaign=~"$campaign"}, fs)'),
    var("workload", "workload", 'label_values(daxtorture_runs_total{campaign=~"$campaign", fs=~"$fs"}, workload)'),
    var("kernel", "kernel", 'label_values(daxtorture_runs_total{campaign=~"$campaign"}, kernel)'),
]


def t(expr, legend="", instant=False, fmt="time_series"):
    return {"expr": expr, "legendFormat": legend, "instant": instant, "range": not instant, "format": fmt}


def panel(kind, title, w, h, targets, unit=None, desc="", **extra):
    return {"type": kind, "title": title, "w": w, "h": h, "targets": targets, "unit": unit,
            "description": desc, **extra}


DASHBOARDS = {
    "overview": {
        "title": "daxtorture / Overview",
        "description": "Campaign health: runs, pass rate, new findings, per-filesystem status.",
        "panels": [
            panel("stat", "Runs", 4, 4, [t(f"sum(daxtorture_runs_total{{{FWK}}})", instant=True)],
                  desc="Finished runs in the latest push of each selected campaign."),
            panel("stat", "Pass rate", 4, 4, [t(
                f'sum(daxtorture_runs_total{{status="pass", {FWK}}}) / sum(daxtorture_runs_total{{status!="skip", {FWK}}})',
                instant=True)], unit="percentunit", desc="Passed runs over runs that were not skipped."),
            panel("stat", "New findings", 4, 4, [t(
                f'sum(daxtorture_findings_total{{novelty="new", {FWK}}}) or vector(0)', instant=True)],
                desc="Findings not in the baseline and not expected."),
            panel("stat", "Last successful campaign", 6, 4, [t(
                f"max(daxtorture_last_success_timestamp_seconds{{{C}}}) * 1000", instant=True)],
                unit="dateTimeFromNow", desc="When a selected campaign (e.g. nightly) last finished successfully."),
            panel("stat", "VMs running", 3, 4, [t(f"sum(daxtorture_vms_running{{{C}}})", instant=True)]),
            panel("stat", "Build", 3, 4, [t(f"count by (version) (daxtorture_build_info{{{C}}})", "{{version}}", instant=True)],
                  textMode="name"),
            panel("timeseries", "Runs by status", 12, 8,
                  [t(f"sum by (status) (daxtorture_runs_total{{{FWK}}})", "{{status}}")]),
            panel("bargauge", "Per-filesystem status", 12, 8,
                  [t(f"sum by (fs, status) (daxtorture_runs_total{{{FWK}}})", "{{fs}} {{status}}", instant=True)],
                  desc="Runs per filesystem and result."),
            panel("bargauge", "Pass rate per filesystem", 12, 7, [t(
                f'sum by (fs) (daxtorture_runs_total{{status="pass", {FWK}}}) / sum by (fs) (daxtorture_runs_total{{status!="skip", {FWK}}})',
                "{{fs}}", instant=True)], unit="percentunit"),
            panel("timeseries", "Oracle checks", 12, 7, [
                t(f"sum(daxtorture_oracle_checks_total{{{FWK}}})", "performed"),
                t(f"sum(daxtorture_oracle_checks_failed_total{{{FWK}}})", "failed")]),
            panel("bargauge", "Injections fired", 24, 6,
                  [t(f"sum by (injector) (daxtorture_injections_total{{{FW}}})", "{{injector}}", instant=True)]),
        ],
    },
    "findings": {
        "title": "daxtorture / Findings",
        "description": "Findings by title (deduplicated by title hash), first/last seen, rate, trend.",
        "panels": [
            panel("table", "Findings by title", 24, 10, [
                t(f'sum by (hash) (daxtorture_findings_total{{novelty!="expected", {FWK}}}) * on (hash) group_left (title, kind) max by (hash, title, kind) (daxtorture_finding_info{{{C}}})',
                  instant=True, fmt="table"),
                t(f"min by (hash) (min_over_time(daxtorture_finding_first_seen_timestamp_seconds{{{C}}}[$__range])) * 1000",
                  instant=True, fmt="table"),
                t(f"max by (hash) (max_over_time(daxtorture_finding_last_seen_timestamp_seconds{{{C}}}[$__range])) * 1000",
                  instant=True, fmt="table"),
                t(f'sum by (hash) (daxtorture_findings_total{{novelty!="expected", {FWK}}}) / scalar(sum(daxtorture_runs_total{{{FWK}}}))',
                  instant=True, fmt="table"),
            ], desc="Runs with the finding, when it was first and last seen in the time range, and the share of runs that hit it.",
                table=True),
            panel("timeseries", "Findings trend by kind", 12, 8, [t(
                f'sum by (kind) (daxtorture_findings_total{{novelty!="expected", {FWK}}})', "{{kind}}")]),
            panel("timeseries", "New vs known findings", 12, 8, [t(
                f"sum by (novelty) (daxtorture_findings_total{{{FWK}}})", "{{novelty}}")]),
            panel("bargauge", "Findings by kind", 12, 7, [t(
                f'sum by (category, kind) (daxtorture_findings_total{{novelty!="expected", {FWK}}})',
                "{{category}}/{{kind}}", instant=True)]),
            panel("bargauge", "New findings by filesystem and workload", 12, 7, [t(
                f'sum by (fs, workload) (daxtorture_findings_total{{novelty="new", {FWK}}})',
                "{{fs}} {{workload}}", instant=True)]),
        ],
    },
    "throughput": {
        "title": "daxtorture / Throughput",
        "description": "Workload iterations and faults per second, VM boot time, run duration.",
        "panels": [
            panel("timeseries", "Iterations per second by workload", 12, 8, [t(
                f"sum by (workload) (daxtorture_workload_iterations_total{{{FW}}}) / sum by (workload) (daxtorture_workload_duration_seconds_sum{{{FW}}})",
                "{{workload}}")], unit="ops", desc="Iterations over the time the workloads ran (finished runs)."),
            panel("timeseries", "Faults per second by workload", 12, 8, [t(
                f"sum by (workload) (daxtorture_workload_faults_total{{{FW}}}) / sum by (workload) (daxtorture_workload_duration_seconds_sum{{{FW}}})",
                "{{workload}}")], unit="ops"),
            panel("timeseries", "Live iterations per second (running campaigns)", 12, 8, [t(
                f"sum by (workload) (rate(daxtorture_workload_iterations_total{{{FW}}}[$__rate_interval]))",
                "{{workload}}")], unit="ops",
                desc="From the live endpoint (--metrics-listen) while workloads run; pushed results are constant, so this is 0 for them."),
            panel("timeseries", "VMs running", 12, 8, [t(f"sum(daxtorture_vms_running{{{C}}})", "VMs")]),
            panel("timeseries", "VM boot to ready (p50, p95)", 12, 8, [
                t(f"histogram_quantile(0.5, sum by (le, fs) (daxtorture_vm_boot_to_ready_seconds_bucket{{{FK}}}))", "p50 {{fs}}"),
                t(f"histogram_quantile(0.95, sum by (le, fs) (daxtorture_vm_boot_to_ready_seconds_bucket{{{FK}}}))", "p95 {{fs}}")],
                unit="s"),
            panel("bargauge", "Mean boot to ready by filesystem", 12, 8, [t(
                f"sum by (fs) (daxtorture_vm_boot_to_ready_seconds_sum{{{FK}}}) / sum by (fs) (daxtorture_vm_boot_to_ready_seconds_count{{{FK}}})",
                "{{fs}}", instant=True)], unit="s"),
            panel("timeseries", "Run duration p95 by workload", 24, 8, [t(
                f"histogram_quantile(0.95, sum by (le, workload) (daxtorture_run_duration_seconds_bucket{{{FWK}}}))",
                "{{workload}}")], unit="s"),
        ],
    },
    "kernels": {
        "title": "daxtorture / Kernels",
        "description": "The same campaign across kernel flavours and versions.",
        "panels": [
            panel("bargauge", "Pass rate by kernel", 12, 8, [t(
                f'sum by (kernel, kernel_version) (daxtorture_runs_total{{status="pass", {FWK}}}) / sum by (kernel, kernel_version) (daxtorture_runs_total{{status!="skip", {FWK}}})',
                "{{kernel}} {{kernel_version}}", instant=True)], unit="percentunit"),
            panel("table", "Runs by kernel and status", 12, 8, [t(
                f"sum by (kernel, kernel_version, status) (daxtorture_runs_total{{{FWK}}})", instant=True, fmt="table")]),
            panel("timeseries", "New findings by kernel", 12, 8, [t(
                f'sum by (kernel) (daxtorture_findings_total{{novelty="new", {FWK}}})', "{{kernel}}")]),
            panel("timeseries", "Oracle check failure ratio by kernel", 12, 8, [t(
                f"sum by (kernel) (daxtorture_oracle_checks_failed_total{{{FWK}}}) / sum by (kernel) (daxtorture_oracle_checks_total{{{FWK}}})",
                "{{kernel}}")], unit="percentunit"),
            panel("timeseries", "Boot to ready p50 by kernel", 12, 8, [t(
                f"histogram_quantile(0.5, sum by (le, kernel) (daxtorture_vm_boot_to_ready_seconds_bucket{{{FK}}}))",
                "{{kernel}}")], unit="s"),
            panel("timeseries", "Mean run duration by kernel", 12, 8, [t(
                f"sum by (kernel) (daxtorture_run_duration_seconds_sum{{{FWK}}}) / sum by (kernel) (daxtorture_run_duration_seconds_count{{{FWK}}})",
                "{{kernel}}")], unit="s"),
        ],
    },
}


def layout(panels):
    """Left to right, wrapping at Grafana's 24 columns; a row is as tall as its tallest panel."""
    x = y = row_h = 0
    out = []
    for i, p in enumerate(panels, start=1):
        if x + p["w"] > 24:
            x, y, row_h = 0, y + row_h, 0
        targets = []
        for ref, tgt in zip("ABCDEFGH", p["targets"]):
            targets.append({"refId": ref, "datasource": DS, "editorMode": "code", **tgt})
        q = {
            "id": i, "type": p["type"], "title": p["title"], "description": p["description"],
            "datasource": DS, "gridPos": {"h": p["h"], "w": p["w"], "x": x, "y": y},
            "targets": targets,
            "fieldConfig": {"defaults": {"unit": p["unit"] or "short"}, "overrides": []},
            "options": {},
        }
        if p["type"] == "stat":
            q["options"] = {"reduceOptions": {"calcs": ["lastNotNull"], "fields": "", "values": False},
                            "textMode": p.get("textMode", "value"), "colorMode": "value", "graphMode": "none"}
        elif p["type"] == "bargauge":
            q["options"] = {"reduceOptions": {"calcs": ["lastNotNull"], "fields": "", "values": False},
                            "orientation": "horizontal", "displayMode": "basic", "showUnfilled": True}
        elif p["type"] == "timeseries":
            q["options"] = {"legend": {"displayMode": "list", "placement": "bottom", "showLegend": True},
                            "tooltip": {"mode": "multi", "sort": "desc"}}
            q["fieldConfig"]["defaults"]["custom"] = {"drawStyle": "line", "lineWidth": 1, "fillOpacity": 10,
                                                      "showPoints": "auto", "spanNulls": True}
        elif p["type"] == "table":
            q["options"] = {"showHeader": True, "cellHeight": "sm"}
        if p.get("table"):  # findings: one row per hash, one column per query
            q["transformations"] = [
                {"id": "merge", "options": {}},
                {"id": "organize", "options": {
                    "excludeByName": {"Time": True},
                    "indexByName": {"title": 0, "kind": 1, "Value #A": 2, "Value #D": 3, "Value #B": 4, "Value #C": 5, "hash": 6},
                    "renameByName": {"Value #A": "runs", "Value #B": "first seen", "Value #C": "last seen", "Value #D": "rate (per run)"}}},
            ]
            q["fieldConfig"]["overrides"] = [
                {"matcher": {"id": "byName", "options": "first seen"}, "properties": [{"id": "unit", "value": "dateTimeAsIso"}]},
                {"matcher": {"id": "byName", "options": "last seen"}, "properties": [{"id": "unit", "value": "dateTimeAsIso"}]},
                {"matcher": {"id": "byName", "options": "rate (per run)"}, "properties": [{"id": "unit", "value": "percentunit"}]},
            ]
        out.append(q)
        x += p["w"]
        row_h = max(row_h, p["h"])
    return out


def dashboard(key, d):
    return {
        "id": None, "uid": f"daxtorture-{key}", "title": d["title"], "description": d["description"],
        "tags": ["daxtorture"], "timezone": "utc", "editable": True, "graphTooltip": 1,
        "schemaVersion": SCHEMA_VERSION, "version": 1, "refresh": "1m",
        "time": {"from": "now-7d", "to": "now"},
        "annotations": {"list": [{"builtIn": 1, "datasource": {"type": "grafana", "uid": "-- Grafana --"},
                                  "enable": True, "hide": True, "name": "Annotations & Alerts", "type": "dashboard"}]},
        "links": [{"type": "dashboards", "tags": ["daxtorture"], "asDropdown": False, "title": "daxtorture",
                   "includeVars": True, "keepTime": True}],
        "templating": {"list": TEMPLATING},
        "panels": layout(d["panels"]),
    }


def readme():
    lines = [
        "# daxtorture dashboards and metrics",
        "",
        "Generated by `python3 dashboards/generate.py` (edit the script, not this file or the JSON).",
        "",
        "`daxtorture run` exports Prometheus metrics (library `dt_metrics`, `harness/metrics/`):",
        "",
        "* `--metrics-listen ADDR` serves them live while the campaign runs (`9464` or `:9464` means",
        "  127.0.0.1:9464; give `0.0.0.0:9464` to open it to the network);",
        "* `--pushgateway URL` pushes them at the end to a Pushgateway, grouping key",
        "  `job=daxtorture`, `campaign=NAME` and, with `--shard K/N`, `shard=K/N` (sent base64-encoded,",
        "  as the Pushgateway requires for a value with `/`). After a successful campaign the push is a",
        "  PUT, which replaces the group, so it holds exactly the latest run of that campaign; after a",
        "  failed one it is a POST, which leaves `daxtorture_last_success_timestamp_seconds` from the",
        "  last success in place;",
        "* `--metrics-textfile PATH` writes them for node_exporter's textfile collector (atomically,",
        "  through a temporary file and a rename), with `campaign` (and `shard`) labels;",
        "* every sample also goes to the results store (`metrics` table of `results.sqlite`), and",
        "  `daxtorture report --html` renders a static page with inline SVG charts for users without",
        "  Grafana.",
        "",
        "Pushed values are the totals of the latest push of each campaign group, not ever-growing",
        "counters, so the dashboards show them as they are (sums and ratios) rather than with `rate()`;",
        "the one `rate()` panel is for the live endpoint.",
        "",
        "## Running it",
        "",
        "```sh",
        "cd dashboards && docker compose up -d   # Prometheus :9090, Pushgateway :9091, Grafana :3000",
        "daxtorture run campaigns/nightly.yaml --pushgateway http://127.0.0.1:9091",
        "```",
        "",
        "| file | what |",
        "| --- | --- |",
        "| `docker-compose.yml` | Prometheus + Pushgateway + Grafana, dashboards provisioned |",
        "| `prometheus/prometheus.yml` | scrapes the Pushgateway with `honor_labels: true` (keeps `job`/`campaign` from the push) and, optionally, a live endpoint |",
        "| `grafana/provisioning/datasources/prometheus.yml` | the Prometheus datasource, uid `daxtorture-prometheus` |",
        "| `grafana/provisioning/dashboards/daxtorture.yml` | loads `grafana/dashboards/*.json` into the folder daxtorture |",
        "| `grafana/dashboards/*.json` | the dashboards below (schemaVersion %d) |" % SCHEMA_VERSION,
        "",
        "## Metric families",
        "",
        "Base units (seconds), `_total` on counters. Pushed series also carry `job`, `campaign`",
        "(and `shard`) from the grouping key; textfile and live series carry `campaign` (and `shard`).",
        "Cardinality is bounded by the campaign matrix and by the number of distinct finding titles:",
        "titles are only on `daxtorture_finding_info`, one series per title hash.",
        "",
        "| family | type | labels | meaning |",
        "| --- | --- | --- | --- |",
    ]
    for name, typ, labels, meaning in FAMILIES:
        lines.append(f"| `{name}` | {typ} | {labels or '-'} | {meaning} |")
    lines += [
        "",
        "## Dashboards and panel queries",
        "",
        "Template variables on every dashboard (multi-value, with All = `.*`):",
        "",
    ]
    for v in TEMPLATING:
        lines.append(f"* `${v['name']}` ({v['label']}): `{v['definition']}`")
    for key, d in DASHBOARDS.items():
        lines += ["", f"### {d['title']} (`grafana/dashboards/{key}.json`, uid `daxtorture-{key}`)", "",
                  d["description"], "", "| panel | type | query |", "| --- | --- | --- |"]
        for p in d["panels"]:
            for tgt in p["targets"]:
                expr = tgt["expr"].replace("|", "\\|")
                lines.append(f"| {p['title']} | {p['type']} | `{expr}` |")
    lines += [
        "",
        "## Tests",
        "",
        "* `metrics_test` (unit): exposition names, labels, `_total`, histogram buckets, push method and",
        "  grouping key against a stub gateway, textfile, live endpoint; and the structure of every",
        "  dashboard (panels, gridPos, targets, datasource uids, template variables; every metric a",
        "  query names exists; every query is listed in this file).",
        "* `metrics_prometheus_integration` (label `integration`): starts real `prometheus` and",
        "  `prometheus-pushgateway` on loopback, pushes (with `daxtorture run` when it supports",
        "  `--pushgateway`, else `metrics_push_fixture`), and checks with `promtool` that every panel",
        "  query returns data, that every query passes `promtool check rules`, and that the exposition",
        "  passes `promtool check metrics`.",
        "",
    ]
    return "\n".join(lines)


def main():
    """Writes the files; with --check, only reports (exit 1) files that differ from the script."""
    check = "--check" in sys.argv[1:]
    out = HERE / "grafana" / "dashboards"
    files = {out / f"{key}.json": json.dumps(dashboard(key, d), indent=2) + "\n" for key, d in DASHBOARDS.items()}
    files[HERE / "README.md"] = readme()
    stale = [p for p, text in files.items() if not p.exists() or p.read_text() != text]
    if check:
        for p in stale:
            print(f"{p} is out of date: run python3 dashboards/generate.py")
        return 1 if stale else 0
    out.mkdir(parents=True, exist_ok=True)
    for p, text in files.items():
        p.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
