/* The scalar reference of the detector's row kernels: the specification
 * that every vector path must reproduce bit for bit (kernels.h).
 * SPDX-License-Identifier: MIT
 */
#include <math.h>
#include <stddef.h>

#include "kernels.h"

void
smp_k_luma_rgb_scalar(const uint8_t *rgb, uint16_t *dst, int n)
{
	for (int i = 0; i < n; i++)
		dst[i] = smp_k_luma_px(rgb + 3 * i);
}

void
smp_k_luma_gray_scalar(const uint8_t *src, uint16_t *dst, int n)
{
	for (int i = 0; i < n; i++)
		dst[i] = (uint16_t) (src[i] << SMP_K_Q);
}

void
smp_k_vblur5_scalar(const uint16_t *r0, const uint16_t *r1, const uint16_t *r2,
	const uint16_t *r3, const uint16_t *r4, uint16_t *dst, int n)
{
	for (int i = 0; i < n; i++)
		dst[i] = smp_k_binom5_px(r0[i], r1[i], r2[i], r3[i], r4[i]);
}

void
smp_k_hblur5_dog_scalar(const uint16_t *src, const uint16_t *prev,
	uint16_t *dst, int16_t *dog, int n)
{
	for (int i = 0; i < n; i++) {
		const uint16_t *s = src + i;
		uint16_t v = smp_k_binom5_px(s[0], s[1], s[2], s[3], s[4]);

		dst[i] = v;
		dog[i] = (int16_t) (v - prev[i]);
	}
}

int
smp_k_extrema_scalar(const int16_t *const d[9], const int32_t w[3],
	const uint16_t *lev, int16_t thr, uint16_t gate, int32_t *xs, int n)
{
	int count = 0;

	for (int i = 0; i < n; i++)
		if (smp_k_extremum_px(d, w, lev, thr, gate, i))
			xs[count++] = i;
	return count;
}

void
smp_k_down2_scalar(const uint16_t *src, uint16_t *dst, int n)
{
	for (int i = 0; i < n; i++)
		dst[i] = src[2 * i];
}

int
smp_k_excess_peak_scalar(
	const uint16_t *c, const int32_t *off, int m0, int m1, int *bi, int *bm)
{
	int best = 0;

	for (int i = 0; i < SMP_K_RING; i++)
		for (int m = m0; m < m1; m++) {
			const int32_t *o = off + SMP_K_RING * m;
			int e = c[o[i ^ 8]] - c[o[i]];

			if (e > best) {
				best = e;
				*bi = i;
				*bm = m;
			}
		}
	return best;
}

int
smp_k_excess_rows_scalar(
	const uint16_t *c, int stride, const uint16_t *rank, int *at)
{
	int best = 0, first = 0xFFFF;

	for (int k = 0; k < 2 * SMP_K_EXCESS_LANES; k++) {
		int lane = k % SMP_K_EXCESS_LANES, r = lane / 16, j = lane % 16;
		ptrdiff_t q = (ptrdiff_t) r * stride + (j - 7);
		int e = c[-q] - c[q];

		if (k >= SMP_K_EXCESS_LANES)
			e = -e;
		if (rank[k] == 0xFFFF || e <= 0 || e < best)
			continue;
		if (e > best || rank[k] < first)
			first = rank[k];
		best = e;
	}
	if (best > 0)
		*at = first;
	return best;
}

/* One ray of ray_half(): the radius at the first step above @half, with
 * the slope there.
 */
static double
ray_cross(const uint16_t *c, const int32_t *off, int i, int cval, int half,
	double *slope)
{
	int prev = cval;

	for (int m = 1; m <= SMP_K_RAY_STEPS; m++) {
		int v = c[off[SMP_K_RAYS * (m - 1) + i]];

		if (v > half) {
			*slope = v - prev;
			return (m - 1) + (double) (half - prev) / (v - prev);
		}
		prev = v;
	}
	*slope = 0.0;
	return SMP_K_RAY_STEPS;
}

void
smp_k_ray_half_scalar(
	const uint16_t *c, const int32_t *off, int cval, int half, double out[6])
{
	double radii[SMP_K_RAYS], slopes[SMP_K_RAYS];
	double sr[SMP_K_RAYS], ss[SMP_K_RAYS];

	for (int i = 0; i < SMP_K_RAYS; i++) {
		double len = (i & 1) ? SMP_K_SQRT2 : 1.0;

		radii[i] = len * ray_cross(c, off, i, cval, half, &slopes[i]);
		slopes[i] /= len;
	}
	out[0] = out[1] = radii[0] + radii[4];
	for (int i = 1; i < 4; i++) {
		double d = radii[i] + radii[i + 4];

		out[0] = d < out[0] ? d : out[0];
		out[1] = d > out[1] ? d : out[1];
	}
	/* Each ray's place in a stable sort, counted. */
	for (int i = 0; i < SMP_K_RAYS; i++) {
		int place = 0;

		for (int j = 0; j < SMP_K_RAYS; j++)
			place += radii[j] < radii[i] || (j < i && radii[j] == radii[i]);
		sr[place] = radii[i];
		ss[place] = slopes[i];
	}
	out[2] = sr[3];
	out[3] = sr[4];
	out[4] = ss[3];
	out[5] = ss[4];
}

void
smp_k_ray_half_rows_scalar(
	const uint16_t *c, int stride, int cval, int half, double out[6])
{
	int32_t off[SMP_K_RAYS * SMP_K_RAY_STEPS];

	smp_k_ray_offsets(off, stride);
	smp_k_ray_half_scalar(c, off, cval, half, out);
}

void
smp_k_ring_sorted_scalar(
	const uint16_t *c, int stride, int x, int y, double rho, int out[16])
{
	for (int i = 0; i < SMP_K_RING; i++) {
		int xx = (int) (x + 0.5 + rho * smp_k_ring_cos[i]);
		int yy = (int) (y + 0.5 + rho * smp_k_ring_sin[i]);

		out[i] = c[(ptrdiff_t) (yy - y) * stride + (xx - x)];
	}
	smp_k_sort16_px(out);
}

static inline double
clampd(double v, double lo, double hi)
{
	return v > hi ? hi : v < lo ? lo : v;
}

/* examine()'s Hessian test and scale fit for the candidate at column @x
 * of row 1 of @d: FALSE if it fails the test, else its response and the
 * ring's radius.
 */
static int
fit_scalar(const SmpKRingIn *in, int x, double *resp_out, double *rho)
{
	const int16_t *const *d = in->d;
	double tv = in->t[1];
	int v = d[1][x];
	double resp = v * tv, dxx, dyy, dxy, tr, det, t = tv, rs;

	dxx = d[1][x + 1] + d[1][x - 1] - 2.0 * v;
	dyy = d[2][x] + d[0][x] - 2.0 * v;
	dxy = 0.25 * (d[2][x + 1] - d[0][x + 1] - d[2][x - 1] + d[0][x - 1]);
	tr = dxx + dyy;
	det = dxx * dyy - dxy * dxy;
	if (det <= 0 ||
		tr * tr * SMP_K_EDGE_RATIO >=
			(SMP_K_EDGE_RATIO + 1) * (SMP_K_EDGE_RATIO + 1) * det)
		return 0;
	if (in->dm) {
		double rm = in->dm[x] * in->t[0];
		double rp = in->dp[x] * in->t[2];
		double curv = rm - 2.0 * resp + rp;
		double os = curv < 0 ? clampd(0.5 * (rm - rp) / curv, -0.5, 0.5) : 0.0;

		t = os >= 0 ? tv + os * (in->t[2] - tv) : tv + os * (tv - in->t[0]);
		resp -= 0.25 * (rm - rp) * os;
	}
	rs = 1.3 * sqrt(t);
	*rho = clampd(SMP_K_RING_FACTOR * rs, SMP_K_RING_MIN, SMP_K_RING_REACH);
	*resp_out = resp;
	return 1;
}

int
smp_k_ring_contrast_scalar(
	const SmpKRingIn *in, const int32_t *xs, int n, SmpKRingCand *out)
{
	int m = 0;

	for (int i = 0; i < n; i++) {
		SmpKRingCand *o = out + m;
		int x = xs[i] + 1, bg;
		double rho, depth;

		if (!fit_scalar(in, x, &o->resp, &rho))
			continue;
		smp_k_ring_sorted_scalar(
			in->l1 + x, in->stride1, x, in->y, rho, o->ring);
		bg = (o->ring[SMP_K_RING / 2 - 1] + o->ring[SMP_K_RING / 2]) / 2;
		depth = bg - in->l0[x];
		if (bg <= 0 || depth <= 0 || depth < in->min_contrast * bg)
			continue;
		o->noise = 1.4826 * 0.5 * smp_k_mad_pair(o->ring, bg);
		o->noise = o->noise > in->noise_floor ? o->noise : in->noise_floor;
		if (depth < in->min_snr * o->noise)
			continue;
		o->x = x;
		o->bg = bg;
		o->cval = in->l0[x];
		m++;
	}
	return m;
}
