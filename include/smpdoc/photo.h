/* Loading photos safely, making them upright, and writing files atomically.
 * SPDX-License-Identifier: MIT
 */
#ifndef SMPDOC_PHOTO_H
#define SMPDOC_PHOTO_H

#include <glib.h>
#include <vips/vips.h>

G_BEGIN_DECLS

/* Default limits, checked on the file and the header before any decoding. */
#define SMP_MAX_PIXELS_DEFAULT ((guint64) 100 * 1000 * 1000)
#define SMP_MAX_FILE_BYTES_DEFAULT ((guint64) 256 << 20)

typedef struct SmpLoadLimits {
	guint64 max_pixels; /* width × height of the stored image */
	guint64 max_file_bytes; /* size of the file on disk */
	double timeout_s; /* time budget per file (budget.h); <= 0: none */
} SmpLoadLimits;

typedef struct SmpMeta SmpMeta;

/* A loaded photo. The image is upright (EXIF orientation applied, its
 * orientation field removed), 8-bit sRGB with three bands, and decoded to
 * memory, so decoding errors have already surfaced as load errors.
 */
typedef struct SmpPhoto {
	char *path; /* as given by the caller */
	VipsImage *image; /* (owned) upright sRGB uchar, 3 bands */
	SmpMeta *meta; /* (owned) metadata read from the file */
	char *loader; /* libvips loader nickname, e.g. "jpegload" */
	int stored_width; /* before orientation */
	int stored_height;
	gint64 file_bytes;
} SmpPhoto;

/* Fill @limits with the defaults above. */
void smp_load_limits_default(SmpLoadLimits *limits);

/* Once per process, after VIPS_INIT: block libvips loaders marked
 * untrusted (ImageMagick, PDF, SVG, ...) and keep the operation cache
 * small, since a batch never reopens a file.
 */
void smp_photo_startup(void);

/* Open @path lazily after checking that it is a regular file within
 * @limits, that a trusted loader recognises it and that its header's
 * pixel count is within @limits. Nothing is decoded yet.
 *
 * Returns: (transfer full) the image, or NULL with @error set.
 */
VipsImage *smp_photo_open(
	const char *path, const SmpLoadLimits *limits, GError **error);

/* Make @in upright for EXIF @orientation (1..8; anything else is taken
 * as 1). The result carries no orientation field.
 *
 * Returns: (transfer full) the upright image, or NULL with @error set.
 */
VipsImage *smp_photo_orient(
	VipsImage *in, int orientation, const char *path, GError **error);

/* Convert @in to 8-bit sRGB with three bands (alpha flattened on white,
 * grey expanded, 16-bit scaled down, CMYK through its profile) and render
 * it to memory. Give it pixels already decoded (smp_photo_load() does):
 * libvips' threaded sinks do not report every loader failure.
 *
 * Returns: (transfer full) the decoded image, or NULL with @error set.
 */
VipsImage *smp_photo_decode(VipsImage *in, const char *path, GError **error);

/* @photo's upright sRGB pixels again, lazily from its file (same checks,
 * orientation and conversion as smp_photo_load()), for callers that drop
 * the decoded copy to save memory: nothing is decoded until pixels are
 * asked for, and libvips then decodes the file once, whole.
 *
 * Returns: (transfer full) the image, or NULL with @error set (also when
 * the file's size changed since it was loaded).
 */
VipsImage *smp_photo_reopen(const SmpPhoto *photo, GError **error);

/* The same, for one pass from top to bottom: decoded strip by strip as
 * the pixels are consumed (sequential access), so that nothing full-size
 * is held, when the photo's orientation keeps the stored rows in order;
 * a turned photo is decoded whole for the pass. Read it once and drop it.
 * Returns: (transfer full) the image, or NULL with @error set.
 */
VipsImage *smp_photo_stream(const SmpPhoto *photo, GError **error);

/* Open, read metadata, decode (in the calling thread, so that every
 * truncation or corruption fails the load), orient and convert @path.
 *
 * Returns: (transfer full) the photo, or NULL with @error set; free with
 * smp_photo_free().
 */
SmpPhoto *smp_photo_load(
	const char *path, const SmpLoadLimits *limits, GError **error);

void smp_photo_free(SmpPhoto *photo);

/* Write @image to @path atomically: a temporary file in the same folder,
 * flushed, then renamed over @path. @path's suffix picks the format, and
 * libvips save options may follow in brackets ("x.jpg[Q=90,strip]").
 */
gboolean smp_photo_save_atomic(
	VipsImage *image, const char *path, GError **error);

/* Write @len bytes of @data to @path atomically: a hidden temporary file
 * ".NAME.XXXXXX" in the same folder, flushed, renamed over @path, and the
 * folder flushed. ENOSPC gives SMP_ERROR_TRANSIENT.
 */
gboolean smp_file_write_atomic(
	const char *path, const char *data, gsize len, GError **error);

/* The same written piece by piece through a buffer: open, write, then
 * commit (flush, fsync, rename, flush the folder) or abort (remove the
 * temporary). Either frees @f. The first write error is kept and
 * returned by the commit; smp_atomic_file_write() returns FALSE once
 * there is one.
 */
typedef struct SmpAtomicFile SmpAtomicFile;

SmpAtomicFile *smp_atomic_file_open(const char *path, GError **error);
gboolean smp_atomic_file_write(SmpAtomicFile *f, const char *data, gsize len);
gboolean smp_atomic_file_commit(SmpAtomicFile *f, GError **error);
void smp_atomic_file_abort(SmpAtomicFile *f);

/* TRUE for the name of a temporary file left by a killed atomic write
 * (".NAME.XXXXXX" or ".NAME.XXXXXX.ext").
 */
gboolean smp_photo_is_temp_name(const char *name);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(SmpPhoto, smp_photo_free)

/* libvips 8.14 declares no autoptr cleanup for its images; this is the one
 * definition in smpdoc (include photo.h to use g_autoptr(VipsImage)).
 */
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VipsImage, g_object_unref)

G_END_DECLS

#endif /* SMPDOC_PHOTO_H */
