/*
 * The crypto contract (include/obol/crypto.h), tested through the contract
 * only, so that the same cases run against every backend: this file is
 * linked into obol_unit_openssl and obol_unit_tiny.
 *
 *   - known answers from tests/vectors/crypto_kat.txt (format described at
 *     the top of that file; each record cites its source): SHA-256,
 *     HMAC-SHA-256, HKDF-SHA-256, AES-CCM. The [aes128] records (FIPS 197
 *     block function) are counted but not run here: the raw block cipher
 *     is not part of the contract. tests/diff/crypto_diff.c runs them
 *     against the tiny backend's block function (and every CCM KAT here
 *     exercises that same function through CCM on the tiny backend);
 *   - properties: the same input split into ranges at every position gives
 *     the same output; in-place CCM; outputs aliasing inputs; any flipped
 *     bit (ciphertext, tag, AAD, nonce) gives OBOL_ERR_CRYPTO_AUTH with the
 *     output zeroed; bad arguments give OBOL_ERR_ARG; length limits;
 *   - obol_ct_equal, obol_wipe, obol_port_random;
 *   - signatures: on "tiny" every call must be OBOL_ERR_CRYPTO_UNSUPPORTED;
 *     on "openssl" Ed25519 and ES256 keygen/sign/verify round trips and
 *     rejections. Any other backend name fails: nothing is skipped.
 *
 * No malloc; stdio only to read the vector file.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "obol/crypto.h"
#include "test.h"

#ifndef OBOL_TEST_VECTORS
#error "OBOL_TEST_VECTORS must name the tests/vectors directory"
#endif
#define KAT_FILE OBOL_TEST_VECTORS "/crypto_kat.txt"

#define FIELD_MAX 640 /* longest value in the file: 300 bytes of AAD */
#define LINE_MAX_ 2048

enum field {
	F_KEY, F_MSG, F_MD, F_MAC, F_IKM, F_SALT, F_INFO, F_PRK, F_OKM,
	F_NONCE, F_AAD, F_PT, F_CT, F_NUM
};

static const char *const field_name[F_NUM] = {
	"key", "msg", "md", "mac", "ikm", "salt", "info", "prk", "okm",
	"nonce", "aad", "pt", "ct",
};

struct kat {
	char kind[16];
	char src[160];
	int line;              /* where the record starts */
	unsigned long repeat;  /* [sha256]: msg repeated; 0 = once */
	uint8_t v[F_NUM][FIELD_MAX];
	size_t len[F_NUM];
	int have[F_NUM];
};

struct kat_counts {
	unsigned sha256, hmac, hkdf, ccm8, ccm16, aes128;
};

/* ---- reporting with the vector's line ------------------------------------ */

static void kat_mem(struct obol_test_ctx *t, const struct kat *k,
		    const char *what, const uint8_t *got, size_t got_len,
		    const uint8_t *want, size_t want_len)
{
	char msg[128];

	snprintf(msg, sizeof msg, "kat line %d, %s", k->line, what);
	obol_test_check_mem(t, __FILE__, __LINE__, msg, got, got_len, want, want_len);
}

static void kat_int(struct obol_test_ctx *t, const struct kat *k,
		    const char *what, long long got, long long want)
{
	char msg[128];

	snprintf(msg, sizeof msg, "kat line %d, %s", k->line, what);
	obol_test_check_int(t, __FILE__, __LINE__, msg, got, want);
}

static void kat_fail(struct obol_test_ctx *t, const struct kat *k,
		     const char *what)
{
	char msg[160];

	t->checks++;
	snprintf(msg, sizeof msg, "kat line %d [%s]: %s", k->line, k->kind, what);
	obol_test_fail(t, __FILE__, __LINE__, msg);
}

static int all_zero(const uint8_t *p, size_t n)
{
	size_t i;
	uint8_t acc = 0;

	for (i = 0; i < n; i++)
		acc |= p[i];
	return acc == 0;
}

/* A range; NULL for an empty one, as callers may pass. */
static struct obol_iov iov(const uint8_t *p, size_t len)
{
	struct obol_iov v;

	v.p = len ? p : NULL;
	v.len = len;
	return v;
}

static int need(struct obol_test_ctx *t, const struct kat *k,
		const enum field *f, size_t n)
{
	size_t i;
	int ok = 1;

	for (i = 0; i < n; i++) {
		if (!k->have[f[i]]) {
			char what[64];
			snprintf(what, sizeof what, "field %s missing", field_name[f[i]]);
			kat_fail(t, k, what);
			ok = 0;
		}
	}
	return ok;
}

/* ---- SHA-256 ------------------------------------------------------------- */

static void run_sha256(struct obol_test_ctx *t, const struct kat *k)
{
	static const enum field f[] = {F_MSG, F_MD};
	const uint8_t *m = k->v[F_MSG];
	size_t len = k->len[F_MSG], p;
	uint8_t out[32];
	struct obol_iov v[3];
	char what[64];

	if (!need(t, k, f, 2))
		return;
	if (k->len[F_MD] != 32) {
		kat_fail(t, k, "md is not 32 bytes");
		return;
	}
	if (k->repeat > 1) {
		/* msg repeated: up to 1000 ranges over one chunk that holds
		 * msg several times (FIPS 180-2 B.3: 1000 x 1000 "a"). */
		uint8_t chunk[1024];
		struct obol_iov many[1000];
		size_t per = len ? sizeof chunk / len : 0, n, i;

		if (per > k->repeat)
			per = k->repeat;
		while (per > 1 && k->repeat % per != 0)
			per--; /* whole copies per range: 1000 for 10^6 */
		if (len == 0 || per == 0 || k->repeat / per > 1000) {
			kat_fail(t, k, "repeat does not fit 1000 ranges of 1 KiB");
			return;
		}
		for (i = 0; i < per; i++)
			memcpy(chunk + i * len, m, len);
		n = (size_t)(k->repeat / per);
		for (i = 0; i < n; i++)
			many[i] = iov(chunk, per * len);
		CHECK_INT(t, obol_port_sha256(many, n, out), OBOL_OK);
		kat_mem(t, k, "sha256 of repeated ranges", out, 32, k->v[F_MD], 32);
		return;
	}

	v[0] = iov(m, len);
	CHECK_INT(t, obol_port_sha256(v, 1, out), OBOL_OK);
	kat_mem(t, k, "sha256, one range", out, 32, k->v[F_MD], 32);
	if (len == 0) {
		memset(out, 0, sizeof out);
		CHECK_INT(t, obol_port_sha256(NULL, 0, out), OBOL_OK);
		kat_mem(t, k, "sha256 of no range", out, 32, k->v[F_MD], 32);
	}
	for (p = 0; p <= len; p++) {
		v[0] = iov(m, p);
		v[1] = iov(NULL, 0);
		v[2] = iov(m + p, len - p);
		memset(out, 0, sizeof out);
		CHECK_INT(t, obol_port_sha256(v, 3, out), OBOL_OK);
		snprintf(what, sizeof what, "sha256 split at %zu", p);
		kat_mem(t, k, what, out, 32, k->v[F_MD], 32);
	}
}

/* ---- HMAC-SHA-256 --------------------------------------------------------- */

static void run_hmac(struct obol_test_ctx *t, const struct kat *k)
{
	static const enum field f[] = {F_KEY, F_MSG, F_MAC};
	const uint8_t *m = k->v[F_MSG];
	size_t len = k->len[F_MSG], mac_len = k->len[F_MAC], p;
	uint8_t out[32];
	struct obol_iov v[2];
	char what[64];

	if (!need(t, k, f, 3))
		return;
	if (mac_len == 0 || mac_len > 32) {
		kat_fail(t, k, "mac is not 1..32 bytes");
		return;
	}
	v[0] = iov(m, len);
	CHECK_INT(t, obol_port_hmac_sha256(k->v[F_KEY], k->len[F_KEY], v, 1, out), OBOL_OK);
	kat_mem(t, k, "hmac, one range", out, mac_len, k->v[F_MAC], mac_len);
	for (p = 0; p <= len; p++) {
		v[0] = iov(m, p);
		v[1] = iov(m + p, len - p);
		memset(out, 0, sizeof out);
		CHECK_INT(t, obol_port_hmac_sha256(k->v[F_KEY], k->len[F_KEY], v, 2, out),
			  OBOL_OK);
		snprintf(what, sizeof what, "hmac split at %zu", p);
		kat_mem(t, k, what, out, mac_len, k->v[F_MAC], mac_len);
	}
}

/* ---- HKDF-SHA-256 --------------------------------------------------------- */

static void run_hkdf(struct obol_test_ctx *t, const struct kat *k)
{
	static const enum field f[] = {F_IKM, F_SALT, F_INFO, F_PRK, F_OKM};
	static const uint8_t zeros[32];
	static const size_t prefix[] = {1, 31, 32, 33};
	const uint8_t *salt = k->len[F_SALT] ? k->v[F_SALT] : NULL;
	const uint8_t *info = k->len[F_INFO] ? k->v[F_INFO] : NULL;
	size_t L = k->len[F_OKM], i;
	uint8_t out[FIELD_MAX];
	struct obol_iov v[1];
	char what[64];

	if (!need(t, k, f, 5))
		return;
	if (k->len[F_PRK] != 32 || L == 0) {
		kat_fail(t, k, "prk is not 32 bytes or okm is empty");
		return;
	}
	/* Extract, seen through HMAC: PRK = HMAC(salt, IKM); no salt means
	 * 32 zero bytes (RFC 5869 section 2.2). */
	v[0] = iov(k->v[F_IKM], k->len[F_IKM]);
	CHECK_INT(t, obol_port_hmac_sha256(salt, k->len[F_SALT], v, 1, out), OBOL_OK);
	kat_mem(t, k, "prk = hmac(salt, ikm)", out, 32, k->v[F_PRK], 32);
	if (salt == NULL) {
		CHECK_INT(t, obol_port_hmac_sha256(zeros, 32, v, 1, out), OBOL_OK);
		kat_mem(t, k, "prk = hmac(32 zero bytes, ikm)", out, 32, k->v[F_PRK], 32);
	}

	memset(out, 0, sizeof out);
	CHECK_INT(t, obol_port_hkdf_sha256(salt, k->len[F_SALT], k->v[F_IKM],
					   k->len[F_IKM], info, k->len[F_INFO], out, L),
		  OBOL_OK);
	kat_mem(t, k, "hkdf okm", out, L, k->v[F_OKM], L);
	if (salt == NULL) {
		memset(out, 0, sizeof out);
		CHECK_INT(t, obol_port_hkdf_sha256(zeros, 32, k->v[F_IKM], k->len[F_IKM],
						   info, k->len[F_INFO], out, L),
			  OBOL_OK);
		kat_mem(t, k, "hkdf okm, explicit zero salt", out, L, k->v[F_OKM], L);
	}
	/* A shorter L gives a prefix of the same OKM (RFC 5869 section 2.3),
	 * and writes nothing past L. */
	for (i = 0; i < sizeof prefix / sizeof prefix[0]; i++) {
		size_t l = prefix[i];
		if (l > L)
			continue;
		memset(out, 0xA5, sizeof out);
		CHECK_INT(t, obol_port_hkdf_sha256(salt, k->len[F_SALT], k->v[F_IKM],
						   k->len[F_IKM], info, k->len[F_INFO], out, l),
			  OBOL_OK);
		snprintf(what, sizeof what, "hkdf okm prefix of %zu bytes", l);
		kat_mem(t, k, what, out, l, k->v[F_OKM], l);
		CHECK(t, out[l] == 0xA5);
	}
}

/* ---- AES-CCM --------------------------------------------------------------- */

/* Decrypt must fail with AUTH and leave out all zero. */
static void ccm_reject(struct obol_test_ctx *t, const struct kat *k,
		       const char *what, const uint8_t *nonce, size_t tag_len,
		       const uint8_t *aad, size_t aad_len, const uint8_t *in,
		       size_t in_len)
{
	uint8_t out[FIELD_MAX];
	struct obol_iov a[1];
	size_t len = in_len - tag_len;
	char msg[80];

	a[0] = iov(aad, aad_len);
	memset(out, 0xA5, sizeof out);
	snprintf(msg, sizeof msg, "%s: decrypt result", what);
	kat_int(t, k, msg, obol_port_aes_ccm_decrypt(k->v[F_KEY], nonce, tag_len, a, 1,
						     in, in_len, out),
		OBOL_ERR_CRYPTO_AUTH);
	snprintf(msg, sizeof msg, "%s: output zeroed", what);
	kat_int(t, k, msg, all_zero(out, len), 1);
}

static void run_ccm(struct obol_test_ctx *t, const struct kat *k,
		    struct kat_counts *n)
{
	static const enum field f[] = {F_KEY, F_NONCE, F_AAD, F_PT, F_CT};
	const uint8_t *key = k->v[F_KEY], *nonce = k->v[F_NONCE];
	const uint8_t *aad = k->v[F_AAD], *pt = k->v[F_PT], *ct = k->v[F_CT];
	size_t aad_len = k->len[F_AAD], len = k->len[F_PT], ct_len = k->len[F_CT];
	size_t tag_len = ct_len - len, p;
	uint8_t out[FIELD_MAX], buf[FIELD_MAX], bad[FIELD_MAX], nonce2[13];
	struct obol_iov a[3];
	char what[80];

	if (!need(t, k, f, 5))
		return;
	if (k->len[F_KEY] != 16 || k->len[F_NONCE] != 13 || ct_len < len ||
	    (tag_len != 8 && tag_len != 16) || ct_len > FIELD_MAX) {
		kat_fail(t, k, "key/nonce/tag lengths are not 16/13/(8|16)");
		return;
	}
	if (tag_len == 8)
		n->ccm8++;
	else
		n->ccm16++;

	/* Encrypt: AAD as one range, as no range, split at every position
	 * (two ranges), and around an empty range (three). */
	a[0] = iov(aad, aad_len);
	memset(out, 0, sizeof out);
	CHECK_INT(t, obol_port_aes_ccm_encrypt(key, nonce, tag_len, a, 1, pt, len, out),
		  OBOL_OK);
	kat_mem(t, k, "ccm encrypt", out, ct_len, ct, ct_len);
	if (aad_len == 0) {
		memset(out, 0, sizeof out);
		CHECK_INT(t, obol_port_aes_ccm_encrypt(key, nonce, tag_len, NULL, 0,
						       len ? pt : NULL, len, out),
			  OBOL_OK);
		kat_mem(t, k, "ccm encrypt, no AAD range", out, ct_len, ct, ct_len);
	}
	for (p = 0; p <= aad_len; p++) {
		a[0] = iov(aad, p);
		a[1] = iov(aad + p, aad_len - p);
		memset(out, 0, sizeof out);
		CHECK_INT(t, obol_port_aes_ccm_encrypt(key, nonce, tag_len, a, 2, pt, len, out),
			  OBOL_OK);
		snprintf(what, sizeof what, "ccm encrypt, AAD split at %zu", p);
		kat_mem(t, k, what, out, ct_len, ct, ct_len);

		a[0] = iov(aad, p);
		a[1] = iov(NULL, 0);
		a[2] = iov(aad + p, aad_len - p);
		memset(out, 0, sizeof out);
		CHECK_INT(t, obol_port_aes_ccm_encrypt(key, nonce, tag_len, a, 3, pt, len, out),
			  OBOL_OK);
		snprintf(what, sizeof what, "ccm encrypt, AAD in 3 ranges at %zu", p);
		kat_mem(t, k, what, out, ct_len, ct, ct_len);
	}

	/* Decrypt, then with the AAD split. */
	a[0] = iov(aad, aad_len);
	memset(out, 0xA5, sizeof out);
	CHECK_INT(t, obol_port_aes_ccm_decrypt(key, nonce, tag_len, a, 1, ct, ct_len, out),
		  OBOL_OK);
	kat_mem(t, k, "ccm decrypt", out, len, pt, len);
	CHECK(t, out[len] == 0xA5); /* writes only len bytes */
	for (p = 0; p <= aad_len; p += aad_len > 40 ? 17 : 1) {
		a[0] = iov(aad, p);
		a[1] = iov(aad + p, aad_len - p);
		memset(out, 0, sizeof out);
		CHECK_INT(t, obol_port_aes_ccm_decrypt(key, nonce, tag_len, a, 2, ct, ct_len, out),
			  OBOL_OK);
		snprintf(what, sizeof what, "ccm decrypt, AAD split at %zu", p);
		kat_mem(t, k, what, out, len, pt, len);
	}

	/* In place: out == pt, then out == in. */
	memcpy(buf, pt, len);
	a[0] = iov(aad, aad_len);
	CHECK_INT(t, obol_port_aes_ccm_encrypt(key, nonce, tag_len, a, 1, buf, len, buf),
		  OBOL_OK);
	kat_mem(t, k, "ccm encrypt in place", buf, ct_len, ct, ct_len);
	CHECK_INT(t, obol_port_aes_ccm_decrypt(key, nonce, tag_len, a, 1, buf, ct_len, buf),
		  OBOL_OK);
	kat_mem(t, k, "ccm decrypt in place", buf, len, pt, len);

	/* Tampering: one flipped bit anywhere is rejected, output zeroed. */
	if (len > 0) {
		memcpy(bad, ct, ct_len);
		bad[0] ^= 0x01;
		ccm_reject(t, k, "first ciphertext bit", nonce, tag_len, aad, aad_len, bad, ct_len);
		memcpy(bad, ct, ct_len);
		bad[len - 1] ^= 0x80;
		ccm_reject(t, k, "last ciphertext bit", nonce, tag_len, aad, aad_len, bad, ct_len);
	}
	memcpy(bad, ct, ct_len);
	bad[len] ^= 0x01;
	ccm_reject(t, k, "first tag bit", nonce, tag_len, aad, aad_len, bad, ct_len);
	memcpy(bad, ct, ct_len);
	bad[ct_len - 1] ^= 0x80;
	ccm_reject(t, k, "last tag bit", nonce, tag_len, aad, aad_len, bad, ct_len);
	if (aad_len > 0) {
		memcpy(buf, aad, aad_len);
		buf[aad_len / 2] ^= 0x10;
		ccm_reject(t, k, "AAD bit", nonce, tag_len, buf, aad_len, ct, ct_len);
		/* One AAD byte less is another AAD. */
		ccm_reject(t, k, "AAD truncated", nonce, tag_len, aad, aad_len - 1, ct, ct_len);
	} else {
		static const uint8_t one[1] = {0};
		ccm_reject(t, k, "AAD added", nonce, tag_len, one, 1, ct, ct_len);
	}
	memcpy(nonce2, nonce, 13);
	nonce2[12] ^= 0x01;
	ccm_reject(t, k, "nonce bit", nonce2, tag_len, aad, aad_len, ct, ct_len);
	/* The same bytes read with the other tag length: another B0. */
	if (ct_len >= 24 - tag_len)
		ccm_reject(t, k, "other tag length", nonce, 24 - tag_len, aad, aad_len, ct, ct_len);
	/* In place too: the tampered input is the output buffer. */
	if (len > 0) {
		memcpy(buf, ct, ct_len);
		buf[len / 2] ^= 0x04;
		a[0] = iov(aad, aad_len);
		CHECK_INT(t, obol_port_aes_ccm_decrypt(key, nonce, tag_len, a, 1, buf, ct_len, buf),
			  OBOL_ERR_CRYPTO_AUTH);
		CHECK(t, all_zero(buf, len));
	}
}

/* ---- the vector file ------------------------------------------------------ */

static void run_record(struct obol_test_ctx *t, struct kat *k,
		       struct kat_counts *n)
{
	if (k->kind[0] == '\0')
		return;
	if (k->src[0] == '\0')
		kat_fail(t, k, "record without src");
	if (strcmp(k->kind, "sha256") == 0) {
		n->sha256++;
		run_sha256(t, k);
	} else if (strcmp(k->kind, "hmac_sha256") == 0) {
		n->hmac++;
		run_hmac(t, k);
	} else if (strcmp(k->kind, "hkdf_sha256") == 0) {
		n->hkdf++;
		run_hkdf(t, k);
	} else if (strcmp(k->kind, "aes_ccm") == 0) {
		run_ccm(t, k, n);
	} else if (strcmp(k->kind, "aes128") == 0) {
		/* The block function is not in the contract: crypto_diff.c
		 * runs these against the tiny backend. */
		n->aes128++;
	} else {
		kat_fail(t, k, "unknown record kind");
	}
}

static void clear_record(struct kat *k, int line)
{
	memset(k->have, 0, sizeof k->have);
	memset(k->len, 0, sizeof k->len);
	k->kind[0] = '\0';
	k->src[0] = '\0';
	k->repeat = 0;
	k->line = line;
}

static void test_kat_file(struct obol_test_ctx *t)
{
	static struct kat k; /* 8 KiB: static rather than on the stack */
	struct kat_counts n = {0, 0, 0, 0, 0, 0};
	char line[LINE_MAX_];
	int lineno = 0;
	FILE *fp = fopen(KAT_FILE, "r");

	CHECK(t, fp != NULL);
	if (fp == NULL)
		return;
	clear_record(&k, 0);
	while (fgets(line, sizeof line, fp) != NULL) {
		size_t len = strlen(line);
		char *eq, *name, *val, *end;
		int i;

		lineno++;
		if (len == sizeof line - 1 && line[len - 1] != '\n') {
			kat_fail(t, &k, "line too long");
			break;
		}
		while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r' ||
				   line[len - 1] == ' '))
			line[--len] = '\0';
		if (len == 0 || line[0] == '#')
			continue;
		if (line[0] == '[') {
			run_record(t, &k, &n);
			clear_record(&k, lineno);
			end = strchr(line, ']');
			if (end == NULL || (size_t)(end - line - 1) >= sizeof k.kind) {
				kat_fail(t, &k, "bad [kind] line");
				continue;
			}
			memcpy(k.kind, line + 1, (size_t)(end - line - 1));
			k.kind[end - line - 1] = '\0';
			continue;
		}
		eq = strchr(line, '=');
		if (eq == NULL || k.kind[0] == '\0') {
			kat_fail(t, &k, "line is not name = value inside a record");
			continue;
		}
		name = line;
		end = eq;
		while (end > name && end[-1] == ' ')
			end--;
		*end = '\0';
		val = eq + 1;
		while (*val == ' ')
			val++;
		if (strcmp(name, "src") == 0) {
			snprintf(k.src, sizeof k.src, "%s", val);
			continue;
		}
		if (strcmp(name, "repeat") == 0) {
			k.repeat = strtoul(val, NULL, 10);
			continue;
		}
		for (i = 0; i < F_NUM; i++)
			if (strcmp(name, field_name[i]) == 0)
				break;
		if (i == F_NUM || k.have[i]) {
			kat_fail(t, &k, "unknown or repeated field");
			continue;
		}
		{
			long got = obol_test_unhex(val, k.v[i], FIELD_MAX);
			if (got < 0) {
				kat_fail(t, &k, "bad hex or value too long");
				continue;
			}
			k.len[i] = (size_t)got;
			k.have[i] = 1;
		}
	}
	run_record(t, &k, &n);
	fclose(fp);

	{
		char msg[160];
		snprintf(msg, sizeof msg,
			 "crypto vectors: sha256 %u, hmac %u, hkdf %u, aes-ccm %u (M=8) + %u (M=16), "
			 "aes128 %u (run by obol_crypto_diff)",
			 n.sha256, n.hmac, n.hkdf, n.ccm8, n.ccm16, n.aes128);
		t->out(msg);
	}
	/* The file must still hold everything that was transcribed into it:
	 * a truncated or emptied file fails here, not silently. */
	CHECK(t, n.aes128 >= 2);  /* FIPS 197 B, C.1 */
	CHECK(t, n.sha256 >= 4);  /* empty, abc, 448 bits, a x 10^6 */
	CHECK(t, n.hmac >= 7);    /* RFC 4231 1..7 */
	CHECK(t, n.hkdf >= 3);    /* RFC 5869 A.1..A.3 */
	CHECK(t, n.ccm8 >= 17);   /* RFC 3610 #1-6, #13-18; COSE x 3; generated */
	CHECK(t, n.ccm16 >= 7);   /* Wycheproof 226..231; generated */
}

/* ---- properties without vectors ------------------------------------------ */

static void fill(uint8_t *p, size_t n, unsigned seed)
{
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = (uint8_t)(seed + i * 31u + (i >> 3));
}

static uint8_t big[65536 + 32]; /* for the length limits (64 KiB) */

static void test_ccm_args(struct obol_test_ctx *t)
{
	uint8_t key[16], nonce[13], pt[32], out[64], ct[48];
	struct obol_iov a[2], bad_range[1];
	size_t i;

	fill(key, sizeof key, 1);
	fill(nonce, sizeof nonce, 2);
	fill(pt, sizeof pt, 3);
	a[0] = iov(pt, 5);
	bad_range[0].p = NULL;
	bad_range[0].len = 3;

	/* A good call first, so that every failure below is the argument's. */
	CHECK_INT(t, obol_port_aes_ccm_encrypt(key, nonce, 8, a, 1, pt, 32, ct), OBOL_OK);
	CHECK_INT(t, obol_port_aes_ccm_decrypt(key, nonce, 8, a, 1, ct, 40, out), OBOL_OK);

	for (i = 0; i <= 20; i++) {
		if (i == 8 || i == 16)
			continue;
		CHECK_INT(t, obol_port_aes_ccm_encrypt(key, nonce, i, a, 1, pt, 32, out),
			  OBOL_ERR_ARG);
		CHECK_INT(t, obol_port_aes_ccm_decrypt(key, nonce, i, a, 1, ct, 40, out),
			  OBOL_ERR_ARG);
	}
	CHECK_INT(t, obol_port_aes_ccm_encrypt(NULL, nonce, 8, a, 1, pt, 32, out), OBOL_ERR_ARG);
	CHECK_INT(t, obol_port_aes_ccm_encrypt(key, NULL, 8, a, 1, pt, 32, out), OBOL_ERR_ARG);
	CHECK_INT(t, obol_port_aes_ccm_encrypt(key, nonce, 8, NULL, 1, pt, 32, out), OBOL_ERR_ARG);
	CHECK_INT(t, obol_port_aes_ccm_encrypt(key, nonce, 8, bad_range, 1, pt, 32, out),
		  OBOL_ERR_ARG);
	CHECK_INT(t, obol_port_aes_ccm_encrypt(key, nonce, 8, a, 1, NULL, 32, out), OBOL_ERR_ARG);
	CHECK_INT(t, obol_port_aes_ccm_encrypt(key, nonce, 8, a, 1, pt, 32, NULL), OBOL_ERR_ARG);
	CHECK_INT(t, obol_port_aes_ccm_encrypt(key, nonce, 8, a, 1, NULL, 0, NULL), OBOL_ERR_ARG);
	CHECK_INT(t, obol_port_aes_ccm_decrypt(NULL, nonce, 8, a, 1, ct, 40, out), OBOL_ERR_ARG);
	CHECK_INT(t, obol_port_aes_ccm_decrypt(key, NULL, 8, a, 1, ct, 40, out), OBOL_ERR_ARG);
	CHECK_INT(t, obol_port_aes_ccm_decrypt(key, nonce, 8, NULL, 1, ct, 40, out), OBOL_ERR_ARG);
	CHECK_INT(t, obol_port_aes_ccm_decrypt(key, nonce, 8, bad_range, 1, ct, 40, out),
		  OBOL_ERR_ARG);
	CHECK_INT(t, obol_port_aes_ccm_decrypt(key, nonce, 8, a, 1, NULL, 40, out), OBOL_ERR_ARG);
	CHECK_INT(t, obol_port_aes_ccm_decrypt(key, nonce, 8, a, 1, ct, 40, NULL), OBOL_ERR_ARG);
	/* Shorter than the tag: no ciphertext can be that short. */
	CHECK_INT(t, obol_port_aes_ccm_decrypt(key, nonce, 8, a, 1, ct, 7, out), OBOL_ERR_ARG);
	CHECK_INT(t, obol_port_aes_ccm_decrypt(key, nonce, 16, a, 1, ct, 15, out), OBOL_ERR_ARG);
	/* Exactly the tag: an empty message, NULL output allowed. */
	CHECK_INT(t, obol_port_aes_ccm_encrypt(key, nonce, 16, a, 1, NULL, 0, out), OBOL_OK);
	CHECK_INT(t, obol_port_aes_ccm_decrypt(key, nonce, 16, a, 1, out, 16, NULL), OBOL_OK);
	CHECK_INT(t, obol_port_aes_ccm_decrypt(key, nonce, 16, NULL, 0, out, 16, NULL),
		  OBOL_ERR_CRYPTO_AUTH); /* the AAD is part of the tag */
	/* AAD ranges may be empty ones with NULL. */
	a[0] = iov(NULL, 0);
	a[1] = iov(pt, 5);
	CHECK_INT(t, obol_port_aes_ccm_decrypt(key, nonce, 8, a, 2, ct, 40, out), OBOL_OK);
	CHECK_MEM(t, out, 32, pt, 32);
}

/* RFC 3610: l(m) < 2^16 with L = 2; AAD with the 2-byte length form. */
static void test_ccm_limits(struct obol_test_ctx *t)
{
	uint8_t key[16], nonce[13], first[16];
	struct obol_iov a[70];
	size_t n;

	fill(key, sizeof key, 4);
	fill(nonce, sizeof nonce, 5);

	/* The longest message: 65535 bytes, round trip in place. */
	fill(big, 65535, 6);
	memcpy(first, big, sizeof first);
	CHECK_INT(t, obol_port_aes_ccm_encrypt(key, nonce, 16, NULL, 0, big, 65535, big),
		  OBOL_OK);
	CHECK(t, memcmp(big, first, sizeof first) != 0);
	CHECK_INT(t, obol_port_aes_ccm_decrypt(key, nonce, 16, NULL, 0, big, 65535 + 16, big),
		  OBOL_OK);
	CHECK_MEM(t, big, sizeof first, first, sizeof first);
	/* One more byte is refused before anything is read or written. */
	CHECK_INT(t, obol_port_aes_ccm_encrypt(key, nonce, 8, NULL, 0, big, 65536, big),
		  OBOL_ERR_ARG);
	CHECK_INT(t, obol_port_aes_ccm_decrypt(key, nonce, 8, NULL, 0, big, 65536 + 8, big),
		  OBOL_ERR_ARG);

	/* AAD of 2^16 - 2^8 - 1 bytes (the largest with a 2-byte length):
	 * 63 ranges of 1020 bytes and one of 1019 over one buffer. */
	fill(big, 1024, 7);
	for (n = 0; n < 63; n++)
		a[n] = iov(big, 1020);
	a[n++] = iov(big, 65279 - 63 * 1020);
	CHECK_INT(t, obol_port_aes_ccm_encrypt(key, nonce, 8, a, n, big + 2048, 16,
					       big + 4096),
		  OBOL_OK);
	CHECK_INT(t, obol_port_aes_ccm_decrypt(key, nonce, 8, a, n, big + 4096, 24,
					       big + 8192),
		  OBOL_OK);
	CHECK_MEM(t, big + 8192, 16, big + 2048, 16);
	a[n - 1].len++; /* 2^16 - 2^8: would need the 6-byte form */
	{
		/* The contract limits AAD to the 2-byte length form (crypto.h);
		 * every backend refuses more. */
		CHECK_INT(t, obol_port_aes_ccm_encrypt(key, nonce, 8, a, n, big + 2048, 16,
						       big + 4096),
			  OBOL_ERR_ARG);
		CHECK_INT(t, obol_port_aes_ccm_decrypt(key, nonce, 8, a, n, big + 4096, 24,
						       big + 8192),
			  OBOL_ERR_ARG);
		/* Ranges whose sum overflows size_t are refused too. */
		a[0].len = (size_t)-1;
		CHECK_INT(t, obol_port_aes_ccm_encrypt(key, nonce, 8, a, 2, big + 2048, 16,
						       big + 4096),
			  OBOL_ERR_ARG);
	}
}

/* Outputs that alias inputs exactly (contract: allowed). */
static void test_aliasing(struct obol_test_ctx *t)
{
	uint8_t key[32], msg[32], want[32], buf[32];
	struct obol_iov v[2];

	fill(key, sizeof key, 8);
	fill(msg, sizeof msg, 9);
	v[0] = iov(msg, 32);
	CHECK_INT(t, obol_port_hmac_sha256(key, 32, v, 1, want), OBOL_OK);
	memcpy(buf, key, 32); /* out == key */
	CHECK_INT(t, obol_port_hmac_sha256(buf, 32, v, 1, buf), OBOL_OK);
	CHECK_MEM(t, buf, 32, want, 32);
	memcpy(buf, msg, 32); /* out == the message range */
	v[0] = iov(buf, 32);
	CHECK_INT(t, obol_port_hmac_sha256(key, 32, v, 1, buf), OBOL_OK);
	CHECK_MEM(t, buf, 32, want, 32);

	v[0] = iov(msg, 32);
	CHECK_INT(t, obol_port_sha256(v, 1, want), OBOL_OK);
	memcpy(buf, msg, 32);
	v[0] = iov(buf, 32);
	CHECK_INT(t, obol_port_sha256(v, 1, buf), OBOL_OK);
	CHECK_MEM(t, buf, 32, want, 32);

	/* HKDF: out == ikm, out == info, out == salt (32 bytes each). */
	CHECK_INT(t, obol_port_hkdf_sha256(key, 32, msg, 32, msg, 32, want, 32), OBOL_OK);
	memcpy(buf, msg, 32);
	CHECK_INT(t, obol_port_hkdf_sha256(key, 32, buf, 32, msg, 32, buf, 32), OBOL_OK);
	CHECK_MEM(t, buf, 32, want, 32);
	memcpy(buf, msg, 32);
	CHECK_INT(t, obol_port_hkdf_sha256(key, 32, msg, 32, buf, 32, buf, 32), OBOL_OK);
	CHECK_MEM(t, buf, 32, want, 32);
	memcpy(buf, key, 32);
	CHECK_INT(t, obol_port_hkdf_sha256(buf, 32, msg, 32, msg, 32, buf, 32), OBOL_OK);
	CHECK_MEM(t, buf, 32, want, 32);
}

static void test_hash_args(struct obol_test_ctx *t)
{
	static const uint8_t one[1] = {0x61};
	uint8_t out[64], key[100];
	struct obol_iov v[2], bad[1];
	size_t len;

	v[0] = iov(one, 1);
	bad[0].p = NULL;
	bad[0].len = 1;
	CHECK_INT(t, obol_port_sha256(NULL, 1, out), OBOL_ERR_ARG);
	CHECK_INT(t, obol_port_sha256(bad, 1, out), OBOL_ERR_ARG);
	CHECK_INT(t, obol_port_sha256(v, 1, NULL), OBOL_ERR_ARG);

	CHECK_INT(t, obol_port_hmac_sha256(NULL, 1, v, 1, out), OBOL_ERR_ARG);
	CHECK_INT(t, obol_port_hmac_sha256(one, 1, NULL, 1, out), OBOL_ERR_ARG);
	CHECK_INT(t, obol_port_hmac_sha256(one, 1, bad, 1, out), OBOL_ERR_ARG);
	CHECK_INT(t, obol_port_hmac_sha256(one, 1, v, 1, NULL), OBOL_ERR_ARG);
	/* Empty key and empty message are fine. */
	CHECK_INT(t, obol_port_hmac_sha256(NULL, 0, NULL, 0, out), OBOL_OK);

	CHECK_INT(t, obol_port_hkdf_sha256(NULL, 1, one, 1, NULL, 0, out, 32), OBOL_ERR_ARG);
	CHECK_INT(t, obol_port_hkdf_sha256(NULL, 0, NULL, 1, NULL, 0, out, 32), OBOL_ERR_ARG);
	CHECK_INT(t, obol_port_hkdf_sha256(NULL, 0, one, 1, NULL, 1, out, 32), OBOL_ERR_ARG);
	CHECK_INT(t, obol_port_hkdf_sha256(NULL, 0, one, 1, NULL, 0, NULL, 32), OBOL_ERR_ARG);
	/* L = 0 and L > 255 * HashLen (RFC 5869 section 2.3). */
	CHECK_INT(t, obol_port_hkdf_sha256(NULL, 0, one, 1, NULL, 0, out, 0), OBOL_ERR_ARG);
	CHECK_INT(t, obol_port_hkdf_sha256(NULL, 0, one, 1, NULL, 0, big, 255 * 32 + 1),
		  OBOL_ERR_ARG);
	/* The largest L works, and every one of its 255 blocks is
	 * T(i) = HMAC(PRK, T(i-1) | info | i) (RFC 5869 section 2.3),
	 * recomputed here through the contract's HMAC. */
	CHECK_INT(t, obol_port_hkdf_sha256(one, 1, one, 1, one, 1, big, 255 * 32), OBOL_OK);
	v[0] = iov(one, 1);
	CHECK_INT(t, obol_port_hmac_sha256(one, 1, v, 1, key), OBOL_OK); /* PRK */
	{
		uint8_t ctr, prev[32];
		struct obol_iov e[3];
		size_t blk;
		int differ = 0;

		for (blk = 0; blk < 255; blk++) {
			ctr = (uint8_t)(blk + 1);
			e[0] = iov(prev, blk ? 32 : 0);
			e[1] = iov(one, 1);
			e[2] = iov(&ctr, 1);
			CHECK_INT(t, obol_port_hmac_sha256(key, 32, e, 3, out), OBOL_OK);
			differ |= memcmp(out, big + 32 * blk, 32) != 0;
			memcpy(prev, out, 32);
		}
		CHECK_INT(t, differ, 0);
	}
	/* Empty IKM is legal (RFC 5869 does not forbid it). */
	CHECK_INT(t, obol_port_hkdf_sha256(NULL, 0, NULL, 0, NULL, 0, out, 42), OBOL_OK);

	/* HKDF with a salt longer than the HMAC block equals HKDF with the
	 * salt's hash (RFC 2104: long keys are hashed first). */
	fill(key, sizeof key, 10);
	v[0] = iov(key, sizeof key);
	CHECK_INT(t, obol_port_sha256(v, 1, out + 32), OBOL_OK);
	CHECK_INT(t, obol_port_hkdf_sha256(key, sizeof key, one, 1, one, 1, out, 32), OBOL_OK);
	len = 32;
	CHECK_INT(t, obol_port_hkdf_sha256(out + 32, len, one, 1, one, 1, big, 32), OBOL_OK);
	CHECK_MEM(t, out, 32, big, 32);
}

static void test_ct_wipe_random(struct obol_test_ctx *t)
{
	uint8_t a[32], b[32], r1[32], r2[32], w[40];
	size_t i;
	int bit;

	fill(a, sizeof a, 11);
	memcpy(b, a, sizeof b);
	CHECK_INT(t, obol_ct_equal(a, b, 32), 1);
	CHECK_INT(t, obol_ct_equal(a, b, 0), 1);
	b[0] ^= 1;
	CHECK_INT(t, obol_ct_equal(a, b, 32), 0);
	CHECK_INT(t, obol_ct_equal(a, b, 0), 1); /* n = 0: nothing differs */
	b[0] ^= 1;
	b[31] ^= 0x80;
	CHECK_INT(t, obol_ct_equal(a, b, 32), 0);
	CHECK_INT(t, obol_ct_equal(a, b, 31), 1);
	b[31] ^= 0x80;
	/* Every single-bit difference, at every position. */
	for (i = 0; i < 32; i++) {
		for (bit = 0; bit < 8; bit++) {
			b[i] ^= (uint8_t)(1u << bit);
			CHECK_INT(t, obol_ct_equal(a, b, 32), 0);
			b[i] ^= (uint8_t)(1u << bit);
		}
	}
	CHECK_INT(t, obol_ct_equal(a, b, 32), 1);

	memset(w, 0xFF, sizeof w);
	obol_wipe(w + 4, 32);
	CHECK(t, w[3] == 0xFF && w[36] == 0xFF);
	CHECK(t, all_zero(w + 4, 32));
	obol_wipe(w, 0);
	CHECK(t, w[0] == 0xFF);

	CHECK_INT(t, obol_port_random(r1, sizeof r1), OBOL_OK);
	CHECK_INT(t, obol_port_random(r2, sizeof r2), OBOL_OK);
	CHECK(t, memcmp(r1, r2, sizeof r1) != 0);
	CHECK(t, !all_zero(r1, sizeof r1) && !all_zero(r2, sizeof r2));
	CHECK_INT(t, obol_port_random(r1, 0), OBOL_OK);
}

/* ---- signatures ------------------------------------------------------------ */

static void test_sign_unsupported(struct obol_test_ctx *t)
{
	static const int algs[] = {OBOL_ALG_ES256, OBOL_ALG_EDDSA, OBOL_ALG_AES_CCM_16_64_128};
	uint8_t priv[32], pub[64], sig[64];
	struct obol_iov m[1];
	size_t i, sig_len;

	fill(priv, sizeof priv, 12);
	fill(pub, sizeof pub, 13);
	fill(sig, sizeof sig, 14);
	m[0] = iov(priv, 5);
	for (i = 0; i < sizeof algs / sizeof algs[0]; i++) {
		sig_len = sizeof sig;
		CHECK_INT(t, obol_port_keygen(algs[i], priv, 32, pub, 64),
			  OBOL_ERR_CRYPTO_UNSUPPORTED);
		CHECK_INT(t, obol_port_sign(algs[i], priv, 32, m, 1, sig, &sig_len),
			  OBOL_ERR_CRYPTO_UNSUPPORTED);
		CHECK_INT(t, obol_port_verify(algs[i], pub, 64, m, 1, sig, 64),
			  OBOL_ERR_CRYPTO_UNSUPPORTED);
	}
}

static void sign_round_trip(struct obol_test_ctx *t, int alg, size_t priv_len,
			    size_t pub_len)
{
	static const uint8_t part1[] = "Signature1 structure, ";
	static const uint8_t part2[] = "in two ranges";
	uint8_t priv[32], pub[64], sig[64], joined[64];
	struct obol_iov m[2], one[1];
	size_t sig_len = sizeof sig, l1 = sizeof part1 - 1, l2 = sizeof part2 - 1;

	CHECK_INT(t, obol_port_keygen(alg, priv, priv_len, pub, pub_len), OBOL_OK);
	m[0] = iov(part1, l1);
	m[1] = iov(part2, l2);
	CHECK_INT(t, obol_port_sign(alg, priv, priv_len, m, 2, sig, &sig_len), OBOL_OK);
	CHECK_INT(t, sig_len, 64);
	CHECK_INT(t, obol_port_verify(alg, pub, pub_len, m, 2, sig, sig_len), OBOL_OK);
	/* The ranges are one message: joined, it verifies too. */
	memcpy(joined, part1, l1);
	memcpy(joined + l1, part2, l2);
	one[0] = iov(joined, l1 + l2);
	CHECK_INT(t, obol_port_verify(alg, pub, pub_len, one, 1, sig, sig_len), OBOL_OK);
	/* A flipped bit in the signature, or in the message. */
	sig[0] ^= 0x01;
	CHECK_INT(t, obol_port_verify(alg, pub, pub_len, m, 2, sig, sig_len),
		  OBOL_ERR_CRYPTO_AUTH);
	sig[0] ^= 0x01;
	sig[63] ^= 0x80;
	CHECK_INT(t, obol_port_verify(alg, pub, pub_len, m, 2, sig, sig_len),
		  OBOL_ERR_CRYPTO_AUTH);
	sig[63] ^= 0x80;
	joined[3] ^= 0x20;
	CHECK_INT(t, obol_port_verify(alg, pub, pub_len, one, 1, sig, sig_len),
		  OBOL_ERR_CRYPTO_AUTH);
	/* Too little room for the signature. */
	sig_len = 63;
	CHECK_INT(t, obol_port_sign(alg, priv, priv_len, m, 2, sig, &sig_len),
		  OBOL_ERR_NO_SPACE);
}

static void test_sign_openssl(struct obol_test_ctx *t)
{
	uint8_t key[64], sig[64];
	struct obol_iov m[1];
	size_t sig_len = sizeof sig;

	sign_round_trip(t, OBOL_ALG_EDDSA, OBOL_ED25519_PRIV_LEN, OBOL_ED25519_PUB_LEN);
	sign_round_trip(t, OBOL_ALG_ES256, OBOL_P256_PRIV_LEN, OBOL_P256_PUB_LEN);
	/* Algorithms that are not signatures. */
	fill(key, sizeof key, 15);
	m[0] = iov(key, 8);
	CHECK_INT(t, obol_port_sign(OBOL_ALG_HMAC_256_256, key, 32, m, 1, sig, &sig_len),
		  OBOL_ERR_CRYPTO_UNSUPPORTED);
	CHECK_INT(t, obol_port_verify(OBOL_ALG_AES_CCM_16_64_128, key, 32, m, 1, sig, 64),
		  OBOL_ERR_CRYPTO_UNSUPPORTED);
}

void test_crypto(struct obol_test_ctx *t)
{
	const char *backend = obol_port_backend();
	int tiny = strcmp(backend, "tiny") == 0;
	int openssl = strcmp(backend, "openssl") == 0;

	CHECK(t, tiny || openssl); /* a new backend must be added here */
	test_kat_file(t);
	test_ccm_args(t);
	test_ccm_limits(t);
	test_aliasing(t);
	test_hash_args(t);
	test_ct_wipe_random(t);
	if (tiny)
		test_sign_unsupported(t);
	if (openssl)
		test_sign_openssl(t);
}
