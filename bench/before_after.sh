#!/usr/bin/env bash
# What one change to hone serve bought: two hone binaries (BASE, the build before the change;
# NEW, the build with it) serve the demo regressor one after the other on one core, wrk on the
# other, for cache hits and uncached native predictions; ROUNDS alternating rounds (the order
# flips each round), and each ratio NEW/BASE is the median of the rounds' ratios.
#   BASE=/tmp/base/build/release/src/cli/hone bench/before_after.sh   (NEW: this tree's build)
# Prints a table to paste into docs/BENCHMARKS.md with the commits compared.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

DURATION="${DURATION:-5s}"
ROUNDS="${ROUNDS:-7}"
CONNECTIONS="${CONNECTIONS:-32}"
SERVER_CORE="${SERVER_CORE:-0}"
LOAD_CORE="${LOAD_CORE:-1}"
NEW="${NEW:-$hone_bin}"
: "${BASE:?set BASE to the hone binary built before the change}"
for bin in "$BASE" "$NEW"; do [ -x "$bin" ] || { echo "not a program: $bin" >&2; exit 1; }; done
for tool in wrk taskset curl; do command -v "$tool" >/dev/null || { echo "missing $tool: run scripts/setup --bench" >&2; exit 1; }; done

shopt -s inherit_errexit
work=$(mktemp -d)
cleanup() { [ -f "$work/pid" ] && kill "$(cat "$work/pid")" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

model="$bench_root/examples/models/ceramic-armor/model.json"
row='[60,20,10,5,5,1800,2,30,3,1.5,98.5,10]'
cat > "$work/post.lua" <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = [==[{"inputs":[{"name":"features","datatype":"FP32","shape":[1,12],"data":$row}]}]==]
LUA
for kind in hits uncached; do
  mkdir -p "$work/$kind/ceramic-armor"
  cache=false; [ "$kind" = hits ] && cache=true
  printf 'artifact: %s\nbackend: trees\ncache: {enabled: %s}\n' "$model" "$cache" \
    > "$work/$kind/ceramic-armor/config.yaml"
done
port=$(free_port)

measure() {  # binary, kind: requests/s
  serve_rps "$1" "$work/$2" "$port" ceramic-armor "$work/post.lua" "$CONNECTIONS" "$work"
}

echo "| measure | BASE req/s, per round | NEW req/s, per round | NEW/BASE, median of rounds |"
echo "|---|---|---|---|"
for kind in hits uncached; do
  base_all=() new_all=() ratios=()
  for round in $(seq 1 "$ROUNDS"); do
    if [ $((round % 2)) -eq 1 ]; then
      b=$(measure "$BASE" "$kind"); n=$(measure "$NEW" "$kind")
    else
      n=$(measure "$NEW" "$kind"); b=$(measure "$BASE" "$kind")
    fi
    base_all+=("${b%.*}") new_all+=("${n%.*}")
    ratios+=("$(awk -v n="$n" -v b="$b" 'BEGIN {printf "%.3f", n / b}')")
  done
  echo "| $kind | ${base_all[*]} | ${new_all[*]} | $(printf '%s\n' "${ratios[@]}" | median) x |"
done
echo
echo "Command: BASE=$BASE bench/before_after.sh (DURATION=$DURATION ROUNDS=$ROUNDS CONNECTIONS=$CONNECTIONS)"
