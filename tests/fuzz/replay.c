/* Standalone replay of a fuzz target over files and folders, without
 * libFuzzer: make check runs every corpus input through the target built
 * with gcc (and under make asan, with the sanitizers).
 * Usage: replay_TARGET FILE|DIR...
 * SPDX-License-Identifier: MIT
 */
#include <stdio.h>
#include <string.h>

#include <glib.h>

#include "fuzz.h"

static int
replay_file(const char *path)
{
	g_autofree char *data = NULL;
	gsize len;
	GError *error = NULL;

	if (!g_file_get_contents(path, &data, &len, &error)) {
		fprintf(stderr, "replay: %s\n", error->message);
		g_error_free(error);
		return -1;
	}
	LLVMFuzzerTestOneInput((const uint8_t *) data, len);
	return 1;
}

static int
by_name(gconstpointer a, gconstpointer b)
{
	return strcmp(*(char *const *) a, *(char *const *) b);
}

/* Files of @dir in name order, so that runs are repeatable. */
static int
replay_dir(const char *dir)
{
	g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
	g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
	const char *name;
	int n = 0;

	while (d && (name = g_dir_read_name(d)))
		if (name[0] != '.')
			g_ptr_array_add(names, g_build_filename(dir, name, NULL));
	g_ptr_array_sort(names, by_name);
	for (guint i = 0; i < names->len; i++) {
		int r = replay_file(g_ptr_array_index(names, i));

		if (r < 0)
			return -1;
		n += r;
	}
	return n;
}

int
main(int argc, char **argv)
{
	int total = 0;

	for (int i = 1; i < argc; i++) {
		int n = g_file_test(argv[i], G_FILE_TEST_IS_DIR) ? replay_dir(argv[i])
														 : replay_file(argv[i]);

		if (n < 0)
			return 1;
		total += n;
	}
	printf("%s: %d inputs replayed\n", argv[0], total);
	return 0;
}
