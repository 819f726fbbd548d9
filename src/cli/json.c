/*
 * A small JSON parser (RFC 8259) for command-line input, e.g. the claims
 * of `obol token mint`. It builds a tree (struct cli_json, see cli.h).
 *
 * Restrictions, each reported with line and column: numbers must be
 * integers in the int64 range (claims are NumericDates and labels; a
 * fraction or exponent would be silently rounded otherwise); nesting is
 * at most JSON_MAX_DEPTH deep; an object may not name a member twice
 * (RFC 8259 4 leaves that undefined; here it is always a mistake).
 * Strings must be valid UTF-8; \u escapes, surrogate pairs included,
 * are decoded.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#define JSON_MAX_DEPTH 32

struct jp {
	const char *prog, *what;
	const uint8_t *s;
	size_t n, i;
	size_t line, line_start; /* for messages */
};

static void jp_error(struct jp *p, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: %s:%zu:%zu: ", p->prog, p->what, p->line,
		p->i - p->line_start + 1);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static void skip_ws(struct jp *p)
{
	while (p->i < p->n) {
		uint8_t c = p->s[p->i];
		if (c == '\n') {
			p->line++;
			p->line_start = p->i + 1;
		} else if (c != ' ' && c != '\t' && c != '\r') {
			break;
		}
		p->i++;
	}
}

static int peek(const struct jp *p)
{
	return p->i < p->n ? p->s[p->i] : -1;
}

static void describe(struct jp *p, const char *expected)
{
	int c = peek(p);

	if (c < 0)
		jp_error(p, "expected %s, found the end of the input", expected);
	else if (c >= 0x21 && c < 0x7f)
		jp_error(p, "expected %s, found '%c'", expected, c);
	else
		jp_error(p, "expected %s, found byte 0x%02x", expected, (unsigned)c);
}

static int hex4(const uint8_t *s, unsigned *v)
{
	unsigned i;

	*v = 0;
	for (i = 0; i < 4; i++) {
		int d = cli_hex_digit(s[i]);
		if (d < 0)
			return -1;
		*v = *v << 4 | (unsigned)d;
	}
	return 0;
}

/* Length of the valid UTF-8 sequence at s[0..n) (RFC 3629), or 0. */
/* A string, the opening quote at p->i; the decoded text into *out. */
static int parse_string(struct jp *p, char **out, size_t *out_len)
{
	struct cli_buf b = {0};

	p->i++; /* '"' */
	for (;;) {
		uint8_t c;
		size_t k;

		if (p->i >= p->n) {
			jp_error(p, "unterminated string");
			goto fail;
		}
		c = p->s[p->i];
		if (c == '"') {
			p->i++;
			break;
		}
		if (c < 0x20) {
			jp_error(p, "control character 0x%02x in a string (escape it)",
				 (unsigned)c);
			goto fail;
		}
		if (c != '\\') {
			k = cli_utf8_seq(p->s + p->i, p->n - p->i);
			if (k == 0) {
				jp_error(p, "invalid UTF-8 in a string");
				goto fail;
			}
			cli_buf_putn(&b, (const char *)p->s + p->i, k);
			p->i += k;
			continue;
		}
		if (p->i + 1 >= p->n) {
			jp_error(p, "unterminated string");
			goto fail;
		}
		c = p->s[p->i + 1];
		switch (c) {
		case '"': case '\\': case '/':
			cli_buf_putc(&b, (char)c);
			break;
		case 'b': cli_buf_putc(&b, '\b'); break;
		case 'f': cli_buf_putc(&b, '\f'); break;
		case 'n': cli_buf_putc(&b, '\n'); break;
		case 'r': cli_buf_putc(&b, '\r'); break;
		case 't': cli_buf_putc(&b, '\t'); break;
		case 'u': {
			unsigned cp, lo;
			if (p->n - p->i < 6 || hex4(p->s + p->i + 2, &cp) != 0) {
				jp_error(p, "bad \\u escape");
				goto fail;
			}
			if (cp >= 0xd800 && cp <= 0xdbff) {
				/* A high surrogate needs its low half (RFC 8259 7). */
				if (p->n - p->i < 12 || p->s[p->i + 6] != '\\' ||
				    p->s[p->i + 7] != 'u' ||
				    hex4(p->s + p->i + 8, &lo) != 0 || lo < 0xdc00 ||
				    lo > 0xdfff) {
					jp_error(p, "unpaired surrogate in a \\u escape");
					goto fail;
				}
				cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
				p->i += 6;
			} else if (cp >= 0xdc00 && cp <= 0xdfff) {
				jp_error(p, "unpaired surrogate in a \\u escape");
				goto fail;
			}
			cli_buf_put_utf8(&b, cp);
			p->i += 4;
			break;
		}
		default:
			jp_error(p, "bad escape '\\%c'", c >= 0x21 && c < 0x7f ? c : '?');
			goto fail;
		}
		p->i += 2;
	}
	if (b.p == NULL)
		cli_buf_putn(&b, "", 0);
	*out = b.p;
	*out_len = b.len;
	return 0;
fail:
	cli_buf_free(&b);
	return -1;
}

static int parse_number(struct jp *p, struct cli_json *v)
{
	size_t start = p->i;
	int neg = 0;
	uint64_t u = 0, lim;

	if (peek(p) == '-') {
		neg = 1;
		p->i++;
	}
	lim = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
	if (peek(p) < '0' || peek(p) > '9') {
		describe(p, "a digit");
		return -1;
	}
	if (peek(p) == '0' && p->i + 1 < p->n && p->s[p->i + 1] >= '0' &&
	    p->s[p->i + 1] <= '9') {
		jp_error(p, "leading zero in a number");
		return -1;
	}
	while (peek(p) >= '0' && peek(p) <= '9') {
		unsigned d = (unsigned)(peek(p) - '0');
		if (u > (lim - d) / 10) {
			p->i = start;
			jp_error(p, "integer out of the 64-bit signed range");
			return -1;
		}
		u = u * 10 + d;
		p->i++;
	}
	if (peek(p) == '.' || peek(p) == 'e' || peek(p) == 'E') {
		p->i = start;
		jp_error(p, "only integers are supported here (no fraction or exponent)");
		return -1;
	}
	v->type = CLI_JSON_INT;
	if (neg)
		v->num = u == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)u;
	else
		v->num = (int64_t)u;
	return 0;
}

static int literal(struct jp *p, const char *word)
{
	size_t n = strlen(word);

	if (p->n - p->i >= n && memcmp(p->s + p->i, word, n) == 0) {
		p->i += n;
		return 1;
	}
	return 0;
}

static int parse_value(struct jp *p, struct cli_json *v, unsigned depth);

/* Append a zeroed member to v->items (growing by doubling). */
static struct cli_json *add_item(struct cli_json *v, size_t *cap)
{
	if (v->n == *cap) {
		*cap = *cap ? *cap * 2 : 4;
		v->items = cli_xrealloc(v->items, *cap * sizeof *v->items);
	}
	memset(&v->items[v->n], 0, sizeof v->items[0]);
	return &v->items[v->n++];
}

static int parse_container(struct jp *p, struct cli_json *v, unsigned depth)
{
	int object = peek(p) == '{';
	int close = object ? '}' : ']';
	size_t cap = 0;

	if (depth >= JSON_MAX_DEPTH) {
		jp_error(p, "nesting deeper than %d", JSON_MAX_DEPTH);
		return -1;
	}
	v->type = object ? CLI_JSON_OBJECT : CLI_JSON_ARRAY;
	p->i++;
	skip_ws(p);
	if (peek(p) == close) {
		p->i++;
		return 0;
	}
	for (;;) {
		struct cli_json *m;

		skip_ws(p);
		m = add_item(v, &cap);
		m->line = p->line;
		m->col = p->i - p->line_start + 1;
		if (object) {
			size_t k;
			if (peek(p) != '"') {
				describe(p, "a member name in double quotes");
				return -1;
			}
			if (parse_string(p, &m->key, &m->key_len) != 0)
				return -1;
			for (k = 0; k + 1 < v->n; k++) {
				if (v->items[k].key_len == m->key_len &&
				    memcmp(v->items[k].key, m->key, m->key_len) == 0) {
					p->i -= 1;
					jp_error(p, "member \"%s\" given twice", m->key);
					return -1;
				}
			}
			skip_ws(p);
			if (peek(p) != ':') {
				describe(p, "':'");
				return -1;
			}
			p->i++;
			skip_ws(p);
		}
		{
			/* A member is located by its name, for messages. */
			size_t line = m->line, col = m->col;
			if (parse_value(p, m, depth + 1) != 0)
				return -1;
			m->line = line;
			m->col = col;
		}
		skip_ws(p);
		if (peek(p) == ',') {
			p->i++;
			continue;
		}
		if (peek(p) == close) {
			p->i++;
			return 0;
		}
		describe(p, object ? "',' or '}'" : "',' or ']'");
		return -1;
	}
}

static int parse_value(struct jp *p, struct cli_json *v, unsigned depth)
{
	int c;

	skip_ws(p);
	v->line = p->line;
	v->col = p->i - p->line_start + 1;
	c = peek(p);
	if (c == '{' || c == '[')
		return parse_container(p, v, depth);
	if (c == '"') {
		v->type = CLI_JSON_STRING;
		return parse_string(p, &v->str, &v->len);
	}
	if (c == '-' || (c >= '0' && c <= '9'))
		return parse_number(p, v);
	if (literal(p, "true")) {
		v->type = CLI_JSON_TRUE;
		return 0;
	}
	if (literal(p, "false")) {
		v->type = CLI_JSON_FALSE;
		return 0;
	}
	if (literal(p, "null")) {
		v->type = CLI_JSON_NULL;
		return 0;
	}
	describe(p, "a JSON value");
	return -1;
}

int cli_json_parse(const char *prog, const char *what, const uint8_t *txt,
		   size_t len, struct cli_json *root)
{
	struct jp p;

	memset(root, 0, sizeof *root);
	p.prog = prog;
	p.what = what;
	p.s = txt;
	p.n = len;
	p.i = 0;
	p.line = 1;
	p.line_start = 0;
	/* A UTF-8 byte order mark is tolerated (RFC 8259 8.1 allows it). */
	if (len >= 3 && txt[0] == 0xef && txt[1] == 0xbb && txt[2] == 0xbf)
		p.i = p.line_start = 3;
	if (parse_value(&p, root, 0) != 0)
		goto fail;
	skip_ws(&p);
	if (p.i != p.n) {
		describe(&p, "the end of the input");
		goto fail;
	}
	return 0;
fail:
	cli_json_free(root);
	return -1;
}

void cli_json_free(struct cli_json *v)
{
	size_t i;

	for (i = 0; i < v->n; i++)
		cli_json_free(&v->items[i]);
	free(v->items);
	if (v->str != NULL)
		obol_wipe(v->str, v->len); /* claims may hold keys */
	free(v->str);
	free(v->key);
	memset(v, 0, sizeof *v);
}

const struct cli_json *cli_json_get(const struct cli_json *o, const char *name)
{
	size_t i, n = strlen(name);

	if (o->type != CLI_JSON_OBJECT)
		return NULL;
	for (i = 0; i < o->n; i++)
		if (o->items[i].key_len == n && memcmp(o->items[i].key, name, n) == 0)
			return &o->items[i];
	return NULL;
}

const char *cli_json_type_name(enum cli_json_type t)
{
	switch (t) {
	case CLI_JSON_NULL: return "null";
	case CLI_JSON_FALSE:
	case CLI_JSON_TRUE: return "a boolean";
	case CLI_JSON_INT: return "an integer";
	case CLI_JSON_STRING: return "a string";
	case CLI_JSON_ARRAY: return "an array";
	case CLI_JSON_OBJECT: return "an object";
	}
	return "?";
}
