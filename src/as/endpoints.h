/*
 * The AS's endpoints as functions: a request payload in, a CoAP response
 * (code, Content-Format, payload) out, plus one event describing what
 * happened, for the log. No I/O besides the store; server.c moves the
 * bytes over libcoap, and the unit tests call these directly.
 *
 * /token      RFC 9200 5.8: client credentials grant, OSCORE profile
 *             (RFC 9203 3.2): an encrypted CWT with an OSCORE_Input_Material
 *             cnf, and the same cnf for the client.
 * /introspect RFC 9200 5.9: for a resource server, over DTLS only.
 *
 * Who is asking comes from the transport: the PSK identity of a DTLS
 * session (the key already proved by the handshake), or nothing for a
 * coap:// request in --insecure-dev mode, where the client must then
 * authenticate with client_id and client_secret in the payload
 * (RFC 9200 Table 5).
 */
#ifndef OBOL_AS_ENDPOINTS_H
#define OBOL_AS_ENDPOINTS_H

#include <stddef.h>
#include <stdint.h>

#include "store.h"

#define AS_CF_ACE_CBOR 19        /* application/ace+cbor (RFC 9200 8.16) */
#define AS_REQUEST_MAX 1024      /* larger /token or /introspect payloads: 4.13 */
#define AS_RESPONSE_MAX 2048

/* ACE error codes (RFC 9200 5.8.3, Table 3). */
enum as_ace_error {
	AS_ERR_INVALID_REQUEST = 1,
	AS_ERR_INVALID_CLIENT = 2,
	AS_ERR_INVALID_GRANT = 3,
	AS_ERR_UNAUTHORIZED_CLIENT = 4,
	AS_ERR_UNSUPPORTED_GRANT_TYPE = 5,
	AS_ERR_INVALID_SCOPE = 6,
	AS_ERR_UNSUPPORTED_POP_KEY = 7,
	AS_ERR_INCOMPATIBLE_ACE_PROFILES = 8
};
const char *as_ace_error_name(int error);

/* The transport's word on the requester. */
struct as_peer {
	int dtls;             /* 1: a DTLS session authenticated by PSK */
	const char *identity; /* its PSK identity (NUL-terminated), if dtls */
};

/* What the endpoint answers. payload points into the caller's buffer. */
struct as_response {
	uint8_t code;           /* CoAP code, e.g. OBOL_COAP_CREATED */
	int content_format;     /* -1: none */
	const uint8_t *payload;
	size_t payload_len;
};

/* One log/audit event. Strings are "" when unknown. */
struct as_event {
	const char *event;      /* "token_issued", "token_refused", ... */
	char client[AS_NAME_MAX + 1];
	char audience[AS_NAME_MAX + 1];
	char cti_hex[2 * AS_CTI_MAX + 1];
	const char *reason;     /* ACE error name or another word */
	char detail[160];       /* one line, for people */
	int refused;            /* 1: also an audit event */
};

/*
 * Random bytes drawn from the crypto backend in blocks, for the daemon:
 * one obol_port_random call per AS_RAND_POOL bytes instead of one per
 * token. Bytes are wiped from the pool as they are handed out. Zero it
 * (pos = AS_RAND_POOL means empty) before use.
 */
#define AS_RAND_POOL 4096
struct as_rand_pool {
	uint8_t buf[AS_RAND_POOL];
	size_t pos;
};

struct as_endpoint_cfg {
	struct as_store *st;
	int64_t now;            /* Unix time */
	/*
	 * cti of tokens for an RS with a clock: NULL for 8 random bytes, or a
	 * counter (the daemon's: its start time in ms << 20, so that a
	 * restart continues above it) written big-endian and incremented.
	 * Increasing ctis are appended to the store's index instead of
	 * landing on a random page each. The cti is inside the encrypted
	 * token: only the RS sees it.
	 */
	uint64_t *cti_counter;
	struct as_rand_pool *pool; /* NULL: obol_port_random each time */
};

/*
 * POST /token. content_format: the request's Content-Format option (-1
 * if none). out[0..cap) receives the response payload. On success the
 * token record is committed before this returns; if the store fails, the
 * answer is 5.00 and no token leaves the AS. Returns 0, or -1 if the
 * store failed (the response is then the 5.00).
 */
int as_token_endpoint(const struct as_endpoint_cfg *cfg,
		      const struct as_peer *peer, int content_format,
		      const uint8_t *payload, size_t len, uint8_t *out,
		      size_t cap, struct as_response *r, struct as_event *ev);

/* POST /introspect, the same way. */
int as_introspect_endpoint(const struct as_endpoint_cfg *cfg,
			   const struct as_peer *peer, int content_format,
			   const uint8_t *payload, size_t len, uint8_t *out,
			   size_t cap, struct as_response *r,
			   struct as_event *ev);

#endif
