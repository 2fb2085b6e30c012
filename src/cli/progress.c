/* The terminal status line of long runs: "[done/total] rate ETA failed",
 * redrawn in place on stderr at most a few times a second.
 * SPDX-License-Identifier: MIT
 */
#include <stdio.h>
#include <unistd.h>

#include "cli.h"

/* Redraw at most this often (seconds); the last update always shows. */
#define PROGRESS_INTERVAL 0.25

void
smp_cli_progress_draw(SmpCliProgress *p, int done, int total, int skipped,
	int failed, double elapsed)
{
	int finished = done + skipped + failed;
	double rate = elapsed > 0 ? done / elapsed : 0;
	double eta = rate > 0 ? (total - finished) / rate : 0;

	if (!p->enabled ||
		(finished < total && elapsed - p->last < PROGRESS_INTERVAL))
		return;
	p->last = elapsed;
	fprintf(stderr,
		"\r[%d/%d] %.1f/s  ETA %02d:%02d:%02d  skipped %d  "
		"failed %d ",
		finished, total, rate, (int) eta / 3600, (int) eta / 60 % 60,
		(int) eta % 60, skipped, failed);
	p->drawn = TRUE;
	fflush(stderr);
}

void
smp_cli_progress_end(SmpCliProgress *p)
{
	if (p->drawn)
		fputc('\n', stderr);
	p->drawn = FALSE;
}

gboolean
smp_cli_progress_parse(const char *mode, gboolean *wanted, GError **error)
{
	if (!mode || g_strcmp0(mode, "auto") == 0)
		*wanted = isatty(STDERR_FILENO);
	else if (g_strcmp0(mode, "always") == 0)
		*wanted = TRUE;
	else if (g_strcmp0(mode, "never") == 0)
		*wanted = FALSE;
	else {
		g_set_error(error, SMP_ERROR, SMP_ERROR_USAGE,
			"--progress must be auto, always or never, not '%s'", mode);
		return FALSE;
	}
	return TRUE;
}
