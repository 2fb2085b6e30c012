/* What detect.c (the scale space and per-candidate measures) shares with
 * suppress.c (merging the candidates into dots).
 * SPDX-License-Identifier: MIT
 */
#ifndef SMPDOC_DETECT_PRIVATE_H
#define SMPDOC_DETECT_PRIVATE_H

#include <glib.h>

#include "smpdoc/detect.h"

#define SUPPRESS_FACTOR 1.2 /* NMS radius / larger radius */
/* Dots: diameter >= SIZE_SLACK_MIN * dmin. Small soft dots measure small,
 * most of all on dark skin; pores stay out by SMALL_FAINT, hair shafts by
 * is_shaft() (detect.c).
 */
#define SIZE_SLACK_MIN 0.65
#define SIZE_SLACK_MAX 1.25 /* dots: diameter <= this * dmax */
#define SHARP_REF 1.6 /* edge sharpness of a crisp dot (focus 1) */

/* A candidate that passed every test, in full-resolution pixels. */
typedef struct Cand {
	double x, y, r;
	double contrast;
	double resp; /* scale-normalised response, Q4 */
	double noise; /* local noise, Q4 */
	double sharp; /* edge sharpness */
	int oct, lvl;
	int split; /* one of a touching pair found by split_partner() */
} Cand;

/* The median of @v[0, n) (reordered), NAN when @n is 0. */
double smp_detect_median(double *v, guint n);

/* Greedy non-maximum suppression of the candidates @all[0, @n) (any
 * order: they are ranked with a total order) into @d's dots, large blobs,
 * focus and noise.
 */
void smp_detect_suppress(const Cand *all, guint n, const SmpDetectParams *p,
	int width, int height, SmpDetection *d);

/* A buffer of at least @bytes (64-byte aligned) from the detector's pool
 * of freed buffers, which keeps them for the next photo; @got gets the
 * size to give back to smp_detect_buf_free() (which accepts NULL).
 * NULL when out of memory.
 */
void *smp_detect_buf_new(size_t bytes, size_t *got);
void smp_detect_buf_free(void *p, size_t got);

#endif /* SMPDOC_DETECT_PRIVATE_H */
