/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The output thread: drains every worker's record ring, writes EVE JSON
 * lines to DIR/eve.json, and a stats event every interval and at the end.
 */
#ifndef APIRADARD_OUTPUT_H
#define APIRADARD_OUTPUT_H

#include <stdint.h>
#include <stdio.h>

#include "learner.h"
#include "worker.h"

/* Alert and pii events written, by rule id: the stats event lists them. */
struct ard_rule_count {
	uint32_t id;
	uint64_t n;
};
#define ARD_MAX_RULE_COUNTS 4096

struct ard_output {
	const struct ard_config *cfg;
	struct ard_worker *workers;
	unsigned n_workers;
	FILE *eve;
	char path[4200];
	char *line; /* one formatted event */
	size_t line_cap;
	uint64_t written;  /* events written */
	uint64_t too_long; /* events larger than line_cap: counted, dropped */
	uint64_t write_errors;
	uint64_t start_ns; /* wall clock at start */
	uint64_t last_stats_ns;
	struct ard_detect *detect;      /* may be NULL */
	struct ard_learner *learner;    /* may be NULL */
	atomic_bool *reload_asked;      /* set by SIGHUP; may be NULL */
	struct ard_rule_count *by_rule; /* sorted by id */
	unsigned n_by_rule;
	uint64_t by_rule_capped; /* events of rules beyond ARD_MAX_RULE_COUNTS */
};

/* Opens DIR/eve.json for appending. Returns 0 or -errno with a reason. */
int ard_output_open(struct ard_output *o, const struct ard_config *cfg, struct ard_worker *workers,
		    unsigned n, char *err, size_t errlen);

/*
 * Runs until every worker is done and every ring is empty. Main thread.
 */
void ard_output_run(struct ard_output *o);

/* Sum of all workers' published counters. */
void ard_output_totals(struct ard_output *o, struct ard_wsnap *sum);

/* Writes a stats event now. */
void ard_output_stats(struct ard_output *o, uint64_t ts);

void ard_output_close(struct ard_output *o);

#endif
