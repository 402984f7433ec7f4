#!/usr/bin/env bash
# ZigZag 3.9.1 on Duet's exports (duet export-design --format zigzag) of ResNet-50 and MobileNetV2;
# writes exports_layers_CASE.csv and exports_summary.csv beside this script.
# Usage: docs/validation/zigzag/run_exports.sh [run_exports.py options, e.g. --cases nvdla_64x4]
#   ~2 CPU-s per layer (LOMA lpf_limit 4): 32 min wall for the 4 cases (428 layers) on 2 shared cores.
# The venv is ${DUET_PEERS:-$HOME/.cache/duet-peers}/venv-zigzag (pip zigzag-dse==3.9.1, created when missing).
# Uses $DUET, else .build/release/duet (built with `swift build -c release --product duet` when missing).
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../../.." && pwd)"
PEERS="${DUET_PEERS:-$HOME/.cache/duet-peers}"
VENV="$PEERS/venv-zigzag"
if [ ! -x "$VENV/bin/python" ]; then
  mkdir -p "$PEERS"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q 'zigzag-dse==3.9.1' six
fi
DUET="${DUET:-$ROOT/.build/release/duet}"
if [ ! -x "$DUET" ]; then (cd "$ROOT" && swift build -c release --product duet); fi
DUET="$DUET" exec nice -n 10 "$VENV/bin/python" "$HERE/run_exports.py" --duet "$DUET" "$@"
