#!/usr/bin/env bash
# Peak (back-to-back) vs average power at a required frame rate (issue 19): ResNet-18 +
# MobileNetV2 on one NVDLA (its published 64x32, 512 KiB, 16 nm design) at 30 fps, and the
# average power recomputed by hand from the per-network figures of the same JSON:
#   P_avg = (E_resnet + E_mobilenet) x 30 + leakage x (1 - 30 x (t_resnet + t_mobilenet)).
#   docs/validation/frame_power.sh [DUET_BINARY]      (default .build/release/duet)
set -euo pipefail
DUET=${1:-.build/release/duet}
dir=$(mktemp -d); trap 'rm -rf "$dir"' EXIT
printf 'budgets: {fps: 30}\n' > "$dir/spec.yaml"
"$DUET" evaluate --network resnet18 --network mobilenet-v2 --accelerator nvdla --spec "$dir/spec.yaml" --format json > "$dir/out.json"
python3 - "$dir/out.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
t = d["totals"]
nets = d["networks"]
E = sum(n["totals"]["energy_pj"] for n in nets)            # pJ per frame of both, leakage while running included
busy = sum(n["totals"]["latency_ms"] for n in nets) * 1e-3  # s
# Leakage power = area x the node's density: 45nm.yaml's leakage_mw_per_mm2 x 16nm.yaml's energy_scale / area_scale.
import re
def fig(f, k): return float(re.search(rf"^{k}:\s*([0-9.]+)", open(f"HardwareModels/technology/{f}").read(), re.M).group(1))
leak_mw = t["area_mm2"] * fig("45nm.yaml", "leakage_mw_per_mm2") * fig("16nm.yaml", "energy_scale") / fig("16nm.yaml", "area_scale")
by_hand = E * 30 * 1e-9 + leak_mw * (1 - 30 * busy)
print(f"makespan {t['latency_ms']:.4f} ms ({t['fps']:.1f} fps back to back)")
print(f"peak power (back to back)  {t['power_mw']:.1f} mW")
print(f"average power at 30 fps    {t['average_power_mw']:.1f} mW  (by hand {by_hand:.1f} mW, leakage {leak_mw:.2f} mW, utilization {30 * busy:.3f})")
PY
