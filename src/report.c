/* JSON records of FORMATS.md built with json-glib: inspect, measurement
 * and pair sidecar.
 * SPDX-License-Identifier: MIT
 */
#include <math.h>
#include <stddef.h>
#include <string.h>

#include <json-glib/json-glib.h>

#include "smpdoc/error.h"
#include "smpdoc/json_out.h"
#include "smpdoc/report.h"

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
add_warnings(JsonBuilder *b, const GPtrArray *warnings)
{
	json_builder_set_member_name(b, "warnings");
	json_builder_begin_array(b);
	for (guint i = 0; warnings && i < warnings->len; i++) {
		const SmpWarning *w = g_ptr_array_index(warnings, i);

		json_builder_begin_object(b);
		smp_json_string(b, "code", w->code);
		smp_json_string(b, "message", w->message);
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
	r->backdrop_fraction = -1;
	r->warnings = photo->meta->warnings;
	for (int i = 0; i < 4; i++)
		r->timing_ms[i] = -1;
}

static void
build_meta_fields(JsonBuilder *b, const SmpMeta *meta)
{
	smp_json_int(b, "orientation", meta->orientation);
	smp_json_int(b, "orientation_stored", meta->orientation_raw);
	smp_json_string(b, "taken", meta->taken);
	smp_json_string(b, "make", meta->make);
	smp_json_string(b, "model", meta->model);
	smp_json_bool(b, "has_exif", meta->has_exif);
	smp_json_bool(b, "has_gps", meta->has_gps);
	smp_json_bool(b, "has_serial", meta->has_serial);
	smp_json_bool(b, "has_thumbnail", meta->has_thumbnail);
	smp_json_bool(b, "has_makernote", meta->has_makernote);
	smp_json_bool(b, "has_xmp", meta->has_xmp);
	smp_json_bool(b, "has_iptc", meta->has_iptc);
	smp_json_bool(b, "has_icc", meta->has_icc);
}

JsonNode *
smp_report_inspect(
	const char *path, VipsImage *stored, const SmpMeta *meta, gint64 file_bytes)
{
	g_autoptr(JsonBuilder) b = json_builder_new();
	const char *loader = NULL;
	gboolean swap = meta->orientation >= 5;

	if (vips_image_get_string(stored, VIPS_META_LOADER, &loader))
		smp_vips_error_clear();
	json_builder_begin_object(b);
	smp_json_string(b, "file", path);
	smp_json_string(b, "loader", loader);
	smp_json_int(b, "file_bytes", file_bytes);
	smp_json_int(b, "stored_width", stored->Xsize);
	smp_json_int(b, "stored_height", stored->Ysize);
	smp_json_int(b, "width", swap ? stored->Ysize : stored->Xsize);
	smp_json_int(b, "height", swap ? stored->Xsize : stored->Ysize);
	smp_json_int(b, "bands", stored->Bands);
	smp_json_string(b, "interpretation",
		vips_enum_nick(VIPS_TYPE_INTERPRETATION, stored->Type));
	smp_json_string(
		b, "format", vips_enum_nick(VIPS_TYPE_BAND_FORMAT, stored->BandFmt));
	build_meta_fields(b, meta);
	smp_json_string(
		b, "orient_action", smp_report_orientation_action(meta->orientation));
	add_warnings(b, meta->warnings);
	json_builder_end_object(b);
	return json_builder_get_root(b);
}

static void
add_percentiles(
	JsonBuilder *b, const char *key, const SmpPercentiles *p, double step)
{
	json_builder_set_member_name(b, key);
	if (!isfinite(p->median)) {
		json_builder_add_null_value(b);
		return;
	}
	json_builder_begin_object(b);
	smp_json_number(b, "p10", p->p10, step);
	smp_json_number(b, "median", p->median, step);
	smp_json_number(b, "p90", p->p90, step);
	json_builder_end_object(b);
}

/* The dot lists of a record written to a file: the tree holds a
 * placeholder string for each (a json-glib node per dot would take ten
 * times the file's size), and the writer prints the dots in its place.
 */
#define ITEMS_MARK "\001smpdoc-items:"
#define ITEMS_MAX 4

typedef struct Deferred {
	const SmpDot *dots[ITEMS_MAX];
	gsize n[ITEMS_MAX];
	int len;
} Deferred;

/* The members of one dot of "items", with their rounding steps: the
 * tree and the streamed writer both print them from here.
 */
static const struct {
	const char *key;
	size_t offset;
	double step;
} dot_fields[] = {
	{"x", offsetof(SmpDot, x), 0.01},
	{"y", offsetof(SmpDot, y), 0.01},
	{"r", offsetof(SmpDot, r), 0.01},
	{"contrast", offsetof(SmpDot, contrast), 0.001},
};
#define N_DOT_FIELDS ((int) G_N_ELEMENTS(dot_fields))

static double
dot_field(const SmpDot *d, int f)
{
	return *(const float *) ((const char *) d + dot_fields[f].offset);
}

/* Dots as FORMATS.md "items": centre and radius in px (pixel centres at
 * 0.5), contrast 0..1. With @defer, only a placeholder.
 */
static void
add_items(JsonBuilder *b, const SmpDot *dots, gsize n, Deferred *defer)
{
	json_builder_set_member_name(b, "items");
	if (defer && defer->len < ITEMS_MAX) {
		g_autofree char *mark = g_strdup_printf(ITEMS_MARK "%d", defer->len);

		defer->dots[defer->len] = dots;
		defer->n[defer->len++] = n;
		json_builder_add_string_value(b, mark);
		return;
	}
	json_builder_begin_array(b);
	for (gsize i = 0; i < n; i++) {
		json_builder_begin_object(b);
		for (int f = 0; f < N_DOT_FIELDS; f++)
			smp_json_number(b, dot_fields[f].key, dot_field(&dots[i], f),
				dot_fields[f].step);
		json_builder_end_object(b);
	}
	json_builder_end_array(b);
}

static void
add_ci(JsonBuilder *b, const double ci[2])
{
	json_builder_set_member_name(b, "per_cm2_ci95");
	if (!isfinite(ci[0]) || !isfinite(ci[1])) {
		json_builder_add_null_value(b);
		return;
	}
	json_builder_begin_array(b);
	smp_json_number(b, NULL, ci[0], 0.01);
	smp_json_number(b, NULL, ci[1], 0.01);
	json_builder_end_array(b);
}

static void
build_dot_stats(JsonBuilder *b, const SmpPhotoReport *r, Deferred *defer)
{
	const SmpMeasurement *m = r->measurement;

	json_builder_begin_object(b);
	smp_json_int(b, "count", (gint64) m->count);
	smp_json_number(b, "per_cm2", m->per_cm2, 0.01);
	add_ci(b, m->per_cm2_ci95);
	smp_json_number(b, "per_mpx", m->per_mpx, 0.01);
	smp_json_number(b, "coverage", m->coverage, 0.0001);
	smp_json_number(b, "nn_mean_mm", m->nn_mean_mm, 0.001);
	smp_json_number(b, "nn_mean_px", m->nn_mean_px, 0.01);
	smp_json_number(b, "nn_cv", m->nn_cv, 0.001);
	smp_json_number(b, "clark_evans", m->clark_evans, 0.001);
	add_percentiles(b, "diameter_mm", &m->diameter_mm, 0.001);
	add_percentiles(b, "diameter_px", &m->diameter_px, 0.01);
	add_percentiles(b, "contrast", &m->contrast, 0.001);
	if (r->items)
		add_items(b, r->dots, r->n_dots, defer);
	json_builder_end_object(b);
}

/* The density grid, row-major: rows × cols values, null for cells with
 * too little region of interest.
 */
static void
build_grid(JsonBuilder *b, const SmpDensityGrid *g)
{
	gsize n = (gsize) g->cols * (gsize) g->rows;
	const char *keys[3] = {"per_cm2", "per_mpx", "coverage"};
	const double *vals[3] = {g->per_cm2, g->per_mpx, g->coverage};
	const double steps[3] = {0.01, 0.01, 0.0001};

	json_builder_begin_object(b);
	smp_json_number(b, "cell_mm", g->cell_mm, 0.001);
	smp_json_number(b, "cell_px", g->cell_px, 0.01);
	smp_json_int(b, "cols", g->cols);
	smp_json_int(b, "rows", g->rows);
	for (int k = 0; k < 3; k++) {
		json_builder_set_member_name(b, keys[k]);
		json_builder_begin_array(b);
		for (gsize i = 0; vals[k] && i < n; i++)
			smp_json_number(b, NULL, vals[k][i], steps[k]);
		json_builder_end_array(b);
	}
	json_builder_end_object(b);
}

/* "dots", "large_blobs" and "grid": null until detection has run. */
static void
build_dots(JsonBuilder *b, const SmpPhotoReport *r, Deferred *defer)
{
	json_builder_set_member_name(b, "dots");
	if (r->measurement)
		build_dot_stats(b, r, defer);
	else
		json_builder_add_null_value(b);
	json_builder_set_member_name(b, "large_blobs");
	if (r->measurement) {
		json_builder_begin_object(b);
		smp_json_int(b, "count", (gint64) r->n_large);
		if (r->items)
			add_items(b, r->large, r->n_large, defer);
		json_builder_end_object(b);
	}
	else
		json_builder_add_null_value(b);
	json_builder_set_member_name(b, "grid");
	if (r->measurement)
		build_grid(b, &r->measurement->grid);
	else
		json_builder_add_null_value(b);
}

static void
build_measurement(JsonBuilder *b, const SmpPhotoReport *r, Deferred *defer)
{
	static const char *stages[4] = {"load", "normalise", "detect", "measure"};

	json_builder_begin_object(b);
	smp_json_string(b, "file", r->file);
	smp_json_int(b, "width", r->width);
	smp_json_int(b, "height", r->height);
	smp_json_int(b, "orientation", r->orientation);
	add_positive_or_null(b, "px_per_mm", r->px_per_mm);
	smp_json_string(b, "scale_source", r->scale_source);
	add_positive_or_null(b, "scale_rel_uncertainty", r->scale_rel_uncertainty);
	json_builder_set_member_name(b, "sticker");
	smp_sticker_to_json(r->sticker, b);
	smp_json_int(b, "roi_px", r->roi_px);
	smp_json_string(b, "roi_source", r->roi_source ? r->roi_source : "whole");
	smp_json_number(b, "backdrop_fraction",
		r->backdrop_fraction >= 0 ? r->backdrop_fraction : NAN, 0.0001);
	build_dots(b, r, defer);
	json_builder_set_member_name(b, "smp");
	smp_artist_to_json(r->artist, b);
	add_warnings(b, r->warnings);
	json_builder_set_member_name(b, "timing_ms");
	json_builder_begin_object(b);
	for (int i = 0; i < 4; i++) {
		json_builder_set_member_name(b, stages[i]);
		if (r->timing_ms[i] >= 0)
			json_builder_add_double_value(b, round(r->timing_ms[i] * 10) / 10);
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

	build_measurement(b, r, NULL);
	return json_builder_get_root(b);
}

static void
build_registration(JsonBuilder *b, const SmpRegistrationReport *reg)
{
	json_builder_begin_object(b);
	smp_json_string(b, "method", reg->method);
	smp_json_string(b, "model", reg->model);
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
	smp_json_bool(b, "ok", reg->ok);
	json_builder_end_object(b);
}

static void
add_count_or_null(JsonBuilder *b, const char *key, gint64 value)
{
	json_builder_set_member_name(b, key);
	if (value >= 0)
		json_builder_add_int_value(b, value);
	else
		json_builder_add_null_value(b);
}

static void
build_change(JsonBuilder *b, const SmpChange *c, const SmpRegistration *reg,
	double before_px_per_mm)
{
	const double nan = NAN;
	gboolean matched = reg && reg->ok && reg->new_dots >= 0;

	json_builder_set_member_name(b, "change");
	json_builder_begin_object(b);
	smp_json_number(b, "per_cm2", c ? c->per_cm2 : nan, 0.01);
	smp_json_number(b, "per_cm2_pct", c ? c->per_cm2_pct : nan, 0.01);
	smp_json_number(b, "per_mpx", c ? c->per_mpx : nan, 0.01);
	smp_json_number(b, "coverage", c ? c->coverage : nan, 0.0001);
	add_count_or_null(b, "new_dots", c ? c->new_dots : -1);
	add_count_or_null(b, "persisting_dots", c ? c->persisting_dots : -1);
	/* Persisting dots compared one to one: growth (spread) of the radius
	 * in before px, and contrast lost (fading) as a difference.
	 */
	smp_json_number(
		b, "growth_px_median", matched ? reg->growth_px_median : nan, 0.01);
	smp_json_number(b, "contrast_change_median",
		matched ? reg->contrast_change_median : nan, 0.001);
	/* The same in mm (before photo's scale) and relative to the before
	 * dot: spread and fading of the pigment between sessions.
	 */
	smp_json_number(b, "growth_mm_median",
		matched && before_px_per_mm > 0
			? reg->growth_px_median / before_px_per_mm
			: nan,
		0.001);
	smp_json_number(
		b, "growth_pct_median", matched ? reg->growth_pct_median : nan, 0.01);
	smp_json_number(b, "contrast_change_pct_median",
		matched ? reg->contrast_change_pct_median : nan, 0.01);
	json_builder_end_object(b);
}

static JsonNode *
build_pair(const SmpPairReport *r, Deferred *defer)
{
	g_autoptr(JsonBuilder) b = json_builder_new();

	json_builder_begin_object(b);
	json_builder_set_member_name(b, "before");
	build_measurement(b, &r->before, defer);
	json_builder_set_member_name(b, "after");
	build_measurement(b, &r->after, defer);
	json_builder_set_member_name(b, "registration");
	if (r->reg)
		smp_register_to_json(r->reg, b);
	else
		build_registration(b, &r->registration);
	json_builder_set_member_name(b, "normalise");
	if (r->norm[0] && r->norm[1]) {
		json_builder_begin_object(b);
		json_builder_set_member_name(b, "before");
		smp_normalise_to_json(r->norm[0], b);
		json_builder_set_member_name(b, "after");
		smp_normalise_to_json(r->norm[1], b);
		json_builder_end_object(b);
	}
	else
		json_builder_add_null_value(b);
	build_change(b, r->change, r->reg, r->before.px_per_mm);
	smp_json_string(b, "composite", r->composite);
	/* Where each photo sits in the composite, for viewers that cut the
	 * panels out (the HTML report's slider).
	 */
	json_builder_set_member_name(b, "composite_panels");
	json_builder_begin_array(b);
	for (int i = 0; r->layout && i < r->layout->n; i++) {
		json_builder_begin_object(b);
		smp_json_int(b, "x", r->layout->x[i]);
		smp_json_int(b, "y", r->layout->y[i]);
		smp_json_int(b, "w", r->layout->w[i]);
		smp_json_int(b, "h", r->layout->h[i]);
		json_builder_end_object(b);
	}
	json_builder_end_array(b);
	json_builder_set_member_name(b, "pipeline");
	json_builder_begin_object(b);
	smp_json_string(b, "name", r->pipeline_name);
	smp_json_string(b, "sha256", r->pipeline_sha256);
	json_builder_end_object(b);
	smp_json_string(b, "smpdoc", SMP_VERSION);
	json_builder_end_object(b);
	return json_builder_get_root(b);
}

JsonNode *
smp_report_pair(const SmpPairReport *r)
{
	return build_pair(r, NULL);
}

/* json-glib 1.6 prints every double with 17 significant digits
 * ("162.09999999999999"). Values were rounded when added, so reprint each
 * number token outside strings with 15 digits, which gives back the short
 * decimal ("162.1") and still round-trips.
 */
static char *
tidy_numbers(const char *text)
{
	GString *out = g_string_sized_new(strlen(text));
	gboolean in_string = FALSE;

	for (const char *p = text; *p;) {
		if (in_string) {
			if (*p == '\\' && p[1]) {
				g_string_append_len(out, p, 2);
				p += 2;
				continue;
			}
			if (*p == '"')
				in_string = FALSE;
			g_string_append_c(out, *p++);
		}
		else if (*p == '"') {
			in_string = TRUE;
			g_string_append_c(out, *p++);
		}
		else if (*p == '-' || g_ascii_isdigit(*p)) {
			char *end;
			double v = g_ascii_strtod(p, &end);
			char buf[G_ASCII_DTOSTR_BUF_SIZE];

			if (memchr(p, '.', end - p) || memchr(p, 'e', end - p))
				g_string_append(
					out, g_ascii_formatd(buf, sizeof(buf), "%.15g", v));
			else
				g_string_append_len(out, p, end - p);
			p = end;
		}
		else
			g_string_append_c(out, *p++);
	}
	return g_string_free(out, FALSE);
}

char *
smp_report_to_string(JsonNode *node, gboolean pretty)
{
	g_autoptr(JsonGenerator) gen = json_generator_new();
	g_autofree char *text = NULL;
	g_autofree char *tidy = NULL;

	json_generator_set_root(gen, node);
	json_generator_set_pretty(gen, pretty);
	json_generator_set_indent(gen, 2);
	text = json_generator_to_data(gen, NULL);
	tidy = tidy_numbers(text);
	return g_strconcat(tidy, "\n", NULL);
}

static void
append_indent(GString *s, int n)
{
	for (int i = 0; i < n; i++)
		g_string_append_c(s, ' ');
}

/* One number as the tree and smp_report_to_string() print it: rounded,
 * then 15 significant digits (tidy_numbers()).
 */
static void
append_number(GString *s, const char *key, double value, double step)
{
	char buf[G_ASCII_DTOSTR_BUF_SIZE];

	g_string_append_printf(s, "\"%s\" : ", key);
	if (isfinite(value))
		g_string_append(s,
			g_ascii_formatd(
				buf, sizeof(buf), "%.15g", smp_json_rounded(value, step)));
	else
		g_string_append(s, "null");
}

/* The "items" array as json-glib pretty-prints it (indent 2) when its
 * key stands @indent spaces in: "[", an object per dot, "]" on the key's
 * column; "[]" when empty. Each dot is formatted and written on its own.
 */
static gboolean
write_items(SmpAtomicFile *f, const SmpDot *dots, gsize n, int indent)
{
	g_autoptr(GString) s = g_string_new("[\n");
	gboolean ok = TRUE;

	if (n == 0)
		return smp_atomic_file_write(f, "[]", 2);

	for (gsize i = 0; ok && i < n; i++) {
		append_indent(s, indent + 2);
		g_string_append(s, "{\n");
		for (int k = 0; k < N_DOT_FIELDS; k++) {
			append_indent(s, indent + 4);
			append_number(s, dot_fields[k].key, dot_field(&dots[i], k),
				dot_fields[k].step);
			g_string_append(s, k + 1 < N_DOT_FIELDS ? ",\n" : "\n");
		}
		append_indent(s, indent + 2);
		g_string_append(s, i + 1 < n ? "},\n" : "}\n");
		ok = smp_atomic_file_write(f, s->str, s->len);
		g_string_truncate(s, 0);
	}
	append_indent(s, indent);
	g_string_append_c(s, ']');
	return ok && smp_atomic_file_write(f, s->str, s->len);
}

/* @node printed as smp_report_to_string() does, with each placeholder
 * of @defer replaced by its dots, into @path atomically.
 */
static gboolean
write_deferred(
	JsonNode *node, const Deferred *defer, const char *path, GError **error)
{
	static const char key[] = "\"items\" : ";
	static const char mark[] = "\"\\u0001smpdoc-items:";
	g_autofree char *text = smp_report_to_string(node, TRUE);
	SmpAtomicFile *f = smp_atomic_file_open(path, error);
	const char *p = text, *q;
	gboolean ok = f != NULL;

	for (int next = 0; ok && next < defer->len; next++) {
		const char *line;
		char *end;

		/* The placeholders come in the order they were made, each as
		 * the value of an "items" key (a string in the data has its
		 * quotes escaped, so it cannot look like one).
		 */
		for (q = strstr(p, mark); q; q = strstr(q + 1, mark))
			if (q - p >= (ptrdiff_t) strlen(key) &&
				strncmp(q - strlen(key), key, strlen(key)) == 0 &&
				g_ascii_strtoll(q + strlen(mark), &end, 10) == next &&
				*end == '"')
				break;
		g_assert(q);
		for (line = q; line > text && line[-1] != '\n'; line--)
			;
		ok = smp_atomic_file_write(f, p, q - p) &&
			write_items(f, defer->dots[next], defer->n[next],
				(int) (q - strlen(key) - line));
		p = end + 1;
	}
	if (!f)
		return FALSE;
	smp_atomic_file_write(f, p, strlen(p));
	return smp_atomic_file_commit(f, error);
}

gboolean
smp_report_measurement_write(
	const SmpPhotoReport *r, const char *path, GError **error)
{
	g_autoptr(JsonBuilder) b = json_builder_new();
	g_autoptr(JsonNode) node = NULL;
	Deferred defer = {0};

	build_measurement(b, r, &defer);
	node = json_builder_get_root(b);
	return write_deferred(node, &defer, path, error);
}

gboolean
smp_report_pair_write(const SmpPairReport *r, const char *path, GError **error)
{
	Deferred defer = {0};
	g_autoptr(JsonNode) node = build_pair(r, &defer);

	return write_deferred(node, &defer, path, error);
}
