/* Merging the detector's candidates into dots: greedy non-maximum
 * suppression across scales, strongest first, then the output sorted by
 * (y, x) with the photo's focus and noise.
 * SPDX-License-Identifier: MIT
 *
 * Speed. Some 100,000 candidates come in for a 12 MP photo with 45,000
 * dots. Taken in order of response they land anywhere in the photo, so
 * what costs is memory latency, not arithmetic: the ranking is a radix
 * sort of 64-bit keys (no comparison callback), the positions are
 * gathered once into a compact array in that order (independent loads,
 * which the CPU overlaps), and the grid of accepted dots holds their
 * positions inline in fixed cells (one or two cache lines per cell, where
 * a GArray per cell cost three dependent misses). Every comparison is the
 * same double expression as before, in the same order of candidates, so
 * the dots are the same bit for bit.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "detect_private.h"

/* A work array from the detector's pool (smp_detect_buf_new()): fresh
 * pages for them were faulted in on every photo. Out of memory aborts,
 * as g_new() did.
 */
typedef struct Held {
	void *p;
	size_t got;
} Held;

static void *
held_new(Held *h, size_t bytes)
{
	if (!(h->p = smp_detect_buf_new(bytes, &h->got)))
		g_error("detect: out of memory for %zu bytes", bytes);
	return h->p;
}

static void
held_free(Held *h)
{
	smp_detect_buf_free(h->p, h->got);
	h->p = NULL;
}

/* Items ahead whose memory is prefetched where the loops below visit
 * candidates or grid cells in an order unrelated to their addresses.
 */
#define PREFETCH_AHEAD 16

/* Both cache lines a candidate may straddle (72 bytes). */
static inline void
prefetch_cand(const Cand *c)
{
	__builtin_prefetch(c);
	__builtin_prefetch((const char *) (c + 1) - 1);
}

/* Stronger first; the rest of the key makes the order total. */
static int
cmp_resp(const void *items, guint32 ia, guint32 ib)
{
	const Cand *a = (const Cand *) items + ia, *b = (const Cand *) items + ib;

	if (a->resp != b->resp)
		return a->resp > b->resp ? -1 : 1;
	if (a->y != b->y)
		return a->y < b->y ? -1 : 1;
	if (a->x != b->x)
		return a->x < b->x ? -1 : 1;
	if (a->oct != b->oct)
		return a->oct - b->oct;
	return a->lvl - b->lvl;
}

/* A candidate's place in the order: a key that increases as the
 * response decreases, and its index.
 */
typedef struct Rank {
	guint64 key;
	guint32 idx;
} Rank;

/* The bits of @v mapped so that unsigned order is ascending (-0 taken
 * as +0, which compares equal to it).
 */
static guint64
double_key(double v)
{
	guint64 u;

	if (v == 0.0)
		v = 0.0;
	memcpy(&u, &v, sizeof(u));
	return (u >> 63) ? ~u : u | ((guint64) 1 << 63);
}

/* Descending response, in 32 bits: the top half of double_key() keeps
 * its order (responses equal in their top 20 mantissa bits tie, and
 * cmp_resp() orders them), and the ranking takes four radix passes
 * instead of eight.
 */
static guint64
resp_key(double resp)
{
	return ~(double_key(resp) >> 32) & 0xFFFFFFFFu;
}

/* Orders two items by index when their keys are equal: < 0, 0, > 0. */
typedef int (*TieCmp)(const void *items, guint32 a, guint32 b);

/* Sorts @r[0, n) by key (whose bytes above the low @bytes are zero),
 * then by @tie on @items: a stable LSD radix sort of the keys, a byte per
 * pass (bytes on which all keys agree are skipped), then runs of equal
 * keys by @tie, stably. @tmp has room for
 * @n. Inlined into each caller, so that @tie is too: the responses of D0
 * and D3 are integers times the level's t, and 58,684 of the 77,488
 * candidates of the bench photo share theirs with others (runs of up to
 * 602, 2.4 M comparisons). Returns: whichever of @r and @tmp holds the
 * result.
 */
static G_ALWAYS_INLINE inline Rank *
rank_sort(Rank *r, Rank *tmp, guint n, int bytes, const void *items, TieCmp tie)
{
	guint32 count[8][256];

	memset(count, 0, sizeof(count));

	for (guint i = 0; i < n; i++)
		for (int b = 0; b < bytes; b++)
			count[b][(r[i].key >> (8 * b)) & 255]++;
	for (int b = 0; n && b < bytes; b++) {
		guint32 sum = 0;
		Rank *t;

		if (count[b][(r[0].key >> (8 * b)) & 255] == n)
			continue; /* every key has this byte */
		for (int v = 0; v < 256; v++) {
			guint32 k = count[b][v];

			count[b][v] = sum;
			sum += k;
		}
		for (guint i = 0; i < n; i++)
			tmp[count[b][(r[i].key >> (8 * b)) & 255]++] = r[i];
		t = r;
		r = tmp;
		tmp = t;
	}
	for (guint i = 0; i + 1 < n;) {
		guint j = i + 1;

		while (j < n && r[j].key == r[i].key)
			j++;
		for (guint a = i + 1; a < j; a++) { /* insertion sort of the run */
			Rank v = r[a];
			guint b = a;

			for (; b > i && tie(items, v.idx, r[b - 1].idx) < 0; b--)
				r[b] = r[b - 1];
			r[b] = v;
		}
		i = j;
	}
	return r;
}

/* The candidates' indices in cmp_resp() order, in @out. */
static guint32 *
rank_order(const Cand *c, guint n, Held *out)
{
	Held ha, hb;
	Rank *a = held_new(&ha, sizeof(Rank) * (n + 1));
	Rank *b = held_new(&hb, sizeof(Rank) * (n + 1));
	guint32 *idx = held_new(out, sizeof(guint32) * (n + 1));
	const Rank *r;

	for (guint i = 0; i < n; i++) {
		a[i].key = resp_key(c[i].resp);
		a[i].idx = i;
	}
	r = rank_sort(a, b, n, 4, c, cmp_resp);
	for (guint i = 0; i < n; i++)
		idx[i] = r[i].idx;
	held_free(&ha);
	held_free(&hb);
	return idx;
}

static int
cmp_yx(const void *pa, const void *pb)
{
	const SmpDot *a = pa, *b = pb;

	if (a->y != b->y)
		return a->y < b->y ? -1 : 1;
	if (a->x != b->x)
		return a->x < b->x ? -1 : 1;
	if (a->r != b->r)
		return a->r < b->r ? -1 : 1;
	return (a->contrast > b->contrast) - (a->contrast < b->contrast);
}

static int
cmp_yx_tie(const void *items, guint32 a, guint32 b)
{
	return cmp_yx((const SmpDot *) items + a, (const SmpDot *) items + b);
}

/* Sorts @dots by cmp_yx(): a radix sort of their y (the low bytes of a
 * float made double are zero, and skipped), ties (rare) by the rest of
 * cmp_yx(). qsort() with cmp_yx() was ~3% of the detection.
 * Dots that compare equal are equal, so the result is qsort()'s.
 */
static void
sort_dots(GArray *dots)
{
	guint n = dots->len;
	SmpDot *v = (SmpDot *) dots->data, *copy;
	Held ha, hb, hc;
	Rank *a, *b;
	const Rank *r;

	if (n < 2)
		return;
	a = held_new(&ha, sizeof(Rank) * n);
	b = held_new(&hb, sizeof(Rank) * n);
	copy = held_new(&hc, sizeof(SmpDot) * n);
	for (guint i = 0; i < n; i++) {
		a[i].key = double_key(v[i].y);
		a[i].idx = i;
	}
	r = rank_sort(a, b, n, 8, v, cmp_yx_tie);
	memcpy(copy, v, sizeof(SmpDot) * n);
	for (guint i = 0; i < n; i++)
		v[i] = copy[r[i].idx];
	held_free(&ha);
	held_free(&hb);
	held_free(&hc);
}

/* The @k-th smallest of @v (reordered so that v[0, k) <= v[k]), by
 * Wirth's selection: linear time where qsort of the ~50,000 per-dot
 * values cost milliseconds. Deterministic for a given input order.
 */
static double
select_kth(double *v, int n, int k)
{
	int lo = 0, hi = n - 1;

	while (lo < hi) {
		double x = v[k];
		int i = lo, j = hi;

		do {
			while (v[i] < x)
				i++;
			while (x < v[j])
				j--;
			if (i <= j) {
				double t = v[i];

				v[i++] = v[j];
				v[j--] = t;
			}
		} while (i <= j);
		if (j < k)
			lo = i;
		if (k < i)
			hi = j;
	}
	return v[k];
}

double
smp_detect_median(double *v, guint n)
{
	double hi;

	if (n == 0)
		return NAN;
	hi = select_kth(v, (int) n, (int) (n / 2));
	if (n % 2)
		return hi;
	/* The lower middle is the largest of the part below n / 2. */
	{
		double lo = v[0];

		for (guint i = 1; i < n / 2; i++)
			lo = MAX(lo, v[i]);
		return 0.5 * (lo + hi);
	}
}

/* --- the grid of accepted dots ---------------------------------------- */

typedef struct Pt {
	double x, y, r;
} Pt;

/* A cell of side dmax holds about two dots at the densest synth photos;
 * more go to a chain of Over.
 */
#define CELL_SLOTS 3

typedef struct Cell {
	Pt p[CELL_SLOTS];
	int n; /* dots in the cell */
	int more; /* first Over beyond the slots, or -1 */
} Cell;

typedef struct Over {
	Pt p;
	int next;
} Over;

/* Whether @c lies within SUPPRESS_FACTOR times the larger radius of @a
 * (the expression of the former code, for the same bits).
 */
static inline gboolean
near(const Pt *a, const Pt *c)
{
	double rr = SUPPRESS_FACTOR * MAX(a->r, c->r);

	return (a->x - c->x) * (a->x - c->x) + (a->y - c->y) * (a->y - c->y) <
		rr * rr;
}

/* An empty slot: near() of it is false for every dot (its distance
 * squared, ~2e60, is above any radius squared).
 */
static const Pt far_pt = {-1e30, -1e30, 0.0};

/* Every slot is tested, empty ones holding far_pt, and the results
 * or-ed without a branch: the test's outcome is data-dependent, and
 * stopping at the first hit mispredicted (perf: near() and this loop
 * were three fifths of suppression's samples). The overflow chain is
 * rare.
 */
static gboolean
cell_near(const Cell *g, const GArray *over, const Pt *c)
{
	gboolean hit = near(&g->p[0], c) | near(&g->p[1], c) | near(&g->p[2], c);

	G_STATIC_ASSERT(CELL_SLOTS == 3);
	for (int o = g->more; o >= 0;) {
		const Over *v = &g_array_index(over, Over, o);

		if (near(&v->p, c))
			return TRUE;
		o = v->next;
	}
	return hit;
}

static void
cell_add(Cell *g, GArray *over, const Pt *c)
{
	if (g->n < CELL_SLOTS)
		g->p[g->n] = *c;
	else {
		Over v = {*c, g->more};

		g->more = (int) over->len;
		g_array_append_val(over, v);
	}
	g->n++;
}

/* --- large blobs ----------------------------------------------------- */

/* The accepted large blobs, listed in every cell of LARGE_CELL px that
 * their reach (SUPPRESS_FACTOR times their radius, plus a pixel) meets:
 * every dot was compared with every large blob, twice (suppression and
 * emit()), ~1% of the detection on the bench photo. A blob is listed in
 * each cell its reach touches, so a dot's cell lists every blob that can
 * hold it (cells clamped to the grid on both sides alike).
 */
#define LARGE_CELL 64.0

typedef struct LargeLink {
	Pt p;
	int next; /* next link of the cell, or -1 */
} LargeLink;

typedef struct LargeIndex {
	int gw, gh;
	int *head; /* first link per cell, or -1 */
	GArray *link; /* LargeLink */
} LargeIndex;

static void
large_index_init(LargeIndex *li, int width, int height)
{
	li->gw = (int) (width / LARGE_CELL) + 1;
	li->gh = (int) (height / LARGE_CELL) + 1;
	li->head = g_new(int, (size_t) li->gw * li->gh);
	for (size_t g = 0; g < (size_t) li->gw * li->gh; g++)
		li->head[g] = -1;
	li->link = g_array_new(FALSE, FALSE, sizeof(LargeLink));
}

static void
large_index_clear(LargeIndex *li)
{
	g_free(li->head);
	g_array_unref(li->link);
}

/* Truncation, not floor(): the two differ only below 0, where both
 * clamp to cell 0; floor() without SSE4.1 took ~20 instructions a call
 * (~4 M of the bench photo's suppression, on every path).
 */
static inline int
large_cell(double v, int n)
{
	return CLAMP((int) (v / LARGE_CELL), 0, n - 1);
}

static void
large_index_add(LargeIndex *li, const Pt *a)
{
	double reach = SUPPRESS_FACTOR * a->r + 1.0;
	int x0 = large_cell(a->x - reach, li->gw);
	int x1 = large_cell(a->x + reach, li->gw);
	int y0 = large_cell(a->y - reach, li->gh);
	int y1 = large_cell(a->y + reach, li->gh);

	for (int y = y0; y <= y1; y++)
		for (int x = x0; x <= x1; x++) {
			int *head = &li->head[(size_t) y * li->gw + x];
			LargeLink l = {*a, *head};

			*head = (int) li->link->len;
			g_array_append_val(li->link, l);
		}
}

/* Whether a dot @c (radius below every large blob's) lies near a large
 * blob: near() with the blob's radius.
 */
static gboolean
large_index_near(const LargeIndex *li, const Pt *c)
{
	int g = large_cell(c->y, li->gh) * li->gw + large_cell(c->x, li->gw);

	for (int o = li->head[g]; o >= 0;) {
		const LargeLink *l = &g_array_index(li->link, LargeLink, o);

		if (near(&l->p, c))
			return TRUE;
		o = l->next;
	}
	return FALSE;
}

/* --- suppression ------------------------------------------------------ */

/* Prefetch the 3x3 cells around @c (rows of three adjacent cells): in
 * rank order the candidates land anywhere in the photo, and the loads
 * of their cells missed the cache on nearly every one.
 */
static inline void
prefetch_cells(const Cell *grid, int gw, int gh, double cell, const Pt *c)
{
	int gx = CLAMP((int) (c->x / cell), 1, gw - 2);
	int gy = CLAMP((int) (c->y / cell), 1, gh - 2);

	if (gw < 3 || gh < 3)
		return;
	for (int yy = gy - 1; yy <= gy + 1; yy++) {
		const char *a = (const char *) &grid[(size_t) yy * gw + gx - 1];

		for (size_t b = 0; b < 3 * sizeof(Cell); b += 64)
			__builtin_prefetch(a + b);
	}
}

/* The cells [@lo, @hi] along one axis that can hold a dot near one at
 * @v in cell @g of @n: a dot's reach, SUPPRESS_FACTOR times the larger
 * radius, is at most 0.6 cell (both radii are below cell / 2), so a
 * neighbouring cell more than 0.7 cell away holds none (the margin
 * covers the rounding of the cell indices; near() is false beyond the
 * reach along one axis alone). About 2.4 x 2.4 cells of the 3 x 3 are
 * left, and the result is the same.
 */
static inline void
reach_cells(double v, int g, int n, double cell, int *lo, int *hi)
{
	double f = v - g * cell;

	*lo = g > 0 && f <= 0.7 * cell ? g - 1 : g;
	*hi = g < n - 1 && cell - f <= 0.7 * cell ? g + 1 : g;
}

/* An accepted dot: its candidate and its cell. */
typedef struct Acc {
	guint32 idx;
	guint32 cell;
} Acc;

/* The dots of @acc[0, n) in cell order, accepted order within a cell (a
 * stable counting sort), which is the order the output was built in
 * before; the final sort by (y, x) does not depend on it but for equal
 * dots.
 */
static Acc *
by_cell(const Acc *acc, guint n, guint cells, Held *h)
{
	Held hs;
	guint32 *start = held_new(&hs, sizeof(guint32) * (cells + 1));
	Acc *out = held_new(h, sizeof(Acc) * (n + 1));

	memset(start, 0, sizeof(guint32) * (cells + 1));
	for (guint i = 0; i < n; i++)
		start[acc[i].cell + 1]++;
	for (guint g = 0; g < cells; g++)
		start[g + 1] += start[g];
	for (guint i = 0; i < n; i++)
		out[start[acc[i].cell]++] = acc[i];
	held_free(&hs);
	return out;
}

/* The output of suppression: dots outside every large blob, large blobs,
 * then focus and noise over the dots.
 */
static void
emit(const Cand *all, const Acc *acc, guint n_acc, const guint32 *large,
	guint n_large, const LargeIndex *li, const SmpDetectParams *p,
	SmpDetection *d)
{
	Held hs, hn;
	double *sharp = held_new(&hs, sizeof(double) * (n_acc + 1));
	double *noise = held_new(&hn, sizeof(double) * (n_acc + 1));
	guint n_sharp = 0;

	/* one allocation, not a doubling per power of two */
	g_array_set_size(d->dots, n_acc);
	g_array_set_size(d->dots, 0);
	/* Dots inside an accepted large blob are its texture, whichever came
	 * first.
	 */
	for (guint j = 0; j < n_acc; j++) {
		const Cand *c = &all[acc[j].idx];
		Pt cp = {c->x, c->y, c->r};
		SmpDot dot;

		/* in cell order, the candidates are anywhere in memory */
		if (j + PREFETCH_AHEAD < n_acc)
			prefetch_cand(&all[acc[j + PREFETCH_AHEAD].idx]);

		if (large_index_near(li, &cp) ||
			2.0 * c->r < SIZE_SLACK_MIN * p->diameter_min_px)
			continue;
		dot.x = (float) c->x;
		dot.y = (float) c->y;
		dot.r = (float) c->r;
		dot.contrast = (float) c->contrast;
		g_array_append_val(d->dots, dot);
		sharp[n_sharp] = c->sharp;
		noise[n_sharp++] = c->noise / 16.0;
	}
	for (guint m = 0; m < n_large; m++) {
		const Cand *a = &all[large[m]];
		SmpDot dot = {
			(float) a->x, (float) a->y, (float) a->r, (float) a->contrast};

		g_array_append_val(d->large_blobs, dot);
	}
	sort_dots(d->dots);
	/* An empty GArray has no data pointer, and qsort may not take NULL. */
	if (d->large_blobs->len > 1)
		qsort(
			d->large_blobs->data, d->large_blobs->len, sizeof(SmpDot), cmp_yx);
	d->focus = n_sharp
		? CLAMP(smp_detect_median(sharp, n_sharp) / SHARP_REF, 0.0, 1.0)
		: NAN;
	d->noise = smp_detect_median(noise, n_sharp);
	held_free(&hs);
	held_free(&hn);
}

/* Greedy non-maximum suppression across scales: strongest first, a
 * candidate is dropped when an accepted one lies within SUPPRESS_FACTOR
 * times the larger radius. Dots go through a grid of cells of side
 * dmax, large blobs through a coarser one (LargeIndex); large blobs are
 * checked against each other one by one (few).
 */
void
smp_detect_suppress(const Cand *cand, guint n, const SmpDetectParams *p,
	int width, int height, SmpDetection *d)
{
	double cell = MAX(p->diameter_max_px * SIZE_SLACK_MAX, 4.0);
	int gw = (int) (width / cell) + 1, gh = (int) (height / cell) + 1;
	double dmax = SIZE_SLACK_MAX * p->diameter_max_px;
	Held hg, ho, hp, ha, hl, hlp, hs;
	Cell *grid = held_new(&hg, sizeof(Cell) * (size_t) gw * gh);
	GArray *over = g_array_new(FALSE, FALSE, sizeof(Over));
	guint32 *order = rank_order(cand, n, &ho);
	Pt *pt = held_new(&hp, sizeof(Pt) * (n + 1));
	Acc *acc = held_new(&ha, sizeof(Acc) * (n + 1)), *sorted;
	guint32 *large = held_new(&hl, sizeof(guint32) * (n + 1));
	Pt *large_pt = held_new(&hlp, sizeof(Pt) * (n + 1));
	guint n_acc = 0, n_large = 0;
	LargeIndex li;

	large_index_init(&li, width, height);
	for (size_t g = 0; g < (size_t) gw * gh; g++) {
		for (int k = 0; k < CELL_SLOTS; k++)
			grid[g].p[k] = far_pt;
		grid[g].n = 0;
		grid[g].more = -1;
	}
	/* The positions in rank order: independent loads, overlapped. */
	for (guint i = 0; i < n; i++) {
		const Cand *c = &cand[order[i]];

		if (i + PREFETCH_AHEAD < n)
			prefetch_cand(&cand[order[i + PREFETCH_AHEAD]]);

		pt[i].x = c->x;
		pt[i].y = c->y;
		pt[i].r = c->r;
	}
	for (guint i = 0; i < n; i++) {
		const Pt *c = &pt[i];
		gboolean is_large = 2.0 * c->r > dmax;
		gboolean keep = TRUE;
		int gx = CLAMP((int) (c->x / cell), 0, gw - 1);
		int gy = CLAMP((int) (c->y / cell), 0, gh - 1);

		if (i + PREFETCH_AHEAD < n)
			prefetch_cells(grid, gw, gh, cell, &pt[i + PREFETCH_AHEAD]);

		/* Large blobs are judged against each other only; dots inside
		 * one are removed by emit().
		 */
		if (is_large)
			for (guint j = 0; keep && j < n_large; j++)
				keep = !near(&large_pt[j], c);
		else
			keep = !large_index_near(&li, c);
		/* Dots within reach: a dot's radius is below cell / 2, so the
		 * 3x3 cells around a dot cover SUPPRESS_FACTOR times it.
		 */
		if (keep && !is_large) {
			gboolean hit = FALSE;
			int x0, x1, y0, y1;

			reach_cells(c->x, gx, gw, cell, &x0, &x1);
			reach_cells(c->y, gy, gh, cell, &y0, &y1);
			for (int yy = y0; yy <= y1; yy++)
				for (int xx = x0; xx <= x1; xx++)
					hit |= cell_near(&grid[(size_t) yy * gw + xx], over, c);
			keep = !hit;
		}
		if (!keep)
			continue;
		if (is_large) {
			large_pt[n_large] = *c;
			large[n_large++] = order[i];
			large_index_add(&li, c);
			continue;
		}
		cell_add(&grid[(size_t) gy * gw + gx], over, c);
		acc[n_acc].idx = order[i];
		acc[n_acc++].cell = (guint32) (gy * gw + gx);
	}
	sorted = by_cell(acc, n_acc, (guint) (gw * gh), &hs);
	emit(cand, sorted, n_acc, large, n_large, &li, p, d);
	large_index_clear(&li);

	held_free(&hs);
	held_free(&ha);
	held_free(&hl);
	held_free(&hlp);
	held_free(&hp);
	held_free(&ho);
	g_array_unref(over);
	held_free(&hg);
}
