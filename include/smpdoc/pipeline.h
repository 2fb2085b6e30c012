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

/* Every parameter a pipeline can set, with its default. A field is used
 * by the stage its group names; stages not built yet have no keys, so a
 * key is never accepted and silently ignored.
 */
typedef struct SmpPipeline {
	char *name; /* file name without ".pipeline", or "default" */
	char *path; /* the file read, or NULL for the built-in default */
	char *sha256; /* hex SHA-256 of the file's bytes (of "" for default) */

	/* [load] */
	double max_megapixels; /* refuse photos above this */
	double max_file_mb; /* refuse files above this */

	/* [normalise] */
	int normalise; /* 1: flat-field, white balance, tone match */
	double flatfield_mm; /* illumination smoothing, mm (px without a
	                        * scale: 20 px/mm assumed) */

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

	/* [measure] */
	double px_per_mm; /* scale when the manifest gives none;
	                               * <= 0: none */
	double scale_rel_uncertainty; /* 1-sigma relative error of px_per_mm */
	double grid_cell_mm; /* density grid cell with a scale */
	double grid_cell_px; /* and without */

	/* [composite] */
	int long_edge_px; /* longest side of the composite */
	int jpeg_quality; /* 1..100 */
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

void smp_pipeline_free(SmpPipeline *p);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(SmpPipeline, smp_pipeline_free)

G_END_DECLS

#endif /* SMPDOC_PIPELINE_H */
