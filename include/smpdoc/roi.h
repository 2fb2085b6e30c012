/* Region of interest: the pixels of a photo that detection results and
 * measurements count, from a polygon or a mask image.
 * SPDX-License-Identifier: MIT
 */
#ifndef SMPDOC_ROI_H
#define SMPDOC_ROI_H

#include <glib.h>

G_BEGIN_DECLS

/* Vertices a polygon may have (more is a config error). */
#define SMP_ROI_MAX_VERTICES 10000

/* TRUE when @spec is written as a polygon ("x1,y1;x2,y2;..."), FALSE when
 * it names a mask image: a polygon has only digits, signs, points, commas,
 * semicolons and spaces.
 */
gboolean smp_roi_is_polygon(const char *spec);

/* Parse the polygon @spec, "x1,y1;x2,y2;..." in upright (oriented) pixel
 * coordinates with (0,0) at the top-left corner of the top-left pixel, at
 * least 3 vertices, closed implicitly.
 * @xy: (out) (optional) (transfer full) 2 * @n doubles.
 * @n: (out) (optional) vertex count.
 * Returns: TRUE, or FALSE with @error (SMP_ERROR_CONFIG) saying what is
 * wrong, prefixed with @where (a file name, or "file:line").
 */
gboolean smp_roi_polygon_parse(
	const char *spec, const char *where, double **xy, int *n, GError **error);

/* The region of interest of a @width x @height upright photo as one byte
 * per pixel (1 inside, 0 outside), rows @width bytes apart.
 *
 * @spec: a polygon (smp_roi_polygon_parse(); a pixel is inside when its
 *   centre is, even-odd rule) or the path of a mask image of exactly the
 *   photo's upright size, non-zero in its first band = inside (read as
 *   stored: EXIF orientation is not applied to masks). A relative path is
 *   taken from @base_dir (NULL: the current folder).
 * @what: names the source in messages ("pipeline", "manifest", ...).
 *
 * Returns: (transfer full) g_free() the mask; NULL with @error naming the
 * mask file or @what (SMP_ERROR_CONFIG for a bad polygon or a mask of the
 * wrong size, SMP_ERROR_CORRUPT or SMP_ERROR_IO for an unreadable mask).
 */
guint8 *smp_roi_mask_new(const char *spec, const char *base_dir, int width,
	int height, const char *what, GError **error);

/* A fingerprint of the region @spec selects, for catalogue keys: the
 * SHA-256 (hex) of the polygon's text, or of the mask file's bytes (its
 * path resolved as smp_roi_mask_new() does), so that it changes when the
 * polygon or the mask's contents do.
 * Returns: (transfer full) 64 hex digits, or NULL with @error naming the
 * mask file when it cannot be read.
 */
char *smp_roi_fingerprint(
	const char *spec, const char *base_dir, GError **error);

G_END_DECLS

#endif /* SMPDOC_ROI_H */
