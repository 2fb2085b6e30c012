/* One before/after pair written out: the composite and its sidecar JSON,
 * from photos already loaded and analysed. Shared by `smpdoc pair` and
 * the batch runner.
 * SPDX-License-Identifier: MIT
 */
#ifndef SMPDOC_PAIR_H
#define SMPDOC_PAIR_H

#include <glib.h>

#include "smpdoc/analysis.h"
#include "smpdoc/composite.h"
#include "smpdoc/measure.h"
#include "smpdoc/photo.h"
#include "smpdoc/pipeline.h"

G_BEGIN_DECLS

typedef struct SmpPairSpec {
	const SmpPhoto *photo[2]; /* before, after (transfer none) */
	const SmpAnalysis *analysis[2]; /* their measurements */
	int session[2]; /* session numbers, 0 = before */
	const char *view; /* may be NULL */
	const char *taken[2]; /* dates for the labels, or NULL to
	                                 * use EXIF DateTimeOriginal */
	const SmpPipeline *pipeline;
	int long_edge_px; /* 0: the pipeline's */
	int jpeg_quality; /* 0: the pipeline's */
	gboolean timing; /* FALSE: timings written null, so
	                                 * reruns give identical bytes */
	const char *const *inputs; /* paths never to overwrite, NULL-ended */
	const char *file[2]; /* names written as "file" in the
	                                 * sidecar (manifest paths), or NULL
	                                 * for the photos' paths */
	const SmpCompositeParams *composite; /* layout, annotations, format,
	                                 * or NULL for the pipeline's */
	gboolean as_shot; /* show the photos as taken, not
	                                 * normalised */
	const double *landmarks; /* before_x, before_y, after_x, after_y
	                                 * per point: override registration */
	int n_landmarks;
} SmpPairSpec;

typedef struct SmpPairResult {
	char *composite; /* path written */
	char *sidecar; /* path written */
	SmpChange change; /* before → after */
	gboolean aligned; /* registration confirmed the match and the
	                   * composite shows the aligned overlap */
	char *refused; /* portfolio: why the pair was refused (mismatch
	                * gate); nothing was written. NULL otherwise */
} SmpPairResult;

/* The composite of a pair as smp_pair_write() draws it with @params
 * (after registration, growth and tone match): aligned on the overlap
 * when @reg is ok, else both photos whole under a NOT ALIGNED banner.
 * The panels are read again from the photos' files in one pass each and
 * made at the panel's size (the after photo warped at that scale), so
 * no full-size copy is held. @aligned, @layout and @roi (the overlap in
 * the before photo when aligned) are filled in.
 * Returns: (transfer full) the composite (lazy: save it to draw it), or
 * NULL with @error set.
 */
VipsImage *smp_pair_composite(const SmpPairSpec *spec, const SmpChange *change,
	const SmpRegistration *reg, const SmpCompositeParams *params,
	gboolean *aligned, SmpCompositeLayout *layout, int roi[4], GError **error);

/* The composite parameters of @pl's [composite] group (layout,
 * annotations, watermark, format, quality, size), for callers to override
 * with their command-line options.
 */
void smp_pair_composite_params(const SmpPipeline *pl, SmpCompositeParams *cp);

/* Write @dir/@stem.EXT (EXT after the composite's format: jpg, png, webp)
 * and @dir/@stem.json for @spec, each atomically.
 * When both photos were normalised, the after photo's tone is first
 * matched to the before photo's (its normalisation changes).
 * Refuses (SMP_ERROR_USAGE) to write over one of spec->inputs.
 *
 * A portfolio pipeline writes @dir/@stem.provenance.json instead of the
 * sidecar, and when the pair fails its mismatch gate writes nothing and
 * returns TRUE with result->refused set. A clinical pipeline adds the
 * `pair_mismatch` warning instead. The composite's metadata follows the
 * pipeline's [output] keys (privacy.h) and is checked after writing.
 */
gboolean smp_pair_write(const SmpPairSpec *spec, const char *dir,
	const char *stem, SmpPairResult *result, GError **error);

void smp_pair_result_clear(SmpPairResult *result);

G_END_DECLS

#endif /* SMPDOC_PAIR_H */
