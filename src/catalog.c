/* The SQLite results catalogue: schema, rows, resume look-ups, merging
 * shards, errors.csv and timelines.
 * SPDX-License-Identifier: MIT
 */
#include <math.h>
#include <string.h>

#include <sqlite3.h>

#include "smpdoc/catalog.h"
#include "smpdoc/error.h"

/* How long a statement waits for a lock held by a reader before failing
 * with SMP_ERROR_TRANSIENT (run again with --resume).
 */
#define SMP_CATALOG_BUSY_MS 10000

struct SmpCatalog {
	sqlite3 *db;
	char *path;
};

static const char schema[] =
	"CREATE TABLE IF NOT EXISTS photos ("
	" key TEXT PRIMARY KEY, content_sha256 TEXT NOT NULL,"
	" pipeline_sha256 TEXT NOT NULL, source TEXT NOT NULL, client TEXT,"
	" session INTEGER, view TEXT, taken TEXT, consent TEXT,"
	" status TEXT NOT NULL, error TEXT, output TEXT, width INTEGER,"
	" height INTEGER, px_per_mm REAL, scale_source TEXT, dot_count INTEGER,"
	" per_cm2 REAL, per_cm2_lo REAL, per_cm2_hi REAL, per_mpx REAL,"
	" coverage REAL, nn_mean_mm REAL, clark_evans REAL, elapsed_ms REAL);"
	"CREATE TABLE IF NOT EXISTS pairs ("
	" key TEXT PRIMARY KEY, before_key TEXT NOT NULL,"
	" after_key TEXT NOT NULL, pipeline_sha256 TEXT NOT NULL, client TEXT,"
	" view TEXT, session_before INTEGER, session_after INTEGER,"
	" status TEXT NOT NULL, error TEXT, composite TEXT, sidecar TEXT,"
	" aligned INTEGER, per_cm2_before REAL, per_cm2_after REAL,"
	" per_cm2_change REAL, per_cm2_pct REAL, coverage_change REAL,"
	" new_dots INTEGER, persisting_dots INTEGER, elapsed_ms REAL);"
	"CREATE TABLE IF NOT EXISTS runs ("
	" at TEXT, pipeline_name TEXT, pipeline_sha256 TEXT, shard TEXT,"
	" smpdoc TEXT, done INTEGER, failed INTEGER);"
	"CREATE INDEX IF NOT EXISTS photos_client ON photos(client, view,"
	" session);"
	"CREATE TABLE IF NOT EXISTS provenance ("
	" composite TEXT PRIMARY KEY, client TEXT, record TEXT NOT NULL);"
	"CREATE TABLE IF NOT EXISTS withdrawals ("
	" at TEXT NOT NULL, client TEXT NOT NULL, view TEXT,"
	" session_before INTEGER, session_after INTEGER, files TEXT NOT NULL);";

static gboolean
db_error(SmpCatalog *c, int rc, const char *what, GError **error)
{
	gboolean busy = rc == SQLITE_BUSY || rc == SQLITE_LOCKED ||
		rc == SQLITE_FULL || rc == SQLITE_IOERR;

	g_set_error(error, SMP_ERROR, busy ? SMP_ERROR_TRANSIENT : SMP_ERROR_IO,
		"%s: catalogue: %s: %s", c->path, what, sqlite3_errmsg(c->db));
	return FALSE;
}

static gboolean
exec(SmpCatalog *c, const char *sql, GError **error)
{
	int rc = sqlite3_exec(c->db, sql, NULL, NULL, NULL);

	return rc == SQLITE_OK ? TRUE : db_error(c, rc, "exec", error);
}

SmpCatalog *
smp_catalog_open(const char *path, gboolean create, GError **error)
{
	SmpCatalog *c = g_new0(SmpCatalog, 1);
	int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX |
		(create ? SQLITE_OPEN_CREATE : 0);
	int rc;

	c->path = g_strdup(path);
	rc = sqlite3_open_v2(path, &c->db, flags, NULL);
	if (rc != SQLITE_OK) {
		g_set_error(error, SMP_ERROR, SMP_ERROR_IO, "%s: catalogue: %s", path,
			c->db ? sqlite3_errmsg(c->db) : sqlite3_errstr(rc));
		smp_catalog_close(c);
		return NULL;
	}
	sqlite3_busy_timeout(c->db, SMP_CATALOG_BUSY_MS);
	/* WAL: readers (other shards' merges, `timeline`) never block the
	 * writer; NORMAL sync keeps a committed row across a process kill.
	 */
	if (!exec(
			c, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;", error) ||
		(create && !exec(c, schema, error))) {
		smp_catalog_close(c);
		return NULL;
	}
	return c;
}

void
smp_catalog_close(SmpCatalog *c)
{
	if (!c)
		return;
	sqlite3_close(c->db);
	g_free(c->path);
	g_free(c);
}

gboolean
smp_catalog_begin(SmpCatalog *c, GError **error)
{
	return exec(c, "BEGIN IMMEDIATE", error);
}

gboolean
smp_catalog_commit(SmpCatalog *c, GError **error)
{
	return exec(c, "COMMIT", error);
}

/* Binding helpers: NULL strings and NaN numbers become SQL NULL. */
static void
bind_text(sqlite3_stmt *st, int i, const char *s)
{
	if (s)
		sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(st, i);
}

static void
bind_real(sqlite3_stmt *st, int i, double v)
{
	if (isfinite(v))
		sqlite3_bind_double(st, i, v);
	else
		sqlite3_bind_null(st, i);
}

static void
bind_count(sqlite3_stmt *st, int i, gint64 v)
{
	if (v >= 0)
		sqlite3_bind_int64(st, i, v);
	else
		sqlite3_bind_null(st, i);
}

static gboolean
step_done(SmpCatalog *c, sqlite3_stmt *st, GError **error)
{
	int rc = sqlite3_step(st);

	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? TRUE : db_error(c, rc, "write", error);
}

static sqlite3_stmt *
prepare(SmpCatalog *c, const char *sql, GError **error)
{
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(c->db, sql, -1, &st, NULL);

	if (rc != SQLITE_OK) {
		db_error(c, rc, "prepare", error);
		return NULL;
	}
	return st;
}

gboolean
smp_catalog_put_photo(SmpCatalog *c, const SmpPhotoRecord *r, GError **error)
{
	sqlite3_stmt *st = prepare(c,
		"INSERT OR REPLACE INTO photos VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,"
		"?,?,?,?,?,?,?,?,?,?)",
		error);

	if (!st)
		return FALSE;
	bind_text(st, 1, r->key);
	bind_text(st, 2, r->content_sha256);
	bind_text(st, 3, r->pipeline_sha256);
	bind_text(st, 4, r->source);
	bind_text(st, 5, r->client);
	sqlite3_bind_int(st, 6, r->session);
	bind_text(st, 7, r->view);
	bind_text(st, 8, r->taken);
	bind_text(st, 9, r->consent);
	bind_text(st, 10, r->ok ? "done" : r->refused ? "refused" : "failed");
	bind_text(st, 11, r->error);
	bind_text(st, 12, r->output);
	sqlite3_bind_int(st, 13, r->width);
	sqlite3_bind_int(st, 14, r->height);
	bind_real(st, 15, r->px_per_mm > 0 ? r->px_per_mm : NAN);
	bind_text(st, 16, r->scale_source);
	bind_count(st, 17, r->ok ? r->dot_count : -1);
	bind_real(st, 18, r->per_cm2);
	bind_real(st, 19, r->per_cm2_lo);
	bind_real(st, 20, r->per_cm2_hi);
	bind_real(st, 21, r->per_mpx);
	bind_real(st, 22, r->coverage);
	bind_real(st, 23, r->nn_mean_mm);
	bind_real(st, 24, r->clark_evans);
	bind_real(st, 25, r->elapsed_ms);
	return step_done(c, st, error);
}

gboolean
smp_catalog_put_pair(SmpCatalog *c, const SmpPairRecord *r, GError **error)
{
	sqlite3_stmt *st = prepare(c,
		"INSERT OR REPLACE INTO pairs VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,"
		"?,?,?,?,?,?)",
		error);

	if (!st)
		return FALSE;
	bind_text(st, 1, r->key);
	bind_text(st, 2, r->before_key);
	bind_text(st, 3, r->after_key);
	bind_text(st, 4, r->pipeline_sha256);
	bind_text(st, 5, r->client);
	bind_text(st, 6, r->view);
	sqlite3_bind_int(st, 7, r->session_before);
	sqlite3_bind_int(st, 8, r->session_after);
	bind_text(st, 9, r->ok ? "done" : r->refused ? "refused" : "failed");
	bind_text(st, 10, r->error);
	bind_text(st, 11, r->composite);
	bind_text(st, 12, r->sidecar);
	sqlite3_bind_int(st, 13, r->aligned);
	bind_real(st, 14, r->per_cm2_before);
	bind_real(st, 15, r->per_cm2_after);
	bind_real(st, 16, r->per_cm2_change);
	bind_real(st, 17, r->per_cm2_pct);
	bind_real(st, 18, r->coverage_change);
	bind_count(st, 19, r->new_dots);
	bind_count(st, 20, r->persisting_dots);
	bind_real(st, 21, r->elapsed_ms);
	return step_done(c, st, error);
}

static SmpRowStatus
row_status(SmpCatalog *c, const char *sql, const char *key)
{
	sqlite3_stmt *st = prepare(c, sql, NULL);
	SmpRowStatus s = SMP_ROW_ABSENT;

	if (!st)
		return SMP_ROW_ABSENT;
	bind_text(st, 1, key);
	if (sqlite3_step(st) == SQLITE_ROW) {
		const char *v = (const char *) sqlite3_column_text(st, 0);

		s = v && strcmp(v, "done") == 0 ? SMP_ROW_DONE : SMP_ROW_FAILED;
	}
	sqlite3_finalize(st);
	return s;
}

SmpRowStatus
smp_catalog_photo_status(SmpCatalog *c, const char *key)
{
	return row_status(c, "SELECT status FROM photos WHERE key = ?", key);
}

SmpRowStatus
smp_catalog_pair_status(SmpCatalog *c, const char *key)
{
	return row_status(c, "SELECT status FROM pairs WHERE key = ?", key);
}

gboolean
smp_catalog_note_run(SmpCatalog *c, const char *pipeline_name,
	const char *pipeline_sha256, const char *shard, int done, int failed,
	GError **error)
{
	g_autoptr(GDateTime) now = g_date_time_new_now_utc();
	g_autofree char *at = g_date_time_format_iso8601(now);
	sqlite3_stmt *st =
		prepare(c, "INSERT INTO runs VALUES (?,?,?,?,?,?,?)", error);

	if (!st)
		return FALSE;
	bind_text(st, 1, at);
	bind_text(st, 2, pipeline_name);
	bind_text(st, 3, pipeline_sha256);
	bind_text(st, 4, shard);
	bind_text(st, 5, SMP_VERSION);
	sqlite3_bind_int(st, 6, done);
	sqlite3_bind_int(st, 7, failed);
	return step_done(c, st, error);
}

gboolean
smp_catalog_merge(SmpCatalog *c, const char *src, GError **error)
{
	sqlite3_stmt *st = prepare(c, "ATTACH DATABASE ? AS shard", error);
	gboolean ok;

	if (!st)
		return FALSE;
	bind_text(st, 1, src);
	if (!step_done(c, st, error))
		return FALSE;
	ok = exec(c,
		"BEGIN IMMEDIATE;"
		"INSERT OR REPLACE INTO main.photos SELECT * FROM shard.photos;"
		"INSERT OR REPLACE INTO main.pairs SELECT * FROM shard.pairs;"
		"INSERT INTO main.runs SELECT * FROM shard.runs;"
		"INSERT OR REPLACE INTO main.provenance SELECT * FROM "
		"shard.provenance;"
		"INSERT INTO main.withdrawals SELECT * FROM shard.withdrawals;"
		"COMMIT;",
		error);
	if (!ok)
		exec(c, "ROLLBACK", NULL);
	exec(c, "DETACH DATABASE shard", NULL);
	return ok;
}

/* A CSV field, quoted when it holds a comma, quote or line break. */
static void
csv_field(GString *out, const char *s, gboolean last)
{
	if (!s)
		s = "";
	if (strpbrk(s, ",\"\r\n")) {
		g_string_append_c(out, '"');
		for (const char *p = s; *p; p++) {
			if (*p == '"')
				g_string_append_c(out, '"');
			g_string_append_c(out, *p);
		}
		g_string_append_c(out, '"');
	}
	else
		g_string_append(out, s);
	g_string_append_c(out, last ? '\n' : ',');
}

char *
smp_catalog_errors_csv(SmpCatalog *c, GError **error)
{
	sqlite3_stmt *st = prepare(c,
		"SELECT source, CASE status WHEN 'failed' THEN 'photo' ELSE status "
		"END, error FROM photos WHERE status IN ('failed', 'refused') "
		"UNION ALL "
		"SELECT client || '/' || view || '/s' || session_before || '-s' || "
		"session_after, CASE status WHEN 'failed' THEN 'pair' ELSE status "
		"END, error FROM pairs WHERE status IN ('failed', 'refused') "
		"ORDER BY 1, 2",
		error);
	GString *out = g_string_new("source,stage,reason\n");

	if (!st) {
		g_string_free(out, TRUE);
		return NULL;
	}
	while (sqlite3_step(st) == SQLITE_ROW)
		for (int i = 0; i < 3; i++)
			csv_field(out, (const char *) sqlite3_column_text(st, i), i == 2);
	sqlite3_finalize(st);
	return g_string_free(out, FALSE);
}

static int
count_of(SmpCatalog *c, const char *sql)
{
	sqlite3_stmt *st = prepare(c, sql, NULL);
	int n = 0;

	if (st && sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return n;
}

void
smp_catalog_counts(SmpCatalog *c, int *photos_done, int *photos_failed,
	int *pairs_done, int *pairs_failed)
{
	*photos_done =
		count_of(c, "SELECT count(*) FROM photos WHERE status = 'done'");
	*photos_failed =
		count_of(c, "SELECT count(*) FROM photos WHERE status = 'failed'");
	*pairs_done =
		count_of(c, "SELECT count(*) FROM pairs WHERE status = 'done'");
	*pairs_failed =
		count_of(c, "SELECT count(*) FROM pairs WHERE status = 'failed'");
}

static double
column_real(sqlite3_stmt *st, int i)
{
	return sqlite3_column_type(st, i) == SQLITE_NULL
		? NAN
		: sqlite3_column_double(st, i);
}

static void
timeline_row_free(gpointer p)
{
	SmpTimelineRow *r = p;

	g_free(r->view);
	g_free(r->taken);
	g_free(r);
}

GPtrArray *
smp_catalog_timeline(SmpCatalog *c, const char *client, GError **error)
{
	sqlite3_stmt *st = prepare(c,
		"SELECT view, session, taken, dot_count, per_cm2, per_cm2_lo,"
		" per_cm2_hi, per_mpx, coverage FROM photos"
		" WHERE client = ? AND status = 'done' ORDER BY view, session",
		error);
	GPtrArray *rows;

	if (!st)
		return NULL;
	rows = g_ptr_array_new_with_free_func(timeline_row_free);
	bind_text(st, 1, client);
	while (sqlite3_step(st) == SQLITE_ROW) {
		SmpTimelineRow *r = g_new0(SmpTimelineRow, 1);

		r->view = g_strdup((const char *) sqlite3_column_text(st, 0));
		r->session = sqlite3_column_int(st, 1);
		r->taken = g_strdup((const char *) sqlite3_column_text(st, 2));
		r->dot_count = sqlite3_column_int64(st, 3);
		r->per_cm2 = column_real(st, 4);
		r->per_cm2_lo = column_real(st, 5);
		r->per_cm2_hi = column_real(st, 6);
		r->per_mpx = column_real(st, 7);
		r->coverage = column_real(st, 8);
		g_ptr_array_add(rows, r);
	}
	sqlite3_finalize(st);
	return rows;
}

gboolean
smp_catalog_put_provenance(SmpCatalog *c, const char *composite,
	const char *client, const char *record, GError **error)
{
	sqlite3_stmt *st =
		prepare(c, "INSERT OR REPLACE INTO provenance VALUES (?,?,?)", error);

	if (!st)
		return FALSE;
	bind_text(st, 1, composite);
	bind_text(st, 2, client);
	bind_text(st, 3, record);
	return step_done(c, st, error);
}

/* Bind client, view, session_before, session_after from 1. */
static void
bind_pair_id(
	sqlite3_stmt *st, const char *client, const char *view, int sb, int sa)
{
	bind_text(st, 1, client);
	bind_text(st, 2, view);
	sqlite3_bind_int(st, 3, sb);
	sqlite3_bind_int(st, 4, sa);
}

#define PORTFOLIO_PAIR                                                         \
	" WHERE client = ? AND view = ? AND session_before = ? AND"                \
	" session_after = ? AND status = 'done' AND sidecar LIKE"                  \
	" '%.provenance.json'"

GPtrArray *
smp_catalog_portfolio_outputs(SmpCatalog *c, const char *client,
	const char *view, int session_before, int session_after, GError **error)
{
	sqlite3_stmt *st = prepare(
		c, "SELECT composite, sidecar FROM pairs" PORTFOLIO_PAIR, error);
	GPtrArray *files;

	if (!st)
		return NULL;
	files = g_ptr_array_new_with_free_func(g_free);
	bind_pair_id(st, client, view, session_before, session_after);
	while (sqlite3_step(st) == SQLITE_ROW)
		for (int i = 0; i < 2; i++)
			if (sqlite3_column_text(st, i))
				g_ptr_array_add(
					files, g_strdup((const char *) sqlite3_column_text(st, i)));
	sqlite3_finalize(st);
	return files;
}

gboolean
smp_catalog_note_withdrawal(SmpCatalog *c, const char *client, const char *view,
	int session_before, int session_after, const char *files, GError **error)
{
	g_autoptr(GDateTime) now = g_date_time_new_now_utc();
	g_autofree char *at = g_date_time_format_iso8601(now);
	sqlite3_stmt *st = prepare(c,
		"DELETE FROM provenance WHERE composite IN (SELECT composite FROM "
		"pairs" PORTFOLIO_PAIR ")",
		error);

	if (!st)
		return FALSE;
	bind_pair_id(st, client, view, session_before, session_after);
	if (!step_done(c, st, error))
		return FALSE;
	st = prepare(c,
		"UPDATE pairs SET status = 'withdrawn', composite = NULL"
		" " PORTFOLIO_PAIR,
		error);
	if (!st)
		return FALSE;
	bind_pair_id(st, client, view, session_before, session_after);
	if (!step_done(c, st, error))
		return FALSE;
	st = prepare(c, "INSERT INTO withdrawals VALUES (?,?,?,?,?,?)", error);
	if (!st)
		return FALSE;
	bind_text(st, 1, at);
	bind_text(st, 2, client);
	bind_text(st, 3, view);
	sqlite3_bind_int(st, 4, session_before);
	sqlite3_bind_int(st, 5, session_after);
	bind_text(st, 6, files);
	return step_done(c, st, error);
}
