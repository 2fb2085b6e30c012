/* A time budget per input file (--timeout-per-file): a file that takes too
 * long fails alone, with a clear message, and the run goes on.
 * SPDX-License-Identifier: MIT
 */
#ifndef SMPDOC_BUDGET_H
#define SMPDOC_BUDGET_H

#include <glib.h>
#include <vips/vips.h>

G_BEGIN_DECLS

/* Default seconds per file; 0 means no budget. */
#define SMP_TIMEOUT_PER_FILE_DEFAULT 0.0
/* Largest budget accepted from an option or a pipeline (a day). */
#define SMP_TIMEOUT_PER_FILE_MAX 86400.0

/* The budget of one file, owned by the thread that works on it. */
typedef struct SmpBudget {
	char *path; /* the file, for messages */
	double seconds; /* as given */
	gint64 deadline_us; /* g_get_monotonic_time() value */
	gint expired; /* set once the deadline has passed (atomic) */
} SmpBudget;

/* Start a budget of @seconds for @path and make it the calling thread's
 * current one, until smp_budget_end(). Budgets do not nest: a thread works
 * on one file at a time. @seconds <= 0 gives no budget (NULL), and the
 * other functions then do nothing.
 *
 * Returns: (transfer full) the budget or NULL; end it with smp_budget_end().
 */
SmpBudget *smp_budget_begin(const char *path, double seconds);

/* Stop being the calling thread's budget, and free @b (NULL is fine). */
void smp_budget_end(SmpBudget *b);

/* FALSE, with @error (SMP_ERROR_LIMIT, "PATH: STAGE: over the N s time
 * budget per file (--timeout-per-file)"), once the calling thread's budget
 * has run out; TRUE otherwise, and always without a budget. Long loops and
 * stage boundaries call it.
 */
gboolean smp_budget_check(const char *stage, GError **error);

/* Let the calling thread's budget stop the evaluation of @image: its
 * "eval" progress signal checks the deadline and, past it, kills the
 * image (vips_image_set_kill), so the sink computing it fails. The
 * handler is bound to this budget and this image only, so it cannot fire
 * on another file's images; call smp_budget_unwatch() with the returned
 * id after the evaluation.
 *
 * Returns: the handler id, 0 without a budget.
 */
gulong smp_budget_watch(VipsImage *image);
void smp_budget_unwatch(VipsImage *image, gulong id);

G_END_DECLS

#endif /* SMPDOC_BUDGET_H */
