#!/usr/bin/env bash
# SIGTERM under load: hone serve (demo models, one I/O thread, core 0) gets SIGTERM 3 s into a
# 6 s run of 2,000 closed-model users (hone load on core 1); prints each run's failures. After
# the signal, connections are refused (connect failures, expected: the listener is closed);
# resets are requests lost by the server. HONE=path/to/hone compares another build.
#   bench/sigterm_resets.sh          (RUNS=5)
set -euo pipefail
source "$(dirname "$0")/lib.sh"
RUNS="${RUNS:-5}"
[ -x "$hone_bin" ] || { echo "build first: cmake --preset release && cmake --build --preset release" >&2; exit 1; }
work=$(mktemp -d)
server_pid=""
trap '[ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null; rm -rf "$work"' EXIT
body='{"instances":[[60,20,10,5,5,1800,2,30,3,1.5,98.5,10]]}'
for run in $(seq 1 "$RUNS"); do
  port=$(free_port)
  taskset -c 0 "$hone_bin" serve --models "$bench_root/examples/models" --threads 1 --port "$port" \
    > "$work/server.log" 2>&1 &
  server_pid=$!
  wait_ready "$port"
  (sleep 3; kill -TERM "$server_pid") &
  taskset -c 1 "$hone_bin" load "http://127.0.0.1:$port/v1/models/ceramic-armor:predict" \
    --body "$body" -c 2000 -d 6s > "$work/load.txt" 2>&1 || true
  wait "$server_pid" 2>/dev/null || true
  server_pid=""
  echo "run $run: $(grep -E '^ *requests' "$work/load.txt" | sed 's/^ *//')"
done
