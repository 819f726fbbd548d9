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
	}
	return "unknown error";
}
