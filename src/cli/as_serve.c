/*
 * `obol as serve`: the Authorization Server daemon's command line. The
 * daemon is src/as/server.c; this file only turns options into
 * struct as_server_opts.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "server.h"

#define PROG "obol as serve"

static const char serve_help[] =
	"usage: obol as serve [--db PATH] [--listen URI]... [--insecure-dev]\n"
	"                     [--sync normal|full] [--quiet] [--log FILE]\n"
	"                     [--purge-interval SECONDS]\n"
	"\n"
	"Run the Authorization Server (RFC 9200): POST /token issues encrypted\n"
	"proof-of-possession tokens for the OSCORE profile (RFC 9203) to the\n"
	"clients of the store; POST /introspect answers resource servers.\n"
	"Both take and give application/ace+cbor (Content-Format 19).\n"
	"\n"
	"options:\n"
	"  --db PATH          the store (default: $OBOL_AS_DB, else ./obol-as.db;\n"
	"                     create it with 'obol as init')\n"
	"  --listen URI       coaps://HOST[:PORT] (default coaps://0.0.0.0:5684):\n"
	"                     DTLS with PSK; the PSK identity is a client id (or an\n"
	"                     RS audience, for /introspect), the key its secret.\n"
	"                     coap://HOST[:PORT] only with --insecure-dev. Repeat\n"
	"                     for several listeners (at most 8).\n"
	"  --insecure-dev     allow coap:// listeners, where a client sends\n"
	"                     client_id and client_secret (RFC 9200 Table 5) and\n"
	"                     gets its PoP key in the clear. Tests and benchmarks\n"
	"                     only; a warning is logged at start.\n"
	"  --sync normal|full normal (default): a token record is committed (WAL)\n"
	"                     before its response leaves, and survives the\n"
	"                     process being killed; full: survives power loss too\n"
	"                     (an fsync per token)\n"
	"  --quiet            log refusals and start/stop only, not every token\n"
	"  --log FILE         append the log to FILE (default: standard error)\n"
	"  --purge-interval S apply the retention settings every S seconds\n"
	"                     (default 3600; also once at start)\n"
	"\n"
	"The log has one event a line: TIME obol-as event=NAME key=value...\n"
	"Refused requests are also audit events in the store. SIGTERM or SIGINT\n"
	"stops the server cleanly.\n";

enum {
	OPT_HELP = 1, OPT_DB, OPT_LISTEN, OPT_INSECURE, OPT_SYNC, OPT_QUIET,
	OPT_LOG, OPT_PURGE
};

static const struct cli_opt serve_opts[] = {
	{"help", 0, OPT_HELP},        {"db", 1, OPT_DB},
	{"listen", 1, OPT_LISTEN},    {"insecure-dev", 0, OPT_INSECURE},
	{"sync", 1, OPT_SYNC},        {"quiet", 0, OPT_QUIET},
	{"log", 1, OPT_LOG},          {"purge-interval", 1, OPT_PURGE},
	{NULL, 0, 0}};

int cli_as_serve(int argc, char **argv)
{
	struct as_server_opts o;
	struct cli_args a;
	const char *val, *log_path = NULL;
	int id, i, rc;

	memset(&o, 0, sizeof o);
	memset(&a, 0, sizeof a);
	a.argc = argc;
	a.argv = argv;
	o.db = getenv("OBOL_AS_DB");
	if (o.db == NULL || o.db[0] == 0)
		o.db = "obol-as.db";
	o.sync = AS_SYNC_NORMAL;
	o.purge_interval = 3600;
	while ((id = cli_next_opt(&a, PROG, serve_opts, &val)) != CLI_OPT_END) {
		int64_t v;

		switch (id) {
		case OPT_HELP:
			fputs(serve_help, stdout);
			return CLI_EXIT_OK;
		case OPT_DB: o.db = val; break;
		case OPT_LISTEN:
			if (o.nlisten == AS_LISTEN_MAX) {
				fprintf(stderr, PROG ": at most %d --listen\n",
					AS_LISTEN_MAX);
				return CLI_EXIT_USAGE;
			}
			o.listen[o.nlisten++] = val;
			break;
		case OPT_INSECURE: o.insecure_dev = 1; break;
		case OPT_SYNC:
			if (strcmp(val, "normal") == 0) {
				o.sync = AS_SYNC_NORMAL;
			} else if (strcmp(val, "full") == 0) {
				o.sync = AS_SYNC_FULL;
			} else {
				fputs(PROG ": --sync: normal or full\n", stderr);
				return CLI_EXIT_USAGE;
			}
			break;
		case OPT_QUIET: o.quiet = 1; break;
		case OPT_LOG: log_path = val; break;
		case OPT_PURGE:
			if (cli_int_arg(PROG, "purge-interval", val, 1,
					INT32_MAX, &v) != 0)
				return CLI_EXIT_USAGE;
			o.purge_interval = v;
			break;
		case CLI_OPT_OPERAND:
			fprintf(stderr, PROG ": unexpected argument '%s'\n", val);
			return CLI_EXIT_USAGE;
		default:
			return CLI_EXIT_USAGE;
		}
	}
	/* coap:// without --insecure-dev is refused here too, before the
	 * store is touched, with the same words the daemon would log. */
	for (i = 0; i < o.nlisten; i++) {
		if (strncmp(o.listen[i], "coap://", 7) == 0 && !o.insecure_dev) {
			fprintf(stderr, PROG ": --listen %s: coap:// sends client "
				"secrets and PoP keys in the clear; it needs "
				"--insecure-dev\n", o.listen[i]);
			return CLI_EXIT_USAGE;
		}
	}
	if (log_path != NULL) {
		o.log = fopen(log_path, "a");
		if (o.log == NULL) {
			fprintf(stderr, PROG ": --log %s: cannot open\n", log_path);
			return CLI_EXIT_FAIL;
		}
	}
	rc = as_server_run(&o);
	if (o.log != NULL)
		fclose(o.log);
	return rc == 0 ? CLI_EXIT_OK : CLI_EXIT_FAIL;
}
