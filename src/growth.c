/* Growth of persisting dots from their moment radii (growth.h).
 * SPDX-License-Identifier: MIT
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "smpdoc/error.h"
#include "smpdoc/growth.h"
#include "smpdoc/photo.h"

#define DISC_K 2.2 /* where the half-depth area is counted: DISC_K r + */
#define DISC_PX 1.5 /* DISC_PX */
#define HALF_K 1.85 /* the ink's disc: HALF_K r_half + DISC_PX */
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

/* The window a dot's moment radius reads: rows y0..y1, columns x0..x1. */
static void
window_of(const SmpDot *d, int *x0, int *y0, int *x1, int *y1)
{
	double ring = RING_K * d->r + RING_PX;

	*x0 = (int) floor(d->x - ring);
	*x1 = (int) ceil(d->x + ring);
	*y0 = (int) floor(d->y - ring);
	*y1 = (int) ceil(d->y + ring);
}

/* smp_growth_moment_radius() on rows @row0.. of a @width × @height
 * image held in @rows (row y at @rows + (y - @row0) × @width): the
 * dot's window must lie in them, or out of the frame.
 */
static double
moment_radius_rows(
	const guint8 *rows, int row0, int width, int height, const SmpDot *d)
{
	const guint8 *luma = rows - (gssize) row0 * width;
	double r = d->r, disc = DISC_K * r + DISC_PX, ring = RING_K * r + RING_PX;
	double core = MAX(CORE_PX, CORE_K * r), bg, ink = 0, centre = 0, half = 0;
	double disc2 = disc * disc, ring2 = ring * ring, core2 = core * core;
	int x0, y0, x1, y1;
	guint32 hist[256] = {0}, n_ring = 0, n_core = 0;

	window_of(d, &x0, &y0, &x1, &y1);
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
		for (int x = x0; x <= x1; x++)
			if (dist2(x, y, d) < core2) {
				centre += luma[(gsize) y * width + x];
				n_core++;
			}
	/* The centre pixel at least: a dot smaller than a pixel. */
	if (n_core == 0) {
		centre = luma[(gsize) (int) d->y * width + (int) d->x];
		n_core = 1;
	}
	centre = bg - centre / n_core;
	if (!(centre > 0))
		return NAN;
	/* The ink is summed over a disc sized from the dot's own half-depth
	 * area, not from the detector's radius: that radius is read on the
	 * luminance, where a clipped red band makes a light-skin dot look
	 * smaller, and a tighter disc then cuts the dot's tail (-1.7% on an
	 * ungrown tone 0 pair). The ring stays within the window.
	 */
	for (int y = y0; y <= y1; y++)
		for (int x = x0; x <= x1; x++)
			if (dist2(x, y, d) < disc2 &&
				bg - luma[(gsize) y * width + x] >= 0.5 * centre)
				half++;
	disc = MIN(HALF_K * sqrt(half / G_PI) + DISC_PX, ring);
	disc2 = disc * disc;
	for (int y = y0; y <= y1; y++)
		for (int x = x0; x <= x1; x++)
			if (dist2(x, y, d) < disc2)
				ink += MAX(bg - luma[(gsize) y * width + x], 0.0);
	return sqrt(ink / (G_PI * centre));
}

double
smp_growth_moment_radius(
	const guint8 *luma, int width, int height, const SmpDot *d)
{
	return moment_radius_rows(luma, 0, width, height, d);
}

/* Moment radii of some dots of one photo, read in one pass from top to
 * bottom: the luminance rows go through a sliding buffer as tall as the
 * tallest dot window plus a strip, and each dot is measured as soon as
 * its window's last row has arrived.
 */
typedef struct Radii {
	const SmpDot *dots;
	guint *order; /* the wanted dots, by their window's last row */
	guint n, next;
	double *radius; /* per dot index */
	int width, height;
	int tallest; /* rows of the tallest window */
	guint8 *buf; /* rows top .. top + count - 1 */
	int cap, top, count;
} Radii;

/* A wanted dot and the last row of its window, for sorting. */
typedef struct LastRow {
	int last;
	guint i;
} LastRow;

static int
cmp_last_row(const void *a, const void *b)
{
	const LastRow *x = a, *y = b;

	if (x->last != y->last)
		return (x->last > y->last) - (x->last < y->last);
	return (x->i > y->i) - (x->i < y->i);
}

/* Make room for @h more rows, keeping the last R->tallest ones. */
static void
radii_room(Radii *R, int h)
{
	int keep = MIN(R->count, R->tallest);

	if (R->count + h <= R->cap)
		return;
	if (keep + h > R->cap) {
		R->cap = keep + h;
		R->buf = g_realloc(R->buf, (gsize) R->cap * R->width);
	}
	memmove(R->buf, R->buf + (gsize) (R->count - keep) * R->width,
		(gsize) keep * R->width);
	R->top += R->count - keep;
	R->count = keep;
}

static int
radii_rows(VipsRegion *region, VipsRect *area, void *data)
{
	Radii *R = data;
	int last;

	radii_room(R, area->height);
	for (int y = area->top; y < VIPS_RECT_BOTTOM(area); y++)
		memcpy(R->buf + (gsize) (R->count++) * R->width,
			VIPS_REGION_ADDR(region, 0, y), R->width);
	last = R->top + R->count - 1;
	for (; R->next < R->n; R->next++) {
		guint i = R->order[R->next];
		int x0, y0, x1, y1;

		window_of(&R->dots[i], &x0, &y0, &x1, &y1);
		if (y1 > last && y1 < R->height)
			break;
		R->radius[i] = moment_radius_rows(
			R->buf, R->top, R->width, R->height, &R->dots[i]);
	}
	return 0;
}

/* Moment radii on @image (8-bit: its green band, or its only one) of
 * the dots of @dots whose @want is set, into @radius (NaN for the
 * others). Green, not the luminance: skin is red, and a light skin shot
 * a little bright clips red first (a third of the frame of a tone 0
 * after photo); a clipped band loses the dot's faint edge, and the
 * luminance with it (-3.6% for no growth and 7.1% for 10% on tone 0).
 * Green carries most of the luminance and clips well after red.
 */
static gboolean
moment_radii(
	VipsImage *image, const GArray *dots, const gboolean *want, double *radius)
{
	g_autoptr(VipsImage) ctx = vips_image_new();
	VipsImage **t = (VipsImage **) vips_object_local_array(VIPS_OBJECT(ctx), 3);
	Radii R = {(const SmpDot *) dots->data};
	int ok;

	g_autofree LastRow *key = g_new(LastRow, MAX(dots->len, 1));

	R.order = g_new(guint, MAX(dots->len, 1));
	R.radius = radius;
	for (guint i = 0; i < dots->len; i++) {
		int x0, y0, x1, y1;

		radius[i] = NAN;
		if (!want[i])
			continue;
		window_of(&R.dots[i], &x0, &y0, &x1, &y1);
		key[R.n++] = (LastRow){y1, i};
		R.tallest = MAX(R.tallest, y1 - y0 + 1);
	}
	qsort(key, R.n, sizeof(LastRow), cmp_last_row);
	for (guint k = 0; k < R.n; k++)
		R.order[k] = key[k].i;
	ok = !vips_copy(image, &t[0], NULL) &&
		!vips_extract_band(
			t[0], &t[1], image->Bands >= 3 ? 1 : 0, "n", 1, NULL) &&
		!vips_cast_uchar(t[1], &t[2], NULL);
	if (ok) {
		R.width = t[2]->Xsize;
		R.height = t[2]->Ysize;
		ok = !vips_sink_disc(t[2], radii_rows, &R);
	}
	g_free(R.order);
	g_free(R.buf);
	return ok;
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

double *
smp_growth_radii(VipsImage *image, const GArray *dots, GError **error)
{
	g_autofree gboolean *want = g_new(gboolean, MAX(dots->len, 1));
	double *radius = g_new(double, MAX(dots->len, 1));

	for (guint i = 0; i < dots->len; i++)
		want[i] = TRUE;
	if (!moment_radii(image, dots, want, radius)) {
		g_free(radius);
		smp_error_from_vips(error, SMP_ERROR_CORRUPT, NULL, "growth");
		return NULL;
	}
	return radius;
}

void
smp_growth_from_radii(
	const double *before_r, const double *after_r, SmpRegistration *reg)
{
	const GArray *match = reg ? reg->after_match : NULL;
	g_autofree double *grow = NULL;
	g_autofree double *pct = NULL;
	int n = 0;

	if (!reg || !reg->ok || !match)
		return;
	grow = g_new(double, MAX(match->len, 1));
	pct = g_new(double, MAX(match->len, 1));
	for (guint i = 0; i < match->len; i++) {
		gint32 k = g_array_index(match, gint32, i);
		double rb, ra;

		if (k < 0)
			continue;
		rb = before_r[k];
		ra = after_r[i];
		if (!isfinite(rb) || !isfinite(ra) || !(rb > 0))
			continue;
		grow[n] = ra * reg->scale - rb;
		pct[n] = 100.0 * grow[n] / rb;
		n++;
	}
	if (n == 0)
		return;
	reg->growth_px_median = median(grow, n);
	reg->growth_pct_median = median(pct, n);
}

gboolean
smp_growth_measure(VipsImage *before, VipsImage *after,
	const GArray *before_dots, const GArray *after_dots, SmpRegistration *reg,
	GError **error)
{
	g_autofree gboolean *want_b = NULL;
	g_autofree gboolean *want_a = NULL;
	g_autofree double *rb_all = NULL;
	g_autofree double *ra_all = NULL;

	if (!reg || !reg->ok || !reg->after_match)
		return TRUE;
	/* Only the persisting dots, on each side. */
	want_b = g_new0(gboolean, MAX(before_dots->len, 1));
	want_a = g_new0(gboolean, MAX(after_dots->len, 1));
	for (guint i = 0; i < after_dots->len; i++) {
		gint32 k = g_array_index(reg->after_match, gint32, i);

		if (k >= 0) {
			want_a[i] = TRUE;
			want_b[k] = TRUE;
		}
	}
	rb_all = g_new(double, MAX(before_dots->len, 1));
	ra_all = g_new(double, MAX(after_dots->len, 1));
	if (!moment_radii(before, before_dots, want_b, rb_all) ||
		!moment_radii(after, after_dots, want_a, ra_all)) {
		smp_error_from_vips(error, SMP_ERROR_CORRUPT, NULL, "growth");
		return FALSE;
	}
	smp_growth_from_radii(rb_all, ra_all, reg);
	return TRUE;
}
