#!/usr/bin/env bash
# Issue 17's dashboard target: 10 browser clients polling `duet dashboard` add ≤ 5 % to the wall
# time of an 8-worker PostgreSQL study. The study: `duet explore --study URL` (itself a worker)
# plus 7 `duet worker`s, one trial at a time each, an accuracy evaluator that sleeps 1 s, 480
# evaluations (population 16, seed 3): about 60 s. Each run starts a fresh study with the same
# seed, alternating "no dashboard" (A) and "dashboard + 10 clients" (B), ROUNDS times (A B A B …);
# prints each run's wall time and the median overhead (median B / median A − 1).
#
# A client does what the page does, twice as often as its default: every 1 s GET /api/status;
# when the study's version moved, GET /api/trials?limit=50; when report_version moved, GET /report.
# The dashboard reads the study (counts) at most once a second (--poll 1, its default) and
# re-renders the report at most every 5 s (--report-every 5, its default).
#
#   docs/validation/dashboard-load.sh [ROUNDS=2] [EVALUATIONS=480] [CLIENTS=10]
# Env: DUET (default .build/release/duet, else .build/debug/duet). Needs Debian's postgresql (make deps), curl.
set -euo pipefail
cd "$(dirname "$0")/../.."
rounds=${1:-2}; evals=${2:-480}; clients=${3:-10}; n=8; pop=16
duet=${DUET:-$( [ -x .build/release/duet ] && echo .build/release/duet || echo .build/debug/duet )}
command -v curl >/dev/null || { echo "error: curl not found" >&2; exit 1; }
work=$(mktemp -d /tmp/duet-dashload.XXXXXX); chmod 755 "$work"
pg="$work/pg"
cleanup() { jobs -p | xargs -r kill 2>/dev/null || true; scripts/pg-test-cluster.sh stop "$pg" >/dev/null 2>&1 || true; rm -rf "$work"; }
trap cleanup EXIT
base=$(scripts/pg-test-cluster.sh start "$pg")

cat > "$work/sleepy.sh" <<'SH'
#!/bin/sh
# Reads the design JSON, sleeps 1 s, answers an accuracy derived from the design.
input=$(cat)
h=$(printf '%s' "$input" | cksum | cut -d' ' -f1)
sleep 1
echo "{\"accuracy\": $((h % 97))}"
SH
chmod +x "$work/sleepy.sh"
cat > "$work/config.yaml" <<YAML
name: dashload
tasks:
  - name: cifar10
    space: nb201
    accuracy: {command: "$work/sleepy.sh", timeout_s: 60}
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
population: $pop
seed: 3
workers: 1
YAML

cat > "$work/client.sh" <<'SH'
#!/bin/sh
# One polling client: status every second; the trial table and the report when they changed.
base=$1; v=-1; rv=-1; requests=0
while :; do
  s=$(curl -s --max-time 10 "$base/api/status") || { sleep 1; continue; }
  requests=$((requests + 1))
  nv=$(printf '%s' "$s" | sed -n 's/.*"version":\([0-9]*\).*"report_version".*/\1/p')
  nrv=$(printf '%s' "$s" | sed -n 's/.*"report_version":\([0-9]*\).*/\1/p')
  if [ -n "$nv" ] && [ "$nv" != "$v" ]; then curl -s --max-time 10 -o /dev/null "$base/api/trials?limit=50"; v=$nv; requests=$((requests + 1)); fi
  if [ -n "$nrv" ] && [ "$nrv" != "$rv" ]; then curl -s --max-time 10 -o /dev/null "$base/report"; rv=$nrv; requests=$((requests + 1)); fi
  echo "$requests" > "$2"
  sleep 1
done
SH
chmod +x "$work/client.sh"

# One study run; $1 = label, $2 = with dashboard (1) or not (0). Prints "label wall_s trials requests".
run() {
  local label=$1 with=$2 url="$base?study=load$RANDOM$RANDOM" dash= start end
  start=$(date +%s.%N)
  "$duet" explore "$work/config.yaml" --study "$url" --worker-concurrency 1 --format json > "$work/explore.out" 2> "$work/explore.err" &
  local explore=$!
  until "$duet" study show "$url" >/dev/null 2>&1; do
    kill -0 "$explore" 2>/dev/null || { echo "error: duet explore ended before creating the study:" >&2; cat "$work/explore.err" >&2; exit 1; }
    sleep 0.05
  done
  local workers=()
  for k in $(seq 2 "$n"); do "$duet" worker "$url" --idle-exit 5 > /dev/null 2> "$work/w$k.err" & workers+=($!); done
  local clientpids=()
  if [ "$with" = 1 ]; then
    "$duet" dashboard "$url" --port 0 2> "$work/dash.err" & dash=$!
    local addr=
    for _ in $(seq 1 200); do addr=$(grep -o 'http://[0-9.]*:[0-9]*' "$work/dash.err" | head -1 || true); [ -n "$addr" ] && break; sleep 0.05; done
    [ -n "$addr" ] || { echo "error: the dashboard did not start:" >&2; cat "$work/dash.err" >&2; exit 1; }
    for c in $(seq 1 "$clients"); do "$work/client.sh" "$addr" "$work/req$c" & clientpids+=($!); done
  fi
  wait "$explore" || { s=$?; [ $s -le 1 ] || { cat "$work/explore.err" >&2; exit $s; }; }
  end=$(date +%s.%N)
  local requests=0
  if [ "$with" = 1 ]; then
    for p in "${clientpids[@]}"; do kill "$p" 2>/dev/null || true; done
    for c in $(seq 1 "$clients"); do requests=$((requests + $(cat "$work/req$c" 2>/dev/null || echo 0))); done
    kill -INT "$dash"; wait "$dash" || { echo "error: the dashboard did not exit 0 on SIGINT" >&2; exit 1; }
  fi
  for p in "${workers[@]}"; do wait "$p" || true; done
  local trials
  "$duet" study export "$url" --format csv --out "$work/trials.csv"
  trials=$(python3 -c 'import csv,sys; print(sum(r["status"] in ("complete","failed") for r in csv.DictReader(open(sys.argv[1]))))' "$work/trials.csv")
  awk -v l="$label" -v s="$start" -v e="$end" -v t="$trials" -v q="$requests" 'BEGIN { printf "%s %.2f %s %s\n", l, e - s, t, q }'
}

echo "# duet: $duet; $n workers, $evals evaluations (1 s each), $clients clients; $(nproc) cores"
echo "# run wall_s finished_trials client_requests"
results=()
for r in $(seq 1 "$rounds"); do
  results+=("$(run A 0)"); echo "${results[-1]}"
  results+=("$(run B 1)"); echo "${results[-1]}"
done
printf '%s\n' "${results[@]}" | python3 -c '
import statistics, sys
rows = [l.split() for l in sys.stdin if l.strip()]
a = [float(r[1]) for r in rows if r[0] == "A"]; b = [float(r[1]) for r in rows if r[0] == "B"]
ma, mb = statistics.median(a), statistics.median(b)
print(f"median wall: without dashboard {ma:.2f} s, with dashboard + clients {mb:.2f} s; overhead {100 * (mb / ma - 1):+.1f} % (target <= +5 %)")
'
