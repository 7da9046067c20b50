#!/usr/bin/env bash
# fuzz/run.sh [SECONDS] [asm|trace|arch|csv ...] — build the libFuzzer harnesses with
# clang (ASan + UBSan) and run each for SECONDS (default 600). Crashes land in
# fuzz/out/<harness>/ (ignored by git); the corpora start from fuzz/corpus_*, the example
# kernels and the catalogue's asm_kernels.s. Needs clang and libclang-rt-14-dev (Debian 12).
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-600}
shift || true
harnesses=("$@")
[ $# -eq 0 ] && harnesses=(asm trace arch csv)
command -v clang >/dev/null || { echo "fuzz/run.sh: needs clang (apt-get install clang libclang-rt-14-dev)" >&2; exit 1; }
[ -f build/generated/arch_presets.c ] || scripts/setup.sh build build -DCMAKE_BUILD_TYPE=Release
mkdir -p fuzz/out/build
gen=fuzz/out/build/generated
mkdir -p "$gen"
sed -e 's/@PROJECT_VERSION@/fuzz/' -e 's/@LPSIM_GIT_REV@/fuzz/' models/core/lp_version.h.in > "$gen/lp_version.h"
# every library source of models/ and isa/ (the unit table binds every unit kind's faces)
mapfile -t srcs < <(find models isa -name '*.c' | sort)
mapfile -t incs < <(find models -type d | sort | sed 's/^/-I/')
for h in "${harnesses[@]}"; do
  bin=fuzz/out/build/fuzz_$h
  extra=()
  # the CSV readers live in the command files: their static functions are included whole
  [ "$h" = csv ] && extra=(-Icli -Iresults -Isim fuzz/csv_gemm.c fuzz/csv_timeline.c cli/cli.c results/plot.c)
  clang -std=c11 -D_GNU_SOURCE -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
    "${incs[@]}" -Iisa -I"$gen" "fuzz/fuzz_$h.c" "${extra[@]}" "${srcs[@]}" build/generated/arch_presets.c \
    $(pkg-config --cflags --libs libcyaml yaml-0.1 jansson) -lm -o "$bin"
  corpus=fuzz/out/corpus_$h
  mkdir -p "$corpus" "fuzz/out/$h"
  cp -n fuzz/corpus_$h/* "$corpus"/ 2>/dev/null || true
  if [ "$h" = asm ]; then cp -n examples/*/*.s tests/malformed/files/asm_kernels.s "$corpus"/ 2>/dev/null || true; fi
  if [ "$h" = csv ]; then # the first byte picks the reader: 0 the trace, 1/3/5/7 gemm-bits with a preset
    for f in tests/malformed/files/cli_trace.csv; do { printf '\0'; cat "$f"; } > "$corpus/trace_$(basename "$f")"; done
  fi
  echo "== fuzz_$h for ${secs}s"
  "$bin" -max_total_time="$secs" -max_len=65536 -rss_limit_mb=1024 -malloc_limit_mb=512 -timeout=20 \
    -artifact_prefix="fuzz/out/$h/" -print_final_stats=1 "$corpus"
done
