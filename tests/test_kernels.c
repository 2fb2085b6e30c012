/* ISA equivalence suite for the detector's row kernels: every vector path
 * the CPU supports must give the scalar reference's bits, on random and
 * edge-pattern rows, widths 1..67 and one large width, odd offsets, and
 * buffers whose last byte touches a guard page.
 * SPDX-License-Identifier: MIT
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "test.h"
#include "../src/detect/kernels.h"

#define MAX_OFFSET 3
#define LARGE_WIDTH 4001
#define SENTINEL_REF 0xA5
#define SENTINEL_ISA 0x5A

enum {
	PAT_RANDOM,
	PAT_TIES, /* few distinct values: plateaus and ties */
	PAT_FLAT,
	PAT_DOT, /* flat with one dark (or, for DoG rows, one high) pixel */
	PAT_SATURATED,
	PAT_CHECKER,
	PAT_COUNT
};

static const char *const pat_names[PAT_COUNT] = {
	"random", "ties", "flat", "dot", "saturated", "checker"};

static uint64_t rng;

/* A value in [lo, hi] for pattern @pat at column @i of row @row. */
static int
pattern_value(int pat, int i, int row, int n, int lo, int hi)
{
	switch (pat) {
	case PAT_RANDOM:
		return lo + (int) (smp_test_rand(&rng) % (uint64_t) (hi - lo + 1));
	case PAT_TIES:
		return lo + (int) (smp_test_rand(&rng) % 3) * ((hi - lo) / 2);
	case PAT_FLAT:
		return lo + (hi - lo) / 2;
	case PAT_DOT:
		return i == n / 2 && row == 2 ? lo : lo + (hi - lo) * 3 / 4;
	case PAT_SATURATED:
		return (i / 3 + row) % 2 ? hi : lo;
	default:
		return (i + row) % 2 ? hi : lo;
	}
}

/* A guard-page buffer of @count elements of @size bytes after @off
 * leading elements (so the data starts at a shifted alignment) and whose
 * last element touches the guard page.
 */
typedef struct Buf {
	void *base;
	size_t bytes;
	void *data;
} Buf;

static Buf
buf_new(size_t count, size_t size, int off, int fill)
{
	Buf b;

	b.bytes = (count + (size_t) off) * size;
	if (b.bytes == 0)
		b.bytes = size;
	b.base = smp_test_guard_alloc(b.bytes);
	assert_non_null(b.base);
	memset(b.base, fill, b.bytes);
	b.data = (uint8_t *) b.base + (size_t) off * size;
	return b;
}

static void
buf_free(Buf *b)
{
	smp_test_guard_free(b->base, b->bytes);
}

/* The leading elements must keep their sentinel: no write before [0, n). */
static void
assert_untouched_before(const Buf *b, int fill)
{
	for (const uint8_t *p = b->base; p < (const uint8_t *) b->data; p++)
		assert_int_equal(*p, fill);
}

static void
fill_u16(uint16_t *p, int count, int pat, int row, int lo, int hi)
{
	for (int i = 0; i < count; i++)
		p[i] = (uint16_t) pattern_value(pat, i, row, count, lo, hi);
}

static void
fill_s16(int16_t *p, int count, int pat, int row, int lo, int hi)
{
	for (int i = 0; i < count; i++)
		p[i] = (int16_t) pattern_value(pat, i, row, count, lo, hi);
	if (pat == PAT_DOT) /* a peak, not a pit, for the maxima kernel */
		for (int i = 0; i < count; i++)
			p[i] = (int16_t) (lo + hi - p[i]);
}

typedef void (*CaseFn)(
	const SmpKernels *ref, const SmpKernels *isa, int n, int pat, int off);

static void
case_luma(const SmpKernels *ref, const SmpKernels *isa, int n, int pat, int off)
{
	Buf rgb = buf_new((size_t) 3 * n, 1, off, 0);
	Buf grey = buf_new((size_t) n, 1, off, 0);
	Buf o_ref = buf_new((size_t) n, 2, off, SENTINEL_REF);
	Buf o_isa = buf_new((size_t) n, 2, off, SENTINEL_ISA);
	uint8_t *p = rgb.data;

	for (int i = 0; i < 3 * n; i++)
		p[i] = (uint8_t) pattern_value(pat, i, i % 3, 3 * n, 0, 255);
	for (int i = 0; i < n; i++)
		((uint8_t *) grey.data)[i] = p[3 * i + 1];

	ref->luma_rgb(rgb.data, o_ref.data, n);
	isa->luma_rgb(rgb.data, o_isa.data, n);
	assert_memory_equal(o_ref.data, o_isa.data, (size_t) n * 2);
	assert_untouched_before(&o_isa, SENTINEL_ISA);

	ref->luma_gray(grey.data, o_ref.data, n);
	isa->luma_gray(grey.data, o_isa.data, n);
	assert_memory_equal(o_ref.data, o_isa.data, (size_t) n * 2);
	assert_untouched_before(&o_isa, SENTINEL_ISA);

	buf_free(&rgb);
	buf_free(&grey);
	buf_free(&o_ref);
	buf_free(&o_isa);
}

static void
case_vblur5(
	const SmpKernels *ref, const SmpKernels *isa, int n, int pat, int off)
{
	/* Five rows in one buffer with an odd stride; the last ends at the
	 * guard page.
	 */
	int stride = n + 2 * off + 1;
	Buf in = buf_new((size_t) 4 * stride + n, 2, off, 0);
	Buf o_ref = buf_new((size_t) n, 2, off, SENTINEL_REF);
	Buf o_isa = buf_new((size_t) n, 2, off, SENTINEL_ISA);
	uint16_t *r = in.data;

	for (int k = 0; k < 5; k++)
		fill_u16(r + k * stride, n, pat, k, 0, 4080);

	ref->vblur5(r, r + stride, r + 2 * stride, r + 3 * stride, r + 4 * stride,
		o_ref.data, n);
	isa->vblur5(r, r + stride, r + 2 * stride, r + 3 * stride, r + 4 * stride,
		o_isa.data, n);
	assert_memory_equal(o_ref.data, o_isa.data, (size_t) n * 2);
	assert_untouched_before(&o_isa, SENTINEL_ISA);
	for (int i = 0; i < n; i++)
		assert_true(((uint16_t *) o_ref.data)[i] <= 4080);

	buf_free(&in);
	buf_free(&o_ref);
	buf_free(&o_isa);
}

static void
case_hblur5_dog(
	const SmpKernels *ref, const SmpKernels *isa, int n, int pat, int off)
{
	Buf src = buf_new((size_t) n + 4, 2, off, 0);
	Buf prev = buf_new((size_t) n, 2, off + 1, 0);
	Buf d_ref = buf_new((size_t) n, 2, off, SENTINEL_REF);
	Buf d_isa = buf_new((size_t) n, 2, off, SENTINEL_ISA);
	Buf g_ref = buf_new((size_t) n, 2, off + 2, SENTINEL_REF);
	Buf g_isa = buf_new((size_t) n, 2, off + 2, SENTINEL_ISA);

	fill_u16(src.data, n + 4, pat, 2, 0, 4080);
	fill_u16(prev.data, n, pat == PAT_FLAT ? PAT_FLAT : PAT_RANDOM, 1, 0, 4080);

	ref->hblur5_dog(src.data, prev.data, d_ref.data, g_ref.data, n);
	isa->hblur5_dog(src.data, prev.data, d_isa.data, g_isa.data, n);
	assert_memory_equal(d_ref.data, d_isa.data, (size_t) n * 2);
	assert_memory_equal(g_ref.data, g_isa.data, (size_t) n * 2);
	assert_untouched_before(&d_isa, SENTINEL_ISA);
	assert_untouched_before(&g_isa, SENTINEL_ISA);

	buf_free(&src);
	buf_free(&prev);
	buf_free(&d_ref);
	buf_free(&d_isa);
	buf_free(&g_ref);
	buf_free(&g_isa);
}

/* The thresholds, gates and scale weights extrema() is tried with. */
static const int16_t ex_thrs[] = {-4081, -1, 0, 3, 100};
static const uint16_t ex_gates[] = {0, 3277, 65535};
static const int32_t ex_weights[][3] = {
	{48, 112, 176},
	{100, 164, 228},
	{1, 1, 1},
	{81, 145, 209},
};
#define EX_N_THRS (sizeof(ex_thrs) / sizeof(ex_thrs[0]))

/* Nine DoG rows of @stride at @r and the level row @lev for extrema().
 * The searched level gets the pattern; its neighbours in scale are
 * random or (ties) alike, so both outcomes of the scale test occur.
 */
static void
extrema_fill(int16_t *r, int stride, uint16_t *lev, int n, int pat)
{
	int lo = pat == PAT_TIES ? -2 : -4080;
	int hi = pat == PAT_TIES ? 2 : 4080;

	for (int k = 0; k < 9; k++) {
		int p = k / 3 == 1 ? pat : pat == PAT_TIES ? PAT_TIES : PAT_RANDOM;

		fill_s16(r + k * stride, n + 2, p, k % 3 + 1, lo, hi);
	}
	fill_u16(lev, n + 2, PAT_RANDOM, 0, 0, 4080);
}

/* extrema(): nine DoG rows (three levels, three rows) in one buffer with
 * an odd stride, the level row, each threshold and gate, with and without
 * the finer and the coarser level; the list must match element for
 * element and nothing past it may be written.
 */
static void
case_extrema(
	const SmpKernels *ref, const SmpKernels *isa, int n, int pat, int off)
{
	int stride = n + 2 + off;
	Buf in = buf_new((size_t) 8 * stride + n + 2, 2, off, 0);
	Buf lev = buf_new((size_t) n + 2, 2, off + 1, 0);
	Buf o_ref = buf_new((size_t) n, 4, off, SENTINEL_REF);
	Buf o_isa = buf_new((size_t) n, 4, off, SENTINEL_ISA);
	int16_t *r = in.data;
	const int16_t *d[9];

	extrema_fill(r, stride, lev.data, n, pat);
	for (size_t t = 0; t < EX_N_THRS; t++)
		for (int ends = 0; ends < 4; ends++) {
			const int32_t *w = ex_weights[(t + (size_t) ends) % 4];
			uint16_t gate = ex_gates[(t + (size_t) ends) % 3];
			int c_ref, c_isa;

			for (int k = 0; k < 9; k++)
				d[k] = r + k * stride;
			if (ends & 1)
				d[0] = d[1] = d[2] = NULL;
			if (ends & 2)
				d[6] = d[7] = d[8] = NULL;
			c_ref =
				ref->extrema(d, w, lev.data, ex_thrs[t], gate, o_ref.data, n);
			c_isa =
				isa->extrema(d, w, lev.data, ex_thrs[t], gate, o_isa.data, n);
			assert_int_equal(c_ref, c_isa);
			assert_in_range(c_ref, 0, n);
			assert_memory_equal(o_ref.data, o_isa.data, (size_t) c_ref * 4);
			assert_untouched_before(&o_isa, SENTINEL_ISA);
			/* nothing written past the list */
			for (int i = c_isa * 4; i < n * 4; i++)
				assert_int_equal(((uint8_t *) o_isa.data)[i], SENTINEL_ISA);
			memset(o_isa.data, SENTINEL_ISA, (size_t) n * 4);
			for (int i = 1; i < c_ref; i++)
				assert_true(((int32_t *) o_ref.data)[i - 1] <
					((int32_t *) o_ref.data)[i]);
		}
	buf_free(&in);
	buf_free(&lev);
	buf_free(&o_ref);
	buf_free(&o_isa);
}

/* One level's rows for max9_row() and extrema_spatial(): rows y - 1, y
 * and y + 1 (each read at [0, n + 2)) in buffers of their own, and
 * outputs of exactly n elements, all touching a guard page.
 */
typedef struct MaxRows {
	Buf row[3], h[3], m;
} MaxRows;

static void
maxrows_new(MaxRows *mr, const int16_t *src, int stride, int n, int off)
{
	for (int r = 0; r < 3; r++) {
		mr->row[r] = buf_new((size_t) n + 2, 2, off, 0);
		memcpy(mr->row[r].data, src + r * stride, (size_t) (n + 2) * 2);
		mr->h[r] = buf_new((size_t) n, 2, off, SENTINEL_ISA);
	}
	mr->m = buf_new((size_t) n, 2, off, SENTINEL_ISA);
}

static void
maxrows_free(MaxRows *mr)
{
	for (int r = 0; r < 3; r++) {
		buf_free(&mr->row[r]);
		buf_free(&mr->h[r]);
	}
	buf_free(&mr->m);
}

/* max9_row() of rows 0 and 1 without maxima, then of row 2 with them
 * (extrema_spatial() instead when @thr is set), each against the
 * reference: the horizontal maxima, and the 3x3 maxima of
 * smp_k_max9_px(). Returns the number of blocks listed.
 */
static int
maxrows_run(const SmpKernels *isa, MaxRows *mr, int n, const int16_t *thr,
	uint16_t *mask)
{
	const int16_t *r[3];
	int16_t *h[3], *m = mr->m.data;
	int nb = 0;

	for (int k = 0; k < 3; k++) {
		r[k] = mr->row[k].data;
		h[k] = mr->h[k].data;
	}
	isa->max9_row(r[0], NULL, NULL, h[0], NULL, n);
	isa->max9_row(r[1], NULL, NULL, h[1], NULL, n);
	if (thr)
		nb = isa->extrema_spatial(r, h[0], h[1], h[2], m, *thr, mask, n);
	else
		isa->max9_row(r[2], h[0], h[1], h[2], m, n);
	for (int k = 0; k < 3; k++) {
		assert_untouched_before(&mr->h[k], SENTINEL_ISA);
		for (int i = 0; i < n; i++)
			assert_int_equal(
				h[k][i], MAX(MAX(r[k][i], r[k][i + 1]), r[k][i + 2]));
	}
	assert_untouched_before(&mr->m, SENTINEL_ISA);
	for (int i = 0; i < n; i++)
		assert_int_equal(m[i], smp_k_max9_px(r, i));
	return nb;
}

/* extrema_spatial() and extrema_scale() (the paths that have them)
 * against the scalar extrema() on case_extrema()'s rows: the maxima of
 * every level, every block's mask (its columns above the threshold that
 * are their 3x3 maximum) and the final list.
 */
static void
case_extrema_m(
	const SmpKernels *ref, const SmpKernels *isa, int n, int pat, int off)
{
	int stride = n + 2 + off;
	Buf in = buf_new((size_t) 8 * stride + n + 2, 2, off, 0);
	Buf lev = buf_new((size_t) n + 2, 2, off + 1, 0);
	Buf o_ref = buf_new((size_t) n, 4, off, SENTINEL_REF);
	Buf o_isa = buf_new((size_t) n, 4, off, SENTINEL_ISA);
	Buf mask = buf_new((size_t) n / 16, 2, off, SENTINEL_ISA);
	int16_t *r = in.data;
	MaxRows mr[3];

	assert_non_null(isa->extrema_spatial);
	assert_non_null(isa->extrema_scale);
	extrema_fill(r, stride, lev.data, n, pat);
	for (int j = 0; j < 3; j++)
		maxrows_new(&mr[j], r + 3 * j * stride, stride, n, off);
	maxrows_run(isa, &mr[0], n, NULL, NULL);
	maxrows_run(isa, &mr[2], n, NULL, NULL);
	for (size_t t = 0; t < EX_N_THRS; t++) {
		const int16_t *c = mr[1].row[1].data, *mx = mr[1].m.data;
		int nb = maxrows_run(isa, &mr[1], n, &ex_thrs[t], mask.data);

		assert_int_equal(nb, n / 16);
		for (int i = 0; i + 16 <= n; i += 16) {
			unsigned bits = 0;

			for (int j = 0; j < 16; j++)
				bits |= (unsigned) (c[i + j + 1] > ex_thrs[t] &&
							c[i + j + 1] == mx[i + j])
					<< j;
			assert_int_equal(((uint16_t *) mask.data)[i / 16], bits);
		}
		for (int ends = 0; ends < 4; ends++) {
			const int32_t *w = ex_weights[(t + (size_t) ends) % 4];
			uint16_t gate = ex_gates[(t + (size_t) ends) % 3];
			const int16_t *d[9], *m[3];
			int c_ref, c_isa;

			for (int k = 0; k < 9; k++)
				d[k] = r + k * stride;
			for (int j = 0; j < 3; j++)
				m[j] = mr[j].m.data;
			if (ends & 1)
				d[0] = d[1] = d[2] = m[0] = NULL;
			if (ends & 2)
				d[6] = d[7] = d[8] = m[2] = NULL;
			c_ref =
				ref->extrema(d, w, lev.data, ex_thrs[t], gate, o_ref.data, n);
			c_isa = isa->extrema_scale(d, m, mr[1].h[0].data, w, lev.data,
				ex_thrs[t], gate, mask.data, nb, o_isa.data, n);
			/* xs[c, n) may be overwritten; past n is the guard page */
			assert_int_equal(c_ref, c_isa);
			assert_memory_equal(o_ref.data, o_isa.data, (size_t) c_ref * 4);
			assert_untouched_before(&o_isa, SENTINEL_ISA);
			memset(o_isa.data, SENTINEL_ISA, (size_t) n * 4);
		}
	}
	for (int j = 0; j < 3; j++)
		maxrows_free(&mr[j]);
	buf_free(&in);
	buf_free(&lev);
	buf_free(&o_ref);
	buf_free(&o_isa);
	buf_free(&mask);
}

static void
case_down2(
	const SmpKernels *ref, const SmpKernels *isa, int n, int pat, int off)
{
	Buf src = buf_new((size_t) 2 * n - 1, 2, off, 0);
	Buf o_ref = buf_new((size_t) n, 2, off, SENTINEL_REF);
	Buf o_isa = buf_new((size_t) n, 2, off, SENTINEL_ISA);

	fill_u16(src.data, 2 * n - 1, pat, 0, 0, 4080);
	ref->down2(src.data, o_ref.data, n);
	isa->down2(src.data, o_isa.data, n);
	assert_memory_equal(o_ref.data, o_isa.data, (size_t) n * 2);
	assert_untouched_before(&o_isa, SENTINEL_ISA);

	buf_free(&src);
	buf_free(&o_ref);
	buf_free(&o_isa);
}

/* A plane of @count uint16 in rows of @stride, filled with @pat, whose
 * last element touches the guard page.
 */
static Buf
patch_new(int stride, size_t count, int pat, int off)
{
	Buf plane = buf_new(count, 2, off, 0);

	for (size_t y = 0; y * stride < count; y++)
		fill_u16((uint16_t *) plane.data + y * stride,
			(int) MIN((size_t) stride, count - y * stride), pat, (int) y, 0,
			4080);
	return plane;
}

/* excess_peak(): a patch of side 2 R + 1 (odd stride) around its centre,
 * offsets along the 16 rays as the detector makes them (even patterns)
 * or anywhere in the patch (odd ones, with repeats), and many search
 * ranges, empty ones included. The element after the farthest one read
 * is the last before the guard page.
 */
#define EX_R 9

static void
case_excess_peak(
	const SmpKernels *ref, const SmpKernels *isa, int n, int pat, int off)
{
	static const int m0s[] = {0, 1, 2, 3, 5, 8, 9, 12};
	static const int m1s[] = {0, 1, 5, 9, 16};
	int stride = 2 * EX_R + 1 + (n % 23) + off;
	int32_t offs[SMP_K_RING * SMP_K_RING];
	int32_t hi = 0;
	size_t centre = (size_t) EX_R * stride + EX_R;
	Buf plane;

	for (int m = 0; m < SMP_K_RING; m++)
		for (int i = 0; i < SMP_K_RING; i++) {
			int dx, dy, r = MIN(m, EX_R - 1);

			if (pat % 2 == 0) {
				double a = i * G_PI / 8;

				dx = (int) floor(0.5 + r * cos(a));
				dy = (int) floor(0.5 + r * sin(a));
			}
			else {
				dx = (int) (smp_test_rand(&rng) % (2 * EX_R - 1)) - (EX_R - 1);
				dy = (int) (smp_test_rand(&rng) % (2 * EX_R - 1)) - (EX_R - 1);
			}
			offs[SMP_K_RING * m + i] = dy * stride + dx;
			hi = MAX(hi, offs[SMP_K_RING * m + i]);
		}
	plane = patch_new(stride, centre + (size_t) hi + 2, pat, off);
	for (size_t a = 0; a < G_N_ELEMENTS(m0s); a++)
		for (size_t b = 0; b < G_N_ELEMENTS(m1s); b++) {
			const uint16_t *c = (const uint16_t *) plane.data + centre;
			int ri = -1, rm = -1, ii = -1, im = -1;
			int r_best = ref->excess_peak(c, offs, m0s[a], m1s[b], &ri, &rm);
			int i_best = isa->excess_peak(c, offs, m0s[a], m1s[b], &ii, &im);

			assert_int_equal(r_best, i_best);
			assert_int_equal(ri, ii);
			assert_int_equal(rm, im);
			assert_in_range(r_best, 0, 4080);
			if (r_best > 0)
				assert_in_range(rm, m0s[a], m1s[b] - 1);
		}
	buf_free(&plane);
}

/* ray_half(): as excess_peak()'s case, eight rays of seven steps (the
 * detector's directions or anywhere in the patch), with centre values
 * and half levels from flat to saturated; the six doubles must match bit
 * for bit.
 */
static void
case_ray_half(
	const SmpKernels *ref, const SmpKernels *isa, int n, int pat, int off)
{
	static const int dirs[SMP_K_RAYS][2] = {
		{1, 0}, {1, 1}, {0, 1}, {-1, 1}, {-1, 0}, {-1, -1}, {0, -1}, {1, -1}};
	static const int levels[][2] = {{0, 0}, {0, 2040}, {1000, 3000},
		{4080, 4080}, {500, 4079}, {2000, 2001}, {3, 1500}};
	int reach = SMP_K_RAY_STEPS;
	int stride = 2 * reach + 2 + (n % 23) + off;
	int32_t offs[SMP_K_RAYS * SMP_K_RAY_STEPS];
	int32_t hi = 0;
	size_t centre = (size_t) reach * stride + reach;
	Buf plane;

	for (int m = 1; m <= SMP_K_RAY_STEPS; m++)
		for (int i = 0; i < SMP_K_RAYS; i++) {
			int dx = m * dirs[i][0], dy = m * dirs[i][1];

			if (pat % 2) {
				dx = (int) (smp_test_rand(&rng) % (2 * reach + 1)) - reach;
				dy = (int) (smp_test_rand(&rng) % (2 * reach + 1)) - reach;
			}
			offs[SMP_K_RAYS * (m - 1) + i] = dy * stride + dx;
			hi = MAX(hi, offs[SMP_K_RAYS * (m - 1) + i]);
		}
	plane = patch_new(stride, centre + (size_t) hi + 2, pat, off);
	for (size_t l = 0; l < G_N_ELEMENTS(levels); l++) {
		const uint16_t *c = (const uint16_t *) plane.data + centre;
		double o_ref[6], o_isa[6];

		ref->ray_half(c, offs, levels[l][0], levels[l][1], o_ref);
		isa->ray_half(c, offs, levels[l][0], levels[l][1], o_isa);
		assert_memory_equal(o_ref, o_isa, sizeof(o_ref));
		assert_true(o_ref[0] <= o_ref[1] && o_ref[2] <= o_ref[3]);
		assert_true(o_ref[3] <= SMP_K_RAY_STEPS * SMP_K_SQRT2);
	}
	buf_free(&plane);
}

/* excess_rows(): a patch reaching 8 rows and columns around its centre
 * (the pixel at (8, 8) last before the guard page), with the detector's
 * ranks (smp_k_excess_ranks() of the ring's steps from several m0) and
 * random ones (repeats, unselected lanes, every other pattern). Every
 * path must give the reference's peak and rank; with the detector's
 * ranks, the reference must give excess_peak()'s peak, ray and step.
 */
static void
case_excess_rows(
	const SmpKernels *ref, const SmpKernels *isa, int n, int pat, int off)
{
	static const int m0s[] = {0, 1, 2, 3, 5, 8, 9};
	int reach = 8, stride = 2 * reach + 1 + (n % 23) + off;
	size_t centre = (size_t) reach * stride + reach;
	Buf plane = patch_new(
		stride, centre + (size_t) reach * stride + reach + 1, pat, off);
	const uint16_t *c = (const uint16_t *) plane.data + centre;
	int pts[9 * SMP_K_RING][2];
	int32_t offs[SMP_K_RING * SMP_K_RING] = {0};
	uint16_t rank[2 * SMP_K_EXCESS_LANES];

	for (int m = 0; m < 9; m++)
		for (int i = 0; i < SMP_K_RING; i++) {
			pts[SMP_K_RING * m + i][0] =
				(int) floor(0.5 + m * smp_k_ring_cos[i]);
			pts[SMP_K_RING * m + i][1] =
				(int) floor(0.5 + m * smp_k_ring_sin[i]);
			offs[SMP_K_RING * m + i] = pts[SMP_K_RING * m + i][1] * stride +
				pts[SMP_K_RING * m + i][0];
		}
	for (size_t a = 0; a < G_N_ELEMENTS(m0s) + 3; a++) {
		int r_at = -1, i_at = -1, r_best, i_best;

		if (a < G_N_ELEMENTS(m0s))
			assert_true(smp_k_excess_ranks(pts, m0s[a], 9, rank));
		else
			for (int k = 0; k < 2 * SMP_K_EXCESS_LANES; k++)
				rank[k] = smp_test_rand(&rng) % 3
					? (uint16_t) (smp_test_rand(&rng) % (a == 9 ? 4 : 256))
					: 0xFFFF;
		r_best = smp_k_excess_rows_scalar(c, stride, rank, &r_at);
		i_best = isa->excess_rows(c, stride, rank, &i_at);
		assert_int_equal(r_best, i_best);
		assert_int_equal(r_at, i_at);
		assert_in_range(r_best, 0, 4080);
		if (a < G_N_ELEMENTS(m0s)) {
			int bi = -1, bm = -1;

			assert_int_equal(
				r_best, ref->excess_peak(c, offs, m0s[a], 9, &bi, &bm));
			if (r_best > 0)
				assert_int_equal(r_at, SMP_K_RING * bi + bm);
		}
	}
	buf_free(&plane);
}

/* ray_half_rows(): a patch reaching 7 rows and columns -7 .. 8 around
 * its centre (the pixel at (8, 7) last before the guard page), the
 * levels of ray_half()'s case: every path must give the reference's six
 * doubles, and the reference ray_half()'s with the rays' offsets made
 * here.
 */
static void
case_ray_half_rows(
	const SmpKernels *ref, const SmpKernels *isa, int n, int pat, int off)
{
	static const int dirs[SMP_K_RAYS][2] = {
		{1, 0}, {1, 1}, {0, 1}, {-1, 1}, {-1, 0}, {-1, -1}, {0, -1}, {1, -1}};
	static const int levels[][2] = {{0, 0}, {0, 2040}, {1000, 3000},
		{4080, 4080}, {500, 4079}, {2000, 2001}, {3, 1500}};
	int reach = SMP_K_RAY_STEPS, stride = 2 * reach + 2 + (n % 23) + off;
	size_t centre = (size_t) reach * stride + reach;
	Buf plane = patch_new(
		stride, centre + (size_t) reach * stride + reach + 2, pat, off);
	const uint16_t *c = (const uint16_t *) plane.data + centre;
	int32_t offs[SMP_K_RAYS * SMP_K_RAY_STEPS];

	for (int m = 1; m <= SMP_K_RAY_STEPS; m++)
		for (int i = 0; i < SMP_K_RAYS; i++)
			offs[SMP_K_RAYS * (m - 1) + i] =
				m * (dirs[i][1] * stride + dirs[i][0]);
	for (size_t l = 0; l < G_N_ELEMENTS(levels) + 2; l++) {
		double o_ref[6], o_isa[6], o_off[6];
		int cval = l < G_N_ELEMENTS(levels) ? levels[l][0] : c[0];
		int half = l < G_N_ELEMENTS(levels)
			? levels[l][1]
			: cval + (int) (smp_test_rand(&rng) % 2000);

		smp_k_ray_half_rows_scalar(c, stride, cval, half, o_ref);
		isa->ray_half_rows(c, stride, cval, half, o_isa);
		ref->ray_half(c, offs, cval, half, o_off);
		assert_memory_equal(o_ref, o_isa, sizeof(o_ref));
		assert_memory_equal(o_ref, o_off, sizeof(o_ref));
	}
	buf_free(&plane);
}

static int
cmp_int(const void *a, const void *b)
{
	return *(const int *) a - *(const int *) b;
}

/* ring_sorted(): a patch reaching SMP_K_RING_REACH around its centre
 * (the farthest pixel last before the guard page), centres at small,
 * odd and large coordinates (their doubles round differently), radii
 * from 0 to the reach, fixed and random. The reference must be the
 * sorted samples as kernels.h defines them, every path the reference.
 */
static void
case_ring_sorted(
	const SmpKernels *ref, const SmpKernels *isa, int n, int pat, int off)
{
	static const double rhos[] = {
		0.0, 0.5, 1.0, 2.2, 2.5, 3.5, 5.412, 6.999999999999999, 7.0};
	int reach = SMP_K_RING_REACH;
	int stride = 2 * reach + 1 + (n % 23) + off;
	int xs[] = {reach, reach + 1, 9 + n, 4000 + off, (1 << 20) + n};
	size_t centre = (size_t) reach * stride + reach;
	Buf plane = patch_new(
		stride, centre + (size_t) reach * stride + reach + 1, pat, off);
	const uint16_t *c = (const uint16_t *) plane.data + centre;

	for (size_t a = 0; a < G_N_ELEMENTS(xs); a++)
		for (size_t r = 0; r < G_N_ELEMENTS(rhos) + 4; r++) {
			int x = xs[a], y = xs[(a + (size_t) n) % G_N_ELEMENTS(xs)];
			double rho = r < G_N_ELEMENTS(rhos)
				? rhos[r]
				: reach * (double) (smp_test_rand(&rng) % 1000000) / 1e6;
			int want[SMP_K_RING], o_ref[SMP_K_RING], o_isa[SMP_K_RING];

			for (int i = 0; i < SMP_K_RING; i++) {
				int xx = (int) (x + 0.5 + rho * smp_k_ring_cos[i]);
				int yy = (int) (y + 0.5 + rho * smp_k_ring_sin[i]);

				want[i] = c[(ptrdiff_t) (yy - y) * stride + (xx - x)];
			}
			qsort(want, SMP_K_RING, sizeof(int), cmp_int);
			ref->ring_sorted(c, stride, x, y, rho, o_ref);
			isa->ring_sorted(c, stride, x, y, rho, o_isa);
			assert_memory_equal(want, o_ref, sizeof(want));
			assert_memory_equal(o_ref, o_isa, sizeof(o_ref));
		}
	buf_free(&plane);
}

/* ring_contrast(): rows of W = n + 14 columns, candidates every third
 * column within SMP_K_RING_REACH of neither end, most with a raised
 * centre in D (so that the Hessian test passes as often as it fails),
 * the scale fit with and without the neighbour levels, random L0 at the
 * centres against patterned L1 (the contrast and noise tests both
 * ways). The D and
 * L0 rows end at the last element read (x + 1 of the last column), L1's
 * plane at its farthest pixel, each against a guard page. Every path
 * must give the scalar reference's list, bit for bit.
 */
static guint64 rc_total, rc_passed;

static void
case_ring_contrast(
	const SmpKernels *ref, const SmpKernels *isa, int n, int pat, int off)
{
	int reach = SMP_K_RING_REACH, w = n + 2 * reach, dn = w - 6, m = 0;
	int stride = w + (n % 5);
	Buf plane = patch_new(stride, (size_t) 2 * reach * stride + w, pat, off);
	Buf d[5], l0 = buf_new((size_t) dn, 2, off, 0);
	Buf xs = buf_new((size_t) w, 4, off, 0);
	Buf o_ref = buf_new((size_t) w + 1, sizeof(SmpKRingCand), 0, 0);
	Buf o_isa = buf_new((size_t) w + 1, sizeof(SmpKRingCand), 0, 0);
	SmpKRingIn in;
	int32_t *x = xs.data;
	int k_ref, k_isa;

	for (int j = 0; j < 5; j++) {
		d[j] = buf_new((size_t) dn, 2, off, 0);
		fill_s16(
			d[j].data, dn, pat, j, j < 3 ? -300 : -3000, j < 3 ? 300 : 3000);
	}
	for (int c = reach; c < w - reach; c++)
		if ((c + n) % 3 == 0) {
			x[m++] = c - 1;
			if (smp_test_rand(&rng) % 4)
				((int16_t *) d[1].data)[c] =
					(int16_t) (1000 + smp_test_rand(&rng) % 3000);
		}
	for (int i = 0; i < dn; i++)
		((uint16_t *) l0.data)[i] = (uint16_t) (smp_test_rand(&rng) % 4081);
	for (int j = 0; j < 3; j++)
		in.d[j] = d[j].data;
	in.dm = n % 4 ? d[3].data : NULL;
	in.dp = n % 4 ? d[4].data : NULL;
	in.t[0] = 2.0 + 0.01 * off;
	in.t[1] = 3.1748021039363987 + 0.1 * (n % 7);
	in.t[2] = 5.039684199579493 + 0.3 * (n % 3);
	in.l0 = l0.data;
	in.l1 = (const uint16_t *) plane.data + (size_t) reach * stride;
	in.stride1 = stride;
	in.y = reach + (n % 2) * 1000;
	in.min_contrast = 0.02 + 0.04 * (n % 4);
	in.min_snr = 0.5 * (n % 5);
	in.noise_floor = 8.0;
	k_ref = smp_k_ring_contrast_scalar(&in, x, m, o_ref.data);
	k_isa = isa->ring_contrast(&in, x, m, o_isa.data);
	assert_int_equal(k_ref, k_isa);
	assert_memory_equal(
		o_ref.data, o_isa.data, (size_t) k_ref * sizeof(SmpKRingCand));
	rc_total += (guint64) m;
	rc_passed += (guint64) k_ref;
	for (int j = 0; j < 5; j++)
		buf_free(&d[j]);
	buf_free(&l0);
	buf_free(&xs);
	buf_free(&o_ref);
	buf_free(&o_isa);
	buf_free(&plane);
	(void) ref;
}

static void
run_cases(SmpIsa which, CaseFn fn)
{
	const SmpKernels *ref = smp_kernels_for(SMP_ISA_SCALAR);
	const SmpKernels *isa = smp_kernels_for(which);

	if (!isa) {
		print_message("%s: not supported by this CPU\n", smp_isa_name(which));
		skip();
	}
	rng = smp_test_seed(20240603);
	for (int pat = 0; pat < PAT_COUNT; pat++)
		for (int off = 0; off <= MAX_OFFSET; off += 1 + (off == 1)) {
			for (int n = 1; n <= 67; n++)
				fn(ref, isa, n, pat, off);
			fn(ref, isa, LARGE_WIDTH, pat, off);
		}
	(void) pat_names;
}

#define ISA_TESTS(isa, ISA)                                                    \
	static void test_kernels_luma_##isa(void **state)                          \
	{                                                                          \
		(void) state;                                                          \
		run_cases(ISA, case_luma);                                             \
	}                                                                          \
	static void test_kernels_vblur5_##isa(void **state)                        \
	{                                                                          \
		(void) state;                                                          \
		run_cases(ISA, case_vblur5);                                           \
	}                                                                          \
	static void test_kernels_hblur5_dog_##isa(void **state)                    \
	{                                                                          \
		(void) state;                                                          \
		run_cases(ISA, case_hblur5_dog);                                       \
	}                                                                          \
	static void test_kernels_extrema_##isa(void **state)                       \
	{                                                                          \
		(void) state;                                                          \
		run_cases(ISA, case_extrema);                                          \
	}                                                                          \
	static void test_kernels_down2_##isa(void **state)                         \
	{                                                                          \
		(void) state;                                                          \
		run_cases(ISA, case_down2);                                            \
	}                                                                          \
	static void test_kernels_excess_peak_##isa(void **state)                   \
	{                                                                          \
		(void) state;                                                          \
		run_cases(ISA, case_excess_peak);                                      \
	}                                                                          \
	static void test_kernels_ray_half_##isa(void **state)                      \
	{                                                                          \
		(void) state;                                                          \
		run_cases(ISA, case_ray_half);                                         \
	}                                                                          \
	static void test_kernels_ring_sorted_##isa(void **state)                   \
	{                                                                          \
		(void) state;                                                          \
		run_cases(ISA, case_ring_sorted);                                      \
	}

ISA_TESTS(sse2, SMP_ISA_SSE2)
ISA_TESTS(avx2, SMP_ISA_AVX2)
ISA_TESTS(avx512, SMP_ISA_AVX512)

/* The two-pass search through the levels' 3x3 maxima: AVX2 only. */
static void
test_kernels_extrema_m_avx2(void **state)
{
	(void) state;
	run_cases(SMP_ISA_AVX2, case_extrema_m);
}

/* extrema_spatial() at the largest threshold: no column is above it,
 * not even one at INT16_MAX that is its own 3x3 maximum (the AVX2 kernel
 * tests v == max(mx, thr + 1), and thr + 1 does not fit there).
 */
static void
test_kernels_extrema_spatial_max_thr_avx2(void **state)
{
	const SmpKernels *isa = smp_kernels_for(SMP_ISA_AVX2);
	enum { N = 100 };
	int16_t rows[3][N + 2], h[3][N], m[N];
	uint16_t mask[N / 16];
	const int16_t *r[3] = {rows[0], rows[1], rows[2]};

	(void) state;
	if (!isa) {
		print_message("avx2: not supported by this CPU\n");
		skip();
	}
	for (int k = 0; k < 3; k++)
		for (int i = 0; i < N + 2; i++)
			rows[k][i] = INT16_MAX;
	isa->max9_row(r[0], NULL, NULL, h[0], NULL, N);
	isa->max9_row(r[1], NULL, NULL, h[1], NULL, N);
	memset(mask, 0xA5, sizeof(mask));
	assert_int_equal(
		isa->extrema_spatial(r, h[0], h[1], h[2], m, INT16_MAX, mask, N),
		N / 16);
	for (int b = 0; b < N / 16; b++)
		assert_int_equal(mask[b], 0);
	/* one below: every column passes (ties allowed) */
	assert_int_equal(
		isa->extrema_spatial(r, h[0], h[1], h[2], m, INT16_MAX - 1, mask, N),
		N / 16);
	for (int b = 0; b < N / 16; b++)
		assert_int_equal(mask[b], 0xFFFF);
}

/* ring_contrast(): AVX2's kernel (AVX-512's table shares it) against the
 * scalar reference, on cases where both outcomes are common.
 */
static void
test_kernels_ring_contrast_avx2(void **state)
{
	(void) state;
	rc_total = rc_passed = 0;
	run_cases(SMP_ISA_AVX2, case_ring_contrast);
	print_message("ring_contrast: %" G_GUINT64_FORMAT " of %" G_GUINT64_FORMAT
				  " candidates passed\n",
		rc_passed, rc_total);
	assert_true(rc_passed > rc_total / 10 && rc_passed < rc_total * 9 / 10);
}

/* excess_rows() and ray_half_rows(): AVX2's kernels (AVX-512's table
 * shares them) against the scalar references.
 */
static void
run_rows_cases(SmpIsa which, CaseFn fn)
{
	const SmpKernels *isa = smp_kernels_for(which);

	if (!isa || !isa->excess_rows || !isa->ray_half_rows) {
		print_message("%s: no row kernels\n", smp_isa_name(which));
		skip();
	}
	run_cases(which, fn);
}

static void
test_kernels_excess_rows_avx2(void **state)
{
	(void) state;
	run_rows_cases(SMP_ISA_AVX2, case_excess_rows);
}

static void
test_kernels_ray_half_rows_avx2(void **state)
{
	(void) state;
	run_rows_cases(SMP_ISA_AVX2, case_ray_half_rows);
}

static void
test_kernels_excess_rows_avx512(void **state)
{
	(void) state;
	run_rows_cases(SMP_ISA_AVX512, case_excess_rows);
}

static void
test_kernels_ray_half_rows_avx512(void **state)
{
	(void) state;
	run_rows_cases(SMP_ISA_AVX512, case_ray_half_rows);
}

/* The scalar reference against hand-computed values, so that a bug shared
 * by every path cannot hide behind their agreement.
 */
static void
test_kernels_scalar_reference_values(void **state)
{
	const SmpKernels *k = smp_kernels_for(SMP_ISA_SCALAR);
	const uint8_t rgb[6] = {255, 255, 255, 10, 20, 30};
	uint16_t y[2], src[9] = {0, 0, 16, 0, 0, 0, 0, 4080, 4080};
	uint16_t prev[5] = {1, 2, 3, 4, 5}, dst[5];
	int16_t dog[5];
	int16_t a[4] = {0, 0, 0, 0}, c[4] = {0, 5, 5, 0}, b[4] = {0};
	int16_t fine[4] = {0, 9, 0, 0}, coarse[4] = {0, 0, 2, 0};
	uint16_t lev[4] = {1000, 1000, 1000, 1000};
	const int16_t *d[9] = {NULL, NULL, NULL, a, c, b, NULL, NULL, NULL};
	const int32_t w[3] = {48, 112, 176};
	int32_t xs[2];

	(void) state;
	k->luma_rgb(rgb, y, 2);
	assert_int_equal(y[0], 4080);
	assert_int_equal(y[1], (77 * 10 + 150 * 20 + 29 * 30 + 8) >> 4);

	k->hblur5_dog(src, prev, dst, dog, 5);
	assert_int_equal(dst[0], (6 * 16 + 8) >> 4); /* 6 */
	assert_int_equal(dst[1], (4 * 16 + 8) >> 4); /* 4 */
	assert_int_equal(dst[2], (1 * 16 + 8) >> 4); /* 1 */
	assert_int_equal(dst[4], (4080 * 5 + 8) >> 4); /* 1275 */
	assert_int_equal(dog[0], 5);
	assert_int_equal(dog[2], -2);

	/* A two-pixel plateau: only the first in raster order is a maximum. */
	assert_int_equal(k->extrema(d, w, lev, 0, 0, xs, 2), 1);
	assert_int_equal(xs[0], 0);
	assert_int_equal(k->extrema(d, w, lev, 5, 0, xs, 2), 0);
	/* Contrast gate: 5 * 112 = 560 >= (1000 * 36700) >> 16 = 560 passes,
	 * one more step of gate fails.
	 */
	assert_int_equal(k->extrema(d, w, lev, 0, 36700, xs, 2), 1);
	assert_int_equal(k->extrema(d, w, lev, 0, 36800, xs, 2), 0);
	/* Scale: the finer level's 9 * 48 = 432 < 560 keeps it; a tie with
	 * the coarser level (2 * 176 = 352 < 560) too; 4 * 176 > 560 loses.
	 */
	d[0] = d[2] = a;
	d[1] = fine;
	d[6] = d[8] = b;
	d[7] = coarse;
	assert_int_equal(k->extrema(d, w, lev, 0, 0, xs, 2), 1);
	coarse[1] = 4;
	assert_int_equal(k->extrema(d, w, lev, 0, 0, xs, 2), 0);
	coarse[1] = 0;
	fine[1] = 12; /* 12 * 48 = 576 >= 560: the finer scale wins ties */
	assert_int_equal(k->extrema(d, w, lev, 0, 0, xs, 2), 0);
}

/* excess_peak() against hand-computed values: a flat patch with dark
 * pixels on rays 2 and 5 (step 3) and a darker one on ray 9 (step 2).
 */
static void
test_kernels_scalar_excess_peak_values(void **state)
{
	const SmpKernels *k = smp_kernels_for(SMP_ISA_SCALAR);
	uint16_t px[64];
	int32_t offs[SMP_K_RING * SMP_K_RING];
	int bi = -1, bm = -1;

	(void) state;
	for (int i = 0; i < 64; i++)
		px[i] = 1000;
	/* pixel 1 + i + 16 m: a distinct pixel per ray and step (m < 3) */
	for (int m = 0; m < SMP_K_RING; m++)
		for (int i = 0; i < SMP_K_RING; i++)
			offs[SMP_K_RING * m + i] = 1 + i + (m % 3) * 16;
	px[1 + 2 + 0 * 16] = 600; /* ray 2 at steps 0, 3, 6, ... */
	px[1 + 5 + 0 * 16] = 600;
	px[1 + 9 + 2 * 16] = 400; /* ray 9 at steps 2, 5, ... */
	/* e(2, 3) = 1000 - 600 = 400 ties e(5, 3); e(9, 2) = 600 is larger */
	assert_int_equal(k->excess_peak(px, offs, 0, 16, &bi, &bm), 600);
	assert_int_equal(bi, 9);
	assert_int_equal(bm, 2);
	/* steps 3 .. 4 only: the tie goes to the first ray */
	assert_int_equal(k->excess_peak(px, offs, 3, 5, &bi, &bm), 400);
	assert_int_equal(bi, 2);
	assert_int_equal(bm, 3);
	/* nothing darker on steps 1 and 4 (ray 9's opposite, ray 1, is not
	 * darker either): no peak, the outputs left alone
	 */
	bi = bm = -1;
	assert_int_equal(k->excess_peak(px, offs, 1, 2, &bi, &bm), 0);
	assert_int_equal(bi, -1);
	assert_int_equal(k->excess_peak(px, offs, 4, 4, &bi, &bm), 0);
	assert_int_equal(bm, -1);
}

/* |a - b| <= eps (this cmocka has no double assertion) */
#define assert_near(a, b, eps) assert_true(fabs((a) - (b)) <= (eps))

/* ray_half() against hand-computed values: rays of one row each. Ray i
 * rises by (i + 1) * 40 a step from 1000; half = 1100, so ray 0 crosses
 * at step 3 (1120 > 1100, from 1080: radius 2.5, slope 40), ray 1 at
 * step 2 (1160, from 1080: 1 + 20 / 80 = 1.25, times sqrt 2), rays 2 ..
 * 7 at step 1 (100 / (40 (i + 1)), diagonals times sqrt 2).
 */
static void
test_kernels_scalar_ray_half_values(void **state)
{
	const SmpKernels *k = smp_kernels_for(SMP_ISA_SCALAR);
	uint16_t px[1 + SMP_K_RAYS * SMP_K_RAY_STEPS + 1];
	int32_t offs[SMP_K_RAYS * SMP_K_RAY_STEPS];
	double o[6], r[SMP_K_RAYS];

	(void) state;
	px[0] = 1000;
	for (int i = 0; i < SMP_K_RAYS; i++)
		for (int m = 1; m <= SMP_K_RAY_STEPS; m++) {
			offs[SMP_K_RAYS * (m - 1) + i] = 1 + i * SMP_K_RAY_STEPS + m - 1;
			px[offs[SMP_K_RAYS * (m - 1) + i]] =
				(uint16_t) (1000 + m * (i + 1) * 40);
		}
	px[G_N_ELEMENTS(px) - 1] = 0;
	k->ray_half(px, offs, 1000, 1100, o);
	r[0] = 2.5;
	r[1] = 1.25 * SMP_K_SQRT2;
	for (int i = 2; i < SMP_K_RAYS; i++)
		r[i] = 100.0 / (40.0 * (i + 1)) * ((i & 1) ? SMP_K_SQRT2 : 1.0);
	/* diameters r0 + r4, r1 + r5, r2 + r6, r3 + r7 */
	assert_near(o[0],
		MIN(MIN(r[0] + r[4], r[1] + r[5]), MIN(r[2] + r[6], r[3] + r[7])),
		1e-12);
	assert_near(o[1],
		MAX(MAX(r[0] + r[4], r[1] + r[5]), MAX(r[2] + r[6], r[3] + r[7])),
		1e-12);
	/* ascending: r6 r7 r4 r5 r2 r3 r1 r0, so places 3 and 4 are r5
	 * (slope 240 / sqrt 2) and r2 (slope 120)
	 */
	assert_near(o[4], 240.0 / SMP_K_SQRT2, 1e-12);
	assert_near(o[5], 120.0, 1e-12);
	{
		double v[SMP_K_RAYS];

		memcpy(v, r, sizeof(v));
		for (int a = 0; a < SMP_K_RAYS; a++)
			for (int b = a + 1; b < SMP_K_RAYS; b++)
				if (v[b] < v[a]) {
					double t = v[a];

					v[a] = v[b];
					v[b] = t;
				}
		assert_near(o[2], v[3], 1e-12);
		assert_near(o[3], v[4], 1e-12);
	}
	/* nothing above the half level: every ray runs to the end */
	k->ray_half(px, offs, 1000, 4080, o);
	assert_near(o[2], SMP_K_RAY_STEPS, 0);
	assert_near(o[3], SMP_K_RAY_STEPS * SMP_K_SQRT2, 0);
	assert_near(o[4], 0.0, 0);
	assert_near(o[5], 0.0, 0);
}

/* The ring's sine table is its cosine table turned by a quarter, bit for
 * bit: the detector read cos[(i + 12) % 16] before the table existed.
 */
static void
test_kernels_ring_tables(void **state)
{
	(void) state;
	for (int i = 0; i < SMP_K_RING; i++) {
		assert_memory_equal(&smp_k_ring_sin[i],
			&smp_k_ring_cos[(i + 12) % SMP_K_RING], sizeof(double));
		assert_true(fabs(smp_k_ring_cos[i] - cos(i * G_PI / 8)) < 1e-15);
	}
}

static void
test_kernels_dispatch_picks_supported_path(void **state)
{
	const SmpKernels *k = smp_kernels();
	const char *env = getenv("SMP_SIMD");
	SmpIsa cap;

	(void) state;
	assert_non_null(k);
	assert_ptr_equal(k, smp_kernels_for(k->isa));
	assert_string_equal(smp_kernels_isa(), smp_isa_name(k->isa));
	if (env && smp_isa_parse(env, &cap))
		assert_true(k->isa <= cap);
	else { /* the best the CPU has, AVX-512 only on request */
		assert_true(k->isa <= SMP_ISA_AVX2);
		for (int i = k->isa + 1; i <= SMP_ISA_AVX2; i++)
			assert_null(smp_kernels_for((SmpIsa) i));
	}
	assert_non_null(smp_kernels_for(SMP_ISA_SCALAR));
	print_message("kernel path: %s\n", smp_kernels_isa());
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_kernels_scalar_reference_values),
	cmocka_unit_test(test_kernels_dispatch_picks_supported_path),
	cmocka_unit_test(test_kernels_ring_tables),
	cmocka_unit_test(test_kernels_scalar_excess_peak_values),
	cmocka_unit_test(test_kernels_scalar_ray_half_values),
	cmocka_unit_test(test_kernels_luma_sse2),
	cmocka_unit_test(test_kernels_vblur5_sse2),
	cmocka_unit_test(test_kernels_hblur5_dog_sse2),
	cmocka_unit_test(test_kernels_extrema_sse2),
	cmocka_unit_test(test_kernels_down2_sse2),
	cmocka_unit_test(test_kernels_excess_peak_sse2),
	cmocka_unit_test(test_kernels_ray_half_sse2),
	cmocka_unit_test(test_kernels_ring_sorted_sse2),
	cmocka_unit_test(test_kernels_luma_avx2),
	cmocka_unit_test(test_kernels_vblur5_avx2),
	cmocka_unit_test(test_kernels_hblur5_dog_avx2),
	cmocka_unit_test(test_kernels_extrema_avx2),
	cmocka_unit_test(test_kernels_extrema_m_avx2),
	cmocka_unit_test(test_kernels_extrema_spatial_max_thr_avx2),
	cmocka_unit_test(test_kernels_down2_avx2),
	cmocka_unit_test(test_kernels_excess_peak_avx2),
	cmocka_unit_test(test_kernels_ray_half_avx2),
	cmocka_unit_test(test_kernels_ring_sorted_avx2),
	cmocka_unit_test(test_kernels_ring_contrast_avx2),
	cmocka_unit_test(test_kernels_excess_rows_avx2),
	cmocka_unit_test(test_kernels_ray_half_rows_avx2),
	cmocka_unit_test(test_kernels_luma_avx512),
	cmocka_unit_test(test_kernels_vblur5_avx512),
	cmocka_unit_test(test_kernels_hblur5_dog_avx512),
	cmocka_unit_test(test_kernels_extrema_avx512),
	cmocka_unit_test(test_kernels_down2_avx512),
	cmocka_unit_test(test_kernels_excess_peak_avx512),
	cmocka_unit_test(test_kernels_ray_half_avx512),
	cmocka_unit_test(test_kernels_ring_sorted_avx512),
	cmocka_unit_test(test_kernels_excess_rows_avx512),
	cmocka_unit_test(test_kernels_ray_half_rows_avx512),
};

SMP_TEST_MAIN("kernels", tests)
