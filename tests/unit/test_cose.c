/*
 * COSE (include/obol/cose.h): Encrypt0, Mac0, Sign1 and COSE_Key.
 *
 * Part 1, vectors: tests/vectors/cose_examples.txt (every example of the
 * cose-wg/Examples snapshot) and tests/vectors/cose_derived.txt (cases
 * made with Python `cryptography`), format described at the top of
 * cose_examples.txt. For each record: the key goes through
 * obol_cose_key_write/obol_cose_key_decode, the message is read with the
 * expected result and payload, parsed, read again with REQUIRE_TAG, and
 * tampered with (last byte, external AAD, protected bucket) to get
 * OBOL_ERR_CRYPTO_AUTH; deterministic messages are re-created byte for
 * byte with their size measured first; ES256 keys sign and verify a
 * fresh message.
 *
 * Part 2, rules: every reading rule of cose.h with its error code, on
 * messages forged here with the crypto backend directly (so that the
 * header check, not the crypto, is what fails), the create functions'
 * size handling, random IVs, and COSE_Key decoding / encoding.
 *
 * Runs against every crypto backend. A backend without signatures (tiny)
 * must answer OBOL_ERR_CRYPTO_UNSUPPORTED for ES256 and EdDSA: checked,
 * never skipped. The vector files are read with stdio (PC only); no
 * allocation, fixed buffers.
 */
#include <stdio.h>
#include <string.h>

#include "obol/cose.h"
#include "test.h"

#ifndef OBOL_TEST_VECTORS
#error "OBOL_TEST_VECTORS (path of tests/vectors) must be defined"
#endif

#define MSG_MAX 512  /* longest message in the vectors: 250 bytes */
#define FIELD_MAX 80 /* longest key field: Ed448 x/d, 57 bytes */
#define LINE_MAX_ 1200

/* Whether the linked backend has ES256 and EdDSA. Unknown backends fail
 * the suite: this table must learn about them. */
static int backend_signs(struct obol_test_ctx *t)
{
	const char *b = obol_port_backend();

	if (strcmp(b, "openssl") == 0)
		return 1;
	if (strcmp(b, "tiny") == 0)
		return 0;
	obol_test_fail(t, __FILE__, __LINE__, "unknown crypto backend: teach test_cose.c");
	return 1;
}

/* Hex to bytes; a bad constant fails the suite. */
static size_t unhex(struct obol_test_ctx *t, const char *hex, uint8_t *out, size_t cap)
{
	long n = obol_test_unhex(hex, out, cap);

	CHECK(t, n >= 0);
	return n < 0 ? 0 : (size_t)n;
}

static const struct {
	const char *name;
	int code;
} err_names[] = {
	{"OK", OBOL_OK},
	{"OBOL_ERR_CRYPTO_AUTH", OBOL_ERR_CRYPTO_AUTH},
	{"OBOL_ERR_CRYPTO_KEY", OBOL_ERR_CRYPTO_KEY},
	{"OBOL_ERR_CRYPTO_UNSUPPORTED", OBOL_ERR_CRYPTO_UNSUPPORTED},
	{"OBOL_ERR_COSE_TAG", OBOL_ERR_COSE_TAG},
	{"OBOL_ERR_COSE_FORMAT", OBOL_ERR_COSE_FORMAT},
	{"OBOL_ERR_COSE_ALG", OBOL_ERR_COSE_ALG},
	{"OBOL_ERR_COSE_ALG_MISMATCH", OBOL_ERR_COSE_ALG_MISMATCH},
	{"OBOL_ERR_COSE_CRIT", OBOL_ERR_COSE_CRIT},
	{"OBOL_ERR_COSE_IV", OBOL_ERR_COSE_IV},
	{"OBOL_ERR_COSE_KID", OBOL_ERR_COSE_KID},
	{"OBOL_ERR_COSE_HEADER", OBOL_ERR_COSE_HEADER},
	{"OBOL_ERR_COSE_KEY", OBOL_ERR_COSE_KEY},
};

static int err_code(const char *name, int *code)
{
	size_t i;

	for (i = 0; i < sizeof err_names / sizeof err_names[0]; i++)
		if (strcmp(name, err_names[i].name) == 0) {
			*code = err_names[i].code;
			return 1;
		}
	return 0;
}

/* ======================================================================== */
/* Part 1: vectors                                                           */
/* ======================================================================== */

enum op { OP_NONE, OP_ENCRYPT0, OP_MAC0, OP_SIGN1 };

struct vec {
	char name[64];
	int line;
	enum op op;
	int kty, crv;
	uint8_t kid[FIELD_MAX], k[FIELD_MAX], x[FIELD_MAX], y[FIELD_MAX],
		d[FIELD_MAX], base_iv[FIELD_MAX], aad[FIELD_MAX];
	size_t kid_len, k_len, x_len, y_len, d_len, base_iv_len, aad_len;
	uint8_t msg[MSG_MAX];
	size_t msg_len;
	int result, has_result;
	uint8_t payload[MSG_MAX];
	size_t payload_len;
	int has_payload, recreate, nosig, has_nosig;
};

/* Counts reported at the end, so a silently empty file cannot pass. */
struct tally {
	unsigned records, ok, refused, unsupported, recreated, roundtrips;
};

static void vec_fail(struct obol_test_ctx *t, const struct vec *v, const char *what)
{
	char buf[200];

	snprintf(buf, sizeof buf, "vector %.60s (line %d): %.100s", v->name, v->line, what);
	obol_test_fail(t, __FILE__, __LINE__, buf);
}

static void key_of(const struct vec *v, struct obol_cose_key *key)
{
	memset(key, 0, sizeof *key);
	key->kty = v->kty;
	key->crv = v->crv;
	key->kid = v->kid;
	key->kid_len = v->kid_len;
	key->k = v->k;
	key->k_len = v->k_len;
	key->x = v->x;
	key->x_len = v->x_len;
	key->y = v->y;
	key->y_len = v->y_len;
	key->d = v->d;
	key->d_len = v->d_len;
	key->base_iv = v->base_iv;
	key->base_iv_len = v->base_iv_len;
}

static int same_bytes(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
	return alen == blen && (alen == 0 || memcmp(a, b, alen) == 0);
}

/* Same header values (the views may point into different copies). */
static int same_hdr(const struct obol_cose_hdr *a, const struct obol_cose_hdr *b)
{
	return a->alg == b->alg && same_bytes(a->kid, a->kid_len, b->kid, b->kid_len) &&
	       same_bytes(a->iv, a->iv_len, b->iv, b->iv_len) &&
	       same_bytes(a->partial_iv, a->partial_iv_len, b->partial_iv, b->partial_iv_len) &&
	       same_bytes(a->kid_context, a->kid_context_len, b->kid_context,
			  b->kid_context_len) &&
	       same_bytes(a->protected_raw, a->protected_len, b->protected_raw,
			  b->protected_len);
}

static int same_key(const struct obol_cose_key *a, const struct obol_cose_key *b)
{
	return a->kty == b->kty && a->alg == b->alg && a->crv == b->crv &&
	       same_bytes(a->kid, a->kid_len, b->kid, b->kid_len) &&
	       same_bytes(a->base_iv, a->base_iv_len, b->base_iv, b->base_iv_len) &&
	       same_bytes(a->k, a->k_len, b->k, b->k_len) &&
	       same_bytes(a->x, a->x_len, b->x, b->x_len) &&
	       same_bytes(a->y, a->y_len, b->y, b->y_len) &&
	       same_bytes(a->d, a->d_len, b->d, b->d_len);
}

/* Reads msg (copied: decrypt0 works in place) with the function of op. */
static int read_op(enum op op, const uint8_t *msg, size_t len, unsigned flags,
		   const struct obol_cose_key *key, const uint8_t *aad,
		   size_t aad_len, uint8_t *buf, struct obol_cose_hdr *hdr,
		   const uint8_t **payload, size_t *payload_len)
{
	uint8_t *pt = NULL;
	int err;

	memcpy(buf, msg, len);
	switch (op) {
	case OP_ENCRYPT0:
		err = obol_cose_decrypt0(buf, len, flags, key, aad, aad_len, hdr, &pt,
					 payload_len);
		*payload = pt;
		return err;
	case OP_MAC0:
		return obol_cose_mac0_verify(buf, len, flags, key, aad, aad_len, hdr,
					     payload, payload_len);
	default:
		return obol_cose_sign1_verify(buf, len, flags, key, aad, aad_len, hdr,
					      payload, payload_len);
	}
}

static int create_op(enum op op, const struct obol_cose_key *key,
		     const struct obol_cose_hdr *hdr, unsigned flags,
		     const uint8_t *aad, size_t aad_len, const uint8_t *payload,
		     size_t payload_len, uint8_t *out, size_t cap, size_t *out_len)
{
	switch (op) {
	case OP_ENCRYPT0:
		return obol_cose_encrypt0(key, hdr, flags, aad, aad_len, payload,
					  payload_len, out, cap, out_len);
	case OP_MAC0:
		return obol_cose_mac0_create(key, hdr, flags, aad, aad_len, payload,
					     payload_len, out, cap, out_len);
	default:
		return obol_cose_sign1_create(key, hdr, flags, aad, aad_len, payload,
					      payload_len, out, cap, out_len);
	}
}

static int is_tagged(const uint8_t *msg)
{
	return (msg[0] & 0xe0u) == 0xc0u;
}

/*
 * After a failed decrypt0 the ciphertext must be intact or zeroed, never
 * plaintext (cose.h): compare buf with the message as sent.
 */
static int no_plaintext_left(const uint8_t *buf, const uint8_t *orig, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (buf[i] != orig[i] && buf[i] != 0)
			return 0;
	return 1;
}

/* The message with "-100: 0" (a private-use label, ignored) added to its
 * protected map: a tampered protected bucket. Needs a protected bucket of
 * < 21 bytes holding a map of < 23 pairs, as every OK vector has. 0 if
 * not possible. */
static size_t add_to_protected(const uint8_t *msg, size_t len, uint8_t *out, size_t cap)
{
	size_t at = is_tagged(msg) ? 2 : 1, plen;

	if (len + 3 > cap || len < at + 2 || (msg[at] & 0xe0u) != 0x40u)
		return 0;
	plen = msg[at] & 0x1fu;
	if (plen == 0 || plen > 20 || (msg[at + 1] & 0xe0u) != 0xa0u ||
	    (msg[at + 1] & 0x1fu) > 21)
		return 0;
	memcpy(out, msg, at);
	out[at] = (uint8_t)(0x40u | (plen + 3));
	memcpy(out + at + 1, msg + at + 1, plen);
	out[at + 1] = (uint8_t)(out[at + 1] + 1); /* one more pair */
	out[at + 1 + plen] = 0x38;
	out[at + 2 + plen] = 0x63;
	out[at + 3 + plen] = 0x00;
	memcpy(out + at + 4 + plen, msg + at + 1 + plen, len - at - 1 - plen);
	return len + 3;
}

static void run_vec(struct obol_test_ctx *t, const struct vec *v, int signs,
		    struct tally *tl)
{
	struct obol_cose_key built, key;
	struct obol_cose_hdr hdr, phdr;
	uint8_t kbuf[512], buf[MSG_MAX + 8], out[MSG_MAX + 8];
	const uint8_t *payload = NULL;
	size_t klen = 0, plen = 0, out_len = 0, n;
	obol_cbor_enc e;
	int err, want, type = 0, is_sig_alg;
	unsigned fail_before = t->failures;

	tl->records++;
	CHECK(t, v->op != OP_NONE && v->has_result && v->msg_len > 0 && v->kty != 0);
	if (v->op == OP_NONE || !v->has_result || v->msg_len == 0)
		return;

	/* The key, through COSE_Key encoding and decoding. */
	key_of(v, &built);
	obol_cbor_enc_init(&e, kbuf, sizeof kbuf);
	obol_cose_key_write(&e, &built, 1);
	CHECK_INT(t, obol_cbor_enc_finish(&e, &klen), OBOL_OK);
	err = obol_cose_key_decode(kbuf, klen, &key);
	if (err != OBOL_OK) {
		CHECK_INT(t, err, v->result);
		if (err == v->result)
			tl->refused++;
		else
			vec_fail(t, v, "the key did not decode");
		return;
	}
	CHECK(t, same_key(&key, &built));

	want = v->result;
	is_sig_alg = v->op == OP_SIGN1;
	if (!signs && v->has_nosig)
		want = v->nosig;
	if (!signs && is_sig_alg && (want == OBOL_OK || want == OBOL_ERR_CRYPTO_AUTH))
		vec_fail(t, v, "a Sign1 record that reaches the crypto needs a nosig field");

	memset(&hdr, 0xa5, sizeof hdr);
	err = read_op(v->op, v->msg, v->msg_len, 0, &key, v->aad, v->aad_len, buf,
		      &hdr, &payload, &plen);
	CHECK_INT(t, err, want);
	if (err == OBOL_OK) {
		tl->ok++;
		CHECK(t, v->has_payload);
		CHECK_MEM(t, payload, plen, v->payload, v->payload_len);
		/* The payload / plaintext lies inside the message. */
		CHECK(t, payload != NULL && payload >= buf && payload + plen <= buf + v->msg_len);
	} else {
		CHECK(t, payload == NULL && plen == 0);
		if (v->result != OBOL_OK)
			tl->refused++;
		else if (err == OBOL_ERR_CRYPTO_UNSUPPORTED)
			tl->unsupported++;
		if (v->op == OP_ENCRYPT0)
			CHECK(t, no_plaintext_left(buf, v->msg, v->msg_len));
	}

	/* parse agrees with the reader on everything but the key. */
	err = obol_cose_parse(v->msg, v->msg_len, 0, &type, &phdr);
	if (v->result == OBOL_OK || v->result == OBOL_ERR_CRYPTO_AUTH ||
	    v->result == OBOL_ERR_CRYPTO_KEY || v->result == OBOL_ERR_COSE_KEY) {
		CHECK_INT(t, err, OBOL_OK);
		CHECK_INT(t, type, v->op == OP_ENCRYPT0 ? OBOL_COSE_TAG_ENCRYPT0
			  : v->op == OP_MAC0 ? OBOL_COSE_TAG_MAC0 : OBOL_COSE_TAG_SIGN1);
		if (want == OBOL_OK)
			CHECK(t, same_hdr(&phdr, &hdr));
	} else {
		CHECK_INT(t, err, v->result);
		CHECK_INT(t, type, 0);
	}

	/* REQUIRE_TAG: same result when tagged, OBOL_ERR_COSE_TAG when not. */
	err = read_op(v->op, v->msg, v->msg_len, OBOL_COSE_REQUIRE_TAG, &key, v->aad,
		      v->aad_len, buf, NULL, &payload, &plen);
	if (is_tagged(v->msg))
		CHECK_INT(t, err, want);
	else
		CHECK_INT(t, err, OBOL_ERR_COSE_TAG);

	if (v->result != OBOL_OK)
		goto done;

	/* Tampering: the last byte (tag, signature or ciphertext), the
	 * external AAD, the protected bucket. */
	{
		uint8_t aad[FIELD_MAX + 1];
		int bad = signs || v->op != OP_SIGN1 ? OBOL_ERR_CRYPTO_AUTH
						     : OBOL_ERR_CRYPTO_UNSUPPORTED;

		memcpy(out, v->msg, v->msg_len);
		out[v->msg_len - 1] ^= 0x01;
		err = read_op(v->op, out, v->msg_len, 0, &key, v->aad, v->aad_len, buf,
			      NULL, &payload, &plen);
		CHECK_INT(t, err, bad);
		CHECK(t, payload == NULL && plen == 0);
		if (v->op == OP_ENCRYPT0)
			CHECK(t, no_plaintext_left(buf, out, v->msg_len));

		memcpy(aad, v->aad, v->aad_len);
		aad[v->aad_len] = 0x00;
		err = read_op(v->op, v->msg, v->msg_len, 0, &key, aad, v->aad_len + 1,
			      buf, NULL, &payload, &plen);
		CHECK_INT(t, err, bad);
		if (v->op == OP_ENCRYPT0)
			CHECK(t, no_plaintext_left(buf, v->msg, v->msg_len));

		n = add_to_protected(v->msg, v->msg_len, out, sizeof out);
		CHECK(t, n > 0);
		if (n > 0) {
			err = read_op(v->op, out, n, 0, &key, v->aad, v->aad_len, buf,
				      NULL, &payload, &plen);
			CHECK_INT(t, err, bad);
			if (v->op == OP_ENCRYPT0)
				CHECK(t, no_plaintext_left(buf, out, n));
		}
	}

	/* Re-create deterministic messages byte for byte, measuring first. */
	if (v->recreate) {
		struct obol_cose_hdr c;
		unsigned flags = is_tagged(v->msg) ? 0u : OBOL_COSE_UNTAGGED;
		int cwant = v->op == OP_SIGN1 && !signs ? OBOL_ERR_CRYPTO_UNSUPPORTED : OBOL_OK;

		memset(&c, 0, sizeof c);
		c.alg = phdr.alg;
		c.kid = phdr.kid;
		c.kid_len = phdr.kid_len;
		c.iv = phdr.iv;
		c.iv_len = phdr.iv_len;
		c.partial_iv = phdr.partial_iv;
		c.partial_iv_len = phdr.partial_iv_len;
		c.kid_context = phdr.kid_context;
		c.kid_context_len = phdr.kid_context_len;

		out_len = 0;
		err = create_op(v->op, &key, &c, flags, v->aad, v->aad_len, v->payload,
				v->payload_len, NULL, 0, &out_len);
		CHECK_INT(t, err, OBOL_ERR_NO_SPACE);
		CHECK_INT(t, out_len, v->msg_len);
		out_len = 0;
		err = create_op(v->op, &key, &c, flags, v->aad, v->aad_len, v->payload,
				v->payload_len, out, v->msg_len - 1, &out_len);
		CHECK_INT(t, err, OBOL_ERR_NO_SPACE);
		CHECK_INT(t, out_len, v->msg_len);
		memset(out, 0xee, sizeof out);
		out_len = 0;
		err = create_op(v->op, &key, &c, flags, v->aad, v->aad_len, v->payload,
				v->payload_len, out, v->msg_len, &out_len);
		CHECK_INT(t, err, cwant);
		if (err == OBOL_OK) {
			CHECK_MEM(t, out, out_len, v->msg, v->msg_len);
			CHECK(t, out[v->msg_len] == 0xee); /* nothing past the end */
			CHECK_INT(t, obol_cbor_validate(out, out_len, OBOL_CBOR_DETERMINISTIC, NULL),
				  OBOL_OK);
			tl->recreated++;
		}
	}

	/* ES256 is randomized: sign a fresh message and verify it. */
	if (v->op == OP_SIGN1 && !v->recreate && key.d_len != 0) {
		struct obol_cose_hdr c;

		memset(&c, 0, sizeof c);
		c.alg = phdr.alg;
		c.kid = v->kid;
		c.kid_len = v->kid_len;
		err = obol_cose_sign1_create(&key, &c, 0, v->aad, v->aad_len, v->payload,
					     v->payload_len, out, sizeof out, &out_len);
		if (!signs) {
			CHECK_INT(t, err, OBOL_ERR_CRYPTO_UNSUPPORTED);
		} else {
			CHECK_INT(t, err, OBOL_OK);
			err = obol_cose_sign1_verify(out, out_len, OBOL_COSE_REQUIRE_TAG, &key,
						     v->aad, v->aad_len, NULL, &payload, &plen);
			CHECK_INT(t, err, OBOL_OK);
			CHECK_MEM(t, payload, plen, v->payload, v->payload_len);
			tl->roundtrips++;
		}
	}
done:
	if (t->failures != fail_before)
		vec_fail(t, v, "failed (see above)");
}

/* One "field value" line into v; returns 0 on a bad line. */
static int vec_field(struct obol_test_ctx *t, struct vec *v, char *line)
{
	char *val = strchr(line, ' ');
	struct {
		const char *name;
		uint8_t *buf;
		size_t cap;
		size_t *len;
	} hex[] = {
		{"kid", v->kid, sizeof v->kid, &v->kid_len},
		{"k", v->k, sizeof v->k, &v->k_len},
		{"x", v->x, sizeof v->x, &v->x_len},
		{"y", v->y, sizeof v->y, &v->y_len},
		{"d", v->d, sizeof v->d, &v->d_len},
		{"base_iv", v->base_iv, sizeof v->base_iv, &v->base_iv_len},
		{"aad", v->aad, sizeof v->aad, &v->aad_len},
		{"msg", v->msg, sizeof v->msg, &v->msg_len},
		{"payload", v->payload, sizeof v->payload, &v->payload_len},
	};
	size_t i;

	if (val == NULL)
		return 0;
	*val++ = '\0';
	for (i = 0; i < sizeof hex / sizeof hex[0]; i++) {
		if (strcmp(line, hex[i].name) == 0) {
			long n = strcmp(val, "-") == 0 ? 0 : obol_test_unhex(val, hex[i].buf, hex[i].cap);
			if (n < 0)
				return 0;
			*hex[i].len = (size_t)n;
			if (hex[i].buf == v->payload)
				v->has_payload = 1;
			return 1;
		}
	}
	if (strcmp(line, "name") == 0) {
		snprintf(v->name, sizeof v->name, "%s", val);
	} else if (strcmp(line, "source") == 0 || strcmp(line, "note") == 0) {
		/* documentation only */
	} else if (strcmp(line, "op") == 0) {
		v->op = strcmp(val, "encrypt0") == 0 ? OP_ENCRYPT0
			: strcmp(val, "mac0") == 0   ? OP_MAC0
			: strcmp(val, "sign1") == 0  ? OP_SIGN1
						     : OP_NONE;
		return v->op != OP_NONE;
	} else if (strcmp(line, "kty") == 0) {
		return sscanf(val, "%d", &v->kty) == 1;
	} else if (strcmp(line, "crv") == 0) {
		return sscanf(val, "%d", &v->crv) == 1;
	} else if (strcmp(line, "result") == 0) {
		v->has_result = err_code(val, &v->result);
		return v->has_result;
	} else if (strcmp(line, "nosig") == 0) {
		v->has_nosig = err_code(val, &v->nosig);
		return v->has_nosig;
	} else if (strcmp(line, "recreate") == 0) {
		v->recreate = strcmp(val, "yes") == 0;
		return v->recreate;
	} else {
		(void)t;
		return 0;
	}
	return 1;
}

static void run_file(struct obol_test_ctx *t, const char *path, int signs,
		     struct tally *tl)
{
	char line[LINE_MAX_];
	struct vec v;
	int lineno = 0, in_rec = 0;
	FILE *f = fopen(path, "r");

	if (f == NULL) {
		obol_test_fail(t, __FILE__, __LINE__, path);
		return;
	}
	memset(&v, 0, sizeof v);
	for (;;) {
		char *got = fgets(line, sizeof line, f);
		size_t n = got != NULL ? strlen(line) : 0;

		lineno++;
		if (got != NULL && n == sizeof line - 1 && line[n - 1] != '\n') {
			obol_test_fail(t, __FILE__, __LINE__, "vector line too long");
			break;
		}
		while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			line[--n] = '\0';
		if (got != NULL && line[0] == '#')
			continue;
		if (got == NULL || n == 0) {
			if (in_rec)
				run_vec(t, &v, signs, tl);
			in_rec = 0;
			memset(&v, 0, sizeof v);
			if (got == NULL)
				break;
			continue;
		}
		if (!in_rec)
			v.line = lineno;
		in_rec = 1;
		if (!vec_field(t, &v, line)) {
			char buf[120];
			snprintf(buf, sizeof buf, "%.60s line %d: bad field", path, lineno);
			obol_test_fail(t, __FILE__, __LINE__, buf);
		}
	}
	fclose(f);
}

static void test_vectors(struct obol_test_ctx *t, int signs)
{
	struct tally a, b;
	char buf[160];

	memset(&a, 0, sizeof a);
	memset(&b, 0, sizeof b);
	run_file(t, OBOL_TEST_VECTORS "/cose_examples.txt", signs, &a);
	run_file(t, OBOL_TEST_VECTORS "/cose_derived.txt", signs, &b);
	/* Every record of the files ran: 34 upstream, 8 derived. */
	CHECK_INT(t, a.records, 34);
	CHECK_INT(t, b.records, 8);
	CHECK_INT(t, a.ok + a.refused + a.unsupported, 34);
	CHECK_INT(t, b.ok + b.refused + b.unsupported, 8);
	CHECK_INT(t, a.refused, 18);
	CHECK_INT(t, b.refused, 1);
	/* Without signatures the 6 Sign1 examples and 2 derived EdDSA
	 * records that verify give OBOL_ERR_CRYPTO_UNSUPPORTED instead. */
	CHECK_INT(t, a.ok, signs ? 16 : 10);
	CHECK_INT(t, b.ok, signs ? 7 : 5);
	CHECK_INT(t, a.recreated, 10);
	CHECK_INT(t, b.recreated, signs ? 7 : 5);
	/* 5 ES256 examples and eddsa-sig-01 (not re-creatable) sign anew. */
	CHECK_INT(t, a.roundtrips, signs ? 6 : 0);
	snprintf(buf, sizeof buf,
		 "cose vectors: examples %u (ok %u, refused %u, unsupported %u, "
		 "re-created %u, round trips %u); derived %u (ok %u, refused %u, "
		 "unsupported %u, re-created %u)",
		 a.records, a.ok, a.refused, a.unsupported, a.recreated, a.roundtrips,
		 b.records, b.ok, b.refused, b.unsupported, b.recreated);
	t->out(buf);
}

/* ======================================================================== */
/* Part 2: the rules of cose.h, one by one                                   */
/* ======================================================================== */

static const char PT[] = "This is the content.";
#define PT_LEN (sizeof PT - 1)

/* HMac-01's 256-bit key and aes-ccm-enc-01's 128-bit key (cose-wg/Examples). */
static const uint8_t K_HMAC[32] = {
	0x84, 0x9b, 0x57, 0x21, 0x9d, 0xae, 0x48, 0xde, 0x64, 0x6d, 0x07,
	0xdb, 0xb5, 0x33, 0x56, 0x6e, 0x97, 0x66, 0x86, 0x45, 0x7c, 0x14,
	0x91, 0xbe, 0x3a, 0x76, 0xdc, 0xea, 0x6c, 0x42, 0x71, 0x88};
static const uint8_t K_AES[16] = {0x84, 0x9b, 0x57, 0x21, 0x9d, 0xae, 0x48, 0xde,
				  0x64, 0x6d, 0x07, 0xdb, 0xb5, 0x33, 0x56, 0x6e};
static const uint8_t IV13[13] = {0x89, 0xf5, 0x2f, 0x65, 0xa1, 0xc5, 0x80,
				 0x93, 0x3b, 0x52, 0x61, 0xa7, 0x2f};

static void sym_key(struct obol_cose_key *key, const uint8_t *k, size_t k_len)
{
	memset(key, 0, sizeof *key);
	key->kty = OBOL_COSE_KTY_SYMMETRIC;
	key->k = k;
	key->k_len = k_len;
}

/*
 * A Mac0 forged here: protected bucket and unprotected map given as raw
 * hex (so that any header can be tried), payload PT, the tag computed with
 * the backend's HMAC over a MAC_structure encoded here (RFC 9052 6.3), cut
 * to tag_len. tag < 0: untagged. Returns the length.
 */
static size_t forge_mac0(struct obol_test_ctx *t, long tag, const char *prot_hex,
			 const char *unprot_hex, const uint8_t *key, size_t key_len,
			 size_t tag_len, uint8_t *out, size_t cap)
{
	uint8_t prot[64], unprot[64], tbs[256], mac[32];
	size_t pl = unhex(t, prot_hex, prot, sizeof prot);
	size_t ul = unhex(t, unprot_hex, unprot, sizeof unprot), tl = 0, n = 0;
	struct obol_iov iov;
	obol_cbor_enc e;

	obol_cbor_enc_init(&e, tbs, sizeof tbs);
	obol_cbor_put_array(&e, 4);
	obol_cbor_put_text(&e, "MAC0");
	obol_cbor_put_bstr(&e, prot, pl);
	obol_cbor_put_bstr(&e, NULL, 0);
	obol_cbor_put_bstr(&e, (const uint8_t *)PT, PT_LEN);
	CHECK_INT(t, obol_cbor_enc_finish(&e, &tl), OBOL_OK);
	iov.p = tbs;
	iov.len = tl;
	CHECK_INT(t, obol_port_hmac_sha256(key, key_len, &iov, 1, mac), OBOL_OK);

	obol_cbor_enc_init(&e, out, cap);
	if (tag >= 0)
		obol_cbor_put_tag(&e, (uint64_t)tag);
	obol_cbor_put_array(&e, 4);
	obol_cbor_put_bstr(&e, prot, pl);
	obol_cbor_put_raw(&e, unprot, ul);
	obol_cbor_put_bstr(&e, (const uint8_t *)PT, PT_LEN);
	obol_cbor_put_bstr(&e, mac, tag_len);
	CHECK_INT(t, obol_cbor_enc_finish(&e, &n), OBOL_OK);
	return n;
}

/*
 * An Encrypt0 forged here: raw headers, plaintext PT encrypted with the
 * backend's AES-CCM under `nonce` (what obol must derive from the
 * headers) and an Enc_structure encoded here (RFC 9052 5.3).
 */
static size_t forge_enc0(struct obol_test_ctx *t, long tag, const char *prot_hex,
			 const char *unprot_hex, const uint8_t nonce[13],
			 size_t tag_len, uint8_t *out, size_t cap)
{
	uint8_t prot[64], unprot[96], tbs[64], ct[PT_LEN + 16];
	size_t pl = unhex(t, prot_hex, prot, sizeof prot);
	size_t ul = unhex(t, unprot_hex, unprot, sizeof unprot), tl = 0, n = 0;
	struct obol_iov iov;
	obol_cbor_enc e;

	obol_cbor_enc_init(&e, tbs, sizeof tbs);
	obol_cbor_put_array(&e, 3);
	obol_cbor_put_text(&e, "Encrypt0");
	obol_cbor_put_bstr(&e, prot, pl);
	obol_cbor_put_bstr(&e, NULL, 0);
	CHECK_INT(t, obol_cbor_enc_finish(&e, &tl), OBOL_OK);
	iov.p = tbs;
	iov.len = tl;
	CHECK_INT(t, obol_port_aes_ccm_encrypt(K_AES, nonce, tag_len, &iov, 1,
					       (const uint8_t *)PT, PT_LEN, ct),
		  OBOL_OK);

	obol_cbor_enc_init(&e, out, cap);
	if (tag >= 0)
		obol_cbor_put_tag(&e, (uint64_t)tag);
	obol_cbor_put_array(&e, 3);
	obol_cbor_put_bstr(&e, prot, pl);
	obol_cbor_put_raw(&e, unprot, ul);
	obol_cbor_put_bstr(&e, ct, PT_LEN + tag_len);
	CHECK_INT(t, obol_cbor_enc_finish(&e, &n), OBOL_OK);
	return n;
}

/* mac0_verify of a forged message with K_HMAC (HMAC 256/256 tag). */
static int mac0_forged(struct obol_test_ctx *t, const char *prot, const char *unprot)
{
	struct obol_cose_key key;
	uint8_t msg[256];
	size_t n = forge_mac0(t, OBOL_COSE_TAG_MAC0, prot, unprot, K_HMAC, 32, 32, msg,
			      sizeof msg);
	const uint8_t *p = NULL;
	size_t pl = 0;
	int err, type = -1, perr;

	sym_key(&key, K_HMAC, 32);
	err = obol_cose_mac0_verify(msg, n, 0, &key, NULL, 0, NULL, &p, &pl);
	/* parse applies the same key-less rules */
	perr = obol_cose_parse(msg, n, 0, &type, NULL);
	CHECK_INT(t, perr, err == OBOL_ERR_CRYPTO_AUTH ? OBOL_OK : err);
	if (err == OBOL_OK)
		CHECK_MEM(t, p, pl, (const uint8_t *)PT, PT_LEN);
	return err;
}

static void test_headers(struct obol_test_ctx *t)
{
	/* Sanity: a plain Mac0 forged here verifies. */
	CHECK_INT(t, mac0_forged(t, "a10105", "a0"), OBOL_OK);

	/* crit (RFC 9052 3.1): protected, non-empty, understood, present. */
	CHECK_INT(t, mac0_forged(t, "a3010502810404423131", "a0"), OBOL_OK);
	CHECK_INT(t, mac0_forged(t, "a401050281030300" "0442" "3131", "a0"), OBOL_OK);
	CHECK_INT(t, mac0_forged(t, "a2010502810a", "a0"), OBOL_ERR_COSE_CRIT);
	CHECK_INT(t, mac0_forged(t, "a20105028104", "a10442" "3131"), OBOL_ERR_COSE_CRIT);
	CHECK_INT(t, mac0_forged(t, "a30105028118631863" "00", "a0"), OBOL_ERR_COSE_CRIT);
	CHECK_INT(t, mac0_forged(t, "a3010502816178617800", "a0"), OBOL_ERR_COSE_CRIT);
	CHECK_INT(t, mac0_forged(t, "a20105028102", "a0"), OBOL_ERR_COSE_CRIT);
	CHECK_INT(t, mac0_forged(t, "a201050280", "a0"), OBOL_ERR_COSE_CRIT);
	CHECK_INT(t, mac0_forged(t, "a201050204", "a0"), OBOL_ERR_COSE_CRIT);
	CHECK_INT(t, mac0_forged(t, "a2010502a0", "a0"), OBOL_ERR_COSE_CRIT);
	CHECK_INT(t, mac0_forged(t, "a2010502814101", "a0"), OBOL_ERR_COSE_CRIT);
	/* crit in the unprotected bucket */
	CHECK_INT(t, mac0_forged(t, "a10105", "a1028101"), OBOL_ERR_COSE_CRIT);
	/* the first problem in map order is reported */
	CHECK_INT(t, mac0_forged(t, "a2010504423131", "a204423131028104"),
		  OBOL_ERR_COSE_HEADER);
	CHECK_INT(t, mac0_forged(t, "a2010504423131", "a202810404423131"),
		  OBOL_ERR_COSE_CRIT);

	/* A label in both buckets (RFC 9052 3). */
	CHECK_INT(t, mac0_forged(t, "a2010504423131", "a104423131"), OBOL_ERR_COSE_HEADER);
	CHECK_INT(t, mac0_forged(t, "a2010504423131", "a104423132"), OBOL_ERR_COSE_HEADER);
	CHECK_INT(t, mac0_forged(t, "a10105", "a10105"), OBOL_ERR_COSE_HEADER);
	CHECK_INT(t, mac0_forged(t, "a201056178" "01", "a1617802"), OBOL_ERR_COSE_HEADER);
	CHECK_INT(t, mac0_forged(t, "a20105386300", "a1386301"), OBOL_ERR_COSE_HEADER);

	/* The protected bucket: h'' or a map, strict CBOR. An empty map
	 * (h'a0') is accepted (RFC 9052 3), but alg must be protected. */
	CHECK_INT(t, mac0_forged(t, "a0", "a10105"), OBOL_ERR_COSE_ALG);
	CHECK_INT(t, mac0_forged(t, "a0", "a0"), OBOL_ERR_COSE_ALG);
	CHECK_INT(t, mac0_forged(t, "8105", "a0"), OBOL_ERR_COSE_HEADER);
	CHECK_INT(t, mac0_forged(t, "05", "a0"), OBOL_ERR_COSE_HEADER);
	CHECK_INT(t, mac0_forged(t, "a1011805", "a0"), OBOL_ERR_CBOR_NON_SHORTEST);
	CHECK_INT(t, mac0_forged(t, "a1010500", "a0"), OBOL_ERR_CBOR_TRAILING);
	CHECK_INT(t, mac0_forged(t, "a101", "a0"), OBOL_ERR_CBOR_TRUNCATED);
	CHECK_INT(t, mac0_forged(t, "a201050105", "a0"), OBOL_ERR_CBOR_DUP_KEY);
	CHECK_INT(t, mac0_forged(t, "bf0105ff", "a0"), OBOL_ERR_CBOR_INDEFINITE);

	/* Labels and value types (RFC 9052 1.5, 3.1). */
	CHECK_INT(t, mac0_forged(t, "a10105", "a1410100"), OBOL_ERR_COSE_HEADER);
	CHECK_INT(t, mac0_forged(t, "a10105", "a1f400"), OBOL_ERR_COSE_HEADER);
	CHECK_INT(t, mac0_forged(t, "a2010504623131", "a0"), OBOL_ERR_COSE_HEADER);
	CHECK_INT(t, mac0_forged(t, "a10105", "a1056178"), OBOL_ERR_COSE_HEADER);
	CHECK_INT(t, mac0_forged(t, "a10105", "a10601"), OBOL_ERR_COSE_HEADER);
	CHECK_INT(t, mac0_forged(t, "a10105", "a10af6"), OBOL_ERR_COSE_HEADER);
	CHECK_INT(t, mac0_forged(t, "a201050320", "a0"), OBOL_ERR_COSE_HEADER);
	CHECK_INT(t, mac0_forged(t, "a201050340", "a0"), OBOL_ERR_COSE_HEADER);
	CHECK_INT(t, mac0_forged(t, "a201050300", "a0"), OBOL_OK);
	CHECK_INT(t, mac0_forged(t, "a20105036a746578742f706c61696e", "a0"), OBOL_OK);
	/* Unknown labels are ignored. */
	CHECK_INT(t, mac0_forged(t, "a10105", "a218630063666f6f01"), OBOL_OK);
	CHECK_INT(t, mac0_forged(t, "a201053863a0", "a13b7fffffffffffffff00"), OBOL_OK);

	/* alg: in the protected bucket, an algorithm of the message type. */
	CHECK_INT(t, mac0_forged(t, "", "a10105"), OBOL_ERR_COSE_ALG);
	CHECK_INT(t, mac0_forged(t, "", "a0"), OBOL_ERR_COSE_ALG);
	CHECK_INT(t, mac0_forged(t, "a10442" "3131", "a0"), OBOL_ERR_COSE_ALG);
	CHECK_INT(t, mac0_forged(t, "a1016548533235" "36", "a0"), OBOL_ERR_COSE_ALG);
	CHECK_INT(t, mac0_forged(t, "a1010a", "a0"), OBOL_ERR_COSE_ALG);
	CHECK_INT(t, mac0_forged(t, "a10126", "a0"), OBOL_ERR_COSE_ALG);
	CHECK_INT(t, mac0_forged(t, "a10100", "a0"), OBOL_ERR_COSE_ALG);
	CHECK_INT(t, mac0_forged(t, "a1011a80000000", "a0"), OBOL_ERR_COSE_ALG);
	CHECK_INT(t, mac0_forged(t, "a1013b7fffffffffffffff", "a0"), OBOL_ERR_COSE_ALG);
	CHECK_INT(t, mac0_forged(t, "a1018105", "a0"), OBOL_ERR_COSE_HEADER);
	CHECK_INT(t, mac0_forged(t, "a101f6", "a0"), OBOL_ERR_COSE_HEADER);

	/* IV and Partial IV together (RFC 9052 3.1), in any message. */
	CHECK_INT(t, mac0_forged(t, "a10105", "a2054d89f52f65a1c580933b5261a72f064101"),
		  OBOL_ERR_COSE_IV);
	CHECK_INT(t, mac0_forged(t, "a20105064101", "a1054d89f52f65a1c580933b5261a72f"),
		  OBOL_ERR_COSE_IV);
	/* An IV alone means nothing to a MAC: accepted. */
	CHECK_INT(t, mac0_forged(t, "a10105", "a1054d89f52f65a1c580933b5261a72f"), OBOL_OK);
}

static void test_kid_and_keys(struct obol_test_ctx *t)
{
	struct obol_cose_key key;
	uint8_t msg[256];
	size_t n;
	const uint8_t *p;
	size_t pl;
	static const uint8_t kid11[2] = {0x31, 0x31}, kid12[2] = {0x31, 0x32};

	/* kid: equal when both have one (cose.h). */
	n = forge_mac0(t, 17, "a10105", "a104423131", K_HMAC, 32, 32, msg, sizeof msg);
	sym_key(&key, K_HMAC, 32);
	CHECK_INT(t, obol_cose_mac0_verify(msg, n, 0, &key, NULL, 0, NULL, &p, &pl), OBOL_OK);
	key.kid = kid11;
	key.kid_len = 2;
	CHECK_INT(t, obol_cose_mac0_verify(msg, n, 0, &key, NULL, 0, NULL, &p, &pl), OBOL_OK);
	key.kid = kid12;
	CHECK_INT(t, obol_cose_mac0_verify(msg, n, 0, &key, NULL, 0, NULL, &p, &pl),
		  OBOL_ERR_COSE_KID);
	CHECK(t, p == NULL && pl == 0);
	key.kid_len = 1; /* a prefix is not equal */
	CHECK_INT(t, obol_cose_mac0_verify(msg, n, 0, &key, NULL, 0, NULL, &p, &pl),
		  OBOL_ERR_COSE_KID);
	/* kid in the protected bucket counts the same */
	n = forge_mac0(t, 17, "a2010504423131", "a0", K_HMAC, 32, 32, msg, sizeof msg);
	key.kid_len = 2;
	CHECK_INT(t, obol_cose_mac0_verify(msg, n, 0, &key, NULL, 0, NULL, &p, &pl),
		  OBOL_ERR_COSE_KID);
	key.kid = kid11;
	CHECK_INT(t, obol_cose_mac0_verify(msg, n, 0, &key, NULL, 0, NULL, &p, &pl), OBOL_OK);
	/* an empty kid sent is a kid, and differs */
	n = forge_mac0(t, 17, "a10105", "a10440", K_HMAC, 32, 32, msg, sizeof msg);
	CHECK_INT(t, obol_cose_mac0_verify(msg, n, 0, &key, NULL, 0, NULL, &p, &pl),
		  OBOL_ERR_COSE_KID);
	/* no kid sent: any key kid is fine */
	n = forge_mac0(t, 17, "a10105", "a0", K_HMAC, 32, 32, msg, sizeof msg);
	CHECK_INT(t, obol_cose_mac0_verify(msg, n, 0, &key, NULL, 0, NULL, &p, &pl), OBOL_OK);

	/* The key must fit alg: key alg 5 vs header alg 4. */
	n = forge_mac0(t, 17, "a10104", "a0", K_HMAC, 32, 8, msg, sizeof msg);
	sym_key(&key, K_HMAC, 32);
	CHECK_INT(t, obol_cose_mac0_verify(msg, n, 0, &key, NULL, 0, NULL, &p, &pl), OBOL_OK);
	key.alg = OBOL_ALG_HMAC_256_256;
	CHECK_INT(t, obol_cose_mac0_verify(msg, n, 0, &key, NULL, 0, NULL, &p, &pl),
		  OBOL_ERR_COSE_ALG_MISMATCH);
	key.alg = OBOL_ALG_HMAC_256_64;
	CHECK_INT(t, obol_cose_mac0_verify(msg, n, 0, &key, NULL, 0, NULL, &p, &pl), OBOL_OK);
	key.kty = OBOL_COSE_KTY_EC2;
	CHECK_INT(t, obol_cose_mac0_verify(msg, n, 0, &key, NULL, 0, NULL, &p, &pl),
		  OBOL_ERR_COSE_ALG_MISMATCH);
	/* HMAC keys: at least 16 bytes (cose.c, HMAC_MIN_KEY) */
	n = forge_mac0(t, 17, "a10104", "a0", K_HMAC, 15, 8, msg, sizeof msg);
	sym_key(&key, K_HMAC, 15);
	CHECK_INT(t, obol_cose_mac0_verify(msg, n, 0, &key, NULL, 0, NULL, &p, &pl),
		  OBOL_ERR_CRYPTO_KEY);
	n = forge_mac0(t, 17, "a10104", "a0", K_HMAC, 16, 8, msg, sizeof msg);
	sym_key(&key, K_HMAC, 16);
	CHECK_INT(t, obol_cose_mac0_verify(msg, n, 0, &key, NULL, 0, NULL, &p, &pl), OBOL_OK);
	sym_key(&key, NULL, 0);
	CHECK_INT(t, obol_cose_mac0_verify(msg, n, 0, &key, NULL, 0, NULL, &p, &pl),
		  OBOL_ERR_CRYPTO_KEY);

	/* Tag lengths: HMAC 256/64 sends 8 bytes, 256/256 sends 32. */
	n = forge_mac0(t, 17, "a10104", "a0", K_HMAC, 32, 32, msg, sizeof msg);
	sym_key(&key, K_HMAC, 32);
	CHECK_INT(t, obol_cose_mac0_verify(msg, n, 0, &key, NULL, 0, NULL, &p, &pl),
		  OBOL_ERR_CRYPTO_AUTH);
	n = forge_mac0(t, 17, "a10105", "a0", K_HMAC, 32, 8, msg, sizeof msg);
	CHECK_INT(t, obol_cose_mac0_verify(msg, n, 0, &key, NULL, 0, NULL, &p, &pl),
		  OBOL_ERR_CRYPTO_AUTH);
	n = forge_mac0(t, 17, "a10105", "a0", K_HMAC, 32, 0, msg, sizeof msg);
	CHECK_INT(t, obol_cose_mac0_verify(msg, n, 0, &key, NULL, 0, NULL, &p, &pl),
		  OBOL_ERR_CRYPTO_AUTH);
}

/* decrypt0 of a copy; checks that a failure leaves no plaintext. */
static int dec_forged(struct obol_test_ctx *t, const uint8_t *msg, size_t n,
		      const struct obol_cose_key *key)
{
	uint8_t buf[256];
	uint8_t *pt = NULL;
	size_t pl = 0;
	int err;

	memcpy(buf, msg, n);
	err = obol_cose_decrypt0(buf, n, 0, key, NULL, 0, NULL, &pt, &pl);
	if (err == OBOL_OK) {
		CHECK_MEM(t, pt, pl, (const uint8_t *)PT, PT_LEN);
		CHECK(t, pt > buf && pt + pl < buf + n); /* in place */
	} else {
		CHECK(t, pt == NULL && pl == 0);
		CHECK(t, no_plaintext_left(buf, msg, n));
	}
	return err;
}

static void test_encrypt0_rules(struct obol_test_ctx *t)
{
	static const uint8_t base[13] = {0x89, 0xf5, 0x2f, 0x65, 0xa1, 0xc5, 0x80,
					 0x93, 0x00, 0x00, 0x00, 0x00, 0x00};
	uint8_t msg[256], nonce[13], k32[32];
	struct obol_cose_key key;
	size_t n;

	sym_key(&key, K_AES, 16);
	/* IV: exactly 13 bytes (RFC 9053 4.2, L = 2). */
	n = forge_enc0(t, 16, "a1010a", "a1054d89f52f65a1c580933b5261a72f", IV13, 8, msg,
		       sizeof msg);
	CHECK_INT(t, dec_forged(t, msg, n, &key), OBOL_OK);
	n = forge_enc0(t, 16, "a1010a", "a1054c89f52f65a1c580933b5261a7", IV13, 8, msg,
		       sizeof msg);
	CHECK_INT(t, dec_forged(t, msg, n, &key), OBOL_ERR_COSE_IV);
	n = forge_enc0(t, 16, "a1010a", "a1054e89f52f65a1c580933b5261a72f00", IV13, 8, msg,
		       sizeof msg);
	CHECK_INT(t, dec_forged(t, msg, n, &key), OBOL_ERR_COSE_IV);
	n = forge_enc0(t, 16, "a1010a", "a0", IV13, 8, msg, sizeof msg);
	CHECK_INT(t, dec_forged(t, msg, n, &key), OBOL_ERR_COSE_IV);
	/* IV in the protected bucket is fine too */
	n = forge_enc0(t, 16, "a2010a054d89f52f65a1c580933b5261a72f", "a0", IV13, 8, msg,
		       sizeof msg);
	CHECK_INT(t, dec_forged(t, msg, n, &key), OBOL_OK);

	/* Partial IV with the key's Base IV (RFC 9052 3.1; C.4.2 layout). */
	memcpy(nonce, base, 13);
	nonce[11] ^= 0x61;
	nonce[12] ^= 0xa7;
	n = forge_enc0(t, 16, "a1010a", "a1064261a7", nonce, 8, msg, sizeof msg);
	CHECK_INT(t, dec_forged(t, msg, n, &key), OBOL_ERR_COSE_IV); /* no Base IV */
	key.base_iv = base;
	key.base_iv_len = 12;
	CHECK_INT(t, dec_forged(t, msg, n, &key), OBOL_ERR_COSE_IV); /* Base IV of 12 */
	key.base_iv_len = 13;
	CHECK_INT(t, dec_forged(t, msg, n, &key), OBOL_OK);
	/* A 13-byte Partial IV covers all of it; 14 is too long; empty is refused. */
	for (n = 0; n < 13; n++)
		nonce[n] = (uint8_t)(base[n] ^ IV13[n]);
	n = forge_enc0(t, 16, "a1010a", "a1064d89f52f65a1c580933b5261a72f", nonce, 8, msg,
		       sizeof msg);
	CHECK_INT(t, dec_forged(t, msg, n, &key), OBOL_OK);
	n = forge_enc0(t, 16, "a1010a", "a1064e0089f52f65a1c580933b5261a72f", IV13, 8, msg,
		       sizeof msg);
	CHECK_INT(t, dec_forged(t, msg, n, &key), OBOL_ERR_COSE_IV);
	n = forge_enc0(t, 16, "a1010a", "a10640", base, 8, msg, sizeof msg);
	CHECK_INT(t, dec_forged(t, msg, n, &key), OBOL_ERR_COSE_IV);
	/* IV and Partial IV both: refused, Base IV or not. */
	n = forge_enc0(t, 16, "a1010a", "a2054d89f52f65a1c580933b5261a72f064261a7", IV13, 8,
		       msg, sizeof msg);
	CHECK_INT(t, dec_forged(t, msg, n, &key), OBOL_ERR_COSE_IV);
	CHECK_INT(t, obol_cose_parse(msg, n, 0, NULL, NULL), OBOL_ERR_COSE_IV);
	/* A full IV wins over the key's Base IV. */
	n = forge_enc0(t, 16, "a1010a", "a1054d89f52f65a1c580933b5261a72f", IV13, 8, msg,
		       sizeof msg);
	CHECK_INT(t, dec_forged(t, msg, n, &key), OBOL_OK);

	/* Keys: Symmetric, 16 bytes, alg fits. */
	sym_key(&key, K_AES, 16);
	key.alg = OBOL_ALG_AES_CCM_16_128_128;
	CHECK_INT(t, dec_forged(t, msg, n, &key), OBOL_ERR_COSE_ALG_MISMATCH);
	key.alg = OBOL_ALG_AES_CCM_16_64_128;
	CHECK_INT(t, dec_forged(t, msg, n, &key), OBOL_OK);
	key.kty = OBOL_COSE_KTY_OKP;
	CHECK_INT(t, dec_forged(t, msg, n, &key), OBOL_ERR_COSE_ALG_MISMATCH);
	memset(k32, 0x11, sizeof k32);
	sym_key(&key, k32, 32);
	CHECK_INT(t, dec_forged(t, msg, n, &key), OBOL_ERR_CRYPTO_KEY);
	sym_key(&key, K_AES, 15);
	CHECK_INT(t, dec_forged(t, msg, n, &key), OBOL_ERR_CRYPTO_KEY);

	/* AES-CCM-16-128-128: 16-byte tag. */
	sym_key(&key, K_AES, 16);
	n = forge_enc0(t, 16, "a101181e", "a1054d89f52f65a1c580933b5261a72f", IV13, 16, msg,
		       sizeof msg);
	CHECK_INT(t, dec_forged(t, msg, n, &key), OBOL_OK);
	/* ... whose tag is not the 8-byte one */
	n = forge_enc0(t, 16, "a101181e", "a1054d89f52f65a1c580933b5261a72f", IV13, 8, msg,
		       sizeof msg);
	CHECK_INT(t, dec_forged(t, msg, n, &key), OBOL_ERR_CRYPTO_AUTH);

	/* Ciphertext shorter than the tag. */
	CHECK_INT(t, dec_forged(t, (const uint8_t *)"\xd0\x83\x43\xa1\x01\x0a\xa1\x05\x4d"
				   "\x89\xf5\x2f\x65\xa1\xc5\x80\x93\x3b\x52\x61\xa7\x2f"
				   "\x47\x01\x02\x03\x04\x05\x06\x07", 30, &key),
		  OBOL_ERR_CRYPTO_AUTH);

	/* Tampering anywhere covered: ciphertext, tag, protected, AAD. */
	{
		uint8_t buf[256];
		uint8_t *pt;
		size_t pl, i;
		static const uint8_t aad[3] = {1, 2, 3};

		n = forge_enc0(t, 16, "a1010a", "a1054d89f52f65a1c580933b5261a72f", IV13, 8,
			       msg, sizeof msg);
		for (i = n - (PT_LEN + 8); i < n; i++) {
			msg[i] ^= 0x80;
			CHECK_INT(t, dec_forged(t, msg, n, &key), OBOL_ERR_CRYPTO_AUTH);
			msg[i] ^= 0x80;
		}
		CHECK_INT(t, dec_forged(t, msg, n, &key), OBOL_OK);
		memcpy(buf, msg, n);
		CHECK_INT(t, obol_cose_decrypt0(buf, n, 0, &key, aad, sizeof aad, NULL, &pt, &pl),
			  OBOL_ERR_CRYPTO_AUTH);
		CHECK(t, no_plaintext_left(buf, msg, n));
		memcpy(buf, msg, n);
		CHECK_INT(t, obol_cose_decrypt0(buf, n, 0, &key, NULL, 1, NULL, &pt, &pl),
			  OBOL_ERR_ARG);
		CHECK_INT(t, obol_cose_decrypt0(buf, n, 0, NULL, NULL, 0, NULL, &pt, &pl),
			  OBOL_ERR_ARG);
		CHECK_INT(t, obol_cose_decrypt0(buf, n, 0x80, &key, NULL, 0, NULL, &pt, &pl),
			  OBOL_ERR_ARG);
		/* pt / pt_len / hdr may be NULL */
		CHECK_INT(t, obol_cose_decrypt0(buf, n, 0, &key, NULL, 0, NULL, NULL, NULL),
			  OBOL_OK);
		CHECK(t, memcmp(buf + n - (PT_LEN + 8), PT, PT_LEN) == 0);
	}
}

/* HMac-01 (cose-wg/Examples mac0-tests): 17([h'a10105', {}, PT, tag]). */
static const char HMAC01[] =
	"d18443a10105a054546869732069732074686520636f6e74656e742e5820a1a848d3471f9d61ee"
	"49018d244c824772f223ad4f935293f1789fc3a08d8c58";

static void test_tags_and_format(struct obol_test_ctx *t)
{
	uint8_t msg[128], m2[136], buf[136];
	struct obol_cose_key key;
	struct obol_cose_hdr hdr;
	const uint8_t *p;
	uint8_t *pt;
	size_t n = unhex(t, HMAC01, msg, sizeof msg), pl;
	int type;

	sym_key(&key, K_HMAC, 32);
	/* tagged; untagged; untagged with REQUIRE_TAG */
	CHECK_INT(t, obol_cose_mac0_verify(msg, n, 0, &key, NULL, 0, NULL, &p, &pl), OBOL_OK);
	CHECK_INT(t, obol_cose_mac0_verify(msg, n, OBOL_COSE_REQUIRE_TAG, &key, NULL, 0, NULL,
					   &p, &pl), OBOL_OK);
	CHECK_INT(t, obol_cose_mac0_verify(msg + 1, n - 1, 0, &key, NULL, 0, NULL, &p, &pl),
		  OBOL_OK);
	CHECK_INT(t, obol_cose_mac0_verify(msg + 1, n - 1, OBOL_COSE_REQUIRE_TAG, &key, NULL,
					   0, NULL, &p, &pl), OBOL_ERR_COSE_TAG);
	CHECK_INT(t, obol_cose_parse(msg + 1, n - 1, OBOL_COSE_REQUIRE_TAG, &type, NULL),
		  OBOL_ERR_COSE_TAG);
	CHECK_INT(t, obol_cose_parse(msg + 1, n - 1, 0, &type, &hdr), OBOL_OK);
	CHECK_INT(t, type, OBOL_COSE_TAG_MAC0);
	CHECK_INT(t, hdr.alg, OBOL_ALG_HMAC_256_256);
	CHECK_INT(t, hdr.protected_len, 3);
	CHECK(t, hdr.protected_raw == msg + 3);
	CHECK(t, hdr.kid_len == 0 && hdr.iv_len == 0 && hdr.partial_iv_len == 0 &&
		 hdr.kid_context_len == 0);

	/* Wrong tag: another message type's, CWT's 61, an unknown one. */
	memcpy(buf, msg, n);
	buf[0] = 0xd0; /* Encrypt0 */
	CHECK_INT(t, obol_cose_mac0_verify(buf, n, 0, &key, NULL, 0, NULL, &p, &pl),
		  OBOL_ERR_COSE_TAG);
	CHECK_INT(t, obol_cose_parse(buf, n, 0, &type, NULL), OBOL_ERR_COSE_FORMAT);
	buf[0] = 0xd2; /* Sign1 */
	CHECK_INT(t, obol_cose_mac0_verify(buf, n, 0, &key, NULL, 0, NULL, &p, &pl),
		  OBOL_ERR_COSE_TAG);
	CHECK_INT(t, obol_cose_sign1_verify(buf, n, 0, &key, NULL, 0, NULL, &p, &pl),
		  OBOL_ERR_COSE_ALG);
	CHECK_INT(t, obol_cose_parse(buf, n, 0, &type, NULL), OBOL_ERR_COSE_ALG);
	CHECK_INT(t, type, 0);
	CHECK_INT(t, obol_cose_decrypt0(buf, n, 0, &key, NULL, 0, NULL, &pt, &pl),
		  OBOL_ERR_COSE_TAG);
	buf[0] = 0xd8; /* 61(...) */
	buf[1] = 0x3d;
	memcpy(buf + 2, msg + 1, n - 1);
	CHECK_INT(t, obol_cose_mac0_verify(buf, n + 1, 0, &key, NULL, 0, NULL, &p, &pl),
		  OBOL_ERR_COSE_TAG);
	CHECK_INT(t, obol_cose_parse(buf, n + 1, 0, &type, NULL), OBOL_ERR_COSE_TAG);
	buf[0] = 0xd1; /* 17(17(...)) */
	buf[1] = 0xd1;
	CHECK_INT(t, obol_cose_mac0_verify(buf, n + 1, 0, &key, NULL, 0, NULL, &p, &pl),
		  OBOL_ERR_COSE_FORMAT);
	buf[0] = 0xc0; /* tag 0 */
	CHECK_INT(t, obol_cose_parse(buf, n + 1, 0, &type, NULL), OBOL_ERR_COSE_TAG);

	/* Untagged: the readers' own type decides; 4 elements + alg. */
	CHECK_INT(t, obol_cose_sign1_verify(msg + 1, n - 1, 0, &key, NULL, 0, NULL, &p, &pl),
		  OBOL_ERR_COSE_ALG);
	CHECK_INT(t, obol_cose_decrypt0(buf + 2, n - 1, 0, &key, NULL, 0, NULL, &pt, &pl),
		  OBOL_ERR_COSE_FORMAT);

	/* Malformed CBOR gives the CBOR error, in every reader. */
	{
		static const struct {
			int how;
			int want;
		} mal[] = {
			{0, OBOL_ERR_CBOR_TRUNCATED},
			{1, OBOL_ERR_CBOR_TRAILING},
			{2, OBOL_ERR_CBOR_NON_SHORTEST},
			{3, OBOL_ERR_CBOR_INDEFINITE},
		};
		size_t i, m;
		for (i = 0; i < sizeof mal / sizeof mal[0]; i++) {
			switch (mal[i].how) {
			case 0: /* truncated */
				memcpy(m2, msg, n);
				m = n - 1;
				break;
			case 1: /* a byte after it */
				memcpy(m2, msg, n);
				m2[n] = 0x00;
				m = n + 1;
				break;
			case 2: /* array head 0x84 as 0x98 0x04 */
				m2[0] = 0xd1;
				m2[1] = 0x98;
				m2[2] = 0x04;
				memcpy(m2 + 3, msg + 2, n - 2);
				m = n + 1;
				break;
			default: /* indefinite-length array */
				m2[0] = 0xd1;
				m2[1] = 0x9f;
				memcpy(m2 + 2, msg + 2, n - 2);
				m2[n] = 0xff;
				m = n + 1;
				break;
			}
			CHECK_INT(t, obol_cose_mac0_verify(m2, m, 0, &key, NULL, 0, NULL, &p, &pl),
				  mal[i].want);
			CHECK_INT(t, obol_cose_sign1_verify(m2, m, 0, &key, NULL, 0, NULL, &p, &pl),
				  mal[i].want);
			CHECK_INT(t, obol_cose_parse(m2, m, 0, &type, NULL), mal[i].want);
			memcpy(buf, m2, m);
			CHECK_INT(t, obol_cose_decrypt0(buf, m, 0, &key, NULL, 0, NULL, &pt, &pl),
				  mal[i].want);
		}
		CHECK_INT(t, obol_cose_parse(NULL, 0, 0, &type, NULL), OBOL_ERR_CBOR_TRUNCATED);
		CHECK_INT(t, obol_cose_parse(NULL, 1, 0, &type, NULL), OBOL_ERR_ARG);
	}

	/* Not the COSE shape: OBOL_ERR_COSE_FORMAT. */
	{
		static const char *const bad[] = {
			"d18543a10105a0400000",           /* 5 elements */
			"d18243a10105a0",                 /* 2 elements */
			"d1a0",                           /* a map */
			"d1846161a0404100",               /* protected: tstr */
			"d18443a1010580404100",           /* unprotected: array */
			"d18443a10105a0f64100",           /* payload nil (detached) */
			"d18443a10105a0406100",           /* tag: tstr */
			"d18443a10105a040f6",             /* tag: nil */
			"d1f6",                           /* nil */
			"8343a10105a040",                 /* untagged, 3 elements */
		};
		size_t i, m;
		for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
			m = unhex(t, bad[i], m2, sizeof m2);
			CHECK_INT(t, obol_cose_mac0_verify(m2, m, 0, &key, NULL, 0, NULL, &p, &pl),
				  OBOL_ERR_COSE_FORMAT);
		}
		/* Encrypt0 with 4 elements, untagged, alg 10: no 4-element type has alg 10 */
		m = unhex(t, "8443a1010aa04040", m2, sizeof m2);
		CHECK_INT(t, obol_cose_parse(m2, m, 0, &type, NULL), OBOL_ERR_COSE_ALG);
		m = unhex(t, "8443a1010aa04040", m2, sizeof m2);
		CHECK_INT(t, obol_cose_decrypt0(m2, m, 0, &key, NULL, 0, NULL, &pt, &pl),
			  OBOL_ERR_COSE_FORMAT);
		m = unhex(t, "d08443a1010aa04040", m2, sizeof m2);
		CHECK_INT(t, obol_cose_parse(m2, m, 0, &type, NULL), OBOL_ERR_COSE_FORMAT);
		m = unhex(t, "8343a1010aa040", m2, sizeof m2);
		CHECK_INT(t, obol_cose_parse(m2, m, 0, &type, NULL), OBOL_OK);
		CHECK_INT(t, type, OBOL_COSE_TAG_ENCRYPT0);
		m = unhex(t, "8343a10105a040", m2, sizeof m2);
		CHECK_INT(t, obol_cose_parse(m2, m, 0, &type, NULL), OBOL_ERR_COSE_ALG);
	}

	/* Arguments. */
	CHECK_INT(t, obol_cose_mac0_verify(msg, n, 0, NULL, NULL, 0, NULL, &p, &pl), OBOL_ERR_ARG);
	CHECK_INT(t, obol_cose_mac0_verify(msg, n, 0, &key, NULL, 3, NULL, &p, &pl), OBOL_ERR_ARG);
	CHECK_INT(t, obol_cose_mac0_verify(msg, n, 0x100, &key, NULL, 0, NULL, &p, &pl),
		  OBOL_ERR_ARG);
	CHECK_INT(t, obol_cose_parse(msg, n, 0x100, &type, NULL), OBOL_ERR_ARG);
	CHECK_INT(t, obol_cose_mac0_verify(msg, n, 0, &key, NULL, 0, NULL, NULL, NULL), OBOL_OK);
	CHECK_INT(t, obol_cose_parse(msg, n, 0, NULL, NULL), OBOL_OK);
}

/* Create then read back, for every symmetric algorithm; sizes. */
static void test_create(struct obol_test_ctx *t)
{
	static const uint8_t kid[1] = {0x2a}, kidc[3] = {1, 2, 3}, piv[2] = {0x00, 0x07};
	static const uint8_t base[13] = {9, 8, 7, 6, 5, 4, 3, 2, 1, 0, 1, 2, 3};
	uint8_t out[256], out2[256], big[4] = {0, 0, 0, 0};
	struct obol_cose_key key;
	struct obol_cose_hdr h, got;
	uint8_t *pt;
	const uint8_t *p;
	size_t n = 0, n2 = 0, pl = 0, need = 0;
	int type;

	/* Encrypt0 with a random IV: measured, written, read back. */
	sym_key(&key, K_AES, 16);
	memset(&h, 0, sizeof h);
	h.alg = OBOL_ALG_AES_CCM_16_64_128;
	h.kid = kid;
	h.kid_len = 1;
	CHECK_INT(t, obol_cose_encrypt0(&key, &h, 0, NULL, 0, (const uint8_t *)PT, PT_LEN, NULL,
					0, &need), OBOL_ERR_NO_SPACE);
	/* d0 83 43 a1010a a2 04 41 2a 05 4d <13> 58 1c <28> */
	CHECK_INT(t, need, 2 + 4 + 1 + 3 + 2 + 13 + 2 + PT_LEN + 8);
	CHECK_INT(t, obol_cose_encrypt0(&key, &h, 0, NULL, 0, (const uint8_t *)PT, PT_LEN, out,
					need - 1, &n), OBOL_ERR_NO_SPACE);
	CHECK_INT(t, n, need);
	CHECK_INT(t, obol_cose_encrypt0(&key, &h, 0, NULL, 0, (const uint8_t *)PT, PT_LEN, out,
					need, &n), OBOL_OK);
	CHECK_INT(t, n, need);
	CHECK_INT(t, obol_cose_encrypt0(&key, &h, 0, NULL, 0, (const uint8_t *)PT, PT_LEN, out2,
					sizeof out2, &n2), OBOL_OK);
	CHECK_INT(t, n2, need);
	CHECK_INT(t, obol_cose_parse(out, n, OBOL_COSE_REQUIRE_TAG, &type, &got), OBOL_OK);
	CHECK_INT(t, type, OBOL_COSE_TAG_ENCRYPT0);
	CHECK_INT(t, got.iv_len, 13);
	CHECK_MEM(t, got.kid, got.kid_len, kid, 1);
	CHECK_MEM(t, got.protected_raw, got.protected_len, (const uint8_t *)"\xa1\x01\x0a", 3);
	/* two random IVs differ (probability of a clash: 2^-104) */
	CHECK(t, memcmp(out + 12, out2 + 12, 13) != 0);
	CHECK_INT(t, obol_cose_decrypt0(out, n, 0, &key, NULL, 0, &got, &pt, &pl), OBOL_OK);
	CHECK_MEM(t, pt, pl, (const uint8_t *)PT, PT_LEN);
	/* the key's kid is checked against the one written */
	key.kid = kid;
	key.kid_len = 1;
	CHECK_INT(t, obol_cose_decrypt0(out2, n2, 0, &key, NULL, 0, NULL, &pt, &pl), OBOL_OK);

	/* Partial IV + Base IV + kid context, untagged, AES-CCM-16-128-128. */
	key.base_iv = base;
	key.base_iv_len = 13;
	h.alg = OBOL_ALG_AES_CCM_16_128_128;
	h.partial_iv = piv;
	h.partial_iv_len = 2;
	h.kid_context = kidc;
	h.kid_context_len = 3;
	CHECK_INT(t, obol_cose_encrypt0(&key, &h, OBOL_COSE_UNTAGGED, kidc, 3,
					(const uint8_t *)PT, PT_LEN, out, sizeof out, &n), OBOL_OK);
	CHECK_MEM(t, out, 18, (const uint8_t *)"\x83\x44\xa1\x01\x18\x1e\xa3\x04\x41\x2a\x06\x42"
		  "\x00\x07\x0a\x43\x01\x02", 18);
	/* cose.h: the output is deterministic CBOR (labels 4, 6, 10 in order) */
	CHECK_INT(t, obol_cbor_validate(out, n, OBOL_CBOR_DETERMINISTIC, NULL), OBOL_OK);
	CHECK_INT(t, obol_cose_decrypt0(out, n, 0, &key, kidc, 3, &got, &pt, &pl), OBOL_OK);
	CHECK_MEM(t, pt, pl, (const uint8_t *)PT, PT_LEN);
	CHECK_MEM(t, got.partial_iv, got.partial_iv_len, piv, 2);
	CHECK_MEM(t, got.kid_context, got.kid_context_len, kidc, 3);
	/* IV errors come before size questions */
	h.iv = IV13;
	h.iv_len = 13;
	CHECK_INT(t, obol_cose_encrypt0(&key, &h, 0, NULL, 0, (const uint8_t *)PT, PT_LEN, NULL,
					0, &n), OBOL_ERR_COSE_IV);
	h.partial_iv_len = 0;
	h.iv_len = 12;
	CHECK_INT(t, obol_cose_encrypt0(&key, &h, 0, NULL, 0, (const uint8_t *)PT, PT_LEN, NULL,
					0, &n), OBOL_ERR_COSE_IV);
	h.iv_len = 0;
	h.partial_iv_len = 2;
	key.base_iv_len = 0;
	CHECK_INT(t, obol_cose_encrypt0(&key, &h, 0, NULL, 0, (const uint8_t *)PT, PT_LEN, out,
					sizeof out, &n), OBOL_ERR_COSE_IV);
	h.partial_iv_len = 14;
	key.base_iv_len = 13;
	h.partial_iv = out2; /* any 14 bytes */
	CHECK_INT(t, obol_cose_encrypt0(&key, &h, 0, NULL, 0, (const uint8_t *)PT, PT_LEN, out,
					sizeof out, &n), OBOL_ERR_COSE_IV);

	/* alg: from hdr, else from the key; of the right message type. */
	sym_key(&key, K_AES, 16);
	CHECK_INT(t, obol_cose_encrypt0(&key, NULL, 0, NULL, 0, (const uint8_t *)PT, PT_LEN, out,
					sizeof out, &n), OBOL_ERR_COSE_ALG);
	key.alg = OBOL_ALG_AES_CCM_16_64_128;
	CHECK_INT(t, obol_cose_encrypt0(&key, NULL, 0, NULL, 0, NULL, 0, out, sizeof out, &n),
		  OBOL_OK);
	CHECK_INT(t, n, 1 + 1 + 4 + 1 + 1 + 1 + 13 + 1 + 8);
	CHECK_INT(t, obol_cose_decrypt0(out, n, 0, &key, NULL, 0, NULL, &pt, &pl), OBOL_OK);
	CHECK(t, pt != NULL && pl == 0);
	memset(&h, 0, sizeof h);
	h.alg = OBOL_ALG_HMAC_256_256;
	CHECK_INT(t, obol_cose_encrypt0(&key, &h, 0, NULL, 0, (const uint8_t *)PT, PT_LEN, out,
					sizeof out, &n), OBOL_ERR_COSE_ALG);
	h.alg = OBOL_ALG_AES_CCM_16_128_128;
	CHECK_INT(t, obol_cose_encrypt0(&key, &h, 0, NULL, 0, (const uint8_t *)PT, PT_LEN, out,
					sizeof out, &n), OBOL_ERR_COSE_ALG_MISMATCH);
	key.alg = 0;
	key.k_len = 32;
	key.k = K_HMAC;
	CHECK_INT(t, obol_cose_encrypt0(&key, &h, 0, NULL, 0, (const uint8_t *)PT, PT_LEN, out,
					sizeof out, &n), OBOL_ERR_CRYPTO_KEY);
	/* Arguments. */
	sym_key(&key, K_AES, 16);
	CHECK_INT(t, obol_cose_encrypt0(&key, &h, 0, NULL, 0, big, 65536, out, sizeof out, &n),
		  OBOL_ERR_ARG);
	CHECK_INT(t, obol_cose_encrypt0(&key, &h, 0, NULL, 0, NULL, 1, out, sizeof out, &n),
		  OBOL_ERR_ARG);
	CHECK_INT(t, obol_cose_encrypt0(&key, &h, 0, NULL, 2, big, 1, out, sizeof out, &n),
		  OBOL_ERR_ARG);
	CHECK_INT(t, obol_cose_encrypt0(&key, &h, 0, NULL, 0, big, 1, out, sizeof out, NULL),
		  OBOL_ERR_ARG);
	CHECK_INT(t, obol_cose_encrypt0(NULL, &h, 0, NULL, 0, big, 1, out, sizeof out, &n),
		  OBOL_ERR_ARG);
	CHECK_INT(t, obol_cose_encrypt0(&key, &h, 0x40, NULL, 0, big, 1, out, sizeof out, &n),
		  OBOL_ERR_ARG);
	h.kid_len = 3; /* kid NULL */
	CHECK_INT(t, obol_cose_encrypt0(&key, &h, 0, NULL, 0, big, 1, out, sizeof out, &n),
		  OBOL_ERR_ARG);

	/* Mac0: both algorithms, sizes, payload NULL/0. */
	sym_key(&key, K_HMAC, 32);
	memset(&h, 0, sizeof h);
	h.alg = OBOL_ALG_HMAC_256_64;
	CHECK_INT(t, obol_cose_mac0_create(&key, &h, OBOL_COSE_UNTAGGED, NULL, 0, NULL, 0, NULL,
					   0, &need), OBOL_ERR_NO_SPACE);
	CHECK_INT(t, need, 1 + 4 + 1 + 1 + 9);
	CHECK_INT(t, obol_cose_mac0_create(&key, &h, OBOL_COSE_UNTAGGED, NULL, 0, NULL, 0, out,
					   need - 1, &n), OBOL_ERR_NO_SPACE);
	CHECK_INT(t, n, need);
	CHECK_INT(t, obol_cose_mac0_create(&key, &h, OBOL_COSE_UNTAGGED, NULL, 0, NULL, 0, out,
					   need, &n), OBOL_OK);
	CHECK_INT(t, obol_cose_mac0_verify(out, n, 0, &key, NULL, 0, NULL, &p, &pl), OBOL_OK);
	CHECK(t, pl == 0);
	h.alg = OBOL_ALG_AES_CCM_16_64_128;
	CHECK_INT(t, obol_cose_mac0_create(&key, &h, 0, NULL, 0, NULL, 0, out, sizeof out, &n),
		  OBOL_ERR_COSE_ALG);
	h.alg = 0;
	key.alg = OBOL_ALG_HMAC_256_256;
	CHECK_INT(t, obol_cose_mac0_create(&key, NULL, 0, kidc, 3, (const uint8_t *)PT, PT_LEN,
					   out, sizeof out, &n), OBOL_OK);
	CHECK_INT(t, n, 1 + 1 + 4 + 1 + 1 + PT_LEN + 2 + 32);
	CHECK_INT(t, obol_cose_mac0_verify(out, n, 0, &key, kidc, 3, NULL, &p, &pl), OBOL_OK);
	CHECK_INT(t, obol_cose_mac0_verify(out, n, 0, &key, kidc, 2, NULL, &p, &pl),
		  OBOL_ERR_CRYPTO_AUTH);
	key.k_len = 15;
	CHECK_INT(t, obol_cose_mac0_create(&key, NULL, 0, NULL, 0, NULL, 0, out, sizeof out, &n),
		  OBOL_ERR_CRYPTO_KEY);
	key.k_len = 32;
	key.kty = OBOL_COSE_KTY_EC2;
	CHECK_INT(t, obol_cose_mac0_create(&key, NULL, 0, NULL, 0, NULL, 0, out, sizeof out, &n),
		  OBOL_ERR_COSE_ALG_MISMATCH);
	key.kty = OBOL_COSE_KTY_SYMMETRIC;
	CHECK_INT(t, obol_cose_mac0_create(&key, NULL, 0, NULL, 0, NULL, 5, out, sizeof out, &n),
		  OBOL_ERR_ARG);
}

/* RFC 9052 C.2.1 / RFC 8032 7.1 test 1 keys. */
static const char ES_X[] = "bac5b11cad8f99f9c72b05cf4b9e26d244dc189f745228255a219a86d6a09eff";
static const char ES_Y[] = "20138bf82dc1b6d562be0fa54ab7804a3a64b6d72ccfed6b6fb6ed28bbfc117e";
static const char ES_D[] = "57c92077664146e876760c9520d054aa93c3afb04e306705db6090308507b4d3";
static const char ED_X[] = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";
static const char ED_D[] = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60";

/* Sign1 for both signature algorithms; on tiny: unsupported, explicitly. */
static void test_sign1(struct obol_test_ctx *t, int signs)
{
	uint8_t x[32], y[32], d[32], ex[32], ed[32], out[256], out2[256], buf[256];
	static const uint8_t kid[2] = {0x31, 0x31};
	struct obol_cose_key es, eddsa, k;
	struct obol_cose_hdr h, got;
	const uint8_t *p;
	size_t n = 0, pl = 0, need = 0;
	int i;

	unhex(t, ES_X, x, 32);
	unhex(t, ES_Y, y, 32);
	unhex(t, ES_D, d, 32);
	unhex(t, ED_X, ex, 32);
	unhex(t, ED_D, ed, 32);
	memset(&es, 0, sizeof es);
	es.kty = OBOL_COSE_KTY_EC2;
	es.crv = OBOL_COSE_CRV_P256;
	es.x = x;
	es.x_len = 32;
	es.y = y;
	es.y_len = 32;
	es.d = d;
	es.d_len = 32;
	memset(&eddsa, 0, sizeof eddsa);
	eddsa.kty = OBOL_COSE_KTY_OKP;
	eddsa.crv = OBOL_COSE_CRV_ED25519;
	eddsa.x = ex;
	eddsa.x_len = 32;
	eddsa.d = ed;
	eddsa.d_len = 32;

	for (i = 0; i < 2; i++) {
		struct obol_cose_key *key = i == 0 ? &es : &eddsa;
		memset(&h, 0, sizeof h);
		h.alg = i == 0 ? OBOL_ALG_ES256 : OBOL_ALG_EDDSA;
		h.kid = kid;
		h.kid_len = 2;
		/* measuring needs no crypto: the same on every backend */
		CHECK_INT(t, obol_cose_sign1_create(key, &h, 0, NULL, 0, (const uint8_t *)PT,
						    PT_LEN, NULL, 0, &need), OBOL_ERR_NO_SPACE);
		/* d2 84, 43 a1 01 xx, a1 04 42 3131, 54 PT, 58 40 sig */
		CHECK_INT(t, need, 2 + 4 + 5 + 1 + PT_LEN + 2 + 64);
		CHECK_INT(t, obol_cose_sign1_create(key, &h, 0, NULL, 0, (const uint8_t *)PT,
						    PT_LEN, out, need - 1, &n), OBOL_ERR_NO_SPACE);
		CHECK_INT(t, n, need);
		n = 0;
		if (!signs) {
			CHECK_INT(t, obol_cose_sign1_create(key, &h, 0, NULL, 0, (const uint8_t *)PT,
							    PT_LEN, out, need, &n),
				  OBOL_ERR_CRYPTO_UNSUPPORTED);
			CHECK_INT(t, n, 0);
			/* a well-formed message: verification is what is missing */
			n = unhex(t, i == 0 ? "d28443a10126a10442313154546869732069732074686520636f"
					      "6e74656e742e5840" : "d28443a10127a104423131545468"
					      "69732069732074686520636f6e74656e742e5840", out, sizeof out);
			memset(out + n, 0x55, 64);
			n += 64;
			CHECK_INT(t, obol_cose_sign1_verify(out, n, 0, key, NULL, 0, NULL, &p, &pl),
				  OBOL_ERR_CRYPTO_UNSUPPORTED);
			CHECK(t, p == NULL && pl == 0);
			continue;
		}
		CHECK_INT(t, obol_cose_sign1_create(key, &h, 0, NULL, 0, (const uint8_t *)PT,
						    PT_LEN, out, need, &n), OBOL_OK);
		CHECK_INT(t, n, need);
		CHECK_INT(t, obol_cose_sign1_verify(out, n, 0, key, NULL, 0, &got, &p, &pl), OBOL_OK);
		CHECK_MEM(t, p, pl, (const uint8_t *)PT, PT_LEN);
		CHECK_MEM(t, got.kid, got.kid_len, kid, 2);
		CHECK_INT(t, got.alg, h.alg);
		/* every byte of the signature matters */
		memcpy(buf, out, n);
		buf[n - 64] ^= 0x01;
		CHECK_INT(t, obol_cose_sign1_verify(buf, n, 0, key, NULL, 0, NULL, &p, &pl),
			  OBOL_ERR_CRYPTO_AUTH);
		memcpy(buf, out, n);
		buf[n - 1] ^= 0x80;
		CHECK_INT(t, obol_cose_sign1_verify(buf, n, 0, key, NULL, 0, NULL, &p, &pl),
			  OBOL_ERR_CRYPTO_AUTH);
		CHECK_INT(t, obol_cose_sign1_verify(out, n, 0, key, ex, 1, NULL, &p, &pl),
			  OBOL_ERR_CRYPTO_AUTH);
		/* a signature of another length: one code */
		memcpy(buf, out, n);
		buf[n - 65] = 0x3f; /* 58 40 -> 58 3f: 63 bytes */
		CHECK_INT(t, obol_cose_sign1_verify(buf, n - 1, 0, key, NULL, 0, NULL, &p, &pl),
			  OBOL_ERR_CRYPTO_AUTH);
		/* untagged, with external AAD */
		CHECK_INT(t, obol_cose_sign1_create(key, &h, OBOL_COSE_UNTAGGED, kid, 2,
						    (const uint8_t *)PT, PT_LEN, out, sizeof out, &n),
			  OBOL_OK);
		CHECK_INT(t, n, need - 1);
		CHECK_INT(t, obol_cose_sign1_verify(out, n, 0, key, kid, 2, NULL, &p, &pl), OBOL_OK);
		CHECK_INT(t, obol_cose_sign1_verify(out, n, 0, key, NULL, 0, NULL, &p, &pl),
			  OBOL_ERR_CRYPTO_AUTH);
	}
	if (signs) {
		/* Ed25519 is deterministic: the same signature twice. */
		memset(&h, 0, sizeof h);
		h.alg = OBOL_ALG_EDDSA;
		CHECK_INT(t, obol_cose_sign1_create(&eddsa, &h, 0, NULL, 0, NULL, 0, out,
						    sizeof out, &n), OBOL_OK);
		CHECK_INT(t, obol_cose_sign1_create(&eddsa, &h, 0, NULL, 0, NULL, 0, buf,
						    sizeof buf, &pl), OBOL_OK);
		CHECK_MEM(t, out, n, buf, pl);
	}

	/* Keys against alg (RFC 9053 2.1, 2.2), the same on every backend. */
	memset(&h, 0, sizeof h);
	h.alg = OBOL_ALG_ES256;
	sym_key(&k, K_HMAC, 32);
	CHECK_INT(t, obol_cose_sign1_create(&k, &h, 0, NULL, 0, NULL, 0, out, sizeof out, &n),
		  OBOL_ERR_COSE_ALG_MISMATCH);
	k = es;
	k.crv = 0;
	CHECK_INT(t, obol_cose_sign1_create(&k, &h, 0, NULL, 0, NULL, 0, out, sizeof out, &n),
		  OBOL_ERR_COSE_ALG_MISMATCH);
	k = es;
	k.alg = OBOL_ALG_EDDSA;
	CHECK_INT(t, obol_cose_sign1_create(&k, &h, 0, NULL, 0, NULL, 0, out, sizeof out, &n),
		  OBOL_ERR_COSE_ALG_MISMATCH);
	k = eddsa;
	CHECK_INT(t, obol_cose_sign1_create(&k, &h, 0, NULL, 0, NULL, 0, out, sizeof out, &n),
		  OBOL_ERR_COSE_ALG_MISMATCH);
	k = es;
	k.d_len = 0;
	CHECK_INT(t, obol_cose_sign1_create(&k, &h, 0, NULL, 0, NULL, 0, out, sizeof out, &n),
		  OBOL_ERR_CRYPTO_KEY);
	k.d = d;
	k.d_len = 31;
	CHECK_INT(t, obol_cose_sign1_create(&k, &h, 0, NULL, 0, NULL, 0, out, sizeof out, &n),
		  OBOL_ERR_CRYPTO_KEY);
	h.alg = OBOL_ALG_HMAC_256_256;
	CHECK_INT(t, obol_cose_sign1_create(&es, &h, 0, NULL, 0, NULL, 0, out, sizeof out, &n),
		  OBOL_ERR_COSE_ALG);
	/* An Ed448 key built by hand (OKP, crv 7): obol's EdDSA is Ed25519. */
	k = eddsa;
	k.crv = 7;
	h.alg = OBOL_ALG_EDDSA;
	CHECK_INT(t, obol_cose_sign1_create(&k, &h, 0, NULL, 0, NULL, 0, out, sizeof out, &n),
		  OBOL_ERR_COSE_ALG_MISMATCH);

	/* Verification keys: x and y of 32 bytes. A verifier reads the
	 * message first, so these need one: C.2.1. */
	n = unhex(t, "d28443a10126a10442313154546869732069732074686520636f6e74656e742e58408eb3"
		     "3e4ca31d1c465ab05aac34cc6b23d58fef5c083106c4d25a91aef0b0117e2af9a291aa32e1"
		     "4ab834dc56ed2a223444547e01f11d3b0916e5a4c345cacb36", out, sizeof out);
	k = es;
	CHECK_INT(t, obol_cose_sign1_verify(out, n, 0, &k, NULL, 0, NULL, &p, &pl),
		  signs ? OBOL_OK : OBOL_ERR_CRYPTO_UNSUPPORTED);
	k.x_len = 31;
	CHECK_INT(t, obol_cose_sign1_verify(out, n, 0, &k, NULL, 0, NULL, &p, &pl),
		  OBOL_ERR_CRYPTO_KEY);
	k = es;
	k.y = NULL;
	k.y_len = 0;
	CHECK_INT(t, obol_cose_sign1_verify(out, n, 0, &k, NULL, 0, NULL, &p, &pl),
		  OBOL_ERR_CRYPTO_KEY);
	k = es;
	k.kid = (const uint8_t *)"12";
	k.kid_len = 2;
	CHECK_INT(t, obol_cose_sign1_verify(out, n, 0, &k, NULL, 0, NULL, &p, &pl),
		  OBOL_ERR_COSE_KID);
	k = eddsa;
	CHECK_INT(t, obol_cose_sign1_verify(out, n, 0, &k, NULL, 0, NULL, &p, &pl),
		  OBOL_ERR_COSE_ALG_MISMATCH);
	sym_key(&k, K_HMAC, 32);
	CHECK_INT(t, obol_cose_sign1_verify(out, n, 0, &k, NULL, 0, NULL, &p, &pl),
		  OBOL_ERR_COSE_ALG_MISMATCH);
	CHECK_INT(t, obol_cose_sign1_verify(out, n, 0, NULL, NULL, 0, NULL, &p, &pl),
		  OBOL_ERR_ARG);
	CHECK_INT(t, obol_cose_sign1_verify(out, n, 0, &es, NULL, 1, NULL, &p, &pl),
		  OBOL_ERR_ARG);
	h.alg = OBOL_ALG_ES256;
	CHECK_INT(t, obol_cose_sign1_create(&es, &h, 0, NULL, 0, NULL, 1, out2, sizeof out2,
					    &need), OBOL_ERR_ARG);
	CHECK_INT(t, obol_cose_sign1_create(&es, &h, 0, NULL, 0, NULL, 0, out2, sizeof out2, NULL),
		  OBOL_ERR_ARG);
	if (signs) {
		/* not on the curve: the backend's key error passes through */
		k = es;
		memset(buf, 0, 32);
		buf[31] = 1;
		k.y = buf;
		CHECK_INT(t, obol_cose_sign1_verify(out, n, 0, &k, NULL, 0, NULL, &p, &pl),
			  OBOL_ERR_CRYPTO_KEY);
	}
	/* Ed25519 verification key: x of 32 bytes */
	n = unhex(t, "d28443a10127a10442313154546869732069732074686520636f6e74656e742e5840", out,
		  sizeof out);
	memset(out + n, 0x55, 64);
	n += 64;
	k = eddsa;
	k.x_len = 31;
	CHECK_INT(t, obol_cose_sign1_verify(out, n, 0, &k, NULL, 0, NULL, &p, &pl),
		  OBOL_ERR_CRYPTO_KEY);
	k.x_len = 32;
	CHECK_INT(t, obol_cose_sign1_verify(out, n, 0, &k, NULL, 0, NULL, &p, &pl),
		  signs ? OBOL_ERR_CRYPTO_AUTH : OBOL_ERR_CRYPTO_UNSUPPORTED);
}

/* ---- COSE_Key ----------------------------------------------------------- */

/* RFC 8392 A.2.3 (from ../shared/vectors/cwt, as printed in the RFC:
 * labels -4, -3, -2, -1, 1, 2, 3) and its deterministic re-encodings. */
static const char A23[] =
	"a72358206c1382765aec5358f117733d281c1c7bdc39884d04a45a1e6c67c858bc206c1922582060f7f1"
	"a780d8a783bfb7a2dd6b2796e8128dbbcef9d3d168db9529971a36e7b9215820143329cce7868e41692759"
	"9cf65a34f3ce2ffda55a7eca69ed8919a394d42f0f2001010202524173796d6d65747269634543445341"
	"3235360326";
static const char A23_DET[] =
	"a7010202524173796d6d6574726963454344534132353603262001215820143329cce7868e416927599cf6"
	"5a34f3ce2ffda55a7eca69ed8919a394d42f0f22582060f7f1a780d8a783bfb7a2dd6b2796e8128dbbce"
	"f9d3d168db9529971a36e7b92358206c1382765aec5358f117733d281c1c7bdc39884d04a45a1e6c67c8"
	"58bc206c19";
static const char A23_PUB[] =
	"a6010202524173796d6d6574726963454344534132353603262001215820143329cce7868e416927599cf6"
	"5a34f3ce2ffda55a7eca69ed8919a394d42f0f22582060f7f1a780d8a783bfb7a2dd6b2796e8128dbbce"
	"f9d3d168db9529971a36e7b9";
/* RFC 8392 A.2.1 and its deterministic re-encoding. */
static const char A21[] = "a42050231f4c4d4d3051fdc2ec0a3851d5b3830104024c53796d6d657472696331"
			  "3238030a";
static const char A21_DET[] = "a40104024c53796d6d6574726963313238030a2050231f4c4d4d3051fdc2"
			      "ec0a3851d5b383";

/* Write key, compare with want (hex), read it back: the same key. */
static void key_roundtrip(struct obol_test_ctx *t, const struct obol_cose_key *key,
			  int with_private, const char *want_hex)
{
	uint8_t buf[256], want[256];
	size_t wl = unhex(t, want_hex, want, sizeof want), n = 0, m = 0;
	struct obol_cose_key back, exp = *key;
	obol_cbor_enc e;

	obol_cbor_enc_init(&e, NULL, 0);
	obol_cose_key_write(&e, key, with_private);
	CHECK_INT(t, obol_cbor_enc_finish(&e, &m), OBOL_ERR_NO_SPACE);
	CHECK_INT(t, m, wl);
	obol_cbor_enc_init(&e, buf, wl - 1);
	obol_cose_key_write(&e, key, with_private);
	CHECK_INT(t, obol_cbor_enc_finish(&e, &m), OBOL_ERR_NO_SPACE);
	obol_cbor_enc_init(&e, buf, sizeof buf);
	obol_cose_key_write(&e, key, with_private);
	CHECK_INT(t, obol_cbor_enc_finish(&e, &n), OBOL_OK);
	CHECK_MEM(t, buf, n, want, wl);
	/* deterministic: the strictest decoding takes it */
	CHECK_INT(t, obol_cbor_validate(buf, n, OBOL_CBOR_DETERMINISTIC, NULL), OBOL_OK);
	CHECK_INT(t, obol_cose_key_decode(buf, n, &back), OBOL_OK);
	if (!with_private) {
		exp.d = NULL;
		exp.d_len = 0;
	}
	CHECK(t, same_key(&back, &exp));
}

static void test_keys(struct obol_test_ctx *t)
{
	uint8_t buf[256], x[32], d[32];
	struct obol_cose_key key, k2;
	obol_cbor_dec dec, map;
	size_t n;
	int64_t v;

	/* RFC 8392 A.2.3: P-256 with kid, alg ES256. */
	n = unhex(t, A23, buf, sizeof buf);
	CHECK_INT(t, obol_cose_key_decode(buf, n, &key), OBOL_OK);
	CHECK_INT(t, key.kty, OBOL_COSE_KTY_EC2);
	CHECK_INT(t, key.crv, OBOL_COSE_CRV_P256);
	CHECK_INT(t, key.alg, OBOL_ALG_ES256);
	CHECK_MEM(t, key.kid, key.kid_len, (const uint8_t *)"AsymmetricECDSA256", 18);
	CHECK(t, key.x_len == 32 && key.y_len == 32 && key.d_len == 32 && key.k_len == 0);
	CHECK(t, key.x == buf + 74 && key.d == buf + 4); /* views into buf */
	key_roundtrip(t, &key, 1, A23_DET);
	key_roundtrip(t, &key, 0, A23_PUB);

	/* RFC 8392 A.2.1: symmetric, alg 10. */
	n = unhex(t, A21, buf, sizeof buf);
	CHECK_INT(t, obol_cose_key_decode(buf, n, &key), OBOL_OK);
	CHECK_INT(t, key.kty, OBOL_COSE_KTY_SYMMETRIC);
	CHECK_INT(t, key.alg, OBOL_ALG_AES_CCM_16_64_128);
	CHECK_INT(t, key.k_len, 16);
	CHECK_INT(t, key.crv, 0);
	key_roundtrip(t, &key, 1, A21_DET);
	key_roundtrip(t, &key, 0, A21_DET); /* k is always written */

	/* OKP Ed25519, built here; and a Base IV on a symmetric key. */
	unhex(t, ED_X, x, 32);
	unhex(t, ED_D, d, 32);
	memset(&key, 0, sizeof key);
	key.kty = OBOL_COSE_KTY_OKP;
	key.crv = OBOL_COSE_CRV_ED25519;
	key.alg = OBOL_ALG_EDDSA;
	key.x = x;
	key.x_len = 32;
	key.d = d;
	key.d_len = 32;
	key_roundtrip(t, &key, 1,
		      "a5010103272006215820d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a"
		      "68f707511a2358209d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031c"
		      "ae7f60");
	key_roundtrip(t, &key, 0,
		      "a4010103272006215820d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a"
		      "68f707511a");
	sym_key(&key, K_AES, 16);
	key.base_iv = IV13;
	key.base_iv_len = 13;
	key.kid = (const uint8_t *)"k";
	key.kid_len = 1;
	key_roundtrip(t, &key, 1,
		      "a401040241" "6b" "054d89f52f65a1c580933b5261a72f2050849b57219dae48de646d07"
		      "dbb533566e");
	/* crv 0 in the view: obol's curve for the kty is written */
	memset(&key, 0, sizeof key);
	key.kty = OBOL_COSE_KTY_OKP;
	key.x = x;
	key.x_len = 32;
	{
		obol_cbor_enc e;
		obol_cbor_enc_init(&e, buf, sizeof buf);
		obol_cose_key_write(&e, &key, 1);
		CHECK_INT(t, obol_cbor_enc_finish(&e, &n), OBOL_OK);
		CHECK_INT(t, obol_cose_key_decode(buf, n, &k2), OBOL_OK);
		CHECK_INT(t, k2.crv, OBOL_COSE_CRV_ED25519);
		/* no key at all: a sticky OBOL_ERR_ARG */
		obol_cbor_enc_init(&e, buf, sizeof buf);
		obol_cose_key_write(&e, NULL, 1);
		CHECK_INT(t, obol_cbor_enc_finish(&e, &n), OBOL_ERR_ARG);
	}

	/* Bad keys: OBOL_ERR_COSE_KEY (or the CBOR error). */
	{
		static const struct {
			const char *hex;
			int want;
		} bad[] = {
			{"a10104", OBOL_ERR_COSE_KEY},                   /* Symmetric without k */
			{"a201042040", OBOL_ERR_COSE_KEY},               /* k empty */
			{"a201042001", OBOL_ERR_COSE_KEY},               /* k an int */
			{"a2200141", OBOL_ERR_CBOR_TRUNCATED},           /* truncated */
			{"a12041ab", OBOL_ERR_COSE_KEY},                 /* no kty */
			{"a2011863204101", OBOL_ERR_COSE_KEY},           /* kty 99 */
			{"a20103204101", OBOL_ERR_COSE_KEY},             /* kty 3 (RSA) */
			{"a2016345433220" "4101", OBOL_ERR_COSE_KEY},    /* kty "EC2" (text) */
			{"a301040300204101", OBOL_ERR_COSE_KEY},         /* alg 0 */
			{"a30104036441313238204101", OBOL_ERR_COSE_KEY}, /* alg "A128" */
			{"a3010402616b204101", OBOL_ERR_COSE_KEY},       /* kid text */
			{"a301040501204101", OBOL_ERR_COSE_KEY},         /* Base IV an int */
			{"a3010420410120" "4102", OBOL_ERR_CBOR_DUP_KEY},/* -1 twice */
			{"a30104410100204101", OBOL_ERR_COSE_KEY},       /* bstr label */
			{"80", OBOL_ERR_COSE_KEY},                       /* not a map */
			{"04", OBOL_ERR_COSE_KEY},
			{"a1010400", OBOL_ERR_CBOR_TRAILING},
			{"", OBOL_ERR_CBOR_TRUNCATED},
		};
		size_t i;
		for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
			n = unhex(t, bad[i].hex, buf, sizeof buf);
			memset(&key, 0x5a, sizeof key);
			CHECK_INT(t, obol_cose_key_decode(buf, n, &key), bad[i].want);
		}
	}
	/* EC2 / OKP shapes, built from the A.2.3 numbers: in the templates,
	 * X stands for a 32-byte bstr (A.2.3's x), Y for a 31-byte one. */
	{
		static const char X32[] = "5820143329cce7868e416927599cf65a34f3ce2ffda55a7eca69ed8919a394d42f0f";
		static const char X31[] = "581f143329cce7868e416927599cf65a34f3ce2ffda55a7eca69ed8919a394d42f";
		static const struct {
			const char *tmpl;
			int want;
		} shapes[] = {
			{"a40102200121X22X", OBOL_OK},                    /* EC2 P-256 public */
			{"a50102200121X22X23X", OBOL_OK},                 /* ... and private */
			{"a40102200121Y22X", OBOL_ERR_COSE_KEY},          /* x of 31 bytes */
			{"a40102200121X22Y", OBOL_ERR_COSE_KEY},          /* y of 31 */
			{"a50102200121X22X23Y", OBOL_ERR_COSE_KEY},       /* d of 31 */
			{"a50102200121X22X234100", OBOL_ERR_COSE_KEY},    /* d of 1 */
			{"a40102200621X22X", OBOL_ERR_COSE_KEY},          /* EC2 with crv 6 */
			{"a40102200221X22X", OBOL_ERR_COSE_KEY},          /* EC2 P-384 */
			{"a40102202021X22X", OBOL_ERR_COSE_KEY},          /* crv -1 */
			{"a4010220612121X22X", OBOL_ERR_COSE_KEY},        /* crv text */
			{"a30102200121X", OBOL_ERR_COSE_KEY},             /* no y */
			{"a40102200121X22", OBOL_ERR_CBOR_TRUNCATED},
			{"a40102200121X22f5", OBOL_ERR_COSE_KEY},         /* y compressed */
			{"a3010221X22X", OBOL_ERR_COSE_KEY},              /* no crv */
			{"a30101200621X", OBOL_OK},                       /* OKP Ed25519 */
			{"a40101200621X23X", OBOL_OK},                    /* ... private */
			{"a30101200621Y", OBOL_ERR_COSE_KEY},             /* x of 31 */
			{"a40101200621X23Y", OBOL_ERR_COSE_KEY},          /* d of 31 */
			{"a40101200621X2340", OBOL_ERR_COSE_KEY},         /* d empty */
			{"a201012006", OBOL_ERR_COSE_KEY},                /* no x */
			{"a2010121X", OBOL_ERR_COSE_KEY},                 /* OKP, no crv */
			{"a3010120617821X", OBOL_ERR_COSE_KEY},           /* OKP, crv text */
			{"a30101200121X", OBOL_ERR_COSE_KEY},             /* OKP crv 1 */
			{"a30101200421X", OBOL_ERR_COSE_KEY},             /* OKP X25519 */
			{"a30101200721X", OBOL_ERR_COSE_KEY},             /* OKP Ed448 */
		};
		size_t i;
		for (i = 0; i < sizeof shapes / sizeof shapes[0]; i++) {
			char hex[600];
			const char *s;
			size_t o = 0;
			for (s = shapes[i].tmpl; *s; s++) {
				if (*s == 'X' || *s == 'Y')
					o += (size_t)snprintf(hex + o, sizeof hex - o, "%s",
							      *s == 'X' ? X32 : X31);
				else
					hex[o++] = *s;
			}
			hex[o] = '\0';
			n = unhex(t, hex, buf, sizeof buf);
			CHECK_INT(t, obol_cose_key_decode(buf, n, &key), shapes[i].want);
		}
	}

	/* Ignored: key_ops, text labels, other labels, even large ones. */
	n = unhex(t, "a6010420410104810163666f6f003864f61bffffffffffffffff00", buf, sizeof buf);
	CHECK_INT(t, obol_cose_key_decode(buf, n, &key), OBOL_OK);
	CHECK(t, key.kty == OBOL_COSE_KTY_SYMMETRIC && key.k_len == 1 && key.k[0] == 1);
	n = unhex(t, "a30104204101" "3bffffffffffffffff00", buf, sizeof buf);
	CHECK_INT(t, obol_cose_key_decode(buf, n, &key), OBOL_OK);
	/* EC2/OKP labels on a symmetric key mean nothing: not kept */
	n = unhex(t, "a401042041012141022241" "03", buf, sizeof buf);
	CHECK_INT(t, obol_cose_key_decode(buf, n, &key), OBOL_OK);
	CHECK(t, key.x == NULL && key.x_len == 0 && key.y_len == 0);

	/* From a cursor: a cnf claim {8: {1: COSE_Key}} (RFC 8747 3.2). */
	n = unhex(t, "a208a101a20104204102" "03f5", buf, sizeof buf);
	CHECK_INT(t, obol_cbor_dec_init(&dec, buf, n, OBOL_CBOR_STRICT), OBOL_OK);
	{
		obol_cbor_dec cnf;
		CHECK_INT(t, obol_cbor_enter_map(&dec, &map, NULL), OBOL_OK);
		CHECK_INT(t, obol_cbor_get_int64(&map, &v), OBOL_OK);
		CHECK_INT(t, obol_cbor_enter_map(&map, &cnf, NULL), OBOL_OK);
		CHECK_INT(t, obol_cbor_get_int64(&cnf, &v), OBOL_OK);
		CHECK_INT(t, v, 1);
		/* not on a map: refused, the cursor stays */
		k2 = key;
		CHECK_INT(t, obol_cose_key_read(&map, &key), OBOL_ERR_COSE_KEY);
		CHECK_INT(t, obol_cose_key_read(&cnf, &key), OBOL_OK);
		CHECK(t, key.kty == OBOL_COSE_KTY_SYMMETRIC && key.k_len == 1 && key.k[0] == 2);
		CHECK(t, obol_cbor_at_end(&cnf));
		CHECK_INT(t, obol_cbor_leave(&map, &cnf), OBOL_OK);
		CHECK_INT(t, obol_cbor_get_int64(&map, &v), OBOL_OK);
		CHECK_INT(t, v, 3);
		CHECK_INT(t, obol_cose_key_read(&map, &key), OBOL_ERR_COSE_KEY);
		CHECK_INT(t, obol_cbor_peek(&map), OBOL_CBOR_SIMPLE);
		(void)k2;
	}
	/* A non-strict cursor: duplicate labels caught anyway; a bad key
	 * leaves the cursor where it was. */
	n = unhex(t, "a3010420410120410200", buf, sizeof buf);
	CHECK_INT(t, obol_cbor_dec_init(&dec, buf, n, OBOL_CBOR_SEQUENCE), OBOL_OK);
	CHECK_INT(t, obol_cose_key_read(&dec, &key), OBOL_ERR_COSE_KEY);
	CHECK_INT(t, obol_cbor_offset(&dec), 0);
	n = unhex(t, "a20104204101a2010420410200", buf, sizeof buf);
	CHECK_INT(t, obol_cbor_dec_init(&dec, buf, n, OBOL_CBOR_SEQUENCE), OBOL_OK);
	CHECK_INT(t, obol_cose_key_read(&dec, &key), OBOL_OK);
	CHECK_INT(t, obol_cbor_offset(&dec), 6);
	CHECK_INT(t, obol_cose_key_read(&dec, &key), OBOL_OK);
	CHECK_INT(t, key.k[0], 2);
	CHECK_INT(t, obol_cose_key_read(&dec, &key), OBOL_ERR_COSE_KEY);
	CHECK_INT(t, obol_cose_key_read(NULL, &key), OBOL_ERR_ARG);
	CHECK_INT(t, obol_cose_key_decode(buf, n, NULL), OBOL_ERR_ARG);
}

void test_cose(struct obol_test_ctx *t)
{
	int signs = backend_signs(t);

	test_vectors(t, signs);
	test_headers(t);
	test_kid_and_keys(t);
	test_encrypt0_rules(t);
	test_tags_and_format(t);
	test_create(t);
	test_sign1(t, signs);
	test_keys(t);
}
