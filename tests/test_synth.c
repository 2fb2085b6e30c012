/* Tests of the synthetic scalp generator: determinism, truth on dark dots,
 * EXIF orientation, pair matrices and the data set files.
 * SPDX-License-Identifier: MIT
 */
#include "test.h"

#include <math.h>
#include <string.h>

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "smpdoc/error.h"
#include "smpdoc/synth.h"

static void
small_params(SmpSynthParams *p)
{
	smp_synth_params_default(p);
	p->seed = smp_test_seed(20240301);
	p->width = 600;
	p->height = 450;
}

static const guchar *
pixels(VipsImage *image)
{
	assert_int_equal(vips_image_get_bands(image), 3);
	assert_int_equal(vips_image_get_format(image), VIPS_FORMAT_UCHAR);
	assert_non_null(image->data);
	return (const guchar *) image->data;
}

static void
test_synth_same_seed_same_bytes(void **state)
{
	SmpSynthParams p;
	SmpSynthTruth *t1 = NULL, *t2 = NULL;
	GError *error = NULL;
	VipsImage *a, *b;

	(void) state;
	small_params(&p);
	/* One thread, then several: the bytes must not move. */
	vips_concurrency_set(1);
	a = smp_synth_render(&p, &t1, &error);
	assert_no_gerror(error);
	vips_concurrency_set(5);
	b = smp_synth_render(&p, &t2, &error);
	vips_concurrency_set(0);
	assert_no_gerror(error);
	assert_memory_equal(pixels(a), pixels(b), 600 * 450 * 3);
	assert_int_equal(t1->dots->len, t2->dots->len);
	assert_int_equal(t1->distractors->len, t2->distractors->len);
	assert_true(t1->dots->len > 100);
	assert_memory_equal(
		t1->dots->data, t2->dots->data, t1->dots->len * sizeof(SmpSynthDot));
	assert_memory_equal(t1->distractors->data, t2->distractors->data,
		t1->distractors->len * sizeof(SmpSynthDot));
	g_object_unref(a);
	g_object_unref(b);
	smp_synth_truth_free(t1);
	smp_synth_truth_free(t2);
}

static void
test_synth_different_seeds_differ(void **state)
{
	SmpSynthParams p;
	SmpSynthTruth *t1 = NULL, *t2 = NULL;
	GError *error = NULL;
	VipsImage *a, *b;
	gsize differ = 0;

	(void) state;
	small_params(&p);
	a = smp_synth_render(&p, &t1, &error);
	assert_no_gerror(error);
	p.seed++;
	b = smp_synth_render(&p, &t2, &error);
	assert_no_gerror(error);
	for (gsize i = 0; i < 600 * 450 * 3; i++)
		differ += pixels(a)[i] != pixels(b)[i];
	assert_true(differ > 600 * 450);
	assert_true(t1->dots->len != t2->dots->len ||
		memcmp(t1->dots->data, t2->dots->data,
			t1->dots->len * sizeof(SmpSynthDot)) != 0);
	g_object_unref(a);
	g_object_unref(b);
	smp_synth_truth_free(t1);
	smp_synth_truth_free(t2);
}

static double
luma_at(const guchar *px, int w, int x, int y)
{
	const guchar *q = px + 3 * ((gsize) y * w + x);

	return 0.299 * q[0] + 0.587 * q[1] + 0.114 * q[2];
}

/* Mean luma over pixels whose centres lie at distance [r0, r1) from
 * (cx, cy); NAN when there are none.
 */
static double
mean_luma(
	const guchar *px, int w, int h, double cx, double cy, double r0, double r1)
{
	double sum = 0;
	int n = 0;

	for (int y = (int) floor(cy - r1); y <= (int) ceil(cy + r1); y++)
		for (int x = (int) floor(cx - r1); x <= (int) ceil(cx + r1); x++) {
			double dx = x + 0.5 - cx, dy = y + 0.5 - cy;
			double d = sqrt(dx * dx + dy * dy);

			if (x < 0 || y < 0 || x >= w || y >= h || d < r0 || d >= r1)
				continue;
			sum += luma_at(px, w, x, y);
			n++;
		}
	return n ? sum / n : NAN;
}

static void
test_synth_truth_dots_are_dark_every_tone(void **state)
{
	(void) state;
	for (int tone = 0; tone < SMP_SYNTH_TONES; tone++) {
		SmpSynthParams p;
		SmpSynthTruth *t = NULL;
		GError *error = NULL;
		VipsImage *image;
		const guchar *px;
		int darker = 0, counted = 0;

		small_params(&p);
		p.skin_tone = tone;
		p.seed += (guint64) tone;
		image = smp_synth_render(&p, &t, &error);
		assert_no_gerror(error);
		px = pixels(image);
		for (guint i = 0; i < t->dots->len; i++) {
			const SmpSynthDot *d = &g_array_index(t->dots, SmpSynthDot, i);
			/* At least the pixel under the centre, even for tiny dots. */
			double disc = mean_luma(
				px, p.width, p.height, d->x, d->y, 0, MAX(0.5 * d->r, 0.75));
			double ring = mean_luma(
				px, p.width, p.height, d->x, d->y, 2 * d->r, 3 * d->r);

			assert_true(smp_synth_kind_is_dot(d->kind));
			if (isnan(disc) || isnan(ring))
				continue;
			counted++;
			darker += disc < ring;
		}
		print_message("tone %d: %d of %d dots darker than their ring\n", tone,
			darker, counted);
		assert_true(counted > 100);
		assert_true(darker >= 0.99 * counted);
		g_object_unref(image);
		smp_synth_truth_free(t);
	}
}

static double
mean_abs_diff(VipsImage *a, VipsImage *b)
{
	VipsImage *d = NULL, *ad = NULL;
	double mean = 1e9;

	assert_vips_ok(vips_subtract(a, b, &d, NULL));
	assert_vips_ok(vips_abs(d, &ad, NULL));
	assert_vips_ok(vips_avg(ad, &mean, NULL));
	g_object_unref(d);
	g_object_unref(ad);
	return mean;
}

static void
test_synth_orientation_roundtrip(void **state)
{
	SmpSynthParams p;
	GError *error = NULL;
	char *dir = smp_test_tmpdir();
	VipsImage *upright;

	(void) state;
	small_params(&p);
	p.width = 240; /* not square, so a missed turn shows in the size */
	p.height = 160;
	upright = smp_synth_render(&p, NULL, &error);
	assert_no_gerror(error);
	for (int n = 1; n <= 8; n++) {
		char name[32];
		g_autofree char *path = NULL;
		VipsImage *stored, *shown = NULL;
		double diff;

		snprintf(name, sizeof(name), "o%d.jpg", n);
		path = g_build_filename(dir, name, NULL);
		assert_true(smp_synth_save(upright, n, 95, path, &error));
		assert_no_gerror(error);
		stored = vips_image_new_from_file(path, NULL);
		assert_non_null(stored);
		assert_int_equal(vips_image_get_orientation(stored), n);
		assert_int_equal(vips_image_get_width(stored), n >= 5 ? 160 : 240);
		if (n >= 2 && n <= 4)
			/* The stored pixels really are turned or flipped. */
			assert_true(mean_abs_diff(stored, upright) > 6.0);
		assert_vips_ok(vips_autorot(stored, &shown, NULL));
		assert_int_equal(vips_image_get_width(shown), 240);
		assert_int_equal(vips_image_get_height(shown), 160);
		diff = mean_abs_diff(shown, upright);
		print_message("orientation %d: mean abs diff %.2f\n", n, diff);
		assert_true(diff < 3.0);
		g_object_unref(stored);
		g_object_unref(shown);
	}
	g_object_unref(upright);
	smp_test_rmtree(dir);
	g_free(dir);
}

static void
test_synth_pair_matrix_maps_after_onto_before(void **state)
{
	SmpSynthParams p;
	SmpSynthPairParams pp;
	SmpSynthTruth *bt = NULL, *at = NULL, *single_t = NULL;
	VipsImage *before = NULL, *after = NULL, *single;
	GError *error = NULL;
	double m[9];
	GHashTable *by_id = g_hash_table_new(g_int64_hash, g_int64_equal);
	int matched = 0, fresh = 0, grown = 0;
	double worst = 0;

	(void) state;
	small_params(&p);
	smp_synth_pair_params_default(&pp);
	pp.rotation_deg = -7.5;
	pp.scale = 0.93;
	pp.tx = 41.25;
	pp.ty = 12.5;
	/* The SMP dots of the before session spread and fade; natural
	 * follicles do not.
	 */
	pp.grow_pct = 10;
	pp.fade_pct = 20;
	assert_true(smp_synth_pair(&p, &pp, &before, &after, &bt, &at, m, &error));
	assert_no_gerror(error);
	for (guint i = 0; i < bt->dots->len; i++) {
		SmpSynthDot *d = &g_array_index(bt->dots, SmpSynthDot, i);

		assert_int_equal(d->session, 0);
		g_hash_table_insert(by_id, &d->id, d);
	}
	for (guint i = 0; i < at->dots->len; i++) {
		const SmpSynthDot *d = &g_array_index(at->dots, SmpSynthDot, i);
		const SmpSynthDot *b;
		double x, y;

		if (d->session > 0) {
			fresh++;
			continue;
		}
		b = g_hash_table_lookup(by_id, &d->id);
		if (!b)
			continue; /* outside the before frame */
		x = m[0] * d->x + m[1] * d->y + m[2];
		y = m[3] * d->x + m[4] * d->y + m[5];
		worst = MAX(worst, hypot(x - b->x, y - b->y));
		if (d->kind == SMP_SYNTH_SMP_DOT) {
			assert_true(fabs(d->r * pp.scale - 1.1 * b->r) < 1e-6);
			assert_true(fabs(d->contrast - 0.8 * b->contrast) < 1e-9);
			grown++;
		}
		else {
			assert_true(fabs(d->r * pp.scale - b->r) < 1e-6);
			assert_true(d->contrast == b->contrast);
		}
		matched++;
	}
	print_message("pair: %d persisting dots matched (worst %.2e px), %d new\n",
		matched, worst, fresh);
	assert_true(matched > 0.7 * bt->dots->len);
	assert_true(fresh > 100);
	assert_true(grown > 0.5 * matched && grown < matched);
	assert_true(worst < 0.01);
	assert_true(fabs(at->px_per_mm - p.px_per_mm / pp.scale) < 1e-9);

	/* The before photo of a pair is the single photo of the same scalp. */
	single = smp_synth_render(&p, &single_t, &error);
	assert_no_gerror(error);
	assert_memory_equal(pixels(single), pixels(before), 600 * 450 * 3);
	assert_int_equal(single_t->dots->len, bt->dots->len);
	assert_memory_equal(single_t->dots->data, bt->dots->data,
		bt->dots->len * sizeof(SmpSynthDot));

	g_hash_table_destroy(by_id);
	g_object_unref(before);
	g_object_unref(after);
	g_object_unref(single);
	smp_synth_truth_free(bt);
	smp_synth_truth_free(at);
	smp_synth_truth_free(single_t);
}

static void
test_synth_set_files_parse_back(void **state)
{
	SmpSynthSetParams set;
	const char *const views[] = {"top", "crown", NULL};
	char *dir = smp_test_tmpdir();
	g_autofree char *manifest = g_build_filename(dir, "manifest.csv", NULL);
	g_autofree char *truth = g_build_filename(dir, "truth.json", NULL);
	g_autofree char *csv = NULL;
	g_auto(GStrv) lines = NULL;
	g_autoptr(JsonParser) parser = json_parser_new();
	GError *error = NULL;
	JsonObject *root;
	JsonArray *photos, *pairs;
	int n_photos = 0;

	(void) state;
	smp_synth_set_params_default(&set);
	set.photo.seed = smp_test_seed(7);
	set.photo.width = 300;
	set.photo.height = 200;
	set.clients = 2;
	set.views = views;
	assert_true(smp_synth_write_set(&set, dir, &n_photos, &error));
	assert_no_gerror(error);
	assert_int_equal(n_photos, 8);

	assert_true(g_file_get_contents(manifest, &csv, NULL, NULL));
	lines = g_strsplit(g_strchomp(csv), "\n", -1);
	assert_int_equal(g_strv_length(lines), 9);
	assert_string_equal(
		lines[0], "client,session,taken,view,path,px_per_mm,consent");
	for (int i = 1; i < 9; i++) {
		g_auto(GStrv) f = g_strsplit(lines[i], ",", -1);
		g_autofree char *path = NULL;

		assert_int_equal(g_strv_length(f), 7);
		assert_int_equal(strlen(f[2]), 10); /* YYYY-MM-DD */
		path = g_build_filename(dir, f[4], NULL);
		assert_true(g_file_test(path, G_FILE_TEST_IS_REGULAR));
	}

	assert_true(json_parser_load_from_file(parser, truth, &error));
	assert_no_gerror(error);
	root = json_node_get_object(json_parser_get_root(parser));
	photos = json_object_get_array_member(root, "photos");
	pairs = json_object_get_array_member(root, "pairs");
	assert_int_equal(json_array_get_length(photos), 8);
	assert_int_equal(json_array_get_length(pairs), 4);
	for (guint i = 0; i < 8; i++) {
		JsonObject *ph = json_array_get_object_element(photos, i);
		JsonArray *dots = json_object_get_array_member(ph, "dots");

		assert_int_equal(json_object_get_int_member(ph, "width"), 300);
		assert_int_equal(json_array_get_length(dots),
			json_object_get_int_member(ph, "dot_count"));
		assert_true(json_array_get_length(dots) > 50);
	}
	for (guint i = 0; i < 4; i++) {
		JsonObject *pr = json_array_get_object_element(pairs, i);
		JsonArray *m = json_object_get_array_member(pr, "matrix");

		assert_int_equal(json_array_get_length(m), 3);
		assert_true(json_object_get_int_member(pr, "new_dots") > 0);
	}
	smp_test_rmtree(dir);
	g_free(dir);
}

static void
test_synth_bad_params_are_config_errors(void **state)
{
	SmpSynthParams p;
	GError *error = NULL;

	(void) state;
	small_params(&p);
	p.skin_tone = 6;
	assert_null(smp_synth_render(&p, NULL, &error));
	assert_true(g_error_matches(error, SMP_ERROR, SMP_ERROR_CONFIG));
	assert_non_null(strstr(error->message, "skin_tone"));
	g_clear_error(&error);
	small_params(&p);
	p.width = 0;
	assert_false(smp_synth_params_check(&p, &error));
	assert_non_null(strstr(error->message, "width"));
	g_clear_error(&error);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_synth_same_seed_same_bytes),
	cmocka_unit_test(test_synth_different_seeds_differ),
	cmocka_unit_test(test_synth_truth_dots_are_dark_every_tone),
	cmocka_unit_test(test_synth_orientation_roundtrip),
	cmocka_unit_test(test_synth_pair_matrix_maps_after_onto_before),
	cmocka_unit_test(test_synth_set_files_parse_back),
	cmocka_unit_test(test_synth_bad_params_are_config_errors),
};

SMP_TEST_MAIN("synth", tests)
