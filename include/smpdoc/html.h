/* The static HTML report over a pair or batch output folder: a
 * before/after slider per pair, metrics, warnings, per-client charts and a
 * summary, written to DIR/report/ with thumbnails and a data/ copy.
 * SPDX-License-Identifier: MIT
 */
#ifndef SMPDOC_HTML_H
#define SMPDOC_HTML_H

#include <glib.h>

G_BEGIN_DECLS

/* Long edge of the slider thumbnails when none is asked for, in pixels. */
#define SMP_HTML_THUMB_PX_DEFAULT 960
#define SMP_HTML_THUMB_PX_MAX 4096

typedef struct SmpHtmlOptions {
	const char *originals; /* folder the sidecars' photo paths are relative
	                        * to (a batch's manifest folder), may be NULL */
	int thumb_px; /* thumbnail long edge; <= 0: the default */
	const char *title; /* page title, NULL: "smpdoc report" */
} SmpHtmlOptions;

/* What a report run found and wrote. */
typedef struct SmpHtmlSummary {
	int pairs; /* pair sidecars shown */
	int sliders; /* pairs with before/after thumbnails */
	int problems; /* pairs shown without a slider, or unreadable */
	int failures; /* failed photos and pairs listed from errors.csv */
	char *index; /* (owned) path of index.html */
	GPtrArray *notes; /* (owned) one message per problem, naming its file */
} SmpHtmlSummary;

void smp_html_options_default(SmpHtmlOptions *o);

/* Release what @s owns (not @s itself). Accepts NULL. */
void smp_html_summary_clear(SmpHtmlSummary *s);

/* Write @dir/report/index.html, @dir/report/thumbs/ and @dir/report/data/
 * over the pair sidecars found under @dir (a `smpdoc pair` folder or a
 * `smpdoc batch` folder with catalog.sqlite and errors.csv). Every file is
 * written atomically. A pair whose panels cannot be made is still listed,
 * without a slider, and counted in @out->problems.
 *
 * @out: (out caller-allocates) filled on success; clear it with
 * smp_html_summary_clear().
 * Returns: TRUE on success; FALSE with @error set (naming @dir or the file)
 * when no report could be written.
 */
gboolean smp_html_report(const char *dir, const SmpHtmlOptions *o,
	SmpHtmlSummary *out, GError **error);

/* JSON text made safe inside <script type="application/json">: every '<'
 * becomes \u003c, so "</script>" and "<!--" cannot end or change the
 * element. Returns: (transfer full).
 */
char *smp_html_script_json(const char *json);

G_END_DECLS

#endif /* SMPDOC_HTML_H */
