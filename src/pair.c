/* Writing one before/after pair: labels, composite, sidecar.
 * SPDX-License-Identifier: MIT
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <glib/gstdio.h>

#include "smpdoc/composite.h"
#include "smpdoc/error.h"
#include "smpdoc/growth.h"
#include "smpdoc/mat3.h"
#include "smpdoc/pair.h"
#include "smpdoc/privacy.h"
#include "smpdoc/provenance.h"
#include "smpdoc/register.h"
#include "smpdoc/report.h"

/* "session 1 · 2024-04-08 · top · 162 dots/cm² (159–165) · coverage 21%" */
static char *
caption_for(const SmpPairSpec *spec, int i)
{
	const SmpMeasurement *m = spec->analysis[i]->measurement;
	const char *taken =
		spec->taken[i] ? spec->taken[i] : spec->photo[i]->meta->taken;
	GString *s = g_string_new(NULL);

	g_string_append_printf(s, "session %d", spec->session[i]);
	/* A date helps identify a person: not on marketing images. */
	if (taken && spec->pipeline->purpose != SMP_PURPOSE_PORTFOLIO)
		g_string_append_printf(s, "  ·  %.10s", taken);
	if (spec->view)
		g_string_append_printf(s, "  ·  %s", spec->view);
	if (m->has_scale)
		g_string_append_printf(s, "  ·  %.0f dots/cm² (%.0f–%.0f)", m->per_cm2,
			m->per_cm2_ci95[0], m->per_cm2_ci95[1]);
	else
		g_string_append_printf(s, "  ·  %zu dots, %.0f/Mpx (no scale)",
			(size_t) m->count, m->per_mpx);
	if (isfinite(m->coverage))
		g_string_append_printf(s, "  ·  coverage %.0f%%", m->coverage * 100);
	return g_string_free(s, FALSE);
}

/* The after caption adds the change: "· +52 dots/cm² (+37%)". */
static char *
after_caption(const SmpPairSpec *spec, const SmpChange *change)
{
	g_autofree char *base = caption_for(spec, 1);

	if (isfinite(change->per_cm2) && isfinite(change->per_cm2_pct))
		return g_strdup_printf("%s  ·  %+.0f dots/cm² (%+.0f%%)", base,
			change->per_cm2, change->per_cm2_pct);
	return g_steal_pointer(&base);
}

/* Originals are never written: refuse an output that is an input. */
static gboolean
check_not_input(const SmpPairSpec *spec, const char *out, GError **error)
{
	g_autofree char *real_out = realpath(out, NULL);

	for (int i = 0; real_out && spec->inputs && spec->inputs[i]; i++) {
		g_autofree char *real_in = realpath(spec->inputs[i], NULL);

		if (real_in && strcmp(real_in, real_out) == 0) {
			g_set_error(error, SMP_ERROR, SMP_ERROR_USAGE,
				"%s: output: would overwrite an input photo", out);
			return FALSE;
		}
	}
	return TRUE;
}

/* The pair on the before photo's frame, cropped to the common overlap:
 * the panels an aligned composite shows, with the dots moved along.
 */
typedef struct Aligned {
	VipsImage *before, *after; /* (owned) the cropped panels */
	GArray *before_dots; /* SmpDot, panel pixels */
	GArray *after_dots;
	GArray *after_kind; /* guint8 per after dot */
	SmpMeasurement *after_m; /* after dots measured on the panel, for
	                            * the heat map's grid */
	VipsRect rect; /* the panels' area in the before photo */
} Aligned;

static void
aligned_clear(Aligned *al)
{
	VIPS_UNREF(al->before);
	VIPS_UNREF(al->after);
	if (al->before_dots)
		g_array_unref(al->before_dots);
	if (al->after_dots)
		g_array_unref(al->after_dots);
	if (al->after_kind)
		g_array_unref(al->after_kind);
	smp_measurement_free(al->after_m);
}

/* The largest axis-parallel rectangle inside both frames: each edge of the
 * mapped after frame bounds it by its inner end (rotations under 45°).
 */
static gboolean
overlap_rect(
	const SmpRegistration *reg, int aw, int ah, int bw, int bh, VipsRect *r)
{
	double x[4], y[4];
	double cx[4] = {0, aw, 0, aw}, cy[4] = {0, 0, ah, ah};
	int x0, y0, x1, y1;

	for (int i = 0; i < 4; i++)
		smp_register_map_point(reg, cx[i], cy[i], &x[i], &y[i]);
	x0 = (int) ceil(MAX(0, MAX(x[0], x[2])));
	x1 = (int) floor(MIN(bw, MIN(x[1], x[3])));
	y0 = (int) ceil(MAX(0, MAX(y[0], y[1])));
	y1 = (int) floor(MIN(bh, MIN(y[2], y[3])));
	*r = (VipsRect){x0, y0, x1 - x0, y1 - y0};
	/* A sliver is no basis for a comparison. */
	return r->width >= 64 && r->height >= 64;
}

/* [output] crop_to_roi: @r shrunk to the bounding box of the before
 * photo's dots inside it, plus the margin. The dots are where the scalp
 * is; what lies beyond the margin (ears, face, background) is cut, as far
 * as no dark spot there was taken for a dot.
 */
static void
crop_to_roi(const SmpPairSpec *spec, VipsRect *r)
{
	const GArray *bd = spec->analysis[0]->detection->dots;
	double ppm = spec->analysis[0]->scale.px_per_mm;
	double m = ppm > 0 ? spec->pipeline->roi_margin_mm * ppm
					   : spec->pipeline->roi_margin_px;
	double x0 = G_MAXDOUBLE, y0 = G_MAXDOUBLE, x1 = -1, y1 = -1;
	VipsRect box;

	for (guint i = 0; i < bd->len; i++) {
		const SmpDot *d = &g_array_index(bd, SmpDot, i);

		if (d->x < r->left || d->y < r->top || d->x >= VIPS_RECT_RIGHT(r) ||
			d->y >= VIPS_RECT_BOTTOM(r))
			continue;
		x0 = MIN(x0, d->x - d->r);
		y0 = MIN(y0, d->y - d->r);
		x1 = MAX(x1, d->x + d->r);
		y1 = MAX(y1, d->y + d->r);
	}
	if (x1 < 0)
		return;
	box.left = (int) floor(x0 - m);
	box.top = (int) floor(y0 - m);
	box.width = (int) ceil(x1 + m) - box.left;
	box.height = (int) ceil(y1 + m) - box.top;
	vips_rect_intersectrect(r, &box, r);
}

/* Dots inside @r, moved to its origin (after dots first mapped to the
 * before frame); the kinds of after dots from the per-dot matching.
 */
static void
crop_dots(const SmpPairSpec *spec, const SmpRegistration *reg,
	const VipsRect *r, Aligned *al)
{
	const GArray *bd = spec->analysis[0]->detection->dots;
	const GArray *ad = spec->analysis[1]->detection->dots;

	al->before_dots = g_array_new(FALSE, FALSE, sizeof(SmpDot));
	al->after_dots = g_array_new(FALSE, FALSE, sizeof(SmpDot));
	al->after_kind = g_array_new(FALSE, FALSE, sizeof(guint8));
	for (guint i = 0; i < bd->len; i++) {
		SmpDot d = g_array_index(bd, SmpDot, i);

		d.x -= r->left;
		d.y -= r->top;
		if (d.x >= 0 && d.y >= 0 && d.x < r->width && d.y < r->height)
			g_array_append_val(al->before_dots, d);
	}
	for (guint i = 0; i < ad->len; i++) {
		SmpDot d = g_array_index(ad, SmpDot, i);
		double bx, by;
		guint8 kind = SMP_DOT_NEW;

		smp_register_map_point(reg, d.x, d.y, &bx, &by);
		d.x = (float) (bx - r->left);
		d.y = (float) (by - r->top);
		d.r = (float) (d.r * reg->scale);
		if (d.x < 0 || d.y < 0 || d.x >= r->width || d.y >= r->height)
			continue;
		if (reg->after_match && g_array_index(reg->after_match, gint32, i) >= 0)
			kind = SMP_DOT_PERSISTING;
		g_array_append_val(al->after_dots, d);
		g_array_append_val(al->after_kind, kind);
	}
}

/* A photo's frame size (the lazy image keeps it; no pixels read). */
static void
frame_of(const SmpPairSpec *spec, int i, int *w, int *h)
{
	*w = spec->photo[i]->image->Xsize;
	*h = spec->photo[i]->image->Ysize;
}

/* The whole-pixel box a reduction by @scale starts with, taken on the
 * 8-bit photo before it is normalised, leaving a Lanczos pass of less
 * than 2x: the float chain then runs at the reduced size and its resize
 * is short. Read at full size, a 24 MP photo's normalised chain under
 * vips_resize() held 150 MiB of full-width float strips for a 0.26 or
 * 0.4 reduction (vips_resize() boxes only below 0.25, and after the
 * chain); boxed by 2 first, 50 MiB.
 */
static int
box_for(double scale)
{
	return scale < 0.5 ? (int) ceil(1 / scale) - 1 : 1;
}

/* @r of photo @i (as shown: normalised or as shot) resized to @w×@h
 * (never enlarged) in one pass from the file, box-averaged before it is
 * normalised, in memory: the panel as the composite shows it, without
 * any full-size copy or full-width float strips.
 */
static VipsImage *
reduced_panel(const SmpPairSpec *spec, int i, const VipsRect *r, int w, int h,
	GError **error)
{
	int kx = box_for((double) w / r->width),
		ky = box_for((double) h / r->height);
	g_autoptr(VipsImage) src = smp_analysis_stream_area(
		spec->photo[i], spec->analysis[i], spec->as_shot, r, kx, ky, error);
	g_autoptr(VipsImage) small = NULL;
	VipsImage *out;

	if (!src)
		return NULL;
	if ((w < src->Xsize || h < src->Ysize
				? vips_resize(src, &small, MIN(1.0, (double) w / src->Xsize),
					  "vscale", MIN(1.0, (double) h / src->Ysize), NULL)
				: vips_copy(src, &small, NULL)) ||
		!(out = vips_image_copy_memory(small))) {
		smp_error_from_vips(
			error, SMP_ERROR_INTERNAL, spec->photo[i]->path, "composite");
		return NULL;
	}
	return out;
}

/* The largest panel of @L that shows photo @i (0 before, 1 after: the
 * second and third panels, or the ghost's one).
 */
static void
panel_size(const SmpCompositeLayout *L, gboolean ghost, int i, int *w, int *h)
{
	*w = *h = 1;
	for (int k = 0; k < L->n; k++)
		if (ghost || (i == 0) == (k == 0)) {
			*w = MAX(*w, L->w[k]);
			*h = MAX(*h, L->h[k]);
		}
}

/* The after photo on the before panel: reduced to about the panel's
 * scale, then warped with the registration carried to the panels'
 * pixels (@r's origin, @sx and @sy before px → panel px), to @pw×@ph.
 */
static VipsImage *
warped_panel(const SmpPairSpec *spec, const SmpRegistration *reg,
	const VipsRect *r, int pw, int ph, GError **error)
{
	double sx = (double) pw / r->width, sy = (double) ph / r->height;
	double q = MIN(1.0, MAX(sx, sy) * reg->scale);
	double to_panel[9] = {sx, 0, -r->left * sx, 0, sy, -r->top * sy, 0, 0, 1};
	double from_small[9] = {1, 0, 0, 0, 1, 0, 0, 0, 1}, m[9];
	SmpRegistration scaled = {0};
	g_autoptr(VipsImage) src = NULL;
	g_autoptr(VipsImage) shrunk = NULL;
	g_autoptr(VipsImage) small = NULL;
	int w, h;

	VipsRect whole = {0, 0, 0, 0};
	int k = box_for(q);

	frame_of(spec, 1, &w, &h);
	whole.width = w;
	whole.height = h;
	if (!(src = smp_analysis_stream_area(spec->photo[1], spec->analysis[1],
			  spec->as_shot, &whole, k, k, error)))
		return NULL;
	if ((q < 1 ? vips_resize(src, &shrunk, q * k, NULL)
			   : vips_copy(src, &shrunk, NULL)) ||
		!(small = vips_image_copy_memory(shrunk))) {
		smp_error_from_vips(
			error, SMP_ERROR_INTERNAL, spec->photo[1]->path, "composite");
		return NULL;
	}
	/* Small px → after px → before px → panel px. */
	from_small[0] = (double) w / small->Xsize;
	from_small[4] = (double) h / small->Ysize;
	smp_mat3_mul(reg->matrix, from_small, m);
	smp_mat3_mul(to_panel, m, scaled.matrix);
	scaled.model = reg->model;
	return smp_register_warp(small, &scaled, pw, ph, error);
}

/* The before photo cropped to the overlap and the after photo warped
 * onto it, both made at the composite's panel size. FALSE (no error)
 * when the overlap is too small to show.
 */
static gboolean
align_panels(const SmpPairSpec *spec, const SmpRegistration *reg,
	const SmpCompositeParams *cp, Aligned *al, GError **error)
{
	SmpCompositeParams p = *cp;
	SmpCompositeLayout L;
	SmpMeasureParams mp;
	VipsRect r;
	const guint8 *roi;
	int aw, ah, bw, bh, pw, ph;

	frame_of(spec, 0, &bw, &bh);
	frame_of(spec, 1, &aw, &ah);
	if (!overlap_rect(reg, aw, ah, bw, bh, &r))
		return FALSE;
	if (spec->pipeline->crop_to_roi)
		crop_to_roi(spec, &r);
	al->rect = r;
	p.aligned = TRUE;
	smp_composite_layout(r.width, r.height, r.width, r.height, &p, &L);
	panel_size(&L, p.layout == SMP_LAYOUT_GHOST, 0, &pw, &ph);
	if (!(al->before = reduced_panel(spec, 0, &r, pw, ph, error)) ||
		!(al->after = warped_panel(
			  spec, reg, &r, al->before->Xsize, al->before->Ysize, error)))
		return FALSE;
	crop_dots(spec, reg, &r, al);
	smp_measure_params_default(&mp);
	mp.px_per_mm = spec->analysis[0]->scale.px_per_mm;
	mp.grid_cell_mm = spec->pipeline->grid_cell_mm;
	mp.grid_cell_px = spec->pipeline->grid_cell_px;
	/* The after photo on the overlap, within the before photo's ROI (the
	 * same skin the before photo was measured on).
	 */
	roi = spec->analysis[0]->roi_mask;
	al->after_m = smp_measure_dots((const SmpDot *) al->after_dots->data,
		al->after_dots->len, r.width, r.height,
		roi ? roi + (gsize) r.top * bw + r.left : NULL, (gsize) bw, &mp, error);
	return al->after_m != NULL;
}

/* Unaligned: each photo whole, reduced to its panel's size. */
static gboolean
reduce_as_taken(const SmpPairSpec *spec, const SmpCompositeParams *cp,
	Aligned *al, GError **error)
{
	SmpCompositeParams p = *cp;
	SmpCompositeLayout L;
	VipsRect r[2] = {{0}, {0}};
	int w, h;

	frame_of(spec, 0, &r[0].width, &r[0].height);
	frame_of(spec, 1, &r[1].width, &r[1].height);
	p.aligned = FALSE;
	smp_composite_layout(
		r[0].width, r[0].height, r[1].width, r[1].height, &p, &L);
	panel_size(&L, p.layout == SMP_LAYOUT_GHOST, 0, &w, &h);
	if (!(al->before = reduced_panel(spec, 0, &r[0], w, h, error)))
		return FALSE;
	panel_size(&L, p.layout == SMP_LAYOUT_GHOST, 1, &w, &h);
	return (al->after = reduced_panel(spec, 1, &r[1], w, h, error)) != NULL;
}

static void
panels_as_taken(const SmpPairSpec *spec, char *caps[2], const Aligned *al,
	SmpPanel panel[2])
{
	VipsImage *small[2] = {al->before, al->after};

	for (int i = 0; i < 2; i++) {
		const SmpAnalysis *a = spec->analysis[i];

		panel[i] = (SmpPanel){small[i], i ? "AFTER" : "BEFORE", caps[i],
			(const SmpDot *) a->detection->dots->data, a->detection->dots->len,
			NULL, &a->measurement->grid, a->scale.px_per_mm};
		frame_of(spec, i, &panel[i].width, &panel[i].height);
	}
}

static void
panels_aligned(const SmpPairSpec *spec, char *caps[2], const Aligned *al,
	SmpPanel panel[2])
{
	double ppm = spec->analysis[0]->scale.px_per_mm;

	/* Both panels now share the before photo's frame and scale. */
	panel[0] = (SmpPanel){al->before, "BEFORE", caps[0],
		(const SmpDot *) al->before_dots->data, al->before_dots->len, NULL,
		&spec->analysis[0]->measurement->grid, ppm, al->rect.width,
		al->rect.height};
	panel[1] = (SmpPanel){al->after, "AFTER", caps[1],
		(const SmpDot *) al->after_dots->data, al->after_dots->len,
		(const guint8 *) al->after_kind->data, &al->after_m->grid, ppm,
		al->rect.width, al->rect.height};
	/* The before grid was measured on the whole photo, not the crop. */
	panel[0].grid = NULL;
}

void
smp_pair_composite_params(const SmpPipeline *pl, SmpCompositeParams *cp)
{
	smp_composite_params_default(cp);
	cp->long_edge_px = pl->long_edge_px;
	cp->quality = pl->jpeg_quality;
	cp->format = (SmpImageFormat) pl->format;
	cp->layout = (SmpLayout) pl->layout;
	cp->dots = pl->dots;
	cp->heatmap = pl->heatmap;
	cp->labels = pl->labels;
	cp->scale_bar = pl->scale_bar;
	cp->ghost_opacity = pl->ghost_opacity;
	cp->watermark = pl->watermark_text;
	cp->watermark_image = pl->watermark_image;
	cp->watermark_width = pl->watermark_width_fraction;
	cp->watermark_opacity = pl->watermark_opacity;
}

/* What the composite is drawn with: the caller's parameters or the
 * pipeline's, then the spec's size and quality when it sets them.
 */
static void
composite_params(const SmpPairSpec *spec, SmpCompositeParams *cp)
{
	if (spec->composite)
		*cp = *spec->composite;
	else
		smp_pair_composite_params(spec->pipeline, cp);
	if (spec->long_edge_px)
		cp->long_edge_px = spec->long_edge_px;
	if (spec->jpeg_quality)
		cp->quality = spec->jpeg_quality;
}

VipsImage *
smp_pair_composite(const SmpPairSpec *spec, const SmpChange *change,
	const SmpRegistration *reg, const SmpCompositeParams *params,
	gboolean *aligned, SmpCompositeLayout *layout, int roi[4], GError **error)
{
	g_autofree char *cap0 = caption_for(spec, 0);
	g_autofree char *cap1 = after_caption(spec, change);
	VipsImage *composite = NULL;
	char *caps[2] = {cap0, cap1};
	Aligned al = {0};
	SmpPanel panel[2];
	SmpCompositeParams cp = *params;

	*aligned = reg && reg->ok && align_panels(spec, reg, &cp, &al, error);
	if (!*aligned && !(error && *error)) {
		aligned_clear(&al);
		al = (Aligned){0};
		reduce_as_taken(spec, &cp, &al, error);
	}
	if (error && *error) {
		aligned_clear(&al);
		return NULL;
	}
	if (*aligned) {
		panels_aligned(spec, caps, &al, panel);
		roi[0] = al.rect.left;
		roi[1] = al.rect.top;
		roi[2] = al.rect.width;
		roi[3] = al.rect.height;
	}
	else
		panels_as_taken(spec, caps, &al, panel);
	cp.aligned = *aligned;
	smp_composite_layout(panel[0].width, panel[0].height, panel[1].width,
		panel[1].height, &cp, layout);
	composite = smp_composite_make(&panel[0], &panel[1], &cp, error);
	/* The composite holds its own references to the panels. */
	aligned_clear(&al);
	return composite;
}

static gboolean
write_composite(const SmpPairSpec *spec, const SmpChange *change,
	const SmpRegistration *reg, const SmpCompositeParams *params,
	const char *path, gboolean *aligned, SmpCompositeLayout *layout, int roi[4],
	GError **error)
{
	g_autoptr(VipsImage) composite = smp_pair_composite(
		spec, change, reg, params, aligned, layout, roi, error);

	/* Only the metadata the output's purpose allows (the sRGB profile,
	 * and for the clinic the capture date), read back after.
	 */
	return composite &&
		smp_privacy_save(composite, path, params->quality, spec->pipeline,
			spec->photo[1]->path, error);
}

static gboolean
write_sidecar(const SmpPairSpec *spec, const SmpChange *change,
	const SmpRegistration *reg, const SmpCompositeLayout *layout,
	const char *composite_name, const char *path, GError **error)
{
	SmpRegistrationReport none = {
		"none", "similarity", {1, 0, 0, 0, 1, 0, 0, 0, 1}, -1, FALSE};
	SmpPairReport r = {0};

	smp_analysis_report(spec->photo[0], spec->analysis[0], TRUE, &r.before);
	smp_analysis_report(spec->photo[1], spec->analysis[1], TRUE, &r.after);
	if (spec->file[0])
		r.before.file = spec->file[0];
	if (spec->file[1])
		r.after.file = spec->file[1];
	for (int i = 0; !spec->timing && i < 4; i++)
		r.before.timing_ms[i] = r.after.timing_ms[i] = -1;
	r.change = change;
	r.norm[0] = spec->analysis[0]->norm;
	r.norm[1] = spec->analysis[1]->norm;
	r.registration = none;
	r.reg = reg;
	r.composite = composite_name;
	r.layout = layout;
	r.pipeline_name = spec->pipeline->name;
	r.pipeline_sha256 = spec->pipeline->sha256;
	return smp_report_pair_write(&r, path, error);
}

/* Bring the after photo's tone to the before photo's, on the registered
 * overlap when there is one (else the whole frames), and carry a mismatch
 * warning into the after photo's warnings.
 */
static gboolean
match_tone(const SmpPairSpec *spec, VipsImage *before_mask,
	VipsImage *after_mask, GError **error)
{
	SmpNormalisation *b = spec->analysis[0]->norm;
	SmpNormalisation *a = spec->analysis[1]->norm;
	SmpNormaliseParams np;

	if (!b || !a || a->matched)
		return TRUE;
	smp_analysis_normalise_params(spec->pipeline, &np);
	if (!smp_normalise_match(b, a, before_mask, after_mask, &np, error))
		return FALSE;
	if (smp_warnings_has(a->warnings, "lighting_mismatch") &&
		!smp_warnings_has(spec->analysis[1]->warnings, "lighting_mismatch"))
		for (guint i = 0; i < a->warnings->len; i++) {
			SmpWarning *w = g_ptr_array_index(a->warnings, i);

			if (strcmp(w->code, "lighting_mismatch") == 0)
				smp_warnings_add(
					spec->analysis[1]->warnings, w->code, "%s", w->message);
		}
	return TRUE;
}

/* Masks of the common overlap in each photo's own frame (255 inside), at
 * the size of its estimation copy (smp_normalise_estimate_size()), where
 * the tone match measures: whole copy pixels inside the before photo's
 * rectangle, that rectangle carried into the after frame. Small, so made
 * in memory at once. FALSE when there is no usable overlap.
 */
static gboolean
overlap_masks(const SmpPairSpec *spec, const SmpRegistration *reg,
	VipsImage **before_mask, VipsImage **after_mask)
{
	const SmpNormalisation *b = spec->analysis[0]->norm;
	const SmpNormalisation *a = spec->analysis[1]->norm;
	SmpRegistration back = {0}, small = {0};
	g_autoptr(VipsImage) ctx = vips_image_new();
	VipsImage **t = (VipsImage **) vips_object_local_array(VIPS_OBJECT(ctx), 4);
	int bw, bh, bk, aw, ah, ak, x0, y0, x1, y1;
	double to_b[9] = {0}, from_a[9] = {0}, m[9];
	VipsRect r;

	smp_normalise_estimate_size(b, &bw, &bh, &bk);
	smp_normalise_estimate_size(a, &aw, &ah, &ak);
	if (bw < 1 || aw < 1 ||
		!overlap_rect(reg, a->width, a->height, b->width, b->height, &r) ||
		!smp_mat3_invert(reg->matrix, back.matrix))
		return FALSE;
	x0 = (r.left + bk - 1) / bk;
	y0 = (r.top + bk - 1) / bk;
	x1 = MIN(bw, (r.left + r.width) / bk);
	y1 = MIN(bh, (r.top + r.height) / bk);
	if (x1 <= x0 || y1 <= y0)
		return FALSE;
	/* Copy px → before px → after px → copy px. */
	to_b[0] = to_b[4] = bk;
	from_a[0] = from_a[4] = 1.0 / ak;
	to_b[8] = from_a[8] = 1;
	smp_mat3_mul(back.matrix, to_b, m);
	smp_mat3_mul(from_a, m, small.matrix);
	small.model = reg->model;
	if (vips_black(&t[0], x1 - x0, y1 - y0, NULL) ||
		vips_linear1(t[0], &t[1], 1, 255, "uchar", TRUE, NULL) ||
		vips_embed(t[1], &t[2], x0, y0, bw, bh, NULL) ||
		!(*before_mask = vips_image_copy_memory(t[2])) ||
		!(t[3] = smp_register_warp(*before_mask, &small, aw, ah, NULL)) ||
		vips_moreeq_const1(t[3], after_mask, 128, NULL)) {
		smp_vips_error_clear();
		VIPS_UNREF(*before_mask);
		return FALSE;
	}
	return TRUE;
}

/* Register the after photo onto the before photo: from the landmarks
 * when given, else from the normalised photos and their dots.
 */
static SmpRegistration *
register_pair(const SmpPairSpec *spec, GError **error)
{
	const SmpAnalysis *b = spec->analysis[0], *a = spec->analysis[1];
	SmpRegisterParams rp;

	if (spec->landmarks)
		return smp_register_from_landmarks(spec->landmarks, spec->n_landmarks,
			spec->pipeline->register_model, error);
	smp_register_params_default(&rp);
	rp.model = spec->pipeline->register_model;
	rp.rotation_max_deg = spec->pipeline->rotation_max_deg;
	rp.scale_min = spec->pipeline->scale_min;
	rp.scale_max = spec->pipeline->scale_max;
	return smp_register_pair(smp_analysis_image(spec->photo[0], b, FALSE),
		smp_analysis_image(spec->photo[1], a, FALSE), b->detection->dots,
		a->detection->dots, &rp, error);
}

/* Growth of the persisting dots, on the photos the dots were found on,
 * each read once from its file (growth.h).
 */
static gboolean
measure_growth(const SmpPairSpec *spec, SmpRegistration *reg, GError **error)
{
	g_autoptr(VipsImage) b = NULL;
	g_autoptr(VipsImage) a = NULL;

	if (!reg->ok || !reg->after_match)
		return TRUE;
	/* Measured when the pixels were released (pair, batch, verify). */
	if (spec->analysis[0]->moment_r && spec->analysis[1]->moment_r) {
		smp_growth_from_radii(
			spec->analysis[0]->moment_r, spec->analysis[1]->moment_r, reg);
		return TRUE;
	}
	return (b = smp_analysis_stream(
				spec->photo[0], spec->analysis[0], FALSE, error)) &&
		(a = smp_analysis_stream(
			 spec->photo[1], spec->analysis[1], FALSE, error)) &&
		smp_growth_measure(b, a, spec->analysis[0]->detection->dots,
			spec->analysis[1]->detection->dots, reg, error);
}

/* The pair mismatch gate: why before and after are not comparable
 * (lighting or colour as shot, registration scale against the one the
 * photos' scales predict, rotation, or no confirmed view), or NULL.
 */
static char *
mismatch_reason(const SmpPairSpec *spec, const SmpRegistration *reg)
{
	const SmpPipeline *pl = spec->pipeline;
	const SmpNormalisation *nb = spec->analysis[0]->norm;
	const SmpNormalisation *na = spec->analysis[1]->norm;
	double pb = spec->analysis[0]->scale.px_per_mm;
	double pa = spec->analysis[1]->scale.px_per_mm;
	double expected = pb > 0 && pa > 0 ? pb / pa : 1;
	double ev = 0, chroma = 0, scale_pct;

	if (nb && na)
		smp_normalise_difference(nb, na, &ev, &chroma);
	if (fabs(ev) > pl->max_lighting_mismatch_ev)
		return g_strdup_printf("lighting differs by %.2f EV (limit %.2f)", ev,
			pl->max_lighting_mismatch_ev);
	if (chroma > pl->max_colour_mismatch_ln)
		return g_strdup_printf("white balance differs by %.2f (limit %.2f)",
			chroma, pl->max_colour_mismatch_ln);
	if (!reg->ok)
		return g_strdup("registration did not confirm the same view");
	scale_pct = fabs(reg->scale / expected - 1) * 100;
	if (scale_pct > pl->max_scale_mismatch_pct)
		return g_strdup_printf("scale differs by %.1f%% (limit %.1f%%)",
			scale_pct, pl->max_scale_mismatch_pct);
	if (fabs(reg->rotation_deg) > pl->max_rotation_mismatch_deg)
		return g_strdup_printf("view rotated by %.1f° (limit %.1f°)",
			reg->rotation_deg, pl->max_rotation_mismatch_deg);
	return NULL;
}

/* Portfolio: the provenance record beside the composite. */
static gboolean
write_provenance(const SmpPairSpec *spec, const SmpRegistration *reg,
	const int roi[4], const char *composite_name, const char *path,
	GError **error)
{
	g_autoptr(JsonNode) node = smp_provenance_build(
		spec, reg, roi[2] > 0 ? roi : NULL, composite_name, error);
	g_autofree char *json = NULL;
	g_autofree char *text = NULL;

	if (!node)
		return FALSE;
	/* json-glib's full precision: verify reads the numbers back. */
	json = json_to_string(node, TRUE);
	text = g_strconcat(json, "\n", NULL);
	return smp_file_write_atomic(path, text, strlen(text), error);
}

gboolean
smp_pair_write(const SmpPairSpec *spec, const char *dir, const char *stem,
	SmpPairResult *result, GError **error)
{
	gboolean portfolio = spec->pipeline->purpose == SMP_PURPOSE_PORTFOLIO;
	g_autofree char *comp_name = NULL;
	g_autofree char *side_name = g_strdup_printf(
		"%s%s", stem, portfolio ? SMP_PROVENANCE_SUFFIX : ".json");
	g_autofree char *mismatch = NULL;
	int roi[4] = {0, 0, 0, 0};
	g_autofree char *comp_path = NULL;
	g_autofree char *side_path = g_build_filename(dir, side_name, NULL);
	g_autoptr(SmpRegistration) reg = NULL;
	gboolean aligned = FALSE, ok;
	VipsImage *masks[2] = {NULL, NULL};
	SmpCompositeParams cp;
	SmpCompositeLayout layout;
	SmpChange change;

	composite_params(spec, &cp);
	comp_name = g_strdup_printf("%s.%s", stem, smp_format_extension(cp.format));
	comp_path = g_build_filename(dir, comp_name, NULL);

	if (!check_not_input(spec, comp_path, error) ||
		!check_not_input(spec, side_path, error))
		return FALSE;
	smp_measure_change(spec->analysis[0]->measurement,
		spec->analysis[1]->measurement, &change);
	/* Register first, so that the tone match compares the same skin. */
	if (!(reg = register_pair(spec, error)))
		return FALSE;
	/* Growth from the dots' ink, finer than the detector's radii. */
	if (!measure_growth(spec, reg, error))
		return FALSE;
	if (reg->ok && spec->analysis[0]->norm && spec->analysis[1]->norm)
		overlap_masks(spec, reg, &masks[0], &masks[1]);
	ok = match_tone(spec, masks[0], masks[1], error);
	VIPS_UNREF(masks[0]);
	VIPS_UNREF(masks[1]);
	if (!ok)
		return FALSE;
	if ((mismatch = mismatch_reason(spec, reg))) {
		/* Marketing never shows an unfair comparison; the clinic's
		 * record shows it, flagged.
		 */
		if (portfolio) {
			result->refused = g_strdup_printf("mismatch: %s", mismatch);
			return TRUE;
		}
		smp_warnings_add(spec->analysis[1]->warnings, "pair_mismatch",
			"before and after are not comparable: %s", mismatch);
	}
	/* Per-dot matching counts what counting twice cannot. */
	if (reg->ok && reg->new_dots >= 0) {
		change.new_dots = reg->new_dots;
		change.persisting_dots = reg->persisting_dots;
	}
	if (!write_composite(
			spec, &change, reg, &cp, comp_path, &aligned, &layout, roi, error))
		return FALSE;
	if (portfolio
			? !write_provenance(spec, reg, roi, comp_name, side_path, error)
			: !write_sidecar(
				  spec, &change, reg, &layout, comp_name, side_path, error)) {
		/* No composite without its record. */
		if (portfolio)
			g_unlink(comp_path);
		return FALSE;
	}
	result->composite = g_steal_pointer(&comp_path);
	result->sidecar = g_steal_pointer(&side_path);
	result->change = change;
	result->aligned = aligned;
	return TRUE;
}

void
smp_pair_result_clear(SmpPairResult *result)
{
	g_clear_pointer(&result->composite, g_free);
	g_clear_pointer(&result->sidecar, g_free);
	g_clear_pointer(&result->refused, g_free);
}
