/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Document trees for OpenAPI output: maps, sequences and scalars built once
 * into an arena and written as JSON or YAML.
 *
 * Building never fails visibly: when the arena cannot grow, or a call is
 * misused (a key for a sequence, none for a map, a scalar as a parent), the
 * document is marked, the call returns NULL, and calls given that NULL do
 * nothing; the writers then refuse with -ENOMEM or -EINVAL. A map keeps its
 * keys in insertion order and unique: adding a key that is there replaces
 * its value in place, so no writer ever emits a duplicate key.
 *
 * JSON is escaped exactly as lib/core's writer does it: control characters
 * and DEL as escapes, and each byte that is not part of well-formed UTF-8 as
 * \u00XX of the byte, so the output is always valid UTF-8. The YAML writer
 * maps such bytes the same way (to the character U+00XX) before libyaml
 * sees them.
 *
 * YAML strings must read back as strings. libyaml quotes what its grammar
 * needs, but not what a resolver would turn into another type, so any
 * string that a YAML 1.1 or 1.2 resolver could read as null, a boolean, a
 * number, a date or a merge key is emitted quoted (need_quotes()). The test
 * is deliberately wider than the resolvers: quoting a string that did not
 * need it costs two characters, missing one changes the document.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdalign.h>
#include <stdlib.h>
#include <strings.h>

#include <yaml.h>

#include "api_priv.h"

#define CHUNK_SIZE (16u << 10)

enum dkind {
	DK_MAP = 0,
	DK_SEQ,
	DK_STR,
	DK_INT,
	DK_NUM,
	DK_BOOL,
};

struct dnode {
	struct dnode *next; /* next sibling */
	const char *key;    /* in a map, NUL-terminated; else NULL */
	size_t klen;
	enum dkind kind;
	union {
		struct {
			struct dnode *first, *last;
		} c; /* DK_MAP, DK_SEQ */
		struct {
			const char *p;
			size_t n;
		} s; /* DK_STR */
		int64_t i;
		double f;
		bool b;
	} v;
};

struct chunk {
	struct chunk *next;
	size_t used;
	size_t cap;
	alignas(max_align_t) unsigned char data[];
};

struct doc {
	struct chunk *chunks; /* the first one is the one being filled */
	struct dnode root;
	bool oom;
	bool misuse;
};

/* ---- arena ------------------------------------------------------------ */

static void *
arena_alloc(struct doc *d, size_t n)
{
	struct chunk *c = d->chunks;
	size_t need = (n + 7) & ~(size_t)7;

	if (need < n)
		goto out_oom;
	if (c != NULL && c->cap - c->used >= need) {
		void *p = c->data + c->used;

		c->used += need;
		return p;
	}
	/* Large pieces get a chunk of their own, behind the current one. */
	size_t cap = need > CHUNK_SIZE / 4 ? need : CHUNK_SIZE;

	if (cap > SIZE_MAX - sizeof(*c))
		goto out_oom;
	c = malloc(sizeof(*c) + cap);
	if (c == NULL)
		goto out_oom;
	c->cap = cap;
	c->used = need;
	if (cap == need && d->chunks != NULL) {
		c->next = d->chunks->next;
		d->chunks->next = c;
	} else {
		c->next = d->chunks;
		d->chunks = c;
	}
	return c->data;
out_oom:
	d->oom = true;
	return NULL;
}

static const char *
arena_copy(struct doc *d, const char *s, size_t n)
{
	char *p;

	if (n == SIZE_MAX) {
		d->oom = true;
		return NULL;
	}
	p = arena_alloc(d, n + 1);
	if (p == NULL)
		return NULL;
	if (n > 0)
		memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

/* ---- building --------------------------------------------------------- */

struct doc *
doc_new(void)
{
	struct doc *d = calloc(1, sizeof(*d));

	if (d == NULL) {
		errno = ENOMEM;
		return NULL;
	}
	d->root.kind = DK_MAP;
	return d;
}

void
doc_free(struct doc *d)
{
	struct chunk *c, *next;

	if (d == NULL)
		return;
	for (c = d->chunks; c != NULL; c = next) {
		next = c->next;
		free(c);
	}
	free(d);
}

struct dnode *
doc_root(struct doc *d)
{
	return d != NULL ? &d->root : NULL;
}

/* Finds @key in map @m; *@prev is the node before it (NULL if first). */
static struct dnode *
find(const struct dnode *m, const char *key, size_t klen, struct dnode **prev)
{
	struct dnode *p = NULL;

	for (struct dnode *n = m->v.c.first; n != NULL; p = n, n = n->next)
		if (n->klen == klen && memcmp(n->key, key, klen) == 0) {
			if (prev != NULL)
				*prev = p;
			return n;
		}
	return NULL;
}

/*
 * A new node of @kind under @parent: appended to a sequence, or put in a
 * map under @key (in the old one's place if @key is there).
 */
static struct dnode *
add(struct doc *d, struct dnode *parent, const char *key, enum dkind kind)
{
	struct dnode *n, *old, *prev = NULL;

	if (d == NULL || parent == NULL || d->oom)
		return NULL;
	if (!(parent->kind == DK_MAP && key != NULL) && !(parent->kind == DK_SEQ && key == NULL)) {
		d->misuse = true;
		return NULL;
	}
	n = arena_alloc(d, sizeof(*n));
	if (n == NULL)
		return NULL;
	memset(n, 0, sizeof(*n));
	n->kind = kind;
	if (key != NULL) {
		n->klen = strlen(key);
		n->key = arena_copy(d, key, n->klen);
		if (n->key == NULL)
			return NULL;
		old = find(parent, key, n->klen, &prev);
		if (old != NULL) {
			n->next = old->next;
			if (prev != NULL)
				prev->next = n;
			else
				parent->v.c.first = n;
			if (parent->v.c.last == old)
				parent->v.c.last = n;
			return n;
		}
	}
	if (parent->v.c.last != NULL)
		parent->v.c.last->next = n;
	else
		parent->v.c.first = n;
	parent->v.c.last = n;
	return n;
}

struct dnode *
doc_map(struct doc *d, struct dnode *parent, const char *key)
{
	return add(d, parent, key, DK_MAP);
}

struct dnode *
doc_seq(struct doc *d, struct dnode *parent, const char *key)
{
	return add(d, parent, key, DK_SEQ);
}

void
doc_str(struct doc *d, struct dnode *parent, const char *key, const char *s, size_t n)
{
	struct dnode *x = add(d, parent, key, DK_STR);

	if (x == NULL)
		return;
	if (s == NULL)
		n = 0;
	x->v.s.p = arena_copy(d, s, n);
	x->v.s.n = n;
	if (x->v.s.p == NULL) /* the writers refuse an oom document */
		x->v.s.n = 0;
}

void
doc_cstr(struct doc *d, struct dnode *parent, const char *key, const char *s)
{
	doc_str(d, parent, key, s, s != NULL ? strlen(s) : 0);
}

void
doc_int(struct doc *d, struct dnode *parent, const char *key, int64_t v)
{
	struct dnode *x = add(d, parent, key, DK_INT);

	if (x != NULL)
		x->v.i = v;
}

void
doc_num(struct doc *d, struct dnode *parent, const char *key, double v)
{
	struct dnode *x = add(d, parent, key, DK_NUM);

	if (x != NULL)
		x->v.f = v;
}

void
doc_bool(struct doc *d, struct dnode *parent, const char *key, bool v)
{
	struct dnode *x = add(d, parent, key, DK_BOOL);

	if (x != NULL)
		x->v.b = v;
}

struct dnode *
doc_get(const struct dnode *m, const char *key)
{
	if (m == NULL || key == NULL || m->kind != DK_MAP)
		return NULL;
	return find(m, key, strlen(key), NULL);
}

/* ---- scalars as text ---------------------------------------------------- */

/*
 * The shortest text that reads back as @v, always with a point or an
 * exponent so it stays a float ("1.0", "1.0e+20"); NaN and infinities,
 * which JSON cannot say, as "null" in both formats. @buf has 40 bytes.
 */
static const char *
num_text(double v, char *buf)
{
	char *e;
	int n = 0;

	if (!isfinite(v))
		return "null";
	for (int prec = 1; prec <= 17; prec++) {
		n = snprintf(buf, 32, "%.*g", prec, v);
		if (strtod(buf, NULL) == v)
			break;
	}
	/* 100 is "100.0", not "1.0e+02": digits up to 1e17 are written out. */
	e = strchr(buf, 'e');
	if (e != NULL) {
		long x = strtol(e + 1, NULL, 10);

		if (x >= 0 && x < 17)
			n = snprintf(buf, 32, "%.*g", (int)x + 1, v);
	}
	if (strchr(buf, '.') != NULL)
		return buf;
	e = strchr(buf, 'e');
	if (e == NULL) {
		memcpy(buf + n, ".0", 3);
	} else {
		memmove(e + 2, e, strlen(e) + 1);
		memcpy(e, ".0", 2);
	}
	return buf;
}

/* Continuation byte. */
static inline bool
cont(uint8_t c)
{
	return (c & 0xc0) == 0x80;
}

/*
 * Length of the well-formed UTF-8 sequence at @s (@avail bytes), or 0: no
 * overlongs, no surrogates, nothing above U+10FFFF. @s[0] >= 0x80.
 */
static size_t
utf8_len(const uint8_t *s, size_t avail)
{
	uint8_t c = s[0];

	if (c >= 0xc2 && c <= 0xdf)
		return avail >= 2 && cont(s[1]) ? 2 : 0;
	if (c >= 0xe0 && c <= 0xef) {
		uint8_t lo = c == 0xe0 ? 0xa0 : 0x80, hi = c == 0xed ? 0x9f : 0xbf;

		return avail >= 3 && s[1] >= lo && s[1] <= hi && cont(s[2]) ? 3 : 0;
	}
	if (c >= 0xf0 && c <= 0xf4) {
		uint8_t lo = c == 0xf0 ? 0x90 : 0x80, hi = c == 0xf4 ? 0x8f : 0xbf;

		return avail >= 4 && s[1] >= lo && s[1] <= hi && cont(s[2]) && cont(s[3]) ? 4 : 0;
	}
	return 0;
}

/* ---- JSON --------------------------------------------------------------- */

static const char hex_digits[16] = "0123456789abcdef";

static void
json_string(FILE *f, const char *str, size_t n)
{
	const uint8_t *s = (const uint8_t *)str;
	size_t i = 0, run = 0;

	fputc('"', f);
	while (i < n) {
		uint8_t c = s[i];
		size_t k;

		if (c >= 0x20 && c != '"' && c != '\\' && c < 0x7f) {
			i++;
			continue;
		}
		if (c >= 0x80 && (k = utf8_len(s + i, n - i)) != 0) {
			i += k;
			continue;
		}
		fwrite(s + run, 1, i - run, f);
		switch (c) {
		case '"':
			fputs("\\\"", f);
			break;
		case '\\':
			fputs("\\\\", f);
			break;
		case '\b':
			fputs("\\b", f);
			break;
		case '\f':
			fputs("\\f", f);
			break;
		case '\n':
			fputs("\\n", f);
			break;
		case '\r':
			fputs("\\r", f);
			break;
		case '\t':
			fputs("\\t", f);
			break;
		default:
			fprintf(f, "\\u00%c%c", hex_digits[c >> 4], hex_digits[c & 15]);
		}
		run = ++i;
	}
	fwrite(s + run, 1, n - run, f);
	fputc('"', f);
}

static void
indent(FILE *f, unsigned depth)
{
	for (unsigned i = 0; i < depth; i++)
		fputs("  ", f);
}

static void
json_node(FILE *f, const struct dnode *n, unsigned depth)
{
	char buf[40];

	switch (n->kind) {
	case DK_MAP:
	case DK_SEQ:
		if (n->v.c.first == NULL) {
			fputs(n->kind == DK_MAP ? "{}" : "[]", f);
			break;
		}
		fputs(n->kind == DK_MAP ? "{\n" : "[\n", f);
		for (const struct dnode *c = n->v.c.first; c != NULL; c = c->next) {
			indent(f, depth + 1);
			if (n->kind == DK_MAP) {
				json_string(f, c->key, c->klen);
				fputs(": ", f);
			}
			json_node(f, c, depth + 1);
			fputs(c->next != NULL ? ",\n" : "\n", f);
		}
		indent(f, depth);
		fputc(n->kind == DK_MAP ? '}' : ']', f);
		break;
	case DK_STR:
		json_string(f, n->v.s.p, n->v.s.n);
		break;
	case DK_INT:
		fprintf(f, "%" PRId64, n->v.i);
		break;
	case DK_NUM:
		fputs(num_text(n->v.f, buf), f);
		break;
	case DK_BOOL:
		fputs(n->v.b ? "true" : "false", f);
		break;
	}
}

static int
check(const struct doc *d)
{
	if (d == NULL)
		return -EINVAL;
	if (d->oom)
		return -ENOMEM;
	if (d->misuse)
		return -EINVAL;
	return 0;
}

static int
finish(FILE *f)
{
	if (fflush(f) != 0 || ferror(f))
		return -EIO;
	return 0;
}

int
doc_write_json(const struct doc *d, FILE *f)
{
	int rc = check(d);

	if (rc < 0)
		return rc;
	json_node(f, &d->root, 0);
	fputc('\n', f);
	return finish(f);
}

/* ---- YAML --------------------------------------------------------------- */

/*
 * Whether the plain scalar @s could be read as anything but a string by a
 * YAML 1.1 or 1.2 resolver, or starts with an indicator.
 */
static bool
need_quotes(const char *s, size_t n)
{
	static const char *const words[] = {
		"y",   "n",    "yes", "no", "true", "false", "on",
		"off", "null", "~",   "=",  "<<",   ".inf",  ".nan",
	};
	const unsigned char c0 = n > 0 ? (unsigned char)s[0] : 0;
	const unsigned char c1 = n > 1 ? (unsigned char)s[1] : 0;

	if (n == 0)
		return true; /* null */
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (strlen(words[i]) == n && strncasecmp(s, words[i], n) == 0)
			return true;
	/* Numbers, dates, times: anything starting like one. */
	if (c0 >= '0' && c0 <= '9')
		return true;
	if ((c0 == '-' || c0 == '+') && ((c1 >= '0' && c1 <= '9') || c1 == '.'))
		return true;
	/* ".5", "._", "..", and "." itself match YAML 1.1's float pattern; signs: above. */
	if (c0 == '.' && (n == 1 || (c1 >= '0' && c1 <= '9') || c1 == '_' || c1 == '.'))
		return true;
	if (c0 != '\0' && strchr("-?:,[]{}#&*!|>'\"%@`", c0) != NULL)
		return true;
	return false;
}

struct yout {
	yaml_emitter_t em;
	char *buf; /* scratch for strings made valid UTF-8 */
	size_t cap;
	bool nomem;
};

/*
 * @s as valid UTF-8: itself when it is, else a copy in the scratch buffer
 * with each stray byte turned into U+00XX. NULL when that copy fails.
 */
static const char *
valid_utf8(struct yout *y, const char *str, size_t *n)
{
	const uint8_t *s = (const uint8_t *)str;
	size_t i = 0, bad = 0, k;

	while (i < *n) {
		if (s[i] < 0x80) {
			i++;
		} else if ((k = utf8_len(s + i, *n - i)) != 0) {
			i += k;
		} else {
			bad++;
			i++;
		}
	}
	if (bad == 0)
		return str;
	if (*n + bad > y->cap) {
		char *p = realloc(y->buf, *n + bad);

		if (p == NULL) {
			y->nomem = true;
			return NULL;
		}
		y->buf = p;
		y->cap = *n + bad;
	}
	size_t o = 0;

	for (i = 0; i < *n;) {
		if (s[i] < 0x80) {
			y->buf[o++] = (char)s[i++];
		} else if ((k = utf8_len(s + i, *n - i)) != 0) {
			memcpy(y->buf + o, s + i, k);
			o += k;
			i += k;
		} else {
			y->buf[o++] = (char)(0xc0 | (s[i] >> 6));
			y->buf[o++] = (char)(0x80 | (s[i] & 0x3f));
			i++;
		}
	}
	*n = o;
	return y->buf;
}

static bool
emit(struct yout *y, yaml_event_t *ev, int ok)
{
	if (!ok) {
		y->nomem = true;
		return false;
	}
	return yaml_emitter_emit(&y->em, ev) != 0;
}

/* A string scalar, quoted when a resolver would read it as something else. */
static bool
emit_str(struct yout *y, const char *s, size_t n)
{
	yaml_event_t ev;

	s = valid_utf8(y, s, &n);
	if (s == NULL)
		return false;
	return emit(y, &ev,
		    yaml_scalar_event_initialize(&ev, NULL, NULL, (yaml_char_t *)s, (int)n,
						 !need_quotes(s, n), 1, YAML_ANY_SCALAR_STYLE));
}

/* A plain scalar that resolves to its own type (int, float, bool, null). */
static bool
emit_plain(struct yout *y, const char *s)
{
	yaml_event_t ev;

	return emit(y, &ev,
		    yaml_scalar_event_initialize(&ev, NULL, NULL, (yaml_char_t *)s, (int)strlen(s),
						 1, 0, YAML_PLAIN_SCALAR_STYLE));
}

static bool
yaml_node(struct yout *y, const struct dnode *n)
{
	yaml_event_t ev;
	char buf[40];

	switch (n->kind) {
	case DK_MAP:
		if (!emit(y, &ev,
			  yaml_mapping_start_event_initialize(&ev, NULL, NULL, 1,
							      YAML_BLOCK_MAPPING_STYLE)))
			return false;
		for (const struct dnode *c = n->v.c.first; c != NULL; c = c->next)
			if (!emit_str(y, c->key, c->klen) || !yaml_node(y, c))
				return false;
		return emit(y, &ev, yaml_mapping_end_event_initialize(&ev));
	case DK_SEQ:
		if (!emit(y, &ev,
			  yaml_sequence_start_event_initialize(&ev, NULL, NULL, 1,
							       YAML_BLOCK_SEQUENCE_STYLE)))
			return false;
		for (const struct dnode *c = n->v.c.first; c != NULL; c = c->next)
			if (!yaml_node(y, c))
				return false;
		return emit(y, &ev, yaml_sequence_end_event_initialize(&ev));
	case DK_STR:
		if (n->v.s.n > INT_MAX)
			return false;
		return emit_str(y, n->v.s.p, n->v.s.n);
	case DK_INT:
		snprintf(buf, sizeof(buf), "%" PRId64, n->v.i);
		return emit_plain(y, buf);
	case DK_NUM:
		return emit_plain(y, num_text(n->v.f, buf));
	case DK_BOOL:
		return emit_plain(y, n->v.b ? "true" : "false");
	}
	return false;
}

int
doc_write_yaml(const struct doc *d, FILE *f)
{
	struct yout y = { 0 };
	yaml_event_t ev;
	int rc = check(d);

	if (rc < 0)
		return rc;
	if (!yaml_emitter_initialize(&y.em))
		return -ENOMEM;
	yaml_emitter_set_output_file(&y.em, f);
	yaml_emitter_set_unicode(&y.em, 1);
	yaml_emitter_set_indent(&y.em, 2);
	yaml_emitter_set_width(&y.em, -1); /* no folding of long scalars */
	yaml_emitter_set_break(&y.em, YAML_LN_BREAK);

	bool ok = emit(&y, &ev, yaml_stream_start_event_initialize(&ev, YAML_UTF8_ENCODING)) &&
		  emit(&y, &ev, yaml_document_start_event_initialize(&ev, NULL, NULL, NULL, 1)) &&
		  yaml_node(&y, &d->root) &&
		  emit(&y, &ev, yaml_document_end_event_initialize(&ev, 1)) &&
		  emit(&y, &ev, yaml_stream_end_event_initialize(&ev));

	if (!ok) {
		if (y.nomem || y.em.error == YAML_MEMORY_ERROR)
			rc = -ENOMEM;
		else if (y.em.error == YAML_WRITER_ERROR)
			rc = -EIO;
		else
			rc = -EINVAL;
	}
	yaml_emitter_delete(&y.em);
	free(y.buf);
	return rc < 0 ? rc : finish(f);
}
