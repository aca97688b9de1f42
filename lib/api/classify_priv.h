/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What tmpl.c needs from classify.c beyond the public segment classes: the
 * built-in vocabulary of API path words, which decides the words that stay
 * literal beside a parameter made of merged words.
 */
#ifndef AR_API_CLASSIFY_PRIV_H
#define AR_API_CLASSIFY_PRIV_H

#include <stdbool.h>
#include <stddef.h>

/* True when @s is a version token: v1, V2, v10, v1.1, v2beta, v1alpha1; 1.0, 10.2. */
bool classify_version(const char *s, size_t n);

/* True when @s may make up an API's base path: a version, api, apis or rest. */
bool classify_base_word(const char *s, size_t n);

/*
 * The length of @s's typed prefix, its separator included: 1 to 8 letters
 * and a '-' or '_' with more after it (se-4b-f-p9: 3, cus_NffrFe: 4); 0
 * when it has none.
 */
size_t classify_prefix_len(const char *s, size_t n);

/*
 * True when @s is a word of the vocabulary (case-insensitive), directly or
 * as a regular plural of one: "users", "Categories", "boxes".
 */
bool classify_vocab(const char *s, size_t n);

/* The vocabulary's words, lower-case and sorted; returns how many (tests). */
size_t classify_vocab_list(const char *const **words);

/*
 * True when the word @s should stay a literal beside a parameter: a
 * version, a vocabulary word, or a camelCase or snake_case compound whose
 * first piece is one: findByStatus, rate_limit. kebab-case compounds are
 * not (open-telemetry): that is how slugs and repository names are spelt.
 */
bool classify_literal_like(const char *s, size_t n);

/* True when @s is longer than @suffix (lower-case) and ends with it, in any case. */
bool classify_ends_with(const char *s, size_t n, const char *suffix);

#endif
