/* The report's slider images: before and after thumbnails cut from the
 * composite's panels, or made from the original photos, with libvips.
 * SPDX-License-Identifier: MIT
 */
#include <math.h>
#include <string.h>

#include <vips/vips.h>

#include "html_private.h"
#include "smpdoc/composite.h"
#include "smpdoc/error.h"
#include "smpdoc/html.h"
#include "smpdoc/photo.h"

/* Saved thumbnails: good enough to judge dots, small enough for a page of
 * hundreds of pairs; no metadata.
 */
#define THUMB_SAVE_OPTIONS "[Q=85,strip]"

static JsonObject *
member_object(JsonObject *o, const char *name)
{
	JsonNode *n = o ? json_object_get_member(o, name) : NULL;

	return n && JSON_NODE_HOLDS_OBJECT(n) ? json_node_get_object(n) : NULL;
}

static gboolean
rect_inside(const VipsRect *r, int width, int height)
{
	return r->width > 0 && r->height > 0 && r->left >= 0 && r->top >= 0 &&
		r->left + r->width <= width && r->top + r->height <= height;
}

/* "composite_panels": [{"x", "y", "w", "h"}, ...] in the sidecar, when the
 * composite module records where it put the panels.
 */
static gboolean
panels_listed(JsonObject *o, int width, int height, VipsRect rect[2])
{
	JsonNode *n = json_object_get_member(o, "composite_panels");
	JsonArray *a;

	if (!n || !JSON_NODE_HOLDS_ARRAY(n))
		return FALSE;
	a = json_node_get_array(n);
	if (json_array_get_length(a) < 2)
		return FALSE;
	for (int i = 0; i < 2; i++) {
		JsonObject *p = json_array_get_object_element(a, i);

		if (!p)
			return FALSE;
		rect[i].left = (int) smp_html_num(p, "x");
		rect[i].top = (int) smp_html_num(p, "y");
		rect[i].width = (int) smp_html_num(p, "w");
		rect[i].height = (int) smp_html_num(p, "h");
		if (!rect_inside(&rect[i], width, height))
			return FALSE;
	}
	return TRUE;
}

/* Otherwise find the layout that gives a composite of exactly this size
 * from the two photos' sizes, and take its first two panels.
 */
static gboolean
panels_guessed(JsonObject *o, int width, int height, VipsRect rect[2])
{
	static const SmpLayout layouts[] = {
		SMP_LAYOUT_SIDE_BY_SIDE, SMP_LAYOUT_STACKED, SMP_LAYOUT_THREE_PANEL};
	int w0 = (int) smp_html_num(o, "before.width");
	int h0 = (int) smp_html_num(o, "before.height");
	int w1 = (int) smp_html_num(o, "after.width");
	int h1 = (int) smp_html_num(o, "after.height");
	JsonObject *reg = member_object(o, "registration");
	gboolean aligned =
		reg && json_object_get_boolean_member_with_default(reg, "ok", FALSE);
	int edges[2] = {MAX(width, height), SMP_COMPOSITE_LONG_EDGE_DEFAULT};

	if (w0 <= 0 || h0 <= 0 || w1 <= 0 || h1 <= 0)
		return FALSE;
	for (size_t l = 0; l < G_N_ELEMENTS(layouts); l++)
		for (int e = 0; e < 2; e++)
			for (int bar = 0; bar < 2; bar++) {
				SmpCompositeParams cp;
				SmpCompositeLayout L;

				smp_composite_params_default(&cp);
				cp.layout = layouts[l];
				cp.long_edge_px = edges[e];
				cp.aligned = aligned;
				cp.scale_bar = bar;
				smp_composite_layout(w0, h0, w1, h1, &cp, &L);
				if (L.width != width || L.height != height || L.n < 2)
					continue;
				for (int i = 0; i < 2; i++)
					rect[i] = (VipsRect){L.x[i], L.y[i], L.w[i], L.h[i]};
				if (rect_inside(&rect[0], width, height) &&
					rect_inside(&rect[1], width, height))
					return TRUE;
			}
	return FALSE;
}

static gboolean
save_thumb(VipsImage *im, const char *dir, const char *rel)
{
	g_autofree char *path = g_build_filename(dir, "report", rel, NULL);
	g_autofree char *save = g_strconcat(path, THUMB_SAVE_OPTIONS, NULL);

	return smp_photo_save_atomic(im, save, NULL);
}

static char *
thumb_name(guint index, int side)
{
	return g_strdup_printf(
		"thumbs/p%04u-%s.jpg", index, side ? "after" : "before");
}

/* Cut both panels out of the composite and thumbnail them to the same
 * size: the slider lays one exactly over the other.
 */
static gboolean
from_composite(const char *dir, HtmlPair *p, guint index, int px)
{
	g_autofree char *path = g_build_filename(dir, p->composite, NULL);
	g_autoptr(VipsImage) comp = NULL;
	JsonObject *o = json_node_get_object(p->record);
	VipsRect rect[2];
	SmpLoadLimits limits;
	int tw = 0, th = 0;

	smp_load_limits_default(&limits);
	comp = smp_photo_open(path, &limits, NULL);
	if (!comp ||
		(!panels_listed(o, comp->Xsize, comp->Ysize, rect) &&
			!panels_guessed(o, comp->Xsize, comp->Ysize, rect)))
		return FALSE;
	for (int i = 0; i < 2; i++) {
		g_autoptr(VipsImage) cut = NULL;
		g_autoptr(VipsImage) t = NULL;
		g_autofree char *rel = thumb_name(index, i);
		gboolean ok = !vips_extract_area(comp, &cut, rect[i].left, rect[i].top,
						  rect[i].width, rect[i].height, NULL) &&
			(i == 0 ? !vips_thumbnail_image(cut, &t, px, "height", px, "size",
						  VIPS_SIZE_DOWN, NULL)
					: !vips_thumbnail_image(cut, &t, tw, "height", th, "size",
						  VIPS_SIZE_FORCE, NULL)) &&
			save_thumb(t, dir, rel);

		smp_vips_error_clear();
		if (!ok) {
			g_clear_pointer(&p->thumb[0], g_free);
			return FALSE;
		}
		if (i == 0) {
			tw = t->Xsize;
			th = t->Ysize;
		}
		p->thumb[i] = g_steal_pointer(&rel);
	}
	p->tw = tw;
	p->th = th;
	p->panels_from = "composite";
	return TRUE;
}

/* Where a photo named in a sidecar is: absolute, under --originals, or
 * relative to the working folder. Returns: (transfer full) or NULL.
 */
static char *
find_original(const char *file, const SmpHtmlOptions *o)
{
	char *path;

	if (!file || !*file)
		return NULL;
	path = g_path_is_absolute(file) || !o->originals
		? g_strdup(file)
		: g_build_filename(o->originals, file, NULL);
	if (g_file_test(path, G_FILE_TEST_IS_REGULAR) &&
		!g_file_test(path, G_FILE_TEST_IS_SYMLINK))
		return path;
	g_free(path);
	return NULL;
}

/* The "file" of the sidecar's @side measurement, or NULL. */
static const char *
photo_file(JsonObject *o, const char *side)
{
	JsonObject *m = member_object(o, side);

	return m ? json_object_get_string_member_with_default(m, "file", NULL)
			 : NULL;
}

/* The after thumbnail mapped onto the before thumbnail's geometry with
 * the sidecar's after→before matrix, scaled to thumbnail pixels.
 */
static VipsImage *
warp_after(
	VipsImage *after, JsonObject *o, double sb, double sa, int tw, int th)
{
	JsonObject *reg = member_object(o, "registration");
	JsonArray *m = reg && json_object_has_member(reg, "matrix")
		? json_object_get_array_member(reg, "matrix")
		: NULL;
	double a[6];
	VipsImage *out = NULL;
	VipsArrayInt *area;

	if (!m || json_array_get_length(m) < 2 ||
		!json_object_get_boolean_member_with_default(reg, "ok", FALSE))
		return NULL;
	for (int r = 0; r < 2; r++) {
		JsonArray *row = json_array_get_array_element(m, r);

		if (!row || json_array_get_length(row) < 3)
			return NULL;
		for (int c = 0; c < 3; c++)
			a[r * 3 + c] = json_array_get_double_element(row, c);
	}
	area = vips_array_int_newv(4, 0, 0, tw, th);
	if (vips_affine(after, &out, a[0] * sb / sa, a[1] * sb / sa, a[3] * sb / sa,
			a[4] * sb / sa, "oarea", area, "odx", a[2] * sb, "ody", a[5] * sb,
			NULL))
		out = NULL;
	vips_area_unref(VIPS_AREA(area));
	smp_vips_error_clear();
	return out;
}

static gboolean
from_originals(const char *dir, HtmlPair *p, guint index, int px,
	const SmpHtmlOptions *opt)
{
	JsonObject *o = json_node_get_object(p->record);
	g_autofree char *src0 = find_original(photo_file(o, "before"), opt);
	g_autofree char *src1 = find_original(photo_file(o, "after"), opt);
	g_autoptr(VipsImage) t0 = NULL;
	g_autoptr(VipsImage) t1 = NULL;
	g_autoptr(VipsImage) w1 = NULL;
	double bw = smp_html_num(o, "before.width");
	double aw = smp_html_num(o, "after.width");

	if (!src0 || !src1 ||
		vips_thumbnail(
			src0, &t0, px, "height", px, "size", VIPS_SIZE_DOWN, NULL) ||
		vips_thumbnail(
			src1, &t1, px, "height", px, "size", VIPS_SIZE_DOWN, NULL)) {
		smp_vips_error_clear();
		return FALSE;
	}
	if (isfinite(bw) && isfinite(aw) && bw > 0 && aw > 0)
		w1 = warp_after(
			t1, o, t0->Xsize / bw, t1->Xsize / aw, t0->Xsize, t0->Ysize);
	if (!w1 &&
		vips_thumbnail_image(t1, &w1, t0->Xsize, "height", t0->Ysize, "size",
			VIPS_SIZE_FORCE, NULL)) {
		smp_vips_error_clear();
		return FALSE;
	}
	p->thumb[0] = thumb_name(index, 0);
	p->thumb[1] = thumb_name(index, 1);
	if (!save_thumb(t0, dir, p->thumb[0]) ||
		!save_thumb(w1, dir, p->thumb[1])) {
		g_clear_pointer(&p->thumb[0], g_free);
		g_clear_pointer(&p->thumb[1], g_free);
		return FALSE;
	}
	p->tw = t0->Xsize;
	p->th = t0->Ysize;
	p->panels_from = "originals";
	return TRUE;
}

gboolean
smp_html_thumbs(
	const char *dir, HtmlPair *p, guint index, const SmpHtmlOptions *o)
{
	int px = o->thumb_px > 0 ? MIN(o->thumb_px, SMP_HTML_THUMB_PX_MAX)
							 : SMP_HTML_THUMB_PX_DEFAULT;

	if (p->composite && from_composite(dir, p, index, px))
		return TRUE;
	if (from_originals(dir, p, index, px, o))
		return TRUE;
	p->problem = g_strdup(p->composite
			? "cannot find the before and after panels in the composite, "
			  "nor the original photos (give --originals)"
			: "no composite beside the sidecar, and the original photos "
			  "were not found (give --originals)");
	return FALSE;
}
