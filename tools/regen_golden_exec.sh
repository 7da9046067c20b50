#!/usr/bin/env bash
# tools/regen_golden_exec.sh [LPSIM] — rewrites tests/golden/exec.jsonl: the
# JSON statistics of `lpsim exec` for every kernel on every architecture listed
# below, functional and timing-only, one object per line; and the per-
# instruction traces in tests/golden/traces/. The test suite `golden` reruns
# each line's command (kernel, arch and mode are in the object; an arch that is
# not a preset is tests/golden/arch/NAME.yaml) and compares every field
# exactly, and every trace byte for byte. Regenerate only when a change of
# cycles, energies or traffic is intended, and say why in the commit.
set -euo pipefail
cd "$(dirname "$0")/.."
lpsim=${1:-build/cli/lpsim}
out=tests/golden/exec.jsonl
all="edge-mx b200-mx h100 tests/golden/arch/odd.yaml"
runs=(
  "examples/mx_gemm/mx_gemm.s|$all"
  "examples/flash_attention/flash_attention.s|$all"
  "tests/golden/kernels/demo_gemm.s|edge-mx tests/golden/arch/odd.yaml"
  "tests/golden/kernels/gemv_bf16.s|$all"
  "tests/golden/kernels/vector_unaligned.s|$all"
  "tests/golden/kernels/mxq_mx_gemm.s|edge-mx b200-mx tests/golden/arch/odd.yaml"
)
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
echo "# regenerate: tools/regen_golden_exec.sh (lpsim exec --json for each kernel, architecture and mode below)" >"$tmp"
for r in "${runs[@]}"; do
  kernel=${r%%|*}
  for arch in ${r#*|}; do
    for mode in "" "--timing-only"; do
      # shellcheck disable=SC2086
      "$lpsim" exec --json --arch "$arch" $mode "$kernel" >>"$tmp"
    done
  done
done
mv "$tmp" "$out"
trap - EXIT
echo "wrote $out ($(($(wc -l <"$out") - 1)) runs)"
mkdir -p tests/golden/traces
for kernel in examples/mx_gemm/mx_gemm.s examples/flash_attention/flash_attention.s tests/golden/kernels/vector_unaligned.s; do
  for arch in edge-mx odd; do
    path=$arch
    [ "$arch" = odd ] && path=tests/golden/arch/odd.yaml
    t=tests/golden/traces/$(basename "$kernel" .s).$arch.csv
    "$lpsim" exec --timing-only --arch "$path" --trace "$t.tmp" "$kernel" >/dev/null
    { echo "# regenerate: tools/regen_golden_exec.sh (lpsim exec --timing-only --arch $arch --trace FILE $kernel)"; cat "$t.tmp"; } >"$t"
    rm -f "$t.tmp"
  done
done
echo "wrote tests/golden/traces/"
