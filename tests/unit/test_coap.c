/*
 * CoAP codec (include/obol/coap.h, RFC 7252 section 3).
 *
 *   - parsing the CoAP messages of RFC 8613 Appendix C.4-C.8 (the
 *     unprotected and the protected ones), every field and option checked;
 *   - every delta/length form of RFC 7252 3.1 (nibble 0..12, 13 + 1 byte,
 *     14 + 2 bytes) at its boundaries (12/13, 268/269, 65535 and
 *     65535 + 269), built and parsed; repeated options, options then
 *     payload, payload alone, token lengths 0..8, Empty messages (4.1);
 *   - a table of malformed datagrams, each with its exact error;
 *   - the iterator, find, opt_uint (3.2) and uri_path;
 *   - the builder: RFC 8613 messages byte for byte, order, sticky errors,
 *     shortest uints, Uri-Path splitting, measuring with a NULL buffer, a
 *     buffer one byte short (with a canary), option length limits;
 *   - build -> parse -> rebuild of random messages (xorshift32, fixed seed).
 *
 * No allocation, no I/O. One static 64 KiB buffer for the largest option
 * value (65535 + 269 bytes); the rest lives on the stack.
 */
#include <stdint.h>
#include <string.h>

#include "obol/coap.h"
#include "test.h"

#define BUF 600

static size_t unhex(struct obol_test_ctx *t, const char *hex, uint8_t *out,
		    size_t cap)
{
	long n = obol_test_unhex(hex, out, cap);
	CHECK(t, n >= 0);
	return n < 0 ? 0 : (size_t)n;
}

/* ---- RFC 8613 Appendix C messages ----------------------------------------- */

/*
 * The CoAP messages of RFC 8613 Appendix C.4-C.8, as printed in the RFC
 * ("Unprotected CoAP request/response" and "Protected CoAP
 * request/response" of each test vector).
 */
/* C.4: Test Vector 4, OSCORE Request, Client: GET coap://localhost/tv1 */
#define C4_PLAIN "44015d1f00003974396c6f63616c686f737483747631"
#define C4_PROT "44025d1f00003974396c6f63616c686f7374620914ff612f1092f1776f1c1668b3825e"
/* C.5: Test Vector 5, OSCORE Request, Client (kid 00) */
#define C5_PLAIN "440171c30000b932396c6f63616c686f737483747631"
#define C5_PROT "440271c30000b932396c6f63616c686f737463091400ff4ed339a5a379b0b8bc731fffb0"
/* C.6: Test Vector 6, OSCORE Request, Client (kid context) */
#define C6_PLAIN "44012f8eef9bbf7a396c6f63616c686f737483747631"
#define C6_PROT "44022f8eef9bbf7a396c6f63616c686f73746b19140837cbf3210017a2d3ff72cd7273fd331ac45cffbe55c3"
/* C.7: Test Vector 7, OSCORE Response, Server (2.05 "Hello World!") */
#define C7_PLAIN "64455d1f00003974ff48656c6c6f20576f726c6421"
#define C7_PROT "64445d1f0000397490ffdbaad1e9a7e7b2a813d3c31524378303cdafae119106"
/* C.8: Test Vector 8, OSCORE Response with Partial IV, Server */
#define C8_PLAIN C7_PLAIN
#define C8_PROT "64445d1f00003974920100ff4d4c13669384b67354b2b6175ff4b8658c666a6cf88e"

/* One option as expected: number and value (hex). */
struct want_opt {
	uint16_t num;
	const char *val;
};

static const struct rfc_msg {
	const char *name, *hex;
	uint8_t type, code;
	uint16_t mid;
	const char *token;
	struct want_opt opts[3];
	size_t nopts;
	const char *payload; /* hex, NULL when none */
	const char *path;
} rfc_msgs[] = {
	{"C.4 plain", C4_PLAIN, OBOL_COAP_CON, OBOL_COAP_GET, 0x5d1f, "00003974",
	 {{3, "6c6f63616c686f7374"}, {11, "747631"}}, 2, NULL, "/tv1"},
	{"C.4 prot", C4_PROT, OBOL_COAP_CON, OBOL_COAP_POST, 0x5d1f, "00003974",
	 {{3, "6c6f63616c686f7374"}, {9, "0914"}}, 2,
	 "612f1092f1776f1c1668b3825e", "/"},
	{"C.5 plain", C5_PLAIN, OBOL_COAP_CON, OBOL_COAP_GET, 0x71c3, "0000b932",
	 {{3, "6c6f63616c686f7374"}, {11, "747631"}}, 2, NULL, "/tv1"},
	{"C.5 prot", C5_PROT, OBOL_COAP_CON, OBOL_COAP_POST, 0x71c3, "0000b932",
	 {{3, "6c6f63616c686f7374"}, {9, "091400"}}, 2,
	 "4ed339a5a379b0b8bc731fffb0", "/"},
	{"C.6 plain", C6_PLAIN, OBOL_COAP_CON, OBOL_COAP_GET, 0x2f8e, "ef9bbf7a",
	 {{3, "6c6f63616c686f7374"}, {11, "747631"}}, 2, NULL, "/tv1"},
	{"C.6 prot", C6_PROT, OBOL_COAP_CON, OBOL_COAP_POST, 0x2f8e, "ef9bbf7a",
	 {{3, "6c6f63616c686f7374"}, {9, "19140837cbf3210017a2d3"}}, 2,
	 "72cd7273fd331ac45cffbe55c3", "/"},
	{"C.7 plain", C7_PLAIN, OBOL_COAP_ACK, OBOL_COAP_CONTENT, 0x5d1f, "00003974",
	 {{0, NULL}}, 0, "48656c6c6f20576f726c6421", "/"},
	{"C.7 prot", C7_PROT, OBOL_COAP_ACK, OBOL_COAP_CHANGED, 0x5d1f, "00003974",
	 {{9, ""}}, 1, "dbaad1e9a7e7b2a813d3c31524378303cdafae119106", "/"},
	{"C.8 prot", C8_PROT, OBOL_COAP_ACK, OBOL_COAP_CHANGED, 0x5d1f, "00003974",
	 {{9, "0100"}}, 1,
	 "4d4c13669384b67354b2b6175ff4b8658c666a6cf88e", "/"},
};

/* Rebuild m with the builder; returns the length (0 on error). */
static size_t rebuild(struct obol_test_ctx *t, const struct obol_coap_msg *m,
		      uint8_t *out, size_t cap)
{
	struct obol_coap_builder b;
	struct obol_coap_opt_iter it;
	const uint8_t *v;
	uint16_t num;
	size_t n, len = 0;
	int r;

	obol_coap_build_init(&b, out, cap, m->type, m->code, m->mid, m->token,
			     m->token_len);
	obol_coap_opt_begin(m, &it);
	while ((r = obol_coap_opt_next(&it, &num, &v, &n)) > 0)
		obol_coap_add_option(&b, num, v, n);
	CHECK_INT(t, r, 0);
	if (m->payload != NULL)
		obol_coap_set_payload(&b, m->payload, m->payload_len);
	r = obol_coap_build_finish(&b, &len);
	CHECK_INT(t, r, OBOL_OK);
	return r ? 0 : len;
}

static void test_rfc8613(struct obol_test_ctx *t)
{
	size_t i, j;

	for (i = 0; i < sizeof rfc_msgs / sizeof rfc_msgs[0]; i++) {
		const struct rfc_msg *w = &rfc_msgs[i];
		uint8_t buf[BUF], want[BUF], out[BUF];
		struct obol_coap_msg m;
		struct obol_coap_opt_iter it;
		const uint8_t *v;
		uint16_t num;
		size_t n, len = unhex(t, w->hex, buf, sizeof buf), wl;
		char path[32];

		t->suite = w->name; /* names the case in failure lines */
		CHECK_INT(t, obol_coap_parse(buf, len, &m), OBOL_OK);
		CHECK_INT(t, m.type, w->type);
		CHECK_INT(t, m.code, w->code);
		CHECK_INT(t, m.mid, w->mid);
		wl = unhex(t, w->token, want, sizeof want);
		CHECK_MEM(t, m.token, m.token_len, want, wl);
		CHECK(t, m.opts == buf + 4 + m.token_len);
		obol_coap_opt_begin(&m, &it);
		for (j = 0; j < w->nopts; j++) {
			CHECK_INT(t, obol_coap_opt_next(&it, &num, &v, &n), 1);
			CHECK_INT(t, num, w->opts[j].num);
			wl = unhex(t, w->opts[j].val, want, sizeof want);
			CHECK_MEM(t, v, n, want, wl);
		}
		CHECK_INT(t, obol_coap_opt_next(&it, &num, &v, &n), 0);
		if (w->payload) {
			wl = unhex(t, w->payload, want, sizeof want);
			CHECK_MEM(t, m.payload, m.payload_len, want, wl);
			CHECK(t, m.payload == buf + len - wl);
			CHECK(t, m.opts + m.opts_len + 1 == m.payload);
		} else {
			CHECK(t, m.payload == NULL);
			CHECK_INT(t, m.payload_len, 0);
			CHECK(t, m.opts + m.opts_len == buf + len);
		}
		CHECK_INT(t, obol_coap_uri_path(&m, path, sizeof path, &n), OBOL_OK);
		CHECK_MEM(t, (const uint8_t *)path, n, (const uint8_t *)w->path,
			  strlen(w->path));
		/* Re-encoding gives the same bytes. */
		n = rebuild(t, &m, out, sizeof out);
		CHECK_MEM(t, out, n, buf, len);
	}
	t->suite = "coap";
}

/* RFC 8613 C.4's unprotected request, built with the builder. */
static void test_build_rfc8613(struct obol_test_ctx *t)
{
	static const uint8_t tok[4] = {0x00, 0x00, 0x39, 0x74};
	static const uint8_t hello[] = "Hello World!";
	static const uint8_t c8_oscore[2] = {0x01, 0x00};
	static const uint8_t c8_ct[] = {0x4d, 0x4c, 0x13, 0x66, 0x93, 0x84, 0xb6,
					0x73, 0x54, 0xb2, 0xb6, 0x17, 0x5f, 0xf4,
					0xb8, 0x65, 0x8c, 0x66, 0x6a, 0x6c, 0xf8,
					0x8e};
	uint8_t out[BUF], want[BUF];
	struct obol_coap_builder b;
	size_t n, wl;

	obol_coap_build_init(&b, out, sizeof out, OBOL_COAP_CON, OBOL_COAP_GET,
			     0x5d1f, tok, sizeof tok);
	obol_coap_add_option(&b, OBOL_COAP_OPT_URI_HOST,
			     (const uint8_t *)"localhost", 9);
	obol_coap_add_uri_path(&b, "/tv1", 4);
	CHECK_INT(t, obol_coap_build_finish(&b, &n), OBOL_OK);
	wl = unhex(t, C4_PLAIN, want, sizeof want);
	CHECK_MEM(t, out, n, want, wl);

	/* C.7: a response with a payload and no options. */
	obol_coap_build_init(&b, out, sizeof out, OBOL_COAP_ACK,
			     OBOL_COAP_CONTENT, 0x5d1f, tok, sizeof tok);
	obol_coap_set_payload(&b, hello, sizeof hello - 1);
	CHECK_INT(t, obol_coap_build_finish(&b, &n), OBOL_OK);
	wl = unhex(t, C7_PLAIN, want, sizeof want);
	CHECK_MEM(t, out, n, want, wl);

	/* C.8: OSCORE option then payload. */
	obol_coap_build_init(&b, out, sizeof out, OBOL_COAP_ACK,
			     OBOL_COAP_CHANGED, 0x5d1f, tok, sizeof tok);
	obol_coap_add_option(&b, OBOL_COAP_OPT_OSCORE, c8_oscore, 2);
	obol_coap_set_payload(&b, c8_ct, sizeof c8_ct);
	CHECK_INT(t, obol_coap_build_finish(&b, &n), OBOL_OK);
	wl = unhex(t, C8_PROT, want, sizeof want);
	CHECK_MEM(t, out, n, want, wl);
}

/* ---- option forms (RFC 7252 3.1) ------------------------------------------- */

static const struct form_case {
	uint16_t num;
	uint16_t len;
	const char *head; /* option header: nibbles, then delta ext, length ext */
} form_cases[] = {
	{0, 0, "00"},
	{1, 1, "11"},
	{12, 12, "cc"},
	{13, 0, "d000"},
	{0, 13, "0d00"},
	{13, 13, "dd0000"},
	{12, 13, "cd00"},
	{13, 12, "dc00"},
	{14, 14, "dd0101"},
	{268, 0, "d0ff"},
	{0, 268, "0dff"},
	{268, 268, "ddffff"},
	{269, 0, "e00000"},
	{0, 269, "0e0000"},
	{268, 269, "de ff0000"},
	{269, 268, "ed0000ff"},
	{269, 269, "ee00000000"},
	{270, 270, "ee00010001"},
	{524, 524, "ee00ff00ff"},
	{525, 525, "ee01000100"},
	{65535, 0, "e0fef2"},
	{65535, 300, "eefef2001f"},
	{65534, 13, "edfef100"},
};

/* Header hex may contain spaces for readability. */
static size_t unhex_sp(struct obol_test_ctx *t, const char *hex, uint8_t *out,
		       size_t cap)
{
	char tmp[64];
	size_t i, o = 0;

	for (i = 0; hex[i] && o + 1 < sizeof tmp; i++)
		if (hex[i] != ' ')
			tmp[o++] = hex[i];
	tmp[o] = 0;
	return unhex(t, tmp, out, cap);
}

static void test_forms(struct obol_test_ctx *t)
{
	size_t i, j;

	for (i = 0; i < sizeof form_cases / sizeof form_cases[0]; i++) {
		const struct form_case *c = &form_cases[i];
		uint8_t val[BUF], want[BUF], out[BUF];
		struct obol_coap_builder b;
		struct obol_coap_msg m;
		struct obol_coap_opt_iter it;
		const uint8_t *v;
		uint16_t num;
		size_t n, hl, wl;

		for (j = 0; j < c->len; j++)
			val[j] = (uint8_t)(j * 7 + i);
		/* Expected: 40 01 12 34 | head | value. */
		want[0] = 0x40;
		want[1] = 0x01;
		want[2] = 0x12;
		want[3] = 0x34;
		hl = unhex_sp(t, c->head, want + 4, sizeof want - 4);
		memcpy(want + 4 + hl, val, c->len);
		wl = 4 + hl + c->len;

		obol_coap_build_init(&b, out, sizeof out, OBOL_COAP_CON,
				     OBOL_COAP_GET, 0x1234, NULL, 0);
		obol_coap_add_option(&b, c->num, val, c->len);
		CHECK_INT(t, obol_coap_build_finish(&b, &n), OBOL_OK);
		CHECK_MEM(t, out, n, want, wl);

		CHECK_INT(t, obol_coap_parse(want, wl, &m), OBOL_OK);
		CHECK_INT(t, m.opts_len, hl + c->len);
		obol_coap_opt_begin(&m, &it);
		CHECK_INT(t, obol_coap_opt_next(&it, &num, &v, &n), 1);
		CHECK_INT(t, num, c->num);
		CHECK_MEM(t, v, n, val, c->len);
		CHECK_INT(t, obol_coap_opt_next(&it, &num, &v, &n), 0);
		/* The value one byte short is refused. */
		CHECK_INT(t, obol_coap_parse(want, wl - 1, &m),
			  c->len || hl > 1 ? OBOL_ERR_COAP_OPTION : OBOL_OK);
	}
}

/*
 * The largest option: number 65535 (delta 14, 0xfef2) with a value of
 * 65535 + 269 bytes (length 14, 0xffff). PC-sized: a static 64 KiB buffer.
 */
#define BIG_VAL (65535u + 269u)
static void test_big(struct obol_test_ctx *t)
{
	static uint8_t big[4 + 5 + BIG_VAL + 1];
	static const uint8_t head[9] = {0x40, 0x02, 0x00, 0x01, 0xee,
					0xfe, 0xf2, 0xff, 0xff};
	struct obol_coap_builder b;
	struct obol_coap_msg m;
	const uint8_t *v;
	size_t n, i;
	uint8_t one = 0;

	memset(big, 0, sizeof big);
	memcpy(big, head, sizeof head);
	for (i = 0; i < BIG_VAL; i++)
		big[9 + i] = (uint8_t)i;
	CHECK_INT(t, obol_coap_parse(big, 9 + BIG_VAL, &m), OBOL_OK);
	CHECK_INT(t, obol_coap_opt_find(&m, 65535, &v, &n), 1);
	CHECK(t, v == big + 9);
	CHECK_INT(t, n, BIG_VAL);
	CHECK_INT(t, obol_coap_parse(big, 8 + BIG_VAL, &m), OBOL_ERR_COAP_OPTION);
	/* A payload after it. */
	big[9 + BIG_VAL] = 0xff;
	CHECK_INT(t, obol_coap_parse(big, 10 + BIG_VAL, &m),
		  OBOL_ERR_COAP_EMPTY_PAYLOAD);

	/* Builder: the same length is accepted, one more refused. The values
	 * are not read when measuring (NULL buffer). */
	obol_coap_build_init(&b, NULL, 0, OBOL_COAP_CON, OBOL_COAP_POST, 1,
			     NULL, 0);
	obol_coap_add_option(&b, 65535, big + 9, BIG_VAL);
	CHECK_INT(t, obol_coap_build_finish(&b, &n), OBOL_OK);
	CHECK_INT(t, n, 9 + BIG_VAL);
	obol_coap_build_init(&b, NULL, 0, OBOL_COAP_CON, OBOL_COAP_POST, 1,
			     NULL, 0);
	obol_coap_add_option(&b, 1, &one, BIG_VAL + 1);
	CHECK_INT(t, obol_coap_build_finish(&b, &n), OBOL_ERR_COAP_OPTION);
	obol_coap_build_init(&b, NULL, 0, OBOL_COAP_CON, OBOL_COAP_POST, 1,
			     NULL, 0);
	obol_coap_add_option(&b, 1, &one, (size_t)-1);
	CHECK_INT(t, obol_coap_build_finish(&b, &n), OBOL_ERR_COAP_OPTION);
}

/* ---- malformed datagrams ----------------------------------------------------- */

static const struct bad_case {
	const char *hex;
	int err;
	const char *what;
} bad_cases[] = {
	{"", OBOL_ERR_COAP_TRUNCATED, "empty datagram"},
	{"40", OBOL_ERR_COAP_TRUNCATED, "1 byte"},
	{"400100", OBOL_ERR_COAP_TRUNCATED, "3 bytes"},
	{"00010000", OBOL_ERR_COAP_VERSION, "version 0"},
	{"80010000", OBOL_ERR_COAP_VERSION, "version 2"},
	{"c0010000", OBOL_ERR_COAP_VERSION, "version 3"},
	{"09010000", OBOL_ERR_COAP_VERSION, "version 0 before TKL 9"},
	{"b0450000ff00", OBOL_ERR_COAP_VERSION, "version 2 ACK"},
	{"49010000", OBOL_ERR_COAP_TOKEN_LEN, "TKL 9"},
	{"4a010000", OBOL_ERR_COAP_TOKEN_LEN, "TKL 10"},
	{"4b010000", OBOL_ERR_COAP_TOKEN_LEN, "TKL 11"},
	{"4c010000", OBOL_ERR_COAP_TOKEN_LEN, "TKL 12"},
	{"4d010000", OBOL_ERR_COAP_TOKEN_LEN, "TKL 13"},
	{"4e010000", OBOL_ERR_COAP_TOKEN_LEN, "TKL 14"},
	{"4f010000", OBOL_ERR_COAP_TOKEN_LEN, "TKL 15"},
	{"49010000010203040506070809", OBOL_ERR_COAP_TOKEN_LEN, "TKL 9, 9 bytes"},
	{"4f000000", OBOL_ERR_COAP_TOKEN_LEN, "Empty with TKL 15"},
	{"41010000", OBOL_ERR_COAP_TRUNCATED, "token past end (1)"},
	{"4801000001020304050607", OBOL_ERR_COAP_TRUNCATED, "token past end (8)"},
	{"40010000f0", OBOL_ERR_COAP_RESERVED, "delta 15 length 0"},
	{"40010000f100", OBOL_ERR_COAP_RESERVED, "delta 15 length 1"},
	{"40010000fe", OBOL_ERR_COAP_RESERVED, "delta 15 length 14"},
	{"40010000b161f0", OBOL_ERR_COAP_RESERVED, "delta 15 after an option"},
	{"400100000f", OBOL_ERR_COAP_RESERVED, "length 15"},
	{"400100001f", OBOL_ERR_COAP_RESERVED, "delta 1 length 15"},
	{"40010000df", OBOL_ERR_COAP_RESERVED, "delta 13 (ext missing) length 15"},
	{"40010000ef", OBOL_ERR_COAP_RESERVED, "delta 14 (ext missing) length 15"},
	{"4001000003", OBOL_ERR_COAP_OPTION, "value past end (3, none)"},
	{"40010000036162", OBOL_ERR_COAP_OPTION, "value past end (3, 2)"},
	{"40010000b16103", OBOL_ERR_COAP_OPTION, "second value past end"},
	{"40010000d0", OBOL_ERR_COAP_OPTION, "delta 13, byte missing"},
	{"40010000e0", OBOL_ERR_COAP_OPTION, "delta 14, both bytes missing"},
	{"40010000e001", OBOL_ERR_COAP_OPTION, "delta 14, one byte missing"},
	{"400100000d", OBOL_ERR_COAP_OPTION, "length 13, byte missing"},
	{"400100000e00", OBOL_ERR_COAP_OPTION, "length 14, one byte missing"},
	{"40010000dd00", OBOL_ERR_COAP_OPTION, "length 13 ext after delta ext missing"},
	{"400100000d00", OBOL_ERR_COAP_OPTION, "length 13 = 13 bytes, none"},
	{"400100000eff", OBOL_ERR_COAP_OPTION, "length 14, one byte of two"},
	{"40010000e0fef3", OBOL_ERR_COAP_OPTION, "number 65536 in one delta"},
	{"40010000e0ffff", OBOL_ERR_COAP_OPTION, "delta 65804"},
	{"40010000e0fef210", OBOL_ERR_COAP_OPTION, "65535 + 1"},
	{"40010000e0fef200e00000", OBOL_ERR_COAP_OPTION, "65535 + 269"},
	{"40010000ff", OBOL_ERR_COAP_EMPTY_PAYLOAD, "marker, nothing after"},
	{"41010000aaff", OBOL_ERR_COAP_EMPTY_PAYLOAD, "token, marker"},
	{"40010000b161ff", OBOL_ERR_COAP_EMPTY_PAYLOAD, "option, marker"},
	{"41000000aa", OBOL_ERR_COAP_EMPTY_MSG, "Empty with a token"},
	{"41000000", OBOL_ERR_COAP_EMPTY_MSG, "Empty with TKL 1, token missing"},
	{"48000000", OBOL_ERR_COAP_EMPTY_MSG, "Empty with TKL 8, token missing"},
	{"40000000b0", OBOL_ERR_COAP_EMPTY_MSG, "Empty with an option"},
	{"40000000ff00", OBOL_ERR_COAP_EMPTY_MSG, "Empty with a payload"},
	{"60000000ff", OBOL_ERR_COAP_EMPTY_MSG, "Empty ACK with a marker"},
	{"70000000f0", OBOL_ERR_COAP_EMPTY_MSG, "Empty RST, reserved byte"},
};

static void test_malformed(struct obol_test_ctx *t)
{
	size_t i;

	for (i = 0; i < sizeof bad_cases / sizeof bad_cases[0]; i++) {
		uint8_t buf[64];
		struct obol_coap_msg m, before;
		size_t n = unhex(t, bad_cases[i].hex, buf, sizeof buf);
		int r;

		memset(&m, 0x5a, sizeof m);
		before = m;
		r = obol_coap_parse(buf, n, &m);
		/* *m is left alone on error. */
		CHECK(t, memcmp(&m, &before, sizeof m) == 0);

		if (r != bad_cases[i].err) {
			t->suite = bad_cases[i].what;
			CHECK_INT(t, r, bad_cases[i].err);
			t->suite = "coap";
		} else {
			t->checks++;
		}
	}
	/* A NULL buffer of length 0 is only short. */
	{
		struct obol_coap_msg m;
		CHECK_INT(t, obol_coap_parse(NULL, 0, &m), OBOL_ERR_COAP_TRUNCATED);
	}
}

/* ---- valid shapes ------------------------------------------------------------ */

static const struct good_case {
	const char *hex;
	uint8_t type, code, tkl;
	size_t opts_len, payload_len;
} good_cases[] = {
	{"40000000", OBOL_COAP_CON, 0, 0, 0, 0},       /* CoAP ping (4.1) */
	{"60001234", OBOL_COAP_ACK, 0, 0, 0, 0},       /* Empty ACK */
	{"70000000", OBOL_COAP_RST, 0, 0, 0, 0},       /* RST */
	{"50010000", OBOL_COAP_NON, 1, 0, 0, 0},       /* NON GET, nothing */
	{"40010000ff00", OBOL_COAP_CON, 1, 0, 0, 1},   /* payload, no options */
	{"48010000010203040506070800", OBOL_COAP_CON, 1, 8, 1, 0},
	{"40010000e0fef200", OBOL_COAP_CON, 1, 0, 4, 0}, /* 65535, repeated */
	{"40010000c0d000ff6162", OBOL_COAP_CON, 1, 0, 3, 2},
	{"42a40000abcdffff", OBOL_COAP_CON, 0xa4, 2, 0, 1}, /* payload ff */
};

static void test_valid(struct obol_test_ctx *t)
{
	size_t i, tkl;

	for (i = 0; i < sizeof good_cases / sizeof good_cases[0]; i++) {
		const struct good_case *c = &good_cases[i];
		uint8_t buf[64], out[64];
		struct obol_coap_msg m;
		size_t n = unhex(t, c->hex, buf, sizeof buf), rn;

		CHECK_INT(t, obol_coap_parse(buf, n, &m), OBOL_OK);
		CHECK_INT(t, m.type, c->type);
		CHECK_INT(t, m.code, c->code);
		CHECK_INT(t, m.token_len, c->tkl);
		CHECK_INT(t, m.opts_len, c->opts_len);
		CHECK_INT(t, m.payload_len, c->payload_len);
		CHECK(t, (m.payload == NULL) == (c->payload_len == 0));
		rn = rebuild(t, &m, out, sizeof out);
		CHECK_MEM(t, out, rn, buf, n);
	}
	/* Token lengths 0..8, built and parsed. */
	for (tkl = 0; tkl <= 8; tkl++) {
		static const uint8_t tok[8] = {1, 2, 3, 4, 5, 6, 7, 8};
		uint8_t out[32];
		struct obol_coap_builder b;
		struct obol_coap_msg m;
		size_t n;

		obol_coap_build_init(&b, out, sizeof out, OBOL_COAP_NON,
				     OBOL_COAP_PUT, (uint16_t)(0xfff0 + tkl), tok,
				     tkl);
		obol_coap_add_uint_option(&b, OBOL_COAP_OPT_CONTENT_FORMAT, 60);
		CHECK_INT(t, obol_coap_build_finish(&b, &n), OBOL_OK);
		CHECK_INT(t, n, 4 + tkl + 2);
		CHECK_INT(t, out[0], 0x50 | tkl);
		CHECK_INT(t, obol_coap_parse(out, n, &m), OBOL_OK);
		CHECK_INT(t, m.type, OBOL_COAP_NON);
		CHECK_INT(t, m.code, OBOL_COAP_PUT);
		CHECK_INT(t, m.mid, 0xfff0 + tkl);
		CHECK_MEM(t, m.token, m.token_len, tok, tkl);
		CHECK(t, m.opts == out + 4 + tkl);
		CHECK_INT(t, m.opts_len, 2);
		/* Cut inside the token: truncated. */
		if (tkl)
			CHECK_INT(t, obol_coap_parse(out, 4 + tkl - 1, &m),
				  OBOL_ERR_COAP_TRUNCATED);
	}
}

/* ---- iterator, find, uint, uri_path ----------------------------------------- */

static void test_options(struct obol_test_ctx *t)
{
	/* Uri-Host "h", Uri-Path a, b, "", c, Content-Format 0 (empty),
	 * Uri-Query "q=1", then payload "x". */
	static const char msg_hex[] =
		"44020001deadbeef" "3168" "8161" "0162" "00" "0163" "10" "3371"
		"3d31" "ff78";
	uint8_t buf[64];
	size_t len = unhex(t, msg_hex, buf, sizeof buf), n;
	struct obol_coap_msg m, bad;
	struct obol_coap_opt_iter it;
	const uint8_t *v;
	uint16_t num;
	uint32_t u;
	char path[16];
	static const uint16_t nums[] = {3, 11, 11, 11, 11, 12, 15};
	static const char *const vals[] = {"h", "a", "b", "", "c", "", "q=1"};
	size_t i;

	CHECK_INT(t, obol_coap_parse(buf, len, &m), OBOL_OK);
	obol_coap_opt_begin(&m, &it);
	for (i = 0; i < 7; i++) {
		CHECK_INT(t, obol_coap_opt_next(&it, &num, &v, &n), 1);
		CHECK_INT(t, num, nums[i]);
		CHECK_INT(t, it.num, nums[i]);
		CHECK_MEM(t, v, n, (const uint8_t *)vals[i], strlen(vals[i]));
	}
	CHECK_INT(t, obol_coap_opt_next(&it, &num, &v, &n), 0);
	CHECK_INT(t, obol_coap_opt_next(&it, &num, &v, &n), 0); /* stays at end */
	CHECK_MEM(t, m.payload, m.payload_len, (const uint8_t *)"x", 1);

	/* find: the first of repeats; absent numbers below, between, above. */
	CHECK_INT(t, obol_coap_opt_find(&m, 11, &v, &n), 1);
	CHECK_MEM(t, v, n, (const uint8_t *)"a", 1);
	CHECK(t, v == buf + 11);
	CHECK_INT(t, obol_coap_opt_find(&m, 3, &v, &n), 1);
	CHECK_MEM(t, v, n, (const uint8_t *)"h", 1);
	CHECK_INT(t, obol_coap_opt_find(&m, 12, &v, &n), 1);
	CHECK_INT(t, n, 0);
	CHECK_INT(t, obol_coap_opt_find(&m, 15, &v, &n), 1);
	CHECK_INT(t, obol_coap_opt_find(&m, 1, &v, &n), 0);
	CHECK_INT(t, obol_coap_opt_find(&m, 9, &v, &n), 0);
	CHECK_INT(t, obol_coap_opt_find(&m, 16, &v, &n), 0);
	CHECK_INT(t, obol_coap_opt_find(&m, 65535, &v, &n), 0);
	CHECK_INT(t, obol_coap_opt_find(&m, 0, &v, &n), 0);

	/* uri_path: "/a/b//c" (the empty segment kept), other options ignored. */
	CHECK_INT(t, obol_coap_uri_path(&m, path, sizeof path, &n), OBOL_OK);
	CHECK_MEM(t, (const uint8_t *)path, n, (const uint8_t *)"/a/b//c", 7);
	CHECK_INT(t, obol_coap_uri_path(&m, path, 7, &n), OBOL_OK);
	CHECK_INT(t, n, 7);
	path[6] = '#';
	CHECK_INT(t, obol_coap_uri_path(&m, path, 6, &n), OBOL_ERR_NO_SPACE);
	CHECK_INT(t, obol_coap_uri_path(&m, path, 0, &n), OBOL_ERR_NO_SPACE);
	CHECK_INT(t, obol_coap_uri_path(&m, path, 1, &n), OBOL_ERR_NO_SPACE);

	/* An unchecked run: the iterator reports OPTION once, then the end. */
	memset(&bad, 0, sizeof bad);
	bad.opts = (const uint8_t *)"\xb1\x61\xd0";
	bad.opts_len = 3;
	obol_coap_opt_begin(&bad, &it);
	CHECK_INT(t, obol_coap_opt_next(&it, &num, &v, &n), 1);
	CHECK_INT(t, obol_coap_opt_next(&it, &num, &v, &n), OBOL_ERR_COAP_OPTION);
	CHECK_INT(t, obol_coap_opt_next(&it, &num, &v, &n), 0);
	bad.opts = (const uint8_t *)"\x0f";
	bad.opts_len = 1;
	obol_coap_opt_begin(&bad, &it);
	CHECK_INT(t, obol_coap_opt_next(&it, &num, &v, &n), OBOL_ERR_COAP_OPTION);
	CHECK_INT(t, obol_coap_opt_find(&bad, 0, &v, &n), 0);
	bad.opts = (const uint8_t *)"\xb1\x61\xff\x00"; /* marker ends a run */
	bad.opts_len = 4;
	CHECK_INT(t, obol_coap_opt_find(&bad, 11, &v, &n), 1);
	CHECK_INT(t, obol_coap_opt_find(&bad, 26, &v, &n), 0);

	/* opt_uint: 0..4 bytes big-endian, leading zeros read, 5 refused. */
	u = 7;
	CHECK_INT(t, obol_coap_opt_uint(NULL, 0, &u), OBOL_OK);
	CHECK_INT(t, u, 0);
	CHECK_INT(t, obol_coap_opt_uint((const uint8_t *)"\xff", 1, &u), OBOL_OK);
	CHECK_INT(t, u, 255);
	CHECK_INT(t, obol_coap_opt_uint((const uint8_t *)"\x01\x00", 2, &u), OBOL_OK);
	CHECK_INT(t, u, 256);
	CHECK_INT(t, obol_coap_opt_uint((const uint8_t *)"\x01\x02\x03", 3, &u), OBOL_OK);
	CHECK_INT(t, u, 0x010203);
	CHECK_INT(t, obol_coap_opt_uint((const uint8_t *)"\xff\xff\xff\xff", 4, &u), OBOL_OK);
	CHECK_INT(t, u, 0xffffffffu);
	CHECK_INT(t, obol_coap_opt_uint((const uint8_t *)"\x00\x01", 2, &u), OBOL_OK);
	CHECK_INT(t, u, 1);
	u = 7;
	CHECK_INT(t, obol_coap_opt_uint((const uint8_t *)"\x00\x00\x00\x00\x01", 5, &u),
		  OBOL_ERR_COAP_OPTION);
	CHECK_INT(t, u, 7);
}

/* uri_path over a message made of the given Uri-Path segments. */
static int path_of(struct obol_test_ctx *t, const char *const *segs,
		   size_t nsegs, char *out, size_t cap, size_t *len)
{
	uint8_t buf[128];
	struct obol_coap_builder b;
	struct obol_coap_msg m;
	size_t i, n;

	obol_coap_build_init(&b, buf, sizeof buf, OBOL_COAP_CON, OBOL_COAP_GET,
			     1, NULL, 0);
	obol_coap_add_option(&b, OBOL_COAP_OPT_URI_HOST, (const uint8_t *)"x", 1);
	for (i = 0; i < nsegs; i++)
		obol_coap_add_option(&b, OBOL_COAP_OPT_URI_PATH,
				     (const uint8_t *)segs[i], strlen(segs[i]));
	obol_coap_add_option(&b, OBOL_COAP_OPT_URI_QUERY, (const uint8_t *)"a/b", 3);
	CHECK_INT(t, obol_coap_build_finish(&b, &n), OBOL_OK);
	CHECK_INT(t, obol_coap_parse(buf, n, &m), OBOL_OK);
	return obol_coap_uri_path(&m, out, cap, len);
}

static void test_uri_path(struct obol_test_ctx *t)
{
	static const char *const one[] = {"authz-info"};
	static const char *const several[] = {"a", "bc", "def"};
	static const char *const slash[] = {"a", "b/c"};
	static const char *const only_slash[] = {"/"};
	static const char *const empty_seg[] = {""};
	static const char *const trailing[] = {"a", ""};
	char out[32];
	size_t n = 99;

	CHECK_INT(t, path_of(t, NULL, 0, out, sizeof out, &n), OBOL_OK);
	CHECK_MEM(t, (const uint8_t *)out, n, (const uint8_t *)"/", 1);
	CHECK_INT(t, path_of(t, one, 1, out, sizeof out, &n), OBOL_OK);
	CHECK_MEM(t, (const uint8_t *)out, n, (const uint8_t *)"/authz-info", 11);
	CHECK_INT(t, path_of(t, several, 3, out, sizeof out, &n), OBOL_OK);
	CHECK_MEM(t, (const uint8_t *)out, n, (const uint8_t *)"/a/bc/def", 9);
	CHECK_INT(t, path_of(t, slash, 2, out, sizeof out, &n), OBOL_ERR_COAP_OPTION);
	CHECK_INT(t, path_of(t, only_slash, 1, out, sizeof out, &n),
		  OBOL_ERR_COAP_OPTION);
	CHECK_INT(t, path_of(t, empty_seg, 1, out, sizeof out, &n), OBOL_OK);
	CHECK_MEM(t, (const uint8_t *)out, n, (const uint8_t *)"/", 1);
	CHECK_INT(t, path_of(t, trailing, 2, out, sizeof out, &n), OBOL_OK);
	CHECK_MEM(t, (const uint8_t *)out, n, (const uint8_t *)"/a/", 3);
	/* Exactly enough room, and one byte less (nothing past cap). */
	memset(out, '#', sizeof out);
	CHECK_INT(t, path_of(t, several, 3, out, 9, &n), OBOL_OK);
	CHECK_INT(t, out[9], '#');
	memset(out, '#', sizeof out);
	CHECK_INT(t, path_of(t, several, 3, out, 8, &n), OBOL_ERR_NO_SPACE);
	CHECK_INT(t, out[8], '#');
	CHECK_INT(t, path_of(t, one, 1, out, 0, &n), OBOL_ERR_NO_SPACE);
	CHECK_INT(t, path_of(t, NULL, 0, out, 0, &n), OBOL_ERR_NO_SPACE);
	CHECK_INT(t, path_of(t, NULL, 0, out, 1, &n), OBOL_OK);
	CHECK_INT(t, n, 1);
}

/* Uri-Query: the builder splits "a=1&b" into options (RFC 7252 6.5 step
 * 9) and obol_coap_uri_query finds an argument by name. */
static void test_uri_query(struct obol_test_ctx *t)
{
	static const char q[] = "&aud=rs1&&flag&audience=x&aud=second";
	uint8_t buf[64];
	struct obol_coap_builder b;
	struct obol_coap_msg m;
	const uint8_t *v = NULL;
	size_t len = 0, n = 99;

	obol_coap_build_init(&b, buf, sizeof buf, OBOL_COAP_CON, OBOL_COAP_GET, 1, NULL, 0);
	obol_coap_add_uri_path(&b, "/x", 2);
	obol_coap_add_uri_query(&b, q, sizeof q - 1);
	CHECK_INT(t, obol_coap_build_finish(&b, &len), OBOL_OK);
	CHECK_INT(t, obol_coap_parse(buf, len, &m), OBOL_OK);
	/* Four non-empty arguments became four options, in order. */
	{
		struct obol_coap_opt_iter it;
		uint16_t num;
		unsigned count = 0;
		obol_coap_opt_begin(&m, &it);
		while (obol_coap_opt_next(&it, &num, &v, &n) > 0)
			count += num == OBOL_COAP_OPT_URI_QUERY;
		CHECK_INT(t, count, 4);
	}
	CHECK_INT(t, obol_coap_uri_query(&m, "aud", 3, &v, &n), 1);
	CHECK_MEM(t, v, n, (const uint8_t *)"rs1", 3); /* the first, not "second" */
	CHECK_INT(t, obol_coap_uri_query(&m, "flag", 4, &v, &n), 1);
	CHECK_INT(t, n, 0);
	CHECK_INT(t, obol_coap_uri_query(&m, "audience", 8, &v, &n), 1);
	CHECK_MEM(t, v, n, (const uint8_t *)"x", 1);
	CHECK_INT(t, obol_coap_uri_query(&m, "au", 2, &v, &n), 0); /* no prefix match */
	CHECK_INT(t, obol_coap_uri_query(&m, "x", 1, &v, &n), 0); /* the path is no query */
}

/* The option header alone (RFC 7252 3.1): nibbles and extended bytes. */
static void test_opt_header(struct obol_test_ctx *t)
{
	static const struct {
		uint32_t delta, len;
		const char *hex;
	} rows[] = {
		{0, 0, "00"}, {12, 12, "cc"}, {13, 0, "d000"}, {11, 268, "bdff"},
		{269, 1, "e10000"}, {65535 + 269, 269, "eeffff0000"},
	};
	size_t i;

	for (i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		uint8_t h[5], want[5];
		long n = obol_test_unhex(rows[i].hex, want, sizeof want);
		size_t got = obol_coap_opt_header(h, rows[i].delta, rows[i].len);
		CHECK_MEM(t, h, got, want, (size_t)n);
	}
}

/* RFC 8613 4.1, Figure 5; unknown options are Class E. */
static void test_oscore_class(struct obol_test_ctx *t)
{
	const unsigned e = OBOL_COAP_CLASS_E, u = OBOL_COAP_CLASS_U;
	static const struct {
		uint16_t num;
		unsigned cls;
	} rows[] = {
		{1, 1}, {3, 2}, {4, 1}, {5, 1}, {6, 3}, {7, 2}, {8, 1}, {9, 2},
		{11, 1}, {12, 1}, {14, 3}, {15, 1}, {17, 1}, {20, 1}, {23, 3},
		{27, 3}, {28, 3}, {35, 2}, {39, 2}, {60, 3}, {258, 3},
		{252, 1}, {292, 1}, {2, 1}, {65535, 1},
	};
	size_t i;

	CHECK_INT(t, e | u, 3);
	for (i = 0; i < sizeof rows / sizeof rows[0]; i++)
		CHECK_INT(t, obol_coap_oscore_class(rows[i].num), rows[i].cls);
}

/* ---- builder ------------------------------------------------------------------- */

static void test_builder(struct obol_test_ctx *t)
{
	static const uint8_t tok[9] = {1, 2, 3, 4, 5, 6, 7, 8, 9};
	uint8_t out[BUF], want[BUF];
	struct obol_coap_builder b;
	size_t n, wl, i;

	/* uint options: shortest forms (3.2). */
	{
		static const struct {
			uint32_t v;
			const char *hex;
		} u[] = {
			{0, "c0"},
			{1, "c101"},
			{255, "c1ff"},
			{256, "c20100"},
			{65535, "c2ffff"},
			{65536, "c3010000"},
			{0xffffff, "c3ffffff"},
			{0x1000000, "c401000000"},
			{0xffffffff, "c4ffffffff"},
		};
		for (i = 0; i < sizeof u / sizeof u[0]; i++) {
			uint32_t back;
			obol_coap_build_init(&b, out, sizeof out, OBOL_COAP_CON,
					     OBOL_COAP_GET, 0, NULL, 0);
			obol_coap_add_uint_option(&b, OBOL_COAP_OPT_CONTENT_FORMAT,
						  u[i].v);
			CHECK_INT(t, obol_coap_build_finish(&b, &n), OBOL_OK);
			wl = unhex(t, u[i].hex, want, sizeof want);
			CHECK_MEM(t, out + 4, n - 4, want, wl);
			CHECK_INT(t, obol_coap_opt_uint(out + 5, n - 5, &back), OBOL_OK);
			CHECK_INT(t, back, u[i].v);
		}
	}

	/* add_uri_path: empty segments skipped, no options for "" and "/". */
	{
		static const struct {
			const char *path, *hex;
		} p[] = {
			{"", ""},
			{"/", ""},
			{"//", ""},
			{"/a", "b161"},
			{"a", "b161"},
			{"/a/b", "b1610162"},
			{"a//b/", "b1610162"},
			{"/authz-info", "ba617574687a2d696e666f"},
			{"/abcdefghijklm", "bd006162636465666768696a6b6c6d"},
		};
		for (i = 0; i < sizeof p / sizeof p[0]; i++) {
			obol_coap_build_init(&b, out, sizeof out, OBOL_COAP_CON,
					     OBOL_COAP_GET, 0, NULL, 0);
			obol_coap_add_uri_path(&b, p[i].path, strlen(p[i].path));
			CHECK_INT(t, obol_coap_build_finish(&b, &n), OBOL_OK);
			wl = unhex(t, p[i].hex, want, sizeof want);
			CHECK_MEM(t, out + 4, n - 4, want, wl);
		}
		/* Only len bytes are read. */
		obol_coap_build_init(&b, out, sizeof out, OBOL_COAP_CON,
				     OBOL_COAP_GET, 0, NULL, 0);
		obol_coap_add_uri_path(&b, "/ab/cd", 4);
		CHECK_INT(t, obol_coap_build_finish(&b, &n), OBOL_OK);
		wl = unhex(t, "b26162", want, sizeof want);
		CHECK_MEM(t, out + 4, n - 4, want, wl);
	}

	/* Order: equal numbers repeat, a smaller one is refused (sticky). */
	obol_coap_build_init(&b, out, sizeof out, OBOL_COAP_CON, OBOL_COAP_GET,
			     0, NULL, 0);
	obol_coap_add_option(&b, 11, (const uint8_t *)"a", 1);
	obol_coap_add_option(&b, 11, (const uint8_t *)"b", 1);
	CHECK_INT(t, obol_coap_build_finish(&b, &n), OBOL_OK);
	obol_coap_add_option(&b, 3, (const uint8_t *)"h", 1);
	CHECK_INT(t, obol_coap_build_finish(&b, &n), OBOL_ERR_COAP_ORDER);
	obol_coap_add_option(&b, 12, NULL, 0);
	obol_coap_set_payload(&b, (const uint8_t *)"p", 1);
	obol_coap_set_payload(&b, (const uint8_t *)"p", 1);
	CHECK_INT(t, obol_coap_build_finish(&b, &n), OBOL_ERR_COAP_ORDER);

	/* Option after the payload, also after an empty payload. */
	obol_coap_build_init(&b, out, sizeof out, OBOL_COAP_CON, OBOL_COAP_GET,
			     0, NULL, 0);
	obol_coap_set_payload(&b, (const uint8_t *)"p", 1);
	obol_coap_add_option(&b, 60, NULL, 0);
	CHECK_INT(t, obol_coap_build_finish(&b, &n), OBOL_ERR_COAP_ORDER);
	obol_coap_build_init(&b, out, sizeof out, OBOL_COAP_CON, OBOL_COAP_GET,
			     0, NULL, 0);
	obol_coap_set_payload(&b, NULL, 0);
	CHECK_INT(t, obol_coap_build_finish(&b, &n), OBOL_OK);
	CHECK_INT(t, n, 4); /* nothing for an empty payload */
	obol_coap_add_uint_option(&b, 1, 0);
	CHECK_INT(t, obol_coap_build_finish(&b, &n), OBOL_ERR_COAP_ORDER);
	obol_coap_build_init(&b, out, sizeof out, OBOL_COAP_CON, OBOL_COAP_GET,
			     0, NULL, 0);
	obol_coap_set_payload(&b, NULL, 0);
	obol_coap_add_uri_path(&b, "/a", 2);
	CHECK_INT(t, obol_coap_build_finish(&b, &n), OBOL_ERR_COAP_ORDER);

	/* set_payload twice. */
	obol_coap_build_init(&b, out, sizeof out, OBOL_COAP_CON, OBOL_COAP_GET,
			     0, NULL, 0);
	obol_coap_set_payload(&b, (const uint8_t *)"p", 1);
	obol_coap_set_payload(&b, (const uint8_t *)"q", 1);
	CHECK_INT(t, obol_coap_build_finish(&b, &n), OBOL_ERR_ARG);
	obol_coap_build_init(&b, out, sizeof out, OBOL_COAP_CON, OBOL_COAP_GET,
			     0, NULL, 0);
	obol_coap_set_payload(&b, NULL, 0);
	obol_coap_set_payload(&b, NULL, 0);
	CHECK_INT(t, obol_coap_build_finish(&b, &n), OBOL_ERR_ARG);

	/* Token length 9 and more, type 4: refused. */
	obol_coap_build_init(&b, out, sizeof out, OBOL_COAP_CON, OBOL_COAP_GET,
			     0, tok, 9);
	CHECK_INT(t, obol_coap_build_finish(&b, &n), OBOL_ERR_COAP_TOKEN_LEN);
	obol_coap_build_init(&b, NULL, 0, OBOL_COAP_CON, OBOL_COAP_GET, 0, tok,
			     (size_t)-1);
	CHECK_INT(t, obol_coap_build_finish(&b, &n), OBOL_ERR_COAP_TOKEN_LEN);
	obol_coap_build_init(&b, out, sizeof out, 4, OBOL_COAP_GET, 0, NULL, 0);
	CHECK_INT(t, obol_coap_build_finish(&b, &n), OBOL_ERR_ARG);
	/* The first error is kept. */
	obol_coap_build_init(&b, out, sizeof out, OBOL_COAP_CON, OBOL_COAP_GET,
			     0, tok, 9);
	obol_coap_add_option(&b, 5, NULL, 0);
	obol_coap_add_option(&b, 4, NULL, 0);
	CHECK_INT(t, obol_coap_build_finish(&b, &n), OBOL_ERR_COAP_TOKEN_LEN);

	/* An Empty message: the header alone. finish accepts a NULL len. */
	obol_coap_build_init(&b, out, sizeof out, OBOL_COAP_ACK, OBOL_COAP_EMPTY,
			     0xbeef, NULL, 0);
	CHECK_INT(t, obol_coap_build_finish(&b, NULL), OBOL_OK);
	CHECK_INT(t, obol_coap_build_finish(&b, &n), OBOL_OK);
	wl = unhex(t, "6000beef", want, sizeof want);
	CHECK_MEM(t, out, n, want, wl);
}

/* Build the stage-th sample message (0: header, 1: + token, 2: + options,
 * 3: + payload) into buf (NULL: measure); returns finish()'s result. */
static int sample(uint8_t *buf, size_t cap, int stage, size_t *len)
{
	static const uint8_t tok[3] = {0xa, 0xb, 0xc};
	static const uint8_t pl[20] = {1, 2, 3};
	struct obol_coap_builder b;

	obol_coap_build_init(&b, buf, cap, OBOL_COAP_CON, OBOL_COAP_POST, 7,
			     tok, stage >= 1 ? sizeof tok : 0);
	if (stage >= 2) {
		obol_coap_add_uint_option(&b, OBOL_COAP_OPT_OSCORE, 0x0914);
		obol_coap_add_uri_path(&b, "/authz-info/x", 13);
		obol_coap_add_option(&b, OBOL_COAP_OPT_ECHO, pl, 13);
	}
	if (stage >= 3)
		obol_coap_set_payload(&b, pl, sizeof pl);
	return obol_coap_build_finish(&b, len);
}

/* Measure with NULL, build exactly, then every shorter buffer (canary). */
static void test_sizes(struct obol_test_ctx *t)
{
	static const size_t sizes[4] = {4, 7, 7 + 3 + 11 + 2 + 1 + 2 + 13,
					7 + 3 + 11 + 2 + 1 + 2 + 13 + 1 + 20};
	uint8_t out[128], full[128];
	struct obol_coap_msg m;
	size_t need, n, cap, i;
	int stage;

	for (stage = 0; stage < 4; stage++) {
		CHECK_INT(t, sample(NULL, 0, stage, &need), OBOL_OK);
		CHECK_INT(t, need, sizes[stage]);
		CHECK_INT(t, sample(NULL, 1000, stage, &n), OBOL_OK);
		CHECK_INT(t, n, need);
		memset(full, 0xa5, sizeof full);
		CHECK_INT(t, sample(full, need, stage, &n), OBOL_OK);
		CHECK_INT(t, n, need);
		CHECK_INT(t, full[need], 0xa5);
		CHECK_INT(t, obol_coap_parse(full, need, &m), OBOL_OK);
		for (cap = 0; cap < need; cap++) {
			unsigned past = 0;
			memset(out, 0xa5, sizeof out);
			CHECK_INT(t, sample(out, cap, stage, &n), OBOL_ERR_NO_SPACE);
			CHECK_INT(t, n, need); /* the size needed, all the same */
			for (i = cap; i < sizeof out; i++)
				past += out[i] != 0xa5;
			CHECK_INT(t, past, 0);
		}
	}
}

/* ---- random round trips --------------------------------------------------------- */

static uint32_t rnd(uint32_t *s)
{
	uint32_t x = *s;
	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	return *s = x;
}

/* A delta or length that favours the boundaries of RFC 7252 3.1. */
static uint32_t pick(uint32_t *s, uint32_t max)
{
	static const uint16_t edges[] = {0, 1, 12, 13, 14, 267, 268, 269, 270,
					 524, 525, 1000, 65535};
	uint32_t r = rnd(s), v;

	if (r & 1)
		v = edges[(r >> 1) % (sizeof edges / sizeof edges[0])];
	else if (r & 2)
		v = (r >> 2) % 16;
	else
		v = (r >> 2) % 300;
	return v > max ? (r >> 8) % (max + 1) : v;
}

#define RT_MAX_OPTS 12
#define RT_BUF 1024

static void test_round_trip(struct obol_test_ctx *t)
{
	uint32_t seed = 0x7252u;
	unsigned iter, bad = 0;

	for (iter = 0; iter < 4000 && bad < 5; iter++) {
		uint8_t pool[RT_BUF], out[RT_BUF], again[RT_BUF], tok[8];
		uint16_t nums[RT_MAX_OPTS];
		size_t lens[RT_MAX_OPTS], offs[RT_MAX_OPTS];
		struct obol_coap_builder b;
		struct obol_coap_msg m;
		struct obol_coap_opt_iter it;
		const uint8_t *v;
		uint16_t num;
		size_t nopts, i, n, n2, used = 0, tkl, plen, vn;
		uint32_t last = 0, r = rnd(&seed);
		uint8_t code = (uint8_t)(rnd(&seed) | 1); /* never Empty */
		unsigned before = t->failures;

		for (i = 0; i < sizeof pool; i++)
			pool[i] = (uint8_t)rnd(&seed);
		tkl = r % 9;
		memcpy(tok, pool, tkl);
		nopts = (r >> 4) % (RT_MAX_OPTS + 1);
		for (i = 0; i < nopts; i++) {
			uint32_t d = pick(&seed, 65535 - last);
			size_t l = pick(&seed, 300);
			if (used + l > 600)
				l = 0;
			last += d;
			nums[i] = (uint16_t)last;
			lens[i] = l;
			offs[i] = (size_t)(rnd(&seed) % (sizeof pool - l));
			used += l;
		}
		plen = (r >> 8) % 4 == 0 ? 0 : (size_t)((r >> 10) % 64);

		obol_coap_build_init(&b, out, sizeof out, (uint8_t)((r >> 16) & 3),
				     code, (uint16_t)(r >> 12), tok, tkl);
		for (i = 0; i < nopts; i++)
			obol_coap_add_option(&b, nums[i], pool + offs[i], lens[i]);
		obol_coap_set_payload(&b, pool + 7, plen);
		CHECK_INT(t, obol_coap_build_finish(&b, &n), OBOL_OK);

		CHECK_INT(t, obol_coap_parse(out, n, &m), OBOL_OK);
		CHECK_INT(t, m.type, (r >> 16) & 3);
		CHECK_INT(t, m.code, code);
		CHECK_INT(t, m.mid, (uint16_t)(r >> 12));
		CHECK_MEM(t, m.token, m.token_len, tok, tkl);
		CHECK_MEM(t, m.payload, m.payload_len, pool + 7, plen);
		obol_coap_opt_begin(&m, &it);
		for (i = 0; i < nopts; i++) {
			CHECK_INT(t, obol_coap_opt_next(&it, &num, &v, &vn), 1);
			CHECK_INT(t, num, nums[i]);
			CHECK_MEM(t, v, vn, pool + offs[i], lens[i]);
		}
		CHECK_INT(t, obol_coap_opt_next(&it, &num, &v, &vn), 0);
		if (nopts) {
			CHECK_INT(t, obol_coap_opt_find(&m, nums[0], &v, &vn), 1);
			CHECK(t, v >= out && v + vn <= out + n);
		}

		n2 = rebuild(t, &m, again, sizeof again);
		CHECK_MEM(t, again, n2, out, n);
		/* One byte less: the payload shrinks, or is missing. */
		if (plen > 1)
			CHECK_INT(t, obol_coap_parse(out, n - 1, &m), OBOL_OK);
		else if (plen == 1)
			CHECK_INT(t, obol_coap_parse(out, n - 1, &m),
				  OBOL_ERR_COAP_EMPTY_PAYLOAD);
		if (t->failures != before)
			bad++;
	}
	CHECK_INT(t, bad, 0);
}

void test_coap(struct obol_test_ctx *t)
{
	test_rfc8613(t);
	test_build_rfc8613(t);
	test_forms(t);
	test_big(t);
	test_malformed(t);
	test_valid(t);
	test_options(t);
	test_uri_path(t);
	test_uri_query(t);
	test_oscore_class(t);
	test_opt_header(t);
	test_builder(t);
	test_sizes(t);
	test_round_trip(t);
}
