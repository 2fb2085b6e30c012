/* Research harness for the merged fraction (issue 10); see NOTES.md. Not part of make or make check. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <vips/vips.h>

#include "smpdoc/artist.h"
#include "smpdoc/detect.h"
#include "smpdoc/measure.h"
#include "smpdoc/synth.h"

#define PPM 20.0
#define MARGIN 2.0

typedef struct Feat {
	double thin, wmax, sym, rnoise;
	double fx, fy, fr;
	int fitn;
	double pw, prw;
	double rp, wang, wrad;
	double lobe, lnoise, lt, lang, lspread, ltail;
	double bg, c, rhalf_ray, rminor, rmajor, area, lobes, waist, far_x, far_y;
	int ok;
} Feat;

static const guint8 *G;
static double NMASK_K = 1.5, NMASK_P = 2, THINK = 0.6, FITK = 1.5, FITA = 60;
static int W, H;

static double LUT[256];
static int LIN = 0;
static long NPX;
static double
px(int x, int y)
{
	NPX++;
	x = CLAMP(x, 0, W - 1);
	y = CLAMP(y, 0, H - 1);
	return LIN ? LUT[G[(gsize) y * W + x]] : G[(gsize) y * W + x];
}

static int
cmpd(const void *a, const void *b)
{
	double x = *(const double *) a, y = *(const double *) b;
	return (x > y) - (x < y);
}

/* Features of one dot. */
static const SmpDot *ALL;
static guint NALL;
static double
extent(const SmpDot *d, const Feat *f, double ux, double uy)
{
	double t;
	for (t = 0.5; t < 60; t += 0.25) {
		double sx = d->x + t * ux - 0.5, sy = d->y + t * uy - 0.5;
		int ix = (int) floor(sx), iy = (int) floor(sy);
		double fx = sx - ix, fy = sy - iy;
		double v = (1 - fx) * (1 - fy) * px(ix, iy) +
			fx * (1 - fy) * px(ix + 1, iy) + (1 - fx) * fy * px(ix, iy + 1) +
			fx * fy * px(ix + 1, iy + 1);
		if (f->bg - v < 0.5 * f->c)
			break;
	}
	return t - 0.125;
}
static double
bil(double x, double y)
{
	double sx = x - 0.5, sy = y - 0.5;
	int ix = (int) floor(sx), iy = (int) floor(sy);
	double fx = sx - ix, fy = sy - iy;
	return (1 - fx) * (1 - fy) * px(ix, iy) + fx * (1 - fy) * px(ix + 1, iy) +
		(1 - fx) * fy * px(ix, iy + 1) + fx * fy * px(ix + 1, iy + 1);
}
/* the shallowest depth on the segment between two dots' centres, over the smaller centre depth */
static double
saddle(double ax, double ay, double bx, double by, double bg, double cmin)
{
	double dx = bx - ax, dy = by - ay, d = hypot(dx, dy), lo = 1e9;
	if (d <= 0 || cmin <= 0)
		return 1;
	double nx = -dy / d, ny = dx / d;
	for (double t = 0; t <= d; t += 0.25) {
		double v = 0;
		for (int l = -1; l <= 1; l++)
			v += bil(ax + t * dx / d + 0.75 * l * nx,
				ay + t * dy / d + 0.75 * l * ny);
		lo = MIN(lo, bg - v / 3);
	}
	return lo / cmin;
}
static int
pair_merged(guint i, guint j, const Feat *F, double margin)
{
	const SmpDot *a = &ALL[i], *b = &ALL[j];
	double dx = b->x - a->x, dy = b->y - a->y, d = hypot(dx, dy);
	if (!F[i].ok || !F[j].ok || !(F[i].c > 0) || !(F[j].c > 0) || d <= 0)
		return d < a->r + b->r + margin;
	double ri = F[i].rhalf_ray, rj = F[j].rhalf_ray;
	double li = extent(a, &F[i], -dx / d, -dy / d),
		   lj = extent(b, &F[j], dx / d, dy / d);
	double dtrue = d + li + lj - ri - rj;
	return dtrue < ri + rj + margin;
}
static void
feat(const SmpDot *d, Feat *f)
{
	int nbr[64], nn0 = 0;
	for (guint j = 0; j < NALL && nn0 < 64; j++)
		if (&ALL[j] != d &&
			fabs(ALL[j].x - d->x) < 4.5 * d->r + 4 + 2 * ALL[j].r + 3 &&
			fabs(ALL[j].y - d->y) < 4.5 * d->r + 4 + 2 * ALL[j].r + 3)
			nbr[nn0++] = j;

	double r = d->r, ring_in = 2.2 * r + 1.5, ring_out = 3.0 * r + 4.0;
	double reach = 4.5 * r + 4.0;
	int x0 = (int) floor(d->x - reach), x1 = (int) ceil(d->x + reach);
	int y0 = (int) floor(d->y - reach), y1 = (int) ceil(d->y + reach);
	int ww = x1 - x0 + 1, hh = y1 - y0 + 1;
	double ring[20000];
	int nr = 0, nc = 0;
	double core = MAX(0.8, 0.35 * r), cen = 0;

	memset(f, 0, sizeof *f);
	if (!g_getenv("EDGE") && (x0 < 0 || y0 < 0 || x1 >= W || y1 >= H))
		return;
	for (int y = y0; y <= y1; y++)
		for (int x = x0; x <= x1; x++) {
			double dx = x + 0.5 - d->x, dy = y + 0.5 - d->y, q = hypot(dx, dy);
			if (x < 0 || y < 0 || x >= W || y >= H)
				continue;
			if (q >= ring_in && q <= ring_out && nr < 20000)
				ring[nr++] = px(x, y);
			if (q < core) {
				cen += px(x, y);
				nc++;
			}
		}
	if (nr < 8) {
		if (g_getenv("OKDBG"))
			printf("OK0 nr %d\n", nr);
		return;
	}
	qsort(ring, nr, sizeof *ring, cmpd);
	f->bg = ring[nr / 2];
	{
		double *dev = g_new(double, nr);
		for (int q = 0; q < nr; q++)
			dev[q] = fabs(ring[q] - f->bg);
		qsort(dev, nr, sizeof *dev, cmpd);
		f->rnoise = 1.4826 * dev[nr / 2];
		g_free(dev);
	}
	if (nc == 0) {
		cen = px((int) d->x, (int) d->y);
		nc = 1;
	}
	f->c = f->bg - cen / nc;
	if (!(f->c > 0)) {
		if (g_getenv("OKDBG"))
			printf("OK0 c<=0 bg %.1f cen %.1f r %.2f contrast %.3f nc %d\n",
				f->bg, cen / nc, d->r, d->contrast, nc);
		return;
	}
	double thr = 0.5 * f->c;
	/* rays */
	double L[16];
	for (int k = 0; k < 16; k++) {
		double ca = cos(k * G_PI / 8), sa = sin(k * G_PI / 8), t;
		for (t = 0.5; t < reach; t += 0.5) {
			double sx = d->x + t * ca - 0.5, sy = d->y + t * sa - 0.5;
			int ix = (int) floor(sx), iy = (int) floor(sy);
			double fx = sx - ix, fy = sy - iy;
			double v = (1 - fx) * (1 - fy) * px(ix, iy) +
				fx * (1 - fy) * px(ix + 1, iy) +
				(1 - fx) * fy * px(ix, iy + 1) + fx * fy * px(ix + 1, iy + 1);
			if (f->bg - v < thr)
				break;
		}
		L[k] = t - 0.25;
	}
	qsort(L, 16, sizeof *L, cmpd);
	{
		/* circle fit to the half-depth crossings on rays facing away from neighbours */
		double sx = 0, sy = 0, sxx = 0, syy = 0, sxy = 0, sxz = 0, syz = 0,
			   sz = 0;
		int n = 0;
		for (int k = 0; k < 32; k++) {
			double a = k * 2 * G_PI / 32, ca = cos(a), sa = sin(a);
			int skip = 0;
			for (int q = 0; q < nn0 && !skip; q++) {
				const SmpDot *o = &ALL[nbr[q]];
				double ox = o->x - d->x, oy = o->y - d->y, od = hypot(ox, oy);
				if (od < FITK * (d->r + o->r) + 2 &&
					(ox * ca + oy * sa) > cos(FITA * G_PI / 180) * od)
					skip = 1;
			}
			if (skip)
				continue;
			double prev = f->c, t, tc = -1;
			for (t = 0.25; t < reach; t += 0.25) {
				double qx = d->x + t * ca - 0.5, qy = d->y + t * sa - 0.5;
				int ix = (int) floor(qx), iy = (int) floor(qy);
				double gx = qx - ix, gy = qy - iy;
				double v = (1 - gx) * (1 - gy) * px(ix, iy) +
					gx * (1 - gy) * px(ix + 1, iy) +
					(1 - gx) * gy * px(ix, iy + 1) +
					gx * gy * px(ix + 1, iy + 1);
				double dk = f->bg - v;
				if (dk < 0.5 * f->c) {
					tc = t - 0.25 * (0.5 * f->c - dk) / MAX(prev - dk, 1e-9);
					break;
				}
				prev = dk;
			}
			if (tc <= 0)
				continue;
			double X = tc * ca, Y = tc * sa, Z = X * X + Y * Y;
			sx += X;
			sy += Y;
			sxx += X * X;
			syy += Y * Y;
			sxy += X * Y;
			sxz += X * Z;
			syz += Y * Z;
			sz += Z;
			n++;
		}
		f->fitn = n;
		f->fx = d->x;
		f->fy = d->y;
		f->fr = NAN;
		if (n >= 10) {
			/* Kasa: minimise sum (X^2+Y^2 + A X + B Y + C)^2 */
			double M[3][4] = {{sxx, sxy, sx, -sxz}, {sxy, syy, sy, -syz},
				{sx, sy, (double) n, -sz}};
			for (int c = 0; c < 3; c++) {
				int p = c;
				for (int r2 = c + 1; r2 < 3; r2++)
					if (fabs(M[r2][c]) > fabs(M[p][c]))
						p = r2;
				for (int k = 0; k < 4; k++) {
					double tmp = M[c][k];
					M[c][k] = M[p][k];
					M[p][k] = tmp;
				}
				for (int r2 = 0; r2 < 3; r2++)
					if (r2 != c && fabs(M[c][c]) > 1e-12) {
						double fct = M[r2][c] / M[c][c];
						for (int k = 0; k < 4; k++)
							M[r2][k] -= fct * M[c][k];
					}
			}
			double A = M[0][3] / M[0][0], B = M[1][3] / M[1][1],
				   C = M[2][3] / M[2][2];
			double cx = -A / 2, cy = -B / 2, rr = cx * cx + cy * cy - C;
			if (rr > 0 && hypot(cx, cy) < 0.5 * sqrt(rr) + 1.5) {
				f->fx = d->x + cx;
				f->fy = d->y + cy;
				f->fr = sqrt(rr);
			}
		}
	}
	{
		enum { NK = 24, NT = 64 };
		double P[NK][NT], med[NT], tmp[NK];
		int nt = MIN(NT, (int) (reach / 0.5));
		for (int k = 0; k < NK; k++) {
			double ca = cos(k * 2 * G_PI / NK), sa = sin(k * 2 * G_PI / NK);
			for (int it = 0; it < nt; it++) {
				double t = 0.5 * (it + 1);
				double sx = d->x + t * ca - 0.5, sy = d->y + t * sa - 0.5;
				int ix = (int) floor(sx), iy = (int) floor(sy);
				double fx = sx - ix, fy = sy - iy;
				double v = (1 - fx) * (1 - fy) * px(ix, iy) +
					fx * (1 - fy) * px(ix + 1, iy) +
					(1 - fx) * fy * px(ix, iy + 1) +
					fx * fy * px(ix + 1, iy + 1);
				P[k][it] = f->bg - v;
				if (sx < 0 || sy < 0 || sx > W - 1 || sy > H - 1) {
					P[k][it] = NAN;
					continue;
				}
				for (int q = 0; q < nn0; q++) {
					const SmpDot *o = &ALL[nbr[q]];
					double ox = d->x + t * ca - o->x, oy = d->y + t * sa - o->y,
						   rr = NMASK_K * o->r + NMASK_P;
					if (ox * ox + oy * oy < rr * rr) {
						P[k][it] = NAN;
						break;
					}
				}
			}
		}
		for (int it = 0; it < nt; it++) {
			int nf = 0;
			for (int k = 0; k < NK; k++)
				if (isfinite(P[k][it]))
					tmp[nf++] = P[k][it];
			qsort(tmp, nf, sizeof *tmp, cmpd);
			med[it] = nf ? tmp[nf / 2] : 0;
		}
		double rh = 0.5 * (L[7] + L[8]);
		int t0 = (int) (rh / 0.5),
			t1 = MIN(nt - 2, (int) ((3.0 * rh + 2) / 0.5));
		double best = -1e9;
		int bk = 0, bt = 0;
		double res[NK][NT];
		for (int k = 0; k < NK; k++)
			for (int it = 0; it < nt; it++)
				res[k][it] = P[k][it] - med[it];
		for (int k = 0; k < NK; k++)
			for (int it = MAX(t0, 1); it <= t1; it++) {
				double s3 = 0;
				for (int dk = -1; dk <= 1; dk++)
					for (int dt = -1; dt <= 1; dt++)
						s3 += isfinite(res[(k + dk + NK) % NK][it + dt])
							? res[(k + dk + NK) % NK][it + dt]
							: -1e3;
				s3 /= 9;
				if (s3 > best) {
					best = s3;
					bk = k;
					bt = it;
				}
			}
		/* noise: MAD of residuals over the region */
		int nn = 0;
		static double all[NK * NT];
		for (int k = 0; k < NK; k++)
			for (int it = t0; it <= t1; it++)
				if (isfinite(res[k][it]))
					all[nn++] = fabs(res[k][it]);
		qsort(all, nn, sizeof *all, cmpd);
		f->lnoise = nn ? 1.4826 * all[nn / 2] : 0;
		f->lobe = best;
		f->lt = 0.5 * (bt + 1);
		f->lang = bk * 2 * G_PI / NK;
		/* angular spread: rays around bk with residual at bt above half best */
		int sp = 0;
		for (int dk = -NK / 4; dk <= NK / 4; dk++) {
			double v = (res[(bk + dk + NK) % NK][bt] +
						   res[(bk + dk + NK) % NK][bt - 1] +
						   res[(bk + dk + NK) % NK][bt + 1]) /
				3;
			if (v > 0.5 * best)
				sp++;
		}
		f->lspread = sp;
		{
			/* polar flood fill from the peak over residual >= half peak */
			static guint8 vis[NK][NT];
			static int stk[NK * NT][2];
			memset(vis, 0, sizeof vis);
			int sp2 = 0, tmin = bt, tmax = bt, kmin = 0, kmax = 0;
			double area = 0;
			stk[sp2][0] = bk;
			stk[sp2][1] = bt;
			sp2++;
			vis[bk][bt] = 1;
			while (sp2) {
				sp2--;
				int kk = stk[sp2][0], tt = stk[sp2][1];
				int dk0 = kk - bk;
				if (dk0 > NK / 2)
					dk0 -= NK;
				if (dk0 < -NK / 2)
					dk0 += NK;
				kmin = MIN(kmin, dk0);
				kmax = MAX(kmax, dk0);
				tmin = MIN(tmin, tt);
				tmax = MAX(tmax, tt);
				area += (2 * G_PI / NK) * 0.5 * (tt + 1) * 0.5;
				const int nb2[4][2] = {{1, 0}, {-1, 0}, {0, 1}, {0, -1}};
				for (int q = 0; q < 4; q++) {
					int k2 = (kk + nb2[q][0] + NK) % NK, t2 = tt + nb2[q][1];
					if (t2 < 0 || t2 >= nt || vis[k2][t2])
						continue;
					int dk2 = k2 - bk;
					if (dk2 > NK / 2)
						dk2 -= NK;
					if (dk2 < -NK / 2)
						dk2 += NK;
					if (abs(dk2) > NK / 4)
						continue;
					if (isfinite(res[k2][t2]) && res[k2][t2] >= 0.5 * best) {
						vis[k2][t2] = 1;
						stk[sp2][0] = k2;
						stk[sp2][1] = t2;
						sp2++;
					}
				}
			}
			f->rp = sqrt(area / G_PI);
			f->wang = (kmax - kmin + 1) * (2 * G_PI / NK) * 0.5 * (bt + 1);
			f->wrad = (tmax - tmin + 1) * 0.5;
		}
		{
			/* half-peak widths of the lobe across and along the ray, px */
			double ux = cos(bk * 2 * G_PI / NK), uy = sin(bk * 2 * G_PI / NK),
				   tt = 0.5 * (bt + 1);
			for (int dir = 0; dir < 2; dir++) {
				double prof[41];
				double vx = dir == 0 ? -uy : ux, vy = dir == 0 ? ux : uy;
				for (int q = 0; q < 41; q++) {
					double so = (q - 20) * 0.5;
					int NL = atoi(g_getenv("NLINE") ? g_getenv("NLINE") : "1");
					prof[q] = 0;
					for (int l = 0; l < NL; l++) {
						double off = NL == 1 ? 0 : (l - (NL - 1) / 2.0) * 0.75;
						double qx = d->x + tt * ux + so * vx + off * vy,
							   qy = d->y + tt * uy + so * vy - off * vx;
						double rq = hypot(qx - d->x, qy - d->y);
						double sx = qx - 0.5, sy = qy - 0.5;
						int ix = (int) floor(sx), iy = (int) floor(sy);
						double fx = sx - ix, fy = sy - iy;
						double v = (1 - fx) * (1 - fy) * px(ix, iy) +
							fx * (1 - fy) * px(ix + 1, iy) +
							(1 - fx) * fy * px(ix, iy + 1) +
							fx * fy * px(ix + 1, iy + 1);
						double ti = rq / 0.5 - 1;
						int i0 = (int) floor(ti);
						double mm;
						if (i0 < 0)
							mm = med[0];
						else if (i0 >= nt - 1)
							mm = med[nt - 1];
						else
							mm = med[i0] + (ti - i0) * (med[i0 + 1] - med[i0]);
						prof[q] += (f->bg - v - mm) / NL;
						if (sx < 0 || sy < 0 || sx > W - 1 || sy > H - 1)
							prof[q] = -1e9;
					}
				}
				double pk = -1e9;
				int pc = 20;
				for (int q = 16; q <= 24; q++)
					if (prof[q] > pk) {
						pk = prof[q];
						pc = q;
					}
				int a = pc, b = pc;
				while (a > 0 && prof[a - 1] >= 0.5 * pk)
					a--;
				while (b < 40 && prof[b + 1] >= 0.5 * pk)
					b++;
				if (dir == 0)
					f->pw = (b - a + 1) * 0.5;
				else
					f->prw = (b - a + 1) * 0.5;
			}
		}
		/* tail: residual along the ray beyond lt + rh */
		int ta = MIN(nt - 1, bt + (int) (2 * rh / 0.5) + 2);
		f->ltail = res[bk][ta];
	}
	f->rhalf_ray = 0.5 * (L[7] + L[8]);
	/* flood fill of half-depth region */
	guint8 *m = g_new0(guint8, (gsize) ww * hh);
	int *st = g_new(int, (gsize) ww *hh);
	int sp = 0, cx = (int) d->x - x0, cy = (int) d->y - y0;
	double n = 0, sx = 0, sy = 0, sxx = 0, syy = 0, sxy = 0;
	if (f->bg - px((int) d->x, (int) d->y) >= thr) {
		m[cy * ww + cx] = 1;
		st[sp++] = cy * ww + cx;
	}
	while (sp) {
		int p = st[--sp], xx = p % ww, yy = p / ww;
		double dx = xx + x0 + 0.5 - d->x, dy = yy + y0 + 0.5 - d->y;
		n++;
		sx += dx;
		sy += dy;
		sxx += dx * dx;
		syy += dy * dy;
		sxy += dx * dy;
		const int nb[4][2] = {{1, 0}, {-1, 0}, {0, 1}, {0, -1}};
		for (int k = 0; k < 4; k++) {
			int ax = xx + nb[k][0], ay = yy + nb[k][1];
			if (ax < 0 || ay < 0 || ax >= ww || ay >= hh || m[ay * ww + ax])
				continue;
			double qx = ax + x0 + 0.5 - d->x, qy = ay + y0 + 0.5 - d->y;
			if (qx * qx + qy * qy > reach * reach)
				continue;
			int closer = 0;
			for (int q = 0; q < nn0; q++) {
				const SmpDot *o = &ALL[nbr[q]];
				double ox = ax + x0 + 0.5 - o->x, oy = ay + y0 + 0.5 - o->y;
				if (ox * ox + oy * oy < qx * qx + qy * qy) {
					closer = 1;
					break;
				}
			}
			if (closer || ax + x0 < 0 || ay + y0 < 0 || ax + x0 >= W ||
				ay + y0 >= H)
				continue;
			if (f->bg - px(ax + x0, ay + y0) >= thr) {
				m[ay * ww + ax] = 1;
				st[sp++] = ay * ww + ax;
			}
		}
	}
	f->area = n;
	if (n >= 3) {
		double mx = sx / n, my = sy / n;
		double a = sxx / n - mx * mx, b = sxy / n - mx * my,
			   c = syy / n - my * my;
		double tr = a + c, det = a * c - b * b,
			   disc = sqrt(MAX(tr * tr / 4 - det, 0));
		double l1 = tr / 2 + disc, l2 = MAX(tr / 2 - disc, 0);
		f->rmajor = 2 * sqrt(l1);
		f->rminor = 2 * sqrt(l2);
		/* major axis */
		double ux, uy;
		if (fabs(b) > 1e-9) {
			ux = l1 - c;
			uy = b;
		}
		else if (a >= c) {
			ux = 1;
			uy = 0;
		}
		else {
			ux = 0;
			uy = 1;
		}
		double un = hypot(ux, uy);
		ux /= un;
		uy /= un;
		/* width profile along the major axis, 1-px bins */
		int nb = (int) (2 * reach) + 3, off = nb / 2;
		double *wp = g_new0(double, nb);
		for (int yy = 0; yy < hh; yy++)
			for (int xx = 0; xx < ww; xx++)
				if (m[yy * ww + xx]) {
					double dx = xx + x0 + 0.5 - d->x - mx,
						   dy = yy + y0 + 0.5 - d->y - my;
					int s = (int) floor(dx * ux + dy * uy + 0.5) + off;
					if (s >= 0 && s < nb)
						wp[s]++;
				}
		/* smooth 3 */
		double *ws = g_new0(double, nb);
		for (int s = 1; s < nb - 1; s++)
			ws[s] = (wp[s - 1] + wp[s] + wp[s + 1]) / 3;
		/* waist: min between two maxima on either side */
		double best = 0;
		for (int s = 2; s < nb - 2; s++) {
			double lmax = 0, rmax = 0;
			for (int t = 1; t < s; t++)
				lmax = MAX(lmax, ws[t]);
			for (int t = s + 1; t < nb - 1; t++)
				rmax = MAX(rmax, ws[t]);
			double wmin = MIN(lmax, rmax);
			if (wmin > 0 && ws[s] < wmin) {
				double depth = 1 - ws[s] / wmin;
				if (depth > best) {
					best = depth;
				}
			}
		}
		f->waist = best;
		{
			double wmax = 0;
			int first = -1, last = -1;
			for (int q = 0; q < nb; q++)
				if (wp[q] > 0) {
					if (first < 0)
						first = q;
					last = q;
					wmax = MAX(wmax, wp[q]);
				}
			int r1 = 0, r2 = 0;
			for (int q = first; q >= 0 && q <= last && wp[q] < THINK * wmax;
				 q++)
				r1++;
			for (int q = last; q >= first && q >= 0 && wp[q] < THINK * wmax;
				 q--)
				r2++;
			f->thin = MAX(r1, r2);
			{
				double L = last - first;
				int qa = (int) floor(first + 0.3 * L + 0.5),
					qb = (int) floor(last - 0.3 * L + 0.5);
				double wa =
					(wp[MAX(qa - 1, 0)] + wp[qa] + wp[MIN(qa + 1, nb - 1)]) / 3;
				double wb =
					(wp[MAX(qb - 1, 0)] + wp[qb] + wp[MIN(qb + 1, nb - 1)]) / 3;
				f->sym = MAX(wa, wb) > 0 ? MIN(wa, wb) / MAX(wa, wb) : 0;
			}
			f->wmax = wmax;
		}
		f->lobes = n /
			(G_PI * f->rminor * f->rminor / 4 * 4); /* area / disc of rminor */
		f->far_x = d->x + mx;
		f->far_y = d->y + my;
		g_free(wp);
		g_free(ws);
	}
	g_free(m);
	g_free(st);
	f->ok = 1;
}

static double
truth_merged(const GArray *d, guint8 *tm)
{
	gsize merged = 0;
	for (guint i = 0; i < d->len; i++) {
		const SmpSynthDot *a = &g_array_index(d, SmpSynthDot, i);
		tm[i] = 0;
		for (guint j = 0; j < d->len; j++) {
			const SmpSynthDot *b = &g_array_index(d, SmpSynthDot, j);
			if (i != j &&
				hypot(a->x - b->x, a->y - b->y) < a->r + b->r + MARGIN) {
				merged++;
				tm[i] = 1;
				break;
			}
		}
	}
	return (double) merged / d->len;
}

int
main(int argc, char **argv)
{
	int seeds[] = {31, 5}, tones[] = {0, 2, 4};
	if (g_getenv("SEEDS"))
		sscanf(g_getenv("SEEDS"), "%d,%d", &seeds[0], &seeds[1]);
	const double fr[] = {0.0, 0.15, 0.3};
	int dump = argc > 1 ? atoi(argv[1]) : 0;

	NMASK_K = atof(g_getenv("NK") ? g_getenv("NK") : "1.5");
	NMASK_P = atof(g_getenv("NP") ? g_getenv("NP") : "2");
	THINK = atof(g_getenv("THINK") ? g_getenv("THINK") : "0.6");
	FITK = atof(g_getenv("FITK") ? g_getenv("FITK") : "1.5");
	FITA = atof(g_getenv("FITA") ? g_getenv("FITA") : "60");
	LIN = atoi(g_getenv("LIN") ? g_getenv("LIN") : "0");
	for (int v = 0; v < 256; v++) {
		double c = v / 255.0;
		LUT[v] =
			255.0 * (c <= 0.04045 ? c / 12.92 : pow((c + 0.055) / 1.055, 2.4));
	}
	if (VIPS_INIT("meval"))
		return 1;
	for (int si = 0; si < 2; si++)
		for (int ti = 0; ti < 3; ti++)
			for (int fi = 0; fi < 3; fi++) {
				if (g_getenv("ONLYF") &&
					fabs(fr[fi] - atof(g_getenv("ONLYF"))) > 0.01)
					continue;
				SmpSynthParams p;
				SmpSynthTruth *t = NULL;
				GError *err = NULL;
				smp_synth_params_default(&p);
				p.seed = seeds[si];
				p.skin_tone = tones[ti];
				p.touching_fraction = fr[fi];
				VipsImage *img = smp_synth_render(&p, &t, &err);
				SmpDetectParams dp;
				smp_detect_params_default(&dp);
				dp.diameter_min_px = 0.15 * PPM;
				dp.diameter_max_px = 1.0 * PPM;
				dp.min_contrast = 0.06;
				SmpDetection *det = smp_detect_dots(img, &dp, "scene", &err);
				SmpMeasureParams mp;
				smp_measure_params_default(&mp);
				mp.px_per_mm = PPM;
				SmpMeasurement *m = smp_measure_dots(
					(const SmpDot *) det->dots->data, det->dots->len,
					img->Xsize, img->Ysize, NULL, 0, &mp, &err);
				SmpArtistParams ap;
				smp_artist_params_default(&ap);
				ap.dot_diameter_max_px = dp.diameter_max_px;
				ap.merge_margin_px = MARGIN;
				SmpArtistMeasures *a =
					smp_artist_measure(m, (const SmpDot *) det->dots->data,
						det->dots->len, NULL, 0, NULL, 0, &ap);
				guint8 *tm = g_new0(guint8, t->dots->len);
				double want = truth_merged(t->dots, tm);
				/* green plane */
				VipsImage *gb;
				vips_extract_band(img, &gb, 1, NULL);
				size_t sz;
				G = vips_image_write_to_memory(gb, &sz);
				W = gb->Xsize;
				H = gb->Ysize;
				guint nd = det->dots->len;
				const SmpDot *D = (const SmpDot *) det->dots->data;
				Feat *F = g_new0(Feat, nd);
				ALL = D;
				NALL = nd;
				GTimer *tm0 = g_timer_new();
				for (guint i = 0; i < nd; i++)
					feat(&D[i], &F[i]);
				printf("NPX %.0f px reads per dot\n", (double) NPX / nd);
				NPX = 0;
				printf("T %u dots: %.1f ms features (brute-force neighbour "
					   "search included)\n",
					nd, 1e3 * g_timer_elapsed(tm0, NULL));
				g_timer_destroy(tm0);
				/* classes: match detected to nearest truth */
				int *match = g_new(int, nd);
				int *found = g_new0(int, t->dots->len);
				for (guint i = 0; i < nd; i++) {
					double bd = 1e9;
					match[i] = -1;
					for (guint k = 0; k < t->dots->len; k++) {
						const SmpSynthDot *s =
							&g_array_index(t->dots, SmpSynthDot, k);
						double dd = hypot(s->x - D[i].x, s->y - D[i].y);
						if (dd < MAX(s->r, 2.5) + 1 && dd < bd) {
							bd = dd;
							match[i] = k;
						}
					}
					if (match[i] >= 0)
						found[match[i]]++;
				}
				if (dump) {
					for (guint i = 0; i < nd; i++) {
						int k = match[i], cls = 0;
						double tr = NAN;
						if (k >= 0) {
							const SmpSynthDot *s =
								&g_array_index(t->dots, SmpSynthDot, k);
							tr = s->r;
							if (s->kind == SMP_SYNTH_STUBBLE)
								cls = 4;
							else if (!tm[k])
								cls = 1;
							else {
								/* is its truth neighbour found? */
								int hidden = 0;
								for (guint j = 0; j < t->dots->len; j++) {
									const SmpSynthDot *b =
										&g_array_index(t->dots, SmpSynthDot, j);
									if (j != (guint) k &&
										hypot(s->x - b->x, s->y - b->y) <
											s->r + b->r + MARGIN &&
										!found[j])
										hidden = 1;
								}
								cls = hidden ? 3 : 2;
							}
						}
						double pr = NAN, pc = NAN, dd = NAN, oc = NAN;
						if (k >= 0) {
							const SmpSynthDot *s =
								&g_array_index(t->dots, SmpSynthDot, k);
							oc = s->contrast;
							for (guint j = 0; j < t->dots->len; j++) {
								const SmpSynthDot *b =
									&g_array_index(t->dots, SmpSynthDot, j);
								if (j != (guint) k &&
									hypot(s->x - b->x, s->y - b->y) <
										s->r + b->r + MARGIN) {
									pr = b->r;
									pc = b->contrast;
									dd = hypot(s->x - b->x, s->y - b->y) /
										(s->r + b->r);
								}
							}
						}
						printf(
							"R %d rp/rh %.2f wang/wrad %.2f mergeok %d pw %.2f "
							"prw %.2f thin %.0f wmax %.0f sym %.2f snr %.2f\n",
							cls, F[i].rp / F[i].rhalf_ray,
							F[i].wang / F[i].wrad,
							F[i].lt<F[i].rhalf_ray + F[i].rp + MARGIN, F[i].pw,
								F[i].prw, F[i].thin, F[i].wmax, F[i].sym,
								F[i].rnoise> 0
								? F[i].c / F[i].rnoise
								: 99);
						printf("L %d lobe/c %.3f lobe/noise %.2f lt/rh %.2f "
							   "spread %.0f tail/lobe %.2f  own c %.2f partner "
							   "r %.2f c %.2f d %.2f\n",
							cls, F[i].c > 0 ? F[i].lobe / F[i].c : NAN,
							F[i].lnoise > 0 ? F[i].lobe / F[i].lnoise : NAN,
							F[i].rhalf_ray > 0 ? F[i].lt / F[i].rhalf_ray : NAN,
							F[i].lspread,
							F[i].lobe > 0 ? F[i].ltail / F[i].lobe : NAN, oc,
							pr, pc, dd);
						printf("D %d %d %.0f %d %.2f %.2f %.3f %.1f %.1f %.2f "
							   "%.2f %.2f %.0f %.3f %.3f\n",
							seeds[si], tones[ti], fr[fi] * 100, cls, D[i].r, tr,
							D[i].contrast, F[i].bg, F[i].c, F[i].rhalf_ray,
							F[i].rminor, F[i].rmajor, F[i].area, F[i].lobes,
							F[i].waist);
					}
				}
				if (dump == 2) {
					for (guint i = 0; i < nd; i++)
						for (guint j = i + 1; j < nd; j++) {
							double dd = hypot(D[i].x - D[j].x, D[i].y - D[j].y);
							if (dd >= D[i].r + D[j].r + MARGIN)
								continue;
							int ki = match[i], kj = match[j];
							const char *what;
							double td = NAN, tri = NAN, trj = NAN;
							if (ki < 0 || kj < 0)
								what = "unmatched";
							else if (ki == kj)
								what = "same";
							else {
								const SmpSynthDot *a1 = &g_array_index(
													  t->dots, SmpSynthDot, ki),
												  *b1 = &g_array_index(
													  t->dots, SmpSynthDot, kj);
								td = hypot(a1->x - b1->x, a1->y - b1->y);
								tri = a1->r;
								trj = b1->r;
								what = td < a1->r + b1->r + MARGIN ? "true"
																   : "far";
							}
							int ki2 = ki >= 0
								? g_array_index(t->dots, SmpSynthDot, ki).kind
								: -1,
								kj2 = kj >= 0
								? g_array_index(t->dots, SmpSynthDot, kj).kind
								: -1;
							printf("P %.2f %s kinds %d %d d %.2f r %.2f %.2f | "
								   "truth d %.2f r %.2f %.2f | meas %.2f %.2f "
								   "area-r %.2f %.2f\n",
								fr[fi], what, ki2, kj2, dd, D[i].r, D[j].r, td,
								tri, trj, F[i].rhalf_ray, F[j].rhalf_ray,
								sqrt(F[i].area / G_PI), sqrt(F[j].area / G_PI));
						}
				}
				if (dump == 3) {
					int tp[3] = {0}, fp[3] = {0}, fn[3] = {0};
					for (guint i = 0; i < nd; i++)
						for (guint j = i + 1; j < nd; j++) {
							if (fabs(D[j].x - D[i].x) > 30 ||
								fabs(D[j].y - D[i].y) > 30)
								continue;
							int ki = match[i], kj = match[j];
							if (ki < 0 || kj < 0 || ki == kj)
								continue;
							const SmpSynthDot *a1 = &g_array_index(
												  t->dots, SmpSynthDot, ki),
											  *b1 = &g_array_index(
												  t->dots, SmpSynthDot, kj);
							int tru = hypot(a1->x - b1->x, a1->y - b1->y) <
								a1->r + b1->r + MARGIN;
							double dd = hypot(D[i].x - D[j].x, D[i].y - D[j].y);
							double mi = F[i].ok ? F[i].rhalf_ray : D[i].r,
								   mj = F[j].ok ? F[j].rhalf_ray : D[j].r;
							int r0 = dd < D[i].r + D[j].r + MARGIN,
								r1 = dd < mi + mj + MARGIN;
							double ai = F[i].ok && F[i].area > 0
								? sqrt(F[i].area / G_PI)
								: D[i].r,
								   aj = F[j].ok && F[j].area > 0
								? sqrt(F[j].area / G_PI)
								: D[j].r;
							(void) ai;
							(void) aj;
							int r2 = pair_merged(i, j, F, MARGIN);
							{
								double fri = isfinite(F[i].fr) ? F[i].fr : mi,
									   frj = isfinite(F[j].fr) ? F[j].fr : mj;
								r2 = hypot(F[i].fx - F[j].fx,
										 F[i].fy - F[j].fy) < mi + mj + MARGIN;
								(void) fri;
								(void) frj;
							}
							int rr[3] = {r0, r1, r2};
							if (g_getenv("SAD") && F[i].ok && F[j].ok) {
								double df =
									hypot(F[i].fx - F[j].fx, F[i].fy - F[j].fy);
								if (df < mi + mj + MARGIN + 3)
									printf("SAD %.2f tru %d r5 %d gap %.2f sd "
										   "%.3f tgap %.2f\n",
										fr[fi], tru, r2, df - mi - mj,
										saddle(F[i].fx, F[i].fy, F[j].fx,
											F[j].fy, 0.5 * (F[i].bg + F[j].bg),
											MIN(F[i].c, F[j].c)),
										hypot(a1->x - b1->x, a1->y - b1->y) -
											a1->r - b1->r);
							}
							if (!tru && dd < 3 * (D[i].r + D[j].r) &&
								g_getenv("BIAS")) {
								printf("BN %.3f %.3f\n",
									dd - hypot(a1->x - b1->x, a1->y - b1->y),
									hypot(
										F[i].fx - F[j].fx, F[i].fy - F[j].fy) -
										hypot(a1->x - b1->x, a1->y - b1->y));
							}
							if (tru && g_getenv("BIAS")) {
								double fri = isfinite(F[i].fr) ? F[i].fr : mi,
									   frj = isfinite(F[j].fr) ? F[j].fr : mj;
								printf("BI %.3f %.3f %.3f %.3f %.3f\n",
									dd - hypot(a1->x - b1->x, a1->y - b1->y),
									hypot(
										F[i].fx - F[j].fx, F[i].fy - F[j].fy) -
										hypot(a1->x - b1->x, a1->y - b1->y),
									mi + mj - a1->r - b1->r,
									fri + frj - a1->r - b1->r,
									D[i].r + D[j].r - a1->r - b1->r);
							}
							if (tru && !r1 && g_getenv("FNP") && fr[fi] > 0.2 &&
								seeds[si] == 31 && tones[ti] == 2)
								printf("FN d %.2f ray %.2f+%.2f det %.2f+%.2f "
									   "| truth d %.2f r %.2f+%.2f kinds %d %d "
									   "c %.2f %.2f\n",
									dd, mi, mj, D[i].r, D[j].r,
									hypot(a1->x - b1->x, a1->y - b1->y), a1->r,
									b1->r, a1->kind, b1->kind, a1->contrast,
									b1->contrast);
							for (int v = 0; v < 3; v++) {
								tp[v] += tru && rr[v];
								fp[v] += !tru && rr[v];
								fn[v] += tru && !rr[v];
							}
						}
					printf("PR %.2f seed %d tone %d: det tp %d fp %d fn %d | "
						   "ray tp %d fp %d fn %d | v2 tp %d fp %d fn %d\n",
						fr[fi], seeds[si], tones[ti], tp[0], fp[0], fn[0],
						tp[1], fp[1], fn[1], tp[2], fp[2], fn[2]);
				}
				double va[4];
				for (int v = 0; v < 4; v++) {
					guint8 *mk = g_new0(guint8, nd);
					int cnt = 0;
					for (guint i = 0; i < nd; i++)
						for (guint j = i + 1; j < nd; j++) {
							if (fabs(D[j].x - D[i].x) > 60 ||
								fabs(D[j].y - D[i].y) > 60)
								continue;
							double ri = D[i].r, rj = D[j].r;
							double mi = F[i].ok ? F[i].rhalf_ray : ri,
								   mj = F[j].ok ? F[j].rhalf_ray : rj;
							if (v == 1) {
								ri = mi;
								rj = mj;
							}
							if (v == 2) {
								ri = MAX(ri, mi);
								rj = MAX(rj, mj);
							}
							if (v == 3) {
								ri = 0.5 * (ri + mi);
								rj = 0.5 * (rj + mj);
							}
							if (hypot(D[i].x - D[j].x, D[i].y - D[j].y) <
								ri + rj + MARGIN)
								mk[i] = mk[j] = 1;
						}
					for (guint i = 0; i < nd; i++)
						cnt += mk[i];
					va[v] = (double) cnt / nd;
					g_free(mk);
				}
				{
					static double A = -1, B, T, LT, SPR, WR;
					if (A < 0) {
						A = atof(g_getenv("LA") ? g_getenv("LA") : "3.5");
						B = atof(g_getenv("LB") ? g_getenv("LB") : "0.15");
						T = atof(g_getenv("LTAIL") ? g_getenv("LTAIL") : "0.5");
						LT = atof(g_getenv("LT") ? g_getenv("LT") : "3.0");
						SPR = atof(g_getenv("SPR") ? g_getenv("SPR") : "3");
						WR = atof(g_getenv("WR") ? g_getenv("WR") : "0");
						NMASK_K = atof(g_getenv("NK") ? g_getenv("NK") : "1.5");
						NMASK_P = atof(g_getenv("NP") ? g_getenv("NP") : "2");
						THINK =
							atof(g_getenv("THINK") ? g_getenv("THINK") : "0.6");
						FITK =
							atof(g_getenv("FITK") ? g_getenv("FITK") : "1.5");
						FITA = atof(g_getenv("FITA") ? g_getenv("FITA") : "60");
					}
					guint8 *mk = g_new0(guint8, nd);
					int cnt = 0, hid = 0, hid3 = 0, hidfp = 0, byc[5] = {0};
					int rv = atoi(g_getenv("RV") ? g_getenv("RV") : "0");
					for (guint i = 0; i < nd; i++)
						for (guint j = i + 1; j < nd; j++) {
							if (fabs(D[j].x - D[i].x) > 60 ||
								fabs(D[j].y - D[i].y) > 60)
								continue;
							double ri = D[i].r, rj = D[j].r;
							double mi = F[i].ok ? F[i].rhalf_ray : ri,
								   mj = F[j].ok ? F[j].rhalf_ray : rj;
							if (rv == 2) {
								ri = MAX(ri, mi);
								rj = MAX(rj, mj);
							}
							if (rv == 1) {
								ri = mi;
								rj = mj;
							}
							if (rv == 5) {
								if (hypot(F[i].fx - F[j].fx,
										F[i].fy - F[j].fy) < mi + mj + MARGIN)
									mk[i] = mk[j] = 1;
								continue;
							}
							if (rv == 8) {
								static double S1 = -1, S2, XM;
								if (S1 < 0) {
									S1 = atof(g_getenv("S1") ? g_getenv("S1")
															 : "0.3");
									S2 = atof(g_getenv("S2") ? g_getenv("S2")
															 : "0.6");
									XM = atof(
										g_getenv("XM") ? g_getenv("XM") : "2");
								}
								double df =
									hypot(F[i].fx - F[j].fx, F[i].fy - F[j].fy);
								if (df < mi + mj + MARGIN + XM && F[i].ok &&
									F[j].ok) {
									double sd =
										saddle(F[i].fx, F[i].fy, F[j].fx,
											F[j].fy, 0.5 * (F[i].bg + F[j].bg),
											MIN(F[i].c, F[j].c));
									int r5 = df < mi + mj + MARGIN;
									if ((r5 && sd >= S1) || sd >= S2)
										mk[i] = mk[j] = 1;
								}
								else if (df < mi + mj + MARGIN)
									mk[i] = mk[j] = 1;
								continue;
							}
							if (rv == 6 || rv == 7) {
								static double DW = -1, DS;
								if (DW < 0) {
									DW = atof(g_getenv("DW") ? g_getenv("DW")
															 : "0.5");
									DS = atof(
										g_getenv("DS") ? g_getenv("DS") : "1");
								}
								double df = hypot(F[i].fx - F[j].fx,
										   F[i].fy - F[j].fy),
									   dd0 = hypot(
										   D[i].x - D[j].x, D[i].y - D[j].y);
								if (rv == 6 &&
									DW * df + (1 - DW) * dd0 < mi + mj + MARGIN)
									mk[i] = mk[j] = 1;
								if (rv == 7 && df < mi + mj + MARGIN &&
									dd0 < mi + mj + MARGIN + DS)
									mk[i] = mk[j] = 1;
								continue;
							}
							if (rv == 4) {
								double fri = isfinite(F[i].fr) ? F[i].fr : mi,
									   frj = isfinite(F[j].fr) ? F[j].fr : mj;
								if (hypot(F[i].fx - F[j].fx,
										F[i].fy - F[j].fy) < fri + frj + MARGIN)
									mk[i] = mk[j] = 1;
								continue;
							}
							if (rv == 3) {
								if (pair_merged(i, j, F, MARGIN))
									mk[i] = mk[j] = 1;
								continue;
							}
							if (hypot(D[i].x - D[j].x, D[i].y - D[j].y) <
								ri + rj + MARGIN)
								mk[i] = mk[j] = 1;
						}
					static int nmiss;
					for (guint i = 0; i < nd; i++) {
						const Feat *f = &F[i];
						static double PW = -1, MS;
						if (PW < 0) {
							PW = atof(g_getenv("PW") ? g_getenv("PW") : "3");
							MS = atof(g_getenv("MS") ? g_getenv("MS") : "0");
						}
						int h = f->ok && f->c > 0 && f->lnoise > 0 &&
							f->lobe >= A * f->lnoise && f->lobe >= B * f->c &&
							MIN(f->pw, f->prw) >= PW && f->pw < 2 * f->lt &&
							f->lt < f->rhalf_ray + 0.5 * f->pw + MARGIN + MS;
						{
							static double PWMAX = -1, LTMAX;
							if (PWMAX < 0) {
								PWMAX =
									atof(g_getenv("PWMAX") ? g_getenv("PWMAX")
														   : "99");
								LTMAX =
									atof(g_getenv("LTMAX") ? g_getenv("LTMAX")
														   : "99");
							}
							if (h &&
								(f->pw > PWMAX * f->rhalf_ray + 1 ||
									f->lt > LTMAX * f->rhalf_ray + 1))
								h = 0;
						}
						{
							static double ASMAX = 99;
							if (g_getenv("ASMAX"))
								ASMAX = atof(g_getenv("ASMAX"));
							static double AS = -1, FILL, MINW, THINMAX, SYM,
										  SNR, CF;
							if (AS < 0) {
								AS =
									atof(g_getenv("AS") ? g_getenv("AS") : "0");
								FILL = atof(g_getenv("FILL") ? g_getenv("FILL")
															 : "0.85");
								MINW = atof(
									g_getenv("MINW") ? g_getenv("MINW") : "3");
								THINMAX = atof(g_getenv("THINMAX")
										? g_getenv("THINMAX")
										: "99");
								SYM = atof(
									g_getenv("SYM") ? g_getenv("SYM") : "0");
								SNR = atof(
									g_getenv("SNR") ? g_getenv("SNR") : "0");
								CF =
									atof(g_getenv("CF") ? g_getenv("CF") : "0");
							}
							if (!h && AS > 0 && f->ok && f->rminor > 0 &&
								f->rmajor >= AS * f->rminor &&
								2 * f->rminor >= MINW &&
								f->area >=
									FILL * G_PI * f->rmajor * f->rminor &&
								f->thin <= THINMAX && f->sym >= SYM &&
								f->c >= SNR * f->rnoise &&
								D[i].contrast >= CF &&
								f->rmajor <= ASMAX * f->rminor)
								h = 2;
						}

						cnt += mk[i] || h;
						if (g_getenv("FAILS") && !h && !mk[i] &&
							match[i] >= 0) {
							int k = match[i], hidden = 0;
							const SmpSynthDot *s0 =
								&g_array_index(t->dots, SmpSynthDot, k);
							for (guint j = 0; j < t->dots->len; j++) {
								const SmpSynthDot *b =
									&g_array_index(t->dots, SmpSynthDot, j);
								if (j != (guint) k &&
									hypot(s0->x - b->x, s0->y - b->y) <
										s0->r + b->r + MARGIN &&
									!found[j])
									hidden = 1;
							}
							if (hidden)
								printf("FAIL ok %d la %d lb %d pw %d inside %d "
									   "dist %d | asp %.2f rmin %.2f fill %.2f "
									   "sym %.2f lobe/n %.2f lobe/c %.2f lt/rh "
									   "%.2f pw %.1f prw %.1f detc %.3f\n",
									f->ok, f->lobe >= A * f->lnoise,
									f->lobe >= B * f->c,
									MIN(f->pw, f->prw) >= 3, f->pw < 2 * f->lt,
									f->lt < f->rhalf_ray + 0.5 * f->pw + MARGIN,
									f->rmajor / MAX(f->rminor, 1e-9), f->rminor,
									f->area /
										(G_PI * f->rmajor *
											MAX(f->rminor, 1e-9)),
									f->sym, f->lobe / MAX(f->lnoise, 1e-9),
									f->lobe / f->c, f->lt / f->rhalf_ray, f->pw,
									f->prw, D[i].contrast);
						}
						if (!h && g_getenv("MISS") && seeds[si] == 31 &&
							tones[ti] == 2 && fr[fi] > 0.2 && nmiss < 9 &&
							match[i] >= 0) {
							int k = match[i], hidden = 0;
							const SmpSynthDot *s = &g_array_index(
												  t->dots, SmpSynthDot, k),
											  *pb = NULL;
							for (guint j = 0; j < t->dots->len; j++) {
								const SmpSynthDot *b =
									&g_array_index(t->dots, SmpSynthDot, j);
								if (j != (guint) k &&
									hypot(s->x - b->x, s->y - b->y) <
										s->r + b->r + MARGIN &&
									!found[j]) {
									hidden = 1;
									pb = b;
								}
							}
							int cx = (int) D[i].x - 20, cy = (int) D[i].y - 20;
							VipsImage *cr, *big;
							if (hidden && cx >= 0 && cy >= 0 && cx + 40 < W &&
								cy + 40 < H &&
								!vips_extract_area(
									img, &cr, cx, cy, 40, 40, NULL) &&
								!vips_resize(cr, &big, 6, "kernel",
									VIPS_KERNEL_NEAREST, NULL)) {
								char fn[256];
								snprintf(fn, sizeof fn,
									"bench/probe_merged/miss_%d.png", nmiss++);
								vips_image_write_to_file(big, fn, NULL);
								printf("MISS %s det r %.2f (truth %.2f c %.2f) "
									   "partner dx %.1f dy %.1f r %.2f c %.2f "
									   "| lobe lt %.1f ang %.0f pw %.1f prw "
									   "%.1f lobe/c %.2f ln %.1f rh %.2f\n",
									fn, D[i].r, s->r, s->contrast,
									pb->x - D[i].x, pb->y - D[i].y, pb->r,
									pb->contrast, f->lt, f->lang * 180 / G_PI,
									f->pw, f->prw, f->lobe / f->c,
									f->lobe / f->lnoise, f->rhalf_ray);
								g_object_unref(cr);
								g_object_unref(big);
							}
						}
						hid += h != 0;
						if (h) {
							/* truth class */
							int k = match[i];
							int hidden = 0;
							if (k >= 0) {
								const SmpSynthDot *s =
									&g_array_index(t->dots, SmpSynthDot, k);
								for (guint j = 0; j < t->dots->len; j++) {
									const SmpSynthDot *b =
										&g_array_index(t->dots, SmpSynthDot, j);
									if (j != (guint) k &&
										hypot(s->x - b->x, s->y - b->y) <
											s->r + b->r + MARGIN &&
										!found[j])
										hidden = 1;
								}
							}
							hid3 += hidden;
							{
								int cls = 0;
								if (k >= 0) {
									const SmpSynthDot *s =
										&g_array_index(t->dots, SmpSynthDot, k);
									cls = s->kind == SMP_SYNTH_STUBBLE ? 4
										: !tm[k]					   ? 1
										: hidden					   ? 3
																	   : 2;
								}
								byc[cls]++;
								{
									static int nshot[5];
									if (g_getenv("SHOT") &&
										h == atoi(g_getenv("SHOT")) &&
										(cls == 1 || cls == 4) &&
										seeds[si] == 31 && tones[ti] == 2 &&
										fr[fi] > 0.2 && nshot[cls] < 6) {
										char fn[256];
										int cx = (int) D[i].x - 20,
											cy = (int) D[i].y - 20;
										VipsImage *cr, *big;
										if (cx >= 0 && cy >= 0 && cx + 40 < W &&
											cy + 40 < H &&
											!vips_extract_area(img, &cr, cx, cy,
												40, 40, NULL) &&
											!vips_resize(cr, &big, 6, "kernel",
												VIPS_KERNEL_NEAREST, NULL)) {
											snprintf(fn, sizeof fn,
												"bench/probe_merged/"
												"shot_c%d_%d.png",
												cls, nshot[cls]++);
											vips_image_write_to_file(
												big, fn, NULL);
											printf(
												"SHOT %s asp %.2f rmin %.2f "
												"sym %.2f fill %.2f dot r %.2f "
												"c %.2f lobe at %.1f px angle "
												"%.0f deg pw %.1f lobe/c %.2f "
												"ln %.1f rh %.2f\n",
												fn, f->rmajor / f->rminor,
												f->rminor, f->sym,
												f->area /
													(G_PI * f->rmajor *
														f->rminor),
												D[i].r, D[i].contrast, f->lt,
												f->lang * 180 / G_PI, f->pw,
												f->lobe / f->c,
												f->lobe / f->lnoise,
												f->rhalf_ray);
											g_object_unref(cr);
											g_object_unref(big);
										}
									}
								}
								if ((cls == 1 || cls == 4) && g_getenv("WHY2"))
									printf("WHY2 cls %d h %d detc %.3f c %.1f "
										   "noise %.2f snr %.1f lobe/c %.2f "
										   "lobe/n %.1f lt/rh %.2f pw %.1f prw "
										   "%.1f asp %.2f rmin %.2f sym %.2f "
										   "fill %.2f rh %.2f detr %.2f\n",
										cls, h, D[i].contrast, f->c, f->rnoise,
										f->c / MAX(f->rnoise, 1e-9),
										f->lobe / f->c,
										f->lobe / MAX(f->lnoise, 1e-9),
										f->lt / f->rhalf_ray, f->pw, f->prw,
										f->rmajor / MAX(f->rminor, 1e-9),
										f->rminor, f->sym,
										f->area /
											(G_PI * f->rmajor *
												MAX(f->rminor, 1e-9)),
										f->rhalf_ray, D[i].r);
								if (cls == 3 && g_getenv("WHY3"))
									printf("WHY3 cls %d h %d detc %.3f c %.1f "
										   "noise %.2f snr %.1f lobe/c %.2f "
										   "lobe/n %.1f lt/rh %.2f pw %.1f prw "
										   "%.1f asp %.2f rmin %.2f sym %.2f "
										   "fill %.2f rh %.2f detr %.2f\n",
										cls, h, D[i].contrast, f->c, f->rnoise,
										f->c / MAX(f->rnoise, 1e-9),
										f->lobe / f->c,
										f->lobe / MAX(f->lnoise, 1e-9),
										f->lt / f->rhalf_ray, f->pw, f->prw,
										f->rmajor / MAX(f->rminor, 1e-9),
										f->rminor, f->sym,
										f->area /
											(G_PI * f->rmajor *
												MAX(f->rminor, 1e-9)),
										f->rhalf_ray, D[i].r);
								if (cls == 1 && g_getenv("WHY")) {
									const SmpSynthDot *s0 =
										&g_array_index(t->dots, SmpSynthDot, k);
									double bd = 1e9;
									int bj = -1;
									for (guint j = 0; j < t->dots->len; j++) {
										const SmpSynthDot *b = &g_array_index(
											t->dots, SmpSynthDot, j);
										double dd =
											hypot(s0->x - b->x, s0->y - b->y) -
											s0->r - b->r;
										if (j != (guint) k && dd < bd) {
											bd = dd;
											bj = j;
										}
									}
									double bd2 = 1e9;
									int bj2 = -1;
									for (guint j = 0; j < t->distractors->len;
										 j++) {
										const SmpSynthDot *b = &g_array_index(
											t->distractors, SmpSynthDot, j);
										double dd =
											hypot(s0->x - b->x, s0->y - b->y) -
											s0->r - b->r;
										if (dd < bd2) {
											bd2 = dd;
											bj2 = j;
										}
									}
									const SmpSynthDot *nb = &g_array_index(
										t->dots, SmpSynthDot, bj);
									printf("W r %.2f c %.2f lt %.2f rh %.2f pw "
										   "%.2f lobe/c %.2f ln %.1f | nearest "
										   "dot gap %.2f r %.2f c %.2f kind %d "
										   "found %d | distr gap %.2f kind %d "
										   "r %.2f c %.2f\n",
										s0->r, s0->contrast, f->lt,
										f->rhalf_ray, f->pw, f->lobe / f->c,
										f->lobe / f->lnoise, bd, nb->r,
										nb->contrast, nb->kind, found[bj], bd2,
										bj2 >= 0 ? (int) g_array_index(
													   t->distractors,
													   SmpSynthDot, bj2)
													   .kind
												 : -1,
										bj2 >= 0 ? g_array_index(t->distractors,
													   SmpSynthDot, bj2)
													   .r
												 : 0,
										bj2 >= 0 ? g_array_index(t->distractors,
													   SmpSynthDot, bj2)
													   .contrast
												 : 0);
								}
							}
							hidfp += !hidden;
						}
					}
					double fr2 = (double) (cnt + hid) / (nd + hid);
					{
						/* oracle: every detected dot whose truth partner was missed */
						int oc = 0, oh = 0;
						for (guint i = 0; i < nd; i++) {
							int k = match[i], hidden = 0;
							if (k >= 0) {
								const SmpSynthDot *s =
									&g_array_index(t->dots, SmpSynthDot, k);
								for (guint j = 0; j < t->dots->len; j++) {
									const SmpSynthDot *b =
										&g_array_index(t->dots, SmpSynthDot, j);
									if (j != (guint) k &&
										hypot(s->x - b->x, s->y - b->y) <
											s->r + b->r + MARGIN &&
										!found[j])
										hidden = 1;
								}
							}
							oc += mk[i] || hidden;
							oh += hidden;
						}
						printf("O %d %d %.2f truth %.3f: oracle %.3f (%d "
							   "hidden)\n",
							seeds[si], tones[ti], fr[fi], want,
							(double) (oc + oh) / (nd + oh), oh);
					}
					printf("H %d %d %.2f truth %.3f: new %.3f err %+.1f%% "
						   "hidden %d (true %d, false %d) cls0 %d lone %d "
						   "split %d stub %d\n",
						seeds[si], tones[ti], fr[fi], want, fr2,
						100 * (fr2 / want - 1), hid, hid3, hidfp, byc[0],
						byc[1], byc[2], byc[4]);
					g_free(mk);
				}
				printf("V %d %d %.2f truth %.3f: det %.3f ray %.3f max %.3f "
					   "mean %.3f\n",
					seeds[si], tones[ti], fr[fi], want, va[0], va[1], va[2],
					va[3]);
				printf("S seed %d tone %d touch %.2f: base %.3f truth %.3f det "
					   "%u truth %u\n",
					seeds[si], tones[ti], fr[fi], a->merged_fraction, want, nd,
					t->dots->len);
				fflush(stdout);
				g_free(F);
				g_free(match);
				g_free(found);
				g_free(tm);
				g_free((void *) G);
				g_object_unref(gb);
				smp_artist_free(a);
				smp_measurement_free(m);
				smp_detection_free(det);
				smp_synth_truth_free(t);
				g_object_unref(img);
			}
	return 0;
}
