/* Normalisation benchmark: writes a 12 MP synthetic photo, and times
 * smp_normalise_photo() on a loaded photo (bench_normalise.sh drives it).
 * SPDX-License-Identifier: MIT
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>
#include <vips/vips.h>

#include "smpdoc/normalise.h"
#include "smpdoc/photo.h"
#include "smpdoc/synth.h"

#define RUNS 3

static int
prepare(const char *dir)
{
	SmpSynthParams p;
	GError *error = NULL;
	g_autoptr(VipsImage) image = NULL;
	g_autofree char *path = g_build_filename(dir, "photo.jpg", NULL);

	smp_synth_params_default(&p);
	p.width = 4000;
	p.height = 3000;
	p.gradient = 0.4;
	p.vignette = 0.3;
	p.exposure = -0.3;
	p.cast[0] = 1.08;
	p.cast[2] = 0.92;
	if (!(image = smp_synth_render(&p, NULL, &error)) ||
		!smp_synth_save(image, 1, 90, path, &error)) {
		fprintf(stderr, "bench_normalise: %s\n", error->message);
		return 1;
	}
	return 0;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *) a, y = *(const double *) b;

	return (x > y) - (x < y);
}

/* @normalise FALSE: decode only, for the memory baseline. */
static int
run(const char *path, gboolean normalise)
{
	GError *error = NULL;
	g_autoptr(SmpPhoto) photo = smp_photo_load(path, NULL, &error);
	double ms[RUNS];

	if (!photo) {
		fprintf(stderr, "bench_normalise: %s\n", error->message);
		return 1;
	}
	for (int i = 0; i < RUNS && normalise; i++) {
		g_autoptr(GTimer) timer = g_timer_new();
		g_autoptr(SmpNormalisation) n =
			smp_normalise_photo(photo->image, NULL, 20, path, &error);

		ms[i] = g_timer_elapsed(timer, NULL) * 1e3;
		if (!n) {
			fprintf(stderr, "bench_normalise: %s\n", error->message);
			return 1;
		}
	}
	if (normalise) {
		qsort(ms, RUNS, sizeof(double), cmp_double);
		printf("RESULT normalise_ms %.0f\n", ms[RUNS / 2]);
	}
	return 0;
}

int
main(int argc, char **argv)
{
	if (VIPS_INIT(argv[0]))
		return 1;
	smp_photo_startup();
	if (argc == 3 && strcmp(argv[1], "prepare") == 0)
		return prepare(argv[2]);
	if (argc == 3 && strcmp(argv[1], "run") == 0)
		return run(argv[2], TRUE);
	if (argc == 3 && strcmp(argv[1], "decode") == 0)
		return run(argv[2], FALSE);
	fprintf(stderr,
		"usage: bench_normalise prepare DIR | run PHOTO | "
		"decode PHOTO\n");
	return 2;
}
