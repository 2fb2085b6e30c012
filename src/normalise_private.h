/* Internal interface between the normalise files: the skin background
 * mask, the full-size render, colour maths and the quality gates.
 * SPDX-License-Identifier: MIT
 */
#ifndef SMPDOC_NORMALISE_PRIVATE_H
#define SMPDOC_NORMALISE_PRIVATE_H

#include <glib.h>
#include <vips/vips.h>

#include "smpdoc/normalise.h"
#include "smpdoc/photo.h" /* g_autoptr(VipsImage) */

#define NORM_STAGE "normalise"

/* Rec. 709 / sRGB luminance weights (linear light). */
#define NORM_WR 0.2126
#define NORM_WG 0.7152
#define NORM_WB 0.0722

/* Mask (uchar 0/255, same size) of the skin background of @lin, a linear
 * RGB float image: pixels whose luminance lies within [p->bg_low,
 * p->bg_high] times the local upper level (a rank filter of @window px
 * at the 60th percentile), so that dots, moles and highlights are out.
 * @y: (out) (transfer full) (optional) the luminance plane.
 */
VipsImage *norm_background_mask(VipsImage *lin, const SmpNormaliseParams *p,
	int window, VipsImage **y, const char *path, GError **error);

/* @lin (linear light, 3 bands, any size: the photo or its estimation
 * copy) times the per-band @gain and @n's flat-field stretched over it,
 * as lazy scRGB.
 */
VipsImage *norm_lit(const SmpNormalisation *n, VipsImage *lin,
	const double gain[3], GError **error);

/* Mean linear RGB of the skin background of @lin (an estimation copy in
 * linear light, shrunk by @shrink from its photo), within @roi (nullable
 * 1-band uchar mask, non-zero = inside, at the photo's size or @lin's).
 */
gboolean norm_skin_mean(VipsImage *lin, VipsImage *roi, int shrink, int window,
	const SmpNormaliseParams *p, double rgb[3], const char *path,
	GError **error);

/* White balance gains from the grey card of p->grey_card, into @gain:
 * 1; 0 when there is none or it is unusable (a warning says why); -1
 * with @error when libvips fails.
 */
int norm_grey_card(SmpNormalisation *n, VipsImage *in,
	const SmpNormaliseParams *p, double gain[3], GError **error);

/* Render @n->image from @n->input, @n->illum and per-band linear @gain,
 * replacing the old image, which is dropped first (so @n->image is NULL
 * on failure). Returns: TRUE; FALSE with @error set.
 */
gboolean norm_render(SmpNormalisation *n, const double gain[3], GError **error);

/* CIELAB (D65) of a linear sRGB colour, and the CIE76 distance. */
void norm_rgb_to_lab(const double rgb[3], double lab[3]);
double norm_delta_e(const double a[3], const double b[3]);

/* L* of a relative luminance, and back. */
double norm_y_to_l(double y);
double norm_l_to_y(double l);

/* Clipping and focus of @in (the photo as shot) into @n, with warnings. */
gboolean norm_quality(SmpNormalisation *n, VipsImage *in,
	const SmpNormaliseParams *p, GError **error);

#endif /* SMPDOC_NORMALISE_PRIVATE_H */
