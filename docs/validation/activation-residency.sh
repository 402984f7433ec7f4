#!/usr/bin/env bash
# Inter-layer activation residency (issue 19, item 5): DRAM traffic and energy of ResNet-18 and
# MobileNetV2 on the eyeriss-sizing example's best chip, layer at a time vs activation_residency.
# The chip is the first best feasible design of `duet explore Examples/eyeriss-sizing/config.yaml`
# (seed 1), written out by `duet study design`. Usage: docs/validation/activation-residency.sh
# [DUET=path/to/duet]
set -euo pipefail
cd "$(dirname "$0")/../.."
DUET=${DUET:-$( [ -x .build/release/duet ] && echo .build/release/duet || echo .build/debug/duet )}
DUET=$(realpath "$DUET")
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
"$DUET" explore Examples/eyeriss-sizing/config.yaml --study "$work/s.sqlite" > "$work/explore.log"
trial=$("$DUET" study show "$work/s.sqlite" | awk '/^  trial /{sub(":", "", $2); print $2; exit}')
"$DUET" study design "$work/s.sqlite" --trial "$trial" --out "$work/design" > /dev/null
cd "$work/design"
nets=(--network networks/resnet18.yaml --network networks/mobilenet.yaml)
"$DUET" evaluate "${nets[@]}" --accelerator accelerator.yaml --format json > "$work/off.json"
"$DUET" evaluate "${nets[@]}" --accelerator accelerator.yaml --set activation_residency=true --format json > "$work/on.json"
python3 - "$work/off.json" "$work/on.json" "$trial" <<'PY'
import json, sys
off, on = (json.load(open(p)) for p in sys.argv[1:3])
chip = off["accelerator"]
print(f"chip (trial {sys.argv[3]} of eyeriss-sizing, seed 1): " + " + ".join(
    f"{s['template']} {s['pe_rows']}x{s['pe_cols']} {s['global_buffer_kib']:g} KiB" for s in chip["subaccelerators"]))
print(f"{'network':<10} {'DRAM off MB':>11} {'DRAM on MB':>10} {'drop':>6} {'kept/acts MB':>13} {'kept share':>10} "
      f"{'E_dram off mJ':>13} {'E_dram on mJ':>12} {'E off mJ':>8} {'E on mJ':>8} {'E drop':>6} {'lat off ms':>10} {'lat on ms':>9}")
for a, b in zip(off["networks"], on["networks"]):
    ta, tb = a["totals"], b["totals"]
    act = b["activations"]
    acts = act["kept_bytes"] + act["dram_bytes"]
    print(f"{a['name']:<10} {ta['dram_bytes']/1e6:>11.3f} {tb['dram_bytes']/1e6:>10.3f} {1-tb['dram_bytes']/ta['dram_bytes']:>6.1%} "
          f"{act['kept_bytes']/1e6:>6.2f}/{acts/1e6:<6.2f} {act['kept_bytes']/acts:>10.1%} "
          f"{ta['energy_breakdown_pj']['dram']/1e9:>13.3f} {tb['energy_breakdown_pj']['dram']/1e9:>12.3f} "
          f"{ta['energy_pj']/1e9:>8.3f} {tb['energy_pj']/1e9:>8.3f} {1-tb['energy_pj']/ta['energy_pj']:>6.1%} "
          f"{ta['latency_ms']:>10.3f} {tb['latency_ms']:>9.3f}")
    print(f"{'':<10} kept on chip: {act['kept_on_chip']} layer outputs; to DRAM: {len(act['to_dram'])}")
print(f"chip: energy {off['totals']['energy_pj']/1e9:.3f} -> {on['totals']['energy_pj']/1e9:.3f} mJ, "
      f"makespan {off['totals']['latency_ms']:.3f} -> {on['totals']['latency_ms']:.3f} ms")
PY
