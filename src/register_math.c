/* Small double-precision linear algebra for registration: 3×3 matrices
 * and least-squares fits of similarity, affine and homography models.
 * SPDX-License-Identifier: MIT
 */
#include <math.h>
#include <string.h>

#include "register_private.h"

#define HOMOGRAPHY_UNKNOWNS 8
#define PIVOT_EPS 1e-12 /* relative pivot below which a system is singular */

void
reg_mat_similarity(
	double s, double theta_rad, double tx, double ty, double m[9])
{
	double c = s * cos(theta_rad), sn = s * sin(theta_rad);

	m[0] = c;
	m[1] = -sn;
	m[2] = tx;
	m[3] = sn;
	m[4] = c;
	m[5] = ty;
	m[6] = 0;
	m[7] = 0;
	m[8] = 1;
}

void
reg_mat_decompose(const double m[9], double *rotation_deg, double *scale)
{
	/* The rotation of the closest similarity: atan2 of the antisymmetric
	 * part over the symmetric part of the linear map.
	 */
	*rotation_deg = atan2(m[3] - m[1], m[0] + m[4]) * 180.0 / G_PI;
	*scale = sqrt(fabs(m[0] * m[4] - m[1] * m[3]) / (m[8] * m[8]));
}

int
reg_model_min_pairs(SmpRegisterModel model)
{
	switch (model) {
	case SMP_REGISTER_SIMILARITY:
		return 2;
	case SMP_REGISTER_AFFINE:
		return 3;
	case SMP_REGISTER_HOMOGRAPHY:
		return 4;
	}
	return 4;
}

/* Centroids and spread of both point sets: fits run on centred points so
 * that pixel coordinates in the thousands do not cost precision.
 */
typedef struct Frame {
	double sx, sy, dx, dy; /* centroids of src and dst */
	double spread; /* RMS distance of src from its centroid */
} Frame;

static void
frame_of(const double *src, const double *dst, int n, Frame *f)
{
	double v = 0;

	memset(f, 0, sizeof(*f));
	for (int i = 0; i < n; i++) {
		f->sx += src[2 * i];
		f->sy += src[2 * i + 1];
		f->dx += dst[2 * i];
		f->dy += dst[2 * i + 1];
	}
	f->sx /= n;
	f->sy /= n;
	f->dx /= n;
	f->dy /= n;
	for (int i = 0; i < n; i++)
		v += pow(src[2 * i] - f->sx, 2) + pow(src[2 * i + 1] - f->sy, 2);
	f->spread = sqrt(v / n);
}

/* Closed form: a = Σ(p·q)/Σ|p|², b = Σ(p×q)/Σ|p|² on centred points. */
static gboolean
fit_similarity(const double *src, const double *dst, int n, double m[9])
{
	Frame f;
	double pp = 0, pq = 0, cross = 0, a, b;

	frame_of(src, dst, n, &f);
	for (int i = 0; i < n; i++) {
		double px = src[2 * i] - f.sx, py = src[2 * i + 1] - f.sy;
		double qx = dst[2 * i] - f.dx, qy = dst[2 * i + 1] - f.dy;

		pp += px * px + py * py;
		pq += px * qx + py * qy;
		cross += px * qy - py * qx;
	}
	if (!(f.spread > 1e-6))
		return FALSE;
	a = pq / pp;
	b = cross / pp;
	m[0] = a;
	m[1] = -b;
	m[2] = f.dx - a * f.sx + b * f.sy;
	m[3] = b;
	m[4] = a;
	m[5] = f.dy - b * f.sx - a * f.sy;
	m[6] = m[7] = 0;
	m[8] = 1;
	return TRUE;
}

/* Solve the @n×@n system @a x = @b in place (Gaussian elimination with
 * partial pivoting); @a is row-major. Returns: FALSE when singular.
 */
static gboolean
solve(double *a, double *b, int n)
{
	double scale = 0;

	for (int i = 0; i < n * n; i++)
		scale = fmax(scale, fabs(a[i]));
	for (int col = 0; col < n; col++) {
		int piv = col;

		for (int r = col + 1; r < n; r++)
			if (fabs(a[r * n + col]) > fabs(a[piv * n + col]))
				piv = r;
		if (!(fabs(a[piv * n + col]) > PIVOT_EPS * scale))
			return FALSE;
		if (piv != col) {
			for (int k = 0; k < n; k++) {
				double t = a[col * n + k];

				a[col * n + k] = a[piv * n + k];
				a[piv * n + k] = t;
			}
			double t = b[col];

			b[col] = b[piv];
			b[piv] = t;
		}
		for (int r = col + 1; r < n; r++) {
			double f = a[r * n + col] / a[col * n + col];

			for (int k = col; k < n; k++)
				a[r * n + k] -= f * a[col * n + k];
			b[r] -= f * b[col];
		}
	}
	for (int r = n - 1; r >= 0; r--) {
		double v = b[r];

		for (int k = r + 1; k < n; k++)
			v -= a[r * n + k] * b[k];
		b[r] = v / a[r * n + r];
	}
	return TRUE;
}

/* Two independent 3-unknown normal systems, one per output coordinate. */
static gboolean
fit_affine(const double *src, const double *dst, int n, double m[9])
{
	Frame f;
	double ata[9] = {0}, atx[3] = {0}, aty[3] = {0};

	frame_of(src, dst, n, &f);
	for (int i = 0; i < n; i++) {
		double row[3] = {src[2 * i] - f.sx, src[2 * i + 1] - f.sy, 1};
		double qx = dst[2 * i] - f.dx, qy = dst[2 * i + 1] - f.dy;

		for (int j = 0; j < 3; j++) {
			for (int k = 0; k < 3; k++)
				ata[j * 3 + k] += row[j] * row[k];
			atx[j] += row[j] * qx;
			aty[j] += row[j] * qy;
		}
	}
	double ata2[9];

	memcpy(ata2, ata, sizeof(ata));
	if (!solve(ata, atx, 3) || !solve(ata2, aty, 3))
		return FALSE;
	/* Undo the centring: q = A (p - s̄) + c + d̄. */
	m[0] = atx[0];
	m[1] = atx[1];
	m[2] = atx[2] + f.dx - atx[0] * f.sx - atx[1] * f.sy;
	m[3] = aty[0];
	m[4] = aty[1];
	m[5] = aty[2] + f.dy - aty[0] * f.sx - aty[1] * f.sy;
	m[6] = m[7] = 0;
	m[8] = 1;
	return TRUE;
}

/* Hartley normalisation: centre and scale so the RMS radius is sqrt(2). */
static void
normaliser(const double *pts, int n, double t[9])
{
	double cx = 0, cy = 0, v = 0, k;

	for (int i = 0; i < n; i++) {
		cx += pts[2 * i];
		cy += pts[2 * i + 1];
	}
	cx /= n;
	cy /= n;
	for (int i = 0; i < n; i++)
		v += pow(pts[2 * i] - cx, 2) + pow(pts[2 * i + 1] - cy, 2);
	k = v > 0 ? sqrt(2.0 * n / v) : 1.0;
	reg_mat_similarity(k, 0, -k * cx, -k * cy, t);
}

/* Linear DLT with h33 = 1 on normalised points: each pair gives two rows
 * of an 8-unknown system, solved through its normal equations.
 */
static gboolean
fit_homography(const double *src, const double *dst, int n, double m[9])
{
	double ts[9], td[9], tdi[9], h[9], ata[64] = {0}, atb[8] = {0};

	normaliser(src, n, ts);
	normaliser(dst, n, td);
	for (int i = 0; i < n; i++) {
		double x, y, u, v;

		smp_mat3_apply(ts, src[2 * i], src[2 * i + 1], &x, &y);
		smp_mat3_apply(td, dst[2 * i], dst[2 * i + 1], &u, &v);
		double r1[8] = {x, y, 1, 0, 0, 0, -u * x, -u * y};
		double r2[8] = {0, 0, 0, x, y, 1, -v * x, -v * y};

		for (int j = 0; j < HOMOGRAPHY_UNKNOWNS; j++) {
			for (int k = 0; k < HOMOGRAPHY_UNKNOWNS; k++)
				ata[j * 8 + k] += r1[j] * r1[k] + r2[j] * r2[k];
			atb[j] += r1[j] * u + r2[j] * v;
		}
	}
	if (!solve(ata, atb, HOMOGRAPHY_UNKNOWNS))
		return FALSE;
	memcpy(h, atb, sizeof(atb));
	h[8] = 1;
	/* Back to pixels: H = Td⁻¹ Hn Ts, scaled so that h33 = 1. */
	if (!smp_mat3_invert(td, tdi))
		return FALSE;
	smp_mat3_mul(h, ts, h);
	smp_mat3_mul(tdi, h, m);
	if (!(fabs(m[8]) > 1e-12))
		return FALSE;
	for (int i = 0; i < 9; i++)
		m[i] /= m[8];
	return TRUE;
}

gboolean
reg_fit(SmpRegisterModel model, const double *src, const double *dst, int n,
	double m[9])
{
	if (n < reg_model_min_pairs(model))
		return FALSE;
	switch (model) {
	case SMP_REGISTER_SIMILARITY:
		return fit_similarity(src, dst, n, m);
	case SMP_REGISTER_AFFINE:
		return fit_affine(src, dst, n, m);
	case SMP_REGISTER_HOMOGRAPHY:
		return fit_homography(src, dst, n, m);
	}
	return FALSE;
}
