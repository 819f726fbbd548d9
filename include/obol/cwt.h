/*
 * CWT (RFC 8392) access tokens with proof-of-possession keys (RFC 8747),
 * the ACE claims (RFC 9200) and the OSCORE profile's cnf (RFC 9203).
 *
 * Concepts
 * --------
 * Claims set. struct obol_cwt_claims is a view of a decoded claims map:
 * strings and byte strings point into the buffer it was decoded from (for
 * an encrypted token: the token buffer itself, decrypted in place), so the
 * claims stay valid as long as that buffer does. `present` says which
 * claims were found (OBOL_CWT_F_*). Unknown claims are skipped.
 * NumericDate claims (exp, nbf, iat) must be integers: floating-point
 * dates are refused (OBOL_ERR_CWT_CLAIM), since ACE devices have no FPU.
 *
 * Scope (RFC 9200 5.8.1 registers scope as a text or byte string; RFC 9237
 * AIF is carried as a byte string holding the CBOR AIF, and deployed
 * implementations also send the AIF array bare). On input all three are
 * accepted: a text string is OBOL_CWT_SCOPE_TEXT; a byte string whose
 * content is a valid AIF-REST array, or a bare AIF array, is
 * OBOL_CWT_SCOPE_AIF with scope/scope_len = the encoded array; any other
 * byte string is OBOL_CWT_SCOPE_BYTES. On output an AIF scope is always
 * written as the byte string holding the CBOR AIF (the registered form).
 *
 * cnf (RFC 8747 3.1): exactly one confirmation method: COSE_Key (1),
 * Encrypted_COSE_Key (2, given back encoded: decrypt it with
 * obol_cose_decrypt0), kid (3), or RFC 9203 OSCORE_Input_Material (4).
 *
 * Tokens. obol_cwt_protect() encodes claims and wraps them in
 * COSE_Encrypt0 (obol's default: no claim is readable on the wire),
 * COSE_Mac0 or COSE_Sign1, optionally inside the CWT tag 61.
 * obol_cwt_validate() is what a resource server runs on a token it
 * receives: it unwraps tag 61, picks the key, decrypts (in place) or
 * verifies, decodes the claims and checks audience and time.
 */
#ifndef OBOL_CWT_H
#define OBOL_CWT_H

#include <stddef.h>
#include <stdint.h>

#include "obol/cbor.h"
#include "obol/cose.h"

/* Claim keys (RFC 8392 4, RFC 9200 8.13 and 5.10.3). */
#define OBOL_CWT_ISS 1
#define OBOL_CWT_SUB 2
#define OBOL_CWT_AUD 3
#define OBOL_CWT_EXP 4
#define OBOL_CWT_NBF 5
#define OBOL_CWT_IAT 6
#define OBOL_CWT_CTI 7
#define OBOL_CWT_CNF 8
#define OBOL_CWT_SCOPE 9
#define OBOL_CWT_ACE_PROFILE 38
#define OBOL_CWT_CNONCE 39
#define OBOL_CWT_EXI 40

/* Bits of obol_cwt_claims.present. */
#define OBOL_CWT_F_ISS 0x0001u
#define OBOL_CWT_F_SUB 0x0002u
#define OBOL_CWT_F_AUD 0x0004u
#define OBOL_CWT_F_EXP 0x0008u
#define OBOL_CWT_F_NBF 0x0010u
#define OBOL_CWT_F_IAT 0x0020u
#define OBOL_CWT_F_CTI 0x0040u
#define OBOL_CWT_F_CNF 0x0080u
#define OBOL_CWT_F_SCOPE 0x0100u
#define OBOL_CWT_F_ACE_PROFILE 0x0200u
#define OBOL_CWT_F_CNONCE 0x0400u
#define OBOL_CWT_F_EXI 0x0800u

/* ACE profile identifiers (RFC 9200 8.8 registry; RFC 9202, RFC 9203). */
#define OBOL_ACE_PROFILE_COAP_DTLS 1
#define OBOL_ACE_PROFILE_COAP_OSCORE 2

enum obol_cwt_scope_type {
	OBOL_CWT_SCOPE_NONE = 0,
	OBOL_CWT_SCOPE_TEXT = 1,  /* scope: UTF-8 text (space-separated) */
	OBOL_CWT_SCOPE_BYTES = 2, /* scope: opaque bytes */
	OBOL_CWT_SCOPE_AIF = 3    /* scope: an encoded AIF-REST array (aif.h) */
};

/* cnf methods (RFC 8747 3.1, RFC 9203 9.x: "osc" = 4). */
enum obol_cwt_cnf_type {
	OBOL_CWT_CNF_NONE = 0,
	OBOL_CWT_CNF_COSE_KEY = 1,
	OBOL_CWT_CNF_ENCRYPTED_KEY = 2,
	OBOL_CWT_CNF_KID = 3,
	OBOL_CWT_CNF_OSCORE = 4
};

/* OSCORE_Input_Material labels (RFC 9203 3.2.1) and presence bits. */
#define OBOL_OSC_ID 0
#define OBOL_OSC_VERSION 1
#define OBOL_OSC_MS 2
#define OBOL_OSC_HKDF 3
#define OBOL_OSC_ALG 4
#define OBOL_OSC_SALT 5
#define OBOL_OSC_CONTEXT_ID 6
#define OBOL_OSC_F(label) (1u << (label))

/*
 * RFC 9203 3.2.1. id and ms are required (OBOL_ERR_CWT_CNF without them);
 * hkdf and alg are COSE algorithm integers (text names are refused);
 * an unknown label is refused too (RFC 9203 4.2: "unrecognized").
 */
struct obol_oscore_input {
	unsigned present; /* OBOL_OSC_F(label) bits */
	const uint8_t *id;
	size_t id_len;
	uint64_t version;
	const uint8_t *ms;
	size_t ms_len;
	int hkdf;
	int alg;
	const uint8_t *salt;
	size_t salt_len;
	const uint8_t *context_id;
	size_t context_id_len;
};

struct obol_cwt_claims {
	unsigned present; /* OBOL_CWT_F_* */
	const char *iss;
	size_t iss_len;
	const char *sub;
	size_t sub_len;
	const char *aud; /* one text string (RFC 8392 3.1.3 also allows an
			  * array; obol refuses it: OBOL_ERR_CWT_CLAIM) */
	size_t aud_len;
	int64_t exp;
	int64_t nbf;
	int64_t iat;
	const uint8_t *cti;
	size_t cti_len;
	int scope_type; /* enum obol_cwt_scope_type */
	const uint8_t *scope;
	size_t scope_len;
	int cnf_type; /* enum obol_cwt_cnf_type */
	struct obol_cose_key cnf_key;      /* OBOL_CWT_CNF_COSE_KEY */
	const uint8_t *cnf_raw;            /* ENCRYPTED_KEY: the encoded COSE
					    * message; KID: the kid bytes */
	size_t cnf_raw_len;
	struct obol_oscore_input cnf_osc;  /* OBOL_CWT_CNF_OSCORE */
	uint64_t exi;
	int64_t ace_profile;
	const uint8_t *cnonce;
	size_t cnonce_len;
};

/*
 * Decode a claims set: buf holds exactly one strict CBOR map. On error
 * *c is unspecified. OBOL_ERR_CWT_CLAIM for a claim of the wrong type,
 * OBOL_ERR_CWT_CNF for a bad cnf, OBOL_ERR_AIF for a bare array scope
 * that is not AIF-REST, CBOR errors for bad CBOR.
 */
int obol_cwt_decode_claims(const uint8_t *buf, size_t len,
			   struct obol_cwt_claims *c);

/*
 * Write the claims present in c as one map, keys in deterministic order.
 * Fields are written as decoded: scope of type AIF as a byte string
 * holding the array (see above).
 */
void obol_cwt_encode_claims(obol_cbor_enc *e, const struct obol_cwt_claims *c);

/*
 * Write only the cnf of c (its cnf_type and value), as the cnf map
 * {method: value} the claim holds: what an AS also returns to the client
 * in the cnf parameter (RFC 9200 5.8.2, RFC 9203 3.2).
 */
void obol_cwt_encode_cnf(obol_cbor_enc *e, const struct obol_cwt_claims *c);

/* How to protect a token (obol_cwt_protect). */
enum obol_cwt_protection {
	OBOL_CWT_ENCRYPT0 = OBOL_COSE_TAG_ENCRYPT0,
	OBOL_CWT_MAC0 = OBOL_COSE_TAG_MAC0,
	OBOL_CWT_SIGN1 = OBOL_COSE_TAG_SIGN1
};

/* Flags of obol_cwt_protect and obol_cwt_policy.flags. */
#define OBOL_CWT_TAG61 0x01u          /* protect: wrap in the CWT tag 61 */
#define OBOL_CWT_ALLOW_NO_EXPIRY 0x02u /* validate: accept a token with neither exp nor exi */

/*
 * Encode c and protect it. scratch (at least the encoded claims' size;
 * it must not overlap out) holds the claims while they are encrypted,
 * MACed or signed; it is wiped on every path. Output: the COSE message
 * (tagged 16/17/18 unless OBOL_COSE_UNTAGGED in cose_flags), inside tag
 * 61 with OBOL_CWT_TAG61 (which needs the COSE tag: with
 * OBOL_COSE_UNTAGGED it is OBOL_ERR_ARG). Sizes: a NULL or short scratch
 * gives OBOL_ERR_NO_SPACE with *out_len = the scratch size needed; then a
 * NULL or short out gives OBOL_ERR_NO_SPACE with *out_len = the token
 * size. Claims the decoder would refuse are not written (OBOL_ERR_ARG).
 */
int obol_cwt_protect(enum obol_cwt_protection how,
		     const struct obol_cose_key *key,
		     const struct obol_cose_hdr *hdr, unsigned cose_flags,
		     unsigned cwt_flags, const struct obol_cwt_claims *c,
		     uint8_t *scratch, size_t scratch_cap, uint8_t *out,
		     size_t cap, size_t *out_len);

#define OBOL_CWT_NO_CLOCK INT64_MIN

/* What the validating party accepts. */
struct obol_cwt_policy {
	/* Its own audience names; naud 0 skips the audience check (for
	 * tools only: a resource server always names itself). */
	const char *const *audiences;
	size_t naud;
	/* Unix time now, or OBOL_CWT_NO_CLOCK for a device without a
	 * wall clock: then exp/nbf cannot be checked, and a token must carry
	 * exi (RFC 9200 5.10.3) or it is refused with OBOL_ERR_CWT_NO_TIME. */
	int64_t now;
	int64_t leeway; /* seconds of clock skew tolerated for exp and nbf */
	/* Which protections are accepted: bit (1 << 16) Encrypt0,
	 * (1 << 17) Mac0, (1 << 18) Sign1. 0 means Encrypt0 only. */
	uint32_t accept;
	unsigned flags; /* OBOL_CWT_ALLOW_NO_EXPIRY */
};

/*
 * Validate a token as a resource server does (RFC 8392 7.2, RFC 9200
 * 5.10.1.1): optional tag 61; the COSE message (tagged or not, of a type
 * the policy accepts); the key: the one whose kid equals the message's
 * kid, or, if the message has no kid, the only key given (else
 * OBOL_ERR_COSE_KID); decrypt IN PLACE (token is overwritten with the
 * plaintext) or verify; decode the claims into *c; then check, in this
 * order: aud (OBOL_ERR_CWT_AUD), exp (OBOL_ERR_CWT_EXPIRED), nbf
 * (OBOL_ERR_CWT_NOT_YET), and that some expiry can be checked
 * (OBOL_ERR_CWT_NO_TIME). Expired means now >= exp + leeway; not yet
 * valid means now + leeway < nbf; a negative leeway is OBOL_ERR_ARG.
 * A protection outside policy->accept is OBOL_ERR_COSE_FORMAT. A payload
 * that is itself a tagged COSE message is opened too (RFC 8392 7.2 step
 * 9, as in RFC 8392 A.6), at most two layers, each chosen by the same key
 * rule and accept mask. exi itself is the caller's to track from the
 * moment the token arrived (obol_cwt_exi_expired). On error the decrypted
 * plaintext (it holds the PoP key) is wiped and *c is zeroed.
 */
int obol_cwt_validate(uint8_t *token, size_t len,
		      const struct obol_cose_key *keys, size_t nkeys,
		      const struct obol_cwt_policy *policy,
		      struct obol_cwt_claims *c);

/*
 * exi (RFC 9200 5.10.3): 1 if a token with claim exi, received when a
 * monotonic seconds counter read `received`, has expired when it reads
 * `now`; else 0. Wrap-safe for counters that do not run backwards.
 */
int obol_cwt_exi_expired(uint64_t received, uint64_t now, uint64_t exi);

#endif /* OBOL_CWT_H */
