/*
 * SLIP framing (RFC 1055) of CoAP datagrams over a serial line.
 *
 * Concepts
 * --------
 * A serial line carries bytes, CoAP needs datagrams. SLIP delimits each
 * datagram with END (0xC0) and escapes END and ESC (0xDB) inside it as
 * ESC ESC_END (0xDB 0xDC) and ESC ESC_ESC (0xDB 0xDD). One SLIP frame is
 * exactly one CoAP message: the device (firmware/microbit) and the host
 * bridge (`obol bridge`) use this codec on both ends of the line.
 *
 * The codec is sans I/O and allocates nothing. The decoder is a small
 * state machine fed one byte at a time, writing the frame into a buffer
 * the caller passes with every call (so a device decodes straight into
 * its datagram buffer, with no second copy). It never grows: a frame
 * longer than the buffer is dropped whole (OBOL_ERR_SLIP_OVERFLOW), and
 * so is a frame with an escape RFC 1055 does not define
 * (OBOL_ERR_SLIP_ESCAPE; RFC 1055's sample code would pass the byte on,
 * but a corrupted datagram is worth nothing to CoAP). Empty frames (END
 * END: senders put an END before each frame to flush line noise) are
 * skipped silently.
 */
#ifndef OBOL_SLIP_H
#define OBOL_SLIP_H

#include <stddef.h>
#include <stdint.h>

#define OBOL_SLIP_END 0xC0u
#define OBOL_SLIP_ESC 0xDBu
#define OBOL_SLIP_ESC_END 0xDCu
#define OBOL_SLIP_ESC_ESC 0xDDu

/* Decoder state. Zero-initialise (or obol_slip_dec_init); memcpy copies it. */
struct obol_slip_dec {
	size_t len;    /* bytes of the current frame written so far */
	uint8_t esc;   /* the previous byte was ESC */
	uint8_t err;   /* 0, or the frame is being dropped: 1 escape, 2 overflow */
};

void obol_slip_dec_init(struct obol_slip_dec *d);

/*
 * Feed one byte of the line. buf[0..cap) is the frame buffer; pass the
 * same buffer for every byte of a frame. Returns
 *   0                       more bytes needed;
 *   1                       a frame ended: buf[0..*frame_len) holds it
 *                           (at least one byte); the next call starts a
 *                           new frame;
 *   OBOL_ERR_SLIP_ESCAPE,
 *   OBOL_ERR_SLIP_OVERFLOW  a frame ended and was dropped (buf holds
 *                           nothing of use); the next call starts anew.
 * *frame_len is written only when 1 is returned.
 */
int obol_slip_dec_byte(struct obol_slip_dec *d, uint8_t *buf, size_t cap,
		       uint8_t byte, size_t *frame_len);

/*
 * The escaped form of one byte of a frame's content: writes 1 or 2 bytes
 * to out and returns how many (for senders that stream a frame, e.g. to a
 * UART, without a second buffer). A frame is END, the escaped content,
 * END.
 */
size_t obol_slip_escape(uint8_t byte, uint8_t out[2]);

/*
 * The whole frame of in[0..len): END, escaped content, END, written to
 * out[0..cap); *out_len gets its length. out == NULL: only *out_len is
 * computed (the size needed, at most 2 * len + 2). OBOL_ERR_NO_SPACE if
 * it does not fit (nothing useful is written then).
 */
int obol_slip_encode(const uint8_t *in, size_t len, uint8_t *out, size_t cap,
		     size_t *out_len);

#endif /* OBOL_SLIP_H */
