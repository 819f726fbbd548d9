/*
 * obol error codes.
 *
 * Every fallible function in the core returns an int: OBOL_OK (0) on
 * success, or one negative value of enum obol_err. The values are grouped
 * in ranges so that a caller can ask about a class of error without
 * listing its members (model: QCBOR's "not well-formed" range):
 *
 *   -1 .. -15   general (arguments, output buffers)
 *   -16 .. -31  CBOR: the input is not well-formed (RFC 8949 Appendix F)
 *   -32 .. -47  CBOR: well-formed, but refused (strict mode, limits)
 *   -48 .. -63  CBOR: the item is not what the caller asked for
 *   -64 .. -79  crypto backends
 *   -80 .. -95  COSE
 *   -96 .. -111 CWT and AIF
 *   -112 .. -127 CoAP messages
 *   -128 .. -143 OSCORE
 *   -144 .. -159 ACE resource server engine and client helpers
 *   -160 .. -175 SLIP framing (RFC 1055)
 *
 * Later modules (CoAP, OSCORE, ...) take the next ranges.
 * The numeric values are part of the ABI: never renumber, only append.
 */
#ifndef OBOL_ERR_H
#define OBOL_ERR_H

enum obol_err {
	OBOL_OK = 0,

	/* general */
	OBOL_ERR_ARG = -1,        /* invalid argument (NULL where not allowed, ...) */
	OBOL_ERR_NO_SPACE = -2,   /* output buffer too small */

	/* CBOR, not well-formed: no decoder can read this */
	OBOL_ERR_CBOR_TRUNCATED = -16,   /* the item runs past the end of the input */
	OBOL_ERR_CBOR_RESERVED_AI = -17, /* additional information 28, 29 or 30 */
	OBOL_ERR_CBOR_BAD_SIMPLE = -18,  /* two-byte simple value below 32 (f8 00..f8 1f) */
	OBOL_ERR_CBOR_BAD_INDEF = -19,   /* indefinite length on an integer or a tag */
	OBOL_ERR_CBOR_BAD_CHUNK = -20,   /* chunk of an indefinite string of another type */
	OBOL_ERR_CBOR_BAD_BREAK = -21,   /* "break" (ff) outside an indefinite container */
	OBOL_ERR_CBOR_MAP_ODD = -22,     /* indefinite map ends after a key without value */
	OBOL_ERR_CBOR_TRAILING = -23,    /* bytes after the single expected item */

	/* CBOR, well-formed but refused */
	OBOL_ERR_CBOR_INDEFINITE = -32,  /* strict: indefinite-length item */
	OBOL_ERR_CBOR_NON_SHORTEST = -33,/* strict: argument not in its shortest form */
	OBOL_ERR_CBOR_DUP_KEY = -34,     /* strict: the same key twice in one map */
	OBOL_ERR_CBOR_BAD_UTF8 = -35,    /* strict: text string is not valid UTF-8 */
	OBOL_ERR_CBOR_TOO_DEEP = -36,    /* nesting deeper than OBOL_CBOR_MAX_DEPTH */
	OBOL_ERR_CBOR_KEY_ORDER = -37,   /* deterministic: map keys not in bytewise order */
	OBOL_ERR_CBOR_MAP_SIZE = -38,    /* strict: map of more than OBOL_CBOR_MAX_MAP_PAIRS */

	/* CBOR, item is not what was asked for */
	OBOL_ERR_CBOR_TYPE = -48,        /* another major type / simple value */
	OBOL_ERR_CBOR_RANGE = -49,       /* the value does not fit the requested C type */
	OBOL_ERR_CBOR_END = -50,         /* no more items in this container */
	OBOL_ERR_CBOR_NESTING = -51,     /* encoder: containers not closed as opened */

	/* crypto */
	OBOL_ERR_CRYPTO_UNSUPPORTED = -64, /* algorithm not in this backend */
	OBOL_ERR_CRYPTO_AUTH = -65,      /* tag, MAC or signature does not verify */
	OBOL_ERR_CRYPTO_KEY = -66,       /* key of the wrong size or form */
	OBOL_ERR_CRYPTO_RNG = -67,       /* no randomness available */
	OBOL_ERR_CRYPTO_INTERNAL = -68,  /* the crypto library failed */

	/* COSE (RFC 9052/9053) */
	OBOL_ERR_COSE_TAG = -80,         /* CBOR tag missing, unexpected or wrong */
	OBOL_ERR_COSE_FORMAT = -81,      /* not a COSE structure of the expected type */
	OBOL_ERR_COSE_ALG = -82,         /* algorithm missing, unknown or not allowed */
	OBOL_ERR_COSE_ALG_MISMATCH = -83,/* key's algorithm or type differs from the header */
	OBOL_ERR_COSE_CRIT = -84,        /* unknown critical header parameter */
	OBOL_ERR_COSE_IV = -85,          /* IV missing or of the wrong length */
	OBOL_ERR_COSE_KID = -86,         /* kid differs from the key's kid */
	OBOL_ERR_COSE_HEADER = -87,      /* bad header (type, duplicate, empty-map encoding) */
	OBOL_ERR_COSE_KEY = -88,         /* malformed or unusable COSE_Key */

	/* CWT (RFC 8392, 8747, 9200, 9203) and AIF (RFC 9237) */
	OBOL_ERR_CWT_CLAIM = -96,        /* a claim of the wrong type or form */
	OBOL_ERR_CWT_AUD = -97,          /* audience missing or not ours */
	OBOL_ERR_CWT_EXPIRED = -98,      /* exp (or exi) has passed */
	OBOL_ERR_CWT_NOT_YET = -99,      /* nbf is in the future */
	OBOL_ERR_CWT_MISSING = -100,     /* a required claim is absent */
	OBOL_ERR_CWT_CNF = -101,         /* cnf malformed or of an unknown method */
	OBOL_ERR_CWT_NO_TIME = -102,     /* no expiry the RS can check (exp without a clock) */
	OBOL_ERR_AIF = -103,             /* scope is not valid AIF-REST */

	/* CoAP (RFC 7252 3) */
	OBOL_ERR_COAP_TRUNCATED = -112,  /* shorter than the header, or the token */
	OBOL_ERR_COAP_VERSION = -113,    /* version is not 1 */
	OBOL_ERR_COAP_TOKEN_LEN = -114,  /* token length 9..15 */
	OBOL_ERR_COAP_OPTION = -115,     /* option delta/length runs past the end or overflows */
	OBOL_ERR_COAP_RESERVED = -116,   /* nibble 15 other than the payload marker */
	OBOL_ERR_COAP_EMPTY_PAYLOAD = -117, /* payload marker without payload */
	OBOL_ERR_COAP_EMPTY_MSG = -118,  /* Empty message (0.00) with token, options or payload */
	OBOL_ERR_COAP_ORDER = -119,      /* builder: option numbers not ascending */

	/* OSCORE (RFC 8613) */
	OBOL_ERR_OSCORE_OPTION = -128,   /* malformed OSCORE option or COSE object (4.02) */
	OBOL_ERR_OSCORE_NO_CONTEXT = -129, /* kid / kid context not ours (4.01) */
	OBOL_ERR_OSCORE_DECRYPT = -130,  /* decryption or inner message failed (4.00) */
	OBOL_ERR_OSCORE_REPLAY = -131,   /* Partial IV seen before or too old (4.01) */
	OBOL_ERR_OSCORE_FRESHNESS = -132,/* window untrusted: Echo needed (B.1.2) */
	OBOL_ERR_OSCORE_SSN_EXHAUSTED = -133, /* sender sequence numbers used up */
	OBOL_ERR_OSCORE_PERSIST = -134,  /* the SSN persistence hook failed */
	OBOL_ERR_OSCORE_NOT_OSCORE = -135, /* no OSCORE option where one is needed */
	OBOL_ERR_OSCORE_MISMATCH = -136, /* response without the request's binding */

	/* ACE resource server (rs.h) and OSCORE-profile helpers (ace.h) */
	OBOL_ERR_RS_IGNORE = -144,       /* nothing to send (ACK, RST, a response, NON Empty) */
	OBOL_ERR_RS_CONFIG = -145,       /* unusable configuration or resource table */
	OBOL_ERR_ACE_PARAM = -146,       /* ACE message: parameter missing, malformed or too long */
	OBOL_ERR_ACE_IDS = -147,         /* ID1 equals ID2 (RFC 9203 4.3): no context */

	/* SLIP framing (slip.h) */
	OBOL_ERR_SLIP_ESCAPE = -160,     /* ESC followed by neither ESC_END nor ESC_ESC: frame dropped */
	OBOL_ERR_SLIP_OVERFLOW = -161    /* frame longer than the buffer: dropped */
};

/* Range tests, for callers that care about the class only. */
#define OBOL_ERR_IS_CBOR_MALFORMED(e) ((e) <= -16 && (e) >= -31)
#define OBOL_ERR_IS_CBOR_REFUSED(e) ((e) <= -32 && (e) >= -47)

/*
 * A short English description of an error code, e.g. "CBOR: item runs past
 * the end of the input". Never NULL; unknown codes give "unknown error".
 * The strings live in their own object file: firmware that never calls
 * this function does not pay for them.
 */
const char *obol_err_str(int err);

#endif /* OBOL_ERR_H */
