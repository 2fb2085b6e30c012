/* Members of the JSON files smpdoc writes, as doc/FORMATS.md spells them:
 * unknown values (a NULL string, a non-finite number) are null, and
 * measured numbers are rounded to a step so files stay small and diffable.
 * A NULL @key adds an array element instead of an object member.
 * SPDX-License-Identifier: MIT
 */
#ifndef SMPDOC_JSON_OUT_H
#define SMPDOC_JSON_OUT_H

#include <json-glib/json-glib.h>

void smp_json_string(JsonBuilder *b, const char *key, const char *value);

/* @v rounded to a multiple of @step (0: as it is). */
double smp_json_rounded(double v, double step);

/* @v rounded to a multiple of @step (0: as it is); null when not finite. */
void smp_json_number(JsonBuilder *b, const char *key, double v, double step);

void smp_json_int(JsonBuilder *b, const char *key, gint64 v);
void smp_json_bool(JsonBuilder *b, const char *key, gboolean v);

#endif
