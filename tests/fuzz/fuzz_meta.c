/* Fuzz target: EXIF parsing (libexif through smp_meta_parse_exif) on a raw
 * blob, as libvips hands it over from a JPEG APP1, PNG eXIf or TIFF.
 * SPDX-License-Identifier: MIT
 */
#include <stdlib.h>

#include "fuzz.h"
#include "smpdoc/meta.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	SmpMeta *meta = smp_meta_new();

	smp_meta_parse_exif(meta, data, size, "fuzz.exif");
	/* Whatever the blob, the orientation applied is a valid one. */
	if (meta->orientation < 1 || meta->orientation > 8)
		abort();
	smp_meta_free(meta);
	return 0;
}
