/*
 * AES-128-CCM with L = 2 (RFC 3610; NIST SP 800-38C), COSE algorithms 10
 * (AES-CCM-16-64-128, M = 8) and 30 (AES-CCM-16-128-128, M = 16):
 * obol_port_aes_ccm_encrypt/decrypt of the contract.
 *
 * Construction (RFC 3610 section 2):
 *   B0   = Flags | Nonce N (13 bytes) | l(m) (2 bytes, big-endian),
 *          Flags = 64 * Adata + 8 * M' + L', M' = (M - 2) / 2, L' = L - 1 = 1
 *          (section 2.2; SP 800-38C A.2.1);
 *   then the AAD, prefixed with l(a) as 2 big-endian bytes when
 *          0 < l(a) < 2^16 - 2^8 (section 2.2; SP 800-38C A.2.2), padded
 *          with zeros to a block boundary; then the message, zero padded;
 *   CBC-MAC: X_1 = E(K, B0), X_(i+1) = E(K, X_i XOR B_i), T = first M bytes;
 *   A_i  = Flags' | Nonce N | i (2 bytes), Flags' = L' = 1 (section 2.3);
 *   S_i  = E(K, A_i); ciphertext = message XOR S_1 | S_2 | ...;
 *   U    = T XOR first M bytes of S_0, sent after the ciphertext.
 *
 * The AAD is streamed from the caller's ranges straight into the CBC-MAC
 * state (XOR byte by byte, encrypt each time 16 bytes have gone in). Zero
 * padding is free: XOR with zero changes nothing, so "pad" only means
 * "encrypt the partial block". AAD of 2^16 - 2^8 bytes or more would need
 * the 6-byte length form; ACE/OSCORE AAD is tens of bytes, so it is
 * refused with OBOL_ERR_ARG.
 *
 * Two lanes: obol_tiny_aes128_encrypt2 encrypts two blocks for the price
 * of one. Encryption pairs the CBC-MAC block of P_i with the counter block
 * A_i (both known at once); decryption needs S_i before P_i can enter the
 * MAC, so it pairs P_(i-1) with A_i, one step behind. B0 is paired with A0.
 *
 * Side channels: the control flow depends only on lengths (public); the
 * one branch on secret-derived data is on the final verdict. The tag is
 * compared with obol_ct_equal, which reads all M bytes whatever they hold,
 * so the time does not tell how many leading bytes matched. Decryption
 * writes plaintext to out as it goes (the caller's buffer is the only
 * buffer: 16 KiB of RAM does not afford a second copy) and zeroes all of
 * it when the tag is wrong, so a failed call reveals nothing but the
 * failure (RFC 3610 section 2.5: "the receiver MUST NOT reveal ... the
 * decrypted message"; SP 800-38C section 6.2). The MAC state and key
 * stream blocks on the stack are wiped; there is no key schedule to wipe
 * (aes128.c derives the round keys inside each call and wipes them).
 *
 * Arguments (both directions): key and nonce non-NULL, M = 8 or 16, AAD
 * ranges valid and l(a) < 2^16 - 2^8, l(m) <= 65535, in/out non-NULL
 * unless empty; anything else is OBOL_ERR_ARG before a byte is read.
 *
 * Stack (arm-none-eabi-gcc -mcpu=cortex-m0 -mthumb -Os, -fstack-usage),
 * bytes: obol_port_aes_ccm_encrypt/decrypt 48, ccm_run 96 (x, ks, u: 48);
 * deepest chain encrypt -> ccm_run -> obol_tiny_aes128_encrypt2 ->
 * sub_bytes = 392.
 */
#include "tiny.h"

#define CCM_AAD_MAX 0xFEFFu   /* l(a) < 2^16 - 2^8: the 2-byte form only */
#define CCM_LEN_MAX 0xFFFFu   /* l(m) < 2^(8L), L = 2 */

static int valid_tag_len(size_t tag_len)
{
	return tag_len == 8 || tag_len == 16;
}

/* Total AAD length, or CCM_AAD_MAX + 1 when too long (no size_t overflow:
 * each range is checked before it is added). */
static size_t aad_total(const struct obol_iov *aad, size_t naad)
{
	size_t i, total = 0;

	for (i = 0; i < naad; i++) {
		if (aad[i].len > CCM_AAD_MAX - total)
			return CCM_AAD_MAX + 1;
		total += aad[i].len;
	}
	return total;
}

/* A_i (RFC 3610 section 2.3; SP 800-38C A.3). */
static void counter_block(uint8_t a[16], const uint8_t nonce[13], size_t i)
{
	int j;

	a[0] = 0x01; /* Flags' = L' = L - 1 */
	for (j = 0; j < 13; j++)
		a[1 + j] = nonce[j];
	a[14] = (uint8_t)(i >> 8);
	a[15] = (uint8_t)i;
}

/*
 * Both directions, after the checks common to both. in holds len bytes
 * (plaintext or ciphertext), then, when decrypting, the received tag; out
 * receives len bytes (out may equal in), then, when encrypting, the tag.
 */
static int ccm_run(int decrypt, const uint8_t key[16], const uint8_t nonce[13],
		   size_t tag_len, const struct obol_iov *aad, size_t naad,
		   const uint8_t *in, size_t len, uint8_t *out)
{
	uint8_t x[16];  /* CBC-MAC state: X_i XOR the bytes absorbed since */
	uint8_t ks[16]; /* A_i, then S_i */
	uint8_t u[16];  /* S_0, then U = T XOR S_0 */
	/* Expanded once: a message takes 4 or more block pairs under one
	 * key, and the on-the-fly schedule of encrypt2 would redo the key's
	 * S-boxes for each (about half the cost). */
	struct obol_tiny_aes128_key ek;
	size_t aad_len = aad_total(aad, naad);
	size_t i, j, off, pos;
	int ok;

	if (aad_len > CCM_AAD_MAX)
		return OBOL_ERR_ARG;

	/* B0 (RFC 3610 section 2.2) paired with A0: X_1 and S_0. */
	x[0] = (uint8_t)((aad_len ? 0x40 : 0x00) | ((tag_len - 2) / 2) << 3 | (2 - 1));
	for (i = 0; i < 13; i++)
		x[1 + i] = nonce[i];
	x[14] = (uint8_t)(len >> 8);
	x[15] = (uint8_t)len;
	counter_block(u, nonce, 0);
	obol_tiny_aes128_expand(&ek, key);
	obol_tiny_aes128_encrypt2_ks(&ek, x, u);

	/* AAD (section 2.2): l(a) in 2 bytes, the ranges, zero padding. The
	 * bytes are XORed into x; x is encrypted each time 16 went in. With
	 * l(a) = 0 there is no length field and no AAD block (Adata = 0). */
	if (aad_len != 0) {
		x[0] ^= (uint8_t)(aad_len >> 8);
		x[1] ^= (uint8_t)aad_len;
		pos = 2;
		for (i = 0; i < naad; i++) {
			for (j = 0; j < aad[i].len; j++) {
				x[pos++] ^= aad[i].p[j];
				if (pos == 16) {
					obol_tiny_aes128_encrypt2_ks(&ek, x, x);
					pos = 0;
				}
			}
		}
		if (pos != 0) /* zero padding: only the encryption is left */
			obol_tiny_aes128_encrypt2_ks(&ek, x, x);
	}

	/* Message blocks. Encryption knows B_i and A_i together and pairs
	 * them. Decryption pairs B_(i-1) (re-read from out, where it was
	 * written one step before) with A_i. Each in byte is read before the
	 * out byte at the same address is written: out may equal in. */
	for (off = 0, i = 1; off < len; off += 16, i++) {
		size_t n = len - off < 16 ? len - off : 16;

		counter_block(ks, nonce, i);
		if (!decrypt) {
			for (j = 0; j < n; j++)
				x[j] ^= in[off + j]; /* B_i, zero padded */
			obol_tiny_aes128_encrypt2_ks(&ek, x, ks);
		} else if (off != 0) {
			for (j = 0; j < 16; j++)
				x[j] ^= out[off - 16 + j]; /* B_(i-1) */
			obol_tiny_aes128_encrypt2_ks(&ek, x, ks);
		} else {
			obol_tiny_aes128_encrypt2_ks(&ek, ks, ks); /* S_1 only */
		}
		for (j = 0; j < n; j++)
			out[off + j] = (uint8_t)(in[off + j] ^ ks[j]);
	}
	if (decrypt && len != 0) {
		/* The last block B_n, zero padded. */
		off = (len - 1) / 16 * 16;
		for (j = 0; j < len - off; j++)
			x[j] ^= out[off + j];
		obol_tiny_aes128_encrypt2_ks(&ek, x, x);
	}

	for (i = 0; i < tag_len; i++)
		u[i] ^= x[i]; /* U = T XOR S_0 */
	ok = 1;
	if (!decrypt) {
		for (i = 0; i < tag_len; i++)
			out[len + i] = u[i];
	} else {
		/* The received tag follows the ciphertext; out covers
		 * [0, len) only, so even in place it is intact here. */
		ok = obol_ct_equal(u, in + len, tag_len);
	}

	obol_wipe(x, sizeof x);
	obol_wipe(ks, sizeof ks);
	obol_wipe(u, sizeof u);
	obol_wipe(&ek, sizeof ek);
	if (!ok) {
		if (len != 0)
			obol_wipe(out, len);
		return OBOL_ERR_CRYPTO_AUTH;
	}
	return OBOL_OK;
}

int obol_port_aes_ccm_encrypt(const uint8_t key[16], const uint8_t nonce[13],
			      size_t tag_len, const struct obol_iov *aad,
			      size_t naad, const uint8_t *pt, size_t len,
			      uint8_t *out)
{
	if (key == NULL || nonce == NULL || !valid_tag_len(tag_len) ||
	    !obol_tiny_iov_ok(aad, naad) || (pt == NULL && len != 0) ||
	    out == NULL || len > CCM_LEN_MAX)
		return OBOL_ERR_ARG;
	return ccm_run(0, key, nonce, tag_len, aad, naad, pt, len, out);
}

int obol_port_aes_ccm_decrypt(const uint8_t key[16], const uint8_t nonce[13],
			      size_t tag_len, const struct obol_iov *aad,
			      size_t naad, const uint8_t *in, size_t in_len,
			      uint8_t *out)
{
	if (key == NULL || nonce == NULL || !valid_tag_len(tag_len) ||
	    !obol_tiny_iov_ok(aad, naad) || in == NULL || in_len < tag_len ||
	    in_len - tag_len > CCM_LEN_MAX || (out == NULL && in_len != tag_len))
		return OBOL_ERR_ARG;
	return ccm_run(1, key, nonce, tag_len, aad, naad, in, in_len - tag_len, out);
}
