/* Driver of setting F (merged_read.c), on the harness's scenes;
 * compare its "P" lines with the harness's "H" lines (table_F.txt).
 * Usage: SEEDS=31,5 [TONES=0,2,4] [ONLYF=0.3] [SMP_THREADS=N]
 *        bench/probe_merged/port-wip/check
 *        [SMP_THREADS=N] bench/probe_merged/port-wip/check DIR/photo.jpg
 * SMP_THREADS: the read's threads (default 1). JPEG=Q: the scene goes
 * through a JPEG of quality Q first (as `smpdoc synth` writes it: 90).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <vips/vips.h>

#include "smpdoc/detect.h"
#include "smpdoc/synth.h"
#include "merged_read.h"

#define PPM 20.0
#define MARGIN 2.0

static double
truth_merged(const GArray *d)
{
	gsize merged = 0;

	for (guint i = 0; i < d->len; i++) {
		const SmpSynthDot *a = &g_array_index(d, SmpSynthDot, i);

		for (guint j = 0; j < d->len; j++) {
			const SmpSynthDot *b = &g_array_index(d, SmpSynthDot, j);

			if (i != j &&
				hypot(a->x - b->x, a->y - b->y) < a->r + b->r + MARGIN) {
				merged++;
				break;
			}
		}
	}
	return (double) merged / d->len;
}

/* main's rule on the detected dots: discs within the margin. */
static double
rule_merged(const GArray *d)
{
	gsize merged = 0;

	for (guint i = 0; i < d->len; i++) {
		const SmpDot *a = &g_array_index(d, SmpDot, i);

		for (guint j = 0; j < d->len; j++) {
			const SmpDot *b = &g_array_index(d, SmpDot, j);

			if (i != j && fabs(a->y - b->y) < 60 &&
				hypot(a->x - b->x, a->y - b->y) < a->r + b->r + MARGIN) {
				merged++;
				break;
			}
		}
	}
	return (double) merged / d->len;
}

static int
threads(void)
{
	return g_getenv("SMP_THREADS") ? atoi(g_getenv("SMP_THREADS")) : 1;
}

/* The merged fraction of the reads, as smp_artist_measure() counts it. */
static double
fraction(const SmpDotRead *r, gsize n, gsize *merged)
{
	gsize m = 0, hid = 0;

	for (gsize k = 0; k < n; k++) {
		m += smp_dot_read_merged(&r[k]);
		hid += r[k].hidden != 0;
	}
	*merged = m;
	return n ? (double) m / (double) (n + hid) : NAN;
}

static double
clock_ms(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static double
thread_ms(void)
{
	return clock_ms(CLOCK_THREAD_CPUTIME_ID);
}

/* The 12 MP bench photo (bench_detect prepare DIR -> DIR/photo.jpg). */
static int
photo(const char *path)
{
	GError *err = NULL;
	VipsImage *img = vips_image_new_from_file(path, NULL), *gb;
	SmpDetectParams dp;
	size_t sz;

	if (!img)
		return 1;
	smp_detect_params_default(&dp);
	dp.diameter_min_px = 0.15 * 20.0;
	dp.diameter_max_px = 1.0 * 20.0;
	SmpDetection *det = smp_detect_dots(img, &dp, path, &err);
	vips_extract_band(img, &gb, 1, NULL);
	guint8 *G = vips_image_write_to_memory(gb, &sz);
	gsize n = det->dots->len, merged;
	for (int rep = 0; rep < 3; rep++) {
		double t0 = thread_ms(), p0 = clock_ms(CLOCK_PROCESS_CPUTIME_ID);
		gint64 w0 = g_get_monotonic_time();
		SmpDotRead *r = smp_merged_read(G, gb->Xsize, gb->Ysize,
			(gsize) gb->Xsize, (const SmpDot *) det->dots->data, n, MARGIN,
			threads());
		double ms = thread_ms() - t0,
			   pms = clock_ms(CLOCK_PROCESS_CPUTIME_ID) - p0,
			   wall = (g_get_monotonic_time() - w0) / 1e3,
			   f = fraction(r, n, &merged);
		/* thread CPU is this thread's only: with SMP_THREADS > 1 read
		 * the wall time */
		printf("photo %zu dots, %d threads: fraction %.3f, %.0f ms thread "
			   "CPU (%.1f us/dot), %.0f ms process CPU, %.0f ms wall\n",
			n, threads(), f, ms, 1e3 * ms / n, pms, wall);
		gsize h1 = 0, h2 = 0, np = 0;
		for (gsize k = 0; k < n; k++) {
			h1 += r[k].hidden == SMP_HIDDEN_LOBE;
			h2 += r[k].hidden == SMP_HIDDEN_ELONGATED;
			np += r[k].paired;
		}
		printf("  lobe %zu elong %zu paired %zu\n", h1, h2, np);
		if (rep == 0 && g_getenv("DUMP")) {
			FILE *f = fopen(g_getenv("DUMP"), "w");

			for (gsize k = 0; f && k < n; k++) {
				const SmpDot *d = &g_array_index(det->dots, SmpDot, k);

				fprintf(f, "%.2f %.2f %.2f %.3f %d %d %.2f %.1f\n", d->x, d->y,
					d->r, d->contrast, r[k].hidden, r[k].paired, r[k].rh,
					r[k].depth);
			}
			if (f)
				fclose(f);
		}
		g_free(r);
	}
	return 0;
}

int
main(int argc, char **argv)
{
	int seeds[2] = {31, 5}, tones[] = {0, 2, 4};
	const double fr[] = {0.0, 0.15, 0.3};

	if (g_getenv("SEEDS"))
		sscanf(g_getenv("SEEDS"), "%d,%d", &seeds[0], &seeds[1]);
	if (g_getenv("TONES"))
		sscanf(g_getenv("TONES"), "%d,%d,%d", &tones[0], &tones[1], &tones[2]);
	if (VIPS_INIT("check"))
		return 1;
	if (argc > 1)
		return photo(argv[1]);
	for (int si = 0; si < 2; si++)
		for (int ti = 0; ti < 3; ti++)
			for (int fi = 0; fi < 3; fi++) {
				SmpSynthParams p;
				SmpSynthTruth *t = NULL;
				GError *err = NULL;
				SmpDetectParams dp;
				VipsImage *img, *gb;
				size_t sz;

				if (ti > 0 && tones[ti] == tones[ti - 1])
					continue; /* TONES=5,5,5: once */
				if (g_getenv("ONLYF") &&
					fabs(fr[fi] - atof(g_getenv("ONLYF"))) > 0.01)
					continue;
				smp_synth_params_default(&p);
				p.seed = seeds[si];
				p.skin_tone = tones[ti];
				p.touching_fraction = fr[fi];
				img = smp_synth_render(&p, &t, &err);
				if (g_getenv("JPEG")) {
					/* as written by smpdoc synth (Q 90), decoded again */
					void *buf;
					size_t len;
					VipsImage *dec;

					vips_jpegsave_buffer(img, &buf, &len, "Q", atoi(g_getenv("JPEG")), NULL);
					dec = vips_image_new_from_buffer(buf, len, "", NULL);
					vips_image_wio_input(dec);
					g_object_unref(img);
					img = dec;
				}
				smp_detect_params_default(&dp);
				dp.diameter_min_px = 0.15 * PPM;
				dp.diameter_max_px = 1.0 * PPM;
				dp.min_contrast = 0.06;
				SmpDetection *det = smp_detect_dots(img, &dp, "scene", &err);
				vips_extract_band(img, &gb, 1, NULL);
				guint8 *G = vips_image_write_to_memory(gb, &sz);
				gsize n = det->dots->len, merged, hid = 0, h1 = 0, h2 = 0,
					  np = 0, nok = 0;
				gint64 t0 = g_get_monotonic_time();
				SmpDotRead *r =
					smp_merged_read(G, gb->Xsize, gb->Ysize, (gsize) gb->Xsize,
						(const SmpDot *) det->dots->data, n, MARGIN, threads());
				double us = (double) (g_get_monotonic_time() - t0);
				double f = fraction(r, n, &merged),
					   want = truth_merged(t->dots);

				for (gsize k = 0; k < n; k++) {
					hid += r[k].hidden != 0;
					h1 += r[k].hidden == 1;
					h2 += r[k].hidden == 2;
					np += r[k].paired;
					nok += r[k].ok;
				}
				printf("P %d %d %.2f truth %.3f: new %.3f err %+.1f%% hidden "
					   "%zu dots %zu read %.0f ms (%.0f us/dot)\n",
					seeds[si], tones[ti], fr[fi], want, f, 100 * (f / want - 1),
					hid, n, us / 1e3, us / n);
				printf("  lobe %zu elong %zu paired %zu ok %zu main %.3f\n", h1,
					h2, np, nok, rule_merged(det->dots));
				fflush(stdout);
				g_free(r);
				g_free(G);
				g_object_unref(gb);
				smp_detection_free(det);
				smp_synth_truth_free(t);
				g_object_unref(img);
			}
	return 0;
}
