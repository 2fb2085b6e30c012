/* Synthetic scalp photos with ground truth: one seeded scalp (dots, skin,
 * moles) seen by one or more seeded photos, for samples, tests and benches.
 * SPDX-License-Identifier: MIT
 */
#ifndef SMPDOC_SYNTH_H
#define SMPDOC_SYNTH_H

#include <glib.h>
#include <vips/vips.h>

G_BEGIN_DECLS

/* Number of skin tones: 0 (Fitzpatrick I, light) .. 5 (VI, dark). */
#define SMP_SYNTH_TONES 6

/* What a feature is. FOLLICLE, STUBBLE and SMP_DOT count as dots (see
 * smp_synth_kind_is_dot()); the others are distractors a detector must not
 * count.
 */
typedef enum {
	SMP_SYNTH_FOLLICLE, /* natural follicle opening, soft, small */
	SMP_SYNTH_SMP_DOT, /* pigment dot, blue-black/grey ink */
	SMP_SYNTH_STUBBLE, /* follicle with a short dark hair shaft */
	SMP_SYNTH_MOLE, /* brownish, several mm */
	SMP_SYNTH_PORE, /* tiny faint spot, below the dot size range */
	SMP_SYNTH_HIGHLIGHT, /* bright soft specular blob */
	SMP_SYNTH_SCAB /* dark red-brown crust, 1.6..3 mm: above the range */
} SmpSynthKind;

/* One feature as seen in one photo. Coordinates are pixels of the UPRIGHT
 * image with (0,0) at the top-left corner of the top-left pixel, so its
 * centre is (0.5, 0.5) (FORMATS.md).
 */
typedef struct SmpSynthDot {
	double x, y; /* centre, px */
	double r; /* half-maximum radius of the dark (or bright) spot, px;
	                  * for a mole the mean radius */
	double contrast; /* nominal peak (bg - dot) / bg in sRGB-encoded luma,
	                  * before lighting clip, blur, noise and JPEG;
	                  * negative for highlights (brighter) */
	double angle_deg; /* STUBBLE: hair direction (0 = +x, 90 = +y, image
	                    * axes); MOLE: ellipse orientation; else 0 */
	double length; /* STUBBLE: hair shaft length, px; else 0 */
	SmpSynthKind kind;
	int session; /* session that made it: 0 (natural or before), 1..
	                    * added in that after session */
	gint64 id; /* stable id of the feature on the scalp: the same
	                    * dot has the same id in every photo of a pair;
	                    * < 2^53; highlights (per photo) get -1 */
	gint64 partner; /* SMP_DOT placed touching another: that dot's id
	                    * (centres 0.8..1.2 x (r1 + r2) apart); else 0 */
} SmpSynthDot;

/* The calibration sticker as painted in one photo (present FALSE: none). */
typedef struct SmpSynthSticker {
	gboolean present;
	double diameter_mm; /* of the light disc */
	double ring_mm; /* border ring width, 0 for none */
	double x, y; /* centre, px */
	double major_px, minor_px; /* full axes of the light disc, px */
	double angle_deg; /* direction of the major axis, image axes */
	double tilt_deg;
	gboolean partial; /* partly outside the frame */
} SmpSynthSticker;

/* The truth of one photo. Owned by the caller; smp_synth_truth_free(). */
typedef struct SmpSynthTruth {
	GArray *dots; /* SmpSynthDot with smp_synth_kind_is_dot(), centre
	                      * inside the image, in a fixed order */
	GArray *distractors; /* SmpSynthDot of the other kinds, centre inside */
	int width, height; /* upright image size, px */
	double px_per_mm; /* scale of this photo */
	double blur_px; /* optical blur sigma at the centre, px */
	double blur_edge_px; /* ... and at the corners (= blur_px if uniform) */
	SmpSynthSticker sticker; /* dots and distractors it hides are not in
	                          * the lists above */
} SmpSynthTruth;

/* Parameters of one photo of one scalp. Start from
 * smp_synth_params_default() and change what you need; every field has a
 * sane default.
 */
typedef struct SmpSynthParams {
	guint64 seed; /* everything follows from it (default 1) */
	int width, height; /* upright image, px (default 1200 x 900) */
	double px_per_mm; /* default 20 */

	/* Dots (per cm² of scalp). The layout keeps dots from overlapping,
	 * so very high densities saturate below the request.
	 */
	double follicle_per_cm2; /* default 40 */
	double smp_per_cm2; /* default 100 */
	double dot_diameter_min_mm; /* full width at half maximum; default 0.15 */
	double dot_diameter_max_mm; /* default 1.0 */
	double contrast_min; /* SMP dot peak contrast range; default */
	double contrast_max; /* 0.12 .. 0.45; follicles the lower half */
	double stubble_fraction; /* follicles with a hair shaft; default 0.3 */
	double touching_fraction; /* SMP dots placed with a second one
	                            * touching or nearly merged (centres 0.8
	                            * to 1.2 x (r1 + r2) apart); default 0 */

	/* Distractors. */
	double pore_per_cm2; /* default 60 */
	int moles; /* in the photo's frame; default 1 */
	int scabs; /* likewise, 1.6..3 mm, darker; default 0 */
	int highlights; /* specular blobs per photo; default 2 */

	/* Skin and light. */
	int skin_tone; /* 0..SMP_SYNTH_TONES-1, default 2 */
	double gradient; /* illumination ±fraction 0..0.5; def 0.12 */
	double gradient_angle_deg; /* direction light increases; default 30 */
	double vignette; /* corner darkening fraction; default 0.15 */
	double cast[3]; /* linear R,G,B gains; default 1,1,1 */
	double exposure; /* EV; default 0 */
	/* A neutral grey card in the upright frame, px: x, y, w, h (w <= 0:
	 * none, the default), of linear reflectance grey_card_reflectance
	 * (default 0.18), lit like the skin (gradient, vignette, cast).
	 */
	double grey_card[4];
	double grey_card_reflectance;

	/* Camera. */
	double noise_sigma; /* sensor noise, 8-bit levels; default 2 */
	double blur_px; /* Gaussian sigma of optics, px; default 0.5 */
	double blur_edge_px; /* sigma at the frame's corners, rising with the
	                      * squared distance from the centre (defocus
	                      * across the frame); < 0 (default): blur_px */
	int jpeg_q; /* default 90, chroma subsampled */
	int orientation; /* EXIF 1..8 the saved file carries; default 1 */

	/* Calibration sticker (synth_sticker.c): a white disc lying on the
	 * scalp, lit like the skin, optionally inside a dark border ring;
	 * painted last, so it hides what is under it. Every photo of a
	 * series carries one at the same place in its frame (a new sticker
	 * each session), at that photo's scale.
	 */
	double sticker_mm; /* light disc diameter; 0 (default): none */
	double sticker_x, sticker_y; /* centre, fraction of width and height;
	                              * default 0.8, 0.3 (beyond 0..1 or near
	                              * an edge: partly outside the frame) */
	double sticker_tilt_deg; /* tilt away from the camera, 0..80; the
	                          * disc appears as an ellipse with axis
	                          * ratio cos(tilt); default 0 */
	double sticker_axis_deg; /* direction of the ellipse's major axis in
	                          * the image; default 30 */
	double sticker_ring_mm; /* dark border ring width; default 0 */

	/* Backdrop (synth_backdrop.c): what a global view shows beside the
	 * head, over the right-hand part of the frame with a wavy edge,
	 * painted after the sticker. Features under it leave the truth.
	 */
	double backdrop; /* fraction of the width, 0 (default) .. 0.8 */
	int backdrop_kind; /* 0: a light grey wall; 1: navy cloth with a
	                    * weave and dark specks that look like dots */
} SmpSynthParams;

/* How the after photo of a pair differs from the before photo. The matrix
 * that maps AFTER pixel coordinates to BEFORE pixel coordinates is
 *   [ s·cos θ  −s·sin θ  tx ]
 *   [ s·sin θ   s·cos θ  ty ]   (θ = rotation_deg, s = scale)
 *   [ 0         0        1  ]
 * so scale > 1 means the after photo is zoomed OUT (its px_per_mm is
 * before's divided by s). The after photo has the before photo's size.
 */
typedef struct SmpSynthPairParams {
	double rotation_deg; /* default 4 */
	double scale; /* default 1.05 */
	double tx, ty; /* px, default 30, -20 */
	double new_smp_per_cm2; /* SMP dots added by the session; default 60 */
	/* Ageing of the SMP dots of earlier sessions seen in the after photo:
	 * radius grown (spread) and contrast lowered (fading) by these
	 * percentages, relative to how they were made; default 0, 0.
	 */
	double grow_pct; /* -50..100 */
	double fade_pct; /* 0..90 */
	/* Lighting of the after photo (its noise and highlights are reseeded). */
	double gradient; /* default 0.08 */
	double gradient_angle_deg; /* default 200 */
	double exposure; /* EV, default 0.2 */
	double cast[3]; /* default 1.04, 1.0, 0.95 */
} SmpSynthPairParams;

/* Fill @p with the defaults above. */
void smp_synth_params_default(SmpSynthParams *p);

/* Fill @pair with the defaults above. */
void smp_synth_pair_params_default(SmpSynthPairParams *pair);

/* TRUE for the kinds a dot detector should count (FOLLICLE, SMP_DOT,
 * STUBBLE).
 */
gboolean smp_synth_kind_is_dot(SmpSynthKind kind);

/* Stable lower-case name of @kind ("follicle", "smp_dot", "stubble",
 * "mole", "pore", "highlight"), as written in truth.json.
 */
const char *smp_synth_kind_name(SmpSynthKind kind);

/* Check @p's ranges. Returns: TRUE when usable; FALSE with @error
 * (SMP_ERROR_CONFIG) naming the field.
 */
gboolean smp_synth_params_check(const SmpSynthParams *p, GError **error);

/* Render one upright photo of the scalp @p describes.
 *
 * @truth: (out) (optional) its truth; free with smp_synth_truth_free().
 *
 * Deterministic: the same @p gives the same pixels and truth, whatever the
 * thread count. p->orientation and p->jpeg_q are not used here (see
 * smp_synth_save()).
 *
 * Returns: (transfer full) an 8-bit sRGB 3-band image in memory, or NULL
 * with @error set.
 */
VipsImage *smp_synth_render(
	const SmpSynthParams *p, SmpSynthTruth **truth, GError **error);

/* Render a before/after pair of one scalp: the after photo sees the same
 * dots, skin and moles through the similarity transform of @pair, with
 * new SMP dots (session 1) and the after lighting. The before photo and
 * truth are exactly those of smp_synth_render(@before).
 *
 * @before_img, @after_img: (out) (transfer full) upright images.
 * @before_truth, @after_truth: (out) (optional) truths; a dot present in
 * both has the same id.
 * @matrix: (out) (optional) 3×3 row-major, AFTER px → BEFORE px.
 *
 * Returns: TRUE on success; FALSE with @error set (outputs untouched).
 */
gboolean smp_synth_pair(const SmpSynthParams *before,
	const SmpSynthPairParams *pair, VipsImage **before_img,
	VipsImage **after_img, SmpSynthTruth **before_truth,
	SmpSynthTruth **after_truth, double matrix[9], GError **error);

/* The pixels a camera would store for an upright image so that a viewer
 * applying EXIF @orientation (1..8) shows @upright. The result carries the
 * "orientation" field set to @orientation.
 *
 * Returns: (transfer full) the stored image, or NULL with @error set.
 */
VipsImage *smp_synth_disorient(
	VipsImage *upright, int orientation, GError **error);

/* Save @upright to @path (JPEG, quality @jpeg_q, chroma subsampling on,
 * EXIF orientation @orientation with the pixels stored to match) through
 * smp_photo_save_atomic().
 *
 * Returns: TRUE on success; FALSE with @error naming @path.
 */
gboolean smp_synth_save(VipsImage *upright, int orientation, int jpeg_q,
	const char *path, GError **error);

void smp_synth_truth_free(SmpSynthTruth *truth);

/* A whole data set on disk: DIR/<client>/<session>/<view>.jpg,
 * DIR/manifest.csv and DIR/truth.json (see smp_synth_write_set()).
 */
typedef struct SmpSynthSetParams {
	SmpSynthParams photo; /* base photo; seed and, when tone < 0, the skin
	                       * tone vary per client and view */
	SmpSynthPairParams pair; /* mean change; pose varies per pair */
	int clients; /* default 1 */
	int sessions; /* after sessions per client and view: 0 =
	                          * before photos only; default 1 */
	const char *const *views; /* NULL-terminated; NULL = {"top"} */
	int tone; /* -1 (default): per client from the seed */
	int orientation; /* 0 (default): per photo, one of 1,3,6,8 */
} SmpSynthSetParams;

void smp_synth_set_params_default(SmpSynthSetParams *set);

/* Write the data set @set describes under @dir (created if missing).
 * Files are written atomically; an existing set is overwritten.
 * @n_photos: (out) (optional) photos written.
 *
 * Returns: TRUE on success; FALSE with @error naming the file.
 */
gboolean smp_synth_write_set(const SmpSynthSetParams *set, const char *dir,
	int *n_photos, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(SmpSynthTruth, smp_synth_truth_free)

G_END_DECLS

#endif /* SMPDOC_SYNTH_H */
