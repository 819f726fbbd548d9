/*
 * OSCORE (include/obol/oscore.h, RFC 8613).
 *
 * Part 1, vectors: tests/vectors/oscore_rfc8613.txt, RFC 8613 Appendix
 * C.1-C.8 (format at its top). Every intermediate value is checked: HKDF
 * info, keys, Common IV, nonces for Partial IV 0 (C.1-C.3, both roles);
 * for C.4-C.8 the Partial IV, the OSCORE option value, aad_array and AAD,
 * plaintext, key, nonce and ciphertext (through the internal functions of
 * src/core/oscore_int.h), then the protected message byte for byte
 * through the API (the Sender Sequence Number is set in the context
 * directly: the struct is public, and the API has no test-only setter),
 * and the protected message unprotected by the peer.
 *
 * Part 2, rules and attacks: option codec, replay window, tampering,
 * wrong contexts, malformed options, SSN exhaustion and persistence,
 * reboot and Echo, response binding, Observe, error responses, both AEAD
 * algorithms, ID lengths 0 and 7, ID Context absent / empty / 8 bytes,
 * and 1,000 random round trips (deterministic PRNG). Prints the
 * per-message overhead of a GET /temp and its 2.05 response.
 *
 * Runs against every crypto backend. No allocation; the vector file is
 * read with stdio (PC only).
 */
#include <stdio.h>
#include <string.h>

#include "obol/coap.h"
#include "obol/oscore.h"
#include "test.h"
#include "../../src/core/oscore_int.h"

#ifndef OBOL_TEST_VECTORS
#error "OBOL_TEST_VECTORS (path of tests/vectors) must be defined"
#endif

#define BUF 1400 /* messages of the tests: at most ~1,200 bytes */

/* ---- helpers -------------------------------------------------------------- */

static const uint8_t secret16[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
static const uint8_t salt8[8] = {0x9e, 0x7c, 0xa9, 0x22, 0x23, 0x78, 0x63, 0x40};

/* A client and a server context on the same Master Secret. */
struct pair {
	struct obol_oscore_ctx cli, srv;
};

static int make_pair(struct pair *p, int alg, const uint8_t *cid, size_t cid_len,
		     const uint8_t *sid, size_t sid_len, const uint8_t *ctx, size_t ctx_len)
{
	struct obol_oscore_params a;
	int err;

	memset(&a, 0, sizeof a);
	a.master_secret = secret16;
	a.master_secret_len = sizeof secret16;
	a.master_salt = salt8;
	a.master_salt_len = sizeof salt8;
	a.id_context = ctx;
	a.id_context_len = ctx_len;
	a.aead_alg = alg;
	a.sender_id = cid;
	a.sender_id_len = cid_len;
	a.recipient_id = sid;
	a.recipient_id_len = sid_len;
	err = obol_oscore_derive(&p->cli, &a);
	if (err)
		return err;
	a.sender_id = sid;
	a.sender_id_len = sid_len;
	a.recipient_id = cid;
	a.recipient_id_len = cid_len;
	return obol_oscore_derive(&p->srv, &a);
}

/* The C.1 pair: client Sender ID h'', server Sender ID h'01'. */
static int c1_pair(struct pair *p)
{
	static const uint8_t one = 1;
	return make_pair(p, 0, NULL, 0, &one, 1, NULL, 0);
}

/* An option of a message to build. */
struct opt {
	uint16_t num;
	const uint8_t *val;
	size_t len;
};

/* Build a CoAP message; returns its length (0 and a failure if it does
 * not build). Options must be given in ascending order. */
static size_t build(struct obol_test_ctx *t, uint8_t *buf, size_t cap, uint8_t type,
		    uint8_t code, uint16_t mid, const uint8_t *tok, size_t tkl,
		    const struct opt *o, size_t n, const uint8_t *pl, size_t pl_len)
{
	struct obol_coap_builder b;
	size_t i, len = 0;
	int err;

	obol_coap_build_init(&b, buf, cap, type, code, mid, tok, tkl);
	for (i = 0; i < n; i++)
		obol_coap_add_option(&b, o[i].num, o[i].val, o[i].len);
	obol_coap_set_payload(&b, pl, pl_len);
	err = obol_coap_build_finish(&b, &len);
	CHECK_INT(t, err, OBOL_OK);
	return err ? 0 : len;
}

/*
 * Copy msg with its OSCORE option replaced (val NULL: removed; twice:
 * present two times) and, if pl is given, the payload replaced.
 */
static size_t reoption(struct obol_test_ctx *t, const uint8_t *msg, size_t len,
		       const uint8_t *val, size_t vlen, int twice, const uint8_t *pl,
		       size_t pl_len, int drop_payload, uint8_t *out, size_t cap)
{
	struct obol_coap_msg m;
	struct obol_coap_opt_iter it;
	struct obol_coap_builder b;
	const uint8_t *v;
	uint16_t num;
	size_t n, olen = 0;
	int done = 0;

	CHECK_INT(t, obol_coap_parse(msg, len, &m), OBOL_OK);
	obol_coap_build_init(&b, out, cap, m.type, m.code, m.mid, m.token, m.token_len);
	obol_coap_opt_begin(&m, &it);
	while (obol_coap_opt_next(&it, &num, &v, &n) > 0) {
		if (num >= OBOL_COAP_OPT_OSCORE && !done) {
			if (val != NULL) {
				obol_coap_add_option(&b, OBOL_COAP_OPT_OSCORE, val, vlen);
				if (twice)
					obol_coap_add_option(&b, OBOL_COAP_OPT_OSCORE, val, vlen);
			}
			done = 1;
		}
		if (num != OBOL_COAP_OPT_OSCORE)
			obol_coap_add_option(&b, num, v, n);
	}
	if (!done && val != NULL)
		obol_coap_add_option(&b, OBOL_COAP_OPT_OSCORE, val, vlen);
	if (!drop_payload) {
		if (pl != NULL)
			obol_coap_set_payload(&b, pl, pl_len);
		else
			obol_coap_set_payload(&b, m.payload, m.payload_len);
	}
	CHECK_INT(t, obol_coap_build_finish(&b, &olen), OBOL_OK);
	return olen;
}

/* 1 if needle occurs in hay. */
static int contains(const uint8_t *hay, size_t n, const char *needle)
{
	size_t k = strlen(needle), i;

	for (i = 0; i + k <= n; i++)
		if (memcmp(hay + i, needle, k) == 0)
			return 1;
	return 0;
}

/* The OSCORE option value of a datagram (length, or -1 if absent). */
static long oscore_value(const uint8_t *msg, size_t len, uint8_t *val)
{
	struct obol_coap_msg m;
	const uint8_t *v;
	size_t n;

	if (obol_coap_parse(msg, len, &m) != OBOL_OK ||
	    obol_coap_opt_find(&m, OBOL_COAP_OPT_OSCORE, &v, &n) != 1)
		return -1;
	if (n)
		memcpy(val, v, n);
	return (long)n;
}

/* ---- part 1: RFC 8613 Appendix C ------------------------------------------ */

#define F 64 /* longest vector field: 45 bytes */

struct hexf {
	uint8_t b[F];
	size_t len;
	int has;
};

struct vec {
	char id[16], kind[16], role[16], sender[16], receiver[16];
	int alg, line;
	unsigned long ssn;
	struct hexf master_secret, master_salt, sender_id, recipient_id, id_context,
		info_sender_key, info_recipient_key, info_common_iv, sender_key,
		recipient_key, common_iv, sender_nonce, recipient_nonce, unprotected, piv,
		kid, kid_context, request_kid, request_piv, aad_array, aad, plaintext, key,
		nonce, option, ciphertext, protected_;
};

#define NDERIVE 8
struct vecs {
	struct vec d[NDERIVE];
	size_t nd;
	unsigned derived, requests, responses;
};

static int vec_field(struct vec *v, char *line)
{
	char *val = strchr(line, ' ');
	struct {
		const char *name;
		struct hexf *f;
	} hex[] = {
		{"master_secret", &v->master_secret},
		{"master_salt", &v->master_salt},
		{"sender_id", &v->sender_id},
		{"recipient_id", &v->recipient_id},
		{"id_context", &v->id_context},
		{"info_sender_key", &v->info_sender_key},
		{"info_recipient_key", &v->info_recipient_key},
		{"info_common_iv", &v->info_common_iv},
		{"sender_key", &v->sender_key},
		{"recipient_key", &v->recipient_key},
		{"common_iv", &v->common_iv},
		{"sender_nonce", &v->sender_nonce},
		{"recipient_nonce", &v->recipient_nonce},
		{"unprotected", &v->unprotected},
		{"piv", &v->piv},
		{"kid", &v->kid},
		{"kid_context", &v->kid_context},
		{"request_kid", &v->request_kid},
		{"request_piv", &v->request_piv},
		{"aad_array", &v->aad_array},
		{"aad", &v->aad},
		{"plaintext", &v->plaintext},
		{"key", &v->key},
		{"nonce", &v->nonce},
		{"option", &v->option},
		{"ciphertext", &v->ciphertext},
		{"protected", &v->protected_},
	};
	struct {
		const char *name;
		char *s;
	} str[] = {
		{"id", v->id}, {"kind", v->kind}, {"role", v->role},
		{"sender", v->sender}, {"receiver", v->receiver},
	};
	size_t i;

	if (val == NULL)
		return 0;
	*val++ = '\0';
	for (i = 0; i < sizeof hex / sizeof hex[0]; i++) {
		if (strcmp(line, hex[i].name) == 0) {
			long n = strcmp(val, "-") == 0 ? 0 : obol_test_unhex(val, hex[i].f->b, F);
			if (n < 0 || hex[i].f->has)
				return 0;
			hex[i].f->len = (size_t)n;
			hex[i].f->has = 1;
			return 1;
		}
	}
	for (i = 0; i < sizeof str / sizeof str[0]; i++) {
		if (strcmp(line, str[i].name) == 0) {
			snprintf(str[i].s, 16, "%s", val);
			return 1;
		}
	}
	if (strcmp(line, "alg") == 0)
		return sscanf(val, "%d", &v->alg) == 1;
	if (strcmp(line, "ssn") == 0)
		return sscanf(val, "%lu", &v->ssn) == 1;
	return 0;
}

#define CHECK_F(t, got, got_len, f) CHECK_MEM(t, got, got_len, (f).b, (f).len)

static void params_of(const struct vec *d, struct obol_oscore_params *p)
{
	memset(p, 0, sizeof *p);
	p->master_secret = d->master_secret.b;
	p->master_secret_len = d->master_secret.len;
	if (d->master_salt.has) {
		p->master_salt = d->master_salt.b;
		p->master_salt_len = d->master_salt.len;
	}
	p->sender_id = d->sender_id.b;
	p->sender_id_len = d->sender_id.len;
	p->recipient_id = d->recipient_id.b;
	p->recipient_id_len = d->recipient_id.len;
	if (d->id_context.has) {
		p->id_context = d->id_context.b;
		p->id_context_len = d->id_context.len;
	}
	p->aead_alg = d->alg;
}

/* C.1-C.3: derive and check every output. */
static void run_derive(struct obol_test_ctx *t, const struct vec *d)
{
	struct obol_oscore_params p;
	struct obol_oscore_ctx c;
	uint8_t buf[OBOL_OSCORE_INFO_MAX], nonce[13], piv0 = 0;
	const uint8_t *ctx = d->id_context.has ? d->id_context.b : NULL;
	size_t n;

	CHECK_INT(t, obol_oscore_info(d->sender_id.b, d->sender_id.len, ctx, d->id_context.len,
				      d->alg, 0, buf, sizeof buf, &n), OBOL_OK);
	CHECK_F(t, buf, n, d->info_sender_key);
	CHECK_INT(t, obol_oscore_info(d->recipient_id.b, d->recipient_id.len, ctx,
				      d->id_context.len, d->alg, 0, buf, sizeof buf, &n), OBOL_OK);
	CHECK_F(t, buf, n, d->info_recipient_key);
	CHECK_INT(t, obol_oscore_info(NULL, 0, ctx, d->id_context.len, d->alg, 1, buf,
				      sizeof buf, &n), OBOL_OK);
	CHECK_F(t, buf, n, d->info_common_iv);

	params_of(d, &p);
	CHECK_INT(t, obol_oscore_derive(&c, &p), OBOL_OK);
	CHECK_F(t, c.sender_key, 16, d->sender_key);
	CHECK_F(t, c.recipient_key, 16, d->recipient_key);
	CHECK_F(t, c.common_iv, 13, d->common_iv);
	CHECK_F(t, c.sender_id, c.sender_id_len, d->sender_id);
	CHECK_F(t, c.recipient_id, c.recipient_id_len, d->recipient_id);
	CHECK_INT(t, c.has_id_context, d->id_context.has);
	CHECK_INT(t, c.alg, 10);
	CHECK_INT(t, c.tag_len, 8);
	CHECK_INT(t, c.ssn, 0);
	CHECK_INT(t, c.replay_init, 1);
	/* 5.2 with Partial IV 0, encoded 0x00. */
	CHECK_INT(t, obol_oscore_piv_encode(0, buf), 1);
	CHECK_INT(t, buf[0], 0);
	obol_oscore_nonce(c.common_iv, c.sender_id, c.sender_id_len, &piv0, 1, nonce);
	CHECK_F(t, nonce, 13, d->sender_nonce);
	obol_oscore_nonce(c.common_iv, c.recipient_id, c.recipient_id_len, &piv0, 1, nonce);
	CHECK_F(t, nonce, 13, d->recipient_nonce);
	obol_oscore_wipe(&c);
}

static const struct vec *find_derive(const struct vecs *vs, const char *id)
{
	size_t i;

	for (i = 0; i < vs->nd; i++)
		if (strcmp(vs->d[i].id, id) == 0)
			return &vs->d[i];
	return NULL;
}

/* C.4-C.8: intermediates, then the message through the API both ways. */
static void run_message(struct obol_test_ctx *t, const struct vecs *vs, const struct vec *v)
{
	const struct vec *sd = find_derive(vs, v->sender), *rd = find_derive(vs, v->receiver);
	struct obol_oscore_params p;
	struct obol_oscore_ctx snd, rcv;
	struct obol_oscore_req req, req2;
	struct obol_oscore_option o;
	struct obol_coap_msg m;
	struct obol_iov aad;
	uint8_t buf[BUF], out[BUF], piv[5], nonce[13];
	size_t n, len, out_len;
	int response = strcmp(v->kind, "response") == 0;
	const uint8_t *kid, *akid, *apiv;
	size_t kid_len, akid_len, apiv_len;

	CHECK(t, sd != NULL && rd != NULL);
	if (sd == NULL || rd == NULL)
		return;
	params_of(sd, &p);
	CHECK_INT(t, obol_oscore_derive(&snd, &p), OBOL_OK);
	params_of(rd, &p);
	CHECK_INT(t, obol_oscore_derive(&rcv, &p), OBOL_OK);
	CHECK_F(t, snd.sender_key, 16, v->key);

	/* The binding: the request's own kid and PIV, or those of C.4. */
	if (response) {
		akid = v->request_kid.b;
		akid_len = v->request_kid.len;
		apiv = v->request_piv.b;
		apiv_len = v->request_piv.len;
	} else {
		akid = v->kid.b;
		akid_len = v->kid.len;
		apiv = v->piv.b;
		apiv_len = v->piv.len;
	}
	/* Partial IV from the SSN (5, 8.1 step 3). */
	if (v->piv.has) {
		n = obol_oscore_piv_encode(v->ssn, piv);
		CHECK_F(t, piv, n, v->piv);
	}
	/* OSCORE option value (6.1). */
	memset(&o, 0, sizeof o);
	if (v->piv.has) {
		o.piv = v->piv.b;
		o.piv_len = v->piv.len;
	}
	if (v->kid.has) {
		o.kid = v->kid.b;
		o.kid_len = v->kid.len;
	}
	if (v->kid_context.has) {
		o.kid_context = v->kid_context.b;
		o.kid_context_len = v->kid_context.len;
	}
	CHECK_INT(t, obol_oscore_option_encode(&o, buf, sizeof buf, &n), OBOL_OK);
	CHECK_F(t, buf, n, v->option);
	/* AAD (5.4): aad_array inside. */
	CHECK_INT(t, obol_oscore_aad(snd.alg, akid, akid_len, apiv, apiv_len, buf, &n), OBOL_OK);
	CHECK_F(t, buf, n, v->aad);
	CHECK(t, n >= OBOL_OSCORE_AAD_ARRAY_OFF);
	CHECK_F(t, buf + OBOL_OSCORE_AAD_ARRAY_OFF, n - OBOL_OSCORE_AAD_ARRAY_OFF, v->aad_array);
	aad.p = buf;
	aad.len = n;
	/* Nonce (5.2): the sender's ID and PIV, or the request's. */
	if (v->piv.has)
		obol_oscore_nonce(snd.common_iv, snd.sender_id, snd.sender_id_len, v->piv.b,
				  v->piv.len, nonce);
	else
		obol_oscore_nonce(snd.common_iv, akid, akid_len, apiv, apiv_len, nonce);
	CHECK_F(t, nonce, 13, v->nonce);
	/* Plaintext (5.3). */
	CHECK_INT(t, obol_coap_parse(v->unprotected.b, v->unprotected.len, &m), OBOL_OK);
	len = obol_oscore_plaintext(&m, response, NULL);
	CHECK_INT(t, obol_oscore_plaintext(&m, response, out), len);
	CHECK_F(t, out, len, v->plaintext);
	/* Ciphertext: the backend on the vector's own values. */
	CHECK_INT(t, obol_port_aes_ccm_encrypt(v->key.b, v->nonce.b, 8, &aad, 1, v->plaintext.b,
					       v->plaintext.len, out), OBOL_OK);
	CHECK_F(t, out, v->plaintext.len + 8, v->ciphertext);

	/* The whole message through the API. */
	snd.ssn = v->ssn; /* test-only: see the top of the file */
	memset(&req, 0, sizeof req);
	if (response) {
		memcpy(req.kid, akid, akid_len);
		req.kid_len = (uint8_t)akid_len;
		memcpy(req.piv, apiv, apiv_len);
		req.piv_len = (uint8_t)apiv_len;
		CHECK_INT(t, obol_oscore_protect_response(&snd, &req, v->piv.has ? OBOL_OSCORE_RESP_PIV : 0,
							  v->unprotected.b, v->unprotected.len,
							  out, sizeof out, &out_len), OBOL_OK);
	} else {
		CHECK_INT(t, obol_oscore_protect_request(&snd, v->unprotected.b, v->unprotected.len,
							 out, sizeof out, &out_len, &req), OBOL_OK);
		CHECK_F(t, req.kid, req.kid_len, v->kid);
		CHECK_F(t, req.piv, req.piv_len, v->piv);
		CHECK_INT(t, req.observe, 0);
	}
	CHECK_F(t, out, out_len, v->protected_);
	CHECK_INT(t, snd.ssn, v->ssn + (v->piv.has ? 1u : 0u));
	CHECK_INT(t, obol_coap_parse(out, out_len, &m), OBOL_OK);
	CHECK_F(t, m.payload, m.payload_len, v->ciphertext);
	/* The size can be asked first, and an exact buffer is enough. */
	snd.ssn = v->ssn;
	if (response)
		CHECK_INT(t, obol_oscore_protect_response(&snd, &req, v->piv.has ? OBOL_OSCORE_RESP_PIV : 0,
							  v->unprotected.b, v->unprotected.len,
							  NULL, 0, &n), OBOL_ERR_NO_SPACE);
	else
		CHECK_INT(t, obol_oscore_protect_request(&snd, v->unprotected.b, v->unprotected.len,
							 NULL, 0, &n, &req2), OBOL_ERR_NO_SPACE);
	CHECK_INT(t, n, v->protected_.len);
	CHECK_INT(t, snd.ssn, v->ssn); /* nothing used up */
	if (response)
		CHECK_INT(t, obol_oscore_protect_response(&snd, &req, v->piv.has ? OBOL_OSCORE_RESP_PIV : 0,
							  v->unprotected.b, v->unprotected.len,
							  buf, n, &out_len), OBOL_OK);
	else
		CHECK_INT(t, obol_oscore_protect_request(&snd, v->unprotected.b, v->unprotected.len,
							 buf, n, &out_len, &req2), OBOL_OK);
	CHECK_F(t, buf, out_len, v->protected_);
	/* peek sees the kid (requests) and kid context. */
	CHECK_INT(t, obol_oscore_peek(v->protected_.b, v->protected_.len, &o), 1);
	kid = o.kid;
	kid_len = o.kid_len;
	CHECK_INT(t, kid != NULL, v->kid.has);
	if (kid != NULL)
		CHECK_F(t, kid, kid_len, v->kid);
	CHECK_INT(t, o.kid_context != NULL, v->kid_context.has);

	/* The peer unprotects the vector's message. */
	if (response) {
		CHECK_INT(t, obol_oscore_unprotect_response(&rcv, &req, v->protected_.b,
							    v->protected_.len, out, sizeof out,
							    &out_len), OBOL_OK);
	} else {
		CHECK_INT(t, obol_oscore_unprotect_request(&rcv, v->protected_.b, v->protected_.len,
							   out, sizeof out, &out_len, &req2), OBOL_OK);
		CHECK_F(t, req2.kid, req2.kid_len, v->kid);
		CHECK_F(t, req2.piv, req2.piv_len, v->piv);
		/* Replayed: refused. */
		CHECK_INT(t, obol_oscore_unprotect_request(&rcv, v->protected_.b, v->protected_.len,
							   buf, sizeof buf, &n, &req2),
			  OBOL_ERR_OSCORE_REPLAY);
	}
	CHECK_F(t, out, out_len, v->unprotected);
	/* An output buffer as long as the input is always enough. */
	if (response) {
		CHECK_INT(t, obol_oscore_unprotect_response(&rcv, &req, v->protected_.b,
							    v->protected_.len, buf,
							    v->protected_.len, &out_len), OBOL_OK);
		CHECK_F(t, buf, out_len, v->unprotected);
	}
	obol_oscore_wipe(&snd);
	obol_oscore_wipe(&rcv);
}

static void run_vec(struct obol_test_ctx *t, struct vecs *vs, struct vec *v)
{
	unsigned before = t->failures;
	char buf[120];

	if (strcmp(v->kind, "derive") == 0) {
		run_derive(t, v);
		vs->derived++;
		if (vs->nd < NDERIVE)
			vs->d[vs->nd++] = *v;
	} else if (strcmp(v->kind, "request") == 0 || strcmp(v->kind, "response") == 0) {
		run_message(t, vs, v);
		if (v->kind[2] == 'q')
			vs->requests++;
		else
			vs->responses++;
	} else {
		obol_test_fail(t, __FILE__, __LINE__, "vector of unknown kind");
	}
	if (t->failures != before) {
		snprintf(buf, sizeof buf, "oscore vector %.15s (line %d) failed (see above)", v->id,
			 v->line);
		t->out(buf);
	}
}

static void test_vectors(struct obol_test_ctx *t)
{
	static struct vecs vs; /* ~8 KiB: kept off the stack */
	char line[512];
	struct vec v;
	int lineno = 0, in_rec = 0;
	FILE *f = fopen(OBOL_TEST_VECTORS "/oscore_rfc8613.txt", "r");

	memset(&vs, 0, sizeof vs);
	if (f == NULL) {
		obol_test_fail(t, __FILE__, __LINE__, "cannot open oscore_rfc8613.txt");
		return;
	}
	memset(&v, 0, sizeof v);
	for (;;) {
		char *got = fgets(line, sizeof line, f);
		size_t n = got != NULL ? strlen(line) : 0;

		lineno++;
		while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			line[--n] = '\0';
		if (got != NULL && line[0] == '#')
			continue;
		if (got == NULL || n == 0) {
			if (in_rec)
				run_vec(t, &vs, &v);
			in_rec = 0;
			memset(&v, 0, sizeof v);
			if (got == NULL)
				break;
			continue;
		}
		if (!in_rec)
			v.line = lineno;
		in_rec = 1;
		if (!vec_field(&v, line)) {
			char buf[120];
			snprintf(buf, sizeof buf, "oscore_rfc8613.txt line %d: bad field", lineno);
			obol_test_fail(t, __FILE__, __LINE__, buf);
		}
	}
	fclose(f);
	/* C.1.1-C.3.2, C.4-C.6, C.7-C.8: all ran. */
	CHECK_INT(t, vs.derived, 6);
	CHECK_INT(t, vs.requests, 3);
	CHECK_INT(t, vs.responses, 2);
}

/* ---- part 2: rules -------------------------------------------------------- */

/* C.4's messages, for the attacks. */
static const char c4_plain[] = "44015d1f00003974396c6f63616c686f737483747631";

static void test_option_codec(struct obol_test_ctx *t)
{
	static const struct {
		const char *hex;
		int err;
	} bad[] = {
		{"00", OBOL_ERR_OSCORE_OPTION},       /* flags 0 must be the empty value */
		{"2914", OBOL_ERR_OSCORE_OPTION},     /* reserved bit 5 */
		{"4914", OBOL_ERR_OSCORE_OPTION},     /* reserved bit 6 */
		{"8914", OBOL_ERR_OSCORE_OPTION},     /* reserved bit 7 */
		{"0e010203040506", OBOL_ERR_OSCORE_OPTION}, /* n = 6 */
		{"0f01020304050607", OBOL_ERR_OSCORE_OPTION}, /* n = 7 */
		{"03aabb", OBOL_ERR_OSCORE_OPTION},   /* PIV past the end */
		{"1914", OBOL_ERR_OSCORE_OPTION},     /* h without s */
		{"191403aabb", OBOL_ERR_OSCORE_OPTION}, /* kid context past the end */
		{"0114ff", OBOL_ERR_OSCORE_OPTION},   /* bytes after, without kid */
		{"101000", OBOL_ERR_OSCORE_OPTION},   /* s = 16, one byte there */
	};
	static const char *good[] = {
		"", "0914", "091400", "19140837cbf3210017a2d3", "0100", "08", "1000", "10020102",
		"0dffffffffff01020304050607", "0b010203",
	};
	struct obol_oscore_option o;
	uint8_t v[64], out[64];
	size_t i, n;
	long len;

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		len = obol_test_unhex(bad[i].hex, v, sizeof v);
		CHECK_INT(t, obol_oscore_option_decode(v, (size_t)len, &o), bad[i].err);
	}
	/* What decodes re-encodes to itself. */
	for (i = 0; i < sizeof good / sizeof good[0]; i++) {
		len = obol_test_unhex(good[i], v, sizeof v);
		CHECK_INT(t, obol_oscore_option_decode(v, (size_t)len, &o), OBOL_OK);
		CHECK_INT(t, obol_oscore_option_encode(&o, out, sizeof out, &n), OBOL_OK);
		CHECK_MEM(t, out, n, v, (size_t)len);
		/* measuring */
		CHECK_INT(t, obol_oscore_option_encode(&o, NULL, 0, &n),
			  len ? OBOL_ERR_NO_SPACE : OBOL_OK);
		CHECK_INT(t, n, len);
	}
	/* C.6: every field. */
	len = obol_test_unhex("19140837cbf3210017a2d3", v, sizeof v);
	CHECK_INT(t, obol_oscore_option_decode(v, (size_t)len, &o), OBOL_OK);
	CHECK_INT(t, o.piv_len, 1);
	CHECK_INT(t, o.piv[0], 0x14);
	CHECK(t, o.kid != NULL);
	CHECK_INT(t, o.kid_len, 0);
	CHECK(t, o.kid_context == v + 3);
	CHECK_INT(t, o.kid_context_len, 8);
	/* Present-but-empty kid context differs from absent. */
	len = obol_test_unhex("1000", v, sizeof v);
	CHECK_INT(t, obol_oscore_option_decode(v, (size_t)len, &o), OBOL_OK);
	CHECK(t, o.kid_context != NULL && o.kid_context_len == 0 && o.kid == NULL && o.piv == NULL);
	CHECK_INT(t, obol_oscore_option_decode(v, 0, &o), OBOL_OK);
	CHECK(t, o.kid_context == NULL && o.kid == NULL && o.piv == NULL);
	/* encode: too small, bad PIV length. */
	len = obol_test_unhex("091400", v, sizeof v);
	CHECK_INT(t, obol_oscore_option_decode(v, (size_t)len, &o), OBOL_OK);
	CHECK_INT(t, obol_oscore_option_encode(&o, out, 2, &n), OBOL_ERR_NO_SPACE);
	CHECK_INT(t, n, 3);
	o.piv_len = 6;
	CHECK_INT(t, obol_oscore_option_encode(&o, out, sizeof out, &n), OBOL_ERR_ARG);
	/* Partial IV forms (5, 6.1). */
	{
		uint64_t x = 0;
		CHECK_INT(t, obol_oscore_piv_encode(0xff, v), 1);
		CHECK_INT(t, obol_oscore_piv_encode(0x100, v), 2);
		CHECK_INT(t, obol_oscore_piv_encode(OBOL_OSCORE_SSN_MAX, v), 5);
		CHECK_INT(t, obol_oscore_piv_decode(v, 5, &x), OBOL_OK);
		CHECK(t, x == OBOL_OSCORE_SSN_MAX);
		v[0] = 0;
		CHECK_INT(t, obol_oscore_piv_decode(v, 2, &x), OBOL_ERR_OSCORE_OPTION);
		CHECK_INT(t, obol_oscore_piv_decode(v, 1, &x), OBOL_OK);
		CHECK_INT(t, obol_oscore_piv_decode(v, 0, &x), OBOL_ERR_OSCORE_OPTION);
		CHECK_INT(t, obol_oscore_piv_decode(v, 6, &x), OBOL_ERR_OSCORE_OPTION);
	}
}

static void test_derive_rules(struct obol_test_ctx *t)
{
	static const uint8_t id7a[7] = {1, 2, 3, 4, 5, 6, 7}, id7b[7] = {7, 6, 5, 4, 3, 2, 1};
	static const uint8_t id8[8] = {1, 2, 3, 4, 5, 6, 7, 8}, ctx8[8] = {0x37, 0xcb, 0xf3, 0x21, 0, 0x17, 0xa2, 0xd3};
	struct obol_oscore_params p;
	struct obol_oscore_ctx a, b, c;
	static const uint8_t empty = 0;

	/* The context fits its budget on this host too. */
	CHECK(t, sizeof(struct obol_oscore_ctx) <= OBOL_OSCORE_CTX_SIZE_MAX);
	memset(&p, 0, sizeof p);
	p.master_secret = secret16;
	p.master_secret_len = 16;
	p.sender_id = id7a;
	p.sender_id_len = 7;
	p.recipient_id = id7b;
	p.recipient_id_len = 7;
	CHECK_INT(t, obol_oscore_derive(&a, &p), OBOL_OK);
	p.sender_id = id8;
	p.sender_id_len = 8; /* 3.3: at most 7 */
	CHECK_INT(t, obol_oscore_derive(&b, &p), OBOL_ERR_ARG);
	p.sender_id = id7b; /* equal IDs */
	p.sender_id_len = 7;
	CHECK_INT(t, obol_oscore_derive(&b, &p), OBOL_ERR_ARG);
	p.sender_id = NULL; /* both empty: equal too */
	p.sender_id_len = 0;
	p.recipient_id_len = 0;
	CHECK_INT(t, obol_oscore_derive(&b, &p), OBOL_ERR_ARG);
	p.recipient_id_len = 7;
	p.master_secret_len = 0;
	CHECK_INT(t, obol_oscore_derive(&b, &p), OBOL_ERR_ARG);
	p.master_secret_len = 16;
	p.aead_alg = 11;
	CHECK_INT(t, obol_oscore_derive(&b, &p), OBOL_ERR_CRYPTO_UNSUPPORTED);
	p.aead_alg = 0;
	p.hkdf_alg = -11;
	CHECK_INT(t, obol_oscore_derive(&b, &p), OBOL_ERR_CRYPTO_UNSUPPORTED);
	p.hkdf_alg = OBOL_ALG_HKDF_SHA_256;
	/* ID Context: absent, present but empty, 8 bytes: three contexts. */
	CHECK_INT(t, obol_oscore_derive(&a, &p), OBOL_OK);
	p.id_context = &empty;
	p.id_context_len = 0;
	CHECK_INT(t, obol_oscore_derive(&b, &p), OBOL_OK);
	p.id_context = ctx8;
	p.id_context_len = 8;
	CHECK_INT(t, obol_oscore_derive(&c, &p), OBOL_OK);
	CHECK(t, a.has_id_context == 0 && b.has_id_context == 1 && b.id_context_len == 0);
	CHECK(t, memcmp(a.sender_key, b.sender_key, 16) != 0);
	CHECK(t, memcmp(a.common_iv, b.common_iv, 13) != 0);
	CHECK(t, memcmp(b.sender_key, c.sender_key, 16) != 0);
	p.id_context_len = OBOL_OSCORE_MAX_ID_CONTEXT + 1;
	CHECK_INT(t, obol_oscore_derive(&c, &p), OBOL_ERR_ARG);
	/* alg 30: other keys (alg in the info), 16-byte tags. */
	p.id_context = NULL;
	p.id_context_len = 0;
	p.aead_alg = OBOL_ALG_AES_CCM_16_128_128;
	CHECK_INT(t, obol_oscore_derive(&c, &p), OBOL_OK);
	CHECK_INT(t, c.tag_len, 16);
	CHECK(t, memcmp(a.sender_key, c.sender_key, 16) != 0);
	/* wipe clears everything */
	obol_oscore_wipe(&c);
	{
		size_t i, nz = 0;
		for (i = 0; i < sizeof c; i++)
			nz += ((const uint8_t *)&c)[i] != 0;
		CHECK_INT(t, nz, 0);
	}
}

/* An OSCORE request from the client of p: GET /tv1 with Uri-Host. */
static size_t client_get(struct obol_test_ctx *t, struct pair *p, uint8_t *out,
			 struct obol_oscore_req *req)
{
	uint8_t plain[64];
	size_t n, len;
	long k = obol_test_unhex(c4_plain, plain, sizeof plain);

	CHECK(t, k > 0);
	CHECK_INT(t, obol_oscore_protect_request(&p->cli, plain, (size_t)k, out, BUF, &len, req),
		  OBOL_OK);
	n = len;
	return n;
}

static void test_replay(struct obol_test_ctx *t)
{
	struct pair p;
	struct obol_oscore_req req;
	uint8_t m[6][BUF], out[BUF];
	size_t len[6], n;
	int i;

	CHECK_INT(t, c1_pair(&p), OBOL_OK);
	for (i = 0; i < 3; i++)
		len[i] = client_get(t, &p, m[i], &req); /* PIVs 0, 1, 2 */
	/* Reordered within the window: accepted. */
	CHECK_INT(t, obol_oscore_unprotect_request(&p.srv, m[2], len[2], out, BUF, &n, &req), OBOL_OK);
	CHECK_INT(t, obol_oscore_unprotect_request(&p.srv, m[0], len[0], out, BUF, &n, &req), OBOL_OK);
	CHECK_INT(t, obol_oscore_unprotect_request(&p.srv, m[1], len[1], out, BUF, &n, &req), OBOL_OK);
	/* Each only once. */
	for (i = 0; i < 3; i++) {
		memset(out, 0xaa, sizeof out);
		n = 99;
		CHECK_INT(t, obol_oscore_unprotect_request(&p.srv, m[i], len[i], out, BUF, &n, &req),
			  OBOL_ERR_OSCORE_REPLAY);
		CHECK_INT(t, n, 0);
		CHECK_INT(t, out[0], 0xaa); /* nothing written */
	}
	/* Window edge: highest 40; 9 (= 40 - 31) accepted, 8 refused. */
	p.cli.ssn = 8;
	len[3] = client_get(t, &p, m[3], &req);
	len[4] = client_get(t, &p, m[4], &req); /* 9 */
	p.cli.ssn = 40;
	len[5] = client_get(t, &p, m[5], &req);
	CHECK_INT(t, obol_oscore_unprotect_request(&p.srv, m[5], len[5], out, BUF, &n, &req), OBOL_OK);
	CHECK_INT(t, req.piv[0], 40);
	CHECK_INT(t, obol_oscore_unprotect_request(&p.srv, m[3], len[3], out, BUF, &n, &req),
		  OBOL_ERR_OSCORE_REPLAY);
	CHECK_INT(t, obol_oscore_unprotect_request(&p.srv, m[4], len[4], out, BUF, &n, &req), OBOL_OK);
	CHECK_INT(t, obol_oscore_unprotect_request(&p.srv, m[4], len[4], out, BUF, &n, &req),
		  OBOL_ERR_OSCORE_REPLAY);
	/* The window functions on their own: a jump of exactly 32. */
	{
		struct obol_oscore_ctx c = p.srv;
		c.replay_high = 0;
		c.replay_bits = 0;
		CHECK_INT(t, obol_oscore_window_check(&c, 0), OBOL_OK);
		obol_oscore_window_record(&c, 0);
		CHECK_INT(t, obol_oscore_window_check(&c, 0), OBOL_ERR_OSCORE_REPLAY);
		obol_oscore_window_record(&c, 32);
		CHECK_INT(t, obol_oscore_window_check(&c, 0), OBOL_ERR_OSCORE_REPLAY);
		CHECK_INT(t, obol_oscore_window_check(&c, 1), OBOL_OK);
		CHECK_INT(t, obol_oscore_window_check(&c, 32), OBOL_ERR_OSCORE_REPLAY);
		obol_oscore_window_record(&c, OBOL_OSCORE_SSN_MAX);
		CHECK_INT(t, obol_oscore_window_check(&c, OBOL_OSCORE_SSN_MAX - 31), OBOL_OK);
		CHECK_INT(t, obol_oscore_window_check(&c, OBOL_OSCORE_SSN_MAX - 32),
			  OBOL_ERR_OSCORE_REPLAY);
	}
}

static void test_tamper(struct obol_test_ctx *t)
{
	static const uint8_t ctx_a[8] = {0x37, 0xcb, 0xf3, 0x21, 0, 0x17, 0xa2, 0xd3};
	static const uint8_t ctx_b[8] = {0x37, 0xcb, 0xf3, 0x21, 0, 0x17, 0xa2, 0xd4};
	static const uint8_t one = 1, two = 2;
	struct pair p, q;
	struct obol_oscore_req req;
	uint8_t msg[BUF], bad[BUF], out[BUF], ref[BUF], val[64];
	size_t len, blen, n, rlen;
	long vlen;

	CHECK_INT(t, c1_pair(&p), OBOL_OK);
	len = client_get(t, &p, msg, &req);
	/* Reference: what the server makes of the untouched message. */
	q = p;
	CHECK_INT(t, obol_oscore_unprotect_request(&q.srv, msg, len, ref, BUF, &rlen, &req), OBOL_OK);

	/* Ciphertext: first and last byte. */
	memcpy(bad, msg, len);
	bad[len - 1] ^= 1;
	memset(out, 0, sizeof out);
	n = 99;
	CHECK_INT(t, obol_oscore_unprotect_request(&p.srv, bad, len, out, BUF, &n, &req),
		  OBOL_ERR_OSCORE_DECRYPT);
	CHECK_INT(t, n, 0);
	CHECK(t, !contains(out, sizeof out, "tv1")); /* no plaintext left */
	memcpy(bad, msg, len);
	bad[len - 13] ^= 0x80; /* the encrypted Code */
	CHECK_INT(t, obol_oscore_unprotect_request(&p.srv, bad, len, out, BUF, &n, &req),
		  OBOL_ERR_OSCORE_DECRYPT);
	/* A failed decryption does not burn the Partial IV. */
	q = p;
	CHECK_INT(t, obol_oscore_unprotect_request(&q.srv, msg, len, out, BUF, &n, &req), OBOL_OK);

	/* The OSCORE option: Partial IV (0x00 -> 0x01), kid. */
	vlen = oscore_value(msg, len, val);
	CHECK_INT(t, vlen, 2); /* 09 00: k, n = 1, PIV 0, kid h'' */
	val[1] = 1;
	blen = reoption(t, msg, len, val, (size_t)vlen, 0, NULL, 0, 0, bad, BUF);
	CHECK_INT(t, obol_oscore_unprotect_request(&p.srv, bad, blen, out, BUF, &n, &req),
		  OBOL_ERR_OSCORE_DECRYPT);
	val[1] = 0;
	val[2] = 1; /* kid h'01': not the server's Recipient ID */
	blen = reoption(t, msg, len, val, 3, 0, NULL, 0, 0, bad, BUF);
	CHECK_INT(t, obol_oscore_unprotect_request(&p.srv, bad, blen, out, BUF, &n, &req),
		  OBOL_ERR_OSCORE_NO_CONTEXT);
	/* Non-minimal Partial IV 00 00. */
	val[0] = 0x0a;
	val[1] = 0;
	val[2] = 0;
	blen = reoption(t, msg, len, val, 3, 0, NULL, 0, 0, bad, BUF);
	CHECK_INT(t, obol_oscore_unprotect_request(&p.srv, bad, blen, out, BUF, &n, &req),
		  OBOL_ERR_OSCORE_OPTION);
	/* No kid, no Partial IV, empty value. */
	val[0] = 0x01;
	val[1] = 0;
	blen = reoption(t, msg, len, val, 2, 0, NULL, 0, 0, bad, BUF);
	CHECK_INT(t, obol_oscore_unprotect_request(&p.srv, bad, blen, out, BUF, &n, &req),
		  OBOL_ERR_OSCORE_OPTION);
	val[0] = 0x08;
	blen = reoption(t, msg, len, val, 1, 0, NULL, 0, 0, bad, BUF);
	CHECK_INT(t, obol_oscore_unprotect_request(&p.srv, bad, blen, out, BUF, &n, &req),
		  OBOL_ERR_OSCORE_OPTION);
	blen = reoption(t, msg, len, val, 0, 0, NULL, 0, 0, bad, BUF);
	CHECK_INT(t, obol_oscore_unprotect_request(&p.srv, bad, blen, out, BUF, &n, &req),
		  OBOL_ERR_OSCORE_OPTION);
	/* Malformed: reserved bits, n = 6 and 7, truncated kid context. */
	{
		static const char *mal[] = {"2900", "4900", "8900", "0e000000000001", "0f00000000000000",
					    "1900", "190005aabb", "00"};
		size_t i;
		for (i = 0; i < sizeof mal / sizeof mal[0]; i++) {
			vlen = obol_test_unhex(mal[i], val, sizeof val);
			blen = reoption(t, msg, len, val, (size_t)vlen, 0, NULL, 0, 0, bad, BUF);
			memset(out, 0xaa, sizeof out);
			CHECK_INT(t, obol_oscore_unprotect_request(&p.srv, bad, blen, out, BUF, &n, &req),
				  OBOL_ERR_OSCORE_OPTION);
			CHECK_INT(t, n, 0);
			CHECK_INT(t, out[0], 0xaa);
			CHECK_INT(t, obol_oscore_peek(bad, blen, &(struct obol_oscore_option){0}),
				  OBOL_ERR_OSCORE_OPTION);
			CHECK_INT(t, obol_oscore_error_response(OBOL_ERR_OSCORE_OPTION, bad, blen, 1,
								out, BUF, &n), OBOL_OK);
		}
	}
	/* OSCORE option twice; no payload; a payload shorter than the tag. */
	vlen = oscore_value(msg, len, val);
	blen = reoption(t, msg, len, val, (size_t)vlen, 1, NULL, 0, 0, bad, BUF);
	CHECK_INT(t, obol_oscore_unprotect_request(&p.srv, bad, blen, out, BUF, &n, &req),
		  OBOL_ERR_OSCORE_OPTION);
	blen = reoption(t, msg, len, val, (size_t)vlen, 0, NULL, 0, 1, bad, BUF);
	CHECK_INT(t, obol_oscore_unprotect_request(&p.srv, bad, blen, out, BUF, &n, &req),
		  OBOL_ERR_OSCORE_OPTION);
	blen = reoption(t, msg, len, val, (size_t)vlen, 0, (const uint8_t *)"12345678", 8, 0, bad,
			BUF);
	CHECK_INT(t, obol_oscore_unprotect_request(&p.srv, bad, blen, out, BUF, &n, &req),
		  OBOL_ERR_OSCORE_OPTION);
	/* No OSCORE option at all. */
	blen = reoption(t, msg, len, NULL, 0, 0, NULL, 0, 0, bad, BUF);
	CHECK_INT(t, obol_oscore_unprotect_request(&p.srv, bad, blen, out, BUF, &n, &req),
		  OBOL_ERR_OSCORE_NOT_OSCORE);
	CHECK_INT(t, obol_oscore_peek(bad, blen, &(struct obol_oscore_option){0}), 0);
	/* Not CoAP: the codec's error. */
	CHECK_INT(t, obol_oscore_unprotect_request(&p.srv, msg, 3, out, BUF, &n, &req),
		  OBOL_ERR_COAP_TRUNCATED);

	/*
	 * The outer Code is not integrity-protected in OSCORE (4.2: the
	 * receiver discards it; only the inner Code is). Changing POST to
	 * DELETE or PUT changes nothing: the plain request is the same GET.
	 * Turning it into a response code makes it no request: OBOL_ERR_ARG.
	 */
	memcpy(bad, msg, len);
	bad[1] = OBOL_COAP_DELETE;
	q = p;
	CHECK_INT(t, obol_oscore_unprotect_request(&q.srv, bad, len, out, BUF, &n, &req), OBOL_OK);
	CHECK_MEM(t, out, n, ref, rlen);
	CHECK_INT(t, out[1], OBOL_COAP_GET);
	bad[1] = OBOL_COAP_CONTENT;
	CHECK_INT(t, obol_oscore_unprotect_request(&q.srv, bad, len, out, BUF, &n, &req),
		  OBOL_ERR_ARG);

	/* Wrong context: the same IDs under another Master Secret. */
	{
		struct pair w;
		struct obol_oscore_params a;
		uint8_t other[16];
		memcpy(other, secret16, 16);
		other[0] ^= 1;
		memset(&a, 0, sizeof a);
		a.master_secret = other;
		a.master_secret_len = 16;
		a.master_salt = salt8;
		a.master_salt_len = 8;
		a.sender_id = &one;
		a.sender_id_len = 1;
		a.recipient_id = NULL;
		a.recipient_id_len = 0;
		CHECK_INT(t, obol_oscore_derive(&w.srv, &a), OBOL_OK);
		CHECK_INT(t, obol_oscore_unprotect_request(&w.srv, msg, len, out, BUF, &n, &req),
			  OBOL_ERR_OSCORE_DECRYPT);
		/* Another Recipient ID: the kid is not ours. */
		a.recipient_id = &two;
		a.recipient_id_len = 1;
		CHECK_INT(t, obol_oscore_derive(&w.srv, &a), OBOL_OK);
		CHECK_INT(t, obol_oscore_unprotect_request(&w.srv, msg, len, out, BUF, &n, &req),
			  OBOL_ERR_OSCORE_NO_CONTEXT);
	}
	/* Wrong ID Context: kid context mismatch, or a context without one. */
	CHECK_INT(t, make_pair(&p, 0, NULL, 0, &one, 1, ctx_a, 8), OBOL_OK);
	CHECK_INT(t, make_pair(&q, 0, NULL, 0, &one, 1, ctx_b, 8), OBOL_OK);
	len = client_get(t, &p, msg, &req);
	CHECK_INT(t, obol_oscore_unprotect_request(&q.srv, msg, len, out, BUF, &n, &req),
		  OBOL_ERR_OSCORE_NO_CONTEXT);
	CHECK_INT(t, c1_pair(&q), OBOL_OK);
	CHECK_INT(t, obol_oscore_unprotect_request(&q.srv, msg, len, out, BUF, &n, &req),
		  OBOL_ERR_OSCORE_NO_CONTEXT);
	CHECK_INT(t, obol_oscore_unprotect_request(&p.srv, msg, len, out, BUF, &n, &req), OBOL_OK);
	/* Without the kid context in the message, the server's context is
	 * still found by kid (5.1) and decrypts with its own keys. */
	p.cli.ssn = 5;
	len = client_get(t, &p, msg, &req);
	vlen = oscore_value(msg, len, val);
	CHECK_INT(t, vlen, 11);
	val[0] &= (uint8_t)~0x10u; /* 19 05 08 <ctx> -> 09 05 */
	blen = reoption(t, msg, len, val, 2, 0, NULL, 0, 0, bad, BUF);
	CHECK_INT(t, obol_oscore_unprotect_request(&p.srv, bad, blen, out, BUF, &n, &req), OBOL_OK);
}

/* ---- SSN, persistence, reboot --------------------------------------------- */

struct hook {
	unsigned calls;
	uint64_t last;
	int fail;
};

static int hook_fn(void *arg, uint64_t bound)
{
	struct hook *h = arg;

	h->calls++;
	if (h->fail)
		return OBOL_ERR_ARG;
	h->last = bound;
	return OBOL_OK;
}

static void test_ssn(struct obol_test_ctx *t)
{
	struct pair p;
	struct obol_oscore_req req;
	struct hook h;
	uint8_t msg[BUF], out[BUF], plain[64], val[16];
	size_t len, n, i;
	long k = obol_test_unhex(c4_plain, plain, sizeof plain);
	int err;

	/* Exhaustion (7.2.1): 2^40 - 1 is the last SSN. */
	CHECK_INT(t, c1_pair(&p), OBOL_OK);
	p.cli.ssn = OBOL_OSCORE_SSN_MAX;
	len = client_get(t, &p, msg, &req);
	CHECK_INT(t, oscore_value(msg, len, val), 6);
	CHECK_INT(t, val[0], 0x0d);
	CHECK_INT(t, req.piv_len, 5);
	CHECK_INT(t, obol_oscore_unprotect_request(&p.srv, msg, len, out, BUF, &n, &req), OBOL_OK);
	CHECK_INT(t, obol_oscore_protect_request(&p.cli, plain, (size_t)k, msg, BUF, &len, &req),
		  OBOL_ERR_OSCORE_SSN_EXHAUSTED);
	CHECK_INT(t, len, 0);
	/* A response without Partial IV needs no SSN; with one it does. */
	p.srv.ssn = OBOL_OSCORE_SSN_MAX + 1;
	{
		uint8_t resp[32];
		size_t rl = build(t, resp, sizeof resp, OBOL_COAP_ACK, OBOL_COAP_CONTENT, 1, NULL, 0,
				  NULL, 0, (const uint8_t *)"x", 1);
		CHECK_INT(t, obol_oscore_protect_response(&p.srv, &req, 0, resp, rl, out, BUF, &n),
			  OBOL_OK);
		CHECK_INT(t, obol_oscore_protect_response(&p.srv, &req, OBOL_OSCORE_RESP_PIV, resp, rl,
							  out, BUF, &n),
			  OBOL_ERR_OSCORE_SSN_EXHAUSTED);
	}

	/* Persistence (B.1.1): a bound before the SSN reaches it. */
	CHECK_INT(t, c1_pair(&p), OBOL_OK);
	memset(&h, 0, sizeof h);
	obol_oscore_set_persist(&p.cli, hook_fn, &h);
	len = client_get(t, &p, msg, &req);
	CHECK_INT(t, h.calls, 1);
	CHECK(t, h.last == OBOL_OSCORE_SSN_STEP);
	for (i = 1; i < OBOL_OSCORE_SSN_STEP; i++)
		len = client_get(t, &p, msg, &req);
	CHECK_INT(t, h.calls, 1);
	CHECK_INT(t, req.piv[0], OBOL_OSCORE_SSN_STEP - 1);
	/* SSN 64 = the bound: persist 128 first; fail closed. */
	h.fail = 1;
	memset(out, 0xaa, sizeof out);
	len = 99;
	err = obol_oscore_protect_request(&p.cli, plain, (size_t)k, out, BUF, &len, &req);
	CHECK_INT(t, err, OBOL_ERR_OSCORE_PERSIST);
	CHECK_INT(t, len, 0);
	for (i = 0; i < BUF && out[i] == 0xaa; i++)
		;
	CHECK_INT(t, i, BUF); /* no output */
	CHECK(t, p.cli.ssn == OBOL_OSCORE_SSN_STEP); /* nothing used */
	CHECK_INT(t, h.calls, 2);
	h.fail = 0;
	len = client_get(t, &p, msg, &req);
	CHECK_INT(t, h.calls, 3);
	CHECK(t, h.last == 2 * OBOL_OSCORE_SSN_STEP);
	CHECK(t, p.cli.ssn_bound == 2 * OBOL_OSCORE_SSN_STEP);
	/* Responses with a Partial IV use SSNs too: the server persists. */
	memset(&h, 0, sizeof h);
	obol_oscore_set_persist(&p.srv, hook_fn, &h);
	CHECK_INT(t, obol_oscore_unprotect_request(&p.srv, msg, len, out, BUF, &n, &req), OBOL_OK);
	{
		uint8_t resp[32];
		size_t rl = build(t, resp, sizeof resp, OBOL_COAP_ACK, OBOL_COAP_CONTENT, 1, NULL, 0,
				  NULL, 0, (const uint8_t *)"x", 1);
		CHECK_INT(t, obol_oscore_protect_response(&p.srv, &req, 0, resp, rl, out, BUF, &n),
			  OBOL_OK);
		CHECK_INT(t, h.calls, 0); /* the request's nonce: no SSN */
		CHECK_INT(t, obol_oscore_protect_response(&p.srv, &req, OBOL_OSCORE_RESP_PIV, resp, rl,
							  out, BUF, &n), OBOL_OK);
		CHECK_INT(t, h.calls, 1);
	}
}

static void test_reboot_echo(struct obol_test_ctx *t)
{
	struct pair p;
	struct obol_oscore_req req, sreq;
	struct obol_oscore_option o;
	struct hook h;
	uint8_t old[BUF], first[BUF], msg[BUF], out[BUF], resp[64], echo[8];
	uint8_t tok[2] = {0xbe, 0xef};
	size_t olen, flen, len, n, rl;
	struct opt eo[2];

	CHECK_INT(t, c1_pair(&p), OBOL_OK);
	/* Before the reboot: requests 0..9, the server saw them all. */
	for (n = 0; n < 10; n++) {
		olen = client_get(t, &p, old, &req);
		CHECK_INT(t, obol_oscore_unprotect_request(&p.srv, old, olen, out, BUF, &len, &sreq),
			  OBOL_OK);
	}
	/* Server reboots: it restores its SSN bound and loses its window. */
	memset(&h, 0, sizeof h);
	obol_oscore_restore(&p.srv, 640);
	obol_oscore_set_persist(&p.srv, hook_fn, &h);
	CHECK(t, p.srv.ssn == 640 && p.srv.replay_init == 0);
	/* A replay of request 9 is not accepted: Echo first (B.1.2). */
	CHECK_INT(t, obol_oscore_unprotect_request(&p.srv, old, olen, out, BUF, &len, &sreq),
		  OBOL_ERR_OSCORE_FRESHNESS);
	CHECK_INT(t, len, 0);
	CHECK(t, !contains(out, BUF, "tv1"));
	CHECK_INT(t, sreq.piv[0], 9); /* but the binding was filled */
	/* A new request: also refused, and answered with a protected 4.01
	 * carrying a fresh Echo and the server's own Partial IV. */
	flen = client_get(t, &p, first, &req);
	CHECK_INT(t, obol_oscore_unprotect_request(&p.srv, first, flen, out, BUF, &len, &sreq),
		  OBOL_ERR_OSCORE_FRESHNESS);
	CHECK_INT(t, obol_oscore_echo_new(&p.srv, echo), OBOL_OK);
	eo[0].num = OBOL_COAP_OPT_ECHO;
	eo[0].val = echo;
	eo[0].len = 8;
	rl = build(t, resp, sizeof resp, OBOL_COAP_ACK, OBOL_COAP_UNAUTHORIZED, 7, tok, 2, eo, 1,
		   NULL, 0);
	CHECK_INT(t, obol_oscore_protect_response(&p.srv, &sreq, 0, resp, rl, msg, BUF, &len),
		  OBOL_OK);
	CHECK_INT(t, obol_oscore_peek(msg, len, &o), 1);
	CHECK(t, o.piv != NULL && o.piv_len == 2 && o.piv[0] == 640 >> 8 && o.piv[1] == (640 & 0xff));
	CHECK_INT(t, h.calls, 1);
	CHECK(t, h.last == 640 + OBOL_OSCORE_SSN_STEP);
	CHECK_INT(t, obol_oscore_unprotect_response(&p.cli, &req, msg, len, out, BUF, &n), OBOL_OK);
	CHECK_MEM(t, out, n, resp, rl);
	/* A wrong Echo: still refused. */
	{
		uint8_t plain[64], wrong[8];
		struct opt ro[3];
		size_t pl;
		memcpy(wrong, echo, 8);
		wrong[7] ^= 1;
		ro[0].num = OBOL_COAP_OPT_URI_PATH;
		ro[0].val = (const uint8_t *)"tv1";
		ro[0].len = 3;
		ro[1].num = OBOL_COAP_OPT_ECHO;
		ro[1].val = wrong;
		ro[1].len = 8;
		pl = build(t, plain, sizeof plain, OBOL_COAP_CON, OBOL_COAP_GET, 9, tok, 2, ro, 2,
			   NULL, 0);
		CHECK_INT(t, obol_oscore_protect_request(&p.cli, plain, pl, msg, BUF, &len, &req),
			  OBOL_OK);
		CHECK_INT(t, obol_oscore_unprotect_request(&p.srv, msg, len, out, BUF, &n, &sreq),
			  OBOL_ERR_OSCORE_FRESHNESS);
		/* The right Echo: accepted; the window starts there. */
		ro[1].val = echo;
		pl = build(t, plain, sizeof plain, OBOL_COAP_CON, OBOL_COAP_GET, 10, tok, 2, ro, 2,
			   NULL, 0);
		CHECK_INT(t, obol_oscore_protect_request(&p.cli, plain, pl, msg, BUF, &len, &req),
			  OBOL_OK);
		CHECK_INT(t, obol_oscore_unprotect_request(&p.srv, msg, len, out, BUF, &n, &sreq),
			  OBOL_OK);
		CHECK_MEM(t, out, n, plain, pl);
		CHECK_INT(t, p.srv.replay_init, 1);
		CHECK_INT(t, p.srv.echo_pending, 0);
		/* The same again, the refused first one, an old one: replays. */
		CHECK_INT(t, obol_oscore_unprotect_request(&p.srv, msg, len, out, BUF, &n, &sreq),
			  OBOL_ERR_OSCORE_REPLAY);
		CHECK_INT(t, obol_oscore_unprotect_request(&p.srv, first, flen, out, BUF, &n, &sreq),
			  OBOL_ERR_OSCORE_REPLAY);
		CHECK_INT(t, obol_oscore_unprotect_request(&p.srv, old, olen, out, BUF, &n, &sreq),
			  OBOL_ERR_OSCORE_REPLAY);
		/* The Echo is spent: used again (with a new PIV), it is
		 * simply ignored, the window being trusted again. */
		pl = build(t, plain, sizeof plain, OBOL_COAP_CON, OBOL_COAP_GET, 11, tok, 2, ro, 2,
			   NULL, 0);
		CHECK_INT(t, obol_oscore_protect_request(&p.cli, plain, pl, msg, BUF, &len, &req),
			  OBOL_OK);
		CHECK_INT(t, obol_oscore_unprotect_request(&p.srv, msg, len, out, BUF, &n, &sreq),
			  OBOL_OK);
	}
	/* Client reboot: restore(bound) continues at the bound. */
	memset(&h, 0, sizeof h);
	obol_oscore_restore(&p.cli, 1000);
	obol_oscore_set_persist(&p.cli, hook_fn, &h);
	len = client_get(t, &p, msg, &req);
	CHECK_INT(t, req.piv_len, 2);
	CHECK_INT(t, (req.piv[0] << 8) | req.piv[1], 1000);
	CHECK(t, h.calls == 1 && h.last == 1000 + OBOL_OSCORE_SSN_STEP);
	/* Without a pending Echo a restored server refuses everything. */
	obol_oscore_restore(&p.srv, 2000);
	CHECK_INT(t, obol_oscore_unprotect_request(&p.srv, msg, len, out, BUF, &n, &sreq),
		  OBOL_ERR_OSCORE_FRESHNESS);
}

/* ---- responses, Observe, error responses ---------------------------------- */

static void test_responses(struct obol_test_ctx *t)
{
	static const uint8_t tok[3] = {1, 2, 3};
	struct pair p;
	struct obol_oscore_req r1, r2, s1, s2, bad;
	struct obol_oscore_option o;
	uint8_t m1[BUF], m2[BUF], out[BUF], resp[64], prot[BUF];
	size_t l1, l2, rl, pl, n;

	CHECK_INT(t, c1_pair(&p), OBOL_OK);
	l1 = client_get(t, &p, m1, &r1);
	l2 = client_get(t, &p, m2, &r2);
	CHECK_INT(t, obol_oscore_unprotect_request(&p.srv, m1, l1, out, BUF, &n, &s1), OBOL_OK);
	CHECK_INT(t, obol_oscore_unprotect_request(&p.srv, m2, l2, out, BUF, &n, &s2), OBOL_OK);
	rl = build(t, resp, sizeof resp, OBOL_COAP_ACK, OBOL_COAP_CONTENT, 0x5d1f, tok, 3, NULL, 0,
		   (const uint8_t *)"22.5 C", 6);
	/* Without Partial IV: bound to request 1 only. */
	CHECK_INT(t, obol_oscore_protect_response(&p.srv, &s1, 0, resp, rl, prot, BUF, &pl), OBOL_OK);
	CHECK_INT(t, obol_oscore_peek(prot, pl, &o), 1);
	CHECK(t, o.piv == NULL && o.kid == NULL && o.kid_context == NULL);
	CHECK_INT(t, prot[1], OBOL_COAP_CHANGED);
	CHECK_INT(t, obol_oscore_unprotect_response(&p.cli, &r2, prot, pl, out, BUF, &n),
		  OBOL_ERR_OSCORE_DECRYPT);
	CHECK_INT(t, n, 0);
	CHECK_INT(t, obol_oscore_unprotect_response(&p.cli, &r1, prot, pl, out, BUF, &n), OBOL_OK);
	CHECK_MEM(t, out, n, resp, rl);
	/* A binding that is not this context's: MISMATCH. */
	bad = r1;
	bad.kid_len = 1;
	bad.kid[0] = 9;
	CHECK_INT(t, obol_oscore_unprotect_response(&p.cli, &bad, prot, pl, out, BUF, &n),
		  OBOL_ERR_OSCORE_MISMATCH);
	CHECK_INT(t, obol_oscore_protect_response(&p.srv, &bad, 0, resp, rl, prot, BUF, &n),
		  OBOL_ERR_OSCORE_MISMATCH);
	bad = r1;
	bad.piv_len = 0;
	CHECK_INT(t, obol_oscore_unprotect_response(&p.cli, &bad, prot, pl, out, BUF, &n),
		  OBOL_ERR_ARG);
	/* With its own Partial IV (8.3 step 3). */
	CHECK_INT(t, obol_oscore_protect_response(&p.srv, &s2, OBOL_OSCORE_RESP_PIV, resp, rl, prot,
						  BUF, &pl), OBOL_OK);
	CHECK_INT(t, obol_oscore_peek(prot, pl, &o), 1);
	CHECK(t, o.piv != NULL && o.piv_len == 1 && o.piv[0] == 0 && o.kid == NULL);
	CHECK_INT(t, obol_oscore_unprotect_response(&p.cli, &r1, prot, pl, out, BUF, &n),
		  OBOL_ERR_OSCORE_DECRYPT); /* still bound to request 2 */
	CHECK_INT(t, obol_oscore_unprotect_response(&p.cli, &r2, prot, pl, out, BUF, &n), OBOL_OK);
	CHECK_MEM(t, out, n, resp, rl);
	/* Its Partial IV tampered with. */
	{
		uint8_t val[8], b[BUF];
		size_t bl;
		long vl = oscore_value(prot, pl, val);
		val[1] ^= 1;
		bl = reoption(t, prot, pl, val, (size_t)vl, 0, NULL, 0, 0, b, BUF);
		CHECK_INT(t, obol_oscore_unprotect_response(&p.cli, &r2, b, bl, out, BUF, &n),
			  OBOL_ERR_OSCORE_DECRYPT);
		/* A kid in a response must be the peer's. */
		val[0] = 0x09;
		val[1] = 0;
		val[2] = 7;
		bl = reoption(t, prot, pl, val, 3, 0, NULL, 0, 0, b, BUF);
		CHECK_INT(t, obol_oscore_unprotect_response(&p.cli, &r2, b, bl, out, BUF, &n),
			  OBOL_ERR_OSCORE_MISMATCH);
	}
	/* Unprotected error responses are not OSCORE. */
	CHECK_INT(t, obol_oscore_unprotect_response(&p.cli, &r1, resp, rl, out, BUF, &n),
		  OBOL_ERR_OSCORE_NOT_OSCORE);
	/* Requests are not responses and the other way round. */
	CHECK_INT(t, obol_oscore_protect_response(&p.srv, &s1, 0, m1, l1, prot, BUF, &n), OBOL_ERR_ARG);
	CHECK_INT(t, obol_oscore_protect_request(&p.cli, resp, rl, prot, BUF, &n, &r1), OBOL_ERR_ARG);
	CHECK_INT(t, obol_oscore_protect_response(&p.srv, &s1, 0x80, resp, rl, prot, BUF, &n),
		  OBOL_ERR_ARG);
	/* What OSCORE cannot carry: an OSCORE option, a Proxy-Uri. */
	{
		struct opt po[1];
		uint8_t b[64];
		size_t bl;
		po[0].num = OBOL_COAP_OPT_OSCORE;
		po[0].val = NULL;
		po[0].len = 0;
		bl = build(t, b, sizeof b, OBOL_COAP_CON, OBOL_COAP_GET, 1, NULL, 0, po, 1, NULL, 0);
		CHECK_INT(t, obol_oscore_protect_request(&p.cli, b, bl, prot, BUF, &n, &r1),
			  OBOL_ERR_ARG);
		po[0].num = OBOL_COAP_OPT_PROXY_URI;
		po[0].val = (const uint8_t *)"coap://h/x";
		po[0].len = 10;
		bl = build(t, b, sizeof b, OBOL_COAP_CON, OBOL_COAP_GET, 1, NULL, 0, po, 1, NULL, 0);
		CHECK_INT(t, obol_oscore_protect_request(&p.cli, b, bl, prot, BUF, &n, &r1),
			  OBOL_ERR_ARG);
	}
}

static void test_observe(struct obol_test_ctx *t)
{
	static const uint8_t tok[2] = {0xaa, 0xbb}, seven = 7, one = 1;
	struct pair p;
	struct obol_oscore_req req, sreq;
	struct obol_oscore_option o;
	struct obol_coap_msg m;
	struct opt ro[3];
	uint8_t plain[64], prot[BUF], out[BUF], notif[64], expect[64];
	const uint8_t *v;
	size_t pl, len, n, nl, el;

	CHECK_INT(t, c1_pair(&p), OBOL_OK);
	/* GET + Observe 0: outer FETCH, Observe outer and inner. */
	ro[0].num = OBOL_COAP_OPT_OBSERVE;
	ro[0].val = NULL;
	ro[0].len = 0;
	ro[1].num = OBOL_COAP_OPT_URI_PATH;
	ro[1].val = (const uint8_t *)"temp";
	ro[1].len = 4;
	pl = build(t, plain, sizeof plain, OBOL_COAP_CON, OBOL_COAP_GET, 1, tok, 2, ro, 2, NULL, 0);
	CHECK_INT(t, obol_oscore_protect_request(&p.cli, plain, pl, prot, BUF, &len, &req), OBOL_OK);
	CHECK_INT(t, req.observe, 1);
	CHECK_INT(t, prot[1], OBOL_COAP_FETCH);
	CHECK_INT(t, obol_coap_parse(prot, len, &m), OBOL_OK);
	CHECK_INT(t, obol_coap_opt_find(&m, OBOL_COAP_OPT_OBSERVE, &v, &n), 1);
	CHECK_INT(t, n, 0);
	CHECK_INT(t, obol_coap_opt_find(&m, OBOL_COAP_OPT_URI_PATH, &v, &n), 0); /* inner */
	CHECK_INT(t, obol_oscore_unprotect_request(&p.srv, prot, len, out, BUF, &n, &sreq), OBOL_OK);
	CHECK_MEM(t, out, n, plain, pl);
	CHECK_INT(t, sreq.observe, 1);
	/* Notification: outer 2.05, outer Observe = the value, inner
	 * Observe empty, always a Partial IV (4.1.3.5.2). */
	ro[0].val = &seven;
	ro[0].len = 1;
	ro[1].num = OBOL_COAP_OPT_CONTENT_FORMAT;
	ro[1].val = NULL;
	ro[1].len = 0;
	ro[2].num = OBOL_COAP_OPT_MAX_AGE;
	ro[2].val = &seven;
	ro[2].len = 1;
	nl = build(t, notif, sizeof notif, OBOL_COAP_NON, OBOL_COAP_CONTENT, 2, tok, 2, ro, 3,
		   (const uint8_t *)"21", 2);
	ro[0].len = 0;
	el = build(t, expect, sizeof expect, OBOL_COAP_NON, OBOL_COAP_CONTENT, 2, tok, 2, ro, 3,
		   (const uint8_t *)"21", 2);
	CHECK_INT(t, obol_oscore_protect_response(&p.srv, &sreq, 0, notif, nl, prot, BUF, &len),
		  OBOL_OK);
	CHECK_INT(t, prot[1], OBOL_COAP_CONTENT);
	CHECK_INT(t, obol_oscore_peek(prot, len, &o), 1);
	CHECK(t, o.piv != NULL && o.piv_len == 1);
	CHECK_INT(t, obol_coap_parse(prot, len, &m), OBOL_OK);
	CHECK_INT(t, obol_coap_opt_find(&m, OBOL_COAP_OPT_OBSERVE, &v, &n), 1);
	CHECK(t, n == 1 && v[0] == 7);
	/* Max-Age: outer 0 (4.1.3.1), the real one inner. */
	CHECK_INT(t, obol_coap_opt_find(&m, OBOL_COAP_OPT_MAX_AGE, &v, &n), 1);
	CHECK_INT(t, n, 0);
	CHECK_INT(t, obol_coap_opt_find(&m, OBOL_COAP_OPT_CONTENT_FORMAT, &v, &n), 0);
	CHECK_INT(t, obol_oscore_unprotect_response(&p.cli, &req, prot, len, out, BUF, &n), OBOL_OK);
	CHECK_MEM(t, out, n, expect, el);
	/* A second notification: a new Partial IV, same binding. */
	CHECK_INT(t, obol_oscore_protect_response(&p.srv, &sreq, 0, notif, nl, prot, BUF, &len),
		  OBOL_OK);
	CHECK_INT(t, obol_oscore_peek(prot, len, &o), 1);
	CHECK(t, o.piv != NULL && o.piv[0] == 1);
	CHECK_INT(t, obol_oscore_unprotect_response(&p.cli, &req, prot, len, out, BUF, &n), OBOL_OK);
	/* The client did not ask for Observe: stop (4.1.3.5.2). */
	req.observe = 0;
	CHECK_INT(t, obol_oscore_unprotect_response(&p.cli, &req, prot, len, out, BUF, &n),
		  OBOL_ERR_OSCORE_MISMATCH);
	CHECK_INT(t, n, 0);
	sreq.observe = 0; /* and the server may not send one */
	CHECK_INT(t, obol_oscore_protect_response(&p.srv, &sreq, 0, notif, nl, prot, BUF, &len),
		  OBOL_ERR_ARG);
	/* FETCH + Observe (cancel): FETCH; POST + Observe: FETCH too
	 * (4.1.3.5: every request with Observe). */
	ro[0].num = OBOL_COAP_OPT_OBSERVE;
	ro[0].val = &one;
	ro[0].len = 1;
	pl = build(t, plain, sizeof plain, OBOL_COAP_CON, OBOL_COAP_FETCH, 1, tok, 2, ro, 1,
		   (const uint8_t *)"q", 1);
	CHECK_INT(t, obol_oscore_protect_request(&p.cli, plain, pl, prot, BUF, &len, &req), OBOL_OK);
	CHECK_INT(t, prot[1], OBOL_COAP_FETCH);
	pl = build(t, plain, sizeof plain, OBOL_COAP_CON, OBOL_COAP_POST, 1, tok, 2, ro, 1,
		   (const uint8_t *)"q", 1);
	CHECK_INT(t, obol_oscore_protect_request(&p.cli, plain, pl, prot, BUF, &len, &req), OBOL_OK);
	CHECK_INT(t, prot[1], OBOL_COAP_FETCH);
	CHECK_INT(t, obol_oscore_unprotect_request(&p.srv, prot, len, out, BUF, &n, &sreq), OBOL_OK);
	CHECK_MEM(t, out, n, plain, pl); /* the inner POST comes back */
	/* No-Response: outer only for 26 (4.1.3.6). */
	{
		static const uint8_t nr26 = 26, nr2 = 2;
		struct opt no[1];
		no[0].num = OBOL_COAP_OPT_NO_RESPONSE;
		no[0].val = &nr26;
		no[0].len = 1;
		pl = build(t, plain, sizeof plain, OBOL_COAP_NON, OBOL_COAP_POST, 1, tok, 2, no, 1,
			   (const uint8_t *)"q", 1);
		CHECK_INT(t, obol_oscore_protect_request(&p.cli, plain, pl, prot, BUF, &len, &req),
			  OBOL_OK);
		CHECK_INT(t, obol_coap_parse(prot, len, &m), OBOL_OK);
		CHECK_INT(t, obol_coap_opt_find(&m, OBOL_COAP_OPT_NO_RESPONSE, &v, &n), 1);
		CHECK_INT(t, obol_oscore_unprotect_request(&p.srv, prot, len, out, BUF, &n, &sreq),
			  OBOL_OK);
		CHECK_MEM(t, out, n, plain, pl);
		no[0].val = &nr2;
		pl = build(t, plain, sizeof plain, OBOL_COAP_NON, OBOL_COAP_POST, 1, tok, 2, no, 1,
			   (const uint8_t *)"q", 1);
		CHECK_INT(t, obol_oscore_protect_request(&p.cli, plain, pl, prot, BUF, &len, &req),
			  OBOL_OK);
		CHECK_INT(t, obol_coap_parse(prot, len, &m), OBOL_OK);
		CHECK_INT(t, obol_coap_opt_find(&m, OBOL_COAP_OPT_NO_RESPONSE, &v, &n), 0);
	}
}

static void test_error_responses(struct obol_test_ctx *t)
{
	static const struct {
		int err;
		const char *hex; /* answer to the CON request below */
	} cases[] = {
		{OBOL_ERR_OSCORE_OPTION, "628212340abcd001ff" "4661696c656420746f206465636f646520434f5345"},
		{OBOL_ERR_OSCORE_NO_CONTEXT,
		 "628112340abcd001ff" "536563757269747920636f6e74657874206e6f7420666f756e64"},
		{OBOL_ERR_OSCORE_REPLAY, "628112340abcd001ff" "5265706c6179206465746563746564"},
		{OBOL_ERR_OSCORE_DECRYPT, "628012340abcd001ff" "44656372797074696f6e206661696c6564"},
		{OBOL_ERR_OSCORE_NOT_OSCORE, "628112340abcd001"},
	};
	static const uint8_t tok[2] = {0x0a, 0xbc};
	uint8_t req[32], out[64], want[64];
	size_t rl, n, i;
	long wl;

	/* CON, MID 0x1234, token 0abc: ACK, same MID and token, Max-Age 0
	 * (d0 01: delta 14, empty), the diagnostic payload of 8.2/7.4. */
	rl = build(t, req, sizeof req, OBOL_COAP_CON, OBOL_COAP_POST, 0x1234, tok, 2, NULL, 0,
		   (const uint8_t *)"x", 1);
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		wl = obol_test_unhex(cases[i].hex, want, sizeof want);
		CHECK_INT(t, obol_oscore_error_response(cases[i].err, req, rl, 0x9999, out, sizeof out,
							&n), OBOL_OK);
		CHECK_MEM(t, out, n, want, (size_t)wl);
		/* measuring */
		CHECK_INT(t, obol_oscore_error_response(cases[i].err, req, rl, 0x9999, NULL, 0, &n),
			  OBOL_ERR_NO_SPACE);
		CHECK_INT(t, n, wl);
	}
	/* NON request: NON answer with the MID given. */
	rl = build(t, req, sizeof req, OBOL_COAP_NON, OBOL_COAP_GET, 0x1234, tok, 2, NULL, 0, NULL, 0);
	wl = obol_test_unhex("528199990abcd001ff5265706c6179206465746563746564", want, sizeof want);
	CHECK_INT(t, obol_oscore_error_response(OBOL_ERR_OSCORE_REPLAY, req, rl, 0x9999, out,
						sizeof out, &n), OBOL_OK);
	CHECK_MEM(t, out, n, want, (size_t)wl);
	/* Other errors: not for this function. */
	CHECK_INT(t, obol_oscore_error_response(OBOL_ERR_OSCORE_FRESHNESS, req, rl, 1, out,
						sizeof out, &n), OBOL_ERR_ARG);
	CHECK_INT(t, obol_oscore_error_response(OBOL_OK, req, rl, 1, out, sizeof out, &n),
		  OBOL_ERR_ARG);
	CHECK_INT(t, obol_oscore_error_response(OBOL_ERR_OSCORE_REPLAY, req, rl, 1, out, 5, &n),
		  OBOL_ERR_NO_SPACE);
	CHECK_INT(t, obol_oscore_error_response(OBOL_ERR_OSCORE_REPLAY, req, 2, 1, out, sizeof out,
						&n), OBOL_ERR_COAP_TRUNCATED);
}

/* ---- algorithms, ID lengths, overhead ------------------------------------- */

/* One GET /x?y round trip with a response, on the pair given. */
static void round_trip(struct obol_test_ctx *t, struct pair *p, unsigned flags)
{
	static const uint8_t tok[4] = {9, 8, 7, 6};
	struct obol_oscore_req req, sreq;
	struct opt ro[3];
	uint8_t plain[64], resp[64], prot[BUF], out[BUF];
	size_t pl, rl, len, n;

	ro[0].num = OBOL_COAP_OPT_URI_HOST;
	ro[0].val = (const uint8_t *)"rs";
	ro[0].len = 2;
	ro[1].num = OBOL_COAP_OPT_URI_PATH;
	ro[1].val = (const uint8_t *)"x";
	ro[1].len = 1;
	ro[2].num = OBOL_COAP_OPT_URI_QUERY;
	ro[2].val = (const uint8_t *)"y";
	ro[2].len = 1;
	pl = build(t, plain, sizeof plain, OBOL_COAP_CON, OBOL_COAP_PUT, 3, tok, 4, ro, 3,
		   (const uint8_t *)"on", 2);
	CHECK_INT(t, obol_oscore_protect_request(&p->cli, plain, pl, prot, BUF, &len, &req), OBOL_OK);
	/* + option header and flags, code, second payload marker, tag */
	CHECK_INT(t, len, pl + 1 + 1 + 1 + 1 + req.kid_len + req.piv_len +
			      (p->cli.has_id_context ? 1u + p->cli.id_context_len : 0u) +
			      p->cli.tag_len);
	CHECK_INT(t, obol_oscore_unprotect_request(&p->srv, prot, len, out, BUF, &n, &sreq), OBOL_OK);
	CHECK_MEM(t, out, n, plain, pl);
	rl = build(t, resp, sizeof resp, OBOL_COAP_ACK, OBOL_COAP_CHANGED, 3, tok, 4, NULL, 0, NULL,
		   0);
	CHECK_INT(t, obol_oscore_protect_response(&p->srv, &sreq, flags, resp, rl, prot, BUF, &len),
		  OBOL_OK);
	CHECK_INT(t, obol_oscore_unprotect_response(&p->cli, &req, prot, len, out, BUF, &n), OBOL_OK);
	CHECK_MEM(t, out, n, resp, rl);
}

static void test_algs_ids(struct obol_test_ctx *t)
{
	static const uint8_t id7a[7] = {1, 2, 3, 4, 5, 6, 7}, id7b[7] = {0xff, 2, 3, 4, 5, 6, 7};
	static const uint8_t ctx8[8] = {0x37, 0xcb, 0xf3, 0x21, 0, 0x17, 0xa2, 0xd3}, z = 0;
	struct pair p, q;
	struct obol_oscore_req req;
	uint8_t msg[BUF], out[BUF];
	size_t len, n;
	int alg;

	for (alg = 0; alg < 2; alg++) {
		int a = alg ? OBOL_ALG_AES_CCM_16_128_128 : OBOL_ALG_AES_CCM_16_64_128;
		unsigned f;
		for (f = 0; f < 2; f++) {
			CHECK_INT(t, make_pair(&p, a, NULL, 0, id7a, 7, NULL, 0), OBOL_OK);
			round_trip(t, &p, f);
			CHECK_INT(t, make_pair(&p, a, id7a, 7, id7b, 7, NULL, 0), OBOL_OK);
			round_trip(t, &p, f);
			CHECK_INT(t, make_pair(&p, a, id7b, 7, NULL, 0, &z, 0), OBOL_OK);
			round_trip(t, &p, f);
			CHECK_INT(t, make_pair(&p, a, id7a, 1, id7b, 7, ctx8, 8), OBOL_OK);
			round_trip(t, &p, f);
		}
	}
	/* One algorithm each side: nothing decrypts. */
	CHECK_INT(t, make_pair(&p, OBOL_ALG_AES_CCM_16_64_128, NULL, 0, id7a, 1, NULL, 0), OBOL_OK);
	CHECK_INT(t, make_pair(&q, OBOL_ALG_AES_CCM_16_128_128, NULL, 0, id7a, 1, NULL, 0), OBOL_OK);
	len = client_get(t, &p, msg, &req); /* 13 bytes of ciphertext */
	CHECK_INT(t, obol_oscore_unprotect_request(&q.srv, msg, len, out, BUF, &n, &req),
		  OBOL_ERR_OSCORE_OPTION); /* shorter than Code + a 16-byte tag */
	{
		uint8_t plain[64];
		size_t pl = build(t, plain, sizeof plain, OBOL_COAP_CON, OBOL_COAP_POST, 1, NULL, 0,
				  NULL, 0, (const uint8_t *)"twenty bytes of data", 20);
		CHECK_INT(t, obol_oscore_protect_request(&p.cli, plain, pl, msg, BUF, &len, &req),
			  OBOL_OK);
		CHECK_INT(t, obol_oscore_unprotect_request(&q.srv, msg, len, out, BUF, &n, &req),
			  OBOL_ERR_OSCORE_DECRYPT);
	}
	/* ID Context present but empty vs absent (3.2.1: h'' vs nil). */
	CHECK_INT(t, make_pair(&p, 0, NULL, 0, id7a, 1, &z, 0), OBOL_OK);
	CHECK_INT(t, make_pair(&q, 0, NULL, 0, id7a, 1, NULL, 0), OBOL_OK);
	len = client_get(t, &p, msg, &req); /* carries kid context h'' */
	CHECK_INT(t, oscore_value(msg, len, out), 3);
	CHECK_INT(t, out[0], 0x19);
	CHECK_INT(t, out[2], 0);
	CHECK_INT(t, obol_oscore_unprotect_request(&q.srv, msg, len, out, BUF, &n, &req),
		  OBOL_ERR_OSCORE_NO_CONTEXT);
	len = client_get(t, &q, msg, &req); /* no kid context: other keys */
	CHECK_INT(t, obol_oscore_unprotect_request(&p.srv, msg, len, out, BUF, &n, &req),
		  OBOL_ERR_OSCORE_DECRYPT);
}

static void test_overhead(struct obol_test_ctx *t)
{
	static const uint8_t tok[2] = {0x4a, 0x21}, sid = 0x42;
	struct pair p;
	struct obol_oscore_req req, sreq;
	struct opt ro[1];
	uint8_t plain[64], resp[64], prot[BUF], out[BUF], payload[20];
	size_t pl, rl, len, rlen, n, req_oh, resp_oh, req_oh0;
	char line[200];

	memset(payload, '7', sizeof payload);
	ro[0].num = OBOL_COAP_OPT_URI_PATH;
	ro[0].val = (const uint8_t *)"temp";
	ro[0].len = 4;
	pl = build(t, plain, sizeof plain, OBOL_COAP_CON, OBOL_COAP_GET, 0x100, tok, 2, ro, 1, NULL, 0);
	rl = build(t, resp, sizeof resp, OBOL_COAP_ACK, OBOL_COAP_CONTENT, 0x100, tok, 2, NULL, 0,
		   payload, sizeof payload);
	/* Sender ID of 1 byte, SSN < 256 (here 200). */
	CHECK_INT(t, make_pair(&p, 0, &sid, 1, NULL, 0, NULL, 0), OBOL_OK);
	p.cli.ssn = 200;
	CHECK_INT(t, obol_oscore_protect_request(&p.cli, plain, pl, prot, BUF, &len, &req), OBOL_OK);
	CHECK_INT(t, obol_oscore_unprotect_request(&p.srv, prot, len, out, BUF, &n, &sreq), OBOL_OK);
	CHECK_MEM(t, out, n, plain, pl);
	CHECK_INT(t, obol_oscore_protect_response(&p.srv, &sreq, 0, resp, rl, prot, BUF, &rlen),
		  OBOL_OK);
	CHECK_INT(t, obol_oscore_unprotect_response(&p.cli, &req, prot, rlen, out, BUF, &n), OBOL_OK);
	CHECK_MEM(t, out, n, resp, rl);
	req_oh = len - pl;
	resp_oh = rlen - rl;
	/* The format's minimum: option header 1 + flags 1 + PIV 1 + kid 1,
	 * payload marker 1, inner Code 1, tag 8 = 14 for the request; the
	 * response: option 1, inner Code 1, inner marker 1, tag 8 = 11. */
	CHECK_INT(t, req_oh, 14);
	CHECK_INT(t, resp_oh, 11);
	/* With an empty Sender ID the request takes 13. */
	CHECK_INT(t, make_pair(&p, 0, NULL, 0, &sid, 1, NULL, 0), OBOL_OK);
	p.cli.ssn = 200;
	CHECK_INT(t, obol_oscore_protect_request(&p.cli, plain, pl, prot, BUF, &len, &req), OBOL_OK);
	req_oh0 = len - pl;
	CHECK_INT(t, req_oh0, 13);
	snprintf(line, sizeof line,
		 "oscore overhead: GET /temp request %zu -> +%zu B (1-byte Sender ID, SSN < 256; "
		 "+%zu B with an empty Sender ID); 2.05 response, 20-byte payload, no Partial IV "
		 "%zu -> +%zu B",
		 pl, req_oh, req_oh0, rl, resp_oh);
	t->out(line);
}

/* ---- random round trips --------------------------------------------------- */

static uint32_t rnd(uint64_t *s)
{
	/* xorshift64*: deterministic, seeded below. */
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return (uint32_t)((*s * UINT64_C(2685821657736338717)) >> 32);
}

#define MAXOPT 12
#define RBUF 8192

/* A random message: sorted options from a pool, random values, payload. */
static size_t random_msg(struct obol_test_ctx *t, uint64_t *s, int response, int observe,
			 uint8_t *buf, size_t cap, uint8_t *expect, size_t *elen, uint8_t *vals)
{
	static const uint16_t pool_req[] = {1, 3, 4, 5, 6, 7, 11, 11, 12, 15, 15, 17, 23, 27, 28,
					    39, 60, 252, 258, 292, 2049, 65000};
	static const uint16_t pool_resp[] = {4, 6, 8, 8, 12, 14, 20, 23, 28, 60, 252, 300, 65535};
	static const uint8_t methods[] = {1, 2, 3, 4, 5, 6, 7};
	static const uint8_t codes[] = {0x41, 0x42, 0x43, 0x44, 0x45, 0x5f, 0x80, 0x81, 0x84, 0x8d,
					0xa0, 0xa5};
	const uint16_t *pool = response ? pool_resp : pool_req;
	size_t npool = response ? sizeof pool_resp / sizeof pool_resp[0]
				: sizeof pool_req / sizeof pool_req[0];
	struct opt o[MAXOPT], e[MAXOPT];
	uint8_t tok[8];
	size_t no = 0, i, k, tkl = rnd(s) % 9, pl = 0, vo = 0, len;
	uint8_t type, code;

	for (i = 0; i < tkl; i++)
		tok[i] = (uint8_t)rnd(s);
	for (i = 0; i < npool && no < MAXOPT; i++) {
		size_t l;
		if (pool[i] == OBOL_COAP_OPT_OBSERVE) {
			if (!observe)
				continue;
		} else if (rnd(s) % 3 != 0) {
			continue;
		}
		l = rnd(s) % 8 == 0 ? 13 + rnd(s) % 300 : rnd(s) % 13;
		if (pool[i] == OBOL_COAP_OPT_OBSERVE || pool[i] == OBOL_COAP_OPT_MAX_AGE)
			l = rnd(s) % 4;
		if (pool[i] == OBOL_COAP_OPT_NO_RESPONSE) {
			l = 1;
			vals[vo] = rnd(s) % 2 ? 26 : 2;
		} else {
			for (k = 0; k < l; k++)
				vals[vo + k] = (uint8_t)rnd(s);
		}
		o[no].num = pool[i];
		o[no].val = vals + vo;
		o[no].len = l;
		e[no] = o[no];
		/* 4.1.3.5.2: the inner Observe of a notification is empty. */
		if (response && pool[i] == OBOL_COAP_OPT_OBSERVE)
			e[no].len = 0;
		vo += l;
		no++;
	}
	if (rnd(s) % 3 != 0) {
		pl = rnd(s) % 4 == 0 ? rnd(s) % 400 : 1 + rnd(s) % 30;
		for (k = 0; k < pl; k++)
			vals[vo + k] = (uint8_t)rnd(s);
	}
	type = response ? (uint8_t)(rnd(s) % 3) : (uint8_t)(rnd(s) % 2);
	code = response ? codes[rnd(s) % sizeof codes] : methods[rnd(s) % sizeof methods];
	len = build(t, buf, cap, type, code, (uint16_t)rnd(s), tok, tkl, o, no, vals + vo, pl);
	*elen = build(t, expect, cap, type, code, 0, tok, tkl, e, no, vals + vo, pl);
	/* same MID */
	if (*elen >= 4 && len >= 4)
		memcpy(expect + 2, buf + 2, 2);
	return len;
}

static void test_random(struct obol_test_ctx *t)
{
	/* off the stack: up to 12 options of up to 312 bytes and 400 of payload */
	static uint8_t plain[RBUF], expect[RBUF], prot[RBUF], out[RBUF], vals[RBUF];
	static const uint8_t cid[2] = {0xc1, 0x1e}, sid = 0x5e;
	uint64_t s = UINT64_C(0x8613861386138613);
	struct pair p;
	struct obol_oscore_req req, sreq;
	size_t pl, el, len, n, need;
	unsigned i, ok = 0, fails_before = t->failures;

	CHECK_INT(t, make_pair(&p, 0, cid, 2, &sid, 1, NULL, 0), OBOL_OK);
	for (i = 0; i < 1000 && t->failures == fails_before; i++) {
		int observe = rnd(&s) % 4 == 0;
		unsigned flags = rnd(&s) % 2 ? OBOL_OSCORE_RESP_PIV : 0;

		/* client -> server */
		pl = random_msg(t, &s, 0, observe, plain, sizeof plain, expect, &el, vals);
		CHECK_INT(t, obol_oscore_protect_request(&p.cli, plain, pl, NULL, 0, &need, &req),
			  OBOL_ERR_NO_SPACE);
		CHECK_INT(t, obol_oscore_protect_request(&p.cli, plain, pl, prot, need, &len, &req),
			  OBOL_OK);
		CHECK_INT(t, len, need);
		/* an output as long as the input is enough */
		memset(out, 0x5a, sizeof out);
		CHECK_INT(t, obol_oscore_unprotect_request(&p.srv, prot, len, out, len, &n, &sreq),
			  OBOL_OK);
		CHECK_MEM(t, out, n, plain, pl);
		CHECK_INT(t, sreq.observe, observe);
		/* The smallest buffer that works, on a copy of the context
		 * (a memcpy clones it): too small leaves out untouched. */
		if (i % 10 == 0) {
			struct obol_oscore_ctx copy = p.srv;
			size_t c = n;
			int err;
			copy.replay_high = 0;
			copy.replay_bits = 0;
			for (;;) {
				memset(out, 0x5a, sizeof out);
				err = obol_oscore_unprotect_request(&copy, prot, len, out, c, &need,
								    &sreq);
				if (err != OBOL_ERR_NO_SPACE)
					break;
				CHECK(t, out[0] == 0x5a && out[c ? c - 1 : 0] == 0x5a);
				c++;
			}
			CHECK_INT(t, err, OBOL_OK);
			CHECK(t, c <= len);
			CHECK_MEM(t, out, need, plain, pl);
		}
		/* server -> client */
		pl = random_msg(t, &s, 1, observe && rnd(&s) % 2, plain, sizeof plain, expect, &el,
				vals);
		CHECK_INT(t, obol_oscore_protect_response(&p.srv, &sreq, flags, plain, pl, prot,
							  sizeof prot, &len), OBOL_OK);
		CHECK_INT(t, obol_oscore_unprotect_response(&p.cli, &req, prot, len, out, len, &n),
			  OBOL_OK);
		CHECK_MEM(t, out, n, expect, el);
		if (t->failures == fails_before)
			ok++;
	}
	CHECK_INT(t, ok, 1000);
	CHECK(t, p.cli.ssn == 1000);
}

void test_oscore(struct obol_test_ctx *t)
{
	test_vectors(t);
	test_option_codec(t);
	test_derive_rules(t);
	test_replay(t);
	test_tamper(t);
	test_ssn(t);
	test_reboot_echo(t);
	test_responses(t);
	test_observe(t);
	test_error_responses(t);
	test_algs_ids(t);
	test_overhead(t);
	test_random(t);
}
