/* Registration of an after photo onto its before photo: the coarse
 * Fourier–Mellin search on small maps, the public entry points, warping
 * and the sidecar block.
 * SPDX-License-Identifier: MIT
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "smpdoc/error.h"
#include "smpdoc/json_out.h"
#include "smpdoc/photo.h"
#include "smpdoc/register.h"
#include "register_private.h"

#define MAP_PX_PER_CELL 1.5 /* image px per coarse map px at most */
#define MAP_MIN 256 /* coarse map side, px (a power of two) */
#define MAP_MAX 1024
#define DOT_SIGMA 0.75 /* Gaussian of one dot on the map, map px */
#define STAMP_RADIUS 2 /* stamp half-width, map px (> 2.5 sigma) */
#define LP_ANGLES 1024 /* log-polar: angle samples over 180° */
#define LP_RADII 512 /* log-radius samples */
#define LP_RHO_MIN 6.0 /* lowest frequency used, cycles per map */
#define LP_RHO_MAX                                                             \
	0.35 /* highest, as a fraction of the map side:
                              * above it the stamps alias */
#define TRANSLATION_LOWCUT                                                     \
	4 /* cycles per map cut from the translation
                              * correlation: the windows' shapes */
#define TRANSLATION_SURE                                                       \
	0.04 /* a translation peak this high is the
                              * match (unrelated photos: ~0.01) */
#define FM_WHITEN                                                              \
	0.75 /* log-polar cross-power divided by its
                              * magnitude to this power: full whitening
                              * lifts the speckle's noise as much as its
                              * signal (pair 24 of the bench) */
#define COARSE_PEAKS                                                           \
	16 /* rotation/scale candidates tried at most
                              * (most pairs stop at the first) */
#define COARSE_RADIUS_CELLS 4.0 /* fine search radius, map px */
#define LANDMARK_LINE_MAX 4096

void
smp_register_params_default(SmpRegisterParams *p)
{
	memset(p, 0, sizeof(*p));
	p->model = SMP_REGISTER_SIMILARITY;
	p->rotation_max_deg = SMP_REGISTER_ROTATION_MAX_DEG;
	p->scale_min = SMP_REGISTER_SCALE_MIN;
	p->scale_max = SMP_REGISTER_SCALE_MAX;
	p->match_tol_px = SMP_REGISTER_MATCH_TOL_PX;
	p->min_score = SMP_REGISTER_MIN_SCORE;
	p->min_inliers = SMP_REGISTER_MIN_INLIERS;
}

static const char *const model_names[] = {"similarity", "affine", "homography"};

const char *
smp_register_model_name(SmpRegisterModel model)
{
	if ((int) model < 0 || (int) model >= (int) G_N_ELEMENTS(model_names))
		return "unknown";
	return model_names[model];
}

gboolean
smp_register_model_parse(const char *name, SmpRegisterModel *model)
{
	for (guint i = 0; name && i < G_N_ELEMENTS(model_names); i++)
		if (!g_ascii_strcasecmp(name, model_names[i])) {
			*model = (SmpRegisterModel) i;
			return TRUE;
		}
	return FALSE;
}

static gboolean
params_check(const SmpRegisterParams *p, GError **error)
{
	if ((int) p->model < 0 || p->model > SMP_REGISTER_HOMOGRAPHY ||
		!(p->rotation_max_deg >= 0 && p->rotation_max_deg <= 90) ||
		!(p->scale_min > 0 && p->scale_min <= 1 && p->scale_max >= 1 &&
			p->scale_max <= 10) ||
		!(p->match_tol_px > 0 && p->match_tol_px <= 50) ||
		!(p->min_score >= 0 && p->min_score <= 1) || p->min_inliers < 2) {
		g_set_error(error, SMP_ERROR, SMP_ERROR_CONFIG,
			"register: parameters out of range (model %d, rotation ±%g°, "
			"scale %g..%g, tolerance %g px)",
			(int) p->model, p->rotation_max_deg, p->scale_min, p->scale_max,
			p->match_tol_px);
		return FALSE;
	}
	return TRUE;
}

static SmpRegistration *
registration_new(SmpRegisterModel model, const char *method)
{
	SmpRegistration *r = g_new0(SmpRegistration, 1);

	smp_mat3_identity(r->matrix);
	r->model = model;
	r->method = method;
	r->scale = 1;
	r->coarse_peak = NAN;
	r->rms_px = NAN;
	r->new_dots = r->persisting_dots = r->outside_dots = -1;
	r->growth_px_median = r->contrast_change_median = NAN;
	r->growth_pct_median = r->contrast_change_pct_median = NAN;
	return r;
}

void
smp_registration_free(SmpRegistration *r)
{
	if (!r)
		return;
	if (r->after_match)
		g_array_unref(r->after_match);
	g_free(r);
}

/* --- coarse maps -------------------------------------------------------- */

/* A square float map of side n with the photo scaled by f (map px per
 * image px), as a plain buffer: what both the FFT and the log-polar
 * sampling read.
 */
typedef struct Map {
	int n;
	double f;
	float *v;
} Map;

/* Separable Hann window over [0, len): zero at the frame's edges, so the
 * frame itself (the same rectangle in both photos, unrotated) leaves no
 * cross in the spectrum that would pull the search to 0° and scale 1.
 */
static double
hann(double u, double len)
{
	if (u <= 0 || u >= len)
		return 0;
	return 0.5 - 0.5 * cos(2 * G_PI * u / len);
}

/* The window of one frame on the map, tabulated: a cosine per map pixel
 * and candidate would cost more than the FFTs.
 */
#define HANN_TABLE 4096

static double
hann_fast(const float *table, double u, double len)
{
	double t = u / len * HANN_TABLE;
	int i = (int) t;

	if (t <= 0 || i >= HANN_TABLE)
		return 0;
	return table[i] + (t - i) * (table[i + 1] - table[i]);
}

static void
hann_table(float *table)
{
	for (int i = 0; i <= HANN_TABLE; i++)
		table[i] = hann(i, HANN_TABLE);
}

/* A rectangle of a photo, image px: x, y, width, height. */
typedef struct Crop {
	int x, y, w, h;
} Crop;

/* Each dot inside @crop adds a small Gaussian at f·@m(x - crop x, y -
 * crop y), weighted by the window over @crop; then the windowed mean
 * density is taken away so that only the dots' arrangement remains.
 */
static void
map_render_dots(
	Map *map, const SmpDot *dots, int n, const Crop *crop, const double m[9])
{
	const int side = map->n, taps = 2 * STAMP_RADIUS + 2;
	double wlen = crop->w * map->f, hlen = crop->h * map->f;
	double density;
	float table[HANN_TABLE + 1];
	int inside = 0;

	hann_table(table);
	memset(map->v, 0, sizeof(float) * side * side);
	for (int i = 0; i < n; i++) {
		double x, y, ux = (dots[i].x - crop->x) * map->f;
		double uy = (dots[i].y - crop->y) * map->f;
		double weight = hann_fast(table, ux, wlen) * hann_fast(table, uy, hlen);
		double gx[2 * STAMP_RADIUS + 2], gy[2 * STAMP_RADIUS + 2];
		int cx, cy;

		if (weight <= 0)
			continue;
		inside++;
		smp_mat3_apply(m, dots[i].x - crop->x, dots[i].y - crop->y, &x, &y);
		/* Pixel k of the map covers [k, k+1): its centre is k + 0.5. */
		x = x * map->f - 0.5;
		y = y * map->f - 0.5;
		cx = (int) floor(x) - STAMP_RADIUS;
		cy = (int) floor(y) - STAMP_RADIUS;
		for (int k = 0; k < taps; k++) {
			gx[k] = exp(-pow(cx + k - x, 2) / (2 * DOT_SIGMA * DOT_SIGMA));
			gy[k] =
				weight * exp(-pow(cy + k - y, 2) / (2 * DOT_SIGMA * DOT_SIGMA));
		}
		for (int ky = 0; ky < taps; ky++) {
			/* Wrap: the phase correlation is circular anyway. */
			int py = ((cy + ky) % side + side) % side;
			float *row = map->v + (gsize) py * side;

			for (int kx = 0; kx < taps; kx++)
				row[((cx + kx) % side + side) % side] += gx[kx] * gy[ky];
		}
	}
	/* Only the unturned maps (the Fourier–Mellin pair) need the mean
	 * taken away: the translation search cuts the lowest frequencies,
	 * where the window's shape lives, out of its correlation.
	 */
	if (m[0] != 1 || m[1] != 0 || m[3] != 0 || m[4] != 1)
		return;
	/* A stamp integrates to 2π sigma², spread as density. */
	density = inside / (wlen * hlen) * 2 * G_PI * DOT_SIGMA * DOT_SIGMA;
	for (int py = 0; py < side; py++) {
		double wy = density * hann_fast(table, py + 0.5, hlen);

		for (int px = 0; px < side && wy > 0; px++)
			map->v[py * side + px] -= wy * hann_fast(table, px + 0.5, wlen);
	}
}

/* The grey photo on the map: dark detail (dots) positive, illumination
 * (blur over a few map px) removed, windowed in its own frame, then turned
 * by the linear part of @m (after px → before px, no translation).
 */
static gboolean
map_render_image(Map *map, VipsImage *image, const Crop *crop,
	const double m[9], GError **error)
{
	g_autoptr(VipsImage) part = NULL, grey = NULL, small = NULL, blur = NULL;
	g_autoptr(VipsImage) detail = NULL, flt = NULL, mem = NULL;
	g_autoptr(VipsImage) win = NULL, turned = NULL, out = NULL;
	g_autofree float *buf = NULL;
	VipsArrayInt *area;
	int side = map->n, w, h, rc;

	if (vips_extract_area(
			image, &part, crop->x, crop->y, crop->w, crop->h, NULL) ||
		vips_colourspace(part, &grey, VIPS_INTERPRETATION_B_W, NULL) ||
		vips_resize(grey, &small, map->f, NULL) ||
		vips_gaussblur(
			small, &blur, 3.0, "precision", VIPS_PRECISION_FLOAT, NULL) ||
		vips_subtract(blur, small, &detail, NULL) ||
		vips_cast(detail, &flt, VIPS_FORMAT_FLOAT, NULL) ||
		!(mem = vips_image_copy_memory(flt)))
		goto fail;
	w = vips_image_get_width(mem);
	h = vips_image_get_height(mem);
	buf = g_new(float, (gsize) w *h);
	for (int y = 0; y < h; y++) {
		const float *row = (const float *) VIPS_IMAGE_ADDR(mem, 0, y);

		for (int x = 0; x < w; x++)
			buf[y * w + x] = row[x] * hann(x + 0.5, w) * hann(y + 0.5, h);
	}
	win = vips_image_new_from_memory_copy(
		buf, sizeof(float) * w * h, w, h, 1, VIPS_FORMAT_FLOAT);
	area = vips_array_int_newv(4, 0, 0, side, side);
	rc = !win ||
		vips_affine(
			win, &turned, m[0], m[1], m[3], m[4], "oarea", area, NULL) ||
		!(out = vips_image_copy_memory(turned));
	vips_area_unref(VIPS_AREA(area));
	if (rc)
		goto fail;
	for (int y = 0; y < side; y++)
		memcpy(map->v + (gsize) y * side, VIPS_IMAGE_ADDR(out, 0, y),
			sizeof(float) * side);
	return TRUE;
fail:
	smp_error_from_vips(error, SMP_ERROR_CORRUPT, NULL, "register");
	return FALSE;
}

static const double *
pixels(VipsImage *image)
{
	return (const double *) VIPS_IMAGE_ADDR(image, 0, 0);
}

/* A correlation peak: its position (sub-pixel) and height. */
typedef struct Peak {
	double x, y;
	double value;
} Peak;

/* The signed shift (-side/2, side/2] of index @i on a circle of @side. */
static int
wrap_index(int i, int side)
{
	return i > side / 2 ? i - side : i;
}

/* Phase correlation of @a against @b (spectra of @w × @h): the inverse
 * FFT of the cross-power spectrum divided by its magnitude to the @power
 * (1: pure phase correlation), without frequencies below @lowcut, whose
 * peak sits at d where b(x) = a(x - d), with height w·h for a perfect
 * match at power 1 (the inverse is unnormalised). A DOUBLE memory
 * image, or NULL with @error set.
 */
static VipsImage *
phase_surface(
	VipsImage *a, VipsImage *b, int lowcut, double power, GError **error)
{
	const int w = a->Xsize, h = a->Ysize;
	const double *fa = pixels(a), *fb = pixels(b);
	g_autofree double *cp = g_new(double, 2 * (gsize) w * h);

	for (gsize i = 0; i < (gsize) w * h; i++) {
		double re = fb[2 * i] * fa[2 * i] + fb[2 * i + 1] * fa[2 * i + 1];
		double im = fb[2 * i + 1] * fa[2 * i] - fb[2 * i] * fa[2 * i + 1];
		double mag = sqrt(re * re + im * im);
		int kx = wrap_index(i % w, w), ky = wrap_index(i / w, h);
		gboolean keep = mag > 1e-20 && kx * kx + ky * ky >= lowcut * lowcut;

		double den = power == 1 ? mag : pow(mag, power);

		cp[2 * i] = keep ? re / den : 0;
		cp[2 * i + 1] = keep ? im / den : 0;
	}
	return reg_ifft_real(cp, w, h, error);
}

/* Parabolic sub-pixel offset of a peak from three samples. */
static double
subpixel(double l, double c, double r)
{
	double d = l - 2 * c + r;

	return d < 0 ? CLAMP(0.5 * (l - r) / d, -0.5, 0.5) : 0;
}

/* The peak at (@x, @y) of a w × h surface, height normalised to 0..1. */
static Peak
peak_at(VipsImage *surface, int x, int y)
{
	const int w = surface->Xsize, h = surface->Ysize;
	const double *s = pixels(surface);
	int xl = (x + w - 1) % w, xr = (x + 1) % w;
	int yu = (y + h - 1) % h, yd = (y + 1) % h;
	Peak p;

	p.value = s[y * w + x];
	p.x = wrap_index(x, w) + subpixel(s[y * w + xl], p.value, s[y * w + xr]);
	p.y = wrap_index(y, h) + subpixel(s[yu * w + x], p.value, s[yd * w + x]);
	p.value /= (double) w * h;
	return p;
}

/* --- Fourier–Mellin ----------------------------------------------------- */

/* Magnitude spectrum of @map resampled on (angle 0..180°, log radius),
 * each radius ring whitened (zero mean, unit variance) so that the dots'
 * speckle, not the radial envelope, carries the match, and tapered at
 * both radial ends.
 */
static float *
log_polar(const double *spec, int n)
{
	float *lp = g_new0(float, LP_ANGLES *LP_RADII);
	double rho_max = LP_RHO_MAX * n, k = log(rho_max / LP_RHO_MIN);
	g_autofree float *mag = g_new(float, (gsize) n *n);
	double cs[LP_ANGLES], sn[LP_ANGLES];

	for (gsize i = 0; i < (gsize) n * n; i++)
		mag[i] =
			sqrt(spec[2 * i] * spec[2 * i] + spec[2 * i + 1] * spec[2 * i + 1]);
	for (int i = 0; i < LP_ANGLES; i++) {
		cs[i] = cos(G_PI * i / LP_ANGLES);
		sn[i] = sin(G_PI * i / LP_ANGLES);
	}

	for (int j = 0; j < LP_RADII; j++) {
		double rho = LP_RHO_MIN * exp(k * j / (LP_RADII - 1));
		double sum = 0, sum2 = 0, taper = hann(j + 0.5, LP_RADII);
		float *row = lp + j * LP_ANGLES;

		for (int i = 0; i < LP_ANGLES; i++) {
			double fx = rho * cs[i], fy = rho * sn[i];
			int x0 = (int) floor(fx), y0 = (int) floor(fy);
			double ax = fx - x0, ay = fy - y0, v = 0;

			for (int dy = 0; dy < 2; dy++)
				for (int dx = 0; dx < 2; dx++) {
					int px = ((x0 + dx) % n + n) % n;
					int py = ((y0 + dy) % n + n) % n;
					double wgt = (dx ? ax : 1 - ax) * (dy ? ay : 1 - ay);

					v += wgt * mag[(gsize) py * n + px];
				}
			row[i] = v;
			sum += v;
			sum2 += v * v;
		}
		double mean = sum / LP_ANGLES;
		double sd = sqrt(fmax(sum2 / LP_ANGLES - mean * mean, 0));

		for (int i = 0; i < LP_ANGLES; i++)
			row[i] = sd > 0 ? (row[i] - mean) / sd * taper : 0;
	}
	return lp;
}

/* One rotation/scale hypothesis of the coarse stage. */
typedef struct Candidate {
	double theta; /* rad */
	double scale;
	double value; /* Fourier–Mellin peak height */
} Candidate;

/* The highest local maxima of the log-polar phase surface inside the
 * configured rotation and scale ranges, best first.
 */
static int
fm_candidates(VipsImage *surface, const SmpRegisterParams *p, int n_map,
	Candidate *out, int max_out)
{
	const double *s = pixels(surface);
	double k = log(LP_RHO_MAX * n_map / LP_RHO_MIN) / (LP_RADII - 1);
	int n = 0;

	for (int y = 0; y < LP_RADII; y++)
		for (int x = 0; x < LP_ANGLES; x++) {
			double v = s[y * LP_ANGLES + x];
			gboolean is_max = TRUE;

			for (int dy = -1; dy <= 1 && is_max; dy++)
				for (int dx = -1; dx <= 1; dx++) {
					int xx = (x + dx + LP_ANGLES) % LP_ANGLES;
					int yy = (y + dy + LP_RADII) % LP_RADII;

					if ((dx || dy) && s[yy * LP_ANGLES + xx] > v) {
						is_max = FALSE;
						break;
					}
				}
			if (!is_max)
				continue;
			Peak pk = peak_at(surface, x, y);
			/* L_before(u) = L_after(u - d) with d = (θ, -log s). */
			Candidate c = {pk.x * G_PI / LP_ANGLES, exp(-pk.y * k), pk.value};

			if (fabs(c.theta) * 180 / G_PI > p->rotation_max_deg ||
				c.scale < p->scale_min || c.scale > p->scale_max)
				continue;
			/* A full list takes the candidate only over its weakest (the
			 * slot just filled holds nothing to compare with yet; found
			 * by valgrind).
			 */
			if (n == max_out && out[max_out - 1].value >= c.value)
				continue;
			int at = n < max_out ? n++ : max_out - 1;

			while (at > 0 && out[at - 1].value < c.value) {
				out[at] = out[at - 1];
				at--;
			}
			out[at] = c;
		}
	return n;
}

/* The coarse stage's answer. */
typedef struct Coarse {
	double m[9]; /* after px → before px */
	double peak; /* translation phase-correlation height, 0..1 */
	double f; /* translation map px per image px */
} Coarse;

/* The side of the Fourier–Mellin maps: fine enough that the dots' speckle
 * fills the log-polar grid (1.5 image px per map px), capped; bigger
 * photos are looked at in their middle (middle()).
 */
static int
map_side(int longest)
{
	int side = MAP_MIN;

	while (side < MAP_MAX && side * MAP_PX_PER_CELL < longest)
		side *= 2;
	return side;
}

/* Draw a map of the dots, or of the grey image without dots, inside
 * @crop (NULL: the whole photo).
 */
static gboolean
map_render(Map *map, const SmpDot *dots, int n, VipsImage *image,
	const Crop *crop, const double m[9], GError **error)
{
	Crop all = {0, 0, image->Xsize, image->Ysize};

	if (!crop)
		crop = &all;
	if (dots) {
		map_render_dots(map, dots, n, crop, m);
		return TRUE;
	}
	return map_render_image(map, image, crop, m, error);
}

/* The middle of @image, at most @side px square: where the Fourier–Mellin
 * maps look on big photos, so that their cells stay small against the
 * dot spacing. Rotation and scale do not depend on where one looks.
 */
static Crop
middle(VipsImage *image, int side)
{
	Crop c;

	c.w = MIN(image->Xsize, side);
	c.h = MIN(image->Ysize, side);
	c.x = (image->Xsize - c.w) / 2;
	c.y = (image->Ysize - c.h) / 2;
	return c;
}

/* For each rotation/scale candidate, the after photo drawn rotated and
 * scaled on the before map's grid; the translation is the phase
 * correlation's peak, and the highest peak wins. This map may be coarser
 * than the Fourier–Mellin one: it only has to tell the candidates apart.
 */
static gboolean
coarse_translation(const Map *bmap, VipsImage *fb, const SmpDot *ad, int na,
	VipsImage *after, const Candidate *cand, int nc, Coarse *out,
	GError **error)
{
	const int side = bmap->n;
	Map amap = {side, bmap->f, g_new(float, (gsize) side *side)};
	gboolean ok = TRUE;

	out->peak = -1;
	out->f = bmap->f;
	for (int c = 0; c < nc && ok; c++) {
		g_autoptr(VipsImage) fa = NULL, s = NULL;
		const double *v;
		double m[9];
		int best = 0;

		reg_mat_similarity(cand[c].scale, cand[c].theta, 0, 0, m);
		if (!map_render(&amap, ad, na, after, NULL, m, error) ||
			!(fa = reg_fft(amap.v, side, side, error)) ||
			!(s = phase_surface(fa, fb, TRANSLATION_LOWCUT, 1, error))) {
			ok = FALSE;
			break;
		}
		v = pixels(s);
		for (int i = 1; i < side * side; i++)
			if (v[i] > v[best])
				best = i;
		Peak pk = peak_at(s, best % side, best / side);

		if (pk.value > out->peak) {
			out->peak = pk.value;
			m[2] = pk.x / bmap->f;
			m[5] = pk.y / bmap->f;
			memcpy(out->m, m, sizeof(m));
		}
		/* Candidates come best first, so a sure peak ends the search. */
		if (out->peak >= TRANSLATION_SURE)
			break;
	}
	g_free(amap.v);
	return ok;
}

/* Rotation and scale candidates from the log-polar magnitude spectra of
 * both photos' maps at side @side.
 */
static int
fm_search(VipsImage *before, VipsImage *after, const SmpDot *bd, int nb,
	const SmpDot *ad, int na, const SmpRegisterParams *p, int side,
	Candidate *cand, GError **error)
{
	const int reach = (int) (side * MAP_PX_PER_CELL);
	Crop cb = middle(before, reach), ca = middle(after, reach);
	double f = side / (double) MAX(MAX(cb.w, cb.h), MAX(ca.w, ca.h));
	Map bmap = {side, f, g_new(float, (gsize) side *side)};
	Map amap = {side, f, g_new(float, (gsize) side *side)};
	g_autoptr(VipsImage) fb = NULL, fa = NULL, flb = NULL, fla = NULL;
	g_autoptr(VipsImage) s = NULL;
	g_autofree float *lb = NULL, *la = NULL;
	double id[9];
	int nc = -1;

	smp_mat3_identity(id);
	if (map_render(&bmap, bd, nb, before, &cb, id, error) &&
		map_render(&amap, ad, na, after, &ca, id, error) &&
		(fb = reg_fft(bmap.v, side, side, error)) &&
		(fa = reg_fft(amap.v, side, side, error))) {
		lb = log_polar(pixels(fb), side);
		la = log_polar(pixels(fa), side);
		if ((flb = reg_fft(lb, LP_ANGLES, LP_RADII, error)) &&
			(fla = reg_fft(la, LP_ANGLES, LP_RADII, error)) &&
			(s = phase_surface(fla, flb, 0, FM_WHITEN, error)))
			nc = fm_candidates(s, p, side, cand, COARSE_PEAKS);
	}
	g_free(bmap.v);
	g_free(amap.v);
	return nc;
}

/* Fourier–Mellin: rotation and scale candidates from fine maps of the
 * photos' middles, then the translation of each on maps of the whole
 * photos, half the side.
 */
static gboolean
coarse_search(VipsImage *before, VipsImage *after, const SmpDot *bd, int nb,
	const SmpDot *ad, int na, const SmpRegisterParams *p, Coarse *out,
	GError **error)
{
	int longest =
		MAX(MAX(before->Xsize, before->Ysize), MAX(after->Xsize, after->Ysize));
	int side = map_side(longest), tside = MAX(side / 2, MAP_MIN);
	Map bmap = {tside, tside / (double) longest, NULL};
	g_autoptr(VipsImage) fb = NULL;
	Candidate cand[COARSE_PEAKS];
	double id[9];
	int nc;
	gboolean ok;

	smp_mat3_identity(out->m);
	out->peak = 0;
	out->f = bmap.f;
	nc = fm_search(before, after, bd, nb, ad, na, p, side, cand, error);
	if (nc <= 0)
		return nc == 0;
	smp_mat3_identity(id);
	bmap.v = g_new(float, (gsize) tside *tside);
	ok = map_render(&bmap, bd, nb, before, NULL, id, error) &&
		(fb = reg_fft(bmap.v, tside, tside, error)) &&
		coarse_translation(&bmap, fb, ad, na, after, cand, nc, out, error);
	g_free(bmap.v);
	return ok;
}

/* --- the pair ----------------------------------------------------------- */

static void
finish(SmpRegistration *r)
{
	reg_mat_decompose(r->matrix, &r->rotation_deg, &r->scale);
}

SmpRegistration *
smp_register_pair(VipsImage *before, VipsImage *after,
	const GArray *before_dots, const GArray *after_dots,
	const SmpRegisterParams *p, GError **error)
{
	SmpRegisterParams defaults;
	const SmpDot *bd = NULL, *ad = NULL;
	int nb = 0, na = 0;
	Coarse coarse;
	RegFine fine;
	SmpRegistration *r;

	if (!p) {
		smp_register_params_default(&defaults);
		p = &defaults;
	}
	if (!params_check(p, error))
		return NULL;
	if (before_dots && after_dots) {
		bd = (const SmpDot *) before_dots->data;
		ad = (const SmpDot *) after_dots->data;
		nb = before_dots->len;
		na = after_dots->len;
	}
	if (!coarse_search(before, after, bd, nb, ad, na, p, &coarse, error))
		return NULL;
	r = registration_new(SMP_REGISTER_SIMILARITY, "fourier-mellin");
	memcpy(r->matrix, coarse.m, sizeof(coarse.m));
	r->coarse_peak = coarse.peak;
	if (bd &&
		reg_fine_fit(bd, nb, before->Xsize, before->Ysize, ad, na, after->Xsize,
			after->Ysize, coarse.m, COARSE_RADIUS_CELLS / coarse.f, p, &fine)) {
		memcpy(r->matrix, fine.matrix, sizeof(fine.matrix));
		r->model = p->model;
		r->method = "fourier-mellin+dots";
		r->inliers = fine.inliers;
		r->overlap_dots = fine.overlap;
		r->rms_px = fine.rms_px;
		r->score = fine.score;
		r->ok = fine.score >= p->min_score && fine.inliers >= p->min_inliers;
	}
	finish(r);
	/* A transform outside the searched ranges is not one we vouch for. */
	if (fabs(r->rotation_deg) > p->rotation_max_deg + 1 ||
		r->scale < p->scale_min * 0.98 || r->scale > p->scale_max * 1.02)
		r->ok = FALSE;
	if (r->ok)
		reg_match_dots(bd, nb, before->Xsize, before->Ysize, ad, na, r->matrix,
			2 * p->match_tol_px, r);
	return r;
}

/* --- landmarks ---------------------------------------------------------- */

SmpRegistration *
smp_register_from_landmarks(
	const double *pairs, int n, SmpRegisterModel model, GError **error)
{
	double src[2 * SMP_REGISTER_MAX_LANDMARKS];
	double dst[2 * SMP_REGISTER_MAX_LANDMARKS];
	double m[9], inv[9], ss = 0;
	SmpRegistration *r;

	if ((int) model < 0 || model > SMP_REGISTER_HOMOGRAPHY ||
		n < reg_model_min_pairs(model) || n > SMP_REGISTER_MAX_LANDMARKS) {
		g_set_error(error, SMP_ERROR, SMP_ERROR_CONFIG,
			"landmarks: %d pairs for a %s transform (it needs %d..%d)", n,
			smp_register_model_name(model), reg_model_min_pairs(model),
			SMP_REGISTER_MAX_LANDMARKS);
		return NULL;
	}
	for (int i = 0; i < n; i++) {
		dst[2 * i] = pairs[4 * i];
		dst[2 * i + 1] = pairs[4 * i + 1];
		src[2 * i] = pairs[4 * i + 2];
		src[2 * i + 1] = pairs[4 * i + 3];
	}
	if (!reg_fit(model, src, dst, n, m) || !smp_mat3_invert(m, inv)) {
		g_set_error(error, SMP_ERROR, SMP_ERROR_CONFIG,
			"landmarks: the points coincide or lie on one line; they do "
			"not fix a %s transform",
			smp_register_model_name(model));
		return NULL;
	}
	r = registration_new(model, "landmarks");
	memcpy(r->matrix, m, sizeof(m));
	for (int i = 0; i < n; i++) {
		double x, y;

		smp_mat3_apply(m, src[2 * i], src[2 * i + 1], &x, &y);
		ss += pow(x - dst[2 * i], 2) + pow(y - dst[2 * i + 1], 2);
	}
	r->rms_px = sqrt(ss / n);
	r->inliers = n;
	r->score = 1;
	r->ok = TRUE;
	finish(r);
	return r;
}

/* A header line names the columns; it must name them in this order. */
static gboolean
is_header(char **fields)
{
	static const char *const names[] = {
		"before_x", "before_y", "after_x", "after_y"};

	for (int i = 0; i < 4; i++)
		if (g_ascii_strcasecmp(g_strstrip(fields[i]), names[i]))
			return FALSE;
	return TRUE;
}

/* Parse one data line into @out[4]; FALSE with a reason in @why. */
static gboolean
parse_landmark(char **fields, double out[4], const char **why)
{
	for (int i = 0; i < 4; i++) {
		char *s = g_strstrip(fields[i]), *end;

		if (!*s) {
			*why = "empty field";
			return FALSE;
		}
		out[i] = g_ascii_strtod(s, &end);
		if (*end || !isfinite(out[i])) {
			*why = "not a number";
			return FALSE;
		}
	}
	return TRUE;
}

gboolean
smp_register_landmarks_load(
	const char *path, double **pairs, int *n, GError **error)
{
	g_autofree char *text = NULL;
	g_auto(GStrv) lines = NULL;
	double got[4 * SMP_REGISTER_MAX_LANDMARKS];
	GError *io = NULL;
	int count = 0;

	if (!g_file_get_contents(path, &text, NULL, &io)) {
		g_set_error(
			error, SMP_ERROR, SMP_ERROR_IO, "%s: %s", path, io->message);
		g_error_free(io);
		return FALSE;
	}
	lines = g_strsplit(text, "\n", -1);
	for (int ln = 0; lines[ln]; ln++) {
		g_auto(GStrv) fields = NULL;
		char *line = g_strstrip(lines[ln]);
		const char *why = NULL;
		double v[4];

		if (!*line || *line == '#')
			continue;
		fields = g_strsplit(line, ",", -1);
		if (g_strv_length(fields) != 4)
			why = "expected 4 comma-separated fields "
				  "(before_x,before_y,after_x,after_y)";
		else if (count == 0 && ln == 0 && is_header(fields))
			continue;
		else if (parse_landmark(fields, v, &why) &&
			count == SMP_REGISTER_MAX_LANDMARKS)
			why = "more than 4 landmark pairs";
		if (why) {
			g_set_error(error, SMP_ERROR, SMP_ERROR_CONFIG, "%s:%d: %s", path,
				ln + 1, why);
			return FALSE;
		}
		memcpy(got + 4 * count++, v, sizeof(v));
	}
	if (count < 2) {
		g_set_error(error, SMP_ERROR, SMP_ERROR_CONFIG,
			"%s: %d landmark pair%s; at least 2 are needed", path, count,
			count == 1 ? "" : "s");
		return FALSE;
	}
	*pairs = g_memdup2(got, sizeof(double) * 4 * count);
	*n = count;
	return TRUE;
}

/* --- using a registration ---------------------------------------------- */

void
smp_register_map_point(
	const SmpRegistration *r, double ax, double ay, double *bx, double *by)
{
	smp_mat3_apply(r->matrix, ax, ay, bx, by);
}

/* The index image for vips_mapim: at each before pixel, the after pixel
 * that lands there. Pixel centres: FORMATS' x + 0.5 for our matrix,
 * integer positions for libvips.
 */
static VipsImage *
homography_index(const double inv[9], int w, int h)
{
	g_autofree float *buf = g_new(float, 2 * (gsize) w * h);

	for (int y = 0; y < h; y++)
		for (int x = 0; x < w; x++) {
			double ax, ay;

			smp_mat3_apply(inv, x + 0.5, y + 0.5, &ax, &ay);
			buf[2 * ((gsize) y * w + x)] = ax - 0.5;
			buf[2 * ((gsize) y * w + x) + 1] = ay - 0.5;
		}
	return vips_image_new_from_memory_copy(
		buf, sizeof(float) * 2 * w * h, w, h, 2, VIPS_FORMAT_FLOAT);
}

VipsImage *
smp_register_warp(VipsImage *after, const SmpRegistration *r, int out_w,
	int out_h, GError **error)
{
	VipsInterpolate *interp;
	VipsImage *out = NULL;
	const double *m = r->matrix;
	double inv[9];
	int rc;

	if (out_w < 1 || out_h < 1 || !smp_mat3_invert(m, inv)) {
		g_set_error(error, SMP_ERROR, SMP_ERROR_INTERNAL,
			"register: cannot warp with a singular matrix or to %dx%d", out_w,
			out_h);
		return NULL;
	}
	if (m[6] == 0 && m[7] == 0) {
		VipsArrayInt *area = vips_array_int_newv(4, 0, 0, out_w, out_h);

		/* libvips puts pixel centres on integers, FORMATS on +0.5: the
		 * same map in libvips' frame has its offset moved by
		 * A·(0.5, 0.5) - (0.5, 0.5).
		 */
		interp = vips_interpolate_new("bicubic");
		rc = vips_affine(after, &out, m[0] / m[8], m[1] / m[8], m[3] / m[8],
			m[4] / m[8], "odx", (m[2] + 0.5 * (m[0] + m[1] - m[8])) / m[8],
			"ody", (m[5] + 0.5 * (m[3] + m[4] - m[8])) / m[8], "oarea", area,
			"interpolate", interp, NULL);
		vips_area_unref(VIPS_AREA(area));
	}
	else {
		g_autoptr(VipsImage) idx = homography_index(inv, out_w, out_h);

		interp = vips_interpolate_new("bilinear");
		rc = !idx || vips_mapim(after, &out, idx, "interpolate", interp, NULL);
	}
	g_object_unref(interp);
	if (rc) {
		smp_error_from_vips(error, SMP_ERROR_INTERNAL, NULL, "register: warp");
		return NULL;
	}
	return out;
}

void
smp_register_to_json(const SmpRegistration *r, JsonBuilder *b)
{
	json_builder_begin_object(b);
	json_builder_set_member_name(b, "method");
	json_builder_add_string_value(b, r->method);
	json_builder_set_member_name(b, "model");
	json_builder_add_string_value(b, smp_register_model_name(r->model));
	json_builder_set_member_name(b, "matrix");
	json_builder_begin_array(b);
	for (int row = 0; row < 3; row++) {
		json_builder_begin_array(b);
		for (int col = 0; col < 3; col++)
			json_builder_add_double_value(b, r->matrix[row * 3 + col]);
		json_builder_end_array(b);
	}
	json_builder_end_array(b);
	smp_json_number(b, "score", r->score, 0);
	json_builder_set_member_name(b, "ok");
	json_builder_add_boolean_value(b, r->ok);
	json_builder_set_member_name(b, "inliers");
	json_builder_add_int_value(b, r->inliers);
	json_builder_set_member_name(b, "overlap_dots");
	json_builder_add_int_value(b, r->overlap_dots);
	smp_json_number(b, "rms_px", r->rms_px, 0);
	smp_json_number(b, "rotation_deg", r->rotation_deg, 0);
	smp_json_number(b, "scale", r->scale, 0);
	json_builder_end_object(b);
}
