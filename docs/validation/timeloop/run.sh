#!/usr/bin/env bash
# Duet vs Timeloop v3, layer by layer: exports each network on each template with Duet's Timeloop
# exporter (its chosen mapping as mapspace constraints, Duet's per-access energies as the ERT), runs
# timeloop-mapper on every layer (Timeloop's own parser reads every file) and writes per-layer CSVs
# and a summary (Spearman rho, per-layer errors, worst layers) under docs/validation/timeloop/results/.
# The export pins Duet's whole mapping, so each mapper run evaluates one mapping (~2 min for all four).
#
#   bash docs/validation/timeloop/build.sh          # once (Timeloop + Accelergy under $DUET_PEERS)
#   bash docs/validation/timeloop/run.sh            # Duet's default factors  -> results/default/
#   PERFECT=1 bash docs/validation/timeloop/run.sh  # spatial_factors=perfect -> results/perfect/
#
# Settings (environment): ACCS="eyeriss nvdla", NETS="resnet50 mobilenet-v2", JOBS=2,
# SET="double_buffer=true" (--set for every export: Timeloop always overlaps DRAM transfers with
# compute, so the single-buffered eyeriss default is compared double-buffered; SET="" keeps the
# templates as they are), PERFECT=1 (adds spatial_factors=perfect: unroll factors and buffer tiles
# that divide their loops, the only tiles Timeloop v3 can express), DUET (the duet binary; default
# .build/release/duet, built if missing),
# RUNS (scratch: $DUET_PEERS/runs/timeloop), LIMIT (first N layers per network, 0 = all),
# VICTORY=100 (the mapper stops after this many mappings without improvement; the export says 300).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../../.." && pwd)
DUET_PEERS=${DUET_PEERS:-$HOME/.cache/duet-peers}
ACCS=${ACCS:-"eyeriss nvdla"}
NETS=${NETS:-"resnet50 mobilenet-v2"}
JOBS=${JOBS:-2}
SET=${SET-double_buffer=true}
PERFECT=${PERFECT:-0}
if [[ "$PERFECT" == 1 ]]; then SET="$SET spatial_factors=perfect"; fi
LIMIT=${LIMIT:-0}
VICTORY=${VICTORY:-100}
RUNS=${RUNS:-$DUET_PEERS/runs/timeloop$([[ "$PERFECT" == 1 ]] && echo -perfect)}
RESULTS=${RESULTS:-$HERE/results/$([[ "$PERFECT" == 1 ]] && echo perfect || echo default)}
DUET=${DUET:-$ROOT/.build/release/duet}
if [[ ! -x "$DUET" ]]; then (cd "$ROOT" && swift build -c release --product duet); fi
# shellcheck disable=SC1091
source "$DUET_PEERS/timeloop-env.sh"
mkdir -p "$RESULTS" "$RUNS"
sets=(); for s in $SET; do sets+=(--set "$s"); done
start=$(date +%s)
for acc in $ACCS; do
  for net in $NETS; do
    tag="$acc-$net"
    exp="$RUNS/$tag/export"
    rm -rf "$exp"
    "$DUET" network export "$net" --format timeloop --accelerator "$acc" ${sets[@]+"${sets[@]}"} --out "$exp"
    base=$(basename "$(ls "$exp"/*.layers.csv)" .layers.csv)
    rm -rf "$RUNS/$tag/timeloop"
    python3 "$HERE/compare.py" "$exp" "$base" "$RUNS/$tag/timeloop" --jobs "$JOBS" --label "$tag" --limit "$LIMIT" --victory "$VICTORY" || true
    cp "$RUNS/$tag/timeloop/layers.csv" "$RESULTS/$tag.csv" || echo "no layers compared for $tag" >&2
    cp "$RUNS/$tag/timeloop/summary.json" "$RESULTS/$tag.summary.json" || true
  done
done
python3 "$HERE/summarize.py" "$RESULTS" > "$RESULTS/SUMMARY.md"
cat "$RESULTS/SUMMARY.md"
echo "run.sh took $(( $(date +%s) - start )) s"
