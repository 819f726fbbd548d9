/*
 * The AS's /token and /introspect endpoints (endpoints.h).
 */
#include <stdio.h>
#include <string.h>

#include "obol/aif.h"
#include "obol/cbor.h"
#include "obol/coap.h"
#include "obol/cose.h"
#include "obol/crypto.h"
#include "obol/cwt.h"
#include "obol/err.h"
#include "endpoints.h"
#include "policy.h"

/* Token request / response parameters (RFC 9200 Table 5, Table 6). */
#define P_ACCESS_TOKEN 1
#define P_EXPIRES_IN 2
#define P_REQ_CNF 4 /* RFC 9201 */
#define P_AUDIENCE 5
#define P_CNF 8
#define P_SCOPE 9
#define P_ACTIVE 10
#define P_TOKEN 11
#define P_CLIENT_ID 24
#define P_CLIENT_SECRET 25
#define P_ERROR 30
#define P_ERROR_DESCRIPTION 31
#define P_GRANT_TYPE 33
#define P_ACE_PROFILE 38
#define P_CNONCE 39
#define P_EXI 40

#define GRANT_CLIENT_CREDENTIALS 2 /* RFC 9200 8.7 */

/* What obol puts in a token (README "Figures" has the resulting sizes). */
#define CTI_LEN 8      /* random: unique per AS with overwhelming odds */
/* OSCORE_Input_Material id (RFC 9203 3.2.1). The RS only compares it with
 * the id of the context a rights update arrives on (RFC 9203 4.4), so it
 * need not be unique across clients: 2 bytes. */
#define OSC_ID_LEN 2
#define OSC_MS_LEN 16  /* Master Secret: the AEAD key size (RFC 8613 3.1) */
#define OSC_SALT_LEN 8 /* the AS's part of the Master Salt (RFC 9203 4.3) */
#define CNONCE_MAX 32

const char *as_ace_error_name(int error)
{
	static const char *const names[] = {
		"error", "invalid_request", "invalid_client", "invalid_grant",
		"unauthorized_client", "unsupported_grant_type",
		"invalid_scope", "unsupported_pop_key",
		"incompatible_ace_profiles"};

	if (error < 1 || error > AS_ERR_INCOMPATIBLE_ACE_PROFILES)
		return names[0];
	return names[error];
}

static void hex(char *dst, const uint8_t *p, size_t n)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		dst[2 * i] = digits[p[i] >> 4];
		dst[2 * i + 1] = digits[p[i] & 15];
	}
	dst[2 * n] = 0;
}

/* Copy a CBOR text (not NUL-terminated) into a name field, if it fits;
 * characters that would break a log line are replaced by '?'. */
static void copy_name(char dst[AS_NAME_MAX + 1], const char *s, size_t n)
{
	size_t i;

	if (n > AS_NAME_MAX)
		n = AS_NAME_MAX;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		dst[i] = (char)(c < 0x21 || c == 0x7f || c == '"' ||
					c == '\\' ? '?' : c);
	}
	dst[n] = 0;
}

static void event_init(struct as_event *ev, const char *name)
{
	memset(ev, 0, sizeof *ev);
	ev->event = name;
	ev->reason = "";
}

static void respond(struct as_response *r, uint8_t code, int cf,
		    const uint8_t *p, size_t n)
{
	r->code = code;
	r->content_format = cf;
	r->payload = p;
	r->payload_len = n;
}

/*
 * An ACE error response (RFC 9200 5.8.3): 4.00, or 4.01 for
 * invalid_client, with {error, error_description} as ace+cbor.
 */
static int fail(struct as_response *r, struct as_event *ev, uint8_t *out,
		size_t cap, int error, const char *why)
{
	obol_cbor_enc e;
	size_t n = 0;

	obol_cbor_enc_init(&e, out, cap);
	obol_cbor_put_map(&e, 2);
	obol_cbor_put_uint(&e, P_ERROR);
	obol_cbor_put_uint(&e, (uint64_t)error);
	obol_cbor_put_uint(&e, P_ERROR_DESCRIPTION);
	obol_cbor_put_text(&e, why);
	if (obol_cbor_enc_finish(&e, &n) != OBOL_OK)
		n = 0;
	respond(r, error == AS_ERR_INVALID_CLIENT ? OBOL_COAP_UNAUTHORIZED
						  : OBOL_COAP_BAD_REQUEST,
		AS_CF_ACE_CBOR, out, n);
	ev->refused = 1;
	ev->reason = as_ace_error_name(error);
	snprintf(ev->detail, sizeof ev->detail, "%s", why);
	return 0;
}

/* A refusal that is not an ACE error: a CoAP code and no payload. */
static int fail_coap(struct as_response *r, struct as_event *ev, uint8_t code,
		     const char *reason, const char *why)
{
	respond(r, code, -1, NULL, 0);
	ev->refused = 1;
	ev->reason = reason;
	snprintf(ev->detail, sizeof ev->detail, "%s", why);
	return 0;
}

static int store_failed(struct as_response *r, struct as_event *ev,
			struct as_store *st)
{
	respond(r, OBOL_COAP_INTERNAL_ERROR, -1, NULL, 0);
	ev->refused = 1;
	ev->reason = "store_error";
	snprintf(ev->detail, sizeof ev->detail, "%s", as_store_errmsg(st));
	return -1;
}

static int get_random(const struct as_endpoint_cfg *cfg, uint8_t *out,
		      size_t n)
{
	struct as_rand_pool *p = cfg->pool;
	int rc;

	if (p == NULL || n > sizeof p->buf)
		return obol_port_random(out, n);
	if (p->pos > sizeof p->buf || sizeof p->buf - p->pos < n) {
		rc = obol_port_random(p->buf, sizeof p->buf);
		if (rc != OBOL_OK)
			return rc;
		p->pos = 0;
	}
	memcpy(out, p->buf + p->pos, n);
	obol_wipe(p->buf + p->pos, n);
	p->pos += n;
	return OBOL_OK;
}

/* ---- /token ------------------------------------------------------------ */

struct token_req {
	unsigned have;
	const char *client_id;
	size_t client_id_len;
	const uint8_t *secret;
	size_t secret_len;
	const char *audience;
	size_t audience_len;
	int scope_type; /* 0: none asked */
	const uint8_t *scope;
	size_t scope_len;
	uint64_t grant_type;
	int profile_null; /* ace_profile: null asked for */
	int64_t profile;
	const uint8_t *cnonce;
	size_t cnonce_len;
};

#define HAVE_CLIENT_ID 0x01u
#define HAVE_SECRET 0x02u
#define HAVE_AUDIENCE 0x04u
#define HAVE_GRANT 0x08u
#define HAVE_PROFILE 0x10u
#define HAVE_CNONCE 0x20u
#define HAVE_REQ_CNF 0x40u

/*
 * Parse the request map. Unknown parameters are ignored (RFC 6749 3.2);
 * known ones must have their registered type. Returns 0, or the ACE error
 * with *why set.
 */
static int parse_token_req(const uint8_t *p, size_t n, struct token_req *q,
			   const char **why)
{
	obol_cbor_dec d, m;
	size_t pairs, i;

	memset(q, 0, sizeof *q);
	/* Strict init checks the whole payload once: exactly one
	 * well-formed item (cbor.h); entering it says it is a map. */
	if (obol_cbor_dec_init(&d, p, n, OBOL_CBOR_STRICT) != OBOL_OK ||
	    obol_cbor_enter_map(&d, &m, &pairs) != OBOL_OK) {
		*why = "the payload is not one well-formed CBOR map";
		return AS_ERR_INVALID_REQUEST;
	}
	for (i = 0; i < pairs; i++) {
		int64_t key;
		int err = OBOL_OK;

		if (obol_cbor_peek(&m) != OBOL_CBOR_UINT &&
		    obol_cbor_peek(&m) != OBOL_CBOR_NINT) {
			/* a text key: not ours, skip the pair */
			if (obol_cbor_skip(&m) != OBOL_OK ||
			    obol_cbor_skip(&m) != OBOL_OK)
				goto bad;
			continue;
		}
		if (obol_cbor_get_int64(&m, &key) != OBOL_OK)
			goto bad;
		switch (key) {
		case P_CLIENT_ID:
			err = obol_cbor_get_tstr(&m, &q->client_id,
						 &q->client_id_len);
			q->have |= HAVE_CLIENT_ID;
			break;
		case P_CLIENT_SECRET:
			err = obol_cbor_get_bstr(&m, &q->secret, &q->secret_len);
			q->have |= HAVE_SECRET;
			break;
		case P_AUDIENCE:
			err = obol_cbor_get_tstr(&m, &q->audience,
						 &q->audience_len);
			q->have |= HAVE_AUDIENCE;
			break;
		case P_SCOPE:
			if (obol_cbor_peek(&m) == OBOL_CBOR_TSTR) {
				const char *t;

				err = obol_cbor_get_tstr(&m, &t, &q->scope_len);
				q->scope = (const uint8_t *)t;
				q->scope_type = AS_SCOPE_TEXT;
			} else {
				/* binary scope: the AIF array in a byte
				 * string (RFC 9237 and cwt.h) */
				err = obol_cbor_get_bstr(&m, &q->scope,
							 &q->scope_len);
				q->scope_type = AS_SCOPE_AIF;
			}
			break;
		case P_GRANT_TYPE:
			err = obol_cbor_get_uint64(&m, &q->grant_type);
			q->have |= HAVE_GRANT;
			break;
		case P_ACE_PROFILE:
			if (obol_cbor_peek(&m) == OBOL_CBOR_SIMPLE) {
				err = obol_cbor_get_null(&m);
				q->profile_null = 1;
			} else {
				err = obol_cbor_get_int64(&m, &q->profile);
				q->have |= HAVE_PROFILE;
			}
			break;
		case P_CNONCE:
			err = obol_cbor_get_bstr(&m, &q->cnonce, &q->cnonce_len);
			q->have |= HAVE_CNONCE;
			break;
		case P_REQ_CNF:
			err = obol_cbor_skip(&m);
			q->have |= HAVE_REQ_CNF;
			break;
		default:
			err = obol_cbor_skip(&m);
			break;
		}
		if (err != OBOL_OK) {
			*why = "a parameter has the wrong type (RFC 9200 Table 5)";
			return AS_ERR_INVALID_REQUEST;
		}
	}
	return 0;
bad:
	*why = "the payload is not one well-formed CBOR map";
	return AS_ERR_INVALID_REQUEST;
}

/* Who the client is: the DTLS identity, or client_id + client_secret in
 * --insecure-dev mode. Returns 0 with *c filled, or the ACE error. */
static int authenticate(const struct as_endpoint_cfg *cfg,
			const struct as_peer *peer, const struct token_req *q,
			struct as_client *c, struct as_event *ev,
			const char **why)
{
	char id[AS_NAME_MAX + 1];
	int rc;

	if (peer->dtls) {
		/* The handshake proved the key of this identity. A client_id
		 * in the payload must name the same client. */
		if ((q->have & HAVE_CLIENT_ID) &&
		    (q->client_id_len != strlen(peer->identity) ||
		     memcmp(q->client_id, peer->identity,
			    q->client_id_len) != 0)) {
			copy_name(ev->client, peer->identity,
				  strlen(peer->identity));
			*why = "client_id is not the DTLS identity";
			return AS_ERR_INVALID_CLIENT;
		}
		copy_name(ev->client, peer->identity, strlen(peer->identity));
		rc = as_client_get(cfg->st, peer->identity, c);
		if (rc == AS_OK)
			return 0;
		*why = rc == AS_ENOTFOUND ? "the DTLS identity is not a client"
					  : "store error";
		return AS_ERR_INVALID_CLIENT;
	}
	if (!(q->have & HAVE_CLIENT_ID) || !(q->have & HAVE_SECRET)) {
		*why = "client_id and client_secret are required over coap://";
		return AS_ERR_INVALID_CLIENT;
	}
	copy_name(ev->client, q->client_id, q->client_id_len);
	if (q->client_id_len == 0 || q->client_id_len > AS_NAME_MAX ||
	    memchr(q->client_id, 0, q->client_id_len) != NULL) {
		*why = "unknown client or wrong secret";
		return AS_ERR_INVALID_CLIENT;
	}
	memcpy(id, q->client_id, q->client_id_len);
	id[q->client_id_len] = 0;
	rc = as_client_get(cfg->st, id, c);
	/* Same answer for an unknown client and a wrong secret: the
	 * response is no oracle for which client ids exist. */
	if (rc != AS_OK || c->secret_len != q->secret_len ||
	    !obol_ct_equal(c->secret, q->secret, q->secret_len)) {
		obol_wipe(c, sizeof *c);
		*why = "unknown client or wrong secret";
		return AS_ERR_INVALID_CLIENT;
	}
	return 0;
}

/* What one issued token is made of. Only rnd is secret (the master
 * secret); the core wipes the claims in scratch itself. */
struct issue {
	uint8_t rnd[CTI_LEN + OSC_ID_LEN + OSC_MS_LEN + OSC_SALT_LEN];
	uint8_t scope[AS_SCOPE_MAX];
	size_t scope_len;
	int scope_type;
	uint8_t token[AS_SCOPE_MAX + 256];
	size_t token_len;
	uint8_t scratch[AS_SCOPE_MAX + 256];
	uint8_t cti[AS_CTI_MAX]; /* the cti: random, or RS id | sequence */
	size_t cti_len;
	uint64_t exi_seq;
};
#define IS_CTI(is) ((is)->rnd)
#define IS_OSC_ID(is) ((is)->rnd + CTI_LEN)
#define IS_MS(is) ((is)->rnd + CTI_LEN + OSC_ID_LEN)
#define IS_SALT(is) ((is)->rnd + CTI_LEN + OSC_ID_LEN + OSC_MS_LEN)

int as_token_endpoint(const struct as_endpoint_cfg *cfg,
		      const struct as_peer *peer, int content_format,
		      const uint8_t *payload, size_t len, uint8_t *out,
		      size_t cap, struct as_response *r, struct as_event *ev)
{
	struct token_req q;
	struct as_client client;
	struct as_rs rs;
	struct as_grant grant;
	struct as_token_rec rec;
	struct obol_cwt_claims c;
	struct obol_cose_key key;
	struct obol_cose_hdr hdr;
	struct issue is;
	const char *why = "";
	char aud[AS_NAME_MAX + 1];
	obol_cbor_enc e;
	size_t n;
	int error, rc, pol, scope_differs;

	event_init(ev, "token_refused");
	if (content_format != AS_CF_ACE_CBOR)
		return fail_coap(r, ev, OBOL_COAP_CODE(4, 15),
				 "unsupported_content_format",
				 "Content-Format must be application/ace+cbor (19)");
	if (len > AS_REQUEST_MAX)
		return fail_coap(r, ev, OBOL_COAP_CODE(4, 13),
				 "request_too_large",
				 "the request payload is larger than the AS accepts");
	error = parse_token_req(payload, len, &q, &why);
	if (error != 0)
		return fail(r, ev, out, cap, error, why);
	if (q.have & HAVE_AUDIENCE)
		copy_name(ev->audience, q.audience, q.audience_len);
	error = authenticate(cfg, peer, &q, &client, ev, &why);
	if (error != 0)
		return fail(r, ev, out, cap, error, why);
	obol_wipe(client.secret, sizeof client.secret);

	/* grant_type defaults to client_credentials (RFC 9200 5.8.1) */
	if ((q.have & HAVE_GRANT) && q.grant_type != GRANT_CLIENT_CREDENTIALS)
		return fail(r, ev, out, cap, AS_ERR_UNSUPPORTED_GRANT_TYPE,
			    "only client_credentials (2) is supported");
	if (q.have & HAVE_REQ_CNF)
		return fail(r, ev, out, cap, AS_ERR_UNSUPPORTED_POP_KEY,
			    "req_cnf is not supported: the AS generates the key");
	/* obol needs the audience: it names the RS and its key */
	if (!(q.have & HAVE_AUDIENCE))
		return fail(r, ev, out, cap, AS_ERR_INVALID_REQUEST,
			    "audience is required");
	if (q.audience_len == 0 || q.audience_len > AS_NAME_MAX ||
	    memchr(q.audience, 0, q.audience_len) != NULL)
		return fail(r, ev, out, cap, AS_ERR_INVALID_SCOPE,
			    "no grant for this audience");
	memcpy(aud, q.audience, q.audience_len);
	aud[q.audience_len] = 0;
	if (q.have & HAVE_CNONCE && (q.cnonce_len == 0 ||
				     q.cnonce_len > CNONCE_MAX))
		return fail(r, ev, out, cap, AS_ERR_INVALID_REQUEST,
			    "cnonce must be 1 to 32 bytes");

	/* An unknown audience and one without a grant look the same to the
	 * client: it learns nothing of other clients' resource servers. */
	rc = as_grant_get(cfg->st, client.id, aud, &grant);
	if (rc == AS_OK)
		rc = as_rs_get(cfg->st, aud, &rs);
	if (rc == AS_ENOTFOUND)
		return fail(r, ev, out, cap, AS_ERR_INVALID_SCOPE,
			    "no grant for this audience");
	if (rc != AS_OK)
		return store_failed(r, ev, cfg->st);
	if (!(rs.profiles & AS_PROFILE_BIT(OBOL_ACE_PROFILE_COAP_OSCORE)) ||
	    ((q.have & HAVE_PROFILE) &&
	     q.profile != OBOL_ACE_PROFILE_COAP_OSCORE)) {
		obol_wipe(rs.key, sizeof rs.key);
		return fail(r, ev, out, cap, AS_ERR_INCOMPATIBLE_ACE_PROFILES,
			    "the AS issues coap_oscore tokens only, and this "
			    "RS or request does not use that profile");
	}

	/* Scope: the intersection of what was asked and what is granted;
	 * the whole grant when nothing was asked (RFC 9200 5.8.1). */
	if (q.scope_type == 0) {
		memcpy(is.scope, grant.scope, grant.scope_len);
		is.scope_len = grant.scope_len;
		pol = AS_POLICY_OK;
	} else {
		pol = as_scope_intersect(grant.scope_type, grant.scope,
					 grant.scope_len, q.scope_type, q.scope,
					 q.scope_len, is.scope,
					 sizeof is.scope, &is.scope_len);
	}
	if (pol != AS_POLICY_OK) {
		obol_wipe(rs.key, sizeof rs.key);
		return fail(r, ev, out, cap, AS_ERR_INVALID_SCOPE,
			    pol == AS_POLICY_MALFORMED
				    ? "the requested scope is malformed"
				    : "the requested scope is not granted");
	}
	is.scope_type = grant.scope_type;
	scope_differs = q.scope_type == 0 || q.scope_len != is.scope_len ||
			memcmp(q.scope, is.scope, is.scope_len) != 0;

	/* The token: aud, scope, iat, exp or exi, cti, ace_profile, cnf with
	 * fresh OSCORE_Input_Material (RFC 9203 3.2.1) and cnonce if sent. */
	if (get_random(cfg, is.rnd, sizeof is.rnd) != OBOL_OK) {
		obol_wipe(is.rnd, sizeof is.rnd);
		obol_wipe(rs.key, sizeof rs.key);
		return fail_coap(r, ev, OBOL_COAP_INTERNAL_ERROR, "no_random",
				 "the random generator failed");
	}
	memset(&c, 0, sizeof c);
	c.present = OBOL_CWT_F_AUD | OBOL_CWT_F_IAT | OBOL_CWT_F_CTI |
		    OBOL_CWT_F_SCOPE | OBOL_CWT_F_CNF | OBOL_CWT_F_ACE_PROFILE;
	c.aud = rs.audience;
	c.aud_len = strlen(rs.audience);
	c.iat = cfg->now;
	if (rs.has_clock) {
		c.present |= OBOL_CWT_F_EXP;
		c.exp = cfg->now + rs.lifetime;
	} else {
		c.present |= OBOL_CWT_F_EXI;
		c.exi = (uint64_t)rs.lifetime;
	}
	/* cti: 8 random bytes; for an exi token the RS's identifier (its
	 * audience) and a 4-byte big-endian sequence number counting the
	 * exi tokens issued for it (RFC 9200 5.10.3), so that the RS can
	 * refuse an expired one again after it forgot it. */
	is.exi_seq = 0;
	if (rs.has_clock && cfg->cti_counter != NULL) {
		uint64_t v = (*cfg->cti_counter)++;
		int i;

		for (i = CTI_LEN - 1; i >= 0; i--, v >>= 8)
			is.cti[i] = (uint8_t)v;
		is.cti_len = CTI_LEN;
	} else if (rs.has_clock) {
		memcpy(is.cti, IS_CTI(&is), CTI_LEN);
		is.cti_len = CTI_LEN;
	} else {
		size_t alen = strlen(rs.audience);

		if (alen + 4 > AS_CTI_MAX ||
		    as_rs_next_exi_seq(cfg->st, rs.audience, &is.exi_seq) !=
			    AS_OK ||
		    is.exi_seq > UINT32_MAX) {
			obol_wipe(is.rnd, sizeof is.rnd);
			obol_wipe(rs.key, sizeof rs.key);
			if (alen + 4 > AS_CTI_MAX)
				return fail_coap(r, ev, OBOL_COAP_INTERNAL_ERROR,
						 "audience_too_long",
						 "an RS without a clock needs an "
						 "audience of at most 28 bytes");
			return store_failed(r, ev, cfg->st);
		}
		memcpy(is.cti, rs.audience, alen);
		is.cti[alen] = (uint8_t)(is.exi_seq >> 24);
		is.cti[alen + 1] = (uint8_t)(is.exi_seq >> 16);
		is.cti[alen + 2] = (uint8_t)(is.exi_seq >> 8);
		is.cti[alen + 3] = (uint8_t)is.exi_seq;
		is.cti_len = alen + 4;
	}
	c.cti = is.cti;
	c.cti_len = is.cti_len;
	c.scope_type = is.scope_type == AS_SCOPE_AIF ? OBOL_CWT_SCOPE_AIF
						     : OBOL_CWT_SCOPE_TEXT;
	c.scope = is.scope;
	c.scope_len = is.scope_len;
	c.ace_profile = OBOL_ACE_PROFILE_COAP_OSCORE;
	c.cnf_type = OBOL_CWT_CNF_OSCORE;
	c.cnf_osc.present = OBOL_OSC_F(OBOL_OSC_ID) | OBOL_OSC_F(OBOL_OSC_MS) |
			    OBOL_OSC_F(OBOL_OSC_SALT);
	c.cnf_osc.id = IS_OSC_ID(&is);
	c.cnf_osc.id_len = OSC_ID_LEN;
	c.cnf_osc.ms = IS_MS(&is);
	c.cnf_osc.ms_len = OSC_MS_LEN;
	c.cnf_osc.salt = IS_SALT(&is);
	c.cnf_osc.salt_len = OSC_SALT_LEN;
	if (q.have & HAVE_CNONCE) {
		/* RFC 9200 5.8.4.4: the AS MUST put it in the token */
		c.present |= OBOL_CWT_F_CNONCE;
		c.cnonce = q.cnonce;
		c.cnonce_len = q.cnonce_len;
	}
	memset(&key, 0, sizeof key);
	key.kty = OBOL_COSE_KTY_SYMMETRIC;
	key.alg = OBOL_ALG_AES_CCM_16_64_128;
	key.k = rs.key;
	key.k_len = rs.key_len;
	memset(&hdr, 0, sizeof hdr);
	hdr.alg = OBOL_ALG_AES_CCM_16_64_128;
	/* Untagged COSE_Encrypt0: the RS knows what a token is, and every
	 * byte counts on its link (RFC 8392 6, RFC 9052 2). */
	rc = obol_cwt_protect(OBOL_CWT_ENCRYPT0, &key, &hdr, OBOL_COSE_UNTAGGED,
			      0, &c, is.scratch, sizeof is.scratch, is.token,
			      sizeof is.token, &is.token_len);
	obol_wipe(rs.key, sizeof rs.key);
	if (rc != OBOL_OK) {
		obol_wipe(is.rnd, sizeof is.rnd);
		return fail_coap(r, ev, OBOL_COAP_INTERNAL_ERROR, "mint_failed",
				 obol_err_str(rc));
	}

	/* The record first: a token whose response leaves the AS is one the
	 * AS can list, introspect and revoke. */
	memset(&rec, 0, sizeof rec);
	memcpy(rec.cti, is.cti, is.cti_len);
	rec.cti_len = is.cti_len;
	rec.exi_seq = is.exi_seq;
	snprintf(rec.client, sizeof rec.client, "%s", client.id);
	snprintf(rec.audience, sizeof rec.audience, "%s", rs.audience);
	rec.scope_type = is.scope_type;
	memcpy(rec.scope, is.scope, is.scope_len);
	rec.scope_len = is.scope_len;
	rec.iat = cfg->now;
	rec.exp = cfg->now + rs.lifetime;
	if (as_token_add(cfg->st, &rec) != AS_OK) {
		obol_wipe(is.rnd, sizeof is.rnd);
		return store_failed(r, ev, cfg->st);
	}

	/* Access Information (RFC 9200 5.8.2, RFC 9203 3.2), keys in
	 * deterministic order: access_token, expires_in, cnf, [scope],
	 * ace_profile. The scope is sent when it is not what was asked. */
	obol_cbor_enc_init(&e, out, cap);
	obol_cbor_put_map(&e, scope_differs ? 5 : 4);
	obol_cbor_put_uint(&e, P_ACCESS_TOKEN);
	obol_cbor_put_bstr(&e, is.token, is.token_len);
	obol_cbor_put_uint(&e, P_EXPIRES_IN);
	obol_cbor_put_uint(&e, (uint64_t)rs.lifetime);
	obol_cbor_put_uint(&e, P_CNF);
	obol_cwt_encode_cnf(&e, &c);
	if (scope_differs) {
		obol_cbor_put_uint(&e, P_SCOPE);
		if (is.scope_type == AS_SCOPE_AIF)
			obol_cbor_put_bstr(&e, is.scope, is.scope_len);
		else
			obol_cbor_put_tstr(&e, (const char *)is.scope,
					   is.scope_len);
	}
	obol_cbor_put_uint(&e, P_ACE_PROFILE);
	obol_cbor_put_uint(&e, OBOL_ACE_PROFILE_COAP_OSCORE);
	rc = obol_cbor_enc_finish(&e, &n);
	hex(ev->cti_hex, is.cti, is.cti_len);
	snprintf(ev->audience, sizeof ev->audience, "%s", rs.audience);
	if (rc != OBOL_OK) {
		/* cannot happen with AS_RESPONSE_MAX; the record stays */
		obol_wipe(is.rnd, sizeof is.rnd);
		return fail_coap(r, ev, OBOL_COAP_INTERNAL_ERROR,
				 "response_too_large", obol_err_str(rc));
	}
	snprintf(ev->detail, sizeof ev->detail, "token %zu bytes, %s",
		 is.token_len, rs.has_clock ? "exp" : "exi (RS has no clock)");
	obol_wipe(is.rnd, sizeof is.rnd);
	respond(r, OBOL_COAP_CREATED, AS_CF_ACE_CBOR, out, n);
	ev->event = "token_issued";
	ev->reason = "ok";
	return 0;
}

/* ---- /introspect ------------------------------------------------------- */

static int inactive(struct as_response *r, struct as_event *ev, uint8_t *out,
		    size_t cap, const char *why)
{
	/* RFC 9200 5.9.3: an invalid token is not an error, but
	 * {active: false}; nothing else is said about it. */
	static const uint8_t not_active[] = {0xa1, P_ACTIVE, 0xf4};

	if (cap < sizeof not_active)
		return fail_coap(r, ev, OBOL_COAP_INTERNAL_ERROR, "no_space",
				 "response buffer too small");
	memcpy(out, not_active, sizeof not_active);
	respond(r, OBOL_COAP_CREATED, AS_CF_ACE_CBOR, out, sizeof not_active);
	ev->event = "introspect";
	ev->reason = "inactive";
	snprintf(ev->detail, sizeof ev->detail, "%s", why);
	return 0;
}

int as_introspect_endpoint(const struct as_endpoint_cfg *cfg,
			   const struct as_peer *peer, int content_format,
			   const uint8_t *payload, size_t len, uint8_t *out,
			   size_t cap, struct as_response *r,
			   struct as_event *ev)
{
	struct as_rs rs;
	struct as_token_rec rec;
	struct obol_cwt_claims c;
	struct obol_cose_key key;
	struct obol_cwt_policy pol;
	uint8_t tok[AS_REQUEST_MAX];
	const uint8_t *t = NULL;
	size_t tlen = 0, pairs, i, n;
	const char *audiences[1];
	obol_cbor_dec d, m;
	obol_cbor_enc e;
	int rc, nfields;

	event_init(ev, "introspect_refused");
	/* RFC 9200 5.9: only over a mutually authenticated, protected
	 * channel; the requester is an RS, named by its PSK identity. */
	if (!peer->dtls)
		return fail_coap(r, ev, OBOL_COAP_UNAUTHORIZED, "not_dtls",
				 "introspection is served over DTLS only");
	copy_name(ev->audience, peer->identity, strlen(peer->identity));
	rc = as_rs_get(cfg->st, peer->identity, &rs);
	if (rc == AS_ENOTFOUND)
		return fail_coap(r, ev, OBOL_COAP_FORBIDDEN, "not_an_rs",
				 "the DTLS identity is not a resource server");
	if (rc != AS_OK)
		return store_failed(r, ev, cfg->st);
	if (content_format != AS_CF_ACE_CBOR) {
		obol_wipe(rs.key, sizeof rs.key);
		return fail_coap(r, ev, OBOL_COAP_CODE(4, 15),
				 "unsupported_content_format",
				 "Content-Format must be application/ace+cbor (19)");
	}
	if (len > AS_REQUEST_MAX) {
		obol_wipe(rs.key, sizeof rs.key);
		return fail_coap(r, ev, OBOL_COAP_CODE(4, 13),
				 "request_too_large",
				 "the request payload is larger than the AS accepts");
	}
	rc = obol_cbor_dec_init(&d, payload, len, OBOL_CBOR_STRICT);
	if (rc == OBOL_OK)
		rc = obol_cbor_enter_map(&d, &m, &pairs);
	for (i = 0; rc == OBOL_OK && i < pairs; i++) {
		int64_t k;

		if (obol_cbor_peek(&m) != OBOL_CBOR_UINT &&
		    obol_cbor_peek(&m) != OBOL_CBOR_NINT) {
			rc = obol_cbor_skip(&m);
			if (rc == OBOL_OK)
				rc = obol_cbor_skip(&m);
			continue;
		}
		rc = obol_cbor_get_int64(&m, &k);
		if (rc != OBOL_OK)
			break;
		if (k == P_TOKEN)
			rc = obol_cbor_get_bstr(&m, &t, &tlen);
		else
			rc = obol_cbor_skip(&m);
	}
	if (rc == OBOL_OK)
		rc = obol_cbor_leave(&d, &m);
	if (rc != OBOL_OK || !obol_cbor_at_end(&d) || t == NULL) {
		obol_wipe(rs.key, sizeof rs.key);
		return fail(r, ev, out, cap, AS_ERR_INVALID_REQUEST,
			    t == NULL && rc == OBOL_OK
				    ? "token is required"
				    : "the payload is not one well-formed CBOR map");
	}

	/* Open the token as its RS would; the record then says whether it
	 * was revoked, and when an exi token (no exp in it) expires. */
	memcpy(tok, t, tlen);
	memset(&key, 0, sizeof key);
	key.kty = OBOL_COSE_KTY_SYMMETRIC;
	key.alg = OBOL_ALG_AES_CCM_16_64_128;
	key.k = rs.key;
	key.k_len = rs.key_len;
	memset(&pol, 0, sizeof pol);
	audiences[0] = NULL;
	pol.audiences = audiences;
	pol.naud = 0; /* checked below, to tell "not yours" from "invalid" */
	pol.now = cfg->now;
	pol.flags = OBOL_CWT_ALLOW_NO_EXPIRY;
	rc = obol_cwt_validate(tok, tlen, &key, 1, &pol, &c);
	obol_wipe(rs.key, sizeof rs.key);
	if (rc == OBOL_ERR_CWT_EXPIRED || rc == OBOL_ERR_CWT_NOT_YET) {
		obol_wipe(tok, tlen);
		return inactive(r, ev, out, cap, "expired or not yet valid");
	}
	if (rc != OBOL_OK) {
		obol_wipe(tok, tlen);
		return inactive(r, ev, out, cap, "the token does not open "
				"with this RS's key");
	}
	if (!(c.present & OBOL_CWT_F_AUD) ||
	    c.aud_len != strlen(rs.audience) ||
	    memcmp(c.aud, rs.audience, c.aud_len) != 0) {
		obol_wipe(tok, tlen);
		return fail_coap(r, ev, OBOL_COAP_FORBIDDEN, "not_your_token",
				 "the token is for another audience");
	}
	if (c.cti_len > 0)
		hex(ev->cti_hex, c.cti, c.cti_len > AS_CTI_MAX ? AS_CTI_MAX
							       : c.cti_len);
	rc = c.present & OBOL_CWT_F_CTI ? as_token_get(cfg->st, c.cti,
						       c.cti_len, &rec)
					 : AS_ENOTFOUND;
	if (rc != AS_OK && rc != AS_ENOTFOUND) {
		obol_wipe(tok, tlen);
		return store_failed(r, ev, cfg->st);
	}
	if (rc == AS_ENOTFOUND || rec.revoked || cfg->now >= rec.exp) {
		obol_wipe(tok, tlen);
		return inactive(r, ev, out, cap,
				rc == AS_ENOTFOUND ? "no record of the token"
				: rec.revoked	   ? "revoked"
						   : "expired");
	}

	/* {active, aud, exp|exi, iat, cti, cnf, scope, ace_profile}:
	 * keys 3 4 6 7 8 9 10 38 40 in deterministic order. */
	nfields = 5 + ((c.present & OBOL_CWT_F_SCOPE) != 0) +
		  ((c.present & OBOL_CWT_F_CNF) != 0) +
		  ((c.present & OBOL_CWT_F_ACE_PROFILE) != 0);
	obol_cbor_enc_init(&e, out, cap);
	obol_cbor_put_map(&e, (size_t)nfields);
	obol_cbor_put_uint(&e, OBOL_CWT_AUD);
	obol_cbor_put_tstr(&e, c.aud, c.aud_len);
	if (c.present & OBOL_CWT_F_EXI) {
		/* no exp claim: the RS counts exi itself (RFC 9200 5.10.3) */
	} else {
		obol_cbor_put_uint(&e, OBOL_CWT_EXP);
		obol_cbor_put_int(&e, rec.exp);
	}
	obol_cbor_put_uint(&e, OBOL_CWT_IAT);
	obol_cbor_put_int(&e, rec.iat);
	obol_cbor_put_uint(&e, OBOL_CWT_CTI);
	obol_cbor_put_bstr(&e, c.cti, c.cti_len);
	if (c.present & OBOL_CWT_F_CNF) {
		obol_cbor_put_uint(&e, P_CNF);
		obol_cwt_encode_cnf(&e, &c);
	}
	if (c.present & OBOL_CWT_F_SCOPE) {
		obol_cbor_put_uint(&e, P_SCOPE);
		if (c.scope_type == OBOL_CWT_SCOPE_TEXT)
			obol_cbor_put_tstr(&e, (const char *)c.scope,
					   c.scope_len);
		else
			obol_cbor_put_bstr(&e, c.scope, c.scope_len);
	}
	obol_cbor_put_uint(&e, P_ACTIVE);
	obol_cbor_put_bool(&e, 1);
	if (c.present & OBOL_CWT_F_ACE_PROFILE) {
		obol_cbor_put_uint(&e, P_ACE_PROFILE);
		obol_cbor_put_int(&e, c.ace_profile);
	}
	if (c.present & OBOL_CWT_F_EXI) {
		obol_cbor_put_uint(&e, P_EXI);
		obol_cbor_put_uint(&e, c.exi);
	}
	rc = obol_cbor_enc_finish(&e, &n);
	obol_wipe(tok, tlen);
	if (rc != OBOL_OK)
		return fail_coap(r, ev, OBOL_COAP_INTERNAL_ERROR,
				 "response_too_large", obol_err_str(rc));
	respond(r, OBOL_COAP_CREATED, AS_CF_ACE_CBOR, out, n);
	ev->event = "introspect";
	ev->reason = "active";
	snprintf(ev->client, sizeof ev->client, "%s", rec.client);
	return 0;
}
