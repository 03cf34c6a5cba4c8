#!/bin/bash
# long_runs.sh - the long versions of the load and fault tests, against a release build (the test
# command runs short ones): wrk for 60 s with 64 connections over Reuters, then 60 s more while
# byline-index commits every second; 10 rounds of kill -9 during indexing; 10 index swaps under
# load plus the missing/unreadable/damaged index checks; a full disk. About 10 minutes.
#
#   tests/long_runs.sh                   all of them
#   tests/long_runs.sh load kill         some: load, kill, faults, disk
#
# The lengths can be changed: LOAD_SECONDS, LOAD_CONNECTIONS, LOAD_ARTICLES, KILL_ROUNDS,
# SWAP_ROUNDS. Each test prints what it measured (requests, p99, RSS...) and fails loudly.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
command -v wrk >/dev/null || { echo "long_runs: wrk is missing: run tests/install-deps.sh" >&2; exit 1; }

cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j "$(nproc)" --target byline-index byline-searchd byline-search >/dev/null
export BYLINE_INDEX="$ROOT/build/indexer/byline-index"
export BYLINE_SEARCHD="$ROOT/build/searchd/byline-searchd"
export BYLINE_SEARCH="$ROOT/build/queries/byline-search"
export BYLINE_SRC="$ROOT"
export LOAD_SECONDS=${LOAD_SECONDS:-60} LOAD_CONNECTIONS=${LOAD_CONNECTIONS:-64}
export LOAD_ARTICLES=${LOAD_ARTICLES:-19578} # all of Reuters but the 2,000 added while searching
export KILL_ROUNDS=${KILL_ROUNDS:-10} SWAP_ROUNDS=${SWAP_ROUNDS:-10}

runs=("$@")
[ ${#runs[@]} -gt 0 ] || runs=(load kill faults disk)
failed=0
for run in "${runs[@]}"; do
    case "$run" in
    load) script=test_searchd_load ;;
    kill) script=test_index_kill ;;
    faults) script=test_searchd_faults ;;
    disk) script=test_index_full_disk ;;
    *)
        echo "long_runs: unknown run '$run' (load, kill, faults, disk)" >&2
        exit 2
        ;;
    esac
    printf '\n== %s\n' "$script"
    start=$(date +%s)
    if bash "tests/$script.sh"; then
        echo "$script: passed in $(($(date +%s) - start)) s"
    else
        echo "$script: FAILED after $(($(date +%s) - start)) s"
        failed=1
    fi
done
exit $failed
