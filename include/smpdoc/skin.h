/* Skin or backdrop: the parts of a photo that are plainly not scalp
 * (a wall, clothes, a grey backdrop) and reach the frame's edge, so that
 * global views of the head measure only the head.
 * SPDX-License-Identifier: MIT
 */
#ifndef SMPDOC_SKIN_H
#define SMPDOC_SKIN_H

#include <glib.h>
#include <vips/vips.h>

G_BEGIN_DECLS

/* Long edge of the coarse image the decision is made on, px. */
#define SMP_SKIN_COARSE_PX 256

typedef struct SmpSkinResult {
	/* Fraction of the frame found to be backdrop and excluded (0: none,
	 * also when the photo's colours do not tell skin apart reliably).
	 */
	double backdrop_fraction;
	/* FALSE when no skin colour dominated: nothing was excluded. */
	gboolean decided;
} SmpSkinResult;

/* Find the backdrop of @image (upright sRGB, after normalisation) and clear
 * its pixels in @mask (@width x @height bytes, rows @width apart, non-zero
 * = inside; allocated all inside when *@mask is NULL and something is
 * excluded).
 *
 * Skin is told by its hue and its chroma relative to lightness (both hold
 * under shading and on every skin tone), against the photo's own dominant
 * skin colour; the backdrop is the non-skin regions that touch the frame's
 * edge and cover at least 2% of it, grown by one coarse pixel so that its
 * edge is not measured. Small skin-coloured islands inside it go with it.
 *
 * Returns: FALSE with @error (naming @path) when libvips fails.
 */
gboolean smp_skin_exclude_backdrop(VipsImage *image, guint8 **mask,
	const char *path, SmpSkinResult *result, GError **error);

G_END_DECLS

#endif /* SMPDOC_SKIN_H */
