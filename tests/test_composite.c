/* Tests of composites: layout geometry, panel placement, label text
 * present, and the NOT ALIGNED banner exactly when unaligned.
 * SPDX-License-Identifier: MIT
 */
#include <math.h>
#include <stdlib.h>

#include <string.h>

#include <glib.h>
#include <glib/gstdio.h>

#include "test.h"
#include "smpdoc/composite.h"
#include "smpdoc/photo.h"

static VipsImage *
flat(int w, int h, double r, double g, double b)
{
	double zero[3] = {0, 0, 0}, rgb[3] = {r, g, b};
	VipsImage *black, *out;

	assert_vips_ok(vips_black(&black, w, h, "bands", 3, NULL));
	assert_vips_ok(vips_linear(black, &out, zero, rgb, 3, "uchar", TRUE, NULL));
	g_object_unref(black);
	return out;
}

static void
pixel(VipsImage *im, int x, int y, double rgb[3])
{
	double *v;
	int n;

	assert_vips_ok(vips_getpoint(im, &v, &n, x, y, NULL));
	assert_int_equal(n, 3);
	for (int i = 0; i < 3; i++)
		rgb[i] = v[i];
	g_free(v);
}

static void
assert_colour_near(VipsImage *im, int x, int y, double r, double g, double b)
{
	double v[3];

	pixel(im, x, y, v);
	if (fabs(v[0] - r) > 3 || fabs(v[1] - g) > 3 || fabs(v[2] - b) > 3)
		fail_msg("pixel (%d,%d) is %g,%g,%g, expected %g,%g,%g", x, y, v[0],
			v[1], v[2], r, g, b);
}

static void
test_composite_layout_equal_height_within_long_edge(void **state)
{
	SmpCompositeParams p;
	SmpCompositeLayout L;

	(void) state;
	smp_composite_params_default(&p);
	p.long_edge_px = 1000;
	smp_composite_layout(4000, 3000, 3000, 4000, &p, &L);
	assert_int_equal(L.n, 2);
	assert_true(L.width <= 1000);
	assert_int_equal(L.width, L.w[0] + L.gap + L.w[1]);
	assert_int_equal(L.h[0], L.h[1]);
	assert_int_equal(L.x[1], L.w[0] + L.gap);
	/* Aspect ratios kept within a pixel at equal height. */
	assert_true(abs(L.w[0] - L.h[0] * 4 / 3) <= 1);
	assert_true(abs(L.w[1] - L.h[1] * 3 / 4) <= 1);
	assert_true(L.row_height >= 3 * SMP_LABEL_MIN_PX);
	/* Caption row + scale bar row. */
	assert_int_equal(L.bar_height, 2 * L.row_height);
	assert_int_equal(L.banner_height, L.row_height);
	p.aligned = TRUE;
	smp_composite_layout(4000, 3000, 3000, 4000, &p, &L);
	assert_int_equal(L.banner_height, 0);
	assert_int_equal(L.height, L.h[0] + L.bar_height);
	/* Small photos are not blown up. */
	smp_composite_layout(300, 200, 300, 200, &p, &L);
	assert_int_equal(L.h[0], 200);
}

static void
test_composite_layouts_geometry(void **state)
{
	SmpCompositeParams p;
	SmpCompositeLayout L;

	(void) state;
	smp_composite_params_default(&p);
	p.long_edge_px = 1200;
	p.aligned = TRUE;
	p.layout = SMP_LAYOUT_STACKED;
	smp_composite_layout(800, 600, 800, 600, &p, &L);
	assert_int_equal(L.n, 2);
	assert_int_equal(L.w[0], L.w[1]);
	assert_int_equal(L.x[1], 0);
	assert_int_equal(L.y[1], L.h[0] + L.bar_height + L.gap);
	assert_true(L.height <= 1200);
	p.layout = SMP_LAYOUT_THREE_PANEL;
	smp_composite_layout(800, 600, 800, 600, &p, &L);
	assert_int_equal(L.n, 3);
	assert_int_equal(L.width, 3 * L.w[0] + 2 * L.gap);
	assert_true(L.width <= 1200);
	p.layout = SMP_LAYOUT_GHOST;
	smp_composite_layout(800, 600, 800, 600, &p, &L);
	assert_int_equal(L.n, 1);
	assert_int_equal(L.w[0], 800);
}

/* Photos of flat colours with two dots and a 2×2 grid. */
static const SmpDot test_dots[] = {
	{100.5f, 100.5f, 8.0f, 0.3f}, {300.5f, 200.5f, 10.0f, 0.3f}};
static double grid_cm2[4] = {100, 150, 200, NAN};
static double grid_mpx[4] = {1, 2, 3, NAN};
static double grid_cov[4] = {0.1, 0.1, 0.1, NAN};
static const SmpDensityGrid test_grid = {
	2, 2, 250, 12.5, NULL, NULL, grid_cm2, grid_mpx, grid_cov};

static VipsImage *
make_composite(SmpLayout layout, gboolean aligned, SmpCompositeLayout *L)
{
	VipsImage *before = flat(600, 400, 210, 160, 130);
	VipsImage *after = flat(500, 500, 90, 60, 50);
	SmpPanel p0 = {.image = before,
		.title = "BEFORE",
		.caption = "session 0 · 2025-01-01 · top",
		.dots = test_dots,
		.n_dots = 2,
		.grid = &test_grid,
		.px_per_mm = 20};
	SmpPanel p1 = {.image = after,
		.title = "AFTER",
		.caption = "session 1 · 2025-03-01 · top",
		.dots = test_dots,
		.n_dots = 2,
		.grid = &test_grid,
		.px_per_mm = 20};
	SmpCompositeParams p;
	GError *error = NULL;
	VipsImage *out, *mem;

	smp_composite_params_default(&p);
	p.long_edge_px = 1600;
	p.aligned = aligned;
	p.layout = layout;
	smp_composite_layout(600, 400, 500, 500, &p, L);
	out = smp_composite_make(&p0, &p1, &p, &error);
	assert_no_gerror(error);
	mem = vips_image_copy_memory(out);
	assert_non_null(mem);
	g_object_unref(out);
	g_object_unref(before);
	g_object_unref(after);
	return mem;
}

/* Largest minus smallest value of the green band in a rectangle. */
static double
value_range(VipsImage *im, int left, int top, int w, int h)
{
	VipsImage *area, *band;
	double lo, hi;

	assert_vips_ok(vips_extract_area(im, &area, left, top, w, h, NULL));
	assert_vips_ok(vips_extract_band(area, &band, 1, NULL));
	assert_vips_ok(vips_min(band, &lo, NULL));
	assert_vips_ok(vips_max(band, &hi, NULL));
	g_object_unref(band);
	g_object_unref(area);
	return hi - lo;
}

static void
test_composite_panels_and_labels_where_expected(void **state)
{
	SmpCompositeLayout L;
	VipsImage *c = make_composite(SMP_LAYOUT_SIDE_BY_SIDE, FALSE, &L);
	int bar_top = L.y[0] + L.h[0];

	(void) state;
	assert_int_equal(c->Xsize, L.width);
	assert_int_equal(c->Ysize, L.height);
	assert_int_equal(c->Bands, 3);
	/* Panel centres carry their photo's colour. */
	assert_colour_near(
		c, L.x[0] + L.w[0] / 2, L.y[0] + L.h[0] / 2, 210, 160, 130);
	assert_colour_near(c, L.x[1] + L.w[1] / 2, L.y[1] + L.h[1] / 2, 90, 60, 50);
	/* Label bars hold text (bright ink on the dark bar), the panels none:
	 * side by side draws no dot rings.
	 */
	assert_true(value_range(c, 0, bar_top, L.w[0], L.bar_height) > 150);
	assert_true(value_range(c, L.x[1], bar_top, L.w[1], L.bar_height) > 150);
	assert_true(
		value_range(c, L.x[0] + 8, L.y[0] + 8, L.w[0] - 16, L.h[0] - 16) < 3);
	/* The banner is red and carries text. */
	assert_colour_near(c, 2, 2, 178, 24, 24);
	assert_true(value_range(c, 0, 0, L.width, L.banner_height) > 150);
	/* The scale bar (20 px/mm) is white in the left of the second row. */
	assert_true(value_range(c, L.x[0], bar_top + L.row_height, L.w[0] / 3,
					L.bar_height - L.row_height) > 150);
	g_object_unref(c);
}

static void
test_composite_aligned_has_no_banner(void **state)
{
	SmpCompositeLayout L;
	VipsImage *c = make_composite(SMP_LAYOUT_SIDE_BY_SIDE, TRUE, &L);

	(void) state;
	assert_int_equal(c->Ysize, L.h[0] + L.bar_height);
	assert_colour_near(c, 2, 2, 210, 160, 130);
	g_object_unref(c);
}

/* The third panel rings each dot in yellow and tints valid grid cells;
 * the invalid (NaN) cell keeps the photo's colour.
 */
static void
test_composite_three_panel_marks_dots_and_density(void **state)
{
	SmpCompositeLayout L;
	VipsImage *c = make_composite(SMP_LAYOUT_THREE_PANEL, TRUE, &L);
	double s = (double) L.w[2] / 500, v[3];
	int ring_x = L.x[2] + (int) (test_dots[0].x * s) +
		MAX(2, (int) lround(test_dots[0].r * s));
	int ring_y = L.y[2] + (int) (test_dots[0].y * s);

	(void) state;
	assert_int_equal(c->Xsize, L.width);
	pixel(c, ring_x, ring_y, v);
	/* Yellow rings at 70% over the tinted photo. */
	if (!(v[0] > 150 && v[1] > 120 && v[2] < 100))
		fail_msg(
			"no ring at (%d,%d): %g,%g,%g", ring_x, ring_y, v[0], v[1], v[2]);
	/* Cell (0,0) is tinted: not the after photo's colour any more. */
	pixel(c, L.x[2] + 5, L.y[2] + L.h[2] / 4, v);
	assert_true(fabs(v[0] - 90) + fabs(v[1] - 60) + fabs(v[2] - 50) > 20);
	/* Cell (1,1) is NaN: the photo shows through untouched. */
	assert_colour_near(c, L.x[2] + L.w[2] - 5, L.y[2] + L.h[2] - 5, 90, 60, 50);
	/* The second panel is the plain after photo. */
	assert_colour_near(c, L.x[1] + L.w[1] / 2, L.y[1] + L.h[1] / 2, 90, 60, 50);
	g_object_unref(c);
}

static void
test_composite_ghost_and_stacked(void **state)
{
	SmpCompositeLayout L;
	VipsImage *g = make_composite(SMP_LAYOUT_GHOST, TRUE, &L);
	VipsImage *s;

	(void) state;
	assert_int_equal(g->Xsize, L.width);
	/* Half before (210,160,130), half after (90,60,50). */
	assert_colour_near(g, L.w[0] / 2, L.h[0] / 2, 150, 110, 90);
	g_object_unref(g);
	s = make_composite(SMP_LAYOUT_STACKED, TRUE, &L);
	assert_int_equal(s->Ysize, L.height);
	assert_colour_near(s, L.w[1] / 2, L.y[1] + L.h[1] / 2, 90, 60, 50);
	g_object_unref(s);
}

/* Empty or missing captions are drawn as title only, not an error; a
 * watermark changes the bottom right of the last photo only.
 */
static void
test_composite_empty_caption_and_watermark(void **state)
{
	VipsImage *img = flat(400, 300, 120, 100, 90);
	SmpPanel p0 = {.image = img, .title = "BEFORE", .caption = ""};
	SmpPanel p1 = {.image = img, .title = "AFTER"};
	SmpCompositeParams p;
	SmpCompositeLayout L;
	GError *error = NULL;
	VipsImage *out, *mem;

	(void) state;
	smp_composite_params_default(&p);
	p.aligned = TRUE;
	p.watermark = "smpdoc portfolio";
	smp_composite_layout(400, 300, 400, 300, &p, &L);
	out = smp_composite_make(&p0, &p1, &p, &error);
	assert_no_gerror(error);
	mem = vips_image_copy_memory(out);
	assert_true(value_range(mem, L.x[1] + L.w[1] / 2, L.y[1] + L.h[1] * 3 / 4,
					L.w[1] / 2, L.h[1] / 4) > 20);
	assert_true(value_range(mem, L.x[0], L.y[0], L.w[0], L.h[0]) < 3);
	g_object_unref(mem);
	g_object_unref(out);
	g_object_unref(img);
}

/* A 200×100 logo: opaque pure green on its left half, fully transparent
 * on its right half, written as PNG with alpha to a temporary folder.
 */
static char *
write_logo(const char *dir)
{
	char *path = g_build_filename(dir, "logo.png", NULL);
	VipsImage *rgb = flat(200, 100, 0, 255, 0);
	VipsImage *alpha, *black, *rgba;

	assert_vips_ok(vips_black(&black, 200, 100, NULL));
	alpha = vips_image_copy_memory(black);
	assert_vips_ok(
		vips_draw_rect1(alpha, 255, 0, 0, 100, 100, "fill", TRUE, NULL));
	assert_vips_ok(vips_bandjoin2(rgb, alpha, &rgba, NULL));
	assert_vips_ok(vips_image_write_to_file(rgba, path, NULL));
	g_object_unref(rgba);
	g_object_unref(alpha);
	g_object_unref(black);
	g_object_unref(rgb);
	return path;
}

/* Green pixels (the logo's) in a rectangle. */
static double
green_fraction(VipsImage *im, int left, int top, int w, int h)
{
	int n = 0;

	/* Straight from memory: a vips_getpoint per pixel builds a pipeline
	 * each time (minutes for this area under the sanitizers).
	 */
	assert_non_null(im->data);
	assert_int_equal(im->BandFmt, VIPS_FORMAT_UCHAR);
	assert_true(im->Bands >= 3);
	for (int y = top; y < top + h; y += 2)
		for (int x = left; x < left + w; x += 2) {
			const VipsPel *v = VIPS_IMAGE_ADDR(im, x, y);

			n += v[1] > v[0] + 60 && v[1] > v[2] + 60;
		}
	return n / ((double) ((w + 1) / 2) * ((h + 1) / 2));
}

/* The image watermark sits in the last photo's bottom-right corner, at
 * its width fraction and opacity, its transparent half shows the photo,
 * and nothing of it reaches the photo's centre or the other panel.
 */
static void
test_composite_watermark_image_in_corner_only(void **state)
{
	g_autofree char *dir = g_dir_make_tmp("smp-wm-XXXXXX", NULL);
	g_autofree char *logo = write_logo(dir);
	VipsImage *img = flat(800, 600, 120, 100, 90);
	SmpPanel p0 = {.image = img, .title = "BEFORE"};
	SmpPanel p1 = {.image = img, .title = "AFTER"};
	SmpCompositeParams p;
	SmpCompositeLayout L;
	GError *error = NULL;
	VipsImage *out, *mem;
	int lw, lh, right, bottom, margin;
	double v[3];

	(void) state;
	smp_composite_params_default(&p);
	p.aligned = TRUE;
	p.watermark_image = logo;
	p.watermark_width = 0.25;
	p.watermark_opacity = 1.0;
	smp_composite_layout(800, 600, 800, 600, &p, &L);
	out = smp_composite_make(&p0, &p1, &p, &error);
	assert_no_gerror(error);
	mem = vips_image_copy_memory(out);
	lw = (int) lround(L.w[1] * 0.25);
	lh = lw / 2;
	margin = MAX(4, L.w[1] / 40);
	right = L.x[1] + L.w[1] - margin;
	bottom = L.y[1] + L.h[1] - margin;
	/* The logo's opaque half: green. */
	assert_true(green_fraction(mem, right - lw + 3, bottom - lh + 3, lw / 2 - 6,
					lh - 6) > 0.95);
	pixel(mem, right - lw + lw / 4, bottom - lh / 2, v);
	assert_true(v[0] < 10 && v[1] > 245 && v[2] < 10);
	/* Its transparent half: the photo. */
	assert_colour_near(mem, right - lw / 4, bottom - lh / 2, 120, 100, 90);
	/* Nowhere in the middle half of either photo, nor the first panel. */
	assert_true(green_fraction(mem, L.x[1] + L.w[1] / 4, L.y[1] + L.h[1] / 4,
					L.w[1] / 2, L.h[1] / 2) == 0);
	assert_true(green_fraction(mem, L.x[0], L.y[0], L.w[0], L.h[0]) == 0);
	g_object_unref(mem);
	g_object_unref(out);

	/* Half opacity: halfway between the photo and green. */
	p.watermark_opacity = 0.5;
	out = smp_composite_make(&p0, &p1, &p, &error);
	assert_no_gerror(error);
	assert_colour_near(
		out, right - lw + lw / 4, bottom - lh / 2, 60, 177.5, 45);
	g_object_unref(out);

	/* A missing file is an error naming it. */
	p.watermark_image = "/nonexistent/logo.png";
	assert_null(smp_composite_make(&p0, &p1, &p, &error));
	assert_non_null(error);
	assert_non_null(strstr(error->message, "/nonexistent/logo.png"));
	g_clear_error(&error);
	g_object_unref(img);
	g_unlink(logo);
	g_rmdir(dir);
}

/* Each format saves the same geometry, 8-bit sRGB, under its extension;
 * without labels the composite is the photos alone.
 */
static void
test_composite_formats_and_no_labels(void **state)
{
	static const SmpImageFormat formats[] = {
		SMP_FORMAT_JPEG, SMP_FORMAT_PNG, SMP_FORMAT_WEBP};
	static const char *loaders[] = {"jpegload", "pngload", "webpload"};
	g_autofree char *dir = g_dir_make_tmp("smp-fmt-XXXXXX", NULL);
	SmpCompositeLayout L;
	VipsImage *c = make_composite(SMP_LAYOUT_THREE_PANEL, TRUE, &L);
	SmpCompositeParams p;
	GError *error = NULL;

	(void) state;
	smp_composite_params_default(&p);
	for (size_t i = 0; i < G_N_ELEMENTS(formats); i++) {
		g_autofree char *name =
			g_strdup_printf("c.%s", smp_format_extension(formats[i]));
		g_autofree char *path = g_build_filename(dir, name, NULL);
		VipsImage *back;
		const char *loader = NULL;

		p.format = formats[i];
		assert_true(smp_composite_save(c, path, &p, &error));
		assert_no_gerror(error);
		back = vips_image_new_from_file(path, NULL);
		assert_non_null(back);
		assert_int_equal(back->Xsize, L.width);
		assert_int_equal(back->Ysize, L.height);
		assert_int_equal(back->Bands, 3);
		assert_int_equal(back->BandFmt, VIPS_FORMAT_UCHAR);
		assert_int_equal(back->Type, VIPS_INTERPRETATION_sRGB);
		assert_int_equal(
			vips_image_get_string(back, "vips-loader", &loader), 0);
		assert_string_equal(loader, loaders[i]);
		/* PNG is lossless: the pixels come back exactly. */
		if (formats[i] == SMP_FORMAT_PNG) {
			double diff;
			VipsImage *d, *a;

			assert_vips_ok(vips_subtract(c, back, &d, NULL));
			assert_vips_ok(vips_abs(d, &a, NULL));
			assert_vips_ok(vips_max(a, &diff, NULL));
			assert_true(diff == 0);
			g_object_unref(a);
			g_object_unref(d);
		}
		g_object_unref(back);
		g_unlink(path);
	}
	g_rmdir(dir);
	g_object_unref(c);

	smp_composite_params_default(&p);
	p.labels = FALSE;
	p.aligned = TRUE;
	smp_composite_layout(600, 400, 600, 400, &p, &L);
	assert_int_equal(L.bar_height, 0);
	assert_int_equal(L.height, L.h[0]);
	{
		VipsImage *img = flat(600, 400, 210, 160, 130);
		SmpPanel p0 = {.image = img, .title = "BEFORE"};
		VipsImage *out = smp_composite_make(&p0, &p0, &p, &error);

		assert_no_gerror(error);
		assert_int_equal(out->Xsize, L.width);
		assert_int_equal(out->Ysize, L.height);
		/* No dark bar: the bottom row is the photo. */
		assert_colour_near(out, 5, L.height - 1, 210, 160, 130);
		g_object_unref(out);
		g_object_unref(img);
	}
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_composite_watermark_image_in_corner_only),
	cmocka_unit_test(test_composite_formats_and_no_labels),
	cmocka_unit_test(test_composite_empty_caption_and_watermark),
	cmocka_unit_test(test_composite_layout_equal_height_within_long_edge),
	cmocka_unit_test(test_composite_layouts_geometry),
	cmocka_unit_test(test_composite_panels_and_labels_where_expected),
	cmocka_unit_test(test_composite_aligned_has_no_banner),
	cmocka_unit_test(test_composite_three_panel_marks_dots_and_density),
	cmocka_unit_test(test_composite_ghost_and_stacked),
};

SMP_TEST_MAIN("composite", tests)
