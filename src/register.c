/* Registration of an after photo onto its before photo: the coarse
 * Fourier–Mellin search on small maps, the public entry points, warping
 * and the sidecar block.
 * SPDX-License-Identifier: MIT
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "smpdoc/error.h"
#include "smpdoc/photo.h"
#include "smpdoc/register.h"
#include "register_private.h"

#define MAP_PX_PER_CELL 3.0  /* image px per coarse map px (2 MP: 512²) */
#define MAP_MIN 256          /* coarse map side, px (a power of two) */
#define MAP_MAX 1024
#define DOT_SIGMA 0.75       /* Gaussian of one dot on the map, map px */
#define STAMP_RADIUS 2       /* stamp half-width, map px (> 2.5 sigma) */
#define LP_ANGLES 512        /* log-polar: angle samples over 180° */
#define LP_RADII 256         /* log-radius samples */
#define LP_RHO_MIN 6.0       /* lowest frequency used, cycles per map */
#define LP_RHO_MAX 0.35      /* highest, as a fraction of the map side:
                              * above it the stamps alias */
#define COARSE_PEAKS 6       /* rotation/scale candidates tried */
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

static const char *const model_names[] = {"similarity", "affine",
	"homography"};

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

	reg_mat_identity(r->matrix);
	r->model = model;
	r->method = method;
	r->scale = 1;
	r->coarse_peak = NAN;
	r->rms_px = NAN;
	r->new_dots = r->persisting_dots = r->outside_dots = -1;
	r->growth_px_median = r->contrast_change_median = NAN;
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

/* Each dot adds a small Gaussian at f·@m(x, y), weighted by the window
 * of its own frame (@w × @h image px); then the windowed mean density is
 * taken away so that only the dots' arrangement remains.
 */
static void
map_render_dots(Map *map, const SmpDot *dots, int n, int w, int h,
	const double m[9])
{
	const int side = map->n;
	double wlen = w * map->f, hlen = h * map->f;
	double inv[9], density = n / (wlen * hlen);

	memset(map->v, 0, sizeof(float) * side * side);
	for (int i = 0; i < n; i++) {
		double x, y, ux = dots[i].x * map->f, uy = dots[i].y * map->f;
		double weight = hann(ux, wlen) * hann(uy, hlen);
		int cx, cy;

		reg_mat_apply(m, dots[i].x, dots[i].y, &x, &y);
		/* Pixel k of the map covers [k, k+1): its centre is k + 0.5. */
		x = x * map->f - 0.5;
		y = y * map->f - 0.5;
		cx = (int) floor(x);
		cy = (int) floor(y);
		for (int dy = -STAMP_RADIUS; dy <= STAMP_RADIUS + 1; dy++)
			for (int dx = -STAMP_RADIUS; dx <= STAMP_RADIUS + 1; dx++) {
				int px = cx + dx, py = cy + dy;
				double d2 = pow(px - x, 2) + pow(py - y, 2);

				/* Wrap: the phase correlation is circular anyway. */
				px = ((px % side) + side) % side;
				py = ((py % side) + side) % side;
				map->v[py * side + px] += weight * exp(-d2 /
					(2 * DOT_SIGMA * DOT_SIGMA));
			}
	}
	if (!reg_mat_invert(m, inv))
		return;
	/* The mean: a stamp integrates to 2π sigma², spread as density. */
	density *= 2 * G_PI * DOT_SIGMA * DOT_SIGMA;
	for (int py = 0; py < side; py++)
		for (int px = 0; px < side; px++) {
			double x, y;

			reg_mat_apply(inv, (px + 0.5) / map->f, (py + 0.5) / map->f, &x,
				&y);
			map->v[py * side + px] -= density * hann(x * map->f, wlen) *
				hann(y * map->f, hlen);
		}
}

/* The grey photo on the map: dark detail (dots) positive, illumination
 * (blur over a few map px) removed, windowed in its own frame, then turned
 * by the linear part of @m (after px → before px, no translation).
 */
static gboolean
map_render_image(Map *map, VipsImage *image, const double m[9],
	GError **error)
{
	g_autoptr(VipsImage) grey = NULL, small = NULL, blur = NULL;
	g_autoptr(VipsImage) detail = NULL, flt = NULL, mem = NULL;
	g_autoptr(VipsImage) win = NULL, turned = NULL, out = NULL;
	g_autofree float *buf = NULL;
	VipsArrayInt *area;
	int side = map->n, w, h, rc;

	if (vips_colourspace(image, &grey, VIPS_INTERPRETATION_B_W, NULL) ||
		vips_resize(grey, &small, map->f, NULL) ||
		vips_gaussblur(small, &blur, 3.0, "precision",
			VIPS_PRECISION_FLOAT, NULL) ||
		vips_subtract(blur, small, &detail, NULL) ||
		vips_cast(detail, &flt, VIPS_FORMAT_FLOAT, NULL) ||
		!(mem = vips_image_copy_memory(flt)))
		goto fail;
	w = vips_image_get_width(mem);
	h = vips_image_get_height(mem);
	buf = g_new(float, (gsize) w * h);
	for (int y = 0; y < h; y++) {
		const float *row = (const float *) VIPS_IMAGE_ADDR(mem, 0, y);

		for (int x = 0; x < w; x++)
			buf[y * w + x] = row[x] * hann(x + 0.5, w) * hann(y + 0.5, h);
	}
	win = vips_image_new_from_memory(buf, sizeof(float) * w * h, w, h, 1,
		VIPS_FORMAT_FLOAT);
	area = vips_array_int_newv(4, 0, 0, side, side);
	rc = !win || vips_affine(win, &turned, m[0], m[1], m[3], m[4], "oarea",
		area, NULL) || !(out = vips_image_copy_memory(turned));
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

/* --- FFT helpers (libvips does the transforms) -------------------------- */

/* The forward FFT of a @w × @h float buffer as interleaved re, im doubles
 * (@w × @h × 2), or NULL with @error set.
 */
static double *
fft(const float *v, int w, int h, GError **error)
{
	g_autoptr(VipsImage) in = NULL, f = NULL, c = NULL, mem = NULL;
	double *out;

	in = vips_image_new_from_memory(v, sizeof(float) * w * h, w, h, 1,
		VIPS_FORMAT_FLOAT);
	if (!in || vips_fwfft(in, &f, NULL) ||
		vips_cast(f, &c, VIPS_FORMAT_DPCOMPLEX, NULL) ||
		!(mem = vips_image_copy_memory(c))) {
		smp_error_from_vips(error, SMP_ERROR_INTERNAL, NULL, "register: fft");
		return NULL;
	}
	out = g_new(double, 2 * (gsize) w * h);
	memcpy(out, VIPS_IMAGE_ADDR(mem, 0, 0), sizeof(double) * 2 * w * h);
	return out;
}

/* A correlation peak: its position (sub-pixel) and height. */
typedef struct Peak {
	double x, y;
	double value;
} Peak;

/* Phase correlation of @a against @b (interleaved spectra of @w × @h):
 * the inverse FFT of the normalised cross-power spectrum, whose peak sits
 * at d where b(x) = a(x - d), height 1 for a perfect match.
 */
static float *
phase_surface(const double *fa, const double *fb, int w, int h,
	GError **error)
{
	g_autoptr(VipsImage) in = NULL, inv = NULL, flt = NULL, mem = NULL;
	g_autofree double *cp = g_new(double, 2 * (gsize) w * h);
	float *out;

	for (gsize i = 0; i < (gsize) w * h; i++) {
		double re = fb[2 * i] * fa[2 * i] + fb[2 * i + 1] * fa[2 * i + 1];
		double im = fb[2 * i + 1] * fa[2 * i] - fb[2 * i] * fa[2 * i + 1];
		double mag = hypot(re, im);

		cp[2 * i] = mag > 1e-20 ? re / mag : 0;
		cp[2 * i + 1] = mag > 1e-20 ? im / mag : 0;
	}
	in = vips_image_new_from_memory(cp, sizeof(double) * 2 * w * h, w, h, 1,
		VIPS_FORMAT_DPCOMPLEX);
	if (!in || vips_invfft(in, &inv, "real", TRUE, NULL) ||
		vips_cast(inv, &flt, VIPS_FORMAT_FLOAT, NULL) ||
		!(mem = vips_image_copy_memory(flt))) {
		smp_error_from_vips(error, SMP_ERROR_INTERNAL, NULL, "register: fft");
		return NULL;
	}
	out = g_new(float, (gsize) w * h);
	memcpy(out, VIPS_IMAGE_ADDR(mem, 0, 0), sizeof(float) * w * h);
	/* libvips' inverse is unnormalised: a perfect match peaks at w·h. */
	for (gsize i = 0; i < (gsize) w * h; i++)
		out[i] /= (float) w * h;
	return out;
}

/* Parabolic sub-pixel offset of a peak from three samples. */
static double
subpixel(double l, double c, double r)
{
	double d = l - 2 * c + r;

	return d < 0 ? CLAMP(0.5 * (l - r) / d, -0.5, 0.5) : 0;
}

/* The signed shift (-side/2, side/2] of index @i on a circle of @side. */
static int
wrap_index(int i, int side)
{
	return i > side / 2 ? i - side : i;
}

static Peak
peak_at(const float *s, int w, int h, int x, int y)
{
	Peak p;
	int xl = (x + w - 1) % w, xr = (x + 1) % w;
	int yu = (y + h - 1) % h, yd = (y + 1) % h;

	p.value = s[y * w + x];
	p.x = wrap_index(x, w) + subpixel(s[y * w + xl], p.value, s[y * w + xr]);
	p.y = wrap_index(y, h) + subpixel(s[yu * w + x], p.value, s[yd * w + x]);
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
	float *lp = g_new0(float, LP_ANGLES * LP_RADII);
	double rho_max = LP_RHO_MAX * n, k = log(rho_max / LP_RHO_MIN);

	for (int j = 0; j < LP_RADII; j++) {
		double rho = LP_RHO_MIN * exp(k * j / (LP_RADII - 1));
		double sum = 0, sum2 = 0, taper = hann(j + 0.5, LP_RADII);
		float *row = lp + j * LP_ANGLES;

		for (int i = 0; i < LP_ANGLES; i++) {
			double phi = G_PI * i / LP_ANGLES;
			double fx = rho * cos(phi), fy = rho * sin(phi);
			int x0 = (int) floor(fx), y0 = (int) floor(fy);
			double ax = fx - x0, ay = fy - y0, v = 0;

			for (int dy = 0; dy < 2; dy++)
				for (int dx = 0; dx < 2; dx++) {
					int px = ((x0 + dx) % n + n) % n;
					int py = ((y0 + dy) % n + n) % n;
					gsize o = 2 * ((gsize) py * n + px);
					double wgt = (dx ? ax : 1 - ax) * (dy ? ay : 1 - ay);

					v += wgt * hypot(spec[o], spec[o + 1]);
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
fm_candidates(const float *s, const SmpRegisterParams *p, int n_map,
	Candidate *out, int max_out)
{
	double k = log(LP_RHO_MAX * n_map / LP_RHO_MIN) / (LP_RADII - 1);
	int n = 0;

	for (int y = 0; y < LP_RADII; y++)
		for (int x = 0; x < LP_ANGLES; x++) {
			float v = s[y * LP_ANGLES + x];
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
			Peak pk = peak_at(s, LP_ANGLES, LP_RADII, x, y);
			/* L_before(u) = L_after(u - d) with d = (θ, -log s). */
			Candidate c = {pk.x * G_PI / LP_ANGLES, exp(-pk.y * k), v};

			if (fabs(c.theta) * 180 / G_PI > p->rotation_max_deg ||
				c.scale < p->scale_min || c.scale > p->scale_max)
				continue;
			int at = n < max_out ? n++ : max_out - 1;

			if (at == max_out - 1 && n == max_out &&
				out[at].value >= c.value)
				continue;
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
	double m[9];   /* after px → before px */
	double peak;   /* translation phase-correlation height */
	double f;      /* map px per image px */
} Coarse;

static int
map_side(int wb, int hb, int wa, int ha)
{
	int longest = MAX(MAX(wb, hb), MAX(wa, ha)), side = MAP_MIN;

	while (side < MAP_MAX && side * MAP_PX_PER_CELL < longest)
		side *= 2;
	return side;
}

/* For each rotation/scale candidate, the after dots drawn rotated and
 * scaled on the before map's grid; the translation is the phase
 * correlation's peak, and the highest peak wins.
 */
static gboolean
coarse_translation(const Map *bmap, const double *fb, const SmpDot *after,
	int na, int wa, int ha, VipsImage *after_img, const Candidate *cand,
	int nc, Coarse *out, GError **error)
{
	const int side = bmap->n;
	Map amap = {side, bmap->f, g_new(float, (gsize) side * side)};
	gboolean ok = TRUE;

	out->peak = -1;
	for (int c = 0; c < nc && ok; c++) {
		double m[9];
		g_autofree double *fa = NULL;
		g_autofree float *s = NULL;
		int best = 0;

		reg_mat_similarity(cand[c].scale, cand[c].theta, 0, 0, m);
		if (after)
			map_render_dots(&amap, after, na, wa, ha, m);
		else
			ok = map_render_image(&amap, after_img, m, error);
		if (!ok || !(fa = fft(amap.v, side, side, error)) ||
			!(s = phase_surface(fa, fb, side, side, error))) {
			ok = FALSE;
			break;
		}
		for (int i = 1; i < side * side; i++)
			if (s[i] > s[best])
				best = i;
		Peak pk = peak_at(s, side, side, best % side, best / side);

		if (pk.value > out->peak) {
			out->peak = pk.value;
			m[2] = pk.x / bmap->f;
			m[5] = pk.y / bmap->f;
			memcpy(out->m, m, sizeof(m));
		}
	}
	g_free(amap.v);
	return ok;
}

/* Fourier–Mellin on the two maps: rotation and scale from the log-polar
 * magnitude spectra, then translation per candidate.
 */
static gboolean
coarse_search(VipsImage *before, VipsImage *after, const SmpDot *bd, int nb,
	const SmpDot *ad, int na, const SmpRegisterParams *p, Coarse *out,
	GError **error)
{
	int wb = before->Xsize, hb = before->Ysize;
	int wa = after->Xsize, ha = after->Ysize;
	int side = map_side(wb, hb, wa, ha);
	double f = side / (double) MAX(MAX(wb, hb), MAX(wa, ha)), id[9];
	Map bmap = {side, f, g_new(float, (gsize) side * side)};
	Map amap = {side, f, g_new(float, (gsize) side * side)};
	g_autofree double *fb = NULL, *fa = NULL, *flb = NULL, *fla = NULL;
	g_autofree float *lb = NULL, *la = NULL, *s = NULL;
	Candidate cand[COARSE_PEAKS];
	gboolean ok = FALSE;
	int nc;

	out->f = f;
	reg_mat_identity(id);
	if (bd && ad) {
		map_render_dots(&bmap, bd, nb, wb, hb, id);
		map_render_dots(&amap, ad, na, wa, ha, id);
	} else if (!map_render_image(&bmap, before, id, error) ||
		!map_render_image(&amap, after, id, error))
		goto done;
	if (!(fb = fft(bmap.v, side, side, error)) ||
		!(fa = fft(amap.v, side, side, error)))
		goto done;
	lb = log_polar(fb, side);
	la = log_polar(fa, side);
	if (!(flb = fft(lb, LP_ANGLES, LP_RADII, error)) ||
		!(fla = fft(la, LP_ANGLES, LP_RADII, error)) ||
		!(s = phase_surface(fla, flb, LP_ANGLES, LP_RADII, error)))
		goto done;
	nc = fm_candidates(s, p, side, cand, COARSE_PEAKS);
	if (nc == 0) {
		reg_mat_identity(out->m);
		out->peak = 0;
		ok = TRUE;
		goto done;
	}
	ok = coarse_translation(&bmap, fb, ad, na, wa, ha, after, cand, nc, out,
		error);
done:
	g_free(bmap.v);
	g_free(amap.v);
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
	if (bd && reg_fine_fit(bd, nb, before->Xsize, before->Ysize, ad, na,
			after->Xsize, after->Ysize, coarse.m,
			COARSE_RADIUS_CELLS / coarse.f, p, &fine)) {
		memcpy(r->matrix, fine.matrix, sizeof(fine.matrix));
		r->model = p->model;
		r->method = "fourier-mellin+dots";
		r->inliers = fine.inliers;
		r->overlap_dots = fine.overlap;
		r->rms_px = fine.rms_px;
		r->score = fine.score;
		r->ok = fine.score >= p->min_score &&
			fine.inliers >= p->min_inliers;
	}
	finish(r);
	/* A transform outside the searched ranges is not one we vouch for. */
	if (fabs(r->rotation_deg) > p->rotation_max_deg + 1 ||
		r->scale < p->scale_min * 0.98 || r->scale > p->scale_max * 1.02)
		r->ok = FALSE;
	if (r->ok)
		reg_match_dots(bd, nb, before->Xsize, before->Ysize, ad, na,
			r->matrix, 2 * p->match_tol_px, r);
	return r;
}
