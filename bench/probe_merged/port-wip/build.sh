#!/bin/sh
# Builds the driver of merged_read.c on the harness's scenes (not part of
# make): run make first.
set -eu
cd "$(dirname "$0")/../../.."
d=bench/probe_merged/port-wip
cc -O2 -g -std=gnu11 -Wall -Wextra -Wno-missing-field-initializers -Iinclude -I$d $(pkg-config --cflags vips json-glib-1.0) \
	$d/check.c $d/merged_read.c build/libsmpdoc.a \
	$(pkg-config --libs vips fftw3 libexif json-glib-1.0 sqlite3 libwebpmux) -lcsv -lm \
	-o $d/check
