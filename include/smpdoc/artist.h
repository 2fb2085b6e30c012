/* The measures an SMP artist needs beyond a count: healing (scabs of a
 * fresh session), merging dots, hairline softness and left/right
 * symmetry, from one photo's dots.
 * SPDX-License-Identifier: MIT
 */
#ifndef SMPDOC_ARTIST_H
#define SMPDOC_ARTIST_H

#include <glib.h>
#include <json-glib/json-glib.h>

#include "smpdoc/detect.h"
#include "smpdoc/measure.h"

G_BEGIN_DECLS

/* Defaults (pipeline [measure] keys). */
#define SMP_ARTIST_SCAB_FRACTION 0.05 /* fresh_session above */
#define SMP_ARTIST_SCAB_MAX_FACTOR                                             \
	3.0 /* scabs up to this × dmax; larger
                                        * dark blobs are moles */
#define SMP_ARTIST_MERGE_MARGIN_MM 0.1 /* gap still counted as merged */
#define SMP_ARTIST_MERGE_MARGIN_PX 2.0 /* the same without a scale */
#define SMP_ARTIST_PROFILE_BIN_MM 0.5 /* hairline density profile */
#define SMP_ARTIST_PROFILE_SIGMA_MM 1.0 /* its Gaussian smoothing */
#define SMP_ARTIST_SYMMETRY_AXIS 0.5 /* the photo's vertical midline */

/* The side of the photo where the hairline's bare skin is. */
typedef enum SmpSide {
	SMP_SIDE_NONE,
	SMP_SIDE_TOP,
	SMP_SIDE_BOTTOM,
	SMP_SIDE_LEFT,
	SMP_SIDE_RIGHT
} SmpSide;

/* "none", "top", ... (static); parse the same names (case-insensitive). */
const char *smp_side_name(SmpSide side);
gboolean smp_side_parse(const char *name, SmpSide *side);

typedef struct SmpArtistParams {
	double dot_diameter_max_px; /* the detector's dot range top, px */
	double scab_fraction_max; /* fresh_session at or above */
	double merge_margin_px; /* gap between discs still merged */
	SmpSide hairline; /* NONE: no hairline profile */
	double symmetry_axis_x; /* vertical symmetry axis: a fraction of the
	                         * width when <= 1, else px from the left;
	                         * default SMP_ARTIST_SYMMETRY_AXIS (midline) */
} SmpArtistParams;

/* Every value NaN when undefined (too few dots, no scale for mm). */
typedef struct SmpArtistMeasures {
	double px_per_mm; /* the measurement's; NaN when unknown */

	/* Healing: large dark blobs above the dot range (up to
	 * SMP_ARTIST_SCAB_MAX_FACTOR × its top) at least as dark as the
	 * median dot are scabs of fresh work.
	 */
	gsize scabs;
	double scab_fraction; /* scabs / (scabs + dots) */
	gboolean fresh_session; /* scab_fraction >= the limit */

	/* Merging: a dot is merged when another's disc is within the margin
	 * of its own (centre distance < r1 + r2 + margin).
	 */
	gsize merged;
	double merged_fraction; /* of the measured dots */
	int cols, rows; /* the measurement's density grid */
	double *merged_cell; /* per grid cell; NaN where it has no dot */

	/* Hairline: along the direction away from the bare side, the width
	 * over which the smoothed density rises from 10% to 90% of its
	 * plateau (the median of the profile above half its 95th
	 * percentile).
	 */
	SmpSide hairline;
	double hairline_width_px;
	double hairline_width_mm; /* NaN without a scale */
	double hairline_plateau_per_mpx;

	/* Symmetry about a vertical axis (the midline unless given): dots
	 * per ROI pixel on the left over the right (1 symmetric).
	 */
	double symmetry_axis_px; /* x of the axis, px */
	double left_per_mpx, right_per_mpx;
	double symmetry_ratio;
} SmpArtistMeasures;

void smp_artist_params_default(SmpArtistParams *p);

/* Measure the @n dots and @n_large large blobs of a photo already
 * measured as @m (its size, scale and grid), over @mask (nullable, as in
 * smp_measure_dots()). Dots outside the ROI are ignored.
 *
 * Returns: (transfer full) the measures; free with smp_artist_free().
 */
SmpArtistMeasures *smp_artist_measure(const SmpMeasurement *m,
	const SmpDot *dots, gsize n, const SmpDot *large, gsize n_large,
	const guint8 *mask, gsize stride, const SmpArtistParams *p);

/* The "smp" object of FORMATS.md into @b (after a member name). */
void smp_artist_to_json(const SmpArtistMeasures *a, JsonBuilder *b);

void smp_artist_free(SmpArtistMeasures *a);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(SmpArtistMeasures, smp_artist_free)

G_END_DECLS

#endif /* SMPDOC_ARTIST_H */
