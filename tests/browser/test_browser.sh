#!/bin/bash
# test_browser.sh - the search page, the site-search widget and OpenSearch in Debian's headless
# Chromium, driven by playwright-core: installs the npm packages of tests/browser/ (npm ci, only
# when they are missing or stale), then runs browser.test.mjs with node's test runner. That
# file indexes the samples (plus an article full of markup), starts byline-searchd and a second
# origin for the widget, and drives the browser. Screenshots go to browser-output/ in the
# folder ctest runs the test in.
source "$BYLINE_SRC/tests/lib.sh"
HERE=$BYLINE_SRC/tests/browser
CHROMIUM=${BYLINE_CHROMIUM:-/usr/bin/chromium}

for var in BYLINE_SEARCHD BYLINE_INDEX; do
    if [ -z "${!var:-}" ] || [ ! -x "${!var}" ]; then
        echo "$TEST_NAME: $var is not set to a program (see tests/CMakeLists.txt)" >&2
        exit 1
    fi
done
for tool in node npm "$CHROMIUM"; do
    command -v "$tool" >/dev/null || {
        echo "$TEST_NAME: $tool is missing (tests/install-deps.sh installs it)" >&2
        exit 1
    }
done

# npm ci when node_modules does not hold what package-lock.json asks for.
installed_ok() {
    (cd "$HERE" && node -e '
        const lock = require("./package-lock.json").packages;
        for (const [path, p] of Object.entries(lock)) {
            if (!path) continue;
            if (require("./" + path + "/package.json").version !== p.version) process.exit(1);
        }' 2>/dev/null)
}
if ! installed_ok; then
    echo "$TEST_NAME: npm ci in $HERE"
    (cd "$HERE" && npm ci --no-audit --no-fund --loglevel=error) || {
        echo "$TEST_NAME: npm ci failed" >&2
        exit 1
    }
fi

OUT=$PWD/browser-output
mkdir -p "$OUT"
BYLINE_CHROMIUM=$CHROMIUM BYLINE_BROWSER_OUT=$OUT BYLINE_SCRATCH=$SCRATCH \
    node --test --test-reporter=spec "$HERE/browser.test.mjs"
rc=$?
[ "$rc" -eq 0 ] || fail "browser tests failed (exit status $rc); screenshots in $OUT"
finish
