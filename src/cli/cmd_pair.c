/* smpdoc pair: the artist's command — a before/after composite and its
 * sidecar JSON for two photos.
 * SPDX-License-Identifier: MIT
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <vips/vips.h>

#include "cli.h"
#include "smpdoc/analysis.h"
#include "smpdoc/composite.h"
#include "smpdoc/meta.h"
#include "smpdoc/report.h"

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
		"JPEG quality of the composite (default 90)", "Q"},
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
	{"no-timing", 0, 0, G_OPTION_ARG_NONE, &no_timing,
		"Write timings as null, so that outputs are byte-reproducible",
		NULL},
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

static char *
default_stem(void)
{
	g_autofree char *a = stem_of(files[0]);
	g_autofree char *b = stem_of(files[1]);

	if (view)
		return g_strdup_printf("%s-s%d-s%d", view, session_before,
			session_after);
	return g_strdup_printf("%s-%s", a, b);
}

/* "session 1 · 2024-04-08 · top · 162 dots/cm² (159–165) · coverage 21%" */
static char *
caption_for(const SmpPhoto *photo, const SmpAnalysis *a, int session)
{
	const SmpMeasurement *m = a->measurement;
	GString *s = g_string_new(NULL);

	g_string_append_printf(s, "session %d", session);
	if (photo->meta->taken)
		g_string_append_printf(s, "  ·  %.10s", photo->meta->taken);
	if (view)
		g_string_append_printf(s, "  ·  %s", view);
	if (m->has_scale)
		g_string_append_printf(s, "  ·  %.0f dots/cm² (%.0f–%.0f)",
			m->per_cm2, m->per_cm2_ci95[0], m->per_cm2_ci95[1]);
	else
		g_string_append_printf(s, "  ·  %zu dots, %.0f/Mpx (no scale)",
			(size_t) m->count, m->per_mpx);
	if (isfinite(m->coverage))
		g_string_append_printf(s, "  ·  coverage %.0f%%", m->coverage * 100);
	return g_string_free(s, FALSE);
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

/* Originals are never written: refuse an output that is an input. */
static gboolean
check_not_input(const char *out, GError **error)
{
	g_autofree char *real_out = realpath(out, NULL);

	for (int i = 0; real_out && i < 2; i++) {
		g_autofree char *real_in = realpath(files[i], NULL);

		if (real_in && strcmp(real_in, real_out) == 0) {
			g_set_error(error, SMP_ERROR, SMP_ERROR_USAGE,
				"%s: output: would overwrite an input photo", out);
			return FALSE;
		}
	}
	return TRUE;
}

/* The after caption adds the change: "· +52 dots/cm² (+37%)". */
static char *
after_caption(const SmpPhoto *photo, const SmpAnalysis *a,
	const SmpChange *change)
{
	g_autofree char *base = caption_for(photo, a, session_after);

	if (isfinite(change->per_cm2) && isfinite(change->per_cm2_pct))
		return g_strdup_printf("%s  ·  %+.0f dots/cm² (%+.0f%%)", base,
			change->per_cm2, change->per_cm2_pct);
	return g_steal_pointer(&base);
}

/* The two photos and what was measured on them. */
typedef struct PairInput {
	SmpPhoto *photo[2];
	SmpAnalysis *analysis[2];
	const SmpPipeline *pipeline;
} PairInput;

static gboolean
write_outputs(const PairInput *in, GError **error)
{
	SmpPhoto *before = in->photo[0], *after = in->photo[1];
	g_autofree char *stem = name_stem ? g_strdup(name_stem) : default_stem();
	g_autofree char *comp_name = g_strdup_printf("%s.jpg", stem);
	g_autofree char *comp_path = g_build_filename(out_dir, comp_name, NULL);
	g_autofree char *side_path = NULL;
	g_autofree char *comp_save = NULL;
	g_autofree char *cap0 = caption_for(before, in->analysis[0],
		session_before);
	g_autofree char *cap1 = NULL;
	g_autoptr(VipsImage) composite = NULL;
	g_autoptr(JsonNode) sidecar = NULL;
	g_autofree char *text = NULL;
	SmpPanel p0 = {before->image, "BEFORE", cap0};
	SmpPanel p1 = {after->image, "AFTER", cap1};
	SmpCompositeParams cp;
	SmpPairReport r = {0};
	SmpChange change;
	SmpRegistrationReport reg = {"none", "similarity",
		{1, 0, 0, 0, 1, 0, 0, 0, 1}, -1, FALSE};

	smp_measure_change(in->analysis[0]->measurement,
		in->analysis[1]->measurement, &change);
	cap1 = after_caption(after, in->analysis[1], &change);
	p1.caption = cap1;
	side_path = g_strdup_printf("%s/%s.json", out_dir, stem);
	if (!check_not_input(comp_path, error) || !check_not_input(side_path,
												  error))
		return FALSE;
	smp_composite_params_default(&cp);
	cp.long_edge_px = long_edge_opt ? long_edge_opt
									: in->pipeline->long_edge_px;
	cp.aligned = FALSE; /* no registration yet: say so on the picture */
	composite = smp_composite_side_by_side(&p0, &p1, &cp, error);
	if (!composite)
		return FALSE;
	comp_save = g_strdup_printf("%s[Q=%d,strip]", comp_path,
		jpeg_q ? jpeg_q : in->pipeline->jpeg_quality);
	if (!smp_photo_save_atomic(composite, comp_save, error))
		return FALSE;

	smp_analysis_report(before, in->analysis[0], TRUE, &r.before);
	smp_analysis_report(after, in->analysis[1], TRUE, &r.after);
	for (int i = 0; no_timing && i < 4; i++)
		r.before.timing_ms[i] = r.after.timing_ms[i] = -1;
	r.change = &change;
	r.registration = reg;
	r.composite = comp_name;
	r.pipeline_name = in->pipeline->name;
	r.pipeline_sha256 = in->pipeline->sha256;
	sidecar = smp_report_pair(&r);
	text = smp_report_to_string(sidecar, TRUE);
	if (!smp_file_write_atomic(side_path, text, strlen(text), error))
		return FALSE;
	printf("%s\n%s\n", comp_path, side_path);
	return TRUE;
}

/* Load and analyse photo @i of the pair into @in. */
static gboolean
load_and_analyse(PairInput *in, int i, const SmpLoadLimits *limits,
	GError **error)
{
	g_autoptr(GTimer) timer = g_timer_new();
	SmpScale scale;

	in->photo[i] = smp_photo_load(files[i], limits, error);
	if (!in->photo[i])
		return FALSE;
	smp_analysis_scale(i == 1 && after_px_per_mm > 0 ? after_px_per_mm
													: px_per_mm,
		scale_uncertainty, in->pipeline, &scale);
	in->analysis[i] = smp_analyse_photo(in->photo[i], in->pipeline, &scale,
		g_timer_elapsed(timer, NULL) * 1e3, error);
	return in->analysis[i] != NULL;
}

static int
run_pair(const SmpPipeline *pipeline)
{
	PairInput in = {{NULL, NULL}, {NULL, NULL}, pipeline};
	GError *error = NULL;
	SmpLoadLimits limits;
	gboolean ok;

	smp_cli_load_limits(&limits);
	/* Check the output folder first: no point decoding for nothing. */
	ok = prepare_output_dir(out_dir, &error) &&
		load_and_analyse(&in, 0, &limits, &error) &&
		load_and_analyse(&in, 1, &limits, &error) &&
		write_outputs(&in, &error);
	for (int i = 0; i < 2; i++) {
		smp_analysis_free(in.analysis[i]);
		smp_photo_free(in.photo[i]);
	}
	if (!ok)
		return smp_cli_fail(error);
	fprintf(stderr,
		"smpdoc: %s, %s: not registered yet; composite marked NOT ALIGNED\n",
		files[0], files[1]);
	return SMP_EXIT_OK;
}

int
smp_cmd_pair(int argc, char **argv)
{
	g_autoptr(GOptionContext) context = smp_cli_context_new("BEFORE AFTER",
		"Load two photos of the same scalp view, make them upright and write "
		"a\nside-by-side composite (JPEG) with a label bar and a sidecar "
		"JSON\n(FORMATS.md) into the output folder. Originals are never "
		"written.",
		entries);
	g_autoptr(SmpPipeline) pipeline = NULL;
	GError *error = NULL;
	int code;

	smp_cli_add_limit_options(context);
	if (!g_option_context_parse(context, &argc, &argv, &error)) {
		code = smp_cli_usage_error(context, "%s", error->message);
		g_error_free(error);
		return code;
	}
	if (!files || g_strv_length(files) != 2)
		return smp_cli_usage_error(context,
			"pair: give exactly two photos, BEFORE and AFTER");
	if (jpeg_q < 0 || jpeg_q > 100 ||
		(long_edge_opt && (long_edge_opt < 64 || long_edge_opt > 30000)) ||
		px_per_mm < 0 || after_px_per_mm < 0 || scale_uncertainty < 0 ||
		scale_uncertainty > 0.5)
		return smp_cli_usage_error(context,
			"pair: --jpeg-q must be 1..100, --long-edge 64..30000, "
			"--px-per-mm positive and --scale-uncertainty 0..0.5");
	if (name_stem && (strchr(name_stem, '/') || name_stem[0] == '.'))
		return smp_cli_usage_error(context,
			"pair: --name must be a plain file name stem");
	if (!out_dir)
		out_dir = g_strdup(".");
	pipeline = smp_pipeline_find(pipeline_name, &error);
	if (!pipeline)
		return smp_cli_fail(error);
	code = run_pair(pipeline);
	g_strfreev(files);
	return code;
}
