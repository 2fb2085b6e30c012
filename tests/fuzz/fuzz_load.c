/* Fuzz target: load and measure a small image, the path every photo takes
 * (limits, loader sniffing, EXIF, decode, orientation, conversion,
 * normalisation, detection, measurement). The input is handed over as a
 * memory file (memfd), so smp_photo_load() sees a real path.
 * SPDX-License-Identifier: MIT
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <glib.h>

#include "fuzz.h"
#include "smpdoc/analysis.h"
#include "smpdoc/error.h"
#include "smpdoc/pipeline.h"

/* Small caps keep each run fast; the limit paths are fuzzed too. */
#define FUZZ_MAX_PIXELS (256 * 256)
#define FUZZ_MAX_BYTES (1 << 20)

static void
load_and_measure(const char *path)
{
	static SmpPipeline *pipeline;
	SmpLoadLimits limits = {FUZZ_MAX_PIXELS, FUZZ_MAX_BYTES};
	GError *error = NULL;
	SmpPhoto *photo;
	SmpAnalysis *a = NULL;
	SmpScale scale;

	if (!pipeline)
		pipeline = smp_pipeline_new_default();
	photo = smp_photo_load(path, &limits, &error);
	if (photo) {
		if (photo->image->Bands != 3 ||
			photo->image->BandFmt != VIPS_FORMAT_UCHAR)
			abort();
		smp_analysis_scale(20, 0, pipeline, &scale);
		a = smp_analyse_photo(photo, pipeline, &scale, 0, &error);
	}
	/* A failure is an error naming the file, never silence. */
	if (!a && (!error || !strstr(error->message, path)))
		abort();
	g_clear_error(&error);
	smp_analysis_free(a);
	smp_photo_free(photo);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[64];
	int fd;

	smp_fuzz_vips_init();
	fd = memfd_create("fuzz-photo", MFD_CLOEXEC);
	if (fd < 0)
		abort();
	if (size && write(fd, data, size) != (ssize_t) size)
		abort();
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	load_and_measure(path);
	close(fd);
	return 0;
}
