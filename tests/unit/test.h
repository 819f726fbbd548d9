/*
 * A minimal test harness that runs on a PC and, later, on the target: the
 * runner only counts and reports through a callback (model: QCBOR's
 * test/run_tests.h). No allocation, no stdio in the test cases themselves.
 */
#ifndef OBOL_TEST_H
#define OBOL_TEST_H

#include <stddef.h>
#include <stdint.h>

struct obol_test_ctx {
	void (*out)(const char *line); /* reports one failure or summary line */
	unsigned checks;
	unsigned failures;
	const char *suite;
};

/* Report a failed check: file, line, expression, in one line. */
void obol_test_fail(struct obol_test_ctx *t, const char *file, int line,
		    const char *what);

#define CHECK(t, cond)                                                       \
	do {                                                                 \
		(t)->checks++;                                               \
		if (!(cond))                                                 \
			obol_test_fail((t), __FILE__, __LINE__, #cond);      \
	} while (0)

/* Compare two ints and show both when they differ. */
void obol_test_check_int(struct obol_test_ctx *t, const char *file, int line,
			 const char *what, long long got, long long want);
#define CHECK_INT(t, got, want)                                              \
	obol_test_check_int((t), __FILE__, __LINE__, #got, (long long)(got), \
			    (long long)(want))

/* Compare two byte strings and show both (hex) when they differ. */
void obol_test_check_mem(struct obol_test_ctx *t, const char *file, int line,
			 const char *what, const uint8_t *got, size_t got_len,
			 const uint8_t *want, size_t want_len);
#define CHECK_MEM(t, got, got_len, want, want_len)                          \
	obol_test_check_mem((t), __FILE__, __LINE__, #got, (got), (got_len), \
			    (want), (want_len))

/* Hex text to bytes; returns the byte count or -1 on bad hex / overflow. */
long obol_test_unhex(const char *hex, uint8_t *out, size_t cap);

/* Suites: each one runs its cases and records results in t. */
void test_cbor(struct obol_test_ctx *t);
void test_cbor_vectors(struct obol_test_ctx *t);
void test_crypto(struct obol_test_ctx *t); /* test_crypto.c: KATs, ct, wipe */
void test_cose(struct obol_test_ctx *t);   /* test_cose.c: COSE vectors, keys */
void test_cwt(struct obol_test_ctx *t);    /* test_cwt.c: CWT claims, tokens, AIF */
void test_coap(struct obol_test_ctx *t);   /* test_coap.c: CoAP codec */
void test_oscore(struct obol_test_ctx *t); /* test_oscore.c: RFC 8613 C.1-C.8, attacks */
void test_rs(struct obol_test_ctx *t);     /* test_rs.c: the RS engine, RFC 9203 flow */
void test_slip(struct obol_test_ctx *t);   /* test_slip.c: SLIP framing (RFC 1055) */

#endif
