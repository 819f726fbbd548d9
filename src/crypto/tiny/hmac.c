/*
 * HMAC-SHA-256 (RFC 2104; RFC 4231 for SHA-256), and obol_port_hmac_sha256
 * of the contract.
 *
 * RFC 2104 section 2: H(K XOR opad, H(K XOR ipad, text)), with B = 64 (the
 * SHA-256 block length), ipad = 0x36 and opad = 0x5c repeated B times. A key
 * longer than B bytes is first replaced by its hash; a shorter one is
 * padded with zeros to B bytes. Only the key length (public) decides which
 * path runs and how many bytes are read.
 *
 * Memory: the padded key is never stored apart: K XOR pad goes from the
 * caller's key straight into the hash's block buffer. The outer hash
 * starts first: after its one block of K XOR opad, its whole state is the
 * chaining value (32 bytes), kept aside while the inner hash runs. So the
 * key has been read completely before anything is written to out, and out
 * may alias the key or a message range; the inner hash is parked in out.
 * A key longer than B is hashed by the caller of obol_tiny_hmac_sha256 (in
 * its own frame), so that no call chain holds two hash contexts.
 *
 * Stack (arm-none-eabi-gcc -mcpu=cortex-m0 -mthumb -Os, -fstack-usage),
 * bytes: obol_tiny_hmac_sha256 160 (context 104, outer chaining value 32),
 * obol_port_hmac_sha256 64 (H(K) of a long key: 32), absorb_padded_key
 * 32; deepest chain obol_port_hmac_sha256 -> obol_tiny_hmac_sha256 ->
 * absorb_padded_key -> obol_tiny_sha256_block -> compress = 328.
 */
#include "tiny.h"

/* The first block of a fresh context: (K padded with zeros to 64 bytes)
 * XOR pad, written straight into the block buffer as big-endian words. */
static void absorb_padded_key(struct obol_tiny_sha256 *ctx, const uint8_t *k,
			      size_t k_len, uint8_t pad)
{
	size_t i;

	for (i = 0; i < 64; i++) {
		uint32_t b = (uint32_t)((i < k_len ? k[i] : 0) ^ pad);
		unsigned shift = 24u - 8u * (unsigned)(i & 3u);

		if ((i & 3u) == 0)
			ctx->w[i >> 2] = b << shift;
		else
			ctx->w[i >> 2] |= b << shift;
	}
	obol_tiny_sha256_block(ctx);
}

void obol_tiny_hmac_sha256(const uint8_t *key, size_t key_len,
			   const struct obol_iov *msg, size_t n,
			   uint8_t out[32])
{
	struct obol_tiny_sha256 ctx;
	uint32_t outer[8]; /* chaining value after the K XOR opad block */
	size_t i;

	/* Outer hash, first block: K XOR opad. */
	obol_tiny_sha256_init(&ctx);
	absorb_padded_key(&ctx, key, key_len, 0x5c);
	for (i = 0; i < 8; i++)
		outer[i] = ctx.h[i];

	/* Inner hash H(K XOR ipad || text), parked in out. */
	obol_tiny_sha256_init(&ctx);
	absorb_padded_key(&ctx, key, key_len, 0x36);
	for (i = 0; i < n; i++)
		obol_tiny_sha256_update(&ctx, msg[i].p, msg[i].len);
	obol_tiny_sha256_final(&ctx, out);

	/* Outer hash, resumed: H(K XOR opad || inner). out is read whole
	 * before final() overwrites it. */
	for (i = 0; i < 8; i++)
		ctx.h[i] = outer[i];
	ctx.count = 64;
	obol_tiny_sha256_update(&ctx, out, 32);
	obol_tiny_sha256_final(&ctx, out); /* also wipes ctx */

	obol_wipe(outer, sizeof outer);
}

int obol_port_hmac_sha256(const uint8_t *key, size_t key_len,
			  const struct obol_iov *msg, size_t n,
			  uint8_t out[32])
{
	uint8_t hk[32];

	if (out == NULL || (key == NULL && key_len != 0) ||
	    !obol_tiny_iov_ok(msg, n))
		return OBOL_ERR_ARG;
	if (key_len <= 64) {
		obol_tiny_hmac_sha256(key, key_len, msg, n, out);
		return OBOL_OK;
	}
	/* RFC 2104 section 2: "keys longer than B bytes are first hashed
	 * using H". */
	obol_tiny_sha256_oneshot(key, key_len, hk);
	obol_tiny_hmac_sha256(hk, sizeof hk, msg, n, out);
	obol_wipe(hk, sizeof hk);
	return OBOL_OK;
}
