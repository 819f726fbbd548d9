/*
 * CBOR encoder (RFC 8949): deterministic heads (4.2.1), sticky errors.
 * See include/obol/cbor.h for the contract.
 */
#include <string.h>

#include "obol/cbor.h"
#include "cbor_float.h"

void obol_cbor_enc_init(obol_cbor_enc *e, uint8_t *buf, size_t cap)
{
	e->buf = buf;
	e->cap = buf ? cap : 0;
	e->len = 0;
	e->owed = 0;
	e->err = OBOL_OK;
}

int obol_cbor_enc_finish(const obol_cbor_enc *e, size_t *len)
{
	if (len)
		*len = e->len;
	if (e->err)
		return e->err;
	if (e->owed)
		return OBOL_ERR_CBOR_NESTING;
	if (e->buf == NULL && e->len > 0)
		return OBOL_ERR_NO_SPACE; /* measured only */
	return OBOL_OK;
}

static void fail(obol_cbor_enc *e, int err)
{
	if (e->err == OBOL_OK)
		e->err = err;
}

void obol_cbor_enc_fail(obol_cbor_enc *e, int err)
{
	fail(e, err < 0 ? err : OBOL_ERR_ARG);
}

/* Append bytes; past the capacity only count them. */
static void emit(obol_cbor_enc *e, const uint8_t *p, size_t n)
{
	if (n > SIZE_MAX - e->len) {
		fail(e, OBOL_ERR_NO_SPACE);
		return;
	}
	if (e->err == OBOL_OK && e->buf != NULL) {
		if (n <= e->cap - e->len) {
			if (n)
				memcpy(e->buf + e->len, p, n);
		} else {
			fail(e, OBOL_ERR_NO_SPACE);
		}
	}
	e->len += n;
}

/* One more item is written: it fills a slot of the open containers. */
static void item(obol_cbor_enc *e)
{
	if (e->owed)
		e->owed--;
}

/* The shortest head for (major, arg), RFC 8949 4.2.1. */
static void head(obol_cbor_enc *e, uint8_t major, uint64_t arg)
{
	uint8_t b[9];
	unsigned ib = (unsigned)major << 5;
	size_t n, i;

	if (arg < 24) {
		b[0] = (uint8_t)(ib | (unsigned)arg);
		emit(e, b, 1);
		return;
	}
	if (arg <= 0xffu) {
		b[0] = (uint8_t)(ib | 24u);
		n = 1;
	} else if (arg <= 0xffffu) {
		b[0] = (uint8_t)(ib | 25u);
		n = 2;
	} else if (arg <= 0xffffffffu) {
		b[0] = (uint8_t)(ib | 26u);
		n = 4;
	} else {
		b[0] = (uint8_t)(ib | 27u);
		n = 8;
	}
	for (i = 0; i < n; i++)
		b[n - i] = (uint8_t)(arg >> (8 * i));
	emit(e, b, n + 1);
}

void obol_cbor_put_uint(obol_cbor_enc *e, uint64_t v)
{
	item(e);
	head(e, 0, v);
}

void obol_cbor_put_nint_raw(obol_cbor_enc *e, uint64_t n)
{
	item(e);
	head(e, 1, n);
}

void obol_cbor_put_int(obol_cbor_enc *e, int64_t v)
{
	item(e);
	if (v >= 0)
		head(e, 0, (uint64_t)v);
	else
		head(e, 1, (uint64_t)(-(v + 1))); /* -1 - v, without overflow */
}

void obol_cbor_put_bstr(obol_cbor_enc *e, const uint8_t *p, size_t len)
{
	item(e);
	if (p == NULL && len != 0) {
		fail(e, OBOL_ERR_ARG);
		return;
	}
	head(e, 2, len);
	emit(e, p, len);
}

void obol_cbor_put_tstr(obol_cbor_enc *e, const char *p, size_t len)
{
	item(e);
	if (p == NULL && len != 0) {
		fail(e, OBOL_ERR_ARG);
		return;
	}
	head(e, 3, len);
	emit(e, (const uint8_t *)p, len);
}

void obol_cbor_put_text(obol_cbor_enc *e, const char *s)
{
	if (s == NULL) {
		item(e);
		fail(e, OBOL_ERR_ARG);
		return;
	}
	obol_cbor_put_tstr(e, s, strlen(s));
}

/* A container or tag head: it fills one slot and opens `members` new ones. */
static void container(obol_cbor_enc *e, uint8_t major, uint64_t arg,
		      size_t members)
{
	item(e);
	if (members > SIZE_MAX - e->owed) {
		fail(e, OBOL_ERR_ARG);
		return;
	}
	e->owed += members;
	head(e, major, arg);
}

void obol_cbor_put_array(obol_cbor_enc *e, size_t n)
{
	container(e, 4, n, n);
}

void obol_cbor_put_map(obol_cbor_enc *e, size_t npairs)
{
	if (npairs > SIZE_MAX / 2) {
		item(e);
		fail(e, OBOL_ERR_ARG);
		return;
	}
	container(e, 5, npairs, 2 * npairs);
}

/* The tag and its content are one item to the enclosing container. */
void obol_cbor_put_tag(obol_cbor_enc *e, uint64_t tag)
{
	container(e, 6, tag, 1);
}

void obol_cbor_put_simple(obol_cbor_enc *e, uint8_t v)
{
	item(e);
	if (v >= 24 && v < 32) {
		fail(e, OBOL_ERR_ARG); /* RFC 8949 3.3: not well-formed */
		return;
	}
	if (v < 24) {
		head(e, 7, v);
	} else {
		uint8_t b[2] = {0xf8, v};
		emit(e, b, 2);
	}
}

void obol_cbor_put_bool(obol_cbor_enc *e, int v)
{
	obol_cbor_put_simple(e, v ? OBOL_CBOR_TRUE : OBOL_CBOR_FALSE);
}

void obol_cbor_put_null(obol_cbor_enc *e)
{
	obol_cbor_put_simple(e, OBOL_CBOR_NULL);
}

void obol_cbor_put_undefined(obol_cbor_enc *e)
{
	obol_cbor_put_simple(e, OBOL_CBOR_UNDEFINED);
}

void obol_cbor_put_double(obol_cbor_enc *e, double v)
{
	uint64_t bits, raw;
	uint8_t ai, b[9];
	size_t n, i;

	item(e);
	memcpy(&bits, &v, sizeof bits);
	ai = obol_cbor_float_shortest(bits, &raw);
	n = (size_t)1 << (ai - 24);
	b[0] = (uint8_t)(0xe0u | ai);
	for (i = 0; i < n; i++)
		b[n - i] = (uint8_t)(raw >> (8 * i));
	emit(e, b, n + 1);
}

void obol_cbor_put_raw(obol_cbor_enc *e, const uint8_t *p, size_t len)
{
	item(e);
	if (p == NULL || len == 0) {
		fail(e, OBOL_ERR_ARG);
		return;
	}
	emit(e, p, len);
}
