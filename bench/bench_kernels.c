/* Throughput of each detector kernel on each path the CPU has, on the
 * same rows (4000 px wide, a few rows reused so that they stay in cache:
 * this measures the arithmetic, not the memory). Prints a markdown table.
 * Usage: bench_kernels [MEGAPIXELS per run, default 12]
 * SPDX-License-Identifier: MIT
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "../src/detect/kernels.h"

#define WIDTH 4000
#define ROWS 8
#define REPEATS 5

typedef struct Bufs {
	uint8_t *rgb;
	uint16_t *l[ROWS];
	int16_t *d[ROWS]; /* DoG rows, uniform in [-80, 80]: dense maxima */
	int16_t *dn[ROWS]; /* DoG rows, Gaussian noise, sigma 16 */
	uint16_t *out;
	int16_t *dog;
	int32_t *xs;
} Bufs;

enum {
	K_LUMA,
	K_VBLUR,
	K_HBLUR_DOG,
	K_EXTREMA,
	K_EXTREMA_DENSE,
	K_DOWN2,
	K_COUNT
};
static const char *const names[K_COUNT] = {
	"luma_rgb", "vblur5", "hblur5_dog", "extrema", "extrema (dense)", "down2"};

static void
run_kernel(const SmpKernels *k, int which, Bufs *b, int rows)
{
	for (int y = 0; y < rows; y++) {
		int r = y % (ROWS - 4);

		switch (which) {
		case K_LUMA:
			k->luma_rgb(b->rgb + (size_t) 3 * WIDTH * (r & 1), b->out, WIDTH);
			break;
		case K_VBLUR:
			k->vblur5(b->l[r], b->l[r + 1], b->l[r + 2], b->l[r + 3],
				b->l[r + 4], b->out, WIDTH);
			break;
		case K_HBLUR_DOG:
			k->hblur5_dog(b->l[r], b->l[r + 1], b->out, b->dog, WIDTH - 4);
			break;
		case K_EXTREMA:
		case K_EXTREMA_DENSE: {
			/* Three levels of three rows, as the detector passes them;
			 * the threshold is 2.5 sigma of the noise rows, as the
			 * detector sets it; gate and weights of octave 0, level 1.
			 */
			int16_t *const *s = which == K_EXTREMA ? b->dn : b->d;
			const int16_t *d[9] = {s[r], s[r + 1], s[r + 2], s[r + 1], s[r + 2],
				s[r + 3], s[r + 2], s[r + 3], s[r + 4]};
			static const int32_t w[3] = {48, 112, 176};

			k->extrema(d, w, b->l[r], 40, 19660, b->xs, WIDTH - 2);
			break;
		}
		default:
			/* output pixels count: a row of WIDTH from two source rows */
			k->down2(b->l[r], b->out, WIDTH / 2);
			k->down2(b->l[r + 1], b->out + WIDTH / 2, WIDTH / 2);
			break;
		}
	}
}

int
main(int argc, char **argv)
{
	double mpx = argc > 1 ? atof(argv[1]) : 12.0;
	int rows = (int) (mpx * 1e6 / WIDTH);
	double mps[SMP_ISA_COUNT][K_COUNT] = {{0}};
	guint64 rng = 12345;
	Bufs b;

	b.rgb = g_malloc((size_t) 6 * WIDTH);
	for (int i = 0; i < 6 * WIDTH; i++)
		b.rgb[i] = (uint8_t) ((rng = rng * 6364136223846793005ULL + 1) >> 56);
	for (int r = 0; r < ROWS; r++) {
		b.l[r] = g_malloc((size_t) 2 * WIDTH);
		b.d[r] = g_malloc((size_t) 2 * WIDTH);
		b.dn[r] = g_malloc((size_t) 2 * WIDTH);
		for (int i = 0; i < WIDTH; i++) {
			int sum = 0;

			rng = rng * 6364136223846793005ULL + 1;
			b.l[r][i] = (uint16_t) ((rng >> 33) % 4081);
			b.d[r][i] = (int16_t) ((int) ((rng >> 20) % 161) - 80);
			/* Irwin-Hall: 12 uniforms of variance 1/12 each -> sigma 16 */
			for (int u = 0; u < 12; u++) {
				rng = rng * 6364136223846793005ULL + 1;
				sum += (int) ((rng >> 40) & 0xFFFF);
			}
			b.dn[r][i] = (int16_t) ((sum - 6 * 65536) * 16 / 65536);
		}
	}
	b.out = g_malloc((size_t) 2 * WIDTH);
	b.dog = g_malloc((size_t) 2 * WIDTH);
	b.xs = g_malloc(sizeof(int32_t) * WIDTH);

	for (int isa = 0; isa < SMP_ISA_COUNT; isa++) {
		const SmpKernels *k = smp_kernels_for((SmpIsa) isa);

		if (!k)
			continue;
		for (int which = 0; which < K_COUNT; which++) {
			double best = 1e30;

			run_kernel(k, which, &b, ROWS); /* warm up */
			for (int rep = 0; rep < REPEATS; rep++) {
				gint64 t0 = g_get_monotonic_time();

				run_kernel(k, which, &b, rows);
				best = MIN(best, (g_get_monotonic_time() - t0) * 1e-6);
			}
			mps[isa][which] = (double) rows * WIDTH / best / 1e6;
		}
	}

	printf("Kernel throughput, Mpx/s (one core, %d x %d px rows in cache, "
		   "best of %d; speed-up vs scalar):\n\n",
		WIDTH, rows, REPEATS);
	printf("| kernel |");
	for (int isa = 0; isa < SMP_ISA_COUNT; isa++)
		if (mps[isa][0] > 0)
			printf(" %s |", smp_isa_name((SmpIsa) isa));
	printf("\n|---|");
	for (int isa = 0; isa < SMP_ISA_COUNT; isa++)
		if (mps[isa][0] > 0)
			printf("---:|");
	printf("\n");
	for (int which = 0; which < K_COUNT; which++) {
		printf("| %s |", names[which]);
		for (int isa = 0; isa < SMP_ISA_COUNT; isa++)
			if (mps[isa][which] > 0)
				printf(" %.0f (%.1fx) |", mps[isa][which],
					mps[isa][which] / mps[0][which]);
		printf("\n");
	}
	printf("\nsse2 has no byte shuffle: its luma_rgb is the scalar one.\n");
	return 0;
}
