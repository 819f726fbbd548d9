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
	"                    [--key HEX | --key-file FILE] [--aud NAME ...]\n"
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
	"  --key HEX   open COSE messages (tags 16-18, also inside the CWT tag 61,\n"
	"              or untagged) with this symmetric key: an Encrypt0 is\n"
	"              decrypted and printed with its plaintext in place of the\n"
	"              ciphertext, as embedded CBOR (a claims set gets the claim\n"
	"              names); a Mac0 or Sign1 is verified. A comment line before\n"
	"              the item says so: / decrypted with kid h'..' / or\n"
	"              / verified / (not with --json or --plain)\n"
	"                obol inspect token.cbor --key 231f4c4d4d3051fdc2ec0a3851d5b383\n"
	"  --key-file FILE  the same with a COSE_Key (binary CBOR, hex or EDN);\n"
	"              a public key verifies a Sign1\n"
	"  --aud NAME  with --key: the claims' aud must be NAME (repeat for\n"
	"              several accepted names)\n"
	"  -h, --help  show this help\n"
	"\n"
	"Exit status: 0 printed; 1 unreadable or invalid input (one line on\n"
	"stderr, with the offset of the bad byte), or, with --key, a message that\n"
	"does not decrypt or verify (it is printed as it is, and one line on\n"
	"stderr gives the reason, as `obol token verify` words it, e.g.\n"
	"  obol inspect: decryption failed (crypto: authentication failed)\n"
	"); 2 bad command line.\n"
	"Inputs larger than 16 MiB are refused.\n";

enum {
	OPT_HELP = 1, OPT_HEX, OPT_JSON, OPT_STRICT, OPT_COMPACT, OPT_PLAIN,
	OPT_KEY, OPT_KEY_FILE, OPT_AUD
};

static const struct cli_opt inspect_opts[] = {
	{"help", 0, OPT_HELP},
	{"hex", 0, OPT_HEX},
	{"json", 0, OPT_JSON},
	{"strict", 0, OPT_STRICT},
	{"compact", 0, OPT_COMPACT},
	{"plain", 0, OPT_PLAIN},
	{"key", 1, OPT_KEY},
	{"key-file", 1, OPT_KEY_FILE},
	{"aud", 1, OPT_AUD},
	{NULL, 0, 0},
};

struct inspect_args {
	const char *path; /* NULL: standard input */
	int hex;
	int strict;
	unsigned diag;    /* CLI_DIAG_* */
	const char *key_hex, *key_file; /* --key, --key-file */
	const char **aud; /* --aud names */
	size_t naud;
	struct cli_key key;
	int have_key;
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
		case OPT_KEY:
		case OPT_KEY_FILE:
			if (ia->key_hex != NULL || ia->key_file != NULL) {
				fputs(PROG ": give one key (try --help)\n", stderr);
				return CLI_EXIT_USAGE;
			}
			if (id == OPT_KEY)
				ia->key_hex = val;
			else
				ia->key_file = val;
			break;
		case OPT_AUD:
			ia->aud = cli_xrealloc(ia->aud, (ia->naud + 1) * sizeof *ia->aud);
			ia->aud[ia->naud++] = val;
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
	if (ia->naud > 0 && ia->key_hex == NULL && ia->key_file == NULL) {
		fputs(PROG ": --aud needs --key or --key-file (try --help)\n", stderr);
		return CLI_EXIT_USAGE;
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

/* ---- --key: open COSE messages ----------------------------------------------- */

struct rebuild {
	const uint8_t *item;  /* the whole item as sent */
	size_t len;
	size_t off;           /* the COSE message (past tag 61) */
	const uint8_t *pt;    /* the plaintext */
	size_t pt_len;
};

/*
 * The Encrypt0 as sent but with the plaintext where the ciphertext was:
 * the same tags, protected and unprotected buckets (copied as sent).
 */
static void rebuild_fn(obol_cbor_enc *e, const struct rebuild *r)
{
	obol_cbor_dec d;
	const uint8_t *p;
	size_t n;
	uint64_t tag;

	if (obol_cbor_dec_init(&d, r->item, r->len, 0) != OBOL_OK)
		return;
	while (obol_cbor_peek(&d) == OBOL_CBOR_TAG && obol_cbor_get_tag(&d, &tag) == OBOL_OK)
		obol_cbor_put_tag(e, tag);
	{
		obol_cbor_dec a;
		if (obol_cbor_enter_array(&d, &a, NULL) != OBOL_OK)
			return;
		obol_cbor_put_array(e, 3);
		if (obol_cbor_get_raw(&a, &p, &n) == OBOL_OK)
			obol_cbor_put_raw(e, p, n);
		if (obol_cbor_get_raw(&a, &p, &n) == OBOL_OK)
			obol_cbor_put_raw(e, p, n);
		obol_cbor_put_bstr(e, r->pt, r->pt_len);
	}
}

static int rebuild(const struct rebuild *r, uint8_t **out, size_t *len)
{
	obol_cbor_enc e;
	size_t need = 0;
	int err;

	obol_cbor_enc_init(&e, NULL, 0);
	rebuild_fn(&e, r);
	err = obol_cbor_enc_finish(&e, &need);
	if (err != OBOL_OK && err != OBOL_ERR_NO_SPACE)
		return err;
	*out = cli_xmalloc(need);
	obol_cbor_enc_init(&e, *out, need);
	rebuild_fn(&e, r);
	err = obol_cbor_enc_finish(&e, len);
	if (err != OBOL_OK) {
		obol_wipe(*out, need);
		free(*out);
		*out = NULL;
	}
	return err;
}

/* Whether the claims in payload name one of the --aud audiences. */
static int check_aud(const struct inspect_args *ia, const uint8_t *p, size_t n)
{
	struct obol_cwt_claims c;
	size_t i;
	int err = obol_cwt_decode_claims(p, n, &c);

	if (err != OBOL_OK)
		return err;
	if (c.present & OBOL_CWT_F_AUD)
		for (i = 0; i < ia->naud; i++)
			if (strlen(ia->aud[i]) == c.aud_len &&
			    memcmp(ia->aud[i], c.aud, c.aud_len) == 0)
				return OBOL_OK;
	return OBOL_ERR_CWT_AUD;
}

/*
 * The next item, if it is a COSE message: open it with the key and print
 * it (decrypted, or with the verification noted), or print it as it is
 * and report why it did not open. Returns -1 if the item is not a COSE
 * message (d unmoved, nothing printed), else CLI_EXIT_OK or
 * CLI_EXIT_FAIL (d moved past it).
 */
static int print_opened(obol_cbor_dec *d, const struct inspect_args *ia,
			struct cli_buf *out, int *opened)
{
	obol_cbor_dec peek = *d, show;
	struct obol_cose_hdr hdr;
	const uint8_t *item, *payload = NULL;
	uint8_t *copy = NULL, *shown = NULL, *pt = NULL;
	size_t len, off, shown_len = 0, payload_len = 0;
	int type, err, rc = CLI_EXIT_FAIL;
	int comments = !(ia->diag & (CLI_DIAG_JSON | CLI_DIAG_PLAIN));

	if (obol_cbor_get_raw(&peek, &item, &len) != OBOL_OK ||
	    cli_cose_kind(item, len, &type, &off, &hdr) != OBOL_OK)
		return -1;
	*opened = 1;
	copy = cli_xmalloc(len);
	memcpy(copy, item, len);
	if (type == OBOL_COSE_TAG_ENCRYPT0) {
		err = obol_cose_decrypt0(copy + off, len - off, 0, &ia->key.key, NULL,
					 0, NULL, &pt, &payload_len);
		payload = pt;
	} else if (type == OBOL_COSE_TAG_MAC0) {
		err = obol_cose_mac0_verify(copy + off, len - off, 0, &ia->key.key,
					    NULL, 0, NULL, &payload, &payload_len);
	} else {
		err = obol_cose_sign1_verify(copy + off, len - off, 0, &ia->key.key,
					     NULL, 0, NULL, &payload, &payload_len);
	}
	if (err == OBOL_OK && ia->naud > 0)
		err = check_aud(ia, payload, payload_len);
	if (err == OBOL_OK && type == OBOL_COSE_TAG_ENCRYPT0) {
		struct rebuild r;
		r.item = item;
		r.len = len;
		r.off = off;
		r.pt = payload;
		r.pt_len = payload_len;
		err = rebuild(&r, &shown, &shown_len);
	}
	if (err == OBOL_OK) {
		if (comments && type == OBOL_COSE_TAG_ENCRYPT0) {
			const uint8_t *kid = hdr.kid_len ? hdr.kid : ia->key.key.kid;
			size_t kid_len = hdr.kid_len ? hdr.kid_len : ia->key.key.kid_len;
			cli_buf_puts(out, "/ decrypted");
			if (kid_len > 0) {
				cli_buf_puts(out, " with kid h'");
				cli_buf_hex(out, kid, kid_len);
				cli_buf_putc(out, '\'');
			}
			cli_buf_puts(out, " /\n");
		} else if (comments) {
			cli_buf_puts(out, "/ verified /\n");
		}
		if (shown != NULL) {
			err = obol_cbor_dec_init(&show, shown, shown_len, 0);
			if (err == OBOL_OK)
				err = cli_diag_render_cose(&show, ia->diag | CLI_DIAG_DECRYPTED,
							   type, out);
		} else {
			show = *d;
			err = cli_diag_render_cose(&show, ia->diag, type, out);
		}
		rc = CLI_EXIT_OK;
	} else {
		fprintf(stderr, PROG ": %s (%s)\n", cli_fail_reason(err, type),
			obol_err_str(err));
		show = *d;
		err = cli_diag_render_cose(&show, ia->diag, type, out);
	}
	if (err == OBOL_OK) {
		cli_buf_putc(out, '\n');
		fwrite(out->p, 1, out->len, stdout);
	} else {
		report(obol_cbor_offset(d), err);
		rc = CLI_EXIT_FAIL;
	}
	*d = peek;
	if (out->p != NULL)
		obol_wipe(out->p, out->len);
	if (shown != NULL) {
		obol_wipe(shown, shown_len);
		free(shown);
	}
	obol_wipe(copy, len);
	free(copy);
	return rc;
}

/* Validate the whole input, then print each top-level item. */
static int print_items(const uint8_t *buf, size_t len, const struct inspect_args *ia)
{
	unsigned flags = OBOL_CBOR_SEQUENCE | (ia->strict ? OBOL_CBOR_STRICT : 0u);
	size_t off = 0;
	obol_cbor_dec d;
	int err, rc = CLI_EXIT_OK, opened = 0;

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

		if (ia->have_key) {
			int orc = print_opened(&d, ia, &out, &opened);
			if (orc == CLI_EXIT_FAIL)
				rc = CLI_EXIT_FAIL;
			if (orc >= 0) {
				cli_buf_free(&out);
				continue;
			}
		}
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
	if (ia->have_key && !opened) {
		fputs(PROG ": no COSE message in the input to open with the key\n", stderr);
		return CLI_EXIT_FAIL;
	}
	return rc;
}

int cli_inspect(int argc, char **argv)
{
	struct inspect_args ia;
	uint8_t *buf = NULL;
	size_t len = 0;
	int rc;

	memset(&ia, 0, sizeof ia);
	rc = parse_args(argc, argv, &ia);
	if (rc >= 0) {
		free(ia.aud);
		return rc;
	}
	if (ia.key_hex != NULL || ia.key_file != NULL) {
		if (ia.key_hex != NULL ? cli_key_from_hex(PROG, ia.key_hex, &ia.key)
				       : cli_key_from_file(PROG, ia.key_file, &ia.key)) {
			free(ia.aud);
			return CLI_EXIT_FAIL;
		}
		ia.have_key = 1;
	}
	if (cli_read_input(PROG, ia.path, CLI_INPUT_MAX, &buf, &len) != 0)
		rc = CLI_EXIT_FAIL;
	else if (ia.hex && decode_hex(buf, &len) != 0)
		rc = CLI_EXIT_FAIL;
	else
		rc = print_items(buf, len, &ia);
	if (buf != NULL && ia.have_key)
		obol_wipe(buf, len);
	free(buf);
	if (ia.have_key)
		cli_key_free(&ia.key);
	free(ia.aud);
	return rc;
}
