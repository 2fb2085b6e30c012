/* Option contexts, limit options and error printing shared by subcommands.
 * SPDX-License-Identifier: MIT
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <vips/vips.h>

#include "cli.h"
#include "smpdoc/artist.h"
#include "smpdoc/error.h"

/* Options not given stay negative: the pipeline's value applies. */
static double max_megapixels = -1;
static double max_file_mb = -1;
static double timeout_per_file = -1;

static const GOptionEntry limit_entries[] = {
	{"max-megapixels", 0, 0, G_OPTION_ARG_DOUBLE, &max_megapixels,
		"Refuse photos larger than MPX megapixels (default 100, or the "
		"pipeline's)",
		"MPX"},
	{"max-file-mb", 0, 0, G_OPTION_ARG_DOUBLE, &max_file_mb,
		"Refuse files larger than MB mebibytes (default 256, or the "
		"pipeline's)",
		"MB"},
	{"timeout-per-file", 0, 0, G_OPTION_ARG_DOUBLE, &timeout_per_file,
		"Give up on a photo after SECONDS (it fails alone; default 0: no "
		"limit, or the pipeline's)",
		"SECONDS"},
	{NULL}};

static double sticker_mm = -1;
static char *hairline;
static double symmetry_axis = -1;
static char *grey_card;

static const GOptionEntry measure_entries[] = {
	{"grey-card", 0, 0, G_OPTION_ARG_STRING, &grey_card,
		"White balance from a grey card at X,Y,W,H (pixels of the upright "
		"photo, or fractions when all <= 1) instead of the skin",
		"X,Y,W,H"},
	{"sticker-mm", 0, 0, G_OPTION_ARG_DOUBLE, &sticker_mm,
		"Diameter of the calibration sticker on every photo; the scale comes "
		"from it (pipeline key scale_sticker_mm; 0: none)",
		"D"},
	{"hairline", 0, 0, G_OPTION_ARG_STRING, &hairline,
		"Side of the photo where the hairline's bare skin is, for the "
		"hairline softness (pipeline key hairline)",
		"top|bottom|left|right|none"},
	{"symmetry-axis", 0, 0, G_OPTION_ARG_DOUBLE, &symmetry_axis,
		"Vertical axis of the left/right symmetry: a fraction of the width "
		"when at most 1, else px from the left (pipeline key "
		"symmetry_axis_x; default 0.5, the midline)",
		"X"},
	{NULL}};

void
smp_cli_add_measure_options(GOptionContext *context)
{
	GOptionGroup *group = g_option_group_new("measure",
		"Measuring options:", "Show the measuring options", NULL, NULL);

	g_option_group_add_entries(group, measure_entries);
	g_option_context_add_group(context, group);
}

/* [measure] @key = @value in @pipeline, recorded in its text (and so in
 * its hash) with the option that set it.
 */
static gboolean
override_measure(SmpPipeline *pipeline, const char *key, const char *value,
	const char *option, GError **error)
{
	g_autofree char *why =
		g_strdup_printf("set by the command-line option %s", option);

	return smp_pipeline_override(pipeline, "measure", key, value, why, error);
}

static gboolean
override_double(SmpPipeline *pipeline, const char *key, double v,
	const char *option, GError **error)
{
	char buf[G_ASCII_DTOSTR_BUF_SIZE];

	return override_measure(pipeline, key,
		g_ascii_formatd(buf, sizeof buf, "%.12g", v), option, error);
}

static gboolean
apply_measure_options(SmpPipeline *pipeline, GError **error)
{
	SmpSide side;

	if (sticker_mm > 200) {
		g_set_error(error, SMP_ERROR, SMP_ERROR_USAGE,
			"--sticker-mm %g: give the diameter in mm, 0..200", sticker_mm);
		return FALSE;
	}
	if (symmetry_axis != -1 &&
		!(symmetry_axis >= 0.001 && symmetry_axis <= 100000)) {
		g_set_error(error, SMP_ERROR, SMP_ERROR_USAGE,
			"--symmetry-axis %g: give a fraction of the width (0..1] or px",
			symmetry_axis);
		return FALSE;
	}
	if (hairline && !smp_side_parse(hairline, &side)) {
		g_set_error(error, SMP_ERROR, SMP_ERROR_USAGE,
			"--hairline %s: not top, bottom, left, right or none", hairline);
		return FALSE;
	}
	/* Each option given that changes a key rewrites the pipeline's text,
	 * so what is recorded is what ran.
	 */
	return (sticker_mm < 0 || sticker_mm == pipeline->scale_sticker_mm ||
			   override_double(pipeline, "scale_sticker_mm", sticker_mm,
				   "--sticker-mm", error)) &&
		(symmetry_axis == -1 || symmetry_axis == pipeline->symmetry_axis_x ||
			override_double(pipeline, "symmetry_axis_x", symmetry_axis,
				"--symmetry-axis", error)) &&
		(!hairline || (int) side == pipeline->hairline ||
			override_measure(pipeline, "hairline", smp_side_name(side),
				"--hairline", error)) &&
		(!grey_card ||
			smp_pipeline_override(pipeline, "normalise", "grey_card_rect",
				grey_card, "set by the command-line option --grey-card",
				error));
}

SmpPipeline *
smp_cli_measure_pipeline(const char *name, GError **error)
{
	g_autoptr(SmpPipeline) pipeline = NULL;

	if (grey_card && !smp_parse_rect(grey_card, (double[4]){0})) {
		g_set_error(error, SMP_ERROR, SMP_ERROR_USAGE,
			"--grey-card %s: give X,Y,W,H (W and H > 0)", grey_card);
		return NULL;
	}
	pipeline = smp_pipeline_find(name, error);
	if (!pipeline || !apply_measure_options(pipeline, error))
		return NULL;
	return g_steal_pointer(&pipeline);
}

/* @params without the G_OPTION_REMAINING entry's description at its
 * start: GLib prints that description itself, before the parameter
 * string ("smpdoc pair [OPTION…] BEFORE AFTER BEFORE AFTER" otherwise).
 */
static const char *
params_after_remaining(const char *params, const GOptionEntry *entries)
{
	for (const GOptionEntry *e = entries; e && e->long_name; e++) {
		gsize n;

		if (strcmp(e->long_name, G_OPTION_REMAINING) != 0 ||
			!e->arg_description)
			continue;
		n = strlen(e->arg_description);
		if (strncmp(params, e->arg_description, n) == 0 &&
			(params[n] == '\0' || params[n] == ' '))
			return params + n + (params[n] == ' ');
	}
	return params;
}

GOptionContext *
smp_cli_context_new(
	const char *params, const char *summary, const GOptionEntry *entries)
{
	GOptionContext *context =
		g_option_context_new(params_after_remaining(params, entries));
	GOptionGroup *main_group = g_option_group_new(NULL, NULL, NULL, NULL, NULL);

	if (entries)
		g_option_group_add_entries(main_group, entries);
	vips_add_option_entries(main_group);
	g_option_context_set_main_group(context, main_group);
	if (summary)
		g_option_context_set_summary(context, summary);
	return context;
}

int
smp_cli_parse(GOptionContext *context, int *argc, char ***argv)
{
	GError *error = NULL;
	int code;

	if (g_option_context_parse(context, argc, argv, &error))
		return 0;
	code = smp_cli_usage_error(context, "%s", error->message);
	g_error_free(error);
	return code;
}

void
smp_cli_add_limit_options(GOptionContext *context)
{
	GOptionGroup *group = g_option_group_new("limits",
		"Limits on input photos:", "Show the input limit options", NULL, NULL);

	g_option_group_add_entries(group, limit_entries);
	g_option_context_add_group(context, group);
}

gboolean
smp_cli_load_limits(
	SmpLoadLimits *limits, const SmpPipeline *pipeline, GError **error)
{
	double mpx = pipeline ? pipeline->max_megapixels : -1;
	double mb = pipeline ? pipeline->max_file_mb : -1;
	double timeout = pipeline ? pipeline->timeout_per_file_s : -1;

	/* -1 is "not given"; any other value must be in range. */
	if ((max_megapixels <= 0 && max_megapixels != -1) ||
		(max_file_mb <= 0 && max_file_mb != -1) ||
		(timeout_per_file < 0 && timeout_per_file != -1) ||
		timeout_per_file > SMP_TIMEOUT_PER_FILE_MAX) {
		g_set_error(error, SMP_ERROR, SMP_ERROR_USAGE,
			"--max-megapixels and --max-file-mb must be positive, "
			"--timeout-per-file 0..%g seconds",
			SMP_TIMEOUT_PER_FILE_MAX);
		return FALSE;
	}
	mpx = max_megapixels > 0 ? max_megapixels : mpx;
	mb = max_file_mb > 0 ? max_file_mb : mb;
	timeout = timeout_per_file >= 0 ? timeout_per_file : timeout;
	smp_load_limits_default(limits);
	if (mpx > 0)
		limits->max_pixels = (guint64) (mpx * 1e6);
	if (mb > 0)
		limits->max_file_bytes = (guint64) (mb * 1024.0 * 1024.0);
	if (timeout >= 0)
		limits->timeout_s = timeout;
	return TRUE;
}

void
smp_cli_print_error(const GError *error)
{
	fprintf(stderr, "smpdoc: %s\n", error ? error->message : "unknown error");
}

int
smp_cli_fail(GError *error)
{
	int code = smp_error_exit_code(error);

	smp_cli_print_error(error);
	g_clear_error(&error);
	return code ? code : SMP_EXIT_FATAL;
}

int
smp_cli_usage_error(GOptionContext *context, const char *fmt, ...)
{
	va_list ap;
	g_autofree char *message = NULL;

	va_start(ap, fmt);
	message = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	fprintf(stderr, "smpdoc: %s\n", message);
	(void) context;
	fprintf(stderr, "Try '--help' for usage.\n");
	return SMP_EXIT_USAGE;
}
