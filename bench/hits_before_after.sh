#!/usr/bin/env bash
# What one change to hone serve bought: cache-hit requests/s of two hone binaries, the one before
# the change and the one after, in paired rounds (the order alternating), on the demo models with
# the response cache, one I/O thread pinned to core 0 and hone load (64 connections) on core 1.
# Prints each round's ratio (after / before) and their median.
#   bench/hits_before_after.sh BEFORE_BINARY [AFTER_BINARY]   (ROUNDS=5 DURATION=4s)
set -euo pipefail
source "$(dirname "$0")/lib.sh"

before=${1:?give the hone binary from before the change}
after=${2:-$hone_bin}
ROUNDS="${ROUNDS:-5}"
DURATION="${DURATION:-4s}"
for bin in "$before" "$after"; do [ -x "$bin" ] || { echo "not an executable: $bin" >&2; exit 1; }; done
[ "$ROUNDS" -ge 5 ] || echo "note: fewer than 5 rounds; the median is not to be quoted" >&2

work=$(mktemp -d)
trap 'kill "$(cat "$work/pid" 2>/dev/null)" 2>/dev/null || true; rm -rf "$work"' EXIT
port=$(free_port)
cat > "$work/hits.yaml" <<YAML
base_url: http://127.0.0.1:$port
threads: 1
endpoints:
  - name: hit
    method: POST
    path: /v2/models/ceramic-armor/infer
    headers: {Content-Type: application/json}
    body: '{"inputs":[{"name":"features","datatype":"FP32","shape":[1,12],"data":[60,20,10,5,5,1800,2,30,3,1.5,98.5,10]}]}'
    expect: {status: [200]}
YAML

rps() {  # binary: requests/s of cache hits
  taskset -c 0 "$1" serve --models "$bench_root/examples/models" --port "$port" --threads 1 \
    --log-level warn > "$work/serve.log" 2>&1 &
  echo $! > "$work/pid"
  for _ in $(seq 1 100); do curl -s -o /dev/null "http://127.0.0.1:$port/v2/health/ready" && break; sleep 0.05; done
  taskset -c 1 "$hone_bin" load --scenario "$work/hits.yaml" -c 64 -d "$DURATION" --out "$work/r.json" -q > /dev/null
  kill "$(cat "$work/pid")"; wait "$(cat "$work/pid")" 2>/dev/null || true
  python3 -c 'import json,sys; s=json.load(open(sys.argv[1]))["summary"]; sys.exit("failed requests") if s["failed"] else print(s["rps"])' "$work/r.json"
}

ratios=()
for round in $(seq 1 "$ROUNDS"); do
  if (( round % 2 )); then b=$(rps "$before"); a=$(rps "$after"); else a=$(rps "$after"); b=$(rps "$before"); fi
  ratios+=("$(python3 -c "print($a / $b)")")
  printf 'round %d: before %.0f/s, after %.0f/s, ratio %.3f\n' "$round" "$b" "$a" "${ratios[-1]}"
done
printf 'median ratio after/before: %.3f (%d rounds)\n' "$(echo "${ratios[*]}" | median)" "$ROUNDS"
