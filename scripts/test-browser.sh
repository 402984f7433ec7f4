#!/usr/bin/env bash
# Browser tests of the report and the dashboard (make test-browser): headless Chromium opens the
# static report of a small study and `duet dashboard` on that study, and checks that there are no
# console errors, that every plot (<svg>) has drawn marks, that a trial's detail opens, and that
# the dashboard shows trials added while it runs (`duet study ask` queues 3). Prints the static
# report's open time (target ≤ 1 s).
#
# Installs nothing: needs chromium (make deps-browser installs Debian's chromium) and python3
# (standard library only: scripts/browser_check.py speaks the DevTools protocol itself).
# Env: DUET_BIN (default .build/debug/duet), CHROMIUM (default: chromium on PATH),
#      DUET_BROWSER_EVALUATIONS (default 60).
set -euo pipefail
cd "$(dirname "$0")/.."
chromium=${CHROMIUM:-$(command -v chromium || command -v chromium-browser || true)}
if [ -z "$chromium" ]; then
  echo "error: chromium not found; 'make deps-browser' installs Debian's chromium (about 360 MB installed), or set CHROMIUM=/path/to/chrome" >&2
  exit 1
fi
command -v python3 >/dev/null || { echo "error: python3 not found (make deps installs it)" >&2; exit 1; }
duet=${DUET_BIN:-.build/debug/duet}
[ -x "$duet" ] || { echo "error: $duet is not built; run swift build first (make test-browser does)" >&2; exit 1; }
export CHROMIUM="$chromium"
evals=${DUET_BROWSER_EVALUATIONS:-60}

work=$(mktemp -d /tmp/duet-browser.XXXXXX)
dash_pid=
cleanup() {
  if [ -n "$dash_pid" ]; then kill "$dash_pid" 2>/dev/null || true; wait "$dash_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

# A small co-exploration (MACs proxy accuracy: needs no data files).
cat > "$work/config.yaml" <<YAML
name: browser
tasks:
  - name: cifar10
    space: nb201
    accuracy: proxy:macs
target:
  hardware:
    subaccelerators: [1, 2]
    templates: [tpu, nvdla]
    node_nm: 28
    pe_rows: [8, 32]
    pe_cols: [8, 32]
    global_buffer_kib: [64, 256]
budgets: {latency_ms: 1.0, area_mm2: 4}
objectives: [{maximize: accuracy}, {minimize: latency_ms}]
evaluations: $evals
population: 20
seed: 3
YAML
study="$work/study.sqlite"
echo "== a small study ($evals evaluations) with $duet"
"$duet" explore "$work/config.yaml" --study "$study" > "$work/explore.out" 2> "$work/explore.err" || {
  s=$?; [ $s -le 1 ] || { echo "error: duet explore failed (exit $s):" >&2; cat "$work/explore.err" >&2; exit 1; }; }
"$duet" report "$study" --out "$work/report" > /dev/null
html="$work/report/report.html"; [ -f "$html" ] || html="$work/report/index.html"
[ -f "$html" ] || { echo "error: duet report wrote no report.html/index.html in $work/report" >&2; exit 1; }

status=0
echo "== static report in headless Chromium"
python3 scripts/browser_check.py static "$html" || status=1

echo "== duet dashboard in headless Chromium"
"$duet" dashboard "$study" --port 0 --poll 0.2 --report-every 0.5 2> "$work/dashboard.err" &
dash_pid=$!
url=
for _ in $(seq 1 300); do
  url=$(grep -o 'http://[0-9.]*:[0-9]*/' "$work/dashboard.err" | head -1 || true)
  [ -n "$url" ] && break
  kill -0 "$dash_pid" 2>/dev/null || { echo "error: duet dashboard exited:" >&2; cat "$work/dashboard.err" >&2; exit 1; }
  sleep 0.1
done
[ -n "$url" ] || { echo "error: duet dashboard did not print its address within 30 s" >&2; exit 1; }
python3 scripts/browser_check.py dashboard "${url%/}" --timeout 60 \
  --add "'$duet' study ask '$study' --n 3" || status=1

# A clean shutdown on SIGTERM: the server exits 0 and the study is left as it was (no -wal).
kill -TERM "$dash_pid"
if wait "$dash_pid"; then echo "ok: the dashboard stopped cleanly on SIGTERM"; else echo "FAIL: the dashboard exited $? on SIGTERM"; status=1; fi
dash_pid=
exit $status
