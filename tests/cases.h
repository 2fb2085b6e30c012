/* Ground-truth fixtures shared by the cmocka tests and the benchmarks, so
 * that a benchmark scores and poses exactly what the tests assert on:
 * the matching of detected dots to `smpdoc synth` truth, and the issue's
 * set of registration pairs. No cmocka here: bench/ links it too.
 * SPDX-License-Identifier: MIT
 */
#ifndef SMPDOC_TEST_CASES_H
#define SMPDOC_TEST_CASES_H

#include <stdint.h>

#include <glib.h>

#include "smpdoc/synth.h"

/* splitmix64: a small, seedable, portable PRNG for test inputs. */
uint64_t smp_test_rand(uint64_t *state);

/* Greedy nearest matching of detected @dots (SmpDot) to @truth's dots:
 * a pair counts when the centres lie within max(3 px, 0.8 r) of the true
 * dot, and pairs are taken closest first (ties by truth index, then dot
 * index), each dot at most once. When @truth_found is not NULL it gets
 * 1 for each matched true dot, 0 for the others (truth->dots->len
 * entries). Returns: the number of matched pairs.
 */
guint smp_test_match_dots(
	const SmpSynthTruth *truth, const GArray *dots, guint8 *truth_found);

/* The pose and lighting of pair @k of the registration issue's set at
 * @w x @h: rotation ±15°, scale 0.85..1.15, translation ±10% of the
 * width, lighting changes and 3-8x the before photo's dot density
 * requested in the after photo (the layout saturates near 4.5x), drawn
 * from splitmix64 seeded with @k.
 */
void smp_test_pair_config(
	int k, int w, int h, SmpSynthParams *p, SmpSynthPairParams *q);

#endif /* SMPDOC_TEST_CASES_H */
