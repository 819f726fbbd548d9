/*
 * COSE (RFC 9052 structures, RFC 9053 algorithms): single-recipient
 * messages and keys, over caller buffers.
 *
 * Concepts
 * --------
 * Messages. COSE_Encrypt0 (AES-CCM-16-64-128 / -16-128-128), COSE_Mac0
 * (HMAC 256/64, HMAC 256/256) and COSE_Sign1 (ES256, EdDSA with Ed25519,
 * where the crypto backend has them). Each is a CBOR array
 * [protected: bstr .cbor header_map, unprotected: header_map,
 *  payload or ciphertext: bstr, (tag or signature: bstr)], optionally
 * wrapped in its CBOR tag (16, 17, 18).
 *
 * Creating: the protected bucket always holds exactly {1: alg}; kid, IV,
 * Partial IV and kid context go in the unprotected bucket (RFC 9052 3.1;
 * the AEAD/MAC/signature covers the protected bucket only, and alg is what
 * must not be swapped). Output is deterministic CBOR. A NULL (or short)
 * output buffer gives OBOL_ERR_NO_SPACE and *out_len = the size needed.
 * Nothing the caller passes in (payload, header views, external AAD) may
 * overlap the output buffer. If hdr->alg is 0, the key's alg is used.
 * Key sizes: AES-CCM keys are 16 bytes, HMAC keys at least 16 bytes,
 * P-256 and Ed25519 coordinates 32 bytes (else OBOL_ERR_CRYPTO_KEY).
 *
 * Reading: the whole message is checked as strict CBOR (cbor.h) first.
 * Then: the tag, if present, must be the message's tag
 * (OBOL_COSE_REQUIRE_TAG also forbids its absence); the protected bucket
 * must be h'' or a map (h'a0', an empty map, is accepted as RFC 9052 3
 * requires, and covered as sent); a label may not appear in both buckets;
 * "crit" must be in the protected bucket and list only labels obol
 * understands (1 alg, 3 content type, 4 kid, 5 IV, 6 Partial IV,
 * 10 kid context), else OBOL_ERR_COSE_CRIT; alg must be in the protected
 * bucket (an unprotected alg is refused: RFC 9052 3.1 wants it covered)
 * and be an algorithm of the message type; the key's kty/alg/crv
 * must fit alg (OBOL_ERR_COSE_ALG_MISMATCH); if both the message and the
 * key have a kid they must be equal (OBOL_ERR_COSE_KID); for AES-CCM the
 * IV must be 13 bytes, or a Partial IV combined with the key's Base IV
 * (RFC 9052 3.1, label 6); IV and Partial IV together are refused.
 * Verification failures are one code, OBOL_ERR_CRYPTO_AUTH.
 *
 * Views. struct obol_cose_key and struct obol_cose_hdr hold pointers into
 * buffers owned by the caller (the message, the COSE_Key encoding); they
 * are valid as long as those buffers are. Nothing is allocated.
 *
 * External AAD (RFC 9052 4.3) is given as a byte range (NULL/0: empty).
 */
#ifndef OBOL_COSE_H
#define OBOL_COSE_H

#include <stddef.h>
#include <stdint.h>

#include "obol/cbor.h"
#include "obol/crypto.h"

/* CBOR tags (RFC 9052 2, RFC 8392 6). */
#define OBOL_COSE_TAG_ENCRYPT0 16
#define OBOL_COSE_TAG_MAC0 17
#define OBOL_COSE_TAG_SIGN1 18
#define OBOL_CWT_TAG 61

/* Header parameter labels (RFC 9052 3.1; RFC 8613 6.1 for kid context). */
#define OBOL_COSE_HDR_ALG 1
#define OBOL_COSE_HDR_CRIT 2
#define OBOL_COSE_HDR_CONTENT_TYPE 3
#define OBOL_COSE_HDR_KID 4
#define OBOL_COSE_HDR_IV 5
#define OBOL_COSE_HDR_PARTIAL_IV 6
#define OBOL_COSE_HDR_KID_CONTEXT 10

/* COSE_Key (RFC 9052 7, RFC 9053 7). */
#define OBOL_COSE_KTY_OKP 1
#define OBOL_COSE_KTY_EC2 2
#define OBOL_COSE_KTY_SYMMETRIC 4
#define OBOL_COSE_CRV_P256 1
#define OBOL_COSE_CRV_ED25519 6
#define OBOL_COSE_KEY_KTY 1
#define OBOL_COSE_KEY_KID 2
#define OBOL_COSE_KEY_ALG 3
#define OBOL_COSE_KEY_BASE_IV 5
#define OBOL_COSE_KEY_CRV (-1) /* EC2, OKP */
#define OBOL_COSE_KEY_X (-2)
#define OBOL_COSE_KEY_Y (-3)
#define OBOL_COSE_KEY_D (-4)
#define OBOL_COSE_KEY_K (-1)   /* Symmetric */

/* Flags for creating and reading messages. */
#define OBOL_COSE_UNTAGGED 0x01u    /* create: no CBOR tag */
#define OBOL_COSE_REQUIRE_TAG 0x02u /* read: the CBOR tag must be present */

/*
 * A key (a view). kty is required; alg 0 means "any algorithm that fits
 * kty"; kid/base_iv may be empty. Symmetric: k. EC2 (P-256): x, y (32 bytes
 * each), d (32, private). OKP (Ed25519): x (32), d (32, private).
 */
struct obol_cose_key {
	int kty;
	int alg;
	int crv;
	const uint8_t *kid;
	size_t kid_len;
	const uint8_t *base_iv;
	size_t base_iv_len;
	const uint8_t *k;
	size_t k_len;
	const uint8_t *x;
	size_t x_len;
	const uint8_t *y;
	size_t y_len;
	const uint8_t *d;
	size_t d_len;
};

/*
 * Header parameters: what to write when creating (alg, kid, iv, ...), and
 * what was found when reading (all fields; empty ones have len 0).
 * Creating Encrypt0 with no iv and no partial_iv draws a random 13-byte IV
 * (obol_port_random) and writes it in the unprotected bucket.
 */
struct obol_cose_hdr {
	int alg;
	const uint8_t *kid;
	size_t kid_len;
	const uint8_t *iv;
	size_t iv_len;
	const uint8_t *partial_iv;
	size_t partial_iv_len;
	const uint8_t *kid_context;
	size_t kid_context_len;
	/* Reading only: the protected bucket as sent (bstr content). */
	const uint8_t *protected_raw;
	size_t protected_len;
};

/*
 * Which message a buffer holds, and its headers, without verifying it
 * (e.g. to pick the key by kid). *type receives 16, 17 or 18: from the
 * tag, or, untagged, from the array length and alg (4 elements: Mac0 for
 * a MAC alg, Sign1 for a signature alg; 3 elements: Encrypt0).
 */
int obol_cose_parse(const uint8_t *msg, size_t len, unsigned flags, int *type,
		    struct obol_cose_hdr *hdr);

/* COSE_Encrypt0 (RFC 9052 5.2, 5.3). pt must not overlap out. */
int obol_cose_encrypt0(const struct obol_cose_key *key,
		       const struct obol_cose_hdr *hdr, unsigned flags,
		       const uint8_t *ext_aad, size_t ext_aad_len,
		       const uint8_t *pt, size_t pt_len, uint8_t *out,
		       size_t cap, size_t *out_len);

/*
 * Decrypts IN PLACE: on success the plaintext overwrites the ciphertext
 * inside msg, and *pt / *pt_len point to it (no second buffer, as an MCU
 * wants). On failure msg is left with the ciphertext zeroed or intact,
 * never with plaintext. hdr (may be NULL) receives the headers.
 */
int obol_cose_decrypt0(uint8_t *msg, size_t len, unsigned flags,
		       const struct obol_cose_key *key, const uint8_t *ext_aad,
		       size_t ext_aad_len, struct obol_cose_hdr *hdr,
		       uint8_t **pt, size_t *pt_len);

/* COSE_Mac0 (RFC 9052 6.2, 6.3). */
int obol_cose_mac0_create(const struct obol_cose_key *key,
			  const struct obol_cose_hdr *hdr, unsigned flags,
			  const uint8_t *ext_aad, size_t ext_aad_len,
			  const uint8_t *payload, size_t payload_len,
			  uint8_t *out, size_t cap, size_t *out_len);
int obol_cose_mac0_verify(const uint8_t *msg, size_t len, unsigned flags,
			  const struct obol_cose_key *key,
			  const uint8_t *ext_aad, size_t ext_aad_len,
			  struct obol_cose_hdr *hdr, const uint8_t **payload,
			  size_t *payload_len);

/* COSE_Sign1 (RFC 9052 4.2, 4.4). The key needs d to sign, x (and y) to verify. */
int obol_cose_sign1_create(const struct obol_cose_key *key,
			   const struct obol_cose_hdr *hdr, unsigned flags,
			   const uint8_t *ext_aad, size_t ext_aad_len,
			   const uint8_t *payload, size_t payload_len,
			   uint8_t *out, size_t cap, size_t *out_len);
int obol_cose_sign1_verify(const uint8_t *msg, size_t len, unsigned flags,
			   const struct obol_cose_key *key,
			   const uint8_t *ext_aad, size_t ext_aad_len,
			   struct obol_cose_hdr *hdr, const uint8_t **payload,
			   size_t *payload_len);

/*
 * COSE_Key from its encoding (a strict CBOR map), or from a cursor placed
 * on one (e.g. inside a cnf claim; the cursor moves past it). The key's
 * fields point into the buffer. Checks: kty known; the parameters of kty
 * present with the right sizes (k non-empty; P-256 x/y/d 32 bytes;
 * Ed25519 x/d 32 bytes); crv fits kty. Unknown labels are ignored.
 * OBOL_ERR_COSE_KEY on anything else.
 */
int obol_cose_key_decode(const uint8_t *buf, size_t len,
			 struct obol_cose_key *key);
int obol_cose_key_read(obol_cbor_dec *d, struct obol_cose_key *key);

/*
 * Write a COSE_Key map (deterministic order). With with_private 0 the
 * private part (d) is left out: a public key; symmetric keys always
 * include k.
 */
void obol_cose_key_write(obol_cbor_enc *e, const struct obol_cose_key *key,
			 int with_private);

#endif /* OBOL_COSE_H */
