/* The results catalogue: SQLite at OUTDIR/catalog.sqlite, one row per photo
 * and per pair, keyed by the inputs' content hashes and the pipeline's
 * hash, so that --resume knows what is complete and shards can be merged.
 * SPDX-License-Identifier: MIT
 */
#ifndef SMPDOC_CATALOG_H
#define SMPDOC_CATALOG_H

#include <glib.h>

G_BEGIN_DECLS

typedef struct SmpCatalog SmpCatalog;

typedef enum { SMP_ROW_ABSENT = 0, SMP_ROW_DONE, SMP_ROW_FAILED } SmpRowStatus;

/* One photo's row. Strings may be NULL; NaN numbers are stored NULL. */
typedef struct SmpPhotoRecord {
	const char *key; /* content_sha256 ":" pipeline_sha256 */
	const char *content_sha256;
	const char *pipeline_sha256;
	const char *source; /* path as in the manifest */
	const char *client;
	int session;
	const char *view;
	const char *taken;
	const char *consent;
	gboolean ok; /* FALSE: failed, see error */
	gboolean refused; /* with ok FALSE: refused (consent), not failed */
	const char *error;
	const char *output; /* measurement JSON, relative to OUTDIR */
	int width, height;
	double px_per_mm;
	const char *scale_source;
	gint64 dot_count;
	double per_cm2, per_cm2_lo, per_cm2_hi, per_mpx, coverage;
	double nn_mean_mm, clark_evans;
	double elapsed_ms;
} SmpPhotoRecord;

/* One pair's row. */
typedef struct SmpPairRecord {
	const char *key; /* before key "|" after key */
	const char *before_key;
	const char *after_key;
	const char *pipeline_sha256;
	const char *client;
	const char *view;
	int session_before, session_after;
	gboolean ok;
	gboolean refused; /* with ok FALSE: refused (consent or mismatch gate:
	                   * status "refused"), not failed */
	const char *error;
	const char *composite; /* relative to OUTDIR */
	const char *sidecar;
	gboolean aligned;
	double per_cm2_before, per_cm2_after, per_cm2_change, per_cm2_pct;
	double coverage_change;
	gint64 new_dots, persisting_dots; /* < 0: unknown */
	double elapsed_ms;
} SmpPairRecord;

/* One line of a client's timeline. */
typedef struct SmpTimelineRow {
	char *view;
	int session;
	char *taken;
	gint64 dot_count;
	double per_cm2, per_cm2_lo, per_cm2_hi, per_mpx, coverage;
} SmpTimelineRow;

/* Open (creating when @create) the catalogue at @path, WAL mode. Only one
 * writer per catalogue: the batch's main thread.
 */
SmpCatalog *smp_catalog_open(const char *path, gboolean create, GError **error);
void smp_catalog_close(SmpCatalog *c);

gboolean smp_catalog_begin(SmpCatalog *c, GError **error);
gboolean smp_catalog_commit(SmpCatalog *c, GError **error);

gboolean smp_catalog_put_photo(
	SmpCatalog *c, const SmpPhotoRecord *r, GError **error);
gboolean smp_catalog_put_pair(
	SmpCatalog *c, const SmpPairRecord *r, GError **error);

/* Status of the row @key in "photos" or "pairs". */
SmpRowStatus smp_catalog_photo_status(SmpCatalog *c, const char *key);
SmpRowStatus smp_catalog_pair_status(SmpCatalog *c, const char *key);

/* Record that a run started or ended (for people reading the catalogue). */
gboolean smp_catalog_note_run(SmpCatalog *c, const char *pipeline_name,
	const char *pipeline_sha256, const char *shard, int done, int failed,
	GError **error);

/* The provenance record (JSON text) of portfolio composite @composite
 * (relative to OUTDIR) for @client (a pseudonym).
 */
gboolean smp_catalog_put_provenance(SmpCatalog *c, const char *composite,
	const char *client, const char *record, GError **error);

/* Paths (relative to OUTDIR) of the portfolio outputs recorded as done
 * for this client, view and sessions. Returns: (transfer full) char *
 * array, or NULL with @error.
 */
GPtrArray *smp_catalog_portfolio_outputs(SmpCatalog *c, const char *client,
	const char *view, int session_before, int session_after, GError **error);

/* Record that those outputs were removed after consent was withdrawn:
 * a "withdrawals" row (UTC time, client, view, sessions, @files joined by
 * '\n'), their pair rows marked "withdrawn", their provenance dropped.
 */
gboolean smp_catalog_note_withdrawal(SmpCatalog *c, const char *client,
	const char *view, int session_before, int session_after, const char *files,
	GError **error);

/* Copy every photo and pair row of the catalogue at @src into @c. */
gboolean smp_catalog_merge(SmpCatalog *c, const char *src, GError **error);

/* errors.csv: "source,stage,reason" for every failed photo and pair, in
 * a stable order, with CSV quoting.
 */
char *smp_catalog_errors_csv(SmpCatalog *c, GError **error);

/* Counts of done and failed photos and pairs. */
void smp_catalog_counts(SmpCatalog *c, int *photos_done, int *photos_failed,
	int *pairs_done, int *pairs_failed);

/* Density and coverage of @client's photos by view and session.
 * Returns: (transfer full) SmpTimelineRow array, or NULL with @error.
 */
GPtrArray *smp_catalog_timeline(
	SmpCatalog *c, const char *client, GError **error);

G_END_DECLS

#endif /* SMPDOC_CATALOG_H */
