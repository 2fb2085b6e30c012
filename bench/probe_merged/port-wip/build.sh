#!/bin/sh
# Builds the driver of src/merged.c on the harness's scenes (not part of make):
# run make first.
set -eu
cd "$(dirname "$0")/../../.."
cc -O2 -g -std=gnu11 -Wall -Wextra -Iinclude $(pkg-config --cflags vips json-glib-1.0) \
	bench/probe_merged/port-wip/check.c build/libsmpdoc.a \
	$(pkg-config --libs vips fftw3 libexif json-glib-1.0 sqlite3 libwebpmux) -lcsv -lm \
	-o bench/probe_merged/port-wip/check
