/* Tests of the photo module: orientation of the real EXIF examples, safe
 * loading of bad files with reasons, conversion to sRGB, atomic writes.
 * SPDX-License-Identifier: MIT
 */
#include <string.h>

#include <glib.h>
#include <glib/gstdio.h>

#include "test.h"
#include "smpdoc/error.h"
#include "smpdoc/meta.h"
#include "smpdoc/photo.h"

/* Mean absolute difference of two same-sized images, over all bands. */
static double
mean_abs_diff(VipsImage *a, VipsImage *b)
{
	VipsImage *d, *ad;
	double mean;

	assert_int_equal(a->Xsize, b->Xsize);
	assert_int_equal(a->Ysize, b->Ysize);
	assert_vips_ok(vips_subtract(a, b, &d, NULL));
	assert_vips_ok(vips_abs(d, &ad, NULL));
	assert_vips_ok(vips_avg(ad, &mean, NULL));
	g_object_unref(d);
	g_object_unref(ad);
	return mean;
}

static SmpPhoto *
load_ok(const char *path)
{
	GError *error = NULL;
	SmpPhoto *photo = smp_photo_load(path, NULL, &error);

	assert_no_gerror(error);
	assert_non_null(photo);
	return photo;
}

/* Loading @path fails with @code and a message naming the file and
 * containing @reason.
 */
static void
assert_load_fails(
	const char *path, const SmpLoadLimits *limits, int code, const char *reason)
{
	GError *error = NULL;
	SmpPhoto *photo = smp_photo_load(path, limits, &error);

	assert_null(photo);
	assert_non_null(error);
	if (!g_error_matches(error, SMP_ERROR, code))
		fail_msg("%s: expected code %d, got %d: %s", path, code, error->code,
			error->message);
	assert_non_null(strstr(error->message, path));
	if (reason && !strstr(error->message, reason))
		fail_msg("%s: '%s' not in '%s'", path, reason, error->message);
	g_error_free(error);
}

/* All eight EXIF orientations (and the invalid 0) come out equal to the
 * upright reference _1, for landscape and portrait.
 */
static void
test_photo_orientation_examples_come_out_upright(void **state)
{
	static const char *shapes[] = {"Landscape", "Portrait"};

	(void) state;
	for (int s = 0; s < 2; s++) {
		g_autofree char *ref_name =
			g_strdup_printf("exif-orientation/%s_1.jpg", shapes[s]);
		g_autofree char *ref_path = smp_test_shared(ref_name);
		g_autoptr(SmpPhoto) ref = load_ok(ref_path);

		for (int n = 0; n <= 8; n++) {
			g_autofree char *name =
				g_strdup_printf("exif-orientation/%s_%d.jpg", shapes[s], n);
			g_autofree char *path = smp_test_shared(name);
			g_autoptr(SmpPhoto) photo = load_ok(path);
			double diff;

			assert_int_equal(photo->meta->orientation, n == 0 ? 1 : n);
			/* Same picture; only JPEG re-encoding noise differs. */
			diff = mean_abs_diff(photo->image, ref->image);
			if (diff > 4.0)
				fail_msg("%s: mean difference %.2f from the upright "
						 "reference",
					name, diff);
			assert_int_equal(
				vips_image_get_typeof(photo->image, VIPS_META_ORIENTATION), 0);
		}
	}
}

/* A wrong rotation must be caught: the reference rotated by 90° is far
 * from the upright photo, so the test above can fail.
 */
static void
test_photo_orientation_check_detects_wrong_rotation(void **state)
{
	g_autofree char *path = smp_test_shared("exif-orientation/Landscape_3.jpg");
	g_autofree char *ref_path =
		smp_test_shared("exif-orientation/Landscape_1.jpg");
	g_autoptr(SmpPhoto) photo = load_ok(path);
	g_autoptr(SmpPhoto) ref = load_ok(ref_path);
	VipsImage *rot;

	(void) state;
	assert_vips_ok(vips_rot(photo->image, &rot, VIPS_ANGLE_D180, NULL));
	assert_true(mean_abs_diff(rot, ref->image) > 20.0);
	g_object_unref(rot);
}

static void
test_photo_loads_as_srgb_uchar_three_bands(void **state)
{
	/* Grey 16-bit, RGBA 16-bit, palette and grey+alpha from PngSuite. */
	static const char *names[] = {"pngsuite-corrupt/basn0g16.png",
		"pngsuite-corrupt/basn6a16.png", "pngsuite-corrupt/basi3p08.png",
		"exif-samples/gps/DSCN0010.jpg"};

	(void) state;
	for (size_t i = 0; i < G_N_ELEMENTS(names); i++) {
		g_autofree char *path = smp_test_shared(names[i]);
		g_autoptr(SmpPhoto) photo = load_ok(path);

		assert_int_equal(photo->image->Bands, 3);
		assert_int_equal(photo->image->BandFmt, VIPS_FORMAT_UCHAR);
		assert_int_equal(photo->image->Type, VIPS_INTERPRETATION_sRGB);
	}
}

static void
test_photo_bad_files_fail_with_reason(void **state)
{
	g_autofree char *empty = smp_test_shared("hostile-generated/empty.jpg");
	g_autofree char *text = smp_test_shared("hostile-generated/text-named.jpg");
	g_autofree char *bomb =
		smp_test_shared("hostile-generated/bomb-60000x60000.png");
	g_autofree char *trunc =
		smp_test_shared("hostile-generated/truncated-60k.jpg");
	g_autofree char *dir = smp_test_shared("hostile-generated");
	g_autofree char *missing = smp_test_shared("no-such-photo.jpg");

	(void) state;
	assert_load_fails(empty, NULL, SMP_ERROR_CORRUPT, "empty file");
	assert_load_fails(text, NULL, SMP_ERROR_UNSUPPORTED, "not an image");
	assert_load_fails(bomb, NULL, SMP_ERROR_LIMIT, "megapixel");
	assert_load_fails(trunc, NULL, SMP_ERROR_CORRUPT, NULL);
	assert_load_fails(dir, NULL, SMP_ERROR_IO, "directory");
	assert_load_fails(missing, NULL, SMP_ERROR_IO, "No such file");
}

/* The message loading @path gives, on this thread. */
static char *
load_message(const char *path)
{
	GError *error = NULL;
	SmpPhoto *photo = smp_photo_load(path, NULL, &error);
	char *message;

	assert_null(photo);
	assert_non_null(error);
	message = g_strdup(error->message);
	g_error_free(error);
	return message;
}

typedef struct {
	const char *path;
	const char *want;
	int rounds;
	int wrong;
	char *first_wrong;
} LoadRace;

static gpointer
race_loader(gpointer data)
{
	LoadRace *r = data;

	for (int i = 0; i < r->rounds; i++) {
		char *got = load_message(r->path);

		if (strcmp(got, r->want) && !r->wrong++)
			r->first_wrong = g_strdup(got);
		g_free(got);
	}
	return NULL;
}

/* What another batch worker does meanwhile: drops handled libvips
 * failures of its own (a file that is not an image), clearing the
 * process's one error buffer again and again.
 */
static gpointer
race_clearer(gpointer data)
{
	const char *text = data;

	for (int i = 0; i < 2000; i++) {
		GError *error = NULL;
		VipsImage *image = smp_photo_open(text, NULL, &error);

		assert_null(image);
		g_clear_error(&error);
		smp_vips_error_clear();
	}
	return NULL;
}

/* A batch loads photos on several threads, and libvips has one error
 * buffer per process: a truncated photo's reason must still be its own
 * and the same as when it is loaded alone, never "unknown", never
 * another file's.
 */
static void
test_photo_load_errors_are_per_file_under_threads(void **state)
{
	g_autofree char *dir = smp_test_tmpdir();
	g_autofree char *whole =
		smp_test_shared("exif-orientation/Landscape_1.jpg");
	g_autofree char *text = smp_test_shared("hostile-generated/text-named.jpg");
	g_autofree char *short_jpeg = g_build_filename(dir, "short.jpg", NULL);
	g_autofree char *contents = NULL;
	gsize len;
	LoadRace race[2] = {{.path = short_jpeg, .rounds = 300}, {.rounds = 300}};
	GThread *thread[3];

	(void) state;
	race[1].path = smp_test_shared("hostile-generated/truncated-60k.jpg");
	assert_true(g_file_get_contents(whole, &contents, &len, NULL));
	assert_true(len > 100);
	assert_true(g_file_set_contents(short_jpeg, contents, 100, NULL));
	for (int i = 0; i < 2; i++)
		race[i].want = load_message(race[i].path);
	assert_non_null(strstr(race[0].want, "Premature end"));
	assert_string_not_equal(race[0].want, race[1].want);

	thread[0] = g_thread_new("load-a", race_loader, &race[0]);
	thread[1] = g_thread_new("load-b", race_loader, &race[1]);
	thread[2] = g_thread_new("clear", race_clearer, text);
	for (int i = 0; i < 3; i++)
		g_thread_join(thread[i]);
	for (int i = 0; i < 2; i++) {
		if (race[i].wrong)
			fail_msg("%s: %d of %d loads said '%s', alone it says '%s'",
				race[i].path, race[i].wrong, race[i].rounds,
				race[i].first_wrong, race[i].want);
		g_free((char *) race[i].want);
	}
	g_free((char *) race[1].path);
	smp_test_rmtree(dir);
}

/* CRC-32 of PNG chunks (ISO 3309), enough to forge a valid header. */
static guint32
crc32_png(const guint8 *p, gsize n)
{
	guint32 c = 0xffffffffu;

	for (gsize i = 0; i < n; i++) {
		c ^= p[i];
		for (int k = 0; k < 8; k++)
			c = (c >> 1) ^ (0xedb88320u & (0u - (c & 1u)));
	}
	return c ^ 0xffffffffu;
}

static void
put_be32(guint8 *p, guint32 v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
}

/* A PNG whose header declares 50000×50000 with almost no data must be
 * refused from the header, before decoding.
 */
static void
test_photo_huge_declared_png_refused_from_header(void **state)
{
	g_autofree char *dir = smp_test_tmpdir();
	g_autofree char *path = g_build_filename(dir, "huge.png", NULL);
	guint8 png[8 + 25 + 12 + 12];
	static const guint8 sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
	guint8 *ihdr = png + 8;

	(void) state;
	memcpy(png, sig, 8);
	put_be32(ihdr, 13);
	memcpy(ihdr + 4, "IHDR", 4);
	put_be32(ihdr + 8, 50000);
	put_be32(ihdr + 12, 50000);
	ihdr[16] = 8; /* depth */
	ihdr[17] = 2; /* RGB */
	ihdr[18] = ihdr[19] = ihdr[20] = 0;
	put_be32(ihdr + 21, crc32_png(ihdr + 4, 17));
	/* An empty IDAT: the header is complete, the pixels are not there. */
	put_be32(ihdr + 25, 0);
	memcpy(ihdr + 29, "IDAT", 4);
	put_be32(ihdr + 33, crc32_png(ihdr + 29, 4));
	put_be32(ihdr + 37, 0);
	memcpy(ihdr + 41, "IEND", 4);
	put_be32(ihdr + 45, crc32_png(ihdr + 41, 4));
	assert_true(g_file_set_contents(path, (char *) png, sizeof(png), NULL));
	assert_load_fails(path, NULL, SMP_ERROR_LIMIT, "50000x50000");
	smp_test_rmtree(dir);
}

static void
test_photo_limits_are_applied(void **state)
{
	g_autofree char *path = smp_test_shared("exif-orientation/Landscape_1.jpg");
	SmpLoadLimits limits;

	(void) state;
	smp_load_limits_default(&limits);
	limits.max_pixels = 1000000; /* the photo is 2.16 MP */
	assert_load_fails(path, &limits, SMP_ERROR_LIMIT, "--max-megapixels");
	smp_load_limits_default(&limits);
	limits.max_file_bytes = 1000;
	assert_load_fails(path, &limits, SMP_ERROR_LIMIT, "--max-file-mb");
}

/* Every corrupt PngSuite file and every invalid JPEG ends in a photo or a
 * clear error, never a crash; the x* PNGs are all corrupt.
 */
static void
test_photo_corrupt_collections_fail_cleanly(void **state)
{
	static const char *dirs[] = {"pngsuite-corrupt", "exif-samples/invalid",
		"exif-samples/bugs", "hostile-generated"};
	int refused = 0;

	(void) state;
	for (size_t d = 0; d < G_N_ELEMENTS(dirs); d++) {
		g_autofree char *dir = smp_test_shared(dirs[d]);
		GDir *gd = g_dir_open(dir, 0, NULL);
		const char *name;

		assert_non_null(gd);
		while ((name = g_dir_read_name(gd))) {
			g_autofree char *path = g_build_filename(dir, name, NULL);
			GError *error = NULL;
			SmpPhoto *photo = smp_photo_load(path, NULL, &error);

			if (photo) {
				assert_null(error);
				assert_int_equal(photo->image->Bands, 3);
				if (name[0] == 'x' && d == 0)
					fail_msg("%s: corrupt PNG was accepted", path);
				smp_photo_free(photo);
			}
			else {
				assert_non_null(error);
				assert_non_null(strstr(error->message, path));
				g_error_free(error);
				refused++;
			}
		}
		g_dir_close(gd);
	}
	assert_true(refused >= 20);
}

static int
count_entries(const char *dir)
{
	GDir *gd = g_dir_open(dir, 0, NULL);
	int n = 0;

	assert_non_null(gd);
	while (g_dir_read_name(gd))
		n++;
	g_dir_close(gd);
	return n;
}

static void
test_photo_save_atomic_leaves_only_the_result(void **state)
{
	g_autofree char *dir = smp_test_tmpdir();
	g_autofree char *path = g_build_filename(dir, "out.jpg", NULL);
	g_autofree char *with_opts = g_strdup_printf("%s[Q=80]", path);
	g_autofree char *bad = g_build_filename(dir, "missing", "out.jpg", NULL);
	VipsImage *img;
	GError *error = NULL;

	(void) state;
	assert_vips_ok(vips_black(&img, 64, 48, "bands", 3, NULL));
	assert_true(smp_photo_save_atomic(img, with_opts, &error));
	assert_no_gerror(error);
	assert_true(g_file_test(path, G_FILE_TEST_IS_REGULAR));
	assert_int_equal(count_entries(dir), 1);

	assert_false(smp_photo_save_atomic(img, bad, &error));
	assert_non_null(error);
	assert_non_null(strstr(error->message, bad));
	g_clear_error(&error);
	assert_int_equal(count_entries(dir), 1);
	g_object_unref(img);
	smp_test_rmtree(dir);
}

static void
test_photo_file_write_atomic_replaces_whole(void **state)
{
	g_autofree char *dir = smp_test_tmpdir();
	g_autofree char *path = g_build_filename(dir, "x.json", NULL);
	g_autofree char *got = NULL;
	GError *error = NULL;

	(void) state;
	assert_true(smp_file_write_atomic(path, "first", 5, &error));
	assert_true(smp_file_write_atomic(path, "second", 6, &error));
	assert_no_gerror(error);
	assert_true(g_file_get_contents(path, &got, NULL, NULL));
	assert_string_equal(got, "second");
	assert_int_equal(count_entries(dir), 1);
	smp_test_rmtree(dir);
}

/* An SVG is a format libvips can read, through a loader it marks
 * untrusted (smp_photo_startup() blocks those); smp_photo_open() refuses
 * it before any loader, librsvg's or ImageMagick's sniffer, sees it.
 */
static void
test_photo_untrusted_loaders_blocked(void **state)
{
	static const char svg[] =
		"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"64\" "
		"height=\"64\"><rect width=\"64\" height=\"64\"/></svg>\n";
	g_autofree char *dir = smp_test_tmpdir();
	g_autofree char *path = g_build_filename(dir, "drawing.svg", NULL);
	g_autoptr(GError) error = NULL;
	const char *unblocked;
	VipsImage *image;

	(void) state;
	assert_true(g_file_set_contents(path, svg, -1, NULL));
	vips_block_untrusted_set(FALSE);
	unblocked = vips_foreign_find_load(path);
	vips_error_clear();
	smp_photo_startup();
	/* The test means something only where libvips has an SVG loader. */
	assert_non_null(unblocked);
	assert_string_equal(unblocked, "VipsForeignLoadSvgFile");
	image = smp_photo_open(path, NULL, &error);
	assert_null(image);
	assert_non_null(error);
	assert_non_null(strstr(error->message,
		"drawing.svg: load: not an image in a supported format"));
	smp_test_rmtree(dir);
}

static void
test_photo_temp_names_recognised(void **state)
{
	(void) state;
	assert_true(smp_photo_is_temp_name(".top-s0-s1.jpg.a1B2c3.jpg"));
	assert_true(smp_photo_is_temp_name(".top-s1.json.Zz09aa"));
	assert_false(smp_photo_is_temp_name("top-s1.json"));
	assert_false(smp_photo_is_temp_name(".hidden"));
	assert_false(smp_photo_is_temp_name(".top.json.abc"));
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_photo_temp_names_recognised),
	cmocka_unit_test(test_photo_untrusted_loaders_blocked),
	cmocka_unit_test(test_photo_orientation_examples_come_out_upright),
	cmocka_unit_test(test_photo_orientation_check_detects_wrong_rotation),
	cmocka_unit_test(test_photo_loads_as_srgb_uchar_three_bands),
	cmocka_unit_test(test_photo_bad_files_fail_with_reason),
	cmocka_unit_test(test_photo_load_errors_are_per_file_under_threads),
	cmocka_unit_test(test_photo_huge_declared_png_refused_from_header),
	cmocka_unit_test(test_photo_limits_are_applied),
	cmocka_unit_test(test_photo_corrupt_collections_fail_cleanly),
	cmocka_unit_test(test_photo_save_atomic_leaves_only_the_result),
	cmocka_unit_test(test_photo_file_write_atomic_replaces_whole),
};

SMP_TEST_MAIN("photo", tests)
