# Shared helpers for bench scripts: free ports, an nginx on one core, CPU accounting, and a
# section writer for docs/BENCHMARKS.md. Source it; do not run it.

bench_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
hone_bin="${HONE:-$bench_root/build/release/src/cli/hone}"

# wait_ready PORT: until hone serve on PORT answers /v2/health/ready (5 s at most).
wait_ready() {
  for _ in $(seq 1 100); do curl -s -o /dev/null "http://127.0.0.1:$1/v2/health/ready" && return 0; sleep 0.05; done
  echo "hone serve on port $1 did not turn ready" >&2; return 1
}

free_port() {
  python3 - <<'PY' 2>/dev/null || echo $(( 20000 + RANDOM % 20000 ))
import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()
PY
}

# start_nginx PORT CORE [FILE]: one worker pinned to CORE answering from memory, as nginx is
# fastest: a small JSON body at /, or the bytes of FILE (`return 200 '...'`; any request body is
# read and discarded, as nginx does for `return`).
start_nginx() {
  local port=$1 core=$2 file=${3:-}
  nginx_dir=$(mktemp -d)
  chmod 755 "$nginx_dir"
  local answer='{"ok":true}'
  if [ -n "$file" ]; then
    answer=$(cat "$file")
    case "$answer" in *'$'*|*"'"*|*'\'*) echo "start_nginx: $file holds \$, ' or \\, which return 200 '...' would change" >&2; return 1 ;; esac
  fi
  local location="location / { default_type application/json; return 200 '$answer'; }"
  mkdir -p "$nginx_dir/logs"
  cat > "$nginx_dir/nginx.conf" <<CONF
worker_processes 1;
worker_cpu_affinity auto;
daemon off;
error_log $nginx_dir/logs/error.log warn;
pid $nginx_dir/nginx.pid;
events { worker_connections 4096; }
http {
  access_log off;
  keepalive_requests 1000000;
  keepalive_timeout 120s;
  client_body_temp_path $nginx_dir/body;
  proxy_temp_path $nginx_dir/proxy;
  fastcgi_temp_path $nginx_dir/fastcgi;
  uwsgi_temp_path $nginx_dir/uwsgi;
  scgi_temp_path $nginx_dir/scgi;
  server {
    listen 127.0.0.1:$port reuseport;
    $location
  }
}
CONF
  taskset -c "$core" nginx -c "$nginx_dir/nginx.conf" -p "$nginx_dir" &
  nginx_pid=$!
  for _ in $(seq 1 50); do
    curl -sf "http://127.0.0.1:$port/" >/dev/null && return 0
    sleep 0.1
  done
  echo "nginx did not start" >&2
  return 1
}

stop_nginx() {
  if [ -n "${nginx_pid:-}" ]; then
    kill "$nginx_pid" 2>/dev/null || true
    wait "$nginx_pid" 2>/dev/null || true
  fi
  nginx_pid=""
  rm -rf "${nginx_dir:-}"
}

# proc_cpu PID: the user and kernel CPU time PID (all its threads) has used so far, in clock ticks.
proc_cpu() { awk '{print $14, $15}' "/proc/$1/stat"; }

# cpu_per_answer "BEFORE" "AFTER" ANSWERS: "user kernel" microseconds of CPU per answer between two
# proc_cpu readings.
cpu_per_answer() {
  echo "$1 $2 $3" | awk -v hz="$(getconf CLK_TCK)" \
    '{printf "%.2f %.2f\n", ($3 - $1) * 1e6 / hz / $5, ($4 - $2) * 1e6 / hz / $5}'
}

# cpu_seconds FILE: user+system seconds recorded by /usr/bin/time -f "%U %S" -o FILE.
cpu_seconds() { awk '{print $1 + $2}' "$1"; }

# replace_section FILE NAME CONTENT-FILE: replaces the text between
# <!-- NAME:start --> and <!-- NAME:end --> (appends the block when absent).
replace_section() {
  local file=$1 name=$2 content=$3
  touch "$file"
  python3 - "$file" "$name" "$content" <<'PY'
import sys, re
path, name, content_path = sys.argv[1:4]
text = open(path).read()
block = open(content_path).read().rstrip() + "\n"
start, end = f"<!-- {name}:start -->", f"<!-- {name}:end -->"
new = f"{start}\n{block}{end}"
if start in text and end in text:
    text = re.sub(re.escape(start) + ".*?" + re.escape(end), lambda m: new, text, flags=re.S)
else:
    text = text.rstrip() + "\n\n" + new + "\n"
open(path, "w").write(text)
PY
}

# wrk_run CORE OUT wrk-args...: runs wrk pinned to CORE, keeps its output in OUT and prints
# requests/s. Fails, showing the output, when wrk fails or reports socket errors (connect, read,
# write, timeout) or non-2xx answers: a figure from a run with errors is not a figure.
wrk_run() {
  local core=$1 out=$2
  shift 2
  if ! taskset -c "$core" wrk "$@" > "$out" 2>&1; then
    echo "wrk failed ($*):" >&2; cat "$out" >&2; return 1
  fi
  if grep -qE "Socket errors|Non-2xx" "$out"; then
    echo "wrk saw errors ($*):" >&2; cat "$out" >&2; return 1
  fi
  awk '/Requests\/sec/ {print $2}' "$out"
}

# serve_rps BINARY MODELS PORT MODEL LUA CONNECTIONS WORK: one `hone serve --threads 1` of the
# repository MODELS pinned to $SERVER_CORE, wrk -t1 on $LOAD_CORE for $DURATION posting LUA's request
# to MODEL's v2 infer; prints requests/s and stops the server (its pid in WORK/pid for cleanup,
# its log in WORK/server.log).
serve_rps() {
  local bin=$1 models=$2 port=$3 model=$4 lua=$5 connections=$6 work=$7
  taskset -c "$SERVER_CORE" "$bin" serve --models "$models" --threads 1 --port "$port" \
    > "$work/server.log" 2>&1 &
  echo $! > "$work/pid"
  for _ in $(seq 1 200); do curl -s -o /dev/null "http://127.0.0.1:$port/" && break; sleep 0.05; done
  wrk_run "$LOAD_CORE" "$work/wrk.out" -t1 -c"$connections" -d"$DURATION" -s "$lua" \
    "http://127.0.0.1:$port/v2/models/$model/infer"
  kill "$(cat "$work/pid")"; wait "$(cat "$work/pid")" 2>/dev/null || true; rm -f "$work/pid"
}

# median: the median of the numbers on standard input (one per line or space-separated).
median() {
  tr ' ' '\n' | grep . | sort -g | awk '{v[NR] = $1} END {if (NR == 0) exit 1; print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'
}
