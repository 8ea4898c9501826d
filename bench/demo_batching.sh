#!/usr/bin/env bash
# Does batching pay for the demo models on the engine `backend: auto` gives them? Each demo
# model is served from its examples/models config (backend auto) with any batching block
# replaced by BATCHING (the settings the demo shipped before: 64 rows, 500 us, queue 1024, one
# worker) and with none, the response cache off in both (every request computed), one
# I/O thread on one core, wrk on the other at 32 and at 64 connections (single-row requests);
# ROUNDS alternating rounds, the ratio with/without batching is the median of the rounds' ratios.
# Writes its table into docs/BENCHMARKS.md.
#   bench/demo_batching.sh          (DURATION=5s ROUNDS=5)
set -euo pipefail
source "$(dirname "$0")/lib.sh"

DURATION="${DURATION:-5s}"
ROUNDS="${ROUNDS:-5}"
SERVER_CORE="${SERVER_CORE:-0}"
LOAD_CORE="${LOAD_CORE:-1}"
for tool in wrk taskset curl; do command -v "$tool" >/dev/null || { echo "missing $tool: run scripts/setup --bench" >&2; exit 1; }; done
[ -x "$hone_bin" ] || { echo "build first: cmake --preset release && cmake --build --preset release" >&2; exit 1; }

shopt -s inherit_errexit
work=$(mktemp -d)
cleanup() { [ -f "$work/pid" ] && kill "$(cat "$work/pid")" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

declare -A rows
rows[ceramic-armor]='[60,20,10,5,5,1800,2,30,3,1.5,98.5,10]'
rows[fraud-detector]='[120.5,23,5,7,0.2,12.5,3.1,3600,1,4,1.2,95,1,1,1,0,0,0,900,700,0,0,0.1,0.2,41,5000,30,0,300,0.9]'
BATCHING="${BATCHING:-batching: {max_batch_size: 64, max_queue_delay: 500us, max_queue_size: 1024, workers: 1}}"
# One repository per variant: the example's config with the cache off and its batching block
# (the YAML key `batching:` with its indented lines) dropped; the batching variant adds BATCHING.
for model in ceramic-armor fraud-detector; do
  for variant in batching plain; do
    dir="$work/$variant/$model"
    mkdir -p "$dir"
    cp "$bench_root/examples/models/$model/model.json" "$dir/"
    awk '
      /^[a-z_]+:/ { skip = 0 }
      /^batching:/ { skip = 1; next }
      /^cache:/ { print "cache:"; print "  enabled: false"; skip = 1; next }
      skip == 1 { if (/^  /) next; skip = 0 }
      { print }' "$bench_root/examples/models/$model/config.yaml" > "$dir/config.yaml"
    [ "$variant" = batching ] && echo "$BATCHING" >> "$dir/config.yaml"
  done
  cat > "$work/$model.lua" <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = [==[{"inputs":[{"name":"features","datatype":"FP32","shape":[1,$(echo "${rows[$model]}" | tr ',' '\n' | wc -l)],"data":${rows[$model]}}]}]==]
LUA
done
port=$(free_port)

measure() {  # variant, model, connections: requests/s
  serve_rps "$hone_bin" "$work/$1" "$port" "$2" "$work/$2.lua" "$3" "$work"
}

table="$work/table.md"
{
  echo "### Batching on the demo models"
  echo
  echo "Measured $(date -u +%Y-%m-%d): each demo model from its examples/models config (backend auto) with"
  echo "\`$BATCHING\` and without batching, the response cache off, hone serve --threads 1 on core $SERVER_CORE, wrk -t1 on"
  echo "core $LOAD_CORE for $DURATION, single-row requests; $ROUNDS alternating rounds, ratios are medians of the rounds' ratios."
  echo "Command: \`bench/demo_batching.sh\` (DURATION=$DURATION ROUNDS=$ROUNDS)."
  echo
  echo "| model, connections | with batching (req/s, per round) | without (req/s, per round) | with / without |"
  echo "|---|---|---|---|"
} > "$table"
for model in ceramic-armor fraud-detector; do
  for connections in 32 64; do
    with_all=() without_all=() ratios=()
    for round in $(seq 1 "$ROUNDS"); do
      if [ $((round % 2)) -eq 1 ]; then
        w=$(measure batching "$model" "$connections"); p=$(measure plain "$model" "$connections")
      else
        p=$(measure plain "$model" "$connections"); w=$(measure batching "$model" "$connections")
      fi
      with_all+=("${w%.*}") without_all+=("${p%.*}")
      ratios+=("$(awk -v w="$w" -v p="$p" 'BEGIN {printf "%.3f", w / p}')")
    done
    echo "| $model, $connections | ${with_all[*]} | ${without_all[*]} | $(printf '%s\n' "${ratios[@]}" | median) x |" >> "$table"
  done
done
engines=$(grep -o "backend auto chose [a-z]*" "$work/server.log" | sort -u | sed 's/^backend auto chose //' | paste -sd, - || true)
echo >> "$table"
echo "The engine backend auto chose: ${engines:-not in the log}." >> "$table"
cat "$table"
replace_section "$bench_root/docs/BENCHMARKS.md" demo-batching "$table"
