/* Tests of provenance records and `smpdoc verify`: a portfolio composite
 * recomputed from its originals matches; one pixel changed, other
 * parameters in the record or a tampered pipeline do not.
 * SPDX-License-Identifier: MIT
 */
#include <string.h>

#include <glib.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "test.h"
#include "smpdoc/analysis.h"
#include "smpdoc/error.h"
#include "smpdoc/pair.h"
#include "smpdoc/provenance.h"
#include "smpdoc/synth.h"

static const char portfolio_text[] =
	"[composite]\nlong_edge_px=600\n[output]\npurpose=portfolio\n"
	"crop_to_roi=1\n[consent]\nrequire=marketing\n";

/* A folder with originals in/ and a portfolio composite out/c.jpg. */
typedef struct Fixture {
	char *dir, *in, *out, *composite, *record;
} Fixture;

/* The synthetic pair in @f->in (written once), and its portfolio
 * composite drawn with the pipeline @text as @out/c.EXT.
 */
static void
write_pair_with(Fixture *f, const char *text, const char *out)
{
	SmpSynthParams sp;
	SmpSynthPairParams pp;
	g_autoptr(VipsImage) b = NULL;
	g_autoptr(VipsImage) a = NULL;
	g_autoptr(SmpPipeline) pl =
		smp_pipeline_parse(text, strlen(text), "portfolio.pipeline", NULL);
	const double ppm[2] = {20, 20 / 1.05};
	const char *names[2] = {"before.jpg", "after.jpg"};
	char *paths[3] = {NULL, NULL, NULL};
	SmpPhoto *photo[2];
	SmpAnalysis *an[2];
	SmpPairResult res = {0};
	GError *error = NULL;

	smp_synth_params_default(&sp);
	sp.width = 480;
	sp.height = 360;
	sp.seed = 7;
	smp_synth_pair_params_default(&pp);
	assert_true(smp_synth_pair(&sp, &pp, &b, &a, NULL, NULL, NULL, &error));
	for (int i = 0; i < 2; i++) {
		SmpLoadLimits limits;
		SmpScale scale;

		paths[i] = g_build_filename(f->in, names[i], NULL);
		if (!g_file_test(paths[i], G_FILE_TEST_EXISTS))
			assert_true(smp_synth_save(i ? a : b, 1, 90, paths[i], &error));
		smp_load_limits_default(&limits);
		photo[i] = smp_photo_load(paths[i], &limits, &error);
		assert_no_gerror(error);
		smp_analysis_scale(ppm[i], 0, pl, &scale);
		an[i] = smp_analyse_photo(photo[i], pl, &scale, 0, &error);
		assert_no_gerror(error);
	}
	{
		SmpPairSpec spec = {{photo[0], photo[1]}, {an[0], an[1]}, {0, 1}, "top",
			{NULL, NULL}, pl, 0, 0, FALSE, (const char *const *) paths};

		assert_true(smp_pair_write(&spec, out, "c", &res, &error));
		assert_no_gerror(error);
		assert_null(res.refused);
	}
	smp_pair_result_clear(&res);
	for (int i = 0; i < 2; i++) {
		smp_analysis_free(an[i]);
		smp_photo_free(photo[i]);
		g_free(paths[i]);
	}
}

static void
write_pair(Fixture *f)
{
	write_pair_with(f, portfolio_text, f->out);
}

static int
setup(void **state)
{
	static Fixture f;

	f.dir = smp_test_tmpdir();
	f.in = g_build_filename(f.dir, "in", NULL);
	f.out = g_build_filename(f.dir, "out", NULL);
	f.composite = g_build_filename(f.out, "c.jpg", NULL);
	f.record = g_build_filename(f.out, "c" SMP_PROVENANCE_SUFFIX, NULL);
	g_mkdir(f.in, 0755);
	g_mkdir(f.out, 0755);
	write_pair(&f);
	*state = &f;
	return 0;
}

static int
teardown(void **state)
{
	Fixture *f = *state;

	smp_test_rmtree(f->dir);
	g_free(f->dir);
	g_free(f->in);
	g_free(f->out);
	g_free(f->composite);
	g_free(f->record);
	return 0;
}

/* Verify @composite against the originals: TRUE when it matches. */
static gboolean
verify(const Fixture *f, const char *composite, const char *expect_reason)
{
	SmpVerifyResult r;
	GError *error = NULL;
	gboolean match;

	assert_true(smp_provenance_verify(composite, f->in, &r, &error));
	assert_no_gerror(error);
	match = r.match;
	if (expect_reason && !strstr(r.reason ? r.reason : "", expect_reason))
		fail_msg("'%s' not in '%s'", expect_reason, r.reason);
	smp_verify_result_clear(&r);
	return match;
}

static void
test_provenance_record_names_originals_and_pipeline(void **state)
{
	Fixture *f = *state;
	g_autoptr(JsonParser) p = json_parser_new();
	g_autofree char *sha = NULL;
	g_autofree char *before = g_build_filename(f->in, "before.jpg", NULL);
	JsonObject *rec, *orig;

	assert_true(json_parser_load_from_file(p, f->record, NULL));
	rec = json_node_get_object(json_parser_get_root(p));
	assert_string_equal(
		json_object_get_string_member(rec, "format"), SMP_PROVENANCE_FORMAT);
	orig = json_array_get_object_element(
		json_object_get_array_member(rec, "originals"), 0);
	sha = smp_file_sha256(before, NULL);
	assert_string_equal(json_object_get_string_member(orig, "sha256"), sha);
	assert_non_null(json_object_get_object_member(orig, "normalise"));
	assert_string_equal(
		json_object_get_string_member(
			json_object_get_object_member(rec, "pipeline"), "text"),
		portfolio_text);
	assert_true(json_object_get_boolean_member(
		json_object_get_object_member(rec, "registration"), "ok"));
	/* Cropped to the dotted region: a rectangle is recorded. */
	assert_int_equal(
		json_array_get_length(json_object_get_array_member(
			json_object_get_object_member(rec, "composite_params"), "roi")),
		4);
}

static void
test_provenance_untouched_composite_matches(void **state)
{
	Fixture *f = *state;

	assert_true(verify(f, f->composite, NULL));
}

/* The composite decoded, with pixel (x, y) inverted when @x >= 0, saved
 * losslessly as c.png beside it (same stem, so the same record).
 */
static char *
png_copy(const Fixture *f, int x, int y)
{
	g_autoptr(VipsImage) in = vips_image_new_from_file(f->composite, NULL);
	g_autoptr(VipsImage) mem = vips_image_copy_memory(in);
	char *path = g_build_filename(f->out, "c.png", NULL);

	assert_non_null(mem);
	if (x >= 0) {
		VipsPel *p = VIPS_IMAGE_ADDR(mem, x, y);
		double ink[3] = {255 - p[0], 255 - p[1], 255 - p[2]};

		assert_vips_ok(vips_draw_rect(mem, ink, 3, x, y, 1, 1, NULL));
	}
	assert_vips_ok(vips_image_write_to_file(mem, path, NULL));
	return path;
}

static void
test_provenance_one_pixel_changed_is_rejected(void **state)
{
	Fixture *f = *state;
	g_autofree char *same = png_copy(f, -1, -1);
	g_autofree char *changed = NULL;

	/* The lossless copy still matches: only the pixel makes the change. */
	assert_true(verify(f, same, NULL));
	changed = png_copy(f, 100, 80);
	assert_false(verify(f, changed, "pixels differ"));
	g_unlink(changed);
}

/* Rewrite the record with member @key of composite_params set to @value,
 * or the pipeline text changed when @key is NULL; returns the original.
 */
static char *
edit_record(const Fixture *f, const char *key, gint64 value)
{
	char *orig = NULL;
	g_autoptr(JsonParser) p = json_parser_new();
	g_autofree char *text = NULL;
	JsonObject *rec;

	assert_true(g_file_get_contents(f->record, &orig, NULL, NULL));
	assert_true(json_parser_load_from_data(p, orig, -1, NULL));
	rec = json_node_get_object(json_parser_get_root(p));
	if (key)
		json_object_set_int_member(
			json_object_get_object_member(rec, "composite_params"), key, value);
	else
		json_object_set_string_member(
			json_object_get_object_member(rec, "pipeline"), "text",
			"[output]\npurpose=portfolio\n[consent]\nrequire=marketing\n");
	text = json_to_string(json_parser_get_root(p), TRUE);
	assert_true(g_file_set_contents(f->record, text, -1, NULL));
	return orig;
}

static void
test_provenance_other_parameters_are_rejected(void **state)
{
	Fixture *f = *state;
	g_autofree char *orig = edit_record(f, "jpeg_quality", 60);
	g_autofree char *again = NULL;

	assert_false(verify(f, f->composite, "pixels differ"));
	assert_true(g_file_set_contents(f->record, orig, -1, NULL));
	/* A pipeline text that is not the hashed one. */
	again = edit_record(f, NULL, 0);
	assert_false(verify(f, f->composite, "hash"));
	assert_true(g_file_set_contents(f->record, orig, -1, NULL));
}

static void
test_provenance_missing_originals_are_named(void **state)
{
	Fixture *f = *state;
	SmpVerifyResult r;
	GError *error = NULL;

	assert_false(smp_provenance_verify(f->composite, f->out, &r, &error));
	assert_non_null(error);
	assert_non_null(strstr(error->message, "original"));
	g_clear_error(&error);
}

/* A portfolio composite in @fmt ("png", "webp") verifies untouched;
 * saved again losslessly in its format with one pixel changed, it is
 * rejected (and unchanged, still accepted: only the pixel differs).
 */
static void
check_format(const Fixture *f, const char *fmt)
{
	g_autofree char *text =
		g_strdup_printf("%s[composite]\nformat=%s\n", portfolio_text, fmt);
	g_autofree char *out = g_build_filename(f->dir, fmt, NULL);
	g_autofree char *name = g_strdup_printf("c.%s", fmt);
	g_autofree char *comp = g_build_filename(out, name, NULL);
	g_autofree char *copy_name = g_strdup_printf("c.%s[lossless]", fmt);
	g_autofree char *copy = g_build_filename(out, copy_name, NULL);
	g_autoptr(VipsImage) in = NULL;
	g_autoptr(VipsImage) mem = NULL;
	g_autoptr(JsonParser) p = json_parser_new();
	g_autofree char *record = NULL;
	gboolean lossless_png = strcmp(fmt, "png") == 0;
	VipsPel *px;
	double ink[3];

	g_mkdir(out, 0755);
	write_pair_with((Fixture *) f, text, out);
	record = g_build_filename(out, "c" SMP_PROVENANCE_SUFFIX, NULL);
	assert_true(json_parser_load_from_file(p, record, NULL));
	assert_string_equal(json_object_get_string_member(
							json_object_get_object_member(
								json_node_get_object(json_parser_get_root(p)),
								"composite_params"),
							"format"),
		fmt);
	assert_true(verify(f, comp, NULL));
	/* The decoded pixels, written back in the same format losslessly. */
	in = vips_image_new_from_file(comp, "access", VIPS_ACCESS_RANDOM, NULL);
	assert_non_null(in);
	mem = vips_image_copy_memory(in);
	assert_non_null(mem);
	g_clear_object(&in);
	assert_vips_ok(
		vips_image_write_to_file(mem, lossless_png ? comp : copy, NULL));
	assert_true(verify(f, comp, NULL));
	px = VIPS_IMAGE_ADDR(mem, 100, 80);
	ink[0] = 255 - px[0];
	ink[1] = 255 - px[1];
	ink[2] = 255 - px[2];
	assert_vips_ok(vips_draw_rect(mem, ink, 3, 100, 80, 1, 1, NULL));
	assert_vips_ok(
		vips_image_write_to_file(mem, lossless_png ? comp : copy, NULL));
	assert_false(verify(f, comp, "pixels differ"));
}

static void
test_provenance_png_composite_verifies(void **state)
{
	check_format(*state, "png");
}

static void
test_provenance_webp_composite_verifies(void **state)
{
	check_format(*state, "webp");
}

/* A logo of @w x @h, grey @level with alpha @level, at @path. */
static void
write_logo(const char *path, int w, int h, double level)
{
	g_autoptr(VipsImage) black = NULL;
	g_autoptr(VipsImage) logo = NULL;

	assert_vips_ok(vips_black(&black, w, h, "bands", 4, NULL));
	assert_vips_ok(vips_linear1(black, &logo, 1, level, "uchar", TRUE, NULL));
	assert_vips_ok(vips_image_write_to_file(logo, path, NULL));
}

/* An image watermark and no label bars are recorded: the composite
 * verifies; with another logo under the same name it is refused, and the
 * reason names the watermark image.
 */
static void
test_provenance_image_watermark_and_no_labels(void **state)
{
	Fixture *f = *state;
	g_autofree char *logo = g_build_filename(f->dir, "logo.png", NULL);
	g_autofree char *out = g_build_filename(f->dir, "wm", NULL);
	g_autofree char *comp = g_build_filename(out, "c.jpg", NULL);
	g_autofree char *text = NULL;

	write_logo(logo, 60, 30, 200);
	text = g_strdup_printf(
		"%s[composite]\nwatermark_image=%s\nlabels=0\n", portfolio_text, logo);
	g_mkdir(out, 0755);
	write_pair_with(f, text, out);
	assert_true(verify(f, comp, NULL));
	write_logo(logo, 60, 30, 90);
	assert_false(verify(f, comp, "watermark image"));
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_provenance_record_names_originals_and_pipeline),
	cmocka_unit_test(test_provenance_image_watermark_and_no_labels),
	cmocka_unit_test(test_provenance_untouched_composite_matches),
	cmocka_unit_test(test_provenance_one_pixel_changed_is_rejected),
	cmocka_unit_test(test_provenance_other_parameters_are_rejected),
	cmocka_unit_test(test_provenance_missing_originals_are_named),
	cmocka_unit_test(test_provenance_png_composite_verifies),
	cmocka_unit_test(test_provenance_webp_composite_verifies),
};

static int
group_setup(void **state)
{
	return smp_test_vips_setup(state) || setup(state);
}

static int
group_teardown(void **state)
{
	return teardown(state) || smp_test_vips_teardown(state);
}

int
main(int argc, char **argv)
{
	if (argc > 1)
		cmocka_set_test_filter(argv[1]);
	return cmocka_run_group_tests_name(
		"provenance", tests, group_setup, group_teardown);
}
