#!/usr/bin/env bash
# Runs the pymoo comparison of issue 5: creates .venv-pymoo with pymoo 0.6.2 (and moocore, if
# PyPI has it), builds duet-bench in release mode, and runs pymoo and duet-bench on the same
# problems, settings and seeds in one run. Extra arguments go to pymoo_compare.py
# (e.g. --seeds 1-10 --problems zdt1,dtlz2).
# Output: JSON on stdout, a summary table on stderr.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
venv="$root/.venv-pymoo"
if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
fi
"$venv/bin/pip" install -q "pymoo==0.6.2" >&2
"$venv/bin/pip" install -q moocore >&2 || echo "moocore not installable; sort comparison skipped" >&2
scratch="${DUET_SCRATCH:-.build-search}"
swift build -c release --scratch-path "$scratch" --product duet-bench >&2
bench="$(swift build -c release --scratch-path "$scratch" --show-bin-path)/duet-bench"
exec "$venv/bin/python" "$root/docs/validation/pymoo_compare.py" --bench "$bench" "$@"
