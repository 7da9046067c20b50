#!/usr/bin/env bash
# scripts/slurm-local.sh — a real one-node Slurm cluster on 127.0.0.1, for the
# tests and for users without a cluster (docs/slurm.md):
#   scripts/slurm-local.sh start DIR    munged, slurmctld and slurmd, all files under DIR;
#                                       returns once sinfo shows the node idle (30 s at most)
#   scripts/slurm-local.sh stop DIR     cancel the jobs, stop the three daemons by their pid
#                                       files; safe twice and after a failed start
#   scripts/slurm-local.sh status DIR   which daemons run; exit 0 only when all three do
#   scripts/slurm-local.sh env DIR      prints 'export SLURM_CONF=DIR/slurm.conf' for eval
# Nothing goes to /etc, /run or /var and no system munged is needed or touched: the
# cluster has its own munge key and socket, and every daemon and client finds DIR/slurm.conf
# through SLURM_CONF. Needs root (slurmd starts jobs as their user) and the Debian packages
# slurm-wlm and munge (scripts/setup.sh deps). No systemd, no cgroups.
set -euo pipefail

prog=scripts/slurm-local.sh
wait_idle_s=30  # for the node to come up
wait_exit_s=15  # for a daemon to exit after SIGTERM, then SIGKILL

usage() {
  echo "usage: $prog start|stop|status|env DIR" >&2
  exit 2
}

die() {
  echo "$prog: error: $*" >&2
  exit 1
}

# The daemons in start order; stop goes backwards. The pid file and the log of each
# are DIR/NAME.pid and DIR/NAME.log; NAME is also its /proc/PID/comm.
daemons=(munged slurmctld slurmd)

# proc_is NAME PID: true while process PID runs and is NAME (so a reused pid is never
# signalled); a zombie counts as gone, since a non-reaping init may keep it listed.
proc_is() {
  local name=$1 pid=$2 state
  [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = "$name" ] || return 1
  state=$(sed -n 's/^State:[[:space:]]*\([A-Z]\).*/\1/p' "/proc/$pid/status" 2>/dev/null)
  [ -n "$state" ] && [ "$state" != Z ]
}

# pid_alive NAME: prints the pid in DIR/NAME.pid when that process runs and is NAME.
pid_alive() {
  local name=$1 pid
  pid=$(head -c 32 "$dir/$name.pid" 2>/dev/null | tr -d '[:space:]')
  [[ $pid =~ ^[1-9][0-9]*$ ]] || return 1
  proc_is "$name" "$pid" || return 1
  echo "$pid"
}

log_tails() {
  local f
  for f in "$dir"/munged.log "$dir"/slurmctld.log "$dir"/slurmd.log "$dir"/*.out; do
    [ -s "$f" ] || continue
    echo "--- last lines of $f" >&2
    tail -n 15 "$f" >&2
  done
}

# free_port [EXCEPT]: a TCP port in 10000-31999 (below Linux's ephemeral range) that no
# socket uses now, per /proc/net/tcp{,6}. Another program may still take it before the
# daemon binds; start then fails with the port in slurmctld.log and can be rerun.
free_port() {
  local except=${1:-0} used port i
  used=$(awk 'NR > 1 { split($2, a, ":"); print strtonum("0x" a[2]) }' /proc/net/tcp /proc/net/tcp6 2>/dev/null | sort -u)
  for i in $(seq 1 100); do
    port=$((10000 + (RANDOM * 32768 + RANDOM) % 22000))
    [ "$port" -ne "$except" ] || continue
    grep -qx "$port" <<<"$used" || { echo "$port"; return 0; }
  done
  die "no free TCP port found in 10000-31999"
}

write_conf() {
  local host=$1 ctld_port=$2 slurmd_port=$3 cpus mem_mib
  cpus=$(nproc)
  # 95 % of MemTotal: slurmd drains a node whose RealMemory exceeds what it measures.
  mem_mib=$(awk '/^MemTotal:/ { printf "%d", $2 / 1024 * 0.95 }' /proc/meminfo)
  : >"$dir/plugstack.conf"
  cat >"$dir/slurm.conf" <<EOF
# Written by $prog start; see docs/slurm.md for each key.
ClusterName=lpsim-local
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$dir/munge.socket
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
MpiDefault=none
MailProg=/bin/true
PlugStackConfig=$dir/plugstack.conf
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/slurmctld.log
SlurmdLogFile=$dir/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
NodeName=$host NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$mem_mib State=UNKNOWN
PartitionName=local Nodes=$host Default=YES MaxTime=INFINITE State=UP
EOF
}

start() {
  [ "$(id -u)" -eq 0 ] || die "start needs root: slurmd runs as root to start jobs as their user"
  local c
  for c in munged mungekey munge unmunge slurmctld slurmd sinfo scontrol; do
    command -v "$c" >/dev/null 2>&1 || die "'$c' not found; install slurm-wlm and munge (scripts/setup.sh deps)"
  done
  local name
  for name in "${daemons[@]}"; do
    if pid_alive "$name" >/dev/null; then
      die "$name already runs for $dir (pid $(pid_alive "$name")); run '$prog stop $dir' first"
    fi
  done
  local t0 host ctld_port slurmd_port
  t0=$(date +%s%N)
  host=$(hostname -s)
  ctld_port=$(free_port)
  slurmd_port=$(free_port "$ctld_port")

  # A fresh cluster each time: no jobs or node state from an earlier start in DIR.
  rm -rf "$dir/state" "$dir/spool"
  rm -f "$dir"/*.pid "$dir"/*.log "$dir"/*.out "$dir/munge.key" "$dir/munge.socket" "$dir/munge.socket.lock" "$dir/munged.seed"
  mkdir -p "$dir/state" "$dir/spool"
  write_conf "$host" "$ctld_port" "$slurmd_port"
  export SLURM_CONF="$dir/slurm.conf"

  # On any failure below, stop what did start and keep the logs.
  trap 'echo "$prog: start failed; logs stay in $dir" >&2; log_tails; stop_daemons >/dev/null 2>&1 || true' ERR

  # munged refuses a socket whose folders are not searchable by everyone (DIR from mktemp
  # is 0700); --force turns that into a warning. Only root can then reach the socket,
  # which suits a root-only cluster.
  mungekey --create --keyfile="$dir/munge.key" >"$dir/mungekey.out" 2>&1
  munged --force --key-file="$dir/munge.key" --socket="$dir/munge.socket" \
    --pid-file="$dir/munged.pid" --log-file="$dir/munged.log" --seed-file="$dir/munged.seed" \
    >"$dir/munged.out" 2>&1
  munge -n -S "$dir/munge.socket" | unmunge -S "$dir/munge.socket" >"$dir/unmunge.out" 2>&1

  slurmctld >"$dir/slurmctld.out" 2>&1
  slurmd >"$dir/slurmd.out" 2>&1

  local deadline state=""
  deadline=$(($(date +%s) + wait_idle_s))
  while :; do
    state=$(sinfo -h -n "$host" -o %t 2>/dev/null || true)
    [ "$state" = idle ] && break
    for name in "${daemons[@]}"; do
      if [ -s "$dir/$name.pid" ] && ! pid_alive "$name" >/dev/null; then
        echo "$prog: error: $name exited during start" >&2
        false
      fi
    done
    if [ "$(date +%s)" -ge "$deadline" ]; then
      echo "$prog: error: node $host not idle after ${wait_idle_s} s (sinfo state: '${state:-none}')" >&2
      false
    fi
    sleep 0.2
  done
  trap - ERR
  local ms=$((($(date +%s%N) - t0) / 1000000))
  echo "$prog: node $host idle after $((ms / 1000)).$(printf %03d $((ms % 1000))) s (slurmctld port $ctld_port, slurmd port $slurmd_port)"
  echo "$prog: use it with: eval \"\$($prog env $dir)\""
}

# stop_daemons: cancel every job while slurmctld runs (a running job's slurmstepd outlives
# slurmd), then SIGTERM each daemon in reverse start order and wait for it to exit.
stop_daemons() {
  export SLURM_CONF="$dir/slurm.conf"
  local ids i name pid _
  if pid_alive slurmctld >/dev/null && [ -r "$SLURM_CONF" ]; then
    ids=$(squeue -h -o %i 2>/dev/null || true)
    if [ -n "$ids" ]; then
      # shellcheck disable=SC2086
      scancel $ids 2>/dev/null || true
    fi
    # A step's slurmstepd removes its socket in the spool folder when it exits.
    for _ in $(seq 1 $((wait_exit_s * 5))); do
      [ -z "$(find "$dir/spool" -type s 2>/dev/null)" ] && break
      sleep 0.2
    done
    if [ -n "$(find "$dir/spool" -type s 2>/dev/null)" ]; then
      echo "$prog: warning: job steps still hold sockets in $dir/spool:" >&2
      find "$dir/spool" -type s >&2
    fi
  fi
  for ((i = ${#daemons[@]} - 1; i >= 0; i--)); do
    name=${daemons[i]}
    pid=$(pid_alive "$name") || { rm -f "$dir/$name.pid"; continue; }
    kill -TERM "$pid" 2>/dev/null || true
    # The daemon removes its pid file as it exits: watch the pid, not the file.
    for _ in $(seq 1 $((wait_exit_s * 10))); do
      proc_is "$name" "$pid" || break
      sleep 0.1
    done
    if proc_is "$name" "$pid"; then
      echo "$prog: warning: $name (pid $pid) ignored SIGTERM for ${wait_exit_s} s; sending SIGKILL" >&2
      kill -KILL "$pid" 2>/dev/null || true
      sleep 0.5
    fi
    proc_is "$name" "$pid" && die "$name (pid $pid) still runs"
    rm -f "$dir/$name.pid"
  done
  return 0
}

stop() {
  [ -d "$dir" ] || return 0
  stop_daemons
  rm -f "$dir/munge.socket" "$dir/munge.socket.lock"
}

status() {
  local name pid all=0
  for name in "${daemons[@]}"; do
    if pid=$(pid_alive "$name"); then
      echo "$name: running (pid $pid)"
    else
      echo "$name: not running"
      all=1
    fi
  done
  if [ "$all" -eq 0 ]; then
    SLURM_CONF="$dir/slurm.conf" sinfo || all=1
  fi
  return "$all"
}

print_env() {
  [ -r "$dir/slurm.conf" ] || die "no $dir/slurm.conf; run '$prog start $dir' first"
  printf 'export SLURM_CONF=%q\n' "$dir/slurm.conf"
}

[ $# -eq 2 ] || usage
[ -n "$2" ] || usage
case "$1" in
  start | stop | status | env) ;;
  *) usage ;;
esac
# slurm.conf has no quoting: keep DIR to characters it reads verbatim.
[[ $2 =~ ^[A-Za-z0-9._/+-]+$ ]] || die "DIR '$2' may hold only letters, digits and . _ / + -"
if [ "$1" = start ]; then
  mkdir -p "$2"
fi
if [ -d "$2" ]; then
  dir=$(cd "$2" && pwd -P)
else
  dir=$2
fi
# A Unix socket path holds at most 107 bytes.
[ "$1" != start ] || [ ${#dir} -le 90 ] || die "DIR '$dir' is too long for munge's socket path (90 characters at most)"

case "$1" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  env) print_env ;;
esac
