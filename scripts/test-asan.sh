#!/bin/sh
# Builds the addon with AddressSanitizer + UndefinedBehaviorSanitizer and runs the test suite (or the
# vitest arguments given) against that build. Node itself is not instrumented, so the sanitizer
# runtimes are preloaded; leak checking is off because V8 keeps allocations alive until exit.
set -eu
cd "$(dirname "$0")/.."
node node_modules/cmake-js/bin/cmake-js compile --debug --CDCROSSRANK_SANITIZE=ON --out .asan/build
LD_PRELOAD="$(g++ -print-file-name=libasan.so) $(g++ -print-file-name=libubsan.so)" \
ASAN_OPTIONS="detect_leaks=0:abort_on_error=1:halt_on_error=1" \
UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1" \
CROSSRANK_PREBUILD="$PWD/.asan" \
  npx vitest run "$@"
