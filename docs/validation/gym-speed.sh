#!/usr/bin/env bash
# Before/after Gymnasium env.step rate (issue 18: >= 2,000 steps/s), both builds in the same run.
#
#   docs/validation/gym-speed.sh BEFORE_DIR AFTER_DIR [REPS]
#
# BEFORE_DIR and AFTER_DIR each hold a release-built `duet`. Each repetition runs
# docs/validation/gym_step_rate.py (every figure over $SECONDS s of wall time, default 3) against
# BEFORE's duet, then AFTER's, alternating so both see the same load; then prints the median of
# each figure per build and the after/before ratio. Needs .venv-test (`make python-venv`).
set -euo pipefail
before=${1:?usage: gym-speed.sh BEFORE_DIR AFTER_DIR [REPS]}
after=${2:?usage: gym-speed.sh BEFORE_DIR AFTER_DIR [REPS]}
reps=${3:-3}
seconds=${SECONDS_EACH:-3}
cd "$(dirname "$0")/../.."
[ -x .venv-test/bin/python ] || make --no-print-directory python-venv
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg); $(nproc) cores; $seconds s a figure"
for i in $(seq 1 "$reps"); do
    for side in before after; do
        dir=$before; [ "$side" = after ] && dir=$after
        DUET_BIN="$dir/duet" .venv-test/bin/python docs/validation/gym_step_rate.py --json --seconds "$seconds" > "$out/$side-$i.json"
        echo "run $i $side: $(tr -d '\n ' < "$out/$side-$i.json" | cut -c1-600)"
    done
done
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
python3 - "$out" "$reps" <<'PY'
import json, statistics, sys
out, reps = sys.argv[1], int(sys.argv[2])
runs = {s: [json.load(open(f"{out}/{s}-{i}.json")) for i in range(1, reps + 1)] for s in ("before", "after")}
keys = [k for k, v in runs["after"][0].items() if k.endswith("_per_s")]
print(f"{'figure (median of %d runs)' % reps:50} {'before':>10} {'after':>10} {'after/before':>13}")
for k in keys:
    b = statistics.median(r[k] for r in runs["before"])
    a = statistics.median(r[k] for r in runs["after"])
    print(f"{k:50} {b:10.0f} {a:10.0f} {a / b:12.2f}x")
PY
