#!/usr/bin/env bash
# Speed of Duet's cost model against ZigZag 3.9.1, measured in the same run.
# 1. ZigZag: docs/validation/zigzag/run_zigzag.sh evaluates 44 layer/architecture pairs with its
#    default mapping search and records CPU seconds per layer (reference.csv, column cpu_s).
# 2. Duet: duet-bench cost (release build) times the full mapping search of every ResNet-50
#    compute layer on five templates, one cost evaluation, whole networks, throughput and memory.
# Prints both and the ratio. Usage: docs/validation/duet/cost_speed.sh [--skip-zigzag]
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../../.." && pwd)"
cd "$ROOT"
if [ "${1:-}" != "--skip-zigzag" ]; then "$ROOT/docs/validation/zigzag/run_zigzag.sh"; fi
swift build -c release --product duet-bench >/dev/null
.build/release/duet-bench cost --network resnet50 > /tmp/duet-cost.json
python3 - "$ROOT/docs/validation/zigzag/reference.csv" /tmp/duet-cost.json <<'PY'
import csv, json, sys, statistics
z = [float(r["cpu_s"]) for r in csv.DictReader(open(sys.argv[1]))]
d = json.load(open(sys.argv[2]))
zz = statistics.mean(z)
us = d["search_us_per_layer_mean"]
print(json.dumps({"zigzag_cpu_s_per_layer_search": round(zz, 3),
                  "duet_us_per_layer_search": round(us, 1),
                  "search_speedup": round(zz / (us * 1e-6)),
                  "duet_single_evaluation_us": round(d["single_evaluation_us"], 4),
                  "zigzag_single_evaluation_ms (REFERENCE-FIGURES.md)": 1.9,
                  "evaluation_speedup": round(1.9e-3 / (d["single_evaluation_us"] * 1e-6)),
                  "duet": d}, indent=1))
PY
