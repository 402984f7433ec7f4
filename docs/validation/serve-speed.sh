#!/usr/bin/env bash
# Before/after throughput of `duet serve` (issue 18), both builds measured in the same run.
#
#   docs/validation/serve-speed.sh BEFORE_DIR AFTER_DIR [REPS]
#
# BEFORE_DIR and AFTER_DIR each hold a release-built `duet` (e.g. the .build/release folder of
# two checkouts; AFTER_DIR also `duet-bench`, the client both are driven by). Each repetition runs
# `duet-bench serve` against BEFORE's duet, then AFTER's (alternating, so both see the same load),
# with the workload in $ARGS (default: the issue's totals-only run). Prints every run's figures,
# then the median of each figure per build and the after/before ratio, and the load average
# before and after (the machine is shared: compare only figures from one run of this script).
set -euo pipefail
before=${1:?usage: serve-speed.sh BEFORE_DIR AFTER_DIR [REPS]}
after=${2:?usage: serve-speed.sh BEFORE_DIR AFTER_DIR [REPS]}
reps=${3:-5}
args=${ARGS:---layers 20000 --networks 2000 --points 0 --process-runs 20 --totals-only}
cd "$(dirname "$0")/../.."   # the repository root: templates and Examples are read from here
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg); $(nproc) cores; args: $args"
for i in $(seq 1 "$reps"); do
    for side in before after; do
        dir=$before; [ "$side" = after ] && dir=$after
        # shellcheck disable=SC2086
        "$after/duet-bench" serve --duet "$dir/duet" $args > "$out/$side-$i.json"
        echo "run $i $side: $(tr -d '\n ' < "$out/$side-$i.json" | cut -c1-400)"
    done
done
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
python3 - "$out" "$reps" <<'PY'
import json, statistics, sys
out, reps = sys.argv[1], int(sys.argv[2])
runs = {s: [json.load(open(f"{out}/{s}-{i}.json")) for i in range(1, reps + 1)] for s in ("before", "after")}
keys = [k for k, v in runs["after"][0].items() if k.endswith("_per_s") or k.startswith("ratio_")]
print(f"{'figure (median of %d runs)' % reps:44} {'before':>12} {'after':>12} {'after/before':>13}")
for k in keys:
    b = statistics.median(r[k] for r in runs["before"])
    a = statistics.median(r[k] for r in runs["after"])
    print(f"{k:44} {b:12.1f} {a:12.1f} {a / b:12.2f}x")
PY
