#!/usr/bin/env bash
# hone serve against the strongest set-up of each peer, measured in one run on this machine:
# every server pinned to one core, the load generator (wrk, or hone load for latency at a fixed
# rate) on the other. ROUNDS paired rounds (default 5); each round measures every server once, in
# the same order, and each verdict is the median of the rounds' ratios, so drift on a shared
# machine moves both sides of a ratio. Writes its tables into docs/BENCHMARKS.md.
#   bench/serve_vs_peers.sh          (DURATION=5s ROUNDS=5)
set -euo pipefail
source "$(dirname "$0")/lib.sh"

DURATION="${DURATION:-5s}"
ROUNDS="${ROUNDS:-5}"
SERVER_CORE="${SERVER_CORE:-0}"
LOAD_CORE="${LOAD_CORE:-1}"
PY=/usr/bin/python3
for tool in nginx wrk taskset curl; do command -v "$tool" >/dev/null || { echo "missing $tool: run scripts/setup --bench" >&2; exit 1; }; done
"$PY" -c "import fastapi, uvicorn, xgboost" 2>/dev/null || { echo "missing the FastAPI peer: run scripts/setup --bench" >&2; exit 1; }
[ -x "$hone_bin" ] || { echo "build first: cmake --preset release && cmake --build --preset release" >&2; exit 1; }
[ "$ROUNDS" -ge 5 ] || echo "note: fewer than 5 rounds; the verdicts are not to be quoted" >&2

shopt -s inherit_errexit  # a failed measure inside $(...) stops the run
work=$(mktemp -d)
# Servers start inside $(...) subshells: their pid lives in a file, so cleanup finds it.
cleanup() { stop_server; stop_nginx; rm -rf "$work"; }
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
infer=/v2/models/ceramic-armor/infer

wait_http() {  # url: waits until it answers
  for _ in $(seq 1 300); do curl -s -o /dev/null "$1" && return 0; sleep 0.05; done
  echo "server at $1 did not come up; its log:" >&2; cat "$work/server.log" >&2; return 1
}
start_server() {  # port, command...: one process pinned to the server core
  local port=$1; shift
  taskset -c "$SERVER_CORE" "$@" > "$work/server.log" 2>&1 &
  echo $! > "$work/server.pid"
  wait_http "http://127.0.0.1:$port/"
}
stop_server() {
  [ -f "$work/server.pid" ] || return 0
  local pid
  pid=$(cat "$work/server.pid"); rm -f "$work/server.pid"
  kill "$pid" 2>/dev/null || true
  while kill -0 "$pid" 2>/dev/null; do sleep 0.05; done
}
post_rps() {  # port, connections, server pid: requests/s of single-row predictions, checked;
  # the server's CPU per answer ("user kernel" us) goes to $work/cpu.
  local before rps
  before=$(proc_cpu "$3")
  rps=$(wrk_run "$LOAD_CORE" "$work/wrk.out" -t1 -c"$2" -d"$DURATION" -s "$work/post.lua" "http://127.0.0.1:$1$infer")
  cpu_per_answer "$before" "$(proc_cpu "$3")" "$(awk '/requests in/ {print $1}' "$work/wrk.out")" > "$work/cpu"
  echo "$rps"
}
repo() {  # name, config lines...: a one-model repository for ceramic-armor
  local dir="$work/$1"; shift
  mkdir -p "$dir/ceramic-armor"
  { echo "artifact: $model_dir/model.json"; printf '%s\n' "$@"; } > "$dir/ceramic-armor/config.yaml"
  echo "$dir"
}
native=$(repo native "backend: trees")
cached=$(repo cached "backend: trees" "cache: {enabled: true}")
xgb=$(repo xgb "backend: xgboost")
xgb_batched=$(repo xgb-batched "backend: xgboost" "batching: {max_batch_size: 64, max_queue_delay: 500us}")
hone_port=$(free_port)
nginx_port=$(free_port)
py_port=$(free_port)

# nginx answers hone's exact response bytes from memory: the HTTP ceiling of one core.
start_server "$hone_port" "$hone_bin" serve --models "$native" --threads 1 --port "$hone_port"
curl -sf -X POST -H 'Content-Type: application/json' --data-binary @"$work/body.json" \
  "http://127.0.0.1:$hone_port$infer" > "$work/answer.json"
stop_server

hone_rps() {  # repository, connections
  start_server "$hone_port" "$hone_bin" serve --models "$1" --threads 1 --port "$hone_port"
  post_rps "$hone_port" "$2" "$(cat "$work/server.pid")"
  stop_server
}
fastapi_rps() {  # loop, http
  MODEL="$model_dir/model.json" start_server "$py_port" "$PY" -m uvicorn fastapi_app:app --app-dir "$bench_root/bench/peers" \
    --port "$py_port" --workers 1 --log-level warning --no-access-log --loop "$1" --http "$2"
  post_rps "$py_port" 32 "$(cat "$work/server.pid")"
  stop_server
}
half_rate_p99() {  # hone native, uncached, at half the rate given: "p99 service_p99" in us
  start_server "$hone_port" "$hone_bin" serve --models "$native" --threads 1 --port "$hone_port"
  if ! taskset -c "$LOAD_CORE" "$hone_bin" load "http://127.0.0.1:$hone_port$infer" --body @"$work/body.json" \
      --rate "$1" -d "$DURATION" --threads 1 --connections 32 --quiet --threshold 'error_rate==0' \
      --out "$work/half.json" > "$work/half.out" 2>&1; then
    echo "hone load failed at $1 req/s:" >&2; cat "$work/half.out" >&2; exit 1
  fi
  stop_server
  "$PY" -c "import json,sys; s=json.load(open(sys.argv[1]))['summary']; print(s['latency_us']['p99'], s['service_us']['p99'])" "$work/half.json"
}

declare -A all
record() { all[$1]="${all[$1]:-} $2"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.3f", a / b}'; }
for round in $(seq 1 "$ROUNDS"); do
  echo "round $round of $ROUNDS" >&2
  start_nginx "$nginx_port" "$SERVER_CORE" "$work/answer.json"
  nginx=$(post_rps "$nginx_port" 32 "$(pgrep -P "$nginx_pid" | head -1)")
  read -r u k < "$work/cpu"; record user_nginx "$u"; record kernel_nginx "$k"
  stop_nginx
  hits=$(hone_rps "$cached" 32)
  read -r u k < "$work/cpu"; record user_hits "$u"; record kernel_hits "$k"
  uncached=$(hone_rps "$native" 32)
  read -r u k < "$work/cpu"; record user_uncached "$u"; record kernel_uncached "$k"
  same_engine=$(hone_rps "$xgb" 32)
  fast=$(fastapi_rps uvloop httptools)
  plain=$(fastapi_rps asyncio h11)
  half=$(awk -v r="$uncached" 'BEGIN {printf "%d", r / 2}')
  read -r p99 service_p99 < <(half_rate_p99 "$half")
  batched=$(hone_rps "$xgb_batched" 64)
  unbatched=$(hone_rps "$xgb" 64)
  record nginx "$nginx"; record hits "$hits"; record uncached "$uncached"; record same "$same_engine"
  record fast "$fast"; record plain "$plain"; record p99 "$p99"; record service_p99 "$service_p99"
  record batched "$batched"; record unbatched "$unbatched"
  record r_hits "$(ratio "$hits" "$nginx")"; record r_uncached "$(ratio "$uncached" "$nginx")"
  record r_fast "$(ratio "$uncached" "$fast")"; record r_plain "$(ratio "$uncached" "$plain")"
  record r_same "$(ratio "$same_engine" "$fast")"; record r_batch "$(ratio "$batched" "$unbatched")"
done

# Per-call cost, native engine against libxgboost (Google Benchmark, one row, median of 5).
bench_bin="$bench_root/build/release/bench/predict_bench"
taskset -c "$SERVER_CORE" "$bench_bin" --benchmark_filter='/1$' --benchmark_min_time=0.5 --benchmark_repetitions=5 \
  --benchmark_report_aggregates_only=true --benchmark_format=csv 2>/dev/null > "$work/micro.csv"
trees_ns=$(awk -F, '/BM_Trees\/1_median"/ {print $3}' "$work/micro.csv")
xgb_ns=$(awk -F, '/BM_Xgboost\/1_median"/ {print $3}' "$work/micro.csv")
[ -n "$trees_ns" ] && [ -n "$xgb_ns" ] || { echo "predict_bench gave no medians:" >&2; cat "$work/micro.csv" >&2; exit 1; }

# Hot components of a request (Google Benchmark, median of 5): written to their own section.
serve_bench_bin="$bench_root/build/release/bench/serve_bench"
taskset -c "$SERVER_CORE" "$serve_bench_bin" --benchmark_min_time=0.3 --benchmark_repetitions=5 \
  --benchmark_report_aggregates_only=true --benchmark_format=csv 2>/dev/null > "$work/serve_micro.csv"
grep -q '_median"' "$work/serve_micro.csv" || { echo "serve_bench gave no medians:" >&2; cat "$work/serve_micro.csv" >&2; exit 1; }

# Memory of 10,000 idle keep-alive connections (each answered once), native one-model server.
read -r idle_before_kb idle_after_kb per_connection < <("$PY" "$bench_root/bench/peers/idle_connections.py" \
  "$hone_port" /v2/health/live 10000 -- "$hone_bin" serve --models "$native" --threads 1 --port "$hone_port")

# Cold start to the first prediction and idle memory: the demo models (backend auto, cache,
# batching where their configs say), and one native model.
read -r cold_ms rss_mb < <("$PY" "$bench_root/bench/peers/cold_start.py" "$hone_port" "$work/body.json" \
  $infer -- "$hone_bin" serve --models "$bench_root/examples/models" --threads 1 --port "$hone_port")
read -r cold_trees_ms rss_trees_mb < <("$PY" "$bench_root/bench/peers/cold_start.py" "$hone_port" "$work/body.json" \
  $infer -- "$hone_bin" serve --models "$native" --threads 1 --port "$hone_port")

med() { echo "${all[$1]}" | median; }
int() { printf "%.0f" "$1"; }
each() { local out=""; for v in ${all[$1]}; do out="$out $(int "$v")"; done; echo "${out# }"; }
verdict() { awk -v v="$1" -v t="$2" -v op="$3" 'BEGIN { ok = (op == ">=") ? v >= t : v < t; print ok ? "met" : "MISSED" }'; }
nginx_version=$(nginx -v 2>&1 | sed 's|.*/||')
fastapi_version=$("$PY" -c "import fastapi, uvicorn, xgboost; print(f'FastAPI {fastapi.__version__}, uvicorn {uvicorn.__version__}, xgboost {xgboost.__version__}')")
table="$work/table.md"
{
  echo "### hone serve against its peers"
  echo
  echo "Measured $(date -u +%Y-%m-%d) on $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)); every server on core $SERVER_CORE"
  echo "with one worker/thread, wrk -t1 (32 connections; 64 for the batching row) on core $LOAD_CORE for $DURATION per measure,"
  echo "$ROUNDS paired rounds (each measures every server once); a ratio is the median of the rounds' ratios."
  echo "Model: ceramic-armor (100 trees, depth 6, 12 features), one row per request, KServe v2 JSON."
  echo "Peers: nginx $nginx_version answering hone's exact answer bytes from memory (\`return 200 '...'\`, the"
  echo "request body read and discarded); $fastapi_version (one worker)."
  echo "Command: \`bench/serve_vs_peers.sh\` (DURATION=$DURATION ROUNDS=$ROUNDS)."
  echo
  echo "| measure | per round | median | target | |"
  echo "|---|---|---|---|---|"
  echo "| nginx, the same answer from memory (req/s) | $(each nginx) | $(int "$(med nginx)") | (reference) | |"
  echo "| hone, cache hits: x nginx | $(each hits) req/s | $(med r_hits) x | >= 1.0 x | $(verdict "$(med r_hits)" 1.0 ">=") |"
  echo "| hone, native engine, uncached: x nginx | $(each uncached) req/s | $(med r_uncached) x | >= 0.9 x | $(verdict "$(med r_uncached)" 0.9 ">=") |"
  echo "| FastAPI (uvloop, httptools) on libxgboost (req/s) | $(each fast) | $(int "$(med fast)") | | |"
  echo "| FastAPI (asyncio, h11: its default) on libxgboost (req/s) | $(each plain) | $(int "$(med plain)") | | |"
  echo "| hone native engine vs FastAPI (uvloop) on libxgboost: different engines | | $(med r_fast) x | >= 40 x | $(verdict "$(med r_fast)" 40 ">=") |"
  echo "| hone native engine vs FastAPI (default) on libxgboost: different engines | | $(med r_plain) x | >= 40 x | $(verdict "$(med r_plain)" 40 ">=") |"
  echo "| hone on libxgboost vs FastAPI (uvloop) on libxgboost: the same engine | $(each same) req/s | $(med r_same) x | | |"
  echo "| hone uncached p99 at half its max rate (hone load, 32 connections; us) | $(each p99) | $(int "$(med p99)") (service p99 $(int "$(med service_p99)")) | < 1000 | $(verdict "$(med p99)" 1000 "<") |"
  echo "| xgboost backend, 64 clients, batching on / off (rows/s) | $(each batched) / $(each unbatched) | $(med r_batch) x | >= 20 x | $(verdict "$(med r_batch)" 20 ">=") |"
  echo "| one-row predict call, native / libxgboost (median of 5) | | $(int "$trees_ns") ns / $(int "$xgb_ns") ns = $(ratio "$xgb_ns" "$trees_ns") x faster | >= 50 x | $(verdict "$(ratio "$xgb_ns" "$trees_ns")" 50 ">=") |"
  echo "| cold start to first prediction (median of 5), demo models (backend auto) / one native model (ms) | | $cold_ms / $cold_trees_ms | < 50 | $(verdict "$cold_ms" 50 "<") |"
  echo "| idle RSS, demo models (backend auto) / one native model (MB) | | $rss_mb / $rss_trees_mb | < 30 | $(verdict "$rss_mb" 30 "<") |"
  echo "| memory per idle keep-alive connection, 10,000 connections (RSS $idle_before_kb kB before, $idle_after_kb kB with them; bytes) | | $per_connection | < 16384 | $(verdict "$per_connection" 16384 "<") |"
  echo "| CPU per answer, user + kernel (us): nginx / hone cache hits / hone uncached | | $(med user_nginx) + $(med kernel_nginx) / $(med user_hits) + $(med kernel_hits) / $(med user_uncached) + $(med kernel_uncached) | | |"
  # What holds back a missed ratio, from the CPU each server spent per answer in the same rounds
  # (/proc/PID/stat over each wrk run): one core serves, so CPU per answer is what sets the rate.
  gap() {
    awk -v u="$(med "user_$1")" -v k="$(med "kernel_$1")" -v nu="$(med user_nginx)" -v nk="$(med kernel_nginx)" 'BEGIN {
      printf "hone spent %.1f us of CPU per answer (%.1f user, %.1f kernel), nginx %.1f (%.1f user, %.1f kernel): ", u + k, u, k, nu + nk, nu, nk
      printf "%+.1f us in user space, %+.1f us in the kernel", u - nu, k - nk }'
  }
  missed=""
  if [ "$(verdict "$(med r_hits)" 1.0 ">=")" = MISSED ]; then missed="$missed
- cache hits, $(med r_hits) x (target 1.0 x): $(gap hits)."; fi
  if [ "$(verdict "$(med r_uncached)" 0.9 ">=")" = MISSED ]; then missed="$missed
- uncached, $(med r_uncached) x (target 0.9 x): $(gap uncached)."; fi
  if [ -n "$missed" ]; then
    echo
    echo "What holds back the missed ratios, from each server's CPU per answer in the same rounds (one"
    echo "core serves, so CPU per answer sets the rate; hone's user time is the prediction API's own work,"
    echo "which nginx's \`return\` does not do: routing, decoding the JSON tensor, the cache or the model,"
    echo "encoding the answer, metrics):$missed"
  fi
} > "$table"
cat "$table"
replace_section "$bench_root/docs/BENCHMARKS.md" serve-vs-peers "$table"

micro="$work/micro.md"
{
  echo "### The hot components of one request"
  echo
  echo "Measured $(date -u +%Y-%m-%d), pinned to core $SERVER_CORE, Google Benchmark, median of 5 repetitions;"
  echo "the demo regressor's one-row KServe v2 request. Command: \`bench/serve_vs_peers.sh\` (or"
  echo "\`build/release/bench/serve_bench\`)."
  echo
  echo "| component | ns per request |"
  echo "|---|---|"
  awk -F, '/_median"/ { name = $1; gsub(/"|_median/, "", name); sub(/^BM_/, "", name); printf "| %s | %.0f |\n", name, $3 }' "$work/serve_micro.csv"
} > "$micro"
cat "$micro"
replace_section "$bench_root/docs/BENCHMARKS.md" serve-micro "$micro"
