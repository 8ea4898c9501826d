#!/usr/bin/env bash
# hone serve against the servers a team would otherwise use, measured in one run on this
# machine: server pinned to one core, load generator (wrk, or hone load for latency at a fixed
# rate) on the other. Writes its tables into docs/BENCHMARKS.md.
#   bench/serve_vs_peers.sh          (DURATION=10s by default)
set -euo pipefail
source "$(dirname "$0")/lib.sh"

DURATION="${DURATION:-10s}"
SERVER_CORE="${SERVER_CORE:-0}"
LOAD_CORE="${LOAD_CORE:-1}"
PY=/usr/bin/python3
for tool in nginx wrk taskset curl; do command -v "$tool" >/dev/null || { echo "missing $tool: run scripts/setup --bench" >&2; exit 1; }; done
"$PY" -c "import fastapi, uvicorn, xgboost" 2>/dev/null || { echo "missing the FastAPI peer: run scripts/setup --bench" >&2; exit 1; }
[ -x "$hone_bin" ] || { echo "build first: cmake --preset release && cmake --build --preset release" >&2; exit 1; }

work=$(mktemp -d)
server_pid=""
cleanup() { [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null; stop_nginx; rm -rf "$work"; }
trap cleanup EXIT

model_dir="$bench_root/examples/models/ceramic-armor"
row='[60,20,10,5,5,1800,2,30,3,1.5,98.5,10]'
body="{\"inputs\":[{\"name\":\"features\",\"datatype\":\"FP32\",\"shape\":[1,12],\"data\":$row}]}"
echo -n "$body" > "$work/body.json"
cat > "$work/post.lua" <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = [==[$body]==]
LUA

wait_http() {  # url: waits until it answers
  for _ in $(seq 1 300); do curl -s -o /dev/null "$1" && return 0; sleep 0.05; done
  echo "server at $1 did not come up" >&2; return 1
}
start_server() {  # port, command...: one process pinned to the server core
  local port=$1; shift
  taskset -c "$SERVER_CORE" "$@" > "$work/server.log" 2>&1 &
  server_pid=$!
  wait_http "http://127.0.0.1:$port/"
}
stop_server() { kill "$server_pid" 2>/dev/null; wait "$server_pid" 2>/dev/null || true; server_pid=""; }
wrk_rps() {  # url, connections, [script]: requests/s
  local args=(-t1 -c"$2" -d"$DURATION" --latency)
  [ -n "${3:-}" ] && args+=(-s "$3")
  taskset -c "$LOAD_CORE" wrk "${args[@]}" "$1" > "$work/wrk.out"
  grep -q "Non-2xx" "$work/wrk.out" && { echo "non-2xx answers:" >&2; cat "$work/wrk.out" >&2; exit 1; }
  awk '/Requests\/sec/ {print $2}' "$work/wrk.out"
}

# 1. The HTTP ceiling: nginx answering hone's exact response bytes.
port=$(free_port)
hone_port=$(free_port)
start_server "$hone_port" "$hone_bin" serve --model "ceramic-armor=$model_dir" --backend trees --threads 1 --port "$hone_port"
answer=$(curl -s -X POST -H 'Content-Type: application/json' --data-binary @"$work/body.json" "http://127.0.0.1:$hone_port/v2/models/ceramic-armor/infer")
stop_server
echo -n "$answer" > "$work/answer.json"
start_nginx "$port" "$SERVER_CORE" "$work/answer.json"
nginx_rps=$(wrk_rps "http://127.0.0.1:$port/" 32)
stop_nginx

# 2. hone serve, native engine, cache off (every request computed) and cache on (hits).
start_server "$hone_port" "$hone_bin" serve --model "ceramic-armor=$model_dir" --backend trees --threads 1 --port "$hone_port"
uncached_rps=$(wrk_rps "http://127.0.0.1:$hone_port/v2/models/ceramic-armor/infer" 32 "$work/post.lua")
half=$(awk -v r="$uncached_rps" 'BEGIN {printf "%d", r / 2}')
taskset -c "$LOAD_CORE" "$hone_bin" load "http://127.0.0.1:$hone_port/v2/models/ceramic-armor/infer" --body @"$work/body.json" \
  --rate "$half" -d "$DURATION" --threads 1 --connections 32 --quiet --out "$work/half.json" > /dev/null
half_p99=$("$PY" -c "import json,sys; print(json.load(open(sys.argv[1]))['summary']['latency_us']['p99'])" "$work/half.json")
half_service_p99=$("$PY" -c "import json,sys; print(json.load(open(sys.argv[1]))['summary']['service_us']['p99'])" "$work/half.json")
stop_server
cat > "$work/cached.yaml" <<YAML
name: ceramic-armor
backend: trees
artifact: $model_dir/model.json
cache: {enabled: true}
YAML
mkdir -p "$work/cached/ceramic-armor" && cp "$work/cached.yaml" "$work/cached/ceramic-armor/config.yaml"
start_server "$hone_port" "$hone_bin" serve --models "$work/cached" --threads 1 --port "$hone_port"
cached_rps=$(wrk_rps "http://127.0.0.1:$hone_port/v2/models/ceramic-armor/infer" 32 "$work/post.lua")
stop_server

# 3. FastAPI + uvicorn (one worker) serving the same model: with uvloop and httptools, its
#    fastest set-up, and with its pure-Python default (asyncio, h11).
py_port=$(free_port)
MODEL="$model_dir/model.json" start_server "$py_port" "$PY" -m uvicorn fastapi_app:app --app-dir "$bench_root/bench/peers" \
  --port "$py_port" --workers 1 --log-level warning --no-access-log --loop uvloop --http httptools
fastapi_rps=$(wrk_rps "http://127.0.0.1:$py_port/v2/models/ceramic-armor/infer" 32 "$work/post.lua")
stop_server
MODEL="$model_dir/model.json" start_server "$py_port" "$PY" -m uvicorn fastapi_app:app --app-dir "$bench_root/bench/peers" \
  --port "$py_port" --workers 1 --log-level warning --no-access-log --loop asyncio --http h11
fastapi_plain_rps=$(wrk_rps "http://127.0.0.1:$py_port/v2/models/ceramic-armor/infer" 32 "$work/post.lua")
stop_server

# 4. The xgboost backend at 64 concurrent clients: batching on (max 64 rows, 500 us) and off.
for mode in on off; do
  mkdir -p "$work/xgb-$mode/ceramic-armor"
  { echo "backend: xgboost"; echo "artifact: $model_dir/model.json";
    [ "$mode" = on ] && echo "batching: {max_batch_size: 64, max_queue_delay: 500us}"; } > "$work/xgb-$mode/ceramic-armor/config.yaml"
  start_server "$hone_port" "$hone_bin" serve --models "$work/xgb-$mode" --threads 1 --port "$hone_port"
  eval "xgb_${mode}_rps=\$(wrk_rps http://127.0.0.1:$hone_port/v2/models/ceramic-armor/infer 64 $work/post.lua)"
  stop_server
done

# 5. Per-call cost, native engine against libxgboost (Google Benchmark, one row).
bench_bin="$bench_root/build/release/bench/predict_bench"
taskset -c "$SERVER_CORE" "$bench_bin" --benchmark_filter='/1$' --benchmark_min_time=1 --benchmark_format=csv 2>/dev/null > "$work/micro.csv"
trees_ns=$(awk -F, '/BM_Trees\/1"/ {print $3}' "$work/micro.csv")
xgb_ns=$(awk -F, '/BM_Xgboost\/1"/ {print $3}' "$work/micro.csv")

# 6. Cold start to the first prediction and idle memory, demo models (xgboost, batching, cache).
read -r cold_ms rss_mb < <("$PY" "$bench_root/bench/peers/cold_start.py" "$hone_port" "$work/body.json" \
  /v2/models/ceramic-armor/infer -- "$hone_bin" serve --models "$bench_root/examples/models" --threads 1 --port "$hone_port")
read -r cold_trees_ms rss_trees_mb < <("$PY" "$bench_root/bench/peers/cold_start.py" "$hone_port" "$work/body.json" \
  /v2/models/ceramic-armor/infer -- "$hone_bin" serve --model "ceramic-armor=$model_dir" --backend trees --threads 1 --port "$hone_port")

ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a / b}'; }
verdict() { awk -v v="$1" -v t="$2" -v op="$3" 'BEGIN { ok = (op == ">=") ? v >= t : v < t; print ok ? "met" : "MISSED" }'; }
table="$work/table.md"
{
  echo "### hone serve against its peers"
  echo
  echo "Measured $(date -u +%Y-%m-%d) on $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)); every server on core $SERVER_CORE"
  echo "with one worker/thread, wrk -t1 (32 connections; 64 for the batching rows) on core $LOAD_CORE for $DURATION each."
  echo "Model: ceramic-armor (100 trees, depth 6, 12 features), one row per request, KServe v2 JSON."
  echo "Command: \`bench/serve_vs_peers.sh\` (DURATION=$DURATION)."
  echo
  echo "| measure | value | target | |"
  echo "|---|---|---|---|"
  echo "| nginx, static file of the same answer | $(printf %.0f "$nginx_rps") req/s | (reference) | |"
  echo "| hone, cache hits | $(printf %.0f "$cached_rps") req/s = $(ratio "$cached_rps" "$nginx_rps") x nginx | >= 1.0 x nginx | $(verdict "$(ratio "$cached_rps" "$nginx_rps")" 1.0 ">=") |"
  echo "| hone, native engine, uncached | $(printf %.0f "$uncached_rps") req/s = $(ratio "$uncached_rps" "$nginx_rps") x nginx | >= 0.6 x nginx | $(verdict "$(ratio "$uncached_rps" "$nginx_rps")" 0.6 ">=") |"
  echo "| FastAPI + uvicorn (uvloop, httptools), same model | $(printf %.0f "$fastapi_rps") req/s; hone uncached = $(ratio "$uncached_rps" "$fastapi_rps") x | >= 40 x FastAPI | $(verdict "$(ratio "$uncached_rps" "$fastapi_rps")" 40 ">=") |"
  echo "| FastAPI + uvicorn (asyncio, h11: its default), same model | $(printf %.0f "$fastapi_plain_rps") req/s; hone uncached = $(ratio "$uncached_rps" "$fastapi_plain_rps") x | >= 40 x FastAPI | $(verdict "$(ratio "$uncached_rps" "$fastapi_plain_rps")" 40 ">=") |"
  echo "| hone uncached p99 at half its max rate ($half req/s, hone load, 32 connections) | $(awk -v v="$half_p99" 'BEGIN {printf "%.0f", v}') us (service time p99 $(awk -v v="$half_service_p99" 'BEGIN {printf "%.0f", v}') us) | < 1000 us | $(verdict "$half_p99" 1000 "<") |"
  echo "| xgboost backend, 64 clients, batching on / off | $(printf %.0f "$xgb_on_rps") / $(printf %.0f "$xgb_off_rps") rows/s = $(ratio "$xgb_on_rps" "$xgb_off_rps") x | >= 20 x | $(verdict "$(ratio "$xgb_on_rps" "$xgb_off_rps")" 20 ">=") |"
  echo "| one-row predict call: native / libxgboost | $(printf %.0f "$trees_ns") ns / $(printf %.0f "$xgb_ns") ns = $(ratio "$xgb_ns" "$trees_ns") x faster | >= 50 x | $(verdict "$(ratio "$xgb_ns" "$trees_ns")" 50 ">=") |"
  echo "| cold start to first prediction (median of 5), demo models (xgboost) / native | $cold_ms ms / $cold_trees_ms ms | < 50 ms | $(verdict "$cold_ms" 50 "<") |"
  echo "| idle RSS, demo models (xgboost) / native | $rss_mb MB / $rss_trees_mb MB | < 30 MB | $(verdict "$rss_mb" 30 "<") |"
} > "$table"
cat "$table"
replace_section "$bench_root/docs/BENCHMARKS.md" serve-vs-peers "$table"
