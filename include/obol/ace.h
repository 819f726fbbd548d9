/*
 * The ACE OSCORE profile (RFC 9203) messages between client and resource
 * server, and the context derivation both of them run.
 *
 * Concepts
 * --------
 * After the AS gave the client a token and OSCORE_Input_Material (cnf
 * "osc", RFC 9203 3.2.1):
 *
 *   client: obol_ace_authz_info_build   {1: token, 40: N1, 43: ID1}
 *           -> POST /authz-info (application/ace+cbor) ->
 *   RS:     (rs.h does the RS side)     {42: N2, 44: ID2} in a 2.01
 *   client: obol_ace_authz_info_parse   N2, ID2
 *   both:   obol_ace_derive             Master Salt = salt | N1 | N2
 *
 * obol_ace_derive() serves both sides: the RS derives with Sender ID ID1
 * and Recipient ID ID2, the client with Sender ID ID2 and Recipient ID
 * ID1 (RFC 9203 4.3). That is why these helpers live in their own module
 * and not in rs.h: the RS engine links them too, a client links nothing
 * of the RS.
 *
 * Nothing is allocated; outputs are caller buffers, inputs views. The
 * parse functions return views into the payload given.
 */
#ifndef OBOL_ACE_H
#define OBOL_ACE_H

#include <stddef.h>
#include <stdint.h>

#include "obol/cwt.h"
#include "obol/oscore.h"

/* Content-Format application/ace+cbor (RFC 9200 8.16). */
#define OBOL_CF_ACE_CBOR 19

/* ACE parameter and error map keys (RFC 9200 8.10, 5.3; RFC 9203 9.2). */
#define OBOL_ACE_ACCESS_TOKEN 1
#define OBOL_ACE_ERROR 30
#define OBOL_ACE_NONCE1 40
#define OBOL_ACE_NONCE2 42
#define OBOL_ACE_CLIENT_RECIPIENTID 43
#define OBOL_ACE_SERVER_RECIPIENTID 44
/* AS Request Creation Hints (RFC 9200 5.3, Table 1). */
#define OBOL_ACE_HINT_AS 1
#define OBOL_ACE_HINT_KID 2
#define OBOL_ACE_HINT_AUDIENCE 5
#define OBOL_ACE_HINT_SCOPE 9
#define OBOL_ACE_HINT_CNONCE 39
/* Values of "error" (RFC 9200 8.5, Table of OAuth error codes). */
#define OBOL_ACE_ERR_INVALID_REQUEST 1
#define OBOL_ACE_ERR_INVALID_SCOPE 6
#define OBOL_ACE_ERR_INCOMPATIBLE_PROFILES 8

/* RFC 9203 4.1/4.2 recommend 64-bit random nonces. */
#define OBOL_ACE_NONCE_LEN 8

/*
 * The /authz-info payload of RFC 9203 4.1: {1: token, 40: n1, 43: id1} as
 * deterministic CBOR. For an update of access rights (4.1, last
 * paragraph) pass n1 = NULL and id1 = NULL: only the token is sent.
 * A NULL or short out gives OBOL_ERR_NO_SPACE with *len = the size.
 * OBOL_ERR_ARG: id1 longer than OBOL_OSCORE_MAX_ID, n1 empty, one of
 * n1/id1 NULL without the other.
 */
int obol_ace_authz_info_build(const uint8_t *token, size_t token_len,
			      const uint8_t *n1, size_t n1_len,
			      const uint8_t *id1, size_t id1_len, uint8_t *out,
			      size_t cap, size_t *len);

/*
 * The 2.01 payload of RFC 9203 4.2: {42: N2, 44: ID2}, strict CBOR;
 * other keys are ignored. OBOL_ERR_ACE_PARAM if either is missing, not a
 * byte string, N2 empty or ID2 longer than OBOL_OSCORE_MAX_ID; CBOR
 * errors for a malformed payload.
 */
int obol_ace_authz_info_parse(const uint8_t *payload, size_t len,
			      const uint8_t **n2, size_t *n2_len,
			      const uint8_t **id2, size_t *id2_len);

/*
 * Master Salt = salt | N1 | N2, each a CBOR byte string (RFC 9203 4.3 and
 * its example): 0x50 <16-byte salt> 0x48 <N1> 0x48 <N2>. A token without
 * salt contributes the empty byte string 0x40 (RFC 9203 leaves this case
 * open; obol reads "salt absent" as h'', the default Master Salt of
 * RFC 8613 3.2). A NULL or short out gives OBOL_ERR_NO_SPACE with *len = size.
 */
int obol_ace_master_salt(const uint8_t *salt, size_t salt_len,
			 const uint8_t *n1, size_t n1_len, const uint8_t *n2,
			 size_t n2_len, uint8_t *out, size_t cap, size_t *len);

/*
 * Derive the OSCORE context of RFC 9203 4.3 from the OSCORE_Input_Material
 * (ms, salt, contextId, alg, hkdf, version: the defaults of RFC 8613 3.2
 * for what is absent), N1, N2 and the IDs of this side. Client: sender =
 * ID2, recipient = ID1; RS: sender = ID1, recipient = ID2.
 * Errors: OBOL_ERR_ACE_IDS (the IDs are equal: 4.3 forbids deriving),
 * OBOL_ERR_ACE_PARAM (no ms, version other than 1, an hkdf other than
 * HKDF SHA-256, salt or nonces longer than OBOL_RS_MAX_NONCE, contextId
 * too long), OBOL_ERR_CRYPTO_UNSUPPORTED (alg), obol_oscore_derive's.
 * The Master Salt lives on the stack for the call and is wiped.
 */
int obol_ace_derive(struct obol_oscore_ctx *c,
		    const struct obol_oscore_input *osc, const uint8_t *n1,
		    size_t n1_len, const uint8_t *n2, size_t n2_len,
		    const uint8_t *sender_id, size_t sender_id_len,
		    const uint8_t *recipient_id, size_t recipient_id_len);

#endif /* OBOL_ACE_H */
