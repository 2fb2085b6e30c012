/* Machine-readable output: the JSON of FORMATS.md (inspect records,
 * measurements, pair sidecars), built with json-glib.
 * SPDX-License-Identifier: MIT
 */
#ifndef SMPDOC_REPORT_H
#define SMPDOC_REPORT_H

#include <glib.h>
#include <json-glib/json-glib.h>

#include "smpdoc/artist.h"
#include "smpdoc/composite.h"
#include "smpdoc/detect.h"
#include "smpdoc/measure.h"
#include "smpdoc/meta.h"
#include "smpdoc/normalise.h"
#include "smpdoc/register.h"
#include "smpdoc/photo.h"
#include "smpdoc/scale.h"

G_BEGIN_DECLS

/* What one photo contributes to a measurement object (FORMATS.md). Fields
 * that no stage has filled yet are written as null.
 */
typedef struct SmpPhotoReport {
	const char *file; /* as given by the user */
	int width, height; /* upright */
	int orientation; /* EXIF value applied, 1 when absent */
	double px_per_mm; /* <= 0: unknown (null) */
	const char *scale_source; /* sticker|manifest|pipeline|none */
	double scale_rel_uncertainty; /* <= 0: unknown (null) */
	gint64 roi_px; /* pixels in the region of interest */
	const char *roi_source; /* whole|pipeline|manifest|option; NULL: whole */
	double backdrop_fraction; /* < 0: null (not looked for, undecided) */
	const GPtrArray *warnings; /* SmpWarning list, may be NULL */
	double timing_ms[4]; /* load, normalise, detect, measure; <0 null */
	const SmpMeasurement *measurement; /* NULL: "dots" and "grid" are null */
	const SmpDot *dots; /* the dots measured, for "items" */
	gsize n_dots;
	const SmpDot *large; /* larger dark blobs (moles, scabs) */
	gsize n_large;
	gboolean items; /* write every dot (FALSE: --no-items) */
	const SmpSticker *sticker; /* NULL or not found: "sticker" is null */
	const SmpArtistMeasures *artist; /* NULL: "smp" is null */
} SmpPhotoReport;

/* The registration block of a pair sidecar. */
typedef struct SmpRegistrationReport {
	const char *method; /* "none" until registration runs */
	const char *model; /* "similarity", ... */
	double matrix[9]; /* after → before pixel coordinates, row-major */
	double score; /* 0..1; < 0 null */
	gboolean ok;
} SmpRegistrationReport;

/* A pair sidecar's own fields beside the two measurements. */
typedef struct SmpPairReport {
	SmpPhotoReport before;
	SmpPhotoReport after;
	SmpRegistrationReport registration; /* used when @reg is NULL */
	const SmpRegistration *reg; /* the registration that ran, or NULL */
	const SmpChange *change; /* NULL: every change field is null */
	const SmpNormalisation *norm[2]; /* NULL: "normalise" is null */
	const char *composite; /* file name of the composite, beside it */
	const SmpCompositeLayout *layout; /* where its panels are, or NULL */
	const char *pipeline_name; /* may be NULL */
	const char *pipeline_sha256; /* may be NULL */
} SmpPairReport;

/* Fill @r from a loaded photo with nulls for what is not measured yet. */
void smp_report_photo_init(SmpPhotoReport *r, const SmpPhoto *photo);

/* The inspect record of a photo opened but not decoded: what smpdoc reads
 * and what it would do. @stored is the header-only image.
 * Returns: (transfer full) a JSON object node.
 */
JsonNode *smp_report_inspect(const char *path, VipsImage *stored,
	const SmpMeta *meta, gint64 file_bytes);

/* A measurement object (FORMATS.md). Returns: (transfer full). */
JsonNode *smp_report_measurement(const SmpPhotoReport *r);

/* A pair sidecar object (FORMATS.md). Returns: (transfer full). */
JsonNode *smp_report_pair(const SmpPairReport *r);

/* The measurement or pair sidecar object written to @path atomically,
 * pretty-printed: the same bytes as smp_report_to_string() of
 * smp_report_measurement() / smp_report_pair(), but the dots are printed
 * straight into the file instead of first becoming a JSON tree (about
 * 1 KiB of memory per dot).
 */
gboolean smp_report_measurement_write(
	const SmpPhotoReport *r, const char *path, GError **error);
gboolean smp_report_pair_write(
	const SmpPairReport *r, const char *path, GError **error);

/* Serialise @node (pretty-printed when @pretty) with a final newline.
 * Returns: (transfer full) the text.
 */
char *smp_report_to_string(JsonNode *node, gboolean pretty);

/* Human descriptions of the steps smpdoc applies to make a photo upright
 * for EXIF @orientation ("rotate 90° clockwise", ...).
 */
const char *smp_report_orientation_action(int orientation);

G_END_DECLS

#endif /* SMPDOC_REPORT_H */
