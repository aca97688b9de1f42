/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/match: attack signatures and sensitive data.
 *
 * Three layers, each usable alone:
 *  - normalisation of one value (norm.c): undoes the encodings attackers
 *    hide behind, into a caller buffer, never longer than the input;
 *  - field extraction (fields.c): walks a query string, a cookie header, a
 *    form, a JSON or a multipart body and hands out (name, value) pairs;
 *  - rule sets (rules.c, scan.c): rule files compiled into one Hyperscan
 *    database per inspection target on the control thread, scanned by each
 *    worker with its own scratch.
 *
 * Validators (validate.c) confirm pattern hits that carry a checksum or a
 * structure (card numbers, ID numbers, IBANs, JWTs), and masking turns a
 * sensitive value into the sample an event may show.
 *
 * Nothing here allocates per value or per transaction.
 */
#ifndef AR_MATCH_H
#define AR_MATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ------------------------------------------------------------------ */
/* Normalisation                                                       */
/* ------------------------------------------------------------------ */

/*
 * Steps of ar_norm(), applied in this order when their flag is set:
 *  1. AR_NORM_URL: percent-decoding (%41, and IIS-style %u0041 to UTF-8),
 *     repeated while a pass still decodes something (double and triple
 *     encoding), at most 3 passes. Invalid escapes stay as they are.
 *  2. AR_NORM_PLUS: '+' becomes a space (before decoding, so %2B stays '+').
 *  3. AR_NORM_JSON: JSON string escapes (\" \\ \/ \b \f \n \r \t \uXXXX
 *     with surrogate pairs) to UTF-8. Bad escapes stay as they are.
 *  4. AR_NORM_HTML: HTML character references: named (&lt; &gt; &amp;
 *     &quot; &apos; &nbsp; &colon; &lpar; &rpar; &sol; &bsol; &tab;
 *     &newline; and the other common ones), decimal &#60; and hex &#x3c;,
 *     with or without the final ';', leading zeros allowed.
 *  5. AR_NORM_UNICODE: fullwidth forms U+FF01..U+FF5E to ASCII
 *     0x21..0x7E, U+3000 to a space, overlong UTF-8 encodings of ASCII
 *     (C0 AF, E0 80 AF, ...) to the byte they encode.
 *  6. AR_NORM_NUL: NUL bytes removed.
 *  7. AR_NORM_SLASH: backslashes become '/'.
 *  8. AR_NORM_LOWER: ASCII case folding.
 *  9. AR_NORM_SQL: SQL comments (slash-star ... star-slash, "-- " and '#'
 *     to the end of the line) become one space; MySQL version comments
 *     keep their body.
 * 10. AR_NORM_WS: runs of whitespace (space, \t \r \n \v \f, and NBSP
 *     U+00A0) become one space.
 */
enum ar_norm_flags {
	AR_NORM_URL = 1u << 0,
	AR_NORM_PLUS = 1u << 1,
	AR_NORM_JSON = 1u << 2,
	AR_NORM_HTML = 1u << 3,
	AR_NORM_UNICODE = 1u << 4,
	AR_NORM_NUL = 1u << 5,
	AR_NORM_SLASH = 1u << 6,
	AR_NORM_LOWER = 1u << 7,
	AR_NORM_SQL = 1u << 8,
	AR_NORM_WS = 1u << 9,
};

/*
 * Normalises @len bytes of @in into @out by the steps in @flags. @out may
 * be @in (in place). The result is never longer than @len, so @cap >= @len
 * always suffices; with a smaller @cap the result is cut at @cap. Returns
 * the length written. Never fails, never reads beyond @len.
 */
size_t ar_norm(const uint8_t *in, size_t len, uint8_t *out, size_t cap, unsigned flags);

/* ------------------------------------------------------------------ */
/* Validators and masking                                              */
/* ------------------------------------------------------------------ */

enum ar_validator {
	AR_VAL_NONE = 0,
	AR_VAL_LUHN,        /* payment card: 13-19 digits (spaces/dashes allowed), Luhn */
	AR_VAL_CN_ID,       /* Chinese resident ID: 18 chars, ISO 7064 MOD 11-2, valid date */
	AR_VAL_IBAN,        /* country code, length of that country, mod 97 == 1 */
	AR_VAL_US_SSN,      /* AAA-GG-SSSS, not 000/666/9xx, GG != 00, SSSS != 0000 */
	AR_VAL_CN_MOBILE,   /* 1[3-9]x, 11 digits, optional +86/0086 prefix */
	AR_VAL_E164,        /* '+', 8-15 digits, a country code that exists */
	AR_VAL_EMAIL,       /* local@domain.tld, lengths within RFC 5321 */
	AR_VAL_IPV4,        /* dotted quad, each part 0-255, no leading zeros */
	AR_VAL_IPV6,        /* any textual IPv6 form (inet_pton) */
	AR_VAL_JWT,         /* three base64url parts; the first decodes to JSON with "alg" */
	AR_VAL_PRIVATE_KEY, /* "-----BEGIN ... PRIVATE KEY-----" */
	AR_VAL_ENTROPY,     /* a token with enough distinct characters to be a secret */
	AR_VAL_MAX,
};

/* "luhn", "cn_id", ...; AR_VAL_NONE (0) for an unknown name. */
enum ar_validator ar_validator_by_name(const char *name);
const char *ar_validator_name(enum ar_validator v);

/* True when @s (@n bytes, as matched) passes validator @v. AR_VAL_NONE: true. */
bool ar_validate(enum ar_validator v, const char *s, size_t n);

/*
 * Writes a masked sample of @s into @out: the first 3 and last 4
 * characters kept and the rest as '*' when @n >= 11 ("138****5678"); for
 * shorter values only the first and last character kept; an e-mail keeps
 * the first character of the local part and the whole domain
 * ("j***@example.com"). At most @cap - 1 bytes, NUL-terminated. Returns the
 * length.
 */
size_t ar_mask(const char *s, size_t n, char *out, size_t cap);

/* ------------------------------------------------------------------ */
/* Field extraction                                                    */
/* ------------------------------------------------------------------ */

/* What a walker hands out for each field. */
enum ar_field_kind {
	AR_FIELD_STRING = 0, /* JSON string (raw, still escaped), or any form/query value */
	AR_FIELD_NUMBER,
	AR_FIELD_BOOL,
	AR_FIELD_NULL,
	AR_FIELD_OBJECT, /* JSON: start of an object (value empty) */
	AR_FIELD_ARRAY,  /* JSON: start of an array (value empty) */
};

/*
 * Called once per field. @name is the field's name as the walker names it
 * (query/form/cookie: the raw name; JSON: the path, see ar_json_walk()),
 * @value the raw value. Both point into the input or into the walker's
 * path buffer, valid during the call only. Return non-zero to stop.
 */
typedef int (*ar_field_cb)(void *user, enum ar_field_kind kind, const char *name, size_t name_len,
			   const char *value, size_t value_len);

/* Walk results. */
enum ar_walk_status {
	AR_WALK_OK = 0,
	AR_WALK_STOPPED,   /* the callback asked to stop */
	AR_WALK_TRUNCATED, /* input ended inside a value (body cut at its cap) */
	AR_WALK_INVALID,   /* not well-formed; fields before the error were given */
	AR_WALK_TOO_DEEP,  /* nesting beyond the limit; fields before it were given */
};

/*
 * name=value pairs separated by '&' (and ';' when @semicolon): query
 * strings and application/x-www-form-urlencoded bodies. A pair without '='
 * is a name with an empty value. Names and values stay encoded.
 */
enum ar_walk_status ar_form_walk(const char *s, size_t n, bool semicolon, ar_field_cb cb,
				 void *user);

/* A Cookie header value: "a=1; b=2". Names and values are trimmed. */
enum ar_walk_status ar_cookie_walk(const char *s, size_t n, ar_field_cb cb, void *user);

/*
 * A JSON document. Every value is handed out with its path: "$" for the
 * root, ".key" for members, "[]" for array elements (no index, so all
 * elements of an array share a path: "$.items[].id"). Keys that are not
 * plain identifiers appear as ["a b"] with their raw (escaped) bytes.
 * Strings are given raw, without the quotes, still escaped (normalise them
 * with AR_NORM_JSON). Objects and arrays are announced (AR_FIELD_OBJECT /
 * AR_FIELD_ARRAY) before their contents. Nesting is limited to
 * AR_JSON_MAX_DEPTH; paths longer than AR_JSON_MAX_PATH are cut (the
 * walker keeps going). No allocation: the path lives on the stack.
 */
#define AR_JSON_MAX_DEPTH 32
#define AR_JSON_MAX_PATH  256
enum ar_walk_status ar_json_walk(const char *s, size_t n, ar_field_cb cb, void *user);

/*
 * A multipart/form-data body with @boundary (from the Content-Type, without
 * the leading "--"). Each part is handed out with the name of its
 * Content-Disposition (kind AR_FIELD_STRING, value = the part's body);
 * a part with a filename is also handed out as the name "filename" with
 * the filename as value, before its body.
 */
enum ar_walk_status ar_multipart_walk(const char *s, size_t n, const char *boundary,
				      size_t boundary_len, ar_field_cb cb, void *user);

/*
 * Finds the boundary parameter in a multipart Content-Type value.
 * Returns false when there is none; quotes are removed.
 */
bool ar_multipart_boundary(const char *ctype, size_t n, const char **boundary, size_t *len);

/* ------------------------------------------------------------------ */
/* Rule sets                                                           */
/* ------------------------------------------------------------------ */

/*
 * Where a rule looks. Each field of a transaction belongs to exactly one
 * target; a body goes to the target of its content type, or to the plain
 * "body" target when it has none of them or does not parse.
 */
enum ar_target {
	AR_TGT_PATH = 0,    /* request path, percent-decoded */
	AR_TGT_QUERY,       /* query string values (names: see ar_hit.name_hit) */
	AR_TGT_HEADER,      /* request header values (not Cookie) */
	AR_TGT_COOKIE,      /* cookie values */
	AR_TGT_FORM,        /* application/x-www-form-urlencoded body fields */
	AR_TGT_JSON,        /* JSON request body: every scalar value */
	AR_TGT_XML,         /* XML request body, whole */
	AR_TGT_MULTIPART,   /* multipart/form-data parts */
	AR_TGT_BODY,        /* any other request body, whole */
	AR_TGT_RESP_HEADER, /* response header values */
	AR_TGT_RESP_JSON,   /* JSON response body: every scalar value */
	AR_TGT_RESP_BODY,   /* any other response body, whole */
	AR_TGT_MAX,
};

/*
 * The normal form a rule's patterns are written against (rule key "norm"):
 *  - AR_FORM_TEXT ("text", the default): the target's own decoding
 *    (percent-decoding for the URL, query, form, cookie and header
 *    targets, '+' as space for query and form, JSON escapes for JSON
 *    values), then HTML entities, Unicode fullwidth/overlong forms, NUL
 *    removal, ASCII lower case, whitespace runs as one space. Patterns are
 *    compiled caseless.
 *  - AR_FORM_SQL ("sql"): text, plus SQL comments as one space.
 *  - AR_FORM_RAW ("raw"): only the target's own decoding; case kept and
 *    patterns case-sensitive unless the rule says "caseless: true". For
 *    sensitive data, where case carries meaning (keys, IBANs, tokens).
 */
enum ar_form {
	AR_FORM_TEXT = 0,
	AR_FORM_SQL,
	AR_FORM_RAW,
	AR_FORM_MAX,
};

enum ar_severity {
	AR_SEV_INFO = 0,
	AR_SEV_LOW,
	AR_SEV_MEDIUM,
	AR_SEV_HIGH,
	AR_SEV_CRITICAL,
};

const char *ar_target_name(enum ar_target t);
const char *ar_severity_name(enum ar_severity s);

/*
 * What a rule is, as loaded. Strings live as long as the rule set. A rule
 * with pii_type set is a sensitive-data detector (a "pii" event); the
 * others are attack or leak signatures ("alert" events).
 */
struct ar_rule_info {
	uint32_t id;
	uint16_t cwe;       /* 0: none */
	uint8_t severity;   /* enum ar_severity */
	uint8_t form;       /* enum ar_form */
	uint32_t targets;   /* bit (1 << enum ar_target) */
	uint32_t min_count; /* matches needed in one field */
	uint64_t limit_ns;  /* report at most once per server in this time (0: always) */
	uint8_t validator;  /* enum ar_validator */
	bool by_key;        /* matches field names, reports their values */
	const char *msg;
	const char *category; /* alerts: "sqli", "xss", ...; pii: "pii" */
	const char *pii_type; /* NULL for alerts */
	const char *owasp;    /* "API8:2023" or NULL */
	const char *field;    /* only fields of this name (lower case), or NULL */
	const char *file;     /* where it was defined */
	uint32_t line;
};

struct ar_ruleset;

/*
 * Loads the rule files @paths (files, or directories whose *.yaml files
 * are read in name order) and compiles them for @n_workers workers, each
 * getting its own Hyperscan scratch. Control thread only. On error returns
 * NULL with "<file>:<line>: <what>" in @err: a bad key, a duplicate id, a
 * pattern Hyperscan rejects (with its message).
 */
struct ar_ruleset *ar_ruleset_load(const char *const *paths, unsigned n_paths, unsigned n_workers,
				   char *err, size_t errlen);
/* Accepts NULL. No worker may be using it any more. */
void ar_ruleset_free(struct ar_ruleset *rs);
uint32_t ar_ruleset_count(const struct ar_ruleset *rs);
const struct ar_rule_info *ar_ruleset_rule(const struct ar_ruleset *rs, uint32_t idx);
/* Rule index of @id, or -1. */
int32_t ar_ruleset_find(const struct ar_ruleset *rs, uint32_t id);

/* A header, as a view. */
struct ar_kv {
	const char *name;
	const char *value;
	uint32_t name_len;
	uint32_t value_len;
};

/*
 * What lib/match sees of one HTTP exchange: views into the caller's
 * memory, valid during ar_inspect().
 */
struct ar_exchange {
	const char *target; /* request target as sent: path?query */
	size_t target_len;
	const struct ar_kv *req_headers;
	unsigned n_req_headers;
	const char *req_body; /* captured part of the request body */
	size_t req_body_len;
	bool req_body_cut; /* the body went on beyond what was captured */
	const struct ar_kv *resp_headers;
	unsigned n_resp_headers;
	const char *resp_body;
	size_t resp_body_len;
	bool resp_body_cut;
	bool has_response;
};

/* One finding. Strings valid during the callback only. */
struct ar_hit {
	uint32_t rule;     /* index in the rule set */
	uint8_t target;    /* enum ar_target */
	bool name_hit;     /* the field's name matched, not its value */
	uint32_t count;    /* matches of the rule in that field */
	const char *field; /* "query:q", "json:$.user.name", "header:User-Agent", "path" */
	size_t field_len;
	/* alerts: the normalised text around the match; pii: a masked sample */
	const char *excerpt;
	size_t excerpt_len;
};

typedef void (*ar_hit_cb)(void *user, const struct ar_hit *hit);

/* Counters of one worker's inspection. */
struct ar_match_stats {
	uint64_t exchanges;     /* exchanges inspected */
	uint64_t fields;        /* values scanned */
	uint64_t bytes;         /* bytes scanned, all forms */
	uint64_t hits;          /* findings handed to the callback */
	uint64_t hits_capped;   /* findings beyond AR_MATCH_MAX_HITS in one exchange */
	uint64_t fields_cut;    /* values longer than the workspace, scanned in part */
	uint64_t fields_capped; /* fields beyond AR_MATCH_MAX_FIELDS in one exchange */
	uint64_t body_invalid;  /* bodies whose content type did not parse */
	uint64_t body_too_deep; /* JSON bodies nested beyond AR_JSON_MAX_DEPTH */
	uint64_t scan_errors;   /* Hyperscan errors (should stay 0) */
};

/* Per-exchange caps. */
#define AR_MATCH_MAX_HITS   32
#define AR_MATCH_MAX_FIELDS 512

/*
 * A worker's working memory for ar_inspect(): normalisation buffers of
 * @value_cap bytes (values longer are scanned in part and counted). Made
 * once per worker at start-up.
 */
struct ar_match_ws;
struct ar_match_ws *ar_match_ws_create(size_t value_cap);
void ar_match_ws_free(struct ar_match_ws *ws);
const struct ar_match_stats *ar_match_ws_stats(const struct ar_match_ws *ws);

/*
 * Inspects @x with @rs on behalf of worker @worker (its scratch), calling
 * @cb for each finding: at most one per rule and exchange, the first field
 * that matched. Returns the number of findings.
 */
unsigned ar_inspect(const struct ar_ruleset *rs, unsigned worker, struct ar_match_ws *ws,
		    const struct ar_exchange *x, ar_hit_cb cb, void *user);

#endif
