/*
 * Private header of the tiny crypto backend (src/crypto/tiny/): the
 * building blocks that its files share. Not part of the contract
 * (include/obol/crypto.h); nothing outside src/crypto/tiny/ may include it,
 * except the differential test (tests/diff/crypto_diff.c), which checks the
 * raw AES block function against FIPS 197 and OpenSSL.
 *
 * Rules (same as the core): C99, no malloc, no I/O, no recursion, no
 * mutable globals, no table indexed by secret data. The caller allocates
 * every context; contexts hold no pointers, so memcpy clones one. Each
 * function wipes its own secret intermediates; a caller that is done with a
 * context wipes it with obol_wipe().
 */
#ifndef OBOL_TINY_H
#define OBOL_TINY_H

#include <stddef.h>
#include <stdint.h>

#include "obol/crypto.h"

/* ---- AES-128, encryption direction only (aes128.c) ------------------------ */

/*
 * There is no key schedule object: every call takes the 16-byte key and
 * derives the round keys as it goes (see aes128.c), so a CCM call keeps no
 * expanded key on the stack.
 *
 * obol_tiny_aes128_encrypt2 encrypts two independent blocks a and b in
 * place, at the cost of one: the bitsliced engine always computes two
 * lanes. CCM runs its CBC-MAC block and its CTR block through the same
 * call. a may equal b (one block, E(K, a) in a); other overlaps are
 * undefined.
 */
void obol_tiny_aes128_encrypt2(const uint8_t key[16], uint8_t a[16],
			       uint8_t b[16]);

/*
 * The expanded key (11 round keys in the bitsliced layout, 176 bytes), for
 * callers that run several blocks under one key (ccm.c): expand once,
 * then obol_tiny_aes128_encrypt2_ks per pair of blocks, and wipe the
 * struct (obol_wipe) when done. Same results as encrypt2.
 */
struct obol_tiny_aes128_key {
	uint32_t rk[11][4];
};
void obol_tiny_aes128_expand(struct obol_tiny_aes128_key *ks,
			     const uint8_t key[16]);
void obol_tiny_aes128_encrypt2_ks(const struct obol_tiny_aes128_key *ks,
				  uint8_t a[16], uint8_t b[16]);

/* One block (FIPS 197 Cipher); in may equal out. */
void obol_tiny_aes128_encrypt(const uint8_t key[16], const uint8_t in[16],
			      uint8_t out[16]);

/* ---- SHA-256 (sha256.c) --------------------------------------------------- */

struct obol_tiny_sha256 {
	uint32_t h[8];   /* chaining value H(i) (FIPS 180-4 section 6.2) */
	uint64_t count;  /* bytes absorbed so far */
	uint32_t w[16];  /* the partial block as big-endian words (count % 64
			    bytes valid), then the message schedule */
};

void obol_tiny_sha256_init(struct obol_tiny_sha256 *ctx);
void obol_tiny_sha256_update(struct obol_tiny_sha256 *ctx, const uint8_t *p,
			     size_t len);
/* Writes the digest and wipes ctx. */
void obol_tiny_sha256_final(struct obol_tiny_sha256 *ctx, uint8_t out[32]);

/* Hashes ctx->w, filled by the caller, as one whole block; only when
 * ctx->count is a multiple of 64 (no partial block pending). */
void obol_tiny_sha256_block(struct obol_tiny_sha256 *ctx);

/* SHA-256 of one range (p may be NULL when len is 0); out may overlap p. */
void obol_tiny_sha256_oneshot(const uint8_t *p, size_t len, uint8_t out[32]);

/* ---- HMAC-SHA-256 (hmac.c) ------------------------------------------------ */

/*
 * HMAC-SHA-256 of the concatenated ranges, arguments already validated
 * (key may be NULL when key_len is 0; every range is valid) and
 * key_len <= 64: a longer key must be replaced by its SHA-256 first (RFC
 * 2104 section 2), which the caller does. out is written only after every
 * byte of the key and of the ranges was read, so it may overlap any of
 * them (HKDF-Expand feeds T(i-1) and receives T(i) in one buffer).
 */
void obol_tiny_hmac_sha256(const uint8_t *key, size_t key_len,
			   const struct obol_iov *msg, size_t n,
			   uint8_t out[32]);

/* 1 if every range of v[0..n) is usable: v may be NULL only when n is 0,
 * a range's p only when its len is 0. */
int obol_tiny_iov_ok(const struct obol_iov *v, size_t n);

/* Context sizes, checked at compile time (C99 has no _Static_assert). */
typedef char obol_tiny_sha256_size_check[sizeof(struct obol_tiny_sha256) == 104 ? 1 : -1];

#endif /* OBOL_TINY_H */
