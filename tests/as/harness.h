/*
 * Checks for the host-only AS tests (tests/as/test_*.c): each file is one
 * program whose main() calls as_test_run() on its cases. Unlike the core's
 * tests/unit harness these may use stdio, files and the clock.
 */
#ifndef OBOL_AS_HARNESS_H
#define OBOL_AS_HARNESS_H

#include <stddef.h>
#include <stdint.h>

extern unsigned as_test_checks, as_test_failures;

void as_test_fail(const char *file, int line, const char *fmt, ...);

#define CHECK(cond)                                                          \
	do {                                                                 \
		as_test_checks++;                                            \
		if (!(cond))                                                 \
			as_test_fail(__FILE__, __LINE__, "%s", #cond);       \
	} while (0)

#define CHECK_INT(got, want)                                                 \
	do {                                                                 \
		long long g_ = (long long)(got), w_ = (long long)(want);     \
		as_test_checks++;                                            \
		if (g_ != w_)                                                \
			as_test_fail(__FILE__, __LINE__, "%s == %lld, expected %lld", \
				     #got, g_, w_);                          \
	} while (0)

#define CHECK_MEM(got, got_len, want, want_len)                              \
	as_test_check_mem(__FILE__, __LINE__, #got, (got), (got_len), (want), \
			  (want_len))
void as_test_check_mem(const char *file, int line, const char *what,
		       const uint8_t *got, size_t got_len, const uint8_t *want,
		       size_t want_len);

/* Hex text to bytes; the byte count, or -1 on bad hex or overflow. */
long as_test_unhex(const char *hex, uint8_t *out, size_t cap);

/* A fresh temporary directory (removed by as_test_cleanup), for stores. */
const char *as_test_tmpdir(void);
void as_test_cleanup(void);

/* Run the named cases; prints a summary; returns the exit status. */
struct as_test_case {
	const char *name;
	void (*fn)(void);
};
int as_test_run(const char *suite, const struct as_test_case *cases,
		size_t n);

#endif
