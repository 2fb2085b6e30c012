/* Tone matching of an after photo to its before photo on the skin
 * background, with the lighting-mismatch gate and the colour maths.
 * SPDX-License-Identifier: MIT
 */
#include <math.h>

#include "smpdoc/error.h"
#include "normalise_private.h"

double
norm_y_to_l(double y)
{
	return y > 216.0 / 24389 ? 116 * cbrt(y) - 16 : y * 24389.0 / 27;
}

double
norm_l_to_y(double l)
{
	return l > 8 ? pow((l + 16) / 116, 3) : l * 27.0 / 24389;
}

static double
lab_f(double t)
{
	return t > 216.0 / 24389 ? cbrt(t) : (24389.0 / 27 * t + 16) / 116;
}

void
norm_rgb_to_lab(const double rgb[3], double lab[3])
{
	/* sRGB primaries, D65 white, as libvips' scRGB -> XYZ -> Lab. */
	double x = 0.4124 * rgb[0] + 0.3576 * rgb[1] + 0.1805 * rgb[2];
	double y = 0.2126 * rgb[0] + 0.7152 * rgb[1] + 0.0722 * rgb[2];
	double z = 0.0193 * rgb[0] + 0.1192 * rgb[1] + 0.9505 * rgb[2];
	double fx = lab_f(x / 0.95047), fy = lab_f(y), fz = lab_f(z / 1.08883);

	lab[0] = 116 * fy - 16;
	lab[1] = 500 * (fx - fy);
	lab[2] = 200 * (fy - fz);
}

double
norm_delta_e(const double a[3], const double b[3])
{
	return sqrt((a[0] - b[0]) * (a[0] - b[0]) + (a[1] - b[1]) * (a[1] - b[1]) +
		(a[2] - b[2]) * (a[2] - b[2]));
}

gboolean
norm_skin_mean(VipsImage *lin, VipsImage *roi, int shrink, int window,
	const SmpNormaliseParams *p, double rgb[3], const char *path,
	GError **error)
{
	g_autoptr(VipsImage) ctx = vips_image_new();
	VipsImage **t =
		(VipsImage **) vips_object_local_array(VIPS_OBJECT(ctx), 12);
	double *s;
	gboolean full;

	t[2] = g_object_ref(lin);
	if (!(t[3] = norm_background_mask(t[2], p, window, NULL, path, error)))
		goto fail;
	if (roi) {
		/* Whole small pixels inside the overlap only: a photo-size mask
		 * is shrunk as the copy was, one at the copy's size is as it is.
		 */
		full = roi->Xsize != t[2]->Xsize || roi->Ysize != t[2]->Ysize;
		if ((full ? vips_shrink(roi, &t[4], shrink, shrink, NULL)
				  : vips_copy(roi, &t[4], NULL)) ||
			vips_moreeq_const1(t[4], &t[5], 254.5, NULL) ||
			vips_crop(t[5], &t[6], 0, 0, t[2]->Xsize, t[2]->Ysize, NULL) ||
			vips_andimage(t[3], t[6], &t[7], NULL))
			goto fail;
	}
	else if (vips_copy(t[3], &t[7], NULL))
		goto fail;
	if (vips_linear1(t[7], &t[8], 1 / 255.0, 0, NULL) ||
		vips_multiply(t[2], t[8], &t[9], NULL) ||
		vips_bandjoin2(t[9], t[8], &t[10], NULL) ||
		vips_stats(t[10], &t[11], NULL))
		goto fail;
	/* Stats rows: all bands, then band 0..; column 2 is the sum. */
	s = VIPS_MATRIX(t[11], 2, 4);
	if (!(*s > 0)) {
		g_set_error(error, SMP_ERROR, SMP_ERROR_UNSUPPORTED,
			"%s: %s: no skin background found to measure the tone",
			path ? path : "(image)", NORM_STAGE);
		return FALSE;
	}
	for (int ch = 0; ch < 3; ch++)
		rgb[ch] = *VIPS_MATRIX(t[11], 2, 1 + ch) / *s;
	return TRUE;

fail:
	if (error && !*error)
		smp_error_from_vips(error, SMP_ERROR_CORRUPT, path, NORM_STAGE);
	return FALSE;
}

static gboolean
masks_check(const SmpNormalisation *before, const SmpNormalisation *after,
	VipsImage *bmask, VipsImage *amask, GError **error)
{
	const SmpNormalisation *n[2] = {before, after};
	VipsImage *m[2] = {bmask, amask};

	if ((bmask == NULL) != (amask == NULL)) {
		g_set_error(error, SMP_ERROR, SMP_ERROR_CONFIG,
			"%s: %s: give both overlap masks or neither",
			after->path ? after->path : "(image)", NORM_STAGE);
		return FALSE;
	}
	for (int i = 0; i < 2 && bmask; i++) {
		int sw, sh, k;
		gboolean full, small;

		smp_normalise_estimate_size(n[i], &sw, &sh, &k);
		full = m[i]->Xsize == n[i]->width && m[i]->Ysize == n[i]->height;
		small = m[i]->Xsize == sw && m[i]->Ysize == sh;
		if ((!full && !small) || vips_image_get_bands(m[i]) != 1 ||
			vips_image_get_format(m[i]) != VIPS_FORMAT_UCHAR) {
			g_set_error(error, SMP_ERROR, SMP_ERROR_CONFIG,
				"%s: %s: the overlap mask must be 1-band uchar %dx%d "
				"(or %dx%d)",
				n[i]->path ? n[i]->path : "(image)", NORM_STAGE, n[i]->width,
				n[i]->height, sw, sh);
			return FALSE;
		}
	}
	return TRUE;
}

void
smp_normalise_estimate_size(
	const SmpNormalisation *n, int *width, int *height, int *k)
{
	*width = n->small_in ? n->small_in->Xsize : 0;
	*height = n->small_in ? n->small_in->Ysize : 0;
	*k = n->shrink;
}

/* @n's estimation copy as the photo is rendered now (its gains and the
 * flat-field, then 8-bit sRGB as the photo is written, so rounding and
 * clipping count), back in linear light, in memory.
 */
static VipsImage *
estimate_render(const SmpNormalisation *n, GError **error)
{
	g_autoptr(VipsImage) lit = norm_lit(n, n->small_in, n->gain, error);
	g_autoptr(VipsImage) srgb = NULL;
	g_autoptr(VipsImage) lin = NULL;
	VipsImage *out = NULL;

	if (!lit || vips_colourspace(lit, &srgb, VIPS_INTERPRETATION_sRGB, NULL) ||
		vips_colourspace(srgb, &lin, VIPS_INTERPRETATION_scRGB, NULL) ||
		!(out = vips_image_copy_memory(lin))) {
		if (error && !*error)
			smp_error_from_vips(error, SMP_ERROR_CORRUPT, n->path, NORM_STAGE);
		return NULL;
	}
	return out;
}

/* The skin background's mean of @n's image as it is rendered now, on
 * its estimation copy.
 */
static gboolean
skin_mean_now(const SmpNormalisation *n, VipsImage *mask,
	const SmpNormaliseParams *p, double rgb[3], GError **error)
{
	g_autoptr(VipsImage) lin =
		n->small_in && n->illum ? estimate_render(n, error) : NULL;

	if (!lin && error && !*error)
		g_set_error(error, SMP_ERROR, SMP_ERROR_INTERNAL,
			"%s: %s: no estimation copy to match the tone on",
			n->path ? n->path : "(image)", NORM_STAGE);
	return lin &&
		norm_skin_mean(lin, mask, n->shrink, n->window, p, rgb, n->path, error);
}

/* How far apart the two photos were as shot: stops of luminance and the
 * largest ln change of R/G or B/G of the skin.
 */
void
smp_normalise_difference(const SmpNormalisation *before,
	const SmpNormalisation *after, double *ev, double *chroma)
{
	const double *b = before->skin_rgb_in, *a = after->skin_rgb_in;
	double yb = NORM_WR * b[0] + NORM_WG * b[1] + NORM_WB * b[2];
	double ya = NORM_WR * a[0] + NORM_WG * a[1] + NORM_WB * a[2];

	*ev = *chroma = 0;
	if (!(yb > 0 && ya > 0 && a[1] > 0 && b[1] > 0 && a[0] > 0 && b[0] > 0 &&
			a[2] > 0 && b[2] > 0))
		return;
	*ev = log2(ya / yb);
	*chroma = MAX(fabs(log((a[0] / a[1]) / (b[0] / b[1]))),
		fabs(log((a[2] / a[1]) / (b[2] / b[1]))));
}

gboolean
smp_normalise_match(const SmpNormalisation *before, SmpNormalisation *after,
	VipsImage *before_mask, VipsImage *after_mask, const SmpNormaliseParams *p,
	GError **error)
{
	SmpNormaliseParams def;
	double cb[3], ca[3], gain[3], match[3], lb[3], la[3], ev, chroma;

	if (!p) {
		smp_normalise_params_default(&def);
		p = &def;
	}
	if (!masks_check(before, after, before_mask, after_mask, error) ||
		!skin_mean_now(before, before_mask, p, cb, error) ||
		!skin_mean_now(after, after_mask, p, ca, error))
		return FALSE;
	/* The same diagonal model as white balance and exposure, so a dot's
	 * ratio to its background (what detection sees) is kept.
	 */
	for (int ch = 0; ch < 3; ch++) {
		match[ch] = after->match_gain[ch] * cb[ch] / ca[ch];
		gain[ch] = after->wb_gain[ch] * after->exposure_gain * match[ch];
	}
	if (!norm_render(after, gain, error))
		return FALSE;
	norm_rgb_to_lab(cb, lb);
	norm_rgb_to_lab(ca, la);
	after->match_delta_e_before = norm_delta_e(lb, la);
	for (int ch = 0; ch < 3; ch++)
		after->match_gain[ch] = match[ch];
	after->matched = TRUE;
	after->match_region = before_mask ? "mask" : "whole_frame";
	/* Measure the result rather than assume it. */
	if (!skin_mean_now(after, after_mask, p, ca, error))
		return FALSE;
	norm_rgb_to_lab(ca, after->skin_lab);
	after->match_delta_e_after = norm_delta_e(lb, after->skin_lab);

	smp_normalise_difference(before, after, &ev, &chroma);
	if (fabs(ev) > p->mismatch_ev || chroma > p->mismatch_chroma)
		smp_warnings_add(after->warnings, "lighting_mismatch",
			"%s: %s: lighting differs from the before photo by %.2f EV "
			"and %.2f in colour (limits %.2f and %.2f); ΔE*ab %.1f "
			"before matching: the tone match may not be trusted",
			after->path ? after->path : "(image)", NORM_STAGE, ev, chroma,
			p->mismatch_ev, p->mismatch_chroma, after->match_delta_e_before);
	return TRUE;
}
