/* Per-file time budgets: a deadline per worker thread, checked between
 * stages and strips, and a libvips "eval" watchdog that kills the image
 * being computed when the deadline passes.
 * SPDX-License-Identifier: MIT
 */
#include <glib.h>
#include <vips/vips.h>

#include "smpdoc/budget.h"
#include "smpdoc/error.h"

/* The budget of the file this thread works on; not owned. */
static GPrivate current;

SmpBudget *
smp_budget_begin(const char *path, double seconds)
{
	SmpBudget *b;

	if (!(seconds > 0))
		return NULL;
	b = g_new0(SmpBudget, 1);
	b->path = g_strdup(path);
	b->seconds = seconds;
	b->deadline_us = g_get_monotonic_time() + (gint64) (seconds * 1e6);
	g_private_set(&current, b);
	return b;
}

void
smp_budget_end(SmpBudget *b)
{
	if (!b)
		return;
	if (g_private_get(&current) == b)
		g_private_set(&current, NULL);
	g_free(b->path);
	g_free(b);
}

static gboolean
over(SmpBudget *b)
{
	if (g_atomic_int_get(&b->expired))
		return TRUE;
	if (g_get_monotonic_time() < b->deadline_us)
		return FALSE;
	g_atomic_int_set(&b->expired, 1);
	return TRUE;
}

gboolean
smp_budget_check(const char *stage, GError **error)
{
	SmpBudget *b = g_private_get(&current);

	if (!b || !over(b))
		return TRUE;
	g_set_error(error, SMP_ERROR, SMP_ERROR_LIMIT,
		"%s: %s: over the %g s time budget per file (--timeout-per-file)",
		b->path, stage, b->seconds);
	return FALSE;
}

/* libvips emits "eval" on the image it computes, from the thread that
 * asked for it, as tiles complete.
 */
static void
on_eval(VipsImage *image, VipsProgress *progress, gpointer data)
{
	(void) progress;
	if (over(data))
		vips_image_set_kill(image, TRUE);
}

gulong
smp_budget_watch(VipsImage *image)
{
	SmpBudget *b = g_private_get(&current);

	if (!b)
		return 0;
	vips_image_set_progress(image, TRUE);
	return g_signal_connect(image, "eval", G_CALLBACK(on_eval), b);
}

void
smp_budget_unwatch(VipsImage *image, gulong id)
{
	if (!id)
		return;
	g_signal_handler_disconnect(image, id);
	vips_image_set_progress(image, FALSE);
}
