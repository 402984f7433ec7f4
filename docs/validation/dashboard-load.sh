#!/usr/bin/env bash
# Issue 17's dashboard target: 10 browser clients polling `duet dashboard` add ≤ 5 % to the wall
# time of an 8-worker PostgreSQL study. The study: `duet explore --study URL` (itself a worker)
# plus 7 `duet worker`s, one trial at a time each, an accuracy evaluator that sleeps 1 s, 480
# evaluations (population 16, seed 3): about 60 s. Each run starts a fresh study with the same
# seed, alternating "no dashboard" (A) and "dashboard + 10 clients" (B), ROUNDS times (A B A B …);
# prints each run's wall time and the median overhead (median B / median A − 1).
#
# A client does what the page does, twice as often as its default: every 1 s GET /api/status;
# when the study's version moved, GET /api/trials?limit=50; when report_version moved, GET /report
# (10 threads of one Python process, a keep-alive connection each, as browser tabs hold one).
# The dashboard reads the study (counts) at most once a second (--poll 1, its default) and
# re-renders the report at most every 5 s (--report-every 5, its default).
#
#   docs/validation/dashboard-load.sh [ROUNDS=2] [EVALUATIONS=480] [CLIENTS=10]
# Env: DUET (default .build/release/duet, else .build/debug/duet). Needs Debian's postgresql (make deps) and python3.
set -euo pipefail
cd "$(dirname "$0")/../.."
rounds=${1:-2}; evals=${2:-480}; clients=${3:-10}; n=8; pop=16
duet=${DUET:-$( [ -x .build/release/duet ] && echo .build/release/duet || echo .build/debug/duet )}
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

cat > "$work/clients.py" <<'PY'
# CLIENTS polling clients in one process (threads, one keep-alive connection each, as a browser
# tab holds): GET /api/status every second; GET /api/trials?limit=50 when the study's version
# moved; GET /report when report_version moved. Writes the request count to OUT on SIGTERM.
import http.client, json, signal, sys, threading, time
host, port, n, out = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
count = [0] * n
stop = threading.Event()
def client(i):
    conn = http.client.HTTPConnection(host, port, timeout=10)
    v = rv = None
    def get(path):
        nonlocal conn
        try:
            conn.request("GET", path); r = conn.getresponse(); body = r.read(); count[i] += 1; return body
        except Exception:
            conn.close(); conn = http.client.HTTPConnection(host, port, timeout=10); return None
    while not stop.is_set():
        body = get("/api/status")
        if body:
            s = json.loads(body)
            if s["version"] != v: get("/api/trials?limit=50"); v = s["version"]
            if s["report_version"] != rv: get("/report"); rv = s["report_version"]
        stop.wait(1.0)
threads = [threading.Thread(target=client, args=(i,), daemon=True) for i in range(n)]
for t in threads: t.start()
def done(*_):
    stop.set(); open(out, "w").write(str(sum(count))); sys.exit(0)
signal.signal(signal.SIGTERM, done)
while True: time.sleep(1)
PY

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
    local hostport=${addr#http://}
    python3 "$work/clients.py" "${hostport%:*}" "${hostport##*:}" "$clients" "$work/requests" & clientpids+=($!)
  fi
  wait "$explore" || { s=$?; [ $s -le 1 ] || { cat "$work/explore.err" >&2; exit $s; }; }
  end=$(date +%s.%N)
  local requests=0
  if [ "$with" = 1 ]; then
    for p in "${clientpids[@]}"; do kill "$p" 2>/dev/null || true; done
    for p in "${clientpids[@]}"; do wait "$p" 2>/dev/null || true; done
    requests=$(cat "$work/requests" 2>/dev/null || echo 0)
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
