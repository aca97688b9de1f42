/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The YAML config tree. libyaml's event parser feeds a small builder that
 * keeps a stack of open maps and sequences; every node, key, value and the
 * file name go into one arena, so a tree is freed by freeing the arena's
 * chunks. The arena's head lives in front of the root node (struct
 * conf_tree), which is how ar_conf_free() finds it from the root alone.
 *
 * What the builder refuses, with the line: anchors and aliases (a config
 * does not need them, and they make "where was this set" ambiguous),
 * duplicate keys, non-scalar keys, more than one document, a top level
 * that is not a map, NUL bytes in scalars, nesting deeper than 64.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <yaml.h>

#include "ar_core.h"

#define CONF_MAX_DEPTH 64
#define CONF_MAX_FILE  (16u << 20)
#define ARENA_CHUNK    (16u << 10)

#define KIB ((uint64_t)1 << 10)
#define MIB ((uint64_t)1 << 20)
#define GIB ((uint64_t)1 << 30)

#define NS_MS ((uint64_t)1000000)
#define NS_S  ((uint64_t)1000000000)
#define NS_M  (60 * NS_S)
#define NS_H  (60 * NS_M)
#define NS_D  (24 * NS_H)

static void __attribute__((format(printf, 3, 4)))
set_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* ------------------------------------------------------------------ */
/* Arena                                                                */
/* ------------------------------------------------------------------ */

struct arena_chunk {
	struct arena_chunk *next;
	size_t size;
	size_t used;
	max_align_t data[];
};

struct arena {
	struct arena_chunk *head; /* newest first */
};

/* The first object in a tree's arena; the root node is inside it. */
struct conf_tree {
	struct arena_chunk *chunks;
	struct ar_conf root;
};

static void *
arena_alloc(struct arena *a, size_t n, size_t align)
{
	struct arena_chunk *c = a->head;
	size_t off = 0;

	if (c != NULL)
		off = (c->used + align - 1) & ~(align - 1);
	if (c == NULL || off > c->size || c->size - off < n) {
		size_t size = n > ARENA_CHUNK ? n : ARENA_CHUNK;

		c = malloc(sizeof(*c) + size);
		if (c == NULL)
			return NULL;
		c->size = size;
		c->used = 0;
		c->next = a->head;
		a->head = c;
		off = 0;
	}
	c->used = off + n;
	return (char *)c->data + off;
}

static char *
arena_strdup(struct arena *a, const char *s, size_t len)
{
	char *p = arena_alloc(a, len + 1, 1);

	if (p == NULL)
		return NULL;
	memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

static void
arena_free(struct arena_chunk *c)
{
	while (c != NULL) {
		struct arena_chunk *next = c->next;

		free(c);
		c = next;
	}
}

void
ar_conf_free(struct ar_conf *root)
{
	if (root == NULL)
		return;
	/* The tree head sits in the oldest chunk, which is freed last. */
	arena_free(((struct conf_tree *)((char *)root - offsetof(struct conf_tree, root)))->chunks);
}

/* ------------------------------------------------------------------ */
/* Building the tree from libyaml events                               */
/* ------------------------------------------------------------------ */

struct frame {
	struct ar_conf *node;
	struct ar_conf *last; /* last child, for appending in file order */
	const char *key;      /* a map's pending key, waiting for its value */
	uint32_t key_line;
};

struct builder {
	struct arena arena;
	struct conf_tree *tree;
	const char *file;
	struct frame stack[CONF_MAX_DEPTH];
	int top; /* index of the innermost open node, -1 before the root */
	unsigned docs;
	bool root_seen;
	char *err;
	size_t errlen;
};

static uint32_t
event_line(const yaml_event_t *ev)
{
	return (uint32_t)ev->start_mark.line + 1;
}

static int
oom(struct builder *b)
{
	set_err(b->err, b->errlen, "%s: out of memory", b->file);
	return -ENOMEM;
}

static int
fail(struct builder *b, uint32_t line, const char *what)
{
	set_err(b->err, b->errlen, "%s:%" PRIu32 ": %s", b->file, line, what);
	return -EINVAL;
}

static const yaml_char_t *
event_anchor(const yaml_event_t *ev)
{
	switch (ev->type) {
	case YAML_SCALAR_EVENT:
		return ev->data.scalar.anchor;
	case YAML_SEQUENCE_START_EVENT:
		return ev->data.sequence_start.anchor;
	case YAML_MAPPING_START_EVENT:
		return ev->data.mapping_start.anchor;
	default:
		return NULL;
	}
}

/* A new node for @ev, appended to the innermost open map or sequence. */
static struct ar_conf *
attach(struct builder *b, const yaml_event_t *ev, enum ar_conf_type type)
{
	struct frame *f = &b->stack[b->top];
	struct ar_conf *n = arena_alloc(&b->arena, sizeof(*n), _Alignof(struct ar_conf));

	if (n == NULL)
		return NULL;
	memset(n, 0, sizeof(*n));
	n->type = type;
	n->file = b->file;
	if (f->node->type == AR_CONF_MAP) {
		/* A map member is where its key is: that is the line people look for. */
		n->key = f->key;
		n->line = f->key_line;
		f->key = NULL;
	} else {
		n->line = event_line(ev);
	}
	if (f->last != NULL)
		f->last->next = n;
	else
		f->node->child = n;
	f->last = n;
	return n;
}

static int
push(struct builder *b, struct ar_conf *n, uint32_t line)
{
	if (b->top + 1 >= CONF_MAX_DEPTH)
		return fail(b, line, "nesting too deep");
	b->top++;
	b->stack[b->top] = (struct frame){ .node = n };
	return 0;
}

static bool
map_wants_key(const struct builder *b)
{
	const struct frame *f = &b->stack[b->top];

	return f->node->type == AR_CONF_MAP && f->key == NULL;
}

static int
on_key(struct builder *b, const yaml_event_t *ev, const char *s, size_t len)
{
	struct frame *f = &b->stack[b->top];
	uint32_t line = event_line(ev);

	for (const struct ar_conf *c = f->node->child; c != NULL; c = c->next) {
		if (strlen(c->key) == len && memcmp(c->key, s, len) == 0) {
			set_err(b->err, b->errlen,
				"%s:%" PRIu32 ": duplicate key `%s` (first at line %" PRIu32 ")",
				b->file, line, c->key, c->line);
			return -EINVAL;
		}
	}
	f->key = arena_strdup(&b->arena, s, len);
	if (f->key == NULL)
		return oom(b);
	f->key_line = line;
	return 0;
}

static int
on_scalar(struct builder *b, const yaml_event_t *ev)
{
	const char *s = (const char *)ev->data.scalar.value;
	size_t len = ev->data.scalar.length;
	struct ar_conf *n;

	if (memchr(s, '\0', len) != NULL)
		return fail(b, event_line(ev), "NUL character in a scalar");
	if (b->top < 0) {
		/* "---" alone or "~": an empty document. */
		bool empty = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
			     (len == 0 || strcmp(s, "~") == 0 || strcmp(s, "null") == 0);

		if (!empty)
			return fail(b, event_line(ev), "the top level must be a map");
		b->root_seen = true;
		return 0;
	}
	if (map_wants_key(b))
		return on_key(b, ev, s, len);
	n = attach(b, ev, AR_CONF_SCALAR);
	if (n == NULL)
		return oom(b);
	n->value = arena_strdup(&b->arena, s, len);
	if (n->value == NULL)
		return oom(b);
	return 0;
}

static int
on_open(struct builder *b, const yaml_event_t *ev, enum ar_conf_type type)
{
	struct ar_conf *n;

	if (b->top < 0) {
		if (type != AR_CONF_MAP)
			return fail(b, event_line(ev), "the top level must be a map");
		b->root_seen = true;
		b->tree->root.line = event_line(ev);
		return push(b, &b->tree->root, event_line(ev));
	}
	if (map_wants_key(b))
		return fail(b, event_line(ev), "a map key must be a scalar");
	n = attach(b, ev, type);
	if (n == NULL)
		return oom(b);
	return push(b, n, event_line(ev));
}

/* Feeds one event; returns 0, 1 at the end of the stream, or -errno. */
static int
on_event(struct builder *b, const yaml_event_t *ev)
{
	if (event_anchor(ev) != NULL)
		return fail(b, event_line(ev), "anchors are not supported");

	switch (ev->type) {
	case YAML_STREAM_END_EVENT:
		return 1;
	case YAML_DOCUMENT_START_EVENT:
		if (++b->docs > 1)
			return fail(b, event_line(ev), "only one YAML document is supported");
		return 0;
	case YAML_ALIAS_EVENT:
		return fail(b, event_line(ev), "aliases are not supported");
	case YAML_SCALAR_EVENT:
		return on_scalar(b, ev);
	case YAML_MAPPING_START_EVENT:
		return on_open(b, ev, AR_CONF_MAP);
	case YAML_SEQUENCE_START_EVENT:
		return on_open(b, ev, AR_CONF_SEQ);
	case YAML_MAPPING_END_EVENT:
	case YAML_SEQUENCE_END_EVENT:
		b->top--;
		return 0;
	default:
		return 0;
	}
}

/* libyaml's reader reports a byte offset, not a line. */
static uint32_t
line_of_offset(const char *text, size_t len, size_t off)
{
	uint32_t line = 1;

	if (off > len)
		off = len;
	for (size_t i = 0; i < off; i++)
		if (text[i] == '\n')
			line++;
	return line;
}

static void
syntax_error(struct builder *b, const yaml_parser_t *p, const char *text, size_t len)
{
	const char *problem = p->problem != NULL ? p->problem : "syntax error";
	uint32_t line;

	switch (p->error) {
	case YAML_MEMORY_ERROR:
		oom(b);
		return;
	case YAML_READER_ERROR:
		line = line_of_offset(text, len, p->problem_offset);
		break;
	default:
		line = (uint32_t)p->problem_mark.line + 1;
		break;
	}
	if (p->context != NULL)
		set_err(b->err, b->errlen, "%s:%" PRIu32 ": %s (%s at line %" PRIu32 ")", b->file,
			line, problem, p->context, (uint32_t)p->context_mark.line + 1);
	else
		set_err(b->err, b->errlen, "%s:%" PRIu32 ": %s", b->file, line, problem);
}

struct ar_conf *
ar_conf_parse(const char *text, size_t len, const char *name, char *err, size_t errlen)
{
	struct builder b = { .top = -1, .err = err, .errlen = errlen };
	yaml_parser_t parser;
	struct ar_conf *root;
	int rc = 0;

	if (text == NULL)
		text = "", len = 0;
	if (name == NULL)
		name = "<string>";
	b.file = name; /* for messages until the arena copy exists */
	b.tree = arena_alloc(&b.arena, sizeof(*b.tree), _Alignof(struct conf_tree));
	if (b.tree == NULL) {
		rc = oom(&b);
		goto out;
	}
	b.file = arena_strdup(&b.arena, name, strlen(name));
	if (b.file == NULL) {
		b.file = name;
		rc = oom(&b);
		goto out_free_arena;
	}
	root = &b.tree->root;
	memset(root, 0, sizeof(*root));
	root->type = AR_CONF_MAP;
	root->line = 1;
	root->file = b.file;

	if (!yaml_parser_initialize(&parser)) {
		rc = oom(&b);
		goto out_free_arena;
	}
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	for (;;) {
		yaml_event_t ev;

		if (!yaml_parser_parse(&parser, &ev)) {
			syntax_error(&b, &parser, text, len);
			rc = parser.error == YAML_MEMORY_ERROR ? -ENOMEM : -EINVAL;
			break;
		}
		rc = on_event(&b, &ev);
		yaml_event_delete(&ev);
		if (rc != 0)
			break;
	}
	yaml_parser_delete(&parser);
	if (rc < 0)
		goto out_free_arena;

	b.tree->chunks = b.arena.head;
	return root;

out_free_arena:
	arena_free(b.arena.head);
out:
	errno = -rc;
	return NULL;
}

struct ar_conf *
ar_conf_load(const char *path, char *err, size_t errlen)
{
	struct ar_conf *root = NULL;
	struct stat st;
	size_t len = 0;
	char *text;
	int fd, e = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		e = errno;
		set_err(err, errlen, "%s: %s", path, strerror(e));
		goto out;
	}
	if (fstat(fd, &st) < 0) {
		e = errno;
		set_err(err, errlen, "%s: %s", path, strerror(e));
		goto out_close;
	}
	if (!S_ISREG(st.st_mode)) {
		e = EINVAL;
		set_err(err, errlen, "%s: not a regular file", path);
		goto out_close;
	}
	if (st.st_size > CONF_MAX_FILE) {
		e = EFBIG;
		set_err(err, errlen, "%s: larger than %u MiB", path, CONF_MAX_FILE >> 20);
		goto out_close;
	}
	text = malloc((size_t)st.st_size + 1);
	if (text == NULL) {
		e = ENOMEM;
		set_err(err, errlen, "%s: out of memory", path);
		goto out_close;
	}
	while (len < (size_t)st.st_size) {
		ssize_t r = read(fd, text + len, (size_t)st.st_size - len);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			e = errno;
			set_err(err, errlen, "%s: %s", path, strerror(e));
			goto out_free_text;
		}
		if (r == 0)
			break; /* the file shrank: parse what is there */
		len += (size_t)r;
	}
	root = ar_conf_parse(text, len, path, err, errlen);
	e = errno;

out_free_text:
	free(text);
out_close:
	close(fd);
out:
	if (root == NULL)
		errno = e;
	return root;
}

/* ------------------------------------------------------------------ */
/* Lookups                                                              */
/* ------------------------------------------------------------------ */

static const struct ar_conf *
get_n(const struct ar_conf *m, const char *key, size_t len)
{
	if (m == NULL || m->type != AR_CONF_MAP)
		return NULL;
	for (const struct ar_conf *c = m->child; c != NULL; c = c->next)
		if (strncmp(c->key, key, len) == 0 && c->key[len] == '\0')
			return c;
	return NULL;
}

const struct ar_conf *
ar_conf_get(const struct ar_conf *m, const char *key)
{
	return get_n(m, key, strlen(key));
}

const struct ar_conf *
ar_conf_path(const struct ar_conf *root, const char *path)
{
	const struct ar_conf *n = root;
	const char *p = path;

	for (;;) {
		const char *dot = strchr(p, '.');
		size_t len = dot != NULL ? (size_t)(dot - p) : strlen(p);

		if (len == 0)
			return NULL;
		n = get_n(n, p, len);
		if (n == NULL || dot == NULL)
			return n;
		p = dot + 1;
	}
}

/* ------------------------------------------------------------------ */
/* Typed readers                                                        */
/* ------------------------------------------------------------------ */

static const char *
type_name(enum ar_conf_type t)
{
	return t == AR_CONF_MAP ? "a map" : t == AR_CONF_SEQ ? "a sequence" : "a scalar";
}

/* "<file>:<line>: `key: value`: <why>" */
static int __attribute__((format(printf, 4, 5)))
value_err(const struct ar_conf *n, char *err, size_t errlen, const char *fmt, ...)
{
	char why[256];
	va_list ap;

	if (err == NULL || errlen == 0)
		return -EINVAL;
	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	if (n->key == NULL)
		set_err(err, errlen, "%s:%" PRIu32 ": `- %s`: %s", n->file, n->line, n->value, why);
	else if (n->value[0] == '\0')
		set_err(err, errlen, "%s:%" PRIu32 ": `%s:`: %s", n->file, n->line, n->key, why);
	else
		set_err(err, errlen, "%s:%" PRIu32 ": `%s: %s`: %s", n->file, n->line, n->key,
			n->value, why);
	return -EINVAL;
}

/* Only scalars have a value to show; maps and sequences get their key. */
static int
need_scalar(const struct ar_conf *n, const char *what, char *err, size_t errlen)
{
	if (n->type == AR_CONF_SCALAR)
		return 0;
	if (n->key != NULL)
		set_err(err, errlen, "%s:%" PRIu32 ": `%s`: expected %s, found %s", n->file,
			n->line, n->key, what, type_name(n->type));
	else
		set_err(err, errlen, "%s:%" PRIu32 ": expected %s, found %s", n->file, n->line,
			what, type_name(n->type));
	return -EINVAL;
}

/*
 * Leading decimal digits of @s. Returns 0 (and *end past them), -EINVAL if
 * there are none, -ERANGE if they do not fit in 64 bits.
 */
static int
parse_digits(const char *s, uint64_t *v, const char **end)
{
	uint64_t x = 0;
	const char *p = s;

	if (*p < '0' || *p > '9')
		return -EINVAL;
	for (; *p >= '0' && *p <= '9'; p++) {
		unsigned d = (unsigned)(*p - '0');

		if (x > (UINT64_MAX - d) / 10) {
			while (*p >= '0' && *p <= '9')
				p++;
			*end = p;
			return -ERANGE;
		}
		x = x * 10 + d;
	}
	*v = x;
	*end = p;
	return 0;
}

static bool
fraction(const char *end)
{
	return end[0] == '.' && end[1] >= '0' && end[1] <= '9';
}

static bool
negative(const char *s)
{
	return s[0] == '-' && s[1] >= '0' && s[1] <= '9';
}

int
ar_conf_u64(const struct ar_conf *n, uint64_t min, uint64_t max, uint64_t *out, char *err,
	    size_t errlen)
{
	const char *end;
	uint64_t v;
	int rc;

	if (n == NULL)
		return 0;
	if (need_scalar(n, "a number", err, errlen) < 0)
		return -EINVAL;
	if (negative(n->value))
		return value_err(n, err, errlen, "must not be negative");
	rc = parse_digits(n->value, &v, &end);
	if (rc == -EINVAL || *end != '\0')
		return value_err(n, err, errlen, "not a number");
	if (rc == -ERANGE || v > max)
		return value_err(n, err, errlen, "must be at most %" PRIu64, max);
	if (v < min)
		return value_err(n, err, errlen, "must be at least %" PRIu64, min);
	*out = v;
	return 0;
}

/* A size for messages: "64KiB" if exact, else plain bytes. */
static const char *
size_str(uint64_t v, char *buf, size_t len)
{
	if (v != 0 && v % GIB == 0)
		snprintf(buf, len, "%" PRIu64 "GiB", v / GIB);
	else if (v != 0 && v % MIB == 0)
		snprintf(buf, len, "%" PRIu64 "MiB", v / MIB);
	else if (v != 0 && v % KIB == 0)
		snprintf(buf, len, "%" PRIu64 "KiB", v / KIB);
	else
		snprintf(buf, len, "%" PRIu64, v);
	return buf;
}

int
ar_conf_size(const struct ar_conf *n, uint64_t min, uint64_t max, uint64_t *out, char *err,
	     size_t errlen)
{
	static const struct {
		const char *suffix;
		uint64_t mult;
	} units[] = {
		{ "", 1 },    { "k", KIB },   { "K", KIB }, { "KiB", KIB }, { "m", MIB },
		{ "M", MIB }, { "MiB", MIB }, { "g", GIB }, { "G", GIB },   { "GiB", GIB },
	};
	char bound[32];
	const char *end;
	uint64_t v, mult = 0;
	int rc;

	if (n == NULL)
		return 0;
	if (need_scalar(n, "a size", err, errlen) < 0)
		return -EINVAL;
	if (negative(n->value))
		return value_err(n, err, errlen, "must not be negative");
	rc = parse_digits(n->value, &v, &end);
	if (rc == -EINVAL)
		return value_err(n, err, errlen, "not a size (use a number of bytes, or k, m, g)");
	if (fraction(end))
		return value_err(n, err, errlen, "not a whole number");
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (strcmp(end, units[i].suffix) == 0) {
			mult = units[i].mult;
			break;
		}
	}
	if (mult == 0)
		return value_err(n, err, errlen, "unknown unit `%s` (use k, m, g, KiB, MiB or GiB)",
				 end);
	if (rc == -ERANGE || v > UINT64_MAX / mult)
		return value_err(n, err, errlen, "too large");
	v *= mult;
	if (v > max)
		return value_err(n, err, errlen, "must be at most %s",
				 size_str(max, bound, sizeof(bound)));
	if (v < min)
		return value_err(n, err, errlen, "must be at least %s",
				 size_str(min, bound, sizeof(bound)));
	*out = v;
	return 0;
}

/* A duration for messages: the largest unit that divides it exactly. */
static const char *
duration_str(uint64_t ns, char *buf, size_t len)
{
	if (ns == 0)
		snprintf(buf, len, "0s");
	else if (ns % NS_D == 0)
		snprintf(buf, len, "%" PRIu64 "d", ns / NS_D);
	else if (ns % NS_H == 0)
		snprintf(buf, len, "%" PRIu64 "h", ns / NS_H);
	else if (ns % NS_M == 0)
		snprintf(buf, len, "%" PRIu64 "m", ns / NS_M);
	else if (ns % NS_S == 0)
		snprintf(buf, len, "%" PRIu64 "s", ns / NS_S);
	else if (ns % NS_MS == 0)
		snprintf(buf, len, "%" PRIu64 "ms", ns / NS_MS);
	else
		snprintf(buf, len, "%" PRIu64 "ns", ns);
	return buf;
}

int
ar_conf_duration(const struct ar_conf *n, uint64_t min_ns, uint64_t max_ns, uint64_t *out_ns,
		 char *err, size_t errlen)
{
	static const struct {
		const char *suffix;
		uint64_t mult;
	} units[] = {
		{ "", NS_S },  { "ms", NS_MS }, { "s", NS_S },
		{ "m", NS_M }, { "h", NS_H },   { "d", NS_D },
	};
	char bound[32];
	const char *end;
	uint64_t v, mult = 0;
	int rc;

	if (n == NULL)
		return 0;
	if (need_scalar(n, "a duration", err, errlen) < 0)
		return -EINVAL;
	if (negative(n->value))
		return value_err(n, err, errlen, "must not be negative");
	rc = parse_digits(n->value, &v, &end);
	if (rc == -EINVAL)
		return value_err(n, err, errlen, "not a duration (use ms, s, m, h or d)");
	if (fraction(end))
		return value_err(n, err, errlen, "not a whole number");
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (strcmp(end, units[i].suffix) == 0) {
			mult = units[i].mult;
			break;
		}
	}
	if (mult == 0)
		return value_err(n, err, errlen, "unknown unit `%s` (use ms, s, m, h or d)", end);
	if (rc == -ERANGE || v > UINT64_MAX / mult)
		return value_err(n, err, errlen, "too large");
	v *= mult;
	if (v > max_ns)
		return value_err(n, err, errlen, "must be at most %s",
				 duration_str(max_ns, bound, sizeof(bound)));
	if (v < min_ns)
		return value_err(n, err, errlen, "must be at least %s",
				 duration_str(min_ns, bound, sizeof(bound)));
	*out_ns = v;
	return 0;
}

int
ar_conf_bool(const struct ar_conf *n, bool *out, char *err, size_t errlen)
{
	static const char *const yes[] = { "true", "yes", "on" };
	static const char *const no[] = { "false", "no", "off" };

	if (n == NULL)
		return 0;
	if (need_scalar(n, "true or false", err, errlen) < 0)
		return -EINVAL;
	for (size_t i = 0; i < 3; i++) {
		if (strcasecmp(n->value, yes[i]) == 0) {
			*out = true;
			return 0;
		}
		if (strcasecmp(n->value, no[i]) == 0) {
			*out = false;
			return 0;
		}
	}
	return value_err(n, err, errlen, "must be true or false (or yes/no, on/off)");
}

int
ar_conf_enum(const struct ar_conf *n, const char *const *choices, unsigned *out, char *err,
	     size_t errlen)
{
	char list[200];
	size_t len = 0;

	if (n == NULL)
		return 0;
	if (need_scalar(n, "a scalar", err, errlen) < 0)
		return -EINVAL;
	for (unsigned i = 0; choices[i] != NULL; i++) {
		if (strcmp(n->value, choices[i]) == 0) {
			*out = i;
			return 0;
		}
	}
	list[0] = '\0';
	for (unsigned i = 0; choices[i] != NULL && len < sizeof(list); i++) {
		int r = snprintf(list + len, sizeof(list) - len, "%s%s", i > 0 ? ", " : "",
				 choices[i]);

		if (r < 0)
			break;
		len += (size_t)r;
	}
	return value_err(n, err, errlen, "must be one of: %s", list);
}

int
ar_conf_str(const struct ar_conf *n, const char **out, char *err, size_t errlen)
{
	if (n == NULL)
		return 0;
	if (need_scalar(n, "a string", err, errlen) < 0)
		return -EINVAL;
	*out = n->value;
	return 0;
}

int
ar_conf_check_keys(const struct ar_conf *m, const char *const *known, char *err, size_t errlen)
{
	if (m == NULL)
		return 0;
	if (m->type == AR_CONF_SCALAR)
		return value_err(m, err, errlen, "expected a map, found a scalar");
	if (m->type != AR_CONF_MAP) {
		if (m->key != NULL)
			set_err(err, errlen, "%s:%" PRIu32 ": `%s`: expected a map, found %s",
				m->file, m->line, m->key, type_name(m->type));
		else
			set_err(err, errlen, "%s:%" PRIu32 ": expected a map, found %s", m->file,
				m->line, type_name(m->type));
		return -EINVAL;
	}

	for (const struct ar_conf *c = m->child; c != NULL; c = c->next) {
		size_t i;

		for (i = 0; known[i] != NULL; i++)
			if (strcmp(c->key, known[i]) == 0)
				break;
		if (known[i] != NULL)
			continue;
		if (m->key != NULL)
			set_err(err, errlen, "%s:%" PRIu32 ": unknown key `%s` in `%s`", c->file,
				c->line, c->key, m->key);
		else
			set_err(err, errlen, "%s:%" PRIu32 ": unknown key `%s`", c->file, c->line,
				c->key);
		return -EINVAL;
	}
	return 0;
}
