/* Internal interface between the synth files: the seeded PRNG, the scalp
 * layout (features in scalp millimetres) and the view renderer.
 * SPDX-License-Identifier: MIT
 */
#ifndef SMPDOC_SYNTH_PRIVATE_H
#define SMPDOC_SYNTH_PRIVATE_H

#include <math.h>

#include <glib.h>
#include <vips/vips.h>

#include "smpdoc/synth.h"

/* Sessions a scalp can have: 0 (before) and at most this many after. */
#define SYNTH_MAX_AFTER 4

/* splitmix64 finaliser: a good 64-bit mix of @z. */
static inline guint64
synth_mix(guint64 z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Combine a seed with a small key, e.g. a stream number or an index. */
static inline guint64
synth_key(guint64 seed, guint64 key)
{
	return synth_mix(seed + 0x9e3779b97f4a7c15ULL * (key + 1));
}

/* splitmix64 generator state. */
typedef struct SynthRng {
	guint64 s;
} SynthRng;

static inline guint64
synth_next(SynthRng *rng)
{
	return synth_mix(rng->s += 0x9e3779b97f4a7c15ULL);
}

/* Uniform in [0, 1), 53 bits. */
static inline double
synth_uniform(SynthRng *rng)
{
	return (synth_next(rng) >> 11) * 0x1.0p-53;
}

static inline double
synth_range(SynthRng *rng, double lo, double hi)
{
	return lo + (hi - lo) * synth_uniform(rng);
}

/* sRGB transfer function, 0..255 <-> linear 0..1. */
static inline double
synth_srgb_to_linear(double v)
{
	v /= 255.0;
	return v <= 0.04045 ? v / 12.92 : pow((v + 0.055) / 1.055, 2.4);
}

static inline double
synth_linear_to_srgb(double v)
{
	v = v <= 0.0031308 ? 12.92 * v : 1.055 * pow(v, 1 / 2.4) - 0.055;
	return 255.0 * v;
}

/* One feature of the scalp, in scalp millimetres (x right, y down; the
 * before photo's top-left corner is the origin). Highlights are not on the
 * scalp and never appear here.
 */
typedef struct SynthFeature {
	double x, y; /* centre, mm */
	double r; /* half-maximum radius (mole: mean radius), mm */
	double contrast; /* nominal peak contrast */
	double angle; /* radians, scalp frame: hair or ellipse direction */
	double length; /* hair length, mm */
	double shape; /* profile exponent (dots), axis ratio (moles) */
	double hair_contrast;
	double harm[3], phase[3]; /* mole edge harmonics 2..4 */
	SmpSynthKind kind;
	int session;
	gint64 id;
	gint64 partner; /* id of the dot placed touching this one, or 0 */
} SynthFeature;

/* The scalp: every feature in a region, sorted by id. */
typedef struct SynthScene {
	GArray *features; /* SynthFeature */
	guint64 skin_seed;
} SynthScene;

/* Lay out the scalp of @p over the region [x0,x1]×[y0,y1] mm with
 * sessions 0..@n_after; @new_per_cm2[k-1] is the SMP density session k
 * adds. Features in a place do not depend on the region asked for, so a
 * larger region gives the same features where both overlap.
 */
SynthScene *synth_scene_new(const SmpSynthParams *p, double x0, double y0,
	double x1, double y1, int n_after, const double *new_per_cm2);
void synth_scene_free(SynthScene *scene);

/* How one photo sees the scalp. */
typedef struct SynthView {
	int width, height;
	double a[6]; /* image px → scalp mm: X = a0 x + a1 y + a2,
	                  * Y = a3 x + a4 y + a5 (px with corner convention) */
	int session; /* features of sessions <= this are visible */
	double grow, fade; /* SMP dots of earlier sessions: radius and
	                    * contrast factors (1: as made) */
	int skin_tone;
	double gradient, gradient_angle_deg, vignette, cast[3], exposure;
	double grey_card[4], grey_card_reflectance; /* w <= 0: none */
	double noise_sigma, blur_px;
	double blur_edge_px; /* at the corners; = blur_px when uniform */
	int highlights;
	guint64 photo_seed; /* noise and highlights */
} SynthView;

/* The light on image point (x, y) of @v relative to the frame's mean:
 * the linear gradient and the vignette (exposure and cast apart).
 */
static inline double
synth_illumination(const SynthView *v, double x, double y)
{
	double ang = v->gradient_angle_deg * G_PI / 180.0;
	double w = v->width, h = v->height;
	double half_diag = 0.5 * sqrt(w * w + h * h);
	double dx = x - w / 2.0, dy = y - h / 2.0;
	double proj = (dx * cos(ang) + dy * sin(ang)) / half_diag;
	double rn2 = (dx * dx + dy * dy) / (half_diag * half_diag);

	return (1.0 + v->gradient * proj) * (1.0 - v->vignette * rn2);
}

/* A zero-mean, unit-variance noise value for pixel (x, y) and band @c. */
double synth_pixel_noise(guint64 seed, int x, int y, int c);

/* Painting over a render: @image's sRGB bytes (@image is unreferenced;
 * NULL with @error), then back into an image of @view's size (@px is
 * freed).
 */
guchar *synth_bytes_open(VipsImage *image, GError **error);
VipsImage *synth_bytes_close(guchar *px, const SynthView *view, GError **error);

/* Paint the backdrop of @p (when p->backdrop > 0): a wall or cloth over
 * the right-hand part of @view's frame, lit like the skin, and remove the
 * features it hides from @truth (nullable). As synth_sticker_paint().
 */
VipsImage *synth_backdrop_paint(VipsImage *image, const SmpSynthParams *p,
	const SynthView *view, SmpSynthTruth *truth, GError **error);

/* Paint the calibration sticker of @p (when p->sticker_mm > 0) onto
 * @image, the render of @view, lit like the skin, and record it in
 * @truth (nullable), removing the features it hides. Returns: the painted
 * image (transfer full; @image is unreferenced), or NULL with @error.
 */
VipsImage *synth_sticker_paint(VipsImage *image, const SmpSynthParams *p,
	const SynthView *view, SmpSynthTruth *truth, GError **error);

/* Render @view of @scene: an upright 8-bit sRGB image in memory and, when
 * @truth is not NULL, its truth.
 */
VipsImage *synth_render_view(const SynthScene *scene, const SynthView *view,
	SmpSynthTruth **truth, GError **error);

/* Render photo 0 of @before and photos 1..@n_after (at most
 * SYNTH_MAX_AFTER) of sessions 1..n_after, each seen through @pairs[k-1].
 * @imgs and @truths (optional) get n_after + 1 entries, @matrices
 * (optional) n_after: AFTER k px → BEFORE px, row-major 3×3.
 */
gboolean synth_series(const SmpSynthParams *before,
	const SmpSynthPairParams *pairs, int n_after, VipsImage **imgs,
	SmpSynthTruth **truths, double (*matrices)[9], GError **error);

#endif /* SMPDOC_SYNTH_PRIVATE_H */
