#!/usr/bin/env bash
# Regenerates docs/validation/zigzag/{workload.yaml,reference.csv,arch_dump.txt} with ZigZag 3.9.1.
# Usage: docs/validation/zigzag/run_zigzag.sh            (from anywhere; ~3 CPU-min for 44 evaluations)
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../../.." && pwd)"
VENV="${ZIGZAG_VENV:-$ROOT/.venv-zigzag}"
if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q 'zigzag-dse==3.9.1' six
fi
PY="$VENV/bin/python"
cd "$HERE"
"$PY" run_zigzag.py make-workload
"$PY" run_zigzag.py dump-arch > arch_dump.txt
nice -n 10 "$PY" run_zigzag.py run "$@"
