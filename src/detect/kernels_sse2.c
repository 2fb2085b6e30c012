/* SSE2 path of the detector's row kernels, op for op the scalar reference
 * (kernels_scalar.c); built with -msse2 only. SSE2 has no byte shuffle, so
 * the RGB luma kernel stays scalar on this path (dispatch.c).
 * SPDX-License-Identifier: MIT
 */
#include "kernels.h"

#if defined(__SSE2__)
#include <emmintrin.h>

void
smp_k_luma_gray_sse2(const uint8_t *src, uint16_t *dst, int n)
{
	const __m128i zero = _mm_setzero_si128();
	int i = 0;

	for (; i + 16 <= n; i += 16) {
		__m128i v = _mm_loadu_si128((const __m128i *) (src + i));

		_mm_storeu_si128((__m128i *) (dst + i),
			_mm_slli_epi16(_mm_unpacklo_epi8(v, zero), SMP_K_Q));
		_mm_storeu_si128((__m128i *) (dst + i + 8),
			_mm_slli_epi16(_mm_unpackhi_epi8(v, zero), SMP_K_Q));
	}
	for (; i < n; i++)
		dst[i] = (uint16_t) (src[i] << SMP_K_Q);
}

/* a + e + ((b + d) << 2) + (c << 2) + (c << 1) + 8, then >> 4: the same
 * sum as smp_k_binom5_px(), which never exceeds 16 bits.
 */
static inline __m128i
binom5(__m128i a, __m128i b, __m128i c, __m128i d, __m128i e)
{
	__m128i s = _mm_add_epi16(a, e);

	s = _mm_add_epi16(s, _mm_slli_epi16(_mm_add_epi16(b, d), 2));
	s = _mm_add_epi16(s, _mm_slli_epi16(c, 2));
	s = _mm_add_epi16(s, _mm_slli_epi16(c, 1));
	s = _mm_add_epi16(s, _mm_set1_epi16(8));
	return _mm_srli_epi16(s, 4);
}

#define LD(p) _mm_loadu_si128((const __m128i *) (p))
#define ST(p, v) _mm_storeu_si128((__m128i *) (p), (v))

void
smp_k_vblur5_sse2(const uint16_t *r0, const uint16_t *r1, const uint16_t *r2,
	const uint16_t *r3, const uint16_t *r4, uint16_t *dst, int n)
{
	int i = 0;

	for (; i + 8 <= n; i += 8)
		ST(dst + i,
			binom5(LD(r0 + i), LD(r1 + i), LD(r2 + i), LD(r3 + i), LD(r4 + i)));
	for (; i < n; i++)
		dst[i] = smp_k_binom5_px(r0[i], r1[i], r2[i], r3[i], r4[i]);
}

void
smp_k_hblur5_dog_sse2(const uint16_t *src, const uint16_t *prev, uint16_t *dst,
	int16_t *dog, int n)
{
	int i = 0;

	for (; i + 8 <= n; i += 8) {
		const uint16_t *s = src + i;
		__m128i v = binom5(LD(s), LD(s + 1), LD(s + 2), LD(s + 3), LD(s + 4));

		ST(dst + i, v);
		ST(dog + i, _mm_sub_epi16(v, LD(prev + i)));
	}
	for (; i < n; i++) {
		const uint16_t *s = src + i;
		uint16_t v = smp_k_binom5_px(s[0], s[1], s[2], s[3], s[4]);

		dst[i] = v;
		dog[i] = (int16_t) (v - prev[i]);
	}
}

/* The 3x3 maximum and threshold of extrema() on eight pixels, as a byte
 * mask of bit pairs (one pair per 16-bit lane). No early exit below the
 * threshold: it mispredicted more than it saved (kernels_avx2.c).
 */
static inline unsigned
localmax8(
	const int16_t *a, const int16_t *c, const int16_t *b, __m128i vthr, int i)
{
	__m128i v = LD(c + i + 1);
	/* > everything before the centre in raster order */
	__m128i gt = _mm_cmpgt_epi16(v, vthr);

	gt = _mm_and_si128(gt, _mm_cmpgt_epi16(v, LD(a + i)));
	gt = _mm_and_si128(gt, _mm_cmpgt_epi16(v, LD(a + i + 1)));
	gt = _mm_and_si128(gt, _mm_cmpgt_epi16(v, LD(a + i + 2)));
	gt = _mm_and_si128(gt, _mm_cmpgt_epi16(v, LD(c + i)));
	/* >= everything after it: no neighbour greater */
	__m128i lt = _mm_cmpgt_epi16(LD(c + i + 2), v);

	lt = _mm_or_si128(lt, _mm_cmpgt_epi16(LD(b + i), v));
	lt = _mm_or_si128(lt, _mm_cmpgt_epi16(LD(b + i + 1), v));
	lt = _mm_or_si128(lt, _mm_cmpgt_epi16(LD(b + i + 2), v));
	return (unsigned) _mm_movemask_epi8(_mm_andnot_si128(lt, gt));
}

/* SSE2 has no 32-bit multiply: the spatial test runs eight wide and the
 * few pixels that pass take the reference's scale test one by one.
 */
int
smp_k_extrema_sse2(const int16_t *const d[9], const int32_t w[3],
	const uint16_t *lev, int16_t thr, uint16_t gate, int32_t *xs, int n)
{
	const __m128i vthr = _mm_set1_epi16(thr);
	int i = 0, count = 0;

	for (; i + 8 <= n; i += 8) {
		unsigned m = localmax8(d[3], d[4], d[5], vthr, i);

		while (m) {
			int j = __builtin_ctz(m) >> 1;

			m &= m - 1;
			m &= m - 1;
			if (smp_k_scale_px(d, w, lev, gate, i + j))
				xs[count++] = i + j;
		}
	}
	for (; i < n; i++)
		if (smp_k_extremum_px(d, w, lev, thr, gate, i))
			xs[count++] = i;
	return count;
}

void
smp_k_down2_sse2(const uint16_t *src, uint16_t *dst, int n)
{
	int i = 0;

	/* The last vector reads src[2i + 15], which must stay < 2n - 1. */
	for (; i + 8 < n; i += 8) {
		__m128i lo = LD(src + 2 * i);
		__m128i hi = LD(src + 2 * i + 8);

		/* Keep the even 16-bit words; values <= 4080, so signed packing
		 * never saturates.
		 */
		lo = _mm_srai_epi32(_mm_slli_epi32(lo, 16), 16);
		hi = _mm_srai_epi32(_mm_slli_epi32(hi, 16), 16);
		ST(dst + i, _mm_packs_epi32(lo, hi));
	}
	for (; i < n; i++)
		dst[i] = src[2 * i];
}

#endif /* __SSE2__ */
