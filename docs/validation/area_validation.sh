#!/usr/bin/env bash
# Area you can check (issue 19): the area model's figures for published chips, through
# `duet evaluate` (the accelerator's area and its breakdown by component), against
#  - NVDLA: the NVDLA Primer's synthesized cell areas (nvdla.org/primer.html, "Example Area and
#    Performance with NVDLA"), seven configurations at 28 nm and 16 nm; the 28 nm rows
#    2048/512 KB and 64/128 KB are the two the model's pe_logic_factor and control_um2 were fitted
#    to (docs/validation/area_fit.py), the other twelve figures are out of sample;
#  - Eyeriss: the 65 nm core, 3.5 mm x 3.5 mm = 12.25 mm2 (Chen et al., JSSC 2017, chip
#    specifications; the die with pads is 4.0 x 4.0 mm); out of sample;
#  - TPU v1: die < 331 mm2 at 28 nm (Jouppi et al., ISCA 2017, Table 2) of which the Matrix
#    Multiply Unit is 24 % and the 24 MiB Unified Buffer 29 % (Fig. 2, floor plan): upper bounds
#    only (the die also holds I/O, PCIe, DDR3 interfaces, accumulators and activation units).
#    The array's figure is what systolic_pe_logic_factor was fitted to (area_fit.py): a check of
#    the arithmetic, not a validation.
#   docs/validation/area_validation.sh [DUET_BINARY]      (default .build/release/duet)
set -euo pipefail
DUET=${1:-.build/release/duet}
NET='layer:conv,k=64,c=64,p=14,q=14,r=3,s=3,stride=1,groups=1'
area() {  # accelerator + --set overrides -> "total pes global_buffer noc control"
  "$DUET" evaluate --network "$NET" --accelerator "$@" --format json | python3 -c '
import json, sys
s = json.load(sys.stdin)["accelerator"]["subaccelerators"][0]
b = s.get("area_breakdown_mm2", {})   # absent before the component model: totals only
print(s["area_mm2"], *(b.get(k, float("nan")) for k in ("pes", "global_buffer", "noc", "control")))'
}
printf '%-34s %10s %10s %8s   %s\n' "design" "model mm2" "published" "error" "breakdown: PEs / buffer / network / control (mm2)"
row() {  # label published accelerator args...
  local label=$1 published=$2; shift 2
  read -r total pes glb noc ctl < <(area "$@")
  python3 -c "
nan = float('nan')
t, p = $total, $published
print(f'%-34s %10.3f %10.3f %+7.1f%%   %.3f / %.3f / %.3f / %.3f' % ('$label', t, p, (t / p - 1) * 100, $pes, $glb, $noc, $ctl))"
}
# NVDLA: MACs = pe_rows x pe_cols (only the product matters to area), conv buffer KB as KiB.
while read -r macs rows cols kb a28 a16 fitted; do
  for node in 28 16; do
    pub=$([ $node = 28 ] && echo "$a28" || echo "$a16")
    tag=$([ "$fitted" = fit ] && [ $node = 28 ] && echo " (fitted)" || echo "")
    row "nvdla $macs MACs ${kb} KB ${node} nm$tag" "$pub" nvdla --set pe_rows=$rows --set pe_cols=$cols \
      --set global_buffer_kib=$kb --set node_nm=$node --set allow_outside_template_ranges=true
  done
done <<'ROWS'
2048 64 32 512 5.5 3.3 fit
1024 32 32 256 3.0 1.8 -
512 32 16 256 2.3 1.4 -
256 16 16 256 1.7 1.0 -
128 16 8 256 1.4 0.84 -
64 8 8 128 0.91 0.55 fit
32 8 4 128 0.85 0.51 -
ROWS
row "eyeriss core 65 nm" 12.25 eyeriss
read -r total pes glb noc ctl < <(area tpu)
python3 -c "
nan = float('nan')
print('tpu v1 28 nm: model %.1f mm2 (PE array + network %.1f, Unified Buffer %.1f, control %.2f)' % ($total, $pes + $noc, $glb, $ctl))
print('  published bounds: die < 331 mm2; Matrix Multiply Unit 24%% -> < %.1f mm2; Unified Buffer 29%% -> < %.1f mm2' % (0.24 * 331, 0.29 * 331))
print('  PE array + network vs the Matrix Multiply Unit (fitted): %+.1f%%; buffer within its bound: %s; whole core within the die: %s' % (($pes + $noc) / (0.24 * 331) * 100 - 100, $glb < 0.29 * 331, $total < 331))"
