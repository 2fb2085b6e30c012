/* Pixels of a synthetic scalp photo: skin, features, light, optics and
 * sensor, computed per pixel from coordinates so that any band split or
 * thread count gives the same bytes.
 * SPDX-License-Identifier: MIT
 */
#include <math.h>
#include <string.h>

#include "smpdoc/error.h"
#include "synth_private.h"

#define BAND_ROWS 64
#define GRID_STEP 8 /* px between nodes of the low-frequency skin grid */
#define LUT_Q_MAX 12.0 /* profile tables cover (d/r)² in [0, 12] */
#define LUT_N 2048
#define ENC_N 4096
#define MAX_THREADS 16

/* Skin colours in sRGB, Fitzpatrick I to VI, as scalp skin looks under
 * neutral light (a little pinker than face references).
 */
static const double tone_srgb[SMP_SYNTH_TONES][3] = {
	{238, 208, 192},
	{226, 186, 160},
	{204, 158, 124},
	{172, 121, 88},
	{124, 82, 58},
	{80, 53, 40},
};

/* Absorption exponents per channel, relative to luma: ink is blue-black
 * (absorbs less blue), follicles and hair brown-black, moles brown.
 */
static const double ink_k[3] = {1.06, 1.0, 0.84};
static const double hair_k[3] = {0.92, 1.0, 1.12};
static const double mole_k[3] = {0.62, 1.0, 1.45};
static const double scab_k[3] = {0.7, 1.0, 1.2}; /* dried blood, crust */

/* Profile shapes: exp(-ln2 (d/r)^e), half maximum at d = r. */
static const double shape_e[] = {2.0, 2.5, 3.0, 4.0};
#define N_SHAPES 4

typedef struct Spot {
	double x, y; /* centre, px */
	double r; /* half-maximum radius, px */
	float a[3]; /* absorption at the centre per channel, 0..1 */
	int lut; /* profile shape */
	int bx0, by0, bx1, by1; /* bounding box, px, end exclusive */
	SmpSynthKind kind;
	/* STUBBLE hair shaft */
	double hdx, hdy, hlen, hr;
	float ha[3];
	/* MOLE */
	double ca, sa, ax, ay; /* ellipse axes, px */
	double harm[3], phase[3];
} Spot;

typedef struct Highlight {
	double x, y, r, amp;
	int bx0, by0, bx1, by1;
} Highlight;

typedef struct Render {
	const SynthScene *scene;
	const SynthView *view;
	int w, h, halo;
	double ppm;
	float skin[3]; /* linear */
	float *grid; /* low-frequency skin: lum, red per node */
	int gw, gh;
	double gox, goy; /* px position of node (0,0) */
	Spot *spots;
	int n_spots;
	GArray **buckets; /* per band: guint spot indices */
	Highlight *hl;
	int n_hl;
	float kernel[64]; /* optics at the centre, half-width centre_halo */
	float kernel_edge[64]; /* at the corners, half-width edge_halo */
	int centre_halo, edge_halo;
	gboolean edge_varies; /* blend the two across the frame */
	float *lut; /* N_SHAPES × (LUT_N + 1) */
	float *enc; /* ENC_N + 1 */
	double fine_amp[2], fine_scale[2];
	guchar *out;
	int n_bands;
	gint next_band;
} Render;

/* Value noise on a lattice hashed from @seed: smooth, in [-1, 1]. */
static inline double
lattice(guint64 seed, gint64 i, gint64 j)
{
	guint64 h = synth_mix(seed ^ ((guint64) i * 0xd6e8feb86659fd93ULL) ^
		((guint64) j * 0xa0761d6478bd642fULL));

	return (h >> 11) * 0x1.0p-52 - 1.0;
}

static inline double
vnoise(guint64 seed, double u, double v)
{
	double fu = floor(u), fv = floor(v);
	gint64 iu = (gint64) fu, iv = (gint64) fv;
	double tu = u - fu, tv = v - fv;
	double a, b, c, d;

	tu = tu * tu * (3 - 2 * tu);
	tv = tv * tv * (3 - 2 * tv);
	a = lattice(seed, iu, iv);
	b = lattice(seed, iu + 1, iv);
	c = lattice(seed, iu, iv + 1);
	d = lattice(seed, iu + 1, iv + 1);
	return a + (b - a) * tu + (c - a) * tv + (a - b - c + d) * tu * tv;
}

/* One octave at @scale mm, its lattice turned by @turn so octaves do not
 * share axes.
 */
static inline double
octave(guint64 seed, int n, double X, double Y, double scale, double turn)
{
	double c = cos(turn), s = sin(turn);

	return vnoise(
		synth_key(seed, n), (c * X - s * Y) / scale, (s * X + c * Y) / scale);
}

static inline void
to_scalp(const SynthView *v, double x, double y, double *X, double *Y)
{
	*X = v->a[0] * x + v->a[1] * y + v->a[2];
	*Y = v->a[3] * x + v->a[4] * y + v->a[5];
}

static void
build_grid(Render *r)
{
	guint64 seed = r->scene->skin_seed;

	r->gox = -r->halo - GRID_STEP;
	r->goy = -r->halo - GRID_STEP;
	r->gw = (r->w + 2 * r->halo + 2 * GRID_STEP) / GRID_STEP + 2;
	r->gh = (r->h + 2 * r->halo + 2 * GRID_STEP) / GRID_STEP + 2;
	r->grid = g_new(float, (gsize) r->gw * r->gh * 2);
	for (int l = 0; l < r->gh; l++)
		for (int k = 0; k < r->gw; k++) {
			double X, Y, lum, red;
			float *g = r->grid + 2 * ((gsize) l * r->gw + k);

			to_scalp(r->view, r->gox + k * GRID_STEP, r->goy + l * GRID_STEP,
				&X, &Y);
			lum = 0.07 * octave(seed, 1, X, Y, 7.0, 0.3) +
				0.04 * octave(seed, 2, X, Y, 2.2, 1.1);
			red = 0.07 * octave(seed, 3, X, Y, 9.0, 2.0) +
				0.03 * octave(seed, 4, X, Y, 3.0, 0.6);
			g[0] = (float) lum;
			g[1] = (float) red;
		}
}

static void
build_luts(Render *r)
{
	r->lut = g_new(float, N_SHAPES *(LUT_N + 1));
	for (int s = 0; s < N_SHAPES; s++)
		for (int i = 0; i <= LUT_N; i++) {
			double q = LUT_Q_MAX * i / LUT_N;
			double p = exp(-G_LN2 * pow(q, shape_e[s] / 2));

			r->lut[s * (LUT_N + 1) + i] = p < 1e-3 ? 0.0f : (float) p;
		}
	r->enc = g_new(float, ENC_N + 1);
	for (int i = 0; i <= ENC_N; i++)
		r->enc[i] = (float) synth_linear_to_srgb((double) i / ENC_N);
}

/* Radius, in units of r, beyond which profile @s is below 1e-3. */
static double
profile_extent(int s)
{
	return pow(log(1000.0) / G_LN2, 1.0 / shape_e[s]);
}

static inline float
profile(const Render *r, int s, double q)
{
	double t = q * (LUT_N / LUT_Q_MAX);
	int i;

	if (t >= LUT_N)
		return 0.0f;
	i = (int) t;
	return r->lut[s * (LUT_N + 1) + i] +
		(float) (t - i) *
		(r->lut[s * (LUT_N + 1) + i + 1] - r->lut[s * (LUT_N + 1) + i]);
}

static int
shape_index(double e)
{
	int best = 0;

	for (int s = 1; s < N_SHAPES; s++)
		if (fabs(shape_e[s] - e) < fabs(shape_e[best] - e))
			best = s;
	return best;
}

/* Linear absorption at the centre for nominal encoded contrast @c: the
 * sRGB curve is close to a 1/2.2 power, so (1-c)^2.2 of the light gives
 * about 1-c of the encoded value.
 */
static void
absorption(double c, const double k[3], double tint, float a[3])
{
	double t = pow(CLAMP(1.0 - c, 0.0, 1.0), 2.2);

	for (int i = 0; i < 3; i++)
		a[i] = (float) (1.0 - pow(t, k[i] * (1.0 + (i - 1) * tint)));
}

static void
set_bbox(Spot *s, double ext)
{
	s->bx0 = (int) floor(s->x - ext);
	s->by0 = (int) floor(s->y - ext);
	s->bx1 = (int) ceil(s->x + ext) + 1;
	s->by1 = (int) ceil(s->y + ext) + 1;
}

static void
add_truth(SmpSynthTruth *truth, const Spot *s, const SynthFeature *f,
	double contrast, double angle_deg)
{
	SmpSynthDot d = {0};

	d.x = s->x;
	d.y = s->y;
	d.r = s->r;
	d.contrast = contrast;
	d.kind = f->kind;
	d.session = f->session;
	d.id = f->id;
	d.partner = f->partner;
	if (f->kind == SMP_SYNTH_STUBBLE) {
		d.angle_deg = angle_deg;
		d.length = s->hlen;
	}
	else if (f->kind == SMP_SYNTH_MOLE || f->kind == SMP_SYNTH_SCAB)
		d.angle_deg = angle_deg;
	if (smp_synth_kind_is_dot(f->kind))
		g_array_append_val(truth->dots, d);
	else
		g_array_append_val(truth->distractors, d);
}

/* Features of the scene as seen by the view, in pixels. */
static void
build_spots(Render *r, SmpSynthTruth *truth)
{
	const SynthView *v = r->view;
	GArray *feats = r->scene->features;
	double det = v->a[0] * v->a[4] - v->a[1] * v->a[3];
	int n = 0;

	r->spots = g_new0(Spot, MAX(feats->len, 1));
	for (guint i = 0; i < feats->len; i++) {
		const SynthFeature *f = &g_array_index(feats, SynthFeature, i);
		Spot *s = &r->spots[n];
		double X = f->x - v->a[2], Y = f->y - v->a[5];
		double tint = ((f->id * 0x9e3779b97f4a7c15ULL) >> 40) * 0x1.0p-24;
		/* SMP dots of earlier sessions have spread and faded. */
		gboolean aged = f->kind == SMP_SYNTH_SMP_DOT && f->session < v->session;
		double contrast = aged ? f->contrast * v->fade : f->contrast;
		double dx, dy, ext, angle;

		if (f->session > v->session)
			continue;
		s->x = (v->a[4] * X - v->a[1] * Y) / det;
		s->y = (-v->a[3] * X + v->a[0] * Y) / det;
		s->r = f->r * r->ppm * (aged ? v->grow : 1.0);
		s->kind = f->kind;
		tint = 0.08 * (tint - 0.5);
		/* A scalp direction as an image angle (the view may turn). */
		dx = (v->a[4] * cos(f->angle) - v->a[1] * sin(f->angle)) / det;
		dy = (-v->a[3] * cos(f->angle) + v->a[0] * sin(f->angle)) / det;
		angle = atan2(dy, dx);
		if (f->kind == SMP_SYNTH_MOLE || f->kind == SMP_SYNTH_SCAB) {
			s->kind = SMP_SYNTH_MOLE; /* drawn alike */
			s->ca = cos(angle);
			s->sa = sin(angle);
			s->ax = s->r * sqrt(f->shape);
			s->ay = s->r / sqrt(f->shape);
			memcpy(s->harm, f->harm, sizeof(s->harm));
			memcpy(s->phase, f->phase, sizeof(s->phase));
			absorption(f->contrast, f->kind == SMP_SYNTH_SCAB ? scab_k : mole_k,
				tint, s->a);
			set_bbox(s, s->ax * 1.35 + 3);
		}
		else {
			s->lut = shape_index(f->shape);
			absorption(contrast, f->kind == SMP_SYNTH_SMP_DOT ? ink_k : hair_k,
				tint, s->a);
			ext = s->r * profile_extent(s->lut) + 1;
			set_bbox(s, ext);
			if (f->kind == SMP_SYNTH_STUBBLE) {
				double hx, hy;

				s->hdx = cos(angle);
				s->hdy = sin(angle);
				s->hlen = f->length * r->ppm;
				s->hr = MAX(0.035 * r->ppm, 0.6);
				absorption(f->hair_contrast, hair_k, tint, s->ha);
				hx = s->x + s->hdx * s->hlen;
				hy = s->y + s->hdy * s->hlen;
				ext = 3 * s->hr + 1;
				s->bx0 = MIN(s->bx0, (int) floor(hx - ext));
				s->by0 = MIN(s->by0, (int) floor(hy - ext));
				s->bx1 = MAX(s->bx1, (int) ceil(hx + ext) + 1);
				s->by1 = MAX(s->by1, (int) ceil(hy + ext) + 1);
			}
		}
		if (truth && s->x >= 0 && s->x < r->w && s->y >= 0 && s->y < r->h)
			add_truth(truth, s, f, contrast, angle * 180.0 / G_PI);
		if (s->bx1 <= -r->halo || s->bx0 >= r->w + r->halo ||
			s->by1 <= -r->halo || s->by0 >= r->h + r->halo)
			continue;
		n++;
	}
	r->n_spots = n;
}

/* Specular blobs belong to the photo (light and skin oil), not the
 * scalp: placed in image pixels from the photo's seed.
 */
static void
build_highlights(Render *r, SmpSynthTruth *truth)
{
	SynthRng rng = {synth_key(r->view->photo_seed, 11)};

	r->n_hl = MAX(r->view->highlights, 0);
	r->hl = g_new0(Highlight, MAX(r->n_hl, 1));
	for (int i = 0; i < r->n_hl; i++) {
		Highlight *h = &r->hl[i];
		double ext;

		h->x = synth_range(&rng, 0.05, 0.95) * r->w;
		h->y = synth_range(&rng, 0.05, 0.95) * r->h;
		h->r = synth_range(&rng, 0.8, 2.5) * r->ppm;
		h->amp = synth_range(&rng, 0.12, 0.3);
		ext = h->r * profile_extent(0) + 1;
		h->bx0 = (int) floor(h->x - ext);
		h->by0 = (int) floor(h->y - ext);
		h->bx1 = (int) ceil(h->x + ext) + 1;
		h->by1 = (int) ceil(h->y + ext) + 1;
		if (truth) {
			SmpSynthDot d = {0};

			d.x = h->x;
			d.y = h->y;
			d.r = h->r;
			d.contrast = -h->amp;
			d.kind = SMP_SYNTH_HIGHLIGHT;
			d.id = -1;
			g_array_append_val(truth->distractors, d);
		}
	}
}

static void
build_buckets(Render *r)
{
	r->n_bands = (r->h + BAND_ROWS - 1) / BAND_ROWS;
	r->buckets = g_new(GArray *, r->n_bands);
	for (int b = 0; b < r->n_bands; b++)
		r->buckets[b] = g_array_new(FALSE, FALSE, sizeof(guint));
	for (int i = 0; i < r->n_spots; i++) {
		const Spot *s = &r->spots[i];
		int lo = (int) floor((double) (s->by0 - r->halo) / BAND_ROWS);
		int hi = (int) floor((double) (s->by1 + r->halo) / BAND_ROWS);
		guint idx = (guint) i;

		for (int b = MAX(lo, 0); b <= MIN(hi, r->n_bands - 1); b++)
			g_array_append_val(r->buckets[b], idx);
	}
}

/* Bare skin reflectance (linear RGB) of rows [y0, y1) into @buf. */
static void
paint_skin(const Render *r, float *buf, int bw, int y0, int y1)
{
	guint64 seed = r->scene->skin_seed;

	for (int y = y0; y < y1; y++) {
		double gy = (y + 0.5 - r->goy) / GRID_STEP;
		int l = (int) gy;
		float fy = (float) (gy - l);
		float *row = buf + (gsize) (y - y0) * bw * 3;

		for (int xi = 0; xi < bw; xi++) {
			int x = xi - r->halo;
			double gx = (x + 0.5 - r->gox) / GRID_STEP, X, Y, fine;
			int k = (int) gx;
			float fx = (float) (gx - k);
			const float *g00 = r->grid + 2 * ((gsize) l * r->gw + k);
			const float *g10 = g00 + 2, *g01 = g00 + 2 * r->gw;
			const float *g11 = g01 + 2;
			float lum, red, m;

			lum = (1 - fy) * ((1 - fx) * g00[0] + fx * g10[0]) +
				fy * ((1 - fx) * g01[0] + fx * g11[0]);
			red = (1 - fy) * ((1 - fx) * g00[1] + fx * g10[1]) +
				fy * ((1 - fx) * g01[1] + fx * g11[1]);
			to_scalp(r->view, x + 0.5, y + 0.5, &X, &Y);
			fine = 0.0;
			if (r->fine_amp[0] > 0)
				fine += r->fine_amp[0] *
					octave(seed, 5, X, Y, r->fine_scale[0], 0.9);
			if (r->fine_amp[1] > 0)
				fine += r->fine_amp[1] *
					octave(seed, 6, X, Y, r->fine_scale[1], 2.3);
			m = 1.0f + lum + (float) fine;
			row[3 * xi + 0] = r->skin[0] * m * (1.0f + red);
			row[3 * xi + 1] = r->skin[1] * m * (1.0f - 0.25f * red);
			row[3 * xi + 2] = r->skin[2] * m * (1.0f - 0.45f * red);
		}
	}
}

static void
paint_spot(const Render *r, const Spot *s, float *buf, int bw, int y0, int y1)
{
	int x0 = MAX(s->bx0, -r->halo), x1 = MIN(s->bx1, r->w + r->halo);
	double r2 = 1.0 / (s->r * s->r);

	for (int y = MAX(s->by0, y0); y < MIN(s->by1, y1); y++) {
		float *row = buf + (gsize) (y - y0) * bw * 3;
		double dy = y + 0.5 - s->y;

		for (int x = x0; x < x1; x++) {
			float *px = row + 3 * (x + r->halo);
			double dx = x + 0.5 - s->x;
			float p;

			if (s->kind == SMP_SYNTH_MOLE) {
				double u = (dx * s->ca + dy * s->sa) / s->ax;
				double v = (-dx * s->sa + dy * s->ca) / s->ay;
				double rho = sqrt(u * u + v * v), phi = atan2(v, u);
				double edge = 1.0;

				for (int k = 0; k < 3; k++)
					edge += s->harm[k] * cos((k + 2) * phi + s->phase[k]);
				if (rho > 1.4 * edge)
					continue;
				p = (float) ((0.82 + 0.18 * (1 - MIN(rho * rho, 1.0))) /
					(1.0 + exp((rho - edge) / 0.07)));
			}
			else {
				p = profile(r, s->lut, (dx * dx + dy * dy) * r2);
				if (s->kind == SMP_SYNTH_STUBBLE) {
					double t = dx * s->hdx + dy * s->hdy, ex, ey, ph;

					t = CLAMP(t, 0.0, s->hlen);
					ex = dx - t * s->hdx;
					ey = dy - t * s->hdy;
					ph = profile(r, 0, (ex * ex + ey * ey) / (s->hr * s->hr)) *
						(1.0 - 0.45 * t / s->hlen);
					for (int c = 0; c < 3; c++)
						px[c] *= 1.0f - s->ha[c] * (float) ph;
				}
			}
			if (p == 0.0f)
				continue;
			for (int c = 0; c < 3; c++)
				px[c] *= 1.0f - s->a[c] * p;
		}
	}
}

/* The grey card: flat neutral reflectance over skin and dots, before the
 * light falls on it.
 */
static void
paint_card(const Render *r, float *buf, int bw, int y0, int y1)
{
	const double *c = r->view->grey_card;
	float g = (float) r->view->grey_card_reflectance;
	int cx0 = (int) c[0], cy0 = (int) c[1];
	int cx1 = (int) (c[0] + c[2]), cy1 = (int) (c[1] + c[3]);

	if (c[2] <= 0 || c[3] <= 0)
		return;
	for (int y = MAX(y0, cy0); y < MIN(y1, cy1); y++) {
		float *row = buf + (gsize) (y - y0) * bw * 3;

		for (int x = MAX(-r->halo, cx0); x < MIN(r->w + r->halo, cx1); x++)
			for (int ch = 0; ch < 3; ch++)
				row[3 * (x + r->halo) + ch] = g;
	}
}

/* Illumination (gradient, vignette, exposure, cast) and highlights. */
static void
paint_light(const Render *r, float *buf, int bw, int y0, int y1)
{
	const SynthView *v = r->view;
	double gain = pow(2.0, v->exposure);
	/* Skin oil reflects less on darker skin than a white blob would. */
	float spec = 0.95f *
		(0.1f +
			0.9f *
				(0.2126f * r->skin[0] + 0.7152f * r->skin[1] +
					0.0722f * r->skin[2]));
	float cast[3];

	for (int c = 0; c < 3; c++)
		cast[c] = (float) (v->cast[c] * gain);
	for (int y = y0; y < y1; y++) {
		float *row = buf + (gsize) (y - y0) * bw * 3;

		for (int xi = 0; xi < bw; xi++) {
			float illum =
				(float) synth_illumination(v, xi - r->halo + 0.5, y + 0.5);

			for (int c = 0; c < 3; c++)
				row[3 * xi + c] *= illum * cast[c];
		}
	}
	for (int i = 0; i < r->n_hl; i++) {
		const Highlight *h = &r->hl[i];
		double r2 = 1.0 / (h->r * h->r);

		for (int y = MAX(h->by0, y0); y < MIN(h->by1, y1); y++) {
			float *row = buf + (gsize) (y - y0) * bw * 3;
			double dy = y + 0.5 - h->y;

			for (int x = MAX(h->bx0, -r->halo); x < MIN(h->bx1, r->w + r->halo);
				 x++) {
				double dx = x + 0.5 - h->x;
				float p =
					(float) h->amp * profile(r, 0, (dx * dx + dy * dy) * r2);

				for (int c = 0; c < 3; c++)
					row[3 * (x + r->halo) + c] += p * cast[c] * spec;
			}
		}
	}
}

static inline guchar
encode(const Render *r, float v, double noise)
{
	double t, e;
	int i;

	v = CLAMP(v, 0.0f, 1.0f);
	t = v * ENC_N;
	i = MIN((int) t, ENC_N - 1);
	e = r->enc[i] + (t - i) * (r->enc[i + 1] - r->enc[i]);
	e += noise * (0.55 + 0.45 * sqrt(e / 128.0));
	e = floor(e + 0.5);
	return (guchar) CLAMP(e, 0.0, 255.0);
}

/* @buf (rows y0 - halo .. y1 + halo) through the separable Gaussian
 * @kernel of half-width @kh (<= halo) into @dst rows [y0, y1) (same
 * layout as @buf, columns 0..w - 1 only), by way of @tmp.
 */
static void
blur_band(const Render *r, const float *kernel, int kh, const float *buf,
	float *tmp, float *dst, int bw, int y0, int y1)
{
	int h = r->halo;

	for (int y = y0; y < y1; y++)
		for (int xi = 0; xi < bw * 3; xi++) {
			float acc = 0.0f;

			for (int k = -kh; k <= kh; k++)
				acc += kernel[k + kh] *
					buf[(gsize) (y - y0 + h + k) * bw * 3 + xi];
			tmp[(gsize) (y - y0) * bw * 3 + xi] = acc;
		}
	for (int y = y0; y < y1; y++)
		for (int x = 0; x < r->w; x++)
			for (int c = 0; c < 3; c++) {
				float acc = 0.0f;

				for (int k = -kh; k <= kh; k++)
					acc += kernel[k + kh] *
						tmp[((gsize) (y - y0) * bw + x + h + k) * 3 + c];
				dst[((gsize) (y - y0) * bw + x + h) * 3 + c] = acc;
			}
}

/* Defocus across the frame: the centre's blur and the corners' blended
 * by the squared distance from the centre (0 there, 1 at the corners).
 * @edge holds rows [y0, y1) blurred with the corners' kernel.
 */
static void
blend_defocus(
	const Render *r, float *buf, const float *edge, int bw, int y0, int y1)
{
	double cx = r->w / 2.0, cy = r->h / 2.0;
	double d2 = cx * cx + cy * cy;

	for (int y = y0; y < y1; y++) {
		double dy = y + 0.5 - cy;

		for (int x = 0; x < r->w; x++) {
			double dx = x + 0.5 - cx;
			float t = (float) ((dx * dx + dy * dy) / d2);
			gsize at = ((gsize) (y - y0) * bw + x + r->halo) * 3;

			for (int c = 0; c < 3; c++)
				buf[at + c] += t * (edge[at + c] - buf[at + c]);
		}
	}
}

/* Blur (optics), then encode with sensor noise, rows [y0, y1). @buf
 * holds rows y0 - halo .. y1 + halo; the blur leaves row y at buf row
 * y - y0 (the halo rows are no longer needed).
 */
static void
finish_band(const Render *r, float *buf, float *tmp, float *edge, int bw,
	int y0, int y1)
{
	const SynthView *v = r->view;
	int h = r->halo;
	guint64 seed = synth_key(v->photo_seed, 12);

	if (r->edge_varies)
		blur_band(r, r->kernel_edge, r->edge_halo, buf, tmp, edge, bw, y0, y1);
	if (h > 0)
		blur_band(r, r->kernel, r->centre_halo, buf, tmp, buf, bw, y0, y1);
	if (r->edge_varies)
		blend_defocus(r, buf, edge, bw, y0, y1);
	for (int y = y0; y < y1; y++) {
		const float *row = buf + (gsize) (y - y0) * bw * 3;
		guchar *out = r->out + (gsize) y * r->w * 3;

		for (int x = 0; x < r->w; x++) {
			const float *px = row + 3 * (x + h);
			guint64 h1 = synth_mix(seed ^ (((guint64) y << 32) | (guint) x));
			guint64 h2 = synth_mix(h1 + 0x632be59bd9b4e019ULL);
			double g = ((double) (h1 & 0xffff) + ((h1 >> 16) & 0xffff) +
						   ((h1 >> 32) & 0xffff) + (h1 >> 48)) /
					65536.0 -
				2.0;
			double lum = v->noise_sigma * 0.8 * 1.7320508 * g;

			for (int c = 0; c < 3; c++) {
				double u = ((h2 >> (21 * c)) & 0x1fffff) * 0x1.0p-21 - 0.5;

				out[3 * x + c] = encode(
					r, px[c], lum + v->noise_sigma * 0.6 * 3.4641016 * u);
			}
		}
	}
}

static gpointer
worker(gpointer data)
{
	Render *r = data;
	int bw = r->w + 2 * r->halo;
	gsize rows = BAND_ROWS + 2 * r->halo;
	float *buf = g_new(float, rows *bw * 3);
	float *tmp = g_new(float, rows *bw * 3);
	float *edge = r->edge_varies ? g_new(float, rows *bw * 3) : NULL;
	int b;

	while ((b = g_atomic_int_add(&r->next_band, 1)) < r->n_bands) {
		int y0 = b * BAND_ROWS, y1 = MIN(y0 + BAND_ROWS, r->h);
		int by0 = y0 - r->halo, by1 = y1 + r->halo;
		GArray *bucket = r->buckets[b];

		paint_skin(r, buf, bw, by0, by1);
		for (guint i = 0; i < bucket->len; i++)
			paint_spot(r, &r->spots[g_array_index(bucket, guint, i)], buf, bw,
				by0, by1);
		paint_card(r, buf, bw, by0, by1);
		paint_light(r, buf, bw, by0, by1);
		finish_band(r, buf, tmp, edge, bw, y0, y1);
	}
	g_free(buf);
	g_free(tmp);
	g_free(edge);
	return NULL;
}

/* A normalised Gaussian of @sigma px into @k; returns its half-width
 * (at most 31), 0 with k = {1} when @sigma is too small to matter.
 */
static int
gaussian_kernel(double sigma, float *k)
{
	double sum = 0;
	int h;

	if (sigma < 0.05) {
		k[0] = 1.0f;
		return 0;
	}
	h = MIN((int) ceil(3.0 * sigma), 31);
	for (int i = -h; i <= h; i++)
		sum += exp(-0.5 * i * i / (sigma * sigma));
	for (int i = -h; i <= h; i++)
		k[i + h] = (float) (exp(-0.5 * i * i / (sigma * sigma)) / sum);
	return h;
}

static void
setup(Render *r)
{
	const SynthView *v = r->view;
	int tone = CLAMP(v->skin_tone, 0, SMP_SYNTH_TONES - 1);
	double det = fabs(v->a[0] * v->a[4] - v->a[1] * v->a[3]);
	static const double scales[2] = {0.38, 0.13}, amps[2] = {0.07, 0.05};

	r->w = v->width;
	r->h = v->height;
	r->ppm = 1.0 / sqrt(det);
	for (int c = 0; c < 3; c++)
		r->skin[c] = (float) synth_srgb_to_linear(tone_srgb[tone][c]);
	/* Fine octaves finer than about two pixels alias into grain: fade. */
	for (int o = 0; o < 2; o++) {
		double px = scales[o] * r->ppm;

		r->fine_scale[o] = scales[o];
		r->fine_amp[o] = amps[o] * CLAMP(px - 1.0, 0.0, 1.0);
	}
	r->centre_halo = gaussian_kernel(v->blur_px, r->kernel);
	r->edge_halo = gaussian_kernel(v->blur_edge_px, r->kernel_edge);
	r->edge_varies = v->blur_edge_px != v->blur_px;
	r->halo =
		r->edge_varies ? MAX(r->centre_halo, r->edge_halo) : r->centre_halo;
}

VipsImage *
synth_render_view(const SynthScene *scene, const SynthView *view,
	SmpSynthTruth **truth, GError **error)
{
	Render r = {scene, view};
	SmpSynthTruth *t = NULL;
	GThread *threads[MAX_THREADS];
	int n_threads;
	VipsImage *image;

	setup(&r);
	build_luts(&r);
	build_grid(&r);
	if (truth) {
		t = g_new0(SmpSynthTruth, 1);
		t->dots = g_array_new(FALSE, FALSE, sizeof(SmpSynthDot));
		t->distractors = g_array_new(FALSE, FALSE, sizeof(SmpSynthDot));
		t->width = r.w;
		t->height = r.h;
		t->px_per_mm = r.ppm;
		t->blur_px = view->blur_px;
		t->blur_edge_px = view->blur_edge_px;
	}
	build_spots(&r, t);
	build_highlights(&r, t);
	build_buckets(&r);
	r.out = g_malloc((gsize) r.w * r.h * 3);

	/* Bands are independent and every pixel is a pure function of its
	 * coordinates, so the thread count (libvips' concurrency setting)
	 * cannot change a byte.
	 */
	n_threads = CLAMP(vips_concurrency_get(), 1, MAX_THREADS);
	n_threads = MIN(n_threads, r.n_bands);
	for (int i = 1; i < n_threads; i++)
		threads[i] = g_thread_new("synth", worker, &r);
	worker(&r);
	for (int i = 1; i < n_threads; i++)
		g_thread_join(threads[i]);

	image = vips_image_new_from_memory_copy(
		r.out, (gsize) r.w * r.h * 3, r.w, r.h, 3, VIPS_FORMAT_UCHAR);
	if (!image)
		smp_error_from_vips(error, SMP_ERROR_INTERNAL, NULL, "synth");
	else
		image->Type = VIPS_INTERPRETATION_sRGB;

	for (int b = 0; b < r.n_bands; b++)
		g_array_free(r.buckets[b], TRUE);
	g_free(r.buckets);
	g_free(r.spots);
	g_free(r.hl);
	g_free(r.grid);
	g_free(r.lut);
	g_free(r.enc);
	g_free(r.out);
	if (!image) {
		smp_synth_truth_free(t);
		return NULL;
	}
	if (truth)
		*truth = t;
	return image;
}
