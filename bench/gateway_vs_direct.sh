#!/usr/bin/env bash
# hone serve as a gateway in front of a FastAPI model API, against that API called directly, in
# one run on this machine: the FastAPI + XGBoost app of bench/peers (uvloop and httptools, one
# worker) pinned to one core; hone serve (--threads 1, --upstream) pinned to the other; hone load
# (one thread, 64 virtual users) on the core the server under test does not use. ROUNDS paired
# rounds (default 5): each round measures direct and through hone once, and each verdict is the
# median of the rounds' ratios. Writes its table into docs/BENCHMARKS.md.
#   bench/gateway_vs_direct.sh          (DURATION=5s ROUNDS=5)
# Measures: requests/s and p99 at 0%, 50% and 90% repeated inputs (hone with cache and batching);
# a herd of 64 identical concurrent requests (upstream calls made); single-row clients with
# upstream batching (rows/s); hone's own time on a miss (p50 through hone minus p50 direct, at
# 200 requests/s, no cache, no batching, the load on the core the server under test does not
# use); and the plain JSON route (POST /predict, a pydantic body) forwarded with protocol json,
# at 90% repeated inputs.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

DURATION="${DURATION:-5s}"
ROUNDS="${ROUNDS:-5}"
HONE_CORE="${HONE_CORE:-0}"
UPSTREAM_CORE="${UPSTREAM_CORE:-1}"
PY=/usr/bin/python3
for tool in taskset curl; do command -v "$tool" >/dev/null || { echo "missing $tool: run scripts/setup --bench" >&2; exit 1; }; done
"$PY" -c "import fastapi, uvicorn, xgboost, uvloop, httptools" 2>/dev/null || { echo "missing the FastAPI peer: run scripts/setup --bench" >&2; exit 1; }
[ -x "$hone_bin" ] || { echo "build first: cmake --preset release && cmake --build --preset release" >&2; exit 1; }
[ "$ROUNDS" -ge 5 ] || echo "note: fewer than 5 rounds; the verdicts are not to be quoted" >&2

shopt -s inherit_errexit
work=$(mktemp -d)
cleanup() {
  for name in upstream gateway; do
    [ -f "$work/$name.pid" ] && kill "$(cat "$work/$name.pid")" 2>/dev/null || true
  done
  rm -rf "$work"
}
trap cleanup EXIT

model="$bench_root/examples/models/ceramic-armor/model.json"
infer=/v2/models/ceramic-armor/infer
infer_body='{"inputs":[{"name":"features","datatype":"FP32","shape":[1,12],"data":[{{row}}]}]}'
json_path=/predict
json_body='{"features":[{{row}}]}'
up_port=$(free_port)
gw_port=$(free_port)

wait_http() {  # url
  for _ in $(seq 1 300); do curl -s -o /dev/null "$1" && return 0; sleep 0.05; done
  echo "server at $1 did not come up" >&2; return 1
}
start() {  # name, core, port, command...
  local name=$1 core=$2 port=$3; shift 3
  taskset -c "$core" "$@" > "$work/$name.log" 2>&1 &
  echo $! > "$work/$name.pid"
  wait_http "http://127.0.0.1:$port/calls" 2>/dev/null || wait_http "http://127.0.0.1:$port/v2/health/live"
}
stop() {  # name
  [ -f "$work/$1.pid" ] || return 0
  local pid; pid=$(cat "$work/$1.pid"); rm -f "$work/$1.pid"
  kill "$pid" 2>/dev/null || true
  while kill -0 "$pid" 2>/dev/null; do sleep 0.05; done
}
start_upstream() {
  MODEL="$model" start upstream "$UPSTREAM_CORE" "$up_port" "$PY" -m uvicorn fastapi_app:app \
    --app-dir "$bench_root/bench/peers" --host 127.0.0.1 --port "$up_port" --loop uvloop \
    --http httptools --no-access-log --log-level warning
}
start_gateway() {  # config lines for the upstream model
  mkdir -p "$work/models/ceramic-armor"
  { echo "backend: http"; echo "url: http://127.0.0.1:$up_port/v2/models/ceramic-armor/infer"
    echo "max_connections: 4"; echo "inputs: [{name: features, shape: [-1, 12]}]"; printf '%s\n' "$@"
  } > "$work/models/ceramic-armor/config.yaml"
  start gateway "$HONE_CORE" "$gw_port" "$hone_bin" serve --models "$work/models" --port "$gw_port" \
    --threads 1 --log-level warn
}
start_json_gateway() {  # the same API forwarded as it is, cache on
  mkdir -p "$work/json/scoring"
  { echo "backend: http"; echo "url: http://127.0.0.1:$up_port"; echo "protocol: json"
    echo "max_connections: 4"; echo "cache: {ttl: 300s}"
  } > "$work/json/scoring/config.yaml"
  start gateway "$HONE_CORE" "$gw_port" "$hone_bin" serve --models "$work/json" --port "$gw_port" \
    --threads 1 --log-level warn
}
calls() { curl -s "http://127.0.0.1:$up_port/calls" | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["calls"])'; }

# Rows: a share `repeat` of them one of `hot` rows, the rest each seen once.
make_rows() {  # repeat file [hot]
  "$PY" - "$1" "$2" "${3:-50}" <<'PY'
import random, sys
repeat, path, hot_rows = float(sys.argv[1]), sys.argv[2], int(sys.argv[3])
random.seed(7)
hot = [[round(random.uniform(0, 100), 3) for _ in range(12)] for _ in range(hot_rows)]
with open(path, "w") as out:
    out.write(",".join("f%d" % i for i in range(12)) + "\n")
    for _ in range(400000 if hot_rows > 1 else 10):
        row = random.choice(hot) if random.random() < repeat else [round(random.uniform(0, 100), 6) for _ in range(12)]
        out.write(",".join(str(v) for v in row) + "\n")
PY
}
for repeat in 0 0.5 0.9; do make_rows "$repeat" "$work/rows-$repeat.csv"; done
make_rows 1.0 "$work/rows-herd.csv" 1

scenario() {  # port rows-file out-file [load lines...]; PATH_=... BODY=... for another route
  local port=$1 rows=$2 out=$3 path=${PATH_:-$infer} body=${BODY:-$infer_body}; shift 3
  cat > "$out" <<YAML
base_url: http://127.0.0.1:$port
threads: 1
timeout: 10s
endpoints:
  - name: predict
    method: POST
    path: $path
    headers: {Content-Type: application/json}
    body: '$body'
    data: {file: $rows}
    expect: {status: [200]}
YAML
  printf '%s\n' "$@" >> "$out"
}
# load CORE SCENARIO RESULT load-flags...: runs hone load; prints "rps p50_us p99_us", checked.
load() {
  local core=$1 file=$2 result=$3; shift 3
  if ! taskset -c "$core" "$hone_bin" load --scenario "$file" "$@" --out "$result" -q > "$work/load.out" 2>&1; then
    echo "hone load failed:" >&2; cat "$work/load.out" >&2; return 1
  fi
  "$PY" - "$result" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
s = r["summary"]
if s["failed"]:
    sys.exit("%d failed requests in the run: %s" % (s["failed"], s["errors"]))
lat = s["latency_us"]
print(s["rps"], lat["p50"], lat["p99"])
PY
}

echo "rounds: $ROUNDS x $DURATION" >&2
declare -A ratio p99_direct p99_gw rps_direct rps_gw
herd_calls=()
json_ratio=()
json_rps_direct=()
json_rps_gw=()
batch_ratio=()
added=()
staged=()
for round in $(seq 1 "$ROUNDS"); do
  start_upstream
  for repeat in 0 0.5 0.9; do
    scenario "$up_port" "$work/rows-$repeat.csv" "$work/direct.yaml"
    read -r d_rps _ d_p99 < <(load "$HONE_CORE" "$work/direct.yaml" "$work/d.json" -c 64 -d "$DURATION")
    start_gateway "cache: {ttl: 300s}" "batching: {max_batch_size: 64, max_queue_delay: 2ms, workers: 4}"
    scenario "$gw_port" "$work/rows-$repeat.csv" "$work/gateway.yaml"
    read -r g_rps _ g_p99 < <(load "$UPSTREAM_CORE" "$work/gateway.yaml" "$work/g.json" -c 64 -d "$DURATION")
    stop gateway
    ratio[$repeat]+="$("$PY" -c "print($g_rps / $d_rps)") "
    rps_direct[$repeat]+="$d_rps "; rps_gw[$repeat]+="$g_rps "
    p99_direct[$repeat]+="$d_p99 "; p99_gw[$repeat]+="$g_p99 "
    echo "round $round, $repeat repeats: direct $d_rps/s p99 ${d_p99}us, through hone $g_rps/s p99 ${g_p99}us" >&2
  done
  # The plain JSON route, forwarded as it is (protocol json, cache on), 90% repeats.
  PATH_=$json_path BODY=$json_body scenario "$up_port" "$work/rows-0.9.csv" "$work/direct.yaml"
  read -r d_rps _ _ < <(load "$HONE_CORE" "$work/direct.yaml" "$work/d.json" -c 64 -d "$DURATION")
  start_json_gateway
  PATH_=$json_path BODY=$json_body scenario "$gw_port" "$work/rows-0.9.csv" "$work/gateway.yaml"
  read -r g_rps _ _ < <(load "$UPSTREAM_CORE" "$work/gateway.yaml" "$work/g.json" -c 64 -d "$DURATION")
  stop gateway
  json_ratio+=("$("$PY" -c "print($g_rps / $d_rps)")")
  json_rps_direct+=("$d_rps"); json_rps_gw+=("$g_rps")
  echo "round $round, json /predict, 0.9 repeats: direct $d_rps/s, through hone $g_rps/s" >&2
  # The herd: 64 users sending the same row at once, cache on.
  start_gateway "cache: {ttl: 300s}"
  before=$(calls)
  scenario "$gw_port" "$work/rows-herd.csv" "$work/herd.yaml"
  load "$UPSTREAM_CORE" "$work/herd.yaml" "$work/h.json" -c 64 -d 1s > /dev/null
  herd_calls+=("$(( $(calls) - before ))")
  stop gateway
  # Single-row clients, no cache: direct calls against hone batching them upstream.
  scenario "$up_port" "$work/rows-0.csv" "$work/direct.yaml"
  read -r d_rps _ _ < <(load "$HONE_CORE" "$work/direct.yaml" "$work/d.json" -c 64 -d "$DURATION")
  start_gateway "batching: {max_batch_size: 64, max_queue_delay: 2ms, workers: 4}"
  scenario "$gw_port" "$work/rows-0.csv" "$work/gateway.yaml"
  read -r g_rps _ _ < <(load "$UPSTREAM_CORE" "$work/gateway.yaml" "$work/g.json" -c 64 -d "$DURATION")
  stop gateway
  batch_ratio+=("$("$PY" -c "print($g_rps / $d_rps)")")
  echo "round $round, batching: direct $d_rps rows/s, through hone $g_rps rows/s" >&2
  # hone's own time on a miss: p50 through hone minus p50 direct at 200/s, no cache, no batching.
  scenario "$up_port" "$work/rows-0.csv" "$work/direct.yaml"
  read -r _ d_p50 _ < <(load "$HONE_CORE" "$work/direct.yaml" "$work/d.json" --rate 200 -d "$DURATION")
  start_gateway
  scenario "$gw_port" "$work/rows-0.csv" "$work/gateway.yaml"
  read -r _ g_p50 _ < <(load "$UPSTREAM_CORE" "$work/gateway.yaml" "$work/g.json" --rate 200 -d "$DURATION")
  # The same requests as hone timed them: its stages but the upstream call (means).
  staged+=("$(curl -s "http://127.0.0.1:$gw_port/api/performance" | "$PY" -c '
import json, sys
latency = json.load(sys.stdin)["models"][0]["latency_ms"]
print((latency["total"]["mean"] - latency["upstream"]["mean"]) * 1000)')")
  stop gateway
  added+=("$("$PY" -c "print($g_p50 - $d_p50)")")
  echo "round $round, a miss: p50 direct ${d_p50}us, through hone ${g_p50}us" >&2
  stop upstream
done

verdict() {  # value op target
  "$PY" -c "import sys; v, t = float('$1'), float('$3'); print('met' if (v $2 t) else 'MISSED')"
}
fastapi_version=$("$PY" -c "import fastapi, uvicorn, xgboost; print(f'FastAPI {fastapi.__version__}, uvicorn {uvicorn.__version__}, xgboost {xgboost.__version__}')")
{
  echo "### hone serve in front of a FastAPI model API"
  echo
  echo "Recorded by \`bench/gateway_vs_direct.sh\` (DURATION=$DURATION ROUNDS=$ROUNDS) on $(date -u +%Y-%m-%d): $fastapi_version,"
  echo "one worker with uvloop and httptools, serving ceramic-armor's XGBoost model on core $UPSTREAM_CORE; hone"
  echo "serve --threads 1 on core $HONE_CORE with \`backend: http\` (max_connections 4), cache (TTL 300 s) and"
  echo "batching (64 rows, 2 ms, 4 workers); hone load, 64 users, on the core the server under test"
  echo "does not use (through hone: the FastAPI core). Medians of $ROUNDS paired rounds."
  echo
  echo "| repeated inputs | FastAPI direct | through hone | ratio | p99 direct | p99 through hone | target |"
  echo "|---|---|---|---|---|---|---|"
  for repeat in 0 0.5 0.9; do
    r=$(echo "${ratio[$repeat]}" | median)
    target="-"
    [ "$repeat" = 0.9 ] && target="$(verdict "$r" '>=' 20) (>= 20x)"
    printf '| %s%% | %.0f/s | %.0f/s | %.2fx | %.2f ms | %.2f ms | %s |\n' \
      "$("$PY" -c "print(int($repeat * 100))")" "$(echo "${rps_direct[$repeat]}" | median)" \
      "$(echo "${rps_gw[$repeat]}" | median)" "$r" \
      "$("$PY" -c "print($(echo "${p99_direct[$repeat]}" | median) / 1000)")" \
      "$("$PY" -c "print($(echo "${p99_gw[$repeat]}" | median) / 1000)")" "$target"
  done
  jr=$(echo "${json_ratio[*]}" | median)
  printf '| 90%%, POST /predict (pydantic body) forwarded as it is (protocol json, no batching) | %.0f/s | %.0f/s | %.2fx | | | none: each miss is one upstream call, so at most 10x what the upstream answers (the 10%% of misses) |\n' \
    "$(echo "${json_rps_direct[*]}" | median)" "$(echo "${json_rps_gw[*]}" | median)" "$jr"
  echo
  herd=$(echo "${herd_calls[*]}" | median)
  batching=$(echo "${batch_ratio[*]}" | median)
  own=$(echo "${added[*]}" | median)
  own_staged=$(echo "${staged[*]}" | median)
  echo "| measure | median | target |"
  echo "|---|---|---|"
  echo "| upstream calls for a herd of 64 users sending one row for 1 s | $herd | $(verdict "$herd" '==' 1) (1) |"
  printf '| single-row clients, rows/s through hone with batching vs direct | %.2fx | %s (>= 3x) |\n' "$batching" "$(verdict "$batching" '>=' 3)"
  printf '| hone'"'"'s own time on a miss (p50 through hone - p50 direct, 200/s) | %.0f us | %s (< 100 us) |\n' "$own" "$(verdict "$own" '<' 100)"
  printf '| the same, as hone times it (mean of its stages but the upstream call) | %.0f us | %s (< 100 us) |\n' "$own_staged" "$(verdict "$own_staged" '<' 100)"
} > "$work/section.md"
cat "$work/section.md"
replace_section "$bench_root/docs/BENCHMARKS.md" gateway "$work/section.md"
