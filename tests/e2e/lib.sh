# Shared set-up of the end-to-end suites, sourced as
#   suite=NAME; . tests/e2e/lib.sh "$@"
# after `set -u`: $build (first argument, default build), $smpdoc, a
# private $tmp removed on exit, the counters and ok/bad/check, and
# e2e_end, which prints "NAME: P passed, F failed" and sets the status.
# A suite whose commands leave their stderr in $tmp/err sets
# show_err=1 first: bad then prints its first lines.
# SPDX-License-Identifier: MIT
build=${1:-build}
smpdoc="$(pwd)/$build/smpdoc"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/smpdoc-$suite.XXXXXX")
trap 'chmod -R u+w "$tmp" 2>/dev/null; rm -rf "$tmp"' EXIT
passed=0
failed=0
show_err=${show_err:-0}

ok() { passed=$((passed + 1)); echo "ok    $1"; }
bad() {
	failed=$((failed + 1))
	echo "FAIL  $1"
	if [ "$show_err" = 1 ] && [ -f "$tmp/err" ]; then
		sed 's/^/      /' "$tmp/err" | head -n 5
	fi
}
check() { if eval "$2"; then ok "$1"; else bad "$1"; fi; }

e2e_end() {
	echo "$suite: $passed passed, $failed failed"
	[ "$failed" -eq 0 ]
}
