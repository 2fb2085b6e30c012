/* Tests of lighting and tone normalisation on synthetic scalp photos with
 * gradients, vignetting, exposure and colour casts: flatness, dot counts,
 * before/after tone match, warnings and the JSON record.
 * SPDX-License-Identifier: MIT
 */
#include "test.h"

#include <math.h>
#include <string.h>

#include <json-glib/json-glib.h>

#include "smpdoc/detect.h"
#include "smpdoc/error.h"
#include "smpdoc/normalise.h"
#include "smpdoc/photo.h"
#include "smpdoc/synth.h"

#define PPM 20.0
#define CELL_MM 10.0

/* A 1.1 MP photo (60 x 45 mm) of scalp @seed with lighting set by the
 * caller afterwards.
 */
static void
params(SmpSynthParams *p, guint64 seed, int tone)
{
	smp_synth_params_default(p);
	p->seed = seed;
	p->width = 1200;
	p->height = 900;
	p->px_per_mm = PPM;
	p->skin_tone = tone;
}

static VipsImage *
render(const SmpSynthParams *p, SmpSynthTruth **truth)
{
	GError *error = NULL;
	VipsImage *image = smp_synth_render(p, truth, &error);

	assert_no_gerror(error);
	return image;
}

static SmpNormalisation *
normalise(VipsImage *image, const SmpNormaliseParams *np)
{
	GError *error = NULL;
	SmpNormalisation *n =
		smp_normalise_photo(image, np, PPM, "synth.jpg", &error);

	assert_no_gerror(error);
	assert_non_null(n);
	assert_int_equal(n->image->Xsize, image->Xsize);
	assert_int_equal(n->image->Ysize, image->Ysize);
	assert_int_equal(vips_image_get_bands(n->image), 3);
	assert_int_equal(vips_image_get_format(n->image), VIPS_FORMAT_UCHAR);
	return n;
}

/* Optional: SMP_TEST_SAVE=DIR writes @image there as NAME.png to look at. */
static void
save(VipsImage *image, const char *name)
{
	const char *dir = getenv("SMP_TEST_SAVE");
	g_autofree char *path = NULL;

	if (!dir)
		return;
	path = g_strdup_printf("%s/%s.png", dir, name);
	assert_vips_ok(vips_image_write_to_file(image, path, NULL));
}

static void
exclude(guchar *m, int w, int h, const SmpSynthDot *d)
{
	double rad = 1.5 * d->r + 2 + d->length;
	int x0 = MAX(0, (int) (d->x - rad)), x1 = MIN(w, (int) (d->x + rad) + 1);
	int y0 = MAX(0, (int) (d->y - rad)), y1 = MIN(h, (int) (d->y + rad) + 1);

	for (int y = y0; y < y1; y++)
		for (int x = x0; x < x1; x++) {
			double dx = x + 0.5 - d->x, dy = y + 0.5 - d->y;

			if (dx * dx + dy * dy <= rad * rad)
				m[(gsize) y * w + x] = 0;
		}
}

/* 1 where the truth has only skin: no dot, mole, pore or highlight. */
static guchar *
background(const SmpSynthTruth *t)
{
	guchar *m = g_malloc((gsize) t->width * t->height);

	memset(m, 1, (gsize) t->width * t->height);
	for (guint i = 0; i < t->dots->len; i++)
		exclude(
			m, t->width, t->height, &g_array_index(t->dots, SmpSynthDot, i));
	for (guint i = 0; i < t->distractors->len; i++)
		exclude(m, t->width, t->height,
			&g_array_index(t->distractors, SmpSynthDot, i));
	return m;
}

/* CIELAB of @image as floats, L a b per pixel. */
static float *
lab(VipsImage *image)
{
	g_autoptr(VipsImage) l = NULL;
	g_autoptr(VipsImage) mem = NULL;
	size_t size;

	assert_vips_ok(vips_colourspace(image, &l, VIPS_INTERPRETATION_LAB, NULL));
	assert_non_null(mem = vips_image_copy_memory(l));
	return g_memdup2(
		vips_image_get_data(mem), (size = VIPS_IMAGE_SIZEOF_IMAGE(mem)));
}

/* The median of @v (reordered), by quickselect: the tests take many
 * medians of tens of thousands of pixels.
 */
static float
median(float *v, int n)
{
	int lo = 0, hi = n - 1, k = n / 2;

	while (lo < hi) {
		float pivot = v[(lo + hi) / 2];
		int i = lo, j = hi;

		while (i <= j) {
			while (v[i] < pivot)
				i++;
			while (v[j] > pivot)
				j--;
			if (i <= j) {
				float tmp = v[i];

				v[i++] = v[j];
				v[j--] = tmp;
			}
		}
		if (k <= j)
			hi = j;
		else if (k >= i)
			lo = i;
		else
			break;
	}
	return v[k];
}

/* Median L*, a*, b* of the background pixels in the square of half side
 * @half px around (@cx, @cy). FALSE when too few.
 */
static gboolean
cell_median(const float *lab, const guchar *bg, int w, int h, double cx,
	double cy, double half, double out[3])
{
	int x0 = (int) (cx - half), x1 = (int) (cx + half);
	int y0 = (int) (cy - half), y1 = (int) (cy + half);
	g_autofree float *v = NULL;
	int n = 0;

	if (x0 < 0 || y0 < 0 || x1 > w || y1 > h)
		return FALSE;
	v = g_new(float, 3 * (gsize) (x1 - x0) * (y1 - y0));
	for (int c = 0; c < 3; c++) {
		n = 0;
		for (int y = y0; y < y1; y++)
			for (int x = x0; x < x1; x++)
				if (bg[(gsize) y * w + x])
					v[n++] = lab[3 * ((gsize) y * w + x) + c];
		if (n < (x1 - x0) * (y1 - y0) / 10)
			return FALSE;
		out[c] = median(v, n);
	}
	return TRUE;
}

/* Standard deviation of the background L* medians over a 10 mm grid, and
 * their mean (@mean_l, optional).
 */
static double
grid_l_std(VipsImage *image, const SmpSynthTruth *t, double *mean_l)
{
	g_autofree float *l = lab(image);
	g_autofree guchar *bg = background(t);
	double cell = CELL_MM * PPM, s = 0, s2 = 0, m[3];
	int n = 0;

	for (double cy = cell / 2; cy + cell / 2 <= t->height; cy += cell)
		for (double cx = cell / 2; cx + cell / 2 <= t->width; cx += cell)
			if (cell_median(l, bg, t->width, t->height, cx, cy, cell / 2, m)) {
				s += m[0];
				s2 += m[0] * m[0];
				n++;
			}
	assert_true(n >= 20);
	if (mean_l)
		*mean_l = s / n;
	return sqrt(MAX(0, s2 / n - (s / n) * (s / n)));
}

typedef struct Lighting {
	int tone;
	double gradient, angle, vignette, gain, cast[3];
	gboolean strong; /* as shot varies by >= 10 L* */
} Lighting;

/* Gradients to ±50 %, vignetting, exposure 0.7..1.3 (as a gain) and
 * casts of ±10 % per channel, on light, middle and dark skin.
 */
static const Lighting lightings[] = {
	{2, 0.50, 35, 0.90, 1.0, {1.10, 1.00, 0.90}},
	{0, 0.50, 215, 0.90, 0.9, {0.90, 1.00, 1.10}, TRUE},
	{5, 0.50, 250, 0.25, 1.2, {1.10, 0.95, 0.90}},
};

static void
light(SmpSynthParams *p, const Lighting *l)
{
	p->gradient = l->gradient;
	p->gradient_angle_deg = l->angle;
	p->vignette = l->vignette;
	p->exposure = log2(l->gain);
	for (int c = 0; c < 3; c++)
		p->cast[c] = l->cast[c];
}

static void
test_normalise_flattens_lightness(void **state)
{
	guint64 seed = smp_test_seed(4001);

	(void) state;
	for (size_t i = 0; i < G_N_ELEMENTS(lightings); i++) {
		SmpSynthParams sp;
		g_autoptr(SmpSynthTruth) t = NULL;
		g_autoptr(VipsImage) shot = NULL;
		g_autoptr(SmpNormalisation) n = NULL;
		double before, after;
		char name[32];

		params(&sp, seed + i, lightings[i].tone);
		/* 70 x 50 mm: the 10 mm grid reaches further into the corners. */
		sp.width = 1400;
		sp.height = 1000;
		light(&sp, &lightings[i]);
		shot = render(&sp, &t);
		n = normalise(shot, NULL);
		before = grid_l_std(shot, t, NULL);
		after = grid_l_std(n->image, t, NULL);
		print_message("tone %d gradient %.2f: L* std over 10 mm cells "
					  "%.2f as shot, %.2f normalised (illum %.2f..%.2f)\n",
			lightings[i].tone, lightings[i].gradient, before, after,
			n->illum_min, n->illum_max);
		snprintf(name, sizeof(name), "tone%d-shot", lightings[i].tone);
		save(shot, name);
		snprintf(name, sizeof(name), "tone%d-norm", lightings[i].tone);
		save(n->image, name);
		if (lightings[i].strong)
			assert_true(before >= 10);
		assert_true(after <= 2.0);
	}
}

static SmpDetection *
detect(VipsImage *image)
{
	SmpDetectParams dp;
	GError *error = NULL;
	SmpDetection *d;

	/* The defaults are 0.15..1.0 mm at 20 px/mm; stated here anyway. */
	smp_detect_params_default(&dp);
	dp.diameter_min_px = 0.15 * PPM;
	dp.diameter_max_px = 1.0 * PPM;
	d = smp_detect_dots(image, &dp, "synth.jpg", &error);
	assert_no_gerror(error);
	return d;
}

static void
test_normalise_keeps_dot_count_under_gradient(void **state)
{
	static const Lighting grad[] = {
		{2, 0.50, 30, 0.30, 1.0, {1, 1, 1}},
		{0, 0.40, 120, 0.20, 0.8, {1, 1, 1}},
	};
	guint64 seed = smp_test_seed(4002);

	(void) state;
	for (size_t i = 0; i < G_N_ELEMENTS(grad); i++) {
		SmpSynthParams sp;
		g_autoptr(VipsImage) even = NULL;
		g_autoptr(VipsImage) lit = NULL;
		g_autoptr(SmpNormalisation) ne = NULL;
		g_autoptr(SmpNormalisation) nl = NULL;
		g_autoptr(SmpDetection) de = NULL;
		g_autoptr(SmpDetection) dl = NULL;
		g_autoptr(SmpDetection) raw = NULL;
		double diff;

		params(&sp, seed + i, grad[i].tone);
		sp.gradient = 0;
		sp.vignette = 0;
		even = render(&sp, NULL);
		light(&sp, &grad[i]);
		lit = render(&sp, NULL);
		ne = normalise(even, NULL);
		nl = normalise(lit, NULL);
		de = detect(ne->image);
		dl = detect(nl->image);
		raw = detect(lit);
		diff = fabs((double) dl->dots->len - de->dots->len) / de->dots->len;
		print_message("tone %d gradient %.2f: %u dots even, %u with the "
					  "gradient (%.2f%%), %u with it unnormalised\n",
			grad[i].tone, grad[i].gradient, de->dots->len, dl->dots->len,
			100 * diff, raw->dots->len);
		assert_true(de->dots->len > 1000);
		assert_true(diff <= 0.02);
	}
}

/* Mean ΔE*ab between the skin background of @b and @a over the 10 mm
 * cells of @b, @a's cell found through @m (AFTER px -> BEFORE px).
 */
static double
pair_delta_e(VipsImage *b, const SmpSynthTruth *tb, VipsImage *a,
	const SmpSynthTruth *ta, const double m[9])
{
	g_autofree float *lb = lab(b);
	g_autofree float *la = lab(a);
	g_autofree guchar *bgb = background(tb);
	g_autofree guchar *bga = background(ta);
	double cell = CELL_MM * PPM, det = m[0] * m[4] - m[1] * m[3], sum = 0;
	int n = 0;

	for (double cy = cell / 2; cy + cell / 2 <= tb->height; cy += cell)
		for (double cx = cell / 2; cx + cell / 2 <= tb->width; cx += cell) {
			/* Invert the similarity for this cell's centre. */
			double dx = cx - m[2], dy = cy - m[5], mb[3], ma[3];
			double ax = (m[4] * dx - m[1] * dy) / det;
			double ay = (-m[3] * dx + m[0] * dy) / det;

			if (!cell_median(
					lb, bgb, tb->width, tb->height, cx, cy, cell / 2, mb) ||
				!cell_median(
					la, bga, ta->width, ta->height, ax, ay, cell / 2, ma))
				continue;
			sum += sqrt((mb[0] - ma[0]) * (mb[0] - ma[0]) +
				(mb[1] - ma[1]) * (mb[1] - ma[1]) +
				(mb[2] - ma[2]) * (mb[2] - ma[2]));
			n++;
		}
	assert_true(n >= 10);
	return sum / n;
}

typedef struct Pair {
	VipsImage *before, *after;
	SmpSynthTruth *tb, *ta;
	double m[9];
} Pair;

static void
pair_render(Pair *pr, int tone, double ev, const double cast[3],
	double gradient, guint64 seed)
{
	SmpSynthParams sp;
	SmpSynthPairParams pp;
	GError *error = NULL;

	params(&sp, seed, tone);
	if (gradient < 0) {
		/* Small and evenly lit: for the warnings only. */
		sp.width = 800;
		sp.height = 600;
		gradient = 0;
	}
	sp.gradient = 0.3;
	smp_synth_pair_params_default(&pp);
	pp.exposure = ev;
	pp.gradient = gradient;
	for (int c = 0; c < 3; c++)
		pp.cast[c] = cast[c];
	assert_true(smp_synth_pair(
		&sp, &pp, &pr->before, &pr->after, &pr->tb, &pr->ta, pr->m, &error));
	assert_no_gerror(error);
}

static void
pair_free(Pair *pr)
{
	g_object_unref(pr->before);
	g_object_unref(pr->after);
	smp_synth_truth_free(pr->tb);
	smp_synth_truth_free(pr->ta);
}

static void
test_normalise_match_pair_within_3_delta_e(void **state)
{
	static const struct {
		int tone;
		double gain, cast[3], gradient;
	} cases[] = {
		{2, 1.3, {1.10, 1.00, 0.90}, 0.5},
		{4, 1.2, {1.10, 0.90, 1.00}, 0.5},
	};
	guint64 seed = smp_test_seed(4003);

	(void) state;
	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		Pair pr;
		g_autoptr(SmpNormalisation) nb = NULL;
		g_autoptr(SmpNormalisation) na = NULL;
		GError *error = NULL;
		double shot, own, matched;

		pair_render(&pr, cases[i].tone, log2(cases[i].gain), cases[i].cast,
			cases[i].gradient, seed + i);
		nb = normalise(pr.before, NULL);
		na = normalise(pr.after, NULL);
		shot = pair_delta_e(pr.before, pr.tb, pr.after, pr.ta, pr.m);
		own = pair_delta_e(nb->image, pr.tb, na->image, pr.ta, pr.m);
		assert_true(smp_normalise_match(nb, na, NULL, NULL, NULL, &error));
		assert_no_gerror(error);
		matched = pair_delta_e(nb->image, pr.tb, na->image, pr.ta, pr.m);
		print_message("tone %d: mean ΔE*ab of the skin %.2f as shot, %.2f "
					  "each normalised, %.2f matched (module: %.2f -> %.2f)\n",
			cases[i].tone, shot, own, matched, na->match_delta_e_before,
			na->match_delta_e_after);
		save(nb->image, "pair-before");
		save(na->image, "pair-after");
		assert_true(na->matched);
		assert_string_equal(na->match_region, "whole_frame");
		assert_true(matched <= 3.0);
		assert_true(matched < shot);
		assert_false(smp_warnings_has(na->warnings, "lighting_mismatch"));
		pair_free(&pr);
	}
}

static gboolean
warned(VipsImage *image, const char *code, double *measure)
{
	g_autoptr(SmpNormalisation) n = normalise(image, NULL);

	if (measure)
		*measure = strcmp(code, "blur") == 0
			? n->edge_blur_px
			: MAX(n->clipped_high, n->clipped_low);
	return smp_warnings_has(n->warnings, code);
}

static void
test_normalise_warns_on_blur_and_clipping_only(void **state)
{
	guint64 seed = smp_test_seed(4004);
	double m;

	(void) state;
	for (int tone = 0; tone < SMP_SYNTH_TONES; tone += 5) {
		SmpSynthParams sp;
		g_autoptr(VipsImage) clean = NULL;
		g_autoptr(VipsImage) blurred = NULL;

		params(&sp, seed + tone, tone);
		sp.width = 800;
		sp.height = 600;
		clean = render(&sp, NULL);
		assert_false(warned(clean, "blur", &m));
		print_message("tone %d clean: edge blur %.2f px\n", tone, m);
		assert_false(warned(clean, "clipped", &m));
		print_message("tone %d clean: clipped %.4f\n", tone, m);
		sp.blur_px = 3;
		blurred = render(&sp, NULL);
		assert_true(warned(blurred, "blur", &m));
		print_message(
			"tone %d blurred (sigma 3 px): edge blur %.2f px\n", tone, m);
	}
	{
		SmpSynthParams sp;
		g_autoptr(VipsImage) bright = NULL;

		params(&sp, seed, 0);
		sp.width = 800;
		sp.height = 600;
		sp.exposure = 1.0;
		bright = render(&sp, NULL);
		assert_true(warned(bright, "clipped", &m));
		print_message("tone 0 one stop over: clipped %.4f\n", m);
		assert_false(warned(bright, "blur", NULL));
	}
}

static gboolean
pair_mismatch(double ev, const double cast[3], guint64 seed)
{
	Pair pr;
	g_autoptr(SmpNormalisation) nb = NULL;
	g_autoptr(SmpNormalisation) na = NULL;
	GError *error = NULL;
	gboolean has;

	pair_render(&pr, 2, ev, cast, -1, seed);
	nb = normalise(pr.before, NULL);
	na = normalise(pr.after, NULL);
	assert_true(smp_normalise_match(nb, na, NULL, NULL, NULL, &error));
	assert_no_gerror(error);
	has = smp_warnings_has(na->warnings, "lighting_mismatch");
	assert_false(smp_warnings_has(nb->warnings, "lighting_mismatch"));
	if (has)
		print_message("%s\n",
			((SmpWarning *) g_ptr_array_index(
				 na->warnings, na->warnings->len - 1))
				->message);
	pair_free(&pr);
	return has;
}

static void
test_normalise_warns_on_lighting_mismatch_only(void **state)
{
	static const double mild[3] = {1.04, 1.0, 0.95};
	static const double strong[3] = {1.35, 1.0, 0.7};
	guint64 seed = smp_test_seed(4005);

	(void) state;
	assert_false(pair_mismatch(0.2, mild, seed));
	assert_true(pair_mismatch(0.2, strong, seed));
	assert_true(pair_mismatch(1.5, mild, seed));
}

static JsonNode *
member(JsonObject *o, const char *path)
{
	g_auto(GStrv) parts = g_strsplit(path, ".", -1);
	JsonNode *node = NULL;

	for (int i = 0; parts[i]; i++) {
		assert_non_null(o);
		node = json_object_get_member(o, parts[i]);
		assert_non_null(node);
		o = JSON_NODE_HOLDS_OBJECT(node) ? json_node_get_object(node) : NULL;
	}
	return node;
}

static void
test_normalise_json_round_trip_and_mask_match(void **state)
{
	static const double cast[3] = {1.08, 1.0, 0.93};
	Pair pr;
	g_autoptr(SmpNormalisation) nb = NULL;
	g_autoptr(SmpNormalisation) na = NULL;
	g_autoptr(VipsImage) mb = NULL;
	g_autoptr(VipsImage) ma = NULL;
	g_autoptr(JsonBuilder) b = json_builder_new();
	g_autoptr(JsonGenerator) gen = json_generator_new();
	g_autoptr(JsonParser) parser = json_parser_new();
	g_autoptr(JsonNode) root = NULL;
	g_autofree char *text = NULL;
	GError *error = NULL;
	JsonObject *o;
	JsonArray *gains;

	(void) state;
	pair_render(&pr, 3, 0.3, cast, 0.3, smp_test_seed(4006));
	nb = normalise(pr.before, NULL);
	na = normalise(pr.after, NULL);
	/* The overlap: the middle of each photo. */
	assert_vips_ok(vips_black(&mb, nb->width, nb->height, NULL));
	assert_vips_ok(
		vips_draw_rect1(mb, 255, 200, 150, 800, 600, "fill", TRUE, NULL));
	assert_vips_ok(vips_copy(mb, &ma, NULL));
	assert_false(smp_normalise_match(nb, na, mb, NULL, NULL, &error));
	assert_true(g_error_matches(error, SMP_ERROR, SMP_ERROR_CONFIG));
	g_clear_error(&error);
	assert_true(smp_normalise_match(nb, na, mb, ma, NULL, &error));
	assert_no_gerror(error);
	assert_string_equal(na->match_region, "mask");
	assert_true(na->match_delta_e_after < 1.0);

	json_builder_begin_object(b);
	json_builder_set_member_name(b, "before");
	smp_normalise_to_json(nb, b);
	json_builder_set_member_name(b, "after");
	smp_normalise_to_json(na, b);
	json_builder_end_object(b);
	root = json_builder_get_root(b);
	json_generator_set_root(gen, root);
	json_generator_set_pretty(gen, TRUE);
	text = json_generator_to_data(gen, NULL);
	if (getenv("SMP_TEST_SAVE"))
		print_message("%s\n", text);

	assert_true(json_parser_load_from_data(parser, text, -1, &error));
	assert_no_gerror(error);
	o = json_node_get_object(json_parser_get_root(parser));
	assert_float_equal(
		json_node_get_double(member(o, "before.flatfield.sigma_mm")), 12.0,
		1e-9);
	assert_float_equal(
		json_node_get_double(member(o, "after.flatfield.sigma_px")), 240.0,
		1e-9);
	assert_true(json_node_get_boolean(member(o, "before.flatfield.applied")));
	gains = json_node_get_array(member(o, "after.white_balance.gains"));
	assert_int_equal(json_array_get_length(gains), 3);
	assert_float_equal(json_array_get_double_element(gains, 0),
		round(na->wb_gain[0] * 1e4) / 1e4, 1e-9);
	assert_true(JSON_NODE_HOLDS_NULL(member(o, "before.match")));
	assert_true(JSON_NODE_HOLDS_NULL(member(o, "before.exposure.target_L")));
	assert_string_equal(
		json_node_get_string(member(o, "after.match.region")), "mask");
	assert_int_equal(json_array_get_length(json_node_get_array(
						 member(o, "after.flatfield.ln_poly"))),
		10);
	assert_true(json_node_get_double(member(o, "after.quality.focus")) > 0.5);
	assert_int_equal(
		json_array_get_length(json_node_get_array(member(o, "after.skin_lab"))),
		3);
	pair_free(&pr);
}

static void
test_normalise_exposure_target_and_no_scale(void **state)
{
	SmpSynthParams sp;
	SmpNormaliseParams np;
	g_autoptr(SmpSynthTruth) t = NULL;
	g_autoptr(VipsImage) shot = NULL;
	g_autoptr(SmpNormalisation) n = NULL;
	g_autoptr(SmpNormalisation) ns = NULL;
	GError *error = NULL;
	double mean_l;

	(void) state;
	params(&sp, smp_test_seed(4007), 3);
	sp.exposure = log2(0.7);
	sp.gradient = 0.4;
	shot = render(&sp, &t);
	smp_normalise_params_default(&np);
	np.target_lightness = 60;
	n = normalise(shot, &np);
	grid_l_std(n->image, t, &mean_l);
	print_message("target L* 60: skin background L* %.2f (module %.2f), "
				  "gain %.3f\n",
		mean_l, n->skin_lab[0], n->exposure_gain);
	assert_float_equal(mean_l, 60, 1.5);
	assert_float_equal(n->skin_lab[0], 60, 0.5);

	/* No scale: the px fallback and no "mm" anywhere. */
	ns = smp_normalise_photo(shot, NULL, -1, "synth.jpg", &error);
	assert_no_gerror(error);
	assert_float_equal(ns->flat_sigma_px, SMP_NORMALISE_FLATFIELD_PX, 1e-9);
	assert_true(grid_l_std(ns->image, t, NULL) <= 2.0);
}

static void
test_normalise_rejects_bad_input(void **state)
{
	SmpNormaliseParams np;
	g_autoptr(VipsImage) grey = NULL;
	g_autoptr(VipsImage) rgb = NULL;
	GError *error = NULL;

	(void) state;
	assert_vips_ok(vips_black(&grey, 64, 64, NULL));
	assert_null(smp_normalise_photo(grey, NULL, 20, "grey.png", &error));
	assert_true(g_error_matches(error, SMP_ERROR, SMP_ERROR_UNSUPPORTED));
	assert_non_null(strstr(error->message, "grey.png"));
	g_clear_error(&error);

	assert_vips_ok(vips_black(&rgb, 64, 64, "bands", 3, NULL));
	smp_normalise_params_default(&np);
	np.bg_low = 1.2;
	assert_null(smp_normalise_photo(rgb, &np, 20, "x.jpg", &error));
	assert_true(g_error_matches(error, SMP_ERROR, SMP_ERROR_CONFIG));
	assert_non_null(strstr(error->message, "x.jpg: normalise:"));
	g_clear_error(&error);
}

static double
delta_e76(const double a[3], const double b[3])
{
	return sqrt((a[0] - b[0]) * (a[0] - b[0]) + (a[1] - b[1]) * (a[1] - b[1]) +
		(a[2] - b[2]) * (a[2] - b[2]));
}

/* Mean CIELAB of @im (8-bit sRGB) in a rectangle. */
static void
area_lab(VipsImage *im, const int r[4], double lab[3])
{
	g_autoptr(VipsImage) area = NULL, l = NULL, stats = NULL;

	assert_vips_ok(vips_extract_area(im, &area, r[0], r[1], r[2], r[3], NULL));
	assert_vips_ok(vips_colourspace(area, &l, VIPS_INTERPRETATION_LAB, NULL));
	assert_vips_ok(vips_stats(l, &stats, NULL));
	for (int c = 0; c < 3; c++)
		lab[c] = *VIPS_MATRIX(stats, 4, c + 1);
}

static gboolean
has_warning(const SmpNormalisation *n, const char *code)
{
	for (guint i = 0; i < n->warnings->len; i++)
		if (strcmp(((SmpWarning *) g_ptr_array_index(n->warnings, i))->code,
				code) == 0)
			return TRUE;
	return FALSE;
}

static void
set_card(SmpSynthParams *sp)
{
	sp->grey_card[0] = 60;
	sp->grey_card[1] = 60;
	sp->grey_card[2] = 200;
	sp->grey_card[3] = 150;
}

/* A grey card under a ±10% colour cast: after its white balance the card
 * is neutral (chroma <= 2, i.e. ΔE*ab <= 2 to the grey of its lightness),
 * and the skin comes out within ΔE*ab 2 of the same scene shot without
 * the cast (grey card, and skin-based white balance alike). A clipped
 * card falls back to the skin, saying so.
 */
static void
test_normalise_grey_card_white_balance(void **state)
{
	static const double cast[3] = {1.10, 1.0, 0.90};
	static const int tones[] = {1, 4};
	const int inner[4] = {70, 70, 180, 130}; /* the card, 10 px in */
	guint64 seed = smp_test_seed(4301);

	(void) state;
	for (size_t i = 0; i < G_N_ELEMENTS(tones); i++) {
		SmpSynthParams sp;
		SmpNormaliseParams np, skin_np;
		g_autoptr(VipsImage) shot = NULL, plain = NULL;
		g_autoptr(SmpNormalisation) n = NULL, ref = NULL, skin = NULL;
		g_autoptr(SmpNormalisation) skin_cast = NULL;
		double card[3], card_shot[3], chroma, d_ref, d_skin, d_skin_cast;

		params(&sp, seed + i, tones[i]);
		sp.gradient = 0.3;
		set_card(&sp);
		plain = render(&sp, NULL);
		for (int c = 0; c < 3; c++)
			sp.cast[c] = cast[c];
		shot = render(&sp, NULL);
		smp_normalise_params_default(&np);
		skin_np = np;
		for (int c = 0; c < 4; c++)
			np.grey_card[c] = sp.grey_card[c];
		n = normalise(shot, &np);
		ref = normalise(plain, &np);
		skin = normalise(plain, &skin_np);
		skin_cast = normalise(shot, &skin_np);
		assert_string_equal(n->wb_source, "grey_card");
		assert_string_equal(skin->wb_source, "skin");
		assert_int_equal(n->grey_card_px[2], 200);
		area_lab(shot, inner, card_shot);
		area_lab(n->image, inner, card);
		chroma = hypot(card[1], card[2]);
		d_ref = delta_e76(n->skin_lab, ref->skin_lab);
		d_skin = delta_e76(n->skin_lab, skin->skin_lab);
		d_skin_cast = delta_e76(skin_cast->skin_lab, skin->skin_lab);
		print_message("tone %d: card chroma %.2f as shot, %.2f after; skin "
					  "ΔE*ab to the uncast scene %.2f (grey card), %.2f "
					  "(skin white balance of the uncast scene); skin-based "
					  "on the cast photo %.2f\n",
			tones[i], hypot(card_shot[1], card_shot[2]), chroma, d_ref, d_skin,
			d_skin_cast);
		assert_true(hypot(card_shot[1], card_shot[2]) > 3);
		assert_true(chroma <= 2);
		assert_true(d_ref <= 2);
		assert_true(d_skin <= 2);
		assert_false(has_warning(n, "grey_card_clipped"));
	}

	/* A white card one stop over: clipped, so the skin decides. */
	{
		SmpSynthParams sp;
		SmpNormaliseParams np;
		g_autoptr(VipsImage) shot = NULL;
		g_autoptr(SmpNormalisation) n = NULL;

		params(&sp, seed, 1);
		set_card(&sp);
		sp.grey_card_reflectance = 1.0;
		sp.exposure = 1;
		shot = render(&sp, NULL);
		smp_normalise_params_default(&np);
		/* The same card as fractions of the photo's size. */
		np.grey_card[0] = 60.0 / sp.width;
		np.grey_card[1] = 60.0 / sp.height;
		np.grey_card[2] = 200.0 / sp.width;
		np.grey_card[3] = 150.0 / sp.height;
		n = normalise(shot, &np);
		assert_string_equal(n->wb_source, "skin");
		assert_true(has_warning(n, "grey_card_clipped"));
		assert_int_equal(n->grey_card_px[0], 60);
		assert_int_equal(n->grey_card_px[2], 200);
	}
}

SMP_TEST_MAIN("normalise",
	((const struct CMUnitTest[]){
		cmocka_unit_test(test_normalise_flattens_lightness),
		cmocka_unit_test(test_normalise_keeps_dot_count_under_gradient),
		cmocka_unit_test(test_normalise_match_pair_within_3_delta_e),
		cmocka_unit_test(test_normalise_warns_on_blur_and_clipping_only),
		cmocka_unit_test(test_normalise_warns_on_lighting_mismatch_only),
		cmocka_unit_test(test_normalise_json_round_trip_and_mask_match),
		cmocka_unit_test(test_normalise_exposure_target_and_no_scale),
		cmocka_unit_test(test_normalise_rejects_bad_input),
		cmocka_unit_test(test_normalise_grey_card_white_balance),
	}))
