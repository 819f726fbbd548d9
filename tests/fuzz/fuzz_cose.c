/*
 * libFuzzer target: COSE (include/obol/cose.h). Every input is read as a
 * message by obol_cose_parse and by each verifier with fixed keys (the
 * keys of tests/vectors/cose_*.txt, so that the seed corpus reaches the
 * crypto), and as a COSE_Key. The invariants below must hold for any
 * bytes; a failed one aborts (a crash the fuzzer reports).
 *
 *   - every result is OBOL_OK or an error of a class the reader may give;
 *   - views (headers, payload, key fields) point inside the input;
 *   - a message a verifier accepts is one parse accepts, of that type;
 *     a message parse refuses, no verifier accepts;
 *   - a failed decrypt0 leaves the ciphertext intact or zeroed, never
 *     anything else;
 *   - whatever parse accepts, the create function re-creates with the same
 *     alg and headers, and the result reads back with those headers;
 *   - the input as a payload / plaintext survives create then read;
 *   - a decoded COSE_Key re-encodes deterministically and decodes to the
 *     same key.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "obol/cose.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define REQUIRE(c)                                                           \
	do {                                                                 \
		if (!(c))                                                    \
			abort();                                             \
	} while (0)

#define MAX_IN 4096

/* Keys (cose-wg/Examples, RFC 8392 A.2, RFC 8032 7.1 test 1). */
static const uint8_t AES1[16] = {0x84, 0x9b, 0x57, 0x21, 0x9d, 0xae, 0x48, 0xde,
				 0x64, 0x6d, 0x07, 0xdb, 0xb5, 0x33, 0x56, 0x6e};
static const uint8_t AES2[16] = {0x84, 0x9b, 0x57, 0x86, 0x45, 0x7c, 0x14, 0x91,
				 0xbe, 0x3a, 0x76, 0xdc, 0xea, 0x6c, 0x42, 0x71};
static const uint8_t AES3[16] = {0x23, 0x1f, 0x4c, 0x4d, 0x4d, 0x30, 0x51, 0xfd,
				 0xc2, 0xec, 0x0a, 0x38, 0x51, 0xd5, 0xb3, 0x83};
static const uint8_t BASE_IV[13] = {0x89, 0xf5, 0x2f, 0x65, 0xa1, 0xc5, 0x80,
				    0x93, 0x00, 0x00, 0x00, 0x00, 0x00};
static const uint8_t HMAC1[32] = {
	0x84, 0x9b, 0x57, 0x21, 0x9d, 0xae, 0x48, 0xde, 0x64, 0x6d, 0x07,
	0xdb, 0xb5, 0x33, 0x56, 0x6e, 0x97, 0x66, 0x86, 0x45, 0x7c, 0x14,
	0x91, 0xbe, 0x3a, 0x76, 0xdc, 0xea, 0x6c, 0x42, 0x71, 0x88};
static const uint8_t HMAC2[32] = {
	0x40, 0x36, 0x97, 0xde, 0x87, 0xaf, 0x64, 0x61, 0x1c, 0x1d, 0x32,
	0xa0, 0x5d, 0xab, 0x0f, 0xe1, 0xfc, 0xb7, 0x15, 0xa8, 0x6a, 0xb4,
	0x35, 0xf1, 0xec, 0x99, 0x19, 0x2d, 0x79, 0x56, 0x93, 0x88};
static const uint8_t ES_X[32] = {
	0xba, 0xc5, 0xb1, 0x1c, 0xad, 0x8f, 0x99, 0xf9, 0xc7, 0x2b, 0x05,
	0xcf, 0x4b, 0x9e, 0x26, 0xd2, 0x44, 0xdc, 0x18, 0x9f, 0x74, 0x52,
	0x28, 0x25, 0x5a, 0x21, 0x9a, 0x86, 0xd6, 0xa0, 0x9e, 0xff};
static const uint8_t ES_Y[32] = {
	0x20, 0x13, 0x8b, 0xf8, 0x2d, 0xc1, 0xb6, 0xd5, 0x62, 0xbe, 0x0f,
	0xa5, 0x4a, 0xb7, 0x80, 0x4a, 0x3a, 0x64, 0xb6, 0xd7, 0x2c, 0xcf,
	0xed, 0x6b, 0x6f, 0xb6, 0xed, 0x28, 0xbb, 0xfc, 0x11, 0x7e};
static const uint8_t ES_D[32] = {
	0x57, 0xc9, 0x20, 0x77, 0x66, 0x41, 0x46, 0xe8, 0x76, 0x76, 0x0c,
	0x95, 0x20, 0xd0, 0x54, 0xaa, 0x93, 0xc3, 0xaf, 0xb0, 0x4e, 0x30,
	0x67, 0x05, 0xdb, 0x60, 0x90, 0x30, 0x85, 0x07, 0xb4, 0xd3};
static const uint8_t ED_X[32] = {
	0xd7, 0x5a, 0x98, 0x01, 0x82, 0xb1, 0x0a, 0xb7, 0xd5, 0x4b, 0xfe,
	0xd3, 0xc9, 0x64, 0x07, 0x3a, 0x0e, 0xe1, 0x72, 0xf3, 0xda, 0xa6,
	0x23, 0x25, 0xaf, 0x02, 0x1a, 0x68, 0xf7, 0x07, 0x51, 0x1a};
static const uint8_t ED_D[32] = {
	0x9d, 0x61, 0xb1, 0x9d, 0xef, 0xfd, 0x5a, 0x60, 0xba, 0x84, 0x4a,
	0xf4, 0x92, 0xec, 0x2c, 0xc4, 0x44, 0x49, 0xc5, 0x69, 0x7b, 0x32,
	0x69, 0x19, 0x70, 0x3b, 0xac, 0x03, 0x1c, 0xae, 0x7f, 0x60};

static struct obol_cose_key sym(const uint8_t *k, size_t len)
{
	struct obol_cose_key key;

	memset(&key, 0, sizeof key);
	key.kty = OBOL_COSE_KTY_SYMMETRIC;
	key.k = k;
	key.k_len = len;
	key.base_iv = BASE_IV;
	key.base_iv_len = sizeof BASE_IV;
	return key;
}

static struct obol_cose_key es256(void)
{
	struct obol_cose_key key;

	memset(&key, 0, sizeof key);
	key.kty = OBOL_COSE_KTY_EC2;
	key.crv = OBOL_COSE_CRV_P256;
	key.x = ES_X;
	key.x_len = 32;
	key.y = ES_Y;
	key.y_len = 32;
	key.d = ES_D;
	key.d_len = 32;
	return key;
}

static struct obol_cose_key ed25519(void)
{
	struct obol_cose_key key;

	memset(&key, 0, sizeof key);
	key.kty = OBOL_COSE_KTY_OKP;
	key.crv = OBOL_COSE_CRV_ED25519;
	key.x = ED_X;
	key.x_len = 32;
	key.d = ED_D;
	key.d_len = 32;
	return key;
}

static int inside(const uint8_t *p, size_t n, const uint8_t *buf, size_t len)
{
	return n == 0 || (p != NULL && p >= buf && n <= len && p - buf <= (ptrdiff_t)(len - n));
}

static void hdr_inside(const struct obol_cose_hdr *h, const uint8_t *buf, size_t len)
{
	REQUIRE(inside(h->kid, h->kid_len, buf, len));
	REQUIRE(inside(h->iv, h->iv_len, buf, len));
	REQUIRE(inside(h->partial_iv, h->partial_iv_len, buf, len));
	REQUIRE(inside(h->kid_context, h->kid_context_len, buf, len));
	REQUIRE(inside(h->protected_raw, h->protected_len, buf, len));
}

/* Errors a reader may give for hostile bytes and well-formed keys (a key
 * of the wrong length for the message's alg: OBOL_ERR_CRYPTO_KEY). */
static int reader_error(int err)
{
	return (err <= -16 && err >= -51) || (err <= OBOL_ERR_COSE_TAG && err >= OBOL_ERR_COSE_KEY) ||
	       err == OBOL_ERR_CRYPTO_AUTH || err == OBOL_ERR_CRYPTO_KEY;
}

static int same(const uint8_t *a, size_t an, const uint8_t *b, size_t bn)
{
	return an == bn && (an == 0 || memcmp(a, b, an) == 0);
}

/*
 * Re-create what parse accepted, with its alg and headers, and read it
 * back: the headers come out the same. An Encrypt0 whose IV obol cannot
 * use (wrong length, Partial IV too long) must be refused for that reason.
 */
static void recreate(int type, const struct obol_cose_hdr *h, const uint8_t *data,
		     size_t size)
{
	uint8_t out[2 * MAX_IN + 256]; /* payload + headers taken from it */
	struct obol_cose_hdr back;
	struct obol_cose_key key;
	const uint8_t *p;
	uint8_t *pt;
	size_t n = 0, pl = 0, need = 0;
	int err;

	memset(&back, 0, sizeof back);
	if (type == OBOL_COSE_TAG_ENCRYPT0) {
		key = sym(AES1, 16);
		if (size > 1024)
			size = 1024;
		err = obol_cose_encrypt0(&key, h, 0, NULL, 0, data, size, NULL, 0, &need);
		if (err == OBOL_ERR_COSE_IV) {
			REQUIRE(h->iv_len != 13 || h->partial_iv_len > 13);
			return;
		}
		REQUIRE(err == OBOL_ERR_NO_SPACE && need <= sizeof out);
		err = obol_cose_encrypt0(&key, h, 0, NULL, 0, data, size, out, need, &n);
		REQUIRE(err == OBOL_OK && n == need);
		err = obol_cose_decrypt0(out, n, OBOL_COSE_REQUIRE_TAG, &key, NULL, 0, &back, &pt,
					 &pl);
		REQUIRE(err == OBOL_OK && same(pt, pl, data, size));
	} else if (type == OBOL_COSE_TAG_MAC0) {
		key = sym(HMAC1, 32);
		err = obol_cose_mac0_create(&key, h, OBOL_COSE_UNTAGGED, NULL, 0, data, size,
					    NULL, 0, &need);
		REQUIRE(err == OBOL_ERR_NO_SPACE && need <= sizeof out);
		err = obol_cose_mac0_create(&key, h, OBOL_COSE_UNTAGGED, NULL, 0, data, size, out,
					    need, &n);
		REQUIRE(err == OBOL_OK && n == need);
		err = obol_cose_mac0_verify(out, n, 0, &key, NULL, 0, &back, &p, &pl);
		REQUIRE(err == OBOL_OK && same(p, pl, data, size));
	} else {
		key = h->alg == OBOL_ALG_ES256 ? es256() : ed25519();
		err = obol_cose_sign1_create(&key, h, 0, NULL, 0, data, size, NULL, 0, &need);
		REQUIRE(err == OBOL_ERR_NO_SPACE && need <= sizeof out);
		err = obol_cose_sign1_create(&key, h, 0, NULL, 0, data, size, out, need, &n);
		REQUIRE(err == OBOL_OK && n == need);
		err = obol_cose_sign1_verify(out, n, OBOL_COSE_REQUIRE_TAG, &key, NULL, 0, &back,
					     &p, &pl);
		REQUIRE(err == OBOL_OK && same(p, pl, data, size));
	}
	REQUIRE(obol_cbor_validate(out, n, OBOL_CBOR_DETERMINISTIC, NULL) == OBOL_OK);
	REQUIRE(back.alg == h->alg);
	REQUIRE(same(back.kid, back.kid_len, h->kid, h->kid_len));
	REQUIRE(same(back.partial_iv, back.partial_iv_len, h->partial_iv, h->partial_iv_len));
	REQUIRE(same(back.kid_context, back.kid_context_len, h->kid_context,
		     h->kid_context_len));
	if (h->iv_len != 0)
		REQUIRE(same(back.iv, back.iv_len, h->iv, h->iv_len));
	REQUIRE(back.protected_len == 3 || back.protected_len == 4); /* {1: alg} */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t buf[MAX_IN];
	struct obol_cose_key keys[7], key, again;
	struct obol_cose_hdr hdr, h2;
	const uint8_t *p;
	uint8_t *pt;
	size_t i, pl;
	int perr, type = -1, err, accepted = 0;

	if (size > MAX_IN)
		return 0;
	keys[0] = sym(AES1, 16);
	keys[1] = sym(AES2, 16);
	keys[2] = sym(AES3, 16);
	keys[3] = sym(HMAC1, 32);
	keys[4] = sym(HMAC2, 32);
	keys[5] = es256();
	keys[6] = ed25519();

	/* parse */
	memset(&hdr, 0, sizeof hdr);
	perr = obol_cose_parse(data, size, 0, &type, &hdr);
	REQUIRE(perr == OBOL_OK || reader_error(perr));
	REQUIRE(perr != OBOL_ERR_CRYPTO_AUTH && perr != OBOL_ERR_CRYPTO_KEY);
	if (perr == OBOL_OK) {
		REQUIRE(type == OBOL_COSE_TAG_ENCRYPT0 || type == OBOL_COSE_TAG_MAC0 ||
			type == OBOL_COSE_TAG_SIGN1);
		hdr_inside(&hdr, data, size);
		REQUIRE(hdr.protected_len > 0); /* alg is in it */
		REQUIRE(!(hdr.iv_len && hdr.partial_iv_len));
	} else {
		REQUIRE(type == 0);
	}
	err = obol_cose_parse(data, size, OBOL_COSE_REQUIRE_TAG, NULL, &h2);
	if (err == OBOL_OK)
		REQUIRE(perr == OBOL_OK && (data[0] & 0xe0) == 0xc0);
	else if (perr == OBOL_OK)
		REQUIRE(err == OBOL_ERR_COSE_TAG && (data[0] & 0xe0) != 0xc0);

	/* the verifiers, with each key */
	for (i = 0; i < sizeof keys / sizeof keys[0]; i++) {
		memcpy(buf, data, size);
		pt = NULL;
		pl = 0;
		err = obol_cose_decrypt0(buf, size, 0, &keys[i], NULL, 0, &h2, &pt, &pl);
		REQUIRE(err == OBOL_OK || reader_error(err));
		if (err == OBOL_OK) {
			REQUIRE(perr == OBOL_OK && type == OBOL_COSE_TAG_ENCRYPT0);
			REQUIRE(inside(pt, pl, buf, size) && pl + 8 <= size);
			hdr_inside(&h2, buf, size);
			accepted++;
		} else {
			size_t j;
			REQUIRE(pt == NULL && pl == 0);
			for (j = 0; j < size; j++)
				REQUIRE(buf[j] == data[j] || buf[j] == 0);
		}
		err = obol_cose_mac0_verify(data, size, 0, &keys[i], NULL, 0, &h2, &p, &pl);
		REQUIRE(err == OBOL_OK || reader_error(err));
		if (err == OBOL_OK) {
			REQUIRE(perr == OBOL_OK && type == OBOL_COSE_TAG_MAC0);
			REQUIRE(inside(p, pl, data, size));
			accepted++;
		} else {
			REQUIRE(p == NULL && pl == 0);
		}
		err = obol_cose_sign1_verify(data, size, 0, &keys[i], NULL, 0, &h2, &p, &pl);
		REQUIRE(err == OBOL_OK || reader_error(err));
		if (err == OBOL_OK) {
			REQUIRE(perr == OBOL_OK && type == OBOL_COSE_TAG_SIGN1);
			REQUIRE(inside(p, pl, data, size));
			accepted++;
		}
	}
	if (perr != OBOL_OK)
		REQUIRE(accepted == 0);

	/* what parse accepts, obol can write */
	if (perr == OBOL_OK)
		recreate(type, &hdr, data, size);

	/* the input as a payload / plaintext */
	{
		uint8_t out[MAX_IN + 64];
		size_t n = 0, len = size > 1024 ? 1024 : size;
		struct obol_cose_hdr c;

		memset(&c, 0, sizeof c);
		c.alg = OBOL_ALG_AES_CCM_16_128_128;
		c.partial_iv = data;
		c.partial_iv_len = len > 5 ? 5 : len;
		key = sym(AES2, 16);
		err = obol_cose_encrypt0(&key, &c, OBOL_COSE_UNTAGGED, data, len, data, len, out,
					 sizeof out, &n);
		REQUIRE(err == OBOL_OK);
		err = obol_cose_decrypt0(out, n, 0, &key, data, len, &h2, &pt, &pl);
		REQUIRE(err == OBOL_OK && same(pt, pl, data, len));
		REQUIRE(same(h2.partial_iv, h2.partial_iv_len, data, c.partial_iv_len));
		c.alg = OBOL_ALG_HMAC_256_64;
		key = sym(HMAC2, 32);
		err = obol_cose_mac0_create(&key, &c, 0, NULL, 0, data, size, out, sizeof out, &n);
		REQUIRE(err == OBOL_OK);
		err = obol_cose_mac0_verify(out, n, OBOL_COSE_REQUIRE_TAG, &key, NULL, 0, NULL, &p,
					    &pl);
		REQUIRE(err == OBOL_OK && same(p, pl, data, size));
	}

	/* COSE_Key */
	memset(&key, 0x5a, sizeof key);
	err = obol_cose_key_decode(data, size, &key);
	REQUIRE(err == OBOL_OK || (err <= -16 && err >= -51) || err == OBOL_ERR_COSE_KEY);
	if (err == OBOL_OK) {
		uint8_t enc[MAX_IN];
		obol_cbor_enc e;
		size_t n = 0;

		REQUIRE(key.kty == OBOL_COSE_KTY_SYMMETRIC || key.kty == OBOL_COSE_KTY_EC2 ||
			key.kty == OBOL_COSE_KTY_OKP);
		REQUIRE(inside(key.kid, key.kid_len, data, size));
		REQUIRE(inside(key.base_iv, key.base_iv_len, data, size));
		REQUIRE(inside(key.k, key.k_len, data, size));
		REQUIRE(inside(key.x, key.x_len, data, size));
		REQUIRE(inside(key.y, key.y_len, data, size));
		REQUIRE(inside(key.d, key.d_len, data, size));
		if (key.kty == OBOL_COSE_KTY_SYMMETRIC)
			REQUIRE(key.k_len > 0 && key.x_len == 0 && key.d_len == 0);
		else if (key.kty == OBOL_COSE_KTY_EC2)
			REQUIRE(key.crv == OBOL_COSE_CRV_P256 && key.x_len == 32 &&
				key.y_len == 32 && (key.d_len == 0 || key.d_len == 32));
		else
			REQUIRE(key.crv == OBOL_COSE_CRV_ED25519 && key.x_len == 32 &&
				key.y_len == 0 && (key.d_len == 0 || key.d_len == 32));
		obol_cbor_enc_init(&e, enc, sizeof enc);
		obol_cose_key_write(&e, &key, 1);
		REQUIRE(obol_cbor_enc_finish(&e, &n) == OBOL_OK);
		REQUIRE(obol_cbor_validate(enc, n, OBOL_CBOR_DETERMINISTIC, NULL) == OBOL_OK);
		REQUIRE(obol_cose_key_decode(enc, n, &again) == OBOL_OK);
		REQUIRE(again.kty == key.kty && again.alg == key.alg && again.crv == key.crv &&
			same(again.kid, again.kid_len, key.kid, key.kid_len) &&
			same(again.base_iv, again.base_iv_len, key.base_iv, key.base_iv_len) &&
			same(again.k, again.k_len, key.k, key.k_len) &&
			same(again.x, again.x_len, key.x, key.x_len) &&
			same(again.y, again.y_len, key.y, key.y_len) &&
			same(again.d, again.d_len, key.d, key.d_len));
	}
	return 0;
}
