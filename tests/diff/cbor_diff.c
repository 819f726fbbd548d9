/*
 * obol side of the differential test against Python's cbor2
 * (tests/diff/cbor_diff.py drives it; see the comment there).
 *
 * Input, on stdin: one CBOR item per line, as hex. Output, on stdout: one
 * line per input line, with tab-separated fields:
 *
 *   1  "R"
 *   2  obol_cbor_validate(flags 0): code and offset, as "code@offset"
 *   3  obol_cbor_validate(OBOL_CBOR_STRICT): the same
 *   4  obol_cbor_validate(OBOL_CBOR_DETERMINISTIC): the same
 *   5  generic decode (non-strict cursor): its code, as "code@0"
 *   6  re-encoding of the decoded item with the obol encoder, in hex
 *      (map pairs sorted by the bytes of the encoded keys), or "-"
 *   7  harness notes: "-" when every internal consistency check held, else
 *      a ";"-separated list of what went wrong (the script fails on these)
 *   8  informational notes: "-", or known, documented obol quirks that
 *      the script counts without failing (see decode_top)
 *   9  the data model dump, or "-" when the decode failed:
 *        (uint N) (nint N: the value -1-N) (bstr HEX) (tstr HEX)
 *        (array X ...) (map K V ...) (tag N X) (simple N)
 *        (float HEX: bits of the double) (float nan)
 *      an empty string is (bstr) / (tstr), an empty container (array).
 *      Indefinite-length strings show their chunks joined.
 *
 * Consistency checks done here, beside what the script compares:
 * obol_cbor_dec_init() in strict and deterministic mode gives the same
 * verdict and offset as obol_cbor_validate(); a strict cursor decodes the
 * same dump as the non-strict one; obol_cbor_skip() and obol_cbor_get_raw()
 * end where the full decode of the same item ended; the typed getters
 * (get_int64/uint32/int32/bool/null/undefined) agree with the generic ones;
 * get_double agrees with a bit-level conversion of the raw half/single;
 * the decode and obol_cbor_validate() agree on well-formedness; the
 * encoder's size query (NULL buffer) and a one-byte-short buffer report
 * the same size as the real encoding. The re-encoding alternates between
 * the specific and the generic writers (put_int / put_uint, put_bool /
 * put_simple, put_tstr / put_text, ...) and writes map keys with
 * put_raw, so each of them is compared with the expected bytes.
 *
 * This is a host test program: it allocates (and frees everything), but
 * like the core it recurses no deeper than OBOL_CBOR_MAX_DEPTH + 1.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "obol/cbor.h"

/* Harness-only codes, outside the range of enum obol_err. */
#define H_ERR_TOO_DEEP (-1000) /* obol let the harness nest past the limit */
#define H_ERR_NOMEM (-1001)
#define H_ERR_CONSISTENCY (-1002)
/* An error that obol returned, as opposed to the harness giving up. */
#define IS_OBOL_ERR(rc) ((rc) < 0 && (rc) > H_ERR_TOO_DEEP)

struct node {
	int type;           /* enum obol_cbor_type */
	uint64_t u;         /* uint, nint (raw n), tag number, simple value */
	uint64_t fbits;     /* float: bits of the double from get_double */
	int fnan;           /* float: the double is a NaN */
	unsigned alt;       /* 1 on every other node: encode it through the
			       generic writer (put_uint, put_simple, ...) */
	uint8_t *str;       /* bstr / tstr bytes (chunks joined), malloc'd */
	size_t len;
	struct node *kids;  /* array members, map key/value pairs, tag content */
	size_t nkids;       /* count of struct node in kids */
};

/* Growable text/byte buffer. */
struct buf {
	char *p;
	size_t len;
	size_t cap;
	int oom;
};

/* Per-input state of the decode: failure notes, informational notes. */
struct ctx {
	struct buf notes;     /* consistency failures (the script fails) */
	struct buf info;      /* known quirks (the script counts them) */
	unsigned nodes;       /* nodes decoded so far */
	const uint8_t *input; /* the input (cursor fields are private) */
};

static void buf_put(struct buf *b, const void *p, size_t n)
{
	if (b->oom)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 256;
		char *q;
		while (cap < b->len + n + 1)
			cap *= 2;
		q = realloc(b->p, cap);
		if (q == NULL) {
			b->oom = 1;
			return;
		}
		b->p = q;
		b->cap = cap;
	}
	memcpy(b->p + b->len, p, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void buf_str(struct buf *b, const char *s)
{
	buf_put(b, s, strlen(s));
}

static void buf_hex(struct buf *b, const uint8_t *p, size_t n)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;
	char two[2];

	for (i = 0; i < n; i++) {
		two[0] = digits[p[i] >> 4];
		two[1] = digits[p[i] & 15u];
		buf_put(b, two, 2);
	}
}

static void buf_u64(struct buf *b, uint64_t v)
{
	char tmp[32];
	snprintf(tmp, sizeof tmp, "%llu", (unsigned long long)v);
	buf_str(b, tmp);
}

/* First failed consistency check of the current line (notes field). */
static void note(struct buf *notes, const char *what)
{
	if (notes->len)
		buf_str(notes, ";");
	buf_str(notes, what);
}

static void node_free(struct node *n)
{
	size_t i;

	for (i = 0; i < n->nkids; i++)
		node_free(&n->kids[i]);
	free(n->kids);
	free(n->str);
	memset(n, 0, sizeof *n);
}

static int node_add_kid(struct node *n, size_t *cap)
{
	if (n->nkids == *cap) {
		size_t c = *cap ? *cap * 2 : 4;
		struct node *k = realloc(n->kids, c * sizeof *k);
		if (k == NULL)
			return H_ERR_NOMEM;
		n->kids = k;
		*cap = c;
	}
	memset(&n->kids[n->nkids], 0, sizeof n->kids[0]);
	n->nkids++;
	return OBOL_OK;
}

static int str_append(struct node *n, const uint8_t *p, size_t len)
{
	uint8_t *s;

	/* +1: malloc(0) may return NULL, which would read as failure. */
	s = realloc(n->str, n->len + len + 1);
	if (s == NULL)
		return H_ERR_NOMEM;
	if (len)
		memcpy(s + n->len, p, len);
	n->str = s;
	n->len += len;
	return OBOL_OK;
}

static uint64_t dbl_bits(double d)
{
	uint64_t u;
	memcpy(&u, &d, sizeof u);
	return u;
}

/*
 * Independent half/single -> double conversion, on bits, to cross-check
 * obol_cbor_get_double. Returns the bits of the double.
 */
static uint64_t half_to_dbl_bits(uint64_t h)
{
	uint64_t sign = (h >> 15) & 1u, exp = (h >> 10) & 0x1fu,
		 man = h & 0x3ffu;

	if (exp == 0x1f)
		return (sign << 63) | (0x7ffull << 52) | (man << 42);
	if (exp == 0) {
		int e = -14;
		if (man == 0)
			return sign << 63;
		while (!(man & 0x400u)) { /* normalise the subnormal */
			man <<= 1;
			e--;
		}
		man &= 0x3ffu;
		return (sign << 63) | ((uint64_t)(e + 1023) << 52) | (man << 42);
	}
	return (sign << 63) | ((exp - 15 + 1023) << 52) | (man << 42);
}

static uint64_t single_to_dbl_bits(uint64_t f)
{
	uint64_t sign = (f >> 31) & 1u, exp = (f >> 23) & 0xffu,
		 man = f & 0x7fffffu;

	if (exp == 0xff)
		return (sign << 63) | (0x7ffull << 52) | (man << 29);
	if (exp == 0) {
		int e = -126;
		if (man == 0)
			return sign << 63;
		while (!(man & 0x800000u)) {
			man <<= 1;
			e--;
		}
		man &= 0x7fffffu;
		return (sign << 63) | ((uint64_t)(e + 1023) << 52) | (man << 29);
	}
	return (sign << 63) | ((exp - 127 + 1023) << 52) | (man << 29);
}

static int is_nan_bits(uint64_t b)
{
	return ((b >> 52) & 0x7ffu) == 0x7ffu && (b & 0xfffffffffffffull) != 0;
}

/* Cross-checks of the typed integer getters on a copy of the cursor. */
static void check_int_getters(const obol_cbor_dec *d, int type, uint64_t v,
			      struct buf *notes)
{
	obol_cbor_dec c;
	int64_t i64 = 0;
	int32_t i32 = 0;
	uint32_t u32 = 0;
	int rc;

	c = *d;
	rc = obol_cbor_get_int64(&c, &i64);
	if (type == OBOL_CBOR_UINT) {
		if (v <= (uint64_t)INT64_MAX ? (rc != OBOL_OK || (uint64_t)i64 != v)
					     : rc != OBOL_ERR_CBOR_RANGE)
			note(notes, "get_int64(uint)");
		c = *d;
		rc = obol_cbor_get_uint32(&c, &u32);
		if (v <= UINT32_MAX ? (rc != OBOL_OK || u32 != v)
				    : rc != OBOL_ERR_CBOR_RANGE)
			note(notes, "get_uint32");
		c = *d;
		rc = obol_cbor_get_int32(&c, &i32);
		if (v <= INT32_MAX ? (rc != OBOL_OK || (uint64_t)i32 != v)
				   : rc != OBOL_ERR_CBOR_RANGE)
			note(notes, "get_int32(uint)");
		c = *d;
		if (obol_cbor_get_nint_raw(&c, &v) != OBOL_ERR_CBOR_TYPE)
			note(notes, "get_nint_raw(uint)");
	} else {
		/* value -1 - v */
		if (v <= (uint64_t)INT64_MAX
			    ? (rc != OBOL_OK || i64 != -1 - (int64_t)v)
			    : rc != OBOL_ERR_CBOR_RANGE)
			note(notes, "get_int64(nint)");
		c = *d;
		rc = obol_cbor_get_int32(&c, &i32);
		if (v <= INT32_MAX ? (rc != OBOL_OK || i32 != -1 - (int32_t)v)
				   : rc != OBOL_ERR_CBOR_RANGE)
			note(notes, "get_int32(nint)");
		c = *d;
		if (obol_cbor_get_uint64(&c, &v) != OBOL_ERR_CBOR_TYPE)
			note(notes, "get_uint64(nint)");
	}
}

static void check_simple_getters(const obol_cbor_dec *d, uint8_t v,
				 struct buf *notes)
{
	obol_cbor_dec c = *d;
	int b = -1;
	int rc = obol_cbor_get_bool(&c, &b);

	if (v == OBOL_CBOR_FALSE || v == OBOL_CBOR_TRUE) {
		if (rc != OBOL_OK || b != (v == OBOL_CBOR_TRUE))
			note(notes, "get_bool");
	} else if (rc != OBOL_ERR_CBOR_TYPE) {
		note(notes, "get_bool(other)");
	}
	c = *d;
	rc = obol_cbor_get_null(&c);
	if (v == OBOL_CBOR_NULL ? rc != OBOL_OK : rc != OBOL_ERR_CBOR_TYPE)
		note(notes, "get_null");
	c = *d;
	rc = obol_cbor_get_undefined(&c);
	if (v == OBOL_CBOR_UNDEFINED ? rc != OBOL_OK : rc != OBOL_ERR_CBOR_TYPE)
		note(notes, "get_undefined");
}

/* Read an indefinite-length string chunk by chunk. */
static int decode_chunks(obol_cbor_dec *d, struct node *n)
{
	obol_cbor_dec ch;
	int rc = obol_cbor_enter_chunks(d, &ch);

	if (rc != OBOL_OK)
		return rc;
	while (!obol_cbor_at_end(&ch)) {
		const uint8_t *p = NULL;
		size_t len = 0;
		if (n->type == OBOL_CBOR_BSTR) {
			rc = obol_cbor_get_bstr(&ch, &p, &len);
		} else {
			const char *t = NULL;
			rc = obol_cbor_get_tstr(&ch, &t, &len);
			p = (const uint8_t *)t;
		}
		if (rc != OBOL_OK)
			return rc;
		rc = str_append(n, p, len);
		if (rc != OBOL_OK)
			return rc;
	}
	return obol_cbor_leave(d, &ch);
}

static int decode_item(obol_cbor_dec *d, struct node *n, unsigned level,
		       struct ctx *cx);

/* Read the members that the child cursor ch walks into n->kids. */
static int decode_members_of(obol_cbor_dec *ch, struct node *n,
			     unsigned level, size_t count, struct ctx *cx)
{
	size_t cap = 0, i, j, per = n->type == OBOL_CBOR_MAP ? 2 : 1;
	int rc;

	if (count == SIZE_MAX) {
		/* Indefinite: members until the break. */
		while (!obol_cbor_at_end(ch)) {
			rc = node_add_kid(n, &cap);
			if (rc == OBOL_OK)
				rc = decode_item(ch, &n->kids[n->nkids - 1],
						 level + 1, cx);
			if (rc != OBOL_OK)
				return rc;
		}
		/* A key without a value (bf 00 ff): decode_members sees to
		 * it, with the parent cursor at hand. */
		return OBOL_OK;
	}
	/* Definite: exactly count members (pairs); a bogus huge count is
	 * caught by the first getter that runs out of input. */
	for (i = 0; i < count; i++) {
		for (j = 0; j < per; j++) {
			if (obol_cbor_at_end(ch)) {
				note(&cx->notes, "at_end inside a definite container");
				return H_ERR_CONSISTENCY;
			}
			rc = node_add_kid(n, &cap);
			if (rc == OBOL_OK)
				rc = decode_item(ch, &n->kids[n->nkids - 1],
						 level + 1, cx);
			if (rc != OBOL_OK)
				return rc;
		}
	}
	if (!obol_cbor_at_end(ch)) {
		note(&cx->notes, "definite container not at_end after its members");
		return H_ERR_CONSISTENCY;
	}
	return OBOL_OK;
}

/* An array or a map: enter, read the members, leave. */
static int decode_members(obol_cbor_dec *d, struct node *n, unsigned level,
			  struct ctx *cx)
{
	obol_cbor_dec ch;
	size_t count = 0;
	int rc;

	if (n->type == OBOL_CBOR_MAP)
		rc = obol_cbor_enter_map(d, &ch, &count);
	else
		rc = obol_cbor_enter_array(d, &ch, &count);
	if (rc != OBOL_OK)
		return rc;
	rc = decode_members_of(&ch, n, level, count, cx);
	if (rc != OBOL_OK)
		return rc;
	rc = obol_cbor_leave(d, &ch);
	if (rc == OBOL_OK && n->type == OBOL_CBOR_MAP && n->nkids % 2) {
		/*
		 * at_end() said "done" after a key without a value: not
		 * well-formed (OBOL_ERR_CBOR_MAP_ODD), yet neither at_end()
		 * nor leave() refused it.
		 */
		note(&cx->notes, "indefinite map with a key without value: "
				 "at_end and leave accept it");
		return H_ERR_CONSISTENCY;
	}
	return rc;
}

static int decode_value(obol_cbor_dec *d, struct node *n, unsigned level,
			struct ctx *cx)
{
	const uint8_t *p = NULL;
	const char *t = NULL;
	size_t len = 0;
	uint8_t sv = 0;
	double dv = 0.0;
	struct obol_cbor_head h;
	int rc;

	switch (n->type) {
	case OBOL_CBOR_UINT:
	case OBOL_CBOR_NINT: {
		/* The typed getters are cross-checked on a copy first. */
		obol_cbor_dec c = *d;
		uint64_t v = 0;
		rc = n->type == OBOL_CBOR_UINT ? obol_cbor_get_uint64(&c, &v)
					       : obol_cbor_get_nint_raw(&c, &v);
		if (rc == OBOL_OK)
			check_int_getters(d, n->type, v, &cx->notes);
		return n->type == OBOL_CBOR_UINT ? obol_cbor_get_uint64(d, &n->u)
						 : obol_cbor_get_nint_raw(d, &n->u);
	}
	case OBOL_CBOR_BSTR:
		rc = obol_cbor_get_bstr(d, &p, &len);
		if (rc == OBOL_ERR_CBOR_INDEFINITE)
			return decode_chunks(d, n);
		if (rc == OBOL_OK)
			rc = str_append(n, p, len);
		return rc;
	case OBOL_CBOR_TSTR:
		rc = obol_cbor_get_tstr(d, &t, &len);
		if (rc == OBOL_ERR_CBOR_INDEFINITE)
			return decode_chunks(d, n);
		if (rc == OBOL_OK)
			rc = str_append(n, (const uint8_t *)t, len);
		return rc;
	case OBOL_CBOR_ARRAY:
	case OBOL_CBOR_MAP:
		return decode_members(d, n, level, cx);
	case OBOL_CBOR_TAG: {
		size_t cap = 0;
		rc = obol_cbor_get_tag(d, &n->u);
		if (rc == OBOL_OK)
			rc = node_add_kid(n, &cap);
		if (rc == OBOL_OK)
			rc = decode_item(d, &n->kids[0], level + 1, cx);
		return rc;
	}
	case OBOL_CBOR_SIMPLE: {
		obol_cbor_dec c = *d;
		rc = obol_cbor_get_simple(&c, &sv);
		if (rc == OBOL_OK)
			check_simple_getters(d, sv, &cx->notes);
		rc = obol_cbor_get_simple(d, &sv);
		n->u = sv;
		return rc;
	}
	case OBOL_CBOR_FLOAT:
		rc = obol_cbor_peek_head(d, &h);
		if (rc != OBOL_OK)
			return rc;
		rc = obol_cbor_get_double(d, &dv);
		if (rc != OBOL_OK)
			return rc;
		n->fbits = dbl_bits(dv);
		n->fnan = is_nan_bits(n->fbits);
		{
			uint64_t want = h.ai == 25   ? half_to_dbl_bits(h.arg)
					: h.ai == 26 ? single_to_dbl_bits(h.arg)
						     : h.arg;
			if (h.major != 7 || h.ai < 25 || h.ai > 27)
				note(&cx->notes, "float head");
			else if (is_nan_bits(want) ? !n->fnan : want != n->fbits)
				note(&cx->notes, "get_double differs from the raw bits");
		}
		return OBOL_OK;
	default:
		note(&cx->notes, "peek: unknown type");
		return H_ERR_CONSISTENCY;
	}
}

/*
 * Decode one item into n. level is the nesting level of the item (the
 * top-level item is 0); obol must refuse to enter past OBOL_CBOR_MAX_DEPTH,
 * so the harness recursion stops there too.
 */
static int decode_item(obol_cbor_dec *d, struct node *n, unsigned level,
		       struct ctx *cx)
{
	obol_cbor_dec c_skip = *d, c_raw = *d;
	const uint8_t *raw = NULL;
	size_t raw_len = 0, start = obol_cbor_offset(d);
	int rc, rc_skip, rc_raw;

	if (level > OBOL_CBOR_MAX_DEPTH) {
		/* config.h: arrays, maps and tags count one level each. */
		note(&cx->notes, "the cursor nests past OBOL_CBOR_MAX_DEPTH");
		return H_ERR_TOO_DEEP;
	}
	rc = obol_cbor_peek(d);
	if (rc < 0)
		return rc;
	n->type = rc;
	n->alt = cx->nodes++ & 1u;
	rc = decode_value(d, n, level, cx);
	if (rc != OBOL_OK) {
		/* Getters leave the cursor alone on error; a tag is two
		 * steps here (get_tag, then the content), so not for it. */
		if (n->type != OBOL_CBOR_TAG && IS_OBOL_ERR(rc) &&
		    obol_cbor_offset(d) != start)
			note(&cx->notes, "cursor moved on error");
		/* skip must not accept what the decode refused (except when
		 * the harness itself gave up). */
		if (IS_OBOL_ERR(rc) && obol_cbor_skip(&c_skip) == OBOL_OK)
			note(&cx->notes, "skip accepted an item the decode refused");
		return rc;
	}
	rc_skip = obol_cbor_skip(&c_skip);
	rc_raw = obol_cbor_get_raw(&c_raw, &raw, &raw_len);
	if (rc_skip != OBOL_OK || obol_cbor_offset(&c_skip) != obol_cbor_offset(d))
		note(&cx->notes, "skip does not end where the decode did");
	if (rc_raw != OBOL_OK || raw != cx->input + start ||
	    raw_len != obol_cbor_offset(d) - start ||
	    obol_cbor_offset(&c_raw) != obol_cbor_offset(d))
		note(&cx->notes, "get_raw does not cover the decoded item");
	return OBOL_OK;
}

/* Decode a whole input (exactly one item) into n. */
static int decode_top(const uint8_t *in, size_t len, unsigned flags,
		      struct node *n, struct ctx *cx)
{
	obol_cbor_dec d;
	int rc = obol_cbor_dec_init(&d, in, len, flags);

	if (rc != OBOL_OK)
		return rc;
	cx->input = in;
	rc = decode_item(&d, n, 0, cx);
	if (rc != OBOL_OK)
		return rc;
	/*
	 * The header says at_end() is 1 at the top level once "the input is
	 * consumed"; obol (as of this writing) gives 1 after the single item
	 * of a non-sequence input even when bytes follow. Trailing bytes are
	 * therefore found by the offset, and the at_end() answer goes to the
	 * informational field (counted by the script, not a failure).
	 */
	if (obol_cbor_offset(&d) != len) {
		if (obol_cbor_at_end(&d))
			note(&cx->info, "at_end_with_trailing_bytes");
		return OBOL_ERR_CBOR_TRAILING;
	}
	if (!obol_cbor_at_end(&d)) {
		note(&cx->notes, "at_end is 0 at the end of the input");
		return H_ERR_CONSISTENCY;
	}
	return OBOL_OK;
}

static void dump_node(struct buf *b, const struct node *n)
{
	size_t i;
	char tmp[40];

	switch (n->type) {
	case OBOL_CBOR_UINT:
	case OBOL_CBOR_NINT:
		buf_str(b, n->type == OBOL_CBOR_UINT ? "(uint " : "(nint ");
		buf_u64(b, n->u);
		buf_str(b, ")");
		return;
	case OBOL_CBOR_BSTR:
	case OBOL_CBOR_TSTR:
		buf_str(b, n->type == OBOL_CBOR_BSTR ? "(bstr" : "(tstr");
		if (n->len) {
			buf_str(b, " ");
			buf_hex(b, n->str, n->len);
		}
		buf_str(b, ")");
		return;
	case OBOL_CBOR_ARRAY:
	case OBOL_CBOR_MAP:
		buf_str(b, n->type == OBOL_CBOR_ARRAY ? "(array" : "(map");
		for (i = 0; i < n->nkids; i++) {
			buf_str(b, " ");
			dump_node(b, &n->kids[i]);
		}
		buf_str(b, ")");
		return;
	case OBOL_CBOR_TAG:
		buf_str(b, "(tag ");
		buf_u64(b, n->u);
		buf_str(b, " ");
		dump_node(b, &n->kids[0]);
		buf_str(b, ")");
		return;
	case OBOL_CBOR_SIMPLE:
		buf_str(b, "(simple ");
		buf_u64(b, n->u);
		buf_str(b, ")");
		return;
	case OBOL_CBOR_FLOAT:
		if (n->fnan)
			snprintf(tmp, sizeof tmp, "(float nan)");
		else
			snprintf(tmp, sizeof tmp, "(float %016llx)",
				 (unsigned long long)n->fbits);
		buf_str(b, tmp);
		return;
	default:
		buf_str(b, "(?)");
		return;
	}
}

static void encode_node(obol_cbor_enc *e, const struct node *n,
			struct buf *notes);

struct pair {
	uint8_t *key; /* deterministic encoding of the key */
	size_t key_len;
	const struct node *k;
	const struct node *v;
};

static int pair_cmp(const void *a, const void *b)
{
	const struct pair *x = a, *y = b;
	size_t m = x->key_len < y->key_len ? x->key_len : y->key_len;
	int c = memcmp(x->key, y->key, m);

	if (c)
		return c;
	return (x->key_len > y->key_len) - (x->key_len < y->key_len);
}

/*
 * Encode n into a fresh malloc'd buffer: size query first (NULL buffer),
 * then the real run. Returns OBOL_OK or an error (with *out NULL).
 */
static int encode_alloc(const struct node *n, uint8_t **out, size_t *len,
			struct buf *notes)
{
	obol_cbor_enc e;
	size_t need = 0, got = 0;
	int rc;

	*out = NULL;
	*len = 0;
	obol_cbor_enc_init(&e, NULL, 0);
	encode_node(&e, n, notes);
	rc = obol_cbor_enc_finish(&e, &need);
	if (rc != OBOL_ERR_NO_SPACE) {
		note(notes, "size query did not give OBOL_ERR_NO_SPACE");
		return rc == OBOL_OK ? H_ERR_CONSISTENCY : rc;
	}
	*out = malloc(need ? need : 1);
	if (*out == NULL)
		return H_ERR_NOMEM;
	obol_cbor_enc_init(&e, *out, need);
	encode_node(&e, n, notes);
	rc = obol_cbor_enc_finish(&e, &got);
	if (rc != OBOL_OK || got != need) {
		note(notes, "encoding size differs from the size query");
		free(*out);
		*out = NULL;
		return rc != OBOL_OK ? rc : H_ERR_CONSISTENCY;
	}
	*len = got;
	return OBOL_OK;
}

static void encode_map(obol_cbor_enc *e, const struct node *n,
		       struct buf *notes)
{
	size_t np = n->nkids / 2, i;
	struct pair *pairs = calloc(np ? np : 1, sizeof *pairs);

	if (pairs == NULL) {
		note(notes, "out of memory");
		return;
	}
	for (i = 0; i < np; i++) {
		pairs[i].k = &n->kids[2 * i];
		pairs[i].v = &n->kids[2 * i + 1];
		if (encode_alloc(pairs[i].k, &pairs[i].key, &pairs[i].key_len,
				 notes) != OBOL_OK) {
			note(notes, "map key did not encode");
			goto out;
		}
	}
	qsort(pairs, np, sizeof *pairs, pair_cmp);
	obol_cbor_put_map(e, np);
	for (i = 0; i < np; i++) {
		/* Keys go in as raw items (already deterministic), values
		 * through the encoder proper. */
		obol_cbor_put_raw(e, pairs[i].key, pairs[i].key_len);
		encode_node(e, pairs[i].v, notes);
	}
out:
	for (i = 0; i < np; i++)
		free(pairs[i].key);
	free(pairs);
}

static void encode_node(obol_cbor_enc *e, const struct node *n,
			struct buf *notes)
{
	size_t i;
	double d;

	switch (n->type) {
	/* Every writer gets its turn: the generic one on every other node. */
	case OBOL_CBOR_UINT:
		if (n->u <= (uint64_t)INT64_MAX && !n->alt)
			obol_cbor_put_int(e, (int64_t)n->u);
		else
			obol_cbor_put_uint(e, n->u);
		return;
	case OBOL_CBOR_NINT:
		if (n->u <= (uint64_t)INT64_MAX && !n->alt)
			obol_cbor_put_int(e, -1 - (int64_t)n->u);
		else
			obol_cbor_put_nint_raw(e, n->u);
		return;
	case OBOL_CBOR_BSTR:
		obol_cbor_put_bstr(e, n->str, n->len);
		return;
	case OBOL_CBOR_TSTR:
		if (n->alt && n->len && memchr(n->str, 0, n->len) == NULL) {
			/* put_text wants a C string: add the NUL. */
			char *t = malloc(n->len + 1);
			if (t != NULL) {
				memcpy(t, n->str, n->len);
				t[n->len] = '\0';
				obol_cbor_put_text(e, t);
				free(t);
				return;
			}
		}
		obol_cbor_put_tstr(e, (const char *)n->str, n->len);
		return;
	case OBOL_CBOR_ARRAY:
		obol_cbor_put_array(e, n->nkids);
		for (i = 0; i < n->nkids; i++)
			encode_node(e, &n->kids[i], notes);
		return;
	case OBOL_CBOR_MAP:
		encode_map(e, n, notes);
		return;
	case OBOL_CBOR_TAG:
		obol_cbor_put_tag(e, n->u);
		encode_node(e, &n->kids[0], notes);
		return;
	case OBOL_CBOR_SIMPLE:
		if (n->alt) {
			obol_cbor_put_simple(e, (uint8_t)n->u);
			return;
		}
		switch (n->u) {
		case OBOL_CBOR_FALSE:
		case OBOL_CBOR_TRUE:
			obol_cbor_put_bool(e, n->u == OBOL_CBOR_TRUE);
			return;
		case OBOL_CBOR_NULL:
			obol_cbor_put_null(e);
			return;
		case OBOL_CBOR_UNDEFINED:
			obol_cbor_put_undefined(e);
			return;
		default:
			obol_cbor_put_simple(e, (uint8_t)n->u);
			return;
		}
	case OBOL_CBOR_FLOAT:
		memcpy(&d, &n->fbits, sizeof d);
		obol_cbor_put_double(e, d);
		return;
	default:
		note(notes, "encode: unknown node type");
		return;
	}
}

/* Encode the top item; also try a buffer one byte short. */
static void encode_top(const struct node *n, struct buf *out,
		       struct buf *notes)
{
	uint8_t *enc = NULL, *small;
	size_t len = 0, len2 = 0;
	obol_cbor_enc e;
	int rc = encode_alloc(n, &enc, &len, notes);

	if (rc != OBOL_OK) {
		char tmp[32];
		snprintf(tmp, sizeof tmp, "err%d", rc);
		buf_str(out, tmp);
		return;
	}
	buf_hex(out, enc, len);
	if (len > 0) {
		/* Exactly len - 1 bytes, so ASan sees a write past the end. */
		small = malloc(len - 1 ? len - 1 : 1);
		if (small != NULL) {
			obol_cbor_enc_init(&e, len - 1 ? small : NULL, len - 1);
			encode_node(&e, n, notes);
			rc = obol_cbor_enc_finish(&e, &len2);
			if (rc != OBOL_ERR_NO_SPACE || len2 != len)
				note(notes, "short buffer: not NO_SPACE with the full size");
			free(small);
		}
	}
	free(enc);
}

static void put_code(struct buf *b, int rc, size_t off)
{
	char tmp[48];
	snprintf(tmp, sizeof tmp, "%d@%zu", rc, rc == OBOL_OK ? (size_t)0 : off);
	buf_str(b, tmp);
}

static int unhex_digit(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static void run_one(const uint8_t *in, size_t len, struct buf *out)
{
	static const unsigned vflags[3] = {0, OBOL_CBOR_STRICT,
					   OBOL_CBOR_DETERMINISTIC};
	struct ctx cx;
	struct node top, top_strict;
	int vrc[3], rc, rc_strict;
	size_t voff[3];
	unsigned i;

	memset(&cx, 0, sizeof cx);
	memset(&top, 0, sizeof top);
	memset(&top_strict, 0, sizeof top_strict);
	buf_str(out, "R");
	for (i = 0; i < 3; i++) {
		obol_cbor_dec d;
		int irc;
		voff[i] = (size_t)-1;
		vrc[i] = obol_cbor_validate(in, len, vflags[i], &voff[i]);
		buf_str(out, "\t");
		put_code(out, vrc[i], voff[i]);
		if (vrc[i] != OBOL_OK && voff[i] > len)
			note(&cx.notes, "validate: error offset past the input");
		/* dec_init validates in strict mode only. */
		irc = obol_cbor_dec_init(&d, in, len, vflags[i]);
		if (i == 0 ? irc != OBOL_OK
			   : (irc != vrc[i] ||
			      (irc != OBOL_OK && obol_cbor_offset(&d) != voff[i])))
			note(&cx.notes, i == 0 ? "dec_init(0) failed"
					    : "dec_init and validate disagree");
		if (i > 0 && irc != OBOL_OK &&
		    obol_cbor_peek(&d) != OBOL_ERR_CBOR_END)
			note(&cx.notes, "failed strict cursor still reads");
	}
	rc = decode_top(in, len, 0, &top, &cx);
	buf_str(out, "\t");
	put_code(out, rc, 0);
	if ((rc == OBOL_OK) != (vrc[0] == OBOL_OK) &&
	    (rc == OBOL_OK || IS_OBOL_ERR(rc)))
		note(&cx.notes, "decode and validate disagree");
	buf_str(out, "\t");
	if (rc == OBOL_OK)
		encode_top(&top, out, &cx.notes);
	else
		buf_str(out, "-");
	if (rc == OBOL_OK && vrc[1] == OBOL_OK) {
		/* A strict cursor must read the same data. */
		struct buf d1 = {NULL, 0, 0, 0}, d2 = {NULL, 0, 0, 0};
		rc_strict = decode_top(in, len, OBOL_CBOR_STRICT, &top_strict,
				       &cx);
		dump_node(&d1, &top);
		if (rc_strict == OBOL_OK)
			dump_node(&d2, &top_strict);
		if (rc_strict != OBOL_OK || d1.oom || d2.oom ||
		    strcmp(d1.p, d2.p) != 0)
			note(&cx.notes, "strict cursor decodes differently");
		free(d1.p);
		free(d2.p);
	}
	buf_str(out, "\t");
	if (cx.notes.oom)
		buf_str(out, "out of memory");
	else
		buf_str(out, cx.notes.len ? cx.notes.p : "-");
	buf_str(out, "\t");
	buf_str(out, cx.info.len && !cx.info.oom ? cx.info.p : "-");
	buf_str(out, "\t");
	if (rc == OBOL_OK)
		dump_node(out, &top);
	else
		buf_str(out, "-");
	buf_str(out, "\n");
	node_free(&top);
	node_free(&top_strict);
	free(cx.notes.p);
	free(cx.info.p);
}

int main(void)
{
	char *line = NULL;
	size_t cap = 0, lineno = 0;
	ssize_t n;
	uint8_t *in = NULL;
	struct buf out = {NULL, 0, 0, 0};
	int status = 0;

	while ((n = getline(&line, &cap, stdin)) >= 0) {
		size_t len = (size_t)n, i, nb;
		lineno++;
		while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			len--;
		if (len % 2) {
			fprintf(stderr, "cbor_diff: line %zu: odd hex length\n",
				lineno);
			status = 2;
			break;
		}
		nb = len / 2;
		free(in);
		in = malloc(nb ? nb : 1);
		if (in == NULL) {
			status = 2;
			break;
		}
		for (i = 0; i < nb; i++) {
			int hi = unhex_digit(line[2 * i]),
			    lo = unhex_digit(line[2 * i + 1]);
			if (hi < 0 || lo < 0)
				break;
			in[i] = (uint8_t)(hi << 4 | lo);
		}
		if (i < nb) {
			fprintf(stderr, "cbor_diff: line %zu: bad hex\n", lineno);
			status = 2;
			break;
		}
		/* An exact-size heap copy: ASan sees any read past the end. */
		out.len = 0;
		run_one(nb ? in : NULL, nb, &out);
		if (out.oom) {
			fprintf(stderr, "cbor_diff: out of memory\n");
			status = 2;
			break;
		}
		fputs(out.p, stdout);
	}
	free(line);
	free(in);
	free(out.p);
	if (fflush(stdout) != 0 || ferror(stdin))
		status = 2;
	return status;
}
