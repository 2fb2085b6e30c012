/* Batch input: a manifest CSV or an archive folder read into one sorted,
 * validated list of photos, with pairs, groups and shard assignment.
 * SPDX-License-Identifier: MIT
 */
#ifndef SMPDOC_MANIFEST_H
#define SMPDOC_MANIFEST_H

#include <glib.h>

G_BEGIN_DECLS

/* Manifests above this size are refused before parsing (SMP_ERROR_LIMIT). */
#define SMP_MANIFEST_MAX_BYTES ((gsize) 256 << 20)
/* More photos than this, from a manifest or a folder: SMP_ERROR_LIMIT. */
#define SMP_MANIFEST_MAX_ROWS 10000000
/* Bytes per CSV field, after unquoting (SMP_ERROR_CONFIG). */
#define SMP_MANIFEST_MAX_FIELD 4096
/* Fields in the header line (SMP_ERROR_CONFIG); also bounds every row. */
#define SMP_MANIFEST_MAX_COLUMNS 256
/* Sessions are numbered 0..SMP_MANIFEST_MAX_SESSION. */
#define SMP_MANIFEST_MAX_SESSION 999
/* Longest name smp_manifest_safe_name() returns, in bytes. */
#define SMP_MANIFEST_SAFE_NAME_MAX 128

typedef enum {
	SMP_CONSENT_NONE,
	SMP_CONSENT_CLINICAL,
	SMP_CONSENT_MARKETING
} SmpConsent;

/* One photo. Strings are owned by the entry (and so by the manifest). */
typedef struct SmpEntry {
	char *client; /* the clinic's identifier, as written */
	int session; /* 0 = before; 0..SMP_MANIFEST_MAX_SESSION */
	char *taken; /* ISO 8601 date from the manifest, or NULL */
	char *view; /* free word: top, crown, hairline, ... */
	char *rel_path; /* as written, relative to the root */
	char *path; /* root + rel_path, ready to open */
	double px_per_mm; /* <= 0: not given */
	SmpConsent consent;
	char *roi; /* region of interest (roi.h): a polygon, or a mask's
	                    * path joined to the root; NULL: the pipeline's */
	int hairline; /* SmpSide (artist.h) of the bare skin; -1: not given */
	int line; /* manifest line (1-based), 0 for directory input */
} SmpEntry;

typedef struct SmpManifest {
	char *source; /* the manifest file or the archive folder */
	char *root; /* folder paths are relative to */
	GPtrArray *entries; /* SmpEntry, owned, sorted by client, view, session,
	                     * rel_path (byte order, not locale) */
	GPtrArray *ignored; /* char *, owned, sorted: what a folder scan skipped
	                     * (symlinks, wrong depth, non-integer session
	                     * folders, other extensions, unusable names), as
	                     * root-joined paths; dot-names are skipped without
	                     * being listed. Always empty for a CSV. */
} SmpManifest;

/* A before/after pair: pointers into the manifest, valid while it lives. */
typedef struct SmpPairRef {
	const SmpEntry *before, *after;
} SmpPairRef;

/* The photos of one (client, view), sessions ascending. @client, @view and
 * the entries point into the manifest and stay valid while it lives.
 */
typedef struct SmpGroup {
	const char *client;
	const char *view;
	GPtrArray *entries; /* const SmpEntry *, not owned */
} SmpGroup;

/* Read the manifest CSV at @csv_path (FORMATS.md "Manifest CSV").
 *
 * A header line is required; columns come in any order, matched without
 * regard to ASCII case; unknown columns are ignored. Required: client,
 * session, view, path; optional: taken, px_per_mm, consent, roi,
 * hairline (none, top, bottom, left or right; empty: the pipeline's). A
 * UTF-8 BOM, CRLF line ends, blank lines and quoted fields (with commas, quotes and
 * newlines) are accepted; rows of empty fields only (",,,") are skipped.
 * Every other row has as many fields as the header. consent is exactly
 * none (or empty), clinical or marketing. Paths are relative to the
 * manifest's folder; the check is lexical (symlinks are not resolved
 * here).
 *
 * Any bad row fails the whole manifest: the message is the first problem
 * in file order, "MANIFEST:LINE: reason" (LINE is where the row starts),
 * followed by how many further rows are bad, so that a user can fix the
 * file in one pass. Structure errors (no header, missing or repeated
 * columns, malformed quoting, a NUL byte, a field over
 * SMP_MANIFEST_MAX_FIELD) stop reading at once.
 *
 * Returns: (transfer full) the manifest, or NULL with @error set:
 * SMP_ERROR_IO (cannot read), SMP_ERROR_LIMIT (over
 * SMP_MANIFEST_MAX_BYTES or SMP_MANIFEST_MAX_ROWS), SMP_ERROR_CONFIG
 * (anything wrong with the content).
 */
SmpManifest *smp_manifest_load(const char *csv_path, GError **error);

/* Parse manifest text @data of @len bytes as smp_manifest_load() does;
 * @name names it in messages and becomes @source, paths are joined to
 * @root. For tests and fuzzing.
 */
SmpManifest *smp_manifest_parse(const char *data, gsize len, const char *name,
	const char *root, GError **error);

/* Read the archive folder @archive_dir, laid out as
 * ARCHIVE/<client>/<session>/<view>.<ext>.
 *
 * Only regular files at exactly that depth with extension jpg, jpeg, png,
 * tif, tiff, webp, heic or heif (any case) become entries; session folder
 * names must be integers 0..SMP_MANIFEST_MAX_SESSION (leading zeros
 * allowed). Names starting with '.' are skipped silently, as exiftool -r
 * does. Symlinks below @archive_dir are never followed (lstat, O_NOFOLLOW)
 * and, like every other skipped name, are listed in @ignored. Client and
 * view names with control characters or invalid UTF-8 are ignored too.
 * The order of the result does not depend on readdir().
 *
 * Returns: (transfer full) the manifest, or NULL with @error set:
 * SMP_ERROR_IO (a folder cannot be read), SMP_ERROR_LIMIT (more than
 * SMP_MANIFEST_MAX_ROWS names), SMP_ERROR_CONFIG (two files give the same
 * client, session and view, e.g. top.jpg and top.png, or folders 1 and 01).
 */
SmpManifest *smp_manifest_scan(const char *archive_dir, GError **error);

/* FALSE, with @error naming the file, when @e's photo or ROI mask resolves
 * (through a symlink to it or to a folder on its way) to a file outside
 * @root_real, the manifest's folder as realpath() gives it. A missing file
 * passes: loading it says so.
 */
gboolean smp_manifest_entry_inside(
	const SmpEntry *e, const char *root_real, GError **error);

/* smp_manifest_scan() when @path is a folder (symlinks followed for @path
 * itself), else smp_manifest_load().
 */
SmpManifest *smp_manifest_open(const char *path, GError **error);

/* Returns: (transfer full) one SmpGroup per (client, view), in manifest
 * order; free with g_ptr_array_unref(). Valid while @m lives.
 */
GPtrArray *smp_manifest_groups(const SmpManifest *m);

/* Returns: (transfer full) SmpPairRef per (client, view): session 0 with
 * every later session, in manifest order; a group without session 0 gives
 * none. Free with g_ptr_array_unref(). Valid while @m lives.
 */
GPtrArray *smp_manifest_pairs(const SmpManifest *m);

/* The shard (0..@n-1) of @client: SHA-256 of its bytes, the first 8 bytes
 * read big-endian, modulo @n. Stable across runs, machines and versions,
 * so a client's pairs always land in one shard. @n must be >= 1.
 */
guint smp_manifest_shard_of(const char *client, guint n);

/* Parse "K/N" (decimal digits only, 0 <= K < N, 1 <= N <= G_MAXINT) into
 * @k and @n, 0-based like SLURM_ARRAY_TASK_ID and JOB_COMPLETION_INDEX.
 * Returns: TRUE on success; FALSE with @error (SMP_ERROR_USAGE), @k and @n
 * untouched.
 */
gboolean smp_shard_parse(const char *text, guint *k, guint *n, GError **error);

/* "none", "clinical" or "marketing" (static string). */
const char *smp_consent_name(SmpConsent c);

/* A file name made from @s (a client or view): every byte outside
 * [A-Za-z0-9._-] becomes '_', a leading '.' becomes '_' (so never "", ".",
 * ".." or a hidden file), and names longer than
 * SMP_MANIFEST_SAFE_NAME_MAX are cut and end in '-' and 16 hex digits of
 * @s's SHA-256. Not injective ("a b" and "a_b" collide): callers that
 * need uniqueness must check. Returns: (transfer full) the name.
 */
char *smp_manifest_safe_name(const char *s);

/* Free @m and everything it owns; NULL is fine. */
void smp_manifest_free(SmpManifest *m);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(SmpManifest, smp_manifest_free)

G_END_DECLS

#endif /* SMPDOC_MANIFEST_H */
