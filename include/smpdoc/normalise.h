/* Lighting and tone normalisation: flat-field, white balance and exposure
 * of one photo, tone matching of an after photo to its before photo, and
 * the quality gates (clipping, blur, lighting mismatch) they report.
 * SPDX-License-Identifier: MIT
 */
#ifndef SMPDOC_NORMALISE_H
#define SMPDOC_NORMALISE_H

#include <glib.h>
#include <json-glib/json-glib.h>
#include <vips/vips.h>

G_BEGIN_DECLS

/* Defaults, used by smp_normalise_params_default() and stated here because
 * the pipeline's [normalise] keys are documented with them.
 */
#define SMP_NORMALISE_FLATFIELD_MM 12.0 /* illumination smoothing sigma */
#define SMP_NORMALISE_FLATFIELD_PX 240.0 /* the same without a scale */
#define SMP_NORMALISE_MAX_WB_GAIN 1.25 /* per channel, relative to G */
#define SMP_NORMALISE_MAX_EXPOSURE 4.0 /* exposure gain limit, both ways */
#define SMP_NORMALISE_CLIP_MAX 0.01 /* fraction of the frame */
#define SMP_NORMALISE_BLUR_MAX_MM 0.08 /* edge blur sigma */
#define SMP_NORMALISE_FOCUS_REACH_PX                                           \
	8.0 /* how far the focus measure's
                                     * smoothing (sigma 2 px) spreads an
                                     * edge */
#define SMP_NORMALISE_BLUR_MAX_PX 1.6 /* the same without a scale */
#define SMP_NORMALISE_MISMATCH_EV 1.0 /* |log2| of the luminance ratio */
#define SMP_NORMALISE_MISMATCH_CHROMA 0.3 /* |ln| of R/G or B/G ratios */

/* How to normalise. Fill with smp_normalise_params_default(), then
 * override what the pipeline sets.
 */
typedef struct SmpNormaliseParams {
	/* Flat-field: the illumination is the smooth part of the skin
	 * background's luminance (dots, moles and highlights excluded): a
	 * cubic surface in log luminance plus a Gaussian-smoothed residual
	 * of sigma flatfield_mm (or flatfield_px when the scale is unknown).
	 * Larger keeps more of the skin's own mottling, smaller follows
	 * sharper shadows.
	 */
	gboolean flatfield; /* default TRUE */
	double flatfield_mm; /* default SMP_NORMALISE_FLATFIELD_MM */
	double flatfield_px; /* default SMP_NORMALISE_FLATFIELD_PX */

	/* Skin background: a pixel of the shrunk copy belongs to it when its
	 * luminance is within [bg_low, bg_high] times the local upper
	 * background level (a rank filter), so dots and highlights do not
	 * pull the estimates.
	 */
	double bg_low; /* default 0.9 */
	double bg_high; /* default 1.15 */

	/* White balance from the skin: the skin background's chromaticity
	 * is moved onto the nearest reference skin tone (the part of a cast
	 * that no skin tone explains), each gain limited to
	 * [1/max_wb_gain, max_wb_gain] relative to green.
	 */
	gboolean white_balance; /* default TRUE */
	double max_wb_gain; /* default SMP_NORMALISE_MAX_WB_GAIN */

	/* White balance from a grey card instead: its region x, y, w, h in
	 * the upright photo, in pixels, or as fractions of its width and
	 * height when all four are <= 1; w <= 0 (the default): none. The
	 * region's mean linear colour is made neutral, skin lightness kept;
	 * a clipped region (over clip_max_fraction) falls back to the skin
	 * with a `grey_card_clipped` warning, a strongly coloured one is
	 * limited to max_wb_gain with `grey_card_not_neutral`.
	 */
	double grey_card[4];

	/* Exposure: the skin background's CIE L* after normalisation; <= 0
	 * keeps the photo's own mean level (the default: a fixed target
	 * would change how dark the client's skin looks). The gain is
	 * limited to [1/max_exposure_gain, max_exposure_gain].
	 */
	double target_lightness; /* L* 0..100; default 0 (keep) */
	double max_exposure_gain; /* default SMP_NORMALISE_MAX_EXPOSURE */

	/* Quality gates (warnings, never errors). */
	int clip_high; /* any band >= this is clipped; default 254 */
	int clip_low; /* all bands <= this is clipped; default 1 */
	double
		clip_max_fraction; /* `clipped` above; default SMP_NORMALISE_CLIP_MAX */
	double blur_max_mm; /* `blur` when the edge blur sigma exceeds */
	double blur_max_px; /* it; px used when the scale is unknown */
	double mismatch_ev; /* `lighting_mismatch` when before and after */
	double mismatch_chroma; /* differ by more, before correction */
} SmpNormaliseParams;

/* Fill @p with the defaults above. */
void smp_normalise_params_default(SmpNormaliseParams *p);

/* A fresh lazy read of a photo's file, upright 8-bit sRGB, for one pass
 * from top to bottom (smp_photo_stream()). (transfer full)
 */
typedef VipsImage *(*SmpNormaliseReopen)(gpointer data, GError **error);

/* One photo normalised, with every parameter applied (for the sidecar's
 * `normalise` block) and its quality measures. Owns its members.
 *
 * The correction is diagonal in linear light:
 *   out_c(x) = in_c(x) * flat(x) * wb_gain[c] * exposure_gain
 *              * match_gain[c]
 * with in/out linear sRGB, flat(x) = illum_mean / illum(x). It keeps the
 * ratio of a dot to its background, which detection measures.
 */
typedef struct SmpNormalisation {
	char *path; /* for messages; may be NULL */
	VipsImage *image; /* (owned) upright 8-bit sRGB, 3 bands, in memory */
	int width, height;
	double px_per_mm; /* <= 0: unknown */

	/* Flat-field. */
	gboolean flatfield;
	double flat_sigma_px; /* residual smoothing applied */
	double flat_poly[10]; /* ln illum = sum c_k u^i v^j, i + j <= 3, in
	                        * the order 1 u v uu uv vv uuu uuv uvv vvv;
	                        * u = 2 x / width - 1, v = 2 y / height - 1 */
	double illum_min; /* illumination divided out, relative to its */
	double illum_max; /* mean: the range that was removed */
	int grid_cols, grid_rows; /* block grid of the estimate */
	double cell_px; /* block size, px of the photo */

	/* Colour and exposure. */
	const char *wb_source; /* "skin" or "grey_card" (static) */
	int grey_card_px[4]; /* the region used, px; w 0 without a card */
	double grey_card_rgb[3]; /* its mean linear colour as shot */
	double grey_card_clipped; /* fraction of it clipped */
	double wb_gain[3];
	double exposure_gain;
	double target_lightness; /* as asked; <= 0 kept */
	double skin_lightness_in; /* L* of the skin background as shot (its
	                           * mean linear level) */
	double skin_lab[3]; /* mean CIELAB (D65) of the skin background
	                           * after normalisation (and matching) */
	double background_fraction; /* of the frame used as skin background */

	/* Tone match (after photo only; identity otherwise). */
	gboolean matched;
	double match_gain[3];
	double match_delta_e_before; /* ΔE*ab to the before photo's skin */
	double match_delta_e_after; /* before / after the match gains */
	const char *match_region; /* "whole_frame" or "mask" (static) */

	/* Quality, measured on the photo as shot. */
	double clipped_high; /* fraction of pixels with a band >= clip_high */
	double clipped_low; /* fraction with every band <= clip_low */
	double edge_blur_px; /* estimated blur sigma of the sharpest edges */
	double focus; /* 0..1: 1 a sharp edge, lower more blurred */

	GPtrArray *warnings; /* SmpWarning: `clipped`, `blur`,
	                      * `lighting_mismatch` */

	/* Private: what smp_normalise_match() re-renders from. */
	VipsImage *input; /* (owned) the photo as given */
	double gain[3]; /* the per-band gain @image is rendered with */
	SmpNormaliseReopen reopen; /* set by smp_normalise_release() */
	gpointer reopen_data;
	VipsImage *illum; /* (owned) node grid of flat(x), float */
	double skin_rgb_in[3]; /* skin background as shot, linear, flat-field
	                        * mean-preserving */
	int shrink; /* factor of the estimation copy */
	int window; /* rank window on it, px */
	VipsImage *small_in; /* (owned) the estimation copy: the photo as
	                      * given, linear, shrunk by @shrink, in memory */
} SmpNormalisation;

/* Normalise one upright photo.
 *
 * @in: 8-bit sRGB, 3 bands (smp_photo_load() gives it); not modified; a
 *     reference is kept in the result.
 * @p: parameters, NULL for the defaults.
 * @px_per_mm: the photo's scale; <= 0 unknown (then the px fallbacks of
 *     @p are used).
 * @path: the file, for messages (may be NULL).
 *
 * The illumination is estimated on a shrunk copy (about 5 px per mm, at
 * most a few hundred thousand pixels) and applied at full size through
 * one lazy libvips chain rendered once to memory, so memory is the input
 * plus the output plus libvips' tile buffers.
 *
 * Returns: (transfer full) the normalisation, or NULL with @error set
 * (SMP_ERROR_UNSUPPORTED for a wrong image format, SMP_ERROR_CORRUPT when
 * libvips fails, SMP_ERROR_CONFIG for bad parameters). Free with
 * smp_normalisation_free().
 */
SmpNormalisation *smp_normalise_photo(VipsImage *in,
	const SmpNormaliseParams *p, double px_per_mm, const char *path,
	GError **error);

/* Judge the focus of @n's photo again without the pixels where @keep
 * (@n->width × @n->height bytes, rows @n->width apart) is 0: a
 * calibration sticker's printed edges and ring are sharper and stronger
 * than any on the scalp and would set "the sharpest edges" alone. The
 * blur is judged in mm at @px_per_mm when > 0 (the sticker's scale),
 * else as smp_normalise_photo() did. edge_blur_px and focus are
 * replaced, and so is the `blur` warning in @n->warnings.
 * Returns: FALSE with @error (SMP_ERROR_CORRUPT) when libvips fails.
 */
gboolean smp_normalise_judge_focus(SmpNormalisation *n, const guint8 *keep,
	double px_per_mm, const SmpNormaliseParams *p, GError **error);

/* Match the tone of @after to @before: per-channel gains in linear light
 * that make the mean CIELAB of @after's skin background equal to
 * @before's, re-rendering @after->image from its original (one
 * quantisation). Both must come from smp_normalise_photo() with the same
 * @p; @before is not changed. The skin means are taken on each photo's
 * estimation copy rendered with its gains and flat-field (the render is
 * pixel by pixel, so the copy is the rendered photo shrunk, up to 8-bit
 * rounding): no pass over the full-size photos.
 *
 * @before_mask, @after_mask: (nullable) 1-band uchar images, non-zero
 *     where the registered overlap is, each in its own photo's pixel
 *     frame, at the photo's size (only whole estimation pixels inside
 *     count) or at its estimation copy's (smp_normalise_estimate_size());
 *     NULL (both) = whole frame.
 *
 * Adds `lighting_mismatch` to @after->warnings when, before correction,
 * the luminance differs by more than p->mismatch_ev stops or a colour
 * ratio by more than p->mismatch_chroma (natural log): the match is then
 * still applied, but it should not be trusted.
 *
 * Returns: TRUE on success; FALSE with @error set (@after unchanged,
 * except when measuring the re-rendered image fails: its image and
 * match gains are then set, skin_lab and match_delta_e_after stale).
 */
gboolean smp_normalise_match(const SmpNormalisation *before,
	SmpNormalisation *after, VipsImage *before_mask, VipsImage *after_mask,
	const SmpNormaliseParams *p, GError **error);

/* The size of @n's estimation copy and its factor: pixel (u, v) of the
 * copy is the mean of the photo's pixels [k u, k u + k) x [k v, k v + k).
 */
void smp_normalise_estimate_size(
	const SmpNormalisation *n, int *width, int *height, int *k);

/* How @after differed from @before as shot, on their skin backgrounds:
 * @ev the luminance ratio in stops (log2, signed), @chroma the larger
 * |ln| of the R/G and B/G ratio changes. Both 0 when not measurable.
 */
void smp_normalise_difference(const SmpNormalisation *before,
	const SmpNormalisation *after, double *ev, double *chroma);

/* Write the "parameters applied" object of @n (the sidecar's
 * normalise.before or normalise.after) into @b, which must be expecting a
 * value: flatfield, white_balance, exposure, match, skin and quality
 * members, numbers rounded to what they mean. Warnings are not written
 * here: merge @n->warnings into the photo's warnings.
 */
void smp_normalise_to_json(const SmpNormalisation *n, JsonBuilder *b);

/* Stop holding @n's full-size image once the photo is measured: @image
 * becomes a lazy chain over @input (the photo read again from its file,
 * smp_photo_reopen(); (transfer none), a reference is taken) that nobody
 * should evaluate, and its pixels are read through
 * smp_normalise_stream(), which renders them afresh from @reopen(@data)
 * each time; the tone match re-renders lazily too. The pixels are the
 * same as the memory copy's. Nothing changes when @n has no image.
 */
void smp_normalise_release(SmpNormalisation *n, SmpNormaliseReopen reopen,
	gpointer data, VipsImage *input);

/* The normalised photo for one pass from top to bottom: @n->image itself
 * (a new reference) while it is held in memory, else a new lazy render
 * from the file (smp_normalise_release()), with the current gains
 * (tone match included). Returns: (transfer full), or NULL with @error.
 */
VipsImage *smp_normalise_stream(const SmpNormalisation *n, GError **error);

/* @r of @in (frame px) box-averaged over @kx×@ky px (the last boxes
 * partial), lazy; NULL with a libvips error.
 */
VipsImage *smp_view_reduce(VipsImage *in, const VipsRect *r, int kx, int ky);

/* @r of the normalised photo (frame px), each pixel the mean of a
 * @kx×@ky box of the photo, for one pass from top to bottom. Read from
 * the file, the 8-bit photo is reduced before it is lit (so the float
 * chain runs at the reduced size, not the photo's width); held in
 * memory, the normalised pixels are. Returns: (transfer full), or NULL
 * with @error.
 */
VipsImage *smp_normalise_stream_area(const SmpNormalisation *n,
	const VipsRect *r, int kx, int ky, GError **error);

/* Free @n and its members; accepts NULL. */
void smp_normalisation_free(SmpNormalisation *n);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(SmpNormalisation, smp_normalisation_free)

G_END_DECLS

#endif /* SMPDOC_NORMALISE_H */
