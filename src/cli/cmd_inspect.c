/* smpdoc inspect: what smpdoc reads from a photo and would do to it.
 * SPDX-License-Identifier: MIT
 */
#include <stdio.h>

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <vips/vips.h>

#include "cli.h"
#include "smpdoc/meta.h"
#include "smpdoc/report.h"

static gboolean as_json;
static char **files;

static const GOptionEntry entries[] = {
	{"json", 0, 0, G_OPTION_ARG_NONE, &as_json,
		"Print JSON (an object for one photo, an array for several)", NULL},
	{G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &files, NULL,
		"PHOTO..."},
	{NULL}};

static const char *
yes_no(gboolean b)
{
	return b ? "yes" : "no";
}

static void
print_text(JsonObject *o, const SmpMeta *meta)
{
	printf("%s\n", json_object_get_string_member(o, "file"));
	printf("  format       %s, %s %s, %" G_GINT64_FORMAT
		   " bands, %" G_GINT64_FORMAT " bytes\n",
		json_object_get_string_member(o, "loader"),
		json_object_get_string_member(o, "interpretation"),
		json_object_get_string_member(o, "format"),
		json_object_get_int_member(o, "bands"),
		json_object_get_int_member(o, "file_bytes"));
	printf("  stored       %" G_GINT64_FORMAT "x%" G_GINT64_FORMAT "\n",
		json_object_get_int_member(o, "stored_width"),
		json_object_get_int_member(o, "stored_height"));
	printf("  orientation  %d (stored %d): %s\n", meta->orientation,
		meta->orientation_raw,
		smp_report_orientation_action(meta->orientation));
	printf("  upright      %" G_GINT64_FORMAT "x%" G_GINT64_FORMAT "\n",
		json_object_get_int_member(o, "width"),
		json_object_get_int_member(o, "height"));
	printf("  taken        %s\n", meta->taken ? meta->taken : "unknown");
	printf("  camera       %s %s\n", meta->make ? meta->make : "unknown",
		meta->model ? meta->model : "");
	printf("  exif         %s; gps %s; serial/owner %s; thumbnail %s; "
		   "maker notes %s\n",
		yes_no(meta->has_exif), yes_no(meta->has_gps), yes_no(meta->has_serial),
		yes_no(meta->has_thumbnail), yes_no(meta->has_makernote));
	printf("  xmp          %s; iptc %s; icc profile %s\n",
		yes_no(meta->has_xmp), yes_no(meta->has_iptc), yes_no(meta->has_icc));
	for (guint i = 0; i < meta->warnings->len; i++) {
		const SmpWarning *w = g_ptr_array_index(meta->warnings, i);

		printf("  warning      %s: %s\n", w->code, w->message);
	}
}

/* Inspect one photo; on success append its record to @records. */
static gboolean
inspect_one(const char *path, const SmpLoadLimits *limits, JsonArray *records,
	GError **error)
{
	g_autoptr(VipsImage) stored = NULL;
	g_autoptr(SmpMeta) meta = NULL;
	GStatBuf st;
	JsonNode *node;

	stored = smp_photo_open(path, limits, error);
	if (!stored)
		return FALSE;
	meta = smp_meta_read(stored, path);
	node = smp_report_inspect(
		path, stored, meta, g_stat(path, &st) == 0 ? (gint64) st.st_size : -1);
	if (!as_json)
		print_text(json_node_get_object(node), meta);
	json_array_add_element(records, node);
	return TRUE;
}

int
smp_cmd_inspect(int argc, char **argv)
{
	g_autoptr(GOptionContext) context = smp_cli_context_new("PHOTO...",
		"Print what smpdoc reads from each photo (format, size, EXIF "
		"orientation,\ncapture time, camera, identifying metadata) and "
		"how it would make it upright.\nNothing is decoded or written.",
		entries);
	g_autoptr(JsonArray) records = json_array_new();
	GError *error = NULL;
	SmpLoadLimits limits;
	int failed = 0;
	int code;

	smp_cli_add_limit_options(context);
	if ((code = smp_cli_parse(context, &argc, &argv)))
		return code;
	if (!files || !files[0])
		return smp_cli_usage_error(context, "inspect: no photo given");
	if (!smp_cli_load_limits(&limits, NULL, &error))
		return smp_cli_fail(error);

	for (int i = 0; files[i]; i++) {
		if (!inspect_one(files[i], &limits, records, &error)) {
			smp_cli_print_error(error);
			g_clear_error(&error);
			failed++;
		}
	}
	if (as_json && json_array_get_length(records) > 0) {
		g_autoptr(JsonNode) root = NULL;
		g_autofree char *text = NULL;

		if (g_strv_length(files) == 1) {
			root = json_node_copy(json_array_get_element(records, 0));
		}
		else {
			root = json_node_new(JSON_NODE_ARRAY);
			json_node_set_array(root, records);
		}
		text = smp_report_to_string(root, TRUE);
		fputs(text, stdout);
	}
	g_strfreev(files);
	files = NULL;
	return failed ? SMP_EXIT_SOME_FAILED : SMP_EXIT_OK;
}
