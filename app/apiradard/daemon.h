/* SPDX-License-Identifier: BSD-3-Clause */
/* apiradard's own types: the validated configuration and the worker. */
#ifndef APIRADARD_DAEMON_H
#define APIRADARD_DAEMON_H

#include <stdbool.h>
#include <stdint.h>

#include "ar_api.h"
#include "ar_export.h"
#include "ar_flow.h"
#include "ar_http.h"
#include "ar_pkt.h"
#include "ar_port.h"

#define AR_MAX_WORKERS       64
#define AR_MAX_RULE_PATHS    16
#define AR_MAX_OWNERS        64
#define AR_MAX_SPECS         32
#define ARD_DEFAULT_DATA_DIR "/var/lib/apiradar"

/* The whole configuration, validated once at load; read-only afterwards. */
struct ard_config {
	/* capture */
	uint32_t workers;
	uint32_t burst;
	uint32_t mbufs; /* per worker */
	uint32_t rx_desc;
	uint32_t ring_size; /* records in flight per worker */
	uint32_t n_ports;
	struct ar_port ports[AR_PORT_MAX];
	/* eal */
	int hugepages;       /* -1 auto, 0 no, 1 yes */
	uint64_t eal_memory; /* bytes, with --no-huge */
	/* flow and reassembly */
	struct ar_flow_params flow;
	/* http */
	struct ar_http_params http;
	/* detection */
	bool detect;           /* inspect transactions with the rule set */
	unsigned n_rule_paths; /* rule files or directories */
	char rule_paths[AR_MAX_RULE_PATHS][4096];
	uint32_t value_cap; /* longest value inspected, bytes */
	/* api discovery (the learner) */
	bool learn;
	uint32_t learn_ring;       /* records in flight per worker to the learner */
	struct ar_api_params api;  /* caps and zombie period; callbacks set by the learner */
	uint64_t save_interval_ns; /* store writes, wall clock */
	char data_dir[4096];       /* "" : no store */
	bool data_dir_set;         /* by the config or --data-dir (offline runs need it) */
	char openapi_dir[4096];    /* "" : no documents */
	int openapi_format;        /* enum ar_api_doc_format */
	unsigned n_owners;
	struct {
		char host[256], prefix[512], unit[128], contact[256];
	} owners[AR_MAX_OWNERS];
	unsigned n_specs;
	struct {
		char host[256], path[4096];
	} specs[AR_MAX_SPECS];
	/* output */
	char log_dir[4096];
	struct ar_eve_opts eve;
	uint64_t stats_interval_ns;
	bool offline; /* -r: capture files, exit at their end */
	int verbose;
};

/* Defaults for everything. */
void ard_config_defaults(struct ard_config *c);

/*
 * Reads @path into @c over the defaults. Returns 0, or -EINVAL with
 * "<file>:<line>: ..." in @err.
 */
int ard_config_load(struct ard_config *c, const char *path, char *err, size_t errlen);

/*
 * Adds a rule file or directory; a relative @path is taken from the
 * directory of @base_file (NULL: from the working directory).
 */
int ard_config_add_rules(struct ard_config *c, const char *path, const char *base_file, char *err,
			 size_t errlen);

/* Cross-field checks after command-line overrides. */
int ard_config_check(struct ard_config *c, char *err, size_t errlen);

#endif
