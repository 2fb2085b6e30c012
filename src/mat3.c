/* 3×3 matrices (row-major double[9]); see smpdoc/mat3.h.
 * SPDX-License-Identifier: MIT
 */
#include <math.h>
#include <string.h>

#include "smpdoc/mat3.h"

#define SINGULAR_EPS 1e-12 /* |det| below this × (largest entry)³ */

void
smp_mat3_identity(double m[9])
{
	static const double id[9] = {1, 0, 0, 0, 1, 0, 0, 0, 1};

	memcpy(m, id, sizeof(id));
}

void
smp_mat3_mul(const double a[9], const double b[9], double out[9])
{
	double t[9];

	for (int i = 0; i < 3; i++)
		for (int j = 0; j < 3; j++)
			t[i * 3 + j] = a[i * 3] * b[j] + a[i * 3 + 1] * b[3 + j] +
				a[i * 3 + 2] * b[6 + j];
	memcpy(out, t, sizeof(t));
}

gboolean
smp_mat3_invert(const double m[9], double out[9])
{
	double c[9], det, norm = 0;

	c[0] = m[4] * m[8] - m[5] * m[7];
	c[1] = m[2] * m[7] - m[1] * m[8];
	c[2] = m[1] * m[5] - m[2] * m[4];
	c[3] = m[5] * m[6] - m[3] * m[8];
	c[4] = m[0] * m[8] - m[2] * m[6];
	c[5] = m[2] * m[3] - m[0] * m[5];
	c[6] = m[3] * m[7] - m[4] * m[6];
	c[7] = m[1] * m[6] - m[0] * m[7];
	c[8] = m[0] * m[4] - m[1] * m[3];
	det = m[0] * c[0] + m[1] * c[3] + m[2] * c[6];
	for (int i = 0; i < 9; i++)
		norm = fmax(norm, fabs(m[i]));
	if (!isfinite(det) || fabs(det) <= SINGULAR_EPS * norm * norm * norm)
		return FALSE;
	for (int i = 0; i < 9; i++)
		out[i] = c[i] / det;
	return TRUE;
}

void
smp_mat3_apply(const double m[9], double x, double y, double *ox, double *oy)
{
	double w = m[6] * x + m[7] * y + m[8];

	*ox = (m[0] * x + m[1] * y + m[2]) / w;
	*oy = (m[3] * x + m[4] * y + m[5]) / w;
}
