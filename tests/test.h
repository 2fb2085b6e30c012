/* Common header for smpdoc's cmocka tests: the include order cmocka 1.1
 * needs, libvips set-up, a seeded PRNG, guard-page buffers and paths to
 * test data.
 * SPDX-License-Identifier: MIT
 */
#ifndef SMPDOC_TEST_H
#define SMPDOC_TEST_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <cmocka.h>
#include <vips/vips.h>

#include "cases.h"

/* Fails the test and prints libvips' error buffer when @expr is non-zero. */
#define assert_vips_ok(expr)                                                   \
	do {                                                                       \
		if ((expr) != 0) {                                                     \
			print_error("libvips: %s\n", vips_error_buffer());                 \
			fail_msg("%s failed", #expr);                                      \
		}                                                                      \
	} while (0)

/* Fails the test and prints the GError's message when @err is set. */
#define assert_no_gerror(err)                                                  \
	do {                                                                       \
		if ((err) != NULL)                                                     \
			fail_msg("unexpected error: %s", (err)->message);                  \
	} while (0)

/* Group set-up and teardown: VIPS_INIT, no cache, untrusted loaders off. */
int smp_test_vips_setup(void **state);
int smp_test_vips_teardown(void **state);

/* Run the group, with argv[1] (if any) as a cmocka test name filter. */
int smp_test_run(const char *name, const struct CMUnitTest *tests, size_t n,
	int argc, char **argv);
#define SMP_TEST_MAIN(name, tests)                                             \
	int main(int argc, char **argv)                                            \
	{                                                                          \
		return smp_test_run(                                                   \
			name, tests, sizeof(tests) / sizeof(tests[0]), argc, argv);        \
	}

/* The seed for randomised tests: SMP_TEST_SEED when set, else @fallback.
 * Printed once so that a failure can be replayed.
 */
uint64_t smp_test_seed(uint64_t fallback);

/* A buffer of @size bytes whose end touches a PROT_NONE page, so reading
 * past it faults. Free with smp_test_guard_free().
 */
void *smp_test_guard_alloc(size_t size);
void smp_test_guard_free(void *p, size_t size);

/* Path of a file under ../shared/data/ (SMP_SHARED_DATA overrides the
 * folder), or under samples/. Returned strings are owned by the caller.
 */
char *smp_test_shared(const char *relative);
char *smp_test_sample(const char *relative);

/* A fresh temporary folder, removed with its content by
 * smp_test_rmtree().
 */
char *smp_test_tmpdir(void);
void smp_test_rmtree(const char *path);

#endif /* SMPDOC_TEST_H */
