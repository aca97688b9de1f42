/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/store: the learner's persistent state, in RocksDB. A store is one
 * directory with a fixed list of column families ("families") named by the
 * caller and addressed by their index in that list. Changes are gathered
 * in a batch and committed atomically: after a crash of the process a
 * batch is either all there or not at all, and every commit that returned
 * 0 is there. Keys and values are opaque bytes; what they mean is the
 * caller's business.
 *
 * One thread (the learner) owns a store and its batches; nothing here
 * locks. Other threads reach the counters by message, not by reading them.
 */
#ifndef AR_STORE_H
#define AR_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define AR_STORE_MAX_FAMILIES 32

struct ar_store;
struct ar_store_batch;

struct ar_store_params {
	const char *dir;             /* created with its parents if missing */
	const char *const *families; /* names of the families, index = family number */
	unsigned n_families;         /* 1 .. AR_STORE_MAX_FAMILIES, names distinct */
	size_t write_buffer;         /* memtable bytes per family; 0: 4 MiB */
};

/* Counters of a store since it was opened. */
struct ar_store_stats {
	uint64_t batches;       /* batches committed */
	uint64_t keys;          /* puts and deletes in committed batches */
	uint64_t bytes;         /* key and value bytes in committed batches */
	uint64_t commit_errors; /* commits that failed */
};

/*
 * Opens (or creates) the store in @p->dir, creating the families it lacks.
 * Families of the store that @p does not name are opened too and left
 * alone. Returns NULL and sets errno on failure, with "store <dir>: <why>"
 * in @err (@errlen bytes; RocksDB's own message when it refused). A store
 * that another handle or process holds fails with EBUSY.
 */
struct ar_store *ar_store_open(const struct ar_store_params *p, char *err, size_t errlen);

/* Closes the store; committed data is kept. Accepts NULL. */
void ar_store_close(struct ar_store *s);

/* The compression of new table files: "lz4" when the library has it, else "none". */
const char *ar_store_compression(const struct ar_store *s);

/* "store <dir>: <why>" of the last failed commit, get or scan; "" if none. */
const char *ar_store_error(const struct ar_store *s);

const struct ar_store_stats *ar_store_stats(const struct ar_store *s);

/* ---- batches -------------------------------------------------------- */

/* An empty batch for @s; NULL + errno. Free it before closing @s. */
struct ar_store_batch *ar_store_batch_new(struct ar_store *s);
/* Accepts NULL. */
void ar_store_batch_free(struct ar_store_batch *b);

/* Sets @key to @val in family @fam. Returns 0, or -EINVAL for a bad family. */
int ar_store_batch_put(struct ar_store_batch *b, unsigned fam, const void *key, size_t klen,
		       const void *val, size_t vlen);
/* Deletes @key from family @fam (nothing happens if it is absent). 0 or -EINVAL. */
int ar_store_batch_del(struct ar_store_batch *b, unsigned fam, const void *key, size_t klen);
/* Empties @b for reuse. */
void ar_store_batch_clear(struct ar_store_batch *b);
/* Puts and deletes in @b. */
uint32_t ar_store_batch_count(const struct ar_store_batch *b);
/* Key and value bytes in @b. */
uint64_t ar_store_batch_bytes(const struct ar_store_batch *b);

/*
 * Applies @b to its store atomically, through the write-ahead log. With
 * @sync the log is also fsync'ed, so the batch survives a power loss; a
 * commit without it survives a crash or kill of the process. Returns 0, or
 * -EIO with the reason in ar_store_error(). @b is left as it was: clear it
 * to reuse it, or commit it again to retry.
 */
int ar_store_commit(struct ar_store_batch *b, bool sync);

/* ---- reads ---------------------------------------------------------- */

/*
 * Reads @key of family @fam into @buf (@cap bytes) and sets *@vlen to the
 * value's full length, which may exceed @cap (then only @cap bytes are
 * copied). Returns 0, -ENOENT if the key is absent, -EINVAL for a bad
 * family, -EIO on a read error.
 */
int ar_store_get(struct ar_store *s, unsigned fam, const void *key, size_t klen, void *buf,
		 size_t cap, size_t *vlen);

/*
 * The value of @key in family @fam as a malloc'ed copy with a NUL after
 * its *@vlen bytes; the caller frees it with free(). NULL and errno
 * ENOENT, EINVAL, EIO or ENOMEM.
 */
void *ar_store_get_alloc(struct ar_store *s, unsigned fam, const void *key, size_t klen,
			 size_t *vlen);

/*
 * Called for each key of a scan in key order; the pointers are valid during
 * the call only. Returns 0 to go on, or a positive value to stop the scan.
 */
typedef int (*ar_store_scan_cb)(void *user, const void *key, size_t klen, const void *val,
				size_t vlen);

/*
 * Calls @cb for the keys of family @fam that start with @prefix (@plen
 * bytes; 0: every key), in byte order. Returns 0 when all were seen, the
 * callback's value if it stopped, -EINVAL for a bad family or -EIO on a
 * read error.
 */
int ar_store_scan(struct ar_store *s, unsigned fam, const void *prefix, size_t plen,
		  ar_store_scan_cb cb, void *user);

#endif
