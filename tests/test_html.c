/* Tests of the HTML report over small generated output folders: a slider
 * per pair with panels cut where the composite put them, hostile names
 * escaped, nothing fetched from the network, every reference present.
 * SPDX-License-Identifier: MIT
 */
#include <math.h>
#include <string.h>

#include <glib.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "test.h"
#include "smpdoc/catalog.h"
#include "smpdoc/composite.h"
#include "smpdoc/html.h"

#define HOSTILE "<script>alert(1)</script>"
#define W 400
#define H 300

/* A pair sidecar in the FORMATS.md shape, with the hostile text in a
 * warning message.
 */
static char *
sidecar_text(const char *composite, gboolean ok, gboolean scale)
{
	const char *px = scale ? "20" : "null";
	const char *dens = scale ? "120.5" : "null";

	return g_strdup_printf(
		"{\"before\": {\"file\": \"0/top.jpg\", \"width\": %d, "
		"\"height\": %d, \"px_per_mm\": %s, \"dots\": {\"count\": 100, "
		"\"per_cm2\": %s, \"per_cm2_ci95\": [110.1, 130.2], "
		"\"per_mpx\": 800, \"coverage\": 0.12, \"nn_mean_mm\": 0.5, "
		"\"clark_evans\": 1.1, \"items\": [{\"x\": 1, \"y\": 2, \"r\": 1, "
		"\"contrast\": 0.2}]}, \"warnings\": [{\"code\": \"blur\", "
		"\"message\": \"focus " HOSTILE "\"}]},\n"
		"\"after\": {\"file\": \"1/top.jpg\", \"width\": %d, "
		"\"height\": %d, \"px_per_mm\": %s, \"dots\": {\"count\": 150, "
		"\"per_cm2\": %s, \"per_mpx\": 1200, \"coverage\": 0.15}, "
		"\"warnings\": []},\n"
		"\"registration\": {\"method\": \"none\", \"model\": "
		"\"similarity\", \"matrix\": [[1, 0, 0], [0, 1, 0], [0, 0, 1]], "
		"\"score\": %s, \"ok\": %s},\n"
		"\"change\": {\"per_cm2\": 30, \"per_cm2_pct\": 25, \"coverage\": "
		"0.03, \"new_dots\": null, \"persisting_dots\": null},\n"
		"\"composite\": %s%s%s, \"pipeline\": {\"name\": \"session\", "
		"\"sha256\": \"abc123\"}, \"smpdoc\": \"0.1.0\"}\n",
		W, H, px, dens, W, H, px, dens, ok ? "0.9" : "null",
		ok ? "true" : "false", composite ? "\"" : "",
		composite ? composite : "null", composite ? "\"" : "");
}

static void
write_file(const char *dir, const char *rel, const char *text)
{
	g_autofree char *path = g_build_filename(dir, rel, NULL);
	g_autofree char *folder = g_path_get_dirname(path);

	assert_int_equal(g_mkdir_with_parents(folder, 0755), 0);
	assert_true(g_file_set_contents(path, text, -1, NULL));
}

/* A composite of the size the composite module's layout gives, with the
 * before panel red and the after panel blue, so that a thumbnail shows
 * where it was cut.
 */
static void
write_composite(const char *dir, const char *rel, gboolean aligned)
{
	g_autofree char *path = g_build_filename(dir, rel, NULL);
	SmpCompositeParams cp;
	SmpCompositeLayout L;
	VipsImage *im = NULL;
	VipsImage *mem;
	double red[3] = {220, 30, 30}, blue[3] = {30, 30, 220};

	smp_composite_params_default(&cp);
	cp.aligned = aligned;
	smp_composite_layout(W, H, W, H, &cp, &L);
	assert_vips_ok(vips_black(&im, L.width, L.height, "bands", 3, NULL));
	mem = vips_image_copy_memory(im);
	g_object_unref(im);
	assert_non_null(mem);
	assert_vips_ok(vips_draw_rect(
		mem, red, 3, L.x[0], L.y[0], L.w[0], L.h[0], "fill", TRUE, NULL));
	assert_vips_ok(vips_draw_rect(
		mem, blue, 3, L.x[1], L.y[1], L.w[1], L.h[1], "fill", TRUE, NULL));
	assert_vips_ok(vips_image_write_to_file(mem, path, NULL));
	g_object_unref(mem);
}

static void
put_catalogue(const char *dir)
{
	g_autofree char *path = g_build_filename(dir, "catalog.sqlite", NULL);
	SmpCatalog *c = smp_catalog_open(path, TRUE, NULL);
	const char *sidecars[] = {"c1/top-s0-s1.json", "c1/top-s0-s2.json"};
	const char *keys[] = {"k0", "k1", "k2"};

	assert_non_null(c);
	assert_true(smp_catalog_begin(c, NULL));
	for (int s = 0; s < 3; s++) {
		SmpPhotoRecord r = {.key = keys[s],
			.content_sha256 = keys[s],
			.pipeline_sha256 = "p",
			.source = keys[s],
			.client = HOSTILE,
			.session = s,
			.view = "top",
			.taken = "2024-01-01",
			.ok = TRUE,
			.dot_count = 100,
			.per_cm2 = 100 + 20 * s,
			.per_cm2_lo = 90,
			.per_cm2_hi = 110 + 20 * s,
			.per_mpx = 800,
			.coverage = 0.1,
			.nn_mean_mm = NAN,
			.clark_evans = NAN};

		assert_true(smp_catalog_put_photo(c, &r, NULL));
	}
	for (int i = 0; i < 2; i++) {
		g_autofree char *comp = g_strndup(sidecars[i], strlen(sidecars[i]) - 4);
		g_autofree char *jpg = g_strconcat(comp, "jpg", NULL);
		SmpPairRecord p = {.key = keys[i + 1],
			.before_key = "k0",
			.after_key = keys[i + 1],
			.pipeline_sha256 = "p",
			.client = HOSTILE,
			.view = "top",
			.session_before = 0,
			.session_after = i + 1,
			.ok = TRUE,
			.composite = jpg,
			.sidecar = sidecars[i],
			.new_dots = -1,
			.persisting_dots = -1};

		assert_true(smp_catalog_put_pair(c, &p, NULL));
	}
	assert_true(smp_catalog_commit(c, NULL));
	smp_catalog_close(c);
}

/* A batch-like folder: catalogue, two pairs of one hostile client,
 * errors.csv with a hostile reason.
 */
static char *
make_batch_folder(void)
{
	char *dir = smp_test_tmpdir();
	g_autofree char *a = sidecar_text("top-s0-s1.jpg", FALSE, TRUE);
	g_autofree char *b = sidecar_text("top-s0-s2.jpg", TRUE, TRUE);

	write_file(dir, "c1/top-s0-s1.json", a);
	write_file(dir, "c1/top-s0-s2.json", b);
	write_composite(dir, "c1/top-s0-s1.jpg", FALSE);
	write_composite(dir, "c1/top-s0-s2.jpg", TRUE);
	write_file(dir, "errors.csv",
		"source,stage,reason\n"
		"c9/0/top.jpg,photo,\"load: <img src=x "
		"onerror=alert(2)>, truncated\"\n");
	put_catalogue(dir);
	return dir;
}

static char *
read_index(const char *dir)
{
	g_autofree char *path = g_build_filename(dir, "report", "index.html", NULL);
	char *text = NULL;

	assert_true(g_file_get_contents(path, &text, NULL, NULL));
	return text;
}

static int
count(const char *hay, const char *needle)
{
	int n = 0;

	for (const char *p = strstr(hay, needle); p; p = strstr(p + 1, needle))
		n++;
	return n;
}

static void
run_report(const char *dir, const SmpHtmlOptions *o, SmpHtmlSummary *s)
{
	GError *error = NULL;

	assert_true(smp_html_report(dir, o, s, &error));
	assert_no_gerror(error);
}

static void
test_html_one_slider_per_pair(void **state)
{
	g_autofree char *dir = make_batch_folder();
	g_autofree char *html = NULL;
	SmpHtmlSummary s = {0};

	(void) state;
	run_report(dir, NULL, &s);
	assert_int_equal(s.pairs, 2);
	assert_int_equal(s.sliders, 2);
	assert_int_equal(s.problems, 0);
	assert_int_equal(s.failures, 1);
	html = read_index(dir);
	assert_int_equal(count(html, "<article class=\"pair\""), 2);
	assert_int_equal(count(html, "<input class=\"slider\" type=\"range\""), 2);
	assert_int_equal(count(html, "aria-label=\"Before/after divider"), 2);
	/* The unaligned pair says so; the aligned one does not. */
	assert_int_equal(count(html, ">NOT ALIGNED<"), 1);
	assert_non_null(strstr(html, "<svg class=\"chart\""));
	assert_non_null(strstr(html, "120.5 (110.1–130.2)"));
	smp_html_summary_clear(&s);
	smp_test_rmtree(dir);
}

static void
test_html_escapes_hostile_names(void **state)
{
	g_autofree char *dir = make_batch_folder();
	g_autofree char *html = NULL;
	SmpHtmlSummary s = {0};

	(void) state;
	run_report(dir, NULL, &s);
	html = read_index(dir);
	assert_null(strstr(html, "<script>alert"));
	assert_null(strstr(html, "<img src=x"));
	assert_non_null(strstr(html, "&lt;script&gt;alert(1)&lt;/script&gt;"));
	assert_non_null(strstr(html, "&lt;img src=x onerror=alert(2)&gt;"));
	/* Two scripts: the data and the slider code. */
	assert_int_equal(count(html, "<script"), 2);
	smp_html_summary_clear(&s);
	smp_test_rmtree(dir);
}

/* The embedded data holds no '<' at all, and reads back as the JSON it
 * was, hostile strings included.
 */
static void
test_html_embedded_json_is_inert(void **state)
{
	g_autofree char *dir = make_batch_folder();
	g_autofree char *html = NULL;
	g_autofree char *json = NULL;
	g_autoptr(JsonParser) parser = json_parser_new();
	const char *open = "<script type=\"application/json\" id=\"smpdoc-data\">";
	const char *start, *end;
	JsonArray *pairs;
	SmpHtmlSummary s = {0};

	(void) state;
	run_report(dir, NULL, &s);
	html = read_index(dir);
	start = strstr(html, open);
	assert_non_null(start);
	start += strlen(open);
	end = strstr(start, "</script>");
	assert_non_null(end);
	json = g_strndup(start, end - start);
	assert_null(strchr(json, '<'));
	assert_true(json_parser_load_from_data(parser, json, -1, NULL));
	pairs = json_object_get_array_member(
		json_node_get_object(json_parser_get_root(parser)), "pairs");
	assert_int_equal(json_array_get_length(pairs), 2);
	assert_string_equal(json_object_get_string_member(
							json_array_get_object_element(pairs, 0), "client"),
		HOSTILE);
	smp_html_summary_clear(&s);
	smp_test_rmtree(dir);
}

static void
test_html_script_json_escapes_every_lt(void **state)
{
	g_autofree char *out = smp_html_script_json("{\"a\": \"</script><!--\"}");

	(void) state;
	assert_null(strchr(out, '<'));
	assert_string_equal(out, "{\"a\": \"\\u003c/script>\\u003c!--\"}");
}

static void
test_html_embeds_no_remote_url(void **state)
{
	g_autofree char *dir = make_batch_folder();
	g_autofree char *html = NULL;
	SmpHtmlSummary s = {0};

	(void) state;
	run_report(dir, NULL, &s);
	html = read_index(dir);
	assert_null(strstr(html, "http://"));
	assert_null(strstr(html, "https://"));
	assert_null(strstr(html, "//cdn"));
	assert_null(strstr(html, "@import"));
	assert_null(strstr(html, "url("));
	smp_html_summary_clear(&s);
	smp_test_rmtree(dir);
}

/* The value of every src="" and href="" (not #fragments), unescaped. */
static GPtrArray *
references(const char *html)
{
	static const char *attrs[] = {" src=\"", " href=\""};
	GPtrArray *out = g_ptr_array_new_with_free_func(g_free);

	for (size_t a = 0; a < G_N_ELEMENTS(attrs); a++)
		for (const char *p = strstr(html, attrs[a]); p;
			 p = strstr(p + 1, attrs[a])) {
			const char *v = p + strlen(attrs[a]);
			const char *e = strchr(v, '"');
			g_autofree char *raw = g_strndup(v, e - v);
			g_auto(GStrv) parts = g_strsplit(raw, "&amp;", -1);
			g_autofree char *joined = g_strjoinv("&", parts);

			if (joined[0] != '#')
				g_ptr_array_add(out, g_uri_unescape_string(joined, NULL));
		}
	return out;
}

static void
test_html_references_only_existing_files(void **state)
{
	g_autofree char *dir = make_batch_folder();
	g_autofree char *html = NULL;
	g_autofree char *report = g_build_filename(dir, "report", NULL);
	g_autoptr(GPtrArray) refs = NULL;
	SmpHtmlSummary s = {0};

	(void) state;
	run_report(dir, NULL, &s);
	html = read_index(dir);
	refs = references(html);
	/* 2 pairs × (2 thumbnails + composite + sidecar) + errors.csv + JSON */
	assert_true(refs->len >= 10);
	for (guint i = 0; i < refs->len; i++) {
		const char *ref = refs->pdata[i];
		g_autofree char *path = g_build_filename(report, ref, NULL);

		assert_null(strstr(ref, ":"));
		if (!g_file_test(path, G_FILE_TEST_IS_REGULAR))
			fail_msg("referenced file missing: %s", ref);
	}
	smp_html_summary_clear(&s);
	smp_test_rmtree(dir);
}

/* Mean of band @b of a saved thumbnail. */
static double
band_mean(const char *dir, const char *rel, int b)
{
	g_autofree char *path = g_build_filename(dir, "report", rel, NULL);
	VipsImage *im = vips_image_new_from_file(path, NULL);
	VipsImage *band = NULL;
	double mean = -1;

	assert_non_null(im);
	assert_vips_ok(vips_extract_band(im, &band, b, NULL));
	assert_vips_ok(vips_avg(band, &mean, NULL));
	g_object_unref(band);
	g_object_unref(im);
	return mean;
}

static void
test_html_thumbnails_are_the_composite_panels(void **state)
{
	g_autofree char *dir = make_batch_folder();
	SmpHtmlSummary s = {0};

	(void) state;
	run_report(dir, NULL, &s);
	/* Red before, blue after, nothing of the gap or the label bars. */
	assert_true(band_mean(dir, "thumbs/p0000-before.jpg", 0) > 200);
	assert_true(band_mean(dir, "thumbs/p0000-before.jpg", 2) < 50);
	assert_true(band_mean(dir, "thumbs/p0000-after.jpg", 2) > 200);
	assert_true(band_mean(dir, "thumbs/p0000-after.jpg", 0) < 50);
	smp_html_summary_clear(&s);
	smp_test_rmtree(dir);
}

static void
test_html_writes_data_copy(void **state)
{
	g_autofree char *dir = make_batch_folder();
	const char *files[] = {
		"data/report.json", "data/pairs.jsonl", "data/errors.csv"};
	g_autofree char *jsonl = NULL;
	g_autofree char *jl = g_build_filename(dir, "report", files[1], NULL);
	SmpHtmlSummary s = {0};

	(void) state;
	run_report(dir, NULL, &s);
	for (size_t i = 0; i < G_N_ELEMENTS(files); i++) {
		g_autofree char *p = g_build_filename(dir, "report", files[i], NULL);

		assert_true(g_file_test(p, G_FILE_TEST_IS_REGULAR));
	}
	assert_true(g_file_get_contents(jl, &jsonl, NULL, NULL));
	assert_int_equal(count(jsonl, "\n"), 2);
	/* Per-dot lists stay beside the composites. */
	assert_null(strstr(jsonl, "\"items\""));
	smp_html_summary_clear(&s);
	smp_test_rmtree(dir);
}

/* A `smpdoc pair` folder without composite: no catalogue, the panels
 * come from the original photos, the density is per Mpx without scale.
 */
static void
test_html_pair_folder_from_originals(void **state)
{
	g_autofree char *dir = smp_test_tmpdir();
	g_autofree char *arch = smp_test_tmpdir();
	g_autofree char *text = sidecar_text(NULL, FALSE, FALSE);
	g_autofree char *html = NULL;
	SmpHtmlOptions o;
	SmpHtmlSummary s = {0};

	(void) state;
	write_file(dir, "top-s0-s1.json", text);
	for (int i = 0; i < 2; i++) {
		g_autofree char *rel = g_strdup_printf("%d/top.jpg", i);
		g_autofree char *path = g_build_filename(arch, rel, NULL);
		g_autofree char *folder = g_path_get_dirname(path);
		VipsImage *im = NULL;

		g_mkdir_with_parents(folder, 0755);
		assert_vips_ok(vips_black(&im, W, H, "bands", 3, NULL));
		assert_vips_ok(vips_image_write_to_file(im, path, NULL));
		g_object_unref(im);
	}
	smp_html_options_default(&o);
	o.originals = arch;
	o.thumb_px = 200;
	run_report(dir, &o, &s);
	assert_int_equal(s.sliders, 1);
	html = read_index(dir);
	assert_non_null(strstr(html, "(panels from the originals)"));
	assert_non_null(strstr(html, "— (no scale)"));
	assert_non_null(strstr(html, "Density (dots/Mpx, no scale)"));
	assert_null(strstr(html, "Photos measured"));
	smp_html_summary_clear(&s);

	/* Without --originals the pair is still listed, without a slider. */
	run_report(dir, NULL, &s);
	assert_int_equal(s.pairs, 1);
	assert_int_equal(s.sliders, 0);
	assert_int_equal(s.problems, 1);
	assert_non_null(strstr(s.notes->pdata[0], "top-s0-s1.json"));
	smp_html_summary_clear(&s);
	smp_test_rmtree(dir);
	smp_test_rmtree(arch);
}

/* A photo of W×H, black with a white square at (@x, @y). */
static void
write_square(const char *path, int x, int y)
{
	g_autofree char *folder = g_path_get_dirname(path);
	double white[3] = {255, 255, 255};
	VipsImage *im = NULL;
	VipsImage *mem;

	g_mkdir_with_parents(folder, 0755);
	assert_vips_ok(vips_black(&im, W, H, "bands", 3, NULL));
	mem = vips_image_copy_memory(im);
	g_object_unref(im);
	assert_vips_ok(
		vips_draw_rect(mem, white, 3, x, y, 40, 40, "fill", TRUE, NULL));
	assert_vips_ok(vips_image_write_to_file(mem, path, NULL));
	g_object_unref(mem);
}

/* With registration ok, the after thumbnail made from the originals is
 * mapped onto the before photo's geometry by the sidecar's matrix.
 */
static void
test_html_originals_after_is_registered(void **state)
{
	g_autofree char *dir = smp_test_tmpdir();
	g_autofree char *arch = smp_test_tmpdir();
	g_autofree char *p0 = g_build_filename(arch, "0", "top.jpg", NULL);
	g_autofree char *p1 = g_build_filename(arch, "1", "top.jpg", NULL);
	g_autofree char *text = sidecar_text(NULL, TRUE, TRUE);
	g_auto(GStrv) parts = NULL;
	g_autofree char *moved = NULL;
	g_autofree char *b = NULL;
	g_autofree char *a = NULL;
	SmpHtmlOptions o;
	SmpHtmlSummary s = {0};
	VipsImage *im;
	double d = 0;

	(void) state;
	/* after (x, y) → before (x + 60, y + 30) */
	parts = g_strsplit(text, "[[1, 0, 0], [0, 1, 0]", 2);
	moved = g_strjoinv("[[1, 0, 60], [0, 1, 30]", parts);
	write_file(dir, "top-s0-s1.json", moved);
	write_square(p0, 160, 130);
	write_square(p1, 100, 100);
	smp_html_options_default(&o);
	o.originals = arch;
	o.thumb_px = W;
	run_report(dir, &o, &s);
	assert_int_equal(s.sliders, 1);
	b = g_build_filename(dir, "report", "thumbs", "p0000-before.jpg", NULL);
	a = g_build_filename(dir, "report", "thumbs", "p0000-after.jpg", NULL);
	{
		VipsImage *x = vips_image_new_from_file(b, NULL);
		VipsImage *y = vips_image_new_from_file(a, NULL);
		VipsImage *diff = NULL;

		assert_non_null(x);
		assert_non_null(y);
		assert_vips_ok(vips_subtract(x, y, &diff, NULL));
		im = diff;
		assert_vips_ok(vips_abs(im, &diff, NULL));
		g_object_unref(im);
		assert_vips_ok(vips_avg(diff, &d, NULL));
		g_object_unref(diff);
		g_object_unref(x);
		g_object_unref(y);
	}
	/* The squares overlap: only JPEG ringing differs. */
	assert_true(d < 3);
	smp_html_summary_clear(&s);
	smp_test_rmtree(dir);
	smp_test_rmtree(arch);
}

static void
test_html_missing_folder_is_named(void **state)
{
	g_autofree char *dir = smp_test_tmpdir();
	g_autofree char *missing = g_build_filename(dir, "no-such", NULL);
	GError *error = NULL;
	SmpHtmlSummary s = {0};

	(void) state;
	assert_false(smp_html_report(missing, NULL, &s, &error));
	assert_non_null(error);
	assert_non_null(strstr(error->message, missing));
	g_clear_error(&error);
	/* An empty folder: nothing to report, named. */
	assert_false(smp_html_report(dir, NULL, &s, &error));
	assert_non_null(strstr(error->message, dir));
	g_clear_error(&error);
	smp_test_rmtree(dir);
}

/* A folder without catalogue is scanned for sidecars: provenance records
 * beside portfolio composites are not pairs, even when shaped like one.
 */
static void
test_html_scan_skips_provenance_records(void **state)
{
	g_autofree char *dir = smp_test_tmpdir();
	g_autofree char *a = sidecar_text("top-s0-s1.jpg", TRUE, TRUE);
	g_autofree char *html = NULL;
	SmpHtmlSummary s = {0};

	(void) state;
	write_file(dir, "c1/top-s0-s1.json", a);
	write_composite(dir, "c1/top-s0-s1.jpg", TRUE);
	write_file(dir, "p1/top-s0-s1.provenance.json", a);
	write_composite(dir, "p1/top-s0-s1.jpg", TRUE);
	run_report(dir, NULL, &s);
	assert_int_equal(s.pairs, 1);
	html = read_index(dir);
	assert_int_equal(count(html, "<article class=\"pair\""), 1);
	assert_null(strstr(html, "provenance"));
	smp_html_summary_clear(&s);
	smp_test_rmtree(dir);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_html_one_slider_per_pair),
	cmocka_unit_test(test_html_escapes_hostile_names),
	cmocka_unit_test(test_html_embedded_json_is_inert),
	cmocka_unit_test(test_html_script_json_escapes_every_lt),
	cmocka_unit_test(test_html_embeds_no_remote_url),
	cmocka_unit_test(test_html_references_only_existing_files),
	cmocka_unit_test(test_html_thumbnails_are_the_composite_panels),
	cmocka_unit_test(test_html_writes_data_copy),
	cmocka_unit_test(test_html_pair_folder_from_originals),
	cmocka_unit_test(test_html_originals_after_is_registered),
	cmocka_unit_test(test_html_missing_folder_is_named),
	cmocka_unit_test(test_html_scan_skips_provenance_records),
};

SMP_TEST_MAIN("html", tests)
