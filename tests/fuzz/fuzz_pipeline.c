/* Fuzz target: pipeline files (GKeyFile text checked against the schema).
 * SPDX-License-Identifier: MIT
 */
#include <stdlib.h>

#include <glib.h>

#include "fuzz.h"
#include "smpdoc/error.h"
#include "smpdoc/pipeline.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	GError *error = NULL;
	SmpPipeline *p =
		smp_pipeline_parse((const char *) data, size, "fuzz.pipeline", &error);

	/* Exactly one of a pipeline and a configuration error naming it. */
	if (!p == !error)
		abort();
	if (error &&
		(error->code != SMP_ERROR_CONFIG ||
			!g_str_has_prefix(error->message, "fuzz.pipeline")))
		abort();
	g_clear_error(&error);
	smp_pipeline_free(p);
	return 0;
}
