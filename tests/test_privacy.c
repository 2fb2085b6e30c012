/* Tests of the consent gate, pseudonyms and output metadata: an input
 * carrying GPS, serial number, owner name, maker notes, a thumbnail, XMP
 * and IPTC (built here with libexif and libvips) leaves none of them in a
 * portfolio output, read back with libexif and libvips; clinical outputs
 * keep the capture date and drop the rest.
 * SPDX-License-Identifier: MIT
 */
#include <string.h>

#include <libexif/exif-data.h>
#include <libexif/exif-utils.h>
#include <glib.h>
#include <glib/gstdio.h>

#include "test.h"
#include "smpdoc/error.h"
#include "smpdoc/meta.h"
#include "smpdoc/photo.h"
#include "smpdoc/pipeline.h"
#include "smpdoc/privacy.h"

static SmpPipeline *
pipeline(const char *text)
{
	GError *error = NULL;
	SmpPipeline *p =
		smp_pipeline_parse(text, strlen(text), "t.pipeline", &error);

	assert_no_gerror(error);
	return p;
}

static const char portfolio_text[] =
	"[output]\npurpose=portfolio\n[consent]\nrequire=marketing\n";

static void
test_privacy_pseudonym_is_the_keyed_hash(void **state)
{
	g_autofree char *p = NULL;
	g_autofree char *again = NULL;
	g_autofree char *other_key = NULL;
	g_autofree char *other_client = NULL;

	(void) state;
	/* RFC 4231 test case 2: HMAC-SHA-256("Jefe", "what do ya want for
	 * nothing?") = 5bdcc146bf60754e6a042426089575c7...
	 */
	p = smp_privacy_pseudonym("Jefe", "what do ya want for nothing?");
	assert_string_equal(p, "p5bdcc146bf60754e");
	again = smp_privacy_pseudonym("Jefe", "what do ya want for nothing?");
	assert_string_equal(p, again);
	other_key = smp_privacy_pseudonym("jefe", "what do ya want for nothing?");
	other_client = smp_privacy_pseudonym("Jefe", "what do ya want for nothing");
	assert_string_not_equal(p, other_key);
	assert_string_not_equal(p, other_client);
}

static void
test_privacy_secret_from_env_or_file_or_refused(void **state)
{
	g_autoptr(SmpPipeline) p = pipeline(portfolio_text);
	g_autofree char *dir = smp_test_tmpdir();
	g_autofree char *file = g_build_filename(dir, "secret", NULL);
	GError *error = NULL;
	char *s;

	(void) state;
	g_unsetenv(SMP_PSEUDONYM_SECRET_ENV);
	assert_null(smp_privacy_secret(p, &error));
	assert_true(g_error_matches(error, SMP_ERROR, SMP_ERROR_CONFIG));
	assert_non_null(strstr(error->message, SMP_PSEUDONYM_SECRET_ENV));
	g_clear_error(&error);

	g_setenv(SMP_PSEUDONYM_SECRET_ENV, "too short", TRUE);
	assert_null(smp_privacy_secret(p, &error));
	g_clear_error(&error);

	g_setenv(SMP_PSEUDONYM_SECRET_ENV, "a clinic secret of enough bytes", TRUE);
	s = smp_privacy_secret(p, &error);
	assert_no_gerror(error);
	assert_string_equal(s, "a clinic secret of enough bytes");
	g_free(s);

	/* The variable unset: the file, without its line end. */
	g_unsetenv(SMP_PSEUDONYM_SECRET_ENV);
	assert_true(g_file_set_contents(file, "0123456789abcdef0123\n", -1, NULL));
	p->pseudonym_secret_file = g_strdup(file);
	s = smp_privacy_secret(p, &error);
	assert_no_gerror(error);
	assert_string_equal(s, "0123456789abcdef0123");
	g_free(s);
	smp_test_rmtree(dir);
}

static void
test_privacy_consent_levels(void **state)
{
	g_autoptr(SmpPipeline) portfolio = pipeline(portfolio_text);
	g_autoptr(SmpPipeline) clinical = pipeline("[consent]\nrequire=clinical\n");
	g_autoptr(SmpPipeline) none = smp_pipeline_new_default();
	g_autofree char *why = smp_consent_refusal(portfolio, 1);

	(void) state;
	assert_string_equal(why, "consent is clinical, marketing required");
	assert_null(smp_consent_refusal(portfolio, 2));
	assert_null(smp_consent_refusal(clinical, 2));
	assert_null(smp_consent_refusal(clinical, 1));
	g_free(why);
	why = smp_consent_refusal(clinical, 0);
	assert_non_null(why);
	for (int c = 0; c < 3; c++)
		assert_null(smp_consent_refusal(none, c));
}

static void
test_privacy_portfolio_pipeline_cannot_lower_consent(void **state)
{
	const char *text = "[output]\npurpose=portfolio\n[consent]\nrequire=none\n";
	GError *error = NULL;

	(void) state;
	assert_null(smp_pipeline_parse(text, strlen(text), "t.pipeline", &error));
	assert_non_null(strstr(error->message, "require=marketing"));
	g_clear_error(&error);
}

static ExifEntry *
put(ExifData *ed, ExifIfd ifd, ExifTag tag)
{
	ExifEntry *e = exif_entry_new();

	exif_content_add_entry(ed->ifd[ifd], e);
	exif_entry_initialize(e, tag);
	exif_entry_unref(e);
	return e;
}

static void
put_ascii(ExifData *ed, ExifIfd ifd, ExifTag tag, const char *text)
{
	ExifEntry *e = exif_entry_new();
	size_t n = strlen(text) + 1;

	e->tag = tag;
	e->format = EXIF_FORMAT_ASCII;
	e->components = n;
	e->size = n;
	e->data = malloc(n);
	memcpy(e->data, text, n);
	exif_content_add_entry(ed->ifd[ifd], e);
	exif_entry_unref(e);
}

static void
put_undefined(ExifData *ed, ExifIfd ifd, ExifTag tag, const char *bytes)
{
	ExifEntry *e = exif_entry_new();
	size_t n = strlen(bytes);

	e->tag = tag;
	e->format = EXIF_FORMAT_UNDEFINED;
	e->components = n;
	e->size = n;
	e->data = malloc(n);
	memcpy(e->data, bytes, n);
	exif_content_add_entry(ed->ifd[ifd], e);
	exif_entry_unref(e);
}

static void
put_rationals(ExifData *ed, ExifTag tag, double a, double b, double c)
{
	ExifEntry *e = exif_entry_new();
	ExifRational r[3] = {
		{(ExifLong) a, 1}, {(ExifLong) b, 1}, {(ExifLong) c, 1}};

	e->tag = tag;
	e->format = EXIF_FORMAT_RATIONAL;
	e->components = 3;
	e->size = 3 * 8;
	e->data = malloc(e->size);
	for (int i = 0; i < 3; i++)
		exif_set_rational(e->data + 8 * i, exif_data_get_byte_order(ed), r[i]);
	exif_content_add_entry(ed->ifd[EXIF_IFD_GPS], e);
	exif_entry_unref(e);
}

/* An EXIF block with every identifying thing we know of, and @thumb (a
 * small JPEG) as its thumbnail.
 */
static unsigned char *
identifying_exif(const void *thumb, size_t thumb_len, unsigned int *len)
{
	ExifData *ed = exif_data_new();
	unsigned char *blob = NULL;
	ExifEntry *o;

	exif_data_set_byte_order(ed, EXIF_BYTE_ORDER_INTEL);
	o = put(ed, EXIF_IFD_0, EXIF_TAG_ORIENTATION);
	exif_set_short(o->data, EXIF_BYTE_ORDER_INTEL, 1);
	put_ascii(ed, EXIF_IFD_0, EXIF_TAG_MAKE, "SMPCam");
	put_ascii(
		ed, EXIF_IFD_EXIF, EXIF_TAG_DATE_TIME_ORIGINAL, "2024:03:04 10:11:12");
	put_ascii(ed, EXIF_IFD_EXIF, EXIF_TAG_BODY_SERIAL_NUMBER, "SN-424242");
	put_ascii(ed, EXIF_IFD_EXIF, EXIF_TAG_CAMERA_OWNER_NAME, "Jane Client");
	put_undefined(ed, EXIF_IFD_EXIF, EXIF_TAG_MAKER_NOTE, "SMPCAM\0notes");
	put_ascii(ed, EXIF_IFD_GPS, EXIF_TAG_GPS_LATITUDE_REF, "N");
	put_rationals(ed, EXIF_TAG_GPS_LATITUDE, 48, 51, 24);
	put_ascii(ed, EXIF_IFD_GPS, EXIF_TAG_GPS_LONGITUDE_REF, "E");
	put_rationals(ed, EXIF_TAG_GPS_LONGITUDE, 2, 21, 3);
	ed->data = malloc(thumb_len);
	memcpy(ed->data, thumb, thumb_len);
	ed->size = thumb_len;
	exif_data_save_data(ed, &blob, len);
	exif_data_unref(ed);
	return blob;
}

/* A JPEG at @path carrying GPS, serial, owner, maker note, thumbnail,
 * XMP, IPTC and a capture date; checked with smp_meta_read().
 */
static void
write_identifying_photo(const char *path)
{
	static const char xmp[] =
		"<x:xmpmeta xmlns:x='adobe:ns:meta/'><rdf:RDF xmlns:rdf='http://"
		"www.w3.org/1999/02/22-rdf-syntax-ns#'><rdf:Description "
		"xmlns:dc='http://purl.org/dc/elements/1.1/'><dc:creator>Jane "
		"Client</dc:creator></rdf:Description></rdf:RDF></x:xmpmeta>";
	/* An APP13 payload: Photoshop image resource 0x0404 holding the
	 * IPTC-IIM record 2:80 By-line "Jane Client" (16 bytes).
	 */
	static const unsigned char iptc[] = {'P', 'h', 'o', 't', 'o', 's', 'h', 'o',
		'p', ' ', '3', '.', '0', 0, '8', 'B', 'I', 'M', 0x04, 0x04, 0, 0, 0, 0,
		0, 16, 0x1c, 0x02, 0x50, 0x00, 0x0b, 'J', 'a', 'n', 'e', ' ', 'C', 'l',
		'i', 'e', 'n', 't'};
	g_autoptr(VipsImage) black = NULL;
	g_autoptr(VipsImage) img = NULL;
	void *thumb = NULL;
	size_t thumb_len;
	unsigned int len;
	unsigned char *exif;
	g_autoptr(VipsImage) back = NULL;
	g_autoptr(SmpMeta) m = NULL;

	assert_vips_ok(vips_black(&black, 96, 64, "bands", 3, NULL));
	assert_vips_ok(vips_cast_uchar(black, &img, NULL));
	img->Type = VIPS_INTERPRETATION_sRGB;
	assert_vips_ok(
		vips_jpegsave_buffer(img, &thumb, &thumb_len, "strip", TRUE, NULL));
	exif = identifying_exif(thumb, thumb_len, &len);
	vips_image_set_blob_copy(img, VIPS_META_EXIF_NAME, exif, len);
	vips_image_set_blob_copy(img, VIPS_META_XMP_NAME, xmp, sizeof(xmp) - 1);
	vips_image_set_blob_copy(img, VIPS_META_IPTC_NAME, iptc, sizeof(iptc));
	assert_vips_ok(vips_image_write_to_file(img, path, NULL));
	free(exif);
	g_free(thumb);

	back = vips_image_new_from_file(path, NULL);
	m = smp_meta_read(back, path);
	assert_true(m->has_gps && m->has_serial && m->has_makernote &&
		m->has_thumbnail && m->has_xmp && m->has_iptc);
	assert_string_equal(m->taken, "2024-03-04T10:11:12");
}

static VipsImage *
open_image(const char *path)
{
	VipsImage *im = vips_image_new_from_file(path, NULL);

	assert_non_null(im);
	return im;
}

/* A portfolio output of format @ext (jpg, png, webp) from a photo with
 * every identifying field.
 */
static void
portfolio_output_has_only_the_icc_profile(const char *ext)
{
	g_autofree char *dir = smp_test_tmpdir();
	g_autofree char *in = g_build_filename(dir, "in.jpg", NULL);
	g_autofree char *name = g_strconcat("out.", ext, NULL);
	g_autofree char *out = g_build_filename(dir, name, NULL);
	g_autoptr(SmpPipeline) p = pipeline(portfolio_text);
	g_autoptr(VipsImage) src = NULL;
	g_autoptr(VipsImage) back = NULL;
	g_autoptr(SmpMeta) m = NULL;
	g_auto(GStrv) fields = NULL;
	GError *error = NULL;
	ExifData *ed;

	write_identifying_photo(in);
	/* The image handed over still carries every field of the input. */
	src = open_image(in);
	assert_true(smp_privacy_save(src, out, 90, p, in, &error));
	assert_no_gerror(error);

	/* libexif: nothing at all. */
	ed = exif_data_new_from_file(out);
	if (ed) {
		for (int i = 0; i < EXIF_IFD_COUNT; i++)
			assert_int_equal(ed->ifd[i]->count, 0);
		assert_null(ed->data);
		exif_data_unref(ed);
	}
	/* libvips: format fields and the ICC profile only. */
	back = open_image(out);
	fields = vips_image_get_fields(back);
	for (int i = 0; fields[i]; i++)
		assert_true(!g_str_has_prefix(fields[i], "exif") &&
			strcmp(fields[i], VIPS_META_XMP_NAME) != 0 &&
			strcmp(fields[i], VIPS_META_IPTC_NAME) != 0 &&
			strcmp(fields[i], "jpeg-thumbnail-data") != 0 &&
			strcmp(fields[i], VIPS_META_ORIENTATION) != 0);
	m = smp_meta_read(back, out);
	assert_false(m->has_exif || m->has_gps || m->has_serial ||
		m->has_makernote || m->has_thumbnail || m->has_xmp || m->has_iptc);
	assert_true(m->has_icc);
	/* The profile is sRGB and usable: libvips can convert with it. */
	{
		g_autoptr(VipsImage) lab = NULL;

		assert_vips_ok(vips_icc_import(back, &lab, "embedded", TRUE, NULL));
	}
	smp_test_rmtree(dir);
}

static void
test_privacy_portfolio_output_has_only_the_icc_profile(void **state)
{
	(void) state;
	portfolio_output_has_only_the_icc_profile("jpg");
	portfolio_output_has_only_the_icc_profile("png");
	portfolio_output_has_only_the_icc_profile("webp");
}

/* A clinical output of format @ext: the capture date and the camera
 * kept, the sRGB profile, nothing identifying; the keys change that.
 */
static void
clinical_keeps_date_drops_gps_and_serial(const char *ext)
{
	g_autofree char *dir = smp_test_tmpdir();
	g_autofree char *in = g_build_filename(dir, "in.jpg", NULL);
	g_autofree char *name = g_strconcat("out.", ext, NULL);
	g_autofree char *out = g_build_filename(dir, name, NULL);
	g_autoptr(SmpPipeline) p = smp_pipeline_new_default();
	g_autoptr(VipsImage) src = NULL;
	GError *error = NULL;

	write_identifying_photo(in);
	src = open_image(in);
	assert_true(smp_privacy_save(src, out, 90, p, in, &error));
	assert_no_gerror(error);
	{
		g_autoptr(VipsImage) back = open_image(out);
		g_autoptr(SmpMeta) m = smp_meta_read(back, out);

		assert_string_equal(m->taken, "2024-03-04T10:11:12");
		assert_string_equal(m->make, "SMPCam");
		assert_true(m->has_icc);
		assert_int_equal(m->orientation_raw, 1);
		assert_false(m->has_gps || m->has_serial || m->has_makernote ||
			m->has_thumbnail || m->has_xmp || m->has_iptc);
	}
	/* The keys say what is kept. */
	p->keep_gps = 1;
	p->keep_capture_date = 0;
	assert_true(smp_privacy_save(src, out, 90, p, in, &error));
	assert_no_gerror(error);
	{
		g_autoptr(VipsImage) back = open_image(out);
		g_autoptr(SmpMeta) m = smp_meta_read(back, out);

		assert_null(m->taken);
		assert_true(m->has_gps);
		assert_false(m->has_serial || m->has_thumbnail);
	}
	smp_test_rmtree(dir);
}

static void
test_privacy_clinical_keeps_date_drops_gps_and_serial(void **state)
{
	(void) state;
	clinical_keeps_date_drops_gps_and_serial("jpg");
	clinical_keeps_date_drops_gps_and_serial("png");
	clinical_keeps_date_drops_gps_and_serial("webp");
}

static void
test_privacy_check_names_a_leak(void **state)
{
	g_autofree char *dir = smp_test_tmpdir();
	g_autofree char *in = g_build_filename(dir, "in.jpg", NULL);
	g_autoptr(SmpPipeline) p = pipeline(portfolio_text);
	GError *error = NULL;

	(void) state;
	write_identifying_photo(in);
	assert_false(smp_privacy_check(in, p, &error));
	assert_non_null(strstr(error->message, in));
	assert_non_null(strstr(error->message, "metadata check"));
	g_clear_error(&error);
	/* The clinical rules catch GPS too. */
	smp_pipeline_free(p);
	p = smp_pipeline_new_default();
	assert_false(smp_privacy_check(in, p, &error));
	g_clear_error(&error);
	smp_test_rmtree(dir);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_privacy_pseudonym_is_the_keyed_hash),
	cmocka_unit_test(test_privacy_secret_from_env_or_file_or_refused),
	cmocka_unit_test(test_privacy_consent_levels),
	cmocka_unit_test(test_privacy_portfolio_pipeline_cannot_lower_consent),
	cmocka_unit_test(test_privacy_portfolio_output_has_only_the_icc_profile),
	cmocka_unit_test(test_privacy_clinical_keeps_date_drops_gps_and_serial),
	cmocka_unit_test(test_privacy_check_names_a_leak),
};

SMP_TEST_MAIN("privacy", tests)
