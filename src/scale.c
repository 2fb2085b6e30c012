/* The calibration sticker: found on a shrunk copy with libvips (whiteness
 * threshold, median, labelled regions), its edge located along rays at
 * full resolution and fitted by an ellipse (scale_fit.c).
 * SPDX-License-Identifier: MIT
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "scale_private.h"
#include "smpdoc/json_out.h"
#include "smpdoc/error.h"
#include "smpdoc/photo.h"
#include "smpdoc/scale.h"

#define COARSE_EDGE 600 /* the coarse search runs at about this size */
#define MIN_AREA 30 /* coarse pixels a candidate needs */
#define MIN_STEP 0.02 /* linear luminance from the disc to its outside */
#define RAY_STEP 0.25 /* px between samples along a ray */
#define JACKKNIFE_BLOCKS 12 /* angular sectors for the uncertainty */
#define FINE_REACH 5.0 /* px looked at either side of a fitted edge */
#define FINE_GAP 2.5 /* px from it where the levels either side start */
#define MAX_PEAKEDNESS 0.12 /* a highlight's thresholded top: ~0.24 */
#define MIN_EDGE_FRACTION 0.5 /* of the rays must show the edge */
#define CHROMA_WEIGHT 2.0 /* whiteness = L* - this * chroma */

void
smp_sticker_params_default(SmpStickerParams *p, double diameter_mm)
{
	p->diameter_mm = diameter_mm;
	p->max_tilt_deg = SMP_STICKER_MAX_TILT_DEG;
	p->tolerance_mm = SMP_STICKER_TOLERANCE_MM;
}

gboolean
smp_sticker_usable(const SmpSticker *s)
{
	return s && s->found && !s->partial && !s->tilted;
}

void
smp_sticker_free(SmpSticker *s)
{
	g_free(s);
}

/* --- coarse: the brightest neutral round region --------------------------- */

/* One labelled region's moments, coarse pixels. */
typedef struct Region {
	double n, sx, sy, sxx, sxy, syy;
	gboolean edge; /* touches the frame */
} Region;

/* A candidate: the moment ellipse of a region, coarse pixels. */
typedef struct Coarse {
	ScaleEllipse e;
	double area;
	gboolean edge;
} Coarse;

typedef struct Plane {
	float *v;
	int w, h;
} Plane;

static int
cmp_float(const void *a, const void *b)
{
	float x = *(const float *) a, y = *(const float *) b;

	return (x > y) - (x < y);
}

/* The @q quantile of @n values (a sorted copy). */
static double
quantile(const float *v, gsize n, double q)
{
	g_autofree float *s = g_memdup2(v, n * sizeof *v);

	qsort(s, n, sizeof *s, cmp_float);
	return s[(gsize) MIN(q * (double) n, (double) (n - 1))];
}

/* Whiteness of the shrunk photo: L* - CHROMA_WEIGHT * chroma (sRGB), or
 * the grey level scaled to 0..100 (one band).
 */
static gboolean
whiteness(VipsImage *image, int factor, Plane *out, GError **error)
{
	g_autoptr(VipsImage) small = NULL;
	g_autoptr(VipsImage) lab = NULL;
	g_autoptr(VipsImage) flt = NULL;
	g_autofree float *px = NULL;
	size_t size;
	int bands;

	if (vips_shrink(image, &small, factor, factor, NULL) ||
		(image->Bands >= 3 &&
			vips_colourspace(small, &lab, VIPS_INTERPRETATION_LAB, NULL)) ||
		vips_cast_float(lab ? lab : small, &flt, NULL) ||
		!(px = vips_image_write_to_memory(flt, &size))) {
		smp_error_from_vips(error, SMP_ERROR_CORRUPT, NULL, "sticker");
		return FALSE;
	}
	bands = flt->Bands;
	out->w = flt->Xsize;
	out->h = flt->Ysize;
	out->v = g_new(float, (gsize) out->w * out->h);
	for (gsize i = 0; i < (gsize) out->w * out->h; i++) {
		const float *p = px + i * bands;

		out->v[i] = bands >= 3 ? p[0] - CHROMA_WEIGHT * hypotf(p[1], p[2])
							   : p[0] * (100.0f / 255.0f);
	}
	return TRUE;
}

/* The regions above @threshold, cleaned by a 3×3 median and labelled by
 * libvips (every region gets a label, dark ones too, so @bright says
 * which pixels are in). Returns: the label of each coarse pixel.
 */
static gint32 *
label_bright(const Plane *pl, double threshold, guint8 **bright, int *n_labels,
	GError **error)
{
	gsize n = (gsize) pl->w * pl->h;
	g_autofree guint8 *bin = g_new(guint8, n);
	g_autoptr(VipsImage) mask = NULL;
	g_autoptr(VipsImage) clean = NULL;
	g_autoptr(VipsImage) labels = NULL;
	gint32 *out = NULL;
	size_t size;

	for (gsize i = 0; i < n; i++)
		bin[i] = pl->v[i] > threshold ? 255 : 0;
	mask =
		vips_image_new_from_memory(bin, n, pl->w, pl->h, 1, VIPS_FORMAT_UCHAR);
	if (!mask || vips_median(mask, &clean, 3, NULL) ||
		vips_labelregions(clean, &labels, "segments", n_labels, NULL) ||
		!(*bright = vips_image_write_to_memory(clean, &size)) ||
		!(out = vips_image_write_to_memory(labels, &size))) {
		g_clear_pointer(bright, g_free);
		smp_error_from_vips(error, SMP_ERROR_INTERNAL, NULL, "sticker");
		return NULL;
	}
	return out;
}

/* The moment ellipse of @r: a uniform ellipse has semi-axes 2 sqrt(l). */
static void
region_ellipse(const Region *r, Coarse *c)
{
	double mx = r->sx / r->n, my = r->sy / r->n;
	double cxx = r->sxx / r->n - mx * mx, cyy = r->syy / r->n - my * my;
	double cxy = r->sxy / r->n - mx * my;
	double mean = 0.5 * (cxx + cyy);
	double diff = sqrt(0.25 * (cxx - cyy) * (cxx - cyy) + cxy * cxy);

	c->e.cx = mx;
	c->e.cy = my;
	c->e.a = 2.0 * sqrt(MAX(mean + diff, 0.0));
	c->e.b = 2.0 * sqrt(MAX(mean - diff, 0.0));
	c->e.angle = 0.5 * atan2(2.0 * cxy, cxx - cyy);
	if (c->e.angle < 0.0)
		c->e.angle += G_PI;
	c->area = r->n;
	c->edge = r->edge;
}

/* Moments of every bright region. */
static Region *
collect_regions(
	const Plane *pl, const gint32 *labels, const guint8 *bright, int n_labels)
{
	Region *r = g_new0(Region, MAX(n_labels, 1));

	for (int y = 0; y < pl->h; y++)
		for (int x = 0; x < pl->w; x++) {
			gsize i = (gsize) y * pl->w + x;
			Region *g;
			double fx = x + 0.5, fy = y + 0.5;

			if (!bright[i] || labels[i] < 0 || labels[i] >= n_labels)
				continue;
			g = &r[labels[i]];
			g->n++;
			g->sx += fx;
			g->sy += fy;
			g->sxx += fx * fx;
			g->sxy += fx * fy;
			g->syy += fy * fy;
			if (x == 0 || y == 0 || x == pl->w - 1 || y == pl->h - 1)
				g->edge = TRUE;
		}
	return r;
}

/* How much brighter the middle of @c is than its rim, relative to its
 * contrast to the skin at @bg: ~0 for a flat sticker, large for a
 * highlight's peak.
 */
static double
peakedness(const Plane *pl, const Coarse *c, double bg)
{
	double in = 0.0, rim = 0.0;
	int n_in = 0, n_rim = 0;
	int x0 = MAX((int) (c->e.cx - c->e.a), 0);
	int x1 = MIN((int) (c->e.cx + c->e.a) + 1, pl->w);
	int y0 = MAX((int) (c->e.cy - c->e.a), 0);
	int y1 = MIN((int) (c->e.cy + c->e.a) + 1, pl->h);

	for (int y = y0; y < y1; y++)
		for (int x = x0; x < x1; x++) {
			double d = scale_ellipse_distance(&c->e, x + 0.5, y + 0.5);
			double rho = 1.0 + d / c->e.b;

			if (rho < 0.5) {
				in += pl->v[(gsize) y * pl->w + x];
				n_in++;
			}
			else if (rho > 0.65 && rho < 0.85) {
				rim += pl->v[(gsize) y * pl->w + x];
				n_rim++;
			}
		}
	if (n_in == 0 || n_rim == 0)
		return G_MAXDOUBLE;
	in /= n_in;
	rim /= n_rim;
	return (in - rim) / MAX(in - bg, 1e-6);
}

/* A sticker-like region: plausible size for @p at @factor, filling its
 * moment ellipse, round enough to be a disc seen at up to ~65°, flat.
 */
static gboolean
plausible(const Plane *pl, const Coarse *c, const SmpStickerParams *p,
	int factor, double bg)
{
	double major = 2.0 * c->e.a * factor;
	double fill = c->area / (G_PI * c->e.a * MAX(c->e.b, 1e-6));

	return c->area >= MIN_AREA &&
		major >= p->diameter_mm * SMP_STICKER_PX_PER_MM_MIN &&
		major <= p->diameter_mm * SMP_STICKER_PX_PER_MM_MAX && fill > 0.85 &&
		fill < 1.15 && c->e.b >= 0.4 * c->e.a &&
		peakedness(pl, c, bg) < MAX_PEAKEDNESS;
}

/* The largest plausible bright region, in coarse pixels; FALSE if none. */
static gboolean
find_coarse(VipsImage *image, const SmpStickerParams *p, int factor,
	Coarse *best, GError **error)
{
	Plane pl = {0};
	g_autofree gint32 *labels = NULL;
	g_autofree guint8 *bright = NULL;
	g_autofree Region *regions = NULL;
	double bg, hi, threshold;
	int n_labels = 0;
	gboolean found = FALSE;

	if (!whiteness(image, factor, &pl, error))
		return FALSE;
	bg = quantile(pl.v, (gsize) pl.w * pl.h, 0.5);
	hi = quantile(pl.v, (gsize) pl.w * pl.h, 0.999);
	threshold = bg + MAX(10.0, 0.5 * (hi - bg));
	labels = label_bright(&pl, threshold, &bright, &n_labels, error);
	if (labels) {
		regions = collect_regions(&pl, labels, bright, n_labels);
		for (int i = 0; i < n_labels; i++) {
			Coarse c;

			if (regions[i].n < MIN_AREA)
				continue;
			region_ellipse(&regions[i], &c);
			if (plausible(&pl, &c, p, factor, bg) &&
				(!found || c.area > best->area)) {
				*best = c;
				found = TRUE;
			}
		}
	}
	g_free(pl.v);
	best->area = found ? best->area : -1.0;
	return labels != NULL;
}

/* --- fine: the edge along rays, an ellipse through it --------------------- */

/* Grey levels of the photo around the sticker, full resolution. */
typedef struct Crop {
	float *v;
	int x0, y0, w, h; /* where it sits in the photo */
	int width, height; /* the photo's size */
} Crop;

static gboolean
crop_luma(VipsImage *image, const ScaleEllipse *e, Crop *c, GError **error)
{
	double m = 1.6 * e->a + 8.0;
	g_autoptr(VipsImage) area = NULL;
	g_autofree guint8 *px = NULL;
	size_t size;
	int bands;

	c->width = image->Xsize;
	c->height = image->Ysize;
	c->x0 = CLAMP((int) floor(e->cx - m), 0, image->Xsize - 1);
	c->y0 = CLAMP((int) floor(e->cy - m), 0, image->Ysize - 1);
	c->w = MIN((int) ceil(e->cx + m), image->Xsize) - c->x0;
	c->h = MIN((int) ceil(e->cy + m), image->Ysize) - c->y0;
	if (c->w < 2 || c->h < 2 ||
		vips_extract_area(image, &area, c->x0, c->y0, c->w, c->h, NULL) ||
		!(px = vips_image_write_to_memory(area, &size))) {
		smp_error_from_vips(error, SMP_ERROR_CORRUPT, NULL, "sticker");
		return FALSE;
	}
	bands = area->Bands;
	c->v = g_new(float, (gsize) c->w * c->h);
	/* Linear light: optics blur in linear light, so the edge is half-way
	 * and steepest there; in sRGB-encoded values it lies ~0.3 px out
	 * towards the darker side. From JPEG's luma (the one full-resolution
	 * plane of a 4:2:0 file: the chroma planes are half-size and would
	 * smear a white-to-skin edge by a pixel), linearised.
	 */
	for (gsize i = 0; i < (gsize) c->w * c->h; i++) {
		const guint8 *p = px + i * bands;
		double y = bands >= 3
			? (0.299 * p[0] + 0.587 * p[1] + 0.114 * p[2]) / 255.0
			: p[0] / 255.0;

		c->v[i] =
			(float) (y <= 0.04045 ? y / 12.92 : pow((y + 0.055) / 1.055, 2.4));
	}
	return TRUE;
}

/* Bilinear sample at photo coordinates (pixel centres at 0.5); FALSE
 * outside the crop.
 */
static gboolean
sample(const Crop *c, double x, double y, float *out)
{
	double u = x - 0.5 - c->x0, v = y - 0.5 - c->y0;
	int i = (int) floor(u), j = (int) floor(v);
	float fu, fv;
	const float *p;

	if (i < 0 || j < 0 || i + 1 >= c->w || j + 1 >= c->h)
		return FALSE;
	fu = (float) (u - i);
	fv = (float) (v - j);
	p = c->v + (gsize) j * c->w + i;
	*out = (1 - fv) * ((1 - fu) * p[0] + fu * p[1]) +
		fv * ((1 - fu) * p[c->w] + fu * p[c->w + 1]);
	return TRUE;
}

/* Median of the profile between @s0 and @s1 (indices into @prof). */
static float
median_range(const float *prof, int s0, int s1)
{
	g_autofree float *v = NULL;
	int n = s1 - s0;

	if (n <= 0)
		return NAN;
	v = g_memdup2(prof + s0, (gsize) n * sizeof *v);
	qsort(v, (gsize) n, sizeof *v, cmp_float);
	return v[n / 2];
}

/* The sample index of distance @s along a ray starting at @s_start. */
static int
ray_index(double s, double s_start, int n)
{
	return CLAMP((int) ((s - s_start) / RAY_STEP), 0, n);
}

/* The edge along the ray at @theta from @e's centre: where the profile
 * first falls half-way from the disc's level to the lower of two levels
 * just outside (a border ring, or the skin). FALSE when the ray leaves
 * the frame (@clipped set) or shows no clear edge.
 */
static gboolean
ray_edge(const Crop *c, const ScaleEllipse *e, double theta, double *ex,
	double *ey, gboolean *clipped)
{
	double dx = cos(theta), dy = sin(theta), phi = theta - e->angle;
	double rho = 1.0 / hypot(cos(phi) / e->a, sin(phi) / e->b);
	double s_start = 0.5 * rho, pad = 2.0;
	int n = (int) ((0.9 * rho + 2 * pad) / RAY_STEP) + 1;
	g_autofree float *prof = g_new(float, n);
	float in, out, t;
	int i_in0, i_in1, i_edge;

	for (int i = 0; i < n; i++) {
		double s = s_start + i * RAY_STEP;

		if (!sample(c, e->cx + s * dx, e->cy + s * dy, &prof[i])) {
			*clipped = TRUE;
			return FALSE;
		}
	}
	i_in0 = ray_index(0.55 * rho, s_start, n);
	i_in1 = ray_index(0.8 * rho, s_start, n);
	in = median_range(prof, i_in0, i_in1);
	out = MIN(median_range(prof, ray_index(1.02 * rho + pad, s_start, n),
				  ray_index(1.14 * rho + pad, s_start, n)),
		median_range(prof, ray_index(1.14 * rho + pad, s_start, n),
			ray_index(1.3 * rho + pad, s_start, n)));
	i_edge = ray_index(1.2 * rho + pad, s_start, n);
	if (!(in - out >= MIN_STEP))
		return FALSE;
	t = 0.5f * (in + out);
	for (int i = i_in1; i < i_edge; i++)
		if (prof[i] < t && i > 0 && prof[i - 1] >= t) {
			double s = s_start +
				(i - 1 + (prof[i - 1] - t) / (prof[i - 1] - prof[i])) *
					RAY_STEP;

			*ex = e->cx + s * dx;
			*ey = e->cy + s * dy;
			return TRUE;
		}
	return FALSE;
}

/* The edge along the ray at @theta near where @e (already fitted) puts
 * it: where the profile crosses half-way between the levels just inside
 * and just outside that place (FINE_GAP..FINE_REACH px either side,
 * beyond the blur). Those are the two things the edge separates, the
 * disc and whatever touches it (skin, a ring, a dot), so a dot next to
 * the sticker moves the level outside, not the crossing.
 */
static gboolean
ray_edge_fine(const Crop *c, const ScaleEllipse *e, double theta, double *ex,
	double *ey, gboolean *clipped)
{
	double dx = cos(theta), dy = sin(theta), phi = theta - e->angle;
	double rho = 1.0 / hypot(cos(phi) / e->a, sin(phi) / e->b);
	double s0 = rho - FINE_REACH;
	int n = (int) (2.0 * FINE_REACH / RAY_STEP) + 1;
	int gap = (int) ((FINE_REACH - FINE_GAP) / RAY_STEP);
	float prof[128], in, out, t;

	g_assert(n <= (int) G_N_ELEMENTS(prof));
	for (int i = 0; i < n; i++)
		if (!sample(c, e->cx + (s0 + i * RAY_STEP) * dx,
				e->cy + (s0 + i * RAY_STEP) * dy, &prof[i])) {
			*clipped = TRUE;
			return FALSE;
		}
	in = median_range(prof, 0, gap);
	out = quantile(prof + n - gap, gap, 0.8);
	if (!(in - out >= MIN_STEP))
		return FALSE;
	t = 0.5f * (in + out);
	for (int i = gap; i < n - gap; i++)
		if (prof[i] < t && prof[i - 1] >= t) {
			double s = s0 +
				(i - 1 + (prof[i - 1] - t) / (prof[i - 1] - prof[i])) *
					RAY_STEP;

			*ex = e->cx + s * dx;
			*ey = e->cy + s * dy;
			return TRUE;
		}
	return FALSE;
}

/* Edge points on rays all round @e, about one per pixel of perimeter:
 * by the half-way crossing from a coarse ellipse, by the steepest fall
 * from a fitted one (@fine).
 */
static double *
edge_points(const Crop *c, const ScaleEllipse *e, gboolean fine, gsize *n,
	int *inside, gboolean *clipped)
{
	int rays = CLAMP((int) (2.0 * G_PI * e->a), 64, 2048);
	double *xy = g_new(double, 2 * (gsize) rays);

	*n = 0;
	*inside = 0;
	for (int k = 0; k < rays; k++) {
		double theta = 2.0 * G_PI * (k + 0.5) / rays;
		gboolean out = FALSE;

		if ((fine ? ray_edge_fine : ray_edge)(
				c, e, theta, &xy[2 * *n], &xy[2 * *n + 1], &out))
			(*n)++;
		*inside += !out;
		*clipped = *clipped || out;
	}
	return xy;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *) a, y = *(const double *) b;

	return (x > y) - (x < y);
}

/* Fit, drop points further than 3 robust SDs (a dot or a hair on the
 * ray), fit again. @n becomes the points kept; @rms their residual.
 */
static gboolean
robust_fit(double *xy, gsize *n, ScaleEllipse *e, double *rms)
{
	for (int pass = 0; pass < 3; pass++) {
		g_autofree double *d = NULL;
		g_autofree double *ad = NULL;
		double mad, limit, ss = 0.0;
		gsize kept = 0;

		if (!scale_fit_ellipse(xy, *n, e))
			return FALSE;
		d = g_new(double, *n);
		ad = g_new(double, *n);
		for (gsize k = 0; k < *n; k++) {
			d[k] = scale_ellipse_distance(e, xy[2 * k], xy[2 * k + 1]);
			ad[k] = fabs(d[k]);
		}
		qsort(ad, *n, sizeof *ad, cmp_double);
		mad = ad[*n / 2];
		limit = MAX(3.0 * 1.4826 * mad, 0.25);
		for (gsize k = 0; k < *n; k++)
			if (fabs(d[k]) <= limit) {
				xy[2 * kept] = xy[2 * k];
				xy[2 * kept + 1] = xy[2 * k + 1];
				ss += d[k] * d[k];
				kept++;
			}
		*rms = kept ? sqrt(ss / (double) kept) : NAN;
		if (kept == *n)
			break;
		*n = kept;
	}
	return scale_fit_ellipse(xy, *n, e);
}

/* The relative SD of the major semi-axis @a by a delete-a-block
 * jackknife over JACKKNIFE_BLOCKS angular sectors (the points are in ray
 * order): errors along the edge are correlated over a sector (a dot, a
 * JPEG block, the skin's texture), which a formula for independent
 * residuals would miss by several times.
 */
static double
jackknife_rel(const double *xy, gsize n, double a)
{
	g_autofree double *sub = g_new(double, 2 * n);
	double ak[JACKKNIFE_BLOCKS], mean = 0.0, var = 0.0;
	int k_ok = 0;

	for (int k = 0; k < JACKKNIFE_BLOCKS; k++) {
		gsize lo = n * k / JACKKNIFE_BLOCKS,
			  hi = n * (k + 1) / JACKKNIFE_BLOCKS;
		gsize m = 0;
		ScaleEllipse e;

		for (gsize i = 0; i < n; i++)
			if (i < lo || i >= hi) {
				sub[2 * m] = xy[2 * i];
				sub[2 * m + 1] = xy[2 * i + 1];
				m++;
			}
		if (scale_fit_ellipse(sub, m, &e))
			mean += ak[k_ok++] = e.a;
	}
	if (k_ok < 3)
		return NAN;
	mean /= k_ok;
	for (int k = 0; k < k_ok; k++)
		var += (ak[k] - mean) * (ak[k] - mean);
	return sqrt(var * (k_ok - 1) / k_ok) / a;
}

/* Does the ellipse, a little grown, leave the frame? */
static gboolean
touches_frame(const ScaleEllipse *e, int width, int height)
{
	double c = cos(e->angle), s = sin(e->angle), g = 1.05;
	double hx = g * sqrt(e->a * e->a * c * c + e->b * e->b * s * s);
	double hy = g * sqrt(e->a * e->a * s * s + e->b * e->b * c * c);

	return e->cx - hx < 1.0 || e->cy - hy < 1.0 || e->cx + hx > width - 1.0 ||
		e->cy + hy > height - 1.0;
}

/* Three rounds of rays: from the coarse ellipse, then twice from the
 * last fit. A region whose edge most rays inside the frame do not see
 * sharply where an ellipse puts it (a highlight, a patch of pale skin)
 * is no sticker: @st->found is cleared.
 */
static gboolean
refine(VipsImage *image, ScaleEllipse *e, SmpSticker *st, GError **error)
{
	Crop c = {0};
	gboolean clipped = FALSE;

	if (!crop_luma(image, e, &c, error))
		return FALSE;
	for (int round = 0; round < 3; round++) {
		gsize n;
		int inside;
		g_autofree double *xy =
			edge_points(&c, e, round > 0, &n, &inside, &clipped);
		ScaleEllipse fit;
		double rms;

		if (n < 12 || !robust_fit(xy, &n, &fit, &rms) ||
			!(fit.a < 2.0 * e->a && fit.b > 0.5 * e->b) ||
			(double) n < MIN_EDGE_FRACTION * inside) {
			st->found = round > 0 && st->found;
			break;
		}
		*e = fit;
		st->edge_points = (int) n;
		st->residual_px = rms;
		st->fit_rel_uncertainty = jackknife_rel(xy, n, fit.a);
	}
	st->partial = st->partial || clipped;
	g_free(c.v);
	return TRUE;
}

SmpSticker *
smp_sticker_find(VipsImage *image, const SmpStickerParams *p, const char *path,
	GError **error)
{
	g_autoptr(SmpSticker) st = g_new0(SmpSticker, 1);
	int factor = MAX(
		1, (MAX(image->Xsize, image->Ysize) + COARSE_EDGE - 1) / COARSE_EDGE);
	Coarse coarse = {{0}};
	ScaleEllipse e;

	st->diameter_mm = p->diameter_mm;
	st->tolerance_mm = MAX(p->tolerance_mm, 0.0);
	st->rel_uncertainty = st->fit_rel_uncertainty = st->residual_px = NAN;
	if (!find_coarse(image, p, factor, &coarse, error)) {
		g_prefix_error(error, "%s: ", path ? path : "photo");
		return NULL;
	}
	if (coarse.area < 0.0)
		return g_steal_pointer(&st);
	e = coarse.e;
	e.cx *= factor;
	e.cy *= factor;
	e.a *= factor;
	e.b *= factor;
	st->found = TRUE;
	st->partial = coarse.edge;
	if (!refine(image, &e, st, error)) {
		g_prefix_error(error, "%s: ", path ? path : "photo");
		return NULL;
	}
	if (!st->found)
		return g_steal_pointer(&st);
	st->partial = st->partial || touches_frame(&e, image->Xsize, image->Ysize);
	st->cx = e.cx;
	st->cy = e.cy;
	st->major_px = 2.0 * e.a;
	st->minor_px = 2.0 * e.b;
	st->angle_deg = e.angle * 180.0 / G_PI;
	st->axis_ratio = e.b / e.a;
	st->tilt_deg = acos(CLAMP(st->axis_ratio, 0.0, 1.0)) * 180.0 / G_PI;
	st->tilted = st->axis_ratio < cos(p->max_tilt_deg * G_PI / 180.0);
	st->px_per_mm = st->major_px / p->diameter_mm;
	/* The sticker's true size is known only to its print tolerance: a
	 * sticker 1% too large reads a scale 1% too large, however sharp the
	 * fit.
	 */
	st->rel_uncertainty =
		hypot(st->fit_rel_uncertainty, st->tolerance_mm / p->diameter_mm);
	return g_steal_pointer(&st);
}

void
smp_sticker_exclude(
	const SmpSticker *s, guint8 *mask, int width, int height, gsize stride)
{
	ScaleEllipse e;
	double reach;

	if (!s || !s->found)
		return;
	e.cx = s->cx;
	e.cy = s->cy;
	e.a = 0.5 * s->major_px * SMP_STICKER_EXCLUDE + 4.0;
	e.b = 0.5 * s->minor_px * SMP_STICKER_EXCLUDE + 4.0;
	e.angle = s->angle_deg * G_PI / 180.0;
	reach = e.a + 1.0;
	for (int y = MAX((int) (e.cy - reach), 0);
		 y < MIN((int) (e.cy + reach) + 1, height); y++)
		for (int x = MAX((int) (e.cx - reach), 0);
			 x < MIN((int) (e.cx + reach) + 1, width); x++)
			if (scale_ellipse_distance(&e, x + 0.5, y + 0.5) <= 0.0)
				mask[(gsize) y * stride + x] = 0;
}

void
smp_sticker_to_json(const SmpSticker *s, JsonBuilder *b)
{
	if (!s || !s->found) {
		json_builder_add_null_value(b);
		return;
	}
	json_builder_begin_object(b);
	smp_json_number(b, "diameter_mm", s->diameter_mm, 0.001);
	smp_json_number(b, "cx", s->cx, 0.01);
	smp_json_number(b, "cy", s->cy, 0.01);
	smp_json_number(b, "major_px", s->major_px, 0.01);
	smp_json_number(b, "minor_px", s->minor_px, 0.01);
	smp_json_number(b, "angle_deg", s->angle_deg, 0.1);
	smp_json_number(b, "axis_ratio", s->axis_ratio, 0.0001);
	smp_json_number(b, "tilt_deg", s->tilt_deg, 0.1);
	smp_json_number(b, "px_per_mm", s->px_per_mm, 0.0001);
	smp_json_number(b, "rel_uncertainty", s->rel_uncertainty, 0.00001);
	smp_json_number(b, "fit_rel_uncertainty", s->fit_rel_uncertainty, 0.00001);
	smp_json_number(b, "tolerance_mm", s->tolerance_mm, 0.001);
	smp_json_number(b, "residual_px", s->residual_px, 0.001);
	json_builder_set_member_name(b, "edge_points");
	json_builder_add_int_value(b, s->edge_points);
	json_builder_set_member_name(b, "partial");
	json_builder_add_boolean_value(b, s->partial);
	json_builder_set_member_name(b, "tilted");
	json_builder_add_boolean_value(b, s->tilted);
	json_builder_end_object(b);
}
