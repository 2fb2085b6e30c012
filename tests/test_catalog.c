/* Tests of the catalogue: rows round-trip, resume look-ups, merging two
 * shards equals writing once, errors.csv quoting, timelines.
 * SPDX-License-Identifier: MIT
 */
#include <math.h>
#include <string.h>

#include <glib.h>

#include "test.h"
#include "smpdoc/catalog.h"

static SmpPhotoRecord
photo(const char *key, const char *client, int session, gboolean ok)
{
	SmpPhotoRecord r = {0};

	r.key = key;
	r.content_sha256 = "c";
	r.pipeline_sha256 = "p";
	r.source = key;
	r.client = client;
	r.session = session;
	r.view = "top";
	r.ok = ok;
	r.error = ok ? NULL : "load: truncated JPEG, \"badly\"";
	r.dot_count = 100 + session;
	r.per_cm2 = 100.0 + 10 * session;
	r.per_cm2_lo = r.per_cm2 - 5;
	r.per_cm2_hi = r.per_cm2 + 5;
	r.per_mpx = NAN;
	r.coverage = 0.1 + 0.01 * session;
	r.nn_mean_mm = NAN;
	r.clark_evans = NAN;
	return r;
}

static SmpCatalog *
open_new(const char *dir, const char *name)
{
	g_autofree char *path = g_build_filename(dir, name, NULL);
	GError *error = NULL;
	SmpCatalog *c = smp_catalog_open(path, TRUE, &error);

	assert_no_gerror(error);
	return c;
}

static void
test_catalog_rows_and_status(void **state)
{
	g_autofree char *dir = smp_test_tmpdir();
	SmpCatalog *c = open_new(dir, "catalog.sqlite");
	SmpPhotoRecord a = photo("a", "c01", 0, TRUE);
	SmpPhotoRecord b = photo("b", "c01", 1, FALSE);
	SmpPairRecord p = {0};
	GError *error = NULL;
	int pd, pf, qd, qf;

	(void) state;
	p.key = "a|b";
	p.before_key = "a";
	p.after_key = "b";
	p.pipeline_sha256 = "p";
	p.client = "c01";
	p.view = "top";
	p.session_after = 1;
	p.ok = FALSE;
	p.error = "after photo failed";
	p.new_dots = -1;
	p.persisting_dots = -1;
	assert_true(smp_catalog_begin(c, &error));
	assert_true(smp_catalog_put_photo(c, &a, &error));
	assert_true(smp_catalog_put_photo(c, &b, &error));
	assert_true(smp_catalog_put_pair(c, &p, &error));
	assert_true(smp_catalog_commit(c, &error));
	assert_no_gerror(error);
	assert_int_equal(smp_catalog_photo_status(c, "a"), SMP_ROW_DONE);
	assert_int_equal(smp_catalog_photo_status(c, "b"), SMP_ROW_FAILED);
	assert_int_equal(smp_catalog_photo_status(c, "zz"), SMP_ROW_ABSENT);
	assert_int_equal(smp_catalog_pair_status(c, "a|b"), SMP_ROW_FAILED);
	smp_catalog_counts(c, &pd, &pf, &qd, &qf);
	assert_int_equal(pd, 1);
	assert_int_equal(pf, 1);
	assert_int_equal(qd, 0);
	assert_int_equal(qf, 1);
	/* Replacing a row (a retry that worked) changes its status. */
	b.ok = TRUE;
	b.error = NULL;
	assert_true(smp_catalog_put_photo(c, &b, &error));
	assert_int_equal(smp_catalog_photo_status(c, "b"), SMP_ROW_DONE);
	smp_catalog_close(c);
	smp_test_rmtree(dir);
}

static void
test_catalog_errors_csv_quotes_and_orders(void **state)
{
	g_autofree char *dir = smp_test_tmpdir();
	SmpCatalog *c = open_new(dir, "catalog.sqlite");
	SmpPhotoRecord z = photo("z/top.jpg", "c02", 0, FALSE);
	SmpPhotoRecord a = photo("a/top.jpg", "c01", 0, FALSE);
	g_autofree char *csv = NULL;

	(void) state;
	assert_true(smp_catalog_put_photo(c, &z, NULL));
	assert_true(smp_catalog_put_photo(c, &a, NULL));
	csv = smp_catalog_errors_csv(c, NULL);
	assert_string_equal(csv,
		"source,stage,reason\n"
		"a/top.jpg,photo,\"load: truncated JPEG, \"\"badly\"\"\"\n"
		"z/top.jpg,photo,\"load: truncated JPEG, \"\"badly\"\"\"\n");
	smp_catalog_close(c);
	smp_test_rmtree(dir);
}

static void
test_catalog_merge_of_shards_equals_one(void **state)
{
	g_autofree char *dir = smp_test_tmpdir();
	g_autofree char *s1 = g_build_filename(dir, "s1.sqlite", NULL);
	g_autofree char *s2 = g_build_filename(dir, "s2.sqlite", NULL);
	SmpCatalog *one = open_new(dir, "one.sqlite");
	SmpCatalog *a = open_new(dir, "s1.sqlite");
	SmpCatalog *b = open_new(dir, "s2.sqlite");
	SmpCatalog *merged = open_new(dir, "merged.sqlite");
	g_autoptr(GPtrArray) t1 = NULL;
	g_autoptr(GPtrArray) t2 = NULL;
	GError *error = NULL;
	int pd, pf, qd, qf;

	(void) state;
	for (int i = 0; i < 6; i++) {
		g_autofree char *key = g_strdup_printf("k%d", i);
		SmpPhotoRecord r = photo(key, i < 3 ? "c01" : "c02", i % 3, TRUE);

		assert_true(smp_catalog_put_photo(one, &r, NULL));
		assert_true(smp_catalog_put_photo(i < 3 ? a : b, &r, NULL));
	}
	smp_catalog_close(a);
	smp_catalog_close(b);
	assert_true(smp_catalog_merge(merged, s1, &error));
	assert_true(smp_catalog_merge(merged, s2, &error));
	assert_no_gerror(error);
	smp_catalog_counts(merged, &pd, &pf, &qd, &qf);
	assert_int_equal(pd, 6);
	t1 = smp_catalog_timeline(one, "c02", NULL);
	t2 = smp_catalog_timeline(merged, "c02", NULL);
	assert_int_equal(t1->len, 3);
	assert_int_equal(t2->len, 3);
	for (guint i = 0; i < t1->len; i++) {
		SmpTimelineRow *x = g_ptr_array_index(t1, i);
		SmpTimelineRow *y = g_ptr_array_index(t2, i);

		assert_int_equal(x->session, (int) i);
		assert_int_equal(x->session, y->session);
		assert_true(x->per_cm2 == y->per_cm2);
		assert_true(isnan(y->per_mpx));
	}
	smp_catalog_close(one);
	smp_catalog_close(merged);
	smp_test_rmtree(dir);
}

static void
test_catalog_open_missing_without_create_fails(void **state)
{
	GError *error = NULL;
	SmpCatalog *c =
		smp_catalog_open("/nonexistent/dir/catalog.sqlite", FALSE, &error);

	(void) state;
	assert_null(c);
	assert_non_null(error);
	assert_non_null(strstr(error->message, "/nonexistent/dir"));
	g_error_free(error);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_catalog_rows_and_status),
	cmocka_unit_test(test_catalog_errors_csv_quotes_and_orders),
	cmocka_unit_test(test_catalog_merge_of_shards_equals_one),
	cmocka_unit_test(test_catalog_open_missing_without_create_fails),
};

SMP_TEST_MAIN("catalog", tests)
