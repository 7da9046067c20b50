#!/usr/bin/env bash
# ./run.sh [lpsim demo options] — install what is missing, build, and run lpsim's
# main job on built-in defaults (for now the demonstration; see README.md).
set -euo pipefail
cd "$(dirname "$0")"
scripts/setup.sh deps
scripts/setup.sh build build -DCMAKE_BUILD_TYPE=Release
exec build/cli/lpsim demo "$@"
