#!/usr/bin/env bash
# Duet's side of the anchor: CB2a_2 on `eyeriss` set to the exercises' architecture (45 nm,
# 128 KiB buffer at 16 words/cycle, DRAM not limiting, double-buffered) — once with Duet's
# 45 nm energies, once with the per-access energies Accelergy gave Timeloop (ANCHOR.md):
# MAC 2.20 pJ; buffer 74.7 pJ per 4-word access = 1.167 pJ/bit; DRAM 8 pJ/bit; the three
# scratchpads' 2.368 pJ per MAC (weights 1.615 + psum 0.512 + ifmap 0.241) spread over Duet's four
# register-file accesses per MAC = 0.592 pJ = 0.0370 pJ/bit; no network or leakage energy.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../../.." && pwd)
DUET=${DUET:-$ROOT/.build/release/duet}
arch=(--set node_nm=45 --set global_buffer_kib=128 --set glb_words_per_cycle=16 --set dram_gbps=1000 --set double_buffer=true)
tl=(--set mac_pj=2.2 --set glb_pj_per_bit=1.167 --set dram_pj_per_bit=8 --set rf_pj_per_bit=0.0370 --set noc_hop_pj_per_bit=0 --set leakage_mw_per_mm2=0)
L=layer:conv,k=64,c=64,p=54,q=54,r=3,s=3
echo "== Duet, Timeloop's architecture, Duet's 45 nm energies"
"$DUET" evaluate --network "$L" --accelerator eyeriss "${arch[@]}"
echo "== Duet, Timeloop's architecture and per-access energies"
"$DUET" evaluate --network "$L" --accelerator eyeriss "${arch[@]}" "${tl[@]}"
