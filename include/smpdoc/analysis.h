/* One photo through detection and measurement, with the parameters of a
 * pipeline and a scale: the stages a command or a batch runs per photo.
 * SPDX-License-Identifier: MIT
 */
#ifndef SMPDOC_ANALYSIS_H
#define SMPDOC_ANALYSIS_H

#include <glib.h>

#include "smpdoc/artist.h"
#include "smpdoc/detect.h"
#include "smpdoc/measure.h"
#include "smpdoc/normalise.h"
#include "smpdoc/photo.h"
#include "smpdoc/pipeline.h"
#include "smpdoc/report.h"
#include "smpdoc/scale.h"

G_BEGIN_DECLS

/* Where a photo's scale came from (FORMATS.md scale_source). */
typedef struct SmpScale {
	double px_per_mm; /* <= 0: unknown */
	double rel_uncertainty; /* 1-sigma, relative; <= 0 unknown */
	const char *source; /* "manifest", "pipeline", "sticker", "none" */
} SmpScale;

/* Everything measured on one photo. Owns its parts. */
typedef struct SmpAnalysis {
	SmpScale scale;
	SmpNormalisation *norm; /* NULL when the pipeline turns it off */
	SmpDetection *detection;
	SmpMeasurement *measurement;
	SmpSticker *sticker; /* NULL unless the pipeline names a sticker */
	SmpArtistMeasures *artist; /* scabs, merging, hairline, symmetry */
	GPtrArray *warnings; /* SmpWarning: the photo's and the stages' */
	double timing_ms[4]; /* load, normalise, detect, measure; < 0: not run */
	const char *roi_source; /* "whole", "pipeline", "manifest", "option" */
	guint8 *roi_mask; /* (owned) 1 byte per pixel, rows width apart,
	                   * 1 = inside; NULL: the whole photo */
	double backdrop_fraction; /* of the frame left out as backdrop;
	                           * < 0: not looked for or undecided */
	double *moment_r; /* (owned) each dot's moment radius (growth.h) on
	                   * the image the dots were found on, measured when
	                   * the pixels are released; NULL before */
} SmpAnalysis;

/* A region of interest given for one photo (roi.h): @spec a polygon or a
 * mask path taken from @base_dir; @source names it ("manifest",
 * "option") in the JSON and in messages.
 */
typedef struct SmpRoiGiven {
	const char *spec;
	const char *base_dir;
	const char *source;
} SmpRoiGiven;

/* The region of interest that applies to a photo: @roi when not NULL
 * and its spec not empty, else the pipeline's roi_polygon or roi_mask.
 * @spec: (out) (transfer none) the polygon or mask path.
 * @dir: (out) (transfer full) the folder a relative mask path is taken
 *   from (NULL: the current folder).
 * @source: (out) (transfer none) "manifest", "option", "pipeline", ...
 * Returns: FALSE (outputs untouched) when none applies: the whole photo.
 */
gboolean smp_analysis_roi_spec(const SmpPipeline *pipeline,
	const SmpRoiGiven *roi, const char **spec, char **dir, const char **source);

/* The scale to use: @given (from the manifest or the command line) when
 * positive, else the pipeline's, else none.
 */
void smp_analysis_scale(double given, double given_rel_uncertainty,
	const SmpPipeline *pipeline, SmpScale *out);

/* The normalisation parameters @pl asks for (detection and tone matching
 * must use the same ones).
 */
void smp_analysis_normalise_params(
	const SmpPipeline *pl, SmpNormaliseParams *np);

/* Normalise (when the pipeline asks), find the calibration sticker (when
 * the pipeline gives its diameter), detect and measure the dots of @photo
 * with @pipeline's parameters. Detection reads the normalised photo.
 * @scale is used unless a sticker is configured: then the sticker alone
 * gives the scale, and one not found, partial or tilted leaves it unknown
 * (with a warning) rather than falling back to a guess. @load_ms is
 * recorded as the load time. Once the photo is normalised, its decoded
 * pixels are dropped: @photo->image becomes a lazy re-read of the file
 * (smp_photo_reopen(), the same pixels), to free the memory for
 * detection.
 *
 * Returns: (transfer full) the analysis, or NULL with @error set.
 */
SmpAnalysis *smp_analyse_photo(SmpPhoto *photo, const SmpPipeline *pipeline,
	const SmpScale *scale, double load_ms, GError **error);

/* The same within a region of interest: @roi when not NULL (and its spec
 * not empty), else the pipeline's roi_polygon or roi_mask, else the whole
 * photo. Dots and large blobs whose centre lies outside are dropped; the
 * measurement counts only the ROI's pixels (measure.h).
 */
SmpAnalysis *smp_analyse_photo_roi(SmpPhoto *photo, const SmpPipeline *pipeline,
	const SmpScale *scale, const SmpRoiGiven *roi, double load_ms,
	GError **error);

/* Fill @r (for report.h) from @photo and @a; pointers stay owned by them. */
void smp_analysis_report(const SmpPhoto *photo, const SmpAnalysis *a,
	gboolean items, SmpPhotoReport *r);

/* The picture to show for @photo: normalised unless @as_shot or the
 * pipeline turned normalisation off. (transfer none)
 */
VipsImage *smp_analysis_image(
	const SmpPhoto *photo, const SmpAnalysis *a, gboolean as_shot);

/* Drop @photo's decoded pixels once @a has been measured: photo->image
 * (and the normalisation's reference to it) become a lazy re-read of the
 * file (smp_photo_reopen()), and the normalised copy a lazy chain over
 * it (smp_normalise_release()): both are read again through
 * smp_analysis_stream() when needed. Saves two full-size images per
 * photo while a pair is registered, drawn and written. First the dots'
 * moment radii are measured into @a->moment_r while the pixels are in
 * memory, so that a pair's growth needs no second read. On failure
 * nothing changes.
 */
gboolean smp_analysis_release_pixels(
	SmpPhoto *photo, SmpAnalysis *a, GError **error);

/* The picture smp_analysis_image() names, for one pass from top to
 * bottom: the memory copy while it is held, else rendered afresh from
 * the file (smp_photo_stream(), smp_normalise_stream()), so that reading
 * it holds only strips. Returns: (transfer full), or NULL with @error.
 */
VipsImage *smp_analysis_stream(const SmpPhoto *photo, const SmpAnalysis *a,
	gboolean as_shot, GError **error);

/* @r (frame px) of the picture smp_analysis_stream() gives, each pixel
 * the mean of a @kx×@ky box, read in one pass at the reduced size where
 * it can be (smp_normalise_stream_area()). Returns: (transfer full), or
 * NULL with @error.
 */
VipsImage *smp_analysis_stream_area(const SmpPhoto *photo, const SmpAnalysis *a,
	gboolean as_shot, const VipsRect *r, int kx, int ky, GError **error);

void smp_analysis_free(SmpAnalysis *a);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(SmpAnalysis, smp_analysis_free)

G_END_DECLS

#endif /* SMPDOC_ANALYSIS_H */
