#!/usr/bin/env bash
# A single-node Slurm on this machine (controller and compute node in one), from Debian's
# slurm-wlm and munge packages: enough to run the platform's Dask workers as Slurm jobs.
#
#   deployment/slurm/single-node.sh start    # write the config if needed, start the daemons
#   deployment/slurm/single-node.sh status   # exit 0 when the node accepts jobs
#   deployment/slurm/single-node.sh stop     # stop the daemons this script started
#
# Needs root (munged runs as user munge, slurmctld as user slurm, slurmd as root).
# It writes /etc/slurm/slurm.conf only when that file is missing or was written by this
# script, so it never touches a real cluster's configuration.
set -euo pipefail

HERE="$(cd "$(dirname "$0")" && pwd)"
CONF="${SLURM_CONF:-/etc/slurm/slurm.conf}"
MARKER="written by scistats deployment/slurm/single-node.sh"
NODE="${SLURM_NODE_NAME:-$(hostname -s)}"
ADDR="${SLURM_NODE_ADDR:-127.0.0.1}"
PARTITION="${SLURM_PARTITION:-debug}"
SLURM_USER="${SLURM_USER:-slurm}"
STATE_DIR=/var/spool/slurm
RUN_DIR=/run/slurm
LOG_DIR=/var/log/slurm

say() { echo "single-node slurm: $*" >&2; }

need_root() {
  if [ "$(id -u)" != 0 ]; then
    say "must run as root (munged, slurmctld and slurmd are system daemons)"
    exit 2
  fi
}

node_ready() {
  timeout 10 sinfo -h -n "$NODE" -o '%T' 2>/dev/null | grep -Eq '^(idle|mixed|allocated|completing)'
}

write_config() {
  if [ -f "$CONF" ] && ! grep -q "$MARKER" "$CONF"; then
    say "$CONF exists and is not ours: using it as it is"
    return
  fi
  local cpus memory
  # Not plain nproc: it obeys OMP_NUM_THREADS, which Dask sets to 1 in any process that
  # started a local cluster (the test run that starts this node), and the node would
  # then offer one CPU, so a second one-core Dask worker job would never start.
  cpus="$(env -u OMP_NUM_THREADS -u OMP_THREAD_LIMIT nproc)"
  memory="$(awk '/MemTotal/ {printf "%d", $2 / 1024 * 0.9}' /proc/meminfo)"
  mkdir -p "$(dirname "$CONF")"
  sed -e "s|@NODE@|$NODE|g" -e "s|@ADDR@|$ADDR|g" -e "s|@CPUS@|$cpus|g" \
    -e "s|@MEMORY_MB@|$memory|g" -e "s|@PARTITION@|$PARTITION|g" \
    -e "s|@SLURM_USER@|$SLURM_USER|g" -e "s|@STATE_DIR@|$STATE_DIR|g" \
    -e "s|@RUN_DIR@|$RUN_DIR|g" -e "s|@LOG_DIR@|$LOG_DIR|g" \
    "$HERE/slurm.conf.template" >"$CONF"
  say "wrote $CONF (node $NODE, $cpus CPUs, ${memory} MB, partition $PARTITION)"
}

start_munge() {
  if munge -n </dev/null 2>/dev/null | unmunge >/dev/null 2>&1; then
    return
  fi
  if [ ! -s /etc/munge/munge.key ]; then
    if command -v mungekey >/dev/null; then
      mungekey --create --keyfile=/etc/munge/munge.key
    else
      dd if=/dev/urandom bs=1 count=1024 of=/etc/munge/munge.key status=none
    fi
  fi
  chown munge:munge /etc/munge/munge.key
  chmod 0400 /etc/munge/munge.key
  install -d -o munge -g munge -m 0755 /run/munge
  install -d -o munge -g munge -m 0700 /var/lib/munge /var/log/munge
  runuser -u munge -- /usr/sbin/munged
  for _ in $(seq 50); do
    munge -n </dev/null 2>/dev/null | unmunge >/dev/null 2>&1 && return
    sleep 0.1
  done
  say "munged did not come up"
  exit 1
}

running() {
  [ -s "$RUN_DIR/$1.pid" ] && kill -0 "$(cat "$RUN_DIR/$1.pid")" 2>/dev/null
}

start() {
  need_root
  if node_ready; then
    say "node $NODE is up"
    return
  fi
  write_config
  start_munge
  install -d -o "$SLURM_USER" -g "$SLURM_USER" "$STATE_DIR/slurmctld" "$LOG_DIR" "$RUN_DIR"
  install -d "$STATE_DIR/slurmd"
  chown "$SLURM_USER" "$LOG_DIR"
  running slurmctld || /usr/sbin/slurmctld -f "$CONF"
  running slurmd || /usr/sbin/slurmd -f "$CONF" -N "$NODE"
  for _ in $(seq 60); do
    if node_ready; then
      say "node $NODE is up: $(sinfo -h -o '%P %D %T %C' | head -1)"
      return
    fi
    sleep 0.5
  done
  scontrol -f "$CONF" update NodeName="$NODE" State=RESUME 2>/dev/null || true
  sleep 1
  node_ready && return
  say "node $NODE did not become ready; see $LOG_DIR/slurmctld.log and slurmd.log"
  exit 1
}

stop() {
  need_root
  local daemon pid
  for daemon in slurmd slurmctld; do
    pid="$(cat "$RUN_DIR/$daemon.pid" 2>/dev/null || true)"
    if [ -n "$pid" ] && kill "$pid" 2>/dev/null; then
      say "stopped $daemon (pid $pid)"
    fi
  done
  say "munged left running"
}

case "${1:-start}" in
  start) start ;;
  stop) stop ;;
  status) node_ready ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
