/* Shared pieces of the command-line front end: the command table, option
 * contexts with the libvips group, limit options and error reporting.
 * Only src/cli/ prints usage or decides exit codes.
 * SPDX-License-Identifier: MIT
 */
#ifndef SMPDOC_CLI_H
#define SMPDOC_CLI_H

#include <glib.h>

#include "smpdoc/budget.h"
#include "smpdoc/error.h"
#include "smpdoc/photo.h"
#include "smpdoc/pipeline.h"

/* One subcommand: `smpdoc NAME ...` calls run(argc, argv) with argv[0] set
 * to "smpdoc NAME". Returns the process exit code.
 */
typedef struct SmpCommand {
	const char *name;
	const char *summary;
	int (*run)(int argc, char **argv);
} SmpCommand;

int smp_cmd_batch(int argc, char **argv);
int smp_cmd_merge(int argc, char **argv);
int smp_cmd_timeline(int argc, char **argv);
int smp_cmd_inspect(int argc, char **argv);
int smp_cmd_measure(int argc, char **argv);
int smp_cmd_pair(int argc, char **argv);
int smp_cmd_synth(int argc, char **argv);
int smp_cmd_report(int argc, char **argv);
int smp_cmd_verify(int argc, char **argv);

/* A GOptionContext for a subcommand: @params is the positional part of the
 * usage line ("PHOTO..."), @summary the paragraph under it. The main group
 * holds @entries (may be NULL) plus libvips' --vips-* options.
 * Returns: (transfer full) the context; free with g_option_context_free().
 */
GOptionContext *smp_cli_context_new(
	const char *params, const char *summary, const GOptionEntry *entries);

/* Parse @argv with @context. Returns: 0, or the usage exit code after
 * printing the reason.
 */
int smp_cli_parse(GOptionContext *context, int *argc, char ***argv);

/* Add the limit options (--max-megapixels, --max-file-mb,
 * --timeout-per-file) to @context; smp_cli_load_limits() then gives their
 * values.
 */
void smp_cli_add_limit_options(GOptionContext *context);

/* The limits to apply: each option when given, else @pipeline's [load]
 * key (when @pipeline is not NULL), else the default. Returns: FALSE
 * with @error (SMP_ERROR_USAGE) for an option out of range.
 */
gboolean smp_cli_load_limits(
	SmpLoadLimits *limits, const SmpPipeline *pipeline, GError **error);

/* Add the measuring options (--sticker-mm, --hairline, --symmetry-axis,
 * --grey-card) to @context as a group. smp_cli_measure_pipeline() then
 * finds the pipeline @name (smp_pipeline_find()) and writes the options
 * given over its keys, in its text too (smp_pipeline_override(): the
 * recorded hash is the settings'). Returns: (transfer full) the pipeline,
 * or NULL with @error (SMP_ERROR_USAGE for a bad option value).
 */
void smp_cli_add_measure_options(GOptionContext *context);
SmpPipeline *smp_cli_measure_pipeline(const char *name, GError **error);

/* Print "smpdoc: MESSAGE" for @error on stderr. */
void smp_cli_print_error(const GError *error);

/* Print @error, free it and return its exit code. */
int smp_cli_fail(GError *error);

/* Exit code for a usage error with a printf-style message. */
int smp_cli_usage_error(GOptionContext *context, const char *fmt, ...)
	G_GNUC_PRINTF(2, 3);

/* A status line on stderr for long runs (progress.c). */
typedef struct SmpCliProgress {
	gboolean enabled;
	gboolean drawn;
	double last;
} SmpCliProgress;

void smp_cli_progress_draw(SmpCliProgress *p, int done, int total, int skipped,
	int failed, double elapsed);
void smp_cli_progress_end(SmpCliProgress *p);

/* Parse --progress auto|always|never into @wanted; auto means "stderr is
 * a terminal".
 */
gboolean smp_cli_progress_parse(
	const char *mode, gboolean *wanted, GError **error);

#endif /* SMPDOC_CLI_H */
