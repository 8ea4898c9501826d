"""The table of an engine-against-engine harness's rounds (bench/lightgbm_predict.sh,
bench/onnx_predict.sh): lines "round,model,rows,hone ns/row,peer ns/row,max relative difference"
into a markdown table of medians and hone's speed over the peer's.
Usage: peer_table.py ALL_CSV ROUNDS PEER_NAME SCRIPT"""
import csv
import datetime
import statistics
import sys

path, rounds, peer, script = sys.argv[1:5]
by = {}
for _, model, count, hone_ns, peer_ns, diff in csv.reader(open(path)):
    by.setdefault((model, count), []).append((float(hone_ns), float(peer_ns), float(diff)))
print(f"| model | rows per call | hone rows/s | {peer} rows/s | hone / {peer} | max relative difference |")
print("|---|---|---|---|---|---|")
for (model, count), runs in by.items():
    ratio = statistics.median(p / h for h, p, _ in runs)
    hone = statistics.median(1e9 / h for h, _, _ in runs)
    other = statistics.median(1e9 / p for _, p, _ in runs)
    worst = max(d for _, _, d in runs)
    print(f"| {model} | {int(count):,} | {hone:,.0f} | {other:,.0f} | {ratio:.2f}x | {worst:.1g} |")
print(f"\nMedian of {rounds} rounds; `{script}` ({datetime.date.today()}).")
