/* Backdrop exclusion: a clean scalp of any tone keeps every pixel, a wall
 * or cloth beside the head is left out, and a global view then counts the
 * head's dots only.
 * SPDX-License-Identifier: MIT
 */
#include <math.h>
#include <string.h>

#include "test.h"
#include "smpdoc/analysis.h"
#include "smpdoc/photo.h"
#include "smpdoc/pipeline.h"
#include "smpdoc/skin.h"
#include "smpdoc/synth.h"

/* The backdrop's edge as synth_backdrop.c draws it. */
static double
edge_x(const SmpSynthParams *p, double y)
{
	return (1.0 - p->backdrop) * p->width +
		0.04 * p->width * sin(2.0 * G_PI * 1.3 * y / p->height);
}

static VipsImage *
render(SmpSynthParams *p, SmpSynthTruth **truth)
{
	GError *err = NULL;
	VipsImage *img = smp_synth_render(p, truth, &err);

	assert_no_gerror(err);
	return img;
}

/* Every tone, strong uneven light, a cast, dense dots and stubble: the
 * skin colour holds and nothing is cut away.
 */
static void
test_skin_clean_scalp_untouched(void **state)
{
	(void) state;
	for (int tone = 0; tone < SMP_SYNTH_TONES; tone++) {
		SmpSynthParams p;
		SmpSkinResult r;
		GError *err = NULL;
		guint8 *mask = NULL;
		VipsImage *img;

		smp_synth_params_default(&p);
		p.seed = 40 + tone;
		p.skin_tone = tone;
		p.gradient = 0.4;
		p.vignette = 0.35;
		p.smp_per_cm2 = 300;
		p.stubble_fraction = 0.6;
		p.cast[0] = 1.1;
		p.cast[2] = 0.9;
		img = render(&p, NULL);
		assert_true(smp_skin_exclude_backdrop(img, &mask, "t", &r, &err));
		assert_no_gerror(err);
		print_message("tone %d: decided %d, backdrop %.4f\n", tone, r.decided,
			r.backdrop_fraction);
		assert_true(r.decided);
		assert_true(r.backdrop_fraction == 0.0);
		assert_null(mask);
		g_object_unref(img);
	}
}

/* A wall and a cloth on light, middle and dark skin: the part of the frame
 * right of the edge is cleared, the head kept, away from a band of four
 * coarse pixels along the edge (its blur, the coarse grid, the margin);
 * at most 0.1% of the head is lost.
 */
static void
test_skin_backdrop_left_out(void **state)
{
	static const int tones[] = {0, 3, 5};

	(void) state;
	for (int k = 0; k < 2; k++)
		for (int t = 0; t < 3; t++) {
			SmpSynthParams p;
			SmpSkinResult r;
			GError *err = NULL;
			guint8 *mask = NULL;
			VipsImage *img;
			double margin;
			gsize wrong_in = 0, wrong_out = 0, far = 0;

			smp_synth_params_default(&p);
			p.seed = 60 + t;
			p.skin_tone = tones[t];
			p.backdrop = 0.35;
			p.backdrop_kind = k;
			img = render(&p, NULL);
			assert_true(smp_skin_exclude_backdrop(img, &mask, "t", &r, &err));
			assert_no_gerror(err);
			assert_non_null(mask);
			margin = 4.0 * MAX(p.width, p.height) / SMP_SKIN_COARSE_PX;
			for (int y = 0; y < p.height; y++)
				for (int x = 0; x < p.width; x++) {
					double d = x + 0.5 - edge_x(&p, y + 0.5);
					int in = mask[(gsize) y * p.width + x] != 0;

					if (fabs(d) <= margin)
						continue;
					far++;
					wrong_in += d > 0 && in;
					wrong_out += d < 0 && !in;
				}
			print_message("kind %d tone %d: backdrop %.4f, wrong %.4f%% in, "
						  "%.4f%% out\n",
				k, tones[t], r.backdrop_fraction, 100.0 * wrong_in / far,
				100.0 * wrong_out / far);
			assert_true(
				r.backdrop_fraction > 0.33 && r.backdrop_fraction < 0.42);
			assert_int_equal(wrong_in, 0);
			/* Pale skin beside a pale wall loses a few pixels more. */
			assert_true(wrong_out <= far / 1000);
			g_free(mask);
			g_object_unref(img);
		}
}

static SmpAnalysis *
analyse(const char *file, SmpPipeline *pl)
{
	g_autoptr(GError) err = NULL;
	SmpLoadLimits limits;
	SmpPhoto *photo;
	SmpScale scale;
	SmpAnalysis *a;

	smp_load_limits_default(&limits);
	photo = smp_photo_load(file, &limits, &err);
	assert_no_gerror(err);
	smp_analysis_scale(20, 0, pl, &scale);
	a = smp_analyse_photo(photo, pl, &scale, 0, &err);
	assert_no_gerror(err);
	smp_photo_free(photo);
	return a;
}

/* A global view with navy cloth full of dark specks: with the backdrop
 * left out the count is the head's (within 3%) and no dot lies in the
 * cloth; without, the specks are counted as dots.
 */
static void
test_skin_global_view_counts_the_head(void **state)
{
	g_autoptr(SmpPipeline) pl = smp_pipeline_new_default();
	g_autofree char *dir = smp_test_tmpdir();
	g_autofree char *jpg = g_build_filename(dir, "view.jpg", NULL);
	GError *error = NULL;
	SmpSynthTruth *truth = NULL;
	SmpSynthParams p;
	SmpAnalysis *with, *without;
	VipsImage *img;
	double err;
	int beyond = 0;

	(void) state;
	smp_synth_params_default(&p);
	p.seed = 71;
	p.width = 1600;
	p.height = 1200;
	p.backdrop = 0.4;
	p.backdrop_kind = 1;
	img = render(&p, &truth);
	assert_true(smp_synth_save(img, 1, 90, jpg, &error));
	assert_no_gerror(error);
	with = analyse(jpg, pl);
	pl->exclude_backdrop = 0;
	without = analyse(jpg, pl);
	for (guint i = 0; i < with->detection->dots->len; i++) {
		const SmpDot *d = &g_array_index(with->detection->dots, SmpDot, i);

		beyond += d->x > edge_x(&p, d->y) + 4;
	}
	err = (double) with->measurement->count / truth->dots->len - 1.0;
	print_message("truth %u, with %d (%+.2f%%, %d beyond the edge, backdrop "
				  "%.3f), without %d\n",
		truth->dots->len, (int) with->measurement->count, 100.0 * err, beyond,
		with->backdrop_fraction, (int) without->measurement->count);
	assert_int_equal(beyond, 0);
	assert_true(fabs(err) <= 0.03);
	assert_true(without->measurement->count > 1.10 * truth->dots->len);
	assert_true(without->backdrop_fraction < 0);
	smp_analysis_free(with);
	smp_analysis_free(without);
	smp_synth_truth_free(truth);
	g_object_unref(img);
	smp_test_rmtree(dir);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_skin_clean_scalp_untouched),
	cmocka_unit_test(test_skin_backdrop_left_out),
	cmocka_unit_test(test_skin_global_view_counts_the_head),
};

SMP_TEST_MAIN("skin", tests)
