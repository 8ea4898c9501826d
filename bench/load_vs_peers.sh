#!/usr/bin/env bash
# hone load against wrk and hey, each on one core, driving the same nginx (one worker) on the
# other core: requests/s and CPU time per request of each generator, measured in one run.
# Writes its table into docs/BENCHMARKS.md.
#   bench/load_vs_peers.sh            (DURATION=10s CONNECTIONS=64 by default)
set -euo pipefail
source "$(dirname "$0")/lib.sh"

DURATION="${DURATION:-10s}"
CONNECTIONS="${CONNECTIONS:-64}"
SERVER_CORE="${SERVER_CORE:-0}"
LOAD_CORE="${LOAD_CORE:-1}"
seconds="${DURATION%s}"

for tool in nginx wrk hey taskset curl python3; do
  command -v "$tool" >/dev/null || { echo "missing $tool: run scripts/setup --bench" >&2; exit 1; }
done
[ -x "$hone_bin" ] || { echo "build hone first: cmake --preset release && cmake --build --preset release" >&2; exit 1; }

port=$(free_port)
trap stop_nginx EXIT
start_nginx "$port" "$SERVER_CORE"
url="http://127.0.0.1:$port/"
work=$(mktemp -d)

# warm-up so that every tool meets a hot nginx
taskset -c "$LOAD_CORE" wrk -t1 -c"$CONNECTIONS" -d2s "$url" >/dev/null

run_tool() {  # name, command...; prints "name rps cpu_seconds requests"
  local name=$1; shift
  /usr/bin/time -f "%U %S" -o "$work/$name.time" taskset -c "$LOAD_CORE" "$@" > "$work/$name.out" 2>&1
  true
}

run_tool wrk wrk -t1 -c"$CONNECTIONS" -d"$DURATION" "$url"
wrk_rps=$(awk '/Requests\/sec/ {print $2}' "$work/wrk.out")
wrk_requests=$(awk '/requests in/ {print $1}' "$work/wrk.out")

run_tool hey hey -z "$DURATION" -c "$CONNECTIONS" -cpus 1 "$url"
hey_rps=$(awk '/Requests\/sec/ {print $2}' "$work/hey.out")
hey_requests=$(awk '/\[200\]/ {print $2}' "$work/hey.out")

run_tool hone "$hone_bin" load "$url" -c "$CONNECTIONS" -d "$DURATION" --threads 1 --quiet --out "$work/hone.json"
hone_requests=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['summary']['requests'])" "$work/hone.json")
hone_rps=$(python3 -c "import json,sys; print(round(json.load(open(sys.argv[1]))['summary']['rps'],1))" "$work/hone.json")

row() {  # name rps requests cpu_file
  python3 - "$@" <<'PY'
import sys
name, rps, requests, cpu_file, wrk_rps = sys.argv[1:6]
user, system = map(float, open(cpu_file).read().split()[-2:])
cpu_us = (user + system) / float(requests) * 1e6
print(f"| {name} | {float(rps):,.0f} | {float(rps)/float(wrk_rps):.2f} | {cpu_us:.2f} | {(user+system):.2f} |")
PY
}

table="$work/table.md"
{
  echo "### Load generators against nginx (one core each)"
  echo
  echo "Measured $(date -u +%Y-%m-%d) on $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)),"
  echo "nginx $(nginx -v 2>&1 | cut -d/ -f2) with one worker on core $SERVER_CORE, each generator on core $LOAD_CORE,"
  echo "$CONNECTIONS keep-alive connections, closed loop for $DURATION, a 11-byte JSON answer."
  echo "Command: \`bench/load_vs_peers.sh\` (DURATION=$DURATION CONNECTIONS=$CONNECTIONS)."
  echo
  echo "| generator | requests/s | vs wrk | CPU us per request | CPU s |"
  echo "|---|---|---|---|---|"
  row wrk "$wrk_rps" "$wrk_requests" "$work/wrk.time" "$wrk_rps"
  row hey "$hey_rps" "$hey_requests" "$work/hey.time" "$wrk_rps"
  row "hone load" "$hone_rps" "$hone_requests" "$work/hone.time" "$wrk_rps"
  echo
  echo "hone load records every request in HDR histograms (latency from the intended send time and"
  echo "service time), per endpoint and per second, as wrk records its latency histogram."
} > "$table"
cat "$table"
replace_section "$bench_root/docs/BENCHMARKS.md" load-vs-peers "$table"
rm -rf "$work"
