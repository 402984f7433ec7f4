#!/usr/bin/env bash
# A throwaway one-node Slurm cluster on localhost (Debian's slurm-wlm and munge): munged,
# slurmctld and slurmd with their configuration, keys, state, spool, logs and pid files in one
# scratch folder, free TCP ports and their own munge socket, so nothing in /etc is touched and
# several such clusters (or a real munged) can live on one machine.
#
#   scripts/slurm-local.sh start [DIR]   start it in DIR (default /tmp/duet-slurm; must not hold one);
#                                        prints `export SLURM_CONF=DIR/slurm.conf` for sbatch/squeue/sinfo
#   scripts/slurm-local.sh stop [DIR]    stop the daemons (by their pid files) and remove DIR
#
# The daemons run as root (SlurmUser=root) and munged as the munge user, so it needs root: as another
# user it re-runs itself with sudo -n. Installs slurm-wlm and munge with apt-get when missing
# (make deps-cluster does the same). Every wait is bounded: a cluster that does not come up within
# SLURM_START_TIMEOUT seconds (default 60) is a failure with the daemons' logs, never a hang.
set -euo pipefail
cmd=${1:-}; dir=${2:-/tmp/duet-slurm}
[ "$cmd" = start ] || [ "$cmd" = stop ] || { echo "usage: $0 start|stop [DIR]" >&2; exit 2; }
if [ "$(id -u)" != 0 ]; then
  exec sudo -n -E "$0" "$@" || { echo "error: $0 needs root (or passwordless sudo) to run slurmctld, slurmd and munged" >&2; exit 1; }
fi
case "$dir" in /*) ;; *) dir="$PWD/$dir" ;; esac
timeout_s=${SLURM_START_TIMEOUT:-60}

stop_pidfile() {   # stop_pidfile FILE: TERM, then KILL after 10 s
  local f=$1 pid
  [ -s "$f" ] || return 0
  pid=$(cat "$f"); kill -0 "$pid" 2>/dev/null || return 0
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.2; done
  kill -9 "$pid" 2>/dev/null || true
}

if [ "$cmd" = stop ]; then
  if [ -d "$dir/munge" ] && [ -d "$dir/run" ]; then   # a folder this script made
    # Cancel this cluster's jobs first (only this slurmctld hears it), so no job step outlives it.
    if [ -f "$dir/slurm.conf" ] && [ -s "$dir/run/slurmctld.pid" ] && kill -0 "$(cat "$dir/run/slurmctld.pid")" 2>/dev/null; then
      SLURM_CONF="$dir/slurm.conf" timeout 15 scancel --full --signal=KILL --user=root >/dev/null 2>&1 || true
      SLURM_CONF="$dir/slurm.conf" timeout 15 scancel --user=root >/dev/null 2>&1 || true
      for _ in $(seq 1 20); do
        [ -z "$(SLURM_CONF="$dir/slurm.conf" timeout 10 squeue -h -o %i 2>/dev/null)" ] && break; sleep 0.5
      done
    fi
    stop_pidfile "$dir/run/slurmd.pid"
    stop_pidfile "$dir/run/slurmctld.pid"
    stop_pidfile "$dir/munge/munged.pid"
    rm -rf "$dir"
  fi
  exit 0
fi

# start
if ! command -v slurmctld >/dev/null || ! command -v slurmd >/dev/null || ! command -v munged >/dev/null \
   || ! command -v mungekey >/dev/null || ! command -v sbatch >/dev/null; then
  echo "slurm-local: installing slurm-wlm and munge with apt-get" >&2
  export DEBIAN_FRONTEND=noninteractive
  timeout 600 apt-get update -qq >&2 && timeout 600 apt-get install -y -qq slurm-wlm munge >&2 \
    || { echo "error: could not install slurm-wlm and munge with apt-get" >&2; exit 1; }
fi
[ -z "$(ls -A "$dir" 2>/dev/null)" ] || { echo "error: $dir is not empty (a cluster there? stop it: $0 stop $dir)" >&2; exit 1; }
mkdir -p "$dir"/{state,spool,log,run,munge}
chmod 755 "$dir"          # munged (as munge) must reach its folder, which must not be writable by others
chown munge:munge "$dir/munge"; chmod 755 "$dir/munge"   # munged wants x for all on its socket folder

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])' 2>/dev/null \
    || echo $((20000 + RANDOM % 40000))
}
ctld_port=$(free_port); slurmd_port=$(free_port)
[ "$ctld_port" != "$slurmd_port" ] || slurmd_port=$((ctld_port + 1))
node=$(hostname -s); cpus=$(nproc)
socket="$dir/munge/munge.socket.2"

cleanup_on_failure() {
  echo "error: the local Slurm cluster did not start within ${timeout_s} s; its logs:" >&2
  for f in "$dir"/munge/munged.log "$dir"/log/slurmctld.log "$dir"/log/slurmd.log; do
    [ -f "$f" ] && { echo "== $f" >&2; tail -20 "$f" >&2; }
  done
  "$0" stop "$dir" || true
  exit 1
}

# munge: a key of this cluster only, its own socket, pid, seed and log files.
runuser -u munge -- mungekey -c -k "$dir/munge/munge.key" >/dev/null 2>&1 || cleanup_on_failure
chmod 400 "$dir/munge/munge.key"
runuser -u munge -- munged --socket="$socket" --key-file="$dir/munge/munge.key" --pid-file="$dir/munge/munged.pid" \
  --seed-file="$dir/munge/munged.seed" --log-file="$dir/munge/munged.log" >/dev/null 2>&1 || cleanup_on_failure

cat > "$dir/slurm.conf" <<EOF
# One-node Slurm for Duet's tests (scripts/slurm-local.sh); everything lives in $dir.
ClusterName=duetlocal
SlurmctldHost=$node(127.0.0.1)
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$socket
CredType=cred/munge
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/run/slurmctld.pid
SlurmdPidFile=$dir/run/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
MpiDefault=none
SlurmctldTimeout=30
SlurmdTimeout=30
MessageTimeout=10
NodeName=$node NodeAddr=127.0.0.1 CPUs=$cpus State=UNKNOWN
PartitionName=local Nodes=$node Default=YES MaxTime=INFINITE State=UP OverSubscribe=FORCE:4
EOF
export SLURM_CONF="$dir/slurm.conf"

timeout 30 slurmctld -f "$SLURM_CONF" >/dev/null 2>&1 || cleanup_on_failure
timeout 30 slurmd -f "$SLURM_CONF" >/dev/null 2>&1 || cleanup_on_failure
deadline=$((SECONDS + timeout_s))
until timeout 10 sinfo -h -N -o '%T' 2>/dev/null | grep -qE '^(idle|mixed|allocated)'; do
  [ $SECONDS -lt $deadline ] || cleanup_on_failure
  sleep 1
done
echo "export SLURM_CONF=$SLURM_CONF"
