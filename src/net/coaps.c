/*
 * CoAP over DTLS with a pre-shared key, through libcoap (Debian libcoap
 * 4.3.1, OpenSSL flavour): session set-up for the benchmark's load
 * generator and the ACE client's blocking POST /token (see net.h).
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "net.h"
#include "obol/coap.h"
#include "obol/crypto.h"

coap_session_t *net_coaps_session(coap_context_t *ctx,
				  const coap_address_t *dst,
				  const char *identity, const uint8_t *key,
				  size_t key_len)
{
	coap_dtls_cpsk_t psk;
	coap_session_t *s;

	if (identity == NULL)
		return coap_new_client_session(ctx, NULL, dst, COAP_PROTO_UDP);
	memset(&psk, 0, sizeof psk);
	psk.version = COAP_DTLS_CPSK_SETUP_VERSION;
	psk.psk_info.identity.s = (const uint8_t *)identity;
	psk.psk_info.identity.length = strlen(identity);
	psk.psk_info.key.s = key;
	psk.psk_info.key.length = key_len;
	/* libcoap copies identity and key into the session. */
	s = coap_new_client_session_psk2(ctx, NULL, dst, COAP_PROTO_DTLS, &psk);
	obol_wipe(&psk, sizeof psk);
	return s;
}

struct coaps_state {
	struct net_coaps_resp *resp;
	coap_mid_t mid;
	int done;  /* 1: response; < 0: NET_ERR_* */
	int connected;
};

/*
 * The size of a received PDU as it was framed over UDP (RFC 7252 3):
 * rebuilt with the core's builder in measuring mode, which encodes
 * options the one canonical way a sender must.
 */
static size_t pdu_size(const coap_pdu_t *pdu)
{
	struct obol_coap_builder b;
	coap_opt_iterator_t it;
	coap_opt_t *opt;
	coap_bin_const_t tok = coap_pdu_get_token(pdu);
	const uint8_t *data;
	size_t len = 0, dlen = 0;

	obol_coap_build_init(&b, NULL, 0, (uint8_t)coap_pdu_get_type(pdu),
			     (uint8_t)coap_pdu_get_code(pdu),
			     (uint16_t)coap_pdu_get_mid(pdu), tok.s,
			     tok.length);
	coap_option_iterator_init(pdu, &it, COAP_OPT_ALL);
	while ((opt = coap_option_next(&it)) != NULL)
		obol_coap_add_option(&b, it.number, coap_opt_value(opt),
				     coap_opt_length(opt));
	if (coap_get_data(pdu, &dlen, &data))
		obol_coap_set_payload(&b, data, dlen);
	(void)obol_coap_build_finish(&b, &len);
	return len;
}

static coap_response_t on_response(coap_session_t *s, const coap_pdu_t *sent,
				   const coap_pdu_t *rcvd, const coap_mid_t mid)
{
	struct coaps_state *st = coap_get_app_data(coap_session_get_context(s));
	struct net_coaps_resp *r = st->resp;
	coap_opt_iterator_t it;
	coap_opt_t *opt;
	const uint8_t *data;
	size_t dlen = 0;

	(void)sent;
	(void)mid;
	if (st->done)
		return COAP_RESPONSE_OK;
	r->code = (uint8_t)coap_pdu_get_code(rcvd);
	r->content_format = -1;
	opt = coap_check_option(rcvd, COAP_OPTION_CONTENT_FORMAT, &it);
	if (opt != NULL)
		r->content_format = (int)coap_decode_var_bytes(coap_opt_value(opt),
							       coap_opt_length(opt));
	if (coap_get_data(rcvd, &dlen, &data) && dlen > 0) {
		r->payload = malloc(dlen);
		if (r->payload == NULL) {
			st->done = NET_ERR_COAP;
			return COAP_RESPONSE_OK;
		}
		memcpy(r->payload, data, dlen);
		r->payload_len = dlen;
	}
	r->received = pdu_size(rcvd);
	st->done = 1;
	return COAP_RESPONSE_OK;
}

static void on_nack(coap_session_t *s, const coap_pdu_t *sent,
		    const coap_nack_reason_t reason, const coap_mid_t mid)
{
	struct coaps_state *st = coap_get_app_data(coap_session_get_context(s));

	(void)sent;
	(void)mid;
	if (st->done)
		return;
	switch (reason) {
	case COAP_NACK_RST: st->done = NET_ERR_RESET; break;
	case COAP_NACK_TLS_FAILED: st->done = NET_ERR_HANDSHAKE; break;
	case COAP_NACK_TOO_MANY_RETRIES: st->done = NET_ERR_TIMEOUT; break;
	default: st->done = NET_ERR_COAP; break;
	}
}

static int on_event(coap_session_t *s, const coap_event_t event)
{
	struct coaps_state *st = coap_get_app_data(coap_session_get_context(s));

	if (event == COAP_EVENT_DTLS_CONNECTED)
		st->connected = 1;
	else if ((event == COAP_EVENT_DTLS_ERROR ||
		  event == COAP_EVENT_DTLS_CLOSED) && !st->done)
		st->done = NET_ERR_HANDSHAKE;
	return 0;
}

static double mono_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Uri-Path options of path, for both libcoap's PDU and the size count. */
static int add_path(coap_pdu_t *pdu, struct obol_coap_builder *b,
		    const char *path)
{
	const char *p = path, *e;

	while (*p != '\0') {
		while (*p == '/')
			p++;
		if (*p == '\0')
			break;
		e = strchr(p, '/');
		if (e == NULL)
			e = p + strlen(p);
		if (!coap_add_option(pdu, COAP_OPTION_URI_PATH, (size_t)(e - p),
				     (const uint8_t *)p))
			return -1;
		obol_coap_add_option(b, OBOL_COAP_OPT_URI_PATH,
				     (const uint8_t *)p, (size_t)(e - p));
		p = e;
	}
	return 0;
}

int net_coaps_request(const struct net_coaps_req *rq,
		      struct net_coaps_resp *resp)
{
	struct sockaddr_storage ss;
	socklen_t ss_len;
	struct coaps_state st;
	struct obol_coap_builder b;
	coap_context_t *ctx;
	coap_session_t *s = NULL;
	coap_address_t dst;
	coap_pdu_t *pdu;
	uint8_t tok[8], cf[4];
	size_t tok_len = 0;
	double start, deadline, hs_deadline;
	int rc;

	memset(resp, 0, sizeof *resp);
	resp->content_format = -1;
	if (net_resolve(rq->host, rq->port, &ss, &ss_len) != NET_OK)
		return NET_ERR_RESOLVE;
	memset(&st, 0, sizeof st);
	st.resp = resp;
	coap_startup();
	coap_set_log_level(LOG_EMERG);
	coap_dtls_set_log_level(LOG_EMERG);
	ctx = coap_new_context(NULL);
	if (ctx == NULL) {
		coap_cleanup();
		return NET_ERR_COAP;
	}
	coap_set_app_data(ctx, &st);
	coap_register_response_handler(ctx, on_response);
	coap_register_nack_handler(ctx, on_nack);
	coap_register_event_handler(ctx, on_event);
	coap_address_init(&dst);
	memcpy(&dst.addr, &ss, ss_len);
	dst.size = ss_len;
	rc = NET_ERR_COAP;
	s = net_coaps_session(ctx, &dst, rq->identity, rq->key, rq->key_len);
	if (s == NULL)
		goto out;
	pdu = coap_new_pdu(COAP_MESSAGE_CON, (coap_pdu_code_t)rq->code, s);
	if (pdu == NULL)
		goto out;
	coap_session_new_token(s, &tok_len, tok);
	obol_coap_build_init(&b, NULL, 0, OBOL_COAP_CON, rq->code,
			     (uint16_t)coap_pdu_get_mid(pdu), tok, tok_len);
	if (!coap_add_token(pdu, tok_len, tok) || add_path(pdu, &b, rq->path) != 0 ||
	    (rq->content_format >= 0 &&
	     !coap_add_option(pdu, COAP_OPTION_CONTENT_FORMAT,
			      coap_encode_var_safe(cf, sizeof cf,
						   (unsigned)rq->content_format),
			      cf)) ||
	    (rq->payload_len > 0 &&
	     !coap_add_data(pdu, rq->payload_len, rq->payload))) {
		coap_delete_pdu(pdu);
		goto out;
	}
	if (rq->content_format >= 0)
		obol_coap_add_uint_option(&b, OBOL_COAP_OPT_CONTENT_FORMAT,
					  (uint32_t)rq->content_format);
	obol_coap_set_payload(&b, rq->payload, rq->payload_len);
	(void)obol_coap_build_finish(&b, &resp->sent);
	/* coap_send queues the PDU until the handshake is done. */
	if (coap_send(s, pdu) == COAP_INVALID_MID)
		goto out;
	start = mono_now();
	deadline = start + (rq->timeout > 0 ? rq->timeout : 30.0);
	/* A wrong PSK is not answered with an alert: the server silently
	 * drops our Finished. A handshake that has not completed after
	 * NET_HANDSHAKE_TIMEOUT (OpenSSL's DTLS timers retransmit a lost
	 * flight after 1, 2, 4 s) is taken as refused. */
	hs_deadline = start + NET_HANDSHAKE_TIMEOUT;
	if (hs_deadline > deadline)
		hs_deadline = deadline;
	while (!st.done && mono_now() < deadline) {
		if (rq->identity != NULL && !st.connected &&
		    mono_now() >= hs_deadline) {
			st.done = NET_ERR_HANDSHAKE;
			break;
		}
		coap_io_process(ctx, 100);
	}
	if (st.done == 1)
		rc = NET_OK;
	else if (st.done < 0)
		rc = st.done;
	else
		rc = rq->identity != NULL && !st.connected ? NET_ERR_HANDSHAKE
							   : NET_ERR_TIMEOUT;
	resp->handshake = st.connected;
out:
	if (s != NULL)
		coap_session_release(s);
	coap_free_context(ctx);
	coap_cleanup();
	if (rc != NET_OK)
		net_coaps_resp_free(resp);
	return rc;
}

void net_coaps_resp_free(struct net_coaps_resp *resp)
{
	if (resp->payload != NULL) {
		obol_wipe(resp->payload, resp->payload_len);
		free(resp->payload);
	}
	resp->payload = NULL;
	resp->payload_len = 0;
}
