/* Write faults without a full disk: this program is linked with the
 * linker's --wrap on write, fsync and rename (g_rename is rename on Unix) (Makefile), so the atomic
 * write helpers meet ENOSPC, EIO and EROFS on demand. Whatever fails, the
 * target keeps its old content and no temporary file is left; a full disk
 * is SMP_ERROR_TRANSIENT (exit 75: run again once there is space).
 * tests/e2e/faults.sh does the same on a real small file system where
 * mounting is allowed.
 * SPDX-License-Identifier: MIT
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "test.h"
#include "smpdoc/error.h"
#include "smpdoc/photo.h"

/* The errno the next wrapped call fails with; 0: pass through. */
static int fail_write, fail_fsync, fail_rename;

ssize_t __real_write(int fd, const void *buf, size_t n);
int __real_fsync(int fd);
int __real_rename(const char *from, const char *to);

ssize_t __wrap_write(int fd, const void *buf, size_t n);
int __wrap_fsync(int fd);
int __wrap_rename(const char *from, const char *to);

ssize_t
__wrap_write(int fd, const void *buf, size_t n)
{
	if (fail_write) {
		errno = fail_write;
		return -1;
	}
	/* A short write first, as a nearly full disk gives. */
	return __real_write(fd, buf, n > 1 ? n / 2 : n);
}

int
__wrap_fsync(int fd)
{
	if (fail_fsync) {
		errno = fail_fsync;
		return -1;
	}
	return __real_fsync(fd);
}

int
__wrap_rename(const char *from, const char *to)
{
	if (fail_rename) {
		errno = fail_rename;
		return -1;
	}
	return __real_rename(from, to);
}

/* Entries of @dir other than the target. */
static int
others(const char *dir)
{
	g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
	const char *name;
	int n = 0;

	while (d && (name = g_dir_read_name(d)))
		if (strcmp(name, "out.json") != 0)
			n++;
	return n;
}

/* Write "new" over a file holding "old" with one fault set, and check
 * that it fails with @code and leaves the old content, alone.
 */
static void
fault_keeps_old(int *fault, int e, int code)
{
	g_autofree char *dir = smp_test_tmpdir();
	g_autofree char *path = g_build_filename(dir, "out.json", NULL);
	g_autofree char *text = NULL;
	g_autoptr(GError) error = NULL;
	gboolean ok;

	assert_true(g_file_set_contents(path, "old", -1, NULL));
	*fault = e;
	ok = smp_file_write_atomic(path, "new content", 11, &error);
	*fault = 0;
	assert_false(ok);
	assert_true(g_error_matches(error, SMP_ERROR, code));
	assert_non_null(strstr(error->message, "out.json: write:"));
	assert_non_null(strstr(error->message, g_strerror(e)));
	assert_true(g_file_get_contents(path, &text, NULL, NULL));
	assert_string_equal(text, "old");
	assert_int_equal(others(dir), 0);
	smp_test_rmtree(dir);
}

static void
test_faults_disk_full_on_write_is_transient(void **state)
{
	(void) state;
	fault_keeps_old(&fail_write, ENOSPC, SMP_ERROR_TRANSIENT);
	fault_keeps_old(&fail_write, EDQUOT, SMP_ERROR_TRANSIENT);
}

static void
test_faults_io_error_on_fsync(void **state)
{
	(void) state;
	fault_keeps_old(&fail_fsync, EIO, SMP_ERROR_IO);
	fault_keeps_old(&fail_fsync, ENOSPC, SMP_ERROR_TRANSIENT);
}

static void
test_faults_read_only_on_rename(void **state)
{
	(void) state;
	fault_keeps_old(&fail_rename, EROFS, SMP_ERROR_TRANSIENT);
	fault_keeps_old(&fail_rename, EIO, SMP_ERROR_IO);
}

/* The wrappers pass through when no fault is set (so the checks above
 * are about the faults), short writes included.
 */
static void
test_faults_none_writes_whole(void **state)
{
	g_autofree char *dir = smp_test_tmpdir();
	g_autofree char *path = g_build_filename(dir, "out.json", NULL);
	g_autofree char *text = NULL;
	g_autoptr(GError) error = NULL;

	(void) state;
	assert_true(smp_file_write_atomic(path, "new content", 11, &error));
	assert_true(g_file_get_contents(path, &text, NULL, NULL));
	assert_string_equal(text, "new content");
	assert_int_equal(others(dir), 0);
	smp_test_rmtree(dir);
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_faults_disk_full_on_write_is_transient),
		cmocka_unit_test(test_faults_io_error_on_fsync),
		cmocka_unit_test(test_faults_read_only_on_rename),
		cmocka_unit_test(test_faults_none_writes_whole),
	};

	return smp_test_run("faults", tests, G_N_ELEMENTS(tests), argc, argv);
}
