#!/usr/bin/env bash
# End-to-end test of Examples/slurm on a real one-node Slurm (make test-cluster):
#   1. a throwaway PostgreSQL (scripts/pg-test-cluster.sh) and a local Slurm (scripts/slurm-local.sh);
#   2. `duet explore CONFIG --study postgresql://…?study=slurm` in the background creates the study
#      (it is held with SIGSTOP until the worker array runs, so the workers certainly share the work);
#   3. Examples/slurm/duet-workers.sbatch submitted as a 4-task array: four `duet worker`s join;
#   4. checks: explore and every array task succeeded, the workers evaluated trials, the study holds
#      exactly EVALUATIONS trials, all complete, none duplicated, and the trials equal those of one
#      process alone with the same seed (`duet study export` CSVs, without the timing column).
# PostgreSQL and Slurm are stopped at exit whatever happens; every wait is bounded.
#
# Environment: DUET (binary; default .build/release/duet), CLUSTER_CONFIG (default
# Examples/nasaic-two-tasks/config.yaml), CLUSTER_EVALUATIONS (200), CLUSTER_POPULATION (20),
# CLUSTER_SEED (7), CLUSTER_TIMEOUT (seconds for the study to finish; 600), KEEP=1 keeps the scratch folder.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
duet=${DUET:-$root/.build/release/duet}
config=${CLUSTER_CONFIG:-Examples/nasaic-two-tasks/config.yaml}
evals=${CLUSTER_EVALUATIONS:-200}; pop=${CLUSTER_POPULATION:-20}; seed=${CLUSTER_SEED:-7}
limit=${CLUSTER_TIMEOUT:-600}
[ -x "$duet" ] || { echo "error: $duet not found; build it (swift build -c release --product duet) or set DUET" >&2; exit 1; }
case "$duet" in /*) ;; *) duet="$root/$duet" ;; esac

work=$(mktemp -d /tmp/duet-test-cluster.XXXXXX); chmod 755 "$work"
pg="$work/pg"; slurm="$work/slurm"; explore_pid=""; ok=0; t0=$SECONDS
say() { printf 'test-cluster [%3ds] %s\n' $((SECONDS - t0)) "$*"; }
fail() { echo "test-cluster: FAIL: $*" >&2; exit 1; }
cleanup() {
  local rc=$?
  set +e
  if [ -n "$explore_pid" ] && kill -0 "$explore_pid" 2>/dev/null; then kill -CONT "$explore_pid"; kill "$explore_pid"; wait "$explore_pid" 2>/dev/null; fi
  if [ $ok != 1 ]; then
    for f in "$work"/explore.log "$work"/worker-*.out; do [ -f "$f" ] && { echo "== $f" >&2; tail -15 "$f" >&2; }; done
    [ -f "$slurm/log/slurmctld.log" ] && { echo "== slurmctld.log" >&2; tail -10 "$slurm/log/slurmctld.log" >&2; }
  fi
  timeout 60 scripts/slurm-local.sh stop "$slurm"
  timeout 60 scripts/pg-test-cluster.sh stop "$pg"
  if [ "${KEEP:-}" = 1 ]; then echo "test-cluster: kept $work" >&2; else rm -rf "$work"; fi
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

say "PostgreSQL"
url=$(PG_OPTIONS="-c fsync=off -c synchronous_commit=off" timeout 90 scripts/pg-test-cluster.sh start "$pg") \
  || fail "the throwaway PostgreSQL did not start"
# The password travels in PGPASSWORD (inherited by the Slurm jobs), never on a command line.
export PGPASSWORD=duet-test
study="${url/duet:duet-test@/duet@}?study=slurm"

say "Slurm (slurmctld, slurmd, munged)"
conf=$(SLURM_START_TIMEOUT=60 timeout 900 scripts/slurm-local.sh start "$slurm") || fail "the local Slurm cluster did not start"
eval "$conf"   # export SLURM_CONF=…
timeout 15 sinfo -h -o '%P %a %D %T' | sed 's/^/  sinfo: /'

say "explore $config --evaluations $evals --set population=$pop --seed $seed (background)"
"$duet" explore "$config" --study "$study" --evaluations "$evals" --set "population=$pop" --seed "$seed" \
  --worker-concurrency 1 --format csv > "$work/explore.log" 2>&1 &
explore_pid=$!
deadline=$((SECONDS + 120))
# Ready when the study holds its configuration and its first generation is queued.
until show=$(timeout 20 "$duet" study show "$study" 2>/dev/null) && grep -q '^config_path:' <<<"$show" \
      && grep -qE '^trials: .*[1-9][0-9]* (pending|complete)' <<<"$show"; do
  kill -0 "$explore_pid" 2>/dev/null || fail "duet explore exited before the study was created"
  [ $SECONDS -lt $deadline ] || fail "the study did not appear within 120 s"
  sleep 0.5
done
kill -STOP "$explore_pid"   # hold it until the workers run (well within its 60 s lease)

say "sbatch --array=1-4 Examples/slurm/duet-workers.sbatch"
export DUET="$duet" DUET_STUDY_URL="$study" DUET_IDLE_EXIT=60
jid=$(timeout 30 sbatch --parsable --array=1-4 --output="$work/worker-%A_%a.out" Examples/slurm/duet-workers.sbatch) \
  || fail "sbatch refused the job"
jid=${jid%%;*}
deadline=$((SECONDS + 60))
until [ "$(timeout 15 squeue -h -j "$jid" -t RUNNING -o %i 2>/dev/null | wc -l)" -ge 4 ] \
      || [ -z "$(timeout 15 squeue -h -j "$jid" -o %i 2>/dev/null)" ]; do
  [ $SECONDS -lt $deadline ] || { kill -CONT "$explore_pid"; fail "the array's 4 tasks did not all run within 60 s"; }
  sleep 0.5
done
sleep 2   # the workers open the study and claim
kill -CONT "$explore_pid"
say "job $jid: 4 workers running; waiting for the study (at most $limit s)"

deadline=$((SECONDS + limit))
while [ -n "$(timeout 15 squeue -h -j "$jid" -o %i 2>/dev/null)" ]; do
  [ $SECONDS -lt $deadline ] || fail "the worker array did not finish within $limit s"
  sleep 1
done
while kill -0 "$explore_pid" 2>/dev/null; do
  [ $SECONDS -lt $deadline ] || fail "duet explore did not finish within $limit s"
  sleep 0.5
done
set +e; wait "$explore_pid"; explore_rc=$?; set -e; explore_pid=""
# 1: no design met every budget (explore's contract); anything above is an error.
[ $explore_rc -le 1 ] || fail "duet explore exited with $explore_rc"
say "array and explore finished"

# Every array task ran a worker to its end.
here=0
for t in 1 2 3 4; do
  f="$work/worker-${jid}_$t.out"
  [ -f "$f" ] || fail "array task $t left no output ($f)"
  line=$(grep -E '^worker .*: [0-9]+ trials evaluated here' "$f") || fail "array task $t did not finish its worker: $(tail -3 "$f")"
  n=$(sed -E 's/.*: ([0-9]+) trials evaluated here.*/\1/' <<<"$line")
  echo "  task $t: $line"
  here=$((here + n))
done
[ $here -gt 0 ] || fail "the 4 Slurm workers evaluated no trial (explore did them all)"

say "single process, same seed"
"$duet" explore "$config" --study "$work/alone.sqlite" --evaluations "$evals" --set "population=$pop" --seed "$seed" \
  --format csv > "$work/alone.log" 2>&1 || [ $? -le 1 ] || fail "the single-process explore failed: $(tail -3 "$work/alone.log")"

timeout 60 "$duet" study show "$study" | sed 's/^/  study: /'
timeout 60 "$duet" study export "$study" --format csv --out "$work/cluster.csv"
timeout 60 "$duet" study export "$work/alone.sqlite" --format csv --out "$work/alone.csv"
python3 - "$work/cluster.csv" "$work/alone.csv" "$evals" "$here" <<'EOF'
import csv, sys
cluster_path, alone_path, evals, workers_did = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
IGNORED = {"seconds", "worker", "host", "started", "finished", "claimed_by", "heartbeat"}  # timing and who ran it

def load(path):
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    keep = [c for c in (rows[0].keys() if rows else []) if c not in IGNORED]
    return rows, {(int(r["generation"]), int(r["slot"])): tuple(r[c] for c in keep) for r in rows}, keep

rows, cluster, cols = load(cluster_path)
alone_rows, alone, alone_cols = load(alone_path)
errors = []
if len(rows) != evals: errors.append(f"the study holds {len(rows)} trials, not {evals}")
if len(cluster) != len(rows): errors.append(f"{len(rows) - len(cluster)} duplicated (generation, slot) rows")
bad = [r for r in rows if r["status"] != "complete"]
if bad: errors.append(f"{len(bad)} trials not complete: {sorted({r['status'] for r in bad})}")
if cols != alone_cols: errors.append(f"columns differ: {cols} vs {alone_cols}")
if len(alone_rows) != evals: errors.append(f"the single-process study holds {len(alone_rows)} trials, not {evals}")
diff = [k for k in sorted(set(cluster) | set(alone)) if cluster.get(k) != alone.get(k)]
if diff: errors.append(f"{len(diff)} trials differ from the single-process run, first (generation, slot) {diff[:5]}")
if errors:
    print("test-cluster: FAIL: " + "; ".join(errors), file=sys.stderr); sys.exit(1)
print(f"  {len(rows)} trials, all complete, none duplicated, {workers_did} evaluated by the Slurm workers; "
      f"equal to the single-process study row for row ({len(cols)} columns compared, timing ignored)")
EOF
ok=1
say "PASS"
