#!/usr/bin/env bash
# duet solve with target.schedule: layers (issue 19, item 6): on the NASAIC hardware space of
# Examples/solve-chip (2-3 sub-accelerators of tpu/eyeriss/nvdla/shidiannao, 28 nm), for fixed
# networks and three area budgets each, the whole-network optimum (Z3, proven unless it timed out)
# against the layer schedule found from it (ChipLayerSearch: local search over chips, HEFT per
# chip), with the time of the whole solve (cost-model evaluations + Z3 + the layer search).
#   docs/validation/solve-layers.sh [DUET_BINARY] [EVALUATIONS]     (default .build/release/duet, 200)
#   ONLY=nb201 docs/validation/solve-layers.sh ...                  (one instance family: r18mv2, r18mv2mv3, nb201)
set -euo pipefail
cd "$(dirname "$0")/../.."
DUET=${1:-.build/release/duet}
EVALS=${2:-200}
tmp=$(mktemp -d /tmp/solve-layers.XXXXXX); trap 'rm -rf "$tmp"' EXIT
sed '/name: track/d' Examples/solve-chip/config.yaml > "$tmp/r18mv2.yaml"
cp Examples/solve-chip/config.yaml "$tmp/r18mv2mv3.yaml"
# Two NAS-Bench-201 cells (CIFAR-10 heads): the table's best and one with a pooling and skips.
sed -e '/^tasks:/,/^target:/{/^tasks:/!{/^target:/!d}}' Examples/solve-chip/config.yaml \
  | sed '/^tasks:/a\  - {name: cellA, network: "nb201:|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|"}\n  - {name: cellB, network: "nb201:|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|"}' > "$tmp/nb201.yaml"
printf '%-10s %8s %12s %12s %9s %8s %8s %9s\n' networks area_mm2 whole_ms layers_ms change gap chips seconds
for inst in r18mv2 r18mv2mv3 nb201; do
  [ -z "${ONLY:-}" ] || [ "$ONLY" = "$inst" ] || continue
  for area in 2 4 6; do
    start=$(date +%s.%N)
    "$DUET" solve "$tmp/$inst.yaml" --set target.schedule=layers --set "evaluations=$EVALS" --set "budgets.area_mm2=$area" \
      --format json > "$tmp/out.json" || true
    end=$(date +%s.%N)
    python3 - "$inst" "$area" "$start" "$end" "$tmp/out.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[5]))
l = d["layer_schedule"]
print('%-10s %8s %12.4f %12.4f %+8.1f%% %7.1f%% %8d %9.1f  (%s)' % (sys.argv[1], sys.argv[2], l["whole_network_optimum_ms"], l["latency_ms"],
      (l["latency_ms"] / l["whole_network_optimum_ms"] - 1) * 100, l["gap"] * 100, l["chips_evaluated"], float(sys.argv[4]) - float(sys.argv[3]), d["status"]))
PY
  done
done
