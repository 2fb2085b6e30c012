/* Provenance of a portfolio composite: what it was made from and how
 * (FORMATS.md "Provenance record"), and the check that recomputes it from
 * the originals (`smpdoc verify`).
 * SPDX-License-Identifier: MIT
 */
#ifndef SMPDOC_PROVENANCE_H
#define SMPDOC_PROVENANCE_H

#include <glib.h>
#include <json-glib/json-glib.h>

#include "smpdoc/pair.h"
#include "smpdoc/register.h"

G_BEGIN_DECLS

/* The "format" member of every record. */
#define SMP_PROVENANCE_FORMAT "smpdoc-provenance/1"
/* A composite's record is COMPOSITE_STEM + this suffix, beside it. */
#define SMP_PROVENANCE_SUFFIX ".provenance.json"

/* SHA-256 of a file's bytes, streamed. Returns: (transfer full) hex, or
 * NULL with @error (SMP_ERROR_IO naming the file).
 */
char *smp_file_sha256(const char *path, GError **error);

/* The record for the composite @composite_name written from @spec with
 * the registration @reg (may be NULL) and the ROI crop @roi (x, y, w, h in
 * the before photo's pixels; NULL when none). Hashes both originals.
 * Returns: (transfer full) the JSON object, or NULL with @error.
 */
JsonNode *smp_provenance_build(const SmpPairSpec *spec,
	const SmpRegistration *reg, const int *roi, const char *composite_name,
	GError **error);

/* What `smpdoc verify` found. */
typedef struct SmpVerifyResult {
	gboolean match; /* TRUE: the recomputed pixels equal the composite's */
	char *reason; /* why not, for people; NULL on a match */
} SmpVerifyResult;

/* Recompute @composite from its record (COMPOSITE's stem +
 * SMP_PROVENANCE_SUFFIX) and the originals found (by SHA-256) under
 * @originals_dir, and compare decoded pixels exactly. Returns: FALSE with
 * @error when the check cannot be made (no record, originals missing,
 * unreadable files); TRUE with @result otherwise.
 */
gboolean smp_provenance_verify(const char *composite, const char *originals_dir,
	SmpVerifyResult *result, GError **error);

void smp_verify_result_clear(SmpVerifyResult *r);

G_END_DECLS

#endif /* SMPDOC_PROVENANCE_H */
