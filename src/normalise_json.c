/* The "parameters applied" record of a normalisation, for the sidecar's
 * `normalise` block.
 * SPDX-License-Identifier: MIT
 */
#include <math.h>
#include <string.h>

#include "normalise_private.h"
#include "smpdoc/json_out.h"

static void
triple(JsonBuilder *b, const char *key, const double *v, double step)
{
	json_builder_set_member_name(b, key);
	json_builder_begin_array(b);
	for (int i = 0; i < 3; i++)
		json_builder_add_double_value(b, round(v[i] / step) * step);
	json_builder_end_array(b);
}

static void
flatfield(const SmpNormalisation *n, JsonBuilder *b)
{
	json_builder_set_member_name(b, "flatfield");
	json_builder_begin_object(b);
	json_builder_set_member_name(b, "applied");
	json_builder_add_boolean_value(b, n->flatfield);
	json_builder_set_member_name(b, "model");
	json_builder_add_string_value(b, "ln_cubic+gauss_residual");
	smp_json_number(b, "sigma_px", n->flat_sigma_px, 0.1);
	smp_json_number(b, "sigma_mm",
		n->px_per_mm > 0 ? n->flat_sigma_px / n->px_per_mm : NAN, 0.01);
	/* Coefficients of ln illum over u, v in [-1, 1] (normalise.h). */
	json_builder_set_member_name(b, "ln_poly");
	json_builder_begin_array(b);
	for (int i = 0; i < 10; i++)
		json_builder_add_double_value(b, round(n->flat_poly[i] * 1e5) / 1e5);
	json_builder_end_array(b);
	smp_json_number(b, "illum_min", n->illum_min, 0.001);
	smp_json_number(b, "illum_max", n->illum_max, 0.001);
	json_builder_set_member_name(b, "grid");
	json_builder_begin_object(b);
	json_builder_set_member_name(b, "cols");
	json_builder_add_int_value(b, n->grid_cols);
	json_builder_set_member_name(b, "rows");
	json_builder_add_int_value(b, n->grid_rows);
	smp_json_number(b, "cell_px", n->cell_px, 0.1);
	json_builder_end_object(b);
	json_builder_end_object(b);
}

static void
colour(const SmpNormalisation *n, JsonBuilder *b)
{
	json_builder_set_member_name(b, "white_balance_source");
	json_builder_add_string_value(b, n->wb_source);
	json_builder_set_member_name(b, "white_balance");
	json_builder_begin_object(b);
	json_builder_set_member_name(b, "method");
	json_builder_add_string_value(
		b, strcmp(n->wb_source, "grey_card") == 0 ? "grey_card" : "skin_locus");
	triple(b, "gains", n->wb_gain, 0.0001);
	json_builder_set_member_name(b, "grey_card");
	if (n->grey_card_px[2] <= 0)
		json_builder_add_null_value(b);
	else {
		json_builder_begin_object(b);
		json_builder_set_member_name(b, "rect_px");
		json_builder_begin_array(b);
		for (int i = 0; i < 4; i++)
			json_builder_add_int_value(b, n->grey_card_px[i]);
		json_builder_end_array(b);
		triple(b, "rgb_linear", n->grey_card_rgb, 0.0001);
		smp_json_number(b, "clipped", n->grey_card_clipped, 1e-5);
		json_builder_end_object(b);
	}
	json_builder_end_object(b);

	json_builder_set_member_name(b, "exposure");
	json_builder_begin_object(b);
	smp_json_number(b, "gain", n->exposure_gain, 0.0001);
	smp_json_number(b, "target_L",
		n->target_lightness > 0 ? n->target_lightness : NAN, 0.01);
	smp_json_number(b, "skin_L_as_shot", n->skin_lightness_in, 0.01);
	json_builder_end_object(b);

	json_builder_set_member_name(b, "match");
	if (!n->matched) {
		json_builder_add_null_value(b);
	}
	else {
		json_builder_begin_object(b);
		json_builder_set_member_name(b, "to");
		json_builder_add_string_value(b, "before");
		json_builder_set_member_name(b, "region");
		json_builder_add_string_value(b, n->match_region);
		triple(b, "gains", n->match_gain, 0.0001);
		smp_json_number(b, "delta_e_before", n->match_delta_e_before, 0.01);
		smp_json_number(b, "delta_e_after", n->match_delta_e_after, 0.01);
		json_builder_end_object(b);
	}
	triple(b, "skin_lab", n->skin_lab, 0.01);
	smp_json_number(b, "background_fraction", n->background_fraction, 0.001);
}

void
smp_normalise_to_json(const SmpNormalisation *n, JsonBuilder *b)
{
	json_builder_begin_object(b);
	flatfield(n, b);
	colour(n, b);
	json_builder_set_member_name(b, "quality");
	json_builder_begin_object(b);
	smp_json_number(b, "clipped_high", n->clipped_high, 1e-5);
	smp_json_number(b, "clipped_low", n->clipped_low, 1e-5);
	smp_json_number(b, "edge_blur_px", n->edge_blur_px, 0.01);
	smp_json_number(b, "focus", n->focus, 0.001);
	json_builder_end_object(b);
	json_builder_end_object(b);
}
