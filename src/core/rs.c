/*
 * The ACE resource server engine (include/obol/rs.h): /authz-info of the
 * OSCORE profile (RFC 9203 4.1-4.4), the access decision (RFC 9200
 * 5.10.2), AS Request Creation Hints (RFC 9200 5.3), a fixed set of
 * token/context slots.
 */
#include <string.h>

#include "obol/aif.h"
#include "obol/cbor.h"
#include "obol/rs.h"

#define ST_FREE 0
#define ST_PENDING 1
#define ST_ACTIVE 2

/*
 * Room kept in front of a handler's payload in the response buffer, for
 * the header the engine writes there afterwards: 4 header + 8 token + 3
 * Content-Format + 1 payload marker = 16, and a margin.
 */
#define HEADROOM 24

#define CODE_UNSUPPORTED_CF OBOL_COAP_CODE(4, 15)

/* What OSCORE adds to a response beyond the plain one: the OSCORE option
 * (1 byte, no Partial IV), the inner code (1), a payload marker (1) and
 * the tag (8 or 16); rounded up. */
#define OSCORE_ROOM 24

/*
 * The stack budget (1536 B, scripts/size.sh) leaves about 300 bytes above
 * obol_cwt_validate (1232 B). gcc -Os inlines every static function
 * called once into obol_rs_handle and gives the merged frame the sum of
 * all their locals, the path buffer of a resource request included, so
 * the branches that hold buffers stay separate functions. Only a hint:
 * without it the code is the same, the frame larger.
 */
#if defined(__GNUC__)
#define RS_NOINLINE __attribute__((noinline))
#else
#define RS_NOINLINE
#endif

/* A slot stays near its advertised size (C99 has no _Static_assert; a
 * negative array size stops the build). */
typedef char obol_rs_slot_size_check[sizeof(struct obol_rs_slot) <=
					     OBOL_OSCORE_CTX_SIZE_MAX + OBOL_RS_MAX_SCOPE +
						     OBOL_RS_MAX_OSC_ID + 48
				     ? 1
				     : -1];

static const char authz_default[] = "/authz-info";

/* What one call needs to answer: the reply header and the buffers. */
struct call {
	struct obol_rs *rs;
	const struct obol_rs_time *now;
	uint8_t *buf;       /* the request buffer, scratch after parsing */
	size_t len, cap;
	uint8_t *out;
	size_t out_cap;
	size_t *out_len;
	uint16_t mid;
	uint8_t type;       /* ACK or NON */
	uint8_t tkl;
	uint8_t token[8];
	/* an update of access rights, from protected_request to authz_update */
	struct obol_oscore_req oreq;
	unsigned slot;
	size_t tok_off, tok_len;
};

/* protected_request: "validate the update token at k->tok_off" */
#define RS_UPDATE 1

/* ---- small helpers ---------------------------------------------------------- */

static const char *authz_path(const struct obol_rs_config *cfg)
{
	return cfg->authz_info_path != NULL ? cfg->authz_info_path : authz_default;
}

static int path_is(const char *a, const char *p, size_t n)
{
	return strlen(a) == n && memcmp(a, p, n) == 0;
}

/* 1 if m's Uri-Path options spell the path p ("/a/b"), without
 * assembling it (no buffer on the stack of the token path). */
static RS_NOINLINE int uri_path_is(const struct obol_coap_msg *m, const char *p)
{
	struct obol_coap_opt_iter it;
	const uint8_t *v;
	uint16_t num;
	size_t n;

	obol_coap_opt_begin(m, &it);
	while (obol_coap_opt_next(&it, &num, &v, &n) > 0) {
		if (num < OBOL_COAP_OPT_URI_PATH)
			continue;
		if (num > OBOL_COAP_OPT_URI_PATH)
			break;
		if (*p++ != '/' ||
		    (n != 0 && (memchr(v, '/', n) != NULL || memchr(v, 0, n) != NULL ||
				strncmp(p, (const char *)v, n) != 0)))
			return 0;
		p += n;
	}
	return *p == '\0';
}

/* Content-Format: its value, -1 when absent, -2 when malformed. */
static RS_NOINLINE long content_format(const struct obol_coap_msg *m)
{
	const uint8_t *v;
	size_t n;
	uint32_t cf;

	if (obol_coap_opt_find(m, OBOL_COAP_OPT_CONTENT_FORMAT, &v, &n) != 1)
		return -1;
	if (obol_coap_opt_uint(v, n, &cf) != OBOL_OK || cf > 65535u)
		return -2;
	return (long)cf;
}

static void slot_drop(struct obol_rs_slot *s)
{
	obol_wipe(s, sizeof *s); /* state 0: free */
}

/* 1 if the slot's token has expired at now. An exp token validated with
 * a clock is expired when a later call comes without one (fail closed). */
static RS_NOINLINE int slot_expired(const struct obol_rs *rs, const struct obol_rs_slot *s,
			const struct obol_rs_time *now)
{
	if (s->has_exp) {
		int64_t leeway = rs->cfg->leeway;

		if (now->unix_now == OBOL_CWT_NO_CLOCK)
			return 1;
		/* exp <= now - leeway, without overflow (cwt.c's rule) */
		if (now->unix_now >= INT64_MIN + leeway &&
		    s->exp <= now->unix_now - leeway)
			return 1;
	}
	return s->has_exi && obol_cwt_exi_expired(s->received, now->mono, s->exi);
}

/* Drop an expired slot, remembering an exi token's sequence number
 * (RFC 9200 5.10.3: tokens at or below it are expired too). */
static void slot_expire(struct obol_rs *rs, struct obol_rs_slot *s)
{
	if (s->has_exi && (!rs->exi_seen || s->exi_seq > rs->exi_seq_expired)) {
		rs->exi_seq_expired = s->exi_seq;
		rs->exi_seen = 1;
	}
	slot_drop(s);
}

static int same_id(const struct obol_rs_slot *s, const uint8_t *id, size_t n)
{
	return s->osc_id_len == n && (n == 0 || memcmp(s->osc_id, id, n) == 0);
}

/* The slot index for a new token of OSCORE Input Material id (rs.h:
 * eviction order). Never fails: there is at least one slot. */
static unsigned slot_pick(struct obol_rs *rs, const uint8_t *id, size_t n,
			  const struct obol_rs_time *now)
{
	unsigned i, best = 0, pass;
	uint32_t age, oldest;

	for (i = 0; i < OBOL_RS_SLOTS; i++)
		if (rs->slot[i].state == ST_PENDING && same_id(&rs->slot[i], id, n))
			return i;
	for (i = 0; i < OBOL_RS_SLOTS; i++)
		if (rs->slot[i].state == ST_FREE)
			return i;
	for (i = 0; i < OBOL_RS_SLOTS; i++)
		if (slot_expired(rs, &rs->slot[i], now)) {
			slot_expire(rs, &rs->slot[i]);
			return i;
		}
	for (pass = ST_PENDING; pass <= ST_ACTIVE; pass++) {
		int found = 0;

		oldest = 0;
		for (i = 0; i < OBOL_RS_SLOTS; i++) {
			if (rs->slot[i].state != pass)
				continue;
			age = rs->clock - rs->slot[i].used; /* wrap-safe */
			if (!found || age > oldest) {
				best = i;
				oldest = age;
				found = 1;
			}
		}
		if (found)
			break;
	}
	/* An exi token evicted before it expired: remember when it expires,
	 * for a repost (rs.h). Its cti sequence number names it. */
	if (rs->slot[best].has_exi) {
		unsigned r = rs->exi_evicted_next % OBOL_RS_EXI_EVICTED;

		rs->exi_evicted[r].seq = rs->slot[best].exi_seq;
		rs->exi_evicted[r].deadline =
			rs->slot[best].received + rs->slot[best].exi;
		rs->exi_evicted_next = (uint8_t)((r + 1) % OBOL_RS_EXI_EVICTED);
	}
	slot_drop(&rs->slot[best]);
	return best;
}

/* A one-byte Recipient ID (ID2) used by no other slot and unequal to
 * ID1 (RFC 9203 4.2). At most OBOL_RS_SLOTS + 1 candidates are taken, so
 * the loop ends. */
static uint8_t rid_pick(struct obol_rs *rs, unsigned mine, const uint8_t *id1,
			size_t id1_len)
{
	for (;;) {
		uint8_t c = rs->next_rid++;
		unsigned i;
		int taken = id1_len == 1 && id1[0] == c;

		for (i = 0; i < OBOL_RS_SLOTS && !taken; i++) {
			const struct obol_oscore_ctx *x = &rs->slot[i].ctx;

			taken = i != mine && rs->slot[i].state != ST_FREE &&
				x->recipient_id_len == 1 && x->recipient_id[0] == c;
		}
		if (!taken)
			return c;
	}
}

/* ---- replies ------------------------------------------------------------------ */

static void reply_init(const struct call *k, struct obol_coap_builder *b,
		       uint8_t *buf, size_t cap, uint8_t code)
{
	obol_coap_build_init(b, buf, cap, k->type, code, k->mid, k->token, k->tkl);
}

/* An unprotected reply; pl must not overlap k->out. */
static RS_NOINLINE int reply(struct call *k, uint8_t code, long cf, const uint8_t *pl,
		 size_t pl_len)
{
	struct obol_coap_builder b;

	reply_init(k, &b, k->out, k->out_cap, code);
	if (cf >= 0)
		obol_coap_add_uint_option(&b, OBOL_COAP_OPT_CONTENT_FORMAT, (uint32_t)cf);
	obol_coap_set_payload(&b, pl, pl_len);
	return obol_coap_build_finish(&b, k->out_len);
}

/* An unprotected reply whose payload already sits at k->out + HEADROOM:
 * the header goes in front of it, the payload moves down. */
static int reply_staged(struct call *k, uint8_t code, long cf, size_t pl_len)
{
	struct obol_coap_builder b;
	uint8_t head[HEADROOM];
	size_t n = 0;
	int err;

	reply_init(k, &b, head, sizeof head, code);
	if (cf >= 0)
		obol_coap_add_uint_option(&b, OBOL_COAP_OPT_CONTENT_FORMAT, (uint32_t)cf);
	err = obol_coap_build_finish(&b, &n);
	if (err != OBOL_OK)
		return err;
	/* n <= 16 < HEADROOM: the header never reaches the payload */
	memcpy(k->out, head, n);
	if (pl_len != 0) {
		memmove(k->out + n + 1, k->out + HEADROOM, pl_len);
		k->out[n] = 0xff;
		n += 1 + pl_len;
	}
	*k->out_len = n;
	return OBOL_OK;
}

/* 4.00 (or another code) with the ACE error map {30: code} (RFC 9200
 * 5.8.3's form; RFC 9203 4.2 "may provide additional information"). */
static int reply_ace_error(struct call *k, uint8_t code, unsigned ace_err)
{
	uint8_t pl[4];

	pl[0] = 0xa1;               /* map(1) */
	pl[1] = 0x18;               /* unsigned(30) = error */
	pl[2] = OBOL_ACE_ERROR;
	pl[3] = (uint8_t)ace_err;   /* 1..8: a one-byte unsigned */
	return reply(k, code, OBOL_CF_ACE_CBOR, pl, sizeof pl);
}

struct persist_call {
	const struct obol_rs_config *cfg;
	unsigned slot;
};

static int persist_hook(void *arg, uint64_t bound)
{
	const struct persist_call *p = (const struct persist_call *)arg;

	return p->cfg->ssn_persist(p->cfg->ssn_arg, p->slot, bound);
}

/*
 * An OSCORE-protected reply under slot i: the plain response is built in
 * k->buf (pl must not overlap it), then protected into k->out. echo:
 * an Echo option value (8 bytes) or NULL.
 */
static int reply_protected(struct call *k, unsigned i,
			   const struct obol_oscore_req *oreq, unsigned flags,
			   uint8_t code, long cf, const uint8_t *pl,
			   size_t pl_len, const uint8_t *echo)
{
	struct obol_rs_slot *s = &k->rs->slot[i];
	struct obol_coap_builder b;
	struct persist_call pc;
	size_t n = 0;
	int err;

	reply_init(k, &b, k->buf, k->cap, code);
	if (cf >= 0)
		obol_coap_add_uint_option(&b, OBOL_COAP_OPT_CONTENT_FORMAT, (uint32_t)cf);
	if (echo != NULL)
		obol_coap_add_option(&b, OBOL_COAP_OPT_ECHO, echo, OBOL_OSCORE_ECHO_LEN);
	obol_coap_set_payload(&b, pl, pl_len);
	err = obol_coap_build_finish(&b, &n);
	if (err != OBOL_OK)
		return err;
	if (k->rs->cfg->ssn_persist != NULL) {
		/* the hook's argument lives on this stack for this call only:
		 * the context keeps no pointer once it returns */
		pc.cfg = k->rs->cfg;
		pc.slot = i;
		obol_oscore_set_persist(&s->ctx, persist_hook, &pc);
	}
	err = obol_oscore_protect_response(&s->ctx, oreq, flags, k->buf, n,
					   k->out, k->out_cap, k->out_len);
	obol_oscore_set_persist(&s->ctx, NULL, NULL);
	return err;
}

/* AS Request Creation Hints (RFC 9200 5.3) for an unprotected request to
 * a protected resource: {1: AS, 5: audience, 9: << [[path, method]] >>}. */
static RS_NOINLINE int reply_hints(struct call *k, const char *path, size_t path_len,
		       uint8_t method)
{
	const struct obol_rs_config *cfg = k->rs->cfg;
	struct obol_aif_entry x;
	obol_cbor_enc e;
	uint8_t aif[OBOL_RS_MAX_PATH + 12];
	size_t aif_len = 0, n = 0;
	int err;

	x.path = path;
	x.path_len = path_len;
	x.perm = obol_aif_method_bit(method);
	obol_cbor_enc_init(&e, aif, sizeof aif);
	obol_aif_write(&e, &x, 1);
	err = obol_cbor_enc_finish(&e, &aif_len);
	if (err != OBOL_OK)
		return err;
	if (k->out_cap < HEADROOM)
		return OBOL_ERR_NO_SPACE;
	obol_cbor_enc_init(&e, k->out + HEADROOM, k->out_cap - HEADROOM);
	obol_cbor_put_map(&e, cfg->as_uri != NULL ? 3 : 2);
	if (cfg->as_uri != NULL) {
		obol_cbor_put_uint(&e, OBOL_ACE_HINT_AS);
		obol_cbor_put_text(&e, cfg->as_uri);
	}
	obol_cbor_put_uint(&e, OBOL_ACE_HINT_AUDIENCE);
	obol_cbor_put_text(&e, cfg->audience);
	obol_cbor_put_uint(&e, OBOL_ACE_HINT_SCOPE);
	obol_cbor_put_bstr(&e, aif, aif_len);
	err = obol_cbor_enc_finish(&e, &n);
	if (err != OBOL_OK)
		return err;
	return reply_staged(k, OBOL_COAP_UNAUTHORIZED, OBOL_CF_ACE_CBOR, n);
}

/* ---- tokens ----------------------------------------------------------------- */

/* The CoAP code of a token refused by obol_cwt_validate (RFC 9200
 * 5.10.1, 5.10.1.1). */
static uint8_t token_code(int err)
{
	if (err == OBOL_ERR_CWT_AUD)
		return OBOL_COAP_FORBIDDEN;
	/* not a token, or claims that cannot be obtained: 4.00 */
	if ((err <= OBOL_ERR_CBOR_TRUNCATED && err >= OBOL_ERR_CBOR_NESTING) ||
	    err == OBOL_ERR_COSE_FORMAT || err == OBOL_ERR_COSE_TAG ||
	    err == OBOL_ERR_COSE_HEADER || err == OBOL_ERR_COSE_IV ||
	    err == OBOL_ERR_CWT_CLAIM || err == OBOL_ERR_CWT_CNF ||
	    err == OBOL_ERR_CWT_MISSING || err == OBOL_ERR_AIF)
		return OBOL_COAP_BAD_REQUEST;
	/* the security wrapper (key, tag, alg) or time: 4.01 */
	return OBOL_COAP_UNAUTHORIZED;
}

/*
 * Validate tok in place and the claims this RS needs (rs->claims). 0 on
 * success (*seq = the cti sequence number of an exi token), else the
 * CoAP code to answer and *ace_err the ACE error for a 4.00 (0: none).
 */
static uint8_t token_check(struct call *k, uint8_t *tok, size_t tok_len,
			   unsigned *ace_err, uint64_t *seq)
{
	struct obol_rs *rs = k->rs;
	const struct obol_rs_config *cfg = rs->cfg;
	const struct obol_cwt_claims *c = &rs->claims;
	struct obol_cwt_policy *pol = &rs->policy;
	int err;

	*ace_err = OBOL_ACE_ERR_INVALID_REQUEST;
	*seq = 0;
	memset(pol, 0, sizeof *pol);
	pol->audiences = &cfg->audience;
	pol->naud = 1;
	pol->now = k->now->unix_now;
	pol->leeway = cfg->leeway;
	/* Encrypt0 only (accept 0): the token carries the Master Secret,
	 * which RFC 9203 3.2 wants encrypted for the RS */
	err = obol_cwt_validate(tok, tok_len, cfg->keys, cfg->nkeys, pol,
				&rs->claims);
	if (err != OBOL_OK)
		return token_code(err);
	if ((c->present & OBOL_CWT_F_ACE_PROFILE) &&
	    c->ace_profile != OBOL_ACE_PROFILE_COAP_OSCORE) {
		*ace_err = OBOL_ACE_ERR_INCOMPATIBLE_PROFILES;
		return OBOL_COAP_BAD_REQUEST;
	}
	if ((c->present & OBOL_CWT_F_SCOPE) == 0 ||
	    c->scope_type != OBOL_CWT_SCOPE_AIF ||
	    c->scope_len > OBOL_RS_MAX_SCOPE) {
		*ace_err = OBOL_ACE_ERR_INVALID_SCOPE;
		return OBOL_COAP_BAD_REQUEST;
	}
	if (c->present & OBOL_CWT_F_EXI) {
		/* RFC 9200 5.10.3: cti = RS identifier | sequence number */
		size_t p = cfg->exi_cti_prefix_len, i;

		if ((c->present & OBOL_CWT_F_CTI) == 0 || c->cti_len <= p ||
		    c->cti_len - p > 8 ||
		    (p != 0 && memcmp(c->cti, cfg->exi_cti_prefix, p) != 0))
			return OBOL_COAP_BAD_REQUEST;
		for (i = p; i < c->cti_len; i++)
			*seq = *seq << 8 | c->cti[i];
		if (rs->exi_seen && *seq <= rs->exi_seq_expired)
			return OBOL_COAP_UNAUTHORIZED;
	}
	*ace_err = 0;
	return 0;
}

/* Bind the validated claims (scope, expiry) to slot s. */
static void slot_bind(struct call *k, struct obol_rs_slot *s, uint64_t seq)
{
	const struct obol_cwt_claims *c = &k->rs->claims;

	memcpy(s->scope, c->scope, c->scope_len);
	s->scope_len = (uint8_t)c->scope_len;
	s->has_exp = (c->present & OBOL_CWT_F_EXP) != 0;
	s->exp = c->exp;
	s->has_exi = (c->present & OBOL_CWT_F_EXI) != 0;
	s->exi = c->exi;
	s->exi_seq = seq;
	s->received = k->now->mono;
}

/* ---- /authz-info -------------------------------------------------------------- */

/* The ACE map of /authz-info: token (required), nonce1 and ID1 (NULL if
 * absent). 0 or OBOL_ERR_ACE_PARAM / CBOR errors. */
static int authz_parse(const uint8_t *p, size_t n, const uint8_t **tok,
		       size_t *tok_len, const uint8_t **n1, size_t *n1_len,
		       const uint8_t **id1, size_t *id1_len)
{
	obol_cbor_dec d, m;
	size_t cnt;
	int err;

	*tok = *n1 = *id1 = NULL;
	*tok_len = *n1_len = *id1_len = 0;
	err = obol_cbor_dec_init(&d, p, n, OBOL_CBOR_STRICT);
	if (err == OBOL_OK)
		err = obol_cbor_enter_map(&d, &m, &cnt);
	while (err == OBOL_OK && !obol_cbor_at_end(&m)) {
		uint64_t key = 0;

		if (obol_cbor_peek(&m) != OBOL_CBOR_UINT) {
			err = obol_cbor_skip(&m);
			if (err == OBOL_OK)
				err = obol_cbor_skip(&m);
			continue;
		}
		err = obol_cbor_get_uint64(&m, &key);
		if (err != OBOL_OK)
			break;
		if (key == OBOL_ACE_ACCESS_TOKEN)
			err = obol_cbor_get_bstr(&m, tok, tok_len);
		else if (key == OBOL_ACE_NONCE1)
			err = obol_cbor_get_bstr(&m, n1, n1_len);
		else if (key == OBOL_ACE_CLIENT_RECIPIENTID)
			err = obol_cbor_get_bstr(&m, id1, id1_len);
		else
			err = obol_cbor_skip(&m);
	}
	if (err == OBOL_OK && (*tok == NULL || *tok_len == 0))
		err = OBOL_ERR_ACE_PARAM;
	return err;
}

/* 2.01 {42: N2, 44: ID2} (RFC 9203 4.2). */
static RS_NOINLINE int reply_created(struct call *k, const uint8_t *n2,
				     uint8_t rid)
{
	uint8_t pl[16];

	pl[0] = 0xa2;
	pl[1] = 0x18;
	pl[2] = OBOL_ACE_NONCE2;
	pl[3] = 0x40 | OBOL_ACE_NONCE_LEN;
	memcpy(pl + 4, n2, OBOL_ACE_NONCE_LEN);
	pl[12] = 0x18;
	pl[13] = OBOL_ACE_SERVER_RECIPIENTID;
	pl[14] = 0x41;
	pl[15] = rid;
	return reply(k, OBOL_COAP_CREATED, OBOL_CF_ACE_CBOR, pl, sizeof pl);
}

/*
 * After the token of an unprotected /authz-info validated (rs->claims):
 * the profile's checks of the cnf, N2, the slot, ID2, the context. 0 and
 * n2, *rid for the 2.01, else the code to answer (4.00: invalid_request).
 */
static RS_NOINLINE uint8_t authz_bind(struct call *k, const uint8_t *n1,
				      size_t n1_len, const uint8_t *id1,
				      size_t id1_len, uint64_t seq, uint8_t *n2,
				      uint8_t *rid)
{
	struct obol_rs *rs = k->rs;
	const struct obol_cwt_claims *c = &rs->claims;
	const struct obol_oscore_input *osc = &c->cnf_osc;
	uint64_t received = k->now->mono;
	struct obol_rs_slot *s;
	unsigned i;
	int err;

	if (c->cnf_type != OBOL_CWT_CNF_OSCORE || osc->id_len > OBOL_RS_MAX_OSC_ID ||
	    ((osc->present & OBOL_OSC_F(OBOL_OSC_ALG)) &&
	     osc->alg != OBOL_ALG_AES_CCM_16_64_128 &&
	     osc->alg != OBOL_ALG_AES_CCM_16_128_128) ||
	    ((osc->present & OBOL_OSC_F(OBOL_OSC_VERSION)) && osc->version != 1) ||
	    ((osc->present & OBOL_OSC_F(OBOL_OSC_HKDF)) &&
	     osc->hkdf != OBOL_ALG_HKDF_SHA_256) ||
	    ((osc->present & OBOL_OSC_F(OBOL_OSC_SALT)) &&
	     osc->salt_len > OBOL_RS_MAX_NONCE) ||
	    ((osc->present & OBOL_OSC_F(OBOL_OSC_CONTEXT_ID)) &&
	     osc->context_id_len > OBOL_OSCORE_MAX_ID_CONTEXT))
		return OBOL_COAP_BAD_REQUEST;
	/* exi counts from the first arrival (RFC 9200 5.10.1.1): a repost of
	 * a token still held keeps its arrival time */
	for (i = 0; i < OBOL_RS_SLOTS; i++) {
		const struct obol_rs_slot *o = &rs->slot[i];

		if (o->state != ST_FREE && o->has_exi &&
		    (c->present & OBOL_CWT_F_EXI) && o->exi_seq == seq &&
		    same_id(o, osc->id, osc->id_len))
			received = o->received;
	}
	if (c->present & OBOL_CWT_F_EXI) {
		for (i = 0; i < OBOL_RS_EXI_EVICTED; i++)
			if (rs->exi_evicted[i].deadline != 0 &&
			    rs->exi_evicted[i].seq == seq) {
				/* evicted, not expired: its first arrival counts */
				if (rs->exi_evicted[i].deadline <= k->now->mono)
					return OBOL_COAP_UNAUTHORIZED;
				uint64_t first = rs->exi_evicted[i].deadline > c->exi
						 ? rs->exi_evicted[i].deadline - c->exi
						 : 0;

				if (first < received)
					received = first;
			}
		if (obol_cwt_exi_expired(received, k->now->mono, c->exi))
			return OBOL_COAP_UNAUTHORIZED;
	}
	if (obol_port_random(n2, OBOL_ACE_NONCE_LEN) != OBOL_OK)
		return OBOL_COAP_INTERNAL_ERROR;
	/* nothing is evicted before everything above passed */
	i = slot_pick(rs, osc->id, osc->id_len, k->now);
	s = &rs->slot[i];
	*rid = rid_pick(rs, i, id1, id1_len);
	/* RFC 9203 4.3: the RS's Sender ID is ID1, its Recipient ID ID2 */
	err = obol_ace_derive(&s->ctx, osc, n1, n1_len, n2, OBOL_ACE_NONCE_LEN,
			      id1, id1_len, rid, 1);
	if (err != OBOL_OK) {
		slot_drop(s);
		return err == OBOL_ERR_ACE_IDS || err == OBOL_ERR_ACE_PARAM
			       ? OBOL_COAP_BAD_REQUEST
			       : OBOL_COAP_INTERNAL_ERROR;
	}
	slot_bind(k, s, seq);
	s->received = received;
	s->state = ST_PENDING;
	s->used = ++rs->clock;
	s->osc_id_len = (uint8_t)osc->id_len;
	if (osc->id_len)
		memcpy(s->osc_id, osc->id, osc->id_len);
	return 0;
}

/* Unprotected POST /authz-info (RFC 9203 4.1, 4.2). */
static RS_NOINLINE int authz_info(struct call *k, const struct obol_coap_msg *m)
{
	const uint8_t *tok, *n1, *id1;
	size_t tok_len, n1_len, id1_len;
	uint8_t n2[OBOL_ACE_NONCE_LEN], rid = 0;
	unsigned ace_err;
	uint64_t seq;
	uint8_t code;

	if (m->code != OBOL_COAP_POST)
		return reply(k, OBOL_COAP_METHOD_NOT_ALLOWED, -1, NULL, 0);
	if (content_format(m) != OBOL_CF_ACE_CBOR)
		return reply(k, CODE_UNSUPPORTED_CF, -1, NULL, 0);
	if (authz_parse(m->payload, m->payload_len, &tok, &tok_len, &n1, &n1_len,
			&id1, &id1_len) != OBOL_OK ||
	    n1 == NULL || id1 == NULL || n1_len == 0 ||
	    n1_len > OBOL_RS_MAX_NONCE || id1_len > OBOL_OSCORE_MAX_ID)
		return reply_ace_error(k, OBOL_COAP_BAD_REQUEST,
				       OBOL_ACE_ERR_INVALID_REQUEST);
	/* the token lies in the caller's writable buffer: decrypt in place */
	code = token_check(k, k->buf + (tok - k->buf), tok_len, &ace_err, &seq);
	if (code == 0) {
		code = authz_bind(k, n1, n1_len, id1, id1_len, seq, n2, &rid);
		ace_err = OBOL_ACE_ERR_INVALID_REQUEST;
	}
	/* the plaintext token holds the Master Secret: gone now */
	obol_wipe(k->buf + (tok - k->buf), tok_len);
	memset(&k->rs->claims, 0, sizeof k->rs->claims);
	if (code == OBOL_COAP_BAD_REQUEST)
		return reply_ace_error(k, code, ace_err);
	if (code != 0)
		return reply(k, code, -1, NULL, 0);
	return reply_created(k, n2, rid);
}

/*
 * OSCORE-protected POST /authz-info: update of access rights (RFC 9203
 * 4.1, 4.2), called from obol_rs_handle once protected_request() has
 * verified the request and put the token's place in k (tok_off,
 * tok_len), the slot and the request binding. Nonces and IDs, if sent,
 * were ignored (RFC 9203 4.2).
 */
static RS_NOINLINE int authz_update(struct call *k)
{
	struct obol_rs *rs = k->rs;
	struct obol_rs_slot *s = &rs->slot[k->slot];
	const struct obol_cwt_claims *c = &rs->claims;
	uint8_t *tok = k->buf + k->tok_off;
	unsigned ace_err;
	uint64_t seq;
	uint8_t code = OBOL_COAP_UNAUTHORIZED;

	if (token_check(k, tok, k->tok_len, &ace_err, &seq) == 0 &&
	    c->cnf_type == OBOL_CWT_CNF_KID &&
	    same_id(s, c->cnf_raw, c->cnf_raw_len)) {
		slot_bind(k, s, seq);
		code = OBOL_COAP_CREATED;
	}
	obol_wipe(tok, k->tok_len);
	memset(&rs->claims, 0, sizeof rs->claims);
	return reply_protected(k, k->slot, &k->oreq, 0, code, -1, NULL, 0, NULL);
}

/*
 * The protected POST /authz-info before its token is validated: 4.05 for
 * another method, 4.01 for a payload without a token; else RS_UPDATE
 * with the token's place in k.
 */
static RS_NOINLINE int authz_update_parse(struct call *k,
					  const struct obol_coap_msg *m)
{
	const uint8_t *tok, *n1, *id1;
	size_t tok_len, n1_len, id1_len;

	if (m->code != OBOL_COAP_POST)
		return reply_protected(k, k->slot, &k->oreq, 0,
				       OBOL_COAP_METHOD_NOT_ALLOWED, -1, NULL, 0, NULL);
	if (content_format(m) != OBOL_CF_ACE_CBOR ||
	    authz_parse(m->payload, m->payload_len, &tok, &tok_len, &n1, &n1_len,
			&id1, &id1_len) != OBOL_OK)
		return reply_protected(k, k->slot, &k->oreq, 0,
				       OBOL_COAP_UNAUTHORIZED, -1, NULL, 0, NULL);
	k->tok_off = (size_t)(tok - k->buf);
	k->tok_len = tok_len;
	return RS_UPDATE;
}

/* ---- requests ------------------------------------------------------------------ */

static const struct obol_rs_resource *resource_find(const struct obol_rs_config *cfg,
						    const char *path, size_t n)
{
	size_t i;

	for (i = 0; i < cfg->nresources; i++)
		if (path_is(cfg->resources[i].path, path, n))
			return &cfg->resources[i];
	return NULL;
}

/*
 * Run r's handler on the request m (path given); its payload goes to
 * k->out + HEADROOM (k->out_cap >= HEADROOM). *hr is what to answer:
 * 5.00 when the handler failed, overran or set a code that is no
 * response code.
 */
static void run_handler(struct call *k, const struct obol_rs_resource *r,
			   const struct obol_coap_msg *m, const char *path,
			   size_t path_len, int slot, struct obol_rs_response *hr)
{
	struct obol_rs_request rq;
	long cf = content_format(m);

	memset(&rq, 0, sizeof rq);
	rq.method = m->code;
	rq.is_protected = slot >= 0;
	rq.path = path;
	rq.path_len = path_len;
	rq.content_format = cf >= 0 ? (int)cf : -1;
	rq.payload = m->payload;
	rq.payload_len = m->payload_len;
	rq.msg = m;
	rq.slot = slot;
	if (slot >= 0) {
		rq.scope = k->rs->slot[slot].scope;
		rq.scope_len = k->rs->slot[slot].scope_len;
	}
	hr->code = OBOL_COAP_CONTENT;
	hr->content_format = -1;
	hr->payload = k->out + HEADROOM;
	hr->cap = k->out_cap - HEADROOM;
	/* under OSCORE the answer also carries the option, the inner code,
	 * the tag (at most 16) and a second payload marker */
	if (slot >= 0)
		hr->cap = hr->cap > OSCORE_ROOM ? hr->cap - OSCORE_ROOM : 0;
	hr->len = 0;
	if (r->handler(r->arg, &rq, hr) != OBOL_OK || hr->len > hr->cap ||
	    hr->content_format > 65535 || (hr->code >> 5) < 2) {
		hr->len = 0;
		hr->content_format = -1;
		hr->code = OBOL_COAP_INTERNAL_ERROR;
	}
}

/*
 * The access decision for a request under slot (or -1: unprotected):
 * 0 and *r to serve, or the code to answer (RFC 9200 5.10.2).
 */
static uint8_t decide(const struct call *k, const struct obol_coap_msg *m,
		      const char *path, size_t n, int slot,
		      const struct obol_rs_resource **r)
{
	const struct obol_rs_slot *s;
	uint64_t perm = 0;

	*r = resource_find(k->rs->cfg, path, n);
	if (*r == NULL)
		return OBOL_COAP_NOT_FOUND;
	if ((obol_aif_method_bit(m->code) & (*r)->methods) == 0)
		return OBOL_COAP_METHOD_NOT_ALLOWED;
	if (((*r)->flags & OBOL_RS_PROTECTED) == 0)
		return 0;
	if (slot < 0)
		return OBOL_COAP_UNAUTHORIZED; /* with hints */
	s = &k->rs->slot[slot];
	if (obol_aif_perm(s->scope, s->scope_len, path, n, &perm) != OBOL_OK ||
	    perm == 0)
		return OBOL_COAP_FORBIDDEN;
	if ((perm & obol_aif_method_bit(m->code)) == 0)
		return OBOL_COAP_METHOD_NOT_ALLOWED;
	return 0;
}

/* An unprotected request to anything but /authz-info. */
static RS_NOINLINE int plain_request(struct call *k, const struct obol_coap_msg *m)
{
	const struct obol_rs_resource *r;
	struct obol_rs_response hr;
	char path[OBOL_RS_MAX_PATH];
	size_t n = 0;
	uint8_t code;

	if (obol_coap_uri_path(m, path, sizeof path, &n) != OBOL_OK)
		return reply(k, OBOL_COAP_NOT_FOUND, -1, NULL, 0);
	code = decide(k, m, path, n, -1, &r);
	if (code == OBOL_COAP_UNAUTHORIZED)
		return reply_hints(k, path, n, m->code);
	if (code != 0)
		return reply(k, code, -1, NULL, 0);
	if (k->out_cap < HEADROOM)
		return OBOL_ERR_NO_SPACE;
	run_handler(k, r, m, path, n, -1, &hr);
	return reply_staged(k, hr.code, hr.content_format, hr.len);
}

/* The unprotected answers of RFC 8613 8.2 (or an error: drop). */
static int oscore_error(struct call *k, int err)
{
	/* (a CON gets its own Message ID back; k->mid is that one) */
	return obol_oscore_error_response(err, k->buf, k->len, k->mid, k->out,
					  k->out_cap, k->out_len);
}

/* The slot whose Recipient ID is the request's kid; -1 if none, -2 if
 * the OSCORE option is malformed. */
static RS_NOINLINE int slot_find(const struct call *k)
{
	const struct obol_rs *rs = k->rs;
	struct obol_oscore_option o;
	unsigned i;
	int err = obol_oscore_peek(k->buf, k->len, &o);

	if (err < 0)
		return -2;
	if (err != 1 || o.kid == NULL)
		return -1;
	for (i = 0; i < OBOL_RS_SLOTS; i++) {
		const struct obol_rs_slot *s = &rs->slot[i];

		if (s->state != ST_FREE && s->ctx.recipient_id_len == o.kid_len &&
		    (o.kid_len == 0 ||
		     memcmp(s->ctx.recipient_id, o.kid, o.kid_len) == 0))
			return (int)i;
	}
	return -1;
}

/* B.1.2: the protected 4.01 with a fresh Echo, and its own Partial IV. */
static RS_NOINLINE int reply_echo(struct call *k, unsigned i,
				  const struct obol_oscore_req *oreq)
{
	uint8_t echo[OBOL_OSCORE_ECHO_LEN];
	int err = obol_oscore_echo_new(&k->rs->slot[i].ctx, echo);

	if (err != OBOL_OK)
		return err;
	return reply_protected(k, i, oreq, OBOL_OSCORE_RESP_PIV,
			       OBOL_COAP_UNAUTHORIZED, -1, NULL, 0, echo);
}

/* A verified request pm under slot i, to a resource. */
static RS_NOINLINE int protected_resource(struct call *k, unsigned i,
					  const struct obol_oscore_req *oreq,
					  const struct obol_coap_msg *pm)
{
	const struct obol_rs_resource *r;
	struct obol_rs_response hr;
	char path[OBOL_RS_MAX_PATH];
	size_t n = 0;
	uint8_t code;

	if (obol_coap_uri_path(pm, path, sizeof path, &n) != OBOL_OK)
		return reply_protected(k, i, oreq, 0, OBOL_COAP_NOT_FOUND, -1,
				       NULL, 0, NULL);
	code = decide(k, pm, path, n, (int)i, &r);
	if (code != 0)
		return reply_protected(k, i, oreq, 0, code, -1, NULL, 0, NULL);
	if (k->out_cap < HEADROOM)
		return OBOL_ERR_NO_SPACE;
	run_handler(k, r, pm, path, n, (int)i, &hr);
	return reply_protected(k, i, oreq, 0, hr.code, hr.content_format,
			       hr.payload, hr.len, NULL);
}

/* An OSCORE-protected request (it has an OSCORE option). */
static RS_NOINLINE int protected_request(struct call *k)
{
	struct obol_rs *rs = k->rs;
	struct obol_oscore_req *oreq = &k->oreq;
	struct obol_coap_msg pm;
	struct obol_rs_slot *s;
	size_t n = 0;
	unsigned i, j;
	int err, found = slot_find(k);

	if (found < 0)
		return oscore_error(k, found == -2 ? OBOL_ERR_OSCORE_OPTION
						   : OBOL_ERR_OSCORE_NO_CONTEXT);
	i = (unsigned)found;
	s = &rs->slot[i];
	if (slot_expired(rs, s, k->now)) {
		/* RFC 9203 4.3: no use after expiry, unprotected 4.01 */
		slot_expire(rs, s);
		return oscore_error(k, OBOL_ERR_OSCORE_NO_CONTEXT);
	}
	err = obol_oscore_unprotect_request(&s->ctx, k->buf, k->len, k->out,
					    k->out_cap, &n, oreq);
	if (err == OBOL_ERR_OSCORE_FRESHNESS)
		return reply_echo(k, i, oreq);
	if (err == OBOL_ERR_OSCORE_NO_CONTEXT || err == OBOL_ERR_OSCORE_OPTION ||
	    err == OBOL_ERR_OSCORE_REPLAY || err == OBOL_ERR_OSCORE_DECRYPT)
		return oscore_error(k, err);
	if (err != OBOL_OK)
		return err;
	/* the plain request moves into the request buffer (n <= len), so
	 * that the response buffer is free and a token in it is writable */
	memcpy(k->buf, k->out, n);
	if (obol_coap_parse(k->buf, n, &pm) != OBOL_OK)
		return OBOL_ERR_OSCORE_DECRYPT; /* cannot happen: unprotect checked it */
	/* proof of possession: a pending slot becomes active, and replaces
	 * every other slot of the same client (RFC 9203 3, 6) */
	if (s->state == ST_PENDING) {
		s->state = ST_ACTIVE;
		for (j = 0; j < OBOL_RS_SLOTS; j++)
			if (j != i && rs->slot[j].state != ST_FREE &&
			    same_id(&rs->slot[j], s->osc_id, s->osc_id_len))
				slot_drop(&rs->slot[j]);
	}
	s->used = ++rs->clock;
	k->slot = i;
	if (uri_path_is(&pm, authz_path(rs->cfg)))
		return authz_update_parse(k, &pm);
	return protected_resource(k, i, oreq, &pm);
}

/* ---- API ---------------------------------------------------------------------- */

static int config_ok(const struct obol_rs_config *cfg)
{
	const char *az;
	size_t i;

	if (cfg == NULL || cfg->audience == NULL || cfg->keys == NULL ||
	    cfg->nkeys == 0 || cfg->leeway < 0 ||
	    (cfg->resources == NULL && cfg->nresources != 0) ||
	    (cfg->exi_cti_prefix == NULL && cfg->exi_cti_prefix_len != 0) ||
	    cfg->exi_cti_prefix_len > 64)
		return 0;
	az = authz_path(cfg);
	if (az[0] != '/' || strlen(az) >= OBOL_RS_MAX_PATH)
		return 0;
	for (i = 0; i < cfg->nresources; i++) {
		const struct obol_rs_resource *r = &cfg->resources[i];

		if (r->path == NULL || r->handler == NULL || r->path[0] != '/' ||
		    strlen(r->path) >= OBOL_RS_MAX_PATH || strcmp(r->path, az) == 0)
			return 0;
	}
	return 1;
}

int obol_rs_init(struct obol_rs *rs, const struct obol_rs_config *cfg)
{
	uint8_t r[3];
	int err;

	if (rs == NULL)
		return OBOL_ERR_ARG;
	if (!config_ok(cfg))
		return OBOL_ERR_RS_CONFIG;
	obol_wipe(rs, sizeof *rs);
	err = obol_port_random(r, sizeof r);
	if (err != OBOL_OK)
		return err;
	rs->cfg = cfg;
	rs->mid = (uint16_t)(r[0] << 8 | r[1]);
	rs->next_rid = r[2];
	return OBOL_OK;
}

int obol_rs_resume(struct obol_rs *rs, const struct obol_rs_config *cfg)
{
	unsigned i;

	if (rs == NULL)
		return OBOL_ERR_ARG;
	if (!config_ok(cfg))
		return OBOL_ERR_RS_CONFIG;
	rs->cfg = cfg;
	memset(&rs->claims, 0, sizeof rs->claims);
	for (i = 0; i < OBOL_RS_SLOTS; i++) {
		struct obol_rs_slot *s = &rs->slot[i];
		uint64_t bound = 0;

		if (s->state == ST_FREE)
			continue;
		if ((s->has_exi && !cfg->mono_persisted) || cfg->ssn_load == NULL ||
		    cfg->ssn_load(cfg->ssn_arg, i, &bound) != OBOL_OK) {
			slot_drop(s);
			continue;
		}
		obol_oscore_set_persist(&s->ctx, NULL, NULL);
		obol_oscore_restore(&s->ctx, bound);
	}
	return OBOL_OK;
}

void obol_rs_clear(struct obol_rs *rs)
{
	unsigned i;

	for (i = 0; i < OBOL_RS_SLOTS; i++)
		slot_drop(&rs->slot[i]);
}

unsigned obol_rs_slots_used(const struct obol_rs *rs)
{
	unsigned i, n = 0;

	for (i = 0; i < OBOL_RS_SLOTS; i++)
		n += rs->slot[i].state != ST_FREE;
	return n;
}

int obol_rs_handle(struct obol_rs *rs, const struct obol_rs_time *now,
		   uint8_t *req, size_t len, size_t cap, uint8_t *resp,
		   size_t resp_cap, size_t *resp_len)
{
	struct obol_coap_msg m;
	struct call k;
	const uint8_t *v;
	size_t vn;
	int err;

	if (resp_len != NULL)
		*resp_len = 0;
	if (rs == NULL || rs->cfg == NULL || now == NULL || req == NULL ||
	    cap < len || resp == NULL || resp_len == NULL)
		return OBOL_ERR_ARG;
	err = obol_coap_parse(req, len, &m);
	if (err != OBOL_OK)
		return err;
	k.rs = rs;
	k.now = now;
	k.buf = req;
	k.len = len;
	k.cap = cap;
	k.out = resp;
	k.out_cap = resp_cap;
	k.out_len = resp_len;
	k.tkl = m.token_len;
	memcpy(k.token, m.token, sizeof k.token);
	if (m.code == OBOL_COAP_EMPTY) {
		if (m.type != OBOL_COAP_CON)
			return OBOL_ERR_RS_IGNORE;
		/* CoAP ping (RFC 7252 4.3): Reset, same Message ID */
		k.type = OBOL_COAP_RST;
		k.mid = m.mid;
		k.tkl = 0;
		return reply(&k, OBOL_COAP_EMPTY, -1, NULL, 0);
	}
	if ((m.type != OBOL_COAP_CON && m.type != OBOL_COAP_NON) ||
	    (m.code >> 5) != 0)
		return OBOL_ERR_RS_IGNORE;
	if (m.type == OBOL_COAP_CON) {
		k.type = OBOL_COAP_ACK; /* piggybacked (RFC 7252 5.2.1) */
		k.mid = m.mid;
	} else {
		k.type = OBOL_COAP_NON;
		k.mid = rs->mid++;
	}
	if (obol_coap_opt_find(&m, OBOL_COAP_OPT_OSCORE, &v, &vn) == 1) {
		/* a bad option value: 4.02 there. The update of access
		 * rights validates its token from here, with the frame of
		 * protected_request gone (stack budget). */
		err = protected_request(&k);
		if (err == RS_UPDATE)
			err = authz_update(&k);
	} else if (uri_path_is(&m, authz_path(rs->cfg)))
		err = authz_info(&k, &m);
	else
		err = plain_request(&k, &m);
	if (err != OBOL_OK)
		*resp_len = 0;
	return err;
}
