/* Composites: panels in a layout, dot rings, a viridis heat map, label
 * bars with a scale bar, a watermark; all drawn through libvips.
 * SPDX-License-Identifier: MIT
 */
#include <math.h>
#include <string.h>

#include <vips/vips.h>

#include "smpdoc/composite.h"
#include "smpdoc/error.h"
#include "smpdoc/photo.h"

/* Found through fontconfig (Debian's fonts-dejavu-core). libvips 8.14.1's
 * text operation keeps a freed pointer to a "fontfile" argument in its
 * font table, so a second call with one reads freed memory: never pass it.
 */
#define DEFAULT_FONT_FAMILY "DejaVu Sans"

static const double bar_rgb[3] = {28, 28, 30};
static const double title_rgb[3] = {255, 255, 255};
static const double caption_rgb[3] = {200, 200, 205};
static const double banner_rgb[3] = {178, 24, 24};
static const double ring_rgb[3] = {255, 214, 10}; /* new / unknown */
static const double persist_rgb[3] = {64, 224, 255}; /* persisting */
static const double gap_rgb[3] = {255, 255, 255};

/* Viridis (matplotlib's, CC0) at ten even stops, interpolated linearly:
 * perceptually uniform, readable by colour-blind people, unlike libvips'
 * falsecolour palette.
 */
static const guint8 viridis[10][3] = {{68, 1, 84}, {72, 40, 120}, {62, 73, 137},
	{49, 104, 142}, {38, 130, 142}, {31, 158, 137}, {53, 183, 121},
	{110, 206, 88}, {181, 222, 43}, {253, 231, 37}};

/* Opacity of the heat map over the photo. */
#define HEAT_OPACITY 0.45

void
smp_composite_params_default(SmpCompositeParams *p)
{
	p->long_edge_px = SMP_COMPOSITE_LONG_EDGE_DEFAULT;
	p->layout = SMP_LAYOUT_SIDE_BY_SIDE;
	p->aligned = FALSE;
	p->dots = TRUE;
	p->heatmap = TRUE;
	p->scale_bar = TRUE;
	p->ghost_opacity = 0.5;
	p->labels = TRUE;
	p->watermark = NULL;
	p->watermark_image = NULL;
	p->watermark_width = SMP_WATERMARK_WIDTH_FRACTION;
	p->watermark_opacity = SMP_WATERMARK_OPACITY;
	p->font_family = DEFAULT_FONT_FAMILY;
	p->format = SMP_FORMAT_JPEG;
	p->quality = 90;
}

static const char *format_names[] = {"jpeg", "png", "webp"};
static const char *format_extensions[] = {"jpg", "png", "webp"};

const char *
smp_format_name(SmpImageFormat format)
{
	return (unsigned) format < G_N_ELEMENTS(format_names) ? format_names[format]
														  : "unknown";
}

const char *
smp_format_extension(SmpImageFormat format)
{
	return (unsigned) format < G_N_ELEMENTS(format_extensions)
		? format_extensions[format]
		: "img";
}

gboolean
smp_format_parse(const char *name, SmpImageFormat *format)
{
	for (size_t i = 0; name && i < G_N_ELEMENTS(format_names); i++)
		if (g_ascii_strcasecmp(name, format_names[i]) == 0) {
			*format = (SmpImageFormat) i;
			return TRUE;
		}
	return FALSE;
}

/* libvips' save options for @p's format: the saver follows the path's
 * extension, "strip" drops every metadata block (the composite carries
 * no EXIF, XMP or ICC; its pixels are sRGB, the web's assumption).
 */
static char *
save_options(const SmpCompositeParams *p)
{
	switch (p->format) {
	case SMP_FORMAT_PNG:
		return g_strdup("[compression=6,strip]");
	case SMP_FORMAT_WEBP:
		return g_strdup_printf("[Q=%d,strip]", p->quality);
	default:
		return g_strdup_printf("[Q=%d,strip]", p->quality);
	}
}

gboolean
smp_composite_save(VipsImage *image, const char *path,
	const SmpCompositeParams *p, GError **error)
{
	g_autofree char *options = save_options(p);
	g_autofree char *target = g_strconcat(path, options, NULL);
	g_autoptr(VipsImage) srgb = NULL;

	/* The composite is built in sRGB already; say so, so that no saver
	 * guesses another space.
	 */
	if (vips_copy(
			image, &srgb, "interpretation", VIPS_INTERPRETATION_sRGB, NULL)) {
		smp_error_from_vips(error, SMP_ERROR_INTERNAL, path, "composite");
		return FALSE;
	}
	return smp_photo_save_atomic(srgb, target, error);
}

static const char *layout_names[] = {
	"side-by-side", "stacked", "three-panel", "ghost"};

const char *
smp_layout_name(SmpLayout layout)
{
	return (unsigned) layout < G_N_ELEMENTS(layout_names) ? layout_names[layout]
														  : "unknown";
}

gboolean
smp_layout_parse(const char *name, SmpLayout *layout)
{
	for (size_t i = 0; name && i < G_N_ELEMENTS(layout_names); i++)
		if (strcmp(name, layout_names[i]) == 0) {
			*layout = (SmpLayout) i;
			return TRUE;
		}
	return FALSE;
}

/* Panels in a row at equal height, their widths and gaps within @budget. */
static void
layout_row(SmpCompositeLayout *L, const double aspect[], int h, int budget)
{
	double sum = 0;
	int x = 0;

	for (int i = 0; i < L->n; i++)
		sum += aspect[i];
	if (h * sum + L->gap * (L->n - 1) > budget)
		h = (int) floor((budget - L->gap * (L->n - 1)) / sum);
	h = MAX(h, 16);
	for (int i = 0; i < L->n; i++) {
		L->w[i] = MAX(1, (int) floor(h * aspect[i]));
		L->h[i] = h;
		L->x[i] = x;
		L->y[i] = L->banner_height;
		x += L->w[i] + L->gap;
	}
	L->width = x - L->gap;
	L->height = L->banner_height + h + L->bar_height;
}

/* Panels in a column at equal width, each with its bar under it. */
static void
layout_column(SmpCompositeLayout *L, const double aspect[], int w, int budget)
{
	double sum = 0;
	int y = L->banner_height;

	for (int i = 0; i < L->n; i++)
		sum += 1.0 / aspect[i];
	if (w * sum + (L->gap + L->bar_height) * L->n > budget)
		w = (int) floor((budget - (L->gap + L->bar_height) * L->n) / sum);
	w = MAX(w, 16);
	for (int i = 0; i < L->n; i++) {
		L->w[i] = w;
		L->h[i] = MAX(1, (int) floor(w / aspect[i]));
		L->x[i] = 0;
		L->y[i] = y;
		y += L->h[i] + L->bar_height + L->gap;
	}
	L->width = w;
	L->height = y - L->gap;
}

void
smp_composite_layout(int w0, int h0, int w1, int h1,
	const SmpCompositeParams *p, SmpCompositeLayout *out)
{
	int budget =
		p->long_edge_px > 0 ? p->long_edge_px : SMP_COMPOSITE_LONG_EDGE_DEFAULT;
	double aspect[3] = {(double) w0 / h0, (double) w1 / h1, (double) w1 / h1};

	*out = (SmpCompositeLayout){0};
	out->gap = MAX(8, budget / 200);
	/* Never blow photos up: the smaller one sets the scale. */
	out->row_height = MAX(3 * SMP_LABEL_MIN_PX, MIN(h0, h1) / 12);
	out->row_height =
		MIN(out->row_height, MAX(3 * SMP_LABEL_MIN_PX, budget / 30));
	/* A second row for the scale bar and the colour legend, so that they
	 * never run into the caption.
	 */
	out->bar_height = !p->labels ? 0
								 : out->row_height *
			(p->scale_bar || (p->heatmap && p->layout == SMP_LAYOUT_THREE_PANEL)
					? 2
					: 1);
	out->banner_height = p->aligned ? 0 : out->row_height;
	switch (p->layout) {
	case SMP_LAYOUT_STACKED:
		out->n = 2;
		layout_column(out, aspect, MIN(w0, w1), budget);
		break;
	case SMP_LAYOUT_GHOST:
		out->n = 1;
		layout_row(out, aspect, h0, budget);
		break;
	case SMP_LAYOUT_THREE_PANEL:
		out->n = 3;
		layout_row(out, aspect, MIN(h0, h1), budget);
		break;
	default:
		out->n = 2;
		layout_row(out, aspect, MIN(h0, h1), budget);
		break;
	}
}

/* A w×h sRGB uchar image filled with @rgb. */
static int
solid(VipsObject *scope, int w, int h, const double rgb[3], VipsImage **out)
{
	VipsImage **t = (VipsImage **) vips_object_local_array(scope, 3);
	double zero[3] = {0, 0, 0};

	if (vips_black(&t[0], w, h, "bands", 3, NULL) ||
		vips_linear(
			t[0], &t[1], zero, (double *) rgb, 3, "uchar", TRUE, NULL) ||
		vips_copy(
			t[1], &t[2], "interpretation", VIPS_INTERPRETATION_sRGB, NULL))
		return -1;
	*out = t[2];
	return 0;
}

/* The dpi that makes Pango's fixed-point font @px pixels high: px = pt ×
 * dpi / 72, with pt fixed and cap-to-line-height about 0.9.
 */
#define TEXT_PT 12
static int
text_dpi(int px)
{
	return MAX(36, (int) lround(px * 72.0 / TEXT_PT * 0.9));
}

/* The width in pixels of @text (Pango markup) set @px high. */
static int
text_width(
	VipsObject *scope, const char *text, int px, const char *family, int *width)
{
	VipsImage **t = (VipsImage **) vips_object_local_array(scope, 1);
	g_autofree char *font = g_strdup_printf("%s %d", family, TEXT_PT);

	if (vips_text(&t[0], text, "font", font, "dpi", text_dpi(px), NULL))
		return -1;
	*width = t[0]->Xsize;
	return 0;
}

/* Paint @text (Pango markup) @px pixels high onto @bg at (@x, centred
 * vertically), in @rgb, wrapped into lines at most @wrap px wide when
 * @wrap > 0; text wider than the space left is clipped. The text's width
 * goes to @width when it is not NULL.
 */
static int
paint_text_wrapped(VipsObject *scope, VipsImage *bg, const char *text, int px,
	int x, int wrap, const double rgb[3], const char *family, VipsImage **out,
	int *width)
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

	if (wrap > 0 ? vips_text(&t[0], text, "font", font, "dpi", dpi, "width",
					   wrap, NULL)
				 : vips_text(&t[0], text, "font", font, "dpi", dpi, NULL))
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

static int
paint_text(VipsObject *scope, VipsImage *bg, const char *text, int px, int x,
	const double rgb[3], const char *family, VipsImage **out, int *width)
{
	return paint_text_wrapped(
		scope, bg, text, px, x, 0, rgb, family, out, width);
}

/* A memory copy of @in that draw operations may change, held by @scope. */
static VipsImage *
drawable(VipsObject *scope, VipsImage *in)
{
	VipsImage **t = (VipsImage **) vips_object_local_array(scope, 1);

	t[0] = vips_image_copy_memory(in);
	return t[0];
}

/* The scale bar's length: 1, 2, 5, 10, 20 or 50 mm, the longest that fits
 * in a fifth of the bar.
 */
static double
scale_bar_mm(double px_per_mm_out, int bar_width)
{
	static const double steps[] = {50, 20, 10, 5, 2, 1};

	for (size_t i = 0; i < G_N_ELEMENTS(steps); i++)
		if (steps[i] * px_per_mm_out <= bar_width / 5.0)
			return steps[i];
	return 0;
}

/* A white scale bar with its length in mm, left-aligned in @bar. */
static int
paint_scale_bar(VipsObject *scope, VipsImage *bar, double px_per_mm_out,
	const char *family, VipsImage **out)
{
	double mm = scale_bar_mm(px_per_mm_out, bar->Xsize);
	int len = (int) lround(mm * px_per_mm_out);
	int thick = MAX(3, bar->Ysize / 12);
	int pad = bar->Ysize / 3;
	g_autofree char *label = NULL;
	VipsImage *canvas;
	int text_w = 0;

	*out = bar;
	if (mm <= 0 || len < 8)
		return 0;
	label = g_strdup_printf("%g mm", mm);
	/* Measure the label first, then draw bar and label side by side. */
	if (text_width(scope, label, MAX(SMP_LABEL_MIN_PX, bar->Ysize / 3), family,
			&text_w))
		return -1;
	if (!(canvas = drawable(scope, bar)) ||
		vips_draw_rect(canvas, (double *) title_rgb, 3, pad,
			(bar->Ysize - thick) / 2, len, thick, "fill", TRUE, NULL))
		return -1;
	return paint_text(scope, canvas, label,
		MAX(SMP_LABEL_MIN_PX, bar->Ysize / 3), pad + len + pad / 2, title_rgb,
		family, out, NULL);
}

/* Viridis at @v in 0..1. */
static void
viridis_at(double v, guint8 rgb[3])
{
	double f = CLAMP(v, 0, 1) * 9;
	int i = MIN(8, (int) f);
	double t = f - i;

	for (int c = 0; c < 3; c++)
		rgb[c] =
			(guint8) lround(viridis[i][c] * (1 - t) + viridis[i + 1][c] * t);
}

/* The grid's densities (per cm² with a scale, else per megapixel) and
 * their finite range.
 */
static const double *
grid_values(const SmpDensityGrid *g, double *lo, double *hi)
{
	const double *v = isfinite(g->cell_mm) ? g->per_cm2 : g->per_mpx;
	gsize n = (gsize) g->cols * g->rows;

	*lo = INFINITY;
	*hi = -INFINITY;
	for (gsize i = 0; v && i < n; i++)
		if (isfinite(v[i])) {
			*lo = MIN(*lo, v[i]);
			*hi = MAX(*hi, v[i]);
		}
	return v;
}

/* One pixel per grid cell: viridis colour, and a mask of valid cells. */
static int
heat_cells(VipsObject *scope, const SmpDensityGrid *g, const double *v,
	double lo, double hi, VipsImage **rgb, VipsImage **mask)
{
	VipsImage **t = (VipsImage **) vips_object_local_array(scope, 2);
	gsize n = (gsize) g->cols * g->rows;
	g_autofree guint8 *px = g_malloc0(n * 3);
	g_autofree guint8 *valid = g_malloc0(n);
	double span = hi > lo ? hi - lo : 1;

	for (gsize i = 0; i < n; i++)
		if (isfinite(v[i])) {
			viridis_at((v[i] - lo) / span, px + 3 * i);
			valid[i] = 255;
		}
	t[0] = vips_image_new_from_memory_copy(
		px, n * 3, g->cols, g->rows, 3, VIPS_FORMAT_UCHAR);
	t[1] = vips_image_new_from_memory_copy(
		valid, n, g->cols, g->rows, 1, VIPS_FORMAT_UCHAR);
	if (!t[0] || !t[1])
		return -1;
	*rgb = t[0];
	*mask = t[1];
	return 0;
}

/* Cells blown up to the panel (nearest neighbour: the cells stay honest
 * squares), cropped or padded to exactly w×h.
 */
static int
cells_to_panel(VipsObject *scope, VipsImage *cells, double cell_px, int w,
	int h, double sx, double sy, VipsImage **out)
{
	VipsImage **t = (VipsImage **) vips_object_local_array(scope, 2);

	if (vips_resize(cells, &t[0], cell_px * sx, "vscale", cell_px * sy,
			"kernel", VIPS_KERNEL_NEAREST, NULL) ||
		vips_embed(t[0], &t[1], 0, 0, w, h, "extend", VIPS_EXTEND_COPY, NULL))
		return -1;
	*out = t[1];
	return 0;
}

/* The density heat map over @in at HEAT_OPACITY; @lo and @hi get the
 * colour scale's range for the legend.
 */
static int
overlay_heat(VipsObject *scope, VipsImage *in, const SmpDensityGrid *g,
	double sx, double sy, double *lo, double *hi, VipsImage **out)
{
	VipsImage **t = (VipsImage **) vips_object_local_array(scope, 5);
	const double *v = grid_values(g, lo, hi);
	VipsImage *cells, *valid, *heat, *mask;

	*out = in;
	if (!v || !isfinite(*lo) || g->cols < 1 || g->rows < 1)
		return 0;
	if (heat_cells(scope, g, v, *lo, *hi, &cells, &valid) ||
		cells_to_panel(
			scope, cells, g->cell_px, in->Xsize, in->Ysize, sx, sy, &heat) ||
		cells_to_panel(
			scope, valid, g->cell_px, in->Xsize, in->Ysize, sx, sy, &mask) ||
		vips_linear1(in, &t[0], 1 - HEAT_OPACITY, 0, NULL) ||
		vips_linear1(heat, &t[1], HEAT_OPACITY, 0, NULL) ||
		vips_add(t[0], t[1], &t[2], NULL) ||
		vips_cast_uchar(t[2], &t[3], NULL) ||
		vips_ifthenelse(mask, t[3], in, &t[4], NULL))
		return -1;
	*out = t[4];
	return 0;
}

/* A colour legend right-aligned in @bar: "LO ▬▬▬ HI unit". */
static int
paint_legend(VipsObject *scope, VipsImage *bar, double lo, double hi,
	const char *unit, const char *family, VipsImage **out)
{
	VipsImage **t = (VipsImage **) vips_object_local_array(scope, 2);
	int px = MAX(SMP_LABEL_MIN_PX, bar->Ysize / 3);
	int strip_w = MAX(60, bar->Xsize / 6), strip_h = MAX(8, bar->Ysize / 4);
	int pad = bar->Ysize / 3, hi_w = 0, lo_w = 0, x;
	g_autofree char *hi_text = g_strdup_printf("%.0f %s", hi, unit);
	g_autofree char *lo_text = g_strdup_printf("%.0f", lo);
	guint8 ramp[256 * 3];
	VipsImage *with_hi, *with_lo;

	for (int i = 0; i < 256; i++)
		viridis_at(i / 255.0, ramp + 3 * i);
	/* Measure both labels, then place from the right. */
	if (text_width(scope, hi_text, px, family, &hi_w) ||
		text_width(scope, lo_text, px, family, &lo_w))
		return -1;
	x = bar->Xsize - pad - hi_w;
	t[0] = vips_image_new_from_memory_copy(
		ramp, sizeof(ramp), 256, 1, 3, VIPS_FORMAT_UCHAR);
	if (!t[0] ||
		vips_resize(t[0], &t[1], (double) strip_w / 256, "vscale",
			(double) strip_h, NULL) ||
		paint_text(
			scope, bar, hi_text, px, x, title_rgb, family, &with_hi, NULL) ||
		paint_text(scope, with_hi, lo_text, px,
			x - pad / 2 - strip_w - pad / 2 - lo_w, title_rgb, family, &with_lo,
			NULL) ||
		vips_insert(with_lo, t[1], out, x - pad / 2 - strip_w,
			(bar->Ysize - strip_h) / 2, NULL))
		return -1;
	/* vips_insert made a new image: keep it with the others. */
	vips_object_local(scope, *out);
	return 0;
}

/* The first row of a label bar: bold title, then the caption. */
static int
caption_row(VipsObject *scope, const SmpPanel *panel, int w, int h,
	const char *family, VipsImage **out)
{
	VipsImage *row, *titled;
	int px = MAX(SMP_LABEL_MIN_PX, h * 45 / 100);
	int pad = px / 2;
	g_autofree char *title =
		g_markup_printf_escaped("<b>%s</b>", panel->title ? panel->title : "");
	g_autofree char *caption =
		g_markup_escape_text(panel->caption ? panel->caption : "", -1);
	int title_w = 0, cap_w = 1, cap_px, x, wrap;

	if (solid(scope, w, h, bar_rgb, &row) ||
		paint_text(
			scope, row, title, px, pad, title_rgb, family, &titled, &title_w))
		return -1;
	*out = titled;
	/* libvips refuses to render empty text. */
	if (!*caption)
		return 0;
	/* A long caption (the after panel's, with the change) is set smaller,
	 * down to the legible minimum, rather than cut at the panel's edge;
	 * when even that is too wide (a narrow panel of three), it goes on
	 * two lines.
	 */
	x = pad + title_w + px;
	wrap = MAX(1, w - x - pad);
	cap_px = px * 85 / 100;
	if (text_width(scope, caption, cap_px, family, &cap_w))
		return -1;
	if (x + cap_w + pad <= w)
		wrap = 0;
	else if (cap_w * SMP_LABEL_MIN_PX / cap_px <= w - x - pad) {
		cap_px = MAX(SMP_LABEL_MIN_PX, cap_px * (w - x - pad) / cap_w);
		wrap = 0;
	}
	else
		cap_px = MAX(SMP_LABEL_MIN_PX, MIN(cap_px, h * 36 / 100));
	return paint_text_wrapped(scope, titled, caption, cap_px, x, wrap,
		caption_rgb, family, out, NULL);
}

/* The label bar under one panel: the caption row, and when the layout
 * has one, a row with the scale bar (left) and the colour legend (right).
 */
static int
label_bar(VipsObject *scope, const SmpPanel *panel, int w,
	const SmpCompositeLayout *L, double scale, const double legend[2],
	const SmpCompositeParams *p, VipsImage **out)
{
	VipsImage **t = (VipsImage **) vips_object_local_array(scope, 1);
	VipsImage *first, *second;

	if (caption_row(scope, panel, w, L->row_height, p->font_family, &first))
		return -1;
	if (L->bar_height == L->row_height) {
		*out = first;
		return 0;
	}
	if (solid(scope, w, L->bar_height - L->row_height, bar_rgb, &second))
		return -1;
	if (p->scale_bar && panel->px_per_mm > 0 &&
		paint_scale_bar(
			scope, second, panel->px_per_mm * scale, p->font_family, &second))
		return -1;
	if (isfinite(legend[0]) &&
		paint_legend(scope, second, legend[0], legend[1],
			isfinite(panel->grid->cell_mm) ? "dots/cm²" : "dots/Mpx",
			p->font_family, &second))
		return -1;
	if (vips_join(first, second, &t[0], VIPS_DIRECTION_VERTICAL, NULL))
		return -1;
	*out = t[0];
	return 0;
}

/* @p's frame: what its dots and grid are measured in. */
static int
frame_w(const SmpPanel *p)
{
	return p->width > 0 ? p->width : p->image->Xsize;
}

static int
frame_h(const SmpPanel *p)
{
	return p->height > 0 ? p->height : p->image->Ysize;
}

static int
scale_panel(VipsObject *scope, VipsImage *in, int w, int h, VipsImage **out)
{
	VipsImage **t = (VipsImage **) vips_object_local_array(scope, 1);

	/* A panel reduced to its size beforehand (pair.c) is used as it is. */
	if (in->Xsize == w && in->Ysize == h
			? vips_copy(in, &t[0], NULL)
			: vips_resize(in, &t[0], (double) w / in->Xsize, "vscale",
				  (double) h / in->Ysize, NULL))
		return -1;
	*out = t[0];
	return 0;
}

/* Set the 1-pixel outline of a circle in @mask (w×h bytes), clipped:
 * the midpoint circle, as vips_draw_circle() draws it.
 */
static void
ring_into(guint8 *mask, int w, int h, int cx, int cy, int r, guint8 ink)
{
	int x = 0, y = r, d = 3 - 2 * r;

	while (x <= y) {
		const int px[8] = {
			cx + x, cx - x, cx + x, cx - x, cx + y, cx - y, cx + y, cx - y};
		const int py[8] = {
			cy + y, cy + y, cy - y, cy - y, cy + x, cy + x, cy - x, cy - x};

		for (int i = 0; i < 8; i++)
			if (px[i] >= 0 && px[i] < w && py[i] >= 0 && py[i] < h)
				mask[(gsize) py[i] * w + px[i]] = ink;
		if (d < 0)
			d += 4 * x + 6;
		else {
			d += 4 * (x - y) + 10;
			y--;
		}
		x++;
	}
}

/* Rings around the dots of @kind (all when @kind is SMP_DOT_UNKNOWN and
 * the panel has no kinds) in @rgb, 70% opaque so the dots stay visible.
 * The rings go into one mask by hand: a libvips draw call per ring costs
 * about a millisecond, and a 12 MP photo has tens of thousands of dots.
 */
static int
draw_ring_class(VipsObject *scope, VipsImage *in, const SmpPanel *panel,
	double sx, double sy, int kind, const double rgb[3], VipsImage **out)
{
	VipsImage **t = (VipsImage **) vips_object_local_array(scope, 2);
	int w = in->Xsize, h = in->Ysize;
	g_autofree guint8 *mask = g_malloc0((gsize) w * h);
	VipsImage *ring;

	for (gsize i = 0; i < panel->n_dots; i++) {
		const SmpDot *d = &panel->dots[i];

		if (panel->dot_kind && panel->dot_kind[i] != kind)
			continue;
		ring_into(mask, w, h, (int) (d->x * sx), (int) (d->y * sy),
			MAX(2, (int) lround(d->r * sx)), 180);
	}
	if (!(t[0] = vips_image_new_from_memory_copy(
			  mask, (gsize) w * h, w, h, 1, VIPS_FORMAT_UCHAR)) ||
		solid(scope, w, h, rgb, &ring) ||
		vips_ifthenelse(t[0], ring, in, &t[1], "blend", TRUE, NULL))
		return -1;
	*out = t[1];
	return 0;
}

/* A ring around every dot at its size, in the panel's scaled pixels:
 * cyan for dots that were there before, yellow for new ones (or all
 * yellow when registration did not tell them apart).
 */
static int
draw_dots(VipsObject *scope, VipsImage *in, const SmpPanel *panel, double sx,
	double sy, VipsImage **out)
{
	VipsImage *x;

	if (!panel->dot_kind)
		return draw_ring_class(
			scope, in, panel, sx, sy, SMP_DOT_UNKNOWN, ring_rgb, out);
	return draw_ring_class(
			   scope, in, panel, sx, sy, SMP_DOT_PERSISTING, persist_rgb, &x) ||
		draw_ring_class(scope, x, panel, sx, sy, SMP_DOT_NEW, ring_rgb, out);
}

/* Panel @i's picture: the photo scaled, and for the annotated panel of a
 * three-panel composite, the heat map and dot rings.
 */
static int
panel_picture(VipsObject *scope, const SmpPanel *src, int i,
	const SmpCompositeLayout *L, const SmpCompositeParams *p, double legend[2],
	VipsImage **out)
{
	double sx = (double) L->w[i] / frame_w(src);
	double sy = (double) L->h[i] / frame_h(src);
	VipsImage *x;

	if (scale_panel(scope, src->image, L->w[i], L->h[i], &x))
		return -1;
	if (p->layout == SMP_LAYOUT_THREE_PANEL && i == 2) {
		if (p->heatmap && src->grid &&
			overlay_heat(
				scope, x, src->grid, sx, sy, &legend[0], &legend[1], &x))
			return -1;
		if (p->dots && src->dots && draw_dots(scope, x, src, sx, sy, &x))
			return -1;
	}
	*out = x;
	return 0;
}

/* The ghost: the after photo blended over the before at ghost_opacity. */
static int
ghost_picture(VipsObject *scope, const SmpPanel *before, const SmpPanel *after,
	const SmpCompositeLayout *L, const SmpCompositeParams *p, VipsImage **out)
{
	VipsImage **t = (VipsImage **) vips_object_local_array(scope, 4);
	double a = CLAMP(p->ghost_opacity, 0, 1);
	VipsImage *b, *f;

	if (scale_panel(scope, before->image, L->w[0], L->h[0], &b) ||
		scale_panel(scope, after->image, L->w[0], L->h[0], &f) ||
		vips_linear1(b, &t[0], 1 - a, 0, NULL) ||
		vips_linear1(f, &t[1], a, 0, NULL) ||
		vips_add(t[0], t[1], &t[2], NULL) || vips_cast_uchar(t[2], &t[3], NULL))
		return -1;
	*out = t[3];
	return 0;
}

/* Panel @i with its label bar under it. */
static int
panel_column(VipsObject *scope, const SmpPanel *src, int i,
	const SmpCompositeLayout *L, const SmpCompositeParams *p,
	const SmpPanel *before, VipsImage **out)
{
	VipsImage **t = (VipsImage **) vips_object_local_array(scope, 1);
	double legend[2] = {NAN, NAN};
	double scale = (double) L->w[i] / frame_w(src);
	VipsImage *pic, *bar;

	if (p->layout == SMP_LAYOUT_GHOST
			? ghost_picture(scope, before, src, L, p, &pic)
			: panel_picture(scope, src, i, L, p, legend, &pic))
		return -1;
	if (!p->labels) {
		*out = pic;
		return 0;
	}
	if (label_bar(scope, src, L->w[i], L, scale, legend, p, &bar))
		return -1;
	if (vips_join(pic, bar, &t[0], VIPS_DIRECTION_VERTICAL, NULL))
		return -1;
	*out = t[0];
	return 0;
}

/* Columns joined in a row (or stacked), with white gaps. */
static int
join_columns(VipsObject *scope, VipsImage *cols[], const SmpCompositeLayout *L,
	gboolean vertical, VipsImage **out)
{
	VipsImage **t =
		(VipsImage **) vips_object_local_array(scope, SMP_COMPOSITE_MAX_PANELS);
	VipsArrayDouble *white = vips_array_double_new(gap_rgb, 3);
	VipsImage *acc = cols[0];
	int rc = 0;

	for (int i = 1; i < L->n && !rc; i++) {
		rc = vips_join(acc, cols[i], &t[i],
			vertical ? VIPS_DIRECTION_VERTICAL : VIPS_DIRECTION_HORIZONTAL,
			"shim", L->gap, "background", white, NULL);
		acc = t[i];
	}
	vips_area_unref(VIPS_AREA(white));
	*out = acc;
	return rc;
}

/* Semi-transparent white text over the bottom right of the last photo,
 * @inset pixels further left (room for an image watermark).
 */
static int
paint_watermark(VipsObject *scope, VipsImage *in, const char *text,
	const SmpCompositeLayout *L, int inset, const char *family, VipsImage **out)
{
	VipsImage **t = (VipsImage **) vips_object_local_array(scope, 5);
	g_autofree char *font = g_strdup_printf("%s Bold 12", family);
	int last = L->n - 1;
	int px = MAX(SMP_LABEL_MIN_PX, L->h[last] / 14);
	VipsImage *white;

	if (vips_text(&t[0], text, "font", font, "dpi", text_dpi(px), NULL) ||
		vips_linear1(t[0], &t[1], 0.4, 0, NULL) ||
		vips_cast_uchar(t[1], &t[2], NULL))
		return -1;
	if (vips_embed(t[2], &t[3],
			MAX(0, L->x[last] + L->w[last] - inset - t[2]->Xsize - px),
			MAX(0, L->y[last] + L->h[last] - t[2]->Ysize - px / 2), in->Xsize,
			in->Ysize, NULL) ||
		solid(scope, in->Xsize, in->Ysize, title_rgb, &white) ||
		vips_ifthenelse(t[3], white, in, &t[4], "blend", TRUE, NULL))
		return -1;
	*out = t[4];
	return 0;
}

/* The watermark image as 8-bit sRGB with alpha (opaque when the file has
 * none), loaded with the same limits and trusted loaders as photos.
 */
static VipsImage *
load_watermark(const char *path, GError **error)
{
	g_autoptr(VipsImage) in = NULL;
	g_autoptr(VipsImage) srgb = NULL;
	g_autoptr(VipsImage) rgba = NULL;
	g_autoptr(VipsImage) u8 = NULL;
	SmpLoadLimits limits;
	VipsImage *out;

	smp_load_limits_default(&limits);
	if (!(in = smp_photo_open(path, &limits, error)))
		return NULL;
	if (vips_colourspace(in, &srgb, VIPS_INTERPRETATION_sRGB, NULL) ||
		(vips_image_hasalpha(srgb)
				? vips_copy(srgb, &rgba, NULL)
				: vips_bandjoin_const1(srgb, &rgba, 255, NULL)) ||
		vips_cast_uchar(rgba, &u8, NULL) ||
		!(out = vips_image_copy_memory(u8))) {
		smp_error_from_vips(error, SMP_ERROR_CORRUPT, path, "watermark");
		return NULL;
	}
	if (out->Bands != 4) {
		g_object_unref(out);
		g_set_error(error, SMP_ERROR, SMP_ERROR_UNSUPPORTED,
			"%s: watermark: %d bands, expected colour or grey with or "
			"without alpha",
			path, in->Bands);
		return NULL;
	}
	return out;
}

/* @logo in the bottom-right corner of the last photo: watermark_width of
 * its width, never more than SMP_WATERMARK_MAX_FRACTION of its width or
 * height (so the scalp's centre stays clear), its alpha times
 * watermark_opacity. @width gets the width it took, margin included.
 */
static int
paint_logo(VipsObject *scope, VipsImage *in, VipsImage *logo,
	const SmpCompositeLayout *L, const SmpCompositeParams *p, VipsImage **out,
	int *width)
{
	VipsImage **t = (VipsImage **) vips_object_local_array(scope, 5);
	int last = L->n - 1;
	int margin = MAX(4, L->w[last] / 40);
	int box_w = (int) lround(L->w[last] *
		CLAMP(p->watermark_width, 0.01, SMP_WATERMARK_MAX_FRACTION));
	int box_h = (int) (L->h[last] * SMP_WATERMARK_MAX_FRACTION);
	double a[4] = {1, 1, 1, CLAMP(p->watermark_opacity, 0, 1)};
	double b[4] = {0, 0, 0, 0};
	int x, y;

	/* thumbnail_image fits the box keeping the aspect ratio, and
	 * premultiplies the alpha while it resamples.
	 */
	if (vips_thumbnail_image(logo, &t[0], MAX(1, box_w), "height",
			MAX(1, box_h), "size", VIPS_SIZE_BOTH, NULL) ||
		vips_linear(t[0], &t[1], a, b, 4, "uchar", TRUE, NULL))
		return -1;
	x = L->x[last] + L->w[last] - t[1]->Xsize - margin;
	y = L->y[last] + L->h[last] - t[1]->Ysize - margin;
	if (vips_composite2(
			in, t[1], &t[2], VIPS_BLEND_MODE_OVER, "x", x, "y", y, NULL) ||
		vips_extract_band(t[2], &t[3], 0, "n", 3, NULL) ||
		vips_cast_uchar(t[3], &t[4], NULL))
		return -1;
	*out = t[4];
	*width = t[1]->Xsize + margin;
	return 0;
}

/* The image watermark, then the text one beside it. */
static int
watermarks(VipsObject *scope, VipsImage *in, VipsImage *logo,
	const SmpCompositeLayout *L, const SmpCompositeParams *p, VipsImage **out)
{
	int inset = 0;

	*out = in;
	if (logo && paint_logo(scope, in, logo, L, p, out, &inset))
		return -1;
	if (p->watermark && *p->watermark)
		return paint_watermark(
			scope, *out, p->watermark, L, inset, p->font_family, out);
	return 0;
}

static int
build(VipsObject *scope, const SmpPanel *before, const SmpPanel *after,
	const SmpCompositeParams *p, VipsImage *logo, VipsImage **out)
{
	VipsImage **t = (VipsImage **) vips_object_local_array(scope, 1);
	SmpPanel annotated = *after, ghost;
	const SmpPanel *src[3] = {before, after, &annotated};
	g_autofree char *ghost_title = NULL;
	VipsImage *cols[SMP_COMPOSITE_MAX_PANELS], *row, *banner, *labelled;
	SmpCompositeLayout L;
	g_autofree char *note = NULL;

	smp_composite_layout(frame_w(before), frame_h(before), frame_w(after),
		frame_h(after), p, &L);
	/* The annotated panel says what its marks mean, not the after's
	 * numbers a second time.
	 */
	note = g_strdup_printf("%s%s",
		p->dots ? (after->dot_kind ? "cyan: earlier dots, yellow: new"
								   : "dots ringed")
				: "",
		p->heatmap
			? (p->dots ? "  ·  density per grid cell" : "density per grid cell")
			: "");
	annotated.title = "AFTER, ANNOTATED";
	annotated.caption = note;
	/* The ghost's one panel is both photos: its title says so. */
	if (p->layout == SMP_LAYOUT_GHOST) {
		ghost = *after;
		ghost_title = g_strdup_printf(
			"AFTER OVER BEFORE (%.0f%%)", 100 * CLAMP(p->ghost_opacity, 0, 1));
		ghost.title = ghost_title;
		src[0] = &ghost;
	}
	for (int i = 0; i < L.n; i++)
		if (panel_column(scope, src[i], i, &L, p, before, &cols[i]))
			return -1;
	if (join_columns(scope, cols, &L, p->layout == SMP_LAYOUT_STACKED, &row))
		return -1;
	if (!p->aligned) {
		if (solid(scope, L.width, L.banner_height, banner_rgb, &banner) ||
			paint_text(scope, banner,
				L.width >= 1400 ? "<b>NOT ALIGNED</b>  registration did not "
								  "confirm that these photos match"
								: "<b>NOT ALIGNED</b>  not registered",
				MAX(SMP_LABEL_MIN_PX, L.banner_height * 45 / 100),
				L.banner_height / 4, title_rgb, p->font_family, &labelled,
				NULL) ||
			vips_join(labelled, row, &t[0], VIPS_DIRECTION_VERTICAL, NULL))
			return -1;
		row = t[0];
	}
	return watermarks(scope, row, logo, &L, p, out);
}

VipsImage *
smp_composite_make(const SmpPanel *before, const SmpPanel *after,
	const SmpCompositeParams *p, GError **error)
{
	VipsObject *scope;
	VipsImage *out = NULL;
	VipsImage *logo = NULL;

	if (p->watermark_image && *p->watermark_image &&
		!(logo = load_watermark(p->watermark_image, error)))
		return NULL;
	scope = VIPS_OBJECT(vips_image_new());
	/* The scope owns the logo from here on. */
	if (logo)
		vips_object_local(scope, logo);
	if (build(scope, before, after, p, logo, &out)) {
		smp_error_from_vips(error, SMP_ERROR_INTERNAL, NULL, "composite");
		g_object_unref(scope);
		return NULL;
	}
	/* The result outlives the scope that holds its intermediates. */
	g_object_ref(out);
	g_object_unref(scope);
	return out;
}
