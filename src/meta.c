/* Photo metadata through libexif, read defensively: damaged EXIF becomes
 * a warning and defaults, never a failure or a crash.
 * SPDX-License-Identifier: MIT
 */
#include <stdarg.h>
#include <string.h>

#include <libexif/exif-data.h>
#include <libexif/exif-log.h>
#include <libexif/exif-utils.h>
#include <glib.h>
#include <vips/vips.h>

#include "smpdoc/error.h"
#include "smpdoc/meta.h"

/* Longest Make/Model kept; real values are under 40 characters. */
#define SMP_EXIF_TEXT_MAX 64

/* EXIF tags that identify a camera body, lens or owner. */
static const ExifTag identifying_tags[] = {
	EXIF_TAG_BODY_SERIAL_NUMBER, EXIF_TAG_LENS_SERIAL_NUMBER,
	EXIF_TAG_CAMERA_OWNER_NAME, (ExifTag) 0xc62f, /* CameraSerialNumber (DNG) */
	(ExifTag) 0xa420, /* ImageUniqueID */
};

SmpMeta *
smp_meta_new(void)
{
	SmpMeta *meta = g_new0(SmpMeta, 1);

	meta->orientation = 1;
	meta->warnings = smp_warnings_new();
	return meta;
}

void
smp_meta_free(SmpMeta *meta)
{
	if (!meta)
		return;
	g_free(meta->taken);
	g_free(meta->make);
	g_free(meta->model);
	g_ptr_array_unref(meta->warnings);
	g_free(meta);
}

typedef struct LogContext {
	SmpMeta *meta;
	const char *path;
	gboolean reported;
} LogContext;

/* libexif reports damage through its log; keep the first message as one
 * warning (a bad IFD can produce hundreds).
 */
static void
log_func(ExifLog *log, ExifLogCode code, const char *domain, const char *format,
	va_list args, void *data)
{
	LogContext *ctx = data;
	g_autofree char *message = NULL;

	(void) log;
	(void) domain;
	if (ctx->reported ||
		(code != EXIF_LOG_CODE_CORRUPT_DATA && code != EXIF_LOG_CODE_NO_MEMORY))
		return;
	message = g_strdup_vprintf(format, args);
	smp_warnings_add(ctx->meta->warnings, "exif_corrupt",
		"%s: EXIF is damaged (%s); unreadable fields are ignored", ctx->path,
		message);
	ctx->reported = TRUE;
}

/* A printable copy of an ASCII entry, bounded by its stored size. */
static char *
entry_text(ExifEntry *e)
{
	GString *s;

	if (!e || e->format != EXIF_FORMAT_ASCII || !e->data || e->size == 0)
		return NULL;
	s = g_string_new(NULL);
	for (unsigned int i = 0; i < e->size && s->len < SMP_EXIF_TEXT_MAX; i++) {
		unsigned char c = e->data[i];

		if (c == '\0')
			break;
		g_string_append_c(s, g_ascii_isprint(c) ? (char) c : '?');
	}
	g_strstrip(s->str);
	s->len = strlen(s->str);
	if (s->len == 0) {
		g_string_free(s, TRUE);
		return NULL;
	}
	return g_string_free(s, FALSE);
}

/* "YYYY:MM:DD HH:MM:SS" → "YYYY-MM-DDTHH:MM:SS", or NULL when it is not a
 * real date (cameras write "0000:00:00 00:00:00" when unset).
 */
static char *
exif_date_to_iso(const char *text)
{
	int y, mo, d, h, mi, s;
	g_autoptr(GDateTime) dt = NULL;

	if (!text ||
		sscanf(text, "%4d:%2d:%2d %2d:%2d:%2d", &y, &mo, &d, &h, &mi, &s) != 6)
		return NULL;
	dt = g_date_time_new_utc(y, mo, d, h, mi, s);
	if (!dt || y < 1900)
		return NULL;
	return g_date_time_format(dt, "%Y-%m-%dT%H:%M:%S");
}

static void
read_orientation(SmpMeta *meta, ExifData *ed, const char *path)
{
	ExifEntry *e =
		exif_content_get_entry(ed->ifd[EXIF_IFD_0], EXIF_TAG_ORIENTATION);
	int value;

	/* IFD0 only: IFD1 describes the thumbnail, not the photo. */
	if (!e || e->format != EXIF_FORMAT_SHORT || e->components < 1 || !e->data ||
		e->size < 2)
		return;
	value = exif_get_short(e->data, exif_data_get_byte_order(ed));
	meta->orientation_raw = value;
	if (value >= 1 && value <= 8)
		meta->orientation = value;
	else
		smp_warnings_add(meta->warnings, "bad_orientation",
			"%s: EXIF orientation %d is outside 1..8; taken as 1 (upright)",
			path, value);
}

static void
read_fields(SmpMeta *meta, ExifData *ed, const char *path)
{
	g_autofree char *date = NULL;

	read_orientation(meta, ed, path);
	meta->make = entry_text(exif_data_get_entry(ed, EXIF_TAG_MAKE));
	meta->model = entry_text(exif_data_get_entry(ed, EXIF_TAG_MODEL));
	date = entry_text(exif_content_get_entry(
		ed->ifd[EXIF_IFD_EXIF], EXIF_TAG_DATE_TIME_ORIGINAL));
	meta->taken = exif_date_to_iso(date);
	if (date && !meta->taken)
		smp_warnings_add(meta->warnings, "bad_date",
			"%s: DateTimeOriginal '%s' is not a date; ignored", path, date);
	/* A GPS IFD holding only GPSVersionID (Canon does this) says nothing
	 * about where the photo was taken; a coordinate does.
	 */
	meta->has_gps = exif_content_get_entry(
						ed->ifd[EXIF_IFD_GPS], EXIF_TAG_GPS_LATITUDE) != NULL ||
		exif_content_get_entry(ed->ifd[EXIF_IFD_GPS], EXIF_TAG_GPS_LONGITUDE) !=
			NULL;
	meta->has_thumbnail = ed->data && ed->size > 0;
	meta->has_makernote = exif_data_get_entry(ed, EXIF_TAG_MAKER_NOTE) != NULL;
	for (size_t i = 0; i < G_N_ELEMENTS(identifying_tags); i++)
		if (exif_data_get_entry(ed, identifying_tags[i]))
			meta->has_serial = TRUE;
}

void
smp_meta_parse_exif(
	SmpMeta *meta, const void *data, gsize len, const char *path)
{
	static const unsigned char prefix[6] = {'E', 'x', 'i', 'f', 0, 0};
	g_autofree unsigned char *owned = NULL;
	const unsigned char *blob = data;
	LogContext ctx = {meta, path, FALSE};
	ExifData *ed;
	ExifLog *log;

	if (!data || len < SMP_EXIF_MIN_BYTES || len > SMP_EXIF_MAX_BYTES) {
		smp_warnings_add(meta->warnings, "exif_corrupt",
			"%s: EXIF block of %zu bytes is implausible; ignored", path,
			(size_t) len);
		return;
	}
	/* PNG eXIf and some TIFFs hold bare TIFF data; libexif wants the
	 * APP1 "Exif\0\0" prefix.
	 */
	if (memcmp(blob, prefix, sizeof(prefix)) != 0) {
		owned = g_malloc(len + sizeof(prefix));
		memcpy(owned, prefix, sizeof(prefix));
		memcpy(owned + sizeof(prefix), data, len);
		blob = owned;
		len += sizeof(prefix);
	}
	ed = exif_data_new();
	log = exif_log_new();
	if (!ed || !log) {
		if (ed)
			exif_data_unref(ed);
		if (log)
			exif_log_unref(log);
		return;
	}
	exif_log_set_func(log, log_func, &ctx);
	exif_data_log(ed, log);
	/* Don't invent defaults for missing tags: absent must stay absent. */
	exif_data_unset_option(ed, EXIF_DATA_OPTION_FOLLOW_SPECIFICATION);
	exif_data_load_data(ed, blob, (unsigned int) len);
	meta->has_exif = TRUE;
	read_fields(meta, ed, path);
	exif_data_unref(ed);
	exif_log_unref(log);
}

SmpMeta *
smp_meta_read(VipsImage *image, const char *path)
{
	SmpMeta *meta = smp_meta_new();
	const void *data;
	size_t len;

	meta->has_xmp = vips_image_get_typeof(image, VIPS_META_XMP_NAME) != 0;
	meta->has_iptc = vips_image_get_typeof(image, VIPS_META_IPTC_NAME) != 0;
	meta->has_icc = vips_image_get_typeof(image, VIPS_META_ICC_NAME) != 0;
	if (vips_image_get_typeof(image, VIPS_META_EXIF_NAME) &&
		!vips_image_get_blob(image, VIPS_META_EXIF_NAME, &data, &len))
		smp_meta_parse_exif(meta, data, len, path);
	smp_vips_error_clear();
	return meta;
}
