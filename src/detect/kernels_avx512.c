/* AVX-512 (F + BW) path of the detector's row kernels, op for op the
 * scalar reference (kernels_scalar.c); built with -mavx512f -mavx512bw
 * only. 32 pixels per vector; tails through the shared per-pixel code.
 * SPDX-License-Identifier: MIT
 */
#include "kernels.h"

#if defined(__AVX512F__) && defined(__AVX512BW__)
#include <immintrin.h>

#define LD(p) _mm512_loadu_si512((const void *) (p))
#define ST(p, v) _mm512_storeu_si512((void *) (p), (v))
#define SHUF(...) _mm512_broadcast_i32x4(_mm_setr_epi8(__VA_ARGS__))

void
smp_k_luma_rgb_avx512(const uint8_t *rgb, uint16_t *dst, int n)
{
	/* As in the AVX2 path: each 128-bit lane spreads 8 pixels (24 bytes,
	 * 16 in a and 8 in b) into 16-bit words.
	 */
	const __m512i ra =
		SHUF(0, -1, 3, -1, 6, -1, 9, -1, 12, -1, 15, -1, -1, -1, -1, -1);
	const __m512i rb =
		SHUF(-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, 2, -1, 5, -1);
	const __m512i ga =
		SHUF(1, -1, 4, -1, 7, -1, 10, -1, 13, -1, -1, -1, -1, -1, -1, -1);
	const __m512i gb =
		SHUF(-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, 0, -1, 3, -1, 6, -1);
	const __m512i ba =
		SHUF(2, -1, 5, -1, 8, -1, 11, -1, 14, -1, -1, -1, -1, -1, -1, -1);
	const __m512i bb =
		SHUF(-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, 1, -1, 4, -1, 7, -1);
	const __m512i wr = _mm512_set1_epi16(SMP_K_WR);
	const __m512i wg = _mm512_set1_epi16(SMP_K_WG);
	const __m512i wb = _mm512_set1_epi16(SMP_K_WB);
	const __m512i rnd = _mm512_set1_epi16(8);
	int i = 0;

	/* 32 pixels read rgb[3i, 3i + 96) exactly. */
	for (; i + 32 <= n; i += 32) {
		const uint8_t *p = rgb + 3 * i;
		__m512i a =
			_mm512_castsi128_si512(_mm_loadu_si128((const __m128i *) p));
		__m512i b =
			_mm512_castsi128_si512(_mm_loadl_epi64((const __m128i *) (p + 16)));

		a = _mm512_inserti32x4(
			a, _mm_loadu_si128((const __m128i *) (p + 24)), 1);
		a = _mm512_inserti32x4(
			a, _mm_loadu_si128((const __m128i *) (p + 48)), 2);
		a = _mm512_inserti32x4(
			a, _mm_loadu_si128((const __m128i *) (p + 72)), 3);
		b = _mm512_inserti32x4(
			b, _mm_loadl_epi64((const __m128i *) (p + 40)), 1);
		b = _mm512_inserti32x4(
			b, _mm_loadl_epi64((const __m128i *) (p + 64)), 2);
		b = _mm512_inserti32x4(
			b, _mm_loadl_epi64((const __m128i *) (p + 88)), 3);

		__m512i r = _mm512_or_si512(
			_mm512_shuffle_epi8(a, ra), _mm512_shuffle_epi8(b, rb));
		__m512i g = _mm512_or_si512(
			_mm512_shuffle_epi8(a, ga), _mm512_shuffle_epi8(b, gb));
		__m512i bl = _mm512_or_si512(
			_mm512_shuffle_epi8(a, ba), _mm512_shuffle_epi8(b, bb));
		__m512i y = _mm512_mullo_epi16(r, wr);

		y = _mm512_add_epi16(y, _mm512_mullo_epi16(g, wg));
		y = _mm512_add_epi16(y, _mm512_mullo_epi16(bl, wb));
		y = _mm512_add_epi16(y, rnd);
		ST(dst + i, _mm512_srli_epi16(y, 4));
	}
	for (; i < n; i++)
		dst[i] = smp_k_luma_px(rgb + 3 * i);
}

void
smp_k_luma_gray_avx512(const uint8_t *src, uint16_t *dst, int n)
{
	int i = 0;

	for (; i + 32 <= n; i += 32) {
		__m256i v = _mm256_loadu_si256((const __m256i *) (src + i));

		ST(dst + i, _mm512_slli_epi16(_mm512_cvtepu8_epi16(v), SMP_K_Q));
	}
	for (; i < n; i++)
		dst[i] = (uint16_t) (src[i] << SMP_K_Q);
}

/* The same sum, in the same order, as smp_k_binom5_px(). */
static inline __m512i
binom5(__m512i a, __m512i b, __m512i c, __m512i d, __m512i e)
{
	__m512i s = _mm512_add_epi16(a, e);

	s = _mm512_add_epi16(s, _mm512_slli_epi16(_mm512_add_epi16(b, d), 2));
	s = _mm512_add_epi16(s, _mm512_slli_epi16(c, 2));
	s = _mm512_add_epi16(s, _mm512_slli_epi16(c, 1));
	s = _mm512_add_epi16(s, _mm512_set1_epi16(8));
	return _mm512_srli_epi16(s, 4);
}

void
smp_k_vblur5_avx512(const uint16_t *r0, const uint16_t *r1, const uint16_t *r2,
	const uint16_t *r3, const uint16_t *r4, uint16_t *dst, int n)
{
	int i = 0;

	for (; i + 32 <= n; i += 32)
		ST(dst + i,
			binom5(LD(r0 + i), LD(r1 + i), LD(r2 + i), LD(r3 + i), LD(r4 + i)));
	for (; i < n; i++)
		dst[i] = smp_k_binom5_px(r0[i], r1[i], r2[i], r3[i], r4[i]);
}

void
smp_k_hblur5_dog_avx512(const uint16_t *src, const uint16_t *prev,
	uint16_t *dst, int16_t *dog, int n)
{
	int i = 0;

	for (; i + 32 <= n; i += 32) {
		const uint16_t *s = src + i;
		__m512i v = binom5(LD(s), LD(s + 1), LD(s + 2), LD(s + 3), LD(s + 4));

		ST(dst + i, v);
		ST(dog + i, _mm512_sub_epi16(v, LD(prev + i)));
	}
	for (; i < n; i++) {
		const uint16_t *s = src + i;
		uint16_t v = smp_k_binom5_px(s[0], s[1], s[2], s[3], s[4]);

		dst[i] = v;
		dog[i] = (int16_t) (v - prev[i]);
	}
}

static inline __m512i
wpair(int32_t wn, int32_t w1)
{
	return _mm512_set1_epi32(
		(int32_t) ((uint32_t) (uint16_t) -w1 << 16 | (uint16_t) wn));
}

/* The 3x3 maximum of one level around the 32 pixels from column i + 1. */
static inline __m512i
max9(const int16_t *const r[3], int i)
{
	__m512i m = _mm512_max_epi16(LD(r[0] + i), LD(r[1] + i));

	m = _mm512_max_epi16(m, LD(r[2] + i));
	for (int j = 1; j < 3; j++) {
		m = _mm512_max_epi16(m, LD(r[0] + i + j));
		m = _mm512_max_epi16(m, LD(r[1] + i + j));
		m = _mm512_max_epi16(m, LD(r[2] + i + j));
	}
	return m;
}

/* The gate and scale tests of extrema() on the 32 pixels from column
 * i + 1, each compare one multiply-add of the pairs (n, v) by (wn, -w1):
 * n wn - v w1 exactly in 32 bits (kernels_avx2.c). The unpacks split
 * lanes into {0-3, 8-11, ...} and {4-7, 12-15, ...}; each adjacent level
 * is compared through its 3x3 maximum (kernels.h); the failures of each
 * half gather in a mask and are put back in lane order once at the end.
 */
static inline __mmask32
scale32(const int16_t *const d[9], const int32_t w[3], const uint16_t *lev,
	__m512i gate, int i)
{
	const __m512i zero = _mm512_setzero_si512();
	const __m512i m1 = _mm512_set1_epi32(-1);
	__m512i v = LD(d[4] + i + 1);
	__m512i g = _mm512_mulhi_epu16(LD(lev + i + 1), gate);
	__m512i wg = wpair(1, w[1]), w0 = wpair(w[0], w[1]);
	__m512i w2 = wpair(w[2], w[1]);
	/* the gate fails where g - v w1 > 0 */
	__mmask16 lo = _mm512_cmpgt_epi32_mask(
		_mm512_madd_epi16(_mm512_unpacklo_epi16(g, v), wg), zero);
	__mmask16 hi = _mm512_cmpgt_epi32_mask(
		_mm512_madd_epi16(_mm512_unpackhi_epi16(g, v), wg), zero);

	if (d[0]) {
		__m512i n = max9(d, i);

		lo |= _mm512_cmpgt_epi32_mask(
			_mm512_madd_epi16(_mm512_unpacklo_epi16(n, v), w0), m1);
		hi |= _mm512_cmpgt_epi32_mask(
			_mm512_madd_epi16(_mm512_unpackhi_epi16(n, v), w0), m1);
	}
	if (d[6]) {
		__m512i n = max9(d + 6, i);

		lo |= _mm512_cmpgt_epi32_mask(
			_mm512_madd_epi16(_mm512_unpacklo_epi16(n, v), w2), zero);
		hi |= _mm512_cmpgt_epi32_mask(
			_mm512_madd_epi16(_mm512_unpackhi_epi16(n, v), w2), zero);
	}
	return ~_mm512_movepi16_mask(_mm512_packs_epi32(
		_mm512_maskz_mov_epi32(lo, m1), _mm512_maskz_mov_epi32(hi, m1)));
}

/* The 3x3 maximum and threshold of extrema() on 32 pixels. */
static inline __mmask32
localmax32(
	const int16_t *a, const int16_t *c, const int16_t *b, __m512i vthr, int i)
{
	__m512i v = LD(c + i + 1);
	/* > everything before the centre in raster order, >= after */
	__mmask32 m = _mm512_cmpgt_epi16_mask(v, vthr);

	m &= _mm512_cmpgt_epi16_mask(v, LD(a + i));
	m &= _mm512_cmpgt_epi16_mask(v, LD(a + i + 1));
	m &= _mm512_cmpgt_epi16_mask(v, LD(a + i + 2));
	m &= _mm512_cmpgt_epi16_mask(v, LD(c + i));
	m &= _mm512_cmpge_epi16_mask(v, LD(c + i + 2));
	m &= _mm512_cmpge_epi16_mask(v, LD(b + i));
	m &= _mm512_cmpge_epi16_mask(v, LD(b + i + 1));
	m &= _mm512_cmpge_epi16_mask(v, LD(b + i + 2));
	return m;
}

#define EX_CHUNK 64

int
smp_k_extrema_avx512(const int16_t *const d[9], const int32_t w[3],
	const uint16_t *lev, int16_t thr, uint16_t gate, int32_t *xs, int n)
{
	const int16_t *a = d[3], *c = d[4], *b = d[5];
	const __m512i vthr = _mm512_set1_epi16(thr);
	const __m512i vgate = _mm512_set1_epi16((int16_t) gate);
	int i = 0, count = 0;

	/* As the AVX2 path: the spatial test branch-free on up to EX_CHUNK
	 * blocks, listing those with a maximum, then the scale test on them.
	 */
	while (i + 32 <= n) {
		__mmask32 mask[EX_CHUNK];
		int at[EX_CHUNK], nb = 0;

		for (int k = 0; k < EX_CHUNK && i + 32 <= n; k++, i += 32) {
			__mmask32 m = localmax32(a, c, b, vthr, i);

			mask[nb] = m;
			at[nb] = i;
			nb += m != 0;
		}
		for (int k = 0; k < nb; k++) {
			__mmask32 m = mask[k] & scale32(d, w, lev, vgate, at[k]);

			while (m) {
				xs[count++] = at[k] + __builtin_ctz(m);
				m &= m - 1;
			}
		}
	}
	for (; i < n; i++)
		if (smp_k_extremum_px(d, w, lev, thr, gate, i))
			xs[count++] = i;
	return count;
}

void
smp_k_down2_avx512(const uint16_t *src, uint16_t *dst, int n)
{
	const __m512i order = _mm512_setr_epi64(0, 2, 4, 6, 1, 3, 5, 7);
	int i = 0;

	/* The last vector reads src[2i + 63], which must stay < 2n - 1. */
	for (; i + 32 < n; i += 32) {
		__m512i lo = LD(src + 2 * i);
		__m512i hi = LD(src + 2 * i + 32);

		lo = _mm512_srai_epi32(_mm512_slli_epi32(lo, 16), 16);
		hi = _mm512_srai_epi32(_mm512_slli_epi32(hi, 16), 16);
		ST(dst + i,
			_mm512_permutexvar_epi64(order, _mm512_packs_epi32(lo, hi)));
	}
	for (; i < n; i++)
		dst[i] = src[2 * i];
}

#endif /* __AVX512F__ && __AVX512BW__ */
