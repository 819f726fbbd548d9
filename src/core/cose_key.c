/*
 * COSE_Key (RFC 9052 7, RFC 9053 7): reading a key map into a view
 * (struct obol_cose_key, pointers into the encoding) and writing one
 * deterministically. See include/obol/cose.h for the contract.
 *
 * obol uses three key types, one curve each: Symmetric (k), EC2 with
 * P-256 (x, y, d) and OKP with Ed25519 (x, d). A key of another curve is
 * unusable here, so it is refused (OBOL_ERR_COSE_KEY) when read.
 */
#include <string.h>

#include "obol/cose.h"

/* Labels seen so far, one bit each: a repeated label is refused even from
 * a non-strict cursor (strict decoding already refuses duplicate keys). */
enum {
	SEEN_KTY = 1u << 0,
	SEEN_KID = 1u << 1,
	SEEN_ALG = 1u << 2,
	SEEN_BASE_IV = 1u << 3,
	SEEN_M1 = 1u << 4, /* -1: crv (EC2, OKP) or k (Symmetric) */
	SEEN_X = 1u << 5,
	SEEN_Y = 1u << 6,
	SEEN_D = 1u << 7
};

/* A value of the wrong type or range is a bad key; errors that say the
 * CBOR itself is broken (from a non-strict cursor) pass through. */
static int key_err(int err)
{
	if (err == OBOL_ERR_CBOR_TYPE || err == OBOL_ERR_CBOR_RANGE ||
	    err == OBOL_ERR_CBOR_INDEFINITE || err == OBOL_ERR_CBOR_END)
		return OBOL_ERR_COSE_KEY;
	return err;
}

static int get_int_value(obol_cbor_dec *d, int *v)
{
	int32_t x;
	int err = obol_cbor_get_int32(d, &x);

	if (err)
		return key_err(err);
	*v = (int)x;
	return OBOL_OK;
}

static int get_bstr_value(obol_cbor_dec *d, const uint8_t **p, size_t *len)
{
	int err = obol_cbor_get_bstr(d, p, len);

	return err ? key_err(err) : OBOL_OK;
}

int obol_cose_key_read(obol_cbor_dec *d, struct obol_cose_key *key)
{
	obol_cbor_dec map, m1;
	struct obol_cose_key k;
	unsigned seen = 0;
	int t, err;

	if (d == NULL || key == NULL)
		return OBOL_ERR_ARG;
	memset(&k, 0, sizeof k);
	memset(&m1, 0, sizeof m1);
	t = obol_cbor_peek(d);
	if (t < 0)
		return t;
	if (t != OBOL_CBOR_MAP)
		return OBOL_ERR_COSE_KEY;
	err = obol_cbor_enter_map(d, &map, NULL);
	if (err)
		return key_err(err);

	/* RFC 9052 7: COSE_Key = { 1 => tstr / int (kty), ? 2 => bstr (kid),
	 * ? 3 => tstr / int (alg), ? 4 => [+ key_ops], ? 5 => bstr (Base IV),
	 * * label => values }. The meaning of -1 depends on kty, which may
	 * come later in a non-deterministic map: its value is kept (m1) and
	 * read at the end. */
	while (!obol_cbor_at_end(&map)) {
		int64_t label;
		unsigned bit = 0;

		t = obol_cbor_peek(&map);
		if (t < 0)
			return t;
		if (t == OBOL_CBOR_TSTR) {
			/* Text labels: none defined for these key types. */
			err = obol_cbor_skip(&map);
			if (!err)
				err = obol_cbor_skip(&map);
			if (err)
				return key_err(err);
			continue;
		}
		if (t != OBOL_CBOR_UINT && t != OBOL_CBOR_NINT)
			return OBOL_ERR_COSE_KEY; /* label = int / tstr */
		err = obol_cbor_get_int64(&map, &label);
		if (err == OBOL_ERR_CBOR_RANGE) {
			label = 0; /* beyond int64: unknown, ignored */
			err = obol_cbor_skip(&map);
		}
		if (err)
			return key_err(err);
		switch (label) {
		case OBOL_COSE_KEY_KTY:
			bit = SEEN_KTY;
			/* A text kty names none of obol's key types. */
			err = get_int_value(&map, &k.kty);
			break;
		case OBOL_COSE_KEY_KID:
			bit = SEEN_KID;
			err = get_bstr_value(&map, &k.kid, &k.kid_len);
			break;
		case OBOL_COSE_KEY_ALG:
			bit = SEEN_ALG;
			/* A text alg is none obol implements; alg 0 is
			 * reserved (and means "any" in the view). */
			err = get_int_value(&map, &k.alg);
			if (!err && k.alg == 0)
				err = OBOL_ERR_COSE_KEY;
			break;
		case OBOL_COSE_KEY_BASE_IV:
			bit = SEEN_BASE_IV;
			err = get_bstr_value(&map, &k.base_iv, &k.base_iv_len);
			break;
		case -1:
			bit = SEEN_M1;
			m1 = map;
			err = obol_cbor_skip(&map);
			break;
		case OBOL_COSE_KEY_X:
			bit = SEEN_X;
			err = get_bstr_value(&map, &k.x, &k.x_len);
			break;
		case OBOL_COSE_KEY_Y:
			/* EC2 y may be a bool (point compression, RFC 9053
			 * 7.1.1): not supported, refused as a wrong type. */
			bit = SEEN_Y;
			err = get_bstr_value(&map, &k.y, &k.y_len);
			break;
		case OBOL_COSE_KEY_D:
			bit = SEEN_D;
			err = get_bstr_value(&map, &k.d, &k.d_len);
			break;
		default:
			/* key_ops (4) and anything else: ignored (cose.h). */
			err = obol_cbor_skip(&map);
			break;
		}
		if (err)
			return key_err(err);
		if (seen & bit)
			return OBOL_ERR_COSE_KEY;
		seen |= bit;
	}

	switch (k.kty) {
	case OBOL_COSE_KTY_SYMMETRIC:
		/* RFC 9053 6.1: k, a non-empty bstr. */
		if (!(seen & SEEN_M1))
			return OBOL_ERR_COSE_KEY;
		err = get_bstr_value(&m1, &k.k, &k.k_len);
		if (err)
			return err;
		if (k.k_len == 0)
			return OBOL_ERR_COSE_KEY;
		/* x, y, d mean nothing for a symmetric key: not kept. */
		k.x = k.y = k.d = NULL;
		k.x_len = k.y_len = k.d_len = 0;
		break;
	case OBOL_COSE_KTY_EC2:
		/* RFC 9053 7.1.1: crv, x, y (32 bytes each for P-256), d
		 * (32) for a private key. */
		if (!(seen & SEEN_M1))
			return OBOL_ERR_COSE_KEY;
		err = get_int_value(&m1, &k.crv);
		if (err)
			return err;
		if (k.crv != OBOL_COSE_CRV_P256 || k.x_len != 32 || k.y_len != 32 ||
		    !(seen & SEEN_X) || !(seen & SEEN_Y) ||
		    ((seen & SEEN_D) && k.d_len != OBOL_P256_PRIV_LEN))
			return OBOL_ERR_COSE_KEY;
		break;
	case OBOL_COSE_KTY_OKP:
		/* RFC 9053 7.2: crv, x, d; obol's OKP curve is Ed25519. */
		if (!(seen & SEEN_M1))
			return OBOL_ERR_COSE_KEY;
		err = get_int_value(&m1, &k.crv);
		if (err)
			return err;
		if (k.crv != OBOL_COSE_CRV_ED25519 || !(seen & SEEN_X) ||
		    k.x_len != OBOL_ED25519_PUB_LEN ||
		    ((seen & SEEN_D) && k.d_len != OBOL_ED25519_PRIV_LEN))
			return OBOL_ERR_COSE_KEY;
		k.y = NULL; /* OKP has no y */
		k.y_len = 0;
		break;
	default:
		/* Missing kty, or one obol does not use. */
		return OBOL_ERR_COSE_KEY;
	}

	err = obol_cbor_leave(d, &map);
	if (err)
		return key_err(err);
	*key = k;
	return OBOL_OK;
}

int obol_cose_key_decode(const uint8_t *buf, size_t len,
			 struct obol_cose_key *key)
{
	obol_cbor_dec d;
	int err;

	if (key == NULL)
		return OBOL_ERR_ARG;
	err = obol_cbor_dec_init(&d, buf, len, OBOL_CBOR_STRICT);
	if (err)
		return err;
	return obol_cose_key_read(&d, key);
}

/* The curve obol uses for a key type, when the view does not say. */
static int default_crv(int kty)
{
	return kty == OBOL_COSE_KTY_EC2 ? OBOL_COSE_CRV_P256 : OBOL_COSE_CRV_ED25519;
}

void obol_cose_key_write(obol_cbor_enc *e, const struct obol_cose_key *key,
			 int with_private)
{
	int asym, with_d, with_y;
	size_t pairs;

	if (e == NULL)
		return;
	if (key == NULL) {
		/* No key to write: leave a sticky OBOL_ERR_ARG for finish(). */
		obol_cbor_put_text(e, NULL);
		return;
	}
	asym = key->kty == OBOL_COSE_KTY_EC2 || key->kty == OBOL_COSE_KTY_OKP;
	with_d = asym && with_private && key->d_len != 0;
	with_y = key->kty == OBOL_COSE_KTY_EC2 && key->y_len != 0;

	/* Labels in deterministic order (RFC 8949 4.2.1: bytewise order of
	 * the encodings): 1, 2, 3, 5, then -1, -2, -3, -4. */
	pairs = 1u + (size_t)(key->kid_len != 0) + (size_t)(key->alg != 0) +
		(size_t)(key->base_iv_len != 0);
	if (key->kty == OBOL_COSE_KTY_SYMMETRIC)
		pairs += 1u;
	else if (asym)
		pairs += 1u + (size_t)(key->x_len != 0) + (size_t)with_y + (size_t)with_d;
	obol_cbor_put_map(e, pairs);
	obol_cbor_put_int(e, OBOL_COSE_KEY_KTY);
	obol_cbor_put_int(e, key->kty);
	if (key->kid_len) {
		obol_cbor_put_int(e, OBOL_COSE_KEY_KID);
		obol_cbor_put_bstr(e, key->kid, key->kid_len);
	}
	if (key->alg) {
		obol_cbor_put_int(e, OBOL_COSE_KEY_ALG);
		obol_cbor_put_int(e, key->alg);
	}
	if (key->base_iv_len) {
		obol_cbor_put_int(e, OBOL_COSE_KEY_BASE_IV);
		obol_cbor_put_bstr(e, key->base_iv, key->base_iv_len);
	}
	if (key->kty == OBOL_COSE_KTY_SYMMETRIC) {
		/* A symmetric key is all private: always written (cose.h). */
		obol_cbor_put_int(e, OBOL_COSE_KEY_K);
		obol_cbor_put_bstr(e, key->k, key->k_len);
		return;
	}
	if (!asym)
		return;
	obol_cbor_put_int(e, OBOL_COSE_KEY_CRV);
	obol_cbor_put_int(e, key->crv != 0 ? key->crv : default_crv(key->kty));
	if (key->x_len) {
		obol_cbor_put_int(e, OBOL_COSE_KEY_X);
		obol_cbor_put_bstr(e, key->x, key->x_len);
	}
	if (with_y) {
		obol_cbor_put_int(e, OBOL_COSE_KEY_Y);
		obol_cbor_put_bstr(e, key->y, key->y_len);
	}
	if (with_d) {
		obol_cbor_put_int(e, OBOL_COSE_KEY_D);
		obol_cbor_put_bstr(e, key->d, key->d_len);
	}
}
