/* Quality gates on a photo as shot: clipped highlights and shadows, and a
 * focus measure from how edge gradients fall with smoothing.
 * SPDX-License-Identifier: MIT
 */
#include <math.h>

#include "smpdoc/error.h"
#include "normalise_private.h"

/* The focus measure looks at most at this many px square in the middle
 * of the photo: enough edges, bounded cost at any size.
 */
#define FOCUS_MAX_SIDE 1024
/* Gradient scales, px. An edge of blur sigma b smoothed by s has a peak
 * gradient proportional to 1 / sqrt(b² + s² + D), D the variance the
 * central difference adds.
 */
#define FOCUS_S1 0.7
#define FOCUS_S2 2.0
#define FOCUS_D 0.25
#define FOCUS_TOP 99.5 /* percentile of the "sharpest edges" */

static gboolean
clipped(SmpNormalisation *n, VipsImage *in, const SmpNormaliseParams *p)
{
	g_autoptr(VipsImage) ctx = vips_image_new();
	VipsImage **t = (VipsImage **) vips_object_local_array(VIPS_OBJECT(ctx), 6);

	/* A highlight is clipped when any band is, a shadow when all are:
	 * one saturated channel already loses the skin's colour.
	 */
	if (vips_moreeq_const1(in, &t[0], p->clip_high, NULL) ||
		vips_bandbool(t[0], &t[1], VIPS_OPERATION_BOOLEAN_OR, NULL) ||
		vips_lesseq_const1(in, &t[2], p->clip_low, NULL) ||
		vips_bandbool(t[2], &t[3], VIPS_OPERATION_BOOLEAN_AND, NULL) ||
		vips_bandjoin2(t[1], t[3], &t[4], NULL) ||
		vips_stats(t[4], &t[5], NULL))
		return FALSE;
	n->clipped_high = *VIPS_MATRIX(t[5], 4, 1) / 255;
	n->clipped_low = *VIPS_MATRIX(t[5], 4, 2) / 255;
	return TRUE;
}

/* The values below which @pc % of the pixels of a ushort image lie,
 * for @n percentiles, from one histogram; @excluded pixels set to 0 are
 * not counted.
 */
static gboolean
percentiles(
	VipsImage *in, double excluded, const double *pc, int n, double *out)
{
	g_autoptr(VipsImage) hist = NULL;
	g_autoptr(VipsImage) mem = NULL;
	const guint *h;
	double total, sum = 0;
	int k = 0;

	if (vips_hist_find(in, &hist, NULL) ||
		!(mem = vips_image_copy_memory(hist)))
		return FALSE;
	h = (const guint *) mem->data;
	total = (double) in->Xsize * in->Ysize - excluded;
	sum = -excluded;
	for (int v = 0; v < mem->Xsize && k < n; v++) {
		sum += h[v];
		while (k < n && sum >= pc[k] / 100 * total)
			out[k++] = v;
	}
	while (k < n)
		out[k++] = mem->Xsize - 1;
	return TRUE;
}

/* The FOCUS_TOP percentile of the gradient magnitude of @y smoothed by
 * @sigma, minus its median (the noise and texture floor), over the
 * pixels where @keep (nullable: all; 0 or 1) is 1, @excluded of them 0.
 */
static gboolean
edge_gradient(
	VipsImage *y, double sigma, VipsImage *keep, double excluded, double *out)
{
	g_autoptr(VipsImage) ctx = vips_image_new();
	VipsImage **t =
		(VipsImage **) vips_object_local_array(VIPS_OBJECT(ctx), 12);
	static const double pc[2] = {50, FOCUS_TOP};
	double v[2];

	if (vips_gaussblur(
			y, &t[0], sigma, "precision", VIPS_PRECISION_FLOAT, NULL) ||
		!(t[1] = vips_image_new_matrixv(3, 1, -0.5, 0.0, 0.5)) ||
		!(t[2] = vips_image_new_matrixv(1, 3, -0.5, 0.0, 0.5)) ||
		vips_conv(t[0], &t[3], t[1], "precision", VIPS_PRECISION_FLOAT, NULL) ||
		vips_conv(t[0], &t[4], t[2], "precision", VIPS_PRECISION_FLOAT, NULL) ||
		vips_multiply(t[3], t[3], &t[5], NULL) ||
		vips_multiply(t[4], t[4], &t[6], NULL) ||
		vips_add(t[5], t[6], &t[7], NULL) ||
		vips_pow_const1(t[7], &t[8], 0.5, NULL))
		return FALSE;
	if (keep && vips_multiply(t[8], keep, &t[11], NULL))
		return FALSE;
	/* 1/64 grey level per px resolution for the histogram. */
	if (vips_linear1(keep ? t[11] : t[8], &t[9], 64, 0.5, NULL) ||
		vips_cast_ushort(t[9], &t[10], NULL) ||
		!percentiles(t[10], excluded, pc, 2, v))
		return FALSE;
	*out = (v[1] - v[0]) / 64.0;
	return TRUE;
}

/* @keep (@width × @height bytes) cropped like the photo to @w × @h at
 * (@x, @y), as 0/1 float in @out, and the count of its 0 pixels.
 */
static gboolean
keep_crop(const guint8 *keep, int width, int height, int x, int y, int w, int h,
	VipsImage **out, double *excluded)
{
	g_autoptr(VipsImage) ctx = vips_image_new();
	VipsImage **t = (VipsImage **) vips_object_local_array(VIPS_OBJECT(ctx), 3);
	double mean;

	if (!(t[0] = vips_image_new_from_memory(keep, (size_t) width * height,
			  width, height, 1, VIPS_FORMAT_UCHAR)) ||
		vips_crop(t[0], &t[1], x, y, w, h, NULL) ||
		vips_notequal_const1(t[1], &t[2], 0, NULL) ||
		vips_linear1(t[2], out, 1.0 / 255, 0, "uchar", FALSE, NULL) ||
		vips_avg(*out, &mean, NULL))
		return FALSE;
	*excluded = round((1.0 - mean) * w * h);
	return TRUE;
}

/* Blur sigma of the sharpest edges from the ratio of their gradients at
 * two smoothing scales: a sharp edge loses much to smoothing, a blurred
 * one little. Only where @keep (nullable, the photo's size) is not 0.
 */
static gboolean
focus(SmpNormalisation *n, VipsImage *in, const guint8 *keep)
{
	g_autoptr(VipsImage) ctx = vips_image_new();
	VipsImage **t = (VipsImage **) vips_object_local_array(VIPS_OBJECT(ctx), 4);
	int w = MIN(in->Xsize, FOCUS_MAX_SIDE), h = MIN(in->Ysize, FOCUS_MAX_SIDE);
	int x0 = (in->Xsize - w) / 2, y0 = (in->Ysize - h) / 2;
	double g1, g2, r2, a = FOCUS_S1 * FOCUS_S1 + FOCUS_D,
					   b = FOCUS_S2 * FOCUS_S2 + FOCUS_D, rmax = sqrt(b / a);
	double excluded = 0;

	if (keep &&
		!keep_crop(keep, in->Xsize, in->Ysize, x0, y0, w, h, &t[3], &excluded))
		return FALSE;
	if (vips_crop(in, &t[0], x0, y0, w, h, NULL) ||
		vips_colourspace(t[0], &t[1], VIPS_INTERPRETATION_B_W, NULL) ||
		vips_cast_float(t[1], &t[2], NULL) ||
		!edge_gradient(t[2], FOCUS_S1, t[3], excluded, &g1) ||
		!edge_gradient(t[2], FOCUS_S2, t[3], excluded, &g2))
		return FALSE;
	if (!(g1 > 0 && g2 > 0) || excluded >= (double) w * h) {
		/* A flat picture: no edge to judge. */
		n->edge_blur_px = NAN;
		n->focus = NAN;
		return TRUE;
	}
	r2 = (g1 / g2) * (g1 / g2);
	n->focus = CLAMP((g1 / g2 - 1) / (rmax - 1), 0.0, 1.0);
	n->edge_blur_px =
		r2 <= 1.0001 ? 99.0 : sqrt(MAX(0.0, (b - r2 * a) / (r2 - 1)));
	return TRUE;
}

/* The `blur` warning when the edge blur is over the limit, judged in mm
 * at @ppm when > 0 (blur matters against the dots' physical size), else
 * in px.
 */
static void
blur_warning(SmpNormalisation *n, const SmpNormaliseParams *p, double ppm)
{
	const char *path = n->path ? n->path : "(image)";
	double blur, limit;
	const char *unit;

	if (isnan(n->edge_blur_px))
		return;
	blur = ppm > 0 ? n->edge_blur_px / ppm : n->edge_blur_px;
	limit = ppm > 0 ? p->blur_max_mm : p->blur_max_px;
	unit = ppm > 0 ? "mm" : "px";
	if (blur > limit)
		smp_warnings_add(n->warnings, "blur",
			"%s: %s: edges blurred by %.3g %s (sigma; limit %.3g %s), "
			"focus measure %.2f",
			path, NORM_STAGE, blur, unit, limit, unit, n->focus);
}

gboolean
norm_quality(SmpNormalisation *n, VipsImage *in, const SmpNormaliseParams *p,
	GError **error)
{
	const char *path = n->path ? n->path : "(image)";

	if (!clipped(n, in, p) || !focus(n, in, NULL)) {
		smp_error_from_vips(error, SMP_ERROR_CORRUPT, n->path, NORM_STAGE);
		return FALSE;
	}
	if (n->clipped_high > p->clip_max_fraction ||
		n->clipped_low > p->clip_max_fraction)
		smp_warnings_add(n->warnings, "clipped",
			"%s: %s: %.1f%% of the frame clipped in highlights and %.1f%% "
			"in shadows (limit %.1f%%)",
			path, NORM_STAGE, 100 * n->clipped_high, 100 * n->clipped_low,
			100 * p->clip_max_fraction);
	blur_warning(n, p, n->px_per_mm);
	return TRUE;
}

gboolean
smp_normalise_judge_focus(SmpNormalisation *n, const guint8 *keep,
	double px_per_mm, const SmpNormaliseParams *p, GError **error)
{
	SmpNormaliseParams def;

	if (!p) {
		smp_normalise_params_default(&def);
		p = &def;
	}
	if (!focus(n, n->input, keep)) {
		smp_error_from_vips(error, SMP_ERROR_CORRUPT, n->path, NORM_STAGE);
		return FALSE;
	}
	smp_warnings_remove(n->warnings, "blur");
	blur_warning(n, p, px_per_mm > 0 ? px_per_mm : n->px_per_mm);
	return TRUE;
}
