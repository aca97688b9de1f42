/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Path templating. A small stand-in for the catalog keeps one endpoint per
 * slot, follows the move and drop hooks, and checks on every call that the
 * endpoint's remembered template is the leaf's template (so a hook that
 * was not called shows) and that tmpl_find() gives the leaf back.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* cmocka needs the headers above first */
// clang-format off
#include <cmocka.h>
// clang-format on

#include "api_priv.h"

#define TPL_MAX 256
#define MOVES   64

struct ep {
	char tmpl[TPL_MAX];
	unsigned method;
	unsigned calls;
};

struct move_rec {
	struct ep *dst, *src;
	char to[TPL_MAX];
	unsigned method;
};

struct cat {
	struct tmpl *t;
	unsigned live; /* endpoints allocated and not freed */
	unsigned drops;
	unsigned dropped_calls;
	unsigned adds; /* endpoints an un-merge gave back */
	unsigned n_moves;
	struct move_rec moves[MOVES];
	char last[TPL_MAX]; /* template of the last hit */
};

static void *
on_move(void *user, void *dst, void *src, const struct tnode *to, unsigned method)
{
	struct cat *c = user;
	struct ep *d = dst, *s = src;
	char buf[TPL_MAX];

	tnode_template(to, buf, sizeof(buf));
	assert_ptr_equal(tmpl_find(c->t, buf), to);
	assert_int_equal(s->method, method);
	if (c->n_moves < MOVES) {
		struct move_rec *m = &c->moves[c->n_moves];

		m->dst = d;
		m->src = s;
		m->method = method;
		memcpy(m->to, buf, sizeof(buf));
	}
	c->n_moves++;
	if (d != NULL) {
		assert_string_equal(d->tmpl, buf);
		d->calls += s->calls;
		free(s);
		c->live--;
		return d;
	}
	memcpy(s->tmpl, buf, sizeof(buf));
	return s;
}

static void
on_drop(void *user, void *ep)
{
	struct cat *c = user;
	struct ep *e = ep;

	c->drops++;
	c->dropped_calls += e->calls;
	free(e);
	c->live--;
}

/* An un-merge gives a value back the endpoint it led to: it starts with no calls. */
static void *
on_add(void *user, const struct tnode *at, unsigned method)
{
	struct cat *c = user;
	struct ep *e = calloc(1, sizeof(*e));

	assert_non_null(e);
	tnode_template(at, e->tmpl, sizeof(e->tmpl));
	assert_ptr_equal(tmpl_find(c->t, e->tmpl), at);
	e->method = method;
	c->adds++;
	c->live++;
	return e;
}

static const struct tmpl_hooks hooks = { .move = on_move, .drop = on_drop, .add = on_add };

static void
cat_init(struct cat *c, uint32_t max_nodes)
{
	memset(c, 0, sizeof(*c));
	c->t = tmpl_create(&hooks, c, max_nodes);
	assert_non_null(c->t);
}

static void
free_ep(void *user, struct tnode *n, unsigned method, void *ep)
{
	struct cat *c = user;

	(void)n;
	(void)method;
	free(ep);
	c->live--;
}

static void
count_ep(void *user, struct tnode *n, unsigned method, void *ep)
{
	char buf[TPL_MAX];
	struct ep *e = ep;

	tnode_template(n, buf, sizeof(buf));
	assert_string_equal(e->tmpl, buf);
	assert_int_equal(e->method, method);
	(*(unsigned *)user)++;
}

/* Endpoints in the tree; must be every endpoint alive. */
static unsigned
cat_endpoints(struct cat *c)
{
	unsigned n = 0;

	tmpl_foreach(c->t, count_ep, &n);
	assert_int_equal(n, c->live);
	return n;
}

static void
cat_free(struct cat *c)
{
	cat_endpoints(c);
	tmpl_foreach(c->t, free_ep, c);
	assert_int_equal(c->live, 0);
	tmpl_free(c->t);
}

/* Routes @path with @method from @client, counts a call; the leaf or NULL. */
static struct tnode *
hit_leaf(struct cat *c, unsigned method, const char *path, uint64_t client)
{
	struct tnode *n = tmpl_route(c->t, path, strlen(path), method, client, 0);
	struct ep **slot, *e;

	c->last[0] = '\0';
	if (n == NULL)
		return NULL;
	tnode_template(n, c->last, sizeof(c->last));
	assert_ptr_equal(tmpl_find(c->t, c->last), n);
	slot = (struct ep **)tnode_endpoint(n, method);
	e = *slot;
	if (e == NULL) {
		e = calloc(1, sizeof(*e));
		assert_non_null(e);
		e->method = method;
		memcpy(e->tmpl, c->last, sizeof(c->last));
		*slot = e;
		c->live++;
	}
	assert_string_equal(e->tmpl, c->last);
	e->calls++;
	return n;
}

/* The template @path is routed to (GET). */
static const char *
hit(struct cat *c, const char *path, uint64_t client)
{
	hit_leaf(c, AR_API_GET, path, client);
	return c->last;
}

static struct ep *
ep_at(struct cat *c, const char *template, unsigned method)
{
	struct tnode *n = tmpl_find(c->t, template);

	assert_non_null(n);
	return *(struct ep **)tnode_endpoint(n, method);
}

/* As the catalog does at load: @to's tree gets an endpoint wherever @from's has one. */
static void
adopt_ep(void *user, struct tnode *n, unsigned method, void *ep)
{
	struct cat *to = user;
	const struct ep *e = ep;
	struct tnode *m = tmpl_find(to->t, e->tmpl);
	struct ep *copy = calloc(1, sizeof(*copy));

	(void)n;
	assert_non_null(m);
	assert_non_null(copy);
	*copy = *e;
	*(struct ep **)tnode_endpoint(m, method) = copy;
	to->live++;
}

/* ------------------------------------------------------------------ */

static void
test_ints_and_uuids_share_one_parameter_at_once(void **state)
{
	struct cat c;
	struct tmpl_param p[4];
	struct tnode *n;

	(void)state;
	cat_init(&c, 1000);
	assert_string_equal(hit(&c, "/users/42", 1), "/users/{userId}");
	assert_string_equal(hit(&c, "/users/550e8400-e29b-41d4-a716-446655440000", 1),
			    "/users/{userId}");
	n = hit_leaf(&c, AR_API_GET, "/users/7/orders/2024-01-31", 1);
	assert_string_equal(c.last, "/users/{userId}/orders/{orderId}");
	assert_int_equal(tnode_params(n, p, 4), 2);
	assert_string_equal(p[0].name, "userId");
	assert_int_equal(p[0].seg_mask, (1u << AR_SEG_INTEGER) | (1u << AR_SEG_UUID));
	assert_false(p[0].from_words);
	assert_string_equal(p[1].name, "orderId");
	assert_int_equal(p[1].seg_mask, 1u << AR_SEG_DATE);
	assert_int_equal(tnode_params(n, p, 1), 1);
	assert_int_equal(tmpl_stats(c.t)->merges, 0);
	assert_int_equal(tmpl_stats(c.t)->nodes, 5); /* / users {userId} orders {orderId} */
	assert_int_equal(ep_at(&c, "/users/{userId}", AR_API_GET)->calls, 2);
	assert_int_equal(cat_endpoints(&c), 2);
	cat_free(&c);
}

static void
test_me_stays_literal_beside_many_ints(void **state)
{
	struct cat c;
	char path[64];

	(void)state;
	cat_init(&c, 1000);
	for (unsigned i = 0; i < 50; i++) {
		snprintf(path, sizeof(path), "/users/%u", 1000 + i);
		assert_string_equal(hit(&c, path, i), "/users/{userId}");
		assert_string_equal(hit(&c, "/users/me", i), "/users/me");
	}
	assert_string_equal(hit(&c, "/users/me/orders", 1), "/users/me/orders");
	assert_string_equal(hit(&c, "/users/5/orders", 1), "/users/{userId}/orders");
	assert_int_equal(ep_at(&c, "/users/me", AR_API_GET)->calls, 50);
	assert_int_equal(ep_at(&c, "/users/{userId}", AR_API_GET)->calls, 50);
	assert_int_equal(tmpl_stats(c.t)->merges, 0);
	cat_free(&c);
}

static const char *const usernames[20] = {
	"alice",  "bob",   "carol", "dave",    "erin",   "frank",  "grace",
	"heidi",  "ivan",  "judy",  "mallory", "niaj",   "olivia", "peggy",
	"rupert", "sybil", "trent", "victor",  "walter", "yvonne",
};

static void
test_twenty_plain_usernames_become_a_parameter(void **state)
{
	struct cat c;
	char path[64];
	struct tmpl_param p[2];
	struct tnode *n = NULL;

	(void)state;
	cat_init(&c, 1000);
	assert_string_equal(hit(&c, "/users/me", 1), "/users/me");
	assert_string_equal(hit(&c, "/users/alice", 1), "/users/alice");
	assert_string_equal(hit(&c, "/users/bob", 2), "/users/bob");
	for (unsigned i = 2; i < 20; i++) {
		snprintf(path, sizeof(path), "/users/%s", usernames[i]);
		n = hit_leaf(&c, AR_API_GET, path, i + 1);
		assert_string_equal(c.last, "/users/{userId}");
	}
	assert_int_equal(tnode_params(n, p, 2), 1);
	assert_string_equal(p[0].name, "userId");
	assert_int_equal(p[0].seg_mask, 1u << AR_SEG_WORD);
	assert_true(p[0].from_words);
	/* the old names land there too; words of the vocabulary do not */
	assert_string_equal(hit(&c, "/users/alice", 9), "/users/{userId}");
	assert_string_equal(hit(&c, "/users/search", 9), "/users/search");
	assert_string_equal(hit(&c, "/users/me", 9), "/users/me");
	assert_string_equal(hit(&c, "/users/42", 9), "/users/{userId}");
	assert_int_equal(tmpl_stats(c.t)->merges, 1);
	assert_int_equal(tmpl_stats(c.t)->splits, 0);
	assert_int_equal(tmpl_stats(c.t)->nodes, 5); /* / users me {userId} search */
	assert_int_equal(ep_at(&c, "/users/{userId}", AR_API_GET)->calls, 22);
	assert_int_equal(ep_at(&c, "/users/me", AR_API_GET)->calls, 2);
	assert_int_equal(cat_endpoints(&c), 3);
	cat_free(&c);
}

static void
test_api_resources_hit_repeatedly_stay_literal(void **state)
{
	static const char *const res[] = {
		"users",    "orders",   "products", "inventory", "items",    "customers",
		"payments", "invoices", "pets",     "store",     "accounts", "categories",
	};
	struct cat c;
	char path[64], want[64];

	(void)state;
	cat_init(&c, 1000);
	for (unsigned round = 0; round < 10; round++) {
		for (unsigned i = 0; i < 12; i++) {
			snprintf(path, sizeof(path), "/api/v1/%s", res[i]);
			assert_string_equal(hit(&c, path, round % 5), path);
		}
	}
	assert_string_equal(hit(&c, "/api/v1/users/42", 1), "/api/v1/users/{userId}");
	assert_string_equal(hit(&c, "/api/v1/categories/7", 1), "/api/v1/categories/{categoryId}");
	assert_string_equal(hit(&c, "/api/v2/pets/findByStatus", 1), "/api/v2/pets/findByStatus");
	for (unsigned i = 0; i < 12; i++) {
		snprintf(want, sizeof(want), "/api/v1/%s", res[i]);
		assert_int_equal(ep_at(&c, want, AR_API_GET)->calls, 10);
	}
	assert_int_equal(tmpl_stats(c.t)->merges, 0);
	assert_int_equal(tmpl_stats(c.t)->values_capped, 0);
	cat_free(&c);
}

static void
test_github_nested_plain_ids_merge_at_both_levels(void **state)
{
	static const char *const paths[] = {
		"/repos/octocat/hello-world/issues",
		"/repos/octocat/spoon-knife/issues",
		"/repos/torvalds/linux/pulls",
		"/repos/rails/rails/issues",
		"/repos/golang/go/pulls",
		"/repos/kubernetes/kubernetes/issues",
	};
	struct cat c;
	struct tmpl_param p[4];
	struct tnode *n;

	(void)state;
	cat_init(&c, 1000);
	assert_string_equal(hit(&c, paths[0], 1), "/repos/octocat/hello-world/issues");
	assert_string_equal(hit(&c, paths[1], 1), "/repos/octocat/spoon-knife/issues");
	assert_string_equal(hit(&c, paths[2], 2), "/repos/torvalds/linux/pulls");
	/*
	 * the third owner merges the owners; their repos, now siblings under
	 * {repoId} (hello-world, spoon-knife, linux), merge in the revisit
	 * although this path does not go below {repoId}
	 */
	assert_string_equal(hit(&c, "/repos/rails", 3), "/repos/{repoId}");
	assert_int_equal(tmpl_stats(c.t)->merges, 2);
	assert_int_equal(ep_at(&c, "/repos/{repoId}/{repoId2}/issues", AR_API_GET)->calls, 2);
	assert_int_equal(ep_at(&c, "/repos/{repoId}/{repoId2}/pulls", AR_API_GET)->calls, 1);
	assert_string_equal(hit(&c, paths[3], 3), "/repos/{repoId}/{repoId2}/issues");
	for (unsigned i = 4; i < 6; i++)
		assert_string_equal(hit(&c, paths[i], i + 1),
				    strstr(paths[i], "/pulls") ?
					    "/repos/{repoId}/{repoId2}/pulls" :
					    "/repos/{repoId}/{repoId2}/issues");
	n = hit_leaf(&c, AR_API_GET, "/repos/octocat/hello-world/issues/42", 1);
	assert_string_equal(c.last, "/repos/{repoId}/{repoId2}/issues/{issueId}");
	assert_int_equal(tnode_params(n, p, 4), 3);
	assert_true(p[0].from_words && p[1].from_words && !p[2].from_words);
	assert_int_equal(ep_at(&c, "/repos/{repoId}/{repoId2}/issues", AR_API_GET)->calls, 4);
	assert_int_equal(ep_at(&c, "/repos/{repoId}/{repoId2}/pulls", AR_API_GET)->calls, 2);
	assert_int_equal(tmpl_stats(c.t)->merges, 2);
	/* / repos {repoId} {repoId2} issues pulls {issueId} */
	assert_int_equal(tmpl_stats(c.t)->nodes, 7);
	assert_int_equal(cat_endpoints(&c), 4); /* and /repos/{repoId} */
	cat_free(&c);
}

static void
test_merge_moves_endpoints_through_the_hooks(void **state)
{
	struct cat c;
	struct ep *alice, *bob, *bob_post, *orders, *seven, *dave;
	struct tmpl_param p[2];

	(void)state;
	cat_init(&c, 1000);
	hit(&c, "/users/alice", 1);
	hit(&c, "/users/alice/orders/5", 1);
	assert_string_equal(hit(&c, "/users/alice/7", 1), "/users/alice/{aliceId}");
	hit(&c, "/users/bob", 2);
	hit_leaf(&c, AR_API_POST, "/users/bob", 2);
	hit(&c, "/users/dave", 4); /* alice has 3 hits: bob and dave are the rare ones */
	alice = ep_at(&c, "/users/alice", AR_API_GET);
	orders = ep_at(&c, "/users/alice/orders/{orderId}", AR_API_GET);
	seven = ep_at(&c, "/users/alice/{aliceId}", AR_API_GET);
	bob = ep_at(&c, "/users/bob", AR_API_GET);
	bob_post = ep_at(&c, "/users/bob", AR_API_POST);
	dave = ep_at(&c, "/users/dave", AR_API_GET);
	assert_int_equal(c.n_moves, 0);

	assert_string_equal(hit(&c, "/users/carol", 3), "/users/{userId}");
	assert_int_equal(c.n_moves, 6);
	/* alice's subtree first, top-down, then alice, then bob onto alice */
	assert_null(c.moves[0].dst);
	assert_ptr_equal(c.moves[0].src, orders);
	assert_string_equal(c.moves[0].to, "/users/{userId}/orders/{orderId}");
	assert_null(c.moves[1].dst);
	assert_ptr_equal(c.moves[1].src, seven);
	assert_string_equal(c.moves[1].to, "/users/{userId}/{userId2}"); /* renamed */
	assert_null(c.moves[2].dst);
	assert_ptr_equal(c.moves[2].src, alice);
	assert_string_equal(c.moves[2].to, "/users/{userId}");
	assert_ptr_equal(c.moves[3].dst, alice);
	assert_ptr_equal(c.moves[3].src, bob);
	assert_string_equal(c.moves[3].to, "/users/{userId}");
	assert_int_equal(c.moves[3].method, AR_API_GET);
	assert_null(c.moves[4].dst);
	assert_ptr_equal(c.moves[4].src, bob_post);
	assert_int_equal(c.moves[4].method, AR_API_POST);
	assert_string_equal(c.moves[4].to, "/users/{userId}");
	assert_ptr_equal(c.moves[5].dst, alice);
	assert_ptr_equal(c.moves[5].src, dave);
	assert_int_equal(tnode_params(tmpl_find(c.t, "/users/{userId}/{userId2}"), p, 2), 2);
	assert_string_equal(p[1].name, "userId2");
	assert_int_equal(p[1].seg_mask, 1u << AR_SEG_INTEGER);

	assert_ptr_equal(ep_at(&c, "/users/{userId}", AR_API_GET), alice);
	assert_int_equal(alice->calls, 4); /* alice, bob, dave, carol */
	assert_ptr_equal(ep_at(&c, "/users/{userId}", AR_API_POST), bob_post);
	assert_ptr_equal(ep_at(&c, "/users/{userId}/orders/{orderId}", AR_API_GET), orders);
	assert_string_equal(orders->tmpl, "/users/{userId}/orders/{orderId}");
	assert_null(tmpl_find(c.t, "/users/alice"));
	assert_int_equal(cat_endpoints(&c), 4);
	assert_int_equal(c.drops, 0);
	cat_free(&c);
}

static void
test_merge_undone_when_many_clients_see_each_value(void **state)
{
	static const char *const words[] = { "widgets", "gadgets", "sprockets", "gizmos" };
	static const char *const more[] = { "foo", "bar", "baz", "qux", "quux", "corge" };
	struct cat c;
	char path[64];

	(void)state;
	cat_init(&c, 1000);
	/* round 0 from client 1: three rare words merge */
	assert_string_equal(hit(&c, "/svc/widgets", 1), "/svc/widgets");
	assert_string_equal(hit(&c, "/svc/gadgets", 1), "/svc/gadgets");
	assert_string_equal(hit(&c, "/svc/sprockets", 1), "/svc/{svcId}");
	assert_string_equal(hit(&c, "/svc/gizmos", 1), "/svc/{svcId}");
	assert_int_equal(tmpl_stats(c.t)->merges, 1);
	/*
	 * rounds from clients 2 and 3: the third value with 3 clients makes 3
	 * of 4 popular, and the merge is undone before it is routed
	 */
	for (unsigned cl = 2; cl <= 3; cl++) {
		for (unsigned i = 0; i < 4; i++) {
			bool split = cl == 3 && i >= 2;

			snprintf(path, sizeof(path), "/svc/%s", words[i]);
			assert_string_equal(hit(&c, path, cl), split ? path : "/svc/{svcId}");
		}
	}
	assert_int_equal(tmpl_stats(c.t)->splits, 1);
	assert_int_equal(c.drops, 1); /* GET /svc/{svcId} */
	assert_int_equal(c.dropped_calls, 4 + 4 + 2);
	assert_null(tmpl_find(c.t, "/svc/{svcId}"));
	for (unsigned i = 0; i < 4; i++) {
		snprintf(path, sizeof(path), "/svc/%s", words[i]);
		assert_string_equal(hit(&c, path, 4), path);
	}
	/* twice the evidence to merge again: 3 new rare words are not enough */
	for (unsigned i = 0; i < 5; i++) {
		snprintf(path, sizeof(path), "/svc/%s", more[i]);
		assert_string_equal(hit(&c, path, 5), path);
	}
	assert_int_equal(tmpl_stats(c.t)->merges, 1);
	/* the sixth rare word: 6 rare of 10 values */
	assert_string_equal(hit(&c, "/svc/corge", 5), "/svc/{svcId}");
	assert_string_equal(hit(&c, "/svc/widgets", 5), "/svc/{svcId}");
	assert_int_equal(tmpl_stats(c.t)->merges, 2);
	assert_int_equal(tmpl_stats(c.t)->splits, 1);
	/* sprockets and gizmos 2 each, the other words 1, corge, widgets */
	assert_int_equal(ep_at(&c, "/svc/{svcId}", AR_API_GET)->calls, 2 + 2 + 2 + 5 + 1 + 1);
	assert_int_equal(cat_endpoints(&c), 1);
	cat_free(&c);
}

static void
test_rare_words_must_be_half_of_the_values(void **state)
{
	static const char *const known[] = { "alpha",   "beta", "gamma", "delta",
					     "epsilon", "zeta", "eta",   "theta" };
	static const char *const fresh[] = { "iota", "kappa", "lambda",  "mu",
					     "nu",   "xi",    "omicron", "pi" };
	struct cat c;
	char path[64];

	(void)state;
	cat_init(&c, 1000);
	/* 8 words seen 3 times each as they appear: never rare together */
	for (unsigned i = 0; i < 8; i++) {
		snprintf(path, sizeof(path), "/k/%s", known[i]);
		for (unsigned k = 0; k < 3; k++)
			assert_string_equal(hit(&c, path, 1), path);
	}
	/* 7 new rare words of 15 values: less than half */
	for (unsigned i = 0; i < 7; i++) {
		snprintf(path, sizeof(path), "/k/%s", fresh[i]);
		assert_string_equal(hit(&c, path, 1), path);
	}
	assert_int_equal(tmpl_stats(c.t)->merges, 0);
	/* the 8th: 8 of 16 */
	assert_string_equal(hit(&c, "/k/pi", 1), "/k/{kId}");
	assert_string_equal(hit(&c, "/k/alpha", 1), "/k/{kId}");
	assert_int_equal(tmpl_stats(c.t)->merges, 1);
	assert_int_equal(ep_at(&c, "/k/{kId}", AR_API_GET)->calls, 8 * 3 + 8 + 1);
	cat_free(&c);
}

static void
test_merge_undone_when_values_are_hit_often(void **state)
{
	static const char *const words[] = { "north", "south", "east", "west" };
	struct cat c;
	char path[64];
	unsigned routed = 0;

	(void)state;
	cat_init(&c, 1000);
	for (unsigned i = 0; i < 4; i++) {
		snprintf(path, sizeof(path), "/dir/%s", words[i]);
		assert_string_equal(hit(&c, path, 1), i < 2 ? path : "/dir/{dirId}");
	}
	/* north, south and east come back: at east's third hit only west is rare */
	for (unsigned k = 1; k < 3; k++) {
		for (unsigned i = 0; i < 3; i++) {
			bool split = k == 2 && i == 2;

			snprintf(path, sizeof(path), "/dir/%s", words[i]);
			assert_string_equal(hit(&c, path, 1), split ? path : "/dir/{dirId}");
			routed += !split;
		}
	}
	assert_int_equal(tmpl_stats(c.t)->splits, 1);
	assert_int_equal(c.drops, 1);
	assert_int_equal(c.dropped_calls, 4 + routed); /* north, south, east, west */
	/* each value has its endpoint back: the others with no calls yet */
	assert_int_equal(c.adds, 4);
	assert_int_equal(ep_at(&c, "/dir/east", AR_API_GET)->calls, 1);
	assert_int_equal(ep_at(&c, "/dir/west", AR_API_GET)->calls, 0);
	assert_string_equal(hit(&c, "/dir/west", 1), "/dir/west");
	assert_int_equal(ep_at(&c, "/dir/west", AR_API_GET)->calls, 1);
	cat_free(&c);
}

static void
test_merge_of_three_undone_by_the_same_three(void **state)
{
	static const char *const words[] = { "discography", "related-artists", "top-tracks" };
	struct cat c;
	char path[64];

	(void)state;
	cat_init(&c, 1000);
	/* three pages of a section, each seen once: taken for ids */
	for (unsigned i = 0; i < 3; i++) {
		snprintf(path, sizeof(path), "/music/%s", words[i]);
		assert_string_equal(hit(&c, path, 1), i < 2 ? path : "/music/{musicId}");
	}
	assert_int_equal(tmpl_stats(c.t)->merges, 1);
	/* then each from three clients: all three popular, the merge is undone */
	for (uint64_t cl = 2; cl <= 3; cl++)
		for (unsigned i = 0; i < 3; i++) {
			snprintf(path, sizeof(path), "/music/%s", words[i]);
			hit(&c, path, cl);
		}
	assert_int_equal(tmpl_stats(c.t)->splits, 1);
	assert_string_equal(hit(&c, "/music/top-tracks", 4), "/music/top-tracks");
	assert_string_equal(hit(&c, "/music/discography", 4), "/music/discography");
	cat_free(&c);
}

/*
 * Under an id that is not a word, words are actions and sub-resources
 * (/tasks/{uuid}/subtasks): 6 rare ones merge there, not 3.
 */
static void
test_words_under_an_id_need_six(void **state)
{
	static const char *const words[] = { "subtasks",     "duplicate",  "stories",
					     "dependencies", "dependents", "blockers" };
	struct cat c;
	char path[64], want[64];

	(void)state;
	cat_init(&c, 1000);
	for (unsigned i = 0; i < 6; i++) {
		snprintf(path, sizeof(path), "/tasks/%u/%s", 100 + i, words[i]);
		snprintf(want, sizeof(want), "/tasks/{taskId}/%s", words[i]);
		assert_string_equal(hit(&c, path, 1), i < 5 ? want : "/tasks/{taskId}/{taskId2}");
	}
	assert_int_equal(tmpl_stats(c.t)->merges, 1);
	cat_free(&c);
}

/*
 * An action beside ids: POST /images/vacuum among image names that are
 * read. Merged with them while everything is rare, it is promoted to a
 * literal once it is popular (8 hits from 3 clients) while most names stay
 * rare, and takes its endpoint with it: POST /images/{imageId} was only
 * ever vacuum. Names that come after the value table is full take rare
 * names' places.
 */
static void
test_popular_literal_promoted_beside_rare_ids(void **state)
{
	struct cat c, d;
	struct wbuf w = { 0 };
	char path[64];
	unsigned k = 0;

	(void)state;
	cat_init(&c, 1000);
	for (unsigned i = 0; i < 40; i++) {
		snprintf(path, sizeof(path), "/images/img%c%c", 'a' + i / 26, 'a' + i % 26);
		hit(&c, path, 1 + i % 4);
		/* vacuum after every fifth name, from clients 1 to 4 in turn */
		if (i % 5 == 4) {
			hit_leaf(&c, AR_API_POST, "/images/vacuum", 1 + k % 4);
			k++;
			/* promoted at its 8th hit, which it already takes */
			assert_string_equal(c.last, k < 8 ? "/images/{imageId}" : "/images/vacuum");
		}
	}
	assert_int_equal(k, 8);
	assert_int_equal(tmpl_stats(c.t)->merges, 1);
	assert_int_equal(tmpl_stats(c.t)->promotions, 1);
	/* 40 names and vacuum through 32 places: 9 rare names evicted */
	assert_int_equal(tmpl_stats(c.t)->values_capped, 9);
	hit_leaf(&c, AR_API_POST, "/images/vacuum", 2);
	assert_string_equal(c.last, "/images/vacuum");
	assert_string_equal(hit(&c, "/images/imgzz", 2), "/images/{imageId}");
	/* its endpoint came back at the promotion (no calls), then took two */
	assert_int_equal(c.adds, 1);
	assert_int_equal(ep_at(&c, "/images/vacuum", AR_API_POST)->calls, 2);
	assert_null(ep_at(&c, "/images/{imageId}", AR_API_POST));
	assert_int_equal(c.drops, 1);
	assert_int_equal(c.dropped_calls, 7);
	assert_int_equal(ep_at(&c, "/images/{imageId}", AR_API_GET)->calls, 40 + 1);

	/* the promotion is kept in the saved state */
	tmpl_encode(c.t, &w);
	assert_false(w.oom);
	memset(&d, 0, sizeof(d));
	d.t = tmpl_decode(&hooks, &d, 1000, w.p, w.len);
	assert_non_null(d.t);
	assert_string_equal(hit(&d, "/images/vacuum", 1), "/images/vacuum");
	assert_string_equal(hit(&d, "/images/other", 1), "/images/{imageId}");
	wbuf_free(&w);
	cat_free(&d);
	cat_free(&c);
}

/*
 * Sub-resources under ids (/orgs/{orgId}/north), each with a sub-path of
 * its own: merged while all of them are rare, the merge is undone once
 * five of the six come back, and every value gets back the endpoints it
 * led to under the parameter.
 */
static void
test_undone_merge_gives_values_their_sub_paths(void **state)
{
	static const char *const res[] = { "north", "south", "east", "west", "upper", "lower" };
	static const char *const sub[] = { "settings", "history", "status",
					   "config",   "stats",   "billing" };
	struct cat c, d;
	struct wbuf w = { 0 };
	char path[64], want[64];

	(void)state;
	cat_init(&c, 1000);
	/* the sixth rare word under an id merges them */
	for (unsigned i = 0; i < 6; i++) {
		snprintf(path, sizeof(path), "/orgs/%u/%s", 10 + i, res[i]);
		snprintf(want, sizeof(want), "/orgs/{orgId}/%s", res[i]);
		assert_string_equal(hit(&c, path, 1), i < 5 ? want : "/orgs/{orgId}/{orgId2}");
	}
	assert_int_equal(tmpl_stats(c.t)->merges, 1);
	/* through the parameter, each to a sub-path of its own */
	for (unsigned i = 0; i < 6; i++) {
		snprintf(path, sizeof(path), "/orgs/%u/%s/%s", 20 + i, res[i], sub[i]);
		snprintf(want, sizeof(want), "/orgs/{orgId}/{orgId2}/%s", sub[i]);
		hit_leaf(&c, AR_API_POST, path, 2);
		assert_string_equal(c.last, want);
	}
	/* the sub-paths are saved with the tree: a reloaded copy goes on the same way */
	tmpl_encode(c.t, &w);
	assert_false(w.oom);
	memset(&d, 0, sizeof(d));
	d.t = tmpl_decode(&hooks, &d, 1000, w.p, w.len);
	assert_non_null(d.t);
	tmpl_foreach(c.t, adopt_ep, &d);
	/* a third call each: at the fifth only one of six values is rare */
	for (unsigned i = 0; i < 5; i++) {
		snprintf(path, sizeof(path), "/orgs/%u/%s", 30 + i, res[i]);
		snprintf(want, sizeof(want), "/orgs/{orgId}/%s", res[i]);
		assert_string_equal(hit(&c, path, 3), i < 4 ? "/orgs/{orgId}/{orgId2}" : want);
		assert_string_equal(hit(&d, path, 3), i < 4 ? "/orgs/{orgId}/{orgId2}" : want);
	}
	for (struct cat *x = &c; x != NULL; x = x == &c ? &d : NULL) {
		assert_int_equal(tmpl_stats(x->t)->splits, 1);
		assert_null(tmpl_find(x->t, "/orgs/{orgId}/{orgId2}"));
		/* GET and six POSTs under the parameter went; each value has its two back */
		assert_int_equal(x->drops, 7);
		assert_int_equal(x->adds, 12);
		for (unsigned i = 0; i < 6; i++) {
			snprintf(want, sizeof(want), "/orgs/{orgId}/%s", res[i]);
			assert_int_equal(ep_at(x, want, AR_API_GET)->calls, i == 4 ? 1 : 0);
			assert_null(ep_at(x, want, AR_API_POST));
			snprintf(want, sizeof(want), "/orgs/{orgId}/%s/%s", res[i], sub[i]);
			assert_int_equal(ep_at(x, want, AR_API_POST)->calls, 0);
			assert_null(ep_at(x, want, AR_API_GET));
		}
	}
	wbuf_free(&w);
	cat_free(&d);
	cat_free(&c);
}

/*
 * A version literal (/api/1) moves with its subtree when the words above
 * merge: it still takes its traffic, and the tree still saves and loads.
 */
static void
test_version_literal_moved_by_a_merge(void **state)
{
	struct cat c;
	struct wbuf w = { 0 };
	struct tmpl *t;

	(void)state;
	cat_init(&c, 1000);
	assert_string_equal(hit(&c, "/svc/north/api/1/tasks", 1), "/svc/north/api/1/tasks");
	hit(&c, "/svc/south", 1);
	assert_string_equal(hit(&c, "/svc/east", 1), "/svc/{svcId}");
	assert_string_equal(hit(&c, "/svc/west/api/1/tasks", 2), "/svc/{svcId}/api/1/tasks");
	assert_int_equal(ep_at(&c, "/svc/{svcId}/api/1/tasks", AR_API_GET)->calls, 2);
	tmpl_encode(c.t, &w);
	assert_false(w.oom);
	t = tmpl_decode(&hooks, NULL, 1000, w.p, w.len);
	assert_non_null(t);
	assert_non_null(tmpl_find(t, "/svc/{svcId}/api/1/tasks"));
	tmpl_free(t);
	wbuf_free(&w);
	cat_free(&c);
}

/*
 * A value remembers 8 sub-paths: the ninth is not remembered, and the value
 * is counted in values_capped once however often it is called.
 */
static void
test_sub_paths_beyond_the_cap_counted_once_per_value(void **state)
{
	static const char *const sub[] = { "search", "login",   "logout",   "export",  "profile",
					   "health", "metrics", "settings", "history", "status" };
	struct cat c;
	char path[64];

	(void)state;
	cat_init(&c, 1000);
	hit(&c, "/o/5/north", 1);
	hit(&c, "/o/5/south", 1);
	hit(&c, "/o/5/east", 1);
	hit(&c, "/o/5/west", 1);
	hit(&c, "/o/5/upper", 1);
	assert_string_equal(hit(&c, "/o/5/lower", 1), "/o/{oId}/{oId2}");
	/* north: its own endpoint and 9 sub-paths under the parameter, twice */
	for (unsigned k = 0; k < 2; k++) {
		for (unsigned i = 0; i < 10; i++) {
			snprintf(path, sizeof(path), "/o/6/north/%s", sub[i]);
			hit(&c, path, 1 + k);
		}
	}
	assert_int_equal(tmpl_stats(c.t)->merges, 1);
	assert_int_equal(tmpl_stats(c.t)->values_capped, 1);
	cat_free(&c);
}

/*
 * Owners are ids that lead on to the same place, their repositories: a
 * busy owner among rare ones is not promoted, and owners that all come
 * back often do not undo the merge.
 */
static void
test_busy_ids_leading_on_alike_stay_merged(void **state)
{
	static const char *const owner[] = { "north", "south", "east",  "west",
					     "upper", "lower", "inner", "outer" };
	static const char *const repo[] = { "alpha", "beta", "gamma", "delta" };
	struct cat c;
	char path[64];

	(void)state;
	cat_init(&c, 1000);
	for (unsigned i = 0; i < 8; i++) {
		snprintf(path, sizeof(path), "/repos/%s/%s/issues", owner[i], repo[i % 4]);
		hit(&c, path, 1);
	}
	assert_string_equal(c.last, "/repos/{repoId}/{repoId2}/issues");
	assert_int_equal(tmpl_stats(c.t)->merges, 2);
	/* north, busy from four clients, beside rare owners */
	for (unsigned k = 0; k < 8; k++) {
		snprintf(path, sizeof(path), "/repos/north/%s/issues", repo[k % 4]);
		assert_string_equal(hit(&c, path, 1 + k % 4), "/repos/{repoId}/{repoId2}/issues");
	}
	assert_int_equal(tmpl_stats(c.t)->promotions, 0);
	/* every owner busy */
	for (unsigned k = 0; k < 4; k++) {
		for (unsigned i = 1; i < 8; i++) {
			snprintf(path, sizeof(path), "/repos/%s/%s/issues", owner[i], repo[k]);
			assert_string_equal(hit(&c, path, 1 + k),
					    "/repos/{repoId}/{repoId2}/issues");
		}
	}
	assert_int_equal(tmpl_stats(c.t)->splits, 0);
	assert_int_equal(ep_at(&c, "/repos/{repoId}/{repoId2}/issues", AR_API_GET)->calls,
			 8 + 8 + 4 * 7);
	cat_free(&c);
}

/*
 * At an API's base (/, /v1, /api/v2) words are collections far more often
 * than ids: 48 rare ones merge there, 3 elsewhere.
 */
static void
test_api_base_needs_more_evidence(void **state)
{
	static const char *const top[] = { "matches",    "leagues", "tournaments",
					   "videogames", "lives",   "incidents" };
	struct cat c;
	char path[64], want[64];

	(void)state;
	cat_init(&c, 1000);
	for (unsigned i = 0; i < 6; i++) {
		snprintf(path, sizeof(path), "/%s", top[i]);
		assert_string_equal(hit(&c, path, 1), path);
		snprintf(path, sizeof(path), "/v1/%s", top[i]);
		assert_string_equal(hit(&c, path, 1), path);
	}
	/* 32 values tracked, 16 more counted as untracked rare ones */
	for (unsigned i = 0; i < 48; i++) {
		snprintf(path, sizeof(path), "/api/v2/user%c%c/feeds", 'a' + i / 26, 'a' + i % 26);
		snprintf(want, sizeof(want), "/api/v2/user%c%c/feeds", 'a' + i / 26, 'a' + i % 26);
		assert_string_equal(hit(&c, path, 1), i < 47 ? want : "/api/v2/{id}/feeds");
	}
	assert_int_equal(tmpl_stats(c.t)->merges, 1);
	assert_int_equal(tmpl_stats(c.t)->values_capped, 16);
	/* below the base, three do */
	assert_string_equal(hit(&c, "/leagues/north/series", 1), "/leagues/north/series");
	assert_string_equal(hit(&c, "/leagues/south/series", 1), "/leagues/south/series");
	assert_string_equal(hit(&c, "/leagues/east/series", 1), "/leagues/{leagueId}/series");
	assert_int_equal(tmpl_stats(c.t)->merges, 2);
	cat_free(&c);
}

/*
 * Ids with a typed prefix, most of which classify as ids (se-4b-f-p9) and
 * some as words (se-h-zr): the words that share the ids' prefix are ids,
 * those seen before the first id as well as those after.
 */
static void
test_words_sharing_the_ids_prefix_are_ids(void **state)
{
	struct cat c;

	(void)state;
	cat_init(&c, 1000);
	assert_string_equal(hit(&c, "/manifests/se-h-zr", 1), "/manifests/se-h-zr");
	assert_string_equal(hit(&c, "/manifests/se-h-zr/labels", 1), "/manifests/se-h-zr/labels");
	assert_string_equal(hit(&c, "/manifests/summary", 1), "/manifests/summary");
	assert_string_equal(hit(&c, "/manifests/se-48b-f7p", 1), "/manifests/{manifestId}");
	assert_int_equal(tmpl_stats(c.t)->merges, 1);
	assert_string_equal(hit(&c, "/manifests/se-jedn-npt/labels", 2),
			    "/manifests/{manifestId}/labels");
	assert_int_equal(ep_at(&c, "/manifests/{manifestId}", AR_API_GET)->calls, 2);
	assert_int_equal(ep_at(&c, "/manifests/{manifestId}/labels", AR_API_GET)->calls, 2);
	/* another prefix, and words without one, stay literal */
	assert_string_equal(hit(&c, "/manifests/ab-cd", 1), "/manifests/ab-cd");
	assert_string_equal(hit(&c, "/manifests/summary", 1), "/manifests/summary");
	cat_free(&c);
}

static void
test_overflowed_table_never_undoes_its_merge(void **state)
{
	struct cat c;
	char path[64];

	(void)state;
	cat_init(&c, 1000);
	/* 34 words: merged at the third; the last 2 take the places of the first 2 */
	for (unsigned i = 0; i < 34; i++) {
		snprintf(path, sizeof(path), "/o/w%c%c", 'a' + i / 26, 'a' + i % 26);
		assert_string_equal(hit(&c, path, 1), i < 2 ? path : "/o/{oId}");
	}
	assert_int_equal(tmpl_stats(c.t)->values_capped, 2);
	/* every word from 3 clients: all tracked values are popular */
	for (unsigned cl = 2; cl <= 4; cl++) {
		for (unsigned i = 0; i < 34; i++) {
			snprintf(path, sizeof(path), "/o/w%c%c", 'a' + i / 26, 'a' + i % 26);
			assert_string_equal(hit(&c, path, cl), "/o/{oId}");
		}
	}
	assert_int_equal(tmpl_stats(c.t)->splits, 0);
	/*
	 * 34 words in turn through 32 places: each evicts the next one due,
	 * so every later hit is a new value again (counted), and none is
	 * popular enough to be promoted.
	 */
	assert_int_equal(tmpl_stats(c.t)->values_capped, 2 + 3 * 34);
	assert_int_equal(tmpl_stats(c.t)->promotions, 0);
	assert_int_equal(ep_at(&c, "/o/{oId}", AR_API_GET)->calls, 4 * 34);
	cat_free(&c);
}

static void
test_parameter_names_unique_and_from_the_literal_before(void **state)
{
	struct cat c;
	struct tmpl_param p[4];
	struct wbuf w = { 0 };
	struct tmpl *t;
	struct tnode *n;

	(void)state;
	cat_init(&c, 1000);
	assert_string_equal(hit(&c, "/a/1/2", 1), "/a/{aId}/{aId2}");
	assert_string_equal(hit(&c, "/a/1/2/3", 1), "/a/{aId}/{aId2}/{aId3}");
	assert_string_equal(hit(&c, "/100/2", 1), "/{id}/{id2}");
	/* a bare number at the root or after /api is a version, after one an id */
	assert_string_equal(hit(&c, "/1/boards/5", 1), "/1/boards/{boardId}");
	assert_string_equal(hit(&c, "/rest/api/2/issue/7", 1), "/rest/api/2/issue/{issueId}");
	assert_string_equal(hit(&c, "/v2/12", 1), "/v2/{id}");
	assert_string_equal(hit(&c, "/2.0/repositories", 1), "/2.0/repositories");
	assert_string_equal(hit(&c, "/api/1.0/tasks/5", 1), "/api/1.0/tasks/{taskId}");
	assert_string_equal(hit(&c, "/me/likes/20.4", 1), "/me/likes/{likeId}");
	assert_string_equal(hit(&c, "/categories/7/items/x9y8z7", 1),
			    "/categories/{categoryId}/items/{itemId}");
	assert_string_equal(hit(&c, "/api-keys/5", 1), "/api-keys/{apiKeyId}");
	assert_string_equal(hit(&c, "/v1/42", 1), "/v1/{id}");
	assert_string_equal(hit(&c, "/addresses/3", 1), "/addresses/{addressId}");
	assert_string_equal(hit(&c, "/statuses/4", 1), "/statuses/{statusId}");
	assert_string_equal(hit(&c, "/status/4", 1), "/status/{statusId}");
	assert_string_equal(hit(&c, "/branches/4", 1), "/branches/{branchId}");
	assert_string_equal(hit(&c, "/Users/4", 1), "/Users/{userId}");
	n = hit_leaf(&c, AR_API_GET, "/a/1/2/3", 1);
	assert_int_equal(tnode_params(n, p, 4), 3);
	assert_string_equal(p[0].name, "aId");
	assert_string_equal(p[1].name, "aId2");
	assert_string_equal(p[2].name, "aId3");
	/* the saved tree keeps the version numbers as literals */
	tmpl_encode(c.t, &w);
	assert_false(w.oom);
	t = tmpl_decode(&hooks, NULL, 1000, w.p, w.len);
	assert_non_null(t);
	assert_non_null(tmpl_find(t, "/1/boards/{boardId}"));
	assert_non_null(tmpl_find(t, "/rest/api/2/issue/{issueId}"));
	assert_non_null(tmpl_find(t, "/api/1.0/tasks/{taskId}"));
	tmpl_free(t);
	wbuf_free(&w);
	cat_free(&c);
}

static void
test_segments_split_decoded_and_found(void **state)
{
	struct cat c;
	char longseg[400];
	struct tnode *n, *root;
	struct tmpl_param p[2];

	(void)state;
	cat_init(&c, 1000);
	root = tmpl_route(c.t, "/", 1, AR_API_GET, 1, 0);
	assert_non_null(root);
	assert_ptr_equal(tmpl_route(c.t, "", 0, AR_API_GET, 1, 0), root);
	assert_ptr_equal(tmpl_route(c.t, "///", 3, AR_API_GET, 1, 0), root);
	assert_ptr_equal(tmpl_find(c.t, "/"), root);
	assert_string_equal(hit(&c, "/", 1), "/");
	assert_string_equal(hit(&c, "//users///42/", 1), "/users/{userId}");
	assert_string_equal(hit(&c, "/users/%61lice", 1), "/users/alice");
	assert_ptr_equal(tmpl_find(c.t, "/users/alice"),
			 tmpl_route(c.t, "/users/alice", 12, AR_API_GET, 1, 0));
	assert_string_equal(hit(&c, "/a/./../b", 1), "/a/./../b");
	n = hit_leaf(&c, AR_API_GET, "/files/a%20b", 1);
	assert_string_equal(c.last, "/files/{fileId}");
	assert_int_equal(tnode_params(n, p, 2), 1);
	assert_int_equal(p[0].seg_mask, 1u << AR_SEG_TEXT);
	assert_string_equal(hit(&c, "/files/%zz", 1), "/files/{fileId}");
	assert_string_equal(hit(&c, "/files/a%2Fb", 1), "/files/{fileId}");
	memset(longseg, 'a', sizeof(longseg));
	memcpy(longseg, "/files/", 7);
	longseg[sizeof(longseg) - 1] = '\0';
	assert_string_equal(hit(&c, longseg, 1), "/files/{fileId}");
	assert_ptr_equal(tmpl_find(c.t, "/files/{whatever}"), n);
	assert_ptr_equal(tmpl_find(c.t, "files/{fileId}/"), n);
	assert_null(tmpl_find(c.t, "/files/{fileId}/x"));
	assert_null(tmpl_find(c.t, "/nope"));
	assert_null(tmpl_find(c.t, "/{id}"));
	cat_free(&c);
}

static void
test_template_cut_to_the_buffer(void **state)
{
	struct cat c;
	struct tnode *n;
	char buf[8];

	(void)state;
	cat_init(&c, 1000);
	n = tmpl_route(c.t, "/users/42/orders", 16, AR_API_GET, 1, 0);
	assert_int_equal(tnode_template(n, buf, sizeof(buf)), 7);
	assert_string_equal(buf, "/users/");
	assert_int_equal(tnode_template(n, buf, 1), 0);
	assert_string_equal(buf, "");
	assert_int_equal(tnode_template(n, buf, 0), 0);
	assert_null(tnode_endpoint(n, AR_API_METHOD_MAX));
	cat_free(&c);
}

static void
test_caps_count(void **state)
{
	struct cat c;
	char path[512];
	size_t o = 0;

	(void)state;
	/* nodes: root, users, {userId}, orders, items */
	cat_init(&c, 5);
	assert_string_equal(hit(&c, "/users/1", 1), "/users/{userId}");
	assert_string_equal(hit(&c, "/orders", 1), "/orders");
	assert_string_equal(hit(&c, "/items", 1), "/items");
	assert_null(hit_leaf(&c, AR_API_GET, "/products", 1));
	assert_null(hit_leaf(&c, AR_API_GET, "/users/1/x", 1));
	assert_int_equal(tmpl_stats(c.t)->nodes_capped, 2);
	assert_string_equal(hit(&c, "/users/2", 1), "/users/{userId}");
	assert_int_equal(tmpl_stats(c.t)->nodes, 5);
	cat_free(&c);

	/* a merge needs its parameter node: refused, and the new word too */
	cat_init(&c, 4);
	hit(&c, "/users/alice", 1);
	hit(&c, "/users/bob", 1);
	assert_null(hit_leaf(&c, AR_API_GET, "/users/carol", 1));
	assert_int_equal(tmpl_stats(c.t)->nodes_capped, 2);
	assert_int_equal(tmpl_stats(c.t)->merges, 0);
	assert_string_equal(hit(&c, "/users/bob", 1), "/users/bob");
	cat_free(&c);

	/* depth: 32 segments route, 33 are refused */
	cat_init(&c, 1000);
	for (unsigned i = 0; i < 32; i++)
		o += (size_t)snprintf(path + o, sizeof(path) - o, "/s");
	assert_non_null(hit_leaf(&c, AR_API_GET, path, 1));
	snprintf(path + o, sizeof(path) - o, "/s");
	assert_null(hit_leaf(&c, AR_API_GET, path, 1));
	assert_int_equal(tmpl_stats(c.t)->nodes_capped, 1);
	assert_int_equal(tmpl_stats(c.t)->nodes, 33);
	cat_free(&c);

	/* values: 32 tracked per node; a 33rd word is counted once */
	cat_init(&c, 1000);
	for (unsigned i = 0; i < 33; i++) {
		for (unsigned k = 0; k < 3; k++) {
			snprintf(path, sizeof(path), "/vals/w%c%c", 'a' + i / 26, 'a' + i % 26);
			assert_string_equal(hit(&c, path, k), path);
		}
	}
	assert_int_equal(tmpl_stats(c.t)->values_capped, 1);
	assert_int_equal(tmpl_stats(c.t)->merges, 0);
	snprintf(path, sizeof(path), "/vals/wbh");
	assert_string_equal(hit(&c, path, 1), path);
	assert_int_equal(tmpl_stats(c.t)->values_capped, 2);
	cat_free(&c);

	assert_null(tmpl_create(&hooks, NULL, 0));
	assert_int_equal(errno, EINVAL);
}

/* ------------------------------------------------------------------ */
/* Persistence                                                         */
/* ------------------------------------------------------------------ */

/* Leaves values half-way to decisions: 2 repos, 2 svc words, 2 x words. */
static const char *const mixed_traffic[] = {
	"/api/v1/users/1",
	"/api/v1/users/me",
	"/users/alice",
	"/users/bob/orders",
	"/users/carol",
	"/repos/octocat/hello-world/issues",
	"/repos/torvalds/linux/pulls",
	"/api/svc/widgets",
	"/api/svc/gadgets",
	"/files/a%20b",
	"/a/1/2",
	"/api/x/y/z",
	"/api/x/w",
};

static const char *const later_traffic[] = {
	"/repos/rails/rails/issues/12",
	"/api/svc/sprockets",
	"/users/dave",
	"/api/x/v",
	"/api/v1/orders/7",
	"/api/svc/widgets",
	"/api/svc/gadgets",
	"/api/svc/sprockets",
	"/api/svc/gizmos",
};

static void
build_mixed(struct cat *c)
{
	for (unsigned i = 0; i < sizeof(mixed_traffic) / sizeof(mixed_traffic[0]); i++)
		hit(c, mixed_traffic[i], i % 3);
}

static void
check_same_template(void *user, struct tnode *n, unsigned method, void *ep)
{
	struct tmpl *other = user;
	struct ep *e = ep;
	char buf[TPL_MAX];
	struct tnode *m = tmpl_find(other, e->tmpl);
	struct tmpl_param a[8], b[8];
	unsigned na, nb;

	(void)method;
	assert_non_null(m);
	tnode_template(m, buf, sizeof(buf));
	assert_string_equal(buf, e->tmpl);
	na = tnode_params(n, a, 8);
	nb = tnode_params(m, b, 8);
	assert_int_equal(na, nb);
	for (unsigned i = 0; i < na; i++) {
		assert_string_equal(a[i].name, b[i].name);
		assert_int_equal(a[i].seg_mask, b[i].seg_mask);
		assert_int_equal(a[i].from_words, b[i].from_words);
	}
}

static void
test_encode_decode_round_trip_same_templates_and_decisions(void **state)
{
	struct cat a, b;
	struct wbuf w1 = { 0 }, w2 = { 0 }, w3 = { 0 }, w4 = { 0 };
	char ta[TPL_MAX];

	(void)state;
	cat_init(&a, 1000);
	build_mixed(&a);
	assert_int_equal(tmpl_stats(a.t)->merges, 1); /* the users */
	tmpl_encode(a.t, &w1);
	assert_false(w1.oom);

	memset(&b, 0, sizeof(b));
	b.t = tmpl_decode(&hooks, &b, 1000, w1.p, w1.len);
	assert_non_null(b.t);
	assert_int_equal(tmpl_stats(b.t)->nodes, tmpl_stats(a.t)->nodes);
	tmpl_foreach(a.t, check_same_template, b.t);
	tmpl_foreach(a.t, adopt_ep, &b);
	tmpl_encode(b.t, &w2);
	assert_int_equal(w2.len, w1.len);
	assert_memory_equal(w2.p, w1.p, w1.len);

	/* the same later traffic takes the same decisions in both */
	for (unsigned i = 0; i < sizeof(later_traffic) / sizeof(later_traffic[0]); i++) {
		hit(&a, later_traffic[i], 7 + i % 2);
		memcpy(ta, a.last, sizeof(ta));
		hit(&b, later_traffic[i], 7 + i % 2);
		assert_string_equal(b.last, ta);
	}
	assert_string_equal(a.last, "/api/svc/{svcId}");
	assert_string_equal(hit(&a, "/api/x/t", 1), "/api/x/{xId}");
	assert_string_equal(hit(&b, "/api/x/t", 1), "/api/x/{xId}");
	assert_string_equal(hit(&b, "/repos/octocat/hello-world/issues", 1),
			    "/repos/{repoId}/{repoId2}/issues");
	assert_int_equal(tmpl_stats(a.t)->merges, 5); /* + repos, repos/{repoId}, svc, x */
	assert_int_equal(tmpl_stats(b.t)->merges, 4);
	hit(&a, "/repos/octocat/hello-world/issues", 1);
	tmpl_encode(a.t, &w3);
	tmpl_encode(b.t, &w4);
	assert_int_equal(w3.len, w4.len);
	assert_memory_equal(w3.p, w4.p, w3.len);
	wbuf_free(&w1);
	wbuf_free(&w2);
	wbuf_free(&w3);
	wbuf_free(&w4);
	cat_free(&a);
	cat_free(&b);
}

/* State saved before sub-paths were (version 1) still loads, and is saved as version 2. */
static void
test_decode_reads_version_1(void **state)
{
	/* the root alone, with one word value "zed" of 1 hit and no client */
	uint8_t v1[] = { 'T', 1, 1, 0, 0, 0, 1, 3, 'z', 'e', 'd', 1, 0, 0 };
	static const uint8_t v2[] = { 'T', 2, 1, 0, 0, 0, 1, 3, 'z', 'e', 'd', 1, 0, 0, 0 };
	struct wbuf w = { 0 };
	struct tmpl *t;

	(void)state;
	t = tmpl_decode(&hooks, NULL, 1000, v1, sizeof(v1));
	assert_non_null(t);
	tmpl_encode(t, &w);
	assert_int_equal(w.len, sizeof(v2));
	assert_memory_equal(w.p, v2, sizeof(v2));
	tmpl_free(t);
	/* version 2 has a count of sub-paths per value */
	v1[1] = 2;
	assert_null(tmpl_decode(&hooks, NULL, 1000, v1, sizeof(v1)));
	wbuf_free(&w);
}

static void
test_decode_refuses_bad_bytes_and_respects_max_nodes(void **state)
{
	struct cat a;
	struct wbuf w = { 0 };
	struct tmpl *t;
	unsigned ok = 0;

	(void)state;
	cat_init(&a, 1000);
	build_mixed(&a);
	tmpl_encode(a.t, &w);

	/* every cut is refused */
	for (size_t n = 0; n < w.len; n++) {
		t = tmpl_decode(&hooks, NULL, 1000, w.p, n);
		assert_null(t);
		assert_int_equal(errno, EINVAL);
	}
	/* fewer nodes allowed than stored */
	errno = 0;
	assert_null(tmpl_decode(&hooks, NULL, (uint32_t)tmpl_stats(a.t)->nodes - 1, w.p, w.len));
	assert_int_equal(errno, E2BIG);
	t = tmpl_decode(&hooks, NULL, (uint32_t)tmpl_stats(a.t)->nodes, w.p, w.len);
	assert_non_null(t);
	tmpl_free(t);
	/* trailing bytes, a bad version */
	w.p[w.len] = 0;
	assert_null(tmpl_decode(&hooks, NULL, 1000, w.p, w.len + 1));
	w.p[1] = 3;
	assert_null(tmpl_decode(&hooks, NULL, 1000, w.p, w.len));
	w.p[1] = 0;
	assert_null(tmpl_decode(&hooks, NULL, 1000, w.p, w.len));
	w.p[1] = 2;
	/* any single flipped byte decodes to a tree or to nothing, never worse */
	for (size_t i = 0; i < w.len; i++) {
		for (unsigned bit = 0; bit < 8; bit++) {
			w.p[i] ^= (uint8_t)(1u << bit);
			t = tmpl_decode(&hooks, NULL, 1000, w.p, w.len);
			if (t != NULL) {
				ok++;
				tmpl_route(t, "/users/zed/x", 12, AR_API_GET, 1, 0);
				tmpl_free(t);
			}
			w.p[i] ^= (uint8_t)(1u << bit);
		}
	}
	assert_true(ok > 0);
	wbuf_free(&w);
	cat_free(&a);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ints_and_uuids_share_one_parameter_at_once),
		cmocka_unit_test(test_me_stays_literal_beside_many_ints),
		cmocka_unit_test(test_twenty_plain_usernames_become_a_parameter),
		cmocka_unit_test(test_api_resources_hit_repeatedly_stay_literal),
		cmocka_unit_test(test_github_nested_plain_ids_merge_at_both_levels),
		cmocka_unit_test(test_merge_moves_endpoints_through_the_hooks),
		cmocka_unit_test(test_merge_undone_when_many_clients_see_each_value),
		cmocka_unit_test(test_rare_words_must_be_half_of_the_values),
		cmocka_unit_test(test_merge_undone_when_values_are_hit_often),
		cmocka_unit_test(test_merge_of_three_undone_by_the_same_three),
		cmocka_unit_test(test_words_under_an_id_need_six),
		cmocka_unit_test(test_popular_literal_promoted_beside_rare_ids),
		cmocka_unit_test(test_undone_merge_gives_values_their_sub_paths),
		cmocka_unit_test(test_busy_ids_leading_on_alike_stay_merged),
		cmocka_unit_test(test_sub_paths_beyond_the_cap_counted_once_per_value),
		cmocka_unit_test(test_version_literal_moved_by_a_merge),
		cmocka_unit_test(test_decode_reads_version_1),
		cmocka_unit_test(test_api_base_needs_more_evidence),
		cmocka_unit_test(test_words_sharing_the_ids_prefix_are_ids),
		cmocka_unit_test(test_overflowed_table_never_undoes_its_merge),
		cmocka_unit_test(test_parameter_names_unique_and_from_the_literal_before),
		cmocka_unit_test(test_segments_split_decoded_and_found),
		cmocka_unit_test(test_template_cut_to_the_buffer),
		cmocka_unit_test(test_caps_count),
		cmocka_unit_test(test_encode_decode_round_trip_same_templates_and_decisions),
		cmocka_unit_test(test_decode_refuses_bad_bytes_and_respects_max_nodes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
