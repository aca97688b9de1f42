/* SPDX-License-Identifier: BSD-3-Clause */
/* lib/match: what rules.c builds and scan.c reads. Private to lib/match. */
#ifndef AR_MATCH_PRIV_H
#define AR_MATCH_PRIV_H

#include <hs/hs.h>

#include "ar_core.h"
#include "ar_match.h"

#define AR_MATCH_MAX_DBS         (AR_TGT_MAX * (AR_FORM_MAX + 1))
#define AR_MATCH_MAX_FIELD_NAMES 16

struct ar_ruleset {
	uint32_t n_rules;
	struct ar_rule_info *rules;
	struct ar_conf **trees; /* the rule files, owning every string of the rules */
	unsigned n_trees;
	/* databases by target and form; NULL where no rule looks */
	hs_database_t *db[AR_TGT_MAX][AR_FORM_MAX];
	hs_database_t *name_db[AR_TGT_MAX]; /* "key" rules: field names */
	/* distinct databases (owned), with the expressions each holds */
	hs_database_t *dbs[AR_MATCH_MAX_DBS];
	uint32_t *db_sel[AR_MATCH_MAX_DBS];
	uint32_t db_sel_n[AR_MATCH_MAX_DBS];
	unsigned n_dbs;
	/*
	 * Targets whose every rule names its field (`field:`): only fields of
	 * those names are worth scanning (a User-Agent rule need not see the
	 * other headers).
	 */
	bool field_only[AR_TGT_MAX];
	const char *fields[AR_TGT_MAX][AR_MATCH_MAX_FIELD_NAMES];
	unsigned n_fields[AR_TGT_MAX];
	hs_scratch_t **scratch; /* by worker */
	unsigned n_workers;
};

#endif
