/*
 * obol crypto backend: OpenSSL 3 (Debian libssl-dev). The host default,
 * with every algorithm of include/obol/crypto.h. This file may allocate:
 * it runs on hosts only.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/param_build.h>
#include <openssl/rand.h>

#include "obol/crypto.h"

const char *obol_port_backend(void)
{
	return "openssl";
}

/*
 * The concatenation of n ranges as one buffer: the range itself when there
 * is one, else a heap copy (*owned set; free with unjoin). OpenSSL wants
 * CCM's AAD and EdDSA's message in one piece.
 */
static const uint8_t *join(const struct obol_iov *v, size_t n, size_t *len,
			   uint8_t **owned)
{
	static const uint8_t empty[1];
	size_t i, total = 0, at = 0;
	uint8_t *buf;

	*owned = NULL;
	for (i = 0; i < n; i++) {
		if (v[i].p == NULL && v[i].len != 0)
			return NULL;
		total += v[i].len;
	}
	*len = total;
	if (n == 1 && v[0].p != NULL)
		return v[0].p;
	if (total == 0)
		return empty;
	buf = malloc(total);
	if (buf == NULL)
		return NULL;
	for (i = 0; i < n; i++) {
		if (v[i].len)
			memcpy(buf + at, v[i].p, v[i].len);
		at += v[i].len;
	}
	*owned = buf;
	return buf;
}

static void unjoin(uint8_t *owned, size_t len)
{
	if (owned) {
		obol_wipe(owned, len);
		free(owned);
	}
}

/* Well-formed ranges whose total length fits in size_t. */
static int iov_ok(const struct obol_iov *v, size_t n)
{
	size_t i, total = 0;

	if (v == NULL && n != 0)
		return 0;
	for (i = 0; i < n; i++) {
		if ((v[i].p == NULL && v[i].len != 0) || v[i].len > SIZE_MAX - total)
			return 0;
		total += v[i].len;
	}
	return 1;
}

/* ---- AES-CCM (RFC 3610), L = 2 -------------------------------------------- */

static int ccm(int enc, const uint8_t key[16], const uint8_t nonce[13],
	       size_t tag_len, const struct obol_iov *aad, size_t naad,
	       const uint8_t *in, size_t len, uint8_t *out, uint8_t *tag)
{
	static const uint8_t dummy[1];
	uint8_t sink[16];
	EVP_CIPHER_CTX *ctx;
	const uint8_t *a;
	uint8_t *owned = NULL;
	size_t alen = 0;
	int outl, ok = 0;

	if (len > 65535 || (tag_len != 8 && tag_len != 16) || key == NULL ||
	    nonce == NULL || !iov_ok(aad, naad) || (len && (in == NULL || out == NULL)))
		return OBOL_ERR_ARG;
	a = join(aad, naad, &alen, &owned);
	if (a == NULL)
		return OBOL_ERR_CRYPTO_INTERNAL;
	if (alen >= 65280) { /* the contract's limit, as the tiny backend */
		unjoin(owned, alen);
		return OBOL_ERR_ARG;
	}
	ctx = EVP_CIPHER_CTX_new();
	if (ctx == NULL)
		goto done;
	if (EVP_CipherInit_ex(ctx, EVP_aes_128_ccm(), NULL, NULL, NULL, enc) != 1 ||
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_IVLEN, 13, NULL) != 1 ||
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, (int)tag_len,
				enc ? NULL : tag) != 1 ||
	    EVP_CipherInit_ex(ctx, NULL, NULL, key, nonce, enc) != 1 ||
	    /* CCM needs the total length before any data. */
	    EVP_CipherUpdate(ctx, NULL, &outl, NULL, (int)len) != 1)
		goto done;
	if (alen && EVP_CipherUpdate(ctx, NULL, &outl, a, (int)alen) != 1)
		goto done;
	/* For decryption this call also checks the tag (fails if wrong). It
	 * must be made, with a non-NULL output, even for an empty payload:
	 * a NULL output would mean more AAD. */
	if (EVP_CipherUpdate(ctx, len ? out : sink, &outl, len ? in : dummy,
			     (int)len) != 1) {
		ok = enc ? 0 : -1;
		goto done;
	}
	if (enc) {
		if (EVP_CipherFinal_ex(ctx, sink, &outl) != 1 ||
		    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, (int)tag_len, tag) != 1)
			goto done;
	}
	ok = 1;
done:
	EVP_CIPHER_CTX_free(ctx);
	unjoin(owned, alen);
	if (ok == 1)
		return OBOL_OK;
	if (len && out)
		obol_wipe(out, len);
	return ok < 0 ? OBOL_ERR_CRYPTO_AUTH : OBOL_ERR_CRYPTO_INTERNAL;
}

int obol_port_aes_ccm_encrypt(const uint8_t key[16], const uint8_t nonce[13],
			      size_t tag_len, const struct obol_iov *aad,
			      size_t naad, const uint8_t *pt, size_t len,
			      uint8_t *out)
{
	if (out == NULL)
		return OBOL_ERR_ARG;
	/* The tag goes right after the ciphertext. */
	return ccm(1, key, nonce, tag_len, aad, naad, pt, len, out, out + len);
}

int obol_port_aes_ccm_decrypt(const uint8_t key[16], const uint8_t nonce[13],
			      size_t tag_len, const struct obol_iov *aad,
			      size_t naad, const uint8_t *in, size_t in_len,
			      uint8_t *out)
{
	uint8_t tag[16];
	int err;

	if (in == NULL || (tag_len != 8 && tag_len != 16) || in_len < tag_len)
		return OBOL_ERR_ARG;
	/* Copy the tag first: out may alias in, and decryption writes it. */
	memcpy(tag, in + in_len - tag_len, tag_len);
	err = ccm(0, key, nonce, tag_len, aad, naad, in, in_len - tag_len, out, tag);
	obol_wipe(tag, sizeof tag);
	return err;
}

/* ---- SHA-256, HMAC, HKDF -------------------------------------------------- */

int obol_port_sha256(const struct obol_iov *msg, size_t n, uint8_t out[32])
{
	EVP_MD_CTX *ctx;
	size_t i;
	int ok;

	if (out == NULL || !iov_ok(msg, n))
		return OBOL_ERR_ARG;
	ctx = EVP_MD_CTX_new();
	ok = ctx != NULL && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) == 1;
	for (i = 0; ok && i < n; i++)
		ok = EVP_DigestUpdate(ctx, msg[i].p, msg[i].len) == 1;
	ok = ok && EVP_DigestFinal_ex(ctx, out, NULL) == 1;
	EVP_MD_CTX_free(ctx);
	return ok ? OBOL_OK : OBOL_ERR_CRYPTO_INTERNAL;
}

int obol_port_hmac_sha256(const uint8_t *key, size_t key_len,
			  const struct obol_iov *msg, size_t n,
			  uint8_t out[32])
{
	static const uint8_t zero[1];
	EVP_MAC *mac;
	EVP_MAC_CTX *ctx = NULL;
	OSSL_PARAM params[2];
	char digest[] = "SHA256";
	size_t i, outl = 0;
	int ok;

	if (out == NULL || (key == NULL && key_len) || !iov_ok(msg, n))
		return OBOL_ERR_ARG;
	mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0);
	params[1] = OSSL_PARAM_construct_end();
	ok = mac != NULL && (ctx = EVP_MAC_CTX_new(mac)) != NULL &&
	     EVP_MAC_init(ctx, key_len ? key : zero, key_len, params) == 1;
	for (i = 0; ok && i < n; i++)
		ok = EVP_MAC_update(ctx, msg[i].p, msg[i].len) == 1;
	ok = ok && EVP_MAC_final(ctx, out, &outl, 32) == 1 && outl == 32;
	EVP_MAC_CTX_free(ctx);
	EVP_MAC_free(mac);
	return ok ? OBOL_OK : OBOL_ERR_CRYPTO_INTERNAL;
}

int obol_port_hkdf_sha256(const uint8_t *salt, size_t salt_len,
			  const uint8_t *ikm, size_t ikm_len,
			  const uint8_t *info, size_t info_len,
			  uint8_t *out, size_t out_len)
{
	static const uint8_t zero_salt[32];
	EVP_KDF *kdf;
	EVP_KDF_CTX *ctx = NULL;
	OSSL_PARAM params[5], *p = params;
	char digest[] = "SHA256";
	int ok;

	if ((salt == NULL && salt_len) || (ikm == NULL && ikm_len) ||
	    (info == NULL && info_len) || out == NULL || out_len == 0 ||
	    out_len > 255 * 32)
		return OBOL_ERR_ARG;
	/* RFC 5869 2.2: no salt means HashLen zero bytes. */
	if (salt_len == 0) {
		salt = zero_salt;
		salt_len = sizeof zero_salt;
	}
	*p++ = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, digest, 0);
	*p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY,
						 (void *)(uintptr_t)(ikm_len ? ikm : zero_salt), ikm_len);
	*p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT,
						 (void *)(uintptr_t)salt, salt_len);
	*p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO,
						 (void *)(uintptr_t)(info_len ? info : zero_salt), info_len);
	*p = OSSL_PARAM_construct_end();
	kdf = EVP_KDF_fetch(NULL, "HKDF", NULL);
	ok = kdf != NULL && (ctx = EVP_KDF_CTX_new(kdf)) != NULL &&
	     EVP_KDF_derive(ctx, out, out_len, params) == 1;
	EVP_KDF_CTX_free(ctx);
	EVP_KDF_free(kdf);
	if (!ok)
		obol_wipe(out, out_len);
	return ok ? OBOL_OK : OBOL_ERR_CRYPTO_INTERNAL;
}

/* ---- signatures ----------------------------------------------------------- */

/* A P-256 key from raw parts: priv d (may be NULL) and/or pub x||y. */
static EVP_PKEY *p256_key(const uint8_t *d, const uint8_t *xy)
{
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *ctx = NULL;
	EVP_PKEY *pkey = NULL;
	BIGNUM *bn = NULL;
	uint8_t pub[65];
	int ok = bld != NULL &&
		 OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME,
						 "prime256v1", 0) == 1;

	if (ok && xy) {
		pub[0] = 0x04; /* uncompressed point (SEC 1, 2.3.3) */
		memcpy(pub + 1, xy, 64);
		ok = OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY,
						      pub, sizeof pub) == 1;
	}
	if (ok && d) {
		ok = (bn = BN_bin2bn(d, 32, NULL)) != NULL &&
		     OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, bn) == 1;
	}
	ok = ok && (params = OSSL_PARAM_BLD_to_param(bld)) != NULL &&
	     (ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL)) != NULL &&
	     EVP_PKEY_fromdata_init(ctx) == 1 &&
	     EVP_PKEY_fromdata(ctx, &pkey, d ? EVP_PKEY_KEYPAIR : EVP_PKEY_PUBLIC_KEY,
			       params) == 1;
	EVP_PKEY_CTX_free(ctx);
	ctx = NULL;
	/* Refuse points that are not on the curve (and out-of-range d). */
	if (ok && xy) {
		ok = (ctx = EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL)) != NULL &&
		     EVP_PKEY_public_check(ctx) == 1;
		EVP_PKEY_CTX_free(ctx);
	}
	if (!ok) {
		EVP_PKEY_free(pkey);
		pkey = NULL;
	}
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	BN_clear_free(bn);
	return pkey;
}

static EVP_PKEY *make_key(int alg, const uint8_t *priv, size_t priv_len,
			  const uint8_t *pub, size_t pub_len)
{
	if (alg == OBOL_ALG_ES256) {
		if ((priv && priv_len != OBOL_P256_PRIV_LEN) ||
		    (pub && pub_len != OBOL_P256_PUB_LEN))
			return NULL;
		return p256_key(priv, pub);
	}
	if (priv)
		return priv_len == OBOL_ED25519_PRIV_LEN
			       ? EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, priv, priv_len)
			       : NULL;
	return pub_len == OBOL_ED25519_PUB_LEN
		       ? EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, pub, pub_len)
		       : NULL;
}

int obol_port_sign(int alg, const uint8_t *priv, size_t priv_len,
		   const struct obol_iov *msg, size_t n, uint8_t *sig,
		   size_t *sig_len)
{
	EVP_MD_CTX *md = NULL;
	EVP_PKEY *pkey;
	ECDSA_SIG *es = NULL;
	uint8_t der[80], *owned = NULL;
	const uint8_t *m, *dp = der;
	size_t mlen = 0, dlen = sizeof der;
	int ok, err = OBOL_ERR_CRYPTO_INTERNAL;

	if (alg != OBOL_ALG_ES256 && alg != OBOL_ALG_EDDSA)
		return OBOL_ERR_CRYPTO_UNSUPPORTED;
	if (priv == NULL || sig == NULL || sig_len == NULL || !iov_ok(msg, n))
		return OBOL_ERR_ARG;
	if (*sig_len < 64)
		return OBOL_ERR_NO_SPACE;
	pkey = make_key(alg, priv, priv_len, NULL, 0);
	if (pkey == NULL)
		return OBOL_ERR_CRYPTO_KEY;
	m = join(msg, n, &mlen, &owned);
	md = EVP_MD_CTX_new();
	if (alg == OBOL_ALG_EDDSA) {
		size_t sl = 64;
		ok = m != NULL && md != NULL &&
		     EVP_DigestSignInit(md, NULL, NULL, NULL, pkey) == 1 &&
		     EVP_DigestSign(md, sig, &sl, m, mlen) == 1 && sl == 64;
	} else {
		/* OpenSSL gives DER (SEQUENCE of r, s); COSE wants r || s,
		 * each left-padded to 32 bytes (RFC 9053 2.1). */
		const BIGNUM *r, *s;
		ok = m != NULL && md != NULL &&
		     EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, pkey) == 1 &&
		     EVP_DigestSign(md, der, &dlen, m, mlen) == 1 &&
		     (es = d2i_ECDSA_SIG(NULL, &dp, (long)dlen)) != NULL;
		if (ok) {
			ECDSA_SIG_get0(es, &r, &s);
			ok = BN_bn2binpad(r, sig, 32) == 32 && BN_bn2binpad(s, sig + 32, 32) == 32;
		}
	}
	if (ok) {
		*sig_len = 64;
		err = OBOL_OK;
	}
	ECDSA_SIG_free(es);
	EVP_MD_CTX_free(md);
	EVP_PKEY_free(pkey);
	unjoin(owned, mlen);
	return err;
}

int obol_port_verify(int alg, const uint8_t *pub, size_t pub_len,
		     const struct obol_iov *msg, size_t n, const uint8_t *sig,
		     size_t sig_len)
{
	EVP_MD_CTX *md = NULL;
	EVP_PKEY *pkey;
	ECDSA_SIG *es = NULL;
	BIGNUM *r = NULL, *s = NULL;
	uint8_t *der = NULL, *owned = NULL;
	const uint8_t *m;
	size_t mlen = 0;
	int dlen = 0, ok, err;

	if (alg != OBOL_ALG_ES256 && alg != OBOL_ALG_EDDSA)
		return OBOL_ERR_CRYPTO_UNSUPPORTED;
	if (pub == NULL || sig == NULL || !iov_ok(msg, n))
		return OBOL_ERR_ARG;
	pkey = make_key(alg, NULL, 0, pub, pub_len);
	if (pkey == NULL)
		return OBOL_ERR_CRYPTO_KEY;
	if (sig_len != 64) {
		EVP_PKEY_free(pkey);
		return OBOL_ERR_CRYPTO_AUTH;
	}
	m = join(msg, n, &mlen, &owned);
	md = EVP_MD_CTX_new();
	err = OBOL_ERR_CRYPTO_INTERNAL;
	if (m == NULL || md == NULL)
		goto done;
	if (alg == OBOL_ALG_EDDSA) {
		ok = EVP_DigestVerifyInit(md, NULL, NULL, NULL, pkey) == 1 &&
		     EVP_DigestVerify(md, sig, 64, m, mlen) == 1;
	} else {
		ok = (es = ECDSA_SIG_new()) != NULL &&
		     (r = BN_bin2bn(sig, 32, NULL)) != NULL &&
		     (s = BN_bin2bn(sig + 32, 32, NULL)) != NULL &&
		     ECDSA_SIG_set0(es, r, s) == 1;
		if (!ok)
			goto done; /* r, s are freed below unless set0 took them */
		r = s = NULL;
		ok = (dlen = i2d_ECDSA_SIG(es, &der)) > 0 &&
		     EVP_DigestVerifyInit(md, NULL, EVP_sha256(), NULL, pkey) == 1 &&
		     EVP_DigestVerify(md, der, (size_t)dlen, m, mlen) == 1;
	}
	err = ok ? OBOL_OK : OBOL_ERR_CRYPTO_AUTH;
done:
	BN_free(r);
	BN_free(s);
	ECDSA_SIG_free(es);
	OPENSSL_free(der);
	EVP_MD_CTX_free(md);
	EVP_PKEY_free(pkey);
	unjoin(owned, mlen);
	return err;
}

int obol_port_keygen(int alg, uint8_t *priv, size_t priv_len, uint8_t *pub,
		     size_t pub_len)
{
	EVP_PKEY *pkey;
	int ok;

	if (alg != OBOL_ALG_ES256 && alg != OBOL_ALG_EDDSA)
		return OBOL_ERR_CRYPTO_UNSUPPORTED;
	if (priv == NULL || pub == NULL)
		return OBOL_ERR_ARG;
	if (alg == OBOL_ALG_ES256) {
		BIGNUM *d = NULL;
		uint8_t pt[65];
		size_t ptlen = 0;
		if (priv_len < 32 || pub_len < 64)
			return OBOL_ERR_NO_SPACE;
		pkey = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
		ok = pkey != NULL &&
		     EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_PRIV_KEY, &d) == 1 &&
		     BN_bn2binpad(d, priv, 32) == 32 &&
		     EVP_PKEY_get_octet_string_param(pkey, OSSL_PKEY_PARAM_PUB_KEY, pt,
						     sizeof pt, &ptlen) == 1 &&
		     ptlen == 65 && pt[0] == 0x04;
		if (ok)
			memcpy(pub, pt + 1, 64);
		BN_clear_free(d);
	} else {
		size_t pl = priv_len, ql = pub_len;
		if (priv_len < 32 || pub_len < 32)
			return OBOL_ERR_NO_SPACE;
		pkey = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
		pl = 32;
		ql = 32;
		ok = pkey != NULL && EVP_PKEY_get_raw_private_key(pkey, priv, &pl) == 1 &&
		     EVP_PKEY_get_raw_public_key(pkey, pub, &ql) == 1 && pl == 32 && ql == 32;
	}
	EVP_PKEY_free(pkey);
	if (!ok)
		obol_wipe(priv, priv_len);
	return ok ? OBOL_OK : OBOL_ERR_CRYPTO_INTERNAL;
}

int obol_port_random(uint8_t *out, size_t len)
{
	while (len > 0) {
		int chunk = len > 1u << 20 ? 1 << 20 : (int)len;
		if (RAND_bytes(out, chunk) != 1)
			return OBOL_ERR_CRYPTO_RNG;
		out += chunk;
		len -= (size_t)chunk;
	}
	return OBOL_OK;
}
