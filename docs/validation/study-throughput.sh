#!/usr/bin/env bash
# Issue 12's coordination-overhead target: trials/s that 4 worker processes with an instant
# evaluator store into a study, Duet (PostgreSQL and SQLite) against Optuna 5's RDBStorage on the
# same PostgreSQL server in the same run. Starts a throwaway PostgreSQL (default durability:
# fsync and synchronous_commit on), runs ROUNDS rounds of the three (each round: Duet PostgreSQL
# as `duet worker` steps, completeAndClaim; Duet PostgreSQL with complete and claim as two calls,
# for comparison; Duet SQLite; Optuna), prints JSON lines, each round's ratio and load average,
# then the median and spread of the ratios, and stops the server.
#   docs/validation/study-throughput.sh   [env: DUET_TRIALS=20000 OPTUNA_TRIALS=2000 WORKERS=4 ROUNDS=3 SKIP_BUILD=1]
# Needs: swift, Debian's postgresql (make deps), python3 (a venv with optuna and psycopg2-binary
# is made in .venv-bench if missing).
set -euo pipefail
cd "$(dirname "$0")/../.."
DUET_TRIALS=${DUET_TRIALS:-20000}; OPTUNA_TRIALS=${OPTUNA_TRIALS:-2000}; WORKERS=${WORKERS:-4}; ROUNDS=${ROUNDS:-3}
[ "${SKIP_BUILD:-}" = 1 ] || swift build -c release --product duet-bench >&2
[ -x .venv-bench/bin/python ] || { python3 -m venv .venv-bench && .venv-bench/bin/pip install -q "optuna>=5,<6" psycopg2-binary >&2; }
dir=$(mktemp -d /tmp/duet-bench-pg.XXXXXX); rmdir "$dir"
url=$(scripts/pg-test-cluster.sh start "$dir")
sqlite_dir=$(mktemp -d)
trap 'scripts/pg-test-cluster.sh stop "$dir"; rm -rf "$sqlite_dir"' EXIT
echo "# $(date -u +%FT%TZ) $(nproc) cores; PostgreSQL $(psql "$url" -Atc 'show server_version') (fsync $(psql "$url" -Atc 'show fsync'), synchronous_commit $(psql "$url" -Atc 'show synchronous_commit')); workers=$WORKERS rounds=$ROUNDS" >&2
rounds=()
for r in $(seq 1 "$ROUNDS"); do
  load_before=$(cut -d' ' -f1 /proc/loadavg)
  duet_pg=$(.build/release/duet-bench study --study "$url?study=bench-$$-$r" --trials "$DUET_TRIALS" --workers "$WORKERS")
  echo "$duet_pg"
  duet_two=$(.build/release/duet-bench study --study "$url?study=bench-$$-$r-two" --trials "$DUET_TRIALS" --workers "$WORKERS" --separate-calls)
  echo "$duet_two"
  duet_sqlite=$(.build/release/duet-bench study --study "$sqlite_dir/bench-$r.sqlite" --trials "$DUET_TRIALS" --workers "$WORKERS")
  echo "$duet_sqlite"
  optuna=$(.venv-bench/bin/python docs/validation/optuna_rdb_throughput.py "${url/postgresql:/postgresql+psycopg2:}" --trials "$OPTUNA_TRIALS" --workers "$WORKERS")
  echo "$optuna"
  load_after=$(cut -d' ' -f1 /proc/loadavg)
  round=$(python3 - "$r" "$load_before" "$load_after" "$duet_pg" "$duet_two" "$duet_sqlite" "$optuna" <<'PY'
import json, sys
r, lb, la = sys.argv[1:4]
pg, two, sq, op = (json.loads(a) for a in sys.argv[4:])
print(json.dumps({"round": int(r), "load_average_1min": [float(lb), float(la)],
                  "duet_postgres_trials_per_s": round(pg["trials_per_second"], 1),
                  "duet_postgres_with_enqueue": round(pg["trials_per_second_with_enqueue"], 1),
                  "duet_postgres_two_calls_with_enqueue": round(two["trials_per_second_with_enqueue"], 1),
                  "duet_sqlite_trials_per_s": round(sq["trials_per_second"], 1),
                  "optuna_rdb_trials_per_s": round(op["trials_per_second"], 1),
                  "ratio_postgres_vs_optuna": round(pg["trials_per_second_with_enqueue"] / op["trials_per_second"], 1),
                  "ratio_two_calls_vs_optuna": round(two["trials_per_second_with_enqueue"] / op["trials_per_second"], 1)}))
PY
)
  echo "$round"
  rounds+=("$round")
done
python3 - "${rounds[@]}" <<'PY'
import json, statistics, sys
rs = [json.loads(a) for a in sys.argv[1:]]
def summary(key):
    v = [r[key] for r in rs]
    return {"median": statistics.median(v), "min": min(v), "max": max(v)}
print(json.dumps({"rounds": len(rs), "ratio_postgres_vs_optuna": summary("ratio_postgres_vs_optuna"),
                  "ratio_two_calls_vs_optuna": summary("ratio_two_calls_vs_optuna"),
                  "duet_postgres_with_enqueue": summary("duet_postgres_with_enqueue"),
                  "optuna_rdb_trials_per_s": summary("optuna_rdb_trials_per_s"),
                  "load_average_1min": [min(min(r["load_average_1min"]) for r in rs), max(max(r["load_average_1min"]) for r in rs)]}))
PY
