/* Tests of the error module: exit codes per error kind, libvips errors
 * captured with file and stage, named warnings.
 * SPDX-License-Identifier: MIT
 */
#include <string.h>

#include <glib.h>

#include "test.h"
#include "smpdoc/error.h"

static void
test_error_exit_codes_follow_design(void **state)
{
	static const struct {
		int code;
		int exit;
	} cases[] = {{SMP_ERROR_IO, 1}, {SMP_ERROR_CORRUPT, 1},
		{SMP_ERROR_LIMIT, 1}, {SMP_ERROR_UNSUPPORTED, 1},
		{SMP_ERROR_CONSENT, 1}, {SMP_ERROR_USAGE, 2}, {SMP_ERROR_CONFIG, 2},
		{SMP_ERROR_TRANSIENT, 75}, {SMP_ERROR_INTERNAL, 3}};

	(void) state;
	assert_int_equal(smp_error_exit_code(NULL), 0);
	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		GError *e = g_error_new(SMP_ERROR, cases[i].code, "x");

		assert_int_equal(smp_error_exit_code(e), cases[i].exit);
		g_error_free(e);
	}
}

static void
test_error_from_vips_names_file_and_stage(void **state)
{
	GError *error = NULL;
	VipsImage *img = vips_image_new_from_file("/no/such/file.jpg", NULL);

	(void) state;
	assert_null(img);
	smp_error_from_vips(&error, SMP_ERROR_IO, "c01/top.jpg", "load");
	assert_non_null(error);
	assert_true(g_str_has_prefix(error->message, "c01/top.jpg: load: "));
	assert_null(strchr(error->message, '\n'));
	/* The process-wide buffer is left clean for the next photo. */
	assert_string_equal(vips_error_buffer(), "");
	g_error_free(error);
}

static void
test_error_warnings_collect_and_copy(void **state)
{
	g_autoptr(GPtrArray) a = smp_warnings_new();
	g_autoptr(GPtrArray) b = smp_warnings_new();

	(void) state;
	smp_warnings_add(a, "blur", "focus %.2f below %.1f", 0.12, 0.2);
	assert_true(smp_warnings_has(a, "blur"));
	assert_false(smp_warnings_has(a, "clipped"));
	smp_warnings_extend(b, a);
	assert_int_equal(b->len, 1);
	assert_string_equal(((SmpWarning *) g_ptr_array_index(b, 0))->message,
		"focus 0.12 below 0.2");
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_error_exit_codes_follow_design),
	cmocka_unit_test(test_error_from_vips_names_file_and_stage),
	cmocka_unit_test(test_error_warnings_collect_and_copy),
};

SMP_TEST_MAIN("error", tests)
