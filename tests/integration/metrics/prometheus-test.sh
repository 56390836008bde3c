#!/bin/bash
# Pushes daxtorture metrics through a real Pushgateway into a real Prometheus, then checks
# that every query of every dashboard panel returns data, that every query passes
# `promtool check rules`, and that the exposition passes `promtool check metrics`.
#
#   prometheus-test.sh BUILD_DIR PUSH_FIXTURE DASHBOARDS_DIR
#
# The push: $DT_METRICS_PUSH_CMD when set (run with PUSHGATEWAY_URL and TEXTFILE in the
# environment); else `daxtorture run tiny.yaml --pushgateway` when the CLI supports it (and
# DT_METRICS_USE_FIXTURE is unset); else metrics_push_fixture. DT_KEEP=1 keeps the temp dir. Servers listen on loopback
# only, on free random ports, with their storage in a temporary directory; all are killed on
# exit. Every wait is bounded.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=${1:?build dir}
fixture=${2:?metrics_push_fixture}
dashboards=${3:?dashboards dir}

for bin in prometheus prometheus-pushgateway promtool curl jq; do
  if ! command -v "$bin" >/dev/null; then
    echo "SKIP: $bin is not installed (bash scripts/install-deps.sh)"
    exit 77
  fi
done

work=$(mktemp -d /tmp/dt-metrics-it.XXXXXX)
pids=()
cleanup() {
  local rc=$?
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do
    for _ in $(seq 1 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$p" 2>/dev/null || true
  done
  if [[ $rc -ne 0 && $rc -ne 77 ]]; then
    for log in "$work"/*.log; do [[ -f $log ]] && { echo "--- $log"; tail -n 20 "$log"; }; done
  fi
  [[ -n ${DT_KEEP:-} ]] && echo "kept $work" || rm -rf "$work"
}
trap cleanup EXIT

fail() { echo "FAIL: $*" >&2; exit 1; }

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
free_port() {
  local p
  for _ in $(seq 1 50); do
    p=$((20000 + RANDOM % 40000))
    port_in_use "$p" || { echo "$p"; return; }
  done
  fail "no free loopback port"
}

# wait_ready PID URL SECONDS: the server answers 200 on URL, or it died / timed out.
wait_ready() {
  local pid=$1 url=$2 deadline=$((SECONDS + $3))
  while ((SECONDS < deadline)); do
    kill -0 "$pid" 2>/dev/null || return 1
    curl -fsS -m 2 "$url" >/dev/null 2>&1 && return 0
    sleep 0.3
  done
  return 1
}

# start NAME READY_PATH CMD...: retried on a new port if another process took it meanwhile;
# the command line uses @PORT@ for the port. Sets $port.
start() {
  local name=$1 path=$2
  shift 2
  for _ in 1 2 3; do
    port=$(free_port)
    "${@//@PORT@/$port}" >"$work/$name.log" 2>&1 &
    local pid=$!
    if wait_ready "$pid" "http://127.0.0.1:$port$path" 60; then
      pids+=("$pid")
      return 0
    fi
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  fail "$name did not start (see $work/$name.log)"
}

# --- Pushgateway (in memory: no persistence file) -------------------------------------------
start pushgateway /-/ready prometheus-pushgateway --web.listen-address=127.0.0.1:@PORT@
pg="http://127.0.0.1:$port"
echo "pushgateway on $pg"

# --- Prometheus, with the shipped config pointed at the local gateway ------------------------
# The live-endpoint job points at a free port: it is just down.
sed -e "s/pushgateway:9091/127.0.0.1:${pg##*:}/" \
    -e "s/host.docker.internal:9464/127.0.0.1:$(free_port)/" \
    -e "s/scrape_interval: 15s/scrape_interval: 1s/" \
    "$dashboards/prometheus/prometheus.yml" >"$work/prometheus.yml"
promtool check config "$work/prometheus.yml" >"$work/check-config.log" 2>&1 ||
  fail "promtool check config: $(cat "$work/check-config.log")"
mkdir -p "$work/tsdb"
start prometheus /-/ready prometheus --config.file="$work/prometheus.yml" \
  --storage.tsdb.path="$work/tsdb" --web.listen-address=127.0.0.1:@PORT@ --log.level=warn
prom="http://127.0.0.1:$port"
echo "prometheus on $prom"

# --- Push ------------------------------------------------------------------------------------
textfile="$work/daxtorture.prom"
campaign_check=${DT_METRICS_CAMPAIGN:-}  # with DT_METRICS_PUSH_CMD: the campaign it pushes
if [[ -n ${DT_METRICS_PUSH_CMD:-} ]]; then
  echo "push: \$DT_METRICS_PUSH_CMD"
  PUSHGATEWAY_URL=$pg TEXTFILE=$textfile timeout 540 bash -c "$DT_METRICS_PUSH_CMD" ||
    fail "DT_METRICS_PUSH_CMD failed"
elif [[ -z ${DT_METRICS_USE_FIXTURE:-} && -x $build/daxtorture ]] &&
  "$build/daxtorture" run --help 2>&1 | grep -q -- --pushgateway; then
  echo "push: daxtorture run tiny.yaml"
  extra=()
  "$build/daxtorture" run --help 2>&1 | grep -q -- --metrics-textfile && extra+=(--metrics-textfile "$textfile")
  rc=0
  timeout 480 "$build/daxtorture" run "$here/tiny.yaml" --out "$work/out" --pushgateway "$pg" \
    --jobs 1 "${extra[@]}" >"$work/run.log" 2>&1 || rc=$?
  # 0: all passed, 1: findings. Both delivered metrics; anything else did not run properly.
  [[ $rc -le 1 ]] || fail "daxtorture run exited $rc (see run.log)"
  campaign_check=metrics-tiny
  # A short clean run has no findings: a fixture campaign beside it gives the findings
  # panels something to show, so their queries are still checked against real data.
  "$fixture" --pushgateway "$pg" --campaign fixture >"$work/fixture.log" 2>&1 ||
    fail "metrics_push_fixture failed: $(cat "$work/fixture.log")"
else
  echo "push: metrics_push_fixture (daxtorture run has no --pushgateway yet)"
  # A shard with '/' exercises the base64 grouping key end to end.
  "$fixture" --pushgateway "$pg" --campaign quick --shard 1/2 --textfile "$textfile" \
    >"$work/fixture.log" 2>&1 || fail "metrics_push_fixture failed: $(cat "$work/fixture.log")"
  campaign_check=quick
  fixture_mode=1
fi

passed=0
failed=0
check() {  # check NAME COMMAND...: counts, prints failures
  local name=$1
  shift
  if out=$("$@" 2>&1); then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
    echo "FAILED: $name"
    echo "$out" | sed 's/^/    /' | head -n 20
  fi
}

# --- Wait until Prometheus has scraped the pushed metrics a few times (rate() needs 2) --------
deadline=$((SECONDS + 90))
until [[ $(promtool query instant "$prom" 'count_over_time(daxtorture_build_info[1m]) >= 3' 2>/dev/null) ]]; do
  ((SECONDS < deadline)) || fail "Prometheus never scraped daxtorture_build_info from the gateway"
  sleep 1
done

nonempty_query() {  # the instant query returns at least one sample
  local out
  out=$(promtool query instant "$prom" "$1" 2>&1) || { echo "$out"; return 1; }
  [[ -n $out ]] || { echo "no data for: $1"; return 1; }
}

# --- Every panel query returns data ---------------------------------------------------------
# Template variables at All (.*), Grafana's interval variables at fixed values.
substitute() {
  sed -E -e 's/\$__rate_interval/1m/g' -e 's/\$__range/1h/g' -e 's/\$__interval/15s/g' \
    -e 's/\$[A-Za-z_]+/.*/g'
}
rules="$work/dashboard-rules.yml"
printf 'groups:\n  - name: daxtorture-dashboards\n    rules:\n' >"$rules"
queries=0
for json in "$dashboards"/grafana/dashboards/*.json; do
  board=$(basename "$json" .json)
  while IFS=$'\t' read -r title ref expr; do
    expr=$(printf '%s' "$expr" | substitute)
    queries=$((queries + 1))
    check "$board / $title / $ref" nonempty_query "$expr"
    printf '      - record: daxtorture:dashboard_%s:q%d\n        expr: '\''%s'\''\n' \
      "$board" "$queries" "${expr//\'/\'\'}" >>"$rules"
  done < <(jq -r '.panels[] | .title as $t | .targets[] | [$t, .refId, .expr] | @tsv' "$json")
  # Template variable queries: label_values(SELECTOR, LABEL) through the label values API.
  while IFS=$'\t' read -r name def; do
    def=$(printf '%s' "$def" | substitute)
    label=$(sed -E 's/.*,[[:space:]]*([A-Za-z_]+)\)$/\1/' <<<"$def")
    selector=$(sed -E 's/^label_values\((.*),[[:space:]]*[A-Za-z_]+\)$/\1/' <<<"$def")
    check "$board / variable \$$name" bash -c '
      n=$(curl -fsS -m 10 -G "$1/api/v1/label/$2/values" --data-urlencode "match[]=$3" | jq ".data | length")
      [[ $n -gt 0 ]] || { echo "no values for $2 from $3"; exit 1; }' _ "$prom" "$label" "$selector"
  done < <(jq -r '.templating.list[] | [.name, .definition] | @tsv' "$json")
done
((queries >= 20)) || fail "only $queries panel queries found in $dashboards"

# --- Lint: every query as a recording rule; the exposition ---------------------------------
check "promtool check rules ($queries dashboard queries)" promtool check rules "$rules"
if [[ -s $textfile ]]; then
  check "promtool check metrics (textfile)" bash -c 'promtool check metrics < "$1"' _ "$textfile"
fi
curl -fsS -m 10 "$pg/metrics" >"$work/gateway.prom"
check "promtool check metrics (pushgateway)" bash -c 'promtool check metrics < "$1"' _ "$work/gateway.prom"

# --- Grouping key and push semantics on the real gateway -----------------------------------
if [[ -n $campaign_check ]]; then
  check "campaign $campaign_check reached Prometheus with its grouping key" \
    nonempty_query "daxtorture_runs_total{job=\"daxtorture\", campaign=\"$campaign_check\"}"
fi
if [[ -n ${fixture_mode:-} ]]; then
  check "shard 1/2 (base64 in the push URL) arrived decoded" \
    nonempty_query 'daxtorture_build_info{campaign="quick", shard="1/2"}'
  # A failed campaign's push (POST) must leave the last success in place.
  "$fixture" --pushgateway "$pg" --campaign quick --shard 1/2 --failed >"$work/fixture-failed.log" 2>&1 ||
    fail "metrics_push_fixture --failed: $(cat "$work/fixture-failed.log")"
  check "a failed campaign keeps daxtorture_last_success_timestamp_seconds" bash -c '
    curl -fsS -m 10 "$1/metrics" | grep -E "^daxtorture_last_success_timestamp_seconds\{[^}]*campaign=\"quick\"[^}]*shard=\"1/2\""' _ "$pg"
fi

echo "metrics integration: $passed passed, $failed failed"
((failed == 0))
