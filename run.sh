#!/usr/bin/env bash
# ./run.sh [lpsim sweep options] — install what is missing, build, and run lpsim's
# main job on built-in defaults: the default design-space sweep
# (examples/sweeps/default.yaml: MX tensor-core designs on a Llama-3-8B layer's
# prefill and decode, and three SRAM-PIM points) into results/out/runs.db, then its energy/latency Pareto
# fronts as a table and as results/out/pareto.png (README.md, docs/sweeps.md).
# A sweep that was stopped continues where it stopped (--resume); delete
# results/out/runs.db to start over.
set -euo pipefail
cd "$(dirname "$0")"
scripts/setup.sh deps
scripts/setup.sh build build -DCMAKE_BUILD_TYPE=Release
mkdir -p results/out
build/cli/lpsim sweep examples/sweeps/default.yaml --db results/out/runs.db --timing-only --resume "$@"
echo
build/cli/lpsim pareto --db results/out/runs.db --group-by format --png results/out/pareto.png
echo "database: results/out/runs.db (lpsim runs --db results/out/runs.db; docs/results.md)"
echo "picture:  results/out/pareto.png (its gnuplot script: results/out/pareto.gp)"
