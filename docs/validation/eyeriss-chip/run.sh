#!/usr/bin/env bash
# The Eyeriss chip (Chen et al., JSSC 2017, Table V: AlexNet CONV1-5, batch 4) against Duet's
# `eyeriss` template, layer by layer: latency, power, DRAM and global-buffer accesses, active PEs.
# Builds duet (release; slim: no PostgreSQL/dashboard traits, which evaluate does not need) unless
# DUET points at a binary, evaluates alexnet-conv.yaml under each link setting below and writes
# out/duet-<setting>.json, out/compare.csv and out/compare.md (printed too).
# Usage: docs/validation/eyeriss-chip/run.sh   (from anywhere; ~2 s once duet is built)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
out="${OUT:-$here/out}"
mkdir -p "$out"
if [ -z "${DUET:-}" ]; then
  (cd "$root" && swift build -c release --product duet --disable-default-traits --scratch-path .build-slim >&2)
  DUET="$root/.build-slim/release/duet"
fi
net="$here/alexnet-conv.yaml"

# Settings (--set overrides of the eyeriss template):
#   template      the template as shipped: 64-bit link at 60 MHz (0.48 GB/s), single-buffered
#                 activations, filters prefetched while the array works (weight_prefetch)
#   noprefetch    the same with every DRAM transfer serial (the template before weight_prefetch)
#   link90        the link at the 90 MHz the chip's Table IV allows: 0.72 GB/s
#   overlap       0.48 GB/s with DRAM transfers overlapped (double_buffer=true; halves the
#                 buffer space a tile may use)
#   unlimited     no DRAM limit (1000 GB/s): the array alone
declare -A sets=(
  [template]=""
  [noprefetch]="--set weight_prefetch=false"
  [link90]="--set dram_gbps=0.72"
  [overlap]="--set double_buffer=true"
  [unlimited]="--set dram_gbps=1000"
)
order=(template noprefetch link90 overlap unlimited)
args=()
for s in "${order[@]}"; do
  # shellcheck disable=SC2086
  "$DUET" evaluate --network "$net" --accelerator eyeriss --format json ${sets[$s]} > "$out/duet-$s.json"
  args+=("$s=$out/duet-$s.json")
done
python3 "$here/compare.py" "$here/published.csv" "${args[@]}" --csv "$out/compare.csv" --md "$out/compare.md"
