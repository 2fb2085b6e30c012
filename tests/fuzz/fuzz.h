/* Shared set-up of the fuzz targets: one entry point per target
 * (LLVMFuzzerTestOneInput), built either with libFuzzer (make fuzz) or with
 * replay.c's main (make check replays the corpus under gcc).
 * SPDX-License-Identifier: MIT
 */
#ifndef SMPDOC_FUZZ_H
#define SMPDOC_FUZZ_H

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Start libvips once per process, with the loader restrictions smpdoc
 * runs with (untrusted loaders blocked, no operation cache, its warnings
 * kept off stderr).
 */
void smp_fuzz_vips_init(void);

#endif /* SMPDOC_FUZZ_H */
