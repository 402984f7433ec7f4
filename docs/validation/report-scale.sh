#!/usr/bin/env bash
# Issue 17's report targets: `duet report` on large studies — wall seconds, peak RSS, page size —
# and the time headless Chromium takes to render the page. For each size N a synthetic SQLite
# study is written by `duet-bench report-study` (real designs of Examples/nasaic-two-tasks with
# seeded perturbed metrics, ~1 % failed; see SyntheticStudy), then `duet report` runs under
# /usr/bin/time -v. Prints one JSON line per size.
#   docs/validation/report-scale.sh [SIZES="100000 1000000"] [KEEP=1 keeps the studies in $DIR]
# Needs: swift (release build), /usr/bin/time; chromium for the render time (skipped without it).
set -euo pipefail
cd "$(dirname "$0")/../.."
SIZES=${SIZES:-"100000 1000000"}
BIN=${BIN:-.build/release}   # where duet and duet-bench are (e.g. a --scratch-path build)
DIR=${DIR:-$(mktemp -d /tmp/duet-report-scale.XXXXXX)}
[ "${SKIP_BUILD:-}" = 1 ] || { swift build -c release --product duet-bench >&2 && swift build -c release --product duet >&2; }
echo "# $(date -u +%FT%TZ) $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo); load $(cut -d' ' -f1-3 /proc/loadavg)" >&2
chrome=$(command -v chromium || command -v chromium-browser || true)
render() {  # seconds headless Chromium takes to load and screenshot $1, minus the same for an empty page
  [ -n "$chrome" ] || { echo null; return; }
  local t0 t1 t2
  echo '<!DOCTYPE html><html><body></body></html>' > "$DIR/empty.html"
  t0=$(date +%s.%N); "$chrome" --headless --no-sandbox --disable-gpu --screenshot="$DIR/empty.png" --window-size=1200,1600 "file://$DIR/empty.html" >/dev/null 2>&1
  t1=$(date +%s.%N); "$chrome" --headless --no-sandbox --disable-gpu --screenshot="$DIR/page.png" --window-size=1200,1600 "file://$1" >/dev/null 2>&1
  t2=$(date +%s.%N); python3 -c "print(round(max(0.0, ($t2 - $t1) - ($t1 - $t0)), 2))"
}
for n in $SIZES; do
  study="$DIR/study-$n.sqlite"; out="$DIR/report-$n"
  if [ ! -f "$study" ]; then "$BIN/duet-bench" report-study --study "$study" --trials "$n" > "$DIR/make-$n.json"; fi
  rm -rf "$out"
  /usr/bin/time -v "$BIN/duet" report "$study" --out "$out" > /dev/null 2> "$DIR/time-$n.txt"
  wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,a,":"); s=0; for(i=1;i<=n;i++) s=s*60+a[i]; print s}' "$DIR/time-$n.txt")
  rss=$(awk -F': ' '/Maximum resident set size/ {printf "%.0f", $2/1024}' "$DIR/time-$n.txt")
  page=$(stat -c %s "$out/index.html"); csv=$(stat -c %s "$out/trials.csv")
  echo "{\"trials\": $n, \"report_seconds\": $wall, \"peak_rss_mib\": $rss, \"index_html_bytes\": $page, \"trials_csv_bytes\": $csv, \"chromium_render_seconds\": $(render "$out/index.html")}"
  [ "${KEEP:-}" = 1 ] || rm -f "$study"
done
