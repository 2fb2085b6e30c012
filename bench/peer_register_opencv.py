#!/usr/bin/python3
# Peer registrations from Debian's python3-opencv on bench_register's pairs,
# each timed (decode excluded) and scored by the largest corner error of
# the after photo against the truth (after px -> before px):
#   1. ORB features (5000) + brute-force Hamming matching with the ratio
#      test + RANSAC similarity (estimateAffinePartial2D, 3 px);
#   2. findTransformECC (MOTION_AFFINE) on grey copies at 1/4 scale, then
#      refined at full scale, from the identity.
# Usage: peer_register_opencv.py DIR  (DIR/truth.csv and DIR/p2_*.jpg)
# Prints markdown rows and "RESULT key value" lines.
# SPDX-License-Identifier: MIT
import csv
import math
import sys
import time

import cv2
import numpy as np

MAX_ERR = 2.0


def corner_error(m, t, w, h):
    worst = 0.0
    for x, y in ((0, 0), (w, 0), (0, h), (w, h)):
        p = m @ np.array([x, y, 1.0])
        q = t @ np.array([x, y, 1.0])
        worst = max(worst, math.hypot(p[0] / p[2] - q[0] / q[2],
                                      p[1] / p[2] - q[1] / q[2]))
    return worst


def orb_ransac(before, after):
    orb = cv2.ORB_create(nfeatures=5000)
    kb, db = orb.detectAndCompute(before, None)
    ka, da = orb.detectAndCompute(after, None)
    if db is None or da is None:
        return None
    pairs = cv2.BFMatcher(cv2.NORM_HAMMING).knnMatch(da, db, k=2)
    good = [p[0] for p in pairs
            if len(p) == 2 and p[0].distance < 0.8 * p[1].distance]
    if len(good) < 3:
        return None
    src = np.float32([ka[m.queryIdx].pt for m in good])
    dst = np.float32([kb[m.trainIdx].pt for m in good])
    m, _ = cv2.estimateAffinePartial2D(src, dst, method=cv2.RANSAC,
                                       ransacReprojThreshold=3.0)
    if m is None:
        return None
    return np.vstack([m, [0, 0, 1]])


def ecc(before, after):
    """Affine ECC, coarse (1/4) then full scale; maps after -> before."""
    crit = (cv2.TERM_CRITERIA_EPS | cv2.TERM_CRITERIA_COUNT, 100, 1e-5)
    warp = np.eye(2, 3, dtype=np.float32)
    try:
        for f in (0.25, 1.0):
            b = cv2.resize(before, None, fx=f, fy=f,
                           interpolation=cv2.INTER_AREA)
            a = cv2.resize(after, None, fx=f, fy=f,
                           interpolation=cv2.INTER_AREA)
            if f != 0.25:
                warp[:, 2] /= 0.25  # translation from the coarse level
            # ECC's warp maps template (before) coords to input (after).
            _, warp = cv2.findTransformECC(b, a, warp, cv2.MOTION_AFFINE,
                                           crit, None, 5)
    except cv2.error:
        return None
    inv = cv2.invertAffineTransform(warp)
    return np.vstack([inv, [0, 0, 1]]).astype(np.float64)


def main():
    d = sys.argv[1]
    rows = list(csv.DictReader(open(d + "/truth.csv")))
    pairs = [r for r in rows if r["name"].startswith("p2_")]
    results = {}
    for name, fn in (("OpenCV ORB + RANSAC similarity", orb_ransac),
                     ("OpenCV findTransformECC affine", ecc)):
        errs, times = [], []
        for r in pairs:
            b = cv2.imread(f"{d}/{r['name']}_before.jpg", cv2.IMREAD_GRAYSCALE)
            a = cv2.imread(f"{d}/{r['name']}_after.jpg", cv2.IMREAD_GRAYSCALE)
            t = np.array([float(r[f"m{i}"]) for i in range(9)]).reshape(3, 3)
            t0 = time.perf_counter()
            m = fn(b, a)
            times.append((time.perf_counter() - t0) * 1000)
            errs.append(corner_error(m, t, int(r["w"]), int(r["h"]))
                        if m is not None else math.inf)
        good = sum(e <= MAX_ERR for e in errs)
        fails = sum(math.isinf(e) for e in errs)
        print(f"| {name} | {good}/{len(errs)} | {len(errs) - good - fails} "
              f"(no ok flag) | {fails} (no result) | "
              f"{np.median(errs):.1f} | - | {np.median(times):.0f} |")
        results[name] = (good, np.median(errs), np.median(times))
    print("RESULT orb_good %d" % results["OpenCV ORB + RANSAC similarity"][0])
    print("RESULT ecc_good %d" % results["OpenCV findTransformECC affine"][0])


if __name__ == "__main__":
    main()
