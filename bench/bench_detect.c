/* Whole-photo detection benchmark: a 12 MP synthetic scalp photo with
 * about 45,000 dots, saved as JPEG q90; its decode time (libvips, i.e.
 * libjpeg-turbo) for reference, then detection (decode excluded) on each
 * kernel path with 1 and 2 threads, and F1 against the truth.
 *
 *   bench_detect prepare DIR   write DIR/photo.jpg and DIR/truth.csv, run
 *                              the timings, print a markdown table and
 *                              "RESULT key value" lines for bench/run.sh
 *   bench_detect detect FILE   decode and detect once (for peak memory)
 *   bench_detect decode FILE   decode only (the memory baseline)
 *   bench_detect time FILE ISA N   detect N times on one path and thread
 *                              count (SMP_THREADS, default 1); print the
 *                              best time and a checksum of every dot
 *                              (for profiling, and to see that a change
 *                              keeps the results bit for bit)
 * SPDX-License-Identifier: MIT
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <vips/vips.h>

#include "smpdoc/detect.h"
#include "smpdoc/synth.h"
#include "../tests/cases.h"
#include "../src/detect/kernels.h"

#define WIDTH 4000
#define HEIGHT 3000
#define REPEATS 3

static void
die(const char *what, GError *err)
{
	fprintf(stderr, "bench_detect: %s: %s\n", what,
		err ? err->message : vips_error_buffer());
	exit(1);
}

static void
params(SmpDetectParams *p)
{
	smp_detect_params_default(p);
	p->diameter_min_px = 0.15 * 20.0; /* synth's 20 px/mm */
	p->diameter_max_px = 1.0 * 20.0;
}

static VipsImage *
decode(const char *path, double *ms)
{
	gint64 t0 = g_get_monotonic_time();
	VipsImage *x =
		vips_image_new_from_file(path, "access", VIPS_ACCESS_SEQUENTIAL, NULL);
	VipsImage *m;

	if (!x || !(m = vips_image_copy_memory(x)))
		die(path, NULL);
	g_object_unref(x);
	if (ms)
		*ms = (g_get_monotonic_time() - t0) / 1000.0;
	return m;
}

/* F1 of @dots against @truth, matched as the tests match them. */
static double
f1_score(const SmpSynthTruth *truth, const GArray *dots)
{
	guint matched = smp_test_match_dots(truth, dots, NULL);
	double p = dots->len ? (double) matched / dots->len : 0;
	double r = truth->dots->len ? (double) matched / truth->dots->len : 0;

	return p + r > 0 ? 2 * p * r / (p + r) : 0;
}

static int
prepare(const char *dir)
{
	SmpSynthParams sp;
	SmpSynthTruth *truth = NULL;
	GError *err = NULL;
	VipsImage *img, *dec;
	char *jpg = g_build_filename(dir, "photo.jpg", NULL);
	char *csv = g_build_filename(dir, "truth.csv", NULL);
	double decode_ms = 1e30, ms;
	FILE *f;

	smp_synth_params_default(&sp);
	sp.seed = 2024;
	sp.width = WIDTH;
	sp.height = HEIGHT;
	sp.smp_per_cm2 = 110; /* about 45,000 dots on 300 cm² */
	if (!(img = smp_synth_render(&sp, &truth, &err)))
		die("render", err);
	if (vips_jpegsave(img, jpg, "Q", 90, NULL))
		die(jpg, NULL);
	g_object_unref(img);
	if (!(f = fopen(csv, "w")))
		die(csv, NULL);
	fprintf(f, "x,y,r\n");
	for (guint i = 0; i < truth->dots->len; i++) {
		const SmpSynthDot *t = &g_array_index(truth->dots, SmpSynthDot, i);

		fprintf(f, "%.3f,%.3f,%.3f\n", t->x, t->y, t->r);
	}
	fclose(f);

	for (int i = 0; i < REPEATS; i++) {
		dec = decode(jpg, &ms);
		decode_ms = MIN(decode_ms, ms);
		if (i < REPEATS - 1)
			g_object_unref(dec);
	}
	printf("Photo: %dx%d synthetic scalp, %u dots, JPEG q90, 20 px/mm "
		   "(dot diameters 3-20 px).\n\n",
		WIDTH, HEIGHT, truth->dots->len);
	printf(
		"| step | path | threads | ms (best of %d) | Mpx/s | F1 |\n", REPEATS);
	printf("|---|---|---:|---:|---:|---:|\n");
	printf("| JPEG decode (libvips) | - | 1 | %.1f | %.0f | - |\n", decode_ms,
		WIDTH * HEIGHT / decode_ms / 1e3);
	printf("RESULT decode_ms %.2f\n", decode_ms);
	printf("RESULT dots %u\n", truth->dots->len);

	for (int isa = 0; isa < SMP_ISA_COUNT; isa++) {
		if (!smp_kernels_for((SmpIsa) isa))
			continue;
		for (int threads = 1; threads <= 2; threads++) {
			SmpDetectParams p;
			double best = 1e30, f1 = 0;

			params(&p);
			p.isa = isa;
			vips_concurrency_set(threads);
			for (int i = 0; i < REPEATS; i++) {
				gint64 t0 = g_get_monotonic_time();
				SmpDetection *d = smp_detect_dots(dec, &p, jpg, &err);

				if (!d)
					die("detect", err);
				best = MIN(best, (g_get_monotonic_time() - t0) / 1000.0);
				f1 = f1_score(truth, d->dots);
				smp_detection_free(d);
			}
			printf("| detection | %s | %d | %.1f | %.0f | %.4f |\n",
				smp_isa_name((SmpIsa) isa), threads, best,
				WIDTH * HEIGHT / best / 1e3, f1);
			printf("RESULT detect_%s_%d %.2f\n", smp_isa_name((SmpIsa) isa),
				threads, best);
			printf("RESULT f1 %.4f\n", f1);
		}
	}
	g_object_unref(dec);
	smp_synth_truth_free(truth);
	g_free(jpg);
	g_free(csv);
	return 0;
}

/* FNV-1a over the dots' bytes: equal sums, equal results. */
static guint64
checksum(const GArray *dots)
{
	const guint8 *b = (const guint8 *) dots->data;
	guint64 h = 1469598103934665603ull;

	for (gsize i = 0; i < dots->len * sizeof(SmpDot); i++)
		h = (h ^ b[i]) * 1099511628211ull;
	return h;
}

/* CPU time of the calling thread: on a shared machine the wall clock
 * of a one-thread run counts the other jobs too.
 */
static double
thread_cpu_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int
time_path(const char *path, const char *isa, int n)
{
	VipsImage *img = decode(path, NULL);
	const char *env = g_getenv("SMP_THREADS");
	SmpDetectParams p;
	GError *err = NULL;
	SmpIsa which;
	double best = 1e30, best_cpu = 1e30;

	params(&p);
	if (!smp_isa_parse(isa, &which))
		die(isa, NULL);
	p.isa = which;
	vips_concurrency_set(env ? atoi(env) : 1);
	for (int i = 0; i < MAX(1, n); i++) {
		gint64 t0 = g_get_monotonic_time();
		double c0 = thread_cpu_ms();
		SmpDetection *d = smp_detect_dots(img, &p, path, &err);

		if (!d)
			die("detect", err);
		best = MIN(best, (g_get_monotonic_time() - t0) / 1000.0);
		best_cpu = MIN(best_cpu, thread_cpu_ms() - c0);
		if (i == MAX(1, n) - 1)
			printf("%s: %.1f ms best of %d (this thread's CPU %.1f ms), %u "
				   "dots, %" G_GUINT64_FORMAT
				   " candidates, checksum %016" G_GINT64_MODIFIER "x\n",
				isa, best, MAX(1, n), best_cpu, d->dots->len, d->candidates,
				checksum(d->dots));
		smp_detection_free(d);
	}
	g_object_unref(img);
	return 0;
}

int
main(int argc, char **argv)
{
	if (VIPS_INIT(argv[0]))
		die("vips", NULL);
	vips_cache_set_max(0);
	if (argc == 3 && strcmp(argv[1], "prepare") == 0)
		return prepare(argv[2]);
	if (argc == 3 && strcmp(argv[1], "decode") == 0) {
		g_object_unref(decode(argv[2], NULL));
		return 0;
	}
	if (argc == 3 && strcmp(argv[1], "detect") == 0) {
		VipsImage *img = decode(argv[2], NULL);
		SmpDetectParams p;
		GError *err = NULL;
		SmpDetection *d;

		params(&p);
		if (!(d = smp_detect_dots(img, &p, argv[2], &err)))
			die("detect", err);
		printf("%u dots\n", d->dots->len);
		smp_detection_free(d);
		g_object_unref(img);
		return 0;
	}
	if (argc == 5 && strcmp(argv[1], "time") == 0)
		return time_path(argv[2], argv[3], atoi(argv[4]));
	fprintf(stderr,
		"usage: bench_detect prepare DIR | decode FILE | "
		"detect FILE | time FILE ISA N\n");
	return 2;
}
