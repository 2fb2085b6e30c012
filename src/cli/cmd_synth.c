/* `smpdoc synth`: write synthetic scalp photos, manifest and truth.
 * SPDX-License-Identifier: MIT
 */
#include <stdio.h>
#include <string.h>

#include <vips/vips.h>

#include "cli.h"
#include "smpdoc/pipeline.h"
#include "smpdoc/synth.h"

/* The options' storage: the data set's parameters, filled with their
 * defaults before parsing, and the options that need converting.
 */
static struct {
	SmpSynthSetParams set;
	gint64 seed;
	char *output;
	char *views;
	char *grey_card;
	char *cast;
} opt;

static const GOptionEntry entries[] = {
	{"output", 'o', 0, G_OPTION_ARG_FILENAME, &opt.output,
		"Write the data set under DIR (required)", "DIR"},
	{"seed", 0, 0, G_OPTION_ARG_INT64, &opt.seed,
		"Seed; the same seed gives the same files (default 1)", "N"},
	{"width", 0, 0, G_OPTION_ARG_INT, &opt.set.photo.width,
		"Upright width in pixels (default 1200)", "W"},
	{"height", 0, 0, G_OPTION_ARG_INT, &opt.set.photo.height,
		"Upright height in pixels (default 900)", "H"},
	{"px-per-mm", 0, 0, G_OPTION_ARG_DOUBLE, &opt.set.photo.px_per_mm,
		"Scale of the before photos (default 20)", "P"},
	{"tone", 0, 0, G_OPTION_ARG_INT, &opt.set.tone,
		"Skin tone 0 (light) .. 5 (dark); default varies per client", "T"},
	{"follicle-per-cm2", 0, 0, G_OPTION_ARG_DOUBLE,
		&opt.set.photo.follicle_per_cm2,
		"Natural follicles per cm² (default 40)", "D"},
	{"smp-per-cm2", 0, 0, G_OPTION_ARG_DOUBLE, &opt.set.photo.smp_per_cm2,
		"SMP dots per cm² before (default 100)", "D"},
	{"new-smp-per-cm2", 0, 0, G_OPTION_ARG_DOUBLE,
		&opt.set.pair.new_smp_per_cm2,
		"SMP dots per cm² each later session adds (default 60)", "D"},
	{"grow", 0, 0, G_OPTION_ARG_DOUBLE, &opt.set.pair.grow_pct,
		"After photos show the SMP dots of earlier sessions grown by PCT "
		"in radius (spread; default 0)",
		"PCT"},
	{"fade", 0, 0, G_OPTION_ARG_DOUBLE, &opt.set.pair.fade_pct,
		"... and their contrast lowered by PCT (fading; default 0)", "PCT"},
	{"dot-min-mm", 0, 0, G_OPTION_ARG_DOUBLE,
		&opt.set.photo.dot_diameter_min_mm,
		"Smallest dot diameter (default 0.15)", "MM"},
	{"dot-max-mm", 0, 0, G_OPTION_ARG_DOUBLE,
		&opt.set.photo.dot_diameter_max_mm,
		"Largest dot diameter (default 1.0)", "MM"},
	{"contrast-min", 0, 0, G_OPTION_ARG_DOUBLE, &opt.set.photo.contrast_min,
		"Faintest SMP dot contrast (default 0.12)", "C"},
	{"contrast-max", 0, 0, G_OPTION_ARG_DOUBLE, &opt.set.photo.contrast_max,
		"Strongest SMP dot contrast (default 0.45)", "C"},
	{"stubble", 0, 0, G_OPTION_ARG_DOUBLE, &opt.set.photo.stubble_fraction,
		"Fraction of follicles with a hair shaft (default 0.3)", "F"},
	{"pores-per-cm2", 0, 0, G_OPTION_ARG_DOUBLE, &opt.set.photo.pore_per_cm2,
		"Pores per cm² (default 60)", "D"},
	{"moles", 0, 0, G_OPTION_ARG_INT, &opt.set.photo.moles,
		"Moles per scalp (default 1)", "N"},
	{"scabs", 0, 0, G_OPTION_ARG_INT, &opt.set.photo.scabs,
		"Scabs (1.6-3 mm, darker) per scalp (default 0)", "N"},
	{"touching", 0, 0, G_OPTION_ARG_DOUBLE, &opt.set.photo.touching_fraction,
		"Fraction of SMP dots placed with a touching or nearly merged "
		"second dot (default 0)",
		"F"},
	{"highlights", 0, 0, G_OPTION_ARG_INT, &opt.set.photo.highlights,
		"Specular highlights per photo (default 2)", "N"},
	{"pairs", 0, 0, G_OPTION_ARG_INT, &opt.set.sessions,
		"After sessions per client and view, 0..4 (default 1)", "N"},
	{"clients", 0, 0, G_OPTION_ARG_INT, &opt.set.clients,
		"Number of clients (default 1)", "N"},
	{"views", 0, 0, G_OPTION_ARG_STRING, &opt.views,
		"Comma-separated views (default top)", "LIST"},
	{"jpeg-q", 0, 0, G_OPTION_ARG_INT, &opt.set.photo.jpeg_q,
		"JPEG quality (default 90)", "Q"},
	{"orientation", 0, 0, G_OPTION_ARG_INT, &opt.set.orientation,
		"EXIF orientation 1..8 of every photo; 0 (default) varies "
		"among 1, 3, 6, 8",
		"N"},
	{"gradient", 0, 0, G_OPTION_ARG_DOUBLE, &opt.set.photo.gradient,
		"Illumination gradient ±fraction 0..0.5 (default 0.12)", "G"},
	{"exposure", 0, 0, G_OPTION_ARG_DOUBLE, &opt.set.photo.exposure,
		"Exposure of the before photos, EV (default 0)", "EV"},
	{"cast", 0, 0, G_OPTION_ARG_STRING, &opt.cast,
		"Colour cast of the before photos, linear R,G,B gains "
		"(default 1,1,1)",
		"R,G,B"},
	{"grey-card", 0, 0, G_OPTION_ARG_STRING, &opt.grey_card,
		"A neutral grey card (18%) at X,Y,W,H pixels of the upright "
		"photo, lit like the skin",
		"X,Y,W,H"},
	{"noise", 0, 0, G_OPTION_ARG_DOUBLE, &opt.set.photo.noise_sigma,
		"Sensor noise sigma, 8-bit levels (default 2)", "S"},
	{"blur", 0, 0, G_OPTION_ARG_DOUBLE, &opt.set.photo.blur_px,
		"Optical blur sigma in pixels (default 0.5)", "PX"},
	{"blur-edge", 0, 0, G_OPTION_ARG_DOUBLE, &opt.set.photo.blur_edge_px,
		"Blur sigma at the corners, rising from --blur at the centre "
		"(default: --blur everywhere)",
		"PX"},
	{"rotation", 0, 0, G_OPTION_ARG_DOUBLE, &opt.set.pair.rotation_deg,
		"Mean rotation of after photos, degrees (default 4)", "DEG"},
	{"scale", 0, 0, G_OPTION_ARG_DOUBLE, &opt.set.pair.scale,
		"Mean zoom-out of after photos (default 1.05)", "S"},
	{"sticker-mm", 0, 0, G_OPTION_ARG_DOUBLE, &opt.set.photo.sticker_mm,
		"Calibration sticker: white disc of this diameter on every photo "
		"(default 0: none)",
		"MM"},
	{"sticker-x", 0, 0, G_OPTION_ARG_DOUBLE, &opt.set.photo.sticker_x,
		"Sticker centre, fraction of the width (default 0.8)", "F"},
	{"sticker-y", 0, 0, G_OPTION_ARG_DOUBLE, &opt.set.photo.sticker_y,
		"Sticker centre, fraction of the height (default 0.3)", "F"},
	{"sticker-tilt", 0, 0, G_OPTION_ARG_DOUBLE, &opt.set.photo.sticker_tilt_deg,
		"Sticker tilt away from the camera, degrees (default 0)", "DEG"},
	{"sticker-axis", 0, 0, G_OPTION_ARG_DOUBLE, &opt.set.photo.sticker_axis_deg,
		"Direction of the tilted sticker's long axis (default 30)", "DEG"},
	{"sticker-ring-mm", 0, 0, G_OPTION_ARG_DOUBLE,
		&opt.set.photo.sticker_ring_mm,
		"Width of a dark border ring round the sticker (default 0)", "MM"},
	{"backdrop", 0, 0, G_OPTION_ARG_DOUBLE, &opt.set.photo.backdrop,
		"A backdrop over this fraction of the width at the right, as in a "
		"global view of the head (default 0, at most 0.8)",
		"F"},
	{"backdrop-kind", 0, 0, G_OPTION_ARG_INT, &opt.set.photo.backdrop_kind,
		"0: a light grey wall (default); 1: navy cloth with dark specks", "K"},
	{NULL}};

/* What the options say that GOption cannot check, into opt.set. Returns:
 * NULL, or the reason they are wrong.
 */
static const char *
apply_options(void)
{
	SmpSynthParams *p = &opt.set.photo;

	if (!opt.output)
		return "-o DIR is required";
	if (opt.grey_card && !smp_parse_rect(opt.grey_card, p->grey_card))
		return "--grey-card must be X,Y,W,H pixels (W and H > 0)";
	if (opt.cast &&
		sscanf(opt.cast, "%lf,%lf,%lf", &p->cast[0], &p->cast[1],
			&p->cast[2]) != 3)
		return "--cast must be R,G,B";
	p->seed = (guint64) opt.seed;
	if (opt.set.tone >= 0)
		p->skin_tone = opt.set.tone;
	return NULL;
}

int
smp_cmd_synth(int argc, char **argv)
{
	g_autoptr(GOptionContext) context = NULL;
	g_auto(GStrv) view_list = NULL;
	const char *wrong;
	GError *error = NULL;
	int n_photos = 0;

	smp_synth_set_params_default(&opt.set);
	opt.seed = (gint64) opt.set.photo.seed;
	context = smp_cli_context_new("-o DIR",
		"Write synthetic scalp photos as DIR/<client>/<session>/<view>.jpg "
		"with DIR/manifest.csv and DIR/truth.json (the dots, distractors and "
		"before/after matrices). The same options give the same files.",
		entries);
	if (!g_option_context_parse(context, &argc, &argv, &error)) {
		int code = smp_cli_usage_error(context, "%s", error->message);

		g_clear_error(&error);
		return code;
	}
	if (argc > 1)
		return smp_cli_usage_error(
			context, "unexpected argument '%s'", argv[1]);
	if ((wrong = apply_options()))
		return smp_cli_usage_error(context, "%s", wrong);
	if (opt.views) {
		view_list = g_strsplit(opt.views, ",", -1);
		for (char **v = view_list; *v; v++)
			g_strstrip(*v);
		opt.set.views = (const char *const *) view_list;
	}
	if (!smp_synth_write_set(&opt.set, opt.output, &n_photos, &error))
		return smp_cli_fail(error);
	printf("wrote %d photos, manifest.csv and truth.json to %s\n", n_photos,
		opt.output);
	return SMP_EXIT_OK;
}
