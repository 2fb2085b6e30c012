/* smpdoc merge: join the output folders of a sharded run into one.
 * SPDX-License-Identifier: MIT
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <glib/gstdio.h>

#include "cli.h"
#include "smpdoc/catalog.h"

static char *out_dir;
static char **shards;

static const GOptionEntry entries[] = {
	{"output", 'o', 0, G_OPTION_ARG_FILENAME, &out_dir,
		"Merged output folder (created when missing)", "DIR"},
	{G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &shards, NULL,
		"SHARD_DIR..."},
	{NULL}};

/* Files that belong to one run and are rebuilt for the merge. */
static gboolean
is_run_file(const char *name)
{
	return g_str_has_prefix(name, "catalog.sqlite") ||
		strcmp(name, "errors.csv") == 0 || name[0] == '.';
}

/* Copy @src's regular files under @rel into @dst, each atomically. A file
 * already there with the same bytes is left alone; different bytes are an
 * error (two shards must never produce the same output).
 */
static gboolean
copy_tree(const char *src, const char *dst, const char *rel, GError **error)
{
	g_autofree char *dir = g_build_filename(src, rel, NULL);
	g_autoptr(GDir) d = g_dir_open(dir, 0, error);
	const char *name;

	if (!d)
		return FALSE;
	while ((name = g_dir_read_name(d))) {
		g_autofree char *r = g_build_filename(rel, name, NULL);
		g_autofree char *from = g_build_filename(src, r, NULL);
		g_autofree char *to = g_build_filename(dst, r, NULL);
		g_autofree char *data = NULL;
		g_autofree char *there = NULL;
		gsize len, there_len;

		if (!*rel && is_run_file(name))
			continue;
		if (g_file_test(from, G_FILE_TEST_IS_SYMLINK))
			continue;
		if (g_file_test(from, G_FILE_TEST_IS_DIR)) {
			if (g_mkdir_with_parents(to, 0755) != 0 ||
				!copy_tree(src, dst, r, error))
				return FALSE;
			continue;
		}
		if (!g_file_get_contents(from, &data, &len, error))
			return FALSE;
		if (g_file_get_contents(to, &there, &there_len, NULL)) {
			if (there_len == len && memcmp(there, data, len) == 0)
				continue;
			g_set_error(error, SMP_ERROR, SMP_ERROR_CONFIG,
				"%s: merge: differs from the same output of another shard",
				from);
			return FALSE;
		}
		if (!smp_file_write_atomic(to, data, len, error))
			return FALSE;
	}
	return TRUE;
}

static gboolean
merge_all(GError **error)
{
	g_autofree char *cat_path =
		g_build_filename(out_dir, "catalog.sqlite", NULL);
	g_autofree char *errors_path =
		g_build_filename(out_dir, "errors.csv", NULL);
	g_autofree char *csv = NULL;
	SmpCatalog *cat;
	gboolean ok = TRUE;

	if (g_mkdir_with_parents(out_dir, 0755) != 0) {
		int e = errno;

		g_set_error(error, SMP_ERROR, SMP_ERROR_IO, "%s: output: %s", out_dir,
			g_strerror(e));
		return FALSE;
	}
	cat = smp_catalog_open(cat_path, TRUE, error);
	if (!cat)
		return FALSE;
	for (int i = 0; ok && shards[i]; i++) {
		g_autofree char *src =
			g_build_filename(shards[i], "catalog.sqlite", NULL);

		if (!g_file_test(src, G_FILE_TEST_IS_REGULAR)) {
			g_set_error(error, SMP_ERROR, SMP_ERROR_CONFIG,
				"%s: merge: no catalog.sqlite (not a batch output folder)",
				shards[i]);
			ok = FALSE;
			break;
		}
		ok = copy_tree(shards[i], out_dir, "", error) &&
			smp_catalog_merge(cat, src, error);
	}
	if (ok) {
		csv = smp_catalog_errors_csv(cat, error);
		ok = csv && smp_file_write_atomic(errors_path, csv, strlen(csv), error);
	}
	smp_catalog_close(cat);
	return ok;
}

int
smp_cmd_merge(int argc, char **argv)
{
	g_autoptr(GOptionContext) context = smp_cli_context_new(
		"SHARD_DIR... -o DIR",
		"Join the output folders of a sharded batch (--shard K/N) into one: "
		"outputs\ncopied, catalogues merged, errors.csv rebuilt. Equal to "
		"the output of one\nunsharded run.",
		entries);
	GError *error = NULL;
	int code;

	if ((code = smp_cli_parse(context, &argc, &argv)))
		return code;
	if (!out_dir || !shards || !shards[0])
		return smp_cli_usage_error(
			context, "merge: give shard folders and -o DIR");
	if (!merge_all(&error))
		return smp_cli_fail(error);
	g_strfreev(shards);
	return SMP_EXIT_OK;
}
