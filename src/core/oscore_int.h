/*
 * OSCORE internals shared by src/core/oscore.c (context, option codec,
 * nonce, AAD, replay window) and src/core/oscore_msg.c (the message
 * operations). Not a public header: tests/unit/test_oscore.c includes it
 * to check the intermediate values of RFC 8613 Appendix C one by one.
 */
#ifndef OBOL_OSCORE_INT_H
#define OBOL_OSCORE_INT_H

#include <stddef.h>
#include <stdint.h>

#include "obol/oscore.h"

#if OBOL_OSCORE_MAX_ID > 7 || OBOL_OSCORE_MAX_ID < 0
#error "OBOL_OSCORE_MAX_ID: 0..7 (13-byte nonce minus 6, RFC 8613 3.3)"
#endif
#if OBOL_OSCORE_MAX_ID_CONTEXT > 255 || OBOL_OSCORE_MAX_ID_CONTEXT < 0
#error "OBOL_OSCORE_MAX_ID_CONTEXT: 0..255 (one length byte s, RFC 8613 6.1)"
#endif

/* Longest Partial IV: 5 bytes (RFC 8613 6.1, n = 0..5). */
#define OBOL_OSCORE_PIV_MAX 5

/*
 * The AAD (RFC 8613 5.4), Enc_structure = ["Encrypt0", h'', external_aad]
 * with external_aad = bstr .cbor aad_array and
 * aad_array = [1, [alg], request_kid, request_piv, h''].
 * aad_array is at most 1 (array) + 1 (version) + 3 ([30]) + 1 + 7 (kid)
 * + 1 + 5 (piv) + 1 (options) = 20 bytes, so external_aad takes a
 * one-byte bstr head and the whole AAD at most 11 + 1 + 20 = 32 bytes;
 * aad_array always starts at offset OBOL_OSCORE_AAD_ARRAY_OFF.
 */
#define OBOL_OSCORE_AAD_ARRAY_MAX (14 + OBOL_OSCORE_MAX_ID)
#define OBOL_OSCORE_AAD_MAX (12 + OBOL_OSCORE_AAD_ARRAY_MAX)
#define OBOL_OSCORE_AAD_ARRAY_OFF 12

/*
 * The HKDF info (RFC 8613 3.2.1), [id, id_context / nil, alg, type, L]:
 * 1 + (1 + 7) + (2 + id context) + 2 + 4 + 1 bytes at most.
 */
#define OBOL_OSCORE_INFO_MAX (18 + OBOL_OSCORE_MAX_ID + OBOL_OSCORE_MAX_ID_CONTEXT)

/* The OSCORE option value: flags, PIV, s, kid context, kid (6.1). */
#define OBOL_OSCORE_OPT_MAX (2 + OBOL_OSCORE_PIV_MAX + OBOL_OSCORE_MAX_ID_CONTEXT + OBOL_OSCORE_MAX_ID)

/* Tag length of an AEAD algorithm, 0 if obol does not do it for OSCORE. */
size_t obol_oscore_tag_len(int alg);

/*
 * info for the Sender/Recipient Key (iv = 0, L = 16) or the Common IV
 * (iv = 1, L = 13, id empty). id_context NULL encodes nil. Errors of the
 * CBOR encoder (OBOL_ERR_NO_SPACE).
 */
int obol_oscore_info(const uint8_t *id, size_t id_len, const uint8_t *id_context,
		     size_t id_context_len, int alg, int iv, uint8_t *out,
		     size_t cap, size_t *len);

/*
 * The AEAD nonce (RFC 8613 5.2): S = id_len, ID_PIV left-padded to 7
 * bytes, the Partial IV left-padded to 5 bytes, XOR the Common IV.
 * id_len <= 7, piv_len <= 5.
 */
void obol_oscore_nonce(const uint8_t common_iv[13], const uint8_t *id,
		       size_t id_len, const uint8_t *piv, size_t piv_len,
		       uint8_t nonce[13]);

/* The AAD (5.4) into out; *len its length (aad_array at offset 12). */
int obol_oscore_aad(int alg, const uint8_t *kid, size_t kid_len,
		    const uint8_t *piv, size_t piv_len,
		    uint8_t out[OBOL_OSCORE_AAD_MAX], size_t *len);

/* A Sender Sequence Number as a Partial IV: big-endian, no leading zero
 * bytes, 0 as 0x00 (RFC 8613 5). Returns the length, 1..5. */
size_t obol_oscore_piv_encode(uint64_t ssn, uint8_t piv[OBOL_OSCORE_PIV_MAX]);

/* A received Partial IV as a number; OBOL_ERR_OSCORE_OPTION unless it is
 * 1..5 bytes in the form piv_encode writes (no leading zero byte). */
int obol_oscore_piv_decode(const uint8_t *piv, size_t piv_len, uint64_t *v);

/* Replay window (RFC 8613 7.4, 3.2.2): may piv be accepted? OBOL_OK or
 * OBOL_ERR_OSCORE_REPLAY. Record marks it received. */
int obol_oscore_window_check(const struct obol_oscore_ctx *c, uint64_t piv);
void obol_oscore_window_record(struct obol_oscore_ctx *c, uint64_t piv);

/*
 * The COSE plaintext of a parsed message (RFC 8613 5.3): Code, the Class
 * E options (4.1; an inner Observe of a response is empty, 4.1.3.5.2),
 * then 0xff and the payload if any. out NULL only measures. Returns the
 * length.
 */
struct obol_coap_msg;
size_t obol_oscore_plaintext(const struct obol_coap_msg *m, int response,
			     uint8_t *out);

#endif /* OBOL_OSCORE_INT_H */
