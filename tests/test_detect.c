/* Dot detection against smpdoc synth's ground truth: accuracy per skin
 * tone and under hard conditions, large blobs, and bit-identical results
 * on every kernel path and thread count.
 * SPDX-License-Identifier: MIT
 */
#include <math.h>
#include <string.h>

#include "test.h"
#include "smpdoc/detect.h"
#include "smpdoc/error.h"
#include "smpdoc/synth.h"
#include "../src/detect/detect_private.h"
#include "../src/detect/kernels.h"

#define W 1200
#define H 900

typedef struct Score {
	int truth, found, matched;
	double precision, recall, f1, count_err;
	int pairs, pairs_split; /* touching truth pairs; both dots matched */
} Score;

/* Greedy nearest matching within max(3 px, 0.8 r) of each true dot. */
static Score
score(const SmpSynthTruth *truth, const GArray *dots)
{
	g_autofree guint8 *tu = g_malloc0(truth->dots->len + 1);
	Score s = {(int) truth->dots->len, (int) dots->len, 0};

	s.matched = (int) smp_test_match_dots(truth, dots, tu);
	/* Touching pairs (synth's partner ids) both found. */
	for (guint i = 0; i < truth->dots->len; i++) {
		const SmpSynthDot *t = &g_array_index(truth->dots, SmpSynthDot, i);

		if (!t->partner || t->partner < t->id)
			continue;
		for (guint j = 0; j < truth->dots->len; j++)
			if (g_array_index(truth->dots, SmpSynthDot, j).id == t->partner) {
				s.pairs++;
				s.pairs_split += tu[i] && tu[j];
			}
	}
	s.precision = s.found ? (double) s.matched / s.found : 0.0;
	s.recall = s.truth ? (double) s.matched / s.truth : 0.0;
	s.f1 = s.precision + s.recall > 0
		? 2 * s.precision * s.recall / (s.precision + s.recall)
		: 0.0;
	s.count_err = s.truth ? (double) (s.found - s.truth) / s.truth : 0.0;
	return s;
}

static void
params_for(const SmpSynthParams *sp, SmpDetectParams *p)
{
	smp_detect_params_default(p);
	p->diameter_min_px = 0.15 * sp->px_per_mm;
	p->diameter_max_px = 1.0 * sp->px_per_mm;
}

/* Through JPEG at quality @q (chroma subsampled below 90), in memory. */
static VipsImage *
jpeg_round_trip(VipsImage *in, int q)
{
	void *buf = NULL;
	size_t len = 0;
	VipsImage *x = NULL, *m;

	assert_vips_ok(vips_jpegsave_buffer(in, &buf, &len, "Q", q, NULL));
	assert_vips_ok(vips_jpegload_buffer(buf, len, &x, NULL));
	m = vips_image_copy_memory(x);
	assert_non_null(m);
	g_object_unref(x);
	g_free(buf);
	return m;
}

static Score
run(const SmpSynthParams *sp, int jpeg_q, const char *label, SmpDetection **out,
	SmpSynthTruth **truth_out)
{
	g_autoptr(GError) err = NULL;
	SmpSynthTruth *truth = NULL;
	VipsImage *img = smp_synth_render(sp, &truth, &err);
	SmpDetectParams p;
	SmpDetection *d;
	Score s;

	assert_no_gerror(err);
	assert_non_null(img);
	if (jpeg_q > 0) {
		VipsImage *j = jpeg_round_trip(img, jpeg_q);

		g_object_unref(img);
		img = j;
	}
	params_for(sp, &p);
	d = smp_detect_dots(img, &p, label, &err);
	assert_no_gerror(err);
	assert_non_null(d);
	s = score(truth, d->dots);
	print_message("%-28s truth %5d found %5d  P %.4f R %.4f F1 %.4f  "
				  "count %+.2f%%  large %u  focus %.2f  [%s]\n",
		label, s.truth, s.found, s.precision, s.recall, s.f1, 100 * s.count_err,
		d->large_blobs->len, d->focus, d->isa);
	if (s.pairs)
		print_message("%-28s touching pairs %d, both found %d (%.1f%%)\n", "",
			s.pairs, s.pairs_split, 100.0 * s.pairs_split / s.pairs);
	g_object_unref(img);
	if (out)
		*out = d;
	else
		smp_detection_free(d);
	if (truth_out)
		*truth_out = truth;
	else
		smp_synth_truth_free(truth);
	return s;
}

static void
clean_params(SmpSynthParams *sp, int tone)
{
	smp_synth_params_default(sp);
	sp->seed = 11 + (guint64) tone;
	sp->width = W;
	sp->height = H;
	sp->skin_tone = tone;
	sp->stubble_fraction = 0.0;
	sp->pore_per_cm2 = 0.0;
}

/* Clean photos: sharp (blur 0.5 px), sensor noise 2, no stubble or pores;
 * moles and highlights stay. The issue asks F1 >= 0.97 and a count within
 * 3% on every tone (the darkest, tone 5, gives F1 0.972 and -2.3%).
 */
static void
test_detect_clean_every_tone(void **state)
{
	(void) state;
	for (int tone = 0; tone < SMP_SYNTH_TONES; tone++) {
		SmpSynthParams sp;
		char label[64];
		Score s;

		clean_params(&sp, tone);
		snprintf(label, sizeof(label), "clean tone %d", tone);
		s = run(&sp, 0, label, NULL, NULL);
		assert_true(s.f1 >= 0.97);
		assert_true(fabs(s.count_err) <= 0.03);
	}
}

/* Blur, pores, stubble and JPEG q75 with chroma subsampling together. */
static void
test_detect_hard_conditions(void **state)
{
	SmpSynthParams sp;
	Score s;

	(void) state;
	smp_synth_params_default(&sp);
	sp.seed = 42;
	sp.width = W;
	sp.height = H;
	sp.blur_px = 1.2;
	sp.pore_per_cm2 = 100;
	sp.stubble_fraction = 0.3;
	s = run(&sp, 75, "blur+pores+stubble+q75", NULL, NULL);
	assert_true(s.f1 >= 0.90);
}

/* Touching and nearly merged SMP dots (centres 0.8..1.2 x (r1 + r2)
 * apart) are two dots, not one.
 */
static void
test_detect_touching_pairs_split(void **state)
{
	SmpSynthParams sp;
	Score s;

	(void) state;
	clean_params(&sp, 2);
	sp.seed = 23;
	sp.touching_fraction = 0.3;
	s = run(&sp, 0, "touching pairs", NULL, NULL);
	assert_true(s.pairs > 100);
	/* 66% split on this scene; the rest are mostly pairs at the close end
	 * with no saddle between them, or merged at a coarser scale.
	 */
	assert_true(s.pairs_split >= 0.60 * s.pairs);
	assert_true(s.f1 >= 0.94);
}

/* Sharp at the centre, soft towards the corners. */
static void
test_detect_varying_defocus(void **state)
{
	SmpSynthParams sp;
	Score s;

	(void) state;
	clean_params(&sp, 2);
	sp.seed = 31;
	sp.blur_px = 0.5;
	sp.blur_edge_px = 2.5;
	s = run(&sp, 0, "defocus 0.5 -> 2.5 px", NULL, NULL);
	/* The faintest small dots fade below min_contrast in the corners. */
	assert_true(s.precision >= 0.98);
	assert_true(s.f1 >= 0.94);
}

/* Everything at once: blur soft at the edges, pores, stubble, touching
 * dots, moles and scabs, JPEG q75 with chroma subsampling.
 */
static void
test_detect_everything_together(void **state)
{
	SmpSynthParams sp;
	Score s;

	(void) state;
	smp_synth_params_default(&sp);
	sp.seed = 43;
	sp.width = W;
	sp.height = H;
	sp.blur_px = 1.0;
	sp.blur_edge_px = 1.6;
	sp.pore_per_cm2 = 100;
	sp.stubble_fraction = 0.3;
	sp.touching_fraction = 0.15;
	sp.scabs = 1;
	s = run(&sp, 75, "everything + q75", NULL, NULL);
	assert_true(s.f1 >= 0.90);
	assert_true(s.pairs_split >= 0.30 * s.pairs);
}

/* A follicle with a hair shaft is one dot: detections along shafts that
 * match no true dot are hair, counted against the stubble follicles.
 */
static void
test_detect_stubble_is_one_follicle(void **state)
{
	SmpSynthParams sp;
	SmpDetection *d = NULL;
	SmpSynthTruth *truth = NULL;
	int stubble = 0, on_shaft = 0;
	Score s;

	(void) state;
	clean_params(&sp, 2);
	sp.seed = 9;
	sp.follicle_per_cm2 = 80;
	sp.smp_per_cm2 = 40;
	sp.stubble_fraction = 1.0;
	s = run(&sp, 90, "all follicles stubble", &d, &truth);
	for (guint j = 0; j < d->dots->len; j++) {
		const SmpDot *q = &g_array_index(d->dots, SmpDot, j);
		gboolean near_truth = FALSE;

		for (guint i = 0; i < truth->dots->len && !near_truth; i++) {
			const SmpSynthDot *t = &g_array_index(truth->dots, SmpSynthDot, i);

			near_truth =
				hypot(q->x - t->x, q->y - t->y) <= MAX(3.0, 0.8 * t->r);
		}
		for (guint i = 0; i < truth->dots->len && !near_truth; i++) {
			const SmpSynthDot *t = &g_array_index(truth->dots, SmpSynthDot, i);
			double a = t->angle_deg * G_PI / 180.0, dx = q->x - t->x,
				   dy = q->y - t->y;
			double along = dx * cos(a) + dy * sin(a);

			if (t->kind == SMP_SYNTH_STUBBLE && along > 0 &&
				along < t->length + 2 &&
				fabs(-dx * sin(a) + dy * cos(a)) < 3.0) {
				on_shaft++;
				break;
			}
		}
	}
	for (guint i = 0; i < truth->dots->len; i++)
		stubble += g_array_index(truth->dots, SmpSynthDot, i).kind ==
			SMP_SYNTH_STUBBLE;
	print_message("%-28s stubble %d, extra dots on shafts %d (%.1f%%)\n", "",
		stubble, on_shaft, 100.0 * on_shaft / MAX(stubble, 1));
	assert_true(stubble > 1000);
	/* 10.6% here, F1 0.908 (31.7% and 0.852 before shafts were told
	 * from dots by their width)
	 */
	assert_true(on_shaft <= 0.13 * stubble);
	assert_true(s.f1 >= 0.89);
	smp_detection_free(d);
	smp_synth_truth_free(truth);
}

/* Moles and scabs are large blobs: reported, and no dot inside them. */
static void
test_detect_moles_are_large_blobs(void **state)
{
	SmpSynthParams sp;
	SmpDetection *d = NULL;
	SmpSynthTruth *truth = NULL;
	int moles = 0;

	(void) state;
	clean_params(&sp, 2);
	sp.seed = 7;
	sp.moles = 3;
	sp.scabs = 2;
	run(&sp, 0, "three moles, two scabs", &d, &truth);
	for (guint m = 0; m < truth->distractors->len; m++) {
		const SmpSynthDot *t =
			&g_array_index(truth->distractors, SmpSynthDot, m);
		gboolean reported = FALSE;

		if (t->kind != SMP_SYNTH_MOLE && t->kind != SMP_SYNTH_SCAB)
			continue;
		moles++;
		for (guint j = 0; j < d->large_blobs->len; j++) {
			const SmpDot *b = &g_array_index(d->large_blobs, SmpDot, j);

			if (hypot(b->x - t->x, b->y - t->y) < 0.5 * t->r)
				reported = TRUE;
		}
		assert_true(reported);
		for (guint j = 0; j < d->dots->len; j++) {
			const SmpDot *q = &g_array_index(d->dots, SmpDot, j);

			assert_true(hypot(q->x - t->x, q->y - t->y) >= 0.8 * t->r);
		}
	}
	assert_true(moles > 0);
	assert_true(d->large_blobs->len <= (guint) moles + 2);
	smp_detection_free(d);
	smp_synth_truth_free(truth);
}

static void
assert_same(const SmpDetection *a, const SmpDetection *b)
{
	assert_int_equal(a->dots->len, b->dots->len);
	assert_int_equal(a->large_blobs->len, b->large_blobs->len);
	assert_memory_equal(
		a->dots->data, b->dots->data, a->dots->len * sizeof(SmpDot));
	assert_memory_equal(a->large_blobs->data, b->large_blobs->data,
		a->large_blobs->len * sizeof(SmpDot));
	assert_true(a->candidates == b->candidates);
	assert_memory_equal(&a->focus, &b->focus, sizeof(double));
	assert_memory_equal(&a->noise, &b->noise, sizeof(double));
}

/* Every path and thread count give the same dots, bit for bit; an odd
 * size exercises the tails and the last strip.
 */
static void
test_detect_identical_on_every_path_and_thread_count(void **state)
{
	g_autoptr(GError) err = NULL;
	SmpSynthParams sp;
	SmpDetectParams p;
	VipsImage *img, *j;
	SmpDetection *ref;
	int threads = vips_concurrency_get();

	(void) state;
	clean_params(&sp, 3);
	sp.width = 1001;
	sp.height = 763;
	sp.stubble_fraction = 0.3;
	sp.pore_per_cm2 = 60;
	sp.touching_fraction = 0.2; /* split_partner() on every path */
	sp.blur_edge_px = 1.5;
	sp.scabs = 1;
	img = smp_synth_render(&sp, NULL, &err);
	assert_no_gerror(err);
	j = jpeg_round_trip(img, 80);
	g_object_unref(img);
	params_for(&sp, &p);

	vips_concurrency_set(1);
	p.isa = SMP_ISA_SCALAR;
	ref = smp_detect_dots(j, &p, "determinism", &err);
	assert_no_gerror(err);
	assert_true(ref->dots->len > 1000);
	for (int isa = SMP_ISA_SCALAR; isa < SMP_ISA_COUNT; isa++)
		for (int t = 1; t <= 3; t++) {
			SmpDetection *d;

			if (!smp_kernels_for((SmpIsa) isa))
				continue;
			vips_concurrency_set(t);
			p.isa = isa;
			d = smp_detect_dots(j, &p, "determinism", &err);
			assert_no_gerror(err);
			assert_string_equal(d->isa, smp_isa_name((SmpIsa) isa));
			assert_same(ref, d);
			smp_detection_free(d);
		}
	/* and the default path, as SMP_SIMD or the CPU pick it */
	p.isa = -1;
	vips_concurrency_set(2);
	{
		SmpDetection *d = smp_detect_dots(j, &p, "determinism", &err);

		assert_no_gerror(err);
		assert_string_equal(d->isa, smp_kernels_isa());
		assert_same(ref, d);
		smp_detection_free(d);
	}
	/* and with an alpha band, which detection leaves out */
	{
		VipsImage *rgba;
		SmpDetection *d;

		assert_vips_ok(vips_bandjoin_const1(j, &rgba, 255.0, NULL));
		assert_int_equal(rgba->Bands, 4);
		d = smp_detect_dots(rgba, &p, "determinism", &err);
		assert_no_gerror(err);
		assert_same(ref, d);
		smp_detection_free(d);
		g_object_unref(rgba);
	}
	vips_concurrency_set(threads);
	smp_detection_free(ref);
	g_object_unref(j);
}

/* Sorted by (y, x), inside the image, sizes in range, contrast in 0..1. */
static void
test_detect_output_is_sorted_and_in_range(void **state)
{
	SmpSynthParams sp;
	SmpDetectParams p;
	SmpDetection *d = NULL;

	(void) state;
	clean_params(&sp, 1);
	run(&sp, 90, "q90 ordering", &d, NULL);
	params_for(&sp, &p);
	for (guint j = 0; j < d->dots->len; j++) {
		const SmpDot *q = &g_array_index(d->dots, SmpDot, j);

		assert_true(q->x >= 0 && q->x <= d->width);
		assert_true(q->y >= 0 && q->y <= d->height);
		assert_true(2 * q->r >= 0.65 * p.diameter_min_px - 1e-3);
		assert_true(2 * q->r <= 1.25 * p.diameter_max_px + 1e-3);
		assert_true(q->contrast > 0 && q->contrast < 1);
		if (j > 0) {
			const SmpDot *o = &g_array_index(d->dots, SmpDot, j - 1);

			assert_true(o->y < q->y || (o->y == q->y && o->x <= q->x));
		}
	}
	assert_true(d->focus >= 0 && d->focus <= 1);
	smp_detection_free(d);
}

static void
test_detect_rejects_bad_input(void **state)
{
	g_autoptr(GError) err = NULL;
	SmpDetectParams p;
	VipsImage *img = vips_image_new_from_memory_copy(
		"\0\0\0\0", 4, 1, 1, 1, VIPS_FORMAT_FLOAT);
	VipsImage *tiny;
	SmpDetection *d;

	(void) state;
	smp_detect_params_default(&p);
	d = smp_detect_dots(img, &p, "x.tif", &err);
	assert_null(d);
	assert_true(g_error_matches(err, SMP_ERROR, SMP_ERROR_UNSUPPORTED));
	assert_non_null(strstr(err->message, "x.tif"));
	g_clear_error(&err);
	g_object_unref(img);

	assert_vips_ok(vips_black(&tiny, 5, 5, "bands", 3, NULL));
	{
		VipsImage *u;

		assert_vips_ok(vips_cast_uchar(tiny, &u, NULL));
		g_object_unref(tiny);
		tiny = u;
	}
	p.diameter_max_px = 1.0; /* below the minimum */
	assert_null(smp_detect_dots(tiny, &p, "y.jpg", &err));
	assert_true(g_error_matches(err, SMP_ERROR, SMP_ERROR_CONFIG));
	assert_non_null(strstr(err->message, "y.jpg"));
	g_clear_error(&err);

	smp_detect_params_default(&p);
	d = smp_detect_dots(tiny, &p, "y.jpg", &err);
	assert_no_gerror(err);
	assert_int_equal(d->dots->len, 0);
	assert_true(isnan(d->focus));
	smp_detection_free(d);
	g_object_unref(tiny);
}

/* Suppression against greedy suppression by brute force: dense random
 * dots (no large blobs, none below the size floor, distinct responses,
 * handed over in another order), strongest first, each kept unless a
 * kept one lies within SUPPRESS_FACTOR times the larger radius (the same
 * double expression). The grid, and which of its cells a dot looks in,
 * must not change which dots stay.
 */
static int
cmp_dot_yx(const void *pa, const void *pb)
{
	const SmpDot *a = pa, *b = pb;

	if (a->y != b->y)
		return a->y < b->y ? -1 : 1;
	return (a->x > b->x) - (a->x < b->x);
}

static void
test_detect_suppress_matches_brute_force(void **state)
{
	enum { N = 4000, SW = 400, SH = 300 };
	uint64_t rng = smp_test_seed(77);
	SmpDetectParams p;
	Cand *c = g_new0(Cand, N), *shuffled = g_new0(Cand, N);
	guint *kept = g_new(guint, N), n_kept = 0;
	SmpDot *want = g_new(SmpDot, N);
	SmpDetection *d = g_new0(SmpDetection, 1);
	double dmin, dmax;

	(void) state;
	smp_detect_params_default(&p);
	p.diameter_min_px = 4.0;
	p.diameter_max_px = 16.0;
	dmin = SIZE_SLACK_MIN * p.diameter_min_px;
	dmax = SIZE_SLACK_MAX * p.diameter_max_px;
	for (guint i = 0; i < N; i++) {
		double u = (double) (smp_test_rand(&rng) % 1000000) / 1e6;

		c[i].x = SW * (double) (smp_test_rand(&rng) % 1000000) / 1e6;
		c[i].y = SH * (double) (smp_test_rand(&rng) % 1000000) / 1e6;
		/* diameters from the floor to dmax, most near dmax */
		c[i].r = 0.5 * (dmin + sqrt(u) * (dmax - dmin));
		c[i].resp = 1000.0 - i * 0.1; /* strongest first */
		c[i].contrast = 0.5;
		c[i].sharp = 1.0;
		c[i].noise = 16.0;
		shuffled[(i * 7919u) % N] = c[i];
	}
	for (guint i = 0; i < N; i++) {
		gboolean keep = TRUE;

		for (guint j = 0; keep && j < n_kept; j++) {
			const Cand *a = &c[kept[j]];
			double rr = SUPPRESS_FACTOR * MAX(a->r, c[i].r);

			keep = (a->x - c[i].x) * (a->x - c[i].x) +
					(a->y - c[i].y) * (a->y - c[i].y) >=
				rr * rr;
		}
		if (keep) {
			want[n_kept].x = (float) c[i].x;
			want[n_kept].y = (float) c[i].y;
			want[n_kept].r = (float) c[i].r;
			want[n_kept].contrast = (float) c[i].contrast;
			kept[n_kept++] = i;
		}
	}
	qsort(want, n_kept, sizeof(SmpDot), cmp_dot_yx);
	d->dots = g_array_new(FALSE, FALSE, sizeof(SmpDot));
	d->large_blobs = g_array_new(FALSE, FALSE, sizeof(SmpDot));
	smp_detect_suppress(shuffled, N, &p, SW, SH, d);
	print_message("suppress: %u of %d candidates kept\n", d->dots->len, N);
	assert_int_equal(d->large_blobs->len, 0);
	assert_int_equal(d->dots->len, n_kept);
	assert_memory_equal(d->dots->data, want, n_kept * sizeof(SmpDot));
	assert_true(n_kept > N / 20 && n_kept < N / 2);
	smp_detection_free(d);
	g_free(c);
	g_free(shuffled);
	g_free(kept);
	g_free(want);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_detect_rejects_bad_input),
	cmocka_unit_test(test_detect_suppress_matches_brute_force),
	cmocka_unit_test(test_detect_output_is_sorted_and_in_range),
	cmocka_unit_test(test_detect_identical_on_every_path_and_thread_count),
	cmocka_unit_test(test_detect_moles_are_large_blobs),
	cmocka_unit_test(test_detect_clean_every_tone),
	cmocka_unit_test(test_detect_hard_conditions),
	cmocka_unit_test(test_detect_touching_pairs_split),
	cmocka_unit_test(test_detect_varying_defocus),
	cmocka_unit_test(test_detect_everything_together),
	cmocka_unit_test(test_detect_stubble_is_one_follicle),
};

SMP_TEST_MAIN("detect", tests)
