#!/usr/bin/env bash
# Solve time of Examples/solve-chip and Examples/solve-nb201 with two release builds of duet
# (before and after a change), and whether they give the same answer (every JSON field but the
# timings). Usage, from the repository root:
#   docs/validation/seams/solve-timing.sh BEFORE_DUET AFTER_DUET [REPEATS]
# Build each with `swift build -c release --product duet` (the "before" one in an export of the
# earlier commit: git archive COMMIT | tar -x -C DIR). Prints one line per run and the median.
set -euo pipefail
before=$1 after=$2 repeats=${3:-3}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
strip() {  # the answer without wall-clock fields
    python3 -c 'import json,sys
d=json.load(open(sys.argv[1]))
for k in ("seconds","evaluation_seconds","solver_seconds"): d.pop(k, None)
print(json.dumps(d, sort_keys=True))' "$1"
}
for ex in solve-chip solve-nb201; do
    for which in before after; do
        bin=$before; [ "$which" = after ] && bin=$after
        times=()
        for i in $(seq "$repeats"); do
            s=$(date +%s.%N)
            "$bin" solve "Examples/$ex/config.yaml" --format json > "$tmp/$ex-$which.json" || [ $? -eq 1 ]
            e=$(date +%s.%N)
            t=$(python3 -c "print(f'{$e-$s:.2f}')")
            times+=("$t")
            echo "$ex $which run $i: $t s"
        done
        med=$(printf '%s\n' "${times[@]}" | sort -n | sed -n "$(( (repeats + 1) / 2 ))p")
        echo "$ex $which median: $med s"
    done
    if [ "$(strip "$tmp/$ex-before.json")" = "$(strip "$tmp/$ex-after.json")" ]; then
        echo "$ex: same answer before and after"
    else
        echo "$ex: ANSWERS DIFFER"; diff <(strip "$tmp/$ex-before.json") <(strip "$tmp/$ex-after.json") || true
    fi
done
