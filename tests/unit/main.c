/* Runs every unit suite; exit status 0 only if every check passed. */
#include <stdio.h>
#include <string.h>

#include "obol/crypto.h"
#include "test.h"

static void out_stdout(const char *line) { puts(line); }

void obol_test_fail(struct obol_test_ctx *t, const char *file, int line,
		    const char *what)
{
	char buf[1024];
	t->failures++;
	snprintf(buf, sizeof buf, "FAIL [%.40s] %.200s:%d: %.700s", t->suite, file, line, what);
	t->out(buf);
}

void obol_test_check_int(struct obol_test_ctx *t, const char *file, int line,
			 const char *what, long long got, long long want)
{
	char buf[512];
	t->checks++;
	if (got == want)
		return;
	snprintf(buf, sizeof buf, "%.400s == %lld, expected %lld", what, got, want);
	obol_test_fail(t, file, line, buf);
}

static void hex(char *dst, size_t cap, const uint8_t *p, size_t n)
{
	size_t i, o = 0;
	for (i = 0; i < n && o + 3 < cap; i++)
		o += (size_t)snprintf(dst + o, cap - o, "%02x", p[i]);
	if (i < n && cap > 4)
		memcpy(dst + (o < cap - 4 ? o : cap - 4), "...", 4);
}

void obol_test_check_mem(struct obol_test_ctx *t, const char *file, int line,
			 const char *what, const uint8_t *got, size_t got_len,
			 const uint8_t *want, size_t want_len)
{
	char g[200], w[200], buf[600];
	t->checks++;
	if (got_len == want_len && (want_len == 0 || memcmp(got, want, want_len) == 0))
		return;
	hex(g, sizeof g, got, got_len);
	hex(w, sizeof w, want, want_len);
	snprintf(buf, sizeof buf, "%.100s = %s, expected %s", what, g, w);
	obol_test_fail(t, file, line, buf);
}

long obol_test_unhex(const char *s, uint8_t *out, size_t cap)
{
	size_t n = 0;
	while (s[0] && s[0] != '\n') {
		unsigned v = 0;
		int i;
		for (i = 0; i < 2; i++) {
			char c = s[i];
			v <<= 4;
			if (c >= '0' && c <= '9')
				v |= (unsigned)(c - '0');
			else if (c >= 'a' && c <= 'f')
				v |= (unsigned)(c - 'a' + 10);
			else if (c >= 'A' && c <= 'F')
				v |= (unsigned)(c - 'A' + 10);
			else
				return -1;
		}
		if (n == cap)
			return -1;
		out[n++] = (uint8_t)v;
		s += 2;
	}
	return (long)n;
}

int main(void)
{
	static const struct {
		const char *name;
		void (*run)(struct obol_test_ctx *);
	} suites[] = {
		{"cbor", test_cbor},
		{"cbor_vectors", test_cbor_vectors},
		{"crypto", test_crypto},
		{"cose", test_cose},
		{"cwt", test_cwt},
		{"coap", test_coap},
		{"oscore", test_oscore},
		{"rs", test_rs},
		{"slip", test_slip},
	};
	unsigned total_checks = 0, total_fail = 0;
	size_t i;

	printf("crypto backend: %s\n", obol_port_backend());
	for (i = 0; i < sizeof suites / sizeof suites[0]; i++) {
		struct obol_test_ctx t = {out_stdout, 0, 0, NULL};
		t.suite = suites[i].name;
		suites[i].run(&t);
		printf("%-14s %5u checks, %u failed\n", t.suite, t.checks, t.failures);
		total_checks += t.checks;
		total_fail += t.failures;
	}
	printf("total          %5u checks, %u failed\n", total_checks, total_fail);
	return total_fail == 0 ? 0 : 1;
}
