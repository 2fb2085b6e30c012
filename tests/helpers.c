/* Shared helpers for the cmocka tests (see test.h).
 * SPDX-License-Identifier: MIT
 */
#include <inttypes.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <glib.h>
#include <glib/gstdio.h>

#include "test.h"
#include "smpdoc/photo.h"

int
smp_test_vips_setup(void **state)
{
	(void) state;
	if (VIPS_INIT("smpdoc-test"))
		return -1;
	vips_cache_set_max(0);
	smp_photo_startup();
	return 0;
}

int
smp_test_vips_teardown(void **state)
{
	(void) state;
	vips_shutdown();
	return 0;
}

int
smp_test_run(const char *name, const struct CMUnitTest *tests, size_t n,
	int argc, char **argv)
{
	if (argc > 1)
		cmocka_set_test_filter(argv[1]);
	return _cmocka_run_group_tests(
		name, tests, n, smp_test_vips_setup, smp_test_vips_teardown);
}

uint64_t
smp_test_seed(uint64_t fallback)
{
	static int printed;
	const char *env = getenv("SMP_TEST_SEED");
	uint64_t seed = env ? strtoull(env, NULL, 0) : fallback;

	if (!printed) {
		print_message("seed %" PRIu64 " (rerun with SMP_TEST_SEED=%" PRIu64
					  ")\n",
			seed, seed);
		printed = 1;
	}
	return seed;
}

void *
smp_test_guard_alloc(size_t size)
{
	size_t page = (size_t) sysconf(_SC_PAGESIZE);
	size_t span = (size + page - 1) / page * page;
	uint8_t *base = mmap(NULL, span + page, PROT_READ | PROT_WRITE,
		MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (base == MAP_FAILED)
		return NULL;
	mprotect(base + span, page, PROT_NONE);
	return base + span - size;
}

void
smp_test_guard_free(void *p, size_t size)
{
	size_t page = (size_t) sysconf(_SC_PAGESIZE);
	size_t span = (size + page - 1) / page * page;
	uint8_t *base = (uint8_t *) p + size - span;

	munmap(base, span + page);
}

char *
smp_test_shared(const char *relative)
{
	const char *dir = getenv("SMP_SHARED_DATA");

	return g_build_filename(dir ? dir : "../shared/data", relative, NULL);
}

char *
smp_test_sample(const char *relative)
{
	return g_build_filename("samples", relative, NULL);
}

char *
smp_test_tmpdir(void)
{
	return g_dir_make_tmp("smpdoc-test-XXXXXX", NULL);
}

void
smp_test_rmtree(const char *path)
{
	GDir *dir = g_dir_open(path, 0, NULL);
	const char *name;

	if (!dir) {
		g_unlink(path);
		return;
	}
	while ((name = g_dir_read_name(dir))) {
		g_autofree char *child = g_build_filename(path, name, NULL);

		if (g_file_test(child, G_FILE_TEST_IS_DIR) &&
			!g_file_test(child, G_FILE_TEST_IS_SYMLINK))
			smp_test_rmtree(child);
		else
			g_unlink(child);
	}
	g_dir_close(dir);
	g_rmdir(path);
}
