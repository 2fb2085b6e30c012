/* Growth of persisting dots from their moment radii (growth.h).
 * SPDX-License-Identifier: MIT
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "smpdoc/error.h"
#include "smpdoc/growth.h"
#include "smpdoc/photo.h"

#define DISC_K 2.2 /* the dot's disc: DISC_K r + DISC_PX */
#define DISC_PX 1.5
#define RING_K 3.0 /* the background ring: out to RING_K r + RING_PX */
#define RING_PX 4.0
#define CORE_K 0.35 /* the centre: within max(CORE_PX, CORE_K r) */
#define CORE_PX 0.8
#define MIN_RING 8 /* ring pixels needed for a background */

/* Median of the values counted in @hist (256 bins, @n values). */
static double
hist_median(const guint32 *hist, guint32 n)
{
	guint32 sum = 0;

	for (int v = 0; v < 256; v++)
		if ((sum += hist[v]) * 2 >= n)
			return v;
	return 255;
}

/* Squared distance from pixel (@x, @y)'s centre to the dot's centre. */
static inline double
dist2(int x, int y, const SmpDot *d)
{
	double dx = x + 0.5 - d->x, dy = y + 0.5 - d->y;

	return dx * dx + dy * dy;
}

double
smp_growth_moment_radius(
	const guint8 *luma, int width, int height, const SmpDot *d)
{
	double r = d->r, disc = DISC_K * r + DISC_PX, ring = RING_K * r + RING_PX;
	double core = MAX(CORE_PX, CORE_K * r), bg, ink = 0, centre = 0;
	int x0 = (int) floor(d->x - ring), x1 = (int) ceil(d->x + ring);
	int y0 = (int) floor(d->y - ring), y1 = (int) ceil(d->y + ring);
	double disc2 = disc * disc, ring2 = ring * ring, core2 = core * core;
	guint32 hist[256] = {0}, n_ring = 0, n_core = 0;

	if (!(r > 0) || x0 < 0 || y0 < 0 || x1 >= width || y1 >= height)
		return NAN;
	/* Squared distances against squared radii: hypot() per pixel was a
	 * tenth of a whole 12 MP pair's run.
	 */
	for (int y = y0; y <= y1; y++)
		for (int x = x0; x <= x1; x++) {
			double q2 = dist2(x, y, d);

			if (q2 >= disc2 && q2 <= ring2) {
				hist[luma[(gsize) y * width + x]]++;
				n_ring++;
			}
		}
	if (n_ring < MIN_RING)
		return NAN;
	bg = hist_median(hist, n_ring);
	for (int y = y0; y <= y1; y++)
		for (int x = x0; x <= x1; x++) {
			double q2 = dist2(x, y, d);
			double v = luma[(gsize) y * width + x];

			if (q2 < disc2)
				ink += MAX(bg - v, 0.0);
			if (q2 < core2) {
				centre += v;
				n_core++;
			}
		}
	/* The centre pixel at least: a dot smaller than a pixel. */
	if (n_core == 0) {
		centre = luma[(gsize) (int) d->y * width + (int) d->x];
		n_core = 1;
	}
	centre = bg - centre / n_core;
	return centre > 0 ? sqrt(ink / (G_PI * centre)) : NAN;
}

/* @image as 8-bit luminance in memory (@out owns the pixels). */
static const guint8 *
luma_of(VipsImage *image, VipsImage **out)
{
	g_autoptr(VipsImage) ctx = vips_image_new();
	VipsImage **t = (VipsImage **) vips_object_local_array(VIPS_OBJECT(ctx), 2);

	if (vips_colourspace(image, &t[0], VIPS_INTERPRETATION_B_W, NULL) ||
		vips_extract_band(t[0], &t[1], 0, "n", 1, NULL) ||
		vips_cast_uchar(t[1], out, NULL) || vips_image_wio_input(*out))
		return NULL;
	return (const guint8 *) VIPS_IMAGE_ADDR(*out, 0, 0);
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *) a, y = *(const double *) b;

	return (x > y) - (x < y);
}

static double
median(double *v, int n)
{
	if (n == 0)
		return NAN;
	qsort(v, n, sizeof *v, cmp_double);
	return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

gboolean
smp_growth_measure(VipsImage *before, VipsImage *after,
	const GArray *before_dots, const GArray *after_dots, SmpRegistration *reg,
	GError **error)
{
	g_autoptr(VipsImage) lb = NULL;
	g_autoptr(VipsImage) la = NULL;
	const guint8 *pb, *pa;
	g_autofree double *grow = NULL;
	g_autofree double *pct = NULL;
	int n = 0;

	if (!reg || !reg->ok || !reg->after_match)
		return TRUE;
	if (!(pb = luma_of(before, &lb)) || !(pa = luma_of(after, &la))) {
		smp_error_from_vips(error, SMP_ERROR_CORRUPT, NULL, "growth");
		return FALSE;
	}
	grow = g_new(double, MAX(after_dots->len, 1));
	pct = g_new(double, MAX(after_dots->len, 1));
	for (guint i = 0; i < after_dots->len; i++) {
		gint32 k = g_array_index(reg->after_match, gint32, i);
		double rb, ra;

		if (k < 0)
			continue;
		rb = smp_growth_moment_radius(
			pb, lb->Xsize, lb->Ysize, &g_array_index(before_dots, SmpDot, k));
		ra = smp_growth_moment_radius(
			pa, la->Xsize, la->Ysize, &g_array_index(after_dots, SmpDot, i));
		if (!isfinite(rb) || !isfinite(ra) || !(rb > 0))
			continue;
		grow[n] = ra * reg->scale - rb;
		pct[n] = 100.0 * grow[n] / rb;
		n++;
	}
	if (n == 0)
		return TRUE;
	reg->growth_px_median = median(grow, n);
	reg->growth_pct_median = median(pct, n);
	return TRUE;
}
