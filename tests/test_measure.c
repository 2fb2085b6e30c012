/* Unit tests of the measure module: outcomes on patterns with known answers.
 * SPDX-License-Identifier: MIT
 */
#include <math.h>
#include <string.h>

#include <glib.h>

#include "test.h"
#include "smpdoc/error.h"
#include "smpdoc/measure.h"

/* cmocka 1.1's float assertions work in float: these keep doubles. */
#define assert_near(a, b, tol)                                                 \
	do {                                                                       \
		double a_ = (a), b_ = (b), t_ = (tol);                                 \
		if (!(fabs(a_ - b_) <= t_))                                            \
			fail_msg("%s = %.9g, expected %.9g within %g", #a, a_, b_, t_);    \
	} while (0)
#define assert_rel(a, b, rel) assert_near(a, b, fabs(b) * (rel))
#define assert_nan(a)                                                          \
	do {                                                                       \
		double a_ = (a);                                                       \
		if (!isnan(a_))                                                        \
			fail_msg("%s = %.9g, expected NaN", #a, a_);                       \
	} while (0)

/* A uniform double in [0, 1). */
static double
uniform(uint64_t *state)
{
	return (double) (smp_test_rand(state) >> 11) * 0x1p-53;
}

static SmpDot
dot(double x, double y, double r, double contrast)
{
	SmpDot d = {(float) x, (float) y, (float) r, (float) contrast};

	return d;
}

/* Measure, failing the test on error. */
static SmpMeasurement *
measure(const SmpDot *dots, gsize n, int w, int h, const guint8 *mask,
	gsize stride, double px_per_mm)
{
	SmpMeasureParams p;
	GError *err = NULL;
	SmpMeasurement *m;

	smp_measure_params_default(&p);
	p.px_per_mm = px_per_mm;
	m = smp_measure_dots(dots, n, w, h, mask, stride, &p, &err);
	assert_no_gerror(err);
	assert_non_null(m);
	return m;
}

/* n uniform random dots of radius 3 over w x h (kept off the far edges,
 * which a float could round up to).
 */
static SmpDot *
random_dots(uint64_t *state, gsize n, int w, int h)
{
	SmpDot *d = g_new(SmpDot, MAX(n, 1));

	for (gsize k = 0; k < n; k++)
		d[k] = dot(uniform(state) * (w - 1e-3), uniform(state) * (h - 1e-3),
			3.0, uniform(state));
	return d;
}

/* A square lattice of spacing s filling w x h, half a spacing from each
 * edge, so each dot owns exactly s² of the image.
 */
static SmpDot *
square_lattice(int nx, int ny, double s, gsize *n)
{
	SmpDot *d = g_new(SmpDot, (gsize) nx * ny);

	*n = 0;
	for (int j = 0; j < ny; j++)
		for (int i = 0; i < nx; i++)
			d[(*n)++] = dot((i + 0.5) * s, (j + 0.5) * s, 1.0, 0.5);
	return d;
}

/* --- spacing and Clark–Evans ---------------------------------------------- */

static void
test_measure_square_lattice_is_regular(void **state)
{
	gsize n;
	SmpDot *d = square_lattice(100, 100, 10.0, &n);
	g_autoptr(SmpMeasurement) m = measure(d, n, 1000, 1000, NULL, 0, 20.0);

	(void) state;
	assert_int_equal(m->count, 10000);
	assert_near(m->nn_mean_px, 10.0, 1e-12);
	assert_near(m->nn_mean_mm, 0.5, 1e-12);
	assert_near(m->nn_cv, 0.0, 1e-12);
	/* r̄ = s, expected 0.5 s: R = 2 exactly without the edge term; a
	 * lattice loses no neighbours at the edge, so with it R is a bit less.
	 */
	assert_near(m->clark_evans_uncorrected, 2.0, 1e-9);
	assert_true(m->clark_evans > 1.98 && m->clark_evans < 2.0);
	g_free(d);
}

static void
test_measure_hexagonal_lattice_is_most_regular(void **state)
{
	const double s = 10.0, rowh = s * sqrt(3.0) / 2.0;
	const int nx = 100, ny = 116;
	SmpDot *d = g_new(SmpDot, nx * ny);
	gsize n = 0;

	(void) state;
	for (int j = 0; j < ny; j++)
		for (int i = 0; i < nx; i++)
			d[n++] =
				dot((i + 0.25 + 0.5 * (j % 2)) * s, (j + 0.5) * rowh, 1.0, 0.5);
	{
		g_autoptr(SmpMeasurement) m =
			measure(d, n, 1000, (int) lround(ny * rowh), NULL, 0, 0.0);

		assert_rel(m->nn_mean_px, s, 1e-5);
		assert_near(m->nn_cv, 0.0, 1e-5);
		/* R = s / (0.5 sqrt(sqrt(3) / 2) s) = 2.1491, the largest there is */
		print_message("hexagonal lattice: clark_evans %.4f\n", m->clark_evans);
		assert_true(m->clark_evans > 2.12 && m->clark_evans < 2.16);
	}
	g_free(d);
}

static void
test_measure_poisson_pattern_is_random(void **state)
{
	uint64_t rng = smp_test_seed(20240611);
	SmpDot *d = random_dots(&rng, 5000, 1000, 1000);
	g_autoptr(SmpMeasurement) m = measure(d, 5000, 1000, 1000, NULL, 0, 0);

	(void) state;
	print_message("poisson n=5000: clark_evans %.4f (uncorrected %.4f)\n",
		m->clark_evans, m->clark_evans_uncorrected);
	assert_true(m->clark_evans > 0.97 && m->clark_evans < 1.03);
	/* CV of NN distances under CSR: sqrt(4/pi - 1) = 0.5227. */
	assert_true(m->nn_cv > 0.47 && m->nn_cv < 0.57);
	g_free(d);
}

/* Few dots per photo: the edge bias of the plain Clark–Evans index is
 * several percent; Donnelly's correction removes it. Averaged over many
 * seeded patterns so that the test is not at the mercy of one draw.
 */
static void
test_measure_edge_correction_removes_bias(void **state)
{
	uint64_t rng = smp_test_seed(7);
	double sum = 0.0, sum_raw = 0.0;
	const int trials = 300;

	(void) state;
	for (int t = 0; t < trials; t++) {
		SmpDot *d = random_dots(&rng, 50, 200, 200);
		SmpMeasurement *m = measure(d, 50, 200, 200, NULL, 0, 0);

		sum += m->clark_evans;
		sum_raw += m->clark_evans_uncorrected;
		smp_measurement_free(m);
		g_free(d);
	}
	print_message("n=50 x %d: mean R %.4f corrected, %.4f uncorrected\n",
		trials, sum / trials, sum_raw / trials);
	assert_near(sum / trials, 1.0, 0.02);
	assert_true(sum_raw / trials > 1.04);
}

static void
test_measure_clusters_are_clumped(void **state)
{
	uint64_t rng = smp_test_seed(99);
	SmpDot *d = g_new(SmpDot, 2000);
	gsize n = 0;

	(void) state;
	for (int c = 0; c < 50; c++) {
		double cx = 20 + uniform(&rng) * 960, cy = 20 + uniform(&rng) * 960;

		for (int k = 0; k < 40; k++) {
			double a = uniform(&rng) * 2 * G_PI, rr = 5 * sqrt(uniform(&rng));

			d[n++] = dot(cx + rr * cos(a), cy + rr * sin(a), 1.0, 0.5);
		}
	}
	{
		g_autoptr(SmpMeasurement) m = measure(d, n, 1000, 1000, NULL, 0, 0);

		print_message("clusters: clark_evans %.4f\n", m->clark_evans);
		assert_true(m->clark_evans < 0.7);
	}
	g_free(d);
}

/* The grid-hashed search against a brute-force one, on clustered points
 * (many per hash cell) and on points on a line (a degenerate bounding box).
 */
static double
brute_nn_mean(const SmpDot *d, gsize n)
{
	double sum = 0.0;

	for (gsize i = 0; i < n; i++) {
		double best = INFINITY;

		for (gsize j = 0; j < n; j++) {
			double dx = (double) d[i].x - d[j].x, dy = (double) d[i].y - d[j].y;

			if (i != j)
				best = fmin(best, dx * dx + dy * dy);
		}
		sum += sqrt(best);
	}
	return sum / (double) n;
}

static void
test_measure_nn_matches_brute_force(void **state)
{
	uint64_t rng = smp_test_seed(3);
	SmpDot *d = g_new(SmpDot, 3000);

	(void) state;
	for (int k = 0; k < 3000; k++) {
		double u = uniform(&rng);
		double x = u < 0.5 ? 100 + uniform(&rng) * 20 : uniform(&rng) * 800;
		double y = u < 0.5 ? 300 + uniform(&rng) * 20 : uniform(&rng) * 600;

		d[k] = dot(x, y, 2.0, 0.5);
	}
	{
		g_autoptr(SmpMeasurement) m = measure(d, 3000, 800, 600, NULL, 0, 0);

		assert_rel(m->nn_mean_px, brute_nn_mean(d, 3000), 1e-12);
	}
	for (int k = 0; k < 500; k++)
		d[k] = dot(1.5 + 3.0 * k, 7.5, 1.0, 0.5);
	{
		g_autoptr(SmpMeasurement) m = measure(d, 500, 1600, 10, NULL, 0, 0);

		assert_near(m->nn_mean_px, 3.0, 1e-9);
		assert_near(m->nn_cv, 0.0, 1e-9);
	}
	g_free(d);
}

/* --- coverage ------------------------------------------------------------ */

static void
test_measure_coverage_single_disc(void **state)
{
	SmpDot d = dot(50.0, 50.0, 10.0, 0.5);
	g_autoptr(SmpMeasurement) m = measure(&d, 1, 100, 100, NULL, 0, 0);

	(void) state;
	assert_rel(m->coverage, G_PI * 100.0 / 10000.0, 0.02);
}

static void
test_measure_coverage_counts_overlap_once(void **state)
{
	SmpDot one[1] = {dot(50.0, 50.0, 10.0, 0.5)};
	SmpDot same[2] = {one[0], one[0]};
	SmpDot two[2] = {dot(40.0, 50.0, 10.0, 0.5), dot(50.0, 50.0, 10.0, 0.5)};
	g_autoptr(SmpMeasurement) m1 = measure(one, 1, 100, 100, NULL, 0, 0);
	g_autoptr(SmpMeasurement) m2 = measure(same, 2, 100, 100, NULL, 0, 0);
	g_autoptr(SmpMeasurement) m3 = measure(two, 2, 100, 100, NULL, 0, 0);
	/* Union of two r = 10 discs 10 apart: 2 pi r² minus their lens. */
	double lens = 2 * 100.0 * acos(0.5) - 5.0 * sqrt(300.0);

	(void) state;
	assert_near(m2->coverage, m1->coverage, 0.0);
	assert_rel(m3->coverage * 10000.0, 2 * G_PI * 100.0 - lens, 0.02);
}

/* The sweep against testing every pixel centre of a masked image against
 * every disc, with the same rule: covered when inside a disc and the ROI.
 */
static void
test_measure_coverage_matches_brute_force(void **state)
{
	enum { W = 300, H = 200, STRIDE = 320, N = 300 };
	uint64_t rng = smp_test_seed(11);
	guint8 *mask = g_new(guint8, STRIDE * H);
	SmpDot *d = g_new(SmpDot, N);
	guint64 covered = 0, roi = 0;

	(void) state;
	for (int j = 0; j < H; j++)
		for (int i = 0; i < STRIDE; i++)
			mask[j * STRIDE + i] = i >= W || hypot(i - 150, j - 100) < 90;
	for (int k = 0; k < N; k++)
		d[k] =
			dot(uniform(&rng) * W, uniform(&rng) * H, uniform(&rng) * 12, 0.5);
	for (int j = 0; j < H; j++)
		for (int i = 0; i < W; i++) {
			gboolean in = FALSE;

			if (!mask[j * STRIDE + i])
				continue;
			roi++;
			for (int k = 0; k < N; k++) {
				gboolean kept = mask[(int) d[k].y * STRIDE + (int) d[k].x];
				double dx = i + 0.5 - d[k].x, dy = j + 0.5 - d[k].y;

				in |= kept && dx * dx + dy * dy <= (double) d[k].r * d[k].r;
			}
			covered += in;
		}
	{
		g_autoptr(SmpMeasurement) m = measure(d, N, W, H, mask, STRIDE, 0);

		assert_int_equal(m->roi_px, roi);
		assert_near(m->coverage * (double) roi, (double) covered, 1.0);
	}
	g_free(mask);
	g_free(d);
}

/* --- density and its interval --------------------------------------------- */

static void
test_measure_density_is_exact(void **state)
{
	uint64_t rng = smp_test_seed(5);
	/* 400 x 300 px at 20 px/mm = 20 x 15 mm = 3 cm². */
	SmpDot *d = random_dots(&rng, 60, 400, 300);
	g_autoptr(SmpMeasurement) m = measure(d, 60, 400, 300, NULL, 0, 20.0);

	(void) state;
	assert_true(m->has_scale);
	assert_int_equal(m->roi_px, 120000);
	assert_near(m->per_cm2, 20.0, 1e-12);
	assert_near(m->per_mpx, 500.0, 1e-9);
	assert_true(m->per_cm2_ci95[0] < 20.0 && m->per_cm2_ci95[1] > 20.0);
	g_free(d);
}

/* Garwood intervals from mpmath (30 digits): gamma quantiles. */
static const struct {
	guint64 count;
	double lo, hi;
} garwood[] = {
	{0, 0.0, 3.68887945411},
	{1, 0.0253178079843, 5.57164339094},
	{2, 0.242209278544, 7.22468766772},
	{3, 0.618672122896, 8.76727306974},
	{5, 1.62348639012, 11.6683320793},
	{10, 4.79538869613, 18.390356042},
	{30, 20.2408740214, 42.8268653948},
	{100, 81.3639912509, 121.626793792},
	{1000, 938.973018408, 1063.95213602},
	{5000, 4862.35918869, 5140.54894854},
};

static void
test_measure_poisson_ci_matches_garwood(void **state)
{
	(void) state;
	for (gsize k = 0; k < G_N_ELEMENTS(garwood); k++) {
		double ci[2];

		smp_measure_poisson_ci(garwood[k].count, 0.95, ci);
		assert_near(ci[0], garwood[k].lo, 1e-9 * garwood[k].hi);
		assert_rel(ci[1], garwood[k].hi, 1e-9);
	}
}

/* 100 x 100 px at 10 px/mm is exactly 1 cm², so per cm² = per count. */
static void
test_measure_density_ci_is_garwood_without_scale_error(void **state)
{
	uint64_t rng = smp_test_seed(13);

	(void) state;
	for (gsize k = 0; k < G_N_ELEMENTS(garwood); k++) {
		gsize n = garwood[k].count;
		SmpDot *d = random_dots(&rng, n, 100, 100);
		SmpMeasurement *m = measure(d, n, 100, 100, NULL, 0, 10.0);

		assert_near(m->per_cm2, (double) n, 1e-9);
		assert_near(m->per_cm2_ci95[0], garwood[k].lo, 1e-9 * garwood[k].hi);
		assert_rel(m->per_cm2_ci95[1], garwood[k].hi, 1e-9);
		smp_measurement_free(m);
		g_free(d);
	}
}

/* The interval covers the true density at least 95% of the time: 2000
 * random dots over 1 cm², counted in a 1 mm² mask (expected 20 dots).
 */
static void
test_measure_density_ci_covers_truth(void **state)
{
	enum { W = 200, TRIALS = 400 };
	uint64_t rng = smp_test_seed(17);
	guint8 *mask = g_new0(guint8, W * W);
	int hits = 0;

	(void) state;
	for (int j = 90; j < 110; j++)
		memset(mask + j * W + 90, 1, 20);
	for (int t = 0; t < TRIALS; t++) {
		SmpDot *d = random_dots(&rng, 2000, W, W);
		SmpMeasurement *m = measure(d, 2000, W, W, mask, W, 20.0);

		hits += m->per_cm2_ci95[0] <= 2000.0 && m->per_cm2_ci95[1] >= 2000.0;
		smp_measurement_free(m);
		g_free(d);
	}
	print_message(
		"CI covered the true density in %d of %d trials\n", hits, TRIALS);
	assert_true(hits >= 0.93 * TRIALS);
	g_free(mask);
}

static void
test_measure_scale_uncertainty_widens_ci(void **state)
{
	uint64_t rng = smp_test_seed(19);
	SmpDot *d = random_dots(&rng, 10000, 100, 100);
	SmpMeasureParams p;
	GError *err = NULL;
	g_autoptr(SmpMeasurement) exact = NULL;
	g_autoptr(SmpMeasurement) fuzzy = NULL;
	double hi, s = 1.959963984540054 * 2 * 0.01;

	(void) state;
	smp_measure_params_default(&p);
	p.px_per_mm = 10.0;
	exact = smp_measure_dots(d, 10000, 100, 100, NULL, 0, &p, &err);
	p.scale_rel_uncertainty = 0.01; /* 1% in scale is 2% in density */
	fuzzy = smp_measure_dots(d, 10000, 100, 100, NULL, 0, &p, &err);
	assert_no_gerror(err);
	assert_near(fuzzy->per_cm2, exact->per_cm2, 0.0);
	assert_true(fuzzy->per_cm2_ci95[0] < exact->per_cm2_ci95[0]);
	assert_true(fuzzy->per_cm2_ci95[1] > exact->per_cm2_ci95[1]);
	/* Combined in log space: log half-widths add in quadrature. */
	hi = log(exact->per_cm2_ci95[1] / exact->per_cm2);
	assert_rel(
		fuzzy->per_cm2_ci95[1], 10000.0 * exp(sqrt(hi * hi + s * s)), 1e-12);
	/* Dominated by the scale: about +-4%, not the counting's +-2%. */
	assert_true(fuzzy->per_cm2_ci95[1] > 10000.0 * 1.04);
	g_free(d);
}

static void
test_measure_without_scale_has_no_mm_values(void **state)
{
	uint64_t rng = smp_test_seed(23);
	SmpDot *d = random_dots(&rng, 500, 1000, 500);
	g_autoptr(SmpMeasurement) m = measure(d, 500, 1000, 500, NULL, 0, 0.0);

	(void) state;
	assert_false(m->has_scale);
	assert_nan(m->px_per_mm);
	assert_nan(m->per_cm2);
	assert_nan(m->per_cm2_ci95[0]);
	assert_nan(m->per_cm2_ci95[1]);
	assert_nan(m->nn_mean_mm);
	assert_nan(m->diameter_mm.median);
	assert_nan(m->grid.cell_mm);
	assert_near(m->per_mpx, 1000.0, 1e-9);
	assert_near(m->diameter_px.median, 6.0, 1e-6);
	assert_false(isnan(m->nn_mean_px));
	assert_near(m->grid.cell_px, SMP_MEASURE_GRID_CELL_PX, 0.0);
	assert_int_equal(m->grid.cols, 5);
	assert_int_equal(m->grid.rows, 3);
	for (int q = 0; q < m->grid.cols * m->grid.rows; q++)
		assert_nan(m->grid.per_cm2[q]);
	assert_false(isnan(m->grid.per_mpx[0]));
	g_free(d);
}

/* --- grid and ROI ------------------------------------------------------- */

static void
test_measure_grid_sums_and_normalises(void **state)
{
	uint64_t rng = smp_test_seed(29);
	SmpDot *d = random_dots(&rng, 3000, 1000, 700);
	/* 10 mm at 13.7 px/mm = 137 px: 8 x 6 cells, the last column 41 px
	 * wide (30% of a cell: kept), the last row 15 px high (11%: NaN).
	 */
	g_autoptr(SmpMeasurement) m = measure(d, 3000, 1000, 700, NULL, 0, 13.7);
	const SmpDensityGrid *g = &m->grid;
	guint64 sum = 0, roi = 0;

	(void) state;
	assert_int_equal(g->cols, 8);
	assert_int_equal(g->rows, 6);
	assert_near(g->cell_mm, 10.0, 1e-12);
	for (int q = 0; q < g->cols * g->rows; q++) {
		sum += g->count[q];
		roi += g->roi_px[q];
	}
	assert_int_equal(sum, m->count);
	assert_int_equal(roi, m->roi_px);
	assert_int_equal(g->roi_px[7], 41 * 137);
	assert_near(g->per_mpx[7], g->count[7] / (41 * 137 / 1e6), 1e-9);
	assert_near(g->per_cm2[0],
		g->count[0] / (137.0 * 137.0 / (13.7 * 13.7) / 100.0), 1e-9);
	for (int col = 0; col < g->cols; col++) {
		assert_nan(g->per_cm2[5 * g->cols + col]);
		assert_nan(g->coverage[5 * g->cols + col]);
	}
	assert_true(g->coverage[0] > 0.0 && g->coverage[0] < 1.0);
	g_free(d);
}

/* Dots on the left half only: masking the right half out halves the ROI
 * and doubles the density. The mask's padding beyond the width is set to
 * show it is not read.
 */
static void
test_measure_mask_halves_roi_and_doubles_density(void **state)
{
	enum { W = 400, H = 300, STRIDE = 416 };
	gsize n;
	SmpDot *d = square_lattice(20, 30, 10.0, &n);
	guint8 *mask = g_new(guint8, STRIDE * H);
	g_autoptr(SmpMeasurement) whole = measure(d, n, W, H, NULL, 0, 20.0);
	g_autoptr(SmpMeasurement) half = NULL;

	(void) state;
	for (int j = 0; j < H; j++)
		for (int i = 0; i < STRIDE; i++)
			mask[j * STRIDE + i] = i < W / 2 || i >= W;
	half = measure(d, n, W, H, mask, STRIDE, 20.0);
	assert_int_equal(half->roi_px, whole->roi_px / 2);
	assert_int_equal(half->count, whole->count);
	assert_near(half->per_cm2, 2.0 * whole->per_cm2, 1e-9);
	assert_near(half->coverage, 2.0 * whole->coverage, 1e-12);
	assert_near(half->roi_perimeter_px, 2.0 * (W / 2 + H), 0.0);
	/* The lattice fills the half exactly: regular, with edge correction. */
	assert_true(half->clark_evans > 1.9);
	g_free(mask);
	g_free(d);
}

static void
test_measure_dots_outside_roi_are_ignored(void **state)
{
	guint8 mask[4 * 4] = {1, 1, 0, 0, 1, 1, 0, 0, 1, 1, 0, 0, 1, 1, 0, 0};
	SmpDot d[6] = {
		dot(0.5, 0.5, 0.4, 0.5), dot(2.5, 0.5, 0.4, 0.5), /* out of mask */
		dot(-1.0, 1.0, 1, 0.5), dot(1.0, 4.0, 1, 0.5), /* off image */
		dot(NAN, 1.0, 1, 0.5), dot(1.0, 1.0, -1, 0.5), /* malformed */
	};
	g_autoptr(SmpMeasurement) m = measure(d, 6, 4, 4, mask, 4, 0.0);

	(void) state;
	assert_int_equal(m->roi_px, 8);
	assert_int_equal(m->count, 1);
	assert_near(m->coverage, 1.0 / 8.0, 0.0);
}

/* --- distributions -------------------------------------------------------- */

static void
test_measure_percentiles_of_known_sets(void **state)
{
	SmpDot d[10];

	(void) state;
	/* Diameters 1..10 and contrasts 0.1..1.0, shuffled. */
	for (int k = 0; k < 10; k++) {
		int v = (k * 7) % 10 + 1;

		d[k] = dot(10.0 + 20.0 * k, 10.0, v / 2.0, v / 10.0);
	}
	{
		g_autoptr(SmpMeasurement) m = measure(d, 10, 200, 20, NULL, 0, 2.0);

		assert_near(m->diameter_px.p10, 1.9, 1e-9);
		assert_near(m->diameter_px.median, 5.5, 1e-9);
		assert_near(m->diameter_px.p90, 9.1, 1e-9);
		assert_near(m->diameter_mm.p10, 0.95, 1e-9);
		assert_near(m->diameter_mm.median, 2.75, 1e-9);
		assert_near(m->diameter_mm.p90, 4.55, 1e-9);
		assert_near(m->contrast.p10, 0.19, 1e-6);
		assert_near(m->contrast.median, 0.55, 1e-6);
		assert_near(m->contrast.p90, 0.91, 1e-6);
	}
}

/* --- speed and determinism ------------------------------------------------ */

/* Bit-for-bit equal numbers (NaN included), field by field. */
#define SAME(f) (memcmp(&a->f, &b->f, sizeof a->f) == 0)
#define SAME_CELLS(f)                                                          \
	(memcmp(a->grid.f, b->grid.f, cells * sizeof *a->grid.f) == 0)

static gboolean
same_measurement(const SmpMeasurement *a, const SmpMeasurement *b)
{
	gsize cells = (gsize) a->grid.cols * a->grid.rows;

	return SAME(count) && SAME(roi_px) && SAME(per_cm2) && SAME(per_cm2_ci95) &&
		SAME(per_mpx) && SAME(coverage) && SAME(nn_mean_px) && SAME(nn_cv) &&
		SAME(clark_evans) && SAME(diameter_px) && SAME(contrast) &&
		SAME(grid.cols) && SAME(grid.rows) && SAME_CELLS(count) &&
		SAME_CELLS(roi_px) && SAME_CELLS(per_cm2) && SAME_CELLS(per_mpx) &&
		SAME_CELLS(coverage);
}

static void
test_measure_photo_sized_input_is_fast_and_repeatable(void **state)
{
	uint64_t rng = smp_test_seed(31);
	SmpDot *d = g_new(SmpDot, 45000);
	gint64 t0, t1;

	(void) state;
	for (int k = 0; k < 45000; k++)
		d[k] = dot(uniform(&rng) * 4000, uniform(&rng) * 3000,
			2.0 + 4.0 * uniform(&rng), uniform(&rng));
	t0 = g_get_monotonic_time();
	{
		g_autoptr(SmpMeasurement) a =
			measure(d, 45000, 4000, 3000, NULL, 0, 20.0);
		g_autoptr(SmpMeasurement) b = NULL;

		t1 = g_get_monotonic_time();
		print_message(
			"45000 dots on 4000x3000: %.1f ms (count %zu, "
			"coverage %.4f, clark_evans %.4f, per_cm2 %.2f [%.2f, %.2f])\n",
			(t1 - t0) / 1000.0, a->count, a->coverage, a->clark_evans,
			a->per_cm2, a->per_cm2_ci95[0], a->per_cm2_ci95[1]);
		b = measure(d, 45000, 4000, 3000, NULL, 0, 20.0);
		assert_true(same_measurement(a, b));
		assert_near(a->clark_evans, 1.0, 0.03);
	}
	g_free(d);
}

/* --- degenerate inputs ---------------------------------------------------- */

static void
test_measure_no_dots(void **state)
{
	g_autoptr(SmpMeasurement) m = measure(NULL, 0, 100, 100, NULL, 0, 10.0);

	(void) state;
	assert_int_equal(m->count, 0);
	assert_near(m->per_cm2, 0.0, 0.0);
	assert_near(m->per_cm2_ci95[0], 0.0, 0.0);
	assert_rel(m->per_cm2_ci95[1], 3.68887945411, 1e-9);
	assert_near(m->per_mpx, 0.0, 0.0);
	assert_near(m->coverage, 0.0, 0.0);
	assert_nan(m->nn_mean_px);
	assert_nan(m->nn_cv);
	assert_nan(m->clark_evans);
	assert_nan(m->diameter_px.median);
	assert_nan(m->contrast.p10);
}

static void
test_measure_one_dot_and_one_spot(void **state)
{
	SmpDot d[1000];
	g_autoptr(SmpMeasurement) one = NULL;
	g_autoptr(SmpMeasurement) spot = NULL;

	(void) state;
	for (int k = 0; k < 1000; k++)
		d[k] = dot(50.0, 50.0, 10.0, 0.3);
	one = measure(d, 1, 100, 100, NULL, 0, 10.0);
	assert_int_equal(one->count, 1);
	assert_nan(one->nn_mean_px);
	assert_nan(one->clark_evans);
	assert_near(one->diameter_px.median, 20.0, 0.0);
	spot = measure(d, 1000, 100, 100, NULL, 0, 10.0);
	assert_int_equal(spot->count, 1000);
	assert_near(spot->nn_mean_px, 0.0, 0.0);
	assert_nan(spot->nn_cv);
	assert_near(spot->clark_evans, 0.0, 0.0);
	assert_near(spot->coverage, one->coverage, 0.0);
}

static void
test_measure_thin_images(void **state)
{
	SmpDot pix = dot(0.5, 0.5, 3.0, 0.5);
	SmpDot col[3] = {dot(0.2, 1.0, 0.5, 0.5), dot(0.7, 5.0, 0.5, 0.5),
		dot(0.5, 9.5, 0.5, 0.5)};
	SmpDot row[3] = {dot(1.5, 0.5, 0.5, 0.5), dot(9.9, 0.9, 0.5, 0.5),
		dot(5.0, 1.0, 0.5, 0.5)};
	g_autoptr(SmpMeasurement) a = measure(&pix, 1, 1, 1, NULL, 0, 0.0);
	g_autoptr(SmpMeasurement) b = measure(col, 3, 1, 10, NULL, 0, 0.0);
	g_autoptr(SmpMeasurement) c = measure(row, 3, 10, 1, NULL, 0, 5.0);

	(void) state;
	assert_int_equal(a->roi_px, 1);
	assert_near(a->coverage, 1.0, 0.0);
	assert_int_equal(a->grid.cols * a->grid.rows, 1);
	assert_nan(a->grid.per_mpx[0]); /* 1 px of a 200 px cell: too little */
	assert_int_equal(b->count, 3);
	assert_false(isnan(b->nn_mean_px));
	assert_false(isnan(b->clark_evans));
	assert_int_equal(c->count, 2); /* y = 1 lies below a 1-row image */
	assert_near(c->nn_mean_px, hypot(8.4, 0.4), 1e-5);
}

static void
test_measure_bad_arguments_are_errors(void **state)
{
	SmpDot d = dot(1, 1, 1, 0.5);
	SmpMeasureParams p;
	GError *err = NULL;

	(void) state;
	smp_measure_params_default(&p);
	assert_null(smp_measure_dots(&d, 1, 0, 10, NULL, 0, &p, &err));
	assert_true(g_error_matches(err, SMP_ERROR, SMP_ERROR_INTERNAL));
	g_clear_error(&err);
	assert_null(smp_measure_dots(NULL, 1, 10, 10, NULL, 0, &p, &err));
	g_clear_error(&err);
	assert_null(smp_measure_dots(&d, 1, 10, 10, &(guint8){1}, 5, &p, &err));
	g_clear_error(&err);
	p.grid_cell_px = 0.0;
	assert_null(smp_measure_dots(&d, 1, 10, 10, NULL, 0, &p, &err));
	assert_true(g_error_matches(err, SMP_ERROR, SMP_ERROR_CONFIG));
	g_clear_error(&err);
	p.grid_cell_px = 1.0; /* 12 million cells */
	assert_null(smp_measure_dots(&d, 1, 4000, 3000, NULL, 0, &p, &err));
	assert_true(g_error_matches(err, SMP_ERROR, SMP_ERROR_LIMIT));
	g_clear_error(&err);
	smp_measure_params_default(&p);
	p.px_per_mm = NAN;
	assert_null(smp_measure_dots(&d, 1, 10, 10, NULL, 0, &p, &err));
	assert_true(g_error_matches(err, SMP_ERROR, SMP_ERROR_CONFIG));
	g_clear_error(&err);
	/* NULL parameters are the defaults. */
	{
		g_autoptr(SmpMeasurement) m =
			smp_measure_dots(&d, 1, 10, 10, NULL, 0, NULL, &err);

		assert_no_gerror(err);
		assert_false(m->has_scale);
	}
}

static void
test_measure_empty_mask(void **state)
{
	guint8 mask[100] = {0};
	SmpDot d = dot(5, 5, 2, 0.5);
	g_autoptr(SmpMeasurement) m = measure(&d, 1, 10, 10, mask, 10, 10.0);

	(void) state;
	assert_int_equal(m->roi_px, 0);
	assert_int_equal(m->count, 0);
	assert_nan(m->per_cm2);
	assert_nan(m->per_mpx);
	assert_nan(m->coverage);
}

/* --- change --------------------------------------------------------------- */

static void
test_measure_change_between_sessions(void **state)
{
	SmpMeasurement before = {0}, after = {0}, noscale = {0};
	SmpChange ch;

	(void) state;
	before.per_cm2 = 100.0;
	before.per_mpx = 2500.0;
	before.coverage = 0.10;
	after.per_cm2 = 150.0;
	after.per_mpx = 3750.0;
	after.coverage = 0.18;
	smp_measure_change(&before, &after, &ch);
	assert_near(ch.per_cm2, 50.0, 1e-12);
	assert_near(ch.per_cm2_pct, 50.0, 1e-12);
	assert_near(ch.per_mpx, 1250.0, 1e-12);
	assert_near(ch.coverage, 0.08, 1e-12);
	assert_int_equal(ch.new_dots, -1);
	assert_int_equal(ch.persisting_dots, -1);
	noscale = before;
	noscale.per_cm2 = NAN;
	smp_measure_change(&noscale, &after, &ch);
	assert_nan(ch.per_cm2);
	assert_nan(ch.per_cm2_pct);
	before.per_cm2 = 0.0;
	smp_measure_change(&before, &after, &ch);
	assert_near(ch.per_cm2, 150.0, 0.0);
	assert_nan(ch.per_cm2_pct);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_measure_square_lattice_is_regular),
	cmocka_unit_test(test_measure_hexagonal_lattice_is_most_regular),
	cmocka_unit_test(test_measure_poisson_pattern_is_random),
	cmocka_unit_test(test_measure_edge_correction_removes_bias),
	cmocka_unit_test(test_measure_clusters_are_clumped),
	cmocka_unit_test(test_measure_nn_matches_brute_force),
	cmocka_unit_test(test_measure_coverage_single_disc),
	cmocka_unit_test(test_measure_coverage_counts_overlap_once),
	cmocka_unit_test(test_measure_coverage_matches_brute_force),
	cmocka_unit_test(test_measure_density_is_exact),
	cmocka_unit_test(test_measure_poisson_ci_matches_garwood),
	cmocka_unit_test(test_measure_density_ci_is_garwood_without_scale_error),
	cmocka_unit_test(test_measure_density_ci_covers_truth),
	cmocka_unit_test(test_measure_scale_uncertainty_widens_ci),
	cmocka_unit_test(test_measure_without_scale_has_no_mm_values),
	cmocka_unit_test(test_measure_grid_sums_and_normalises),
	cmocka_unit_test(test_measure_mask_halves_roi_and_doubles_density),
	cmocka_unit_test(test_measure_dots_outside_roi_are_ignored),
	cmocka_unit_test(test_measure_percentiles_of_known_sets),
	cmocka_unit_test(test_measure_photo_sized_input_is_fast_and_repeatable),
	cmocka_unit_test(test_measure_no_dots),
	cmocka_unit_test(test_measure_one_dot_and_one_spot),
	cmocka_unit_test(test_measure_thin_images),
	cmocka_unit_test(test_measure_bad_arguments_are_errors),
	cmocka_unit_test(test_measure_empty_mask),
	cmocka_unit_test(test_measure_change_between_sessions),
};

SMP_TEST_MAIN("measure", tests)
