#!/bin/bash
# demo.sh - Byline on a fresh Debian machine in one command: installs what is missing, builds,
# indexes the bundled sample corpus and serves it on http://127.0.0.1:8080/ (PORT=... to change)
# until Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."
PORT=${PORT:-8080}

tests/install-deps.sh --run
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j "$(nproc 2>/dev/null || echo 2)" >/dev/null

DB=build/demo.db
build/indexer/byline-index --db "$DB" --overwrite samples/news.jsonl
echo
echo "Serving the sample corpus: open http://127.0.0.1:$PORT/ in a browser, or try:"
echo "  curl 'http://127.0.0.1:$PORT/search?q=rail+strike&facets=category,source,date'"
echo "  curl 'http://127.0.0.1:$PORT/suggest?q=inter'"
echo "  build/queries/byline-search --db $DB interest rates --facets category"
echo "Stop with Ctrl-C."
exec build/searchd/byline-searchd --db "$DB" --port "$PORT"
