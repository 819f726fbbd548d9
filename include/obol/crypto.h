/*
 * obol crypto contract.
 *
 * Concepts
 * --------
 * The core never calls a crypto library directly: it calls the obol_port_*
 * functions below, and exactly one backend provides them, chosen at link
 * time (one file or folder per backend under src/crypto/):
 *
 *   openssl   src/crypto/openssl.c   OpenSSL 3: everything, incl. ES256 and
 *                                    Ed25519, and obol_port_random (hosts)
 *   tiny      src/crypto/tiny/       portable C99 for MCUs: AES-128 (encrypt
 *                                    direction only, constant time), CCM,
 *                                    SHA-256, HMAC, HKDF; signatures give
 *                                    OBOL_ERR_CRYPTO_UNSUPPORTED
 *
 * A backend that lacks an algorithm still defines the function and returns
 * OBOL_ERR_CRYPTO_UNSUPPORTED, so the core links against any backend and
 * never #ifdefs on one. obol_port_random() is the one exception: the tiny
 * backend has no entropy source, so the platform (firmware, or a test)
 * defines it.
 *
 * Inputs that are hashed, MACed or authenticated come as a short list of
 * byte ranges (struct obol_iov), so that COSE and OSCORE never assemble
 * their Enc_structure/MAC_structure/Sig_structure in one buffer: the tiny
 * backend streams them; the OpenSSL backend may join them in a heap buffer.
 *
 * Outputs may alias inputs exactly (in-place encryption and decryption);
 * partial overlap is undefined. Every function returns OBOL_OK or a
 * negative enum obol_err, and wipes its own secret intermediates. On any
 * failure, output buffers hold no plaintext (decrypt wipes what it wrote).
 *
 * Algorithms are named by their COSE identifiers (RFC 9053 / IANA).
 */
#ifndef OBOL_CRYPTO_H
#define OBOL_CRYPTO_H

#include <stddef.h>
#include <stdint.h>

#include "obol/err.h"

/* COSE algorithm identifiers (RFC 9053 sections 2, 3.1, 4.2). */
#define OBOL_ALG_AES_CCM_16_64_128 10  /* AES-128 CCM, L=2 (13-byte nonce), 8-byte tag */
#define OBOL_ALG_AES_CCM_16_128_128 30 /* AES-128 CCM, L=2, 16-byte tag */
#define OBOL_ALG_HMAC_256_64 4         /* HMAC-SHA-256 truncated to 8 bytes */
#define OBOL_ALG_HMAC_256_256 5        /* HMAC-SHA-256 */
#define OBOL_ALG_HKDF_SHA_256 (-10)    /* HKDF SHA-256 (RFC 9053 5.1; OSCORE default) */
#define OBOL_ALG_ES256 (-7)            /* ECDSA P-256 with SHA-256 */
#define OBOL_ALG_EDDSA (-8)            /* EdDSA; obol supports Ed25519 only */

#define OBOL_AES128_KEY_LEN 16
#define OBOL_CCM_NONCE_LEN 13 /* 15 - L with L = 2 */
#define OBOL_SHA256_LEN 32
#define OBOL_ES256_SIG_LEN 64    /* r || s, 32 bytes each (RFC 9053 2.1) */
#define OBOL_ED25519_SIG_LEN 64
#define OBOL_P256_PRIV_LEN 32    /* d */
#define OBOL_P256_PUB_LEN 64     /* x || y, without the 0x04 prefix */
#define OBOL_ED25519_PRIV_LEN 32 /* the seed */
#define OBOL_ED25519_PUB_LEN 32

/* A read-only byte range. len 0 allows p == NULL. */
struct obol_iov {
	const uint8_t *p;
	size_t len;
};

/* ---- provided by the backend ---------------------------------------------- */

/*
 * AES-128-CCM with L = 2 (RFC 3610; COSE algs 10 and 30): nonce of 13
 * bytes, tag_len 8 or 16, plaintext of at most 65535 bytes. The AAD is the
 * concatenation of the naad ranges of aad, less than 65280 bytes (2^16 -
 * 2^8: the short AAD length encoding of RFC 3610 2.2, all COSE and OSCORE
 * need).
 * encrypt: out receives len bytes of ciphertext followed by tag_len bytes
 *          of tag (out may equal pt).
 * decrypt: in holds len bytes of ciphertext followed by the tag
 *          (in_len = len + tag_len); out receives in_len - tag_len bytes
 *          (out may equal in). A wrong tag gives OBOL_ERR_CRYPTO_AUTH and
 *          out is zeroed. Tags are compared in constant time.
 * Errors: OBOL_ERR_ARG (tag_len, lengths), OBOL_ERR_CRYPTO_AUTH.
 */
int obol_port_aes_ccm_encrypt(const uint8_t key[16], const uint8_t nonce[13],
			      size_t tag_len, const struct obol_iov *aad,
			      size_t naad, const uint8_t *pt, size_t len,
			      uint8_t *out);
int obol_port_aes_ccm_decrypt(const uint8_t key[16], const uint8_t nonce[13],
			      size_t tag_len, const struct obol_iov *aad,
			      size_t naad, const uint8_t *in, size_t in_len,
			      uint8_t *out);

/* SHA-256 of the concatenation of the ranges. */
int obol_port_sha256(const struct obol_iov *msg, size_t n, uint8_t out[32]);

/* HMAC-SHA-256 (RFC 2104) of the concatenated ranges; any key length. */
int obol_port_hmac_sha256(const uint8_t *key, size_t key_len,
			  const struct obol_iov *msg, size_t n,
			  uint8_t out[32]);

/*
 * HKDF-SHA-256 (RFC 5869): extract with salt (NULL/0: a zero salt of 32
 * bytes), expand with info into out_len bytes (1 to 255 * 32; else
 * OBOL_ERR_ARG).
 */
int obol_port_hkdf_sha256(const uint8_t *salt, size_t salt_len,
			  const uint8_t *ikm, size_t ikm_len,
			  const uint8_t *info, size_t info_len,
			  uint8_t *out, size_t out_len);

/*
 * Signatures over the concatenated ranges, COSE formats: alg
 * OBOL_ALG_ES256 (priv: d, 32 bytes; pub: x || y, 64 bytes; sig: r || s,
 * 64 bytes, SHA-256 inside) or OBOL_ALG_EDDSA (Ed25519: priv seed 32
 * bytes, pub 32 bytes, sig 64 bytes, PureEdDSA over the message).
 * sign: *sig_len is the capacity of sig on input, the length on output.
 * verify: OBOL_OK or OBOL_ERR_CRYPTO_AUTH, nothing more detailed.
 * Errors: OBOL_ERR_CRYPTO_UNSUPPORTED (alg or backend), OBOL_ERR_CRYPTO_KEY
 * (key of the wrong length or not on the curve), OBOL_ERR_NO_SPACE.
 */
int obol_port_sign(int alg, const uint8_t *priv, size_t priv_len,
		   const struct obol_iov *msg, size_t n, uint8_t *sig,
		   size_t *sig_len);
int obol_port_verify(int alg, const uint8_t *pub, size_t pub_len,
		     const struct obol_iov *msg, size_t n, const uint8_t *sig,
		     size_t sig_len);

/*
 * A fresh key pair for alg (ES256 or EDDSA), in the formats above; for the
 * CLI and tests. OBOL_ERR_CRYPTO_UNSUPPORTED on backends without it.
 */
int obol_port_keygen(int alg, uint8_t *priv, size_t priv_len, uint8_t *pub,
		     size_t pub_len);

/*
 * Cryptographically secure random bytes. OpenSSL backend: RAND_bytes.
 * tiny backend: NOT provided; the platform defines it (the firmware from
 * its RNG peripheral, host tests from getrandom()). OBOL_ERR_CRYPTO_RNG
 * when no good randomness is available: never returns predictable bytes.
 */
int obol_port_random(uint8_t *out, size_t len);

/* Name of the backend linked in ("openssl", "tiny"), for logs and tests. */
const char *obol_port_backend(void);

/* ---- provided by the core (src/core/ct.c), for every backend ------------- */

/* 1 if a[0..n) == b[0..n), else 0, in time that depends only on n. */
int obol_ct_equal(const uint8_t *a, const uint8_t *b, size_t n);

/* Zero p[0..n) in a way the compiler may not optimise away. */
void obol_wipe(void *p, size_t n);

#endif /* OBOL_CRYPTO_H */
