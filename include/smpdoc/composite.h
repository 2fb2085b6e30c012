/* Annotated composites: before/after panels in one of four layouts, with
 * dot markers, a density heat map, label bars, a scale bar and an optional
 * watermark, drawn with libvips (text through Pango).
 * SPDX-License-Identifier: MIT
 */
#ifndef SMPDOC_COMPOSITE_H
#define SMPDOC_COMPOSITE_H

#include <glib.h>
#include <vips/vips.h>

#include "smpdoc/detect.h"
#include "smpdoc/measure.h"

G_BEGIN_DECLS

/* Smallest text height in output pixels, so labels stay legible. */
#define SMP_LABEL_MIN_PX 16
#define SMP_COMPOSITE_LONG_EDGE_DEFAULT 2400
#define SMP_COMPOSITE_MAX_PANELS 3

/* What registration learnt about an after dot, for its ring's colour. */
enum { SMP_DOT_UNKNOWN = 0, SMP_DOT_PERSISTING = 1, SMP_DOT_NEW = 2 };

typedef enum {
	SMP_LAYOUT_SIDE_BY_SIDE, /* before | after */
	SMP_LAYOUT_STACKED, /* before over after */
	SMP_LAYOUT_THREE_PANEL, /* before | after | after with dots + heat map */
	SMP_LAYOUT_GHOST /* after blended over before */
} SmpLayout;

/* "side-by-side", "stacked", "three-panel", "ghost". */
const char *smp_layout_name(SmpLayout layout);
gboolean smp_layout_parse(const char *name, SmpLayout *layout);

/* The composite's file format: always 8-bit sRGB, metadata stripped. */
typedef enum {
	SMP_FORMAT_JPEG, /* lossy, `quality` (default) */
	SMP_FORMAT_PNG, /* lossless, `quality` unused */
	SMP_FORMAT_WEBP /* lossy, `quality` */
} SmpImageFormat;

/* "jpeg", "png", "webp" (the pipeline's and --format's words). */
const char *smp_format_name(SmpImageFormat format);
gboolean smp_format_parse(const char *name, SmpImageFormat *format);
/* The file name extension, without the dot: "jpg", "png", "webp". */
const char *smp_format_extension(SmpImageFormat format);

/* Image watermark defaults: width as a fraction of the last panel's, and
 * the opacity applied on top of the image's own alpha.
 */
#define SMP_WATERMARK_WIDTH_FRACTION 0.15
#define SMP_WATERMARK_OPACITY 0.6
/* The image watermark never grows beyond this fraction of a panel's
 * width or height, so it stays in a corner, away from the scalp's centre.
 */
#define SMP_WATERMARK_MAX_FRACTION 0.4

/* One photo in a composite, with what was measured on it. */
typedef struct SmpPanel {
	VipsImage *image; /* (transfer none) upright sRGB uchar, 3 bands */
	const char *title; /* "BEFORE", "AFTER" */
	const char *caption; /* "session 0 · 2024-05-01 · top", may be NULL */
	const SmpDot *dots; /* dots in @image's pixels, may be NULL */
	gsize n_dots;
	const guint8 *dot_kind; /* per dot: SMP_DOT_PERSISTING or SMP_DOT_NEW
	                         * (from registration), or NULL: one colour */
	const SmpDensityGrid *grid; /* density grid, may be NULL */
	double px_per_mm; /* <= 0: unknown (no scale bar) */
	int width, height; /* the frame @dots, @grid and @px_per_mm are
	                    * in; 0: @image's own size. @image may be that
	                    * frame already reduced (to the panel's size,
	                    * say): it is resized to the layout either way */
} SmpPanel;

typedef struct SmpCompositeParams {
	int long_edge_px; /* the composite's longest side */
	SmpLayout layout;
	gboolean aligned; /* FALSE: a "NOT ALIGNED" banner says so */
	gboolean dots; /* ring every dot (three-panel: third panel) */
	gboolean heatmap; /* density heat map on the three-panel's third */
	gboolean scale_bar; /* a mm scale bar in each label bar */
	double ghost_opacity; /* after over before, 0..1 */
	gboolean labels; /* label bars under the panels (FALSE: photos
	                         * only; no scale bar or legend either) */
	const char *watermark; /* text, or NULL */
	const char *watermark_image; /* PNG (alpha kept) or any photo file,
	                              * or NULL: bottom-right corner of the
	                              * last panel, text watermark beside it */
	double watermark_width; /* fraction of that panel's width */
	double watermark_opacity; /* 0..1, times the image's alpha */
	const char *font_family; /* fontconfig family, "DejaVu Sans" */
	SmpImageFormat format; /* how the caller saves it */
	int quality; /* JPEG / WebP quality 1..100 */
} SmpCompositeParams;

void smp_composite_params_default(SmpCompositeParams *p);

/* Geometry of a composite, for callers and tests. Panel i sits at
 * (x[i], y[i]) with size w[i]×h[i]; its label bar lies right under it.
 */
typedef struct SmpCompositeLayout {
	int n; /* panels: 1 (ghost), 2 or 3 */
	int x[SMP_COMPOSITE_MAX_PANELS], y[SMP_COMPOSITE_MAX_PANELS];
	int w[SMP_COMPOSITE_MAX_PANELS], h[SMP_COMPOSITE_MAX_PANELS];
	int gap; /* pixels between panels */
	int banner_height; /* 0 when aligned */
	int row_height; /* one row of text in a label bar */
	int bar_height; /* label bar under each panel: one row, or
	                            * two with a scale bar or legend; 0
	                            * without labels */
	int width, height; /* the whole composite */
} SmpCompositeLayout;

/* Compute the layout for a before of w0×h0 and an after of w1×h1 (the
 * panels' frames, SmpPanel width and height).
 */
void smp_composite_layout(int w0, int h0, int w1, int h1,
	const SmpCompositeParams *p, SmpCompositeLayout *out);

/* Draw the composite of @before and @after. Labels sit in bars under the
 * panels, never on the scalp.
 *
 * Returns: (transfer full) the composite (lazy: save it to evaluate), or
 * NULL with @error set.
 */
VipsImage *smp_composite_make(const SmpPanel *before, const SmpPanel *after,
	const SmpCompositeParams *p, GError **error);

/* Save @image to @path in @p's format and quality, sRGB, metadata
 * stripped, atomically (smp_photo_save_atomic). @path's extension should
 * be smp_format_extension(p->format).
 */
gboolean smp_composite_save(VipsImage *image, const char *path,
	const SmpCompositeParams *p, GError **error);

G_END_DECLS

#endif /* SMPDOC_COMPOSITE_H */
