/* `smpdoc synth`: write synthetic scalp photos, manifest and truth.
 * SPDX-License-Identifier: MIT
 */
#include <stdio.h>
#include <string.h>

#include <vips/vips.h>

#include "cli.h"
#include "smpdoc/pipeline.h"
#include "smpdoc/synth.h"

int
smp_cmd_synth(int argc, char **argv)
{
	SmpSynthSetParams set;
	SmpSynthParams *p = &set.photo;
	g_autofree char *output = NULL;
	g_autofree char *views = NULL;
	g_auto(GStrv) view_list = NULL;
	g_autofree char *grey_card = NULL;
	g_autofree char *cast = NULL;
	gint64 seed;
	double gradient, noise, blur;
	int clients, sessions, tone, orientation, n_photos = 0;
	GOptionContext *context;
	GError *error = NULL;

	smp_synth_set_params_default(&set);
	seed = (gint64) p->seed;
	gradient = p->gradient;
	noise = p->noise_sigma;
	blur = p->blur_px;
	clients = set.clients;
	sessions = set.sessions;
	tone = set.tone;
	orientation = set.orientation;

	const GOptionEntry entries[] = {
		{"output", 'o', 0, G_OPTION_ARG_FILENAME, &output,
			"Write the data set under DIR (required)", "DIR"},
		{"seed", 0, 0, G_OPTION_ARG_INT64, &seed,
			"Seed; the same seed gives the same files (default 1)", "N"},
		{"width", 0, 0, G_OPTION_ARG_INT, &p->width,
			"Upright width in pixels (default 1200)", "W"},
		{"height", 0, 0, G_OPTION_ARG_INT, &p->height,
			"Upright height in pixels (default 900)", "H"},
		{"px-per-mm", 0, 0, G_OPTION_ARG_DOUBLE, &p->px_per_mm,
			"Scale of the before photos (default 20)", "P"},
		{"tone", 0, 0, G_OPTION_ARG_INT, &tone,
			"Skin tone 0 (light) .. 5 (dark); default varies per client", "T"},
		{"follicle-per-cm2", 0, 0, G_OPTION_ARG_DOUBLE, &p->follicle_per_cm2,
			"Natural follicles per cm² (default 40)", "D"},
		{"smp-per-cm2", 0, 0, G_OPTION_ARG_DOUBLE, &p->smp_per_cm2,
			"SMP dots per cm² before (default 100)", "D"},
		{"new-smp-per-cm2", 0, 0, G_OPTION_ARG_DOUBLE,
			&set.pair.new_smp_per_cm2,
			"SMP dots per cm² each later session adds (default 60)", "D"},
		{"grow", 0, 0, G_OPTION_ARG_DOUBLE, &set.pair.grow_pct,
			"After photos show the SMP dots of earlier sessions grown by PCT "
			"in radius (spread; default 0)",
			"PCT"},
		{"fade", 0, 0, G_OPTION_ARG_DOUBLE, &set.pair.fade_pct,
			"... and their contrast lowered by PCT (fading; default 0)", "PCT"},
		{"dot-min-mm", 0, 0, G_OPTION_ARG_DOUBLE, &p->dot_diameter_min_mm,
			"Smallest dot diameter (default 0.15)", "MM"},
		{"dot-max-mm", 0, 0, G_OPTION_ARG_DOUBLE, &p->dot_diameter_max_mm,
			"Largest dot diameter (default 1.0)", "MM"},
		{"contrast-min", 0, 0, G_OPTION_ARG_DOUBLE, &p->contrast_min,
			"Faintest SMP dot contrast (default 0.12)", "C"},
		{"contrast-max", 0, 0, G_OPTION_ARG_DOUBLE, &p->contrast_max,
			"Strongest SMP dot contrast (default 0.45)", "C"},
		{"stubble", 0, 0, G_OPTION_ARG_DOUBLE, &p->stubble_fraction,
			"Fraction of follicles with a hair shaft (default 0.3)", "F"},
		{"pores-per-cm2", 0, 0, G_OPTION_ARG_DOUBLE, &p->pore_per_cm2,
			"Pores per cm² (default 60)", "D"},
		{"moles", 0, 0, G_OPTION_ARG_INT, &p->moles,
			"Moles per scalp (default 1)", "N"},
		{"scabs", 0, 0, G_OPTION_ARG_INT, &p->scabs,
			"Scabs (1.6-3 mm, darker) per scalp (default 0)", "N"},
		{"touching", 0, 0, G_OPTION_ARG_DOUBLE, &p->touching_fraction,
			"Fraction of SMP dots placed with a touching or nearly merged "
			"second dot (default 0)",
			"F"},
		{"highlights", 0, 0, G_OPTION_ARG_INT, &p->highlights,
			"Specular highlights per photo (default 2)", "N"},
		{"pairs", 0, 0, G_OPTION_ARG_INT, &sessions,
			"After sessions per client and view, 0..4 (default 1)", "N"},
		{"clients", 0, 0, G_OPTION_ARG_INT, &clients,
			"Number of clients (default 1)", "N"},
		{"views", 0, 0, G_OPTION_ARG_STRING, &views,
			"Comma-separated views (default top)", "LIST"},
		{"jpeg-q", 0, 0, G_OPTION_ARG_INT, &p->jpeg_q,
			"JPEG quality (default 90)", "Q"},
		{"orientation", 0, 0, G_OPTION_ARG_INT, &orientation,
			"EXIF orientation 1..8 of every photo; 0 (default) varies "
			"among 1, 3, 6, 8",
			"N"},
		{"gradient", 0, 0, G_OPTION_ARG_DOUBLE, &gradient,
			"Illumination gradient ±fraction 0..0.5 (default 0.12)", "G"},
		{"exposure", 0, 0, G_OPTION_ARG_DOUBLE, &p->exposure,
			"Exposure of the before photos, EV (default 0)", "EV"},
		{"cast", 0, 0, G_OPTION_ARG_STRING, &cast,
			"Colour cast of the before photos, linear R,G,B gains "
			"(default 1,1,1)",
			"R,G,B"},
		{"grey-card", 0, 0, G_OPTION_ARG_STRING, &grey_card,
			"A neutral grey card (18%) at X,Y,W,H pixels of the upright "
			"photo, lit like the skin",
			"X,Y,W,H"},
		{"noise", 0, 0, G_OPTION_ARG_DOUBLE, &noise,
			"Sensor noise sigma, 8-bit levels (default 2)", "S"},
		{"blur", 0, 0, G_OPTION_ARG_DOUBLE, &blur,
			"Optical blur sigma in pixels (default 0.5)", "PX"},
		{"blur-edge", 0, 0, G_OPTION_ARG_DOUBLE, &p->blur_edge_px,
			"Blur sigma at the corners, rising from --blur at the centre "
			"(default: --blur everywhere)",
			"PX"},
		{"rotation", 0, 0, G_OPTION_ARG_DOUBLE, &set.pair.rotation_deg,
			"Mean rotation of after photos, degrees (default 4)", "DEG"},
		{"scale", 0, 0, G_OPTION_ARG_DOUBLE, &set.pair.scale,
			"Mean zoom-out of after photos (default 1.05)", "S"},
		{"sticker-mm", 0, 0, G_OPTION_ARG_DOUBLE, &p->sticker_mm,
			"Calibration sticker: white disc of this diameter on every photo "
			"(default 0: none)",
			"MM"},
		{"sticker-x", 0, 0, G_OPTION_ARG_DOUBLE, &p->sticker_x,
			"Sticker centre, fraction of the width (default 0.8)", "F"},
		{"sticker-y", 0, 0, G_OPTION_ARG_DOUBLE, &p->sticker_y,
			"Sticker centre, fraction of the height (default 0.3)", "F"},
		{"sticker-tilt", 0, 0, G_OPTION_ARG_DOUBLE, &p->sticker_tilt_deg,
			"Sticker tilt away from the camera, degrees (default 0)", "DEG"},
		{"sticker-axis", 0, 0, G_OPTION_ARG_DOUBLE, &p->sticker_axis_deg,
			"Direction of the tilted sticker's long axis (default 30)", "DEG"},
		{"sticker-ring-mm", 0, 0, G_OPTION_ARG_DOUBLE, &p->sticker_ring_mm,
			"Width of a dark border ring round the sticker (default 0)", "MM"},
		{"backdrop", 0, 0, G_OPTION_ARG_DOUBLE, &p->backdrop,
			"A backdrop over this fraction of the width at the right, as in a "
			"global view of the head (default 0, at most 0.8)",
			"F"},
		{"backdrop-kind", 0, 0, G_OPTION_ARG_INT, &p->backdrop_kind,
			"0: a light grey wall (default); 1: navy cloth with dark specks",
			"K"},
		{NULL}};

	context = smp_cli_context_new("-o DIR",
		"Write synthetic scalp photos as DIR/<client>/<session>/<view>.jpg "
		"with DIR/manifest.csv and DIR/truth.json (the dots, distractors and "
		"before/after matrices). The same options give the same files.",
		entries);
	if (!g_option_context_parse(context, &argc, &argv, &error)) {
		int code = smp_cli_usage_error(context, "%s", error->message);

		g_clear_error(&error);
		g_option_context_free(context);
		return code;
	}
	if (argc > 1) {
		int code =
			smp_cli_usage_error(context, "unexpected argument '%s'", argv[1]);

		g_option_context_free(context);
		return code;
	}
	if (!output) {
		int code = smp_cli_usage_error(context, "-o DIR is required");

		g_option_context_free(context);
		return code;
	}
	if (grey_card && !smp_parse_rect(grey_card, p->grey_card)) {
		int code = smp_cli_usage_error(
			context, "--grey-card must be X,Y,W,H pixels (W and H > 0)");

		g_option_context_free(context);
		return code;
	}
	if (cast &&
		sscanf(cast, "%lf,%lf,%lf", &p->cast[0], &p->cast[1], &p->cast[2]) !=
			3) {
		int code = smp_cli_usage_error(context, "--cast must be R,G,B");

		g_option_context_free(context);
		return code;
	}
	g_option_context_free(context);

	p->seed = (guint64) seed;
	p->gradient = gradient;
	p->noise_sigma = noise;
	p->blur_px = blur;
	if (tone >= 0)
		p->skin_tone = tone;
	set.clients = clients;
	set.sessions = sessions;
	set.tone = tone;
	set.orientation = orientation;
	if (views) {
		view_list = g_strsplit(views, ",", -1);
		for (char **v = view_list; *v; v++)
			g_strstrip(*v);
		set.views = (const char *const *) view_list;
	}
	if (!smp_synth_write_set(&set, output, &n_photos, &error))
		return smp_cli_fail(error);
	printf("wrote %d photos, manifest.csv and truth.json to %s\n", n_photos,
		output);
	return SMP_EXIT_OK;
}
