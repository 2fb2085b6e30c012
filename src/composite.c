/* Side-by-side composites with label bars, drawn through libvips.
 * SPDX-License-Identifier: MIT
 */
#include <math.h>
#include <string.h>

#include <vips/vips.h>

#include "smpdoc/composite.h"
#include "smpdoc/error.h"

/* Found through fontconfig (Debian's fonts-dejavu-core). libvips 8.14.1's
 * text operation keeps a freed pointer to a "fontfile" argument in its
 * font table, so a second call with one reads freed memory: never pass it.
 */
#define DEFAULT_FONT_FAMILY "DejaVu Sans"

static const double bar_rgb[3] = {28, 28, 30};
static const double title_rgb[3] = {255, 255, 255};
static const double caption_rgb[3] = {200, 200, 205};
static const double banner_rgb[3] = {178, 24, 24};

void
smp_composite_params_default(SmpCompositeParams *p)
{
	p->long_edge_px = SMP_COMPOSITE_LONG_EDGE_DEFAULT;
	p->aligned = FALSE;
	p->font_family = DEFAULT_FONT_FAMILY;
}

void
smp_composite_layout(int w0, int h0, int w1, int h1,
	const SmpCompositeParams *p, SmpCompositeLayout *out)
{
	int h = MIN(h0, h1);
	double a0 = (double) w0 / h0, a1 = (double) w1 / h1;
	int long_edge = p->long_edge_px > 0 ? p->long_edge_px
										: SMP_COMPOSITE_LONG_EDGE_DEFAULT;

	/* Equal height, and the total width within the long edge. */
	out->gap = MAX(8, long_edge / 200);
	if (h * (a0 + a1) + out->gap > long_edge)
		h = (int) floor((long_edge - out->gap) / (a0 + a1));
	h = MAX(h, 16);
	out->panel_height = h;
	out->panel_width[0] = MAX(1, (int) lround(h * a0));
	out->panel_width[1] = MAX(1, (int) lround(h * a1));
	out->bar_height = MAX(3 * SMP_LABEL_MIN_PX, h / 12);
	out->banner_height = p->aligned ? 0 : out->bar_height;
	out->width = out->panel_width[0] + out->gap + out->panel_width[1];
	out->height = out->banner_height + h + out->bar_height;
}

/* A w×h sRGB uchar image filled with @rgb. */
static int
solid(VipsObject *scope, int w, int h, const double rgb[3], VipsImage **out)
{
	VipsImage **t = (VipsImage **) vips_object_local_array(scope, 3);
	double zero[3] = {0, 0, 0};

	if (vips_black(&t[0], w, h, "bands", 3, NULL) ||
		vips_linear(t[0], &t[1], zero, (double *) rgb, 3, "uchar", TRUE,
			NULL) ||
		vips_copy(t[1], &t[2], "interpretation", VIPS_INTERPRETATION_sRGB,
			NULL))
		return -1;
	*out = t[2];
	return 0;
}

/* Paint @text (Pango markup) @px pixels high onto @bg at (@x, centred
 * vertically), in @rgb; text wider than the space left is clipped. The
 * text's width goes to @width when it is not NULL.
 */
static int
paint_text(VipsObject *scope, VipsImage *bg, const char *text, int px, int x,
	const double rgb[3], const char *family, VipsImage **out, int *width)
{
	VipsImage **t = (VipsImage **) vips_object_local_array(scope, 3);
	/* Pango sizes fonts in points: px = pt × dpi / 72, with pt fixed and
	 * cap-to-line-height about 0.75.
	 */
	const int pt = 12;
	int dpi = MAX(36, (int) lround(px * 72.0 / pt * 0.9));
	g_autofree char *font = g_strdup_printf("%s %d", family, pt);
	VipsImage *ink;
	int y;

	if (vips_text(&t[0], text, "font", font, "dpi", dpi, NULL))
		return -1;
	if (width)
		*width = t[0]->Xsize;
	y = MAX(0, (bg->Ysize - t[0]->Ysize) / 2);
	if (vips_embed(t[0], &t[1], x, y, bg->Xsize, bg->Ysize, NULL) ||
		solid(scope, bg->Xsize, bg->Ysize, rgb, &ink) ||
		vips_ifthenelse(t[1], ink, bg, &t[2], "blend", TRUE, NULL))
		return -1;
	*out = t[2];
	return 0;
}

/* The label bar under one panel: bold title, then the caption. */
static int
label_bar(VipsObject *scope, const SmpPanel *panel, int w, int h,
	const char *family, VipsImage **out)
{
	VipsImage *bar, *titled;
	int px = MAX(SMP_LABEL_MIN_PX, h * 45 / 100);
	int pad = px / 2;
	g_autofree char *title = g_markup_printf_escaped("<b>%s</b>",
		panel->title ? panel->title : "");
	g_autofree char *caption = g_markup_escape_text(
		panel->caption ? panel->caption : "", -1);
	int title_w = 0;

	if (solid(scope, w, h, bar_rgb, &bar) ||
		paint_text(scope, bar, title, px, pad, title_rgb, family, &titled,
			&title_w))
		return -1;
	/* libvips refuses to render empty text. */
	if (!*caption) {
		*out = titled;
		return 0;
	}
	if (paint_text(scope, titled, caption, px * 85 / 100, pad + title_w + px,
			caption_rgb, family, out, NULL))
		return -1;
	return 0;
}

static int
scale_panel(VipsObject *scope, VipsImage *in, int w, int h, VipsImage **out)
{
	VipsImage **t = (VipsImage **) vips_object_local_array(scope, 1);

	if (vips_resize(in, &t[0], (double) w / in->Xsize, "vscale",
			(double) h / in->Ysize, NULL))
		return -1;
	*out = t[0];
	return 0;
}

/* Helpers return images owned by @scope's reference pools, so their
 * results are kept in plain pointers; only direct libvips outputs go
 * into a t[] array (an image in two pools would be unreffed twice).
 */
static int
join_panels(VipsObject *scope, const SmpPanel *before, const SmpPanel *after,
	const SmpCompositeLayout *L, const char *font, VipsImage **out)
{
	VipsImage **t = (VipsImage **) vips_object_local_array(scope, 3);
	VipsArrayDouble *white = vips_array_double_newv(3, 255.0, 255.0, 255.0);
	VipsImage *panel[2], *bar[2];
	int rc;

	rc = scale_panel(scope, before->image, L->panel_width[0],
			 L->panel_height, &panel[0]) ||
		scale_panel(scope, after->image, L->panel_width[1], L->panel_height,
			&panel[1]) ||
		label_bar(scope, before, L->panel_width[0], L->bar_height, font,
			&bar[0]) ||
		label_bar(scope, after, L->panel_width[1], L->bar_height, font,
			&bar[1]) ||
		vips_join(panel[0], bar[0], &t[0], VIPS_DIRECTION_VERTICAL, NULL) ||
		vips_join(panel[1], bar[1], &t[1], VIPS_DIRECTION_VERTICAL, NULL) ||
		vips_join(t[0], t[1], &t[2], VIPS_DIRECTION_HORIZONTAL, "shim",
			L->gap, "background", white, NULL);
	vips_area_unref(VIPS_AREA(white));
	*out = t[2];
	return rc ? -1 : 0;
}

static int
build(VipsObject *scope, const SmpPanel *before, const SmpPanel *after,
	const SmpCompositeParams *p, VipsImage **out)
{
	VipsImage **t = (VipsImage **) vips_object_local_array(scope, 1);
	VipsImage *row, *banner, *labelled;
	SmpCompositeLayout L;

	smp_composite_layout(before->image->Xsize, before->image->Ysize,
		after->image->Xsize, after->image->Ysize, p, &L);
	if (join_panels(scope, before, after, &L, p->font_family, &row))
		return -1;
	if (p->aligned) {
		*out = row;
		return 0;
	}
	if (solid(scope, L.width, L.banner_height, banner_rgb, &banner) ||
		paint_text(scope, banner,
			"<b>NOT ALIGNED</b>  the photos are shown as taken; "
			"registration did not confirm a match",
			MAX(SMP_LABEL_MIN_PX, L.banner_height * 45 / 100),
			L.banner_height / 4, title_rgb, p->font_family, &labelled, NULL) ||
		vips_join(labelled, row, &t[0], VIPS_DIRECTION_VERTICAL, NULL))
		return -1;
	*out = t[0];
	return 0;
}

VipsImage *
smp_composite_side_by_side(const SmpPanel *before, const SmpPanel *after,
	const SmpCompositeParams *p, GError **error)
{
	VipsObject *scope = VIPS_OBJECT(vips_image_new());
	VipsImage *out = NULL;

	if (build(scope, before, after, p, &out)) {
		smp_error_from_vips(error, SMP_ERROR_INTERNAL, NULL, "composite");
		g_object_unref(scope);
		return NULL;
	}
	/* The result outlives the scope that holds its intermediates. */
	g_object_ref(out);
	g_object_unref(scope);
	return out;
}
