#!/usr/bin/env bash
# duet solve with target.schedule: layers (issue 19, item 6): on the solve-chip example's hardware
# space (NASAIC's templates, 2-3 sub-accelerators, 28 nm), for 2 and 3 fixed networks and three area
# budgets, the whole-network optimum (Z3, proven) against the layer schedule found from it
# (ChipLayerSearch: local search over chips, HEFT per chip), with the time of the whole solve.
#   docs/validation/solve-layers.sh [DUET_BINARY] [EVALUATIONS]     (default .build/release/duet, 200)
set -euo pipefail
cd "$(dirname "$0")/../.."
DUET=${1:-.build/release/duet}
EVALS=${2:-200}
printf '%-28s %8s %12s %12s %9s %8s %9s\n' networks area_mm2 whole_ms layers_ms change gap seconds
for nets in "resnet18 mobilenet-v2" "resnet18 mobilenet-v2 mobilenet-v3-large"; do
  for area in 2 3 4; do
    args=(--set target.schedule=layers --set "evaluations=$EVALS" --set "budgets.area_mm2=$area" --format json)
    if [ "$nets" = "resnet18 mobilenet-v2" ]; then cfg=$(mktemp /tmp/solve-layers.XXXXXX.yaml)
      sed '/name: track/d' Examples/solve-chip/config.yaml > "$cfg"; else cfg=Examples/solve-chip/config.yaml; fi
    start=$(date +%s.%N)
    out=$("$DUET" solve "$cfg" "${args[@]}") || true
    end=$(date +%s.%N)
    python3 - "$nets" "$area" "$start" "$end" <<PY
import json, sys
d = json.loads('''$out''')
l = d["layer_schedule"]
print('%-28s %8s %12.4f %12.4f %+8.1f%% %7.1f%% %9.1f' % (sys.argv[1].replace(' ', '+'), sys.argv[2], l["whole_network_optimum_ms"],
      l["latency_ms"], (l["latency_ms"] / l["whole_network_optimum_ms"] - 1) * 100, l["gap"] * 100, float(sys.argv[4]) - float(sys.argv[3])))
PY
  done
done
