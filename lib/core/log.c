/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Logging to stderr. Each line is formatted into a stack buffer and handed
 * to the kernel in one write(2), so lines from different threads never
 * interleave (stderr is unbuffered and stdio would split a line into
 * several writes). The buffer stays below PIPE_BUF, so a line written to a
 * pipe (journald, a supervisor) is atomic too.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "ar_core.h"

#define LOG_LINE_MAX 2048

/* Written by the control thread at start-up, read by every thread. */
static _Atomic int log_level = AR_LOG_INFO;

void
ar_log_set_level(enum ar_log_level lvl)
{
	atomic_store_explicit(&log_level, (int)lvl, memory_order_relaxed);
}

enum ar_log_level
ar_log_get_level(void)
{
	return (enum ar_log_level)atomic_load_explicit(&log_level, memory_order_relaxed);
}

static void
write_all(const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(STDERR_FILENO, p, n);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return; /* nowhere left to report it */
		}
		p += w;
		n -= (size_t)w;
	}
}

void
ar_log(enum ar_log_level lvl, const char *fmt, ...)
{
	static const char *const prefix[] = {
		[AR_LOG_ERR] = "apiradard: error: ",
		[AR_LOG_WARN] = "apiradard: warning: ",
		[AR_LOG_INFO] = "apiradard: ",
		[AR_LOG_DEBUG] = "apiradard: ",
	};
	char line[LOG_LINE_MAX];
	int saved_errno = errno; /* callers often log, then look at errno */
	size_t n, room;
	va_list ap;
	int r;

	if ((unsigned)lvl > (unsigned)ar_log_get_level())
		return;
	if ((unsigned)lvl > AR_LOG_DEBUG)
		lvl = AR_LOG_DEBUG;

	n = strlen(prefix[lvl]);
	memcpy(line, prefix[lvl], n);
	room = sizeof(line) - n - 1; /* keep one byte for the newline */

	va_start(ap, fmt);
	r = vsnprintf(line + n, room + 1, fmt, ap);
	va_end(ap);
	if (r < 0)
		r = 0;
	if ((size_t)r > room) {
		/* Cut: say so, so a reader does not take it for the whole message. */
		n += room;
		memcpy(line + n - 3, "...", 3);
	} else {
		n += (size_t)r;
	}
	/* A message that brings its own newline does not get a second one. */
	if (line[n - 1] != '\n')
		line[n++] = '\n';

	write_all(line, n);
	errno = saved_errno;
}
