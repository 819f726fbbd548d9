/*
 * obol inspect: print CBOR (RFC 8949), or a CBOR sequence (RFC 8742), in
 * diagnostic notation (RFC 8949 section 8) or as JSON (section 6.1); with
 * --coap, a CoAP message (RFC 7252), decrypted with OSCORE (RFC 8613) when
 * given a security context.
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
	"       obol inspect --coap [FILE|-] [--hex] [--json] [--compact] [--plain]\n"
	"                    [--oscore-context FILE]\n"
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
	"  --coap      the input is one CoAP message (RFC 7252 section 3), binary\n"
	"              or, with --hex, hex; printed one field per line (see below)\n"
	"                echo 4401d7a500003974b474657374 | obol inspect --coap --hex\n"
	"  --oscore-context FILE  with --coap: decrypt an OSCORE message (RFC 8613)\n"
	"              with the security context in FILE (JSON, see below), and\n"
	"              print the decrypted message after the one received\n"
	"  -h, --help  show this help\n"
	"\n"
	"CoAP layout (--coap). The header line gives the type, the code as c.dd\n"
	"and its name, the Message ID and the token; then one line per option,\n"
	"in the order sent, with its name (\"Unknown\" if obol has none) and\n"
	"number; then the payload, if any:\n"
	"  CoAP CON 0.02 POST  mid 0x5d1f  token h'00003974'\n"
	"    Uri-Host (3): \"localhost\"\n"
	"    OSCORE (9): h'0914' / partial IV h'14', kid h'' /\n"
	"    payload (13 bytes, ciphertext): h'612f1092f1776f1c1668b3825e'\n"
	"Values follow the option's format: uint as a number (Block1/Block2 as\n"
	"NUM/M/SZX), string as \"text\", opaque as h'..', an empty option bare;\n"
	"/ comments / say what a value means: the media type of Content-Format\n"
	"and Accept, the block size, the fields of the OSCORE option (RFC 8613\n"
	"6.1). The payload is shown in diagnostic notation when Content-Format\n"
	"is a CBOR one (60 cbor, 61 cwt, 19 ace+cbor, 16-18 and 96-98 cose, 101,\n"
	"102 cose-key, 63 cbor-seq) and the payload is well-formed; as \"text\"\n"
	"when it is printable UTF-8 and Content-Format is a text one (0, 40, 41,\n"
	"50) or absent; else as h'..', with the reason in the parentheses\n"
	"(\"ciphertext\" when the message has an OSCORE option). With --json the\n"
	"same as one object: type, code (\"2.05\"), code_name, mid, token (hex),\n"
	"options (an array of {number, name, value}; value a number for uint\n"
	"options, text for string ones, else hex; \"oscore\", \"block\",\n"
	"\"media_type\" decoded), payload (hex) with payload_text, or\n"
	"payload_cbor (RFC 8949 6.1) and payload_diag, and \"inner\": the\n"
	"decrypted message.\n"
	"\n"
	"OSCORE context (--oscore-context): the context of the endpoint that\n"
	"receives the message, as a JSON object (byte strings in hex):\n"
	"  {\"master_secret\": \"0102030405060708090a0b0c0d0e0f10\",\n"
	"   \"master_salt\": \"9e7ca92223786340\", \"sender_id\": \"01\",\n"
	"   \"recipient_id\": \"\", \"role\": \"server\"}\n"
	"master_secret, sender_id and recipient_id are required; optional are\n"
	"master_salt (default empty), id_context (default none), \"alg\": 10\n"
	"(default) or 30, \"hkdf\": -10 (the default and only one), and \"role\":\n"
	"\"server\" or \"client\", checked against the message. A request (code\n"
	"0.xx) is decrypted as its server does; a response as its client does,\n"
	"which needs the request it answers: \"request_piv\", that request's\n"
	"Partial IV (RFC 8613 5.4: it is in the AAD of every response), and\n"
	"optionally \"request_kid\" (by default the context's sender_id). The\n"
	"context is derived afresh, so its replay window accepts any Partial IV\n"
	"once. The decrypted message is printed after the one received, below\n"
	"  / decrypted with OSCORE: request from kid h'', partial IV h'14' /\n"
	"\n"
	"Exit status: 0 printed; 1 unreadable or invalid input (one line on\n"
	"stderr, with the offset of the bad byte), or, with --key, a message that\n"
	"does not decrypt or verify (it is printed as it is, and one line on\n"
	"stderr gives the reason, as `obol token verify` words it, e.g.\n"
	"  obol inspect: decryption failed (crypto: authentication failed)\n"
	"), or with --oscore-context, a message that does not decrypt (printed\n"
	"as received, then one line on stderr, e.g.\n"
	"  obol inspect: cannot decrypt the request: OSCORE: decryption failed\n"
	"); 2 bad command line.\n"
	"Inputs larger than 16 MiB are refused.\n";

enum {
	OPT_HELP = 1, OPT_HEX, OPT_JSON, OPT_STRICT, OPT_COMPACT, OPT_PLAIN,
	OPT_KEY, OPT_KEY_FILE, OPT_AUD, OPT_COAP, OPT_OSCORE_CONTEXT
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
	{"coap", 0, OPT_COAP},
	{"oscore-context", 1, OPT_OSCORE_CONTEXT},
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
	int coap;         /* --coap */
	const char *oscore_context; /* --oscore-context FILE */
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
		case OPT_COAP:
			ia->coap = 1;
			break;
		case OPT_OSCORE_CONTEXT:
			ia->oscore_context = val;
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
	if (ia->oscore_context != NULL && !ia->coap) {
		fputs(PROG ": --oscore-context needs --coap (try --help)\n", stderr);
		return CLI_EXIT_USAGE;
	}
	if (ia->coap && (ia->key_hex != NULL || ia->key_file != NULL || ia->strict)) {
		fprintf(stderr, PROG ": %s does not apply to --coap (try --help)\n",
			ia->strict ? "--strict" : ia->key_hex != NULL ? "--key" : "--key-file");
		return CLI_EXIT_USAGE;
	}
	if (ia->oscore_context != NULL && strcmp(ia->oscore_context, "-") == 0 &&
	    (ia->path == NULL || strcmp(ia->path, "-") == 0)) {
		fputs(PROG ": the message and the OSCORE context cannot both come from"
		      " standard input\n", stderr);
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

/* ---- --coap: CoAP messages, OSCORE --------------------------------------------- */

enum role { ROLE_ANY, ROLE_SERVER, ROLE_CLIENT };

/* The security context of --oscore-context, and what the JSON said. */
struct osc {
	struct obol_oscore_ctx ctx;
	enum role role;
	uint8_t sender_id[OBOL_OSCORE_MAX_ID], recipient_id[OBOL_OSCORE_MAX_ID];
	size_t sender_id_len, recipient_id_len;
	uint8_t id_context[OBOL_OSCORE_MAX_ID_CONTEXT];
	size_t id_context_len;
	int has_id_context;
	uint8_t req_kid[OBOL_OSCORE_MAX_ID];
	size_t req_kid_len;
	int have_req_kid;
	uint8_t req_piv[5];
	size_t req_piv_len;
	int have_req_piv;
};

static const char *const ctx_members[] = {
	"master_secret", "master_salt", "sender_id", "recipient_id", "id_context",
	"alg", "hkdf", "role", "request_kid", "request_piv", NULL
};

/*
 * The hex string member `name` of the context object o, decoded into a
 * new buffer *out (wipe, then free) of min..max bytes. 1 if present, 0
 * if absent, -1 on error (reported).
 */
static int ctx_hex(const char *file, const struct cli_json *o, const char *name,
		   size_t min, size_t max, uint8_t **out, size_t *len)
{
	const struct cli_json *v = cli_json_get(o, name);
	size_t n, pos = 0;
	uint8_t *p;
	int rc;

	if (v == NULL)
		return 0;
	if (v->type != CLI_JSON_STRING) {
		fprintf(stderr, PROG ": %s:%zu:%zu: \"%s\" must be a hex string, not %s\n",
			file, v->line, v->col, name, cli_json_type_name(v->type));
		return -1;
	}
	n = v->len;
	p = cli_xmalloc(n + 1);
	memcpy(p, v->str, n);
	rc = cli_hex_decode(p, &n, &pos);
	if (rc != CLI_HEX_OK || n < min || n > max) {
		obol_wipe(p, v->len);
		free(p);
		if (rc == CLI_HEX_BAD_CHAR)
			fprintf(stderr, PROG ": %s:%zu:%zu: \"%s\": not hex ('%c' at offset %zu)\n",
				file, v->line, v->col, name, v->str[pos], pos);
		else if (rc == CLI_HEX_ODD)
			fprintf(stderr, PROG ": %s:%zu:%zu: \"%s\": odd number of hex digits\n",
				file, v->line, v->col, name);
		else
			fprintf(stderr, PROG ": %s:%zu:%zu: \"%s\": %zu bytes, not %zu to %zu\n",
				file, v->line, v->col, name, n, min, max);
		return -1;
	}
	*out = p;
	*len = n;
	return 1;
}

/* Copy an ID into a fixed buffer (the caller checked its length). */
static void take_id(const uint8_t *p, size_t n, uint8_t *dst, size_t *dst_len)
{
	if (n)
		memcpy(dst, p, n);
	*dst_len = n;
}

static void free_secret(uint8_t *p, size_t n)
{
	if (p != NULL) {
		obol_wipe(p, n);
		free(p);
	}
}

/* The context object of FILE (JSON, see --help) to o; 0 or -1 (reported). */
static int ctx_from_json(const char *file, const struct cli_json *root, struct osc *o)
{
	struct obol_oscore_params prm;
	const struct cli_json *v;
	uint8_t *ms = NULL, *salt = NULL, *sid = NULL, *rid = NULL, *idc = NULL;
	uint8_t *rkid = NULL, *rpiv = NULL;
	size_t ms_len = 0, salt_len = 0, sid_len = 0, rid_len = 0, idc_len = 0;
	size_t rkid_len = 0, rpiv_len = 0, i, k;
	int rc = -1, err, has_idc = 0;

	memset(&prm, 0, sizeof prm);
	if (root->type != CLI_JSON_OBJECT) {
		fprintf(stderr, PROG ": %s: the OSCORE context must be a JSON object\n", file);
		return -1;
	}
	for (i = 0; i < root->n; i++) {
		for (k = 0; ctx_members[k] != NULL; k++)
			if (strlen(ctx_members[k]) == root->items[i].key_len &&
			    memcmp(ctx_members[k], root->items[i].key, root->items[i].key_len) == 0)
				break;
		if (ctx_members[k] == NULL) {
			fprintf(stderr, PROG ": %s:%zu:%zu: unknown member \"%s\" (see --help)\n",
				file, root->items[i].line, root->items[i].col, root->items[i].key);
			return -1;
		}
	}
	if (ctx_hex(file, root, "master_secret", 1, SIZE_MAX, &ms, &ms_len) < 0 ||
	    ctx_hex(file, root, "master_salt", 0, SIZE_MAX, &salt, &salt_len) < 0 ||
	    ctx_hex(file, root, "sender_id", 0, OBOL_OSCORE_MAX_ID, &sid, &sid_len) < 0 ||
	    ctx_hex(file, root, "recipient_id", 0, OBOL_OSCORE_MAX_ID, &rid, &rid_len) < 0 ||
	    (has_idc = ctx_hex(file, root, "id_context", 0, OBOL_OSCORE_MAX_ID_CONTEXT,
			       &idc, &idc_len)) < 0 ||
	    (o->have_req_kid = ctx_hex(file, root, "request_kid", 0, OBOL_OSCORE_MAX_ID,
				       &rkid, &rkid_len)) < 0 ||
	    (o->have_req_piv = ctx_hex(file, root, "request_piv", 1, 5, &rpiv,
				       &rpiv_len)) < 0)
		goto done;
	/* ctx_hex reports bad members, not absent ones. */
	if (ms == NULL || sid == NULL || rid == NULL) {
		fprintf(stderr, PROG ": %s: \"%s\" is missing (see --help)\n", file,
			ms == NULL ? "master_secret" : sid == NULL ? "sender_id" : "recipient_id");
		goto done;
	}
	if (sid_len == rid_len && memcmp(sid, rid, sid_len) == 0) {
		fprintf(stderr, PROG ": %s: sender_id and recipient_id must differ"
			" (RFC 8613 3.3)\n", file);
		goto done;
	}
	if ((v = cli_json_get(root, "alg")) != NULL) {
		if (v->type != CLI_JSON_INT || (v->num != OBOL_ALG_AES_CCM_16_64_128 &&
						v->num != OBOL_ALG_AES_CCM_16_128_128)) {
			fprintf(stderr, PROG ": %s:%zu:%zu: \"alg\": 10 (AES-CCM-16-64-128)"
				" or 30 (AES-CCM-16-128-128)\n", file, v->line, v->col);
			goto done;
		}
		prm.aead_alg = (int)v->num;
	}
	if ((v = cli_json_get(root, "hkdf")) != NULL) {
		if (v->type != CLI_JSON_INT || v->num != OBOL_ALG_HKDF_SHA_256) {
			fprintf(stderr, PROG ": %s:%zu:%zu: \"hkdf\": only -10 (HKDF SHA-256)\n",
				file, v->line, v->col);
			goto done;
		}
		prm.hkdf_alg = OBOL_ALG_HKDF_SHA_256;
	}
	o->role = ROLE_ANY;
	if ((v = cli_json_get(root, "role")) != NULL) {
		if (v->type == CLI_JSON_STRING && strcmp(v->str, "server") == 0) {
			o->role = ROLE_SERVER;
		} else if (v->type == CLI_JSON_STRING && strcmp(v->str, "client") == 0) {
			o->role = ROLE_CLIENT;
		} else {
			fprintf(stderr, PROG ": %s:%zu:%zu: \"role\": \"server\" or \"client\"\n",
				file, v->line, v->col);
			goto done;
		}
	}
	prm.master_secret = ms;
	prm.master_secret_len = ms_len;
	prm.master_salt = salt;
	prm.master_salt_len = salt_len;
	prm.sender_id = sid;
	prm.sender_id_len = sid_len;
	prm.recipient_id = rid;
	prm.recipient_id_len = rid_len;
	prm.id_context = has_idc ? idc : NULL;
	prm.id_context_len = idc_len;
	err = obol_oscore_derive(&o->ctx, &prm);
	if (err != OBOL_OK) {
		fprintf(stderr, PROG ": %s: cannot derive the OSCORE context: %s\n", file,
			obol_err_str(err));
		goto done;
	}
	take_id(sid, sid_len, o->sender_id, &o->sender_id_len);
	take_id(rid, rid_len, o->recipient_id, &o->recipient_id_len);
	o->has_id_context = has_idc;
	if (has_idc)
		take_id(idc, idc_len, o->id_context, &o->id_context_len);
	if (o->have_req_kid)
		take_id(rkid, rkid_len, o->req_kid, &o->req_kid_len);
	if (o->have_req_piv)
		take_id(rpiv, rpiv_len, o->req_piv, &o->req_piv_len);
	rc = 0;
done:
	free_secret(ms, ms_len);
	free_secret(salt, salt_len);
	free_secret(sid, sid_len);
	free_secret(rid, rid_len);
	free_secret(idc, idc_len);
	free_secret(rkid, rkid_len);
	free_secret(rpiv, rpiv_len);
	obol_wipe(&prm, sizeof prm);
	return rc;
}

/* --oscore-context FILE: read, parse, derive. 0 or -1 (reported). */
static int load_context(const char *path, struct osc *o)
{
	const char *file = strcmp(path, "-") == 0 ? "standard input" : path;
	struct cli_json root;
	uint8_t *buf = NULL;
	size_t len = 0;
	int rc = -1;

	memset(o, 0, sizeof *o);
	if (cli_read_input(PROG, path, CLI_INPUT_MAX, &buf, &len) != 0)
		return -1;
	if (cli_json_parse(PROG, file, buf, len, &root) == 0)
		rc = ctx_from_json(file, &root, o);
	cli_json_free(&root);
	obol_wipe(buf, len);
	free(buf);
	if (rc != 0)
		obol_oscore_wipe(&o->ctx);
	return rc;
}

/* " (the kid is h'..', the context's recipient_id h'..')" and the like. */
static void put_ids(struct cli_buf *b, const char *what, const uint8_t *p, size_t n,
		    const char *ctx_what, const uint8_t *q, size_t m)
{
	cli_buf_puts(b, " (");
	cli_buf_puts(b, what);
	cli_buf_puts(b, " h'");
	cli_buf_hex(b, p, n);
	cli_buf_puts(b, "', the context's ");
	cli_buf_puts(b, ctx_what);
	if (q == NULL) {
		cli_buf_puts(b, " none)");
		return;
	}
	cli_buf_puts(b, " h'");
	cli_buf_hex(b, q, m);
	cli_buf_puts(b, "')");
}

/* Why a request or response did not decrypt, in one line, into why. */
static void unprotect_reason(const struct osc *o, int request, int err,
			     const struct obol_oscore_option *opt, int opt_ok,
			     const struct obol_oscore_req *req, struct cli_buf *why)
{
	cli_buf_puts(why, request ? "cannot decrypt the request: "
				  : "cannot decrypt the response: ");
	cli_buf_puts(why, obol_err_str(err));
	if (err == OBOL_ERR_OSCORE_DECRYPT) {
		cli_buf_puts(why, request ? " (wrong context, or the message was altered)"
					  : " (wrong context or request_piv, or the message"
					    " was altered)");
	} else if (err == OBOL_ERR_OSCORE_NO_CONTEXT && opt_ok && opt->kid != NULL &&
		   (opt->kid_len != o->recipient_id_len ||
		    memcmp(opt->kid, o->recipient_id, opt->kid_len) != 0)) {
		put_ids(why, "its kid is", opt->kid, opt->kid_len, "recipient_id",
			o->recipient_id, o->recipient_id_len);
	} else if (err == OBOL_ERR_OSCORE_NO_CONTEXT && opt_ok && opt->kid_context != NULL) {
		put_ids(why, "its kid context is", opt->kid_context, opt->kid_context_len,
			"id_context", o->has_id_context ? o->id_context : NULL,
			o->id_context_len);
	} else if (err == OBOL_ERR_OSCORE_OPTION && request && opt_ok && opt->kid == NULL) {
		cli_buf_puts(why, " (a request must carry a kid, RFC 8613 5)");
	} else if (err == OBOL_ERR_OSCORE_MISMATCH && !request &&
		   (req->kid_len != o->sender_id_len ||
		    memcmp(req->kid, o->sender_id, req->kid_len) != 0)) {
		put_ids(why, "request_kid is", req->kid, req->kid_len, "sender_id",
			o->sender_id, o->sender_id_len);
	} else if (err == OBOL_ERR_OSCORE_MISMATCH && !request && opt_ok && opt->kid != NULL) {
		put_ids(why, "its kid is", opt->kid, opt->kid_len, "recipient_id",
			o->recipient_id, o->recipient_id_len);
	}
}

/* "request from kid h'', partial IV h'14'" and the like, into note. */
static void unprotect_note(int request, const struct obol_oscore_option *opt,
			   const struct obol_oscore_req *req, struct cli_buf *note)
{
	cli_buf_puts(note, "/ decrypted with OSCORE: ");
	if (request) {
		cli_buf_puts(note, "request from kid h'");
		cli_buf_hex(note, opt->kid, opt->kid_len);
		if (opt->kid_context != NULL) {
			cli_buf_puts(note, "', kid context h'");
			cli_buf_hex(note, opt->kid_context, opt->kid_context_len);
		}
		cli_buf_puts(note, "', partial IV h'");
		cli_buf_hex(note, opt->piv, opt->piv_len);
		cli_buf_puts(note, "' /\n");
		return;
	}
	cli_buf_puts(note, "response ");
	if (opt->piv_len > 0) {
		cli_buf_puts(note, "with partial IV h'");
		cli_buf_hex(note, opt->piv, opt->piv_len);
		cli_buf_puts(note, "', ");
	}
	cli_buf_puts(note, "to kid h'");
	cli_buf_hex(note, req->kid, req->kid_len);
	cli_buf_puts(note, "', partial IV h'");
	cli_buf_hex(note, req->piv, req->piv_len);
	cli_buf_puts(note, "' /\n");
}

/*
 * Decrypt the OSCORE message m (in[0..len)) with o, as its server for a
 * request, as its client for a response, into out (len bytes). 0 and
 * *out_len, the note line in note; or -1 and the reason in why.
 */
static int unprotect(struct osc *o, const struct obol_coap_msg *m, const uint8_t *in,
		     size_t len, uint8_t *out, size_t *out_len, struct cli_buf *note,
		     struct cli_buf *why)
{
	struct obol_oscore_option opt;
	struct obol_oscore_req req;
	const uint8_t *v;
	size_t n;
	unsigned cls = (unsigned)(m->code >> 5);
	int request = cls == 0, err, opt_ok;
	char s[96];

	memset(&opt, 0, sizeof opt);
	memset(&req, 0, sizeof req);
	if (obol_coap_opt_find(m, OBOL_COAP_OPT_OSCORE, &v, &n) != 1) {
		cli_buf_puts(why, "no OSCORE option: the message is not protected");
		return -1;
	}
	opt_ok = obol_oscore_option_decode(v, n, &opt) == OBOL_OK;
	if (!request && (cls < 2 || cls > 5)) {
		snprintf(s, sizeof s, "code %u.%02u is neither a request nor a response",
			 cls, (unsigned)(m->code & 31u));
		cli_buf_puts(why, s);
		return -1;
	}
	if ((o->role == ROLE_CLIENT && request) || (o->role == ROLE_SERVER && !request)) {
		cli_buf_puts(why, request ? "the context is a client's: it decrypts"
					    " responses, and this is a request"
					  : "the context is a server's: it decrypts"
					    " requests, and this is a response");
		return -1;
	}
	if (request) {
		err = obol_oscore_unprotect_request(&o->ctx, in, len, out, len, out_len, &req);
	} else if (!o->have_req_piv) {
		cli_buf_puts(why, "cannot decrypt the response: the context needs"
			     " \"request_piv\", the Partial IV of the request it"
			     " answers (RFC 8613 5.4)");
		return -1;
	} else {
		if (o->have_req_kid)
			memcpy(req.kid, o->req_kid, o->req_kid_len);
		else
			memcpy(req.kid, o->sender_id, o->sender_id_len);
		req.kid_len = (uint8_t)(o->have_req_kid ? o->req_kid_len : o->sender_id_len);
		memcpy(req.piv, o->req_piv, o->req_piv_len);
		req.piv_len = (uint8_t)o->req_piv_len;
		/* A notification (outer Observe, RFC 8613 4.1.3.5.2) answers an
		 * Observe request. */
		req.observe = (uint8_t)(obol_coap_opt_find(m, OBOL_COAP_OPT_OBSERVE, &v, &n) == 1);
		err = obol_oscore_unprotect_response(&o->ctx, &req, in, len, out, len, out_len);
	}
	if (err != OBOL_OK) {
		unprotect_reason(o, request, err, &opt, opt_ok, &req, why);
		return -1;
	}
	unprotect_note(request, &opt, &req, note);
	return 0;
}

/* Report a malformed datagram, with the offset when it can be told. */
static void report_coap(const uint8_t *buf, size_t len, int err)
{
	size_t off;

	if (cli_coap_error_offset(buf, len, err, &off))
		report(off, err);
	else
		fprintf(stderr, PROG ": error: %s\n", obol_err_str(err));
}

/* Print one CoAP datagram, decrypted with o when not NULL. */
static int print_coap(const uint8_t *buf, size_t len, const struct inspect_args *ia,
		      struct osc *o)
{
	struct obol_coap_msg m, inner;
	struct cli_buf out = {0}, note = {0}, why = {0};
	uint8_t *plain = NULL;
	size_t plain_len = 0;
	int err, rc = CLI_EXIT_OK, opened = 0;

	err = obol_coap_parse(buf, len, &m);
	if (err != OBOL_OK) {
		report_coap(buf, len, err);
		return CLI_EXIT_FAIL;
	}
	if (o != NULL) {
		plain = cli_xmalloc(len);
		if (unprotect(o, &m, buf, len, plain, &plain_len, &note, &why) == 0) {
			err = obol_coap_parse(plain, plain_len, &inner);
			if (err == OBOL_OK) {
				opened = 1;
			} else {
				cli_buf_puts(&why, "the decrypted message is malformed: ");
				cli_buf_puts(&why, obol_err_str(err));
			}
		}
		if (!opened)
			rc = CLI_EXIT_FAIL;
	}
	if (ia->diag & CLI_DIAG_JSON) {
		cli_coap_json(&m, opened ? &inner : NULL, ia->diag, &out);
		cli_buf_putc(&out, '\n');
	} else {
		cli_coap_render(&m, ia->diag, &out);
		if (opened) {
			cli_buf_append(&out, &note);
			cli_coap_render(&inner, ia->diag, &out);
		}
	}
	fwrite(out.p, 1, out.len, stdout);
	if (rc != CLI_EXIT_OK) {
		fflush(stdout);
		fprintf(stderr, PROG ": %s\n", why.p != NULL ? why.p : "OSCORE failed");
	}
	if (out.p != NULL)
		obol_wipe(out.p, out.len);
	cli_buf_free(&out);
	cli_buf_free(&note);
	cli_buf_free(&why);
	if (plain != NULL) {
		obol_wipe(plain, len);
		free(plain);
	}
	return rc;
}

int cli_inspect(int argc, char **argv)
{
	struct inspect_args ia;
	struct osc osc;
	uint8_t *buf = NULL;
	size_t len = 0;
	int rc;

	memset(&ia, 0, sizeof ia);
	memset(&osc, 0, sizeof osc);
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
	if (ia.oscore_context != NULL && load_context(ia.oscore_context, &osc) != 0) {
		free(ia.aud);
		return CLI_EXIT_FAIL;
	}
	if (cli_read_input(PROG, ia.path, CLI_INPUT_MAX, &buf, &len) != 0)
		rc = CLI_EXIT_FAIL;
	else if (ia.hex && decode_hex(buf, &len) != 0)
		rc = CLI_EXIT_FAIL;
	else if (ia.coap)
		rc = print_coap(buf, len, &ia, ia.oscore_context != NULL ? &osc : NULL);
	else
		rc = print_items(buf, len, &ia);
	if (buf != NULL && (ia.have_key || ia.oscore_context != NULL))
		obol_wipe(buf, len);
	free(buf);
	if (ia.have_key)
		cli_key_free(&ia.key);
	if (ia.oscore_context != NULL)
		obol_oscore_wipe(&osc.ctx);
	obol_wipe(&osc, sizeof osc);
	free(ia.aud);
	return rc;
}
