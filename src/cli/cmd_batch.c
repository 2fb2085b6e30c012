/* smpdoc batch: a whole archive, unattended, resumable and shardable.
 * SPDX-License-Identifier: MIT
 */
#include <stdio.h>

#include <vips/vips.h>

#include "cli.h"
#include "smpdoc/batch.h"
#include "smpdoc/manifest.h"
#include "smpdoc/pair.h"

static char *out_dir;
static char *pipeline_name;
static int jobs;
static char *shard;
static gboolean resume;
static gboolean dry_run;
static char *progress_mode;
static gboolean quiet;
static char *format_name;
static char **inputs;

static const GOptionEntry entries[] = {
	{"output", 'o', 0, G_OPTION_ARG_FILENAME, &out_dir,
		"Write into DIR (required; created when missing)", "DIR"},
	{"pipeline", 0, 0, G_OPTION_ARG_FILENAME, &pipeline_name,
		"Pipeline name or file (default: built-in defaults)", "NAME|FILE"},
	{"jobs", 'j', 0, G_OPTION_ARG_INT, &jobs,
		"Photos processed in parallel (default: the number of cores)", "N"},
	{"shard", 0, 0, G_OPTION_ARG_STRING, &shard,
		"Take only the clients of shard K of N (0-based, e.g. "
		"$SLURM_ARRAY_TASK_ID/N)",
		"K/N"},
	{"resume", 0, 0, G_OPTION_ARG_NONE, &resume,
		"Skip photos and pairs the catalogue records as complete", NULL},
	{"dry-run", 'n', 0, G_OPTION_ARG_NONE, &dry_run,
		"List the work and write nothing", NULL},
	{"progress", 0, 0, G_OPTION_ARG_STRING, &progress_mode,
		"Status line on stderr: auto (a terminal), always, never", "WHEN"},
	{"format", 0, 0, G_OPTION_ARG_STRING, &format_name,
		"Composite format: jpeg, png or webp (default: the pipeline's, jpeg)",
		"FORMAT"},
	{"quiet", 'q', 0, G_OPTION_ARG_NONE, &quiet,
		"Print only failures and the summary's exit status", NULL},
	{G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &inputs, NULL,
		"MANIFEST.csv|ARCHIVE"},
	{NULL}};

typedef struct Ui {
	SmpCliProgress bar;
} Ui;

static void
on_log(const char *line, gpointer data)
{
	Ui *ui = data;

	smp_cli_progress_end(&ui->bar);
	if (dry_run)
		printf("%s\n", line);
	else
		fprintf(stderr, "smpdoc: %s\n", line);
}

static void
on_progress(const SmpBatchProgress *p, gpointer data)
{
	Ui *ui = data;

	smp_cli_progress_draw(
		&ui->bar, p->done, p->total, p->skipped, p->failed, p->elapsed_s);
}

static void
print_summary(const SmpBatchSummary *s)
{
	double n = s->photos_done + s->pairs_done;

	fprintf(stderr,
		"smpdoc: batch: photos %d done, %d failed, %d already complete; "
		"pairs %d done, %d failed, %d already complete; %.1f s (%.0f "
		"items/h)\n",
		s->photos_done, s->photos_failed, s->photos_skipped, s->pairs_done,
		s->pairs_failed, s->pairs_skipped, s->elapsed_s,
		s->elapsed_s > 0 ? n * 3600 / s->elapsed_s : 0);
	if (s->pairs_not_aligned)
		fprintf(stderr,
			"smpdoc: batch: %d pairs NOT ALIGNED (composites "
			"say so)\n",
			s->pairs_not_aligned);
	if (s->photos_refused + s->pairs_refused)
		fprintf(stderr,
			"smpdoc: batch: %d photos and %d pairs refused (consent or "
			"mismatch gate; not failures), listed in %s/errors.csv\n",
			s->photos_refused, s->pairs_refused, out_dir);
	if (s->pairs_withdrawn)
		fprintf(stderr,
			"smpdoc: batch: %d pairs' portfolio outputs removed (consent "
			"withdrawn; recorded in the catalogue's withdrawals table)\n",
			s->pairs_withdrawn);
	if (s->photos_failed + s->pairs_failed)
		fprintf(stderr, "smpdoc: batch: failures listed in %s/errors.csv\n",
			out_dir);
}

/* Images in parallel with -j, libvips' own pool inside each image: the
 * cores are split between the two (CONVENTIONS.md).
 */
static void
balance_threads(SmpBatchOptions *o)
{
	int cores = (int) g_get_num_processors();

	o->jobs = jobs > 0 ? jobs : cores;
	if (!g_getenv("VIPS_CONCURRENCY"))
		vips_concurrency_set(MAX(1, cores / o->jobs));
}

static int
run(const SmpPipeline *pipeline)
{
	SmpBatchOptions o = {0};
	SmpCompositeParams cp;
	SmpBatchSummary s;
	Ui ui = {{0}};
	GError *error = NULL;

	o.input = inputs[0];
	o.out_dir = out_dir;
	o.pipeline = pipeline;
	if (format_name) {
		smp_pair_composite_params(pipeline, &cp);
		smp_format_parse(format_name, &cp.format);
		o.composite = &cp;
	}
	if (!smp_cli_load_limits(&o.limits, pipeline, &error))
		return smp_cli_fail(error);
	balance_threads(&o);
	o.shard_n = 1;
	if (shard && !smp_shard_parse(shard, &o.shard_k, &o.shard_n, &error))
		return smp_cli_fail(error);
	o.resume = resume;
	o.dry_run = dry_run;
	if (!smp_cli_progress_parse(progress_mode, &ui.bar.enabled, &error))
		return smp_cli_fail(error);
	ui.bar.enabled = ui.bar.enabled && !quiet && !dry_run;
	o.log = on_log;
	o.progress = on_progress;
	o.data = &ui;
	if (!smp_batch_run(&o, &s, &error)) {
		smp_cli_progress_end(&ui.bar);
		/* Disk full, read-only output: nothing is lost, say how to go on. */
		if (g_error_matches(error, SMP_ERROR, SMP_ERROR_TRANSIENT))
			g_prefix_error(
				&error, "batch stopped, run again with --resume once fixed: ");
		return smp_cli_fail(error);
	}
	smp_cli_progress_end(&ui.bar);
	if (!dry_run && !quiet)
		print_summary(&s);
	/* A pair shown unaligned is not a success either (issue: never a
	 * silently misaligned pair).
	 */
	return s.photos_failed + s.pairs_failed + s.pairs_not_aligned
		? SMP_EXIT_SOME_FAILED
		: SMP_EXIT_OK;
}

int
smp_cmd_batch(int argc, char **argv)
{
	g_autoptr(GOptionContext) context = smp_cli_context_new(
		"MANIFEST.csv|ARCHIVE -o DIR",
		"Measure every photo of a manifest (FORMATS.md) or of an archive "
		"folder laid out\nas ARCHIVE/<client>/<session>/<view>.<ext>, and "
		"write a composite and sidecar\nfor each pair (session 0 with every "
		"later session of the same client and view).\nResults go to "
		"DIR/catalog.sqlite, failures to DIR/errors.csv. A bad photo never\n"
		"stops the run; a killed run continues with --resume.",
		entries);
	g_autoptr(SmpPipeline) pipeline = NULL;
	GError *error = NULL;
	int code;

	smp_cli_add_limit_options(context);
	if ((code = smp_cli_parse(context, &argc, &argv)))
		return code;
	if (!inputs || g_strv_length(inputs) != 1)
		return smp_cli_usage_error(
			context, "batch: give one manifest or archive folder");
	if (!out_dir && !dry_run)
		return smp_cli_usage_error(context, "batch: -o DIR is required");
	if (format_name && !smp_format_parse(format_name, &(SmpImageFormat){0}))
		return smp_cli_usage_error(
			context, "batch: --format must be jpeg, png or webp");
	if (jobs < 0 || jobs > 256)
		return smp_cli_usage_error(context, "batch: -j must be 1..256");
	pipeline = smp_pipeline_find(pipeline_name, &error);
	if (!pipeline)
		return smp_cli_fail(error);
	code = run(pipeline);
	g_strfreev(inputs);
	return code;
}
