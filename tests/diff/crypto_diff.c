/*
 * Differential test of the tiny crypto backend (src/crypto/tiny/) against
 * OpenSSL's libcrypto, called directly through EVP here (not through
 * obol's own OpenSSL backend), on seeded pseudo-random inputs:
 *
 *   sha256  messages of 0..1024 bytes in 1..8 random ranges (lengths:
 *           half uniform over the range, half short, see rnd_len)
 *   hmac    keys of 0..200 bytes (so both sides of the 64-byte block),
 *           messages of 0..1024 bytes in random ranges
 *   hkdf    salt, IKM and info of 0..200 bytes, L sampled in 1..255*32
 *   ccm8,   AES-128-CCM, 13-byte nonce, tag 8 or 16, AAD of 0..300 bytes
 *   ccm16   in random ranges, messages of 0..1024 bytes, sometimes in
 *           place: tiny encryption == EVP_aes_128_ccm byte for byte; tiny
 *           decryption of OpenSSL's output gives the message back; one
 *           flipped bit (ciphertext, tag, AAD or nonce) is rejected with
 *           OBOL_ERR_CRYPTO_AUTH and a zeroed output
 *   aes     the raw block function (two lanes) == EVP_aes_128_ecb, after
 *           the FIPS 197 [aes128] records of tests/vectors/crypto_kat.txt
 *
 * Cases rotate over the six kinds. The first mismatch is printed with its
 * inputs in hex and the exit status is 1; 0 only when everything matched.
 *
 *   usage: obol_crypto_diff [--count N] [--seed S] [--vectors FILE]
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>

#include "obol/crypto.h"
#include "../../src/crypto/tiny/tiny.h"

#define MSG_MAX 1024
#define AAD_MAX 300
#define KEY_MAX 200
#define OKM_MAX (255 * 32)

enum kind { K_SHA, K_HMAC, K_HKDF, K_CCM8, K_CCM16, K_AES, K_NUM };
static const char *const kind_name[K_NUM] = {
	"sha256", "hmac", "hkdf", "ccm8", "ccm16", "aes",
};

struct stats {
	unsigned long cases[K_NUM];
	unsigned long long bytes[K_NUM];
	double seconds[K_NUM];
	unsigned long tampered;
	unsigned long in_place;
};

/* ---- seeded PRNG: splitmix64 (Steele, Lea, Flood 2014) ------------------- */

static uint64_t rng;

static uint64_t rnd(void)
{
	uint64_t z = (rng += 0x9E3779B97F4A7C15ull);

	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}

/* Uniform enough in [0, n] (n is small against 2^64). */
static size_t rnd_upto(size_t n)
{
	return (size_t)(rnd() % ((uint64_t)n + 1));
}

/* A length in [0, max]: half of the time uniform over the whole range,
 * half of the time short (at most max / 8: the size of a protected CoAP
 * message, and where the block and padding edge cases are dense). */
static size_t rnd_len(size_t max)
{
	return (rnd() & 1) ? rnd_upto(max) : rnd_upto(max / 8);
}

static void rnd_bytes(uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = (uint8_t)rnd();
}

/* [p, p + len) as 1..max ranges cut at random points; an empty range has
 * a NULL pointer half of the time. Returns the number of ranges. */
static size_t rnd_split(const uint8_t *p, size_t len, struct obol_iov *v,
			size_t max)
{
	size_t n = 1 + rnd_upto(max - 1), i, at = 0;

	for (i = 0; i < n; i++) {
		size_t take = i + 1 == n ? len - at : rnd_upto(len - at);
		v[i].p = p + at;
		if (take == 0 && (rnd() & 1))
			v[i].p = NULL;
		v[i].len = take;
		at += take;
	}
	return n;
}

/* ---- reporting ------------------------------------------------------------ */

static void hex(const char *name, const uint8_t *p, size_t n)
{
	size_t i;

	printf("  %-8s (%zu) ", name, n);
	for (i = 0; i < n; i++)
		printf("%02x", p[i]);
	printf("\n");
}

static void splits(const char *name, const struct obol_iov *v, size_t n)
{
	size_t i;

	printf("  %-8s ranges:", name);
	for (i = 0; i < n; i++)
		printf(" %zu%s", v[i].len, v[i].p == NULL ? "(NULL)" : "");
	printf("\n");
}

static void mismatch(unsigned long i, enum kind k, const char *what)
{
	printf("MISMATCH in case %lu (%s): %s\n", i, kind_name[k], what);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- OpenSSL reference ---------------------------------------------------- */

static void die_openssl(const char *what)
{
	fprintf(stderr, "crypto_diff: OpenSSL failed: %s\n", what);
	exit(2);
}

static void ref_sha256(const uint8_t *p, size_t n, uint8_t out[32])
{
	static const uint8_t dummy[1];

	if (EVP_Digest(n ? p : dummy, n, out, NULL, EVP_sha256(), NULL) != 1)
		die_openssl("EVP_Digest");
}

static void ref_hmac(const uint8_t *key, size_t key_len, const uint8_t *p,
		     size_t n, uint8_t out[32])
{
	static const uint8_t dummy[1];
	size_t outl = 0;

	if (EVP_Q_mac(NULL, "HMAC", NULL, "SHA256", NULL, key_len ? key : dummy,
		      key_len, n ? p : dummy, n, out, 32, &outl) == NULL || outl != 32)
		die_openssl("EVP_Q_mac HMAC-SHA256");
}

static void ref_hkdf(const uint8_t *salt, size_t salt_len, const uint8_t *ikm,
		     size_t ikm_len, const uint8_t *info, size_t info_len,
		     uint8_t *out, size_t out_len)
{
	static uint8_t zero[32];
	static EVP_KDF *kdf; /* fetched once: a fetch costs more than a derive */
	EVP_KDF_CTX *ctx;
	OSSL_PARAM params[5], *q = params;
	char digest[] = "SHA256";

	if (salt_len == 0) { /* RFC 5869 2.2, spelled out for OpenSSL */
		salt = zero;
		salt_len = sizeof zero;
	}
	*q++ = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, digest, 0);
	*q++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY,
						 (void *)(uintptr_t)(ikm_len ? ikm : zero), ikm_len);
	*q++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT,
						 (void *)(uintptr_t)salt, salt_len);
	*q++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO,
						 (void *)(uintptr_t)(info_len ? info : zero), info_len);
	*q = OSSL_PARAM_construct_end();
	if (kdf == NULL)
		kdf = EVP_KDF_fetch(NULL, "HKDF", NULL);
	ctx = kdf ? EVP_KDF_CTX_new(kdf) : NULL;
	if (ctx == NULL || EVP_KDF_derive(ctx, out, out_len, params) != 1)
		die_openssl("EVP_KDF_derive HKDF");
	EVP_KDF_CTX_free(ctx);
}

/* EVP_aes_128_ccm, 13-byte nonce: out receives ct || tag. */
static void ref_ccm(const uint8_t key[16], const uint8_t nonce[13],
		    size_t tag_len, const uint8_t *aad, size_t aad_len,
		    const uint8_t *pt, size_t len, uint8_t *out)
{
	static const uint8_t dummy[1];
	uint8_t sink[16];
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	int outl;

	if (ctx == NULL ||
	    EVP_EncryptInit_ex(ctx, EVP_aes_128_ccm(), NULL, NULL, NULL) != 1 ||
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_IVLEN, 13, NULL) != 1 ||
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, (int)tag_len, NULL) != 1 ||
	    EVP_EncryptInit_ex(ctx, NULL, NULL, key, nonce) != 1 ||
	    EVP_EncryptUpdate(ctx, NULL, &outl, NULL, (int)len) != 1 ||
	    (aad_len && EVP_EncryptUpdate(ctx, NULL, &outl, aad, (int)aad_len) != 1) ||
	    EVP_EncryptUpdate(ctx, len ? out : sink, &outl, len ? pt : dummy, (int)len) != 1 ||
	    EVP_EncryptFinal_ex(ctx, sink, &outl) != 1 ||
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, (int)tag_len, out + len) != 1)
		die_openssl("EVP_aes_128_ccm");
	EVP_CIPHER_CTX_free(ctx);
}

static void ref_aes(const uint8_t key[16], const uint8_t *in, uint8_t *out,
		    size_t blocks)
{
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	int outl;

	if (ctx == NULL ||
	    EVP_EncryptInit_ex(ctx, EVP_aes_128_ecb(), NULL, key, NULL) != 1 ||
	    EVP_CIPHER_CTX_set_padding(ctx, 0) != 1 ||
	    EVP_EncryptUpdate(ctx, out, &outl, in, (int)(16 * blocks)) != 1)
		die_openssl("EVP_aes_128_ecb");
	EVP_CIPHER_CTX_free(ctx);
}

/* ---- the cases ------------------------------------------------------------ */

static int case_sha(unsigned long i, struct stats *st)
{
	uint8_t msg[MSG_MAX], want[32], got[32];
	struct obol_iov v[8];
	size_t len = rnd_len(MSG_MAX), n;

	rnd_bytes(msg, len);
	n = rnd_split(msg, len, v, 8);
	ref_sha256(msg, len, want);
	if (obol_port_sha256(v, n, got) != OBOL_OK || memcmp(got, want, 32) != 0) {
		mismatch(i, K_SHA, "SHA-256 differs");
		hex("msg", msg, len);
		splits("msg", v, n);
		hex("openssl", want, 32);
		hex("tiny", got, 32);
		return 0;
	}
	st->bytes[K_SHA] += len;
	return 1;
}

static int case_hmac(unsigned long i, struct stats *st)
{
	uint8_t key[KEY_MAX], msg[MSG_MAX], want[32], got[32];
	struct obol_iov v[8];
	size_t key_len = rnd_upto(KEY_MAX), len = rnd_len(MSG_MAX), n;

	rnd_bytes(key, key_len);
	rnd_bytes(msg, len);
	n = rnd_split(msg, len, v, 8);
	ref_hmac(key, key_len, msg, len, want);
	if (obol_port_hmac_sha256(key_len ? key : NULL, key_len, v, n, got) != OBOL_OK ||
	    memcmp(got, want, 32) != 0) {
		mismatch(i, K_HMAC, "HMAC-SHA-256 differs");
		hex("key", key, key_len);
		hex("msg", msg, len);
		splits("msg", v, n);
		hex("openssl", want, 32);
		hex("tiny", got, 32);
		return 0;
	}
	st->bytes[K_HMAC] += len;
	return 1;
}

static int case_hkdf(unsigned long i, struct stats *st)
{
	static uint8_t want[OKM_MAX + 1], got[OKM_MAX + 1];
	uint8_t salt[KEY_MAX], ikm[KEY_MAX], info[KEY_MAX];
	size_t salt_len = rnd_upto(KEY_MAX), ikm_len = rnd_upto(KEY_MAX);
	size_t info_len = rnd_upto(KEY_MAX), out_len;
	uint64_t r = rnd() % 10;

	/* L: mostly what OSCORE and EDHOC ask for, sometimes up to the
	 * RFC 5869 maximum of 255 blocks. */
	if (r < 6)
		out_len = 1 + rnd_upto(63);
	else if (r < 9)
		out_len = 1 + rnd_upto(511);
	else
		out_len = 1 + rnd_upto(OKM_MAX - 1);
	rnd_bytes(salt, salt_len);
	rnd_bytes(ikm, ikm_len);
	rnd_bytes(info, info_len);
	ref_hkdf(salt, salt_len, ikm, ikm_len, info, info_len, want, out_len);
	got[out_len] = 0x5A;
	if (obol_port_hkdf_sha256(salt_len ? salt : NULL, salt_len, ikm_len ? ikm : NULL,
				  ikm_len, info_len ? info : NULL, info_len, got,
				  out_len) != OBOL_OK ||
	    memcmp(got, want, out_len) != 0 || got[out_len] != 0x5A) {
		mismatch(i, K_HKDF, "HKDF-SHA-256 differs (or wrote past L)");
		hex("salt", salt, salt_len);
		hex("ikm", ikm, ikm_len);
		hex("info", info, info_len);
		printf("  L        %zu\n", out_len);
		hex("openssl", want, out_len);
		hex("tiny", got, out_len);
		return 0;
	}
	st->bytes[K_HKDF] += out_len;
	return 1;
}

static void ccm_dump(const uint8_t *key, const uint8_t *nonce, size_t tag_len,
		     const uint8_t *aad, size_t aad_len,
		     const struct obol_iov *a, size_t na, const uint8_t *pt,
		     size_t len)
{
	printf("  tag_len  %zu\n", tag_len);
	hex("key", key, 16);
	hex("nonce", nonce, 13);
	hex("aad", aad, aad_len);
	splits("aad", a, na);
	hex("pt", pt, len);
}

static int all_zero(const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i] != 0)
			return 0;
	return 1;
}

static int case_ccm(unsigned long i, size_t tag_len, struct stats *st)
{
	enum kind k = tag_len == 8 ? K_CCM8 : K_CCM16;
	uint8_t key[16], nonce[13], aad[AAD_MAX], pt[MSG_MAX];
	uint8_t want[MSG_MAX + 16], got[MSG_MAX + 16], dec[MSG_MAX + 16];
	struct obol_iov a[8], b[8];
	size_t aad_len = rnd_len(AAD_MAX), len = rnd_len(MSG_MAX), na, nb;
	size_t ct_len = len + tag_len, pos;
	int in_place = (rnd() & 3) == 0, err;
	const char *what;

	rnd_bytes(key, sizeof key);
	rnd_bytes(nonce, sizeof nonce);
	rnd_bytes(aad, aad_len);
	rnd_bytes(pt, len);
	na = rnd_split(aad, aad_len, a, 8);
	ref_ccm(key, nonce, tag_len, aad, aad_len, pt, len, want);

	/* Encryption, byte for byte (in place: out == pt). */
	if (in_place) {
		memcpy(got, pt, len);
		err = obol_port_aes_ccm_encrypt(key, nonce, tag_len, a, na, got, len, got);
		st->in_place++;
	} else {
		err = obol_port_aes_ccm_encrypt(key, nonce, tag_len, a, na,
						len ? pt : NULL, len, got);
	}
	if (err != OBOL_OK || memcmp(got, want, ct_len) != 0) {
		mismatch(i, k, in_place ? "CCM encryption (in place) differs"
					: "CCM encryption differs");
		ccm_dump(key, nonce, tag_len, aad, aad_len, a, na, pt, len);
		printf("  result   %d\n", err);
		hex("openssl", want, ct_len);
		hex("tiny", got, ct_len);
		return 0;
	}

	/* Decryption of OpenSSL's output, with the AAD split otherwise. */
	nb = rnd_split(aad, aad_len, b, 8);
	memset(dec, 0xA5, sizeof dec);
	err = obol_port_aes_ccm_decrypt(key, nonce, tag_len, b, nb, want, ct_len, dec);
	if (err != OBOL_OK || memcmp(dec, pt, len) != 0 || dec[len] != 0xA5) {
		mismatch(i, k, "CCM decryption of OpenSSL's output failed");
		ccm_dump(key, nonce, tag_len, aad, aad_len, b, nb, pt, len);
		printf("  result   %d\n", err);
		hex("input", want, ct_len);
		hex("tiny", dec, len);
		return 0;
	}

	/* One flipped bit somewhere: rejected, output zeroed. */
	/* Without ciphertext (or AAD) to flip, the next target is taken. */
	switch (rnd() % 4) {
	case 0:
		if (len > 0) {
			pos = rnd_upto(len - 1);
			want[pos] ^= (uint8_t)(1u << (rnd() & 7));
			what = "flipped ciphertext bit accepted or output not zeroed";
			break;
		}
		/* fall through */
	case 1:
		pos = len + rnd_upto(tag_len - 1);
		want[pos] ^= (uint8_t)(1u << (rnd() & 7));
		what = "flipped tag bit accepted or output not zeroed";
		break;
	case 2:
		if (aad_len > 0) {
			pos = rnd_upto(aad_len - 1);
			aad[pos] ^= (uint8_t)(1u << (rnd() & 7));
			what = "flipped AAD bit accepted or output not zeroed";
			break;
		}
		/* fall through */
	default:
		pos = rnd_upto(12);
		nonce[pos] ^= (uint8_t)(1u << (rnd() & 7));
		what = "flipped nonce bit accepted or output not zeroed";
		break;
	}
	memset(dec, 0xA5, sizeof dec);
	err = obol_port_aes_ccm_decrypt(key, nonce, tag_len, b, nb, want, ct_len, dec);
	if (err != OBOL_ERR_CRYPTO_AUTH || !all_zero(dec, len)) {
		mismatch(i, k, what);
		ccm_dump(key, nonce, tag_len, aad, aad_len, b, nb, pt, len);
		printf("  result   %d\n", err);
		hex("input", want, ct_len);
		hex("output", dec, len);
		return 0;
	}
	st->tampered++;
	st->bytes[k] += len + aad_len;
	return 1;
}

static int case_aes(unsigned long i, struct stats *st)
{
	uint8_t key[16], in[32], want[32], a[16], b[16];

	rnd_bytes(key, sizeof key);
	rnd_bytes(in, sizeof in);
	ref_aes(key, in, want, 2);
	memcpy(a, in, 16);
	memcpy(b, in + 16, 16);
	obol_tiny_aes128_encrypt2(key, a, b);
	if (memcmp(a, want, 16) != 0 || memcmp(b, want + 16, 16) != 0) {
		mismatch(i, K_AES, "AES-128 block (two lanes) differs");
		hex("key", key, 16);
		hex("in", in, 32);
		hex("openssl", want, 32);
		hex("tiny a", a, 16);
		hex("tiny b", b, 16);
		return 0;
	}
	st->bytes[K_AES] += 32;
	return 1;
}

/* ---- FIPS 197 known answers from the vector file --------------------------- */

static long unhex(const char *s, uint8_t *out, size_t cap)
{
	size_t n = 0;

	while (s[0] != '\0' && s[0] != '\n') {
		unsigned v;
		if (s[1] == '\0' || sscanf(s, "%2x", &v) != 1 || n == cap)
			return -1;
		out[n++] = (uint8_t)v;
		s += 2;
	}
	return (long)n;
}

/* Runs every [aes128] record; returns how many passed, -1 on a failure. */
static int fips197(const char *path)
{
	FILE *fp = fopen(path, "r");
	char line[2048];
	uint8_t key[16], pt[16], ct[16], got[16];
	long lk = -1, lp = -1, lc = -1;
	int in_aes = 0, passed = 0, lineno = 0, start = 0;

	if (fp == NULL) {
		printf("crypto_diff: cannot open %s (use --vectors)\n", path);
		return -1;
	}
	for (;;) {
		char *ok = fgets(line, sizeof line, fp);

		lineno++;
		if (ok == NULL || line[0] == '[') {
			if (in_aes) {
				if (lk != 16 || lp != 16 || lc != 16) {
					printf("crypto_diff: %s:%d: bad [aes128] record\n", path, start);
					fclose(fp);
					return -1;
				}
				obol_tiny_aes128_encrypt(key, pt, got);
				if (memcmp(got, ct, 16) != 0) {
					printf("MISMATCH: %s:%d ([aes128] known answer)\n", path, start);
					hex("key", key, 16);
					hex("pt", pt, 16);
					hex("expected", ct, 16);
					hex("tiny", got, 16);
					fclose(fp);
					return -1;
				}
				passed++;
			}
			if (ok == NULL)
				break;
			in_aes = strncmp(line, "[aes128]", 8) == 0;
			start = lineno;
			lk = lp = lc = -1;
			continue;
		}
		if (!in_aes)
			continue;
		if (strncmp(line, "key = ", 6) == 0)
			lk = unhex(line + 6, key, sizeof key);
		else if (strncmp(line, "pt = ", 5) == 0)
			lp = unhex(line + 5, pt, sizeof pt);
		else if (strncmp(line, "ct = ", 5) == 0)
			lc = unhex(line + 5, ct, sizeof ct);
	}
	fclose(fp);
	return passed;
}

/* The vector file: --vectors, else OBOL_TEST_VECTORS, else next to this
 * source file (tests/diff/../vectors/), which CMake names absolutely. */
static const char *default_vectors(char *buf, size_t cap)
{
#ifdef OBOL_TEST_VECTORS
	snprintf(buf, cap, "%s/crypto_kat.txt", OBOL_TEST_VECTORS);
#else
	const char *file = __FILE__;
	const char *slash = strrchr(file, '/');
	int dir = slash ? (int)(slash - file) : 0;

	snprintf(buf, cap, "%.*s%s../vectors/crypto_kat.txt", dir, file, slash ? "/" : "");
#endif
	return buf;
}


int main(int argc, char **argv)
{
	unsigned long count = 100000, i;
	uint64_t seed = 5869;
	char pathbuf[1024];
	const char *vectors = default_vectors(pathbuf, sizeof pathbuf);
	struct stats st;
	double t0, t1;
	int argi, kat, ok = 1;

	for (argi = 1; argi < argc; argi++) {
		if (strcmp(argv[argi], "--count") == 0 && argi + 1 < argc) {
			count = strtoul(argv[++argi], NULL, 10);
		} else if (strcmp(argv[argi], "--seed") == 0 && argi + 1 < argc) {
			seed = strtoull(argv[++argi], NULL, 10);
		} else if (strcmp(argv[argi], "--vectors") == 0 && argi + 1 < argc) {
			vectors = argv[++argi];
		} else {
			fprintf(stderr, "usage: %s [--count N] [--seed S] [--vectors FILE]\n",
				argv[0]);
			return 2;
		}
	}
	memset(&st, 0, sizeof st);
	rng = seed;
	t0 = now();

	/* The core helpers the tiny backend relies on. Calling them here
	 * also pulls src/core/ct.c into the link before libobol_crypto_tiny
	 * is scanned (tests/CMakeLists.txt lists obol_core first). */
	{
		uint8_t x[4] = {1, 2, 3, 4}, y[4] = {1, 2, 3, 5};
		if (obol_ct_equal(x, y, 4) != 0 || obol_ct_equal(x, y, 3) != 1) {
			printf("crypto_diff: obol_ct_equal is wrong\n");
			ok = 0;
		}
		obol_wipe(x, sizeof x);
		if (!all_zero(x, sizeof x)) {
			printf("crypto_diff: obol_wipe is wrong\n");
			ok = 0;
		}
	}
	kat = fips197(vectors);
	if (kat < 2) {
		printf("crypto_diff: FIPS 197 known answers: %d (expected at least 2)\n", kat);
		ok = 0;
	}
	for (i = 0; ok && i < count; i++) {
		enum kind k = (enum kind)(i % K_NUM);
		double c0 = now();

		switch (k) {
		case K_SHA:
			ok = case_sha(i, &st);
			break;
		case K_HMAC:
			ok = case_hmac(i, &st);
			break;
		case K_HKDF:
			ok = case_hkdf(i, &st);
			break;
		case K_CCM8:
			ok = case_ccm(i, 8, &st);
			break;
		case K_CCM16:
			ok = case_ccm(i, 16, &st);
			break;
		default:
			ok = case_aes(i, &st);
			break;
		}
		st.seconds[k] += now() - c0;
		if (ok)
			st.cases[k]++;
		if (!ok)
			printf("  (reproduce: --seed %" PRIu64 " --count %lu)\n", seed, i + 1);
	}
	t1 = now();

	printf("crypto_diff: tiny backend vs OpenSSL %s, seed %" PRIu64 ", %.2f s\n",
	       OpenSSL_version(OPENSSL_VERSION_STRING), seed, t1 - t0);
	printf("  FIPS 197 block vectors    %d\n", kat < 0 ? 0 : kat);
	for (i = 0; i < K_NUM; i++)
		printf("  %-8s %7lu cases %10.1f KiB %8.2f s\n", kind_name[i], st.cases[i],
		       (double)st.bytes[i] / 1024.0, st.seconds[i]);
	printf("  CCM: %lu tampered decryptions rejected, %lu encryptions in place\n",
	       st.tampered, st.in_place);
	{
		unsigned long passed = 0;
		for (i = 0; i < K_NUM; i++)
			passed += st.cases[i];
		printf("%lu passed, %d failed\n", passed, ok ? 0 : 1);
	}
	return ok ? 0 : 1;
}
