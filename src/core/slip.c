/* SLIP framing (RFC 1055), see slip.h. */
#include "obol/slip.h"

#include "obol/err.h"

#define DROP_ESCAPE 1u
#define DROP_OVERFLOW 2u

void obol_slip_dec_init(struct obol_slip_dec *d)
{
	d->len = 0;
	d->esc = 0;
	d->err = 0;
}

int obol_slip_dec_byte(struct obol_slip_dec *d, uint8_t *buf, size_t cap,
		       uint8_t byte, size_t *frame_len)
{
	if (byte == OBOL_SLIP_END) {
		size_t n = d->len;
		uint8_t err = d->err;

		/* An ESC right before END is a bad escape too. */
		if (d->esc && err == 0)
			err = DROP_ESCAPE;
		obol_slip_dec_init(d);
		if (err == DROP_OVERFLOW)
			return OBOL_ERR_SLIP_OVERFLOW;
		if (err != 0)
			return OBOL_ERR_SLIP_ESCAPE;
		if (n == 0)
			return 0; /* empty frame: line noise flushed */
		*frame_len = n;
		return 1;
	}
	if (d->err != 0)
		return 0; /* dropping the rest of this frame */
	if (d->esc) {
		d->esc = 0;
		if (byte == OBOL_SLIP_ESC_END) {
			byte = OBOL_SLIP_END;
		} else if (byte == OBOL_SLIP_ESC_ESC) {
			byte = OBOL_SLIP_ESC;
		} else {
			d->err = DROP_ESCAPE;
			return 0;
		}
	} else if (byte == OBOL_SLIP_ESC) {
		d->esc = 1;
		return 0;
	}
	if (d->len >= cap) {
		d->err = DROP_OVERFLOW;
		return 0;
	}
	buf[d->len++] = byte;
	return 0;
}

size_t obol_slip_escape(uint8_t byte, uint8_t out[2])
{
	if (byte == OBOL_SLIP_END || byte == OBOL_SLIP_ESC) {
		out[0] = OBOL_SLIP_ESC;
		out[1] = byte == OBOL_SLIP_END ? OBOL_SLIP_ESC_END
					       : OBOL_SLIP_ESC_ESC;
		return 2;
	}
	out[0] = byte;
	return 1;
}

int obol_slip_encode(const uint8_t *in, size_t len, uint8_t *out, size_t cap,
		     size_t *out_len)
{
	size_t i, n = 2;
	uint8_t e[2];

	for (i = 0; i < len; i++)
		n += obol_slip_escape(in[i], e);
	*out_len = n;
	if (out == NULL)
		return OBOL_OK;
	if (n > cap)
		return OBOL_ERR_NO_SPACE;
	n = 0;
	out[n++] = OBOL_SLIP_END;
	for (i = 0; i < len; i++) {
		size_t k = obol_slip_escape(in[i], e), j;

		for (j = 0; j < k; j++)
			out[n++] = e[j];
	}
	out[n++] = OBOL_SLIP_END;
	return OBOL_OK;
}
