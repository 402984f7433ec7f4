#!/usr/bin/env bash
# Runs the same `duet` command lines with two builds and compares what each prints (stdout, the
# exit status, stderr, and the files a command writes), to check that moving logic out of the CLI
# (issue 20) changed no output. Wall-clock figures (seconds, eval/s) are masked before comparing.
#
#   docs/validation/cli-outputs.sh BEFORE_DUET AFTER_DUET [OUT_DIR]
#
# Exit 0 when every command gives the same output; otherwise the differing commands are listed
# and their diffs are under OUT_DIR (default: a temporary folder). CASES=REGEX runs only the cases
# whose name matches (e.g. CASES='^(table|space)-'). About 30 min for all on a loaded 2-core
# machine with debug builds (solve and explore dominate).
set -u
before=$(readlink -f "$1"); after=$(readlink -f "$2")
out=${3:-$(mktemp -d /tmp/duet-cli-outputs.XXXXXX)}
repo=$(cd "$(dirname "$0")/../.." && pwd)
cd "$repo"
export DUET_HOME="$repo"
mkdir -p "$out"
data=$(ls -d ../shared/data /work/shared/data 2>/dev/null | head -1)
arch='|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|'

# A small table measured file: 40 NB201 networks with their pixel3 latency from the data folder (if present).
head -41 "$data/nb201/latency_pixel3_raspi4.csv" > "$out/measured.csv" 2>/dev/null || true
cat > "$out/explore.yaml" <<YAML
tasks:
  - {name: cifar10, space: nb201, accuracy: proxy:macs}
target: {accelerator: tpu:edge}
budgets: {latency_ms: 0.2}
objectives: [{maximize: accuracy}, {minimize: latency_ms}]
evaluations: 40
population: 20
YAML

# A small hardware space that Z3 proves optimal in seconds (Examples/solve-chip can time out on a
# loaded machine, and a timed-out answer depends on timing).
cat > "$out/chip.yaml" <<YAML
tasks:
  - {name: small, network: $repo/Examples/networks/tiny-cnn.yaml}
  - {name: conv, network: 'layer:conv,k=64,c=32,p=28,q=28,r=3,s=3,stride=1,groups=1'}
target:
  hardware: {subaccelerators: [1, 2], templates: [tpu, eyeriss], pe_rows: [8, 16], pe_cols: [8, 16], global_buffer_kib: [64, 128], dram_gbps: 8}
budgets: {area_mm2: 5}
objectives: [{minimize: latency_ms}]
YAML

# Each case: a name and the arguments; {W} is the case's own scratch folder (written files compared too).
cases=(
  "network-list|network list"
  "network-list-json|network list --format json"
  "network-list-csv|network list --format csv"
  "network-show|network show resnet50"
  "network-show-json|network show layer:conv,k=64,c=64,p=56,q=56,r=3,s=3 --format json"
  "network-show-csv|network show vgg16 --format csv --batch 2"
  "network-export-yaml|network export resnet18"
  "network-export-json|network export Examples/networks/tiny-cnn.yaml --format json --out {W}/net.json"
  "network-export-onnx|network export resnet18 --format onnx --out {W}/net.onnx --seed 3"
  "space-list|space list"
  "space-list-json|space list --format json"
  "space-list-csv|space list --format csv"
  "space-show|space show nb201"
  "space-show-json|space show ofa --format json"
  "space-show-csv|space show fbnet --format csv"
  "space-show-arch|space show nb201 --arch $arch"
  "space-show-arch-json|space show nb201 --arch $arch --format json"
  "space-show-arch-csv|space show nb201 --arch $arch --format csv"
  "space-show-bad|space show nb210"
  "space-show-bad-arch|space show nb201 --arch nope"
  "space-sample|space sample fbnet --count 5 --seed 42"
  "space-sample-json|space sample nb201 --count 4 --seed 1 --format json"
  "space-sample-csv|space sample ofa --count 3 --format csv"
  "template-list|template list"
  "template-list-json|template list --format json"
  "template-list-csv|template list --format csv"
  "template-show|template show tpu"
  "template-show-variant-json|template show tpu:edge --format json"
  "template-show-set|template show eyeriss --set pe_rows=8"
  "template-show-bad|template show tpx"
  "table-generate|table generate --space nb201 --sample 30 --seed 2 --device pixel3 --out {W}/t.csv"
  "table-generate-json|table generate --network resnet18 --network nb201:$arch --device pixel3 --rewrites dead_code --out {W}/t.json"
  "table-generate-bad-res|table generate --space ofa --resolutions 160,x --device pixel3 --out {W}/t.csv"
  "table-check|table check --space nb201 --sample 40 --seed 3 --table Examples/solve-nb201-pixel3/pixel3-lut.json"
  "table-check-json|table check --space nb201 --table Examples/solve-nb201-pixel3/pixel3-lut.json --format json"
  "table-check-csv|table check --space nb201 --sample 60 --seed 9 --table Examples/solve-nb201-pixel3/pixel3-lut.json --format csv"
  "table-predict|table predict --space nb201 --table Examples/solve-nb201-pixel3/pixel3-lut.json --arch $arch"
  "table-predict-explain|table predict --space nb201 --table Examples/solve-nb201-pixel3/pixel3-lut.json --arch $arch --explain"
  "table-predict-archs|table predict --space nb201 --table Examples/solve-nb201-pixel3/pixel3-lut.json --archs $out/measured.csv --arch-column arch_str --latency-column pixel3_latency_ms --format json"
  "table-predict-csv|table predict --space nb201 --table Examples/solve-nb201-pixel3/pixel3-lut.json --archs $out/measured.csv --arch-column arch_str --format csv"
  "table-fit|table fit --space nb201 --measurements $out/measured.csv --arch-column arch_str --latency-column pixel3_latency_ms --train 30 --rewrites dead_code,fold_constants --fusion conv_bn,conv_act,add_act --out {W}/fit.csv --predictions {W}/pred.csv"
  "table-fit-json|table fit --space nb201 --measurements $out/measured.csv --arch-column arch_str --latency-column pixel3_latency_ms --train 30 --device pixel3 --format json"
  "table-convert|table convert Examples/solve-nb201-pixel3/pixel3-lut.json {W}/lut.csv --device pixel3"
  "table-convert-ofa|table convert Examples/solve-nb201-pixel3/pixel3-lut.json {W}/lut.yaml"
  "table-convert-bad|table convert Examples/solve-nb201-pixel3/pixel3-lut.json {W}/lut.txt"
  "predictor-fit|predictor fit --space nb201 --data Examples/data/nb201/accuracy.csv --target cifar10_test_acc --model linear --train 2000 --out {W}/p.json"
  "predictor-fit-json|predictor fit --space nb201 --data $out/measured.csv --target pixel3_latency_ms --model linear --folds 3 --out {W}/p.json --format json"
  "solve|solve Examples/solve-nb201/config.yaml"
  "solve-json|solve Examples/solve-nb201/config.yaml --format json"
  "solve-sweep|solve Examples/solve-nb201/config.yaml --sweep budgets.latency_ms=0.2,0.3"
  "solve-chip|solve $out/chip.yaml --format json"
  "solve-chip-table|solve $out/chip.yaml --timeout 600"
  "explore|explore $out/explore.yaml --seed 4"
  "explore-json|explore $out/explore.yaml --format json --optimizer random"
  "explore-csv|explore $out/explore.yaml --format csv --baseline successive"
)

mask() { sed -E -e "s#$out/[^/]+/(before|after)#W#g" -e 's/[0-9]+\.[0-9]+ s\b/N s/g' -e 's/"([a-z_]*seconds)": [0-9.e+-]+/"\1": N/g' -e 's/[0-9]+ eval\/s/N eval\/s/g' \
                -e 's/fitted in [0-9.]+ s/fitted in N s/' "$1"; }
failed=()
ran=0
for c in "${cases[@]}"; do
  name=${c%%|*}; args=${c#*|}
  [[ $name =~ ${CASES:-.} ]] || continue   # CASES=REGEX runs only the matching cases
  ran=$((ran + 1))
  for side in before after; do
    bin=$before; [ $side = after ] && bin=$after
    w="$out/$name/$side"; rm -rf "$w"; mkdir -p "$w"
    read -r -a argv <<< "${args//\{W\}/$w}"   # no argument holds a space
    "$bin" "${argv[@]}" > "$w.stdout" 2> "$w.stderr" < /dev/null; echo $? > "$w.status"
    for f in stdout stderr; do mask "$w.$f" > "$w.$f.masked"; done
  done
  d="$out/$name.diff"
  { diff "$out/$name/before.status" "$out/$name/after.status"; diff "$out/$name/before.stdout.masked" "$out/$name/after.stdout.masked"
    diff "$out/$name/before.stderr.masked" "$out/$name/after.stderr.masked"; diff -r "$out/$name/before" "$out/$name/after"; } > "$d" 2>&1
  if [ -s "$d" ]; then failed+=("$name"); echo "DIFFERS $name (status $(cat "$out/$name/before.status") -> $(cat "$out/$name/after.status"))"
  else rm "$d"; echo "same    $name (status $(cat "$out/$name/after.status"))"; fi
done
echo "$ran command lines, ${#failed[@]} differ; outputs under $out"
[ ${#failed[@]} -eq 0 ]
