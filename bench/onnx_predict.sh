#!/usr/bin/env bash
# Rows/s of hone's native engine against ONNX Runtime on the same ONNX models (the committed
# scikit-learn fixtures), one core (taskset), in one process: 1,000 different rows predicted one
# call per row and in one call of 1,000 rows, ONNX Runtime through its C API with one thread and
# its outputs written into buffers the harness gives it. The harness reports how far the two
# engines' outputs are apart. Each round runs every model; the figure is the median over the
# rounds of ONNX Runtime's time per row over hone's. ONNX Runtime is the npm package
# onnxruntime-node's library (scripts/onnx-fixtures --runtime-only installs it).
#   bench/onnx_predict.sh          (ROUNDS=5; WRITE=1 writes the table into docs/BENCHMARKS.md)
set -euo pipefail
source "$(dirname "$0")/lib.sh"
ROUNDS="${ROUNDS:-5}"
models="gbr rf_average rf_classifier gbc_multiclass"
lib="$bench_root/build/release/src"
[ -f "$lib/model/libhone_model.a" ] || { echo "build first: cmake --preset release && cmake --build --preset release" >&2; exit 1; }
runtime=$("$bench_root/scripts/onnx-fixtures" --runtime-only)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
g++ -std=c++20 -O2 -I "$bench_root" -I "$bench_root/src" "$bench_root/bench/peers/onnxruntime_predict.cc" \
  "$lib/model/libhone_model.a" "$lib/core/libhone_core.a" -lonnx_proto -lprotobuf -lsimdjson -ldl \
  -o "$work/harness"
for round in $(seq "$ROUNDS"); do
  # shellcheck disable=SC2086
  taskset -c 1 "$work/harness" "$runtime" "$bench_root/tests/fixtures/onnx" $models | sed "s/^/$round,/" >> "$work/all.csv"
done
/usr/bin/python3 "$bench_root/bench/peer_table.py" "$work/all.csv" "$ROUNDS" "ONNX Runtime" bench/onnx_predict.sh > "$work/table.md"
cat "$work/table.md"
if [ "${WRITE:-0}" = 1 ]; then replace_section "$bench_root/docs/BENCHMARKS.md" onnx-predict "$work/table.md"; fi
