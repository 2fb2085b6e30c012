/* JSON members written alike everywhere; see smpdoc/json_out.h.
 * SPDX-License-Identifier: MIT
 */
#include <math.h>

#include "smpdoc/json_out.h"

static void
member(JsonBuilder *b, const char *key)
{
	if (key)
		json_builder_set_member_name(b, key);
}

void
smp_json_string(JsonBuilder *b, const char *key, const char *value)
{
	member(b, key);
	if (value)
		json_builder_add_string_value(b, value);
	else
		json_builder_add_null_value(b);
}

double
smp_json_rounded(double v, double step)
{
	return step > 0 ? round(v / step) * step : v;
}

void
smp_json_number(JsonBuilder *b, const char *key, double v, double step)
{
	member(b, key);
	if (!isfinite(v))
		json_builder_add_null_value(b);
	else
		json_builder_add_double_value(b, smp_json_rounded(v, step));
}

void
smp_json_int(JsonBuilder *b, const char *key, gint64 v)
{
	member(b, key);
	json_builder_add_int_value(b, v);
}

void
smp_json_bool(JsonBuilder *b, const char *key, gboolean v)
{
	member(b, key);
	json_builder_add_boolean_value(b, v);
}
