/* Measurements of one photo's dots (density with its interval, coverage,
 * spacing, size and contrast, density grid) and of the change between two.
 * SPDX-License-Identifier: MIT
 */
#ifndef SMPDOC_MEASURE_H
#define SMPDOC_MEASURE_H

#include <glib.h>

#include "smpdoc/detect.h"

G_BEGIN_DECLS

/* Defaults and limits of the density grid (FORMATS.md "grid"). */
#define SMP_MEASURE_GRID_CELL_MM 10.0 /* cell side with a known scale */
#define SMP_MEASURE_GRID_CELL_PX 200.0 /* cell side without a scale */
#define SMP_MEASURE_GRID_MIN_ROI 0.25 /* cells with less ROI are NaN */
#define SMP_MEASURE_MAX_GRID_CELLS (1 << 20) /* SMP_ERROR_LIMIT above */

/* How to measure. Fill with smp_measure_params_default(), then override.
 * Units are in the field names: px is pixels of the upright image.
 */
typedef struct SmpMeasureParams {
	double px_per_mm; /* scale; <= 0: unknown (no per-cm² values) */
	double scale_rel_uncertainty; /* 1-sigma relative error of px_per_mm;
	                               * <= 0: unknown, taken as zero */
	double grid_cell_mm; /* grid cell side when the scale is known */
	double grid_cell_px; /* grid cell side when it is not */
} SmpMeasureParams;

/* The 10th, 50th and 90th percentile of a set (linear interpolation
 * between order statistics, numpy's default). NaN for an empty set.
 */
typedef struct SmpPercentiles {
	double p10;
	double median;
	double p90;
} SmpPercentiles;

/* The density grid: square cells of side cell_px from the top-left corner;
 * the last column and row may be cut by the image edge. Every array has
 * cols * rows entries, row-major (index = row * cols + col), and is owned
 * by the SmpMeasurement. A cell whose ROI is less than
 * SMP_MEASURE_GRID_MIN_ROI of a full cell has NaN in per_cm2, per_mpx and
 * coverage (null in JSON); other cells are normalised by their ROI area,
 * not by the nominal cell area.
 */
typedef struct SmpDensityGrid {
	int cols;
	int rows;
	double cell_px; /* cell side, px */
	double cell_mm; /* cell side, mm; NaN without scale */
	guint32 *count; /* dots whose centre lies in the cell */
	guint64 *roi_px; /* ROI pixels in the cell */
	double *per_cm2; /* dots per cm² of the cell's ROI; NaN without scale */
	double *per_mpx; /* dots per megapixel of the cell's ROI */
	double *coverage; /* fraction of the cell's ROI covered by dot discs */
} SmpDensityGrid;

/* The measurement of one photo's dots: the "dots" and "grid" blocks of
 * FORMATS.md plus the inputs they depend on. NaN means "not defined"
 * (no scale, too few dots, empty ROI) and is written as null.
 *
 * Only dots whose centre lies inside the image and inside the ROI and whose
 * fields are finite (radius >= 0) are measured; the others are ignored.
 *
 * The struct is only allocated by smp_measure_dots(), so fields can be
 * added (issue 10: merging, symmetry, hairline softness, healing) without
 * breaking callers.
 */
typedef struct SmpMeasurement {
	int width; /* image size, px */
	int height;
	gboolean has_scale; /* FALSE: every *_mm and per_cm2 is NaN */
	double px_per_mm; /* NaN when unknown */
	double scale_rel_uncertainty; /* as used: 0 when unknown */
	guint64 roi_px; /* pixels in the region of interest */
	double roi_perimeter_px; /* ROI boundary length, px (crack edges) */

	gsize count; /* dots in the ROI */
	double per_cm2; /* dots per cm² of ROI; NaN without scale */
	double per_cm2_ci95[2]; /* 95% interval: Garwood (exact Poisson)
	                              * on the count, widened by the scale
	                              * uncertainty; NaN without scale */
	double per_mpx; /* dots per 10^6 ROI pixels; NaN if no ROI */
	double coverage; /* fraction 0..1 of ROI pixels whose centre
	                              * lies in some dot disc; NaN if no ROI */
	double nn_mean_px; /* mean nearest-neighbour distance, px;
	                              * NaN with fewer than 2 dots */
	double nn_mean_mm; /* the same in mm; NaN without scale */
	double nn_cv; /* SD / mean of those distances; NaN when
	                              * undefined (fewer than 2 dots, mean 0) */
	double clark_evans; /* observed / expected mean NN distance
	                              * under complete spatial randomness, with
	                              * Donnelly's edge correction: ~1 random,
	                              * >1 regular (2.149 hexagonal), <1 clumped */
	double clark_evans_uncorrected; /* the same without edge correction */
	SmpPercentiles diameter_px; /* dot diameters (2 r), px */
	SmpPercentiles diameter_mm; /* the same in mm; NaN without scale */
	SmpPercentiles contrast; /* dot contrast, 0..1 */
	SmpDensityGrid grid;
} SmpMeasurement;

/* The change from @before to @after (FORMATS.md pair sidecar "change"). */
typedef struct SmpChange {
	double per_cm2; /* after - before, dots/cm²; NaN unless both
	                       * have a scale */
	double per_cm2_pct; /* 100 * (after - before) / before; NaN when
	                       * before is 0 or unknown */
	double per_mpx; /* after - before, dots/Mpx (comparable only when
	                       * both photos have the same scale) */
	double coverage; /* after - before, fraction (0.08 = 8 points) */
	gint64 new_dots; /* after's dots with no match in before; -1 until
	                       * registration matches dots */
	gint64 persisting_dots; /* dots matched in both; -1 until then */
} SmpChange;

/* Fill @p with the defaults: scale unknown, uncertainty unknown, grid cell
 * SMP_MEASURE_GRID_CELL_MM mm or SMP_MEASURE_GRID_CELL_PX px.
 */
void smp_measure_params_default(SmpMeasureParams *p);

/* Measure the @n dots of one photo of @width x @height pixels.
 *
 * @dots: (in) (transfer none) dot centres and radii in pixels (detect.h:
 *   pixel centres at 0.5); may be NULL when @n is 0.
 * @mask: (in) (nullable) (transfer none) the region of interest, one byte
 *   per pixel, non-zero = inside, rows @mask_stride bytes apart
 *   (@mask_stride >= @width); NULL: the whole image.
 * @p: (in) (nullable) parameters; NULL: smp_measure_params_default().
 *
 * Nothing is kept from the inputs after the call. Runs in O(n + pixels)
 * time on average and O(n + width + cells) memory; the results do not depend
 * on the order of @dots beyond ties and are the same on every run.
 *
 * Returns: (transfer full) a new measurement to free with
 * smp_measurement_free(); NULL with @error set (SMP_ERROR_CONFIG for bad
 * parameters, SMP_ERROR_LIMIT for too many grid cells, SMP_ERROR_INTERNAL
 * for impossible arguments).
 */
SmpMeasurement *smp_measure_dots(const SmpDot *dots, gsize n, int width,
	int height, const guint8 *mask, gsize mask_stride,
	const SmpMeasureParams *p, GError **error);

/* Free @m and its grid; NULL is allowed. */
void smp_measurement_free(SmpMeasurement *m);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(SmpMeasurement, smp_measurement_free)

/* Fill @out with the change from @before to @after (both (in), not NULL).
 * new_dots and persisting_dots are set to -1 (unknown); registration fills
 * them in when it matches dots.
 */
void smp_measure_change(
	const SmpMeasurement *before, const SmpMeasurement *after, SmpChange *out);

/* The exact (Garwood) two-sided confidence interval of a Poisson mean
 * given @count events, at confidence @level (0.95 for 95%), from gamma
 * quantiles: [Q(count, a/2), Q(count + 1, 1 - a/2)] with a = 1 - @level,
 * lower bound 0 for a count of 0. Example: count 10 at 0.95 gives
 * [4.795, 18.390].
 *
 * @out: (out) lower and upper bound, in events.
 */
void smp_measure_poisson_ci(guint64 count, double level, double out[2]);

G_END_DECLS

#endif /* SMPDOC_MEASURE_H */
