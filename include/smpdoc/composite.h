/* Annotated composites: before/after panels with label bars, drawn with
 * libvips (text through Pango).
 * SPDX-License-Identifier: MIT
 */
#ifndef SMPDOC_COMPOSITE_H
#define SMPDOC_COMPOSITE_H

#include <glib.h>
#include <vips/vips.h>

G_BEGIN_DECLS

/* Smallest text height in output pixels, so labels stay legible. */
#define SMP_LABEL_MIN_PX 16
#define SMP_COMPOSITE_LONG_EDGE_DEFAULT 2400

/* One photo in a composite. */
typedef struct SmpPanel {
	VipsImage *image;    /* (transfer none) upright sRGB uchar, 3 bands */
	const char *title;   /* "BEFORE", "AFTER" */
	const char *caption; /* "session 0 · 2024-05-01 · top", may be NULL */
} SmpPanel;

typedef struct SmpCompositeParams {
	int long_edge_px;     /* the composite's longest side */
	gboolean aligned;     /* FALSE: a "NOT ALIGNED" banner says so */
	const char *font_family; /* fontconfig family, "DejaVu Sans" */
} SmpCompositeParams;

void smp_composite_params_default(SmpCompositeParams *p);

/* Geometry of a side-by-side composite, for callers and tests. */
typedef struct SmpCompositeLayout {
	int panel_height;   /* both panels are scaled to this height */
	int panel_width[2]; /* before, after */
	int gap;            /* pixels between the panels */
	int banner_height;  /* 0 when aligned */
	int bar_height;     /* label bar under the panels */
	int width, height;  /* the whole composite */
} SmpCompositeLayout;

/* Compute the side-by-side layout for panels of the given sizes. */
void smp_composite_layout(int w0, int h0, int w1, int h1,
	const SmpCompositeParams *p, SmpCompositeLayout *out);

/* Before | after, scaled to equal height, each with a label bar below it
 * (labels never cover the scalp), and a banner above when not aligned.
 *
 * Returns: (transfer full) the composite (lazy: save it to evaluate), or
 * NULL with @error set.
 */
VipsImage *smp_composite_side_by_side(const SmpPanel *before,
	const SmpPanel *after, const SmpCompositeParams *p, GError **error);

G_END_DECLS

#endif /* SMPDOC_COMPOSITE_H */
