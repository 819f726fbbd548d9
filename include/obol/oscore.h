/*
 * OSCORE (RFC 8613): object security for CoAP, sans I/O, no malloc.
 *
 * Concepts
 * --------
 * Security context (RFC 8613 3). struct obol_oscore_ctx holds the Common,
 * Sender and Recipient Contexts of one endpoint: derived keys, Common IV,
 * IDs, the Sender Sequence Number (SSN) and the recipient's replay window.
 * It is fixed-size and holds no pointers but the optional persistence
 * hook, so memcpy copies it; OBOL_OSCORE_CTX_SIZE_MAX bounds its size.
 * Keys in it are secret: obol_oscore_wipe() when done.
 *
 * Messages. The four operations take whole CoAP datagrams (coap.h) and
 * write whole datagrams into a separate output buffer:
 *   client: protect_request   -> server: unprotect_request
 *   server: protect_response  -> client: unprotect_response
 * Inner (Class E) options, the code and the payload are encrypted; Class U
 * options (Uri-Host, Uri-Port, Proxy-Scheme) stay outer (Proxy-Uri must
 * be split by the caller first: OBOL_ERR_ARG); Observe appears in both;
 * a message with Max-Age gets an outer Max-Age of 0; No-Response goes
 * outer only for the value 26; Block1/2 and Size1/2 are inner only (no
 * block-wise proxying, RFC 8613 4.1.3.4.1); unknown options are Class E.
 * A request carries the kid context whenever the context has an ID
 * Context. The outer code is POST for requests (FETCH for any
 * request with Observe, RFC 8613 4.1.3.5) and 2.04 for responses (2.05
 * for Observe notifications), RFC 8613 4.2. The output buffer of the
 * unprotect functions needs in_len bytes even when the result is
 * shorter: decryption happens there first. A struct obol_oscore_req binds a response
 * to its request (request kid, Partial IV, ID Context); the protect and
 * unprotect of a request fill it, the response functions read it.
 *
 * Replay and freshness (RFC 8613 7.4, B.1). The recipient keeps a sliding
 * window of OBOL_OSCORE_REPLAY_WINDOW (32) Partial IVs. A context whose
 * window is not initialised (restored after a reboot, B.1.2) refuses
 * requests with OBOL_ERR_OSCORE_FRESHNESS until one carries the Echo
 * value (RFC 9175) the server sent in a protected 4.01 (obol_oscore_echo_new);
 * that request's Partial IV then becomes the window's lower limit. While
 * the window is untrusted every response gets its own Partial IV. A
 * freshly derived context (as after ACE /authz-info) has an initialised,
 * empty window.
 *
 * Sender Sequence Numbers (B.1.1). Before the SSN reaches the value last
 * persisted (SSN >= bound), the core calls the persistence hook with a new
 * bound, SSN + OBOL_OSCORE_SSN_STEP (K_SSN); if the hook fails, nothing is
 * sent (OBOL_ERR_OSCORE_PERSIST). After a reboot, obol_oscore_restore()
 * starts from the persisted bound, so no SSN, and no nonce, is reused.
 *
 * Buffers: a too-small output gives OBOL_ERR_NO_SPACE with the size
 * needed and spends no SSN and no replay-window entry; input and output
 * must not overlap. Other errors: OBOL_ERR_ARG for a code of the wrong
 * class, an OSCORE or Proxy-Uri option in a message to protect, unknown
 * flags; CoAP parse errors pass through; OBOL_ERR_OSCORE_MISMATCH when
 * req belongs to another context or a response carries a foreign kid,
 * kid context or an Observe the request did not have.
 * SSNs stop at 2^40 - 1 (OBOL_ERR_OSCORE_SSN_EXHAUSTED: derive anew).
 *
 * Errors of a server (RFC 8613 8.2) map to unprotected CoAP error
 * responses with obol_oscore_error_response(): malformed OSCORE option or
 * COSE object -> 4.02 "Failed to decode COSE"; unknown kid -> 4.01
 * "Security context not found"; replay -> 4.01 "Replay detected";
 * decryption failure -> 4.00 "Decryption failed"; an unprotected request
 * to a resource that needs OSCORE -> 4.01.
 */
#ifndef OBOL_OSCORE_H
#define OBOL_OSCORE_H

#include <stddef.h>
#include <stdint.h>

#include "obol/coap.h"
#include "obol/crypto.h"

#ifndef OBOL_OSCORE_MAX_ID
#define OBOL_OSCORE_MAX_ID 7 /* nonce length 13 - 6 (RFC 8613 3.3) */
#endif
#ifndef OBOL_OSCORE_MAX_ID_CONTEXT
#define OBOL_OSCORE_MAX_ID_CONTEXT 16
#endif
#ifndef OBOL_OSCORE_SSN_STEP
#define OBOL_OSCORE_SSN_STEP 64 /* K_SSN (B.1.1) */
#endif
#define OBOL_OSCORE_REPLAY_WINDOW 32
#define OBOL_OSCORE_SSN_MAX ((UINT64_C(1) << 40) - 1)
#define OBOL_OSCORE_ECHO_LEN 8

/* Inputs of the context derivation (RFC 8613 3.2; RFC 9203 4.3). */
struct obol_oscore_params {
	const uint8_t *master_secret;
	size_t master_secret_len;
	const uint8_t *master_salt; /* may be empty */
	size_t master_salt_len;
	const uint8_t *sender_id;   /* 0..OBOL_OSCORE_MAX_ID bytes */
	size_t sender_id_len;
	const uint8_t *recipient_id;
	size_t recipient_id_len;
	const uint8_t *id_context;  /* NULL: absent (nil in the info) */
	size_t id_context_len;
	int aead_alg;               /* 0 = OBOL_ALG_AES_CCM_16_64_128; or ..._128_128 */
	int hkdf_alg;               /* 0 = OBOL_ALG_HKDF_SHA_256 (the only one) */
};

/* "Persist up to `bound`": store it durably; OBOL_OK only once stored. */
typedef int (*obol_oscore_persist_fn)(void *arg, uint64_t bound);

/* The context. Treat the fields as private. */
struct obol_oscore_ctx {
	uint8_t alg;      /* 10 or 30 */
	uint8_t tag_len;  /* 8 or 16 */
	uint8_t sender_id_len, recipient_id_len, id_context_len;
	uint8_t has_id_context;
	uint8_t replay_init; /* 1: the window may be trusted */
	uint8_t echo_pending; /* 1: echo[] was sent, awaiting it back */
	uint8_t sender_id[OBOL_OSCORE_MAX_ID];
	uint8_t recipient_id[OBOL_OSCORE_MAX_ID];
	uint8_t id_context[OBOL_OSCORE_MAX_ID_CONTEXT];
	uint8_t common_iv[13];
	uint8_t sender_key[16];
	uint8_t recipient_key[16];
	uint8_t echo[OBOL_OSCORE_ECHO_LEN];
	uint64_t ssn;         /* next Sender Sequence Number */
	uint64_t ssn_bound;   /* SSNs below this are covered by persistence */
	uint64_t replay_high; /* highest Partial IV received */
	uint32_t replay_bits; /* bit i: replay_high - i was received */
	obol_oscore_persist_fn persist; /* NULL: no persistence (tests, RAM-only) */
	void *persist_arg;
};

#define OBOL_OSCORE_CTX_SIZE_MAX 160 /* on 32-bit MCUs, default config */

/*
 * Derive a context (RFC 8613 3.2.1): Sender Key, Recipient Key, Common
 * IV with HKDF, info = [id, id_context / nil, alg_aead, type, L]. SSN 0,
 * replay window initialised and empty, no persistence hook.
 * Errors: OBOL_ERR_ARG (IDs too long, IDs equal, empty master secret),
 * OBOL_ERR_CRYPTO_UNSUPPORTED (alg), backend errors.
 */
int obol_oscore_derive(struct obol_oscore_ctx *c,
		       const struct obol_oscore_params *p);

/* Persistence (B.1.1): set the hook; the first protect persists a bound. */
void obol_oscore_set_persist(struct obol_oscore_ctx *c,
			     obol_oscore_persist_fn fn, void *arg);
/*
 * After a reboot: continue from the persisted bound (the SSN and its
 * bound become `bound`), and mark the replay window untrusted (B.1.2):
 * requests need the Echo exchange first.
 */
void obol_oscore_restore(struct obol_oscore_ctx *c, uint64_t bound);

/* Wipe the context's secrets (and all of it). */
void obol_oscore_wipe(struct obol_oscore_ctx *c);

/* The OSCORE option value (RFC 8613 6.1), decoded. Views into the value. */
struct obol_oscore_option {
	const uint8_t *piv;
	size_t piv_len;        /* 0..5 */
	const uint8_t *kid;    /* NULL if the k flag is clear */
	size_t kid_len;
	const uint8_t *kid_context; /* NULL if the h flag is clear */
	size_t kid_context_len;
};

/* Decode an option value. OBOL_ERR_OSCORE_OPTION if malformed (reserved
 * flag bits, n = 6 or 7, lengths past the end). */
int obol_oscore_option_decode(const uint8_t *val, size_t len,
			      struct obol_oscore_option *o);

/* Encode; *len gets the size. OBOL_ERR_NO_SPACE if cap is too small. */
int obol_oscore_option_encode(const struct obol_oscore_option *o, uint8_t *out,
			      size_t cap, size_t *len);

/*
 * The OSCORE option of a datagram, for picking the context (kid, kid
 * context) before unprotecting: 1 if present (o filled), 0 if the message
 * has no OSCORE option, or an error (CoAP, OSCORE option).
 */
int obol_oscore_peek(const uint8_t *msg, size_t len, struct obol_oscore_option *o);

/* What binds a response to its request (request kid and Partial IV,
 * RFC 8613 5.4, 8.3). */
struct obol_oscore_req {
	uint8_t kid[OBOL_OSCORE_MAX_ID];
	uint8_t kid_len;
	uint8_t piv[5];
	uint8_t piv_len;
	uint8_t observe; /* the request had Observe */
};

/* Flags for protect_response. */
#define OBOL_OSCORE_RESP_PIV 0x01u /* include a fresh Partial IV (8.3 step 3) */

int obol_oscore_protect_request(struct obol_oscore_ctx *c, const uint8_t *in,
				size_t in_len, uint8_t *out, size_t cap,
				size_t *out_len, struct obol_oscore_req *req);

/*
 * Unprotect a request for c (chosen by the caller from the kid). Checks
 * in order: OSCORE option (OBOL_ERR_OSCORE_OPTION; OBOL_ERR_OSCORE_NOT_OSCORE
 * if absent), kid equals c's Recipient ID (OBOL_ERR_OSCORE_NO_CONTEXT),
 * a kid context, when the request carries one, equals c's ID Context
 * (OBOL_ERR_OSCORE_NO_CONTEXT; a request without one is matched by kid
 * alone), Partial IV present, replay window
 * (OBOL_ERR_OSCORE_REPLAY), decryption (OBOL_ERR_OSCORE_DECRYPT), inner
 * message well-formed (OBOL_ERR_OSCORE_DECRYPT too: RFC 8613 8.2), then
 * freshness when the window is untrusted: the inner Echo option must
 * equal the value challenged, else OBOL_ERR_OSCORE_FRESHNESS (the window
 * is left untouched, but req is filled so that the 4.01 with a new Echo
 * can be protected); a matching Echo re-initialises the window at this
 * Partial IV. On success the window records the Partial IV and
 * out holds the plain request: outer header and token, inner code,
 * inner and outer options (OSCORE removed), payload.
 */
int obol_oscore_unprotect_request(struct obol_oscore_ctx *c, const uint8_t *in,
				  size_t in_len, uint8_t *out, size_t cap,
				  size_t *out_len, struct obol_oscore_req *req);

int obol_oscore_protect_response(struct obol_oscore_ctx *c,
				 const struct obol_oscore_req *req,
				 unsigned flags, const uint8_t *in,
				 size_t in_len, uint8_t *out, size_t cap,
				 size_t *out_len);

/*
 * Unprotect a response bound to req. Responses are not checked against a
 * replay window here: an Observe client must itself keep the Partial IV
 * of the last notification (obol_oscore_peek) and drop older ones
 * (RFC 8613 7.4.1); a plain response is matched to its request by token.
 */
int obol_oscore_unprotect_response(struct obol_oscore_ctx *c,
				   const struct obol_oscore_req *req,
				   const uint8_t *in, size_t in_len,
				   uint8_t *out, size_t cap, size_t *out_len);

/*
 * B.1.2: draw a fresh random Echo value (kept in c) for the server's
 * answer to a request refused with OBOL_ERR_OSCORE_FRESHNESS (that
 * request did decrypt, and req was filled). The caller puts the value in
 * an Echo option of a 4.01 (Unauthorized) response and protects it with
 * OBOL_OSCORE_RESP_PIV: after a reboot the server must not reuse the
 * request's nonce.
 */
int obol_oscore_echo_new(struct obol_oscore_ctx *c,
			 uint8_t echo[OBOL_OSCORE_ECHO_LEN]);

/*
 * The unprotected CoAP error response (RFC 8613 8.2) for an error of
 * unprotect_request (or OBOL_ERR_OSCORE_NOT_OSCORE), answering the given
 * request datagram: ACK for a CON, else NON; same token; Max-Age 0; the
 * diagnostic payload above (none for NOT_OSCORE). OBOL_ERR_ARG for other
 * error codes.
 */
int obol_oscore_error_response(int err, const uint8_t *request, size_t len,
			       uint16_t mid, uint8_t *out, size_t cap,
			       size_t *out_len);

#endif /* OBOL_OSCORE_H */
