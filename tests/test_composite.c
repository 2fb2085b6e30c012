/* Tests of composites: layout geometry, panel placement, label text
 * present, and the NOT ALIGNED banner exactly when unaligned.
 * SPDX-License-Identifier: MIT
 */
#include <math.h>
#include <stdlib.h>

#include <glib.h>

#include "test.h"
#include "smpdoc/composite.h"
#include "smpdoc/photo.h"

static VipsImage *
flat(int w, int h, double r, double g, double b)
{
	double zero[3] = {0, 0, 0}, rgb[3] = {r, g, b};
	VipsImage *black, *out;

	assert_vips_ok(vips_black(&black, w, h, "bands", 3, NULL));
	assert_vips_ok(vips_linear(black, &out, zero, rgb, 3, "uchar", TRUE,
		NULL));
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
	assert_true(L.width <= 1000);
	assert_int_equal(L.width, L.panel_width[0] + L.gap + L.panel_width[1]);
	/* Aspect ratios kept within a pixel at equal height. */
	assert_true(abs(L.panel_width[0] - L.panel_height * 4 / 3) <= 1);
	assert_true(abs(L.panel_width[1] - L.panel_height * 3 / 4) <= 1);
	assert_true(L.bar_height >= 3 * SMP_LABEL_MIN_PX);
	assert_int_equal(L.banner_height, L.bar_height);
	p.aligned = TRUE;
	smp_composite_layout(4000, 3000, 3000, 4000, &p, &L);
	assert_int_equal(L.banner_height, 0);
	assert_int_equal(L.height, L.panel_height + L.bar_height);

	/* Small photos are not blown up. */
	smp_composite_layout(300, 200, 300, 200, &p, &L);
	assert_int_equal(L.panel_height, 200);
}

static VipsImage *
make_composite(gboolean aligned, SmpCompositeLayout *L)
{
	VipsImage *before = flat(600, 400, 210, 160, 130);
	VipsImage *after = flat(500, 500, 90, 60, 50);
	SmpPanel p0 = {before, "BEFORE", "session 0 · 2025-01-01 · top"};
	SmpPanel p1 = {after, "AFTER", "session 1 · 2025-03-01 · top"};
	SmpCompositeParams p;
	GError *error = NULL;
	VipsImage *out, *mem;

	smp_composite_params_default(&p);
	p.long_edge_px = 800;
	p.aligned = aligned;
	smp_composite_layout(600, 400, 500, 500, &p, L);
	out = smp_composite_side_by_side(&p0, &p1, &p, &error);
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
	VipsImage *c = make_composite(FALSE, &L);
	int top = L.banner_height;
	int bar_top = top + L.panel_height;
	int x1 = L.panel_width[0] + L.gap;

	(void) state;
	assert_int_equal(c->Xsize, L.width);
	assert_int_equal(c->Ysize, L.height);
	assert_int_equal(c->Bands, 3);
	/* Panel centres carry their photo's colour. */
	assert_colour_near(c, L.panel_width[0] / 2, top + L.panel_height / 2, 210,
		160, 130);
	assert_colour_near(c, x1 + L.panel_width[1] / 2, top + L.panel_height / 2,
		90, 60, 50);
	/* Label bars hold text (bright ink on the dark bar), the panels none. */
	assert_true(value_range(c, 0, bar_top, L.panel_width[0], L.bar_height) >
		150);
	assert_true(value_range(c, x1, bar_top, L.panel_width[1], L.bar_height) >
		150);
	assert_true(value_range(c, 8, top + 8, L.panel_width[0] - 16,
					L.panel_height - 16) < 3);
	/* The banner is red and carries text. */
	assert_colour_near(c, 2, 2, 178, 24, 24);
	assert_true(value_range(c, 0, 0, L.width, L.banner_height) > 150);
	g_object_unref(c);
}

static void
test_composite_aligned_has_no_banner(void **state)
{
	SmpCompositeLayout L;
	VipsImage *c = make_composite(TRUE, &L);

	(void) state;
	assert_int_equal(c->Ysize, L.panel_height + L.bar_height);
	assert_colour_near(c, 2, 2, 210, 160, 130);
	g_object_unref(c);
}

/* Empty or missing captions are drawn as title only, not an error. */
static void
test_composite_empty_caption_is_fine(void **state)
{
	VipsImage *img = flat(200, 150, 120, 100, 90);
	SmpPanel p0 = {img, "BEFORE", ""};
	SmpPanel p1 = {img, "AFTER", NULL};
	SmpCompositeParams p;
	GError *error = NULL;
	VipsImage *out;
	double avg;

	(void) state;
	smp_composite_params_default(&p);
	out = smp_composite_side_by_side(&p0, &p1, &p, &error);
	assert_no_gerror(error);
	assert_vips_ok(vips_avg(out, &avg, NULL));
	g_object_unref(out);
	g_object_unref(img);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_composite_empty_caption_is_fine),
	cmocka_unit_test(test_composite_layout_equal_height_within_long_edge),
	cmocka_unit_test(test_composite_panels_and_labels_where_expected),
	cmocka_unit_test(test_composite_aligned_has_no_banner),
};

SMP_TEST_MAIN("composite", tests)
