/*
 * A subset of CBOR extended diagnostic notation (EDN: RFC 8949 section 8,
 * draft-ietf-cbor-edn-literals) parsed into CBOR, for input that a person
 * writes: claims, COSE_Keys.
 *
 * Supported: unsigned and negative integers (decimal, or 0x hex), down to
 * -2^64 + 1; "text" with the JSON escapes; 'text' as a byte string;
 * h'hex' (whitespace allowed inside); <<item, ...>> embedded CBOR (a byte
 * string holding the encoded items); [arrays]; {maps}; tags N(item);
 * true, false, null, undefined; comments / ... / and # to the end of the
 * line. Not supported, and refused with a message: floating point,
 * indefinite lengths ([_ ...]), base64 literals, encoding indicators.
 *
 * The output is what the input spells, in definite-length, shortest-form
 * encoding; map keys keep the order they are written in (the strict
 * decoder that reads the result refuses duplicates). Nesting is bounded
 * by EDN_MAX_DEPTH, so recursion is bounded too.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#define EDN_MAX_DEPTH 32

struct ep {
	const char *prog, *what;
	const uint8_t *s;
	size_t n, i;
	size_t line, line_start;
};

static void ep_error(struct ep *p, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: %s:%zu:%zu: ", p->prog, p->what, p->line,
		p->i - p->line_start + 1);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static int peek(const struct ep *p)
{
	return p->i < p->n ? p->s[p->i] : -1;
}

static void describe(struct ep *p, const char *expected)
{
	int c = peek(p);

	if (c < 0)
		ep_error(p, "expected %s, found the end of the input", expected);
	else if (c >= 0x21 && c < 0x7f)
		ep_error(p, "expected %s, found '%c'", expected, c);
	else
		ep_error(p, "expected %s, found byte 0x%02x", expected, (unsigned)c);
}

static void newline_at(struct ep *p, size_t i)
{
	p->line++;
	p->line_start = i + 1;
}

/* Whitespace and comments. */
static int skip_ws(struct ep *p)
{
	while (p->i < p->n) {
		uint8_t c = p->s[p->i];

		if (c == '\n') {
			newline_at(p, p->i);
			p->i++;
		} else if (c == ' ' || c == '\t' || c == '\r') {
			p->i++;
		} else if (c == '#') {
			while (p->i < p->n && p->s[p->i] != '\n')
				p->i++;
		} else if (c == '/') {
			size_t start = p->i++;
			while (p->i < p->n && p->s[p->i] != '/') {
				if (p->s[p->i] == '\n')
					newline_at(p, p->i);
				p->i++;
			}
			if (p->i >= p->n) {
				p->i = start;
				ep_error(p, "unterminated comment (/ ... /)");
				return -1;
			}
			p->i++;
		} else {
			break;
		}
	}
	return 0;
}

/* An item head in its shortest form (RFC 8949 4.2.1). */
static void put_head(struct cli_buf *b, unsigned major, uint64_t arg)
{
	uint8_t h[9];
	size_t n, k;

	if (arg < 24) {
		h[0] = (uint8_t)(major << 5 | arg);
		n = 1;
	} else {
		unsigned ai;
		if (arg <= 0xff) {
			ai = 24;
			n = 1;
		} else if (arg <= 0xffff) {
			ai = 25;
			n = 2;
		} else if (arg <= 0xffffffffu) {
			ai = 26;
			n = 4;
		} else {
			ai = 27;
			n = 8;
		}
		h[0] = (uint8_t)(major << 5 | ai);
		for (k = 0; k < n; k++)
			h[1 + k] = (uint8_t)(arg >> (8 * (n - 1 - k)));
		n++;
	}
	cli_buf_putn(b, (const char *)h, n);
}

static void put_string(struct cli_buf *b, unsigned major, const struct cli_buf *s)
{
	put_head(b, major, s->len);
	cli_buf_append(b, s);
}

static int digit(int c, unsigned base)
{
	int v;

	if (c >= '0' && c <= '9')
		v = c - '0';
	else if (c >= 'a' && c <= 'f')
		v = c - 'a' + 10;
	else if (c >= 'A' && c <= 'F')
		v = c - 'A' + 10;
	else
		return -1;
	return v < (int)base ? v : -1;
}

/* An integer: *neg and the magnitude *u. */
static int parse_number(struct ep *p, int *neg, uint64_t *u)
{
	size_t start = p->i;
	unsigned base = 10;
	int any = 0;

	*neg = 0;
	*u = 0;
	if (peek(p) == '-') {
		*neg = 1;
		p->i++;
	}
	if (peek(p) == '0' && p->i + 1 < p->n &&
	    (p->s[p->i + 1] == 'x' || p->s[p->i + 1] == 'X')) {
		base = 16;
		p->i += 2;
	}
	while (digit(peek(p), base) >= 0) {
		unsigned d = (unsigned)digit(peek(p), base);
		if (*u > (UINT64_MAX - d) / base) {
			p->i = start;
			ep_error(p, "integer out of the CBOR range");
			return -1;
		}
		*u = *u * base + d;
		any = 1;
		p->i++;
	}
	if (!any) {
		describe(p, "a digit");
		return -1;
	}
	if (base == 10 && (peek(p) == '.' || peek(p) == 'e' || peek(p) == 'E')) {
		p->i = start;
		ep_error(p, "floating-point values are not supported here");
		return -1;
	}
	return 0;
}

static int hex4(const struct ep *p, size_t at, unsigned *v)
{
	size_t k;

	*v = 0;
	if (p->n - at < 4)
		return -1;
	for (k = 0; k < 4; k++) {
		int d = digit(p->s[at + k], 16);
		if (d < 0)
			return -1;
		*v = *v << 4 | (unsigned)d;
	}
	return 0;
}

/*
 * "text" (major 3) or 'bytes' (major 2): the quote at p->i. Escapes as in
 * JSON, plus \' inside single quotes. Text must be valid UTF-8, which the
 * strict decoder checks later.
 */
static int parse_quoted(struct ep *p, struct cli_buf *out)
{
	uint8_t q = p->s[p->i];
	struct cli_buf s = {0};
	size_t start = p->i;

	p->i++;
	for (;;) {
		uint8_t c;

		if (p->i >= p->n) {
			p->i = start;
			ep_error(p, "unterminated string");
			goto fail;
		}
		c = p->s[p->i];
		if (c == q) {
			p->i++;
			break;
		}
		if (c == '\n')
			newline_at(p, p->i);
		if (c != '\\') {
			cli_buf_putc(&s, (char)c);
			p->i++;
			continue;
		}
		if (p->i + 1 >= p->n) {
			ep_error(p, "unterminated string");
			goto fail;
		}
		c = p->s[p->i + 1];
		switch (c) {
		case '"': case '\\': case '/': case '\'':
			cli_buf_putc(&s, (char)c);
			break;
		case 'b': cli_buf_putc(&s, '\b'); break;
		case 'f': cli_buf_putc(&s, '\f'); break;
		case 'n': cli_buf_putc(&s, '\n'); break;
		case 'r': cli_buf_putc(&s, '\r'); break;
		case 't': cli_buf_putc(&s, '\t'); break;
		case 'u': {
			unsigned cp, lo;
			if (hex4(p, p->i + 2, &cp) != 0) {
				ep_error(p, "bad \\u escape");
				goto fail;
			}
			if (cp >= 0xd800 && cp <= 0xdbff) {
				if (p->n - p->i < 12 || p->s[p->i + 6] != '\\' ||
				    p->s[p->i + 7] != 'u' || hex4(p, p->i + 8, &lo) != 0 ||
				    lo < 0xdc00 || lo > 0xdfff) {
					ep_error(p, "unpaired surrogate in a \\u escape");
					goto fail;
				}
				cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
				p->i += 6;
			} else if (cp >= 0xdc00 && cp <= 0xdfff) {
				ep_error(p, "unpaired surrogate in a \\u escape");
				goto fail;
			}
			cli_buf_put_utf8(&s, cp);
			p->i += 4;
			break;
		}
		default:
			ep_error(p, "bad escape");
			goto fail;
		}
		p->i += 2;
	}
	put_string(out, q == '"' ? 3u : 2u, &s);
	if (s.p != NULL)
		obol_wipe(s.p, s.len);
	cli_buf_free(&s);
	return 0;
fail:
	if (s.p != NULL)
		obol_wipe(s.p, s.len);
	cli_buf_free(&s);
	return -1;
}

/* h'hex': p->i at the h. */
static int parse_hex(struct ep *p, struct cli_buf *out)
{
	struct cli_buf s = {0};
	size_t start = p->i;
	int hi = -1;

	p->i += 2; /* h' */
	for (;;) {
		int c = peek(p), d;

		if (c < 0) {
			p->i = start;
			ep_error(p, "unterminated h'...'");
			goto fail;
		}
		p->i++;
		if (c == '\'')
			break;
		if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
			if (c == '\n')
				newline_at(p, p->i - 1);
			continue;
		}
		d = digit(c, 16);
		if (d < 0) {
			p->i--;
			describe(p, "a hex digit or \"'\"");
			goto fail;
		}
		if (hi < 0) {
			hi = d;
		} else {
			cli_buf_putc(&s, (char)(hi << 4 | d));
			hi = -1;
		}
	}
	if (hi >= 0) {
		p->i = start;
		ep_error(p, "odd number of hex digits in h'...'");
		goto fail;
	}
	put_string(out, 2, &s);
	if (s.p != NULL)
		obol_wipe(s.p, s.len);
	cli_buf_free(&s);
	return 0;
fail:
	if (s.p != NULL)
		obol_wipe(s.p, s.len);
	cli_buf_free(&s);
	return -1;
}

static int parse_item(struct ep *p, struct cli_buf *out, unsigned depth);

/*
 * Items separated by ',' up to `close` (a one- or two-character string),
 * into body; pairs "k: v" when map. *count: items (pairs for a map).
 */
static int parse_members(struct ep *p, const char *close, int map,
			 struct cli_buf *body, uint64_t *count, unsigned depth)
{
	size_t cl = strlen(close);

	*count = 0;
	if (skip_ws(p) != 0)
		return -1;
	if (peek(p) == '_') {
		ep_error(p, "indefinite-length items are not supported here");
		return -1;
	}
	if (p->n - p->i >= cl && memcmp(p->s + p->i, close, cl) == 0) {
		p->i += cl;
		return 0;
	}
	for (;;) {
		if (parse_item(p, body, depth + 1) != 0)
			return -1;
		if (skip_ws(p) != 0)
			return -1;
		if (map) {
			if (peek(p) != ':') {
				describe(p, "':'");
				return -1;
			}
			p->i++;
			if (parse_item(p, body, depth + 1) != 0)
				return -1;
			if (skip_ws(p) != 0)
				return -1;
		}
		(*count)++;
		if (peek(p) == ',') {
			p->i++;
			if (skip_ws(p) != 0)
				return -1;
			continue;
		}
		if (p->n - p->i >= cl && memcmp(p->s + p->i, close, cl) == 0) {
			p->i += cl;
			return 0;
		}
		describe(p, map ? "',' or '}'" : cl == 2 ? "',' or '>>'" : "',' or ']'");
		return -1;
	}
}

static int word(struct ep *p, const char *w)
{
	size_t n = strlen(w);

	if (p->n - p->i >= n && memcmp(p->s + p->i, w, n) == 0 &&
	    (p->n - p->i == n || !((p->s[p->i + n] >= 'a' && p->s[p->i + n] <= 'z') ||
				   (p->s[p->i + n] >= 'A' && p->s[p->i + n] <= 'Z')))) {
		p->i += n;
		return 1;
	}
	return 0;
}

static int parse_item(struct ep *p, struct cli_buf *out, unsigned depth)
{
	struct cli_buf body = {0};
	uint64_t count;
	int c, rc = -1;

	if (skip_ws(p) != 0)
		return -1;
	if (depth >= EDN_MAX_DEPTH) {
		ep_error(p, "nesting deeper than %d", EDN_MAX_DEPTH);
		return -1;
	}
	c = peek(p);
	if (c == '[' || c == '{') {
		p->i++;
		rc = parse_members(p, c == '[' ? "]" : "}", c == '{', &body, &count,
				   depth);
		if (rc == 0) {
			put_head(out, c == '[' ? 4u : 5u, count);
			cli_buf_append(out, &body);
		}
	} else if (c == '<' && p->i + 1 < p->n && p->s[p->i + 1] == '<') {
		p->i += 2;
		rc = parse_members(p, ">>", 0, &body, &count, depth);
		if (rc == 0)
			put_string(out, 2, &body);
	} else if (c == '"' || c == '\'') {
		rc = parse_quoted(p, out);
	} else if (c == 'h' && p->i + 1 < p->n && p->s[p->i + 1] == '\'') {
		rc = parse_hex(p, out);
	} else if (c == '-' || (c >= '0' && c <= '9')) {
		int neg;
		uint64_t u;
		rc = parse_number(p, &neg, &u);
		if (rc == 0 && peek(p) == '(') {
			/* A tag: N(item) (RFC 8949 8.1). */
			if (neg) {
				ep_error(p, "a tag number must be unsigned");
				rc = -1;
			} else {
				p->i++;
				put_head(out, 6, u);
				rc = parse_item(p, out, depth + 1);
				if (rc == 0 && skip_ws(p) != 0)
					rc = -1;
				if (rc == 0 && peek(p) != ')') {
					describe(p, "')'");
					rc = -1;
				}
				if (rc == 0)
					p->i++;
			}
		} else if (rc == 0) {
			if (neg && u == 0)
				put_head(out, 0, 0); /* -0 is 0 */
			else if (neg)
				put_head(out, 1, u - 1);
			else
				put_head(out, 0, u);
		}
	} else if (word(p, "true")) {
		cli_buf_putc(out, (char)0xf5);
		rc = 0;
	} else if (word(p, "false")) {
		cli_buf_putc(out, (char)0xf4);
		rc = 0;
	} else if (word(p, "null")) {
		cli_buf_putc(out, (char)0xf6);
		rc = 0;
	} else if (word(p, "undefined")) {
		cli_buf_putc(out, (char)0xf7);
		rc = 0;
	} else if (word(p, "NaN") || word(p, "Infinity")) {
		ep_error(p, "floating-point values are not supported here");
	} else {
		describe(p, "a CBOR item");
	}
	if (body.p != NULL)
		obol_wipe(body.p, body.len);
	cli_buf_free(&body);
	return rc;
}

int cli_edn_parse(const char *prog, const char *what, const uint8_t *txt,
		  size_t len, uint8_t **cbor, size_t *cbor_len)
{
	struct cli_buf out = {0};
	struct ep p;

	p.prog = prog;
	p.what = what;
	p.s = txt;
	p.n = len;
	p.i = 0;
	p.line = 1;
	p.line_start = 0;
	if (parse_item(&p, &out, 0) != 0 || skip_ws(&p) != 0)
		goto fail;
	if (p.i != p.n) {
		describe(&p, "the end of the input");
		goto fail;
	}
	*cbor = (uint8_t *)out.p;
	*cbor_len = out.len;
	return 0;
fail:
	if (out.p != NULL)
		obol_wipe(out.p, out.len);
	cli_buf_free(&out);
	return -1;
}
