#!/bin/sh
# install-deps.sh - installs the Debian packages Byline needs to build, test and run, and only
# those missing: quick and silent when everything is present.
#
#   tests/install-deps.sh         everything, tests included (tests/run.sh, CI)
#   tests/install-deps.sh --run   only what building and running Byline needs (samples/demo.sh)
set -eu

# What building and running needs: the compiler, the libraries and Xapian's own tools.
PACKAGES="build-essential cmake pkg-config libxapian-dev xapian-tools libstemmer-dev
libmicrohttpd-dev libjansson-dev zlib1g-dev libcurl4-openssl-dev libcsv-dev libxml2-dev
libjemalloc-dev curl"
if [ "${1:-}" != "--run" ]; then
    # The tests: clang with libclang-rt-dev (libFuzzer, the sanitizers' runtimes) builds the
    # fuzz targets; llvm brings llvm-symbolizer for readable sanitizer reports; Chromium and
    # Node.js run the browser tests.
    PACKAGES="$PACKAGES clang clang-format libclang-rt-dev llvm jq wrk python3 util-linux
chromium fonts-dejavu-core nodejs"
    # Some Node.js builds (NodeSource's) bring their own npm and conflict with Debian's
    # package, so ask for npm only when there is none.
    command -v npm >/dev/null 2>&1 || PACKAGES="$PACKAGES npm"
fi

missing=""
for p in $PACKAGES; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed"; then
        missing="$missing $p"
    fi
done
[ -z "$missing" ] && exit 0

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then
        SUDO="sudo"
    else
        echo "install-deps: these packages are missing and I am not root:$missing" >&2
        exit 1
    fi
fi
echo "install-deps: installing$missing" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
