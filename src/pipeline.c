/* Pipeline presets read with GKeyFile and checked against a schema: every
 * group and key known, every value a number in its range.
 * SPDX-License-Identifier: MIT
 */
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <glib.h>

#include "smpdoc/artist.h"
#include "smpdoc/budget.h"
#include "smpdoc/composite.h"
#include "smpdoc/error.h"
#include "smpdoc/pipeline.h"
#include "smpdoc/register.h"
#include "smpdoc/roi.h"
#include "smpdoc/scale.h"

typedef enum {
	KEY_DOUBLE,
	KEY_INT,
	KEY_MODEL,
	KEY_ROI,
	KEY_CHOICE,
	KEY_STRING,
	KEY_SIDE,
	KEY_PATH,
	KEY_RECT
} KeyType;

typedef struct KeySpec {
	const char *group;
	const char *key;
	KeyType type;
	size_t offset; /* into SmpPipeline */
	double min, max; /* numbers; for strings max is the byte limit */
	const char *const *choices; /* KEY_CHOICE: names, index stored */
} KeySpec;

static const char *const purposes[] = {"clinical", "portfolio", NULL};
static const char *const consents[] = {"none", "clinical", "marketing", NULL};
/* In the order of SmpLayout and SmpImageFormat (composite.h). */
static const char *const layouts[] = {
	"side-by-side", "stacked", "three-panel", "ghost", NULL};
static const char *const formats[] = {"jpeg", "png", "webp", NULL};

#define D(g, k, field, lo, hi)                                                 \
	{                                                                          \
		g, k, KEY_DOUBLE, offsetof(SmpPipeline, field), lo, hi                 \
	}
#define I(g, k, field, lo, hi)                                                 \
	{                                                                          \
		g, k, KEY_INT, offsetof(SmpPipeline, field), lo, hi                    \
	}
#define S(g, k, field)                                                         \
	{                                                                          \
		g, k, KEY_ROI, offsetof(SmpPipeline, field), 0, 0                      \
	}
#define M(g, k, field)                                                         \
	{                                                                          \
		g, k, KEY_MODEL, offsetof(SmpPipeline, field), 0, 0                    \
	}
#define C(g, k, field, names)                                                  \
	{                                                                          \
		g, k, KEY_CHOICE, offsetof(SmpPipeline, field), 0, 0, names            \
	}
#define P(g, k, field, type)                                                   \
	{                                                                          \
		g, k, type, offsetof(SmpPipeline, field), 0, 0                         \
	}
#define T(g, k, field, max_bytes)                                              \
	{                                                                          \
		g, k, KEY_STRING, offsetof(SmpPipeline, field), 0, max_bytes           \
	}
#define SIDE(g, k, field)                                                      \
	{                                                                          \
		g, k, KEY_SIDE, offsetof(SmpPipeline, field), 0, 0                     \
	}

static const KeySpec schema[] = {
	D("load", "max_megapixels", max_megapixels, 0.01, 1000),
	D("load", "max_file_mb", max_file_mb, 0.01, 4096),
	D("load", "timeout_per_file_s", timeout_per_file_s, 0,
		SMP_TIMEOUT_PER_FILE_MAX),
	I("normalise", "enabled", normalise, 0, 1),
	D("normalise", "flatfield_mm", flatfield_mm, 1, 200),
	P("normalise", "grey_card_rect", grey_card_rect, KEY_RECT),
	M("register", "model", register_model),
	D("register", "rotation_max_deg", rotation_max_deg, 0, 90),
	D("register", "scale_min", scale_min, 0.2, 1),
	D("register", "scale_max", scale_max, 1, 5),
	D("detect", "dot_diameter_min_mm", dot_diameter_min_mm, 0.01, 20),
	D("detect", "dot_diameter_max_mm", dot_diameter_max_mm, 0.01, 20),
	D("detect", "dot_diameter_min_px", dot_diameter_min_px, 1, 500),
	D("detect", "dot_diameter_max_px", dot_diameter_max_px, 1, 500),
	D("detect", "min_contrast", min_contrast, 0, 1),
	S("detect", "roi_polygon", roi_polygon),
	S("detect", "roi_mask", roi_mask),
	I("detect", "exclude_backdrop", exclude_backdrop, 0, 1),
	D("measure", "px_per_mm", px_per_mm, 0, 1000),
	D("measure", "scale_rel_uncertainty", scale_rel_uncertainty, 0, 0.5),
	D("measure", "grid_cell_mm", grid_cell_mm, 0.5, 1000),
	D("measure", "grid_cell_px", grid_cell_px, 4, 100000),
	D("measure", "scale_sticker_mm", scale_sticker_mm, 0, 200),
	D("measure", "scale_sticker_tolerance_mm", scale_sticker_tolerance_mm, 0,
		5),
	SIDE("measure", "hairline", hairline),
	D("measure", "scab_fraction_max", scab_fraction_max, 0, 1),
	D("measure", "merge_margin_mm", merge_margin_mm, 0, 10),
	D("measure", "merge_margin_px", merge_margin_px, 0, 200),
	D("measure", "symmetry_axis_x", symmetry_axis_x, 0.001, 100000),
	I("composite", "long_edge_px", long_edge_px, 64, 30000),
	I("composite", "jpeg_quality", jpeg_quality, 1, 100),
	C("composite", "format", format, formats),
	C("composite", "layout", layout, layouts),
	I("composite", "dots", dots, 0, 1),
	I("composite", "heatmap", heatmap, 0, 1),
	I("composite", "labels", labels, 0, 1),
	I("composite", "scale_bar", scale_bar, 0, 1),
	D("composite", "ghost_opacity", ghost_opacity, 0, 1),
	T("composite", "watermark_text", watermark_text, 200),
	P("composite", "watermark_image", watermark_image, KEY_PATH),
	D("composite", "watermark_width_fraction", watermark_width_fraction, 0.02,
		SMP_WATERMARK_MAX_FRACTION),
	D("composite", "watermark_opacity", watermark_opacity, 0, 1),
	C("output", "purpose", purpose, purposes),
	I("output", "keep_capture_date", keep_capture_date, 0, 1),
	I("output", "keep_gps", keep_gps, 0, 1),
	I("output", "keep_serial", keep_serial, 0, 1),
	I("output", "crop_to_roi", crop_to_roi, 0, 1),
	D("output", "roi_margin_mm", roi_margin_mm, 0, 100),
	D("output", "roi_margin_px", roi_margin_px, 0, 10000),
	T("output", "pseudonym_secret_env", pseudonym_secret_env, 100),
	T("output", "pseudonym_secret_file", pseudonym_secret_file, 4096),
	D("output", "max_lighting_mismatch_ev", max_lighting_mismatch_ev, 0, 10),
	D("output", "max_colour_mismatch_ln", max_colour_mismatch_ln, 0, 5),
	D("output", "max_scale_mismatch_pct", max_scale_mismatch_pct, 0, 100),
	D("output", "max_rotation_mismatch_deg", max_rotation_mismatch_deg, 0, 180),
	C("consent", "require", consent_required, consents),
};

/* Stage groups (DESIGN.md); stages without keys yet still have a name. */
static const char *groups[] = {"load", "normalise", "register", "detect",
	"measure", "composite", "output", "consent"};

static void
set_defaults(SmpPipeline *p)
{
	p->max_megapixels = 100;
	p->max_file_mb = 256;
	p->timeout_per_file_s = SMP_TIMEOUT_PER_FILE_DEFAULT;
	p->normalise = 1;
	p->register_model = SMP_REGISTER_SIMILARITY;
	p->rotation_max_deg = SMP_REGISTER_ROTATION_MAX_DEG;
	p->scale_min = SMP_REGISTER_SCALE_MIN;
	p->scale_max = SMP_REGISTER_SCALE_MAX;
	p->flatfield_mm = 12;
	p->dot_diameter_min_mm = 0.15;
	p->dot_diameter_max_mm = 1.0;
	p->dot_diameter_min_px = 3;
	p->dot_diameter_max_px = 20;
	p->min_contrast = 0.06;
	p->exclude_backdrop = 1;
	p->px_per_mm = 0;
	p->scale_rel_uncertainty = 0;
	p->grid_cell_mm = 10;
	p->grid_cell_px = 200;
	p->scale_sticker_mm = 0;
	p->scale_sticker_tolerance_mm = SMP_STICKER_TOLERANCE_MM;
	p->hairline = SMP_SIDE_NONE;
	p->scab_fraction_max = SMP_ARTIST_SCAB_FRACTION;
	p->merge_margin_mm = SMP_ARTIST_MERGE_MARGIN_MM;
	p->merge_margin_px = SMP_ARTIST_MERGE_MARGIN_PX;
	p->symmetry_axis_x = SMP_ARTIST_SYMMETRY_AXIS;
	p->long_edge_px = 2400;
	p->jpeg_quality = 90;
	p->format = SMP_FORMAT_JPEG;
	p->layout = SMP_LAYOUT_SIDE_BY_SIDE;
	p->dots = 1;
	p->heatmap = 1;
	p->labels = 1;
	p->scale_bar = 1;
	p->ghost_opacity = 0.5;
	p->watermark_width_fraction = SMP_WATERMARK_WIDTH_FRACTION;
	p->watermark_opacity = SMP_WATERMARK_OPACITY;
	p->purpose = SMP_PURPOSE_CLINICAL;
	p->keep_capture_date = 1;
	p->keep_gps = 0;
	p->keep_serial = 0;
	p->crop_to_roi = 0;
	p->roi_margin_mm = 3;
	p->roi_margin_px = 60;
	p->pseudonym_secret_env = g_strdup(SMP_PSEUDONYM_SECRET_ENV);
	p->pseudonym_secret_file = NULL;
	p->max_lighting_mismatch_ev = 1.0;
	p->max_colour_mismatch_ln = 0.3;
	p->max_scale_mismatch_pct = 15;
	p->max_rotation_mismatch_deg = 20;
	p->consent_required = 0;
}

SmpPipeline *
smp_pipeline_new_default(void)
{
	SmpPipeline *p = g_new0(SmpPipeline, 1);

	set_defaults(p);
	p->name = g_strdup("default");
	p->sha256 = g_compute_checksum_for_string(G_CHECKSUM_SHA256, "", 0);
	p->text = g_strdup("");
	return p;
}

void
smp_pipeline_free(SmpPipeline *p)
{
	if (!p)
		return;
	g_free(p->name);
	g_free(p->path);
	g_free(p->sha256);
	g_free(p->roi_polygon);
	g_free(p->roi_mask);
	g_free(p->text);
	g_free(p->pseudonym_secret_env);
	g_free(p->pseudonym_secret_file);
	g_free(p->watermark_text);
	g_free(p->watermark_image);
	g_free(p);
}

/* 1-based line of "[group]" (key NULL) or of "key" inside it; 0 when not
 * found. GKeyFile does not report lines, and users want them.
 */
static int
line_of(const char *data, gsize len, const char *group, const char *key)
{
	g_autofree char *text = g_strndup(data, len);
	g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
	gboolean in_group = FALSE;

	for (int i = 0; lines[i]; i++) {
		char *l = g_strstrip(lines[i]);

		if (l[0] == '[') {
			in_group = strlen(l) == strlen(group) + 2 &&
				strncmp(l + 1, group, strlen(group)) == 0;
			if (in_group && !key)
				return i + 1;
		}
		else if (in_group && key && g_str_has_prefix(l, key)) {
			const char *rest = g_strchug(l + strlen(key));

			if (*rest == '=')
				return i + 1;
		}
	}
	return 0;
}

static const KeySpec *
find_spec(const char *group, const char *key)
{
	for (size_t i = 0; i < G_N_ELEMENTS(schema); i++)
		if (strcmp(schema[i].group, group) == 0 &&
			strcmp(schema[i].key, key) == 0)
			return &schema[i];
	return NULL;
}

static gboolean
known_group(const char *group)
{
	for (size_t i = 0; i < G_N_ELEMENTS(groups); i++)
		if (strcmp(groups[i], group) == 0)
			return TRUE;
	return FALSE;
}

static gboolean config_error(GError **error, const char *path, int line,
	const char *fmt, ...) G_GNUC_PRINTF(4, 5);

static gboolean
config_error(GError **error, const char *path, int line, const char *fmt, ...)
{
	va_list ap;
	g_autofree char *msg = NULL;

	va_start(ap, fmt);
	msg = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	if (line > 0)
		g_set_error(
			error, SMP_ERROR, SMP_ERROR_CONFIG, "%s:%d: %s", path, line, msg);
	else
		g_set_error(error, SMP_ERROR, SMP_ERROR_CONFIG, "%s: %s", path, msg);
	return FALSE;
}

gboolean
smp_parse_rect(const char *text, double rect[4])
{
	g_auto(GStrv) parts = g_strsplit(text ? text : "", ",", -1);
	double v[4];

	if (g_strv_length(parts) != 4)
		return FALSE;
	for (int i = 0; i < 4; i++) {
		char *end = NULL;
		char *t = g_strstrip(parts[i]);

		v[i] = g_ascii_strtod(t, &end);
		if (end == t || *end != '\0' || !isfinite(v[i]) || v[i] < 0)
			return FALSE;
	}
	if (!(v[2] > 0 && v[3] > 0))
		return FALSE;
	memcpy(rect, v, sizeof(v));
	return TRUE;
}

/* A file name key; empty means none. A relative path is taken from the
 * pipeline file's folder, so a pipeline and its watermark travel
 * together.
 */
static gboolean
read_path(GKeyFile *kf, const KeySpec *s, SmpPipeline *p, const char *path,
	int line, GError **error)
{
	GError *local = NULL;
	g_autofree char *v = g_key_file_get_string(kf, s->group, s->key, &local);
	char **field = (char **) ((char *) p + s->offset);

	if (!v) {
		config_error(
			error, path, line, "[%s] %s: %s", s->group, s->key, local->message);
		g_error_free(local);
		return FALSE;
	}
	g_strstrip(v);
	g_clear_pointer(field, g_free);
	if (!*v)
		return TRUE;
	if (!g_path_is_absolute(v)) {
		g_autofree char *dir = g_path_get_dirname(path);

		*field = g_build_filename(dir, v, NULL);
	}
	else
		*field = g_steal_pointer(&v);
	return TRUE;
}

/* One key being read: where it is written and where its value goes. */
typedef struct KeyRead {
	const KeySpec *s;
	const char *path;
	int line;
	char *raw; /* the value as written, stripped; NULL when missing */
	void *field; /* its member of the pipeline */
} KeyRead;

static gboolean
read_roi(const KeyRead *k, GError **error)
{
	const KeySpec *s = k->s;
	char **field = k->field;
	g_autofree char *where = g_strdup_printf("%s:%d", k->path, k->line);

	if (!k->raw || !*k->raw)
		return config_error(
			error, k->path, k->line, "[%s] %s: empty", s->group, s->key);
	if (s->offset == offsetof(SmpPipeline, roi_polygon) &&
		!smp_roi_polygon_parse(k->raw, where, NULL, NULL, error))
		return FALSE;
	g_free(*field);
	*field = g_strdup(k->raw);
	return TRUE;
}

static gboolean
read_rect(const KeyRead *k, GError **error)
{
	double *rect = k->field;

	if (k->raw && !*k->raw) {
		rect[0] = rect[1] = rect[2] = rect[3] = 0;
		return TRUE;
	}
	if (!k->raw || !smp_parse_rect(k->raw, rect))
		return config_error(error, k->path, k->line,
			"[%s] %s: '%s' is not x,y,w,h (pixels, or fractions "
			"when all <= 1; w and h > 0)",
			k->s->group, k->s->key, k->raw ? k->raw : "");
	return TRUE;
}

/* Text, unescaped by GKeyFile (so not the raw value). */
static gboolean
read_string(GKeyFile *kf, const KeyRead *k, GError **error)
{
	const KeySpec *s = k->s;
	char **field = k->field;
	g_autofree char *text = g_key_file_get_string(kf, s->group, s->key, NULL);

	if (!text || !g_utf8_validate(text, -1, NULL) || strlen(text) > s->max)
		return config_error(error, k->path, k->line,
			"[%s] %s: not UTF-8 text of at most %g bytes", s->group, s->key,
			s->max);
	g_free(*field);
	*field = *g_strstrip(text) ? g_strdup(text) : NULL;
	return TRUE;
}

static gboolean
read_choice(const KeyRead *k, GError **error)
{
	const KeySpec *s = k->s;
	g_autofree char *names = NULL;

	for (int i = 0; k->raw && s->choices[i]; i++)
		if (strcmp(k->raw, s->choices[i]) == 0) {
			*(int *) k->field = i;
			return TRUE;
		}
	names = g_strjoinv(", ", (char **) s->choices);
	return config_error(error, k->path, k->line,
		"[%s] %s: '%s' is not one of %s", s->group, s->key,
		k->raw ? k->raw : "", names);
}

static gboolean
read_side(const KeyRead *k, GError **error)
{
	SmpSide side;

	if (!k->raw || !smp_side_parse(k->raw, &side))
		return config_error(error, k->path, k->line,
			"[%s] %s: '%s' is not none, top, bottom, left or right",
			k->s->group, k->s->key, k->raw ? k->raw : "");
	*(int *) k->field = (int) side;
	return TRUE;
}

static gboolean
read_model(const KeyRead *k, GError **error)
{
	SmpRegisterModel model;

	if (!k->raw || !smp_register_model_parse(k->raw, &model))
		return config_error(error, k->path, k->line,
			"[%s] %s: '%s' is not similarity, affine or homography",
			k->s->group, k->s->key, k->raw ? k->raw : "");
	*(int *) k->field = (int) model;
	return TRUE;
}

/* KEY_DOUBLE or KEY_INT within the key's range. */
static gboolean
read_number(const KeyRead *k, GError **error)
{
	const KeySpec *s = k->s;
	char *end = NULL;
	double v = k->raw ? g_ascii_strtod(k->raw, &end) : NAN;

	if (!k->raw || end == k->raw || *end != '\0' || !isfinite(v))
		return config_error(error, k->path, k->line,
			"[%s] %s: '%s' is not a number", s->group, s->key,
			k->raw ? k->raw : "");
	if (s->type == KEY_INT && v != floor(v))
		return config_error(error, k->path, k->line,
			"[%s] %s: '%s' is not a whole number", s->group, s->key, k->raw);
	if (v < s->min || v > s->max)
		return config_error(error, k->path, k->line,
			"[%s] %s: %g is outside %g..%g", s->group, s->key, v, s->min,
			s->max);
	if (s->type == KEY_INT)
		*(int *) k->field = (int) v;
	else
		*(double *) k->field = v;
	return TRUE;
}

/* Read one known key into @p, checking type and range. */
static gboolean
read_key(GKeyFile *kf, const KeySpec *s, SmpPipeline *p, const char *path,
	int line, GError **error)
{
	g_autofree char *raw = g_key_file_get_value(kf, s->group, s->key, NULL);
	KeyRead k = {
		s, path, line, raw ? g_strstrip(raw) : NULL, (char *) p + s->offset};

	switch (s->type) {
	case KEY_ROI:
		return read_roi(&k, error);
	case KEY_PATH:
		return read_path(kf, s, p, path, line, error);
	case KEY_RECT:
		return read_rect(&k, error);
	case KEY_STRING:
		return read_string(kf, &k, error);
	case KEY_CHOICE:
		return read_choice(&k, error);
	case KEY_SIDE:
		return read_side(&k, error);
	case KEY_MODEL:
		return read_model(&k, error);
	case KEY_DOUBLE:
	case KEY_INT:
		break;
	}
	return read_number(&k, error);
}

static gboolean
read_group(GKeyFile *kf, const char *group, SmpPipeline *p, const char *data,
	gsize len, const char *path, GError **error)
{
	g_auto(GStrv) keys = g_key_file_get_keys(kf, group, NULL, NULL);

	if (!known_group(group))
		return config_error(error, path, line_of(data, len, group, NULL),
			"unknown group [%s] (known: load, normalise, register, detect, "
			"measure, composite, output, consent)",
			group);
	for (int k = 0; keys && keys[k]; k++) {
		const KeySpec *s = find_spec(group, keys[k]);
		int line = line_of(data, len, group, keys[k]);

		if (!s)
			return config_error(
				error, path, line, "[%s] unknown key '%s'", group, keys[k]);
		if (!read_key(kf, s, p, path, line, error))
			return FALSE;
	}
	return TRUE;
}

/* Relations between keys that a per-key range cannot express. */
static gboolean
check_consistency(const SmpPipeline *p, const char *path, GError **error)
{
	if (p->dot_diameter_min_mm >= p->dot_diameter_max_mm)
		return config_error(error, path, 0,
			"[detect] dot_diameter_min_mm must be below dot_diameter_max_mm");
	if (p->scale_min >= p->scale_max)
		return config_error(
			error, path, 0, "[register] scale_min must be below scale_max");
	if (p->dot_diameter_min_px >= p->dot_diameter_max_px)
		return config_error(error, path, 0,
			"[detect] dot_diameter_min_px must be below dot_diameter_max_px");
	if (p->roi_polygon && p->roi_mask)
		return config_error(error, path, 0,
			"[detect] roi_polygon and roi_mask: give one, not both");
	/* Marketing use needs marketing consent: no portfolio pipeline can
	 * lower the bar.
	 */
	if (p->purpose == SMP_PURPOSE_PORTFOLIO &&
		p->consent_required != SMP_CONSENT_REQUIRED_MARKETING)
		return config_error(error, path, 0,
			"[output] purpose=portfolio needs [consent] require=marketing");
	return TRUE;
}

static char *
name_from_path(const char *path)
{
	g_autofree char *base = g_path_get_basename(path);

	if (g_str_has_suffix(base, ".pipeline"))
		base[strlen(base) - strlen(".pipeline")] = '\0';
	return g_strdup(base);
}

SmpPipeline *
smp_pipeline_parse(
	const char *data, gsize len, const char *path, GError **error)
{
	g_autoptr(GKeyFile) kf = g_key_file_new();
	g_autoptr(SmpPipeline) p = g_new0(SmpPipeline, 1);
	g_auto(GStrv) names = NULL;
	GError *local = NULL;

	if (len > SMP_PIPELINE_MAX_BYTES) {
		config_error(error, path, 0, "%zu bytes, over the %d byte limit",
			(size_t) len, SMP_PIPELINE_MAX_BYTES);
		return NULL;
	}
	if (memchr(data, '\0', len)) {
		config_error(error, path, 0, "contains a NUL byte; not a text file");
		return NULL;
	}
	if (!g_key_file_load_from_data(kf, data, len, G_KEY_FILE_NONE, &local)) {
		config_error(error, path, 0, "%s", local->message);
		g_error_free(local);
		return NULL;
	}
	set_defaults(p);
	names = g_key_file_get_groups(kf, NULL);
	for (int g = 0; names[g]; g++)
		if (!read_group(kf, names[g], p, data, len, path, error))
			return NULL;
	if (!check_consistency(p, path, error))
		return NULL;
	p->path = g_strdup(path);
	p->name = name_from_path(path);
	p->sha256 = g_compute_checksum_for_data(
		G_CHECKSUM_SHA256, (const guchar *) data, len);
	p->text = g_strndup(data, len);
	return g_steal_pointer(&p);
}

/* @why added below the comment above [@group] @key in @kf. */
static void
note_override(GKeyFile *kf, const char *group, const char *key, const char *why)
{
	g_autofree char *old = g_key_file_get_comment(kf, group, key, NULL);
	g_autofree char *line = g_strconcat(" ", why, NULL);
	g_autofree char *text = NULL;

	if (old && g_str_has_suffix(old, "\n"))
		old[strlen(old) - 1] = '\0';
	text = old && *old ? g_strconcat(old, "\n", line, NULL) : g_strdup(line);
	g_key_file_set_comment(kf, group, key, text, NULL);
}

gboolean
smp_pipeline_override(SmpPipeline *p, const char *group, const char *key,
	const char *value, const char *why, GError **error)
{
	g_autoptr(GKeyFile) kf = g_key_file_new();
	g_autoptr(SmpPipeline) q = NULL;
	g_autofree char *data = NULL;
	SmpPipeline swap;
	gsize len;

	/* The text parsed once already: it loads again. */
	if (*p->text &&
		!g_key_file_load_from_data(
			kf, p->text, strlen(p->text), G_KEY_FILE_KEEP_COMMENTS, error))
		return FALSE;
	g_key_file_set_value(kf, group, key, value);
	if (why)
		note_override(kf, group, key, why);
	data = g_key_file_to_data(kf, &len, NULL);
	q = smp_pipeline_parse(
		data, len, p->path ? p->path : "command-line options", error);
	if (!q)
		return FALSE;
	g_free(q->name);
	q->name = g_strdup(p->name);
	g_free(q->path);
	q->path = g_strdup(p->path);
	swap = *p;
	*p = *q;
	*q = swap;
	return TRUE;
}

SmpPipeline *
smp_pipeline_load(const char *path, GError **error)
{
	g_autofree char *data = NULL;
	gsize len;
	GError *local = NULL;

	if (g_file_test(path, G_FILE_TEST_IS_DIR)) {
		config_error(error, path, 0, "is a directory, not a pipeline file");
		return NULL;
	}
	if (!g_file_get_contents(path, &data, &len, &local)) {
		config_error(error, path, 0, "%s", local->message);
		g_error_free(local);
		return NULL;
	}
	return smp_pipeline_parse(data, len, path, error);
}

SmpPipeline *
smp_pipeline_find(const char *name_or_path, GError **error)
{
	const char *dirs[] = {"pipelines", SMP_DATADIR "/pipelines"};

	if (!name_or_path)
		return smp_pipeline_new_default();
	if (strchr(name_or_path, '/') ||
		g_str_has_suffix(name_or_path, ".pipeline"))
		return smp_pipeline_load(name_or_path, error);
	for (size_t i = 0; i < G_N_ELEMENTS(dirs); i++) {
		g_autofree char *file = g_strdup_printf("%s.pipeline", name_or_path);
		g_autofree char *path = g_build_filename(dirs[i], file, NULL);

		if (g_file_test(path, G_FILE_TEST_IS_REGULAR))
			return smp_pipeline_load(path, error);
	}
	g_set_error(error, SMP_ERROR, SMP_ERROR_CONFIG,
		"%s: no such pipeline (looked in ./pipelines and %s/pipelines)",
		name_or_path, SMP_DATADIR);
	return NULL;
}
