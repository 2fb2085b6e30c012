/* smpdoc verify: recompute a portfolio composite from its originals and
 * provenance record, and say whether it matches.
 * SPDX-License-Identifier: MIT
 */
#include <stdio.h>

#include "cli.h"
#include "smpdoc/provenance.h"

static char *originals;
static char **files;

static const GOptionEntry entries[] = {
	{"originals", 0, 0, G_OPTION_ARG_FILENAME, &originals,
		"Folder holding the original photos (searched by SHA-256; default "
		".)",
		"DIR"},
	{G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &files, NULL,
		"COMPOSITE"},
	{NULL}};

int
smp_cmd_verify(int argc, char **argv)
{
	g_autoptr(GOptionContext) context = smp_cli_context_new("COMPOSITE",
		"Recompute a portfolio composite from the originals (found by the "
		"SHA-256 in its\nprovenance record, COMPOSITE's stem + "
		".provenance.json) with the recorded\npipeline and parameters, and "
		"compare the decoded pixels exactly. Prints\n'match' (exit 0) or "
		"'mismatch: REASON' (exit 1).",
		entries);
	SmpVerifyResult r;
	GError *error = NULL;
	int code;

	if ((code = smp_cli_parse(context, &argc, &argv)))
		return code;
	if (!files || g_strv_length(files) != 1)
		return smp_cli_usage_error(context, "verify: give one composite");
	if (!smp_provenance_verify(
			files[0], originals ? originals : ".", &r, &error))
		return smp_cli_fail(error);
	if (r.match)
		printf("%s: match\n", files[0]);
	else
		printf("%s: mismatch: %s\n", files[0], r.reason);
	code = r.match ? SMP_EXIT_OK : SMP_EXIT_SOME_FAILED;
	smp_verify_result_clear(&r);
	g_strfreev(files);
	return code;
}
