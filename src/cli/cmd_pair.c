/* smpdoc pair: the artist's command — a before/after composite and its
 * sidecar JSON for two photos.
 * SPDX-License-Identifier: MIT
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <vips/vips.h>

#include "cli.h"
#include "smpdoc/analysis.h"
#include "smpdoc/manifest.h"
#include "smpdoc/pair.h"
#include "smpdoc/privacy.h"
#include "smpdoc/register.h"

static char *out_dir;
static char *name_stem;
static char *view;
static int session_before = 0;
static int session_after = 1;
static int jpeg_q = 0;
static int long_edge_opt = 0;
static double px_per_mm;
static double after_px_per_mm;
static double scale_uncertainty;
static char *pipeline_name;
static gboolean no_timing;
static char *layout_name;
static gboolean no_dots;
static gboolean no_heatmap;
static gboolean no_scale_bar;
static char *watermark;
static char *watermark_image;
static char *format_name;
static gboolean no_labels;
static gboolean as_shot;
static char *landmarks_file;
static char *consent_word;
static char *client_id;
static char **files;

static const GOptionEntry entries[] = {
	{"output", 'o', 0, G_OPTION_ARG_FILENAME, &out_dir,
		"Write into DIR (created when missing; default .)", "DIR"},
	{"name", 0, 0, G_OPTION_ARG_STRING, &name_stem,
		"Base name of the outputs (default from the inputs)", "STEM"},
	{"view", 0, 0, G_OPTION_ARG_STRING, &view,
		"View shown in the labels (hairline, crown, top, ...)", "WORD"},
	{"before-session", 0, 0, G_OPTION_ARG_INT, &session_before,
		"Session number of BEFORE (default 0)", "N"},
	{"after-session", 0, 0, G_OPTION_ARG_INT, &session_after,
		"Session number of AFTER (default 1)", "N"},
	{"long-edge", 0, 0, G_OPTION_ARG_INT, &long_edge_opt,
		"Longest side of the composite in pixels (default 2400)", "PX"},
	{"jpeg-q", 0, 0, G_OPTION_ARG_INT, &jpeg_q,
		"JPEG or WebP quality of the composite (default 90)", "Q"},
	{"format", 0, 0, G_OPTION_ARG_STRING, &format_name,
		"Composite format: jpeg (default), png or webp", "FORMAT"},
	{"px-per-mm", 0, 0, G_OPTION_ARG_DOUBLE, &px_per_mm,
		"Scale of both photos (pixels per mm); without it densities per "
		"cm² are null",
		"P"},
	{"after-px-per-mm", 0, 0, G_OPTION_ARG_DOUBLE, &after_px_per_mm,
		"Scale of AFTER when it differs (default: --px-per-mm)", "P"},
	{"scale-uncertainty", 0, 0, G_OPTION_ARG_DOUBLE, &scale_uncertainty,
		"Relative 1-sigma uncertainty of --px-per-mm (0.01 = 1%)", "U"},
	{"pipeline", 0, 0, G_OPTION_ARG_FILENAME, &pipeline_name,
		"Pipeline name or file (default: built-in defaults)", "NAME|FILE"},
	{"layout", 0, 0, G_OPTION_ARG_STRING, &layout_name,
		"side-by-side (default), stacked, three-panel or ghost", "LAYOUT"},
	{"no-dots", 0, 0, G_OPTION_ARG_NONE, &no_dots,
		"No dot rings on the annotated panel", NULL},
	{"no-heatmap", 0, 0, G_OPTION_ARG_NONE, &no_heatmap,
		"No density heat map on the annotated panel", NULL},
	{"no-scale-bar", 0, 0, G_OPTION_ARG_NONE, &no_scale_bar,
		"No scale bar in the label bars", NULL},
	{"no-labels", 0, 0, G_OPTION_ARG_NONE, &no_labels,
		"No label bars (photos only)", NULL},
	{"landmarks", 0, 0, G_OPTION_ARG_FILENAME, &landmarks_file,
		"2-4 matching points, CSV before_x,before_y,after_x,after_y: "
		"registration from them instead",
		"FILE"},
	{"as-shot", 0, 0, G_OPTION_ARG_NONE, &as_shot,
		"Show the photos as taken, not normalised (the numbers still come "
		"from the normalised photos)",
		NULL},
	{"watermark", 0, 0, G_OPTION_ARG_STRING, &watermark,
		"Watermark text over the photos", "TEXT"},
	{"watermark-image", 0, 0, G_OPTION_ARG_FILENAME, &watermark_image,
		"Watermark image (PNG with alpha) in the last photo's bottom-right "
		"corner",
		"FILE"},
	{"no-timing", 0, 0, G_OPTION_ARG_NONE, &no_timing,
		"Write timings as null, so that outputs are byte-reproducible", NULL},
	{"consent", 0, 0, G_OPTION_ARG_STRING, &consent_word,
		"The client's recorded consent for both photos: none, clinical or "
		"marketing (a portfolio pipeline needs marketing)",
		"WORD"},
	{"client", 0, 0, G_OPTION_ARG_STRING, &client_id,
		"Client id (portfolio: only its keyed pseudonym is written)", "ID"},
	{G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &files, NULL,
		"BEFORE AFTER"},
	{NULL}};

/* "photo.jpg" → "photo", keeping only characters safe in a file name. */
static char *
stem_of(const char *path)
{
	g_autofree char *base = g_path_get_basename(path);
	char *dot = strrchr(base, '.');

	if (dot && dot != base)
		*dot = '\0';
	g_strcanon(base,
		"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_",
		'_');
	return g_strdup(base);
}

/* A pair run has no manifest: the consent is stated with --consent, and
 * checked before any photo is opened. Portfolio names come from the
 * client's pseudonym, never from the file names (which may hold a name).
 * Returns: 0 to go on, else the exit code.
 */
static int
consent_gate(GOptionContext *context, const SmpPipeline *pl, char **stem)
{
	int have = 0;
	g_autofree char *why = NULL;
	g_autofree char *secret = NULL;
	g_autofree char *pseudonym = NULL;
	GError *error = NULL;

	if (consent_word) {
		const char *names[] = {"none", "clinical", "marketing"};

		for (have = 0; have < 3 && strcmp(consent_word, names[have]); have++)
			;
		if (have == 3)
			return smp_cli_usage_error(
				context, "pair: --consent must be none, clinical or marketing");
	}
	if ((why = smp_consent_refusal(pl, have))) {
		fprintf(stderr,
			"smpdoc: pair: pipeline '%s' refused: %s (state the client's "
			"recorded consent with --consent; nothing was written)\n",
			pl->name, why);
		return SMP_EXIT_SOME_FAILED;
	}
	if (pl->purpose != SMP_PURPOSE_PORTFOLIO)
		return 0;
	if (name_stem)
		return smp_cli_usage_error(context,
			"pair: --name is not allowed for portfolio output (names come "
			"from the client's pseudonym)");
	if (!client_id)
		return smp_cli_usage_error(context,
			"pair: portfolio output needs --client ID (only its pseudonym "
			"is written)");
	if (!(secret = smp_privacy_secret(pl, &error)))
		return smp_cli_fail(error);
	pseudonym = smp_privacy_pseudonym(secret, client_id);
	*stem = g_strdup_printf("%s-%s-s%d-s%d", pseudonym, view ? view : "pair",
		session_before, session_after);
	return 0;
}

static char *
default_stem(void)
{
	g_autofree char *a = stem_of(files[0]);
	g_autofree char *b = stem_of(files[1]);

	if (view)
		return g_strdup_printf(
			"%s-s%d-s%d", view, session_before, session_after);
	return g_strdup_printf("%s-%s", a, b);
}

/* The output folder must exist (we create it) and be writable. */
static gboolean
prepare_output_dir(const char *dir, GError **error)
{
	if (g_mkdir_with_parents(dir, 0755) != 0 ||
		!g_file_test(dir, G_FILE_TEST_IS_DIR) || access(dir, W_OK) != 0) {
		int e = errno;

		g_set_error(error, SMP_ERROR, SMP_ERROR_IO,
			"%s: output: cannot write to this folder: %s", dir,
			g_strerror(e ? e : ENOTDIR));
		return FALSE;
	}
	return TRUE;
}

/* The two photos and what was measured on them. */
typedef struct PairInput {
	SmpPhoto *photo[2];
	SmpAnalysis *analysis[2];
	const SmpPipeline *pipeline;
} PairInput;

/* TRUE when written; @aligned says whether registration confirmed it. */
static gboolean
write_outputs(const PairInput *in, gboolean *aligned, GError **error)
{
	g_autofree double *marks = NULL;
	int n_marks = 0;

	g_autofree char *stem = name_stem ? g_strdup(name_stem) : default_stem();
	gboolean refused;
	SmpPairSpec spec = {{in->photo[0], in->photo[1]},
		{in->analysis[0], in->analysis[1]}, {session_before, session_after},
		view, {NULL, NULL}, in->pipeline, long_edge_opt, jpeg_q, !no_timing,
		(const char *const *) files, {NULL, NULL}};
	SmpPairResult result = {0};
	SmpCompositeParams cp;

	/* The pipeline's [composite] group, then the options given here. */
	smp_pair_composite_params(in->pipeline, &cp);
	if (layout_name)
		smp_layout_parse(layout_name, &cp.layout);
	if (format_name)
		smp_format_parse(format_name, &cp.format);
	cp.dots = cp.dots && !no_dots;
	cp.heatmap = cp.heatmap && !no_heatmap;
	cp.scale_bar = cp.scale_bar && !no_scale_bar;
	cp.labels = cp.labels && !no_labels;
	if (watermark)
		cp.watermark = watermark;
	if (watermark_image)
		cp.watermark_image = watermark_image;
	spec.composite = &cp;
	spec.as_shot = as_shot;
	if (landmarks_file &&
		!smp_register_landmarks_load(landmarks_file, &marks, &n_marks, error))
		return FALSE;
	spec.landmarks = marks;
	spec.n_landmarks = n_marks;
	if (!smp_pair_write(&spec, out_dir, stem, &result, error))
		return FALSE;
	if ((refused = result.refused != NULL))
		g_set_error(error, SMP_ERROR, SMP_ERROR_CONSENT,
			"%s, %s: pair refused for portfolio: %s; nothing was written",
			files[0], files[1], result.refused);
	else
		printf("%s\n%s\n", result.composite, result.sidecar);
	*aligned = result.aligned;
	smp_pair_result_clear(&result);
	return !refused;
}

/* Load and analyse photo @i of the pair into @in. */
static gboolean
load_and_analyse(
	PairInput *in, int i, const SmpLoadLimits *limits, GError **error)
{
	g_autoptr(GTimer) timer = g_timer_new();
	SmpBudget *budget = smp_budget_begin(files[i], limits->timeout_s);
	SmpScale scale;

	in->photo[i] = smp_photo_load(files[i], limits, error);
	if (in->photo[i]) {
		smp_analysis_scale(
			i == 1 && after_px_per_mm > 0 ? after_px_per_mm : px_per_mm,
			scale_uncertainty, in->pipeline, &scale);
		in->analysis[i] = smp_analyse_photo(in->photo[i], in->pipeline, &scale,
			g_timer_elapsed(timer, NULL) * 1e3, error);
	}
	smp_budget_end(budget);
	/* The decoded photo is not needed again unless shown as shot or tone
	 * matched: read it again from the file then, and keep only the
	 * normalised copy in memory meanwhile.
	 */
	return in->analysis[i] &&
		smp_analysis_release_pixels(in->photo[i], in->analysis[i], error);
}

static int
run_pair(const SmpPipeline *pipeline)
{
	PairInput in = {{NULL, NULL}, {NULL, NULL}, pipeline};
	GError *error = NULL;
	SmpLoadLimits limits;
	gboolean ok, aligned = FALSE;

	/* Check the output folder first: no point decoding for nothing. */
	ok = smp_cli_load_limits(&limits, pipeline, &error) &&
		prepare_output_dir(out_dir, &error) &&
		load_and_analyse(&in, 0, &limits, &error) &&
		load_and_analyse(&in, 1, &limits, &error) &&
		write_outputs(&in, &aligned, &error);
	for (int i = 0; i < 2; i++) {
		smp_analysis_free(in.analysis[i]);
		smp_photo_free(in.photo[i]);
	}
	if (!ok)
		return smp_cli_fail(error);
	if (aligned)
		return SMP_EXIT_OK;
	/* Never a silently misaligned pair: the picture and the exit code say
	 * so.
	 */
	fprintf(stderr,
		"smpdoc: %s, %s: registration did not confirm a match; composite "
		"marked NOT ALIGNED\n",
		files[0], files[1]);
	return SMP_EXIT_SOME_FAILED;
}

int
smp_cmd_pair(int argc, char **argv)
{
	g_autoptr(GOptionContext) context = smp_cli_context_new("BEFORE AFTER",
		"Load two photos of the same scalp view, normalise, measure and "
		"register them,\nand write an annotated composite (JPEG, PNG or WebP) "
		"and a "
		"sidecar JSON (FORMATS.md) into\nthe output folder. Originals are "
		"never written.",
		entries);
	g_autoptr(SmpPipeline) pipeline = NULL;
	GError *error = NULL;
	int code;

	smp_cli_add_limit_options(context);
	smp_cli_add_measure_options(context);
	if ((code = smp_cli_parse(context, &argc, &argv)))
		return code;
	if (!files || g_strv_length(files) != 2)
		return smp_cli_usage_error(
			context, "pair: give exactly two photos, BEFORE and AFTER");
	if (jpeg_q < 0 || jpeg_q > 100 ||
		(long_edge_opt && (long_edge_opt < 64 || long_edge_opt > 30000)) ||
		px_per_mm < 0 || after_px_per_mm < 0 || scale_uncertainty < 0 ||
		scale_uncertainty > 0.5)
		return smp_cli_usage_error(context,
			"pair: --jpeg-q must be 1..100, --long-edge 64..30000, "
			"--px-per-mm positive and --scale-uncertainty 0..0.5");
	if (layout_name && !smp_layout_parse(layout_name, &(SmpLayout){0}))
		return smp_cli_usage_error(context,
			"pair: --layout must be side-by-side, stacked, three-panel or "
			"ghost");
	if (format_name && !smp_format_parse(format_name, &(SmpImageFormat){0}))
		return smp_cli_usage_error(
			context, "pair: --format must be jpeg, png or webp");
	if (name_stem && (strchr(name_stem, '/') || name_stem[0] == '.'))
		return smp_cli_usage_error(
			context, "pair: --name must be a plain file name stem");
	if (!out_dir)
		out_dir = g_strdup(".");
	if (!(pipeline = smp_cli_measure_pipeline(pipeline_name, &error)))
		return smp_cli_fail(error);
	if ((code = consent_gate(context, pipeline, &name_stem)))
		return code;
	code = run_pair(pipeline);
	g_strfreev(files);
	return code;
}
