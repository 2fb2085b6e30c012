/* Growth (spread) of persisting dots between two sessions, measured on
 * the photos' pixels: the detector's half-depth radius is read on a
 * coarse grid (whole pixels, octaves) and follows a 10% spread only to
 * about 8%; the ink's moment radius follows it to within a percent.
 * SPDX-License-Identifier: MIT
 */
#ifndef SMPDOC_GROWTH_H
#define SMPDOC_GROWTH_H

#include <glib.h>
#include <vips/vips.h>

#include "smpdoc/detect.h"
#include "smpdoc/register.h"

G_BEGIN_DECLS

/* Moment radius of the dark dot @d on @luma (@width × @height bytes, rows
 * @width apart; one band: smp_growth_measure() reads the green one), px:
 * sqrt(Σ darkness / (π · peak darkness)) over the disc of 1.85 r_half +
 * 1.5 px (r_half: the radius of the area at least half the peak dark,
 * counted within 2.2 r + 1.5 px; at most the ring's outer edge),
 * darkness = the background (median of the ring from 2.2 r + 1.5 out to
 * 3 r + 4 px) minus the pixel, peak = the background minus the mean of
 * the centre (within max(0.8, 0.35 r) px). For a dot of any profile it is
 * proportional to the dot's size and does not depend on its contrast (a
 * faded dot keeps its radius). NaN when the ring leaves the frame or the
 * dot is not darker than its background.
 */
double smp_growth_moment_radius(
	const guint8 *luma, int width, int height, const SmpDot *d);

/* The growth of the persisting dots of @reg (ok, with after_match) from
 * their moment radii on @before and @after (upright 8-bit images, the
 * ones the dots were found on, each read once from top to bottom, so a
 * lazy stream of the file will do: only a strip of rows as tall as the
 * largest dot's window is held): @reg's growth_px_median (after radius ×
 * reg->scale − before radius, before px) and growth_pct_median (100 ×
 * that / before radius) are replaced; unchanged when @reg has no match.
 * Returns: FALSE with @error (SMP_ERROR_CORRUPT) when libvips fails.
 */
gboolean smp_growth_measure(VipsImage *before, VipsImage *after,
	const GArray *before_dots, const GArray *after_dots, SmpRegistration *reg,
	GError **error);

/* The moment radius of every dot of @dots on @image (as
 * smp_growth_measure() reads it), in one pass from top to bottom: for a
 * photo whose pixels are at hand now and will be gone when it is paired.
 * Returns: (transfer full) one radius per dot (NaN where there is none),
 * or NULL with @error (SMP_ERROR_CORRUPT) when libvips fails.
 */
double *smp_growth_radii(VipsImage *image, const GArray *dots, GError **error);

/* smp_growth_measure() from radii measured beforehand: @before_r and
 * @after_r, one per dot of each photo (smp_growth_radii()).
 */
void smp_growth_from_radii(
	const double *before_r, const double *after_r, SmpRegistration *reg);

G_END_DECLS

#endif /* SMPDOC_GROWTH_H */
