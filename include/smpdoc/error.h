/* Error domain, codes and warnings shared by every smpdoc module.
 * SPDX-License-Identifier: MIT
 */
#ifndef SMPDOC_ERROR_H
#define SMPDOC_ERROR_H

#include <glib.h>

G_BEGIN_DECLS

#define SMP_ERROR (smp_error_quark())

/* Error codes of the SMP_ERROR domain. The CLI maps them to exit codes with
 * smp_error_exit_code(): per-input failures give 1, usage and configuration
 * errors 2, transient ones (disk full, a lock) 75.
 */
typedef enum {
	SMP_ERROR_IO, /* cannot read or write a file */
	SMP_ERROR_CORRUPT, /* the file's content is damaged or not an image */
	SMP_ERROR_LIMIT, /* over a stated limit (pixels, bytes, items) */
	SMP_ERROR_UNSUPPORTED, /* a format or feature smpdoc does not handle */
	SMP_ERROR_USAGE, /* bad command line */
	SMP_ERROR_CONFIG, /* bad pipeline, manifest or option value */
	SMP_ERROR_CONSENT, /* refused for lack of consent */
	SMP_ERROR_TRANSIENT, /* run again later (disk full, lock held) */
	SMP_ERROR_INTERNAL /* a bug: an invariant did not hold */
} SmpErrorCode;

/* Process exit codes (DESIGN.md). */
enum {
	SMP_EXIT_OK = 0,
	SMP_EXIT_SOME_FAILED = 1,
	SMP_EXIT_USAGE = 2,
	SMP_EXIT_FATAL = 3,
	SMP_EXIT_TRANSIENT = 75
};

GQuark smp_error_quark(void);

/* Turn the libvips error buffer into a GError and clear the buffer.
 *
 * libvips keeps one error buffer per process, so this must be called right
 * after the failing libvips call. The message reads "FILE: STAGE: reason".
 * @file may be NULL for errors not tied to a file.
 */
void smp_error_from_vips(
	GError **error, SmpErrorCode code, const char *file, const char *stage);

/* libvips's error buffer is one per process, and a batch loads photos on
 * several threads: one thread's clear could wipe the message another is
 * about to read, or a message could be read by the wrong thread. Code
 * that reads the buffer after its own libvips calls holds this lock
 * (recursive) from those calls to the read; every clear takes it too.
 * Messages appended by libvips on threads outside the lock (another
 * photo's failure at the same moment) can still mix in; that needs two
 * failures at once.
 */
void smp_vips_errors_lock(void);
void smp_vips_errors_unlock(void);

/* vips_error_clear() under the lock above: drops a failure that was
 * expected and handled.
 */
void smp_vips_error_clear(void);

/* The process exit code for a failure of kind @error (NULL → SMP_EXIT_OK). */
int smp_error_exit_code(const GError *error);

/* A named, non-fatal finding (FORMATS.md "warnings"): @code is stable and
 * machine-readable (`blur`, `no_scale`, ...), @message is for people.
 */
typedef struct SmpWarning {
	char *code;
	char *message;
} SmpWarning;

/* A list of SmpWarning, owned: free with g_ptr_array_unref(). */
GPtrArray *smp_warnings_new(void);

/* Append a warning to @warnings (which owns it). */
void smp_warnings_add(GPtrArray *warnings, const char *code, const char *fmt,
	...) G_GNUC_PRINTF(3, 4);

/* Append copies of every warning in @src to @dst. */
void smp_warnings_extend(GPtrArray *dst, const GPtrArray *src);

/* Remove every warning with @code from @warnings (keeping the order). */
void smp_warnings_remove(GPtrArray *warnings, const char *code);

/* TRUE when @warnings holds a warning with @code. */
gboolean smp_warnings_has(const GPtrArray *warnings, const char *code);

G_END_DECLS

#endif /* SMPDOC_ERROR_H */
