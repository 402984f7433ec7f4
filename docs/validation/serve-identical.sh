#!/usr/bin/env bash
# Two builds of `duet serve` answer the same requests byte for byte (the speed work of issue 18
# must change no number and no chosen mapping).
#
#   docs/validation/serve-identical.sh BEFORE_DIR AFTER_DIR [LAYERS]
#
# Sends both servers the same seeded request lines: LAYERS (default 3,000) random conv layers
# (groups, strides, batch) with full per-layer rows (so every chosen mapping is compared) on five
# accelerators with the three mapping objectives and two buffer sizes, 200 NAS-Bench-201 networks
# (full and totals only), nasaic-two-tasks config points, and malformed requests; compares the
# response streams with cmp. KEEP=1 keeps the requests and responses (the folder is printed).
set -euo pipefail
before=${1:?usage: serve-identical.sh BEFORE_DIR AFTER_DIR [LAYERS]}
after=${2:?usage: serve-identical.sh BEFORE_DIR AFTER_DIR [LAYERS]}
layers=${3:-3000}
cd "$(dirname "$0")/../.."
out=$(mktemp -d)
[ -n "${KEEP:-}" ] || trap 'rm -rf "$out"' EXIT
python3 - "$layers" > "$out/requests.jsonl" <<'PY'
import json, random, sys
rng = random.Random(18)
n = int(sys.argv[1])
accs = ["eyeriss", "tpu:edge", "nvdla:nv_small", "shidiannao", "tpu"]
designs = []
for i in range(n):
    g = rng.choice([1, 1, 1, 2, 4])
    k, c = rng.choice([8, 16, 24, 64, 96, 256, 512]) * g, rng.choice([3, 16, 32, 64, 128]) * g
    p, r, s = rng.choice([1, 7, 14, 28, 56, 112]), rng.choice([1, 3, 5, 7]), rng.choice([1, 2])
    d = {"network": f"layer:conv,k={k},c={c},p={p},q={p},r={r},s={r},stride={s},groups={g},n={rng.choice([1, 1, 4])}",
         "accelerator": accs[i % len(accs)], "objective": ["latency", "energy", "edp"][(i // len(accs)) % 3]}
    if i % 4 == 0:
        d["set"] = {"global_buffer_kib": 64 if d["accelerator"] != "eyeriss" else 54}
    designs.append(d)
for start in range(0, len(designs), 250):
    print(json.dumps({"jsonrpc": "2.0", "id": start, "method": "evaluate", "params": {"designs": designs[start:start + 250]}}))
ops = ["none", "skip_connect", "nor_conv_1x1", "nor_conv_3x3", "avg_pool_3x3"]
def arch():
    e = [rng.choice(ops) for _ in range(6)]
    return f"|{e[0]}~0|+|{e[1]}~0|{e[2]}~1|+|{e[3]}~0|{e[4]}~1|{e[5]}~2|"
nets = [{"network": "nb201:" + arch(), "accelerator": rng.choice(accs), "layers": i % 2 == 0} for i in range(200)]
print(json.dumps({"jsonrpc": "2.0", "id": "nb201", "method": "evaluate", "params": {"designs": nets}}))
print(json.dumps({"jsonrpc": "2.0", "id": "s", "method": "sample", "params": {"config": "Examples/nasaic-two-tasks/config.yaml", "n": 3}}))
print(json.dumps([{"jsonrpc": "2.0", "id": 1, "method": "evaluate", "params": {"network": "resnet18", "accelerator": "eyeriss",
                   "set": {"activation_residency": True}}}, {"jsonrpc": "2.0", "id": 2, "method": "nope"}, {"jsonrpc": "2.0", "method": "space"}]))
print("{not json")
print(json.dumps({"jsonrpc": "2.0", "id": "end", "method": "shutdown"}))
PY
"$before/duet" serve < "$out/requests.jsonl" > "$out/before.jsonl"
"$after/duet" serve < "$out/requests.jsonl" > "$out/after.jsonl"
echo "$(wc -l < "$out/requests.jsonl") request lines, $(wc -c < "$out/after.jsonl") bytes of responses, $(grep -o "\"mapping\":" "$out/after.jsonl" | wc -l) layer mappings, $(grep -o "\"error\":" "$out/after.jsonl" | wc -l) error objects (in $out)"
if cmp "$out/before.jsonl" "$out/after.jsonl"; then echo "identical"; else echo "DIFFERENT"; exit 1; fi
