/*
 * Unit tests of the CBOR module (include/obol/cbor.h): validation of
 * malformed and non-deterministic input (a table: hex, flags, error,
 * offset), the cursor getters, containers, sequences, and the encoder.
 *
 * Runs on the target too: no allocation, no stdio, small stack buffers.
 *
 * Error offsets follow the list in the comment of obol_cbor_validate()
 * (include/obol/cbor.h). The cases where it leaves a choice or needs
 * reading twice are pinned by rows of the table below:
 *   - TRUNCATED names the head of the item that runs past the end when that
 *     item is a head, a string, or a container whose declared count cannot
 *     fit in what is left (at least one byte per member), and otherwise the
 *     end of the input, where a member / tag content / break was due;
 *   - TOO_DEEP names the container or tag at level OBOL_CBOR_MAX_DEPTH,
 *     whose content would sit one level too deep (what enter_* refuse),
 *     even when it is empty;
 *   - errors come in input order, but a map's key checks run when its last
 *     member has been read, so an error inside a later member wins.
 * Empty input: offset 0.
 */
#include <limits.h>
#include <string.h>

#include "obol/cbor.h"
#include "test.h"

#define S OBOL_CBOR_STRICT
#define D OBOL_CBOR_DETERMINISTIC
#define Q OBOL_CBOR_SEQUENCE

#define BUF_MAX 80 /* longest hex input in the tables, in bytes */

/* The tables nest items up to 3 levels deep (level 0 being the top). */
#if OBOL_CBOR_MAX_DEPTH < 3
#error "the CBOR unit tests need OBOL_CBOR_MAX_DEPTH >= 3"
#endif

/* ---- helpers ------------------------------------------------------------ */

static size_t unhex(struct obol_test_ctx *t, const char *hex, uint8_t *buf,
		    size_t cap)
{
	long n = obol_test_unhex(hex, buf, cap);
	CHECK(t, n >= 0); /* a bad table row */
	return n < 0 ? 0 : (size_t)n;
}

/* Append text to a line being built (no stdio here). */
static void cat(char *line, size_t cap, const char *s)
{
	size_t n = strlen(line);
	if (n + 1 < cap)
		strncat(line, s, cap - n - 1);
}

static void cat_num(char *line, size_t cap, long long v)
{
	char num[24];
	size_t i = sizeof num - 1;
	unsigned long long u = v < 0 ? 0ull - (unsigned long long)v : (unsigned long long)v;

	num[i] = '\0';
	do {
		num[--i] = (char)('0' + (int)(u % 10u));
		u /= 10u;
	} while (u != 0);
	if (v < 0)
		num[--i] = '-';
	cat(line, cap, num + i);
}

/* After a table row: if it added failures, say which row it was. */
static void note_row(struct obol_test_ctx *t, unsigned fail_before,
		     const char *table, size_t row, const char *hex)
{
	char line[200];
	if (t->failures == fail_before)
		return;
	line[0] = '\0';
	cat(line, sizeof line, "  ^ ");
	cat(line, sizeof line, table);
	cat(line, sizeof line, " row ");
	cat_num(line, sizeof line, (long long)row);
	cat(line, sizeof line, ": ");
	cat(line, sizeof line, hex[0] ? hex : "(empty)");
	t->out(line);
}

/* Finish e (writing into out) and compare with the expected hex. */
static void check_out(struct obol_test_ctx *t, const obol_cbor_enc *e,
		      const uint8_t *out, const char *hex)
{
	uint8_t want[BUF_MAX];
	size_t want_len = unhex(t, hex, want, sizeof want), len = 0;

	CHECK_INT(t, obol_cbor_enc_finish(e, &len), OBOL_OK);
	CHECK_MEM(t, out, len, want, want_len);
}

static uint64_t dbits(double v)
{
	uint64_t b;
	memcpy(&b, &v, sizeof b);
	return b;
}

static double bitsd(uint64_t b)
{
	double v;
	memcpy(&v, &b, sizeof v);
	return v;
}

/* ---- 1. validation: malformed, refused and accepted inputs ------------- */

static const struct validate_case {
	const char *hex;
	unsigned flags;
	int err;     /* expected result of obol_cbor_validate */
	size_t off;  /* expected *err_off when err != OBOL_OK */
} validate_cases[] = {
	/* -- truncation: empty input, heads, bodies, members, content -- */
	{"", 0, OBOL_ERR_CBOR_TRUNCATED, 0},          /* empty: one item expected */
	{"", S, OBOL_ERR_CBOR_TRUNCATED, 0},          /* empty, strict */
	{"", Q, OBOL_OK, 0},                          /* empty sequence: zero items */
	{"", S | Q, OBOL_OK, 0},                      /* empty sequence, strict */
	{"18", 0, OBOL_ERR_CBOR_TRUNCATED, 0},        /* 1-byte argument missing */
	{"19ff", 0, OBOL_ERR_CBOR_TRUNCATED, 0},      /* 2-byte argument cut */
	{"1a000000", 0, OBOL_ERR_CBOR_TRUNCATED, 0},  /* 4-byte argument cut */
	{"1b00000000000000", 0, OBOL_ERR_CBOR_TRUNCATED, 0}, /* 8-byte argument cut */
	{"38", 0, OBOL_ERR_CBOR_TRUNCATED, 0},        /* negative int argument */
	{"f8", 0, OBOL_ERR_CBOR_TRUNCATED, 0},        /* simple value byte missing */
	{"f97c", 0, OBOL_ERR_CBOR_TRUNCATED, 0},      /* half float cut */
	{"fa7f8000", 0, OBOL_ERR_CBOR_TRUNCATED, 0},  /* single float cut */
	{"fb7ff00000000000", 0, OBOL_ERR_CBOR_TRUNCATED, 0}, /* double cut */
	{"d8", 0, OBOL_ERR_CBOR_TRUNCATED, 0},        /* tag number missing */
	{"59", 0, OBOL_ERR_CBOR_TRUNCATED, 0},        /* string length missing */
	{"41", 0, OBOL_ERR_CBOR_TRUNCATED, 0},        /* bstr body missing */
	{"4401020304", 0, OBOL_OK, 0},                /* (control: complete) */
	{"44010203", 0, OBOL_ERR_CBOR_TRUNCATED, 0},  /* bstr body cut */
	{"6261", 0, OBOL_ERR_CBOR_TRUNCATED, 0},      /* tstr body cut */
	{"6261", S, OBOL_ERR_CBOR_TRUNCATED, 0},      /* cut, not "bad UTF-8" */
	{"81", 0, OBOL_ERR_CBOR_TRUNCATED, 0},        /* count 1 cannot fit in 0 bytes */
	{"8201", 0, OBOL_ERR_CBOR_TRUNCATED, 0},      /* count 2 cannot fit in 1 byte */
	{"828100", 0, OBOL_ERR_CBOR_TRUNCATED, 3},    /* count fits; 2nd member due at end */
	{"8181", 0, OBOL_ERR_CBOR_TRUNCATED, 1},      /* inner array's count cannot fit */
	{"8118", 0, OBOL_ERR_CBOR_TRUNCATED, 1},      /* member's head cut */
	{"824100", 0, OBOL_ERR_CBOR_TRUNCATED, 3},    /* 2nd member due at the end */
	{"82410000", 0, OBOL_OK, 0},                  /* (control: complete) */
	{"820142ab", 0, OBOL_ERR_CBOR_TRUNCATED, 2},  /* member's body cut */
	{"a1", 0, OBOL_ERR_CBOR_TRUNCATED, 0},        /* map without its pair */
	{"a100", 0, OBOL_ERR_CBOR_TRUNCATED, 0},      /* 1 pair (2 items) in 1 byte */
	{"a2000000", 0, OBOL_ERR_CBOR_TRUNCATED, 0},  /* 2 pairs (4 items) in 3 bytes */
	{"a2000018ff", 0, OBOL_ERR_CBOR_TRUNCATED, 5},/* count fits; value due at end */
	{"c0", 0, OBOL_ERR_CBOR_TRUNCATED, 1},        /* tag content due at the end */
	{"c1c1", 0, OBOL_ERR_CBOR_TRUNCATED, 2},      /* inner tag's content, ditto */
	{"c11a0000", 0, OBOL_ERR_CBOR_TRUNCATED, 1},  /* tag content cut */
	{"9f", 0, OBOL_ERR_CBOR_TRUNCATED, 1},        /* indefinite array: break due */
	{"9f0102", 0, OBOL_ERR_CBOR_TRUNCATED, 3},    /* ... after members */
	{"bf0102", 0, OBOL_ERR_CBOR_TRUNCATED, 3},    /* indefinite map: break due */
	{"bf01", 0, OBOL_ERR_CBOR_TRUNCATED, 2},      /* ... value due */
	{"5f", 0, OBOL_ERR_CBOR_TRUNCATED, 1},        /* indefinite bstr: break due */
	{"5f4101", 0, OBOL_ERR_CBOR_TRUNCATED, 3},    /* ... after a chunk */
	{"5f4201", 0, OBOL_ERR_CBOR_TRUNCATED, 1},    /* chunk body cut */
	{"5bffffffffffffffff00", 0, OBOL_ERR_CBOR_TRUNCATED, 0}, /* 2^64-1 bytes in 1 */
	{"7b0000000100000000", 0, OBOL_ERR_CBOR_TRUNCATED, 0},   /* 4 GiB text */
	{"9bffffffffffffffff", 0, OBOL_ERR_CBOR_TRUNCATED, 0},   /* 2^64-1 members */
	{"9bffffffffffffffff", S, OBOL_ERR_CBOR_TRUNCATED, 0},   /* ... strict */
	{"bbffffffffffffffff", 0, OBOL_ERR_CBOR_TRUNCATED, 0},   /* 2^64-1 pairs */
	{"bb8000000000000000", 0, OBOL_ERR_CBOR_TRUNCATED, 0},   /* 2^63 pairs: 2n wraps */
	{"9a0000000200", 0, OBOL_ERR_CBOR_TRUNCATED, 0},         /* 2 members, 1 byte */

	/* -- reserved additional information 28..30 -- */
	{"1c", 0, OBOL_ERR_CBOR_RESERVED_AI, 0},      /* major 0, ai 28 */
	{"1d", 0, OBOL_ERR_CBOR_RESERVED_AI, 0},      /* major 0, ai 29 */
	{"1e", 0, OBOL_ERR_CBOR_RESERVED_AI, 0},      /* major 0, ai 30 */
	{"3c", 0, OBOL_ERR_CBOR_RESERVED_AI, 0},      /* major 1 */
	{"5d", 0, OBOL_ERR_CBOR_RESERVED_AI, 0},      /* major 2 (length) */
	{"7e", 0, OBOL_ERR_CBOR_RESERVED_AI, 0},      /* major 3 (length) */
	{"9c", 0, OBOL_ERR_CBOR_RESERVED_AI, 0},      /* major 4 (count) */
	{"bd", 0, OBOL_ERR_CBOR_RESERVED_AI, 0},      /* major 5 (count) */
	{"de00", 0, OBOL_ERR_CBOR_RESERVED_AI, 0},    /* major 6 (tag) */
	{"fc", 0, OBOL_ERR_CBOR_RESERVED_AI, 0},      /* major 7, ai 28 */
	{"fd", S, OBOL_ERR_CBOR_RESERVED_AI, 0},      /* major 7, ai 29, strict */
	{"fe", 0, OBOL_ERR_CBOR_RESERVED_AI, 0},      /* major 7, ai 30 */
	{"83011c02", 0, OBOL_ERR_CBOR_RESERVED_AI, 2},/* inside an array */

	/* -- simple values -- */
	{"f818", 0, OBOL_ERR_CBOR_BAD_SIMPLE, 0},     /* simple(24) in two bytes */
	{"f81f", 0, OBOL_ERR_CBOR_BAD_SIMPLE, 0},     /* simple(31) in two bytes */
	{"f800", S, OBOL_ERR_CBOR_BAD_SIMPLE, 0},     /* simple(0) in two bytes */
	{"8201f814", 0, OBOL_ERR_CBOR_BAD_SIMPLE, 2}, /* "false" in two bytes */
	{"f820", S, OBOL_OK, 0},                      /* simple(32): first valid */
	{"f8ff", D, OBOL_OK, 0},                      /* simple(255) */
	{"f3", D, OBOL_OK, 0},                        /* simple(19) in one byte */

	/* -- indefinite length where none may stand, and "break" -- */
	{"1f", 0, OBOL_ERR_CBOR_BAD_INDEF, 0},        /* major 0 */
	{"3f", 0, OBOL_ERR_CBOR_BAD_INDEF, 0},        /* major 1 */
	{"df00", 0, OBOL_ERR_CBOR_BAD_INDEF, 0},      /* major 6 */
	{"1f", S, OBOL_ERR_CBOR_BAD_INDEF, 0},        /* not well-formed beats strict */
	{"ff", 0, OBOL_ERR_CBOR_BAD_BREAK, 0},        /* break at the top level */
	{"ff", S, OBOL_ERR_CBOR_BAD_BREAK, 0},        /* ... strict */
	{"81ff", 0, OBOL_ERR_CBOR_BAD_BREAK, 1},      /* break in a definite array */
	{"a101ff", 0, OBOL_ERR_CBOR_BAD_BREAK, 2},    /* break as a map value */
	{"c0ff", 0, OBOL_ERR_CBOR_BAD_BREAK, 1},      /* break as tag content */
	{"00ff", Q, OBOL_ERR_CBOR_BAD_BREAK, 1},      /* break between sequence items */
	{"9fffff", 0, OBOL_ERR_CBOR_TRAILING, 2},     /* a break after the item */
	{"bf01ff", 0, OBOL_ERR_CBOR_MAP_ODD, 2},      /* indefinite map, odd items */
	{"bf010203ff", 0, OBOL_ERR_CBOR_MAP_ODD, 4},  /* ... after a full pair */
	{"bfff", 0, OBOL_OK, 0},                      /* empty indefinite map */
	{"5f6161ff", 0, OBOL_ERR_CBOR_BAD_CHUNK, 1},  /* tstr chunk in a bstr */
	{"7f4161ff", 0, OBOL_ERR_CBOR_BAD_CHUNK, 1},  /* bstr chunk in a tstr */
	{"5f00ff", 0, OBOL_ERR_CBOR_BAD_CHUNK, 1},    /* integer as a chunk */
	{"5f4101c0ff", 0, OBOL_ERR_CBOR_BAD_CHUNK, 3},/* tag as a second chunk */
	{"5f5fffff", 0, OBOL_ERR_CBOR_BAD_CHUNK, 1},  /* nested indefinite chunk */
	{"7f7f6161ffff", 0, OBOL_ERR_CBOR_BAD_CHUNK, 1}, /* ... text */
	{"5f4101420203ff", 0, OBOL_OK, 0},            /* (control: good chunks) */
	{"5fff", 0, OBOL_OK, 0},                      /* no chunk at all */

	/* -- one item unless SEQUENCE -- */
	{"0000", 0, OBOL_ERR_CBOR_TRAILING, 1},       /* two items */
	{"0000", S, OBOL_ERR_CBOR_TRAILING, 1},       /* ... strict */
	{"0000", Q, OBOL_OK, 0},                      /* a sequence of two */
	{"810000", 0, OBOL_ERR_CBOR_TRAILING, 2},     /* byte after an array */
	{"000118", Q, OBOL_ERR_CBOR_TRUNCATED, 2},    /* third item cut */
	{"00011800", S | Q, OBOL_ERR_CBOR_NON_SHORTEST, 2}, /* strict sequence */

	/* -- strict: indefinite lengths -- */
	{"9fff", S, OBOL_ERR_CBOR_INDEFINITE, 0},     /* array */
	{"bfff", S, OBOL_ERR_CBOR_INDEFINITE, 0},     /* map */
	{"5fff", S, OBOL_ERR_CBOR_INDEFINITE, 0},     /* byte string */
	{"7fff", D, OBOL_ERR_CBOR_INDEFINITE, 0},     /* text string, deterministic */
	{"82009fff", S, OBOL_ERR_CBOR_INDEFINITE, 2}, /* nested */
	{"9fff", 0, OBOL_OK, 0},                      /* (fine when lenient) */

	/* -- strict: shortest form of arguments (RFC 8949 4.2.1) -- */
	{"1800", S, OBOL_ERR_CBOR_NON_SHORTEST, 0},   /* 0 in 1 byte */
	{"1817", S, OBOL_ERR_CBOR_NON_SHORTEST, 0},   /* 23 in 1 byte */
	{"1818", S, OBOL_OK, 0},                      /* 24 in 1 byte: shortest */
	{"1900ff", S, OBOL_ERR_CBOR_NON_SHORTEST, 0}, /* 255 in 2 bytes */
	{"190100", S, OBOL_OK, 0},                    /* 256 in 2 bytes */
	{"1a0000ffff", S, OBOL_ERR_CBOR_NON_SHORTEST, 0}, /* 65535 in 4 bytes */
	{"1a00010000", S, OBOL_OK, 0},                /* 65536 in 4 bytes */
	{"1b00000000ffffffff", S, OBOL_ERR_CBOR_NON_SHORTEST, 0}, /* 2^32-1 in 8 */
	{"1b0000000100000000", S, OBOL_OK, 0},        /* 2^32 in 8 bytes */
	{"3800", S, OBOL_ERR_CBOR_NON_SHORTEST, 0},   /* -1 in 1 byte */
	{"3817", S, OBOL_ERR_CBOR_NON_SHORTEST, 0},   /* -24 in 1 byte */
	{"3818", S, OBOL_OK, 0},                      /* -25 */
	{"3900ff", S, OBOL_ERR_CBOR_NON_SHORTEST, 0}, /* -256 in 2 bytes */
	{"5800", S, OBOL_ERR_CBOR_NON_SHORTEST, 0},   /* bstr length 0 in 1 byte */
	{"59000100", S, OBOL_ERR_CBOR_NON_SHORTEST, 0}, /* bstr length 1 in 2 */
	{"7800", S, OBOL_ERR_CBOR_NON_SHORTEST, 0},   /* tstr length */
	{"9800", S, OBOL_ERR_CBOR_NON_SHORTEST, 0},   /* array count */
	{"b800", S, OBOL_ERR_CBOR_NON_SHORTEST, 0},   /* map count */
	{"d80000", S, OBOL_ERR_CBOR_NON_SHORTEST, 0}, /* tag 0 in 1 byte */
	{"d9001700", S, OBOL_ERR_CBOR_NON_SHORTEST, 0}, /* tag 23 in 2 bytes */
	{"d81800", S, OBOL_OK, 0},                    /* tag 24 in 1 byte */
	{"8301180002", S, OBOL_ERR_CBOR_NON_SHORTEST, 2}, /* nested: 2nd member */
	{"1800", 0, OBOL_OK, 0},                      /* (fine when lenient) */
	{"fa3fc00000", S, OBOL_OK, 0},                /* floats: not a strict rule */

	/* -- strict: duplicate map keys (RFC 8949 5.6) -- */
	{"a201000100", S, OBOL_ERR_CBOR_DUP_KEY, 3},  /* {1: 0, 1: 0} */
	{"a201000100", D, OBOL_ERR_CBOR_DUP_KEY, 3},  /* ... deterministic */
	{"a201000100", 0, OBOL_OK, 0},                /* (lenient: not checked) */
	{"a3010002000100", S, OBOL_ERR_CBOR_DUP_KEY, 5}, /* dup not adjacent */
	{"a2616100616101", S, OBOL_ERR_CBOR_DUP_KEY, 4}, /* {"a": 0, "a": 1} */
	{"a2416100616100", S, OBOL_OK, 0},            /* h'61' and "a" differ */
	{"a200002000", S, OBOL_OK, 0},                /* 0 and -1 differ */
	{"a2810000810000", S, OBOL_ERR_CBOR_DUP_KEY, 4}, /* array keys [0], [0] */
	{"a100a201000100", S, OBOL_ERR_CBOR_DUP_KEY, 5}, /* in a nested map */
	{"82a0a201000100", S, OBOL_ERR_CBOR_DUP_KEY, 5}, /* in an array's map */
	{"a2a1000000a1000100", S, OBOL_OK, 0},        /* map keys {0:0}, {0:1} */
	{"a2a1000000a1000000", S, OBOL_ERR_CBOR_DUP_KEY, 5}, /* {0:0} twice */
	{"a20100180100", S, OBOL_ERR_CBOR_NON_SHORTEST, 3}, /* 1 and 1 as 1801:
	                       NON_SHORTEST wins, the keys are never compared */
	{"a20100180100", 0, OBOL_OK, 0},              /* (lenient: both fine) */
	{"a20100011800", S, OBOL_ERR_CBOR_NON_SHORTEST, 4}, /* key checks run after
	                       the members: the later error wins over DUP_KEY at 3 */
	{"82a201000100f818", S, OBOL_ERR_CBOR_DUP_KEY, 4}, /* ... but an error after
	                       the map comes after its key checks */

	/* -- strict: UTF-8 in text strings (RFC 8949 5.3.1, RFC 3629) -- */
	{"61ff", S, OBOL_ERR_CBOR_BAD_UTF8, 1},       /* 0xff never in UTF-8 */
	{"61ff", 0, OBOL_OK, 0},                      /* (lenient: not checked) */
	{"6180", S, OBOL_ERR_CBOR_BAD_UTF8, 1},       /* lone continuation byte */
	{"626180", S, OBOL_ERR_CBOR_BAD_UTF8, 2},     /* ... after ASCII */
	{"62c0af", S, OBOL_ERR_CBOR_BAD_UTF8, 1},     /* overlong '/' */
	{"63e080af", S, OBOL_ERR_CBOR_BAD_UTF8, 1},   /* overlong, 3 bytes */
	{"63eda080", S, OBOL_ERR_CBOR_BAD_UTF8, 1},   /* surrogate U+D800 */
	{"62e6b0", S, OBOL_ERR_CBOR_BAD_UTF8, 1},     /* multibyte cut by the length */
	{"6361e6b0", S, OBOL_ERR_CBOR_BAD_UTF8, 2},   /* ... after ASCII */
	{"64f4908080", S, OBOL_ERR_CBOR_BAD_UTF8, 1}, /* U+110000 */
	{"64f8888080", S, OBOL_ERR_CBOR_BAD_UTF8, 1}, /* 5-byte form */
	{"63efbfbf", S, OBOL_OK, 0},                  /* U+FFFF */
	{"64f48fbfbf", S, OBOL_OK, 0},                /* U+10FFFF */
	{"64f0908591", S, OBOL_OK, 0},                /* U+10151 */
	{"a161ff00", S, OBOL_ERR_CBOR_BAD_UTF8, 2},   /* in a map key */

	/* -- deterministic: key order and shortest floats (RFC 8949 4.2.1) -- */
	{"a220000100", D, OBOL_ERR_CBOR_KEY_ORDER, 3},/* -1 before 1 */
	{"a220000100", S, OBOL_OK, 0},                /* (strict alone: fine) */
	{"a201002000", D, OBOL_OK, 0},                /* 1 before -1 */
	{"a21818001700", D, OBOL_ERR_CBOR_KEY_ORDER, 4}, /* 24 before 23 */
	{"a261610042000000", D, OBOL_ERR_CBOR_KEY_ORDER, 4},
	/* ^ "a" before h'0000': length-first (RFC 7049) order, not bytewise */
	{"a242000000616100", D, OBOL_OK, 0},          /* bytewise order */
	{"a1a22000010000", D, OBOL_ERR_CBOR_KEY_ORDER, 4}, /* inside a map key */
	{"fa3fc00000", D, OBOL_ERR_CBOR_NON_SHORTEST, 0}, /* 1.5 as single */
	{"fb3ff8000000000000", D, OBOL_ERR_CBOR_NON_SHORTEST, 0}, /* as double */
	{"f93e00", D, OBOL_OK, 0},                    /* 1.5 as half */
	{"fb40f86a0000000000", D, OBOL_ERR_CBOR_NON_SHORTEST, 0}, /* 100000.0 */
	{"fa47c35000", D, OBOL_OK, 0},                /* ... as single */
	{"fa7fc00000", D, OBOL_ERR_CBOR_NON_SHORTEST, 0}, /* NaN as single */
	{"fb7ff0000000000000", D, OBOL_ERR_CBOR_NON_SHORTEST, 0}, /* infinity */
	{"fb3ff199999999999a", D, OBOL_OK, 0},        /* 1.1 needs a double */
	{"8200fa3fc00000", D, OBOL_ERR_CBOR_NON_SHORTEST, 2}, /* nested */
	/* NaN: deterministic only as f97e00, the encoder's one NaN */
	{"f97e00", D, OBOL_OK, 0},                    /* the canonical NaN */
	{"f97e01", D, OBOL_ERR_CBOR_NON_SHORTEST, 0}, /* NaN with a payload */
	{"f9fe00", D, OBOL_ERR_CBOR_NON_SHORTEST, 0}, /* negative NaN */
	{"f97c01", D, OBOL_ERR_CBOR_NON_SHORTEST, 0}, /* signalling NaN */
	{"fb7ff8000000000001", D, OBOL_ERR_CBOR_NON_SHORTEST, 0}, /* payload */
	{"f97e01", S, OBOL_OK, 0},                    /* strict alone: fine */
};

/* Nested arrays / maps / tags, n levels, around 00 (built, so that the
 * rows follow OBOL_CBOR_MAX_DEPTH). */
static size_t nest(uint8_t *buf, size_t cap, uint8_t head, unsigned n,
		   int with_key)
{
	size_t len = 0;
	unsigned i;
	for (i = 0; i < n && len + 3 <= cap; i++) {
		buf[len++] = head;
		if (with_key)
			buf[len++] = 0x00; /* the map's key; the value nests */
	}
	if (len < cap)
		buf[len++] = 0x00;
	return len;
}

static void check_validate(struct obol_test_ctx *t, const uint8_t *buf,
			   size_t len, unsigned flags, int err, size_t off)
{
	size_t got_off = 0xdead;
	obol_cbor_dec d;

	CHECK_INT(t, obol_cbor_validate(buf, len, flags, &got_off), err);
	if (err != OBOL_OK)
		CHECK_INT(t, got_off, off);
	CHECK_INT(t, obol_cbor_validate(buf, len, flags, NULL), err);

	if (flags & (S | D)) {
		/* strict init: the same verdict, and a cursor that reads nothing */
		CHECK_INT(t, obol_cbor_dec_init(&d, buf, len, flags), err);
		if (err != OBOL_OK) {
			uint64_t v;
			const uint8_t *p = NULL;
			size_t plen = 0;
			CHECK_INT(t, obol_cbor_offset(&d), off);
			CHECK_INT(t, obol_cbor_peek(&d), OBOL_ERR_CBOR_END);
			CHECK_INT(t, obol_cbor_get_uint64(&d, &v), OBOL_ERR_CBOR_END);
			CHECK_INT(t, obol_cbor_skip(&d), OBOL_ERR_CBOR_END);
			CHECK_INT(t, obol_cbor_get_raw(&d, &p, &plen), OBOL_ERR_CBOR_END);
			CHECK(t, obol_cbor_at_end(&d));
		} else {
			/* then every item can be skipped */
			int e;
			while ((e = obol_cbor_skip(&d)) == OBOL_OK)
				;
			CHECK_INT(t, e, OBOL_ERR_CBOR_END);
			CHECK_INT(t, obol_cbor_offset(&d), len);
		}
	} else {
		/* the lenient decoder accepts anything at init, and finds
		 * the same problem when the item is skipped */
		CHECK_INT(t, obol_cbor_dec_init(&d, buf, len, flags), OBOL_OK);
		if (!(flags & Q) && len > 0 && err != OBOL_ERR_CBOR_TRAILING) {
			CHECK_INT(t, obol_cbor_skip(&d), err);
			CHECK_INT(t, obol_cbor_offset(&d), err == OBOL_OK ? len : 0);
		}
	}
}

static void test_validate_table(struct obol_test_ctx *t)
{
	size_t i;
	for (i = 0; i < sizeof validate_cases / sizeof validate_cases[0]; i++) {
		const struct validate_case *c = &validate_cases[i];
		uint8_t buf[BUF_MAX];
		unsigned before = t->failures;
		size_t len = unhex(t, c->hex, buf, sizeof buf);

		check_validate(t, buf, len, c->flags, c->err, c->off);
		note_row(t, before, "validate", i, c->hex);
	}
}

/* Nesting limit: OBOL_CBOR_MAX_DEPTH levels below the top-level item are
 * fine, one more is refused at the container that would open it. */
static void test_depth(struct obol_test_ctx *t)
{
	uint8_t buf[2 * OBOL_CBOR_MAX_DEPTH + 8];
	const unsigned max = OBOL_CBOR_MAX_DEPTH;
	static const unsigned modes[] = {0, S, D};
	size_t len, i;

	for (i = 0; i < 3; i++) {
		unsigned f = modes[i];
		len = nest(buf, sizeof buf, 0x81, max, 0);        /* [[...[0]...]] */
		check_validate(t, buf, len, f, OBOL_OK, 0);
		len = nest(buf, sizeof buf, 0x81, max + 1, 0);
		check_validate(t, buf, len, f, OBOL_ERR_CBOR_TOO_DEEP, max);
		len = nest(buf, sizeof buf, 0xc6, max, 0);        /* 6(6(...6(0))) */
		check_validate(t, buf, len, f, OBOL_OK, 0);
		len = nest(buf, sizeof buf, 0xc6, max + 1, 0);
		check_validate(t, buf, len, f, OBOL_ERR_CBOR_TOO_DEEP, max);
		len = nest(buf, sizeof buf, 0xa1, max, 1);        /* {0: {0: ... 0}} */
		check_validate(t, buf, len, f, OBOL_OK, 0);
		len = nest(buf, sizeof buf, 0xa1, max + 1, 1);
		check_validate(t, buf, len, f, OBOL_ERR_CBOR_TOO_DEEP, 2 * max);
	}
	/* the innermost container being empty changes nothing: opening it
	 * is what goes too deep */
	len = nest(buf, sizeof buf, 0x81, max, 0);
	buf[len - 1] = 0x80;
	check_validate(t, buf, len, 0, OBOL_ERR_CBOR_TOO_DEEP, max);
	check_validate(t, buf, len, S, OBOL_ERR_CBOR_TOO_DEEP, max);
	/* indefinite arrays count too, and the limit is found before the
	 * missing breaks */
	memset(buf, 0x9f, sizeof buf);
	check_validate(t, buf, sizeof buf, 0, OBOL_ERR_CBOR_TOO_DEEP, max);
	/* each item of a sequence starts again at level 0 */
	buf[0] = 0x00;
	len = 1 + nest(buf + 1, sizeof buf - 1, 0x81, max, 0);
	check_validate(t, buf, len, Q, OBOL_OK, 0);
	check_validate(t, buf, len, S | Q, OBOL_OK, 0);
	len = 1 + nest(buf + 1, sizeof buf - 1, 0x81, max + 1, 0);
	check_validate(t, buf, len, S | Q, OBOL_ERR_CBOR_TOO_DEEP, 1 + max);

	/* the cursor refuses to enter the level that is too deep (lenient
	 * init does not check) and stays where it was */
	{
		obol_cbor_dec lv[OBOL_CBOR_MAX_DEPTH + 2];
		obol_cbor_dec last;
		uint64_t v = 1;
		unsigned k;

		len = nest(buf, sizeof buf, 0x81, max, 0);
		CHECK_INT(t, obol_cbor_dec_init(&lv[0], buf, len, S), OBOL_OK);
		for (k = 0; k < max; k++)
			CHECK_INT(t, obol_cbor_enter_array(&lv[k], &lv[k + 1], NULL), OBOL_OK);
		CHECK_INT(t, obol_cbor_get_uint64(&lv[max], &v), OBOL_OK);
		CHECK(t, v == 0);

		len = nest(buf, sizeof buf, 0x81, max + 1, 0);
		CHECK_INT(t, obol_cbor_dec_init(&lv[0], buf, len, 0), OBOL_OK);
		for (k = 0; k < max; k++)
			CHECK_INT(t, obol_cbor_enter_array(&lv[k], &lv[k + 1], NULL), OBOL_OK);
		CHECK_INT(t, obol_cbor_offset(&lv[max]), max);
		CHECK_INT(t, obol_cbor_enter_array(&lv[max], &last, NULL),
			  OBOL_ERR_CBOR_TOO_DEEP);
		CHECK_INT(t, obol_cbor_offset(&lv[max]), max);
		CHECK_INT(t, obol_cbor_skip(&lv[max]), OBOL_ERR_CBOR_TOO_DEEP);
		CHECK_INT(t, obol_cbor_offset(&lv[max]), max);
		/* get_raw needs the item's extent, and so the same walk */
		{
			const uint8_t *p = NULL;
			size_t plen = 0;
			CHECK_INT(t, obol_cbor_get_raw(&lv[max], &p, &plen),
				  OBOL_ERR_CBOR_TOO_DEEP);
		}
		/* skipping from the top finds it as well */
		CHECK_INT(t, obol_cbor_skip(&lv[0]), OBOL_ERR_CBOR_TOO_DEEP);
		CHECK_INT(t, obol_cbor_offset(&lv[0]), 0);
	}
}

/* CBOR is prefix-free: every proper prefix of one item is truncated. */
static void test_prefixes(struct obol_test_ctx *t)
{
	static const struct {
		const char *hex;
		unsigned flags;
	} items[] = {
		{"a26161016162820203", D},
		{"c1fb41d452d9ec200000", D},
		{"d82076687474703a2f2f7777772e6578616d706c652e636f6d", D},
		{"64f0908591", D},
		{"a3012102a1036161205820000102030405060708090a0b0c0d0e0f"
		 "101112131415161718191a1b1c1d1e1f", S},
		{"9f018202039f0405ffff", 0},
		{"bf61610161629f0203ffff", 0},
		{"5f42010243030405ff", 0},
		{"7f657374726561646d696e67ff", 0},
	};
	size_t i, cut;

	for (i = 0; i < sizeof items / sizeof items[0]; i++) {
		uint8_t buf[BUF_MAX];
		unsigned before = t->failures;
		size_t len = unhex(t, items[i].hex, buf, sizeof buf);

		CHECK_INT(t, obol_cbor_validate(buf, len, items[i].flags, NULL), OBOL_OK);
		for (cut = 0; cut < len; cut++) {
			size_t off = 0xdead;
			CHECK_INT(t, obol_cbor_validate(buf, cut, items[i].flags, &off),
				  OBOL_ERR_CBOR_TRUNCATED);
			CHECK(t, off <= cut);
		}
		note_row(t, before, "prefix", i, items[i].hex);
	}
}

/* Strict maps have at most OBOL_CBOR_MAX_MAP_PAIRS pairs (config.h): the
 * quadratic duplicate-key check stays bounded on hostile input. */
static void test_map_size(struct obol_test_ctx *t)
{
	static uint8_t buf[8 + 4 * (OBOL_CBOR_MAX_MAP_PAIRS + 1)];
	size_t pairs, len, i, off;

	for (pairs = OBOL_CBOR_MAX_MAP_PAIRS; pairs <= OBOL_CBOR_MAX_MAP_PAIRS + 1; pairs++) {
		obol_cbor_enc e;
		obol_cbor_enc_init(&e, buf, sizeof buf);
		obol_cbor_put_map(&e, pairs);
		for (i = 0; i < pairs; i++) {
			obol_cbor_put_uint(&e, i); /* ascending: deterministic */
			obol_cbor_put_null(&e);
		}
		CHECK_INT(t, obol_cbor_enc_finish(&e, &len), OBOL_OK);
		off = 0xdead;
		if (pairs <= OBOL_CBOR_MAX_MAP_PAIRS) {
			CHECK_INT(t, obol_cbor_validate(buf, len, S, &off), OBOL_OK);
			CHECK_INT(t, obol_cbor_validate(buf, len, D, &off), OBOL_OK);
		} else {
			CHECK_INT(t, obol_cbor_validate(buf, len, S, &off), OBOL_ERR_CBOR_MAP_SIZE);
			CHECK_INT(t, off, 0);
			CHECK_INT(t, obol_cbor_validate(buf, len, D, &off), OBOL_ERR_CBOR_MAP_SIZE);
			CHECK_INT(t, obol_cbor_validate(buf, len, 0, &off), OBOL_OK);
		}
	}
}

/* obol_cbor_enc_fail: a writer on top of the encoder refuses its input. */
static void test_enc_fail(struct obol_test_ctx *t)
{
	uint8_t buf[8];
	obol_cbor_enc e;
	size_t len = 99;

	obol_cbor_enc_init(&e, buf, sizeof buf);
	obol_cbor_put_uint(&e, 1);
	obol_cbor_enc_fail(&e, OBOL_ERR_AIF);
	obol_cbor_enc_fail(&e, OBOL_ERR_CWT_CLAIM); /* the first error stays */
	obol_cbor_put_uint(&e, 2);                 /* ignored */
	CHECK_INT(t, obol_cbor_enc_finish(&e, &len), OBOL_ERR_AIF);
	CHECK_INT(t, buf[0], 0x01);

	obol_cbor_enc_init(&e, buf, sizeof buf);
	obol_cbor_enc_fail(&e, 5); /* not an error code: becomes OBOL_ERR_ARG */
	CHECK_INT(t, obol_cbor_enc_finish(&e, &len), OBOL_ERR_ARG);
}

static void test_bad_args(struct obol_test_ctx *t)
{
	obol_cbor_dec d;
	size_t off = 0xdead;

	CHECK_INT(t, obol_cbor_validate(NULL, 1, 0, &off), OBOL_ERR_ARG);
	CHECK_INT(t, obol_cbor_dec_init(&d, NULL, 1, 0), OBOL_ERR_ARG);
	/* NULL with length 0 is allowed */
	CHECK_INT(t, obol_cbor_validate(NULL, 0, Q, &off), OBOL_OK);
	CHECK_INT(t, obol_cbor_dec_init(&d, NULL, 0, S | Q), OBOL_OK);
	CHECK(t, obol_cbor_at_end(&d));
	CHECK_INT(t, obol_cbor_dec_init(&d, NULL, 0, 0), OBOL_OK);
}

/* ---- 2. getters --------------------------------------------------------- */

enum getter {
	G_U64, G_U32, G_I64, G_I32, G_NINT, G_BOOL, G_NULL, G_UNDEF, G_SIMPLE,
	G_DOUBLE, G_TAG, G_BSTR, G_TSTR, G_PEEK
};

#define I(v) ((uint64_t)(int64_t)(v)) /* signed expectations, as bits */

static const struct get_case {
	const char *hex;
	enum getter g;
	int err;      /* expected result */
	uint64_t v;   /* value: integers (signed as two's complement), the
	               * bits of a double, a string's length, a peek type */
	size_t next;  /* offset after success (the cursor stays at 0 on error) */
} get_cases[] = {
	/* unsigned */
	{"00", G_U64, OBOL_OK, 0, 1},
	{"17", G_U64, OBOL_OK, 23, 1},
	{"1818", G_U64, OBOL_OK, 24, 2},
	{"1bffffffffffffffff", G_U64, OBOL_OK, UINT64_MAX, 9},
	{"1800", G_U64, OBOL_OK, 0, 2},                 /* lenient: long form read */
	{"20", G_U64, OBOL_ERR_CBOR_TYPE, 0, 0},        /* negative */
	{"f93c00", G_U64, OBOL_ERR_CBOR_TYPE, 0, 0},    /* 1.0 is not an integer */
	{"c100", G_U64, OBOL_ERR_CBOR_TYPE, 0, 0},      /* a tag first */
	{"1affffffff", G_U32, OBOL_OK, UINT32_MAX, 5},
	{"1b00000000ffffffff", G_U32, OBOL_OK, UINT32_MAX, 9}, /* lenient */
	{"1b0000000100000000", G_U32, OBOL_ERR_CBOR_RANGE, 0, 0}, /* 2^32 */
	{"1bffffffffffffffff", G_U32, OBOL_ERR_CBOR_RANGE, 0, 0},
	{"20", G_U32, OBOL_ERR_CBOR_TYPE, 0, 0},
	{"40", G_U32, OBOL_ERR_CBOR_TYPE, 0, 0},
	/* signed */
	{"00", G_I64, OBOL_OK, 0, 1},
	{"20", G_I64, OBOL_OK, I(-1), 1},
	{"37", G_I64, OBOL_OK, I(-24), 1},
	{"3818", G_I64, OBOL_OK, I(-25), 2},
	{"1b7fffffffffffffff", G_I64, OBOL_OK, I(INT64_MAX), 9},
	{"1b8000000000000000", G_I64, OBOL_ERR_CBOR_RANGE, 0, 0}, /* 2^63 */
	{"1bffffffffffffffff", G_I64, OBOL_ERR_CBOR_RANGE, 0, 0},
	{"3b7fffffffffffffff", G_I64, OBOL_OK, I(INT64_MIN), 9},
	{"3b8000000000000000", G_I64, OBOL_ERR_CBOR_RANGE, 0, 0}, /* -2^63-1 */
	{"3bffffffffffffffff", G_I64, OBOL_ERR_CBOR_RANGE, 0, 0}, /* -2^64 */
	{"60", G_I64, OBOL_ERR_CBOR_TYPE, 0, 0},
	{"f4", G_I64, OBOL_ERR_CBOR_TYPE, 0, 0},
	{"1a7fffffff", G_I32, OBOL_OK, I(INT32_MAX), 5},
	{"1a80000000", G_I32, OBOL_ERR_CBOR_RANGE, 0, 0},
	{"3a7fffffff", G_I32, OBOL_OK, I(INT32_MIN), 5},
	{"3a80000000", G_I32, OBOL_ERR_CBOR_RANGE, 0, 0},
	{"1b0000000100000000", G_I32, OBOL_ERR_CBOR_RANGE, 0, 0},
	{"3b0000000100000000", G_I32, OBOL_ERR_CBOR_RANGE, 0, 0},
	{"397fff", G_I32, OBOL_OK, I(-32768), 3},
	{"a0", G_I32, OBOL_ERR_CBOR_TYPE, 0, 0},
	{"20", G_NINT, OBOL_OK, 0, 1},
	{"3bffffffffffffffff", G_NINT, OBOL_OK, UINT64_MAX, 9}, /* -2^64 */
	{"3903e7", G_NINT, OBOL_OK, 999, 3},            /* -1000 */
	{"00", G_NINT, OBOL_ERR_CBOR_TYPE, 0, 0},       /* 0 is not negative */
	/* simple values */
	{"f4", G_BOOL, OBOL_OK, 0, 1},
	{"f5", G_BOOL, OBOL_OK, 1, 1},
	{"f6", G_BOOL, OBOL_ERR_CBOR_TYPE, 0, 0},
	{"01", G_BOOL, OBOL_ERR_CBOR_TYPE, 0, 0},
	{"f814", G_BOOL, OBOL_ERR_CBOR_BAD_SIMPLE, 0, 0}, /* malformed false */
	{"f6", G_NULL, OBOL_OK, 0, 1},
	{"f7", G_NULL, OBOL_ERR_CBOR_TYPE, 0, 0},
	{"f4", G_NULL, OBOL_ERR_CBOR_TYPE, 0, 0},
	{"f7", G_UNDEF, OBOL_OK, 0, 1},
	{"f6", G_UNDEF, OBOL_ERR_CBOR_TYPE, 0, 0},
	{"e0", G_SIMPLE, OBOL_OK, 0, 1},
	{"f0", G_SIMPLE, OBOL_OK, 16, 1},
	{"f4", G_SIMPLE, OBOL_OK, 20, 1},               /* any simple value */
	{"f7", G_SIMPLE, OBOL_OK, 23, 1},
	{"f820", G_SIMPLE, OBOL_OK, 32, 2},
	{"f8ff", G_SIMPLE, OBOL_OK, 255, 2},
	{"f818", G_SIMPLE, OBOL_ERR_CBOR_BAD_SIMPLE, 0, 0},
	{"f93c00", G_SIMPLE, OBOL_ERR_CBOR_TYPE, 0, 0}, /* a float is not simple */
	{"00", G_SIMPLE, OBOL_ERR_CBOR_TYPE, 0, 0},
	/* floats, bit-exact */
	{"f90000", G_DOUBLE, OBOL_OK, 0x0000000000000000u, 3},  /* 0.0 */
	{"f98000", G_DOUBLE, OBOL_OK, 0x8000000000000000u, 3},  /* -0.0 */
	{"f93c00", G_DOUBLE, OBOL_OK, 0x3ff0000000000000u, 3},  /* 1.0 */
	{"f93e00", G_DOUBLE, OBOL_OK, 0x3ff8000000000000u, 3},  /* 1.5 */
	{"f9c400", G_DOUBLE, OBOL_OK, 0xc010000000000000u, 3},  /* -4.0 */
	{"f97bff", G_DOUBLE, OBOL_OK, 0x40effc0000000000u, 3},  /* 65504.0 */
	{"f90001", G_DOUBLE, OBOL_OK, 0x3e70000000000000u, 3},  /* 2^-24, subnormal */
	{"f90003", G_DOUBLE, OBOL_OK, 0x3e88000000000000u, 3},  /* 3 * 2^-24 */
	{"f903ff", G_DOUBLE, OBOL_OK, 0x3f0ff80000000000u, 3},  /* largest subnormal */
	{"f90400", G_DOUBLE, OBOL_OK, 0x3f10000000000000u, 3},  /* 2^-14 */
	{"f98001", G_DOUBLE, OBOL_OK, 0xbe70000000000000u, 3},  /* -2^-24 */
	{"f97c00", G_DOUBLE, OBOL_OK, 0x7ff0000000000000u, 3},  /* Infinity */
	{"f9fc00", G_DOUBLE, OBOL_OK, 0xfff0000000000000u, 3},  /* -Infinity */
	{"fa47c35000", G_DOUBLE, OBOL_OK, 0x40f86a0000000000u, 5}, /* 100000.0 */
	{"fa7f7fffff", G_DOUBLE, OBOL_OK, 0x47efffffe0000000u, 5}, /* FLT_MAX */
	{"fa00000001", G_DOUBLE, OBOL_OK, 0x36a0000000000000u, 5}, /* 2^-149 */
	{"fa00400000", G_DOUBLE, OBOL_OK, 0x3800000000000000u, 5}, /* 2^-127 */
	{"faff800000", G_DOUBLE, OBOL_OK, 0xfff0000000000000u, 5}, /* -Infinity */
	{"fb3ff199999999999a", G_DOUBLE, OBOL_OK, 0x3ff199999999999au, 9}, /* 1.1 */
	{"fb0000000000000001", G_DOUBLE, OBOL_OK, 0x0000000000000001u, 9}, /* 2^-1074 */
	{"fb7fefffffffffffff", G_DOUBLE, OBOL_OK, 0x7fefffffffffffffu, 9}, /* DBL_MAX */
	{"00", G_DOUBLE, OBOL_ERR_CBOR_TYPE, 0, 0},     /* integers are not floats */
	{"f5", G_DOUBLE, OBOL_ERR_CBOR_TYPE, 0, 0},
	/* tags: the head only */
	{"c11a514b67b0", G_TAG, OBOL_OK, 1, 1},
	{"d818456449455446", G_TAG, OBOL_OK, 24, 2},
	{"dbffffffffffffffff00", G_TAG, OBOL_OK, UINT64_MAX, 9},
	{"1a514b67b0", G_TAG, OBOL_ERR_CBOR_TYPE, 0, 0},
	/* strings: v is the length; the bytes are checked to lie in the input */
	{"40", G_BSTR, OBOL_OK, 0, 1},
	{"4401020304", G_BSTR, OBOL_OK, 4, 5},
	{"5818000102030405060708090a0b0c0d0e0f1011121314151617", G_BSTR, OBOL_OK, 24, 26},
	{"6449455446", G_BSTR, OBOL_ERR_CBOR_TYPE, 0, 0}, /* text */
	{"5f4101ff", G_BSTR, OBOL_ERR_CBOR_INDEFINITE, 0, 0},
	{"60", G_TSTR, OBOL_OK, 0, 1},
	{"6449455446", G_TSTR, OBOL_OK, 4, 5},
	{"62c3bc", G_TSTR, OBOL_OK, 2, 3},
	{"61ff", G_TSTR, OBOL_OK, 1, 2},                /* lenient: not checked */
	{"4401020304", G_TSTR, OBOL_ERR_CBOR_TYPE, 0, 0}, /* bytes */
	{"7f6161ff", G_TSTR, OBOL_ERR_CBOR_INDEFINITE, 0, 0},
	{"44010203", G_BSTR, OBOL_ERR_CBOR_TRUNCATED, 0, 0}, /* body cut */
	/* peek: the type of the next item, or a problem in its head */
	{"00", G_PEEK, OBOL_CBOR_UINT, 0, 0},
	{"3bffffffffffffffff", G_PEEK, OBOL_CBOR_NINT, 0, 0},
	{"40", G_PEEK, OBOL_CBOR_BSTR, 0, 0},
	{"5fff", G_PEEK, OBOL_CBOR_BSTR, 0, 0},
	{"7fff", G_PEEK, OBOL_CBOR_TSTR, 0, 0},
	{"80", G_PEEK, OBOL_CBOR_ARRAY, 0, 0},
	{"bfff", G_PEEK, OBOL_CBOR_MAP, 0, 0},
	{"c000", G_PEEK, OBOL_CBOR_TAG, 0, 0},
	{"f4", G_PEEK, OBOL_CBOR_SIMPLE, 0, 0},
	{"f7", G_PEEK, OBOL_CBOR_SIMPLE, 0, 0},
	{"f8ff", G_PEEK, OBOL_CBOR_SIMPLE, 0, 0},
	{"f90000", G_PEEK, OBOL_CBOR_FLOAT, 0, 0},
	{"fa7f800000", G_PEEK, OBOL_CBOR_FLOAT, 0, 0},
	{"fb0000000000000000", G_PEEK, OBOL_CBOR_FLOAT, 0, 0},
	{"1c", G_PEEK, OBOL_ERR_CBOR_RESERVED_AI, 0, 0},
	{"19ff", G_PEEK, OBOL_ERR_CBOR_TRUNCATED, 0, 0},
	{"ff", G_PEEK, OBOL_ERR_CBOR_BAD_BREAK, 0, 0},
	{"1f", G_PEEK, OBOL_ERR_CBOR_BAD_INDEF, 0, 0},
	{"f818", G_PEEK, OBOL_ERR_CBOR_BAD_SIMPLE, 0, 0},
};

static const char *getter_name(enum getter g)
{
	static const char *const names[] = {
		"get_uint64", "get_uint32", "get_int64", "get_int32",
		"get_nint_raw", "get_bool", "get_null", "get_undefined",
		"get_simple", "get_double", "get_tag", "get_bstr", "get_tstr",
		"peek"};
	return names[g];
}

/* Run one getter; *v receives the value as the table encodes it. */
static int run_getter(obol_cbor_dec *d, enum getter g, uint64_t *v,
		      const uint8_t **p)
{
	int err = OBOL_ERR_ARG;
	*p = NULL;
	switch (g) {
	case G_U64:
		return obol_cbor_get_uint64(d, v);
	case G_U32: {
		uint32_t x = 0;
		err = obol_cbor_get_uint32(d, &x);
		*v = x;
		return err;
	}
	case G_I64: {
		int64_t x = 0;
		err = obol_cbor_get_int64(d, &x);
		*v = (uint64_t)x;
		return err;
	}
	case G_I32: {
		int32_t x = 0;
		err = obol_cbor_get_int32(d, &x);
		*v = (uint64_t)(int64_t)x;
		return err;
	}
	case G_NINT:
		return obol_cbor_get_nint_raw(d, v);
	case G_BOOL: {
		int x = -1;
		err = obol_cbor_get_bool(d, &x);
		*v = (uint64_t)(int64_t)x;
		return err;
	}
	case G_NULL:
		*v = 0;
		return obol_cbor_get_null(d);
	case G_UNDEF:
		*v = 0;
		return obol_cbor_get_undefined(d);
	case G_SIMPLE: {
		uint8_t x = 0;
		err = obol_cbor_get_simple(d, &x);
		*v = x;
		return err;
	}
	case G_DOUBLE: {
		double x = 0.0;
		err = obol_cbor_get_double(d, &x);
		*v = dbits(x);
		return err;
	}
	case G_TAG:
		return obol_cbor_get_tag(d, v);
	case G_BSTR: {
		size_t n = 0;
		err = obol_cbor_get_bstr(d, p, &n);
		*v = n;
		return err;
	}
	case G_TSTR: {
		size_t n = 0;
		const char *s = NULL;
		err = obol_cbor_get_tstr(d, &s, &n);
		*p = (const uint8_t *)s;
		*v = n;
		return err;
	}
	case G_PEEK:
		*v = 0;
		return obol_cbor_peek(d);
	}
	return err;
}

static void test_getters_table(struct obol_test_ctx *t)
{
	size_t i;
	for (i = 0; i < sizeof get_cases / sizeof get_cases[0]; i++) {
		const struct get_case *c = &get_cases[i];
		uint8_t buf[BUF_MAX];
		unsigned before = t->failures;
		size_t len = unhex(t, c->hex, buf, sizeof buf);
		obol_cbor_dec d;
		uint64_t v = 0;
		const uint8_t *p;
		int err;

		CHECK_INT(t, obol_cbor_dec_init(&d, buf, len, 0), OBOL_OK);
		err = run_getter(&d, c->g, &v, &p);
		CHECK_INT(t, err, c->err);
		if (c->g == G_PEEK) {
			CHECK_INT(t, obol_cbor_offset(&d), 0); /* peek never moves */
		} else if (err == OBOL_OK) {
			CHECK_INT(t, obol_cbor_offset(&d), c->next);
			CHECK(t, v == c->v);
			if (c->g == G_BSTR || c->g == G_TSTR) {
				/* the body, in place, right before `next` */
				CHECK(t, p == buf + c->next - (size_t)c->v);
			}
			if (c->next == len)
				CHECK(t, obol_cbor_at_end(&d));
		} else {
			/* the cursor is left where it was, and still usable */
			CHECK_INT(t, obol_cbor_offset(&d), 0);
			CHECK(t, !obol_cbor_at_end(&d));
		}
		if (t->failures != before) {
			char line[120];
			line[0] = '\0';
			cat(line, sizeof line, "  ^ with ");
			cat(line, sizeof line, getter_name(c->g));
			t->out(line);
		}
		note_row(t, before, "getter", i, c->hex);
	}

	/* NaN: any NaN bits will do */
	{
		static const char *const nans[] = {"f97e00", "f97e01", "fa7fc00000",
						   "faffc00001", "fb7ff8000000000000"};
		size_t k;
		for (k = 0; k < sizeof nans / sizeof nans[0]; k++) {
			uint8_t buf[16];
			size_t len = unhex(t, nans[k], buf, sizeof buf);
			obol_cbor_dec d;
			double x = 0.0;
			CHECK_INT(t, obol_cbor_dec_init(&d, buf, len, 0), OBOL_OK);
			CHECK_INT(t, obol_cbor_get_double(&d, &x), OBOL_OK);
			CHECK(t, x != x);
			CHECK_INT(t, obol_cbor_offset(&d), len);
		}
	}
}

/* peek_head reports the head as encoded. */
static void test_peek_head(struct obol_test_ctx *t)
{
	static const struct {
		const char *hex;
		uint8_t major, ai;
		uint64_t arg;
	} heads[] = {
		{"17", 0, 23, 23},
		{"1903e8", 0, 25, 1000},
		{"3bffffffffffffffff", 1, 27, UINT64_MAX},
		{"5f4101ff", 2, 31, 0},
		{"7818616161616161616161616161616161616161616161616161", 3, 24, 24},
		{"9fff", 4, 31, 0},
		{"b90000", 5, 25, 0},     /* lenient: as written */
		{"d82000", 6, 24, 32},
		{"f5", 7, 21, 21},
		{"f8ff", 7, 24, 255},
		{"f93c00", 7, 25, 0x3c00},
		{"fa47c35000", 7, 26, 0x47c35000},
		{"fb3ff199999999999a", 7, 27, 0x3ff199999999999au},
	};
	size_t i;
	for (i = 0; i < sizeof heads / sizeof heads[0]; i++) {
		uint8_t buf[BUF_MAX];
		unsigned before = t->failures;
		size_t len = unhex(t, heads[i].hex, buf, sizeof buf);
		struct obol_cbor_head h = {99, 99, 99};
		obol_cbor_dec d;

		CHECK_INT(t, obol_cbor_dec_init(&d, buf, len, 0), OBOL_OK);
		CHECK_INT(t, obol_cbor_peek_head(&d, &h), OBOL_OK);
		CHECK_INT(t, h.major, heads[i].major);
		CHECK_INT(t, h.ai, heads[i].ai);
		CHECK(t, h.arg == heads[i].arg);
		CHECK_INT(t, obol_cbor_offset(&d), 0);
		note_row(t, before, "peek_head", i, heads[i].hex);
	}
}

/* Arrays, maps, leave with partial reading, indefinite containers and
 * chunks, END at the end of a container and of the input. */
static void test_containers(struct obol_test_ctx *t)
{
	uint8_t buf[BUF_MAX];
	obol_cbor_dec d, a, b, c;
	size_t len, n = 0;
	uint64_t v = 0;
	const uint8_t *p = NULL;

	/* [1, [2, 3], {4: 5}, 6]: read partly at each level */
	len = unhex(t, "8401820203a1040506", buf, sizeof buf);
	CHECK_INT(t, obol_cbor_dec_init(&d, buf, len, D), OBOL_OK);
	CHECK(t, !obol_cbor_at_end(&d));
	CHECK_INT(t, obol_cbor_enter_map(&d, &a, &n), OBOL_ERR_CBOR_TYPE);
	CHECK_INT(t, obol_cbor_offset(&d), 0);
	n = 0;
	CHECK_INT(t, obol_cbor_enter_array(&d, &a, &n), OBOL_OK);
	CHECK_INT(t, n, 4);
	CHECK_INT(t, obol_cbor_offset(&d), 0);      /* parent waits for leave */
	CHECK_INT(t, obol_cbor_offset(&a), 1);
	CHECK_INT(t, obol_cbor_get_uint64(&a, &v), OBOL_OK);
	CHECK(t, v == 1);
	CHECK_INT(t, obol_cbor_enter_array(&a, &b, &n), OBOL_OK);
	CHECK_INT(t, n, 2);
	CHECK_INT(t, obol_cbor_get_uint64(&b, &v), OBOL_OK);
	CHECK(t, v == 2);
	CHECK(t, !obol_cbor_at_end(&b));
	CHECK_INT(t, obol_cbor_leave(&a, &b), OBOL_OK); /* skips the 3 */
	CHECK_INT(t, obol_cbor_offset(&a), 5);
	CHECK_INT(t, obol_cbor_enter_array(&a, &b, &n), OBOL_ERR_CBOR_TYPE);
	CHECK_INT(t, obol_cbor_enter_map(&a, &b, &n), OBOL_OK);
	CHECK_INT(t, n, 1);                              /* pairs */
	CHECK_INT(t, obol_cbor_get_uint64(&b, &v), OBOL_OK);
	CHECK(t, v == 4);
	CHECK_INT(t, obol_cbor_get_uint64(&b, &v), OBOL_OK);
	CHECK(t, v == 5);
	CHECK(t, obol_cbor_at_end(&b));
	CHECK_INT(t, obol_cbor_peek(&b), OBOL_ERR_CBOR_END);
	CHECK_INT(t, obol_cbor_get_uint64(&b, &v), OBOL_ERR_CBOR_END);
	CHECK_INT(t, obol_cbor_skip(&b), OBOL_ERR_CBOR_END);
	CHECK_INT(t, obol_cbor_offset(&b), 8);
	CHECK_INT(t, obol_cbor_leave(&a, &b), OBOL_OK);
	CHECK_INT(t, obol_cbor_get_uint64(&a, &v), OBOL_OK);
	CHECK(t, v == 6);
	CHECK(t, obol_cbor_at_end(&a));
	CHECK_INT(t, obol_cbor_get_uint64(&a, &v), OBOL_ERR_CBOR_END);
	CHECK_INT(t, obol_cbor_leave(&d, &a), OBOL_OK);
	CHECK_INT(t, obol_cbor_offset(&d), len);
	CHECK(t, obol_cbor_at_end(&d));
	CHECK_INT(t, obol_cbor_peek(&d), OBOL_ERR_CBOR_END);
	CHECK_INT(t, obol_cbor_get_uint64(&d, &v), OBOL_ERR_CBOR_END);
	CHECK_INT(t, obol_cbor_enter_array(&d, &a, &n), OBOL_ERR_CBOR_END);

	/* leave right away: the whole container is skipped; n may be NULL */
	CHECK_INT(t, obol_cbor_dec_init(&d, buf, len, S), OBOL_OK);
	CHECK_INT(t, obol_cbor_enter_array(&d, &a, NULL), OBOL_OK);
	CHECK_INT(t, obol_cbor_leave(&d, &a), OBOL_OK);
	CHECK_INT(t, obol_cbor_offset(&d), len);

	/* empty containers */
	len = unhex(t, "82a080", buf, sizeof buf);
	CHECK_INT(t, obol_cbor_dec_init(&d, buf, len, D), OBOL_OK);
	CHECK_INT(t, obol_cbor_enter_array(&d, &a, &n), OBOL_OK);
	CHECK_INT(t, obol_cbor_enter_map(&a, &b, &n), OBOL_OK);
	CHECK_INT(t, n, 0);
	CHECK(t, obol_cbor_at_end(&b));
	CHECK_INT(t, obol_cbor_leave(&a, &b), OBOL_OK);
	CHECK_INT(t, obol_cbor_enter_array(&a, &b, &n), OBOL_OK);
	CHECK_INT(t, n, 0);
	CHECK_INT(t, obol_cbor_get_uint64(&b, &v), OBOL_ERR_CBOR_END);
	CHECK_INT(t, obol_cbor_leave(&a, &b), OBOL_OK);
	CHECK(t, obol_cbor_at_end(&a));
	CHECK_INT(t, obol_cbor_leave(&d, &a), OBOL_OK);
	CHECK(t, obol_cbor_at_end(&d));

	/* indefinite array and map (lenient): n is SIZE_MAX, END at the break */
	len = unhex(t, "829f0102ffbf0103ff", buf, sizeof buf);
	CHECK_INT(t, obol_cbor_dec_init(&d, buf, len, 0), OBOL_OK);
	CHECK_INT(t, obol_cbor_enter_array(&d, &a, &n), OBOL_OK);
	CHECK_INT(t, obol_cbor_enter_array(&a, &b, &n), OBOL_OK);
	CHECK(t, n == SIZE_MAX);
	CHECK_INT(t, obol_cbor_get_uint64(&b, &v), OBOL_OK);
	CHECK_INT(t, obol_cbor_get_uint64(&b, &v), OBOL_OK);
	CHECK(t, v == 2);
	CHECK(t, obol_cbor_at_end(&b));
	CHECK_INT(t, obol_cbor_get_uint64(&b, &v), OBOL_ERR_CBOR_END);
	CHECK_INT(t, obol_cbor_leave(&a, &b), OBOL_OK);
	CHECK_INT(t, obol_cbor_offset(&a), 5);           /* past the break */
	CHECK_INT(t, obol_cbor_enter_map(&a, &b, &n), OBOL_OK);
	CHECK(t, n == SIZE_MAX);
	CHECK_INT(t, obol_cbor_leave(&a, &b), OBOL_OK); /* unread: skipped */
	CHECK_INT(t, obol_cbor_offset(&a), len);
	CHECK(t, obol_cbor_at_end(&a));
	CHECK_INT(t, obol_cbor_leave(&d, &a), OBOL_OK);
	CHECK(t, obol_cbor_at_end(&d));

	/* chunks of an indefinite byte string: each in place */
	len = unhex(t, "5f410142020340ff", buf, sizeof buf);
	CHECK_INT(t, obol_cbor_dec_init(&d, buf, len, 0), OBOL_OK);
	CHECK_INT(t, obol_cbor_get_bstr(&d, &p, &n), OBOL_ERR_CBOR_INDEFINITE);
	CHECK_INT(t, obol_cbor_offset(&d), 0);
	CHECK_INT(t, obol_cbor_enter_array(&d, &a, &n), OBOL_ERR_CBOR_TYPE);
	CHECK_INT(t, obol_cbor_enter_chunks(&d, &a), OBOL_OK);
	CHECK_INT(t, obol_cbor_get_bstr(&a, &p, &n), OBOL_OK);
	CHECK(t, p == buf + 2 && n == 1);
	{
		const char *s = NULL;
		CHECK_INT(t, obol_cbor_get_tstr(&a, &s, &n), OBOL_ERR_CBOR_TYPE);
	}
	CHECK_INT(t, obol_cbor_get_bstr(&a, &p, &n), OBOL_OK);
	CHECK(t, p == buf + 4 && n == 2);
	CHECK_INT(t, obol_cbor_get_bstr(&a, &p, &n), OBOL_OK);
	CHECK_INT(t, n, 0);
	CHECK(t, obol_cbor_at_end(&a));
	CHECK_INT(t, obol_cbor_get_bstr(&a, &p, &n), OBOL_ERR_CBOR_END);
	CHECK_INT(t, obol_cbor_leave(&d, &a), OBOL_OK);
	CHECK_INT(t, obol_cbor_offset(&d), len);

	/* chunks of an indefinite text string, left half read */
	len = unhex(t, "7f6161626263ff", buf, sizeof buf);
	CHECK_INT(t, obol_cbor_dec_init(&d, buf, len, 0), OBOL_OK);
	CHECK_INT(t, obol_cbor_enter_chunks(&d, &a), OBOL_OK);
	{
		const char *s = NULL;
		CHECK_INT(t, obol_cbor_get_tstr(&a, &s, &n), OBOL_OK);
		CHECK(t, s == (const char *)buf + 2 && n == 1);
	}
	CHECK_INT(t, obol_cbor_leave(&d, &a), OBOL_OK);
	CHECK_INT(t, obol_cbor_offset(&d), len);

	/* enter_chunks refuses anything but an indefinite string */
	len = unhex(t, "4101", buf, sizeof buf);
	CHECK_INT(t, obol_cbor_dec_init(&d, buf, len, 0), OBOL_OK);
	CHECK_INT(t, obol_cbor_enter_chunks(&d, &a), OBOL_ERR_CBOR_TYPE);
	CHECK_INT(t, obol_cbor_offset(&d), 0);
	len = unhex(t, "9fff", buf, sizeof buf);
	CHECK_INT(t, obol_cbor_dec_init(&d, buf, len, 0), OBOL_OK);
	CHECK_INT(t, obol_cbor_enter_chunks(&d, &a), OBOL_ERR_CBOR_TYPE);

	/* tag then content */
	len = unhex(t, "d8184401020304", buf, sizeof buf);
	CHECK_INT(t, obol_cbor_dec_init(&d, buf, len, D), OBOL_OK);
	CHECK_INT(t, obol_cbor_get_tag(&d, &v), OBOL_OK);
	CHECK(t, v == 24);
	CHECK(t, !obol_cbor_at_end(&d));
	CHECK_INT(t, obol_cbor_get_bstr(&d, &p, &n), OBOL_OK);
	CHECK(t, p == buf + 3 && n == 4);
	CHECK(t, obol_cbor_at_end(&d));

	/* copies are independent cursors */
	len = unhex(t, "83010203", buf, sizeof buf);
	CHECK_INT(t, obol_cbor_dec_init(&d, buf, len, D), OBOL_OK);
	CHECK_INT(t, obol_cbor_enter_array(&d, &a, NULL), OBOL_OK);
	b = a;
	CHECK_INT(t, obol_cbor_get_uint64(&b, &v), OBOL_OK);
	CHECK_INT(t, obol_cbor_get_uint64(&b, &v), OBOL_OK);
	CHECK(t, v == 2);
	CHECK_INT(t, obol_cbor_offset(&a), 1);           /* original untouched */
	CHECK_INT(t, obol_cbor_get_uint64(&a, &v), OBOL_OK);
	CHECK(t, v == 1);
	c = b;                                           /* save, read, restore */
	CHECK_INT(t, obol_cbor_get_uint64(&b, &v), OBOL_OK);
	CHECK(t, v == 3 && obol_cbor_at_end(&b));
	b = c;
	CHECK(t, !obol_cbor_at_end(&b));
	CHECK_INT(t, obol_cbor_get_uint64(&b, &v), OBOL_OK);
	CHECK(t, v == 3);
	CHECK_INT(t, obol_cbor_leave(&d, &b), OBOL_OK);  /* leave with a copy */
	CHECK(t, obol_cbor_at_end(&d));

	/* get_raw on a nested map, then go on */
	len = unhex(t, "82a20182020304056161", buf, sizeof buf); /* [{1: [2, 3], 4: 5}, "a"] */
	CHECK_INT(t, obol_cbor_dec_init(&d, buf, len, D), OBOL_OK);
	CHECK_INT(t, obol_cbor_enter_array(&d, &a, &n), OBOL_OK);
	CHECK_INT(t, obol_cbor_get_raw(&a, &p, &n), OBOL_OK);
	CHECK(t, p == buf + 1);
	CHECK_INT(t, n, 7);                              /* a2 01 820203 04 05 */
	CHECK_INT(t, obol_cbor_offset(&a), 8);
	{
		const char *s = NULL;
		CHECK_INT(t, obol_cbor_get_tstr(&a, &s, &n), OBOL_OK);
		CHECK(t, s != NULL && n == 1 && s[0] == 'a');
	}
	CHECK(t, obol_cbor_at_end(&a));
	/* the bytes get_raw gave are a valid item of their own */
	CHECK_INT(t, obol_cbor_validate(buf + 1, 7, D, NULL), OBOL_OK);
}

/* The lenient cursor checks well-formedness item by item: a malformed
 * member shows up as an error where it is read, never as a quiet END, and
 * leave() does not step over it. */
static void test_lenient_reads(struct obol_test_ctx *t)
{
	uint8_t buf[BUF_MAX];
	obol_cbor_dec d, a, b;
	size_t len, n = 0;
	uint64_t v = 0;
	const uint8_t *p = NULL;

	/* {_ 1: <break>}: the value is missing (MAP_ODD) */
	len = unhex(t, "bf01ff", buf, sizeof buf);
	CHECK_INT(t, obol_cbor_dec_init(&d, buf, len, 0), OBOL_OK);
	CHECK_INT(t, obol_cbor_enter_map(&d, &a, &n), OBOL_OK);
	CHECK_INT(t, obol_cbor_get_uint64(&a, &v), OBOL_OK);
	b = a;
	CHECK_INT(t, obol_cbor_get_uint64(&b, &v), OBOL_ERR_CBOR_MAP_ODD);
	CHECK_INT(t, obol_cbor_offset(&b), 2);
	CHECK_INT(t, obol_cbor_leave(&d, &a), OBOL_ERR_CBOR_MAP_ODD);
	CHECK_INT(t, obol_cbor_offset(&d), 0);

	/* [_ 0(<break>)]: a tag whose content is the break */
	len = unhex(t, "9fc0ff", buf, sizeof buf);
	CHECK_INT(t, obol_cbor_dec_init(&d, buf, len, 0), OBOL_OK);
	CHECK_INT(t, obol_cbor_enter_array(&d, &a, &n), OBOL_OK);
	/* get_tag looks at the content's first byte: the break is refused
	 * there, and the cursor stays on the tag. */
	CHECK_INT(t, obol_cbor_get_tag(&a, &v), OBOL_ERR_CBOR_BAD_BREAK);
	CHECK_INT(t, obol_cbor_offset(&a), 1);
	CHECK_INT(t, obol_cbor_leave(&d, &a), OBOL_ERR_CBOR_BAD_BREAK);

	/* [_ 1: no break */
	len = unhex(t, "9f01", buf, sizeof buf);
	CHECK_INT(t, obol_cbor_dec_init(&d, buf, len, 0), OBOL_OK);
	CHECK_INT(t, obol_cbor_enter_array(&d, &a, &n), OBOL_OK);
	CHECK_INT(t, obol_cbor_get_uint64(&a, &v), OBOL_OK);
	CHECK_INT(t, obol_cbor_get_uint64(&a, &v), OBOL_ERR_CBOR_TRUNCATED);
	CHECK_INT(t, obol_cbor_leave(&d, &a), OBOL_ERR_CBOR_TRUNCATED);

	/* [1, <break>] */
	len = unhex(t, "8201ff", buf, sizeof buf);
	CHECK_INT(t, obol_cbor_dec_init(&d, buf, len, 0), OBOL_OK);
	CHECK_INT(t, obol_cbor_enter_array(&d, &a, &n), OBOL_OK);
	CHECK_INT(t, obol_cbor_get_uint64(&a, &v), OBOL_OK);
	CHECK_INT(t, obol_cbor_get_uint64(&a, &v), OBOL_ERR_CBOR_BAD_BREAK);
	CHECK_INT(t, obol_cbor_offset(&a), 2);

	/* (_ "a"): a text chunk in a byte string */
	len = unhex(t, "5f6161ff", buf, sizeof buf);
	CHECK_INT(t, obol_cbor_dec_init(&d, buf, len, 0), OBOL_OK);
	CHECK_INT(t, obol_cbor_enter_chunks(&d, &a), OBOL_OK);
	CHECK_INT(t, obol_cbor_get_bstr(&a, &p, &n), OBOL_ERR_CBOR_BAD_CHUNK);
	CHECK_INT(t, obol_cbor_offset(&a), 1);
	CHECK_INT(t, obol_cbor_leave(&d, &a), OBOL_ERR_CBOR_BAD_CHUNK);

	/* (_ h'01': no break */
	len = unhex(t, "5f4101", buf, sizeof buf);
	CHECK_INT(t, obol_cbor_dec_init(&d, buf, len, 0), OBOL_OK);
	CHECK_INT(t, obol_cbor_enter_chunks(&d, &a), OBOL_OK);
	CHECK_INT(t, obol_cbor_get_bstr(&a, &p, &n), OBOL_OK);
	CHECK_INT(t, obol_cbor_get_bstr(&a, &p, &n), OBOL_ERR_CBOR_TRUNCATED);

	/* 2-byte simple values below 32, and reserved heads, as members */
	len = unhex(t, "83f818f4fc", buf, sizeof buf);
	CHECK_INT(t, obol_cbor_dec_init(&d, buf, len, 0), OBOL_OK);
	CHECK_INT(t, obol_cbor_enter_array(&d, &a, &n), OBOL_OK);
	CHECK_INT(t, obol_cbor_peek(&a), OBOL_ERR_CBOR_BAD_SIMPLE);
	CHECK_INT(t, obol_cbor_skip(&a), OBOL_ERR_CBOR_BAD_SIMPLE);
	CHECK_INT(t, obol_cbor_offset(&a), 1);
}

/* Tags count as a nesting level (config.h), for the cursor as for the
 * validator: entering an array inside OBOL_CBOR_MAX_DEPTH tags goes one
 * level too deep. */
static void test_tag_depth(struct obol_test_ctx *t)
{
	uint8_t buf[OBOL_CBOR_MAX_DEPTH + 4];
	obol_cbor_dec d, a;
	size_t len = 0, off = 0xdead;
	uint64_t v;
	unsigned k;

	for (k = 0; k < OBOL_CBOR_MAX_DEPTH; k++)
		buf[len++] = 0xc6;                  /* 6(6(...( */
	buf[len++] = 0x81;                      /* [0] */
	buf[len++] = 0x00;
	CHECK_INT(t, obol_cbor_validate(buf, len, 0, &off), OBOL_ERR_CBOR_TOO_DEEP);
	CHECK_INT(t, off, OBOL_CBOR_MAX_DEPTH);
	CHECK_INT(t, obol_cbor_dec_init(&d, buf, len, 0), OBOL_OK);
	for (k = 0; k < OBOL_CBOR_MAX_DEPTH; k++)
		CHECK_INT(t, obol_cbor_get_tag(&d, &v), OBOL_OK);
	CHECK_INT(t, obol_cbor_enter_array(&d, &a, NULL), OBOL_ERR_CBOR_TOO_DEEP);
	CHECK_INT(t, obol_cbor_skip(&d), OBOL_ERR_CBOR_TOO_DEEP);
}

/* Sequences (RFC 8742): several items, and none. */
static void test_sequences(struct obol_test_ctx *t)
{
	uint8_t buf[BUF_MAX];
	obol_cbor_dec d;
	size_t len, off = 0;
	uint64_t v;
	int k;

	len = unhex(t, "00181881010f", buf, sizeof buf); /* 0, 24, [1], 15 */
	CHECK_INT(t, obol_cbor_dec_init(&d, buf, len, S | Q), OBOL_OK);
	CHECK_INT(t, obol_cbor_get_uint64(&d, &v), OBOL_OK);
	CHECK(t, v == 0);
	CHECK(t, !obol_cbor_at_end(&d));
	CHECK_INT(t, obol_cbor_get_uint64(&d, &v), OBOL_OK);
	CHECK(t, v == 24);
	CHECK_INT(t, obol_cbor_peek(&d), OBOL_CBOR_ARRAY);
	CHECK_INT(t, obol_cbor_skip(&d), OBOL_OK);
	CHECK_INT(t, obol_cbor_get_uint64(&d, &v), OBOL_OK);
	CHECK(t, v == 15);
	CHECK(t, obol_cbor_at_end(&d));
	CHECK_INT(t, obol_cbor_peek(&d), OBOL_ERR_CBOR_END);
	CHECK_INT(t, obol_cbor_get_uint64(&d, &v), OBOL_ERR_CBOR_END);

	/* without SEQUENCE the same bytes are one item plus trailing bytes */
	CHECK_INT(t, obol_cbor_dec_init(&d, buf, len, S), OBOL_ERR_CBOR_TRAILING);
	CHECK_INT(t, obol_cbor_offset(&d), 1);
	CHECK_INT(t, obol_cbor_validate(buf, len, 0, &off), OBOL_ERR_CBOR_TRAILING);
	CHECK_INT(t, off, 1);

	/* zero items */
	for (k = 0; k < 2; k++) {
		unsigned f = k ? Q : S | Q;
		CHECK_INT(t, obol_cbor_dec_init(&d, buf, 0, f), OBOL_OK);
		CHECK(t, obol_cbor_at_end(&d));
		CHECK_INT(t, obol_cbor_peek(&d), OBOL_ERR_CBOR_END);
		CHECK_INT(t, obol_cbor_get_uint64(&d, &v), OBOL_ERR_CBOR_END);
		CHECK_INT(t, obol_cbor_skip(&d), OBOL_ERR_CBOR_END);
		CHECK_INT(t, obol_cbor_offset(&d), 0);
	}
}

/* ---- 3. encoder ----------------------------------------------------------- */

enum put { P_UINT, P_INT, P_NINT, P_TAG, P_ARRAY0, P_MAP0, P_SIMPLE };

static const struct int_case {
	enum put op;
	uint64_t v;      /* P_INT: the int64_t value as two's complement */
	const char *hex;
} int_cases[] = {
	{P_UINT, 0, "00"},
	{P_UINT, 23, "17"},
	{P_UINT, 24, "1818"},
	{P_UINT, 255, "18ff"},
	{P_UINT, 256, "190100"},
	{P_UINT, 65535, "19ffff"},
	{P_UINT, 65536, "1a00010000"},
	{P_UINT, 4294967295u, "1affffffff"},
	{P_UINT, 4294967296u, "1b0000000100000000"},
	{P_UINT, UINT64_MAX, "1bffffffffffffffff"},
	{P_INT, 0, "00"},
	{P_INT, 23, "17"},
	{P_INT, 24, "1818"},
	{P_INT, I(INT64_MAX), "1b7fffffffffffffff"},
	{P_INT, I(-1), "20"},
	{P_INT, I(-24), "37"},
	{P_INT, I(-25), "3818"},
	{P_INT, I(-256), "38ff"},
	{P_INT, I(-257), "390100"},
	{P_INT, I(-65536), "39ffff"},
	{P_INT, I(-65537), "3a00010000"},
	{P_INT, I(-4294967296), "3affffffff"},
	{P_INT, I(-4294967297), "3b0000000100000000"},
	{P_INT, I(INT64_MIN), "3b7fffffffffffffff"},
	{P_NINT, 0, "20"},                    /* -1 */
	{P_NINT, 23, "37"},                   /* -24 */
	{P_NINT, 24, "3818"},                 /* -25 */
	{P_NINT, UINT64_MAX, "3bffffffffffffffff"}, /* -2^64 */
	{P_TAG, 0, "c0"},                     /* tag heads; content 00 appended */
	{P_TAG, 23, "d7"},
	{P_TAG, 24, "d818"},
	{P_TAG, 65536, "da00010000"},
	{P_TAG, UINT64_MAX, "dbffffffffffffffff"},
	{P_ARRAY0, 23, "97"},                 /* container heads with n members */
	{P_ARRAY0, 24, "9818"},
	{P_ARRAY0, 256, "990100"},
	{P_MAP0, 23, "b7"},
	{P_MAP0, 24, "b818"},
	{P_SIMPLE, 0, "e0"},
	{P_SIMPLE, 19, "f3"},
	{P_SIMPLE, 20, "f4"},
	{P_SIMPLE, 23, "f7"},
	{P_SIMPLE, 32, "f820"},
	{P_SIMPLE, 255, "f8ff"},
};

/* Heads with their members: a tag gets 00, containers n (pairs) x 00. */
static void test_put_ints(struct obol_test_ctx *t)
{
	size_t i;
	for (i = 0; i < sizeof int_cases / sizeof int_cases[0]; i++) {
		const struct int_case *c = &int_cases[i];
		uint8_t out[600], want[BUF_MAX];
		unsigned before = t->failures;
		size_t want_len = unhex(t, c->hex, want, sizeof want), len = 0, k, extra = 0;
		obol_cbor_enc e;

		obol_cbor_enc_init(&e, out, sizeof out);
		switch (c->op) {
		case P_UINT:
			obol_cbor_put_uint(&e, c->v);
			break;
		case P_INT:
			obol_cbor_put_int(&e, (int64_t)c->v);
			break;
		case P_NINT:
			obol_cbor_put_nint_raw(&e, c->v);
			break;
		case P_TAG:
			obol_cbor_put_tag(&e, c->v);
			extra = 1;
			break;
		case P_ARRAY0:
			obol_cbor_put_array(&e, (size_t)c->v);
			extra = (size_t)c->v;
			break;
		case P_MAP0:
			obol_cbor_put_map(&e, (size_t)c->v);
			extra = 2 * (size_t)c->v;
			break;
		case P_SIMPLE:
			obol_cbor_put_simple(&e, (uint8_t)c->v);
			break;
		}
		for (k = 0; k < extra; k++)
			obol_cbor_put_uint(&e, 0);
		CHECK_INT(t, obol_cbor_enc_finish(&e, &len), OBOL_OK);
		CHECK_INT(t, len, want_len + extra);
		CHECK_MEM(t, out, want_len, want, want_len);
		for (k = 0; k < extra && want_len + k < sizeof out; k++)
			CHECK_INT(t, out[want_len + k], 0);
		note_row(t, before, "put", i, c->hex);
	}
}

static const struct float_case {
	uint64_t bits;   /* the double given to put_double */
	const char *hex; /* its shortest exact encoding */
} float_cases[] = {
	{0x0000000000000000u, "f90000"},             /* 0.0 */
	{0x8000000000000000u, "f98000"},             /* -0.0 */
	{0x3ff0000000000000u, "f93c00"},             /* 1.0 */
	{0x3ff8000000000000u, "f93e00"},             /* 1.5 */
	{0xc000000000000000u, "f9c000"},             /* -2.0 */
	{0x3fe0000000000000u, "f93800"},             /* 0.5 */
	{0x3ff0040000000000u, "f93c01"},             /* 1 + 2^-10: half's last bit */
	{0x3ff0020000000000u, "fa3f801000"},         /* 1 + 2^-11: too fine for half */
	{0x40effc0000000000u, "f97bff"},             /* 65504.0, half max */
	{0x40effe0000000000u, "fa477ff000"},         /* 65520.0 rounds to inf in half */
	{0x40f0000000000000u, "fa47800000"},         /* 65536.0 */
	{0x40f86a0000000000u, "fa47c35000"},         /* 100000.0 */
	{0x4160020000000000u, "fa4b001000"},         /* 2^23 + 2^12: exact in single only */
	{0x3ff199999999999au, "fb3ff199999999999a"}, /* 1.1 */
	{0x3fb999999999999au, "fb3fb999999999999a"}, /* 0.1 */
	{0x3ff0000000000001u, "fb3ff0000000000001"}, /* 1 + 2^-52 */
	{0x3ff0000020000000u, "fa3f800001"},         /* 1 + 2^-23 */
	{0x7e37e43c8800759cu, "fb7e37e43c8800759c"}, /* 1.0e+300 */
	{0x47efffffe0000000u, "fa7f7fffff"},         /* FLT_MAX */
	{0x47f0000000000000u, "fb47f0000000000000"}, /* 2^128: beyond single */
	{0x3e70000000000000u, "f90001"},             /* 2^-24: half subnormal */
	{0x3e88000000000000u, "f90003"},             /* 3 * 2^-24 */
	{0x3f00000000000000u, "f90200"},             /* 2^-15 */
	{0x3f0ff80000000000u, "f903ff"},             /* largest half subnormal */
	{0x3f10000000000000u, "f90400"},             /* 2^-14: smallest normal */
	{0xbe70000000000000u, "f98001"},             /* -2^-24 */
	{0x3e60000000000000u, "fa33000000"},         /* 2^-25: below half */
	{0x3e78000000000000u, "fa33c00000"},         /* 1.5 * 2^-24: between halves */
	{0x3810000000000000u, "fa00800000"},         /* 2^-126: single min normal */
	{0x3800000000000000u, "fa00400000"},         /* 2^-127: single subnormal */
	{0x36a0000000000000u, "fa00000001"},         /* 2^-149 */
	{0x3690000000000000u, "fb3690000000000000"}, /* 2^-150: below single */
	{0x0000000000000001u, "fb0000000000000001"}, /* 2^-1074 */
	{0x7fefffffffffffffu, "fb7fefffffffffffff"}, /* DBL_MAX */
	{0x41d452d9ec200000u, "fb41d452d9ec200000"}, /* 1363896240.5 */
	{0x7ff0000000000000u, "f97c00"},             /* Infinity */
	{0xfff0000000000000u, "f9fc00"},             /* -Infinity */
	{0x7ff8000000000000u, "f97e00"},             /* NaN */
	{0xfff8000000000000u, "f97e00"},             /* -NaN: every NaN is f97e00 */
	{0x7ff0000000000001u, "f97e00"},             /* signalling NaN, payload 1 */
	{0x7ff4000000000000u, "f97e00"},             /* NaN with a payload */
};

static void test_put_double(struct obol_test_ctx *t)
{
	size_t i;
	for (i = 0; i < sizeof float_cases / sizeof float_cases[0]; i++) {
		uint8_t out[16];
		unsigned before = t->failures;
		obol_cbor_enc e;
		obol_cbor_dec d;
		double back = 0.0;
		size_t len = 0;

		obol_cbor_enc_init(&e, out, sizeof out);
		obol_cbor_put_double(&e, bitsd(float_cases[i].bits));
		check_out(t, &e, out, float_cases[i].hex);
		/* and back: the same value (any NaN for a NaN) */
		CHECK_INT(t, obol_cbor_enc_finish(&e, &len), OBOL_OK);
		CHECK_INT(t, obol_cbor_dec_init(&d, out, len, D), OBOL_OK);
		CHECK_INT(t, obol_cbor_get_double(&d, &back), OBOL_OK);
		if ((float_cases[i].bits & 0x7fffffffffffffffu) > 0x7ff0000000000000u)
			CHECK(t, back != back);
		else
			CHECK(t, dbits(back) == float_cases[i].bits);
		note_row(t, before, "put_double", i, float_cases[i].hex);
	}
}

static void test_put_misc(struct obol_test_ctx *t)
{
	uint8_t out[64];
	static const uint8_t bytes[24] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11,
					  12, 13, 14, 15, 16, 17, 18, 19, 20,
					  21, 22, 23};
	obol_cbor_enc e;
	size_t len = 0;
	int v;

	/* strings and their length boundaries */
	obol_cbor_enc_init(&e, out, sizeof out);
	obol_cbor_put_bstr(&e, bytes, 0);
	check_out(t, &e, out, "40");
	obol_cbor_enc_init(&e, out, sizeof out);
	obol_cbor_put_bstr(&e, NULL, 0); /* nothing to read: NULL is fine */
	check_out(t, &e, out, "40");
	obol_cbor_enc_init(&e, out, sizeof out);
	obol_cbor_put_bstr(&e, bytes, 23);
	check_out(t, &e, out, "57000102030405060708090a0b0c0d0e0f10111213141516");
	obol_cbor_enc_init(&e, out, sizeof out);
	obol_cbor_put_bstr(&e, bytes, 24);
	check_out(t, &e, out, "5818000102030405060708090a0b0c0d0e0f1011121314151617");
	obol_cbor_enc_init(&e, out, sizeof out);
	obol_cbor_put_tstr(&e, "", 0);
	check_out(t, &e, out, "60");
	obol_cbor_enc_init(&e, out, sizeof out);
	obol_cbor_put_tstr(&e, "IETFxx", 4);
	check_out(t, &e, out, "6449455446");
	obol_cbor_enc_init(&e, out, sizeof out);
	obol_cbor_put_text(&e, "\xc3\xbc");
	check_out(t, &e, out, "62c3bc");
	obol_cbor_enc_init(&e, out, sizeof out);
	obol_cbor_put_text(&e, "aaaaaaaaaaaaaaaaaaaaaaaa"); /* 24 */
	check_out(t, &e, out, "7818616161616161616161616161616161616161616161616161");
	obol_cbor_enc_init(&e, out, sizeof out);
	obol_cbor_put_text(&e, "");
	check_out(t, &e, out, "60");

	/* simple values */
	obol_cbor_enc_init(&e, out, sizeof out);
	obol_cbor_put_array(&e, 5);
	obol_cbor_put_bool(&e, 0);
	obol_cbor_put_bool(&e, 1);
	obol_cbor_put_bool(&e, 7); /* any non-zero int is true */
	obol_cbor_put_null(&e);
	obol_cbor_put_undefined(&e);
	check_out(t, &e, out, "85f4f5f5f6f7");

	/* simple(24..31) do not exist: ARG, and nothing usable is produced */
	for (v = 24; v < 32; v++) {
		obol_cbor_enc_init(&e, out, sizeof out);
		obol_cbor_put_simple(&e, (uint8_t)v);
		CHECK_INT(t, obol_cbor_enc_finish(&e, &len), OBOL_ERR_ARG);
	}

	/* put_raw: one item as is, counting as one member */
	{
		static const uint8_t raw[] = {0xa1, 0x01, 0x82, 0x02, 0x03};
		obol_cbor_enc_init(&e, out, sizeof out);
		obol_cbor_put_array(&e, 2);
		obol_cbor_put_raw(&e, raw, sizeof raw);
		obol_cbor_put_uint(&e, 4);
		check_out(t, &e, out, "82a101820203" "04");
	}

	/* a realistic nesting: tag, map, array, negative keys */
	obol_cbor_enc_init(&e, out, sizeof out);
	obol_cbor_put_tag(&e, 61);
	obol_cbor_put_map(&e, 2);
	obol_cbor_put_uint(&e, 1);
	obol_cbor_put_array(&e, 2);
	obol_cbor_put_int(&e, -7);
	obol_cbor_put_double(&e, 1.5);
	obol_cbor_put_int(&e, -1);
	obol_cbor_put_text(&e, "x");
	check_out(t, &e, out, "d83da20182" "26" "f93e00" "20" "6178");
}

/* NULL measuring, exact and short buffers, no write past cap, stickiness. */
static void test_enc_space(struct obol_test_ctx *t)
{
	static const uint8_t key[16] = {0x84, 0x9b, 0x57, 0x86, 0x45, 0x7c,
					0x14, 0x91, 0xbe, 0x3a, 0x76, 0xdc,
					0xea, 0x6c, 0x42, 0x71};
	/* {1: 4, 2: h'..16..', -1: "sensor", 24: [1.5, null]}: keys bytewise */
	static const char want_hex[] =
		"a4" "0104" "0250849b5786457c1491be3a76dcea6c4271"
		"1818" "82f93e00f6" "2066" "73656e736f72";
	uint8_t want[64], out[64 + 8];
	size_t want_len = unhex(t, want_hex, want, sizeof want);
	size_t need = 0, len = 0, cap, k;
	obol_cbor_enc e;

	/* the item, written by this function into (buf, cap) */
#define WRITE_ITEM(enc)                                          \
	do {                                                     \
		obol_cbor_put_map((enc), 4);                     \
		obol_cbor_put_uint((enc), 1);                    \
		obol_cbor_put_uint((enc), 4);                    \
		obol_cbor_put_uint((enc), 2);                    \
		obol_cbor_put_bstr((enc), key, sizeof key);      \
		obol_cbor_put_uint((enc), 24);                   \
		obol_cbor_put_array((enc), 2);                   \
		obol_cbor_put_double((enc), 1.5);                \
		obol_cbor_put_null((enc));                       \
		obol_cbor_put_int((enc), -1);                    \
		obol_cbor_put_text((enc), "sensor");             \
	} while (0)

	/* measuring with NULL */
	obol_cbor_enc_init(&e, NULL, 0);
	WRITE_ITEM(&e);
	CHECK_INT(t, obol_cbor_enc_finish(&e, &need), OBOL_ERR_NO_SPACE);
	CHECK_INT(t, need, want_len);
	CHECK_INT(t, obol_cbor_enc_finish(&e, NULL), OBOL_ERR_NO_SPACE);

	/* a buffer of exactly that size */
	memset(out, 0xa5, sizeof out);
	obol_cbor_enc_init(&e, out, need);
	WRITE_ITEM(&e);
	CHECK_INT(t, obol_cbor_enc_finish(&e, &len), OBOL_OK);
	CHECK_INT(t, len, need);
	CHECK_MEM(t, out, len, want, want_len);
	for (k = need; k < sizeof out; k++)
		CHECK_INT(t, out[k], 0xa5);

	/* every shorter buffer: NO_SPACE, the full size, nothing past cap */
	for (cap = 0; cap < need; cap++) {
		unsigned before = t->failures;
		memset(out, 0xa5, sizeof out);
		obol_cbor_enc_init(&e, out, cap);
		WRITE_ITEM(&e);
		len = 0;
		CHECK_INT(t, obol_cbor_enc_finish(&e, &len), OBOL_ERR_NO_SPACE);
		CHECK_INT(t, len, need);
		for (k = cap; k < sizeof out; k++)
			if (out[k] != 0xa5)
				break;
		CHECK_INT(t, k, sizeof out); /* first byte changed past cap */
		if (t->failures != before) {
			char line[80];
			line[0] = '\0';
			cat(line, sizeof line, "  ^ with cap ");
			cat_num(line, sizeof line, (long long)cap);
			t->out(line);
		}
	}
#undef WRITE_ITEM

	/* sticky: once out of space, later writes do not touch the buffer,
	 * even those that would fit; the size still counts them */
	memset(out, 0xa5, sizeof out);
	obol_cbor_enc_init(&e, out, 4);
	obol_cbor_put_uint(&e, 1);                  /* 1 byte: fits */
	obol_cbor_put_bstr(&e, key, sizeof key);    /* 17 bytes: does not */
	{
		uint8_t snap[8];
		memcpy(snap, out, sizeof snap);
		CHECK_INT(t, out[0], 0x01);
		obol_cbor_put_uint(&e, 2);                /* would fit at [1..3] */
		obol_cbor_put_simple(&e, 0);
		CHECK_MEM(t, out, sizeof snap, snap, sizeof snap);
	}
	CHECK_INT(t, obol_cbor_enc_finish(&e, &len), OBOL_ERR_NO_SPACE);
	CHECK_INT(t, len, 1 + 17 + 1 + 1);

	/* sticky: the first error wins, and stops the writing */
	memset(out, 0xa5, sizeof out);
	obol_cbor_enc_init(&e, out, sizeof out);
	obol_cbor_put_array(&e, 2);
	obol_cbor_put_simple(&e, 24);               /* ARG */
	{
		uint8_t snap[8];
		memcpy(snap, out, sizeof snap);
		obol_cbor_put_uint(&e, 1);
		CHECK_MEM(t, out, sizeof snap, snap, sizeof snap);
	}
	CHECK_INT(t, obol_cbor_enc_finish(&e, &len), OBOL_ERR_ARG);
	/* ... and a later NO_SPACE does not replace it */
	obol_cbor_enc_init(&e, out, 1);
	obol_cbor_put_simple(&e, 28);
	obol_cbor_put_uint(&e, 1000);
	CHECK_INT(t, obol_cbor_enc_finish(&e, &len), OBOL_ERR_ARG);
	obol_cbor_enc_init(&e, out, 1);
	obol_cbor_put_uint(&e, 1000);
	obol_cbor_put_simple(&e, 28);
	CHECK_INT(t, obol_cbor_enc_finish(&e, &len), OBOL_ERR_NO_SPACE);

	/* containers that did not get their members */
	obol_cbor_enc_init(&e, out, sizeof out);
	obol_cbor_put_array(&e, 2);
	obol_cbor_put_uint(&e, 1);
	CHECK_INT(t, obol_cbor_enc_finish(&e, &len), OBOL_ERR_CBOR_NESTING);
	obol_cbor_enc_init(&e, out, sizeof out);
	obol_cbor_put_map(&e, 1);
	obol_cbor_put_uint(&e, 1);                  /* key without value */
	CHECK_INT(t, obol_cbor_enc_finish(&e, &len), OBOL_ERR_CBOR_NESTING);
	obol_cbor_enc_init(&e, out, sizeof out);
	obol_cbor_put_array(&e, 1);
	obol_cbor_put_array(&e, 2);                 /* inner one short */
	obol_cbor_put_uint(&e, 1);
	CHECK_INT(t, obol_cbor_enc_finish(&e, &len), OBOL_ERR_CBOR_NESTING);
	obol_cbor_enc_init(&e, out, sizeof out);
	obol_cbor_put_tag(&e, 1);                   /* tag without content */
	CHECK_INT(t, obol_cbor_enc_finish(&e, &len), OBOL_ERR_CBOR_NESTING);
	obol_cbor_enc_init(&e, out, sizeof out);
	obol_cbor_put_array(&e, 0);                 /* (control: complete) */
	CHECK_INT(t, obol_cbor_enc_finish(&e, &len), OBOL_OK);
	CHECK_INT(t, len, 1);
	obol_cbor_enc_init(&e, NULL, 0);            /* nothing written at all */
	CHECK_INT(t, obol_cbor_enc_finish(&e, &len), OBOL_OK);
	CHECK_INT(t, len, 0);
}

/* An ACE-like claims map, keys 1..40 in order, values of every kind,
 * encoded and read back by the strict, deterministic decoder. */
static const char ace_text[] = "coaps://rs.example.com/temperature/1234567890";

static void ace_value(obol_cbor_enc *e, unsigned k, const uint8_t *bytes)
{
	switch (k % 5u) {
	case 0:
		if (k == 40)
			obol_cbor_put_tag(e, 61); /* a tagged CWT-like bstr */
		obol_cbor_put_bstr(e, bytes, k);
		break;
	case 1:
		obol_cbor_put_tstr(e, ace_text, k);
		break;
	case 2: /* a COSE_Key: {1 (kty): 4, 2 (kid): h'..', -1 (k): h'..'} */
		obol_cbor_put_map(e, 3);
		obol_cbor_put_uint(e, 1);
		obol_cbor_put_uint(e, 4);
		obol_cbor_put_uint(e, 2);
		obol_cbor_put_bstr(e, bytes + k, 4);
		obol_cbor_put_int(e, -1);
		obol_cbor_put_bstr(e, bytes, 16);
		break;
	case 3:
		obol_cbor_put_int(e, k % 2u ? (int64_t)k * 1000003 : -(int64_t)k * k);
		break;
	default:
		obol_cbor_put_array(e, 4);
		obol_cbor_put_uint(e, k);
		obol_cbor_put_int(e, -(int64_t)k);
		obol_cbor_put_bool(e, 1);
		obol_cbor_put_null(e);
		break;
	}
}

static void test_ace_roundtrip(struct obol_test_ctx *t)
{
	uint8_t bytes[64], out[1024];
	obol_cbor_enc e;
	obol_cbor_dec d, m, c;
	size_t need = 0, len = 0, n, i;
	unsigned k;
	size_t off = 0xdead;

	for (i = 0; i < sizeof bytes; i++)
		bytes[i] = (uint8_t)(i * 37u + 11u);

	obol_cbor_enc_init(&e, NULL, 0);
	obol_cbor_put_map(&e, 40);
	for (k = 1; k <= 40; k++) {
		obol_cbor_put_uint(&e, k);
		ace_value(&e, k, bytes);
	}
	CHECK_INT(t, obol_cbor_enc_finish(&e, &need), OBOL_ERR_NO_SPACE);
	CHECK(t, need > 0 && need <= sizeof out);
	if (need == 0 || need > sizeof out)
		return;
	obol_cbor_enc_init(&e, out, need);
	obol_cbor_put_map(&e, 40);
	for (k = 1; k <= 40; k++) {
		obol_cbor_put_uint(&e, k);
		ace_value(&e, k, bytes);
	}
	CHECK_INT(t, obol_cbor_enc_finish(&e, &len), OBOL_OK);
	CHECK_INT(t, len, need);

	CHECK_INT(t, obol_cbor_validate(out, len, D, &off), OBOL_OK);
	CHECK_INT(t, obol_cbor_dec_init(&d, out, len, D), OBOL_OK);
	CHECK_INT(t, obol_cbor_enter_map(&d, &m, &n), OBOL_OK);
	CHECK_INT(t, n, 40);
	for (k = 1; k <= 40; k++) {
		uint64_t key = 0, u = 0;
		int64_t s = 0;
		const uint8_t *p = NULL;
		const char *str = NULL;
		unsigned before = t->failures;

		CHECK_INT(t, obol_cbor_get_uint64(&m, &key), OBOL_OK);
		CHECK(t, key == k);
		switch (k % 5u) {
		case 0:
			if (k == 40) {
				CHECK_INT(t, obol_cbor_get_tag(&m, &u), OBOL_OK);
				CHECK(t, u == 61);
			}
			n = 0;
			CHECK_INT(t, obol_cbor_get_bstr(&m, &p, &n), OBOL_OK);
			CHECK_MEM(t, p, n, bytes, k);
			break;
		case 1:
			n = 0;
			CHECK_INT(t, obol_cbor_get_tstr(&m, &str, &n), OBOL_OK);
			CHECK_INT(t, n, k);
			CHECK(t, n == k && memcmp(str, ace_text, k) == 0);
			break;
		case 2: {
			/* the raw COSE_Key equals an encoding of its own */
			uint8_t one[64];
			obol_cbor_enc e1;
			size_t one_len = 0;
			obol_cbor_dec raw = m;

			n = 0;
			CHECK_INT(t, obol_cbor_get_raw(&raw, &p, &n), OBOL_OK);
			obol_cbor_enc_init(&e1, one, sizeof one);
			ace_value(&e1, k, bytes);
			CHECK_INT(t, obol_cbor_enc_finish(&e1, &one_len), OBOL_OK);
			CHECK_MEM(t, p, n, one, one_len);

			CHECK_INT(t, obol_cbor_enter_map(&m, &c, &n), OBOL_OK);
			CHECK_INT(t, n, 3);
			CHECK_INT(t, obol_cbor_get_int64(&c, &s), OBOL_OK);
			CHECK(t, s == 1);
			{
				uint32_t kty = 0;
				CHECK_INT(t, obol_cbor_get_uint32(&c, &kty), OBOL_OK);
				CHECK(t, kty == 4);
			}
			CHECK_INT(t, obol_cbor_leave(&m, &c), OBOL_OK); /* rest skipped */
			CHECK_INT(t, obol_cbor_offset(&m), (size_t)(p - out) + one_len);
			break;
		}
		case 3:
			CHECK_INT(t, obol_cbor_get_int64(&m, &s), OBOL_OK);
			CHECK(t, s == (k % 2u ? (int64_t)k * 1000003 : -(int64_t)k * k));
			break;
		default:
			CHECK_INT(t, obol_cbor_enter_array(&m, &c, &n), OBOL_OK);
			CHECK_INT(t, n, 4);
			CHECK_INT(t, obol_cbor_get_uint64(&c, &u), OBOL_OK);
			CHECK(t, u == k);
			CHECK_INT(t, obol_cbor_get_int64(&c, &s), OBOL_OK);
			CHECK(t, s == -(int64_t)k);
			{
				int b = 0;
				CHECK_INT(t, obol_cbor_get_bool(&c, &b), OBOL_OK);
				CHECK_INT(t, b, 1);
			}
			CHECK_INT(t, obol_cbor_get_null(&c), OBOL_OK);
			CHECK(t, obol_cbor_at_end(&c));
			CHECK_INT(t, obol_cbor_leave(&m, &c), OBOL_OK);
			break;
		}
		if (t->failures != before) {
			char line[60];
			line[0] = '\0';
			cat(line, sizeof line, "  ^ at ACE map key ");
			cat_num(line, sizeof line, (long long)k);
			t->out(line);
		}
	}
	CHECK(t, obol_cbor_at_end(&m));
	CHECK_INT(t, obol_cbor_leave(&d, &m), OBOL_OK);
	CHECK(t, obol_cbor_at_end(&d));
	CHECK_INT(t, obol_cbor_offset(&d), len);

	/* the same map with one key moved out of order is refused */
	{
		obol_cbor_enc_init(&e, out, sizeof out);
		obol_cbor_put_map(&e, 3);
		obol_cbor_put_uint(&e, 1);
		obol_cbor_put_uint(&e, 0);
		obol_cbor_put_int(&e, -1);
		obol_cbor_put_uint(&e, 0);
		obol_cbor_put_uint(&e, 24); /* 1818 after 20: out of order */
		obol_cbor_put_uint(&e, 0);
		CHECK_INT(t, obol_cbor_enc_finish(&e, &len), OBOL_OK);
		CHECK_INT(t, obol_cbor_validate(out, len, D, &off), OBOL_ERR_CBOR_KEY_ORDER);
		CHECK_INT(t, off, 5);
		CHECK_INT(t, obol_cbor_validate(out, len, S, &off), OBOL_OK);
	}
}

/* ---- 4. error strings ------------------------------------------------------- */

static void test_err_str(struct obol_test_ctx *t)
{
	static const int codes[] = {
		OBOL_OK, OBOL_ERR_ARG, OBOL_ERR_NO_SPACE,
		OBOL_ERR_CBOR_TRUNCATED, OBOL_ERR_CBOR_RESERVED_AI,
		OBOL_ERR_CBOR_BAD_SIMPLE, OBOL_ERR_CBOR_BAD_INDEF,
		OBOL_ERR_CBOR_BAD_CHUNK, OBOL_ERR_CBOR_BAD_BREAK,
		OBOL_ERR_CBOR_MAP_ODD, OBOL_ERR_CBOR_TRAILING,
		OBOL_ERR_CBOR_INDEFINITE, OBOL_ERR_CBOR_NON_SHORTEST,
		OBOL_ERR_CBOR_DUP_KEY, OBOL_ERR_CBOR_BAD_UTF8,
		OBOL_ERR_CBOR_TOO_DEEP, OBOL_ERR_CBOR_KEY_ORDER,
		OBOL_ERR_CBOR_MAP_SIZE, OBOL_ERR_CBOR_TYPE, OBOL_ERR_CBOR_RANGE,
		OBOL_ERR_CBOR_END, OBOL_ERR_CBOR_NESTING};
	/* unused values (update if codes are appended there) */
	static const int unknown[] = {1, 42, -3, -15, -24, -31, -39, -47,
				      -52, -1000, INT_MAX, INT_MIN};
	const size_t ncodes = sizeof codes / sizeof codes[0];
	size_t i, j;

	for (i = 0; i < ncodes; i++) {
		const char *s = obol_err_str(codes[i]);
		unsigned before = t->failures;
		CHECK(t, s != NULL);
		if (s == NULL)
			continue;
		CHECK(t, s[0] != '\0');
		CHECK(t, strcmp(s, "unknown error") != 0);
		for (j = 0; j < i; j++) {
			const char *o = obol_err_str(codes[j]);
			CHECK(t, o == NULL || strcmp(s, o) != 0); /* all distinct */
		}
		if (t->failures != before) {
			char line[60];
			line[0] = '\0';
			cat(line, sizeof line, "  ^ obol_err_str(");
			cat_num(line, sizeof line, codes[i]);
			cat(line, sizeof line, ")");
			t->out(line);
		}
	}
	for (i = 0; i < sizeof unknown / sizeof unknown[0]; i++) {
		const char *s = obol_err_str(unknown[i]);
		CHECK(t, s != NULL && strcmp(s, "unknown error") == 0);
	}

	/* the classes of err.h */
	for (i = 0; i < ncodes; i++) {
		int c = codes[i];
		int malformed = c <= OBOL_ERR_CBOR_TRUNCATED && c >= OBOL_ERR_CBOR_TRAILING;
		int refused = c <= OBOL_ERR_CBOR_INDEFINITE && c >= OBOL_ERR_CBOR_MAP_SIZE;
		CHECK_INT(t, OBOL_ERR_IS_CBOR_MALFORMED(c), malformed);
		CHECK_INT(t, OBOL_ERR_IS_CBOR_REFUSED(c), refused);
	}
}

void test_cbor(struct obol_test_ctx *t)
{
	test_validate_table(t);
	test_depth(t);
	test_prefixes(t);
	test_bad_args(t);
	test_map_size(t);
	test_enc_fail(t);
	test_getters_table(t);
	test_peek_head(t);
	test_containers(t);
	test_lenient_reads(t);
	test_tag_depth(t);
	test_sequences(t);
	test_put_ints(t);
	test_put_double(t);
	test_put_misc(t);
	test_enc_space(t);
	test_ace_roundtrip(t);
	test_err_str(t);
}
