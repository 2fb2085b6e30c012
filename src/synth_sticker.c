/* The calibration sticker of a synthetic photo: a white disc (optionally
 * inside a dark ring) lying on the scalp, seen tilted as an ellipse, lit
 * like the skin, blurred by the optics and given sensor noise.
 * SPDX-License-Identifier: MIT
 */
#include <math.h>
#include <string.h>

#include "scale_private.h"
#include "smpdoc/error.h"
#include "synth_private.h"

#define PAPER 0.82 /* linear reflectance of the white disc */
#define RING 0.04 /* and of the dark border ring */

/* The sticker of @p in a photo of @view: its disc and the disc with the
 * ring, in image pixels.
 */
static void
sticker_geometry(const SmpSynthParams *p, const SynthView *view,
	ScaleEllipse *disc, ScaleEllipse *outer)
{
	double ppm =
		1.0 / sqrt(fabs(view->a[0] * view->a[4] - view->a[1] * view->a[3]));
	double k = (p->sticker_mm + 2.0 * p->sticker_ring_mm) / p->sticker_mm;

	disc->cx = p->sticker_x * view->width;
	disc->cy = p->sticker_y * view->height;
	disc->a = 0.5 * p->sticker_mm * ppm;
	disc->b = disc->a * cos(p->sticker_tilt_deg * G_PI / 180.0);
	disc->angle = p->sticker_axis_deg * G_PI / 180.0;
	*outer = *disc;
	outer->a *= k;
	outer->b *= k;
}

/* Fraction of pixel (x, y) inside @e once blurred by @sigma px: the
 * pixel's box and the optics' Gaussian together, across the edge.
 */
static double
coverage(const ScaleEllipse *e, double x, double y, double sigma)
{
	return 0.5 * erfc(scale_ellipse_distance(e, x, y) / (G_SQRT2 * sigma));
}

double
synth_pixel_noise(guint64 seed, int x, int y, int c)
{
	guint64 h = synth_mix(seed ^ (((guint64) y << 32) | (guint) x));
	SynthRng rng = {h + (guint64) c};
	double sum = 0.0;

	for (int i = 0; i < 4; i++)
		sum += synth_uniform(&rng);
	return (sum - 2.0) * 1.7320508;
}

/* Paint the sticker onto @px (@w × @h sRGB bytes) within its box. */
static void
paint(guchar *px, int w, int h, const SynthView *v, const ScaleEllipse *disc,
	const ScaleEllipse *outer)
{
	double sigma = sqrt(v->blur_px * v->blur_px + 1.0 / 12.0);
	double reach = outer->a + 4.0 * sigma + 2.0;
	double gain = pow(2.0, v->exposure);
	guint64 seed = synth_key(v->photo_seed, 77);

	for (int y = MAX((int) (disc->cy - reach), 0);
		 y < MIN((int) (disc->cy + reach) + 1, h); y++)
		for (int x = MAX((int) (disc->cx - reach), 0);
			 x < MIN((int) (disc->cx + reach) + 1, w); x++) {
			double ao = coverage(outer, x + 0.5, y + 0.5, sigma);
			double ai = coverage(disc, x + 0.5, y + 0.5, sigma);
			double light = synth_illumination(v, x + 0.5, y + 0.5) * gain;
			guchar *q = px + 3 * ((gsize) y * w + x);

			if (ao < 1e-4)
				continue;
			for (int c = 0; c < 3; c++) {
				double lin = synth_srgb_to_linear(q[c]) * (1.0 - ao) +
					((ao - ai) * RING + ai * PAPER) * light * v->cast[c];
				double out = synth_linear_to_srgb(CLAMP(lin, 0.0, 1.0)) +
					ao * v->noise_sigma * synth_pixel_noise(seed, x, y, c);

				q[c] = (guchar) CLAMP(floor(out + 0.5), 0.0, 255.0);
			}
		}
}

/* Drop the features of @list whose centre the sticker hides. */
static void
hide_features(GArray *list, const ScaleEllipse *outer)
{
	guint kept = 0;

	for (guint i = 0; i < list->len; i++) {
		SmpSynthDot d = g_array_index(list, SmpSynthDot, i);

		if (scale_ellipse_distance(outer, d.x, d.y) > 0.0)
			g_array_index(list, SmpSynthDot, kept++) = d;
	}
	g_array_set_size(list, kept);
}

static void
record(SmpSynthTruth *t, const SmpSynthParams *p, const SynthView *v,
	const ScaleEllipse *disc, const ScaleEllipse *outer)
{
	double c = cos(outer->angle), s = sin(outer->angle);
	double hx = sqrt(outer->a * outer->a * c * c + outer->b * outer->b * s * s);
	double hy = sqrt(outer->a * outer->a * s * s + outer->b * outer->b * c * c);

	t->sticker.present = TRUE;
	t->sticker.diameter_mm = p->sticker_mm;
	t->sticker.ring_mm = p->sticker_ring_mm;
	t->sticker.x = disc->cx;
	t->sticker.y = disc->cy;
	t->sticker.major_px = 2.0 * disc->a;
	t->sticker.minor_px = 2.0 * disc->b;
	t->sticker.angle_deg = p->sticker_axis_deg;
	t->sticker.tilt_deg = p->sticker_tilt_deg;
	t->sticker.partial = disc->cx - hx < 0 || disc->cy - hy < 0 ||
		disc->cx + hx > v->width || disc->cy + hy > v->height;
	hide_features(t->dots, outer);
	hide_features(t->distractors, outer);
}

VipsImage *
synth_sticker_paint(VipsImage *image, const SmpSynthParams *p,
	const SynthView *view, SmpSynthTruth *truth, GError **error)
{
	ScaleEllipse disc, outer;
	guchar *px;
	VipsImage *out;

	if (p->sticker_mm <= 0.0)
		return image;
	sticker_geometry(p, view, &disc, &outer);
	if (!(px = synth_bytes_open(image, error)))
		return NULL;
	paint(px, view->width, view->height, view, &disc, &outer);
	if (!(out = synth_bytes_close(px, view, error)))
		return NULL;
	if (truth)
		record(truth, p, view, &disc, &outer);
	return out;
}

guchar *
synth_bytes_open(VipsImage *image, GError **error)
{
	size_t size;
	guchar *px = vips_image_write_to_memory(image, &size);

	g_object_unref(image);
	if (!px)
		smp_error_from_vips(error, SMP_ERROR_INTERNAL, NULL, "synth paint");
	return px;
}

VipsImage *
synth_bytes_close(guchar *px, const SynthView *view, GError **error)
{
	VipsImage *out = vips_image_new_from_memory_copy(px,
		(size_t) view->width * view->height * 3, view->width, view->height, 3,
		VIPS_FORMAT_UCHAR);

	g_free(px);
	if (!out) {
		smp_error_from_vips(error, SMP_ERROR_INTERNAL, NULL, "synth paint");
		return NULL;
	}
	out->Type = VIPS_INTERPRETATION_sRGB;
	return out;
}
