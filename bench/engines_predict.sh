#!/usr/bin/env bash
# One XGBoost model, three engines: hone's native engine and libxgboost (Debian's, its C API)
# read the model's JSON file; ONNX Runtime 1.30 reads the same trees converted to ONNX
# (bench/peers/xgboost_to_onnx.py, as onnxmltools converts them). One core (taskset), one thread
# each (OMP_NUM_THREADS=1), 1,000 different rows predicted one call per row and in one call of
# 1,000 rows; the figure is the median over the rounds of each peer's time per row over hone's.
# Models: the two example models (ceramic-armor: regression, 100 trees; fraud-detector: binary
# logistic, 100 trees). ONNX Runtime: scripts/onnx-fixtures --runtime-only installs it.
#   bench/engines_predict.sh          (ROUNDS=5; WRITE=1 writes the table into docs/BENCHMARKS.md)
set -euo pipefail
source "$(dirname "$0")/lib.sh"
ROUNDS="${ROUNDS:-5}"
lib="$bench_root/build/release/src"
[ -f "$lib/model/libhone_model.a" ] || { echo "build first: cmake --preset release && cmake --build --preset release" >&2; exit 1; }
runtime=$("$bench_root/scripts/onnx-fixtures" --runtime-only)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
models=()
for name in ceramic-armor fraud-detector; do
  json="$bench_root/examples/models/$name/model.json"
  /usr/bin/python3 "$bench_root/bench/peers/xgboost_to_onnx.py" "$json" "$work/$name.onnx"
  models+=("$name=$json,$work/$name.onnx")
done
g++ -std=c++20 -O2 -I "$bench_root" -I "$bench_root/src" "$bench_root/bench/peers/engines_predict.cc" \
  "$lib/model/libhone_model.a" "$lib/core/libhone_core.a" "$lib/http/libhone_http.a" \
  -lxgboost -lonnx_proto -lprotobuf -lsimdjson -lxxhash -lfmt -lspdlog -ldl -o "$work/harness"
for round in $(seq "$ROUNDS"); do
  OMP_NUM_THREADS=1 taskset -c 1 "$work/harness" "$runtime" "${models[@]}" | sed "s/^/$round,/" >> "$work/all.csv"
done
/usr/bin/python3 - "$work/all.csv" "$ROUNDS" > "$work/table.md" <<'PY'
import csv, datetime, statistics, sys
by = {}
for _, model, count, hone, xgb, ort, dx, do in csv.reader(open(sys.argv[1])):
    by.setdefault((model, count), []).append(tuple(map(float, (hone, xgb, ort, dx, do))))
print("| model | rows per call | hone rows/s | libxgboost rows/s | ONNX Runtime rows/s | hone / libxgboost | hone / ONNX Runtime | max relative difference: libxgboost, ONNX Runtime |")
print("|---|---|---|---|---|---|---|---|")
for (model, count), runs in by.items():
    med = lambda f: statistics.median(f(r) for r in runs)
    print(f"| {model} | {int(count):,} | {med(lambda r: 1e9 / r[0]):,.0f} | {med(lambda r: 1e9 / r[1]):,.0f} "
          f"| {med(lambda r: 1e9 / r[2]):,.0f} | {med(lambda r: r[1] / r[0]):.2f}x | {med(lambda r: r[2] / r[0]):.2f}x "
          f"| {max(r[3] for r in runs):.1g}, {max(r[4] for r in runs):.1g} |")
print(f"\nMedian of {sys.argv[2]} rounds; `bench/engines_predict.sh` ({datetime.date.today()}).")
PY
cat "$work/table.md"
if [ "${WRITE:-0}" = 1 ]; then replace_section "$bench_root/docs/BENCHMARKS.md" engines-predict "$work/table.md"; fi
