/* Tests of the sticker scale: the ellipse fit on exact and noisy points,
 * and the sticker found on `smpdoc synth` scenes of known scale (sizes,
 * scales, tilts, skin tones, lighting, border ring), through JPEG, and
 * through the whole analysis (scale source, warnings, ROI, density).
 * SPDX-License-Identifier: MIT
 */
#include <math.h>
#include <string.h>

#include <glib.h>

#include "test.h"
#include "../src/scale_private.h"
#include "smpdoc/analysis.h"
#include "smpdoc/error.h"
#include "smpdoc/scale.h"
#include "smpdoc/synth.h"

#define assert_near(a, b, tol)                                                 \
	do {                                                                       \
		double a_ = (a), b_ = (b), t_ = (tol);                                 \
		if (!(fabs(a_ - b_) <= t_))                                            \
			fail_msg("%s = %.9g, expected %.9g within %g", #a, a_, b_, t_);    \
	} while (0)

/* Points on an ellipse, optionally with radial noise and an arc only. */
static double *
ellipse_points(
	const ScaleEllipse *e, int n, double arc, double noise, uint64_t *rng)
{
	double *xy = g_new(double, 2 * n);
	double c = cos(e->angle), s = sin(e->angle);

	for (int k = 0; k < n; k++) {
		double t = arc * k / n;
		double u = e->a * cos(t), v = e->b * sin(t);
		double r = 1.0;

		if (noise > 0)
			r += noise * ((double) (smp_test_rand(rng) >> 11) * 0x1p-53 - 0.5);
		xy[2 * k] = e->cx + r * (u * c - v * s);
		xy[2 * k + 1] = e->cy + r * (u * s + v * c);
	}
	return xy;
}

static void
test_fit_exact_ellipses(void **state)
{
	const double angles[] = {0.0, 0.3, 1.2, 2.9};
	const double ratios[] = {1.0, 0.97, 0.8, 0.4};

	(void) state;
	for (int i = 0; i < 4; i++)
		for (int j = 0; j < 4; j++) {
			ScaleEllipse e = {
				512.3, 300.7, 120.0, 120.0 * ratios[j], angles[i]};
			ScaleEllipse f;
			g_autofree double *xy = ellipse_points(&e, 200, 2 * G_PI, 0, NULL);

			assert_true(scale_fit_ellipse(xy, 200, &f));
			assert_near(f.cx, e.cx, 1e-6);
			assert_near(f.cy, e.cy, 1e-6);
			assert_near(f.a, e.a, 1e-6);
			assert_near(f.b, e.b, 1e-6);
			if (ratios[j] < 1.0) /* a circle has no direction */
				assert_near(f.angle, e.angle, 1e-6);
			for (int k = 0; k < 200; k++)
				assert_near(
					scale_ellipse_distance(&f, xy[2 * k], xy[2 * k + 1]), 0.0,
					1e-6);
		}
}

static void
test_fit_noisy_and_degenerate(void **state)
{
	uint64_t rng = smp_test_seed(77);
	ScaleEllipse e = {100, 80, 40, 30, 0.5}, f;
	g_autofree double *xy = ellipse_points(&e, 400, 2 * G_PI, 0.01, &rng);
	double line[12] = {0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5};

	(void) state;
	assert_true(scale_fit_ellipse(xy, 400, &f));
	assert_near(f.a, 40, 0.05);
	assert_near(f.b, 30, 0.05);
	assert_false(scale_fit_ellipse(xy, 5, &f));
	assert_false(scale_fit_ellipse(line, 6, &f));
	/* The signed distance: negative inside, positive outside. */
	assert_near(
		scale_ellipse_distance(&e, 100 + 50 * cos(0.5), 80 + 50 * sin(0.5)),
		10.0, 1e-9);
	assert_true(scale_ellipse_distance(&e, 100, 80) < 0);
}

/* --- stickers on synthetic scalps ----------------------------------------- */

typedef struct Case {
	double mm, ppm, tilt;
	int tone;
	double ring, gradient;
	double blur; /* optical blur sigma, px; 0: synth's default */
} Case;

/* A synthetic photo with a sticker, through JPEG (quality 90, 4:2:0). */
static VipsImage *
sticker_scene(const Case *k, double x, double y, SmpSynthTruth **truth)
{
	SmpSynthParams p;
	GError *err = NULL;
	g_autoptr(VipsImage) img = NULL;
	g_autoptr(VipsImage) lazy = NULL;
	VipsImage *out;
	void *buf = NULL;
	size_t len;

	smp_synth_params_default(&p);
	p.seed = (guint64) (k->mm * 1000 + k->ppm * 10 + k->tilt + k->tone);
	p.width = 1200;
	p.height = 900;
	p.px_per_mm = k->ppm;
	if (k->blur > 0)
		p.blur_px = k->blur;
	p.skin_tone = k->tone;
	p.gradient = k->gradient;
	p.sticker_mm = k->mm;
	p.sticker_tilt_deg = k->tilt;
	p.sticker_ring_mm = k->ring;
	p.sticker_x = x;
	p.sticker_y = y;
	img = smp_synth_render(&p, truth, &err);
	assert_no_gerror(err);
	assert_vips_ok(vips_jpegsave_buffer(img, &buf, &len, "Q", 90, NULL));
	assert_vips_ok(vips_jpegload_buffer(buf, len, &lazy, NULL));
	out = vips_image_copy_memory(lazy);
	assert_non_null(out);
	g_free(buf);
	return out;
}

static SmpSticker *
find(VipsImage *img, double mm)
{
	SmpStickerParams sp;
	GError *err = NULL;
	SmpSticker *s;

	smp_sticker_params_default(&sp, mm);
	s = smp_sticker_find(img, &sp, "scene", &err);
	assert_no_gerror(err);
	assert_non_null(s);
	return s;
}

/* Stickers of 8–20 mm at 8–25 px/mm, tilted 0–14°, on light to dark skin
 * under gradients: px/mm within 1%, inside 3.5 stated SDs, the axis ratio
 * within 0.01, the sticker usable.
 */
static void
test_sticker_scale_within_one_percent(void **state)
{
	const Case cases[] = {
		{8, 8, 0, 5, 0, 0.3},
		{8, 8, 5, 1, 0, 0.1},
		{8, 25, 0, 0, 0, 0.2},
		{10, 12, 10, 3, 0, 0.2},
		{12, 20, 10, 0, 1, 0.12},
		{15, 16, 14, 2, 0, 0.25},
		{20, 8, 14, 5, 1, 0.4},
		{20, 16, 0, 4, 1, 0.2},
		{20, 25, 7, 1, 0, 0.12},
	};

	(void) state;
	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		const Case *k = &cases[i];
		g_autoptr(SmpSynthTruth) t = NULL;
		g_autoptr(VipsImage) img = sticker_scene(k, 0.45, 0.5, &t);
		g_autoptr(SmpSticker) s = find(img, k->mm);
		double err = s->px_per_mm / k->ppm - 1.0;

		print_message("sticker %g mm at %g px/mm, tilt %g°, tone %d, ring %g: "
					  "px/mm %.4f (%+.3f%%, u %.3f%%), tilt %.1f°\n",
			k->mm, k->ppm, k->tilt, k->tone, k->ring, s->px_per_mm, 100 * err,
			100 * s->rel_uncertainty, s->tilt_deg);
		assert_true(s->found);
		assert_true(smp_sticker_usable(s));
		assert_true(fabs(err) <= 0.01);
		/* The fit's own SD: the drawn sticker has no print error. */
		assert_true(fabs(err) <= 3.5 * s->fit_rel_uncertainty + 2e-4);
		assert_near(s->rel_uncertainty,
			hypot(s->fit_rel_uncertainty, SMP_STICKER_TOLERANCE_MM / k->mm),
			1e-12);
		assert_near(s->cx, t->sticker.x, 1.0);
		assert_near(s->cy, t->sticker.y, 1.0);
		/* The axis ratio, not the angle: acos is steep near 1. */
		assert_near(s->axis_ratio, cos(k->tilt * G_PI / 180), 0.01);
	}
}

/* Beyond 15° the sticker is found, measured and refused. */
static void
test_sticker_tilted_is_refused(void **state)
{
	const Case cases[] = {{12, 16, 20, 2, 0, 0.12}, {20, 10, 18, 4, 1, 0.2}};

	(void) state;
	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autoptr(VipsImage) img = sticker_scene(&cases[i], 0.5, 0.5, NULL);
		g_autoptr(SmpSticker) s = find(img, cases[i].mm);

		assert_true(s->found);
		assert_true(s->tilted);
		assert_false(smp_sticker_usable(s));
		assert_true(fabs(s->px_per_mm / cases[i].ppm - 1.0) <= 0.01);
		assert_true(s->tilt_deg > 15.0);
	}
}

static void
test_sticker_partial_and_absent(void **state)
{
	const Case k = {12, 16, 0, 2, 0, 0.12};
	g_autoptr(SmpSynthTruth) t = NULL;
	g_autoptr(VipsImage) edge = sticker_scene(&k, 0.97, 0.5, &t);
	g_autoptr(SmpSticker) s = find(edge, k.mm);
	const Case none = {0, 16, 0, 2, 0, 0.12};
	g_autoptr(VipsImage) bare = sticker_scene(&none, 0.5, 0.5, NULL);
	g_autoptr(SmpSticker) s0 = find(bare, 12);

	(void) state;
	assert_true(t->sticker.partial);
	assert_true(s->found);
	assert_true(s->partial);
	assert_false(smp_sticker_usable(s));
	assert_false(s0->found);
	assert_false(smp_sticker_usable(s0));
}

/* --- through the analysis -------------------------------------------------- */

static SmpAnalysis *
analyse_tol(
	const char *dir, VipsImage *img, double mm, double tol_mm, SmpPhoto **photo)
{
	g_autofree char *path = g_build_filename(dir, "p.jpg", NULL);
	g_autoptr(SmpPipeline) pl = smp_pipeline_new_default();
	SmpLoadLimits limits;
	SmpScale scale;
	GError *err = NULL;
	SmpAnalysis *a;

	assert_true(smp_synth_save(img, 1, 95, path, &err));
	smp_load_limits_default(&limits);
	*photo = smp_photo_load(path, &limits, &err);
	assert_no_gerror(err);
	pl->scale_sticker_mm = mm;
	pl->scale_sticker_tolerance_mm = tol_mm;
	/* A manifest scale 20% off: the sticker must win over it. */
	smp_analysis_scale(19.2, 0, pl, &scale);
	a = smp_analyse_photo(*photo, pl, &scale, 0, &err);
	assert_no_gerror(err);
	return a;
}

static SmpAnalysis *
analyse(const char *dir, VipsImage *img, double mm, SmpPhoto **photo)
{
	return analyse_tol(dir, img, mm, SMP_STICKER_TOLERANCE_MM, photo);
}

/* The sticker's print tolerance adds to the fit's uncertainty in
 * quadrature, and so widens the density's interval: in log terms the
 * squared upper half-width grows by (1.96 × 2 × tol / D)².
 */
static void
test_analysis_sticker_tolerance_widens_interval(void **state)
{
	g_autofree char *dir = smp_test_tmpdir();
	const Case k = {15, 16, 0, 2, 1, 0.12};
	g_autoptr(VipsImage) img = sticker_scene(&k, 0.5, 0.5, NULL);
	g_autoptr(SmpPhoto) p0 = NULL;
	g_autoptr(SmpPhoto) p1 = NULL;
	g_autoptr(SmpAnalysis) a0 = analyse_tol(dir, img, k.mm, 0.0, &p0);
	g_autoptr(SmpAnalysis) a1 = analyse_tol(dir, img, k.mm, 0.3, &p1);
	const SmpMeasurement *m0 = a0->measurement, *m1 = a1->measurement;
	double fit = a0->sticker->fit_rel_uncertainty, z = 1.959964 * 2.0;
	double h0 = log(m0->per_cm2_ci95[1] / m0->per_cm2);
	double h1 = log(m1->per_cm2_ci95[1] / m1->per_cm2);

	(void) state;
	print_message("sticker tolerance: fit u %.4f%%, with 0.3 mm %.4f%%, "
				  "interval %.2f..%.2f vs %.2f..%.2f per cm²\n",
		100 * fit, 100 * a1->scale.rel_uncertainty, m0->per_cm2_ci95[0],
		m0->per_cm2_ci95[1], m1->per_cm2_ci95[0], m1->per_cm2_ci95[1]);
	assert_string_equal(a1->scale.source, "sticker");
	assert_near(a0->scale.rel_uncertainty, fit, 1e-12);
	assert_near(a1->scale.rel_uncertainty, hypot(fit, 0.3 / 15), 1e-12);
	assert_int_equal(m0->count, m1->count);
	assert_near(m1->per_cm2, m0->per_cm2, 1e-9);
	assert_true(m1->per_cm2_ci95[0] < m0->per_cm2_ci95[0]);
	assert_near(h1 * h1 - h0 * h0, z * z * (0.3 / 15) * (0.3 / 15), 1e-4);
	smp_test_rmtree(dir);
}

/* The sticker's printed edge (and ring) would be the photo's sharpest
 * edges and set the focus measure; it is left out, so a sharp photo with
 * a sticker has no blur warning and a blurred one still has.
 */
static void
test_analysis_sticker_left_out_of_focus(void **state)
{
	g_autofree char *dir = smp_test_tmpdir();
	const Case cases[] = {
		{10, 20, 0, 2, 1.5, 0.12, 0},
		{12, 16, 0, 0, 1, 0.2, 0},
		{15, 12, 5, 4, 0, 0.12, 0},
	};

	(void) state;
	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		Case k = cases[i];
		g_autoptr(VipsImage) sharp = sticker_scene(&k, 0.6, 0.45, NULL);
		g_autoptr(VipsImage) blurred = NULL;
		g_autoptr(SmpPhoto) p0 = NULL;
		g_autoptr(SmpPhoto) p1 = NULL;
		g_autoptr(SmpAnalysis) a0 = NULL;
		g_autoptr(SmpAnalysis) a1 = NULL;
		g_autoptr(SmpNormalisation) whole = NULL;
		GError *err = NULL;

		a0 = analyse(dir, sharp, k.mm, &p0);
		/* The focus as normalisation alone judges it, sticker included. */
		whole = smp_normalise_photo(p0->image, NULL, -1, "scene", &err);
		assert_no_gerror(err);
		k.blur = 3.0;
		blurred = sticker_scene(&k, 0.6, 0.45, NULL);
		a1 = analyse(dir, blurred, k.mm, &p1);
		print_message("sticker %g mm, ring %g, %g px/mm: edge blur %.2f px "
					  "with the sticker, %.2f px without; blurred (sigma 3) "
					  "%.2f px\n",
			k.mm, k.ring, k.ppm, whole->edge_blur_px, a0->norm->edge_blur_px,
			a1->norm->edge_blur_px);
		assert_true(smp_sticker_usable(a0->sticker));
		assert_false(smp_warnings_has(a0->warnings, "blur"));
		assert_true(smp_sticker_usable(a1->sticker));
		assert_true(smp_warnings_has(a1->warnings, "blur"));
	}
	smp_test_rmtree(dir);
}

static void
test_analysis_uses_sticker_and_excludes_it(void **state)
{
	g_autofree char *dir = smp_test_tmpdir();
	const Case k = {15, 16, 0, 2, 1, 0.12};
	g_autoptr(SmpSynthTruth) t = NULL;
	g_autoptr(VipsImage) img = sticker_scene(&k, 0.5, 0.5, &t);
	g_autoptr(SmpPhoto) photo = NULL;
	g_autoptr(SmpAnalysis) a = analyse(dir, img, k.mm, &photo);
	const SmpMeasurement *m = a->measurement;
	double excluded = G_PI * (0.5 * 15 * 16 * SMP_STICKER_EXCLUDE + 4) *
		(0.5 * 15 * 16 * SMP_STICKER_EXCLUDE + 4);

	(void) state;
	assert_string_equal(a->scale.source, "sticker");
	assert_true(fabs(a->scale.px_per_mm / 16.0 - 1.0) < 0.01);
	assert_true(a->scale.rel_uncertainty > 0);
	assert_true(m->has_scale);
	/* The sticker's area is not skin: out of the ROI, within a pixel
	 * ring of the grown ellipse.
	 */
	assert_near((double) (1200 * 900 - m->roi_px), excluded,
		2 * G_PI * sqrt(excluded / G_PI) + 10);
	/* No dot counted on it; the density is the truth's within 10%. */
	assert_true(fabs(m->per_cm2 * ((double) m->roi_px / (16.0 * 16 * 100)) /
						t->dots->len -
					1.0) < 0.1);
	assert_false(smp_warnings_has(a->warnings, "no_scale"));
	smp_test_rmtree(dir);
}

static void
test_analysis_refuses_without_a_usable_sticker(void **state)
{
	g_autofree char *dir = smp_test_tmpdir();
	const struct {
		Case k;
		double x;
		const char *code;
	} cases[] = {
		{{12, 16, 0, 3, 0, 0.12}, 0.97, "sticker_partial"},
		{{12, 16, 22, 3, 0, 0.12}, 0.5, "sticker_tilted"},
		{{0, 16, 0, 3, 0, 0.12}, 0.5, "sticker_not_found"},
	};

	(void) state;
	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autoptr(VipsImage) img =
			sticker_scene(&cases[i].k, cases[i].x, 0.5, NULL);
		g_autoptr(SmpPhoto) photo = NULL;
		g_autoptr(SmpAnalysis) a = analyse(dir, img, 12, &photo);

		assert_true(smp_warnings_has(a->warnings, cases[i].code));
		assert_string_equal(a->scale.source, "none");
		assert_false(a->measurement->has_scale);
		assert_true(isnan(a->measurement->per_cm2));
		assert_true(isnan(a->measurement->per_cm2_ci95[0]));
	}
	smp_test_rmtree(dir);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_fit_exact_ellipses),
	cmocka_unit_test(test_fit_noisy_and_degenerate),
	cmocka_unit_test(test_sticker_scale_within_one_percent),
	cmocka_unit_test(test_sticker_tilted_is_refused),
	cmocka_unit_test(test_sticker_partial_and_absent),
	cmocka_unit_test(test_analysis_uses_sticker_and_excludes_it),
	cmocka_unit_test(test_analysis_refuses_without_a_usable_sticker),
	cmocka_unit_test(test_analysis_sticker_tolerance_widens_interval),
	cmocka_unit_test(test_analysis_sticker_left_out_of_focus),
};

SMP_TEST_MAIN("scale", tests)
