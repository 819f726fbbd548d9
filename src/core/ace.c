/*
 * The ACE OSCORE profile's client/RS messages and context derivation
 * (include/obol/ace.h, RFC 9203 4.1-4.3).
 */
#include <string.h>

#include "obol/ace.h"
#include "obol/cbor.h"

int obol_ace_authz_info_build(const uint8_t *token, size_t token_len,
			      const uint8_t *n1, size_t n1_len,
			      const uint8_t *id1, size_t id1_len, uint8_t *out,
			      size_t cap, size_t *len)
{
	obol_cbor_enc e;
	int update = n1 == NULL && id1 == NULL;

	if (len == NULL || token == NULL || token_len == 0 ||
	    (!update && (n1 == NULL || id1 == NULL)) ||
	    (!update && (n1_len == 0 || id1_len > OBOL_OSCORE_MAX_ID)))
		return OBOL_ERR_ARG;
	obol_cbor_enc_init(&e, out, out != NULL ? cap : 0);
	/* keys 1, 40, 43: ascending, as RFC 8949 4.2.1 orders them */
	obol_cbor_put_map(&e, update ? 1 : 3);
	obol_cbor_put_uint(&e, OBOL_ACE_ACCESS_TOKEN);
	obol_cbor_put_bstr(&e, token, token_len);
	if (!update) {
		obol_cbor_put_uint(&e, OBOL_ACE_NONCE1);
		obol_cbor_put_bstr(&e, n1, n1_len);
		obol_cbor_put_uint(&e, OBOL_ACE_CLIENT_RECIPIENTID);
		obol_cbor_put_bstr(&e, id1, id1_len);
	}
	return obol_cbor_enc_finish(&e, len);
}

int obol_ace_authz_info_parse(const uint8_t *payload, size_t len,
			      const uint8_t **n2, size_t *n2_len,
			      const uint8_t **id2, size_t *id2_len)
{
	obol_cbor_dec d, m;
	size_t n;
	int err, have = 0;

	if (n2 == NULL || n2_len == NULL || id2 == NULL || id2_len == NULL)
		return OBOL_ERR_ARG;
	err = obol_cbor_dec_init(&d, payload, len, OBOL_CBOR_STRICT);
	if (err == OBOL_OK)
		err = obol_cbor_enter_map(&d, &m, &n);
	while (err == OBOL_OK && !obol_cbor_at_end(&m)) {
		uint64_t key;

		if (obol_cbor_peek(&m) != OBOL_CBOR_UINT ||
		    obol_cbor_get_uint64(&m, &key) != OBOL_OK) {
			err = obol_cbor_skip(&m); /* a key of another type */
			if (err == OBOL_OK)
				err = obol_cbor_skip(&m);
			continue;
		}
		if (key == OBOL_ACE_NONCE2) {
			err = obol_cbor_get_bstr(&m, n2, n2_len);
			have |= 1;
		} else if (key == OBOL_ACE_SERVER_RECIPIENTID) {
			err = obol_cbor_get_bstr(&m, id2, id2_len);
			have |= 2;
		} else {
			err = obol_cbor_skip(&m);
		}
		if (err == OBOL_ERR_CBOR_TYPE)
			err = OBOL_ERR_ACE_PARAM;
	}
	if (err != OBOL_OK)
		return err;
	if (have != 3 || *n2_len == 0 || *id2_len > OBOL_OSCORE_MAX_ID)
		return OBOL_ERR_ACE_PARAM;
	return OBOL_OK;
}

int obol_ace_master_salt(const uint8_t *salt, size_t salt_len,
			 const uint8_t *n1, size_t n1_len, const uint8_t *n2,
			 size_t n2_len, uint8_t *out, size_t cap, size_t *len)
{
	obol_cbor_enc e;

	if (len == NULL || (salt == NULL && salt_len != 0) || n1 == NULL ||
	    n2 == NULL)
		return OBOL_ERR_ARG;
	/* three byte strings one after another: a CBOR sequence */
	obol_cbor_enc_init(&e, out, out != NULL ? cap : 0);
	obol_cbor_put_bstr(&e, salt, salt_len);
	obol_cbor_put_bstr(&e, n1, n1_len);
	obol_cbor_put_bstr(&e, n2, n2_len);
	return obol_cbor_enc_finish(&e, len);
}

/* Head (1..2 bytes for these lengths) + content, three times. */
#define SALT_MAX (3 * (2 + OBOL_RS_MAX_NONCE))

int obol_ace_derive(struct obol_oscore_ctx *c,
		    const struct obol_oscore_input *osc, const uint8_t *n1,
		    size_t n1_len, const uint8_t *n2, size_t n2_len,
		    const uint8_t *sender_id, size_t sender_id_len,
		    const uint8_t *recipient_id, size_t recipient_id_len)
{
	struct obol_oscore_params p;
	uint8_t salt[SALT_MAX];
	size_t salt_len = 0;
	int err;

	if (c == NULL || osc == NULL)
		return OBOL_ERR_ARG;
	if (sender_id_len == recipient_id_len &&
	    (sender_id_len == 0 ||
	     memcmp(sender_id, recipient_id, sender_id_len) == 0))
		return OBOL_ERR_ACE_IDS;
	if ((osc->present & OBOL_OSC_F(OBOL_OSC_MS)) == 0 || osc->ms_len == 0 ||
	    ((osc->present & OBOL_OSC_F(OBOL_OSC_VERSION)) && osc->version != 1) ||
	    ((osc->present & OBOL_OSC_F(OBOL_OSC_HKDF)) &&
	     osc->hkdf != OBOL_ALG_HKDF_SHA_256) ||
	    n1_len == 0 || n1_len > OBOL_RS_MAX_NONCE || n2_len == 0 ||
	    n2_len > OBOL_RS_MAX_NONCE ||
	    ((osc->present & OBOL_OSC_F(OBOL_OSC_SALT)) &&
	     osc->salt_len > OBOL_RS_MAX_NONCE) ||
	    ((osc->present & OBOL_OSC_F(OBOL_OSC_CONTEXT_ID)) &&
	     osc->context_id_len > OBOL_OSCORE_MAX_ID_CONTEXT) ||
	    sender_id_len > OBOL_OSCORE_MAX_ID ||
	    recipient_id_len > OBOL_OSCORE_MAX_ID)
		return OBOL_ERR_ACE_PARAM;
	err = obol_ace_master_salt(
		(osc->present & OBOL_OSC_F(OBOL_OSC_SALT)) ? osc->salt : NULL,
		(osc->present & OBOL_OSC_F(OBOL_OSC_SALT)) ? osc->salt_len : 0,
		n1, n1_len, n2, n2_len, salt, sizeof salt, &salt_len);
	if (err != OBOL_OK)
		return err;
	memset(&p, 0, sizeof p);
	p.master_secret = osc->ms;
	p.master_secret_len = osc->ms_len;
	p.master_salt = salt;
	p.master_salt_len = salt_len;
	p.sender_id = sender_id;
	p.sender_id_len = sender_id_len;
	p.recipient_id = recipient_id;
	p.recipient_id_len = recipient_id_len;
	if (osc->present & OBOL_OSC_F(OBOL_OSC_CONTEXT_ID)) {
		/* an empty contextId is an empty ID Context, not an absent one */
		p.id_context = osc->context_id != NULL ? osc->context_id : salt;
		p.id_context_len = osc->context_id_len;
	}
	p.aead_alg = (osc->present & OBOL_OSC_F(OBOL_OSC_ALG)) ? osc->alg : 0;
	if (p.aead_alg == 0 && (osc->present & OBOL_OSC_F(OBOL_OSC_ALG)))
		p.aead_alg = -1; /* alg 0 (reserved) given explicitly: refuse */
	p.hkdf_alg = OBOL_ALG_HKDF_SHA_256;
	err = obol_oscore_derive(c, &p);
	obol_wipe(salt, sizeof salt);
	return err;
}
