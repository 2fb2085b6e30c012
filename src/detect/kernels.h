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

#include "smpdoc/detect.h"

/* Luma weights (BT.601, sum 256) and the Q4 scale of every level. */
#define SMP_K_WR 77
#define SMP_K_WG 150
#define SMP_K_WB 29
#define SMP_K_Q 4

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
	void (*vblur5)(const uint16_t *r0, const uint16_t *r1,
		const uint16_t *r2, const uint16_t *r3, const uint16_t *r4,
		uint16_t *dst, int n);

	/* Horizontal binomial and difference of Gaussians in one pass:
	 * dst[i] = (s[i] + 4 s[i+1] + 6 s[i+2] + 4 s[i+3] + s[i+4] + 8) >> 4
	 * and dog[i] = dst[i] - prev[i]. Reads src[0, n + 4) (two halo pixels
	 * each side of the output), prev[0, n); writes dst[0, n), dog[0, n).
	 */
	void (*hblur5_dog)(const uint16_t *src, const uint16_t *prev,
		uint16_t *dst, int16_t *dog, int n);

	/* 3x3 local maxima above a threshold. The centre of output i is c[i+1];
	 * reads a, c, b (rows above, centre, below) at [0, n + 2), writes
	 * flags[0, n) as 1 (maximum) or 0. Ties go to the first pixel in
	 * raster order: the centre must be > its neighbours above and to the
	 * left, and >= those to the right and below.
	 */
	void (*localmax3x3)(const int16_t *a, const int16_t *c,
		const int16_t *b, int16_t thr, uint8_t *flags, int n);

	/* Decimation by two: dst[i] = src[2 i]; reads src[0, 2n - 1),
	 * writes dst[0, n).
	 */
	void (*down2)(const uint16_t *src, uint16_t *dst, int n);
} SmpKernels;

/* The per-pixel reference operations, used by every tail. */
static inline uint16_t
smp_k_luma_px(const uint8_t *p)
{
	return (uint16_t) ((SMP_K_WR * p[0] + SMP_K_WG * p[1] +
		SMP_K_WB * p[2] + 8) >> 4);
}

static inline uint16_t
smp_k_binom5_px(unsigned a, unsigned b, unsigned c, unsigned d, unsigned e)
{
	/* Same order of operations as the vector paths: 16-bit wrap-free
	 * because every input is <= 4080.
	 */
	return (uint16_t) ((a + e + ((b + d) << 2) + (c << 2) + (c << 1) + 8) >>
		4);
}

static inline uint8_t
smp_k_localmax_px(const int16_t *a, const int16_t *c, const int16_t *b,
	int16_t thr)
{
	int16_t v = c[1];

	return v > thr && v > a[0] && v > a[1] && v > a[2] && v > c[0] &&
		v >= c[2] && v >= b[0] && v >= b[1] && v >= b[2];
}

#define SMP_K_DECLARE(isa)                                                   \
	void smp_k_luma_rgb_##isa(const uint8_t *rgb, uint16_t *dst, int n);     \
	void smp_k_luma_gray_##isa(const uint8_t *src, uint16_t *dst, int n);    \
	void smp_k_vblur5_##isa(const uint16_t *r0, const uint16_t *r1,          \
		const uint16_t *r2, const uint16_t *r3, const uint16_t *r4,          \
		uint16_t *dst, int n);                                               \
	void smp_k_hblur5_dog_##isa(const uint16_t *src, const uint16_t *prev,   \
		uint16_t *dst, int16_t *dog, int n);                                 \
	void smp_k_localmax3x3_##isa(const int16_t *a, const int16_t *c,         \
		const int16_t *b, int16_t thr, uint8_t *flags, int n);               \
	void smp_k_down2_##isa(const uint16_t *src, uint16_t *dst, int n);

SMP_K_DECLARE(scalar)
SMP_K_DECLARE(sse2)
SMP_K_DECLARE(avx2)
SMP_K_DECLARE(avx512)

/* The table for the best path allowed by the CPU and SMP_SIMD; never NULL.
 * Initialised once, thread-safely.
 */
const SmpKernels *smp_kernels(void);

/* The table of one path, or NULL when the CPU (or the build) lacks it.
 * SMP_SIMD does not apply: tests and benchmarks use this to compare paths.
 */
const SmpKernels *smp_kernels_for(SmpIsa isa);

#endif /* SMPDOC_DETECT_KERNELS_H */
