/* Provenance records of portfolio composites and their verification by
 * recomputation (provenance.h, FORMATS.md "Provenance record").
 * SPDX-License-Identifier: MIT
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <glib/gstdio.h>
#include <vips/vips.h>

#include "smpdoc/analysis.h"
#include "smpdoc/error.h"
#include "smpdoc/json_out.h"
#include "smpdoc/meta.h"
#include "smpdoc/provenance.h"
#include "smpdoc/report.h"

#define HASH_CHUNK (1 << 20)
/* Folder levels searched below --originals for the photos. */
#define SMP_VERIFY_MAX_DEPTH 8

char *
smp_file_sha256(const char *path, GError **error)
{
	g_autoptr(GChecksum) sum = g_checksum_new(G_CHECKSUM_SHA256);
	g_autofree guchar *buf = g_malloc(HASH_CHUNK);
	FILE *f = fopen(path, "rb");
	size_t n;

	if (!f) {
		int e = errno;

		g_set_error(error, SMP_ERROR, SMP_ERROR_IO, "%s: load: %s", path,
			g_strerror(e));
		return NULL;
	}
	while ((n = fread(buf, 1, HASH_CHUNK, f)) > 0)
		g_checksum_update(sum, buf, n);
	if (ferror(f)) {
		g_set_error(
			error, SMP_ERROR, SMP_ERROR_IO, "%s: load: read error", path);
		fclose(f);
		return NULL;
	}
	fclose(f);
	return g_strdup(g_checksum_get_string(sum));
}

/* One original: identity, scale and what was done to its pixels. */
static gboolean
add_original(JsonBuilder *b, const SmpPairSpec *spec, int i, GError **error)
{
	const SmpPhoto *ph = spec->photo[i];
	const SmpAnalysis *a = spec->analysis[i];
	g_autofree char *sha = smp_file_sha256(ph->path, error);
	const char *taken = spec->taken[i] ? spec->taken[i] : ph->meta->taken;

	if (!sha)
		return FALSE;
	json_builder_begin_object(b);
	smp_json_string(b, "role", i ? "after" : "before");
	smp_json_string(b, "sha256", sha);
	smp_json_string(b, "taken", taken);
	smp_json_int(b, "session", spec->session[i]);
	smp_json_number(b, "px_per_mm", a->scale.px_per_mm, 0);
	smp_json_number(b, "scale_rel_uncertainty", a->scale.rel_uncertainty, 0);
	smp_json_string(b, "scale_source", a->scale.source);
	smp_json_string(b, "roi_source", a->roi_source);
	json_builder_set_member_name(b, "operations");
	json_builder_begin_array(b);
	json_builder_add_string_value(b, ph->loader);
	json_builder_add_string_value(
		b, smp_report_orientation_action(ph->meta->orientation));
	json_builder_add_string_value(b, "8-bit sRGB, 3 bands");
	if (a->norm)
		json_builder_add_string_value(b,
			i ? "normalise: flat-field, white balance, exposure, tone "
				"match to the before photo"
			  : "normalise: flat-field, white balance, exposure");
	json_builder_end_array(b);
	json_builder_set_member_name(b, "normalise");
	if (a->norm)
		smp_normalise_to_json(a->norm, b);
	else
		json_builder_add_null_value(b);
	json_builder_end_object(b);
	return TRUE;
}

/* How the composite was drawn: every parameter verify needs. */
static void
add_composite(JsonBuilder *b, const SmpPairSpec *spec, const int *roi)
{
	SmpCompositeParams cp;

	/* What smp_pair_write() drew with. */
	if (spec->composite)
		cp = *spec->composite;
	else
		smp_pair_composite_params(spec->pipeline, &cp);
	json_builder_begin_object(b);
	smp_json_string(b, "view", spec->view);
	smp_json_string(b, "layout", smp_layout_name(cp.layout));
	smp_json_string(b, "format", smp_format_name(cp.format));
	smp_json_int(b, "long_edge_px",
		spec->long_edge_px ? spec->long_edge_px : spec->pipeline->long_edge_px);
	smp_json_int(b, "jpeg_quality",
		spec->jpeg_quality ? spec->jpeg_quality : spec->pipeline->jpeg_quality);
	smp_json_bool(b, "dots", cp.dots);
	smp_json_bool(b, "heatmap", cp.heatmap);
	smp_json_bool(b, "scale_bar", cp.scale_bar);
	smp_json_number(b, "ghost_opacity", cp.ghost_opacity, 0);
	smp_json_string(b, "watermark", cp.watermark);
	smp_json_bool(b, "labels", cp.labels);
	/* The logo by path and content: verify draws it again from there,
	 * and refuses when it is not the same file any more.
	 */
	smp_json_string(b, "watermark_image", cp.watermark_image);
	if (cp.watermark_image) {
		g_autofree char *sum = smp_file_sha256(cp.watermark_image, NULL);

		smp_json_string(b, "watermark_image_sha256", sum);
	}
	smp_json_number(b, "watermark_width", cp.watermark_width, 0);
	smp_json_number(b, "watermark_opacity", cp.watermark_opacity, 0);
	smp_json_bool(b, "as_shot", spec->as_shot);
	json_builder_set_member_name(b, "landmarks");
	if (spec->landmarks) {
		json_builder_begin_array(b);
		for (int i = 0; i < 4 * spec->n_landmarks; i++)
			json_builder_add_double_value(b, spec->landmarks[i]);
		json_builder_end_array(b);
	}
	else
		json_builder_add_null_value(b);
	json_builder_set_member_name(b, "roi");
	if (roi) {
		json_builder_begin_array(b);
		for (int i = 0; i < 4; i++)
			json_builder_add_int_value(b, roi[i]);
		json_builder_end_array(b);
	}
	else
		json_builder_add_null_value(b);
	json_builder_set_member_name(b, "operations");
	json_builder_begin_array(b);
	json_builder_add_string_value(b,
		"register after onto before; read both again at the panel's "
		"size; warp after (bicubic) onto the before panel");
	json_builder_add_string_value(b,
		roi ? "crop both to the common overlap and the dotted region (roi)"
			: "both shown whole (not aligned)");
	json_builder_add_string_value(b,
		"resize to long_edge_px; label bars, dot rings, heat map, scale "
		"bar, watermark as listed");
	json_builder_add_string_value(b,
		cp.format == SMP_FORMAT_PNG
			? "PNG (lossless), all metadata stripped, sRGB ICC profile "
			  "embedded"
			: cp.format == SMP_FORMAT_WEBP
			? "WebP at jpeg_quality (libwebp), all metadata stripped, sRGB "
			  "ICC profile embedded"
			: "JPEG at jpeg_quality (libjpeg), all metadata stripped, sRGB "
			  "ICC profile embedded");
	json_builder_end_array(b);
	json_builder_end_object(b);
}

JsonNode *
smp_provenance_build(const SmpPairSpec *spec, const SmpRegistration *reg,
	const int *roi, const char *composite_name, GError **error)
{
	g_autoptr(JsonBuilder) b = json_builder_new();
	const SmpPipeline *pl = spec->pipeline;

	json_builder_begin_object(b);
	smp_json_string(b, "format", SMP_PROVENANCE_FORMAT);
	smp_json_string(b, "smpdoc", SMP_VERSION);
	smp_json_string(b, "libvips", vips_version_string());
	smp_json_string(b, "composite", composite_name);
	json_builder_set_member_name(b, "pipeline");
	json_builder_begin_object(b);
	smp_json_string(b, "name", pl->name);
	smp_json_string(b, "sha256", pl->sha256);
	smp_json_string(b, "text", pl->text);
	json_builder_end_object(b);
	json_builder_set_member_name(b, "originals");
	json_builder_begin_array(b);
	for (int i = 0; i < 2; i++)
		if (!add_original(b, spec, i, error))
			return NULL;
	json_builder_end_array(b);
	json_builder_set_member_name(b, "registration");
	if (reg)
		smp_register_to_json(reg, b);
	else
		json_builder_add_null_value(b);
	json_builder_set_member_name(b, "composite_params");
	add_composite(b, spec, roi);
	json_builder_end_object(b);
	return json_builder_get_root(b);
}

void
smp_verify_result_clear(SmpVerifyResult *r)
{
	g_clear_pointer(&r->reason, g_free);
}

static gboolean verdict(SmpVerifyResult *r, gboolean match, const char *fmt,
	...) G_GNUC_PRINTF(3, 4);

static gboolean
verdict(SmpVerifyResult *r, gboolean match, const char *fmt, ...)
{
	va_list ap;

	r->match = match;
	if (fmt) {
		va_start(ap, fmt);
		r->reason = g_strdup_vprintf(fmt, ap);
		va_end(ap);
	}
	return TRUE;
}

/* The record's text beside @composite. */
static JsonObject *
load_record(const char *composite, JsonParser *parser, GError **error)
{
	g_autofree char *stem = g_strdup(composite);
	char *dot = strrchr(stem, '.');
	g_autofree char *path = NULL;
	JsonNode *root;

	if (dot && !strchr(dot, '/'))
		*dot = '\0';
	path = g_strconcat(stem, SMP_PROVENANCE_SUFFIX, NULL);
	if (!json_parser_load_from_file(parser, path, error)) {
		g_prefix_error(error, "%s: provenance record: ", path);
		return NULL;
	}
	root = json_parser_get_root(parser);
	if (!JSON_NODE_HOLDS_OBJECT(root) ||
		g_strcmp0(json_object_get_string_member_with_default(
					  json_node_get_object(root), "format", ""),
			SMP_PROVENANCE_FORMAT) != 0) {
		g_set_error(error, SMP_ERROR, SMP_ERROR_CORRUPT,
			"%s: provenance record: not a %s object", path,
			SMP_PROVENANCE_FORMAT);
		return NULL;
	}
	return json_node_get_object(root);
}

/* Find the files under @dir whose SHA-256 are @want[0], @want[1]. */
static void
find_originals(const char *dir, int depth, const char *want[2], char *found[2])
{
	g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
	const char *name;

	while (d && (name = g_dir_read_name(d)) && !(found[0] && found[1])) {
		g_autofree char *path = g_build_filename(dir, name, NULL);
		g_autofree char *sha = NULL;

		if (name[0] == '.' || g_file_test(path, G_FILE_TEST_IS_SYMLINK))
			continue;
		if (g_file_test(path, G_FILE_TEST_IS_DIR)) {
			if (depth > 0)
				find_originals(path, depth - 1, want, found);
			continue;
		}
		if (!g_file_test(path, G_FILE_TEST_IS_REGULAR) ||
			!(sha = smp_file_sha256(path, NULL)))
			continue;
		for (int i = 0; i < 2; i++)
			if (!found[i] && strcmp(sha, want[i]) == 0)
				found[i] = g_strdup(path);
	}
}

/* Recomputation inputs read back from the record. */
typedef struct Recipe {
	SmpPipeline *pipeline;
	char *path[2];
	SmpPhoto *photo[2];
	SmpAnalysis *analysis[2];
	SmpCompositeParams cp;
	double *landmarks;
	int n_landmarks;
} Recipe;

static void
recipe_clear(Recipe *r)
{
	for (int i = 0; i < 2; i++) {
		smp_analysis_free(r->analysis[i]);
		smp_photo_free(r->photo[i]);
		g_free(r->path[i]);
	}
	smp_pipeline_free(r->pipeline);
	g_free(r->landmarks);
}

static gboolean
analyse_original(Recipe *r, int i, JsonObject *o, GError **error)
{
	SmpLoadLimits limits;
	SmpScale scale;
	double ppm = json_object_get_double_member_with_default(o, "px_per_mm", 0);
	double unc = json_object_get_double_member_with_default(
		o, "scale_rel_uncertainty", 0);

	smp_load_limits_default(&limits);
	r->photo[i] = smp_photo_load(r->path[i], &limits, error);
	if (!r->photo[i])
		return FALSE;
	smp_analysis_scale(ppm, unc, r->pipeline, &scale);
	r->analysis[i] =
		smp_analyse_photo(r->photo[i], r->pipeline, &scale, 0, error);
	/* As `smpdoc pair` and `batch` do: the composite is made again
	 * through the same path, from the files.
	 */
	return r->analysis[i] != NULL &&
		smp_analysis_release_pixels(r->photo[i], r->analysis[i], error);
}

static void
read_composite_params(Recipe *r, JsonObject *c)
{
	JsonArray *marks = json_object_get_member(c, "landmarks") &&
			JSON_NODE_HOLDS_ARRAY(json_object_get_member(c, "landmarks"))
		? json_object_get_array_member(c, "landmarks")
		: NULL;

	smp_composite_params_default(&r->cp);
	smp_layout_parse(
		json_object_get_string_member_with_default(c, "layout", ""),
		&r->cp.layout);
	/* Recomputed in the composite's own format (records before the
	 * field was added were JPEG).
	 */
	smp_format_parse(
		json_object_get_string_member_with_default(c, "format", "jpeg"),
		&r->cp.format);
	r->cp.dots = json_object_get_boolean_member_with_default(c, "dots", TRUE);
	r->cp.heatmap =
		json_object_get_boolean_member_with_default(c, "heatmap", TRUE);
	r->cp.scale_bar =
		json_object_get_boolean_member_with_default(c, "scale_bar", TRUE);
	r->cp.ghost_opacity = json_object_get_double_member_with_default(
		c, "ghost_opacity", r->cp.ghost_opacity);
	r->cp.watermark =
		json_object_get_string_member_with_default(c, "watermark", NULL);
	/* Records before these fields had labels and no image watermark. */
	r->cp.labels =
		json_object_get_boolean_member_with_default(c, "labels", TRUE);
	r->cp.watermark_image =
		json_object_get_string_member_with_default(c, "watermark_image", NULL);
	r->cp.watermark_width = json_object_get_double_member_with_default(
		c, "watermark_width", r->cp.watermark_width);
	r->cp.watermark_opacity = json_object_get_double_member_with_default(
		c, "watermark_opacity", r->cp.watermark_opacity);
	if (marks && json_array_get_length(marks) % 4 == 0) {
		r->n_landmarks = json_array_get_length(marks) / 4;
		r->landmarks = g_new(double, 4 * r->n_landmarks);
		for (int i = 0; i < 4 * r->n_landmarks; i++)
			r->landmarks[i] = json_array_get_double_element(marks, i);
	}
}

/* Exact comparison of decoded pixels: the largest difference of any
 * band of any pixel, or -1 when the sizes differ.
 */
static double
pixel_difference(const char *a, const char *b, GError **error)
{
	g_autoptr(VipsImage) ia = vips_image_new_from_file(a, NULL);
	g_autoptr(VipsImage) ib = vips_image_new_from_file(b, NULL);
	g_autoptr(VipsImage) diff = NULL;
	g_autoptr(VipsImage) mag = NULL;
	double max;

	if (!ia || !ib) {
		smp_error_from_vips(error, SMP_ERROR_CORRUPT, ia ? b : a, "verify");
		return -2;
	}
	if (ia->Xsize != ib->Xsize || ia->Ysize != ib->Ysize ||
		ia->Bands != ib->Bands)
		return -1;
	if (vips_subtract(ia, ib, &diff, NULL) || vips_abs(diff, &mag, NULL) ||
		vips_max(mag, &max, NULL)) {
		smp_error_from_vips(error, SMP_ERROR_CORRUPT, a, "verify");
		return -2;
	}
	return max;
}

static void
remove_tree(const char *dir)
{
	g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
	const char *name;

	while (d && (name = g_dir_read_name(d))) {
		g_autofree char *p = g_build_filename(dir, name, NULL);

		g_unlink(p);
	}
	g_rmdir(dir);
}

/* Run the pair again into a temporary folder and compare. */
static gboolean
recompute(Recipe *r, JsonObject *rec, const char *composite,
	SmpVerifyResult *result, GError **error)
{
	JsonObject *c = json_object_get_object_member(rec, "composite_params");
	JsonArray *orig = json_object_get_array_member(rec, "originals");
	JsonObject *o[2] = {json_array_get_object_element(orig, 0),
		json_array_get_object_element(orig, 1)};
	const char *inputs[3] = {r->path[0], r->path[1], NULL};
	g_autofree char *tmp = g_dir_make_tmp("smpdoc-verify-XXXXXX", error);
	g_autofree char *made = NULL;
	SmpPairResult res = {0};
	double diff;
	gboolean ok;

	if (!tmp)
		return FALSE;
	read_composite_params(r, c);
	if (r->cp.watermark_image) {
		g_autofree char *sum = smp_file_sha256(r->cp.watermark_image, error);

		if (!sum) {
			g_rmdir(tmp);
			return FALSE;
		}
		if (g_strcmp0(sum,
				json_object_get_string_member_with_default(
					c, "watermark_image_sha256", "")) != 0) {
			g_rmdir(tmp);
			return verdict(result, FALSE,
				"the watermark image %s is not the file the composite was "
				"drawn with",
				r->cp.watermark_image);
		}
	}
	{
		SmpPairSpec spec = {{r->photo[0], r->photo[1]},
			{r->analysis[0], r->analysis[1]},
			{(int) json_object_get_int_member_with_default(o[0], "session", 0),
				(int) json_object_get_int_member_with_default(
					o[1], "session", 1)},
			json_object_get_string_member_with_default(c, "view", NULL),
			{json_object_get_string_member_with_default(o[0], "taken", NULL),
				json_object_get_string_member_with_default(
					o[1], "taken", NULL)},
			r->pipeline,
			(int) json_object_get_int_member_with_default(c, "long_edge_px", 0),
			(int) json_object_get_int_member_with_default(c, "jpeg_quality", 0),
			FALSE, inputs, {NULL, NULL}, &r->cp,
			json_object_get_boolean_member_with_default(c, "as_shot", FALSE),
			r->landmarks, r->n_landmarks};

		ok = smp_pair_write(&spec, tmp, "verify", &res, error);
	}
	if (ok && res.refused)
		verdict(
			result, FALSE, "recomputation refused the pair (%s)", res.refused);
	else if (ok) {
		diff = pixel_difference(composite, res.composite, error);
		ok = diff > -2;
		if (diff == 0)
			verdict(result, TRUE, NULL);
		else if (diff < 0)
			verdict(result, FALSE, "recomputed composite has another size");
		else if (ok)
			verdict(result, FALSE,
				"pixels differ from the recomputation (largest difference "
				"%.0f of 255)",
				diff);
	}
	smp_pair_result_clear(&res);
	remove_tree(tmp);
	return ok;
}

gboolean
smp_provenance_verify(const char *composite, const char *originals_dir,
	SmpVerifyResult *result, GError **error)
{
	g_autoptr(JsonParser) parser = json_parser_new();
	JsonObject *rec, *pl;
	JsonArray *orig;
	const char *want[2], *text;
	Recipe r = {0};
	gboolean ok;

	*result = (SmpVerifyResult){0};
	if (!g_file_test(composite, G_FILE_TEST_IS_REGULAR)) {
		g_set_error(error, SMP_ERROR, SMP_ERROR_IO, "%s: verify: no such file",
			composite);
		return FALSE;
	}
	if (!(rec = load_record(composite, parser, error)))
		return FALSE;
	pl = json_object_get_object_member(rec, "pipeline");
	orig = json_object_get_array_member(rec, "originals");
	text = pl ? json_object_get_string_member_with_default(pl, "text", NULL)
			  : NULL;
	if (!text || !orig || json_array_get_length(orig) != 2 ||
		!json_object_get_object_member(rec, "composite_params")) {
		g_set_error(error, SMP_ERROR, SMP_ERROR_CORRUPT,
			"%s: provenance record: pipeline, originals or composite_params "
			"missing",
			composite);
		return FALSE;
	}
	r.pipeline =
		smp_pipeline_parse(text, strlen(text), "provenance pipeline", error);
	if (!r.pipeline)
		return FALSE;
	g_free(r.pipeline->name);
	r.pipeline->name = g_strdup(
		json_object_get_string_member_with_default(pl, "name", "pipeline"));
	if (g_strcmp0(r.pipeline->sha256,
			json_object_get_string_member_with_default(pl, "sha256", "")) !=
		0) {
		recipe_clear(&r);
		return verdict(result, FALSE,
			"the record's pipeline text does not have its recorded hash");
	}
	for (int i = 0; i < 2; i++) {
		JsonObject *o = json_array_get_object_element(orig, i);
		const char *roi = json_object_get_string_member_with_default(
			o, "roi_source", "whole");

		want[i] = json_object_get_string_member_with_default(o, "sha256", "");
		/* A region given per photo is not in the record (yet). */
		if (strcmp(roi, "whole") != 0 && strcmp(roi, "pipeline") != 0) {
			g_set_error(error, SMP_ERROR, SMP_ERROR_UNSUPPORTED,
				"%s: verify: the %s photo's region of interest came from the "
				"%s, which the record does not hold",
				composite, i ? "after" : "before", roi);
			recipe_clear(&r);
			return FALSE;
		}
	}
	find_originals(originals_dir, SMP_VERIFY_MAX_DEPTH, want, r.path);
	if (!r.path[0] || !r.path[1]) {
		g_set_error(error, SMP_ERROR, SMP_ERROR_IO,
			"%s: verify: the %s original (SHA-256 %.16s...) is not under %s",
			composite, r.path[0] ? "after" : "before",
			r.path[0] ? want[1] : want[0], originals_dir);
		recipe_clear(&r);
		return FALSE;
	}
	ok = analyse_original(
			 &r, 0, json_array_get_object_element(orig, 0), error) &&
		analyse_original(
			&r, 1, json_array_get_object_element(orig, 1), error) &&
		recompute(&r, rec, composite, result, error);
	recipe_clear(&r);
	return ok;
}
