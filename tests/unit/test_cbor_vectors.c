/*
 * RFC 8949 Appendix A vectors (tests/vectors/cbor_appendix_a.txt, format
 * described at the top of that file), run through the decoder and the
 * encoder:
 *
 *   - validation in plain, strict and deterministic mode, with the exact
 *     error code and offset where one is expected;
 *   - a generic walk of the item with the typed getters (peek/peek_head,
 *     enter/leave, enter_chunks), which
 *       . re-encodes it with the deterministic encoder: "rt" vectors must
 *         come back byte for byte, "nort" ones must come back different,
 *         deterministic, and stable (encoding the result again changes
 *         nothing);
 *       . matches the decoded values against the EXPECTED_DIAG column
 *         (the same text `obol inspect` must print);
 *   - obol_cbor_skip() and obol_cbor_get_raw() span the whole item.
 *
 * This suite reads a file, so it runs on a PC only; stdio is used for that
 * and nothing else. No allocation: fixed buffers on the stack.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "obol/cbor.h"
#include "test.h"

#ifndef OBOL_TEST_VECTORS
#error "OBOL_TEST_VECTORS (path of tests/vectors) must be defined"
#endif

#define VEC_FILE OBOL_TEST_VECTORS "/cbor_appendix_a.txt"
#define VEC_COUNT 82    /* entries in the file: all of Appendix A */
#define VEC_MAX 64      /* longest vector, in bytes */
#define ARENA_MAX 1024  /* scratch: joined chunks, encoded map pairs */
#define PAIRS_MAX 8     /* widest map in the vectors has 5 pairs */
#define WALK_DEPTH 8    /* deepest vector nests 3 levels */

enum {
	F_RT = 1u,            /* re-encodes to the same bytes */
	F_NORT = 2u,          /* re-encodes to other (deterministic) bytes */
	F_STRICT_REJECT = 4u, /* indefinite length: strict mode refuses */
	F_REJECT = 8u         /* not well-formed (f818) */
};

/* State of one walk: the input, scratch space, and what was seen. */
struct walk {
	struct obol_test_ctx *t;
	const uint8_t *in; /* the vector: strings must point into it */
	size_t in_len;
	const char *diag;  /* expected diagnostic text, consumed as matched */
	int diag_ok;       /* 0 after the first mismatch */
	size_t first_indef;   /* offset of the first ai-31 head, or SIZE_MAX */
	size_t first_longflt; /* first float with a shorter form, or SIZE_MAX */
	uint8_t arena[ARENA_MAX];
	size_t used;
};

static int walk_item(struct walk *w, obol_cbor_dec *d, obol_cbor_enc *e,
		     unsigned depth);

/* ---- matching the diagnostic column ------------------------------------ */

static void diag_lit(struct walk *w, const char *s)
{
	size_t n = strlen(s);
	if (!w->diag_ok)
		return;
	if (strncmp(w->diag, s, n) != 0) {
		w->diag_ok = 0;
		return;
	}
	w->diag += n;
}

static void diag_char(struct walk *w, char c)
{
	char s[2];
	s[0] = c;
	s[1] = '\0';
	diag_lit(w, s);
}

/* Decimal digits of v; with plus_one, of v + 1 (up to 2^64). */
static void diag_u64(struct walk *w, uint64_t v, int plus_one)
{
	char buf[24];
	size_t i = sizeof buf - 1;
	buf[i] = '\0';
	if (plus_one && v == UINT64_MAX) {
		diag_lit(w, "18446744073709551616");
		return;
	}
	if (plus_one)
		v++;
	do {
		buf[--i] = (char)('0' + (int)(v % 10u));
		v /= 10u;
	} while (v != 0);
	diag_lit(w, buf + i);
}

static void diag_hex(struct walk *w, const uint8_t *p, size_t n)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;
	diag_lit(w, "h'");
	for (i = 0; i < n; i++) {
		diag_char(w, digits[p[i] >> 4]);
		diag_char(w, digits[p[i] & 15u]);
	}
	diag_char(w, '\'');
}

/* Text as the diag column writes it: UTF-8 literally, JSON escapes for '"',
 * '\' and control characters. */
static void diag_text(struct walk *w, const char *p, size_t n)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;
	diag_char(w, '"');
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];
		if (c == '"' || c == '\\') {
			diag_char(w, '\\');
			diag_char(w, (char)c);
		} else if (c < 0x20u || c == 0x7fu) {
			diag_lit(w, "\\u00");
			diag_char(w, digits[c >> 4]);
			diag_char(w, digits[c & 15u]);
		} else {
			diag_char(w, (char)c);
		}
	}
	diag_char(w, '"');
}

/* strtod(text) is exactly v (bitwise: 0.0 and -0.0 differ). */
static int denotes(const char *text, double v)
{
	char *endp;
	double x = strtod(text, &endp);
	return *endp == '\0' && memcmp(&x, &v, sizeof x) == 0;
}

static int all_digits(const char *s, size_t n)
{
	size_t i;
	for (i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return n > 0;
}

/* "0.<digits>e<exp>" into out (cap >= n + 12). */
static void sci(char *out, const char *digits, size_t n, int exp)
{
	char num[8];
	size_t i = sizeof num - 1;
	unsigned u = (unsigned)(exp < 0 ? -exp : exp);

	memcpy(out, "0.", 2);
	memcpy(out + 2, digits, n);
	out[2 + n] = 'e';
	num[i] = '\0';
	do {
		num[--i] = (char)('0' + (int)(u % 10u));
		u /= 10u;
	} while (u != 0);
	if (exp < 0)
		num[--i] = '-';
	memcpy(out + 3 + n, num + i, sizeof num - i);
}

/*
 * A finite float as the diag column writes it (the Python repr style the
 * file header describes): it denotes v exactly; plain notation for decimal
 * exponents -4..15, else d.ddde+XX / d.ddde-XX (two exponent digits at
 * least); always a '.'; no trailing zero after the point except a lone
 * ".0"; and no shorter digit string denotes v.
 */
static int float_text_ok(const char *tok, double v)
{
	char sig[40], cand[64];
	const char *s = tok, *e, *dot;
	size_t n, lz, i;
	int exp10, has_e;

	if (!denotes(tok, v))
		return 0;
	if (*s == '-')
		s++;
	e = strchr(s, 'e');
	has_e = e != NULL;
	if (!has_e)
		e = s + strlen(s);
	dot = memchr(s, '.', (size_t)(e - s));
	if (dot == NULL || !all_digits(s, (size_t)(dot - s)) ||
	    !all_digits(dot + 1, (size_t)(e - dot - 1)))
		return 0;
	if (e - dot - 1 > 1 && e[-1] == '0')
		return 0; /* trailing zero */
	if (dot - s > 1 && s[0] == '0')
		return 0; /* leading zero */

	/* significant digits and the decimal exponent of the first one */
	n = 0;
	for (i = 0; s + i < e; i++)
		if (s[i] != '.' && n < sizeof sig - 1)
			sig[n++] = s[i];
	for (lz = 0; lz < n && sig[lz] == '0'; lz++)
		;
	if (lz == n) /* zero */
		return !has_e && strcmp(s, "0.0") == 0;
	exp10 = (int)(dot - s) - 1 - (int)lz;
	memmove(sig, sig + lz, n - lz);
	n -= lz;
	while (n > 1 && sig[n - 1] == '0')
		n--;

	if (has_e) {
		const char *x = e + 1;
		size_t xd;
		long ev;
		if (dot - s != 1 || s[0] == '0')
			return 0; /* one non-zero digit before the point */
		if (*x != '+' && *x != '-')
			return 0;
		xd = strlen(x + 1);
		if (xd < 2 || !all_digits(x + 1, xd) || (xd > 2 && x[1] == '0'))
			return 0;
		ev = strtol(x, NULL, 10);
		exp10 = (int)ev;
		if (exp10 >= -4 && exp10 < 16)
			return 0; /* should be plain */
	} else if (exp10 < -4 || exp10 >= 16) {
		return 0; /* should use an exponent */
	}

	/* shortest: neither neighbour with one digit less denotes v */
	if (n > 1) {
		char shorter[40];
		size_t m = n - 1;
		int k, carry_out;

		memcpy(shorter, sig, m);
		sci(cand, shorter, m, exp10 + 1); /* truncated */
		if (tok[0] == '-') {
			memmove(cand + 1, cand, strlen(cand) + 1);
			cand[0] = '-';
		}
		if (denotes(cand, v))
			return 0;
		/* rounded up */
		carry_out = 1;
		for (k = (int)m - 1; k >= 0 && carry_out; k--) {
			if (shorter[k] == '9') {
				shorter[k] = '0';
			} else {
				shorter[k]++;
				carry_out = 0;
			}
		}
		if (carry_out)
			sci(cand, "1", 1, exp10 + 2);
		else
			sci(cand, shorter, m, exp10 + 1);
		if (tok[0] == '-') {
			memmove(cand + 1, cand, strlen(cand) + 1);
			cand[0] = '-';
		}
		if (denotes(cand, v))
			return 0;
	}
	return 1;
}

/* A float token (up to the next , ] } ) or the end of the text). */
static void diag_double(struct walk *w, double v)
{
	char tok[40];
	size_t n = strcspn(w->diag, ",]})");

	if (!w->diag_ok)
		return;
	if (n == 0 || n >= sizeof tok) {
		w->diag_ok = 0;
		return;
	}
	memcpy(tok, w->diag, n);
	tok[n] = '\0';
	w->diag += n;
	if (isnan(v))
		w->diag_ok = strcmp(tok, "NaN") == 0;
	else if (isinf(v))
		w->diag_ok = strcmp(tok, v > 0 ? "Infinity" : "-Infinity") == 0;
	else
		w->diag_ok = float_text_ok(tok, v);
}

/* ---- the generic walk -------------------------------------------------- */

static int points_into(const struct walk *w, const void *p, size_t len)
{
	const uint8_t *q = (const uint8_t *)p;
	return q >= w->in && len <= w->in_len && q - w->in <= (ptrdiff_t)(w->in_len - len);
}

/* Members left in a container cursor, counted on a copy (which must leave
 * the original untouched). */
static size_t count_members(struct walk *w, const obol_cbor_dec *c)
{
	obol_cbor_dec copy = *c;
	size_t n = 0, before = obol_cbor_offset(c);
	int err;
	while ((err = obol_cbor_skip(&copy)) == OBOL_OK)
		n++;
	CHECK_INT(w->t, err, OBOL_ERR_CBOR_END);
	CHECK_INT(w->t, obol_cbor_offset(c), before);
	return n;
}

/* Byte or text string, definite or indefinite. */
static int walk_string(struct walk *w, obol_cbor_dec *d, obol_cbor_enc *e,
		       const struct obol_cbor_head *h)
{
	int text = h->major == OBOL_CBOR_TSTR;
	const uint8_t *p;
	size_t len;
	int err;

	if (h->ai == 31) {
		obol_cbor_dec c, probe = *d;
		size_t start = w->used, nchunks = 0;

		/* the plain getter refuses an indefinite string, cursor kept */
		if (text) {
			const char *s;
			CHECK_INT(w->t, obol_cbor_get_tstr(&probe, &s, &len),
				  OBOL_ERR_CBOR_INDEFINITE);
		} else {
			CHECK_INT(w->t, obol_cbor_get_bstr(&probe, &p, &len),
				  OBOL_ERR_CBOR_INDEFINITE);
		}
		CHECK_INT(w->t, obol_cbor_offset(&probe), obol_cbor_offset(d));

		err = obol_cbor_enter_chunks(d, &c);
		if (err != OBOL_OK)
			return err;
		diag_lit(w, "(_ ");
		for (;;) {
			if (text) {
				const char *s;
				err = obol_cbor_get_tstr(&c, &s, &len);
				p = (const uint8_t *)s;
			} else {
				err = obol_cbor_get_bstr(&c, &p, &len);
			}
			if (err == OBOL_ERR_CBOR_END)
				break;
			if (err != OBOL_OK)
				return err;
			CHECK(w->t, points_into(w, p, len));
			if (nchunks++ > 0)
				diag_lit(w, ", ");
			if (text)
				diag_text(w, (const char *)p, len);
			else
				diag_hex(w, p, len);
			if (len > ARENA_MAX - w->used)
				return OBOL_ERR_NO_SPACE;
			memcpy(w->arena + w->used, p, len);
			w->used += len;
		}
		diag_char(w, ')');
		CHECK(w->t, obol_cbor_at_end(&c));
		err = obol_cbor_leave(d, &c);
		if (err != OBOL_OK)
			return err;
		if (text)
			obol_cbor_put_tstr(e, (const char *)(w->arena + start),
					   w->used - start);
		else
			obol_cbor_put_bstr(e, w->arena + start, w->used - start);
		w->used = start;
		return OBOL_OK;
	}

	if (text) {
		const char *s;
		err = obol_cbor_get_tstr(d, &s, &len);
		if (err != OBOL_OK)
			return err;
		CHECK(w->t, points_into(w, s, len));
		CHECK_INT(w->t, len, h->arg);
		diag_text(w, s, len);
		obol_cbor_put_tstr(e, s, len);
	} else {
		err = obol_cbor_get_bstr(d, &p, &len);
		if (err != OBOL_OK)
			return err;
		CHECK(w->t, points_into(w, p, len));
		CHECK_INT(w->t, len, h->arg);
		diag_hex(w, p, len);
		obol_cbor_put_bstr(e, p, len);
	}
	return OBOL_OK;
}

static int walk_array(struct walk *w, obol_cbor_dec *d, obol_cbor_enc *e,
		      const struct obol_cbor_head *h, unsigned depth)
{
	obol_cbor_dec c;
	size_t n, i;
	int err = obol_cbor_enter_array(d, &c, &n);

	if (err != OBOL_OK)
		return err;
	if (h->ai == 31) {
		CHECK(w->t, n == SIZE_MAX);
		n = count_members(w, &c);
		diag_lit(w, "[_ "); /* empty: "[_ ]" as in RFC 8949 */
	} else {
		CHECK_INT(w->t, n, h->arg);
		diag_char(w, '[');
	}
	obol_cbor_put_array(e, n);
	for (i = 0; i < n; i++) {
		if (i > 0)
			diag_lit(w, ", ");
		err = walk_item(w, &c, e, depth + 1);
		if (err != OBOL_OK)
			return err;
	}
	diag_char(w, ']');
	CHECK(w->t, obol_cbor_at_end(&c));
	CHECK_INT(w->t, obol_cbor_peek(&c), OBOL_ERR_CBOR_END);
	return obol_cbor_leave(d, &c);
}

/* A map: each key and value is encoded on its own into the arena, then the
 * pairs are written in bytewise order of the encoded keys (RFC 8949
 * 4.2.1), as a deterministic encoder must. */
static int walk_map(struct walk *w, obol_cbor_dec *d, obol_cbor_enc *e,
		    const struct obol_cbor_head *h, unsigned depth)
{
	struct pair {
		size_t k, klen, v, vlen; /* offsets and lengths in the arena */
	} pairs[PAIRS_MAX], tmp;
	obol_cbor_dec c;
	size_t n, i, j, mark = w->used;
	int err = obol_cbor_enter_map(d, &c, &n);

	if (err != OBOL_OK)
		return err;
	if (h->ai == 31) {
		size_t items;
		CHECK(w->t, n == SIZE_MAX);
		items = count_members(w, &c);
		CHECK_INT(w->t, items % 2u, 0);
		n = items / 2u;
		diag_lit(w, "{_ ");
	} else {
		CHECK_INT(w->t, n, h->arg);
		diag_char(w, '{');
	}
	if (n > PAIRS_MAX)
		return OBOL_ERR_NO_SPACE;
	for (i = 0; i < n; i++) {
		obol_cbor_enc sub;
		size_t len;

		if (i > 0)
			diag_lit(w, ", ");
		obol_cbor_enc_init(&sub, w->arena + w->used, ARENA_MAX - w->used);
		err = walk_item(w, &c, &sub, depth + 1);
		if (err != OBOL_OK)
			return err;
		err = obol_cbor_enc_finish(&sub, &len);
		if (err != OBOL_OK)
			return err;
		pairs[i].k = w->used;
		pairs[i].klen = len;
		w->used += len;

		diag_lit(w, ": ");
		obol_cbor_enc_init(&sub, w->arena + w->used, ARENA_MAX - w->used);
		err = walk_item(w, &c, &sub, depth + 1);
		if (err != OBOL_OK)
			return err;
		err = obol_cbor_enc_finish(&sub, &len);
		if (err != OBOL_OK)
			return err;
		pairs[i].v = w->used;
		pairs[i].vlen = len;
		w->used += len;
	}
	diag_char(w, '}');
	CHECK(w->t, obol_cbor_at_end(&c));
	CHECK_INT(w->t, obol_cbor_peek(&c), OBOL_ERR_CBOR_END);
	err = obol_cbor_leave(d, &c);
	if (err != OBOL_OK)
		return err;

	/* insertion sort, bytewise on the encoded keys (shorter prefix first) */
	for (i = 1; i < n; i++) {
		tmp = pairs[i];
		for (j = i; j > 0; j--) {
			const struct pair *a = &pairs[j - 1];
			size_t m = a->klen < tmp.klen ? a->klen : tmp.klen;
			int cmp = memcmp(w->arena + a->k, w->arena + tmp.k, m);
			if (cmp < 0 || (cmp == 0 && a->klen <= tmp.klen))
				break;
			pairs[j] = pairs[j - 1];
		}
		pairs[j] = tmp;
	}
	obol_cbor_put_map(e, n);
	for (i = 0; i < n; i++) {
		obol_cbor_put_raw(e, w->arena + pairs[i].k, pairs[i].klen);
		obol_cbor_put_raw(e, w->arena + pairs[i].v, pairs[i].vlen);
	}
	w->used = mark;
	return OBOL_OK;
}

static int walk_simple(struct walk *w, obol_cbor_dec *d, obol_cbor_enc *e,
		       const struct obol_cbor_head *h)
{
	int err, b;
	uint8_t v;

	switch (h->arg) {
	case OBOL_CBOR_FALSE:
	case OBOL_CBOR_TRUE:
		err = obol_cbor_get_bool(d, &b);
		if (err != OBOL_OK)
			return err;
		CHECK_INT(w->t, b, h->arg == OBOL_CBOR_TRUE);
		diag_lit(w, b ? "true" : "false");
		obol_cbor_put_bool(e, b);
		return OBOL_OK;
	case OBOL_CBOR_NULL:
		err = obol_cbor_get_null(d);
		if (err != OBOL_OK)
			return err;
		diag_lit(w, "null");
		obol_cbor_put_null(e);
		return OBOL_OK;
	case OBOL_CBOR_UNDEFINED:
		err = obol_cbor_get_undefined(d);
		if (err != OBOL_OK)
			return err;
		diag_lit(w, "undefined");
		obol_cbor_put_undefined(e);
		return OBOL_OK;
	default:
		err = obol_cbor_get_simple(d, &v);
		if (err != OBOL_OK)
			return err;
		CHECK_INT(w->t, v, h->arg);
		diag_lit(w, "simple(");
		diag_u64(w, v, 0);
		diag_char(w, ')');
		obol_cbor_put_simple(e, v);
		return OBOL_OK;
	}
}

/* Read the next item of d with the typed getters, match it against the
 * diagnostic text and write it to e. Returns the first decoder error. */
static int walk_item(struct walk *w, obol_cbor_dec *d, obol_cbor_enc *e,
		     unsigned depth)
{
	struct obol_cbor_head h;
	size_t off = obol_cbor_offset(d);
	int type, err;

	if (depth > WALK_DEPTH)
		return OBOL_ERR_CBOR_TOO_DEEP;
	type = obol_cbor_peek(d);
	if (type < 0)
		return type;
	err = obol_cbor_peek_head(d, &h);
	if (err != OBOL_OK)
		return err;
	CHECK_INT(w->t, obol_cbor_offset(d), off); /* peeking consumes nothing */
	if (h.ai == 31 && w->first_indef == SIZE_MAX)
		w->first_indef = off;

	switch (type) {
	case OBOL_CBOR_UINT: {
		uint64_t v;
		CHECK_INT(w->t, h.major, 0);
		err = obol_cbor_get_uint64(d, &v);
		if (err != OBOL_OK)
			return err;
		CHECK(w->t, v == h.arg);
		diag_u64(w, v, 0);
		obol_cbor_put_uint(e, v);
		return OBOL_OK;
	}
	case OBOL_CBOR_NINT: {
		uint64_t n;
		obol_cbor_dec copy = *d;
		CHECK_INT(w->t, h.major, 1);
		err = obol_cbor_get_nint_raw(d, &n);
		if (err != OBOL_OK)
			return err;
		CHECK(w->t, n == h.arg);
		if (n <= (uint64_t)INT64_MAX) {
			/* the signed getter agrees where the value fits */
			int64_t v;
			CHECK_INT(w->t, obol_cbor_get_int64(&copy, &v), OBOL_OK);
			CHECK(w->t, v == -1 - (int64_t)n);
		}
		diag_char(w, '-');
		diag_u64(w, n, 1);
		obol_cbor_put_nint_raw(e, n);
		return OBOL_OK;
	}
	case OBOL_CBOR_BSTR:
	case OBOL_CBOR_TSTR:
		CHECK_INT(w->t, h.major, type);
		return walk_string(w, d, e, &h);
	case OBOL_CBOR_ARRAY:
		CHECK_INT(w->t, h.major, 4);
		return walk_array(w, d, e, &h, depth);
	case OBOL_CBOR_MAP:
		CHECK_INT(w->t, h.major, 5);
		return walk_map(w, d, e, &h, depth);
	case OBOL_CBOR_TAG: {
		uint64_t tag;
		CHECK_INT(w->t, h.major, 6);
		err = obol_cbor_get_tag(d, &tag);
		if (err != OBOL_OK)
			return err;
		CHECK(w->t, tag == h.arg);
		diag_u64(w, tag, 0);
		diag_char(w, '(');
		obol_cbor_put_tag(e, tag);
		err = walk_item(w, d, e, depth + 1);
		diag_char(w, ')');
		return err;
	}
	case OBOL_CBOR_SIMPLE:
		CHECK_INT(w->t, h.major, 7);
		CHECK(w->t, h.ai <= 24);
		return walk_simple(w, d, e, &h);
	case OBOL_CBOR_FLOAT: {
		double v;
		obol_cbor_enc m;
		size_t width = 0;
		CHECK_INT(w->t, h.major, 7);
		CHECK(w->t, h.ai >= 25 && h.ai <= 27);
		err = obol_cbor_get_double(d, &v);
		if (err != OBOL_OK)
			return err;
		diag_double(w, v);
		obol_cbor_put_double(e, v);
		/* measure the re-encoding on its own: shorter than the input? */
		obol_cbor_enc_init(&m, NULL, 0);
		obol_cbor_put_double(&m, v);
		CHECK_INT(w->t, obol_cbor_enc_finish(&m, &width), OBOL_ERR_NO_SPACE);
		if (width != obol_cbor_offset(d) - off && w->first_longflt == SIZE_MAX)
			w->first_longflt = off;
		return OBOL_OK;
	}
	default:
		CHECK_INT(w->t, type, OBOL_CBOR_UINT); /* unknown type from peek */
		return OBOL_ERR_CBOR_TYPE;
	}
}

/* Walk the single item of in[0..len) with the given decoder flags, encode
 * it into out[0..cap); returns the walk's error, *out_len the encoding's
 * length. *w receives what the walk saw. */
static int walk_top(struct walk *w, const uint8_t *in, size_t len,
		    unsigned flags, const char *diag, uint8_t *out, size_t cap,
		    size_t *out_len)
{
	obol_cbor_dec d;
	obol_cbor_enc e;
	int err;

	w->in = in;
	w->in_len = len;
	w->diag = diag;
	w->diag_ok = 1;
	w->first_indef = SIZE_MAX;
	w->first_longflt = SIZE_MAX;
	w->used = 0;
	err = obol_cbor_dec_init(&d, in, len, flags);
	if (err != OBOL_OK)
		return err;
	obol_cbor_enc_init(&e, out, cap);
	err = walk_item(w, &d, &e, 0);
	if (err != OBOL_OK)
		return err;
	CHECK(w->t, obol_cbor_at_end(&d));
	CHECK_INT(w->t, obol_cbor_peek(&d), OBOL_ERR_CBOR_END);
	CHECK_INT(w->t, obol_cbor_offset(&d), len);
	return obol_cbor_enc_finish(&e, out_len);
}

/* ---- one vector -------------------------------------------------------- */

static void run_vector(struct obol_test_ctx *t, struct walk *w,
		       const uint8_t *in, size_t len, unsigned flags,
		       const char *diag)
{
	uint8_t out[VEC_MAX], again[VEC_MAX];
	size_t off, out_len = 0, again_len = 0, need = 0;
	obol_cbor_dec d;
	const uint8_t *p;
	size_t plen;
	int err;

	if (flags & F_REJECT) {
		/* f818: not well-formed in every mode, found at its head */
		off = 99;
		CHECK_INT(t, obol_cbor_validate(in, len, 0, &off),
			  OBOL_ERR_CBOR_BAD_SIMPLE);
		CHECK_INT(t, off, 0);
		off = 99;
		CHECK_INT(t, obol_cbor_validate(in, len, OBOL_CBOR_STRICT, &off),
			  OBOL_ERR_CBOR_BAD_SIMPLE);
		CHECK_INT(t, off, 0);
		off = 99;
		CHECK_INT(t, obol_cbor_validate(in, len, OBOL_CBOR_DETERMINISTIC, &off),
			  OBOL_ERR_CBOR_BAD_SIMPLE);
		CHECK_INT(t, off, 0);
		CHECK_INT(t, obol_cbor_dec_init(&d, in, len, OBOL_CBOR_STRICT),
			  OBOL_ERR_CBOR_BAD_SIMPLE);
		CHECK_INT(t, obol_cbor_offset(&d), 0);
		CHECK_INT(t, obol_cbor_peek(&d), OBOL_ERR_CBOR_END);
		/* the lazy decoder finds it when the item is read */
		CHECK_INT(t, obol_cbor_dec_init(&d, in, len, 0), OBOL_OK);
		{
			uint8_t v;
			obol_cbor_dec copy = d;
			CHECK_INT(t, obol_cbor_get_simple(&copy, &v),
				  OBOL_ERR_CBOR_BAD_SIMPLE);
			CHECK_INT(t, obol_cbor_offset(&copy), 0);
			copy = d;
			CHECK_INT(t, obol_cbor_skip(&copy), OBOL_ERR_CBOR_BAD_SIMPLE);
		}
		return;
	}

	/* validation, lenient */
	off = 99;
	CHECK_INT(t, obol_cbor_validate(in, len, 0, &off), OBOL_OK);

	/* the generic walk, lenient decoder */
	err = walk_top(w, in, len, 0, diag, out, sizeof out, &out_len);
	CHECK_INT(t, err, OBOL_OK);
	CHECK(t, w->diag_ok && *w->diag == '\0'); /* EXPECTED_DIAG matches */
	if (!w->diag_ok || *w->diag != '\0') {
		char msg[160] = "  diag differs from the decoded item at: ";
		strncat(msg, w->diag, sizeof msg - strlen(msg) - 1);
		t->out(msg);
	}

	if (flags & F_STRICT_REJECT) {
		size_t first_indef = w->first_indef;
		CHECK(t, first_indef != SIZE_MAX); /* the flag is right */
		off = 99;
		CHECK_INT(t, obol_cbor_validate(in, len, OBOL_CBOR_STRICT, &off),
			  OBOL_ERR_CBOR_INDEFINITE);
		CHECK_INT(t, off, first_indef);
		off = 99;
		CHECK_INT(t, obol_cbor_validate(in, len, OBOL_CBOR_DETERMINISTIC, &off),
			  OBOL_ERR_CBOR_INDEFINITE);
		CHECK_INT(t, off, first_indef);
		CHECK_INT(t, obol_cbor_dec_init(&d, in, len, OBOL_CBOR_STRICT),
			  OBOL_ERR_CBOR_INDEFINITE);
		CHECK_INT(t, obol_cbor_offset(&d), first_indef);
		CHECK_INT(t, obol_cbor_peek(&d), OBOL_ERR_CBOR_END);
		CHECK_INT(t, obol_cbor_skip(&d), OBOL_ERR_CBOR_END);
	} else {
		CHECK(t, w->first_indef == SIZE_MAX);
		off = 99;
		CHECK_INT(t, obol_cbor_validate(in, len, OBOL_CBOR_STRICT, &off),
			  OBOL_OK);
		off = 99;
		err = obol_cbor_validate(in, len, OBOL_CBOR_DETERMINISTIC, &off);
		if (flags & F_RT) {
			/* what the deterministic encoder makes is deterministic */
			CHECK_INT(t, err, OBOL_OK);
		} else {
			/* nort without indefinite lengths: a float with a shorter form */
			CHECK(t, w->first_longflt != SIZE_MAX);
			CHECK_INT(t, err, OBOL_ERR_CBOR_NON_SHORTEST);
			CHECK_INT(t, off, w->first_longflt);
		}
	}

	/* re-encoding */
	if (flags & F_RT) {
		CHECK_MEM(t, out, out_len, in, len);
		/* the strict decoder walks it the same way */
		CHECK_INT(t, walk_top(w, in, len, OBOL_CBOR_STRICT, diag, out,
				      sizeof out, &out_len), OBOL_OK);
		CHECK(t, w->diag_ok && *w->diag == '\0');
		CHECK_MEM(t, out, out_len, in, len);
	} else {
		CHECK(t, out_len != len || memcmp(out, in, len) != 0);
		off = 99;
		CHECK_INT(t, obol_cbor_validate(out, out_len, OBOL_CBOR_DETERMINISTIC, &off),
			  OBOL_OK);
		/* same value, same diagnostic minus the "_ " markers: not
		 * checked; but encoding the result again must be stable */
		CHECK_INT(t, walk_top(w, out, out_len, OBOL_CBOR_DETERMINISTIC,
				      "", again, sizeof again, &again_len), OBOL_OK);
		CHECK_MEM(t, again, again_len, out, out_len);
	}

	/* measuring pass: a NULL buffer gives the same length */
	CHECK_INT(t, walk_top(w, in, len, 0, diag, NULL, 0, &need),
		  OBOL_ERR_NO_SPACE);
	CHECK_INT(t, need, out_len);

	/* skip and get_raw span the whole item */
	CHECK_INT(t, obol_cbor_dec_init(&d, in, len, 0), OBOL_OK);
	CHECK_INT(t, obol_cbor_skip(&d), OBOL_OK);
	CHECK_INT(t, obol_cbor_offset(&d), len);
	CHECK(t, obol_cbor_at_end(&d));
	CHECK_INT(t, obol_cbor_skip(&d), OBOL_ERR_CBOR_END);
	CHECK_INT(t, obol_cbor_offset(&d), len);

	CHECK_INT(t, obol_cbor_dec_init(&d, in, len, 0), OBOL_OK);
	p = NULL;
	plen = 0;
	CHECK_INT(t, obol_cbor_get_raw(&d, &p, &plen), OBOL_OK);
	CHECK(t, p == in);
	CHECK_INT(t, plen, len);
	CHECK(t, obol_cbor_at_end(&d));
	CHECK_INT(t, obol_cbor_get_raw(&d, &p, &plen), OBOL_ERR_CBOR_END);
}

/* ---- the file ---------------------------------------------------------- */

/* FLAGS field to F_* bits; 0 if a flag is unknown or the combination is
 * not one of rt / nort / reject (exactly one), with optional strict-reject. */
static unsigned parse_flags(char *s)
{
	unsigned f = 0, kind;
	char *tok = s;

	for (;;) {
		char *comma = strchr(tok, ',');
		if (comma != NULL)
			*comma = '\0';
		if (strcmp(tok, "rt") == 0)
			f |= F_RT;
		else if (strcmp(tok, "nort") == 0)
			f |= F_NORT;
		else if (strcmp(tok, "strict-reject") == 0)
			f |= F_STRICT_REJECT;
		else if (strcmp(tok, "reject") == 0)
			f |= F_REJECT;
		else
			return 0;
		if (comma == NULL)
			break;
		tok = comma + 1;
	}
	kind = f & (F_RT | F_NORT | F_REJECT);
	if (kind != F_RT && kind != F_NORT && kind != F_REJECT)
		return 0;
	if ((f & F_STRICT_REJECT) && kind != F_NORT)
		return 0; /* an indefinite length never round-trips */
	return f;
}

/* Report which line of the vector file the failures above belong to. */
static void report_line(struct obol_test_ctx *t, unsigned lineno, const char *hex)
{
	char buf[160];
	size_t n;
	const char *prefix = "  ^ in " VEC_FILE " line ";
	char num[12];
	size_t i = sizeof num - 1;

	num[i] = '\0';
	do {
		num[--i] = (char)('0' + (int)(lineno % 10u));
		lineno /= 10u;
	} while (lineno != 0);
	/* keep the tail of a long path: the line number and hex matter */
	n = strlen(prefix);
	if (n > 60)
		prefix += n - 60;
	buf[0] = '\0';
	strncat(buf, prefix, sizeof buf - 1);
	strncat(buf, num + i, sizeof buf - 1 - strlen(buf));
	strncat(buf, ": ", sizeof buf - 1 - strlen(buf));
	strncat(buf, hex, sizeof buf - 1 - strlen(buf));
	t->out(buf);
}

void test_cbor_vectors(struct obol_test_ctx *t)
{
	struct walk w;
	char line[512];
	unsigned lineno = 0, count = 0, n_rt = 0, n_nort = 0, n_reject = 0;
	FILE *f = fopen(VEC_FILE, "r");

	if (f == NULL) {
		obol_test_fail(t, __FILE__, __LINE__,
			       "cannot open the vector file " VEC_FILE);
		return;
	}
	w.t = t;
	while (fgets(line, sizeof line, f) != NULL) {
		uint8_t in[VEC_MAX];
		char *flags_s, *diag;
		size_t n = strlen(line);
		unsigned flags, fail_before = t->failures;
		long len;

		lineno++;
		if (n == sizeof line - 1 && line[n - 1] != '\n') {
			obol_test_fail(t, __FILE__, __LINE__, "vector line too long");
			report_line(t, lineno, "");
			break;
		}
		while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			line[--n] = '\0';
		if (n == 0 || line[0] == '#')
			continue;

		/* HEX <TAB> FLAGS <TAB> EXPECTED_DIAG */
		flags_s = strchr(line, '\t');
		diag = flags_s != NULL ? strchr(flags_s + 1, '\t') : NULL;
		CHECK(t, diag != NULL && diag[1] != '\0' && strchr(diag + 1, '\t') == NULL);
		if (diag == NULL || diag[1] == '\0') {
			report_line(t, lineno, line);
			continue;
		}
		*flags_s++ = '\0';
		*diag++ = '\0';
		len = obol_test_unhex(line, in, sizeof in);
		flags = parse_flags(flags_s);
		CHECK(t, len > 0);
		CHECK(t, flags != 0);
		if (len > 0 && flags != 0) {
			count++;
			n_rt += (flags & F_RT) != 0;
			n_nort += (flags & F_NORT) != 0;
			n_reject += (flags & F_REJECT) != 0;
			run_vector(t, &w, in, (size_t)len, flags, diag);
		}
		if (t->failures != fail_before)
			report_line(t, lineno, line);
	}
	CHECK(t, !ferror(f));
	fclose(f);

	/* all of Appendix A, nothing silently skipped */
	CHECK_INT(t, count, VEC_COUNT);
	CHECK_INT(t, n_rt + n_nort + n_reject, VEC_COUNT);
	CHECK_INT(t, n_reject, 1);
}
