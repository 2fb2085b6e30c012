/* The synthetic scalp's layout: follicles, SMP dots of each session, pores
 * and moles placed in scalp millimetres from the seed alone.
 * SPDX-License-Identifier: MIT
 */
#include <math.h>
#include <string.h>

#include "synth_private.h"

/* Random streams; the stream is also the top bits of a feature's id. */
enum {
	STREAM_FOLLICLE = 0,
	STREAM_SMP0 = 1, /* SMP of session s is STREAM_SMP0 + s */
	STREAM_PORE = 6,
	STREAM_MOLE = 7,
	STREAM_SCAB = 8
};

/* Tile indices are offset into 12 bits, dot indices within a tile into 16:
 * ids stay below 2^43, exact in JSON numbers.
 */
#define TILE_OFFSET 2048
#define TILE_MAX 2047
#define DOTS_PER_TILE_MAX 65535

/* Two dots closer than this (centres, mm) would merge visually. */
static double
conflict_distance(double r1, double r2)
{
	return 1.2 * (r1 + r2) + 0.04;
}

typedef struct Layout {
	const SmpSynthParams *p;
	double tile; /* mm */
	int i0, j0, ni, nj; /* tiles computed */
	GArray **tiles; /* ni*nj arrays of SynthFeature (dots only) */
	GArray *moles; /* and scabs */
	GArray *pores;
} Layout;

static gint64
make_id(int stream, int i, int j, int index)
{
	return ((gint64) stream << 40) | ((gint64) (i + TILE_OFFSET) << 28) |
		((gint64) (j + TILE_OFFSET) << 16) | (gint64) index;
}

static SynthRng
tile_rng(guint64 seed, int stream, int i, int j)
{
	SynthRng rng;
	guint64 key =
		((guint64) (i + TILE_OFFSET) << 12) | (guint64) (j + TILE_OFFSET);

	rng.s = synth_key(synth_key(seed, 100 + stream), key);
	return rng;
}

/* Standard normal, Box–Muller. */
static double
gauss(SynthRng *rng)
{
	double u = 1.0 - synth_uniform(rng);
	double v = synth_uniform(rng);

	return sqrt(-2.0 * log(u)) * cos(2.0 * G_PI * v);
}

static int
poisson(SynthRng *rng, double mean)
{
	if (mean <= 0)
		return 0;
	if (mean > 30) {
		double n = floor(mean + sqrt(mean) * gauss(rng) + 0.5);

		return n < 0 ? 0 : (int) MIN(n, (double) DOTS_PER_TILE_MAX);
	}
	double limit = exp(-mean), prod = synth_uniform(rng);
	int n = 0;

	while (prod > limit) {
		n++;
		prod *= synth_uniform(rng);
	}
	return n;
}

static double
log_uniform(SynthRng *rng, double lo, double hi)
{
	return lo * exp(synth_uniform(rng) * log(hi / lo));
}

/* Hair direction varies slowly over the scalp, as it does on a crown. */
static double
hair_direction(guint64 seed, double x, double y)
{
	double base = (synth_key(seed, 77) >> 11) * 0x1.0p-53 * 2.0 * G_PI;

	return base + 0.9 * sin(x / 31.0 + 0.7) + 0.7 * cos(y / 43.0);
}

static void
draw_dot(const SmpSynthParams *p, SynthRng *rng, int stream, int i, int j,
	double tile, SynthFeature *f)
{
	double dmin = p->dot_diameter_min_mm, dmax = p->dot_diameter_max_mm;
	double cmid = 0.5 * (p->contrast_min + p->contrast_max);
	static const double shapes[] = {2.5, 3.0, 4.0};

	memset(f, 0, sizeof(*f));
	f->x = (i + synth_uniform(rng)) * tile;
	f->y = (j + synth_uniform(rng)) * tile;
	if (stream == STREAM_FOLLICLE) {
		f->r = 0.5 * log_uniform(rng, dmin, sqrt(dmin * dmax));
		f->contrast = synth_range(rng, p->contrast_min, cmid);
		f->shape = 2.0;
		f->kind = SMP_SYNTH_FOLLICLE;
		if (synth_uniform(rng) < p->stubble_fraction) {
			f->kind = SMP_SYNTH_STUBBLE;
			f->angle = hair_direction(p->seed, f->x, f->y) +
				synth_range(rng, -0.45, 0.45);
			f->length = synth_range(rng, 0.25, 1.2);
			f->hair_contrast = synth_range(rng, 0.45, 0.75);
		}
		f->session = 0;
	}
	else {
		f->r = 0.5 * log_uniform(rng, dmin, dmax);
		f->contrast = synth_range(rng, p->contrast_min, p->contrast_max);
		f->shape = shapes[synth_next(rng) % 3];
		f->kind = SMP_SYNTH_SMP_DOT;
		f->session = stream - STREAM_SMP0;
	}
}

static gboolean
conflicts(const Layout *l, const SynthFeature *f, int i, int j)
{
	/* moles and scabs */
	for (guint m = 0; m < l->moles->len; m++) {
		const SynthFeature *mole = &g_array_index(l->moles, SynthFeature, m);
		double d = mole->r * (1.4 + mole->shape * 0.2) + f->r + 0.3;
		double dx = f->x - mole->x, dy = f->y - mole->y;

		if (dx * dx + dy * dy < d * d)
			return TRUE;
	}
	for (int tj = j - 1; tj <= j + 1; tj++) {
		if (tj < l->j0 || tj >= l->j0 + l->nj)
			continue;
		for (int ti = i - 1; ti <= i + 1; ti++) {
			GArray *dots;

			if (ti < l->i0 || ti >= l->i0 + l->ni)
				continue;
			dots = l->tiles[(tj - l->j0) * l->ni + (ti - l->i0)];
			for (guint k = 0; k < dots->len; k++) {
				const SynthFeature *o = &g_array_index(dots, SynthFeature, k);
				double d = conflict_distance(f->r, o->r);
				double dx = f->x - o->x, dy = f->y - o->y;

				if (dx * dx + dy * dy < d * d)
					return TRUE;
			}
		}
	}
	return FALSE;
}

/* A second SMP dot touching or nearly merged with @f: a similar size,
 * centres 0.8..1.2 x (r1 + r2) apart in a random direction, clear of
 * every other dot. FALSE when four directions all collide.
 */
static gboolean
draw_partner(const Layout *l, SynthRng *rng, const SynthFeature *f, int i,
	int j, SynthFeature *g)
{
	const SmpSynthParams *p = l->p;

	for (int attempt = 0; attempt < 4; attempt++) {
		double a = synth_range(rng, 0, 2 * G_PI), dist;

		draw_dot(p, rng, STREAM_SMP0 + f->session, i, j, l->tile, g);
		g->r = CLAMP(f->r * synth_range(rng, 0.75, 1.33),
			0.5 * p->dot_diameter_min_mm, 0.5 * p->dot_diameter_max_mm);
		dist = synth_range(rng, 0.8, 1.2) * (f->r + g->r);
		g->x = f->x + dist * cos(a);
		g->y = f->y + dist * sin(a);
		if (!conflicts(l, g, i, j))
			return TRUE;
	}
	return FALSE;
}

/* Throw darts for @stream in tile (i, j): a Poisson number of dots, each
 * kept only where it does not touch an earlier one. Giving up after many
 * misses makes saturated densities come out lower, never loop. A
 * touching_fraction of SMP dots come with a touching partner, kept in
 * this tile's list wherever it lands (at most 1.2 * dmax out), so it
 * depends only on what this tile may see.
 */
static void
fill_tile(Layout *l, int stream, double per_cm2, int i, int j)
{
	SynthRng rng = tile_rng(l->p->seed, stream, i, j);
	GArray *dots = l->tiles[(j - l->j0) * l->ni + (i - l->i0)];
	int n = poisson(&rng, per_cm2 * l->tile * l->tile / 100.0);
	int placed = 0;
	double touching = stream == STREAM_FOLLICLE ? 0 : l->p->touching_fraction;

	for (int tries = 0; placed < n && tries < 40 * n + 10; tries++) {
		SynthFeature f, g;

		draw_dot(l->p, &rng, stream, i, j, l->tile, &f);
		if (conflicts(l, &f, i, j))
			continue;
		f.id = make_id(stream, i, j, placed);
		/* Draw only when asked, so that other scenes stay as they were. */
		if (touching > 0 && placed + 1 < DOTS_PER_TILE_MAX &&
			synth_uniform(&rng) < touching &&
			draw_partner(l, &rng, &f, i, j, &g)) {
			g.id = make_id(stream, i, j, placed + 1);
			g.partner = f.id;
			f.partner = g.id;
			g_array_append_val(dots, f);
			g_array_append_val(dots, g);
			placed += 2;
			continue;
		}
		g_array_append_val(dots, f);
		placed++;
	}
}

/* Session @session's streams over every tile, in four phases: tiles of one
 * phase are never neighbours, so a tile's dots depend only on tiles of
 * earlier phases (and sessions) within one tile, which bounds how far the
 * edge of the computed area reaches in.
 */
static void
fill_session(Layout *l, int session, double smp_per_cm2)
{
	for (int phase = 0; phase < 4; phase++)
		for (int j = l->j0; j < l->j0 + l->nj; j++)
			for (int i = l->i0; i < l->i0 + l->ni; i++) {
				if (((i & 1) | ((j & 1) << 1)) != phase)
					continue;
				if (session == 0)
					fill_tile(l, STREAM_FOLLICLE, l->p->follicle_per_cm2, i, j);
				fill_tile(l, STREAM_SMP0 + session, smp_per_cm2, i, j);
			}
}

/* Moles and scabs live in the before photo's frame, so every photo of
 * the scalp shares them. Scabs are smaller (1.6..3 mm across, still above
 * the 1 mm dot range), darker and more ragged.
 */
static void
place_blobs(Layout *l, int stream, int count)
{
	const SmpSynthParams *p = l->p;
	SynthRng rng = {synth_key(p->seed, 100 + stream)};
	double w = p->width / p->px_per_mm, h = p->height / p->px_per_mm;
	gboolean scab = stream == STREAM_SCAB;

	for (int m = 0; m < count; m++) {
		SynthFeature f;

		memset(&f, 0, sizeof(f));
		f.r = scab ? synth_range(&rng, 0.8, 1.5) : synth_range(&rng, 1.0, 2.6);
		f.x = synth_range(&rng, 0.1, 0.9) * w;
		f.y = synth_range(&rng, 0.1, 0.9) * h;
		f.contrast =
			scab ? synth_range(&rng, 0.35, 0.6) : synth_range(&rng, 0.25, 0.5);
		f.angle = synth_range(&rng, 0, G_PI);
		f.shape = synth_range(&rng, 1.0, 1.45);
		for (int k = 0; k < 3; k++) {
			f.harm[k] = synth_range(&rng, 0.0, scab ? 0.14 : 0.07);
			f.phase[k] = synth_range(&rng, 0, 2 * G_PI);
		}
		f.kind = scab ? SMP_SYNTH_SCAB : SMP_SYNTH_MOLE;
		f.id = make_id(stream, 0, 0, m);
		g_array_append_val(l->moles, f);
	}
}

static void
place_pores(Layout *l, int i, int j)
{
	SynthRng rng = tile_rng(l->p->seed, STREAM_PORE, i, j);
	int n = poisson(&rng, l->p->pore_per_cm2 * l->tile * l->tile / 100.0);

	for (int k = 0; k < n; k++) {
		SynthFeature f;

		memset(&f, 0, sizeof(f));
		f.x = (i + synth_uniform(&rng)) * l->tile;
		f.y = (j + synth_uniform(&rng)) * l->tile;
		f.r = synth_range(&rng, 0.025, 0.05);
		f.contrast = synth_range(&rng, 0.03, 0.08);
		f.shape = 2.0;
		f.kind = SMP_SYNTH_PORE;
		f.id = make_id(STREAM_PORE, i, j, k);
		g_array_append_val(l->pores, f);
	}
}

static gint
by_id(gconstpointer a, gconstpointer b)
{
	const SynthFeature *fa = a, *fb = b;

	return (fa->id > fb->id) - (fa->id < fb->id);
}

static gboolean
in_tiles(double x, double y, double tile, int i0, int j0, int i1, int j1)
{
	int i = (int) floor(x / tile), j = (int) floor(y / tile);

	return i >= i0 && i <= i1 && j >= j0 && j <= j1;
}

SynthScene *
synth_scene_new(const SmpSynthParams *p, double x0, double y0, double x1,
	double y1, int n_after, const double *new_per_cm2)
{
	Layout l = {p};
	SynthScene *scene = g_new0(SynthScene, 1);
	int margin = 4 * (n_after + 1);
	int ri0, rj0, ri1, rj1;

	/* Tiles at least as wide as the largest conflict distance, so only the
	 * 3×3 neighbourhood can conflict.
	 */
	l.tile = MAX(3.0,
		1.1 *
			conflict_distance(
				0.5 * p->dot_diameter_max_mm, 0.5 * p->dot_diameter_max_mm));
	ri0 =
		CLAMP((int) floor(x0 / l.tile), -TILE_MAX + margin, TILE_MAX - margin);
	rj0 =
		CLAMP((int) floor(y0 / l.tile), -TILE_MAX + margin, TILE_MAX - margin);
	ri1 = CLAMP((int) floor(x1 / l.tile), ri0, TILE_MAX - margin);
	rj1 = CLAMP((int) floor(y1 / l.tile), rj0, TILE_MAX - margin);
	l.i0 = ri0 - margin;
	l.j0 = rj0 - margin;
	l.ni = ri1 - ri0 + 1 + 2 * margin;
	l.nj = rj1 - rj0 + 1 + 2 * margin;
	l.tiles = g_new(GArray *, (gsize) l.ni * l.nj);
	for (int t = 0; t < l.ni * l.nj; t++)
		l.tiles[t] = g_array_new(FALSE, FALSE, sizeof(SynthFeature));
	l.moles = g_array_new(FALSE, FALSE, sizeof(SynthFeature));
	l.pores = g_array_new(FALSE, FALSE, sizeof(SynthFeature));

	place_blobs(&l, STREAM_MOLE, p->moles);
	place_blobs(&l, STREAM_SCAB, p->scabs);
	fill_session(&l, 0, p->smp_per_cm2);
	for (int s = 1; s <= n_after; s++)
		fill_session(&l, s, new_per_cm2[s - 1]);
	for (int j = rj0; j <= rj1; j++)
		for (int i = ri0; i <= ri1; i++)
			place_pores(&l, i, j);

	/* Keep what lies in the region's tiles; the margin only fed the
	 * dependencies.
	 */
	scene->features = g_array_new(FALSE, FALSE, sizeof(SynthFeature));
	for (int t = 0; t < l.ni * l.nj; t++) {
		GArray *dots = l.tiles[t];

		for (guint k = 0; k < dots->len; k++) {
			SynthFeature *f = &g_array_index(dots, SynthFeature, k);

			if (in_tiles(f->x, f->y, l.tile, ri0, rj0, ri1, rj1))
				g_array_append_val(scene->features, *f);
		}
		g_array_free(dots, TRUE);
	}
	g_array_append_vals(scene->features, l.moles->data, l.moles->len);
	g_array_append_vals(scene->features, l.pores->data, l.pores->len);
	g_array_sort(scene->features, by_id);
	g_array_free(l.moles, TRUE);
	g_array_free(l.pores, TRUE);
	g_free(l.tiles);
	scene->skin_seed = synth_key(p->seed, 5);
	return scene;
}

void
synth_scene_free(SynthScene *scene)
{
	if (!scene)
		return;
	g_array_free(scene->features, TRUE);
	g_free(scene);
}
