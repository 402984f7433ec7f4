#!/usr/bin/env bash
# Issue 15's anchor on Duet's side: ResNet-50 CB2a_2 (K = C = 64, P = Q = 54, 3x3) on `eyeriss`
# set to the architecture of Timeloop's Eyeriss-like exercise (ANCHOR.md: 746,496 cycles,
# 641.30 uJ) — 128 KiB global buffer at 16 words/cycle, no DRAM limit, double buffering, perfect
# spatial factors (Timeloop's mapper), no pipeline or network cost, no leakage — and the
# per-access energies Accelergy gave that design (ANCHOR.md's ERT): MAC 2.200 pJ, register files
# 2.368 pJ per MAC over Duet's four accesses (0.037 pJ/bit), global buffer 18.6 pJ/word
# (1.1625 pJ/bit), DRAM 128 pJ/word (8 pJ/bit). Prints Duet's cycles and energy and the ratios.
#   docs/validation/timeloop/duet_anchor.sh   (needs a built duet: DUET=path, default .build/release/duet)
set -euo pipefail
cd "$(dirname "$0")/../../.."
DUET=${DUET:-.build/release/duet}
[ -x "$DUET" ] || swift build -c release --product duet >&2
"$DUET" evaluate --network layer:conv,k=64,c=64,p=54,q=54,r=3,s=3 --accelerator eyeriss \
  --set spatial_factors=perfect --set node_nm=45 --set global_buffer_kib=128 --set glb_words_per_cycle=16 \
  --set noc_words_per_cycle=1000 --set dram_gbps=1000 --set double_buffer=true --set pipeline_cycles=0 \
  --set mac_pj=2.2 --set rf_pj_per_bit=0.037 --set glb_pj_per_bit=1.1625 --set dram_pj_per_bit=8 \
  --set noc_hop_pj_per_bit=0 --set leakage_mw_per_mm2=0 --format json |
python3 -c '
import json, sys
d = json.load(sys.stdin)
l = d["networks"][0]["layers"][0]
e = d["networks"][0]["totals"]["energy_breakdown_pj"]
a = l["accesses_by_operand_words"]
glb = sum(a["global_buffer"][o][rw] for o in ("weights", "inputs", "outputs") for rw in ("reads", "writes"))
dram = sum(a["dram"][o][rw] for o in ("weights", "inputs", "outputs") for rw in ("reads", "writes"))
cycles, uj = l["latency_cycles"], l["energy_pj"] / 1e6
print(json.dumps({"duet_cycles": cycles, "timeloop_cycles": 746496, "cycles_ratio": round(cycles / 746496, 4),
                  "duet_energy_uj": round(uj, 2), "timeloop_energy_uj": 641.30, "energy_ratio": round(uj / 641.30, 4),
                  "duet_energy_by_level_uj": {k: round(v / 1e6, 2) for k, v in e.items()},
                  "timeloop_energy_by_level_uj": {"mac": 236.53, "register_file": 254.59, "global_buffer": 50.79, "dram": 99.39},
                  "duet_glb_accesses": glb, "timeloop_glb_accesses": 2725632,
                  "duet_dram_words": dram, "timeloop_dram_words": 776448,
                  "mapping": l["mapping"]}, indent=1))'
