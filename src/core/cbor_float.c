/*
 * IEEE 754 binary16/32/64 conversions for CBOR floats (RFC 8949 3.3,
 * 4.2.1). Integer operations only.
 */
#include "cbor_float.h"

#define D_MANT_BITS 52
#define D_MANT_MASK ((UINT64_C(1) << D_MANT_BITS) - 1)
#define D_EXP_MAX 0x7ffu
#define D_BIAS 1023

/* A binary format with `mb` mantissa bits, `eb` exponent bits. */
struct ffmt {
	unsigned mb, eb;
};

static const struct ffmt half = {10, 5}, single = {23, 8};

/* Widen a half or single (given by fmt) to double bits: always exact. */
static uint64_t widen(struct ffmt f, uint64_t raw)
{
	uint64_t sign = (raw >> (f.mb + f.eb)) & 1u;
	uint64_t e = (raw >> f.mb) & ((1u << f.eb) - 1u);
	uint64_t m = raw & ((UINT64_C(1) << f.mb) - 1u);
	int bias = (1 << (f.eb - 1)) - 1;
	uint64_t out = sign << 63;

	if (e == ((1u << f.eb) - 1u)) /* infinity, NaN: keep the payload */
		return out | ((uint64_t)D_EXP_MAX << D_MANT_BITS) | (m << (D_MANT_BITS - f.mb));
	if (e == 0) {
		int p = -1;
		uint64_t t;
		if (m == 0)
			return out; /* +-0 */
		/* Subnormal: m * 2^(1 - bias - mb). Normalise on the top bit. */
		for (t = m; t; t >>= 1)
			p++;
		m = (m << (D_MANT_BITS - (unsigned)p)) & D_MANT_MASK;
		e = (uint64_t)(p + 1 - bias - (int)f.mb + D_BIAS);
		return out | (e << D_MANT_BITS) | m;
	}
	return out | ((uint64_t)((int)e - bias + D_BIAS) << D_MANT_BITS) |
	       (m << (D_MANT_BITS - f.mb));
}

uint64_t obol_cbor_float_to_double_bits(uint8_t ai, uint64_t raw)
{
	if (ai == 25)
		return widen(half, raw);
	if (ai == 26)
		return widen(single, raw);
	return raw;
}

/* Narrow double bits to fmt if exact: 1 and *out set, else 0. */
static int narrow(struct ffmt f, uint64_t d, uint64_t *out)
{
	uint64_t sign = d >> 63;
	int e = (int)((d >> D_MANT_BITS) & D_EXP_MAX);
	uint64_t m = d & D_MANT_MASK;
	int bias = (1 << (f.eb - 1)) - 1;
	unsigned drop = D_MANT_BITS - f.mb;
	uint64_t emax = (1u << f.eb) - 1u;
	int ue;

	sign <<= f.mb + f.eb;
	if (e == (int)D_EXP_MAX) {
		if (m & ((UINT64_C(1) << drop) - 1u))
			return 0; /* NaN payload bits would be lost */
		if (m != 0 && (m >> drop) == 0)
			return 0; /* would turn a NaN into infinity */
		*out = sign | (emax << f.mb) | (m >> drop);
		return 1;
	}
	if (e == 0) {
		if (m != 0)
			return 0; /* double subnormals are below any narrower range */
		*out = sign;
		return 1;
	}
	ue = e - D_BIAS;
	if (ue > bias)
		return 0; /* too large */
	if (ue >= 1 - bias) { /* normal in fmt */
		if (m & ((UINT64_C(1) << drop) - 1u))
			return 0;
		*out = sign | ((uint64_t)(ue + bias) << f.mb) | (m >> drop);
		return 1;
	}
	{
		/* Subnormal in fmt: value = M * 2^(1 - bias - mb), M < 2^mb. */
		int shift = (int)drop + (1 - bias) - ue; /* > drop */
		uint64_t full = m | (UINT64_C(1) << D_MANT_BITS);
		if (shift > D_MANT_BITS)
			return 0; /* too small */
		if (full & ((UINT64_C(1) << shift) - 1u))
			return 0;
		*out = sign | (full >> shift);
		return 1;
	}
}

uint8_t obol_cbor_float_shortest(uint64_t d, uint64_t *raw)
{
	if (((d >> D_MANT_BITS) & D_EXP_MAX) == D_EXP_MAX && (d & D_MANT_MASK)) {
		*raw = 0x7e00u; /* NaN */
		return 25;
	}
	if (narrow(half, d, raw))
		return 25;
	if (narrow(single, d, raw))
		return 26;
	*raw = d;
	return 27;
}

int obol_cbor_float_is_deterministic(uint8_t ai, uint64_t raw)
{
	uint64_t r;

	return obol_cbor_float_shortest(obol_cbor_float_to_double_bits(ai, raw), &r) == ai &&
	       r == raw;
}
