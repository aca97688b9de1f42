/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/store unit tests, each in its own directory under /tmp. Beside the
 * plain reads and writes, a child process commits batches in a loop and is
 * killed at a random moment, twenty times over one store: every reopen must
 * succeed, every batch must be all there or absent, the batches there must
 * be the first ones in order, and every commit the child saw succeed must
 * be there.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* cmocka needs the headers above first */
// clang-format off
#include <cmocka.h>
// clang-format on

#include <ar_store.h>

/* ---- helpers -------------------------------------------------------- */

static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static int
setup_dir(void **state)
{
	char *dir = strdup("/tmp/ar_store_XXXXXX");

	if (dir == NULL || mkdtemp(dir) == NULL)
		return -1;
	*state = dir;
	return 0;
}

static int
teardown_dir(void **state)
{
	char *dir = *state;

	nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	free(dir);
	return 0;
}

/* "@dir/@sub" in a static buffer. */
static const char *
sub(const char *dir, const char *name)
{
	static char path[4][512];
	static unsigned k;
	char *p = path[k++ % 4];
	int n = snprintf(p, sizeof(path[0]), "%s/%s", dir, name);

	assert_true(n > 0 && (size_t)n < sizeof(path[0]));
	return p;
}

static struct ar_store *
open_fams(const char *dir, const char *const *fams, unsigned n)
{
	struct ar_store_params p = { .dir = dir, .families = fams, .n_families = n };
	char err[256];
	struct ar_store *s = ar_store_open(&p, err, sizeof(err));

	if (s == NULL)
		fail_msg("open %s: %s", dir, err);
	assert_string_equal(err, "");
	return s;
}

static void
put_str(struct ar_store_batch *b, unsigned fam, const char *k, const char *v)
{
	assert_int_equal(ar_store_batch_put(b, fam, k, strlen(k), v, strlen(v)), 0);
}

static void
del_str(struct ar_store_batch *b, unsigned fam, const char *k)
{
	assert_int_equal(ar_store_batch_del(b, fam, k, strlen(k)), 0);
}

/* The value of @k as a string ("<absent>" if it is not there). */
static const char *
get_str(struct ar_store *s, unsigned fam, const char *k)
{
	static char buf[256];
	size_t n = 0;
	int rc = ar_store_get(s, fam, k, strlen(k), buf, sizeof(buf) - 1, &n);

	if (rc == -ENOENT)
		return "<absent>";
	assert_int_equal(rc, 0);
	assert_true(n < sizeof(buf));
	buf[n] = '\0';
	return buf;
}

/* Scans into "k=v;k=v;" for exact comparison. */
struct listing {
	char text[1024];
	size_t len;
	unsigned stop_after; /* 0: never stop */
	unsigned seen;
};

static int
list_cb(void *user, const void *k, size_t kl, const void *v, size_t vl)
{
	struct listing *l = user;
	int n = snprintf(l->text + l->len, sizeof(l->text) - l->len, "%.*s=%.*s;", (int)kl,
			 (const char *)k, (int)vl, (const char *)v);

	assert_true(n > 0 && (size_t)n < sizeof(l->text) - l->len);
	l->len += (size_t)n;
	l->seen++;
	return l->stop_after != 0 && l->seen == l->stop_after ? 7 : 0;
}

static const char *
scan_str(struct ar_store *s, unsigned fam, const char *prefix, int want_rc)
{
	static struct listing l;

	memset(&l, 0, sizeof(l));
	assert_int_equal(ar_store_scan(s, fam, prefix, strlen(prefix), list_cb, &l), want_rc);
	return l.text;
}

static unsigned
count_files(const char *dir, const char *prefix, const char *suffix, uint64_t *bytes)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	unsigned n = 0;

	assert_non_null(d);
	if (bytes != NULL)
		*bytes = 0;
	while ((e = readdir(d)) != NULL) {
		size_t l = strlen(e->d_name), sl = strlen(suffix);
		struct stat st;

		if (strncmp(e->d_name, prefix, strlen(prefix)) != 0 || l < sl ||
		    strcmp(e->d_name + l - sl, suffix) != 0)
			continue;
		n++;
		if (bytes != NULL && fstatat(dirfd(d), e->d_name, &st, 0) == 0)
			*bytes += (uint64_t)st.st_size;
	}
	closedir(d);
	return n;
}

static const char *const fams3[] = { "endpoints", "users", "meta" };
enum {
	F_EP,
	F_USERS,
	F_META
};

/* ---- reads and writes ----------------------------------------------- */

static void
test_put_get_delete_scan_by_prefix_in_families(void **state)
{
	const char *dir = sub(*state, "db");
	struct ar_store *s = open_fams(dir, fams3, 3);
	struct ar_store_batch *b = ar_store_batch_new(s);

	assert_non_null(b);
	put_str(b, F_EP, "api.example/GET /users", "e1");
	put_str(b, F_EP, "api.example/GET /users/{id}", "e2");
	put_str(b, F_EP, "api.examplf/GET /", "e3");
	put_str(b, F_EP, "api.exampl", "short");
	put_str(b, F_USERS, "api.example/u1", "alice");
	put_str(b, F_META, "version", "1");
	assert_int_equal(ar_store_batch_count(b), 6);
	assert_int_equal(ar_store_batch_bytes(b),
			 22 + 2 + 27 + 2 + 17 + 2 + 10 + 5 + 14 + 5 + 7 + 1);
	assert_int_equal(ar_store_commit(b, false), 0);

	/* Same key in another family is another key. */
	assert_string_equal(get_str(s, F_EP, "api.example/GET /users"), "e1");
	assert_string_equal(get_str(s, F_USERS, "api.example/GET /users"), "<absent>");
	assert_string_equal(get_str(s, F_USERS, "api.example/u1"), "alice");

	assert_string_equal(scan_str(s, F_EP, "api.example/", 0),
			    "api.example/GET /users=e1;api.example/GET /users/{id}=e2;");
	assert_string_equal(scan_str(s, F_EP, "", 0),
			    "api.exampl=short;api.example/GET /users=e1;"
			    "api.example/GET /users/{id}=e2;api.examplf/GET /=e3;");
	assert_string_equal(scan_str(s, F_EP, "zzz", 0), "");
	assert_string_equal(scan_str(s, F_USERS, "", 0), "api.example/u1=alice;");

	/* Overwrite, delete, and a delete of a key that was never there. */
	ar_store_batch_clear(b);
	assert_int_equal(ar_store_batch_count(b), 0);
	assert_int_equal(ar_store_batch_bytes(b), 0);
	put_str(b, F_EP, "api.example/GET /users", "e1b");
	del_str(b, F_EP, "api.example/GET /users/{id}");
	del_str(b, F_USERS, "nobody");
	assert_int_equal(ar_store_batch_count(b), 3);
	assert_int_equal(ar_store_batch_bytes(b), 22 + 3 + 27 + 6);
	assert_int_equal(ar_store_commit(b, true), 0);
	assert_string_equal(scan_str(s, F_EP, "api.example/", 0), "api.example/GET /users=e1b;");
	assert_string_equal(get_str(s, F_EP, "api.example/GET /users/{id}"), "<absent>");

	const struct ar_store_stats *st = ar_store_stats(s);
	assert_int_equal(st->batches, 2);
	assert_int_equal(st->keys, 9);
	assert_int_equal(st->bytes, 22 + 2 + 27 + 2 + 17 + 2 + 10 + 5 + 14 + 5 + 7 + 1 + 58);
	assert_int_equal(st->commit_errors, 0);
	assert_string_equal(ar_store_error(s), "");

	ar_store_batch_free(b);
	ar_store_close(s);
}

static void
test_scan_stops_when_the_callback_says(void **state)
{
	const char *dir = sub(*state, "db");
	struct ar_store *s = open_fams(dir, fams3, 3);
	struct ar_store_batch *b = ar_store_batch_new(s);
	struct listing l = { .stop_after = 2 };

	put_str(b, F_META, "a", "1");
	put_str(b, F_META, "b", "2");
	put_str(b, F_META, "c", "3");
	assert_int_equal(ar_store_commit(b, false), 0);
	assert_int_equal(ar_store_scan(s, F_META, NULL, 0, list_cb, &l), 7);
	assert_string_equal(l.text, "a=1;b=2;");
	ar_store_batch_free(b);
	ar_store_close(s);
}

static void
test_get_into_small_buffer_and_malloced_copy(void **state)
{
	const char *dir = sub(*state, "db");
	struct ar_store *s = open_fams(dir, fams3, 3);
	struct ar_store_batch *b = ar_store_batch_new(s);
	const uint8_t bin[5] = { 0, 1, 0, 0xff, 2 };
	uint8_t small[3] = { 9, 9, 9 };
	size_t n = 0;
	char *v;

	assert_int_equal(ar_store_batch_put(b, F_USERS, "bin", 3, bin, sizeof(bin)), 0);
	assert_int_equal(ar_store_batch_put(b, F_USERS, "empty", 5, "", 0), 0);
	assert_int_equal(ar_store_commit(b, false), 0);

	assert_int_equal(ar_store_get(s, F_USERS, "bin", 3, small, 2, &n), 0);
	assert_int_equal(n, 5);
	assert_int_equal(small[0], 0);
	assert_int_equal(small[1], 1);
	assert_int_equal(small[2], 9); /* not past @cap */

	v = ar_store_get_alloc(s, F_USERS, "bin", 3, &n);
	assert_non_null(v);
	assert_int_equal(n, 5);
	assert_memory_equal(v, bin, 5);
	assert_int_equal(v[5], '\0');
	free(v);

	v = ar_store_get_alloc(s, F_USERS, "empty", 5, &n);
	assert_non_null(v);
	assert_int_equal(n, 0);
	assert_int_equal(v[0], '\0');
	free(v);

	errno = 0;
	assert_null(ar_store_get_alloc(s, F_USERS, "none", 4, &n));
	assert_int_equal(errno, ENOENT);
	assert_int_equal(ar_store_get(s, F_USERS, "none", 4, small, 3, &n), -ENOENT);
	ar_store_batch_free(b);
	ar_store_close(s);
}

static void
test_bad_family_index_is_refused(void **state)
{
	const char *dir = sub(*state, "db");
	struct ar_store *s = open_fams(dir, fams3, 3);
	struct ar_store_batch *b = ar_store_batch_new(s);
	char buf[4];
	size_t n;

	assert_int_equal(ar_store_batch_put(b, 3, "k", 1, "v", 1), -EINVAL);
	assert_int_equal(ar_store_batch_del(b, 3, "k", 1), -EINVAL);
	assert_int_equal(ar_store_batch_count(b), 0);
	assert_int_equal(ar_store_get(s, 3, "k", 1, buf, sizeof(buf), &n), -EINVAL);
	assert_int_equal(ar_store_scan(s, 3, NULL, 0, list_cb, NULL), -EINVAL);
	errno = 0;
	assert_null(ar_store_get_alloc(s, 3, "k", 1, &n));
	assert_int_equal(errno, EINVAL);
	ar_store_batch_free(b);
	ar_store_close(s);
}

static void
test_reopen_keeps_data_and_maps_families_by_name(void **state)
{
	const char *dir = sub(*state, "a/b/c/db"); /* parents are created */
	static const char *const swapped[] = { "meta", "endpoints", "users" };
	struct ar_store *s = open_fams(dir, fams3, 3);
	struct ar_store_batch *b = ar_store_batch_new(s);

	put_str(b, F_EP, "k", "endpoint");
	put_str(b, F_META, "k", "meta");
	assert_int_equal(ar_store_commit(b, false), 0);
	ar_store_batch_free(b);
	ar_store_close(s);

	s = open_fams(dir, fams3, 3);
	assert_string_equal(get_str(s, F_EP, "k"), "endpoint");
	assert_string_equal(get_str(s, F_USERS, "k"), "<absent>");
	assert_string_equal(get_str(s, F_META, "k"), "meta");
	assert_int_equal(ar_store_stats(s)->batches, 0); /* counters are per open */
	ar_store_close(s);

	s = open_fams(dir, swapped, 3);
	assert_string_equal(get_str(s, 0, "k"), "meta");
	assert_string_equal(get_str(s, 1, "k"), "endpoint");
	assert_string_equal(get_str(s, 2, "k"), "<absent>");
	ar_store_close(s);
	ar_store_close(NULL);
}

static void
test_unknown_families_are_kept_and_ignored(void **state)
{
	const char *dir = sub(*state, "db");
	static const char *const more[] = { "endpoints", "users", "meta", "future" };
	static const char *const fewer[] = { "users" };
	struct ar_store *s = open_fams(dir, more, 4);
	struct ar_store_batch *b = ar_store_batch_new(s);

	put_str(b, 3, "f", "from a newer version");
	put_str(b, 1, "u", "1");
	assert_int_equal(ar_store_commit(b, false), 0);
	ar_store_batch_free(b);
	ar_store_close(s);

	/* An older reader knows only "users": the rest stays as it was. */
	s = open_fams(dir, fewer, 1);
	assert_string_equal(get_str(s, 0, "u"), "1");
	assert_string_equal(scan_str(s, 0, "", 0), "u=1;");
	b = ar_store_batch_new(s);
	assert_int_equal(ar_store_batch_put(b, 1, "x", 1, "y", 1), -EINVAL);
	put_str(b, 0, "u", "2");
	assert_int_equal(ar_store_commit(b, false), 0);
	ar_store_batch_free(b);
	ar_store_close(s);

	s = open_fams(dir, more, 4);
	assert_string_equal(get_str(s, 3, "f"), "from a newer version");
	assert_string_equal(get_str(s, 1, "u"), "2");
	ar_store_close(s);
}

static void
test_bad_directories_give_clear_errors(void **state)
{
	const char *dir = *state;
	const char *file = sub(dir, "plain-file");
	struct ar_store_params p = { .families = fams3, .n_families = 3 };
	char err[512], want[512];
	struct ar_store *s, *s2;
	FILE *f;

	f = fopen(file, "w");
	assert_non_null(f);
	fputs("not a store\n", f);
	fclose(f);

	/* A parent that is a file. */
	p.dir = sub(dir, "plain-file/db");
	errno = 0;
	assert_null(ar_store_open(&p, err, sizeof(err)));
	assert_int_equal(errno, ENOTDIR);
	snprintf(want, sizeof(want), "store %s: cannot create the directory: Not a directory",
		 p.dir);
	assert_string_equal(err, want);

	/* The directory itself is a file. */
	p.dir = file;
	assert_null(ar_store_open(&p, err, sizeof(err)));
	assert_int_equal(errno, ENOTDIR);
	snprintf(want, sizeof(want), "store %s: cannot create the directory: Not a directory",
		 p.dir);
	assert_string_equal(err, want);

	/* A damaged store: RocksDB's message, after our prefix. */
	p.dir = sub(dir, "damaged");
	assert_int_equal(mkdir(p.dir, 0700), 0);
	f = fopen(sub(p.dir, "CURRENT"), "w");
	assert_non_null(f);
	fputs("MANIFEST-000042\n", f);
	fclose(f);
	errno = 0;
	assert_null(ar_store_open(&p, err, sizeof(err)));
	assert_int_equal(errno, EIO);
	snprintf(want, sizeof(want), "store %s: ", p.dir);
	assert_memory_equal(err, want, strlen(want));
	assert_non_null(strstr(err, "MANIFEST-000042"));

	/* A store that another handle holds: the lock is RocksDB's. */
	p.dir = sub(dir, "db");
	s = ar_store_open(&p, err, sizeof(err));
	assert_non_null(s);
	s2 = ar_store_open(&p, err, sizeof(err));
	assert_null(s2);
	assert_int_equal(errno, EBUSY);
	snprintf(want, sizeof(want), "store %s: in use by another process (IO error: lock ", p.dir);
	assert_memory_equal(err, want, strlen(want));
	assert_non_null(strstr(err, "/LOCK"));
	ar_store_close(s);

	/* Bad parameters. */
	p.n_families = 0;
	assert_null(ar_store_open(&p, err, sizeof(err)));
	assert_int_equal(errno, EINVAL);
	snprintf(want, sizeof(want), "store %s: need 1 to 32 families, not 0", p.dir);
	assert_string_equal(err, want);
	static const char *const twice[] = { "a", "b", "a" };
	p.families = twice;
	p.n_families = 3;
	assert_null(ar_store_open(&p, err, sizeof(err)));
	snprintf(want, sizeof(want), "store %s: family `a` named twice", p.dir);
	assert_string_equal(err, want);
}

/*
 * Writes 4 MiB of zeros through a small memtable so table files are made;
 * lz4 must shrink them far below that, no compression cannot.
 */
static void
test_compression_is_what_it_says(void **state)
{
	const char *dir = sub(*state, "db");
	struct ar_store_params p = {
		.dir = dir, .families = fams3, .n_families = 3, .write_buffer = 256 << 10
	};
	static char zeros[16384];
	char err[256], key[16];
	struct ar_store *s = ar_store_open(&p, err, sizeof(err));
	struct ar_store_batch *b;
	uint64_t sst = 0;
	size_t n;

	assert_non_null(s);
	b = ar_store_batch_new(s);
	for (unsigned i = 0; i < 256; i++) {
		ar_store_batch_clear(b);
		snprintf(key, sizeof(key), "z%05u", i);
		assert_int_equal(ar_store_batch_put(b, F_EP, key, 6, zeros, sizeof(zeros)), 0);
		assert_int_equal(ar_store_commit(b, false), 0);
	}
	assert_int_equal(ar_store_stats(s)->bytes, 256 * (6 + sizeof(zeros)));
	const bool lz4 = strcmp(ar_store_compression(s), "lz4") == 0;
	if (!lz4)
		assert_string_equal(ar_store_compression(s), "none");
	ar_store_batch_free(b);
	ar_store_close(s);

	s = ar_store_open(&p, err, sizeof(err));
	assert_non_null(s);
	assert_true(count_files(dir, "", ".sst", &sst) > 0);
	if (lz4)
		assert_in_range(sst, 1, 1 << 20);
	else
		assert_true(sst > 4u << 20);
	assert_int_equal(ar_store_get(s, F_EP, "z00255", 6, NULL, 0, &n), 0);
	assert_int_equal(n, sizeof(zeros));
	ar_store_close(s);
}

/* ---- crash safety ------------------------------------------------------ */

static const char *const kill_fams[] = { "meta", "items", "blobs" };
enum {
	K_META,
	K_ITEMS,
	K_BLOBS
};

#define KILL_ROUNDS 20

static unsigned
items_of(uint32_t i)
{
	return 1 + i % 7;
}

static size_t
blob_len(uint32_t i)
{
	return 512 + (i * 37u) % 3000;
}

/* Batch @i: the next batch number, its items, a blob, and a moving marker. */
static void
build_batch(struct ar_store_batch *b, uint32_t i)
{
	static char blob[4096];
	char k[32], v[32];
	uint32_t next = i + 1;

	ar_store_batch_clear(b);
	ar_store_batch_put(b, K_META, "next", 4, &next, sizeof(next));
	for (unsigned j = 0; j < items_of(i); j++) {
		snprintf(k, sizeof(k), "b%08u/%u", i, j);
		snprintf(v, sizeof(v), "v%u.%u", i, j);
		ar_store_batch_put(b, K_ITEMS, k, strlen(k), v, strlen(v));
	}
	memset(blob, 'a' + (int)(i % 26), blob_len(i));
	snprintf(k, sizeof(k), "c%08u", i);
	ar_store_batch_put(b, K_BLOBS, k, strlen(k), blob, blob_len(i));
	if (i > 0) {
		snprintf(k, sizeof(k), "t%08u", i - 1);
		ar_store_batch_del(b, K_BLOBS, k, strlen(k));
	}
	snprintf(k, sizeof(k), "t%08u", i);
	ar_store_batch_put(b, K_BLOBS, k, strlen(k), "", 0);
}

/* The child: commits batches from where the store stands until killed. */
static void __attribute__((noreturn)) writer(const char *dir, volatile uint32_t *done)
{
	struct ar_store_params p = {
		.dir = dir, .families = kill_fams, .n_families = 3, .write_buffer = 128 << 10
	};
	struct ar_store *s = ar_store_open(&p, NULL, 0);
	struct ar_store_batch *b;
	uint32_t i = 0;
	size_t n;

	if (s == NULL)
		_exit(2);
	if (ar_store_get(s, K_META, "next", 4, &i, sizeof(i), &n) == -ENOENT)
		i = 0;
	b = ar_store_batch_new(s);
	for (;; i++) {
		build_batch(b, i);
		if (ar_store_commit(b, i % 16 == 0) != 0)
			_exit(3);
		__atomic_store_n(done, i + 1, __ATOMIC_SEQ_CST);
	}
}

struct check {
	uint32_t n;      /* batches in the store */
	uint32_t *items; /* [n]: items seen per batch */
	uint32_t blobs;
	uint32_t markers;
	uint32_t marker;
	bool bad;
};

static int
check_item(void *user, const void *k, size_t kl, const void *v, size_t vl)
{
	struct check *c = user;
	char key[32], want[32];
	unsigned i, j;

	snprintf(key, sizeof(key), "%.*s", (int)kl, (const char *)k);
	if (sscanf(key, "b%8u/%u", &i, &j) != 2 || i >= c->n || j >= items_of(i)) {
		print_error("item %s beyond batch %u\n", key, c->n);
		c->bad = true;
		return 1;
	}
	snprintf(want, sizeof(want), "v%u.%u", i, j);
	if (vl != strlen(want) || memcmp(v, want, vl) != 0)
		c->bad = true;
	c->items[i]++;
	return 0;
}

static int
check_blob(void *user, const void *k, size_t kl, const void *v, size_t vl)
{
	struct check *c = user;
	const uint8_t *p = v;
	char key[32];
	unsigned i;

	snprintf(key, sizeof(key), "%.*s", (int)kl, (const char *)k);
	if (sscanf(key, "t%8u", &i) == 1) {
		c->markers++;
		c->marker = i;
		return 0;
	}
	if (sscanf(key, "c%8u", &i) != 1 || i >= c->n || vl != blob_len(i)) {
		print_error("blob %s beyond batch %u or of the wrong size\n", key, c->n);
		c->bad = true;
		return 1;
	}
	for (size_t x = 0; x < vl; x++)
		if (p[x] != 'a' + i % 26) {
			c->bad = true;
			return 1;
		}
	c->blobs++;
	return 0;
}

/* Checks the whole store; returns how many batches it holds. */
static uint32_t
check_store(const char *dir)
{
	struct ar_store *s = open_fams(dir, kill_fams, 3);
	struct check c = { 0 };
	size_t n = 0;

	if (ar_store_get(s, K_META, "next", 4, &c.n, sizeof(c.n), &n) == 0)
		assert_int_equal(n, sizeof(c.n));
	c.items = calloc(c.n + 1, sizeof(*c.items));
	assert_non_null(c.items);
	assert_int_equal(ar_store_scan(s, K_ITEMS, "b", 1, check_item, &c), 0);
	assert_int_equal(ar_store_scan(s, K_BLOBS, NULL, 0, check_blob, &c), 0);
	assert_false(c.bad);
	for (uint32_t i = 0; i < c.n; i++)
		if (c.items[i] != items_of(i))
			fail_msg("batch %u of %u has %u items of %u", i, c.n, c.items[i],
				 items_of(i));
	assert_int_equal(c.blobs, c.n);
	if (c.n > 0) {
		assert_int_equal(c.markers, 1);
		assert_int_equal(c.marker, c.n - 1);
	} else {
		assert_int_equal(c.markers, 0);
	}
	free(c.items);
	ar_store_close(s);
	return c.n;
}

static void
test_killed_writer_leaves_whole_batches_in_order(void **state)
{
	const char *dir = sub(*state, "db");
	volatile uint32_t *done;
	unsigned seed = (unsigned)time(NULL) ^ (unsigned)getpid();
	uint32_t before = 0, in_writes = 0;

	done = mmap(NULL, sizeof(*done), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	assert_true(done != MAP_FAILED);
	print_message("kill test seed %u\n", seed);
	for (unsigned round = 0; round < KILL_ROUNDS; round++) {
		struct timespec ts = { 0, 0 };
		uint32_t committed, now;
		pid_t pid;
		int status;

		*done = 0;
		pid = fork();
		assert_true(pid >= 0);
		if (pid == 0)
			writer(dir, done);

		/*
		 * Half the rounds wait for the first commit and kill among the
		 * writes; the others kill at any time, recovery included.
		 */
		if (round % 2 == 0) {
			for (unsigned w = 0;
			     w < 5000 && __atomic_load_n(done, __ATOMIC_SEQ_CST) == 0; w++)
				usleep(1000);
			in_writes += __atomic_load_n(done, __ATOMIC_SEQ_CST) != 0;
		}
		ts.tv_nsec = (long)(rand_r(&seed) % 30000) * 1000;
		nanosleep(&ts, NULL);
		assert_int_equal(kill(pid, SIGKILL), 0);
		assert_int_equal(waitpid(pid, &status, 0), pid);
		assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);

		committed = __atomic_load_n(done, __ATOMIC_SEQ_CST);
		now = check_store(dir);
		/* What the child saw committed is there; nothing went back. */
		if (committed != 0 && now < committed)
			fail_msg("round %u: %u batches, the writer had committed %u", round, now,
				 committed);
		assert_true(now >= before);
		before = now;
	}
	/* The rounds that waited for commits did see some. */
	assert_int_equal(in_writes, KILL_ROUNDS / 2);
	assert_true(before >= KILL_ROUNDS / 2);
	/* The info log is kept short. */
	assert_in_range(count_files(dir, "LOG", "", NULL), 1, 2);
	munmap((void *)done, sizeof(*done));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_put_get_delete_scan_by_prefix_in_families,
						setup_dir, teardown_dir),
		cmocka_unit_test_setup_teardown(test_scan_stops_when_the_callback_says, setup_dir,
						teardown_dir),
		cmocka_unit_test_setup_teardown(test_get_into_small_buffer_and_malloced_copy,
						setup_dir, teardown_dir),
		cmocka_unit_test_setup_teardown(test_bad_family_index_is_refused, setup_dir,
						teardown_dir),
		cmocka_unit_test_setup_teardown(test_reopen_keeps_data_and_maps_families_by_name,
						setup_dir, teardown_dir),
		cmocka_unit_test_setup_teardown(test_unknown_families_are_kept_and_ignored,
						setup_dir, teardown_dir),
		cmocka_unit_test_setup_teardown(test_bad_directories_give_clear_errors, setup_dir,
						teardown_dir),
		cmocka_unit_test_setup_teardown(test_compression_is_what_it_says, setup_dir,
						teardown_dir),
		cmocka_unit_test_setup_teardown(test_killed_writer_leaves_whole_batches_in_order,
						setup_dir, teardown_dir),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
