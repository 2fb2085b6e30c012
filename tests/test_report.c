/* Tests of the JSON records: a pair sidecar parses back with the fields
 * and nulls FORMATS.md promises.
 * SPDX-License-Identifier: MIT
 */
#include <math.h>
#include <string.h>

#include <json-glib/json-glib.h>

#include "test.h"
#include "smpdoc/error.h"
#include "smpdoc/report.h"

static JsonObject *
parse_object(const char *text, JsonParser *parser)
{
	GError *error = NULL;

	assert_true(json_parser_load_from_data(parser, text, -1, &error));
	assert_no_gerror(error);
	return json_node_get_object(json_parser_get_root(parser));
}

static void
fill_photo(SmpPhotoReport *r, const char *file, GPtrArray *warnings)
{
	*r = (SmpPhotoReport){0};
	r->file = file;
	r->width = 4000;
	r->height = 3000;
	r->orientation = 6;
	r->px_per_mm = -1;
	r->scale_source = "none";
	r->scale_rel_uncertainty = -1;
	r->roi_px = 12000000;
	r->warnings = warnings;
	for (int i = 0; i < 4; i++)
		r->timing_ms[i] = i == 0 ? 12.34 : -1;
}

static void
test_report_pair_sidecar_round_trips(void **state)
{
	g_autoptr(GPtrArray) warnings = smp_warnings_new();
	g_autoptr(JsonParser) parser = json_parser_new();
	g_autoptr(JsonNode) node = NULL;
	g_autofree char *text = NULL;
	SmpPairReport r = {0};
	SmpRegistrationReport reg = {
		"none", "similarity", {1, 0, 0, 0, 1, 0, 0, 0, 1}, -1, FALSE};
	JsonObject *o, *before, *regobj, *timing;
	JsonArray *matrix, *warr;

	(void) state;
	smp_warnings_add(warnings, "no_scale", "no scale for %s", "b.jpg");
	fill_photo(&r.before, "c01/s0/top.jpg", warnings);
	fill_photo(&r.after, "c01/s1/top.jpg", NULL);
	r.registration = reg;
	r.composite = "c01-top-s0-s1.jpg";
	node = smp_report_pair(&r);
	text = smp_report_to_string(node, TRUE);
	o = parse_object(text, parser);

	before = json_object_get_object_member(o, "before");
	assert_string_equal(
		json_object_get_string_member(before, "file"), "c01/s0/top.jpg");
	assert_int_equal(json_object_get_int_member(before, "width"), 4000);
	assert_int_equal(json_object_get_int_member(before, "orientation"), 6);
	assert_true(json_object_get_null_member(before, "px_per_mm"));
	assert_true(json_object_get_null_member(before, "dots"));
	assert_string_equal(
		json_object_get_string_member(before, "scale_source"), "none");
	warr = json_object_get_array_member(before, "warnings");
	assert_int_equal(json_array_get_length(warr), 1);
	assert_string_equal(json_object_get_string_member(
							json_array_get_object_element(warr, 0), "code"),
		"no_scale");
	timing = json_object_get_object_member(before, "timing_ms");
	assert_true(
		fabs(json_object_get_double_member(timing, "load") - 12.3) < 1e-9);
	assert_true(json_object_get_null_member(timing, "detect"));

	regobj = json_object_get_object_member(o, "registration");
	assert_string_equal(
		json_object_get_string_member(regobj, "method"), "none");
	assert_false(json_object_get_boolean_member(regobj, "ok"));
	assert_true(json_object_get_null_member(regobj, "score"));
	matrix = json_object_get_array_member(regobj, "matrix");
	assert_int_equal(json_array_get_length(matrix), 3);
	assert_true(json_array_get_double_element(
					json_array_get_array_element(matrix, 2), 2) == 1.0);

	assert_string_equal(
		json_object_get_string_member(o, "composite"), "c01-top-s0-s1.jpg");
	assert_string_equal(
		json_object_get_string_member(o, "smpdoc"), SMP_VERSION);
	assert_true(json_object_has_member(o, "change"));
	assert_true(json_object_has_member(o, "pipeline"));
}

/* A measured photo: dots block with items, nulls without a scale, grid
 * arrays of rows × cols, and numbers printed short.
 */
static void
test_report_measurement_with_dots(void **state)
{
	static const SmpDot dots[] = {{12.4f, 873.1f, 3.2f, 0.21f},
		{100.5f, 50.25f, 4.0f, 0.3f}, {300.0f, 200.0f, 5.0f, 0.1f}};
	g_autoptr(JsonParser) parser = json_parser_new();
	g_autoptr(JsonNode) node = NULL;
	g_autoptr(SmpMeasurement) m = NULL;
	g_autofree char *text = NULL;
	SmpMeasureParams mp;
	SmpPhotoReport r;
	JsonObject *o, *d, *grid, *item;
	GError *error = NULL;

	(void) state;
	smp_measure_params_default(&mp);
	m = smp_measure_dots(dots, 3, 400, 1000, NULL, 0, &mp, &error);
	assert_no_gerror(error);
	fill_photo(&r, "x.jpg", NULL);
	r.measurement = m;
	r.dots = dots;
	r.n_dots = 3;
	r.items = TRUE;
	node = smp_report_measurement(&r);
	text = smp_report_to_string(node, FALSE);
	assert_non_null(strstr(text, "\"x\":12.4,"));
	assert_null(strstr(text, "0000000"));
	o = parse_object(text, parser);
	d = json_object_get_object_member(o, "dots");
	assert_int_equal(json_object_get_int_member(d, "count"), 3);
	assert_true(json_object_get_null_member(d, "per_cm2"));
	assert_true(json_object_get_null_member(d, "per_cm2_ci95"));
	assert_true(json_object_get_null_member(d, "diameter_mm"));
	assert_false(json_object_get_null_member(d, "diameter_px"));
	assert_int_equal(
		json_array_get_length(json_object_get_array_member(d, "items")), 3);
	item = json_array_get_object_element(
		json_object_get_array_member(d, "items"), 1);
	assert_true(json_object_get_double_member(item, "y") == 50.25);
	grid = json_object_get_object_member(o, "grid");
	assert_int_equal(
		json_array_get_length(json_object_get_array_member(grid, "per_mpx")),
		json_object_get_int_member(grid, "cols") *
			json_object_get_int_member(grid, "rows"));
	assert_int_equal(
		json_object_get_int_member(
			json_object_get_object_member(o, "large_blobs"), "count"),
		0);
}

static void
test_report_orientation_actions_named(void **state)
{
	(void) state;
	assert_non_null(strstr(smp_report_orientation_action(6), "90°"));
	assert_non_null(strstr(smp_report_orientation_action(1), "upright"));
	assert_non_null(strstr(smp_report_orientation_action(42), "upright"));
}

/* Many dots with awkward values: negative, zero and negative zero, huge,
 * non-finite contrast, values whose rounding is inexact in binary.
 */
static SmpDot *
awkward_dots(gsize n)
{
	SmpDot *d = g_new(SmpDot, n);
	GRand *rand = g_rand_new_with_seed(7);

	for (gsize i = 0; i < n; i++) {
		d[i].x = (float) g_rand_double_range(rand, -5, 70000);
		d[i].y = (float) (i % 7 == 0 ? -0.0 : g_rand_double_range(rand, 0, 9));
		d[i].r = (float) (i % 5 == 0 ? 1e9 : g_rand_double_range(rand, 0, 40));
		d[i].contrast = i % 11 == 0 ? NAN : (float) g_rand_double(rand);
	}
	g_rand_free(rand);
	return d;
}

static char *
write_and_read(
	const char *dir, const char *name, gboolean pair, const void *report)
{
	g_autofree char *path = g_build_filename(dir, name, NULL);
	GError *error = NULL;
	char *text = NULL;

	assert_true(pair ? smp_report_pair_write(report, path, &error)
					 : smp_report_measurement_write(report, path, &error));
	assert_no_gerror(error);
	assert_true(g_file_get_contents(path, &text, NULL, NULL));
	return text;
}

/* The files written with the dots streamed are byte for byte what the
 * tree prints: dots, no large blobs (an empty array), a photo without
 * measurement, and a file name that spells the writer's placeholder.
 */
static void
test_report_streamed_write_is_identical(void **state)
{
	const gsize n = 5000;
	g_autofree SmpDot *dots = awkward_dots(n);
	g_autofree char *dir = smp_test_tmpdir();
	g_autoptr(SmpMeasurement) m = NULL;
	g_autoptr(JsonNode) tree = NULL, pair_tree = NULL;
	g_autofree char *want = NULL, *got = NULL;
	g_autofree char *pair_want = NULL, *pair_got = NULL;
	SmpMeasureParams mp;
	SmpPhotoReport r;
	SmpPairReport pr = {0};
	GError *error = NULL;

	(void) state;
	smp_measure_params_default(&mp);
	m = smp_measure_dots(dots, 40, 4000, 3000, NULL, 0, &mp, &error);
	assert_no_gerror(error);
	fill_photo(&r, "\001smpdoc-items:0\" \"items\" : \"x", NULL);
	r.measurement = m;
	r.dots = dots;
	r.n_dots = n;
	r.large = dots + 10;
	r.n_large = 0;
	r.items = TRUE;
	tree = smp_report_measurement(&r);
	want = smp_report_to_string(tree, TRUE);
	got = write_and_read(dir, "m.json", FALSE, &r);
	assert_int_equal(strlen(got), strlen(want));
	assert_string_equal(got, want);

	pr.before = r;
	pr.before.n_large = 3;
	fill_photo(&pr.after, "after.jpg", NULL);
	pr.registration = (SmpRegistrationReport){
		"none", "similarity", {1, 0, 0, 0, 1, 0, 0, 0, 1}, -1, FALSE};
	pr.composite = "c.jpg";
	pair_tree = smp_report_pair(&pr);
	pair_want = smp_report_to_string(pair_tree, TRUE);
	pair_got = write_and_read(dir, "p.json", TRUE, &pr);
	assert_int_equal(strlen(pair_got), strlen(pair_want));
	assert_string_equal(pair_got, pair_want);
	/* And it is the JSON it claims to be. */
	assert_non_null(strstr(pair_got, "\"items\" : [\n"));
	smp_test_rmtree(dir);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_report_pair_sidecar_round_trips),
	cmocka_unit_test(test_report_measurement_with_dots),
	cmocka_unit_test(test_report_orientation_actions_named),
	cmocka_unit_test(test_report_streamed_write_is_identical),
};

SMP_TEST_MAIN("report", tests)
