/*
 * OSCORE (RFC 8613), part 2: protecting and verifying CoAP messages
 * (8.1-8.4), the peek at the OSCORE option, and the unprotected error
 * responses of 8.2. See include/obol/oscore.h for the contract.
 *
 * Protect (8.1, 8.3). The input datagram is parsed with coap.h. The outer
 * message (header, token, Class U options, the OSCORE option, the outer
 * Observe / Max-Age / No-Response of 4.1.3) is measured and then written
 * with the CoAP builder; the plaintext (5.3: Code, Class E options,
 * payload) is written right after the payload marker and encrypted in
 * place. Nothing is written, and no Sender Sequence Number is used,
 * unless the whole output fits.
 *
 * Verify (8.2, 8.4). The ciphertext is decrypted into the output buffer
 * at offset X = H + U - 1 (H: header and token, U: the Class U options
 * kept, measured as a run of their own). The plaintext is then checked
 * by obol_coap_parse() through a 4-byte fake header written just before
 * its options ([0x40, Code, 0, 0] at X - 3: the Code byte becomes the
 * header's). Finally the plain message is written from offset H
 * forward, merging the outer Class U options with the inner options by
 * number. That merge runs in place and is safe: an option written never
 * ends past the start of an inner option not read yet, because (a) the
 * outer options written so far take at most U bytes, and (b) an inner
 * option's delta in the merged run is never larger than in the
 * plaintext (its predecessor can only be closer), so its header is never
 * longer. Values are moved with memmove. The output is never longer
 * than the input: cap >= in_len always suffices.
 *
 * Class of each option (4.1, Figure 5, and 4.1.3): Uri-Host, Uri-Port,
 * Proxy-Scheme are outer only (Proxy-Uri must be decomposed first,
 * 4.1.3.3: refused); Observe is inner and outer (a response's inner
 * Observe is empty, 4.1.3.5.2); Max-Age is inner, and a message with
 * one also gets an outer Max-Age of 0 (4.1.3.1); No-Response is inner,
 * and outer too only for the value 26 (4.1.3.6); Block1/2 and Size1/2 of
 * the original message are inner (4.1.3.4.1: outer Block options are
 * what proxies add); everything else, Echo and unknown options included,
 * is inner (Class E). On receipt every outer option but Uri-Host,
 * Uri-Port, Proxy-Uri and Proxy-Scheme is discarded (8.2/8.4 step 1),
 * and a plaintext holding one of those four (or an OSCORE option,
 * 4.1.3.7) is malformed: OBOL_ERR_OSCORE_DECRYPT, as 8.2 treats an
 * inner message that does not decode.
 *
 * No allocation, no recursion, no globals (const tables only).
 */
#include <string.h>

#include "obol/coap.h"
#include "obol/oscore.h"
#include "oscore_int.h"

/* CCM with L = 2 takes at most 65535 bytes of plaintext. */
#define CCM_MAX_PT 65535u

/* No-Response value "suppress all" (RFC 7967 2.1), allowed outer too. */
#define NO_RESPONSE_ALL 26u

static int is_request(uint8_t code)
{
	return code != OBOL_COAP_EMPTY && (code >> 5) == 0;
}

static int is_response(uint8_t code)
{
	return (code >> 5) >= 2 && (code >> 5) <= 5;
}

/* Class U only: kept outer, never in the plaintext. */
static int outer_only(uint16_t num)
{
	return obol_coap_oscore_class(num) == OBOL_COAP_CLASS_U;
}

/* ---- option runs ---------------------------------------------------------- */

/* Extra bytes the option header needs for a delta or length v. */
static size_t ext_len(size_t v)
{
	return v >= 269 ? 2 : v >= 13 ? 1 : 0;
}

/*
 * Write one option (RFC 7252 3.1) at p with the given delta, or only
 * measure (p NULL). The header goes first, then the value is moved with
 * memmove: the value may lie inside out at or after p + header (the
 * in-place merge of unprotect).
 */
static size_t opt_put(uint8_t *p, size_t delta, const uint8_t *val, size_t len)
{
	uint8_t h[5];
	size_t n = obol_coap_opt_header(h, (uint32_t)delta, (uint32_t)len);

	if (p != NULL) {
		memcpy(p, h, n);
		if (len)
			memmove(p + n, val, len);
	}
	return n + len;
}

/* The OSCORE option of a message: 1 and its value, 0 if absent,
 * OBOL_ERR_OSCORE_OPTION if repeated (it is not repeatable, 2). */
static int find_oscore(const struct obol_coap_msg *m, const uint8_t **val,
		       size_t *len)
{
	struct obol_coap_opt_iter it;
	const uint8_t *v;
	uint16_t num;
	size_t n;
	int found = 0;

	obol_coap_opt_begin(m, &it);
	while (obol_coap_opt_next(&it, &num, &v, &n) > 0 && num <= OBOL_COAP_OPT_OSCORE) {
		if (num != OBOL_COAP_OPT_OSCORE)
			continue;
		if (found)
			return OBOL_ERR_OSCORE_OPTION;
		found = 1;
		*val = v;
		*len = n;
	}
	return found;
}

/* ---- protect (RFC 8613 8.1, 8.3) ------------------------------------------ */

size_t obol_oscore_plaintext(const struct obol_coap_msg *m, int response,
			     uint8_t *out)
{
	struct obol_coap_opt_iter it;
	const uint8_t *v;
	uint16_t num, prev = 0;
	size_t n, pos = 1;

	/* 5.3, Figure 9: Code, Class E options, 0xff and payload. */
	if (out != NULL)
		out[0] = m->code;
	obol_coap_opt_begin(m, &it);
	while (obol_coap_opt_next(&it, &num, &v, &n) > 0) {
		if (outer_only(num))
			continue;
		/* 4.1.3.5.2: the inner Observe of a notification is empty. */
		if (response && num == OBOL_COAP_OPT_OBSERVE)
			n = 0;
		pos += opt_put(out != NULL ? out + pos : NULL, (size_t)(num - prev), v, n);
		prev = num;
	}
	if (m->payload != NULL) {
		if (out != NULL) {
			out[pos] = 0xff;
			memcpy(out + pos + 1, m->payload, m->payload_len);
		}
		pos += 1 + m->payload_len;
	}
	return pos;
}

/* The outer options (4.1.2, 4.1.3) with the OSCORE option in its place. */
static void outer_options(struct obol_coap_builder *b, const struct obol_coap_msg *m,
			  const uint8_t *oscore, size_t oscore_len)
{
	struct obol_coap_opt_iter it;
	const uint8_t *v;
	uint16_t num;
	size_t n;
	int done = 0;

	obol_coap_opt_begin(m, &it);
	while (obol_coap_opt_next(&it, &num, &v, &n) > 0) {
		if (!done && num > OBOL_COAP_OPT_OSCORE) {
			obol_coap_add_option(b, OBOL_COAP_OPT_OSCORE, oscore, oscore_len);
			done = 1;
		}
		switch (num) {
		case OBOL_COAP_OPT_URI_HOST:
		case OBOL_COAP_OPT_URI_PORT:
		case OBOL_COAP_OPT_PROXY_SCHEME:
		case OBOL_COAP_OPT_OBSERVE: /* 4.1.3.5: the original value */
			obol_coap_add_option(b, num, v, n);
			break;
		case OBOL_COAP_OPT_MAX_AGE: /* 4.1.3.1: outer 0, no caching */
			obol_coap_add_option(b, num, NULL, 0);
			break;
		case OBOL_COAP_OPT_NO_RESPONSE: { /* 4.1.3.6 */
			uint32_t x;
			if (obol_coap_opt_uint(v, n, &x) == OBOL_OK && x == NO_RESPONSE_ALL)
				obol_coap_add_option(b, num, v, n);
			break;
		}
		default:
			break;
		}
	}
	if (!done)
		obol_coap_add_option(b, OBOL_COAP_OPT_OSCORE, oscore, oscore_len);
}

/*
 * B.1.1: before an SSN at or past the persisted bound is used, persist a
 * new bound (fail closed). 7.2.1: no SSN past 2^40 - 1.
 */
static int ssn_reserve(struct obol_oscore_ctx *c)
{
	if (c->ssn > OBOL_OSCORE_SSN_MAX)
		return OBOL_ERR_OSCORE_SSN_EXHAUSTED;
	if (c->persist != NULL && c->ssn >= c->ssn_bound) {
		uint64_t bound = c->ssn + OBOL_OSCORE_SSN_STEP;
		if (c->persist(c->persist_arg, bound) != OBOL_OK)
			return OBOL_ERR_OSCORE_PERSIST;
		c->ssn_bound = bound;
	}
	return OBOL_OK;
}

/* Parse an original message and check what OSCORE cannot carry. */
static int parse_plain(const uint8_t *in, size_t in_len, struct obol_coap_msg *m,
		       int *observe)
{
	struct obol_coap_opt_iter it;
	const uint8_t *v;
	uint16_t num;
	size_t n;
	int err = obol_coap_parse(in, in_len, m);

	if (err)
		return err;
	*observe = 0;
	obol_coap_opt_begin(m, &it);
	while (obol_coap_opt_next(&it, &num, &v, &n) > 0) {
		/* 4.1.3.7: no nested OSCORE. 4.1.3.3: Proxy-Uri must be
		 * split first, or Uri-Path/Uri-Query would go unprotected. */
		if (num == OBOL_COAP_OPT_OSCORE || num == OBOL_COAP_OPT_PROXY_URI)
			return OBOL_ERR_ARG;
		if (num == OBOL_COAP_OPT_OBSERVE)
			*observe = 1;
	}
	return OBOL_OK;
}

/* A request binding that a context can use: kid and Partial IV sane. */
static int req_ok(const struct obol_oscore_req *req)
{
	return req != NULL && req->kid_len <= OBOL_OSCORE_MAX_ID && req->piv_len >= 1 &&
	       req->piv_len <= OBOL_OSCORE_PIV_MAX;
}

static int id_equal(const uint8_t *a, size_t a_len, const uint8_t *b, size_t b_len)
{
	return a_len == b_len && (a_len == 0 || memcmp(a, b, a_len) == 0);
}

/*
 * Protect a request (req NULL; *req_out receives its binding) or a
 * response to req (8.1, 8.3). The binding `bind` (the request's kid and
 * Partial IV) goes into the AAD either way (5.4).
 */
static int protect(struct obol_oscore_ctx *c, const struct obol_oscore_req *req,
		   unsigned flags, const uint8_t *in, size_t in_len, uint8_t *out,
		   size_t cap, size_t *out_len, struct obol_oscore_req *req_out)
{
	struct obol_coap_msg m;
	struct obol_coap_builder b;
	struct obol_oscore_option opt;
	struct obol_oscore_req bind;
	struct obol_iov aad;
	uint8_t buf[OBOL_OSCORE_AAD_MAX]; /* the option value, then the AAD */
	uint8_t nonce[13], code, piv[OBOL_OSCORE_PIV_MAX];
	size_t olen, outer, pt_len, total, piv_len = 0, n = 0;
	int err, observe, use_piv;

	if (c == NULL || in == NULL || out_len == NULL)
		return OBOL_ERR_ARG;
	*out_len = 0;
	err = parse_plain(in, in_len, &m, &observe);
	if (err)
		return err;
	memset(&opt, 0, sizeof opt);
	if (req != NULL) {
		if (!is_response(m.code) || (observe && !req->observe))
			return OBOL_ERR_ARG; /* 4.1.3.5.2: no notification unasked */
		bind = *req;
		/* 4.2, 4.1.3.5: 2.04, or 2.05 for a notification. 8.3 step
		 * 3: a new Partial IV on request, in every notification
		 * (4.1.3.5.2), and while the window is untrusted (B.1.2: a
		 * replayed request must not make us reuse its nonce). */
		code = observe ? OBOL_COAP_CONTENT : OBOL_COAP_CHANGED;
		use_piv = (flags & OBOL_OSCORE_RESP_PIV) || observe || !c->replay_init;
	} else {
		if (!is_request(m.code))
			return OBOL_ERR_ARG;
		/* 4.2: POST; 4.1.3.5: "for messages with the Observe option,
		 * the Outer Code MUST be set to 0.05 (FETCH) for requests",
		 * whatever the method (Observe is defined for GET and FETCH;
		 * POST with Observe is not defined, so no request with an
		 * Observe option goes out as POST). */
		code = observe ? OBOL_COAP_FETCH : OBOL_COAP_POST;
		use_piv = 1;
		/* 5: kid = Sender ID in every request; kid context when
		 * the context has an ID Context (5.1). */
		opt.kid = c->sender_id;
		opt.kid_len = c->sender_id_len;
		if (c->has_id_context) {
			opt.kid_context = c->id_context;
			opt.kid_context_len = c->id_context_len;
		}
	}
	if (use_piv) {
		if (c->ssn > OBOL_OSCORE_SSN_MAX)
			return OBOL_ERR_OSCORE_SSN_EXHAUSTED;
		piv_len = obol_oscore_piv_encode(c->ssn, piv);
		opt.piv = piv;
		opt.piv_len = piv_len;
	}
	if (req == NULL) {
		memset(&bind, 0, sizeof bind);
		memcpy(bind.kid, c->sender_id, c->sender_id_len);
		bind.kid_len = c->sender_id_len;
		memcpy(bind.piv, piv, piv_len);
		bind.piv_len = (uint8_t)piv_len;
		bind.observe = (uint8_t)observe;
	}
	err = obol_oscore_option_encode(&opt, buf, sizeof buf, &olen);
	if (err)
		return err;
	pt_len = obol_oscore_plaintext(&m, req != NULL, NULL);
	if (pt_len > CCM_MAX_PT)
		return OBOL_ERR_ARG;
	/* Measure, then write only if everything fits. */
	obol_coap_build_init(&b, NULL, 0, m.type, code, m.mid, m.token, m.token_len);
	outer_options(&b, &m, buf, olen);
	err = obol_coap_build_finish(&b, &outer);
	if (err)
		return err;
	total = outer + 1 + pt_len + c->tag_len;
	if (out == NULL || cap < total) {
		*out_len = total;
		return OBOL_ERR_NO_SPACE;
	}
	if (use_piv) {
		err = ssn_reserve(c);
		if (err)
			return err;
		/* 8.1 step 3: the SSN is used up before anything is sent. */
		c->ssn++;
	}
	obol_coap_build_init(&b, out, outer, m.type, code, m.mid, m.token, m.token_len);
	outer_options(&b, &m, buf, olen);
	out[outer] = 0xff; /* 6.2: the payload is the ciphertext */
	(void)obol_oscore_plaintext(&m, req != NULL, out + outer + 1);
	/* 5.2: the new Partial IV with our Sender ID, or the request's nonce. */
	if (use_piv)
		obol_oscore_nonce(c->common_iv, c->sender_id, c->sender_id_len, piv, piv_len,
				  nonce);
	else
		obol_oscore_nonce(c->common_iv, bind.kid, bind.kid_len, bind.piv, bind.piv_len,
				  nonce);
	err = obol_oscore_aad(c->alg, bind.kid, bind.kid_len, bind.piv, bind.piv_len, buf, &n);
	aad.p = buf;
	aad.len = n;
	if (!err)
		err = obol_port_aes_ccm_encrypt(c->sender_key, nonce, c->tag_len, &aad, 1,
						out + outer + 1, pt_len, out + outer + 1);
	if (err) {
		obol_wipe(out, total);
		return err;
	}
	*out_len = total;
	if (req_out != NULL)
		*req_out = bind; /* 8: kept for the response */
	return OBOL_OK;
}

int obol_oscore_protect_request(struct obol_oscore_ctx *c, const uint8_t *in,
				size_t in_len, uint8_t *out, size_t cap,
				size_t *out_len, struct obol_oscore_req *req)
{
	return protect(c, NULL, 0, in, in_len, out, cap, out_len, req);
}

int obol_oscore_protect_response(struct obol_oscore_ctx *c,
				 const struct obol_oscore_req *req,
				 unsigned flags, const uint8_t *in,
				 size_t in_len, uint8_t *out, size_t cap,
				 size_t *out_len)
{
	if (out_len != NULL)
		*out_len = 0;
	if (!req_ok(req) || (flags & ~OBOL_OSCORE_RESP_PIV) != 0)
		return OBOL_ERR_ARG;
	/* The request was protected with our Recipient Context. */
	if (c != NULL && !id_equal(req->kid, req->kid_len, c->recipient_id, c->recipient_id_len))
		return OBOL_ERR_OSCORE_MISMATCH;
	return protect(c, req, flags, in, in_len, out, cap, out_len, NULL);
}

/* ---- verify (RFC 8613 8.2, 8.4) ------------------------------------------- */

/* The received message and its decoded OSCORE option. */
static int open_parse(const uint8_t *in, size_t in_len, struct obol_coap_msg *m,
		      struct obol_oscore_option *o)
{
	const uint8_t *v = NULL;
	size_t n = 0;
	int err = obol_coap_parse(in, in_len, m);

	if (err)
		return err;
	err = find_oscore(m, &v, &n);
	if (err < 0)
		return err;
	if (err == 0)
		return OBOL_ERR_OSCORE_NOT_OSCORE;
	return obol_oscore_option_decode(v, n, o);
}

/* Size of the outer options kept in the plain message, as a run of
 * their own (an upper bound of their size once merged). */
static size_t outer_kept_len(const struct obol_coap_msg *m)
{
	struct obol_coap_opt_iter it;
	const uint8_t *v;
	uint16_t num, prev = 0;
	size_t n, sum = 0;

	obol_coap_opt_begin(m, &it);
	while (obol_coap_opt_next(&it, &num, &v, &n) > 0) {
		if (!outer_only(num) || num == OBOL_COAP_OPT_OSCORE)
			continue;
		sum += 1 + ext_len((size_t)(num - prev)) + ext_len(n) + n;
		prev = num;
	}
	return sum;
}

/*
 * Decrypt m's payload into out at X (see the top of the file) and check
 * the plaintext as a CoAP message, *inner its view; *used receives the
 * end of what was written in out (to wipe it if a later check fails).
 * On error nothing is left in out.
 */
static int open_decrypt(const struct obol_oscore_ctx *c, const struct obol_coap_msg *m,
			const uint8_t nonce[13], const struct obol_iov *aad, int response,
			uint8_t *out, size_t cap, struct obol_coap_msg *inner, size_t *used)
{
	struct obol_coap_opt_iter it;
	const uint8_t *v;
	size_t pt_len, x, n;
	uint16_t num;
	uint8_t code;
	int err;

	/* 2 and 8.2 step 2: no payload, or one too short for Code and
	 * tag, cannot be a COSE object. */
	if (m->payload == NULL || m->payload_len < (size_t)c->tag_len + 1)
		return OBOL_ERR_OSCORE_OPTION;
	pt_len = m->payload_len - c->tag_len;
	x = 4u + m->token_len + outer_kept_len(m) - 1; /* >= 3 */
	if (out == NULL || cap < x || cap - x < pt_len)
		return OBOL_ERR_NO_SPACE;
	err = obol_port_aes_ccm_decrypt(c->recipient_key, nonce, c->tag_len, aad, 1,
					m->payload, m->payload_len, out + x);
	if (err)
		return err == OBOL_ERR_CRYPTO_AUTH ? OBOL_ERR_OSCORE_DECRYPT : err;
	/* The fake header: version 1, CON, no token, Code, MID 0. */
	code = out[x];
	out[x - 3] = 0x40;
	out[x - 2] = code;
	out[x - 1] = 0;
	out[x] = 0;
	err = obol_coap_parse(out + x - 3, pt_len + 3, inner);
	if (!err && !(response ? is_response(code) : is_request(code)))
		err = OBOL_ERR_OSCORE_DECRYPT;
	if (!err) {
		/* No OSCORE option inside (4.1.3.7), nor outer-only ones
		 * that would duplicate the outer ones. */
		obol_coap_opt_begin(inner, &it);
		while (obol_coap_opt_next(&it, &num, &v, &n) > 0)
			if (outer_only(num))
				err = OBOL_ERR_OSCORE_DECRYPT;
	}
	if (err) {
		/* 8.2: a malformed inner message is a decryption failure. */
		obol_wipe(out, x + pt_len);
		return OBOL_ERR_OSCORE_DECRYPT;
	}
	*used = x + pt_len;
	return OBOL_OK;
}

/* The next option of it that the plain message keeps from the outer
 * ones (8.2/8.4 step 1): 1 and the option, or 0 at the end. */
static int next_kept(struct obol_coap_opt_iter *it, uint16_t *num, const uint8_t **v,
		     size_t *n)
{
	int r;

	while ((r = obol_coap_opt_next(it, num, v, n)) > 0)
		if (outer_only(*num) && *num != OBOL_COAP_OPT_OSCORE)
			break;
	return r > 0;
}

/* Write the plain message (see the top of the file); returns its size. */
static size_t open_rebuild(const struct obol_coap_msg *m,
			   const struct obol_coap_msg *inner, uint8_t *out)
{
	struct obol_coap_opt_iter oi, ii;
	const uint8_t *ov = NULL, *iv = NULL;
	size_t on = 0, in = 0, w = 4u + m->token_len;
	uint16_t onum = 0, inum = 0, prev = 0;
	int ohas, ihas;

	obol_coap_opt_begin(m, &oi);
	obol_coap_opt_begin(inner, &ii);
	ohas = next_kept(&oi, &onum, &ov, &on);
	ihas = obol_coap_opt_next(&ii, &inum, &iv, &in) > 0;
	/* Merge by number; outer first among equals (stable). */
	while (ohas || ihas) {
		if (ohas && (!ihas || onum <= inum)) {
			w += opt_put(out + w, (size_t)(onum - prev), ov, on);
			prev = onum;
			ohas = next_kept(&oi, &onum, &ov, &on);
		} else {
			w += opt_put(out + w, (size_t)(inum - prev), iv, in);
			prev = inum;
			ihas = obol_coap_opt_next(&ii, &inum, &iv, &in) > 0;
		}
	}
	if (inner->payload != NULL) {
		out[w++] = 0xff;
		memmove(out + w, inner->payload, inner->payload_len);
		w += inner->payload_len;
	}
	/* 4.2: the outer header and token, the inner Code. */
	out[0] = (uint8_t)(0x40u | (unsigned)m->type << 4 | m->token_len);
	out[1] = inner->code;
	out[2] = (uint8_t)(m->mid >> 8);
	out[3] = (uint8_t)m->mid;
	if (m->token_len)
		memcpy(out + 4, m->token, m->token_len);
	return w;
}

/*
 * Verify a request (req NULL; *req_out receives its binding) or a
 * response to req (8.2, 8.4).
 */
static int unprotect(struct obol_oscore_ctx *c, const struct obol_oscore_req *req,
		     const uint8_t *in, size_t in_len, uint8_t *out, size_t cap,
		     size_t *out_len, struct obol_oscore_req *req_out)
{
	struct obol_coap_msg m, inner;
	struct obol_oscore_option o;
	struct obol_oscore_req bind;
	struct obol_iov aad;
	uint8_t nonce[13], abuf[OBOL_OSCORE_AAD_MAX];
	const uint8_t *v;
	uint64_t piv = 0;
	size_t used, n;
	int err, response = req != NULL;
	/* Not this context: a server has no other, a client was answered
	 * outside of the binding. */
	int other = response ? OBOL_ERR_OSCORE_MISMATCH : OBOL_ERR_OSCORE_NO_CONTEXT;

	if (c == NULL || in == NULL || out_len == NULL)
		return OBOL_ERR_ARG;
	*out_len = 0;
	if (req_out != NULL)
		memset(req_out, 0, sizeof *req_out);
	err = open_parse(in, in_len, &m, &o);
	if (err)
		return err;
	/* 8.2/8.4 step 1: the outer Code is discarded, but it tells a
	 * request from a response. */
	if (!(response ? is_response(m.code) : is_request(m.code)))
		return OBOL_ERR_ARG;
	/* 5: a request carries kid and Partial IV; 8.2 step 2: the context
	 * by kid and kid context (if the message has one, the context must
	 * have it). A response's kid or kid context, if any, name us too. */
	if (!response && o.kid == NULL)
		return OBOL_ERR_OSCORE_OPTION;
	if ((o.kid != NULL && !id_equal(o.kid, o.kid_len, c->recipient_id, c->recipient_id_len)) ||
	    (o.kid_context != NULL &&
	     (!c->has_id_context ||
	      !id_equal(o.kid_context, o.kid_context_len, c->id_context, c->id_context_len))))
		return other;
	if (!response && o.piv == NULL)
		return OBOL_ERR_OSCORE_OPTION;
	if (o.piv != NULL) {
		err = obol_oscore_piv_decode(o.piv, o.piv_len, &piv);
		if (err)
			return err;
	}
	if (response) {
		bind = *req;
	} else {
		memset(&bind, 0, sizeof bind);
		memcpy(bind.kid, o.kid, o.kid_len);
		bind.kid_len = (uint8_t)o.kid_len;
		memcpy(bind.piv, o.piv, o.piv_len);
		bind.piv_len = (uint8_t)o.piv_len;
		/* 8.2 step 3, 7.4 (an untrusted window: Echo, below). */
		if (c->replay_init && obol_oscore_window_check(c, piv) != OBOL_OK)
			return OBOL_ERR_OSCORE_REPLAY;
	}
	/* 8.2 steps 4-6, 8.4 steps 3-5: the AAD names the request; the
	 * nonce from the message's Partial IV and the Recipient ID, or the
	 * request's nonce. */
	if (o.piv != NULL)
		obol_oscore_nonce(c->common_iv, c->recipient_id, c->recipient_id_len, o.piv,
				  o.piv_len, nonce);
	else
		obol_oscore_nonce(c->common_iv, bind.kid, bind.kid_len, bind.piv, bind.piv_len,
				  nonce);
	err = obol_oscore_aad(c->alg, bind.kid, bind.kid_len, bind.piv, bind.piv_len, abuf,
			      &aad.len);
	if (err)
		return err;
	aad.p = abuf;
	err = open_decrypt(c, &m, nonce, &aad, response, out, cap, &inner, &used);
	if (err)
		return err;
	bind.observe = (uint8_t)(obol_coap_opt_find(&inner, OBOL_COAP_OPT_OBSERVE, &v, &n) == 1);
	if (response) {
		/* 4.1.3.5.2: an inner Observe answers only an Observe request. */
		err = bind.observe && !req->observe ? OBOL_ERR_OSCORE_MISMATCH : OBOL_OK;
	} else {
		if (req_out != NULL)
			*req_out = bind;
		/* B.1.2, RFC 9175 2.3: with the window untrusted, a request
		 * is fresh only with the Echo value we sent. */
		if (!c->replay_init &&
		    (!c->echo_pending ||
		     obol_coap_opt_find(&inner, OBOL_COAP_OPT_ECHO, &v, &n) != 1 ||
		     n != OBOL_OSCORE_ECHO_LEN || !obol_ct_equal(v, c->echo, n)))
			err = OBOL_ERR_OSCORE_FRESHNESS;
	}
	if (err) {
		obol_wipe(out, used);
		return err;
	}
	/* 8.2 step 7, 8.4 step 6: the plain message. */
	*out_len = open_rebuild(&m, &inner, out);
	if (!response) {
		/* 8.2 step 6: the window records the Partial IV once all
		 * checks passed; B.1.2: after a reboot, the Echo request's
		 * Partial IV becomes the window's lower limit. */
		if (!c->replay_init) {
			c->replay_init = 1;
			c->echo_pending = 0;
			obol_wipe(c->echo, sizeof c->echo);
			c->replay_high = piv;
			c->replay_bits = 0xffffffffu;
		} else {
			obol_oscore_window_record(c, piv);
		}
	}
	return OBOL_OK;
}

int obol_oscore_unprotect_request(struct obol_oscore_ctx *c, const uint8_t *in,
				  size_t in_len, uint8_t *out, size_t cap,
				  size_t *out_len, struct obol_oscore_req *req)
{
	return unprotect(c, NULL, in, in_len, out, cap, out_len, req);
}

int obol_oscore_unprotect_response(struct obol_oscore_ctx *c,
				   const struct obol_oscore_req *req,
				   const uint8_t *in, size_t in_len,
				   uint8_t *out, size_t cap, size_t *out_len)
{
	if (out_len != NULL)
		*out_len = 0;
	if (!req_ok(req))
		return OBOL_ERR_ARG;
	/* 7.1: the response is bound to a request of this context. */
	if (c != NULL && !id_equal(req->kid, req->kid_len, c->sender_id, c->sender_id_len))
		return OBOL_ERR_OSCORE_MISMATCH;
	return unprotect(c, req, in, in_len, out, cap, out_len, NULL);
}

/* ---- peek and error responses ---------------------------------------------- */

int obol_oscore_peek(const uint8_t *msg, size_t len, struct obol_oscore_option *o)
{
	struct obol_coap_msg m;
	const uint8_t *v = NULL;
	size_t n = 0;
	int err;

	if (msg == NULL || o == NULL)
		return OBOL_ERR_ARG;
	err = obol_coap_parse(msg, len, &m);
	if (err)
		return err;
	err = find_oscore(&m, &v, &n);
	if (err <= 0)
		return err;
	err = obol_oscore_option_decode(v, n, o);
	return err ? err : 1;
}

/* 8.2, 7.4: the codes and diagnostic payloads suggested there. */
static const struct {
	int16_t err;
	uint8_t code;
	const char *diag;
} error_table[] = {
	{OBOL_ERR_OSCORE_OPTION, OBOL_COAP_BAD_OPTION, "Failed to decode COSE"},
	{OBOL_ERR_OSCORE_NO_CONTEXT, OBOL_COAP_UNAUTHORIZED, "Security context not found"},
	{OBOL_ERR_OSCORE_REPLAY, OBOL_COAP_UNAUTHORIZED, "Replay detected"},
	{OBOL_ERR_OSCORE_DECRYPT, OBOL_COAP_BAD_REQUEST, "Decryption failed"},
	{OBOL_ERR_OSCORE_NOT_OSCORE, OBOL_COAP_UNAUTHORIZED, ""},
};

int obol_oscore_error_response(int err, const uint8_t *request, size_t len,
			       uint16_t mid, uint8_t *out, size_t cap,
			       size_t *out_len)
{
	struct obol_coap_builder b;
	struct obol_coap_msg m;
	size_t i;
	int e;

	for (i = 0; i < sizeof error_table / sizeof error_table[0]; i++)
		if (error_table[i].err == err)
			break;
	if (i == sizeof error_table / sizeof error_table[0] || request == NULL ||
	    out_len == NULL)
		return OBOL_ERR_ARG;
	e = obol_coap_parse(request, len, &m);
	if (e)
		return e;
	if (!is_request(m.code))
		return OBOL_ERR_ARG;
	/* Piggybacked on the ACK of a CON (RFC 7252 5.2.1), else NON. */
	obol_coap_build_init(&b, out, out != NULL ? cap : 0,
			     m.type == OBOL_COAP_CON ? OBOL_COAP_ACK : OBOL_COAP_NON,
			     error_table[i].code, m.type == OBOL_COAP_CON ? m.mid : mid, m.token,
			     m.token_len);
	/* 4.1.3.1: outer Max-Age 0, proxies must not cache the error. */
	obol_coap_add_uint_option(&b, OBOL_COAP_OPT_MAX_AGE, 0);
	obol_coap_set_payload(&b, (const uint8_t *)error_table[i].diag,
			      strlen(error_table[i].diag));
	e = obol_coap_build_finish(&b, out_len);
	if (e == OBOL_OK && out == NULL)
		e = OBOL_ERR_NO_SPACE;
	return e;
}
