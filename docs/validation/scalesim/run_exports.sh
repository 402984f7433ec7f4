#!/usr/bin/env bash
# SCALE-Sim 3.0.0's compute model on Duet's exports (duet export-design --format scalesim) of
# ResNet-50 and MobileNetV2 on tpu:edge (32x32) in ws, os and is; writes exports_layers.csv and
# exports_summary.csv beside this script.
# Usage: docs/validation/scalesim/run_exports.sh [run_exports.py options, e.g. --dataflows ws]
#   8 min wall on 2 shared cores (layers of one shape are computed once).
# The venv is ${DUET_PEERS:-$HOME/.cache/duet-peers}/venv-scalesim (pip scalesim==3.0.0, created when missing).
# Uses $DUET, else .build/release/duet (built with `swift build -c release --product duet` when missing).
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../../.." && pwd)"
PEERS="${DUET_PEERS:-$HOME/.cache/duet-peers}"
VENV="$PEERS/venv-scalesim"
if [ ! -x "$VENV/bin/python" ]; then
  mkdir -p "$PEERS"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q 'numpy<2.3' 'scalesim==3.0.0'
fi
DUET="${DUET:-$ROOT/.build/release/duet}"
if [ ! -x "$DUET" ]; then (cd "$ROOT" && swift build -c release --product duet); fi
DUET="$DUET" exec nice -n 10 python3 "$HERE/run_exports.py" --duet "$DUET" --python "$VENV/bin/python" "$@"
