/* The batch runner: workers process one client's view at a time (the
 * before photo is loaded once for all its pairs); the calling thread is
 * the catalogue's only writer.
 * SPDX-License-Identifier: MIT
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <glib.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "smpdoc/analysis.h"
#include "smpdoc/batch.h"
#include "smpdoc/budget.h"
#include "smpdoc/catalog.h"
#include "smpdoc/error.h"
#include "smpdoc/manifest.h"
#include "smpdoc/pair.h"
#include "smpdoc/privacy.h"
#include "smpdoc/provenance.h"
#include "smpdoc/report.h"
#include "smpdoc/roi.h"

typedef enum { MSG_PHOTO, MSG_PAIR, MSG_GROUP_DONE, MSG_FATAL } MsgKind;

/* A worker's result for the catalogue writer; strings live in @strings. */
typedef struct Msg {
	MsgKind kind;
	SmpPhotoRecord photo;
	SmpPairRecord pair;
	int skipped_photos, skipped_pairs;
	gboolean withdraw; /* a consent refusal: remove earlier portfolio
	                    * outputs of this pair */
	const char *provenance; /* portfolio record text, for the catalogue */
	GStringChunk *strings;
	GError *error;
} Msg;

typedef struct Ctx {
	const SmpBatchOptions *o;
	char *catalog_path;
	GAsyncQueue *queue;
	gint stop; /* set after a fatal error: workers skip the rest */
	gboolean portfolio; /* pairs only, pseudonyms, provenance */
	char *secret; /* the clinic secret of the pseudonyms (portfolio) */
	const char *root_real; /* the manifest's folder, symlinks resolved */
} Ctx;

/* One photo of a group as a worker sees it. */
typedef struct Slot {
	const SmpEntry *entry;
	char *client; /* as recorded and in paths: the client id, or its
	               * pseudonym for portfolio output */
	char *refusal; /* why the consent gate refuses this photo, or NULL */
	char *sha256; /* content hash, NULL when unreadable */
	char *key; /* catalogue key */
	char *error; /* why this photo failed, or NULL */
	char *output; /* measurement JSON, relative to OUTDIR */
	SmpPhoto *photo;
	SmpAnalysis *analysis;
	double elapsed_ms;
} Slot;

static Msg *
msg_new(MsgKind kind)
{
	Msg *m = g_new0(Msg, 1);

	m->kind = kind;
	m->strings = g_string_chunk_new(256);
	return m;
}

static void
msg_free(Msg *m)
{
	g_string_chunk_free(m->strings);
	g_clear_error(&m->error);
	g_free(m);
}

static const char *
keep(Msg *m, const char *s)
{
	return s ? g_string_chunk_insert_const(m->strings, s) : NULL;
}

/* A client or view as a file name. When making it safe changed it, a
 * short hash of the original keeps distinct names apart ("a b" and "a_b"
 * would otherwise share a folder).
 */
static char *
out_name(const char *s)
{
	g_autofree char *safe = smp_manifest_safe_name(s);
	g_autofree char *hash = NULL;

	if (strcmp(safe, s) == 0)
		return g_steal_pointer(&safe);
	hash = g_compute_checksum_for_string(G_CHECKSUM_SHA256, s, -1);
	return g_strdup_printf("%s-%.8s", safe, hash);
}

static char *
client_dir(const Ctx *ctx, const Slot *s)
{
	g_autofree char *safe = out_name(s->client);

	return g_build_filename(ctx->o->out_dir, safe, NULL);
}

/* "<client>/<view>-s<session>" relative to OUTDIR, the stem of outputs. */
static char *
rel_stem(const Slot *s, const char *suffix)
{
	g_autofree char *c = out_name(s->client);
	g_autofree char *v = out_name(s->entry->view);

	return g_strdup_printf("%s/%s-s%d%s", c, v, s->entry->session, suffix);
}

static gboolean
out_exists(const Ctx *ctx, const char *rel)
{
	g_autofree char *p = g_build_filename(ctx->o->out_dir, rel, NULL);

	return g_file_test(p, G_FILE_TEST_IS_REGULAR);
}

static void
slot_clear(Slot *s)
{
	g_free(s->client);
	g_free(s->refusal);
	g_free(s->sha256);
	g_free(s->key);
	g_free(s->error);
	g_free(s->output);
	smp_analysis_free(s->analysis);
	smp_photo_free(s->photo);
}

/* The catalogue key of a readable photo: its content's and the
 * pipeline's hashes and, when its region of interest is not in the
 * pipeline's text (a manifest roi, or a mask file's bytes), that region's
 * fingerprint, so that --resume redoes a photo whose region changed.
 * Photos without such a region keep the keys of earlier versions.
 */
static char *
photo_key(const Ctx *ctx, const Slot *s)
{
	const SmpPipeline *pl = ctx->o->pipeline;
	SmpRoiGiven given = {s->entry->roi, NULL, "manifest"};
	g_autofree char *dir = NULL, *print = NULL;
	const char *spec, *source;

	if (!smp_analysis_roi_spec(pl, &given, &spec, &dir, &source) ||
		(given.spec != spec && smp_roi_is_polygon(spec)))
		return g_strdup_printf("%s:%s", s->sha256, pl->sha256);
	/* An unreadable mask fails the analysis with its own message. */
	print = smp_roi_fingerprint(spec, dir, NULL);
	return g_strdup_printf(
		"%s:%s:roi=%s", s->sha256, pl->sha256, print ? print : "unreadable");
}

static void
identify(const Ctx *ctx, Slot *s)
{
	GError *error = NULL;

	s->client = ctx->portfolio
		? smp_privacy_pseudonym(ctx->secret, s->entry->client)
		: g_strdup(s->entry->client);
	s->refusal = smp_consent_refusal(ctx->o->pipeline, (int) s->entry->consent);
	s->output = rel_stem(s, ".json");
	if (smp_manifest_entry_inside(s->entry, ctx->root_real, &error))
		s->sha256 = smp_file_sha256(s->entry->path, &error);
	if (!s->sha256) {
		s->error = g_strdup(error->message);
		g_error_free(error);
		/* Unreadable files still need a key for their failure row. */
		s->key = g_strdup_printf("unreadable:%s", s->entry->rel_path);
		return;
	}
	s->key = photo_key(ctx, s);
}

static void
analyse(const Ctx *ctx, Slot *s)
{
	g_autoptr(GTimer) timer = g_timer_new();
	GError *error = NULL;
	SmpBudget *budget;
	SmpScale scale;
	/* The manifest's hairline side, when given, over the pipeline's: a
	 * shallow copy (the strings stay the pipeline's).
	 */
	SmpPipeline pl = *ctx->o->pipeline;

	if (s->error || s->analysis)
		return;
	if (s->entry->hairline >= 0)
		pl.hairline = s->entry->hairline;
	/* The photo's time budget is this worker thread's until it is done. */
	budget = smp_budget_begin(s->entry->path, ctx->o->limits.timeout_s);
	s->photo = smp_photo_load(s->entry->path, &ctx->o->limits, &error);
	if (s->photo) {
		SmpRoiGiven roi = {s->entry->roi, NULL, "manifest"};

		smp_analysis_scale(s->entry->px_per_mm, 0, &pl, &scale);
		s->analysis = smp_analyse_photo_roi(s->photo, &pl, &scale, &roi,
			g_timer_elapsed(timer, NULL) * 1e3, &error);
	}
	smp_budget_end(budget);
	/* As in `smpdoc pair`: keep only the normalised copy while the photo
	 * waits for its pairs; the decoded original is read again from the
	 * file when it is shown as shot or tone matched.
	 */
	if (s->analysis &&
		!smp_analysis_release_pixels(s->photo, s->analysis, &error))
		g_clear_pointer(&s->analysis, smp_analysis_free);
	if (!s->analysis) {
		s->error = g_strdup(error->message);
		g_error_free(error);
		g_clear_pointer(&s->photo, smp_photo_free);
	}
	s->elapsed_ms = g_timer_elapsed(timer, NULL) * 1e3;
}

/* The photo's measurement JSON, without timings so reruns are identical. */
static gboolean
write_measurement(const Ctx *ctx, Slot *s, GError **error)
{
	g_autofree char *dir = client_dir(ctx, s);
	g_autofree char *path = g_build_filename(ctx->o->out_dir, s->output, NULL);
	SmpPhotoReport r;

	if (g_mkdir_with_parents(dir, 0755) != 0) {
		int e = errno;

		g_set_error(error, SMP_ERROR,
			e == ENOSPC ? SMP_ERROR_TRANSIENT : SMP_ERROR_IO, "%s: output: %s",
			dir, g_strerror(e));
		return FALSE;
	}
	smp_analysis_report(s->photo, s->analysis, TRUE, &r);
	r.file = s->entry->rel_path;
	for (int i = 0; i < 4; i++)
		r.timing_ms[i] = -1;
	return smp_report_measurement_write(&r, path, error);
}

static void
fill_photo_record(Msg *m, const Ctx *ctx, const Slot *s)
{
	SmpPhotoRecord *r = &m->photo;
	const SmpEntry *e = s->entry;
	const SmpMeasurement *mm = s->analysis ? s->analysis->measurement : NULL;
	const char *taken = e->taken;

	if (!taken && s->photo)
		taken = s->photo->meta->taken;
	r->key = keep(m, s->key);
	r->content_sha256 = keep(m, s->sha256 ? s->sha256 : "");
	r->pipeline_sha256 = keep(m, ctx->o->pipeline->sha256);
	r->source = keep(m, e->rel_path);
	r->client = keep(m, s->client);
	r->session = e->session;
	r->view = keep(m, e->view);
	r->taken = keep(m, taken);
	r->consent = smp_consent_name(e->consent);
	r->ok = mm != NULL;
	r->refused = s->refusal != NULL;
	r->error = keep(m, s->refusal ? s->refusal : s->error);
	r->output = mm ? keep(m, s->output) : NULL;
	r->width = s->photo ? s->photo->image->Xsize : 0;
	r->height = s->photo ? s->photo->image->Ysize : 0;
	r->px_per_mm = s->analysis ? s->analysis->scale.px_per_mm : NAN;
	r->scale_source = s->analysis ? s->analysis->scale.source : NULL;
	r->dot_count = mm ? (gint64) mm->count : -1;
	r->per_cm2 = mm ? mm->per_cm2 : NAN;
	r->per_cm2_lo = mm ? mm->per_cm2_ci95[0] : NAN;
	r->per_cm2_hi = mm ? mm->per_cm2_ci95[1] : NAN;
	r->per_mpx = mm ? mm->per_mpx : NAN;
	r->coverage = mm ? mm->coverage : NAN;
	r->nn_mean_mm = mm ? mm->nn_mean_mm : NAN;
	r->clark_evans = mm ? mm->clark_evans : NAN;
	r->elapsed_ms = s->elapsed_ms;
}

/* A fatal error (disk full, output folder gone) stops the whole run. */
static void
send_fatal(Ctx *ctx, GError *error)
{
	Msg *m = msg_new(MSG_FATAL);

	m->error = error;
	g_atomic_int_set(&ctx->stop, 1);
	g_async_queue_push(ctx->queue, m);
}

static gboolean
is_fatal(const GError *e)
{
	return g_error_matches(e, SMP_ERROR, SMP_ERROR_TRANSIENT);
}

/* Measure photo @s (when needed) and report it. A photo the consent gate
 * refuses is only recorded: never opened, nothing written.
 */
static void
run_photo(Ctx *ctx, Slot *s)
{
	GError *error = NULL;
	Msg *m;

	if (!s->refusal)
		analyse(ctx, s);
	if (s->analysis && !write_measurement(ctx, s, &error)) {
		if (is_fatal(error)) {
			send_fatal(ctx, error);
			return;
		}
		s->error = g_strdup(error->message);
		g_clear_error(&error);
		g_clear_pointer(&s->analysis, smp_analysis_free);
	}
	m = msg_new(MSG_PHOTO);
	fill_photo_record(m, ctx, s);
	g_async_queue_push(ctx->queue, m);
}

static void
fill_pair_record(Msg *m, const Ctx *ctx, const Slot *b, const Slot *a,
	const SmpPairResult *res, const char *error, double elapsed_ms)
{
	SmpPairRecord *r = &m->pair;
	g_autofree char *key = g_strdup_printf("%s|%s", b->key, a->key);

	r->key = keep(m, key);
	r->before_key = keep(m, b->key);
	r->after_key = keep(m, a->key);
	r->pipeline_sha256 = keep(m, ctx->o->pipeline->sha256);
	r->client = keep(m, a->client);
	r->view = keep(m, a->entry->view);
	r->session_before = b->entry->session;
	r->session_after = a->entry->session;
	r->ok = error == NULL;
	r->error = keep(m, error);
	r->aligned = res ? res->aligned : FALSE;
	r->per_cm2_before = b->analysis ? b->analysis->measurement->per_cm2 : NAN;
	r->per_cm2_after = a->analysis ? a->analysis->measurement->per_cm2 : NAN;
	r->per_cm2_change = res ? res->change.per_cm2 : NAN;
	r->per_cm2_pct = res ? res->change.per_cm2_pct : NAN;
	r->coverage_change = res ? res->change.coverage : NAN;
	r->new_dots = res ? res->change.new_dots : -1;
	r->persisting_dots = res ? res->change.persisting_dots : -1;
	r->elapsed_ms = elapsed_ms;
}

/* Relative output paths of the pair before→after ("c01/top-s0-s1"). */
static char *
pair_stem(const Slot *b, const Slot *a)
{
	g_autofree char *c = out_name(a->client);
	g_autofree char *v = out_name(a->entry->view);

	return g_strdup_printf(
		"%s/%s-s%d-s%d", c, v, b->entry->session, a->entry->session);
}

/* The composite's and the sidecar's (or provenance record's) paths of a
 * pair, relative to OUTDIR.
 */
static void
pair_outputs(
	const Ctx *ctx, const Slot *b, const Slot *a, char **comp, char **side)
{
	g_autofree char *stem = pair_stem(b, a);
	SmpImageFormat f = ctx->o->composite
		? ctx->o->composite->format
		: (SmpImageFormat) ctx->o->pipeline->format;

	/* The extension follows the composite's format. */
	*comp = g_strdup_printf("%s.%s", stem, smp_format_extension(f));
	*side = g_strdup_printf(
		"%s%s", stem, ctx->portfolio ? SMP_PROVENANCE_SUFFIX : ".json");
}

/* The consent gate refuses the pair: recorded with the reason, nothing
 * opened or written; the writer removes earlier portfolio outputs.
 */
static void
refuse_pair(Ctx *ctx, const Slot *b, const Slot *a)
{
	Msg *m = msg_new(MSG_PAIR);
	g_autofree char *why = g_strdup_printf("%s photo: %s",
		b->refusal ? "before" : "after", b->refusal ? b->refusal : a->refusal);

	fill_pair_record(m, ctx, b, a, NULL, why, 0);
	m->pair.refused = TRUE;
	m->withdraw = ctx->portfolio;
	g_async_queue_push(ctx->queue, m);
}

static void
run_pair(Ctx *ctx, Slot *b, Slot *a)
{
	g_autoptr(GTimer) timer = g_timer_new();
	g_autofree char *stem = pair_stem(b, a);
	g_autofree char *dir = client_dir(ctx, a);
	g_autofree char *base = g_path_get_basename(stem);
	g_autofree char *why = NULL;
	const char *inputs[3] = {b->entry->path, a->entry->path, NULL};
	SmpPairResult res = {0};
	GError *error = NULL;
	gboolean ok = FALSE;
	Msg *m;

	analyse(ctx, b);
	analyse(ctx, a);
	if (b->error || a->error) {
		why = g_strdup_printf("%s photo failed: %s",
			b->error ? "before" : "after", b->error ? b->error : a->error);
	}
	else {
		SmpPairSpec spec = {{b->photo, a->photo}, {b->analysis, a->analysis},
			{b->entry->session, a->entry->session}, a->entry->view,
			{b->entry->taken, a->entry->taken}, ctx->o->pipeline, 0, 0, FALSE,
			inputs, {b->entry->rel_path, a->entry->rel_path}};

		spec.composite = ctx->o->composite;
		ok = g_mkdir_with_parents(dir, 0755) == 0 &&
			smp_pair_write(&spec, dir, base, &res, &error);
		if (!ok && error && is_fatal(error)) {
			send_fatal(ctx, error);
			return;
		}
		if (!ok)
			why = g_strdup(error ? error->message : "cannot create folder");
		g_clear_error(&error);
	}
	if (ok && res.refused) {
		ok = FALSE;
		why = g_strdup(res.refused);
		/* The folder was made for nothing: leave no trace. */
		g_rmdir(dir);
	}
	m = msg_new(MSG_PAIR);
	fill_pair_record(m, ctx, b, a, ok ? &res : NULL, why,
		g_timer_elapsed(timer, NULL) * 1e3);
	m->pair.refused = res.refused != NULL;
	if (ok) {
		g_autofree char *comp = NULL;
		g_autofree char *side = NULL;
		g_autofree char *record = NULL;

		pair_outputs(ctx, b, a, &comp, &side);
		m->pair.composite = keep(m, comp);
		m->pair.sidecar = keep(m, side);
		if (ctx->portfolio &&
			g_file_get_contents(res.sidecar, &record, NULL, NULL))
			m->provenance = keep(m, record);
	}
	smp_pair_result_clear(&res);
	g_async_queue_push(ctx->queue, m);
}

/* Is the photo's row complete, with its output on disk? */
static gboolean
photo_complete(const Ctx *ctx, SmpCatalog *cat, const Slot *s)
{
	return cat && s->sha256 &&
		smp_catalog_photo_status(cat, s->key) == SMP_ROW_DONE &&
		out_exists(ctx, s->output);
}

static gboolean
pair_complete(const Ctx *ctx, SmpCatalog *cat, const Slot *b, const Slot *a)
{
	g_autofree char *key = g_strdup_printf("%s|%s", b->key, a->key);
	g_autofree char *comp = NULL;
	g_autofree char *side = NULL;

	pair_outputs(ctx, b, a, &comp, &side);
	return cat && b->sha256 && a->sha256 &&
		smp_catalog_pair_status(cat, key) == SMP_ROW_DONE &&
		out_exists(ctx, comp) && out_exists(ctx, side);
}

/* One client's view: every photo measured, session 0 paired with each
 * later session. With --resume, complete work is skipped; a photo is
 * still loaded when a pair that needs it is not complete.
 */
static void
process_group(gpointer data, gpointer user)
{
	SmpGroup *g = data;
	Ctx *ctx = user;
	guint n = g->entries->len;
	g_autofree Slot *slots = g_new0(Slot, n);
	SmpCatalog *cat = NULL;
	Msg *done = msg_new(MSG_GROUP_DONE);
	gboolean has_before;

	for (guint i = 0; i < n; i++) {
		slots[i].entry = g_ptr_array_index(g->entries, i);
		identify(ctx, &slots[i]);
	}
	/* Each worker reads the catalogue through its own connection (WAL
	 * allows readers beside the one writer).
	 */
	if (ctx->o->resume)
		cat = smp_catalog_open(ctx->catalog_path, FALSE, NULL);
	has_before = slots[0].entry->session == 0;
	for (guint i = 0; i < n && !g_atomic_int_get(&ctx->stop); i++) {
		/* Portfolio output is pairs only: no per-photo measurement. */
		if (ctx->portfolio)
			;
		else if (photo_complete(ctx, cat, &slots[i]))
			done->skipped_photos++;
		else
			run_photo(ctx, &slots[i]);
		if (i == 0 || !has_before)
			continue;
		/* Consent first, even on --resume: a withdrawal must be seen. */
		if (slots[0].refusal || slots[i].refusal)
			refuse_pair(ctx, &slots[0], &slots[i]);
		else if (pair_complete(ctx, cat, &slots[0], &slots[i]))
			done->skipped_pairs++;
		else
			run_pair(ctx, &slots[0], &slots[i]);
		/* Only the before photo is needed again. */
		g_clear_pointer(&slots[i].analysis, smp_analysis_free);
		g_clear_pointer(&slots[i].photo, smp_photo_free);
	}
	smp_catalog_close(cat);
	for (guint i = 0; i < n; i++)
		slot_clear(&slots[i]);
	g_async_queue_push(ctx->queue, done);
}

/* The groups of @all (which keeps owning them) whose client falls in this
 * shard, with the number of photos and pairs they hold.
 */
static GPtrArray *
shard_groups(GPtrArray *all, const SmpBatchOptions *o, int *photos, int *pairs)
{
	GPtrArray *mine = g_ptr_array_new();

	*photos = *pairs = 0;
	for (guint i = 0; i < all->len; i++) {
		SmpGroup *g = g_ptr_array_index(all, i);
		const SmpEntry *first = g_ptr_array_index(g->entries, 0);

		if (o->shard_n > 1 &&
			smp_manifest_shard_of(g->client, o->shard_n) != o->shard_k)
			continue;
		*photos += g->entries->len;
		if (first->session == 0)
			*pairs += g->entries->len - 1;
		g_ptr_array_add(mine, g);
	}
	return mine;
}

/* The state of the writer (calling) thread. */
typedef struct Run {
	const SmpBatchOptions *o;
	SmpCatalog *cat;
	SmpBatchSummary *sum;
	SmpBatchProgress progress;
	GTimer *timer;
	GError *fatal;
} Run;

static void log_line(const Run *run, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

static void
log_line(const Run *run, const char *fmt, ...)
{
	va_list ap;
	g_autofree char *line = NULL;

	if (!run->o->log)
		return;
	va_start(ap, fmt);
	line = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	run->o->log(line, run->o->data);
}

/* Record one result in the catalogue, in its own transaction, so that a
 * killed run keeps every result written before the kill.
 */
static void
record(Run *run, Msg *m)
{
	GError *error = NULL;
	gboolean ok = smp_catalog_begin(run->cat, &error) &&
		(m->kind == MSG_PHOTO
				? smp_catalog_put_photo(run->cat, &m->photo, &error)
				: smp_catalog_put_pair(run->cat, &m->pair, &error)) &&
		(!m->provenance ||
			smp_catalog_put_provenance(run->cat, m->pair.composite,
				m->pair.client, m->provenance, &error)) &&
		smp_catalog_commit(run->cat, &error);

	if (!ok && !run->fatal)
		run->fatal = error;
	else
		g_clear_error(&error);
}

/* Consent for this pair is gone: remove the portfolio outputs an earlier
 * run made for it and record the removal (before the refusal's row
 * replaces the pair's).
 */
static void
withdraw(Run *run, const SmpPairRecord *p)
{
	GError *error = NULL;
	g_autoptr(GPtrArray) files = smp_catalog_portfolio_outputs(run->cat,
		p->client, p->view, p->session_before, p->session_after, &error);
	g_autoptr(GString) list = g_string_new(NULL);

	for (guint i = 0; files && i < files->len; i++) {
		const char *rel = g_ptr_array_index(files, i);
		g_autofree char *path = g_build_filename(run->o->out_dir, rel, NULL);
		g_autofree char *dir = g_path_get_dirname(path);

		if (g_unlink(path) != 0 && errno != ENOENT && !error)
			g_set_error(&error, SMP_ERROR, SMP_ERROR_IO,
				"%s: withdrawal: cannot remove: %s", path, g_strerror(errno));
		g_rmdir(dir); /* when it was the client's last output */
		g_string_append_printf(list, "%s%s", i ? "\n" : "", rel);
	}
	if (files && files->len > 0 && !error &&
		smp_catalog_begin(run->cat, &error) &&
		smp_catalog_note_withdrawal(run->cat, p->client, p->view,
			p->session_before, p->session_after, list->str, &error) &&
		smp_catalog_commit(run->cat, &error)) {
		run->sum->pairs_withdrawn++;
		log_line(run,
			"%s/%s s%d-s%d: consent withdrawn: removed %u portfolio files",
			p->client, p->view, p->session_before, p->session_after,
			files->len);
	}
	if (error && !run->fatal)
		run->fatal = error;
	else
		g_clear_error(&error);
}

static void
handle(Run *run, Msg *m, Ctx *ctx)
{
	SmpBatchSummary *s = run->sum;

	switch (m->kind) {
	case MSG_PHOTO:
		record(run, m);
		if (m->photo.ok)
			s->photos_done++;
		else if (m->photo.refused)
			s->photos_refused++;
		else {
			s->photos_failed++;
			log_line(run, "%s", m->photo.error);
		}
		break;
	case MSG_PAIR:
		if (m->withdraw)
			withdraw(run, &m->pair);
		record(run, m);
		if (m->pair.refused) {
			s->pairs_refused++;
			log_line(run, "%s/%s s%d-s%d: refused: %s", m->pair.client,
				m->pair.view, m->pair.session_before, m->pair.session_after,
				m->pair.error);
		}
		else if (m->pair.ok) {
			s->pairs_done++;
			if (!m->pair.aligned) {
				s->pairs_not_aligned++;
				log_line(run,
					"%s/%s s%d-s%d: registration did not confirm "
					"a match; composite marked NOT ALIGNED",
					m->pair.client, m->pair.view, m->pair.session_before,
					m->pair.session_after);
			}
		}
		else {
			s->pairs_failed++;
			log_line(run, "%s/%s s%d-s%d: pair: %s", m->pair.client,
				m->pair.view, m->pair.session_before, m->pair.session_after,
				m->pair.error);
		}
		break;
	case MSG_GROUP_DONE:
		s->photos_skipped += m->skipped_photos;
		s->pairs_skipped += m->skipped_pairs;
		break;
	case MSG_FATAL:
		if (!run->fatal)
			run->fatal = g_steal_pointer(&m->error);
		break;
	}
	if (run->fatal)
		g_atomic_int_set(&ctx->stop, 1);
	run->progress.done = s->photos_done + s->pairs_done;
	run->progress.failed = s->photos_failed + s->pairs_failed;
	run->progress.skipped = s->photos_skipped + s->pairs_skipped;
	run->progress.elapsed_s = g_timer_elapsed(run->timer, NULL);
	if (run->o->progress)
		run->o->progress(&run->progress, run->o->data);
}

/* --dry-run: say what would be done, write nothing. */
static void
dry_run(Run *run, GPtrArray *groups)
{
	for (guint i = 0; i < groups->len; i++) {
		SmpGroup *g = g_ptr_array_index(groups, i);
		const SmpEntry *first = g_ptr_array_index(g->entries, 0);

		for (guint j = 0; j < g->entries->len; j++) {
			const SmpEntry *e = g_ptr_array_index(g->entries, j);

			log_line(run, "measure %s", e->rel_path);
			if (j > 0 && first->session == 0)
				log_line(run, "pair    %s -> %s", first->rel_path, e->rel_path);
		}
	}
}

static gboolean
prepare_out_dir(const char *dir, GError **error)
{
	if (g_mkdir_with_parents(dir, 0755) != 0 ||
		!g_file_test(dir, G_FILE_TEST_IS_DIR)) {
		int e = errno;

		g_set_error(error, SMP_ERROR,
			e == ENOSPC || e == EROFS ? SMP_ERROR_TRANSIENT : SMP_ERROR_IO,
			"%s: output: cannot create this folder: %s", dir,
			g_strerror(e ? e : ENOTDIR));
		return FALSE;
	}
	/* A read-only file system (a remount after errors, a full quota) is
	 * for the operator to fix; then the same command runs again.
	 */
	if (access(dir, W_OK) != 0) {
		int e = errno;

		g_set_error(error, SMP_ERROR,
			e == EROFS ? SMP_ERROR_TRANSIENT : SMP_ERROR_IO,
			"%s: output: cannot write to this folder: %s", dir, g_strerror(e));
		return FALSE;
	}
	return TRUE;
}

/* A killed run can leave hidden temporaries of atomic writes behind
 * (never a partial output under its real name); remove them from OUTDIR
 * and its client folders before starting. One writer per OUTDIR is the
 * rule, so no live writer owns them.
 */
static void
sweep_temporaries(const char *dir, int depth)
{
	g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
	const char *name;

	while (d && (name = g_dir_read_name(d))) {
		g_autofree char *path = g_build_filename(dir, name, NULL);

		if (g_file_test(path, G_FILE_TEST_IS_SYMLINK))
			continue;
		if (depth > 0 && g_file_test(path, G_FILE_TEST_IS_DIR))
			sweep_temporaries(path, depth - 1);
		else if (smp_photo_is_temp_name(name) &&
			g_file_test(path, G_FILE_TEST_IS_REGULAR))
			g_unlink(path);
	}
}

/* Run the groups on the worker pool; this thread writes the catalogue. */
static void
run_pool(Run *run, Ctx *ctx, GPtrArray *groups)
{
	GThreadPool *pool = g_thread_pool_new(
		process_group, ctx, MAX(1, run->o->jobs), FALSE, NULL);
	guint finished = 0;

	for (guint i = 0; i < groups->len; i++)
		g_thread_pool_push(pool, g_ptr_array_index(groups, i), NULL);
	while (finished < groups->len) {
		Msg *m = g_async_queue_pop(ctx->queue);

		if (m->kind == MSG_GROUP_DONE)
			finished++;
		handle(run, m, ctx);
		msg_free(m);
	}
	g_thread_pool_free(pool, FALSE, TRUE);
}

/* errors.csv from the catalogue: every failure, this run's and earlier
 * runs' (a resumed run lists what its predecessors found too).
 */
static gboolean
write_errors(Run *run, GError **error)
{
	g_autofree char *csv = smp_catalog_errors_csv(run->cat, error);
	g_autofree char *path =
		g_build_filename(run->o->out_dir, "errors.csv", NULL);

	return csv && smp_file_write_atomic(path, csv, strlen(csv), error);
}

gboolean
smp_batch_run(
	const SmpBatchOptions *o, SmpBatchSummary *summary, GError **error)
{
	g_autoptr(SmpManifest) m = smp_manifest_open(o->input, error);
	g_autoptr(GPtrArray) all = NULL;
	g_autoptr(GPtrArray) groups = NULL;
	g_autoptr(GTimer) timer = g_timer_new();
	g_autofree char *shard = g_strdup_printf("%u/%u", o->shard_k, o->shard_n);
	g_autofree char *root_real = NULL;
	Run run = {o, NULL, summary, {0}, timer, NULL};
	Ctx ctx = {o, NULL, NULL, 0, FALSE, NULL, NULL};
	int photos, pairs;
	gboolean ok;

	*summary = (SmpBatchSummary){0};
	if (!m)
		return FALSE;
	all = smp_manifest_groups(m);
	groups = shard_groups(all, o, &photos, &pairs);
	root_real = realpath(m->root, NULL);
	if (!(ctx.root_real = root_real)) {
		g_set_error(error, SMP_ERROR, SMP_ERROR_IO, "%s: %s", m->root,
			g_strerror(errno));
		return FALSE;
	}
	run.progress.total = photos + pairs;
	ctx.portfolio = o->pipeline->purpose == SMP_PURPOSE_PORTFOLIO;
	/* No secret, no portfolio: refused before anything is written. */
	if (ctx.portfolio && !(ctx.secret = smp_privacy_secret(o->pipeline, error)))
		return FALSE;
	if (o->dry_run) {
		dry_run(&run, groups);
		g_free(ctx.secret);
		return TRUE;
	}
	if (!prepare_out_dir(o->out_dir, error)) {
		g_free(ctx.secret);
		return FALSE;
	}
	sweep_temporaries(o->out_dir, 1);
	ctx.catalog_path = g_build_filename(o->out_dir, "catalog.sqlite", NULL);
	run.cat = smp_catalog_open(ctx.catalog_path, TRUE, error);
	if (!run.cat) {
		g_free(ctx.catalog_path);
		g_free(ctx.secret);
		return FALSE;
	}
	ctx.queue = g_async_queue_new();
	run_pool(&run, &ctx, groups);
	summary->elapsed_s = g_timer_elapsed(timer, NULL);
	ok = !run.fatal && write_errors(&run, &run.fatal) &&
		smp_catalog_note_run(run.cat, o->pipeline->name, o->pipeline->sha256,
			shard, summary->photos_done + summary->pairs_done,
			summary->photos_failed + summary->pairs_failed, &run.fatal);
	if (!ok)
		g_propagate_error(error, g_steal_pointer(&run.fatal));
	smp_catalog_close(run.cat);
	g_async_queue_unref(ctx.queue);
	g_free(ctx.catalog_path);
	g_free(ctx.secret);
	return ok;
}
