/* Dot detection: a difference-of-binomial scale space built by the row
 * kernels in strips with a halo, extrema across space and scale, then per
 * candidate (in a fixed order) centre, radius, contrast and local noise.
 * SPDX-License-Identifier: MIT
 *
 * The scale space. Octave o is the image decimated by 2^o. Each octave
 * has five levels L0..L4: L0 is its base, L(k+1) is L(k) through the 5-tap
 * binomial (variance +1 px² of that octave), and D(k) = L(k+1) - L(k) for
 * k = 0..3 approximates (1/2) ∇²L at variance t(k) = sb + k + 1/2, where sb
 * is the base's own variance. The next octave's base is L4 decimated by 2.
 * Scale-normalised responses t · D compare across levels and octaves;
 * D0's finer neighbour in the 3x3x3 test is the responses of the previous
 * octave's candidates (mark_coarser()).
 *
 * Octave 0 is read from the image through libvips regions, in strips of
 * STRIP_ROWS rows plus HALO rows either side, on vips_concurrency_get()
 * threads; each strip also writes its rows of octave 1's base into a plane
 * of a quarter of the image's pixels (uint16), which the next octave reads
 * in strips the same way. Strip boundaries do not depend on the thread
 * count and a strip's output depends only on pixels, so the result is the
 * same for any number of threads.
 *
 * Every pixel operation is integer (kernels.h). Floating point is used
 * only per candidate, by the same code on every path, and candidates are
 * merged in (octave, strip, row, column) order, then sorted with a total
 * order: bit-identical results on every path and thread count.
 */
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "smpdoc/detect.h"
#include "smpdoc/error.h"
#include "detect_private.h"
#include "kernels.h"

/* Strips: rows per strip of every octave (even, so that octave o + 1's
 * rows of a strip come from octave o's rows of the same strip), and the
 * halo: 2 rows per binomial level times four levels, plus one for the 3x3
 * maxima, plus the reach of the measurements. A candidate's own
 * measurements reach MEASURE_REACH rows; a touching second dot lies up to
 * PARTNER_REACH rows away and is measured MEASURE_REACH rows around it
 * (on L0, which has 2 rows more than L1's 14).
 */
#define STRIP_ROWS 128
#define N_LEVELS 5
#define N_DOG 4
#define MEASURE_REACH 7
#define PARTNER_REACH (MEASURE_REACH + 2)
#define HALO (PARTNER_REACH + MEASURE_REACH)
#define EXCESS_REACH (HALO - 2) /* L1's rows beyond the strip */
#define MAX_OCTAVES 12
#define MIN_SIDE 8 /* octaves stop before a side gets smaller */
#define MAX_THREADS 64

/* Candidates. A 3x3 maximum of D(k) is examined when it exceeds
 * THR_NOISE_K times the noise that the pixel noise gives D(k) (and
 * THR_MIN). The pixel noise is estimated on octave 0's D0 (per strip on
 * octave 0, the median of the strips' on the others), and carried to each
 * level by its white-noise gain (dog_gain, measured once by simulation).
 * Skin texture and JPEG are not white, hence a generous K; the real
 * decision is per candidate, against its own background and noise.
 */
#define THR_NOISE_K 2.5
#define THR_MIN 2
/* The contrast gate of the extrema kernel: a dot's scale-normalised
 * response 64 t D (at its own scale) is >= 9 times its depth on synth
 * dots of every size, blur and tone (measured), and depth >= min_contrast
 * times the background, which is >= L1 at the centre. So maxima below
 * GATE_K * min_contrast * L1 cannot pass examine(); GATE_K < 9 keeps a
 * margin. It removes most noise maxima on bright skin before the
 * per-candidate code.
 */
#define GATE_K 6.0
#define NOISE_STEP_X 8 /* noise sampling grid, pixels */
#define NOISE_STEP_Y 4
#define NOISE_BINS 1024
#define EDGE_RATIO SMP_K_EDGE_RATIO /* max principal curvature ratio */
#define N_RING 16 /* background samples around a candidate */
#define RING_FACTOR SMP_K_RING_FACTOR /* ring radius / scale radius */
#define RING_MIN SMP_K_RING_MIN /* octave px */
#define NOISE_FLOOR 8.0 /* Q4 (half a grey level) */
/* SUPPRESS_FACTOR, SIZE_SLACK_MIN, SIZE_SLACK_MAX: detect_private.h */
#define LARGE_MIN 1.6 /* large blob: diameter > this * dmax ... */
#define LARGE_MIN_CONTRAST                                                     \
	0.12 /* ... and contrast at least this: a
                                 * patch of dense dots seen at a coarse
                                 * scale is neither */
#define RADIUS_GAIN 1.08
#define SMALL_FAINT 1.1 /* below this * dmin, faint spots are pores */
#define SB0 0.25 /* assumed variance of the camera's blur, px² */
/* Touching dots (split_partner()): the one-sided excess darkness must
 * reach this many local noise levels and this fraction of the first dot's
 * depth, and fall below SPLIT_TAIL of its peak within a dot's width; the
 * second dot ranks just below the first.
 */
#define SPLIT_NOISE 3.0
#define SPLIT_DEPTH 0.35
#define SPLIT_TAIL 0.5
#define SPLIT_RESP 0.5
/* A hair shaft (is_shaft()): narrowest diameter below this * dmin, and
 * the widest this many times the narrowest.
 */
#define SHAFT_WIDTH 0.8
#define SHAFT_ELONGATION 2.0

static const double dog_gain[4][N_DOG] = {
	{0.8877, 0.1075, 0.0496, 0.0300}, {0.0584, 0.0254, 0.0152, 0.0104},
	{0.0229, 0.0109, 0.0067, 0.0047},
	{0.0105, 0.0051, 0.0032, 0.0022}, /* and coarser */
};

typedef struct Octave {
	int w, h; /* plane size */
	int n_strips;
	double sb; /* variance of the base, own px² */
	double added; /* variance the pyramid added to the base, own px² */
	double t[N_DOG]; /* variance of each D, own px² */
	gboolean search[N_DOG]; /* look for maxima in D(k): its scale is in
	                         * range (the others are only neighbours) */
	int scale; /* 2^o */
	uint16_t *base; /* (owned) base plane, NULL for octave 0 */
	gboolean has_next; /* another octave follows */
	uint16_t *next; /* (owned) next octave's base, written by strips */
	int16_t *next_fine; /* (owned) the finer neighbour of the next
	                     * octave's D0, on its pixels: mark_coarser() */
	int next_w, next_h;
	int16_t *fine; /* (owned) the previous octave's next_fine, or NULL
	                * (octave 0) */
	double fine_t; /* its variance, the previous octave's own px² */
} Octave;

/* Cand: detect_private.h */

/* One strip's candidates, in the order found, in chunks of CHUNK_CANDS
 * from the pool: a strip's array grew by doubling (64, 128, 256 KiB on
 * the bench photo), each time copying what it held.
 */
#define CHUNK_BYTES ((size_t) 64 << 10)
#define CHUNK_CANDS ((guint) (CHUNK_BYTES / sizeof(Cand)))

typedef struct CandBuf {
	Cand **chunk; /* (owned) chunk k holds candidates k CHUNK_CANDS .. */
	guint n_chunks;
	guint len;
} CandBuf;

/* half_depth_radius()'s results for a candidate: the radius, the edge
 * sharpness and the narrowest and widest diameters.
 */
typedef struct Rays {
	double r, sharp, width[2];
} Rays;

/* One thread's buffers; rows are indexed from the strip's first halo row.
 * P[0] holds L0 on octave 0 only (other octaves read their base plane),
 * P[1] holds L1, P[2] and P[3] take L2, L3 and then L4 in turn.
 */
typedef struct Scratch {
	int stride; /* elements per row */
	int rows;
	uint16_t *P[4];
	int16_t *D[N_DOG];
	uint16_t *tmp; /* one row with two halo pixels either side */
	int32_t *xs; /* one row of extrema */
	int32_t *xin; /* those of them away from the edges */
	SmpKRingCand *rc; /* those of them that pass ring_contrast() */
	Rays *rays; /* and their rays (examine_batched()) */
	/* max9_row()'s rows per level k = -1 (the finer neighbour) .. 3:
	 * three of horizontal maxima (row r in slot r % 3), then one of 3x3
	 * maxima; valid for the search of row hm_next (-1: none)
	 */
	int16_t *hm;
	int hm_next;
	/* extrema_spatial()'s block masks per level, for extrema_scale() */
	uint16_t *bmask;
	int nb[N_DOG];
	guint32 *hist;
	/* excess_peak()'s offsets on L1 (which has this stride) */
	int32_t ex_off[PARTNER_REACH * N_RING];
	/* ray_half()'s offsets on the current strip's L0 */
	int32_t ray_off[MEASURE_REACH * SMP_K_RAYS];
	VipsRegion *region;
	/* strip being processed */
	int y0; /* first row of the strip */
	const Octave *oc;
	int o;
	const uint16_t *L[N_LEVELS]; /* plane holding each level */
	int lstride[N_LEVELS];
	int lorigin[N_LEVELS]; /* image row of the plane's row 0 */
} Scratch;

typedef struct Job {
	VipsImage *image; /* uchar, 1 or 3 bands */
	const SmpKernels *k;
	const SmpDetectParams *p;
	const char *path;
	uint16_t gate; /* contrast gate of the extrema kernel, Q16 */
	int n_oct;
	Octave oct[MAX_OCTAVES];
	int cur; /* octave being processed */
	CandBuf *strips[MAX_OCTAVES]; /* per octave, per strip */
	guint64 *examined; /* per strip */
	double *strip_noise; /* octave 0: pixel noise per strip, Q4 */
	double noise; /* pixel noise for octaves >= 1: their median */
	Scratch **scratch; /* one per thread slot, kept across octaves */
	int n_scratch;
	gint next_slot;
	gint next_strip;
	GMutex lock;
	int fail_strip; /* lowest failing strip, or INT_MAX */
	GError *error;
} Job;

void
smp_detect_params_default(SmpDetectParams *p)
{
	memset(p, 0, sizeof(*p));
	p->diameter_min_px = 3.0;
	p->diameter_max_px = 20.0;
	p->large_max_px = 0.0;
	p->min_contrast = SMP_DETECT_MIN_CONTRAST;
	p->min_snr = SMP_DETECT_MIN_SNR;
	p->isa = -1;
}

void
smp_detection_free(SmpDetection *d)
{
	if (!d)
		return;
	if (d->dots)
		g_array_unref(d->dots);
	if (d->large_blobs)
		g_array_unref(d->large_blobs);
	g_free(d);
}

/* --- buffers ---------------------------------------------------------- */

/* Freed buffers are kept for the next detection (a batch sees photos of
 * one size): fresh pages from the kernel cost a fault each, which was a
 * tenth of the detection time. Blocks are matched by exact size; at most
 * POOL_BYTES are kept, the rest is freed.
 */
#define POOL_SLOTS 512
#define POOL_BYTES ((size_t) 96 << 20)

static GMutex pool_lock;
static void *pool_ptr[POOL_SLOTS];
static size_t pool_size[POOL_SLOTS];
static size_t pool_total;

static void *
aligned_new(size_t bytes)
{
	void *p = NULL;

	bytes = bytes ? bytes : 64;
	g_mutex_lock(&pool_lock);
	for (int i = 0; i < POOL_SLOTS; i++)
		if (pool_ptr[i] && pool_size[i] == bytes) {
			p = pool_ptr[i];
			pool_ptr[i] = NULL;
			pool_total -= bytes;
			break;
		}
	g_mutex_unlock(&pool_lock);
	if (!p && posix_memalign(&p, 64, bytes))
		return NULL;
	return p;
}

/* Give back a block of @bytes from aligned_new(); accepts NULL. */
static void
aligned_free(void *p, size_t bytes)
{
	bytes = bytes ? bytes : 64;
	if (!p)
		return;
	g_mutex_lock(&pool_lock);
	for (int i = 0; p && i < POOL_SLOTS; i++)
		if (!pool_ptr[i] && pool_total + bytes <= POOL_BYTES) {
			pool_ptr[i] = p;
			pool_size[i] = bytes;
			pool_total += bytes;
			p = NULL;
		}
	g_mutex_unlock(&pool_lock);
	free(p);
}

/* Buffers whose size changes from photo to photo (candidates, the
 * suppression's tables) come in powers of two from 64 KiB, so that the
 * next photo finds them in the pool.
 */
void *
smp_detect_buf_new(size_t bytes, size_t *got)
{
	size_t c = (size_t) 64 << 10;

	while (c < bytes)
		c <<= 1;
	*got = c;
	return aligned_new(c);
}

void
smp_detect_buf_free(void *p, size_t got)
{
	aligned_free(p, got);
}

/* Bytes of octave @oc's base plane (octaves >= 1). */
static size_t
plane_bytes(const Octave *oc)
{
	return (size_t) oc->w * oc->h * sizeof(uint16_t);
}

/* --- scratch ---------------------------------------------------------- */

/* split_partner()'s ray offsets (ring_off_init()), set before any Scratch. */
static int ring_off[N_RING][EXCESS_REACH + 1][2];
/* excess_rows()'s ranks for split_partner()'s search from step m0 =
 * 0 .. PARTNER_REACH (ring_off_init()); ex_rank_ok says they hold.
 */
static uint16_t ex_rank[PARTNER_REACH + 1][2 * SMP_K_EXCESS_LANES];
static gboolean ex_rank_ok;
G_STATIC_ASSERT(N_RING == SMP_K_RING && PARTNER_REACH <= SMP_K_RING);
G_STATIC_ASSERT(MEASURE_REACH == SMP_K_RING_REACH);
G_STATIC_ASSERT(MEASURE_REACH == SMP_K_RAY_STEPS); /* smp_k_ray_offsets() */

#define HM_LEVELS (N_DOG + 1)
#define HM_ROWS 4

static size_t
hm_bytes(const Scratch *s)
{
	return (size_t) HM_LEVELS * HM_ROWS * s->stride * sizeof(int16_t);
}

static void
scratch_free(Scratch *s)
{
	if (!s)
		return;
	size_t plane = (size_t) s->stride * s->rows;

	for (int i = 0; i < 4; i++)
		aligned_free(s->P[i], plane * sizeof(uint16_t));
	for (int i = 0; i < N_DOG; i++)
		aligned_free(s->D[i], plane * sizeof(int16_t));
	aligned_free(s->tmp, (size_t) (s->stride + 64) * sizeof(uint16_t));
	aligned_free(s->xs, (size_t) s->stride * sizeof(int32_t));
	aligned_free(s->hm, hm_bytes(s));
	g_free(s->xin);
	g_free(s->rc);
	g_free(s->rays);
	g_free(s->bmask);
	g_free(s->hist);
	if (s->region)
		g_object_unref(s->region);
	g_free(s);
}

/* Buffers for strips of width @w (the widest octave, octave 0). */
static Scratch *
scratch_new(int w)
{
	Scratch *s = g_new0(Scratch, 1);
	size_t plane;

	s->stride = (w + 31) / 32 * 32;
	s->rows = STRIP_ROWS + 2 * HALO;
	plane = (size_t) s->stride * s->rows;
	for (int i = 0; i < 4; i++)
		if (!(s->P[i] = aligned_new(plane * sizeof(uint16_t))))
			goto fail;
	for (int i = 0; i < N_DOG; i++)
		if (!(s->D[i] = aligned_new(plane * sizeof(int16_t))))
			goto fail;
	if (!(s->tmp = aligned_new((size_t) (s->stride + 64) * sizeof(uint16_t))) ||
		!(s->xs = aligned_new((size_t) s->stride * sizeof(int32_t))) ||
		!(s->hm = aligned_new(hm_bytes(s))))
		goto fail;
	s->hm_next = -1;
	s->xin = g_new(int32_t, s->stride);
	s->rc = g_new(SmpKRingCand, s->stride);
	s->rays = g_new(Rays, s->stride);
	s->bmask = g_new(uint16_t, (size_t) N_DOG * (s->stride / 16 + 1));
	s->hist = g_new0(guint32, NOISE_BINS);
	for (int m = 0; m < PARTNER_REACH; m++)
		for (int i = 0; i < N_RING; i++)
			s->ex_off[N_RING * m + i] =
				ring_off[i][m][1] * s->stride + ring_off[i][m][0];
	return s;

fail:
	scratch_free(s);
	return NULL;
}

/* --- pixel access (clamped to the plane: edges replicate) ------------- */

static inline int
clampi(int v, int lo, int hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

static inline int
lval(const Scratch *s, int level, int x, int y)
{
	x = clampi(x, 0, s->oc->w - 1);
	y = clampi(y, 0, s->oc->h - 1);
	return s
		->L[level][(size_t) (y - s->lorigin[level]) * s->lstride[level] + x];
}

/* Whether every pixel within @reach of (@x, @y) lies on the plane, so
 * that reads around it need no clamping (laddr()).
 */
static inline gboolean
inside(const Scratch *s, int x, int y, int reach)
{
	return x >= reach && y >= reach && x < s->oc->w - reach &&
		y < s->oc->h - reach;
}

/* Address of @level's pixel (@x, @y), which must lie on the plane. */
static inline const uint16_t *
laddr(const Scratch *s, int level, int x, int y)
{
	return s->L[level] + (size_t) (y - s->lorigin[level]) * s->lstride[level] +
		x;
}

static inline int
dval(const Scratch *s, int k, int x, int y)
{
	return s->D[k][(size_t) (y - s->y0 + HALO) * s->stride + x];
}

static inline uint16_t *
prow(Scratch *s, int plane, int y)
{
	return s->P[plane] + (size_t) (y - s->y0 + HALO) * s->stride;
}

static inline int16_t *
drow(Scratch *s, int k, int y)
{
	return s->D[k] + (size_t) (y - s->y0 + HALO) * s->stride;
}

/* --- building the scale space of one strip ---------------------------- */

/* Octave 0's L0 rows [lo, hi) from the image. */
static gboolean
load_rows(Job *job, Scratch *s, int lo, int hi)
{
	VipsRect rect = {0, lo, s->oc->w, hi - lo};
	int bands = job->image->Bands;

	if (vips_region_prepare(s->region, &rect))
		return FALSE;
	for (int y = lo; y < hi; y++) {
		const uint8_t *src =
			(const uint8_t *) VIPS_REGION_ADDR(s->region, 0, y);

		if (bands == 3)
			job->k->luma_rgb(src, prow(s, 0, y), s->oc->w);
		else
			job->k->luma_gray(src, prow(s, 0, y), s->oc->w);
	}
	return TRUE;
}

/* L(level + 1) and D(level) on rows [lo, hi) from L(level), whose rows
 * [lo - 2, hi + 2) clamped to the plane are ready.
 */
static void
blur_level(Job *job, Scratch *s, int level, int dst_plane, int lo, int hi)
{
	const SmpKernels *k = job->k;
	int w = s->oc->w, h = s->oc->h;
	uint16_t *t = s->tmp + 16;

	for (int y = lo; y < hi; y++) {
		const uint16_t *r[5];

		for (int d = -2; d <= 2; d++) {
			int yy = clampi(y + d, 0, h - 1);

			r[d + 2] = s->L[level] +
				(size_t) (yy - s->lorigin[level]) * s->lstride[level];
		}
		k->vblur5(r[0], r[1], r[2], r[3], r[4], t, w);
		t[-2] = t[-1] = t[0];
		t[w] = t[w + 1] = t[w - 1];
		k->hblur5_dog(t - 2, r[2], prow(s, dst_plane, y), drow(s, level, y), w);
	}
	s->L[level + 1] = s->P[dst_plane];
	s->lstride[level + 1] = s->stride;
	s->lorigin[level + 1] = s->y0 - HALO;
}

/* A robust noise level of D(k) over the strip's own rows: 1.4826 times
 * the median absolute value on a sparse grid (integer histogram).
 */
static double
dog_noise(Scratch *s, int k, int y0, int y1)
{
	guint32 *hist = s->hist;
	guint32 n = 0, half, acc = 0;

	memset(hist, 0, NOISE_BINS * sizeof(guint32));
	for (int y = y0; y < y1; y += NOISE_STEP_Y) {
		const int16_t *d = drow(s, k, y);

		for (int x = NOISE_STEP_X / 2; x < s->oc->w; x += NOISE_STEP_X) {
			int v = abs(d[x]);

			hist[v < NOISE_BINS ? v : NOISE_BINS - 1]++;
			n++;
		}
	}
	if (n == 0)
		return 0.0;
	half = (n + 1) / 2;
	for (int i = 0; i < NOISE_BINS; i++) {
		acc += hist[i];
		if (acc >= half)
			return 1.4826 * i;
	}
	return 1.4826 * (NOISE_BINS - 1);
}

/* --- candidates ------------------------------------------------------- */

/* Radius at half depth of the dark spot at (@x, @y) of the current
 * octave (L0 value @cval, @depth below its background), in octave px:
 * the median of eight rays (the kernels' ray_half()), so that a hair
 * shaft or a neighbour along one or two rays does not count. @sharp gets
 * the edge sharpness there, @width the narrowest and widest of the four
 * diameters (octave px). Near the plane's edges the rays read a patch of
 * clamped pixels.
 */
static double
half_depth_radius(const SmpKernels *k, const Scratch *s, int x, int y, int cval,
	double depth, double *sharp, double width[2])
{
	enum { SIDE = 2 * MEASURE_REACH + 1, PS = SIDE + 1 };
	static int32_t patch_off[MEASURE_REACH * SMP_K_RAYS];
	static gsize patch_ready;
	int half = cval + (int) (depth / 2);
	double o[6], r;

	if (inside(s, x, y, MEASURE_REACH + 1) && k->ray_half_rows)
		k->ray_half_rows(laddr(s, 0, x, y), s->lstride[0], cval, half, o);
	else if (inside(s, x, y, MEASURE_REACH + 1))
		k->ray_half(laddr(s, 0, x, y), s->ray_off, cval, half, o);
	else {
		uint16_t patch[SIDE * PS];
		int col[PS];

		if (g_once_init_enter(&patch_ready)) {
			smp_k_ray_offsets(patch_off, PS);
			g_once_init_leave(&patch_ready, 1);
		}
		/* lval()'s clamped reads, each column and row clamped once:
		 * a lval() a pixel took ~2.3 M instructions more on the bench
		 * photo's 651 patches, on every path
		 */
		for (int dx = 0; dx < PS; dx++)
			col[dx] =
				clampi(x + MIN(dx, SIDE - 1) - MEASURE_REACH, 0, s->oc->w - 1);
		for (int dy = 0; dy < SIDE; dy++) {
			int yy = clampi(y + dy - MEASURE_REACH, 0, s->oc->h - 1);
			const uint16_t *row =
				s->L[0] + (size_t) (yy - s->lorigin[0]) * s->lstride[0];

			for (int dx = 0; dx < PS; dx++)
				patch[dy * PS + dx] = row[col[dx]];
		}
		k->ray_half(patch + MEASURE_REACH * PS + MEASURE_REACH, patch_off, cval,
			half, o);
	}
	width[0] = o[0] * RADIUS_GAIN;
	width[1] = o[1] * RADIUS_GAIN;
	r = 0.5 * (o[2] + o[3]);
	*sharp = 0.5 * (o[4] + o[5]) * r / depth;
	/* The ring sits on the profile's tail and the half level is read
	 * in sRGB: both shorten the rays by a steady ~8% (measured on synth
	 * dots from 1.5 to 10 px).
	 */
	return r * RADIUS_GAIN;
}

/* A piece of hair shaft (the follicle it grows from is the dot): across,
 * narrower than any dot; along, several times longer.
 */
static gboolean
is_shaft(const SmpDetectParams *p, const double width[2], int scale)
{
	return width[0] * scale < SHAFT_WIDTH * p->diameter_min_px &&
		width[1] > SHAFT_ELONGATION * width[0];
}

/* Pixel offsets of the excess rays of split_partner(): step m along ring
 * direction i from a pixel (x, y) lands on floor(x + 0.5 + m cos) =
 * x + ring_off[i][m][0] (and likewise in y) for integer x, checked for
 * every x up to 200,000; computed once.
 */
static void
ring_off_init(void)
{
	static gsize done;
	int pts[PARTNER_REACH * N_RING][2];

	if (!g_once_init_enter(&done))
		return;
	for (int i = 0; i < N_RING; i++)
		for (int m = 0; m <= EXCESS_REACH; m++) {
			ring_off[i][m][0] = (int) floor(0.5 + m * smp_k_ring_cos[i]);
			ring_off[i][m][1] = (int) floor(0.5 + m * smp_k_ring_sin[i]);
		}
	for (int m = 0; m < PARTNER_REACH; m++)
		for (int i = 0; i < N_RING; i++) {
			pts[N_RING * m + i][0] = ring_off[i][m][0];
			pts[N_RING * m + i][1] = ring_off[i][m][1];
		}
	ex_rank_ok = TRUE;
	for (int m0 = 0; m0 <= PARTNER_REACH; m0++)
		ex_rank_ok &= smp_k_excess_ranks(pts, m0, PARTNER_REACH, ex_rank[m0]);
	g_once_init_leave(&done, 1);
}

/* The excess e(i, m) = L1(direction i ^ 8, m) - L1(direction i, m) of
 * split_partner() from (@x, @y), clamped to the plane.
 */
static inline int
excess_at(const Scratch *s, int x, int y, int i, int m)
{
	const int *a = ring_off[i][m], *o = ring_off[i ^ 8][m];

	return lval(s, 1, x + o[0], y + o[1]) - lval(s, 1, x + a[0], y + a[1]);
}

/* The kernels' excess_peak() near the plane's edges, where reads clamp:
 * the same search in the same order.
 */
static int
excess_peak_clamped(
	const Scratch *s, int x, int y, int m0, int m1, int *bi, int *bm)
{
	int best = 0;

	for (int i = 0; i < N_RING; i++)
		for (int m = m0; m < m1; m++) {
			int e = excess_at(s, x, y, i, m);

			if (e > best) {
				best = e;
				*bi = i;
				*bm = m;
			}
		}
	return best;
}

/* Touching dots. A dot right next to another is often no scale-space
 * extremum of its own (the pair's merged response at the next scale wins
 * around it), and with the two nearly merged there is no saddle between
 * them either. What shows is the second dot as darkness on one side of
 * the first that the opposite side lacks. So on L1, along the 16 ring
 * directions from the first dot's centre, the excess e(m) = L1(opposite,
 * m) - L1(this way, m) beyond 0.7 radii: its peak, if it stands out of
 * the noise and the first dot's depth, falls off again within a dot's
 * width (a hair shaft's does not) and lies on a spot dark enough to be a
 * dot, is a second dot there (centre by a parabola through the peak).
 * Integer pixels and the same double code on every path: bit-identical.
 * Returns: TRUE with @c2 filled; its background and noise are @c's.
 */
static G_ALWAYS_INLINE inline gboolean
split_partner(Job *job, const Scratch *s, int x, int y, int bg, double noise,
	const Cand *c, Cand *c2)
{
	const SmpDetectParams *p = job->p;
	const Octave *oc = s->oc;
	double rc = c->r / oc->scale, first = c->contrast * bg;
	int m0 = MAX(1, (int) ceil(0.7 * rc));
	int best, bi = 0, bm = 0, cval, px, py, tail, l, rr;
	double depth, r, sharp, off = 0.0, cx, cy, gap, width[2];

	/* centre within PARTNER_REACH - 0.5 of (x, y), so its pixel within
	 * PARTNER_REACH rows and its rays within HALO; the kernels' reads
	 * reach PARTNER_REACH - 1 steps, and one pixel more; excess_rows()
	 * (the same search as two loads per row of mirror pairs, where
	 * excess_peak() loads its 16 x 8 points one by one) reads as far
	 */
	if (inside(s, x, y, PARTNER_REACH) && job->k->excess_rows && ex_rank_ok) {
		int at = 0;

		best = job->k->excess_rows(laddr(s, 1, x, y), s->lstride[1],
			ex_rank[MIN(m0, PARTNER_REACH)], &at);
		bi = at >> 4;
		bm = at & 15;
	}
	else if (inside(s, x, y, PARTNER_REACH))
		best = job->k->excess_peak(
			laddr(s, 1, x, y), s->ex_off, m0, PARTNER_REACH, &bi, &bm);
	else
		best = excess_peak_clamped(s, x, y, m0, PARTNER_REACH, &bi, &bm);
	if (best < SPLIT_NOISE * noise || best < SPLIT_DEPTH * first)
		return FALSE;
	/* a dot's excess ends within about its width, a shaft's goes on */
	tail = MIN(EXCESS_REACH, bm + MAX(2, (int) ceil(1.5 * rc)));
	l = excess_at(s, x, y, bi, bm - 1);
	if (excess_at(s, x, y, bi, tail) > SPLIT_TAIL * best || l <= 0)
		return FALSE;
	rr = excess_at(s, x, y, bi, bm + 1);
	if (l + rr - 2 * best < 0)
		off = CLAMP(0.5 * (l - rr) / (l + rr - 2 * best), -0.5, 0.5);
	gap = bm + off;
	cx = x + gap * smp_k_ring_cos[bi];
	cy = y + gap * smp_k_ring_sin[bi];
	px = (int) floor(cx + 0.5);
	py = (int) floor(cy + 0.5);
	cval = lval(s, 0, px, py);
	depth = bg - cval;
	if (depth < p->min_contrast * bg || depth < p->min_snr * noise)
		return FALSE;
	/* its rays toward the first dot run long: no more than the gap */
	r = MIN(half_depth_radius(job->k, s, px, py, cval, depth, &sharp, width),
		0.75 * gap);
	if (is_shaft(p, width, oc->scale))
		return FALSE;
	*c2 = *c;
	c2->x = cx * oc->scale + 0.5;
	c2->y = cy * oc->scale + 0.5;
	c2->r = r * oc->scale;
	c2->contrast = depth / bg;
	c2->sharp = sharp;
	c2->resp = c->resp * SPLIT_RESP;
	if (c2->x < 0 || c2->y < 0 || c2->x >= job->oct[0].w ||
		c2->y >= job->oct[0].h ||
		2.0 * c2->r < SIZE_SLACK_MIN * p->diameter_min_px ||
		2.0 * c2->r > SIZE_SLACK_MAX * p->diameter_max_px ||
		(2.0 * c2->r < SMALL_FAINT * p->diameter_min_px &&
			c2->contrast < 2.0 * p->min_contrast))
		return FALSE;
	return TRUE;
}

/* L1 on the ring of radius @rho (<= MEASURE_REACH) around (@x, @y),
 * sorted: the pixels floor(x + 0.5 + rho cos) and likewise in y, clamped
 * to the plane. Away from its edges, the kernels' ring_sorted(); near
 * them the same samples through clamped reads, the same sort.
 */
static void
ring_sorted(const SmpKernels *k, const Scratch *s, int x, int y, double rho,
	int ring[N_RING])
{
	if (inside(s, x, y, MEASURE_REACH)) {
		k->ring_sorted(laddr(s, 1, x, y), s->lstride[1], x, y, rho, ring);
		return;
	}
	for (int i = 0; i < N_RING; i++) {
		int xx = (int) floor(x + 0.5 + rho * smp_k_ring_cos[i]);
		int yy = (int) floor(y + 0.5 + rho * smp_k_ring_sin[i]);

		ring[i] = lval(s, 1, xx, yy);
	}
	smp_k_sort16_px(ring);
}

/* The sub-pixel offset along one axis: a parabola through the centre
 * and its neighbours @lo and @hi (second difference @dxx).
 */
static inline double
fit_offset(double dxx, int lo, int hi)
{
	double o = dxx < 0 ? 0.5 * (lo - hi) / dxx : 0.0;

	return CLAMP(o, -0.5, 0.5);
}

/* examine() after the noise test (shared with the batched first stage,
 * ring_contrast()): the measurements and the size tests. @ox, @oy: the
 * sub-pixel offset; @resp: the fitted response; @noise: the ring's,
 * @bg its median; @cval: L0 there.
 * Inlined in both: a call with twelve arguments cost the scalar path
 * 0.2% more instructions.
 */
static G_ALWAYS_INLINE inline int
examine_rest(Job *job, Scratch *s, int lvl, int x, int y, double ox, double oy,
	double resp, double noise, int bg, int cval, const Rays *rays, Cand c[2])
{
	const Octave *oc = s->oc;
	const SmpDetectParams *p = job->p;
	double depth = bg - cval, r, sharp, width[2];

	if (rays) {
		r = rays->r;
		sharp = rays->sharp;
		width[0] = rays->width[0];
		width[1] = rays->width[1];
	}
	else
		r = half_depth_radius(job->k, s, x, y, cval, depth, &sharp, width);
	if (is_shaft(p, width, oc->scale))
		return FALSE;

	c->x = (x + ox) * oc->scale + 0.5;
	c->y = (y + oy) * oc->scale + 0.5;
	c->r = r * oc->scale;
	c->contrast = depth / bg;
	c->resp = resp;
	c->noise = noise;
	c->sharp = sharp;
	c->oct = job->cur;
	c->lvl = lvl;
	if (2.0 * c->r < SIZE_SLACK_MIN * p->diameter_min_px ||
		2.0 * c->r > p->large_max_px)
		return FALSE;
	/* Near the bottom of the size range, faint means a pore or skin
	 * texture: ask for twice the contrast there.
	 */
	if (2.0 * c->r < SMALL_FAINT * p->diameter_min_px &&
		c->contrast < 2.0 * p->min_contrast)
		return FALSE;
	c->split = 0;
	if (2.0 * c->r <= SIZE_SLACK_MAX * p->diameter_max_px) {
		if (!split_partner(job, s, x, y, bg, noise, c, &c[1]))
			return 1;
		c[0].split = c[1].split = 1;
		return 2;
	}
	return 2.0 * c->r > LARGE_MIN * p->diameter_max_px &&
		c->contrast >= LARGE_MIN_CONTRAST;
}

/* Examine the 3x3 maximum of D(@lvl) at (@x, @y) of the current octave.
 * Returns: how many of @c were filled: 1 for a dot or a large blob, 2 for
 * a dot and a touching second one (split_partner()), else 0.
 */
static int
examine(Job *job, Scratch *s, int lvl, int x, int y, Cand c[2])
{
	const Octave *oc = s->oc;
	const SmpDetectParams *p = job->p;
	double tv = oc->t[lvl];
	int v = dval(s, lvl, x, y);
	double resp = v * tv;
	int ring[N_RING];
	int cval, bg;
	double dxx, dyy, dxy, tr, det, ox, oy, os, t, rs, rho, depth, noise;

	/* Not a ridge: the Hessian's principal curvatures are alike (a hair
	 * shaft or an edge has one large and one small).
	 */
	dxx = dval(s, lvl, x + 1, y) + dval(s, lvl, x - 1, y) - 2.0 * v;
	dyy = dval(s, lvl, x, y + 1) + dval(s, lvl, x, y - 1) - 2.0 * v;
	dxy = 0.25 *
		(dval(s, lvl, x + 1, y + 1) - dval(s, lvl, x + 1, y - 1) -
			dval(s, lvl, x - 1, y + 1) + dval(s, lvl, x - 1, y - 1));
	tr = dxx + dyy;
	det = dxx * dyy - dxy * dxy;
	if (det <= 0 ||
		tr * tr * EDGE_RATIO >= (EDGE_RATIO + 1) * (EDGE_RATIO + 1) * det)
		return FALSE;

	/* Sub-pixel centre and scale: parabolas through the neighbours. */
	ox = fit_offset(dxx, dval(s, lvl, x - 1, y), dval(s, lvl, x + 1, y));
	oy = fit_offset(dyy, dval(s, lvl, x, y - 1), dval(s, lvl, x, y + 1));
	t = tv;
	if (lvl > 0 && lvl < N_DOG - 1) {
		double rm = dval(s, lvl - 1, x, y) * oc->t[lvl - 1];
		double rp = dval(s, lvl + 1, x, y) * oc->t[lvl + 1];
		double curv = rm - 2.0 * resp + rp;

		os = curv < 0 ? CLAMP(0.5 * (rm - rp) / curv, -0.5, 0.5) : 0.0;
		t = os >= 0 ? tv + os * (oc->t[lvl + 1] - tv)
					: tv + os * (tv - oc->t[lvl - 1]);
		resp -= 0.25 * (rm - rp) * os;
	}
	rs = 1.3 * sqrt(t); /* radius of a blob peaking at t, octave px */

	/* Background and local noise: median and MAD of a ring on L1. */
	rho = CLAMP(RING_FACTOR * rs, RING_MIN, (double) MEASURE_REACH);
	ring_sorted(job->k, s, x, y, rho, ring);
	bg = (ring[N_RING / 2 - 1] + ring[N_RING / 2]) / 2;
	cval = lval(s, 0, x, y);
	depth = bg - cval;
	if (bg <= 0 || depth <= 0)
		return FALSE;
	/* The contrast test first: it needs no noise, and it rejects 39% of
	 * the candidates of the bench photo (the noise test 13% more).
	 */
	if (depth < p->min_contrast * bg)
		return FALSE;
	noise = 1.4826 * 0.5 * smp_k_mad_pair(ring, bg);
	noise = MAX(noise, NOISE_FLOOR);
	if (depth < p->min_snr * noise)
		return FALSE;
	return examine_rest(
		job, s, lvl, x, y, ox, oy, resp, noise, bg, cval, NULL, c);
}

/* examine() after its noise test, for a candidate that passed
 * ring_contrast(): the sub-pixel offset again (two divisions; the
 * kernel leaves it out, as most of its candidates fail).
 */
static int
examine_passed(Job *job, Scratch *s, int lvl, int y, const SmpKRingCand *rc,
	const Rays *rays, Cand c[2])
{
	int x = rc->x, v = dval(s, lvl, x, y);
	int l = dval(s, lvl, x - 1, y), r = dval(s, lvl, x + 1, y);
	int u = dval(s, lvl, x, y - 1), d = dval(s, lvl, x, y + 1);
	double ox = fit_offset(r + l - 2.0 * v, l, r);
	double oy = fit_offset(d + u - 2.0 * v, u, d);

	return examine_rest(job, s, lvl, x, y, ox, oy, rc->resp, rc->noise, rc->bg,
		rc->cval, rays, c);
}

/* --- one strip -------------------------------------------------------- */

/* Append @n candidates to @b, a chunk from the pool when the last is
 * full (fresh pages for growing arrays were a sizeable part of the
 * detection's page faults). Out of memory aborts, as GLib's allocators
 * do.
 */
static void
cands_append(CandBuf *b, const Cand *c, guint n)
{
	for (guint i = 0; i < n; i++, b->len++) {
		guint k = b->len / CHUNK_CANDS;

		if (k == b->n_chunks) {
			size_t got;

			b->chunk = g_renew(Cand *, b->chunk, k + 1);
			if (!(b->chunk[k] = smp_detect_buf_new(CHUNK_BYTES, &got)))
				g_error("detect: out of memory for candidates");
			b->n_chunks++;
		}
		b->chunk[k][b->len % CHUNK_CANDS] = c[i];
	}
}

/* A candidate of D(@lvl) at (@x, @y) that passed examine(): the next
 * octave's pixel there keeps the largest of its scale-normalised
 * responses in D3's units (D w[lvl] / w[3], rounded down; @w: 64 t of
 * each level), the finer neighbour of that octave's D0 (find_extrema()).
 * Each strip writes only its own rows' half (STRIP_ROWS is even): no two
 * threads share a pixel, and the next octave starts when every strip is
 * done.
 */
static void
mark_coarser(const Scratch *s, int x, int y, int lvl, const int32_t *w)
{
	const Octave *oc = s->oc;
	int16_t *f = oc->next_fine + (size_t) (y / 2) * oc->next_w + x / 2;
	int v = MIN(INT16_MAX, dval(s, lvl, x, y) * w[lvl] / w[N_DOG - 1]);

	*f = (int16_t) MAX(*f, v);
}

/* Row @r of D(@k), k = -1 being D0's finer neighbour (NULL without one). */
static const int16_t *
level_row(const Scratch *s, int k, int r)
{
	if (k >= 0)
		return s->D[k] + (size_t) (r - s->y0 + HALO) * s->stride;
	return s->oc->fine ? s->oc->fine + (size_t) r * s->oc->w : NULL;
}

/* Slot @slot of level @k's max9_row() rows (slots 0-2: horizontal
 * maxima, 3: the 3x3 maxima).
 */
static inline int16_t *
hm_row(const Scratch *s, int k, int slot)
{
	return s->hm + ((size_t) (k + 1) * HM_ROWS + slot) * s->stride;
}

/* examine() on the extrema of D(@lvl) at (xs[i] + 1, @y), i < @n, those
 * that pass to @out (@lw: as mark_coarser()).
 */
static void
examine_each(Job *job, Scratch *s, int lvl, int y, const int32_t *lw,
	const int32_t *xs, int n, CandBuf *out)
{
	const Octave *oc = s->oc;

	for (int i = 0; i < n; i++) {
		Cand c[2];
		int found;

		/* mark_coarser()'s pixel, in a plane far out of cache: a miss per
		 * kept candidate, a sixth of the per-candidate code's samples,
		 * hidden behind examine()
		 */
		if (oc->next_fine)
			__builtin_prefetch(
				oc->next_fine + (size_t) (y / 2) * oc->next_w + (xs[i] + 1) / 2,
				1);
		found = examine(job, s, lvl, xs[i] + 1, y, c);

		if (found)
			cands_append(out, c, found);
		if (found && oc->next_fine)
			mark_coarser(s, xs[i] + 1, y, lvl, lw);
	}
}

/* examine_each() on the @n extrema in s->xs through the kernels'
 * ring_contrast(): the first stage, up to the contrast and noise tests,
 * eight candidates at a time without a branch per candidate (they
 * reject about 55% of them, unpredictably), the rest of examine() on those that
 * pass. Needs @y at least MEASURE_REACH from the plane's edges; the
 * candidates nearer the left or right edge take examine() (clamped
 * reads).
 */
static void
examine_batched(Job *job, Scratch *s, int lvl, int y, const int32_t *lw, int n,
	CandBuf *out)
{
	const Octave *oc = s->oc;
	SmpKRingIn in;
	int m = 0, k;

	for (int i = 0; i < n; i++) {
		int x = s->xs[i] + 1;

		if (x >= MEASURE_REACH && x < oc->w - MEASURE_REACH)
			s->xin[m++] = s->xs[i];
		else
			examine_each(job, s, lvl, y, lw, s->xs + i, 1, out);
	}
	for (int j = 0; j < 3; j++)
		in.d[j] = drow(s, lvl, y - 1 + j);
	in.dm = in.dp = NULL;
	in.t[0] = in.t[2] = 0.0;
	in.t[1] = oc->t[lvl];
	if (lvl > 0 && lvl < N_DOG - 1) {
		in.dm = drow(s, lvl - 1, y);
		in.dp = drow(s, lvl + 1, y);
		in.t[0] = oc->t[lvl - 1];
		in.t[2] = oc->t[lvl + 1];
	}
	in.l0 = laddr(s, 0, 0, y);
	in.l1 = laddr(s, 1, 0, y);
	in.stride1 = s->lstride[1];
	in.y = y;
	in.min_contrast = job->p->min_contrast;
	in.min_snr = job->p->min_snr;
	in.noise_floor = NOISE_FLOOR;
	k = job->k->ring_contrast(&in, s->xin, m, s->rc);
	/* every survivor's rays first, back to back: their L0 rows were last
	 * read when L1 was built, and one candidate's misses overlap the
	 * next one's where examine()'s other work kept them apart
	 */
	for (int i = 0; i < k; i++) {
		const SmpKRingCand *rc = s->rc + i;
		Rays *ry = s->rays + i;

		/* mark_coarser()'s pixel (examine_each()), now a whole pass of
		 * rays ahead of its use
		 */
		if (oc->next_fine)
			__builtin_prefetch(
				oc->next_fine + (size_t) (y / 2) * oc->next_w + rc->x / 2, 1);
		ry->r = half_depth_radius(job->k, s, rc->x, y, rc->cval,
			(double) (rc->bg - rc->cval), &ry->sharp, ry->width);
	}
	for (int i = 0; i < k; i++) {
		const SmpKRingCand *rc = s->rc + i;
		Cand c[2];
		int found;

		found = examine_passed(job, s, lvl, y, rc, s->rays + i, c);
		if (found)
			cands_append(out, c, found);
		if (found && oc->next_fine)
			mark_coarser(s, rc->x, y, lvl, lw);
	}
}

/* The first pass of the search of row @y (kernels with
 * extrema_spatial()): the 3x3 maxima of every level in @need (bit k + 1),
 * with the blocks that hold a spatial maximum of each searched level.
 * Each row's horizontal maxima are computed once, for the three rows
 * whose maxima use them; the two rows above are taken again only when
 * the search does not continue from row y - 1.
 */
static void
row_maxima(Job *job, Scratch *s, unsigned need, const int16_t thr[N_DOG], int y)
{
	const SmpKernels *kn = job->k;
	int n = s->oc->w - 2, blocks = s->stride / 16 + 1;

	for (int k = -1; k < N_DOG; k++) {
		int16_t *hp = hm_row(s, k, (y - 1) % 3), *hc = hm_row(s, k, y % 3);
		int16_t *hn = hm_row(s, k, (y + 1) % 3), *m = hm_row(s, k, 3);

		if (!(need & (1u << (k + 1))))
			continue;
		if (s->hm_next != y)
			for (int r = y - 1; r <= y; r++)
				kn->max9_row(level_row(s, k, r), NULL, NULL,
					hm_row(s, k, r % 3), NULL, n);
		if (k >= 0 && s->oc->search[k]) {
			const int16_t *r[3] = {level_row(s, k, y - 1), level_row(s, k, y),
				level_row(s, k, y + 1)};

			s->nb[k] = kn->extrema_spatial(
				r, hp, hc, hn, m, thr[k], s->bmask + (size_t) k * blocks, n);
		}
		else
			kn->max9_row(level_row(s, k, y + 1), hp, hc, hn, m, n);
	}
	s->hm_next = y + 1;
}

/* The scale-space extrema of the searched D(k) on the strip's rows,
 * through the extrema kernel (threshold, contrast gate, 3x3x3 test), each
 * examined; those that pass go to @out. Rows outer, levels inner: the
 * rows of every level are read once per strip while in cache, where a
 * pass per level read each level's rows three times from memory (the
 * search was bound by memory). The order of the candidates does not
 * matter: suppress() sorts them with a total order.
 * @thr: each level's noise gate; [@ya, @yb): the rows searched.
 * Returns: the number examined.
 */
static guint64
find_extrema(Job *job, Scratch *s, const int16_t thr[N_DOG], int ya, int yb,
	CandBuf *out)
{
	const Octave *oc = s->oc;
	int w = oc->w, h = oc->h;
	int32_t wt[N_DOG][3], lw[N_DOG];
	guint64 examined = 0;
	unsigned need = 0;

	for (int lvl = 0; lvl < N_DOG; lvl++)
		for (int j = 0; j < 3; j++) {
			int k = CLAMP(lvl - 1 + j, 0, N_DOG - 1);

			wt[lvl][j] = (int32_t) lround(64.0 * oc->t[k]);
		}
	/* D0's finer neighbour: the responses of the previous octave's
	 * candidates (mark_coarser(); 0 elsewhere, below any maximum here).
	 * D0 had none, so a dot whose response peaks in the finer octave was
	 * a candidate again here at the scale axis' end: 34,570 of the
	 * 108,543 candidates of the bench photo were octave 1's D0, 9,672 of
	 * them kept. t D is scale-normalised in each octave's own pixels, so
	 * the weight is the finer octave's D3 variance (the marks' units).
	 * All of D3 as the neighbour (no candidate needed) vetoed faint dots
	 * too: F1 0.965 on the bench photo instead of 0.981.
	 */
	if (oc->fine)
		wt[0][0] = (int32_t) lround(64.0 * oc->fine_t);
	for (int k = 0; k < N_DOG; k++)
		lw[k] = (int32_t) lround(64.0 * oc->t[k]);
	/* the levels whose 3x3 maxima the searches use (bit k + 1) */
	for (int lvl = 0; lvl < N_DOG; lvl++)
		if (oc->search[lvl])
			need |= (7u << lvl) & ~(oc->fine ? 0u : 1u) & 0x1Fu;
	for (int y = MAX(1, ya); y < MIN(h - 1, yb); y++) {
		const uint16_t *lev =
			s->L[1] + (size_t) (y - s->lorigin[1]) * s->lstride[1];

		if (job->k->extrema_spatial)
			row_maxima(job, s, need, thr, y);
		for (int lvl = 0; lvl < N_DOG; lvl++) {
			const int16_t *d[9], *m[3];
			int n;

			if (!oc->search[lvl])
				continue;
			for (int j = 0; j < 3; j++) {
				int k = lvl - 1 + j;

				for (int r = 0; r < 3; r++)
					d[3 * j + r] =
						k < N_DOG ? level_row(s, k, y - 1 + r) : NULL;
				m[j] = d[3 * j] ? hm_row(s, k, 3) : NULL;
			}
			if (job->k->extrema_spatial) {
				int blocks = s->stride / 16 + 1;

				n = job->k->extrema_scale(d, m, hm_row(s, lvl, (y - 1) % 3),
					wt[lvl], lev, thr[lvl], job->gate,
					s->bmask + (size_t) lvl * blocks, s->nb[lvl], s->xs, w - 2);
			}
			else
				n = job->k->extrema(
					d, wt[lvl], lev, thr[lvl], job->gate, s->xs, w - 2);
			examined += (guint64) n;
			if (job->k->ring_contrast && y >= MEASURE_REACH &&
				y < h - MEASURE_REACH)
				examine_batched(job, s, lvl, y, lw, n, out);
			else
				examine_each(job, s, lvl, y, lw, s->xs, n, out);
		}
	}
	return examined;
}

/* L2..L4, D1..D3 and the extrema, BAND rows at a time: each band's
 * levels are built just ahead of its search, so that the search finds
 * them in cache (built a level per pass over the whole strip, 9 MB per
 * strip, the extrema kernel's sparse reads of the neighbour levels
 * missed). The search at row y reads D rows y - 1 .. y + 1, and L(k + 1)
 * row r needs L(k) rows r - 2 .. r + 2, so L(i) is needed on rows
 * [y0 - 1 - 2 (4 - i), y1 + 1 + 2 (4 - i)), fewer than the halo (the
 * measurements read only L0, L1 and D around the candidate). Each row
 * is computed once, from the same rows as before: same bits. L4 takes
 * L2's plane; a row of L2 is dead when L4 gets there (L3 is ahead).
 * Returns: the number examined.
 */
#define BAND 8

static guint64
search_bands(Job *job, Scratch *s, const int16_t thr[N_DOG], CandBuf *out)
{
	static const int plane[N_LEVELS] = {0, 1, 2, 3, 2};
	int h = s->oc->h, y0 = s->y0, y1 = MIN(h, y0 + STRIP_ROWS);
	int done[N_LEVELS];
	guint64 examined = 0;

	for (int i = 2; i < N_LEVELS; i++)
		done[i] = MAX(0, y0 - 1 - 2 * (N_LEVELS - 1 - i));
	for (int ya = y0; ya < y1; ya += BAND) {
		int yb = MIN(y1, ya + BAND);

		for (int i = 2; i < N_LEVELS; i++) {
			int want = MIN(h, yb + 1 + 2 * (N_LEVELS - 1 - i));

			if (want > done[i])
				blur_level(job, s, i - 1, plane[i], done[i], want);
			done[i] = MAX(done[i], want);
		}
		examined += find_extrema(job, s, thr, ya, yb, out);
	}
	return examined;
}

static gboolean
process_strip(Job *job, Scratch *s, int strip)
{
	const Octave *oc = &job->oct[job->cur];
	int w = oc->w, h = oc->h;
	int y0 = strip * STRIP_ROWS, y1 = MIN(h, y0 + STRIP_ROWS);
	int lo[N_LEVELS], hi[N_LEVELS];
	CandBuf *out = &job->strips[job->cur][strip];
	int16_t thr[N_DOG];
	double noise;

	s->oc = oc;
	s->y0 = y0;
	s->hm_next = -1;
	for (int i = 0; i < N_LEVELS; i++) {
		lo[i] = MAX(0, y0 - HALO + 2 * i);
		hi[i] = MIN(h, y1 + HALO - 2 * i);
	}

	/* L0 */
	if (job->cur == 0) {
		if (!load_rows(job, s, lo[0], hi[0]))
			return FALSE;
		s->L[0] = s->P[0];
		s->lstride[0] = s->stride;
		s->lorigin[0] = y0 - HALO;
	}
	else {
		s->L[0] = oc->base;
		s->lstride[0] = w;
		s->lorigin[0] = 0;
	}
	smp_k_ray_offsets(s->ray_off, s->lstride[0]);

	/* L1 and D0 on every row: the measurements read L1 in the halo, and
	 * octave 0's noise gate comes from the strip's D0.
	 */
	blur_level(job, s, 0, 1, lo[1], hi[1]);
	if (job->cur == 0) {
		job->strip_noise[strip] = dog_noise(s, 0, y0, y1) / dog_gain[0][0];
		noise = job->strip_noise[strip];
	}
	else
		noise = job->noise;
	for (int lvl = 0; lvl < N_DOG; lvl++) {
		double sigma = noise * dog_gain[MIN(job->cur, 3)][lvl];
		int t = MAX(THR_MIN, (int) ceil(THR_NOISE_K * sigma));

		thr[lvl] = (int16_t) MIN(t, INT16_MAX - 1);
	}
	job->examined[strip] = search_bands(job, s, thr, out);

	/* The next octave's base: even rows of L4, even columns. */
	if (oc->next)
		for (int y = y0; y < y1; y += 2)
			job->k->down2(prow(s, 2, y),
				oc->next + (size_t) (y / 2) * oc->next_w, oc->next_w);
	return TRUE;
}

/* --- threads ---------------------------------------------------------- */

static void
record_failure(Job *job, int strip)
{
	g_mutex_lock(&job->lock);
	if (strip < job->fail_strip) {
		g_clear_error(&job->error);
		smp_error_from_vips(
			&job->error, SMP_ERROR_CORRUPT, job->path, "detect");
		job->fail_strip = strip;
	}
	else
		smp_vips_error_clear();
	g_mutex_unlock(&job->lock);
}

static gpointer worker(gpointer data);

/* A thread of our own: libvips' per-thread buffers go with it. */
static gpointer
worker_thread(gpointer data)
{
	worker(data);
	vips_thread_shutdown();
	return NULL;
}

static gpointer
worker(gpointer data)
{
	Job *job = data;
	int slot = g_atomic_int_add(&job->next_slot, 1);
	Scratch *s = job->scratch[slot];

	if (!s && !(s = job->scratch[slot] = scratch_new(job->oct[0].w))) {
		g_mutex_lock(&job->lock);
		if (!job->error)
			g_set_error(&job->error, SMP_ERROR, SMP_ERROR_LIMIT,
				"%s: detect: out of memory for strip buffers",
				job->path ? job->path : "image");
		job->fail_strip = -1;
		g_mutex_unlock(&job->lock);
		return NULL;
	}
	/* A region belongs to the thread that made it. */
	if (job->cur == 0)
		s->region = vips_region_new(job->image);
	for (;;) {
		int strip = g_atomic_int_add(&job->next_strip, 1);

		if (strip >= job->oct[job->cur].n_strips)
			break;
		if (!process_strip(job, s, strip))
			record_failure(job, strip);
	}
	if (s->region)
		g_clear_object(&s->region);
	return NULL;
}

/* Process every strip of octave @o on up to @threads threads (the calling
 * thread is one of them).
 */
static gboolean
run_octave(Job *job, int o, int threads)
{
	Octave *oc = &job->oct[o];
	GThread *pool[MAX_THREADS];
	int n;

	job->cur = o;
	job->next_strip = 0;
	job->next_slot = 0;
	job->strips[o] = g_new0(CandBuf, oc->n_strips);
	job->examined = g_new0(guint64, oc->n_strips);
	if (oc->has_next) {
		oc->next =
			aligned_new((size_t) oc->next_w * oc->next_h * sizeof(uint16_t));
		oc->next_fine =
			aligned_new((size_t) oc->next_w * oc->next_h * sizeof(int16_t));
		if (oc->next_fine)
			memset(oc->next_fine, 0,
				(size_t) oc->next_w * oc->next_h * sizeof(int16_t));
		if (!oc->next || !oc->next_fine) {
			g_set_error(&job->error, SMP_ERROR, SMP_ERROR_LIMIT,
				"%s: detect: out of memory for octave %d",
				job->path ? job->path : "image", o + 1);
			return FALSE;
		}
	}

	n = CLAMP(threads, 1, MIN(oc->n_strips, job->n_scratch));
	for (int i = 1; i < n; i++)
		pool[i] = g_thread_new("smp-detect", worker_thread, job);
	worker(job);
	for (int i = 1; i < n; i++)
		g_thread_join(pool[i]);
	return job->error == NULL;
}

static void
free_strips(Job *job)
{
	for (int o = 0; o < job->n_oct; o++) {
		for (int i = 0; i < job->oct[o].n_strips && job->strips[o]; i++) {
			CandBuf *b = &job->strips[o][i];

			for (guint k = 0; k < b->n_chunks; k++)
				smp_detect_buf_free(b->chunk[k], CHUNK_BYTES);
			g_free(b->chunk);
		}
		g_clear_pointer(&job->strips[o], g_free);
	}
}

/* Every octave's candidates in (octave, strip) order, in one buffer of
 * @bytes from smp_detect_buf_new(): a single copy into pooled memory
 * where appending to a GArray after each octave grew it (and faulted
 * fresh pages) several times.
 */
static Cand *
gather_cands(Job *job, guint n, size_t *bytes)
{
	Cand *all = smp_detect_buf_new((size_t) n * sizeof(Cand), bytes);
	guint at = 0;

	if (!all)
		return NULL;
	for (int o = 0; o < job->n_oct; o++)
		for (int i = 0; i < job->oct[o].n_strips && job->strips[o]; i++) {
			const CandBuf *b = &job->strips[o][i];

			for (guint k = 0; k < b->n_chunks; k++) {
				guint m = MIN(CHUNK_CANDS, b->len - k * CHUNK_CANDS);

				memcpy(all + at, b->chunk[k], (size_t) m * sizeof(Cand));
				at += m;
			}
		}
	return all;
}

/* --- the public entry point ------------------------------------------- */

static gboolean
check_params(const SmpDetectParams *p, const char *path, GError **error)
{
	const char *what = NULL;

	if (!(p->diameter_min_px >= 1.0 && p->diameter_min_px <= 1000.0))
		what = "diameter_min_px must lie in [1, 1000]";
	else if (!(p->diameter_max_px >= p->diameter_min_px &&
				 p->diameter_max_px <= 1000.0))
		what = "diameter_max_px must lie in [diameter_min_px, 1000]";
	else if (!(p->large_max_px == 0.0 || p->large_max_px >= p->diameter_max_px))
		what = "large_max_px must be 0 or >= diameter_max_px";
	else if (!(p->min_contrast >= 0.0 && p->min_contrast < 1.0))
		what = "min_contrast must lie in [0, 1)";
	else if (!(p->min_snr >= 0.0 && p->min_snr <= 1000.0))
		what = "min_snr must lie in [0, 1000]";
	else if (p->isa < -1 || p->isa >= SMP_ISA_COUNT)
		what = "isa must be -1 or an SmpIsa";
	if (what) {
		g_set_error(error, SMP_ERROR, SMP_ERROR_CONFIG, "%s: detect: %s",
			path ? path : "image", what);
		return FALSE;
	}
	return TRUE;
}

/* Octave sizes and scales, enough octaves to reach the largest blob. */
static void
plan_octaves(Job *job, const SmpDetectParams *p)
{
	double rmax = 0.5 * p->large_max_px;
	double tmax = rmax * rmax / (1.3 * 1.3); /* t where it peaks, px² */
	int w = job->image->Xsize, h = job->image->Ysize;
	double sb = SB0, added = 0.0;

	job->n_oct = 0;
	for (int o = 0; o < MAX_OCTAVES; o++) {
		Octave *oc = &job->oct[o];

		oc->w = w;
		oc->h = h;
		oc->n_strips = (h + STRIP_ROWS - 1) / STRIP_ROWS;
		oc->sb = sb;
		oc->added = added;
		oc->scale = 1 << o;
		for (int k = 0; k < N_DOG; k++) {
			/* radius of a blob peaking at this scale, full px */
			double r = 1.3 * sqrt(sb + k + 0.5) * oc->scale;

			oc->t[k] = sb + k + 0.5;
			oc->search[k] =
				r >= 0.35 * p->diameter_min_px && r <= 0.75 * p->large_max_px;
		}
		job->n_oct = o + 1;
		/* Enough when this octave's top scale reaches tmax, or when the
		 * next would be too small.
		 */
		if (oc->t[N_DOG - 1] * oc->scale * oc->scale >= tmax ||
			(w + 1) / 2 < MIN_SIDE || (h + 1) / 2 < MIN_SIDE)
			break;
		oc->next_w = (w + 1) / 2;
		oc->next_h = (h + 1) / 2;
		oc->has_next = TRUE; /* the plane: run_octave() */
		w = oc->next_w;
		h = oc->next_h;
		sb = (sb + 4.0) / 4.0;
		added = (added + 4.0) / 4.0;
	}
}

/* The 8-bit image detection reads: @image itself with 1 or 3 bands, or
 * in *@bands without its alpha band; any other format is the caller's
 * to convert.
 */
static gboolean
colour_bands(
	VipsImage *image, const char *path, VipsImage **bands, GError **error)
{
	if (image->BandFmt == VIPS_FORMAT_UCHAR &&
		(image->Bands == 1 || image->Bands == 3))
		return TRUE;
	if (image->BandFmt == VIPS_FORMAT_UCHAR &&
		(image->Bands == 2 || image->Bands == 4)) {
		if (!vips_extract_band(image, bands, 0, "n", image->Bands - 1, NULL))
			return TRUE;
		smp_error_from_vips(error, SMP_ERROR_CORRUPT, path, "detect");
		return FALSE;
	}
	g_set_error(error, SMP_ERROR, SMP_ERROR_UNSUPPORTED,
		"%s: detect: need an 8-bit image with 1 or 3 bands, "
		"not %d bands of %s",
		path ? path : "image", image->Bands,
		vips_enum_nick(VIPS_TYPE_BAND_FORMAT, image->BandFmt));
	return FALSE;
}

/* Octave @o is searched: its planes go, and the next octave takes the
 * decimated planes it built (the last one frees them).
 */
static void
octave_hand_over(Job *job, int o)
{
	Octave *oc = &job->oct[o];

	aligned_free(oc->base, plane_bytes(oc));
	oc->base = NULL;
	aligned_free(oc->fine, plane_bytes(oc));
	oc->fine = NULL;
	if (o + 1 < job->n_oct) {
		job->oct[o + 1].base = oc->next;
		job->oct[o + 1].fine = oc->next_fine;
		job->oct[o + 1].fine_t = oc->t[N_DOG - 1];
	}
	else {
		aligned_free(
			oc->next, (size_t) oc->next_w * oc->next_h * sizeof(uint16_t));
		aligned_free(
			oc->next_fine, (size_t) oc->next_w * oc->next_h * sizeof(int16_t));
	}
	oc->next = NULL;
	oc->next_fine = NULL;
}

/* The planes of the octaves after @o, when the search stops early. */
static void
octaves_free_after(Job *job, int o)
{
	for (int q = o + 1; q < job->n_oct; q++) {
		aligned_free(job->oct[q].base, plane_bytes(&job->oct[q]));
		aligned_free(job->oct[q].fine, plane_bytes(&job->oct[q]));
	}
}

/* Every octave's search, coarser ones on planes the finer built; the
 * strip noise of octave 0 gives job->noise. Adds the candidates listed to
 * *@n_all and those examined to *@examined. FALSE, with every plane
 * freed, when a strip failed or the candidates pass their limit.
 */
static gboolean
run_octaves(
	Job *job, const char *name, guint *n_all, guint64 *examined, GError **error)
{
	for (int o = 0; o < job->n_oct; o++) {
		int n = job->oct[o].n_strips;
		gboolean ok = run_octave(job, o, job->n_scratch);

		if (ok && o == 0) {
			double *v = g_memdup2(job->strip_noise, n * sizeof(double));

			job->noise = smp_detect_median(v, n);
			g_free(v);
		}
		for (int i = 0; ok && i < n; i++) {
			*n_all += job->strips[o][i].len;
			*examined += job->examined[i];
		}
		g_clear_pointer(&job->examined, g_free);
		octave_hand_over(job, o);
		if (!ok) {
			octaves_free_after(job, o);
			g_propagate_error(error, job->error);
			job->error = NULL;
			return FALSE;
		}
		if (*n_all > (guint) SMP_DETECT_MAX_DOTS * 4) {
			octaves_free_after(job, o);
			g_set_error(error, SMP_ERROR, SMP_ERROR_LIMIT,
				"%s: detect: more than %d candidates", name,
				SMP_DETECT_MAX_DOTS * 4);
			return FALSE;
		}
	}
	return TRUE;
}

/* @params, or the defaults when NULL, checked, into *@p, with the
 * large-blob limit derived when it is not given.
 */
static gboolean
resolve_params(const SmpDetectParams *params, const char *path,
	SmpDetectParams *p, GError **error)
{
	if (params)
		*p = *params;
	else
		smp_detect_params_default(p);
	if (!check_params(p, path, error))
		return FALSE;
	if (p->large_max_px == 0.0)
		p->large_max_px = SMP_DETECT_LARGE_FACTOR * p->diameter_max_px;
	return TRUE;
}

/* An empty detection of @image by the kernels named @isa. */
static SmpDetection *
detection_new(const VipsImage *image, const char *isa)
{
	SmpDetection *d = g_new0(SmpDetection, 1);

	d->width = image->Xsize;
	d->height = image->Ysize;
	d->dots = g_array_new(FALSE, FALSE, sizeof(SmpDot));
	d->large_blobs = g_array_new(FALSE, FALSE, sizeof(SmpDot));
	d->isa = isa;
	d->focus = NAN;
	d->noise = NAN;
	return d;
}

/* Everything a job holds, whether the search ran, stopped or failed. */
static void
job_clear(Job *job)
{
	for (int i = 0; i < job->n_scratch; i++)
		scratch_free(job->scratch[i]);
	g_free(job->scratch);
	g_free(job->strip_noise);
	free_strips(job);
	g_free(job->examined);
	g_mutex_clear(&job->lock);
}

SmpDetection *
smp_detect_dots(VipsImage *image, const SmpDetectParams *params,
	const char *path, GError **error)
{
	SmpDetectParams p;
	Job job;
	SmpDetection *d = NULL;
	VipsImage *bands = NULL;
	Cand *all = NULL;
	size_t all_bytes = 0;
	guint n_all = 0;
	guint64 examined = 0;
	const char *name = path ? path : "image";

	if (!resolve_params(params, path, &p, error) ||
		!colour_bands(image, path, &bands, error))
		return NULL;

	ring_off_init();
	memset(&job, 0, sizeof(job));
	job.image = bands ? bands : image;
	job.p = &p;
	job.gate =
		(uint16_t) MIN(65535.0, floor(65536.0 * GATE_K * p.min_contrast));
	job.path = path;
	job.fail_strip = G_MAXINT;
	g_mutex_init(&job.lock);
	if (p.isa < 0)
		job.k = smp_kernels();
	else if (!(job.k = smp_kernels_for((SmpIsa) p.isa))) {
		g_set_error(error, SMP_ERROR, SMP_ERROR_UNSUPPORTED,
			"%s: detect: this CPU has no %s", name,
			smp_isa_name((SmpIsa) p.isa));
		goto out;
	}

	d = detection_new(image, job.k->name);
	if (image->Xsize < MIN_SIDE || image->Ysize < MIN_SIDE)
		goto out;

	plan_octaves(&job, &p);
	job.n_scratch = CLAMP(vips_concurrency_get(), 1, MAX_THREADS);
	job.scratch = g_new0(Scratch *, job.n_scratch);
	job.strip_noise = g_new0(double, job.oct[0].n_strips);
	if (!run_octaves(&job, name, &n_all, &examined, error)) {
		g_clear_pointer(&d, smp_detection_free);
		goto out;
	}
	d->candidates = examined;
	if (!(all = gather_cands(&job, n_all, &all_bytes))) {
		g_set_error(error, SMP_ERROR, SMP_ERROR_LIMIT,
			"%s: detect: out of memory for %u candidates", name, n_all);
		g_clear_pointer(&d, smp_detection_free);
		goto out;
	}
	free_strips(&job);
	smp_detect_suppress(all, n_all, &p, image->Xsize, image->Ysize, d);
	if (d->dots->len > SMP_DETECT_MAX_DOTS) {
		g_set_error(error, SMP_ERROR, SMP_ERROR_LIMIT,
			"%s: detect: more than %d dots", name, SMP_DETECT_MAX_DOTS);
		g_clear_pointer(&d, smp_detection_free);
	}

out:
	job_clear(&job);
	smp_detect_buf_free(all, all_bytes);
	if (bands)
		g_object_unref(bands);
	return d;
}
