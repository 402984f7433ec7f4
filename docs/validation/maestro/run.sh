#!/usr/bin/env bash
# MAESTRO on Duet's exports of ResNet-50 and MobileNetV2 on every template; writes layers.csv,
# summary.csv and anchor.csv beside this script (docs/VALIDATION.md, "MAESTRO, ZigZag, SCALE-Sim
# on Duet's exports").
# Usage: docs/validation/maestro/run.sh [run_maestro.py options, e.g. --cases nvdla_64x4]
#   ~1 min on 2 cores once MAESTRO and duet are built (MAESTRO takes well under a second a network).
#   Builds MAESTRO (build.sh) when missing; uses $DUET, else .build/release/duet (built with
#   `swift build -c release --product duet` when missing).
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../../.." && pwd)"
"$HERE/build.sh"
DUET="${DUET:-$ROOT/.build/release/duet}"
if [ ! -x "$DUET" ]; then (cd "$ROOT" && swift build -c release --product duet); fi
DUET="$DUET" exec python3 "$HERE/run_maestro.py" --duet "$DUET" "$@"
