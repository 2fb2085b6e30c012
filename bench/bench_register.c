/* Registration benchmark: the 40 seeded synthetic pairs at 2 MP
 * (rotation ±15°, scale 0.85..1.15, translation ±10% of the width,
 * lighting changes, 3-8× the dot density requested after), ten pairs of
 * unrelated scalps and a few 12 MP pairs, saved as JPEG q95 and registered
 * from those files; corner errors against the truth, timings.
 *
 *   bench_register prepare DIR [PAIRS]   write DIR/p2_KK_{before,after}.jpg,
 *       DIR/p12_K_*.jpg and DIR/truth.csv (name,w,h,m0..m8, after px →
 *       before px), register each pair, print a markdown table and
 *       "RESULT key value" lines for bench/bench_register.sh
 * SPDX-License-Identifier: MIT
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vips/vips.h>

#include "smpdoc/detect.h"
#include "smpdoc/photo.h"
#include "smpdoc/register.h"
#include "smpdoc/synth.h"
#include "../tests/cases.h"

#define PAIRS 40
#define W2 1632
#define H2 1224
#define W12 4000
#define H12 3000
#define PAIRS12 3
#define UNRELATED 10
#define MAX_CORNER_ERR 2.0

static void
die(const char *what, GError *err)
{
	fprintf(stderr, "bench_register: %s: %s\n", what,
		err ? err->message : vips_error_buffer());
	exit(1);
}

static double
corner_error(const double m[9], const double t[9], int w, int h)
{
	const double cx[4] = {0, w, 0, w}, cy[4] = {0, 0, h, h};
	double worst = 0;

	for (int i = 0; i < 4; i++) {
		double x = cx[i], y = cy[i];
		double d = m[6] * x + m[7] * y + m[8];
		double ax = (m[0] * x + m[1] * y + m[2]) / d;
		double ay = (m[3] * x + m[4] * y + m[5]) / d;
		double bx = t[0] * x + t[1] * y + t[2];
		double by = t[3] * x + t[4] * y + t[5];

		worst = fmax(worst, hypot(ax - bx, ay - by));
	}
	return worst;
}

static VipsImage *
load(const char *path)
{
	GError *err = NULL;
	SmpPhoto *photo = smp_photo_load(path, NULL, &err);
	VipsImage *image;

	if (!photo)
		die(path, err);
	image = g_object_ref(photo->image);
	smp_photo_free(photo);
	return image;
}

static void
save(VipsImage *image, const char *dir, const char *name)
{
	g_autofree char *path = g_strdup_printf("%s/%s.jpg", dir, name);

	if (vips_image_write_to_file(image, path, "Q", 95, NULL))
		die(path, NULL);
}

/* One registration from the saved files: detection of both photos, then
 * registration (timed alone).
 */
typedef struct Outcome {
	gboolean ok;
	double err; /* corner error, px; NaN without a truth */
	double score;
	double ms; /* registration only */
	double detect_ms;
} Outcome;

static Outcome
run(const char *dir, const char *name, const double *truth, int w, int h)
{
	g_autofree char *bp = g_strdup_printf("%s/%s_before.jpg", dir, name);
	g_autofree char *ap = g_strdup_printf("%s/%s_after.jpg", dir, name);
	VipsImage *b = load(bp), *a = load(ap);
	GError *err = NULL;
	SmpDetection *db, *da;
	SmpRegistration *r;
	Outcome o;
	gint64 t0 = g_get_monotonic_time(), t1;

	if (!(db = smp_detect_dots(b, NULL, bp, &err)) ||
		!(da = smp_detect_dots(a, NULL, ap, &err)))
		die(name, err);
	t1 = g_get_monotonic_time();
	if (!(r = smp_register_pair(b, a, db->dots, da->dots, NULL, &err)))
		die(name, err);
	o.ms = (g_get_monotonic_time() - t1) / 1000.0;
	o.detect_ms = (t1 - t0) / 1000.0;
	o.ok = r->ok;
	o.score = r->score;
	o.err = truth ? corner_error(r->matrix, truth, w, h) : NAN;
	smp_registration_free(r);
	smp_detection_free(db);
	smp_detection_free(da);
	g_object_unref(a);
	g_object_unref(b);
	return o;
}

/* Render pair @name, save it, append its truth row and return the
 * matrix in @m.
 */
static void
write_pair(const char *dir, const char *name, const SmpSynthParams *p,
	const SmpSynthPairParams *q, FILE *truth, double m[9])
{
	VipsImage *b, *a;
	GError *err = NULL;
	char tag[64];

	if (!smp_synth_pair(p, q, &b, &a, NULL, NULL, m, &err))
		die(name, err);
	snprintf(tag, sizeof(tag), "%s_before", name);
	save(b, dir, tag);
	snprintf(tag, sizeof(tag), "%s_after", name);
	save(a, dir, tag);
	fprintf(truth, "%s,%d,%d", name, p->width, p->height);
	for (int i = 0; i < 9; i++)
		fprintf(truth, ",%.10g", m[i]);
	fprintf(truth, "\n");
	g_object_unref(b);
	g_object_unref(a);
}

/* Two different scalps, the second as dense as an after photo. */
static void
write_unrelated(const char *dir, int k)
{
	SmpSynthParams p;
	GError *err = NULL;
	VipsImage *img;
	char name[64];

	for (int side = 0; side < 2; side++) {
		smp_synth_params_default(&p);
		p.width = W2;
		p.height = H2;
		p.seed = 7000 + 2 * k + side;
		p.smp_per_cm2 = side ? 400 + 50 * k : 100;
		if (!(img = smp_synth_render(&p, NULL, &err)))
			die("unrelated", err);
		snprintf(
			name, sizeof(name), "u2_%02d_%s", k, side ? "after" : "before");
		save(img, dir, name);
		g_object_unref(img);
	}
}

static int
dbl_cmp(const void *x, const void *y)
{
	double a = *(const double *) x, b = *(const double *) y;

	return (a > b) - (a < b);
}

static double
median(double *v, int n)
{
	if (n == 0)
		return NAN;
	qsort(v, n, sizeof(double), dbl_cmp);
	return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

/* The 2 MP set: counts, corner errors and time, one line per pair on
 * stderr.
 */
static void
bench_2mp(const char *dir, int pairs, double (*truths)[9])
{
	double errs[PAIRS], ms[PAIRS], worst = 0;
	int good = 0, wrong = 0, refused = 0;

	for (int k = 0; k < pairs; k++) {
		char name[32];
		Outcome o;

		snprintf(name, sizeof(name), "p2_%02d", k);
		o = run(dir, name, truths[k], W2, H2);
		ms[k] = o.ms;
		fprintf(stderr, "%s: ok %d score %.3f corner err %.3f px, %.0f ms\n",
			name, o.ok, o.score, o.err, o.ms);
		if (!o.ok)
			refused++;
		else if (o.err <= MAX_CORNER_ERR) {
			errs[good++] = o.err;
			worst = fmax(worst, o.err);
		}
		else
			wrong++;
	}
	printf("| smpdoc fourier-mellin+dots | %d/%d | %d | %d | %.3f | %.3f | "
		   "%.0f |\n",
		good, pairs, wrong, refused, median(errs, good), worst,
		median(ms, pairs));
	printf("RESULT reg2_good %d\nRESULT reg2_pairs %d\nRESULT reg2_wrong %d\n"
		   "RESULT reg2_ms %.1f\nRESULT reg2_max_err %.4f\n",
		good, pairs, wrong, median(ms, pairs), worst);
}

static void
bench_unrelated(const char *dir)
{
	double worst = 0;
	int accepted = 0;

	for (int k = 0; k < UNRELATED; k++) {
		char name[32];
		Outcome o;

		snprintf(name, sizeof(name), "u2_%02d", k);
		o = run(dir, name, NULL, W2, H2);
		worst = fmax(worst, o.score);
		accepted += o.ok;
	}
	printf("\nUnrelated scalps: %d of %d accepted (must be 0); highest "
		   "score %.3f (ok needs %.2f).\n",
		accepted, UNRELATED, worst, SMP_REGISTER_MIN_SCORE);
	printf("RESULT unrelated_accepted %d\nRESULT unrelated_max_score %.4f\n",
		accepted, worst);
}

static void
bench_12mp(const char *dir, double (*truths)[9])
{
	double ms[PAIRS12], det[PAIRS12], worst = 0;
	int good = 0;

	for (int k = 0; k < PAIRS12; k++) {
		char name[32];
		Outcome o;

		snprintf(name, sizeof(name), "p12_%d", k);
		o = run(dir, name, truths[k], W12, H12);
		ms[k] = o.ms;
		det[k] = o.detect_ms;
		good += o.ok && o.err <= MAX_CORNER_ERR;
		worst = fmax(worst, o.err);
	}
	printf("\n12 MP pairs: %d/%d registered, largest corner error %.3f px, "
		   "registration %.0f ms per pair (median; detection of both "
		   "photos %.0f ms).\n",
		good, PAIRS12, worst, median(ms, PAIRS12), median(det, PAIRS12));
	printf("RESULT reg12_ms %.1f\nRESULT reg12_good %d\n", median(ms, PAIRS12),
		good);
}

static int
prepare(const char *dir, int pairs)
{
	g_autofree char *tpath = g_strdup_printf("%s/truth.csv", dir);
	double truths[PAIRS][9], truths12[PAIRS12][9];
	FILE *truth = fopen(tpath, "w");

	if (!truth)
		die(tpath, NULL);
	fprintf(truth, "name,w,h,m0,m1,m2,m3,m4,m5,m6,m7,m8\n");
	for (int k = 0; k < pairs; k++) {
		SmpSynthParams p;
		SmpSynthPairParams q;
		char name[32];

		smp_test_pair_config(k, W2, H2, &p, &q);
		snprintf(name, sizeof(name), "p2_%02d", k);
		write_pair(dir, name, &p, &q, truth, truths[k]);
	}
	for (int k = 0; k < PAIRS12; k++) {
		SmpSynthParams p;
		SmpSynthPairParams q;
		char name[32];

		smp_test_pair_config(100 + k, W12, H12, &p, &q);
		snprintf(name, sizeof(name), "p12_%d", k);
		write_pair(dir, name, &p, &q, truth, truths12[k]);
	}
	fclose(truth);
	for (int k = 0; k < UNRELATED; k++)
		write_unrelated(dir, k);
	printf("| method | within %.0f px | wrong | refused | median corner "
		   "err px | max corner err px (ok) | ms per 2 MP pair |\n",
		MAX_CORNER_ERR);
	printf("|---|---|---|---|---|---|---|\n");
	bench_2mp(dir, pairs, truths);
	bench_unrelated(dir);
	bench_12mp(dir, truths12);
	return 0;
}

int
main(int argc, char **argv)
{
	int pairs = argc > 3 ? atoi(argv[3]) : PAIRS;

	if (VIPS_INIT(argv[0]))
		die("vips", NULL);
	smp_photo_startup();
	if (argc < 3 || strcmp(argv[1], "prepare") || pairs < 1 || pairs > PAIRS) {
		fprintf(stderr, "usage: bench_register prepare DIR [PAIRS]\n");
		return 2;
	}
	return prepare(argv[2], pairs);
}
