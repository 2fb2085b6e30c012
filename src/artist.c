/* SMP measures of one photo's dots: scabs, merging, hairline softness and
 * symmetry (artist.h).
 * SPDX-License-Identifier: MIT
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "smpdoc/json_out.h"
#include "smpdoc/artist.h"

#define PX_PER_MPX 1e6
#define MM2_PER_CM2 100.0
#define BIN_PX_NO_SCALE 10.0 /* profile bin without a scale (0.5 mm at */
#define SIGMA_PX_NO_SCALE 20.0 /* 20 px/mm) and its smoothing */

static const char *const side_names[] = {
	"none", "top", "bottom", "left", "right"};

const char *
smp_side_name(SmpSide side)
{
	return side <= SMP_SIDE_RIGHT ? side_names[side] : "none";
}

gboolean
smp_side_parse(const char *name, SmpSide *side)
{
	for (int i = 0; name && i < (int) G_N_ELEMENTS(side_names); i++)
		if (g_ascii_strcasecmp(name, side_names[i]) == 0) {
			*side = (SmpSide) i;
			return TRUE;
		}
	return FALSE;
}

void
smp_artist_params_default(SmpArtistParams *p)
{
	p->dot_diameter_max_px = 20.0;
	p->scab_fraction_max = SMP_ARTIST_SCAB_FRACTION;
	p->merge_margin_px = SMP_ARTIST_MERGE_MARGIN_PX;
	p->hairline = SMP_SIDE_NONE;
	p->symmetry_axis_x = SMP_ARTIST_SYMMETRY_AXIS;
}

void
smp_artist_free(SmpArtistMeasures *a)
{
	if (!a)
		return;
	g_free(a->merged_cell);
	g_free(a);
}

/* What the passes share: the measured dots (in the ROI). */
typedef struct Ctx {
	const SmpMeasurement *m;
	const guint8 *mask;
	gsize stride;
	SmpDot *dots;
	gsize n;
} Ctx;

static gboolean
in_roi(const Ctx *c, double x, double y)
{
	if (!isfinite(x) || !isfinite(y) || x < 0 || y < 0 || x >= c->m->width ||
		y >= c->m->height)
		return FALSE;
	return !c->mask || c->mask[(gsize) y * c->stride + (gsize) x] != 0;
}

/* The dots smp_measure_dots() measures: finite, centre in the ROI. */
static void
keep_dots(Ctx *c, const SmpDot *dots, gsize n)
{
	c->dots = g_new(SmpDot, MAX(n, 1));
	c->n = 0;
	for (gsize k = 0; k < n; k++)
		if (isfinite(dots[k].r) && dots[k].r >= 0 &&
			isfinite(dots[k].contrast) && in_roi(c, dots[k].x, dots[k].y))
			c->dots[c->n++] = dots[k];
}

static int
cmp_float(const void *a, const void *b)
{
	float x = *(const float *) a, y = *(const float *) b;

	return (x > y) - (x < y);
}

static int
cmp_double_fn(const void *a, const void *b)
{
	double x = *(const double *) a, y = *(const double *) b;

	return (x > y) - (x < y);
}

/* --- healing -------------------------------------------------------------- */

/* Scabs: large blobs in the ROI no larger than SMP_ARTIST_SCAB_MAX_FACTOR
 * times the dot range's top and at least as dark as the median dot (any
 * darkness when there are no dots). The detector's contrast of a blob
 * is its mean over the disc, below a scab's peak, so the bar is the
 * typical dot, not the darkest ones.
 */
static void
measure_scabs(const Ctx *c, const SmpDot *large, gsize n_large,
	const SmpArtistParams *p, SmpArtistMeasures *a)
{
	g_autofree float *con = g_new(float, MAX(c->n, 1));
	float dark = 0.0f;

	for (gsize k = 0; k < c->n; k++)
		con[k] = c->dots[k].contrast;
	if (c->n > 0) {
		qsort(con, c->n, sizeof *con, cmp_float);
		dark = con[(c->n - 1) / 2];
	}
	a->scabs = 0;
	for (gsize k = 0; k < n_large; k++)
		if (in_roi(c, large[k].x, large[k].y) &&
			2.0 * large[k].r <=
				SMP_ARTIST_SCAB_MAX_FACTOR * p->dot_diameter_max_px &&
			large[k].contrast >= dark)
			a->scabs++;
	a->scab_fraction = a->scabs + c->n > 0
		? (double) a->scabs / (double) (a->scabs + c->n)
		: NAN;
	a->fresh_session =
		isfinite(a->scab_fraction) && a->scab_fraction >= p->scab_fraction_max;
}

/* --- merging -------------------------------------------------------------- */

static int
cmp_x(const void *a, const void *b)
{
	const SmpDot *p = a, *q = b;

	return (p->x > q->x) - (p->x < q->x);
}

/* Mark the dots whose disc comes within @margin of another's: a sweep
 * over dots sorted by x, each compared with those less than the largest
 * possible reach to its right.
 */
static gsize
mark_merged(SmpDot *d, gsize n, double margin, guint8 *merged)
{
	double rmax = 0.0;
	gsize count = 0;

	qsort(d, n, sizeof *d, cmp_x);
	for (gsize k = 0; k < n; k++)
		rmax = MAX(rmax, d[k].r);
	for (gsize i = 0; i < n; i++)
		for (gsize j = i + 1; j < n && d[j].x - d[i].x < d[i].r + rmax + margin;
			 j++) {
			double reach = d[i].r + d[j].r + margin;

			if (hypot(d[j].x - d[i].x, d[j].y - d[i].y) < reach)
				merged[i] = merged[j] = 1;
		}
	for (gsize k = 0; k < n; k++)
		count += merged[k];
	return count;
}

/* Merged fraction overall and per grid cell (NaN where the grid has no
 * density or the cell no dot).
 */
static void
measure_merging(Ctx *c, const SmpArtistParams *p, SmpArtistMeasures *a)
{
	const SmpDensityGrid *g = &c->m->grid;
	gsize cells = (gsize) g->cols * (gsize) g->rows;
	g_autofree guint8 *merged = g_new0(guint8, MAX(c->n, 1));
	g_autofree guint32 *in_cell = g_new0(guint32, MAX(cells, 1));
	g_autofree guint32 *m_cell = g_new0(guint32, MAX(cells, 1));

	a->merged = mark_merged(c->dots, c->n, p->merge_margin_px, merged);
	a->merged_fraction = c->n ? (double) a->merged / (double) c->n : NAN;
	a->cols = g->cols;
	a->rows = g->rows;
	a->merged_cell = g_new(double, MAX(cells, 1));
	for (gsize k = 0; k < c->n; k++) {
		int col = MIN((int) (c->dots[k].x / g->cell_px), g->cols - 1);
		int row = MIN((int) (c->dots[k].y / g->cell_px), g->rows - 1);

		in_cell[row * g->cols + col]++;
		m_cell[row * g->cols + col] += merged[k];
	}
	for (gsize q = 0; q < cells; q++)
		a->merged_cell[q] = in_cell[q] && isfinite(g->per_mpx[q])
			? (double) m_cell[q] / in_cell[q]
			: NAN;
}

/* --- hairline ------------------------------------------------------------- */

/* Distance of (x, y) from the bare side's edge, px, and the profile's
 * length.
 */
static double
from_side(const SmpMeasurement *m, SmpSide side, double x, double y)
{
	switch (side) {
	case SMP_SIDE_TOP:
		return y;
	case SMP_SIDE_BOTTOM:
		return m->height - y;
	case SMP_SIDE_LEFT:
		return x;
	default:
		return m->width - x;
	}
}

/* Dots and ROI pixels per profile bin of @bin px from the bare side. */
static void
profile_counts(
	const Ctx *c, SmpSide side, double bin, int nb, double *dots, double *roi)
{
	const SmpMeasurement *m = c->m;

	for (gsize k = 0; k < c->n; k++) {
		int b = (int) (from_side(m, side, c->dots[k].x, c->dots[k].y) / bin);

		dots[CLAMP(b, 0, nb - 1)] += 1.0;
	}
	for (int y = 0; y < m->height; y++)
		for (int x = 0; x < m->width; x++) {
			int b;

			if (c->mask && !c->mask[(gsize) y * c->stride + x])
				continue;
			b = (int) (from_side(m, side, x + 0.5, y + 0.5) / bin);
			roi[CLAMP(b, 0, nb - 1)] += 1.0;
		}
}

/* Gaussian smoothing of @v (@n values) by @sigma bins, in place. */
static void
smooth(double *v, int n, double sigma)
{
	int h = (int) ceil(3.0 * sigma);
	g_autofree double *in = g_memdup2(v, (gsize) n * sizeof *v);

	for (int i = 0; i < n; i++) {
		double acc = 0.0;

		for (int k = -h; k <= h; k++)
			if (i + k >= 0 && i + k < n)
				acc += in[i + k] * exp(-0.5 * k * k / (sigma * sigma));
		v[i] = acc;
	}
}

/* Where the profile first reaches @level, interpolated between bin
 * centres; NaN if never.
 */
static double
first_reach(
	const double *dens, const double *roi, int nb, double bin, double level)
{
	int prev = -1;

	for (int b = 0; b < nb; b++) {
		if (roi[b] <= 0.0)
			continue;
		if (dens[b] >= level) {
			if (prev < 0)
				return (b + 0.5) * bin;
			return (prev + 0.5 +
					   (b - prev) * (level - dens[prev]) /
						   (dens[b] - dens[prev])) *
				bin;
		}
		prev = b;
	}
	return NAN;
}

/* The plateau of a profile whose @n values are @v (sorted in place): the
 * median of the values above half its 95th percentile, so that neither
 * the bare part nor the noisy peaks set it.
 */
static double
plateau_level(double *v, int n)
{
	double half;
	int first = 0;

	if (n == 0)
		return 0.0;
	qsort(v, n, sizeof *v, cmp_double_fn);
	half = 0.5 * v[(int) (0.95 * (n - 1))];
	while (first < n && v[first] < half)
		first++;
	return v[first + (n - 1 - first) / 2];
}

/* The 10–90% rise of the smoothed density profile away from the bare
 * side. Counts and ROI are smoothed apart and then divided, so bins cut
 * by the mask or the frame weigh what they hold.
 */
static void
measure_hairline(const Ctx *c, const SmpArtistParams *p, SmpArtistMeasures *a)
{
	const SmpMeasurement *m = c->m;
	gboolean vertical =
		p->hairline == SMP_SIDE_TOP || p->hairline == SMP_SIDE_BOTTOM;
	double len = vertical ? m->height : m->width;
	double bin = m->has_scale ? SMP_ARTIST_PROFILE_BIN_MM * m->px_per_mm
							  : BIN_PX_NO_SCALE;
	double sigma = m->has_scale ? SMP_ARTIST_PROFILE_SIGMA_MM * m->px_per_mm
								: SIGMA_PX_NO_SCALE;
	int nb = MAX((int) ceil(len / bin), 1);
	g_autofree double *dots = g_new0(double, nb);
	g_autofree double *roi = g_new0(double, nb);
	g_autofree double *dens = g_new0(double, nb);
	g_autofree double *sorted = g_new0(double, nb);
	double plateau;
	int ns = 0;

	a->hairline = p->hairline;
	if (p->hairline == SMP_SIDE_NONE || c->n < 2)
		return;
	profile_counts(c, p->hairline, bin, nb, dots, roi);
	smooth(dots, nb, sigma / bin);
	smooth(roi, nb, sigma / bin);
	for (int b = 0; b < nb; b++)
		if (roi[b] > 0.0)
			sorted[ns++] = dens[b] = dots[b] / roi[b] * PX_PER_MPX;
	plateau = plateau_level(sorted, ns);
	if (!(plateau > 0.0))
		return;
	a->hairline_plateau_per_mpx = plateau;
	a->hairline_width_px = first_reach(dens, roi, nb, bin, 0.9 * plateau) -
		first_reach(dens, roi, nb, bin, 0.1 * plateau);
	if (m->has_scale)
		a->hairline_width_mm = a->hairline_width_px / m->px_per_mm;
}

/* --- symmetry ------------------------------------------------------------- */

/* The axis in px: @x is a fraction of @width when <= 1, else px. */
static double
axis_px(double x, int width)
{
	if (!(x > 0.0))
		x = SMP_ARTIST_SYMMETRY_AXIS;
	return x <= 1.0 ? x * width : x;
}

static void
measure_symmetry(const Ctx *c, const SmpArtistParams *p, SmpArtistMeasures *a)
{
	const SmpMeasurement *m = c->m;
	double mid = axis_px(p->symmetry_axis_x, m->width);
	double nl = 0, nr = 0, rl = 0, rr = 0;

	for (gsize k = 0; k < c->n; k++) {
		if (c->dots[k].x < mid)
			nl++;
		else
			nr++;
	}
	for (int y = 0; y < m->height; y++)
		for (int x = 0; x < m->width; x++) {
			if (c->mask && !c->mask[(gsize) y * c->stride + x])
				continue;
			if (x + 0.5 < mid)
				rl++;
			else
				rr++;
		}
	a->symmetry_axis_px = mid;
	a->left_per_mpx = rl > 0 ? nl / rl * PX_PER_MPX : NAN;
	a->right_per_mpx = rr > 0 ? nr / rr * PX_PER_MPX : NAN;
	a->symmetry_ratio =
		a->right_per_mpx > 0 ? a->left_per_mpx / a->right_per_mpx : NAN;
}

/* --- the public functions ------------------------------------------------- */

SmpArtistMeasures *
smp_artist_measure(const SmpMeasurement *m, const SmpDot *dots, gsize n,
	const SmpDot *large, gsize n_large, const guint8 *mask, gsize stride,
	const SmpArtistParams *p)
{
	SmpArtistMeasures *a = g_new0(SmpArtistMeasures, 1);
	Ctx c = {m, mask, stride, NULL, 0};
	SmpArtistParams defaults;

	if (!p) {
		smp_artist_params_default(&defaults);
		p = &defaults;
	}
	a->px_per_mm = m->has_scale ? m->px_per_mm : NAN;
	a->hairline_width_px = a->hairline_width_mm = NAN;
	a->hairline_plateau_per_mpx = NAN;
	keep_dots(&c, dots, n);
	measure_scabs(&c, large, n_large, p, a);
	measure_hairline(&c, p, a);
	measure_symmetry(&c, p, a);
	measure_merging(&c, p, a); /* last: it sorts the dots */
	g_free(c.dots);
	return a;
}

/* Dots per megapixel as dots per cm² at @ppm (NaN without a scale). */
static double
per_cm2(double per_mpx, double ppm)
{
	return per_mpx / PX_PER_MPX * ppm * ppm * MM2_PER_CM2;
}

static void
scabs_to_json(const SmpArtistMeasures *a, JsonBuilder *b)
{
	json_builder_set_member_name(b, "scabs");
	json_builder_begin_object(b);
	smp_json_int(b, "count", (gint64) a->scabs);
	smp_json_number(b, "fraction", a->scab_fraction, 0.0001);
	json_builder_set_member_name(b, "fresh_session");
	json_builder_add_boolean_value(b, a->fresh_session);
	json_builder_end_object(b);
}

static void
merging_to_json(const SmpArtistMeasures *a, JsonBuilder *b)
{
	json_builder_set_member_name(b, "merging");
	json_builder_begin_object(b);
	smp_json_int(b, "merged", (gint64) a->merged);
	smp_json_number(b, "fraction", a->merged_fraction, 0.0001);
	json_builder_set_member_name(b, "grid");
	json_builder_begin_array(b);
	for (int q = 0; q < a->cols * a->rows; q++)
		smp_json_number(b, NULL, a->merged_cell[q], 0.0001);
	json_builder_end_array(b);
	json_builder_end_object(b);
}

static void
hairline_to_json(const SmpArtistMeasures *a, JsonBuilder *b)
{
	json_builder_set_member_name(b, "hairline");
	if (a->hairline == SMP_SIDE_NONE) {
		json_builder_add_null_value(b);
		return;
	}
	json_builder_begin_object(b);
	json_builder_set_member_name(b, "side");
	json_builder_add_string_value(b, smp_side_name(a->hairline));
	smp_json_number(b, "width_mm", a->hairline_width_mm, 0.01);
	smp_json_number(b, "width_px", a->hairline_width_px, 0.1);
	smp_json_number(b, "plateau_per_cm2",
		per_cm2(a->hairline_plateau_per_mpx, a->px_per_mm), 0.01);
	smp_json_number(b, "plateau_per_mpx", a->hairline_plateau_per_mpx, 0.01);
	json_builder_end_object(b);
}

static void
symmetry_to_json(const SmpArtistMeasures *a, JsonBuilder *b)
{
	json_builder_set_member_name(b, "symmetry");
	json_builder_begin_object(b);
	smp_json_number(b, "axis_x_px", a->symmetry_axis_px, 0.1);
	smp_json_number(
		b, "left_per_cm2", per_cm2(a->left_per_mpx, a->px_per_mm), 0.01);
	smp_json_number(
		b, "right_per_cm2", per_cm2(a->right_per_mpx, a->px_per_mm), 0.01);
	smp_json_number(b, "left_per_mpx", a->left_per_mpx, 0.01);
	smp_json_number(b, "right_per_mpx", a->right_per_mpx, 0.01);
	smp_json_number(b, "ratio", a->symmetry_ratio, 0.0001);
	json_builder_end_object(b);
}

void
smp_artist_to_json(const SmpArtistMeasures *a, JsonBuilder *b)
{
	if (!a) {
		json_builder_add_null_value(b);
		return;
	}
	json_builder_begin_object(b);
	scabs_to_json(a, b);
	merging_to_json(a, b);
	hairline_to_json(a, b);
	symmetry_to_json(a, b);
	json_builder_end_object(b);
}
