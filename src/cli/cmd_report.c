/* smpdoc report: a static HTML report over a pair or batch output folder.
 * SPDX-License-Identifier: MIT
 */
#include <stdio.h>

#include "cli.h"
#include "smpdoc/html.h"

static char *originals;
static int thumb_px = SMP_HTML_THUMB_PX_DEFAULT;
static char *title;
static gboolean quiet;
static char **args;

static const GOptionEntry entries[] = {
	{"originals", 0, 0, G_OPTION_ARG_FILENAME, &originals,
		"Folder the sidecars' photo paths are relative to (the manifest's "
		"folder), for pairs whose composite has no usable panels",
		"DIR"},
	{"thumb-px", 0, 0, G_OPTION_ARG_INT, &thumb_px,
		"Long edge of the slider thumbnails (default 960)", "PX"},
	{"title", 0, 0, G_OPTION_ARG_STRING, &title, "Page title", "TEXT"},
	{"quiet", 'q', 0, G_OPTION_ARG_NONE, &quiet, "Print nothing on success",
		NULL},
	{G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &args, NULL, "DIR"},
	{NULL}};

/* Exit code when no report could be written: a full disk is worth a
 * retry, anything else means nothing could be done.
 */
static int
report_failed(GError *error)
{
	int code = smp_error_exit_code(error);

	smp_cli_print_error(error);
	g_error_free(error);
	return code == SMP_EXIT_TRANSIENT || code == SMP_EXIT_USAGE
		? code
		: SMP_EXIT_FATAL;
}

int
smp_cmd_report(int argc, char **argv)
{
	g_autoptr(GOptionContext) context = smp_cli_context_new("DIR",
		"Write DIR/report/index.html: a before/after slider, the metrics and "
		"the\nwarnings of every pair, each client's density over sessions "
		"and a summary\nof counts, failures and pipeline. Thumbnails go to "
		"DIR/report/thumbs/ and\na copy of the data to DIR/report/data/. "
		"The page needs no server and\nfetches nothing: open it from the "
		"file system.",
		entries);
	SmpHtmlOptions o;
	SmpHtmlSummary s = {0};
	GError *error = NULL;
	int code;

	if ((code = smp_cli_parse(context, &argc, &argv)))
		return code;
	if (!args || g_strv_length(args) != 1)
		return smp_cli_usage_error(context, "report: give one DIR");
	if (thumb_px < 16 || thumb_px > SMP_HTML_THUMB_PX_MAX)
		return smp_cli_usage_error(context,
			"report: --thumb-px must be 16 to %d", SMP_HTML_THUMB_PX_MAX);
	smp_html_options_default(&o);
	o.originals = originals;
	o.thumb_px = thumb_px;
	o.title = title;
	if (!smp_html_report(args[0], &o, &s, &error))
		return report_failed(error);
	for (guint i = 0; i < s.notes->len; i++)
		fprintf(stderr, "smpdoc: %s\n", (char *) s.notes->pdata[i]);
	if (!quiet)
		fprintf(stderr,
			"smpdoc: report: %s: %d pairs (%d with a slider), "
			"%d failures listed\n",
			s.index, s.pairs, s.sliders, s.failures);
	code = s.notes->len ? SMP_EXIT_SOME_FAILED : SMP_EXIT_OK;
	smp_html_summary_clear(&s);
	g_strfreev(args);
	return code;
}
