#!/usr/bin/env bash
# Issue 12's coordination-overhead target: trials/s that 4 worker processes with an instant
# evaluator store into a study, Duet (PostgreSQL and SQLite) against Optuna 5's RDBStorage on the
# same PostgreSQL server in the same run. Starts a throwaway PostgreSQL (default durability:
# fsync and synchronous_commit on), runs the three, prints JSON lines and the ratio, stops it.
#   docs/validation/study-throughput.sh [DUET_TRIALS=20000] [OPTUNA_TRIALS=2000] [WORKERS=4]
# Needs: swift, Debian's postgresql (make deps), python3 (a venv with optuna and psycopg2-binary
# is made in .venv-bench if missing).
set -euo pipefail
cd "$(dirname "$0")/../.."
DUET_TRIALS=${DUET_TRIALS:-20000}; OPTUNA_TRIALS=${OPTUNA_TRIALS:-2000}; WORKERS=${WORKERS:-4}
swift build -c release --product duet-bench >&2
[ -x .venv-bench/bin/python ] || { python3 -m venv .venv-bench && .venv-bench/bin/pip install -q "optuna>=5,<6" psycopg2-binary >&2; }
dir=$(mktemp -d /tmp/duet-bench-pg.XXXXXX); rmdir "$dir"
url=$(scripts/pg-test-cluster.sh start "$dir")
trap 'scripts/pg-test-cluster.sh stop "$dir"' EXIT
sqlite=$(mktemp -d)/bench.sqlite
echo "# $(date -u +%FT%TZ) $(nproc) cores; PostgreSQL $(psql "$url" -Atc 'show server_version'); workers=$WORKERS" >&2
duet_pg=$(.build/release/duet-bench study --study "$url?study=bench-$$" --trials "$DUET_TRIALS" --workers "$WORKERS")
echo "$duet_pg"
duet_sqlite=$(.build/release/duet-bench study --study "$sqlite" --trials "$DUET_TRIALS" --workers "$WORKERS")
echo "$duet_sqlite"
optuna=$(.venv-bench/bin/python docs/validation/optuna_rdb_throughput.py "${url/postgresql:/postgresql+psycopg2:}" --trials "$OPTUNA_TRIALS" --workers "$WORKERS")
echo "$optuna"
python3 - "$duet_pg" "$duet_sqlite" "$optuna" <<'PY'
import json, sys
pg, sq, op = (json.loads(a) for a in sys.argv[1:])
print(json.dumps({"duet_postgres_trials_per_s": round(pg["trials_per_second"], 1),
                  "duet_postgres_with_enqueue": round(pg["trials_per_second_with_enqueue"], 1),
                  "duet_sqlite_trials_per_s": round(sq["trials_per_second"], 1),
                  "optuna_rdb_trials_per_s": round(op["trials_per_second"], 1),
                  "ratio_postgres_vs_optuna": round(pg["trials_per_second_with_enqueue"] / op["trials_per_second"], 1)}))
PY
