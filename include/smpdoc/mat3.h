/* Small 3×3 double matrices (row-major double[9]): the homogeneous
 * transforms of registration and composites, and the conic fit's scatter
 * blocks. One implementation so that every caller judges singularity alike.
 * SPDX-License-Identifier: MIT
 */
#ifndef SMPDOC_MAT3_H
#define SMPDOC_MAT3_H

#include <glib.h>

void smp_mat3_identity(double m[9]);

/* @out = @a · @b; @out may alias either input. */
void smp_mat3_mul(const double a[9], const double b[9], double out[9]);

/* Returns: FALSE when @m is singular (|det| tiny against the cube of its
 * largest entry, or not finite); @out is then untouched.
 */
gboolean smp_mat3_invert(const double m[9], double out[9]);

/* Apply @m to (x, y), dividing by w for homographies. */
void smp_mat3_apply(
	const double m[9], double x, double y, double *ox, double *oy);

#endif
