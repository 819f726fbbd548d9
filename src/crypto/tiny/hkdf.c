/*
 * HKDF with SHA-256 (RFC 5869), obol_port_hkdf_sha256 of the contract.
 *
 * Extract (RFC 5869 section 2.2): PRK = HMAC-Hash(salt, IKM). "If not
 * provided, [salt] is set to a string of HashLen zeros." No special case
 * is needed for that: HMAC pads its key with zeros to the block length
 * (RFC 2104 section 2), so 32 zero bytes and the empty key give the same
 * padded key, and the same PRK.
 *
 * Expand (RFC 5869 section 2.3): T(i) = HMAC-Hash(PRK, T(i-1) | info | i)
 * for i = 1..N, N = ceil(L / HashLen) <= 255, T(0) empty; OKM is the first
 * L bytes of T(1) | T(2) | ... Full blocks T(i) are computed straight into
 * out, and read back from there as T(i-1) of the next block; a last
 * partial block goes into the PRK buffer (the PRK is not needed after it:
 * obol_tiny_hmac_sha256 reads its whole key before writing out). No
 * other copy of the key stream exists.
 *
 * Arguments: NULL only with a zero length (salt, ikm, info), out non-NULL,
 * 1 <= L <= 255 * 32; else OBOL_ERR_ARG.
 *
 * Stack (arm-none-eabi-gcc -mcpu=cortex-m0 -mthumb -Os, -fstack-usage),
 * bytes: obol_port_hkdf_sha256 96 (PRK 32, three ranges); deepest chain
 * hkdf -> obol_tiny_hmac_sha256 -> absorb_padded_key ->
 * obol_tiny_sha256_block -> compress = 360.
 */
#include "tiny.h"

int obol_port_hkdf_sha256(const uint8_t *salt, size_t salt_len,
			  const uint8_t *ikm, size_t ikm_len,
			  const uint8_t *info, size_t info_len,
			  uint8_t *out, size_t out_len)
{
	uint8_t prk[32];
	uint8_t ctr = 0;
	struct obol_iov v[3];
	size_t done;

	/* L = 0 is refused, as by the OpenSSL backend: asking for no key
	 * material is a caller bug. */
	if ((salt == NULL && salt_len != 0) || (ikm == NULL && ikm_len != 0) ||
	    (info == NULL && info_len != 0) || out == NULL || out_len == 0 ||
	    out_len > 255u * 32u)
		return OBOL_ERR_ARG;

	/* Extract. A salt longer than the HMAC block is replaced by its hash
	 * (RFC 2104 section 2), here, in prk, which the HMAC may then
	 * overwrite with the PRK. */
	v[0].p = ikm;
	v[0].len = ikm_len;
	if (salt_len > 64) {
		obol_tiny_sha256_oneshot(salt, salt_len, prk);
		salt = prk;
		salt_len = sizeof prk;
	}
	obol_tiny_hmac_sha256(salt, salt_len, v, 1, prk);

	/* Expand. */
	v[0].p = NULL; /* T(0): empty */
	v[0].len = 0;
	v[1].p = info;
	v[1].len = info_len;
	v[2].p = &ctr;
	v[2].len = 1;
	for (done = 0; done < out_len; done += 32) {
		ctr++; /* at most 255: out_len <= 255 * 32 */
		if (out_len - done >= 32) {
			obol_tiny_hmac_sha256(prk, sizeof prk, v, 3, out + done);
			v[0].p = out + done; /* T(i-1) for the next block */
			v[0].len = 32;
		} else {
			size_t i;
			obol_tiny_hmac_sha256(prk, sizeof prk, v, 3, prk);
			for (i = 0; i < out_len - done; i++)
				out[done + i] = prk[i];
		}
	}
	obol_wipe(prk, sizeof prk);
	return OBOL_OK;
}
