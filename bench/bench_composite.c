/* Composite benchmark: a synthetic before/after pair (12 MP unless
 * `prepare` is given a size) is loaded, analysed and registered once;
 * then, per layout, the composite is made as `smpdoc pair` makes it (both
 * panels read again from the files at the panel's size, the after photo
 * warped at that scale), drawn and saved as a JPEG, timed, with the peak
 * RSS it adds and the peak of libvips's pixel buffers while the panels
 * are read and while the composite is drawn and encoded
 * (bench_composite.sh drives it).
 * SPDX-License-Identifier: MIT
 */
#include <stdio.h>
#include <stdlib.h>
#include <malloc.h>
#include <string.h>

#include <glib.h>
#include <vips/vips.h>

#include "smpdoc/analysis.h"
#include "smpdoc/composite.h"
#include "smpdoc/pair.h"
#include "smpdoc/photo.h"
#include "smpdoc/register.h"
#include "smpdoc/synth.h"

#define RUNS 3
#define PPM 20.0

static int
prepare(const char *dir, int width, int height)
{
	SmpSynthSetParams set;
	GError *error = NULL;
	int n = 0;

	smp_synth_set_params_default(&set);
	set.photo.width = width;
	set.photo.height = height;
	set.photo.px_per_mm = PPM;
	set.clients = 1;
	set.sessions = 1;
	set.orientation = 1;
	if (!smp_synth_write_set(&set, dir, &n, &error)) {
		fprintf(stderr, "bench_composite: %s\n", error->message);
		return 1;
	}
	return 0;
}

/* VmHWM or VmRSS of this process, KiB. */
static long
status_kib(const char *field)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	long v = -1;

	while (f && fgets(line, sizeof(line), f))
		if (strncmp(line, field, strlen(field)) == 0)
			v = atol(line + strlen(field) + 1);
	if (f)
		fclose(f);
	return v;
}

/* Reset VmHWM to the current RSS (Linux clear_refs). */
static gboolean
reset_peak(void)
{
	FILE *f = fopen("/proc/self/clear_refs", "w");

	if (!f)
		return FALSE;
	fputs("5", f);
	return fclose(f) == 0;
}

/* The peak of libvips's own pixel buffers (vips_tracked_get_mem()),
 * sampled every millisecond while a composite is made: its high-water
 * mark cannot be reset, and the analysis set it long before. Unlocked:
 * a sample lost at a phase boundary only blurs which phase it counts in.
 */
typedef struct Sampler {
	GThread *thread;
	gint stop;
	gsize peak;
} Sampler;

static Sampler sampler;
/* Peak tracked MiB while the panels are read (0) and while the composite
 * is drawn and encoded (1), over the runs of one layout.
 */
static double phase_peak[2];

static double
phase_end(int phase)
{
	double mib = sampler.peak / 1048576.0;

	phase_peak[phase] = MAX(phase_peak[phase], mib);
	sampler.peak = vips_tracked_get_mem();
	return mib;
}

static gpointer
sample(gpointer data)
{
	Sampler *s = data;

	while (!g_atomic_int_get(&s->stop)) {
		s->peak = MAX(s->peak, vips_tracked_get_mem());
		g_usleep(1000);
	}
	return NULL;
}

typedef struct Pair {
	SmpPipeline *pl;
	SmpPhoto *photo[2];
	SmpAnalysis *a[2];
	SmpRegistration *reg;
} Pair;

/* Load, analyse and register the pair once, keeping what `smpdoc pair`
 * keeps (smp_analysis_release_pixels(): no full-size copy).
 */
static gboolean
load_pair(const char *before, const char *after, Pair *p, GError **error)
{
	const char *paths[2] = {before, after};
	SmpRegisterParams rp;
	SmpScale scale;

	p->pl = smp_pipeline_new_default();
	smp_analysis_scale(PPM, 0, p->pl, &scale);
	for (int i = 0; i < 2; i++) {
		if (!(p->photo[i] = smp_photo_load(paths[i], NULL, error)) ||
			!(p->a[i] =
					smp_analyse_photo(p->photo[i], p->pl, &scale, 0, error)) ||
			!smp_analysis_release_pixels(p->photo[i], p->a[i], error))
			return FALSE;
	}
	smp_register_params_default(&rp);
	p->reg = smp_register_pair(p->a[0]->norm->image, p->a[1]->norm->image,
		p->a[0]->detection->dots, p->a[1]->detection->dots, &rp, error);
	return p->reg != NULL;
}

/* The composite as `smpdoc pair` makes it (smp_pair_composite(): the
 * panels read again from the files at the panel's size, the after photo
 * warped at that scale), drawn and saved; its time in ms.
 */
static double
one(const Pair *p, SmpLayout layout, const char *out, GError **error)
{
	g_autoptr(GTimer) t = g_timer_new();
	g_autoptr(VipsImage) comp = NULL;
	SmpPairSpec spec = {{p->photo[0], p->photo[1]}, {p->a[0], p->a[1]}, {0, 1},
		"top", {"2025-01-01", "2025-03-01"}, p->pl};
	SmpCompositeParams cp;
	SmpCompositeLayout L;
	SmpChange change;
	gboolean aligned;
	int roi[4];

	smp_pair_composite_params(p->pl, &cp);
	cp.layout = layout;
	spec.composite = &cp;
	smp_measure_change(p->a[0]->measurement, p->a[1]->measurement, &change);
	phase_end(1);
	comp = smp_pair_composite(
		&spec, &change, p->reg, &cp, &aligned, &L, roi, error);
	phase_end(0);
	if (!comp || !smp_composite_save(comp, out, &cp, error))
		return -1;
	phase_end(1);
	return g_timer_elapsed(t, NULL) * 1e3;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *) a, y = *(const double *) b;

	return (x > y) - (x < y);
}

static int
run(const char *before, const char *after, const char *out_dir)
{
	static const SmpLayout layouts[] = {SMP_LAYOUT_SIDE_BY_SIDE,
		SMP_LAYOUT_STACKED, SMP_LAYOUT_THREE_PANEL, SMP_LAYOUT_GHOST};
	GError *error = NULL;
	Pair p = {0};

	if (!load_pair(before, after, &p, &error)) {
		fprintf(stderr, "bench_composite: %s\n", error->message);
		return 1;
	}
	printf("held: both photos analysed and registered, no pixels kept, "
		   "%.0f MiB RSS\n",
		status_kib("VmRSS") / 1024.0);
	for (size_t l = 0; l < G_N_ELEMENTS(layouts); l++) {
		g_autofree char *out =
			g_strdup_printf("%s/%s.jpg", out_dir, smp_layout_name(layouts[l]));
		double ms[RUNS];
		double tracked_base = vips_tracked_get_mem() / 1048576.0;
		Sampler *sm = &sampler;
		long base, peak;

		/* Freed heap handed back first, so the base is what is live. */
		malloc_trim(0);
		base = status_kib("VmRSS");
		reset_peak();
		*sm = (Sampler){NULL, 0, 0};
		phase_peak[0] = phase_peak[1] = 0;
		sm->thread = g_thread_new("sample", sample, sm);
		for (int r = 0; r < RUNS; r++)
			if ((ms[r] = one(&p, layouts[l], out, &error)) < 0) {
				fprintf(stderr, "bench_composite: %s\n", error->message);
				return 1;
			}
		peak = status_kib("VmHWM");
		g_atomic_int_set(&sm->stop, 1);
		g_thread_join(sm->thread);
		qsort(ms, RUNS, sizeof(double), cmp_double);
		printf("RESULT %s %.1f %.1f %.1f %.1f\n", smp_layout_name(layouts[l]),
			ms[0], (peak - base) / 1024.0, phase_peak[0] - tracked_base,
			phase_peak[1] - tracked_base);
	}
	for (int i = 0; i < 2; i++) {
		smp_analysis_free(p.a[i]);
		smp_photo_free(p.photo[i]);
	}
	smp_registration_free(p.reg);
	smp_pipeline_free(p.pl);
	return 0;
}

int
main(int argc, char **argv)
{
	if (VIPS_INIT(argv[0]))
		vips_error_exit(NULL);
	smp_photo_startup();
	if ((argc == 3 || argc == 5) && strcmp(argv[1], "prepare") == 0)
		return prepare(argv[2], argc == 5 ? atoi(argv[3]) : 4000,
			argc == 5 ? atoi(argv[4]) : 3000);
	if (argc == 5 && strcmp(argv[1], "run") == 0)
		return run(argv[2], argv[3], argv[4]);
	fprintf(stderr,
		"usage: bench_composite prepare DIR [WIDTH HEIGHT] | run BEFORE "
		"AFTER OUTDIR\n");
	return 2;
}
