#!/usr/bin/env bash
# tests/slurm_local_check.sh — checks scripts/slurm-local.sh end to end on this machine:
# three clusters one after another in fresh folders, each running a 3-task job array
# with sbatch --wait; bad usage; a start that fails half way; and after every stop, no
# daemon or job process of ours left. Needs root and slurm-wlm + munge (scripts/setup.sh
# deps). Not part of ctest (it needs root); run it by hand: tests/slurm_local_check.sh
set -euo pipefail
cd "$(dirname "$0")/.."
sl=$(pwd)/scripts/slurm-local.sh
top=$(mktemp -d)
fails=0

fail() {
  echo "FAIL: $*" >&2
  fails=$((fails + 1))
}

# Living (not zombie) Slurm and munge processes, as "pid comm" lines.
slurm_procs() {
  local p comm state
  for p in /proc/[0-9]*; do
    comm=$(cat "$p/comm" 2>/dev/null) || continue
    case "$comm" in
      munged | slurmctld | slurmd | slurmstepd | slurmscriptd | slurm_script) ;;
      *) continue ;;
    esac
    state=$(sed -n 's/^State:[[:space:]]*\([A-Z]\).*/\1/p' "$p/status" 2>/dev/null) || continue
    [ "$state" = Z ] || echo "${p#/proc/} $comm"
  done | sort
}

before=$(slurm_procs)

# check_none_left WHAT: no Slurm or munge process that was not there before this test.
check_none_left() {
  local now extra
  now=$(slurm_procs)
  extra=$(comm -13 <(echo "$before") <(echo "$now"))
  [ -z "$extra" ] || fail "$1: processes left: $extra"
}

# one_cluster N: start a cluster in $top/cN, run the array, stop it.
one_cluster() {
  local d=$top/c$1 t
  "$sl" start "$d" || { fail "start $d"; return; }
  mkdir -p "$d/out"
  cat >"$d/job.sh" <<'EOF'
#!/bin/sh
echo "$SLURM_ARRAY_TASK_ID $SLURM_ARRAY_TASK_COUNT" >"out/task-$SLURM_ARRAY_TASK_ID.txt"
EOF
  local out
  out=$(cd "$d" && eval "$("$sl" env "$d")" && sbatch --wait --array=0-2 -o out/slurm-%A_%a.out job.sh) ||
    fail "cluster $1: sbatch --wait"
  # A fresh state folder numbers jobs from 1: nothing carried over from the cluster before.
  [ "$out" = "Submitted batch job 1" ] || fail "cluster $1: sbatch said '$out'"
  for t in 0 1 2; do
    [ "$(cat "$d/out/task-$t.txt" 2>/dev/null)" = "$t 3" ] || fail "cluster $1: task $t wrote '$(cat "$d/out/task-$t.txt" 2>/dev/null)'"
  done
  "$sl" stop "$d" || fail "cluster $1: stop"
  check_none_left "cluster $1"
  "$sl" stop "$d" || fail "cluster $1: second stop"
  if "$sl" status "$d" >/dev/null; then fail "cluster $1: status says running after stop"; fi
}

for n in 1 2 3; do one_cluster "$n"; done

# Bad usage exits 2; env before any start exits 1.
rc=0; "$sl" >/dev/null 2>&1 || rc=$?
[ "$rc" -eq 2 ] || fail "no arguments: exit $rc, want 2"
rc=0; "$sl" restart "$top/x" >/dev/null 2>&1 || rc=$?
[ "$rc" -eq 2 ] || fail "unknown command: exit $rc, want 2"
rc=0; "$sl" env "$top/never" >/dev/null 2>&1 || rc=$?
[ "$rc" -eq 1 ] || fail "env before start: exit $rc, want 1"

# A start that fails after munged and slurmctld are up stops them again.
mkdir -p "$top/bin"
printf '#!/bin/sh\necho "slurmd: fake failure for the test" >&2\nexit 1\n' >"$top/bin/slurmd"
chmod +x "$top/bin/slurmd"
rc=0; PATH="$top/bin:$PATH" "$sl" start "$top/broken" >"$top/broken.txt" 2>&1 || rc=$?
[ "$rc" -eq 1 ] || fail "failed start: exit $rc, want 1"
grep -q "fake failure" "$top/broken.txt" || fail "failed start: slurmd's message not shown"
check_none_left "failed start"
"$sl" stop "$top/broken" || fail "stop after a failed start"

rm -rf "$top"
if [ "$fails" -ne 0 ]; then
  echo "slurm_local_check: $fails failures" >&2
  exit 1
fi
echo "slurm_local_check: ok"
