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
 *   util.c  allocation that never returns NULL, a growable text buffer,
 *           reading input with a size cap, hex decoding, option parsing.
 *   diag.c  CBOR to diagnostic notation (RFC 8949 section 8) or JSON
 *           (RFC 8949 section 6.1), with COSE/CWT annotations.
 */
#ifndef OBOL_CLI_H
#define OBOL_CLI_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "obol/cbor.h"

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
 * is ignored, digits may be upper or lower case. On error *pos is the
 * offset in the text (see enum cli_hex_status) and txt is clobbered.
 */
int cli_hex_decode(uint8_t *txt, size_t *len, size_t *pos);

/* ---- options (util.c) ------------------------------------------------- */

/* One long option. Later subcommands will want arguments (--key FILE). */
struct cli_opt {
	const char *name; /* without the leading "--" */
	int has_arg;      /* 1: takes a value (--name VALUE or --name=VALUE) */
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
 * accepted as "--help" when the table has "help". Long options only.
 */
int cli_next_opt(struct cli_args *a, const char *prog,
		 const struct cli_opt *opts, const char **val);

/* ---- CBOR rendering (diag.c) ------------------------------------------ */

/* Lines are broken so that items fit in this many columns when they can. */
#define CLI_DIAG_WIDTH 72

#define CLI_DIAG_COMPACT 0x1u /* every item on one line */
#define CLI_DIAG_JSON 0x2u    /* JSON (RFC 8949 6.1) instead of EDN */
#define CLI_DIAG_PLAIN 0x4u   /* no COSE/CWT annotations or embedded CBOR */

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
 * The shortest text that reads back as v (see diag.c), e.g. "1.0",
 * "1.0e+300", "NaN". out must hold CLI_DOUBLE_MAX bytes.
 */
#define CLI_DOUBLE_MAX 32
void cli_format_double(double v, char out[CLI_DOUBLE_MAX]);

#endif /* OBOL_CLI_H */
