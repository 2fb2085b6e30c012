/* Region of interest: polygon parsing and filling, mask images, and a
 * photo's dots and measures restricted to the ROI.
 * SPDX-License-Identifier: MIT
 */
#include <math.h>
#include <string.h>

#include "test.h"
#include "smpdoc/analysis.h"
#include "smpdoc/error.h"
#include "smpdoc/manifest.h"
#include "smpdoc/roi.h"
#include "smpdoc/synth.h"

static guint64
count_inside(const guint8 *m, gsize n)
{
	guint64 k = 0;

	for (gsize i = 0; i < n; i++)
		k += m[i] != 0;
	return k;
}

static void
test_roi_polygon_parse(void **state)
{
	g_autoptr(GError) err = NULL;
	g_autofree double *xy = NULL;
	int n = 0;

	(void) state;
	assert_true(smp_roi_is_polygon("10,10;30,10;30,20"));
	assert_true(smp_roi_is_polygon(" 1.5,20 ; 3,4;5,6 "));
	assert_false(smp_roi_is_polygon("masks/c01.png"));
	assert_false(smp_roi_is_polygon("123"));
	assert_true(
		smp_roi_polygon_parse("10,10; 30.5,10;30,20;", "t", &xy, &n, &err));
	assert_int_equal(n, 3);
	assert_true(xy[2] == 30.5 && xy[5] == 20);

	assert_false(
		smp_roi_polygon_parse("1,2;3,4", "a.pipeline:7", NULL, NULL, &err));
	assert_true(g_error_matches(err, SMP_ERROR, SMP_ERROR_CONFIG));
	assert_non_null(strstr(err->message, "a.pipeline:7"));
	g_clear_error(&err);
	assert_false(smp_roi_polygon_parse("1,2;3,4;5", "x", NULL, NULL, &err));
	assert_non_null(strstr(err->message, "vertex 3"));
	g_clear_error(&err);
	assert_false(smp_roi_polygon_parse("1,2;3,4;5,6,7", "x", NULL, NULL, &err));
	g_clear_error(&err);
}

/* A pixel is inside when its centre is: an axis-aligned 20 x 10 px
 * rectangle holds 200 pixels, a triangle half its box.
 */
static void
test_roi_polygon_fill(void **state)
{
	g_autoptr(GError) err = NULL;
	guint8 *m;

	(void) state;
	m = smp_roi_mask_new("10,10;30,10;30,20;10,20", NULL, 40, 30, "t", &err);
	assert_no_gerror(err);
	assert_int_equal(count_inside(m, 40 * 30), 200);
	assert_int_equal(m[10 * 40 + 10], 1);
	assert_int_equal(m[10 * 40 + 30], 0);
	assert_int_equal(m[9 * 40 + 15], 0);
	assert_int_equal(m[19 * 40 + 29], 1);
	g_free(m);

	/* beyond the image: clipped */
	m = smp_roi_mask_new(
		"-5,-5;100,-5;100,100;-5,100", NULL, 40, 30, "t", &err);
	assert_no_gerror(err);
	assert_int_equal(count_inside(m, 40 * 30), 40 * 30);
	g_free(m);

	m = smp_roi_mask_new("0,0;400,0;0,400", NULL, 400, 400, "t", &err);
	assert_no_gerror(err);
	assert_true(fabs((double) count_inside(m, 400 * 400) - 80000) < 400);
	g_free(m);
}

/* A mask image: non-zero = inside; a wrong size names the file. */
static void
test_roi_mask_file(void **state)
{
	g_autoptr(GError) err = NULL;
	g_autofree char *dir = smp_test_tmpdir();
	g_autofree char *path = g_build_filename(dir, "mask.png", NULL);
	VipsImage *black, *rect;
	guint8 *m;

	(void) state;
	assert_vips_ok(vips_black(&black, 40, 30, NULL));
	assert_vips_ok(
		vips_draw_rect1(black, 255, 10, 10, 20, 10, "fill", TRUE, NULL));
	assert_vips_ok(vips_cast_uchar(black, &rect, NULL));
	assert_vips_ok(vips_image_write_to_file(rect, path, NULL));
	g_object_unref(black);
	g_object_unref(rect);

	m = smp_roi_mask_new("mask.png", dir, 40, 30, "t", &err);
	assert_no_gerror(err);
	assert_int_equal(count_inside(m, 40 * 30), 200);
	assert_int_equal(m[10 * 40 + 10], 1);
	g_free(m);

	assert_null(smp_roi_mask_new(path, NULL, 41, 30, "t", &err));
	assert_true(g_error_matches(err, SMP_ERROR, SMP_ERROR_CONFIG));
	assert_non_null(strstr(err->message, "mask.png"));
	g_clear_error(&err);
	assert_null(smp_roi_mask_new("nothere.png", dir, 40, 30, "t", &err));
	assert_non_null(err);
	assert_non_null(strstr(err->message, "nothere.png"));
	smp_test_rmtree(dir);
}

/* The catalogue's fingerprint of a region: the polygon's text, or the
 * mask file's bytes (taken from the base folder), so that it changes
 * with either; an unreadable mask is an error naming it.
 */
static void
test_roi_fingerprint(void **state)
{
	g_autoptr(GError) err = NULL;
	g_autofree char *dir = smp_test_tmpdir();
	g_autofree char *path = g_build_filename(dir, "m.pgm", NULL);
	g_autofree char *a = NULL, *b = NULL, *c = NULL, *d = NULL, *e = NULL;

	(void) state;
	a = smp_roi_fingerprint("0,0;10,0;10,10", NULL, &err);
	b = smp_roi_fingerprint("0,0;10,0;10,11", NULL, &err);
	assert_no_gerror(err);
	assert_int_equal(strlen(a), 64);
	assert_string_not_equal(a, b);

	assert_true(g_file_set_contents(path, "P5\n2 1\n255\n\377\0", 13, NULL));
	c = smp_roi_fingerprint("m.pgm", dir, &err);
	assert_no_gerror(err);
	assert_true(g_file_set_contents(path, "P5\n2 1\n255\n\0\377", 13, NULL));
	d = smp_roi_fingerprint(path, NULL, &err);
	assert_no_gerror(err);
	assert_int_equal(strlen(c), 64);
	assert_string_not_equal(c, d);
	e = smp_roi_fingerprint("m.pgm", dir, &err);
	assert_string_equal(d, e);

	assert_null(smp_roi_fingerprint("gone.png", dir, &err));
	assert_non_null(err);
	assert_non_null(strstr(err->message, "gone.png"));
	smp_test_rmtree(dir);
}

/* A synthetic photo measured in its left half, by polygon and by mask:
 * every dot inside, the ROI's area, and the same numbers both ways.
 */
static void
test_roi_photo_counts_only_inside(void **state)
{
	g_autoptr(GError) err = NULL;
	g_autofree char *dir = smp_test_tmpdir();
	g_autofree char *jpg = g_build_filename(dir, "p.jpg", NULL);
	g_autofree char *png = g_build_filename(dir, "left.png", NULL);
	g_autoptr(SmpPipeline) pl = smp_pipeline_new_default();
	SmpSynthParams sp;
	SmpLoadLimits limits;
	SmpScale scale;
	VipsImage *img, *black, *mask;
	SmpPhoto *photo;
	SmpAnalysis *whole, *poly, *file;
	SmpRoiGiven by_poly = {"0,0;300,0;300,300;0,300", NULL, "option"};
	SmpRoiGiven by_file = {"left.png", dir, "manifest"};

	(void) state;
	smp_synth_params_default(&sp);
	sp.width = 600;
	sp.height = 300;
	sp.seed = 5;
	img = smp_synth_render(&sp, NULL, &err);
	assert_no_gerror(err);
	assert_true(smp_synth_save(img, 1, 90, jpg, &err));
	g_object_unref(img);
	assert_vips_ok(vips_black(&black, 600, 300, NULL));
	assert_vips_ok(
		vips_draw_rect1(black, 1, 0, 0, 300, 300, "fill", TRUE, NULL));
	assert_vips_ok(vips_cast_uchar(black, &mask, NULL));
	assert_vips_ok(vips_image_write_to_file(mask, png, NULL));
	g_object_unref(black);
	g_object_unref(mask);

	smp_load_limits_default(&limits);
	photo = smp_photo_load(jpg, &limits, &err);
	assert_no_gerror(err);
	smp_analysis_scale(20, 0, pl, &scale);
	whole = smp_analyse_photo(photo, pl, &scale, 0, &err);
	assert_no_gerror(err);
	poly = smp_analyse_photo_roi(photo, pl, &scale, &by_poly, 0, &err);
	assert_no_gerror(err);
	file = smp_analyse_photo_roi(photo, pl, &scale, &by_file, 0, &err);
	assert_no_gerror(err);

	assert_string_equal(whole->roi_source, "whole");
	assert_string_equal(poly->roi_source, "option");
	assert_int_equal(poly->measurement->roi_px, 300 * 300);
	assert_true(poly->measurement->roi_perimeter_px == 4 * 300);
	for (guint i = 0; i < poly->detection->dots->len; i++)
		assert_true(g_array_index(poly->detection->dots, SmpDot, i).x < 300.0f);
	assert_int_equal(poly->measurement->count, poly->detection->dots->len);
	/* the left half of the whole photo's dots, exactly */
	{
		guint left = 0;

		for (guint i = 0; i < whole->detection->dots->len; i++)
			left += g_array_index(whole->detection->dots, SmpDot, i).x < 300.0f;
		assert_int_equal(poly->measurement->count, left);
		assert_true(left > 100 && left < whole->measurement->count);
	}
	assert_true(
		fabs(poly->measurement->per_cm2 -
			poly->measurement->count / (300.0 * 300 / 400 / 100)) < 1e-6);
	assert_true(isfinite(poly->measurement->clark_evans));
	assert_int_equal(file->measurement->count, poly->measurement->count);
	assert_int_equal(file->measurement->roi_px, poly->measurement->roi_px);
	assert_memory_equal(&file->measurement->coverage,
		&poly->measurement->coverage, sizeof(double));
	assert_memory_equal(&file->measurement->clark_evans,
		&poly->measurement->clark_evans, sizeof(double));

	smp_analysis_free(whole);
	smp_analysis_free(poly);
	smp_analysis_free(file);
	smp_photo_free(photo);
	smp_test_rmtree(dir);
}

/* Pipeline keys: a bad polygon names the file and line; not both. */
static void
test_roi_pipeline_keys(void **state)
{
	g_autoptr(GError) err = NULL;
	const char *ok = "[detect]\nroi_polygon = 0,0;10,0;10,10\n";
	const char *bad = "[detect]\n\nroi_polygon = 0,0;10\n";
	const char *both =
		"[detect]\nroi_polygon = 0,0;10,0;10,10\nroi_mask = m.png\n";
	SmpPipeline *p;

	(void) state;
	p = smp_pipeline_parse(ok, strlen(ok), "ok.pipeline", &err);
	assert_no_gerror(err);
	assert_string_equal(p->roi_polygon, "0,0;10,0;10,10");
	assert_null(p->roi_mask);
	smp_pipeline_free(p);
	assert_null(smp_pipeline_parse(bad, strlen(bad), "bad.pipeline", &err));
	assert_non_null(strstr(err->message, "bad.pipeline:3"));
	g_clear_error(&err);
	assert_null(smp_pipeline_parse(both, strlen(both), "b.pipeline", &err));
	assert_true(g_error_matches(err, SMP_ERROR, SMP_ERROR_CONFIG));
}

/* The manifest's roi column: a polygon as written, a mask joined to the
 * root, empty for none; a bad polygon names the line.
 */
static void
test_roi_manifest_column(void **state)
{
	g_autoptr(GError) err = NULL;
	const char *csv = "client,session,view,path,roi\n"
					  "c1,0,top,a.jpg,\"0,0;100,0;100,80\"\n"
					  "c1,1,top,b.jpg,masks/b.png\n"
					  "c2,0,top,c.jpg,\n";
	const char *bad = "client,session,view,path,roi\n"
					  "c1,0,top,a.jpg,\"0,0;100\"\n";
	SmpManifest *m;
	int seen = 0;

	(void) state;
	m = smp_manifest_parse(csv, strlen(csv), "m.csv", "/root", &err);
	assert_no_gerror(err);
	for (guint i = 0; i < m->entries->len; i++) {
		const SmpEntry *e = m->entries->pdata[i];

		if (strcmp(e->rel_path, "a.jpg") == 0) {
			assert_string_equal(e->roi, "0,0;100,0;100,80");
			seen++;
		}
		else if (strcmp(e->rel_path, "b.jpg") == 0) {
			assert_string_equal(e->roi, "/root/masks/b.png");
			seen++;
		}
		else
			assert_null(e->roi);
	}
	assert_int_equal(seen, 2);
	smp_manifest_free(m);
	assert_null(smp_manifest_parse(bad, strlen(bad), "m.csv", "/r", &err));
	assert_true(g_error_matches(err, SMP_ERROR, SMP_ERROR_CONFIG));
	assert_non_null(strstr(err->message, "m.csv:2"));
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_roi_manifest_column),
	cmocka_unit_test(test_roi_polygon_parse),
	cmocka_unit_test(test_roi_polygon_fill),
	cmocka_unit_test(test_roi_mask_file),
	cmocka_unit_test(test_roi_fingerprint),
	cmocka_unit_test(test_roi_pipeline_keys),
	cmocka_unit_test(test_roi_photo_counts_only_inside),
};

SMP_TEST_MAIN("roi", tests)
