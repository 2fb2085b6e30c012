/* The dot constellation: robust matching of the dots two photos share
 * under a coarse transform, least-squares refinement on the inliers, the
 * score, and the per-dot assignment of after dots to before dots.
 * SPDX-License-Identifier: MIT
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "register_private.h"

#define SEED_DOTS 160 /* before dots whose candidates seed hypotheses */
#define SCORE_DOTS 700 /* before dots that score each hypothesis */
#define HYPOTHESIS_TOL 3.0 /* px: a seed translation explains a dot */
#define MAX_GRID_CELLS (1 << 22)
#define MIN_DOTS 8 /* fewer dots on either side: nothing to fit */

/* Points hashed into square cells for radius queries (counting sort). */
typedef struct Grid {
	const double *xy; /* 2 per point, not owned */
	double cell;
	int cols, rows;
	int *start; /* cols * rows + 1 offsets into idx */
	int *idx;
} Grid;

static void
grid_build(Grid *g, const double *xy, int n, int w, int h, double cell)
{
	int *count;

	/* Cap the cell count: a tiny radius on a big photo must not cost
	 * gigabytes, and coarser cells only cost time.
	 */
	while ((double) (w / cell + 1) * (h / cell + 1) > MAX_GRID_CELLS)
		cell *= 2;
	g->xy = xy;
	g->cell = cell;
	g->cols = (int) (w / cell) + 1;
	g->rows = (int) (h / cell) + 1;
	g->start = g_new0(int, (gsize) g->cols * g->rows + 1);
	g->idx = g_new(int, n > 0 ? n : 1);
	count = g_new0(int, (gsize) g->cols * g->rows + 1);
	for (int pass = 0; pass < 2; pass++) {
		for (int i = 0; i < n; i++) {
			int cx = (int) floor(xy[2 * i] / cell);
			int cy = (int) floor(xy[2 * i + 1] / cell);

			if (cx < 0 || cy < 0 || cx >= g->cols || cy >= g->rows)
				continue;
			if (pass == 0)
				g->start[cy * g->cols + cx + 1]++;
			else
				g->idx[g->start[cy * g->cols + cx] +
					count[cy * g->cols + cx]++] = i;
		}
		if (pass == 0)
			for (int c = 0; c < g->cols * g->rows; c++)
				g->start[c + 1] += g->start[c];
	}
	g_free(count);
}

static void
grid_free(Grid *g)
{
	g_free(g->start);
	g_free(g->idx);
}

/* The point nearest (x, y) within @tol, or -1. Ties go to the lower
 * index, so results never depend on memory order.
 */
static int
grid_nearest(const Grid *g, double x, double y, double tol, double *d2_out)
{
	int x0 = (int) floor((x - tol) / g->cell),
		x1 = (int) floor((x + tol) / g->cell);
	int y0 = (int) floor((y - tol) / g->cell),
		y1 = (int) floor((y + tol) / g->cell);
	double best = tol * tol;
	int found = -1;

	x0 = MAX(x0, 0);
	y0 = MAX(y0, 0);
	x1 = MIN(x1, g->cols - 1);
	y1 = MIN(y1, g->rows - 1);
	for (int cy = y0; cy <= y1; cy++)
		for (int cx = x0; cx <= x1; cx++) {
			int c = cy * g->cols + cx;

			for (int k = g->start[c]; k < g->start[c + 1]; k++) {
				int i = g->idx[k];
				double dx = g->xy[2 * i] - x, dy = g->xy[2 * i + 1] - y;
				double d2 = dx * dx + dy * dy;

				if (d2 < best || (d2 == best && found >= 0 && i < found)) {
					best = d2;
					found = i;
				}
			}
		}
	if (d2_out)
		*d2_out = best;
	return found;
}

/* After dots mapped into the before frame by @m. */
static double *
map_dots(const SmpDot *dots, int n, const double m[9])
{
	double *xy = g_new(double, 2 * (gsize) MAX(n, 1));

	for (int i = 0; i < n; i++)
		smp_mat3_apply(m, dots[i].x, dots[i].y, &xy[2 * i], &xy[2 * i + 1]);
	return xy;
}

/* Indices of the before dots whose place lies inside the after frame
 * under @m (they are the ones the after photo can show).
 */
static int *
overlap_dots(
	const SmpDot *before, int nb, int wa, int ha, const double m[9], int *n_out)
{
	double inv[9];
	int *idx = g_new(int, MAX(nb, 1)), n = 0;

	if (smp_mat3_invert(m, inv))
		for (int i = 0; i < nb; i++) {
			double x, y;

			smp_mat3_apply(inv, before[i].x, before[i].y, &x, &y);
			if (x >= 0 && y >= 0 && x < wa && y < ha)
				idx[n++] = i;
		}
	*n_out = n;
	return idx;
}

/* Best translation correction of @m: every candidate pair within @radius
 * of a seed dot proposes one; each is scored by how many score dots then
 * have an after dot within HYPOTHESIS_TOL. Fixed order, no randomness.
 */
static void
best_shift(const SmpDot *before, const int *ov, int nov, const Grid *g,
	double radius, double shift[2])
{
	int seed_step = MAX(nov / SEED_DOTS, 1);
	int score_step = MAX(nov / SCORE_DOTS, 1);
	int best = -1;

	shift[0] = shift[1] = 0;
	for (int s = 0; s < nov; s += seed_step) {
		const SmpDot *b = &before[ov[s]];
		int x0 = MAX((int) floor((b->x - radius) / g->cell), 0);
		int x1 = MIN((int) floor((b->x + radius) / g->cell), g->cols - 1);
		int y0 = MAX((int) floor((b->y - radius) / g->cell), 0);
		int y1 = MIN((int) floor((b->y + radius) / g->cell), g->rows - 1);

		for (int cy = y0; cy <= y1; cy++)
			for (int cx = x0; cx <= x1; cx++) {
				int c = cy * g->cols + cx;

				for (int k = g->start[c]; k < g->start[c + 1]; k++) {
					int a = g->idx[k];
					double dx = b->x - g->xy[2 * a];
					double dy = b->y - g->xy[2 * a + 1];
					int votes = 0;

					if (dx * dx + dy * dy > radius * radius)
						continue;
					for (int t = 0; t < nov; t += score_step) {
						const SmpDot *q = &before[ov[t]];

						votes += grid_nearest(g, q->x - dx, q->y - dy,
									 HYPOTHESIS_TOL, NULL) >= 0;
					}
					if (votes > best) {
						best = votes;
						shift[0] = dx;
						shift[1] = dy;
					}
				}
			}
	}
}

/* Pairs (before, after) closest first, each dot used once. */
typedef struct Pair {
	double d2;
	int b, a;
} Pair;

static int
pair_cmp(const void *x, const void *y)
{
	const Pair *p = x, *q = y;

	if (p->d2 != q->d2)
		return p->d2 < q->d2 ? -1 : 1;
	if (p->b != q->b)
		return p->b < q->b ? -1 : 1;
	return (p->a > q->a) - (p->a < q->a);
}

/* Unique nearest-neighbour pairs within @tol between before dots @ov
 * and the mapped after dots in @g: every before dot proposes its nearest
 * after dot, and an after dot proposed twice keeps the closer one.
 * Returns: the number of pairs written to @pairs.
 */
static int
unique_pairs(const SmpDot *before, const int *ov, int nov, const Grid *g,
	int na, double tol, Pair *pairs)
{
	guint8 *used = g_new0(guint8, MAX(na, 1));
	int n = 0, kept = 0;

	for (int i = 0; i < nov; i++) {
		double d2;
		int a = grid_nearest(g, before[ov[i]].x, before[ov[i]].y, tol, &d2);

		if (a >= 0)
			pairs[n++] = (Pair){d2, ov[i], a};
	}
	qsort(pairs, n, sizeof(Pair), pair_cmp);
	for (int i = 0; i < n; i++)
		if (!used[pairs[i].a]) {
			used[pairs[i].a] = 1;
			pairs[kept++] = pairs[i];
		}
	g_free(used);
	return kept;
}

/* One round: match within @tol under @m, refit @model on the pairs. */
static int
refine_round(const SmpDot *before, int nb, const SmpDot *after, int na, int wb,
	int hb, int wa, int ha, double tol, SmpRegisterModel model, double m[9],
	double *rms)
{
	g_autofree double *xy = map_dots(after, na, m);
	g_autofree double *src = NULL, *dst = NULL;
	g_autofree int *ov = NULL;
	g_autofree Pair *pairs = NULL;
	double fit[9], ss = 0;
	int nov, n;
	Grid g;

	ov = overlap_dots(before, nb, wa, ha, m, &nov);
	pairs = g_new(Pair, MAX(nov, 1));
	grid_build(&g, xy, na, wb, hb, MAX(tol, 4.0));
	n = unique_pairs(before, ov, nov, &g, na, tol, pairs);
	grid_free(&g);
	src = g_new(double, 2 * (gsize) MAX(n, 1));
	dst = g_new(double, 2 * (gsize) MAX(n, 1));
	for (int i = 0; i < n; i++) {
		src[2 * i] = after[pairs[i].a].x;
		src[2 * i + 1] = after[pairs[i].a].y;
		dst[2 * i] = before[pairs[i].b].x;
		dst[2 * i + 1] = before[pairs[i].b].y;
	}
	if (n < 2 * reg_model_min_pairs(model) || !reg_fit(model, src, dst, n, fit))
		return n;
	memcpy(m, fit, sizeof(fit));
	for (int i = 0; i < n; i++) {
		double x, y;

		smp_mat3_apply(m, src[2 * i], src[2 * i + 1], &x, &y);
		ss += pow(x - dst[2 * i], 2) + pow(y - dst[2 * i + 1], 2);
	}
	*rms = sqrt(ss / n);
	return n;
}

/* The fraction of before dots a wrong transform still "matches": the
 * chance that some after dot falls within @tol of a given place.
 */
static double
chance_level(int na, int wa, int ha, const double m[9], double tol)
{
	double rot, s;

	reg_mat_decompose(m, &rot, &s);
	double density = na / ((double) wa * ha * s * s); /* per before px² */

	return fmin(1.0, G_PI * tol * tol * density);
}

gboolean
reg_fine_fit(const SmpDot *before, int nb, int wb, int hb, const SmpDot *after,
	int na, int wa, int ha, const double m0[9], double radius_px,
	const SmpRegisterParams *p, RegFine *out)
{
	/* Tolerances shrink from what a coarse estimate needs to the final
	 * inlier distance; the similarity settles before more freedom.
	 */
	const double tol = p->match_tol_px;
	const double tols[] = {3 * tol, 2 * tol, 1.4 * tol, tol, tol, tol, tol};
	const int rounds = G_N_ELEMENTS(tols);
	double m[9], shift[2], t[9], rms = NAN;
	int nov, n = 0;

	memset(out, 0, sizeof(*out));
	memcpy(out->matrix, m0, sizeof(double) * 9);
	if (nb < MIN_DOTS || na < MIN_DOTS)
		return FALSE;
	{
		g_autofree double *xy = map_dots(after, na, m0);
		g_autofree int *ov = overlap_dots(before, nb, wa, ha, m0, &nov);
		Grid g;

		grid_build(&g, xy, na, wb, hb, MAX(radius_px / 2, 4.0));
		best_shift(before, ov, nov, &g, radius_px, shift);
		grid_free(&g);
	}
	reg_mat_similarity(1, 0, shift[0], shift[1], t);
	smp_mat3_mul(t, m0, m);
	for (int r = 0; r < rounds; r++) {
		SmpRegisterModel model =
			r < rounds - 2 ? SMP_REGISTER_SIMILARITY : p->model;

		n = refine_round(
			before, nb, after, na, wb, hb, wa, ha, tols[r], model, m, &rms);
	}
	g_free(overlap_dots(before, nb, wa, ha, m, &nov));
	memcpy(out->matrix, m, sizeof(m));
	out->inliers = n;
	out->overlap = nov;
	out->rms_px = rms;
	out->chance = chance_level(na, wa, ha, m, tol);
	if (nov > 0 && out->chance < 1) {
		double frac = (double) n / nov;

		out->score = CLAMP((frac - out->chance) / (1 - out->chance), 0, 1);
	}
	return TRUE;
}

/* Median of @v (sorted in place); NaN when empty. */
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

void
reg_match_dots(const SmpDot *before, int nb, int wb, int hb,
	const SmpDot *after, int na, const double m[9], double tol_px,
	SmpRegistration *r)
{
	g_autofree double *xy = map_dots(after, na, m);
	g_autofree Pair *pairs = g_new(Pair, MAX(na, 1));
	g_autofree double *grow = NULL, *dc = NULL;
	g_autofree double *grow_pct = NULL, *dc_pct = NULL;
	int n_gp = 0, n_dp = 0;
	guint8 *used = g_new0(guint8, MAX(nb, 1));
	double rot, s;
	int n = 0, kept = 0;
	Grid g;

	reg_mat_decompose(m, &rot, &s);
	r->after_match = g_array_sized_new(FALSE, FALSE, sizeof(gint32), na);
	g_array_set_size(r->after_match, na);
	r->new_dots = r->persisting_dots = r->outside_dots = 0;
	/* Pairs searched from the after side: a before dot within the
	 * tolerance of a mapped after dot; the layout keeps distinct dots
	 * further apart than that.
	 */
	{
		g_autofree double *bxy = g_new(double, 2 * (gsize) MAX(nb, 1));

		for (int i = 0; i < nb; i++) {
			bxy[2 * i] = before[i].x;
			bxy[2 * i + 1] = before[i].y;
		}
		grid_build(&g, bxy, nb, wb, hb, MAX(tol_px, 4.0));
		for (int i = 0; i < na; i++) {
			double d2;
			int b;

			g_array_index(r->after_match, gint32, i) = -1;
			if (xy[2 * i] < 0 || xy[2 * i + 1] < 0 || xy[2 * i] >= wb ||
				xy[2 * i + 1] >= hb) {
				r->outside_dots++;
				continue;
			}
			b = grid_nearest(&g, xy[2 * i], xy[2 * i + 1], tol_px, &d2);
			if (b >= 0)
				pairs[n++] = (Pair){d2, b, i};
		}
		grid_free(&g);
	}
	qsort(pairs, n, sizeof(Pair), pair_cmp);
	grow = g_new(double, MAX(n, 1));
	dc = g_new(double, MAX(n, 1));
	grow_pct = g_new(double, MAX(n, 1));
	dc_pct = g_new(double, MAX(n, 1));
	for (int i = 0; i < n; i++) {
		const SmpDot *a = &after[pairs[i].a], *b = &before[pairs[i].b];

		if (used[pairs[i].b])
			continue;
		used[pairs[i].b] = 1;
		g_array_index(r->after_match, gint32, pairs[i].a) = pairs[i].b;
		grow[kept] = a->r * s - b->r;
		dc[kept] = a->contrast - b->contrast;
		/* Relative changes only where the before value is positive. */
		if (b->r > 0)
			grow_pct[n_gp++] = 100.0 * grow[kept] / b->r;
		if (b->contrast > 0)
			dc_pct[n_dp++] = 100.0 * dc[kept] / b->contrast;
		kept++;
	}
	g_free(used);
	r->persisting_dots = kept;
	r->new_dots = na - r->outside_dots - kept;
	r->growth_px_median = median(grow, kept);
	r->contrast_change_median = median(dc, kept);
	r->growth_pct_median = median(grow_pct, n_gp);
	r->contrast_change_pct_median = median(dc_pct, n_dp);
}
