#!/usr/bin/env python3
"""Derives the two area-model figures of HardwareModels/technology/45nm.yaml that no datasheet
gives directly — pe_logic_factor (PE logic area / bare MAC datapath area) and control_um2
(control, DMA and interfaces per sub-accelerator) — from two rows of the NVDLA primer's table
(nvdla.org/primer.html, "Example Area and Performance with NVDLA": synthesized cell area at 28 nm,
all memories included): 2048 MACs / 512 KB = 5.5 mm2 and 64 MACs / 128 KB = 0.91 mm2.

Every other figure is the table's own (45 nm reference x 28nm.yaml's area_scale): the int8 MAC
(318 um2), the SRAM fit (0.58 um2/bit + 2000 um2 periphery per macro), NVDLA's per-PE registers
(Templates/nvdla.yaml: 1 B weight, 4 B accumulator) and the network share (150 um2 per PE).
The other five rows of the table, the 16 nm column and Eyeriss are the validation
(docs/validation/area_validation.sh), not used here.

A third figure, systolic_pe_logic_factor (the PE of a systolic array: the `tpu` template), is fitted
to the only systolic-array area published for a product: TPU v1's Matrix Multiply Unit, 24 % of a
die of at most 331 mm2 at 28 nm (Jouppi et al., ISCA 2017, Table 2 and Fig. 2), i.e. 79.4 mm2 for
65,536 8-bit PEs with the network share. It is fitted, not validated: no second figure exists.
    python3 docs/validation/area_fit.py
"""
import re

def fig(path, key):
    return float(re.search(rf"^{key}:\s*([0-9.]+)", open(path).read(), re.M).group(1))

T = "HardwareModels/technology/"
a28 = fig(T + "28nm.yaml", "area_scale")
bit = fig(T + "45nm.yaml", "sram_um2_per_bit")
periphery = fig(T + "45nm.yaml", "sram_overhead_um2")
noc = fig(T + "45nm.yaml", "noc_um2_per_pe")
mac8 = 318.0   # 45nm.yaml mac bits 8 um2

def sram(nbytes):  # Technology.storageArea, um2 at 45 nm
    return nbytes * 8 * bit + periphery * min(1, nbytes / 4096) if nbytes > 0 else 0

per_pe_fixed = (sram(1) + sram(4) + noc) * a28        # registers + network share, um2 at 28 nm
rows = [(2048, 512, 5.5), (64, 128, 0.91)]            # (MACs, KB, mm2 at 28 nm)
# mm2 = C + N * (f * mac8 * a28 + per_pe_fixed) * 1e-6 + sram(KB) * a28 * 1e-6
(n1, k1, y1), (n2, k2, y2) = rows
r1 = y1 - sram(k1 * 1024) * a28 * 1e-6
r2 = y2 - sram(k2 * 1024) * a28 * 1e-6
per_pe = (r1 - r2) / (n1 - n2) / 1e-6                 # um2 per PE at 28 nm
f = (per_pe - per_pe_fixed) / (mac8 * a28)
C28 = r2 - n2 * per_pe * 1e-6                         # mm2 at 28 nm
print(f"area_scale(28 nm) = {a28}")
print(f"per PE at 28 nm: {per_pe:.1f} um2 (registers + network {per_pe_fixed:.1f})")
print(f"pe_logic_factor = {f:.2f}")
print(f"control at 28 nm = {C28:.4f} mm2 -> control_um2 at 45 nm = {C28 / a28 * 1e6:.0f}")
# The systolic PE: 65,536 PEs (no register files: pipeline registers are in the factor) + network.
mxu = 0.24 * 331                                       # mm2, the floor plan's Matrix Multiply Unit
per_pe_sys = mxu / 65536 / 1e-6                        # um2 per PE at 28 nm
fs = (per_pe_sys - noc * a28) / (mac8 * a28)
print(f"TPU v1 MXU {mxu:.1f} mm2 -> {per_pe_sys:.1f} um2 per PE at 28 nm -> systolic_pe_logic_factor = {fs:.2f}")
