/* The registration's Fourier transforms, with FFTW planned by estimate.
 *
 * libvips's fwfft and invfft plan with FFTW_MEASURE: each size costs
 * 0.25–0.55 s of timing runs in every process (an `smpdoc pair` on small
 * photos spent 2.0 of its 3.3 s there), and a measured plan can differ
 * between runs, and with it the last bits of the result. An estimated
 * plan costs microseconds and is the same on every run of a machine.
 * The results keep libvips's layout and scaling (a full-plane
 * DPCOMPLEX spectrum divided by w·h; an unnormalised real inverse), which
 * tests/test_register.c checks against libvips.
 * SPDX-License-Identifier: MIT
 */
#include <string.h>

#include <fftw3.h>

#include "smpdoc/error.h"
#include "register_private.h"

/* FFTW's planner is not thread-safe (its execution is): plans are made
 * and destroyed under this lock, and run outside it.
 */
static GMutex planner_lock;

static void
free_buffer(VipsImage *image, gpointer buffer)
{
	(void) image;
	fftw_free(buffer);
}

/* A @w × @h one-band memory image over @buffer (from fftw_malloc(), so
 * aligned for FFTW's vector code), which it frees when it closes.
 */
static VipsImage *
wrap_buffer(void *buffer, int w, int h, VipsBandFormat format)
{
	VipsImage *image = vips_image_new_from_memory(
		buffer, vips_format_sizeof(format) * (gsize) w * h, w, h, 1, format);

	if (!image) {
		fftw_free(buffer);
		return NULL;
	}
	g_signal_connect(image, "postclose", G_CALLBACK(free_buffer), buffer);
	return image;
}

static void
plan_destroy(fftw_plan plan)
{
	g_mutex_lock(&planner_lock);
	fftw_destroy_plan(plan);
	g_mutex_unlock(&planner_lock);
}

/* The real-to-complex transform of @v into @half (@h rows of w/2 + 1). */
static gboolean
forward_half(const float *v, int w, int h, fftw_complex *half)
{
	double *in = fftw_alloc_real((gsize) w * h);
	fftw_plan plan;

	if (!in)
		return FALSE;
	g_mutex_lock(&planner_lock);
	plan = fftw_plan_dft_r2c_2d(h, w, in, half, FFTW_ESTIMATE);
	g_mutex_unlock(&planner_lock);
	if (plan) {
		for (gsize i = 0; i < (gsize) w * h; i++)
			in[i] = v[i];
		fftw_execute(plan);
		plan_destroy(plan);
	}
	fftw_free(in);
	return plan != NULL;
}

VipsImage *
reg_fft(const float *v, int w, int h, GError **error)
{
	const int hw = w / 2 + 1;
	fftw_complex *half = fftw_alloc_complex((gsize) h * hw);
	double *full = fftw_alloc_real(2 * (gsize) w * h);
	const double scale = 1.0 / ((double) w * h);

	if (!half || !full || !forward_half(v, w, h, half)) {
		fftw_free(half);
		fftw_free(full);
		g_set_error(error, SMP_ERROR, SMP_ERROR_INTERNAL,
			"register: fft: no FFTW plan or memory for %dx%d", w, h);
		return NULL;
	}
	/* Scaled by 1 / (w h) as libvips scales it; the other half by
	 * symmetry, F(x, y) = conj F(-x, -y).
	 */
	for (int y = 0; y < h; y++) {
		double *row = full + 2 * (gsize) y * w;
		const fftw_complex *own = half + (gsize) y * hw;
		const fftw_complex *mirror = half + (gsize) ((h - y) % h) * hw;

		for (int x = 0; x < hw; x++) {
			row[2 * x] = own[x][0] * scale;
			row[2 * x + 1] = own[x][1] * scale;
		}
		for (int x = hw; x < w; x++) {
			row[2 * x] = mirror[w - x][0] * scale;
			row[2 * x + 1] = -mirror[w - x][1] * scale;
		}
	}
	fftw_free(half);
	return wrap_buffer(full, w, h, VIPS_FORMAT_DPCOMPLEX);
}

VipsImage *
reg_ifft_real(const double *spectrum, int w, int h, GError **error)
{
	const int hw = w / 2 + 1;
	fftw_complex *half = fftw_alloc_complex((gsize) h * hw);
	double *out = fftw_alloc_real((gsize) w * h);
	fftw_plan plan = NULL;

	if (half && out) {
		g_mutex_lock(&planner_lock);
		plan = fftw_plan_dft_c2r_2d(h, w, half, out, FFTW_ESTIMATE);
		g_mutex_unlock(&planner_lock);
	}
	if (!plan) {
		fftw_free(half);
		fftw_free(out);
		g_set_error(error, SMP_ERROR, SMP_ERROR_INTERNAL,
			"register: fft: no FFTW plan or memory for %dx%d", w, h);
		return NULL;
	}
	/* The half plane of a Hermitian spectrum holds all of it. */
	for (int y = 0; y < h; y++)
		memcpy(half + (gsize) y * hw, spectrum + 2 * (gsize) y * w,
			sizeof(fftw_complex) * hw);
	fftw_execute(plan);
	plan_destroy(plan);
	fftw_free(half);
	return wrap_buffer(out, w, h, VIPS_FORMAT_DOUBLE);
}
