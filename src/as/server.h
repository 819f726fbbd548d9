/*
 * The Authorization Server daemon (`obol as serve`): the endpoints of
 * endpoints.h over libcoap (Debian libcoap3, OpenSSL flavour).
 *
 * coaps:// listeners use DTLS with PSK: the PSK identity is a client id
 * (for /token) or an RS audience (for /introspect), the key its secret
 * from the store. This is the only way a PoP key leaves the AS. coap://
 * listeners exist only with insecure_dev, for tests and benchmarks: the
 * client then sends client_id and client_secret in the clear, and the
 * tokens' PoP keys cross the network unprotected.
 *
 * One event a line on the log stream: "TIME obol-as event=NAME k=v ...".
 * SIGTERM and SIGINT stop the loop; the store is closed cleanly.
 */
#ifndef OBOL_AS_SERVER_H
#define OBOL_AS_SERVER_H

#include <stdint.h>
#include <stdio.h>

#include "store.h"

#define AS_LISTEN_MAX 8

struct as_server_opts {
	const char *db;                    /* store path */
	const char *listen[AS_LISTEN_MAX]; /* coaps://HOST[:PORT], coap://... */
	int nlisten;                       /* 0: coaps://0.0.0.0:5684 */
	int insecure_dev;                  /* allow coap:// listeners */
	enum as_sync sync;
	int quiet;                         /* log refusals and lifecycle only */
	int64_t purge_interval;            /* seconds between retention runs */
	FILE *log;                         /* NULL: stderr */
};

/* Run until SIGTERM/SIGINT. Returns 0, or 1 after logging why it could
 * not start (store, address, port in use). */
int as_server_run(const struct as_server_opts *o);

#endif
