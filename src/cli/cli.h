/*
 * Internal interfaces of the `obol` command (src/cli/).
 *
 * The command is a host program: unlike the core it may allocate, print
 * and use POSIX. It is laid out like git: main.c holds a table of
 * subcommands (struct cli_command), each implemented in its own file as
 * `int cli_<name>(int argc, char **argv)` that returns the exit status.
 * Adding a subcommand is one declaration below and one table entry in
 * main.c.
 *
 * Shared helpers:
 *   util.c   allocation that never returns NULL, a growable text buffer,
 *            reading input with a size cap, hex decoding, option parsing,
 *            writing output files.
 *   diag.c   CBOR to diagnostic notation (RFC 8949 section 8) or JSON
 *            (RFC 8949 section 6.1), with COSE/CWT annotations.
 *   json.c   a small JSON (RFC 8259) parser into a tree.
 *   edn.c    a subset of CBOR diagnostic notation (EDN) parsed into CBOR.
 *   claims.c CWT claims from JSON to CBOR, and from a decoded token to
 *            the JSON that `obol token verify` prints.
 *   keys.c   keys from the command line (--key HEX, --key-file FILE),
 *            opening a COSE message with a key, failure reasons.
 *   coap_print.c  CoAP messages (RFC 7252) as text or JSON, with the
 *            OSCORE option (RFC 8613 6.1) decoded.
 */
#ifndef OBOL_CLI_H
#define OBOL_CLI_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "obol/cbor.h"
#include "obol/coap.h"
#include "obol/cose.h"
#include "obol/cwt.h"
#include "obol/oscore.h"

#define OBOL_CLI_VERSION "0.1.0"

/* Exit statuses, shared by every subcommand. */
enum cli_exit {
	CLI_EXIT_OK = 0,    /* done */
	CLI_EXIT_FAIL = 1,  /* the input or an operation failed */
	CLI_EXIT_USAGE = 2  /* bad command line */
};

/* ---- subcommands (main.c dispatches; one file each) ------------------- */

struct cli_command {
	const char *name;                /* `obol <name>` */
	int (*run)(int argc, char **argv); /* argv[0] is the name; returns enum cli_exit */
	const char *summary;             /* one line for `obol --help` */
};

int cli_inspect(int argc, char **argv);
int cli_token(int argc, char **argv);
/* `obol rs serve` (rs.c): the resource server on Linux. */
int cli_rs(int argc, char **argv);
/* `obol bridge` (bridge.c): UDP datagrams <-> SLIP frames on a serial
 * line, to reach a device (firmware/microbit under QEMU) over UDP. */
int cli_bridge(int argc, char **argv);
/* `obol bench` (bench.c): benchmarks that print figures. */
int cli_bench(int argc, char **argv);
/* `obol as`: the Authorization Server's admin commands (as.c). */
int cli_as(int argc, char **argv);
/* `obol as serve` (as_serve.c), called by `obol as` (as.c). */
int cli_as_serve(int argc, char **argv);
/*
 * `obol get|put|post|delete coap://HOST[:PORT]/PATH` (client.c): the ACE
 * client of the OSCORE profile (RFC 9200, RFC 9203), one entry per method.
 */
int cli_get(int argc, char **argv);
int cli_put(int argc, char **argv);
int cli_post(int argc, char **argv);
int cli_delete(int argc, char **argv);

/* ---- memory (util.c) -------------------------------------------------- */

/*
 * malloc/realloc that print "obol: out of memory" and exit(1) on failure
 * (model: BearSSL tools/xmem.c), so callers need no NULL checks.
 */
void *cli_xmalloc(size_t n);
void *cli_xrealloc(void *p, size_t n);

/*
 * Growable text buffer. Zero-initialise ({0}) before use; p is
 * NUL-terminated whenever len > 0. Release with cli_buf_free().
 */
struct cli_buf {
	char *p;
	size_t len;
	size_t cap;
};

void cli_buf_free(struct cli_buf *b);
void cli_buf_putn(struct cli_buf *b, const char *s, size_t n);
void cli_buf_puts(struct cli_buf *b, const char *s);
void cli_buf_putc(struct cli_buf *b, char c);
void cli_buf_spaces(struct cli_buf *b, size_t n);
/* Append b2 to b. */
void cli_buf_append(struct cli_buf *b, const struct cli_buf *b2);

/* ---- input (util.c) --------------------------------------------------- */

/* Largest input any subcommand reads (16 MiB). */
#define CLI_INPUT_MAX ((size_t)16 * 1024 * 1024)

/*
 * Read all of `path` ("-" or NULL: standard input) into a new buffer
 * *buf (free() it; never NULL on success, even for empty input), at most
 * `max` bytes. On failure prints one line "<prog>: ..." on stderr and
 * returns -1.
 */
int cli_read_input(const char *prog, const char *path, size_t max,
		   uint8_t **buf, size_t *len);

enum cli_hex_status {
	CLI_HEX_OK = 0,
	CLI_HEX_BAD_CHAR = -1, /* *pos: offset of the character */
	CLI_HEX_ODD = -2       /* *pos: offset of the unpaired last digit */
};

/*
 * Decode hex text in place: txt[0..*len) becomes *len bytes. Whitespace
 * is ignored, digits may be upper or lower case. On success the text past
 * the new *len is zeroed (it may spell a key); on error *pos is the
 * offset in the text (see enum cli_hex_status) and txt is clobbered.
 */
int cli_hex_decode(uint8_t *txt, size_t *len, size_t *pos);

/* ---- options (util.c) ------------------------------------------------- */

/*
 * One long option. has_arg: 0 a flag; 1 takes a value (--name VALUE or
 * --name=VALUE); CLI_OPT_OPTIONAL an optional value (--name=VALUE, or the
 * next argument if it does not start with '-'; only for subcommands that
 * take no operands, where this cannot be ambiguous).
 */
#define CLI_OPT_OPTIONAL 2
struct cli_opt {
	const char *name; /* without the leading "--" */
	int has_arg;      /* 0, 1 or CLI_OPT_OPTIONAL */
	int id;           /* returned by cli_next_opt (> 0) */
};

/* State of a walk over argv[1..argc); zero-initialise, then set argc/argv. */
struct cli_args {
	int argc;
	char **argv;
	int i;            /* next argv index (0 means 1) */
	int only_operands;/* after "--" */
};

#define CLI_OPT_END 0      /* no argument left */
#define CLI_OPT_OPERAND -1 /* *val: a non-option argument ("-" is one) */
#define CLI_OPT_ERROR -2   /* message printed on stderr */

/*
 * Next option of argv: its id (*val: its value, or NULL), CLI_OPT_OPERAND,
 * CLI_OPT_END, or CLI_OPT_ERROR after printing "<prog>: ..." for an
 * unknown option, a missing value or a value given to a flag. "-h" is
 * accepted as "--help" when the table has "help", "-v" as "--verbose"
 * when it has "verbose". Long options only otherwise.
 */
int cli_next_opt(struct cli_args *a, const char *prog,
		 const struct cli_opt *opts, const char **val);

/*
 * Decode the hex text of a command-line value (`--key 0011...`) into a new
 * buffer *out (free() it; wipe first if secret). Empty text gives an empty
 * buffer. On bad hex prints "<prog>: --<opt>: ..." and returns -1.
 */
int cli_hex_arg(const char *prog, const char *opt, const char *text,
		uint8_t **out, size_t *len);

/*
 * Parse a decimal integer command-line value (optionally negative) in
 * [min, max]; prints "<prog>: --<opt>: ..." and returns -1 otherwise.
 */
int cli_int_arg(const char *prog, const char *opt, const char *text,
		int64_t min, int64_t max, int64_t *v);

/* Append p[0..n) as lowercase hex. */
void cli_buf_hex(struct cli_buf *b, const uint8_t *p, size_t n);

/* Append p[0..n) as base64url without padding (RFC 4648 5). */
void cli_buf_base64url(struct cli_buf *b, const uint8_t *p, size_t n);

/* Unix time t as ISO 8601 UTC, "2030-01-01T00:00:00Z" (or the number if
 * out of range). out must hold CLI_TIME_MAX bytes. */
#define CLI_TIME_MAX 32
void cli_format_time(int64_t t, char out[CLI_TIME_MAX]);

/*
 * Write data to `path` (NULL or "-": standard output), as is or, with hex,
 * as lowercase hex and a newline. private_file: create the file with mode
 * 0600 (keys). Prints "<prog>: ..." and returns -1 on failure.
 */
int cli_write_output(const char *prog, const char *path, const uint8_t *data,
		     size_t len, int hex, int private_file);

/*
 * Tell text formats from binary CBOR: the first byte that is not
 * whitespace, or 0 for empty/blank input.
 */
int cli_first_char(const uint8_t *p, size_t n);

/* 1 if p[0..n) is non-blank hex text (digits and whitespace only). */
int cli_is_hex_text(const uint8_t *p, size_t n);

/* ---- JSON input (json.c) ---------------------------------------------- */

enum cli_json_type {
	CLI_JSON_NULL,
	CLI_JSON_FALSE,
	CLI_JSON_TRUE,
	CLI_JSON_INT,    /* JSON numbers: integers only, int64 range */
	CLI_JSON_STRING,
	CLI_JSON_ARRAY,
	CLI_JSON_OBJECT
};

/*
 * A parsed JSON value. Strings are decoded (escapes resolved) UTF-8,
 * NUL-terminated, and may contain NUL (use len). Object members are
 * items[] with key set; an object never has two members of one name
 * (the parser refuses duplicates). line/col (1-based) locate the value
 * in the text (for an object member: its name), for messages.
 */
struct cli_json {
	enum cli_json_type type;
	int64_t num;
	char *str;
	size_t len;
	char *key;
	size_t key_len;
	struct cli_json *items;
	size_t n;
	size_t line, col;
};

/*
 * Parse txt[0..len) as exactly one JSON value (RFC 8259) into *root,
 * nested at most 32 deep. On error prints "<prog>: <what>:L:C: ..." and
 * returns -1 (*root is then empty: cli_json_free is still safe).
 */
int cli_json_parse(const char *prog, const char *what, const uint8_t *txt,
		   size_t len, struct cli_json *root);
void cli_json_free(struct cli_json *v);
/* The member of object o named name, or NULL. */
const struct cli_json *cli_json_get(const struct cli_json *o, const char *name);
/* "string", "integer", ... for messages. */
const char *cli_json_type_name(enum cli_json_type t);

/* ---- EDN input (edn.c) ------------------------------------------------ */

/*
 * Parse txt[0..len) as one item of CBOR diagnostic notation (RFC 8949 8,
 * the EDN subset documented in edn.c: integers, "text", 'text' and h'hex'
 * byte strings, <<embedded>> CBOR, [arrays], {maps}, tags N(item),
 * true/false/null, and comments / ... / and # to end of line) into new
 * CBOR bytes *cbor (free() it). Prints "<prog>: <what>:L:C: ..." and
 * returns -1 on error.
 */
int cli_edn_parse(const char *prog, const char *what, const uint8_t *txt,
		  size_t len, uint8_t **cbor, size_t *cbor_len);

/* ---- CBOR rendering (diag.c) ------------------------------------------ */

/* Lines are broken so that items fit in this many columns when they can. */
#define CLI_DIAG_WIDTH 72

#define CLI_DIAG_COMPACT 0x1u /* every item on one line */
#define CLI_DIAG_JSON 0x2u    /* JSON (RFC 8949 6.1) instead of EDN */
#define CLI_DIAG_PLAIN 0x4u   /* no COSE/CWT annotations or embedded CBOR */
/* The COSE_Encrypt0 arrays rendered hold the plaintext where the
 * ciphertext was (obol inspect --key): labelled "plaintext" and shown as
 * embedded CBOR when it is one well-formed item. */
#define CLI_DIAG_DECRYPTED 0x8u

/*
 * Render the next item of d (one complete item, which d then moves past)
 * and append it to out, without a final newline. d may be strict or not;
 * the input should have been validated (obol_cbor_validate) so that
 * errors cannot happen midway, but if one does it is returned (OBOL_ERR_*)
 * and obol_cbor_offset(d) names the byte; out then holds partial text.
 * opts: CLI_DIAG_* flags.
 */
int cli_diag_render(obol_cbor_dec *d, unsigned opts, struct cli_buf *out);

/*
 * As cli_diag_render, but an untagged array at the top is annotated as the
 * COSE message cose_type (16, 17 or 18) would be, for messages known to be
 * COSE from elsewhere (e.g. decrypted with a key). Other items as usual.
 */
int cli_diag_render_cose(obol_cbor_dec *d, unsigned opts, int cose_type,
			 struct cli_buf *out);

/*
 * As cli_diag_render_cose (cose_type 0: no COSE hint), for an item that
 * starts at column col of a line indented by indent spaces: the lines it
 * breaks into are indented from indent (members at indent + 2, the
 * closing bracket at indent), and the width limit counts from column 0.
 * cli_diag_render is cli_diag_render_at(d, opts, 0, 0, 0, out).
 */
int cli_diag_render_at(obol_cbor_dec *d, unsigned opts, int cose_type,
		       size_t indent, size_t col, struct cli_buf *out);

/*
 * Text as a quoted string that is both diagnostic notation and JSON:
 * quote, backslash and control characters escaped as JSON does, other
 * UTF-8 kept as is, bytes that are not UTF-8 as U+FFFD (escaped).
 */
void cli_diag_text(struct cli_buf *b, const uint8_t *s, size_t n);

/* 1 if s[0..n) is valid UTF-8 (RFC 3629: no overlong forms, surrogates). */
int cli_utf8_valid(const uint8_t *s, size_t n);
/* Length of the valid UTF-8 sequence at s[0..n) (n >= 1), or 0. */
size_t cli_utf8_seq(const uint8_t *s, size_t n);
/* Append code point cp (at most U+10FFFF) as UTF-8. */
void cli_buf_put_utf8(struct cli_buf *b, unsigned cp);
/* The value of a hex digit (either case), or -1. */
int cli_hex_digit(uint8_t c);

/*
 * The shortest text that reads back as v (see diag.c), e.g. "1.0",
 * "1.0e+300", "NaN". out must hold CLI_DOUBLE_MAX bytes.
 */
#define CLI_DOUBLE_MAX 32
void cli_format_double(double v, char out[CLI_DOUBLE_MAX]);

/* ---- CoAP messages (coap_print.c) ------------------------------------- */

/*
 * A parsed CoAP message (RFC 7252) in the layout of `obol inspect --coap`
 * (documented in its --help): a header line, then one line per option
 * and one for the payload, indented by two spaces, every line ending in
 * a newline. opts: CLI_DIAG_COMPACT and CLI_DIAG_PLAIN apply to a CBOR
 * payload.
 */
void cli_coap_render(const struct obol_coap_msg *m, unsigned opts,
		     struct cli_buf *out);

/*
 * The same as one JSON object (the fields of `obol inspect --coap
 * --json`), without a final newline; inner (NULL: none) is added as the
 * member "inner". Multi-line unless opts has CLI_DIAG_COMPACT.
 */
void cli_coap_json(const struct obol_coap_msg *m,
		   const struct obol_coap_msg *inner, unsigned opts,
		   struct cli_buf *out);

/* The name of a CoAP code ("Forbidden" for 4.03), or NULL if unknown. */
const char *cli_coap_code_name(uint8_t code);

/* A decoded OSCORE option value (RFC 8613 6.1) in words, e.g.
 * "partial IV h'14', kid h''"; "no partial IV, no kid" when empty. */
void cli_oscore_option_text(const struct obol_oscore_option *o,
			    struct cli_buf *out);

/*
 * Where in msg[0..len) obol_coap_parse found err: 1 and *off, the offset
 * of the bad byte (byte 0 for the version and token length, the first
 * byte of a bad option, the payload marker, len when the message ends too
 * soon), or 0 if it cannot tell.
 */
int cli_coap_error_offset(const uint8_t *msg, size_t len, int err,
			  size_t *off);

/* ---- claims (claims.c) ------------------------------------------------ */

/*
 * Claims as JSON (see `obol token mint --help`) to one CBOR claims map,
 * keys in deterministic order, in a new buffer *cbor (free() it, after
 * wiping: it may hold keys). Prints "<prog>: ..." naming the claim and
 * returns -1 on an unknown or ill-typed claim.
 */
int cli_claims_from_json(const char *prog, const struct cli_json *obj,
			 uint8_t **cbor, size_t *cbor_len);

/*
 * Check that every key of the CBOR claims map is one obol knows (they are
 * otherwise skipped by obol_cwt_decode_claims and would be lost when the
 * claims are re-encoded); prints "<prog>: unknown claim N" and returns -1.
 */
int cli_claims_known(const char *prog, const uint8_t *cbor, size_t len);

/*
 * The claims of a validated token as JSON (the format of `obol token
 * verify --help`), appended to out, multi-line unless CLI_DIAG_COMPACT is
 * in opts. raw (may be NULL) is the claims map as sent: its order is kept
 * and claims that obol does not decode are shown too, as RFC 8949 6.1
 * JSON under their key in diagnostic notation. Returns OBOL_OK or an
 * encoding error.
 */
int cli_claims_to_json(const uint8_t *raw, size_t raw_len,
		       const struct obol_cwt_claims *c, unsigned opts,
		       struct cli_buf *out);

/*
 * An AIF-REST scope (RFC 9237 3) in its JSON form, [["/temp", ["GET"]],
 * ["/led", 5]] (method names or the Tperm integer), to CBOR AIF in a new
 * *aif (free() it), checked with obol_aif_validate. Prints
 * "<prog>: <what>:L:C: ..." and returns -1 when it is not one.
 */
int cli_aif_from_json(const char *prog, const char *what,
		      const struct cli_json *v, uint8_t **aif, size_t *len);

/*
 * CBOR AIF as compact JSON with method names, appended to out
 * (`obol token verify`'s form); a value that is not AIF comes out as hex.
 * OBOL_OK or an encoding error.
 */
int cli_aif_to_json(const uint8_t *aif, size_t len, struct cli_buf *out);

/* ---- keys and COSE messages (keys.c) ----------------------------------- */

/*
 * A key given on the command line: `key` is a view into buffers owned by
 * this struct. Release with cli_key_free(), which wipes them.
 */
struct cli_key {
	struct obol_cose_key key;
	uint8_t *buf;   /* the raw key (--key) or COSE_Key encoding (--key-file) */
	size_t len;
	uint8_t *kid;   /* --kid, overriding the COSE_Key's kid */
	size_t kid_len;
	int raw;        /* 1: from --key HEX (symmetric, no kid of its own) */
};

/* --key HEX: a symmetric key (kty 4) of at least one byte. 0 or -1. */
int cli_key_from_hex(const char *prog, const char *hex, struct cli_key *k);

/*
 * --key-file FILE ("-": standard input): a COSE_Key as binary CBOR, hex
 * text or EDN (told apart by the first character: '{', '/' or '#' is EDN;
 * hex digits and whitespace only is hex; anything else binary).
 */
int cli_key_from_file(const char *prog, const char *path, struct cli_key *k);

/* Give the key the kid kid[0..n) (copied). */
void cli_key_set_kid(struct cli_key *k, const uint8_t *kid, size_t n);

void cli_key_free(struct cli_key *k);

/*
 * The kind of a COSE message, for messages and reasons: the CBOR tag
 * (16, 17, 18; the one inside tag 61) or, if untagged, the type that
 * obol_cose_parse infers. *off receives the offset of the COSE message
 * (past tag 61, if any), *hdr its headers. 0, or a negative error.
 */
int cli_cose_kind(const uint8_t *msg, size_t len, int *type, size_t *off,
		  struct obol_cose_hdr *hdr);

/*
 * The reason `obol token verify` and `obol inspect --key` give for err,
 * e.g. "expired", "decryption failed" (type: the message type, for
 * OBOL_ERR_CRYPTO_AUTH).
 */
const char *cli_fail_reason(int err, int type);

#endif /* OBOL_CLI_H */
