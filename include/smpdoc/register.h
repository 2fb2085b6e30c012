/* Registration of an after photo onto its before photo: a coarse
 * Fourier–Mellin search, a fine fit on the dots both photos share, the
 * per-dot matching that follows, landmarks, warping and the sidecar block.
 * SPDX-License-Identifier: MIT
 */
#ifndef SMPDOC_REGISTER_H
#define SMPDOC_REGISTER_H

#include <glib.h>
#include <json-glib/json-glib.h>
#include <vips/vips.h>

#include "smpdoc/detect.h"

G_BEGIN_DECLS

/* The transform model (pipeline key [register] model). */
typedef enum SmpRegisterModel {
	SMP_REGISTER_SIMILARITY, /* rotation, uniform scale, translation */
	SMP_REGISTER_AFFINE, /* + shear and anisotropic scale */
	SMP_REGISTER_HOMOGRAPHY /* + perspective */
} SmpRegisterModel;

/* Defaults of smp_register_params_default(). */
#define SMP_REGISTER_ROTATION_MAX_DEG 30.0
#define SMP_REGISTER_SCALE_MIN 0.7
#define SMP_REGISTER_SCALE_MAX 1.4
#define SMP_REGISTER_MATCH_TOL_PX 1.5 /* inlier distance, before px */
#define SMP_REGISTER_MIN_SCORE 0.35 /* ok needs at least this score */
#define SMP_REGISTER_MIN_INLIERS 30 /* ... and this many shared dots */
#define SMP_REGISTER_MAX_LANDMARKS 4

/* How to register. Fill with smp_register_params_default(), then override.
 * The matrix found maps AFTER pixel coordinates to BEFORE pixel coordinates
 * (FORMATS.md), so rotation and scale are those of that map: scale > 1
 * means the after photo is zoomed out.
 */
typedef struct SmpRegisterParams {
	SmpRegisterModel model;
	double rotation_max_deg; /* searched rotation: -max .. +max */
	double scale_min; /* searched scale range */
	double scale_max;
	double match_tol_px; /* a dot pair closer than this (before px)
	                          * under the transform is an inlier */
	double min_score; /* ok needs score >= min_score ... */
	int min_inliers; /* ... and inliers >= min_inliers */
} SmpRegisterParams;

/* Fill @p with similarity, ±30°, 0.7..1.4 and the thresholds above. */
void smp_register_params_default(SmpRegisterParams *p);

/* "similarity", "affine", "homography"; "unknown" out of range. Static. */
const char *smp_register_model_name(SmpRegisterModel model);

/* Parse a model name (case-insensitive). Returns: TRUE when known. */
gboolean smp_register_model_parse(const char *name, SmpRegisterModel *model);

/* The result of one registration. Allocated by this module only; free
 * with smp_registration_free(). Arrays are owned by the struct.
 */
typedef struct SmpRegistration {
	double matrix[9]; /* AFTER px → BEFORE px, row-major 3×3,
	                         * pixel centres at 0.5 in both (FORMATS.md) */
	SmpRegisterModel model; /* model of @matrix */
	const char *method; /* static: "fourier-mellin+dots",
	                         * "fourier-mellin", "landmarks" */
	double score; /* 0..1: share of the before dots in the
	                         * common frame re-found in the after photo,
	                         * above what chance gives */
	gboolean ok; /* the evidence is strong: use @matrix; FALSE:
	                         * show the pair unaligned and say so */
	double rotation_deg; /* of @matrix's linear part (informative) */
	double scale; /* sqrt |det| of the linear part */
	double coarse_peak; /* phase-correlation peak of the coarse stage,
	                         * 0..1; NaN for landmarks */
	int inliers; /* dot (or landmark) pairs that agree */
	int overlap_dots; /* before dots whose place is inside the after
	                         * frame: the inliers we could hope for */
	double rms_px; /* residual of the inliers, before px */

	/* Per-dot matching, when dots were given and ok is TRUE (else NULL
	 * and -1): for after dot i, after_match[i] is the index of its before
	 * dot or -1 (new, or outside the before frame).
	 */
	GArray *after_match; /* gint32, one per after dot */
	gint64 new_dots; /* after dots inside the before frame without
	                         * a before dot */
	gint64 persisting_dots; /* after dots matched to a before dot */
	gint64 outside_dots; /* after dots outside the before frame */
	double growth_px_median; /* persisting dots: after radius (in before
	                            * px) - before radius; NaN without any */
	double contrast_change_median; /* after - before contrast; NaN too */
	double growth_pct_median; /* 100 (after r - before r) / before r */
	double contrast_change_pct_median; /* 100 (after - before) / before
	                                    * contrast: fading is negative */
} SmpRegistration;

/* Register @after onto @before.
 *
 * @before, @after: (transfer none) upright 8-bit images (photo.h); only
 *   their sizes are used when dots are given, the pixels otherwise.
 * @before_dots, @after_dots: (nullable) (transfer none) SmpDot arrays from
 *   smp_detect_dots() on each photo. With both, the coarse search runs on
 *   maps of the dots and the fine fit on the dots they share; without,
 *   the coarse search runs on grey copies and @ok stays FALSE (nothing
 *   confirms it).
 * @p: (nullable) parameters; NULL: smp_register_params_default().
 *
 * Deterministic: the same inputs give the same numbers on every run and
 * thread count. Nothing is kept from the inputs.
 *
 * Returns: (transfer full) the registration (possibly with @ok FALSE),
 * or NULL with @error set (SMP_ERROR_CONFIG for bad parameters,
 * SMP_ERROR_CORRUPT when libvips cannot read the pixels).
 */
SmpRegistration *smp_register_pair(VipsImage *before, VipsImage *after,
	const GArray *before_dots, const GArray *after_dots,
	const SmpRegisterParams *p, GError **error);

/* The transform @model fitted by least squares to @n landmark pairs
 * @pairs[4 * i .. 4 * i + 3] = before_x, before_y, after_x, after_y (px).
 * @n is 2..SMP_REGISTER_MAX_LANDMARKS; similarity needs 2 pairs, affine
 * 3 and homography 4. The result has method "landmarks", ok TRUE, score
 * 1 and the residual in rms_px.
 *
 * Returns: (transfer full) the registration, or NULL with @error set
 * (SMP_ERROR_CONFIG: too few or too many pairs, points that coincide or
 * are collinear).
 */
SmpRegistration *smp_register_from_landmarks(
	const double *pairs, int n, SmpRegisterModel model, GError **error);

/* Read a landmarks CSV: lines "before_x,before_y,after_x,after_y" (px,
 * FORMATS.md convention), an optional header line naming those columns,
 * blank lines and lines starting with '#' ignored; 2..4 pairs.
 *
 * @pairs: (out) (transfer full) 4 * @n doubles; g_free() them.
 * @n: (out) number of pairs.
 *
 * Returns: TRUE on success; FALSE with @error naming "FILE:LINE" and the
 * reason (SMP_ERROR_IO when unreadable, SMP_ERROR_CONFIG otherwise).
 */
gboolean smp_register_landmarks_load(
	const char *path, double **pairs, int *n, GError **error);

/* Map after pixel (@ax, @ay) to the before frame with @r's matrix. */
void smp_register_map_point(
	const SmpRegistration *r, double ax, double ay, double *bx, double *by);

/* Warp @after onto the before frame: an @out_w × @out_h image (the before
 * photo's size) whose pixel at before position x shows the after photo at
 * matrix⁻¹ x; bicubic (vips_affine) for similarity and affine, bilinear
 * through vips_mapim for homography. Pixels with no after pixel are 0.
 *
 * Returns: (transfer full) the image (lazy: it refers to @after), or NULL
 * with @error set.
 */
VipsImage *smp_register_warp(VipsImage *after, const SmpRegistration *r,
	int out_w, int out_h, GError **error);

/* Add the sidecar "registration" object (FORMATS.md: method, model,
 * matrix, score, ok, plus inliers, overlap_dots, rms_px, rotation_deg and
 * scale) to @b as the next value: call json_builder_set_member_name()
 * first.
 */
void smp_register_to_json(const SmpRegistration *r, JsonBuilder *b);

/* Free @r and its arrays; accepts NULL. */
void smp_registration_free(SmpRegistration *r);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(SmpRegistration, smp_registration_free)

G_END_DECLS

#endif /* SMPDOC_REGISTER_H */
