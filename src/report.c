/* JSON records of FORMATS.md built with json-glib: inspect, measurement
 * and pair sidecar.
 * SPDX-License-Identifier: MIT
 */
#include <math.h>

#include <json-glib/json-glib.h>

#include "smpdoc/error.h"
#include "smpdoc/report.h"

static void
add_string_or_null(JsonBuilder *b, const char *key, const char *value)
{
	json_builder_set_member_name(b, key);
	if (value)
		json_builder_add_string_value(b, value);
	else
		json_builder_add_null_value(b);
}

/* Non-positive or non-finite values mean "unknown" and are written null. */
static void
add_positive_or_null(JsonBuilder *b, const char *key, double value)
{
	json_builder_set_member_name(b, key);
	if (isfinite(value) && value > 0)
		json_builder_add_double_value(b, value);
	else
		json_builder_add_null_value(b);
}

static void
add_int(JsonBuilder *b, const char *key, gint64 value)
{
	json_builder_set_member_name(b, key);
	json_builder_add_int_value(b, value);
}

static void
add_bool(JsonBuilder *b, const char *key, gboolean value)
{
	json_builder_set_member_name(b, key);
	json_builder_add_boolean_value(b, value);
}

static void
add_warnings(JsonBuilder *b, const GPtrArray *warnings)
{
	json_builder_set_member_name(b, "warnings");
	json_builder_begin_array(b);
	for (guint i = 0; warnings && i < warnings->len; i++) {
		const SmpWarning *w = g_ptr_array_index(warnings, i);

		json_builder_begin_object(b);
		add_string_or_null(b, "code", w->code);
		add_string_or_null(b, "message", w->message);
		json_builder_end_object(b);
	}
	json_builder_end_array(b);
}

const char *
smp_report_orientation_action(int orientation)
{
	switch (orientation) {
	case 2:
		return "mirror left-right";
	case 3:
		return "rotate 180°";
	case 4:
		return "mirror top-bottom";
	case 5:
		return "mirror along the main diagonal (transpose)";
	case 6:
		return "rotate 90° clockwise";
	case 7:
		return "mirror along the anti-diagonal (transverse)";
	case 8:
		return "rotate 90° anticlockwise";
	default:
		return "none (already upright)";
	}
}

void
smp_report_photo_init(SmpPhotoReport *r, const SmpPhoto *photo)
{
	*r = (SmpPhotoReport){0};
	r->file = photo->path;
	r->width = photo->image->Xsize;
	r->height = photo->image->Ysize;
	r->orientation = photo->meta->orientation;
	r->px_per_mm = -1;
	r->scale_source = "none";
	r->scale_rel_uncertainty = -1;
	r->roi_px = (gint64) r->width * r->height;
	r->warnings = photo->meta->warnings;
	for (int i = 0; i < 4; i++)
		r->timing_ms[i] = -1;
}

static void
build_meta_fields(JsonBuilder *b, const SmpMeta *meta)
{
	add_int(b, "orientation", meta->orientation);
	add_int(b, "orientation_stored", meta->orientation_raw);
	add_string_or_null(b, "taken", meta->taken);
	add_string_or_null(b, "make", meta->make);
	add_string_or_null(b, "model", meta->model);
	add_bool(b, "has_exif", meta->has_exif);
	add_bool(b, "has_gps", meta->has_gps);
	add_bool(b, "has_serial", meta->has_serial);
	add_bool(b, "has_thumbnail", meta->has_thumbnail);
	add_bool(b, "has_makernote", meta->has_makernote);
	add_bool(b, "has_xmp", meta->has_xmp);
	add_bool(b, "has_iptc", meta->has_iptc);
	add_bool(b, "has_icc", meta->has_icc);
}

JsonNode *
smp_report_inspect(const char *path, VipsImage *stored, const SmpMeta *meta,
	gint64 file_bytes)
{
	g_autoptr(JsonBuilder) b = json_builder_new();
	const char *loader = NULL;
	gboolean swap = meta->orientation >= 5;

	if (vips_image_get_string(stored, VIPS_META_LOADER, &loader))
		vips_error_clear();
	json_builder_begin_object(b);
	add_string_or_null(b, "file", path);
	add_string_or_null(b, "loader", loader);
	add_int(b, "file_bytes", file_bytes);
	add_int(b, "stored_width", stored->Xsize);
	add_int(b, "stored_height", stored->Ysize);
	add_int(b, "width", swap ? stored->Ysize : stored->Xsize);
	add_int(b, "height", swap ? stored->Xsize : stored->Ysize);
	add_int(b, "bands", stored->Bands);
	add_string_or_null(b, "interpretation",
		vips_enum_nick(VIPS_TYPE_INTERPRETATION, stored->Type));
	add_string_or_null(b, "format",
		vips_enum_nick(VIPS_TYPE_BAND_FORMAT, stored->BandFmt));
	build_meta_fields(b, meta);
	add_string_or_null(b, "orient_action",
		smp_report_orientation_action(meta->orientation));
	add_warnings(b, meta->warnings);
	json_builder_end_object(b);
	return json_builder_get_root(b);
}

static void
build_measurement(JsonBuilder *b, const SmpPhotoReport *r)
{
	static const char *stages[4] = {"load", "normalise", "detect", "measure"};

	json_builder_begin_object(b);
	add_string_or_null(b, "file", r->file);
	add_int(b, "width", r->width);
	add_int(b, "height", r->height);
	add_int(b, "orientation", r->orientation);
	add_positive_or_null(b, "px_per_mm", r->px_per_mm);
	add_string_or_null(b, "scale_source", r->scale_source);
	add_positive_or_null(b, "scale_rel_uncertainty",
		r->scale_rel_uncertainty);
	add_int(b, "roi_px", r->roi_px);
	/* Detection and measurement fill these once they run. */
	json_builder_set_member_name(b, "dots");
	json_builder_add_null_value(b);
	json_builder_set_member_name(b, "large_blobs");
	json_builder_add_null_value(b);
	json_builder_set_member_name(b, "grid");
	json_builder_add_null_value(b);
	add_warnings(b, r->warnings);
	json_builder_set_member_name(b, "timing_ms");
	json_builder_begin_object(b);
	for (int i = 0; i < 4; i++) {
		json_builder_set_member_name(b, stages[i]);
		if (r->timing_ms[i] >= 0)
			json_builder_add_double_value(b,
				round(r->timing_ms[i] * 10) / 10);
		else
			json_builder_add_null_value(b);
	}
	json_builder_end_object(b);
	json_builder_end_object(b);
}

JsonNode *
smp_report_measurement(const SmpPhotoReport *r)
{
	g_autoptr(JsonBuilder) b = json_builder_new();

	build_measurement(b, r);
	return json_builder_get_root(b);
}

static void
build_registration(JsonBuilder *b, const SmpRegistrationReport *reg)
{
	json_builder_begin_object(b);
	add_string_or_null(b, "method", reg->method);
	add_string_or_null(b, "model", reg->model);
	json_builder_set_member_name(b, "matrix");
	json_builder_begin_array(b);
	for (int row = 0; row < 3; row++) {
		json_builder_begin_array(b);
		for (int col = 0; col < 3; col++)
			json_builder_add_double_value(b, reg->matrix[row * 3 + col]);
		json_builder_end_array(b);
	}
	json_builder_end_array(b);
	json_builder_set_member_name(b, "score");
	if (reg->score >= 0)
		json_builder_add_double_value(b, reg->score);
	else
		json_builder_add_null_value(b);
	add_bool(b, "ok", reg->ok);
	json_builder_end_object(b);
}

JsonNode *
smp_report_pair(const SmpPairReport *r)
{
	g_autoptr(JsonBuilder) b = json_builder_new();
	static const char *change_keys[] = {"per_cm2", "per_cm2_pct", "coverage",
		"new_dots", "persisting_dots"};

	json_builder_begin_object(b);
	json_builder_set_member_name(b, "before");
	build_measurement(b, &r->before);
	json_builder_set_member_name(b, "after");
	build_measurement(b, &r->after);
	json_builder_set_member_name(b, "registration");
	build_registration(b, &r->registration);
	/* Normalisation and change arrive with their stages. */
	json_builder_set_member_name(b, "normalise");
	json_builder_add_null_value(b);
	json_builder_set_member_name(b, "change");
	json_builder_begin_object(b);
	for (size_t i = 0; i < G_N_ELEMENTS(change_keys); i++) {
		json_builder_set_member_name(b, change_keys[i]);
		json_builder_add_null_value(b);
	}
	json_builder_end_object(b);
	add_string_or_null(b, "composite", r->composite);
	json_builder_set_member_name(b, "pipeline");
	json_builder_begin_object(b);
	add_string_or_null(b, "name", r->pipeline_name);
	add_string_or_null(b, "sha256", r->pipeline_sha256);
	json_builder_end_object(b);
	add_string_or_null(b, "smpdoc", SMP_VERSION);
	json_builder_end_object(b);
	return json_builder_get_root(b);
}

char *
smp_report_to_string(JsonNode *node, gboolean pretty)
{
	g_autoptr(JsonGenerator) gen = json_generator_new();
	g_autofree char *text = NULL;

	json_generator_set_root(gen, node);
	json_generator_set_pretty(gen, pretty);
	json_generator_set_indent(gen, 2);
	text = json_generator_to_data(gen, NULL);
	return g_strconcat(text, "\n", NULL);
}
