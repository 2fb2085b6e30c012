/* Tests of the meta module: orientation from IFD0, capture time, camera,
 * identifying fields, and damaged EXIF turned into warnings.
 * SPDX-License-Identifier: MIT
 */
#include <string.h>

#include <glib.h>

#include "test.h"
#include "smpdoc/error.h"
#include "smpdoc/meta.h"
#include "smpdoc/photo.h"

static SmpMeta *
read_shared(const char *relative)
{
	g_autofree char *path = smp_test_shared(relative);
	GError *error = NULL;
	VipsImage *image = smp_photo_open(path, NULL, &error);
	SmpMeta *meta;

	assert_no_gerror(error);
	meta = smp_meta_read(image, path);
	g_object_unref(image);
	return meta;
}

static void
test_meta_orientation_read_for_all_values(void **state)
{
	(void) state;
	for (int n = 0; n <= 8; n++) {
		g_autofree char *name =
			g_strdup_printf("exif-orientation/Portrait_%d.jpg", n);
		g_autoptr(SmpMeta) meta = read_shared(name);

		assert_int_equal(meta->orientation_raw, n);
		assert_int_equal(meta->orientation, n == 0 ? 1 : n);
		/* 0 is outside 1..8: applied as 1, with a warning. */
		assert_int_equal(
			smp_warnings_has(meta->warnings, "bad_orientation"), n == 0);
	}
}

static void
test_meta_orientation_9_warns_and_is_upright(void **state)
{
	g_autoptr(SmpMeta) meta =
		read_shared("hostile-generated/orientation-9.jpg");

	(void) state;
	assert_int_equal(meta->orientation, 1);
	assert_int_equal(meta->orientation_raw, 9);
	assert_true(smp_warnings_has(meta->warnings, "bad_orientation"));
}

static void
test_meta_camera_gps_and_time(void **state)
{
	g_autoptr(SmpMeta) gps = read_shared("exif-samples/gps/DSCN0010.jpg");
	g_autoptr(SmpMeta) canon = read_shared("exif-samples/camera/Canon_40D.jpg");
	g_autoptr(SmpMeta) plain = read_shared("pngsuite-corrupt/basn0g16.png");

	(void) state;
	assert_true(gps->has_exif);
	assert_true(gps->has_gps);
	assert_true(gps->has_thumbnail);
	assert_true(gps->has_makernote);
	assert_string_equal(gps->taken, "2008-10-22T16:28:39");
	assert_string_equal(gps->make, "NIKON");
	assert_non_null(strstr(gps->model, "COOLPIX"));

	/* Its GPS IFD holds only a version number, no position. */
	assert_false(canon->has_gps);
	assert_string_equal(canon->make, "Canon");
	assert_string_equal(canon->model, "Canon EOS 40D");
	assert_non_null(canon->taken);

	assert_false(plain->has_exif);
	assert_null(plain->taken);
	assert_int_equal(plain->orientation, 1);
	assert_int_equal(plain->warnings->len, 0);
}

/* Absurd IFD counts and offsets: defaults and no crash. */
static void
test_meta_hostile_exif_gives_defaults(void **state)
{
	static const char *names[] = {"hostile-generated/exif-ifd0-count-65535.jpg",
		"hostile-generated/exif-ifd0-offset-past-end.jpg"};

	(void) state;
	for (size_t i = 0; i < G_N_ELEMENTS(names); i++) {
		g_autoptr(SmpMeta) meta = read_shared(names[i]);

		assert_true(meta->orientation >= 1 && meta->orientation <= 8);
	}
}

static void
test_meta_implausible_blob_sizes_warn(void **state)
{
	g_autoptr(SmpMeta) meta = smp_meta_new();
	static const char tiny[3] = {1, 2, 3};

	(void) state;
	smp_meta_parse_exif(meta, tiny, sizeof(tiny), "x.jpg");
	assert_true(smp_warnings_has(meta->warnings, "exif_corrupt"));
	assert_false(meta->has_exif);
	assert_int_equal(meta->orientation, 1);
}

/* Random and bit-flipped blobs (seeded) never crash and always leave an
 * orientation in 1..8.
 */
static void
test_meta_random_blobs_never_crash(void **state)
{
	g_autofree char *path = smp_test_shared("exif-samples/gps/DSCN0010.jpg");
	uint64_t rng = smp_test_seed(20261125);
	VipsImage *image = smp_photo_open(path, NULL, NULL);
	const void *blob;
	size_t len;

	(void) state;
	assert_non_null(image);
	assert_vips_ok(
		vips_image_get_blob(image, VIPS_META_EXIF_NAME, &blob, &len));
	for (int round = 0; round < 400; round++) {
		g_autofree guint8 *copy = g_memdup2(blob, len);
		g_autoptr(SmpMeta) meta = smp_meta_new();
		int flips = 1 + (int) (smp_test_rand(&rng) % 16);
		size_t cut = len - smp_test_rand(&rng) % (len / 2);

		for (int f = 0; f < flips; f++)
			copy[6 + smp_test_rand(&rng) % (len - 6)] ^=
				(guint8) (1u << (smp_test_rand(&rng) % 8));
		smp_meta_parse_exif(meta, copy, round % 2 ? cut : len, "fuzz.jpg");
		assert_true(meta->orientation >= 1 && meta->orientation <= 8);
	}
	g_object_unref(image);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_meta_orientation_read_for_all_values),
	cmocka_unit_test(test_meta_orientation_9_warns_and_is_upright),
	cmocka_unit_test(test_meta_camera_gps_and_time),
	cmocka_unit_test(test_meta_hostile_exif_gives_defaults),
	cmocka_unit_test(test_meta_implausible_blob_sizes_warn),
	cmocka_unit_test(test_meta_random_blobs_never_crash),
};

SMP_TEST_MAIN("meta", tests)
