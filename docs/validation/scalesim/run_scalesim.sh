#!/usr/bin/env bash
# Regenerates docs/validation/scalesim/{raw/,reference.csv,runs.csv,closed_form_check.json} with SCALE-Sim 3.0.0.
# Usage: docs/validation/scalesim/run_scalesim.sh [compute|full|user|all]
#   compute  SCALE-Sim's compute model only, all 12 runs (2 nets x os/ws/is x 32x32/128x128): ~5 min
#   full     the whole simulator (compute + SRAM/DRAM model), all 12 runs, one at a time: hours on
#            2 cores (ResNet-50 on 32x32 dominates); a run already in raw/ is skipped unless FORCE=1
#   user     full runs with InterfaceBandwidth USER (10 words/cycle per DRAM interface) for MobileNet
#            on 128x128, ws/os/is (ws took 13 min and 4.5 GB; only ws is committed); raw/<run>_userbw10
#   all      compute, then full, then user (default: compute)
# Afterwards it always rebuilds reference.csv (full-run rows where present, else compute-only rows)
# and closed_form_check.json.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../../.." && pwd)"
VENV="${SCALESIM_VENV:-$ROOT/.venv-scalesim}"
if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q 'numpy<2.3' 'scalesim==3.0.0'
fi
PY="$VENV/bin/python"
MODE="${1:-compute}"
cd "$HERE"
# cheapest first
RUNS=("mobilenet ws 128" "mobilenet os 128" "mobilenet is 128" "resnet50 os 128" "resnet50 ws 128"
      "mobilenet os 32" "mobilenet is 32" "mobilenet ws 32" "resnet50 is 128" "resnet50 os 32"
      "resnet50 is 32" "resnet50 ws 32")
if [ "$MODE" = compute ] || [ "$MODE" = all ]; then
  for r in "${RUNS[@]}"; do
    set -- $r
    nice -n 10 "$PY" run_scalesim.py compute --net "$1" --df "$2" --array "$3"
  done
fi
if [ "$MODE" = full ] || [ "$MODE" = all ]; then
  for r in "${RUNS[@]}"; do
    set -- $r
    if [ -z "${FORCE:-}" ] && [ -f "raw/${1}_${2}_${3}x${3}/COMPUTE_REPORT.csv" ]; then continue; fi
    nice -n 10 "$PY" run_scalesim.py full --net "$1" --df "$2" --array "$3"
  done
fi
if [ "$MODE" = user ] || [ "$MODE" = all ]; then
  for df in ws os is; do
    if [ -z "${FORCE:-}" ] && [ -f "raw/mobilenet_${df}_128x128_userbw10/COMPUTE_REPORT.csv" ]; then continue; fi
    nice -n 10 "$PY" run_scalesim.py full --net mobilenet --df "$df" --array 128 --bw-mode USER
  done
fi
"$PY" run_scalesim.py collect
"$PY" run_scalesim.py check
