/* Picks the detector's kernel path once per process from the CPU's
 * features, capped by SMP_SIMD. Built without ISA flags (pixman's lesson:
 * nothing here may execute a newer instruction before the check).
 * SPDX-License-Identifier: MIT
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "kernels.h"

#if defined(__x86_64__) || defined(__i386__)
#define SMP_K_X86 1
#endif

static const char *const isa_names[SMP_ISA_COUNT] = {
	[SMP_ISA_SCALAR] = "scalar",
	[SMP_ISA_SSE2] = "sse2",
	[SMP_ISA_AVX2] = "avx2",
	[SMP_ISA_AVX512] = "avx512",
};

/* One table per path, each filled from the one below it (zlib-ng's
 * init_functable): a path without its own version of a kernel inherits
 * the next lower one.
 */
static SmpKernels tables[SMP_ISA_COUNT];
static gboolean supported[SMP_ISA_COUNT];
static SmpIsa chosen = SMP_ISA_SCALAR;
static pthread_once_t once = PTHREAD_ONCE_INIT;

const char *
smp_isa_name(SmpIsa isa)
{
	return isa >= 0 && isa < SMP_ISA_COUNT ? isa_names[isa] : "unknown";
}

gboolean
smp_isa_parse(const char *name, SmpIsa *isa)
{
	for (int i = 0; i < SMP_ISA_COUNT; i++)
		if (name && g_ascii_strcasecmp(name, isa_names[i]) == 0) {
			*isa = (SmpIsa) i;
			return TRUE;
		}
	return FALSE;
}

static void
init_tables(void)
{
	SmpKernels *t = &tables[SMP_ISA_SCALAR];
	const char *env;
	SmpIsa cap;

	t->isa = SMP_ISA_SCALAR;
	t->name = isa_names[SMP_ISA_SCALAR];
	t->luma_rgb = smp_k_luma_rgb_scalar;
	t->luma_gray = smp_k_luma_gray_scalar;
	t->vblur5 = smp_k_vblur5_scalar;
	t->hblur5_dog = smp_k_hblur5_dog_scalar;
	t->extrema = smp_k_extrema_scalar;
	t->down2 = smp_k_down2_scalar;
	t->excess_peak = smp_k_excess_peak_scalar;
	t->ray_half = smp_k_ray_half_scalar;
	t->ring_sorted = smp_k_ring_sorted_scalar;
	supported[SMP_ISA_SCALAR] = TRUE;

#if SMP_K_X86
	__builtin_cpu_init();

	/* SSE2 is part of x86-64; still asked, for i386 builds. */
	t = &tables[SMP_ISA_SSE2];
	*t = tables[SMP_ISA_SCALAR];
	t->isa = SMP_ISA_SSE2;
	t->name = isa_names[SMP_ISA_SSE2];
	t->luma_gray = smp_k_luma_gray_sse2;
	t->vblur5 = smp_k_vblur5_sse2;
	t->hblur5_dog = smp_k_hblur5_dog_sse2;
	t->extrema = smp_k_extrema_sse2;
	t->down2 = smp_k_down2_sse2;
	supported[SMP_ISA_SSE2] = __builtin_cpu_supports("sse2");

	/* libgcc's check includes the OS having enabled the YMM (and, for
	 * AVX-512, the ZMM and mask) state through XGETBV.
	 */
	t = &tables[SMP_ISA_AVX2];
	*t = tables[SMP_ISA_SSE2];
	t->isa = SMP_ISA_AVX2;
	t->name = isa_names[SMP_ISA_AVX2];
	t->luma_rgb = smp_k_luma_rgb_avx2;
	t->luma_gray = smp_k_luma_gray_avx2;
	t->vblur5 = smp_k_vblur5_avx2;
	t->hblur5_dog = smp_k_hblur5_dog_avx2;
	t->extrema = smp_k_extrema_avx2;
	t->down2 = smp_k_down2_avx2;
	t->excess_peak = smp_k_excess_peak_avx2;
	t->excess_rows = smp_k_excess_rows_avx2;
	t->ray_half = smp_k_ray_half_avx2;
	t->ray_half_rows = smp_k_ray_half_rows_avx2;
	t->ring_sorted = smp_k_ring_sorted_avx2;
	t->ring_contrast = smp_k_ring_contrast_avx2;
	t->max9_row = smp_k_max9_row_avx2;
	t->extrema_spatial = smp_k_extrema_spatial_avx2;
	t->extrema_scale = smp_k_extrema_scale_avx2;
	supported[SMP_ISA_AVX2] =
		supported[SMP_ISA_SSE2] && __builtin_cpu_supports("avx2");

	/* excess_peak(), excess_rows(), ray_half(), ray_half_rows(), ring_sorted()
	 * and ring_contrast() stay AVX2's: gathers were slow on this
	 * project's AMD EPYC (kernels_avx2.c), and AVX2's loads do the job.
	 */
	t = &tables[SMP_ISA_AVX512];
	*t = tables[SMP_ISA_AVX2];
	t->isa = SMP_ISA_AVX512;
	t->name = isa_names[SMP_ISA_AVX512];
	t->luma_rgb = smp_k_luma_rgb_avx512;
	t->luma_gray = smp_k_luma_gray_avx512;
	t->vblur5 = smp_k_vblur5_avx512;
	t->hblur5_dog = smp_k_hblur5_dog_avx512;
	t->extrema = smp_k_extrema_avx512;
	t->max9_row = NULL; /* its own extrema() */
	t->extrema_spatial = NULL;
	t->extrema_scale = NULL;
	t->down2 = smp_k_down2_avx512;
	supported[SMP_ISA_AVX512] = supported[SMP_ISA_AVX2] &&
		__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw");
#endif

	/* AVX-512 only on request: on this project's AMD EPYC (family 26) the
	 * AVX-512 path detects about 10% slower than AVX2 (bench_detect,
	 * alternating runs; why is not known).
	 */
	cap = SMP_ISA_AVX2;
	env = getenv("SMP_SIMD");
	if (env && *env && !smp_isa_parse(env, &cap))
		cap = SMP_ISA_SCALAR; /* unknown value: the safe choice */
	for (int i = 0; i <= (int) cap; i++)
		if (supported[i])
			chosen = (SmpIsa) i;
}

const SmpKernels *
smp_kernels(void)
{
	pthread_once(&once, init_tables);
	return &tables[chosen];
}

const SmpKernels *
smp_kernels_for(SmpIsa isa)
{
	pthread_once(&once, init_tables);
	if (isa < 0 || isa >= SMP_ISA_COUNT || !supported[isa])
		return NULL;
	return &tables[isa];
}

const char *
smp_kernels_isa(void)
{
	return smp_kernels()->name;
}
