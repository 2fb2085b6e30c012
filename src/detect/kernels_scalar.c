/* The scalar reference of the detector's row kernels: the specification
 * that every vector path must reproduce bit for bit (kernels.h).
 * SPDX-License-Identifier: MIT
 */
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
