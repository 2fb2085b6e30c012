#!/bin/sh
# Install the Debian packages smpdoc needs, only those that are missing.
#   deps.sh build   compiler, libraries and test tools (make check, make demo)
#   deps.sh bench   also the peers that make bench compares against
#   deps.sh fuzz    clang and libFuzzer (make fuzz only; check and asan
#                   build with gcc)
#   deps.sh valgrind  valgrind (make valgrind only)
# SPDX-License-Identifier: MIT
set -eu

build="gcc make pkg-config libvips-dev libfftw3-dev libwebp-dev libexif-dev libcmocka-dev \
libjson-glib-dev libsqlite3-dev libcsv-dev fonts-dejavu-core \
sqlite3 parallel chromium libimage-exiftool-perl"
bench="python3-opencv python3-numpy libvips-tools time"
fuzz="clang libclang-rt-14-dev"
valgrind="valgrind"

case "${1:-build}" in
build) want=$build ;;
bench) want="$build $bench" ;;
fuzz) want="$build $fuzz" ;;
valgrind) want="$build $valgrind" ;;
*) echo "deps.sh: unknown set '$1' (build|bench|fuzz|valgrind)" >&2; exit 2 ;;
esac

missing=""
for p in $want; do
	st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	case "$st" in
	*"install ok installed"*) ;;
	*) missing="$missing $p" ;;
	esac
done
# The report's browser test drives Debian's chromium with playwright-core
# from npm; bring npm only when the machine has no node toolchain.
command -v npm >/dev/null 2>&1 || missing="$missing nodejs npm"

install_browser_tests() {
	[ -d tests/browser/node_modules/playwright-core ] && return 0
	(cd tests/browser && npm ci --no-audit --no-fund --loglevel=error)
}

if [ -z "$missing" ]; then
	install_browser_tests
	exit 0
fi

echo "deps: installing$missing"
if [ "$(id -u)" -eq 0 ]; then
	SUDO=""
elif command -v sudo >/dev/null 2>&1; then
	SUDO="sudo"
else
	echo "deps: run as root: apt-get install$missing" >&2
	exit 2
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing
install_browser_tests
