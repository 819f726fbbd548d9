/*
 * The AS daemon on libcoap (server.h).
 */
#include <coap3/coap.h>
#include <errno.h>
#include <netdb.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "endpoints.h"
#include "obol/crypto.h"
#include "server.h"

struct as_server {
	const struct as_server_opts *o;
	struct as_store *st;
	FILE *log;
	/* The key handed to libcoap from the PSK callback; libcoap copies it
	 * into the session before the next callback can run. */
	uint8_t psk[AS_SECRET_MAX];
	coap_bin_const_t psk_key;
	unsigned long issued, refused;
	unsigned long handled; /* requests served, for the burst loop */
	unsigned long commits; /* bursts that served something */
	uint64_t cti_counter;  /* endpoints.h */
	struct as_rand_pool pool;
};

/* Requests served between two commits at most (see as_server_run). */
#define AS_BURST_MAX 64

static volatile sig_atomic_t stop_requested;

/* What a DTLS session's app data says (coap_session_set_app_data). */
static char session_refused;   /* psk_for logged it */
static char session_connected; /* the handshake completed */

static void on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static void log_time(FILE *f)
{
	struct timespec ts;
	struct tm tm;
	char buf[32];

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
	fprintf(f, "%s.%03ldZ obol-as ", buf, ts.tv_nsec / 1000000L);
}

/* A value for a log line: bare if it is one safe word, else quoted. */
static void log_value(FILE *f, const char *k, const char *v)
{
	const char *p;
	int bare = v[0] != 0;

	for (p = v; *p != 0 && bare; p++)
		if (*p <= ' ' || *p == '"' || *p == '=' || *p == '\\' ||
		    *p == 0x7f)
			bare = 0;
	if (bare) {
		fprintf(f, " %s=%s", k, v);
		return;
	}
	fprintf(f, " %s=\"", k);
	for (p = v; *p != 0; p++) {
		unsigned char c = (unsigned char)*p;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < ' ' || c == 0x7f)
			fprintf(f, "\\x%02x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

static void log_event(struct as_server *srv, const struct as_event *ev)
{
	FILE *f = srv->log;

	log_time(f);
	fprintf(f, "event=%s", ev->event);
	if (ev->client[0])
		log_value(f, "client", ev->client);
	if (ev->audience[0])
		log_value(f, "aud", ev->audience);
	if (ev->cti_hex[0])
		log_value(f, "cti", ev->cti_hex);
	if (ev->reason[0])
		log_value(f, "result", ev->reason);
	if (ev->detail[0])
		log_value(f, "detail", ev->detail);
	fputc('\n', f);
}

static int64_t now_unix(void)
{
	return (int64_t)time(NULL);
}

/* The request's Content-Format, or -1 without one. */
static int content_format(const coap_pdu_t *req)
{
	coap_opt_iterator_t it;
	coap_opt_t *o = coap_check_option(req, COAP_OPTION_CONTENT_FORMAT, &it);

	if (o == NULL)
		return -1;
	return (int)coap_decode_var_bytes(coap_opt_value(o),
					  coap_opt_length(o));
}

typedef int (*endpoint_fn)(const struct as_endpoint_cfg *,
			   const struct as_peer *, int, const uint8_t *,
			   size_t, uint8_t *, size_t, struct as_response *,
			   struct as_event *);

static void serve(endpoint_fn fn, coap_session_t *session,
		  const coap_pdu_t *req, coap_pdu_t *resp)
{
	struct as_server *srv =
		coap_get_app_data(coap_session_get_context(session));
	struct as_endpoint_cfg cfg;
	struct as_peer peer;
	struct as_response r;
	struct as_event ev;
	uint8_t out[AS_RESPONSE_MAX];
	char identity[AS_NAME_MAX + 1];
	const uint8_t *data = NULL;
	size_t len = 0;
	coap_opt_iterator_t it;
	uint8_t cf[4];

	memset(&peer, 0, sizeof peer);
	if (coap_session_get_proto(session) == COAP_PROTO_DTLS) {
		const coap_bin_const_t *id =
			coap_session_get_psk_identity(session);

		if (id == NULL || id->length == 0 ||
		    id->length > AS_NAME_MAX ||
		    memchr(id->s, 0, id->length) != NULL) {
			coap_pdu_set_code(resp, COAP_RESPONSE_CODE(401));
			return;
		}
		memcpy(identity, id->s, id->length);
		identity[id->length] = 0;
		peer.dtls = 1;
		peer.identity = identity;
	}
	if (!coap_get_data(req, &len, &data)) {
		len = 0;
		data = NULL;
	}
	cfg.st = srv->st;
	cfg.now = now_unix();
	cfg.cti_counter = &srv->cti_counter;
	cfg.pool = &srv->pool;
	if (coap_check_option(req, COAP_OPTION_BLOCK1, &it) != NULL) {
		/* The AS takes a request in one datagram (AS_REQUEST_MAX). */
		memset(&ev, 0, sizeof ev);
		ev.event = fn == as_token_endpoint ? "token_refused"
						   : "introspect_refused";
		ev.reason = "request_too_large";
		snprintf(ev.detail, sizeof ev.detail,
			 "block-wise requests are not accepted");
		ev.refused = 1;
		r.code = COAP_RESPONSE_CODE(413);
		r.content_format = -1;
		r.payload_len = 0;
	} else {
		fn(&cfg, &peer, content_format(req), data, len, out,
		   sizeof out, &r, &ev);
	}
	srv->handled++;
	coap_pdu_set_code(resp, (coap_pdu_code_t)r.code);
	if (r.content_format >= 0)
		coap_add_option(resp, COAP_OPTION_CONTENT_FORMAT,
				coap_encode_var_safe(cf, sizeof cf,
						     (unsigned)r.content_format),
				cf);
	if (r.payload_len > 0)
		coap_add_data(resp, r.payload_len, r.payload);
	/* the payload of a 2.01 holds the client's master secret */
	obol_wipe(out, r.payload_len <= sizeof out ? r.payload_len : sizeof out);
	if (ev.refused) {
		srv->refused++;
		as_audit_add(srv->st, cfg.now, ev.event, ev.client,
			     ev.audience, ev.reason);
		log_event(srv, &ev);
	} else {
		srv->issued += fn == as_token_endpoint;
		if (!srv->o->quiet)
			log_event(srv, &ev);
	}
}

static void hnd_token(coap_resource_t *res, coap_session_t *session,
		      const coap_pdu_t *req, const coap_string_t *query,
		      coap_pdu_t *resp)
{
	(void)res;
	(void)query;
	serve(as_token_endpoint, session, req, resp);
}

static void hnd_introspect(coap_resource_t *res, coap_session_t *session,
			   const coap_pdu_t *req, const coap_string_t *query,
			   coap_pdu_t *resp)
{
	(void)res;
	(void)query;
	serve(as_introspect_endpoint, session, req, resp);
}

/*
 * The PSK for a DTLS identity: a client's secret, else an RS's
 * introspection secret. NULL (handshake fails) for anyone else.
 */
static const coap_bin_const_t *psk_for(coap_bin_const_t *identity,
				       coap_session_t *session, void *arg)
{
	struct as_server *srv = arg;
	struct as_client c;
	struct as_rs rs;
	struct as_event ev;
	char id[AS_NAME_MAX + 1];

	if (identity == NULL || identity->length == 0 ||
	    identity->length > AS_NAME_MAX ||
	    memchr(identity->s, 0, identity->length) != NULL)
		return NULL;
	memcpy(id, identity->s, identity->length);
	id[identity->length] = 0;
	if (as_client_get(srv->st, id, &c) == AS_OK) {
		memcpy(srv->psk, c.secret, c.secret_len);
		srv->psk_key.length = c.secret_len;
		obol_wipe(&c, sizeof c);
	} else if (as_rs_get(srv->st, id, &rs) == AS_OK) {
		memcpy(srv->psk, rs.secret, rs.secret_len);
		srv->psk_key.length = rs.secret_len;
		obol_wipe(&rs, sizeof rs);
	} else {
		/* on_event() will see the handshake fail: one event is
		 * enough, and this one says why */
		coap_session_set_app_data(session, &session_refused);
		memset(&ev, 0, sizeof ev);
		ev.event = "dtls_refused";
		snprintf(ev.client, sizeof ev.client, "%s", id);
		ev.reason = "unknown_identity";
		ev.detail[0] = 0;
		srv->refused++;
		as_audit_add(srv->st, now_unix(), ev.event, ev.client, "",
			     ev.reason);
		log_event(srv, &ev);
		return NULL;
	}
	srv->psk_key.s = srv->psk;
	return &srv->psk_key;
}

static int on_event(coap_session_t *session, const coap_event_t event)
{
	struct as_server *srv =
		coap_get_app_data(coap_session_get_context(session));
	const coap_bin_const_t *id;
	struct as_event ev;

	if (event == COAP_EVENT_DTLS_CONNECTED) {
		coap_session_set_app_data(session, &session_connected);
		return 0;
	}
	/* Only a handshake that failed for a known identity is news: an
	 * unknown one was logged by psk_for, and an error on a session that
	 * was up (e.g. the client went away) refuses nobody. A wrong key
	 * rarely ends here either: DTLS drops a record that fails its MAC
	 * without an alert (RFC 6347 4.1.2.7), so such a client times out. */
	if (event != COAP_EVENT_DTLS_ERROR ||
	    coap_session_get_app_data(session) != NULL)
		return 0;
	memset(&ev, 0, sizeof ev);
	ev.event = "dtls_failed";
	ev.reason = "handshake_failed";
	id = coap_session_get_psk_identity(session);
	if (id != NULL && id->length <= AS_NAME_MAX &&
	    memchr(id->s, 0, id->length) == NULL) {
		memcpy(ev.client, id->s, id->length);
		ev.client[id->length] = 0;
	}
	srv->refused++;
	as_audit_add(srv->st, now_unix(), ev.event, ev.client, "", ev.reason);
	log_event(srv, &ev);
	return 0;
}

/* Add the listener for uri ("coaps://HOST[:PORT]"). 0 or -1 (logged). */
static int listen_on(struct as_server *srv, coap_context_t *ctx,
		     const char *uri)
{
	coap_uri_t u;
	char host[256], port[8];
	struct addrinfo hints, *res = NULL, *ai;
	coap_proto_t proto;
	int n = 0, rc;

	if (coap_split_uri((const uint8_t *)uri, strlen(uri), &u) != 0 ||
	    (u.scheme != COAP_URI_SCHEME_COAP &&
	     u.scheme != COAP_URI_SCHEME_COAPS) ||
	    u.host.length == 0 || u.host.length >= sizeof host ||
	    u.path.length != 0) {
		log_time(srv->log);
		fprintf(srv->log, "event=error detail=\"--listen %s: expected "
			"coaps://HOST[:PORT] or coap://HOST[:PORT]\"\n", uri);
		return -1;
	}
	if (u.scheme == COAP_URI_SCHEME_COAP && !srv->o->insecure_dev) {
		log_time(srv->log);
		fprintf(srv->log, "event=error detail=\"--listen %s: coap:// "
			"sends client secrets and PoP keys in the clear; it "
			"needs --insecure-dev\"\n", uri);
		return -1;
	}
	proto = u.scheme == COAP_URI_SCHEME_COAPS ? COAP_PROTO_DTLS
						  : COAP_PROTO_UDP;
	memcpy(host, u.host.s, u.host.length);
	host[u.host.length] = 0;
	snprintf(port, sizeof port, "%u", (unsigned)u.port);
	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_DGRAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	rc = getaddrinfo(host, port, &hints, &res);
	if (rc != 0) {
		log_time(srv->log);
		fprintf(srv->log, "event=error detail=\"--listen %s: %s\"\n",
			uri, gai_strerror(rc));
		return -1;
	}
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		coap_address_t a;

		coap_address_init(&a);
		if (ai->ai_addrlen > sizeof a.addr)
			continue;
		memcpy(&a.addr, ai->ai_addr, ai->ai_addrlen);
		a.size = (socklen_t)ai->ai_addrlen;
		if (coap_new_endpoint(ctx, &a, proto) != NULL)
			n++;
	}
	freeaddrinfo(res);
	if (n == 0) {
		log_time(srv->log);
		fprintf(srv->log, "event=error detail=\"--listen %s: cannot "
			"bind (port in use?)\"\n", uri);
		return -1;
	}
	return 0;
}

static void purge(struct as_server *srv)
{
	unsigned long nt = 0, na = 0;

	log_time(srv->log);
	if (as_store_purge(srv->st, now_unix(), &nt, &na) != AS_OK)
		fprintf(srv->log, "event=purge_failed detail=\"%s\"\n",
			as_store_errmsg(srv->st));
	else
		fprintf(srv->log, "event=purge tokens=%lu audit=%lu\n", nt, na);
}

int as_server_run(const struct as_server_opts *o)
{
	static const char *const dflt = "coaps://0.0.0.0:5684";
	struct as_server srv;
	coap_context_t *ctx = NULL;
	coap_resource_t *r;
	coap_dtls_spsk_t psk;
	struct sigaction sa;
	char err[256];
	int i, rc = 1;
	time_t next_purge;

	memset(&srv, 0, sizeof srv);
	srv.o = o;
	srv.pool.pos = sizeof srv.pool.buf; /* empty */
	{
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		srv.cti_counter = ((uint64_t)ts.tv_sec * 1000u +
				   (uint64_t)ts.tv_nsec / 1000000u) << 20;
	}
	srv.log = o->log != NULL ? o->log : stderr;
	setvbuf(srv.log, NULL, _IOLBF, 0);
	if (as_store_open(o->db, 0, o->sync, &srv.st, err, sizeof err) !=
	    AS_OK) {
		log_time(srv.log);
		fprintf(srv.log, "event=error detail=\"%s\"\n", err);
		return 1;
	}
	if (as_store_journal_start(srv.st) != AS_OK) {
		log_time(srv.log);
		fprintf(srv.log, "event=error detail=\"%s\"\n",
			as_store_errmsg(srv.st));
		as_store_close(srv.st);
		return 1;
	}

	coap_startup();
	coap_set_log_level(LOG_EMERG);
	coap_dtls_set_log_level(LOG_EMERG);
	ctx = coap_new_context(NULL);
	if (ctx == NULL)
		goto out;
	coap_set_app_data(ctx, &srv);
	/* The OSCORE option is not libcoap's to refuse (BRIEF 2). */
	coap_register_option(ctx, COAP_OPTION_OSCORE);
	memset(&psk, 0, sizeof psk);
	psk.version = COAP_DTLS_SPSK_SETUP_VERSION;
	psk.validate_id_call_back = psk_for;
	psk.id_call_back_arg = &srv;
	if (!coap_context_set_psk2(ctx, &psk)) {
		log_time(srv.log);
		fputs("event=error detail=\"libcoap has no DTLS PSK\"\n",
		      srv.log);
		goto out;
	}
	coap_register_event_handler(ctx, on_event);
	for (i = 0; i < (o->nlisten > 0 ? o->nlisten : 1); i++)
		if (listen_on(&srv, ctx, o->nlisten > 0 ? o->listen[i] : dflt) !=
		    0)
			goto out;

	r = coap_resource_init(coap_make_str_const("token"), 0);
	coap_register_handler(r, COAP_REQUEST_POST, hnd_token);
	coap_add_resource(ctx, r);
	r = coap_resource_init(coap_make_str_const("introspect"), 0);
	coap_register_handler(r, COAP_REQUEST_POST, hnd_introspect);
	coap_add_resource(ctx, r);

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	if (o->insecure_dev) {
		log_time(srv.log);
		fputs("event=warning detail=\"--insecure-dev: coap:// "
		      "listeners take client secrets and send PoP keys in "
		      "the clear; for tests and benchmarks only\"\n", srv.log);
	}
	purge(&srv);
	next_purge = time(NULL) + (o->purge_interval > 0 ? o->purge_interval
							  : 3600);
	log_time(srv.log);
	fprintf(srv.log, "event=ready db=%s", o->db);
	for (i = 0; i < (o->nlisten > 0 ? o->nlisten : 1); i++)
		fprintf(srv.log, " listen=%s", o->nlisten > 0 ? o->listen[i]
							     : dflt);
	fputc('\n', srv.log);

	/*
	 * Group commit: the requests of one burst (those already waiting
	 * when the first is served, up to AS_BURST_MAX) share one store
	 * transaction: one set of locks for their lookups and one commit for
	 * their records. A token's record is in the journal before its
	 * response is sent (store.h), so the commit may come after.
	 */
	while (!stop_requested) {
		unsigned long first;
		int io;

		if (as_store_batch_begin(srv.st) != AS_OK)
			break;
		first = srv.handled;
		io = coap_io_process(ctx, 1000);
		while (io >= 0 && srv.handled != first &&
		       srv.handled - first < AS_BURST_MAX) {
			unsigned long before = srv.handled;

			io = coap_io_process(ctx, COAP_IO_NO_WAIT);
			if (srv.handled == before)
				break;
		}
		srv.commits += srv.handled != first;
		if (as_store_batch_end(srv.st) != AS_OK) {
			log_time(srv.log);
			fprintf(srv.log, "event=commit_failed detail=\"%s\"\n",
				as_store_errmsg(srv.st));
		}
		if (io < 0)
			break;
		if (time(NULL) >= next_purge) {
			purge(&srv);
			next_purge = time(NULL) +
				     (o->purge_interval > 0 ? o->purge_interval
							    : 3600);
		}
	}
	rc = 0;
	log_time(srv.log);
	fprintf(srv.log, "event=stopped issued=%lu refused=%lu bursts=%lu\n",
		srv.issued, srv.refused, srv.commits);
out:
	if (ctx != NULL)
		coap_free_context(ctx);
	coap_cleanup();
	as_store_close(srv.st);
	obol_wipe(srv.psk, sizeof srv.psk);
	obol_wipe(&srv.pool, sizeof srv.pool);
	return rc;
}
