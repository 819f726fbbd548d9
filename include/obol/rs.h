/*
 * The ACE resource server engine (RFC 9200 with the OSCORE profile,
 * RFC 9203), sans I/O: one CoAP datagram in, at most one datagram out.
 *
 * Concepts
 * --------
 * The caller owns everything: a struct obol_rs (the state: a fixed array
 * of OBOL_RS_SLOTS slots, config.h), a struct obol_rs_config (keys,
 * audience, resource table, hooks; it must stay valid and unchanged as
 * long as the engine is used: the engine keeps a pointer to it), and two
 * datagram buffers per call. Nothing is allocated; the engine never
 * grows, whatever arrives.
 *
 * Slot. One access token bound to one OSCORE security context: the
 * token's AIF scope (copied), its expiry (exp, or exi counted from the
 * monotonic second it arrived), the OSCORE_Input_Material id (the
 * client's identity towards this RS, RFC 9203 3.2.1) and the context
 * itself. A slot is "pending" from the 2.01 of /authz-info until the
 * first request that verifies under its context (proof of possession,
 * RFC 9203 4.2), then "active".
 *
 * What obol_rs_handle() does with a request:
 *   POST /authz-info, unprotected (RFC 9203 4.1, 4.2; RFC 9200 5.10.1):
 *     Content-Format must be application/ace+cbor (else 4.15); the
 *     payload {1: access_token, 40: nonce1, 43: ace_client_recipientid}
 *     (else 4.00 with {30: 1}, invalid_request); the token is validated
 *     in place with obol_cwt_validate (audience: 4.03; bad COSE, unknown
 *     key, tag, expired exp, no checkable expiry: 4.01; claims that
 *     cannot be read: 4.00); ace_profile, if present, must be coap_oscore
 *     (4.00 {30: 8}); the scope must be AIF-REST and fit
 *     OBOL_RS_MAX_SCOPE (4.00 {30: 6}); cnf must be OSCORE_Input_Material
 *     (4.00 {30: 1}); an exi token must carry a cti (RFC 9200 5.10.3, see
 *     below). Then: a slot (see eviction), ID2 (one byte, never equal to
 *     ID1 nor to another slot's Recipient ID), N2 (8 random bytes),
 *     the context (ace.h: Sender ID = ID1, Recipient ID = ID2, Master
 *     Salt = salt | N1 | N2), and 2.01 {42: N2, 44: ID2}.
 *   other methods on /authz-info: 4.05 (RFC 9200 5.10.1.2).
 *   OSCORE-protected (RFC 8613 8.2): the slot whose Recipient ID is the
 *     kid (unknown: unprotected 4.01 "Security context not found"); an
 *     expired token drops the slot and gets the same 4.01 (RFC 9203 4.3:
 *     unprotected); replay: 4.01; decryption: 4.00; a malformed option:
 *     4.02; after obol_rs_resume() the first request is answered with a
 *     protected 4.01 carrying Echo (RFC 8613 B.1.2, RFC 9175). Then the
 *     access decision (RFC 9200 5.10.2): no resource: 4.04; method not
 *     in the resource's table entry: 4.05; a protected resource whose
 *     path the scope does not name: 4.03; named, but without this
 *     method: 4.05; else the handler. Every answer is OSCORE-protected.
 *   POST /authz-info, OSCORE-protected: update of access rights (RFC
 *     9203 4.1, 4.2): the token's cnf must be a kid equal to the slot's
 *     OSCORE Input Material id; the slot's scope and expiry are replaced,
 *     the context is kept; protected 2.01 without payload; any failure is
 *     a protected 4.01. Nonces and IDs in the payload are ignored.
 *   unprotected, protected resource: 4.01 with the AS Request Creation
 *     Hints of RFC 9200 5.3 (ace+cbor): {1: AS uri (if configured),
 *     5: audience, 9: scope}, the scope hint being the AIF of exactly
 *     this request, [[path, method bit]], as a byte string. No cnonce
 *     (39): obol validates expiry with exp or exi and keeps no nonce
 *     state.
 *   unprotected, unprotected resource: the handler (or 4.04 / 4.05).
 *   CoAP: a CON request is answered by a piggybacked ACK with its
 *     Message ID, a NON request by a NON with the engine's next Message
 *     ID; the token is echoed. A CON Empty message (ping) gets a RST.
 *     ACK, RST, NON Empty, and responses give OBOL_ERR_RS_IGNORE.
 *
 * Slots and eviction. A new token from a client (keyed by its OSCORE
 * Input Material id) first reuses that client's pending slot, if any;
 * else a free slot; else it evicts, in this order: a slot whose token
 * has expired; the pending slot least recently created; the active slot
 * least recently used. Pending slots go first because creating one costs
 * an attacker only a replayed POST, while an active slot proved
 * possession of the key. A flood of valid tokens therefore cycles
 * through the pending slots and leaves active clients alone as long as
 * one pending slot exists.
 *
 * Reposting a token (RFC 9203 4.1, 6). A token posted again (or a new
 * token for the same OSCORE Input Material id) gets a new context in a
 * new slot (new nonces, new ID2). The old context keeps working until
 * the new one verifies its first request; then every other slot of the
 * same id is dropped (RFC 9203 3: discarded "when a token ... is used to
 * successfully derive a new security context"; RFC 9200 5.10.1: one
 * token per PoP key). So a replayed /authz-info POST cannot cut off a
 * client that is talking to the RS.
 *
 * exi (RFC 9200 5.10.3). A token with exi is counted from the monotonic
 * second it was first validated. It must carry a cti made of
 * cfg->exi_cti_prefix and a big-endian sequence number of 1..8 bytes; the
 * engine remembers the highest sequence number of an exi token it saw
 * expire and refuses (4.01) tokens at or below it. A repost of a token
 * whose slot still exists keeps the slot's original arrival time; so does
 * a repost of one whose slot was evicted before it expired, as long as it
 * is among the last OBOL_RS_EXI_EVICTED such tokens (config.h): the
 * engine keeps their sequence numbers and deadlines, so that holding more
 * tokens than slots does not let a client stretch one.
 *
 * Reboots. The slots live in RAM: after a reboot obol_rs_init() starts
 * empty, requests under old contexts get 4.01 "Security context not
 * found", and clients repost their tokens (new nonces: new keys, so
 * sequence numbers restarting at 0 reuse no nonce). A platform that keeps
 * struct obol_rs across a reset (retained RAM, or saved to flash) calls
 * obol_rs_resume() instead: each slot continues its Sender Sequence
 * Number from the bound its platform persisted through cfg->ssn_persist
 * (RFC 8613 B.1.1) and proves freshness with Echo (B.1.2) before it
 * accepts requests again; exi slots are dropped (the monotonic counter
 * restarted) unless cfg->mono_persisted says the platform's monotonic
 * seconds continue across the reset.
 *
 * Buffers. obol_rs_handle() takes the request buffer writable, with its
 * capacity: the token is decrypted there in place, and the engine uses
 * all `cap` bytes as scratch for the plain request and response of an
 * OSCORE exchange. Give it the receive buffer (a datagram-sized one);
 * neither buffer may overlap the other. The response buffer gets the
 * datagram to send.
 */
#ifndef OBOL_RS_H
#define OBOL_RS_H

#include <stddef.h>
#include <stdint.h>

#include "obol/ace.h"
#include "obol/aif.h"
#include "obol/coap.h"
#include "obol/config.h"
#include "obol/cose.h"
#include "obol/oscore.h"

/* The request as a handler sees it (views into the engine's buffers,
 * valid during the call only). */
struct obol_rs_request {
	uint8_t method;          /* OBOL_COAP_GET .. */
	uint8_t is_protected;    /* 1: arrived under OSCORE */
	const char *path;        /* "/temp" (not NUL-terminated) */
	size_t path_len;
	int content_format;      /* -1: none */
	const uint8_t *payload;  /* NULL if none */
	size_t payload_len;
	const struct obol_coap_msg *msg; /* every (inner) option, the token */
	const uint8_t *scope;    /* protected: the token's AIF scope, else NULL */
	size_t scope_len;
	int slot;                /* protected: the slot index, else -1 */
};

/* What a handler writes. The engine presets code 2.05, no
 * Content-Format, payload buffer and cap (inside the response buffer,
 * less room for the header and, under OSCORE, its overhead: an answer
 * that fits cap is never dropped for size); the handler sets len. */
struct obol_rs_response {
	uint8_t code;
	int content_format;      /* -1: none */
	uint8_t *payload;
	size_t cap;
	size_t len;
};

/* OBOL_OK, or an error: the engine answers 5.00 (Internal Server Error). */
typedef int (*obol_rs_handler_fn)(void *arg, const struct obol_rs_request *req,
				  struct obol_rs_response *resp);

#define OBOL_RS_PROTECTED 0x01u /* needs OSCORE and a token covering it */

/* One resource of the application: the same table on Linux and the MCU. */
struct obol_rs_resource {
	const char *path;        /* NUL-terminated, "/temp"; not /authz-info */
	uint8_t methods;         /* OBOL_AIF_GET | ... (bits of aif.h) */
	uint8_t flags;           /* OBOL_RS_PROTECTED */
	obol_rs_handler_fn handler;
	void *arg;
};

/* RFC 8613 B.1.1 for a slot: persist `bound` for slot `slot`; OBOL_OK
 * only once stored. Load gives the bound back after a reset. */
typedef int (*obol_rs_ssn_persist_fn)(void *arg, unsigned slot,
				      uint64_t bound);
typedef int (*obol_rs_ssn_load_fn)(void *arg, unsigned slot, uint64_t *bound);

struct obol_rs_config {
	const char *audience;        /* this RS's aud (NUL-terminated) */
	const struct obol_cose_key *keys; /* keys shared with the AS(es),
					   * chosen by the token's kid */
	size_t nkeys;
	int64_t leeway;              /* seconds of skew tolerated for exp/nbf */
	const char *as_uri;          /* hint "AS" (RFC 9200 5.3); NULL: omitted */
	const char *authz_info_path; /* NULL: "/authz-info" */
	const uint8_t *exi_cti_prefix; /* RS identifier at the head of an exi
					* token's cti (RFC 9200 5.10.3); may be empty */
	size_t exi_cti_prefix_len;
	const struct obol_rs_resource *resources;
	size_t nresources;
	obol_rs_ssn_persist_fn ssn_persist; /* NULL: contexts are RAM only */
	obol_rs_ssn_load_fn ssn_load;       /* for obol_rs_resume() */
	void *ssn_arg;
	/* 1: obol_rs_time.mono continues across a reset, never going back
	 * (the platform persists it), so obol_rs_resume() keeps exi slots;
	 * 0: they are dropped (the monotonic counter restarted). */
	uint8_t mono_persisted;
};

/* Current time, passed with every call. */
struct obol_rs_time {
	int64_t unix_now;   /* Unix seconds, or OBOL_CWT_NO_CLOCK */
	uint64_t mono;      /* monotonic seconds (for exi and LRU) */
};

/* A slot. Treat as private. */
struct obol_rs_slot {
	struct obol_oscore_ctx ctx;
	int64_t exp;            /* with has_exp */
	uint64_t received;      /* monotonic second of arrival (exi) */
	uint64_t exi;           /* with has_exi */
	uint64_t exi_seq;       /* cti sequence number of an exi token */
	uint32_t used;          /* LRU stamp (rs->clock at last use) */
	uint8_t state;          /* 0 free, 1 pending, 2 active */
	uint8_t has_exp, has_exi;
	uint8_t osc_id_len;
	uint8_t scope_len;
	uint8_t osc_id[OBOL_RS_MAX_OSC_ID];
	uint8_t scope[OBOL_RS_MAX_SCOPE];
};

/* The engine state. Treat as private; memcpy copies it (no interior
 * pointers; cfg points outside). */
struct obol_rs {
	const struct obol_rs_config *cfg;
	uint64_t exi_seq_expired; /* with exi_seen: highest expired exi seq */
	uint32_t clock;           /* LRU counter */
	uint16_t mid;             /* next Message ID of a NON response */
	uint8_t next_rid;         /* next Recipient ID (ID2) candidate */
	uint8_t exi_seen;
	struct obol_rs_slot slot[OBOL_RS_SLOTS];
	/* exi tokens evicted before they expired: sequence number and the
	 * monotonic second they expire (0: unused), a ring. */
	struct {
		uint64_t seq;
		uint64_t deadline;
	} exi_evicted[OBOL_RS_EXI_EVICTED];
	uint8_t exi_evicted_next;
	/* Scratch of one call: the claims of the token being validated
	 * (views into the request buffer) and the validation policy; kept
	 * here, not on the stack, so that token validation stays within the
	 * stack budget. */
	struct obol_cwt_claims claims;
	struct obol_cwt_policy policy;
};

/*
 * Start with no slots. The Message ID counter and the first ID2
 * candidate are drawn with obol_port_random (a rebooted RS then does not
 * hand an old client's ID to a new one at once). OBOL_ERR_RS_CONFIG: no
 * audience, no key, a resource with a NULL path or handler, a path
 * equal to the authz-info path or not starting with '/'. Errors of
 * obol_port_random.
 */
int obol_rs_init(struct obol_rs *rs, const struct obol_rs_config *cfg);

/*
 * After a reset with struct obol_rs retained: rebind cfg (same checks as
 * init), drop exi slots (unless cfg->mono_persisted), and restore every other slot's context from the
 * bound cfg->ssn_load gives (a slot whose bound cannot be loaded is
 * dropped). Requests then need the Echo exchange (RFC 8613 B.1.2).
 */
int obol_rs_resume(struct obol_rs *rs, const struct obol_rs_config *cfg);

/*
 * Handle one datagram req[0..len), in a buffer of cap bytes the engine
 * may overwrite (cap >= len; the token is decrypted in place, plain
 * messages are staged there). OBOL_OK: resp[0..*resp_len) is a datagram
 * to send (also for CoAP error responses). Else nothing is to be sent:
 * OBOL_ERR_RS_IGNORE (ACK, RST, NON Empty, a response), CoAP parse errors
 * (a malformed datagram, dropped), OBOL_ERR_NO_SPACE (resp or the
 * scratch too small for the answer), OBOL_ERR_ARG.
 * Messages whose answer does not fit are dropped, never truncated.
 */
int obol_rs_handle(struct obol_rs *rs, const struct obol_rs_time *now,
		   uint8_t *req, size_t len, size_t cap, uint8_t *resp,
		   size_t resp_cap, size_t *resp_len);

/* Drop every slot (wipes the contexts). */
void obol_rs_clear(struct obol_rs *rs);

/* Number of slots in use (pending or active), for tests and status. */
unsigned obol_rs_slots_used(const struct obol_rs *rs);

#endif /* OBOL_RS_H */
