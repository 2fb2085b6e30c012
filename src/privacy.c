/* Consent gate, pseudonyms and output metadata (privacy.h).
 * SPDX-License-Identifier: MIT
 */
#include <string.h>

#include <libexif/exif-data.h>
#include <libexif/exif-loader.h>
#include <libexif/exif-utils.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <vips/vips.h>
#include <webp/mux.h>

#include "smpdoc/error.h"
#include "smpdoc/meta.h"
#include "smpdoc/photo.h"
#include "smpdoc/privacy.h"

static const char *const consent_names[] = {"none", "clinical", "marketing"};

char *
smp_consent_refusal(const SmpPipeline *p, int have)
{
	int need = p->consent_required;

	if (have >= need)
		return NULL;
	return g_strdup_printf("consent is %s, %s required",
		consent_names[CLAMP(have, 0, 2)], consent_names[CLAMP(need, 0, 2)]);
}

char *
smp_privacy_secret(const SmpPipeline *p, GError **error)
{
	const char *var = p->pseudonym_secret_env;
	const char *env = var ? g_getenv(var) : NULL;
	g_autofree char *text = NULL;
	GError *local = NULL;

	if (env && *env)
		text = g_strdup(env);
	else if (p->pseudonym_secret_file &&
		!g_file_get_contents(p->pseudonym_secret_file, &text, NULL, &local)) {
		g_set_error(error, SMP_ERROR, SMP_ERROR_CONFIG,
			"%s: pseudonym secret: %s", p->pseudonym_secret_file,
			local->message);
		g_error_free(local);
		return NULL;
	}
	if (text)
		g_strstrip(text);
	if (!text || strlen(text) < SMP_SECRET_MIN_BYTES) {
		g_set_error(error, SMP_ERROR, SMP_ERROR_CONFIG,
			"%s: portfolio output needs a clinic secret of at least %d "
			"bytes for the pseudonyms: set %s (e.g. export %s=$(head -c 32 "
			"/dev/urandom | base64)) or [output] pseudonym_secret_file",
			p->path ? p->path : p->name, SMP_SECRET_MIN_BYTES,
			var ? var : SMP_PSEUDONYM_SECRET_ENV,
			var ? var : SMP_PSEUDONYM_SECRET_ENV);
		return NULL;
	}
	return g_steal_pointer(&text);
}

char *
smp_privacy_pseudonym(const char *secret, const char *client)
{
	g_autofree char *mac = g_compute_hmac_for_string(
		G_CHECKSUM_SHA256, (const guchar *) secret, strlen(secret), client, -1);

	return g_strdup_printf("p%.*s", SMP_PSEUDONYM_HEX, mac);
}

/* libvips fields that describe the pixels' encoding, not the photo: the
 * only ones besides the ICC profile a portfolio output may carry.
 */
static const char *const format_fields[] = {"width", "height", "bands",
	"format", "coding", "interpretation", "xoffset", "yoffset", "xres", "yres",
	"filename", "vips-loader", "jpeg-multiscan", "jpeg-chroma-subsample",
	"resolution-unit", "bits-per-sample", "palette-bit-depth", "interlaced",
	"n-pages", "heif-primary", "heif-bitdepth", "png-bitdepth", NULL};

static gboolean
is_format_field(const char *name)
{
	for (int i = 0; format_fields[i]; i++)
		if (strcmp(name, format_fields[i]) == 0)
			return TRUE;
	return FALSE;
}

static void *
collect_field(VipsImage *image, const char *name, GValue *value, void *a)
{
	(void) image;
	(void) value;
	g_ptr_array_add(a, g_strdup(name));
	return NULL;
}

/* Every field of @image that is not a format field, or NULL when none. */
static GPtrArray *
metadata_fields(VipsImage *image)
{
	g_autoptr(GPtrArray) all = g_ptr_array_new_with_free_func(g_free);
	GPtrArray *meta = g_ptr_array_new_with_free_func(g_free);

	vips_image_map(image, collect_field, all);
	for (guint i = 0; i < all->len; i++)
		if (!is_format_field(g_ptr_array_index(all, i)))
			g_ptr_array_add(meta, g_strdup(g_ptr_array_index(all, i)));
	return meta;
}

/* A copy of @in without any metadata field. */
static VipsImage *
bare_copy(VipsImage *in, GError **error)
{
	VipsImage *out;
	g_autoptr(GPtrArray) fields = NULL;

	if (vips_copy(in, &out, NULL)) {
		smp_error_from_vips(error, SMP_ERROR_INTERNAL, NULL, "write");
		return NULL;
	}
	fields = metadata_fields(out);
	for (guint i = 0; i < fields->len; i++)
		vips_image_remove(out, g_ptr_array_index(fields, i));
	return out;
}

/* The JPEG in @jpeg with an APP2 ICC_PROFILE segment (ICC.1 B.4, one
 * chunk) right after SOI and a JFIF APP0 when there is one.
 */
static GByteArray *
insert_icc(const guchar *jpeg, gsize len, const void *icc, gsize icc_len,
	const char *path, GError **error)
{
	static const char tag[] = "ICC_PROFILE"; /* 12 bytes with the NUL */
	gsize seg = 2 + sizeof(tag) + 2 + icc_len, at = 2;
	GByteArray *out;
	guint8 head[4 + sizeof(tag) + 2];

	if (len < 4 || jpeg[0] != 0xff || jpeg[1] != 0xd8 || seg > 0xffff) {
		g_set_error(error, SMP_ERROR, SMP_ERROR_INTERNAL,
			"%s: write: cannot embed the ICC profile", path);
		return NULL;
	}
	if (len > 6 && jpeg[2] == 0xff && jpeg[3] == 0xe0)
		at = 4 + ((gsize) jpeg[4] << 8 | jpeg[5]);
	head[0] = 0xff;
	head[1] = 0xe2;
	head[2] = (guint8) (seg >> 8);
	head[3] = (guint8) (seg & 0xff);
	memcpy(head + 4, tag, sizeof(tag));
	head[4 + sizeof(tag)] = 1; /* chunk 1 ... */
	head[5 + sizeof(tag)] = 1; /* ... of 1 */
	out = g_byte_array_sized_new(len + seg + 2);
	g_byte_array_append(out, jpeg, at);
	g_byte_array_append(out, head, sizeof(head));
	g_byte_array_append(out, icc, icc_len);
	g_byte_array_append(out, jpeg + at, len - at);
	return out;
}

/* Attach the sRGB ICC profile libvips ships to @im: the pixels are sRGB
 * and the file says so.
 */
static gboolean
attach_srgb(VipsImage *im, const char *path, GError **error)
{
	VipsBlob *icc = NULL;
	const void *data;
	size_t len;

	if (vips_profile_load("srgb", &icc, NULL)) {
		smp_error_from_vips(error, SMP_ERROR_INTERNAL, path, "write");
		return FALSE;
	}
	data = vips_blob_get(icc, &len);
	vips_image_set_blob_copy(im, VIPS_META_ICC_NAME, data, len);
	vips_area_unref(VIPS_AREA(icc));
	return TRUE;
}

static gboolean
save_portfolio(VipsImage *image, const char *path, int quality, GError **error)
{
	g_autoptr(VipsImage) bare = bare_copy(image, error);
	VipsBlob *icc = NULL;
	void *jpeg = NULL;
	size_t len = 0, icc_len;
	const void *icc_data;
	GByteArray *out;
	gboolean ok;

	if (!bare)
		return FALSE;
	if (vips_profile_load("srgb", &icc, NULL) ||
		vips_jpegsave_buffer(
			bare, &jpeg, &len, "Q", quality, "strip", TRUE, NULL)) {
		if (icc)
			vips_area_unref(VIPS_AREA(icc));
		smp_error_from_vips(error, SMP_ERROR_IO, path, "write");
		return FALSE;
	}
	icc_data = vips_blob_get(icc, &icc_len);
	out = insert_icc(jpeg, len, icc_data, icc_len, path, error);
	g_free(jpeg);
	vips_area_unref(VIPS_AREA(icc));
	if (!out)
		return FALSE;
	ok = smp_file_write_atomic(path, (const char *) out->data, out->len, error);
	g_byte_array_unref(out);
	return ok;
}

/* EXIF tags a clinical output never carries (comments, free text) and
 * those that identify camera or owner (dropped unless keep_serial).
 */
static const ExifTag comment_tags[] = {EXIF_TAG_USER_COMMENT,
	EXIF_TAG_IMAGE_DESCRIPTION, EXIF_TAG_XP_COMMENT, EXIF_TAG_XP_TITLE,
	EXIF_TAG_XP_SUBJECT, EXIF_TAG_XP_KEYWORDS, EXIF_TAG_XP_AUTHOR};
static const ExifTag serial_tags[] = {EXIF_TAG_BODY_SERIAL_NUMBER,
	EXIF_TAG_LENS_SERIAL_NUMBER, EXIF_TAG_CAMERA_OWNER_NAME,
	EXIF_TAG_MAKER_NOTE, (ExifTag) 0xc62f, (ExifTag) 0xa420};
static const ExifTag date_tags[] = {EXIF_TAG_DATE_TIME,
	EXIF_TAG_DATE_TIME_ORIGINAL, EXIF_TAG_DATE_TIME_DIGITIZED,
	EXIF_TAG_SUB_SEC_TIME, EXIF_TAG_SUB_SEC_TIME_ORIGINAL,
	EXIF_TAG_SUB_SEC_TIME_DIGITIZED, (ExifTag) 0x9010, (ExifTag) 0x9011,
	(ExifTag) 0x9012};

static void
remove_tags(ExifData *ed, const ExifTag *tags, gsize n)
{
	for (gsize i = 0; i < n; i++)
		for (int ifd = 0; ifd < EXIF_IFD_COUNT; ifd++) {
			ExifEntry *e = exif_content_get_entry(ed->ifd[ifd], tags[i]);

			if (e)
				exif_content_remove_entry(ed->ifd[ifd], e);
		}
}

static void
clear_ifd(ExifContent *c)
{
	while (c->count > 0)
		exif_content_remove_entry(c, c->entries[c->count - 1]);
}

/* The EXIF of @source filtered for a clinical output; NULL when it has
 * none. (transfer full) g_free() it.
 */
static guchar *
clinical_exif(const char *source, const SmpPipeline *p, unsigned int *len)
{
	g_autoptr(VipsImage) in = NULL;
	ExifMem *mem = exif_mem_new_default();
	ExifData *ed = NULL;
	ExifEntry *o;
	const void *blob;
	size_t blob_len;
	unsigned char *saved = NULL;
	guchar *copy = NULL;

	in = source ? vips_image_new_from_file(source, NULL) : NULL;
	if (!in || !vips_image_get_typeof(in, VIPS_META_EXIF_NAME) ||
		vips_image_get_blob(in, VIPS_META_EXIF_NAME, &blob, &blob_len) ||
		blob_len < SMP_EXIF_MIN_BYTES || blob_len > SMP_EXIF_MAX_BYTES) {
		smp_vips_error_clear();
		exif_mem_unref(mem);
		return NULL;
	}
	ed = exif_data_new_mem(mem);
	exif_data_unset_option(ed, EXIF_DATA_OPTION_FOLLOW_SPECIFICATION);
	exif_data_load_data(ed, blob, (unsigned int) blob_len);
	/* The thumbnail can show the uncropped photo: never kept. */
	exif_mem_free(mem, ed->data);
	ed->data = NULL;
	ed->size = 0;
	clear_ifd(ed->ifd[EXIF_IFD_1]);
	if (!p->keep_gps)
		clear_ifd(ed->ifd[EXIF_IFD_GPS]);
	remove_tags(ed, comment_tags, G_N_ELEMENTS(comment_tags));
	if (!p->keep_serial)
		remove_tags(ed, serial_tags, G_N_ELEMENTS(serial_tags));
	if (!p->keep_capture_date)
		remove_tags(ed, date_tags, G_N_ELEMENTS(date_tags));
	/* The pixels are upright. */
	o = exif_content_get_entry(ed->ifd[EXIF_IFD_0], EXIF_TAG_ORIENTATION);
	if (o && o->format == EXIF_FORMAT_SHORT && o->size >= 2)
		exif_set_short(o->data, exif_data_get_byte_order(ed), 1);
	exif_data_save_data(ed, &saved, len);
	if (saved && *len > 0)
		copy = g_memdup2(saved, *len);
	exif_mem_free(mem, saved);
	exif_data_unref(ed);
	exif_mem_unref(mem);
	return copy;
}

static gboolean
save_clinical(VipsImage *image, const char *path, int quality,
	const SmpPipeline *p, const char *exif_source, GError **error)
{
	g_autoptr(VipsImage) bare = bare_copy(image, error);
	g_autofree char *save = NULL;
	unsigned int len = 0;
	g_autofree guchar *exif = NULL;

	if (!bare || !attach_srgb(bare, path, error))
		return FALSE;
	exif = clinical_exif(exif_source, p, &len);
	if (exif)
		vips_image_set_blob_copy(bare, VIPS_META_EXIF_NAME, exif, len);
	/* Without strip libvips writes the EXIF (adding its own size and
	 * resolution tags) and the ICC profile, and nothing else: the other
	 * fields are gone.
	 */
	save = g_strdup_printf("%s[Q=%d]", path, quality);
	return smp_photo_save_atomic(bare, save, error);
}

/* PNG: libvips 8.14's saver writes what the image carries and nothing of
 * its own: the ICC profile as iCCP, the EXIF as an eXIf chunk (PNG 1.5;
 * libvips puts it after the pixels, which exiftool and libvips read).
 */
static gboolean
save_png(VipsImage *bare, const char *path, GError **error)
{
	g_autofree char *save = g_strdup_printf("%s[compression=6]", path);

	return smp_photo_save_atomic(bare, save, error);
}

/* WebP: libvips 8.14's saver adds an EXIF block of its own (even with
 * strip, when the image has a profile), so the chunks are set with
 * libwebpmux: its EXIF and XMP removed, then the ICCP and our EXIF.
 * The EXIF chunk holds the TIFF structure without JPEG's "Exif\0\0".
 */
static gboolean
save_webp(VipsImage *bare, const char *path, int quality, const guchar *exif,
	gsize exif_len, GError **error)
{
	static const guchar exif_header[6] = {'E', 'x', 'i', 'f', 0, 0};
	void *buf = NULL;
	size_t len = 0, icc_len = 0;
	const void *icc = NULL;
	WebPMux *mux = NULL;
	WebPData out = {NULL, 0};
	gboolean ok;

	if (vips_image_get_blob(bare, VIPS_META_ICC_NAME, &icc, &icc_len) ||
		vips_webpsave_buffer(
			bare, &buf, &len, "Q", quality, "strip", TRUE, NULL)) {
		smp_error_from_vips(error, SMP_ERROR_IO, path, "write");
		return FALSE;
	}
	if (exif && exif_len > sizeof(exif_header) &&
		memcmp(exif, exif_header, sizeof(exif_header)) == 0) {
		exif += sizeof(exif_header);
		exif_len -= sizeof(exif_header);
	}
	{
		WebPData in = {buf, len}, iccp = {icc, icc_len}, ex = {exif, exif_len};

		mux = WebPMuxCreate(&in, 0);
		/* Whatever the encoder put there goes first. */
		if (mux) {
			WebPMuxDeleteChunk(mux, "EXIF");
			WebPMuxDeleteChunk(mux, "XMP ");
		}
		ok = mux && WebPMuxSetChunk(mux, "ICCP", &iccp, 0) == WEBP_MUX_OK &&
			(!exif || WebPMuxSetChunk(mux, "EXIF", &ex, 0) == WEBP_MUX_OK) &&
			WebPMuxAssemble(mux, &out) == WEBP_MUX_OK;
	}
	WebPMuxDelete(mux);
	g_free(buf);
	if (!ok) {
		g_set_error(error, SMP_ERROR, SMP_ERROR_INTERNAL,
			"%s: write: cannot add the ICC profile or EXIF to the WebP", path);
		return FALSE;
	}
	ok = smp_file_write_atomic(path, (const char *) out.bytes, out.size, error);
	WebPDataClear(&out);
	return ok;
}

/* PNG and WebP, for either purpose: the sRGB profile, and for clinical
 * outputs the same filtered EXIF as a clinical JPEG.
 */
static gboolean
save_png_webp(VipsImage *image, const char *path, int quality,
	const SmpPipeline *p, const char *exif_source, GError **error)
{
	g_autoptr(VipsImage) bare = bare_copy(image, error);
	g_autofree guchar *exif = NULL;
	unsigned int len = 0;

	if (!bare || !attach_srgb(bare, path, error))
		return FALSE;
	if (p->purpose != SMP_PURPOSE_PORTFOLIO)
		exif = clinical_exif(exif_source, p, &len);
	if (g_str_has_suffix(path, ".webp"))
		return save_webp(bare, path, quality, exif, len, error);
	if (exif)
		vips_image_set_blob_copy(bare, VIPS_META_EXIF_NAME, exif, len);
	return save_png(bare, path, error);
}

gboolean
smp_privacy_save(VipsImage *image, const char *path, int quality,
	const SmpPipeline *p, const char *exif_source, GError **error)
{
	gboolean saved;

	if (g_str_has_suffix(path, ".png") || g_str_has_suffix(path, ".webp"))
		saved = save_png_webp(image, path, quality, p, exif_source, error);
	else if (p->purpose == SMP_PURPOSE_PORTFOLIO)
		saved = save_portfolio(image, path, quality, error);
	else
		saved = save_clinical(image, path, quality, p, exif_source, error);

	if (!saved)
		return FALSE;
	/* A file that fails the read-back is not left behind. */
	if (!smp_privacy_check(path, p, error)) {
		g_unlink(path);
		return FALSE;
	}
	return TRUE;
}

static gboolean
leak(GError **error, const char *path, const char *what)
{
	g_set_error(error, SMP_ERROR, SMP_ERROR_INTERNAL,
		"%s: metadata check: %s in the written file; output refused", path,
		what);
	return FALSE;
}

/* libexif's own reading of the file: any EXIF entry or thumbnail. */
static gboolean
libexif_finds_exif(const char *path)
{
	ExifData *ed = exif_data_new_from_file(path);
	gboolean found = FALSE;

	if (!ed)
		return FALSE;
	found = ed->data != NULL;
	for (int i = 0; i < EXIF_IFD_COUNT; i++)
		found = found || ed->ifd[i]->count > 0;
	exif_data_unref(ed);
	return found;
}

static gboolean
check_portfolio(VipsImage *im, const char *path, GError **error)
{
	g_autoptr(GPtrArray) fields = metadata_fields(im);

	for (guint i = 0; i < fields->len; i++) {
		const char *name = g_ptr_array_index(fields, i);
		g_autofree char *what = NULL;

		if (strcmp(name, VIPS_META_ICC_NAME) == 0)
			continue;
		what = g_strdup_printf("libvips reads field '%s'", name);
		return leak(error, path, what);
	}
	if (!vips_image_get_typeof(im, VIPS_META_ICC_NAME))
		return leak(error, path, "no sRGB ICC profile");
	if (libexif_finds_exif(path))
		return leak(error, path, "libexif reads EXIF");
	return TRUE;
}

static gboolean
check_clinical(
	VipsImage *im, const char *path, const SmpPipeline *p, GError **error)
{
	g_autoptr(SmpMeta) m = smp_meta_read(im, path);

	if (m->has_gps && !p->keep_gps)
		return leak(error, path, "a GPS position");
	if ((m->has_serial || m->has_makernote) && !p->keep_serial)
		return leak(error, path, "a serial number, owner or maker note");
	if (m->has_thumbnail || m->has_xmp || m->has_iptc)
		return leak(error, path, "a thumbnail, XMP or IPTC");
	if (m->orientation_raw > 1)
		return leak(error, path, "an orientation other than upright");
	return TRUE;
}

gboolean
smp_privacy_check(const char *path, const SmpPipeline *p, GError **error)
{
	g_autoptr(VipsImage) im = vips_image_new_from_file(path, NULL);

	if (!im) {
		smp_error_from_vips(error, SMP_ERROR_IO, path, "metadata check");
		return FALSE;
	}
	if (p->purpose == SMP_PURPOSE_PORTFOLIO)
		return check_portfolio(im, path, error);
	return check_clinical(im, path, p, error);
}
