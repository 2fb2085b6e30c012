/* Batch processing of a photo archive: groups of one client's view run on
 * a pool of workers, outputs written atomically, every result recorded in
 * the catalogue, --resume skipping what is complete, --shard K/N taking a
 * deterministic share of the clients.
 * SPDX-License-Identifier: MIT
 */
#ifndef SMPDOC_BATCH_H
#define SMPDOC_BATCH_H

#include <glib.h>

#include "smpdoc/composite.h"
#include "smpdoc/photo.h"
#include "smpdoc/pipeline.h"

G_BEGIN_DECLS

/* Counts as the run goes; passed to the progress callback. */
typedef struct SmpBatchProgress {
	int total; /* photos + pairs in this shard */
	int done; /* completed now */
	int skipped; /* already complete (--resume) */
	int failed; /* failed now */
	double elapsed_s;
} SmpBatchProgress;

typedef struct SmpBatchOptions {
	const char *input; /* manifest CSV or archive folder */
	const char *out_dir; /* created when missing */
	const SmpPipeline *pipeline;
	const SmpCompositeParams *composite; /* NULL: the pipeline's */
	SmpLoadLimits limits;
	int jobs; /* worker threads, >= 1 */
	guint shard_k, shard_n; /* this run takes clients with
	                              * shard_of(client, n) == k; n = 1: all */
	gboolean resume; /* skip work the catalogue has done */
	gboolean dry_run; /* list the work, write nothing */
	/* Called on the calling thread: each failure or dry-run line, and the
	 * progress after every result. Either may be NULL.
	 */
	void (*log)(const char *line, gpointer data);
	void (*progress)(const SmpBatchProgress *p, gpointer data);
	gpointer data;
} SmpBatchOptions;

/* What a run did (or, for a dry run, would do). */
typedef struct SmpBatchSummary {
	int photos_done, photos_failed, photos_skipped;
	int pairs_done, pairs_failed, pairs_skipped;
	int pairs_not_aligned; /* done, but registration did not confirm them */
	int photos_refused; /* by the consent gate: not opened, nothing written */
	int pairs_refused; /* by the consent or mismatch gate (not failures) */
	int pairs_withdrawn; /* earlier portfolio outputs removed: consent gone */
	double elapsed_s;
} SmpBatchSummary;

/* Run the batch. Per-photo and per-pair failures are counted in @summary,
 * recorded in the catalogue and OUTDIR/errors.csv, and do not stop the
 * run. Returns FALSE with @error only when the run as a whole cannot go
 * on (bad manifest, output folder or catalogue unusable, disk full).
 */
gboolean smp_batch_run(
	const SmpBatchOptions *o, SmpBatchSummary *summary, GError **error);

G_END_DECLS

#endif /* SMPDOC_BATCH_H */
