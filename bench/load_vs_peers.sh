#!/usr/bin/env bash
# hone load against wrk and hey, each on one core, driving the same nginx (one worker) on the
# other core: requests/s and CPU time per request of each generator, measured in one run.
# Writes its table into docs/BENCHMARKS.md.
#   bench/load_vs_peers.sh            (DURATION=5s CONNECTIONS=64 ROUNDS=5 by default)
set -euo pipefail
source "$(dirname "$0")/lib.sh"

DURATION="${DURATION:-5s}"
CONNECTIONS="${CONNECTIONS:-64}"
ROUNDS="${ROUNDS:-5}"
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

# run_tool name command...: runs one generator on the load core under /usr/bin/time; stops the
# benchmark, showing its output, when the tool fails.
run_tool() {
  local name=$1; shift
  if ! /usr/bin/time -f "%U %S" -o "$work/$name.time" taskset -c "$LOAD_CORE" "$@" > "$work/$name.out" 2>&1; then
    echo "$name failed:" >&2; cat "$work/$name.out" >&2; exit 1
  fi
}
cpu_us() {  # time-file requests: CPU microseconds per request
  awk -v n="$2" '{t = $(NF-1) + $NF} END {printf "%.2f", t / n * 1e6}' "$1"
}

declare -A all
record() { all[$1]="${all[$1]:-} $2"; }
for round in $(seq 1 "$ROUNDS"); do
  echo "round $round of $ROUNDS" >&2
  run_tool wrk wrk -t1 -c"$CONNECTIONS" -d"$DURATION" "$url"
  grep -qE "Socket errors|Non-2xx" "$work/wrk.out" && { echo "wrk saw errors:" >&2; cat "$work/wrk.out" >&2; exit 1; }
  wrk_rps=$(awk '/Requests\/sec/ {print $2}' "$work/wrk.out")
  wrk_requests=$(awk '/requests in/ {print $1}' "$work/wrk.out")

  run_tool hey hey -z "$DURATION" -c "$CONNECTIONS" -cpus 1 "$url"
  grep -q "Error distribution" "$work/hey.out" && { echo "hey saw errors:" >&2; cat "$work/hey.out" >&2; exit 1; }
  hey_rps=$(awk '/Requests\/sec/ {print $2}' "$work/hey.out")
  hey_requests=$(awk '/\[200\]/ {print $2}' "$work/hey.out")

  run_tool hone "$hone_bin" load "$url" -c "$CONNECTIONS" -d "$DURATION" --threads 1 --quiet \
    --threshold 'error_rate==0' --out "$work/hone.json"
  hone_requests=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['summary']['requests'])" "$work/hone.json")
  hone_rps=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['summary']['rps'])" "$work/hone.json")

  record wrk "$wrk_rps"; record hey "$hey_rps"; record hone "$hone_rps"
  record wrk_cpu "$(cpu_us "$work/wrk.time" "$wrk_requests")"
  record hey_cpu "$(cpu_us "$work/hey.time" "$hey_requests")"
  record hone_cpu "$(cpu_us "$work/hone.time" "$hone_requests")"
  record hey_ratio "$(awk -v a="$hey_rps" -v b="$wrk_rps" 'BEGIN {printf "%.3f", a / b}')"
  record hone_ratio "$(awk -v a="$hone_rps" -v b="$wrk_rps" 'BEGIN {printf "%.3f", a / b}')"
done

med() { echo "${all[$1]}" | median; }
each() { local out=""; for v in ${all[$1]}; do out="$out $(printf "%.0f" "$v")"; done; echo "${out# }"; }
table="$work/table.md"
{
  echo "### Load generators against nginx (one core each)"
  echo
  echo "Measured $(date -u +%Y-%m-%d) on $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)),"
  echo "nginx $(nginx -v 2>&1 | cut -d/ -f2) with one worker on core $SERVER_CORE, each generator on core $LOAD_CORE,"
  echo "$CONNECTIONS keep-alive connections, closed loop for $DURATION, a 11-byte JSON answer; $ROUNDS rounds"
  echo "(each runs wrk, hey and hone load once); ratios are the median of the rounds' ratios."
  echo "Command: \`bench/load_vs_peers.sh\` (DURATION=$DURATION CONNECTIONS=$CONNECTIONS ROUNDS=$ROUNDS)."
  echo
  echo "| generator | requests/s, per round | median | vs wrk | CPU us per request (median) |"
  echo "|---|---|---|---|---|"
  echo "| wrk | $(each wrk) | $(printf "%.0f" "$(med wrk)") | 1.00 | $(med wrk_cpu) |"
  echo "| hey | $(each hey) | $(printf "%.0f" "$(med hey)") | $(med hey_ratio) | $(med hey_cpu) |"
  echo "| hone load | $(each hone) | $(printf "%.0f" "$(med hone)") | $(med hone_ratio) | $(med hone_cpu) |"
  echo
  echo "hone load records every request in HDR histograms (latency from the intended send time and"
  echo "service time), per endpoint and per second, as wrk records its latency histogram."
} > "$table"
cat "$table"
replace_section "$bench_root/docs/BENCHMARKS.md" load-vs-peers "$table"
rm -rf "$work"
