/* Tests of registration: synthetic pairs with known transforms, unrelated
 * scalps, landmarks and their files, per-dot matching, warping and fits.
 * SPDX-License-Identifier: MIT
 */
#include "test.h"
#include "cases.h"

#include <math.h>
#include <string.h>

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "smpdoc/detect.h"
#include "smpdoc/error.h"
#include "smpdoc/photo.h"
#include "smpdoc/register.h"
#include "smpdoc/synth.h"
#include "../src/register_private.h"

#define PAIR_W 1632 /* 2 MP */
#define PAIR_H 1224
#define BENCH_PAIRS 40 /* the set; bench/bench_register runs all */
#define UNIT_STRIDE 8 /* the unit test runs every 8th of them */

/* Under the sanitizers (make asan, about 5x slower) the statistical
 * checks run on fewer pairs: that run looks for memory errors, and the
 * plain run keeps the full counts.
 */
static int
quick(void)
{
	return getenv("SMP_SANITIZE") != NULL;
}
#define MAX_CORNER_ERR 2.0

/* Largest distance between where @m and @truth put the after corners. */
static double
corner_error(const double m[9], const double truth[9], int w, int h)
{
	const double cx[4] = {0, w, 0, w}, cy[4] = {0, 0, h, h};
	double worst = 0;

	for (int i = 0; i < 4; i++) {
		double ax, ay, bx, by;

		smp_mat3_apply(m, cx[i], cy[i], &ax, &ay);
		smp_mat3_apply(truth, cx[i], cy[i], &bx, &by);
		worst = fmax(worst, hypot(ax - bx, ay - by));
	}
	return worst;
}

static SmpDetection *
detect(VipsImage *image)
{
	GError *error = NULL;
	SmpDetection *d = smp_detect_dots(image, NULL, NULL, &error);

	assert_no_gerror(error);
	return d;
}

/* A synthetic pair with its truth, dots and registration. */
typedef struct Case {
	VipsImage *before, *after;
	SmpSynthTruth *bt, *at;
	SmpDetection *bd, *ad;
	double truth[9];
	SmpRegistration *r;
	double ms; /* registration time */
} Case;

static void
case_run(Case *c, const SmpSynthParams *p, const SmpSynthPairParams *q)
{
	GError *error = NULL;
	gint64 t0;

	memset(c, 0, sizeof(*c));
	assert_true(smp_synth_pair(
		p, q, &c->before, &c->after, &c->bt, &c->at, c->truth, &error));
	assert_no_gerror(error);
	c->bd = detect(c->before);
	c->ad = detect(c->after);
	t0 = g_get_monotonic_time();
	c->r = smp_register_pair(
		c->before, c->after, c->bd->dots, c->ad->dots, NULL, &error);
	c->ms = (g_get_monotonic_time() - t0) / 1000.0;
	assert_no_gerror(error);
	assert_non_null(c->r);
}

static void
case_clear(Case *c)
{
	g_object_unref(c->before);
	g_object_unref(c->after);
	smp_synth_truth_free(c->bt);
	smp_synth_truth_free(c->at);
	smp_detection_free(c->bd);
	smp_detection_free(c->ad);
	smp_registration_free(c->r);
}

static void
test_register_synth_pairs_align(void **state)
{
	int good = 0, refused = 0, wrong = 0, n = 0;
	int stride = quick() ? 4 * UNIT_STRIDE : UNIT_STRIDE;

	(void) state;
	for (int k = 0; k < BENCH_PAIRS; k += stride, n++) {
		SmpSynthParams p;
		SmpSynthPairParams q;
		Case c;
		double err;

		smp_test_pair_config(k, PAIR_W, PAIR_H, &p, &q);
		case_run(&c, &p, &q);
		err = corner_error(c.r->matrix, c.truth, PAIR_W, PAIR_H);
		print_message("pair %2d: rot %6.2f scale %.3f dots %u/%u -> %s "
					  "score %.3f inliers %d/%d corner err %.3f px, %.0f ms\n",
			k, q.rotation_deg, q.scale, c.bd->dots->len, c.ad->dots->len,
			c.r->ok ? "ok" : "refused", c.r->score, c.r->inliers,
			c.r->overlap_dots, err, c.ms);
		if (!c.r->ok)
			refused++;
		else if (err <= MAX_CORNER_ERR)
			good++;
		else
			wrong++;
		case_clear(&c);
	}
	print_message("%d/%d registered within %.0f px, %d refused, %d wrong\n",
		good, n, MAX_CORNER_ERR, refused, wrong);
	assert_int_equal(wrong, 0);
	assert_true(good >= 0.95 * n);
}

static void
test_register_same_input_same_matrix(void **state)
{
	SmpSynthParams p;
	SmpSynthPairParams q;
	GError *error = NULL;
	Case c;
	SmpRegistration *again;

	(void) state;
	smp_test_pair_config(3, 800, 600, &p, &q);
	case_run(&c, &p, &q);
	vips_concurrency_set(1);
	again = smp_register_pair(
		c.before, c.after, c.bd->dots, c.ad->dots, NULL, &error);
	vips_concurrency_set(0);
	assert_no_gerror(error);
	assert_memory_equal(again->matrix, c.r->matrix, sizeof(again->matrix));
	assert_int_equal(again->inliers, c.r->inliers);
	smp_registration_free(again);
	case_clear(&c);
}

/* Affine and homography fits on the same dots land where similarity does
 * (the synthetic transform is a similarity).
 */
static void
test_register_other_models_align(void **state)
{
	const SmpRegisterModel models[2] = {
		SMP_REGISTER_AFFINE, SMP_REGISTER_HOMOGRAPHY};
	SmpSynthParams p;
	SmpSynthPairParams q;
	Case c;

	(void) state;
	smp_test_pair_config(9, 1000, 750, &p, &q);
	case_run(&c, &p, &q);
	for (int i = 0; i < 2; i++) {
		SmpRegisterParams rp;
		GError *error = NULL;
		SmpRegistration *r;
		double err;

		smp_register_params_default(&rp);
		rp.model = models[i];
		r = smp_register_pair(
			c.before, c.after, c.bd->dots, c.ad->dots, &rp, &error);
		assert_no_gerror(error);
		err = corner_error(r->matrix, c.truth, 1000, 750);
		print_message("%s: ok %d score %.3f corner err %.3f px\n",
			smp_register_model_name(r->model), r->ok, r->score, err);
		assert_true(r->ok);
		assert_int_equal(r->model, models[i]);
		assert_true(err <= MAX_CORNER_ERR);
		smp_registration_free(r);
	}
	case_clear(&c);
}

/* Without dots only the coarse search runs: nothing confirms it. */
static void
test_register_without_dots_not_ok(void **state)
{
	SmpSynthParams p;
	SmpSynthPairParams q;
	Case c;
	GError *error = NULL;
	SmpRegistration *r;

	(void) state;
	smp_test_pair_config(9, 1000, 750, &p, &q);
	case_run(&c, &p, &q);
	r = smp_register_pair(c.before, c.after, NULL, NULL, NULL, &error);
	assert_no_gerror(error);
	print_message("image only: %s, corner err %.1f px, peak %.3f\n", r->method,
		corner_error(r->matrix, c.truth, 1000, 750), r->coarse_peak);
	assert_false(r->ok);
	assert_string_equal(r->method, "fourier-mellin");
	assert_null(r->after_match);
	smp_registration_free(r);
	case_clear(&c);
}

/* Two different scalps, the second with an after photo's dot density. */
static void
test_register_unrelated_pairs_refused(void **state)
{
	double worst = 0;

	(void) state;
	for (int k = 0; k < (quick() ? 3 : 10); k++) {
		SmpSynthParams p;
		GError *error = NULL;
		VipsImage *a, *b;
		SmpDetection *da, *db;
		SmpRegistration *r;

		smp_synth_params_default(&p);
		p.width = 1024;
		p.height = 768;
		p.seed = 5000 + k;
		a = smp_synth_render(&p, NULL, &error);
		assert_no_gerror(error);
		p.seed = 6000 + k;
		p.smp_per_cm2 = 300 + 60 * k;
		b = smp_synth_render(&p, NULL, &error);
		assert_no_gerror(error);
		da = detect(a);
		db = detect(b);
		r = smp_register_pair(a, b, da->dots, db->dots, NULL, &error);
		assert_no_gerror(error);
		print_message("unrelated %d: score %.3f inliers %d/%d peak %.3f "
					  "ok %d\n",
			k, r->score, r->inliers, r->overlap_dots, r->coarse_peak, r->ok);
		worst = fmax(worst, r->score);
		assert_false(r->ok);
		assert_int_equal(r->new_dots, -1);
		smp_registration_free(r);
		smp_detection_free(da);
		smp_detection_free(db);
		g_object_unref(a);
		g_object_unref(b);
	}
	print_message("highest unrelated score %.3f (ok needs %.2f)\n", worst,
		SMP_REGISTER_MIN_SCORE);
}

/* Landmarks where people put them: spread out, clicked to 0.1 px. */
static void
landmarks_from(
	const double m[9], const double (*after)[2], int n, double *pairs)
{
	for (int i = 0; i < n; i++) {
		double bx, by;

		smp_mat3_apply(m, after[i][0], after[i][1], &bx, &by);
		pairs[4 * i] = round(bx * 10) / 10;
		pairs[4 * i + 1] = round(by * 10) / 10;
		pairs[4 * i + 2] = after[i][0];
		pairs[4 * i + 3] = after[i][1];
	}
}

static void
test_register_landmarks_reproduce(void **state)
{
	static const double after[4][2] = {
		{210, 180}, {1450, 230}, {1380, 1040}, {260, 990}};
	const SmpRegisterModel models[3] = {
		SMP_REGISTER_SIMILARITY, SMP_REGISTER_AFFINE, SMP_REGISTER_HOMOGRAPHY};
	double truth[3][9] = {{0}}, pairs[16];

	(void) state;
	reg_mat_similarity(1.08, 7.0 * G_PI / 180, 35.5, -61.25, truth[0]);
	memcpy(truth[1], truth[0], sizeof(truth[0]));
	truth[1][1] += 0.03; /* a shear */
	memcpy(truth[2], truth[1], sizeof(truth[1]));
	truth[2][6] = 2e-5; /* and perspective */
	truth[2][7] = -1e-5;
	for (int i = 0; i < 3; i++) {
		GError *error = NULL;
		int n = reg_model_min_pairs(models[i]);
		SmpRegistration *r;
		double err;

		landmarks_from(truth[i], after, n, pairs);
		r = smp_register_from_landmarks(pairs, n, models[i], &error);
		assert_no_gerror(error);
		err = corner_error(r->matrix, truth[i], PAIR_W, PAIR_H);
		print_message("%s from %d landmarks: corner err %.3f px\n",
			smp_register_model_name(models[i]), n, err);
		assert_true(err <= 1.0);
		assert_true(r->ok);
		assert_string_equal(r->method, "landmarks");
		smp_registration_free(r);
	}
}

static char *
write_file(const char *dir, const char *name, const char *text)
{
	char *path = g_build_filename(dir, name, NULL);

	assert_true(g_file_set_contents(path, text, -1, NULL));
	return path;
}

static void
test_register_landmarks_file(void **state)
{
	g_autofree char *dir = smp_test_tmpdir();
	g_autofree char *path = write_file(dir, "lm.csv",
		"before_x,before_y,after_x,after_y\n"
		"# clicked in the viewer\n"
		"100.5,200,90,210\n"
		"\n"
		"1500,1100.25,1480,1090\n");
	g_autofree double *pairs = NULL;
	GError *error = NULL;
	int n = 0;

	(void) state;
	assert_true(smp_register_landmarks_load(path, &pairs, &n, &error));
	assert_no_gerror(error);
	assert_int_equal(n, 2);
	assert_true(pairs[0] == 100.5 && pairs[5] == 1100.25 && pairs[7] == 1090);
	smp_test_rmtree(dir);
}

static void
expect_bad_file(const char *dir, const char *text, const char *where)
{
	g_autofree char *path = write_file(dir, "bad.csv", text);
	g_autofree char *want = g_strdup_printf("%s%s", path, where);
	double *pairs = NULL;
	GError *error = NULL;
	int n = 0;

	assert_false(smp_register_landmarks_load(path, &pairs, &n, &error));
	assert_non_null(error);
	print_message("rejected: %s\n", error->message);
	assert_true(g_str_has_prefix(error->message, want));
	assert_int_equal(error->code, SMP_ERROR_CONFIG);
	assert_null(pairs);
	g_error_free(error);
}

static void
test_register_landmarks_malformed_rejected(void **state)
{
	g_autofree char *dir = smp_test_tmpdir();
	g_autofree char *missing = g_build_filename(dir, "none.csv", NULL);
	double *pairs = NULL, same[8] = {10, 10, 5, 5, 10, 10, 5, 5};
	GError *error = NULL;
	int n;

	(void) state;
	expect_bad_file(dir, "1,2,3,4\n5,6,7\n", ":2:");
	expect_bad_file(dir,
		"before_x,before_y,after_x,after_y\n1,2,3,4\n"
		"5,six,7,8\n",
		":3:");
	expect_bad_file(dir, "1,2,3,4\n5,,7,8\n", ":2:");
	expect_bad_file(
		dir, "1,2,3,4\n1,2,3,4\n1,2,3,4\n1,2,3,4\n1,2,3,4\n", ":5:");
	expect_bad_file(dir, "1,2,3,4\n", ": 1 landmark");
	expect_bad_file(dir, "1,2,3,4\n5,6,7,8e\n", ":2:");
	assert_false(smp_register_landmarks_load(missing, &pairs, &n, &error));
	assert_int_equal(error->code, SMP_ERROR_IO);
	assert_non_null(strstr(error->message, missing));
	g_clear_error(&error);
	/* Points that do not fix the transform. */
	assert_null(
		smp_register_from_landmarks(same, 2, SMP_REGISTER_SIMILARITY, &error));
	assert_int_equal(error->code, SMP_ERROR_CONFIG);
	g_clear_error(&error);
	assert_null(
		smp_register_from_landmarks(same, 2, SMP_REGISTER_AFFINE, &error));
	g_clear_error(&error);
	smp_test_rmtree(dir);
}

/* The truth's session of each detected after dot: that of the nearest true
 * dot within its radius (or 2 px); -1 for a detection with none.
 */
static int
truth_session(const SmpSynthTruth *t, const SmpDot *d)
{
	double best = fmax(2.0, d->r);
	int session = -1;

	best *= best;
	for (guint i = 0; i < t->dots->len; i++) {
		const SmpSynthDot *s = &g_array_index(t->dots, SmpSynthDot, i);
		double d2 = pow(s->x - d->x, 2) + pow(s->y - d->y, 2);

		if (d2 < best) {
			best = d2;
			session = s->session;
		}
	}
	return session;
}

static void
test_register_new_dots_counted(void **state)
{
	SmpSynthParams p;
	SmpSynthPairParams q;
	Case c;
	gint64 truth_new = 0, inside = 0;

	(void) state;
	smp_test_pair_config(7, PAIR_W, PAIR_H, &p, &q);
	q.new_smp_per_cm2 = 400;
	case_run(&c, &p, &q);
	assert_true(c.r->ok);
	for (guint i = 0; i < c.ad->dots->len; i++) {
		const SmpDot *d = &g_array_index(c.ad->dots, SmpDot, i);
		double x, y;

		smp_mat3_apply(c.truth, d->x, d->y, &x, &y);
		if (x < 0 || y < 0 || x >= PAIR_W || y >= PAIR_H)
			continue;
		inside++;
		truth_new += truth_session(c.at, d) == 1;
	}
	print_message("after dots inside the before frame %" G_GINT64_FORMAT
				  ": new %" G_GINT64_FORMAT " (truth %" G_GINT64_FORMAT
				  "), persisting %" G_GINT64_FORMAT
				  ", growth %.2f px, contrast change %.3f\n",
		inside, c.r->new_dots, truth_new, c.r->persisting_dots,
		c.r->growth_px_median, c.r->contrast_change_median);
	assert_int_equal(c.r->after_match->len, c.ad->dots->len);
	assert_true(fabs((double) c.r->new_dots - truth_new) <= 0.03 * truth_new);
	assert_true(c.r->new_dots + c.r->persisting_dots + c.r->outside_dots ==
		(gint64) c.ad->dots->len);
	case_clear(&c);
}

/* Before in red, warped after in green and blue: aligned dots are grey,
 * misaligned ones show red and cyan fringes.
 */
static void
save_overlay(VipsImage *before, VipsImage *warped, const char *path)
{
	VipsImage *grey[3], *rgb, *srgb;

	assert_vips_ok(
		vips_colourspace(before, &grey[0], VIPS_INTERPRETATION_B_W, NULL));
	assert_vips_ok(
		vips_colourspace(warped, &grey[1], VIPS_INTERPRETATION_B_W, NULL));
	grey[2] = grey[1];
	assert_vips_ok(vips_bandjoin(grey, &rgb, 3, NULL));
	assert_vips_ok(vips_copy(
		rgb, &srgb, "interpretation", VIPS_INTERPRETATION_sRGB, NULL));
	assert_vips_ok(vips_image_write_to_file(srgb, path, NULL));
	g_object_unref(srgb);
	g_object_unref(rgb);
	g_object_unref(grey[0]);
	g_object_unref(grey[1]);
}

/* The warped after photo's dots sit on the before photo's dots. */
static void
test_register_warp_lands_on_before(void **state)
{
	SmpSynthParams p;
	SmpSynthPairParams q;
	GError *error = NULL;
	VipsImage *warped, *mem;
	SmpDetection *wd;
	Case c;
	double sum = 0;
	int n = 0;

	(void) state;
	smp_test_pair_config(11, 1000, 750, &p, &q);
	q.new_smp_per_cm2 = 0; /* every after dot has a before dot */
	case_run(&c, &p, &q);
	assert_true(c.r->ok);
	warped = smp_register_warp(c.after, c.r, 1000, 750, &error);
	assert_no_gerror(error);
	mem = vips_image_copy_memory(warped);
	assert_non_null(mem);
	if (getenv("SMP_TEST_OVERLAY"))
		save_overlay(c.before, mem, getenv("SMP_TEST_OVERLAY"));
	wd = detect(mem);
	/* Mean offset of mutual near neighbours away from the edges. */
	for (guint i = 0; i < wd->dots->len; i++) {
		const SmpDot *w = &g_array_index(wd->dots, SmpDot, i);

		for (guint j = 0; j < c.bd->dots->len; j++) {
			const SmpDot *b = &g_array_index(c.bd->dots, SmpDot, j);
			double d = hypot(w->x - b->x, w->y - b->y);

			if (d < 1.5 && w->r > 2) {
				sum += d;
				n++;
			}
		}
	}
	print_message("warp: %d dots re-found, mean offset %.3f px\n", n, sum / n);
	assert_true(n > 200);
	assert_true(sum / n < 0.5);
	smp_detection_free(wd);
	g_object_unref(mem);
	g_object_unref(warped);
	case_clear(&c);
}

static void
test_register_fits_recover_models(void **state)
{
	const SmpRegisterModel models[3] = {
		SMP_REGISTER_SIMILARITY, SMP_REGISTER_AFFINE, SMP_REGISTER_HOMOGRAPHY};
	const double truth[9] = {1.02, -0.11, 40, 0.09, 0.97, -25, 1e-5, -2e-5, 1};
	uint64_t st = smp_test_seed(7);

	(void) state;
	for (int k = 0; k < 3; k++) {
		double src[40], dst[40], m[9], t[9];

		memcpy(t, truth, sizeof(t));
		if (models[k] != SMP_REGISTER_HOMOGRAPHY)
			t[6] = t[7] = 0;
		if (models[k] == SMP_REGISTER_SIMILARITY) {
			t[3] = -t[1];
			t[4] = t[0];
		}
		for (int i = 0; i < 20; i++) {
			src[2 * i] = (smp_test_rand(&st) % 4000) + 0.25;
			src[2 * i + 1] = (smp_test_rand(&st) % 3000) + 0.5;
			smp_mat3_apply(
				t, src[2 * i], src[2 * i + 1], &dst[2 * i], &dst[2 * i + 1]);
		}
		assert_true(reg_fit(models[k], src, dst, 20, m));
		assert_true(corner_error(m, t, 4000, 3000) < 1e-6);
	}
}

static void
test_register_json_block(void **state)
{
	double pairs[8] = {100, 100, 90, 95, 900, 700, 880, 705};
	g_autoptr(JsonBuilder) b = json_builder_new();
	g_autoptr(JsonNode) root = NULL;
	SmpRegistration *r;
	JsonObject *o;
	JsonArray *m;
	GError *error = NULL;

	(void) state;
	r = smp_register_from_landmarks(pairs, 2, SMP_REGISTER_SIMILARITY, &error);
	assert_no_gerror(error);
	json_builder_begin_object(b);
	json_builder_set_member_name(b, "registration");
	smp_register_to_json(r, b);
	json_builder_end_object(b);
	root = json_builder_get_root(b);
	o = json_object_get_object_member(
		json_node_get_object(root), "registration");
	assert_string_equal(
		json_object_get_string_member(o, "method"), "landmarks");
	assert_string_equal(
		json_object_get_string_member(o, "model"), "similarity");
	assert_true(json_object_get_boolean_member(o, "ok"));
	m = json_object_get_array_member(o, "matrix");
	assert_int_equal(json_array_get_length(m), 3);
	assert_true(json_array_get_double_element(
					json_array_get_array_element(m, 0), 2) == r->matrix[2]);
	smp_registration_free(r);
}

/* Largest |a - b| over @n doubles, relative to the largest |b|. */
static double
rel_max_diff(const double *a, const double *b, gsize n)
{
	double d = 0, m = 0;

	for (gsize i = 0; i < n; i++) {
		d = fmax(d, fabs(a[i] - b[i]));
		m = fmax(m, fabs(b[i]));
	}
	return m > 0 ? d / m : d;
}

/* A @w × @h memory image of libvips's @op (fwfft, or invfft with real)
 * on @in, as libvips makes it.
 */
static VipsImage *
vips_reference(const char *op, VipsImage *in)
{
	VipsImage *out = NULL, *mem;

	if (!strcmp(op, "fwfft"))
		assert_vips_ok(vips_fwfft(in, &out, NULL));
	else
		assert_vips_ok(vips_invfft(in, &out, "real", TRUE, NULL));
	mem = vips_image_copy_memory(out);
	g_object_unref(out);
	assert_non_null(mem);
	return mem;
}

/* The registration's own FFTs (FFTW, planned by estimate) give what
 * libvips's fwfft and invfft gave, layout and scaling included, on random
 * planes of the sizes it uses and a small non-square one.
 */
static void
test_register_fft_matches_libvips(void **state)
{
	const int sizes[][2] = {{64, 48}, {1024, 512}, {512, 512}};
	uint64_t seed = smp_test_seed(0x5eedf17), rng = seed;

	(void) state;
	for (guint k = 0; k < G_N_ELEMENTS(sizes); k++) {
		const int w = sizes[k][0], h = sizes[k][1];
		g_autofree float *v = g_new(float, (gsize) w *h);
		g_autoptr(VipsImage) in = NULL, ours = NULL, ref = NULL;
		g_autoptr(VipsImage) back = NULL, ref_back = NULL;
		GError *error = NULL;
		double d;

		for (gsize i = 0; i < (gsize) w * h; i++)
			v[i] = (float) (smp_test_rand(&rng) % 2001) / 1000.0f - 1.0f;
		in = vips_image_new_from_memory(
			v, sizeof(float) * w * h, w, h, 1, VIPS_FORMAT_FLOAT);
		ours = reg_fft(v, w, h, &error);
		assert_no_gerror(error);
		ref = vips_reference("fwfft", in);
		assert_int_equal(ref->BandFmt, VIPS_FORMAT_DPCOMPLEX);
		d = rel_max_diff((const double *) VIPS_IMAGE_ADDR(ours, 0, 0),
			(const double *) VIPS_IMAGE_ADDR(ref, 0, 0), 2 * (gsize) w * h);
		if (d > 1e-12)
			fail_msg("forward %dx%d: relative difference %g (seed %#llx)", w, h,
				d, (unsigned long long) seed);

		back = reg_ifft_real(
			(const double *) VIPS_IMAGE_ADDR(ref, 0, 0), w, h, &error);
		assert_no_gerror(error);
		ref_back = vips_reference("invfft", ref);
		assert_int_equal(ref_back->BandFmt, VIPS_FORMAT_DOUBLE);
		d = rel_max_diff((const double *) VIPS_IMAGE_ADDR(back, 0, 0),
			(const double *) VIPS_IMAGE_ADDR(ref_back, 0, 0), (gsize) w * h);
		if (d > 1e-12)
			fail_msg("inverse %dx%d: relative difference %g (seed %#llx)", w, h,
				d, (unsigned long long) seed);
		/* And the round trip gives the plane back. */
		for (gsize i = 0; i < (gsize) w * h; i += 997) {
			const double *p = (const double *) VIPS_IMAGE_ADDR(back, 0, 0);

			assert_true(fabs(p[i] - v[i]) < 1e-9);
		}
	}
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_register_fft_matches_libvips),
	cmocka_unit_test(test_register_fits_recover_models),
	cmocka_unit_test(test_register_landmarks_reproduce),
	cmocka_unit_test(test_register_landmarks_file),
	cmocka_unit_test(test_register_landmarks_malformed_rejected),
	cmocka_unit_test(test_register_json_block),
	cmocka_unit_test(test_register_same_input_same_matrix),
	cmocka_unit_test(test_register_other_models_align),
	cmocka_unit_test(test_register_without_dots_not_ok),
	cmocka_unit_test(test_register_warp_lands_on_before),
	cmocka_unit_test(test_register_new_dots_counted),
	cmocka_unit_test(test_register_unrelated_pairs_refused),
	cmocka_unit_test(test_register_synth_pairs_align),
};

SMP_TEST_MAIN("register", tests)
