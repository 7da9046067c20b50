#!/usr/bin/env bash
# ./test.sh — install what is missing, then run the whole test suite twice: a
# release build with warnings as errors, and a build with AddressSanitizer and
# UndefinedBehaviorSanitizer. Also checks the code format. Exits non-zero on
# any failure.
set -euo pipefail
cd "$(dirname "$0")"
scripts/setup.sh deps

echo "== format check (.clang-format)"
mapfile -t sources < <(git ls-files '*.c' '*.h' '*.cpp' '*.hpp' 2>/dev/null || find models isa workloads sim costmodel results tests bench -name '*.[ch]')
clang-format --dry-run -Werror "${sources[@]}"

echo "== release build (-Werror)"
scripts/setup.sh build build -DCMAKE_BUILD_TYPE=Release -DLPSIM_WERROR=ON
ctest --test-dir build --output-on-failure

echo "== sanitizer build (ASan + UBSan)"
scripts/setup.sh build build-asan -DCMAKE_BUILD_TYPE=Debug -DLPSIM_WERROR=ON -DLPSIM_SANITIZE=ON
# intercept_tls_get_addr=0: Debian 12's GCC 12 sanitizer runtime takes a dynamic TLS
# block whose address is 16 past a page boundary for a glibc 2.19 header and reads
# a bogus range from it; LeakSanitizer's tracer then dies ("Tracer caught signal
# 11") at exit, at random (google/sanitizers#1322; runtimes up to GCC 13 and LLVM 16 do this).
# Leak checking itself stays on; only dynamic TLS of dlopen'ed libraries goes
# unscanned.
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:intercept_tls_get_addr=0 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --test-dir build-asan --output-on-failure
