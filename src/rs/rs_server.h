/*
 * The resource server daemon for Linux (`obol rs serve`): the core's RS
 * engine (include/obol/rs.h) behind a UDP socket, with the demo
 * resources. The engine does everything ACE and OSCORE; this file moves
 * datagrams, keeps time and implements the resources.
 *
 * Resources (the same table a device uses, see resources.c):
 *   /temp               GET, protected: a temperature reading (text)
 *   /led                GET, PUT ("on" / "off"), protected
 *   /.well-known/core   GET, unprotected: RFC 6690 link format
 *   /authz-info         the engine's (RFC 9203 4.1)
 *
 * The log has one event a line: "TIME obol-rs event=NAME k=v ...".
 * SIGTERM and SIGINT stop it.
 */
#ifndef OBOL_RS_RS_SERVER_H
#define OBOL_RS_RS_SERVER_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct rs_server_opts {
	const char *audience;   /* this RS's aud */
	const uint8_t *key;     /* the 16-byte token key shared with the AS */
	size_t key_len;
	const char *as_uri;     /* for the AS Request Creation Hints, or NULL */
	const char *listen;     /* coap://HOST:PORT */
	int no_clock;           /* ignore the wall clock: tokens need exi */
	int quiet;              /* log start/stop and refusals only */
	FILE *log;              /* NULL: stderr */
};

/* Run until SIGTERM/SIGINT: 0, or 1 after logging why it could not. */
int rs_server_run(const struct rs_server_opts *o);

#endif
