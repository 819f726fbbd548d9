/*
 * OSCORE (RFC 8613), part 1: the security context and the pieces the
 * message operations are made of. See include/obol/oscore.h for the
 * contract; src/core/oscore_msg.c has protect/unprotect.
 *
 *   - obol_oscore_derive(): Sender Key, Recipient Key and Common IV with
 *     HKDF-SHA-256 over info = [id, id_context / nil, alg, type, L]
 *     (RFC 8613 3.2.1), info encoded with the CBOR encoder into a small
 *     local buffer.
 *   - the OSCORE option value codec (6.1), the AEAD nonce (5.2), the AAD
 *     (5.4), Partial IV encoding (5, 6.1) and the replay window (7.4,
 *     3.2.2: the IPsec/DTLS sliding window of 32).
 *   - persistence of the Sender Sequence Number and the Echo value for
 *     the replay window after a reboot (B.1.1, B.1.2; RFC 9175).
 *
 * No allocation, no recursion, no globals; the largest local is the
 * AAD_ARRAY/AAD pair (20 + 32 bytes) and the HKDF info (41 bytes).
 */
#include <string.h>

#include "obol/cbor.h"
#include "obol/oscore.h"
#include "oscore_int.h"

/*
 * The context fits its advertised budget (C99 has no _Static_assert; a
 * negative array size stops the build). Sizes: 136 bytes on Cortex-M0
 * (AAPCS: uint64_t aligned to 8), 144 on LP64 hosts, default config.
 */
#if OBOL_OSCORE_MAX_ID_CONTEXT <= 16
typedef char obol_oscore_ctx_size_check[sizeof(struct obol_oscore_ctx) <=
						OBOL_OSCORE_CTX_SIZE_MAX ? 1 : -1];
#endif

/* Key and Common IV lengths of AES-CCM-16-*-128 (RFC 9053 4.2). */
#define KEY_LEN 16
#define IV_LEN 13

size_t obol_oscore_tag_len(int alg)
{
	switch (alg) {
	case OBOL_ALG_AES_CCM_16_64_128:
		return 8;
	case OBOL_ALG_AES_CCM_16_128_128:
		return 16;
	default:
		return 0;
	}
}

/* ---- derivation (RFC 8613 3.2) -------------------------------------------- */

int obol_oscore_info(const uint8_t *id, size_t id_len, const uint8_t *id_context,
		     size_t id_context_len, int alg, int iv, uint8_t *out,
		     size_t cap, size_t *len)
{
	obol_cbor_enc e;

	obol_cbor_enc_init(&e, out, cap);
	obol_cbor_put_array(&e, 5);
	obol_cbor_put_bstr(&e, id, id_len);
	if (id_context != NULL)
		obol_cbor_put_bstr(&e, id_context, id_context_len);
	else
		obol_cbor_put_null(&e); /* "nil if ID Context is not provided" */
	obol_cbor_put_int(&e, alg);
	obol_cbor_put_text(&e, iv ? "IV" : "Key");
	obol_cbor_put_uint(&e, iv ? IV_LEN : KEY_LEN);
	return obol_cbor_enc_finish(&e, len);
}

/*
 * One HKDF output: a key (id given) or the Common IV (iv = 1, id empty).
 * The three outputs of a context share salt and IKM, so HKDF-Extract
 * (RFC 5869 2.2) is done once by the caller into prk, and each output is
 * the first block of HKDF-Expand (2.3): T(1) = HMAC(PRK, info | 0x01),
 * enough for 16-byte keys and 13-byte IVs. That saves two HMACs (about
 * 70 k instructions on a Cortex-M0) per context.
 */
static int derive_one(const struct obol_oscore_params *p, int alg,
		      const uint8_t prk[32], const uint8_t *id, size_t id_len,
		      int iv, uint8_t *out)
{
	uint8_t info[OBOL_OSCORE_INFO_MAX + 1], t[32];
	struct obol_iov v;
	size_t n;
	int err;

	err = obol_oscore_info(id, id_len, p->id_context, p->id_context_len,
			       alg, iv, info, sizeof info - 1, &n);
	if (err)
		return err;
	info[n] = 0x01;
	v.p = info;
	v.len = n + 1;
	err = obol_port_hmac_sha256(prk, 32, &v, 1, t);
	if (!err)
		memcpy(out, t, iv ? IV_LEN : KEY_LEN);
	obol_wipe(t, sizeof t);
	return err;
}

/* HKDF-Extract: PRK = HMAC(salt, Master Secret). 3.2.1: an absent
 * Master Salt is the empty string, which HMAC pads to zeros, as for a
 * key of 32 zero bytes (RFC 5869 2.2). */
static int extract(const struct obol_oscore_params *p, uint8_t prk[32])
{
	static const uint8_t zeros[32];
	struct obol_iov v;

	v.p = p->master_secret;
	v.len = p->master_secret_len;
	return obol_port_hmac_sha256(p->master_salt_len ? p->master_salt : zeros,
				     p->master_salt_len ? p->master_salt_len : 32,
				     &v, 1, prk);
}

/* A byte range that may be empty must not be NULL otherwise. */
static int range_ok(const uint8_t *p, size_t len)
{
	return len == 0 || p != NULL;
}

int obol_oscore_derive(struct obol_oscore_ctx *c,
		       const struct obol_oscore_params *p)
{
	uint8_t prk[32];
	int alg, err;

	if (c == NULL || p == NULL)
		return OBOL_ERR_ARG;
	alg = p->aead_alg != 0 ? p->aead_alg : OBOL_ALG_AES_CCM_16_64_128;
	if (obol_oscore_tag_len(alg) == 0)
		return OBOL_ERR_CRYPTO_UNSUPPORTED;
	if (p->hkdf_alg != 0 && p->hkdf_alg != OBOL_ALG_HKDF_SHA_256)
		return OBOL_ERR_CRYPTO_UNSUPPORTED;
	if (p->master_secret == NULL || p->master_secret_len == 0 ||
	    !range_ok(p->master_salt, p->master_salt_len) ||
	    !range_ok(p->sender_id, p->sender_id_len) ||
	    !range_ok(p->recipient_id, p->recipient_id_len))
		return OBOL_ERR_ARG;
	/* 3.3: IDs at most nonce length - 6; context IDs fit the struct. */
	if (p->sender_id_len > OBOL_OSCORE_MAX_ID ||
	    p->recipient_id_len > OBOL_OSCORE_MAX_ID ||
	    (p->id_context != NULL && p->id_context_len > OBOL_OSCORE_MAX_ID_CONTEXT))
		return OBOL_ERR_ARG;
	/* Equal IDs would give both directions the same key and nonces. */
	if (p->sender_id_len == p->recipient_id_len &&
	    (p->sender_id_len == 0 ||
	     memcmp(p->sender_id, p->recipient_id, p->sender_id_len) == 0))
		return OBOL_ERR_ARG;

	memset(c, 0, sizeof *c);
	c->alg = (uint8_t)alg;
	c->tag_len = (uint8_t)obol_oscore_tag_len(alg);
	c->sender_id_len = (uint8_t)p->sender_id_len;
	c->recipient_id_len = (uint8_t)p->recipient_id_len;
	if (p->sender_id_len)
		memcpy(c->sender_id, p->sender_id, p->sender_id_len);
	if (p->recipient_id_len)
		memcpy(c->recipient_id, p->recipient_id, p->recipient_id_len);
	if (p->id_context != NULL) {
		c->has_id_context = 1;
		c->id_context_len = (uint8_t)p->id_context_len;
		if (p->id_context_len)
			memcpy(c->id_context, p->id_context, p->id_context_len);
	}
	err = extract(p, prk);
	if (!err)
		err = derive_one(p, alg, prk, p->sender_id, p->sender_id_len, 0,
				 c->sender_key);
	if (!err)
		err = derive_one(p, alg, prk, p->recipient_id,
				 p->recipient_id_len, 0, c->recipient_key);
	if (!err)
		err = derive_one(p, alg, prk, NULL, 0, 1, c->common_iv);
	obol_wipe(prk, sizeof prk);
	if (err) {
		obol_wipe(c, sizeof *c);
		return err;
	}
	/* 3.2.2: SSN 0; a fresh context has a trusted, empty window. */
	c->replay_init = 1;
	return OBOL_OK;
}

void obol_oscore_set_persist(struct obol_oscore_ctx *c,
			     obol_oscore_persist_fn fn, void *arg)
{
	c->persist = fn;
	c->persist_arg = arg;
}

void obol_oscore_restore(struct obol_oscore_ctx *c, uint64_t bound)
{
	/* B.1.1: continue at the persisted bound, which no SSN used before
	 * the reboot reached; the next protect persists a new one first. */
	c->ssn = bound;
	c->ssn_bound = bound;
	/* B.1.2: the window is lost; Echo before accepting requests. */
	c->replay_init = 0;
	c->replay_high = 0;
	c->replay_bits = 0;
	c->echo_pending = 0;
	obol_wipe(c->echo, sizeof c->echo);
}

void obol_oscore_wipe(struct obol_oscore_ctx *c)
{
	obol_wipe(c, sizeof *c);
}

/* ---- the OSCORE option value (RFC 8613 6.1) ------------------------------- */

#define FLAG_RESERVED 0xe0u
#define FLAG_H 0x10u
#define FLAG_K 0x08u
#define FLAG_N 0x07u

int obol_oscore_option_decode(const uint8_t *val, size_t len,
			      struct obol_oscore_option *o)
{
	size_t n, pos;

	if (o == NULL || (val == NULL && len != 0))
		return OBOL_ERR_ARG;
	memset(o, 0, sizeof *o);
	/* 2: all flags zero is the empty value. */
	if (len == 0)
		return OBOL_OK;
	/* 6.1: reserved bits set, n = 6 or 7: malformed (8.2 step 2); a
	 * first byte of 0x00 should have been the empty value (2). */
	if ((val[0] & FLAG_RESERVED) != 0 || (val[0] & FLAG_N) > OBOL_OSCORE_PIV_MAX ||
	    val[0] == 0)
		return OBOL_ERR_OSCORE_OPTION;
	n = val[0] & FLAG_N;
	pos = 1;
	if (len - pos < n)
		return OBOL_ERR_OSCORE_OPTION;
	if (n > 0) {
		o->piv = val + pos;
		o->piv_len = n;
		pos += n;
	}
	if (val[0] & FLAG_H) {
		size_t s;
		if (pos == len)
			return OBOL_ERR_OSCORE_OPTION;
		s = val[pos++];
		if (len - pos < s)
			return OBOL_ERR_OSCORE_OPTION;
		o->kid_context = val + pos;
		o->kid_context_len = s;
		pos += s;
	}
	/* 6.1: the kid is the rest; without it, nothing may be left. */
	if (val[0] & FLAG_K) {
		o->kid = val + pos;
		o->kid_len = len - pos;
	} else if (pos != len) {
		return OBOL_ERR_OSCORE_OPTION;
	}
	return OBOL_OK;
}

int obol_oscore_option_encode(const struct obol_oscore_option *o, uint8_t *out,
			      size_t cap, size_t *len)
{
	size_t need = 0, pos;
	unsigned flags;

	if (o == NULL || len == NULL || o->piv_len > OBOL_OSCORE_PIV_MAX ||
	    !range_ok(o->piv, o->piv_len) ||
	    (o->kid_context != NULL && o->kid_context_len > 255) ||
	    (o->kid != NULL && o->kid_len > 0xffffu) ||
	    (o->kid == NULL && o->kid_len != 0) ||
	    (o->kid_context == NULL && o->kid_context_len != 0))
		return OBOL_ERR_ARG;
	flags = (unsigned)o->piv_len;
	if (o->kid_context != NULL)
		flags |= FLAG_H;
	if (o->kid != NULL)
		flags |= FLAG_K;
	/* 2: no flag set gives the empty value. */
	if (flags != 0)
		need = 1 + o->piv_len + (o->kid_context != NULL ? 1 + o->kid_context_len : 0) +
		       o->kid_len;
	*len = need;
	if (need > cap || (out == NULL && need != 0))
		return OBOL_ERR_NO_SPACE;
	if (need == 0)
		return OBOL_OK;
	out[0] = (uint8_t)flags;
	pos = 1;
	if (o->piv_len) {
		memcpy(out + pos, o->piv, o->piv_len);
		pos += o->piv_len;
	}
	if (o->kid_context != NULL) {
		out[pos++] = (uint8_t)o->kid_context_len;
		if (o->kid_context_len)
			memcpy(out + pos, o->kid_context, o->kid_context_len);
		pos += o->kid_context_len;
	}
	if (o->kid_len)
		memcpy(out + pos, o->kid, o->kid_len);
	return OBOL_OK;
}

/* ---- nonce, AAD, Partial IV ----------------------------------------------- */

void obol_oscore_nonce(const uint8_t common_iv[13], const uint8_t *id,
		       size_t id_len, const uint8_t *piv, size_t piv_len,
		       uint8_t nonce[13])
{
	size_t i;

	/* 5.2, Figure 8: S | ID_PIV padded to 13 - 6 | PIV padded to 5. */
	memset(nonce, 0, IV_LEN);
	nonce[0] = (uint8_t)id_len;
	if (id_len)
		memcpy(nonce + 1 + (IV_LEN - 6 - id_len), id, id_len);
	if (piv_len)
		memcpy(nonce + IV_LEN - piv_len, piv, piv_len);
	for (i = 0; i < IV_LEN; i++)
		nonce[i] ^= common_iv[i];
}

int obol_oscore_aad(int alg, const uint8_t *kid, size_t kid_len,
		    const uint8_t *piv, size_t piv_len,
		    uint8_t out[OBOL_OSCORE_AAD_MAX], size_t *len)
{
	uint8_t arr[OBOL_OSCORE_AAD_ARRAY_MAX];
	obol_cbor_enc e;
	size_t n;
	int err;

	/* 5.4: aad_array = [oscore_version 1, [alg_aead], request_kid,
	 * request_piv, options (no Class I options: h'')]. */
	obol_cbor_enc_init(&e, arr, sizeof arr);
	obol_cbor_put_array(&e, 5);
	obol_cbor_put_uint(&e, 1);
	obol_cbor_put_array(&e, 1);
	obol_cbor_put_int(&e, alg);
	obol_cbor_put_bstr(&e, kid, kid_len);
	obol_cbor_put_bstr(&e, piv, piv_len);
	obol_cbor_put_bstr(&e, NULL, 0);
	err = obol_cbor_enc_finish(&e, &n);
	if (err)
		return err;
	/* AAD = Enc_structure = ["Encrypt0", h'', external_aad], with
	 * external_aad = bstr .cbor aad_array (RFC 9052 5.3). */
	obol_cbor_enc_init(&e, out, OBOL_OSCORE_AAD_MAX);
	obol_cbor_put_array(&e, 3);
	obol_cbor_put_text(&e, "Encrypt0");
	obol_cbor_put_bstr(&e, NULL, 0);
	obol_cbor_put_bstr(&e, arr, n);
	return obol_cbor_enc_finish(&e, len);
}

size_t obol_oscore_piv_encode(uint64_t ssn, uint8_t piv[OBOL_OSCORE_PIV_MAX])
{
	uint32_t lo = (uint32_t)ssn;
	uint8_t b[OBOL_OSCORE_PIV_MAX];
	size_t i;

	/* 5: big-endian without leading zero bytes; 0 is 0x00. (32-bit
	 * halves: no 64-bit shift helpers on the M0.) */
	b[0] = (uint8_t)(ssn >> 32);
	b[1] = (uint8_t)(lo >> 24);
	b[2] = (uint8_t)(lo >> 16);
	b[3] = (uint8_t)(lo >> 8);
	b[4] = (uint8_t)lo;
	for (i = 0; i < OBOL_OSCORE_PIV_MAX - 1 && b[i] == 0; i++)
		;
	memcpy(piv, b + i, OBOL_OSCORE_PIV_MAX - i);
	return OBOL_OSCORE_PIV_MAX - i;
}

int obol_oscore_piv_decode(const uint8_t *piv, size_t piv_len, uint64_t *v)
{
	uint64_t x = 0;
	size_t i;

	if (piv_len == 0 || piv_len > OBOL_OSCORE_PIV_MAX ||
	    (piv_len > 1 && piv[0] == 0))
		return OBOL_ERR_OSCORE_OPTION;
	for (i = 0; i < piv_len; i++)
		x = x << 8 | piv[i];
	*v = x;
	return OBOL_OK;
}

/* ---- replay window (RFC 8613 7.4, 3.2.2) ---------------------------------- */

/*
 * replay_high is the highest Partial IV received and bit i of replay_bits
 * says whether replay_high - i was. A fresh window is (0, 0): nothing
 * received, every Partial IV acceptable once. Below the window (32 or
 * more under the highest) everything counts as received.
 */
int obol_oscore_window_check(const struct obol_oscore_ctx *c, uint64_t piv)
{
	uint64_t d;

	if (piv > c->replay_high)
		return OBOL_OK;
	d = c->replay_high - piv;
	if (d >= OBOL_OSCORE_REPLAY_WINDOW)
		return OBOL_ERR_OSCORE_REPLAY;
	return (c->replay_bits >> d) & 1u ? OBOL_ERR_OSCORE_REPLAY : OBOL_OK;
}

void obol_oscore_window_record(struct obol_oscore_ctx *c, uint64_t piv)
{
	if (piv > c->replay_high) {
		uint64_t shift = piv - c->replay_high;
		c->replay_bits = shift >= OBOL_OSCORE_REPLAY_WINDOW
					 ? 1u
					 : (uint32_t)(c->replay_bits << shift) | 1u;
		c->replay_high = piv;
	} else {
		c->replay_bits |= (uint32_t)1u << (unsigned)(c->replay_high - piv);
	}
}

/* ---- Echo (RFC 9175; RFC 8613 B.1.2) --------------------------------------- */

int obol_oscore_echo_new(struct obol_oscore_ctx *c,
			 uint8_t echo[OBOL_OSCORE_ECHO_LEN])
{
	int err = obol_port_random(c->echo, sizeof c->echo);

	if (err) {
		obol_wipe(c->echo, sizeof c->echo);
		c->echo_pending = 0;
		return err;
	}
	memcpy(echo, c->echo, sizeof c->echo);
	c->echo_pending = 1;
	return OBOL_OK;
}
