/* SPDX-License-Identifier: BSD-3-Clause */
/* Unit tests: lib/core logging. stderr is pointed at a temporary file. */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* cmocka.h needs these first. */
// clang-format off
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
// clang-format on

#include <ar_core.h>

static int saved_stderr = -1;
static FILE *capture_file;

static int
capture_start(void **state)
{
	(void)state;
	capture_file = tmpfile();
	assert_non_null(capture_file);
	saved_stderr = dup(STDERR_FILENO);
	assert_true(saved_stderr >= 0);
	assert_int_equal(dup2(fileno(capture_file), STDERR_FILENO), STDERR_FILENO);
	ar_log_set_level(AR_LOG_INFO);
	return 0;
}

static int
capture_stop(void **state)
{
	(void)state;
	dup2(saved_stderr, STDERR_FILENO);
	close(saved_stderr);
	fclose(capture_file);
	return 0;
}

/* Everything logged since capture_start(), as a malloc'd string. */
static char *
captured(void)
{
	long n;
	char *s;

	n = lseek(STDERR_FILENO, 0, SEEK_END);
	assert_true(n >= 0);
	s = malloc((size_t)n + 1);
	assert_non_null(s);
	assert_int_equal(pread(STDERR_FILENO, s, (size_t)n, 0), n);
	s[n] = '\0';
	return s;
}

static void
assert_captured(const char *want)
{
	char *s = captured();

	assert_string_equal(s, want);
	free(s);
}

static void
test_levels_get_their_prefix(void **state)
{
	(void)state;
	AR_ERR("disk %s full", "/var");
	AR_WARN("ring %d at %d%%", 3, 90);
	AR_INFO("started %u workers", 4u);
	assert_captured("apiradard: error: disk /var full\n"
			"apiradard: warning: ring 3 at 90%\n"
			"apiradard: started 4 workers\n");
}

static void
test_info_level_drops_debug_until_raised(void **state)
{
	(void)state;
	assert_int_equal(ar_log_get_level(), AR_LOG_INFO);
	AR_DEBUG("hidden");
	assert_captured("");
	ar_log_set_level(AR_LOG_DEBUG);
	assert_int_equal(ar_log_get_level(), AR_LOG_DEBUG);
	AR_DEBUG("shown");
	assert_captured("apiradard: shown\n");
}

static void
test_error_level_drops_warnings(void **state)
{
	(void)state;
	ar_log_set_level(AR_LOG_ERR);
	AR_WARN("no");
	AR_INFO("no");
	AR_ERR("yes");
	assert_captured("apiradard: error: yes\n");
}

static void
test_trailing_newline_not_doubled(void **state)
{
	(void)state;
	AR_INFO("one\n");
	AR_INFO("%s", "");
	assert_captured("apiradard: one\napiradard: \n");
}

static void
test_long_message_cut_with_marker(void **state)
{
	char big[5000];
	char *s;
	size_t n;

	(void)state;
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	AR_WARN("%s", big);
	s = captured();
	n = strlen(s);
	assert_int_equal(n, 2048);
	assert_memory_equal(s, "apiradard: warning: xxx", 23);
	assert_string_equal(s + n - 4, "...\n");
	assert_null(memchr(s, '\n', n - 1));
	free(s);
}

static void
test_errno_preserved(void **state)
{
	(void)state;
	errno = EAGAIN;
	AR_ERR("x");
	assert_int_equal(errno, EAGAIN);
}

#define THREADS  8
#define PER_LINE 500

static void *
log_lines(void *arg)
{
	int id = (int)(intptr_t)arg;

	for (int i = 0; i < PER_LINE; i++)
		AR_INFO("thread %d line %03d %s", id, i, "padding-padding-padding-padding");
	return NULL;
}

static void
test_threads_never_interleave_lines(void **state)
{
	pthread_t th[THREADS];
	int seen[THREADS] = { 0 };
	char *s, *line, *save = NULL;
	int lines = 0;

	(void)state;
	for (int i = 0; i < THREADS; i++)
		assert_int_equal(pthread_create(&th[i], NULL, log_lines, (void *)(intptr_t)i), 0);
	for (int i = 0; i < THREADS; i++)
		pthread_join(th[i], NULL);

	s = captured();
	for (line = strtok_r(s, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save)) {
		int id, n, end = 0;

		assert_int_equal(sscanf(line,
					"apiradard: thread %d line %d "
					"padding-padding-padding-padding%n",
					&id, &n, &end),
				 2);
		assert_int_equal((size_t)end, strlen(line));
		assert_true(id >= 0 && id < THREADS);
		/* Each thread's lines arrive whole and in its own order. */
		assert_int_equal(n, seen[id]);
		seen[id]++;
		lines++;
	}
	assert_int_equal(lines, THREADS * PER_LINE);
	free(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_levels_get_their_prefix, capture_start,
						capture_stop),
		cmocka_unit_test_setup_teardown(test_info_level_drops_debug_until_raised,
						capture_start, capture_stop),
		cmocka_unit_test_setup_teardown(test_error_level_drops_warnings, capture_start,
						capture_stop),
		cmocka_unit_test_setup_teardown(test_trailing_newline_not_doubled, capture_start,
						capture_stop),
		cmocka_unit_test_setup_teardown(test_long_message_cut_with_marker, capture_start,
						capture_stop),
		cmocka_unit_test_setup_teardown(test_errno_preserved, capture_start, capture_stop),
		cmocka_unit_test_setup_teardown(test_threads_never_interleave_lines, capture_start,
						capture_stop),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
