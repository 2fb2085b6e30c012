/* Normalisation of one photo: flat-field from the skin background's smooth
 * luminance, white balance on the skin-tone locus, exposure to a target
 * lightness, applied in linear light at full size by libvips.
 * SPDX-License-Identifier: MIT
 */
#include <math.h>
#include <string.h>

#include "smpdoc/error.h"
#include "normalise_private.h"

/* The estimation copy has about this many px per mm, and at most
 * SMALL_MAX_PX pixels: enough to see dots of 0.3 mm, small enough that
 * the rank filter costs little at 12 MP and beyond.
 */
#define SMALL_PX_PER_MM 5.0
#define SMALL_MAX_PX 1.5e6
/* Shortest side of the shrunk photo, when the photo allows. */
#define SMALL_MIN_SIDE 16.0
/* A block of the estimate needs this share of background pixels. */
#define CELL_MIN_BG 0.25
#define MAX_TERMS 10

/* Reference skin tones (Fitzpatrick I..VI) in sRGB under neutral light:
 * their chromaticities make the locus that white balance projects onto.
 */
static const double skin_ref[6][3] = {
	{238, 208, 192},
	{226, 186, 160},
	{204, 158, 124},
	{172, 121, 88},
	{124, 82, 58},
	{80, 53, 40},
};

void
smp_normalise_params_default(SmpNormaliseParams *p)
{
	memset(p, 0, sizeof(*p));
	p->flatfield = TRUE;
	p->flatfield_mm = SMP_NORMALISE_FLATFIELD_MM;
	p->flatfield_px = SMP_NORMALISE_FLATFIELD_PX;
	p->bg_low = 0.9;
	p->bg_high = 1.15;
	p->white_balance = TRUE;
	p->max_wb_gain = SMP_NORMALISE_MAX_WB_GAIN;
	p->target_lightness = 0;
	p->max_exposure_gain = SMP_NORMALISE_MAX_EXPOSURE;
	p->clip_high = 254;
	p->clip_low = 1;
	p->clip_max_fraction = SMP_NORMALISE_CLIP_MAX;
	p->blur_max_mm = SMP_NORMALISE_BLUR_MAX_MM;
	p->blur_max_px = SMP_NORMALISE_BLUR_MAX_PX;
	p->mismatch_ev = SMP_NORMALISE_MISMATCH_EV;
	p->mismatch_chroma = SMP_NORMALISE_MISMATCH_CHROMA;
}

static gboolean
params_check(const SmpNormaliseParams *p, const char *path, GError **error)
{
	const char *bad = NULL;

	if (!(p->flatfield_mm > 0) || !(p->flatfield_px >= 8))
		bad = "flatfield_mm > 0 and flatfield_px >= 8";
	else if (!(p->bg_low > 0 && p->bg_low < 1 && p->bg_high > 1))
		bad = "0 < bg_low < 1 < bg_high";
	else if (!(p->max_wb_gain >= 1) || !(p->max_exposure_gain >= 1))
		bad = "max_wb_gain and max_exposure_gain >= 1";
	else if (!(p->target_lightness <= 100))
		bad = "target_lightness <= 100";
	else if (p->clip_high < 1 || p->clip_high > 255 || p->clip_low < 0 ||
		p->clip_low > 254 || !(p->clip_max_fraction >= 0))
		bad = "clip levels 0..255 and clip_max_fraction >= 0";
	else if (!(p->blur_max_mm > 0) || !(p->blur_max_px > 0) ||
		!(p->mismatch_ev > 0) || !(p->mismatch_chroma > 0))
		bad = "blur and mismatch thresholds > 0";
	if (bad)
		g_set_error(error, SMP_ERROR, SMP_ERROR_CONFIG,
			"%s: %s: parameters out of range (need %s)",
			path ? path : "(image)", NORM_STAGE, bad);
	return bad == NULL;
}

/* 256 linear values for the gamma-2.2 code values of the rank filter. */
static VipsImage *
decode_lut(void)
{
	float lut[256];

	for (int i = 0; i < 256; i++)
		lut[i] = (float) pow(i / 255.0, 2.2);
	return vips_image_new_from_memory_copy(
		lut, sizeof(lut), 256, 1, 1, VIPS_FORMAT_FLOAT);
}

VipsImage *
norm_background_mask(VipsImage *lin, const SmpNormaliseParams *p, int window,
	VipsImage **y, const char *path, GError **error)
{
	g_autoptr(VipsImage) ctx = vips_image_new();
	VipsImage **t =
		(VipsImage **) vips_object_local_array(VIPS_OBJECT(ctx), 13);
	double w[3] = {NORM_WR, NORM_WG, NORM_WB};
	VipsImage *mask;

	/* The rank filter runs on 8-bit gamma codes, where libvips keeps a
	 * sliding histogram (fast at any window); only the threshold is
	 * quantised, by about 1% of the level.
	 */
	if (!(t[0] = vips_image_new_matrix_from_array(3, 1, w, 3)) ||
		vips_recomb(lin, &t[1], t[0], NULL) ||
		vips_pow_const1(t[1], &t[2], 1 / 2.2, NULL) ||
		vips_linear1(t[2], &t[3], 255, 0.5, NULL) ||
		vips_cast_uchar(t[3], &t[4], NULL) ||
		vips_rank(
			t[4], &t[5], window, window, window * window * 6 / 10, NULL) ||
		!(t[6] = decode_lut()) || vips_maplut(t[5], &t[7], t[6], NULL) ||
		vips_linear1(t[7], &t[8], p->bg_low, 0, NULL) ||
		vips_linear1(t[7], &t[9], p->bg_high, 0, NULL) ||
		vips_moreeq(t[1], t[8], &t[10], NULL) ||
		vips_lesseq(t[1], t[9], &t[11], NULL) ||
		vips_andimage(t[10], t[11], &t[12], NULL)) {
		smp_error_from_vips(error, SMP_ERROR_CORRUPT, path, NORM_STAGE);
		return NULL;
	}
	mask = t[12];
	g_object_ref(mask);
	if (y) {
		*y = t[1];
		g_object_ref(*y);
	}
	return mask;
}

/* Block statistics of the skin background on the estimation copy. */
typedef struct Cells {
	int cols, rows;
	double *cx, *cy; /* centres, px of the photo (cols, rows entries) */
	double *w; /* background share of each block */
	double *ly; /* ln mean background luminance */
	double *rgb; /* mean background linear RGB, 3 per block */
	double *lfit; /* ln illumination of the model at the block */
} Cells;

static void
cells_free(Cells *c)
{
	g_free(c->cx);
	g_free(c->cy);
	g_free(c->w);
	g_free(c->ly);
	g_free(c->rgb);
	g_free(c->lfit);
}

/* Shrink @in by @n->shrink to linear light, mask its skin background and
 * average background RGB, luminance and share over blocks of @cell px.
 */
static gboolean
cells_measure(SmpNormalisation *n, VipsImage *in, int cell,
	const SmpNormaliseParams *p, Cells *c, GError **error)
{
	g_autoptr(VipsImage) ctx = vips_image_new();
	VipsImage **t =
		(VipsImage **) vips_object_local_array(VIPS_OBJECT(ctx), 13);
	int k = n->shrink;
	const float *v;

	if (vips_colourspace(in, &t[0], VIPS_INTERPRETATION_scRGB, NULL) ||
		vips_shrink(t[0], &t[1], k, k, NULL) ||
		!(t[2] = vips_image_copy_memory(t[1])) ||
		!(t[3] = norm_background_mask(
			  t[2], p, n->window, &t[4], n->path, error)))
		goto vips_fail;
	/* Kept: the tone match measures the skin on it (a few MB). */
	n->small_in = g_object_ref(t[2]);
	cell = MIN(cell, MIN(t[2]->Xsize, t[2]->Ysize));
	c->cols = t[2]->Xsize / cell;
	c->rows = t[2]->Ysize / cell;
	/* Bands R·m G·m B·m Y·m m, averaged over whole blocks only. */
	if (vips_linear1(t[3], &t[5], 1 / 255.0, 0, NULL) ||
		vips_multiply(t[2], t[5], &t[6], NULL) ||
		vips_multiply(t[4], t[5], &t[7], NULL) ||
		vips_bandjoin((VipsImage *[]){t[6], t[7], t[5]}, &t[8], 3, NULL) ||
		vips_crop(t[8], &t[9], 0, 0, c->cols * cell, c->rows * cell, NULL) ||
		vips_shrink(t[9], &t[10], cell, cell, NULL) ||
		vips_cast_float(t[10], &t[11], NULL) ||
		!(t[12] = vips_image_copy_memory(t[11])))
		goto vips_fail;
	v = (const float *) t[12]->data;
	c->cx = g_new(double, c->cols);
	c->cy = g_new(double, c->rows);
	c->w = g_new0(double, c->cols * c->rows);
	c->ly = g_new0(double, c->cols * c->rows);
	c->rgb = g_new0(double, 3 * c->cols * c->rows);
	c->lfit = g_new0(double, c->cols * c->rows);
	for (int i = 0; i < c->cols; i++)
		c->cx[i] = (i + 0.5) * cell * k;
	for (int j = 0; j < c->rows; j++)
		c->cy[j] = (j + 0.5) * cell * k;
	for (int i = 0; i < c->cols * c->rows; i++) {
		const float *b = v + 5 * i;

		c->w[i] = b[4];
		if (b[4] <= 0 || b[3] <= 0) {
			c->w[i] = 0;
			continue;
		}
		c->ly[i] = log(b[3] / b[4]);
		for (int ch = 0; ch < 3; ch++)
			c->rgb[3 * i + ch] = b[ch] / b[4];
	}
	return TRUE;

vips_fail:
	if (error && !*error)
		smp_error_from_vips(error, SMP_ERROR_CORRUPT, n->path, NORM_STAGE);
	return FALSE;
}

/* The monomials of degree <= @degree at (@u, @v), in the header's order. */
static int
poly_terms(double u, double v, int degree, double *t)
{
	int m = 0;

	for (int d = 0; d <= degree; d++)
		for (int j = 0; j <= d; j++)
			t[m++] = pow(u, d - j) * pow(v, j);
	return m;
}

/* Solve the symmetric positive system @a x = @b (size @m) in place by
 * Cholesky; a tiny ridge keeps it solvable when blocks are collinear.
 */
static void
solve_spd(double *a, double *b, int m)
{
	double ridge = 0;

	for (int i = 0; i < m; i++)
		ridge += a[i * m + i];
	for (int i = 0; i < m; i++)
		a[i * m + i] += 1e-9 * ridge + 1e-12;
	for (int j = 0; j < m; j++) {
		for (int k = 0; k < j; k++)
			a[j * m + j] -= a[j * m + k] * a[j * m + k];
		a[j * m + j] = sqrt(MAX(a[j * m + j], 1e-300));
		for (int i = j + 1; i < m; i++) {
			for (int k = 0; k < j; k++)
				a[i * m + j] -= a[i * m + k] * a[j * m + k];
			a[i * m + j] /= a[j * m + j];
		}
	}
	for (int i = 0; i < m; i++) {
		for (int k = 0; k < i; k++)
			b[i] -= a[i * m + k] * b[k];
		b[i] /= a[i * m + i];
	}
	for (int i = m - 1; i >= 0; i--) {
		for (int k = i + 1; k < m; k++)
			b[i] -= a[k * m + i] * b[k];
		b[i] /= a[i * m + i];
	}
}

/* Weighted least squares of a cubic (fewer terms with few blocks) in
 * ln luminance over the blocks: the large-scale illumination.
 */
static void
fit_poly(SmpNormalisation *n, const Cells *c)
{
	double a[MAX_TERMS * MAX_TERMS] = {0}, b[MAX_TERMS] = {0};
	double t[MAX_TERMS];
	int valid = 0, degree, m = 0;

	for (int i = 0; i < c->cols * c->rows; i++)
		valid += c->w[i] >= CELL_MIN_BG;
	degree = valid >= 40 ? 3 : valid >= 20 ? 2 : valid >= 6 ? 1 : 0;
	memset(n->flat_poly, 0, sizeof(n->flat_poly));
	if (valid == 0)
		return;
	for (int j = 0; j < c->rows; j++)
		for (int i = 0; i < c->cols; i++) {
			int q = j * c->cols + i;
			double w = c->w[q];

			if (w < CELL_MIN_BG)
				continue;
			m = poly_terms(2 * c->cx[i] / n->width - 1,
				2 * c->cy[j] / n->height - 1, degree, t);
			for (int r = 0; r < m; r++) {
				b[r] += w * t[r] * c->ly[q];
				for (int s = 0; s < m; s++)
					a[r * m + s] += w * t[r] * t[s];
			}
		}
	solve_spd(a, b, m);
	memcpy(n->flat_poly, b, m * sizeof(double));
}

static double
poly_at(const SmpNormalisation *n, double x, double y)
{
	double t[MAX_TERMS], s = 0;
	int m = poly_terms(2 * x / n->width - 1, 2 * y / n->height - 1, 3, t);

	for (int i = 0; i < m; i++)
		s += n->flat_poly[i] * t[i];
	return s;
}

/* Gaussian weights of sigma @s between @n targets and @m sources. */
static double *
gauss_matrix(const double *target, int n, const double *src, int m, double s)
{
	double *g = g_new(double, (gsize) n *m);

	for (int a = 0; a < n; a++)
		for (int i = 0; i < m; i++) {
			double d = (target[a] - src[i]) / s;

			g[a * m + i] = exp(-0.5 * d * d);
		}
	return g;
}

/* ln illumination on the grid @xs × @ys: the polynomial plus the blocks'
 * residuals smoothed by a normalised Gaussian of sigma n->flat_sigma_px.
 * The smoothing is separable; the constant in the denominator (one full
 * block's weight) pulls the residual to 0 where few blocks are near.
 */
static void
model_on_grid(const SmpNormalisation *n, const Cells *c, const double *xs,
	int nx, const double *ys, int ny, double *out)
{
	int gc = c->cols, gr = c->rows;
	double *gx = gauss_matrix(xs, nx, c->cx, gc, n->flat_sigma_px);
	double *gy = gauss_matrix(ys, ny, c->cy, gr, n->flat_sigma_px);
	double *tn = g_new0(double, (gsize) gr *nx);
	double *td = g_new0(double, (gsize) gr *nx);

	for (int j = 0; j < gr; j++)
		for (int i = 0; i < gc; i++) {
			int q = j * gc + i;
			double w = c->w[q] >= CELL_MIN_BG ? c->w[q] : 0;
			double r = w > 0 ? c->ly[q] - poly_at(n, c->cx[i], c->cy[j]) : 0;

			for (int a = 0; a < nx; a++) {
				tn[j * nx + a] += gx[a * gc + i] * w * r;
				td[j * nx + a] += gx[a * gc + i] * w;
			}
		}
	for (int b = 0; b < ny; b++)
		for (int a = 0; a < nx; a++) {
			double num = 0, den = 1.0;

			for (int j = 0; j < gr; j++) {
				num += gy[b * gr + j] * tn[j * nx + a];
				den += gy[b * gr + j] * td[j * nx + a];
			}
			out[b * nx + a] = poly_at(n, xs[a], ys[b]) + num / den;
		}
	g_free(gx);
	g_free(gy);
	g_free(tn);
	g_free(td);
}

/* Fit the illumination model, fill c->lfit, and build n->illum: flat(x)
 * = mean / illum(x) on nodes spaced like the blocks, corners included.
 * Returns the mean background luminance, or 0 without background.
 */
static double
flatfield_build(SmpNormalisation *n, Cells *c, gboolean enabled)
{
	double step = c->cx[0] * 2, sw = 0, swg = 0, y0 = 0;
	int nx = MAX(4, (int) ceil((n->width - 1) / step) + 1);
	int ny = MAX(4, (int) ceil((n->height - 1) / step) + 1);
	g_autofree double *xs = g_new(double, nx);
	g_autofree double *ys = g_new(double, ny);
	g_autofree double *ln = g_new(double, (gsize) nx *ny);
	g_autofree float *flat = g_new(float, (gsize) nx *ny);

	if (enabled)
		fit_poly(n, c);
	else
		memset(n->flat_poly, 0, sizeof(n->flat_poly));
	/* Node a sits on the centre of pixel a·(W-1)/(nx-1): the affine
	 * upsampling in norm_render() maps output index X to X/scale.
	 */
	for (int a = 0; a < nx; a++)
		xs[a] = 0.5 + a * (n->width - 1.0) / (nx - 1);
	for (int b = 0; b < ny; b++)
		ys[b] = 0.5 + b * (n->height - 1.0) / (ny - 1);
	model_on_grid(n, c, c->cx, c->cols, c->cy, c->rows, c->lfit);
	model_on_grid(n, c, xs, nx, ys, ny, ln);
	for (int i = 0; i < c->cols * c->rows; i++)
		if (c->w[i] >= CELL_MIN_BG) {
			sw += c->w[i];
			swg += c->w[i] * exp(c->lfit[i]);
			y0 += c->w[i] * exp(c->ly[i]);
		}
	if (!enabled || sw <= 0) {
		for (int i = 0; i < c->cols * c->rows; i++)
			c->lfit[i] = 0;
		for (int i = 0; i < nx * ny; i++)
			flat[i] = 1.0f;
		n->illum_min = n->illum_max = 1;
		n->illum = vips_image_new_from_memory_copy(
			flat, sizeof(float) * nx * ny, nx, ny, 1, VIPS_FORMAT_FLOAT);
		return sw > 0 ? y0 / sw : 0;
	}
	n->illum_min = G_MAXDOUBLE;
	n->illum_max = 0;
	for (int i = 0; i < nx * ny; i++) {
		double rel = exp(ln[i]) / (swg / sw);

		flat[i] = (float) (1 / rel);
		n->illum_min = MIN(n->illum_min, rel);
		n->illum_max = MAX(n->illum_max, rel);
	}
	/* Keep the photo's mean level: c->lfit becomes ln(illum / mean). */
	for (int i = 0; i < c->cols * c->rows; i++)
		c->lfit[i] -= log(swg / sw);
	n->illum = vips_image_new_from_memory_copy(
		flat, sizeof(float) * nx * ny, nx, ny, 1, VIPS_FORMAT_FLOAT);
	return y0 / sw;
}

/* Mean background RGB of the blocks, as shot and after the flat-field. */
static void
skin_colour(const Cells *c, double raw[3], double flat[3])
{
	double sw = 0;

	for (int ch = 0; ch < 3; ch++)
		raw[ch] = flat[ch] = 0;
	for (int i = 0; i < c->cols * c->rows; i++) {
		double w = c->w[i] >= CELL_MIN_BG ? c->w[i] : 0;

		sw += w;
		for (int ch = 0; ch < 3; ch++) {
			raw[ch] += w * c->rgb[3 * i + ch];
			flat[ch] += w * c->rgb[3 * i + ch] / exp(c->lfit[i]);
		}
	}
	for (int ch = 0; ch < 3 && sw > 0; ch++) {
		raw[ch] /= sw;
		flat[ch] /= sw;
	}
}

/* The point nearest (@q0, @q1) on the polyline of the reference skin
 * tones in (ln R/G, ln B/G).
 */
static void
locus_nearest(double q0, double q1, double *t0, double *t1)
{
	double best = G_MAXDOUBLE, p[6][2];

	for (int i = 0; i < 6; i++) {
		double l[3];

		for (int ch = 0; ch < 3; ch++) {
			double s = skin_ref[i][ch] / 255.0;

			l[ch] = s <= 0.04045 ? s / 12.92 : pow((s + 0.055) / 1.055, 2.4);
		}
		p[i][0] = log(l[0] / l[1]);
		p[i][1] = log(l[2] / l[1]);
	}
	for (int i = 0; i < 5; i++) {
		double dx = p[i + 1][0] - p[i][0], dy = p[i + 1][1] - p[i][1];
		double s =
			((q0 - p[i][0]) * dx + (q1 - p[i][1]) * dy) / (dx * dx + dy * dy);
		double x, y, d;

		s = CLAMP(s, 0.0, 1.0);
		x = p[i][0] + s * dx;
		y = p[i][1] + s * dy;
		d = (x - q0) * (x - q0) + (y - q1) * (y - q1);
		if (d < best) {
			best = d;
			*t0 = x;
			*t1 = y;
		}
	}
}

/* Gains that move the skin's chromaticity onto the skin-tone locus
 * (grey-world with skin as the "world": only the off-locus part of a cast
 * is knowable), luminance kept; or, @from_card, the grey card's gains
 * already in @gain, scaled to keep the skin's luminance.
 */
static void
white_balance(const double skin[3], const SmpNormaliseParams *p,
	gboolean from_card, double gain[3])
{
	double q0, q1, t0 = 0, t1 = 0, lim = log(p->max_wb_gain), y, y2;

	if (!from_card)
		gain[0] = gain[1] = gain[2] = 1;
	if (!p->white_balance || skin[0] <= 0 || skin[1] <= 0 || skin[2] <= 0)
		return;
	if (!from_card) {
		q0 = log(skin[0] / skin[1]);
		q1 = log(skin[2] / skin[1]);
		locus_nearest(q0, q1, &t0, &t1);
		gain[0] = exp(CLAMP(t0 - q0, -lim, lim));
		gain[2] = exp(CLAMP(t1 - q1, -lim, lim));
	}
	/* Either way the skin keeps its luminance. */
	y = NORM_WR * skin[0] + NORM_WG * skin[1] + NORM_WB * skin[2];
	y2 = NORM_WR * gain[0] * skin[0] + NORM_WG * skin[1] +
		NORM_WB * gain[2] * skin[2];
	for (int ch = 0; ch < 3; ch++)
		gain[ch] *= y / y2;
}

static double
exposure_gain(double y_bg, const SmpNormaliseParams *p)
{
	double g;

	if (p->target_lightness <= 0 || y_bg <= 0)
		return 1;
	g = norm_l_to_y(p->target_lightness) / y_bg;
	return CLAMP(g, 1 / p->max_exposure_gain, p->max_exposure_gain);
}

/* The sizes of the estimate: shrink factor, rank window, block size. */
static void
geometry(SmpNormalisation *n, const SmpNormaliseParams *p, int *cell)
{
	double k = n->px_per_mm > 0 ? n->px_per_mm / SMALL_PX_PER_MM
								: n->flat_sigma_px / 60.0;
	double sigma_small;
	int win;

	int side;

	k = MAX(1.0, floor(k));
	k = MAX(k, ceil(sqrt((double) n->width * n->height / SMALL_MAX_PX)));
	/* A small photo (a thumbnail, a crop) keeps at least SMALL_MIN_SIDE
	 * pixels on its shorter side after shrinking.
	 */
	k = MIN(k, MAX(1.0, floor(MIN(n->width, n->height) / SMALL_MIN_SIDE)));
	n->shrink = (int) k;
	sigma_small = n->flat_sigma_px / k;
	/* The window sees about 2.5 mm (a fifth of sigma): wider than the
	 * largest dot, so its 60th percentile is skin. It must fit in the
	 * shrunk photo (libvips refuses a larger one): the largest odd size
	 * that does, on tiny photos.
	 */
	win = (int) CLAMP(round(sigma_small / 5), 5, 31) | 1;
	side = (int) (MIN(n->width, n->height) / k);
	if (win > side)
		win = MAX(1, side - 1 + side % 2);
	n->window = win;
	*cell = (int) CLAMP(round(sigma_small / 5), 4, 64);
	(void) p;
}

/* The lazy chain that renders the normalised photo from @input (the
 * photo as given, or the same pixels read again from its file) with
 * per-band linear @gain: linear light, gains, the upsampled flat-field,
 * back to 8-bit sRGB. Pixel by pixel, so any part of it, or the whole,
 * comes out the same however it is evaluated.
 */
/* Where @lin's pixels lie in the photo's frame: pixel (i, j) is the
 * mean of the kx×ky box at (x0 + kx·i, y0 + ky·j) of a frame of w×h.
 */
typedef struct NormArea {
	int x0, y0, kx, ky, w, h;
} NormArea;

static VipsImage *
lit_area(const SmpNormalisation *n, VipsImage *lin, const double gain[3],
	const NormArea *A, GError **error)
{
	g_autoptr(VipsImage) ctx = vips_image_new();
	VipsImage **t = (VipsImage **) vips_object_local_array(VIPS_OBJECT(ctx), 4);
	double zero[3] = {0, 0, 0}, g[3] = {gain[0], gain[1], gain[2]};
	double ax = (A->w - 1.0) / (n->illum->Xsize - 1);
	double ay = (A->h - 1.0) / (n->illum->Ysize - 1);
	/* The flat-field's frame px → @lin's px: the box centres. */
	double odx = -(A->x0 + (A->kx - 1) / 2.0) / A->kx;
	double ody = -(A->y0 + (A->ky - 1) / 2.0) / A->ky;
	VipsInterpolate *bilinear = vips_interpolate_new("bilinear");
	VipsArrayInt *area = vips_array_int_newv(4, 0, 0, lin->Xsize, lin->Ysize);
	int fail;

	fail = vips_linear(lin, &t[0], g, zero, 3, NULL) ||
		vips_affine(n->illum, &t[1], (ax > 0 ? ax : 1) / A->kx, 0, 0,
			(ay > 0 ? ay : 1) / A->ky, "odx", odx, "ody", ody, "interpolate",
			bilinear, "oarea", area, "extend", VIPS_EXTEND_COPY, NULL) ||
		vips_multiply(t[0], t[1], &t[2], NULL) ||
		vips_copy(
			t[2], &t[3], "interpretation", VIPS_INTERPRETATION_scRGB, NULL);
	g_object_unref(bilinear);
	vips_area_unref(VIPS_AREA(area));
	if (fail) {
		smp_error_from_vips(error, SMP_ERROR_CORRUPT, n->path, NORM_STAGE);
		return NULL;
	}
	return g_object_ref(t[3]);
}

VipsImage *
norm_lit(const SmpNormalisation *n, VipsImage *lin, const double gain[3],
	GError **error)
{
	NormArea whole = {0, 0, 1, 1, lin->Xsize, lin->Ysize};

	return lit_area(n, lin, gain, &whole, error);
}

static VipsImage *
chain_area(const SmpNormalisation *n, VipsImage *input, const double gain[3],
	const NormArea *A, GError **error)
{
	g_autoptr(VipsImage) lin = NULL;
	g_autoptr(VipsImage) lit = NULL;
	VipsImage *out = NULL;

	if (vips_colourspace(input, &lin, VIPS_INTERPRETATION_scRGB, NULL) ||
		!(lit = lit_area(n, lin, gain, A, error)) ||
		vips_colourspace(lit, &out, VIPS_INTERPRETATION_sRGB, NULL)) {
		if (error && !*error)
			smp_error_from_vips(error, SMP_ERROR_CORRUPT, n->path, NORM_STAGE);
		return NULL;
	}
	/* The chain holds its inputs; the scope can go. */
	return out;
}

static VipsImage *
norm_chain(const SmpNormalisation *n, VipsImage *input, const double gain[3],
	GError **error)
{
	NormArea whole = {0, 0, 1, 1, input->Xsize, input->Ysize};

	return chain_area(n, input, gain, &whole, error);
}

gboolean
norm_render(SmpNormalisation *n, const double gain[3], GError **error)
{
	g_autoptr(VipsImage) chain = NULL;

	/* A re-render (the tone match) drops the old copy first: it is made
	 * from the input, and two full-size copies need not coexist. Once
	 * released (smp_normalise_release()), the image stays a lazy chain:
	 * its pixels are only ever read through smp_normalise_stream().
	 */
	VIPS_UNREF(n->image);
	for (int ch = 0; ch < 3; ch++)
		n->gain[ch] = gain[ch];
	if (!(chain = norm_chain(n, n->input, gain, error)))
		return FALSE;
	n->image = n->reopen ? g_object_ref(chain) : vips_image_copy_memory(chain);
	if (!n->image) {
		smp_error_from_vips(error, SMP_ERROR_CORRUPT, n->path, NORM_STAGE);
		return FALSE;
	}
	return TRUE;
}

void
smp_normalise_release(SmpNormalisation *n, SmpNormaliseReopen reopen,
	gpointer data, VipsImage *input)
{
	g_autoptr(VipsImage) chain = NULL;

	if (!n->image || !(chain = norm_chain(n, input, n->gain, NULL))) {
		smp_vips_error_clear();
		return;
	}
	n->reopen = reopen;
	n->reopen_data = data;
	g_object_unref(n->input);
	n->input = g_object_ref(input);
	g_object_unref(n->image);
	n->image = g_steal_pointer(&chain);
}

VipsImage *
smp_normalise_stream(const SmpNormalisation *n, GError **error)
{
	g_autoptr(VipsImage) in = NULL;

	if (!n->reopen)
		return g_object_ref(n->image);
	if (!(in = n->reopen(n->reopen_data, error)))
		return NULL;
	return norm_chain(n, in, n->gain, error);
}

VipsImage *
smp_view_reduce(VipsImage *in, const VipsRect *r, int kx, int ky)
{
	g_autoptr(VipsImage) part = NULL;
	VipsImage *out = NULL;

	if (vips_extract_area(
			in, &part, r->left, r->top, r->width, r->height, NULL) ||
		(kx > 1 || ky > 1 ? vips_shrink(part, &out, kx, ky, "ceil", TRUE, NULL)
						  : vips_copy(part, &out, NULL)))
		return NULL;
	return out;
}

VipsImage *
smp_normalise_stream_area(const SmpNormalisation *n, const VipsRect *r, int kx,
	int ky, GError **error)
{
	NormArea A = {r->left, r->top, kx, ky, n->width, n->height};
	g_autoptr(VipsImage) in = NULL;
	g_autoptr(VipsImage) box = NULL;
	VipsImage *out;

	/* Held in memory: the normalised pixels themselves, reduced. */
	if (!n->reopen) {
		if (!(out = smp_view_reduce(n->image, r, kx, ky)))
			smp_error_from_vips(error, SMP_ERROR_INTERNAL, n->path, NORM_STAGE);
		return out;
	}
	/* From the file: the 8-bit photo box-averaged first, so the float
	 * chain runs at the reduced size (its full-width strips were most of
	 * a composite's memory, and grew with the photo's area).
	 */
	if (!(in = n->reopen(n->reopen_data, error)))
		return NULL;
	if (!(box = smp_view_reduce(in, r, kx, ky))) {
		smp_error_from_vips(error, SMP_ERROR_CORRUPT, n->path, NORM_STAGE);
		return NULL;
	}
	return chain_area(n, box, n->gain, &A, error);
}

static gboolean
input_check(VipsImage *in, const char *path, GError **error)
{
	if (vips_image_get_bands(in) == 3 &&
		vips_image_get_format(in) == VIPS_FORMAT_UCHAR && in->Xsize >= 8 &&
		in->Ysize >= 8)
		return TRUE;
	g_set_error(error, SMP_ERROR, SMP_ERROR_UNSUPPORTED,
		"%s: %s: need an 8-bit 3-band sRGB image of at least 8x8 px "
		"(got %d bands, format %d, %dx%d)",
		path ? path : "(image)", NORM_STAGE, vips_image_get_bands(in),
		vips_image_get_format(in), in->Xsize, in->Ysize);
	return FALSE;
}

SmpNormalisation *
smp_normalise_photo(VipsImage *in, const SmpNormaliseParams *p,
	double px_per_mm, const char *path, GError **error)
{
	g_autoptr(SmpNormalisation) n = NULL;
	SmpNormaliseParams def;
	Cells c = {0};
	double flat[3], gain[3], y_bg;
	int cell, card;
	gboolean ok;

	if (!p) {
		smp_normalise_params_default(&def);
		p = &def;
	}
	if (!params_check(p, path, error) || !input_check(in, path, error))
		return NULL;
	n = g_new0(SmpNormalisation, 1);
	n->path = g_strdup(path);
	n->width = in->Xsize;
	n->height = in->Ysize;
	n->px_per_mm = px_per_mm > 0 ? px_per_mm : -1;
	n->warnings = smp_warnings_new();
	n->input = in;
	g_object_ref(in);
	n->flatfield = p->flatfield;
	n->flat_sigma_px =
		px_per_mm > 0 ? p->flatfield_mm * px_per_mm : p->flatfield_px;
	n->target_lightness = p->target_lightness;
	n->match_gain[0] = n->match_gain[1] = n->match_gain[2] = 1;
	n->match_region = "none";
	n->wb_source = "skin";
	geometry(n, p, &cell);

	ok = cells_measure(n, in, cell, p, &c, error);
	if (ok) {
		n->grid_cols = c.cols;
		n->grid_rows = c.rows;
		n->cell_px = (double) cell * n->shrink;
		y_bg = flatfield_build(n, &c, p->flatfield);
		skin_colour(&c, n->skin_rgb_in, flat);
		n->skin_lightness_in = norm_y_to_l(y_bg);
		card = norm_grey_card(n, in, p, n->wb_gain, error);
		n->wb_source = card > 0 ? "grey_card" : "skin";
		white_balance(flat, p, card > 0, n->wb_gain);
		n->exposure_gain = exposure_gain(y_bg, p);
		for (int ch = 0; ch < 3; ch++) {
			gain[ch] = n->wb_gain[ch] * n->exposure_gain;
			flat[ch] *= gain[ch];
		}
		norm_rgb_to_lab(flat, n->skin_lab);
		ok = card >= 0 && n->illum && norm_render(n, gain, error) &&
			norm_quality(n, in, p, error);
	}
	if (ok) {
		double sw = 0;

		for (int i = 0; i < c.cols * c.rows; i++)
			sw += c.w[i];
		n->background_fraction = sw / MAX(1, c.cols * c.rows);
	}
	cells_free(&c);
	if (!ok && error && !*error)
		smp_error_from_vips(error, SMP_ERROR_CORRUPT, path, NORM_STAGE);
	return ok ? g_steal_pointer(&n) : NULL;
}

void
smp_normalisation_free(SmpNormalisation *n)
{
	if (!n)
		return;
	g_free(n->path);
	if (n->image)
		g_object_unref(n->image);
	if (n->input)
		g_object_unref(n->input);
	if (n->illum)
		g_object_unref(n->illum);
	if (n->small_in)
		g_object_unref(n->small_in);
	if (n->warnings)
		g_ptr_array_unref(n->warnings);
	g_free(n);
}
