/* Error descriptions (include/obol/err.h). */
#include "obol/err.h"

const char *obol_err_str(int err)
{
	switch ((enum obol_err)err) {
	case OBOL_OK: return "no error";
	case OBOL_ERR_ARG: return "invalid argument";
	case OBOL_ERR_NO_SPACE: return "output buffer too small";
	case OBOL_ERR_CBOR_TRUNCATED: return "CBOR: item runs past the end of the input";
	case OBOL_ERR_CBOR_RESERVED_AI: return "CBOR: reserved additional information (28-30)";
	case OBOL_ERR_CBOR_BAD_SIMPLE: return "CBOR: two-byte simple value below 32";
	case OBOL_ERR_CBOR_BAD_INDEF: return "CBOR: indefinite length on an integer or tag";
	case OBOL_ERR_CBOR_BAD_CHUNK: return "CBOR: bad chunk in an indefinite-length string";
	case OBOL_ERR_CBOR_BAD_BREAK: return "CBOR: break outside an indefinite-length item";
	case OBOL_ERR_CBOR_MAP_ODD: return "CBOR: map ends after a key without its value";
	case OBOL_ERR_CBOR_TRAILING: return "CBOR: trailing bytes after the item";
	case OBOL_ERR_CBOR_INDEFINITE: return "CBOR: indefinite length not allowed";
	case OBOL_ERR_CBOR_NON_SHORTEST: return "CBOR: value not in its shortest encoding";
	case OBOL_ERR_CBOR_DUP_KEY: return "CBOR: duplicate map key";
	case OBOL_ERR_CBOR_BAD_UTF8: return "CBOR: text string is not valid UTF-8";
	case OBOL_ERR_CBOR_TOO_DEEP: return "CBOR: nesting too deep";
	case OBOL_ERR_CBOR_KEY_ORDER: return "CBOR: map keys not in deterministic order";
	case OBOL_ERR_CBOR_MAP_SIZE: return "CBOR: map has too many pairs";
	case OBOL_ERR_CBOR_TYPE: return "CBOR: unexpected item type";
	case OBOL_ERR_CBOR_RANGE: return "CBOR: value out of range";
	case OBOL_ERR_CBOR_END: return "CBOR: no more items";
	case OBOL_ERR_CBOR_NESTING: return "CBOR: container has fewer items than declared";
	case OBOL_ERR_CRYPTO_UNSUPPORTED: return "crypto: algorithm not supported by this backend";
	case OBOL_ERR_CRYPTO_AUTH: return "crypto: authentication failed";
	case OBOL_ERR_CRYPTO_KEY: return "crypto: bad key";
	case OBOL_ERR_CRYPTO_RNG: return "crypto: no randomness available";
	case OBOL_ERR_CRYPTO_INTERNAL: return "crypto: internal error";
	case OBOL_ERR_COSE_TAG: return "COSE: bad tag";
	case OBOL_ERR_COSE_FORMAT: return "COSE: malformed structure";
	case OBOL_ERR_COSE_ALG: return "COSE: unknown algorithm";
	case OBOL_ERR_COSE_ALG_MISMATCH: return "COSE: key does not match the algorithm";
	case OBOL_ERR_COSE_CRIT: return "COSE: unknown critical header";
	case OBOL_ERR_COSE_IV: return "COSE: missing or wrong-length IV";
	case OBOL_ERR_COSE_KID: return "COSE: wrong key id";
	case OBOL_ERR_COSE_HEADER: return "COSE: bad header parameter";
	case OBOL_ERR_COSE_KEY: return "COSE: bad COSE_Key";
	case OBOL_ERR_CWT_CLAIM: return "CWT: malformed claim";
	case OBOL_ERR_CWT_AUD: return "CWT: wrong audience";
	case OBOL_ERR_CWT_EXPIRED: return "CWT: expired";
	case OBOL_ERR_CWT_NOT_YET: return "CWT: not yet valid";
	case OBOL_ERR_CWT_MISSING: return "CWT: required claim missing";
	case OBOL_ERR_CWT_CNF: return "CWT: bad confirmation (cnf) claim";
	case OBOL_ERR_CWT_NO_TIME: return "CWT: no expiry this resource server can check";
	case OBOL_ERR_AIF: return "AIF: malformed scope";
	case OBOL_ERR_COAP_TRUNCATED: return "CoAP: message truncated";
	case OBOL_ERR_COAP_VERSION: return "CoAP: unknown version";
	case OBOL_ERR_COAP_TOKEN_LEN: return "CoAP: token longer than 8 bytes";
	case OBOL_ERR_COAP_OPTION: return "CoAP: malformed option";
	case OBOL_ERR_COAP_RESERVED: return "CoAP: reserved option nibble 15";
	case OBOL_ERR_COAP_EMPTY_PAYLOAD: return "CoAP: payload marker without payload";
	case OBOL_ERR_COAP_EMPTY_MSG: return "CoAP: Empty message with content";
	case OBOL_ERR_COAP_ORDER: return "CoAP: options not in ascending order";
	case OBOL_ERR_OSCORE_OPTION: return "OSCORE: failed to decode COSE";
	case OBOL_ERR_OSCORE_NO_CONTEXT: return "OSCORE: security context not found";
	case OBOL_ERR_OSCORE_DECRYPT: return "OSCORE: decryption failed";
	case OBOL_ERR_OSCORE_REPLAY: return "OSCORE: replay detected";
	case OBOL_ERR_OSCORE_FRESHNESS: return "OSCORE: freshness not verified (Echo needed)";
	case OBOL_ERR_OSCORE_SSN_EXHAUSTED: return "OSCORE: sender sequence numbers exhausted";
	case OBOL_ERR_OSCORE_PERSIST: return "OSCORE: sequence number could not be persisted";
	case OBOL_ERR_OSCORE_NOT_OSCORE: return "OSCORE: message is not protected";
	case OBOL_ERR_OSCORE_MISMATCH: return "OSCORE: response does not match the request";
	case OBOL_ERR_RS_IGNORE: return "RS: nothing to answer";
	case OBOL_ERR_RS_CONFIG: return "RS: bad configuration";
	case OBOL_ERR_ACE_PARAM: return "ACE: parameter missing or malformed";
	case OBOL_ERR_ACE_IDS: return "ACE: client and server recipient IDs are equal";
	case OBOL_ERR_SLIP_ESCAPE: return "SLIP: bad escape sequence, frame dropped";
	case OBOL_ERR_SLIP_OVERFLOW: return "SLIP: frame longer than the buffer, dropped";
	}
	return "unknown error";
}
