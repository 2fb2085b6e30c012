/* libvips start-up shared by the fuzz targets that decode images.
 * SPDX-License-Identifier: MIT
 */
#include <stdlib.h>

#include <glib.h>
#include <vips/vips.h>

#include "fuzz.h"
#include "smpdoc/photo.h"

void
smp_fuzz_vips_init(void)
{
	static gsize done;

	if (!g_once_init_enter(&done))
		return;
	if (VIPS_INIT("smpdoc-fuzz"))
		abort();
	smp_photo_startup();
	/* One worker: the fuzzer wants determinism and the corpus is small. */
	vips_concurrency_set(1);
	g_once_init_leave(&done, 1);
}
