/* The merged-dot read (merged_read.h): per dot, its depth, half-depth radius
 * and fitted centre, then found pairs by a saddle test and hidden
 * partners by a lobe or an elongated footprint. The constants are the
 * research harness's setting F (bench/probe_merged/NOTES.md), each with
 * its reason; change one only with the 54-scene check of
 * bench/probe_merged/port-wip/README.md.
 * SPDX-License-Identifier: MIT
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "smpdoc/error.h"
#include "merged_read.h"
#include "smpdoc/photo.h"

#ifdef __SSE2__
#include <emmintrin.h>
#endif

/* --- tuned constants (setting F), each with its physical reason ---------- */
#define RING_IN_K 2.2 /* background ring 2.2 r + 1.5 .. 3 r + 4: past a */
#define RING_IN_P 1.5 /* dot's blur and a same-size neighbour's core, */
#define RING_OUT_K 3.0 /* before the next dot at the usual spacing */
#define RING_OUT_P 4.0
#define CORE_K 0.35 /* depth = mean over the core, at least 0.8 px */
#define REACH_K 4.5 /* the read reaches 4.5 r + 4: a partner up to */
#define REACH_P 4.0 /* 1.33x the dot at the merge margin fits inside */
#define NRAY 16 /* half-depth radius: median of 16 ray lengths */
#define FIT_RAYS 32 /* circle fit to half-depth crossings on rays */
#define FIT_K 1.5 /* facing away (> 60 deg) from any neighbour */
#define FIT_COS 0.5 /* within 1.5 (r1 + r2) + 2: a touching partner */
#define MASK_K 2.0 /* lobe samples within 2 r_j + 2 of a detected */
#define MASK_P 2.0 /* neighbour are that neighbour, not a partner */
#define LOBE_RAYS 24
#define LOBE_STEP 0.5 /* px between lobe samples along a ray */
#define LOBE_NT 64
#define LOBE_SMOOTH_T 1 /* the peak is smoothed over 3 rays x 3 samples */
#define LOBE_SNR 2.6 /* peak >= 2.6 x residual noise (MAD) */
#define LOBE_DEPTH 0.2 /* and >= 0.2 of the dot's depth: ink, not skin */
#define LOBE_MIN_W 2.5 /* half-peak width >= 2.5 px on both axes: a */
/* dot of dmin 0.15 mm at 20 px/mm is 3 px; a hair shaft is ~1.5 px */
#define LOBE_MAX_W_K 2.6 /* width across <= 2.6 rh + 1: a partner from */
#define LOBE_MAX_W_P 1.0 /* the same needle is <= 1.33x; wider is shading */
#define LOBE_MS (-1.0) /* lobe 1 px nearer than the merge rule allows: */
/* near-misses at gaps of 2-5 px were the largest lone false group */
#define ELONG_ASPECT 1.6 /* footprint aspect >= 1.6 ... */
#define ELONG_ASPECT_MAX 2.6 /* ... <= 2.6: two touching discs of ratio */
/* <= 1.33 at <= 1.2 (r1 + r2) reach ~2.6; a hair is longer */
#define ELONG_MIN_W 3.0 /* minor width >= 3 px (dmin), not a hair */
#define ELONG_FILL 0.85 /* area >= 0.85 of the moment ellipse: solid */
#define ELONG_SYM 0.8 /* both ends as wide: a follicle + hair has one */
/* thin end */
#define SADDLE_CAND 3.0 /* pairs with fitted gap < margin + 3 px */
#define SADDLE_WITH_RULE 0.45 /* merged: rule holds and saddle >= 0.45 */
#define SADDLE_ALONE 0.7 /* or ink joins them at 70% of the depth */

#define GRID_CELL 32.0 /* px: the neighbour grid's cell */
#define CHUNK 256 /* dots a thread takes at a time */
#define MAX_THREADS 64

/* h10h: the knobs tried against JPEG, set at run time by check's VARIANTS
 * (merged_read.h); their defaults are setting F (every new test off). */
MergedKnobs merged_knobs = {.snr = LOBE_SNR,
	.depth = LOBE_DEPTH,
	.minw = LOBE_MIN_W,
	.ms = LOBE_MS,
	.asp_min = ELONG_ASPECT,
	.sym = ELONG_SYM};

typedef struct Img {
	const guint8 *g;
	int w, h;
	gsize stride;
	float lut[256]; /* sRGB 8-bit -> linear 0..255 */
} Img;

static inline double
px(const Img *im, int x, int y)
{
	x = CLAMP(x, 0, im->w - 1);
	y = CLAMP(y, 0, im->h - 1);
	return im->lut[im->g[(gsize) y * im->stride + (gsize) x]];
}

/* floor() as an int without the libm call (-O2 without SSE4.1 has no
 * inline rounding): the same value for |v| < 2^31; bil's floor was a
 * third of its instructions. */
static inline int
ifloor(double v)
{
	int i = (int) v;

	return i - (v < i);
}

static inline double
bil(const Img *im, double x, double y)
{
	double sx = x - 0.5, sy = y - 0.5;
	int ix = ifloor(sx), iy = ifloor(sy);
	double fx = sx - ix, fy = sy - iy;

	if (ix >= 0 && iy >= 0 && ix + 1 < im->w && iy + 1 < im->h) {
		/* inside: no clamping (the same four pixels) */
		const guint8 *p = im->g + (gsize) iy * im->stride + (gsize) ix;
		const guint8 *q = p + im->stride;

		return (1 - fx) * (1 - fy) * im->lut[p[0]] +
			fx * (1 - fy) * im->lut[p[1]] + (1 - fx) * fy * im->lut[q[0]] +
			fx * fy * im->lut[q[1]];
	}
	return (1 - fx) * (1 - fy) * px(im, ix, iy) +
		fx * (1 - fy) * px(im, ix + 1, iy) +
		(1 - fx) * fy * px(im, ix, iy + 1) + fx * fy * px(im, ix + 1, iy + 1);
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *) a, y = *(const double *) b;

	return (x > y) - (x < y);
}

/* Batcher's odd-even merge sorting network of the 24 lobe rays (the
 * comparator pairs, built once): branch-free min/max, no sort per radius.
 */
#define NET_MAX 256
static int net_n;
static guint8 net_a[NET_MAX], net_b[NET_MAX];

static void
net_build(int n)
{
	int m = 0;

	for (int p = 1; p < n; p <<= 1)
		for (int k = p; k >= 1; k >>= 1)
			for (int j = k % p; j + k < n; j += 2 * k)
				for (int i = 0; i < MIN(k, n - j - k); i++)
					if ((i + j) / (2 * p) == (i + j + k) / (2 * p)) {
						g_assert(m < NET_MAX);
						net_a[m] = (guint8) (i + j);
						net_b[m++] = (guint8) (i + j + k);
					}
	net_n = m;
}

/* The per-radius medians over the rays (rank n / 2 of a radius' n
 * unmasked samples, 0 when none), every radius at once: the network runs
 * over whole rows, and a radius with m masked rays gets 12 - n / 2 of them
 * as -inf and the rest as +inf, so that its rank n / 2 is rank 12 of 24.
 */
static void
ray_medians(double P[LOBE_RAYS][LOBE_NT], int nt, double *med)
{
	static _Thread_local double V[LOBE_RAYS][LOBE_NT];
	int nf[LOBE_NT] = {0}, lowpad[LOBE_NT];

	for (int k = 0; k < LOBE_RAYS; k++)
		for (int it = 0; it < nt; it++)
			nf[it] += isfinite(P[k][it]);
	for (int it = 0; it < nt; it++)
		lowpad[it] = LOBE_RAYS / 2 - nf[it] / 2;
	for (int k = 0; k < LOBE_RAYS; k++)
		for (int it = 0; it < nt; it++) {
			double v = P[k][it];

			if (!isfinite(v))
				v = lowpad[it]-- > 0 ? -INFINITY : INFINITY;
			V[k][it] = v;
		}
	for (int c = 0; c < net_n; c++) {
		double *va = V[net_a[c]], *vb = V[net_b[c]];

		int it = 0;

#ifdef __SSE2__
		/* minpd(a, b) is a < b ? a : b and maxpd(b, a) is b > a ? b :
		 * a: the same values as the scalar lines, two radii at once. */
		for (; it + 2 <= nt; it += 2) {
			__m128d a = _mm_loadu_pd(va + it), b = _mm_loadu_pd(vb + it);

			_mm_storeu_pd(va + it, _mm_min_pd(a, b));
			_mm_storeu_pd(vb + it, _mm_max_pd(b, a));
		}
#endif
		for (; it < nt; it++) {
			double a = va[it], b = vb[it];

			va[it] = a < b ? a : b;
			vb[it] = a < b ? b : a;
		}
	}
	for (int it = 0; it < nt; it++)
		med[it] = nf[it] ? V[LOBE_RAYS / 2][it] : 0;
}

/* The element of rank n / 2 (what qsort then v[n / 2] gives), by
 * quickselect: the ring and residual medians were half the read's cost.
 */
static double
median_inplace(double *v, int n)
{
	int lo = 0, hi = n - 1, k = n / 2;

	while (lo < hi) {
		double piv = v[lo + (hi - lo) / 2];
		int i = lo, j = hi;

		while (i <= j) {
			while (v[i] < piv)
				i++;
			while (v[j] > piv)
				j--;
			if (i <= j) {
				double t = v[i];

				v[i++] = v[j];
				v[j--] = t;
			}
		}
		if (k <= j)
			hi = j;
		else if (k >= i)
			lo = i;
		else
			break;
	}
	return v[k];
}

/* Ray directions, computed once with the same expressions as per ray. */
static double ray_cos[NRAY], ray_sin[NRAY], fit_cos[FIT_RAYS],
	fit_sin[FIT_RAYS], lobe_cos[LOBE_RAYS], lobe_sin[LOBE_RAYS];

static void
ray_tables(void)
{
	for (int k = 0; k < NRAY; k++) {
		ray_cos[k] = cos(k * 2 * G_PI / NRAY);
		ray_sin[k] = sin(k * 2 * G_PI / NRAY);
	}
	for (int k = 0; k < FIT_RAYS; k++) {
		double a = k * 2 * G_PI / FIT_RAYS;

		fit_cos[k] = cos(a);
		fit_sin[k] = sin(a);
	}
	for (int k = 0; k < LOBE_RAYS; k++) {
		lobe_cos[k] = cos(k * 2 * G_PI / LOBE_RAYS);
		lobe_sin[k] = sin(k * 2 * G_PI / LOBE_RAYS);
	}
}

/* --- neighbour lists from a spatial grid ---------------------------------- */

typedef struct Grid {
	double cell;
	int cols, rows;
	guint32 *start; /* cols * rows + 1 */
	guint32 *idx;
} Grid;

static void
grid_build(Grid *g, const double *x, const double *y, gsize n, int w, int h,
	double cell)
{
	g->cell = cell;
	g->cols = MAX(1, (int) ceil(w / cell));
	g->rows = MAX(1, (int) ceil(h / cell));
	g->start = g_new0(guint32, (gsize) g->cols * g->rows + 1);
	g->idx = g_new(guint32, MAX(n, 1));
	g_autofree guint32 *cellof = g_new(guint32, MAX(n, 1));
	g_autofree guint32 *fill = g_new0(guint32, (gsize) g->cols * g->rows);

	for (gsize k = 0; k < n; k++) {
		int c = CLAMP((int) (x[k] / cell), 0, g->cols - 1);
		int r = CLAMP((int) (y[k] / cell), 0, g->rows - 1);

		cellof[k] = (guint32) (r * g->cols + c);
		g->start[cellof[k] + 1]++;
	}
	for (int q = 0; q < g->cols * g->rows; q++)
		g->start[q + 1] += g->start[q];
	for (gsize k = 0; k < n; k++)
		g->idx[g->start[cellof[k]] + fill[cellof[k]]++] = (guint32) k;
}

static void
grid_free(Grid *g)
{
	g_free(g->start);
	g_free(g->idx);
}

#define MAX_NBR 64

/* Detected neighbours whose box test matches the harness: |dx|, |dy| <
 * reach + 2 r_j + 3.
 */
static int
neighbours(const Grid *g, const SmpDot *d, gsize self, double reach,
	double rmax, guint32 *out)
{
	double box = reach + 2 * rmax + 3;
	int c0 = MAX(0, (int) ((d[self].x - box) / g->cell));
	int c1 = MIN(g->cols - 1, (int) ((d[self].x + box) / g->cell));
	int r0 = MAX(0, (int) ((d[self].y - box) / g->cell));
	int r1 = MIN(g->rows - 1, (int) ((d[self].y + box) / g->cell));
	int nn = 0;

	for (int r = r0; r <= r1; r++)
		for (int c = c0; c <= c1; c++) {
			int q = r * g->cols + c;

			for (guint32 s = g->start[q]; s < g->start[q + 1] && nn < MAX_NBR;
				 s++) {
				guint32 j = g->idx[s];
				double lim = reach + 2 * d[j].r + 3;

				if (j != self && fabs(d[j].x - d[self].x) < lim &&
					fabs(d[j].y - d[self].y) < lim)
					out[nn++] = j;
			}
		}
	return nn;
}

/* --- the per-dot read ----------------------------------------------------- */

typedef struct Nb {
	const SmpDot *d; /* the dot */
	const SmpDot *all; /* every detected dot: nbr indexes these */
	const guint32 *nbr;
	int nn;
} Nb;

/* Background (ring median) and depth (background minus the core mean). */
static gboolean
read_depth(const Img *im, const SmpDot *d, SmpDotRead *o)
{
	double r = d->r, rin = RING_IN_K * r + RING_IN_P;
	double rout = RING_OUT_K * r + RING_OUT_P, core = MAX(0.8, CORE_K * r);
	/* only the ring's box: the harness scanned the whole reach */
	int x0 = (int) floor(d->x - rout), x1 = (int) ceil(d->x + rout);
	int y0 = (int) floor(d->y - rout), y1 = (int) ceil(d->y + rout);
	guint32 hist[256] = {0};
	int nr = 0, nc = 0, code = 0;
	double cen = 0;

	for (int y = MAX(y0, 0); y <= MIN(y1, im->h - 1); y++) {
		double dy = y + 0.5 - d->y, so2 = rout * rout - dy * dy;
		double si2 = rin * rin - dy * dy;
		/* Per row, only the pixels near the ring's two spans and the
		 * core's are tested (the same tests): the hole was most of the
		 * box. */
		int xa = MAX(x0, 0), xb = MIN(x1, im->w - 1), ha = xb + 1, hb = xb;

		if (so2 < 0)
			continue;
		xa = MAX(xa, (int) floor(d->x - 0.5 - sqrt(so2)) - 1);
		xb = MIN(xb, (int) ceil(d->x - 0.5 + sqrt(so2)) + 1);
		if (si2 > 0) {
			double si = sqrt(si2);

			ha = MAX(xa, (int) floor(d->x - 0.5 - si) + 2);
			hb = MIN(xb, (int) ceil(d->x - 0.5 + si) - 2);
		}
		for (int x = xa; x <= xb; x++) {
			if (x == ha && hb >= ha) {
				x = hb;
				continue;
			}
			double dx = x + 0.5 - d->x, q2 = dx * dx + dy * dy;

			if (q2 >= rin * rin && q2 <= rout * rout) {
				hist[im->g[(gsize) y * im->stride + (gsize) x]]++;
				nr++;
			}
		}
		if (fabs(dy) < core)
			for (int x = MAX(xa, (int) floor(d->x - core) - 1);
				 x <= MIN(xb, (int) ceil(d->x + core) + 1); x++) {
				double dx = x + 0.5 - d->x, q2 = dx * dx + dy * dy;

				if (q2 < core * core) {
					cen += px(im, x, y);
					nc++;
				}
			}
	}
	if (nr < 8)
		return FALSE;
	/* The median of the 8-bit codes through the (monotonic) LUT is the
	 * median of the linear values: a histogram, not a sort. */
	for (guint32 seen = 0; code < 256; code++)
		if ((seen += hist[code]) > (guint32) (nr / 2))
			break;
	o->bg = im->lut[code];
	if (nc == 0) {
		cen = px(im, (int) d->x, (int) d->y);
		nc = 1;
	}
	o->depth = (float) (o->bg - cen / nc);
	return o->depth > 0;
}

/* Half-depth radius: the median of NRAY ray lengths to half the depth. */
static double
read_radius(const Img *im, const SmpDot *d, double reach, const SmpDotRead *o)
{
	double len[NRAY];

	for (int k = 0; k < NRAY; k++) {
		double ca = ray_cos[k], sa = ray_sin[k], t;

		for (t = 0.5; t < reach; t += 0.5)
			if (o->bg - bil(im, d->x + t * ca, d->y + t * sa) < 0.5 * o->depth)
				break;
		len[k] = t - 0.25;
	}
	qsort(len, NRAY, sizeof *len, cmp_double);
	return 0.5 * (len[NRAY / 2 - 1] + len[NRAY / 2]);
}

/* Solve the 3x3 system of a Kasa circle fit (Gauss-Jordan, pivoting). */
static gboolean
kasa_solve(double M[3][4], double *cx, double *cy, double *rr)
{
	for (int c = 0; c < 3; c++) {
		int p = c;

		for (int r = c + 1; r < 3; r++)
			if (fabs(M[r][c]) > fabs(M[p][c]))
				p = r;
		for (int k = 0; k < 4; k++) {
			double t = M[c][k];

			M[c][k] = M[p][k];
			M[p][k] = t;
		}
		for (int r = 0; r < 3; r++)
			if (r != c && fabs(M[c][c]) > 1e-12) {
				double f = M[r][c] / M[c][c];

				for (int k = 0; k < 4; k++)
					M[r][k] -= f * M[c][k];
			}
	}
	if (fabs(M[0][0]) < 1e-12 || fabs(M[1][1]) < 1e-12 || fabs(M[2][2]) < 1e-12)
		return FALSE;
	*cx = -M[0][3] / M[0][0] / 2;
	*cy = -M[1][3] / M[1][1] / 2;
	*rr = *cx * *cx + *cy * *cy - M[2][3] / M[2][2];
	return TRUE;
}

/* The neighbours near enough to face (within FIT_K (r1 + r2) + 2), found
 * once per dot: the test per ray and neighbour, with a hypot each, was 5%
 * of the read.
 */
typedef struct Near {
	int n;
	double ox[MAX_NBR], oy[MAX_NBR], od[MAX_NBR];
} Near;

static void
near_neighbours(const Nb *nb, Near *nr)
{
	nr->n = 0;
	for (int q = 0; q < nb->nn; q++) {
		const SmpDot *o = &nb->all[nb->nbr[q]];
		double ox = o->x - nb->d->x, oy = o->y - nb->d->y, od = hypot(ox, oy);

		if (od < FIT_K * (nb->d->r + o->r) + 2) {
			nr->ox[nr->n] = ox;
			nr->oy[nr->n] = oy;
			nr->od[nr->n++] = od;
		}
	}
}

static gboolean
ray_faces_neighbour(const Near *nr, double ca, double sa)
{
	for (int q = 0; q < nr->n; q++)
		if (nr->ox[q] * ca + nr->oy[q] * sa > FIT_COS * nr->od[q])
			return TRUE;
	return FALSE;
}

/* Fitted centre: a circle through the half-depth crossings on rays facing
 * away from neighbours (the detector's centres of a merged pair sit 0.24
 * px too far apart).
 */
static void
read_centre(const Img *im, const Nb *nb, double reach, SmpDotRead *o)
{
	const SmpDot *d = nb->d;
	double s[8] = {0}; /* x y xx yy xy xz yz z */
	int n = 0;

	Near nr;

	near_neighbours(nb, &nr);
	o->fx = (float) d->x;
	o->fy = (float) d->y;
	for (int k = 0; k < FIT_RAYS; k++) {
		double ca = fit_cos[k], sa = fit_sin[k];
		double prev = o->depth, tc = -1;

		if (ray_faces_neighbour(&nr, ca, sa))
			continue;
		for (double t = 0.25; t < reach; t += 0.25) {
			double dk = o->bg - bil(im, d->x + t * ca, d->y + t * sa);

			if (dk < 0.5 * o->depth) {
				tc = t - 0.25 * (0.5 * o->depth - dk) / MAX(prev - dk, 1e-9);
				break;
			}
			prev = dk;
		}
		if (tc <= 0)
			continue;
		double X = tc * ca, Y = tc * sa, Z = X * X + Y * Y;

		s[0] += X, s[1] += Y, s[2] += X * X, s[3] += Y * Y, s[4] += X * Y;
		s[5] += X * Z, s[6] += Y * Z, s[7] += Z, n++;
	}
	if (n < 10)
		return;
	double M[3][4] = {{s[2], s[4], s[0], -s[5]}, {s[4], s[3], s[1], -s[6]},
		{s[0], s[1], (double) n, -s[7]}};
	double cx, cy, rr;

	if (kasa_solve(M, &cx, &cy, &rr) && rr > 0 &&
		hypot(cx, cy) < 0.5 * sqrt(rr) + 1.5) {
		o->fx = (float) (d->x + cx);
		o->fy = (float) (d->y + cy);
	}
}

/* The lobe test's polar grid: depth samples, NAN where masked. */
static int
lobe_grid(const Img *im, const Nb *nb, double reach, const SmpDotRead *o,
	double P[LOBE_RAYS][LOBE_NT])
{
	const SmpDot *d = nb->d;
	int nt = MIN(LOBE_NT, (int) (reach / LOBE_STEP));

	for (int k = 0; k < LOBE_RAYS; k++) {
		double ca = lobe_cos[k], sa = lobe_sin[k];
		double lo[MAX_NBR], hi[MAX_NBR];
		int ni = 0;

		/* The t interval each neighbour's mask disc cuts from the ray
		 * (was a test per sample and neighbour: a sixth of the cost). */
		for (int q = 0; q < nb->nn; q++) {
			const SmpDot *n2 = &nb->all[nb->nbr[q]];
			double ox = n2->x - d->x, oy = n2->y - d->y,
				   rr = MASK_K * n2->r + MASK_P;
			double b = ox * ca + oy * sa, c = ox * ox + oy * oy - rr * rr;

			if (b * b - c > 0) {
				lo[ni] = b - sqrt(b * b - c);
				hi[ni++] = b + sqrt(b * b - c);
			}
		}
		/* Each interval marks its samples (the same test t > lo and
		 * t < hi, run only on the samples near it). */
		guint8 masked[LOBE_NT] = {0};

		for (int q = 0; q < ni; q++) {
			int a = MAX(0, (int) (lo[q] / LOBE_STEP) - 2);
			int b = MIN(nt - 1, (int) (hi[q] / LOBE_STEP) + 1);

			if (hi[q] <= 0)
				continue;
			for (int it = a; it <= b; it++) {
				double t = LOBE_STEP * (it + 1);

				masked[it] |= t > lo[q] && t < hi[q];
			}
		}
		for (int it = 0; it < nt; it++) {
			double t = LOBE_STEP * (it + 1), x = d->x + t * ca,
				   y = d->y + t * sa;

			/* masked samples are not read at all */
			P[k][it] = NAN;
			if (masked[it] || x < 0.5 || y < 0.5 || x > im->w - 0.5 ||
				y > im->h - 0.5)
				continue;
			P[k][it] = o->bg - bil(im, x, y);
		}
	}
	return nt;
}

/* Half-peak width of the lobe's residual on a line through (lx, ly). */
static double
lobe_width(const Img *im, const SmpDot *d, const SmpDotRead *o,
	const double *med, int nt, double lx, double ly, double vx, double vy)
{
	double prof[41], pk = -1e9;
	int pc = 20, a, b;

	for (int q = 0; q < 41; q++) {
		double so = (q - 20) * 0.5, x = lx + so * vx, y = ly + so * vy;
		double ti = hypot(x - d->x, y - d->y) / LOBE_STEP - 1, mm;
		int i0 = (int) floor(ti);

		if (i0 < 0)
			mm = med[0];
		else if (i0 >= nt - 1)
			mm = med[nt - 1];
		else
			mm = med[i0] + (ti - i0) * (med[i0 + 1] - med[i0]);
		prof[q] = o->bg - bil(im, x, y) - mm;
		if (x < 0.5 || y < 0.5 || x > im->w - 0.5 || y > im->h - 0.5)
			prof[q] = -1e9;
	}
	for (int q = 16; q <= 24; q++)
		if (prof[q] > pk) {
			pk = prof[q];
			pc = q;
		}
	for (a = pc; a > 0 && prof[a - 1] >= 0.5 * pk; a--)
		;
	for (b = pc; b < 40 && prof[b + 1] >= 0.5 * pk; b++)
		;
	return (b - a + 1) * 0.5;
}

/* The residual of the polar grid (each sample minus its radius' median
 * over the rays) in @P, and in @Q with a masked sample as -1e3 for the
 * smoothing.
 */
static void
lobe_residual(double P[LOBE_RAYS][LOBE_NT], double Q[LOBE_RAYS][LOBE_NT],
	const double *med, int nt)
{
	for (int k = 0; k < LOBE_RAYS; k++)
		for (int it = 0; it < nt; it++) {
			P[k][it] -= med[it];
			Q[k][it] = isfinite(P[k][it]) ? P[k][it] : -1e3;
		}
}

/* The 3x3-smoothed residual of ray @k at radii @t0 .. @t1 into @S. */
static void
lobe_smooth_ray(double Q[LOBE_RAYS][LOBE_NT], int k, int t0, int t1, double *S)
{
	const double *row[3] = {
		Q[(k + LOBE_RAYS - 1) % LOBE_RAYS], Q[k], Q[(k + 1) % LOBE_RAYS]};
	int it = t0;

#ifdef __SSE2__
	/* two radii at once, each summed in the scalar loop's order */
	for (; it + 1 <= t1; it += 2) {
		__m128d s3 = _mm_setzero_pd();

		for (int dk = 0; dk < 3; dk++)
			for (int dt = -LOBE_SMOOTH_T; dt <= LOBE_SMOOTH_T; dt++)
				s3 = _mm_add_pd(s3, _mm_loadu_pd(row[dk] + it + dt));
		_mm_storeu_pd(
			S + it, _mm_div_pd(s3, _mm_set1_pd(3 * (2 * LOBE_SMOOTH_T + 1))));
	}
#endif
	for (; it <= t1; it++) {
		double s3 = 0;

		for (int dk = 0; dk < 3; dk++)
			for (int dt = -LOBE_SMOOTH_T; dt <= LOBE_SMOOTH_T; dt++)
				s3 += row[dk][it + dt];
		S[it] = s3 / (3 * (2 * LOBE_SMOOTH_T + 1));
	}
}

/* The first maximum of the smoothed residual over the rays and the radii
 * @t0 .. @t1: its value, ray @bk and radius index @bt.
 */
static double
lobe_peak(double Q[LOBE_RAYS][LOBE_NT], int t0, int t1, int *bk, int *bt,
	double SS[LOBE_RAYS][LOBE_NT])
{
	double best = -1e9;

	*bk = *bt = 0;
	t0 = MAX(t0, 1);
	for (int k = 0; k < LOBE_RAYS; k++) {
		double *S = SS[k];

		lobe_smooth_ray(Q, k, t0, t1, S);
		for (int it = t0; it <= t1; it++)
			if (S[it] > best) {
				best = S[it];
				*bk = k;
				*bt = it;
			}
	}
	return best;
}

/* The residual's noise over radii @t0 .. @t1: 1.4826 x its MAD about 0. */
static double
lobe_noise(double P[LOBE_RAYS][LOBE_NT], int t0, int t1)
{
	double all[LOBE_RAYS * LOBE_NT];
	int na = 0;

	for (int k = 0; k < LOBE_RAYS; k++)
		for (int it = t0; it <= t1; it++)
			if (isfinite(P[k][it]))
				all[na++] = fabs(P[k][it]);
	return na ? 1.4826 * median_inplace(all, na) : 0;
}

/* h10h: the noise of the smoothed residual itself (1.4826 x its MAD about
 * 0 over radii @t0 .. @t1, smoothed values touching a masked sample left
 * out): JPEG's error is correlated over a block, so the 3x3 smoothing
 * that averages white noise down keeps it; the peak is measured smoothed,
 * so its reference should be too. */
static double
lobe_noise_smoothed(double SS[LOBE_RAYS][LOBE_NT], int t0, int t1)
{
	double all[LOBE_RAYS * LOBE_NT];
	int na = 0;

	t0 = MAX(t0, 1);
	for (int k = 0; k < LOBE_RAYS; k++)
		for (int it = t0; it <= t1; it++)
			if (SS[k][it] > -50)
				all[na++] = fabs(SS[k][it]);
	return na ? 1.4826 * median_inplace(all, na) : 0;
}

/* h10h: the lobe against the dot's own other angles: the maxima of the
 * smoothed residual per ray, rays within 3 of @bk left out; returns how
 * many robust sds (1.4826 MAD) the peak @best stands above their median
 * (a JPEG ring around the dot lifts every angle, a partner one side). */
static double
lobe_ray_null(
	double SS[LOBE_RAYS][LOBE_NT], int t0, int t1, int bk, double best)
{
	double m[LOBE_RAYS], dev[LOBE_RAYS];
	int nm = 0;

	t0 = MAX(t0, 1);
	for (int k = 0; k < LOBE_RAYS; k++) {
		int dk = abs(k - bk);
		double mk = -1e9;

		if (MIN(dk, LOBE_RAYS - dk) <= 3)
			continue;
		for (int it = t0; it <= t1; it++)
			if (SS[k][it] > -50 && SS[k][it] > mk)
				mk = SS[k][it];
		if (mk > -1e9)
			m[nm++] = mk;
	}
	if (nm < 6)
		return 0;
	double med = median_inplace(m, nm);

	for (int q = 0; q < nm; q++)
		dev[q] = fabs(m[q] - med);
	double mad = 1.4826 * median_inplace(dev, nm);

	return mad > 0 ? (best - med) / mad : 1e9;
}

/* A partner beside the dot: a peak in the residual of the polar grid
 * (sample minus the per-radius median over the rays), strong, wide both
 * ways (not a hair), not too wide (not shading) and near enough to be
 * merged.
 */
static gboolean
lobe_test(const Img *im, const Nb *nb, double reach, double margin,
	const SmpDotRead *o, double *noise_out)
{
	static _Thread_local double P[LOBE_RAYS][LOBE_NT], Q[LOBE_RAYS][LOBE_NT],
		SS[LOBE_RAYS][LOBE_NT];
	const MergedKnobs *kn = &merged_knobs;
	double med[LOBE_NT], rh = o->rh;
	int nt = lobe_grid(im, nb, reach, o, P), bk, bt;
	int t0 = (int) (rh / LOBE_STEP);
	int t1 = MIN(nt - 2, (int) ((3.0 * rh + 2) / LOBE_STEP));

	ray_medians(P, nt, med);
	lobe_residual(P, Q, med, nt);
	double best = lobe_peak(Q, t0, t1, &bk, &bt, SS);
	double noise = lobe_noise(P, t0, t1);

	*noise_out = noise;
	if (kn->dump == 2) {
		/* every dot's evidence, for fitting the rule offline */
		double ux = lobe_cos[bk], uy = lobe_sin[bk];
		double lt = LOBE_STEP * (bt + 1), lx = nb->d->x + lt * ux,
			   ly = nb->d->y + lt * uy;

		fprintf(stderr,
			"L2 %.2f %.2f depth %.3f noise %.4f snoise %.4f best %.4f z %.3f "
			"pw %.1f prw %.1f lt %.2f rh %.3f margin %.2f\n",
			nb->d->x, nb->d->y, o->depth, noise,
			lobe_noise_smoothed(SS, t0, t1), best,
			lobe_ray_null(SS, t0, t1, bk, best),
			lobe_width(im, nb->d, o, med, nt, lx, ly, -uy, ux),
			lobe_width(im, nb->d, o, med, nt, lx, ly, ux, uy), lt, rh, margin);
	}

	if (!(noise > 0) || best < kn->snr * noise || best < kn->depth * o->depth)
		return FALSE;
	if ((kn->dep_n > 0 && o->depth < kn->dep_n * noise) ||
		(kn->abs_depth > 0 && o->depth < kn->abs_depth) ||
		(kn->best_abs > 0 && best < kn->best_abs))
		return FALSE;
	if (kn->snr_smooth > 0 &&
		best < kn->snr_smooth * lobe_noise_smoothed(SS, t0, t1))
		return FALSE;
	if (kn->ray_null > 0 && lobe_ray_null(SS, t0, t1, bk, best) < kn->ray_null)
		return FALSE;
	double ux = lobe_cos[bk], uy = lobe_sin[bk];
	double lt = LOBE_STEP * (bt + 1), lx = nb->d->x + lt * ux,
		   ly = nb->d->y + lt * uy;
	double pw = lobe_width(im, nb->d, o, med, nt, lx, ly, -uy, ux);
	double prw = lobe_width(im, nb->d, o, med, nt, lx, ly, ux, uy);

	if (kn->w_disc > 0 && pw < kn->w_disc * rh)
		return FALSE;
	if ((kn->prw_rh > 0 && prw > kn->prw_rh * rh) ||
		(kn->prw_pw > 0 && prw > kn->prw_pw * pw))
		return FALSE;
	gboolean yes = MIN(pw, prw) >= kn->minw && pw < 2 * lt &&
		lt < rh + 0.5 * pw + margin + kn->ms &&
		pw <= LOBE_MAX_W_K * rh + LOBE_MAX_W_P;

	if (yes && kn->dump)
		fprintf(stderr,
			"L %.1f %.1f depth %.2f noise %.3f snoise %.3f best %.3f z %.2f "
			"pw %.1f prw %.1f lt %.1f rh %.2f\n",
			nb->d->x, nb->d->y, o->depth, noise,
			lobe_noise_smoothed(SS, t0, t1), best,
			lobe_ray_null(SS, t0, t1, bk, best), pw, prw, lt, rh);
	return yes;
}

/* Width of the footprint at 30% from each end of its major axis, min
 * over max.
 */
static double
footprint_sym(const guint8 *m, int ww, int hh, int x0, int y0, const SmpDot *d,
	double mx, double my, double ux, double uy, double reach)
{
	int nb = (int) (2 * reach) + 3, off = nb / 2, first = -1, last = -1;
	g_autofree double *wp = g_new0(double, nb);

	for (int yy = 0; yy < hh; yy++)
		for (int xx = 0; xx < ww; xx++)
			if (m[yy * ww + xx]) {
				double dx = xx + x0 + 0.5 - d->x - mx,
					   dy = yy + y0 + 0.5 - d->y - my;
				int s = ifloor(dx * ux + dy * uy + 0.5) + off;

				if (s >= 0 && s < nb)
					wp[s]++;
			}
	for (int q = 0; q < nb; q++)
		if (wp[q] > 0) {
			if (first < 0)
				first = q;
			last = q;
		}
	if (first < 0)
		return 0;
	double L = last - first;
	int qa = (int) floor(first + 0.3 * L + 0.5),
		qb = (int) floor(last - 0.3 * L + 0.5);
	double wa = (wp[MAX(qa - 1, 0)] + wp[qa] + wp[MIN(qa + 1, nb - 1)]) / 3;
	double wb = (wp[MAX(qb - 1, 0)] + wp[qb] + wp[MIN(qb + 1, nb - 1)]) / 3;

	return MAX(wa, wb) > 0 ? MIN(wa, wb) / MAX(wa, wb) : 0;
}

static gboolean
closer_to_neighbour(const Nb *nb, double x, double y, double q2)
{
	for (int q = 0; q < nb->nn; q++) {
		const SmpDot *o = &nb->all[nb->nbr[q]];
		double ox = x - o->x, oy = y - o->y;

		if (ox * ox + oy * oy < q2)
			return TRUE;
	}
	return FALSE;
}

/* A partner overlapping too much to form a lobe: the half-depth
 * footprint, kept to the dot's Voronoi cell, elongated like two touching
 * discs.
 */
static _Thread_local double elong_noise;

static gboolean
elongation_test(const Img *im, const Nb *nb, double reach, const SmpDotRead *o)
{
	const SmpDot *d = nb->d;
	int x0 = (int) floor(d->x - reach), x1 = (int) ceil(d->x + reach);
	int y0 = (int) floor(d->y - reach), y1 = (int) ceil(d->y + reach);
	int ww = x1 - x0 + 1, hh = y1 - y0 + 1, sp = 0;
	int cx = (int) d->x - x0, cy = (int) d->y - y0;
	double thr = 0.5 * o->depth, n = 0, s[5] = {0};
	g_autofree guint8 *m = g_new0(guint8, (gsize) ww * hh);
	g_autofree int *st = g_new(int, (gsize) ww *hh);
	static const int step[4][2] = {{1, 0}, {-1, 0}, {0, 1}, {0, -1}};

	if (o->bg - px(im, (int) d->x, (int) d->y) >= thr) {
		m[cy * ww + cx] = 1;
		st[sp++] = cy * ww + cx;
	}
	while (sp) {
		int p = st[--sp], xx = p % ww, yy = p / ww;
		double dx = xx + x0 + 0.5 - d->x, dy = yy + y0 + 0.5 - d->y;

		n++;
		s[0] += dx, s[1] += dy, s[2] += dx * dx, s[3] += dy * dy,
			s[4] += dx * dy;
		for (int k = 0; k < 4; k++) {
			int ax = xx + step[k][0], ay = yy + step[k][1];

			if (ax < 0 || ay < 0 || ax >= ww || ay >= hh || m[ay * ww + ax])
				continue;
			double qx = ax + x0 + 0.5 - d->x, qy = ay + y0 + 0.5 - d->y;
			double q2 = qx * qx + qy * qy;

			if (q2 > reach * reach || ax + x0 < 0 || ay + y0 < 0 ||
				ax + x0 >= im->w || ay + y0 >= im->h ||
				closer_to_neighbour(nb, ax + x0 + 0.5, ay + y0 + 0.5, q2))
				continue;
			if (o->bg - px(im, ax + x0, ay + y0) >= thr) {
				m[ay * ww + ax] = 1;
				st[sp++] = ay * ww + ax;
			}
		}
	}
	if (n < 3)
		return FALSE;
	double mx = s[0] / n, my = s[1] / n;
	double a = s[2] / n - mx * mx, b = s[4] / n - mx * my,
		   c = s[3] / n - my * my;
	double tr = a + c, det = a * c - b * b,
		   disc = sqrt(MAX(tr * tr / 4 - det, 0));
	double l1 = tr / 2 + disc, l2 = MAX(tr / 2 - disc, 0);
	double rmaj = 2 * sqrt(l1), rmin = 2 * sqrt(l2), ux = 1, uy = 0;

	if (merged_knobs.dump == 2 && rmin > 0) {
		double vx = 1, vy = 0;

		if (fabs(b) > 1e-9)
			vx = l1 - c, vy = b;
		else if (a < c)
			vx = 0, vy = 1;
		double vn = hypot(vx, vy);

		fprintf(stderr,
			"E2 %.2f %.2f depth %.3f noise %.4f asp %.5f fill %.5f sym %.9f "
			"rmin %.3f rmaj %.3f r %.3f rh %.3f\n",
			d->x, d->y, o->depth, elong_noise, rmaj / rmin,
			n / (G_PI * rmaj * rmin),
			footprint_sym(
				m, ww, hh, x0, y0, d, mx, my, vx / vn, vy / vn, reach),
			rmin, rmaj, d->r, o->rh);
	}
	if (!(rmin > 0) || rmaj < merged_knobs.asp_min * rmin ||
		rmaj > ELONG_ASPECT_MAX * rmin || 2 * rmin < ELONG_MIN_W ||
		n < ELONG_FILL * G_PI * rmaj * rmin)
		return FALSE;
	if (fabs(b) > 1e-9)
		ux = l1 - c, uy = b;
	else if (a < c)
		ux = 0, uy = 1;
	double un = hypot(ux, uy);

	double sym =
		footprint_sym(m, ww, hh, x0, y0, d, mx, my, ux / un, uy / un, reach);

	if (sym >= merged_knobs.sym && merged_knobs.dump)
		fprintf(stderr,
			"E %.1f %.1f depth %.2f noise %.3f asp %.2f fill %.2f sym %.2f "
			"rmin %.2f rmaj %.2f r %.2f rh %.2f\n",
			d->x, d->y, o->depth, elong_noise, rmaj / rmin,
			n / (G_PI * rmaj * rmin), sym, rmin, rmaj, d->r, o->rh);
	if (merged_knobs.asp_max > 0 && rmaj > merged_knobs.asp_max * rmin)
		return FALSE;
	if (merged_knobs.rmin_rh > 0 && rmin < merged_knobs.rmin_rh * o->rh)
		return FALSE;
	if (merged_knobs.e_abs_depth > 0 && o->depth < merged_knobs.e_abs_depth)
		return FALSE;
	if (merged_knobs.r_rh_max > 0 && d->r > merged_knobs.r_rh_max * o->rh)
		return FALSE;
	return sym >= merged_knobs.sym;
}

/* The shallowest depth on the segment between two fitted centres (3
 * parallel lines 0.75 px apart), over the smaller centre depth.
 */
static double
saddle(const Img *im, const SmpDotRead *p, const SmpDotRead *q)
{
	double dx = q->fx - p->fx, dy = q->fy - p->fy, d = hypot(dx, dy), lo = 1e9;
	double bg = 0.5 * (p->bg + q->bg), cmin = MIN(p->depth, q->depth);

	if (d <= 0 || cmin <= 0)
		return 1;
	double nx = -dy / d, ny = dx / d;

	for (double t = 0; t <= d; t += 0.25) {
		double v = 0;

		for (int l = -1; l <= 1; l++)
			v += bil(im, p->fx + t * dx / d + 0.75 * l * nx,
				p->fy + t * dy / d + 0.75 * l * ny);
		lo = MIN(lo, bg - v / 3);
	}
	return lo / cmin;
}

/* --- found pairs ---------------------------------------------------------- */

/* Whether dots @i and @j (@df apart, fitted centres) form a merged pair:
 * the merge rule on the half-depth radii with a saddle of ink between
 * them, or ink joining them at most of their depth whatever the gap.
 * Unread dots keep the plain rule.
 */
static gboolean
pair_merged(const Img *im, const SmpDotRead *a, const SmpDotRead *b, double df,
	double margin)
{
	double reach = a->rh + b->rh + margin;

	if (a->ok && b->ok && df < reach + SADDLE_CAND) {
		double sd = saddle(im, a, b);

		return (df < reach && sd >= SADDLE_WITH_RULE) || sd >= SADDLE_ALONE;
	}
	return df < reach;
}

/* Mark the dots of found pairs, from a grid of the fitted centres. */
static void
mark_pairs(const Img *im, SmpDotRead *out, gsize n, double rmax, double margin)
{
	g_autofree double *x = g_new(double, MAX(n, 1));
	g_autofree double *y = g_new(double, MAX(n, 1));
	Grid g;

	for (gsize k = 0; k < n; k++) {
		x[k] = out[k].fx;
		y[k] = out[k].fy;
	}
	grid_build(&g, x, y, n, im->w, im->h, GRID_CELL);
	for (gsize i = 0; i < n; i++) {
		double box = out[i].rh + rmax * 2 + margin + SADDLE_CAND + 2;
		int c0 = MAX(0, (int) ((x[i] - box) / g.cell));
		int c1 = MIN(g.cols - 1, (int) ((x[i] + box) / g.cell));
		int r0 = MAX(0, (int) ((y[i] - box) / g.cell));
		int r1 = MIN(g.rows - 1, (int) ((y[i] + box) / g.cell));

		for (int r = r0; r <= r1; r++)
			for (int c = c0; c <= c1; c++)
				for (guint32 s = g.start[r * g.cols + c];
					 s < g.start[r * g.cols + c + 1]; s++) {
					guint32 j = g.idx[s];

					if (j > i &&
						pair_merged(im, &out[i], &out[j],
							hypot(x[j] - x[i], y[j] - y[i]), margin))
						out[i].paired = out[j].paired = 1;
				}
	}
	grid_free(&g);
}

/* --- the passes over the dots, on several threads ------------------------- */

typedef struct Read Read;
typedef void (*DotPass)(const Read *r, gsize k, guint32 *nbr);

/* What the passes share. Each pass writes only its own dot's read, so
 * the threads share no output and their number changes nothing.
 */
struct Read {
	Img im;
	const SmpDot *dots;
	SmpDotRead *out;
	gsize n;
	double margin, rmax;
	Grid grid; /* of the detected centres */
	DotPass pass;
	gint next_chunk; /* atomic */
};

static double
reach_of(const SmpDot *d)
{
	return REACH_K * d->r + REACH_P;
}

/* Depth, half-depth radius and fitted centre of dot @k. */
static void
read_dot(const Read *r, gsize k, guint32 *nbr)
{
	const SmpDot *d = &r->dots[k];
	double reach = reach_of(d);
	SmpDotRead *o = &r->out[k];
	Nb nb = {d, r->dots, nbr, 0};

	o->fx = (float) d->x;
	o->fy = (float) d->y;
	o->rh = (float) d->r;
	if (!read_depth(&r->im, d, o))
		return;
	nb.nn = neighbours(&r->grid, r->dots, k, reach, r->rmax, nbr);
	o->rh = (float) read_radius(&r->im, d, reach, o);
	read_centre(&r->im, &nb, reach, o);
	o->ok = 1;
}

/* The hidden-partner tests of dot @k: a lobe, else an elongation. Every
 * read dot is tested, paired or not: a found pair and a hidden partner
 * can both touch it.
 */
static void
test_dot(const Read *r, gsize k, guint32 *nbr)
{
	const SmpDot *d = &r->dots[k];
	double reach = reach_of(d);
	SmpDotRead *o = &r->out[k];
	Nb nb = {d, r->dots, nbr, 0};

	if (!o->ok)
		return;
	nb.nn = neighbours(&r->grid, r->dots, k, reach, r->rmax, nbr);
	double noise = 0;

	elong_noise = 0;
	if (lobe_test(&r->im, &nb, reach, r->margin, o, &noise)) {
		o->hidden = SMP_HIDDEN_LOBE;
		if (merged_knobs.dump == 2) {
			elong_noise = noise;
			elongation_test(&r->im, &nb, reach, o); /* its evidence */
		}
	}
	else if ((elong_noise = noise,
				 merged_knobs.elong_snr <= 0 ||
					 o->depth >= merged_knobs.elong_snr * noise) &&
		elongation_test(&r->im, &nb, reach, o))
		o->hidden = SMP_HIDDEN_ELONGATED;
}

static gpointer
pass_worker(gpointer data)
{
	Read *r = data;
	guint32 nbr[MAX_NBR];

	for (;;) {
		gsize k0 = (gsize) g_atomic_int_add(&r->next_chunk, 1) * CHUNK;

		if (k0 >= r->n)
			break;
		for (gsize k = k0; k < MIN(k0 + CHUNK, r->n); k++)
			r->pass(r, k, nbr);
	}
	return NULL;
}

/* Run @pass on every dot, on up to @threads threads (this one too). */
static void
run_pass(Read *r, DotPass pass, int threads)
{
	GThread *pool[MAX_THREADS];
	int nt = CLAMP(threads, 1, MAX_THREADS);

	nt = (int) MIN((gsize) nt, (r->n + CHUNK - 1) / CHUNK);
	r->pass = pass;
	g_atomic_int_set(&r->next_chunk, 0);
	for (int i = 1; i < nt; i++)
		pool[i] = g_thread_new("smp-merged", pass_worker, r);
	pass_worker(r);
	for (int i = 1; i < nt; i++)
		g_thread_join(pool[i]);
}

/* --- public -------------------------------------------------------------- */

static void
srgb_lut(float lut[256])
{
	for (int v = 0; v < 256; v++) {
		double c = v / 255.0;

		lut[v] = (float) (255.0 *
			(c <= 0.04045 ? c / 12.92 : pow((c + 0.055) / 1.055, 2.4)));
	}
}

/* The tables every read shares, made once. */
static void
init_tables(void)
{
	static gsize once;

	if (g_once_init_enter(&once)) {
		net_build(LOBE_RAYS);
		ray_tables();
		g_once_init_leave(&once, 1);
	}
}

SmpDotRead *
smp_merged_read(const guint8 *green, int width, int height, gsize stride,
	const SmpDot *dots, gsize n, double margin, int threads)
{
	Read r = {{green, width, height, stride, {0}}, dots, NULL, n, margin, 0};
	g_autofree double *x = g_new(double, MAX(n, 1));
	g_autofree double *y = g_new(double, MAX(n, 1));

	init_tables();
	srgb_lut(r.im.lut);
	r.out = g_new0(SmpDotRead, MAX(n, 1));
	for (gsize k = 0; k < n; k++) {
		x[k] = dots[k].x;
		y[k] = dots[k].y;
		r.rmax = MAX(r.rmax, dots[k].r);
	}
	grid_build(&r.grid, x, y, n, width, height, GRID_CELL);
	run_pass(&r, read_dot, threads);
	/* Pairs after every centre is fitted; one thread (a few % of the
	 * time), as a pair marks two dots. */
	mark_pairs(&r.im, r.out, n, r.rmax, margin);
	run_pass(&r, test_dot, threads);
	grid_free(&r.grid);
	return r.out;
}

SmpDotRead *
smp_merged_read_image(VipsImage *image, const GArray *dots, double margin,
	const char *path, GError **error)
{
	g_autoptr(VipsImage) ctx = vips_image_new();
	VipsImage **t = (VipsImage **) vips_object_local_array(VIPS_OBJECT(ctx), 2);
	g_autofree guint8 *green = NULL;
	size_t size = 0;

	if (vips_extract_band(
			image, &t[0], image->Bands >= 3 ? 1 : 0, "n", 1, NULL) ||
		vips_cast_uchar(t[0], &t[1], NULL) ||
		!(green = vips_image_write_to_memory(t[1], &size))) {
		smp_error_from_vips(error, SMP_ERROR_CORRUPT, path, "merged");
		return NULL;
	}
	return smp_merged_read(green, t[1]->Xsize, t[1]->Ysize, (gsize) t[1]->Xsize,
		(const SmpDot *) dots->data, dots->len, margin, vips_concurrency_get());
}
