/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/core: what every other library needs and nothing else: logging, a
 * JSON writer with exact escaping and field caps, and the YAML config tree
 * with the file and line of every value, so errors can name them.
 */
#ifndef AR_CORE_H
#define AR_CORE_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ------------------------------------------------------------------ */
/* Logging                                                             */
/* ------------------------------------------------------------------ */

enum ar_log_level {
	AR_LOG_ERR = 0,
	AR_LOG_WARN,
	AR_LOG_INFO,
	AR_LOG_DEBUG,
};

/* Messages above @lvl are dropped. Set once at start-up. */
void ar_log_set_level(enum ar_log_level lvl);
enum ar_log_level ar_log_get_level(void);

/*
 * Writes one line "apiradard: <msg>" to stderr (warnings and errors say so).
 * Thread-safe (one write(2) per line). Not for the per-packet path.
 */
void ar_log(enum ar_log_level lvl, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define AR_ERR(...)   ar_log(AR_LOG_ERR, __VA_ARGS__)
#define AR_WARN(...)  ar_log(AR_LOG_WARN, __VA_ARGS__)
#define AR_INFO(...)  ar_log(AR_LOG_INFO, __VA_ARGS__)
#define AR_DEBUG(...) ar_log(AR_LOG_DEBUG, __VA_ARGS__)

/* ------------------------------------------------------------------ */
/* JSON writer                                                          */
/* ------------------------------------------------------------------ */

/*
 * Builds one JSON text into a caller-owned buffer of fixed size. Never
 * allocates. If the buffer would overflow, the writer stops adding and sets
 * `overflow`; the caller counts and drops the event (a truncated object is
 * never emitted). Commas between members/elements are handled for you.
 */
struct ar_json {
	char *buf;
	size_t cap;
	size_t len;
	uint32_t depth;
	uint64_t need_comma; /* bit per nesting level */
	bool overflow;
};

void ar_json_init(struct ar_json *j, char *buf, size_t cap);
void ar_json_obj_open(struct ar_json *j);  /* { */
void ar_json_obj_close(struct ar_json *j); /* } */
void ar_json_arr_open(struct ar_json *j);  /* [ */
void ar_json_arr_close(struct ar_json *j); /* ] */
/* Member key; follow with exactly one value (or an object/array). */
void ar_json_key(struct ar_json *j, const char *key);
/*
 * String value of @len bytes, escaped exactly: ", \, control characters
 * (\n \r \t \b \f, others as \u00XX), DEL as \u007f; invalid UTF-8 bytes
 * as \u00XX of the byte so the output is always valid UTF-8 JSON. At most
 * @cap input bytes are written (0: no cap); a cut string gets no marker,
 * the caller flags it in another field if it matters.
 */
void ar_json_str(struct ar_json *j, const char *s, size_t len, size_t cap);
void ar_json_cstr(struct ar_json *j, const char *s); /* NUL-terminated, no cap */
void ar_json_u64(struct ar_json *j, uint64_t v);
void ar_json_i64(struct ar_json *j, int64_t v);
void ar_json_double(struct ar_json *j, double v, int decimals); /* NaN/inf as null */
void ar_json_bool(struct ar_json *j, bool v);
void ar_json_null(struct ar_json *j);
/* Shorthands: key then value. */
void ar_json_kv_str(struct ar_json *j, const char *key, const char *s, size_t len, size_t cap);
void ar_json_kv_cstr(struct ar_json *j, const char *key, const char *s);
void ar_json_kv_u64(struct ar_json *j, const char *key, uint64_t v);
void ar_json_kv_bool(struct ar_json *j, const char *key, bool v);

/*
 * Formats @ts_ns (ns since the epoch, UTC) as Suricata's EVE timestamp
 * "2026-11-28T13:20:42.123456+0000" into @buf (at least 32 bytes).
 * Returns the length written.
 */
size_t ar_time_format(uint64_t ts_ns, char *buf, size_t size);

/* ------------------------------------------------------------------ */
/* Configuration tree                                                  */
/* ------------------------------------------------------------------ */

enum ar_conf_type {
	AR_CONF_SCALAR = 0,
	AR_CONF_MAP,
	AR_CONF_SEQ,
};

/*
 * A node of a parsed YAML document. Scalars keep their text; maps keep
 * key/value pairs in file order; every node knows its line. Owned by the
 * tree returned from ar_conf_load(); read-only after load, so any thread
 * may read it.
 */
struct ar_conf {
	enum ar_conf_type type;
	uint32_t line;         /* 1-based line in `file` */
	const char *file;      /* shared by all nodes of one tree */
	const char *key;       /* key of this node in its parent map, or NULL */
	const char *value;     /* scalar text, NULL for maps and sequences */
	struct ar_conf *child; /* first child (map values or sequence items) */
	struct ar_conf *next;  /* next sibling */
};

/*
 * Parses the YAML file @path into a tree. On error returns NULL and writes
 * "<path>:<line>: <what>" into @err (@errlen bytes). Free with ar_conf_free().
 */
struct ar_conf *ar_conf_load(const char *path, char *err, size_t errlen);
/* Same, from a string; @name stands in for the file name in messages. */
struct ar_conf *ar_conf_parse(const char *text, size_t len, const char *name, char *err,
			      size_t errlen);
/* Frees a tree. Accepts NULL. */
void ar_conf_free(struct ar_conf *root);

/* Child of map @m with key @key, or NULL. */
const struct ar_conf *ar_conf_get(const struct ar_conf *m, const char *key);
/* Child by dotted path ("capture.workers"), or NULL. */
const struct ar_conf *ar_conf_path(const struct ar_conf *root, const char *path);

/*
 * Typed reads of a scalar. Return 0, or -EINVAL with "<file>:<line>: `key:
 * value`: <why>" in @err. A NULL @n leaves *out unchanged and returns 0
 * (the caller's default stands).
 */
int ar_conf_u64(const struct ar_conf *n, uint64_t min, uint64_t max, uint64_t *out, char *err,
		size_t errlen);
/* Sizes: "64MiB", "512k", "1g" (binary multiples) or plain bytes. */
int ar_conf_size(const struct ar_conf *n, uint64_t min, uint64_t max, uint64_t *out, char *err,
		 size_t errlen);
/* Durations: "30s", "500ms", "5m", "1h", "2d"; plain numbers are seconds. Out in ns. */
int ar_conf_duration(const struct ar_conf *n, uint64_t min_ns, uint64_t max_ns, uint64_t *out_ns,
		     char *err, size_t errlen);
/* true/false, yes/no, on/off. */
int ar_conf_bool(const struct ar_conf *n, bool *out, char *err, size_t errlen);
/* One of @choices (NULL-terminated); *out is its index. */
int ar_conf_enum(const struct ar_conf *n, const char *const *choices, unsigned *out, char *err,
		 size_t errlen);
/* A string scalar; *out points into the tree. */
int ar_conf_str(const struct ar_conf *n, const char **out, char *err, size_t errlen);

/*
 * Checks that map @m has no keys besides @known (NULL-terminated): a typo
 * in a config file is an error, not a silently ignored key.
 */
int ar_conf_check_keys(const struct ar_conf *m, const char *const *known, char *err, size_t errlen);

#endif
