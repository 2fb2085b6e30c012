/* The report page: summary, per-client sections with charts, and per pair
 * a before/after slider, metrics and warnings, every text escaped.
 * SPDX-License-Identifier: MIT
 */
#include <math.h>
#include <string.h>

#include "html_private.h"
#include "smpdoc/html.h"
#include "smpdoc/json_out.h"
#include "smpdoc/report.h"

/* Failures listed on the page; the rest are in data/errors.csv. */
#define ERRORS_SHOWN_MAX 500

/* Append printf-style markup with every argument escaped. */
static void put(GString *s, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

static void
put(GString *s, const char *fmt, ...)
{
	va_list ap;
	char *text;

	va_start(ap, fmt);
	text = g_markup_vprintf_escaped(fmt, ap);
	va_end(ap);
	g_string_append(s, text);
	g_free(text);
}

/* A number with @decimals digits and a '.' whatever the locale; "—" for
 * unknown. Returns: (transfer full).
 */
static char *
num(double v, int decimals)
{
	char fmt[8];
	char buf[G_ASCII_DTOSTR_BUF_SIZE];

	if (!isfinite(v))
		return g_strdup("—");
	g_snprintf(fmt, sizeof(fmt), "%%.%df", CLAMP(decimals, 0, 6));
	return g_strdup(g_ascii_formatd(buf, sizeof(buf), fmt, v));
}

static char *
signed_num(double v, int decimals)
{
	g_autofree char *n = num(v, decimals);

	return isfinite(v) && v >= 0 ? g_strconcat("+", n, NULL)
								 : g_steal_pointer(&n);
}

/* A relative link from report/ to DIR/@rel, percent-encoded. */
static char *
link_up(const char *rel)
{
	g_autofree char *esc = g_uri_escape_string(rel, "/", TRUE);

	return g_strconcat("../", esc, NULL);
}

static JsonObject *
side(const HtmlPair *p, int i)
{
	JsonObject *o = json_node_get_object(p->record);
	JsonNode *n = json_object_get_member(o, i ? "after" : "before");

	return n && JSON_NODE_HOLDS_OBJECT(n) ? json_node_get_object(n) : NULL;
}

static gboolean
aligned(const HtmlPair *p, double *score)
{
	JsonObject *o = json_node_get_object(p->record);
	JsonNode *n = json_object_get_member(o, "registration");
	JsonObject *reg =
		n && JSON_NODE_HOLDS_OBJECT(n) ? json_node_get_object(n) : NULL;

	*score = reg ? smp_html_num(reg, "score") : NAN;
	return reg && json_object_get_boolean_member_with_default(reg, "ok", FALSE);
}

/* --- the slider -------------------------------------------------------- */

static void
session_label(GString *s, const char *word, int session, const char *taken)
{
	if (taken && *taken)
		put(s, "%s, session %d, %s", word, session, taken);
	else
		put(s, "%s, session %d", word, session);
}

static void
render_slider(GString *s, const HtmlPair *p, guint index)
{
	g_autoptr(GString) alt0 = g_string_new(NULL);
	g_autoptr(GString) alt1 = g_string_new(NULL);

	session_label(alt0, "Before", p->s0, p->taken[0]);
	session_label(alt1, "After", p->s1, p->taken[1]);
	put(s,
		"<div class=\"cmp\" data-mode=\"swipe\" "
		"style=\"--pos:50%%;--frac:0.5\">\n"
		"<div class=\"stage\" style=\"aspect-ratio:%d/%d\">\n",
		p->tw, p->th);
	put(s,
		"<img class=\"before\" src=\"%s\" width=\"%d\" height=\"%d\" "
		"alt=\"%s\">\n",
		p->thumb[0], p->tw, p->th, alt0->str);
	put(s,
		"<img class=\"after\" src=\"%s\" width=\"%d\" height=\"%d\" "
		"alt=\"%s\">\n",
		p->thumb[1], p->tw, p->th, alt1->str);
	put(s,
		"<span class=\"tag tag-before\" aria-hidden=\"true\">Before "
		"· s%d</span><span class=\"tag tag-after\" aria-hidden=\"true\">"
		"After · s%d</span>\n"
		"<span class=\"divider\" aria-hidden=\"true\"></span>\n",
		p->s0, p->s1);
	put(s,
		"<input class=\"slider\" type=\"range\" min=\"0\" max=\"100\" "
		"step=\"1\" value=\"50\" aria-valuetext=\"50%% after\" "
		"aria-label=\"Before/after divider for %s, %s: before on the "
		"left, after on the right\">\n</div>\n",
		p->client, p->view);
	put(s,
		"<fieldset class=\"modes\"><legend>View</legend>"
		"<label><input type=\"radio\" name=\"mode-%u\" value=\"swipe\" "
		"checked> Swipe</label> <label><input type=\"radio\" "
		"name=\"mode-%u\" value=\"onion\"> Onion skin</label> <label>"
		"<input type=\"radio\" name=\"mode-%u\" value=\"difference\"> "
		"Difference</label></fieldset>\n</div>\n",
		index, index, index);
}

/* --- metrics ------------------------------------------------------------*/

static char *
density_text(JsonObject *m)
{
	JsonObject *d = m && json_object_has_member(m, "dots") &&
			JSON_NODE_HOLDS_OBJECT(json_object_get_member(m, "dots"))
		? json_object_get_object_member(m, "dots")
		: NULL;
	JsonNode *ci = d ? json_object_get_member(d, "per_cm2_ci95") : NULL;
	g_autofree char *v = num(d ? smp_html_num(d, "per_cm2") : NAN, 1);

	if (!d || !isfinite(smp_html_num(d, "per_cm2")))
		return g_strdup("— (no scale)");
	if (ci && JSON_NODE_HOLDS_ARRAY(ci) &&
		json_array_get_length(json_node_get_array(ci)) == 2) {
		JsonArray *a = json_node_get_array(ci);
		g_autofree char *lo = num(json_array_get_double_element(a, 0), 1);
		g_autofree char *hi = num(json_array_get_double_element(a, 1), 1);

		return g_strdup_printf("%s (%s–%s)", v, lo, hi);
	}
	return g_steal_pointer(&v);
}

/* One row: a label, the before and after cells, the change cell. */
static void
row(GString *s, const char *label, const char *b, const char *a,
	const char *change)
{
	put(s,
		"<tr><th scope=\"row\">%s</th><td>%s</td><td>%s</td><td>%s</td>"
		"</tr>\n",
		label, b, a, change ? change : "");
}

static void
row_num(GString *s, const HtmlPair *p, const char *label, const char *path,
	int decimals, double scale, const char *unit, const char *change)
{
	g_autofree char *b = num(smp_html_num(side(p, 0), path) * scale, decimals);
	g_autofree char *a = num(smp_html_num(side(p, 1), path) * scale, decimals);
	g_autofree char *b2 = g_strconcat(b, strcmp(b, "—") ? unit : "", NULL);
	g_autofree char *a2 = g_strconcat(a, strcmp(a, "—") ? unit : "", NULL);

	row(s, label, b2, a2, change);
}

/* The change block's @key, signed, in @unit; "" when unknown. */
static char *
change_text(const HtmlPair *p, const char *key, int decimals, double scale,
	const char *unit)
{
	JsonObject *o = json_node_get_object(p->record);
	JsonNode *n = json_object_get_member(o, "change");
	JsonObject *c =
		n && JSON_NODE_HOLDS_OBJECT(n) ? json_node_get_object(n) : NULL;
	double v = c ? smp_html_num(c, key) * scale : NAN;
	g_autofree char *t = signed_num(v, decimals);

	return isfinite(v) ? g_strconcat(t, unit, NULL) : g_strdup("");
}

static void
render_metrics(GString *s, const HtmlPair *p)
{
	g_autofree char *d0 = density_text(side(p, 0));
	g_autofree char *d1 = density_text(side(p, 1));
	g_autofree char *dc = change_text(p, "per_cm2", 1, 1, "");
	g_autofree char *dp = change_text(p, "per_cm2_pct", 1, 1, "%");
	g_autofree char *dchange =
		*dc && *dp ? g_strdup_printf("%s (%s)", dc, dp) : g_strdup(dc);
	g_autofree char *mc = change_text(p, "per_mpx", 0, 1, "");
	g_autofree char *cc = change_text(p, "coverage", 1, 100, " pts");
	g_autofree char *nd = change_text(p, "new_dots", 0, 1, " new");
	g_autofree char *pd =
		change_text(p, "persisting_dots", 0, 1, " persisting");
	g_autofree char *dots =
		*nd && *pd ? g_strdup_printf("%s, %s", nd, pd) : g_strdup(nd);

	put(s,
		"<table class=\"metrics\"><caption>Measurements</caption>\n"
		"<thead><tr><td></td><th scope=\"col\">Before (s%d)</th>"
		"<th scope=\"col\">After (s%d)</th><th scope=\"col\">Change</th>"
		"</tr></thead><tbody>\n",
		p->s0, p->s1);
	row(s, "Dots/cm² (95% interval)", d0, d1, dchange);
	row_num(s, p, "Dots/Mpx", "dots.per_mpx", 0, 1, "", mc);
	row_num(s, p, "Dots counted", "dots.count", 0, 1, "", dots);
	row_num(s, p, "Coverage", "dots.coverage", 1, 100, "%", cc);
	row_num(s, p, "Spacing (mean nearest neighbour)", "dots.nn_mean_mm", 2, 1,
		" mm", NULL);
	row_num(s, p, "Clark–Evans R (1 random, >1 regular)", "dots.clark_evans", 2,
		1, "", NULL);
	row_num(s, p, "Scale", "px_per_mm", 2, 1, " px/mm", NULL);
	g_string_append(s, "</tbody></table>\n");
}

/* --- warnings ---------------------------------------------------------- */

static void
render_side_warnings(GString *s, const HtmlPair *p, int i)
{
	JsonObject *m = side(p, i);
	JsonNode *n = m ? json_object_get_member(m, "warnings") : NULL;
	JsonArray *a =
		n && JSON_NODE_HOLDS_ARRAY(n) ? json_node_get_array(n) : NULL;

	for (guint k = 0; a && k < json_array_get_length(a); k++) {
		JsonObject *w = json_array_get_object_element(a, k);

		if (!w)
			continue;
		put(s, "<li><span class=\"code\">%s</span> %s: %s</li>\n",
			json_object_get_string_member_with_default(w, "code", "?"),
			i ? "after" : "before",
			json_object_get_string_member_with_default(w, "message", ""));
	}
}

static void
render_warnings(GString *s, const HtmlPair *p)
{
	gsize mark;

	g_string_append(s, "<ul class=\"warnings\">\n");
	mark = s->len;
	if (p->problem)
		put(s, "<li><span class=\"code\">no_slider</span> %s</li>\n",
			p->problem);
	render_side_warnings(s, p, 0);
	render_side_warnings(s, p, 1);
	if (s->len == mark)
		g_string_truncate(s, mark - strlen("<ul class=\"warnings\">\n"));
	else
		g_string_append(s, "</ul>\n");
}

static void
render_pair(GString *s, const HtmlPair *p, guint index)
{
	double score;
	gboolean ok = aligned(p, &score);
	g_autofree char *sc = num(score, 2);

	put(s,
		"<article class=\"pair\" id=\"pair-%u\">\n<h3>%s · session %d → "
		"%d",
		index, p->view, p->s0, p->s1);
	if (p->taken[0] && p->taken[1])
		put(s, " <span class=\"dates\">(%s → %s)</span>", p->taken[0],
			p->taken[1]);
	if (ok)
		put(s,
			" <span class=\"badge ok\" title=\"registration score "
			"%s\">aligned</span>",
			sc);
	else
		put(s,
			" <span class=\"badge bad\" title=\"registration did not "
			"confirm a match (score %s)\">NOT ALIGNED</span>",
			sc);
	g_string_append(s, "</h3>\n");
	if (p->thumb[0] && p->thumb[1])
		render_slider(s, p, index);
	render_metrics(s, p);
	render_warnings(s, p);
	g_string_append(s, "<p class=\"links\">");
	if (p->composite) {
		g_autofree char *href = link_up(p->composite);

		put(s, "<a href=\"%s\">Full-size composite</a> · ", href);
	}
	{
		g_autofree char *href = link_up(p->sidecar);

		put(s, "<a href=\"%s\">Sidecar JSON</a>", href);
	}
	put(s,
		" <span class=\"muted\">(panels from the %s)</span></p>\n"
		"</article>\n",
		p->panels_from ? p->panels_from : "—");
}

/* --- per client -----------------------------------------------------------*/

static void
render_points_table(GString *s, const HtmlReport *r, const char *client)
{
	g_string_append(s,
		"<details><summary>Data table</summary>\n"
		"<table class=\"points\"><thead><tr><th scope=\"col\">"
		"View</th><th scope=\"col\">Session</th>"
		"<th scope=\"col\">Taken</th><th scope=\"col\">"
		"Dots/cm² (95%)</th><th scope=\"col\">Dots/Mpx</th>"
		"<th scope=\"col\">Coverage</th></tr></thead>"
		"<tbody>\n");
	for (guint i = 0; i < r->points->len; i++) {
		HtmlPoint *p = g_ptr_array_index(r->points, i);
		g_autofree char *d = num(p->per_cm2, 1);
		g_autofree char *lo = num(p->lo, 1);
		g_autofree char *hi = num(p->hi, 1);
		g_autofree char *m = num(p->per_mpx, 0);
		g_autofree char *c = num(p->coverage * 100, 1);

		if (g_strcmp0(p->client, client) != 0)
			continue;
		put(s,
			"<tr><td>%s</td><td>%d</td><td>%s</td><td>%s (%s–%s)</td>"
			"<td>%s</td><td>%s%%</td></tr>\n",
			p->view, p->session, p->taken ? p->taken : "—", d, lo, hi, m, c);
	}
	g_string_append(s, "</tbody></table></details>\n");
}

static void
render_client(GString *s, const HtmlReport *r, const char *client, guint index,
	guint first, guint end)
{
	g_autofree char *chart = smp_html_chart(r, client);

	put(s,
		"<section class=\"client\" id=\"client-%u\" "
		"aria-labelledby=\"client-%u-h\">\n<h2 id=\"client-%u-h\">"
		"Client %s</h2>\n",
		index, index, index, client);
	if (chart) {
		g_string_append(s, chart);
		render_points_table(s, r, client);
	}
	for (guint i = first; i < end; i++)
		render_pair(s, g_ptr_array_index(r->pairs, i), i);
	g_string_append(s, "</section>\n");
}

/* Pairs are sorted by client: one section per run of equal clients. */
static void
render_clients(GString *s, const HtmlReport *r)
{
	guint first = 0, index = 0;

	while (first < r->pairs->len) {
		HtmlPair *p = g_ptr_array_index(r->pairs, first);
		guint end = first + 1;

		while (end < r->pairs->len &&
			g_strcmp0(((HtmlPair *) r->pairs->pdata[end])->client, p->client) ==
				0)
			end++;
		render_client(s, r, p->client, index++, first, end);
		first = end;
	}
}

/* --- summary --------------------------------------------------------------*/

static int
count_unaligned(const HtmlReport *r)
{
	int n = 0;
	double score;

	for (guint i = 0; i < r->pairs->len; i++)
		n += !aligned(g_ptr_array_index(r->pairs, i), &score);
	return n;
}

static void
render_counts(GString *s, const HtmlReport *r)
{
	int sliders = 0;

	for (guint i = 0; i < r->pairs->len; i++)
		sliders += ((HtmlPair *) r->pairs->pdata[i])->thumb[0] != NULL;
	g_string_append(s, "<dl class=\"counts\">\n");
	if (r->catalogue)
		put(s,
			"<div><dt>Photos measured</dt><dd>%d</dd></div>\n"
			"<div><dt>Photos failed</dt><dd class=\"%s\">%d</dd></div>\n",
			r->photos_done, r->photos_failed ? "bad" : "", r->photos_failed);
	put(s,
		"<div><dt>Pairs</dt><dd>%d</dd></div>\n"
		"<div><dt>Pairs failed</dt><dd class=\"%s\">%d</dd></div>\n"
		"<div><dt>Not aligned</dt><dd class=\"%s\">%d</dd></div>\n"
		"<div><dt>With slider</dt><dd>%d</dd></div>\n</dl>\n",
		r->pairs_done, r->pairs_failed ? "bad" : "", r->pairs_failed,
		count_unaligned(r) ? "bad" : "", count_unaligned(r), sliders);
}

static void
render_pipelines(GString *s, const HtmlReport *r)
{
	if (r->pipelines->len == 0)
		return;
	g_string_append(s,
		"<table class=\"pipelines\"><caption>Pipeline"
		"</caption><thead><tr><th scope=\"col\">Name</th>"
		"<th scope=\"col\">SHA-256</th><th scope=\"col\">"
		"Pairs</th></tr></thead><tbody>\n");
	for (guint i = 0; i < r->pipelines->len; i++) {
		HtmlPipeline *p = g_ptr_array_index(r->pipelines, i);

		put(s, "<tr><td>%s</td><td><code>%s</code></td><td>%d</td></tr>\n",
			p->name, p->sha256, p->pairs);
	}
	g_string_append(s, "</tbody></table>\n");
}

static void
render_errors(GString *s, const HtmlReport *r)
{
	if (r->errors->len == 0) {
		g_string_append(s, "<p class=\"none\">No failures.</p>\n");
		return;
	}
	put(s,
		"<table class=\"errors\"><caption>Failures (%u, also in "
		"<a href=\"data/errors.csv\">errors.csv</a>)</caption>",
		r->errors->len);
	g_string_append(s,
		"<thead><tr><th scope=\"col\">Source</th>"
		"<th scope=\"col\">Stage</th><th scope=\"col\">"
		"Reason</th></tr></thead><tbody>\n");
	for (guint i = 0; i < r->errors->len && i < ERRORS_SHOWN_MAX; i++) {
		char **e = g_ptr_array_index(r->errors, i);

		put(s, "<tr><td>%s</td><td>%s</td><td>%s</td></tr>\n", e[0], e[1],
			e[2]);
	}
	g_string_append(s, "</tbody></table>\n");
	if (r->errors->len > ERRORS_SHOWN_MAX)
		put(s, "<p>%u more in errors.csv.</p>\n",
			r->errors->len - ERRORS_SHOWN_MAX);
}

static void
render_summary(GString *s, const HtmlReport *r)
{
	g_string_append(s,
		"<section id=\"summary\" aria-labelledby="
		"\"summary-h\">\n<h2 id=\"summary-h\">Summary</h2>\n");
	render_counts(s, r);
	render_pipelines(s, r);
	render_errors(s, r);
	g_string_append(s, "</section>\n");
}

/* --- data -----------------------------------------------------------------*/

static void
data_pair(JsonBuilder *b, const HtmlPair *p)
{
	json_builder_begin_object(b);
	smp_json_string(b, "client", p->client);
	smp_json_string(b, "view", p->view);
	json_builder_set_member_name(b, "session_before");
	json_builder_add_int_value(b, p->s0);
	json_builder_set_member_name(b, "session_after");
	json_builder_add_int_value(b, p->s1);
	smp_json_string(b, "sidecar", p->sidecar);
	smp_json_string(b, "composite", p->composite);
	smp_json_string(b, "thumb_before", p->thumb[0]);
	smp_json_string(b, "thumb_after", p->thumb[1]);
	smp_json_string(b, "panels_from", p->panels_from);
	smp_json_string(b, "problem", p->problem);
	json_builder_set_member_name(b, "record");
	json_builder_add_value(b, json_node_copy(p->record));
	json_builder_end_object(b);
}

static void
data_point(JsonBuilder *b, const HtmlPoint *p)
{
	json_builder_begin_object(b);
	smp_json_string(b, "client", p->client);
	smp_json_string(b, "view", p->view);
	json_builder_set_member_name(b, "session");
	json_builder_add_int_value(b, p->session);
	smp_json_string(b, "taken", p->taken);
	smp_json_number(b, "per_cm2", p->per_cm2, 0);
	smp_json_number(b, "per_cm2_lo", p->lo, 0);
	smp_json_number(b, "per_cm2_hi", p->hi, 0);
	smp_json_number(b, "per_mpx", p->per_mpx, 0);
	smp_json_number(b, "coverage", p->coverage, 0);
	json_builder_end_object(b);
}

static void
data_summary(JsonBuilder *b, const HtmlReport *r)
{
	static const char *keys[] = {
		"photos_done", "photos_failed", "pairs_done", "pairs_failed"};
	const int vals[] = {
		r->photos_done, r->photos_failed, r->pairs_done, r->pairs_failed};

	json_builder_set_member_name(b, "summary");
	json_builder_begin_object(b);
	for (size_t i = 0; i < G_N_ELEMENTS(keys); i++) {
		json_builder_set_member_name(b, keys[i]);
		json_builder_add_int_value(b, vals[i]);
	}
	json_builder_set_member_name(b, "from_catalogue");
	json_builder_add_boolean_value(b, r->catalogue);
	json_builder_end_object(b);
	json_builder_set_member_name(b, "pipelines");
	json_builder_begin_array(b);
	for (guint i = 0; i < r->pipelines->len; i++) {
		HtmlPipeline *p = g_ptr_array_index(r->pipelines, i);

		json_builder_begin_object(b);
		smp_json_string(b, "name", p->name);
		smp_json_string(b, "sha256", p->sha256);
		json_builder_set_member_name(b, "pairs");
		json_builder_add_int_value(b, p->pairs);
		json_builder_end_object(b);
	}
	json_builder_end_array(b);
}

static void
data_errors(JsonBuilder *b, const HtmlReport *r)
{
	json_builder_set_member_name(b, "errors");
	json_builder_begin_array(b);
	for (guint i = 0; i < r->errors->len; i++) {
		char **e = g_ptr_array_index(r->errors, i);

		json_builder_begin_object(b);
		smp_json_string(b, "source", e[0]);
		smp_json_string(b, "stage", e[1]);
		smp_json_string(b, "reason", e[2]);
		json_builder_end_object(b);
	}
	json_builder_end_array(b);
}

JsonNode *
smp_html_data(const HtmlReport *r)
{
	g_autoptr(JsonBuilder) b = json_builder_new();

	json_builder_begin_object(b);
	smp_json_string(b, "smpdoc", SMP_VERSION);
	smp_json_string(b, "title", r->title);
	smp_json_string(b, "generated", r->generated);
	data_summary(b, r);
	data_errors(b, r);
	json_builder_set_member_name(b, "timeline");
	json_builder_begin_array(b);
	for (guint i = 0; i < r->points->len; i++)
		data_point(b, g_ptr_array_index(r->points, i));
	json_builder_end_array(b);
	json_builder_set_member_name(b, "pairs");
	json_builder_begin_array(b);
	for (guint i = 0; i < r->pairs->len; i++)
		data_pair(b, g_ptr_array_index(r->pairs, i));
	json_builder_end_array(b);
	json_builder_end_object(b);
	return json_builder_get_root(b);
}

/* --- the page -------------------------------------------------------------*/

/* No fetch of any kind; inline style and script only; images from beside
 * the page.
 */
#define CSP                                                                    \
	"default-src 'none'; img-src 'self' file: data:; "                         \
	"style-src 'unsafe-inline'; script-src 'unsafe-inline'; "                  \
	"base-uri 'none'; form-action 'none'"

static void
render_head(GString *s, const HtmlReport *r)
{
	put(s,
		"<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n"
		"<meta charset=\"utf-8\">\n"
		"<meta name=\"viewport\" content=\"width=device-width, "
		"initial-scale=1\">\n"
		"<meta http-equiv=\"Content-Security-Policy\" content=\"%s\">\n"
		"<meta name=\"referrer\" content=\"no-referrer\">\n"
		"<meta name=\"generator\" content=\"smpdoc %s\">\n"
		"<title>%s</title>\n<style>\n",
		CSP, SMP_VERSION, r->title);
	g_string_append(s, smp_html_css);
	g_string_append(s, "</style>\n</head>\n<body>\n");
	put(s,
		"<header><h1>%s</h1><p class=\"muted\">%s · generated %s · "
		"smpdoc %s</p>\n",
		r->title, r->dir, r->generated, SMP_VERSION);
	g_string_append(s,
		"<nav aria-label=\"Contents\"><a href=\"#summary\">"
		"Summary</a>");
	for (guint i = 0, c = 0; i < r->pairs->len; i++) {
		HtmlPair *p = g_ptr_array_index(r->pairs, i);

		if (i > 0 &&
			g_strcmp0(
				p->client, ((HtmlPair *) r->pairs->pdata[i - 1])->client) == 0)
			continue;
		put(s, " <a href=\"#client-%u\">%s</a>", c++, p->client);
	}
	g_string_append(s,
		" <a href=\"data/report.json\">Data (JSON)</a>"
		"</nav></header>\n<main>\n");
}

char *
smp_html_render(const HtmlReport *r)
{
	GString *s = g_string_sized_new(64 * 1024);
	g_autoptr(JsonNode) data = smp_html_data(r);
	g_autofree char *json = smp_report_to_string(data, FALSE);
	g_autofree char *safe = smp_html_script_json(json);

	render_head(s, r);
	render_summary(s, r);
	render_clients(s, r);
	g_string_append(s,
		"</main>\n<script type=\"application/json\" "
		"id=\"smpdoc-data\">");
	g_string_append(s, safe);
	g_string_append(s, "</script>\n<script>\n");
	g_string_append(s, smp_html_js);
	g_string_append(s, "</script>\n</body>\n</html>\n");
	return g_string_free(s, FALSE);
}
