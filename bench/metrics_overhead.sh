#!/usr/bin/env bash
# Throughput of hone serve with request metrics and the monitor on, against --no-metrics, on one
# core (wrk on the other): uncached single-row predictions with the native engine, the path where
# the per-request cost of metrics weighs most. Runs alternate (on, off, on, off, ...) and the
# best of each is compared, which keeps drift on a shared machine out of the ratio.
#   bench/metrics_overhead.sh          (DURATION=10s ROUNDS=3)
set -euo pipefail
source "$(dirname "$0")/lib.sh"
DURATION="${DURATION:-10s}"
ROUNDS="${ROUNDS:-3}"
[ -x "$hone_bin" ] || { echo "build first: cmake --preset release && cmake --build --preset release" >&2; exit 1; }
work=$(mktemp -d)
server_pid=""
trap '[ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null; rm -rf "$work"' EXIT
model_dir="$bench_root/examples/models/ceramic-armor"
cat > "$work/post.lua" <<'LUA'
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"inputs":[{"name":"features","datatype":"FP32","shape":[1,12],"data":[60,20,10,5,5,1800,2,30,3,1.5,98.5,10]}]}'
LUA
run() {  # extra flags...: requests/s
  local port
  port=$(free_port)
  taskset -c 0 "$hone_bin" serve --model "ceramic-armor=$model_dir" --backend trees --threads 1 --port "$port" "$@" > /dev/null 2>&1 &
  server_pid=$!
  for _ in $(seq 1 100); do curl -s -o /dev/null "http://127.0.0.1:$port/v2/health/ready" && break; sleep 0.05; done
  taskset -c 1 wrk -t1 -c32 -d"$DURATION" -s "$work/post.lua" "http://127.0.0.1:$port/v2/models/ceramic-armor/infer" | awk '/Requests\/sec/ {print $2}'
  kill "$server_pid"; wait "$server_pid" 2>/dev/null || true; server_pid=""
}
best_on=0; best_off=0; all_on=""; all_off=""
for _ in $(seq 1 "$ROUNDS"); do
  on=$(run); off=$(run --no-metrics)
  all_on="$all_on $(printf %.0f "$on")"; all_off="$all_off $(printf %.0f "$off")"
  best_on=$(awk -v a="$best_on" -v b="$on" 'BEGIN {print (b > a) ? b : a}')
  best_off=$(awk -v a="$best_off" -v b="$off" 'BEGIN {print (b > a) ? b : a}')
done
ratio=$(awk -v a="$best_on" -v b="$best_off" 'BEGIN {printf "%.3f", a / b}')
verdict=$(awk -v r="$ratio" 'BEGIN {print (r >= 0.97) ? "met" : "MISSED"}')
table="$work/table.md"
{
  echo "### Cost of metrics and the monitor"
  echo
  echo "Measured $(date -u +%Y-%m-%d); hone serve (native engine, cache off, one thread) on core 0, wrk -t1 -c32 on core 1,"
  echo "$ROUNDS alternating rounds of $DURATION. Command: \`bench/metrics_overhead.sh\`."
  echo
  echo "| | requests/s (each round) | best |"
  echo "|---|---|---|"
  echo "| metrics on (default) |$all_on | $(printf %.0f "$best_on") |"
  echo "| \`--no-metrics\` |$all_off | $(printf %.0f "$best_off") |"
  echo
  echo "With metrics: $ratio x the throughput without (target: within 3%, >= 0.97): $verdict."
} > "$table"
cat "$table"
replace_section "$bench_root/docs/BENCHMARKS.md" metrics-overhead "$table"
