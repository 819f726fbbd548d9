/*
 * COSE messages over caller buffers: COSE_Encrypt0, COSE_Mac0 and
 * COSE_Sign1 (RFC 9052 sections 4, 5, 6) with the algorithms of RFC 9053
 * that obol supports. See include/obol/cose.h for the contract.
 *
 * How the pieces fit:
 *   - read_msg() checks a received message as strict CBOR, then its
 *     tag, shape and header buckets (RFC 9052 2, 3, 3.1), and finds the
 *     message type and alg. Every reader (parse, decrypt0, mac0_verify,
 *     sign1_verify) starts there, so they all apply the same rules.
 *   - key_fits() and make_nonce() check the key against alg and form
 *     the AES-CCM nonce (RFC 9052 3.1, RFC 9053 4.2).
 *   - to_be_processed() describes the Enc_structure / MAC_structure /
 *     Sig_structure (RFC 9052 5.3, 6.3, 4.4) as byte ranges: the CBOR
 *     framing is encoded into a few bytes on the stack, and the protected
 *     bucket, external AAD and payload are pointed at where they are. The
 *     structures are never assembled in one buffer.
 *   - write_msg() lays out a message to send, first measuring it (a NULL
 *     or short output buffer gives its size), then writing it.
 *
 * No allocation, no recursion, no globals (const tables only). The largest
 * locals are the 64-byte signature / ES256 public key buffers.
 */
#include <string.h>

#include "obol/cose.h"

/* Context strings of the structures (RFC 9052 4.4, 5.3, 6.3). */
#define CTX_SIGNATURE1 "Signature1"
#define CTX_ENCRYPT0 "Encrypt0"
#define CTX_MAC0 "MAC0"

/* Longest CBOR head: initial byte plus an 8-byte argument (RFC 8949 3). */
#define HEAD_MAX 9

/* AES-CCM payloads are limited by L = 2 (RFC 9053 4.2: 2^16 bytes). */
#define CCM_MAX_PT 65535u

/*
 * Minimum HMAC key length: 16 bytes. RFC 9053 3.1 asks implementations to
 * check that the key length is "correct and appropriate" without a
 * number; RFC 2104 section 3 discourages keys shorter than the hash
 * output. 16 bytes is the 128-bit level of every other algorithm obol
 * offers (AES-CCM-16-*-128, P-256, Ed25519), and the PSK size the ACE
 * profiles commonly provision; shorter keys give OBOL_ERR_CRYPTO_KEY.
 */
#define HMAC_MIN_KEY 16

#define KNOWN_FLAGS (OBOL_COSE_UNTAGGED | OBOL_COSE_REQUIRE_TAG)

/* ---- algorithms ----------------------------------------------------------- */

/* The message type (its CBOR tag) an algorithm belongs to, or 0. */
static int alg_type(int alg)
{
	switch (alg) {
	case OBOL_ALG_AES_CCM_16_64_128:
	case OBOL_ALG_AES_CCM_16_128_128:
		return OBOL_COSE_TAG_ENCRYPT0;
	case OBOL_ALG_HMAC_256_64:
	case OBOL_ALG_HMAC_256_256:
		return OBOL_COSE_TAG_MAC0;
	case OBOL_ALG_ES256:
	case OBOL_ALG_EDDSA:
		return OBOL_COSE_TAG_SIGN1;
	default:
		return 0;
	}
}

/* Length of the AEAD tag, MAC tag or signature of alg (RFC 9053 2, 3.1, 4.2). */
static size_t alg_tag_len(int alg)
{
	switch (alg) {
	case OBOL_ALG_AES_CCM_16_64_128:
	case OBOL_ALG_HMAC_256_64:
		return 8;
	case OBOL_ALG_AES_CCM_16_128_128:
		return 16;
	case OBOL_ALG_HMAC_256_256:
		return OBOL_SHA256_LEN;
	default:
		return OBOL_ES256_SIG_LEN; /* = OBOL_ED25519_SIG_LEN */
	}
}

/*
 * Whether key can be used with alg (RFC 9053 2.1, 2.2, 3.1, 4.2: "validate
 * that the key type, key length, and algorithm are correct"). kty, crv and
 * a key alg that differs give OBOL_ERR_COSE_ALG_MISMATCH; a symmetric key
 * of the wrong length gives OBOL_ERR_CRYPTO_KEY. The lengths of x, y and
 * d are checked where they are used (sign needs d, verify x and y).
 */
static int key_fits(const struct obol_cose_key *key, int alg)
{
	if (key->alg != 0 && key->alg != alg)
		return OBOL_ERR_COSE_ALG_MISMATCH;
	switch (alg) {
	case OBOL_ALG_AES_CCM_16_64_128:
	case OBOL_ALG_AES_CCM_16_128_128:
		if (key->kty != OBOL_COSE_KTY_SYMMETRIC)
			return OBOL_ERR_COSE_ALG_MISMATCH;
		if (key->k == NULL || key->k_len != OBOL_AES128_KEY_LEN)
			return OBOL_ERR_CRYPTO_KEY;
		return OBOL_OK;
	case OBOL_ALG_HMAC_256_64:
	case OBOL_ALG_HMAC_256_256:
		if (key->kty != OBOL_COSE_KTY_SYMMETRIC)
			return OBOL_ERR_COSE_ALG_MISMATCH;
		if (key->k == NULL || key->k_len < HMAC_MIN_KEY)
			return OBOL_ERR_CRYPTO_KEY;
		return OBOL_OK;
	case OBOL_ALG_ES256:
		/* RFC 9053 2.1: kty EC2; ES256 is defined for P-256. */
		if (key->kty != OBOL_COSE_KTY_EC2 || key->crv != OBOL_COSE_CRV_P256)
			return OBOL_ERR_COSE_ALG_MISMATCH;
		return OBOL_OK;
	case OBOL_ALG_EDDSA:
		/* RFC 9053 2.2: kty OKP; obol implements Ed25519 only. */
		if (key->kty != OBOL_COSE_KTY_OKP || key->crv != OBOL_COSE_CRV_ED25519)
			return OBOL_ERR_COSE_ALG_MISMATCH;
		return OBOL_OK;
	default:
		return OBOL_ERR_COSE_ALG;
	}
}

/* ---- CBOR framing ----------------------------------------------------------- */

/*
 * The head of an item of major type `major` with argument `arg`, in its
 * shortest form (RFC 8949 4.2.1). The encoder writes heads only as part of
 * whole items, so the head is written as an unsigned integer (major type
 * 0, the same bytes but for the three type bits) and the type patched in.
 */
static size_t cbor_head(uint8_t out[HEAD_MAX], unsigned major, uint64_t arg)
{
	obol_cbor_enc e;
	size_t n = 0;

	obol_cbor_enc_init(&e, out, HEAD_MAX);
	obol_cbor_put_uint(&e, arg);
	(void)obol_cbor_enc_finish(&e, &n); /* cannot fail: 9 bytes always do */
	out[0] = (uint8_t)(out[0] | (major << 5));
	return n;
}

/*
 * The structure that is encrypted, MACed or signed (RFC 9052 4.4, 5.3,
 * 6.3), as byte ranges:
 *
 *   Enc_structure = [ "Encrypt0", protected, external_aad ]
 *   MAC_structure = [ "MAC0", protected, external_aad, payload ]
 *   Sig_structure = [ "Signature1", protected, external_aad, payload ]
 *
 * iov[0] = array head, context text, head of the protected bstr (fr->a);
 * iov[1] = the protected bucket as sent; iov[2] = head of external_aad
 * (fr->b); iov[3] = external_aad; for MAC0 and Signature1 also iov[4] =
 * head of payload (fr->c), iov[5] = payload. Returns the number of ranges.
 */
struct frame {
	uint8_t a[1 + 1 + (sizeof CTX_SIGNATURE1 - 1) + HEAD_MAX];
	uint8_t b[HEAD_MAX];
	uint8_t c[HEAD_MAX];
};

static size_t to_be_processed(struct frame *fr, struct obol_iov iov[6],
			      const char *ctx, const uint8_t *prot,
			      size_t prot_len, const uint8_t *aad,
			      size_t aad_len, const uint8_t *payload,
			      size_t payload_len, int with_payload)
{
	size_t ctx_len = strlen(ctx), n;

	n = cbor_head(fr->a, 4, with_payload ? 4u : 3u);
	n += cbor_head(fr->a + n, 3, ctx_len);
	memcpy(fr->a + n, ctx, ctx_len);
	n += ctx_len;
	n += cbor_head(fr->a + n, 2, prot_len);
	iov[0].p = fr->a;
	iov[0].len = n;
	iov[1].p = prot;
	iov[1].len = prot_len;
	iov[2].p = fr->b;
	iov[2].len = cbor_head(fr->b, 2, aad_len);
	iov[3].p = aad;
	iov[3].len = aad_len;
	if (!with_payload)
		return 4;
	iov[4].p = fr->c;
	iov[4].len = cbor_head(fr->c, 2, payload_len);
	iov[5].p = payload;
	iov[5].len = payload_len;
	return 6;
}

/* ---- reading ---------------------------------------------------------------- */

/* What read_msg() found in a message. */
struct msg {
	int type;         /* OBOL_COSE_TAG_ENCRYPT0, _MAC0 or _SIGN1 */
	int alg;          /* from the protected bucket; known to fit type */
	uint8_t has_kid;  /* the kid label was present (possibly empty) */
	uint8_t has_iv;
	uint8_t has_piv;
	const uint8_t *body; /* payload or ciphertext (bstr content) */
	size_t body_len;
	const uint8_t *tag;  /* Mac0 tag or Sign1 signature */
	size_t tag_len;
	struct obol_cose_hdr hdr;
};

/*
 * Label of a header parameter obol understands, from its encoding: small
 * unsigned labels are one byte (0x00..0x17) in strict CBOR, which refuses
 * longer forms, so the encoding alone identifies them. 0 for any other
 * label (larger or negative integers, text).
 */
static unsigned small_label(const uint8_t *raw, size_t n)
{
	return n == 1 && raw[0] <= 23 ? raw[0] : 0;
}

/* The labels obol processes (cose.h): those "crit" may list. */
static int understood(unsigned label)
{
	return label == OBOL_COSE_HDR_ALG || label == OBOL_COSE_HDR_CONTENT_TYPE ||
	       label == OBOL_COSE_HDR_KID || label == OBOL_COSE_HDR_IV ||
	       label == OBOL_COSE_HDR_PARTIAL_IV || label == OBOL_COSE_HDR_KID_CONTEXT;
}

/*
 * 1 if the header map walked by *map (not moved) has the label encoded as
 * raw[0..n). Strict CBOR gives every label one encoding, so comparing
 * encodings compares labels.
 */
static int has_label(const obol_cbor_dec *map, const uint8_t *raw, size_t n)
{
	obol_cbor_dec m = *map;
	const uint8_t *p;
	size_t len;

	while (!obol_cbor_at_end(&m)) {
		if (obol_cbor_get_raw(&m, &p, &len) != OBOL_OK || obol_cbor_skip(&m) != OBOL_OK)
			return 0; /* not reached: the input was validated */
		if (len == n && memcmp(p, raw, n) == 0)
			return 1;
	}
	return 0;
}

/*
 * "crit" (RFC 9052 3.1): an array of at least one label, each of which
 * obol understands and which is present in the protected bucket (*prot).
 * Anything else is OBOL_ERR_COSE_CRIT.
 */
static int check_crit(obol_cbor_dec *d, const obol_cbor_dec *prot)
{
	obol_cbor_dec arr;
	size_t n;
	const uint8_t *raw;
	size_t raw_len;

	if (obol_cbor_enter_array(d, &arr, &n) != OBOL_OK || n == 0)
		return OBOL_ERR_COSE_CRIT;
	while (!obol_cbor_at_end(&arr)) {
		int t = obol_cbor_peek(&arr);
		if (t != OBOL_CBOR_UINT && t != OBOL_CBOR_NINT && t != OBOL_CBOR_TSTR)
			return OBOL_ERR_COSE_CRIT;
		if (obol_cbor_get_raw(&arr, &raw, &raw_len) != OBOL_OK)
			return OBOL_ERR_COSE_CRIT;
		if (!understood(small_label(raw, raw_len)) || !has_label(prot, raw, raw_len))
			return OBOL_ERR_COSE_CRIT;
	}
	return obol_cbor_leave(d, &arr) == OBOL_OK ? OBOL_OK : OBOL_ERR_COSE_CRIT;
}

/* A bstr header value (kid, IV, Partial IV, kid context). */
static int get_bstr_param(obol_cbor_dec *d, const uint8_t **p, size_t *len,
			  uint8_t *seen)
{
	if (obol_cbor_get_bstr(d, p, len) != OBOL_OK)
		return OBOL_ERR_COSE_HEADER;
	if (seen)
		*seen = 1;
	return OBOL_OK;
}

/*
 * One header bucket (RFC 9052 3, 3.1). prot: the protected map (for the
 * unprotected bucket, to refuse a label in both; for the protected one,
 * itself, for "crit"). *alg_state: 0 no alg seen, 1 alg in the protected
 * bucket, 2 alg in the unprotected bucket only.
 */
static int read_bucket(obol_cbor_dec map, int is_protected,
		       const obol_cbor_dec *prot, struct msg *m, int *alg_state)
{
	while (!obol_cbor_at_end(&map)) {
		const uint8_t *raw;
		size_t raw_len;
		int t = obol_cbor_peek(&map), err = OBOL_OK;

		/* RFC 9052 1.5: label = int / tstr. */
		if (t != OBOL_CBOR_UINT && t != OBOL_CBOR_NINT && t != OBOL_CBOR_TSTR)
			return OBOL_ERR_COSE_HEADER;
		if (obol_cbor_get_raw(&map, &raw, &raw_len) != OBOL_OK)
			return OBOL_ERR_COSE_HEADER;
		/* RFC 9052 3: a label in both buckets is refused (the SHOULD
		 * check, made a MUST: it avoids two readings of one message). */
		if (!is_protected && prot != NULL && has_label(prot, raw, raw_len))
			return OBOL_ERR_COSE_HEADER;
		switch (small_label(raw, raw_len)) {
		case OBOL_COSE_HDR_ALG:
			if (!is_protected) {
				*alg_state = 2;
				err = obol_cbor_skip(&map);
				break;
			}
			*alg_state = 1;
			t = obol_cbor_peek(&map);
			if (t == OBOL_CBOR_UINT || t == OBOL_CBOR_NINT) {
				int32_t v;
				/* Out of int32 range: not an alg obol knows. */
				if (obol_cbor_get_int32(&map, &v) == OBOL_OK)
					m->alg = (int)v;
				else
					err = obol_cbor_skip(&map);
			} else if (t == OBOL_CBOR_TSTR) {
				/* A text alg (RFC 9052 3.1 allows tstr): none
				 * that obol implements; m->alg stays 0. */
				err = obol_cbor_skip(&map);
			} else {
				return OBOL_ERR_COSE_HEADER;
			}
			break;
		case OBOL_COSE_HDR_CRIT:
			/* RFC 9052 3.1: crit MUST be in the protected bucket. */
			if (!is_protected)
				return OBOL_ERR_COSE_CRIT;
			err = check_crit(&map, prot);
			if (err)
				return err;
			break;
		case OBOL_COSE_HDR_CONTENT_TYPE:
			/* RFC 9052 3.1: tstr / uint (a CoAP Content-Format). */
			t = obol_cbor_peek(&map);
			if (t != OBOL_CBOR_UINT && t != OBOL_CBOR_TSTR)
				return OBOL_ERR_COSE_HEADER;
			err = obol_cbor_skip(&map);
			break;
		case OBOL_COSE_HDR_KID:
			err = get_bstr_param(&map, &m->hdr.kid, &m->hdr.kid_len, &m->has_kid);
			if (err)
				return err;
			break;
		case OBOL_COSE_HDR_IV:
			err = get_bstr_param(&map, &m->hdr.iv, &m->hdr.iv_len, &m->has_iv);
			if (err)
				return err;
			break;
		case OBOL_COSE_HDR_PARTIAL_IV:
			err = get_bstr_param(&map, &m->hdr.partial_iv,
					     &m->hdr.partial_iv_len, &m->has_piv);
			if (err)
				return err;
			break;
		case OBOL_COSE_HDR_KID_CONTEXT:
			err = get_bstr_param(&map, &m->hdr.kid_context,
					     &m->hdr.kid_context_len, NULL);
			if (err)
				return err;
			break;
		default:
			/* Not ours and not critical: ignored (RFC 9052 3). */
			err = obol_cbor_skip(&map);
			break;
		}
		if (err)
			return OBOL_ERR_COSE_HEADER; /* not reached: validated input */
	}
	return OBOL_OK;
}

/*
 * Reads a message of type `want` (0: any of the three) and checks
 * everything that does not need the key, in this order:
 *   strict CBOR (the CBOR error) -> tag (OBOL_ERR_COSE_TAG) -> array shape
 *   (OBOL_ERR_COSE_FORMAT) -> protected bucket encoding (its CBOR error,
 *   or OBOL_ERR_COSE_HEADER for h'a0' and non-maps) -> labels, types and
 *   buckets (OBOL_ERR_COSE_HEADER, OBOL_ERR_COSE_CRIT) -> alg
 *   (OBOL_ERR_COSE_ALG) -> IV and Partial IV together (OBOL_ERR_COSE_IV).
 */
static int read_msg(const uint8_t *msg, size_t len, unsigned flags, int want,
		    struct msg *m)
{
	obol_cbor_dec d, arr, unprot, prot_dec, prot_map;
	const obol_cbor_dec *prot = NULL;
	size_t n;
	int err, alg_state = 0, type = want;

	memset(m, 0, sizeof *m);
	if (flags & ~KNOWN_FLAGS)
		return OBOL_ERR_ARG;
	err = obol_cbor_dec_init(&d, msg, len, OBOL_CBOR_STRICT);
	if (err)
		return err;

	/* RFC 9052 2: the tag, if present, names the message type. */
	if (obol_cbor_peek(&d) == OBOL_CBOR_TAG) {
		uint64_t tag;
		err = obol_cbor_get_tag(&d, &tag);
		if (err)
			return err;
		if (tag != OBOL_COSE_TAG_ENCRYPT0 && tag != OBOL_COSE_TAG_MAC0 &&
		    tag != OBOL_COSE_TAG_SIGN1)
			return OBOL_ERR_COSE_TAG;
		if (want != 0 && tag != (uint64_t)want)
			return OBOL_ERR_COSE_TAG;
		type = (int)tag;
	} else if (flags & OBOL_COSE_REQUIRE_TAG) {
		return OBOL_ERR_COSE_TAG;
	}

	/* [protected: bstr, unprotected: map, payload: bstr (, tag: bstr)]
	 * (RFC 9052 4.2, 5.2, 6.2). A detached payload (nil) is not supported. */
	if (obol_cbor_enter_array(&d, &arr, &n) != OBOL_OK)
		return OBOL_ERR_COSE_FORMAT;
	if (n != 3 && n != 4)
		return OBOL_ERR_COSE_FORMAT;
	if (type != 0 && n != (type == OBOL_COSE_TAG_ENCRYPT0 ? 3u : 4u))
		return OBOL_ERR_COSE_FORMAT;
	if (obol_cbor_get_bstr(&arr, &m->hdr.protected_raw, &m->hdr.protected_len) != OBOL_OK)
		return OBOL_ERR_COSE_FORMAT;
	/* unprot keeps walking the map's members; arr moves past it. */
	if (obol_cbor_enter_map(&arr, &unprot, NULL) != OBOL_OK ||
	    obol_cbor_leave(&arr, &unprot) != OBOL_OK)
		return OBOL_ERR_COSE_FORMAT;
	if (obol_cbor_get_bstr(&arr, &m->body, &m->body_len) != OBOL_OK)
		return OBOL_ERR_COSE_FORMAT;
	if (n == 4 && obol_cbor_get_bstr(&arr, &m->tag, &m->tag_len) != OBOL_OK)
		return OBOL_ERR_COSE_FORMAT;

	/* RFC 9052 3: protected = h'' or bstr .cbor header_map; recipients
	 * MUST accept an empty map sent as h'a0'. The structures to MAC or
	 * sign cover the protected bucket as sent (4.4, 5.3, 6.3). Since alg
	 * must be protected (below), an empty bucket of either form ends in
	 * OBOL_ERR_COSE_ALG anyway. */
	if (m->hdr.protected_len != 0) {
		size_t pairs;
		err = obol_cbor_dec_init(&prot_dec, m->hdr.protected_raw,
					 m->hdr.protected_len, OBOL_CBOR_STRICT);
		if (err)
			return err;
		if (obol_cbor_enter_map(&prot_dec, &prot_map, &pairs) != OBOL_OK)
			return OBOL_ERR_COSE_HEADER;
		prot = &prot_map;
		err = read_bucket(prot_map, 1, prot, m, &alg_state);
		if (err)
			return err;
	}
	err = read_bucket(unprot, 0, prot, m, &alg_state);
	if (err)
		return err;

	/* alg: in the protected bucket (cose.h; RFC 9052 3.1 wants it
	 * authenticated), and an algorithm of the message type. */
	if (alg_state != 1)
		return OBOL_ERR_COSE_ALG;
	if (type == 0) {
		/* Untagged and any type: 3 elements is Encrypt0; with 4 the
		 * alg tells Mac0 from Sign1. */
		type = n == 3 ? OBOL_COSE_TAG_ENCRYPT0 : alg_type(m->alg);
		if (type == OBOL_COSE_TAG_ENCRYPT0 && n == 4)
			return OBOL_ERR_COSE_ALG;
	}
	if (type == 0 || alg_type(m->alg) != type)
		return OBOL_ERR_COSE_ALG;
	m->type = type;
	m->hdr.alg = m->alg;

	/* RFC 9052 3.1: IV and Partial IV MUST NOT both be present. */
	if (m->has_iv && m->has_piv)
		return OBOL_ERR_COSE_IV;
	return OBOL_OK;
}

/* Checks shared by the verifiers once the message is read. */
static int check_key(const struct msg *m, const struct obol_cose_key *key)
{
	int err = key_fits(key, m->alg);

	if (err)
		return err;
	/* cose.h: if both have a kid, they must be equal. A kid is not a
	 * secret (RFC 9052 3.1): a plain comparison is fine. */
	if (m->has_kid && key->kid_len != 0 &&
	    (key->kid == NULL || m->hdr.kid_len != key->kid_len ||
	     memcmp(m->hdr.kid, key->kid, key->kid_len) != 0))
		return OBOL_ERR_COSE_KID;
	return OBOL_OK;
}

/*
 * The AES-CCM nonce (RFC 9052 3.1): the 13-byte IV as sent, or the key's
 * Base IV (13 bytes, COSE_Key label 5) XORed with the Partial IV
 * left-padded with zeros to 13 bytes. Anything else is OBOL_ERR_COSE_IV:
 * both present, neither, an IV of another length, an empty or too long
 * Partial IV, a Partial IV without a 13-byte Base IV.
 */
static int make_nonce(const struct obol_cose_key *key, const uint8_t *iv,
		      size_t iv_len, int has_iv, const uint8_t *piv,
		      size_t piv_len, int has_piv, uint8_t nonce[OBOL_CCM_NONCE_LEN])
{
	size_t i;

	if (has_iv && has_piv)
		return OBOL_ERR_COSE_IV;
	if (has_iv) {
		if (iv_len != OBOL_CCM_NONCE_LEN || iv == NULL)
			return OBOL_ERR_COSE_IV;
		memcpy(nonce, iv, OBOL_CCM_NONCE_LEN);
		return OBOL_OK;
	}
	if (!has_piv || piv == NULL || piv_len == 0 || piv_len > OBOL_CCM_NONCE_LEN ||
	    key->base_iv == NULL || key->base_iv_len != OBOL_CCM_NONCE_LEN)
		return OBOL_ERR_COSE_IV;
	memcpy(nonce, key->base_iv, OBOL_CCM_NONCE_LEN);
	for (i = 0; i < piv_len; i++)
		nonce[OBOL_CCM_NONCE_LEN - piv_len + i] ^= piv[i];
	return OBOL_OK;
}

/* ---- writing ---------------------------------------------------------------- */

/* Argument checks and alg choice shared by the three creators. */
static int create_alg(const struct obol_cose_key *key,
		      const struct obol_cose_hdr *hdr, unsigned flags,
		      const uint8_t *aad, size_t aad_len, size_t *out_len,
		      int type, int *alg)
{
	if (key == NULL || out_len == NULL || (aad == NULL && aad_len != 0) ||
	    (flags & ~KNOWN_FLAGS))
		return OBOL_ERR_ARG;
	if (hdr != NULL &&
	    ((hdr->kid == NULL && hdr->kid_len) || (hdr->iv == NULL && hdr->iv_len) ||
	     (hdr->partial_iv == NULL && hdr->partial_iv_len) ||
	     (hdr->kid_context == NULL && hdr->kid_context_len)))
		return OBOL_ERR_ARG;
	/* No alg in hdr: the key's (an extension of cose.h: alg 0 is
	 * "not given" in both). */
	*alg = hdr != NULL && hdr->alg != 0 ? hdr->alg : key->alg;
	if (alg_type(*alg) != type)
		return OBOL_ERR_COSE_ALG;
	/* RFC 9052 3.1: IV and Partial IV MUST NOT both be present. */
	if (hdr != NULL && hdr->iv_len && hdr->partial_iv_len)
		return OBOL_ERR_COSE_IV;
	return key_fits(key, *alg);
}

/* The protected bucket obol sends: exactly {1: alg} (cose.h). */
static size_t protected_bucket(uint8_t out[8], int alg)
{
	obol_cbor_enc e;
	size_t n = 0;

	obol_cbor_enc_init(&e, out, 8);
	obol_cbor_put_map(&e, 1);
	obol_cbor_put_uint(&e, OBOL_COSE_HDR_ALG);
	obol_cbor_put_int(&e, alg);
	(void)obol_cbor_enc_finish(&e, &n); /* cannot fail: at most 1+1+5 bytes */
	return n;
}

/*
 * The unprotected bucket: kid, IV, Partial IV, kid context in label
 * order (deterministic, RFC 8949 4.2.1); empty fields are left out. iv
 * replaces hdr->iv when not NULL (Encrypt0's random IV).
 */
static void put_unprotected(obol_cbor_enc *e, const struct obol_cose_hdr *hdr,
			    const uint8_t *iv, size_t iv_len)
{
	struct obol_cose_hdr none;
	size_t pairs;

	if (hdr == NULL) {
		memset(&none, 0, sizeof none);
		hdr = &none;
	}
	if (iv == NULL) {
		iv = hdr->iv;
		iv_len = hdr->iv_len;
	}
	pairs = (size_t)(hdr->kid_len != 0) + (size_t)(iv_len != 0) +
		(size_t)(hdr->partial_iv_len != 0) + (size_t)(hdr->kid_context_len != 0);
	obol_cbor_put_map(e, pairs);
	if (hdr->kid_len) {
		obol_cbor_put_uint(e, OBOL_COSE_HDR_KID);
		obol_cbor_put_bstr(e, hdr->kid, hdr->kid_len);
	}
	if (iv_len) {
		obol_cbor_put_uint(e, OBOL_COSE_HDR_IV);
		obol_cbor_put_bstr(e, iv, iv_len);
	}
	if (hdr->partial_iv_len) {
		obol_cbor_put_uint(e, OBOL_COSE_HDR_PARTIAL_IV);
		obol_cbor_put_bstr(e, hdr->partial_iv, hdr->partial_iv_len);
	}
	if (hdr->kid_context_len) {
		obol_cbor_put_uint(e, OBOL_COSE_HDR_KID_CONTEXT);
		obol_cbor_put_bstr(e, hdr->kid_context, hdr->kid_context_len);
	}
}

/* What write_msg() writes after the two buckets. */
struct body {
	const uint8_t *payload; /* Mac0/Sign1 payload; NULL for Encrypt0 */
	size_t len;             /* payload length, or ciphertext length */
	const uint8_t *tag;     /* Mac0 tag / Sign1 signature; NULL for Encrypt0 */
	size_t tag_len;
};

/*
 * Lays out [tag] [array head] protected unprotected body [tag]: measures
 * when out is NULL (*total only), else writes it, out having room for
 * *total bytes. For Encrypt0 (b->payload NULL) only the head of the
 * ciphertext is written: the caller encrypts into out + *body_off.
 */
static int write_msg(uint8_t *out, size_t cap, unsigned flags, int type,
		     const uint8_t *prot, size_t prot_len,
		     const struct obol_cose_hdr *hdr, const uint8_t *iv,
		     size_t iv_len, const struct body *b, size_t *body_off,
		     size_t *total)
{
	uint8_t head[2 * HEAD_MAX];
	obol_cbor_enc e;
	size_t hn = 0, mid = 0;
	int err;

	if (!(flags & OBOL_COSE_UNTAGGED))
		hn = cbor_head(head, 6, (uint64_t)type);
	hn += cbor_head(head + hn, 4, type == OBOL_COSE_TAG_ENCRYPT0 ? 3u : 4u);
	if (out != NULL && cap < hn)
		return OBOL_ERR_NO_SPACE;
	if (out != NULL)
		memcpy(out, head, hn);
	obol_cbor_enc_init(&e, out != NULL ? out + hn : NULL, out != NULL ? cap - hn : 0);
	obol_cbor_put_bstr(&e, prot, prot_len);
	put_unprotected(&e, hdr, iv, iv_len);
	if (type != OBOL_COSE_TAG_ENCRYPT0) {
		obol_cbor_put_bstr(&e, b->payload, b->len);
		obol_cbor_put_bstr(&e, b->tag, b->tag_len);
	}
	err = obol_cbor_enc_finish(&e, &mid);
	if (err != OBOL_OK && !(err == OBOL_ERR_NO_SPACE && out == NULL))
		return err;
	if (mid > SIZE_MAX - hn)
		return OBOL_ERR_NO_SPACE;
	*total = hn + mid;
	*body_off = *total;
	if (type == OBOL_COSE_TAG_ENCRYPT0) {
		uint8_t bh[HEAD_MAX];
		size_t bn = cbor_head(bh, 2, b->len);
		if (b->len > SIZE_MAX - bn || *total > SIZE_MAX - bn - b->len)
			return OBOL_ERR_NO_SPACE;
		if (out != NULL) {
			if (cap - *total < bn + b->len)
				return OBOL_ERR_NO_SPACE;
			memcpy(out + *total, bh, bn);
		}
		*body_off = *total + bn;
		*total += bn + b->len;
	}
	return OBOL_OK;
}

/*
 * Measure, and if the output is missing or short say so with the size;
 * else write. OBOL_OK means the layout is in out and the caller fills in
 * the body (Encrypt0) or nothing more (Mac0/Sign1).
 */
static int layout(uint8_t *out, size_t cap, size_t *out_len, unsigned flags,
		  int type, const uint8_t *prot, size_t prot_len,
		  const struct obol_cose_hdr *hdr, const uint8_t *iv,
		  size_t iv_len, const struct body *b, size_t *body_off)
{
	size_t total = 0;
	int err = write_msg(NULL, 0, flags, type, prot, prot_len, hdr, iv, iv_len,
			    b, body_off, &total);

	if (err)
		return err;
	*out_len = total;
	if (out == NULL || cap < total)
		return OBOL_ERR_NO_SPACE;
	return OBOL_OK;
}

/* ---- COSE_Encrypt0 (RFC 9052 5.2, 5.3) ------------------------------------ */

int obol_cose_encrypt0(const struct obol_cose_key *key,
		       const struct obol_cose_hdr *hdr, unsigned flags,
		       const uint8_t *ext_aad, size_t ext_aad_len,
		       const uint8_t *pt, size_t pt_len, uint8_t *out,
		       size_t cap, size_t *out_len)
{
	uint8_t prot[8], nonce[OBOL_CCM_NONCE_LEN], rnd[OBOL_CCM_NONCE_LEN];
	const uint8_t *iv = NULL;
	struct obol_iov iov[6];
	struct frame fr;
	struct body b;
	size_t prot_len, tag_len, off = 0, total = 0, niov;
	int alg, err;

	if (out_len != NULL)
		*out_len = 0;
	err = create_alg(key, hdr, flags, ext_aad, ext_aad_len, out_len,
			 OBOL_COSE_TAG_ENCRYPT0, &alg);
	if (err)
		return err;
	if ((pt == NULL && pt_len != 0) || pt_len > CCM_MAX_PT)
		return OBOL_ERR_ARG;
	tag_len = alg_tag_len(alg);
	prot_len = protected_bucket(prot, alg);
	memset(&b, 0, sizeof b);
	b.len = pt_len + tag_len;

	/* No IV and no Partial IV: a random 13-byte IV, sent in the
	 * unprotected bucket (cose.h). Else the nonce is checked and formed
	 * now, so that IV errors come before size questions. */
	if (hdr == NULL || (hdr->iv_len == 0 && hdr->partial_iv_len == 0)) {
		iv = rnd;
	} else {
		err = make_nonce(key, hdr->iv, hdr->iv_len, hdr->iv_len != 0,
				 hdr->partial_iv, hdr->partial_iv_len,
				 hdr->partial_iv_len != 0, nonce);
		if (err)
			return err;
	}
	/* rnd is only a placeholder while measuring: nothing reads it. */
	err = layout(out, cap, out_len, flags, OBOL_COSE_TAG_ENCRYPT0, prot, prot_len,
		     hdr, iv, iv != NULL ? sizeof rnd : 0, &b, &off);
	if (err)
		return err;
	if (iv != NULL) {
		err = obol_port_random(rnd, sizeof rnd);
		if (err) {
			*out_len = 0;
			return err;
		}
		memcpy(nonce, rnd, sizeof rnd);
	}
	err = write_msg(out, cap, flags, OBOL_COSE_TAG_ENCRYPT0, prot, prot_len, hdr,
			iv, iv != NULL ? sizeof rnd : 0, &b, &off, &total);
	if (err)
		return err;
	niov = to_be_processed(&fr, iov, CTX_ENCRYPT0, prot, prot_len, ext_aad,
			       ext_aad_len, NULL, 0, 0);
	err = obol_port_aes_ccm_encrypt(key->k, nonce, tag_len, iov, niov, pt, pt_len,
					out + off);
	if (err) {
		obol_wipe(out, total);
		*out_len = 0;
	}
	return err;
}

/* What every reader does first: arguments, read_msg, the headers out to
 * the caller (also when the key does not fit), the key checks. */
static int open_msg(const uint8_t *msg, size_t len, unsigned flags, int type,
		    const struct obol_cose_key *key, const uint8_t *ext_aad,
		    size_t ext_aad_len, struct obol_cose_hdr *hdr, struct msg *m)
{
	int err;

	if (key == NULL || (ext_aad == NULL && ext_aad_len != 0))
		return OBOL_ERR_ARG;
	err = read_msg(msg, len, flags, type, m);
	if (err)
		return err;
	if (hdr != NULL)
		*hdr = m->hdr;
	return check_key(m, key);
}

int obol_cose_decrypt0(uint8_t *msg, size_t len, unsigned flags,
		       const struct obol_cose_key *key, const uint8_t *ext_aad,
		       size_t ext_aad_len, struct obol_cose_hdr *hdr,
		       uint8_t **pt, size_t *pt_len)
{
	uint8_t nonce[OBOL_CCM_NONCE_LEN];
	struct obol_iov iov[6];
	struct frame fr;
	struct msg m;
	uint8_t *ct;
	size_t tag_len, niov;
	int err;

	if (pt != NULL)
		*pt = NULL;
	if (pt_len != NULL)
		*pt_len = 0;
	err = open_msg(msg, len, flags, OBOL_COSE_TAG_ENCRYPT0, key, ext_aad,
		       ext_aad_len, hdr, &m);
	if (err)
		return err;
	err = make_nonce(key, m.hdr.iv, m.hdr.iv_len, m.has_iv, m.hdr.partial_iv,
			 m.hdr.partial_iv_len, m.has_piv, nonce);
	if (err)
		return err;
	tag_len = alg_tag_len(m.alg);
	/* Too short for the tag, or longer than CCM with L = 2 allows: no
	 * key made it (one code for every failure, RFC 9052 5.3). */
	if (m.body_len < tag_len || m.body_len - tag_len > CCM_MAX_PT)
		return OBOL_ERR_CRYPTO_AUTH;
	/* The ciphertext lies inside msg: decrypt it where it is. */
	ct = msg + (m.body - msg);
	niov = to_be_processed(&fr, iov, CTX_ENCRYPT0, m.hdr.protected_raw,
			       m.hdr.protected_len, ext_aad, ext_aad_len, NULL, 0, 0);
	err = obol_port_aes_ccm_decrypt(key->k, nonce, tag_len, iov, niov, ct,
					m.body_len, ct);
	if (err) {
		/* The backend zeroes what it wrote; make sure of it. */
		obol_wipe(ct, m.body_len - tag_len);
		return err == OBOL_ERR_ARG ? OBOL_ERR_CRYPTO_AUTH : err;
	}
	if (pt != NULL)
		*pt = ct;
	if (pt_len != NULL)
		*pt_len = m.body_len - tag_len;
	return OBOL_OK;
}

/* ---- COSE_Mac0 (RFC 9052 6.2, 6.3) ---------------------------------------- */

/* HMAC-SHA-256 over the MAC_structure (RFC 9053 3.1). */
static int mac0_tag(const struct obol_cose_key *key, const uint8_t *prot,
		    size_t prot_len, const uint8_t *aad, size_t aad_len,
		    const uint8_t *payload, size_t payload_len,
		    uint8_t mac[OBOL_SHA256_LEN])
{
	struct obol_iov iov[6];
	struct frame fr;
	size_t niov = to_be_processed(&fr, iov, CTX_MAC0, prot, prot_len, aad,
				      aad_len, payload, payload_len, 1);

	return obol_port_hmac_sha256(key->k, key->k_len, iov, niov, mac);
}

int obol_cose_mac0_create(const struct obol_cose_key *key,
			  const struct obol_cose_hdr *hdr, unsigned flags,
			  const uint8_t *ext_aad, size_t ext_aad_len,
			  const uint8_t *payload, size_t payload_len,
			  uint8_t *out, size_t cap, size_t *out_len)
{
	uint8_t prot[8], mac[OBOL_SHA256_LEN];
	struct body b;
	size_t prot_len, off = 0, total = 0;
	int alg, err;

	if (out_len != NULL)
		*out_len = 0;
	err = create_alg(key, hdr, flags, ext_aad, ext_aad_len, out_len,
			 OBOL_COSE_TAG_MAC0, &alg);
	if (err)
		return err;
	if (payload == NULL && payload_len != 0)
		return OBOL_ERR_ARG;
	prot_len = protected_bucket(prot, alg);
	b.payload = payload;
	b.len = payload_len;
	b.tag = mac; /* not read while measuring */
	b.tag_len = alg_tag_len(alg); /* 8 for HMAC 256/64: the leftmost bytes (RFC 9053 3.1) */
	err = layout(out, cap, out_len, flags, OBOL_COSE_TAG_MAC0, prot, prot_len,
		     hdr, NULL, 0, &b, &off);
	if (err)
		return err;
	err = mac0_tag(key, prot, prot_len, ext_aad, ext_aad_len, payload,
		       payload_len, mac);
	if (err == OBOL_OK)
		err = write_msg(out, cap, flags, OBOL_COSE_TAG_MAC0, prot, prot_len, hdr,
				NULL, 0, &b, &off, &total);
	obol_wipe(mac, sizeof mac);
	if (err)
		*out_len = 0;
	return err;
}

int obol_cose_mac0_verify(const uint8_t *msg, size_t len, unsigned flags,
			  const struct obol_cose_key *key,
			  const uint8_t *ext_aad, size_t ext_aad_len,
			  struct obol_cose_hdr *hdr, const uint8_t **payload,
			  size_t *payload_len)
{
	uint8_t mac[OBOL_SHA256_LEN];
	struct msg m;
	int err, ok;

	if (payload != NULL)
		*payload = NULL;
	if (payload_len != NULL)
		*payload_len = 0;
	err = open_msg(msg, len, flags, OBOL_COSE_TAG_MAC0, key, ext_aad,
		       ext_aad_len, hdr, &m);
	if (err)
		return err;
	err = mac0_tag(key, m.hdr.protected_raw, m.hdr.protected_len, ext_aad,
		       ext_aad_len, m.body, m.body_len, mac);
	if (err) {
		obol_wipe(mac, sizeof mac);
		return err;
	}
	/* The tag length is fixed by alg; compare in constant time. */
	ok = m.tag_len == alg_tag_len(m.alg) && obol_ct_equal(mac, m.tag, m.tag_len);
	obol_wipe(mac, sizeof mac);
	if (!ok)
		return OBOL_ERR_CRYPTO_AUTH;
	if (payload != NULL)
		*payload = m.body;
	if (payload_len != NULL)
		*payload_len = m.body_len;
	return OBOL_OK;
}

/* ---- COSE_Sign1 (RFC 9052 4.2, 4.4) --------------------------------------- */

int obol_cose_sign1_create(const struct obol_cose_key *key,
			   const struct obol_cose_hdr *hdr, unsigned flags,
			   const uint8_t *ext_aad, size_t ext_aad_len,
			   const uint8_t *payload, size_t payload_len,
			   uint8_t *out, size_t cap, size_t *out_len)
{
	uint8_t prot[8], sig[OBOL_ES256_SIG_LEN];
	struct obol_iov iov[6];
	struct frame fr;
	struct body b;
	size_t prot_len, off = 0, total = 0, sig_len = sizeof sig, niov;
	int alg, err;

	if (out_len != NULL)
		*out_len = 0;
	err = create_alg(key, hdr, flags, ext_aad, ext_aad_len, out_len,
			 OBOL_COSE_TAG_SIGN1, &alg);
	if (err)
		return err;
	if (payload == NULL && payload_len != 0)
		return OBOL_ERR_ARG;
	/* RFC 9053 2.1, 2.2: the private key, 32 bytes for both. */
	if (key->d == NULL || key->d_len != OBOL_P256_PRIV_LEN)
		return OBOL_ERR_CRYPTO_KEY;
	prot_len = protected_bucket(prot, alg);
	b.payload = payload;
	b.len = payload_len;
	b.tag = sig;
	b.tag_len = sizeof sig; /* 64 for ES256 (r || s) and Ed25519 */
	err = layout(out, cap, out_len, flags, OBOL_COSE_TAG_SIGN1, prot, prot_len,
		     hdr, NULL, 0, &b, &off);
	if (err)
		return err;
	niov = to_be_processed(&fr, iov, CTX_SIGNATURE1, prot, prot_len, ext_aad,
			       ext_aad_len, payload, payload_len, 1);
	err = obol_port_sign(alg, key->d, key->d_len, iov, niov, sig, &sig_len);
	if (err == OBOL_OK && sig_len != sizeof sig)
		err = OBOL_ERR_CRYPTO_INTERNAL;
	if (err == OBOL_OK)
		err = write_msg(out, cap, flags, OBOL_COSE_TAG_SIGN1, prot, prot_len, hdr,
				NULL, 0, &b, &off, &total);
	if (err)
		*out_len = 0;
	return err;
}

int obol_cose_sign1_verify(const uint8_t *msg, size_t len, unsigned flags,
			   const struct obol_cose_key *key,
			   const uint8_t *ext_aad, size_t ext_aad_len,
			   struct obol_cose_hdr *hdr, const uint8_t **payload,
			   size_t *payload_len)
{
	uint8_t pub[OBOL_P256_PUB_LEN];
	struct obol_iov iov[6];
	struct frame fr;
	struct msg m;
	const uint8_t *pk;
	size_t pk_len, niov;
	int err;

	if (payload != NULL)
		*payload = NULL;
	if (payload_len != NULL)
		*payload_len = 0;
	err = open_msg(msg, len, flags, OBOL_COSE_TAG_SIGN1, key, ext_aad,
		       ext_aad_len, hdr, &m);
	if (err)
		return err;
	if (m.alg == OBOL_ALG_ES256) {
		/* RFC 9053 2.1: the public key as the backend wants it,
		 * x || y (public: no wiping needed). */
		if (key->x == NULL || key->x_len != 32 || key->y == NULL || key->y_len != 32)
			return OBOL_ERR_CRYPTO_KEY;
		memcpy(pub, key->x, 32);
		memcpy(pub + 32, key->y, 32);
		pk = pub;
		pk_len = OBOL_P256_PUB_LEN;
	} else {
		if (key->x == NULL || key->x_len != OBOL_ED25519_PUB_LEN)
			return OBOL_ERR_CRYPTO_KEY;
		pk = key->x;
		pk_len = OBOL_ED25519_PUB_LEN;
	}
	niov = to_be_processed(&fr, iov, CTX_SIGNATURE1, m.hdr.protected_raw,
			       m.hdr.protected_len, ext_aad, ext_aad_len, m.body,
			       m.body_len, 1);
	/* A signature of another length cannot verify (RFC 9053 2.1: r || s,
	 * 64 bytes; Ed25519: 64 bytes). */
	if (m.tag_len != alg_tag_len(m.alg))
		return OBOL_ERR_CRYPTO_AUTH;
	err = obol_port_verify(m.alg, pk, pk_len, iov, niov, m.tag, m.tag_len);
	if (err == OBOL_ERR_CRYPTO_UNSUPPORTED || err == OBOL_ERR_CRYPTO_KEY)
		return err; /* about the key or backend, not the message */
	if (err)
		return OBOL_ERR_CRYPTO_AUTH;
	if (payload != NULL)
		*payload = m.body;
	if (payload_len != NULL)
		*payload_len = m.body_len;
	return OBOL_OK;
}

/* ---- parse ---------------------------------------------------------------- */

int obol_cose_parse(const uint8_t *msg, size_t len, unsigned flags, int *type,
		    struct obol_cose_hdr *hdr)
{
	struct msg m;
	int err = read_msg(msg, len, flags, 0, &m);

	if (type != NULL)
		*type = err == OBOL_OK ? m.type : 0;
	if (err == OBOL_OK && hdr != NULL)
		*hdr = m.hdr;
	return err;
}
