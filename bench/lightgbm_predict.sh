#!/usr/bin/env bash
# Rows/s of hone's native engine against LightGBM's own predict on the same LightGBM models (the
# committed fixtures), one core (taskset), in one process: 1,000 different rows predicted one
# call per row (LightGBM's fastest single-row path, LGBM_BoosterPredictForMatSingleRowFast) and in
# one call of 1,000 rows (LGBM_BoosterPredictForMat), LightGBM with num_threads=1. The harness
# checks both engines give the same outputs before it times them. Each round runs every model;
# the figure is the median over the rounds of LightGBM's time per row over hone's.
# LightGBM is built from its npm package by scripts/lightgbm-fixtures --build-only (minutes, once).
#   bench/lightgbm_predict.sh          (ROUNDS=5; WRITE=1 writes the table into docs/BENCHMARKS.md)
set -euo pipefail
source "$(dirname "$0")/lib.sh"
ROUNDS="${ROUNDS:-5}"
models="regression regression_deep multiclass categorical linear_tree random_forest"
lib="$bench_root/build/release/src"
[ -f "$lib/model/libhone_model.a" ] || { echo "build first: cmake --preset release && cmake --build --preset release" >&2; exit 1; }
lightgbm=$("$bench_root/scripts/lightgbm-fixtures" --build-only)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
g++ -std=c++20 -O2 -I "$bench_root" -I "$bench_root/src" -I "$lightgbm/include" \
  "$bench_root/bench/peers/lightgbm_predict.cc" "$lib/model/libhone_model.a" "$lib/core/libhone_core.a" \
  -lonnx_proto -lprotobuf -lsimdjson -L"$lightgbm" -l_lightgbm -Wl,-rpath,"$lightgbm" -o "$work/harness"
for round in $(seq "$ROUNDS"); do
  # shellcheck disable=SC2086
  taskset -c 1 "$work/harness" "$bench_root/tests/fixtures/lightgbm" $models | sed "s/^/$round,/" >> "$work/all.csv"
done
/usr/bin/python3 "$bench_root/bench/peer_table.py" "$work/all.csv" "$ROUNDS" "LightGBM" bench/lightgbm_predict.sh > "$work/table.md"
cat "$work/table.md"
if [ "${WRITE:-0}" = 1 ]; then replace_section "$bench_root/docs/BENCHMARKS.md" lightgbm-predict "$work/table.md"; fi
