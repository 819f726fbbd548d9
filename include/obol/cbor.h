/*
 * CBOR (RFC 8949): a decoder and an encoder over caller buffers.
 *
 * Concepts
 * --------
 * Decoder. An obol_cbor_dec is a cursor: the input buffer, the offset of
 * the next item, and how many items are left in the container it walks.
 * It holds no pointer into itself, so copying it (plain assignment) saves
 * a position to come back to. Getters read one item and advance; on error
 * they leave the cursor where it was. Entering an array or map yields a
 * child cursor over its members; obol_cbor_leave() moves the parent past
 * the whole container (skipping members the caller did not read). The
 * input buffer is never copied: strings come back as pointers into it, so
 * it must stay valid and unchanged while they are in use.
 *
 * Strict mode (OBOL_CBOR_STRICT) is what every ACE message gets. At
 * obol_cbor_dec_init() the whole input is checked once, without recursion
 * and without allocation, and refused unless it is exactly one item (or,
 * with OBOL_CBOR_SEQUENCE, a CBOR sequence, RFC 8742) that is:
 *   - well-formed (RFC 8949 section 3 and Appendix F),
 *   - in definite-length encoding only (no indefinite strings or containers),
 *   - with every integer, length and tag in its shortest form (4.2.1),
 *   - without duplicate keys in any map (5.6),
 *   - with valid UTF-8 in every text string (5.3.1),
 *   - nested no deeper than OBOL_CBOR_MAX_DEPTH (config.h),
 *   - with no map of more than OBOL_CBOR_MAX_MAP_PAIRS pairs (config.h).
 * OBOL_CBOR_DETERMINISTIC adds the rest of RFC 8949 section 4.2.1: map keys
 * in bytewise lexicographic order of their encodings, floats in their
 * shortest exact form, and NaN only as f9 7e00 (what the encoder writes,
 * so that deterministic input always re-encodes to itself). It implies
 * OBOL_CBOR_STRICT.
 *
 * Without OBOL_CBOR_STRICT the decoder reads any well-formed CBOR,
 * indefinite lengths included, and checks well-formedness item by item as
 * it goes; use obol_cbor_validate() first when the whole input must be
 * checked before acting on any of it.
 *
 * Encoder. An obol_cbor_enc writes deterministically encoded items
 * (RFC 8949 4.2.1: shortest heads, definite lengths, shortest floats) into
 * a caller buffer. Writers return nothing: the first error is kept
 * ("sticky") and reported by obol_cbor_enc_finish(), and later writes are
 * ignored except for counting the size. With a NULL buffer (or one too
 * small) the encoder still counts, so finish() reports the size needed.
 * Map keys are written in the order the caller gives them: to stay
 * deterministic, give them in bytewise order of their encodings (for
 * small integer keys: 0..23, then 24.., then -1, -2, ...).
 *
 * Neither side allocates, uses globals or recurses. Stack use is bounded
 * by OBOL_CBOR_MAX_DEPTH (about 2 * sizeof(size_t) bytes per level, in
 * obol_cbor_validate() and obol_cbor_skip()).
 */
#ifndef OBOL_CBOR_H
#define OBOL_CBOR_H

#include <stddef.h>
#include <stdint.h>

#include "obol/config.h"
#include "obol/err.h"

/* Decoder flags (obol_cbor_dec_init, obol_cbor_validate). */
#define OBOL_CBOR_STRICT 0x01u        /* the checks listed above */
#define OBOL_CBOR_SEQUENCE 0x02u      /* zero or more top-level items (RFC 8742) */
#define OBOL_CBOR_DETERMINISTIC 0x04u /* strict + key order + shortest floats */

/* What the next item is (obol_cbor_peek). Values 0..6 are the major types. */
enum obol_cbor_type {
	OBOL_CBOR_UINT = 0,   /* major type 0 */
	OBOL_CBOR_NINT = 1,   /* major type 1: -1 - n */
	OBOL_CBOR_BSTR = 2,
	OBOL_CBOR_TSTR = 3,
	OBOL_CBOR_ARRAY = 4,
	OBOL_CBOR_MAP = 5,
	OBOL_CBOR_TAG = 6,
	OBOL_CBOR_SIMPLE = 7, /* false, true, null, undefined, simple(n) */
	OBOL_CBOR_FLOAT = 8   /* half, single or double precision */
};

/* Well-known simple values (RFC 8949 3.3). */
#define OBOL_CBOR_FALSE 20u
#define OBOL_CBOR_TRUE 21u
#define OBOL_CBOR_NULL 22u
#define OBOL_CBOR_UNDEFINED 23u

/*
 * The head of an item, as encoded (RFC 8949 3): major type (0..7),
 * additional information (0..31) and argument. For ai 31 (indefinite length
 * or "break") the argument is 0. For floats (major 7, ai 25..27) the
 * argument holds the raw bits of the half/single/double.
 */
struct obol_cbor_head {
	uint8_t major;
	uint8_t ai;
	uint64_t arg;
};

/* Decoder cursor. Treat the fields as private; copy freely. */
typedef struct obol_cbor_dec {
	const uint8_t *buf; /* start of the whole input (offsets count from here) */
	size_t end;         /* offset one past the last byte of the input */
	size_t pos;         /* offset of the next item */
	size_t left;        /* items left, if the container has a count */
	uint8_t flags;      /* OBOL_CBOR_* plus internal state bits */
	uint8_t depth;      /* nesting level of the items this cursor reads */
	uint8_t tags;       /* tag heads read before the current item */
} obol_cbor_dec;

/*
 * Start decoding buf[0..len). flags: OBOL_CBOR_STRICT, OBOL_CBOR_SEQUENCE,
 * OBOL_CBOR_DETERMINISTIC. Without OBOL_CBOR_SEQUENCE the input must hold
 * exactly one item. buf may be NULL only when len is 0.
 *
 * In strict mode the whole input is validated here. Returns OBOL_OK, or the
 * validation error; on error the cursor reads nothing (every getter returns
 * OBOL_ERR_CBOR_END) and obol_cbor_offset() gives the offset of the byte
 * where the problem was found. Without strict mode this never fails except
 * for OBOL_ERR_ARG.
 */
int obol_cbor_dec_init(obol_cbor_dec *d, const uint8_t *buf, size_t len,
		       unsigned flags);

/*
 * Check buf[0..len) as obol_cbor_dec_init() would with the same flags
 * (strict or not), without decoding it. Well-formedness, the nesting limit
 * and "exactly one item unless OBOL_CBOR_SEQUENCE" are always checked.
 * On error *err_off (if not NULL) receives the offset of the problem:
 *   - the head of the item that runs past the end (a head, a string, or a
 *     container whose declared members cannot all fit), or the end of the
 *     input where a further member was due;
 *   - the offending head for reserved/indefinite/non-shortest/break/chunk
 *     errors, and the break itself for OBOL_ERR_CBOR_MAP_ODD;
 *   - the first byte of the bad sequence for OBOL_ERR_CBOR_BAD_UTF8;
 *   - the later key for OBOL_ERR_CBOR_DUP_KEY and OBOL_ERR_CBOR_KEY_ORDER
 *     (key checks run when the map's last member has been read);
 *   - the map's head for OBOL_ERR_CBOR_MAP_SIZE;
 *   - the container or tag one level too deep for OBOL_ERR_CBOR_TOO_DEEP;
 *   - the first extra byte for OBOL_ERR_CBOR_TRAILING.
 * Errors are found in input order, except the key checks of a map, which
 * follow any error inside its members.
 */
int obol_cbor_validate(const uint8_t *buf, size_t len, unsigned flags,
		       size_t *err_off);

/* Offset of the next item from the start of the input. */
size_t obol_cbor_offset(const obol_cbor_dec *d);

/*
 * 1 if this cursor has no item left, 0 otherwise. In a container: all its
 * members were read. At the top level: the single item was read (without
 * OBOL_CBOR_SEQUENCE; bytes after it are not looked at here, strict mode
 * and obol_cbor_validate() refuse them), or the whole sequence was.
 */
int obol_cbor_at_end(const obol_cbor_dec *d);

/*
 * Type of the next item without consuming it: an enum obol_cbor_type value
 * (>= 0), OBOL_ERR_CBOR_END when there is none, or a decoding error.
 */
int obol_cbor_peek(const obol_cbor_dec *d);

/* The raw head of the next item, without consuming it. */
int obol_cbor_peek_head(const obol_cbor_dec *d, struct obol_cbor_head *h);

/*
 * Integers. get_uint* accept major type 0 only; get_int* accept 0 and 1.
 * OBOL_ERR_CBOR_RANGE when the value does not fit the C type;
 * OBOL_ERR_CBOR_TYPE for any other item. get_nint_raw reads major type 1
 * only and gives n for the value -1 - n, which covers -2^64 .. -1.
 */
int obol_cbor_get_uint64(obol_cbor_dec *d, uint64_t *v);
int obol_cbor_get_uint32(obol_cbor_dec *d, uint32_t *v);
int obol_cbor_get_int64(obol_cbor_dec *d, int64_t *v);
int obol_cbor_get_int32(obol_cbor_dec *d, int32_t *v);
int obol_cbor_get_nint_raw(obol_cbor_dec *d, uint64_t *n);

/*
 * Definite-length byte / text strings: *p points into the input, *len
 * bytes. An indefinite-length string gives OBOL_ERR_CBOR_INDEFINITE; read
 * it with obol_cbor_enter_chunks(). Text is returned as bytes, without a
 * terminating NUL; in strict mode it is known to be valid UTF-8.
 */
int obol_cbor_get_bstr(obol_cbor_dec *d, const uint8_t **p, size_t *len);
int obol_cbor_get_tstr(obol_cbor_dec *d, const char **p, size_t *len);

/*
 * Containers. On success *child walks the members (for a map: key, value,
 * key, value, ...) and *n (if not NULL) receives the number of members
 * (pairs for a map), or SIZE_MAX for an indefinite-length container.
 * OBOL_ERR_CBOR_TOO_DEEP if entering would exceed OBOL_CBOR_MAX_DEPTH.
 * The parent is not advanced until obol_cbor_leave(d, child), which skips
 * whatever the child has not read and moves d past the container.
 */
int obol_cbor_enter_array(obol_cbor_dec *d, obol_cbor_dec *child, size_t *n);
int obol_cbor_enter_map(obol_cbor_dec *d, obol_cbor_dec *child, size_t *n);
int obol_cbor_leave(obol_cbor_dec *d, const obol_cbor_dec *child);

/*
 * Indefinite-length byte or text string (non-strict mode only): *child
 * walks its chunks, each read with get_bstr/get_tstr of the same type;
 * then obol_cbor_leave(). OBOL_ERR_CBOR_TYPE if the next item is not an
 * indefinite-length string.
 */
int obol_cbor_enter_chunks(obol_cbor_dec *d, obol_cbor_dec *child);

/*
 * A tag head: *tag receives the number; the tagged item follows and is read
 * with the same cursor. Each tag counts one nesting level for the item it
 * wraps (as in obol_cbor_validate): OBOL_ERR_CBOR_TOO_DEEP past the limit.
 * OBOL_ERR_CBOR_BAD_BREAK if a "break" stands where the content should.
 */
int obol_cbor_get_tag(obol_cbor_dec *d, uint64_t *tag);

/*
 * Simple values: get_simple accepts any (0..19, 20 false, 21 true, 22 null,
 * 23 undefined, 32..255); the others accept only the value they name.
 */
int obol_cbor_get_simple(obol_cbor_dec *d, uint8_t *v);
int obol_cbor_get_bool(obol_cbor_dec *d, int *v);
int obol_cbor_get_null(obol_cbor_dec *d);
int obol_cbor_get_undefined(obol_cbor_dec *d);

/*
 * Floating point of any width, converted exactly to a double (half and
 * single precision values are all representable). Bit manipulation only:
 * no floating-point arithmetic is pulled in on MCUs without an FPU.
 */
int obol_cbor_get_double(obol_cbor_dec *d, double *v);

/* Skip the next item, however deeply nested. */
int obol_cbor_skip(obol_cbor_dec *d);

/*
 * The encoded bytes of the next item, without decoding it: *p points into
 * the input, *len is the item's full length; the cursor advances past it.
 * Useful to hash, compare or store a sub-item (e.g. a COSE header map).
 */
int obol_cbor_get_raw(obol_cbor_dec *d, const uint8_t **p, size_t *len);

/* Encoder. Treat the fields as private. */
typedef struct obol_cbor_enc {
	uint8_t *buf;  /* output, or NULL to count only */
	size_t cap;    /* size of buf */
	size_t len;    /* bytes produced so far (counted even past cap) */
	size_t owed;   /* items still due to fill the containers opened */
	int err;       /* first error, OBOL_OK if none */
} obol_cbor_enc;

/* Start encoding into buf[0..cap). buf may be NULL (cap 0) to measure. */
void obol_cbor_enc_init(obol_cbor_enc *e, uint8_t *buf, size_t cap);

/*
 * Finish: returns the first error met (OBOL_ERR_NO_SPACE when the buffer
 * was too small or NULL, OBOL_ERR_CBOR_NESTING when an array or map got
 * fewer members than declared, OBOL_ERR_ARG for a bad argument), else
 * OBOL_OK. *len (if not NULL) receives the number of bytes the encoding
 * takes, also on OBOL_ERR_NO_SPACE, so the caller can size a buffer.
 */
int obol_cbor_enc_finish(const obol_cbor_enc *e, size_t *len);

/*
 * Record err (< 0) as the encoder's sticky error, unless one is already
 * kept: for writers built on this encoder (COSE, CWT, AIF) that refuse
 * their own input, so that finish() reports it like any other error.
 */
void obol_cbor_enc_fail(obol_cbor_enc *e, int err);

void obol_cbor_put_uint(obol_cbor_enc *e, uint64_t v);
void obol_cbor_put_int(obol_cbor_enc *e, int64_t v);
void obol_cbor_put_nint_raw(obol_cbor_enc *e, uint64_t n); /* writes -1 - n */
void obol_cbor_put_bstr(obol_cbor_enc *e, const uint8_t *p, size_t len);
void obol_cbor_put_tstr(obol_cbor_enc *e, const char *p, size_t len);
/* Text from a NUL-terminated string. */
void obol_cbor_put_text(obol_cbor_enc *e, const char *s);
/* Heads of containers: the next n items (2n for a map) are the members. */
void obol_cbor_put_array(obol_cbor_enc *e, size_t n);
void obol_cbor_put_map(obol_cbor_enc *e, size_t npairs);
/* A tag: the next item is its content. */
void obol_cbor_put_tag(obol_cbor_enc *e, uint64_t tag);
/* Simple value 0..23 or 32..255 (24..31 are not valid: OBOL_ERR_ARG). */
void obol_cbor_put_simple(obol_cbor_enc *e, uint8_t v);
void obol_cbor_put_bool(obol_cbor_enc *e, int v);
void obol_cbor_put_null(obol_cbor_enc *e);
void obol_cbor_put_undefined(obol_cbor_enc *e);
/*
 * A float in the shortest of half/single/double that keeps its value
 * exactly (RFC 8949 4.2.1); every NaN is written as f9 7e00.
 */
void obol_cbor_put_double(obol_cbor_enc *e, double v);
/*
 * One complete, already encoded item, copied as is (counts as one item).
 * The caller vouches that it is one well-formed, deterministic item.
 */
void obol_cbor_put_raw(obol_cbor_enc *e, const uint8_t *p, size_t len);

#endif /* OBOL_CBOR_H */
