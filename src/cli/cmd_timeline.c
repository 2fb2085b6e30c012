/* smpdoc timeline: a client's density and coverage across sessions, from
 * a batch output's catalogue.
 * SPDX-License-Identifier: MIT
 */
#include <math.h>
#include <stdio.h>

#include <json-glib/json-glib.h>

#include "cli.h"
#include "smpdoc/catalog.h"
#include "smpdoc/report.h"

static gboolean as_json;
static char **args;

static const GOptionEntry entries[] = {
	{"json", 0, 0, G_OPTION_ARG_NONE, &as_json, "Print JSON", NULL},
	{G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &args, NULL,
		"CLIENT OUTDIR"},
	{NULL}};

static void
add_real(JsonBuilder *b, const char *key, double v)
{
	json_builder_set_member_name(b, key);
	if (isfinite(v))
		json_builder_add_double_value(b, round(v * 100) / 100);
	else
		json_builder_add_null_value(b);
}

static void
print_json(const char *client, GPtrArray *rows)
{
	g_autoptr(JsonBuilder) b = json_builder_new();
	g_autoptr(JsonNode) root = NULL;
	g_autofree char *text = NULL;

	json_builder_begin_object(b);
	json_builder_set_member_name(b, "client");
	json_builder_add_string_value(b, client);
	json_builder_set_member_name(b, "sessions");
	json_builder_begin_array(b);
	for (guint i = 0; i < rows->len; i++) {
		SmpTimelineRow *r = g_ptr_array_index(rows, i);

		json_builder_begin_object(b);
		json_builder_set_member_name(b, "view");
		json_builder_add_string_value(b, r->view);
		json_builder_set_member_name(b, "session");
		json_builder_add_int_value(b, r->session);
		json_builder_set_member_name(b, "taken");
		if (r->taken)
			json_builder_add_string_value(b, r->taken);
		else
			json_builder_add_null_value(b);
		json_builder_set_member_name(b, "count");
		json_builder_add_int_value(b, r->dot_count);
		add_real(b, "per_cm2", r->per_cm2);
		add_real(b, "per_cm2_lo", r->per_cm2_lo);
		add_real(b, "per_cm2_hi", r->per_cm2_hi);
		add_real(b, "per_mpx", r->per_mpx);
		add_real(b, "coverage", r->coverage);
		json_builder_end_object(b);
	}
	json_builder_end_array(b);
	json_builder_end_object(b);
	root = json_builder_get_root(b);
	text = smp_report_to_string(root, TRUE);
	fputs(text, stdout);
}

static void
print_text(const char *client, GPtrArray *rows)
{
	printf("%s\n%-12s %7s  %-10s %7s  %-22s %9s\n", client, "view", "session",
		"taken", "dots", "dots/cm² (95%)", "coverage");
	for (guint i = 0; i < rows->len; i++) {
		SmpTimelineRow *r = g_ptr_array_index(rows, i);
		g_autofree char *dens = isfinite(r->per_cm2)
			? g_strdup_printf(
				  "%.1f (%.1f–%.1f)", r->per_cm2, r->per_cm2_lo, r->per_cm2_hi)
			: g_strdup_printf("— (%.0f/Mpx)", r->per_mpx);

		printf("%-12s %7d  %-10.10s %7" G_GINT64_FORMAT "  %-22s %8.1f%%\n",
			r->view, r->session, r->taken ? r->taken : "-", r->dot_count, dens,
			r->coverage * 100);
	}
}

int
smp_cmd_timeline(int argc, char **argv)
{
	g_autoptr(GOptionContext) context = smp_cli_context_new("CLIENT OUTDIR",
		"Print a client's dot density and coverage per view and session, "
		"from the\ncatalogue of a batch output folder.",
		entries);
	g_autoptr(GPtrArray) rows = NULL;
	g_autofree char *path = NULL;
	GError *error = NULL;
	SmpCatalog *cat;
	int code;

	if ((code = smp_cli_parse(context, &argc, &argv)))
		return code;
	if (!args || g_strv_length(args) != 2)
		return smp_cli_usage_error(context, "timeline: give CLIENT and OUTDIR");
	path = g_build_filename(args[1], "catalog.sqlite", NULL);
	cat = smp_catalog_open(path, FALSE, &error);
	if (!cat)
		return smp_cli_fail(error);
	rows = smp_catalog_timeline(cat, args[0], &error);
	smp_catalog_close(cat);
	if (!rows)
		return smp_cli_fail(error);
	if (rows->len == 0) {
		fprintf(stderr, "smpdoc: %s: no measured photo of client '%s'\n", path,
			args[0]);
		return SMP_EXIT_SOME_FAILED;
	}
	if (as_json)
		print_json(args[0], rows);
	else
		print_text(args[0], rows);
	g_strfreev(args);
	return SMP_EXIT_OK;
}
