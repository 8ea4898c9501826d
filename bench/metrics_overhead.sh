#!/usr/bin/env bash
# Throughput of hone serve with request metrics and the monitor on, against --no-metrics, on one
# core (wrk on the other): uncached single-row predictions with the native engine, the path where
# the per-request cost of metrics weighs most. Runs alternate (on, off, on, off, ...); each round
# gives a ratio on/off of two neighbouring runs, and the verdict takes the median of those ratios,
# which keeps drift and noise on a shared machine out of it (single runs vary by +-5% here).
#   bench/metrics_overhead.sh          (DURATION=8s ROUNDS=7)
set -euo pipefail
source "$(dirname "$0")/lib.sh"
DURATION="${DURATION:-8s}"
ROUNDS="${ROUNDS:-7}"
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
  wait_ready "$port"
  wrk_run 1 "$work/wrk.out" -t1 -c32 -d"$DURATION" -s "$work/post.lua" "http://127.0.0.1:$port/v2/models/ceramic-armor/infer"
  kill "$server_pid"; wait "$server_pid" 2>/dev/null || true; server_pid=""
}
all_on=""; all_off=""; ratios=""
for _ in $(seq 1 "$ROUNDS"); do
  on=$(run); off=$(run --no-metrics)
  [ -n "$on" ] && [ -n "$off" ] || { echo "a run produced no result (did the server start?)" >&2; exit 1; }
  all_on="$all_on $(printf %.0f "$on")"; all_off="$all_off $(printf %.0f "$off")"
  ratios="$ratios $(awk -v a="$on" -v b="$off" 'BEGIN {printf "%.3f", a / b}')"
done
median_on=$(echo "$all_on" | median); median_off=$(echo "$all_off" | median)
ratio=$(echo "$ratios" | median)
verdict=$(awk -v r="$ratio" 'BEGIN {print (r >= 0.97) ? "met" : "MISSED"}')
table="$work/table.md"
{
  echo "### Cost of metrics and the monitor"
  echo
  echo "Measured $(date -u +%Y-%m-%d); hone serve (native engine, cache off, one thread) on core 0, wrk -t1 -c32 on core 1,"
  echo "$ROUNDS alternating rounds of $DURATION. Command: \`bench/metrics_overhead.sh\`."
  echo
  echo "| | requests/s (each round) | median |"
  echo "|---|---|---|"
  echo "| metrics on (default) |$all_on | $(printf %.0f "$median_on") |"
  echo "| \`--no-metrics\` |$all_off | $(printf %.0f "$median_off") |"
  echo "| ratio on/off, per round |$ratios | $ratio |"
  echo
  echo "With metrics: $ratio x the throughput without, median of the rounds' ratios (target: within 3%, >= 0.97): $verdict."
} > "$table"
cat "$table"
replace_section "$bench_root/docs/BENCHMARKS.md" metrics-overhead "$table"
