/* The HTML report's driver: gather pairs, timelines and failures from an
 * output folder, make thumbnails, write report/ atomically.
 * SPDX-License-Identifier: MIT
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <csv.h>
#include <glib/gstdio.h>
#include <sqlite3.h>

#include "html_private.h"
#include "smpdoc/catalog.h"
#include "smpdoc/error.h"
#include "smpdoc/html.h"
#include "smpdoc/photo.h"
#include "smpdoc/provenance.h"
#include "smpdoc/report.h"

/* Folders deeper than this under DIR are not searched for sidecars. */
#define SCAN_DEPTH_MAX 8

void
smp_html_options_default(SmpHtmlOptions *o)
{
	*o = (SmpHtmlOptions){0};
	o->thumb_px = SMP_HTML_THUMB_PX_DEFAULT;
}

void
smp_html_summary_clear(SmpHtmlSummary *s)
{
	if (!s)
		return;
	g_clear_pointer(&s->index, g_free);
	g_clear_pointer(&s->notes, g_ptr_array_unref);
}

char *
smp_html_script_json(const char *json)
{
	GString *s = g_string_sized_new(strlen(json) + 64);

	for (const char *c = json; *c; c++)
		if (*c == '<')
			g_string_append(s, "\\u003c");
		else
			g_string_append_c(s, *c);
	return g_string_free(s, FALSE);
}

double
smp_html_num(JsonObject *o, const char *path)
{
	g_auto(GStrv) parts = g_strsplit(path, ".", -1);
	JsonNode *n = NULL;

	for (int i = 0; o && parts[i]; i++) {
		n = json_object_get_member(o, parts[i]);
		if (!n)
			return NAN;
		o = JSON_NODE_HOLDS_OBJECT(n) ? json_node_get_object(n) : NULL;
	}
	if (!n || json_node_get_value_type(n) == G_TYPE_INVALID ||
		JSON_NODE_HOLDS_NULL(n) || !JSON_NODE_HOLDS_VALUE(n))
		return NAN;
	return json_node_get_double(n);
}

static void
pair_free(gpointer data)
{
	HtmlPair *p = data;

	g_free(p->client);
	g_free(p->view);
	g_free(p->taken[0]);
	g_free(p->taken[1]);
	g_free(p->sidecar);
	g_free(p->composite);
	g_clear_pointer(&p->record, json_node_unref);
	g_free(p->thumb[0]);
	g_free(p->thumb[1]);
	g_free(p->problem);
	g_free(p);
}

static void
point_free(gpointer data)
{
	HtmlPoint *p = data;

	g_free(p->client);
	g_free(p->view);
	g_free(p->taken);
	g_free(p);
}

static void
pipeline_free(gpointer data)
{
	HtmlPipeline *p = data;

	g_free(p->name);
	g_free(p->sha256);
	g_free(p);
}

static void
report_clear(HtmlReport *r)
{
	g_free(r->dir);
	g_free(r->title);
	g_clear_pointer(&r->pairs, g_ptr_array_unref);
	g_clear_pointer(&r->points, g_ptr_array_unref);
	g_clear_pointer(&r->pipelines, g_ptr_array_unref);
	g_clear_pointer(&r->errors, g_ptr_array_unref);
	g_free(r->errors_csv);
	g_free(r->generated);
}

/* --- reading one sidecar ---------------------------------------------------*/

/* Drop the per-dot lists: the report needs the numbers, and the full
 * records stay beside the composites.
 */
static void
strip_items(JsonObject *root)
{
	static const char *sides[] = {"before", "after"};
	static const char *lists[] = {"dots", "large_blobs"};

	for (int i = 0; i < 2; i++) {
		JsonNode *m = json_object_get_member(root, sides[i]);

		for (int j = 0; m && JSON_NODE_HOLDS_OBJECT(m) && j < 2; j++) {
			JsonNode *d =
				json_object_get_member(json_node_get_object(m), lists[j]);

			if (d && JSON_NODE_HOLDS_OBJECT(d))
				json_object_remove_member(json_node_get_object(d), "items");
		}
	}
}

static gboolean
is_pair_sidecar(JsonNode *root)
{
	JsonObject *o;

	if (!root || !JSON_NODE_HOLDS_OBJECT(root))
		return FALSE;
	o = json_node_get_object(root);
	return json_object_has_member(o, "before") &&
		json_object_has_member(o, "after") &&
		json_object_has_member(o, "registration");
}

/* Parse DIR/@rel. Returns: (transfer full) the stripped record, or NULL
 * (with @error set when the file is unreadable or not JSON).
 */
static JsonNode *
read_sidecar(const char *dir, const char *rel, GError **error)
{
	g_autofree char *path = g_build_filename(dir, rel, NULL);
	g_autoptr(JsonParser) parser = json_parser_new();
	GError *local = NULL;
	JsonNode *root;

	if (!json_parser_load_from_file(parser, path, &local)) {
		g_set_error(error, SMP_ERROR, SMP_ERROR_CORRUPT, "%s: report: %s", path,
			local->message);
		g_error_free(local);
		return NULL;
	}
	root = json_parser_get_root(parser);
	if (!is_pair_sidecar(root))
		return NULL;
	root = json_node_copy(root);
	strip_items(json_node_get_object(root));
	return root;
}

/* Client, view and sessions from a batch file name "VIEW-sA-sB.json" in
 * the folder CLIENT; a `smpdoc pair` folder gives the folder's name.
 */
static void
guess_names(HtmlPair *p, const char *dir)
{
	g_autofree char *base = g_path_get_basename(p->sidecar);
	g_autofree char *folder = g_path_get_dirname(p->sidecar);
	char *dot = strrchr(base, '.');
	char *s;

	if (dot)
		*dot = '\0';
	p->s0 = 0;
	p->s1 = 1;
	s = strstr(base, "-s");
	if (s && sscanf(s, "-s%d-s%d", &p->s0, &p->s1) == 2)
		*s = '\0';
	p->view = g_strdup(base);
	p->client =
		strcmp(folder, ".") == 0 ? g_path_get_basename(dir) : g_strdup(folder);
}

static void
find_composite(HtmlPair *p, const char *dir)
{
	JsonObject *o = json_node_get_object(p->record);
	const char *name =
		json_object_get_string_member_with_default(o, "composite", NULL);
	g_autofree char *folder = g_path_get_dirname(p->sidecar);
	g_autofree char *rel = NULL;
	g_autofree char *path = NULL;

	if (!name || strchr(name, '/') || strcmp(name, "..") == 0)
		return;
	rel = strcmp(folder, ".") == 0 ? g_strdup(name)
								   : g_build_filename(folder, name, NULL);
	path = g_build_filename(dir, rel, NULL);
	if (g_file_test(path, G_FILE_TEST_IS_REGULAR))
		p->composite = g_steal_pointer(&rel);
}

/* Add the pair whose sidecar is DIR/@rel. Names come from the catalogue
 * (@client etc. non-NULL) or from the path.
 */
static void
add_pair(HtmlReport *r, const char *rel, const char *client, const char *view,
	int s0, int s1, GPtrArray *notes)
{
	GError *error = NULL;
	JsonNode *record = read_sidecar(r->dir, rel, &error);
	HtmlPair *p;

	if (!record) {
		if (error) {
			g_ptr_array_add(notes, g_strdup(error->message));
			g_error_free(error);
		}
		return;
	}
	p = g_new0(HtmlPair, 1);
	p->record = record;
	p->sidecar = g_strdup(rel);
	if (client) {
		p->client = g_strdup(client);
		p->view = g_strdup(view ? view : "");
		p->s0 = s0;
		p->s1 = s1;
	}
	else
		guess_names(p, r->dir);
	find_composite(p, r->dir);
	g_ptr_array_add(r->pairs, p);
}

/* --- finding sidecars --------------------------------------------------- */

static void
scan(HtmlReport *r, const char *rel, int depth, GPtrArray *notes)
{
	g_autofree char *path = g_build_filename(r->dir, rel, NULL);
	g_autoptr(GDir) d = g_dir_open(path, 0, NULL);
	g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
	const char *name;

	if (!d || depth > SCAN_DEPTH_MAX)
		return;
	while ((name = g_dir_read_name(d)))
		if (name[0] != '.' && !(depth == 0 && strcmp(name, "report") == 0))
			g_ptr_array_add(names, g_strdup(name));
	g_ptr_array_sort(names, (GCompareFunc) g_strcmp0);
	for (guint i = 0; i < names->len; i++) {
		const char *n = *(const char **) &names->pdata[i];
		g_autofree char *sub =
			*rel ? g_build_filename(rel, n, NULL) : g_strdup(n);
		g_autofree char *full = g_build_filename(r->dir, sub, NULL);

		if (g_file_test(full, G_FILE_TEST_IS_SYMLINK))
			continue;
		if (g_file_test(full, G_FILE_TEST_IS_DIR))
			scan(r, sub, depth + 1, notes);
		/* A portfolio's provenance records sit beside its composites:
		 * they are not sidecars, whatever their content.
		 */
		else if (g_str_has_suffix(n, ".json") &&
			!g_str_has_suffix(n, SMP_PROVENANCE_SUFFIX))
			add_pair(r, sub, NULL, NULL, 0, 0, notes);
	}
}

/* Pairs listed in the catalogue. Read-only SQL here because catalog.h
 * has no pair listing yet.
 */
static gboolean
catalogue_pairs(HtmlReport *r, const char *db, GPtrArray *notes, GError **error)
{
	sqlite3 *s = NULL;
	sqlite3_stmt *st = NULL;

	if (sqlite3_open_v2(db, &s, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK ||
		sqlite3_prepare_v2(s,
			"SELECT sidecar, client, view, session_before, session_after"
			" FROM pairs WHERE status = 'done' AND sidecar IS NOT NULL"
			" ORDER BY client, view, session_before, session_after",
			-1, &st, NULL) != SQLITE_OK) {
		g_set_error(error, SMP_ERROR, SMP_ERROR_CORRUPT, "%s: report: %s", db,
			s ? sqlite3_errmsg(s) : "cannot open");
		sqlite3_close(s);
		return FALSE;
	}
	while (sqlite3_step(st) == SQLITE_ROW)
		add_pair(r, (const char *) sqlite3_column_text(st, 0),
			(const char *) sqlite3_column_text(st, 1),
			(const char *) sqlite3_column_text(st, 2),
			sqlite3_column_int(st, 3), sqlite3_column_int(st, 4), notes);
	sqlite3_finalize(st);
	sqlite3_close(s);
	return TRUE;
}

static int
pair_cmp(gconstpointer a, gconstpointer b)
{
	const HtmlPair *p = *(HtmlPair *const *) a;
	const HtmlPair *q = *(HtmlPair *const *) b;
	int c = g_strcmp0(p->client, q->client);

	if (!c)
		c = g_strcmp0(p->view, q->view);
	if (!c)
		c = p->s0 != q->s0 ? (p->s0 < q->s0 ? -1 : 1)
						   : (p->s1 > q->s1) - (p->s1 < q->s1);
	return c ? c : g_strcmp0(p->sidecar, q->sidecar);
}

/* --- timelines ------------------------------------------------------------*/

static HtmlPoint *
find_point(HtmlReport *r, const char *client, const char *view, int session)
{
	for (guint i = 0; i < r->points->len; i++) {
		HtmlPoint *q = g_ptr_array_index(r->points, i);

		if (q->session == session && g_strcmp0(q->client, client) == 0 &&
			g_strcmp0(q->view, view) == 0)
			return q;
	}
	return NULL;
}

static void
point_from_sidecar(HtmlReport *r, HtmlPair *p, int side)
{
	JsonObject *o = json_node_get_object(p->record);
	JsonObject *m = json_object_get_object_member(o, side ? "after" : "before");
	int session = side ? p->s1 : p->s0;
	JsonArray *ci;
	HtmlPoint *q;

	if (!m || find_point(r, p->client, p->view, session))
		return;
	q = g_new0(HtmlPoint, 1);
	q->client = g_strdup(p->client);
	q->view = g_strdup(p->view);
	q->session = session;
	q->per_cm2 = smp_html_num(m, "dots.per_cm2");
	q->lo = q->hi = NAN;
	m = json_object_get_object_member(m, "dots");
	ci = m && json_object_has_member(m, "per_cm2_ci95") &&
			JSON_NODE_HOLDS_ARRAY(json_object_get_member(m, "per_cm2_ci95"))
		? json_object_get_array_member(m, "per_cm2_ci95")
		: NULL;
	if (ci && json_array_get_length(ci) == 2) {
		q->lo = json_array_get_double_element(ci, 0);
		q->hi = json_array_get_double_element(ci, 1);
	}
	q->per_mpx = m ? smp_html_num(m, "per_mpx") : NAN;
	q->coverage = m ? smp_html_num(m, "coverage") : NAN;
	g_ptr_array_add(r->points, q);
}

static void
catalogue_points(HtmlReport *r, SmpCatalog *cat, const char *client)
{
	g_autoptr(GPtrArray) rows = NULL;

	for (guint i = 0; i < r->points->len; i++)
		if (g_strcmp0(((HtmlPoint *) r->points->pdata[i])->client, client) == 0)
			return;
	rows = smp_catalog_timeline(cat, client, NULL);
	for (guint i = 0; rows && i < rows->len; i++) {
		SmpTimelineRow *t = g_ptr_array_index(rows, i);
		HtmlPoint *q = g_new0(HtmlPoint, 1);

		q->client = g_strdup(client);
		q->view = g_strdup(t->view);
		q->session = t->session;
		q->taken = g_strdup(t->taken);
		q->per_cm2 = t->per_cm2;
		q->lo = t->per_cm2_lo;
		q->hi = t->per_cm2_hi;
		q->per_mpx = t->per_mpx;
		q->coverage = t->coverage;
		g_ptr_array_add(r->points, q);
	}
}

static int
point_cmp(gconstpointer a, gconstpointer b)
{
	const HtmlPoint *p = *(HtmlPoint *const *) a;
	const HtmlPoint *q = *(HtmlPoint *const *) b;
	int c = g_strcmp0(p->client, q->client);

	if (!c)
		c = g_strcmp0(p->view, q->view);
	return c ? c : (p->session > q->session) - (p->session < q->session);
}

static void
gather_points(HtmlReport *r, SmpCatalog *cat)
{
	for (guint i = 0; cat && i < r->pairs->len; i++)
		catalogue_points(
			r, cat, ((HtmlPair *) g_ptr_array_index(r->pairs, i))->client);
	for (guint i = 0; i < r->pairs->len; i++) {
		HtmlPair *p = g_ptr_array_index(r->pairs, i);

		point_from_sidecar(r, p, 0);
		point_from_sidecar(r, p, 1);
	}
	g_ptr_array_sort(r->points, point_cmp);
	for (guint i = 0; i < r->pairs->len; i++) {
		HtmlPair *p = g_ptr_array_index(r->pairs, i);
		HtmlPoint *a = find_point(r, p->client, p->view, p->s0);
		HtmlPoint *b = find_point(r, p->client, p->view, p->s1);

		p->taken[0] = g_strdup(a ? a->taken : NULL);
		p->taken[1] = g_strdup(b ? b->taken : NULL);
	}
}

/* --- pipelines and failures ------------------------------------------------*/

static void
gather_pipelines(HtmlReport *r)
{
	for (guint i = 0; i < r->pairs->len; i++) {
		HtmlPair *p = g_ptr_array_index(r->pairs, i);
		JsonObject *o = json_node_get_object(p->record);
		JsonNode *n = json_object_get_member(o, "pipeline");
		JsonObject *pl =
			n && JSON_NODE_HOLDS_OBJECT(n) ? json_node_get_object(n) : NULL;
		const char *name = pl
			? json_object_get_string_member_with_default(pl, "name", "")
			: "";
		const char *sha = pl
			? json_object_get_string_member_with_default(pl, "sha256", "")
			: "";
		HtmlPipeline *hp = NULL;

		for (guint j = 0; !hp && j < r->pipelines->len; j++) {
			HtmlPipeline *q = g_ptr_array_index(r->pipelines, j);

			if (strcmp(q->name, name) == 0 && strcmp(q->sha256, sha) == 0)
				hp = q;
		}
		if (!hp) {
			hp = g_new0(HtmlPipeline, 1);
			hp->name = g_strdup(name);
			hp->sha256 = g_strdup(sha);
			g_ptr_array_add(r->pipelines, hp);
		}
		hp->pairs++;
	}
}

typedef struct CsvRows {
	GPtrArray *rows;
	GPtrArray *row;
} CsvRows;

static void
csv_field(void *s, size_t len, void *data)
{
	CsvRows *c = data;

	if (!c->row)
		c->row = g_ptr_array_new();
	g_ptr_array_add(c->row, g_strndup(s ? s : "", len));
}

static void
csv_row(int ch, void *data)
{
	CsvRows *c = data;

	(void) ch;
	if (!c->row)
		return;
	while (c->row->len < 3)
		g_ptr_array_add(c->row, g_strdup(""));
	g_ptr_array_add(c->row, NULL);
	g_ptr_array_add(c->rows, g_ptr_array_free(c->row, FALSE));
	c->row = NULL;
}

/* errors.csv ("source,stage,reason") into rows, header dropped. */
static GPtrArray *
parse_errors(const char *text)
{
	struct csv_parser p;
	CsvRows c = {
		g_ptr_array_new_with_free_func((GDestroyNotify) g_strfreev), NULL};

	if (csv_init(&p, 0) != 0)
		return c.rows;
	csv_parse(&p, text, strlen(text), csv_field, csv_row, &c);
	csv_fini(&p, csv_field, csv_row, &c);
	csv_free(&p);
	if (c.rows->len > 0 &&
		g_strcmp0(((char **) c.rows->pdata[0])[0], "source") == 0)
		g_ptr_array_remove_index(c.rows, 0);
	return c.rows;
}

static void
gather_errors(HtmlReport *r, SmpCatalog *cat)
{
	g_autofree char *path = g_build_filename(r->dir, "errors.csv", NULL);

	if (!g_file_get_contents(path, &r->errors_csv, NULL, NULL) && cat)
		r->errors_csv = smp_catalog_errors_csv(cat, NULL);
	r->errors = r->errors_csv ? parse_errors(r->errors_csv) : g_ptr_array_new();
}

static char *
generated_at(void)
{
	const char *sde = g_getenv("SOURCE_DATE_EPOCH");
	g_autoptr(GDateTime) t = sde && *sde
		? g_date_time_new_from_unix_utc(g_ascii_strtoll(sde, NULL, 10))
		: g_date_time_new_now_utc();

	return t ? g_date_time_format(t, "%Y-%m-%d %H:%M UTC") : g_strdup("");
}

/* --- the whole report ------------------------------------------------------*/

static gboolean
gather(HtmlReport *r, GPtrArray *notes, GError **error)
{
	g_autofree char *db = g_build_filename(r->dir, "catalog.sqlite", NULL);
	SmpCatalog *cat = NULL;

	if (g_file_test(db, G_FILE_TEST_IS_REGULAR)) {
		cat = smp_catalog_open(db, FALSE, error);
		if (!cat || !catalogue_pairs(r, db, notes, error)) {
			smp_catalog_close(cat);
			return FALSE;
		}
		r->catalogue = TRUE;
		smp_catalog_counts(cat, &r->photos_done, &r->photos_failed,
			&r->pairs_done, &r->pairs_failed);
	}
	else
		scan(r, "", 0, notes);
	g_ptr_array_sort(r->pairs, pair_cmp);
	gather_points(r, cat);
	gather_pipelines(r);
	gather_errors(r, cat);
	smp_catalog_close(cat);
	if (!r->catalogue)
		r->pairs_done = r->pairs->len;
	r->generated = generated_at();
	return TRUE;
}

static gboolean
make_dirs(const char *dir, GError **error)
{
	static const char *subs[] = {"report/thumbs", "report/data"};

	for (size_t i = 0; i < G_N_ELEMENTS(subs); i++) {
		g_autofree char *path = g_build_filename(dir, subs[i], NULL);

		if (g_mkdir_with_parents(path, 0755) != 0) {
			int e = errno;

			g_set_error(error, SMP_ERROR,
				e == ENOSPC ? SMP_ERROR_TRANSIENT : SMP_ERROR_IO,
				"%s: report: cannot create folder: %s", path, g_strerror(e));
			return FALSE;
		}
	}
	return TRUE;
}

static gboolean
write_text(const char *dir, const char *rel, const char *text, GError **error)
{
	g_autofree char *path = g_build_filename(dir, "report", rel, NULL);

	return smp_file_write_atomic(path, text, strlen(text), error);
}

/* data/pairs.jsonl: one sidecar (without per-dot items) per line, with
 * where it came from.
 */
static char *
pairs_jsonl(const HtmlReport *r)
{
	GString *s = g_string_new(NULL);

	for (guint i = 0; i < r->pairs->len; i++) {
		HtmlPair *p = g_ptr_array_index(r->pairs, i);
		g_autoptr(JsonNode) n = json_node_copy(p->record);
		JsonObject *o = json_node_get_object(n);
		g_autofree char *line = NULL;

		json_object_set_string_member(o, "client", p->client);
		json_object_set_string_member(o, "view", p->view);
		json_object_set_int_member(o, "session_before", p->s0);
		json_object_set_int_member(o, "session_after", p->s1);
		json_object_set_string_member(o, "sidecar", p->sidecar);
		line = smp_report_to_string(n, FALSE);
		g_string_append(s, line);
		if (!g_str_has_suffix(line, "\n"))
			g_string_append_c(s, '\n');
	}
	return g_string_free(s, FALSE);
}

static gboolean
write_report(const HtmlReport *r, GError **error)
{
	g_autoptr(JsonNode) data = smp_html_data(r);
	g_autofree char *json = smp_report_to_string(data, TRUE);
	g_autofree char *jsonl = pairs_jsonl(r);
	g_autofree char *page = smp_html_render(r);

	return write_text(r->dir, "data/report.json", json, error) &&
		write_text(r->dir, "data/pairs.jsonl", jsonl, error) &&
		(!r->errors_csv ||
			write_text(r->dir, "data/errors.csv", r->errors_csv, error)) &&
		write_text(r->dir, "index.html", page, error);
}

static void
make_thumbs(HtmlReport *r, const SmpHtmlOptions *o, SmpHtmlSummary *out)
{
	for (guint i = 0; i < r->pairs->len; i++) {
		HtmlPair *p = g_ptr_array_index(r->pairs, i);

		if (smp_html_thumbs(r->dir, p, i, o))
			out->sliders++;
		else {
			out->problems++;
			g_ptr_array_add(out->notes,
				g_strdup_printf(
					"%s/%s: report: %s", r->dir, p->sidecar, p->problem));
		}
	}
}

gboolean
smp_html_report(const char *dir, const SmpHtmlOptions *o, SmpHtmlSummary *out,
	GError **error)
{
	HtmlReport r = {0};
	SmpHtmlOptions defaults;
	SmpHtmlSummary s = {0};
	gboolean ok;

	if (!o) {
		smp_html_options_default(&defaults);
		o = &defaults;
	}
	if (!g_file_test(dir, G_FILE_TEST_IS_DIR)) {
		g_set_error(
			error, SMP_ERROR, SMP_ERROR_IO, "%s: report: not a folder", dir);
		return FALSE;
	}
	r.dir = g_strdup(dir);
	r.title = g_strdup(o->title ? o->title : "smpdoc report");
	r.pairs = g_ptr_array_new_with_free_func(pair_free);
	r.points = g_ptr_array_new_with_free_func(point_free);
	r.pipelines = g_ptr_array_new_with_free_func(pipeline_free);
	s.notes = g_ptr_array_new_with_free_func(g_free);
	ok = gather(&r, s.notes, error);
	if (ok && r.pairs->len == 0 && r.pairs_failed == 0 &&
		r.photos_done + r.photos_failed == 0) {
		g_set_error(error, SMP_ERROR, SMP_ERROR_IO,
			"%s: report: no pair sidecar or catalogue found", dir);
		ok = FALSE;
	}
	ok = ok && make_dirs(dir, error);
	if (ok)
		make_thumbs(&r, o, &s);
	ok = ok && write_report(&r, error);
	if (ok) {
		s.pairs = r.pairs->len;
		s.failures = r.errors->len;
		s.index = g_build_filename(dir, "report", "index.html", NULL);
		*out = s;
	}
	else
		smp_html_summary_clear(&s);
	report_clear(&r);
	return ok;
}
