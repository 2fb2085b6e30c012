/* A synthetic data set on disk: photos of several clients, views and
 * sessions, with manifest.csv and truth.json (FORMATS.md manifest).
 * SPDX-License-Identifier: MIT
 */
#include <errno.h>
#include <math.h>
#include <string.h>

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "smpdoc/error.h"
#include "smpdoc/photo.h"
#include "smpdoc/report.h"
#include "synth_private.h"

#define SET_MAX_CLIENTS 100000
#define SET_MAX_VIEWS 64
#define VIEW_NAME_MAX 64

static const char *const default_views[] = {"top", NULL};

void
smp_synth_set_params_default(SmpSynthSetParams *set)
{
	memset(set, 0, sizeof(*set));
	smp_synth_params_default(&set->photo);
	smp_synth_pair_params_default(&set->pair);
	set->clients = 1;
	set->sessions = 1;
	set->views = NULL;
	set->tone = -1;
	set->orientation = 0;
}

/* View names become file names: keep them to a safe alphabet. */
static gboolean
view_name_ok(const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || n > VIEW_NAME_MAX)
		return FALSE;
	for (size_t i = 0; i < n; i++)
		if (!g_ascii_isalnum(name[i]) && name[i] != '-' && name[i] != '_')
			return FALSE;
	return TRUE;
}

static gboolean
check_set(
	const SmpSynthSetParams *set, const char *const *views, GError **error)
{
	int n = 0;

	if (set->clients < 1 || set->clients > SET_MAX_CLIENTS) {
		g_set_error(error, SMP_ERROR, SMP_ERROR_CONFIG,
			"synth: %d clients is outside 1..%d", set->clients,
			SET_MAX_CLIENTS);
		return FALSE;
	}
	if (set->sessions < 0 || set->sessions > SYNTH_MAX_AFTER) {
		g_set_error(error, SMP_ERROR, SMP_ERROR_CONFIG,
			"synth: %d after sessions is outside 0..%d", set->sessions,
			SYNTH_MAX_AFTER);
		return FALSE;
	}
	if (set->tone >= SMP_SYNTH_TONES) {
		g_set_error(error, SMP_ERROR, SMP_ERROR_CONFIG,
			"synth: tone %d is outside 0..%d", set->tone, SMP_SYNTH_TONES - 1);
		return FALSE;
	}
	if (set->orientation < 0 || set->orientation > 8) {
		g_set_error(error, SMP_ERROR, SMP_ERROR_CONFIG,
			"synth: orientation %d is outside 1..8 (0: varied)",
			set->orientation);
		return FALSE;
	}
	for (; views[n]; n++)
		if (!view_name_ok(views[n])) {
			g_set_error(error, SMP_ERROR, SMP_ERROR_CONFIG,
				"synth: view name '%s' must be 1..%d letters, digits, - or _",
				views[n], VIEW_NAME_MAX);
			return FALSE;
		}
	if (n == 0 || n > SET_MAX_VIEWS) {
		g_set_error(error, SMP_ERROR, SMP_ERROR_CONFIG,
			"synth: %d views, need 1..%d", n, SET_MAX_VIEWS);
		return FALSE;
	}
	return TRUE;
}

/* Each later session is photographed a little differently: pose, light. */
static void
jitter_pair(const SmpSynthPairParams *base, const SmpSynthParams *p, int k,
	SmpSynthPairParams *out)
{
	SynthRng rng = {synth_key(p->seed, 2000 + k)};

	*out = *base;
	out->rotation_deg += synth_range(&rng, -3.0, 3.0);
	out->scale *= synth_range(&rng, 0.96, 1.04);
	out->tx += synth_range(&rng, -0.03, 0.03) * p->width;
	out->ty += synth_range(&rng, -0.03, 0.03) * p->height;
	out->exposure = CLAMP(out->exposure + synth_range(&rng, -0.2, 0.2), -4, 4);
	out->gradient_angle_deg = synth_range(&rng, 0, 360);
	for (int c = 0; c < 3; c++)
		out->cast[c] =
			CLAMP(out->cast[c] * synth_range(&rng, 0.97, 1.03), 0.2, 5);
}

/* Truth positions to 1e-4 px: far below any test's tolerance, and the
 * file stays a fifth of its full-precision size.
 */
static void
add_fine(JsonBuilder *b, const char *key, double v)
{
	json_builder_set_member_name(b, key);
	json_builder_add_double_value(b, round(v * 1e4) / 1e4);
}

static void
add_dots(JsonBuilder *b, const char *member, const GArray *dots)
{
	json_builder_set_member_name(b, member);
	json_builder_begin_array(b);
	for (guint i = 0; i < dots->len; i++) {
		const SmpSynthDot *d = &g_array_index(dots, SmpSynthDot, i);

		json_builder_begin_object(b);
		add_fine(b, "x", d->x);
		add_fine(b, "y", d->y);
		add_fine(b, "r", d->r);
		add_fine(b, "contrast", d->contrast);
		json_builder_set_member_name(b, "kind");
		json_builder_add_string_value(b, smp_synth_kind_name(d->kind));
		json_builder_set_member_name(b, "session");
		json_builder_add_int_value(b, d->session);
		json_builder_set_member_name(b, "id");
		json_builder_add_int_value(b, d->id);
		if (d->kind == SMP_SYNTH_STUBBLE || d->kind == SMP_SYNTH_MOLE ||
			d->kind == SMP_SYNTH_SCAB) {
			add_fine(b, "angle_deg", d->angle_deg);
		}
		if (d->partner) {
			json_builder_set_member_name(b, "partner");
			json_builder_add_int_value(b, d->partner);
		}
		if (d->kind == SMP_SYNTH_STUBBLE) {
			add_fine(b, "length", d->length);
		}
		json_builder_end_object(b);
	}
	json_builder_end_array(b);
}

/* Moles and scabs with their centre in the photo: what a detector should
 * report as large blobs.
 */
static int
large_blob_count(const SmpSynthTruth *t)
{
	int n = 0;

	for (guint i = 0; i < t->distractors->len; i++) {
		SmpSynthKind k = g_array_index(t->distractors, SmpSynthDot, i).kind;

		n += k == SMP_SYNTH_MOLE || k == SMP_SYNTH_SCAB;
	}
	return n;
}

/* The calibration sticker painted in a photo, or null. */
static void
add_sticker(JsonBuilder *b, const SmpSynthSticker *s)
{
	json_builder_set_member_name(b, "sticker");
	if (!s->present) {
		json_builder_add_null_value(b);
		return;
	}
	json_builder_begin_object(b);
	add_fine(b, "diameter_mm", s->diameter_mm);
	add_fine(b, "ring_mm", s->ring_mm);
	add_fine(b, "x", s->x);
	add_fine(b, "y", s->y);
	add_fine(b, "major_px", s->major_px);
	add_fine(b, "minor_px", s->minor_px);
	add_fine(b, "angle_deg", s->angle_deg);
	add_fine(b, "tilt_deg", s->tilt_deg);
	json_builder_set_member_name(b, "partial");
	json_builder_add_boolean_value(b, s->partial);
	json_builder_end_object(b);
}

static void
add_photo(JsonBuilder *b, const char *rel, const char *client, int session,
	const char *view, int orientation, int tone, const SmpSynthTruth *t)
{
	json_builder_begin_object(b);
	json_builder_set_member_name(b, "path");
	json_builder_add_string_value(b, rel);
	json_builder_set_member_name(b, "client");
	json_builder_add_string_value(b, client);
	json_builder_set_member_name(b, "session");
	json_builder_add_int_value(b, session);
	json_builder_set_member_name(b, "view");
	json_builder_add_string_value(b, view);
	json_builder_set_member_name(b, "width");
	json_builder_add_int_value(b, t->width);
	json_builder_set_member_name(b, "height");
	json_builder_add_int_value(b, t->height);
	json_builder_set_member_name(b, "orientation");
	json_builder_add_int_value(b, orientation);
	json_builder_set_member_name(b, "px_per_mm");
	json_builder_add_double_value(b, t->px_per_mm);
	json_builder_set_member_name(b, "skin_tone");
	json_builder_add_int_value(b, tone);
	json_builder_set_member_name(b, "blur_px");
	json_builder_add_double_value(b, t->blur_px);
	json_builder_set_member_name(b, "blur_edge_px");
	json_builder_add_double_value(b, t->blur_edge_px);
	json_builder_set_member_name(b, "dot_count");
	json_builder_add_int_value(b, t->dots->len);
	json_builder_set_member_name(b, "large_blob_count");
	json_builder_add_int_value(b, large_blob_count(t));
	add_dots(b, "dots", t->dots);
	add_dots(b, "distractors", t->distractors);
	add_sticker(b, &t->sticker);
	json_builder_end_object(b);
}

static void
add_pair(JsonBuilder *b, const char *before, const char *after,
	const double m[9], const SmpSynthPairParams *pp, const SmpSynthTruth *t)
{
	int new_dots = 0, persisting = 0;

	for (guint i = 0; i < t->dots->len; i++) {
		if (g_array_index(t->dots, SmpSynthDot, i).session > 0)
			new_dots++;
		else
			persisting++;
	}
	json_builder_begin_object(b);
	json_builder_set_member_name(b, "before");
	json_builder_add_string_value(b, before);
	json_builder_set_member_name(b, "after");
	json_builder_add_string_value(b, after);
	json_builder_set_member_name(b, "matrix");
	json_builder_begin_array(b);
	for (int r = 0; r < 3; r++) {
		json_builder_begin_array(b);
		for (int c = 0; c < 3; c++)
			json_builder_add_double_value(b, m[3 * r + c]);
		json_builder_end_array(b);
	}
	json_builder_end_array(b);
	json_builder_set_member_name(b, "new_dots");
	json_builder_add_int_value(b, new_dots);
	json_builder_set_member_name(b, "persisting_dots");
	json_builder_add_int_value(b, persisting);
	json_builder_set_member_name(b, "grow_pct");
	json_builder_add_double_value(b, pp->grow_pct);
	json_builder_set_member_name(b, "fade_pct");
	json_builder_add_double_value(b, pp->fade_pct);
	json_builder_end_object(b);
}

static gboolean
write_json(JsonBuilder *b, const char *path, GError **error)
{
	g_autoptr(JsonNode) root = json_builder_get_root(b);
	g_autofree char *text = smp_report_to_string(root, FALSE);

	return smp_file_write_atomic(path, text, strlen(text), error);
}

/* One client's view: render every session and write its photos. */
static gboolean
write_series(const SmpSynthSetParams *set, const char *dir, int client,
	const char *view, int view_index, GString *csv, JsonBuilder *photos,
	JsonBuilder *pairs, int *n_photos, GError **error)
{
	static const char *const consent[] = {"marketing", "clinical", "none"};
	static const int phone_orient[] = {1, 6, 3, 8};
	SmpSynthParams p = set->photo;
	SmpSynthPairParams pp[SYNTH_MAX_AFTER];
	VipsImage *imgs[SYNTH_MAX_AFTER + 1] = {NULL};
	SmpSynthTruth *truths[SYNTH_MAX_AFTER + 1] = {NULL};
	double m[SYNTH_MAX_AFTER][9];
	g_autofree char *name = g_strdup_printf("c%02d", client + 1);
	g_autofree char *before_rel = NULL;
	gboolean ok = TRUE;
	int n = set->sessions;

	p.seed = synth_key(synth_key(set->photo.seed, client + 1), view_index);
	p.skin_tone = set->tone >= 0
		? set->tone
		: (int) (synth_key(set->photo.seed, 3000 + client) % SMP_SYNTH_TONES);
	for (int k = 1; k <= n; k++)
		jitter_pair(&set->pair, &p, k, &pp[k - 1]);
	if (!synth_series(&p, pp, n, imgs, truths, m, error))
		return FALSE;

	for (int s = 0; s <= n && ok; s++) {
		g_autofree char *rel = g_strdup_printf("%s/%d/%s.jpg", name, s, view);
		g_autofree char *path = g_build_filename(dir, rel, NULL);
		g_autofree char *folder = g_path_get_dirname(path);
		int orient = set->orientation > 0
			? set->orientation
			: phone_orient[synth_key(p.seed, 4000 + s) % 4];
		GDate *date = g_date_new_dmy(4, G_DATE_MARCH, 2024);
		char taken[16];

		if (g_mkdir_with_parents(folder, 0755) != 0) {
			int e = errno;

			g_set_error(error, SMP_ERROR, SMP_ERROR_IO, "%s: mkdir: %s", folder,
				g_strerror(e));
			ok = FALSE;
		}
		else
			ok = smp_synth_save(imgs[s], orient, p.jpeg_q, path, error);
		g_date_add_days(date, (guint) (3 * client + 35 * s));
		g_date_strftime(taken, sizeof(taken), "%Y-%m-%d", date);
		g_date_free(date);
		if (!ok)
			break;
		g_string_append_printf(csv, "%s,%d,%s,%s,%s,%.6g,%s\n", name, s, taken,
			view, rel, truths[s]->px_per_mm, consent[client % 3]);
		add_photo(photos, rel, name, s, view, orient, p.skin_tone, truths[s]);
		if (s == 0)
			before_rel = g_strdup(rel);
		else
			add_pair(pairs, before_rel, rel, m[s - 1], &pp[s - 1], truths[s]);
		(*n_photos)++;
	}
	for (int s = 0; s <= n; s++) {
		VIPS_UNREF(imgs[s]);
		smp_synth_truth_free(truths[s]);
	}
	return ok;
}

gboolean
smp_synth_write_set(const SmpSynthSetParams *set, const char *dir,
	int *n_photos, GError **error)
{
	const char *const *views = set->views ? set->views : default_views;
	g_autoptr(JsonBuilder) photos = json_builder_new();
	g_autoptr(JsonBuilder) pairs = json_builder_new();
	g_autoptr(JsonBuilder) root = json_builder_new();
	g_autoptr(GString) csv = NULL;
	g_autofree char *manifest = NULL;
	g_autofree char *truth = NULL;
	int count = 0;

	if (!check_set(set, views, error) ||
		!smp_synth_params_check(&set->photo, error))
		return FALSE;
	if (g_mkdir_with_parents(dir, 0755) != 0) {
		int e = errno;

		g_set_error(error, SMP_ERROR, SMP_ERROR_IO, "%s: mkdir: %s", dir,
			g_strerror(e));
		return FALSE;
	}
	csv = g_string_new("client,session,taken,view,path,px_per_mm,consent\n");
	json_builder_begin_array(photos);
	json_builder_begin_array(pairs);
	for (int c = 0; c < set->clients; c++)
		for (int v = 0; views[v]; v++)
			if (!write_series(set, dir, c, views[v], v, csv, photos, pairs,
					&count, error))
				return FALSE;
	json_builder_end_array(photos);
	json_builder_end_array(pairs);

	json_builder_begin_object(root);
	json_builder_set_member_name(root, "generator");
	json_builder_add_string_value(root, "smpdoc synth");
	json_builder_set_member_name(root, "seed");
	json_builder_add_int_value(root, (gint64) set->photo.seed);
	json_builder_set_member_name(root, "photos");
	json_builder_add_value(root, json_builder_get_root(photos));
	json_builder_set_member_name(root, "pairs");
	json_builder_add_value(root, json_builder_get_root(pairs));
	json_builder_end_object(root);

	manifest = g_build_filename(dir, "manifest.csv", NULL);
	truth = g_build_filename(dir, "truth.json", NULL);
	if (!smp_file_write_atomic(manifest, csv->str, csv->len, error) ||
		!write_json(root, truth, error))
		return FALSE;
	if (n_photos)
		*n_photos = count;
	return TRUE;
}
