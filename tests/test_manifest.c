/* Tests of batch input: manifest CSV (good and hostile), archive folder
 * scans, pairs, groups, shards and safe names.
 * SPDX-License-Identifier: MIT
 */
#include <string.h>
#include <unistd.h>

#include <glib.h>
#include <glib/gstdio.h>

#include "test.h"
#include "smpdoc/artist.h"
#include "smpdoc/error.h"
#include "smpdoc/manifest.h"

#define HEADER "client,session,view,path\n"

static SmpManifest *
parse_ok(const char *text)
{
	GError *error = NULL;
	SmpManifest *m =
		smp_manifest_parse(text, strlen(text), "m.csv", "/arch", &error);

	assert_no_gerror(error);
	assert_non_null(m);
	return m;
}

static const SmpEntry *
entry(const SmpManifest *m, guint i)
{
	assert_true(i < m->entries->len);
	return m->entries->pdata[i];
}

/* Parsing @len bytes fails with SMP_ERROR_CONFIG, a message starting
 * "m.csv:LINE: " and containing @expect.
 */
static void
assert_rejected_len(const char *data, gsize len, int line, const char *expect)
{
	GError *error = NULL;
	SmpManifest *m = smp_manifest_parse(data, len, "m.csv", "/arch", &error);
	g_autofree char *prefix = g_strdup_printf("m.csv:%d: ", line);

	assert_null(m);
	assert_non_null(error);
	if (!g_error_matches(error, SMP_ERROR, SMP_ERROR_CONFIG) ||
		!g_str_has_prefix(error->message, prefix) ||
		!strstr(error->message, expect))
		fail_msg("want '%s...%s', got '%s'", prefix, expect, error->message);
	g_error_free(error);
}

static void
assert_rejected(const char *text, int line, const char *expect)
{
	assert_rejected_len(text, strlen(text), line, expect);
}

static void
write_file(const char *dir, const char *rel, const char *data, gssize len)
{
	g_autofree char *path = g_build_filename(dir, rel, NULL);
	g_autofree char *parent = g_path_get_dirname(path);

	assert_int_equal(g_mkdir_with_parents(parent, 0755), 0);
	assert_true(g_file_set_contents(path, data, len, NULL));
}

static void
make_dir(const char *dir, const char *rel)
{
	g_autofree char *path = g_build_filename(dir, rel, NULL);

	assert_int_equal(g_mkdir_with_parents(path, 0755), 0);
}

static void
make_link(const char *target, const char *dir, const char *rel)
{
	g_autofree char *path = g_build_filename(dir, rel, NULL);

	assert_int_equal(symlink(target, path), 0);
}

/* --- good manifests ------------------------------------------------------- */

static void
test_manifest_reads_any_column_order_and_extra_columns(void **state)
{
	g_autoptr(SmpManifest) m = parse_ok(
		"notes,path,view,session,client,consent,px_per_mm,taken\n"
		"\"hello, world\",c01/1/top.jpg,top,1,c01,marketing,18.5,2024-04-08\n"
		"x,c01/0/top.jpg,top,0,c01,clinical,20,2024-03-04T10:11:12Z\n");
	const SmpEntry *a, *b;

	(void) state;
	assert_int_equal(m->entries->len, 2);
	a = entry(m, 0);
	b = entry(m, 1);
	/* Sorted by session within (client, view), not by file order. */
	assert_int_equal(a->session, 0);
	assert_int_equal(a->line, 3);
	assert_string_equal(a->client, "c01");
	assert_string_equal(a->view, "top");
	assert_string_equal(a->rel_path, "c01/0/top.jpg");
	assert_string_equal(a->path, "/arch/c01/0/top.jpg");
	assert_string_equal(a->taken, "2024-03-04T10:11:12Z");
	assert_true(a->px_per_mm == 20);
	assert_int_equal(a->consent, SMP_CONSENT_CLINICAL);
	assert_int_equal(b->session, 1);
	assert_int_equal(b->line, 2);
	assert_string_equal(b->taken, "2024-04-08");
	assert_true(b->px_per_mm == 18.5);
	assert_int_equal(b->consent, SMP_CONSENT_MARKETING);
	assert_string_equal(m->source, "m.csv");
	assert_string_equal(m->root, "/arch");
	assert_int_equal(m->ignored->len, 0);
}

/* The hairline side of each photo, for the hairline softness; empty
 * leaves the pipeline's.
 */
static void
test_manifest_reads_hairline(void **state)
{
	g_autoptr(SmpManifest) m = parse_ok("client,session,view,path,hairline\n"
										"c01,0,front,a.jpg,Top\n"
										"c01,1,front,b.jpg,\n"
										"c01,2,front,c.jpg,left\n");

	(void) state;
	assert_int_equal(entry(m, 0)->hairline, SMP_SIDE_TOP);
	assert_int_equal(entry(m, 1)->hairline, -1);
	assert_int_equal(entry(m, 2)->hairline, SMP_SIDE_LEFT);
	assert_rejected("client,session,view,path,hairline\nc01,0,top,a.jpg,up\n",
		2, "hairline 'up' is not none, top, bottom, left or right");
}

static void
test_manifest_accepts_bom_crlf_quotes_and_blank_rows(void **state)
{
	g_autoptr(SmpManifest) m =
		parse_ok("\xEF\xBB\xBF"
				 "Client,SESSION,view,Path,notes\r\n"
				 "\"c 01\",0,top,\"a,b.jpg\",\"line one\r\nline two\"\r\n"
				 "\r\n"
				 "   \r\n"
				 ",,,,\r\n"
				 "c02,1,crown,./x/../y.jpg,\"say \"\"hi\"\"\"");
	const SmpEntry *a, *b;

	(void) state;
	assert_int_equal(m->entries->len, 2);
	a = entry(m, 0);
	b = entry(m, 1);
	assert_string_equal(a->client, "c 01");
	assert_string_equal(a->rel_path, "a,b.jpg");
	assert_int_equal(a->line, 2);
	assert_null(a->taken);
	assert_true(a->px_per_mm <= 0);
	assert_int_equal(a->consent, SMP_CONSENT_NONE);
	/* The quoted newline makes row 2 two lines long. */
	assert_string_equal(b->client, "c02");
	assert_string_equal(b->rel_path, "./x/../y.jpg");
	assert_int_equal(b->line, 7);
}

static void
test_manifest_counts_lone_cr_as_a_line_end(void **state)
{
	g_autoptr(SmpManifest) m = parse_ok(
		"client,session,view,path\rc01,0,top,a.jpg\r\rc02,0,top,b.jpg\r");

	(void) state;
	assert_int_equal(m->entries->len, 2);
	assert_int_equal(entry(m, 0)->line, 2);
	assert_int_equal(entry(m, 1)->line, 4);
	assert_rejected("client,session,view,path\rc01,0,top,a.jpg\r\r\n"
					"c02,x,top,b.jpg\r",
		4, "session 'x'");
}

static void
test_manifest_header_only_is_empty(void **state)
{
	g_autoptr(SmpManifest) m = parse_ok(HEADER);

	(void) state;
	assert_int_equal(m->entries->len, 0);
}

static void
test_manifest_loads_file_relative_to_its_folder(void **state)
{
	g_autofree char *dir = smp_test_tmpdir();
	g_autofree char *csv = g_build_filename(dir, "sub", "m.csv", NULL);
	g_autofree char *root = g_build_filename(dir, "sub", NULL);
	g_autofree char *want = g_build_filename(root, "c01/0/top.jpg", NULL);
	GError *error = NULL;
	SmpManifest *m;

	(void) state;
	write_file(dir, "sub/m.csv", HEADER "c01,0,top,c01/0/top.jpg\n", -1);
	m = smp_manifest_open(csv, &error);
	assert_no_gerror(error);
	assert_string_equal(m->source, csv);
	assert_string_equal(m->root, root);
	assert_string_equal(entry(m, 0)->path, want);
	smp_manifest_free(m);

	/* Errors name the file as given. */
	write_file(dir, "bad.csv", HEADER "c01,0,top,../x.jpg\n", -1);
	g_free(csv);
	csv = g_build_filename(dir, "bad.csv", NULL);
	assert_null(smp_manifest_load(csv, &error));
	assert_true(g_error_matches(error, SMP_ERROR, SMP_ERROR_CONFIG));
	assert_true(g_str_has_prefix(error->message, csv));
	assert_non_null(strstr(error->message, ".csv:2: "));
	g_clear_error(&error);

	g_free(csv);
	csv = g_build_filename(dir, "missing.csv", NULL);
	assert_null(smp_manifest_open(csv, &error));
	assert_true(g_error_matches(error, SMP_ERROR, SMP_ERROR_IO));
	g_clear_error(&error);
	assert_null(smp_manifest_load(csv, &error));
	assert_true(g_error_matches(error, SMP_ERROR, SMP_ERROR_IO));
	g_clear_error(&error);
	smp_test_rmtree(dir);
}

static void
test_manifest_sample_archive_loads(void **state)
{
	g_autofree char *csv = smp_test_sample("archive/manifest.csv");
	GError *error = NULL;
	g_autoptr(SmpManifest) m = smp_manifest_load(csv, &error);
	g_autoptr(GPtrArray) pairs = NULL;

	(void) state;
	assert_no_gerror(error);
	assert_int_equal(m->entries->len, 4);
	pairs = smp_manifest_pairs(m);
	assert_int_equal(pairs->len, 2);
}

/* Rows cross the 64 KiB read chunks of smp_manifest_load(); line numbers
 * and quoted newlines still come out right.
 */
static void
test_manifest_load_keeps_lines_across_read_chunks(void **state)
{
	g_autofree char *dir = smp_test_tmpdir();
	g_autofree char *csv = g_build_filename(dir, "m.csv", NULL);
	GString *s = g_string_new("client,session,view,path,notes\r\n");
	GError *error = NULL;
	SmpManifest *m;

	(void) state;
	for (int i = 0; i < 6000; i++)
		g_string_append_printf(s,
			"client-%04d,%d,top,p/%d.jpg,\"two\r\nlines %d\"\r\n", i / 3, i % 3,
			i, i);
	assert_true(s->len > 3 * 64 * 1024);
	write_file(dir, "m.csv", s->str, (gssize) s->len);
	m = smp_manifest_load(csv, &error);
	assert_no_gerror(error);
	assert_int_equal(m->entries->len, 6000);
	for (guint i = 0; i < m->entries->len; i++) {
		const SmpEntry *e = entry(m, i);
		int n = atoi(e->rel_path + 2);

		assert_int_equal(e->line, 2 + 2 * n);
	}
	smp_manifest_free(m);

	g_string_append_printf(s, "bad,x,top,a.jpg,\r\n");
	write_file(dir, "m.csv", s->str, (gssize) s->len);
	assert_null(smp_manifest_load(csv, &error));
	assert_non_null(strstr(error->message, "m.csv:12002: session 'x'"));
	g_clear_error(&error);
	g_string_free(s, TRUE);
	smp_test_rmtree(dir);
}

/* --- pairs and groups ----------------------------------------------------- */

static void
test_manifest_pairs_session_zero_with_every_later(void **state)
{
	g_autoptr(SmpManifest) m = parse_ok(HEADER "c03,2,hairline,c03/2.jpg\n"
											   "c01,2,top,c01/2.jpg\n"
											   "c01,0,top,c01/0.jpg\n"
											   "c01,1,crown,c01/crown1.jpg\n"
											   "c02,0,top,c02/0.jpg\n"
											   "c01,1,top,c01/1.jpg\n"
											   "c03,0,hairline,c03/0.jpg\n");
	g_autoptr(GPtrArray) groups = smp_manifest_groups(m);
	g_autoptr(GPtrArray) pairs = smp_manifest_pairs(m);
	const SmpGroup *g;
	const SmpPairRef *p;

	(void) state;
	assert_int_equal(groups->len, 4);
	g = groups->pdata[0];
	assert_string_equal(g->client, "c01");
	assert_string_equal(g->view, "crown");
	assert_int_equal(g->entries->len, 1);
	g = groups->pdata[1];
	assert_string_equal(g->view, "top");
	assert_int_equal(g->entries->len, 3);
	for (int i = 0; i < 3; i++)
		assert_int_equal(((const SmpEntry *) g->entries->pdata[i])->session, i);
	g = groups->pdata[2];
	assert_string_equal(g->client, "c02");
	g = groups->pdata[3];
	assert_string_equal(g->client, "c03");
	assert_string_equal(g->view, "hairline");

	/* c01/top 0-1, 0-2 and c03/hairline 0-2; the lone c01/crown session 1
	 * and the lone c02 session 0 give none.
	 */
	assert_int_equal(pairs->len, 3);
	p = pairs->pdata[0];
	assert_string_equal(p->before->rel_path, "c01/0.jpg");
	assert_string_equal(p->after->rel_path, "c01/1.jpg");
	p = pairs->pdata[1];
	assert_string_equal(p->before->rel_path, "c01/0.jpg");
	assert_string_equal(p->after->rel_path, "c01/2.jpg");
	p = pairs->pdata[2];
	assert_string_equal(p->before->rel_path, "c03/0.jpg");
	assert_string_equal(p->after->rel_path, "c03/2.jpg");
	assert_ptr_equal(p->before, entry(m, 5));
}

/* --- shards --------------------------------------------------------------- */

static void
test_manifest_shard_is_stable_and_balanced(void **state)
{
	guint count[4] = {0};

	(void) state;
	/* Pinned: SHA-256("c01") starts 121f8bd5661f979d. */
	assert_int_equal(smp_manifest_shard_of("c01", 4), 1);
	assert_int_equal(smp_manifest_shard_of("c01", 1000), 557);
	assert_int_equal(smp_manifest_shard_of("client-00042", 4), 0);
	assert_int_equal(smp_manifest_shard_of("client-00042", 7), 4);
	assert_int_equal(smp_manifest_shard_of("anything", 1), 0);
	for (int i = 0; i < 10000; i++) {
		char id[32];
		guint s;

		snprintf(id, sizeof(id), "client-%05d", i);
		s = smp_manifest_shard_of(id, 4);
		assert_true(s < 4);
		assert_int_equal(smp_manifest_shard_of(id, 4), s);
		count[s]++;
	}
	for (int s = 0; s < 4; s++)
		if (count[s] < 2375 || count[s] > 2625)
			fail_msg("shard %d has %u of 10000 ids", s, count[s]);
}

static void
test_manifest_shard_parse_accepts_k_below_n(void **state)
{
	static const char *bad[] = {"4/4", "-1/4", "1/0", "x", "", "1/", "/4",
		" 1/4", "1/4 ", "+1/4", "0x1/4", "1/4/5", "0/99999999999", "1.0/4"};
	guint k = 77, n = 77;
	GError *error = NULL;

	(void) state;
	assert_true(smp_shard_parse("0/4", &k, &n, &error));
	assert_int_equal(k, 0);
	assert_int_equal(n, 4);
	assert_true(smp_shard_parse("3/4", &k, &n, &error));
	assert_int_equal(k, 3);
	assert_true(smp_shard_parse("0/1", &k, &n, &error));
	assert_int_equal(n, 1);
	assert_no_gerror(error);
	for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
		k = n = 77;
		if (smp_shard_parse(bad[i], &k, &n, &error))
			fail_msg("'%s' accepted", bad[i]);
		assert_true(g_error_matches(error, SMP_ERROR, SMP_ERROR_USAGE));
		assert_int_equal(k, 77);
		assert_int_equal(n, 77);
		g_clear_error(&error);
	}
	assert_false(smp_shard_parse(NULL, &k, &n, &error));
	g_clear_error(&error);
}

/* --- hostile manifests ---------------------------------------------------- */

static void
test_manifest_rejects_bad_structure(void **state)
{
	(void) state;
	assert_rejected("", 1, "no header line");
	assert_rejected("\n\n", 1, "no header line");
	assert_rejected("c01,0,top,a.jpg\n", 1, "header lacks column 'client'");
	assert_rejected(
		"client,session,view\nc01,0,top\n", 1, "header lacks column 'path'");
	assert_rejected("\nclient,session,view,path,CLIENT\n", 2, "appears twice");
	assert_rejected(HEADER "c01,0,top\n", 2, "3 fields, but the header has 4");
	assert_rejected(
		HEADER "c01,0,top,a.jpg,extra\n", 2, "5 fields, but the header has 4");
	assert_rejected(HEADER "c01,0,top,\"a.jpg\nc02,0,top,b.jpg\n", 2,
		"quoted field not closed");
	assert_rejected(HEADER "c01,0,to\"p,a.jpg\n", 2, "malformed quoting");
	assert_rejected(HEADER "c01,0,top,\"a.jpg\"x\n", 2, "malformed quoting");
}

static void
test_manifest_rejects_escaping_paths(void **state)
{
	g_autoptr(SmpManifest) ok = parse_ok(HEADER "c01,0,top,a/../b.jpg\n");

	(void) state;
	assert_rejected(
		HEADER "c01,0,top,../x.jpg\n", 2, "leaves the manifest's folder");
	assert_rejected(
		HEADER "c01,0,top,a/../../x.jpg\n", 2, "leaves the manifest's folder");
	assert_rejected(HEADER "c01,0,top,./a/./../..//x.jpg\n", 2,
		"leaves the manifest's folder");
	assert_rejected(HEADER "c01,0,top,/etc/passwd\n", 2, "is absolute");
	assert_rejected(HEADER "c01,0,top,//srv/x.jpg\n", 2, "is absolute");
	assert_rejected(HEADER "c01,0,top,a/\n", 2, "names a folder");
	assert_rejected(HEADER "c01,0,top,a/..\n", 2, "names a folder");
	assert_rejected(HEADER "c01,0,top,\"\"\n", 2, "empty path");
	assert_rejected(HEADER "c01,0,top,\"a\nb.jpg\"\n", 2,
		"path contains a control character");
}

static void
test_manifest_rejects_bad_values(void **state)
{
	static const char *sessions[] = {
		"1.5", "-1", "1000", "x", "", "0x1", "\" 1\"", "1e2"};

	(void) state;
	for (size_t i = 0; i < G_N_ELEMENTS(sessions); i++) {
		g_autofree char *text =
			g_strdup_printf(HEADER "c01,%s,top,a.jpg\n", sessions[i]);

		assert_rejected(text, 2, "is not an integer 0..999");
	}
	assert_rejected(HEADER ",0,top,a.jpg\n", 2, "empty client");
	assert_rejected(HEADER "\"\",0,top,a.jpg\n", 2, "empty client");
	assert_rejected(HEADER "a/b,0,top,a.jpg\n", 2, "client 'a/b' contains '/'");
	assert_rejected(HEADER "c01,0,\"to\tp\",a.jpg\n", 2,
		"view contains a control character");
	assert_rejected(HEADER "c01,0,\"to\x1bp\",a.jpg\n", 2,
		"view contains a control character");
	assert_rejected(
		HEADER "\xff\xfe,0,top,a.jpg\n", 2, "client is not valid UTF-8");
	assert_rejected(HEADER "c01,0,,a.jpg\n", 2, "empty view");
	assert_rejected("client,session,view,path,consent\nc01,0,top,a.jpg,"
					"public\n",
		2, "consent 'public' is not none, clinical or marketing");
	assert_rejected("client,session,view,path,consent\nc01,0,top,a.jpg,"
					"Marketing\n",
		2, "consent 'Marketing'");
	assert_rejected("client,session,view,path,px_per_mm\nc01,0,top,a.jpg,0\n",
		2, "px_per_mm '0' is not a positive number");
	assert_rejected("client,session,view,path,px_per_mm\nc01,0,top,a.jpg,-2\n",
		2, "not a positive number");
	assert_rejected("client,session,view,path,px_per_mm\nc01,0,top,a.jpg,nan\n",
		2, "not a positive number");
	assert_rejected("client,session,view,path,px_per_mm\nc01,0,top,a.jpg,inf\n",
		2, "not a positive number");
	assert_rejected("client,session,view,path,px_per_mm\nc01,0,top,a.jpg,"
					"12abc\n",
		2, "not a positive number");
	assert_rejected("client,session,view,path,taken\nc01,0,top,a.jpg,"
					"2024-13-01\n",
		2, "taken '2024-13-01' is not an ISO 8601 date");
	assert_rejected("client,session,view,path,taken\nc01,0,top,a.jpg,"
					"yesterday\n",
		2, "is not an ISO 8601 date");
}

static void
test_manifest_rejects_duplicates_naming_both_lines(void **state)
{
	g_autoptr(SmpManifest) m = NULL;

	(void) state;
	assert_rejected(HEADER "c01,0,top,a.jpg\n"
						   "c01,1,top,b.jpg\n"
						   "c01,0,top,c.jpg\n",
		4, "client 'c01', session 0, view 'top' is already on line 2");
	/* Three copies: the first repeat in the file is named, and counted. */
	assert_rejected(HEADER "c01,1,top,z.jpg\n"
						   "c01,1,top,a.jpg\n"
						   "c01,1,top,m.jpg\n",
		3, "already on line 2 (and 1 more bad row)");
	/* Different views or clients are not duplicates. */
	m = parse_ok(HEADER "c01,0,top,a.jpg\nc01,0,crown,a.jpg\nc02,0,top,"
						"a.jpg\n");
	assert_int_equal(m->entries->len, 3);
}

static void
test_manifest_reports_first_bad_row_and_counts_the_rest(void **state)
{
	(void) state;
	assert_rejected(HEADER "c01,0,top,a.jpg\n"
						   "c01,x,top,b.jpg\n"
						   "c02,0,top,/abs.jpg\n"
						   ",0,top,c.jpg\n",
		3, "session 'x' is not an integer 0..999 (and 2 more bad rows)");
}

static void
test_manifest_rejects_nul_bytes(void **state)
{
	static const char text[] = HEADER "c01,0,top,a.jpg\nc02,0,t\0p,b.jpg\n";
	static const char in_header[] = "client,sess\0ion,view,path\n";

	(void) state;
	assert_rejected_len(text, sizeof(text) - 1, 3, "NUL byte");
	assert_rejected_len(in_header, sizeof(in_header) - 1, 1, "NUL byte");
}

static void
test_manifest_rejects_long_fields_and_lines(void **state)
{
	GString *s = g_string_new(HEADER "c01,0,top,");

	(void) state;
	/* Just over the limit: caught when the field is handed over. */
	for (int i = 0; i < SMP_MANIFEST_MAX_FIELD + 1; i++)
		g_string_append_c(s, 'a');
	g_string_append(s, ".jpg\n");
	assert_rejected(s->str, 2, "longer than 4096 bytes");

	/* A megabyte quoted field spanning lines: libcsv stops buffering. */
	g_string_assign(s, HEADER "c01,0,top,a.jpg\nc02,0,top,\"");
	for (int i = 0; i < 1 << 20; i++)
		g_string_append_c(s, i % 100 == 99 ? '\n' : 'b');
	g_string_append(s, "\"\n");
	assert_rejected(s->str, 3, "longer than 4096 bytes");

	/* A very long line of short fields. */
	g_string_assign(s, HEADER "c01,0,top,a.jpg");
	for (int i = 0; i < 200000; i++)
		g_string_append(s, ",x");
	g_string_append_c(s, '\n');
	assert_rejected(s->str, 2, "200004 fields, but the header has 4");

	/* A header with too many columns. */
	g_string_assign(s, "client,session,view,path");
	for (int i = 0; i < SMP_MANIFEST_MAX_COLUMNS; i++)
		g_string_append(s, ",x");
	g_string_append_c(s, '\n');
	assert_rejected(s->str, 1, "more than 256 columns");
	g_string_free(s, TRUE);
}

/* --- archive folders ------------------------------------------------------ */

static void
build_archive(const char *dir, const char *outside)
{
	static const char *photos[] = {"A/c02/0/top.jpeg", "A/c01/2/top.webp",
		"A/c01/1/top.JPG", "A/c01/0/top.jpg", "A/c01/0/crown.PNG"};
	static const char *skipped[] = {"A/c01/2/notes.txt", "A/c01/2/sub/x.jpg",
		"A/c01/before/top.jpg", "A/c01/top.jpg", "A/readme.jpg",
		"A/.hidden/0/top.jpg", "A/c01/.thumbs/0/top.jpg", "A/c01/1/.top.jpg",
		"A/c04/0/noext", "A/c04/0/.jpg", "A/c04/12x/top.jpg"};

	for (size_t i = 0; i < G_N_ELEMENTS(photos); i++)
		write_file(dir, photos[i], "x", 1);
	for (size_t i = 0; i < G_N_ELEMENTS(skipped); i++)
		write_file(dir, skipped[i], "x", 1);
	make_dir(dir, "A/c01/2/emptydir");
	/* Symlinks to a folder and files outside the archive, at each depth. */
	write_file(outside, "sess/top.jpg", "x", 1);
	write_file(outside, "client/0/top.jpg", "x", 1);
	write_file(outside, "x.jpg", "x", 1);
	{
		g_autofree char *sess = g_build_filename(outside, "sess", NULL);
		g_autofree char *client = g_build_filename(outside, "client", NULL);
		g_autofree char *file = g_build_filename(outside, "x.jpg", NULL);

		make_link(sess, dir, "A/c02/1");
		make_link(file, dir, "A/c02/0/crown.jpg");
		make_link(client, dir, "A/c03");
	}
}

static void
test_manifest_scan_reads_only_the_archive_layout(void **state)
{
	static const char *want[][3] = {{"c01", "crown", "c01/0/crown.PNG"},
		{"c01", "top", "c01/0/top.jpg"}, {"c01", "top", "c01/1/top.JPG"},
		{"c01", "top", "c01/2/top.webp"}, {"c02", "top", "c02/0/top.jpeg"}};
	static const char *ignored[] = {"c01/2/emptydir", "c01/2/notes.txt",
		"c01/2/sub", "c01/before", "c01/top.jpg", "c02/0/crown.jpg", "c02/1",
		"c03", "c04/0/noext", "c04/12x", "readme.jpg"};
	static const int sessions[] = {0, 0, 1, 2, 0};
	g_autofree char *dir = smp_test_tmpdir();
	g_autofree char *outside = smp_test_tmpdir();
	g_autofree char *root = g_build_filename(dir, "A", NULL);
	g_autoptr(GPtrArray) pairs = NULL;
	GError *error = NULL;
	SmpManifest *m;

	(void) state;
	build_archive(dir, outside);
	m = smp_manifest_open(root, &error);
	assert_no_gerror(error);
	assert_string_equal(m->source, root);
	assert_string_equal(m->root, root);
	assert_int_equal(m->entries->len, G_N_ELEMENTS(want));
	for (guint i = 0; i < m->entries->len; i++) {
		const SmpEntry *e = entry(m, i);
		g_autofree char *path = g_build_filename(root, want[i][2], NULL);

		assert_string_equal(e->client, want[i][0]);
		assert_string_equal(e->view, want[i][1]);
		assert_string_equal(e->rel_path, want[i][2]);
		assert_string_equal(e->path, path);
		assert_int_equal(e->session, sessions[i]);
		assert_int_equal(e->line, 0);
		assert_null(e->taken);
		assert_int_equal(e->consent, SMP_CONSENT_NONE);
	}
	assert_int_equal(m->ignored->len, G_N_ELEMENTS(ignored));
	for (guint i = 0; i < m->ignored->len; i++) {
		g_autofree char *path = g_build_filename(root, ignored[i], NULL);

		assert_string_equal(m->ignored->pdata[i], path);
	}
	pairs = smp_manifest_pairs(m);
	assert_int_equal(pairs->len, 2);
	smp_manifest_free(m);
	smp_test_rmtree(dir);
	smp_test_rmtree(outside);
}

static void
test_manifest_scan_rejects_two_files_for_one_view(void **state)
{
	g_autofree char *dir = smp_test_tmpdir();
	g_autofree char *root = g_build_filename(dir, "A", NULL);
	g_autofree char *png = g_build_filename(root, "c01/1/top.png", NULL);
	g_autofree char *missing = g_build_filename(dir, "nope", NULL);
	GError *error = NULL;

	(void) state;
	write_file(dir, "A/c01/1/top.png", "x", 1);
	write_file(dir, "A/c01/1/top.jpg", "x", 1);
	assert_null(smp_manifest_scan(root, &error));
	assert_true(g_error_matches(error, SMP_ERROR, SMP_ERROR_CONFIG));
	assert_non_null(strstr(error->message, "c01/1/top.png: same client"));
	assert_non_null(strstr(error->message, "c01/1/top.jpg"));
	g_clear_error(&error);

	/* Folders 1 and 01 are the same session. */
	assert_int_equal(g_unlink(png), 0);
	write_file(dir, "A/c01/01/top.jpg", "x", 1);
	assert_null(smp_manifest_scan(root, &error));
	assert_true(g_error_matches(error, SMP_ERROR, SMP_ERROR_CONFIG));
	g_clear_error(&error);

	assert_null(smp_manifest_scan(missing, &error));
	assert_true(g_error_matches(error, SMP_ERROR, SMP_ERROR_IO));
	g_clear_error(&error);
	smp_test_rmtree(dir);
}

/* --- names ---------------------------------------------------------------- */

static void
assert_safe(const char *in, const char *want)
{
	g_autofree char *got = smp_manifest_safe_name(in);

	assert_string_equal(got, want);
}

static void
test_manifest_safe_name_is_a_plain_file_name(void **state)
{
	char long_a[301], long_b[301];
	g_autofree char *a = NULL, *b = NULL;

	(void) state;
	assert_safe("c01", "c01");
	assert_safe("Client_7.b-x", "Client_7.b-x");
	assert_safe("", "_");
	assert_safe(".", "_");
	assert_safe("..", "_.");
	assert_safe(".hidden", "_hidden");
	assert_safe("a/b c", "a_b_c");
	assert_safe("Jos\xc3\xa9", "Jos__");
	memset(long_a, 'a', 300);
	long_a[300] = '\0';
	memcpy(long_b, long_a, sizeof(long_a));
	long_b[299] = 'b';
	a = smp_manifest_safe_name(long_a);
	b = smp_manifest_safe_name(long_b);
	assert_int_equal(strlen(a), SMP_MANIFEST_SAFE_NAME_MAX);
	assert_int_equal(a[SMP_MANIFEST_SAFE_NAME_MAX - 17], '-');
	assert_string_not_equal(a, b);
	assert_string_equal(smp_consent_name(SMP_CONSENT_NONE), "none");
	assert_string_equal(smp_consent_name(SMP_CONSENT_CLINICAL), "clinical");
	assert_string_equal(smp_consent_name(SMP_CONSENT_MARKETING), "marketing");
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_manifest_reads_any_column_order_and_extra_columns),
	cmocka_unit_test(test_manifest_accepts_bom_crlf_quotes_and_blank_rows),
	cmocka_unit_test(test_manifest_counts_lone_cr_as_a_line_end),
	cmocka_unit_test(test_manifest_header_only_is_empty),
	cmocka_unit_test(test_manifest_loads_file_relative_to_its_folder),
	cmocka_unit_test(test_manifest_sample_archive_loads),
	cmocka_unit_test(test_manifest_load_keeps_lines_across_read_chunks),
	cmocka_unit_test(test_manifest_pairs_session_zero_with_every_later),
	cmocka_unit_test(test_manifest_shard_is_stable_and_balanced),
	cmocka_unit_test(test_manifest_shard_parse_accepts_k_below_n),
	cmocka_unit_test(test_manifest_rejects_bad_structure),
	cmocka_unit_test(test_manifest_rejects_escaping_paths),
	cmocka_unit_test(test_manifest_rejects_bad_values),
	cmocka_unit_test(test_manifest_reads_hairline),
	cmocka_unit_test(test_manifest_rejects_duplicates_naming_both_lines),
	cmocka_unit_test(test_manifest_reports_first_bad_row_and_counts_the_rest),
	cmocka_unit_test(test_manifest_rejects_nul_bytes),
	cmocka_unit_test(test_manifest_rejects_long_fields_and_lines),
	cmocka_unit_test(test_manifest_scan_reads_only_the_archive_layout),
	cmocka_unit_test(test_manifest_scan_rejects_two_files_for_one_view),
	cmocka_unit_test(test_manifest_safe_name_is_a_plain_file_name),
};

SMP_TEST_MAIN("manifest", tests)
