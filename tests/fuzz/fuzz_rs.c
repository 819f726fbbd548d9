/*
 * libFuzzer target: the resource server engine (include/obol/rs.h).
 *
 * State: an RS (audience "rs1", one AS key, /temp GET|PUT protected,
 * /led POST protected, /.well-known/core GET) with one context
 * established through /authz-info, built once and copied for every input
 * (struct obol_rs copies with memcpy, rs.h), plus the client's context.
 * The first input byte picks what the rest is:
 *   0: a datagram, to obol_rs_handle as is;
 *   1: a plain request, protected by the established client, handled,
 *      and a protected answer must unprotect under the client's context;
 *   2: the payload of an unprotected POST /authz-info (ace+cbor);
 *   3: a CWT claims set, encrypted (COSE_Encrypt0) under the RS key and
 *      posted to /authz-info with a nonce1 and an ID1: the claims checks
 *      behind a valid security wrapper;
 *   4: as 3, but posted over the established context (update of access
 *      rights), cnf and all from the input.
 * The second byte moves the clocks (bit 7: no wall clock; bits 0-6:
 * seconds added to both). Invariants (abort() on violation): on OBOL_OK
 * the answer parses as CoAP and fits the buffer; on an error nothing is
 * to be sent (length 0); the slots never exceed OBOL_RS_SLOTS.
 * Seeds: tests/fuzz/corpus/rs.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "obol/ace.h"
#include "obol/aif.h"
#include "obol/coap.h"
#include "obol/cose.h"
#include "obol/cwt.h"
#include "obol/oscore.h"
#include "obol/rs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define REQUIRE(c)                                                           \
	do {                                                                 \
		if (!(c))                                                    \
			abort();                                             \
	} while (0)

#define MAXIN 2048
#define CAP (MAXIN + 256)
#define T0 1800000000

static const uint8_t rs_key_bytes[16] = {0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7,
					 0xa8, 0xa9, 0xaa, 0xab, 0xac, 0xad, 0xae, 0xaf};
static const uint8_t ms[16] = {0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17,
			       0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f};
static const uint8_t salt[8] = {0x5a, 0x17, 0x5a, 0x17, 0x5a, 0x17, 0x5a, 0x17};
static const uint8_t osc_id[1] = {0x01};
static const uint8_t n1[8] = {1, 2, 3, 4, 5, 6, 7, 8};
static const uint8_t id1[1] = {0xc1};

static int h_temp(void *arg, const struct obol_rs_request *rq, struct obol_rs_response *rp)
{
	(void)arg;
	if (rq->method == OBOL_COAP_PUT) {
		rp->code = OBOL_COAP_CHANGED;
		return OBOL_OK;
	}
	if (rp->cap < 6)
		return OBOL_ERR_NO_SPACE;
	memcpy(rp->payload, "21.5 C", 6);
	rp->len = 6;
	rp->content_format = 0;
	return OBOL_OK;
}

static int h_plain(void *arg, const struct obol_rs_request *rq, struct obol_rs_response *rp)
{
	(void)arg;
	/* echo the payload: a handler that uses all it is given */
	if (rq->payload_len > rp->cap)
		return OBOL_ERR_NO_SPACE;
	if (rq->payload_len)
		memcpy(rp->payload, rq->payload, rq->payload_len);
	rp->len = rq->payload_len;
	return OBOL_OK;
}

static struct obol_cose_key rs_key(void)
{
	struct obol_cose_key k;

	memset(&k, 0, sizeof k);
	k.kty = OBOL_COSE_KTY_SYMMETRIC;
	k.alg = OBOL_ALG_AES_CCM_16_64_128;
	k.k = rs_key_bytes;
	k.k_len = 16;
	k.kid = (const uint8_t *)"rsk";
	k.kid_len = 3;
	return k;
}

struct world {
	struct obol_cose_key keys[1];
	struct obol_rs_resource res[3];
	struct obol_rs_config cfg;
	struct obol_rs rs;
	struct obol_oscore_ctx cli;
	int ready;
};

static size_t post(uint8_t *out, size_t cap, uint16_t mid, const uint8_t *pl, size_t n)
{
	struct obol_coap_builder b;
	size_t len = 0;

	obol_coap_build_init(&b, out, cap, OBOL_COAP_CON, OBOL_COAP_POST, mid,
			     (const uint8_t *)"\x01\x02", 2);
	obol_coap_add_uri_path(&b, "/authz-info", 11);
	obol_coap_add_uint_option(&b, OBOL_COAP_OPT_CONTENT_FORMAT, OBOL_CF_ACE_CBOR);
	obol_coap_set_payload(&b, pl, n);
	return obol_coap_build_finish(&b, &len) == OBOL_OK ? len : 0;
}

/* Encrypt0 of the claims bytes under the RS key. */
static size_t seal(const uint8_t *pt, size_t n, uint8_t *out, size_t cap)
{
	struct obol_cose_key k = rs_key();
	struct obol_cose_hdr h;
	size_t len = 0;

	memset(&h, 0, sizeof h);
	h.alg = OBOL_ALG_AES_CCM_16_64_128;
	h.kid = k.kid;
	h.kid_len = k.kid_len;
	if (obol_cose_encrypt0(&k, &h, 0, NULL, 0, pt, n, out, cap, &len) != OBOL_OK)
		return 0;
	return len;
}

static void setup(struct world *w)
{
	static const struct obol_aif_entry scope = {"/temp", 5, 1};
	struct obol_rs_time now = {T0, 1000};
	struct obol_cwt_claims c;
	struct obol_cose_hdr h;
	uint8_t aif[32], scratch[512], tok[512], pl[600], dg[700], resp[700];
	size_t aif_len = 0, tok_len = 0, pl_len = 0, dn, rn = 0, n2_len, id2_len;
	const uint8_t *n2, *id2;
	struct obol_coap_msg m;
	obol_cbor_enc e;

	memset(w, 0, sizeof *w);
	w->keys[0] = rs_key();
	w->res[0].path = "/temp";
	w->res[0].methods = OBOL_AIF_GET | OBOL_AIF_PUT;
	w->res[0].flags = OBOL_RS_PROTECTED;
	w->res[0].handler = h_temp;
	w->res[1].path = "/led";
	w->res[1].methods = OBOL_AIF_POST;
	w->res[1].flags = OBOL_RS_PROTECTED;
	w->res[1].handler = h_plain;
	w->res[2].path = "/.well-known/core";
	w->res[2].methods = OBOL_AIF_GET | OBOL_AIF_POST;
	w->res[2].handler = h_plain;
	w->cfg.audience = "rs1";
	w->cfg.keys = w->keys;
	w->cfg.nkeys = 1;
	w->cfg.as_uri = "coap://as.example/token";
	w->cfg.resources = w->res;
	w->cfg.nresources = 3;
	REQUIRE(obol_rs_init(&w->rs, &w->cfg) == OBOL_OK);

	obol_cbor_enc_init(&e, aif, sizeof aif);
	obol_aif_write(&e, &scope, 1);
	REQUIRE(obol_cbor_enc_finish(&e, &aif_len) == OBOL_OK);
	memset(&c, 0, sizeof c);
	c.present = OBOL_CWT_F_AUD | OBOL_CWT_F_EXP | OBOL_CWT_F_SCOPE | OBOL_CWT_F_CNF;
	c.aud = "rs1";
	c.aud_len = 3;
	c.exp = T0 + 60;
	c.scope_type = OBOL_CWT_SCOPE_AIF;
	c.scope = aif;
	c.scope_len = aif_len;
	c.cnf_type = OBOL_CWT_CNF_OSCORE;
	c.cnf_osc.present = OBOL_OSC_F(OBOL_OSC_ID) | OBOL_OSC_F(OBOL_OSC_MS) |
			    OBOL_OSC_F(OBOL_OSC_SALT);
	c.cnf_osc.id = osc_id;
	c.cnf_osc.id_len = 1;
	c.cnf_osc.ms = ms;
	c.cnf_osc.ms_len = 16;
	c.cnf_osc.salt = salt;
	c.cnf_osc.salt_len = 8;
	memset(&h, 0, sizeof h);
	h.alg = OBOL_ALG_AES_CCM_16_64_128;
	h.kid = w->keys[0].kid;
	h.kid_len = 3;
	REQUIRE(obol_cwt_protect(OBOL_CWT_ENCRYPT0, &w->keys[0], &h, 0, 0, &c, scratch,
				 sizeof scratch, tok, sizeof tok, &tok_len) == OBOL_OK);
	REQUIRE(obol_ace_authz_info_build(tok, tok_len, n1, 8, id1, 1, pl, sizeof pl,
					  &pl_len) == OBOL_OK);
	dn = post(dg, sizeof dg, 1, pl, pl_len);
	REQUIRE(obol_rs_handle(&w->rs, &now, dg, dn, sizeof dg, resp, sizeof resp, &rn) ==
		OBOL_OK);
	REQUIRE(obol_coap_parse(resp, rn, &m) == OBOL_OK && m.code == OBOL_COAP_CREATED);
	REQUIRE(obol_ace_authz_info_parse(m.payload, m.payload_len, &n2, &n2_len, &id2,
					  &id2_len) == OBOL_OK);
	REQUIRE(obol_ace_derive(&w->cli, &c.cnf_osc, n1, 8, n2, n2_len, id2, id2_len, id1, 1) ==
		OBOL_OK);
	w->ready = 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct world base;
	static struct obol_rs rs;
	static struct obol_oscore_ctx cli;
	static uint8_t in[CAP], out[CAP], back[CAP], tmp[CAP];
	struct obol_rs_time now;
	struct obol_oscore_req oreq;
	struct obol_coap_msg m;
	const uint8_t *v;
	size_t n = 0, on = 0, bn = 0, vn = 0;
	uint8_t mode;
	int rc;

	if (!base.ready)
		setup(&base);
	if (size < 2 || size > MAXIN)
		return 0;
	memcpy(&rs, &base.rs, sizeof rs);
	cli = base.cli;
	mode = data[0];
	now.unix_now = (data[1] & 0x80) ? OBOL_CWT_NO_CLOCK : T0 + (data[1] & 0x7f);
	now.mono = 1000 + (uint64_t)(data[1] & 0x7f);
	data += 2;
	size -= 2;

	switch (mode % 5) {
	case 0:
		memcpy(in, data, size);
		n = size;
		break;
	case 1:
		if (obol_oscore_protect_request(&cli, data, size, in, sizeof in, &n, &oreq) !=
		    OBOL_OK)
			return 0;
		break;
	case 2:
		n = post(in, sizeof in, 2, data, size);
		break;
	default: {
		uint8_t tok[CAP];
		size_t tl = seal(data, size, tok, sizeof tok), pl = 0;

		if (tl == 0)
			return 0;
		if (mode % 5 == 3) {
			if (obol_ace_authz_info_build(tok, tl, n1, 8, id1, 1, tmp, sizeof tmp, &pl) !=
			    OBOL_OK)
				return 0;
			n = post(in, sizeof in, 3, tmp, pl);
		} else {
			if (obol_ace_authz_info_build(tok, tl, NULL, 0, NULL, 0, tmp, sizeof tmp,
						      &pl) != OBOL_OK)
				return 0;
			n = post(back, sizeof back, 4, tmp, pl);
			if (n == 0 || obol_oscore_protect_request(&cli, back, n, in, sizeof in, &n,
								  &oreq) != OBOL_OK)
				return 0;
		}
		break;
	}
	}
	if (n == 0)
		return 0;
	memset(out, 0, sizeof out);
	rc = obol_rs_handle(&rs, &now, in, n, sizeof in, out, sizeof out, &on);
	REQUIRE(obol_rs_slots_used(&rs) <= OBOL_RS_SLOTS);
	if (rc != OBOL_OK) {
		REQUIRE(on == 0);
		return 0;
	}
	REQUIRE(on <= sizeof out);
	REQUIRE(obol_coap_parse(out, on, &m) == OBOL_OK);
	/* a protected answer to the client's own request opens under its
	 * context (the response binding holds) */
	if ((mode % 5 == 1 || mode % 5 == 4) &&
	    obol_coap_opt_find(&m, OBOL_COAP_OPT_OSCORE, &v, &vn) == 1)
		REQUIRE(obol_oscore_unprotect_response(&cli, &oreq, out, on, back, sizeof back,
						       &bn) == OBOL_OK);
	return 0;
}
