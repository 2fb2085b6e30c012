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

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_report_pair_sidecar_round_trips),
	cmocka_unit_test(test_report_measurement_with_dots),
	cmocka_unit_test(test_report_orientation_actions_named),
};

SMP_TEST_MAIN("report", tests)
