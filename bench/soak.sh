#!/usr/bin/env bash
# hone serve's memory under a long load that keeps its response cache full and churning: the demo
# regressor with a 64 MiB cache, RATE requests/s of inputs that never repeat within the cache's
# reach (500,000 distinct rows, cycled), for DURATION. Samples the resident memory every 10 s and
# reports it when the cache first fills and at the end: the growth after the cache is full must be
# under 2%, and the resident memory within the budget plus the server's base (its RSS before the
# load). Not run by CI. Writes its table into docs/BENCHMARKS.md.
#   bench/soak.sh          (DURATION=30m RATE=5000)
set -euo pipefail
source "$(dirname "$0")/lib.sh"

DURATION="${DURATION:-30m}"
RATE="${RATE:-5000}"
SERVER_CORE="${SERVER_CORE:-0}"
LOAD_CORE="${LOAD_CORE:-1}"
CACHE="${CACHE:-64MiB}"
[ -x "$hone_bin" ] || { echo "build first: cmake --preset release && cmake --build --preset release" >&2; exit 1; }

shopt -s inherit_errexit
work=$(mktemp -d)
cleanup() {
  [ -f "$work/load.pid" ] && kill "$(cat "$work/load.pid")" 2>/dev/null
  [ -f "$work/pid" ] && kill "$(cat "$work/pid")" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

python3 - "$work/rows.csv" <<'PY'
import random, sys
random.seed(11)
with open(sys.argv[1], "w") as out:
    out.write(",".join(f"f{i}" for i in range(12)) + "\n")
    for _ in range(500_000):
        out.write(",".join(f"{random.uniform(0, 100):.4f}" for _ in range(12)) + "\n")
PY
cat > "$work/scenario.yaml" <<YAML
endpoints:
  - name: predict
    method: POST
    path: /v2/models/ceramic-armor/infer
    headers: {Content-Type: application/json}
    body: '{"inputs":[{"name":"features","datatype":"FP32","shape":[1,12],"data":[{{row}}]}]}'
    data: {file: $work/rows.csv}
YAML
mkdir -p "$work/models/ceramic-armor"
{ echo "artifact: $bench_root/examples/models/ceramic-armor/model.json"; echo "cache: {enabled: true, ttl: 0s}"; } \
  > "$work/models/ceramic-armor/config.yaml"
port=$(free_port)
taskset -c "$SERVER_CORE" "$hone_bin" serve --models "$work/models" --threads 1 --port "$port" \
  --cache-size "$CACHE" > "$work/server.log" 2>&1 &
echo $! > "$work/pid"
pid=$(cat "$work/pid")
for _ in $(seq 1 200); do curl -sf -o /dev/null "http://127.0.0.1:$port/v2/health/ready" && break; sleep 0.05; done
rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$pid/status"; }
base_kb=$(rss_kb)

taskset -c "$LOAD_CORE" "$hone_bin" load "http://127.0.0.1:$port" --scenario "$work/scenario.yaml" \
  --rate "$RATE" -d "$DURATION" --threads 1 --quiet --out "$work/result.json" > "$work/load.out" 2>&1 &
echo $! > "$work/load.pid"
full_kb=""
full_at=""
started=$(date +%s)
samples="$work/samples.txt"
while kill -0 "$(cat "$work/load.pid")" 2>/dev/null; do
  sleep 10
  kill -0 "$(cat "$work/load.pid")" 2>/dev/null || break
  cache=$(curl -sf "http://127.0.0.1:$port/api/cache")
  read -r bytes budget entries < <(python3 -c "import json,sys; l=json.loads(sys.argv[1])['l1']; print(l['bytes'], l['budget_bytes'], l['entries'])" "$cache")
  now_kb=$(rss_kb)
  elapsed=$(( $(date +%s) - started ))
  echo "$elapsed $now_kb $bytes $entries" >> "$samples"
  echo "t=${elapsed}s rss=$((now_kb / 1024)) MB cache=$((bytes / 1048576)) MiB entries=$entries" >&2
  if [ -z "$full_kb" ] && [ "$bytes" -ge $(( budget * 95 / 100 )) ]; then
    # The first sample a minute after the cache filled: allocator arenas settle first.
    full_at=$(( elapsed + 60 ))
    full_kb=0
  fi
  if [ "$full_kb" = 0 ] && [ "$elapsed" -ge "$full_at" ]; then full_kb=$now_kb; full_at=$elapsed; fi
done
wait "$(cat "$work/load.pid")" || true
rm -f "$work/load.pid"
end_kb=$(rss_kb)
read -r ok failed < <(python3 -c "import json,sys; s=json.load(open(sys.argv[1]))['summary']; print(s['ok'], s['failed'])" "$work/result.json")
[ -n "$full_kb" ] && [ "$full_kb" != 0 ] || { echo "the cache never filled (or filled too late to measure): raise DURATION or RATE" >&2; cat "$samples" >&2; exit 1; }
budget_kb=$(( $(python3 -c "import json,sys; print(json.loads(sys.argv[1])['l1']['budget_bytes'])" "$(curl -sf "http://127.0.0.1:$port/api/cache")") / 1024 ))
growth=$(awk -v a="$full_kb" -v b="$end_kb" 'BEGIN {printf "%.2f", (b - a) * 100 / a}')
over=$(awk -v r="$end_kb" -v base="$base_kb" -v budget="$budget_kb" 'BEGIN {printf "%.1f", (r - base - budget) / 1024}')
table="$work/table.md"
{
  echo "### Memory under a long load"
  echo
  echo "Measured $(date -u +%Y-%m-%d): hone serve --threads 1 on core $SERVER_CORE with the demo regressor, cache on"
  echo "(--cache-size $CACHE, no TTL), hone load on core $LOAD_CORE at $RATE requests/s for $DURATION, inputs from"
  echo "500,000 distinct rows cycled (so the cache stays full and every request replaces an entry)."
  echo "Command: \`bench/soak.sh\` (DURATION=$DURATION RATE=$RATE)."
  echo
  echo "| measure | value | target | |"
  echo "|---|---|---|---|"
  echo "| answered (ok / failed) | $ok / $failed | | |"
  echo "| RSS before the load (the base) | $((base_kb / 1024)) MB | | |"
  echo "| RSS a minute after the cache filled (t=${full_at}s) | $((full_kb / 1024)) MB | | |"
  echo "| RSS at the end | $((end_kb / 1024)) MB | | |"
  echo "| growth after the cache filled | $growth% | < 2% | $(awk -v g="$growth" 'BEGIN {print (g < 2) ? "met" : "MISSED"}') |"
  echo "| RSS at the end minus base minus budget | $over MB | <= 0 (within budget + base) | $(awk -v o="$over" 'BEGIN {print (o <= 0) ? "met" : "MISSED"}') |"
  echo
  echo "RSS every 10 s (MB): $(awk '{printf "%d ", $2 / 1024}' "$samples")"
} > "$table"
cat "$table"
replace_section "$bench_root/docs/BENCHMARKS.md" soak "$table"
