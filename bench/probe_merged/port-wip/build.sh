#!/bin/sh
# Builds the WIP port's validation driver (not part of make): run make first.
set -eu
cd "$(dirname "$0")/../../.."
cc -O2 -g -std=gnu11 -Wall -Wextra -Iinclude -Ibench/probe_merged/port-wip $(pkg-config --cflags vips json-glib-1.0) \
	bench/probe_merged/port-wip/check.c bench/probe_merged/port-wip/merged_read.c build/libsmpdoc.a \
	$(pkg-config --libs vips fftw3 libexif json-glib-1.0 sqlite3 libwebpmux) -lcsv -lm \
	-o bench/probe_merged/port-wip/check
