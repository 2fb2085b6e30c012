/* The merged-dot read: what each detected dot looks like on the pixels,
 * so that the merged fraction (artist.h) counts the touching partners the
 * detector found as one dot. The detector reports about a third of the
 * touching pairs of a scene as a single dot, so the geometric rule on its
 * dots alone reads ~30% low; this read, on the image the dots were found
 * on, reads within 10% on synthetic scenes as rendered (README.md here).
 *
 * Per dot, in linear light (the 8-bit sRGB green band through a LUT):
 *   - its background (ring median) and depth, its half-depth radius (the
 *     median of 16 ray lengths) and a centre fitted to its half-depth edge
 *     on the side facing away from its neighbours;
 *   - found pairs: fitted centres closer than the two half-depth radii
 *     plus the margin with a saddle (the shallowest depth on the segment
 *     between the centres) of at least 0.45 of the shallower dot's depth,
 *     or a saddle of at least 0.7 whatever the gap (ink joins them);
 *   - a hidden partner the detector merged into the dot: a dark lobe
 *     beside it (a peak of the polar residual at least 2.5 px wide both
 *     ways, so hair shafts do not count), or a footprint elongated like
 *     two touching discs (aspect 1.6-2.6, solid, both ends as wide).
 * SPDX-License-Identifier: MIT
 */
#ifndef PROBE_MERGED_READ_H
#define PROBE_MERGED_READ_H

#include <glib.h>
#include <vips/vips.h>

#include "smpdoc/detect.h"

G_BEGIN_DECLS

/* What a hidden partner was seen as. */
typedef enum SmpHidden {
	SMP_HIDDEN_NONE,
	SMP_HIDDEN_LOBE, /* a dark lobe beside the dot */
	SMP_HIDDEN_ELONGATED /* a footprint like two touching discs */
} SmpHidden;

/* One dot as read from the image. */
typedef struct SmpDotRead {
	float fx, fy; /* centre fitted to the half-depth edge facing away
	               * from neighbours; the detector's when not fitted */
	float rh; /* half-depth radius, px; the detector's r when not read */
	float bg, depth; /* ring median and background minus core mean,
	                  * linear 0..255 */
	guint8 ok; /* read: a ring of 8 px or more, darker than it */
	guint8 hidden; /* SmpHidden: a partner the detector merged into it */
	guint8 paired; /* a found pair marks it merged */
} SmpDotRead;

/* Read the @n dots @dots on the 8-bit sRGB green plane @green (@width ×
 * @height, rows @stride bytes apart), on up to @threads threads (the
 * result does not depend on their number). @margin: the gap between two
 * discs still counted as merged, px (SmpArtistParams.merge_margin_px).
 * Returns: (transfer full) one read per dot, in the order of @dots.
 */
SmpDotRead *smp_merged_read(const guint8 *green, int width, int height,
	gsize stride, const SmpDot *dots, gsize n, double margin, int threads);

/* smp_merged_read() of the SmpDot array @dots on @image (8-bit: its green
 * band, or its only one; the image they were found on, best in memory:
 * its green plane is copied), on vips_concurrency_get() threads.
 * Returns: (transfer full) one read per dot, or NULL with @error
 * (SMP_ERROR_CORRUPT, naming @path) when libvips cannot give the pixels.
 */
SmpDotRead *smp_merged_read_image(VipsImage *image, const GArray *dots,
	double margin, const char *path, GError **error);

/* How a read dot counts: 0 not merged, 1 merged, 2 merged with a hidden
 * partner (the dot and the partner, which is also one more dot).
 */
static inline int
smp_dot_read_merged(const SmpDotRead *r)
{
	return r->hidden ? 2 : r->paired ? 1 : 0;
}

G_END_DECLS

#endif /* PROBE_MERGED_READ_H */
