/*
 * SHA-256 (FIPS 180-4), and obol_port_sha256 of the contract.
 *
 * Constant time by construction: the compression function uses only
 * additions, rotations and Boolean operations on 32-bit words, and the
 * only table (K) is indexed by the round number, never by data. The
 * message schedule is kept as a rolling window of 16 words (FIPS 180-4
 * section 6.2.2 step 1 computes W[t] from W[t-2], W[t-7], W[t-15] and
 * W[t-16] only), which saves 192 bytes of stack against W[64], and that
 * window is the context's block buffer itself, which the compression
 * consumes: the input is stored there as big-endian words as it arrives.
 *
 * Stack (arm-none-eabi-gcc -mcpu=cortex-m0 -mthumb -Os, -fstack-usage),
 * bytes: obol_port_sha256 128 (the 104-byte context), compress 64,
 * obol_tiny_sha256_update 32, obol_tiny_sha256_final 32,
 * obol_tiny_sha256_oneshot 16; deepest chain oneshot -> obol_port_sha256
 * -> update -> compress = 240.
 */
#include "tiny.h"

/* FIPS 180-4 section 4.2.2: the first 32 bits of the fractional parts of
 * the cube roots of the first 64 primes. Indexed by the round t only. */
static const uint32_t k256[64] = {
	0x428a2f98u, 0x71374491u, 0xb5c0fbcfu, 0xe9b5dba5u, 0x3956c25bu, 0x59f111f1u,
	0x923f82a4u, 0xab1c5ed5u, 0xd807aa98u, 0x12835b01u, 0x243185beu, 0x550c7dc3u,
	0x72be5d74u, 0x80deb1feu, 0x9bdc06a7u, 0xc19bf174u, 0xe49b69c1u, 0xefbe4786u,
	0x0fc19dc6u, 0x240ca1ccu, 0x2de92c6fu, 0x4a7484aau, 0x5cb0a9dcu, 0x76f988dau,
	0x983e5152u, 0xa831c66du, 0xb00327c8u, 0xbf597fc7u, 0xc6e00bf3u, 0xd5a79147u,
	0x06ca6351u, 0x14292967u, 0x27b70a85u, 0x2e1b2138u, 0x4d2c6dfcu, 0x53380d13u,
	0x650a7354u, 0x766a0abbu, 0x81c2c92eu, 0x92722c85u, 0xa2bfe8a1u, 0xa81a664bu,
	0xc24b8b70u, 0xc76c51a3u, 0xd192e819u, 0xd6990624u, 0xf40e3585u, 0x106aa070u,
	0x19a4c116u, 0x1e376c08u, 0x2748774cu, 0x34b0bcb5u, 0x391c0cb3u, 0x4ed8aa4au,
	0x5b9cca4fu, 0x682e6ff3u, 0x748f82eeu, 0x78a5636fu, 0x84c87814u, 0x8cc70208u,
	0x90befffau, 0xa4506cebu, 0xbef9a3f7u, 0xc67178f2u,
};

/* FIPS 180-4 section 4.1.2, functions (4.2) to (4.7), and ROTR^n (3.2).
 * Macros rather than functions: a Debug (-O0) build of the differential
 * test runs millions of rounds, and -O0 calls every small function. */
#define ROTR(x, n) (((x) >> (n)) | ((x) << (32 - (n))))
#define CH(x, y, z) (((x) & (y)) ^ (~(x) & (z)))
#define MAJ(x, y, z) (((x) & (y)) ^ ((x) & (z)) ^ ((y) & (z)))
#define BSIG0(x) (ROTR(x, 2) ^ ROTR(x, 13) ^ ROTR(x, 22))
#define BSIG1(x) (ROTR(x, 6) ^ ROTR(x, 11) ^ ROTR(x, 25))
#define SSIG0(x) (ROTR(x, 7) ^ ROTR(x, 18) ^ ((x) >> 3))
#define SSIG1(x) (ROTR(x, 17) ^ ROTR(x, 19) ^ ((x) >> 10))

static uint32_t load_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 |
	       (uint32_t)p[3];
}

static void store_be32(uint8_t *p, uint32_t x)
{
	p[0] = (uint8_t)(x >> 24);
	p[1] = (uint8_t)(x >> 16);
	p[2] = (uint8_t)(x >> 8);
	p[3] = (uint8_t)x;
}

/*
 * One block of the SHA-256 computation, FIPS 180-4 section 6.2.2. w holds
 * the block as 16 big-endian words M(i); it becomes the rolling message
 * schedule (W[t] stored at w[t mod 16]) and is consumed.
 */
static void compress(uint32_t h[8], uint32_t w[16])
{
	uint32_t a = h[0], b = h[1], c = h[2], d = h[3];
	uint32_t e = h[4], f = h[5], g = h[6], hh = h[7];
	uint32_t t1, t2;
	int t;

	for (t = 0; t < 64; t++) {
		/* Step 1: W[t] = M(i)_t for t < 16, else
		 * ssig1(W[t-2]) + W[t-7] + ssig0(W[t-15]) + W[t-16]. */
		if (t >= 16)
			w[t & 15] += SSIG1(w[(t - 2) & 15]) + w[(t - 7) & 15] +
				     SSIG0(w[(t - 15) & 15]);
		/* Step 3. */
		t1 = hh + BSIG1(e) + CH(e, f, g) + k256[t] + w[t & 15];
		t2 = BSIG0(a) + MAJ(a, b, c);
		hh = g;
		g = f;
		f = e;
		e = d + t1;
		d = c;
		c = b;
		b = a;
		a = t1 + t2;
	}
	/* Step 4. */
	h[0] += a;
	h[1] += b;
	h[2] += c;
	h[3] += d;
	h[4] += e;
	h[5] += f;
	h[6] += g;
	h[7] += hh;
}

void obol_tiny_sha256_init(struct obol_tiny_sha256 *ctx)
{
	/* FIPS 180-4 section 5.3.3: initial hash value H(0). */
	static const uint32_t iv[8] = {
		0x6a09e667u, 0xbb67ae85u, 0x3c6ef372u, 0xa54ff53au,
		0x510e527fu, 0x9b05688cu, 0x1f83d9abu, 0x5be0cd19u,
	};
	int i;

	for (i = 0; i < 8; i++)
		ctx->h[i] = iv[i];
	ctx->count = 0;
}

void obol_tiny_sha256_block(struct obol_tiny_sha256 *ctx)
{
	compress(ctx->h, ctx->w);
	ctx->count += 64;
}

/* Append one byte to the partial block (big-endian within each word). */
static void put_byte(struct obol_tiny_sha256 *ctx, size_t used, uint8_t b)
{
	unsigned shift = 24u - 8u * (unsigned)(used & 3u);

	if ((used & 3u) == 0)
		ctx->w[used >> 2] = (uint32_t)b << shift;
	else
		ctx->w[used >> 2] |= (uint32_t)b << shift;
}

void obol_tiny_sha256_update(struct obol_tiny_sha256 *ctx, const uint8_t *p,
			     size_t len)
{
	size_t used = (size_t)(ctx->count & 63u);

	ctx->count += len;
	while (len > 0) {
		if ((used & 3u) == 0 && len >= 4) {
			ctx->w[used >> 2] = load_be32(p); /* a whole word */
			used += 4;
			p += 4;
			len -= 4;
		} else {
			put_byte(ctx, used++, *p++);
			len--;
		}
		if (used == 64) {
			compress(ctx->h, ctx->w);
			used = 0;
		}
	}
}

/* Padding (FIPS 180-4 section 5.1.1): a 1 bit, zeros, and the length in
 * bits as a 64-bit big-endian integer, ending on a block boundary. */
void obol_tiny_sha256_final(struct obol_tiny_sha256 *ctx, uint8_t out[32])
{
	uint64_t bits = ctx->count << 3;
	size_t used = (size_t)(ctx->count & 63u);
	int i;

	put_byte(ctx, used++, 0x80);
	if (used > 56) {
		while (used < 64)
			put_byte(ctx, used++, 0);
		compress(ctx->h, ctx->w);
		used = 0;
	}
	while (used < 56)
		put_byte(ctx, used++, 0);
	ctx->w[14] = (uint32_t)(bits >> 32);
	ctx->w[15] = (uint32_t)bits;
	compress(ctx->h, ctx->w);
	for (i = 0; i < 8; i++)
		store_be32(out + 4 * i, ctx->h[i]);
	obol_wipe(ctx, sizeof *ctx);
}

int obol_tiny_iov_ok(const struct obol_iov *v, size_t n)
{
	size_t i;

	if (v == NULL)
		return n == 0;
	for (i = 0; i < n; i++)
		if (v[i].p == NULL && v[i].len != 0)
			return 0;
	return 1;
}

void obol_tiny_sha256_oneshot(const uint8_t *p, size_t len, uint8_t out[32])
{
	struct obol_iov v;

	v.p = p;
	v.len = len;
	(void)obol_port_sha256(&v, 1, out);
}

int obol_port_sha256(const struct obol_iov *msg, size_t n, uint8_t out[32])
{
	struct obol_tiny_sha256 ctx;
	size_t i;

	if (out == NULL || !obol_tiny_iov_ok(msg, n))
		return OBOL_ERR_ARG;
	obol_tiny_sha256_init(&ctx);
	for (i = 0; i < n; i++)
		obol_tiny_sha256_update(&ctx, msg[i].p, msg[i].len);
	obol_tiny_sha256_final(&ctx, out);
	return OBOL_OK;
}
