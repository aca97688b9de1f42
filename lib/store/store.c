/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The store: RocksDB through its C API, with column families and write
 * batches, tuned for a small database written about once a second by one
 * thread.
 *
 * Durability. Every commit goes through the write-ahead log, which RocksDB
 * writes with write(2) before the commit returns (manual_wal_flush stays
 * off, so nothing waits in a buffer of this process). A killed process
 * therefore loses nothing it committed: the kernel holds the log and
 * RocksDB replays it on the next open. Only a power loss or a kernel crash
 * can lose commits made without `sync`. A log record is a whole batch, and
 * a torn record at the tail is dropped on recovery (point-in-time mode),
 * so a batch is all there or not at all, and reopening after a kill at any
 * moment succeeds.
 *
 * Options are modest: small memtables, few open files, a log total that
 * forces rarely written families to flush so old logs can go, and the
 * info log kept at warnings and two files so the directory does not fill
 * with LOG files.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <rocksdb/c.h>

#include "ar_store.h"

#define DEFAULT_WRITE_BUFFER (4u << 20)
#define ERR_LEN              512

/* RocksDB's info log levels (InfoLogLevel). */
enum {
	INFO_LOG_WARN = 2
};
/* WALRecoveryMode::kPointInTimeRecovery */
enum {
	WAL_POINT_IN_TIME = 2
};

struct ar_store {
	rocksdb_t *db;
	rocksdb_options_t *opts;
	rocksdb_writeoptions_t *wopts[2]; /* [sync] */
	rocksdb_readoptions_t *ropts;
	/* Handles of every family opened: the caller's first, then the others. */
	rocksdb_column_family_handle_t **cf;
	unsigned n_fam; /* the caller's */
	unsigned n_cf;  /* all opened */
	bool compressed;
	struct ar_store_stats stats;
	char *dir;
	char err[ERR_LEN];
};

struct ar_store_batch {
	struct ar_store *s;
	rocksdb_writebatch_t *wb;
	uint32_t count;
	uint64_t bytes;
};

static void __attribute__((format(printf, 4, 5)))
set_err(char *err, size_t errlen, const char *dir, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (err == NULL || errlen == 0)
		return;
	n = snprintf(err, errlen, "store %s: ", dir);
	if (n < 0 || (size_t)n >= errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err + n, errlen - (size_t)n, fmt, ap);
	va_end(ap);
}

/* Keeps RocksDB's message @msg as the store's last error and frees it. */
static void
keep_err(struct ar_store *s, char *msg)
{
	set_err(s->err, sizeof(s->err), s->dir, "%s", msg != NULL ? msg : "unknown error");
	rocksdb_free(msg);
}

/* mkdir -p: creates @path and its missing parents. 0 or -errno. */
static int
make_dirs(const char *path)
{
	size_t n = strlen(path);
	char *p = malloc(n + 1);
	struct stat st;
	int rc = 0;

	if (p == NULL)
		return -ENOMEM;
	memcpy(p, path, n + 1);
	for (size_t i = 1; i <= n; i++) {
		if (p[i] != '/' && p[i] != '\0')
			continue;
		p[i] = '\0';
		if (mkdir(p, 0750) != 0 && errno != EEXIST) {
			rc = -errno;
			goto out_free;
		}
		if (stat(p, &st) != 0) {
			rc = -errno;
			goto out_free;
		}
		if (!S_ISDIR(st.st_mode)) {
			rc = -ENOTDIR;
			goto out_free;
		}
		p[i] = path[i];
	}
out_free:
	free(p);
	return rc;
}

static rocksdb_options_t *
make_options(const struct ar_store_params *p, int compression)
{
	rocksdb_options_t *o = rocksdb_options_create();
	size_t wb = p->write_buffer != 0 ? p->write_buffer : DEFAULT_WRITE_BUFFER;

	rocksdb_options_set_create_if_missing(o, 1);
	rocksdb_options_set_create_missing_column_families(o, 1);
	rocksdb_options_set_write_buffer_size(o, wb);
	rocksdb_options_set_max_write_buffer_number(o, 2);
	rocksdb_options_set_db_write_buffer_size(o, 8 * wb);
	/* Rarely written families hold old logs until they flush: make them. */
	rocksdb_options_set_max_total_wal_size(o, 8 * (uint64_t)wb);
	/* Each commit reaches the kernel before it returns (see the top). */
	rocksdb_options_set_manual_wal_flush(o, 0);
	rocksdb_options_set_max_open_files(o, 64);
	rocksdb_options_set_max_background_jobs(o, 2);
	rocksdb_options_set_compression(o, compression);
	rocksdb_options_set_info_log_level(o, INFO_LOG_WARN);
	rocksdb_options_set_keep_log_file_num(o, 2);
	rocksdb_options_set_max_log_file_size(o, 1 << 20);
	rocksdb_options_set_wal_recovery_mode(o, WAL_POINT_IN_TIME);
	rocksdb_options_set_paranoid_checks(o, 1);
	return o;
}

/*
 * The families already in the store at @dir, or none when it is new.
 * Returns how many (in *@names, free with rocksdb_list_column_families_destroy).
 */
static int
list_families(const struct ar_store_params *p, rocksdb_options_t *o, char ***names, size_t *n,
	      char *err, size_t errlen)
{
	char *current, *rerr = NULL;
	size_t dl = strlen(p->dir);
	bool exists;

	*names = NULL;
	*n = 0;
	current = malloc(dl + sizeof("/CURRENT"));
	if (current == NULL) {
		set_err(err, errlen, p->dir, "out of memory");
		return -ENOMEM;
	}
	memcpy(current, p->dir, dl);
	memcpy(current + dl, "/CURRENT", sizeof("/CURRENT"));
	exists = access(current, F_OK) == 0;
	free(current);
	if (!exists)
		return 0;
	*names = rocksdb_list_column_families(o, p->dir, n, &rerr);
	if (rerr != NULL) {
		set_err(err, errlen, p->dir, "%s", rerr);
		rocksdb_free(rerr);
		/* An empty list is allocated even on failure. */
		if (*names != NULL)
			rocksdb_list_column_families_destroy(*names, *n);
		*names = NULL;
		*n = 0;
		return -EIO;
	}
	return 0;
}

static bool
params_ok(const struct ar_store_params *p, char *err, size_t errlen)
{
	if (p == NULL || p->dir == NULL || p->dir[0] == '\0') {
		set_err(err, errlen, p != NULL && p->dir != NULL ? p->dir : "?", "no directory");
		return false;
	}
	if (p->families == NULL || p->n_families == 0 || p->n_families > AR_STORE_MAX_FAMILIES) {
		set_err(err, errlen, p->dir, "need 1 to %u families, not %u", AR_STORE_MAX_FAMILIES,
			p->n_families);
		return false;
	}
	for (unsigned i = 0; i < p->n_families; i++) {
		if (p->families[i] == NULL || p->families[i][0] == '\0') {
			set_err(err, errlen, p->dir, "family %u has no name", i);
			return false;
		}
		for (unsigned j = 0; j < i; j++)
			if (strcmp(p->families[i], p->families[j]) == 0) {
				set_err(err, errlen, p->dir, "family `%s` named twice",
					p->families[i]);
				return false;
			}
	}
	return true;
}

/*
 * Opens with @compression. Fills s->db and s->cf; returns 0, -EIO with the
 * message in @err, or -EINVAL if the compression is not in the library.
 */
static int
open_db(struct ar_store *s, const struct ar_store_params *p, int compression, char *err,
	size_t errlen)
{
	const char **names = NULL;
	const rocksdb_options_t **copts = NULL;
	rocksdb_column_family_handle_t **h = NULL;
	char **old = NULL, *rerr = NULL;
	size_t n_old = 0, max;
	unsigned n = 0;
	bool has_default = false;
	int rc;

	s->opts = make_options(p, compression);
	rc = list_families(p, s->opts, &old, &n_old, err, errlen);
	if (rc < 0)
		goto out;

	/* The caller's families, "default" (RocksDB needs it open), then unknown ones. */
	max = p->n_families + 1 + n_old;
	names = calloc(max, sizeof(*names));
	copts = calloc(max, sizeof(*copts));
	h = calloc(max, sizeof(*h));
	if (names == NULL || copts == NULL || h == NULL) {
		set_err(err, errlen, p->dir, "out of memory");
		rc = -ENOMEM;
		goto out;
	}
	for (unsigned i = 0; i < p->n_families; i++) {
		names[n++] = p->families[i];
		has_default |= strcmp(p->families[i], "default") == 0;
	}
	if (!has_default)
		names[n++] = "default";
	for (size_t i = 0; i < n_old; i++) {
		bool known = false;

		for (unsigned j = 0; j < n && !known; j++)
			known = strcmp(old[i], names[j]) == 0;
		if (!known)
			names[n++] = old[i];
	}
	for (unsigned i = 0; i < n; i++)
		copts[i] = s->opts;

	s->db = rocksdb_open_column_families(s->opts, p->dir, (int)n, names, copts, h, &rerr);
	if (rerr != NULL) {
		/* Compression that the library lacks is refused at open: say so. */
		rc = strstr(rerr, "not linked") != NULL ? -EINVAL : -EIO;
		/* A store has one owner: a second daemon on it is the usual cause. */
		if (strstr(rerr, "/LOCK") != NULL) {
			rc = -EBUSY;
			set_err(err, errlen, p->dir, "in use by another process (%s)", rerr);
		} else {
			set_err(err, errlen, p->dir, "%s", rerr);
		}
		rocksdb_free(rerr);
		s->db = NULL;
		goto out;
	}
	s->cf = h;
	s->n_cf = n;
	h = NULL;
	rc = 0;
out:
	if (rc < 0) {
		rocksdb_options_destroy(s->opts);
		s->opts = NULL;
	}
	if (old != NULL)
		rocksdb_list_column_families_destroy(old, n_old);
	free(h);
	free(copts);
	free(names);
	return rc;
}

struct ar_store *
ar_store_open(const struct ar_store_params *p, char *err, size_t errlen)
{
	struct ar_store *s;
	int rc;

	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if (!params_ok(p, err, errlen)) {
		errno = EINVAL;
		return NULL;
	}
	s = calloc(1, sizeof(*s));
	if (s == NULL)
		goto out_nomem;
	s->dir = strdup(p->dir);
	if (s->dir == NULL)
		goto out_free_store;
	s->n_fam = p->n_families;

	rc = make_dirs(p->dir);
	if (rc < 0) {
		set_err(err, errlen, p->dir, "cannot create the directory: %s", strerror(-rc));
		goto out_free_dir;
	}
	s->compressed = true;
	rc = open_db(s, p, rocksdb_lz4_compression, err, errlen);
	if (rc == -EINVAL) {
		s->compressed = false;
		rc = open_db(s, p, rocksdb_no_compression, err, errlen);
	}
	if (rc < 0)
		goto out_free_dir;
	if (err != NULL && errlen > 0)
		err[0] = '\0'; /* a refused compression is no error */

	s->wopts[0] = rocksdb_writeoptions_create();
	s->wopts[1] = rocksdb_writeoptions_create();
	rocksdb_writeoptions_set_sync(s->wopts[1], 1);
	s->ropts = rocksdb_readoptions_create();
	return s;

out_free_dir:
	free(s->dir);
	free(s);
	errno = -rc;
	return NULL;
out_free_store:
	free(s);
out_nomem:
	set_err(err, errlen, p->dir, "out of memory");
	errno = ENOMEM;
	return NULL;
}

void
ar_store_close(struct ar_store *s)
{
	if (s == NULL)
		return;
	for (unsigned i = 0; i < s->n_cf; i++)
		rocksdb_column_family_handle_destroy(s->cf[i]);
	rocksdb_close(s->db);
	rocksdb_readoptions_destroy(s->ropts);
	rocksdb_writeoptions_destroy(s->wopts[0]);
	rocksdb_writeoptions_destroy(s->wopts[1]);
	rocksdb_options_destroy(s->opts);
	free(s->cf);
	free(s->dir);
	free(s);
}

const char *
ar_store_compression(const struct ar_store *s)
{
	return s->compressed ? "lz4" : "none";
}

const char *
ar_store_error(const struct ar_store *s)
{
	return s->err;
}

const struct ar_store_stats *
ar_store_stats(const struct ar_store *s)
{
	return &s->stats;
}

/* ---- batches -------------------------------------------------------- */

struct ar_store_batch *
ar_store_batch_new(struct ar_store *s)
{
	struct ar_store_batch *b = calloc(1, sizeof(*b));

	if (b == NULL) {
		errno = ENOMEM;
		return NULL;
	}
	b->s = s;
	b->wb = rocksdb_writebatch_create();
	return b;
}

void
ar_store_batch_free(struct ar_store_batch *b)
{
	if (b == NULL)
		return;
	rocksdb_writebatch_destroy(b->wb);
	free(b);
}

int
ar_store_batch_put(struct ar_store_batch *b, unsigned fam, const void *key, size_t klen,
		   const void *val, size_t vlen)
{
	if (fam >= b->s->n_fam)
		return -EINVAL;
	rocksdb_writebatch_put_cf(b->wb, b->s->cf[fam], key, klen, val, vlen);
	b->count++;
	b->bytes += klen + vlen;
	return 0;
}

int
ar_store_batch_del(struct ar_store_batch *b, unsigned fam, const void *key, size_t klen)
{
	if (fam >= b->s->n_fam)
		return -EINVAL;
	rocksdb_writebatch_delete_cf(b->wb, b->s->cf[fam], key, klen);
	b->count++;
	b->bytes += klen;
	return 0;
}

void
ar_store_batch_clear(struct ar_store_batch *b)
{
	rocksdb_writebatch_clear(b->wb);
	b->count = 0;
	b->bytes = 0;
}

uint32_t
ar_store_batch_count(const struct ar_store_batch *b)
{
	return b->count;
}

uint64_t
ar_store_batch_bytes(const struct ar_store_batch *b)
{
	return b->bytes;
}

int
ar_store_commit(struct ar_store_batch *b, bool sync)
{
	struct ar_store *s = b->s;
	char *rerr = NULL;

	rocksdb_write(s->db, s->wopts[sync], b->wb, &rerr);
	if (rerr != NULL) {
		keep_err(s, rerr);
		s->stats.commit_errors++;
		return -EIO;
	}
	s->stats.batches++;
	s->stats.keys += b->count;
	s->stats.bytes += b->bytes;
	return 0;
}

/* ---- reads ---------------------------------------------------------- */

/* The value of @key pinned (destroy it), NULL with *rc = -ENOENT or -EIO. */
static rocksdb_pinnableslice_t *
pin(struct ar_store *s, unsigned fam, const void *key, size_t klen, int *rc)
{
	rocksdb_pinnableslice_t *v;
	char *rerr = NULL;

	if (fam >= s->n_fam) {
		*rc = -EINVAL;
		return NULL;
	}
	v = rocksdb_get_pinned_cf(s->db, s->ropts, s->cf[fam], key, klen, &rerr);
	if (rerr != NULL) {
		keep_err(s, rerr);
		rocksdb_pinnableslice_destroy(v);
		*rc = -EIO;
		return NULL;
	}
	*rc = v != NULL ? 0 : -ENOENT;
	return v;
}

int
ar_store_get(struct ar_store *s, unsigned fam, const void *key, size_t klen, void *buf, size_t cap,
	     size_t *vlen)
{
	rocksdb_pinnableslice_t *v;
	const char *p;
	size_t n;
	int rc;

	v = pin(s, fam, key, klen, &rc);
	if (v == NULL)
		return rc;
	p = rocksdb_pinnableslice_value(v, &n);
	if (n > 0 && cap > 0)
		memcpy(buf, p, n < cap ? n : cap);
	*vlen = n;
	rocksdb_pinnableslice_destroy(v);
	return 0;
}

void *
ar_store_get_alloc(struct ar_store *s, unsigned fam, const void *key, size_t klen, size_t *vlen)
{
	rocksdb_pinnableslice_t *v;
	const char *p;
	char *out;
	size_t n;
	int rc;

	v = pin(s, fam, key, klen, &rc);
	if (v == NULL) {
		errno = -rc;
		return NULL;
	}
	p = rocksdb_pinnableslice_value(v, &n);
	out = malloc(n + 1);
	if (out == NULL) {
		rocksdb_pinnableslice_destroy(v);
		errno = ENOMEM;
		return NULL;
	}
	if (n > 0)
		memcpy(out, p, n);
	out[n] = '\0';
	*vlen = n;
	rocksdb_pinnableslice_destroy(v);
	return out;
}

int
ar_store_scan(struct ar_store *s, unsigned fam, const void *prefix, size_t plen,
	      ar_store_scan_cb cb, void *user)
{
	rocksdb_iterator_t *it;
	char *rerr = NULL;
	int rc = 0;

	if (fam >= s->n_fam)
		return -EINVAL;
	it = rocksdb_create_iterator_cf(s->db, s->ropts, s->cf[fam]);
	if (plen > 0)
		rocksdb_iter_seek(it, prefix, plen);
	else
		rocksdb_iter_seek_to_first(it);
	for (; rocksdb_iter_valid(it); rocksdb_iter_next(it)) {
		size_t kl, vl;
		const char *k = rocksdb_iter_key(it, &kl);
		const char *v;

		if (plen > 0 && (kl < plen || memcmp(k, prefix, plen) != 0))
			break;
		v = rocksdb_iter_value(it, &vl);
		rc = cb(user, k, kl, v, vl);
		if (rc != 0)
			goto out_destroy;
	}
	rocksdb_iter_get_error(it, &rerr);
	if (rerr != NULL) {
		keep_err(s, rerr);
		rc = -EIO;
	}
out_destroy:
	rocksdb_iter_destroy(it);
	return rc;
}
