#!/usr/bin/env bash
# Issue 12/16: bad PostgreSQL study locations give exit 2 quickly, naming host:port and a fix.
# Starts a throwaway server, runs `duet study show` on a wrong password, a closed port, a missing
# database, sslmode=require without TLS and an unroutable address; prints exit code, seconds, message.
#   docs/validation/study-errors.sh [DUET=.build/debug/duet]
set -euo pipefail
cd "$(dirname "$0")/../.."
DUET=${DUET:-.build/debug/duet}
[ -x "$DUET" ] || swift build --product duet >&2
dir=$(mktemp -d /tmp/duet-err-pg.XXXXXX); rmdir "$dir"
scripts/pg-test-cluster.sh start "$dir" >/dev/null
trap 'scripts/pg-test-cluster.sh stop "$dir"' EXIT
P=$(cat "$dir/port")
for u in "postgresql://duet:wrong@127.0.0.1:$P/postgres?study=x" "postgresql://duet:duet-test@127.0.0.1:1/postgres?study=x" \
         "postgresql://duet:duet-test@127.0.0.1:$P/nodb?study=x" "postgresql://duet:duet-test@127.0.0.1:$P/postgres?study=x&sslmode=require" \
         "postgresql://duet:duet-test@10.255.255.1:5432/postgres?study=x" "postgresql://duet:duet-test@127.0.0.1:$P/postgres?study=never"; do
  s=$(date +%s.%N); set +e; msg=$("$DUET" study show "$u" 2>&1); rc=$?; set -e
  printf 'rc=%s %.3f s  %s\n' "$rc" "$(echo "$(date +%s.%N) - $s" | bc)" "$msg"
done
