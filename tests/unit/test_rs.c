/*
 * The resource server engine (include/obol/rs.h) and the OSCORE-profile
 * helpers (include/obol/ace.h), driven as a client would: tokens minted
 * with obol_cwt_protect (COSE_Encrypt0 under the RS key, cnf
 * OSCORE_Input_Material), POST /authz-info built with
 * obol_ace_authz_info_build, the client context derived with
 * obol_ace_derive, requests protected with the core's OSCORE. Every
 * answer is checked by its exact code and payload.
 *
 * Vectors: tests/vectors/ace_rfc9203.txt (RFC 9203 4.1-4.3).
 * Runs against every crypto backend.
 */
#include <stdio.h>
#include <string.h>

#include "obol/ace.h"
#include "obol/aif.h"
#include "obol/coap.h"
#include "obol/cwt.h"
#include "obol/oscore.h"
#include "obol/rs.h"
#include "test.h"

#ifndef OBOL_TEST_VECTORS
#error "OBOL_TEST_VECTORS (path of tests/vectors) must be defined"
#endif

#define BUF 600
#define T0 1800000000 /* Unix time of the tests */

/* ---- the RS of the tests ---------------------------------------------------- */

static const uint8_t rs_key_bytes[16] = {0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7,
					 0xa8, 0xa9, 0xaa, 0xab, 0xac, 0xad, 0xae, 0xaf};
static const uint8_t other_key_bytes[16] = {0xb0, 0xb1, 0xb2, 0xb3, 0xb4, 0xb5, 0xb6, 0xb7,
					    0xb8, 0xb9, 0xba, 0xbb, 0xbc, 0xbd, 0xbe, 0xbf};

static struct obol_cose_key sym_key(const uint8_t *k, const char *kid)
{
	struct obol_cose_key key;

	memset(&key, 0, sizeof key);
	key.kty = OBOL_COSE_KTY_SYMMETRIC;
	key.alg = OBOL_ALG_AES_CCM_16_64_128;
	key.k = k;
	key.k_len = 16;
	key.kid = (const uint8_t *)kid;
	key.kid_len = strlen(kid);
	return key;
}

/* The application: /temp (GET, PUT; protected), /led (POST; protected),
 * /.well-known/core (GET), /fail (GET, its handler fails). */
struct app {
	char temp[16];
	size_t temp_len;
	unsigned calls;
	int last_protected;
};

static int h_temp(void *arg, const struct obol_rs_request *rq, struct obol_rs_response *rp)
{
	struct app *a = (struct app *)arg;

	a->calls++;
	a->last_protected = rq->is_protected;
	if (rq->method == OBOL_COAP_PUT) {
		if (rq->payload_len > sizeof a->temp)
			return OBOL_ERR_ARG;
		memcpy(a->temp, rq->payload, rq->payload_len);
		a->temp_len = rq->payload_len;
		rp->code = OBOL_COAP_CHANGED;
		return OBOL_OK;
	}
	if (rp->cap < a->temp_len)
		return OBOL_ERR_NO_SPACE;
	memcpy(rp->payload, a->temp, a->temp_len);
	rp->len = a->temp_len;
	rp->content_format = 0; /* text/plain */
	return OBOL_OK;
}

static int h_led(void *arg, const struct obol_rs_request *rq, struct obol_rs_response *rp)
{
	(void)arg;
	(void)rq;
	rp->code = OBOL_COAP_CHANGED;
	return OBOL_OK;
}

static int h_core(void *arg, const struct obol_rs_request *rq, struct obol_rs_response *rp)
{
	static const char links[] = "</temp>,</led>";
	(void)arg;
	(void)rq;
	memcpy(rp->payload, links, sizeof links - 1);
	rp->len = sizeof links - 1;
	rp->content_format = 40; /* application/link-format */
	return OBOL_OK;
}

static int h_fail(void *arg, const struct obol_rs_request *rq, struct obol_rs_response *rp)
{
	(void)arg;
	(void)rq;
	rp->len = 3;
	return OBOL_ERR_ARG;
}

/* Fills all the room it is given (the engine's cap must be honest). */
static int h_fill(void *arg, const struct obol_rs_request *rq, struct obol_rs_response *rp)
{
	(void)arg;
	(void)rq;
	memset(rp->payload, 'x', rp->cap);
	rp->len = rp->cap;
	return OBOL_OK;
}

/* SSN persistence of the platform (B.1.1), per slot. */
struct store {
	uint64_t bound[OBOL_RS_SLOTS];
	unsigned calls;
	int fail;
};

static int ssn_persist(void *arg, unsigned slot, uint64_t bound)
{
	struct store *s = (struct store *)arg;

	if (s->fail || slot >= OBOL_RS_SLOTS)
		return OBOL_ERR_ARG;
	s->bound[slot] = bound;
	s->calls++;
	return OBOL_OK;
}

static int ssn_load(void *arg, unsigned slot, uint64_t *bound)
{
	struct store *s = (struct store *)arg;

	if (slot >= OBOL_RS_SLOTS)
		return OBOL_ERR_ARG;
	*bound = s->bound[slot];
	return OBOL_OK;
}

struct env {
	struct obol_cose_key keys[1];
	struct obol_rs_resource res[5];
	struct obol_rs_config cfg;
	struct app app;
	struct store store;
	struct obol_rs rs;
	struct obol_rs_time now;
};

static void env_init(struct obol_test_ctx *t, struct env *e)
{
	memset(e, 0, sizeof *e);
	e->keys[0] = sym_key(rs_key_bytes, "rsk");
	e->res[0].path = "/temp";
	e->res[0].methods = OBOL_AIF_GET | OBOL_AIF_PUT;
	e->res[0].flags = OBOL_RS_PROTECTED;
	e->res[0].handler = h_temp;
	e->res[0].arg = &e->app;
	e->res[1].path = "/led";
	e->res[1].methods = OBOL_AIF_POST;
	e->res[1].flags = OBOL_RS_PROTECTED;
	e->res[1].handler = h_led;
	e->res[2].path = "/.well-known/core";
	e->res[2].methods = OBOL_AIF_GET;
	e->res[2].handler = h_core;
	e->res[3].path = "/fail";
	e->res[3].methods = OBOL_AIF_GET;
	e->res[3].handler = h_fail;
	e->res[4].path = "/fill";
	e->res[4].methods = OBOL_AIF_GET;
	e->res[4].handler = h_fill;
	e->cfg.audience = "rs1";
	e->cfg.keys = e->keys;
	e->cfg.nkeys = 1;
	e->cfg.as_uri = "coap://as.example/token";
	e->cfg.resources = e->res;
	e->cfg.nresources = 5;
	e->cfg.ssn_persist = ssn_persist;
	e->cfg.ssn_load = ssn_load;
	e->cfg.ssn_arg = &e->store;
	memcpy(e->app.temp, "21.5 C", 6);
	e->app.temp_len = 6;
	e->now.unix_now = T0;
	e->now.mono = 1000;
	CHECK_INT(t, obol_rs_init(&e->rs, &e->cfg), OBOL_OK);
}

/* ---- tokens ------------------------------------------------------------------ */

struct tokspec {
	const char *aud;
	int64_t exp;      /* 0: none */
	uint64_t exi;     /* 0: none */
	uint8_t cti[4];
	size_t cti_len;
	const struct obol_aif_entry *scope;
	size_t nscope;
	uint8_t osc_id[4];
	size_t osc_id_len;
	uint8_t ms[16];
	int no_salt;
	int profile;      /* 0: absent */
	int cnf_kid;      /* 1: cnf {kid: osc_id} (update of access rights) */
	int alg;          /* OSCORE alg in the cnf, 0: absent */
	const struct obol_cose_key *key;
	const char *kid;
};

static const uint8_t salt8[8] = {0x5a, 0x17, 0x5a, 0x17, 0x5a, 0x17, 0x5a, 0x17};
static const struct obol_aif_entry scope_get[] = {{"/temp", 5, OBOL_AIF_GET}};
static const struct obol_aif_entry scope_get_put[] = {{"/temp", 5, OBOL_AIF_GET | OBOL_AIF_PUT},
						      {"/led", 4, OBOL_AIF_POST}};

static void spec_default(struct tokspec *s, uint8_t id)
{
	size_t i;

	memset(s, 0, sizeof *s);
	s->aud = "rs1";
	s->exp = T0 + 3600;
	s->cti[0] = 0x07;
	s->cti_len = 1;
	s->scope = scope_get;
	s->nscope = 1;
	s->osc_id[0] = id;
	s->osc_id_len = 1;
	for (i = 0; i < 16; i++)
		s->ms[i] = (uint8_t)(id * 16 + i);
	s->profile = OBOL_ACE_PROFILE_COAP_OSCORE;
}

/* The OSCORE_Input_Material of a spec (what the AS gives the client). */
static void spec_osc(const struct tokspec *s, struct obol_oscore_input *o)
{
	memset(o, 0, sizeof *o);
	o->present = OBOL_OSC_F(OBOL_OSC_ID) | OBOL_OSC_F(OBOL_OSC_MS);
	o->id = s->osc_id;
	o->id_len = s->osc_id_len;
	o->ms = s->ms;
	o->ms_len = sizeof s->ms;
	if (!s->no_salt) {
		o->present |= OBOL_OSC_F(OBOL_OSC_SALT);
		o->salt = salt8;
		o->salt_len = sizeof salt8;
	}
	if (s->alg) {
		o->present |= OBOL_OSC_F(OBOL_OSC_ALG);
		o->alg = s->alg;
	}
}

static size_t mint(struct obol_test_ctx *t, const struct tokspec *s, uint8_t *out, size_t cap)
{
	struct obol_cose_key rk = sym_key(rs_key_bytes, "rsk");
	struct obol_cwt_claims c;
	struct obol_cose_hdr h;
	obol_cbor_enc e;
	uint8_t aif[64], scratch[BUF];
	size_t aif_len = 0, len = 0;
	const struct obol_cose_key *key = s->key != NULL ? s->key : &rk;
	const char *kid = s->kid != NULL ? s->kid : "rsk";
	int err;

	obol_cbor_enc_init(&e, aif, sizeof aif);
	obol_aif_write(&e, s->scope, s->nscope);
	CHECK_INT(t, obol_cbor_enc_finish(&e, &aif_len), OBOL_OK);
	memset(&c, 0, sizeof c);
	c.present = OBOL_CWT_F_AUD | OBOL_CWT_F_SCOPE | OBOL_CWT_F_CNF;
	c.aud = s->aud;
	c.aud_len = strlen(s->aud);
	if (s->exp) {
		c.present |= OBOL_CWT_F_EXP;
		c.exp = s->exp;
	}
	if (s->exi) {
		c.present |= OBOL_CWT_F_EXI;
		c.exi = s->exi;
	}
	if (s->cti_len) {
		c.present |= OBOL_CWT_F_CTI;
		c.cti = s->cti;
		c.cti_len = s->cti_len;
	}
	if (s->profile) {
		c.present |= OBOL_CWT_F_ACE_PROFILE;
		c.ace_profile = s->profile;
	}
	c.scope_type = OBOL_CWT_SCOPE_AIF;
	c.scope = aif;
	c.scope_len = aif_len;
	if (s->cnf_kid) {
		c.cnf_type = OBOL_CWT_CNF_KID;
		c.cnf_raw = s->osc_id;
		c.cnf_raw_len = s->osc_id_len;
	} else {
		c.cnf_type = OBOL_CWT_CNF_OSCORE;
		spec_osc(s, &c.cnf_osc);
	}
	memset(&h, 0, sizeof h);
	h.alg = OBOL_ALG_AES_CCM_16_64_128;
	h.kid = (const uint8_t *)kid;
	h.kid_len = strlen(kid);
	err = obol_cwt_protect(OBOL_CWT_ENCRYPT0, key, &h, 0, 0, &c, scratch,
			       sizeof scratch, out, cap, &len);
	CHECK_INT(t, err, OBOL_OK);
	return err ? 0 : len;
}

/* ---- the client -------------------------------------------------------------- */

struct client {
	struct tokspec spec;
	uint8_t tok[BUF];
	size_t tok_len;
	uint8_t id1[8];
	size_t id1_len;
	uint8_t n1[8];
	uint8_t id2[8];
	size_t id2_len;
	struct obol_oscore_ctx ctx;
	uint16_t mid;
	int have_ctx;
};

static void client_init(struct obol_test_ctx *t, struct client *c, uint8_t id)
{
	memset(c, 0, sizeof *c);
	spec_default(&c->spec, id);
	c->id1[0] = (uint8_t)(0xc0 | (id & 0x3f));
	c->id1_len = 1;
	c->mid = (uint16_t)(0x1000 + id * 0x100);
	c->tok_len = mint(t, &c->spec, c->tok, sizeof c->tok);
}

struct answer {
	uint8_t raw[BUF];
	size_t raw_len;
	int rc;
	struct obol_coap_msg m; /* of raw, when rc == 0 */
	uint8_t code;
	uint8_t pl[BUF];
	size_t pl_len;
	long cf;
};

static long msg_cf(const struct obol_coap_msg *m)
{
	const uint8_t *v;
	size_t n;
	uint32_t cf = 0;

	if (obol_coap_opt_find(m, OBOL_COAP_OPT_CONTENT_FORMAT, &v, &n) != 1)
		return -1;
	if (obol_coap_opt_uint(v, n, &cf) != OBOL_OK)
		return -2;
	return (long)cf;
}

/* Hand a datagram to the engine (a copy: the engine writes its buffer). */
static void send_raw(struct env *e, const uint8_t *dg, size_t len, struct answer *a)
{
	uint8_t buf[BUF];

	memset(a, 0, sizeof *a);
	memcpy(buf, dg, len);
	a->rc = obol_rs_handle(&e->rs, &e->now, buf, len, sizeof buf, a->raw,
			       sizeof a->raw, &a->raw_len);
	if (a->rc == OBOL_OK && obol_coap_parse(a->raw, a->raw_len, &a->m) == OBOL_OK) {
		a->code = a->m.code;
		a->cf = msg_cf(&a->m);
		a->pl_len = a->m.payload_len;
		if (a->pl_len)
			memcpy(a->pl, a->m.payload, a->pl_len);
	}
}

/* A plain request (CON, token 2 bytes from mid). */
static size_t build_req(uint8_t *out, size_t cap, uint8_t type, uint8_t code, uint16_t mid,
			const char *path, long cf, const uint8_t *pl, size_t pl_len,
			const uint8_t *echo)
{
	struct obol_coap_builder b;
	uint8_t tok[2];
	size_t len = 0;

	tok[0] = (uint8_t)(mid >> 8);
	tok[1] = (uint8_t)mid;
	obol_coap_build_init(&b, out, cap, type, code, mid, tok, 2);
	obol_coap_add_uri_path(&b, path, strlen(path));
	if (cf >= 0)
		obol_coap_add_uint_option(&b, OBOL_COAP_OPT_CONTENT_FORMAT, (uint32_t)cf);
	if (echo != NULL)
		obol_coap_add_option(&b, OBOL_COAP_OPT_ECHO, echo, OBOL_OSCORE_ECHO_LEN);
	obol_coap_set_payload(&b, pl, pl_len);
	return obol_coap_build_finish(&b, &len) == OBOL_OK ? len : 0;
}

/* POST /authz-info with payload pl (unprotected). */
static void post_raw(struct env *e, uint16_t mid, long cf, const uint8_t *pl, size_t pl_len,
		     struct answer *a)
{
	uint8_t dg[BUF];
	size_t n = build_req(dg, sizeof dg, OBOL_COAP_CON, OBOL_COAP_POST, mid,
			     "/authz-info", cf, pl, pl_len, NULL);
	send_raw(e, dg, n, a);
}

/* POST the client's token with a fresh N1; on 2.01 derive its context. */
static void post_token(struct obol_test_ctx *t, struct env *e, struct client *c, struct answer *a)
{
	struct obol_oscore_input osc;
	uint8_t pl[BUF];
	const uint8_t *n2, *id2;
	size_t pl_len = 0, n2_len, id2_len;

	CHECK_INT(t, obol_port_random(c->n1, sizeof c->n1), OBOL_OK);
	CHECK_INT(t, obol_ace_authz_info_build(c->tok, c->tok_len, c->n1, sizeof c->n1,
					       c->id1, c->id1_len, pl, sizeof pl, &pl_len),
		  OBOL_OK);
	post_raw(e, c->mid++, OBOL_CF_ACE_CBOR, pl, pl_len, a);
	if (a->rc != OBOL_OK || a->code != OBOL_COAP_CREATED)
		return;
	CHECK_INT(t, a->cf, OBOL_CF_ACE_CBOR);
	CHECK_INT(t, obol_ace_authz_info_parse(a->pl, a->pl_len, &n2, &n2_len, &id2, &id2_len),
		  OBOL_OK);
	CHECK_INT(t, n2_len, 8);
	CHECK_INT(t, id2_len, 1);
	CHECK(t, id2_len != c->id1_len || memcmp(id2, c->id1, id2_len) != 0);
	memcpy(c->id2, id2, id2_len);
	c->id2_len = id2_len;
	spec_osc(&c->spec, &osc);
	/* RFC 9203 4.3, the client side: Sender ID = ID2, Recipient ID = ID1 */
	CHECK_INT(t, obol_ace_derive(&c->ctx, &osc, c->n1, sizeof c->n1, n2, n2_len, id2,
				     id2_len, c->id1, c->id1_len),
		  OBOL_OK);
	c->have_ctx = 1;
}

static void establish(struct obol_test_ctx *t, struct env *e, struct client *c)
{
	struct answer a;

	post_token(t, e, c, &a);
	CHECK_INT(t, a.rc, OBOL_OK);
	CHECK_INT(t, a.code, OBOL_COAP_CREATED);
}

/*
 * A protected request from c; a->code/pl are the decrypted response when
 * the answer is protected (*prot = 1), else the plain answer's.
 */
static void request_ex(struct obol_test_ctx *t, struct env *e, struct client *c, uint8_t type,
		       uint8_t method, const char *path, long cf, const uint8_t *pl,
		       size_t pl_len, const uint8_t *echo, struct answer *a, int *prot,
		       uint8_t *sent, size_t *sent_len)
{
	uint8_t plain[BUF], dg[BUF], back[BUF];
	struct obol_oscore_req oreq;
	struct obol_coap_msg m;
	const uint8_t *ov;
	size_t n, dn = 0, bn = 0, on = 0;
	uint16_t mid = c->mid++;

	*prot = 0;
	n = build_req(plain, sizeof plain, type, method, mid, path, cf, pl, pl_len, echo);
	CHECK_INT(t, obol_oscore_protect_request(&c->ctx, plain, n, dg, sizeof dg, &dn, &oreq),
		  OBOL_OK);
	if (sent != NULL) {
		memcpy(sent, dg, dn);
		*sent_len = dn;
	}
	send_raw(e, dg, dn, a);
	if (a->rc != OBOL_OK)
		return;
	/* CON: piggybacked ACK with the same Message ID; the token echoed */
	if (type == OBOL_COAP_CON) {
		CHECK_INT(t, a->m.type, OBOL_COAP_ACK);
		CHECK_INT(t, a->m.mid, mid);
	} else {
		CHECK_INT(t, a->m.type, OBOL_COAP_NON);
	}
	CHECK_INT(t, a->m.token_len, 2);
	CHECK(t, a->m.token[0] == (uint8_t)(mid >> 8) && a->m.token[1] == (uint8_t)mid);
	if (obol_coap_opt_find(&a->m, OBOL_COAP_OPT_OSCORE, &ov, &on) == 1) {
		*prot = 1;
		CHECK_INT(t, obol_oscore_unprotect_response(&c->ctx, &oreq, a->raw, a->raw_len,
							    back, sizeof back, &bn),
			  OBOL_OK);
		if (obol_coap_parse(back, bn, &m) != OBOL_OK)
			return;
		a->code = m.code;
		a->cf = msg_cf(&m);
		a->pl_len = m.payload_len;
		if (m.payload_len)
			memcpy(a->pl, m.payload, m.payload_len);
	}
}

static void request(struct obol_test_ctx *t, struct env *e, struct client *c, uint8_t method,
		    const char *path, const uint8_t *pl, size_t pl_len, struct answer *a, int *prot)
{
	request_ex(t, e, c, OBOL_COAP_CON, method, path, -1, pl, pl_len, NULL, a, prot, NULL,
		   NULL);
}

/* Expect a protected answer with this code (and payload, if given). */
static void expect_prot(struct obol_test_ctx *t, int line, struct env *e, struct client *c,
			uint8_t method, const char *path, const char *pl, uint8_t code,
			const char *want)
{
	struct answer a;
	int prot = 0;
	char what[64];

	request(t, e, c, method, path, (const uint8_t *)pl, pl != NULL ? strlen(pl) : 0, &a,
		&prot);
	snprintf(what, sizeof what, "line %d: protected", line);
	if (a.rc != OBOL_OK || !prot || a.code != code)
		obol_test_fail(t, __FILE__, line, what);
	CHECK_INT(t, a.rc, OBOL_OK);
	CHECK_INT(t, prot, 1);
	CHECK_INT(t, a.code, code);
	if (want != NULL)
		CHECK_MEM(t, a.pl, a.pl_len, (const uint8_t *)want, strlen(want));
}

/* Expect an unprotected OSCORE error (RFC 8613 8.2) with diagnostic. */
static void expect_plain(struct obol_test_ctx *t, int line, struct env *e, struct client *c,
			 uint8_t method, const char *path, uint8_t code, const char *diag)
{
	struct answer a;
	int prot = 1;

	request(t, e, c, method, path, NULL, 0, &a, &prot);
	if (a.rc != OBOL_OK || prot || a.code != code)
		obol_test_fail(t, __FILE__, line, "expected an unprotected error");
	CHECK_INT(t, a.rc, OBOL_OK);
	CHECK_INT(t, prot, 0);
	CHECK_INT(t, a.code, code);
	if (diag != NULL)
		CHECK_MEM(t, a.pl, a.pl_len, (const uint8_t *)diag, strlen(diag));
}

static const uint8_t err_invalid_request[] = {0xa1, 0x18, 0x1e, 0x01};

/* ---- cases ------------------------------------------------------------------- */

static void test_happy(struct obol_test_ctx *t)
{
	struct env e;
	struct client c;
	struct answer a;
	int prot;

	env_init(t, &e);
	client_init(t, &c, 1);
	c.spec.scope = scope_get_put;
	c.spec.nscope = 2;
	c.tok_len = mint(t, &c.spec, c.tok, sizeof c.tok);
	CHECK(t, c.tok_len > 0 && c.tok_len <= 120);
	post_token(t, &e, &c, &a);
	CHECK_INT(t, a.rc, OBOL_OK);
	CHECK_INT(t, a.code, OBOL_COAP_CREATED);
	CHECK_INT(t, a.m.type, OBOL_COAP_ACK);
	/* exact shape {42: h'<8>', 44: h'<1>'} */
	CHECK_INT(t, a.pl_len, 16);
	CHECK(t, a.pl[0] == 0xa2 && a.pl[1] == 0x18 && a.pl[2] == 0x2a && a.pl[3] == 0x48 &&
		 a.pl[12] == 0x18 && a.pl[13] == 0x2c && a.pl[14] == 0x41);
	CHECK_INT(t, obol_rs_slots_used(&e.rs), 1);

	request(t, &e, &c, OBOL_COAP_GET, "/temp", NULL, 0, &a, &prot);
	CHECK_INT(t, a.rc, OBOL_OK);
	CHECK_INT(t, prot, 1);
	CHECK_INT(t, a.code, OBOL_COAP_CONTENT);
	CHECK_INT(t, a.cf, 0);
	CHECK_MEM(t, a.pl, a.pl_len, (const uint8_t *)"21.5 C", 6);
	CHECK_INT(t, e.app.last_protected, 1);
	/* outer code of an OSCORE response: 2.04 (RFC 8613 4.2) */
	CHECK_INT(t, a.m.code, OBOL_COAP_CHANGED);
	expect_prot(t, __LINE__, &e, &c, OBOL_COAP_PUT, "/temp", "19.0 C", OBOL_COAP_CHANGED, "");
	expect_prot(t, __LINE__, &e, &c, OBOL_COAP_GET, "/temp", NULL, OBOL_COAP_CONTENT, "19.0 C");
	expect_prot(t, __LINE__, &e, &c, OBOL_COAP_POST, "/led", NULL, OBOL_COAP_CHANGED, "");
	/* an unprotected resource over OSCORE: served, protected */
	expect_prot(t, __LINE__, &e, &c, OBOL_COAP_GET, "/.well-known/core", NULL,
		    OBOL_COAP_CONTENT, "</temp>,</led>");
	/* a failing handler: 5.00, no payload */
	expect_prot(t, __LINE__, &e, &c, OBOL_COAP_GET, "/fail", NULL,
		    OBOL_COAP_INTERNAL_ERROR, "");
	/* a handler that fills its cap: the protected answer still fits
	 * the response buffer (BUF, less 24 header + 24 OSCORE room) */
	request(t, &e, &c, OBOL_COAP_GET, "/fill", NULL, 0, &a, &prot);
	CHECK_INT(t, a.rc, OBOL_OK);
	CHECK_INT(t, prot, 1);
	CHECK_INT(t, a.code, OBOL_COAP_CONTENT);
	CHECK_INT(t, a.pl_len, BUF - 48);
	{
		uint8_t dg[BUF];
		size_t dn = build_req(dg, sizeof dg, OBOL_COAP_CON, OBOL_COAP_GET, 0x0999, "/fill",
				      -1, NULL, 0, NULL);
		send_raw(&e, dg, dn, &a);
		CHECK_INT(t, a.rc, OBOL_OK);
		CHECK_INT(t, a.pl_len, BUF - 24);
	}

	/* a client with a 16-byte-tag algorithm and no salt (h'' in the Master Salt) */
	client_init(t, &c, 2);
	c.spec.alg = OBOL_ALG_AES_CCM_16_128_128;
	c.spec.no_salt = 1;
	c.tok_len = mint(t, &c.spec, c.tok, sizeof c.tok);
	establish(t, &e, &c);
	CHECK_INT(t, c.ctx.tag_len, 16);
	expect_prot(t, __LINE__, &e, &c, OBOL_COAP_GET, "/temp", NULL, OBOL_COAP_CONTENT, "19.0 C");
	/* an unsupported alg is refused before any slot is touched */
	client_init(t, &c, 3);
	c.spec.alg = 1; /* A128GCM: not an OSCORE alg here */
	c.tok_len = mint(t, &c.spec, c.tok, sizeof c.tok);
	post_token(t, &e, &c, &a);
	CHECK_INT(t, a.code, OBOL_COAP_BAD_REQUEST);
	CHECK_MEM(t, a.pl, a.pl_len, err_invalid_request, 4);
	CHECK_INT(t, obol_rs_slots_used(&e.rs), 2);
}

static void test_scope(struct obol_test_ctx *t)
{
	struct env e;
	struct client c;

	env_init(t, &e);
	client_init(t, &c, 1); /* scope: GET /temp */
	establish(t, &e, &c);
	/* RFC 9200 5.10.2: path named but not the method: 4.05; path not
	 * named: 4.03; no such resource: 4.04; method the resource lacks: 4.05 */
	expect_prot(t, __LINE__, &e, &c, OBOL_COAP_PUT, "/temp", "1", OBOL_COAP_METHOD_NOT_ALLOWED, "");
	expect_prot(t, __LINE__, &e, &c, OBOL_COAP_POST, "/led", NULL, OBOL_COAP_FORBIDDEN, "");
	expect_prot(t, __LINE__, &e, &c, OBOL_COAP_GET, "/nothing", NULL, OBOL_COAP_NOT_FOUND, "");
	expect_prot(t, __LINE__, &e, &c, OBOL_COAP_DELETE, "/temp", NULL,
		    OBOL_COAP_METHOD_NOT_ALLOWED, "");
	CHECK(t, memcmp(e.app.temp, "21.5 C", 6) == 0); /* the PUT never ran */
	expect_prot(t, __LINE__, &e, &c, OBOL_COAP_GET, "/temp", NULL, OBOL_COAP_CONTENT, "21.5 C");
}

static void test_token_refused(struct obol_test_ctx *t)
{
	struct env e;
	struct client c;
	struct answer a;
	struct obol_cose_key other = sym_key(other_key_bytes, "rsk");

	env_init(t, &e);
	/* another audience: 4.03, no payload */
	client_init(t, &c, 1);
	c.spec.aud = "rs2";
	c.tok_len = mint(t, &c.spec, c.tok, sizeof c.tok);
	post_token(t, &e, &c, &a);
	CHECK_INT(t, a.rc, OBOL_OK);
	CHECK_INT(t, a.code, OBOL_COAP_FORBIDDEN);
	CHECK_INT(t, a.pl_len, 0);
	/* expired (exp, with a clock): 4.01 */
	client_init(t, &c, 1);
	c.spec.exp = T0 - 1;
	c.tok_len = mint(t, &c.spec, c.tok, sizeof c.tok);
	post_token(t, &e, &c, &a);
	CHECK_INT(t, a.code, OBOL_COAP_UNAUTHORIZED);
	CHECK_INT(t, a.pl_len, 0);
	/* exp but the RS has no clock: nothing to check the expiry by: 4.01 */
	client_init(t, &c, 1);
	e.now.unix_now = OBOL_CWT_NO_CLOCK;
	post_token(t, &e, &c, &a);
	CHECK_INT(t, a.code, OBOL_COAP_UNAUTHORIZED);
	e.now.unix_now = T0;
	/* tampered ciphertext: 4.01 */
	client_init(t, &c, 1);
	c.tok[c.tok_len - 3] ^= 0x01;
	post_token(t, &e, &c, &a);
	CHECK_INT(t, a.code, OBOL_COAP_UNAUTHORIZED);
	/* encrypted under another key with our kid: 4.01; unknown kid: 4.01 */
	client_init(t, &c, 1);
	c.spec.key = &other;
	c.tok_len = mint(t, &c.spec, c.tok, sizeof c.tok);
	post_token(t, &e, &c, &a);
	CHECK_INT(t, a.code, OBOL_COAP_UNAUTHORIZED);
	client_init(t, &c, 1);
	c.spec.kid = "zz";
	c.tok_len = mint(t, &c.spec, c.tok, sizeof c.tok);
	post_token(t, &e, &c, &a);
	CHECK_INT(t, a.code, OBOL_COAP_UNAUTHORIZED);
	/* another profile: 4.00 {30: 8} incompatible_ace_profiles */
	client_init(t, &c, 1);
	c.spec.profile = OBOL_ACE_PROFILE_COAP_DTLS;
	c.tok_len = mint(t, &c.spec, c.tok, sizeof c.tok);
	post_token(t, &e, &c, &a);
	CHECK_INT(t, a.code, OBOL_COAP_BAD_REQUEST);
	CHECK_MEM(t, a.pl, a.pl_len, (const uint8_t *)"\xa1\x18\x1e\x08", 4);
	CHECK_INT(t, a.cf, OBOL_CF_ACE_CBOR);
	/* cnf is a kid (an update token) on the unprotected endpoint: 4.00 */
	client_init(t, &c, 1);
	c.spec.cnf_kid = 1;
	c.tok_len = mint(t, &c.spec, c.tok, sizeof c.tok);
	post_token(t, &e, &c, &a);
	CHECK_INT(t, a.code, OBOL_COAP_BAD_REQUEST);
	CHECK_MEM(t, a.pl, a.pl_len, err_invalid_request, 4);
	/* a token that is no COSE message: 4.00 (RFC 9200 5.10.1) */
	client_init(t, &c, 1);
	memcpy(c.tok, "\x83\x40\xa0", 3); /* [h'', {}, ...] cut short */
	c.tok_len = 3;
	post_token(t, &e, &c, &a);
	CHECK_INT(t, a.code, OBOL_COAP_BAD_REQUEST);
	CHECK_INT(t, obol_rs_slots_used(&e.rs), 0);
	/* ID1 equal to the only free ID2? never: the RS skips it (checked in
	 * post_token for every 2.01) */
}

static void test_exp_exi(struct obol_test_ctx *t)
{
	struct env e;
	struct client c;
	struct answer a;

	/* exp with a clock: the slot dies with the token */
	env_init(t, &e);
	client_init(t, &c, 1);
	c.spec.exp = T0 + 10;
	c.tok_len = mint(t, &c.spec, c.tok, sizeof c.tok);
	establish(t, &e, &c);
	e.now.unix_now = T0 + 9;
	expect_prot(t, __LINE__, &e, &c, OBOL_COAP_GET, "/temp", NULL, OBOL_COAP_CONTENT, "21.5 C");
	e.now.unix_now = T0 + 10;
	expect_plain(t, __LINE__, &e, &c, OBOL_COAP_GET, "/temp", OBOL_COAP_UNAUTHORIZED,
		     "Security context not found");
	CHECK_INT(t, obol_rs_slots_used(&e.rs), 0);

	/* exi without a clock, counted on the monotonic seconds */
	env_init(t, &e);
	e.now.unix_now = OBOL_CWT_NO_CLOCK;
	client_init(t, &c, 1);
	c.spec.exp = 0;
	c.spec.exi = 60;
	c.spec.cti[0] = 0x05;
	c.tok_len = mint(t, &c.spec, c.tok, sizeof c.tok);
	establish(t, &e, &c);
	e.now.mono = 1059;
	expect_prot(t, __LINE__, &e, &c, OBOL_COAP_GET, "/temp", NULL, OBOL_COAP_CONTENT, "21.5 C");
	/* a repost keeps the first arrival time (RFC 9200 5.10.1.1) */
	establish(t, &e, &c);
	e.now.mono = 1060;
	expect_plain(t, __LINE__, &e, &c, OBOL_COAP_GET, "/temp", OBOL_COAP_UNAUTHORIZED,
		     "Security context not found");
	/* the old context's slot expires lazily: when next touched or
	 * when a new token needs a slot (it is the first to go) */
	CHECK_INT(t, obol_rs_slots_used(&e.rs), 1);
	/* posted again after expiry: its sequence number is burnt (5.10.3) */
	post_token(t, &e, &c, &a);
	CHECK_INT(t, a.code, OBOL_COAP_UNAUTHORIZED);
	/* an older one too; a newer one is fine */
	c.spec.cti[0] = 0x04;
	c.tok_len = mint(t, &c.spec, c.tok, sizeof c.tok);
	post_token(t, &e, &c, &a);
	CHECK_INT(t, a.code, OBOL_COAP_UNAUTHORIZED);
	c.spec.cti[0] = 0x06;
	c.tok_len = mint(t, &c.spec, c.tok, sizeof c.tok);
	establish(t, &e, &c);
	expect_prot(t, __LINE__, &e, &c, OBOL_COAP_GET, "/temp", NULL, OBOL_COAP_CONTENT, "21.5 C");
	/* a reset: exi slots are kept only if the platform's monotonic
	 * seconds continue (cfg.mono_persisted); then Echo first (B.1.2) */
	{
		struct obol_rs kept = e.rs;
		unsigned used = obol_rs_slots_used(&e.rs);
		int prot = 0;

		CHECK(t, used >= 1);
		e.cfg.mono_persisted = 1;
		CHECK_INT(t, obol_rs_resume(&e.rs, &e.cfg), OBOL_OK);
		CHECK_INT(t, obol_rs_slots_used(&e.rs), used);
		request(t, &e, &c, OBOL_COAP_GET, "/temp", NULL, 0, &a, &prot);
		CHECK_INT(t, prot, 1);
		CHECK_INT(t, a.code, OBOL_COAP_UNAUTHORIZED);
		e.cfg.mono_persisted = 0;
		e.rs = kept;
		CHECK_INT(t, obol_rs_resume(&e.rs, &e.cfg), OBOL_OK);
		CHECK_INT(t, obol_rs_slots_used(&e.rs), 0);
		e.rs = kept;
	}
	/* exi without cti: 4.00 */
	{
		/* an exi token evicted before it expired keeps its first
		 * arrival when posted again (rs.h, RFC 9200 5.10.3): holding
		 * more tokens than slots does not stretch its lifetime */
		struct env e2;
		struct client v, o;
		unsigned i;

		env_init(t, &e2);
		e2.now.unix_now = OBOL_CWT_NO_CLOCK;
		client_init(t, &v, 40);
		v.spec.exp = 0;
		v.spec.exi = 60;
		v.spec.cti[0] = 0x30;
		v.tok_len = mint(t, &v.spec, v.tok, sizeof v.tok);
		establish(t, &e2, &v); /* arrives at 1000 */
		expect_prot(t, __LINE__, &e2, &v, OBOL_COAP_GET, "/temp", NULL, OBOL_COAP_CONTENT,
			    "21.5 C");
		e2.now.mono = 1010;
		for (i = 0; i < OBOL_RS_SLOTS; i++) {
			client_init(t, &o, (uint8_t)(41 + i));
			o.spec.exp = 0;
			o.spec.exi = 600;
			o.spec.cti[0] = (uint8_t)(0x31 + i);
			o.tok_len = mint(t, &o.spec, o.tok, sizeof o.tok);
			establish(t, &e2, &o);
			expect_prot(t, __LINE__, &e2, &o, OBOL_COAP_GET, "/temp", NULL,
				    OBOL_COAP_CONTENT, "21.5 C");
		}
		/* v's slot is gone (the least recently used active one) */
		expect_plain(t, __LINE__, &e2, &v, OBOL_COAP_GET, "/temp", OBOL_COAP_UNAUTHORIZED,
			     "Security context not found");
		e2.now.mono = 1050;
		establish(t, &e2, &v); /* posted again: served, but ... */
		expect_prot(t, __LINE__, &e2, &v, OBOL_COAP_GET, "/temp", NULL, OBOL_COAP_CONTENT,
			    "21.5 C");
		e2.now.mono = 1060; /* ... it still expires 60 s after 1000 */
		expect_plain(t, __LINE__, &e2, &v, OBOL_COAP_GET, "/temp", OBOL_COAP_UNAUTHORIZED,
			     "Security context not found");
		/* evicted again, it cannot come back after its deadline */
		for (i = 0; i < OBOL_RS_SLOTS; i++) {
			client_init(t, &o, (uint8_t)(41 + i));
			o.spec.exp = 0;
			o.spec.exi = 600;
			o.spec.cti[0] = (uint8_t)(0x31 + i);
			o.tok_len = mint(t, &o.spec, o.tok, sizeof o.tok);
			establish(t, &e2, &o);
		}
		post_token(t, &e2, &v, &a);
		CHECK_INT(t, a.code, OBOL_COAP_UNAUTHORIZED);
	}
	c.spec.cti_len = 0;
	c.tok_len = mint(t, &c.spec, c.tok, sizeof c.tok);
	post_token(t, &e, &c, &a);
	CHECK_INT(t, a.code, OBOL_COAP_BAD_REQUEST);
	/* with a configured RS prefix, the cti must start with it */
	e.cfg.exi_cti_prefix = (const uint8_t *)"R1";
	e.cfg.exi_cti_prefix_len = 2;
	c.spec.cti[0] = 'R';
	c.spec.cti[1] = '1';
	c.spec.cti[2] = 0x09;
	c.spec.cti_len = 3;
	c.tok_len = mint(t, &c.spec, c.tok, sizeof c.tok);
	establish(t, &e, &c);
	c.spec.cti[0] = 'X';
	c.tok_len = mint(t, &c.spec, c.tok, sizeof c.tok);
	post_token(t, &e, &c, &a);
	CHECK_INT(t, a.code, OBOL_COAP_BAD_REQUEST);
	/* an exp slot seen by a call without a clock: fail closed */
	env_init(t, &e);
	client_init(t, &c, 1);
	establish(t, &e, &c);
	e.now.unix_now = OBOL_CWT_NO_CLOCK;
	expect_plain(t, __LINE__, &e, &c, OBOL_COAP_GET, "/temp", OBOL_COAP_UNAUTHORIZED, NULL);
}

static void test_authz_malformed(struct obol_test_ctx *t)
{
	struct env e;
	struct client c;
	struct answer a;
	uint8_t pl[BUF];
	size_t n = 0;
	static const uint8_t n1[8] = {1, 2, 3, 4, 5, 6, 7, 8};
	static const uint8_t id1[1] = {0x42};
	static const uint8_t long_id[8] = {1, 2, 3, 4, 5, 6, 7, 8};

	env_init(t, &e);
	client_init(t, &c, 1);
	/* truncated CBOR, not a map, an empty map: 4.00 {30: 1} */
	post_raw(&e, 1, OBOL_CF_ACE_CBOR, (const uint8_t *)"\xa1\x01", 2, &a);
	CHECK_INT(t, a.rc, OBOL_OK);
	CHECK_INT(t, a.code, OBOL_COAP_BAD_REQUEST);
	CHECK_INT(t, a.cf, OBOL_CF_ACE_CBOR);
	CHECK_MEM(t, a.pl, a.pl_len, err_invalid_request, 4);
	post_raw(&e, 2, OBOL_CF_ACE_CBOR, (const uint8_t *)"\x81\x01", 2, &a);
	CHECK_MEM(t, a.pl, a.pl_len, err_invalid_request, 4);
	post_raw(&e, 3, OBOL_CF_ACE_CBOR, (const uint8_t *)"\xa0", 1, &a);
	CHECK_MEM(t, a.pl, a.pl_len, err_invalid_request, 4);
	post_raw(&e, 4, OBOL_CF_ACE_CBOR, NULL, 0, &a);
	CHECK_INT(t, a.code, OBOL_COAP_BAD_REQUEST);
	/* a bare token (RFC 9200 5.10.1 style, no ACE map): 4.00 */
	post_raw(&e, 5, OBOL_CF_ACE_CBOR, c.tok, c.tok_len, &a);
	CHECK_INT(t, a.code, OBOL_COAP_BAD_REQUEST);
	/* missing nonce1, missing ID1, both: 4.00 */
	CHECK_INT(t, obol_ace_authz_info_build(c.tok, c.tok_len, NULL, 0, NULL, 0, pl, sizeof pl, &n),
		  OBOL_OK);
	post_raw(&e, 6, OBOL_CF_ACE_CBOR, pl, n, &a);
	CHECK_INT(t, a.code, OBOL_COAP_BAD_REQUEST);
	CHECK_MEM(t, a.pl, a.pl_len, err_invalid_request, 4);
	{
		/* {1: token, 40: n1} and {1: token, 43: id1}, by hand */
		obol_cbor_enc enc;

		obol_cbor_enc_init(&enc, pl, sizeof pl);
		obol_cbor_put_map(&enc, 2);
		obol_cbor_put_uint(&enc, 1);
		obol_cbor_put_bstr(&enc, c.tok, c.tok_len);
		obol_cbor_put_uint(&enc, 40);
		obol_cbor_put_bstr(&enc, n1, sizeof n1);
		CHECK_INT(t, obol_cbor_enc_finish(&enc, &n), OBOL_OK);
		post_raw(&e, 7, OBOL_CF_ACE_CBOR, pl, n, &a);
		CHECK_INT(t, a.code, OBOL_COAP_BAD_REQUEST);
		CHECK_MEM(t, a.pl, a.pl_len, err_invalid_request, 4);
		obol_cbor_enc_init(&enc, pl, sizeof pl);
		obol_cbor_put_map(&enc, 2);
		obol_cbor_put_uint(&enc, 1);
		obol_cbor_put_bstr(&enc, c.tok, c.tok_len);
		obol_cbor_put_uint(&enc, 43);
		obol_cbor_put_bstr(&enc, id1, sizeof id1);
		CHECK_INT(t, obol_cbor_enc_finish(&enc, &n), OBOL_OK);
		post_raw(&e, 8, OBOL_CF_ACE_CBOR, pl, n, &a);
		CHECK_MEM(t, a.pl, a.pl_len, err_invalid_request, 4);
		/* nonce1 as a text string: 4.00 */
		obol_cbor_enc_init(&enc, pl, sizeof pl);
		obol_cbor_put_map(&enc, 3);
		obol_cbor_put_uint(&enc, 1);
		obol_cbor_put_bstr(&enc, c.tok, c.tok_len);
		obol_cbor_put_uint(&enc, 40);
		obol_cbor_put_text(&enc, "12345678");
		obol_cbor_put_uint(&enc, 43);
		obol_cbor_put_bstr(&enc, id1, sizeof id1);
		CHECK_INT(t, obol_cbor_enc_finish(&enc, &n), OBOL_OK);
		post_raw(&e, 9, OBOL_CF_ACE_CBOR, pl, n, &a);
		CHECK_MEM(t, a.pl, a.pl_len, err_invalid_request, 4);
	}
	/* ID1 of 8 bytes (OSCORE allows 7 here): 4.00 */
	{
		obol_cbor_enc enc;

		obol_cbor_enc_init(&enc, pl, sizeof pl);
		obol_cbor_put_map(&enc, 3);
		obol_cbor_put_uint(&enc, 1);
		obol_cbor_put_bstr(&enc, c.tok, c.tok_len);
		obol_cbor_put_uint(&enc, 40);
		obol_cbor_put_bstr(&enc, n1, sizeof n1);
		obol_cbor_put_uint(&enc, 43);
		obol_cbor_put_bstr(&enc, long_id, sizeof long_id);
		CHECK_INT(t, obol_cbor_enc_finish(&enc, &n), OBOL_OK);
		post_raw(&e, 10, OBOL_CF_ACE_CBOR, pl, n, &a);
		CHECK_MEM(t, a.pl, a.pl_len, err_invalid_request, 4);
	}
	/* the Content-Format: other (application/cbor 60) or none: 4.15 */
	CHECK_INT(t, obol_ace_authz_info_build(c.tok, c.tok_len, n1, sizeof n1, id1, 1, pl,
					       sizeof pl, &n),
		  OBOL_OK);
	post_raw(&e, 11, 60, pl, n, &a);
	CHECK_INT(t, a.code, OBOL_COAP_CODE(4, 15));
	CHECK_INT(t, a.pl_len, 0);
	post_raw(&e, 12, -1, pl, n, &a);
	CHECK_INT(t, a.code, OBOL_COAP_CODE(4, 15));
	/* other methods on /authz-info: 4.05 (RFC 9200 5.10.1.2) */
	{
		uint8_t dg[BUF];
		size_t dn = build_req(dg, sizeof dg, OBOL_COAP_CON, OBOL_COAP_GET, 13,
				      "/authz-info", -1, NULL, 0, NULL);
		send_raw(&e, dg, dn, &a);
		CHECK_INT(t, a.code, OBOL_COAP_METHOD_NOT_ALLOWED);
		dn = build_req(dg, sizeof dg, OBOL_COAP_CON, OBOL_COAP_PUT, 14, "/authz-info",
			       OBOL_CF_ACE_CBOR, pl, n, NULL);
		send_raw(&e, dg, dn, &a);
		CHECK_INT(t, a.code, OBOL_COAP_METHOD_NOT_ALLOWED);
	}
	CHECK_INT(t, obol_rs_slots_used(&e.rs), 0);
	/* and the well-formed one works */
	post_raw(&e, 15, OBOL_CF_ACE_CBOR, pl, n, &a);
	CHECK_INT(t, a.code, OBOL_COAP_CREATED);
	CHECK_INT(t, obol_rs_slots_used(&e.rs), 1);
}

static void test_repost(struct obol_test_ctx *t)
{
	struct env e;
	struct client c, old;

	env_init(t, &e);
	client_init(t, &c, 1);
	establish(t, &e, &c);
	expect_prot(t, __LINE__, &e, &c, OBOL_COAP_GET, "/temp", NULL, OBOL_COAP_CONTENT, "21.5 C");
	old = c;
	/* the same token again: new nonces, a new context, a new ID2 */
	establish(t, &e, &c);
	CHECK_INT(t, obol_rs_slots_used(&e.rs), 2);
	CHECK(t, memcmp(c.ctx.sender_key, old.ctx.sender_key, 16) != 0);
	CHECK(t, c.id2[0] != old.id2[0]);
	/* the old context lives on until the new one proves possession */
	expect_prot(t, __LINE__, &e, &old, OBOL_COAP_GET, "/temp", NULL, OBOL_COAP_CONTENT, "21.5 C");
	/* a second repost before use replaces the pending one (no third slot) */
	establish(t, &e, &c);
	CHECK_INT(t, obol_rs_slots_used(&e.rs), 2);
	expect_prot(t, __LINE__, &e, &c, OBOL_COAP_GET, "/temp", NULL, OBOL_COAP_CONTENT, "21.5 C");
	CHECK_INT(t, obol_rs_slots_used(&e.rs), 1);
	expect_plain(t, __LINE__, &e, &old, OBOL_COAP_GET, "/temp", OBOL_COAP_UNAUTHORIZED,
		     "Security context not found");
	expect_prot(t, __LINE__, &e, &c, OBOL_COAP_GET, "/temp", NULL, OBOL_COAP_CONTENT, "21.5 C");
}

static void test_oscore_errors(struct obol_test_ctx *t)
{
	struct env e;
	struct client c, stranger;
	struct answer a;
	uint8_t dg[BUF];
	size_t dn = 0;
	int prot;

	env_init(t, &e);
	client_init(t, &c, 1);
	establish(t, &e, &c);
	/* replay: the same datagram twice */
	request_ex(t, &e, &c, OBOL_COAP_CON, OBOL_COAP_GET, "/temp", -1, NULL, 0, NULL, &a, &prot,
		   dg, &dn);
	CHECK_INT(t, a.code, OBOL_COAP_CONTENT);
	send_raw(&e, dg, dn, &a);
	CHECK_INT(t, a.rc, OBOL_OK);
	CHECK_INT(t, a.code, OBOL_COAP_UNAUTHORIZED);
	CHECK_MEM(t, a.pl, a.pl_len, (const uint8_t *)"Replay detected", 15);
	/* decryption failure: the last ciphertext byte flipped (fresh PIV) */
	request_ex(t, &e, &c, OBOL_COAP_CON, OBOL_COAP_GET, "/temp", -1, NULL, 0, NULL, &a, &prot,
		   dg, &dn);
	c.mid--; /* (request_ex already sent it; build a fresh one) */
	{
		uint8_t plain[BUF];
		struct obol_oscore_req oreq;
		size_t n = build_req(plain, sizeof plain, OBOL_COAP_CON, OBOL_COAP_GET, 0x7777,
				     "/temp", -1, NULL, 0, NULL);
		CHECK_INT(t, obol_oscore_protect_request(&c.ctx, plain, n, dg, sizeof dg, &dn, &oreq),
			  OBOL_OK);
		dg[dn - 1] ^= 0x80;
		send_raw(&e, dg, dn, &a);
		CHECK_INT(t, a.code, OBOL_COAP_BAD_REQUEST);
		CHECK_MEM(t, a.pl, a.pl_len, (const uint8_t *)"Decryption failed", 17);
		CHECK_INT(t, a.m.mid, 0x7777);
	}
	/* unknown kid: a context the RS never derived */
	stranger = c;
	stranger.ctx.sender_id[0] ^= 0x55;
	expect_plain(t, __LINE__, &e, &stranger, OBOL_COAP_GET, "/temp", OBOL_COAP_UNAUTHORIZED,
		     "Security context not found");
	/* a malformed OSCORE option (reserved flag bit): 4.02 */
	{
		static const uint8_t bad[] = {0x42, 0x02, 0x12, 0x34, 0x00, 0x00, 0x91, 0xe0};
		send_raw(&e, bad, sizeof bad, &a);
		CHECK_INT(t, a.rc, OBOL_OK);
		CHECK_INT(t, a.code, OBOL_COAP_BAD_OPTION);
		CHECK_MEM(t, a.pl, a.pl_len, (const uint8_t *)"Failed to decode COSE", 21);
	}
	/* still fine after all that */
	expect_prot(t, __LINE__, &e, &c, OBOL_COAP_GET, "/temp", NULL, OBOL_COAP_CONTENT, "21.5 C");
}

static void test_hints(struct obol_test_ctx *t)
{
	/* ACK 4.01, mid 0x0102, token 01 02, Content-Format 19, then
	 * {1: "coap://as.example/token", 5: "rs1", 9: << [["/temp", 1]] >>} */
	static const uint8_t want[] = {
		0x62, 0x81, 0x01, 0x02, 0x01, 0x02, 0xc1, 0x13, 0xff, 0xa3, 0x01, 0x77, 'c',
		'o',  'a',  'p',  ':',  '/',  '/',  'a',  's',  '.',  'e',  'x',  'a',  'm',
		'p',  'l',  'e',  '/',  't',  'o',  'k',  'e',  'n',  0x05, 0x63, 'r',  's',
		'1',  0x09, 0x49, 0x81, 0x82, 0x65, '/',  't',  'e',  'm',  'p',  0x01};
	static const uint8_t want_put_no_as[] = {
		0x52, 0x81, 0x00, 0x00, 0x01, 0x03, 0xc1, 0x13, 0xff, 0xa2, 0x05, 0x63, 'r',
		's',  '1',  0x09, 0x49, 0x81, 0x82, 0x65, '/',  't',  'e',  'm',  'p',  0x04};
	struct env e;
	struct answer a;
	uint8_t dg[BUF];
	size_t dn;

	env_init(t, &e);
	dn = build_req(dg, sizeof dg, OBOL_COAP_CON, OBOL_COAP_GET, 0x0102, "/temp", -1, NULL, 0,
		       NULL);
	send_raw(&e, dg, dn, &a);
	CHECK_INT(t, a.rc, OBOL_OK);
	CHECK_MEM(t, a.raw, a.raw_len, want, sizeof want);
	CHECK_INT(t, e.app.calls, 0);
	/* NON, PUT, no AS configured: NON with the engine's Message ID */
	e.cfg.as_uri = NULL;
	e.rs.mid = 0;
	dn = build_req(dg, sizeof dg, OBOL_COAP_NON, OBOL_COAP_PUT, 0x0103, "/temp", -1,
		       (const uint8_t *)"1", 1, NULL);
	send_raw(&e, dg, dn, &a);
	CHECK_MEM(t, a.raw, a.raw_len, want_put_no_as, sizeof want_put_no_as);
	/* an unprotected resource: served without a token */
	dn = build_req(dg, sizeof dg, OBOL_COAP_CON, OBOL_COAP_GET, 0x0104, "/.well-known/core",
		       -1, NULL, 0, NULL);
	send_raw(&e, dg, dn, &a);
	CHECK_INT(t, a.code, OBOL_COAP_CONTENT);
	CHECK_INT(t, a.cf, 40);
	CHECK_MEM(t, a.pl, a.pl_len, (const uint8_t *)"</temp>,</led>", 14);
	/* 4.04 and 4.05 unprotected */
	dn = build_req(dg, sizeof dg, OBOL_COAP_CON, OBOL_COAP_GET, 0x0105, "/x", -1, NULL, 0, NULL);
	send_raw(&e, dg, dn, &a);
	CHECK_INT(t, a.code, OBOL_COAP_NOT_FOUND);
	dn = build_req(dg, sizeof dg, OBOL_COAP_CON, OBOL_COAP_DELETE, 0x0106, "/.well-known/core",
		       -1, NULL, 0, NULL);
	send_raw(&e, dg, dn, &a);
	CHECK_INT(t, a.code, OBOL_COAP_METHOD_NOT_ALLOWED);
	/* a failing unprotected handler: 5.00, no payload */
	dn = build_req(dg, sizeof dg, OBOL_COAP_CON, OBOL_COAP_GET, 0x0107, "/fail", -1, NULL, 0,
		       NULL);
	send_raw(&e, dg, dn, &a);
	CHECK_INT(t, a.code, OBOL_COAP_INTERNAL_ERROR);
	CHECK_INT(t, a.pl_len, 0);
}

static void test_flood(struct obol_test_ctx *t)
{
	struct env e;
	struct client act[OBOL_RS_SLOTS], c, last;
	struct answer a;
	unsigned i;

	env_init(t, &e);
	/* SLOTS - 1 active clients */
	for (i = 0; i + 1 < OBOL_RS_SLOTS; i++) {
		client_init(t, &act[i], (uint8_t)(10 + i));
		establish(t, &e, &act[i]);
		expect_prot(t, __LINE__, &e, &act[i], OBOL_COAP_GET, "/temp", NULL,
			    OBOL_COAP_CONTENT, "21.5 C");
	}
	/* a flood of valid tokens that never prove possession */
	for (i = 0; i < 5 * OBOL_RS_SLOTS; i++) {
		client_init(t, &c, (uint8_t)(100 + i));
		post_token(t, &e, &c, &a);
		CHECK_INT(t, a.code, OBOL_COAP_CREATED);
		CHECK_INT(t, obol_rs_slots_used(&e.rs), OBOL_RS_SLOTS);
		if (i == 0)
			last = c;
	}
	/* the active ones survived; the flood cycled through one slot */
	for (i = 0; i + 1 < OBOL_RS_SLOTS; i++)
		expect_prot(t, __LINE__, &e, &act[i], OBOL_COAP_GET, "/temp", NULL,
			    OBOL_COAP_CONTENT, "21.5 C");
	expect_plain(t, __LINE__, &e, &last, OBOL_COAP_GET, "/temp", OBOL_COAP_UNAUTHORIZED,
		     "Security context not found");
	expect_prot(t, __LINE__, &e, &c, OBOL_COAP_GET, "/temp", NULL, OBOL_COAP_CONTENT, "21.5 C");
	/* all active now: the least recently used goes (act[0]: touch the others) */
	for (i = 1; i + 1 < OBOL_RS_SLOTS; i++)
		expect_prot(t, __LINE__, &e, &act[i], OBOL_COAP_GET, "/temp", NULL,
			    OBOL_COAP_CONTENT, "21.5 C");
	expect_prot(t, __LINE__, &e, &c, OBOL_COAP_GET, "/temp", NULL, OBOL_COAP_CONTENT, "21.5 C");
	client_init(t, &last, 200);
	establish(t, &e, &last);
	if (OBOL_RS_SLOTS > 1)
		expect_plain(t, __LINE__, &e, &act[0], OBOL_COAP_GET, "/temp",
			     OBOL_COAP_UNAUTHORIZED, "Security context not found");
	expect_prot(t, __LINE__, &e, &last, OBOL_COAP_GET, "/temp", NULL, OBOL_COAP_CONTENT,
		    "21.5 C");
	/* an expired slot goes before any pending or active one */
	env_init(t, &e);
	for (i = 0; i < OBOL_RS_SLOTS; i++) {
		client_init(t, &act[i], (uint8_t)(10 + i));
		act[i].spec.exp = i == 1 ? T0 + 5 : T0 + 3600;
		act[i].tok_len = mint(t, &act[i].spec, act[i].tok, sizeof act[i].tok);
		establish(t, &e, &act[i]);
		if (i != 0) /* act[0] stays pending: would go first otherwise */
			expect_prot(t, __LINE__, &e, &act[i], OBOL_COAP_GET, "/temp", NULL,
				    OBOL_COAP_CONTENT, "21.5 C");
	}
	e.now.unix_now = T0 + 6;
	client_init(t, &c, 99);
	establish(t, &e, &c);
	if (OBOL_RS_SLOTS > 1) {
		expect_prot(t, __LINE__, &e, &act[0], OBOL_COAP_GET, "/temp", NULL,
			    OBOL_COAP_CONTENT, "21.5 C");
		expect_plain(t, __LINE__, &e, &act[1], OBOL_COAP_GET, "/temp",
			     OBOL_COAP_UNAUTHORIZED, "Security context not found");
	}
}

static void test_update(struct obol_test_ctx *t)
{
	struct env e;
	struct client c;
	struct tokspec up;
	uint8_t tok[BUF], pl[BUF];
	size_t tok_len, n = 0;
	struct answer a;
	int prot;

	env_init(t, &e);
	client_init(t, &c, 1);
	establish(t, &e, &c);
	expect_prot(t, __LINE__, &e, &c, OBOL_COAP_PUT, "/temp", "1", OBOL_COAP_METHOD_NOT_ALLOWED, "");
	/* the update token: cnf {kid: the Input Material id}, more rights */
	up = c.spec;
	up.cnf_kid = 1;
	up.scope = scope_get_put;
	up.nscope = 2;
	tok_len = mint(t, &up, tok, sizeof tok);
	CHECK_INT(t, obol_ace_authz_info_build(tok, tok_len, NULL, 0, NULL, 0, pl, sizeof pl, &n),
		  OBOL_OK);
	request_ex(t, &e, &c, OBOL_COAP_CON, OBOL_COAP_POST, "/authz-info", OBOL_CF_ACE_CBOR, pl, n,
		   NULL, &a, &prot, NULL, NULL);
	CHECK_INT(t, prot, 1);
	CHECK_INT(t, a.code, OBOL_COAP_CREATED);
	CHECK_INT(t, a.pl_len, 0);
	CHECK_INT(t, obol_rs_slots_used(&e.rs), 1);
	expect_prot(t, __LINE__, &e, &c, OBOL_COAP_PUT, "/temp", "2", OBOL_COAP_CHANGED, "");
	expect_prot(t, __LINE__, &e, &c, OBOL_COAP_POST, "/led", NULL, OBOL_COAP_CHANGED, "");
	/* and fewer rights again: the new token replaces, not adds */
	up.scope = scope_get;
	up.nscope = 1;
	tok_len = mint(t, &up, tok, sizeof tok);
	CHECK_INT(t, obol_ace_authz_info_build(tok, tok_len, NULL, 0, NULL, 0, pl, sizeof pl, &n),
		  OBOL_OK);
	request_ex(t, &e, &c, OBOL_COAP_CON, OBOL_COAP_POST, "/authz-info", OBOL_CF_ACE_CBOR, pl, n,
		   NULL, &a, &prot, NULL, NULL);
	CHECK_INT(t, a.code, OBOL_COAP_CREATED);
	expect_prot(t, __LINE__, &e, &c, OBOL_COAP_POST, "/led", NULL, OBOL_COAP_FORBIDDEN, "");
	/* a kid of another Input Material: protected 4.01, rights unchanged */
	up.osc_id[0] = 0x77;
	up.scope = scope_get_put;
	up.nscope = 2;
	tok_len = mint(t, &up, tok, sizeof tok);
	CHECK_INT(t, obol_ace_authz_info_build(tok, tok_len, NULL, 0, NULL, 0, pl, sizeof pl, &n),
		  OBOL_OK);
	request_ex(t, &e, &c, OBOL_COAP_CON, OBOL_COAP_POST, "/authz-info", OBOL_CF_ACE_CBOR, pl, n,
		   NULL, &a, &prot, NULL, NULL);
	CHECK_INT(t, prot, 1);
	CHECK_INT(t, a.code, OBOL_COAP_UNAUTHORIZED);
	/* a full OSCORE_Input_Material instead of the kid: 4.01 */
	up = c.spec;
	up.scope = scope_get_put;
	up.nscope = 2;
	tok_len = mint(t, &up, tok, sizeof tok);
	CHECK_INT(t, obol_ace_authz_info_build(tok, tok_len, NULL, 0, NULL, 0, pl, sizeof pl, &n),
		  OBOL_OK);
	request_ex(t, &e, &c, OBOL_COAP_CON, OBOL_COAP_POST, "/authz-info", OBOL_CF_ACE_CBOR, pl, n,
		   NULL, &a, &prot, NULL, NULL);
	CHECK_INT(t, a.code, OBOL_COAP_UNAUTHORIZED);
	/* GET on the protected /authz-info: 4.05 protected */
	expect_prot(t, __LINE__, &e, &c, OBOL_COAP_GET, "/authz-info", NULL,
		    OBOL_COAP_METHOD_NOT_ALLOWED, "");
	expect_prot(t, __LINE__, &e, &c, OBOL_COAP_POST, "/led", NULL, OBOL_COAP_FORBIDDEN, "");
	expect_prot(t, __LINE__, &e, &c, OBOL_COAP_GET, "/temp", NULL, OBOL_COAP_CONTENT, "2");
}

static void test_reboot(struct obol_test_ctx *t)
{
	struct env e;
	struct client c;
	struct answer a;
	const uint8_t *echo;
	size_t echo_len;
	uint8_t echo_copy[OBOL_OSCORE_ECHO_LEN];
	int prot;

	/* RAM only: after init the old context is unknown; a repost works */
	env_init(t, &e);
	client_init(t, &c, 1);
	establish(t, &e, &c);
	expect_prot(t, __LINE__, &e, &c, OBOL_COAP_GET, "/temp", NULL, OBOL_COAP_CONTENT, "21.5 C");
	CHECK_INT(t, obol_rs_init(&e.rs, &e.cfg), OBOL_OK);
	expect_plain(t, __LINE__, &e, &c, OBOL_COAP_GET, "/temp", OBOL_COAP_UNAUTHORIZED,
		     "Security context not found");
	establish(t, &e, &c);
	expect_prot(t, __LINE__, &e, &c, OBOL_COAP_GET, "/temp", NULL, OBOL_COAP_CONTENT, "21.5 C");

	/* retained state (obol_rs_resume): Echo first (RFC 8613 B.1.2) */
	CHECK_INT(t, obol_rs_resume(&e.rs, &e.cfg), OBOL_OK);
	CHECK_INT(t, obol_rs_slots_used(&e.rs), 1);
	request(t, &e, &c, OBOL_COAP_GET, "/temp", NULL, 0, &a, &prot);
	CHECK_INT(t, prot, 1);
	CHECK_INT(t, a.code, OBOL_COAP_UNAUTHORIZED);
	CHECK_INT(t, e.app.calls, 2);
	/* the Echo option came in the protected 4.01: find it in the plain
	 * answer (request_ex decrypted it into a.pl only); do it again here */
	{
		uint8_t plain[BUF], dg[BUF], back[BUF];
		struct obol_oscore_req oreq;
		struct obol_coap_msg m;
		size_t n, dn = 0, bn = 0;

		n = build_req(plain, sizeof plain, OBOL_COAP_CON, OBOL_COAP_GET, c.mid++, "/temp",
			      -1, NULL, 0, NULL);
		CHECK_INT(t, obol_oscore_protect_request(&c.ctx, plain, n, dg, sizeof dg, &dn, &oreq),
			  OBOL_OK);
		send_raw(&e, dg, dn, &a);
		CHECK_INT(t, a.rc, OBOL_OK);
		CHECK_INT(t, obol_oscore_unprotect_response(&c.ctx, &oreq, a.raw, a.raw_len, back,
							    sizeof back, &bn),
			  OBOL_OK);
		CHECK_INT(t, obol_coap_parse(back, bn, &m), OBOL_OK);
		CHECK_INT(t, m.code, OBOL_COAP_UNAUTHORIZED);
		CHECK_INT(t, obol_coap_opt_find(&m, OBOL_COAP_OPT_ECHO, &echo, &echo_len), 1);
		CHECK_INT(t, echo_len, OBOL_OSCORE_ECHO_LEN);
		memcpy(echo_copy, echo, sizeof echo_copy);
	}
	/* the SSN continued from the persisted bound: the hook was called */
	CHECK(t, e.store.calls >= 1);
	request_ex(t, &e, &c, OBOL_COAP_CON, OBOL_COAP_GET, "/temp", -1, NULL, 0, echo_copy, &a,
		   &prot, NULL, NULL);
	CHECK_INT(t, prot, 1);
	CHECK_INT(t, a.code, OBOL_COAP_CONTENT);
	CHECK_MEM(t, a.pl, a.pl_len, (const uint8_t *)"21.5 C", 6);
	/* a failing persistence hook: nothing is sent under that context */
	CHECK_INT(t, obol_rs_resume(&e.rs, &e.cfg), OBOL_OK);
	e.store.fail = 1;
	request(t, &e, &c, OBOL_COAP_GET, "/temp", NULL, 0, &a, &prot);
	CHECK_INT(t, a.rc, OBOL_ERR_OSCORE_PERSIST);
	CHECK_INT(t, a.raw_len, 0);
	/* without a load hook, resume drops the slots */
	e.cfg.ssn_load = NULL;
	CHECK_INT(t, obol_rs_resume(&e.rs, &e.cfg), OBOL_OK);
	CHECK_INT(t, obol_rs_slots_used(&e.rs), 0);
}

static void test_rs_coap(struct obol_test_ctx *t)
{
	struct env e;
	struct client c;
	struct answer a;
	uint8_t dg[BUF], buf[BUF], out[BUF];
	size_t dn, on = 0;
	int prot;
	uint16_t first;

	env_init(t, &e);
	client_init(t, &c, 1);
	establish(t, &e, &c);
	/* NON request: NON answer, the engine's Message IDs one after another */
	request_ex(t, &e, &c, OBOL_COAP_NON, OBOL_COAP_GET, "/temp", -1, NULL, 0, NULL, &a, &prot,
		   NULL, NULL);
	CHECK_INT(t, a.code, OBOL_COAP_CONTENT);
	first = a.m.mid;
	request_ex(t, &e, &c, OBOL_COAP_NON, OBOL_COAP_GET, "/temp", -1, NULL, 0, NULL, &a, &prot,
		   NULL, NULL);
	CHECK_INT(t, a.m.mid, (uint16_t)(first + 1));
	/* an 8-byte token is echoed */
	{
		static const uint8_t tok8[8] = {1, 2, 3, 4, 5, 6, 7, 8};
		struct obol_coap_builder b;

		obol_coap_build_init(&b, dg, sizeof dg, OBOL_COAP_CON, OBOL_COAP_GET, 0x4242, tok8, 8);
		obol_coap_add_uri_path(&b, "/.well-known/core", 17);
		CHECK_INT(t, obol_coap_build_finish(&b, &dn), OBOL_OK);
		send_raw(&e, dg, dn, &a);
		CHECK_INT(t, a.m.type, OBOL_COAP_ACK);
		CHECK_INT(t, a.m.mid, 0x4242);
		CHECK_MEM(t, a.m.token, a.m.token_len, tok8, 8);
	}
	/* CoAP ping: CON Empty -> RST with its Message ID */
	{
		static const uint8_t ping[] = {0x40, 0x00, 0xbe, 0xef};
		static const uint8_t rst[] = {0x70, 0x00, 0xbe, 0xef};
		send_raw(&e, ping, sizeof ping, &a);
		CHECK_INT(t, a.rc, OBOL_OK);
		CHECK_MEM(t, a.raw, a.raw_len, rst, sizeof rst);
	}
	/* nothing to send: ACK, RST, NON Empty, a response */
	{
		static const uint8_t ack[] = {0x60, 0x00, 0x12, 0x34};
		static const uint8_t rst[] = {0x70, 0x00, 0x12, 0x34};
		static const uint8_t non0[] = {0x50, 0x00, 0x12, 0x34};
		static const uint8_t resp[] = {0x50, 0x45, 0x12, 0x34};
		send_raw(&e, ack, sizeof ack, &a);
		CHECK_INT(t, a.rc, OBOL_ERR_RS_IGNORE);
		send_raw(&e, rst, sizeof rst, &a);
		CHECK_INT(t, a.rc, OBOL_ERR_RS_IGNORE);
		send_raw(&e, non0, sizeof non0, &a);
		CHECK_INT(t, a.rc, OBOL_ERR_RS_IGNORE);
		send_raw(&e, resp, sizeof resp, &a);
		CHECK_INT(t, a.rc, OBOL_ERR_RS_IGNORE);
		CHECK_INT(t, a.raw_len, 0);
	}
	/* malformed datagrams are dropped with the codec's error */
	{
		static const uint8_t v2[] = {0x80, 0x01, 0x00, 0x01};
		static const uint8_t shortdg[] = {0x40, 0x01};
		send_raw(&e, v2, sizeof v2, &a);
		CHECK_INT(t, a.rc, OBOL_ERR_COAP_VERSION);
		send_raw(&e, shortdg, sizeof shortdg, &a);
		CHECK_INT(t, a.rc, OBOL_ERR_COAP_TRUNCATED);
	}
	/* a response buffer too small: OBOL_ERR_NO_SPACE, nothing sent */
	dn = build_req(dg, sizeof dg, OBOL_COAP_CON, OBOL_COAP_GET, 0x0102, "/temp", -1, NULL, 0,
		       NULL);
	memcpy(buf, dg, dn);
	CHECK_INT(t, obol_rs_handle(&e.rs, &e.now, buf, dn, sizeof buf, out, 20, &on),
		  OBOL_ERR_NO_SPACE);
	CHECK_INT(t, on, 0);
	/* arguments */
	CHECK_INT(t, obol_rs_handle(&e.rs, &e.now, buf, dn, dn - 1, out, sizeof out, &on),
		  OBOL_ERR_ARG);
	CHECK_INT(t, obol_rs_handle(&e.rs, NULL, buf, dn, dn, out, sizeof out, &on), OBOL_ERR_ARG);
	/* configuration */
	{
		struct obol_rs rs2;
		struct obol_rs_config bad = e.cfg;
		struct obol_rs_resource r = e.res[0];

		bad.audience = NULL;
		CHECK_INT(t, obol_rs_init(&rs2, &bad), OBOL_ERR_RS_CONFIG);
		bad = e.cfg;
		bad.nkeys = 0;
		CHECK_INT(t, obol_rs_init(&rs2, &bad), OBOL_ERR_RS_CONFIG);
		bad = e.cfg;
		r.path = "/authz-info";
		bad.resources = &r;
		bad.nresources = 1;
		CHECK_INT(t, obol_rs_init(&rs2, &bad), OBOL_ERR_RS_CONFIG);
		r.path = "temp";
		CHECK_INT(t, obol_rs_init(&rs2, &bad), OBOL_ERR_RS_CONFIG);
		CHECK_INT(t, obol_rs_init(NULL, &e.cfg), OBOL_ERR_ARG);
		/* another authz-info path */
		bad = e.cfg;
		bad.authz_info_path = "/authz";
		CHECK_INT(t, obol_rs_init(&rs2, &bad), OBOL_OK);
	}
	/* the struct size on this host, for the README */
	CHECK(t, sizeof(struct obol_rs_slot) <= OBOL_OSCORE_CTX_SIZE_MAX + OBOL_RS_MAX_SCOPE +
						   OBOL_RS_MAX_OSC_ID + 48);
}

/* ---- RFC 9203 vectors and the helpers ------------------------------------------ */

#define F_9203 OBOL_TEST_VECTORS "/ace_rfc9203.txt"

static long vec(struct obol_test_ctx *t, const char *id, const char *field, uint8_t *out,
		size_t cap)
{
	FILE *f = fopen(F_9203, "r");
	char line[512];
	size_t il = strlen(id), fl = strlen(field);
	long n = -1;

	CHECK(t, f != NULL);
	if (f == NULL)
		return -1;
	while (fgets(line, sizeof line, f) != NULL) {
		if (line[0] == '#' || strncmp(line, id, il) != 0 || line[il] != '\t' ||
		    strncmp(line + il + 1, field, fl) != 0 || line[il + 1 + fl] != '\t')
			continue;
		n = obol_test_unhex(line + il + fl + 2, out, cap);
		break;
	}
	fclose(f);
	CHECK(t, n >= 0);
	return n;
}

static void test_vectors(struct obol_test_ctx *t)
{
	uint8_t salt[64], n1[16], n2[16], ms[64], got[128], pl[64], id[16];
	long ns, nn1, nn2, nms, npl, nid;
	const uint8_t *v2, *vid;
	size_t len = 0, v2_len, vid_len;

	ns = vec(t, "4.3-master-salt", "salt", salt, sizeof salt);
	nn1 = vec(t, "4.3-master-salt", "nonce1", n1, sizeof n1);
	nn2 = vec(t, "4.3-master-salt", "nonce2", n2, sizeof n2);
	nms = vec(t, "4.3-master-salt", "master_salt", ms, sizeof ms);
	if (ns < 0 || nn1 < 0 || nn2 < 0 || nms < 0)
		return;
	CHECK_INT(t, obol_ace_master_salt(salt, (size_t)ns, n1, (size_t)nn1, n2, (size_t)nn2, got,
					  sizeof got, &len),
		  OBOL_OK);
	CHECK_MEM(t, got, len, ms, (size_t)nms);
	/* measuring first, and a short buffer */
	CHECK_INT(t, obol_ace_master_salt(salt, (size_t)ns, n1, (size_t)nn1, n2, (size_t)nn2, NULL,
					  0, &len),
		  OBOL_ERR_NO_SPACE);
	CHECK_INT(t, len, nms);
	/* no salt: h'' */
	CHECK_INT(t, obol_ace_master_salt(NULL, 0, n1, (size_t)nn1, n2, (size_t)nn2, got,
					  sizeof got, &len),
		  OBOL_OK);
	CHECK_INT(t, len, 19);
	CHECK(t, got[0] == 0x40 && got[1] == 0x48 && got[10] == 0x48);

	/* the derivation uses exactly that salt: RS and client agree, and a
	 * context derived by hand from the RFC's Master Salt is the same */
	{
		struct obol_oscore_input osc;
		struct obol_oscore_params p;
		struct obol_oscore_ctx a, b;
		static const uint8_t msec[16] = {0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17,
						 0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f};
		static const uint8_t id1[2] = {0x16, 0x45}, id2[2] = {0x00, 0x00};

		memset(&osc, 0, sizeof osc);
		osc.present = OBOL_OSC_F(OBOL_OSC_ID) | OBOL_OSC_F(OBOL_OSC_MS) |
			      OBOL_OSC_F(OBOL_OSC_SALT);
		osc.id = id1;
		osc.id_len = 1;
		osc.ms = msec;
		osc.ms_len = sizeof msec;
		osc.salt = salt;
		osc.salt_len = (size_t)ns;
		CHECK_INT(t, obol_ace_derive(&a, &osc, n1, (size_t)nn1, n2, (size_t)nn2, id1, 2, id2,
					     2),
			  OBOL_OK);
		memset(&p, 0, sizeof p);
		p.master_secret = msec;
		p.master_secret_len = sizeof msec;
		p.master_salt = ms;
		p.master_salt_len = (size_t)nms;
		p.sender_id = id1;
		p.sender_id_len = 2;
		p.recipient_id = id2;
		p.recipient_id_len = 2;
		CHECK_INT(t, obol_oscore_derive(&b, &p), OBOL_OK);
		CHECK_MEM(t, a.sender_key, 16, b.sender_key, 16);
		CHECK_MEM(t, a.recipient_key, 16, b.recipient_key, 16);
		CHECK_MEM(t, a.common_iv, 13, b.common_iv, 13);
		/* equal IDs: no context (RFC 9203 4.3) */
		CHECK_INT(t, obol_ace_derive(&a, &osc, n1, (size_t)nn1, n2, (size_t)nn2, id1, 2, id1,
					     2),
			  OBOL_ERR_ACE_IDS);
		/* version 2, another hkdf, no ms: refused */
		osc.present |= OBOL_OSC_F(OBOL_OSC_VERSION);
		osc.version = 2;
		CHECK_INT(t, obol_ace_derive(&a, &osc, n1, (size_t)nn1, n2, (size_t)nn2, id1, 2, id2,
					     2),
			  OBOL_ERR_ACE_PARAM);
		osc.version = 1;
		osc.present |= OBOL_OSC_F(OBOL_OSC_HKDF);
		osc.hkdf = -11;
		CHECK_INT(t, obol_ace_derive(&a, &osc, n1, (size_t)nn1, n2, (size_t)nn2, id1, 2, id2,
					     2),
			  OBOL_ERR_ACE_PARAM);
		osc.hkdf = OBOL_ALG_HKDF_SHA_256;
		CHECK_INT(t, obol_ace_derive(&a, &osc, n1, (size_t)nn1, n2, (size_t)nn2, id1, 2, id2,
					     2),
			  OBOL_OK);
		osc.present &= ~OBOL_OSC_F(OBOL_OSC_MS);
		CHECK_INT(t, obol_ace_derive(&a, &osc, n1, (size_t)nn1, n2, (size_t)nn2, id1, 2, id2,
					     2),
			  OBOL_ERR_ACE_PARAM);
	}

	/* the 2.01 payload of 4.2 */
	npl = vec(t, "4.2-authz-info-response", "payload", pl, sizeof pl);
	nn2 = vec(t, "4.2-authz-info-response", "nonce2", n2, sizeof n2);
	nid = vec(t, "4.2-authz-info-response", "id2", id, sizeof id);
	if (npl < 0 || nn2 < 0 || nid < 0)
		return;
	CHECK_INT(t, obol_ace_authz_info_parse(pl, (size_t)npl, &v2, &v2_len, &vid, &vid_len),
		  OBOL_OK);
	CHECK_MEM(t, v2, v2_len, n2, (size_t)nn2);
	CHECK_MEM(t, vid, vid_len, id, (size_t)nid);
	/* the parser's refusals */
	CHECK_INT(t, obol_ace_authz_info_parse(pl, 13, &v2, &v2_len, &vid, &vid_len),
		  OBOL_ERR_CBOR_TRUNCATED);
	CHECK_INT(t, obol_ace_authz_info_parse((const uint8_t *)"\xa1\x18\x2a\x41\x01", 5, &v2,
					       &v2_len, &vid, &vid_len),
		  OBOL_ERR_ACE_PARAM);
	CHECK_INT(t, obol_ace_authz_info_parse((const uint8_t *)"\xa2\x18\x2a\x41\x01\x18\x2c\x01",
					       8, &v2, &v2_len, &vid, &vid_len),
		  OBOL_ERR_ACE_PARAM);

	/* the request of 4.1: our build puts N1 and ID1 as the RFC shows */
	nn1 = vec(t, "4.1-authz-info-request", "nonce1", n1, sizeof n1);
	nid = vec(t, "4.1-authz-info-request", "id1", id, sizeof id);
	if (nn1 < 0 || nid < 0)
		return;
	{
		static const uint8_t tok[3] = {0x83, 0x43, 0xa1};
		static const uint8_t want[] = {0xa3, 0x01, 0x43, 0x83, 0x43, 0xa1, 0x18, 0x28, 0x48,
					       0x01, 0x8a, 0x27, 0x8f, 0x7f, 0xaa, 0xb5, 0x5a, 0x18,
					       0x2b, 0x42, 0x16, 0x45};
		CHECK_INT(t, obol_ace_authz_info_build(tok, 3, n1, (size_t)nn1, id, (size_t)nid, got,
						       sizeof got, &len),
			  OBOL_OK);
		CHECK_MEM(t, got, len, want, sizeof want);
		CHECK_INT(t, obol_ace_authz_info_build(tok, 3, NULL, 0, NULL, 0, got, sizeof got, &len),
			  OBOL_OK);
		CHECK_INT(t, len, 6);
		CHECK(t, got[0] == 0xa1 && memcmp(got + 1, want + 1, 5) == 0);
		CHECK_INT(t, obol_ace_authz_info_build(tok, 3, n1, (size_t)nn1, NULL, 0, got,
						       sizeof got, &len),
			  OBOL_ERR_ARG);
	}
}

void test_rs(struct obol_test_ctx *t)
{
	test_vectors(t);
	test_happy(t);
	test_scope(t);
	test_token_refused(t);
	test_exp_exi(t);
	test_authz_malformed(t);
	test_repost(t);
	test_oscore_errors(t);
	test_hints(t);
	test_flood(t);
	test_update(t);
	test_reboot(t);
	test_rs_coap(t);
}
