/* SLIP framing (RFC 1055, slip.h): round trips, byte-at-a-time decoding,
 * the escapes, dropped frames, buffer limits. */
#include <string.h>

#include "obol/err.h"
#include "obol/slip.h"
#include "test.h"

/* Feed n bytes; returns the number of frames completed, the last in out. */
static int feed(struct obol_slip_dec *d, const uint8_t *p, size_t n,
		uint8_t *buf, size_t cap, size_t *len, int *last_err)
{
	size_t i;
	int frames = 0;

	*last_err = 0;
	for (i = 0; i < n; i++) {
		int rc = obol_slip_dec_byte(d, buf, cap, p[i], len);

		if (rc == 1)
			frames++;
		else if (rc < 0)
			*last_err = rc;
	}
	return frames;
}

void test_slip(struct obol_test_ctx *t)
{
	static const uint8_t msg[] = {0x40, 0xc0, 0x01, 0xdb, 0xdc, 0xdd, 0xc0, 0xdb};
	static const uint8_t enc_want[] = {0xc0, 0x40, 0xdb, 0xdc, 0x01, 0xdb, 0xdd,
					   0xdc, 0xdd, 0xdb, 0xdc, 0xdb, 0xdd, 0xc0};
	uint8_t enc[64], buf[16], all[256], big[2 * 256 + 2];
	struct obol_slip_dec d;
	size_t n = 0, len = 0, i;
	int err;

	/* encoding: the RFC 1055 escapes, END on both sides; size query */
	CHECK_INT(t, obol_slip_encode(msg, sizeof msg, NULL, 0, &n), OBOL_OK);
	CHECK_INT(t, (long long)n, (long long)sizeof enc_want);
	CHECK_INT(t, obol_slip_encode(msg, sizeof msg, enc, sizeof enc, &n), OBOL_OK);
	CHECK_MEM(t, enc, n, enc_want, sizeof enc_want);
	CHECK_INT(t, obol_slip_encode(msg, sizeof msg, enc, sizeof enc_want - 1, &n),
		  OBOL_ERR_NO_SPACE);
	CHECK_INT(t, obol_slip_encode(msg, 0, enc, 2, &n), OBOL_OK);
	CHECK_INT(t, (long long)n, 2);

	/* decoding, one byte at a time: the frame back */
	obol_slip_dec_init(&d);
	CHECK_INT(t, feed(&d, enc_want, sizeof enc_want, buf, sizeof buf, &len, &err), 1);
	CHECK_MEM(t, buf, len, msg, sizeof msg);
	CHECK_INT(t, err, 0);

	/* every byte value survives, in a frame as long as the buffer */
	for (i = 0; i < sizeof all; i++)
		all[i] = (uint8_t)i;
	CHECK_INT(t, obol_slip_encode(all, sizeof all, big, sizeof big, &n), OBOL_OK);
	{
		uint8_t out[256];

		obol_slip_dec_init(&d);
		CHECK_INT(t, feed(&d, big, n, out, sizeof out, &len, &err), 1);
		CHECK_MEM(t, out, len, all, sizeof all);
		/* one byte less room: dropped whole, then the next frame is fine */
		obol_slip_dec_init(&d);
		CHECK_INT(t, feed(&d, big, n, out, sizeof out - 1, &len, &err), 0);
		CHECK_INT(t, err, OBOL_ERR_SLIP_OVERFLOW);
		CHECK_INT(t, feed(&d, enc_want, sizeof enc_want, out, sizeof out, &len, &err), 1);
		CHECK_MEM(t, out, len, msg, sizeof msg);
	}

	/* empty frames are skipped; bad escapes drop the frame */
	{
		static const uint8_t empty[] = {0xc0, 0xc0, 0xc0};
		static const uint8_t bad1[] = {0xc0, 0x41, 0xdb, 0x41, 0x42, 0xc0};
		static const uint8_t bad2[] = {0x41, 0xdb, 0xc0};
		static const uint8_t good[] = {0x41, 0xc0};

		obol_slip_dec_init(&d);
		CHECK_INT(t, feed(&d, empty, sizeof empty, buf, sizeof buf, &len, &err), 0);
		CHECK_INT(t, err, 0);
		CHECK_INT(t, feed(&d, bad1, sizeof bad1, buf, sizeof buf, &len, &err), 0);
		CHECK_INT(t, err, OBOL_ERR_SLIP_ESCAPE);
		CHECK_INT(t, feed(&d, bad2, sizeof bad2, buf, sizeof buf, &len, &err), 0);
		CHECK_INT(t, err, OBOL_ERR_SLIP_ESCAPE);
		CHECK_INT(t, feed(&d, good, sizeof good, buf, sizeof buf, &len, &err), 1);
		CHECK_INT(t, (long long)len, 1);
		CHECK_INT(t, buf[0], 0x41);
	}
}
