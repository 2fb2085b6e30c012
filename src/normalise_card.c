/* White balance from a grey card: the region's mean linear colour made
 * neutral.
 * SPDX-License-Identifier: MIT
 */
#include <math.h>

#include "smpdoc/error.h"
#include "normalise_private.h"

/* The card's rectangle in pixels, clipped to the photo; FALSE when it
 * is empty. All four values <= 1 are fractions of the photo's size.
 */
static gboolean
card_rect(const SmpNormalisation *n, const double r[4], int px[4])
{
	gboolean frac = r[0] <= 1 && r[1] <= 1 && r[2] <= 1 && r[3] <= 1;
	double sx = frac ? n->width : 1, sy = frac ? n->height : 1;
	int x0 = (int) lround(CLAMP(r[0] * sx, 0, n->width));
	int y0 = (int) lround(CLAMP(r[1] * sy, 0, n->height));
	int x1 = (int) lround(CLAMP((r[0] + r[2]) * sx, 0, n->width));
	int y1 = (int) lround(CLAMP((r[1] + r[3]) * sy, 0, n->height));

	px[0] = x0;
	px[1] = y0;
	px[2] = x1 - x0;
	px[3] = y1 - y0;
	return r[2] > 0 && r[3] > 0 && px[2] > 0 && px[3] > 0;
}

/* Mean linear RGB of @area, and the fraction of its pixels clipped (a
 * band >= clip_high, or every band <= clip_low).
 */
static int
card_stats(VipsImage *area, const SmpNormaliseParams *p, double rgb[3],
	double *clipped)
{
	g_autoptr(VipsImage) lin = NULL, stats = NULL, hi = NULL, lo = NULL;
	g_autoptr(VipsImage) hi1 = NULL, lo1 = NULL, any = NULL;
	double f;

	if (vips_colourspace(area, &lin, VIPS_INTERPRETATION_scRGB, NULL) ||
		vips_stats(lin, &stats, NULL) ||
		vips_moreeq_const1(area, &hi, p->clip_high, NULL) ||
		vips_bandbool(hi, &hi1, VIPS_OPERATION_BOOLEAN_OR, NULL) ||
		vips_lesseq_const1(area, &lo, p->clip_low, NULL) ||
		vips_bandbool(lo, &lo1, VIPS_OPERATION_BOOLEAN_AND, NULL) ||
		vips_boolean(hi1, lo1, &any, VIPS_OPERATION_BOOLEAN_OR, NULL) ||
		vips_avg(any, &f, NULL))
		return -1;
	/* vips_stats: row 0 all bands, row b + 1 band b; column 4 the mean. */
	for (int c = 0; c < 3; c++)
		rgb[c] = *VIPS_MATRIX(stats, 4, c + 1);
	*clipped = f / 255;
	return 0;
}

int
norm_grey_card(SmpNormalisation *n, VipsImage *in, const SmpNormaliseParams *p,
	double gain[3], GError **error)
{
	g_autoptr(VipsImage) area = NULL;
	const char *path = n->path ? n->path : "(image)";
	double *rgb = n->grey_card_rgb, lim = log(p->max_wb_gain), q[2];
	int *r = n->grey_card_px;

	if (!p->white_balance || !(p->grey_card[2] > 0))
		return 0;
	if (!card_rect(n, p->grey_card, r)) {
		smp_warnings_add(n->warnings, "grey_card_outside",
			"%s: grey card region %g,%g,%g,%g lies outside the %dx%d photo: "
			"white balance from the skin",
			path, p->grey_card[0], p->grey_card[1], p->grey_card[2],
			p->grey_card[3], n->width, n->height);
		return 0;
	}
	if (vips_extract_area(in, &area, r[0], r[1], r[2], r[3], NULL) ||
		card_stats(area, p, rgb, &n->grey_card_clipped)) {
		smp_error_from_vips(error, SMP_ERROR_CORRUPT, n->path, NORM_STAGE);
		return -1;
	}
	if (n->grey_card_clipped > p->clip_max_fraction || rgb[0] <= 0 ||
		rgb[1] <= 0 || rgb[2] <= 0) {
		smp_warnings_add(n->warnings, "grey_card_clipped",
			"%s: grey card region %dx%d+%d+%d is %.1f%% clipped: white "
			"balance from the skin",
			path, r[2], r[3], r[0], r[1], 100 * n->grey_card_clipped);
		return 0;
	}
	/* Neutral: equal linear R, G, B; green is the reference. */
	q[0] = log(rgb[1] / rgb[0]);
	q[1] = log(rgb[1] / rgb[2]);
	if (fabs(q[0]) > lim || fabs(q[1]) > lim)
		smp_warnings_add(n->warnings, "grey_card_not_neutral",
			"%s: grey card region %dx%d+%d+%d is far from grey (R/G %.2f, "
			"B/G %.2f): gains limited to %.2f",
			path, r[2], r[3], r[0], r[1], rgb[0] / rgb[1], rgb[2] / rgb[1],
			p->max_wb_gain);
	gain[0] = exp(CLAMP(q[0], -lim, lim));
	gain[1] = 1;
	gain[2] = exp(CLAMP(q[1], -lim, lim));
	return 1;
}
