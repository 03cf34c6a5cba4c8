#!/bin/bash
# run.sh - builds Byline's libFuzzer targets (clang, ASan + UBSan) in build-fuzz/, replays every
# saved crashing input in tests/fuzz/regressions/, then fuzzes each target for a short, bounded
# time from its seeds in tests/fuzz/corpus/. Fails when any target crashes, leaks, hits undefined
# behaviour, breaks one of its checks, or takes too long on one input.
#
#   tests/fuzz/run.sh                              every target, FUZZ_SECONDS (12) each,
#                                                  two at a time on two cores
#   FUZZ_SECONDS=600 tests/fuzz/run.sh fuzz_query  one target for ten minutes
#   FUZZ_SECONDS=0 tests/fuzz/run.sh               build and replay the regressions only
set -euo pipefail
cd "$(dirname "$0")/../.."
FUZZ_SECONDS=${FUZZ_SECONDS:-12}
BUILD=${FUZZ_BUILD:-build-fuzz}
JOBS=$(nproc 2>/dev/null || echo 2)
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export LSAN_OPTIONS="${LSAN_OPTIONS:+$LSAN_OPTIONS:}suppressions=$PWD/tests/fuzz/lsan.supp"

if [ $# -gt 0 ]; then
    targets=("$@")
else
    mapfile -t targets < <(cd tests/fuzz && ls fuzz_*.c | grep -v '^fuzz_util' | sed 's/\.c$//')
fi

# Warnings are the release build's business (-Werror there); here only the sanitizers judge.
cmake -S . -B "$BUILD" -DBYLINE_FUZZ=ON -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo -DBYLINE_WERROR=OFF >/dev/null
cmake --build "$BUILD" -j "$JOBS" --target fuzzers >/dev/null

# The dictionary a target's input language has, if any.
dict_of() {
    case "$1" in
    fuzz_record | fuzz_import_jsonl) echo json ;;
    fuzz_date) echo date ;;
    fuzz_import_feed) echo xml ;;
    fuzz_import_html | fuzz_import_dir) echo html ;;
    fuzz_request) echo params ;;
    fuzz_query) echo query ;;
    fuzz_route) echo route ;;
    esac
}

common=(-rss_limit_mb=2048 -timeout=25)

# Replays a target's saved crashes, then fuzzes it; writes "ok: ..." or "failed: ..." to
# $BUILD/fuzz/TARGET/result, and the fuzzer's output to .../log.
run_target() {
    local t=$1 bin="$BUILD/tests/fuzz/$1" out="$BUILD/fuzz/$1"
    rm -rf "$out/artifacts" "$out/log" "$out/result"
    # What earlier runs found is fuzzed on from, until it grows so large that running it all
    # first (which -max_total_time does not bound) would not fit the time: then from the seeds.
    if [ -d "$out/corpus" ] && [ "$(ls "$out/corpus" | wc -l)" -gt 500 ]; then
        rm -rf "$out/corpus"
    fi
    mkdir -p "$out/corpus" "$out/artifacts"

    # Every crash found so far, once each: a fuzzer given files runs them and stops.
    local reg="tests/fuzz/regressions/$t"
    if [ -d "$reg" ] && [ -n "$(ls -A "$reg")" ]; then
        # (In a subshell, so that the shell's "Aborted" notice goes to the log too.)
        if ! ("$bin" "${common[@]}" "$reg"/*) >"$out/log" 2>&1; then
            {
                echo "failed: a saved regression input fails again:"
                grep -E 'Running:|ERROR|SUMMARY|fuzz check failed|runtime error' "$out/log" |
                    head -20 || true
            } >"$out/result"
            return 0
        fi
    fi
    if [ "$FUZZ_SECONDS" -le 0 ]; then
        echo "ok: regressions replayed" >"$out/result"
        return 0
    fi

    # New inputs go to the first folder (the build's), never into the seeds in the repository.
    local dict args
    dict=$(dict_of "$t")
    args=("${common[@]}" -max_total_time="$FUZZ_SECONDS" -artifact_prefix="$out/artifacts/"
        -print_final_stats=1)
    [ -n "$dict" ] && args+=(-dict="tests/fuzz/dict/$dict.dict")
    if ("$bin" "${args[@]}" "$out/corpus" "tests/fuzz/corpus/$t") >"$out/log" 2>&1; then
        local runs
        runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$out/log")
        echo "ok: ${runs:-?} inputs in ${FUZZ_SECONDS} s, nothing found" >"$out/result"
    else
        {
            echo "failed: found a problem; the input is in $out/artifacts/:"
            grep -E 'ERROR|SUMMARY|fuzz check failed|runtime error|#[0-9]+ 0x.* in ' "$out/log" |
                head -25 || true
            echo "fix it, then keep the input in tests/fuzz/regressions/$t/"
        } >"$out/result"
    fi
}

# The targets' temporary folders (their inputs as files, the sample index) stay in the build.
case "$BUILD" in
/*) export TMPDIR="$BUILD/fuzz/tmp" ;;
*) export TMPDIR="$PWD/$BUILD/fuzz/tmp" ;;
esac
rm -rf "$TMPDIR"
mkdir -p "$TMPDIR"

for t in "${targets[@]}"; do
    if [ ! -x "$BUILD/tests/fuzz/$t" ]; then
        echo "fuzz: no such target '$t'" >&2
        exit 2
    fi
done
# One target per core at a time.
running=0
for t in "${targets[@]}"; do
    if [ "$running" -ge "$JOBS" ]; then
        wait -n || true
        running=$((running - 1))
    fi
    run_target "$t" &
    running=$((running + 1))
done
wait

failed=()
for t in "${targets[@]}"; do
    result="$BUILD/fuzz/$t/result"
    if [ -f "$result" ] && head -1 "$result" | grep -q '^ok:'; then
        echo "fuzz: $t: $(sed 's/^ok: //' "$result")"
    else
        echo "fuzz: $t: $(cat "$result" 2>/dev/null || echo 'failed: no result')" >&2
        failed+=("$t")
    fi
done

if [ ${#failed[@]} -gt 0 ]; then
    echo "fuzz: failed: ${failed[*]} (logs in $BUILD/fuzz/<target>/log)" >&2
    exit 1
fi
echo "fuzz: ${#targets[@]} targets passed"
