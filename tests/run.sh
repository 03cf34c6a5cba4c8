#!/bin/bash
# run.sh - Byline's whole test run on a fresh Debian machine: installs what is missing, checks
# formatting, builds with warnings as errors, runs every test, then builds and runs them all
# again under AddressSanitizer and UndefinedBehaviorSanitizer, and fuzzes every parser briefly.
set -euo pipefail
cd "$(dirname "$0")/.."
JOBS=$(nproc 2>/dev/null || echo 2)

step() { printf '\n== %s\n' "$*"; }

step "dependencies"
tests/install-deps.sh

step "formatting (.clang-format)"
mapfile -t sources < <(git ls-files '*.c' '*.h' '*.cc' 2>/dev/null || find . -name '*.[ch]' -o -name '*.cc')
clang-format --dry-run --Werror "${sources[@]}"
echo "formatted: ${#sources[@]} files"

step "release build, -Werror"
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DBYLINE_WERROR=ON >/dev/null
cmake --build build -j "$JOBS"

step "tests"
(cd build && ctest --output-on-failure -j 2)

step "sanitizer build (ASan + UBSan)"
cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DBYLINE_SANITIZE=ON -DBYLINE_WERROR=ON >/dev/null
cmake --build build-asan -j "$JOBS"

step "tests under ASan + UBSan"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
(cd build-asan && ctest --output-on-failure -j 2)

step "fuzzing (libFuzzer, clang, ASan + UBSan): regressions, then 12 s per target"
tests/fuzz/run.sh

step "ThreadSanitizer build of the daemon, under concurrent load"
cmake -S . -B build-tsan -DCMAKE_BUILD_TYPE=Debug -DBYLINE_TSAN=ON -DBYLINE_WERROR=ON >/dev/null
cmake --build build-tsan -j "$JOBS" --target byline-searchd byline-index
export TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1
(cd build-tsan && ctest --output-on-failure -R test_searchd_concurrency)

step "all tests passed"
