/* smpdoc measure: dot density of photos, measurement JSON on stdout.
 * SPDX-License-Identifier: MIT
 */
#include <stdio.h>

#include <json-glib/json-glib.h>

#include "cli.h"
#include "smpdoc/analysis.h"
#include "smpdoc/report.h"

static double px_per_mm;
static double scale_uncertainty;
static gboolean no_items;
static gboolean no_timing;
static gboolean compact;
static char *pipeline_name;
static char *roi_spec;
static char **files;

static const GOptionEntry entries[] = {
	{"px-per-mm", 0, 0, G_OPTION_ARG_DOUBLE, &px_per_mm,
		"Scale of the photos (pixels per mm); without it densities per cm² "
		"are null",
		"P"},
	{"scale-uncertainty", 0, 0, G_OPTION_ARG_DOUBLE, &scale_uncertainty,
		"Relative 1-sigma uncertainty of --px-per-mm (0.01 = 1%)", "U"},
	{"pipeline", 0, 0, G_OPTION_ARG_FILENAME, &pipeline_name,
		"Pipeline name or file (default: built-in defaults)", "NAME|FILE"},
	{"roi", 0, 0, G_OPTION_ARG_FILENAME, &roi_spec,
		"Region of interest: a polygon x1,y1;x2,y2;... in upright pixels, "
		"or a mask image (non-zero = inside); default the pipeline's, else "
		"the whole photo",
		"POLYGON|MASK"},
	{"no-items", 0, 0, G_OPTION_ARG_NONE, &no_items,
		"Leave out the per-dot items", NULL},
	{"no-timing", 0, 0, G_OPTION_ARG_NONE, &no_timing,
		"Write timings as null, so that outputs are byte-reproducible", NULL},
	{"compact", 0, 0, G_OPTION_ARG_NONE, &compact,
		"One line of JSON instead of indented", NULL},
	{G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &files, NULL,
		"PHOTO..."},
	{NULL}};

static JsonNode *
measure_one(const char *path, const SmpPipeline *pipeline,
	const SmpLoadLimits *limits, GError **error)
{
	g_autoptr(GTimer) timer = g_timer_new();
	SmpBudget *budget = smp_budget_begin(path, limits->timeout_s);
	g_autoptr(SmpPhoto) photo = smp_photo_load(path, limits, error);
	g_autoptr(SmpAnalysis) analysis = NULL;
	SmpPhotoReport r;
	SmpScale scale;
	SmpRoiGiven roi = {roi_spec, NULL, "option"};

	if (photo) {
		smp_analysis_scale(px_per_mm, scale_uncertainty, pipeline, &scale);
		analysis = smp_analyse_photo_roi(photo, pipeline, &scale, &roi,
			g_timer_elapsed(timer, NULL) * 1e3, error);
	}
	smp_budget_end(budget);
	if (!analysis)
		return NULL;
	smp_analysis_report(photo, analysis, !no_items, &r);
	if (no_timing)
		for (int i = 0; i < 4; i++)
			r.timing_ms[i] = -1;
	return smp_report_measurement(&r);
}

static int
run_measure(const SmpPipeline *pipeline)
{
	g_autoptr(JsonArray) records = json_array_new();
	g_autoptr(JsonNode) root = NULL;
	g_autofree char *text = NULL;
	GError *error = NULL;
	SmpLoadLimits limits;
	int failed = 0;

	if (!smp_cli_load_limits(&limits, pipeline, &error))
		return smp_cli_fail(error);
	for (int i = 0; files[i]; i++) {
		JsonNode *node = measure_one(files[i], pipeline, &limits, &error);

		if (!node) {
			smp_cli_print_error(error);
			g_clear_error(&error);
			failed++;
			continue;
		}
		json_array_add_element(records, node);
	}
	if (json_array_get_length(records) == 0)
		return SMP_EXIT_SOME_FAILED;
	/* One photo: one object; several: an array (FORMATS.md). */
	if (g_strv_length(files) == 1) {
		root = json_node_copy(json_array_get_element(records, 0));
	}
	else {
		root = json_node_new(JSON_NODE_ARRAY);
		json_node_set_array(root, records);
	}
	text = smp_report_to_string(root, !compact);
	fputs(text, stdout);
	return failed ? SMP_EXIT_SOME_FAILED : SMP_EXIT_OK;
}

int
smp_cmd_measure(int argc, char **argv)
{
	g_autoptr(GOptionContext) context = smp_cli_context_new("PHOTO...",
		"Detect the dots of each photo and print its measurement JSON "
		"(FORMATS.md):\ncount, density, coverage, spacing, size and "
		"contrast, the density grid.\nOne photo gives an object, several "
		"an array.",
		entries);
	g_autoptr(SmpPipeline) pipeline = NULL;
	GError *error = NULL;
	int code;

	smp_cli_add_limit_options(context);
	smp_cli_add_measure_options(context);
	if ((code = smp_cli_parse(context, &argc, &argv)))
		return code;
	if (!files || !files[0])
		return smp_cli_usage_error(context, "measure: no photo given");
	if (px_per_mm < 0 || scale_uncertainty < 0 || scale_uncertainty > 0.5)
		return smp_cli_usage_error(context,
			"measure: --px-per-mm must be positive and --scale-uncertainty "
			"0..0.5");
	if (!(pipeline = smp_cli_measure_pipeline(pipeline_name, &error)))
		return smp_cli_fail(error);
	code = run_measure(pipeline);
	g_strfreev(files);
	files = NULL;
	return code;
}
