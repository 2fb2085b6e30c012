#!/bin/sh
# Builds the research harness bench/probe_merged/meval against build/libsmpdoc.a
# (run `make` first). Not part of make, make check or CI.
set -eu
cd "$(dirname "$0")/../.."
test -f build/libsmpdoc.a || { echo "build.sh: run make first (build/libsmpdoc.a missing)" >&2; exit 1; }
cc -O2 -g -std=gnu11 -Iinclude $(pkg-config --cflags vips json-glib-1.0) \
	bench/probe_merged/meval.c build/libsmpdoc.a \
	$(pkg-config --libs vips fftw3 libexif json-glib-1.0 sqlite3 libwebpmux) -lcsv -lm \
	-o bench/probe_merged/meval
