/* Internal interface of the sticker scale: the direct least-squares
 * ellipse fit and its geometry, shared by scale.c and the tests.
 * SPDX-License-Identifier: MIT
 */
#ifndef SMPDOC_SCALE_PRIVATE_H
#define SMPDOC_SCALE_PRIVATE_H

#include <glib.h>

/* An ellipse: centre, semi-axes a >= b, direction of the a axis. */
typedef struct ScaleEllipse {
	double cx, cy; /* px */
	double a, b; /* semi-axes, px, a >= b > 0 */
	double angle; /* radians, of the a axis, in [0, pi), image axes */
} ScaleEllipse;

/* Fit an ellipse to the @n points @xy (x0, y0, x1, y1, ...) by the direct
 * least-squares method of Fitzgibbon, Pilu and Fisher (1999) in the
 * numerically stable form of Halir and Flusser (1998), on coordinates
 * centred and scaled for conditioning. FALSE when the points do not
 * determine an ellipse (fewer than 6, collinear, a hyperbola).
 */
gboolean scale_fit_ellipse(const double *xy, gsize n, ScaleEllipse *e);

/* Signed distance of (x, y) from the ellipse's edge, px: negative inside.
 * First order in the normalised radius ((rho - 1) / |grad rho|), exact on
 * the edge and within a few percent near it, which is where it is used.
 */
double scale_ellipse_distance(const ScaleEllipse *e, double x, double y);

#endif /* SMPDOC_SCALE_PRIVATE_H */
