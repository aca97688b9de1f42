/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/match: loading rule files and compiling them with Hyperscan.
 *
 * A rule file is YAML (the format is documented in doc/rules.md): a map
 * with one key, `rules`, holding a sequence of rules. The YAML trees stay
 * alive with the rule set, so a rule's strings point into them and every
 * error can name its file and line.
 *
 * Rules are grouped per (target, normal form): each group becomes one
 * Hyperscan block-mode database, and groups with the same rules share it
 * (most attack rules look at every argument target, so the query, form,
 * JSON, cookie and multipart targets usually share one database). Rules
 * that look at field names ("key") go into one name database per target.
 * Each worker gets its own scratch, cloned from one allocated for every
 * database of the set.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include <hs/hs.h>

#include "ar_core.h"
#include "ar_match.h"
#include "match_priv.h"

#define MAX_FILES    256
#define MAX_PATTERNS 16 /* alternatives of one rule */

static const char *const target_names[AR_TGT_MAX] = {
	[AR_TGT_PATH] = "path",
	[AR_TGT_QUERY] = "query",
	[AR_TGT_HEADER] = "header",
	[AR_TGT_COOKIE] = "cookie",
	[AR_TGT_FORM] = "form",
	[AR_TGT_JSON] = "json",
	[AR_TGT_XML] = "xml",
	[AR_TGT_MULTIPART] = "multipart",
	[AR_TGT_BODY] = "body",
	[AR_TGT_RESP_HEADER] = "resp_header",
	[AR_TGT_RESP_JSON] = "resp_json",
	[AR_TGT_RESP_BODY] = "resp_body",
};

static const char *const severity_names[] = { "info", "low", "medium", "high", "critical", NULL };
static const char *const form_names[] = { "text", "sql", "raw", NULL };

#define TGT(t) (1u << (t))
/* Target groups a rule may name instead of listing targets. */
static const struct {
	const char *name;
	uint32_t mask;
} target_groups[] = {
	{ "args", TGT(AR_TGT_QUERY) | TGT(AR_TGT_COOKIE) | TGT(AR_TGT_FORM) | TGT(AR_TGT_JSON) |
			  TGT(AR_TGT_MULTIPART) },
	{ "request", TGT(AR_TGT_PATH) | TGT(AR_TGT_QUERY) | TGT(AR_TGT_HEADER) |
			     TGT(AR_TGT_COOKIE) | TGT(AR_TGT_FORM) | TGT(AR_TGT_JSON) |
			     TGT(AR_TGT_XML) | TGT(AR_TGT_MULTIPART) | TGT(AR_TGT_BODY) },
	{ "response", TGT(AR_TGT_RESP_HEADER) | TGT(AR_TGT_RESP_JSON) | TGT(AR_TGT_RESP_BODY) },
};

const char *
ar_target_name(enum ar_target t)
{
	return (unsigned)t < AR_TGT_MAX ? target_names[t] : "?";
}

const char *
ar_severity_name(enum ar_severity s)
{
	return (unsigned)s <= AR_SEV_CRITICAL ? severity_names[s] : "?";
}

/* One expression handed to Hyperscan. */
struct expr {
	const char *pattern;
	uint32_t rule;
	unsigned flags;
};

struct loader {
	struct ar_ruleset *rs;
	struct expr *exprs;
	uint32_t n_exprs, cap_exprs;
	uint32_t cap_rules;
	char *err;
	size_t errlen;
};

static int fail(struct loader *ld, const struct ar_conf *n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int
fail(struct loader *ld, const struct ar_conf *n, const char *fmt, ...)
{
	int k = snprintf(ld->err, ld->errlen, "%s:%u: ", n->file, n->line);
	va_list ap;
	va_start(ap, fmt);
	if (k >= 0 && (size_t)k < ld->errlen)
		vsnprintf(ld->err + k, ld->errlen - (size_t)k, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static int
add_expr(struct loader *ld, const char *pattern, uint32_t rule)
{
	if (ld->n_exprs == ld->cap_exprs) {
		uint32_t cap = ld->cap_exprs ? 2 * ld->cap_exprs : 256;
		struct expr *e = realloc(ld->exprs, cap * sizeof(*e));
		if (!e)
			return -ENOMEM;
		ld->exprs = e;
		ld->cap_exprs = cap;
	}
	ld->exprs[ld->n_exprs++] = (struct expr){ .pattern = pattern, .rule = rule };
	return 0;
}

static int
parse_targets(struct loader *ld, const struct ar_conf *n, uint32_t *mask)
{
	const struct ar_conf *one = n;
	if (n->type == AR_CONF_SEQ)
		one = n->child;
	else if (n->type != AR_CONF_SCALAR)
		return fail(ld, n, "`targets`: a name or a list of names");
	*mask = 0;
	for (; one; one = n->type == AR_CONF_SEQ ? one->next : NULL) {
		if (one->type != AR_CONF_SCALAR)
			return fail(ld, one, "`targets`: a name or a list of names");
		uint32_t m = 0;
		for (unsigned t = 0; t < AR_TGT_MAX; t++)
			if (strcmp(one->value, target_names[t]) == 0)
				m = TGT(t);
		for (unsigned g = 0; g < sizeof(target_groups) / sizeof(target_groups[0]); g++)
			if (strcmp(one->value, target_groups[g].name) == 0)
				m = target_groups[g].mask;
		if (!m)
			return fail(ld, one, "unknown target `%s`", one->value);
		*mask |= m;
	}
	if (!*mask)
		return fail(ld, n, "`targets` is empty");
	return 0;
}

/* Reads one scalar string member that must be there. */
static int
need_str(struct loader *ld, const struct ar_conf *r, const char *key, const char **out)
{
	const struct ar_conf *n = ar_conf_get(r, key);
	if (!n)
		return fail(ld, r, "rule without `%s`", key);
	if (ar_conf_str(n, out, ld->err, ld->errlen) != 0)
		return -EINVAL;
	if (!**out)
		return fail(ld, n, "`%s` is empty", key);
	return 0;
}

static int
load_rule(struct loader *ld, const struct ar_conf *r)
{
	static const char *const keys[] = { "id",        "msg",       "category", "type",
					    "severity",  "owasp",     "cwe",      "targets",
					    "norm",      "pattern",   "patterns", "key",
					    "min_count", "validator", "field",    "caseless",
					    "limit",     NULL };
	struct ar_ruleset *rs = ld->rs;
	char *err = ld->err;
	size_t el = ld->errlen;

	if (r->type != AR_CONF_MAP)
		return fail(ld, r, "a rule is a map");
	if (ar_conf_check_keys(r, keys, err, el) != 0)
		return -EINVAL;
	if (rs->n_rules == ld->cap_rules) {
		uint32_t cap = ld->cap_rules ? 2 * ld->cap_rules : 128;
		struct ar_rule_info *n = realloc(rs->rules, cap * sizeof(*n));
		if (!n)
			return -ENOMEM;
		rs->rules = n;
		ld->cap_rules = cap;
	}
	uint32_t idx = rs->n_rules;
	struct ar_rule_info *ri = &rs->rules[idx];
	memset(ri, 0, sizeof(*ri));
	ri->file = r->file;
	ri->line = r->line;

	uint64_t v;
	const struct ar_conf *n = ar_conf_get(r, "id");
	if (!n)
		return fail(ld, r, "rule without `id`");
	if (ar_conf_u64(n, 1, UINT32_MAX, &v, err, el) != 0)
		return -EINVAL;
	ri->id = (uint32_t)v;
	for (uint32_t i = 0; i < idx; i++)
		if (rs->rules[i].id == ri->id)
			return fail(ld, n, "rule id %u already defined at %s:%u", ri->id,
				    rs->rules[i].file, rs->rules[i].line);
	if (need_str(ld, r, "msg", &ri->msg) != 0)
		return -EINVAL;

	const struct ar_conf *cat = ar_conf_get(r, "category"), *type = ar_conf_get(r, "type");
	if (!!cat == !!type)
		return fail(ld, r,
			    "a rule has either `category` (an attack) or `type` (sensitive data)");
	if (type) {
		if (need_str(ld, r, "type", &ri->pii_type) != 0)
			return -EINVAL;
		ri->category = "pii";
	} else if (need_str(ld, r, "category", &ri->category) != 0) {
		return -EINVAL;
	}

	unsigned sev = AR_SEV_MEDIUM;
	if ((n = ar_conf_get(r, "severity")) && ar_conf_enum(n, severity_names, &sev, err, el) != 0)
		return -EINVAL;
	ri->severity = (uint8_t)sev;
	if ((n = ar_conf_get(r, "owasp")) && ar_conf_str(n, &ri->owasp, err, el) != 0)
		return -EINVAL;
	v = 0;
	if (ar_conf_u64(ar_conf_get(r, "cwe"), 1, 9999, &v, err, el) != 0)
		return -EINVAL;
	ri->cwe = (uint16_t)v;
	if (!(n = ar_conf_get(r, "targets")))
		return fail(ld, r, "rule without `targets`");
	if (parse_targets(ld, n, &ri->targets) != 0)
		return -EINVAL;
	unsigned form = AR_FORM_TEXT;
	if ((n = ar_conf_get(r, "norm")) && ar_conf_enum(n, form_names, &form, err, el) != 0)
		return -EINVAL;
	ri->form = (uint8_t)form;
	v = 1;
	if (ar_conf_u64(ar_conf_get(r, "min_count"), 1, 1000, &v, err, el) != 0)
		return -EINVAL;
	ri->min_count = (uint32_t)v;
	if ((n = ar_conf_get(r, "validator"))) {
		const char *name;
		if (ar_conf_str(n, &name, err, el) != 0)
			return -EINVAL;
		ri->validator = (uint8_t)ar_validator_by_name(name);
		if (ri->validator == AR_VAL_NONE)
			return fail(ld, n, "unknown validator `%s`", name);
	}
	if ((n = ar_conf_get(r, "field"))) {
		if (ar_conf_str(n, &ri->field, err, el) != 0)
			return -EINVAL;
		for (const char *c = ri->field; *c; c++)
			if (*c >= 'A' && *c <= 'Z')
				return fail(ld, n, "`field` is matched in lower case: write it so");
	}
	if (ar_conf_duration(ar_conf_get(r, "limit"), 1000000000ull, 86400ull * 30 * 1000000000ull,
			     &ri->limit_ns, err, el) != 0)
		return -EINVAL;
	bool caseless = false;
	if (ar_conf_bool(ar_conf_get(r, "caseless"), &caseless, err, el) != 0)
		return -EINVAL;

	/* the patterns: exactly one of pattern, patterns, key */
	const struct ar_conf *pat = ar_conf_get(r, "pattern"), *pats = ar_conf_get(r, "patterns"),
			     *key = ar_conf_get(r, "key");
	if (!!pat + !!pats + !!key != 1)
		return fail(ld, r, "a rule has exactly one of `pattern`, `patterns`, `key`");
	if (key && !ri->pii_type)
		return fail(ld, key, "`key` rules report values as sensitive data: give a `type`");
	ri->by_key = key != NULL;
	unsigned flags = HS_FLAG_SINGLEMATCH;
	if (ri->validator != AR_VAL_NONE || ri->min_count > 1 || (ri->pii_type && !key))
		flags = HS_FLAG_SOM_LEFTMOST; /* every match, with its start */
	if (ri->form != AR_FORM_RAW || caseless || key)
		flags |= HS_FLAG_CASELESS;
	/*
	 * Fields are scanned in batches, one per line (scan.c): with
	 * multi-line anchors, ^ and $ keep meaning the start and end of a
	 * field there too (and of each line of a raw value).
	 */
	flags |= HS_FLAG_MULTILINE;

	const struct ar_conf *list[MAX_PATTERNS];
	unsigned n_list = 0;
	if (pats) {
		if (pats->type != AR_CONF_SEQ || !pats->child)
			return fail(ld, pats, "`patterns` is a list of patterns");
		for (const struct ar_conf *p = pats->child; p; p = p->next) {
			if (n_list == MAX_PATTERNS)
				return fail(ld, p, "more than %d patterns in one rule",
					    MAX_PATTERNS);
			list[n_list++] = p;
		}
	} else {
		list[n_list++] = pat ? pat : key;
	}
	for (unsigned i = 0; i < n_list; i++) {
		const char *s;
		if (ar_conf_str(list[i], &s, err, el) != 0)
			return -EINVAL;
		if (!*s)
			return fail(ld, list[i], "empty pattern");
		if (add_expr(ld, s, idx) != 0)
			return -ENOMEM;
		ld->exprs[ld->n_exprs - 1].flags = flags;
	}
	rs->n_rules++;
	return 0;
}

static int
load_file(struct loader *ld, const char *path)
{
	struct ar_ruleset *rs = ld->rs;
	if (rs->n_trees == MAX_FILES) {
		snprintf(ld->err, ld->errlen, "%s: more than %d rule files", path, MAX_FILES);
		return -EINVAL;
	}
	struct ar_conf *root = ar_conf_load(path, ld->err, ld->errlen);
	if (!root)
		return -EINVAL;
	rs->trees[rs->n_trees++] = root;
	static const char *const top[] = { "rules", NULL };
	if (root->type != AR_CONF_MAP)
		return fail(ld, root, "a rule file is a map with `rules:`");
	if (ar_conf_check_keys(root, top, ld->err, ld->errlen) != 0)
		return -EINVAL;
	const struct ar_conf *rules = ar_conf_get(root, "rules");
	if (!rules)
		return fail(ld, root, "no `rules:` in this file");
	if (rules->type != AR_CONF_SEQ)
		return fail(ld, rules, "`rules` is a list");
	for (const struct ar_conf *r = rules->child; r; r = r->next) {
		int rc = load_rule(ld, r);
		if (rc != 0)
			return rc;
	}
	return 0;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A directory: its *.yaml files in name order. */
static int
load_dir(struct loader *ld, const char *dir)
{
	DIR *d = opendir(dir);
	if (!d) {
		snprintf(ld->err, ld->errlen, "%s: %s", dir, strerror(errno));
		return -errno;
	}
	char *names[MAX_FILES];
	unsigned n = 0;
	int rc = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		size_t l = strlen(e->d_name);
		if (l < 6 || strcmp(e->d_name + l - 5, ".yaml") != 0 || e->d_name[0] == '.')
			continue;
		if (n == MAX_FILES) {
			snprintf(ld->err, ld->errlen, "%s: more than %d rule files", dir,
				 MAX_FILES);
			rc = -EINVAL;
			break;
		}
		size_t need = strlen(dir) + l + 2;
		if (!(names[n] = malloc(need))) {
			rc = -ENOMEM;
			break;
		}
		snprintf(names[n++], need, "%s/%s", dir, e->d_name);
	}
	closedir(d);
	qsort(names, n, sizeof(names[0]), cmp_str);
	for (unsigned i = 0; i < n; i++) {
		if (rc == 0)
			rc = load_file(ld, names[i]);
		free(names[i]);
	}
	return rc;
}

/*
 * Compiles the expressions selected by @want(rule) into one database, or
 * reuses an identical one. *@out = NULL when no rule is selected.
 */
static int
build_db(struct loader *ld, uint32_t *sel, uint32_t n_sel, hs_database_t **out)
{
	struct ar_ruleset *rs = ld->rs;
	*out = NULL;
	if (n_sel == 0) {
		free(sel);
		return 0;
	}
	for (unsigned i = 0; i < rs->n_dbs; i++) {
		if (rs->db_sel_n[i] == n_sel &&
		    memcmp(rs->db_sel[i], sel, n_sel * sizeof(*sel)) == 0) {
			*out = rs->dbs[i];
			free(sel);
			return 0;
		}
	}
	const char **pats = malloc(n_sel * sizeof(*pats));
	unsigned *flags = malloc(n_sel * sizeof(*flags));
	unsigned *ids = malloc(n_sel * sizeof(*ids));
	int rc = -ENOMEM;
	if (!pats || !flags || !ids)
		goto out;
	for (uint32_t i = 0; i < n_sel; i++) {
		const struct expr *e = &ld->exprs[sel[i]];
		pats[i] = e->pattern;
		flags[i] = e->flags;
		ids[i] = e->rule;
	}
	hs_compile_error_t *cerr = NULL;
	hs_database_t *db = NULL;
	if (hs_compile_multi(pats, flags, ids, n_sel, HS_MODE_BLOCK, NULL, &db, &cerr) !=
	    HS_SUCCESS) {
		if (cerr && cerr->expression >= 0 && (uint32_t)cerr->expression < n_sel) {
			const struct ar_rule_info *ri = &rs->rules[ids[cerr->expression]];
			snprintf(ld->err, ld->errlen, "%s:%u: rule %u: pattern `%s`: %s", ri->file,
				 ri->line, ri->id, pats[cerr->expression], cerr->message);
		} else {
			snprintf(ld->err, ld->errlen, "rules: Hyperscan: %s",
				 cerr ? cerr->message : "compile failed");
		}
		hs_free_compile_error(cerr);
		rc = -EINVAL;
		goto out;
	}
	rs->dbs[rs->n_dbs] = db;
	rs->db_sel[rs->n_dbs] = sel;
	rs->db_sel_n[rs->n_dbs] = n_sel;
	rs->n_dbs++;
	sel = NULL;
	*out = db;
	rc = 0;
out:
	free(sel);
	free(pats);
	free(flags);
	free(ids);
	return rc;
}

/* Selects the expressions of rules matching (target, form, by_key). */
static int
select_exprs(struct loader *ld, unsigned t, int form, bool by_key, uint32_t **sel, uint32_t *n)
{
	*n = 0;
	*sel = malloc((ld->n_exprs ? ld->n_exprs : 1) * sizeof(**sel));
	if (!*sel)
		return -ENOMEM;
	for (uint32_t i = 0; i < ld->n_exprs; i++) {
		const struct ar_rule_info *ri = &ld->rs->rules[ld->exprs[i].rule];
		if (!(ri->targets & TGT(t)) || ri->by_key != by_key)
			continue;
		if (!by_key && ri->form != form)
			continue;
		(*sel)[(*n)++] = i;
	}
	return 0;
}

/* Which targets only need the fields their rules name. */
static void
field_filters(struct ar_ruleset *rs)
{
	for (unsigned t = 0; t < AR_TGT_MAX; t++) {
		bool any = false, all = true;
		for (uint32_t i = 0; i < rs->n_rules && all; i++) {
			const struct ar_rule_info *ri = &rs->rules[i];
			if (!(ri->targets & TGT(t)))
				continue;
			any = true;
			if (!ri->field || ri->by_key) {
				all = false;
				break;
			}
			unsigned k;
			for (k = 0; k < rs->n_fields[t] && strcmp(rs->fields[t][k], ri->field); k++)
				;
			if (k == rs->n_fields[t]) {
				if (k == AR_MATCH_MAX_FIELD_NAMES)
					all = false;
				else
					rs->fields[t][rs->n_fields[t]++] = ri->field;
			}
		}
		rs->field_only[t] = any && all;
	}
}

static int
compile_all(struct loader *ld, unsigned n_workers)
{
	struct ar_ruleset *rs = ld->rs;
	field_filters(rs);
	for (unsigned t = 0; t < AR_TGT_MAX; t++) {
		for (int f = 0; f <= AR_FORM_MAX; f++) {
			bool by_key = f == AR_FORM_MAX;
			uint32_t *sel, n;
			if (select_exprs(ld, t, f, by_key, &sel, &n) != 0)
				return -ENOMEM;
			hs_database_t **slot = by_key ? &rs->name_db[t] : &rs->db[t][f];
			int rc = build_db(ld, sel, n, slot);
			if (rc != 0)
				return rc;
		}
	}
	hs_scratch_t *proto = NULL;
	for (unsigned i = 0; i < rs->n_dbs; i++) {
		if (hs_alloc_scratch(rs->dbs[i], &proto) != HS_SUCCESS) {
			snprintf(ld->err, ld->errlen, "rules: cannot allocate Hyperscan scratch");
			hs_free_scratch(proto);
			return -ENOMEM;
		}
	}
	rs->n_workers = n_workers;
	rs->scratch = calloc(n_workers ? n_workers : 1, sizeof(*rs->scratch));
	if (!rs->scratch) {
		hs_free_scratch(proto);
		return -ENOMEM;
	}
	for (unsigned w = 0; w < n_workers && proto; w++) {
		if (hs_clone_scratch(proto, &rs->scratch[w]) != HS_SUCCESS) {
			snprintf(ld->err, ld->errlen, "rules: cannot allocate Hyperscan scratch");
			hs_free_scratch(proto);
			return -ENOMEM;
		}
	}
	hs_free_scratch(proto);
	return 0;
}

struct ar_ruleset *
ar_ruleset_load(const char *const *paths, unsigned n_paths, unsigned n_workers, char *err,
		size_t errlen)
{
	struct loader ld = { .err = err, .errlen = errlen };
	struct ar_ruleset *rs = calloc(1, sizeof(*rs));
	int rc = -ENOMEM;
	if (!rs || !(rs->trees = calloc(MAX_FILES, sizeof(*rs->trees))))
		goto fail;
	ld.rs = rs;
	for (unsigned i = 0; i < n_paths; i++) {
		struct stat st;
		if (stat(paths[i], &st) != 0) {
			snprintf(err, errlen, "%s: %s", paths[i], strerror(errno));
			rc = -ENOENT;
			goto fail;
		}
		rc = S_ISDIR(st.st_mode) ? load_dir(&ld, paths[i]) : load_file(&ld, paths[i]);
		if (rc != 0)
			goto fail;
	}
	if ((rc = compile_all(&ld, n_workers)) != 0)
		goto fail;
	free(ld.exprs);
	return rs;
fail:
	if (rc == -ENOMEM && err[0] == '\0')
		snprintf(err, errlen, "rules: out of memory");
	free(ld.exprs);
	ar_ruleset_free(rs);
	return NULL;
}

void
ar_ruleset_free(struct ar_ruleset *rs)
{
	if (!rs)
		return;
	for (unsigned i = 0; i < rs->n_dbs; i++) {
		hs_free_database(rs->dbs[i]);
		free(rs->db_sel[i]);
	}
	if (rs->scratch)
		for (unsigned w = 0; w < rs->n_workers; w++)
			hs_free_scratch(rs->scratch[w]);
	free(rs->scratch);
	if (rs->trees)
		for (unsigned i = 0; i < rs->n_trees; i++)
			ar_conf_free(rs->trees[i]);
	free(rs->trees);
	free(rs->rules);
	free(rs);
}

uint32_t
ar_ruleset_count(const struct ar_ruleset *rs)
{
	return rs->n_rules;
}

const struct ar_rule_info *
ar_ruleset_rule(const struct ar_ruleset *rs, uint32_t idx)
{
	return idx < rs->n_rules ? &rs->rules[idx] : NULL;
}

int32_t
ar_ruleset_find(const struct ar_ruleset *rs, uint32_t id)
{
	for (uint32_t i = 0; i < rs->n_rules; i++)
		if (rs->rules[i].id == id)
			return (int32_t)i;
	return -1;
}
