#!/usr/bin/env bash
# Issue 12's memory figure: the peak resident memory of one `duet explore` process as the number of
# trials grows (target: a 1,000,000-trial study in <= 300 MB). The cheapest real exploration:
# NAS-Bench-201 cells (MACs proxy accuracy, labelled PROXY) on the fixed edge TPU-like accelerator,
# NSGA-II with a population of 100, every trial written to an SQLite study as it finishes.
# Peak RSS from /usr/bin/time -v ("Maximum resident set size"), release build.
#
#   docs/validation/explore-memory.sh [TRIALS...]        (default: 10000 100000 300000)
# Env: DUET (default .build/release/duet), STUDY_DIR (default a temporary folder; the studies are deleted).
set -euo pipefail
cd "$(dirname "$0")/../.."
duet=${DUET:-.build/release/duet}
[ -x "$duet" ] || { echo "error: $duet not found: swift build -c release --product duet" >&2; exit 2; }
[ $# -gt 0 ] || set -- 10000 100000 300000
work=$(mktemp -d "${STUDY_DIR:-/tmp}/duet-memory.XXXXXX")
trap 'rm -rf "$work"' EXIT
for trials in "$@"; do
  cat > "$work/config.yaml" <<YAML
name: memory
tasks:
  - name: cifar10
    space: nb201
    accuracy: proxy:macs
target:
  accelerator: tpu:edge
budgets: {latency_ms: 0.3}
objectives: [{maximize: accuracy}, {minimize: latency_ms}]
evaluations: $trials
population: 100
seed: 1
workers: 2
YAML
  rm -f "$work/study.sqlite"
  /usr/bin/time -v "$duet" explore "$work/config.yaml" --study "$work/study.sqlite" --format json \
    > "$work/out.json" 2> "$work/time.txt" || { cat "$work/time.txt" >&2; exit 1; }
  rss_kb=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$work/time.txt")
  wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$work/time.txt")
  stored=$("$duet" study show "$work/study.sqlite" 2>/dev/null | awk '/trials/ {print; exit}')
  python3 - "$work/out.json" "$trials" "$rss_kb" "$wall" "$stored" <<'PY'
import json, sys
out, trials, rss_kb, wall, stored = json.load(open(sys.argv[1])), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5]
print(f"trials={trials} evaluations={out['evaluations']} feasible={out['feasible']} pareto={len(out['pareto'])} "
      f"peak_rss_mb={rss_kb / 1024:.1f} wall={wall} study: {stored.strip()}")
PY
done
