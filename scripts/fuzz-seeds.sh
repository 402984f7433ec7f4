#!/bin/bash
# Seeds a libFuzzer corpus folder for one fuzz target (make fuzz) from the repository's own
# valid and invalid inputs: examples, templates, device models, the robustness corpus, fixtures.
# usage: scripts/fuzz-seeds.sh TARGET DIR
set -e
target=$1; dir=$2
mkdir -p "$dir"
copy() { for f in "$@"; do [ -f "$f" ] && cp "$f" "$dir/seed-$(echo "$f" | tr '/' '_')"; done; true; }
R=Tests/duetTests/Robustness/inputs
case $target in
  FuzzConfig)  copy Examples/*/config.yaml Examples/*/*.yaml Templates/*.yaml HardwareModels/devices/*.yaml \
                    HardwareModels/technology/*.yaml $R/config/* $R/accelerator/* ;;
  FuzzNetwork) copy Examples/networks/*.yaml $R/network/* ;;
  FuzzTable)   copy Examples/*/*.json $R/table/* ; ls ../shared/data/luts/* 2>/dev/null | head -5 | while read f; do copy "$f"; done ;;
  FuzzONNX)    copy docs/validation/onnx/fixtures/*.onnx $R/onnx/* ;;
esac
