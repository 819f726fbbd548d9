/*
 * libFuzzer target: the CoAP codec (include/obol/coap.h).
 *
 * 1. The input as a datagram. Whatever the bytes, obol_coap_parse returns
 *    OK or one of the CoAP errors. When it accepts them: the views lie in
 *    the input and tile it (header, token, options, marker, payload); the
 *    iterator walks the options without error in ascending order and ends
 *    exactly at opts + opts_len; find returns the first of each number and
 *    0 for absent ones; uri_path agrees with a join done here; and the
 *    builder, fed the parsed fields, gives back the input byte for byte.
 *    That last invariant holds because the option encoding of RFC 7252
 *    3.1 has exactly one form per value: 0..12 only as a nibble, 13..268
 *    only as nibble 13 + one byte (value - 13), 269..65804 only as nibble
 *    14 + two bytes (value - 269); there is no "non-shortest" form to
 *    accept. Measuring (NULL buffer) gives the same size, one byte less
 *    gives OBOL_ERR_NO_SPACE.
 * 2. The input as a builder program (ops below), checked against a model
 *    of the sticky errors; a message built without error parses back to
 *    the same options and payload.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "obol/coap.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define REQUIRE(c)                                                           \
	do {                                                                 \
		if (!(c))                                                    \
			abort();                                             \
	} while (0)

static int is_coap_err(int r)
{
	return r == OBOL_ERR_COAP_TRUNCATED || r == OBOL_ERR_COAP_VERSION ||
	       r == OBOL_ERR_COAP_TOKEN_LEN || r == OBOL_ERR_COAP_OPTION ||
	       r == OBOL_ERR_COAP_RESERVED || r == OBOL_ERR_COAP_EMPTY_PAYLOAD ||
	       r == OBOL_ERR_COAP_EMPTY_MSG;
}

/* Rebuild m into buf (cap bytes, or NULL); returns finish()'s result. */
static int rebuild(const struct obol_coap_msg *m, uint8_t *buf, size_t cap,
		   size_t *len)
{
	struct obol_coap_builder b;
	struct obol_coap_opt_iter it;
	const uint8_t *v;
	uint16_t num;
	size_t n;

	obol_coap_build_init(&b, buf, cap, m->type, m->code, m->mid, m->token,
			     m->token_len);
	obol_coap_opt_begin(m, &it);
	while (obol_coap_opt_next(&it, &num, &v, &n) > 0)
		obol_coap_add_option(&b, num, v, n);
	if (m->payload != NULL)
		obol_coap_set_payload(&b, m->payload, m->payload_len);
	return obol_coap_build_finish(&b, len);
}

static void check_parsed(const uint8_t *data, size_t size,
			 const struct obol_coap_msg *m)
{
	struct obol_coap_opt_iter it;
	const uint8_t *v, *fv;
	uint16_t num, prev = 0;
	size_t n, fn, count = 0, plen = 0, len;
	int r, bad_seg = 0, first = 1;
	uint8_t *out;
	char *path;

	/* The views tile the input. */
	REQUIRE(size >= 4 && (data[0] >> 6) == 1);
	REQUIRE(m->type == ((data[0] >> 4) & 3) && m->code == data[1]);
	REQUIRE(m->mid == (uint16_t)(data[2] << 8 | data[3]));
	REQUIRE(m->token_len <= 8 && m->token_len == (data[0] & 15));
	REQUIRE(memcmp(m->token, data + 4, m->token_len) == 0);
	REQUIRE(m->opts == data + 4 + m->token_len);
	if (m->payload != NULL) {
		REQUIRE(m->payload_len > 0);
		REQUIRE(m->opts[m->opts_len] == 0xff);
		REQUIRE(m->payload == m->opts + m->opts_len + 1);
		REQUIRE(m->payload + m->payload_len == data + size);
	} else {
		REQUIRE(m->payload_len == 0);
		REQUIRE(m->opts + m->opts_len == data + size);
	}
	if (m->code == OBOL_COAP_EMPTY)
		REQUIRE(size == 4);

	/* Iterate: ascending, in bounds, ends at the end of the run. */
	obol_coap_opt_begin(m, &it);
	while ((r = obol_coap_opt_next(&it, &num, &v, &n)) > 0) {
		REQUIRE(r == 1);
		REQUIRE(v >= m->opts && v + n <= m->opts + m->opts_len);
		REQUIRE(num >= prev && it.num == num);
		/* find gives the first of each number. */
		if (first || num != prev) {
			REQUIRE(obol_coap_opt_find(m, num, &fv, &fn) == 1);
			REQUIRE(fv == v && fn == n);
			if (num > prev + 1 || (first && num > 0))
				REQUIRE(obol_coap_opt_find(m, (uint16_t)(num - 1),
							   &fv, &fn) == 0);
		}
		{
			uint32_t u;
			int ur = obol_coap_opt_uint(v, n, &u);
			REQUIRE(ur == (n <= 4 ? OBOL_OK : OBOL_ERR_COAP_OPTION));
		}
		if (num == OBOL_COAP_OPT_URI_PATH) {
			plen += 1 + n;
			if (memchr(v, '/', n) != NULL)
				bad_seg = 1;
		}
		prev = num;
		first = 0;
		count++;
	}
	REQUIRE(r == 0 && it.p == m->opts + m->opts_len);
	REQUIRE(obol_coap_opt_next(&it, &num, &v, &n) == 0);
	REQUIRE(count <= m->opts_len);
	if (!first && prev < 65535)
		REQUIRE(obol_coap_opt_find(m, (uint16_t)(prev + 1), &fv, &fn) == 0);

	/* uri_path against a join done here. */
	if (plen == 0)
		plen = 1;
	path = malloc(plen + 1);
	REQUIRE(path != NULL);
	r = obol_coap_uri_path(m, path, plen + 1, &len);
	if (bad_seg) {
		REQUIRE(r == OBOL_ERR_COAP_OPTION);
	} else {
		size_t o = 0;
		REQUIRE(r == OBOL_OK && len == plen);
		obol_coap_opt_begin(m, &it);
		while (obol_coap_opt_next(&it, &num, &v, &n) > 0) {
			if (num != OBOL_COAP_OPT_URI_PATH)
				continue;
			REQUIRE(path[o] == '/' && memcmp(path + o + 1, v, n) == 0);
			o += 1 + n;
		}
		REQUIRE(o == 0 ? path[0] == '/' && len == 1 : o == len);
		REQUIRE(obol_coap_uri_path(m, path, plen - 1, &len) ==
			OBOL_ERR_NO_SPACE);
	}
	free(path);

	/* Canonical: the builder gives back the input, byte for byte. */
	REQUIRE(rebuild(m, NULL, 0, &len) == OBOL_OK && len == size);
	out = malloc(size);
	REQUIRE(out != NULL);
	REQUIRE(rebuild(m, out, size, &len) == OBOL_OK && len == size);
	REQUIRE(memcmp(out, data, size) == 0);
	REQUIRE(rebuild(m, out, size - 1, &len) == OBOL_ERR_NO_SPACE);
	REQUIRE(len == size);
	free(out);
}

/* ---- builder program ---------------------------------------------------- */

#define MAX_OPTS 64

struct model {
	int err;
	uint32_t last;
	int payload;
	size_t nopts;
	uint16_t num[MAX_OPTS];
	const uint8_t *val[MAX_OPTS];
	size_t len[MAX_OPTS];
	uint32_t uval[MAX_OPTS]; /* uint options (val NULL) */
	const uint8_t *pl;
	size_t pl_len;
};

static void model_fail(struct model *md, int err)
{
	if (md->err == OBOL_OK)
		md->err = err;
}

/* Returns the option's slot, or -1 (refused or past MAX_OPTS). */
static int model_opt(struct model *md, uint16_t num, const uint8_t *v,
		     size_t n)
{
	if (md->payload || num < md->last) {
		model_fail(md, OBOL_ERR_COAP_ORDER);
		return -1;
	}
	md->last = num;
	if (md->nopts++ >= MAX_OPTS)
		return -1;
	md->num[md->nopts - 1] = num;
	md->val[md->nopts - 1] = v;
	md->len[md->nopts - 1] = n;
	return (int)(md->nopts - 1);
}

/*
 * Bytes: type, code, mid (2), token length (0..15, 9+ is refused), token,
 * then ops until the input ends: op % 4 = 0 option (delta byte, length
 * byte, value), 1 uint option (delta byte, 4 bytes), 2 Uri-Path from
 * "path" (length byte), 3 payload (length byte).
 */
static void run_program(const uint8_t *d, size_t size)
{
	struct obol_coap_builder b;
	struct model md;
	struct obol_coap_msg m;
	uint8_t type, code, *out;
	uint16_t mid;
	size_t tkl, i, len, need = 0, k;
	int r;

	if (size < 5)
		return;
	memset(&md, 0, sizeof md);
	type = d[0] & 7; /* 4..7 are refused */
	code = d[1];
	mid = (uint16_t)(d[2] << 8 | d[3]);
	tkl = d[4] & 15;
	if (tkl > size - 5)
		tkl = size - 5;
	if (tkl > 8)
		model_fail(&md, OBOL_ERR_COAP_TOKEN_LEN);
	if (type > 3)
		model_fail(&md, OBOL_ERR_ARG);
	/* Built twice: measuring, then into a buffer of the size measured. */
	for (k = 0; k < 2; k++) {
		size_t ops = 0;
		if (k == 1) {
			md.err = OBOL_OK;
			md.last = 0;
			md.payload = 0;
			md.nopts = 0;
			md.pl = NULL;
			md.pl_len = 0;
			if (tkl > 8)
				model_fail(&md, OBOL_ERR_COAP_TOKEN_LEN);
			if (type > 3)
				model_fail(&md, OBOL_ERR_ARG);
		}
		out = k == 0 ? NULL : malloc(need ? need : 1);
		REQUIRE(k == 0 || out != NULL);
		obol_coap_build_init(&b, out, k == 0 ? 0 : need, type, code, mid,
				     d + 5, tkl);
		i = 5 + tkl;
		while (i < size && ops++ < 200) {
			uint8_t op = d[i++];
			size_t a = i < size ? d[i] : 0, n;
			uint16_t num;
			if (i < size)
				i++;
			num = (uint16_t)(md.last + a + (op & 0x80 ? 256u * (op & 0x70) : 0));
			if ((op & 0x08) && a > md.last)
				num = (uint16_t)(md.last - a); /* out of order */
			switch (op & 3) {
			case 0:
				n = i < size ? d[i] : 0;
				if (i < size)
					i++;
				if (op & 0x04)
					n += 256; /* longer forms */
				if (n > size - i)
					n = size - i;
				obol_coap_add_option(&b, num, d + i, n);
				(void)model_opt(&md, num, d + i, n);
				i += n;
				break;
			case 1: {
				uint32_t v = 0, t;
				size_t e = 0, j;
				int slot;
				for (j = 0; j < 4 && i < size; j++)
					v = v << 8 | d[i++];
				obol_coap_add_uint_option(&b, num, v);
				/* shortest form: as many bytes as v needs */
				for (t = v; t; t >>= 8)
					e++;
				slot = model_opt(&md, num, NULL, e);
				if (slot >= 0)
					md.uval[slot] = v;
				break;
			}
			case 2: {
				size_t s, j = i;
				n = a % 16;
				if (n > size - i)
					n = size - i;
				obol_coap_add_uri_path(&b, (const char *)d + i, n);
				/* the same split: non-empty runs between '/' */
				while (j < i + n) {
					while (j < i + n && d[j] == '/')
						j++;
					s = j;
					while (j < i + n && d[j] != '/')
						j++;
					if (j > s)
						(void)model_opt(&md, OBOL_COAP_OPT_URI_PATH,
								d + s, j - s);
				}
				i += n;
				break;
			}
			default:
				n = a;
				if (n > size - i)
					n = size - i;
				obol_coap_set_payload(&b, d + i, n);
				if (md.payload) {
					model_fail(&md, OBOL_ERR_ARG);
				} else {
					md.payload = 1;
					md.pl = d + i;
					md.pl_len = n;
				}
				i += n;
				break;
			}
		}
		r = obol_coap_build_finish(&b, &len);
		REQUIRE(r == md.err);
		if (k == 0) {
			need = len;
			if (r != OBOL_OK)
				return;
			continue;
		}
		REQUIRE(len == need);
		/* Parse back: the same options and payload. */
		r = obol_coap_parse(out, len, &m);
		if (code == OBOL_COAP_EMPTY && len > 4) {
			REQUIRE(r == OBOL_ERR_COAP_EMPTY_MSG);
		} else {
			struct obol_coap_opt_iter it;
			const uint8_t *v;
			uint16_t on;
			size_t j = 0, vn;
			REQUIRE(r == OBOL_OK);
			REQUIRE(m.type == type && m.code == code && m.mid == mid);
			REQUIRE(m.token_len == tkl &&
				memcmp(m.token, d + 5, tkl) == 0);
			obol_coap_opt_begin(&m, &it);
			while (obol_coap_opt_next(&it, &on, &v, &vn) > 0) {
				if (j < MAX_OPTS) {
					REQUIRE(on == md.num[j] && vn == md.len[j]);
					if (md.val[j] != NULL) {
						REQUIRE(memcmp(v, md.val[j], vn) == 0);
					} else {
						uint32_t u;
						REQUIRE(obol_coap_opt_uint(v, vn, &u) == OBOL_OK);
						REQUIRE(u == md.uval[j]);
					}
				}
				j++;
			}
			REQUIRE(j == md.nopts);
			REQUIRE(m.payload_len == md.pl_len);
			if (md.pl_len)
				REQUIRE(memcmp(m.payload, md.pl, md.pl_len) == 0);
		}
		free(out);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct obol_coap_msg m;
	int r = obol_coap_parse(data, size, &m);

	REQUIRE(r == OBOL_OK || is_coap_err(r));
	if (r == OBOL_OK)
		check_parsed(data, size, &m);
	run_program(data, size);
	return 0;
}
