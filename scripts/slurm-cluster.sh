#!/usr/bin/env bash
# scripts/slurm-cluster.sh: a one-node SLURM cluster for the workflow test.
#
#   scripts/slurm-cluster.sh start DIR   start munged (if not running), slurmctld and slurmd
#                                        with DIR/slurm.conf; prints the SLURM_CONF to export
#   scripts/slurm-cluster.sh stop DIR    stop what start started (munged only if it started it)
#
# Needs root and Debian's slurm-wlm and munge (apt-get install slurm-wlm munge). This host is
# the controller and the only node (all its CPUs, 90% of its memory, on 127.0.0.1 so that
# the host name need not resolve), in partition "test";
# proctrack/linuxproc and task/none (no cgroups needed), no accounting (no slurmdbd), finished
# jobs remembered an hour (MinJobAge) so that `scontrol show job` can report them.
set -euo pipefail
cmd=${1:-}; dir=${2:-}
die() { echo "slurm-cluster.sh: $*" >&2; exit 1; }
[ -n "$cmd" ] && [ -n "$dir" ] || die "usage: $0 start|stop DIR"
[ "$(id -u)" = 0 ] || die "needs root (slurmd runs jobs as their users)"

start() {
  for b in slurmctld slurmd munged sinfo; do command -v "$b" > /dev/null || [ -x "/usr/sbin/$b" ] || die "$b not found (apt-get install slurm-wlm munge)"; done
  mkdir -p "$dir/state" "$dir/spool" "$dir/log"
  dir="$(cd "$dir" && pwd)"
  # munge: the system daemon, with the key the package made
  if ! munge -n > /dev/null 2>&1; then
    [ -s /etc/munge/munge.key ] || { /usr/sbin/mungekey --create 2>/dev/null || dd if=/dev/urandom of=/etc/munge/munge.key bs=1 count=1024 2>/dev/null; chown munge:munge /etc/munge/munge.key; chmod 400 /etc/munge/munge.key; }
    mkdir -p /run/munge && chown munge:munge /run/munge && chmod 755 /run/munge
    runuser -u munge -- /usr/sbin/munged
    touch "$dir/started-munged"
    for _ in $(seq 50); do munge -n > /dev/null 2>&1 && break; sleep 0.1; done
    munge -n | unmunge > /dev/null || die "munged does not answer"
  fi
  local host cpus mem
  host=$(hostname -s)
  cpus=$(nproc)
  mem=$(awk '/MemTotal/ {printf "%d", $2 / 1024 * 0.9}' /proc/meminfo)
  cat > "$dir/slurm.conf" <<EOF
ClusterName=gallisto-test
SlurmctldHost=$host(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU_Memory
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/none
MpiDefault=none
ReturnToService=2
MinJobAge=3600
SlurmctldTimeout=30
SlurmdTimeout=30
NodeName=$host NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=test Nodes=$host Default=YES MaxTime=INFINITE State=UP
EOF
  export SLURM_CONF="$dir/slurm.conf"
  /usr/sbin/slurmctld -f "$SLURM_CONF"
  /usr/sbin/slurmd -f "$SLURM_CONF"
  local state=""
  for _ in $(seq 100); do
    state=$(sinfo -h -N -o %t 2>/dev/null | head -1 || true)
    case $state in idle|mix|alloc) break ;; esac
    sleep 0.2
  done
  case $state in idle|mix|alloc) ;; *) die "node not up (state '$state'); see $dir/log" ;; esac
  echo "$SLURM_CONF"
}

stop() {
  dir="$(cd "$dir" && pwd)"
  for p in slurmd slurmctld; do
    if [ -s "$dir/$p.pid" ]; then kill "$(cat "$dir/$p.pid")" 2>/dev/null || true; fi
  done
  for _ in $(seq 50); do
    alive=0
    for p in slurmd slurmctld; do [ -s "$dir/$p.pid" ] && kill -0 "$(cat "$dir/$p.pid")" 2>/dev/null && alive=1; done
    [ $alive = 0 ] && break
    sleep 0.1
  done
  if [ -e "$dir/started-munged" ]; then
    runuser -u munge -- /usr/sbin/munged --stop 2>/dev/null || pkill -x munged || true
    rm -f "$dir/started-munged"
  fi
}

case $cmd in
  start) start ;;
  stop) stop ;;
  *) die "usage: $0 start|stop DIR" ;;
esac
