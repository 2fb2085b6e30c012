/* What the HTML report modules share: the report model gathered from an
 * output folder, and the functions that render it.
 * SPDX-License-Identifier: MIT
 */
#ifndef SMPDOC_HTML_PRIVATE_H
#define SMPDOC_HTML_PRIVATE_H

#include <glib.h>
#include <json-glib/json-glib.h>

/* One pair sidecar found under the output folder. */
typedef struct HtmlPair {
	char *client; /* from the catalogue, else the sidecar's folder */
	char *view;
	int s0, s1; /* sessions compared */
	char *taken[2]; /* capture dates, may be NULL */
	char *sidecar; /* relative to DIR, '/'-separated */
	char *composite; /* relative to DIR; NULL when missing */
	JsonNode *record; /* (owned) the sidecar without per-dot items */
	char *thumb[2]; /* before, after: relative to DIR/report/; NULL
	                   * when there is no slider */
	int tw, th; /* size of the before thumbnail */
	const char *panels_from; /* "composite" or "originals" (static) */
	char *problem; /* why there is no slider, NULL when there is one */
} HtmlPair;

/* A photo's density at one session: one point of a client's chart. */
typedef struct HtmlPoint {
	char *client;
	char *view;
	int session;
	char *taken;
	double per_cm2, lo, hi; /* NaN when unknown (no scale) */
	double per_mpx, coverage;
} HtmlPoint;

/* A pipeline seen in the sidecars, with how many pairs used it. */
typedef struct HtmlPipeline {
	char *name;
	char *sha256;
	int pairs;
} HtmlPipeline;

typedef struct HtmlReport {
	char *dir; /* the output folder, as given */
	char *title;
	GPtrArray *pairs; /* HtmlPair, sorted by client, view, sessions */
	GPtrArray *points; /* HtmlPoint, sorted by client, view, session */
	GPtrArray *pipelines; /* HtmlPipeline */
	gboolean catalogue; /* counts below come from catalog.sqlite */
	int photos_done, photos_failed, pairs_done, pairs_failed;
	GPtrArray *errors; /* char ** rows: source, stage, reason */
	char *errors_csv; /* errors.csv text, NULL when there is none */
	char *generated; /* UTC time (SOURCE_DATE_EPOCH when set) */
} HtmlReport;

struct SmpHtmlOptions;

/* Make @p's before and after thumbnails as report/thumbs/pNNNN-*.jpg
 * (@index gives NNNN), from the composite's panels or else from the
 * original photos. Sets @p->thumb, or @p->problem and returns FALSE.
 */
gboolean smp_html_thumbs(
	const char *dir, HtmlPair *p, guint index, const struct SmpHtmlOptions *o);

/* The page, from the model. Returns: (transfer full). */
char *smp_html_render(const HtmlReport *r);

/* The machine-readable copy of the model embedded in the page and written
 * to data/report.json. Returns: (transfer full).
 */
JsonNode *smp_html_data(const HtmlReport *r);

/* The inline SVG chart of @client's density and coverage by session, or
 * NULL when the client has no point. Returns: (transfer full).
 */
char *smp_html_chart(const HtmlReport *r, const char *client);

/* Number at @path ("dots.per_cm2") under @o; NaN when absent or null. */
double smp_html_num(JsonObject *o, const char *path);

/* The page's stylesheet and script (html_template.c). */
extern const char smp_html_css[];
extern const char smp_html_js[];

#endif /* SMPDOC_HTML_PRIVATE_H */
