/* Error domain, libvips error capture and named warnings.
 * SPDX-License-Identifier: MIT
 */
#include <stdarg.h>
#include <string.h>

#include <vips/vips.h>

#include "smpdoc/error.h"

GQuark
smp_error_quark(void)
{
	return g_quark_from_static_string("smp-error-quark");
}

static GRecMutex vips_errors;

void
smp_vips_errors_lock(void)
{
	g_rec_mutex_lock(&vips_errors);
}

void
smp_vips_errors_unlock(void)
{
	g_rec_mutex_unlock(&vips_errors);
}

void
smp_vips_error_clear(void)
{
	smp_vips_errors_lock();
	vips_error_clear();
	smp_vips_errors_unlock();
}

void
smp_error_from_vips(
	GError **error, SmpErrorCode code, const char *file, const char *stage)
{
	g_autofree char *reason = NULL;

	smp_vips_errors_lock();
	reason = g_strstrip(g_strdup(vips_error_buffer()));
	vips_error_clear();
	smp_vips_errors_unlock();
	/* libvips messages span lines ("jpegload: ...\nvips_...: ..."); one
	 * line per failure reads better in a batch log.
	 */
	for (char *p = reason; *p; p++)
		if (*p == '\n')
			*p = ';';
	if (!*reason) {
		g_free(reason);
		reason = g_strdup("unknown libvips error");
	}
	if (file)
		g_set_error(error, SMP_ERROR, code, "%s: %s: %s", file, stage, reason);
	else
		g_set_error(error, SMP_ERROR, code, "%s: %s", stage, reason);
}

int
smp_error_exit_code(const GError *error)
{
	if (!error)
		return SMP_EXIT_OK;
	if (error->domain == G_OPTION_ERROR)
		return SMP_EXIT_USAGE;
	if (error->domain != SMP_ERROR)
		return SMP_EXIT_SOME_FAILED;
	switch (error->code) {
	case SMP_ERROR_USAGE:
	case SMP_ERROR_CONFIG:
		return SMP_EXIT_USAGE;
	case SMP_ERROR_TRANSIENT:
		return SMP_EXIT_TRANSIENT;
	case SMP_ERROR_INTERNAL:
		return SMP_EXIT_FATAL;
	default:
		return SMP_EXIT_SOME_FAILED;
	}
}

static void
warning_free(gpointer data)
{
	SmpWarning *w = data;

	g_free(w->code);
	g_free(w->message);
	g_free(w);
}

GPtrArray *
smp_warnings_new(void)
{
	return g_ptr_array_new_with_free_func(warning_free);
}

static void
warnings_add_plain(GPtrArray *warnings, const char *code, const char *message)
{
	SmpWarning *w = g_new0(SmpWarning, 1);

	w->code = g_strdup(code);
	w->message = g_strdup(message);
	g_ptr_array_add(warnings, w);
}

void
smp_warnings_add(GPtrArray *warnings, const char *code, const char *fmt, ...)
{
	va_list ap;
	g_autofree char *message = NULL;

	va_start(ap, fmt);
	message = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	warnings_add_plain(warnings, code, message);
}

void
smp_warnings_extend(GPtrArray *dst, const GPtrArray *src)
{
	for (guint i = 0; src && i < src->len; i++) {
		const SmpWarning *w = g_ptr_array_index(src, i);

		warnings_add_plain(dst, w->code, w->message);
	}
}

void
smp_warnings_remove(GPtrArray *warnings, const char *code)
{
	for (guint i = warnings ? warnings->len : 0; i-- > 0;) {
		const SmpWarning *w = g_ptr_array_index(warnings, i);

		if (strcmp(w->code, code) == 0)
			g_ptr_array_remove_index(warnings, i);
	}
}

gboolean
smp_warnings_has(const GPtrArray *warnings, const char *code)
{
	for (guint i = 0; warnings && i < warnings->len; i++) {
		const SmpWarning *w = g_ptr_array_index(warnings, i);

		if (strcmp(w->code, code) == 0)
			return TRUE;
	}
	return FALSE;
}
