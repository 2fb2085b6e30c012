/* Per-file time budgets: the deadline, the libvips watchdog, and that a
 * budget never reaches another file or thread. Budgets here are already
 * over (a nanosecond) or far away (an hour), so nothing depends on timing.
 * SPDX-License-Identifier: MIT
 */
#include <string.h>

#include "test.h"
#include "smpdoc/budget.h"
#include "smpdoc/error.h"
#include "smpdoc/photo.h"

#define SPENT 1e-9
#define HOUR 3600.0

static void
test_budget_none_never_fails(void **state)
{
	g_autoptr(GError) error = NULL;

	(void) state;
	assert_null(smp_budget_begin("a.jpg", 0));
	assert_true(smp_budget_check("load", &error));
	assert_null(error);
}

static void
test_budget_spent_fails_with_the_file_and_ends(void **state)
{
	g_autoptr(GError) error = NULL;
	SmpBudget *b = smp_budget_begin("slow.jpg", SPENT);

	(void) state;
	g_usleep(1000);
	assert_false(smp_budget_check("detect", &error));
	assert_true(g_error_matches(error, SMP_ERROR, SMP_ERROR_LIMIT));
	assert_non_null(strstr(error->message, "slow.jpg: detect: over the"));
	assert_non_null(strstr(error->message, "--timeout-per-file"));
	smp_budget_end(b);
	g_clear_error(&error);
	/* The next file starts clean. */
	assert_true(smp_budget_check("load", &error));
	b = smp_budget_begin("next.jpg", HOUR);
	assert_true(smp_budget_check("load", &error));
	smp_budget_end(b);
}

static gpointer
spend_in_thread(gpointer data)
{
	SmpBudget *b = smp_budget_begin("other-thread.jpg", SPENT);
	gboolean ok;

	(void) data;
	g_usleep(1000);
	ok = smp_budget_check("load", NULL);
	smp_budget_end(b);
	return GINT_TO_POINTER(ok);
}

static void
test_budget_belongs_to_its_thread(void **state)
{
	SmpBudget *mine = smp_budget_begin("mine.jpg", HOUR);
	GThread *t = g_thread_new("spender", spend_in_thread, NULL);

	(void) state;
	/* The other thread's file ran out; this thread's did not. */
	assert_false(GPOINTER_TO_INT(g_thread_join(t)));
	assert_true(smp_budget_check("load", NULL));
	smp_budget_end(mine);
}

/* A lazy libvips chain big enough to take many tiles. */
static VipsImage *
chain(void)
{
	VipsImage *black, *noisy;

	assert_int_equal(vips_black(&black, 2048, 2048, "bands", 3, NULL), 0);
	assert_int_equal(vips_gaussblur(black, &noisy, 2.0, NULL), 0);
	g_object_unref(black);
	return noisy;
}

static void
test_budget_watchdog_kills_only_its_image(void **state)
{
	g_autoptr(VipsImage) watched = chain();
	g_autoptr(VipsImage) other = chain();
	SmpBudget *b = smp_budget_begin("huge.jpg", SPENT);
	VipsImage *out;
	gulong id;

	(void) state;
	g_usleep(1000);
	id = smp_budget_watch(watched);
	assert_true(id != 0);
	out = vips_image_copy_memory(watched);
	assert_null(out);
	vips_error_clear();
	smp_budget_unwatch(watched, id);
	smp_budget_end(b);
	/* An image of another file, computed after, is not touched. */
	out = vips_image_copy_memory(other);
	assert_non_null(out);
	g_object_unref(out);
}

static void
test_budget_spent_photo_load_fails_alone(void **state)
{
	g_autofree char *path = smp_test_shared("exif-orientation/Landscape_1.jpg");
	g_autoptr(GError) error = NULL;
	SmpBudget *b = smp_budget_begin(path, SPENT);
	SmpPhoto *photo;

	(void) state;
	g_usleep(1000);
	photo = smp_photo_load(path, NULL, &error);
	smp_budget_end(b);
	assert_null(photo);
	assert_true(g_error_matches(error, SMP_ERROR, SMP_ERROR_LIMIT));
	assert_non_null(strstr(error->message, "Landscape_1.jpg: load: over the"));
	g_clear_error(&error);
	b = smp_budget_begin(path, HOUR);
	photo = smp_photo_load(path, NULL, &error);
	smp_budget_end(b);
	assert_non_null(photo);
	smp_photo_free(photo);
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_budget_none_never_fails),
		cmocka_unit_test(test_budget_spent_fails_with_the_file_and_ends),
		cmocka_unit_test(test_budget_belongs_to_its_thread),
		cmocka_unit_test(test_budget_watchdog_kills_only_its_image),
		cmocka_unit_test(test_budget_spent_photo_load_fails_alone),
	};

	return smp_test_run("budget", tests, G_N_ELEMENTS(tests), argc, argv);
}
