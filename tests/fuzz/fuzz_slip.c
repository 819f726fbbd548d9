/*
 * libFuzzer target: the SLIP decoder (slip.h) on any line bytes. The
 * input is fed byte by byte into a 64-byte frame buffer (small, so that
 * overflow is reached often) behind a guard area. Invariants:
 *
 *   - the decoder never writes past cap (the guard bytes are untouched);
 *   - every frame it returns is 1..cap bytes;
 *   - a returned frame, encoded with obol_slip_encode and decoded again by
 *     a fresh decoder, gives the same bytes (round trip);
 *   - the frames returned are exactly those of an independent model of
 *     RFC 1055 written below (END splits, ESC ESC_END / ESC ESC_ESC are
 *     the only escapes, empty frames skipped, a frame over cap dropped).
 *
 * A failed invariant calls abort(), which the fuzzer reports.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "obol/err.h"
#include "obol/slip.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CAP 64
#define GUARD 16

#define REQUIRE(c)                                                           \
	do {                                                                 \
		if (!(c))                                                    \
			abort();                                             \
	} while (0)

/* The model: the next frame of data[*pos..size) (1 with it in out/len;
 * 0 at the end of the input, where an unterminated frame is pending). */
static int model_next(const uint8_t *data, size_t size, size_t *pos,
		      uint8_t *out, size_t *len)
{
	for (;;) {
		size_t i = *pos, n = 0;
		int bad = 0, esc = 0;

		while (i < size && data[i] != OBOL_SLIP_END) {
			uint8_t b = data[i++];

			if (esc) {
				esc = 0;
				if (b == OBOL_SLIP_ESC_END)
					b = OBOL_SLIP_END;
				else if (b == OBOL_SLIP_ESC_ESC)
					b = OBOL_SLIP_ESC;
				else
					bad = 1;
			} else if (b == OBOL_SLIP_ESC) {
				esc = 1;
				continue;
			}
			if (!bad && n < CAP)
				out[n] = b;
			n++;
		}
		if (i >= size)
			return 0; /* no END: the frame is still open */
		*pos = i + 1;
		if (esc)
			bad = 1; /* ESC right before END */
		if (n == 0 && !bad)
			continue; /* empty frame: skipped */
		if (bad || n > CAP) {
			*len = 0; /* dropped */
			return 1;
		}
		*len = n;
		return 1;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct obol_slip_dec d, d2;
	uint8_t buf[CAP + GUARD], frame[CAP], enc[2 * CAP + 2], back[CAP];
	uint8_t want[CAP];
	size_t i, flen, wlen, elen, blen, mpos = 0;
	int rc, k;

	memset(buf + CAP, 0xA5, GUARD);
	obol_slip_dec_init(&d);
	for (i = 0; i < size; i++) {
		rc = obol_slip_dec_byte(&d, buf, CAP, data[i], &flen);
		for (k = 0; k < GUARD; k++)
			REQUIRE(buf[CAP + k] == 0xA5);
		if (rc == 0)
			continue;
		REQUIRE(model_next(data, size, &mpos, want, &wlen) == 1);
		if (rc != 1) {
			REQUIRE(rc == OBOL_ERR_SLIP_ESCAPE ||
				rc == OBOL_ERR_SLIP_OVERFLOW);
			REQUIRE(wlen == 0);
			continue;
		}
		REQUIRE(flen >= 1 && flen <= CAP);
		REQUIRE(wlen == flen && memcmp(want, buf, flen) == 0);
		memcpy(frame, buf, flen);
		REQUIRE(obol_slip_encode(frame, flen, enc, sizeof enc, &elen) ==
			OBOL_OK);
		obol_slip_dec_init(&d2);
		blen = 0;
		for (k = 0; k < (int)elen; k++) {
			rc = obol_slip_dec_byte(&d2, back, sizeof back, enc[k],
						&blen);
			if (rc != 0)
				break;
		}
		REQUIRE(rc == 1 && k == (int)elen - 1);
		REQUIRE(blen == flen && memcmp(back, frame, flen) == 0);
	}
	/* no frame the model sees was missed */
	REQUIRE(model_next(data, size, &mpos, want, &wlen) == 0);
	return 0;
}
