/*
 * libFuzzer target: the CBOR decoder. Every input is validated in each
 * mode, then walked with the cursor getters; the invariants below must
 * hold for any bytes (a failed assertion is a crash the fuzzer reports).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "obol/cbor.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define REQUIRE(c)                                                           \
	do {                                                                 \
		if (!(c))                                                    \
			abort();                                             \
	} while (0)

/* Walk every item the cursor offers; returns the first error or OBOL_OK.
 * Depth is bounded by OBOL_CBOR_MAX_DEPTH through enter_*(). */
static int walk(obol_cbor_dec *d)
{
	while (!obol_cbor_at_end(d)) {
		obol_cbor_dec child, save = *d;
		struct obol_cbor_head h;
		int t = obol_cbor_peek(d), err;
		const uint8_t *p;
		size_t n, before = obol_cbor_offset(d);
		uint64_t u;
		double f;
		uint8_t s;

		if (t < 0)
			return t;
		REQUIRE(obol_cbor_peek_head(d, &h) == OBOL_OK);
		switch (t) {
		case OBOL_CBOR_UINT:
			err = obol_cbor_get_uint64(d, &u);
			break;
		case OBOL_CBOR_NINT:
			err = obol_cbor_get_nint_raw(d, &u);
			break;
		case OBOL_CBOR_BSTR:
		case OBOL_CBOR_TSTR:
			if (h.ai == 31) {
				err = obol_cbor_enter_chunks(d, &child);
				if (!err)
					err = walk(&child);
				if (!err)
					err = obol_cbor_leave(d, &child);
			} else {
				err = obol_cbor_get_bstr(d, &p, &n);
				if (err == OBOL_ERR_CBOR_TYPE)
					err = obol_cbor_get_tstr(d, (const char **)&p, &n);
				if (!err)
					REQUIRE(p >= d->buf && p + n <= d->buf + d->end);
			}
			break;
		case OBOL_CBOR_ARRAY:
		case OBOL_CBOR_MAP:
			err = t == OBOL_CBOR_ARRAY ? obol_cbor_enter_array(d, &child, &n)
						   : obol_cbor_enter_map(d, &child, &n);
			if (!err)
				err = walk(&child);
			if (!err)
				err = obol_cbor_leave(d, &child);
			break;
		case OBOL_CBOR_TAG:
			err = obol_cbor_get_tag(d, &u);
			break;
		case OBOL_CBOR_SIMPLE:
			err = obol_cbor_get_simple(d, &s);
			break;
		default:
			err = obol_cbor_get_double(d, &f);
			break;
		}
		if (err) {
			/* A failing getter leaves the cursor where it was. */
			REQUIRE(obol_cbor_offset(d) == before);
			return err;
		}
		REQUIRE(obol_cbor_offset(d) > before || t == OBOL_CBOR_TAG);
		/* skip must land where reading did. */
		if (t != OBOL_CBOR_TAG) {
			obol_cbor_dec k = save;
			if (obol_cbor_skip(&k) == OBOL_OK)
				REQUIRE(obol_cbor_offset(&k) == obol_cbor_offset(d));
		}
	}
	return OBOL_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const unsigned modes[] = {
		0, OBOL_CBOR_SEQUENCE, OBOL_CBOR_STRICT,
		OBOL_CBOR_STRICT | OBOL_CBOR_SEQUENCE, OBOL_CBOR_DETERMINISTIC};
	size_t i, off;
	int plain, strict, det;

	plain = obol_cbor_validate(data, size, 0, &off);
	strict = obol_cbor_validate(data, size, OBOL_CBOR_STRICT, &off);
	det = obol_cbor_validate(data, size, OBOL_CBOR_DETERMINISTIC, &off);
	/* Each mode only adds rules. */
	if (det == OBOL_OK)
		REQUIRE(strict == OBOL_OK);
	if (strict == OBOL_OK)
		REQUIRE(plain == OBOL_OK);
	if (plain != OBOL_OK)
		REQUIRE(off <= size);

	for (i = 0; i < sizeof modes / sizeof modes[0]; i++) {
		obol_cbor_dec d;
		int err = obol_cbor_dec_init(&d, data, size, modes[i]);
		if (err) {
			REQUIRE(modes[i] & (OBOL_CBOR_STRICT | OBOL_CBOR_DETERMINISTIC));
			REQUIRE(obol_cbor_at_end(&d));
			continue;
		}
		err = walk(&d);
		/* Valid input walks without error. */
		if (modes[i] & (OBOL_CBOR_STRICT | OBOL_CBOR_DETERMINISTIC))
			REQUIRE(err == OBOL_OK);
		if (plain == OBOL_OK)
			REQUIRE(err == OBOL_OK);
	}

	/* Deterministic input re-encodes to itself through get_raw/put_raw. */
	if (det == OBOL_OK) {
		obol_cbor_dec d;
		const uint8_t *p;
		size_t n;
		REQUIRE(obol_cbor_dec_init(&d, data, size, OBOL_CBOR_DETERMINISTIC) == OBOL_OK);
		REQUIRE(obol_cbor_get_raw(&d, &p, &n) == OBOL_OK);
		REQUIRE(p == data && n == size);
	}
	return 0;
}
