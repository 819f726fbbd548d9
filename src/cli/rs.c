/*
 * `obol rs`: the resource server on Linux. `obol rs serve` runs the core's
 * RS engine (include/obol/rs.h) with the demo resources behind a UDP
 * socket (src/rs/server.c); this file turns options into its settings.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "obol/crypto.h"
#include "rs_server.h"

#define PROG "obol rs"
#define PROG_SERVE "obol rs serve"

static const char rs_help[] =
	"usage: obol rs serve --audience AUD --key HEX [options]\n"
	"\n"
	"The ACE resource server (RFC 9200, OSCORE profile RFC 9203) on Linux.\n"
	"Run 'obol rs serve --help' for its options.\n";

static const char serve_help[] =
	"usage: obol rs serve --audience AUD (--key HEX | --key-file FILE)\n"
	"                     [--listen coap://HOST[:PORT]] [--as URI]\n"
	"                     [--no-clock] [--quiet] [--log FILE]\n"
	"\n"
	"Serve the demo resources to clients holding an access token from the\n"
	"AS, each request protected end to end with OSCORE:\n"
	"  /temp              GET, protected: a temperature reading\n"
	"  /led               GET, PUT (on|off), protected\n"
	"  /.well-known/core  GET, unprotected (RFC 6690)\n"
	"  /authz-info        POST a token (RFC 9203 4.1)\n"
	"An unprotected request to a protected resource gets 4.01 with the AS\n"
	"Request Creation Hints (RFC 9200 5.3): the AS URI, the audience and the\n"
	"scope the request needs.\n"
	"\n"
	"options:\n"
	"  --audience AUD     this RS's name at the AS ('obol as rs add AUD')\n"
	"  --key HEX          the 16-byte token key shared with the AS\n"
	"  --key-file FILE    the same, as hex text in a file (keeps it out of\n"
	"                     the process list)\n"
	"  --listen URI       coap://HOST[:PORT] (default coap://0.0.0.0:5683)\n"
	"  --as URI           the AS to name in the hints (e.g.\n"
	"                     coaps://as.example:5684)\n"
	"  --no-clock         act as a device without a wall clock: tokens must\n"
	"                     carry exi (RFC 9200 5.10.3)\n"
	"  --quiet            log start, stop and refusals only\n"
	"  --log FILE         append the log to FILE (default: standard error)\n"
	"\n"
	"Token slots, contexts and the LED live in memory: after a restart\n"
	"clients post their tokens again (obol get does so by itself).\n";

enum {
	OPT_HELP = 1, OPT_AUD, OPT_KEY, OPT_KEY_FILE, OPT_LISTEN, OPT_AS,
	OPT_NO_CLOCK, OPT_QUIET, OPT_LOG
};

static const struct cli_opt serve_opts[] = {
	{"help", 0, OPT_HELP},          {"audience", 1, OPT_AUD},
	{"key", 1, OPT_KEY},            {"key-file", 1, OPT_KEY_FILE},
	{"listen", 1, OPT_LISTEN},      {"as", 1, OPT_AS},
	{"no-clock", 0, OPT_NO_CLOCK},  {"quiet", 0, OPT_QUIET},
	{"log", 1, OPT_LOG},            {NULL, 0, 0}};

static int usage_error(const char *msg)
{
	fprintf(stderr, PROG_SERVE ": %s (try --help)\n", msg);
	return CLI_EXIT_USAGE;
}

static int serve(int argc, char **argv)
{
	struct rs_server_opts o;
	struct cli_args a;
	const char *val, *key_hex = NULL, *key_file = NULL, *log_path = NULL;
	uint8_t *key = NULL, *txt = NULL;
	size_t key_len = 0, txt_len = 0;
	int id, rc = CLI_EXIT_FAIL;

	memset(&o, 0, sizeof o);
	memset(&a, 0, sizeof a);
	a.argc = argc;
	a.argv = argv;
	o.listen = "coap://0.0.0.0:5683";
	while ((id = cli_next_opt(&a, PROG_SERVE, serve_opts, &val)) !=
	       CLI_OPT_END) {
		switch (id) {
		case OPT_HELP:
			fputs(serve_help, stdout);
			return CLI_EXIT_OK;
		case OPT_AUD: o.audience = val; break;
		case OPT_KEY: key_hex = val; break;
		case OPT_KEY_FILE: key_file = val; break;
		case OPT_LISTEN: o.listen = val; break;
		case OPT_AS: o.as_uri = val; break;
		case OPT_NO_CLOCK: o.no_clock = 1; break;
		case OPT_QUIET: o.quiet = 1; break;
		case OPT_LOG: log_path = val; break;
		case CLI_OPT_OPERAND:
			fprintf(stderr, PROG_SERVE ": unexpected argument '%s'\n",
				val);
			return CLI_EXIT_USAGE;
		default:
			return CLI_EXIT_USAGE;
		}
	}
	if (o.audience == NULL || o.audience[0] == 0)
		return usage_error("--audience is required");
	if ((key_hex == NULL) == (key_file == NULL))
		return usage_error("give the token key: --key HEX or --key-file FILE");
	if (key_hex != NULL) {
		if (cli_hex_arg(PROG_SERVE, "key", key_hex, &key, &key_len) != 0)
			return CLI_EXIT_USAGE;
	} else {
		size_t pos;

		if (cli_read_input(PROG_SERVE, key_file, 4096, &txt, &txt_len) != 0)
			return CLI_EXIT_FAIL;
		if (cli_hex_decode(txt, &txt_len, &pos) != CLI_HEX_OK) {
			fprintf(stderr, PROG_SERVE ": --key-file %s: not hex "
				"(offset %zu)\n", key_file, pos);
			goto out;
		}
		key = txt;
		key_len = txt_len;
		txt = NULL;
	}
	if (key_len != 16) {
		fprintf(stderr, PROG_SERVE ": the token key is 16 bytes "
			"(AES-CCM-16-64-128), not %zu\n", key_len);
		goto out;
	}
	o.key = key;
	o.key_len = key_len;
	if (log_path != NULL) {
		o.log = fopen(log_path, "a");
		if (o.log == NULL) {
			fprintf(stderr, PROG_SERVE ": --log %s: cannot open\n",
				log_path);
			goto out;
		}
	}
	rc = rs_server_run(&o) == 0 ? CLI_EXIT_OK : CLI_EXIT_FAIL;
	if (o.log != NULL)
		fclose(o.log);
out:
	if (key != NULL) {
		obol_wipe(key, key_len);
		free(key);
	}
	free(txt);
	return rc;
}

int cli_rs(int argc, char **argv)
{
	if (argc < 2) {
		fputs(rs_help, stderr);
		return CLI_EXIT_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		fputs(rs_help, stdout);
		return CLI_EXIT_OK;
	}
	if (strcmp(argv[1], "serve") == 0)
		return serve(argc - 1, argv + 1);
	fprintf(stderr, PROG ": unknown subcommand '%s' (try --help)\n",
		argv[1]);
	return CLI_EXIT_USAGE;
}
