/* smpdoc: before/after documentation for scalp micropigmentation.
 * main() only finds the subcommand and hands over; each verb lives in
 * its own cmd_<verb>.c.
 * SPDX-License-Identifier: MIT
 */
#include <locale.h>
#include <stdio.h>
#include <string.h>

#include <json-glib/json-glib.h>
#include <sqlite3.h>
#include <vips/vips.h>

#include "cli.h"
#include "smpdoc/photo.h"

/* Only subcommands that work are listed (and reachable). */
static const SmpCommand commands[] = {
	{"pair", "before/after composite and sidecar for two photos", smp_cmd_pair},
	{"batch", "a whole archive: resumable, shardable, catalogued",
		smp_cmd_batch},
	{"merge", "join the output folders of a sharded batch", smp_cmd_merge},
	{"timeline", "a client's density and coverage across sessions",
		smp_cmd_timeline},
	{"report", "static HTML report over a pair or batch output folder",
		smp_cmd_report},
	{"verify", "recompute a portfolio composite from its originals",
		smp_cmd_verify},
	{"measure", "dot density of photos, measurement JSON on stdout",
		smp_cmd_measure},
	{"inspect", "what smpdoc reads from a photo and would do to it",
		smp_cmd_inspect},
	{"synth", "synthetic scalp photos and pairs with ground truth",
		smp_cmd_synth},
};

static void
print_version(void)
{
	printf("smpdoc %s\n", SMP_VERSION);
	printf("libvips %s\n", vips_version_string());
	printf("json-glib %d.%d.%d\n", JSON_MAJOR_VERSION, JSON_MINOR_VERSION,
		JSON_MICRO_VERSION);
	printf("SQLite %s\n", sqlite3_libversion());
	printf("GLib %u.%u.%u\n", glib_major_version, glib_minor_version,
		glib_micro_version);
	printf("License: MIT\n");
}

static void
print_help(FILE *out)
{
	fprintf(out, "Usage: smpdoc COMMAND [OPTION...] [ARG...]\n\n");
	fprintf(out, "Before/after documentation for scalp micropigmentation.\n\n");
	fprintf(out, "Commands:\n");
	for (size_t i = 0; i < G_N_ELEMENTS(commands); i++)
		fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
	fprintf(out, "\nRun 'smpdoc COMMAND --help' for a command's options.\n");
	fprintf(out, "  --help      show this help\n");
	fprintf(out, "  --version   show version information\n");
	fprintf(out,
		"\nExit status: 0 all done, 1 some inputs failed, 2 usage or "
		"configuration\nerror, 3 nothing could be done, 75 transient "
		"failure (run again).\n");
}

int
main(int argc, char **argv)
{
	const SmpCommand *command = NULL;
	g_autofree char *argv0 = NULL;
	int code;

	setlocale(LC_ALL, "");
	if (argc < 2) {
		print_help(stderr);
		return SMP_EXIT_USAGE;
	}
	if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "-V") == 0) {
		if (VIPS_INIT(argv[0]))
			return SMP_EXIT_FATAL;
		print_version();
		return SMP_EXIT_OK;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
		strcmp(argv[1], "help") == 0) {
		print_help(stdout);
		return SMP_EXIT_OK;
	}
	for (size_t i = 0; i < G_N_ELEMENTS(commands); i++)
		if (strcmp(argv[1], commands[i].name) == 0)
			command = &commands[i];
	if (!command) {
		fprintf(stderr, "smpdoc: unknown command '%s'\n", argv[1]);
		fprintf(stderr, "Run 'smpdoc --help' for the list of commands.\n");
		return SMP_EXIT_USAGE;
	}

	if (VIPS_INIT(argv[0])) {
		fprintf(
			stderr, "smpdoc: cannot start libvips: %s\n", vips_error_buffer());
		return SMP_EXIT_FATAL;
	}
	smp_photo_startup();

	/* The subcommand sees "smpdoc VERB" as its program name, so GOption's
	 * --help and messages read naturally.
	 */
	argv0 = g_strdup_printf("smpdoc %s", command->name);
	argv[1] = argv0;
	g_set_prgname(argv0);
	code = command->run(argc - 1, argv + 1);
	vips_shutdown();
	return code;
}
