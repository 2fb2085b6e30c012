/* Writing one before/after pair: labels, composite, sidecar.
 * SPDX-License-Identifier: MIT
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "smpdoc/composite.h"
#include "smpdoc/error.h"
#include "smpdoc/pair.h"
#include "smpdoc/report.h"

/* "session 1 · 2024-04-08 · top · 162 dots/cm² (159–165) · coverage 21%" */
static char *
caption_for(const SmpPairSpec *spec, int i)
{
	const SmpMeasurement *m = spec->analysis[i]->measurement;
	const char *taken = spec->taken[i] ? spec->taken[i]
									   : spec->photo[i]->meta->taken;
	GString *s = g_string_new(NULL);

	g_string_append_printf(s, "session %d", spec->session[i]);
	if (taken)
		g_string_append_printf(s, "  ·  %.10s", taken);
	if (spec->view)
		g_string_append_printf(s, "  ·  %s", spec->view);
	if (m->has_scale)
		g_string_append_printf(s, "  ·  %.0f dots/cm² (%.0f–%.0f)",
			m->per_cm2, m->per_cm2_ci95[0], m->per_cm2_ci95[1]);
	else
		g_string_append_printf(s, "  ·  %zu dots, %.0f/Mpx (no scale)",
			(size_t) m->count, m->per_mpx);
	if (isfinite(m->coverage))
		g_string_append_printf(s, "  ·  coverage %.0f%%", m->coverage * 100);
	return g_string_free(s, FALSE);
}

/* The after caption adds the change: "· +52 dots/cm² (+37%)". */
static char *
after_caption(const SmpPairSpec *spec, const SmpChange *change)
{
	g_autofree char *base = caption_for(spec, 1);

	if (isfinite(change->per_cm2) && isfinite(change->per_cm2_pct))
		return g_strdup_printf("%s  ·  %+.0f dots/cm² (%+.0f%%)", base,
			change->per_cm2, change->per_cm2_pct);
	return g_steal_pointer(&base);
}

/* Originals are never written: refuse an output that is an input. */
static gboolean
check_not_input(const SmpPairSpec *spec, const char *out, GError **error)
{
	g_autofree char *real_out = realpath(out, NULL);

	for (int i = 0; real_out && spec->inputs && spec->inputs[i]; i++) {
		g_autofree char *real_in = realpath(spec->inputs[i], NULL);

		if (real_in && strcmp(real_in, real_out) == 0) {
			g_set_error(error, SMP_ERROR, SMP_ERROR_USAGE,
				"%s: output: would overwrite an input photo", out);
			return FALSE;
		}
	}
	return TRUE;
}

static gboolean
write_composite(const SmpPairSpec *spec, const SmpChange *change,
	const char *path, GError **error)
{
	g_autofree char *cap0 = caption_for(spec, 0);
	g_autofree char *cap1 = after_caption(spec, change);
	g_autofree char *save = NULL;
	g_autoptr(VipsImage) composite = NULL;
	SmpPanel panel[2];
	SmpCompositeParams cp;

	for (int i = 0; i < 2; i++) {
		const SmpAnalysis *a = spec->analysis[i];

		panel[i] = (SmpPanel){
			smp_analysis_image(spec->photo[i], a, spec->as_shot),
			i ? "AFTER" : "BEFORE",
			i ? cap1 : cap0, (const SmpDot *) a->detection->dots->data,
			a->detection->dots->len, &a->measurement->grid,
			a->scale.px_per_mm};
	}
	if (spec->composite)
		cp = *spec->composite;
	else
		smp_composite_params_default(&cp);
	cp.long_edge_px = spec->long_edge_px ? spec->long_edge_px
										 : spec->pipeline->long_edge_px;
	cp.aligned = FALSE; /* no registration yet: say so on the picture */
	composite = smp_composite_make(&panel[0], &panel[1], &cp, error);
	if (!composite)
		return FALSE;
	save = g_strdup_printf("%s[Q=%d,strip]", path,
		spec->jpeg_quality ? spec->jpeg_quality
						   : spec->pipeline->jpeg_quality);
	return smp_photo_save_atomic(composite, save, error);
}

static gboolean
write_sidecar(const SmpPairSpec *spec, const SmpChange *change,
	const char *composite_name, const char *path, GError **error)
{
	g_autoptr(JsonNode) node = NULL;
	g_autofree char *text = NULL;
	SmpRegistrationReport reg = {"none", "similarity",
		{1, 0, 0, 0, 1, 0, 0, 0, 1}, -1, FALSE};
	SmpPairReport r = {0};

	smp_analysis_report(spec->photo[0], spec->analysis[0], TRUE, &r.before);
	smp_analysis_report(spec->photo[1], spec->analysis[1], TRUE, &r.after);
	if (spec->file[0])
		r.before.file = spec->file[0];
	if (spec->file[1])
		r.after.file = spec->file[1];
	for (int i = 0; !spec->timing && i < 4; i++)
		r.before.timing_ms[i] = r.after.timing_ms[i] = -1;
	r.change = change;
	r.norm[0] = spec->analysis[0]->norm;
	r.norm[1] = spec->analysis[1]->norm;
	r.registration = reg;
	r.composite = composite_name;
	r.pipeline_name = spec->pipeline->name;
	r.pipeline_sha256 = spec->pipeline->sha256;
	node = smp_report_pair(&r);
	text = smp_report_to_string(node, TRUE);
	return smp_file_write_atomic(path, text, strlen(text), error);
}

/* Bring the after photo's tone to the before photo's (whole frame until
 * registration gives the overlap), and carry a mismatch warning into the
 * after photo's warnings.
 */
static gboolean
match_tone(const SmpPairSpec *spec, GError **error)
{
	SmpNormalisation *b = spec->analysis[0]->norm;
	SmpNormalisation *a = spec->analysis[1]->norm;
	SmpNormaliseParams np;

	if (!b || !a || a->matched)
		return TRUE;
	smp_normalise_params_default(&np);
	np.flatfield_mm = spec->pipeline->flatfield_mm;
	np.flatfield_px = spec->pipeline->flatfield_mm * 20;
	if (!smp_normalise_match(b, a, NULL, NULL, &np, error))
		return FALSE;
	if (smp_warnings_has(a->warnings, "lighting_mismatch") &&
		!smp_warnings_has(spec->analysis[1]->warnings, "lighting_mismatch"))
		for (guint i = 0; i < a->warnings->len; i++) {
			SmpWarning *w = g_ptr_array_index(a->warnings, i);

			if (strcmp(w->code, "lighting_mismatch") == 0)
				smp_warnings_add(spec->analysis[1]->warnings, w->code, "%s",
					w->message);
		}
	return TRUE;
}

gboolean
smp_pair_write(const SmpPairSpec *spec, const char *dir, const char *stem,
	SmpPairResult *result, GError **error)
{
	g_autofree char *comp_name = g_strdup_printf("%s.jpg", stem);
	g_autofree char *side_name = g_strdup_printf("%s.json", stem);
	g_autofree char *comp_path = g_build_filename(dir, comp_name, NULL);
	g_autofree char *side_path = g_build_filename(dir, side_name, NULL);
	SmpChange change;

	if (!check_not_input(spec, comp_path, error) ||
		!check_not_input(spec, side_path, error))
		return FALSE;
	smp_measure_change(spec->analysis[0]->measurement,
		spec->analysis[1]->measurement, &change);
	if (!match_tone(spec, error))
		return FALSE;
	if (!write_composite(spec, &change, comp_path, error) ||
		!write_sidecar(spec, &change, comp_name, side_path, error))
		return FALSE;
	result->composite = g_steal_pointer(&comp_path);
	result->sidecar = g_steal_pointer(&side_path);
	result->change = change;
	result->aligned = FALSE;
	return TRUE;
}

void
smp_pair_result_clear(SmpPairResult *result)
{
	g_clear_pointer(&result->composite, g_free);
	g_clear_pointer(&result->sidecar, g_free);
}
