/* Public face of the synthetic scalp generator: parameters, single photos,
 * before/after series, and saving with a given EXIF orientation.
 * SPDX-License-Identifier: MIT
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "smpdoc/error.h"
#include "smpdoc/photo.h"
#include "synth_private.h"

/* Limits checked by smp_synth_params_check(). */
#define SYNTH_MAX_PIXELS ((gint64) 200 * 1000 * 1000)
#define SYNTH_MAX_SIDE 60000
#define SYNTH_MAX_DENSITY 2000.0 /* dots per cm² */

void
smp_synth_params_default(SmpSynthParams *p)
{
	memset(p, 0, sizeof(*p));
	p->seed = 1;
	p->width = 1200;
	p->height = 900;
	p->px_per_mm = 20.0;
	p->follicle_per_cm2 = 40.0;
	p->smp_per_cm2 = 100.0;
	p->dot_diameter_min_mm = 0.15;
	p->dot_diameter_max_mm = 1.0;
	p->contrast_min = 0.12;
	p->contrast_max = 0.45;
	p->stubble_fraction = 0.3;
	p->pore_per_cm2 = 60.0;
	p->moles = 1;
	p->scabs = 0;
	p->touching_fraction = 0.0;
	p->blur_edge_px = -1.0;
	p->highlights = 2;
	p->skin_tone = 2;
	p->gradient = 0.12;
	p->gradient_angle_deg = 30.0;
	p->vignette = 0.15;
	p->cast[0] = p->cast[1] = p->cast[2] = 1.0;
	p->grey_card_reflectance = 0.18;
	p->exposure = 0.0;
	p->noise_sigma = 2.0;
	p->blur_px = 0.5;
	p->jpeg_q = 90;
	p->orientation = 1;
	p->sticker_x = 0.8;
	p->sticker_y = 0.3;
	p->sticker_axis_deg = 30.0;
}

void
smp_synth_pair_params_default(SmpSynthPairParams *pair)
{
	memset(pair, 0, sizeof(*pair));
	pair->rotation_deg = 4.0;
	pair->scale = 1.05;
	pair->tx = 30.0;
	pair->ty = -20.0;
	pair->new_smp_per_cm2 = 60.0;
	pair->grow_pct = 0.0;
	pair->fade_pct = 0.0;
	pair->gradient = 0.08;
	pair->gradient_angle_deg = 200.0;
	pair->exposure = 0.2;
	pair->cast[0] = 1.04;
	pair->cast[1] = 1.0;
	pair->cast[2] = 0.95;
}

gboolean
smp_synth_kind_is_dot(SmpSynthKind kind)
{
	return kind == SMP_SYNTH_FOLLICLE || kind == SMP_SYNTH_SMP_DOT ||
		kind == SMP_SYNTH_STUBBLE;
}

const char *
smp_synth_kind_name(SmpSynthKind kind)
{
	switch (kind) {
	case SMP_SYNTH_FOLLICLE:
		return "follicle";
	case SMP_SYNTH_SMP_DOT:
		return "smp_dot";
	case SMP_SYNTH_STUBBLE:
		return "stubble";
	case SMP_SYNTH_MOLE:
		return "mole";
	case SMP_SYNTH_PORE:
		return "pore";
	case SMP_SYNTH_HIGHLIGHT:
		return "highlight";
	case SMP_SYNTH_SCAB:
		return "scab";
	}
	return "unknown";
}

static gboolean
check_range(const char *name, double v, double lo, double hi, GError **error)
{
	if (isfinite(v) && v >= lo && v <= hi)
		return TRUE;
	g_set_error(error, SMP_ERROR, SMP_ERROR_CONFIG,
		"synth: %s = %g is outside %g..%g", name, v, lo, hi);
	return FALSE;
}

gboolean
smp_synth_params_check(const SmpSynthParams *p, GError **error)
{
	if (!check_range("width", p->width, 16, SYNTH_MAX_SIDE, error) ||
		!check_range("height", p->height, 16, SYNTH_MAX_SIDE, error))
		return FALSE;
	if ((gint64) p->width * p->height > SYNTH_MAX_PIXELS) {
		g_set_error(error, SMP_ERROR, SMP_ERROR_LIMIT,
			"synth: %d x %d is over the %" G_GINT64_FORMAT " pixel limit",
			p->width, p->height, SYNTH_MAX_PIXELS);
		return FALSE;
	}
	return check_range("px_per_mm", p->px_per_mm, 1, 500, error) &&
		check_range("follicle_per_cm2", p->follicle_per_cm2, 0,
			SYNTH_MAX_DENSITY, error) &&
		check_range(
			"smp_per_cm2", p->smp_per_cm2, 0, SYNTH_MAX_DENSITY, error) &&
		check_range(
			"dot_diameter_min_mm", p->dot_diameter_min_mm, 0.02, 5, error) &&
		check_range("dot_diameter_max_mm", p->dot_diameter_max_mm,
			p->dot_diameter_min_mm, 5, error) &&
		check_range("contrast_min", p->contrast_min, 0, 0.95, error) &&
		check_range(
			"contrast_max", p->contrast_max, p->contrast_min, 0.95, error) &&
		check_range("stubble_fraction", p->stubble_fraction, 0, 1, error) &&
		check_range("pore_per_cm2", p->pore_per_cm2, 0, 5000, error) &&
		check_range("moles", p->moles, 0, 100, error) &&
		check_range("scabs", p->scabs, 0, 100, error) &&
		check_range("touching_fraction", p->touching_fraction, 0, 1, error) &&
		check_range("highlights", p->highlights, 0, 100, error) &&
		check_range("skin_tone", p->skin_tone, 0, SMP_SYNTH_TONES - 1, error) &&
		check_range("gradient", p->gradient, 0, 0.5, error) &&
		check_range("vignette", p->vignette, 0, 0.9, error) &&
		check_range("cast[0]", p->cast[0], 0.2, 5, error) &&
		check_range("cast[1]", p->cast[1], 0.2, 5, error) &&
		check_range("cast[2]", p->cast[2], 0.2, 5, error) &&
		check_range("grey_card_reflectance", p->grey_card_reflectance, 0.01, 1,
			error) &&
		check_range("exposure", p->exposure, -4, 4, error) &&
		check_range("noise_sigma", p->noise_sigma, 0, 64, error) &&
		check_range("blur_px", p->blur_px, 0, 10, error) &&
		(p->blur_edge_px < 0 ||
			check_range("blur_edge_px", p->blur_edge_px, 0, 10, error)) &&
		check_range("jpeg_q", p->jpeg_q, 1, 100, error) &&
		check_range("orientation", p->orientation, 1, 8, error) &&
		check_range("sticker_mm", p->sticker_mm, 0, 200, error) &&
		check_range("sticker_x", p->sticker_x, -1, 2, error) &&
		check_range("sticker_y", p->sticker_y, -1, 2, error) &&
		check_range("sticker_tilt_deg", p->sticker_tilt_deg, 0, 80, error) &&
		check_range(
			"sticker_axis_deg", p->sticker_axis_deg, -360, 360, error) &&
		check_range("sticker_ring_mm", p->sticker_ring_mm, 0, 20, error) &&
		check_range("backdrop", p->backdrop, 0, 0.8, error) &&
		check_range("backdrop_kind", p->backdrop_kind, 0, 1, error);
}

static gboolean
check_pair(const SmpSynthPairParams *pair, GError **error)
{
	return check_range("rotation_deg", pair->rotation_deg, -360, 360, error) &&
		check_range("scale", pair->scale, 0.25, 4, error) &&
		check_range("tx", pair->tx, -1e5, 1e5, error) &&
		check_range("ty", pair->ty, -1e5, 1e5, error) &&
		check_range("new_smp_per_cm2", pair->new_smp_per_cm2, 0,
			SYNTH_MAX_DENSITY, error) &&
		check_range("grow_pct", pair->grow_pct, -50, 100, error) &&
		check_range("fade_pct", pair->fade_pct, 0, 90, error) &&
		check_range("gradient", pair->gradient, 0, 0.5, error) &&
		check_range("exposure", pair->exposure, -4, 4, error) &&
		check_range("cast[0]", pair->cast[0], 0.2, 5, error) &&
		check_range("cast[1]", pair->cast[1], 0.2, 5, error) &&
		check_range("cast[2]", pair->cast[2], 0.2, 5, error);
}

/* The similarity AFTER px → BEFORE px of @pair, row-major 3×3. */
static void
pair_matrix(const SmpSynthPairParams *pair, double m[9])
{
	double t = pair->rotation_deg * G_PI / 180.0;
	double c = pair->scale * cos(t), s = pair->scale * sin(t);

	m[0] = c;
	m[1] = -s;
	m[2] = pair->tx;
	m[3] = s;
	m[4] = c;
	m[5] = pair->ty;
	m[6] = 0;
	m[7] = 0;
	m[8] = 1;
}

static void
view_from_params(const SmpSynthParams *p, SynthView *v)
{
	memset(v, 0, sizeof(*v));
	v->width = p->width;
	v->height = p->height;
	v->a[0] = v->a[4] = 1.0 / p->px_per_mm;
	v->session = 0;
	v->grow = v->fade = 1.0;
	v->skin_tone = p->skin_tone;
	v->gradient = p->gradient;
	v->gradient_angle_deg = p->gradient_angle_deg;
	v->vignette = p->vignette;
	memcpy(v->cast, p->cast, sizeof(v->cast));
	v->exposure = p->exposure;
	memcpy(v->grey_card, p->grey_card, sizeof(v->grey_card));
	v->grey_card_reflectance = p->grey_card_reflectance;
	v->noise_sigma = p->noise_sigma;
	v->blur_px = p->blur_px;
	v->blur_edge_px = p->blur_edge_px < 0 ? p->blur_px : p->blur_edge_px;
	v->highlights = p->highlights;
	v->photo_seed = synth_key(p->seed, 1000);
}

/* Grow [x0,x1]×[y0,y1] (mm) to hold the frame of @v. */
static void
extend_region(const SynthView *v, double box[4])
{
	double cx[4] = {0, v->width, 0, v->width};
	double cy[4] = {0, 0, v->height, v->height};

	for (int i = 0; i < 4; i++) {
		double X = v->a[0] * cx[i] + v->a[1] * cy[i] + v->a[2];
		double Y = v->a[3] * cx[i] + v->a[4] * cy[i] + v->a[5];

		box[0] = MIN(box[0], X);
		box[1] = MIN(box[1], Y);
		box[2] = MAX(box[2], X);
		box[3] = MAX(box[3], Y);
	}
}

/* A series: photo 0 of @before, photo k (1..@n_after) of session k seen
 * through @pairs[k-1]. @imgs and @truths get n_after + 1 entries,
 * @matrices n_after (AFTER k px → BEFORE px).
 */
static gboolean
render_series(const SmpSynthParams *before, const SmpSynthPairParams *pairs,
	int n_after, VipsImage **imgs, SmpSynthTruth **truths,
	double (*matrices)[9], GError **error)
{
	SynthView views[SYNTH_MAX_AFTER + 1];
	double box[4] = {G_MAXDOUBLE, G_MAXDOUBLE, -G_MAXDOUBLE, -G_MAXDOUBLE};
	double new_per_cm2[SYNTH_MAX_AFTER];
	double margin;
	SynthScene *scene;
	int k;

	if (!smp_synth_params_check(before, error))
		return FALSE;
	if (n_after < 0 || n_after > SYNTH_MAX_AFTER) {
		g_set_error(error, SMP_ERROR, SMP_ERROR_CONFIG,
			"synth: %d after sessions, at most %d", n_after, SYNTH_MAX_AFTER);
		return FALSE;
	}
	view_from_params(before, &views[0]);
	extend_region(&views[0], box);
	for (k = 1; k <= n_after; k++) {
		const SmpSynthPairParams *pp = &pairs[k - 1];
		SynthView *v = &views[k];
		double m[9];

		if (!check_pair(pp, error))
			return FALSE;
		pair_matrix(pp, m);
		view_from_params(before, v);
		/* scalp = BEFORE px / ppm = M · AFTER px / ppm */
		for (int i = 0; i < 6; i++)
			v->a[i] = m[i] / before->px_per_mm;
		v->session = k;
		v->grow = 1.0 + pp->grow_pct / 100.0;
		v->fade = 1.0 - pp->fade_pct / 100.0;
		v->gradient = pp->gradient;
		v->gradient_angle_deg = pp->gradient_angle_deg;
		v->exposure = pp->exposure;
		memcpy(v->cast, pp->cast, sizeof(v->cast));
		v->photo_seed = synth_key(before->seed, 1000 + k);
		new_per_cm2[k - 1] = pp->new_smp_per_cm2;
		if (matrices)
			memcpy(matrices[k - 1], m, sizeof(m));
		extend_region(v, box);
	}
	/* Features just outside a frame still reach in: hair shafts, soft
	 * edges, blur.
	 */
	margin = 4.0 +
		3.0 * MAX(before->blur_px, before->blur_edge_px) / before->px_per_mm;
	scene = synth_scene_new(before, box[0] - margin, box[1] - margin,
		box[2] + margin, box[3] + margin, n_after, new_per_cm2);
	for (k = 0; k <= n_after; k++) {
		imgs[k] = synth_render_view(
			scene, &views[k], truths ? &truths[k] : NULL, error);
		if (imgs[k])
			imgs[k] = synth_sticker_paint(
				imgs[k], before, &views[k], truths ? truths[k] : NULL, error);
		if (imgs[k])
			imgs[k] = synth_backdrop_paint(
				imgs[k], before, &views[k], truths ? truths[k] : NULL, error);
		if (!imgs[k]) {
			while (k-- > 0) {
				VIPS_UNREF(imgs[k]);
				if (truths)
					g_clear_pointer(&truths[k], smp_synth_truth_free);
			}
			synth_scene_free(scene);
			return FALSE;
		}
	}
	synth_scene_free(scene);
	return TRUE;
}

VipsImage *
smp_synth_render(const SmpSynthParams *p, SmpSynthTruth **truth, GError **error)
{
	VipsImage *img;
	SmpSynthTruth *t = NULL;

	if (!render_series(p, NULL, 0, &img, truth ? &t : NULL, NULL, error))
		return NULL;
	if (truth)
		*truth = t;
	return img;
}

gboolean
smp_synth_pair(const SmpSynthParams *before, const SmpSynthPairParams *pair,
	VipsImage **before_img, VipsImage **after_img, SmpSynthTruth **before_truth,
	SmpSynthTruth **after_truth, double matrix[9], GError **error)
{
	VipsImage *imgs[2];
	SmpSynthTruth *truths[2] = {NULL, NULL};
	double m[1][9];
	gboolean want_truth = before_truth || after_truth;

	if (!render_series(
			before, pair, 1, imgs, want_truth ? truths : NULL, m, error))
		return FALSE;
	*before_img = imgs[0];
	*after_img = imgs[1];
	if (before_truth)
		*before_truth = truths[0];
	else
		smp_synth_truth_free(truths[0]);
	if (after_truth)
		*after_truth = truths[1];
	else
		smp_synth_truth_free(truths[1]);
	if (matrix)
		memcpy(matrix, m[0], sizeof(m[0]));
	return TRUE;
}

gboolean
synth_series(const SmpSynthParams *before, const SmpSynthPairParams *pairs,
	int n_after, VipsImage **imgs, SmpSynthTruth **truths,
	double (*matrices)[9], GError **error)
{
	return render_series(before, pairs, n_after, imgs, truths, matrices, error);
}

VipsImage *
smp_synth_disorient(VipsImage *upright, int orientation, GError **error)
{
	VipsImage *t = NULL, *out = NULL;
	int rc;

	/* Stored = inverse of what a viewer applies for @orientation: 6 is
	 * shown turned 90° clockwise, so it is stored turned 270°; 2, 3, 4, 5
	 * and 7 are their own inverses.
	 */
	switch (orientation) {
	case 1:
		rc = vips_copy(upright, &out, NULL);
		break;
	case 2:
		rc = vips_flip(upright, &out, VIPS_DIRECTION_HORIZONTAL, NULL);
		break;
	case 3:
		rc = vips_rot(upright, &out, VIPS_ANGLE_D180, NULL);
		break;
	case 4:
		rc = vips_flip(upright, &out, VIPS_DIRECTION_VERTICAL, NULL);
		break;
	case 5: /* transpose */
		rc = vips_rot(upright, &t, VIPS_ANGLE_D90, NULL) ||
			vips_flip(t, &out, VIPS_DIRECTION_HORIZONTAL, NULL);
		break;
	case 6:
		rc = vips_rot(upright, &out, VIPS_ANGLE_D270, NULL);
		break;
	case 7: /* transverse */
		rc = vips_rot(upright, &t, VIPS_ANGLE_D90, NULL) ||
			vips_flip(t, &out, VIPS_DIRECTION_VERTICAL, NULL);
		break;
	case 8:
		rc = vips_rot(upright, &out, VIPS_ANGLE_D90, NULL);
		break;
	default:
		g_set_error(error, SMP_ERROR, SMP_ERROR_CONFIG,
			"synth: orientation %d is outside 1..8", orientation);
		return NULL;
	}
	VIPS_UNREF(t);
	if (rc) {
		VIPS_UNREF(out);
		smp_error_from_vips(error, SMP_ERROR_INTERNAL, NULL, "orient");
		return NULL;
	}
	vips_image_set_int(out, VIPS_META_ORIENTATION, orientation);
	return out;
}

gboolean
smp_synth_save(VipsImage *upright, int orientation, int jpeg_q,
	const char *path, GError **error)
{
	g_autofree char *target = NULL;
	VipsImage *stored;
	gboolean ok;

	if (jpeg_q < 1 || jpeg_q > 100) {
		g_set_error(error, SMP_ERROR, SMP_ERROR_CONFIG,
			"%s: JPEG quality %d is outside 1..100", path, jpeg_q);
		return FALSE;
	}
	stored = smp_synth_disorient(upright, orientation, error);
	if (!stored) {
		g_prefix_error(error, "%s: ", path);
		return FALSE;
	}
	/* Phones subsample chroma; libvips would not at Q >= 90 unless told. */
	target = g_strdup_printf("%s[Q=%d,subsample-mode=on]", path, jpeg_q);
	ok = smp_photo_save_atomic(stored, target, error);
	g_object_unref(stored);
	return ok;
}

void
smp_synth_truth_free(SmpSynthTruth *truth)
{
	if (!truth)
		return;
	if (truth->dots)
		g_array_free(truth->dots, TRUE);
	if (truth->distractors)
		g_array_free(truth->distractors, TRUE);
	g_free(truth);
}
