/* Dot detection: follicle-like dark dots found by the SIMD hot loop in
 * src/detect/. (Work in progress: the full API lands with the detector.)
 * SPDX-License-Identifier: MIT
 */
#ifndef SMPDOC_DETECT_H
#define SMPDOC_DETECT_H

#include <glib.h>

G_BEGIN_DECLS

/* One detected dot. Coordinates are in pixels of the upright image with
 * (0,0) at the top-left corner of the top-left pixel, so that pixel's
 * centre is (0.5, 0.5) (FORMATS.md).
 */
typedef struct SmpDot {
	float x;        /* centre, px */
	float y;        /* centre, px */
	float r;        /* radius, px */
	float contrast; /* (background - dot) / background, 0..1 */
} SmpDot;

G_END_DECLS

#endif /* SMPDOC_DETECT_H */
