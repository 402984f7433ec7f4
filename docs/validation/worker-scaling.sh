#!/usr/bin/env bash
# Issue 12's scaling figure: N processes on one PostgreSQL study (duet explore --study URL, which
# is itself a worker, plus N-1 `duet worker`s, one trial at a time each) with an accuracy evaluator
# that sleeps — 1 s for every design ("fixed"), or lognormal with median 1 s and a 10x spread
# between the 5th and 95th percentiles ("lognormal", sigma = ln(10)/3.29, seeded by the design so
# every run sleeps the same). Prints trials/s and the workers' busy share
# (sum of trial seconds / (N x wall)): what the generation barrier of `scheduling: deterministic`
# costs, and what `scheduling: async` (steady-state NSGA-II, no barrier) gives back.
#
#   docs/validation/worker-scaling.sh [fixed|lognormal] [N=8] [EVALUATIONS=64] [POPULATION=16] [deterministic|async|both]
# `both` (the default) runs deterministic then async on the same server, one after the other.
# Env: DUET (default .build/release/duet, else .build/debug/duet). Needs Debian's postgresql (make deps).
set -euo pipefail
cd "$(dirname "$0")/../.."
mode=${1:-fixed}; n=${2:-8}; evals=${3:-64}; pop=${4:-16}; which=${5:-both}
duet=${DUET:-$( [ -x .build/release/duet ] && echo .build/release/duet || echo .build/debug/duet )}
work=$(mktemp -d /tmp/duet-scaling.XXXXXX); chmod 755 "$work"
pg="$work/pg"
cleanup() { jobs -p | xargs -r kill 2>/dev/null || true; scripts/pg-test-cluster.sh stop "$pg" >/dev/null 2>&1 || true; rm -rf "$work"; }
trap cleanup EXIT
base=$(scripts/pg-test-cluster.sh start "$pg")

cat > "$work/sleepy.sh" <<'SH'
#!/bin/sh
# Reads the design JSON, sleeps, answers an accuracy derived from the design.
input=$(cat)
h=$(printf '%s' "$input" | cksum | cut -d' ' -f1)
if [ "$MODE" = lognormal ]; then
  t=$(awk -v s="$h" 'BEGIN { srand(s); u1 = rand(); u2 = rand(); if (u1 < 1e-12) u1 = 1e-12;
        z = sqrt(-2 * log(u1)) * cos(6.283185307179586 * u2); printf "%.3f", exp(z * log(10) / 3.29) }')
else t=1; fi
sleep "$t"
echo "{\"accuracy\": $((h % 97))}"
SH
chmod +x "$work/sleepy.sh"

run_one() {
  local sched=$1
  local url="$base?study=scaling_$sched"
  cat > "$work/config-$sched.yaml" <<YAML
name: scaling
tasks:
  - name: cifar10
    space: nb201
    accuracy: {command: "MODE=$mode $work/sleepy.sh", timeout_s: 60}
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
scheduling: $sched
YAML
  local start end explore k
  start=$(date +%s.%N)
  "$duet" explore "$work/config-$sched.yaml" --study "$url" --worker-concurrency 1 --format json > "$work/explore-$sched.out" 2> "$work/explore-$sched.err" &
  explore=$!
  until "$duet" study show "$url" >/dev/null 2>&1; do   # the study exists: workers may join
    kill -0 "$explore" 2>/dev/null || { echo "error: duet explore ended before creating the study:" >&2; cat "$work/explore-$sched.err" >&2; exit 1; }
    sleep 0.05
  done
  local pids=()
  for k in $(seq 2 "$n"); do "$duet" worker "$url" --idle-exit 5 > "$work/w$k-$sched.out" 2> "$work/w$k-$sched.err" & pids+=($!); done
  wait "$explore" || { s=$?; [ $s -le 1 ] || { cat "$work/explore-$sched.err" >&2; exit $s; }; }
  end=$(date +%s.%N)
  wait "${pids[@]}" || true
  "$duet" study export "$url" --format csv --out "$work/trials-$sched.csv"
  python3 - "$work/trials-$sched.csv" "$start" "$end" "$n" "$mode" "$sched" <<'PY'
import csv, sys
path, start, end, n, mode, sched = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4]), sys.argv[5], sys.argv[6]
rows = list(csv.DictReader(open(path)))
done = [r for r in rows if r["status"] in ("complete", "failed")]
busy = sum(float(r["seconds"]) for r in done)
wall = end - start
print(f"mode={mode} scheduling={sched} workers={n} trials={len(done)} wall_s={wall:.2f} trials_per_s={len(done) / wall:.2f} "
      f"busy_share={busy / (n * wall):.3f} mean_trial_s={busy / max(1, len(done)):.3f}")
PY
}

case "$which" in
  both) run_one deterministic; run_one async ;;
  deterministic|async) run_one "$which" ;;
  *) echo "error: the 5th argument is deterministic, async or both (got '$which')" >&2; exit 2 ;;
esac
