/* The backdrop of a synthetic global view: a wall or cloth beside the
 * head, over the right-hand part of the frame, lit like the skin, blurred
 * at its edge by the optics and given sensor noise.
 * SPDX-License-Identifier: MIT
 */
#include <math.h>

#include "synth_private.h"

#define WALL 0.50 /* linear reflectance of the grey wall */
#define SPECK_EVERY_PX 28 /* cloth: one dark speck per cell this wide */

/* Signed distance of (x, y) from the backdrop's wavy edge, px (> 0: in
 * the backdrop).
 */
static double
edge_distance(const SmpSynthParams *p, const SynthView *v, double x, double y)
{
	double edge = (1.0 - p->backdrop) * v->width +
		0.04 * v->width * sin(2.0 * G_PI * 1.3 * y / v->height);

	return x - edge;
}

/* The cloth's linear colour at (x, y): navy with a weave and, in some
 * cells, a dark speck 3..9 px wide.
 */
static void
cloth(guint64 seed, int x, int y, double rgb[3])
{
	static const double navy[3] = {0.020, 0.030, 0.090};
	double weave = 1.0 + 0.25 * sin(x * 1.05) * sin(y * 1.05);
	int cx = x / SPECK_EVERY_PX, cy = y / SPECK_EVERY_PX;
	SynthRng rng = {synth_mix(seed ^ (((guint64) cy << 32) | (guint) cx))};
	double sx = (cx + 0.2 + 0.6 * synth_uniform(&rng)) * SPECK_EVERY_PX;
	double sy = (cy + 0.2 + 0.6 * synth_uniform(&rng)) * SPECK_EVERY_PX;
	double r = 1.5 + 3.0 * synth_uniform(&rng);
	double d2 =
		((x + 0.5 - sx) * (x + 0.5 - sx) + (y + 0.5 - sy) * (y + 0.5 - sy)) /
		(r * r);
	double speck = synth_uniform(&rng) < 0.5 ? 0.7 * exp(-d2) : 0.0;

	for (int c = 0; c < 3; c++)
		rgb[c] = navy[c] * weave * (1.0 - speck);
}

static void
wall(int x, int y, double rgb[3])
{
	double mottle = 1.0 + 0.03 * sin(x * 0.011) * cos(y * 0.017);

	rgb[0] = rgb[1] = WALL * mottle;
	rgb[2] = WALL * 1.04 * mottle;
}

static void
paint(guchar *px, const SmpSynthParams *p, const SynthView *v)
{
	double sigma = sqrt(v->blur_px * v->blur_px + 1.0 / 12.0);
	double gain = pow(2.0, v->exposure);
	guint64 seed = synth_key(v->photo_seed, 78);

	for (int y = 0; y < v->height; y++)
		for (int x = 0; x < v->width; x++) {
			double d = edge_distance(p, v, x + 0.5, y + 0.5);
			double a = 0.5 * erfc(-d / (G_SQRT2 * sigma));
			double light = synth_illumination(v, x + 0.5, y + 0.5) * gain;
			guchar *q = px + 3 * ((gsize) y * v->width + x);
			double rgb[3];

			if (a < 1e-4)
				continue;
			if (p->backdrop_kind == 1)
				cloth(seed, x, y, rgb);
			else
				wall(x, y, rgb);
			for (int c = 0; c < 3; c++) {
				double lin = synth_srgb_to_linear(q[c]) * (1.0 - a) +
					a * rgb[c] * light * v->cast[c];
				double out = synth_linear_to_srgb(CLAMP(lin, 0.0, 1.0)) +
					a * v->noise_sigma * synth_pixel_noise(seed, x, y, c);

				q[c] = (guchar) CLAMP(floor(out + 0.5), 0.0, 255.0);
			}
		}
}

/* Drop the features of @list whose centre the backdrop hides. */
static void
hide(GArray *list, const SmpSynthParams *p, const SynthView *v)
{
	guint kept = 0;

	for (guint i = 0; i < list->len; i++) {
		SmpSynthDot d = g_array_index(list, SmpSynthDot, i);

		if (edge_distance(p, v, d.x, d.y) < 0.0)
			g_array_index(list, SmpSynthDot, kept++) = d;
	}
	g_array_set_size(list, kept);
}

VipsImage *
synth_backdrop_paint(VipsImage *image, const SmpSynthParams *p,
	const SynthView *view, SmpSynthTruth *truth, GError **error)
{
	guchar *px;

	if (p->backdrop <= 0.0)
		return image;
	if (!(px = synth_bytes_open(image, error)))
		return NULL;
	paint(px, p, view);
	if (truth) {
		hide(truth->dots, p, view);
		hide(truth->distractors, p, view);
	}
	return synth_bytes_close(px, view, error);
}
