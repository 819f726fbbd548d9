/* The host-only AS test harness (harness.h). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"

unsigned as_test_checks, as_test_failures;
static const char *current = "";
static char tmpdir[256];

void as_test_fail(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	as_test_failures++;
	fprintf(stdout, "FAIL [%s] %s:%d: ", current, file, line);
	va_start(ap, fmt);
	vfprintf(stdout, fmt, ap);
	va_end(ap);
	fputc('\n', stdout);
}

static void hex(char *dst, size_t cap, const uint8_t *p, size_t n)
{
	size_t i, o = 0;

	dst[0] = 0;
	for (i = 0; i < n && o + 3 < cap; i++)
		o += (size_t)snprintf(dst + o, cap - o, "%02x", p[i]);
}

void as_test_check_mem(const char *file, int line, const char *what,
		       const uint8_t *got, size_t got_len, const uint8_t *want,
		       size_t want_len)
{
	char g[256], w[256];

	as_test_checks++;
	if (got_len == want_len &&
	    (want_len == 0 || memcmp(got, want, want_len) == 0))
		return;
	hex(g, sizeof g, got, got_len);
	hex(w, sizeof w, want, want_len);
	as_test_fail(file, line, "%s = %s, expected %s", what, g, w);
}

long as_test_unhex(const char *s, uint8_t *out, size_t cap)
{
	size_t n = 0;

	while (s[0] != 0 && s[1] != 0) {
		char b[3] = {s[0], s[1], 0};
		char *end;
		unsigned long v = strtoul(b, &end, 16);

		if (*end != 0 || n == cap)
			return -1;
		out[n++] = (uint8_t)v;
		s += 2;
	}
	return s[0] == 0 ? (long)n : -1;
}

const char *as_test_tmpdir(void)
{
	if (tmpdir[0] == 0) {
		const char *base = getenv("TMPDIR");

		snprintf(tmpdir, sizeof tmpdir, "%s/obol-as-test-XXXXXX",
			 base != NULL && base[0] != 0 ? base : "/tmp");
		if (mkdtemp(tmpdir) == NULL) {
			perror("mkdtemp");
			exit(1);
		}
	}
	return tmpdir;
}

void as_test_cleanup(void)
{
	char cmd[300];

	if (tmpdir[0] == 0)
		return;
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", tmpdir);
	tmpdir[0] = 0;
}

int as_test_run(const char *suite, const struct as_test_case *cases, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		current = cases[i].name;
		cases[i].fn();
	}
	as_test_cleanup();
	printf("%s: %u checks, %u failures\n", suite, as_test_checks,
	       as_test_failures);
	return as_test_failures == 0 && as_test_checks > 0 ? 0 : 1;
}
