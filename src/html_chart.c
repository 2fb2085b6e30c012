/* The report's inline SVG charts: a client's dot density (with its 95%
 * interval) and coverage across sessions, one line per view.
 * SPDX-License-Identifier: MIT
 */
#include <math.h>
#include <string.h>

#include "html_private.h"

/* Plot geometry in SVG user units. */
#define CHART_W 420
#define CHART_H 210
#define PAD_L 52
#define PAD_R 12
#define PAD_T 28
#define PAD_B 34

/* Okabe–Ito colours: told apart with colour-vision deficiencies and
 * readable on light and dark backgrounds.
 */
static const char *palette[] = {
	"#0b84d8", "#e0701b", "#10a37f", "#cc79a7", "#d6a400", "#7f7fff"};

typedef struct Series {
	const char *view;
	GPtrArray *points; /* HtmlPoint, (transfer none) */
} Series;

/* A coordinate, '.' as decimal mark whatever the locale. */
static const char *
co(char buf[G_ASCII_DTOSTR_BUF_SIZE], double v)
{
	return g_ascii_formatd(buf, G_ASCII_DTOSTR_BUF_SIZE, "%.1f", v);
}

static GArray *
client_series(const HtmlReport *r, const char *client)
{
	GArray *series = g_array_new(FALSE, TRUE, sizeof(Series));

	for (guint i = 0; i < r->points->len; i++) {
		HtmlPoint *p = g_ptr_array_index(r->points, i);
		Series *last = series->len
			? &g_array_index(series, Series, series->len - 1)
			: NULL;

		if (g_strcmp0(p->client, client) != 0)
			continue;
		if (!last || g_strcmp0(last->view, p->view) != 0) {
			Series s = {p->view, g_ptr_array_new()};

			g_array_append_val(series, s);
			last = &g_array_index(series, Series, series->len - 1);
		}
		g_ptr_array_add(last->points, p);
	}
	return series;
}

static void
series_free(GArray *series)
{
	for (guint i = 0; i < series->len; i++)
		g_ptr_array_unref(g_array_index(series, Series, i).points);
	g_array_free(series, TRUE);
}

typedef struct Axes {
	double x0, x1; /* sessions */
	double ymax;
	gboolean per_cm2; /* density in dots/cm² (else dots/Mpx) */
} Axes;

static double
value(const HtmlPoint *p, int metric, const Axes *ax)
{
	if (metric == 1)
		return p->coverage * 100;
	return ax->per_cm2 ? p->per_cm2 : p->per_mpx;
}

static double
px(const Axes *ax, double session)
{
	double span = ax->x1 > ax->x0 ? ax->x1 - ax->x0 : 1;
	double t = ax->x1 > ax->x0 ? (session - ax->x0) / span : 0.5;

	return PAD_L + 10 + t * (CHART_W - PAD_L - PAD_R - 20);
}

static double
py(const Axes *ax, double v)
{
	return CHART_H - PAD_B - v / ax->ymax * (CHART_H - PAD_T - PAD_B);
}

/* A round top for the axis, so that its quarters read easily. */
static double
nice_top(double v)
{
	static const double steps[] = {1, 1.2, 1.6, 2, 2.4, 3, 4, 5, 6, 8, 10};
	double p;

	if (!(v > 0))
		return 1;
	p = pow(10, floor(log10(v)));
	for (size_t i = 0; i < G_N_ELEMENTS(steps); i++)
		if (v <= steps[i] * p)
			return steps[i] * p;
	return 10 * p;
}

static void
scan_axes(GArray *series, int metric, Axes *ax)
{
	double top = 0;

	ax->x0 = G_MAXINT;
	ax->x1 = G_MININT;
	for (guint i = 0; i < series->len; i++) {
		GPtrArray *pts = g_array_index(series, Series, i).points;

		for (guint k = 0; k < pts->len; k++) {
			HtmlPoint *p = g_ptr_array_index(pts, k);
			double v = value(p, metric, ax);
			double hi =
				metric == 0 && ax->per_cm2 && isfinite(p->hi) ? p->hi : v;

			ax->x0 = MIN(ax->x0, p->session);
			ax->x1 = MAX(ax->x1, p->session);
			if (isfinite(hi))
				top = MAX(top, hi);
		}
	}
	ax->ymax = nice_top(top * 1.05);
}

static void
frame(GString *s, const Axes *ax, const char *title)
{
	char a[G_ASCII_DTOSTR_BUF_SIZE], b[G_ASCII_DTOSTR_BUF_SIZE];
	char c[G_ASCII_DTOSTR_BUF_SIZE];
	char *t = g_markup_printf_escaped("<text class=\"title\" x=\"%d\" "
									  "y=\"16\">%s</text>\n",
		PAD_L, title);

	g_string_append(s, t);
	g_free(t);
	for (int k = 0; k <= 4; k++) {
		double v = ax->ymax * k / 4;
		double y = py(ax, v);

		g_string_append_printf(s,
			"<line class=\"grid\" x1=\"%d\" "
			"x2=\"%d\" y1=\"%s\" y2=\"%s\"/>"
			"<text class=\"tick\" x=\"%d\" y=\"%s\" "
			"text-anchor=\"end\">%s</text>\n",
			PAD_L, CHART_W - PAD_R, co(a, y), co(a, y), PAD_L - 6, co(b, y + 4),
			g_ascii_formatd(c, sizeof(c), ax->ymax >= 20 ? "%.0f" : "%.1f", v));
	}
	for (int sx = (int) ax->x0; sx <= (int) ax->x1; sx++)
		g_string_append_printf(s,
			"<text class=\"tick\" x=\"%s\" y=\"%d\" "
			"text-anchor=\"middle\">s%d</text>\n",
			co(a, px(ax, sx)), CHART_H - PAD_B + 16, sx);
	g_string_append_printf(s,
		"<text class=\"tick\" x=\"%d\" y=\"%d\" "
		"text-anchor=\"end\">session</text>\n",
		CHART_W - PAD_R, CHART_H - 4);
}

static void
plot_series(GString *s, const Series *se, int metric, const Axes *ax,
	const char *colour)
{
	char a[G_ASCII_DTOSTR_BUF_SIZE], b[G_ASCII_DTOSTR_BUF_SIZE];
	char c[G_ASCII_DTOSTR_BUF_SIZE];

	g_string_append_printf(s,
		"<g style=\"color:%s\">\n<polyline "
		"class=\"line\" points=\"",
		colour);
	for (guint k = 0; k < se->points->len; k++) {
		HtmlPoint *p = g_ptr_array_index(se->points, k);
		double v = value(p, metric, ax);

		if (isfinite(v))
			g_string_append_printf(
				s, "%s,%s ", co(a, px(ax, p->session)), co(b, py(ax, v)));
	}
	g_string_append(s, "\"/>\n");
	for (guint k = 0; k < se->points->len; k++) {
		HtmlPoint *p = g_ptr_array_index(se->points, k);
		double v = value(p, metric, ax);
		double x = px(ax, p->session);

		if (!isfinite(v))
			continue;
		if (metric == 0 && ax->per_cm2 && isfinite(p->lo) && isfinite(p->hi))
			g_string_append_printf(s,
				"<line class=\"ci\" x1=\"%s\" "
				"x2=\"%s\" y1=\"%s\" y2=\"%s\"/>\n",
				co(a, x), co(a, x), co(b, py(ax, p->lo)), co(c, py(ax, p->hi)));
		g_string_append_printf(s,
			"<circle class=\"pt\" cx=\"%s\" cy=\"%s\" "
			"r=\"4\"><title>",
			co(a, x), co(b, py(ax, v)));
		{
			char *t = g_markup_printf_escaped("%s, session %d: %s", se->view,
				p->session, g_ascii_formatd(c, sizeof(c), "%.1f", v));

			g_string_append(s, t);
			g_free(t);
		}
		g_string_append(s, "</title></circle>\n");
	}
	g_string_append(s, "</g>\n");
}

/* Views named right to left on the title's line, clear of the plot. */
static void
legend(GString *s, GArray *series)
{
	int x = CHART_W - PAD_R;

	for (guint i = series->len; series->len > 1 && i-- > 0;) {
		const char *view = g_array_index(series, Series, i).view;
		char *t = g_markup_printf_escaped("<text class=\"legend\" x=\"%d\" "
										  "y=\"16\" text-anchor=\"end\" "
										  "style=\"fill:%s\">● %s</text>\n",
			x, palette[i % G_N_ELEMENTS(palette)], view);

		g_string_append(s, t);
		g_free(t);
		x -= 7 * (int) g_utf8_strlen(view, 64) + 24;
	}
}

static void
one_chart(GString *s, GArray *series, int metric, gboolean per_cm2,
	const char *client)
{
	Axes ax = {0};
	const char *title = metric == 1 ? "Coverage (%)"
		: per_cm2					? "Density (dots/cm², 95% interval)"
									: "Density (dots/Mpx, no scale)";
	char *head;

	ax.per_cm2 = per_cm2;
	scan_axes(series, metric, &ax);
	head = g_markup_printf_escaped("<svg class=\"chart\" viewBox=\"0 0 %d "
								   "%d\" width=\"%d\" height=\"%d\" "
								   "role=\"img\" aria-label=\"%s of %s by "
								   "session\">\n",
		CHART_W, CHART_H, CHART_W, CHART_H, title, client);
	g_string_append(s, head);
	g_free(head);
	frame(s, &ax, title);
	for (guint i = 0; i < series->len; i++)
		plot_series(s, &g_array_index(series, Series, i), metric, &ax,
			palette[i % G_N_ELEMENTS(palette)]);
	legend(s, series);
	g_string_append(s, "</svg>\n");
}

char *
smp_html_chart(const HtmlReport *r, const char *client)
{
	GArray *series = client_series(r, client);
	gboolean per_cm2 = TRUE;
	GString *s;

	if (series->len == 0) {
		series_free(series);
		return NULL;
	}
	/* One unit per chart: dots/cm² only when every point has a scale. */
	for (guint i = 0; i < series->len; i++) {
		GPtrArray *pts = g_array_index(series, Series, i).points;

		for (guint k = 0; k < pts->len; k++)
			if (!isfinite(((HtmlPoint *) pts->pdata[k])->per_cm2))
				per_cm2 = FALSE;
	}
	s = g_string_new("<div class=\"charts\">\n");
	one_chart(s, series, 0, per_cm2, client);
	one_chart(s, series, 1, per_cm2, client);
	g_string_append(s, "</div>\n");
	series_free(series);
	return g_string_free(s, FALSE);
}
