#!/usr/bin/env bash
# The README's image of the report: the demo's study (make demo: Examples/nasaic-two-tasks with
# the successive baseline, seed 1) reported, then the top of index.html rendered by headless
# Chromium at 1200×1600 CSS pixels and scaled by 0.75 to keep the PNG small.
#   docs/validation/report-screenshot.sh [STUDY=out/demo/study.sqlite]
# Needs: a release build (make demo makes one and the study), chromium (apt-get install -y chromium).
set -euo pipefail
cd "$(dirname "$0")/../.."
STUDY=${STUDY:-out/demo/study.sqlite}
BIN=${BIN:-.build/release}
[ -f "$STUDY" ] || make demo
out=$(mktemp -d)
"$BIN/duet" report "$STUDY" --out "$out"
chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --force-device-scale-factor=0.75 \
  --window-size=1200,1600 --screenshot=docs/images/report.png "file://$out/index.html" 2>/dev/null
ls -l docs/images/report.png
