#!/usr/bin/env bash
# hone serve offered two and three times what it can answer, with and without admission control.
# The model is slow enough that refusing a request costs far less than answering it: a
# 500-tree, depth-8 regressor trained here with python3-xgboost, 64 rows per request (so the
# native engine runs it on a worker, behind a queue). hone serve --threads 1 on one core, hone
# load (open model, latency from each request's intended send) on the other.
# Per round: the capacity (closed model, the successes per second), the p99 at half of it, then
# each configuration at 2x and 3x. Verdicts are medians of ROUNDS rounds. Writes its table into
# docs/BENCHMARKS.md.
#   bench/overload.sh          (DURATION=5s ROUNDS=5)
set -euo pipefail
source "$(dirname "$0")/lib.sh"

DURATION="${DURATION:-5s}"
ROUNDS="${ROUNDS:-5}"
SERVER_CORE="${SERVER_CORE:-0}"
LOAD_CORE="${LOAD_CORE:-1}"
PY=/usr/bin/python3
"$PY" -c "import xgboost, numpy" 2>/dev/null || { echo "missing python3-xgboost: run scripts/setup --bench" >&2; exit 1; }
[ -x "$hone_bin" ] || { echo "build first: cmake --preset release && cmake --build --preset release" >&2; exit 1; }
[ "$ROUNDS" -ge 5 ] || echo "note: fewer than 5 rounds; the verdicts are not to be quoted" >&2

shopt -s inherit_errexit
work=$(mktemp -d)
cleanup() { [ -f "$work/pid" ] && kill "$(cat "$work/pid")" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

echo "training the model" >&2
"$PY" - "$work" <<'PY'
import json, sys
import numpy as np, xgboost as xgb
work = sys.argv[1]
rng = np.random.default_rng(7)
X = rng.normal(size=(20000, 12)).astype(np.float32)
y = (X[:, 0] * 3 + np.sin(X[:, 1] * 2) + X[:, 2] * X[:, 3] + rng.normal(scale=0.3, size=20000)).astype(np.float32)
booster = xgb.train({"max_depth": 8, "eta": 0.05, "nthread": 2, "tree_method": "hist"},
                    xgb.DMatrix(X, label=y), 500)
booster.save_model(f"{work}/model.json")
rows = rng.normal(size=(64, 12)).round(3).tolist()
body = {"inputs": [{"name": "features", "datatype": "FP32", "shape": [64, 12], "data": rows}]}
open(f"{work}/body.json", "w").write(json.dumps(body))
PY

repo() {  # name, config lines...: a repository of the model alone
  mkdir -p "$work/$1/slow"
  local dir="$work/$1"; shift
  { echo "artifact: $work/model.json"; echo "backend: trees"; printf '%s\n' "$@"; } > "$dir/slow/config.yaml"
  echo "$dir"
}
plain=$(repo plain)
fixed=$(repo fixed "admission: {max_in_flight: 4}")
adaptive=$(repo adaptive "admission: {max_in_flight: 64, adaptive: true, min_in_flight: 2}")
port=$(free_port)
url="http://127.0.0.1:$port/v2/models/slow/infer"

serve() {  # repository: starts hone serve on the server core
  taskset -c "$SERVER_CORE" "$hone_bin" serve --models "$1" --threads 1 --port "$port" > "$work/server.log" 2>&1 &
  echo $! > "$work/pid"
  for _ in $(seq 1 200); do curl -sf -o /dev/null "http://127.0.0.1:$port/v2/health/ready" && return 0; sleep 0.05; done
  echo "hone serve did not come up:" >&2; cat "$work/server.log" >&2; return 1
}
unserve() { kill "$(cat "$work/pid")"; wait "$(cat "$work/pid")" 2>/dev/null || true; rm -f "$work/pid"; }
load() {  # out, load args...: hone load on the load core; prints nothing
  local out=$1; shift
  taskset -c "$LOAD_CORE" "$hone_bin" load "$url" --body @"$work/body.json" -d "$DURATION" --threads 1 \
    --quiet --out "$out" "$@" > "$work/load.out" 2>&1 || true
  [ -s "$out" ] || { echo "hone load wrote no result:" >&2; cat "$work/load.out" >&2; return 1; }
}
# field FILE: "ok_per_s p99_ok_us refused_503 other_failures" of a result.
field() {
  "$PY" -c "
import json, sys
r = json.load(open(sys.argv[1])); s = r['summary']
refused = s['status'].get('503', 0)
print(s['ok'] / r['duration_s'], s['latency_ok_us']['p99'], refused, s['failed'] - refused)" "$1"
}

declare -A all
record() { all[$1]="${all[$1]:-} $2"; }
for round in $(seq 1 "$ROUNDS"); do
  echo "round $round of $ROUNDS" >&2
  serve "$plain"
  load "$work/capacity.json" -c 32
  read -r capacity _ _ _ < <(field "$work/capacity.json")
  load "$work/half.json" --rate "$(awk -v c="$capacity" 'BEGIN {printf "%.0f", c / 2}')"
  read -r _ half_p99 _ _ < <(field "$work/half.json")
  unserve
  record capacity "$capacity"; record half_p99 "$half_p99"
  for config in plain fixed adaptive; do
    serve "${!config}"
    for times in 2 3; do
      load "$work/$config-$times.json" --rate "$(awk -v c="$capacity" -v t="$times" 'BEGIN {printf "%.0f", c * t}')"
      read -r ok p99 refused other < <(field "$work/$config-$times.json")
      record "goodput_${config}_$times" "$(awk -v o="$ok" -v c="$capacity" 'BEGIN {printf "%.3f", o / c}')"
      record "p99x_${config}_$times" "$(awk -v p="$p99" -v h="$half_p99" 'BEGIN {printf "%.1f", p / h}')"
      record "p99_${config}_$times" "$p99"
      record "refused_${config}_$times" "$refused"
      record "other_${config}_$times" "$other"
    done
    unserve
  done
done

med() { echo "${all[$1]}" | median; }
verdict() { awk -v v="$1" -v t="$2" -v op="$3" 'BEGIN { ok = (op == ">=") ? v >= t : (op == "<") ? v < t : v == t; print ok ? "met" : "MISSED" }'; }
table="$work/table.md"
{
  echo "### Overload: two and three times capacity"
  echo
  echo "Measured $(date -u +%Y-%m-%d) on $(nproc) cores: hone serve --threads 1 on core $SERVER_CORE, hone load --threads 1 on"
  echo "core $LOAD_CORE (open model, latency from each request's intended send), $DURATION per measure, $ROUNDS rounds;"
  echo "figures are medians of the rounds. Model: a 500-tree depth-8 regressor (trained by the script),"
  echo "64 rows per request on the native engine, which runs requests this large on a worker behind a queue."
  echo "Capacity: successes per second of 32 closed-model users; half load: its p99 at half that rate."
  echo "Targets at 2x and 3x: goodput >= 90% of capacity, p99 of the successes < 50x the half-load"
  echo "p99, the rest refused with 503, nothing else failing."
  echo "Command: \`bench/overload.sh\` (DURATION=$DURATION ROUNDS=$ROUNDS)."
  echo
  echo "Capacity $(printf '%.0f' "$(med capacity)") requests/s (rounds: ${all[capacity]# }); p99 at half load $(printf '%.0f' "$(med half_p99)") us."
  echo
  echo "| configuration | offered | goodput x capacity | p99 of successes (us) | x half-load p99 | 503s | other failures | verdict |"
  echo "|---|---|---|---|---|---|---|---|"
  for config in plain fixed adaptive; do
    case $config in
      plain) label="no admission bound (the worker queue's 1024 and --max-in-flight 4096 only)" ;;
      fixed) label="\`admission: {max_in_flight: 4}\`" ;;
      adaptive) label="\`admission: {max_in_flight: 64, adaptive: true, min_in_flight: 2}\`" ;;
    esac
    for times in 2 3; do
      g=$(med "goodput_${config}_$times"); x=$(med "p99x_${config}_$times"); other=$(med "other_${config}_$times")
      v="met"
      [ "$(verdict "$g" 0.9 ">=")" = met ] || v="MISSED (goodput)"
      [ "$(verdict "$x" 50 "<")" = met ] || v="MISSED (p99)"
      [ "$(verdict "$other" 0 "==")" = met ] || v="MISSED (other failures)"
      echo "| $label | ${times}x | $g | $(printf '%.0f' "$(med "p99_${config}_$times")") | $x | $(printf '%.0f' "$(med "refused_${config}_$times")") | $other | $v |"
    done
  done
} > "$table"
cat "$table"
replace_section "$bench_root/docs/BENCHMARKS.md" overload "$table"
