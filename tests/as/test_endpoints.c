/*
 * The AS endpoints (src/as/endpoints.c) called directly, on a real
 * SQLite store in a temporary directory: every /token and /introspect
 * outcome of RFC 9200 5.8 / 5.9 that obol produces, and what each one
 * leaves in the store.
 */
#include <stdio.h>
#include <string.h>

#include "endpoints.h"
#include "harness.h"
#include "obol/aif.h"
#include "obol/cbor.h"
#include "obol/coap.h"
#include "obol/crypto.h"
#include "obol/cwt.h"
#include "obol/err.h"
#include "policy.h"
#include "store.h"

#define NOW 1900000000

static const uint8_t rs_key[16] = {0x10, 0x11, 0x12, 0x13, 0x14, 0x15,
				   0x16, 0x17, 0x18, 0x19, 0x1a, 0x1b,
				   0x1c, 0x1d, 0x1e, 0x1f};
static const char secret[] = "s3cret-text-psk";

static struct as_store *st;
static uint8_t out[AS_RESPONSE_MAX];

/* [["/temp", GET], ["/led", GET|PUT]] */
static size_t aif(uint8_t *buf, size_t cap, int with_led, uint64_t temp)
{
	struct obol_aif_entry e[2] = {{"/temp", 5, 0}, {"/led", 4, 0}};
	obol_cbor_enc enc;
	size_t n = 0;

	e[0].perm = temp;
	e[1].perm = OBOL_AIF_GET | OBOL_AIF_PUT;
	obol_cbor_enc_init(&enc, buf, cap);
	obol_aif_write(&enc, e, with_led ? 2 : 1);
	CHECK_INT(obol_cbor_enc_finish(&enc, &n), OBOL_OK);
	return n;
}

static void setup(const char *name, int has_clock, unsigned profiles)
{
	char path[512], err[256];
	struct as_client c;
	struct as_rs rs;
	struct as_grant g;

	if (st != NULL)
		as_store_close(st);
	snprintf(path, sizeof path, "%s/%s.db", as_test_tmpdir(), name);
	CHECK_INT(as_store_open(path, 1, AS_SYNC_NORMAL, &st, err, sizeof err),
		  AS_OK);
	memset(&c, 0, sizeof c);
	strcpy(c.id, "client1");
	memcpy(c.secret, secret, strlen(secret));
	c.secret_len = strlen(secret);
	c.created = NOW;
	CHECK_INT(as_client_add(st, &c), AS_OK);
	strcpy(c.id, "client2");
	CHECK_INT(as_client_add(st, &c), AS_OK);
	memset(&rs, 0, sizeof rs);
	strcpy(rs.audience, "sensor1");
	memcpy(rs.key, rs_key, 16);
	rs.key_len = 16;
	memcpy(rs.secret, "rs-secret", 9);
	rs.secret_len = 9;
	rs.profiles = profiles;
	rs.has_clock = has_clock;
	rs.lifetime = 3600;
	rs.created = NOW;
	CHECK_INT(as_rs_add(st, &rs), AS_OK);
	strcpy(rs.audience, "sensor2");
	CHECK_INT(as_rs_add(st, &rs), AS_OK);
	memset(&g, 0, sizeof g);
	strcpy(g.client, "client1");
	strcpy(g.audience, "sensor1");
	g.scope_type = AS_SCOPE_AIF;
	g.scope_len = aif(g.scope, sizeof g.scope, 1, OBOL_AIF_GET);
	g.created = NOW;
	CHECK_INT(as_grant_add(st, &g), AS_OK);
	strcpy(g.audience, "sensor2");
	g.scope_type = AS_SCOPE_TEXT;
	strcpy((char *)g.scope, "read write");
	g.scope_len = 10;
	CHECK_INT(as_grant_add(st, &g), AS_OK);
}

static long long count(const char *table)
{
	long long n = -1;

	CHECK_INT(as_store_count(st, table, &n), AS_OK);
	return n;
}

/* A token request map. fields: bit set of what to include. */
#define F_ID 0x01u
#define F_SECRET 0x02u
#define F_AUD 0x04u
#define F_SCOPE_AIF 0x08u
#define F_SCOPE_TEXT 0x10u
#define F_GRANT 0x20u
#define F_CNONCE 0x40u
#define F_REQ_CNF 0x80u
#define F_PROFILE_NULL 0x100u

struct req_args {
	unsigned fields;
	const char *id, *sec, *aud, *text;
	uint64_t grant, temp;
	int with_led;
};

static size_t req(uint8_t *buf, size_t cap, const struct req_args *a)
{
	obol_cbor_enc e;
	uint8_t sc[64];
	size_t n = 0, np = 0, i;

	for (i = 0; i < 9; i++)
		np += (a->fields >> i) & 1u;
	if ((a->fields & F_SCOPE_AIF) && (a->fields & F_SCOPE_TEXT))
		np--;
	obol_cbor_enc_init(&e, buf, cap);
	obol_cbor_put_map(&e, np);
	if (a->fields & F_REQ_CNF) {
		obol_cbor_put_uint(&e, 4);
		obol_cbor_put_map(&e, 1);
		obol_cbor_put_uint(&e, 3);
		obol_cbor_put_bstr(&e, (const uint8_t *)"k", 1);
	}
	if (a->fields & F_AUD) {
		obol_cbor_put_uint(&e, 5);
		obol_cbor_put_text(&e, a->aud);
	}
	if (a->fields & F_SCOPE_AIF) {
		obol_cbor_put_uint(&e, 9);
		obol_cbor_put_bstr(&e, sc, aif(sc, sizeof sc, a->with_led, a->temp));
	} else if (a->fields & F_SCOPE_TEXT) {
		obol_cbor_put_uint(&e, 9);
		obol_cbor_put_text(&e, a->text);
	}
	if (a->fields & F_ID) {
		obol_cbor_put_uint(&e, 24);
		obol_cbor_put_text(&e, a->id);
	}
	if (a->fields & F_SECRET) {
		obol_cbor_put_uint(&e, 25);
		obol_cbor_put_bstr(&e, (const uint8_t *)a->sec, strlen(a->sec));
	}
	if (a->fields & F_GRANT) {
		obol_cbor_put_uint(&e, 33);
		obol_cbor_put_uint(&e, a->grant);
	}
	if (a->fields & F_PROFILE_NULL) {
		obol_cbor_put_uint(&e, 38);
		obol_cbor_put_null(&e);
	}
	if (a->fields & F_CNONCE) {
		obol_cbor_put_uint(&e, 39);
		obol_cbor_put_bstr(&e, (const uint8_t *)"\x01\x02\x03\x04", 4);
	}
	CHECK_INT(obol_cbor_enc_finish(&e, &n), OBOL_OK);
	return n;
}

static const struct as_peer insecure = {0, NULL};

static int token(const struct as_peer *peer, int cf, const uint8_t *p,
		 size_t n, struct as_response *r, struct as_event *ev)
{
	struct as_endpoint_cfg cfg = {st, NOW, NULL, NULL};

	return as_token_endpoint(&cfg, peer, cf, p, n, out, sizeof out, r, ev);
}

/* The error code of an ACE error payload, or -1. */
static long long ace_error(const struct as_response *r)
{
	obol_cbor_dec d, m;
	size_t n, i;
	uint64_t k, v;

	if (r->content_format != AS_CF_ACE_CBOR ||
	    obol_cbor_dec_init(&d, r->payload, r->payload_len,
			       OBOL_CBOR_STRICT) != OBOL_OK ||
	    obol_cbor_enter_map(&d, &m, &n) != OBOL_OK)
		return -1;
	for (i = 0; i < n; i++) {
		if (obol_cbor_get_uint64(&m, &k) != OBOL_OK)
			return -1;
		if (k == 30)
			return obol_cbor_get_uint64(&m, &v) == OBOL_OK
				       ? (long long)v
				       : -1;
		obol_cbor_skip(&m);
	}
	return -1;
}

/* Find key k in the response map: its encoded value. */
static int field(const uint8_t *p, size_t len, uint64_t k, const uint8_t **v,
		 size_t *vlen)
{
	obol_cbor_dec d, m;
	size_t n, i;
	uint64_t key;

	if (obol_cbor_dec_init(&d, p, len, OBOL_CBOR_STRICT) != OBOL_OK ||
	    obol_cbor_enter_map(&d, &m, &n) != OBOL_OK)
		return 0;
	for (i = 0; i < n; i++) {
		if (obol_cbor_get_uint64(&m, &key) != OBOL_OK)
			return 0;
		if (key == k)
			return obol_cbor_get_raw(&m, v, vlen) == OBOL_OK;
		obol_cbor_skip(&m);
	}
	return 0;
}

static void t_issue_and_validate(void)
{
	struct req_args a = {F_ID | F_SECRET | F_AUD | F_SCOPE_AIF,
			     "client1", secret, "sensor1", NULL, 0,
			     OBOL_AIF_GET, 0};
	uint8_t rq[256], tok[512], cnf_tok[128];
	const uint8_t *v, *cnf;
	size_t n = req(rq, sizeof rq, &a), vlen, cnf_len, tlen, ctl = 0;
	struct as_response r;
	struct as_event ev;
	struct obol_cwt_claims c;
	struct obol_cose_key key;
	struct obol_cwt_policy pol;
	const char *auds[1] = {"sensor1"};
	struct as_token_rec rec;
	obol_cbor_dec d;
	obol_cbor_enc e;
	const uint8_t *bs;

	setup("issue", 1, AS_PROFILE_BIT(OBOL_ACE_PROFILE_COAP_OSCORE));
	CHECK_INT(token(&insecure, AS_CF_ACE_CBOR, rq, n, &r, &ev), 0);
	CHECK_INT(r.code, OBOL_COAP_CREATED);
	CHECK_INT(r.content_format, AS_CF_ACE_CBOR);
	CHECK(strcmp(ev.event, "token_issued") == 0);
	CHECK_INT(ev.refused, 0);
	/* asked for exactly a subset that is granted: no scope returned */
	CHECK(!field(r.payload, r.payload_len, 9, &v, &vlen));
	CHECK(field(r.payload, r.payload_len, 2, &v, &vlen));
	CHECK_MEM(v, vlen, (const uint8_t *)"\x19\x0e\x10", 3); /* 3600 */
	CHECK(field(r.payload, r.payload_len, 38, &v, &vlen));
	CHECK_MEM(v, vlen, (const uint8_t *)"\x02", 1);
	CHECK(field(r.payload, r.payload_len, 8, &cnf, &cnf_len));
	CHECK(field(r.payload, r.payload_len, 1, &v, &vlen));
	CHECK_INT(obol_cbor_dec_init(&d, v, vlen, OBOL_CBOR_STRICT), OBOL_OK);
	CHECK_INT(obol_cbor_get_bstr(&d, &bs, &tlen), OBOL_OK);
	/* The size, byte by byte: Encrypt0 array 1, protected h'a1010a' 4,
	 * {5: IV} 16, ciphertext header 2, tag 8; claims map 1, aud 9,
	 * exp 6, iat 6, cti 10, scope [["/temp", 1]] 11, cnf {4: {0: id2,
	 * 2: ms16, 5: salt8}} 36, ace_profile 3. */
	CHECK_INT(tlen, 113);
	memcpy(tok, bs, tlen);

	memset(&key, 0, sizeof key);
	key.kty = OBOL_COSE_KTY_SYMMETRIC;
	key.alg = OBOL_ALG_AES_CCM_16_64_128;
	key.k = rs_key;
	key.k_len = 16;
	memset(&pol, 0, sizeof pol);
	pol.audiences = auds;
	pol.naud = 1;
	pol.now = NOW;
	CHECK_INT(obol_cwt_validate(tok, tlen, &key, 1, &pol, &c), OBOL_OK);
	CHECK_INT(c.exp, NOW + 3600);
	CHECK_INT(c.iat, NOW);
	CHECK(!(c.present & OBOL_CWT_F_EXI));
	CHECK_INT(c.cti_len, 8);
	CHECK_INT(c.ace_profile, OBOL_ACE_PROFILE_COAP_OSCORE);
	CHECK_INT(c.scope_type, OBOL_CWT_SCOPE_AIF);
	CHECK_INT(obol_aif_allows(c.scope, c.scope_len, "/temp", 5, 1), 1);
	CHECK_INT(obol_aif_allows(c.scope, c.scope_len, "/led", 4, 1), 0);
	CHECK_INT(c.cnf_type, OBOL_CWT_CNF_OSCORE);
	CHECK_INT(c.cnf_osc.ms_len, 16);
	CHECK_INT(c.cnf_osc.salt_len, 8);
	CHECK_INT(c.cnf_osc.id_len, 2);
	/* the client's cnf is the token's cnf, byte for byte */
	obol_cbor_enc_init(&e, cnf_tok, sizeof cnf_tok);
	obol_cwt_encode_cnf(&e, &c);
	CHECK_INT(obol_cbor_enc_finish(&e, &ctl), OBOL_OK);
	CHECK_MEM(cnf, cnf_len, cnf_tok, ctl);
	/* and the record is there */
	CHECK_INT(as_token_get(st, c.cti, c.cti_len, &rec), AS_OK);
	CHECK(strcmp(rec.client, "client1") == 0);
	CHECK(strcmp(rec.audience, "sensor1") == 0);
	CHECK_INT(rec.exp, NOW + 3600);
	CHECK_INT(rec.revoked, 0);
	CHECK_INT(count("tokens"), 1);
	CHECK_INT(count("audit"), 0);
}

static void t_scope_rules(void)
{
	struct req_args a = {F_ID | F_SECRET | F_AUD, "client1", secret,
			     "sensor1", NULL, 0, 0, 0};
	uint8_t rq[256], want[64];
	const uint8_t *v;
	size_t n, vlen, wl;
	struct as_response r;
	struct as_event ev;
	obol_cbor_dec d;
	const uint8_t *bs;
	size_t bl;

	setup("scope", 1, AS_PROFILE_BIT(OBOL_ACE_PROFILE_COAP_OSCORE));
	/* no scope asked: the whole grant, and it is returned */
	n = req(rq, sizeof rq, &a);
	token(&insecure, AS_CF_ACE_CBOR, rq, n, &r, &ev);
	CHECK_INT(r.code, OBOL_COAP_CREATED);
	CHECK(field(r.payload, r.payload_len, 9, &v, &vlen));
	wl = aif(want, sizeof want, 1, OBOL_AIF_GET);
	obol_cbor_dec_init(&d, v, vlen, OBOL_CBOR_STRICT);
	CHECK_INT(obol_cbor_get_bstr(&d, &bs, &bl), OBOL_OK);
	CHECK_MEM(bs, bl, want, wl);
	/* asked more than granted: the intersection, returned */
	a.fields |= F_SCOPE_AIF;
	a.with_led = 1;
	a.temp = OBOL_AIF_GET | OBOL_AIF_PUT;
	n = req(rq, sizeof rq, &a);
	token(&insecure, AS_CF_ACE_CBOR, rq, n, &r, &ev);
	CHECK_INT(r.code, OBOL_COAP_CREATED);
	CHECK(field(r.payload, r.payload_len, 9, &v, &vlen));
	obol_cbor_dec_init(&d, v, vlen, OBOL_CBOR_STRICT);
	CHECK_INT(obol_cbor_get_bstr(&d, &bs, &bl), OBOL_OK);
	CHECK_MEM(bs, bl, want, wl);
	/* asked only what is not granted: invalid_scope, nothing recorded
	 * but the audit event */
	a.with_led = 0;
	a.temp = OBOL_AIF_DELETE;
	n = req(rq, sizeof rq, &a);
	token(&insecure, AS_CF_ACE_CBOR, rq, n, &r, &ev);
	CHECK_INT(r.code, OBOL_COAP_BAD_REQUEST);
	CHECK_INT(ace_error(&r), AS_ERR_INVALID_SCOPE);
	CHECK_INT(ev.refused, 1);
	CHECK_INT(count("tokens"), 2);
	/* text scopes against a text grant */
	a.fields = F_ID | F_SECRET | F_AUD | F_SCOPE_TEXT;
	a.aud = "sensor2";
	a.text = "write admin read write";
	n = req(rq, sizeof rq, &a);
	token(&insecure, AS_CF_ACE_CBOR, rq, n, &r, &ev);
	CHECK_INT(r.code, OBOL_COAP_CREATED);
	CHECK(field(r.payload, r.payload_len, 9, &v, &vlen));
	CHECK_MEM(v, vlen, (const uint8_t *)"\x6awrite read", 11);
	/* an AIF request against a text grant shares nothing */
	a.fields = F_ID | F_SECRET | F_AUD | F_SCOPE_AIF;
	n = req(rq, sizeof rq, &a);
	token(&insecure, AS_CF_ACE_CBOR, rq, n, &r, &ev);
	CHECK_INT(ace_error(&r), AS_ERR_INVALID_SCOPE);
	/* a malformed text scope */
	a.fields = F_ID | F_SECRET | F_AUD | F_SCOPE_TEXT;
	a.text = "read  write";
	n = req(rq, sizeof rq, &a);
	token(&insecure, AS_CF_ACE_CBOR, rq, n, &r, &ev);
	CHECK_INT(ace_error(&r), AS_ERR_INVALID_SCOPE);
	CHECK_INT(count("tokens"), 3);
}

static void t_refusals(void)
{
	struct req_args ok = {F_ID | F_SECRET | F_AUD, "client1", secret,
			      "sensor1", NULL, 0, 0, 0};
	struct req_args a;
	uint8_t rq[1200];
	size_t n;
	struct as_response r;
	struct as_event ev;
	long long audits;

	setup("refuse", 1, AS_PROFILE_BIT(OBOL_ACE_PROFILE_COAP_OSCORE));
#define REFUSED(want_code, want_err)                                                 \
	do {                                                                 \
		CHECK_INT(r.code, want_code);                                   \
		CHECK_INT(ace_error(&r), want_err);                             \
		CHECK_INT(ev.refused, 1);                                    \
		CHECK_INT(count("tokens"), 0);                               \
	} while (0)
	a = ok;
	a.sec = "wrong";
	n = req(rq, sizeof rq, &a);
	token(&insecure, AS_CF_ACE_CBOR, rq, n, &r, &ev);
	REFUSED(OBOL_COAP_UNAUTHORIZED, AS_ERR_INVALID_CLIENT);
	a = ok;
	a.id = "nobody";
	n = req(rq, sizeof rq, &a);
	token(&insecure, AS_CF_ACE_CBOR, rq, n, &r, &ev);
	REFUSED(OBOL_COAP_UNAUTHORIZED, AS_ERR_INVALID_CLIENT);
	a = ok;
	a.fields &= ~F_SECRET;
	n = req(rq, sizeof rq, &a);
	token(&insecure, AS_CF_ACE_CBOR, rq, n, &r, &ev);
	REFUSED(OBOL_COAP_UNAUTHORIZED, AS_ERR_INVALID_CLIENT);
	/* client2 has no grant on sensor1; "ghost" is no RS at all: the
	 * same answer */
	a = ok;
	a.id = "client2";
	n = req(rq, sizeof rq, &a);
	token(&insecure, AS_CF_ACE_CBOR, rq, n, &r, &ev);
	REFUSED(OBOL_COAP_BAD_REQUEST, AS_ERR_INVALID_SCOPE);
	a = ok;
	a.aud = "ghost";
	n = req(rq, sizeof rq, &a);
	token(&insecure, AS_CF_ACE_CBOR, rq, n, &r, &ev);
	REFUSED(OBOL_COAP_BAD_REQUEST, AS_ERR_INVALID_SCOPE);
	a = ok;
	a.fields &= ~F_AUD;
	n = req(rq, sizeof rq, &a);
	token(&insecure, AS_CF_ACE_CBOR, rq, n, &r, &ev);
	REFUSED(OBOL_COAP_BAD_REQUEST, AS_ERR_INVALID_REQUEST);
	a = ok;
	a.fields |= F_GRANT;
	a.grant = 0; /* password */
	n = req(rq, sizeof rq, &a);
	token(&insecure, AS_CF_ACE_CBOR, rq, n, &r, &ev);
	REFUSED(OBOL_COAP_BAD_REQUEST, AS_ERR_UNSUPPORTED_GRANT_TYPE);
	a = ok;
	a.fields |= F_REQ_CNF;
	n = req(rq, sizeof rq, &a);
	token(&insecure, AS_CF_ACE_CBOR, rq, n, &r, &ev);
	REFUSED(OBOL_COAP_BAD_REQUEST, AS_ERR_UNSUPPORTED_POP_KEY);
	/* malformed CBOR: a map that runs short, trailing bytes, not a map */
	n = req(rq, sizeof rq, &ok);
	token(&insecure, AS_CF_ACE_CBOR, rq, n - 1, &r, &ev);
	REFUSED(OBOL_COAP_BAD_REQUEST, AS_ERR_INVALID_REQUEST);
	rq[n] = 0x00;
	token(&insecure, AS_CF_ACE_CBOR, rq, n + 1, &r, &ev);
	REFUSED(OBOL_COAP_BAD_REQUEST, AS_ERR_INVALID_REQUEST);
	token(&insecure, AS_CF_ACE_CBOR, (const uint8_t *)"\x80", 1, &r, &ev);
	REFUSED(OBOL_COAP_BAD_REQUEST, AS_ERR_INVALID_REQUEST);
	token(&insecure, AS_CF_ACE_CBOR, NULL, 0, &r, &ev);
	REFUSED(OBOL_COAP_BAD_REQUEST, AS_ERR_INVALID_REQUEST);
	/* client_id of the wrong type */
	token(&insecure, AS_CF_ACE_CBOR, (const uint8_t *)"\xa1\x18\x18\x01", 4,
	      &r, &ev);
	REFUSED(OBOL_COAP_BAD_REQUEST, AS_ERR_INVALID_REQUEST);
	/* wrong Content-Format, none, oversized: CoAP codes, no payload */
	n = req(rq, sizeof rq, &ok);
	token(&insecure, 60, rq, n, &r, &ev);
	CHECK_INT(r.code, OBOL_COAP_CODE(4, 15));
	CHECK_INT(r.payload_len, 0);
	token(&insecure, -1, rq, n, &r, &ev);
	CHECK_INT(r.code, OBOL_COAP_CODE(4, 15));
	memset(rq, 0, sizeof rq);
	token(&insecure, AS_CF_ACE_CBOR, rq, AS_REQUEST_MAX + 1, &r, &ev);
	CHECK_INT(r.code, OBOL_COAP_CODE(4, 13));
	CHECK_INT(ev.refused, 1);
	CHECK_INT(count("tokens"), 0);
	/* the endpoint writes no audit event itself: server.c does, from
	 * ev (so a unit caller decides); the store has none yet */
	audits = count("audit");
	CHECK_INT(audits, 0);
#undef REFUSED
}

static void t_dtls_identity(void)
{
	struct req_args a = {F_AUD, NULL, NULL, "sensor1", NULL, 0, 0, 0};
	struct as_peer p = {1, "client1"};
	uint8_t rq[256];
	size_t n;
	struct as_response r;
	struct as_event ev;

	setup("dtls", 1, AS_PROFILE_BIT(OBOL_ACE_PROFILE_COAP_OSCORE));
	n = req(rq, sizeof rq, &a);
	token(&p, AS_CF_ACE_CBOR, rq, n, &r, &ev);
	CHECK_INT(r.code, OBOL_COAP_CREATED);
	CHECK(strcmp(ev.client, "client1") == 0);
	/* a client_id naming someone else than the DTLS identity */
	a.fields |= F_ID;
	a.id = "client2";
	n = req(rq, sizeof rq, &a);
	token(&p, AS_CF_ACE_CBOR, rq, n, &r, &ev);
	CHECK_INT(r.code, OBOL_COAP_UNAUTHORIZED);
	CHECK_INT(ace_error(&r), AS_ERR_INVALID_CLIENT);
	/* the same name: fine */
	a.id = "client1";
	n = req(rq, sizeof rq, &a);
	token(&p, AS_CF_ACE_CBOR, rq, n, &r, &ev);
	CHECK_INT(r.code, OBOL_COAP_CREATED);
	/* an RS identity is not a client */
	p.identity = "sensor1";
	a.fields = F_AUD;
	n = req(rq, sizeof rq, &a);
	token(&p, AS_CF_ACE_CBOR, rq, n, &r, &ev);
	CHECK_INT(ace_error(&r), AS_ERR_INVALID_CLIENT);
	CHECK_INT(count("tokens"), 2);
}

static void t_no_clock_and_profile(void)
{
	struct req_args a = {F_ID | F_SECRET | F_AUD | F_CNONCE | F_PROFILE_NULL,
			     "client1", secret, "sensor1", NULL, 0, 0, 0};
	uint8_t rq[256], tok[256];
	const uint8_t *v, *bs;
	size_t n, vlen, tlen;
	struct as_response r;
	struct as_event ev;
	struct obol_cwt_claims c;
	struct obol_cose_key key;
	struct obol_cwt_policy pol;
	obol_cbor_dec d;

	setup("noclock", 0, AS_PROFILE_BIT(OBOL_ACE_PROFILE_COAP_OSCORE));
	n = req(rq, sizeof rq, &a);
	token(&insecure, AS_CF_ACE_CBOR, rq, n, &r, &ev);
	CHECK_INT(r.code, OBOL_COAP_CREATED);
	CHECK(field(r.payload, r.payload_len, 38, &v, &vlen));
	CHECK(field(r.payload, r.payload_len, 1, &v, &vlen));
	obol_cbor_dec_init(&d, v, vlen, OBOL_CBOR_STRICT);
	CHECK_INT(obol_cbor_get_bstr(&d, &bs, &tlen), OBOL_OK);
	memcpy(tok, bs, tlen);
	memset(&key, 0, sizeof key);
	key.kty = OBOL_COSE_KTY_SYMMETRIC;
	key.alg = OBOL_ALG_AES_CCM_16_64_128;
	key.k = rs_key;
	key.k_len = 16;
	memset(&pol, 0, sizeof pol);
	pol.now = OBOL_CWT_NO_CLOCK;
	CHECK_INT(obol_cwt_validate(tok, tlen, &key, 1, &pol, &c), OBOL_OK);
	CHECK(c.present & OBOL_CWT_F_EXI);
	CHECK(!(c.present & OBOL_CWT_F_EXP));
	CHECK_INT(c.exi, 3600);
	CHECK_MEM(c.cnonce, c.cnonce_len, (const uint8_t *)"\x01\x02\x03\x04", 4);
	/* RFC 9200 5.10.3: cti = the RS's identifier | sequence number */
	CHECK_MEM(c.cti, c.cti_len, (const uint8_t *)"sensor1\0\0\0\x01", 11);
	n = req(rq, sizeof rq, &a);
	token(&insecure, AS_CF_ACE_CBOR, rq, n, &r, &ev);
	CHECK_INT(r.code, OBOL_COAP_CREATED);
	CHECK(strcmp(ev.cti_hex, "73656e736f723100000002") == 0);

	/* an RS that does not do the OSCORE profile */
	setup("dtlsonly", 1, AS_PROFILE_BIT(OBOL_ACE_PROFILE_COAP_DTLS));
	n = req(rq, sizeof rq, &a);
	token(&insecure, AS_CF_ACE_CBOR, rq, n, &r, &ev);
	CHECK_INT(ace_error(&r), AS_ERR_INCOMPATIBLE_ACE_PROFILES);
	CHECK_INT(count("tokens"), 0);
}

/* Issue a token for client1 on sensor1 and return it. */
static size_t issue(uint8_t *tok, size_t cap, uint8_t cti[8])
{
	struct req_args a = {F_ID | F_SECRET | F_AUD, "client1", secret,
			     "sensor1", NULL, 0, 0, 0};
	uint8_t rq[256];
	const uint8_t *v, *bs;
	size_t n = req(rq, sizeof rq, &a), vlen, tlen = 0;
	struct as_response r;
	struct as_event ev;
	obol_cbor_dec d;

	token(&insecure, AS_CF_ACE_CBOR, rq, n, &r, &ev);
	CHECK_INT(r.code, OBOL_COAP_CREATED);
	CHECK(field(r.payload, r.payload_len, 1, &v, &vlen));
	obol_cbor_dec_init(&d, v, vlen, OBOL_CBOR_STRICT);
	CHECK_INT(obol_cbor_get_bstr(&d, &bs, &tlen), OBOL_OK);
	CHECK(tlen <= cap);
	memcpy(tok, bs, tlen);
	CHECK_INT(as_test_unhex(ev.cti_hex, cti, 8), 8);
	return tlen;
}

static int introspect(const char *who, int64_t now, const uint8_t *tok,
		      size_t tlen, struct as_response *r)
{
	struct as_endpoint_cfg cfg = {st, now, NULL, NULL};
	struct as_peer p = {1, who};
	struct as_event ev;
	uint8_t rq[512];
	obol_cbor_enc e;
	size_t n = 0;

	obol_cbor_enc_init(&e, rq, sizeof rq);
	obol_cbor_put_map(&e, 1);
	obol_cbor_put_uint(&e, 11);
	obol_cbor_put_bstr(&e, tok, tlen);
	CHECK_INT(obol_cbor_enc_finish(&e, &n), OBOL_OK);
	return as_introspect_endpoint(&cfg, &p, AS_CF_ACE_CBOR, rq, n, out,
				      sizeof out, r, &ev);
}

static const uint8_t inactive[] = {0xa1, 0x0a, 0xf4};

static void t_introspect(void)
{
	uint8_t tok[256], cti[8];
	size_t tlen;
	const uint8_t *v;
	size_t vlen;
	struct as_response r;
	struct as_endpoint_cfg cfg;
	struct as_peer plain = {0, NULL};
	struct as_event ev;

	setup("introspect", 1, AS_PROFILE_BIT(OBOL_ACE_PROFILE_COAP_OSCORE));
	tlen = issue(tok, sizeof tok, cti);
	introspect("sensor1", NOW + 10, tok, tlen, &r);
	CHECK_INT(r.code, OBOL_COAP_CREATED);
	CHECK(field(r.payload, r.payload_len, 10, &v, &vlen));
	CHECK_MEM(v, vlen, (const uint8_t *)"\xf5", 1);
	CHECK(field(r.payload, r.payload_len, 7, &v, &vlen));
	CHECK_INT(vlen, 9);
	CHECK_MEM(v + 1, 8, cti, 8);
	CHECK(field(r.payload, r.payload_len, 3, &v, &vlen));
	CHECK_MEM(v, vlen, (const uint8_t *)"\x67sensor1", 8);
	CHECK(field(r.payload, r.payload_len, 4, &v, &vlen));
	CHECK(field(r.payload, r.payload_len, 8, &v, &vlen));
	CHECK(field(r.payload, r.payload_len, 9, &v, &vlen));
	/* expired by the record / the clock */
	introspect("sensor1", NOW + 3600, tok, tlen, &r);
	CHECK_MEM(r.payload, r.payload_len, inactive, sizeof inactive);
	/* another RS (its key is the same in this test, so the token opens:
	 * it is refused as not its token) */
	introspect("sensor2", NOW + 10, tok, tlen, &r);
	CHECK_INT(r.code, OBOL_COAP_FORBIDDEN);
	CHECK_INT(r.payload_len, 0);
	/* a client cannot introspect */
	introspect("client1", NOW + 10, tok, tlen, &r);
	CHECK_INT(r.code, OBOL_COAP_FORBIDDEN);
	/* tampered: inactive, not an error */
	tok[tlen - 1] ^= 1;
	introspect("sensor1", NOW + 10, tok, tlen, &r);
	CHECK_MEM(r.payload, r.payload_len, inactive, sizeof inactive);
	tok[tlen - 1] ^= 1;
	/* revoked */
	CHECK_INT(as_token_revoke(st, cti, 8), AS_OK);
	introspect("sensor1", NOW + 10, tok, tlen, &r);
	CHECK_MEM(r.payload, r.payload_len, inactive, sizeof inactive);
	/* not over DTLS: 4.01 */
	cfg.st = st;
	cfg.now = NOW;
	cfg.cti_counter = NULL;
	cfg.pool = NULL;
	as_introspect_endpoint(&cfg, &plain, AS_CF_ACE_CBOR, inactive,
			       sizeof inactive, out, sizeof out, &r, &ev);
	CHECK_INT(r.code, OBOL_COAP_UNAUTHORIZED);
	/* no token parameter: invalid_request */
	introspect("sensor1", NOW, NULL, 0, &r);
	CHECK_INT(r.code, OBOL_COAP_CREATED); /* an empty bstr: inactive */
	CHECK_MEM(r.payload, r.payload_len, inactive, sizeof inactive);
	{
		struct as_peer p = {1, "sensor1"};

		as_introspect_endpoint(&cfg, &p, AS_CF_ACE_CBOR,
				       (const uint8_t *)"\xa0", 1, out,
				       sizeof out, &r, &ev);
		CHECK_INT(r.code, OBOL_COAP_BAD_REQUEST);
		CHECK_INT(ace_error(&r), AS_ERR_INVALID_REQUEST);
	}
}

static void t_policy(void)
{
	uint8_t g[64], q[64], o[64], want[64];
	size_t gl, ql, ol, wl;

	gl = aif(g, sizeof g, 1, OBOL_AIF_GET);
	/* [["/temp", GET|PUT|DELETE], ["/led", GET|PUT]] ∩ grant */
	ql = aif(q, sizeof q, 1, OBOL_AIF_GET | OBOL_AIF_PUT | OBOL_AIF_DELETE);
	CHECK_INT(as_scope_intersect(AS_SCOPE_AIF, g, gl, AS_SCOPE_AIF, q, ql, o,
				     sizeof o, &ol),
		  AS_POLICY_OK);
	wl = aif(want, sizeof want, 1, OBOL_AIF_GET);
	CHECK_MEM(o, ol, want, wl);
	ql = aif(q, sizeof q, 0, OBOL_AIF_POST);
	CHECK_INT(as_scope_intersect(AS_SCOPE_AIF, g, gl, AS_SCOPE_AIF, q, ql, o,
				     sizeof o, &ol),
		  AS_POLICY_EMPTY);
	CHECK_INT(as_scope_intersect(AS_SCOPE_AIF, g, gl, AS_SCOPE_AIF,
				     (const uint8_t *)"\x81\x82\x61x\x01", 5,
				     o, sizeof o, &ol),
		  AS_POLICY_MALFORMED); /* "x" is not a path */
	CHECK_INT(as_scope_intersect(AS_SCOPE_AIF, g, gl, AS_SCOPE_AIF, q, ql, o,
				     2, &ol),
		  AS_POLICY_EMPTY);
	ql = aif(q, sizeof q, 1, OBOL_AIF_GET);
	CHECK_INT(as_scope_intersect(AS_SCOPE_AIF, g, gl, AS_SCOPE_AIF, q, ql, o,
				     4, &ol),
		  AS_POLICY_NO_SPACE);
	CHECK_INT(as_scope_intersect(AS_SCOPE_TEXT, (const uint8_t *)"a b c", 5,
				     AS_SCOPE_TEXT, (const uint8_t *)"c x a c",
				     7, o, sizeof o, &ol),
		  AS_POLICY_OK);
	CHECK_MEM(o, ol, (const uint8_t *)"c a", 3);
	CHECK_INT(as_scope_text_valid((const uint8_t *)"a\"b", 3), 0);
	CHECK_INT(as_scope_text_valid((const uint8_t *)" a", 2), 0);
	CHECK_INT(as_scope_text_valid((const uint8_t *)"", 0), 0);
	CHECK_INT(as_scope_text_valid((const uint8_t *)"r:temp w:led", 12), 1);
}

int main(void)
{
	static const struct as_test_case cases[] = {
		{"policy", t_policy},
		{"issue_and_validate", t_issue_and_validate},
		{"scope_rules", t_scope_rules},
		{"refusals", t_refusals},
		{"dtls_identity", t_dtls_identity},
		{"no_clock_and_profile", t_no_clock_and_profile},
		{"introspect", t_introspect},
	};
	int rc = as_test_run("as_endpoints", cases,
			     sizeof cases / sizeof cases[0]);

	if (st != NULL)
		as_store_close(st);
	return rc;
}
