#!/usr/bin/env bash
# One answer per design (issue 19): the same NVDLA 16x8 (128 KiB buffer, 16 GB/s DRAM, 16 nm) on
# ResNet-18 through `duet evaluate --set` and through `duet explore` (a hardware space holding only
# that design). Before the loader applied the template's bandwidth-scaling rule, evaluate kept the
# 64x32 design's 128 words/cycle buffer and network bandwidth while explore scaled them to 32.
#   docs/validation/one_answer.sh [DUET_BINARY]      (default .build/release/duet)
set -euo pipefail
DUET=${1:-.build/release/duet}
dir=$(mktemp -d); trap 'rm -rf "$dir"' EXIT
cat > "$dir/config.yaml" <<'YAML'
name: one-nvdla
tasks:
  - {name: resnet18, network: resnet18}
target:
  hardware: {templates: [nvdla], node_nm: 16, pe_rows: [16, 16], pe_cols: [8, 8], global_buffer_kib: [128, 128], dram_gbps: 16}
objectives: [{minimize: latency_ms}]
evaluations: 1
population: 2
YAML
# A binary from before node_nm existed reads the space without it (nvdla's own node is 16 nm).
"$DUET" explore "$dir/config.yaml" --format json > "$dir/explore.json" 2>/dev/null || {
  sed -i 's/node_nm: 16, //' "$dir/config.yaml"; "$DUET" explore "$dir/config.yaml" --format json > "$dir/explore.json"; }
"$DUET" evaluate --network resnet18 --accelerator nvdla --set pe_rows=16 --set pe_cols=8 \
  --set global_buffer_kib=128 --set dram_gbps=16 --format json > "$dir/evaluate.json"
python3 - "$dir" <<'PY'
import json, sys
d = sys.argv[1]
ex = json.load(open(f"{d}/explore.json"))
m = (ex.get("best") or ex["pareto"][0])["metrics"]
ev = json.load(open(f"{d}/evaluate.json"))["totals"]
print(f"{'':10} {'latency_ms':>12} {'energy_mj':>12} {'area_mm2':>10}")
print(f"{'explore':10} {m['latency_ms']:12.6f} {m['energy_mj']:12.6f} {m['area_mm2']:10.6f}")
print(f"{'evaluate':10} {ev['latency_ms']:12.6f} {ev['energy_pj'] * 1e-9:12.6f} {ev['area_mm2']:10.6f}")
same = (m["latency_ms"], m["energy_mj"], m["area_mm2"]) == (ev["latency_ms"], ev["energy_pj"] * 1e-9, ev["area_mm2"])
print("identical" if same else "DIFFERENT")
PY
