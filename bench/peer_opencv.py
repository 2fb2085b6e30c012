#!/usr/bin/python3
# Peer detectors from Debian's python3-opencv on the benchmark photo, each
# timed (decode excluded) and scored with the same F1 as bench_detect:
# greedy nearest matching within max(3 px, 0.8 r) of each true dot.
#   1. cv2.SimpleBlobDetector tuned for dark dots of 3-20 px diameter;
#   2. a Gaussian-difference baseline: DoG stack at the scales of that
#      range, maximum over scale, 3x3 local maximum, noise threshold.
# Usage: peer_opencv.py PHOTO.jpg TRUTH.csv [DMIN_PX DMAX_PX]
# Prints markdown rows and "RESULT key value" lines for bench/run.sh.
# SPDX-License-Identifier: MIT
import math
import sys
import time

import cv2
import numpy as np


def load_truth(path):
    t = np.loadtxt(path, delimiter=",", skiprows=1, ndmin=2)
    return t[:, 0], t[:, 1], t[:, 2]


def f1(tx, ty, tr, dx, dy):
    """Greedy nearest matching, dots binned by 16-px rows."""
    bins = {}
    for j, y in enumerate(dy):
        bins.setdefault(int(y // 16), []).append(j)
    pairs = []
    for i in range(len(tx)):
        R = max(3.0, 0.8 * tr[i])
        for b in range(int((ty[i] - R) // 16), int((ty[i] + R) // 16) + 1):
            for j in bins.get(b, ()):
                d2 = (dx[j] - tx[i]) ** 2 + (dy[j] - ty[i]) ** 2
                if d2 <= R * R:
                    pairs.append((d2, i, j))
    pairs.sort()
    tu, du, m = set(), set(), 0
    for _, i, j in pairs:
        if i not in tu and j not in du:
            tu.add(i)
            du.add(j)
            m += 1
    p = m / len(dx) if len(dx) else 0.0
    r = m / len(tx) if len(tx) else 0.0
    return 2 * p * r / (p + r) if p + r > 0 else 0.0


def simple_blob(grey, dmin, dmax):
    prm = cv2.SimpleBlobDetector_Params()
    prm.filterByColor = True
    prm.blobColor = 0
    prm.minThreshold = 10
    prm.maxThreshold = 230
    prm.thresholdStep = 10
    prm.minRepeatability = 2
    prm.minDistBetweenBlobs = 0.5 * dmin
    prm.filterByArea = True
    prm.minArea = math.pi * (0.5 * dmin) ** 2 * 0.5
    prm.maxArea = math.pi * (0.5 * dmax) ** 2 * 1.6
    prm.filterByCircularity = True
    prm.minCircularity = 0.5
    prm.filterByInertia = True
    prm.minInertiaRatio = 0.3
    prm.filterByConvexity = False
    det = cv2.SimpleBlobDetector_create(prm)
    kps = det.detect(grey)
    # keypoint centres use pixel-index coordinates: +0.5 for FORMATS.md
    return (np.array([k.pt[0] + 0.5 for k in kps]),
            np.array([k.pt[1] + 0.5 for k in kps]))


def dog(grey, dmin, dmax, k_noise=4.0):
    img = grey.astype(np.float32)
    # a disc of radius r peaks at sigma = r / sqrt(2)
    s0, s1 = 0.5 * dmin / math.sqrt(2), 0.5 * dmax / math.sqrt(2)
    n = 8
    sig = [s0 * (s1 / s0) ** (i / (n - 1)) for i in range(n)]
    k = 1.25
    best = None
    for s in sig:
        g1 = cv2.GaussianBlur(img, (0, 0), s)
        g2 = cv2.GaussianBlur(img, (0, 0), s * k)
        d = (g2 - g1) * (1.0 / (k - 1))  # dark blob: positive, normalised
        best = d if best is None else np.maximum(best, d)
    mad = float(np.median(np.abs(best - np.median(best))))
    thr = k_noise * 1.4826 * mad
    peaks = (best == cv2.dilate(best, np.ones((3, 3), np.uint8))) & \
        (best > thr)
    ys, xs = np.nonzero(peaks)
    return xs + 0.5, ys + 0.5


def main():
    photo, truth = sys.argv[1], sys.argv[2]
    dmin = float(sys.argv[3]) if len(sys.argv) > 3 else 3.0
    dmax = float(sys.argv[4]) if len(sys.argv) > 4 else 20.0
    cv2.setNumThreads(1)
    tx, ty, tr = load_truth(truth)
    bgr = cv2.imread(photo, cv2.IMREAD_COLOR)
    grey = cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY)
    for name, fn in (("opencv_dog", dog), ("opencv_blob", simple_blob)):
        t0 = time.perf_counter()
        dx, dy = fn(grey, dmin, dmax)
        ms = (time.perf_counter() - t0) * 1000.0
        score = f1(tx, ty, tr, dx, dy)
        label = {"opencv_dog": "OpenCV Gaussian difference + 3x3 max",
                 "opencv_blob": "OpenCV SimpleBlobDetector"}[name]
        print("| %s | opencv %s | 1 | %.1f | %.0f | %.4f |" %
              (label, cv2.__version__, ms,
               grey.size / ms / 1e3, score))
        print("RESULT %s_ms %.2f" % (name, ms))
        print("RESULT %s_f1 %.4f" % (name, score))
        sys.stdout.flush()


if __name__ == "__main__":
    main()
