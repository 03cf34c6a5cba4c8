#!/bin/bash
# demo.sh - Byline on a fresh Debian machine in one command: installs what is missing, builds,
# indexes the bundled sample corpus and runs a sample search on it.
set -euo pipefail
cd "$(dirname "$0")/.."

tests/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j "$(nproc 2>/dev/null || echo 2)" >/dev/null

DB=build/demo.db
build/indexer/byline-index --db "$DB" --overwrite samples/news.jsonl
build/indexer/byline-index stats --db "$DB" | head -12
echo
echo "search: rail strike"
build/tests/query_tool "$DB" search --limit 5 "rail strike"
