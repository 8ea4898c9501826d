#!/usr/bin/env bash
# Requests/s through HAProxy (deploy/haproxy.cfg as written, its server lines cut to N) to 1, 2
# and 3 hone serve instances sharing one Redis, against one instance asked directly; and the
# share of the predictions an instance did not hold in memory that it found in Redis (L2),
# computed by another instance, instead of computing them. Load: hone load, closed model, 32 users, 5 s, random rows of 3,000 distinct ones
# (each computed once across the fleet, then cached). Every process of the fleet (instances one
# I/O thread each, HAProxy, Redis) is pinned to core 0, hone load to core 1: this machine has
# two cores, so more instances cannot add CPU; what this shows is the cost of the balancer and
# of more processes sharing one core, and how much of the cache the instances share.
# Each round then restarts the three instances one after the other under load (a rolling
# restart through HAProxy) and prints the requests that failed.
# Paired rounds: each round runs every configuration once, in order; medians over RUNS.
#   bench/fleet.sh          (RUNS=5)
set -euo pipefail
source "$(dirname "$0")/lib.sh"
RUNS="${RUNS:-5}"
[ -x "$hone_bin" ] || { echo "build first: cmake --preset release && cmake --build --preset release" >&2; exit 1; }
command -v haproxy >/dev/null || { echo "haproxy missing: scripts/setup --test" >&2; exit 1; }
work=$(mktemp -d)
pids=()
stop_all() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done; pids=(); }
trap 'stop_all; rm -rf "$work"' EXIT

python3 - "$work" <<'PY'
import random, sys
work = sys.argv[1]
random.seed(7)
with open(f"{work}/rows.csv", "w") as out:
    out.write(",".join(f"f{i}" for i in range(12)) + "\n")
    for _ in range(3000):
        out.write(",".join(str(round(random.uniform(0, 100), 3)) for _ in range(12)) + "\n")
with open(f"{work}/scenario.yaml", "w") as out:
    out.write("""concurrency: 32
duration: 5s
threads: 1
endpoints:
  - name: predict
    method: POST
    path: /v1/models/ceramic-armor:predict
    body: '{"instances":[[{{row}}]]}'
    data: {file: rows.csv, order: random}
""")
PY

redis_port=$(free_port)
taskset -c 0 redis-server --port "$redis_port" --save "" --appendonly no --bind 127.0.0.1 >/dev/null &
redis_pid=$!
trap 'stop_all; kill $redis_pid 2>/dev/null; rm -rf "$work"' EXIT
sleep 0.5

# run CONFIG: CONFIG is "direct" or the number of instances behind HAProxy. Prints req/s and
# the L2 share.
run() {
  local config=$1 n=$1 target
  [ "$config" = direct ] && n=1
  redis-cli -p "$redis_port" flushall >/dev/null
  local ports=()
  for i in $(seq 1 "$n"); do
    local port; port=$(free_port)
    taskset -c 0 "$hone_bin" serve --models "$bench_root/examples/models" --port "$port" --threads 1 \
      --redis "redis://127.0.0.1:$redis_port" --log-level warn >/dev/null 2>&1 &
    pids+=($!)
    ports+=("$port")
  done
  for port in "${ports[@]}"; do wait_ready "$port"; done
  target="${ports[0]}"
  if [ "$config" != direct ]; then
    target=$(free_port)
    python3 - "$bench_root/deploy/haproxy.cfg" "$target" "${ports[@]}" > "$work/haproxy.cfg" <<'PY'
import sys
text, listen, ports = open(sys.argv[1]).read(), sys.argv[2], sys.argv[3:]
text = text.replace("bind :8000", f"bind 127.0.0.1:{listen}")
lines = []
for line in text.splitlines():
    if line.strip().startswith("server hone"):
        index = int(line.split()[1][4:])
        if index > len(ports):
            continue
        line = line.replace(f"127.0.0.1:800{index}", f"127.0.0.1:{ports[index - 1]}")
    lines.append(line)
print("\n".join(lines))
PY
    taskset -c 0 haproxy -f "$work/haproxy.cfg" >/dev/null 2>&1 &
    pids+=($!)
    for _ in $(seq 1 100); do curl -s -o /dev/null "http://127.0.0.1:$target/v2/health/ready" && break; sleep 0.05; done
    sleep 2.5  # HAProxy's first checks (inter 1s, rise 2) mark every instance up
  fi
  taskset -c 1 "$hone_bin" load "http://127.0.0.1:$target" --scenario "$work/scenario.yaml" > "$work/load.txt" 2>&1 || true
  # Of the lookups that missed an instance's memory, the share found in Redis: computed by
  # another instance (the rest were computed here).
  local l2=0 computed=0
  for port in "${ports[@]}"; do
    local metrics; metrics=$(curl -s "http://127.0.0.1:$port/metrics")
    l2=$(( l2 + $(echo "$metrics" | awk '/^hone_cache_hits_total\{layer="l2"\}/ {print int($2)}') ))
    computed=$(( computed + $(echo "$metrics" | awk '/^hone_cache_misses_total\{layer="l2"\}/ {print int($2)}') ))
  done
  stop_all
  local rate failed
  rate=$(awk '/^ *requests/ {for (i = 1; i <= NF; i++) if ($(i + 1) == "req/s") print $i}' "$work/load.txt")
  failed=$(sed -n 's/.*ok, \([0-9]*\) failed.*/\1/p' "$work/load.txt" | head -1)
  echo "$rate ${failed:-?} $(python3 -c "print(round(100 * $l2 / max($l2 + $computed, 1), 1))")"
}

# rolling: HAProxy + 3 instances under 32 users for 12 s; at 2, 5 and 8 s one instance after the
# other gets SIGTERM and a new one starts on its port (a rolling restart). Prints requests and
# failures.
rolling() {
  redis-cli -p "$redis_port" flushall >/dev/null
  local ports=() instance=() target
  start_one() {  # INDEX PORT
    taskset -c 0 "$hone_bin" serve --models "$bench_root/examples/models" --port "$2" --threads 1 \
      --redis "redis://127.0.0.1:$redis_port" --log-level warn >/dev/null 2>&1 &
    instance[$1]=$!
  }
  for i in 0 1 2; do ports[$i]=$(free_port); start_one "$i" "${ports[$i]}"; done
  for port in "${ports[@]}"; do wait_ready "$port"; done
  target=$(free_port)
  python3 - "$bench_root/deploy/haproxy.cfg" "$target" "${ports[@]}" > "$work/haproxy.cfg" <<'PY'
import sys
text, listen, ports = open(sys.argv[1]).read(), sys.argv[2], sys.argv[3:]
text = text.replace("bind :8000", f"bind 127.0.0.1:{listen}")
for index, port in enumerate(ports, 1):
    text = text.replace(f"127.0.0.1:800{index}", f"127.0.0.1:{port}")
print(text)
PY
  taskset -c 0 haproxy -f "$work/haproxy.cfg" >/dev/null 2>&1 &
  local haproxy_pid=$!
  sleep 2.5
  sed 's/^duration: 5s/duration: 12s/' "$work/scenario.yaml" > "$work/rolling.yaml"
  taskset -c 1 "$hone_bin" load "http://127.0.0.1:$target" --scenario "$work/rolling.yaml" > "$work/rolling.txt" 2>&1 &
  local load_pid=$!
  sleep 2
  for i in 0 1 2; do
    kill -TERM "${instance[$i]}"; wait "${instance[$i]}" 2>/dev/null || true
    start_one "$i" "${ports[$i]}"
    wait_ready "${ports[$i]}"
    sleep 2.5
  done
  wait "$load_pid" || true
  kill "$haproxy_pid" "${instance[@]}" 2>/dev/null || true
  wait "$haproxy_pid" "${instance[@]}" 2>/dev/null || true
  grep -E '^ *requests' "$work/rolling.txt" | sed 's/^ *//'
}

configs=(direct 1 2 3)
declare -A rates shares failures
for round in $(seq 1 "$RUNS"); do
  line="round $round:"
  for config in "${configs[@]}"; do
    read -r rate failed share < <(run "$config")
    rates[$config]+="$rate "
    shares[$config]+="$share "
    failures[$config]+="$failed "
    line+=" $config ${rate}/s (from L2 ${share}%, ${failed} failed)"
  done
  echo "$line"
  echo "  rolling restart of HAProxy + 3: $(rolling)"
done
median() { python3 -c "import statistics, sys; print(statistics.median(float(x) for x in sys.argv[1:]))" "$@"; }
base=$(median ${rates[1]})
echo
echo "median of $RUNS paired rounds (hone load 32 users on core 1; the fleet on core 0):"
for config in "${configs[@]}"; do
  rate=$(median ${rates[$config]})
  label="HAProxy + $config instance(s)"
  [ "$config" = direct ] && label="1 instance, direct"
  printf '  %-26s %9.0f req/s  %5.2fx of HAProxy + 1   misses found in L2 %5.1f%%   failed: %s\n' \
    "$label" "$rate" "$(python3 -c "print($rate / $base)")" "$(median ${shares[$config]})" "${failures[$config]}"
done
