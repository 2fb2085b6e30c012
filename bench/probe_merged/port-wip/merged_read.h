/* WORK IN PROGRESS (h10e): the per-dot read for the merged fraction
 * (setting F, bench/probe_merged/NOTES.md). Not compiled by the Makefile.
 * SPDX-License-Identifier: MIT
 */
#ifndef SMPDOC_MERGED_READ_H
#define SMPDOC_MERGED_READ_H

#include <glib.h>

#include "smpdoc/detect.h"

/* One dot as read from the image (linear light). */
typedef struct SmpDotRead {
	float fx, fy; /* centre fitted to the half-depth edge away from
	               * neighbours; the detector's when not read */
	float rh; /* half-depth radius (median of 16 rays); else dot r */
	float bg, depth; /* ring median, background minus core mean */
	guint8 ok; /* read (depth > 0, enough ring) */
	guint8 hidden; /* 1 lobe, 2 elongation: a partner the detector merged */
	guint8 paired; /* a found pair (fitted centres, rh, saddle) marks it */
} SmpDotRead;

/* Read @n dots on the 8-bit sRGB green plane @green (@w x @h, @stride
 * bytes a row). @margin: the merge margin, px. Returns (transfer full).
 */
SmpDotRead *smp_merged_read(const guint8 *green, int w, int h, gsize stride,
	const SmpDot *dots, gsize n, double margin);

/* WIP knobs: test every dot (the harness) or only unpaired ones; the
 * wall time of the three passes (read, pairs, partner tests), us. */
extern gboolean smp_merged_read_test_all;
extern gint64 smp_merged_read_us[3];

/* (paired or hidden) + hidden over n + hidden; @merged (nullable). */
double smp_merged_fraction_read(const SmpDotRead *r, gsize n, gsize *merged);

#endif
