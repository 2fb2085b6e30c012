/* Internal interfaces of the register module: small 3×3 and least-squares
 * helpers (register_math.c) and the dot constellation fit
 * (register_match.c), shared with src/register.c and its tests.
 * SPDX-License-Identifier: MIT
 */
#ifndef SMPDOC_REGISTER_PRIVATE_H
#define SMPDOC_REGISTER_PRIVATE_H

#include <glib.h>
#include <vips/vips.h>

#include "smpdoc/detect.h"
#include "smpdoc/mat3.h"
#include "smpdoc/register.h"

/* --- register_fft.c: the Fourier transforms ---------------------------- */

/* The forward FFT of a @w × @h float buffer (even sizes): a DPCOMPLEX
 * memory image (interleaved re, im) holding the full plane, divided by w·h,
 * as libvips's fwfft gives it; NULL with @error set.
 */
VipsImage *reg_fft(const float *v, int w, int h, GError **error);

/* The inverse FFT of a Hermitian @w × @h full-plane spectrum (interleaved
 * re, im), unnormalised: a DOUBLE memory image, as libvips's invfft with
 * real gives it; NULL with @error set.
 */
VipsImage *reg_ifft_real(const double *spectrum, int w, int h, GError **error);

/* --- register_math.c: 3×3 matrices (row-major) and model fits ---------- */

/* The similarity s·R(θ) with translation (tx, ty). */
void reg_mat_similarity(
	double s, double theta_rad, double tx, double ty, double m[9]);

/* Rotation (degrees) and scale (sqrt |det|) of @m's linear part. */
void reg_mat_decompose(const double m[9], double *rotation_deg, double *scale);

/* Fit @model by least squares to @n pairs: @src[2i], @src[2i+1] maps to
 * @dst[2i], @dst[2i+1]. Similarity and affine are exact closed forms on
 * centred points; the homography is the normalised DLT with h33 = 1
 * (normal equations in double).
 * Returns: FALSE when the points do not determine the model (too few,
 * coincident or collinear).
 */
gboolean reg_fit(SmpRegisterModel model, const double *src, const double *dst,
	int n, double m[9]);

/* Pairs each model needs at least. */
int reg_model_min_pairs(SmpRegisterModel model);

/* --- register_match.c: the dot constellation -------------------------- */

/* What the fine stage found. */
typedef struct RegFine {
	double matrix[9];
	int inliers;
	int overlap; /* before dots mapped inside the after frame */
	double rms_px;
	double chance; /* inlier fraction a random transform would get */
	double score;
} RegFine;

/* Refine the coarse @m0 (after px → before px) on the dots: translation
 * hypotheses from candidate pairs within @radius_px of where @m0 puts
 * them, the best one grown by least squares on nearest-neighbour inliers
 * with a shrinking tolerance, then the requested model.
 * Returns: FALSE when there are too few dots to try.
 */
gboolean reg_fine_fit(const SmpDot *before, int nb, int wb, int hb,
	const SmpDot *after, int na, int wa, int ha, const double m0[9],
	double radius_px, const SmpRegisterParams *p, RegFine *out);

/* Assign each after dot to at most one before dot under @m (greedy by
 * distance, ties by index) and fill @r's per-dot fields.
 */
void reg_match_dots(const SmpDot *before, int nb, int wb, int hb,
	const SmpDot *after, int na, const double m[9], double tol_px,
	SmpRegistration *r);

#endif /* SMPDOC_REGISTER_PRIVATE_H */
