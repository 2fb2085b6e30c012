/* Safe photo loading (limits before decoding), orientation, conversion to
 * 8-bit sRGB, and atomic writes.
 * SPDX-License-Identifier: MIT
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <glib.h>
#include <glib/gstdio.h>
#include <vips/vips.h>

#include "smpdoc/budget.h"
#include "smpdoc/error.h"
#include "smpdoc/meta.h"
#include "smpdoc/photo.h"

void
smp_load_limits_default(SmpLoadLimits *limits)
{
	limits->max_pixels = SMP_MAX_PIXELS_DEFAULT;
	limits->max_file_bytes = SMP_MAX_FILE_BYTES_DEFAULT;
	limits->timeout_s = SMP_TIMEOUT_PER_FILE_DEFAULT;
}

/* The last libvips warning of this thread. Some loaders (libpng through
 * libvips) only warn about what is wrong with a file and then fail with
 * an empty error buffer; this keeps the reason for the error message.
 */
static GPrivate last_warning = G_PRIVATE_INIT(g_free);

/* libvips logs decoder complaints ("error in tile ...") as warnings on
 * stderr; the error that matters reaches the user through GError, so keep
 * them for G_MESSAGES_DEBUG=VIPS only.
 */
static void
on_vips_warning(const char *domain, GLogLevelFlags level, const char *message,
	gpointer data)
{
	const char *debug = g_getenv("G_MESSAGES_DEBUG");

	(void) level;
	(void) data;
	g_private_replace(&last_warning, g_strdup(message));
	if (debug && (strstr(debug, "VIPS") || strcmp(debug, "all") == 0))
		fprintf(stderr, "%s: %s\n", domain, message);
}

/* A load failure of @path, with the libvips error or, when libvips left
 * none, the last warning of @loader.
 */
static void
load_error(GError **error, const char *path, const char *loader)
{
	const char *warning = g_private_get(&last_warning);

	if (!*vips_error_buffer())
		vips_error(
			loader, "%s", warning ? warning : "the decoder rejected the file");
	smp_error_from_vips(error, SMP_ERROR_CORRUPT, path, "load");
}

void
smp_photo_startup(void)
{
	g_log_set_handler("VIPS", G_LOG_LEVEL_WARNING, on_vips_warning, NULL);
	/* ImageMagick, PDF, SVG, JPEG 2000, ... delegates are attack surface
	 * that clinic photos never need.
	 */
	vips_block_untrusted_set(TRUE);
	/* A batch never opens a file twice; the cache would only hold memory. */
	vips_cache_set_max(0);
}

/* The cheap checks first: it exists, is a regular file, not empty, not
 * over the byte limit.
 */
static gboolean
check_file(const char *path, const SmpLoadLimits *limits, gint64 *bytes,
	GError **error)
{
	GStatBuf st;

	if (g_stat(path, &st) != 0) {
		int e = errno;

		g_set_error(error, SMP_ERROR, SMP_ERROR_IO, "%s: load: %s", path,
			g_strerror(e));
		return FALSE;
	}
	if (S_ISDIR(st.st_mode)) {
		g_set_error(error, SMP_ERROR, SMP_ERROR_IO,
			"%s: load: is a directory, not a photo", path);
		return FALSE;
	}
	if (!S_ISREG(st.st_mode)) {
		g_set_error(error, SMP_ERROR, SMP_ERROR_IO,
			"%s: load: not a regular file", path);
		return FALSE;
	}
	if (st.st_size == 0) {
		g_set_error(
			error, SMP_ERROR, SMP_ERROR_CORRUPT, "%s: load: empty file", path);
		return FALSE;
	}
	if ((guint64) st.st_size > limits->max_file_bytes) {
		g_set_error(error, SMP_ERROR, SMP_ERROR_LIMIT,
			"%s: load: file is %.1f MiB, over the %.1f MiB limit "
			"(--max-file-mb)",
			path, st.st_size / 1048576.0, limits->max_file_bytes / 1048576.0);
		return FALSE;
	}
	*bytes = st.st_size;
	return TRUE;
}

/* Does @path start like a JPEG, PNG, TIFF, WebP, GIF or HEIF file? */
static gboolean
known_signature(const char *path)
{
	static const char *const heif_brands[] = {
		"heic", "heix", "heim", "heis", "hevc", "hevx", "mif1", "msf1"};
	unsigned char h[12] = {0};
	FILE *f = fopen(path, "rb");
	size_t n = f ? fread(h, 1, sizeof(h), f) : 0;

	if (f)
		fclose(f);
	if (n >= 3 && memcmp(h, "\xff\xd8\xff", 3) == 0)
		return TRUE;
	if (n >= 8 && memcmp(h, "\x89PNG\r\n\x1a\n", 8) == 0)
		return TRUE;
	if (n >= 4 && (memcmp(h, "II*\0", 4) == 0 || memcmp(h, "MM\0*", 4) == 0))
		return TRUE;
	if (n >= 12 && memcmp(h, "RIFF", 4) == 0 && memcmp(h + 8, "WEBP", 4) == 0)
		return TRUE;
	if (n >= 6 && (memcmp(h, "GIF87a", 6) == 0 || memcmp(h, "GIF89a", 6) == 0))
		return TRUE;
	if (n >= 12 && memcmp(h + 4, "ftyp", 4) == 0)
		for (size_t i = 0; i < G_N_ELEMENTS(heif_brands); i++)
			if (memcmp(h + 8, heif_brands[i], 4) == 0)
				return TRUE;
	return FALSE;
}

static VipsImage *open_access(const char *path, const SmpLoadLimits *limits,
	VipsAccess access, GError **error);

VipsImage *
smp_photo_open(const char *path, const SmpLoadLimits *limits, GError **error)
{
	return open_access(path, limits, VIPS_ACCESS_RANDOM, error);
}

static VipsImage *
open_access(const char *path, const SmpLoadLimits *limits, VipsAccess access,
	GError **error)
{
	SmpLoadLimits defaults;
	const char *loader;
	VipsImage *image;
	guint64 pixels;
	gint64 bytes;

	if (!limits) {
		smp_load_limits_default(&defaults);
		limits = &defaults;
	}
	if (!check_file(path, limits, &bytes, error))
		return NULL;

	/* Sniffs the content, not the suffix. libvips asks every loader,
	 * blocked ones too (ImageMagick's sniffer runs even when its loader
	 * is blocked), so only the signatures of photo formats get that far.
	 */
	loader = known_signature(path) ? vips_foreign_find_load(path) : NULL;
	if (!loader) {
		smp_vips_error_clear();
		g_set_error(error, SMP_ERROR, SMP_ERROR_UNSUPPORTED,
			"%s: load: not an image in a supported format "
			"(JPEG, PNG, TIFF, WebP, HEIC, GIF)",
			path);
		return NULL;
	}

	/* Header only: nothing is decoded until pixels are asked for. A
	 * truncated or corrupt body must fail, not come out grey: libvips
	 * treats a bad PNG CRC or "corrupt JPEG data" as a warning and fills
	 * in, so stop on warnings too. Every valid photo in the test
	 * collections decodes cleanly at this level.
	 */
	g_private_replace(&last_warning, NULL);
	smp_vips_errors_lock();
	image = vips_image_new_from_file(
		path, "fail_on", VIPS_FAIL_ON_WARNING, "access", access, NULL);
	if (!image)
		load_error(error, path, loader);
	smp_vips_errors_unlock();
	if (!image)
		return NULL;
	pixels = (guint64) image->Xsize * (guint64) image->Ysize;
	if (pixels > limits->max_pixels) {
		g_set_error(error, SMP_ERROR, SMP_ERROR_LIMIT,
			"%s: load: %dx%d is %.1f megapixels, over the %.1f megapixel "
			"limit (--max-megapixels)",
			path, image->Xsize, image->Ysize, pixels / 1e6,
			limits->max_pixels / 1e6);
		g_object_unref(image);
		return NULL;
	}
	return image;
}

VipsImage *
smp_photo_orient(
	VipsImage *in, int orientation, const char *path, GError **error)
{
	VipsImage *tagged;
	VipsImage *out;

	/* vips_autorot reads the orientation field; setting it on a copy makes
	 * the value smpdoc decided on (meta.c) the one applied.
	 */
	if (orientation < 1 || orientation > 8)
		orientation = 1;
	if (vips_copy(in, &tagged, NULL)) {
		smp_error_from_vips(error, SMP_ERROR_INTERNAL, path, "orient");
		return NULL;
	}
	vips_image_set_int(tagged, VIPS_META_ORIENTATION, orientation);
	if (vips_autorot(tagged, &out, NULL)) {
		g_object_unref(tagged);
		smp_error_from_vips(error, SMP_ERROR_CORRUPT, path, "orient");
		return NULL;
	}
	g_object_unref(tagged);
	/* autorot removes the field; make sure no copy of it survives. */
	vips_image_remove(out, VIPS_META_ORIENTATION);
	return out;
}

/* To sRGB with the embedded profile when there is one (Adobe RGB, CMYK),
 * else by the interpretation libvips guessed.
 */
static int
to_srgb(VipsImage *in, VipsImage **out)
{
	if (vips_image_get_typeof(in, VIPS_META_ICC_NAME) &&
		(in->Type == VIPS_INTERPRETATION_CMYK ||
			in->Type == VIPS_INTERPRETATION_sRGB ||
			in->Type == VIPS_INTERPRETATION_RGB16)) {
		if (!vips_icc_transform(in, out, "srgb", "embedded", TRUE, "intent",
				VIPS_INTENT_RELATIVE, "depth", 8, NULL))
			return 0;
		/* A broken profile is not worth losing the photo over. */
		smp_vips_error_clear();
	}
	return vips_colourspace(in, out, VIPS_INTERPRETATION_sRGB, NULL);
}

/* The lazy conversion of @in to 8-bit sRGB, three bands. */
static VipsImage *
convert(VipsImage *in, const char *path, GError **error)
{
	VipsImage *base = vips_image_new();
	VipsImage **t =
		(VipsImage **) vips_object_local_array(VIPS_OBJECT(base), 5);
	VipsImage *x;
	double white[1] = {255.0};

	if (to_srgb(in, &t[0]))
		goto fail;
	x = t[0];
	if (vips_image_hasalpha(x)) {
		/* Photos with transparency sit on white, as a viewer shows them. */
		VipsArrayDouble *bg = vips_array_double_new(white, 1);
		int rc = vips_flatten(x, &t[1], "background", bg, NULL);

		vips_area_unref(VIPS_AREA(bg));
		if (rc)
			goto fail;
		x = t[1];
	}
	if (vips_cast(x, &t[2], VIPS_FORMAT_UCHAR, NULL))
		goto fail;
	x = t[2];
	if (x->Bands > 3) {
		if (vips_extract_band(x, &t[3], 0, "n", 3, NULL))
			goto fail;
		x = t[3];
	}
	if (x->Bands != 3) {
		g_set_error(error, SMP_ERROR, SMP_ERROR_UNSUPPORTED,
			"%s: load: %d bands after conversion to sRGB", path, x->Bands);
		g_object_unref(base);
		return NULL;
	}
	/* The chain holds its inputs; the scope can go. */
	g_object_ref(x);
	g_object_unref(base);
	return x;

fail:
	smp_error_from_vips(error, SMP_ERROR_CORRUPT, path, "load");
	g_object_unref(base);
	return NULL;
}

VipsImage *
smp_photo_decode(VipsImage *in, const char *path, GError **error)
{
	g_autoptr(VipsImage) lazy = convert(in, path, error);
	VipsImage *out;

	gulong watch;

	if (!lazy)
		return NULL;
	/* Decoding happens here, so truncation and corrupt data fail here;
	 * the file's time budget can stop it.
	 */
	watch = smp_budget_watch(lazy);
	out = vips_image_copy_memory(lazy);
	smp_budget_unwatch(lazy, watch);
	if (!out && !smp_budget_check("load", error)) {
		smp_vips_error_clear();
		return NULL;
	}
	if (!out)
		smp_error_from_vips(error, SMP_ERROR_CORRUPT, path, "load");
	return out;
}

/* @photo's file opened again, upright, converted, with @access. */
static VipsImage *
reopen_access(const SmpPhoto *photo, VipsAccess access, GError **error)
{
	/* The file passed its limits once; hold it to exactly what it was. */
	SmpLoadLimits limits = {
		(guint64) photo->stored_width * (guint64) photo->stored_height,
		photo->file_bytes > 0 ? (guint64) photo->file_bytes
							  : SMP_MAX_FILE_BYTES_DEFAULT};
	g_autoptr(VipsImage) stored =
		open_access(photo->path, &limits, access, error);
	g_autoptr(VipsImage) upright = NULL;
	VipsImage *out;

	if (!stored)
		return NULL;
	if (stored->Xsize != photo->stored_width ||
		stored->Ysize != photo->stored_height) {
		g_set_error(error, SMP_ERROR, SMP_ERROR_IO,
			"%s: load: the file changed while it was being processed",
			photo->path);
		return NULL;
	}
	upright =
		smp_photo_orient(stored, photo->meta->orientation, photo->path, error);
	if (!upright || !(out = convert(upright, photo->path, error)))
		return NULL;
	return out;
}

VipsImage *
smp_photo_reopen(const SmpPhoto *photo, GError **error)
{
	return reopen_access(photo, VIPS_ACCESS_RANDOM, error);
}

VipsImage *
smp_photo_stream(const SmpPhoto *photo, GError **error)
{
	/* Orientations 1 and 2 keep the stored rows in order (2 mirrors each
	 * row); the others turn or flip the rows over, which a sequential
	 * decode cannot serve: libvips decodes those whole, for this pass.
	 */
	int o = photo->meta ? photo->meta->orientation : 1;

	return reopen_access(
		photo, o <= 2 ? VIPS_ACCESS_SEQUENTIAL : VIPS_ACCESS_RANDOM, error);
}

/* Rows decoded per step of read_pixels(). */
#define READ_STRIP_ROWS 64

/* Decode @in into a memory image, top to bottom, with libvips limited to
 * one worker thread.
 *
 * libvips 8.14 races when a loader fails under a threaded sink: a bad PNG
 * checksum is sometimes reported and sometimes left as a filled-in tile,
 * depending on thread timing (measured: 11 of 100 loads of PngSuite's
 * xcsn0g01 accepted with two threads, none with one). The loader itself is
 * sequential, so one thread costs nothing here; the concurrency is global,
 * so decodes take a lock and restore it after.
 */
static GMutex decode_lock;

/* Called with the libvips error lock held (smp_photo_load()). */
static VipsImage *
read_pixels(VipsImage *in, const char *path, GError **error)
{
	VipsImage *out = vips_image_new_memory();
	VipsRegion *region = vips_region_new(in);
	GError *budget_error = NULL;
	int failed = 0;
	int concurrency;

	g_mutex_lock(&decode_lock);
	concurrency = vips_concurrency_get();
	vips_concurrency_set(1);
	if (vips_image_pipelinev(out, VIPS_DEMAND_STYLE_THINSTRIP, in, NULL) ||
		vips_image_write_prepare(out))
		failed = 1;
	for (int top = 0; !failed && top < in->Ysize; top += READ_STRIP_ROWS) {
		VipsRect strip = {
			0, top, in->Xsize, MIN(READ_STRIP_ROWS, in->Ysize - top)};

		if (!smp_budget_check("load", &budget_error)) {
			failed = 1;
			break;
		}
		if (vips_region_prepare(region, &strip)) {
			failed = 1;
			break;
		}
		for (int y = top; y < top + strip.height; y++)
			if (vips_image_write_line(out, y, VIPS_REGION_ADDR(region, 0, y))) {
				failed = 1;
				break;
			}
	}
	g_object_unref(region);
	vips_concurrency_set(concurrency);
	g_mutex_unlock(&decode_lock);
	if (failed && !budget_error)
		load_error(error, path, "decode");
	if (budget_error)
		g_propagate_error(error, budget_error);
	if (failed)
		g_clear_object(&out);
	return out;
}

static SmpPhoto *
load_locked(const char *path, const SmpLoadLimits *limits, GError **error)
{
	g_autoptr(SmpPhoto) photo = g_new0(SmpPhoto, 1);
	VipsImage *stored;
	VipsImage *pixels;
	VipsImage *upright;
	const char *loader = NULL;

	photo->path = g_strdup(path);
	stored = smp_photo_open(path, limits, error);
	if (!stored)
		return NULL;
	photo->stored_width = stored->Xsize;
	photo->stored_height = stored->Ysize;
	{
		GStatBuf st;

		if (g_stat(path, &st) == 0)
			photo->file_bytes = st.st_size;
	}
	if (!vips_image_get_string(stored, VIPS_META_LOADER, &loader))
		photo->loader = g_strdup(loader);
	smp_vips_error_clear();
	photo->meta = smp_meta_read(stored, path);
	pixels = read_pixels(stored, path, error);
	g_object_unref(stored);
	if (!pixels)
		return NULL;
	upright = smp_photo_orient(pixels, photo->meta->orientation, path, error);
	g_object_unref(pixels);
	if (!upright)
		return NULL;
	photo->image = smp_photo_decode(upright, path, error);
	g_object_unref(upright);
	if (!photo->image)
		return NULL;
	return g_steal_pointer(&photo);
}

/* The whole load holds the libvips error lock, so that the reason a
 * truncated or corrupt photo gives is its own and the same on every run,
 * however many photos other threads are loading. Decoding is serialised
 * anyway (read_pixels()); the rest is the sRGB conversion, a few percent
 * of a photo's time in a batch.
 */
SmpPhoto *
smp_photo_load(const char *path, const SmpLoadLimits *limits, GError **error)
{
	SmpPhoto *photo;

	smp_vips_errors_lock();
	photo = load_locked(path, limits, error);
	smp_vips_errors_unlock();
	return photo;
}

void
smp_photo_free(SmpPhoto *photo)
{
	if (!photo)
		return;
	g_free(photo->path);
	VIPS_UNREF(photo->image);
	smp_meta_free(photo->meta);
	g_free(photo->loader);
	g_free(photo);
}

/* The error code of a failed write into @dir: transient when the disk is
 * full (run again once there is space), else an I/O error. libvips does
 * not always leave errno from its failed write, so the folder's free
 * space decides too.
 */
static SmpErrorCode
no_space(int e, const char *dir)
{
	struct statvfs fs;

	if (e == ENOSPC || e == EDQUOT || e == EROFS)
		return SMP_ERROR_TRANSIENT;
	if (dir && statvfs(dir, &fs) == 0 &&
		(fs.f_bavail == 0 || (fs.f_flag & ST_RDONLY)))
		return SMP_ERROR_TRANSIENT;
	return SMP_ERROR_IO;
}

/* fsync a file or folder by name; folders make a rename durable. */
static gboolean
sync_path(const char *path, GError **error)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0 || fsync(fd) != 0) {
		int e = errno;

		if (fd >= 0)
			close(fd);
		g_set_error(error, SMP_ERROR, no_space(e, NULL), "%s: write: %s", path,
			g_strerror(e));
		return FALSE;
	}
	close(fd);
	return TRUE;
}

gboolean
smp_photo_save_atomic(VipsImage *image, const char *path, GError **error)
{
	g_autofree char *file = vips_filename_get_filename(path);
	g_autofree char *options = vips_filename_get_options(path);
	g_autofree char *dir = g_path_get_dirname(file);
	g_autofree char *base = g_path_get_basename(file);
	const char *suffix = strrchr(base, '.');
	g_autofree char *tmp = NULL;
	g_autofree char *target = NULL;
	int fd;

	/* The temporary keeps the suffix, so libvips picks the same saver;
	 * the leading dot keeps it out of globs while it is incomplete.
	 */
	tmp = g_strdup_printf("%s/.%s.XXXXXX%s", dir, base, suffix ? suffix : "");
	fd = g_mkstemp_full(tmp, O_RDWR | O_CLOEXEC, 0644);
	if (fd < 0) {
		int e = errno;

		g_set_error(error, SMP_ERROR, no_space(e, NULL),
			"%s: write: cannot create a file in %s: %s", file, dir,
			g_strerror(e));
		return FALSE;
	}
	close(fd);
	target = g_strdup_printf("%s%s", tmp, options ? options : "");
	errno = 0;
	if (vips_image_write_to_file(image, target, NULL)) {
		smp_error_from_vips(error, no_space(errno, dir), file, "write");
		g_unlink(tmp);
		return FALSE;
	}
	if (!sync_path(tmp, error)) {
		g_unlink(tmp);
		return FALSE;
	}
	if (g_rename(tmp, file) != 0) {
		int e = errno;

		g_set_error(error, SMP_ERROR, no_space(e, dir), "%s: write: rename: %s",
			file, g_strerror(e));
		g_unlink(tmp);
		return FALSE;
	}
	return sync_path(dir, error);
}

/* Write all of @data to @fd, through short writes and EINTR. */
static gboolean
write_all(int fd, const char *data, gsize len, const char *path, GError **error)
{
	while (len > 0) {
		ssize_t n = write(fd, data, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int e = errno;

			g_set_error(error, SMP_ERROR, no_space(e, NULL), "%s: write: %s",
				path, g_strerror(e));
			return FALSE;
		}
		data += n;
		len -= (gsize) n;
	}
	return TRUE;
}

/* A file written through a buffer into its hidden temporary, renamed
 * into place on commit. The first error sticks: later writes do nothing
 * and the commit fails with it.
 */
struct SmpAtomicFile {
	char *path, *dir, *tmp;
	int fd;
	GError *error;
	gsize used;
	char buf[64 * 1024];
};

SmpAtomicFile *
smp_atomic_file_open(const char *path, GError **error)
{
	SmpAtomicFile *f = g_new0(SmpAtomicFile, 1);
	g_autofree char *base = g_path_get_basename(path);

	f->path = g_strdup(path);
	f->dir = g_path_get_dirname(path);
	/* The same temporary naming as images: ".NAME.XXXXXX", hidden, and
	 * recognisable for a resumed batch to sweep up after a kill.
	 */
	f->tmp = g_strdup_printf("%s/.%s.XXXXXX", f->dir, base);
	f->fd = g_mkstemp_full(f->tmp, O_RDWR | O_CLOEXEC, 0644);
	if (f->fd < 0) {
		int e = errno;

		g_set_error(error, SMP_ERROR, no_space(e, NULL),
			"%s: write: cannot create a file in %s: %s", path, f->dir,
			g_strerror(e));
		g_clear_pointer(&f->tmp, g_free);
		smp_atomic_file_abort(f);
		return NULL;
	}
	return f;
}

static gboolean
atomic_flush(SmpAtomicFile *f)
{
	if (!f->error && f->used)
		write_all(f->fd, f->buf, f->used, f->path, &f->error);
	f->used = 0;
	return f->error == NULL;
}

gboolean
smp_atomic_file_write(SmpAtomicFile *f, const char *data, gsize len)
{
	if (f->error)
		return FALSE;
	if (f->used + len > sizeof(f->buf)) {
		if (!atomic_flush(f))
			return FALSE;
		/* Large blocks go straight through. */
		if (len > sizeof(f->buf) / 2)
			return write_all(f->fd, data, len, f->path, &f->error);
	}
	memcpy(f->buf + f->used, data, len);
	f->used += len;
	return TRUE;
}

void
smp_atomic_file_abort(SmpAtomicFile *f)
{
	if (!f)
		return;
	if (f->fd >= 0)
		close(f->fd);
	if (f->tmp)
		g_unlink(f->tmp);
	g_clear_error(&f->error);
	g_free(f->tmp);
	g_free(f->dir);
	g_free(f->path);
	g_free(f);
}

gboolean
smp_atomic_file_commit(SmpAtomicFile *f, GError **error)
{
	gboolean ok = atomic_flush(f);

	if (ok && fsync(f->fd) != 0) {
		int e = errno;

		g_set_error(&f->error, SMP_ERROR, no_space(e, NULL), "%s: write: %s",
			f->path, g_strerror(e));
		ok = FALSE;
	}
	close(f->fd);
	f->fd = -1;
	if (ok && g_rename(f->tmp, f->path) != 0) {
		int e = errno;

		g_set_error(&f->error, SMP_ERROR, no_space(e, f->dir),
			"%s: write: rename: %s", f->path, g_strerror(e));
		ok = FALSE;
	}
	if (ok) {
		g_clear_pointer(&f->tmp, g_free);
		ok = sync_path(f->dir, error);
	}
	else
		g_propagate_error(error, g_steal_pointer(&f->error));
	smp_atomic_file_abort(f);
	return ok;
}

gboolean
smp_file_write_atomic(
	const char *path, const char *data, gsize len, GError **error)
{
	SmpAtomicFile *f = smp_atomic_file_open(path, error);

	if (!f)
		return FALSE;
	smp_atomic_file_write(f, data, len);
	return smp_atomic_file_commit(f, error);
}

gboolean
smp_photo_is_temp_name(const char *name)
{
	/* ".NAME.XXXXXX" or ".NAME.XXXXXX.ext", as g_mkstemp_full makes them
	 * from the templates above.
	 */
	return g_regex_match_simple(
		"^\\..+\\.[A-Za-z0-9]{6}(\\.[A-Za-z0-9]{1,5})?$", name, 0, 0);
}
