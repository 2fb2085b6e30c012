/* Batch input: manifest CSV parsed with libcsv and archive folders scanned
 * without following symlinks, both validated, sorted, paired and sharded.
 * SPDX-License-Identifier: MIT
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <csv.h>
#include <glib.h>
#include <glib/gstdio.h>

#include "smpdoc/artist.h"
#include "smpdoc/error.h"
#include "smpdoc/manifest.h"
#include "smpdoc/roi.h"

/* Bytes read from a manifest file at a time. */
#define READ_CHUNK (64 * 1024)

/* libcsv's field buffer may not grow past this. libcsv holds a whole field
 * in memory before handing it over, so without a cap one hostile quoted
 * field could take the whole file's size; with it, libcsv fails with
 * CSV_ENOMEM, which we report as an over-long field.
 */
#define FIELD_BUFFER_MAX (SMP_MANIFEST_MAX_FIELD + 1024)

/* Characters of a bad value quoted back in a message. */
#define SHOWN_MAX 40

/* Folder depth of a photo: ARCHIVE/<client>/<session>/<view>.<ext>. */
#define SCAN_DEPTH 3

static const char utf8_bom[] = "\xEF\xBB\xBF";

static const char *const image_exts[] = {
	"jpg", "jpeg", "png", "tif", "tiff", "webp", "heic", "heif"};

typedef enum {
	COL_CLIENT,
	COL_SESSION,
	COL_TAKEN,
	COL_VIEW,
	COL_PATH,
	COL_PX_PER_MM,
	COL_CONSENT,
	COL_ROI,
	COL_HAIRLINE,
	N_COLUMNS
} Column;

static const struct {
	const char *name;
	gboolean required;
} columns[N_COLUMNS] = {
	[COL_CLIENT] = {"client", TRUE},
	[COL_SESSION] = {"session", TRUE},
	[COL_TAKEN] = {"taken", FALSE},
	[COL_VIEW] = {"view", TRUE},
	[COL_PATH] = {"path", TRUE},
	[COL_PX_PER_MM] = {"px_per_mm", FALSE},
	[COL_CONSENT] = {"consent", FALSE},
	[COL_ROI] = {"roi", FALSE},
	[COL_HAIRLINE] = {"hairline", FALSE},
};

/* --- entries and manifests ------------------------------------------------ */

static void
entry_free(gpointer data)
{
	SmpEntry *e = data;

	if (!e)
		return;
	g_free(e->client);
	g_free(e->taken);
	g_free(e->view);
	g_free(e->rel_path);
	g_free(e->path);
	g_free(e->roi);
	g_free(e);
}

void
smp_manifest_free(SmpManifest *m)
{
	if (!m)
		return;
	g_free(m->source);
	g_free(m->root);
	if (m->entries)
		g_ptr_array_unref(m->entries);
	if (m->ignored)
		g_ptr_array_unref(m->ignored);
	g_free(m);
}

static SmpManifest *
manifest_new(const char *source, const char *root, GPtrArray *entries,
	GPtrArray *ignored)
{
	SmpManifest *m = g_new0(SmpManifest, 1);

	m->source = g_strdup(source);
	m->root = g_strdup(root);
	m->entries = entries;
	m->ignored = ignored ? ignored : g_ptr_array_new_with_free_func(g_free);
	return m;
}

/* Manifest order: client, view, session, rel_path, in byte order so that
 * it does not depend on the locale; line last so the order is total.
 */
static int
entry_cmp(gconstpointer a, gconstpointer b)
{
	const SmpEntry *x = *(const SmpEntry *const *) a;
	const SmpEntry *y = *(const SmpEntry *const *) b;
	int c;

	if ((c = strcmp(x->client, y->client)) != 0)
		return c;
	if ((c = strcmp(x->view, y->view)) != 0)
		return c;
	if (x->session != y->session)
		return x->session < y->session ? -1 : 1;
	if ((c = strcmp(x->rel_path, y->rel_path)) != 0)
		return c;
	return (x->line > y->line) - (x->line < y->line);
}

static gboolean
same_photo_slot(const SmpEntry *x, const SmpEntry *y)
{
	return x->session == y->session && strcmp(x->client, y->client) == 0 &&
		strcmp(x->view, y->view) == 0;
}

/* Order of a row in its file: line, then sorted position (folder input
 * has no lines).
 */
static gboolean
earlier(GPtrArray *entries, guint a, guint b)
{
	const SmpEntry *x = entries->pdata[a], *y = entries->pdata[b];

	return x->line != y->line ? x->line < y->line : a < b;
}

/* Entries that repeat a (client, session, view) already given, in sorted
 * @entries. Sets *@first and *@dup to the repeat that comes first in the
 * file and the row it repeats (the first of its run in the file).
 * Returns: how many repeats there are.
 */
static guint
find_duplicates(
	GPtrArray *entries, const SmpEntry **first, const SmpEntry **dup)
{
	guint count = 0, best = G_MAXUINT, best_first = 0;

	for (guint i = 0, j; i < entries->len; i = j) {
		guint lo = i, second = G_MAXUINT;

		for (j = i + 1; j < entries->len &&
			 same_photo_slot(entries->pdata[i], entries->pdata[j]);
			 j++)
			if (earlier(entries, j, lo))
				lo = j;
		for (guint k = i; k < j; k++)
			if (k != lo && (second == G_MAXUINT || earlier(entries, k, second)))
				second = k;
		count += j - i - 1;
		if (second != G_MAXUINT &&
			(best == G_MAXUINT || earlier(entries, second, best))) {
			best = second;
			best_first = lo;
		}
	}
	if (count > 0) {
		*first = entries->pdata[best_first];
		*dup = entries->pdata[best];
	}
	return count;
}

/* --- checks shared by CSV rows and folder names ------------------------- */

/* @s cut to SHOWN_MAX characters, with invalid UTF-8 and control
 * characters replaced, so a hostile value cannot garble a terminal or a
 * log when it is quoted back.
 */
static char *
shown(const char *s)
{
	g_autofree char *valid = g_utf8_make_valid(s, -1);
	GString *out = g_string_new(NULL);
	const char *c = valid;

	for (int n = 0; *c && n < SHOWN_MAX; c = g_utf8_next_char(c), n++) {
		gunichar u = g_utf8_get_char(c);

		if (g_unichar_iscntrl(u))
			g_string_append_c(out, '?');
		else
			g_string_append_unichar(out, u);
	}
	if (*c)
		g_string_append(out, "...");
	return g_string_free(out, FALSE);
}

static gboolean
has_control(const char *s)
{
	for (const char *c = s; *c; c = g_utf8_next_char(c))
		if (g_unichar_iscntrl(g_utf8_get_char(c)))
			return TRUE;
	return FALSE;
}

/* Client and view names become file names later: non-empty UTF-8 without
 * control characters or '/'. Returns: NULL when fine, else the reason.
 */
static char *
check_name(const char *what, const char *s)
{
	g_autofree char *show = NULL;

	if (!*s)
		return g_strdup_printf("empty %s", what);
	if (!g_utf8_validate(s, -1, NULL))
		return g_strdup_printf("%s is not valid UTF-8", what);
	if (has_control(s))
		return g_strdup_printf("%s contains a control character", what);
	if (!strchr(s, '/'))
		return NULL;
	show = shown(s);
	return g_strdup_printf("%s '%s' contains '/'", what, show);
}

/* A session number: decimal digits only (leading zeros allowed), at most
 * SMP_MANIFEST_MAX_SESSION. The length cap keeps the sum from overflowing.
 */
static gboolean
parse_session(const char *s, int *session)
{
	int v = 0;
	size_t len = strlen(s);

	if (len == 0 || len > 9)
		return FALSE;
	for (size_t i = 0; i < len; i++) {
		if (!g_ascii_isdigit(s[i]))
			return FALSE;
		v = v * 10 + (s[i] - '0');
	}
	if (v > SMP_MANIFEST_MAX_SESSION)
		return FALSE;
	*session = v;
	return TRUE;
}

/* --- CSV rows ------------------------------------------------------------- */

/* What is wrong with relative path @s, or NULL. The check is on the text
 * only: ".." may step back out of a folder it went down, never above the
 * start, and the last part must name a file.
 */
static const char *
path_problem(const char *s)
{
	const char *last = strrchr(s, '/') ? strrchr(s, '/') + 1 : s;
	int depth = 0;

	if (s[0] == '/')
		return "is absolute: paths are relative to the manifest's folder";
	for (const char *c = s; *c;) {
		size_t n = strcspn(c, "/");

		if (n == 2 && c[0] == '.' && c[1] == '.')
			depth--;
		else if (n > 0 && !(n == 1 && c[0] == '.'))
			depth++;
		if (depth < 0)
			return "leaves the manifest's folder";
		c += n + (c[n] == '/');
	}
	if (!*last || strcmp(last, ".") == 0 || strcmp(last, "..") == 0)
		return "names a folder, not a file";
	return NULL;
}

/* A path from the manifest: relative, inside its folder, naming a file,
 * without control characters (it ends up in logs and errors.csv).
 */
static char *
check_path(const char *s)
{
	g_autofree char *show = NULL;
	const char *problem;

	if (!*s)
		return g_strdup("empty path");
	for (const char *c = s; *c; c++)
		if ((unsigned char) *c < 0x20 || *c == 0x7f)
			return g_strdup("path contains a control character");
	if (!(problem = path_problem(s)))
		return NULL;
	show = shown(s);
	return g_strdup_printf("path '%s' %s", show, problem);
}

/* YYYY-MM-DD, or anything GLib's ISO 8601 date-time parser takes. */
static gboolean
valid_iso8601(const char *s)
{
	g_autoptr(GTimeZone) utc = NULL;
	GDateTime *dt;

	if (strlen(s) == 10 && s[4] == '-' && s[7] == '-') {
		for (int i = 0; i < 10; i++)
			if (i != 4 && i != 7 && !g_ascii_isdigit(s[i]))
				return FALSE;
		return g_date_valid_dmy((GDateDay) atoi(s + 8),
			(GDateMonth) atoi(s + 5), (GDateYear) atoi(s));
	}
	utc = g_time_zone_new_utc();
	dt = g_date_time_new_from_iso8601(s, utc);
	if (!dt)
		return FALSE;
	g_date_time_unref(dt);
	return TRUE;
}

static char *
check_scale(const char *s, double *px_per_mm)
{
	g_autofree char *show = NULL;
	char *end = NULL;
	double v;

	*px_per_mm = 0;
	if (!*s)
		return NULL;
	v = g_ascii_strtod(s, &end);
	if (end != s && *end == '\0' && isfinite(v) && v > 0) {
		*px_per_mm = v;
		return NULL;
	}
	show = shown(s);
	return g_strdup_printf("px_per_mm '%s' is not a positive number", show);
}

/* Consent is a legal statement: only the three exact words are taken. */
static char *
check_consent(const char *s, SmpConsent *consent)
{
	g_autofree char *show = NULL;

	if (!*s || strcmp(s, "none") == 0)
		*consent = SMP_CONSENT_NONE;
	else if (strcmp(s, "clinical") == 0)
		*consent = SMP_CONSENT_CLINICAL;
	else if (strcmp(s, "marketing") == 0)
		*consent = SMP_CONSENT_MARKETING;
	else {
		show = shown(s);
		return g_strdup_printf("consent '%s' is not none, clinical or "
							   "marketing",
			show);
	}
	return NULL;
}

/* An roi cell: empty, a polygon, or a mask image's path. */
static char *
check_roi(const char *s)
{
	g_autoptr(GError) error = NULL;

	if (!*s)
		return NULL;
	if (!smp_roi_is_polygon(s))
		return check_path(s);
	if (smp_roi_polygon_parse(s, "roi", NULL, NULL, &error))
		return NULL;
	return g_strdup(error->message);
}

/* The side of the photo where the hairline's bare skin is; empty: not
 * given (the pipeline's applies).
 */
static char *
check_hairline(const char *s, int *hairline)
{
	g_autofree char *show = NULL;
	SmpSide side;

	*hairline = -1;
	if (!*s)
		return NULL;
	if (smp_side_parse(s, &side)) {
		*hairline = (int) side;
		return NULL;
	}
	show = shown(s);
	return g_strdup_printf(
		"hairline '%s' is not none, top, bottom, left or right", show);
}

/* Check the known fields of one row (@val, "" when absent) in column
 * order. Returns: NULL when fine, else the reason for the first problem.
 */
static char *
check_row(char *const val[N_COLUMNS], SmpEntry *e)
{
	char *reason;

	if ((reason = check_name("client", val[COL_CLIENT])))
		return reason;
	if (!parse_session(val[COL_SESSION], &e->session)) {
		g_autofree char *show = shown(val[COL_SESSION]);

		return g_strdup_printf("session '%s' is not an integer 0..%d", show,
			SMP_MANIFEST_MAX_SESSION);
	}
	if ((reason = check_name("view", val[COL_VIEW])) ||
		(reason = check_path(val[COL_PATH])))
		return reason;
	if (*val[COL_TAKEN] && !valid_iso8601(val[COL_TAKEN])) {
		g_autofree char *show = shown(val[COL_TAKEN]);

		return g_strdup_printf("taken '%s' is not an ISO 8601 date", show);
	}
	if ((reason = check_scale(val[COL_PX_PER_MM], &e->px_per_mm)) ||
		(reason = check_consent(val[COL_CONSENT], &e->consent)) ||
		(reason = check_roi(val[COL_ROI])) ||
		(reason = check_hairline(val[COL_HAIRLINE], &e->hairline)))
		return reason;
	return NULL;
}

/* --- CSV parsing ---------------------------------------------------------- */

/* State of one manifest read. libcsv reports fields and row ends through
 * callbacks but no positions, so the input is fed one physical line at a
 * time and the line a row starts on is noted before it is fed.
 */
typedef struct Parser {
	const char *name; /* for messages */
	const char *root;
	struct csv_parser csv;
	gsize bytes; /* fed so far */
	int line; /* 1-based line being fed */
	int row_line; /* line the current row started on */
	gboolean in_row;
	gboolean after_cr; /* the last piece fed ended in CR */
	gboolean have_header;
	GPtrArray *header; /* column names while the header is read */
	int ncols; /* fields per row, from the header */
	int col[SMP_MANIFEST_MAX_COLUMNS]; /* field index -> Column or -1 */
	int nfields; /* fields of the current row so far */
	gboolean row_has_text; /* some field of the row is not empty */
	char *val[N_COLUMNS]; /* the current row's known fields */
	guint rows;
	GPtrArray *entries;
	GError *error; /* the first problem in file order */
	guint more; /* problems after it */
	gboolean stopped; /* a structure error: reading ended early */
} Parser;

static void parser_error(Parser *p, int code, int line, const char *fmt, ...)
	G_GNUC_PRINTF(4, 5);

/* Record a problem at @line (0: the whole file). Only the first is kept
 * as the error; later ones are counted for the message.
 */
static void
parser_error(Parser *p, int code, int line, const char *fmt, ...)
{
	g_autofree char *msg = NULL;
	va_list ap;

	if (p->error) {
		p->more++;
		return;
	}
	va_start(ap, fmt);
	msg = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	if (line > 0)
		p->error =
			g_error_new(SMP_ERROR, code, "%s:%d: %s", p->name, line, msg);
	else
		p->error = g_error_new(SMP_ERROR, code, "%s: %s", p->name, msg);
}

/* Structure errors leave nothing sensible to read after them. */
#define parser_stop(p, ...)                                                    \
	do {                                                                       \
		parser_error((p), __VA_ARGS__);                                        \
		(p)->stopped = TRUE;                                                   \
	} while (0)

/* libcsv's buffer grows through this; see FIELD_BUFFER_MAX. */
static void *
capped_realloc(void *ptr, size_t size)
{
	return size > FIELD_BUFFER_MAX ? NULL : realloc(ptr, size);
}

static void
parser_init(Parser *p, const char *name, const char *root)
{
	memset(p, 0, sizeof(*p));
	p->name = name;
	p->root = root;
	p->line = 1;
	p->header = g_ptr_array_new_with_free_func(g_free);
	p->entries = g_ptr_array_new_with_free_func(entry_free);
	/* Strict: a stray quote or an unterminated quoted field is an error
	 * rather than a silently different reading of the row.
	 */
	csv_init(&p->csv, CSV_STRICT | CSV_STRICT_FINI);
	csv_set_realloc_func(&p->csv, capped_realloc);
}

static void
row_reset(Parser *p)
{
	for (int c = 0; c < N_COLUMNS; c++)
		g_clear_pointer(&p->val[c], g_free);
	p->nfields = 0;
	p->row_has_text = FALSE;
	p->in_row = FALSE;
}

static void
parser_clear(Parser *p)
{
	csv_free(&p->csv);
	row_reset(p);
	g_clear_pointer(&p->header, g_ptr_array_unref);
	g_clear_pointer(&p->entries, g_ptr_array_unref);
	g_clear_error(&p->error);
}

static int
column_of(const char *name)
{
	for (int c = 0; c < N_COLUMNS; c++)
		if (g_ascii_strcasecmp(name, columns[c].name) == 0)
			return c;
	return -1;
}

static void
finish_header(Parser *p)
{
	int seen[N_COLUMNS];

	for (int c = 0; c < N_COLUMNS; c++)
		seen[c] = -1;
	for (guint i = 0; i < p->header->len; i++) {
		int c = column_of(p->header->pdata[i]);

		if (c >= 0 && seen[c] >= 0) {
			parser_stop(p, SMP_ERROR_CONFIG, p->row_line,
				"column '%s' appears twice (fields %d and %u)", columns[c].name,
				seen[c] + 1, i + 1);
			return;
		}
		if (c >= 0)
			seen[c] = (int) i;
		p->col[i] = c;
	}
	for (int c = 0; c < N_COLUMNS; c++)
		if (columns[c].required && seen[c] < 0) {
			parser_stop(p, SMP_ERROR_CONFIG, p->row_line,
				"header lacks column '%s' (a header line naming client, "
				"session, view and path is required)",
				columns[c].name);
			return;
		}
	p->ncols = (int) p->header->len;
	p->have_header = TRUE;
	g_ptr_array_set_size(p->header, 0);
}

static void
finish_row(Parser *p)
{
	SmpEntry *e;
	char *reason;

	if (++p->rows > SMP_MANIFEST_MAX_ROWS) {
		parser_stop(p, SMP_ERROR_LIMIT, p->row_line, "more than %d rows",
			SMP_MANIFEST_MAX_ROWS);
		return;
	}
	/* Spreadsheets write rows of bare commas for cells once touched. */
	if (!p->row_has_text)
		return;
	if (p->nfields != p->ncols) {
		parser_error(p, SMP_ERROR_CONFIG, p->row_line,
			"%d fields, but the header has %d", p->nfields, p->ncols);
		return;
	}
	for (int c = 0; c < N_COLUMNS; c++)
		if (!p->val[c])
			p->val[c] = g_strdup("");
	e = g_new0(SmpEntry, 1);
	if ((reason = check_row(p->val, e))) {
		parser_error(p, SMP_ERROR_CONFIG, p->row_line, "%s", reason);
		g_free(reason);
		entry_free(e);
		return;
	}
	if (p->error) {
		/* Already failing: the row is only checked, not kept. */
		entry_free(e);
		return;
	}
	e->client = g_steal_pointer(&p->val[COL_CLIENT]);
	e->view = g_steal_pointer(&p->val[COL_VIEW]);
	e->rel_path = g_steal_pointer(&p->val[COL_PATH]);
	e->taken = *p->val[COL_TAKEN] ? g_steal_pointer(&p->val[COL_TAKEN]) : NULL;
	if (smp_roi_is_polygon(p->val[COL_ROI]))
		e->roi = g_steal_pointer(&p->val[COL_ROI]);
	else if (*p->val[COL_ROI]) /* a mask, relative to the root as path */
		e->roi = g_build_filename(p->root, p->val[COL_ROI], NULL);
	e->path = g_build_filename(p->root, e->rel_path, NULL);
	e->line = p->row_line;
	g_ptr_array_add(p->entries, e);
}

static void
on_field(void *data, size_t len, void *user)
{
	Parser *p = user;
	int i = p->nfields++;

	if (p->stopped)
		return;
	if (len > SMP_MANIFEST_MAX_FIELD) {
		parser_stop(p, SMP_ERROR_CONFIG, p->row_line,
			"field %d is longer than %d bytes", i + 1, SMP_MANIFEST_MAX_FIELD);
		return;
	}
	if (len > 0)
		p->row_has_text = TRUE;
	if (!p->have_header) {
		if (i >= SMP_MANIFEST_MAX_COLUMNS)
			parser_stop(p, SMP_ERROR_CONFIG, p->row_line,
				"more than %d columns in the header", SMP_MANIFEST_MAX_COLUMNS);
		else
			g_ptr_array_add(p->header, g_strndup(data, len));
	}
	else if (i < p->ncols && p->col[i] >= 0)
		p->val[p->col[i]] = g_strndup(data, len);
}

static void
on_row(int c, void *user)
{
	Parser *p = user;

	(void) c;
	if (!p->stopped && !p->have_header)
		finish_header(p);
	else if (!p->stopped)
		finish_row(p);
	row_reset(p);
}

/* Report why libcsv stopped; @at_end: from csv_fini(). */
static void
csv_failed(Parser *p, gboolean at_end)
{
	int line = p->in_row ? p->row_line : p->line;

	switch (csv_error(&p->csv)) {
	case CSV_EPARSE:
		if (at_end)
			parser_stop(p, SMP_ERROR_CONFIG, line,
				"quoted field not closed before the end of the file");
		else
			parser_stop(p, SMP_ERROR_CONFIG, line,
				"malformed quoting (a '\"' inside an unquoted field, or "
				"text after a closing quote)");
		break;
	case CSV_ENOMEM:
	case CSV_ETOOBIG:
		parser_stop(p, SMP_ERROR_CONFIG, line,
			"a field is longer than %d bytes", SMP_MANIFEST_MAX_FIELD);
		break;
	default:
		parser_stop(p, SMP_ERROR_CONFIG, line, "CSV: %s",
			csv_strerror(csv_error(&p->csv)));
	}
}

/* Only spaces, tabs and line ends: libcsv starts no row on these. */
static gboolean
blank(const char *s, gsize n)
{
	for (gsize i = 0; i < n; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r' && s[i] != '\n')
			return FALSE;
	return TRUE;
}

/* Feed one piece of a line that ends at the first CR or LF, if any. LF,
 * CRLF and a lone CR (old Mac files) each end one line.
 */
static void
feed_segment(Parser *p, const char *s, gsize n)
{
	if (p->after_cr && s[0] != '\n')
		p->line++;
	p->after_cr = s[n - 1] == '\r';
	if (memchr(s, '\0', n)) {
		parser_stop(
			p, SMP_ERROR_CONFIG, p->line, "NUL byte: a manifest is text");
		return;
	}
	if (!p->in_row && !blank(s, n)) {
		p->in_row = TRUE;
		p->row_line = p->line;
	}
	if (csv_parse(&p->csv, s, n, on_field, on_row, p) != n && !p->stopped)
		csv_failed(p, FALSE);
	if (n > 0 && s[n - 1] == '\n')
		p->line++;
}

/* Feed the next @len bytes of the manifest. */
static void
parser_feed(Parser *p, const char *data, gsize len)
{
	gsize pos = 0;

	if (p->bytes == 0 && len >= 3 && memcmp(data, utf8_bom, 3) == 0)
		pos = 3;
	p->bytes += len;
	if (p->bytes > SMP_MANIFEST_MAX_BYTES) {
		parser_stop(p, SMP_ERROR_LIMIT, 0, "larger than %zu bytes",
			(size_t) SMP_MANIFEST_MAX_BYTES);
		return;
	}
	while (pos < len && !p->stopped) {
		gsize end = pos;

		while (end < len && data[end] != '\n' && data[end] != '\r')
			end++;
		if (end < len)
			end++;
		feed_segment(p, data + pos, end - pos);
		pos = end;
	}
}

/* The first error, with how many more problems the file has. */
static void
parser_take_error(Parser *p, GError **error)
{
	GError *e = g_steal_pointer(&p->error);

	if (p->more > 0) {
		char *msg = g_strdup_printf("%s (and %s%u more bad row%s)", e->message,
			p->stopped ? "at least " : "", p->more, p->more == 1 ? "" : "s");

		g_free(e->message);
		e->message = msg;
	}
	g_propagate_error(error, e);
}

static gboolean
check_duplicates(Parser *p)
{
	const SmpEntry *first = NULL, *dup = NULL;
	guint n = find_duplicates(p->entries, &first, &dup);
	g_autofree char *client = NULL, *view = NULL;

	if (n == 0)
		return TRUE;
	client = shown(dup->client);
	view = shown(dup->view);
	parser_error(p, SMP_ERROR_CONFIG, dup->line,
		"duplicate row: client '%s', session %d, view '%s' is already on "
		"line %d",
		client, dup->session, view, first->line);
	p->more = n - 1;
	return FALSE;
}

static SmpManifest *
parser_finish(Parser *p, GError **error)
{
	SmpManifest *m = NULL;

	if (!p->stopped && csv_fini(&p->csv, on_field, on_row, p) != 0 &&
		!p->stopped)
		csv_failed(p, TRUE);
	if (!p->stopped && !p->have_header)
		parser_stop(p, SMP_ERROR_CONFIG, 1, "empty manifest: no header line");
	if (!p->error) {
		g_ptr_array_sort(p->entries, entry_cmp);
		if (check_duplicates(p))
			m = manifest_new(
				p->name, p->root, g_steal_pointer(&p->entries), NULL);
	}
	if (p->error)
		parser_take_error(p, error);
	parser_clear(p);
	return m;
}

SmpManifest *
smp_manifest_parse(const char *data, gsize len, const char *name,
	const char *root, GError **error)
{
	Parser p;

	g_return_val_if_fail(data || len == 0, NULL);
	parser_init(&p, name, root);
	/* Checked before reading anything, as the file size is for a file. */
	if (len > SMP_MANIFEST_MAX_BYTES)
		parser_stop(&p, SMP_ERROR_LIMIT, 0, "larger than %zu bytes",
			(size_t) SMP_MANIFEST_MAX_BYTES);
	else
		parser_feed(&p, data, len);
	return parser_finish(&p, error);
}

SmpManifest *
smp_manifest_load(const char *csv_path, GError **error)
{
	g_autofree char *root = g_path_get_dirname(csv_path);
	g_autofree char *buf = NULL;
	struct stat st;
	Parser p;
	FILE *f;
	size_t n;

	if (!(f = fopen(csv_path, "rb"))) {
		int e = errno;

		g_set_error(
			error, SMP_ERROR, SMP_ERROR_IO, "%s: %s", csv_path, g_strerror(e));
		return NULL;
	}
	parser_init(&p, csv_path, root);
	/* Cheap check first; reading still counts bytes, for pipes and files
	 * that grow.
	 */
	if (fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode) &&
		(guint64) st.st_size > SMP_MANIFEST_MAX_BYTES)
		parser_stop(&p, SMP_ERROR_LIMIT, 0, "larger than %zu bytes",
			(size_t) SMP_MANIFEST_MAX_BYTES);
	buf = g_malloc(READ_CHUNK);
	while (!p.stopped && (n = fread(buf, 1, READ_CHUNK, f)) > 0)
		parser_feed(&p, buf, n);
	if (!p.stopped && ferror(f))
		parser_stop(&p, SMP_ERROR_IO, 0, "read error");
	fclose(f);
	return parser_finish(&p, error);
}

/* --- archive folders ------------------------------------------------------ */

typedef struct Scan {
	const char *root;
	GPtrArray *entries;
	GPtrArray *ignored;
	GError *error;
} Scan;

static void
scan_ignore(Scan *s, const char *rel)
{
	g_ptr_array_add(s->ignored, g_build_filename(s->root, rel, NULL));
}

static gboolean
scan_io_error(Scan *s, const char *rel, const char *what, int err)
{
	g_autofree char *path = g_build_filename(s->root, rel, NULL);

	g_set_error(&s->error, SMP_ERROR, SMP_ERROR_IO, "%s: %s: %s", path, what,
		g_strerror(err));
	return FALSE;
}

/* Open folder @name in @parent; with O_NOFOLLOW the open itself refuses a
 * symlink swapped in after the lstat.
 */
static DIR *
open_dir_at(int parent, const char *name, int flags)
{
	int fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | flags);
	DIR *d;

	if (fd < 0)
		return NULL;
	if (!(d = fdopendir(fd))) {
		int e = errno;

		close(fd);
		errno = e;
	}
	return d;
}

static int
str_cmp(gconstpointer a, gconstpointer b)
{
	return strcmp(*(const char *const *) a, *(const char *const *) b);
}

/* The names in @d, minus "." and ".." and other dot-names (exiftool -r
 * skips hidden folders too), sorted so errors come in a stable order.
 */
static GPtrArray *
list_names(Scan *s, DIR *d, const char *rel)
{
	GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
	struct dirent *de;

	for (;;) {
		errno = 0;
		if (!(de = readdir(d)))
			break;
		if (de->d_name[0] != '.')
			g_ptr_array_add(names, g_strdup(de->d_name));
	}
	if (errno != 0) {
		scan_io_error(s, rel ? rel : ".", "read folder", errno);
		g_ptr_array_unref(names);
		return NULL;
	}
	g_ptr_array_sort(names, str_cmp);
	return names;
}

/* The view of a photo file name, or NULL when the extension is not an
 * image one or the view would be unusable.
 */
static char *
image_view(const char *name)
{
	const char *dot = strrchr(name, '.');
	g_autofree char *view = NULL;
	g_autofree char *reason = NULL;

	if (!dot || dot == name)
		return NULL;
	for (size_t i = 0; i < G_N_ELEMENTS(image_exts); i++)
		if (g_ascii_strcasecmp(dot + 1, image_exts[i]) == 0) {
			view = g_strndup(name, (gsize) (dot - name));
			reason = check_name("view", view);
			return reason ? NULL : g_steal_pointer(&view);
		}
	return NULL;
}

static void
scan_add(Scan *s, const char *client, int session, char *view, const char *rel)
{
	SmpEntry *e = g_new0(SmpEntry, 1);

	e->client = g_strdup(client);
	e->session = session;
	e->hairline = -1;
	e->view = view;
	e->rel_path = g_strdup(rel);
	e->path = g_build_filename(s->root, rel, NULL);
	g_ptr_array_add(s->entries, e);
}

static gboolean scan_dir(Scan *s, DIR *d, const char *rel, int depth,
	const char *client, int session);

/* Descend into folder @name (at @rel) found at @depth, if its name fits
 * that depth: a client at depth 1, a session number at depth 2.
 */
static gboolean
scan_subdir(Scan *s, DIR *d, const char *name, const char *rel, int depth,
	const char *client, int session)
{
	g_autofree char *reason = NULL;
	gboolean ok;
	DIR *sub;

	if (depth == 1 && (reason = check_name("client", name))) {
		scan_ignore(s, rel);
		return TRUE;
	}
	if (depth == 2 && !parse_session(name, &session)) {
		scan_ignore(s, rel);
		return TRUE;
	}
	if (!(sub = open_dir_at(dirfd(d), name, O_NOFOLLOW)))
		return scan_io_error(s, rel, "open folder", errno);
	ok = scan_dir(s, sub, rel, depth + 1, depth == 1 ? name : client, session);
	closedir(sub);
	return ok;
}

/* Classify one name of folder @d (lstat: symlinks are never followed). */
static gboolean
scan_name(Scan *s, DIR *d, const char *name, const char *rel, int depth,
	const char *client, int session)
{
	struct stat st;
	char *view;

	if (fstatat(dirfd(d), name, &st, AT_SYMLINK_NOFOLLOW) != 0)
		/* Gone since readdir: nothing to list. */
		return errno == ENOENT ? TRUE : scan_io_error(s, rel, "lstat", errno);
	if (depth < SCAN_DEPTH && S_ISDIR(st.st_mode))
		return scan_subdir(s, d, name, rel, depth, client, session);
	if (depth == SCAN_DEPTH && S_ISREG(st.st_mode) &&
		(view = image_view(name))) {
		scan_add(s, client, session, view, rel);
		return TRUE;
	}
	scan_ignore(s, rel);
	return TRUE;
}

static gboolean
scan_dir(Scan *s, DIR *d, const char *rel, int depth, const char *client,
	int session)
{
	g_autoptr(GPtrArray) names = list_names(s, d, rel);

	if (!names)
		return FALSE;
	for (guint i = 0; i < names->len; i++) {
		const char *name = names->pdata[i];
		g_autofree char *child =
			rel ? g_build_filename(rel, name, NULL) : g_strdup(name);

		if (!scan_name(s, d, name, child, depth, client, session))
			return FALSE;
		if (s->entries->len + s->ignored->len > SMP_MANIFEST_MAX_ROWS) {
			g_set_error(&s->error, SMP_ERROR, SMP_ERROR_LIMIT,
				"%s: more than %d files", s->root, SMP_MANIFEST_MAX_ROWS);
			return FALSE;
		}
	}
	return TRUE;
}

static gboolean
scan_check_duplicates(Scan *s)
{
	const SmpEntry *first = NULL, *dup = NULL;

	if (find_duplicates(s->entries, &first, &dup) == 0)
		return TRUE;
	g_set_error(&s->error, SMP_ERROR, SMP_ERROR_CONFIG,
		"%s: same client, session and view as %s; keep one", dup->path,
		first->path);
	return FALSE;
}

SmpManifest *
smp_manifest_scan(const char *archive_dir, GError **error)
{
	Scan s = {archive_dir, NULL, NULL, NULL};
	SmpManifest *m = NULL;
	DIR *d;

	/* The folder named by the user may itself be a symlink: follow it. */
	if (!(d = open_dir_at(AT_FDCWD, archive_dir, 0))) {
		int e = errno;

		g_set_error(error, SMP_ERROR, SMP_ERROR_IO, "%s: %s", archive_dir,
			g_strerror(e));
		return NULL;
	}
	s.entries = g_ptr_array_new_with_free_func(entry_free);
	s.ignored = g_ptr_array_new_with_free_func(g_free);
	if (scan_dir(&s, d, NULL, 1, NULL, -1)) {
		g_ptr_array_sort(s.entries, entry_cmp);
		g_ptr_array_sort(s.ignored, str_cmp);
		if (scan_check_duplicates(&s))
			m = manifest_new(archive_dir, archive_dir,
				g_steal_pointer(&s.entries), g_steal_pointer(&s.ignored));
	}
	closedir(d);
	if (s.error)
		g_propagate_error(error, s.error);
	if (s.entries)
		g_ptr_array_unref(s.entries);
	if (s.ignored)
		g_ptr_array_unref(s.ignored);
	return m;
}

SmpManifest *
smp_manifest_open(const char *path, GError **error)
{
	GStatBuf st;

	if (g_stat(path, &st) != 0) {
		int e = errno;

		g_set_error(
			error, SMP_ERROR, SMP_ERROR_IO, "%s: %s", path, g_strerror(e));
		return NULL;
	}
	if (S_ISDIR(st.st_mode))
		return smp_manifest_scan(path, error);
	return smp_manifest_load(path, error);
}

/* --- pairs, groups, shards, names ---------------------------------------- */

static void
group_free(gpointer data)
{
	SmpGroup *g = data;

	g_ptr_array_unref(g->entries);
	g_free(g);
}

static gboolean
same_group(const SmpEntry *a, const SmpEntry *b)
{
	return strcmp(a->client, b->client) == 0 && strcmp(a->view, b->view) == 0;
}

GPtrArray *
smp_manifest_groups(const SmpManifest *m)
{
	GPtrArray *groups = g_ptr_array_new_with_free_func(group_free);
	SmpGroup *g = NULL;

	/* Entries are sorted by client, view, session: groups are runs. */
	for (guint i = 0; i < m->entries->len; i++) {
		const SmpEntry *e = m->entries->pdata[i];

		if (!g || !same_group(g->entries->pdata[0], e)) {
			g = g_new0(SmpGroup, 1);
			g->client = e->client;
			g->view = e->view;
			g->entries = g_ptr_array_new();
			g_ptr_array_add(groups, g);
		}
		g_ptr_array_add(g->entries, (gpointer) e);
	}
	return groups;
}

GPtrArray *
smp_manifest_pairs(const SmpManifest *m)
{
	GPtrArray *pairs = g_ptr_array_new_with_free_func(g_free);
	const SmpEntry *before = NULL;

	for (guint i = 0; i < m->entries->len; i++) {
		const SmpEntry *e = m->entries->pdata[i];

		/* Session 0 sorts first in its group, so it is seen first. */
		if (before && !same_group(before, e))
			before = NULL;
		if (e->session == 0)
			before = e;
		else if (before) {
			SmpPairRef *p = g_new(SmpPairRef, 1);

			p->before = before;
			p->after = e;
			g_ptr_array_add(pairs, p);
		}
	}
	return pairs;
}

guint
smp_manifest_shard_of(const char *client, guint n)
{
	GChecksum *sum;
	guint8 digest[32];
	gsize len = sizeof(digest);
	guint64 v = 0;

	g_return_val_if_fail(client != NULL && n >= 1, 0);
	sum = g_checksum_new(G_CHECKSUM_SHA256);
	g_checksum_update(sum, (const guchar *) client, (gssize) strlen(client));
	g_checksum_get_digest(sum, digest, &len);
	g_checksum_free(sum);
	for (int i = 0; i < 8; i++)
		v = v << 8 | digest[i];
	return (guint) (v % n);
}

/* Decimal digits only: strtoul would also take spaces, signs and "0x". */
static gboolean
parse_count(const char *s, gsize len, guint *out)
{
	guint64 v = 0;

	if (len == 0 || len > 10)
		return FALSE;
	for (gsize i = 0; i < len; i++) {
		if (!g_ascii_isdigit(s[i]))
			return FALSE;
		v = v * 10 + (guint64) (s[i] - '0');
	}
	if (v > G_MAXINT)
		return FALSE;
	*out = (guint) v;
	return TRUE;
}

gboolean
smp_shard_parse(const char *text, guint *k, guint *n, GError **error)
{
	const char *slash = text ? strchr(text, '/') : NULL;
	g_autofree char *show = NULL;
	guint kk, nn;

	if (slash && parse_count(text, (gsize) (slash - text), &kk) &&
		parse_count(slash + 1, strlen(slash + 1), &nn) && nn >= 1 && kk < nn) {
		*k = kk;
		*n = nn;
		return TRUE;
	}
	show = shown(text ? text : "");
	g_set_error(error, SMP_ERROR, SMP_ERROR_USAGE,
		"shard '%s': expected K/N with 0 <= K < N, e.g. 0/4 (K is 0-based, "
		"like SLURM_ARRAY_TASK_ID)",
		show);
	return FALSE;
}

const char *
smp_consent_name(SmpConsent c)
{
	switch (c) {
	case SMP_CONSENT_CLINICAL:
		return "clinical";
	case SMP_CONSENT_MARKETING:
		return "marketing";
	case SMP_CONSENT_NONE:
	default:
		return "none";
	}
}

static gboolean
safe_char(char c)
{
	return g_ascii_isalnum(c) || c == '.' || c == '_' || c == '-';
}

char *
smp_manifest_safe_name(const char *s)
{
	GString *out = g_string_new(NULL);

	for (const char *c = s; *c; c++)
		g_string_append_c(out, safe_char(*c) ? *c : '_');
	/* Never "", "." or "..", and never a hidden file. */
	if (out->len == 0)
		g_string_append_c(out, '_');
	else if (out->str[0] == '.')
		out->str[0] = '_';
	/* Keep under NAME_MAX; the hash keeps long names apart. */
	if (out->len > SMP_MANIFEST_SAFE_NAME_MAX) {
		g_autofree char *hex =
			g_compute_checksum_for_string(G_CHECKSUM_SHA256, s, -1);

		g_string_truncate(out, SMP_MANIFEST_SAFE_NAME_MAX - 17);
		g_string_append_printf(out, "-%.16s", hex);
	}
	return g_string_free(out, FALSE);
}

/* --- following links ------------------------------------------------------ */

static gboolean
path_inside(const char *path, const char *root_real, GError **error)
{
	g_autofree char *real = realpath(path, NULL);
	size_t n = strlen(root_real);

	if (!real ||
		(strncmp(real, root_real, n) == 0 &&
			(real[n] == '/' || strcmp(root_real, "/") == 0)))
		return TRUE;
	g_set_error(error, SMP_ERROR, SMP_ERROR_CONFIG,
		"%s: leads to %s, outside the manifest's folder %s; not followed", path,
		real, root_real);
	return FALSE;
}

gboolean
smp_manifest_entry_inside(
	const SmpEntry *e, const char *root_real, GError **error)
{
	if (!path_inside(e->path, root_real, error))
		return FALSE;
	return !e->roi || smp_roi_is_polygon(e->roi) ||
		path_inside(e->roi, root_real, error);
}
