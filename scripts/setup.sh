#!/usr/bin/env bash
# scripts/setup.sh — everything lpsim needs before it can build, on Debian 12:
#   scripts/setup.sh deps          install the missing Debian packages (only those)
#   scripts/setup.sh build DIR ... configure and build DIR with extra CMake arguments
# Packages are installed with apt-get --no-install-recommends; 'apt-get update'
# runs only when something is missing. As root, or through sudo when available.
set -euo pipefail
cd "$(dirname "$0")/.."

# Build tools, then the libraries DESIGN.md names (SystemC 2.3 with TLM-2.0,
# SQLite, gnuplot without X, CUnit, the MLIR 19 C API, GSL, libcyaml, jansson for JSON), and
# clang-format for the style check of the test command, and Slurm with munge for the
# one-node cluster of scripts/slurm-local.sh (docs/slurm.md).
PACKAGES=(
  gcc g++ make cmake pkg-config libc6-dev git
  libsystemc-dev libsqlite3-dev gnuplot-nox libcunit1-dev libmlir-19-dev libgsl-dev libcyaml-dev libyaml-dev libjansson-dev
  clang-format
  slurm-wlm munge
)

missing_packages() {
  local p
  for p in "${PACKAGES[@]}"; do
    if [ "$(dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null | cut -c1-2)" != "ii" ]; then
      echo "$p"
    fi
  done
}

deps() {
  if ! command -v dpkg-query >/dev/null 2>&1; then
    echo "setup: this script installs packages on Debian 12 (dpkg/apt); install by hand: ${PACKAGES[*]}" >&2
    exit 1
  fi
  local missing
  missing=$(missing_packages)
  [ -z "$missing" ] && return 0
  local sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then sudo="sudo"; else
      echo "setup: missing packages and not root: $missing" >&2
      exit 1
    fi
  fi
  # shellcheck disable=SC2086 # one line, the names separated by spaces
  echo "setup: installing" $missing
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  # shellcheck disable=SC2086
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >/dev/null
  missing=$(missing_packages)
  if [ -n "$missing" ]; then
    echo "setup: still missing after apt-get: $missing" >&2
    exit 1
  fi
}

# The reference data: $LPSIM_DATA_DIR when set; else ../shared/data beside this
# checkout; else, for a clone of a local checkout (git clone /work/main /tmp/x),
# the shared/data beside the checkout it was cloned from. Where none exists the
# tests fail with the folder's name (they never skip).
data_dir() {
  if [ -n "${LPSIM_DATA_DIR:-}" ]; then echo "$LPSIM_DATA_DIR"; return; fi
  local here origin
  here="$(cd .. && pwd)/shared/data"
  if [ ! -d "$here" ]; then
    origin=$(git config --get remote.origin.url 2>/dev/null || true)
    origin=${origin#file://}
    if [ -n "$origin" ] && [ -d "$origin" ] && [ -d "$(cd "$origin/.." && pwd)/shared/data" ]; then
      here="$(cd "$origin/.." && pwd)/shared/data"
    fi
  fi
  echo "$here"
}

build() {
  local dir=$1
  shift
  cmake -S . -B "$dir" -DLPSIM_DATA_DIR="$(data_dir)" "$@" >/dev/null
  cmake --build "$dir" -j"$(nproc)" >/dev/null
}

case "${1:-}" in
  deps) deps ;;
  build) shift; build "$@" ;;
  *) echo "usage: scripts/setup.sh deps | build DIR [cmake args]" >&2; exit 2 ;;
esac
