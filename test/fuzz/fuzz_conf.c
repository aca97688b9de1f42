/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Fuzz target: the YAML config reader and its typed readers. Any input is
 * parsed; every scalar of the tree is read as each type.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ar_core.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
walk(const struct ar_conf *n, unsigned depth)
{
	char err[256];
	uint64_t v;
	bool b;
	unsigned e;
	const char *s;
	static const char *const choices[] = { "first", "last", NULL };
	static const char *const known[] = { "capture", "flow", NULL };
	for (; n != NULL && depth < 100; n = n->next) {
		if (n->type == AR_CONF_SCALAR) {
			ar_conf_u64(n, 0, UINT64_MAX, &v, err, sizeof(err));
			ar_conf_size(n, 0, UINT64_MAX, &v, err, sizeof(err));
			ar_conf_duration(n, 0, UINT64_MAX, &v, err, sizeof(err));
			ar_conf_bool(n, &b, err, sizeof(err));
			ar_conf_enum(n, choices, &e, err, sizeof(err));
			ar_conf_str(n, &s, err, sizeof(err));
		} else {
			if (n->type == AR_CONF_MAP)
				ar_conf_check_keys(n, known, err, sizeof(err));
			walk(n->child, depth + 1);
		}
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[256];
	struct ar_conf *root =
		ar_conf_parse((const char *)data, size, "fuzz.yaml", err, sizeof(err));
	if (root == NULL)
		return 0;
	walk(root, 0);
	ar_conf_path(root, "capture.workers");
	ar_conf_free(root);
	return 0;
}
