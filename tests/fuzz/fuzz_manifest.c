/* Fuzz target: manifest CSV parsing, then everything the batch derives
 * from a manifest (groups, pairs, output names).
 * SPDX-License-Identifier: MIT
 */
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "fuzz.h"
#include "smpdoc/manifest.h"

#define ROOT "/fuzz-root"

/* An output name is one plain, visible path component. */
static void
check_safe_name(const char *s)
{
	g_autofree char *name = smp_manifest_safe_name(s);
	size_t n = strlen(name);

	if (n == 0 || n > SMP_MANIFEST_SAFE_NAME_MAX || name[0] == '.' ||
		strspn(name,
			"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
			"0123456789._-") != n)
		abort();
}

/* Every path stays under the root, lexically. */
static void
check_entry(const SmpEntry *e)
{
	g_autofree char *canon = g_canonicalize_filename(e->rel_path, ROOT);

	if (!g_str_has_prefix(canon, ROOT "/") || e->session < 0 ||
		e->session > SMP_MANIFEST_MAX_SESSION)
		abort();
	check_safe_name(e->client);
	check_safe_name(e->view);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	GError *error = NULL;
	SmpManifest *m =
		smp_manifest_parse((const char *) data, size, "fuzz.csv", ROOT, &error);
	GPtrArray *groups, *pairs;

	if (!m == !error)
		abort();
	if (!m) {
		if (!g_str_has_prefix(error->message, "fuzz.csv"))
			abort();
		g_error_free(error);
		return 0;
	}
	for (guint i = 0; i < m->entries->len; i++)
		check_entry(g_ptr_array_index(m->entries, i));
	groups = smp_manifest_groups(m);
	pairs = smp_manifest_pairs(m);
	g_ptr_array_unref(groups);
	g_ptr_array_unref(pairs);
	smp_manifest_free(m);
	return 0;
}
