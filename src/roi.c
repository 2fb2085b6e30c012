/* Region of interest from a polygon (scanline fill at pixel centres) or a
 * mask image (libvips).
 * SPDX-License-Identifier: MIT
 */
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <vips/vips.h>

#include "smpdoc/error.h"
#include "smpdoc/provenance.h"
#include "smpdoc/roi.h"

gboolean
smp_roi_is_polygon(const char *spec)
{
	if (!spec || !strchr(spec, ','))
		return FALSE;
	for (const char *c = spec; *c; c++)
		if (!g_ascii_isdigit(*c) && !strchr("+-.,; \t", *c))
			return FALSE;
	return TRUE;
}

static gboolean polygon_error(GError **error, const char *where,
	const char *fmt, ...) G_GNUC_PRINTF(3, 4);

static gboolean
polygon_error(GError **error, const char *where, const char *fmt, ...)
{
	g_autofree char *msg = NULL;
	va_list ap;

	va_start(ap, fmt);
	msg = g_strdup_vprintf(fmt, ap);
	va_end(ap);

	g_set_error(error, SMP_ERROR, SMP_ERROR_CONFIG, "%s: roi polygon: %s",
		where ? where : "roi", msg);
	return FALSE;
}

gboolean
smp_roi_polygon_parse(
	const char *spec, const char *where, double **xy, int *n, GError **error)
{
	g_auto(GStrv) pts = g_strsplit(spec ? spec : "", ";", -1);
	g_autofree double *v = NULL;
	int count = 0;

	for (int i = 0; pts[i]; i++)
		if (*g_strstrip(pts[i]))
			count++;
	if (count < 3)
		return polygon_error(error, where,
			"%d vertices; need at least 3 as x1,y1;x2,y2;x3,y3", count);
	if (count > SMP_ROI_MAX_VERTICES)
		return polygon_error(
			error, where, "more than %d vertices", SMP_ROI_MAX_VERTICES);
	v = g_new(double, 2 * count);
	count = 0;
	for (int i = 0; pts[i]; i++) {
		char *end;

		if (!*pts[i])
			continue;
		v[2 * count] = g_ascii_strtod(pts[i], &end);
		while (*end == ' ' || *end == '\t')
			end++;
		if (end == pts[i] || *end != ',')
			return polygon_error(
				error, where, "vertex %d is not x,y", count + 1);
		{
			char *y = end + 1;

			v[2 * count + 1] = g_ascii_strtod(y, &end);
			if (end == y || *g_strstrip(end) != '\0' ||
				!isfinite(v[2 * count]) || !isfinite(v[2 * count + 1]))
				return polygon_error(
					error, where, "vertex %d is not x,y", count + 1);
		}
		count++;
	}
	if (xy)
		*xy = g_steal_pointer(&v);
	if (n)
		*n = count;
	return TRUE;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *) a, y = *(const double *) b;

	return (x > y) - (x < y);
}

/* Even-odd fill of the polygon @xy (@n vertices) at pixel centres. */
static void
fill_polygon(const double *xy, int n, int width, int height, guint8 *mask)
{
	double *xs = g_new(double, n);

	for (int y = 0; y < height; y++) {
		double yc = y + 0.5;
		int k = 0;

		for (int i = 0, j = n - 1; i < n; j = i++) {
			double yi = xy[2 * i + 1], yj = xy[2 * j + 1];

			if ((yi <= yc) != (yj <= yc))
				xs[k++] =
					xy[2 * i] + (yc - yi) * (xy[2 * j] - xy[2 * i]) / (yj - yi);
		}
		qsort(xs, k, sizeof(double), cmp_double);
		for (int e = 0; e + 1 < k; e += 2) {
			/* pixels whose centre x + 0.5 lies in [xs[e], xs[e + 1]) */
			double a = ceil(xs[e] - 0.5), b = ceil(xs[e + 1] - 0.5);
			int x0 = (int) CLAMP(a, 0.0, (double) width);
			int x1 = (int) CLAMP(b, 0.0, (double) width);

			if (x1 > x0)
				memset(mask + (gsize) y * width + x0, 1, x1 - x0);
		}
	}
	g_free(xs);
}

/* Non-zero in the first band of the image at @path, which must be
 * @width x @height.
 */
static guint8 *
read_mask(const char *path, int width, int height, GError **error)
{
	VipsImage *img, *band = NULL, *ne = NULL;
	guint8 *mask = NULL;
	size_t len = 0;

	img = vips_image_new_from_file(path, NULL);
	if (!img) {
		smp_error_from_vips(error, SMP_ERROR_CORRUPT, path, "roi mask");
		return NULL;
	}
	if (img->Xsize != width || img->Ysize != height) {
		g_set_error(error, SMP_ERROR, SMP_ERROR_CONFIG,
			"%s: roi mask: %d x %d, but the photo is %d x %d upright", path,
			img->Xsize, img->Ysize, width, height);
		g_object_unref(img);
		return NULL;
	}
	if (vips_extract_band(img, &band, 0, NULL) ||
		vips_notequal_const1(band, &ne, 0.0, NULL) ||
		!(mask = vips_image_write_to_memory(ne, &len)))
		smp_error_from_vips(error, SMP_ERROR_CORRUPT, path, "roi mask");
	else
		for (size_t i = 0; i < len; i++)
			mask[i] = mask[i] != 0;
	VIPS_UNREF(ne);
	VIPS_UNREF(band);
	g_object_unref(img);
	if (mask && len != (size_t) width * height) {
		g_free(mask);
		mask = NULL;
		g_set_error(error, SMP_ERROR, SMP_ERROR_INTERNAL,
			"%s: roi mask: unexpected size", path);
	}
	return mask;
}

/* A mask @spec's file: relative paths are taken from @base_dir. */
static char *
mask_path(const char *spec, const char *base_dir)
{
	return g_path_is_absolute(spec) || !base_dir
		? g_strdup(spec)
		: g_build_filename(base_dir, spec, NULL);
}

char *
smp_roi_fingerprint(const char *spec, const char *base_dir, GError **error)
{
	g_autofree char *path = NULL;

	if (!spec || smp_roi_is_polygon(spec))
		return g_compute_checksum_for_string(
			G_CHECKSUM_SHA256, spec ? spec : "", -1);
	path = mask_path(spec, base_dir);
	return smp_file_sha256(path, error);
}

guint8 *
smp_roi_mask_new(const char *spec, const char *base_dir, int width, int height,
	const char *what, GError **error)
{
	g_autofree char *path = NULL;
	guint8 *mask;

	if (smp_roi_is_polygon(spec)) {
		g_autofree double *xy = NULL;
		int n;

		if (!smp_roi_polygon_parse(spec, what, &xy, &n, error))
			return NULL;
		mask = g_malloc0((gsize) width * height);
		fill_polygon(xy, n, width, height, mask);
		return mask;
	}
	if (!spec || !*spec) {
		g_set_error(error, SMP_ERROR, SMP_ERROR_CONFIG,
			"%s: roi: empty (a polygon x1,y1;x2,y2;... or a mask image)",
			what ? what : "roi");
		return NULL;
	}
	path = mask_path(spec, base_dir);
	return read_mask(path, width, height, error);
}
