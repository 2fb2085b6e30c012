/* Row kernels of the dot detector (the hot loop) and their dispatch table.
 * SPDX-License-Identifier: MIT
 *
 * Every kernel works on one row (or a few rows) of @n pixels, never
 * allocates and never touches memory outside the spans documented below;
 * halos are the caller's job. Levels are uint16 in "Q4" (8-bit grey * 16,
 * 0..4080), so a 5-tap binomial sum (weights 1 4 6 4 1, total 16) peaks at
 * 65280 and fits in 16 bits without widening. All arithmetic is integer:
 * every path gives the same bits as the scalar reference, which is the
 * specification. The per-pixel functions below are shared by every ISA
 * file for its tail, so that a tail is the reference by construction.
 */
#ifndef SMPDOC_DETECT_KERNELS_H
#define SMPDOC_DETECT_KERNELS_H

#include <stdint.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "smpdoc/detect.h"

/* Luma weights (BT.601, sum 256) and the Q4 scale of every level. */
#define SMP_K_WR 77
#define SMP_K_WG 150
#define SMP_K_WB 29
#define SMP_K_Q 4

/* examine()'s constants (detect.c) that ring_contrast() needs too. */
#define SMP_K_EDGE_RATIO 8.0 /* max principal curvature ratio (SIFT's r) */
#define SMP_K_RING_FACTOR 2.2 /* ring radius / scale radius */
#define SMP_K_RING_MIN 2.5 /* octave px */

/* One row's inputs of ring_contrast(). */
typedef struct SmpKRingIn {
	const int16_t *d[3]; /* D(lvl): rows y - 1, y, y + 1 */
	const int16_t *dm, *dp; /* row y of D(lvl -+ 1); NULL: no scale fit */
	double t[3]; /* t of levels lvl - 1, lvl, lvl + 1 */
	const uint16_t *l0, *l1; /* row y of L0 and of L1 */
	int stride1; /* of L1, in elements */
	int y;
	double min_contrast, min_snr, noise_floor;
} SmpKRingIn;

/* A candidate that passed ring_contrast(): its column, the fitted
 * response, the ring's noise, the ring sorted, its median bg and L0 at
 * the centre.
 */
typedef struct SmpKRingCand {
	double resp, noise;
	int32_t x, bg, cval;
	int32_t ring[16];
} SmpKRingCand;

typedef struct SmpKernels {
	SmpIsa isa;
	const char *name;

	/* dst[i] = (77 R + 150 G + 29 B + 8) >> 4 from interleaved RGB:
	 * reads rgb[0, 3n), writes dst[0, n). Q4 luma, 0..4080.
	 */
	void (*luma_rgb)(const uint8_t *rgb, uint16_t *dst, int n);

	/* dst[i] = src[i] << 4: reads src[0, n), writes dst[0, n). */
	void (*luma_gray)(const uint8_t *src, uint16_t *dst, int n);

	/* Vertical binomial: dst[i] = (r0 + 4 r1 + 6 r2 + 4 r3 + r4 + 8) >> 4
	 * at column i; reads each row's [0, n), writes dst[0, n). Inputs must
	 * be <= 4080.
	 */
	void (*vblur5)(const uint16_t *r0, const uint16_t *r1, const uint16_t *r2,
		const uint16_t *r3, const uint16_t *r4, uint16_t *dst, int n);

	/* Horizontal binomial and difference of Gaussians in one pass:
	 * dst[i] = (s[i] + 4 s[i+1] + 6 s[i+2] + 4 s[i+3] + s[i+4] + 8) >> 4
	 * and dog[i] = dst[i] - prev[i]. Reads src[0, n + 4) (two halo pixels
	 * each side of the output), prev[0, n); writes dst[0, n), dog[0, n).
	 */
	void (*hblur5_dog)(const uint16_t *src, const uint16_t *prev, uint16_t *dst,
		int16_t *dog, int n);

	/* Scale-space extrema of one DoG level with cheap gates, as a compact
	 * list. @d holds nine rows: d[3 j + r] is level j (0: the finer
	 * neighbour k - 1, 1: the level k searched, 2: the coarser k + 1) at
	 * row r (0 above, 1 centre, 2 below); the three rows of level 0 or of
	 * level 2 are NULL at the ends of the scale axis. The centre of
	 * output i is column i + 1; every row is read at [0, n + 2), @lev
	 * (the local level L1 of the centre row) too. Column i + 1 is listed
	 * when v = d[4][i + 1]:
	 * - v > @thr (noise gate);
	 * - v is a 3x3 maximum of level 1, ties going to the first pixel in
	 *   raster order (> the neighbours above and left, >= the others);
	 * - v w[1] >= (lev[i + 1] @gate) >> 16 (contrast gate: the scaled
	 *   response against the local grey level, Q16);
	 * - v w[1] > d0 w[0] and v w[1] >= d2 w[2] for all nine neighbours of
	 *   each present adjacent level (ties go to the finer scale).
	 * The w are integer scale weights (64 t), 0 < w < 2^15 and |d| <= 4096,
	 * so products and their differences fit in int32. Writes i for each listed column, in
	 * increasing order, to xs[0, count); returns count (<= n).
	 */
	int (*extrema)(const int16_t *const d[9], const int32_t w[3],
		const uint16_t *lev, int16_t thr, uint16_t gate, int32_t *xs, int n);

	/* Optional (NULL on paths that search with extrema() alone): the 3x3
	 * maxima of a DoG level, one row at a time, from its horizontal
	 * maxima. hnext[i] = max(row[i], row[i + 1], row[i + 2]) and, when
	 * @m is not NULL, m[i] = max(hprev[i], hcur[i], hnext[i]): with
	 * hprev and hcur the horizontal maxima of the two rows above @row,
	 * m is the 3x3 maximum around column i + 1 of the row between.
	 * Reads row[0, n + 2), hprev and hcur [0, n) (not read when @m is
	 * NULL); writes hnext[0, n) and m[0, n).
	 */
	void (*max9_row)(const int16_t *row, const int16_t *hprev,
		const int16_t *hcur, int16_t *hnext, int16_t *m, int n);

	/* Optional, with max9_row(): extrema() in two passes over a row,
	 * through the levels' 3x3 maxima, each level's computed once per row
	 * for its own search and both its neighbours' (extrema() took a
	 * neighbour's again from nine rows for every block it tested).
	 *
	 * extrema_spatial(): max9_row(r[2], hprev, hcur, hnext, m, n) of the
	 * searched level (r: its rows above, at and below the centre), and
	 * for each 16-column block b, [16 b, 16 b + 16) with 16 b + 16 <= n,
	 * the 16-bit lane mask of its columns i = 16 b + j for which
	 * v = r[1][i + 1] > @thr and v == m[i] (v is its 3x3 maximum, ties
	 * allowed) in mask[b], zero or not; returns the number of blocks,
	 * n / 16.
	 *
	 * extrema_scale(): then, with m[j] the 3x3 maxima of d[3 j .. 3 j + 2]
	 * (m[0] and m[2] NULL where d's rows are; m[1] as written above),
	 * @hup the horizontal maxima of d[3] (hprev above: hup[i] = max(d[3][i],
	 * d[3][i + 1], d[3][i + 2])) and the @nb block masks from
	 * extrema_spatial(), the list extrema(d, w, lev, thr, gate, xs, n)
	 * gives, in its order: the rest of the spatial test and the gate and
	 * scale tests on the blocks with a mask, extrema()'s test on the
	 * columns past the last whole block. Reads m[j] and hup [0, n); may
	 * write anything to xs[count, n) (it lists eight places per store).
	 */
	int (*extrema_spatial)(const int16_t *const r[3], const int16_t *hprev,
		const int16_t *hcur, int16_t *hnext, int16_t *m, int16_t thr,
		uint16_t *mask, int n);
	int (*extrema_scale)(const int16_t *const d[9], const int16_t *const m[3],
		const int16_t *hup, const int32_t w[3], const uint16_t *lev,
		int16_t thr, uint16_t gate, const uint16_t *mask, int nb, int32_t *xs,
		int n);

	/* Decimation by two: dst[i] = src[2 i]; reads src[0, 2n - 1),
	 * writes dst[0, n).
	 */
	void (*down2)(const uint16_t *src, uint16_t *dst, int n);

	/* The peak of the one-sided excess darkness around a candidate
	 * (split_partner() in detect.c). @c is a pixel of a level plane and
	 * off[SMP_K_RING m + i] the element offset from it of step m along
	 * ring direction i, whose opposite is direction i ^ 8. The excess is
	 * e(i, m) = c[off[SMP_K_RING m + (i ^ 8)]] - c[off[SMP_K_RING m + i]].
	 * Returns the largest e(i, m) > 0 over i = 0 .. 15 (outer) and
	 * m = m0 .. m1 - 1 (inner), the first in that order on ties, and sets
	 * *bi and *bm to its i and m; returns 0 (and leaves them) when no e
	 * is positive. Reads c[off[SMP_K_RING m + i]] for m in [m0, m1); the
	 * element after each must be readable too (a path may gather 32
	 * bits). Levels are <= 4095; 0 <= m0, m1 <= 16 (nothing is searched
	 * when m0 >= m1).
	 */
	int (*excess_peak)(const uint16_t *c, const int32_t *off, int m0, int m1,
		int *bi, int *bm);

	/* Optional (NULL where excess_peak() is used): excess_peak() by
	 * rows, for points that come in mirror pairs. @c is a pixel of a
	 * level plane of @stride elements; lane j = 0 .. 15 of row
	 * r = 0 .. SMP_K_EXCESS_ROWS - 1 is the point q = (j - 7, r) (column,
	 * row from @c), with E(q) = c[-q] - c[q]. rank[16 r + j] and
	 * rank[SMP_K_EXCESS_LANES + 16 r + j] select e = E(q) and e = -E(q)
	 * with their rank (0xFFFF: not selected). Returns the largest
	 * selected e > 0 and sets *at to the smallest rank among the
	 * selected e equal to it; returns 0 (and leaves *at) when no selected
	 * e is positive. Reads rows -8 .. 8 and columns -8 .. 8 around @c,
	 * each row as 16 elements (the one at (8, 8) is the last). Levels
	 * are <= 4095. With smp_k_excess_ranks()' table, excess_peak()'s
	 * result: the peak, and i = *at >> 4, m = *at & 15.
	 */
	int (*excess_rows)(
		const uint16_t *c, int stride, const uint16_t *rank, int *at);

	/* The half-depth crossings of eight rays from a dark spot's centre
	 * (half_depth_radius() in detect.c). @c is the centre pixel of a
	 * level plane and off[SMP_K_RAYS (m - 1) + i] the element offset of
	 * step m = 1 .. SMP_K_RAY_STEPS along ray i (even rays axial, odd
	 * ones diagonal). Per ray, the first step m whose value v exceeds
	 * @half, with p the value before it (@cval at m = 1), gives the
	 * radius (m - 1) + (double) (half - p) / (v - p) and the slope
	 * v - p; no such step gives SMP_K_RAY_STEPS and 0. Odd rays' radii
	 * are then multiplied by SMP_K_SQRT2 and their slopes divided by it.
	 * Writes out[0] and out[1], the smallest and largest of the four
	 * diameters r[i] + r[i + 4]; out[2] and out[3], the radii at places
	 * 3 and 4 of a stable sort of the eight; out[4] and out[5], their
	 * slopes. Needs @cval <= @half; reads as excess_peak() does (the
	 * element after each one too).
	 */
	void (*ray_half)(const uint16_t *c, const int32_t *off, int cval, int half,
		double out[6]);

	/* Optional (NULL where ray_half() is used): ray_half() with the
	 * detector's rays on a plane of @stride elements, step m along ray i
	 * at (m dx, m dy) with (dx, dy) = (1, 0), (1, 1), (0, 1), (-1, 1),
	 * (-1, 0), (-1, -1), (0, -1), (1, -1) (smp_k_ray_offsets()):
	 * the same six doubles. Reads rows -7 .. 7 around @c, columns -7 .. 8
	 * of each (so the element at (8, 7) is the last).
	 */
	void (*ray_half_rows)(
		const uint16_t *c, int stride, int cval, int half, double out[6]);

	/* The background ring of a candidate, sorted (examine() in
	 * detect.c). @c is the candidate's pixel (@x, @y) of a level plane
	 * of @stride elements; sample i = 0 .. SMP_K_RING - 1 is its pixel
	 * (xx, yy) = ((int) (x + 0.5 + rho smp_k_ring_cos[i]),
	 * (int) (y + 0.5 + rho smp_k_ring_sin[i])), the doubles evaluated in
	 * that order. Writes the sixteen values in ascending order to
	 * out[0, SMP_K_RING). Needs 0 <= @rho <= SMP_K_RING_REACH and
	 * @x, @y >= SMP_K_RING_REACH (the casts are floors); reads within
	 * SMP_K_RING_REACH rows and columns of @c. Levels are <= 4095.
	 */
	void (*ring_sorted)(
		const uint16_t *c, int stride, int x, int y, double rho, int out[16]);

	/* The first stage of examine() (detect.c) for @n candidates of one
	 * row, each at (xs[i] + 1, @in->y) (the extrema kernels' listing):
	 * the Hessian test, the scale fit, the ring's samples, sorted, the
	 * contrast test and the noise test (smp_k_mad_pair()), through the
	 * same doubles in the same order as examine(). Writes those that pass, in the order of @xs, to @out
	 * (at most @n) and returns their number. Needs every candidate and
	 * @in->y at least SMP_K_RING_REACH from the plane's edges; reads
	 * within one column of each candidate in the D rows, within
	 * SMP_K_RING_REACH of it in L1. NULL where the per-candidate C is
	 * used (every path but AVX2's).
	 */
	int (*ring_contrast)(const struct SmpKRingIn *in, const int32_t *xs, int n,
		struct SmpKRingCand *out);
} SmpKernels;

#define SMP_K_RING 16 /* directions of excess_peak() and ring_sorted() */
#define SMP_K_RING_REACH 7 /* largest radius of ring_sorted() */
#define SMP_K_EXCESS_ROWS 9 /* rows 0 .. 8 of excess_rows() */
#define SMP_K_EXCESS_LANES (SMP_K_EXCESS_ROWS * 16)
#define SMP_K_RAYS 8 /* rays of ray_half() */
#define SMP_K_RAY_STEPS 7
#define SMP_K_SQRT2 1.4142135623730951 /* G_SQRT2 as a double */

/* ray_half()'s directions in the detector (ray_half_rows()): (dx, dy),
 * even rays axial, odd ones diagonal.
 */
static const int smp_k_ray_dir[SMP_K_RAYS][2] = {
	{1, 0}, {1, 1}, {0, 1}, {-1, 1}, {-1, 0}, {-1, -1}, {0, -1}, {1, -1}};

/* ray_half()'s offsets for the detector's rays on a plane of @stride
 * elements: off[SMP_K_RAYS (m - 1) + i] is step m along ray i.
 */
static inline void
smp_k_ray_offsets(int32_t off[SMP_K_RAYS * SMP_K_RAY_STEPS], int stride)
{
	for (int m = 1; m <= SMP_K_RAY_STEPS; m++)
		for (int i = 0; i < SMP_K_RAYS; i++)
			off[SMP_K_RAYS * (m - 1) + i] =
				m * (smp_k_ray_dir[i][1] * stride + smp_k_ray_dir[i][0]);
}

/* cos(2 pi i / 16) and sin (= cos of i + 12), as the detector has
 * always used them (the last bits of these literals decide pixels).
 */
static const double smp_k_ring_cos[SMP_K_RING] = {1.0, 0.92387953251128674,
	0.70710678118654757, 0.38268343236508984, 0.0, -0.38268343236508973,
	-0.70710678118654746, -0.92387953251128674, -1.0, -0.92387953251128685,
	-0.70710678118654768, -0.38268343236509034, 0.0, 0.38268343236509,
	0.70710678118654735, 0.92387953251128652};
static const double smp_k_ring_sin[SMP_K_RING] = {0.0, 0.38268343236509,
	0.70710678118654735, 0.92387953251128652, 1.0, 0.92387953251128674,
	0.70710678118654757, 0.38268343236508984, 0.0, -0.38268343236508973,
	-0.70710678118654746, -0.92387953251128674, -1.0, -0.92387953251128685,
	-0.70710678118654768, -0.38268343236509034};

/* The ring's MAD of examine() (detect.c) and ring_contrast(), times two:
 * the middle two of |ring[i] - bg|, summed, for a sorted @ring and its
 * median @bg = (ring[7] + ring[8]) / 2: the deviations are two sorted
 * runs, A[j] = bg - ring[7 - j] (down from the middle) and
 * B[j] = ring[8 + j] - bg (up from it), and the sum is that of the two
 * largest of the first nine of their merge (ties to A), which is what
 * sorting all sixteen gave. A[j] is among the first nine exactly when
 * A[j] <= B[8 - j] (ties to A), true for j = 0 and monotone in j, so A
 * gives a = 1 + #{j = 1 .. 7: ring[7 - j] + ring[16 - j] >= 2 bg} of
 * them and B the other 9 - a: independent compares where merging one
 * step at a time was a chain of nine dependent loads (perf: a sixth of
 * the per-candidate code's samples). The two largest are among A[a - 1],
 * A[a - 2], B[8 - a] and B[7 - a]; the index that falls off a run lands
 * on the other run's first value, bg - ring[8] or ring[7] - bg, which is
 * <= 0 and so never above the other candidates (all >= 0).
 */
static inline int
smp_k_mad_pair(const int ring[SMP_K_RING], int bg)
{
	int a = 1, x, y, lo;

	for (int j = 1; j < SMP_K_RING / 2; j++)
		a += ring[SMP_K_RING / 2 - 1 - j] + ring[SMP_K_RING - j] >= 2 * bg;
	x = bg - ring[SMP_K_RING / 2 - a]; /* A[a - 1] */
	y = ring[SMP_K_RING - a] - bg; /* B[8 - a] */
	lo = MAX(bg - ring[SMP_K_RING / 2 + 1 - a], ring[SMP_K_RING - 1 - a] - bg);
	return MAX(x, y) + MAX(MIN(x, y), lo);
}

/* excess_rows()'s ranks for excess_peak()'s search of steps @m0 ..
 * @m1 - 1 (at most 16 each way): pts[SMP_K_RING m + i] is the (column,
 * row) offset of step m along direction i. With direction i ^ 8 the
 * mirror image of i through the centre, e(i, m) = c[-p] - c[p] for its
 * point p, which is E(p) when p is one of excess_rows()'s points and
 * -E(-p) when -p is; its rank is excess_peak()'s search order,
 * 16 i + m, the smallest kept where points repeat. Returns 0 (the table
 * unusable) when a direction's opposite is not its mirror image or
 * neither p nor -p is a point of the rows, else 1.
 */
static inline int
smp_k_excess_ranks(
	const int (*pts)[2], int m0, int m1, uint16_t rank[2 * SMP_K_EXCESS_LANES])
{
	for (int k = 0; k < 2 * SMP_K_EXCESS_LANES; k++)
		rank[k] = 0xFFFF;
	for (int i = 0; i < SMP_K_RING; i++)
		for (int m = m0; m < m1; m++) {
			const int *p = pts[SMP_K_RING * m + i];
			const int *q = pts[SMP_K_RING * m + (i ^ 8)];
			int dx = p[0], dy = p[1], k;

			if (q[0] != -dx || q[1] != -dy)
				return 0;
			if (dy >= 0 && dy < SMP_K_EXCESS_ROWS && dx >= -7 && dx <= 8)
				k = 16 * dy + dx + 7;
			else if (-dy >= 0 && -dy < SMP_K_EXCESS_ROWS && -dx >= -7 &&
				-dx <= 8)
				k = SMP_K_EXCESS_LANES + 16 * -dy - dx + 7;
			else
				return 0;
			if (rank[k] == 0xFFFF) /* the search's first */
				rank[k] = (uint16_t) (SMP_K_RING * i + m);
		}
	return 1;
}

/* The per-pixel reference operations, used by every tail. */
static inline uint16_t
smp_k_luma_px(const uint8_t *p)
{
	return (
		uint16_t) ((SMP_K_WR * p[0] + SMP_K_WG * p[1] + SMP_K_WB * p[2] + 8) >>
		4);
}

static inline uint16_t
smp_k_binom5_px(unsigned a, unsigned b, unsigned c, unsigned d, unsigned e)
{
	/* Same order of operations as the vector paths: 16-bit wrap-free
	 * because every input is <= 4080.
	 */
	return (uint16_t) ((a + e + ((b + d) << 2) + (c << 2) + (c << 1) + 8) >> 4);
}

/* The spatial part of extrema(): threshold and 3x3 maximum. */
static inline int
smp_k_localmax_px(
	const int16_t *a, const int16_t *c, const int16_t *b, int16_t thr)
{
	int16_t v = c[1];

	return v > thr && v > a[0] && v > a[1] && v > a[2] && v > c[0] &&
		v >= c[2] && v >= b[0] && v >= b[1] && v >= b[2];
}

/* The 3x3 maximum of one level around column i + 1 (rows r[0..2]). */
static inline int
smp_k_max9_px(const int16_t *const r[3], int i)
{
	int m = r[0][i];

	for (int row = 0; row < 3; row++)
		for (int j = 0; j < 3; j++)
			m = r[row][i + j] > m ? r[row][i + j] : m;
	return m;
}

/* The rest of extrema() for column i + 1, whose spatial part passed. The
 * weights are positive, so "v w1 > n w0 for all nine n" is "v w1 > (the
 * nine's maximum) w0": one product per level, which the vector paths
 * share (the maximum in 16 bits, then one multiply).
 */
static inline int
smp_k_scale_px(const int16_t *const d[9], const int32_t w[3],
	const uint16_t *lev, uint16_t gate, int i)
{
	int32_t r = d[4][i + 1] * w[1];

	if (r < (int32_t) (((uint32_t) lev[i + 1] * gate) >> 16))
		return 0;
	if (d[0] && smp_k_max9_px(d, i) * w[0] >= r)
		return 0;
	if (d[6] && smp_k_max9_px(d + 6, i) * w[2] > r)
		return 0;
	return 1;
}

static inline int
smp_k_extremum_px(const int16_t *const d[9], const int32_t w[3],
	const uint16_t *lev, int16_t thr, uint16_t gate, int i)
{
	return smp_k_localmax_px(d[3] + i, d[4] + i, d[5] + i, thr) &&
		smp_k_scale_px(d, w, lev, gate, i);
}

/* Sorts 16 ints with Batcher's odd-even merge network (63 comparators,
 * checked on all 2^16 0-1 inputs): no data-dependent branches, which made
 * the former insertion sort the hottest code of the whole detection
 * (mispredictions on noisy rings).
 */
static inline void
smp_k_sort16_net(int *v)
{
	static const unsigned char net[63][2] = {
		{0, 1},
		{2, 3},
		{0, 2},
		{1, 3},
		{1, 2},
		{4, 5},
		{6, 7},
		{4, 6},
		{5, 7},
		{5, 6},
		{0, 4},
		{2, 6},
		{2, 4},
		{1, 5},
		{3, 7},
		{3, 5},
		{1, 2},
		{3, 4},
		{5, 6},
		{8, 9},
		{10, 11},
		{8, 10},
		{9, 11},
		{9, 10},
		{12, 13},
		{14, 15},
		{12, 14},
		{13, 15},
		{13, 14},
		{8, 12},
		{10, 14},
		{10, 12},
		{9, 13},
		{11, 15},
		{11, 13},
		{9, 10},
		{11, 12},
		{13, 14},
		{0, 8},
		{4, 12},
		{4, 8},
		{2, 10},
		{6, 14},
		{6, 10},
		{2, 4},
		{6, 8},
		{10, 12},
		{1, 9},
		{5, 13},
		{5, 9},
		{3, 11},
		{7, 15},
		{7, 11},
		{3, 5},
		{7, 9},
		{11, 13},
		{1, 2},
		{3, 4},
		{5, 6},
		{7, 8},
		{9, 10},
		{11, 12},
		{13, 14},
	};

	for (int i = 0; i < 63; i++) {
		int a = v[net[i][0]], b = v[net[i][1]];

		v[net[i][0]] = a < b ? a : b;
		v[net[i][1]] = a < b ? b : a;
	}
}

/* Sorts 16 level values (0 .. 4095, as every level is: kernels.h). With
 * SSE2 (baseline on x86-64: no ISA flag), by rank: value * 16 + index is
 * unique, so each one's place is how many keys are below it, counted
 * eight lanes at a time; ~170 instructions where the network took ~750
 * (cachegrind: 100 M fewer per bench photo, sort16() was ~5% of the
 * samples). Elsewhere, smp_k_sort16_net().
 */
static inline void
smp_k_sort16_px(int *v)
{
#if defined(__SSE2__)
	int16_t key[SMP_K_RING], rank[SMP_K_RING];
	int in[SMP_K_RING];
	__m128i k0, k1, r0 = _mm_setzero_si128(), r1 = _mm_setzero_si128();

	for (int i = 0; i < SMP_K_RING; i++) {
		/* biased: SSE2 compares 16 bits signed only */
		key[i] = (int16_t) (((v[i] << 4) | i) ^ 0x8000);
		in[i] = v[i];
	}
	k0 = _mm_loadu_si128((const __m128i *) key);
	k1 = _mm_loadu_si128((const __m128i *) (key + 8));
	for (int j = 0; j < SMP_K_RING; j++) {
		__m128i b = _mm_set1_epi16(key[j]);

		r0 = _mm_sub_epi16(r0, _mm_cmpgt_epi16(k0, b));
		r1 = _mm_sub_epi16(r1, _mm_cmpgt_epi16(k1, b));
	}
	_mm_storeu_si128((__m128i *) rank, r0);
	_mm_storeu_si128((__m128i *) (rank + 8), r1);
	for (int i = 0; i < SMP_K_RING; i++)
		v[rank[i]] = in[i];
#else
	smp_k_sort16_net(v);
#endif
}

#define SMP_K_DECLARE(isa)                                                     \
	void smp_k_luma_rgb_##isa(const uint8_t *rgb, uint16_t *dst, int n);       \
	void smp_k_luma_gray_##isa(const uint8_t *src, uint16_t *dst, int n);      \
	void smp_k_vblur5_##isa(const uint16_t *r0, const uint16_t *r1,            \
		const uint16_t *r2, const uint16_t *r3, const uint16_t *r4,            \
		uint16_t *dst, int n);                                                 \
	void smp_k_hblur5_dog_##isa(const uint16_t *src, const uint16_t *prev,     \
		uint16_t *dst, int16_t *dog, int n);                                   \
	int smp_k_extrema_##isa(const int16_t *const d[9], const int32_t w[3],     \
		const uint16_t *lev, int16_t thr, uint16_t gate, int32_t *xs, int n);  \
	void smp_k_down2_##isa(const uint16_t *src, uint16_t *dst, int n);         \
	int smp_k_excess_peak_##isa(const uint16_t *c, const int32_t *off, int m0, \
		int m1, int *bi, int *bm);                                             \
	void smp_k_ray_half_##isa(const uint16_t *c, const int32_t *off, int cval, \
		int half, double out[6]);                                              \
	void smp_k_ring_sorted_##isa(                                              \
		const uint16_t *c, int stride, int x, int y, double rho, int out[16]);

SMP_K_DECLARE(scalar)
SMP_K_DECLARE(sse2)
SMP_K_DECLARE(avx2)
SMP_K_DECLARE(avx512)

void smp_k_max9_row_avx2(const int16_t *row, const int16_t *hprev,
	const int16_t *hcur, int16_t *hnext, int16_t *m, int n);
int smp_k_extrema_spatial_avx2(const int16_t *const r[3], const int16_t *hprev,
	const int16_t *hcur, int16_t *hnext, int16_t *m, int16_t thr,
	uint16_t *mask, int n);
int smp_k_extrema_scale_avx2(const int16_t *const d[9],
	const int16_t *const m[3], const int16_t *hup, const int32_t w[3],
	const uint16_t *lev, int16_t thr, uint16_t gate, const uint16_t *mask,
	int nb, int32_t *xs, int n);

int smp_k_excess_rows_scalar(
	const uint16_t *c, int stride, const uint16_t *rank, int *at);
int smp_k_excess_rows_avx2(
	const uint16_t *c, int stride, const uint16_t *rank, int *at);

void smp_k_ray_half_rows_scalar(
	const uint16_t *c, int stride, int cval, int half, double out[6]);
void smp_k_ray_half_rows_avx2(
	const uint16_t *c, int stride, int cval, int half, double out[6]);

int smp_k_ring_contrast_scalar(
	const SmpKRingIn *in, const int32_t *xs, int n, SmpKRingCand *out);
int smp_k_ring_contrast_avx2(
	const SmpKRingIn *in, const int32_t *xs, int n, SmpKRingCand *out);

/* The table for the best path allowed by the CPU and SMP_SIMD (AVX2 at
 * most without it: smp_kernels_isa()); never NULL.
 * Initialised once, thread-safely.
 */
const SmpKernels *smp_kernels(void);

/* The table of one path, or NULL when the CPU (or the build) lacks it.
 * SMP_SIMD does not apply: tests and benchmarks use this to compare paths.
 */
const SmpKernels *smp_kernels_for(SmpIsa isa);

#endif /* SMPDOC_DETECT_KERNELS_H */
