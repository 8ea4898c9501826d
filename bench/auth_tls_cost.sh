#!/usr/bin/env bash
# What credentials and HTTPS cost hone serve per request, on one core (wrk on the other): uncached
# single-row predictions with the native engine, the cheapest real request, so the checks weigh
# most. Each round runs every configuration once (plain HTTP first); each configuration's ratio to
# the plain run of its round is its figure, and the verdict takes the median over the rounds.
# Configurations: an API key (X-API-Key), a JWT each of HS256, ES256 and RS256 (tokens signed here
# with openssl; the same token on every request, as a client sends it for its lifetime), and HTTPS
# (wrk's TLS, the test certificate, kept-alive connections: the handshake is paid once each).
#   bench/auth_tls_cost.sh          (DURATION=5s ROUNDS=5)
set -euo pipefail
source "$(dirname "$0")/lib.sh"
DURATION="${DURATION:-5s}"
ROUNDS="${ROUNDS:-5}"
[ -x "$hone_bin" ] || { echo "build first: cmake --preset release && cmake --build --preset release" >&2; exit 1; }
work=$(mktemp -d)
server_pid=""
trap '[ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null; rm -rf "$work"' EXIT
model_dir="$bench_root/examples/models/ceramic-armor"
tls_dir="$bench_root/tests/support/tls"

# Keys and tokens: claims valid for a day, signed by openssl (JWS: R||S for ES256).
b64url() { /usr/bin/python3 -c 'import base64,sys; print(base64.urlsafe_b64encode(sys.stdin.buffer.read()).rstrip(b"=").decode())'; }
printf 'an-hs256-secret-of-at-least-32-bytes' > "$work/secret"
echo "bench-key" > "$work/keys"
openssl ecparam -name prime256v1 -genkey -noout -out "$work/ec.key" 2>/dev/null
openssl ec -in "$work/ec.key" -pubout -out "$work/ec.pem" 2>/dev/null
openssl genrsa -out "$work/rsa.key" 2048 2>/dev/null
openssl rsa -in "$work/rsa.key" -pubout -out "$work/rsa.pem" 2>/dev/null
claims=$(printf '{"sub":"bench","exp":%d}' $(( $(date +%s) + 86400 )) | b64url)
token() {  # ALG -> a signed JWT
  local input sig
  input="$(printf '{"alg":"%s","typ":"JWT"}' "$1" | b64url).$claims"
  case "$1" in
    HS256) sig=$(printf '%s' "$input" | openssl dgst -sha256 -hmac "$(cat "$work/secret")" -binary | b64url) ;;
    RS256) sig=$(printf '%s' "$input" | openssl dgst -sha256 -sign "$work/rsa.key" | b64url) ;;
    ES256) sig=$(printf '%s' "$input" | openssl dgst -sha256 -sign "$work/ec.key" | /usr/bin/python3 -c '
import sys, base64
d = sys.stdin.buffer.read()
def item(i):
    n = d[i + 1]
    return d[i + 2:i + 2 + n], i + 2 + n
r, i = item(2); s, _ = item(i)
raw = r.lstrip(b"\0").rjust(32, b"\0") + s.lstrip(b"\0").rjust(32, b"\0")
print(base64.urlsafe_b64encode(raw).rstrip(b"=").decode())') ;;
  esac
  echo "$input.$sig"
}
lua() {  # NAME HEADER-LINE...: a wrk script posting the row with these headers
  {
    echo 'wrk.method = "POST"'
    echo 'wrk.headers["Content-Type"] = "application/json"'
    shift
    for header in "$@"; do echo "wrk.headers[\"${header%%: *}\"] = \"${header#*: }\""; done
    echo "wrk.body = '{\"inputs\":[{\"name\":\"features\",\"datatype\":\"FP32\",\"shape\":[1,12],\"data\":[60,20,10,5,5,1800,2,30,3,1.5,98.5,10]}]}'"
  }
}
lua plain > "$work/plain.lua"
lua key "X-API-Key: bench-key" > "$work/key.lua"
for alg in HS256 ES256 RS256; do lua "$alg" "Authorization: Bearer $(token $alg)" > "$work/$alg.lua"; done

run() {  # LUA SCHEME serve-flags...: requests/s
  local lua=$1 scheme=$2 port
  shift 2
  port=$(free_port)
  taskset -c 0 "$hone_bin" serve --model "ceramic-armor=$model_dir" --backend trees --threads 1 \
    --port "$port" "$@" > "$work/server.log" 2>&1 &
  server_pid=$!
  for _ in $(seq 1 100); do curl -sk -o /dev/null "$scheme://127.0.0.1:$port/v2/health/ready" && break; sleep 0.05; done
  wrk_run 1 "$work/wrk.out" -t1 -c32 -d"$DURATION" -s "$lua" "$scheme://127.0.0.1:$port/v2/models/ceramic-armor/infer"
  kill "$server_pid"; wait "$server_pid" 2>/dev/null || true; server_pid=""
}
names=(key HS256 ES256 RS256 https)
declare -A rps ratios
rps[plain]=""
for name in "${names[@]}"; do rps[$name]=""; ratios[$name]=""; done
for _ in $(seq 1 "$ROUNDS"); do
  plain=$(run "$work/plain.lua" http)
  rps[plain]="${rps[plain]} $(printf %.0f "$plain")"
  for name in "${names[@]}"; do
    case "$name" in
      key) value=$(run "$work/key.lua" http --api-keys "$work/keys") ;;
      HS256) value=$(run "$work/HS256.lua" http --jwt-secret-file "$work/secret") ;;
      ES256) value=$(run "$work/ES256.lua" http --jwt-key "$work/ec.pem") ;;
      RS256) value=$(run "$work/RS256.lua" http --jwt-key "$work/rsa.pem") ;;
      https) value=$(run "$work/plain.lua" https --tls-cert "$tls_dir/cert.pem" --tls-key "$tls_dir/key.pem") ;;
    esac
    rps[$name]="${rps[$name]} $(printf %.0f "$value")"
    ratios[$name]="${ratios[$name]} $(awk -v a="$value" -v b="$plain" 'BEGIN {printf "%.3f", a / b}')"
  done
done
table="$work/table.md"
{
  echo "### What credentials and HTTPS cost"
  echo
  echo "Measured $(date -u +%Y-%m-%d); hone serve (native engine, cache off, one thread) on core 0, wrk -t1 -c32 on core 1,"
  echo "$ROUNDS rounds of $DURATION, each running every configuration once. Command: \`bench/auth_tls_cost.sh\`."
  echo
  echo "| configuration | requests/s (each round) | median | x plain HTTP, median of the rounds' ratios | us added per request |"
  echo "|---|---|---|---|---|"
  plain_median=$(echo "${rps[plain]}" | median)
  echo "| plain HTTP, no credentials |${rps[plain]} | $(printf %.0f "$plain_median") | 1 | |"
  for name in "${names[@]}"; do
    case "$name" in
      key) label="API key (\`--api-keys\`, X-API-Key)" ;;
      https) label="HTTPS (\`--tls-cert\`, TLS 1.3, kept-alive)" ;;
      *) label="JWT $name (the same token each request)" ;;
    esac
    median_rps=$(echo "${rps[$name]}" | median)
    ratio=$(echo "${ratios[$name]}" | median)
    added=$(awk -v a="$median_rps" -v b="$plain_median" 'BEGIN {printf "%.1f", 1e6 / a - 1e6 / b}')
    echo "| $label |${rps[$name]} | $(printf %.0f "$median_rps") | $ratio | $added |"
  done
} > "$table"
cat "$table"
replace_section "$bench_root/docs/BENCHMARKS.md" auth-tls-cost "$table"
