/* Dot detection: follicle-like dark dots (SMP pigment dots and natural
 * follicles) found by the SIMD hot loop in src/detect/, plus the larger
 * dark blobs (moles, scabs) that must not be counted as dots.
 * SPDX-License-Identifier: MIT
 */
#ifndef SMPDOC_DETECT_H
#define SMPDOC_DETECT_H

#include <glib.h>
#include <vips/vips.h>

G_BEGIN_DECLS

/* One detected dot. Coordinates are in pixels of the upright image with
 * (0,0) at the top-left corner of the top-left pixel, so that pixel's
 * centre is (0.5, 0.5) (FORMATS.md).
 */
typedef struct SmpDot {
	float x; /* centre, px */
	float y; /* centre, px */
	float r; /* radius, px */
	float contrast; /* (background - dot) / background, 0..1 */
} SmpDot;

/* The kernel paths, in increasing order. */
typedef enum SmpIsa {
	SMP_ISA_SCALAR,
	SMP_ISA_SSE2,
	SMP_ISA_AVX2,
	SMP_ISA_AVX512,
	SMP_ISA_COUNT
} SmpIsa;

/* "scalar", "sse2", "avx2", "avx512"; "unknown" out of range. Static. */
const char *smp_isa_name(SmpIsa isa);

/* Parse an SMP_SIMD style name (case-insensitive) into @isa.
 * Returns: TRUE when @name is one of the names above.
 */
gboolean smp_isa_parse(const char *name, SmpIsa *isa);

/* The kernel path this process uses: the best the CPU supports up to
 * AVX2, or up to the environment variable SMP_SIMD=scalar|sse2|avx2|avx512
 * (an unknown value means scalar; AVX-512 is used only when asked for:
 * slower than AVX2 on the AMD cores measured). Chosen once, thread-safely.
 * Static string; goes into `smpdoc inspect` output and sidecars.
 */
const char *smp_kernels_isa(void);

/* Defaults, used by smp_detect_params_default() and stated here because
 * the pipeline keys (dot_diameter_min_mm, ...) are documented with them.
 */
#define SMP_DETECT_MIN_CONTRAST 0.05 /* (background - dot) / background */
#define SMP_DETECT_MIN_SNR 2.5 /* (background - dot) / local noise */
#define SMP_DETECT_LARGE_FACTOR 5.0 /* large blobs up to this * dmax */
#define SMP_DETECT_MAX_DOTS (4 << 20) /* SMP_ERROR_LIMIT above */

/* How to detect. Fill with smp_detect_params_default(), then override.
 * Sizes are diameters in pixels of the image given to smp_detect_dots();
 * callers convert from mm (default 0.15..1.0 mm) with the photo's scale.
 */
typedef struct SmpDetectParams {
	double diameter_min_px; /* smaller dark spots (pores) are not dots */
	double diameter_max_px; /* larger ones are large blobs, not dots */
	double large_max_px; /* largest large blob looked for; 0: default
	                         * SMP_DETECT_LARGE_FACTOR * diameter_max_px */
	double min_contrast; /* minimum (background - dot) / background */
	double min_snr; /* minimum (background - dot) / local noise */
	int isa; /* -1: smp_kernels_isa(); else an SmpIsa to
	                         * force (tests, benchmarks); FALSE from
	                         * smp_detect_dots() if the CPU lacks it */
} SmpDetectParams;

/* Diameters 3..20 px (0.15..1.0 mm at 20 px/mm), the defaults above, the
 * process's kernel path.
 */
void smp_detect_params_default(SmpDetectParams *p);

/* The result of one detection. Every array is owned by the struct. */
typedef struct SmpDetection {
	int width; /* image size, px */
	int height;
	GArray *dots; /* SmpDot, sorted by (y, x) */
	GArray *large_blobs; /* SmpDot, diameter > diameter_max_px, by (y, x) */
	double focus; /* 0..1: median sharpness of the dots' edges
	                     * (1 = a sharp disc, lower = defocused);
	                     * NaN without dots */
	double noise; /* median local noise, grey levels (0..255) */
	guint64 candidates; /* scale-space extrema examined */
	const char *isa; /* kernel path used (static string) */
} SmpDetection;

/* Find the dots of @image.
 *
 * @image: upright 8-bit image, 3 bands (sRGB; luma (77 R + 150 G + 29 B)
 *     / 256 is used) or 1 band (used as it is, e.g. a normalised plane).
 *     Read through libvips regions in strips of fixed height with a halo,
 *     on vips_concurrency_get() threads; the image should be in memory or
 *     support random access. Not modified; no reference is taken.
 * @p: parameters, NULL for the defaults.
 * @path: the file the image came from, for messages (may be NULL).
 *
 * The result depends only on the pixels and @p: every kernel path and
 * every thread count give the same dots, bit for bit.
 *
 * Returns: (transfer full) the detection, or NULL with @error set
 * (SMP_ERROR_CONFIG for bad parameters, SMP_ERROR_UNSUPPORTED for a wrong
 * image format, SMP_ERROR_CORRUPT when libvips cannot read the pixels,
 * SMP_ERROR_LIMIT beyond SMP_DETECT_MAX_DOTS). Free with
 * smp_detection_free().
 */
SmpDetection *smp_detect_dots(VipsImage *image, const SmpDetectParams *p,
	const char *path, GError **error);

/* Free @d and its arrays; accepts NULL. */
void smp_detection_free(SmpDetection *d);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(SmpDetection, smp_detection_free)

G_END_DECLS

#endif /* SMPDOC_DETECT_H */
