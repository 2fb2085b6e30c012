/* Pipeline presets: GLib key files with one group per stage and units in
 * key names, validated strictly (unknown groups, keys or bad values are
 * errors naming file, line and key).
 * SPDX-License-Identifier: MIT
 */
#ifndef SMPDOC_PIPELINE_H
#define SMPDOC_PIPELINE_H

#include <glib.h>

G_BEGIN_DECLS

/* Pipeline files above this size are refused before parsing. */
#define SMP_PIPELINE_MAX_BYTES (64 * 1024)

/* Environment variable read for the pseudonym secret by default. */
#define SMP_PSEUDONYM_SECRET_ENV "SMPDOC_PSEUDONYM_SECRET"

/* [output] purpose: what the outputs are for. */
typedef enum { SMP_PURPOSE_CLINICAL = 0, SMP_PURPOSE_PORTFOLIO = 1 } SmpPurpose;

/* [consent] require: indexes of none, clinical, marketing (the manifest's
 * SmpConsent values in the same order).
 */
enum {
	SMP_CONSENT_REQUIRED_NONE = 0,
	SMP_CONSENT_REQUIRED_CLINICAL = 1,
	SMP_CONSENT_REQUIRED_MARKETING = 2
};

/* Every parameter a pipeline can set, with its default. A field is used
 * by the stage its group names; stages not built yet have no keys, so a
 * key is never accepted and silently ignored.
 */
typedef struct SmpPipeline {
	char *name; /* file name without ".pipeline", or "default" */
	char *path; /* the file read, or NULL for the built-in default */
	char *sha256; /* hex SHA-256 of the file's bytes (of "" for default) */
	char *text; /* the file's bytes ("" for default), for provenance */

	/* [load] */
	double max_megapixels; /* refuse photos above this */
	double max_file_mb; /* refuse files above this */
	double timeout_per_file_s; /* time budget per photo; 0: none */

	/* [normalise] */
	int normalise; /* 1: flat-field, white balance, tone match */
	double flatfield_mm; /* illumination smoothing, mm (px without a
	                        * scale: 20 px/mm assumed) */
	double grey_card_rect[4]; /* x, y, w, h: px of the upright photo, or
	                           * fractions when all <= 1; w <= 0: none */

	/* [register] */
	int register_model; /* SmpRegisterModel: similarity, affine,
	                           * homography */
	double rotation_max_deg; /* searched rotation range, ± */
	double scale_min; /* searched scale range */
	double scale_max;

	/* [detect] */
	double dot_diameter_min_mm; /* dot size range, with a scale */
	double dot_diameter_max_mm;
	double dot_diameter_min_px; /* the same, when no scale is known */
	double dot_diameter_max_px;
	double min_contrast; /* (background - dot) / background */
	char *roi_polygon; /* "x1,y1;x2,y2;..." upright px, or NULL */
	char *roi_mask; /* mask image (relative: to the pipeline's
	                             * folder), or NULL; not with roi_polygon */
	int exclude_backdrop; /* 1: a wall or clothes at the frame's edge
	                       * is left out (skin.h) */

	/* [measure] */
	double px_per_mm; /* scale when the manifest gives none;
	                               * <= 0: none */
	double scale_rel_uncertainty; /* 1-sigma relative error of px_per_mm */
	double grid_cell_mm; /* density grid cell with a scale */
	double grid_cell_px; /* and without */
	double scale_sticker_mm; /* calibration sticker diameter; 0: none */
	double scale_sticker_tolerance_mm; /* its print tolerance, 1 sigma */
	int hairline; /* SmpSide of the bare skin; 0: none */
	double scab_fraction_max; /* fresh_session warning at or above */
	double merge_margin_mm; /* gap between dots still merged */
	double merge_margin_px; /* the same without a scale */
	double symmetry_axis_x; /* fraction of the width (<= 1) or px */

	/* [composite] (command-line options override these) */
	int long_edge_px; /* longest side of the composite */
	int jpeg_quality; /* 1..100, JPEG and WebP */
	int format; /* SmpImageFormat: jpeg, png, webp */
	int layout; /* SmpLayout */
	int dots; /* 1: ring the dots (three-panel's third panel) */
	int heatmap; /* 1: density heat map there */
	int labels; /* 1: label bars under the panels */
	int scale_bar; /* 1: mm scale bar in the label bars */
	double ghost_opacity; /* ghost layout: after over before, 0..1 */
	char *watermark_text; /* NULL: none */
	char *watermark_image; /* absolute, or relative to the pipeline
	                         * file's folder when read; NULL: none */
	double watermark_width_fraction; /* of the last panel's width */
	double watermark_opacity; /* 0..1 */

	/* [output] */
	int purpose; /* SmpPurpose */
	int keep_capture_date; /* clinical: DateTimeOriginal kept */
	int keep_gps; /* clinical: GPS block kept */
	int keep_serial; /* clinical: serials, owner, maker notes kept */
	int crop_to_roi; /* crop the aligned pair to the dotted region */
	double roi_margin_mm; /* margin around that region */
	double roi_margin_px; /* the same without a scale */
	char *pseudonym_secret_env; /* variable holding the clinic secret */
	char *pseudonym_secret_file; /* or a file holding it; NULL: none */
	double max_lighting_mismatch_ev; /* mismatch gate, as shot */
	double max_colour_mismatch_ln; /* |ln| of R/G or B/G ratios */
	double max_scale_mismatch_pct; /* registration scale vs expected */
	double max_rotation_mismatch_deg; /* registration rotation */

	/* [consent] */
	int consent_required; /* SMP_CONSENT_REQUIRED_* */
} SmpPipeline;

/* The built-in defaults (the values documented in pipelines/). */
SmpPipeline *smp_pipeline_new_default(void);

/* Read and validate @path. Returns: (transfer full) the pipeline, or NULL
 * with @error (SMP_ERROR_CONFIG, "FILE:LINE: ..." when a line is at
 * fault).
 */
SmpPipeline *smp_pipeline_load(const char *path, GError **error);

/* Parse pipeline text @data of @len bytes; @path names it in messages. */
SmpPipeline *smp_pipeline_parse(
	const char *data, gsize len, const char *path, GError **error);

/* Find a pipeline by @name_or_path: a path when it contains '/' or ends in
 * ".pipeline", else NAME.pipeline in ./pipelines/ and then in the
 * installed share folder. NULL gives the built-in default.
 */
SmpPipeline *smp_pipeline_find(const char *name_or_path, GError **error);

/* Set [@group] @key = @value in @p as if its file said so: the key is
 * written into @p->text (a comment above it says @why, when not NULL,
 * after any comment already there), the text parsed again and checked,
 * and @p replaced by the result with its name and path, so that the
 * recorded text and hash (sidecars, provenance, catalogue) are those of
 * the settings in effect. Changes made to @p's fields in memory before
 * are lost. Returns: FALSE with @error (SMP_ERROR_CONFIG) when the value
 * is not valid; @p is then unchanged.
 */
gboolean smp_pipeline_override(SmpPipeline *p, const char *group,
	const char *key, const char *value, const char *why, GError **error);

/* Parse "x,y,w,h" (a grey card's region) into @rect: four finite
 * numbers, x and y >= 0, w and h > 0. FALSE when it is not.
 */
gboolean smp_parse_rect(const char *text, double rect[4]);

void smp_pipeline_free(SmpPipeline *p);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(SmpPipeline, smp_pipeline_free)

G_END_DECLS

#endif /* SMPDOC_PIPELINE_H */
