#!/usr/bin/env bash
# tools/mutate.sh — mutation testing of lpsim, run by hand (never by CI or
# test.sh): each mutant of the list (tools/mutants.txt, format at its top) is
# applied alone to a clean copy of its file, the tree rebuilt in its own build
# folder and the whole ctest suite run; the file is then restored.
#
#   tools/mutate.sh [--list FILE] [--build DIR] [--only N,M,...] [--timeout S]
#
#   --list     the mutants (default tools/mutants.txt)
#   --build    the build folder (default build-mutate; Release, -DLPSIM_WERROR=OFF
#              so that a mutant that only warns still builds)
#   --only     run these mutants (1-based, in list order), e.g. --only 3,17
#   --timeout  seconds the suite may take per mutant (default 300)
#
# One line per mutant: killed (the suites that failed, or "timeout"),
# survived, equivalent (survived and marked equivalent in the list) or
# does-not-build; then a summary, the kill rate taken over the mutants that
# build and are not marked equivalent. A hang or crash counts as killed.
# It refuses to start when a file it mutates has uncommitted changes or a
# pattern is missing or ambiguous, and it restores the file after each mutant
# and on Ctrl-C, so the tree is left as it was found.
set -euo pipefail
cd "$(dirname "$0")/.."

list=tools/mutants.txt build=build-mutate only="" limit=300
while [ $# -gt 0 ]; do
  case "$1" in
    --list) list=$2; shift 2 ;;
    --build) build=$2; shift 2 ;;
    --only) only=$2; shift 2 ;;
    --timeout) limit=$2; shift 2 ;;
    -h|--help) sed -n '2,21p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "mutate: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done

# mutants check|files|count|show N|apply N: parse the list (checking every
# pattern against its file), then list the files it mutates, count the
# mutants, describe one (file, equivalent 0/1, why) or apply one.
mutants() {
  python3 - "$list" "$@" <<'EOF'
import re, sys
path, cmd, arg = sys.argv[1], sys.argv[2], sys.argv[3] if len(sys.argv) > 3 else None
unesc = lambda s: re.sub(r"\\([nt\\])", lambda m: {"n": "\n", "t": "\t", "\\": "\\"}[m.group(1)], s)
ms, cur = [], None
for no, raw in enumerate(open(path, encoding="utf-8"), 1):
    line = raw.rstrip("\n")
    if line.startswith("@ "):
        cur = {"file": line[2:].strip(), "line": no, "equiv": ""}
        ms.append(cur)
    elif cur is not None and line[:2] in ("- ", "-", "+ ", "+", "? ") and line[:1] in "-+?":
        key = {"-": "old", "+": "new", "?": "why"}[line[0]]
        if key in cur: sys.exit(f"{path}:{no}: a second '{line[0]}' line in one mutant")
        cur[key] = unesc(line[2:]) if key != "why" else line[2:]
    elif cur is not None and line.startswith("# equivalent:"):
        cur["equiv"] = line[len("# equivalent:"):].strip()
    elif line.strip() and not line.startswith("#"):
        sys.exit(f"{path}:{no}: expected '@ FILE', '- OLD', '+ NEW', '? WHY' or a comment")
bad = []
for i, m in enumerate(ms, 1):
    where = f"{path}:{m['line']}: mutant {i}"
    if "old" not in m or "new" not in m or "why" not in m:
        bad.append(f"{where}: needs '- OLD', '+ NEW' and '? WHY'"); continue
    try: n = open(m["file"], encoding="utf-8").read().count(m["old"])
    except OSError as e: bad.append(f"{where}: {e}"); continue
    if n != 1: bad.append(f"{where}: the text occurs {n} times in {m['file']}, not once")
    if m["old"] == m["new"]: bad.append(f"{where}: the replacement is the text itself")
if bad: sys.exit("\n".join(bad))
if cmd == "files":
    print("\n".join(sorted({m["file"] for m in ms})))
elif cmd == "count":
    print(len(ms))
elif cmd == "show":
    m = ms[int(arg) - 1]
    print("\t".join([m["file"], "1" if m["equiv"] else "0", m["why"]]))
elif cmd == "apply":
    m = ms[int(arg) - 1]
    text = open(m["file"], encoding="utf-8").read()
    open(m["file"], "w", encoding="utf-8").write(text.replace(m["old"], m["new"], 1))
EOF
}

mutants check >/dev/null
mapfile -t files < <(mutants files)
if [ -n "$(git status --porcelain -- "${files[@]}")" ]; then
  echo "mutate: uncommitted changes in files the list mutates; commit or stash them first:" >&2
  git status --short -- "${files[@]}" >&2
  exit 1
fi
total=$(mutants count)
if [ -n "$only" ]; then IFS=, read -r -a ids <<<"$only"; else mapfile -t ids < <(seq 1 "$total"); fi
for id in "${ids[@]}"; do
  if ! [[ "$id" =~ ^[0-9]+$ ]] || [ "$id" -lt 1 ] || [ "$id" -gt "$total" ]; then
    echo "mutate: no mutant '$id' (the list has 1..$total)" >&2
    exit 2
  fi
done

saved=$(mktemp -d)
current=""
restore() {
  if [ -n "$current" ]; then
    cp "$saved/file" "$current" # a fresh mtime: the next build recompiles the original
    current=""
  fi
}
trap 'restore; rm -rf "$saved"' EXIT
trap 'echo; echo "mutate: interrupted; file restored" >&2; exit 130' INT TERM

echo "mutate: configuring and building $build (Release, -DLPSIM_WERROR=OFF)"
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DLPSIM_WERROR=OFF \
  -DLPSIM_DATA_DIR="$(cd .. && pwd)/shared/data" >/dev/null
cmake --build "$build" -j"$(nproc)" >/dev/null
if ! ctest --test-dir "$build" >/dev/null 2>&1; then
  echo "mutate: the suite fails without any mutant; fix that first" >&2
  exit 1
fi

killed=0 survived=0 equivalent=0 nobuild=0 equiv_killed=0
for id in "${ids[@]}"; do
  IFS=$'\t' read -r file equiv why < <(mutants show "$id")
  cp "$file" "$saved/file"
  current=$file
  mutants apply "$id"
  if ! cmake --build "$build" -j"$(nproc)" >"$saved/build.log" 2>&1; then
    result="does-not-build"
    nobuild=$((nobuild + 1))
  else
    rc=0
    timeout --kill-after=10 "$limit" ctest --test-dir "$build" --timeout "$limit" >"$saved/test.log" 2>&1 || rc=$?
    failed=$(sed -n '/The following tests FAILED/,$s/^[[:space:]]*[0-9]* - \([^ ]*\) (\(.*\))$/\1 \2/p' "$saved/test.log" |
      awk '{ printf "%s%s%s", (NR > 1 ? "," : ""), $1, ($2 == "Failed" ? "" : ":" substr($0, length($1) + 2)) }')
    if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then failed="timeout${failed:+,$failed}"; fi
    if [ "$rc" -ne 0 ]; then
      result="killed (${failed:-ctest exit $rc})"
      killed=$((killed + 1))
      if [ "$equiv" = 1 ]; then
        equiv_killed=$((equiv_killed + 1))
        result="$result [marked equivalent!]"
      fi
    elif [ "$equiv" = 1 ]; then
      result="equivalent"
      equivalent=$((equivalent + 1))
    else
      result="SURVIVED"
      survived=$((survived + 1))
    fi
  fi
  restore
  printf '%3d  %-40s %s  -- %s\n' "$id" "$file" "$result" "$why"
done

counted=$((killed + survived))
echo
echo "mutate: ${#ids[@]} mutants: $killed killed, $survived survived, $equivalent equivalent (survived, marked so)," \
  "$nobuild do not build"
[ "$equiv_killed" -eq 0 ] || echo "mutate: $equiv_killed mutants marked equivalent were killed: they are not equivalent"
if [ "$counted" -gt 0 ]; then
  awk -v k="$killed" -v n="$counted" 'BEGIN { printf "mutate: kill rate %.1f%% (%d of %d that build and are not marked equivalent)\n", 100 * k / n, k, n }'
fi
