/*
 * obol inspect: print CBOR (RFC 8949), or a CBOR sequence (RFC 8742), in
 * diagnostic notation (RFC 8949 section 8) or as JSON (section 6.1).
 *
 * The whole input is validated before anything is printed, so a bad input
 * gives one error line naming the offending byte and no partial output.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#define PROG "obol inspect"

static const char inspect_help[] =
	"usage: obol inspect [FILE|-] [--hex] [--json] [--strict] [--compact] [--plain]\n"
	"\n"
	"Print CBOR (RFC 8949) in diagnostic notation (section 8), or as JSON.\n"
	"Reads FILE, or standard input if FILE is '-' or absent. The input may\n"
	"be a CBOR sequence (RFC 8742): each top-level item is printed in turn.\n"
	"An item that fits in 72 columns takes one line; a longer array or map\n"
	"gets one member per line, indented by two spaces. COSE messages (tags\n"
	"16-18, 96-98) and CWTs (tag 61) are annotated with /comments/ and their\n"
	"protected headers shown as embedded CBOR: 16(/ COSE_Encrypt0 / [...]).\n"
	"\n"
	"options:\n"
	"  --hex       the input is hex text (whitespace ignored, any case)\n"
	"                echo 'a201020304' | obol inspect --hex   ->  {1: 2, 3: 4}\n"
	"  --json      print JSON as RFC 8949 section 6.1 advises: byte strings\n"
	"              in base64url, tags dropped, non-text keys as strings\n"
	"                echo 'a1614143010203' | obol inspect --hex --json\n"
	"                                                  ->  {\"A\": \"AQID\"}\n"
	"  --strict    also refuse what obol refuses in ACE messages (RFC 8949\n"
	"              4.2.1, 5.3.1, 5.6): indefinite lengths, integers not in\n"
	"              their shortest form, duplicate map keys, invalid UTF-8\n"
	"                echo '1800' | obol inspect --hex --strict  ->\n"
	"                obol inspect: error at byte 0: CBOR: value not in its\n"
	"                shortest encoding\n"
	"  --compact   print every item on one line\n"
	"                obol inspect --compact token.cbor\n"
	"  --plain     no COSE/CWT comments, byte strings always as h'...'\n"
	"                obol inspect --plain token.cbor\n"
	"  -h, --help  show this help\n"
	"\n"
	"Exit status: 0 printed; 1 unreadable or invalid input (one line on\n"
	"stderr, with the offset of the bad byte); 2 bad command line.\n"
	"Inputs larger than 16 MiB are refused.\n";

enum { OPT_HELP = 1, OPT_HEX, OPT_JSON, OPT_STRICT, OPT_COMPACT, OPT_PLAIN };

static const struct cli_opt inspect_opts[] = {
	{"help", 0, OPT_HELP},
	{"hex", 0, OPT_HEX},
	{"json", 0, OPT_JSON},
	{"strict", 0, OPT_STRICT},
	{"compact", 0, OPT_COMPACT},
	{"plain", 0, OPT_PLAIN},
	{NULL, 0, 0},
};

struct inspect_args {
	const char *path; /* NULL: standard input */
	int hex;
	int strict;
	unsigned diag;    /* CLI_DIAG_* */
};

/* Returns -1 to go on, else the exit status (help or a usage error). */
static int parse_args(int argc, char **argv, struct inspect_args *ia)
{
	struct cli_args a;
	const char *val;
	int id, have_path = 0;

	memset(&a, 0, sizeof a);
	a.argc = argc;
	a.argv = argv;
	while ((id = cli_next_opt(&a, PROG, inspect_opts, &val)) != CLI_OPT_END) {
		switch (id) {
		case OPT_HELP:
			fputs(inspect_help, stdout);
			return CLI_EXIT_OK;
		case OPT_HEX:
			ia->hex = 1;
			break;
		case OPT_JSON:
			ia->diag |= CLI_DIAG_JSON;
			break;
		case OPT_STRICT:
			ia->strict = 1;
			break;
		case OPT_COMPACT:
			ia->diag |= CLI_DIAG_COMPACT;
			break;
		case OPT_PLAIN:
			ia->diag |= CLI_DIAG_PLAIN;
			break;
		case CLI_OPT_OPERAND:
			if (have_path) {
				fprintf(stderr, PROG ": more than one input file ('%s')"
					" (try --help)\n", val);
				return CLI_EXIT_USAGE;
			}
			ia->path = val;
			have_path = 1;
			break;
		default: /* CLI_OPT_ERROR: already reported */
			return CLI_EXIT_USAGE;
		}
	}
	return -1;
}

/* Hex text to bytes, in place; reports errors. 0 or -1. */
static int decode_hex(uint8_t *buf, size_t *len)
{
	size_t pos = 0;
	int rc = cli_hex_decode(buf, len, &pos);

	if (rc == CLI_HEX_BAD_CHAR) {
		uint8_t c = buf[pos];
		if (c >= 0x21 && c < 0x7f)
			fprintf(stderr, PROG ": bad hex input at offset %zu:"
				" '%c' is not a hex digit\n", pos, (char)c);
		else
			fprintf(stderr, PROG ": bad hex input at offset %zu:"
				" byte 0x%02x is not a hex digit\n", pos, (unsigned)c);
		return -1;
	}
	if (rc == CLI_HEX_ODD) {
		fprintf(stderr, PROG ": bad hex input at offset %zu: odd number"
			" of hex digits (this one has no pair)\n", pos);
		return -1;
	}
	return 0;
}

static void report(size_t off, int err)
{
	fprintf(stderr, PROG ": error at byte %zu: %s\n", off, obol_err_str(err));
}

/* Validate the whole input, then print each top-level item. */
static int print_items(const uint8_t *buf, size_t len, const struct inspect_args *ia)
{
	unsigned flags = OBOL_CBOR_SEQUENCE | (ia->strict ? OBOL_CBOR_STRICT : 0u);
	size_t off = 0;
	obol_cbor_dec d;
	int err;

	if (len == 0) {
		fputs(PROG ": error at byte 0: empty input, no CBOR item\n", stderr);
		return CLI_EXIT_FAIL;
	}
	/* RFC 8949 5.3.1: well-formedness first, whole input, before output. */
	err = obol_cbor_validate(buf, len, flags, &off);
	if (err == OBOL_OK)
		err = obol_cbor_dec_init(&d, buf, len, flags);
	if (err != OBOL_OK) {
		report(off, err);
		return CLI_EXIT_FAIL;
	}
	while (!obol_cbor_at_end(&d)) {
		struct cli_buf out = {0};

		err = cli_diag_render(&d, ia->diag, &out);
		if (err == OBOL_OK) {
			cli_buf_putc(&out, '\n');
			fwrite(out.p, 1, out.len, stdout);
		}
		cli_buf_free(&out);
		if (err != OBOL_OK) {
			report(obol_cbor_offset(&d), err);
			return CLI_EXIT_FAIL;
		}
	}
	return CLI_EXIT_OK;
}

int cli_inspect(int argc, char **argv)
{
	struct inspect_args ia;
	uint8_t *buf = NULL;
	size_t len = 0;
	int rc;

	memset(&ia, 0, sizeof ia);
	rc = parse_args(argc, argv, &ia);
	if (rc >= 0)
		return rc;
	if (cli_read_input(PROG, ia.path, CLI_INPUT_MAX, &buf, &len) != 0)
		return CLI_EXIT_FAIL;
	if (ia.hex && decode_hex(buf, &len) != 0)
		rc = CLI_EXIT_FAIL;
	else
		rc = print_items(buf, len, &ia);
	free(buf);
	return rc;
}
