/* Skin or backdrop; see smpdoc/skin.h.
 * SPDX-License-Identifier: MIT
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "smpdoc/error.h"
#include "smpdoc/photo.h" /* g_autoptr(VipsImage) */
#include "smpdoc/skin.h"

/* A coarse pixel is a skin candidate when its hue lies in the broad band
 * of skin of any tone (red to yellow, CIE LCh) with some colour to it;
 * the photo's own skin colour is the median of those.
 */
#define BAND_HUE_LO -15.0
#define BAND_HUE_HI 100.0
#define BAND_SAT_MIN 0.08 /* chroma / lightness */
#define BAND_L_MIN 6.0
#define CANDIDATES_MIN 0.30 /* of the frame, else undecided */
/* Skin: within this of the photo's skin hue and saturation. */
#define SKIN_HUE_TOL 25.0
#define SKIN_SAT_LO 0.40
#define SKIN_SAT_HI 2.50
/* Backdrop regions cover at least this of the frame; skin must keep at
 * least SKIN_KEPT_MIN or nothing is excluded.
 */
#define REGION_MIN 0.02
#define SKIN_KEPT_MIN 0.10

typedef struct Coarse {
	int w, h;
	float *lch; /* 3 floats per pixel */
} Coarse;

static gboolean
coarse_lch(VipsImage *image, const char *path, Coarse *c, GError **error)
{
	double scale =
		(double) SMP_SKIN_COARSE_PX / MAX(image->Xsize, image->Ysize);
	g_autoptr(VipsImage) rgb = NULL;
	g_autoptr(VipsImage) small = NULL;
	g_autoptr(VipsImage) lch = NULL;
	size_t size;

	if (vips_extract_band(image, &rgb, 0, "n", 3, NULL) ||
		vips_resize(rgb, &small, MIN(scale, 1.0), NULL) ||
		vips_colourspace(small, &lch, VIPS_INTERPRETATION_LCH, NULL)) {
		smp_error_from_vips(error, SMP_ERROR_INTERNAL, path, "backdrop");
		return FALSE;
	}
	c->w = lch->Xsize;
	c->h = lch->Ysize;
	c->lch = vips_image_write_to_memory(lch, &size);
	if (!c->lch) {
		smp_error_from_vips(error, SMP_ERROR_INTERNAL, path, "backdrop");
		return FALSE;
	}
	return TRUE;
}

/* Hue in degrees, reds folded to negative so the skin band is contiguous. */
static double
hue_of(const float *p)
{
	return p[2] > 180 ? p[2] - 360.0 : p[2];
}

static double
sat_of(const float *p)
{
	return p[1] / MAX(p[0], 1.0f);
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *) a, y = *(const double *) b;

	return (x > y) - (x < y);
}

/* The photo's skin hue and saturation; FALSE when too few pixels look
 * like skin of any tone to say.
 */
static gboolean
skin_colour(const Coarse *c, double *hue, double *sat)
{
	gsize n = (gsize) c->w * c->h, k = 0;
	g_autofree double *hs = g_new(double, n);
	g_autofree double *ss = g_new(double, n);

	for (gsize i = 0; i < n; i++) {
		const float *p = c->lch + 3 * i;
		double h = hue_of(p), s = sat_of(p);

		if (p[0] >= BAND_L_MIN && s >= BAND_SAT_MIN && h >= BAND_HUE_LO &&
			h <= BAND_HUE_HI) {
			hs[k] = h;
			ss[k++] = s;
		}
	}
	if (k < CANDIDATES_MIN * n)
		return FALSE;
	qsort(hs, k, sizeof(double), cmp_double);
	qsort(ss, k, sizeof(double), cmp_double);
	*hue = hs[k / 2];
	*sat = ss[k / 2];
	return TRUE;
}

/* Label 4-connected regions of equal @in values; returns the count, each
 * region's pixel count in @area and whether it touches the frame's edge in
 * @edge (both g_free()).
 */
static int
regions(const guint8 *in, int w, int h, int *label, int **area, gboolean **edge)
{
	gsize n = (gsize) w * h;
	g_autofree int *stack = g_new(int, n);
	GArray *ar = g_array_new(FALSE, FALSE, sizeof(int));
	GArray *ed = g_array_new(FALSE, FALSE, sizeof(gboolean));
	int count = 0;

	for (gsize i = 0; i < n; i++)
		label[i] = -1;
	for (gsize seed = 0; seed < n; seed++) {
		int top = 0, a = 0;
		gboolean e = FALSE;

		if (label[seed] >= 0)
			continue;
		label[seed] = count;
		stack[top++] = (int) seed;
		while (top > 0) {
			int i = stack[--top], x = i % w, y = i / w;
			int nb[4] = {x > 0 ? i - 1 : -1, x < w - 1 ? i + 1 : -1,
				y > 0 ? i - w : -1, y < h - 1 ? i + w : -1};

			a++;
			e |= x == 0 || y == 0 || x == w - 1 || y == h - 1;
			for (int k = 0; k < 4; k++)
				if (nb[k] >= 0 && label[nb[k]] < 0 && in[nb[k]] == in[i]) {
					label[nb[k]] = count;
					stack[top++] = nb[k];
				}
		}
		g_array_append_val(ar, a);
		g_array_append_val(ed, e);
		count++;
	}
	*area = (int *) g_array_free(ar, FALSE);
	*edge = (gboolean *) g_array_free(ed, FALSE);
	return count;
}

/* Mark (1) in @back the non-skin regions reaching the edge with at least
 * REGION_MIN of the frame, then the small islands left inside them.
 */
static void
find_backdrop(const guint8 *skin, int w, int h, guint8 *back)
{
	gsize n = (gsize) w * h;
	g_autofree int *label = g_new(int, n);
	g_autofree int *area = NULL;
	g_autofree gboolean *edge = NULL;
	g_autofree int *area2 = NULL;
	g_autofree gboolean *edge2 = NULL;

	regions(skin, w, h, label, &area, &edge);
	for (gsize i = 0; i < n; i++)
		back[i] =
			!skin[i] && edge[label[i]] && area[label[i]] >= REGION_MIN * n;
	regions(back, w, h, label, &area2, &edge2);
	for (gsize i = 0; i < n; i++)
		if (!back[i] && area2[label[i]] < REGION_MIN * n)
			back[i] = 1;
}

/* Grow @back by one pixel (8 neighbours) so its edge is not measured. */
static void
grow(guint8 *back, int w, int h)
{
	g_autofree guint8 *was = g_memdup2(back, (gsize) w * h);

	for (int y = 0; y < h; y++)
		for (int x = 0; x < w; x++)
			for (int dy = -1; dy <= 1 && !back[y * w + x]; dy++)
				for (int dx = -1; dx <= 1; dx++) {
					int u = x + dx, v = y + dy;

					if (u >= 0 && v >= 0 && u < w && v < h && was[v * w + u]) {
						back[y * w + x] = 1;
						break;
					}
				}
}

/* Clear the full-size @mask under the coarse @back; returns the fraction
 * of the frame cleared.
 */
static double
apply(const guint8 *back, int cw, int ch, guint8 *mask, int w, int h)
{
	gsize cleared = 0;

	for (int y = 0; y < h; y++) {
		const guint8 *row = back + (gsize) MIN(y * ch / h, ch - 1) * cw;
		guint8 *m = mask + (gsize) y * w;

		for (int x = 0; x < w; x++)
			if (row[MIN(x * cw / w, cw - 1)]) {
				m[x] = 0;
				cleared++;
			}
	}
	return (double) cleared / ((double) w * h);
}

gboolean
smp_skin_exclude_backdrop(VipsImage *image, guint8 **mask, const char *path,
	SmpSkinResult *result, GError **error)
{
	Coarse c = {0};
	double hue, sat;
	gsize n, backdrop = 0;
	g_autofree guint8 *skin = NULL;
	g_autofree guint8 *back = NULL;
	int w = image->Xsize, h = image->Ysize;

	*result = (SmpSkinResult){0, FALSE};
	if (!coarse_lch(image, path, &c, error))
		return FALSE;
	n = (gsize) c.w * c.h;
	if (!skin_colour(&c, &hue, &sat)) {
		g_free(c.lch);
		return TRUE;
	}
	skin = g_new(guint8, n);
	for (gsize i = 0; i < n; i++) {
		const float *p = c.lch + 3 * i;
		double s = sat_of(p);

		skin[i] = p[0] >= BAND_L_MIN / 2 &&
			fabs(hue_of(p) - hue) <= SKIN_HUE_TOL && s >= SKIN_SAT_LO * sat &&
			s <= SKIN_SAT_HI * sat;
	}
	g_free(c.lch);
	back = g_new(guint8, n);
	find_backdrop(skin, c.w, c.h, back);
	for (gsize i = 0; i < n; i++)
		backdrop += back[i];
	result->decided = n - backdrop >= SKIN_KEPT_MIN * n;
	if (!backdrop || !result->decided)
		return TRUE;
	grow(back, c.w, c.h);
	if (!*mask) {
		*mask = g_malloc((gsize) w * h);
		memset(*mask, 255, (gsize) w * h);
	}
	result->backdrop_fraction = apply(back, c.w, c.h, *mask, w, h);
	return TRUE;
}
