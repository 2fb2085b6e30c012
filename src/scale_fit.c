/* Direct least-squares ellipse fit (Fitzgibbon, Pilu and Fisher 1999, in
 * the stable form of Halir and Flusser 1998) and ellipse geometry, for the
 * calibration sticker's edge.
 * SPDX-License-Identifier: MIT
 */
#include <math.h>
#include <string.h>

#include "scale_private.h"
#include "smpdoc/mat3.h"

/* The real roots of l^3 + a l^2 + b l + c, each polished by Newton steps.
 * Returns how many (1 or 3).
 */
static int
cubic_roots(double a, double b, double c, double roots[3])
{
	double p = b - a * a / 3.0;
	double q = 2.0 * a * a * a / 27.0 - a * b / 3.0 + c;
	double disc = q * q / 4.0 + p * p * p / 27.0;
	int n;

	if (disc <= 0.0 && p < 0.0) {
		double m = 2.0 * sqrt(-p / 3.0);
		double arg = 3.0 * q / (p * m);
		double th = acos(CLAMP(arg, -1.0, 1.0)) / 3.0;

		for (int k = 0; k < 3; k++)
			roots[k] = m * cos(th - 2.0 * G_PI * k / 3.0) - a / 3.0;
		n = 3;
	}
	else {
		double s = sqrt(MAX(disc, 0.0));

		roots[0] = cbrt(-q / 2.0 + s) + cbrt(-q / 2.0 - s) - a / 3.0;
		n = 1;
	}
	for (int k = 0; k < n; k++)
		for (int it = 0; it < 3; it++) {
			double l = roots[k];
			double f = ((l + a) * l + b) * l + c;
			double d = (3.0 * l + 2.0 * a) * l + b;

			if (d != 0.0)
				roots[k] = l - f / d;
		}
	return n;
}

/* An eigenvector of @m for eigenvalue @l: the longest cross product of two
 * rows of m - l I (they span the space orthogonal to it).
 */
static void
eigenvector(const double m[9], double l, double v[3])
{
	double r[3][3], best = -1.0;

	for (int i = 0; i < 3; i++)
		for (int j = 0; j < 3; j++)
			r[i][j] = m[3 * i + j] - (i == j ? l : 0.0);
	for (int i = 0; i < 3; i++) {
		const double *p = r[i], *q = r[(i + 1) % 3];
		double c[3] = {p[1] * q[2] - p[2] * q[1], p[2] * q[0] - p[0] * q[2],
			p[0] * q[1] - p[1] * q[0]};
		double n = c[0] * c[0] + c[1] * c[1] + c[2] * c[2];

		if (n > best) {
			best = n;
			memcpy(v, c, sizeof c);
		}
	}
}

/* Scatter matrices of the design matrices D1 = [x², xy, y²] and
 * D2 = [x, y, 1]: S1 = D1'D1, S2 = D1'D2, S3 = D2'D2.
 */
static void
scatter(const double *xy, gsize n, double mx, double my, double s, double s1[9],
	double s2[9], double s3[9])
{
	memset(s1, 0, 9 * sizeof(double));
	memset(s2, 0, 9 * sizeof(double));
	memset(s3, 0, 9 * sizeof(double));
	for (gsize k = 0; k < n; k++) {
		double x = (xy[2 * k] - mx) / s, y = (xy[2 * k + 1] - my) / s;
		double d1[3] = {x * x, x * y, y * y}, d2[3] = {x, y, 1.0};

		for (int i = 0; i < 3; i++)
			for (int j = 0; j < 3; j++) {
				s1[3 * i + j] += d1[i] * d1[j];
				s2[3 * i + j] += d1[i] * d2[j];
				s3[3 * i + j] += d2[i] * d2[j];
			}
	}
}

/* The conic (A..F of A x² + B xy + C y² + D x + E y + F) minimising the
 * algebraic distance under 4AC - B² = 1 (Halir and Flusser's reduction
 * to a 3×3 eigenproblem).
 */
static gboolean
fit_conic(
	const double s1[9], const double s2[9], const double s3[9], double conic[6])
{
	double s3i[9], s2t[9], t[9], st[9], m[9], c1m[9], roots[3];
	int nr;
	gboolean found = FALSE;

	if (!smp_mat3_invert(s3, s3i))
		return FALSE;
	for (int i = 0; i < 3; i++)
		for (int j = 0; j < 3; j++)
			s2t[3 * i + j] = s2[3 * j + i];
	smp_mat3_mul(s3i, s2t, t);
	for (int i = 0; i < 9; i++)
		t[i] = -t[i];
	smp_mat3_mul(s2, t, st);
	for (int i = 0; i < 9; i++)
		m[i] = s1[i] + st[i];
	/* C1^-1 M with C1 = [[0 0 2] [0 -1 0] [2 0 0]]. */
	for (int j = 0; j < 3; j++) {
		c1m[j] = m[6 + j] / 2.0;
		c1m[3 + j] = -m[3 + j];
		c1m[6 + j] = m[j] / 2.0;
	}
	nr = cubic_roots(-(c1m[0] + c1m[4] + c1m[8]),
		c1m[0] * c1m[4] - c1m[1] * c1m[3] + c1m[0] * c1m[8] - c1m[2] * c1m[6] +
			c1m[4] * c1m[8] - c1m[5] * c1m[7],
		-(c1m[0] * (c1m[4] * c1m[8] - c1m[5] * c1m[7]) -
			c1m[1] * (c1m[3] * c1m[8] - c1m[5] * c1m[6]) +
			c1m[2] * (c1m[3] * c1m[7] - c1m[4] * c1m[6])),
		roots);
	for (int k = 0; k < nr && !found; k++) {
		double v[3];

		eigenvector(c1m, roots[k], v);
		if (4.0 * v[0] * v[2] - v[1] * v[1] <= 0.0)
			continue;
		memcpy(conic, v, sizeof v);
		for (int i = 0; i < 3; i++)
			conic[3 + i] =
				t[3 * i] * v[0] + t[3 * i + 1] * v[1] + t[3 * i + 2] * v[2];
		found = TRUE;
	}
	return found;
}

/* Centre, axes and direction of an ellipse conic. */
static gboolean
conic_geometry(const double c[6], ScaleEllipse *e)
{
	double A = c[0], B = c[1], C = c[2], D = c[3], E = c[4], F = c[5];
	double det = 4.0 * A * C - B * B, f0, mean, diff, l1, l2, ang;

	if (!(det > 0.0))
		return FALSE;
	e->cx = (B * E - 2.0 * C * D) / det;
	e->cy = (B * D - 2.0 * A * E) / det;
	f0 = A * e->cx * e->cx + B * e->cx * e->cy + C * e->cy * e->cy + D * e->cx +
		E * e->cy + F;
	/* Eigenvalues of [[A, B/2], [B/2, C]]: l1 <= l2 (same sign). */
	mean = 0.5 * (A + C);
	diff = sqrt(0.25 * (A - C) * (A - C) + 0.25 * B * B);
	l1 = mean - diff;
	l2 = mean + diff;
	if (mean < 0.0) { /* the conic's overall sign is arbitrary */
		double tmp = -l2;

		l2 = -l1;
		l1 = tmp;
		f0 = -f0;
		B = -B;
		A = -A;
		C = -C;
	}
	if (!(f0 < 0.0) || !(l1 > 0.0))
		return FALSE;
	e->a = sqrt(-f0 / l1);
	e->b = sqrt(-f0 / l2);
	/* The a axis is the eigenvector of the smaller eigenvalue l1. */
	ang = 0.5 * atan2(B, A - C) + G_PI / 2.0;
	ang = fmod(ang, G_PI);
	e->angle = ang < 0.0 ? ang + G_PI : ang;
	return TRUE;
}

gboolean
scale_fit_ellipse(const double *xy, gsize n, ScaleEllipse *e)
{
	double mx = 0.0, my = 0.0, s = 0.0, s1[9], s2[9], s3[9], conic[6];

	if (n < 6)
		return FALSE;
	for (gsize k = 0; k < n; k++) {
		mx += xy[2 * k];
		my += xy[2 * k + 1];
	}
	mx /= (double) n;
	my /= (double) n;
	for (gsize k = 0; k < n; k++)
		s += hypot(xy[2 * k] - mx, xy[2 * k + 1] - my);
	s /= (double) n;
	if (!(s > 0.0))
		return FALSE;
	scatter(xy, n, mx, my, s, s1, s2, s3);
	if (!fit_conic(s1, s2, s3, conic) || !conic_geometry(conic, e))
		return FALSE;
	e->cx = e->cx * s + mx;
	e->cy = e->cy * s + my;
	e->a *= s;
	e->b *= s;
	return TRUE;
}

double
scale_ellipse_distance(const ScaleEllipse *e, double x, double y)
{
	double c = cos(e->angle), s = sin(e->angle);
	double dx = x - e->cx, dy = y - e->cy;
	double u = dx * c + dy * s, v = -dx * s + dy * c;
	double rho = sqrt(u * u / (e->a * e->a) + v * v / (e->b * e->b));
	double gu, gv;

	if (rho == 0.0)
		return -e->b;
	gu = u / (e->a * e->a * rho);
	gv = v / (e->b * e->b * rho);
	return (rho - 1.0) / hypot(gu, gv);
}
