/*
 * A minimal CoAP message codec (RFC 7252 section 3), sans I/O: enough for
 * OSCORE and the ACE resource server on an MCU.
 *
 * Concepts
 * --------
 * Parsing checks a whole datagram once and gives a struct obol_coap_msg:
 * header fields and token by value, options and payload as views into
 * the caller's buffer (valid while it is). The checks (each a distinct
 * error): version 1 (OBOL_ERR_COAP_VERSION); token length 0..8
 * (OBOL_ERR_COAP_TOKEN_LEN); every option's delta/length, including the
 * extended 1- and 2-byte forms, within the datagram and with option
 * numbers below 65536 (OBOL_ERR_COAP_OPTION); nibble 15 only as the
 * payload marker 0xff (OBOL_ERR_COAP_RESERVED); a payload marker followed
 * by a payload (OBOL_ERR_COAP_EMPTY_PAYLOAD); an Empty message (code
 * 0.00) with nothing after the 4-byte header (OBOL_ERR_COAP_EMPTY_MSG);
 * at least 4 bytes and the token inside (OBOL_ERR_COAP_TRUNCATED).
 *
 * Options are read with an iterator (numbers ascending, repeats in
 * order) or found by number. Building writes the header, then options in
 * ascending number order (repeats allowed; a smaller number after a
 * larger one is OBOL_ERR_COAP_ORDER), then the payload. Errors are sticky
 * and reported by obol_coap_build_finish, like the CBOR encoder's; a
 * NULL buffer measures.
 */
#ifndef OBOL_COAP_H
#define OBOL_COAP_H

#include <stddef.h>
#include <stdint.h>

#include "obol/err.h"

/* Message types (RFC 7252 3). */
#define OBOL_COAP_CON 0
#define OBOL_COAP_NON 1
#define OBOL_COAP_ACK 2
#define OBOL_COAP_RST 3

/* Codes as one byte, class << 5 | detail (RFC 7252 12.1). */
#define OBOL_COAP_CODE(c, dd) ((uint8_t)(((c) << 5) | (dd)))
#define OBOL_COAP_EMPTY 0x00
#define OBOL_COAP_GET 0x01
#define OBOL_COAP_POST 0x02
#define OBOL_COAP_PUT 0x03
#define OBOL_COAP_DELETE 0x04
#define OBOL_COAP_FETCH 0x05
#define OBOL_COAP_PATCH 0x06
#define OBOL_COAP_IPATCH 0x07
#define OBOL_COAP_CREATED OBOL_COAP_CODE(2, 1)
#define OBOL_COAP_DELETED OBOL_COAP_CODE(2, 2)
#define OBOL_COAP_VALID OBOL_COAP_CODE(2, 3)
#define OBOL_COAP_CHANGED OBOL_COAP_CODE(2, 4)
#define OBOL_COAP_CONTENT OBOL_COAP_CODE(2, 5)
#define OBOL_COAP_BAD_REQUEST OBOL_COAP_CODE(4, 0)
#define OBOL_COAP_UNAUTHORIZED OBOL_COAP_CODE(4, 1)
#define OBOL_COAP_BAD_OPTION OBOL_COAP_CODE(4, 2)
#define OBOL_COAP_FORBIDDEN OBOL_COAP_CODE(4, 3)
#define OBOL_COAP_NOT_FOUND OBOL_COAP_CODE(4, 4)
#define OBOL_COAP_METHOD_NOT_ALLOWED OBOL_COAP_CODE(4, 5)
#define OBOL_COAP_INTERNAL_ERROR OBOL_COAP_CODE(5, 0)

/* Option numbers (RFC 7252 5.10, 12.2; RFC 7641; RFC 7959; RFC 8613;
 * RFC 9175; RFC 7967). */
#define OBOL_COAP_OPT_IF_MATCH 1
#define OBOL_COAP_OPT_URI_HOST 3
#define OBOL_COAP_OPT_ETAG 4
#define OBOL_COAP_OPT_IF_NONE_MATCH 5
#define OBOL_COAP_OPT_OBSERVE 6
#define OBOL_COAP_OPT_URI_PORT 7
#define OBOL_COAP_OPT_LOCATION_PATH 8
#define OBOL_COAP_OPT_OSCORE 9
#define OBOL_COAP_OPT_URI_PATH 11
#define OBOL_COAP_OPT_CONTENT_FORMAT 12
#define OBOL_COAP_OPT_MAX_AGE 14
#define OBOL_COAP_OPT_URI_QUERY 15
#define OBOL_COAP_OPT_ACCEPT 17
#define OBOL_COAP_OPT_LOCATION_QUERY 20
#define OBOL_COAP_OPT_BLOCK2 23
#define OBOL_COAP_OPT_BLOCK1 27
#define OBOL_COAP_OPT_SIZE2 28
#define OBOL_COAP_OPT_PROXY_URI 35
#define OBOL_COAP_OPT_PROXY_SCHEME 39
#define OBOL_COAP_OPT_SIZE1 60
#define OBOL_COAP_OPT_ECHO 252
#define OBOL_COAP_OPT_NO_RESPONSE 258
#define OBOL_COAP_OPT_REQUEST_TAG 292

/* A parsed message (views into the datagram). */
struct obol_coap_msg {
	uint8_t type;        /* OBOL_COAP_CON .. RST */
	uint8_t code;
	uint16_t mid;
	uint8_t token_len;   /* 0..8 */
	uint8_t token[8];
	const uint8_t *opts; /* the encoded options, opts_len bytes */
	size_t opts_len;
	const uint8_t *payload; /* NULL when there is none */
	size_t payload_len;
};

/* Parse and check one datagram (see above). */
int obol_coap_parse(const uint8_t *buf, size_t len, struct obol_coap_msg *m);

/* Option iterator over a parsed message (or any checked option run). */
struct obol_coap_opt_iter {
	const uint8_t *p;
	const uint8_t *end;
	uint16_t num; /* number of the last option returned */
};

void obol_coap_opt_begin(const struct obol_coap_msg *m,
			 struct obol_coap_opt_iter *it);

/*
 * Next option: 1 and its number/value, 0 at the end. (The run was checked
 * by obol_coap_parse, so no error can occur on a parsed message; on an
 * unchecked run a malformed option gives OBOL_ERR_COAP_OPTION.)
 */
int obol_coap_opt_next(struct obol_coap_opt_iter *it, uint16_t *num,
		       const uint8_t **val, size_t *len);

/* The first option numbered num: 1 and its value, or 0 if absent. */
int obol_coap_opt_find(const struct obol_coap_msg *m, uint16_t num,
		       const uint8_t **val, size_t *len);

/* An option value as an unsigned integer (RFC 7252 3.2: 0..4 bytes,
 * big-endian; OBOL_ERR_COAP_OPTION if longer). */
int obol_coap_opt_uint(const uint8_t *val, size_t len, uint32_t *v);

/*
 * The request path from the Uri-Path options, as "/" seg ("/" seg)*,
 * "/" when there is none, into out (not NUL-terminated), *len its
 * length. OBOL_ERR_NO_SPACE if cap is too small. A segment containing
 * '/' is refused (OBOL_ERR_COAP_OPTION): it could alias another path.
 */
int obol_coap_uri_path(const struct obol_coap_msg *m, char *out, size_t cap,
		       size_t *len);

/*
 * The first Uri-Query option "name=value" (or a bare "name", value empty)
 * whose name is name[0..name_len): 1 and the value in *val, *len; or 0.
 * RFC 7252 6.5 step 9: each option is one argument.
 */
int obol_coap_uri_query(const struct obol_coap_msg *m, const char *name,
			size_t name_len, const uint8_t **val, size_t *len);

/*
 * OSCORE option classes (RFC 8613 4.1, Figure 5): OBOL_COAP_CLASS_E
 * (inner: encrypted and integrity protected), OBOL_COAP_CLASS_U (outer),
 * or both. Options not in Figure 5 are Class E (4.1). RFC 8613 defines
 * no Class I option. oscore.h says which of the "both" options obol
 * actually sends outer.
 */
#define OBOL_COAP_CLASS_E 0x01u
#define OBOL_COAP_CLASS_U 0x02u
unsigned obol_coap_oscore_class(uint16_t num);

/*
 * The header of one option (RFC 7252 3.1) with this delta and value
 * length (each at most 65535 + 269) into h; returns its size, 1..5.
 * For code that lays out options itself (OSCORE's in-place merge).
 */
size_t obol_coap_opt_header(uint8_t h[5], uint32_t delta, uint32_t len);

/* Message builder. Treat the fields as private. */
struct obol_coap_builder {
	uint8_t *buf;
	size_t cap;
	size_t len;       /* bytes produced (counted past cap) */
	uint16_t last;    /* number of the last option written */
	uint8_t payload;  /* 1 once the payload was written */
	int err;          /* first error */
};

/* Header and token. token_len 0..8 (else a sticky OBOL_ERR_COAP_TOKEN_LEN). */
void obol_coap_build_init(struct obol_coap_builder *b, uint8_t *buf,
			  size_t cap, uint8_t type, uint8_t code, uint16_t mid,
			  const uint8_t *token, size_t token_len);
void obol_coap_add_option(struct obol_coap_builder *b, uint16_t num,
			  const uint8_t *val, size_t len);
/* The shortest encoding of v (0 is the empty value, RFC 7252 3.2). */
void obol_coap_add_uint_option(struct obol_coap_builder *b, uint16_t num,
			       uint32_t v);
/* Uri-Path options from "/a/b" (empty segments are skipped). */
void obol_coap_add_uri_path(struct obol_coap_builder *b, const char *path,
			    size_t len);
/* Uri-Query options from "a=1&b" (one option per non-empty argument). */
void obol_coap_add_uri_query(struct obol_coap_builder *b, const char *query,
			     size_t len);
/* The payload marker and payload; nothing for an empty payload. Last. */
void obol_coap_set_payload(struct obol_coap_builder *b, const uint8_t *p,
			   size_t len);
/* First error, else OBOL_OK; *len = message size (also when measuring). */
int obol_coap_build_finish(const struct obol_coap_builder *b, size_t *len);

#endif /* OBOL_COAP_H */
