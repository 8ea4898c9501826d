#!/usr/bin/env bash
# A version swap under load: hone serve (core 0, one I/O thread, --model-control poll every
# 100 ms) serves version 1 of the fraud-detector model while hone load (core 1) sends 5,000
# requests/s for 10 s; 4 s in, version 2 is renamed into the repository. Prints, per run, the
# load's failures, the swap's load time from the log and the p99 of each second (the swap's second
# marked). Version 2 is the same artifact copied: what is measured is the swap, not the model.
#   bench/model_swap.sh          (RUNS=5)
set -euo pipefail
source "$(dirname "$0")/lib.sh"
RUNS="${RUNS:-5}"
[ -x "$hone_bin" ] || { echo "build first: cmake --preset release && cmake --build --preset release" >&2; exit 1; }
work=$(mktemp -d)
server_pid=""
trap '[ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null; rm -rf "$work"' EXIT
model="$bench_root/examples/models/fraud-detector"
body=$(python3 -c "print('{\"instances\":[[' + ','.join(['1'] * 30) + ']]}')")
for run in $(seq 1 "$RUNS"); do
  rm -rf "$work/models" && mkdir -p "$work/models/fraud/1"
  cp "$model/model.json" "$work/models/fraud/1/"
  # The example's config without its version (the folders name them) and without its cache
  # (every request computes).
  sed -e '/^version:/d' -e '/^cache:/,$d' "$model/config.yaml" > "$work/models/fraud/config.yaml"
  port=$(free_port)
  taskset -c 0 "$hone_bin" serve --models "$work/models" --model-control poll \
    --model-poll-interval 100ms --threads 1 --port "$port" > "$work/server.log" 2>&1 &
  server_pid=$!
  wait_ready "$port"
  (sleep 4; mkdir "$work/models/fraud/.v2"; cp "$model/model.json" "$work/models/fraud/.v2/"
   mv "$work/models/fraud/.v2" "$work/models/fraud/2") &
  swapper=$!
  taskset -c 1 "$hone_bin" load "http://127.0.0.1:$port/v1/models/fraud-detector:predict" \
    --body "$body" --rate 5000 -d 10s --threads 1 --csv "$work/timeline.csv" > "$work/load.txt" 2>&1 || true
  wait "$swapper"
  kill "$server_pid"; wait "$server_pid" 2>/dev/null || true
  server_pid=""
  swap_second=$(python3 - "$work/server.log" "$work/timeline.csv" <<'PY'
import sys, csv, datetime
log, timeline = sys.argv[1], sys.argv[2]
line = next(l for l in open(log) if "loaded for the repository poll" in l)
stamp = datetime.datetime.strptime(line.split()[0], "%Y-%m-%dT%H:%M:%S.%f").replace(tzinfo=datetime.timezone.utc)
rows = list(csv.DictReader(open(timeline)))
second = int(stamp.timestamp())
print(" ".join(("[" + str(round(int(r["p99_us"]) / 1000, 2)) + "]") if int(r["second"]) == second
               else str(round(int(r["p99_us"]) / 1000, 2)) for r in rows[1:-1]))
PY
)
  echo "run $run: $(grep -E '^ *requests' "$work/load.txt" | sed 's/^ *//')"
  echo "  $(grep -o "version(s) 2 loaded for the repository poll in [^ ]*" "$work/server.log")"
  echo "  p99 ms per second (swap in brackets): $swap_second"
done
