/*
 * libFuzzer target: OSCORE (include/obol/oscore.h). The input is taken as
 *   - an OSCORE option value: decode, and what decodes re-encodes to the
 *     same bytes;
 *   - a datagram: obol_oscore_peek, then obol_oscore_unprotect_request
 *     with the servers of RFC 8613 C.1.2, C.2.2 and C.3.2 (fresh contexts,
 *     and a C.1.2 restored after a reboot with an Echo pending), and
 *     obol_oscore_unprotect_response with the client of C.1.1 bound to the
 *     request of C.4 (kid h'', Partial IV 0x14);
 *   - a plain request: protected by the C.1.1 client, unprotected by the
 *     C.1.2 server, which must give the input back byte for byte;
 *   - a request to answer with obol_oscore_error_response.
 * Invariants (abort() on violation): no output on error (length 0, the
 * zeroed output buffer still zero); on success the output parses as
 * CoAP, is no longer than the input, and the same Partial IV is never
 * accepted twice; an accepted request's response round-trips.
 * Seeds: tests/fuzz/corpus/oscore (C.4-C.8 and mutations).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "obol/coap.h"
#include "obol/oscore.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define REQUIRE(c)                                                           \
	do {                                                                 \
		if (!(c))                                                    \
			abort();                                             \
	} while (0)

#define MAXIN 4096
#define OUTCAP (MAXIN + 128)

/* RFC 8613 C.1-C.3: Master Secret, Master Salt, ID Context. */
static const uint8_t secret[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
static const uint8_t salt[8] = {0x9e, 0x7c, 0xa9, 0x22, 0x23, 0x78, 0x63, 0x40};
static const uint8_t idctx[8] = {0x37, 0xcb, 0xf3, 0x21, 0x00, 0x17, 0xa2, 0xd3};
static const uint8_t id0 = 0x00, id1 = 0x01;

/* which: 0 = C.1, 1 = C.2, 2 = C.3; server or client role. */
static void derive_now(struct obol_oscore_ctx *c, int which, int server)
{
	struct obol_oscore_params p;
	const uint8_t *cid = which == 1 ? &id0 : NULL;
	size_t cid_len = which == 1 ? 1 : 0;

	memset(&p, 0, sizeof p);
	p.master_secret = secret;
	p.master_secret_len = sizeof secret;
	if (which != 1) {
		p.master_salt = salt;
		p.master_salt_len = sizeof salt;
	}
	if (which == 2) {
		p.id_context = idctx;
		p.id_context_len = sizeof idctx;
	}
	p.sender_id = server ? &id1 : cid;
	p.sender_id_len = server ? 1 : cid_len;
	p.recipient_id = server ? cid : &id1;
	p.recipient_id_len = server ? cid_len : 1;
	REQUIRE(obol_oscore_derive(c, &p) == OBOL_OK);
}

/* The same, from a cache: the contexts are derived once (a context is
 * copied with plain assignment, oscore.h). */
static void derive(struct obol_oscore_ctx *c, int which, int server)
{
	static struct obol_oscore_ctx cache[3][2];
	static int ready;
	int i, j;

	if (!ready) {
		for (i = 0; i < 3; i++)
			for (j = 0; j < 2; j++)
				derive_now(&cache[i][j], i, j);
		ready = 1;
	}
	*c = cache[which][server != 0];
}

static int all_zero(const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i] != 0)
			return 0;
	return 1;
}

static int parses(const uint8_t *p, size_t n)
{
	struct obol_coap_msg m;

	return obol_coap_parse(p, n, &m) == OBOL_OK;
}

/* The C.1.2 server answers an accepted request; the C.1.1 client, bound
 * by the same kid and Partial IV, must read the answer back. */
static void answer(struct obol_oscore_ctx *srv, const struct obol_oscore_req *sreq,
		   unsigned flags, uint8_t *buf, uint8_t *out)
{
	static const uint8_t resp[] = {0x64, 0x45, 0x5d, 0x1f, 0x00, 0x00, 0x39, 0x74, 0xff,
				       'H', 'e', 'l', 'l', 'o'};
	struct obol_oscore_ctx cli;
	size_t len, n;
	int err;

	derive(&cli, 0, 0);
	err = obol_oscore_protect_response(srv, sreq, flags, resp, sizeof resp, buf, OUTCAP, &len);
	if (sreq->observe) {
		REQUIRE(err == OBOL_OK || err == OBOL_ERR_OSCORE_MISMATCH);
	} else {
		REQUIRE(err == OBOL_OK);
	}
	if (err == OBOL_OK) {
		REQUIRE(obol_oscore_unprotect_response(&cli, sreq, buf, len, out, OUTCAP, &n) ==
			OBOL_OK);
		REQUIRE(n == sizeof resp && memcmp(out, resp, n) == 0);
	}
}

/* One unprotect_request with the invariants. */
static void try_request(struct obol_oscore_ctx *c, const uint8_t *data, size_t size,
			uint8_t *out, uint8_t *buf, int answer_it)
{
	struct obol_oscore_req req, req2;
	size_t n = 12345;
	int err;

	memset(out, 0, OUTCAP);
	err = obol_oscore_unprotect_request(c, data, size, out, OUTCAP, &n, &req);
	if (err) {
		REQUIRE(n == 0 && all_zero(out, OUTCAP));
		if (err != OBOL_ERR_OSCORE_FRESHNESS)
			return;
		/* The 4.01 with Echo must be protectable (B.1.2). */
		answer(c, &req, 0, buf, out);
		return;
	}
	REQUIRE(n <= size && parses(out, n));
	REQUIRE(c->replay_init == 1);
	/* Never twice. */
	memset(out, 0, OUTCAP);
	REQUIRE(obol_oscore_unprotect_request(c, data, size, out, OUTCAP, &n, &req2) ==
		OBOL_ERR_OSCORE_REPLAY);
	REQUIRE(n == 0 && all_zero(out, OUTCAP));
	if (answer_it)
		answer(c, &req, OBOL_OSCORE_RESP_PIV, buf, out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t out[OUTCAP], buf[OUTCAP], back[OUTCAP];
	static const int errs[] = {OBOL_ERR_OSCORE_OPTION, OBOL_ERR_OSCORE_NO_CONTEXT,
				   OBOL_ERR_OSCORE_REPLAY, OBOL_ERR_OSCORE_DECRYPT,
				   OBOL_ERR_OSCORE_NOT_OSCORE};
	struct obol_oscore_option o, o2;
	struct obol_oscore_ctx c, cli;
	struct obol_oscore_req req;
	size_t n, i, len;
	int err;

	if (size > MAXIN)
		return 0;

	/* The option codec. */
	if (obol_oscore_option_decode(data, size, &o) == OBOL_OK) {
		REQUIRE(obol_oscore_option_encode(&o, out, OUTCAP, &n) == OBOL_OK);
		REQUIRE(n == size && memcmp(out, data, n) == 0);
		REQUIRE(o.piv_len <= 5);
	}

	/* peek agrees with decoding the option found. */
	err = obol_oscore_peek(data, size, &o);
	REQUIRE(err <= 1);
	if (err == 1) {
		struct obol_coap_msg m;
		const uint8_t *v;
		REQUIRE(obol_coap_parse(data, size, &m) == OBOL_OK);
		REQUIRE(obol_coap_opt_find(&m, OBOL_COAP_OPT_OSCORE, &v, &n) == 1);
		REQUIRE(obol_oscore_option_decode(v, n, &o2) == OBOL_OK);
		REQUIRE(o.kid == o2.kid && o.piv == o2.piv && o.kid_context == o2.kid_context);
	}

	/* Requests: the three servers, fresh. */
	for (i = 0; i < 3; i++) {
		derive(&c, (int)i, 1);
		try_request(&c, data, size, out, buf, i == 0);
	}
	/* A C.1.2 server after a reboot, Echo 0001020304050607 pending. */
	derive(&c, 0, 1);
	obol_oscore_restore(&c, 1000);
	for (i = 0; i < OBOL_OSCORE_ECHO_LEN; i++)
		c.echo[i] = (uint8_t)i;
	c.echo_pending = 1;
	try_request(&c, data, size, out, buf, 0);

	/* Responses: the C.1.1 client, bound to C.4's request. */
	derive(&cli, 0, 0);
	memset(&req, 0, sizeof req);
	req.piv[0] = 0x14;
	req.piv_len = 1;
	memset(out, 0, OUTCAP);
	n = 12345;
	err = obol_oscore_unprotect_response(&cli, &req, data, size, out, OUTCAP, &n);
	if (err)
		REQUIRE(n == 0 && all_zero(out, OUTCAP));
	else
		REQUIRE(n <= size && parses(out, n));

	/* As a plain request: protect, unprotect, the same bytes back. */
	derive(&cli, 0, 0);
	err = obol_oscore_protect_request(&cli, data, size, buf, OUTCAP, &len, &req);
	if (err == OBOL_OK) {
		derive(&c, 0, 1);
		REQUIRE(parses(buf, len));
		REQUIRE(obol_oscore_unprotect_request(&c, buf, len, back, OUTCAP, &n, &req) ==
			OBOL_OK);
		REQUIRE(n == size && memcmp(back, data, size) == 0);
	} else {
		REQUIRE(len == 0);
	}
	/* The same as a plain response to C.4's request. */
	derive(&c, 0, 1);
	req.kid_len = 0;
	req.piv[0] = 0x14;
	req.piv_len = 1;
	req.observe = 1;
	err = obol_oscore_protect_response(&c, &req, size & 1 ? OBOL_OSCORE_RESP_PIV : 0, data,
					   size, buf, OUTCAP, &len);
	if (err == OBOL_OK) {
		REQUIRE(parses(buf, len));
		REQUIRE(obol_oscore_unprotect_response(&cli, &req, buf, len, back, OUTCAP, &n) ==
			OBOL_OK);
		REQUIRE(parses(back, n));
	}

	/* Error responses. */
	for (i = 0; i < sizeof errs / sizeof errs[0]; i++) {
		err = obol_oscore_error_response(errs[i], data, size, 0x4242, out, OUTCAP, &n);
		if (err == OBOL_OK)
			REQUIRE(parses(out, n));
	}
	obol_oscore_wipe(&c);
	obol_oscore_wipe(&cli);
	return 0;
}
