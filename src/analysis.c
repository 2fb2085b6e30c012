/* Detection and measurement of one photo with a pipeline's parameters.
 * SPDX-License-Identifier: MIT
 */
#include <math.h>
#include <string.h>

#include "smpdoc/analysis.h"
#include "smpdoc/budget.h"
#include "smpdoc/error.h"
#include "smpdoc/growth.h"
#include "smpdoc/roi.h"
#include "smpdoc/skin.h"

void
smp_analysis_scale(double given, double given_rel_uncertainty,
	const SmpPipeline *pipeline, SmpScale *out)
{
	if (given > 0) {
		out->px_per_mm = given;
		out->rel_uncertainty = given_rel_uncertainty;
		out->source = "manifest";
	}
	else if (pipeline && pipeline->px_per_mm > 0) {
		out->px_per_mm = pipeline->px_per_mm;
		out->rel_uncertainty = pipeline->scale_rel_uncertainty;
		out->source = "pipeline";
	}
	else {
		out->px_per_mm = -1;
		out->rel_uncertainty = -1;
		out->source = "none";
	}
}

/* The dot size range in pixels: physical with a scale, else the
 * pipeline's pixel range.
 */
static void
detect_params(const SmpPipeline *pl, const SmpScale *scale, SmpDetectParams *p)
{
	smp_detect_params_default(p);
	if (scale->px_per_mm > 0) {
		p->diameter_min_px = pl->dot_diameter_min_mm * scale->px_per_mm;
		p->diameter_max_px = pl->dot_diameter_max_mm * scale->px_per_mm;
	}
	else {
		p->diameter_min_px = pl->dot_diameter_min_px;
		p->diameter_max_px = pl->dot_diameter_max_px;
	}
	p->min_contrast = pl->min_contrast;
}

void
smp_analysis_normalise_params(const SmpPipeline *pl, SmpNormaliseParams *np)
{
	smp_normalise_params_default(np);
	np->flatfield_mm = pl->flatfield_mm;
	/* Without a scale, assume a close-up's 20 px/mm for the smoothing. */
	np->flatfield_px = pl->flatfield_mm * 20;
	for (int i = 0; i < 4; i++)
		np->grey_card[i] = pl->grey_card_rect[i];
}

/* Flat-field and white balance, with the pipeline's illumination scale. */
static gboolean
normalise(SmpAnalysis *a, const SmpPhoto *photo, const SmpPipeline *pl,
	GError **error)
{
	g_autoptr(GTimer) timer = g_timer_new();
	SmpNormaliseParams np;

	smp_analysis_normalise_params(pl, &np);
	a->norm = smp_normalise_photo(
		photo->image, &np, a->scale.px_per_mm, photo->path, error);
	a->timing_ms[1] = g_timer_elapsed(timer, NULL) * 1e3;
	return a->norm != NULL;
}

/* The focus judged again without the sticker (its printed edge and ring
 * are the sharpest in the photo, not the scalp's), at its scale when it
 * is usable; then the normalisation's warnings join the photo's.
 */
static gboolean
normalise_warnings(SmpAnalysis *a, const SmpPipeline *pl, GError **error)
{
	const SmpSticker *s = a->sticker;
	int w = a->norm->width, h = a->norm->height;
	g_autofree guint8 *keep = NULL;
	SmpSticker grown;
	SmpNormaliseParams np;
	gboolean ok = TRUE;

	if (s && s->found) {
		/* Grown by the focus measure's reach: its smoothing spreads
		 * the sticker's edge a few px further out.
		 */
		grown = *s;
		grown.major_px += 2.0 * SMP_NORMALISE_FOCUS_REACH_PX;
		grown.minor_px += 2.0 * SMP_NORMALISE_FOCUS_REACH_PX;
		keep = g_malloc((gsize) w * h);
		memset(keep, 255, (gsize) w * h);
		smp_sticker_exclude(&grown, keep, w, h, (gsize) w);
		smp_analysis_normalise_params(pl, &np);
		ok = smp_normalise_judge_focus(a->norm, keep,
			smp_sticker_usable(s) ? s->px_per_mm : -1, &np, error);
	}
	smp_warnings_extend(a->warnings, a->norm->warnings);
	return ok;
}

gboolean
smp_analysis_roi_spec(const SmpPipeline *pl, const SmpRoiGiven *roi,
	const char **spec, char **dir, const char **source)
{
	if (roi && roi->spec && *roi->spec) {
		*spec = roi->spec;
		*dir = g_strdup(roi->base_dir);
		*source = roi->source;
		return TRUE;
	}
	if (pl->roi_polygon || pl->roi_mask) {
		*spec = pl->roi_polygon ? pl->roi_polygon : pl->roi_mask;
		*dir = pl->path ? g_path_get_dirname(pl->path) : NULL;
		*source = "pipeline";
		return TRUE;
	}
	return FALSE;
}

/* The ROI mask of @photo from @roi or the pipeline; NULL (whole photo)
 * with @a->roi_source "whole", or on error (@error set).
 */
static guint8 *
roi_mask(SmpAnalysis *a, const SmpPhoto *photo, const SmpPipeline *pl,
	const SmpRoiGiven *roi, GError **error)
{
	g_autofree char *dir = NULL;
	const char *spec = NULL;
	guint8 *mask;

	a->roi_source = "whole";
	if (!smp_analysis_roi_spec(pl, roi, &spec, &dir, &a->roi_source))
		return NULL;
	mask = smp_roi_mask_new(spec, dir, photo->image->Xsize, photo->image->Ysize,
		a->roi_source, error);
	if (!mask && error && *error)
		g_prefix_error(error, "%s: ", photo->path);
	return mask;
}

/* Drop the SmpDot of @dots whose centre pixel is outside @mask. */
static void
keep_inside(GArray *dots, const guint8 *mask, int width, int height)
{
	guint n = 0;

	for (guint i = 0; i < dots->len; i++) {
		SmpDot d = g_array_index(dots, SmpDot, i);
		int x = (int) d.x, y = (int) d.y;

		if (x >= 0 && y >= 0 && x < width && y < height &&
			mask[(gsize) y * width + x])
			g_array_index(dots, SmpDot, n++) = d;
	}
	g_array_set_size(dots, n);
}

/* The scale from the calibration sticker, or none with a warning naming
 * why the sticker cannot give it.
 */
static gboolean
sticker_scale(SmpAnalysis *a, const SmpPhoto *photo, const SmpPipeline *pl,
	GError **error)
{
	SmpStickerParams sp;
	SmpSticker *s;

	smp_sticker_params_default(&sp, pl->scale_sticker_mm);
	sp.tolerance_mm = pl->scale_sticker_tolerance_mm;
	s = a->sticker = smp_sticker_find(
		smp_analysis_image(photo, a, FALSE), &sp, photo->path, error);
	if (!s)
		return FALSE;
	a->scale.px_per_mm = a->scale.rel_uncertainty = -1;
	a->scale.source = "none";
	if (!s->found)
		smp_warnings_add(a->warnings, "sticker_not_found",
			"%s: no calibration sticker of %g mm found: densities per cm² "
			"are null",
			photo->path, s->diameter_mm);
	else if (s->partial)
		smp_warnings_add(a->warnings, "sticker_partial",
			"%s: the calibration sticker touches the frame edge: its size "
			"cannot be trusted, densities per cm² are null",
			photo->path);
	else if (s->tilted)
		smp_warnings_add(a->warnings, "sticker_tilted",
			"%s: the calibration sticker is tilted %.1f° (axis ratio %.3f, "
			"limit %g°): densities per cm² are null",
			photo->path, s->tilt_deg, s->axis_ratio, sp.max_tilt_deg);
	else {
		a->scale.px_per_mm = s->px_per_mm;
		a->scale.rel_uncertainty = s->rel_uncertainty;
		a->scale.source = "sticker";
	}
	return TRUE;
}

/* Leave the sticker's area out of the region of interest @mask (made
 * for the whole frame when NULL): it hides the scalp under it.
 */
static guint8 *
exclude_sticker(const SmpAnalysis *a, guint8 *mask, int w, int h)
{
	if (!a->sticker || !a->sticker->found)
		return mask;
	if (!mask) {
		mask = g_malloc((gsize) w * h);
		memset(mask, 255, (gsize) w * h);
	}
	smp_sticker_exclude(a->sticker, mask, w, h, (gsize) w);
	return mask;
}

/* Leave out a wall or clothes reaching the frame's edge (skin.h). */
static gboolean
exclude_backdrop(SmpAnalysis *a, const SmpPhoto *photo, const SmpPipeline *pl,
	GError **error)
{
	SmpSkinResult r;

	a->backdrop_fraction = -1;
	if (!pl->exclude_backdrop)
		return TRUE;
	if (!smp_skin_exclude_backdrop(smp_analysis_image(photo, a, FALSE),
			&a->roi_mask, photo->path, &r, error))
		return FALSE;
	if (r.decided)
		a->backdrop_fraction = r.backdrop_fraction;
	return TRUE;
}

/* Scabs, merging, hairline and symmetry, with the fresh_session warning. */
static void
artist_measures(SmpAnalysis *a, const SmpPhoto *photo, const SmpPipeline *pl,
	const SmpDetectParams *dp, const guint8 *mask)
{
	const GArray *dots = a->detection->dots, *large = a->detection->large_blobs;
	SmpArtistParams ap;

	smp_artist_params_default(&ap);
	ap.dot_diameter_max_px = dp->diameter_max_px;
	ap.scab_fraction_max = pl->scab_fraction_max;
	ap.merge_margin_px = a->scale.px_per_mm > 0
		? pl->merge_margin_mm * a->scale.px_per_mm
		: pl->merge_margin_px;
	ap.hairline = (SmpSide) pl->hairline;
	ap.symmetry_axis_x = pl->symmetry_axis_x;
	a->artist = smp_artist_measure(a->measurement, (const SmpDot *) dots->data,
		dots->len, (const SmpDot *) large->data, large->len, mask,
		(gsize) a->measurement->width, &ap);
	if (a->artist->fresh_session)
		smp_warnings_add(a->warnings, "fresh_session",
			"%s: %.1f%% of the dots are scabs (limit %.1f%%): measure healed "
			"skin, before the next session",
			photo->path, 100.0 * a->artist->scab_fraction,
			100.0 * pl->scab_fraction_max);
}

/* Once normalised, the photo as shot is read again only when it is shown
 * as shot or re-rendered by the tone match: its decoded copy is dropped
 * for a lazy re-read of the file (the same pixels) before detection,
 * which needs the memory. Kept when the file cannot be reopened.
 */
static void
drop_as_shot(SmpPhoto *photo, SmpAnalysis *a)
{
	VipsImage *lazy;

	if (!a->norm || photo->image->dtype != VIPS_IMAGE_SETBUF ||
		!(lazy = smp_photo_reopen(photo, NULL))) {
		smp_vips_error_clear();
		return;
	}
	g_object_unref(photo->image);
	photo->image = lazy;
	g_object_unref(a->norm->input);
	a->norm->input = g_object_ref(lazy);
}

SmpAnalysis *
smp_analyse_photo(SmpPhoto *photo, const SmpPipeline *pipeline,
	const SmpScale *scale, double load_ms, GError **error)
{
	return smp_analyse_photo_roi(photo, pipeline, scale, NULL, load_ms, error);
}

SmpAnalysis *
smp_analyse_photo_roi(SmpPhoto *photo, const SmpPipeline *pipeline,
	const SmpScale *scale, const SmpRoiGiven *roi, double load_ms,
	GError **error)
{
	g_autoptr(SmpAnalysis) a = g_new0(SmpAnalysis, 1);
	g_autoptr(GTimer) timer = g_timer_new();
	SmpDetectParams dp;
	SmpMeasureParams mp;
	GArray *dots;
	guint8 *mask;
	int w = photo->image->Xsize, h = photo->image->Ysize;

	a->scale = *scale;
	a->warnings = smp_warnings_new();
	smp_warnings_extend(a->warnings, photo->meta->warnings);
	a->timing_ms[0] = load_ms;
	a->timing_ms[1] = -1;
	mask = a->roi_mask = roi_mask(a, photo, pipeline, roi, error);
	if (!mask && strcmp(a->roi_source, "whole") != 0)
		return NULL;
	/* Between stages, the file's time budget (budget.h) may stop it. */
	if (!smp_budget_check("normalise", error))
		return NULL;
	if (pipeline->normalise && !normalise(a, photo, pipeline, error))
		return NULL;
	if (pipeline->scale_sticker_mm > 0 &&
		!sticker_scale(a, photo, pipeline, error))
		return NULL;
	if (a->norm && !normalise_warnings(a, pipeline, error))
		return NULL;
	drop_as_shot(photo, a);
	scale = &a->scale;
	mask = a->roi_mask = exclude_sticker(a, a->roi_mask, w, h);
	if (!exclude_backdrop(a, photo, pipeline, error))
		return NULL;
	mask = a->roi_mask;
	if (!smp_budget_check("detect", error))
		return NULL;

	g_timer_start(timer);
	detect_params(pipeline, scale, &dp);
	a->detection = smp_detect_dots(
		smp_analysis_image(photo, a, FALSE), &dp, photo->path, error);
	a->timing_ms[2] = g_timer_elapsed(timer, NULL) * 1e3;
	if (!a->detection || !smp_budget_check("measure", error))
		return NULL;
	if (mask) {
		keep_inside(a->detection->dots, mask, w, h);
		keep_inside(a->detection->large_blobs, mask, w, h);
	}

	g_timer_start(timer);
	smp_measure_params_default(&mp);
	mp.px_per_mm = scale->px_per_mm;
	mp.scale_rel_uncertainty = scale->rel_uncertainty;
	mp.grid_cell_mm = pipeline->grid_cell_mm;
	mp.grid_cell_px = pipeline->grid_cell_px;
	dots = a->detection->dots;
	a->measurement = smp_measure_dots((const SmpDot *) dots->data, dots->len, w,
		h, mask, (gsize) w, &mp, error);
	if (a->measurement)
		artist_measures(a, photo, pipeline, &dp, mask);
	a->timing_ms[3] = g_timer_elapsed(timer, NULL) * 1e3;
	if (!a->measurement)
		return NULL;
	if (scale->px_per_mm <= 0 && !a->sticker)
		smp_warnings_add(a->warnings, "no_scale",
			"%s: no scale known (no manifest px_per_mm, pipeline scale or "
			"sticker): densities per cm² are null, per megapixel given",
			photo->path);
	return g_steal_pointer(&a);
}

void
smp_analysis_report(const SmpPhoto *photo, const SmpAnalysis *a, gboolean items,
	SmpPhotoReport *r)
{
	smp_report_photo_init(r, photo);
	r->px_per_mm = a->scale.px_per_mm;
	r->scale_source = a->scale.source;
	r->scale_rel_uncertainty = a->scale.rel_uncertainty;
	r->roi_px = (gint64) a->measurement->roi_px;
	r->roi_source = a->roi_source;
	r->backdrop_fraction = a->backdrop_fraction;
	r->warnings = a->warnings;
	for (int i = 0; i < 4; i++)
		r->timing_ms[i] = a->timing_ms[i];
	r->measurement = a->measurement;
	r->sticker = a->sticker;
	r->artist = a->artist;
	r->dots = (const SmpDot *) a->detection->dots->data;
	r->n_dots = a->detection->dots->len;
	r->large = (const SmpDot *) a->detection->large_blobs->data;
	r->n_large = a->detection->large_blobs->len;
	r->items = items;
}

VipsImage *
smp_analysis_image(
	const SmpPhoto *photo, const SmpAnalysis *a, gboolean as_shot)
{
	return a->norm && !as_shot ? a->norm->image : photo->image;
}

static VipsImage *
stream_photo(gpointer photo, GError **error)
{
	return smp_photo_stream(photo, error);
}

/* The dots' moment radii on the image they were found on, now in
 * memory: reading it again from the file later costs a decode and a
 * normalisation per photo.
 */
static gboolean
measure_moment_radii(SmpPhoto *photo, SmpAnalysis *a, GError **error)
{
	g_autoptr(VipsImage) image = NULL;

	if (a->moment_r || !a->detection)
		return TRUE;
	if (!(image = smp_analysis_stream(photo, a, FALSE, error)))
		return FALSE;
	a->moment_r = smp_growth_radii(image, a->detection->dots, error);
	return a->moment_r != NULL;
}

gboolean
smp_analysis_release_pixels(SmpPhoto *photo, SmpAnalysis *a, GError **error)
{
	VipsImage *lazy;

	if (!measure_moment_radii(photo, a, error) ||
		!(lazy = smp_photo_reopen(photo, error)))
		return FALSE;
	g_object_unref(photo->image);
	photo->image = lazy;
	/* The normalised copy goes too: what needs its pixels afterwards
	 * (tone match, growth, composite) renders them again from the file
	 * in one pass, and the composite keeps them only at its own size.
	 */
	if (a->norm)
		smp_normalise_release(a->norm, stream_photo, photo, lazy);
	return TRUE;
}

VipsImage *
smp_analysis_stream(const SmpPhoto *photo, const SmpAnalysis *a,
	gboolean as_shot, GError **error)
{
	if (a->norm && !as_shot)
		return smp_normalise_stream(a->norm, error);
	/* Still decoded in memory (not released): that copy will do. */
	if (photo->image->dtype == VIPS_IMAGE_SETBUF)
		return g_object_ref(photo->image);
	return smp_photo_stream(photo, error);
}

VipsImage *
smp_analysis_stream_area(const SmpPhoto *photo, const SmpAnalysis *a,
	gboolean as_shot, const VipsRect *r, int kx, int ky, GError **error)
{
	g_autoptr(VipsImage) src = NULL;
	VipsImage *out;

	if (a->norm && !as_shot)
		return smp_normalise_stream_area(a->norm, r, kx, ky, error);
	if (!(src = smp_analysis_stream(photo, a, TRUE, error)))
		return NULL;
	if (!(out = smp_view_reduce(src, r, kx, ky)))
		smp_error_from_vips(error, SMP_ERROR_CORRUPT, photo->path, "load");
	return out;
}

void
smp_analysis_free(SmpAnalysis *a)
{
	if (!a)
		return;
	smp_normalisation_free(a->norm);
	smp_detection_free(a->detection);
	smp_measurement_free(a->measurement);
	g_free(a->roi_mask);
	smp_sticker_free(a->sticker);
	smp_artist_free(a->artist);
	g_free(a->moment_r);
	if (a->warnings)
		g_ptr_array_unref(a->warnings);
	g_free(a);
}
