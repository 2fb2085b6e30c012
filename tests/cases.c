/* Ground-truth fixtures shared by the tests and the benchmarks (cases.h).
 * SPDX-License-Identifier: MIT
 */
#include <stdlib.h>
#include <string.h>

#include "cases.h"
#include "smpdoc/detect.h"

uint64_t
smp_test_rand(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

typedef struct Candidate {
	double d2;
	guint t, d;
} Candidate;

static int
cmp_candidate(const void *a, const void *b)
{
	const Candidate *x = a, *y = b;

	if (x->d2 != y->d2)
		return x->d2 < y->d2 ? -1 : 1;
	if (x->t != y->t)
		return x->t < y->t ? -1 : 1;
	return (x->d > y->d) - (x->d < y->d);
}

/* Rows of BIN px: each true dot looks only at the bins its radius reaches,
 * so 45,000 dots match in milliseconds; the order of the candidates does
 * not matter, as they are sorted by a total order.
 */
#define BIN 16

static GArray *
candidates(const SmpSynthTruth *truth, const GArray *dots)
{
	GArray *out = g_array_new(FALSE, FALSE, sizeof(Candidate));
	int bins = 1;
	GArray **rows;

	for (guint j = 0; j < dots->len; j++)
		bins = MAX(bins, (int) (g_array_index(dots, SmpDot, j).y / BIN) + 1);
	rows = g_new0(GArray *, bins);
	for (guint j = 0; j < dots->len; j++) {
		int b =
			CLAMP((int) (g_array_index(dots, SmpDot, j).y / BIN), 0, bins - 1);

		if (!rows[b])
			rows[b] = g_array_new(FALSE, FALSE, sizeof(guint));
		g_array_append_val(rows[b], j);
	}
	for (guint i = 0; i < truth->dots->len; i++) {
		const SmpSynthDot *t = &g_array_index(truth->dots, SmpSynthDot, i);
		double R = MAX(3.0, 0.8 * t->r);
		int b0 = CLAMP((int) ((t->y - R) / BIN), 0, bins - 1);
		int b1 = CLAMP((int) ((t->y + R) / BIN), 0, bins - 1);

		for (int b = b0; b <= b1; b++)
			for (guint k = 0; rows[b] && k < rows[b]->len; k++) {
				guint j = g_array_index(rows[b], guint, k);
				const SmpDot *d = &g_array_index(dots, SmpDot, j);
				double dx = d->x - t->x, dy = d->y - t->y;
				Candidate c = {dx * dx + dy * dy, i, j};

				if (c.d2 <= R * R)
					g_array_append_val(out, c);
			}
	}
	for (int b = 0; b < bins; b++)
		if (rows[b])
			g_array_unref(rows[b]);
	g_free(rows);
	return out;
}

guint
smp_test_match_dots(
	const SmpSynthTruth *truth, const GArray *dots, guint8 *truth_found)
{
	g_autoptr(GArray) pairs = candidates(truth, dots);
	g_autofree guint8 *tu = g_malloc0(truth->dots->len + 1);
	g_autofree guint8 *du = g_malloc0(dots->len + 1);
	guint matched = 0;

	qsort(pairs->data, pairs->len, sizeof(Candidate), cmp_candidate);
	for (guint k = 0; k < pairs->len; k++) {
		const Candidate *c = &g_array_index(pairs, Candidate, k);

		if (!tu[c->t] && !du[c->d]) {
			tu[c->t] = du[c->d] = 1;
			matched++;
		}
	}
	if (truth_found)
		memcpy(truth_found, tu, truth->dots->len);
	return matched;
}

void
smp_test_pair_config(
	int k, int w, int h, SmpSynthParams *p, SmpSynthPairParams *q)
{
	uint64_t st = 0x5eed0000u + (uint64_t) k;
	double u[8];

	for (int i = 0; i < 8; i++)
		u[i] = (smp_test_rand(&st) >> 11) * 0x1.0p-53;
	smp_synth_params_default(p);
	smp_synth_pair_params_default(q);
	p->width = w;
	p->height = h;
	p->seed = 1000 + k;
	q->rotation_deg = -15 + 30 * u[0];
	q->scale = 0.85 + 0.3 * u[1];
	q->tx = (-0.1 + 0.2 * u[2]) * w;
	q->ty = (-0.1 + 0.2 * u[3]) * w;
	q->new_smp_per_cm2 = 280 + 700 * u[4];
	q->gradient = 0.2 * u[5];
	q->gradient_angle_deg = 360 * u[6];
	q->exposure = -0.5 + u[7];
}
