/*
 * libFuzzer target: CWT claims sets and tokens (cwt.h). For any bytes:
 *
 *   1. obol_cwt_decode_claims() on the input: on success every view lies
 *      inside the input and agrees with `present`; encoding what was
 *      decoded succeeds, gives strict CBOR that decodes to the same
 *      claims, and encoding that again gives the same bytes;
 *   2. obol_cwt_validate() on a copy of the input as a token, with a fixed
 *      key and policy (random bytes almost never authenticate: this
 *      covers tag 61, COSE parsing and key selection);
 *   3. the input sealed as the claims set of genuine Encrypt0 and Mac0
 *      tokens under that key, then validated under several policies: the
 *      result must be exactly the decoder's error, or for claims that
 *      decode, the decision of an independent model of the policy (below);
 *      after a refused Encrypt0 token no plaintext is left in the buffer.
 *
 * A failed invariant calls abort(), which the fuzzer reports.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "obol/aif.h"
#include "obol/cose.h"
#include "obol/crypto.h"
#include "obol/cwt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define REQUIRE(c)                                                           \
	do {                                                                 \
		if (!(c))                                                    \
			abort();                                             \
	} while (0)

#define MAX_IN 2048
#define TAG_LEN 8 /* AES-CCM-16-64-128 */
#define NOW INT64_C(1700000000)

/* The fixed key of the target (seeds in corpus/cwt are made with it). */
static const uint8_t fuzz_key[16] = {
	0x66, 0x75, 0x7a, 0x7a, 0x2d, 0x63, 0x77, 0x74,
	0x2d, 0x6b, 0x65, 0x79, 0x2d, 0x30, 0x30, 0x31}; /* "fuzz-cwt-key-001" */
static const uint8_t fuzz_iv[13] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13};

/* A view of n bytes lies in buf[0..len); empty views may point anywhere. */
static int inside(const void *p, size_t n, const uint8_t *buf, size_t len)
{
	const uint8_t *q = (const uint8_t *)p;
	if (n == 0)
		return 1;
	return q != NULL && q >= buf && n <= len && (size_t)(q - buf) <= len - n;
}

static void check_key(const struct obol_cose_key *k, const uint8_t *buf,
		      size_t len)
{
	REQUIRE(k->kty == OBOL_COSE_KTY_OKP || k->kty == OBOL_COSE_KTY_EC2 ||
		k->kty == OBOL_COSE_KTY_SYMMETRIC);
	REQUIRE(inside(k->kid, k->kid_len, buf, len));
	REQUIRE(inside(k->base_iv, k->base_iv_len, buf, len));
	REQUIRE(inside(k->k, k->k_len, buf, len));
	REQUIRE(inside(k->x, k->x_len, buf, len));
	REQUIRE(inside(k->y, k->y_len, buf, len));
	REQUIRE(inside(k->d, k->d_len, buf, len));
}

/* The views of a decoded claims set point into buf and agree with present. */
static void check_views(const struct obol_cwt_claims *c, const uint8_t *buf,
			size_t len)
{
	unsigned p = c->present;

	REQUIRE((p & ~0x0fffu) == 0);
	REQUIRE(inside(c->iss, c->iss_len, buf, len));
	REQUIRE(inside(c->sub, c->sub_len, buf, len));
	REQUIRE(inside(c->aud, c->aud_len, buf, len));
	REQUIRE(inside(c->cti, c->cti_len, buf, len));
	REQUIRE(inside(c->cnonce, c->cnonce_len, buf, len));
	REQUIRE(inside(c->scope, c->scope_len, buf, len));
	REQUIRE(inside(c->cnf_raw, c->cnf_raw_len, buf, len));
	if (!(p & OBOL_CWT_F_ISS))
		REQUIRE(c->iss == NULL);
	if (!(p & OBOL_CWT_F_AUD))
		REQUIRE(c->aud == NULL);
	REQUIRE(((p & OBOL_CWT_F_SCOPE) != 0) == (c->scope_type != OBOL_CWT_SCOPE_NONE));
	REQUIRE(c->scope_type >= OBOL_CWT_SCOPE_NONE && c->scope_type <= OBOL_CWT_SCOPE_AIF);
	if (c->scope_type == OBOL_CWT_SCOPE_AIF)
		REQUIRE(obol_aif_validate(c->scope, c->scope_len) == OBOL_OK);
	REQUIRE(((p & OBOL_CWT_F_CNF) != 0) == (c->cnf_type != OBOL_CWT_CNF_NONE));
	REQUIRE(c->cnf_type >= OBOL_CWT_CNF_NONE && c->cnf_type <= OBOL_CWT_CNF_OSCORE);
	switch (c->cnf_type) {
	case OBOL_CWT_CNF_COSE_KEY:
		check_key(&c->cnf_key, buf, len);
		break;
	case OBOL_CWT_CNF_ENCRYPTED_KEY:
		REQUIRE(c->cnf_raw != NULL && c->cnf_raw_len >= 4);
		break;
	case OBOL_CWT_CNF_KID:
		REQUIRE(c->cnf_raw != NULL);
		break;
	case OBOL_CWT_CNF_OSCORE: {
		const struct obol_oscore_input *o = &c->cnf_osc;
		REQUIRE((o->present & ~0x7fu) == 0);
		REQUIRE((o->present & 0x05u) == 0x05u); /* id and ms */
		REQUIRE(inside(o->id, o->id_len, buf, len));
		REQUIRE(inside(o->ms, o->ms_len, buf, len));
		REQUIRE(inside(o->salt, o->salt_len, buf, len));
		REQUIRE(inside(o->context_id, o->context_id_len, buf, len));
		break;
	}
	default:
		break;
	}
}

/*
 * The policy of cwt.h, written independently of cwt.c: overflow is
 * detected with the compiler's checked addition instead of being avoided
 * by rearranging the comparison.
 */
static int model(const struct obol_cwt_claims *c, const struct obol_cwt_policy *p)
{
	int clock = p->now != OBOL_CWT_NO_CLOCK;
	int64_t lim;

	if (p->naud > 0 && (!(c->present & OBOL_CWT_F_AUD) || c->aud_len != 3 ||
			    memcmp(c->aud, "rs1", 3) != 0))
		return OBOL_ERR_CWT_AUD;
	/* expired iff now >= exp + leeway (an exp + leeway past INT64_MAX
	 * never comes) */
	if (clock && (c->present & OBOL_CWT_F_EXP) &&
	    !__builtin_add_overflow(c->exp, p->leeway, &lim) && p->now >= lim)
		return OBOL_ERR_CWT_EXPIRED;
	/* not yet iff now + leeway < nbf */
	if (clock && (c->present & OBOL_CWT_F_NBF) &&
	    !__builtin_add_overflow(p->now, p->leeway, &lim) && lim < c->nbf)
		return OBOL_ERR_CWT_NOT_YET;
	if (c->present & OBOL_CWT_F_EXI)
		return OBOL_OK;
	if (c->present & OBOL_CWT_F_EXP)
		return clock ? OBOL_OK : OBOL_ERR_CWT_NO_TIME;
	return (p->flags & OBOL_CWT_ALLOW_NO_EXPIRY) ? OBOL_OK : OBOL_ERR_CWT_NO_TIME;
}

static int all_zero(const uint8_t *p, size_t n)
{
	size_t i;
	for (i = 0; i < n; i++)
		if (p[i] != 0)
			return 0;
	return 1;
}

/* 1 if buf starts with tag 61 or a COSE tag: validate opens it as a
 * nested token instead of decoding it as claims. */
static int starts_with_cose_tag(const uint8_t *buf, size_t len)
{
	obol_cbor_dec d;
	struct obol_cbor_head h;

	if (obol_cbor_dec_init(&d, buf, len, 0) != OBOL_OK ||
	    obol_cbor_peek_head(&d, &h) != OBOL_OK || h.major != 6)
		return 0;
	return h.arg == 61 || h.arg == 16 || h.arg == 17 || h.arg == 18;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const aud[] = {"rs1"};
	static const int64_t nows[] = {NOW, OBOL_CWT_NO_CLOCK, INT64_MAX, INT64_MIN + 1};
	static uint8_t enc[2 * MAX_IN + 64], enc2[2 * MAX_IN + 64];
	static uint8_t tok[MAX_IN + 64], work[MAX_IN + 64];
	struct obol_cwt_claims c, c2, v;
	struct obol_cwt_policy p;
	struct obol_cose_key key;
	struct obol_cose_hdr h;
	obol_cbor_enc e;
	size_t n, n2, len, i;
	int dec, err, nested;

	if (size > MAX_IN)
		return 0;

	/* 1. the decoder, and the encoder on what it decoded */
	dec = obol_cwt_decode_claims(data, size, &c);
	REQUIRE(dec <= 0);
	if (dec == OBOL_OK) {
		check_views(&c, data, size);
		obol_cbor_enc_init(&e, enc, sizeof enc);
		obol_cwt_encode_claims(&e, &c);
		REQUIRE(obol_cbor_enc_finish(&e, &n) == OBOL_OK);
		REQUIRE(obol_cbor_validate(enc, n, OBOL_CBOR_STRICT, NULL) == OBOL_OK);
		REQUIRE(obol_cwt_decode_claims(enc, n, &c2) == OBOL_OK);
		check_views(&c2, enc, n);
		REQUIRE(c2.present == c.present && c2.scope_type == c.scope_type &&
			c2.cnf_type == c.cnf_type && c2.exp == c.exp &&
			c2.nbf == c.nbf && c2.iat == c.iat && c2.exi == c.exi &&
			c2.ace_profile == c.ace_profile && c2.aud_len == c.aud_len &&
			c2.scope_len == c.scope_len);
		obol_cbor_enc_init(&e, enc2, sizeof enc2);
		obol_cwt_encode_claims(&e, &c2);
		REQUIRE(obol_cbor_enc_finish(&e, &n2) == OBOL_OK);
		REQUIRE(n2 == n && memcmp(enc, enc2, n) == 0);
	}

	memset(&key, 0, sizeof key);
	key.kty = OBOL_COSE_KTY_SYMMETRIC; /* alg 0: AES-CCM and HMAC alike */
	key.k = fuzz_key;
	key.k_len = sizeof fuzz_key;
	memset(&p, 0, sizeof p);
	p.audiences = aud;
	p.naud = 1;
	p.now = NOW;
	p.leeway = 60;
	p.accept = (1u << 16) | (1u << 17) | (1u << 18);

	/* 2. the input as a token */
	memcpy(work, data, size);
	err = obol_cwt_validate(work, size, &key, 1, &p, &v);
	REQUIRE(err <= 0);
	if (err == OBOL_OK) {
		check_views(&v, work, size);
		REQUIRE(model(&v, &p) == OBOL_OK);
	} else {
		REQUIRE(v.present == 0);
	}

	/* 3. the input as the claims of genuine tokens */
	nested = starts_with_cose_tag(data, size);
	memset(&h, 0, sizeof h);
	h.alg = OBOL_ALG_AES_CCM_16_64_128;
	h.iv = fuzz_iv;
	h.iv_len = sizeof fuzz_iv;
	REQUIRE(obol_cose_encrypt0(&key, &h, 0, NULL, 0, data, size, tok,
				   sizeof tok, &len) == OBOL_OK);
	for (i = 0; i < 2 * sizeof nows / sizeof nows[0]; i++) {
		p.now = nows[i / 2];
		p.flags = (i & 1) ? OBOL_CWT_ALLOW_NO_EXPIRY : 0;
		p.naud = (i & 2) ? 0 : 1;
		p.accept = (i & 4) ? (1u << 16) : (1u << 16) | (1u << 17) | (1u << 18);
		memcpy(work, tok, len);
		err = obol_cwt_validate(work, len, &key, 1, &p, &v);
		REQUIRE(err <= 0);
		if (err != OBOL_OK) {
			REQUIRE(v.present == 0);
			/* no plaintext left: the ciphertext sits before the tag */
			REQUIRE(all_zero(work + len - TAG_LEN - size, size));
		} else {
			check_views(&v, work, len);
		}
		if (nested)
			continue;
		if (dec != OBOL_OK)
			REQUIRE(err == dec);
		else
			REQUIRE(err == model(&c, &p));
	}

	/* the same claims under Mac0 (not secret: nothing to wipe) */
	h.alg = OBOL_ALG_HMAC_256_64;
	h.iv = NULL;
	h.iv_len = 0;
	REQUIRE(obol_cose_mac0_create(&key, &h, 0, NULL, 0, data, size, tok,
				      sizeof tok, &len) == OBOL_OK);
	p.now = NOW;
	p.flags = 0;
	p.naud = 1;
	p.accept = 1u << 17;
	memcpy(work, tok, len);
	err = obol_cwt_validate(work, len, &key, 1, &p, &v);
	REQUIRE(err <= 0);
	if (!nested)
		REQUIRE(dec != OBOL_OK ? err == dec : err == model(&c, &p));
	p.accept = 1u << 16; /* Mac0 not accepted */
	memcpy(work, tok, len);
	REQUIRE(obol_cwt_validate(work, len, &key, 1, &p, &v) == OBOL_ERR_COSE_FORMAT);
	return 0;
}
