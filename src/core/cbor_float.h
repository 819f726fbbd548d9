/*
 * Internal: IEEE 754 half/single/double conversions by bit manipulation,
 * exact or refused, so that no floating-point arithmetic (soft-float on a
 * Cortex-M0) is linked in. Used by the CBOR decoder and encoder.
 */
#ifndef OBOL_CBOR_FLOAT_H
#define OBOL_CBOR_FLOAT_H

#include <stdint.h>

/* Bits of the double equal to the float in a CBOR head (ai 25, 26, 27). */
uint64_t obol_cbor_float_to_double_bits(uint8_t ai, uint64_t raw);

/*
 * The shortest encoding of a double's value (RFC 8949 4.2.1, preferred
 * serialization): sets *raw and returns its ai (25 half, 26 single,
 * 27 double). Every NaN becomes the half-precision quiet NaN 0x7e00.
 */
uint8_t obol_cbor_float_shortest(uint64_t dbits, uint64_t *raw);

/*
 * 1 if the float in a head (ai 25..27) is in deterministic form: the
 * shortest width that keeps its value, and NaN only as 0x7e00 (half).
 */
int obol_cbor_float_is_deterministic(uint8_t ai, uint64_t raw);

#endif
