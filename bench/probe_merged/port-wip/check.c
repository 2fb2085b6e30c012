/* Driver of setting F (merged_read.c), on the harness's scenes;
 * compare its "P" lines with the harness's "H" lines (table_F.txt).
 * Usage: SEEDS=31,5 [TONES=0,2,4] [ONLYF=0.3] [SMP_THREADS=N]
 *        bench/probe_merged/port-wip/check
 *        [SMP_THREADS=N] bench/probe_merged/port-wip/check DIR/photo.jpg
 * SMP_THREADS: the read's threads (default 1). JPEG=Q: the scene goes
 * through a JPEG of quality Q first (as `smpdoc synth` writes it: 90).
 * h10h: TONES takes up to 4 tones; VARIANTS="k=v,k=v;k=v..." reads each
 * scene once per variant of the MergedKnobs (merged_read.h), lines "Vi P";
 * each P line's second line counts the hidden flags against the truth
 * (right / wrong / missed: truth_hidden()); dump=2 in a variant writes
 * every dot's lobe and elongation evidence and truth to stderr for fit.py;
 * PRESMOOTH=SIGMA blurs the green band before the read.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

/* h10h: which detected dots hide a touching truth partner: both truth
 * dots of a touching pair nearest to the same detected dot, or one of
 * them found (a detected dot within r + 3 px) and the other not found at
 * all. @hides: one flag per detected dot. */
static void
truth_hidden(const GArray *t, const GArray *det, guint8 *hides)
{
	gsize nt = t->len, nd = det->len;
	g_autofree gssize *near = g_new(gssize, nt);
	g_autofree gboolean *found = g_new(gboolean, nt);

	memset(hides, 0, nd);
	for (gsize j = 0; j < nt; j++) {
		const SmpSynthDot *a = &g_array_index(t, SmpSynthDot, j);
		double best = 1e18;

		near[j] = -1;
		for (gsize k = 0; k < nd; k++) {
			const SmpDot *d = &g_array_index(det, SmpDot, k);
			double q =
				(d->x - a->x) * (d->x - a->x) + (d->y - a->y) * (d->y - a->y);

			if (fabs(d->y - a->y) < 30 && q < best) {
				best = q;
				near[j] = (gssize) k;
			}
		}
		found[j] = best <= (a->r + 3) * (a->r + 3);
	}
	for (gsize i = 0; i < nt; i++) {
		const SmpSynthDot *a = &g_array_index(t, SmpSynthDot, i);

		for (gsize j = i + 1; j < nt; j++) {
			const SmpSynthDot *b = &g_array_index(t, SmpSynthDot, j);

			if (hypot(a->x - b->x, a->y - b->y) >= a->r + b->r + MARGIN)
				continue;
			/* one detected dot for both, or one found and its partner
			 * not found at all (beside it: a lobe's job too) */
			if (found[i] && (near[j] == near[i] || !found[j]))
				hides[near[i]] = 1;
			else if (found[j] && !found[i])
				hides[near[j]] = 1;
		}
	}
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

/* VARIANTS="snr=3,ray_null=4;w_disc=1": one read per variant (';'), each
 * a comma list of MergedKnobs fields, on the same detected scene. */
static void
set_knobs(const char *spec)
{
	char **kv = g_strsplit(spec, ",", -1);

	for (int q = 0; kv[q]; q++) {
		char name[32];
		double v;

		if (sscanf(kv[q], "%31[a-z_]=%lf", name, &v) != 2)
			continue;
		if (!strcmp(name, "snr"))
			merged_knobs.snr = v;
		else if (!strcmp(name, "depth"))
			merged_knobs.depth = v;
		else if (!strcmp(name, "minw"))
			merged_knobs.minw = v;
		else if (!strcmp(name, "snr_smooth"))
			merged_knobs.snr_smooth = v;
		else if (!strcmp(name, "ray_null"))
			merged_knobs.ray_null = v;
		else if (!strcmp(name, "w_disc"))
			merged_knobs.w_disc = v;
		else if (!strcmp(name, "prw_rh"))
			merged_knobs.prw_rh = v;
		else if (!strcmp(name, "prw_pw"))
			merged_knobs.prw_pw = v;
		else if (!strcmp(name, "asp_max"))
			merged_knobs.asp_max = v;
		else if (!strcmp(name, "rmin_rh"))
			merged_knobs.rmin_rh = v;
		else if (!strcmp(name, "ms"))
			merged_knobs.ms = v;
		else if (!strcmp(name, "dep_n"))
			merged_knobs.dep_n = v;
		else if (!strcmp(name, "abs_depth"))
			merged_knobs.abs_depth = v;
		else if (!strcmp(name, "best_abs"))
			merged_knobs.best_abs = v;
		else if (!strcmp(name, "asp_min"))
			merged_knobs.asp_min = v;
		else if (!strcmp(name, "sym"))
			merged_knobs.sym = v;
		else if (!strcmp(name, "e_abs_depth"))
			merged_knobs.e_abs_depth = v;
		else if (!strcmp(name, "r_rh_max"))
			merged_knobs.r_rh_max = v;
		else if (!strcmp(name, "dump"))
			merged_knobs.dump = (int) v;
		else if (!strcmp(name, "elong_snr"))
			merged_knobs.elong_snr = v;
		else
			fprintf(stderr, "unknown knob %s\n", name);
	}
	g_strfreev(kv);
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
		SmpDotRead *r =
			smp_merged_read(G, gb->Xsize, gb->Ysize, (gsize) gb->Xsize,
				(const SmpDot *) det->dots->data, n, MARGIN, threads());
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
	int seeds[2] = {31, 5}, tones[] = {0, 2, 4, 4};
	const double fr[] = {0.0, 0.15, 0.3};

	if (g_getenv("SEEDS"))
		sscanf(g_getenv("SEEDS"), "%d,%d", &seeds[0], &seeds[1]);
	if (g_getenv("TONES")) {
		int nt = sscanf(g_getenv("TONES"), "%d,%d,%d,%d", &tones[0], &tones[1],
			&tones[2], &tones[3]);

		for (int q = MAX(nt, 1); q < 4; q++)
			tones[q] = tones[q - 1];
	}
	if (VIPS_INIT("check"))
		return 1;
	if (argc > 1)
		return photo(argv[1]);
	for (int si = 0; si < 2; si++)
		for (int ti = 0; ti < 4; ti++)
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

					vips_jpegsave_buffer(
						img, &buf, &len, "Q", atoi(g_getenv("JPEG")), NULL);
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
				if (g_getenv("PRESMOOTH")) {
					/* h10h: a light Gaussian on the green band before the
					 * read (the detector saw the unsmoothed image) */
					VipsImage *sm;

					vips_gaussblur(gb, &sm, atof(g_getenv("PRESMOOTH")),
						"precision", VIPS_PRECISION_FLOAT, NULL);
					g_object_unref(gb);
					vips_cast_uchar(sm, &gb, NULL);
					g_object_unref(sm);
				}
				guint8 *G = vips_image_write_to_memory(gb, &sz);
				gsize n = det->dots->len;
				char **vars = g_strsplit(
					g_getenv("VARIANTS") ? g_getenv("VARIANTS") : "", ";", -1);
				MergedKnobs base = merged_knobs;

				for (int vi = 0; vi == 0 || vars[vi]; vi++) {
					gsize merged, hid = 0, h1 = 0, h2 = 0, np = 0, nok = 0;

					merged_knobs = base;
					if (vars[vi])
						set_knobs(vars[vi]);
					if (merged_knobs.dump == 2)
						fprintf(stderr, "S %d %d %.2f %s %zu %.4f\n", seeds[si],
							tones[ti], fr[fi],
							g_getenv("JPEG") ? g_getenv("JPEG") : "0", n,
							truth_merged(t->dots));
					gint64 t0 = g_get_monotonic_time();
					SmpDotRead *r = smp_merged_read(G, gb->Xsize, gb->Ysize,
						(gsize) gb->Xsize, (const SmpDot *) det->dots->data, n,
						MARGIN, threads());
					double us = (double) (g_get_monotonic_time() - t0);
					g_autofree guint8 *hides = g_new(guint8, MAX(n, 1));
					gsize tp = 0, fp = 0, fn = 0;

					truth_hidden(t->dots, det->dots, hides);
					if (merged_knobs.dump == 2)
						for (gsize k = 0; k < n; k++) {
							const SmpDot *d =
								&g_array_index(det->dots, SmpDot, k);

							fprintf(stderr, "D %.2f %.2f %d %d %d %d\n", d->x,
								d->y, r[k].ok, r[k].paired, r[k].hidden,
								hides[k]);
						}
					for (gsize k = 0; k < n; k++) {
						tp += r[k].hidden && hides[k];
						fp += r[k].hidden && !hides[k];
						fn += !r[k].hidden && hides[k];
					}
					double f = fraction(r, n, &merged),
						   want = truth_merged(t->dots);

					for (gsize k = 0; k < n; k++) {
						hid += r[k].hidden != 0;
						h1 += r[k].hidden == 1;
						h2 += r[k].hidden == 2;
						np += r[k].paired;
						nok += r[k].ok;
					}
					if (vars[vi] && vars[vi][0])
						printf("V%d ", vi);
					printf(
						"P %d %d %.2f truth %.3f: new %.3f err %+.1f%% hidden "
						"%zu dots %zu read %.0f ms (%.0f us/dot)\n",
						seeds[si], tones[ti], fr[fi], want, f,
						100 * (f / want - 1), hid, n, us / 1e3, us / n);
					printf("  lobe %zu elong %zu paired %zu ok %zu main %.3f "
						   "hidden right %zu wrong %zu missed %zu\n",
						h1, h2, np, nok, rule_merged(det->dots), tp, fp, fn);
					fflush(stdout);
					g_free(r);
					if (!vars[vi] || !vars[vi + 1])
						break;
				}
				merged_knobs = base;
				g_strfreev(vars);
				g_free(G);
				g_object_unref(gb);
				smp_detection_free(det);
				smp_synth_truth_free(t);
				g_object_unref(img);
			}
	return 0;
}
