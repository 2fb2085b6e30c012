/* Measurements of detected dots: density and its interval, coverage,
 * spacing, size and contrast distributions, density grid and change.
 * SPDX-License-Identifier: MIT
 */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "smpdoc/error.h"
#include "smpdoc/measure.h"

#define Z95 1.959963984540054 /* standard normal 97.5% quantile */
#define GAMMA_EPS 1e-15 /* series and continued fraction tolerance */
#define GAMMA_MAX_ITER 100000 /* enough for a ~ 1e8: terms ~ sqrt(a) */
#define MM2_PER_CM2 100.0
#define PX_PER_MPX 1e6

/* --- statistics: gamma quantiles for the Poisson interval ----------------- */

/* e^-x x^a / Gamma(a), the factor shared by the series and the fraction.
 * lgamma_r, not lgamma: measure may run in several threads and lgamma
 * writes the global signgam.
 */
static double
gamma_prefactor(double a, double x)
{
	int sign;

	return exp(-x + a * log(x) - lgamma_r(a, &sign));
}

/* P(a, x) by its power series; converges well for x < a + 1. */
static double
gamma_p_series(double a, double x)
{
	double term = 1.0 / a;
	double sum = term;

	for (int k = 1; k < GAMMA_MAX_ITER; k++) {
		term *= x / (a + k);
		sum += term;
		if (term < sum * GAMMA_EPS)
			break;
	}
	return sum * gamma_prefactor(a, x);
}

/* Q(a, x) = 1 - P(a, x) by its continued fraction (modified Lentz);
 * converges well for x >= a + 1.
 */
static double
gamma_q_fraction(double a, double x)
{
	double b = x + 1.0 - a;
	double c = 1.0 / DBL_MIN;
	double d = 1.0 / b;
	double h = d;

	for (int i = 1; i < GAMMA_MAX_ITER; i++) {
		double an = -i * (i - a);
		double delta;

		b += 2.0;
		d = an * d + b;
		if (fabs(d) < DBL_MIN)
			d = DBL_MIN;
		c = b + an / c;
		if (fabs(c) < DBL_MIN)
			c = DBL_MIN;
		d = 1.0 / d;
		delta = d * c;
		h *= delta;
		if (fabs(delta - 1.0) < GAMMA_EPS)
			break;
	}
	return h * gamma_prefactor(a, x);
}

/* The regularised lower incomplete gamma function P(a, x), a > 0. */
static double
gamma_p(double a, double x)
{
	if (x <= 0.0)
		return 0.0;
	if (x < a + 1.0)
		return gamma_p_series(a, x);
	return 1.0 - gamma_q_fraction(a, x);
}

/* A rough standard normal quantile (Abramowitz & Stegun 26.2.23, error
 * below 5e-4): only the starting point of the Newton iteration below.
 */
static double
normal_quantile_rough(double p)
{
	double q = p < 0.5 ? p : 1.0 - p;
	double t = sqrt(-2.0 * log(q));
	double z = t -
		(2.515517 + t * (0.802853 + t * 0.010328)) /
			(1.0 + t * (1.432788 + t * (0.189269 + t * 0.001308)));

	return p < 0.5 ? -z : z;
}

/* The Wilson–Hilferty approximation of the gamma(a) quantile. */
static double
gamma_quantile_start(double a, double p)
{
	double v = 1.0 / (9.0 * a);
	double t = 1.0 - v + normal_quantile_rough(p) * sqrt(v);

	return t > 0.0 ? a * t * t * t : 0.5 * a;
}

/* The x with P(a, x) = p, 0 < p < 1: Newton's method from the
 * Wilson–Hilferty start, kept inside a bracket that shrinks each step and
 * falling back to bisection when a Newton step leaves it, so it converges
 * even where the start is poor (small a, extreme p).
 */
static double
gamma_quantile(double a, double p)
{
	double lo = 0.0, hi = a + 1.0, x;
	int sign;

	while (gamma_p(a, hi) < p)
		hi *= 2.0;
	x = gamma_quantile_start(a, p);
	if (!(x > lo && x < hi))
		x = 0.5 * (lo + hi);
	for (int i = 0; i < 200; i++) {
		double f = gamma_p(a, x) - p;
		double pdf = exp((a - 1.0) * log(x) - x - lgamma_r(a, &sign));
		double next = x - f / pdf;

		if (f < 0.0)
			lo = x;
		else
			hi = x;
		if (!(next > lo && next < hi))
			next = 0.5 * (lo + hi);
		if (fabs(next - x) <= 1e-14 * x || hi - lo <= 1e-14 * hi)
			return next;
		x = next;
	}
	return x;
}

void
smp_measure_poisson_ci(guint64 count, double level, double out[2])
{
	double alpha = 1.0 - level;

	g_return_if_fail(out != NULL);
	g_return_if_fail(level > 0.0 && level < 1.0);
	out[0] = count == 0 ? 0.0 : gamma_quantile((double) count, alpha / 2.0);
	out[1] = gamma_quantile((double) count + 1.0, 1.0 - alpha / 2.0);
}

/* The 95% interval of a density of @count dots in @area_cm2.
 *
 * Density = count / (roi_px / px_per_mm^2), so a relative error u of the
 * scale is a relative error 2u of the density. The two errors are
 * independent and multiply, so they are combined in log space: each side's
 * log half-width of the exact Garwood interval is added in quadrature to
 * z * 2u, the log half-width of the scale's contribution (taking the scale
 * error as log-normal, 1-sigma u). With u = 0 this is Garwood exactly; a
 * count of 0 has lower bound 0 and only its upper side widened.
 */
static void
density_ci95(gsize count, double area_cm2, double rel_u, double ci[2])
{
	double garwood[2], est, lo, hi;
	double s = Z95 * 2.0 * rel_u;

	smp_measure_poisson_ci(count, 0.95, garwood);
	if (count == 0) {
		ci[0] = 0.0;
		ci[1] = garwood[1] / area_cm2 * exp(s);
		return;
	}
	est = count / area_cm2;
	lo = log((double) count / garwood[0]);
	hi = log(garwood[1] / (double) count);
	ci[0] = est * exp(-sqrt(lo * lo + s * s));
	ci[1] = est * exp(sqrt(hi * hi + s * s));
}

/* --- percentiles ---------------------------------------------------------- */

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *) a, y = *(const double *) b;

	return (x > y) - (x < y);
}

/* Linear interpolation between the order statistics of sorted @v. */
static double
quantile_sorted(const double *v, gsize n, double q)
{
	double pos = q * (double) (n - 1);
	gsize i = (gsize) pos;
	double frac = pos - (double) i;

	if (i + 1 >= n)
		return v[n - 1];
	return v[i] + frac * (v[i + 1] - v[i]);
}

/* Percentiles of @v (sorted in place). */
static SmpPercentiles
percentiles(double *v, gsize n)
{
	SmpPercentiles out = {NAN, NAN, NAN};

	if (n == 0)
		return out;
	qsort(v, n, sizeof *v, cmp_double);
	out.p10 = quantile_sorted(v, n, 0.10);
	out.median = quantile_sorted(v, n, 0.50);
	out.p90 = quantile_sorted(v, n, 0.90);
	return out;
}

/* --- the measuring context ------------------------------------------------ */

/* What the passes below share. Every coordinate is in pixels. */
typedef struct Ctx {
	int w, h;
	const guint8 *mask; /* NULL: whole image */
	gsize stride;
	double cell; /* grid cell side, px */
	int *col_of; /* grid column of each pixel column, w entries */
	gsize n; /* dots kept (inside image and ROI) */
	double *x, *y, *r; /* kept dots, n entries each */
	double *contrast;
	SmpMeasurement *m;
} Ctx;

/* The grid row of pixel row @j (pixel centre j + 0.5). */
static int
grid_row(const Ctx *c, int j)
{
	int row = (int) ((j + 0.5) / c->cell);

	return MIN(row, c->m->grid.rows - 1);
}

static gboolean
in_roi(const Ctx *c, int i, int j)
{
	return !c->mask || c->mask[(gsize) j * c->stride + (gsize) i] != 0;
}

/* Keep the dots that can be measured: finite fields, radius >= 0, centre
 * inside the image and on an ROI pixel. Input order is kept.
 */
static void
keep_dots(Ctx *c, const SmpDot *dots, gsize n)
{
	c->x = g_new(double, MAX(n, 1));
	c->y = g_new(double, MAX(n, 1));
	c->r = g_new(double, MAX(n, 1));
	c->contrast = g_new(double, MAX(n, 1));
	c->n = 0;
	for (gsize k = 0; k < n; k++) {
		const SmpDot *d = &dots[k];

		if (!isfinite(d->x) || !isfinite(d->y) || !isfinite(d->r) ||
			!isfinite(d->contrast) || d->r < 0.0f)
			continue;
		if (d->x < 0.0f || d->y < 0.0f || d->x >= c->w || d->y >= c->h)
			continue;
		if (!in_roi(c, (int) d->x, (int) d->y))
			continue;
		c->x[c->n] = d->x;
		c->y[c->n] = d->y;
		c->r[c->n] = d->r;
		c->contrast[c->n] = d->contrast;
		c->n++;
	}
}

/* --- region of interest --------------------------------------------------- */

/* Area and boundary of a mask ROI, and ROI pixels per grid cell, in one pass
 * over the mask. The perimeter counts pixel edges between inside and
 * outside (the image border counts as outside): exact for axis-aligned
 * boundaries, up to sqrt(2) too long on diagonal ones. It only enters the
 * Clark–Evans edge correction, a term of order 1/sqrt(n), so that error
 * stays well below 1% for a few hundred dots.
 */
static void
scan_mask(Ctx *c)
{
	SmpMeasurement *m = c->m;
	guint64 area = 0, edges = 0;

	for (int j = 0; j < c->h; j++) {
		const guint8 *row = c->mask + (gsize) j * c->stride;
		const guint8 *up = j > 0 ? row - c->stride : NULL;
		const guint8 *down = j + 1 < c->h ? row + c->stride : NULL;
		guint64 *cells = m->grid.roi_px + (gsize) grid_row(c, j) * m->grid.cols;

		for (int i = 0; i < c->w; i++) {
			if (!row[i])
				continue;
			area++;
			cells[c->col_of[i]]++;
			edges += (i == 0 || !row[i - 1]) + (i + 1 == c->w || !row[i + 1]);
			edges += (!up || !up[i]) + (!down || !down[i]);
		}
	}
	m->roi_px = area;
	m->roi_perimeter_px = (double) edges;
}

/* The same for the whole image, without touching pixels: a cell's ROI is
 * the product of its pixel column and row counts.
 */
static void
scan_whole(Ctx *c)
{
	SmpDensityGrid *g = &c->m->grid;
	guint64 *colw = g_new0(guint64, g->cols);
	guint64 *rowh = g_new0(guint64, g->rows);

	for (int i = 0; i < c->w; i++)
		colw[c->col_of[i]]++;
	for (int j = 0; j < c->h; j++)
		rowh[grid_row(c, j)]++;
	for (int row = 0; row < g->rows; row++)
		for (int col = 0; col < g->cols; col++)
			g->roi_px[row * g->cols + col] = colw[col] * rowh[row];
	c->m->roi_px = (guint64) c->w * (guint64) c->h;
	c->m->roi_perimeter_px = 2.0 * ((double) c->w + (double) c->h);
	g_free(colw);
	g_free(rowh);
}

/* --- coverage: union of dot discs, row by row ----------------------------- */

/* A run of pixels [a, b] of one row, both ends included. */
typedef struct Span {
	int a, b;
} Span;

static int
cmp_span(const void *pa, const void *pb)
{
	const Span *p = pa, *q = pb;

	if (p->a != q->a)
		return (p->a > q->a) - (p->a < q->a);
	return (p->b > q->b) - (p->b < q->b);
}

/* The first and last pixel row whose centre (j + 0.5) can lie in the disc
 * of dot @k; first > last when none does.
 */
static void
dot_rows(const Ctx *c, gsize k, int *first, int *last)
{
	double top = ceil(c->y[k] - c->r[k] - 0.5);
	double bottom = floor(c->y[k] + c->r[k] - 0.5);

	*first = (int) MAX(top, 0.0);
	*last = (int) MIN(bottom, (double) (c->h - 1));
}

/* The pixels of row @j whose centre lies in the disc of dot @k (a pixel is
 * covered when its centre is, so coverage is a count of pixels). FALSE when
 * there are none.
 */
static gboolean
dot_span(const Ctx *c, gsize k, int j, Span *s)
{
	double dy = j + 0.5 - c->y[k];
	double hw2 = c->r[k] * c->r[k] - dy * dy;
	double hw, a, b;

	if (hw2 < 0.0)
		return FALSE;
	hw = sqrt(hw2);
	a = MAX(ceil(c->x[k] - hw - 0.5), 0.0);
	b = MIN(floor(c->x[k] + hw - 0.5), (double) (c->w - 1));
	if (a > b)
		return FALSE;
	s->a = (int) a;
	s->b = (int) b;
	return TRUE;
}

/* Add the ROI pixels of span @s of row @j to the covered total and to the
 * grid cells they fall in.
 */
static guint64
count_span(const Ctx *c, int j, const Span *s, guint64 *cells)
{
	guint64 covered = 0;

	for (int i = s->a; i <= s->b; i++) {
		if (!in_roi(c, i, j))
			continue;
		covered++;
		cells[c->col_of[i]]++;
	}
	return covered;
}

/* Merge the sorted spans of one row and count each covered pixel once. */
static guint64
merge_spans(const Ctx *c, int j, Span *spans, gsize ns, guint64 *cells)
{
	guint64 covered = 0;
	Span cur;

	if (ns == 0)
		return 0;
	qsort(spans, ns, sizeof *spans, cmp_span);
	cur = spans[0];
	for (gsize k = 1; k < ns; k++) {
		if (spans[k].a <= cur.b + 1) {
			cur.b = MAX(cur.b, spans[k].b);
			continue;
		}
		covered += count_span(c, j, &cur, cells);
		cur = spans[k];
	}
	return covered + count_span(c, j, &cur, cells);
}

/* Dot indices ordered by their first row (a stable counting sort), so that
 * the row sweep adds each dot when it first touches a row.
 */
static gsize *
order_by_first_row(const Ctx *c, gsize *start)
{
	gsize *order = g_new(gsize, MAX(c->n, 1));
	int first, last;

	memset(start, 0, sizeof *start * ((gsize) c->h + 1));
	for (gsize k = 0; k < c->n; k++) {
		dot_rows(c, k, &first, &last);
		if (first <= last)
			start[first + 1]++;
	}
	for (int j = 0; j < c->h; j++)
		start[j + 1] += start[j];
	for (gsize k = 0; k < c->n; k++) {
		dot_rows(c, k, &first, &last);
		if (first <= last)
			order[start[first]++] = k;
	}
	/* start[j] now ends bucket j: shift back to get the starts. */
	memmove(start + 1, start, sizeof *start * (gsize) c->h);
	start[0] = 0;
	return order;
}

/* Covered ROI pixels of the union of dot discs, per grid cell and in total.
 * A sweep over rows keeps the dots that touch the current row (active),
 * turns each into a span and merges the spans: memory is O(n + w), never
 * a full-size mask, and each covered pixel is visited once per row.
 */
static guint64
sweep_coverage(const Ctx *c, guint64 *cells_covered)
{
	gsize *start = g_new(gsize, (gsize) c->h + 1);
	gsize *order = order_by_first_row(c, start);
	gsize *active = g_new(gsize, MAX(c->n, 1));
	Span *spans = g_new(Span, MAX(c->n, 1));
	gsize na = 0;
	guint64 covered = 0;

	for (int j = 0; j < c->h; j++) {
		gsize ns = 0;
		guint64 *cells =
			cells_covered + (gsize) grid_row(c, j) * c->m->grid.cols;

		for (gsize k = start[j]; k < start[j + 1]; k++)
			active[na++] = order[k];
		for (gsize k = 0; k < na;) {
			int first, last;

			dot_rows(c, active[k], &first, &last);
			if (last < j) {
				active[k] = active[--na]; /* done: order is irrelevant, */
				continue; /* the spans get sorted */
			}
			ns += dot_span(c, active[k], j, &spans[ns]);
			k++;
		}
		covered += merge_spans(c, j, spans, ns, cells);
	}
	g_free(start);
	g_free(order);
	g_free(active);
	g_free(spans);
	return covered;
}

/* --- nearest neighbours by uniform grid hashing --------------------------- */

/* Points bucketed into square cells of side @cs over their bounding box:
 * cell (cx, cy) holds idx[start[q]] .. idx[start[q + 1] - 1],
 * q = cy * gw + cx, in increasing point order.
 */
typedef struct Hash {
	double x0, y0, cs;
	int gw, gh;
	gsize *start;
	gsize *idx;
} Hash;

static int
hash_cell(const Hash *hs, double v, double v0, int size)
{
	int q = (int) ((v - v0) / hs->cs);

	return CLAMP(q, 0, size - 1);
}

/* About one point per cell over the bounding box, so a query looks at O(1)
 * points on average and all n queries take O(n). Degenerate boxes (a line,
 * one spot) still give at most ~3n cells. Tight clusters put many points
 * in one cell and cost more, but real dots cannot overlap by much.
 */
static void
hash_build(Hash *hs, const Ctx *c)
{
	double x1 = c->x[0], y1 = c->y[0];
	gsize cells;

	hs->x0 = x1;
	hs->y0 = y1;
	for (gsize k = 1; k < c->n; k++) {
		hs->x0 = MIN(hs->x0, c->x[k]);
		hs->y0 = MIN(hs->y0, c->y[k]);
		x1 = MAX(x1, c->x[k]);
		y1 = MAX(y1, c->y[k]);
	}
	hs->cs = sqrt((x1 - hs->x0) * (y1 - hs->y0) / (double) c->n);
	hs->cs = MAX(hs->cs, MAX(x1 - hs->x0, y1 - hs->y0) / (double) c->n);
	hs->cs = MAX(hs->cs, 1e-6);
	hs->gw = (int) ((x1 - hs->x0) / hs->cs) + 1;
	hs->gh = (int) ((y1 - hs->y0) / hs->cs) + 1;
	cells = (gsize) hs->gw * (gsize) hs->gh;
	hs->start = g_new0(gsize, cells + 1);
	hs->idx = g_new(gsize, c->n);
	for (gsize k = 0; k < c->n; k++)
		hs->start[hash_cell(hs, c->y[k], hs->y0, hs->gh) * hs->gw +
			hash_cell(hs, c->x[k], hs->x0, hs->gw) + 1]++;
	for (gsize q = 0; q < cells; q++)
		hs->start[q + 1] += hs->start[q];
	for (gsize k = 0; k < c->n; k++)
		hs->idx[hs->start[hash_cell(hs, c->y[k], hs->y0, hs->gh) * hs->gw +
			hash_cell(hs, c->x[k], hs->x0, hs->gw)]++] = k;
	memmove(hs->start + 1, hs->start, sizeof *hs->start * cells);
	hs->start[0] = 0;
}

/* Smallest squared distance from point @k to the other points of cell
 * (cx, cy), or @best if none is closer.
 */
static double
scan_cell(const Hash *hs, const Ctx *c, gsize k, int cx, int cy, double best)
{
	gsize q;

	if (cx < 0 || cy < 0 || cx >= hs->gw || cy >= hs->gh)
		return best;
	q = (gsize) cy * (gsize) hs->gw + (gsize) cx;
	for (gsize t = hs->start[q]; t < hs->start[q + 1]; t++) {
		gsize o = hs->idx[t];
		double dx = c->x[o] - c->x[k], dy = c->y[o] - c->y[k];

		if (o != k)
			best = MIN(best, dx * dx + dy * dy);
		if (best == 0.0)
			break; /* cannot improve: keeps stacked duplicates O(n) */
	}
	return best;
}

/* Distance from point @k to its nearest neighbour, px (n >= 2). Rings of
 * cells around k's cell are searched outwards; a point in ring q + 1 is at
 * least q * cs away, so the search stops once the best is that close.
 */
static double
nn_distance(const Hash *hs, const Ctx *c, gsize k)
{
	int cx = hash_cell(hs, c->x[k], hs->x0, hs->gw);
	int cy = hash_cell(hs, c->y[k], hs->y0, hs->gh);
	int rings = MAX(hs->gw, hs->gh);
	double best = INFINITY;

	for (int q = 0; q <= rings; q++) {
		for (int dy = -q; dy <= q; dy++) {
			int step = (dy == -q || dy == q) ? 1 : 2 * q;

			for (int dx = -q; dx <= q; dx += MAX(step, 1))
				best = scan_cell(hs, c, k, cx + dx, cy + dy, best);
		}
		if (best <= (q * hs->cs) * (q * hs->cs))
			break;
	}
	return sqrt(best);
}

/* Donnelly's (1978) expected mean nearest-neighbour distance of n random
 * points in a region of area A and perimeter P (px): the Clark–Evans
 * 0.5 sqrt(A / n) plus a term for the neighbours lost beyond the edge.
 */
static double
donnelly_expected(double n, double area, double perimeter)
{
	return 0.5 * sqrt(area / n) + (0.0514 + 0.041 / sqrt(n)) * perimeter / n;
}

/* nn_mean, nn_cv and Clark–Evans from every kept dot's NN distance. Sums
 * run in dot order, so the numbers are the same on every run.
 */
static void
measure_spacing(Ctx *c)
{
	SmpMeasurement *m = c->m;
	double *nn, sum = 0.0, ss = 0.0, n = (double) c->n;
	Hash hs;

	if (c->n < 2 || m->roi_px == 0)
		return;
	hash_build(&hs, c);
	nn = g_new(double, c->n);
	for (gsize k = 0; k < c->n; k++)
		sum += nn[k] = nn_distance(&hs, c, k);
	m->nn_mean_px = sum / n;
	for (gsize k = 0; k < c->n; k++)
		ss += (nn[k] - m->nn_mean_px) * (nn[k] - m->nn_mean_px);
	/* Population SD: the spread of this photo's spacings, not an estimate. */
	if (m->nn_mean_px > 0.0)
		m->nn_cv = sqrt(ss / n) / m->nn_mean_px;
	m->clark_evans = m->nn_mean_px /
		donnelly_expected(n, (double) m->roi_px, m->roi_perimeter_px);
	m->clark_evans_uncorrected =
		m->nn_mean_px / (0.5 * sqrt((double) m->roi_px / n));
	if (m->has_scale)
		m->nn_mean_mm = m->nn_mean_px / m->px_per_mm;
	g_free(nn);
	g_free(hs.start);
	g_free(hs.idx);
}

/* --- density and the grid ------------------------------------------------- */

/* Area of @px pixels in cm² (pixels / (px/mm)² = mm²). */
static double
area_cm2(const SmpMeasurement *m, guint64 px)
{
	return (double) px / (m->px_per_mm * m->px_per_mm) / MM2_PER_CM2;
}

static void
measure_density(Ctx *c)
{
	SmpMeasurement *m = c->m;

	if (m->roi_px == 0)
		return;
	m->per_mpx = (double) m->count / ((double) m->roi_px / PX_PER_MPX);
	if (!m->has_scale)
		return;
	m->per_cm2 = (double) m->count / area_cm2(m, m->roi_px);
	density_ci95(m->count, area_cm2(m, m->roi_px), m->scale_rel_uncertainty,
		m->per_cm2_ci95);
}

/* Count dots per cell; the cell of a dot is the one its centre lies in. */
static void
grid_count(Ctx *c)
{
	SmpDensityGrid *g = &c->m->grid;

	for (gsize k = 0; k < c->n; k++) {
		int col = MIN((int) (c->x[k] / c->cell), g->cols - 1);
		int row = MIN((int) (c->y[k] / c->cell), g->rows - 1);

		g->count[row * g->cols + col]++;
	}
}

/* Per-cell densities and coverage, each over the cell's own ROI area;
 * NaN where that area is under SMP_MEASURE_GRID_MIN_ROI of a full cell.
 */
static void
grid_normalise(Ctx *c, const guint64 *covered)
{
	SmpMeasurement *m = c->m;
	SmpDensityGrid *g = &m->grid;
	double full = c->cell * c->cell;

	for (int q = 0; q < g->cols * g->rows; q++) {
		double roi = (double) g->roi_px[q];

		g->per_cm2[q] = g->per_mpx[q] = g->coverage[q] = NAN;
		if (roi < SMP_MEASURE_GRID_MIN_ROI * full || roi == 0.0)
			continue;
		g->per_mpx[q] = g->count[q] / (roi / PX_PER_MPX);
		g->coverage[q] = (double) covered[q] / roi;
		if (m->has_scale)
			g->per_cm2[q] = g->count[q] / area_cm2(m, g->roi_px[q]);
	}
}

static void
measure_distributions(Ctx *c)
{
	SmpMeasurement *m = c->m;
	double *v = g_new(double, MAX(c->n, 1));

	for (gsize k = 0; k < c->n; k++)
		v[k] = 2.0 * c->r[k];
	m->diameter_px = percentiles(v, c->n);
	if (m->has_scale) {
		m->diameter_mm.p10 = m->diameter_px.p10 / m->px_per_mm;
		m->diameter_mm.median = m->diameter_px.median / m->px_per_mm;
		m->diameter_mm.p90 = m->diameter_px.p90 / m->px_per_mm;
	}
	memcpy(v, c->contrast, sizeof *v * c->n);
	m->contrast = percentiles(v, c->n);
	g_free(v);
}

/* --- set-up and the public functions -------------------------------------- */

void
smp_measure_params_default(SmpMeasureParams *p)
{
	g_return_if_fail(p != NULL);
	p->px_per_mm = 0.0;
	p->scale_rel_uncertainty = 0.0;
	p->grid_cell_mm = SMP_MEASURE_GRID_CELL_MM;
	p->grid_cell_px = SMP_MEASURE_GRID_CELL_PX;
}

static gboolean
check_args(const SmpDot *dots, gsize n, int width, int height,
	const guint8 *mask, gsize mask_stride, GError **error)
{
	if (width <= 0 || height <= 0 || (n > 0 && !dots) ||
		(mask && mask_stride < (gsize) width)) {
		g_set_error(error, SMP_ERROR, SMP_ERROR_INTERNAL,
			"measure: bad arguments (%dx%d image, %" G_GSIZE_FORMAT
			" dots at %p, mask stride %" G_GSIZE_FORMAT ")",
			width, height, n, (const void *) dots, mask_stride);
		return FALSE;
	}
	return TRUE;
}

/* The grid cell side in px: mm times the scale, or px without a scale. */
static gboolean
grid_cell_px(
	const SmpMeasureParams *p, gboolean has_scale, double *cell, GError **error)
{
	double v = has_scale ? p->grid_cell_mm * p->px_per_mm : p->grid_cell_px;

	if (!isfinite(v) || v < 1.0) {
		g_set_error(error, SMP_ERROR, SMP_ERROR_CONFIG,
			"measure: grid cell of %g %s is under one pixel or not a number",
			has_scale ? p->grid_cell_mm : p->grid_cell_px,
			has_scale ? "mm" : "px");
		return FALSE;
	}
	*cell = v;
	return TRUE;
}

/* Size the grid and allocate its arrays. */
static gboolean
grid_init(Ctx *c, GError **error)
{
	SmpDensityGrid *g = &c->m->grid;
	double cols = ceil(c->w / c->cell), rows = ceil(c->h / c->cell);
	gsize cells;

	if (cols * rows > SMP_MEASURE_MAX_GRID_CELLS) {
		g_set_error(error, SMP_ERROR, SMP_ERROR_LIMIT,
			"measure: a grid of %.0fx%.0f cells is over the limit of %d", cols,
			rows, SMP_MEASURE_MAX_GRID_CELLS);
		return FALSE;
	}
	g->cols = (int) cols;
	g->rows = (int) rows;
	g->cell_px = c->cell;
	g->cell_mm = c->m->has_scale ? c->cell / c->m->px_per_mm : NAN;
	cells = (gsize) g->cols * (gsize) g->rows;
	g->count = g_new0(guint32, cells);
	g->roi_px = g_new0(guint64, cells);
	g->per_cm2 = g_new(double, cells);
	g->per_mpx = g_new(double, cells);
	g->coverage = g_new(double, cells);
	c->col_of = g_new(int, c->w);
	for (int i = 0; i < c->w; i++)
		c->col_of[i] = MIN((int) ((i + 0.5) / c->cell), g->cols - 1);
	return TRUE;
}

/* A measurement with every defined-or-not field at "not defined". */
static SmpMeasurement *
measurement_new(int width, int height, const SmpMeasureParams *p)
{
	SmpMeasurement *m = g_new0(SmpMeasurement, 1);

	m->width = width;
	m->height = height;
	m->has_scale = p->px_per_mm > 0.0;
	m->px_per_mm = m->has_scale ? p->px_per_mm : NAN;
	m->scale_rel_uncertainty = MAX(p->scale_rel_uncertainty, 0.0);
	m->per_cm2 = m->per_mpx = m->coverage = NAN;
	m->per_cm2_ci95[0] = m->per_cm2_ci95[1] = NAN;
	m->nn_mean_px = m->nn_mean_mm = m->nn_cv = NAN;
	m->clark_evans = m->clark_evans_uncorrected = NAN;
	m->diameter_mm.p10 = m->diameter_mm.median = m->diameter_mm.p90 = NAN;
	return m;
}

static gboolean
check_params(const SmpMeasureParams *p, GError **error)
{
	if (!isfinite(p->px_per_mm) || !isfinite(p->scale_rel_uncertainty)) {
		g_set_error(error, SMP_ERROR, SMP_ERROR_CONFIG,
			"measure: scale %g px/mm with relative uncertainty %g is not "
			"a number",
			p->px_per_mm, p->scale_rel_uncertainty);
		return FALSE;
	}
	return TRUE;
}

/* The passes, in order: ROI, dots, density, coverage, spacing, sizes. */
static void
measure_all(Ctx *c, const SmpDot *dots, gsize n)
{
	SmpMeasurement *m = c->m;
	gsize cells = (gsize) m->grid.cols * (gsize) m->grid.rows;
	guint64 *covered = g_new0(guint64, cells);
	guint64 total;

	if (c->mask)
		scan_mask(c);
	else
		scan_whole(c);
	keep_dots(c, dots, n);
	m->count = c->n;
	measure_density(c);
	grid_count(c);
	total = sweep_coverage(c, covered);
	if (m->roi_px > 0)
		m->coverage = (double) total / (double) m->roi_px;
	grid_normalise(c, covered);
	measure_spacing(c);
	measure_distributions(c);
	g_free(covered);
}

SmpMeasurement *
smp_measure_dots(const SmpDot *dots, gsize n, int width, int height,
	const guint8 *mask, gsize mask_stride, const SmpMeasureParams *p,
	GError **error)
{
	SmpMeasureParams defaults;
	Ctx c = {.w = width, .h = height, .mask = mask, .stride = mask_stride};

	if (!p) {
		smp_measure_params_default(&defaults);
		p = &defaults;
	}
	if (!check_args(dots, n, width, height, mask, mask_stride, error) ||
		!check_params(p, error))
		return NULL;
	c.m = measurement_new(width, height, p);
	if (!grid_cell_px(p, c.m->has_scale, &c.cell, error) ||
		!grid_init(&c, error)) {
		smp_measurement_free(c.m);
		return NULL;
	}
	measure_all(&c, dots, n);
	g_free(c.col_of);
	g_free(c.x);
	g_free(c.y);
	g_free(c.r);
	g_free(c.contrast);
	return c.m;
}

void
smp_measurement_free(SmpMeasurement *m)
{
	if (!m)
		return;
	g_free(m->grid.count);
	g_free(m->grid.roi_px);
	g_free(m->grid.per_cm2);
	g_free(m->grid.per_mpx);
	g_free(m->grid.coverage);
	g_free(m);
}

void
smp_measure_change(
	const SmpMeasurement *before, const SmpMeasurement *after, SmpChange *out)
{
	g_return_if_fail(before != NULL && after != NULL && out != NULL);
	/* NaN propagates: no scale on either side gives NaN, written null. */
	out->per_cm2 = after->per_cm2 - before->per_cm2;
	out->per_cm2_pct =
		before->per_cm2 > 0.0 ? 100.0 * out->per_cm2 / before->per_cm2 : NAN;
	out->per_mpx = after->per_mpx - before->per_mpx;
	out->coverage = after->coverage - before->coverage;
	out->new_dots = -1;
	out->persisting_dots = -1;
}
