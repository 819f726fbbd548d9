/*
 * CWT (RFC 8392) claims sets and tokens, with the proof-of-possession
 * confirmation claim (RFC 8747), the ACE claims (RFC 9200) and the OSCORE
 * profile's OSCORE_Input_Material (RFC 9203). See include/obol/cwt.h.
 *
 * Claims are decoded with the strict CBOR decoder: the whole claims set is
 * checked once (well-formed, shortest form, no duplicate keys, valid
 * UTF-8, bounded depth), then read member by member into a view that
 * points into the input. COSE is left to cose.h: this file only picks the
 * key and the message type, and hands over the bytes.
 *
 * Nothing recurses. A nested token (RFC 8392 7.2 step 9: the payload of a
 * COSE layer is itself a tagged COSE message) is opened in a loop of at
 * most CWT_MAX_LAYERS layers.
 */
#include <limits.h>
#include <stddef.h>
#include <string.h>

#include "obol/aif.h"
#include "obol/crypto.h"
#include "obol/cwt.h"

/* COSE layers a token may have: the message and one nested message inside
 * it (RFC 8392 A.6 is an Encrypt0 around a Sign1). Each layer costs one
 * full pass of crypto, so the count stays small. */
#define CWT_MAX_LAYERS 2

/* Every claim bit cwt.h defines. */
#define CWT_F_ALL 0x0fffu

/* Every OSCORE_Input_Material label RFC 9203 3.2.1 defines (0..6). */
#define OSC_F_ALL 0x7fu

/* ---- plain values, by offset ------------------------------------------------ */

/*
 * The claims (and the OSCORE_Input_Material parameters) that are plain
 * values are described by a table: their key, type, and offset in the
 * struct, so that one loop decodes and one loop encodes them all.
 */
enum value_type {
	V_TSTR,  /* const char * + size_t: StringOrURI (RFC 8392 3.1.1-3.1.3) */
	V_BSTR,  /* const uint8_t * + size_t */
	V_INT,   /* int64_t: NumericDate (integers only, cwt.h), ace_profile */
	V_UINT,  /* uint64_t: exi (RFC 9200 5.10.3), OSCORE version */
	V_ALG,   /* int: a COSE algorithm integer (text names are refused) */
	V_CNF,   /* claims only: the confirmation claim */
	V_SCOPE  /* claims only: the scope */
};

struct value_desc {
	uint8_t key;
	uint8_t type;     /* enum value_type */
	uint16_t off;     /* of the value (or the pointer) in the struct */
	uint16_t len_off; /* of the length, for strings */
};

/*
 * Read a plain value (V_TSTR .. V_ALG) into the struct at base. The strict
 * decoder has checked the whole input at init, so a getter can only fail
 * here because the item is not of the type asked for, or does not fit it:
 * then nonzero. A float NumericDate (which RFC 8392 allows) is refused
 * that way, as is the tag 1 that RFC 8392 2 says MUST be omitted, and a
 * date outside int64.
 */
static int get_value(obol_cbor_dec *d, void *base, const struct value_desc *t)
{
	void *v = (char *)base + t->off;
	size_t *len = (void *)((char *)base + t->len_off);
	int *alg = v;
	int64_t i;

	switch (t->type) {
	case V_TSTR:
		return obol_cbor_get_tstr(d, v, len);
	case V_BSTR:
		return obol_cbor_get_bstr(d, v, len);
	case V_INT:
		return obol_cbor_get_int64(d, v);
	case V_UINT:
		return obol_cbor_get_uint64(d, v);
	default: /* V_ALG */
		if (obol_cbor_get_int64(d, &i) != OBOL_OK || i < INT_MIN || i > INT_MAX)
			return OBOL_ERR_CBOR_RANGE;
		*alg = (int)i;
		return OBOL_OK;
	}
}

static void put_value(obol_cbor_enc *e, const void *base,
		      const struct value_desc *t)
{
	const void *v = (const char *)base + t->off;
	const size_t *len = (const void *)((const char *)base + t->len_off);
	const char *const *text = v;
	const uint8_t *const *bytes = v;
	const int64_t *sint = v;
	const uint64_t *uint = v;
	const int *alg = v;

	switch (t->type) {
	case V_TSTR:
		obol_cbor_put_tstr(e, *text, *len);
		break;
	case V_BSTR:
		obol_cbor_put_bstr(e, *bytes, *len);
		break;
	case V_INT:
		obol_cbor_put_int(e, *sint);
		break;
	case V_UINT:
		obol_cbor_put_uint(e, *uint);
		break;
	default: /* V_ALG */
		obol_cbor_put_int(e, *alg);
		break;
	}
}

#define AT(field) ((uint16_t)offsetof(struct obol_cwt_claims, field))
#define OSC(field) ((uint16_t)offsetof(struct obol_oscore_input, field))

/* OSCORE_Input_Material (RFC 9203 3.2.1): entry i is label i. */
static const struct value_desc osc_tab[] = {
	{OBOL_OSC_ID, V_BSTR, OSC(id), OSC(id_len)},
	{OBOL_OSC_VERSION, V_UINT, OSC(version), 0},
	{OBOL_OSC_MS, V_BSTR, OSC(ms), OSC(ms_len)},
	{OBOL_OSC_HKDF, V_ALG, OSC(hkdf), 0},
	{OBOL_OSC_ALG, V_ALG, OSC(alg), 0},
	{OBOL_OSC_SALT, V_BSTR, OSC(salt), OSC(salt_len)},
	{OBOL_OSC_CONTEXT_ID, V_BSTR, OSC(context_id), OSC(context_id_len)},
};

/*
 * The claims cwt.h knows, in ascending key order: the order they are
 * encoded in (RFC 8949 4.2.1); entry i has the presence bit 1 << i
 * (OBOL_CWT_F_*).
 */
static const struct value_desc claim_tab[] = {
	{OBOL_CWT_ISS, V_TSTR, AT(iss), AT(iss_len)},
	{OBOL_CWT_SUB, V_TSTR, AT(sub), AT(sub_len)},
	/* RFC 8392 3.1.3 also allows an array of strings; cwt.h holds one
	 * audience, so an array is refused */
	{OBOL_CWT_AUD, V_TSTR, AT(aud), AT(aud_len)},
	{OBOL_CWT_EXP, V_INT, AT(exp), 0},
	{OBOL_CWT_NBF, V_INT, AT(nbf), 0},
	{OBOL_CWT_IAT, V_INT, AT(iat), 0},
	{OBOL_CWT_CTI, V_BSTR, AT(cti), AT(cti_len)},
	{OBOL_CWT_CNF, V_CNF, 0, 0},
	{OBOL_CWT_SCOPE, V_SCOPE, 0, 0},
	/* an integer (RFC 9200 5.8.4.3): Figure 7's "coap_dtls" is refused */
	{OBOL_CWT_ACE_PROFILE, V_INT, AT(ace_profile), 0},
	{OBOL_CWT_CNONCE, V_BSTR, AT(cnonce), AT(cnonce_len)},
	{OBOL_CWT_EXI, V_UINT, AT(exi), 0},
};

#define N_CLAIMS (sizeof claim_tab / sizeof claim_tab[0])

/* The table and the OBOL_CWT_F_* bits agree (C99: no _Static_assert). */
typedef char cwt_check_iss_bit[OBOL_CWT_F_ISS == 1u << 0 ? 1 : -1];
typedef char cwt_check_cnf_bit[OBOL_CWT_F_CNF == 1u << 7 ? 1 : -1];
typedef char cwt_check_exi_bit[OBOL_CWT_F_EXI == 1u << 11 ? 1 : -1];
typedef char cwt_check_all_bits[CWT_F_ALL == (1u << 12) - 1u ? 1 : -1];
typedef char cwt_check_osc_labels[OBOL_OSC_CONTEXT_ID == 6 ? 1 : -1];

/* ---- decoding ------------------------------------------------------------- */

/*
 * scope (RFC 9200 5.8.1 text or byte string; RFC 9237 AIF): see the
 * "Scope" paragraph of cwt.h for the three accepted forms.
 */
static int claim_scope(obol_cbor_dec *d, struct obol_cwt_claims *c)
{
	const uint8_t *p;
	const char *s;
	size_t n;

	switch (obol_cbor_peek(d)) {
	case OBOL_CBOR_TSTR:
		(void)obol_cbor_get_tstr(d, &s, &n);
		c->scope_type = OBOL_CWT_SCOPE_TEXT;
		c->scope = (const uint8_t *)s;
		c->scope_len = n;
		return OBOL_OK;
	case OBOL_CBOR_BSTR:
		(void)obol_cbor_get_bstr(d, &p, &n);
		/* the registered carrier of an AIF scope (RFC 9237 5) */
		c->scope_type = obol_aif_validate(p, n) == OBOL_OK
					? OBOL_CWT_SCOPE_AIF
					: OBOL_CWT_SCOPE_BYTES;
		c->scope = p;
		c->scope_len = n;
		return OBOL_OK;
	case OBOL_CBOR_ARRAY:
		/* a bare AIF array, as deployed implementations send it */
		(void)obol_cbor_get_raw(d, &p, &n);
		if (obol_aif_validate(p, n) != OBOL_OK)
			return OBOL_ERR_AIF;
		c->scope_type = OBOL_CWT_SCOPE_AIF;
		c->scope = p;
		c->scope_len = n;
		return OBOL_OK;
	default:
		return OBOL_ERR_CWT_CLAIM;
	}
}

/* OSCORE_Input_Material (RFC 9203 3.2.1): a map of labels 0..6. */
static int cnf_osc(obol_cbor_dec *d, struct obol_oscore_input *o)
{
	const unsigned need = OBOL_OSC_F(OBOL_OSC_ID) | OBOL_OSC_F(OBOL_OSC_MS);
	obol_cbor_dec m;
	size_t n, i;

	if (obol_cbor_enter_map(d, &m, &n) != OBOL_OK)
		return OBOL_ERR_CWT_CNF;
	for (i = 0; i < n; i++) {
		uint64_t label;

		/* an unknown label (integer or text) is refused: RFC 9203 4.2
		 * treats unrecognised input material as an error */
		if (obol_cbor_get_uint64(&m, &label) != OBOL_OK ||
		    label > OBOL_OSC_CONTEXT_ID)
			return OBOL_ERR_CWT_CNF;
		if (get_value(&m, o, &osc_tab[label]) != OBOL_OK)
			return OBOL_ERR_CWT_CNF;
		o->present |= OBOL_OSC_F(label);
	}
	if ((o->present & need) != need)
		return OBOL_ERR_CWT_CNF; /* id and ms are required (RFC 9203 3.2) */
	return obol_cbor_leave(d, &m) == OBOL_OK ? OBOL_OK : OBOL_ERR_CWT_CNF;
}

/*
 * Encrypted_COSE_Key (RFC 8747 3.3): a COSE_Encrypt0 or COSE_Encrypt,
 * optionally with its tag (16 or 96). Only the shape is checked here; the
 * encoding is handed back for obol_cose_decrypt0().
 */
static int cnf_encrypted(obol_cbor_dec *d, const uint8_t **p, size_t *len)
{
	obol_cbor_dec k = *d, a;
	size_t n, want = 0;

	if (obol_cbor_peek(&k) == OBOL_CBOR_TAG) {
		uint64_t tag;

		if (obol_cbor_get_tag(&k, &tag) != OBOL_OK)
			return OBOL_ERR_CWT_CNF;
		if (tag == OBOL_COSE_TAG_ENCRYPT0)
			want = 3;
		else if (tag == 96) /* COSE_Encrypt (RFC 9052 5.1) */
			want = 4;
		else
			return OBOL_ERR_CWT_CNF;
	}
	if (obol_cbor_enter_array(&k, &a, &n) != OBOL_OK)
		return OBOL_ERR_CWT_CNF;
	if (want ? n != want : (n != 3 && n != 4))
		return OBOL_ERR_CWT_CNF;
	return obol_cbor_get_raw(d, p, len) == OBOL_OK ? OBOL_OK
						       : OBOL_ERR_CWT_CNF;
}

/* cnf (RFC 8747 3.1): exactly one confirmation method. */
static int claim_cnf(obol_cbor_dec *d, struct obol_cwt_claims *c)
{
	obol_cbor_dec m;
	size_t n;
	uint64_t method;
	int err;

	if (obol_cbor_enter_map(d, &m, &n) != OBOL_OK || n != 1)
		return OBOL_ERR_CWT_CNF;
	if (obol_cbor_get_uint64(&m, &method) != OBOL_OK)
		return OBOL_ERR_CWT_CNF;
	switch (method) {
	case OBOL_CWT_CNF_COSE_KEY:
		err = obol_cose_key_read(&m, &c->cnf_key) == OBOL_OK
			      ? OBOL_OK
			      : OBOL_ERR_CWT_CNF;
		break;
	case OBOL_CWT_CNF_ENCRYPTED_KEY:
		err = cnf_encrypted(&m, &c->cnf_raw, &c->cnf_raw_len);
		break;
	case OBOL_CWT_CNF_KID:
		err = obol_cbor_get_bstr(&m, &c->cnf_raw, &c->cnf_raw_len) ==
				      OBOL_OK
			      ? OBOL_OK
			      : OBOL_ERR_CWT_CNF;
		break;
	case OBOL_CWT_CNF_OSCORE:
		err = cnf_osc(&m, &c->cnf_osc);
		break;
	default:
		return OBOL_ERR_CWT_CNF; /* a method obol does not know */
	}
	if (err != OBOL_OK)
		return err;
	c->cnf_type = (int)method;
	return obol_cbor_leave(d, &m) == OBOL_OK ? OBOL_OK : OBOL_ERR_CWT_CNF;
}

/* One known claim, read into c. */
static int claim(obol_cbor_dec *d, const struct value_desc *t,
		 struct obol_cwt_claims *c)
{
	if (t->type == V_CNF)
		return claim_cnf(d, c);
	if (t->type == V_SCOPE)
		return claim_scope(d, c);
	return get_value(d, c, t) == OBOL_OK ? OBOL_OK : OBOL_ERR_CWT_CLAIM;
}

int obol_cwt_decode_claims(const uint8_t *buf, size_t len,
			   struct obol_cwt_claims *c)
{
	obol_cbor_dec d, m;
	size_t n, i;
	int err;

	if (c == NULL)
		return OBOL_ERR_ARG;
	memset(c, 0, sizeof *c);
	err = obol_cbor_dec_init(&d, buf, len, OBOL_CBOR_STRICT);
	if (err != OBOL_OK)
		return err;
	err = obol_cbor_enter_map(&d, &m, &n);
	if (err != OBOL_OK)
		return err; /* OBOL_ERR_CBOR_TYPE: not a map */
	for (i = 0; i < n; i++) {
		uint64_t key;
		size_t k;

		switch (obol_cbor_peek(&m)) {
		case OBOL_CBOR_UINT:
			(void)obol_cbor_get_uint64(&m, &key);
			for (k = 0; k < N_CLAIMS && claim_tab[k].key != key; k++)
				;
			if (k == N_CLAIMS) {
				/* not understood: ignored (RFC 8392 3) */
				err = obol_cbor_skip(&m);
			} else {
				err = claim(&m, &claim_tab[k], c);
				c->present |= 1u << k;
			}
			if (err != OBOL_OK)
				return err;
			break;
		case OBOL_CBOR_NINT:
		case OBOL_CBOR_TSTR:
			/* claim keys are integers or text (RFC 8392 3);
			 * obol knows none of these: ignored */
			err = obol_cbor_skip(&m);
			if (err == OBOL_OK)
				err = obol_cbor_skip(&m);
			if (err != OBOL_OK)
				return err;
			break;
		default:
			return OBOL_ERR_CWT_CLAIM; /* not a claim key */
		}
	}
	return OBOL_OK;
}

/* ---- encoding ------------------------------------------------------------- */

/* Claims the decoder would refuse are not written: the encoder keeps
 * OBOL_ERR_ARG as its sticky error. */
static void enc_refuse(obol_cbor_enc *e)
{
	obol_cbor_enc_fail(e, OBOL_ERR_ARG);
}

static size_t popcount(unsigned v)
{
	size_t n = 0;

	for (; v != 0; v &= v - 1u)
		n++;
	return n;
}

/* OSCORE_Input_Material, labels ascending (= bytewise for 0..6). */
static void put_osc(obol_cbor_enc *e, const struct obol_oscore_input *o)
{
	const unsigned need = OBOL_OSC_F(OBOL_OSC_ID) | OBOL_OSC_F(OBOL_OSC_MS);
	unsigned p = o->present, i;

	if ((p & ~OSC_F_ALL) != 0 || (p & need) != need) {
		enc_refuse(e); /* what the decoder would refuse */
		return;
	}
	obol_cbor_put_map(e, popcount(p));
	for (i = 0; i < sizeof osc_tab / sizeof osc_tab[0]; i++) {
		if (p & OBOL_OSC_F(i)) {
			obol_cbor_put_uint(e, osc_tab[i].key);
			put_value(e, o, &osc_tab[i]);
		}
	}
}

void obol_cwt_encode_cnf(obol_cbor_enc *e, const struct obol_cwt_claims *c)
{
	switch (c->cnf_type) {
	case OBOL_CWT_CNF_COSE_KEY:
	case OBOL_CWT_CNF_ENCRYPTED_KEY:
	case OBOL_CWT_CNF_KID:
	case OBOL_CWT_CNF_OSCORE:
		break;
	default:
		enc_refuse(e);
		return;
	}
	obol_cbor_put_map(e, 1);
	obol_cbor_put_uint(e, (uint64_t)c->cnf_type);
	switch (c->cnf_type) {
	case OBOL_CWT_CNF_COSE_KEY:
		obol_cose_key_write(e, &c->cnf_key, 1); /* as decoded */
		break;
	case OBOL_CWT_CNF_ENCRYPTED_KEY:
		obol_cbor_put_raw(e, c->cnf_raw, c->cnf_raw_len);
		break;
	case OBOL_CWT_CNF_KID:
		obol_cbor_put_bstr(e, c->cnf_raw, c->cnf_raw_len);
		break;
	default:
		put_osc(e, &c->cnf_osc);
		break;
	}
}

static void put_scope(obol_cbor_enc *e, const struct obol_cwt_claims *c)
{
	switch (c->scope_type) {
	case OBOL_CWT_SCOPE_TEXT:
		obol_cbor_put_tstr(e, (const char *)c->scope, c->scope_len);
		break;
	case OBOL_CWT_SCOPE_AIF:
		/* always the registered form: a byte string holding the
		 * array (cwt.h), and never an invalid AIF */
		if (obol_aif_validate(c->scope, c->scope_len) != OBOL_OK) {
			enc_refuse(e);
			break;
		}
		obol_cbor_put_bstr(e, c->scope, c->scope_len);
		break;
	case OBOL_CWT_SCOPE_BYTES:
		obol_cbor_put_bstr(e, c->scope, c->scope_len);
		break;
	default:
		enc_refuse(e);
		break;
	}
}

void obol_cwt_encode_claims(obol_cbor_enc *e, const struct obol_cwt_claims *c)
{
	size_t i;

	if (c == NULL || (c->present & ~CWT_F_ALL) != 0) {
		enc_refuse(e);
		return;
	}
	obol_cbor_put_map(e, popcount(c->present));
	for (i = 0; i < N_CLAIMS; i++) {
		const struct value_desc *t = &claim_tab[i];

		if ((c->present & (1u << i)) == 0)
			continue;
		obol_cbor_put_uint(e, t->key);
		if (t->type == V_CNF)
			obol_cwt_encode_cnf(e, c);
		else if (t->type == V_SCOPE)
			put_scope(e, c);
		else
			put_value(e, c, t);
	}
}

/* ---- tokens --------------------------------------------------------------- */

int obol_cwt_protect(enum obol_cwt_protection how,
		     const struct obol_cose_key *key,
		     const struct obol_cose_hdr *hdr, unsigned cose_flags,
		     unsigned cwt_flags, const struct obol_cwt_claims *c,
		     uint8_t *scratch, size_t scratch_cap, uint8_t *out,
		     size_t cap, size_t *out_len)
{
	int (*create)(const struct obol_cose_key *, const struct obol_cose_hdr *,
		      unsigned, const uint8_t *, size_t, const uint8_t *, size_t,
		      uint8_t *, size_t, size_t *);
	obol_cbor_enc e;
	size_t claims_len, n = 0, pre = 0;
	uint8_t *o = out;
	int err;

	if (out_len == NULL)
		return OBOL_ERR_ARG;
	*out_len = 0;
	if (c == NULL || (how != OBOL_CWT_ENCRYPT0 && how != OBOL_CWT_MAC0 &&
			  how != OBOL_CWT_SIGN1))
		return OBOL_ERR_ARG;
	/* RFC 8392 6/7.2: tag 61 must be followed by a COSE tag */
	if ((cwt_flags & OBOL_CWT_TAG61) && (cose_flags & OBOL_COSE_UNTAGGED))
		return OBOL_ERR_ARG;

	/* measure the claims first */
	obol_cbor_enc_init(&e, NULL, 0);
	obol_cwt_encode_claims(&e, c);
	err = obol_cbor_enc_finish(&e, &claims_len);
	if (err != OBOL_ERR_NO_SPACE)
		return err != OBOL_OK ? err : OBOL_ERR_ARG;
	if (scratch == NULL || scratch_cap < claims_len) {
		/* the size scratch needs (always less than the token's) */
		*out_len = claims_len;
		return OBOL_ERR_NO_SPACE;
	}
	obol_cbor_enc_init(&e, scratch, scratch_cap);
	obol_cwt_encode_claims(&e, c);
	err = obol_cbor_enc_finish(&e, &claims_len);
	if (err != OBOL_OK)
		goto done;

	if (cwt_flags & OBOL_CWT_TAG61) {
		pre = 2; /* d8 3d: tag 61, RFC 8392 6 */
		if (out != NULL && cap >= pre) {
			out[0] = 0xd8;
			out[1] = 0x3d;
			o = out + pre;
			cap -= pre;
		} else {
			o = NULL; /* measure the rest */
		}
	}
	if (o == NULL)
		cap = 0;
	/* the three create functions share one signature */
	create = how == OBOL_CWT_ENCRYPT0 ? obol_cose_encrypt0
		 : how == OBOL_CWT_MAC0   ? obol_cose_mac0_create
					  : obol_cose_sign1_create;
	err = create(key, hdr, cose_flags, NULL, 0, scratch, claims_len, o, cap,
		     &n);
	if (err == OBOL_OK || err == OBOL_ERR_NO_SPACE)
		*out_len = pre + n;
done:
	obol_wipe(scratch, claims_len < scratch_cap ? claims_len : scratch_cap);
	return err;
}

/*
 * The key for a message (cwt.h): the one whose kid equals the message's
 * kid; with no kid in the message, the only key given. kids are public:
 * a plain comparison is fine.
 */
static int pick_key(const struct obol_cose_key *keys, size_t nkeys,
		    const struct obol_cose_hdr *hdr,
		    const struct obol_cose_key **key)
{
	size_t i;

	if (hdr->kid_len == 0) {
		if (nkeys != 1)
			return OBOL_ERR_COSE_KID;
		*key = &keys[0];
		return OBOL_OK;
	}
	for (i = 0; i < nkeys; i++) {
		if (keys[i].kid_len == hdr->kid_len && keys[i].kid != NULL &&
		    memcmp(keys[i].kid, hdr->kid, hdr->kid_len) == 0) {
			*key = &keys[i];
			return OBOL_OK;
		}
	}
	return OBOL_ERR_COSE_KID;
}

/*
 * 1 if msg starts with tag 61 or a COSE message tag: a (nested) CWT
 * (RFC 8392 7.2 steps 2 and 9). In strict CBOR those tags have one
 * encoding each (d8 3d, d0, d1, d2); any other makes the claims decoder
 * refuse the payload (not shortest, or not a map).
 */
static int starts_tagged(const uint8_t *msg, size_t len)
{
	if (len >= 2 && msg[0] == 0xd8 && msg[1] == OBOL_CWT_TAG)
		return 1;
	return len >= 1 && msg[0] >= 0xc0 + OBOL_COSE_TAG_ENCRYPT0 &&
	       msg[0] <= 0xc0 + OBOL_COSE_TAG_SIGN1;
}

/*
 * Open one COSE layer of a token: *msg, *len is the layer on input and its
 * payload (plaintext) on output. *decrypted is set for an Encrypt0, whose
 * plaintext now overwrites the ciphertext inside the layer.
 */
static int open_layer(uint8_t **msg, size_t *len,
		      const struct obol_cose_key *keys, size_t nkeys,
		      uint32_t accept, int *decrypted)
{
	int (*verify)(const uint8_t *, size_t, unsigned,
		      const struct obol_cose_key *, const uint8_t *, size_t,
		      struct obol_cose_hdr *, const uint8_t **, size_t *);
	struct obol_cose_hdr hdr;
	const struct obol_cose_key *key = NULL;
	const uint8_t *payload = NULL;
	uint8_t *m = *msg, *pt = NULL;
	size_t n = *len, pl = 0;
	unsigned flags = 0;
	int type = 0, err;

	/*
	 * RFC 8392 7.2 step 2: tag 61, whose only encoding in strict CBOR is
	 * d8 3d, then a COSE tag must follow. Step 1 (one valid CBOR item)
	 * is cose.h's: it checks the whole message as strict CBOR before
	 * anything else, so the token is not walked twice here.
	 */
	if (n >= 2 && m[0] == 0xd8 && m[1] == OBOL_CWT_TAG) {
		m += 2;
		n -= 2;
		flags = OBOL_COSE_REQUIRE_TAG;
	}
	/* steps 3 and 4: the type, from the tag or the structure */
	err = obol_cose_parse(m, n, flags, &type, &hdr);
	if (err != OBOL_OK)
		return err;
	if (type < OBOL_COSE_TAG_ENCRYPT0 || type > OBOL_COSE_TAG_SIGN1 ||
	    (accept & ((uint32_t)1 << type)) == 0)
		return OBOL_ERR_COSE_FORMAT; /* a protection not accepted */
	err = pick_key(keys, nkeys, &hdr, &key);
	if (err != OBOL_OK)
		return err;
	/* step 6 */
	switch (type) {
	case OBOL_COSE_TAG_ENCRYPT0:
		err = obol_cose_decrypt0(m, n, flags, key, NULL, 0, NULL, &pt,
					 &pl);
		if (err != OBOL_OK)
			return err;
		*decrypted = 1;
		*msg = pt;
		*len = pl;
		return OBOL_OK;
	default: /* Mac0 and Sign1 verify alike */
		verify = type == OBOL_COSE_TAG_MAC0 ? obol_cose_mac0_verify
						    : obol_cose_sign1_verify;
		err = verify(m, n, flags, key, NULL, 0, NULL, &payload, &pl);
		break;
	}
	if (err != OBOL_OK)
		return err;
	/* the payload lies inside the (writable) layer: the same bytes,
	 * reached without casting const away */
	*msg = m + (payload - m);
	*len = pl;
	return OBOL_OK;
}

/*
 * a <= b - leeway and a < b - leeway, exactly (leeway >= 0): no int64
 * overflow, no saturation. When b - leeway is below INT64_MIN, no a is
 * that small.
 */
static int at_most_minus(int64_t a, int64_t b, int64_t leeway)
{
	return b >= INT64_MIN + leeway && a <= b - leeway;
}

static int below_minus(int64_t a, int64_t b, int64_t leeway)
{
	return b >= INT64_MIN + leeway && a < b - leeway;
}

/* The checks of cwt.h, in its order: aud, exp, nbf, some expiry. */
static int check_claims(const struct obol_cwt_claims *c,
			const struct obol_cwt_policy *p)
{
	int clock = p->now != OBOL_CWT_NO_CLOCK;

	if (p->naud != 0) {
		size_t i;
		int ours = 0;

		if ((c->present & OBOL_CWT_F_AUD) == 0)
			return OBOL_ERR_CWT_AUD;
		for (i = 0; i < p->naud; i++) {
			const char *a = p->audiences[i];

			if (a != NULL && strlen(a) == c->aud_len &&
			    memcmp(a, c->aud, c->aud_len) == 0)
				ours = 1;
		}
		if (!ours)
			return OBOL_ERR_CWT_AUD;
	}
	/* RFC 7519 4.1.4: valid while now < exp (+ leeway), i.e. expired
	 * once exp <= now - leeway; 4.1.5: valid from now (+ leeway) >= nbf,
	 * i.e. not yet while now < nbf - leeway */
	if (clock && (c->present & OBOL_CWT_F_EXP) &&
	    at_most_minus(c->exp, p->now, p->leeway))
		return OBOL_ERR_CWT_EXPIRED;
	if (clock && (c->present & OBOL_CWT_F_NBF) &&
	    below_minus(p->now, c->nbf, p->leeway))
		return OBOL_ERR_CWT_NOT_YET;
	/* exi is the caller's to track (obol_cwt_exi_expired) */
	if (c->present & OBOL_CWT_F_EXI)
		return OBOL_OK;
	if (c->present & OBOL_CWT_F_EXP)
		return clock ? OBOL_OK : OBOL_ERR_CWT_NO_TIME;
	return (p->flags & OBOL_CWT_ALLOW_NO_EXPIRY) ? OBOL_OK
						     : OBOL_ERR_CWT_NO_TIME;
}

int obol_cwt_validate(uint8_t *token, size_t len,
		      const struct obol_cose_key *keys, size_t nkeys,
		      const struct obol_cwt_policy *policy,
		      struct obol_cwt_claims *c)
{
	uint8_t *msg = token, *secret = NULL;
	size_t mlen = len, secret_len = 0;
	uint32_t accept;
	unsigned layer;
	int err;

	if (c == NULL)
		return OBOL_ERR_ARG;
	memset(c, 0, sizeof *c);
	if (token == NULL || policy == NULL || (keys == NULL && nkeys != 0) ||
	    (policy->audiences == NULL && policy->naud != 0) ||
	    policy->leeway < 0)
		return OBOL_ERR_ARG;
	accept = policy->accept != 0 ? policy->accept
				     : (uint32_t)1 << OBOL_COSE_TAG_ENCRYPT0;

	for (layer = 0;; layer++) {
		int decrypted = 0;

		err = open_layer(&msg, &mlen, keys, nkeys, accept, &decrypted);
		if (err != OBOL_OK)
			goto fail;
		if (decrypted && secret == NULL) {
			/* every inner layer lies inside this plaintext */
			secret = msg;
			secret_len = mlen;
		}
		/* step 9: a tagged payload is a nested CWT */
		if (!starts_tagged(msg, mlen))
			break;
		if (layer + 1 >= CWT_MAX_LAYERS) {
			err = OBOL_ERR_COSE_FORMAT; /* nested too deep */
			goto fail;
		}
	}
	/* step 10: the claims set */
	err = obol_cwt_decode_claims(msg, mlen, c);
	if (err == OBOL_OK)
		err = check_claims(c, policy);
	if (err == OBOL_OK)
		return OBOL_OK;
fail:
	/* a refused token leaves no plaintext behind (PoP keys!) */
	if (secret != NULL)
		obol_wipe(secret, secret_len);
	memset(c, 0, sizeof *c);
	return err;
}

int obol_cwt_exi_expired(uint64_t received, uint64_t now, uint64_t exi)
{
	/* modulo 2^64: correct across a counter wrap, as long as less than
	 * 2^64 ticks passed (RFC 9200 5.10.3) */
	return now - received >= exi;
}
