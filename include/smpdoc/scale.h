/* Physical scale from a calibration sticker: a round light sticker of
 * known diameter (optionally inside a dark border ring) placed on the
 * scalp, found automatically, its edge fitted by an ellipse with sub-pixel
 * accuracy, px/mm taken from the major axis.
 * SPDX-License-Identifier: MIT
 */
#ifndef SMPDOC_SCALE_H
#define SMPDOC_SCALE_H

#include <glib.h>
#include <json-glib/json-glib.h>
#include <vips/vips.h>

G_BEGIN_DECLS

#define SMP_STICKER_MAX_TILT_DEG                                               \
	15.0 /* refused beyond: axis ratio below
                                       * cos 15° = 0.966 */
#define SMP_STICKER_TOLERANCE_MM                                               \
	0.05 /* print tolerance of the sticker's
                                       * diameter, 1 sigma, by default */
#define SMP_STICKER_PX_PER_MM_MIN 2.0 /* plausible scales searched */
#define SMP_STICKER_PX_PER_MM_MAX 200.0
#define SMP_STICKER_EXCLUDE                                                    \
	1.3 /* ROI excluded: the fitted ellipse
                                 * grown by this factor (room for a
                                 * border ring) plus 4 px */

/* What to look for. */
typedef struct SmpStickerParams {
	double diameter_mm; /* of the light disc (inside a border ring, if
	                     * any); > 0 */
	double max_tilt_deg; /* default SMP_STICKER_MAX_TILT_DEG */
	double tolerance_mm; /* print tolerance of diameter_mm, 1 sigma;
	                      * default SMP_STICKER_TOLERANCE_MM */
} SmpStickerParams;

/* What was found. A sticker is used for the scale only when
 * smp_sticker_usable(): found, not partial, not tilted.
 */
typedef struct SmpSticker {
	double diameter_mm; /* as asked */
	gboolean found;
	gboolean partial; /* it touches the frame edge */
	gboolean tilted; /* axis_ratio < cos(max_tilt_deg) */
	double cx, cy; /* centre, px (pixel centres at 0.5) */
	double major_px, minor_px; /* full axes of the fitted ellipse, px */
	double angle_deg; /* direction of the major axis, [0, 180), image axes
	                   * (0 = +x, 90 = +y) */
	double axis_ratio; /* minor / major */
	double tilt_deg; /* acos(axis_ratio): the tilt away from the camera */
	double px_per_mm; /* major_px / diameter_mm */
	double rel_uncertainty; /* 1-sigma relative error of px_per_mm: the
	                         * fit's and the print tolerance's, in
	                         * quadrature */
	double fit_rel_uncertainty; /* the fit's alone (jackknife) */
	double tolerance_mm; /* the print tolerance used */
	double residual_px; /* RMS distance of the edge points from the
	                     * ellipse */
	int edge_points; /* points kept in the fit */
} SmpSticker;

void smp_sticker_params_default(SmpStickerParams *p, double diameter_mm);

/* Find the sticker in @image (upright 8-bit sRGB, 3 bands, or 1-band
 * luminance; the normalised photo when there is one). @path names the
 * photo in messages.
 *
 * Coarse: the photo shrunk to about 600 px, "whiteness" (CIE L* minus
 * twice the chroma: a white sticker is bright and neutral, skin is
 * coloured) thresholded above the skin, cleaned by a 3×3 median, its
 * regions labelled (vips_labelregions); candidates of plausible size that
 * fill their moment ellipse and are flat inside (a highlight peaks in the
 * middle) are kept, the largest wins. Fine: on the full-resolution
 * luminance, along rays from the centre, the edge is where the profile
 * crosses half-way between the disc and what lies outside it (sub-pixel
 * by linear interpolation); an ellipse is fitted to those points
 * (scale_fit_ellipse), outliers (a dot on the ray) dropped, refitted.
 *
 * Returns: (transfer full) a result (found FALSE when there is no
 * sticker), or NULL with @error set when libvips fails.
 */
SmpSticker *smp_sticker_find(VipsImage *image, const SmpStickerParams *p,
	const char *path, GError **error);

/* TRUE when @s may give the photo's scale. */
gboolean smp_sticker_usable(const SmpSticker *s);

/* Clear the sticker's area, its ellipse grown by SMP_STICKER_EXCLUDE plus
 * 4 px, in @mask (@width × @height bytes, rows @stride apart): the
 * sticker hides the scalp under it, which must not count as bare skin.
 */
void smp_sticker_exclude(
	const SmpSticker *s, guint8 *mask, int width, int height, gsize stride);

/* The "sticker" object of FORMATS.md into @b (a member name is set). */
void smp_sticker_to_json(const SmpSticker *s, JsonBuilder *b);

void smp_sticker_free(SmpSticker *s);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(SmpSticker, smp_sticker_free)

G_END_DECLS

#endif /* SMPDOC_SCALE_H */
