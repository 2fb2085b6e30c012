/* Photo metadata through libexif: orientation, capture time, camera, and
 * which identifying fields (GPS, serial numbers, thumbnail) are present.
 * SPDX-License-Identifier: MIT
 */
#ifndef SMPDOC_META_H
#define SMPDOC_META_H

#include <glib.h>
#include <vips/vips.h>

#include "smpdoc/photo.h"

G_BEGIN_DECLS

/* EXIF blobs outside these sizes are ignored with a warning (libexif takes
 * a uint length; a real APP1 segment is under 64 KiB).
 */
#define SMP_EXIF_MIN_BYTES 6
#define SMP_EXIF_MAX_BYTES ((gsize) 1 << 23)

struct SmpMeta {
	int orientation; /* 1..8, the value smpdoc applies */
	int orientation_raw; /* as stored in IFD0; 0 when absent */
	char *taken; /* DateTimeOriginal as ISO 8601, or NULL */
	char *make; /* camera maker, or NULL */
	char *model; /* camera model, or NULL */
	gboolean has_exif;
	gboolean has_gps; /* a GPS latitude or longitude */
	gboolean has_serial; /* body or lens serial number, owner name */
	gboolean has_thumbnail; /* an embedded EXIF thumbnail */
	gboolean has_makernote; /* maker notes (often hold serials) */
	gboolean has_xmp;
	gboolean has_iptc;
	gboolean has_icc;
	GPtrArray *warnings; /* (owned) SmpWarning list */
};

/* Read the metadata of @image (as opened by smp_photo_open(); only the
 * header fields are used). Damaged EXIF never fails: it becomes a warning
 * and defaults. @path is used in messages.
 *
 * Returns: (transfer full) the metadata; free with smp_meta_free().
 */
SmpMeta *smp_meta_read(VipsImage *image, const char *path);

/* Parse a raw EXIF blob (as stored in a JPEG APP1 segment, with or without
 * the "Exif\0\0" prefix) into @meta's EXIF fields. Exposed for fuzzing.
 */
void smp_meta_parse_exif(
	SmpMeta *meta, const void *data, gsize len, const char *path);

SmpMeta *smp_meta_new(void);
void smp_meta_free(SmpMeta *meta);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(SmpMeta, smp_meta_free)

G_END_DECLS

#endif /* SMPDOC_META_H */
