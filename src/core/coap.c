/*
 * CoAP message codec (RFC 7252 section 3). See include/obol/coap.h for the
 * contract.
 *
 * The option encoding is canonical: a delta or length 0..12 has only the
 * nibble form, 13..268 only nibble 13 plus one byte (value - 13), and
 * 269..65804 only nibble 14 plus two bytes (value - 269) (RFC 7252 3.1).
 * So a parsed message rebuilt from its fields gives back the same bytes;
 * the fuzz target checks this.
 *
 * Parse checks run in this order, so that each datagram has one error:
 * length >= 4, version, TKL <= 8, Empty message (4.1: TKL 0 and nothing
 * after the header, so an Empty message with TKL 1 and no token is
 * EMPTY_MSG, not TRUNCATED), token inside, then each option in turn
 * (nibble 15 before its extended bytes), then the payload marker. *m is
 * written only on success.
 */
#include <string.h>

#include "obol/coap.h"

/* Largest option value length the 2-byte extended form can carry. */
#define OPT_LEN_MAX (65535u + 269u)

/*
 * Decode the option at *pp (RFC 7252 3.1): 1 with *num advanced by the
 * delta and the value, 0 at the end of the run or at the payload marker,
 * or an error. Nothing is updated on error or at the end.
 */
static int opt_read(const uint8_t **pp, const uint8_t *end, uint16_t *num,
		    const uint8_t **val, size_t *len)
{
	const uint8_t *p = *pp;
	uint32_t f[2];
	unsigned i;

	if (p == end || *p == 0xff)
		return 0;
	f[0] = (uint32_t)(*p >> 4); /* delta */
	f[1] = (uint32_t)(*p & 15); /* length */
	p++;
	/* 3.1: nibble 15 is reserved outside the payload marker. */
	if (f[0] == 15 || f[1] == 15)
		return OBOL_ERR_COAP_RESERVED;
	for (i = 0; i < 2; i++) {
		if (f[i] == 13) {
			if (p == end)
				return OBOL_ERR_COAP_OPTION;
			f[i] = 13u + p[0];
			p += 1;
		} else if (f[i] == 14) {
			if (end - p < 2)
				return OBOL_ERR_COAP_OPTION;
			f[i] = 269u + ((uint32_t)p[0] << 8 | p[1]);
			p += 2;
		}
	}
	/* Numbers are 16-bit (5.4.6, registry 12.2): the delta sum must stay
	 * below 65536; the value must lie inside the run. */
	f[0] += *num;
	if (f[0] > 0xffffu || (size_t)(end - p) < f[1])
		return OBOL_ERR_COAP_OPTION;
	*num = (uint16_t)f[0];
	*val = p;
	*len = f[1];
	*pp = p + f[1];
	return 1;
}

int obol_coap_parse(const uint8_t *buf, size_t len, struct obol_coap_msg *m)
{
	const uint8_t *p, *end, *opts, *v;
	uint16_t num = 0;
	size_t n, tkl;
	int r;

	/* 3: Ver (2 bits), T (2), TKL (4), Code, Message ID. */
	if (len < 4)
		return OBOL_ERR_COAP_TRUNCATED;
	if ((buf[0] >> 6) != 1)
		return OBOL_ERR_COAP_VERSION;
	tkl = buf[0] & 15u;
	if (tkl > 8)
		return OBOL_ERR_COAP_TOKEN_LEN;
	/* 4.1: an Empty message is the 4-byte header alone, TKL 0. */
	if (buf[1] == OBOL_COAP_EMPTY && (tkl != 0 || len > 4))
		return OBOL_ERR_COAP_EMPTY_MSG;
	if (len - 4 < tkl)
		return OBOL_ERR_COAP_TRUNCATED;
	opts = p = buf + 4 + tkl;
	end = buf + len;
	while ((r = opt_read(&p, end, &num, &v, &n)) > 0)
		;
	if (r < 0)
		return r;
	/* 3: a marker followed by a zero-length payload is an error. */
	if (end - p == 1)
		return OBOL_ERR_COAP_EMPTY_PAYLOAD;
	memset(m, 0, sizeof *m);
	m->opts = opts;
	m->opts_len = (size_t)(p - opts);
	if (p != end) {
		m->payload = ++p;
		m->payload_len = (size_t)(end - p);
	}
	m->type = (uint8_t)((buf[0] >> 4) & 3);
	m->code = buf[1];
	m->mid = (uint16_t)(buf[2] << 8 | buf[3]);
	m->token_len = (uint8_t)tkl;
	memcpy(m->token, buf + 4, tkl);
	return OBOL_OK;
}

void obol_coap_opt_begin(const struct obol_coap_msg *m,
			 struct obol_coap_opt_iter *it)
{
	it->p = m->opts;
	it->end = m->opts + m->opts_len;
	it->num = 0;
}

int obol_coap_opt_next(struct obol_coap_opt_iter *it, uint16_t *num,
		       const uint8_t **val, size_t *len)
{
	int r = opt_read(&it->p, it->end, &it->num, val, len);

	if (r < 0) {
		it->p = it->end; /* stop here on an unchecked run */
		return OBOL_ERR_COAP_OPTION;
	}
	*num = it->num;
	return r;
}

int obol_coap_opt_find(const struct obol_coap_msg *m, uint16_t num,
		       const uint8_t **val, size_t *len)
{
	struct obol_coap_opt_iter it;
	uint16_t n;

	obol_coap_opt_begin(m, &it);
	/* Numbers ascend (3.1), so stop at the first one past num. */
	while (obol_coap_opt_next(&it, &n, val, len) > 0 && n <= num)
		if (n == num)
			return 1;
	return 0;
}

int obol_coap_opt_uint(const uint8_t *val, size_t len, uint32_t *v)
{
	uint32_t x = 0;

	/* 3.2: uint, 0..4 bytes, big-endian (leading zeros tolerated). */
	if (len > 4)
		return OBOL_ERR_COAP_OPTION;
	while (len--)
		x = x << 8 | *val++;
	*v = x;
	return OBOL_OK;
}

int obol_coap_uri_path(const struct obol_coap_msg *m, char *out, size_t cap,
		       size_t *len)
{
	struct obol_coap_opt_iter it;
	const uint8_t *v;
	size_t n, o = 0;
	uint16_t num;

	/* 5.10.1: each Uri-Path option is one segment, in order; an empty
	 * one stays (so ["a", ""] is "/a/"). */
	obol_coap_opt_begin(m, &it);
	while (obol_coap_opt_next(&it, &num, &v, &n) > 0) {
		if (num != OBOL_COAP_OPT_URI_PATH)
			continue;
		if (memchr(v, '/', n) != NULL)
			return OBOL_ERR_COAP_OPTION;
		if (cap - o <= n)
			return OBOL_ERR_NO_SPACE;
		out[o++] = '/';
		memcpy(out + o, v, n);
		o += n;
	}
	if (o == 0) {
		if (cap == 0)
			return OBOL_ERR_NO_SPACE;
		out[o++] = '/';
	}
	*len = o;
	return OBOL_OK;
}

/* Builder */

static void fail(struct obol_coap_builder *b, int err)
{
	if (b->err == OBOL_OK)
		b->err = err;
}

/* Append bytes; past the capacity, or after an error, only count them. */
static void put(struct obol_coap_builder *b, const uint8_t *p, size_t n)
{
	if (b->err == OBOL_OK && b->buf != NULL) {
		if (n <= b->cap - b->len) {
			if (n)
				memcpy(b->buf + b->len, p, n);
		} else {
			fail(b, OBOL_ERR_NO_SPACE);
		}
	}
	b->len += n;
}

void obol_coap_build_init(struct obol_coap_builder *b, uint8_t *buf,
			  size_t cap, uint8_t type, uint8_t code, uint16_t mid,
			  const uint8_t *token, size_t token_len)
{
	uint8_t h[4];

	b->buf = buf;
	b->cap = cap;
	b->len = 0;
	b->last = 0;
	b->payload = 0;
	b->err = OBOL_OK;
	if (token_len > 8)
		fail(b, OBOL_ERR_COAP_TOKEN_LEN);
	if (type > 3)
		fail(b, OBOL_ERR_ARG);
	h[0] = (uint8_t)(0x40u | (type & 3u) << 4 | (unsigned)(token_len & 15u));
	h[1] = code;
	h[2] = (uint8_t)(mid >> 8);
	h[3] = (uint8_t)mid;
	put(b, h, 4);
	put(b, token, token_len);
}

size_t obol_coap_opt_header(uint8_t h[5], uint32_t delta, uint32_t len)
{
	uint32_t f[2];
	size_t n = 1;
	unsigned i;

	/* 3.1: delta then length, each as a nibble plus 0, 1 or 2 bytes. */
	f[0] = delta;
	f[1] = len;
	h[0] = 0;
	for (i = 0; i < 2; i++) {
		uint32_t v = f[i];
		uint32_t nib = v;
		if (v >= 269) {
			v -= 269;
			nib = 14;
			h[n++] = (uint8_t)(v >> 8);
			h[n++] = (uint8_t)v;
		} else if (v >= 13) {
			nib = 13;
			h[n++] = (uint8_t)(v - 13);
		}
		h[0] = (uint8_t)((uint32_t)h[0] << 4 | nib);
	}
	return n;
}

void obol_coap_add_option(struct obol_coap_builder *b, uint16_t num,
			  const uint8_t *val, size_t len)
{
	uint8_t h[5];

	if (b->payload || num < b->last) {
		fail(b, OBOL_ERR_COAP_ORDER);
		return;
	}
	if (len > OPT_LEN_MAX) {
		fail(b, OBOL_ERR_COAP_OPTION);
		return;
	}
	put(b, h, obol_coap_opt_header(h, (uint32_t)num - b->last, (uint32_t)len));
	put(b, val, len);
	b->last = num;
}

void obol_coap_add_uint_option(struct obol_coap_builder *b, uint16_t num,
			       uint32_t v)
{
	uint8_t t[4];
	size_t n = 4;

	/* 3.2: as few bytes as possible; 0 is the empty value. */
	for (; v != 0; v >>= 8)
		t[--n] = (uint8_t)v;
	obol_coap_add_option(b, num, t + n, 4 - n);
}

/* One option per non-empty piece of s between separators sep. */
static void add_split(struct obol_coap_builder *b, uint16_t num, char sep,
		      const char *s, size_t len)
{
	size_t i = 0, start;

	while (i < len) {
		while (i < len && s[i] == sep)
			i++;
		start = i;
		while (i < len && s[i] != sep)
			i++;
		if (i > start)
			obol_coap_add_option(b, num, (const uint8_t *)s + start, i - start);
	}
}

void obol_coap_add_uri_path(struct obol_coap_builder *b, const char *path,
			    size_t len)
{
	/* 5.10.1 / 6.5 step 8: one Uri-Path option per non-empty segment. */
	add_split(b, OBOL_COAP_OPT_URI_PATH, '/', path, len);
}

void obol_coap_add_uri_query(struct obol_coap_builder *b, const char *query,
			     size_t len)
{
	/* 6.5 step 9: one Uri-Query option per argument. */
	add_split(b, OBOL_COAP_OPT_URI_QUERY, '&', query, len);
}

int obol_coap_uri_query(const struct obol_coap_msg *m, const char *name,
			size_t name_len, const uint8_t **val, size_t *len)
{
	struct obol_coap_opt_iter it;
	const uint8_t *v;
	uint16_t num;
	size_t n;

	obol_coap_opt_begin(m, &it);
	while (obol_coap_opt_next(&it, &num, &v, &n) > 0) {
		if (num != OBOL_COAP_OPT_URI_QUERY || n < name_len ||
		    (name_len && memcmp(v, name, name_len) != 0))
			continue;
		if (n == name_len) { /* a bare "name" */
			*val = v + n;
			*len = 0;
			return 1;
		}
		if (v[name_len] == '=') {
			*val = v + name_len + 1;
			*len = n - name_len - 1;
			return 1;
		}
	}
	return 0;
}

unsigned obol_coap_oscore_class(uint16_t num)
{
	switch (num) {
	case OBOL_COAP_OPT_URI_HOST:
	case OBOL_COAP_OPT_URI_PORT:
	case OBOL_COAP_OPT_OSCORE:
	case OBOL_COAP_OPT_PROXY_URI:
	case OBOL_COAP_OPT_PROXY_SCHEME:
		return OBOL_COAP_CLASS_U;
	case OBOL_COAP_OPT_OBSERVE:
	case OBOL_COAP_OPT_MAX_AGE:
	case OBOL_COAP_OPT_BLOCK2:
	case OBOL_COAP_OPT_BLOCK1:
	case OBOL_COAP_OPT_SIZE2:
	case OBOL_COAP_OPT_SIZE1:
	case OBOL_COAP_OPT_NO_RESPONSE:
		return OBOL_COAP_CLASS_E | OBOL_COAP_CLASS_U;
	default:
		return OBOL_COAP_CLASS_E;
	}
}

void obol_coap_set_payload(struct obol_coap_builder *b, const uint8_t *p,
			   size_t len)
{
	static const uint8_t marker = 0xff;

	if (b->payload) {
		fail(b, OBOL_ERR_ARG);
		return;
	}
	b->payload = 1;
	if (len) {
		put(b, &marker, 1);
		put(b, p, len);
	}
}

int obol_coap_build_finish(const struct obol_coap_builder *b, size_t *len)
{
	if (len)
		*len = b->len;
	return b->err;
}
