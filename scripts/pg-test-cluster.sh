#!/usr/bin/env bash
# A throwaway PostgreSQL server for tests and benchmarks: initdb in a folder, a free local TCP port,
# password authentication, stopped (and the folder removed) afterwards.
#
#   scripts/pg-test-cluster.sh start DIR   start a server whose files live in DIR (created; must not hold one);
#                                          prints its URL: postgresql://duet:duet-test@127.0.0.1:PORT/postgres
#   scripts/pg-test-cluster.sh stop DIR    stop it and remove DIR
#   scripts/pg-test-cluster.sh restart DIR [SECONDS]
#                                          stop the server (fast shutdown: clients are disconnected), keep it
#                                          down SECONDS (default 0), start it again on the same port
#
# Environment: PG_BIN (folder with initdb and pg_ctl; default the newest /usr/lib/postgresql/*/bin or PATH),
# PG_OPTIONS (extra server options, e.g. "-c fsync=off"), PG_TLS=1 (TLS only: a self-signed
# certificate for CN 127.0.0.1 made with openssl, ssl=on, and pg_hba rejecting every connection
# without TLS). As root, the server runs as the `postgres` user (initdb refuses root). Needs
# Debian's postgresql (make deps installs it).
set -euo pipefail
cmd=${1:-}; dir=${2:-}
[ -n "$cmd" ] && [ -n "$dir" ] || { echo "usage: $0 start|stop|restart DIR" >&2; exit 2; }

bin=${PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)}
if [ -z "$bin" ] || [ ! -x "$bin/initdb" ]; then
  bin=$(dirname "$(command -v initdb 2>/dev/null || echo /nonexistent/initdb)")
fi
[ -x "$bin/initdb" ] || { echo "error: PostgreSQL's initdb not found (install Debian's postgresql: make deps)" >&2; exit 1; }

as_owner() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

case "$cmd" in
start)
  [ ! -e "$dir/data" ] || { echo "error: $dir already holds a server" >&2; exit 1; }
  mkdir -p "$dir"
  [ "$(id -u)" = 0 ] && chown postgres "$dir"
  printf 'duet-test\n' > "$dir/pwfile"; [ "$(id -u)" = 0 ] && chown postgres "$dir/pwfile"
  as_owner "$bin/initdb" -D "$dir/data" -U duet --pwfile="$dir/pwfile" --auth-local=trust --auth-host=scram-sha-256 \
    -E UTF8 --no-instructions >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; exit 1; }
  if [ "${PG_TLS:-0}" = 1 ]; then
    openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=127.0.0.1" \
      -keyout "$dir/data/server.key" -out "$dir/data/server.crt" >"$dir/openssl.log" 2>&1 \
      || { cat "$dir/openssl.log" >&2; exit 1; }
    chmod 600 "$dir/data/server.key"
    [ "$(id -u)" = 0 ] && chown postgres "$dir/data/server.key" "$dir/data/server.crt"
    { printf 'hostnossl all all 0.0.0.0/0 reject\nhostnossl all all ::/0 reject\n'; cat "$dir/data/pg_hba.conf"; } > "$dir/pg_hba.new"
    cat "$dir/pg_hba.new" > "$dir/data/pg_hba.conf"; rm -f "$dir/pg_hba.new"
    printf 'ssl = on\n' >> "$dir/data/postgresql.conf"
  fi
  for try in 1 2 3 4 5; do
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])' 2>/dev/null \
           || echo $((20000 + RANDOM % 40000)))
    if as_owner "$bin/pg_ctl" -D "$dir/data" -w -t 30 -l "$dir/server.log" \
         -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c max_connections=200 ${PG_OPTIONS:-}" start >/dev/null 2>&1; then
      echo "$port" > "$dir/port"
      echo "postgresql://duet:duet-test@127.0.0.1:$port/postgres"
      exit 0
    fi
  done
  echo "error: the PostgreSQL server did not start; its log:" >&2; cat "$dir/server.log" >&2 || true; exit 1
  ;;
stop)
  if [ -d "$dir/data" ]; then as_owner "$bin/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true; fi
  rm -rf "$dir"
  ;;
restart)
  [ -f "$dir/port" ] || { echo "error: $dir holds no server started by this script" >&2; exit 1; }
  port=$(cat "$dir/port")
  as_owner "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null
  sleep "${3:-0}"
  as_owner "$bin/pg_ctl" -D "$dir/data" -w -t 30 -l "$dir/server.log" \
    -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c max_connections=200 ${PG_OPTIONS:-}" start >/dev/null
  ;;
*) echo "usage: $0 start|stop|restart DIR" >&2; exit 2 ;;
esac
