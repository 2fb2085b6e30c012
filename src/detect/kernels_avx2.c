/* AVX2 path of the detector's row kernels, op for op the scalar reference
 * (kernels_scalar.c); built with -mavx2 only, reached through dispatch.c
 * when the CPU and the OS support AVX2.
 * SPDX-License-Identifier: MIT
 */
#include "kernels.h"

#if defined(__AVX2__)
#include <immintrin.h>
#include <string.h>

#define LD(p) _mm256_loadu_si256((const __m256i *) (p))
#define ST(p, v) _mm256_storeu_si256((__m256i *) (p), (v))

/* Byte shuffles, the same in both 128-bit lanes (luma_rgb(): they spread
 * 8 interleaved RGB pixels, 24 bytes, 16 in a and 8 in b, into 16-bit
 * lanes). -1 gives zero.
 */
#define SHUF(...) _mm256_broadcastsi128_si256(_mm_setr_epi8(__VA_ARGS__))

void
smp_k_luma_rgb_avx2(const uint8_t *rgb, uint16_t *dst, int n)
{
	/* R and B of each pixel as a byte pair, for one multiply-add */
	const __m256i rba =
		SHUF(0, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, -1, -1, -1, -1, -1);
	const __m256i rbb =
		SHUF(-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, 1, 2, 4, 5, 7);
	const __m256i ga =
		SHUF(1, -1, 4, -1, 7, -1, 10, -1, 13, -1, -1, -1, -1, -1, -1, -1);
	const __m256i gb =
		SHUF(-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, 0, -1, 3, -1, 6, -1);
	const __m256i wrb = _mm256_set1_epi16((SMP_K_WB << 8) | SMP_K_WR);
	const __m256i wg = _mm256_set1_epi16(SMP_K_WG);
	const __m256i rnd = _mm256_set1_epi16(8);
	int i = 0;

	/* 16 pixels read rgb[3i, 3i + 48) exactly. 77 R + 29 B <= 27030 does
	 * not saturate pmaddubsw's signed 16 bits; the sum with 150 G and 8
	 * stays below 2^16, as in the reference.
	 */
	for (; i + 16 <= n; i += 16) {
		const uint8_t *p = rgb + 3 * i;
		__m256i a = _mm256_inserti128_si256(
			_mm256_castsi128_si256(_mm_loadu_si128((const __m128i *) p)),
			_mm_loadu_si128((const __m128i *) (p + 24)), 1);
		__m256i b = _mm256_inserti128_si256(
			_mm256_castsi128_si256(_mm_loadl_epi64((const __m128i *) (p + 16))),
			_mm_loadl_epi64((const __m128i *) (p + 40)), 1);
		__m256i rb = _mm256_or_si256(
			_mm256_shuffle_epi8(a, rba), _mm256_shuffle_epi8(b, rbb));
		__m256i g = _mm256_or_si256(
			_mm256_shuffle_epi8(a, ga), _mm256_shuffle_epi8(b, gb));
		__m256i y = _mm256_maddubs_epi16(rb, wrb);

		y = _mm256_add_epi16(y, _mm256_mullo_epi16(g, wg));
		y = _mm256_add_epi16(y, rnd);
		ST(dst + i, _mm256_srli_epi16(y, 4));
	}
	for (; i < n; i++)
		dst[i] = smp_k_luma_px(rgb + 3 * i);
}

void
smp_k_luma_gray_avx2(const uint8_t *src, uint16_t *dst, int n)
{
	int i = 0;

	for (; i + 16 <= n; i += 16) {
		__m128i v = _mm_loadu_si128((const __m128i *) (src + i));

		ST(dst + i, _mm256_slli_epi16(_mm256_cvtepu8_epi16(v), SMP_K_Q));
	}
	for (; i < n; i++)
		dst[i] = (uint16_t) (src[i] << SMP_K_Q);
}

/* The same sum, in the same order, as smp_k_binom5_px(). */
static inline __m256i
binom5(__m256i a, __m256i b, __m256i c, __m256i d, __m256i e)
{
	__m256i s = _mm256_add_epi16(a, e);

	s = _mm256_add_epi16(s, _mm256_slli_epi16(_mm256_add_epi16(b, d), 2));
	s = _mm256_add_epi16(s, _mm256_slli_epi16(c, 2));
	s = _mm256_add_epi16(s, _mm256_slli_epi16(c, 1));
	s = _mm256_add_epi16(s, _mm256_set1_epi16(8));
	return _mm256_srli_epi16(s, 4);
}

void
smp_k_vblur5_avx2(const uint16_t *r0, const uint16_t *r1, const uint16_t *r2,
	const uint16_t *r3, const uint16_t *r4, uint16_t *dst, int n)
{
	int i = 0;

	for (; i + 16 <= n; i += 16)
		ST(dst + i,
			binom5(LD(r0 + i), LD(r1 + i), LD(r2 + i), LD(r3 + i), LD(r4 + i)));
	for (; i < n; i++)
		dst[i] = smp_k_binom5_px(r0[i], r1[i], r2[i], r3[i], r4[i]);
}

void
smp_k_hblur5_dog_avx2(const uint16_t *src, const uint16_t *prev, uint16_t *dst,
	int16_t *dog, int n)
{
	int i = 0;

	for (; i + 16 <= n; i += 16) {
		const uint16_t *s = src + i;
		__m256i v = binom5(LD(s), LD(s + 1), LD(s + 2), LD(s + 3), LD(s + 4));

		ST(dst + i, v);
		ST(dog + i, _mm256_sub_epi16(v, LD(prev + i)));
	}
	for (; i < n; i++) {
		const uint16_t *s = src + i;
		uint16_t v = smp_k_binom5_px(s[0], s[1], s[2], s[3], s[4]);

		dst[i] = v;
		dog[i] = (int16_t) (v - prev[i]);
	}
}

/* The 3x3 maximum and threshold of extrema() on 16 pixels: a 16-bit lane
 * mask. No early exit: two thirds of the blocks of the bench photo have
 * a pixel above the threshold, a third do not, in no pattern a branch
 * predictor can learn (the exit mispredicted more than it saved).
 * "v > each neighbour before it in raster order and >= each after it" is
 * "v > their maximum and v >= the others' maximum" (the same booleans):
 * six maxima and two compares where a compare per neighbour took nine
 * compares and eight ands (a fifth fewer operations per block).
 */
static inline unsigned
localmax16(
	const int16_t *a, const int16_t *c, const int16_t *b, __m256i vthr, int i)
{
	__m256i v = LD(c + i + 1);
	/* everything before the centre in raster order, and after it */
	__m256i before =
		_mm256_max_epi16(_mm256_max_epi16(LD(a + i), LD(a + i + 1)),
			_mm256_max_epi16(LD(a + i + 2), LD(c + i)));
	__m256i after = _mm256_max_epi16(_mm256_max_epi16(LD(b + i), LD(b + i + 1)),
		_mm256_max_epi16(LD(b + i + 2), LD(c + i + 2)));
	__m256i gt = _mm256_and_si256(
		_mm256_cmpgt_epi16(v, vthr), _mm256_cmpgt_epi16(v, before));
	__m256i m = _mm256_andnot_si256(_mm256_cmpgt_epi16(after, v), gt);

	return (unsigned) _mm_movemask_epi8(_mm_packs_epi16(
		_mm256_castsi256_si128(m), _mm256_extracti128_si256(m, 1)));
}

/* One 16-lane compare of the scale test as a single multiply-add: the
 * pairs (n, v) times (wn, -w1) give n wn - v w1 exactly in 32 bits. The
 * two halves come out as lanes {0-3, 8-11} and {4-7, 12-15}; packing them
 * back restores 16-bit lane order. Returns all-ones lanes where
 * n wn - v w1 > @bias.
 */
static inline __m256i
above(__m256i n, __m256i v, __m256i wpair, __m256i bias)
{
	__m256i lo = _mm256_madd_epi16(_mm256_unpacklo_epi16(n, v), wpair);
	__m256i hi = _mm256_madd_epi16(_mm256_unpackhi_epi16(n, v), wpair);

	return _mm256_packs_epi32(
		_mm256_cmpgt_epi32(lo, bias), _mm256_cmpgt_epi32(hi, bias));
}

static inline __m256i
wpair(int32_t wn, int32_t w1)
{
	return _mm256_set1_epi32(
		(int32_t) ((uint32_t) (uint16_t) -w1 << 16 | (uint16_t) wn));
}

/* The 3x3 maximum of one level around the 16 pixels from column i + 1. */
static inline __m256i
max9(const int16_t *const r[3], int i)
{
	__m256i m = _mm256_max_epi16(LD(r[0] + i), LD(r[1] + i));

	m = _mm256_max_epi16(m, LD(r[2] + i));
	for (int j = 1; j < 3; j++) {
		m = _mm256_max_epi16(m, LD(r[0] + i + j));
		m = _mm256_max_epi16(m, LD(r[1] + i + j));
		m = _mm256_max_epi16(m, LD(r[2] + i + j));
	}
	return m;
}

/* The gate and scale tests of extrema() on the 16 pixels from column
 * i + 1: a 16-bit lane mask of those that pass. Each adjacent level is
 * compared through its 3x3 maximum, as in the reference. Weights fit 16
 * bits (64 t <= 2^15 for every level the detector searches).
 */
static inline unsigned
scale16(const int16_t *const d[9], const __m256i wp[3], const uint16_t *lev,
	__m256i gate, int i)
{
	const __m256i zero = _mm256_setzero_si256();
	__m256i v = LD(d[4] + i + 1);
	__m256i g = _mm256_mulhi_epu16(LD(lev + i + 1), gate);
	/* the gate fails where g - v w1 > 0 */
	__m256i bad = above(g, v, wp[1], zero);

	if (d[0])
		bad = _mm256_or_si256(
			bad, above(max9(d, i), v, wp[0], _mm256_set1_epi32(-1)));
	if (d[6])
		bad = _mm256_or_si256(bad, above(max9(d + 6, i), v, wp[2], zero));
	return ~(unsigned) _mm_movemask_epi8(_mm_packs_epi16(
			   _mm256_castsi256_si128(bad), _mm256_extracti128_si256(bad, 1))) &
		0xFFFF;
}

#define EX_CHUNK 64

int
smp_k_extrema_avx2(const int16_t *const d[9], const int32_t w[3],
	const uint16_t *lev, int16_t thr, uint16_t gate, int32_t *xs, int n)
{
	const __m256i vthr = _mm256_set1_epi16(thr);
	const __m256i vgate = _mm256_set1_epi16((int16_t) gate);
	const __m256i wp[3] = {
		wpair(w[0], w[1]), wpair(1, w[1]), wpair(w[2], w[1])};
	int i = 0, count = 0;

	/* The spatial test on up to EX_CHUNK blocks, branch-free: the blocks
	 * with a spatial maximum (a fifth, at random) are listed without a
	 * branch, then the scale test runs on those alone.
	 */
	while (i + 16 <= n) {
		uint16_t mask[EX_CHUNK];
		int at[EX_CHUNK], nb = 0;

		for (int b = 0; b < EX_CHUNK && i + 16 <= n; b++, i += 16) {
			unsigned m = localmax16(d[3], d[4], d[5], vthr, i);

			mask[nb] = (uint16_t) m;
			at[nb] = i;
			nb += m != 0;
		}
		for (int b = 0; b < nb; b++) {
			unsigned m = mask[b] & scale16(d, wp, lev, vgate, at[b]);

			while (m) {
				xs[count++] = at[b] + __builtin_ctz(m);
				m &= m - 1;
			}
		}
	}
	for (; i < n; i++)
		if (smp_k_extremum_px(d, w, lev, thr, gate, i))
			xs[count++] = i;
	return count;
}

/* The tail of a row of 16 or more columns takes one more vector over its
 * last 16 (the overlap is written again with the same values), where a
 * row of the bench photo ended in 14 columns of C: ~10 M instructions a
 * detection.
 */
void
smp_k_max9_row_avx2(const int16_t *row, const int16_t *hprev,
	const int16_t *hcur, int16_t *hnext, int16_t *m, int n)
{
	int i = 0;

	if (n >= 16 && n % 16) {
		smp_k_max9_row_avx2(row + n - 16, hprev + n - 16, hcur + n - 16,
			hnext + n - 16, m ? m + n - 16 : NULL, 16);
		n -= n % 16;
	}
	for (; m && i + 16 <= n; i += 16) {
		__m256i h = _mm256_max_epi16(
			_mm256_max_epi16(LD(row + i), LD(row + i + 1)), LD(row + i + 2));

		ST(hnext + i, h);
		ST(m + i,
			_mm256_max_epi16(_mm256_max_epi16(LD(hprev + i), LD(hcur + i)), h));
	}
	for (; i + 16 <= n; i += 16)
		ST(hnext + i,
			_mm256_max_epi16(_mm256_max_epi16(LD(row + i), LD(row + i + 1)),
				LD(row + i + 2)));
	for (; i < n; i++) {
		int h = row[i] > row[i + 1] ? row[i] : row[i + 1];

		h = row[i + 2] > h ? row[i + 2] : h;
		hnext[i] = (int16_t) h;
		if (m) {
			int v = hprev[i] > hcur[i] ? hprev[i] : hcur[i];

			m[i] = (int16_t) (h > v ? h : v);
		}
	}
}

/* max9_row() and the first pass of extrema() in one: v > thr and v ==
 * its own 3x3 maximum (>= all nine) gives each block's mask, with the
 * row's maxima still in registers. Every block's mask goes to a place of
 * its own: listed at a place that depended on the previous block's
 * mask, the stores waited on each movemask (perf put ~12% of the samples
 * here); extrema_scale() finds the blocks with a mask 32 at a time.
 */
/* v > thr and v == mx (v is one of mx's nine) is v == max(mx, thr + 1):
 * one max where a compare and an and were.
 */
static inline __m256i
spatial16(const int16_t *c, const int16_t *b, const int16_t *hprev,
	const int16_t *hcur, int16_t *hnext, int16_t *m, __m256i vthr1, int i)
{
	__m256i h = _mm256_max_epi16(
		_mm256_max_epi16(LD(b + i), LD(b + i + 1)), LD(b + i + 2));
	__m256i mx =
		_mm256_max_epi16(_mm256_max_epi16(LD(hprev + i), LD(hcur + i)), h);
	__m256i v = LD(c + i + 1);

	ST(hnext + i, h);
	ST(m + i, mx);
	return _mm256_cmpeq_epi16(v, _mm256_max_epi16(mx, vthr1));
}

int
smp_k_extrema_spatial_avx2(const int16_t *const r[3], const int16_t *hprev,
	const int16_t *hcur, int16_t *hnext, int16_t *m, int16_t thr,
	uint16_t *mask, int n)
{
	/* thr + 1 does not fit at INT16_MAX, where no column passes: the
	 * masks are cleared below
	 */
	const __m256i vthr = _mm256_set1_epi16(thr < INT16_MAX ? thr + 1 : thr);
	const int16_t *c = r[1], *b = r[2];
	uint16_t *const mask0 = mask;
	int i = 0;

	/* two blocks a pass: one pack and one movemask give both masks, the
	 * permute puts each block's 16 bytes together
	 */
	for (; i + 32 <= n; i += 32, mask += 2) {
		__m256i t0 = spatial16(c, b, hprev, hcur, hnext, m, vthr, i);
		__m256i t1 = spatial16(c, b, hprev, hcur, hnext, m, vthr, i + 16);
		uint32_t k = (uint32_t) _mm256_movemask_epi8(
			_mm256_permute4x64_epi64(_mm256_packs_epi16(t0, t1), 0xD8));

		memcpy(mask, &k, 4);
	}
	for (; i + 16 <= n; i += 16, mask++) {
		__m256i t = spatial16(c, b, hprev, hcur, hnext, m, vthr, i);

		*mask = (uint16_t) _mm_movemask_epi8(_mm_packs_epi16(
			_mm256_castsi256_si128(t), _mm256_extracti128_si256(t, 1)));
	}
	if (i < n && n >= 16) /* the last 16 columns again */
		smp_k_max9_row_avx2(b + n - 16, hprev + n - 16, hcur + n - 16,
			hnext + n - 16, m + n - 16, 16);
	else if (i < n)
		smp_k_max9_row_avx2(
			b + i, hprev + i, hcur + i, hnext + i, m + i, n - i);
	if (thr == INT16_MAX)
		memset(mask0, 0, (size_t) (n / 16) * sizeof(*mask0));
	return n / 16;
}

/* bit_pos[m] byte b: the place of m's b-th set bit (0 past the last). */
/* clang-format off */
static const uint64_t bit_pos[256] = {
	0x0000000000000000u, 0x0000000000000000u, 0x0000000000000001u, 0x0000000000000100u,
	0x0000000000000002u, 0x0000000000000200u, 0x0000000000000201u, 0x0000000000020100u,
	0x0000000000000003u, 0x0000000000000300u, 0x0000000000000301u, 0x0000000000030100u,
	0x0000000000000302u, 0x0000000000030200u, 0x0000000000030201u, 0x0000000003020100u,
	0x0000000000000004u, 0x0000000000000400u, 0x0000000000000401u, 0x0000000000040100u,
	0x0000000000000402u, 0x0000000000040200u, 0x0000000000040201u, 0x0000000004020100u,
	0x0000000000000403u, 0x0000000000040300u, 0x0000000000040301u, 0x0000000004030100u,
	0x0000000000040302u, 0x0000000004030200u, 0x0000000004030201u, 0x0000000403020100u,
	0x0000000000000005u, 0x0000000000000500u, 0x0000000000000501u, 0x0000000000050100u,
	0x0000000000000502u, 0x0000000000050200u, 0x0000000000050201u, 0x0000000005020100u,
	0x0000000000000503u, 0x0000000000050300u, 0x0000000000050301u, 0x0000000005030100u,
	0x0000000000050302u, 0x0000000005030200u, 0x0000000005030201u, 0x0000000503020100u,
	0x0000000000000504u, 0x0000000000050400u, 0x0000000000050401u, 0x0000000005040100u,
	0x0000000000050402u, 0x0000000005040200u, 0x0000000005040201u, 0x0000000504020100u,
	0x0000000000050403u, 0x0000000005040300u, 0x0000000005040301u, 0x0000000504030100u,
	0x0000000005040302u, 0x0000000504030200u, 0x0000000504030201u, 0x0000050403020100u,
	0x0000000000000006u, 0x0000000000000600u, 0x0000000000000601u, 0x0000000000060100u,
	0x0000000000000602u, 0x0000000000060200u, 0x0000000000060201u, 0x0000000006020100u,
	0x0000000000000603u, 0x0000000000060300u, 0x0000000000060301u, 0x0000000006030100u,
	0x0000000000060302u, 0x0000000006030200u, 0x0000000006030201u, 0x0000000603020100u,
	0x0000000000000604u, 0x0000000000060400u, 0x0000000000060401u, 0x0000000006040100u,
	0x0000000000060402u, 0x0000000006040200u, 0x0000000006040201u, 0x0000000604020100u,
	0x0000000000060403u, 0x0000000006040300u, 0x0000000006040301u, 0x0000000604030100u,
	0x0000000006040302u, 0x0000000604030200u, 0x0000000604030201u, 0x0000060403020100u,
	0x0000000000000605u, 0x0000000000060500u, 0x0000000000060501u, 0x0000000006050100u,
	0x0000000000060502u, 0x0000000006050200u, 0x0000000006050201u, 0x0000000605020100u,
	0x0000000000060503u, 0x0000000006050300u, 0x0000000006050301u, 0x0000000605030100u,
	0x0000000006050302u, 0x0000000605030200u, 0x0000000605030201u, 0x0000060503020100u,
	0x0000000000060504u, 0x0000000006050400u, 0x0000000006050401u, 0x0000000605040100u,
	0x0000000006050402u, 0x0000000605040200u, 0x0000000605040201u, 0x0000060504020100u,
	0x0000000006050403u, 0x0000000605040300u, 0x0000000605040301u, 0x0000060504030100u,
	0x0000000605040302u, 0x0000060504030200u, 0x0000060504030201u, 0x0006050403020100u,
	0x0000000000000007u, 0x0000000000000700u, 0x0000000000000701u, 0x0000000000070100u,
	0x0000000000000702u, 0x0000000000070200u, 0x0000000000070201u, 0x0000000007020100u,
	0x0000000000000703u, 0x0000000000070300u, 0x0000000000070301u, 0x0000000007030100u,
	0x0000000000070302u, 0x0000000007030200u, 0x0000000007030201u, 0x0000000703020100u,
	0x0000000000000704u, 0x0000000000070400u, 0x0000000000070401u, 0x0000000007040100u,
	0x0000000000070402u, 0x0000000007040200u, 0x0000000007040201u, 0x0000000704020100u,
	0x0000000000070403u, 0x0000000007040300u, 0x0000000007040301u, 0x0000000704030100u,
	0x0000000007040302u, 0x0000000704030200u, 0x0000000704030201u, 0x0000070403020100u,
	0x0000000000000705u, 0x0000000000070500u, 0x0000000000070501u, 0x0000000007050100u,
	0x0000000000070502u, 0x0000000007050200u, 0x0000000007050201u, 0x0000000705020100u,
	0x0000000000070503u, 0x0000000007050300u, 0x0000000007050301u, 0x0000000705030100u,
	0x0000000007050302u, 0x0000000705030200u, 0x0000000705030201u, 0x0000070503020100u,
	0x0000000000070504u, 0x0000000007050400u, 0x0000000007050401u, 0x0000000705040100u,
	0x0000000007050402u, 0x0000000705040200u, 0x0000000705040201u, 0x0000070504020100u,
	0x0000000007050403u, 0x0000000705040300u, 0x0000000705040301u, 0x0000070504030100u,
	0x0000000705040302u, 0x0000070504030200u, 0x0000070504030201u, 0x0007050403020100u,
	0x0000000000000706u, 0x0000000000070600u, 0x0000000000070601u, 0x0000000007060100u,
	0x0000000000070602u, 0x0000000007060200u, 0x0000000007060201u, 0x0000000706020100u,
	0x0000000000070603u, 0x0000000007060300u, 0x0000000007060301u, 0x0000000706030100u,
	0x0000000007060302u, 0x0000000706030200u, 0x0000000706030201u, 0x0000070603020100u,
	0x0000000000070604u, 0x0000000007060400u, 0x0000000007060401u, 0x0000000706040100u,
	0x0000000007060402u, 0x0000000706040200u, 0x0000000706040201u, 0x0000070604020100u,
	0x0000000007060403u, 0x0000000706040300u, 0x0000000706040301u, 0x0000070604030100u,
	0x0000000706040302u, 0x0000070604030200u, 0x0000070604030201u, 0x0007060403020100u,
	0x0000000000070605u, 0x0000000007060500u, 0x0000000007060501u, 0x0000000706050100u,
	0x0000000007060502u, 0x0000000706050200u, 0x0000000706050201u, 0x0000070605020100u,
	0x0000000007060503u, 0x0000000706050300u, 0x0000000706050301u, 0x0000070605030100u,
	0x0000000706050302u, 0x0000070605030200u, 0x0000070605030201u, 0x0007060503020100u,
	0x0000000007060504u, 0x0000000706050400u, 0x0000000706050401u, 0x0000070605040100u,
	0x0000000706050402u, 0x0000070605040200u, 0x0000070605040201u, 0x0007060504020100u,
	0x0000000706050403u, 0x0000070605040300u, 0x0000070605040301u, 0x0007060504030100u,
	0x0000070605040302u, 0x0007060504030200u, 0x0007060504030201u, 0x0706050403020100u,
};
/* clang-format on */

/* xs[count ..] gets base + the place of each set bit of @m8, in order,
 * by one store of eight lanes (those past the new count are garbage, in
 * what extrema_scale() may overwrite): the loop over the bits exited at a
 * data-dependent count, a misprediction on about one listed block in
 * five. Returns the new count.
 */
static inline int
list8(int32_t *xs, int count, unsigned m8, int base)
{
	__m256i at =
		_mm256_cvtepu8_epi32(_mm_loadl_epi64((const __m128i *) &bit_pos[m8]));

	ST(xs + count, _mm256_add_epi32(at, _mm256_set1_epi32(base)));
	return count + __builtin_popcount(m8);
}

/* The blocks of extrema_spatial() with a nonzero mask among the 32 from
 * mask[b]: two bits each (block b + t at bits 2 t and 2 t + 1), from two
 * compares. A group past @nb is read as the last 32 masks, shifted (no
 * mask past @nb is read); fewer than 32 blocks in all take C. 32 blocks
 * a group, where 16 a group mispredicted the end of twice as many.
 */
static inline uint64_t
blocks32(const uint16_t *mask, int b, int nb)
{
	const __m256i zero = _mm256_setzero_si256();
	uint64_t bits = 0;
	int from = b + 32 <= nb ? b : nb - 32;

	if (from < 0) {
		for (int t = 0; b + t < nb; t++)
			bits |= (uint64_t) (mask[b + t] != 0 ? 3u : 0u) << 2 * t;
		return bits;
	}
	bits = (uint64_t) (uint32_t) _mm256_movemask_epi8(
			   _mm256_cmpeq_epi16(LD(mask + from + 16), zero))
		<< 32;
	bits |= (uint32_t) _mm256_movemask_epi8(
		_mm256_cmpeq_epi16(LD(mask + from), zero));
	return ~bits >> 2 * (b - from);
}

/* The second pass: on the blocks with a mask, v > the maximum of the
 * four neighbours before it in raster order (ties go to the first pixel,
 * as in localmax16()), the row above's three from its horizontal maxima
 * @hup (two loads where there were four), the gate, and the scale test
 * against the neighbours' maxima, a load each where scale16() took nine.
 */
int
smp_k_extrema_scale_avx2(const int16_t *const d[9], const int16_t *const m[3],
	const int16_t *hup, const int32_t w[3], const uint16_t *lev, int16_t thr,
	uint16_t gate, const uint16_t *mask, int nb, int32_t *xs, int n)
{
	const __m256i vgate = _mm256_set1_epi16((int16_t) gate);
	const __m256i wp0 = wpair(w[0], w[1]), wp1 = wpair(1, w[1]),
				  wp2 = wpair(w[2], w[1]);
	const __m256i zero = _mm256_setzero_si256(), minus1 = _mm256_set1_epi32(-1);
	/* in locals: the stores to xs[] could alias m[] for the compiler, which
	 * loaded m[0] and m[2] again for every block
	 */
	const int16_t *c = d[4], *m0 = m[0], *m2 = m[2];
	int count = 0;

	for (int b0 = 0; b0 < nb; b0 += 32)
		for (uint64_t bits = blocks32(mask, b0, nb); bits;) {
			/* block b0 + t2 / 2; its mask 2 b0 + t2 bytes into mask[] */
			unsigned t2 = (unsigned) __builtin_ctzll(bits);
			int j = 16 * b0 + 8 * (int) t2;
			uint16_t mb;
			__m256i v = LD(c + j + 1);
			__m256i before = _mm256_max_epi16(LD(hup + j), LD(c + j));
			__m256i g = _mm256_mulhi_epu16(LD(lev + j + 1), vgate);
			/* bad: not above every neighbour before it, or the gate or a
			 * scale test fails (as in scale16())
			 */
			__m256i bad =
				_mm256_xor_si256(_mm256_cmpgt_epi16(v, before), minus1);
			unsigned k;

			bad = _mm256_or_si256(bad, above(g, v, wp1, zero));
			if (m0)
				bad = _mm256_or_si256(bad, above(LD(m0 + j), v, wp0, minus1));
			if (m2)
				bad = _mm256_or_si256(bad, above(LD(m2 + j), v, wp2, zero));
			bits &= bits - 1; /* both of the block's bits */
			bits &= bits - 1;
			memcpy(&mb, (const char *) (mask + b0) + t2, 2);
			k = mb &
				~(unsigned) _mm_movemask_epi8(
					_mm_packs_epi16(_mm256_castsi256_si128(bad),
						_mm256_extracti128_si256(bad, 1))) &
				0xFFFF;
			count = list8(xs, count, k & 0xFF, j);
			count = list8(xs, count, k >> 8, j + 8);
		}
	for (int i = n / 16 * 16; i < n; i++)
		if (smp_k_extremum_px(d, w, lev, thr, gate, i))
			xs[count++] = i;
	return count;
}

void
smp_k_down2_avx2(const uint16_t *src, uint16_t *dst, int n)
{
	int i = 0;

	/* The last vector reads src[2i + 31], which must stay < 2n - 1. */
	for (; i + 16 < n; i += 16) {
		__m256i lo = LD(src + 2 * i);
		__m256i hi = LD(src + 2 * i + 16);

		/* Even 16-bit words; values <= 4080 never saturate. packs works
		 * per 128-bit lane, so put the quadwords back in order.
		 */
		lo = _mm256_srai_epi32(_mm256_slli_epi32(lo, 16), 16);
		hi = _mm256_srai_epi32(_mm256_slli_epi32(hi, 16), 16);
		ST(dst + i, _mm256_permute4x64_epi64(_mm256_packs_epi32(lo, hi), 0xD8));
	}
	for (; i < n; i++)
		dst[i] = src[2 * i];
}

/* c[o[0]] .. c[o[7]] as 32-bit lanes, loaded one by one: with
 * vpgatherdd, perf put two thirds of ray_half()'s samples on the gathers
 * on this project's AMD EPYC, and the kernel was no faster than the C.
 */
static inline __m256i
load8(const uint16_t *c, const int32_t *o)
{
	return _mm256_setr_epi32(
		c[o[0]], c[o[1]], c[o[2]], c[o[3]], c[o[4]], c[o[5]], c[o[6]], c[o[7]]);
}

/* The first m in [m0, m1) whose excess in lane @lane of @e (8 int32 per
 * step, with sign @sign) is @best.
 */
static inline int
first_step(const int32_t e[][8], int lane, int sign, int best, int m0, int m1)
{
	int m = m0;

	while (m + 1 < m1 && sign * e[m][lane] != best)
		m++;
	return m;
}

/* Per step, the 16 directions loaded (load8()); direction i + 8 is the opposite of i, so
 * d = upper - lower holds e(i, m) for i < 8 and -d for the others. The
 * running maximum and minimum of d give the peak and its first
 * direction, the stored d its first step.
 */
int
smp_k_excess_peak_avx2(
	const uint16_t *c, const int32_t *off, int m0, int m1, int *bi, int *bm)
{
	__m256i mx = _mm256_setzero_si256(), mn = _mm256_setzero_si256();
	int32_t e[SMP_K_RING][8];
	int32_t hi[8], lo[8];
	int up = 0, down = 0, best;

	for (int m = m0; m < m1; m++) {
		__m256i a = load8(c, off + SMP_K_RING * m);
		__m256i b = load8(c, off + SMP_K_RING * m + 8);
		__m256i d = _mm256_sub_epi32(b, a);

		ST(e[m], d);
		mx = _mm256_max_epi32(mx, d);
		mn = _mm256_min_epi32(mn, d);
	}
	ST(hi, mx);
	ST(lo, mn);
	for (int i = 0; i < 8; i++) {
		up = hi[i] > up ? hi[i] : up;
		down = -lo[i] > down ? -lo[i] : down;
	}
	best = up > down ? up : down;
	if (best <= 0)
		return 0;
	if (up == best) {
		int i = __builtin_ctz((unsigned) _mm256_movemask_ps(_mm256_castsi256_ps(
			_mm256_cmpeq_epi32(mx, _mm256_set1_epi32(best)))));

		*bi = i;
		*bm = first_step(e, i, 1, best, m0, m1);
	}
	else {
		int i = __builtin_ctz((unsigned) _mm256_movemask_ps(_mm256_castsi256_ps(
			_mm256_cmpeq_epi32(mn, _mm256_set1_epi32(-best)))));

		*bi = i + 8;
		*bm = first_step(e, i, -1, best, m0, m1);
	}
	return best;
}

/* Per row, two loads, a lane reversal and a difference, where
 * excess_peak() loads each of its up to 16 x 8 points one by one: the
 * points reach 8 columns out, so the rows below start at column -7
 * (lane j is column j - 7) and those above at -8 (reversed, lane j holds
 * column 7 - j). Differences of levels <= 4095 fit in 16 bits. The
 * largest selected e, then the smallest rank where it occurs
 * (phminposuw).
 */
int
smp_k_excess_rows_avx2(
	const uint16_t *c, int stride, const uint16_t *rank, int *at)
{
	const __m256i rev =
		SHUF(14, 15, 12, 13, 10, 11, 8, 9, 6, 7, 4, 5, 2, 3, 0, 1);
	const __m256i ones = _mm256_set1_epi16(-1);
	const uint16_t *neg = rank + SMP_K_EXCESS_LANES;
	__m256i e[SMP_K_EXCESS_ROWS], best = _mm256_setzero_si256(), vb, low;
	__m128i m;
	int b;

	for (int r = 0; r < SMP_K_EXCESS_ROWS; r++) {
		ptrdiff_t q = (ptrdiff_t) r * stride;
		__m256i below = LD(c + q - 7);
		__m256i above = _mm256_shuffle_epi8(
			_mm256_permute4x64_epi64(LD(c - q - 8), 0x4E), rev);
		__m256i up = _mm256_andnot_si256(
			_mm256_cmpeq_epi16(LD(rank + 16 * r), ones), ones);
		__m256i down = _mm256_andnot_si256(
			_mm256_cmpeq_epi16(LD(neg + 16 * r), ones), ones);

		e[r] = _mm256_sub_epi16(above, below);
		best = _mm256_max_epi16(best,
			_mm256_max_epi16(_mm256_and_si256(e[r], up),
				_mm256_and_si256(
					_mm256_sub_epi16(_mm256_setzero_si256(), e[r]), down)));
	}
	m = _mm_max_epi16(
		_mm256_castsi256_si128(best), _mm256_extracti128_si256(best, 1));
	m = _mm_max_epi16(m, _mm_srli_si128(m, 8));
	m = _mm_max_epi16(m, _mm_srli_si128(m, 4));
	m = _mm_max_epi16(m, _mm_srli_si128(m, 2));
	b = _mm_extract_epi16(m, 0);
	if (b <= 0)
		return 0;
	vb = _mm256_set1_epi16((int16_t) b);
	low = ones;
	for (int r = 0; r < SMP_K_EXCESS_ROWS; r++) {
		__m256i pos = _mm256_or_si256(LD(rank + 16 * r),
			_mm256_andnot_si256(_mm256_cmpeq_epi16(e[r], vb), ones));
		__m256i neg_hit = _mm256_cmpeq_epi16(
			_mm256_sub_epi16(_mm256_setzero_si256(), e[r]), vb);
		__m256i opp = _mm256_or_si256(
			LD(neg + 16 * r), _mm256_andnot_si256(neg_hit, ones));

		low = _mm256_min_epu16(low, _mm256_min_epu16(pos, opp));
	}
	m = _mm_minpos_epu16(_mm_min_epu16(
		_mm256_castsi256_si128(low), _mm256_extracti128_si256(low, 1)));
	*at = _mm_extract_epi16(m, 0);
	return b;
}

/* The bits of the lane of @v (eight doubles in two registers) where
 * @rank is @k: the ranks are a permutation, so exactly one lane.
 */
static inline __m128d
lane_of_rank(const __m256d rank[2], const __m256d v[2], int k)
{
	const __m256i vk = _mm256_set1_epi64x(k);
	__m256d a = _mm256_and_pd(v[0],
		_mm256_castsi256_pd(
			_mm256_cmpeq_epi64(_mm256_castpd_si256(rank[0]), vk)));
	__m256d b = _mm256_and_pd(v[1],
		_mm256_castsi256_pd(
			_mm256_cmpeq_epi64(_mm256_castpd_si256(rank[1]), vk)));
	__m256d o = _mm256_or_pd(a, b);
	__m128d q =
		_mm_or_pd(_mm256_castpd256_pd128(o), _mm256_extractf128_pd(o, 1));

	return _mm_or_pd(q, _mm_unpackhi_pd(q, q));
}

/* out[0, 1]: the radii (@r) ranked 3 and 4, out[2, 3] their slopes (@s),
 * picked by masks: scattering the eight by rank and reading two back
 * made a 16-byte load of two 8-byte stores, which the store buffer
 * cannot forward.
 */
static inline void
rank_pick(const __m256d rank[2], const __m256d r[2], const __m256d s[2],
	double out[4])
{
	_mm_storeu_pd(out,
		_mm_unpacklo_pd(lane_of_rank(rank, r, 3), lane_of_rank(rank, r, 4)));
	_mm_storeu_pd(out + 2,
		_mm_unpacklo_pd(lane_of_rank(rank, s, 3), lane_of_rank(rank, s, 4)));
}

/* Per step, the eight rays loaded (load8()); the
 * first crossing of each ray is kept branch-free, where the reference's
 * loop exits at a data-dependent step. The radius formula, the diagonal
 * scaling, the diameters and the stable ranking are the reference's
 * double operations, four lanes at a time.
 */
/* Step m (1 .. 7) of the eight rays from rows: lane i of the result is
 * ray i's pixel. The rows m below and above the centre give rays 1 .. 3
 * and 5 .. 7, each as its half from column -7 to 0 and its half from 1
 * to 8 (in one register, below | above, for both: ray 2 and 3 from the
 * first, 5 and 6 from the second, 1 and 7 from the other); @r0, the
 * centre row from column -7 to 8, gives rays 4 and 0. Byte shuffles pick
 * each ray's column and put it in its lane; the two halves' lanes are
 * disjoint. Constant masks once the steps are unrolled.
 */
static G_ALWAYS_INLINE inline __m256i
ray_step_rows(const uint16_t *c, ptrdiff_t q, int m, __m256i r0)
{
	const char a = (char) (14 - 2 * m), b = (char) (2 * m - 2), z = -1;
	__m256i lo = _mm256_inserti128_si256(
		_mm256_castsi128_si256(_mm_loadu_si128((const __m128i *) (c + q - 7))),
		_mm_loadu_si128((const __m128i *) (c - q - 7)), 1);
	__m256i hi = _mm256_inserti128_si256(
		_mm256_castsi128_si256(_mm_loadu_si128((const __m128i *) (c + q + 1))),
		_mm_loadu_si128((const __m128i *) (c - q + 1)), 1);
	__m256i t = _mm256_or_si256(
		_mm256_or_si256(_mm256_shuffle_epi8(lo,
							_mm256_setr_epi8(z, z, z, z, 14, 15, a, a + 1, z, z,
								z, z, z, z, z, z, z, z, z, z, z, z, z, z, z, z,
								a, a + 1, 14, 15, z, z)),
			_mm256_shuffle_epi8(hi,
				_mm256_setr_epi8(z, z, b, b + 1, z, z, z, z, z, z, z, z, z, z,
					z, z, z, z, z, z, z, z, z, z, z, z, z, z, z, z, b, b + 1))),
		_mm256_shuffle_epi8(r0,
			_mm256_setr_epi8(z, z, z, z, z, z, z, z, a, a + 1, z, z, z, z, z, z,
				b, b + 1, z, z, z, z, z, z, z, z, z, z, z, z, z, z)));

	return _mm256_cvtepu16_epi32(_mm_or_si128(
		_mm256_castsi256_si128(t), _mm256_extracti128_si256(t, 1)));
}

/* ray_half() from @off (load8()) or, with @rows, ray_half_rows() from
 * @stride (ray_step_rows()).
 */
static G_ALWAYS_INLINE inline void
ray_half_body(const uint16_t *c, const int32_t *off, int stride, int rows,
	int cval, int half, double out[6])
{
	const __m256i vhalf = _mm256_set1_epi32(half);
	const __m256d len = _mm256_setr_pd(1.0, SMP_K_SQRT2, 1.0, SMP_K_SQRT2);
	__m256i prev = _mm256_set1_epi32(cval), found = _mm256_setzero_si256();
	__m256i vv = _mm256_set1_epi32(1), pp = _mm256_setzero_si256();
	__m256i mm = _mm256_set1_epi32(SMP_K_RAY_STEPS + 1);
	__m256d r[2], s[2], rank[2], vr[2];
	double radii[SMP_K_RAYS];
	__m256i r0 = rows ? LD(c - 7) : _mm256_setzero_si256();

#pragma GCC unroll 7
	for (int m = 1; m <= SMP_K_RAY_STEPS; m++) {
		__m256i v = rows ? ray_step_rows(c, (ptrdiff_t) m * stride, m, r0)
						 : load8(c, off + SMP_K_RAYS * (m - 1));
		__m256i now = _mm256_andnot_si256(found, _mm256_cmpgt_epi32(v, vhalf));

		vv = _mm256_blendv_epi8(vv, v, now);
		pp = _mm256_blendv_epi8(pp, prev, now);
		mm = _mm256_blendv_epi8(mm, _mm256_set1_epi32(m), now);
		found = _mm256_or_si256(found, now);
		prev = v;
	}
	for (int h = 0; h < 2; h++) {
		__m128i v =
			h ? _mm256_extracti128_si256(vv, 1) : _mm256_castsi256_si128(vv);
		__m128i p =
			h ? _mm256_extracti128_si256(pp, 1) : _mm256_castsi256_si128(pp);
		__m128i m =
			h ? _mm256_extracti128_si256(mm, 1) : _mm256_castsi256_si128(mm);
		__m256d hit = _mm256_castsi256_pd(_mm256_cvtepi32_epi64(
			_mm_cmpgt_epi32(_mm_set1_epi32(SMP_K_RAY_STEPS + 1), m)));
		__m256d rise = _mm256_cvtepi32_pd(_mm_sub_epi32(v, p));
		__m256d rad = _mm256_add_pd(
			_mm256_cvtepi32_pd(_mm_sub_epi32(m, _mm_set1_epi32(1))),
			_mm256_div_pd(
				_mm256_cvtepi32_pd(_mm_sub_epi32(_mm_set1_epi32(half), p)),
				rise));

		rad = _mm256_blendv_pd(_mm256_set1_pd(SMP_K_RAY_STEPS), rad, hit);
		rise = _mm256_and_pd(rise, hit);
		r[h] = _mm256_mul_pd(len, rad);
		s[h] = _mm256_div_pd(rise, len);
		_mm256_storeu_pd(radii + 4 * h, r[h]);
	}
	{
		__m256d d = _mm256_add_pd(r[0], r[1]);
		__m128d lo = _mm256_castpd256_pd128(d),
				hi = _mm256_extractf128_pd(d, 1);
		__m128d mn = _mm_min_pd(lo, hi), mx = _mm_max_pd(lo, hi);

		out[0] = _mm_cvtsd_f64(_mm_min_sd(mn, _mm_unpackhi_pd(mn, mn)));
		out[1] = _mm_cvtsd_f64(_mm_max_sd(mx, _mm_unpackhi_pd(mx, mx)));
	}
	/* place[i] = #{j: r[j] < r[i]} + #{j < i: r[j] == r[i]}, all i at
	 * once: each j against every lane, r[j] <= r[i] on the lanes after j
	 * and r[j] < r[i] on the others (the radii are never NaN), so that
	 * only the half holding lane j needs both compares and a blend.
	 */
	rank[0] = rank[1] = _mm256_setzero_pd();
	vr[0] = r[0];
	vr[1] = r[1];
	/* unrolled: each j's lane masks become constants */
#pragma GCC unroll 8
	for (int j = 0; j < SMP_K_RAYS; j++) {
		__m256d b = _mm256_set1_pd(radii[j]);

		for (int h = 0; h < 2; h++) {
			/* lanes i > j: 4 h + lane > j */
			__m256d after = _mm256_castsi256_pd(_mm256_cmpgt_epi64(
				_mm256_setr_epi64x(4 * h, 4 * h + 1, 4 * h + 2, 4 * h + 3),
				_mm256_set1_epi64x(j)));
			__m256d below;

			if (4 * h > j)
				below = _mm256_cmp_pd(b, vr[h], _CMP_LE_OQ);
			else if (4 * h + 3 <= j)
				below = _mm256_cmp_pd(b, vr[h], _CMP_LT_OQ);
			else
				below = _mm256_blendv_pd(_mm256_cmp_pd(b, vr[h], _CMP_LT_OQ),
					_mm256_cmp_pd(b, vr[h], _CMP_LE_OQ), after);

			rank[h] = _mm256_castsi256_pd(_mm256_sub_epi64(
				_mm256_castpd_si256(rank[h]), _mm256_castpd_si256(below)));
		}
	}
	rank_pick(rank, r, s, out + 2);
}

void
smp_k_ray_half_avx2(
	const uint16_t *c, const int32_t *off, int cval, int half, double out[6])
{
	ray_half_body(c, off, 0, 0, cval, half, out);
}

void
smp_k_ray_half_rows_avx2(
	const uint16_t *c, int stride, int cval, int half, double out[6])
{
	ray_half_body(c, NULL, stride, 1, cval, half, out);
}

/* Four ring coordinates (int) (base + rho tab[i]) from lane i: multiply,
 * then add, as the reference evaluates them (no FMA: -ffp-contract=off).
 */
static inline __m128i
ring4(__m256d base, __m256d rho, const double *tab)
{
	return _mm256_cvttpd_epi32(
		_mm256_add_pd(base, _mm256_mul_pd(rho, _mm256_loadu_pd(tab))));
}

/* v with each 16-bit lane i swapped with lane i ^ @j. */
static inline __m256i
partner16(__m256i v, int j)
{
	switch (j) {
	case 1:
		return _mm256_shuffle_epi8(
			v, SHUF(2, 3, 0, 1, 6, 7, 4, 5, 10, 11, 8, 9, 14, 15, 12, 13));
	case 2:
		return _mm256_shuffle_epi8(
			v, SHUF(4, 5, 6, 7, 0, 1, 2, 3, 12, 13, 14, 15, 8, 9, 10, 11));
	case 4:
		return _mm256_shuffle_epi8(
			v, SHUF(8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7));
	default:
		return _mm256_permute4x64_epi64(v, 0x4E);
	}
}

/* One layer of the sorting network: lane i against lane i ^ @j, keeping
 * the smaller where @lo is set and the larger elsewhere.
 */
static inline __m256i
cx16(__m256i v, int j, __m256i lo)
{
	__m256i p = partner16(v, j);

	return _mm256_blendv_epi8(
		_mm256_max_epi16(v, p), _mm256_min_epi16(v, p), lo);
}

/* The coordinates in doubles four at a time, the offsets in 32-bit
 * lanes, the samples loaded one by one (gathers were slow here: load8()),
 * then sorted in one register by Batcher's bitonic network (ten layers of
 * a shuffle, a minimum, a maximum and a blend; checked on all 2^16 0-1
 * inputs), where ranking the sixteen and scattering them by rank took
 * twice the instructions. A sorted order of values is unique, so this is
 * the reference's result whatever its sort.
 */
void
smp_k_ring_sorted_avx2(
	const uint16_t *c, int stride, int x, int y, double rho, int out[16])
{
	const __m256d bx = _mm256_set1_pd(x + 0.5), by = _mm256_set1_pd(y + 0.5);
	const __m256d vr = _mm256_set1_pd(rho);
	const __m256i xy = _mm256_setr_epi32(x, x, x, x, y, y, y, y);
	int32_t off[SMP_K_RING];
	uint16_t val[SMP_K_RING];
	__m256i v;

	for (int i = 0; i < SMP_K_RING; i += 4) {
		/* lanes 0-3: xx - x, 4-7: yy - y */
		__m256i d = _mm256_sub_epi32(
			_mm256_setr_m128i(ring4(bx, vr, smp_k_ring_cos + i),
				ring4(by, vr, smp_k_ring_sin + i)),
			xy);
		__m128i o =
			_mm_add_epi32(_mm_mullo_epi32(_mm256_extracti128_si256(d, 1),
							  _mm_set1_epi32(stride)),
				_mm256_castsi256_si128(d));

		_mm_storeu_si128((__m128i *) (off + i), o);
	}
	for (int i = 0; i < SMP_K_RING; i++)
		val[i] = c[off[i]];
	/* levels are <= 4095: signed 16-bit order is theirs */
	v = LD(val);
	v = cx16(v, 1,
		_mm256_setr_epi16(
			-1, 0, 0, -1, -1, 0, 0, -1, -1, 0, 0, -1, -1, 0, 0, -1));
	v = cx16(v, 2,
		_mm256_setr_epi16(
			-1, -1, 0, 0, 0, 0, -1, -1, -1, -1, 0, 0, 0, 0, -1, -1));
	v = cx16(v, 1,
		_mm256_setr_epi16(
			-1, 0, -1, 0, 0, -1, 0, -1, -1, 0, -1, 0, 0, -1, 0, -1));
	v = cx16(v, 4,
		_mm256_setr_epi16(
			-1, -1, -1, -1, 0, 0, 0, 0, 0, 0, 0, 0, -1, -1, -1, -1));
	v = cx16(v, 2,
		_mm256_setr_epi16(
			-1, -1, 0, 0, -1, -1, 0, 0, 0, 0, -1, -1, 0, 0, -1, -1));
	v = cx16(v, 1,
		_mm256_setr_epi16(
			-1, 0, -1, 0, -1, 0, -1, 0, 0, -1, 0, -1, 0, -1, 0, -1));
	v = cx16(v, 8,
		_mm256_setr_epi16(
			-1, -1, -1, -1, -1, -1, -1, -1, 0, 0, 0, 0, 0, 0, 0, 0));
	v = cx16(v, 4,
		_mm256_setr_epi16(
			-1, -1, -1, -1, 0, 0, 0, 0, -1, -1, -1, -1, 0, 0, 0, 0));
	v = cx16(v, 2,
		_mm256_setr_epi16(
			-1, -1, 0, 0, -1, -1, 0, 0, -1, -1, 0, 0, -1, -1, 0, 0));
	v = cx16(v, 1,
		_mm256_setr_epi16(
			-1, 0, -1, 0, -1, 0, -1, 0, -1, 0, -1, 0, -1, 0, -1, 0));
	ST(out, _mm256_cvtepu16_epi32(_mm256_castsi256_si128(v)));
	ST(out + 8, _mm256_cvtepu16_epi32(_mm256_extracti128_si256(v, 1)));
}

/* --- ring_contrast: eight candidates at a time ------------------------ */

/* The 32 bits at element @idx of 16-bit @row: element idx in the low
 * half, idx + 1 in the high half.
 */
static inline __m256i
gather16(const void *row, __m256i idx)
{
	return _mm256_i32gather_epi32((const int *) row, idx, 2);
}

static inline __m256i
lo_s16(__m256i g)
{
	return _mm256_srai_epi32(_mm256_slli_epi32(g, 16), 16);
}

static inline __m256i
hi_s16(__m256i g)
{
	return _mm256_srai_epi32(g, 16);
}

static inline __m256d
lo4d(__m256i v)
{
	return _mm256_cvtepi32_pd(_mm256_castsi256_si128(v));
}

static inline __m256d
hi4d(__m256i v)
{
	return _mm256_cvtepi32_pd(_mm256_extracti128_si256(v, 1));
}

/* Half @h of @v as doubles (h constant once inlined). */
static G_ALWAYS_INLINE inline __m256d
half4d(__m256i v, int h)
{
	return h ? hi4d(v) : lo4d(v);
}

static inline __m256d
clamp4(__m256d v, double lo, double hi)
{
	return _mm256_min_pd(
		_mm256_max_pd(v, _mm256_set1_pd(lo)), _mm256_set1_pd(hi));
}

/* D's samples of eight candidates, as ints. */
typedef struct {
	__m256i v, sxx, syy, sxy, dm, dp;
} DSamples;

/* fit_scalar() (kernels_scalar.c) on four candidates (@h: which half of
 * @ds), the same doubles in the same order; lanes that fail the Hessian
 * test are 0 in the returned mask, and their resp and rho are finite
 * (rho in [RING_MIN, RING_REACH]) whatever their division gave.
 */
static G_ALWAYS_INLINE inline __m256d
fit4(const SmpKRingIn *in, const DSamples *ds, int h, __m256d *resp,
	__m256d *rho)
{
	const __m256d two = _mm256_set1_pd(2.0), zero = _mm256_setzero_pd();
	__m256d v = half4d(ds->v, h), tv = _mm256_set1_pd(in->t[1]);
	__m256d dxx = _mm256_sub_pd(half4d(ds->sxx, h), _mm256_mul_pd(two, v));
	__m256d dyy = _mm256_sub_pd(half4d(ds->syy, h), _mm256_mul_pd(two, v));
	__m256d dxy = _mm256_mul_pd(_mm256_set1_pd(0.25), half4d(ds->sxy, h));
	__m256d tr = _mm256_add_pd(dxx, dyy);
	__m256d det =
		_mm256_sub_pd(_mm256_mul_pd(dxx, dyy), _mm256_mul_pd(dxy, dxy));
	__m256d edge =
		_mm256_mul_pd(_mm256_mul_pd(tr, tr), _mm256_set1_pd(SMP_K_EDGE_RATIO));
	__m256d lim = _mm256_mul_pd(
		_mm256_set1_pd((SMP_K_EDGE_RATIO + 1) * (SMP_K_EDGE_RATIO + 1)), det);
	__m256d pass = _mm256_and_pd(_mm256_cmp_pd(det, zero, _CMP_GT_OQ),
		_mm256_cmp_pd(edge, lim, _CMP_LT_OQ));
	__m256d r = _mm256_mul_pd(v, tv), t = tv;

	if (in->dm) {
		__m256d t0 = _mm256_set1_pd(in->t[0]), t2 = _mm256_set1_pd(in->t[2]);
		__m256d rm = _mm256_mul_pd(half4d(ds->dm, h), t0);
		__m256d rp = _mm256_mul_pd(half4d(ds->dp, h), t2);
		__m256d dr = _mm256_sub_pd(rm, rp);
		__m256d curv =
			_mm256_add_pd(_mm256_sub_pd(rm, _mm256_mul_pd(two, r)), rp);
		__m256d q =
			clamp4(_mm256_div_pd(_mm256_mul_pd(_mm256_set1_pd(0.5), dr), curv),
				-0.5, 0.5);
		__m256d os =
			_mm256_blendv_pd(zero, q, _mm256_cmp_pd(curv, zero, _CMP_LT_OQ));
		__m256d up =
			_mm256_add_pd(tv, _mm256_mul_pd(os, _mm256_sub_pd(t2, tv)));
		__m256d dn =
			_mm256_add_pd(tv, _mm256_mul_pd(os, _mm256_sub_pd(tv, t0)));

		t = _mm256_blendv_pd(dn, up, _mm256_cmp_pd(os, zero, _CMP_GE_OQ));
		r = _mm256_sub_pd(
			r, _mm256_mul_pd(_mm256_mul_pd(_mm256_set1_pd(0.25), dr), os));
	}
	*resp = r;
	*rho = clamp4(_mm256_mul_pd(_mm256_set1_pd(SMP_K_RING_FACTOR),
					  _mm256_mul_pd(_mm256_set1_pd(1.3), _mm256_sqrt_pd(t))),
		SMP_K_RING_MIN, SMP_K_RING_REACH);
	return pass;
}

static inline DSamples
d_samples(const SmpKRingIn *in, __m256i x)
{
	const __m256i xm = _mm256_sub_epi32(x, _mm256_set1_epi32(1));
	__m256i a0 = gather16(in->d[0], xm), b0 = gather16(in->d[0], x);
	__m256i a1 = gather16(in->d[1], xm), b1 = gather16(in->d[1], x);
	__m256i a2 = gather16(in->d[2], xm), b2 = gather16(in->d[2], x);
	DSamples ds;

	/* a: (x - 1, x), b: (x, x + 1) */
	ds.v = hi_s16(a1);
	ds.sxx = _mm256_add_epi32(hi_s16(b1), lo_s16(a1));
	ds.syy = _mm256_add_epi32(hi_s16(a2), hi_s16(a0));
	ds.sxy = _mm256_add_epi32(
		_mm256_sub_epi32(_mm256_sub_epi32(hi_s16(b2), hi_s16(b0)), lo_s16(a2)),
		lo_s16(a0));
	ds.dm = ds.dp = _mm256_setzero_si256();
	if (in->dm) {
		ds.dm = hi_s16(gather16(in->dm, xm));
		ds.dp = hi_s16(gather16(in->dp, xm));
	}
	return ds;
}

/* The ring's sample i of eight candidates at @x (ring_sorted()'s
 * coordinates). Right of the centre (cos >= 0) the pair read starts one
 * element before the sample, left of it at the sample: every read stays
 * within the candidate's reach.
 */
static inline __m256i
ring_sample(const SmpKRingIn *in, int i, __m256d bx0, __m256d bx1, __m256d by,
	__m256d rho0, __m256d rho1)
{
	__m256d c = _mm256_set1_pd(smp_k_ring_cos[i]);
	__m256d sn = _mm256_set1_pd(smp_k_ring_sin[i]);
	__m256i xx = _mm256_setr_m128i(
		_mm256_cvttpd_epi32(_mm256_add_pd(bx0, _mm256_mul_pd(rho0, c))),
		_mm256_cvttpd_epi32(_mm256_add_pd(bx1, _mm256_mul_pd(rho1, c))));
	__m256i yy = _mm256_setr_m128i(
		_mm256_cvttpd_epi32(_mm256_add_pd(by, _mm256_mul_pd(rho0, sn))),
		_mm256_cvttpd_epi32(_mm256_add_pd(by, _mm256_mul_pd(rho1, sn))));
	__m256i idx = _mm256_add_epi32(
		_mm256_mullo_epi32(_mm256_sub_epi32(yy, _mm256_set1_epi32(in->y)),
			_mm256_set1_epi32(in->stride1)),
		xx);

	if (smp_k_ring_cos[i] >= 0)
		return _mm256_srli_epi32(
			gather16(in->l1, _mm256_sub_epi32(idx, _mm256_set1_epi32(1))), 16);
	return _mm256_and_si256(gather16(in->l1, idx), _mm256_set1_epi32(0xFFFF));
}

/* Batcher's odd-even merge sort of 16, on eight rings at once. */
#define CX(a, b)                                                               \
	do {                                                                       \
		__m256i lo_ = _mm256_min_epi32(r[a], r[b]);                            \
		r[b] = _mm256_max_epi32(r[a], r[b]);                                   \
		r[a] = lo_;                                                            \
	} while (0)

static inline void
sort16x8(__m256i r[16])
{
	CX(0, 1);
	CX(2, 3);
	CX(0, 2);
	CX(1, 3);
	CX(1, 2);
	CX(4, 5);
	CX(6, 7);
	CX(4, 6);
	CX(5, 7);
	CX(5, 6);
	CX(0, 4);
	CX(2, 6);
	CX(2, 4);
	CX(1, 5);
	CX(3, 7);
	CX(3, 5);
	CX(1, 2);
	CX(3, 4);
	CX(5, 6);
	CX(8, 9);
	CX(10, 11);
	CX(8, 10);
	CX(9, 11);
	CX(9, 10);
	CX(12, 13);
	CX(14, 15);
	CX(12, 14);
	CX(13, 15);
	CX(13, 14);
	CX(8, 12);
	CX(10, 14);
	CX(10, 12);
	CX(9, 13);
	CX(11, 15);
	CX(11, 13);
	CX(9, 10);
	CX(11, 12);
	CX(13, 14);
	CX(0, 8);
	CX(4, 12);
	CX(4, 8);
	CX(2, 10);
	CX(6, 14);
	CX(6, 10);
	CX(2, 4);
	CX(6, 8);
	CX(10, 12);
	CX(1, 9);
	CX(5, 13);
	CX(5, 9);
	CX(3, 11);
	CX(7, 15);
	CX(7, 11);
	CX(3, 5);
	CX(7, 9);
	CX(11, 13);
	CX(1, 2);
	CX(3, 4);
	CX(5, 6);
	CX(7, 8);
	CX(9, 10);
	CX(11, 12);
	CX(13, 14);
}
#undef CX

/* r[@base - a] per lane, for a in [1, 8]: eight blends. */
static inline __m256i
pick8(const __m256i r[16], __m256i a, int base)
{
	__m256i v = r[base - 1];

	for (int k = 2; k <= 8; k++)
		v = _mm256_blendv_epi8(
			v, r[base - k], _mm256_cmpeq_epi32(a, _mm256_set1_epi32(k)));
	return v;
}

/* smp_k_mad_pair() of eight sorted rings (r[i]: sample i of each) and
 * their medians @bg: the same integer steps, a lane's a picked by
 * blends.
 */
static inline __m256i
mad8(const __m256i r[16], __m256i bg)
{
	__m256i two = _mm256_add_epi32(bg, bg), a = _mm256_set1_epi32(8);
	__m256i x, y, lo;

	/* a = 1 + #{sum >= 2 bg} = 8 - #{2 bg > sum} */
	for (int j = 1; j < 8; j++)
		a = _mm256_add_epi32(
			a, _mm256_cmpgt_epi32(two, _mm256_add_epi32(r[7 - j], r[16 - j])));
	x = _mm256_sub_epi32(bg, pick8(r, a, 8));
	y = _mm256_sub_epi32(pick8(r, a, 16), bg);
	lo = _mm256_max_epi32(_mm256_sub_epi32(bg, pick8(r, a, 9)),
		_mm256_sub_epi32(pick8(r, a, 15), bg));
	return _mm256_add_epi32(
		_mm256_max_epi32(x, y), _mm256_max_epi32(_mm256_min_epi32(x, y), lo));
}

/* The noise test of four lanes (@h: which half): the mask of those with
 * depth >= min_snr * noise, their noise to @noise.
 */
static G_ALWAYS_INLINE inline __m256d
noise4(const SmpKRingIn *in, __m256i mad, __m256i depth, int h, double noise[4])
{
	__m256d nz = _mm256_max_pd(
		_mm256_mul_pd(_mm256_set1_pd(1.4826 * 0.5), half4d(mad, h)),
		_mm256_set1_pd(in->noise_floor));

	_mm256_storeu_pd(noise, nz);
	return _mm256_cmp_pd(half4d(depth, h),
		_mm256_mul_pd(_mm256_set1_pd(in->min_snr), nz), _CMP_GE_OQ);
}

/* Eight candidates at @x: the mask of those that pass (bit j: lane j),
 * with their rings, medians, centres and responses in the arrays.
 */
static inline unsigned
contrast8(const SmpKRingIn *in, __m256i x, int32_t ring[16][8],
	int32_t bg_out[8], int32_t cval_out[8], double resp[8], double noise[8])
{
	DSamples ds = d_samples(in, x);
	__m256d rho0, rho1, r0, r1, p0, p1;
	__m256d bx0 = _mm256_add_pd(lo4d(x), _mm256_set1_pd(0.5));
	__m256d bx1 = _mm256_add_pd(hi4d(x), _mm256_set1_pd(0.5));
	__m256d by = _mm256_set1_pd(in->y + 0.5);
	__m256d mc = _mm256_set1_pd(in->min_contrast);
	__m256i r[16], bg, cval, depth, ok;
	unsigned mask;

	p0 = fit4(in, &ds, 0, &r0, &rho0);
	p1 = fit4(in, &ds, 1, &r1, &rho1);
	for (int i = 0; i < 16; i++)
		r[i] = ring_sample(in, i, bx0, bx1, by, rho0, rho1);
	sort16x8(r);
	bg = _mm256_srli_epi32(_mm256_add_epi32(r[7], r[8]), 1);
	cval = _mm256_and_si256(gather16(in->l0, x), _mm256_set1_epi32(0xFFFF));
	depth = _mm256_sub_epi32(bg, cval);
	ok = _mm256_and_si256(_mm256_cmpgt_epi32(bg, _mm256_setzero_si256()),
		_mm256_cmpgt_epi32(depth, _mm256_setzero_si256()));
	/* depth < min_contrast * bg, in doubles as examine() */
	p0 = _mm256_and_pd(p0,
		_mm256_cmp_pd(lo4d(depth), _mm256_mul_pd(mc, lo4d(bg)), _CMP_GE_OQ));
	p1 = _mm256_and_pd(p1,
		_mm256_cmp_pd(hi4d(depth), _mm256_mul_pd(mc, hi4d(bg)), _CMP_GE_OQ));
	mask = (unsigned) _mm256_movemask_ps(_mm256_castsi256_ps(ok)) &
		((unsigned) _mm256_movemask_pd(p0) |
			(unsigned) _mm256_movemask_pd(p1) << 4);
	if (mask) {
		__m256i mad = mad8(r, bg);

		p0 = noise4(in, mad, depth, 0, noise);
		p1 = noise4(in, mad, depth, 1, noise + 4);
		mask &= (unsigned) _mm256_movemask_pd(p0) |
			(unsigned) _mm256_movemask_pd(p1) << 4;
	}
	if (mask) {
		for (int i = 0; i < 16; i++)
			ST(ring[i], r[i]);
		ST(bg_out, bg);
		ST(cval_out, cval);
		_mm256_storeu_pd(resp, r0);
		_mm256_storeu_pd(resp + 4, r1);
	}
	return mask;
}

int
smp_k_ring_contrast_avx2(
	const SmpKRingIn *in, const int32_t *xs, int n, SmpKRingCand *out)
{
	const __m256i one = _mm256_set1_epi32(1);
	int32_t ring[16][8], bg[8], cval[8], xb[8];
	double resp[8], noise[8];
	int m = 0;

	for (int i = 0; i < n; i += 8) {
		unsigned mask;
		__m256i x;

		if (n - i >= 8)
			x = _mm256_add_epi32(LD(xs + i), one);
		else {
			for (int j = 0; j < 8; j++)
				xb[j] = xs[i + j < n ? i + j : n - 1];
			x = _mm256_add_epi32(LD(xb), one);
		}
		ST(xb, x);
		mask = contrast8(in, x, ring, bg, cval, resp, noise);
		if (n - i < 8)
			mask &= (1u << (n - i)) - 1;
		for (; mask; mask &= mask - 1) {
			int j = __builtin_ctz(mask);
			SmpKRingCand *o = out + m++;

			o->resp = resp[j];
			o->noise = noise[j];
			o->x = xb[j];
			o->bg = bg[j];
			o->cval = cval[j];
			for (int k = 0; k < 16; k++)
				o->ring[k] = ring[k][j];
		}
	}
	return m;
}

#endif /* __AVX2__ */
