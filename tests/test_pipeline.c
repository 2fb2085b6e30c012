/* Tests of pipeline files: the shipped presets parse, every documented key
 * round-trips, typos and bad values are rejected with file:line.
 * SPDX-License-Identifier: MIT
 */
#include <string.h>

#include <glib.h>

#include "test.h"
#include "smpdoc/artist.h"
#include "smpdoc/error.h"
#include "smpdoc/composite.h"
#include "smpdoc/pair.h"
#include "smpdoc/pipeline.h"

static SmpPipeline *
parse(const char *text, GError **error)
{
	return smp_pipeline_parse(text, strlen(text), "t.pipeline", error);
}

/* Parsing @text fails with a message containing @expect. */
static void
assert_rejected(const char *text, const char *expect)
{
	GError *error = NULL;
	SmpPipeline *p = parse(text, &error);

	assert_null(p);
	assert_non_null(error);
	assert_true(g_error_matches(error, SMP_ERROR, SMP_ERROR_CONFIG));
	if (!strstr(error->message, expect))
		fail_msg("'%s' not in '%s'", expect, error->message);
	g_error_free(error);
}

static void
test_pipeline_session_preset_equals_defaults(void **state)
{
	GError *error = NULL;
	g_autoptr(SmpPipeline) file = smp_pipeline_find("session", &error);
	g_autoptr(SmpPipeline) def = smp_pipeline_new_default();

	(void) state;
	assert_no_gerror(error);
	assert_string_equal(file->name, "session");
	assert_int_equal(strlen(file->sha256), 64);
	/* The preset documents the defaults: every value equal. */
	assert_true(file->max_megapixels == def->max_megapixels);
	assert_int_equal(file->normalise, def->normalise);
	assert_int_equal(file->register_model, def->register_model);
	assert_true(file->rotation_max_deg == def->rotation_max_deg);
	assert_true(file->flatfield_mm == def->flatfield_mm);
	assert_true(file->dot_diameter_min_mm == def->dot_diameter_min_mm);
	assert_true(file->dot_diameter_max_mm == def->dot_diameter_max_mm);
	assert_true(file->dot_diameter_min_px == def->dot_diameter_min_px);
	assert_true(file->dot_diameter_max_px == def->dot_diameter_max_px);
	assert_true(file->min_contrast == def->min_contrast);
	assert_true(file->grid_cell_mm == def->grid_cell_mm);
	assert_true(file->grid_cell_px == def->grid_cell_px);
	assert_int_equal(file->long_edge_px, def->long_edge_px);
	assert_int_equal(file->jpeg_quality, def->jpeg_quality);
	assert_int_equal(file->format, def->format);
	assert_int_equal(file->layout, def->layout);
	assert_int_equal(file->dots, def->dots);
	assert_int_equal(file->heatmap, def->heatmap);
	assert_int_equal(file->labels, def->labels);
	assert_int_equal(file->scale_bar, def->scale_bar);
	assert_true(file->ghost_opacity == def->ghost_opacity);
	assert_null(file->watermark_text);
	assert_null(file->watermark_image);
	assert_true(
		file->watermark_width_fraction == def->watermark_width_fraction);
	assert_true(file->watermark_opacity == def->watermark_opacity);
}

/* Every [composite] key reaches the composite's parameters, and a relative
 * watermark image is taken from the pipeline file's folder.
 */
static void
test_pipeline_composite_keys_reach_the_composite(void **state)
{
	static const char text[] = "[composite]\nformat=webp\nlayout=ghost\n"
							   "dots=0\nheatmap=0\nlabels=0\nscale_bar=0\n"
							   "ghost_opacity=0.3\njpeg_quality=70\n"
							   "long_edge_px=1000\n"
							   "watermark_text= Studio é © \n"
							   "watermark_image=logo.png\n"
							   "watermark_width_fraction=0.2\n"
							   "watermark_opacity=0.4\n";
	GError *error = NULL;
	g_autoptr(SmpPipeline) p = smp_pipeline_parse(
		text, strlen(text), "/srv/presets/t.pipeline", &error);
	SmpCompositeParams cp;

	(void) state;
	assert_no_gerror(error);
	smp_pair_composite_params(p, &cp);
	assert_int_equal(cp.format, SMP_FORMAT_WEBP);
	assert_int_equal(cp.layout, SMP_LAYOUT_GHOST);
	assert_false(cp.dots);
	assert_false(cp.heatmap);
	assert_false(cp.labels);
	assert_false(cp.scale_bar);
	assert_true(cp.ghost_opacity == 0.3);
	assert_int_equal(cp.quality, 70);
	assert_int_equal(cp.long_edge_px, 1000);
	assert_string_equal(cp.watermark, "Studio é ©");
	assert_string_equal(cp.watermark_image, "/srv/presets/logo.png");
	assert_true(cp.watermark_width == 0.2);
	assert_true(cp.watermark_opacity == 0.4);
	assert_string_equal(smp_format_extension(cp.format), "webp");
	assert_rejected("[composite]\nformat=gif\n",
		"t.pipeline:2: [composite] format: 'gif' is not one of jpeg, png, "
		"webp");
	assert_rejected(
		"[composite]\nlayout=mosaic\n", "[composite] layout: 'mosaic'");
	assert_rejected("[composite]\ndots=2\n", "outside 0..1");
	assert_rejected(
		"[composite]\nwatermark_width_fraction=0.9\n", "outside 0.02..0.4");
}

static void
test_pipeline_grey_card_rect(void **state)
{
	g_autoptr(SmpPipeline) p =
		parse("[normalise]\ngrey_card_rect = 10, 20.5,300,0.5\n", NULL);
	g_autoptr(SmpPipeline) none = parse("[normalise]\ngrey_card_rect=\n", NULL);

	(void) state;
	assert_non_null(p);
	assert_true(p->grey_card_rect[0] == 10 && p->grey_card_rect[1] == 20.5 &&
		p->grey_card_rect[2] == 300 && p->grey_card_rect[3] == 0.5);
	assert_non_null(none);
	assert_true(none->grey_card_rect[2] == 0);
	assert_rejected("[normalise]\ngrey_card_rect=1,2,3\n",
		"t.pipeline:2: [normalise] grey_card_rect: '1,2,3' is not x,y,w,h");
	assert_rejected("[normalise]\ngrey_card_rect=1,2,0,4\n", "is not x,y,w,h");
	assert_rejected("[normalise]\ngrey_card_rect=-1,2,3,4\n", "is not x,y,w,h");
}

static void
test_pipeline_every_key_round_trips(void **state)
{
	GError *error = NULL;
	g_autoptr(SmpPipeline) p = parse("[load]\nmax_megapixels=24.5\n"
									 "max_file_mb=50\n"
									 "[normalise]\nenabled=0\n"
									 "flatfield_mm=20\n"
									 "[register]\nmodel=affine\n"
									 "rotation_max_deg=15\nscale_min=0.8\n"
									 "scale_max=1.2\n"
									 "[detect]\ndot_diameter_min_mm=0.2\n"
									 "dot_diameter_max_mm=1.5\n"
									 "dot_diameter_min_px=4\n"
									 "dot_diameter_max_px=30\n"
									 "min_contrast=0.1\n"
									 "[measure]\npx_per_mm=18.5\n"
									 "scale_rel_uncertainty=0.01\n"
									 "grid_cell_mm=5\ngrid_cell_px=100\n"
									 "[composite]\nlong_edge_px=1600\n"
									 "jpeg_quality=85\n",
		&error);

	(void) state;
	assert_no_gerror(error);
	assert_true(p->max_megapixels == 24.5);
	assert_true(p->max_file_mb == 50);
	assert_int_equal(p->normalise, 0);
	assert_int_equal(p->register_model, 1);
	assert_true(p->rotation_max_deg == 15);
	assert_true(p->scale_min == 0.8 && p->scale_max == 1.2);
	assert_true(p->flatfield_mm == 20);
	assert_true(p->dot_diameter_min_mm == 0.2);
	assert_true(p->dot_diameter_max_mm == 1.5);
	assert_true(p->dot_diameter_min_px == 4);
	assert_true(p->dot_diameter_max_px == 30);
	assert_true(p->min_contrast == 0.1);
	assert_true(p->px_per_mm == 18.5);
	assert_true(p->scale_rel_uncertainty == 0.01);
	assert_true(p->grid_cell_mm == 5);
	assert_true(p->grid_cell_px == 100);
	assert_int_equal(p->long_edge_px, 1600);
	assert_int_equal(p->jpeg_quality, 85);
}

static void
test_pipeline_typos_and_bad_values_name_file_and_line(void **state)
{
	(void) state;
	assert_rejected("[detect]\ndot_diameter_min_mm=0.2\ndot_diamter_max_mm=1\n",
		"t.pipeline:3: [detect] unknown key 'dot_diamter_max_mm'");
	assert_rejected("# c\n[detetc]\nx=1\n", "t.pipeline:2: unknown group");
	assert_rejected("[register]\nmodel=perspective\n",
		"t.pipeline:2: [register] model: 'perspective' is not");
	assert_rejected("[composite]\njpeg_quality=high\n",
		"t.pipeline:2: [composite] jpeg_quality: 'high' is not a number");
	assert_rejected("[composite]\njpeg_quality=90.5\n", "not a whole number");
	assert_rejected("[composite]\njpeg_quality=101\n", "outside 1..100");
	assert_rejected("[measure]\npx_per_mm=nan\n", "not a number");
	assert_rejected("[detect]\ndot_diameter_min_mm=2\n",
		"dot_diameter_min_mm must be below");
	assert_rejected("not a key file\n", "t.pipeline");
}

static void
test_pipeline_hostile_text_rejected(void **state)
{
	static const char with_nul[] = "[load]\nmax_megapixels=1\0\n";
	GError *error = NULL;
	g_autofree char *huge = g_strnfill(SMP_PIPELINE_MAX_BYTES + 1, '#');

	(void) state;
	assert_null(
		smp_pipeline_parse(with_nul, sizeof(with_nul) - 1, "n", &error));
	assert_non_null(strstr(error->message, "NUL"));
	g_clear_error(&error);
	assert_null(parse(huge, &error));
	assert_non_null(strstr(error->message, "limit"));
	g_clear_error(&error);
	assert_null(smp_pipeline_find("no-such-pipeline", &error));
	assert_non_null(strstr(error->message, "no-such-pipeline"));
	g_clear_error(&error);
	assert_null(smp_pipeline_load("pipelines", &error));
	assert_non_null(strstr(error->message, "directory"));
	g_clear_error(&error);
}

static void
test_pipeline_hash_follows_content(void **state)
{
	g_autoptr(SmpPipeline) a = parse("[load]\nmax_megapixels=10\n", NULL);
	g_autoptr(SmpPipeline) b = parse("[load]\nmax_megapixels=11\n", NULL);
	g_autoptr(SmpPipeline) c = parse("[load]\nmax_megapixels=10\n", NULL);

	(void) state;
	assert_string_not_equal(a->sha256, b->sha256);
	assert_string_equal(a->sha256, c->sha256);
}

static void
test_pipeline_output_and_consent_groups(void **state)
{
	GError *error = NULL;
	g_autoptr(SmpPipeline) pf = smp_pipeline_find("portfolio", &error);
	g_autoptr(SmpPipeline) ar = NULL;
	g_autoptr(SmpPipeline) p = NULL;
	g_autoptr(SmpPipeline) def = smp_pipeline_new_default();
	g_autoptr(SmpPipeline) session = smp_pipeline_find("session", NULL);

	(void) state;
	assert_no_gerror(error);
	assert_int_equal(pf->purpose, SMP_PURPOSE_PORTFOLIO);
	assert_int_equal(pf->consent_required, SMP_CONSENT_REQUIRED_MARKETING);
	assert_int_equal(pf->crop_to_roi, 1);
	ar = smp_pipeline_find("archive", &error);
	assert_no_gerror(error);
	assert_int_equal(ar->purpose, SMP_PURPOSE_CLINICAL);
	/* The session preset documents the defaults of the new groups too. */
	assert_int_equal(session->purpose, def->purpose);
	assert_int_equal(session->keep_capture_date, def->keep_capture_date);
	assert_int_equal(session->keep_gps, def->keep_gps);
	assert_int_equal(session->keep_serial, def->keep_serial);
	assert_true(
		session->max_lighting_mismatch_ev == def->max_lighting_mismatch_ev);
	assert_true(session->max_colour_mismatch_ln == def->max_colour_mismatch_ln);
	assert_true(session->max_scale_mismatch_pct == def->max_scale_mismatch_pct);
	assert_true(
		session->max_rotation_mismatch_deg == def->max_rotation_mismatch_deg);
	assert_string_equal(
		session->pseudonym_secret_env, def->pseudonym_secret_env);
	assert_int_equal(session->consent_required, def->consent_required);

	p = parse("[output]\nkeep_gps=1\npseudonym_secret_file=/etc/smp/key\n"
			  "pseudonym_secret_env=\n[consent]\nrequire=clinical\n",
		&error);
	assert_no_gerror(error);
	assert_int_equal(p->keep_gps, 1);
	assert_string_equal(p->pseudonym_secret_file, "/etc/smp/key");
	assert_null(p->pseudonym_secret_env);
	assert_int_equal(p->consent_required, SMP_CONSENT_REQUIRED_CLINICAL);
	assert_rejected("[output]\npurpose=advert\n",
		"t.pipeline:2: [output] purpose: 'advert' is not one of clinical, "
		"portfolio");
	assert_rejected("[consent]\nrequire=yes\n", "t.pipeline:2:");
	assert_rejected("[output]\nkeep_gps=2\n", "t.pipeline:2:");
}

/* An override is written into the text and hash, keeps the comment above
 * the key and the other keys, reparses to the same value; a bad value
 * leaves the pipeline as it was.
 */
static void
test_pipeline_override_is_recorded(void **state)
{
	GError *error = NULL;
	g_autoptr(SmpPipeline) p = smp_pipeline_find("session", &error);
	g_autoptr(SmpPipeline) again = NULL;
	g_autoptr(SmpPipeline) def = smp_pipeline_new_default();
	g_autofree char *sha = NULL;

	(void) state;
	assert_no_gerror(error);
	sha = g_strdup(p->sha256);
	assert_true(smp_pipeline_override(
		p, "measure", "scale_sticker_mm", "12", "set by --sticker-mm", &error));
	assert_no_gerror(error);
	assert_true(p->scale_sticker_mm == 12);
	assert_string_equal(p->name, "session");
	assert_non_null(strstr(p->text, "\nscale_sticker_mm=12\n"));
	assert_non_null(strstr(p->text, "# set by --sticker-mm\n"));
	assert_non_null(strstr(p->text, "# Calibration sticker: diameter"));
	assert_string_not_equal(p->sha256, sha);
	again = smp_pipeline_parse(p->text, strlen(p->text), "again", &error);
	assert_no_gerror(error);
	assert_string_equal(again->sha256, p->sha256);
	assert_true(again->scale_sticker_mm == 12);
	assert_true(again->grid_cell_mm == p->grid_cell_mm);
	g_free(sha);
	sha = g_strdup(p->sha256);
	assert_false(smp_pipeline_override(
		p, "measure", "hairline", "middle", NULL, &error));
	assert_non_null(error);
	g_clear_error(&error);
	assert_string_equal(p->sha256, sha);
	assert_true(p->scale_sticker_mm == 12);
	/* The built-in default gets a text of its own. */
	assert_true(
		smp_pipeline_override(def, "measure", "hairline", "top", NULL, &error));
	assert_no_gerror(error);
	assert_int_equal(def->hairline, SMP_SIDE_TOP);
	assert_null(def->path);
	assert_string_equal(def->name, "default");
	assert_non_null(strstr(def->text, "[measure]\nhairline=top\n"));
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_pipeline_override_is_recorded),
	cmocka_unit_test(test_pipeline_output_and_consent_groups),
	cmocka_unit_test(test_pipeline_session_preset_equals_defaults),
	cmocka_unit_test(test_pipeline_every_key_round_trips),
	cmocka_unit_test(test_pipeline_composite_keys_reach_the_composite),
	cmocka_unit_test(test_pipeline_grey_card_rect),
	cmocka_unit_test(test_pipeline_typos_and_bad_values_name_file_and_line),
	cmocka_unit_test(test_pipeline_hostile_text_rejected),
	cmocka_unit_test(test_pipeline_hash_follows_content),
};

SMP_TEST_MAIN("pipeline", tests)
