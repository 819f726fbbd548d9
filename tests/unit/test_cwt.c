/*
 * CWT (include/obol/cwt.h) and AIF (include/obol/aif.h).
 *
 *   - AIF-REST (RFC 9237): the RFC's example, every method bit, unknown
 *     codes, dynamic bits, duplicate paths, prefixes, invalid AIF, writing;
 *   - claims sets: RFC 8392 A.1, RFC 8747 3.2-3.4, RFC 9200 / RFC 9203
 *     figures (tests/vectors/cwt_*.txt, ace_examples.txt), decoded with
 *     their values checked and re-encoded (byte for byte where the RFC's
 *     encoding is deterministic); every claim of the wrong type, with its
 *     exact error; encoding all claims and refusing to encode bad ones;
 *   - tokens: RFC 8392 A.3-A.7 (Sign1, Mac0 in tag 61, Encrypt0, nested,
 *     and A.7's float date, refused on purpose); tokens made with
 *     obol_cwt_protect() and run through obol_cwt_validate() against each
 *     rule of the policy (audience, exp, nbf, no clock, no expiry, keys
 *     and kids, accepted protections, tags, tampering);
 *   - obol_cwt_exi_expired() at its edges, wraparound included.
 *
 * The suite runs against every crypto backend: the tiny backend has no
 * signatures, so every Sign1 case checks OBOL_ERR_CRYPTO_UNSUPPORTED there
 * (decided by obol_port_backend(), never skipped).
 *
 * Vector files are read with stdio (a PC-only suite, like cbor_vectors);
 * no allocation: fixed buffers on the stack.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "obol/aif.h"
#include "obol/cose.h"
#include "obol/crypto.h"
#include "obol/cwt.h"
#include "test.h"

#ifndef OBOL_TEST_VECTORS
#error "OBOL_TEST_VECTORS (path of tests/vectors) must be defined"
#endif

#define F_8392 OBOL_TEST_VECTORS "/cwt_rfc8392.txt"
#define F_8747 OBOL_TEST_VECTORS "/cwt_rfc8747.txt"
#define F_ACE OBOL_TEST_VECTORS "/ace_examples.txt"
#define F_DERIVED OBOL_TEST_VECTORS "/cwt_derived.txt"

/* Values in each file (a data line each): every one is used below. */
#define N_8392 16
#define N_8747 6
#define N_ACE 11
#define N_DERIVED 6

#define BUF 512 /* largest vector: RFC 8392 A.6, 260 bytes */

#define ACCEPT_E0 ((uint32_t)1 << OBOL_COSE_TAG_ENCRYPT0)
#define ACCEPT_M0 ((uint32_t)1 << OBOL_COSE_TAG_MAC0)
#define ACCEPT_S1 ((uint32_t)1 << OBOL_COSE_TAG_SIGN1)

/* ---- helpers --------------------------------------------------------------- */

static void failf(struct obol_test_ctx *t, int line, const char *a,
		  const char *b, const char *c)
{
	char buf[300];
	snprintf(buf, sizeof buf, "%.90s %.90s %.90s", a, b, c);
	obol_test_fail(t, __FILE__, line, buf);
}

/* The bytes of (id, field) in a vector file; -1 (and a failure) if the
 * line is missing or its hex bad. */
static long vec(struct obol_test_ctx *t, const char *file, const char *id,
		const char *field, uint8_t *out, size_t cap)
{
	char line[2048];
	long n = -1;
	FILE *f = fopen(file, "r");

	if (f == NULL) {
		failf(t, __LINE__, "cannot open", file, "");
		return -1;
	}
	while (fgets(line, sizeof line, f) != NULL) {
		size_t len = strlen(line);
		char *a, *b;

		while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			line[--len] = '\0';
		if (len == 0 || line[0] == '#')
			continue;
		a = strchr(line, '\t');
		b = a != NULL ? strchr(a + 1, '\t') : NULL;
		if (b == NULL)
			continue;
		*a++ = '\0';
		*b++ = '\0';
		if (strcmp(line, id) == 0 && strcmp(a, field) == 0) {
			n = obol_test_unhex(b, out, cap);
			break;
		}
	}
	fclose(f);
	if (n < 0)
		failf(t, __LINE__, "vector missing or bad:", id, field);
	t->checks++;
	return n;
}

/* Data lines in a vector file (each must be one value the suite uses). */
static unsigned vec_lines(const char *file)
{
	char line[2048];
	unsigned n = 0;
	FILE *f = fopen(file, "r");

	if (f == NULL)
		return 0;
	while (fgets(line, sizeof line, f) != NULL)
		if (line[0] != '#' && line[0] != '\n' && line[0] != '\r')
			n++;
	fclose(f);
	return n;
}

static size_t unhex(const char *hex, uint8_t *out, size_t cap)
{
	long n = obol_test_unhex(hex, out, cap);
	return n < 0 ? 0 : (size_t)n;
}

static int is_openssl(void)
{
	return strcmp(obol_port_backend(), "openssl") == 0;
}

/* What a Sign1 operation must give on this backend. */
static int sign_ok(int err_if_supported)
{
	return is_openssl() ? err_if_supported : OBOL_ERR_CRYPTO_UNSUPPORTED;
}

static int text_eq(const char *p, size_t n, const char *s)
{
	return p != NULL && strlen(s) == n && memcmp(p, s, n) == 0;
}

/* Encode c into out; returns the encoder's finish() result. */
static int encode(const struct obol_cwt_claims *c, uint8_t *out, size_t cap,
		  size_t *len)
{
	obol_cbor_enc e;
	obol_cbor_enc_init(&e, out, cap);
	obol_cwt_encode_claims(&e, c);
	return obol_cbor_enc_finish(&e, len);
}

/* Decode hex as a claims set and compare the error with want. */
static void decode_err(struct obol_test_ctx *t, int line, const char *hex,
		       int want)
{
	uint8_t buf[BUF];
	struct obol_cwt_claims c;
	size_t n = unhex(hex, buf, sizeof buf);

	obol_test_check_int(t, __FILE__, line, hex,
			    obol_cwt_decode_claims(buf, n, &c), want);
}

static struct obol_cwt_policy policy(int64_t now, const char *const *aud,
				     size_t naud)
{
	struct obol_cwt_policy p;
	memset(&p, 0, sizeof p);
	p.audiences = aud;
	p.naud = naud;
	p.now = now;
	return p;
}

/* ---- AIF ----------------------------------------------------------------- */

/* Write one entry [path, perm] into buf; returns its length. */
static size_t aif1(const char *path, uint64_t perm, uint8_t *buf, size_t cap)
{
	struct obol_aif_entry x;
	obol_cbor_enc e;
	size_t len = 0;

	x.path = path;
	x.path_len = strlen(path);
	x.perm = perm;
	obol_cbor_enc_init(&e, buf, cap);
	obol_aif_write(&e, &x, 1);
	if (obol_cbor_enc_finish(&e, &len) != OBOL_OK)
		return 0;
	return len;
}

static int allows(const uint8_t *aif, size_t len, const char *path,
		  unsigned code)
{
	return obol_aif_allows(aif, len, path, strlen(path), code);
}

static void aif_invalid(struct obol_test_ctx *t, int line, const char *hex,
			int want_validate)
{
	uint8_t buf[64];
	uint64_t perm = 99;
	size_t n = unhex(hex, buf, sizeof buf);

	obol_test_check_int(t, __FILE__, line, hex, obol_aif_validate(buf, n),
			    want_validate);
	/* perm and allows say OBOL_ERR_AIF for anything invalid, CBOR too */
	obol_test_check_int(t, __FILE__, line, hex,
			    obol_aif_perm(buf, n, "/temp", 5, &perm), OBOL_ERR_AIF);
	obol_test_check_int(t, __FILE__, line, hex, (long long)perm, 0);
	obol_test_check_int(t, __FILE__, line, hex,
			    obol_aif_allows(buf, n, "/temp", 5, 1), OBOL_ERR_AIF);
}

static void test_aif(struct obol_test_ctx *t)
{
	static const char *const paths[] = {"/s/temp", "/a/led", "/dtls"};
	static const uint64_t perms[] = {1, 5, 2};
	struct obol_aif_entry ent[3];
	uint8_t rfc[64], buf[128];
	long n;
	size_t len, i;
	unsigned code;
	uint64_t perm;
	obol_cbor_enc e;

	/* obol_aif_method_bit: CoAP codes 1..7 only */
	CHECK_INT(t, obol_aif_method_bit(0), 0);
	for (code = 1; code <= 7; code++)
		CHECK(t, obol_aif_method_bit(code) == (uint64_t)1 << (code - 1));
	CHECK_INT(t, obol_aif_method_bit(8), 0);
	CHECK_INT(t, obol_aif_method_bit(0x45), 0); /* 2.05 Content */
	CHECK_INT(t, obol_aif_method_bit(0xffffffffu), 0);
	CHECK(t, OBOL_AIF_DYNAMIC(OBOL_AIF_GET) == (uint64_t)1 << 32);

	/* RFC 9237 Figures 1 and 2 */
	n = vec(t, F_ACE, "rfc9237-fig1-2-aif-rest", "aif", rfc, sizeof rfc);
	if (n <= 0)
		return;
	CHECK_INT(t, obol_aif_validate(rfc, (size_t)n), OBOL_OK);
	for (i = 0; i < 3; i++) {
		perm = 99;
		CHECK_INT(t, obol_aif_perm(rfc, (size_t)n, paths[i],
					   strlen(paths[i]), &perm), OBOL_OK);
		CHECK(t, perm == perms[i]);
		for (code = 0; code <= 8; code++)
			CHECK_INT(t, allows(rfc, (size_t)n, paths[i], code),
				  (perms[i] & obol_aif_method_bit(code)) != 0);
	}
	CHECK_INT(t, allows(rfc, (size_t)n, "/s/temp", 1), 1);   /* GET */
	CHECK_INT(t, allows(rfc, (size_t)n, "/s/temp", 3), 0);   /* PUT */
	CHECK_INT(t, allows(rfc, (size_t)n, "/a/led", 3), 1);    /* PUT */
	CHECK_INT(t, allows(rfc, (size_t)n, "/a/led", 2), 0);    /* POST */
	CHECK_INT(t, allows(rfc, (size_t)n, "/dtls", 2), 1);     /* POST */
	CHECK_INT(t, allows(rfc, (size_t)n, "/dtls", 1), 0);
	CHECK_INT(t, allows(rfc, (size_t)n, "/s", 1), 0);        /* a prefix */
	CHECK_INT(t, allows(rfc, (size_t)n, "/s/temp/", 1), 0);
	CHECK_INT(t, allows(rfc, (size_t)n, "/", 1), 0);
	CHECK_INT(t, obol_aif_allows(rfc, (size_t)n, NULL, 0, 1), 0);
	perm = 99;
	CHECK_INT(t, obol_aif_perm(rfc, (size_t)n, "/nothing", 8, &perm), OBOL_OK);
	CHECK(t, perm == 0);

	/* writing it back gives the RFC's bytes; measuring gives the size */
	for (i = 0; i < 3; i++) {
		ent[i].path = paths[i];
		ent[i].path_len = strlen(paths[i]);
		ent[i].perm = perms[i];
	}
	obol_cbor_enc_init(&e, buf, sizeof buf);
	obol_aif_write(&e, ent, 3);
	CHECK_INT(t, obol_cbor_enc_finish(&e, &len), OBOL_OK);
	CHECK_MEM(t, buf, len, rfc, (size_t)n);
	obol_cbor_enc_init(&e, NULL, 0);
	obol_aif_write(&e, ent, 3);
	CHECK_INT(t, obol_cbor_enc_finish(&e, &len), OBOL_ERR_NO_SPACE);
	CHECK_INT(t, len, n);

	/* each method bit alone allows exactly its method */
	for (code = 1; code <= 7; code++) {
		unsigned m;
		len = aif1("/temp", obol_aif_method_bit(code), buf, sizeof buf);
		CHECK(t, len > 0);
		CHECK_INT(t, obol_aif_validate(buf, len), OBOL_OK);
		for (m = 0; m <= 9; m++)
			CHECK_INT(t, allows(buf, len, "/temp", m), m == code);
		CHECK_INT(t, allows(buf, len, "/temp", 0x45), 0);
		CHECK_INT(t, allows(buf, len, "/temp", 255), 0);
		/* dynamic variant only: the path itself is not allowed */
		len = aif1("/temp", OBOL_AIF_DYNAMIC(obol_aif_method_bit(code)),
			   buf, sizeof buf);
		CHECK(t, len > 0);
		CHECK_INT(t, obol_aif_validate(buf, len), OBOL_OK);
		for (m = 0; m <= 9; m++)
			CHECK_INT(t, allows(buf, len, "/temp", m), 0);
		perm = 0;
		CHECK_INT(t, obol_aif_perm(buf, len, "/temp", 5, &perm), OBOL_OK);
		CHECK(t, perm == OBOL_AIF_DYNAMIC(obol_aif_method_bit(code)));
	}

	/* all 14 defined bits: every method, and nothing for other codes */
	len = aif1("/temp", 0x7f | OBOL_AIF_DYNAMIC(0x7f), buf, sizeof buf);
	CHECK(t, len > 0);
	for (code = 0; code <= 300; code++)
		CHECK_INT(t, allows(buf, len, "/temp", code), code >= 1 && code <= 7);

	/* the same path twice: the union; another path stays apart */
	len = unhex("8382652f74656d700182652f74656d700482652f686f6d6502", buf,
		    sizeof buf); /* [["/temp",1],["/temp",4],["/home",2]] */
	CHECK_INT(t, obol_aif_validate(buf, len), OBOL_OK);
	CHECK_INT(t, obol_aif_perm(buf, len, "/temp", 5, &perm), OBOL_OK);
	CHECK(t, perm == (OBOL_AIF_GET | OBOL_AIF_PUT));
	CHECK_INT(t, allows(buf, len, "/temp", 1), 1);
	CHECK_INT(t, allows(buf, len, "/temp", 3), 1);
	CHECK_INT(t, allows(buf, len, "/temp", 2), 0);
	CHECK_INT(t, allows(buf, len, "/home", 2), 1);
	CHECK_INT(t, allows(buf, len, "/home", 1), 0);

	/* prefixes and near misses never match */
	len = aif1("/temp", OBOL_AIF_GET, buf, sizeof buf);
	CHECK_INT(t, allows(buf, len, "/temp", 1), 1);
	CHECK_INT(t, allows(buf, len, "/te", 1), 0);
	CHECK_INT(t, allows(buf, len, "/tem", 1), 0);
	CHECK_INT(t, allows(buf, len, "/temp/", 1), 0);
	CHECK_INT(t, allows(buf, len, "/temp/x", 1), 0);
	CHECK_INT(t, allows(buf, len, "/tempx", 1), 0);
	CHECK_INT(t, allows(buf, len, "/Temp", 1), 0);
	CHECK_INT(t, allows(buf, len, "temp", 1), 0);
	CHECK_INT(t, allows(buf, len, "", 1), 0);
	/* a path with an embedded NUL is compared by length, not by C string */
	CHECK_INT(t, obol_aif_allows(buf, len, "/temp\0x", 7, 1), 0);
	CHECK_INT(t, obol_aif_allows(buf, len, "/temp\0x", 5, 1), 1);

	/* the root path "/" is a valid Toid */
	len = aif1("/", OBOL_AIF_GET, buf, sizeof buf);
	CHECK(t, len > 0);
	CHECK_INT(t, allows(buf, len, "/", 1), 1);
	CHECK_INT(t, allows(buf, len, "/temp", 1), 0);

	/* the empty AIF is valid and allows nothing */
	len = unhex("80", buf, sizeof buf);
	CHECK_INT(t, obol_aif_validate(buf, len), OBOL_OK);
	perm = 99;
	CHECK_INT(t, obol_aif_perm(buf, len, "/temp", 5, &perm), OBOL_OK);
	CHECK(t, perm == 0);
	for (code = 0; code <= 8; code++)
		CHECK_INT(t, allows(buf, len, "/temp", code), 0);
	obol_cbor_enc_init(&e, buf, sizeof buf);
	obol_aif_write(&e, NULL, 0);
	CHECK_INT(t, obol_cbor_enc_finish(&e, &len), OBOL_OK);
	CHECK_MEM(t, buf, len, (const uint8_t *)"\x80", 1);

	/* invalid AIF: OBOL_ERR_AIF (validate gives CBOR errors for bad CBOR) */
	aif_invalid(t, __LINE__, "8183652f74656d700100", OBOL_ERR_AIF);     /* entry of 3 */
	aif_invalid(t, __LINE__, "8181652f74656d70", OBOL_ERR_AIF);         /* entry of 1 */
	aif_invalid(t, __LINE__, "8180", OBOL_ERR_AIF);                     /* entry of 0 */
	aif_invalid(t, __LINE__, "8182652f74656d7020", OBOL_ERR_AIF);       /* perm -1 */
	aif_invalid(t, __LINE__, "8182652f74656d703b7fffffffffffffff", OBOL_ERR_AIF);
	aif_invalid(t, __LINE__, "8182652f74656d701880", OBOL_ERR_AIF);     /* bit 7 */
	aif_invalid(t, __LINE__, "8182652f74656d701a80000000", OBOL_ERR_AIF); /* bit 31 */
	aif_invalid(t, __LINE__, "8182652f74656d701b0000008000000000", OBOL_ERR_AIF); /* bit 39 */
	aif_invalid(t, __LINE__, "8182652f74656d701b8000000000000000", OBOL_ERR_AIF); /* bit 63 */
	aif_invalid(t, __LINE__, "81826474656d7001", OBOL_ERR_AIF);         /* "temp" */
	aif_invalid(t, __LINE__, "81826001", OBOL_ERR_AIF);                 /* "" */
	aif_invalid(t, __LINE__, "818245" "2f74656d70" "01", OBOL_ERR_AIF); /* bstr path */
	aif_invalid(t, __LINE__, "8182652f74656d70f93c00", OBOL_ERR_AIF);   /* perm 1.0 */
	aif_invalid(t, __LINE__, "8182652f74656d70f5", OBOL_ERR_AIF);       /* perm true */
	aif_invalid(t, __LINE__, "81820101", OBOL_ERR_AIF);                 /* path 1 */
	aif_invalid(t, __LINE__, "a0", OBOL_ERR_AIF);                       /* a map */
	aif_invalid(t, __LINE__, "01", OBOL_ERR_AIF);
	aif_invalid(t, __LINE__, "81a1652f74656d7001", OBOL_ERR_AIF);       /* entry a map */
	aif_invalid(t, __LINE__, "d8638182652f74656d7001", OBOL_ERR_AIF);   /* tagged */
	aif_invalid(t, __LINE__, "8182d820652f74656d7001", OBOL_ERR_AIF);   /* tagged path */
	aif_invalid(t, __LINE__, "9f82652f74656d7001ff", OBOL_ERR_CBOR_INDEFINITE);
	aif_invalid(t, __LINE__, "8182652f74656d701801", OBOL_ERR_CBOR_NON_SHORTEST);
	aif_invalid(t, __LINE__, "8182652f74656d700100", OBOL_ERR_CBOR_TRAILING);
	aif_invalid(t, __LINE__, "8282652f74656d7001", OBOL_ERR_CBOR_TRUNCATED);
	aif_invalid(t, __LINE__, "8182622fff01", OBOL_ERR_CBOR_BAD_UTF8);
	aif_invalid(t, __LINE__, "", OBOL_ERR_CBOR_TRUNCATED);

	/* arguments */
	len = aif1("/temp", OBOL_AIF_GET, buf, sizeof buf);
	CHECK_INT(t, obol_aif_perm(buf, len, "/temp", 5, NULL), OBOL_ERR_ARG);
	CHECK_INT(t, obol_aif_perm(buf, len, NULL, 5, &perm), OBOL_ERR_ARG);
	CHECK_INT(t, obol_aif_allows(buf, len, NULL, 5, 1), OBOL_ERR_ARG);
	CHECK_INT(t, obol_aif_validate(NULL, 0), OBOL_ERR_CBOR_TRUNCATED);
	CHECK_INT(t, obol_aif_allows(NULL, 0, "/temp", 5, 1), OBOL_ERR_AIF);

	/* the writer never writes what validate refuses */
	{
		static const struct {
			const char *path;
			uint64_t perm;
		} bad[] = {
			{"temp", 1}, {"", 1}, {"/temp", 0x80}, {"/temp", (uint64_t)1 << 31},
			{"/temp", (uint64_t)1 << 39}, {"/temp", (uint64_t)1 << 63},
		};
		for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
			struct obol_aif_entry x[2];
			x[0].path = "/ok";
			x[0].path_len = 3;
			x[0].perm = 1;
			x[1].path = bad[i].path;
			x[1].path_len = strlen(bad[i].path);
			x[1].perm = bad[i].perm;
			obol_cbor_enc_init(&e, buf, sizeof buf);
			obol_aif_write(&e, x, 2);
			CHECK_INT(t, obol_cbor_enc_finish(&e, &len), OBOL_ERR_ARG);
		}
		obol_cbor_enc_init(&e, buf, sizeof buf);
		obol_aif_write(&e, NULL, 1);
		CHECK_INT(t, obol_cbor_enc_finish(&e, &len), OBOL_ERR_ARG);
	}
}

/* ---- claims sets ----------------------------------------------------------- */

/* A view field points into buf[0..len). */
static int inside(const void *p, size_t n, const uint8_t *buf, size_t len)
{
	const uint8_t *q = (const uint8_t *)p;
	return q != NULL && q >= buf && n <= len && (size_t)(q - buf) <= len - n;
}

/* Encode c and compare with want; then decode the result and encode it
 * again: the same bytes (the encoding is stable). */
static void reencode(struct obol_test_ctx *t, int line,
		     const struct obol_cwt_claims *c, const uint8_t *want,
		     size_t want_len)
{
	uint8_t out[BUF], again[BUF];
	struct obol_cwt_claims c2;
	size_t len = 0, len2 = 0, need = 0;

	obol_test_check_int(t, __FILE__, line, "encode",
			    encode(c, out, sizeof out, &len), OBOL_OK);
	obol_test_check_mem(t, __FILE__, line, "re-encoding", out, len, want,
			    want_len);
	obol_test_check_int(t, __FILE__, line, "deterministic",
			    obol_cbor_validate(out, len, OBOL_CBOR_DETERMINISTIC, NULL),
			    OBOL_OK);
	/* measuring gives the same size; one byte short is refused */
	obol_test_check_int(t, __FILE__, line, "measure",
			    encode(c, NULL, 0, &need), OBOL_ERR_NO_SPACE);
	obol_test_check_int(t, __FILE__, line, "measured size", (long long)need,
			    (long long)len);
	obol_test_check_int(t, __FILE__, line, "short buffer",
			    encode(c, out, len - 1, &need), OBOL_ERR_NO_SPACE);
	obol_test_check_int(t, __FILE__, line, "decode again",
			    obol_cwt_decode_claims(want, want_len, &c2), OBOL_OK);
	obol_test_check_int(t, __FILE__, line, "encode again",
			    encode(&c2, again, sizeof again, &len2), OBOL_OK);
	obol_test_check_mem(t, __FILE__, line, "stable", again, len2, want,
			    want_len);
}

static void check_a1(struct obol_test_ctx *t, int line,
		     const struct obol_cwt_claims *c)
{
	static const uint8_t cti[] = {0x0b, 0x71};
	obol_test_check_int(t, __FILE__, line, "A.1 present", c->present,
			    OBOL_CWT_F_ISS | OBOL_CWT_F_SUB | OBOL_CWT_F_AUD |
				    OBOL_CWT_F_EXP | OBOL_CWT_F_NBF |
				    OBOL_CWT_F_IAT | OBOL_CWT_F_CTI);
	obol_test_check_int(t, __FILE__, line, "A.1 iss",
			    text_eq(c->iss, c->iss_len, "coap://as.example.com"), 1);
	obol_test_check_int(t, __FILE__, line, "A.1 sub",
			    text_eq(c->sub, c->sub_len, "erikw"), 1);
	obol_test_check_int(t, __FILE__, line, "A.1 aud",
			    text_eq(c->aud, c->aud_len, "coap://light.example.com"), 1);
	obol_test_check_int(t, __FILE__, line, "A.1 exp", c->exp, 1444064944);
	obol_test_check_int(t, __FILE__, line, "A.1 nbf", c->nbf, 1443944944);
	obol_test_check_int(t, __FILE__, line, "A.1 iat", c->iat, 1443944944);
	obol_test_check_mem(t, __FILE__, line, "A.1 cti", c->cti, c->cti_len,
			    cti, sizeof cti);
	obol_test_check_int(t, __FILE__, line, "A.1 scope", c->scope_type,
			    OBOL_CWT_SCOPE_NONE);
	obol_test_check_int(t, __FILE__, line, "A.1 cnf", c->cnf_type,
			    OBOL_CWT_CNF_NONE);
}

/* RFC 8392 A.1. */
static void test_claims_a1(struct obol_test_ctx *t)
{
	uint8_t a1[BUF];
	struct obol_cwt_claims c;
	long n = vec(t, F_8392, "A.1", "claims", a1, sizeof a1);

	if (n <= 0)
		return;
	CHECK_INT(t, obol_cwt_decode_claims(a1, (size_t)n, &c), OBOL_OK);
	check_a1(t, __LINE__, &c);
	CHECK(t, inside(c.iss, c.iss_len, a1, (size_t)n));
	CHECK(t, inside(c.aud, c.aud_len, a1, (size_t)n));
	CHECK(t, inside(c.cti, c.cti_len, a1, (size_t)n));
	/* keys 1..7 ascending: deterministic, so byte for byte */
	reencode(t, __LINE__, &c, a1, (size_t)n);
}

/* The ACE figures and RFC 8747's examples. */
static void test_claims_ace(struct obol_test_ctx *t)
{
	static const uint8_t x13[32] = {
		0x7f, 0xcd, 0xce, 0x27, 0x70, 0xf6, 0xc4, 0x5d, 0x41, 0x83, 0xcb,
		0xee, 0x6f, 0xdb, 0x4b, 0x7b, 0x58, 0x07, 0x33, 0x35, 0x7b, 0xe9,
		0xef, 0x13, 0xba, 0xcf, 0x6e, 0x3c, 0x7b, 0xd1, 0x54, 0x45};
	static const uint8_t y13[32] = {
		0xc7, 0xf1, 0x44, 0xcd, 0x1b, 0xbd, 0x9b, 0x7e, 0x87, 0x2c, 0xdf,
		0xed, 0xb9, 0xee, 0xb9, 0xf4, 0xb3, 0x69, 0x5d, 0x6e, 0xa9, 0x0b,
		0x24, 0xad, 0x8a, 0x46, 0x23, 0x28, 0x85, 0x88, 0xe5, 0xad};
	static const uint8_t kid13[15] = {0xd4, 0x18, 0x3c, 0xbe, 0xe6, 0xfd, 0xb4, 0xb7,
					  0xb5, 0x80, 0x73, 0x33, 0x57, 0xbe, 0x9e};
	static const uint8_t ms[16] = {0xf9, 0xaf, 0x83, 0x83, 0x68, 0xe3, 0x53, 0xe7,
				       0x88, 0x88, 0xe1, 0x42, 0x6b, 0xd9, 0x4e, 0x6f};
	static const uint8_t kid7[4] = {0xdf, 0xd1, 0xaa, 0x97};
	static const uint8_t k7[15] = {0x84, 0x9b, 0x57, 0x86, 0x45, 0x7c, 0x14, 0x91,
				       0xbe, 0x3a, 0x76, 0xdc, 0xea, 0x6c, 0x42};
	static const uint8_t one[1] = {0x01};
	uint8_t in[BUF], re[BUF], wrap[BUF];
	struct obol_cwt_claims c;
	size_t rlen = 0;
	long n, m;

	/* RFC 9200 Figure 13: aud, iat, exp, text scope, COSE_Key (EC2) */
	n = vec(t, F_ACE, "rfc9200-fig13-access-token-claims", "claims", in, sizeof in);
	m = vec(t, F_ACE, "rfc9200-fig13-access-token-claims", "reenc", re, sizeof re);
	if (n > 0 && m > 0) {
		CHECK_INT(t, obol_cwt_decode_claims(in, (size_t)n, &c), OBOL_OK);
		CHECK_INT(t, c.present, OBOL_CWT_F_AUD | OBOL_CWT_F_IAT | OBOL_CWT_F_EXP |
					     OBOL_CWT_F_SCOPE | OBOL_CWT_F_CNF);
		CHECK(t, text_eq(c.aud, c.aud_len, "tempSensorInLivingRoom"));
		CHECK_INT(t, c.iat, 1563451500);
		CHECK_INT(t, c.exp, 1563453000);
		CHECK_INT(t, c.scope_type, OBOL_CWT_SCOPE_TEXT);
		CHECK(t, text_eq((const char *)c.scope, c.scope_len, "temperature_g firmware_p"));
		CHECK_INT(t, c.cnf_type, OBOL_CWT_CNF_COSE_KEY);
		CHECK_INT(t, c.cnf_key.kty, OBOL_COSE_KTY_EC2);
		CHECK_INT(t, c.cnf_key.crv, OBOL_COSE_CRV_P256);
		CHECK_MEM(t, c.cnf_key.kid, c.cnf_key.kid_len, kid13, sizeof kid13);
		CHECK_MEM(t, c.cnf_key.x, c.cnf_key.x_len, x13, sizeof x13);
		CHECK_MEM(t, c.cnf_key.y, c.cnf_key.y_len, y13, sizeof y13);
		CHECK_INT(t, c.cnf_key.d_len, 0);
		CHECK(t, inside(c.cnf_key.x, 32, in, (size_t)n));
		CHECK(t, n != m || memcmp(in, re, (size_t)n) != 0); /* not deterministic */
		reencode(t, __LINE__, &c, re, (size_t)m);
	}

	/* RFC 9203 Figures 5 and 6: OSCORE_Input_Material {id, ms} */
	n = vec(t, F_ACE, "rfc9203-fig5-6-cwt-claims-osc", "claims", in, sizeof in);
	m = vec(t, F_ACE, "rfc9203-fig5-6-cwt-claims-osc", "reenc", re, sizeof re);
	if (n > 0 && m > 0) {
		CHECK_INT(t, obol_cwt_decode_claims(in, (size_t)n, &c), OBOL_OK);
		CHECK_INT(t, c.present, OBOL_CWT_F_AUD | OBOL_CWT_F_IAT | OBOL_CWT_F_EXP |
					     OBOL_CWT_F_SCOPE | OBOL_CWT_F_CNF);
		CHECK(t, text_eq(c.aud, c.aud_len, "tempSensorInLivingRoom"));
		CHECK_INT(t, c.iat, 1360189224);
		CHECK_INT(t, c.exp, 1360289224);
		CHECK_INT(t, c.scope_type, OBOL_CWT_SCOPE_TEXT);
		CHECK(t, text_eq((const char *)c.scope, c.scope_len, "temperature_g firmware_p"));
		CHECK_INT(t, c.cnf_type, OBOL_CWT_CNF_OSCORE);
		CHECK_INT(t, c.cnf_osc.present, OBOL_OSC_F(OBOL_OSC_ID) | OBOL_OSC_F(OBOL_OSC_MS));
		CHECK_MEM(t, c.cnf_osc.id, c.cnf_osc.id_len, one, 1);
		CHECK_MEM(t, c.cnf_osc.ms, c.cnf_osc.ms_len, ms, sizeof ms);
		CHECK(t, inside(c.cnf_osc.ms, 16, in, (size_t)n));
		reencode(t, __LINE__, &c, re, (size_t)m);
	}

	/* RFC 9203 Figure 8: cnf kid */
	n = vec(t, F_ACE, "rfc9203-fig8-cwt-claims-update", "claims", in, sizeof in);
	m = vec(t, F_ACE, "rfc9203-fig8-cwt-claims-update", "reenc", re, sizeof re);
	if (n > 0 && m > 0) {
		CHECK_INT(t, obol_cwt_decode_claims(in, (size_t)n, &c), OBOL_OK);
		CHECK(t, text_eq((const char *)c.scope, c.scope_len, "temperature_h"));
		CHECK_INT(t, c.cnf_type, OBOL_CWT_CNF_KID);
		CHECK_MEM(t, c.cnf_raw, c.cnf_raw_len, one, 1);
		reencode(t, __LINE__, &c, re, (size_t)m);
	}

	/* RFC 9200 Figure 10 (an introspection response): 10 is skipped */
	n = vec(t, F_ACE, "rfc9200-fig10-introspection-response", "claims", in, sizeof in);
	m = vec(t, F_ACE, "rfc9200-fig10-introspection-response", "reenc", re, sizeof re);
	if (n > 0 && m > 0) {
		CHECK_INT(t, obol_cwt_decode_claims(in, (size_t)n, &c), OBOL_OK);
		CHECK_INT(t, c.present, OBOL_CWT_F_SCOPE | OBOL_CWT_F_ACE_PROFILE | OBOL_CWT_F_CNF);
		CHECK(t, text_eq((const char *)c.scope, c.scope_len, "read"));
		CHECK_INT(t, c.ace_profile, OBOL_ACE_PROFILE_COAP_DTLS);
		CHECK_INT(t, c.cnf_type, OBOL_CWT_CNF_COSE_KEY);
		CHECK_INT(t, c.cnf_key.kty, OBOL_COSE_KTY_SYMMETRIC);
		CHECK_MEM(t, c.cnf_key.kid, c.cnf_key.kid_len, kid7, sizeof kid7);
		CHECK_MEM(t, c.cnf_key.k, c.cnf_key.k_len, k7, sizeof k7);
		reencode(t, __LINE__, &c, re, (size_t)m);
	}

	/* cnf values alone (RFC 9200 Fig. 7, RFC 9203 Fig. 4), as {8: cnf} */
	n = vec(t, F_ACE, "rfc9200-fig7-token-response-symmetric", "cnf", wrap + 2,
		sizeof wrap - 2);
	if (n > 0) {
		wrap[0] = 0xa1;
		wrap[1] = 0x08;
		CHECK_INT(t, obol_cwt_decode_claims(wrap, (size_t)n + 2, &c), OBOL_OK);
		CHECK_INT(t, c.present, OBOL_CWT_F_CNF);
		CHECK_INT(t, c.cnf_type, OBOL_CWT_CNF_COSE_KEY);
		CHECK_INT(t, c.cnf_key.kty, OBOL_COSE_KTY_SYMMETRIC);
		CHECK_MEM(t, c.cnf_key.kid, c.cnf_key.kid_len, kid7, sizeof kid7);
		CHECK_MEM(t, c.cnf_key.k, c.cnf_key.k_len, k7, sizeof k7);
		reencode(t, __LINE__, &c, wrap, (size_t)n + 2);
	}
	n = vec(t, F_ACE, "rfc9203-fig4-token-response-cnf-osc", "cnf", wrap + 2,
		sizeof wrap - 2);
	if (n > 0) {
		wrap[0] = 0xa1;
		wrap[1] = 0x08;
		CHECK_INT(t, obol_cwt_decode_claims(wrap, (size_t)n + 2, &c), OBOL_OK);
		CHECK_INT(t, c.cnf_type, OBOL_CWT_CNF_OSCORE);
		CHECK_MEM(t, c.cnf_osc.id, c.cnf_osc.id_len, one, 1);
		CHECK_MEM(t, c.cnf_osc.ms, c.cnf_osc.ms_len, ms, sizeof ms);
		reencode(t, __LINE__, &c, wrap, (size_t)n + 2);
	}

	/* RFC 9237's AIF as a scope: in a byte string (registered form) and
	 * bare; both decode to the array, both encode as the byte string */
	n = vec(t, F_ACE, "rfc9237-fig1-2-aif-rest", "aif", wrap + 3, sizeof wrap - 3);
	if (n > 0 && n < 24) {
		uint64_t perm = 0;

		wrap[0] = 0xa1;
		wrap[1] = 0x09;
		wrap[2] = (uint8_t)(0x40 + n); /* bstr head */
		CHECK_INT(t, obol_cwt_decode_claims(wrap, (size_t)n + 3, &c), OBOL_OK);
		CHECK_INT(t, c.scope_type, OBOL_CWT_SCOPE_AIF);
		CHECK(t, c.scope == wrap + 3);
		CHECK_INT(t, c.scope_len, n);
		CHECK_INT(t, obol_aif_perm(c.scope, c.scope_len, "/a/led", 6, &perm), OBOL_OK);
		CHECK(t, perm == 5);
		reencode(t, __LINE__, &c, wrap, (size_t)n + 3);

		memmove(wrap + 2, wrap + 3, (size_t)n); /* bare array */
		CHECK_INT(t, obol_cwt_decode_claims(wrap, (size_t)n + 2, &c), OBOL_OK);
		CHECK_INT(t, c.scope_type, OBOL_CWT_SCOPE_AIF);
		CHECK(t, c.scope == wrap + 2);
		CHECK_INT(t, c.scope_len, n);
		CHECK_INT(t, obol_aif_allows(c.scope, c.scope_len, "/dtls", 5, 2), 1);
		CHECK_INT(t, encode(&c, re, sizeof re, &rlen), OBOL_OK);
		CHECK_INT(t, rlen, n + 3);
		CHECK_INT(t, re[2], 0x40 + n);
		CHECK_MEM(t, re + 3, rlen - 3, wrap + 2, (size_t)n);
	}

	/* RFC 8747 3.2: COSE_Key (EC2, no kid) */
	n = vec(t, F_8747, "3.2", "claims", in, sizeof in);
	if (n > 0) {
		CHECK_INT(t, obol_cwt_decode_claims(in, (size_t)n, &c), OBOL_OK);
		CHECK_INT(t, c.present, OBOL_CWT_F_ISS | OBOL_CWT_F_AUD | OBOL_CWT_F_EXP |
					     OBOL_CWT_F_CNF);
		CHECK(t, text_eq(c.iss, c.iss_len, "coaps://server.example.com"));
		CHECK(t, text_eq(c.aud, c.aud_len, "coaps://client.example.org"));
		CHECK_INT(t, c.exp, 1879067471);
		CHECK_INT(t, c.cnf_type, OBOL_CWT_CNF_COSE_KEY);
		CHECK_INT(t, c.cnf_key.kty, OBOL_COSE_KTY_EC2);
		CHECK_INT(t, c.cnf_key.crv, OBOL_COSE_CRV_P256);
		CHECK_INT(t, c.cnf_key.kid_len, 0);
		CHECK_INT(t, c.cnf_key.x_len, 32);
		CHECK_INT(t, c.cnf_key.y_len, 32);
		reencode(t, __LINE__, &c, in, (size_t)n);
	}
	/* RFC 8747 3.3: Encrypted_COSE_Key, handed back encoded */
	n = vec(t, F_8747, "3.3", "claims", in, sizeof in);
	m = vec(t, F_8747, "3.3", "cnf_key", re, sizeof re);
	if (n > 0 && m > 0) {
		CHECK_INT(t, obol_cwt_decode_claims(in, (size_t)n, &c), OBOL_OK);
		CHECK_INT(t, c.present, OBOL_CWT_F_ISS | OBOL_CWT_F_SUB | OBOL_CWT_F_AUD |
					     OBOL_CWT_F_EXP | OBOL_CWT_F_NBF | OBOL_CWT_F_CNF);
		CHECK(t, text_eq(c.sub, c.sub_len, "24400320"));
		CHECK(t, text_eq(c.aud, c.aud_len, "s6BhdRkqt3"));
		CHECK_INT(t, c.exp, 1311281970);
		CHECK_INT(t, c.nbf, 1311280970); /* the RFC's "/iat/ 5" */
		CHECK_INT(t, c.cnf_type, OBOL_CWT_CNF_ENCRYPTED_KEY);
		CHECK_MEM(t, c.cnf_raw, c.cnf_raw_len, re, (size_t)m);
		CHECK(t, inside(c.cnf_raw, c.cnf_raw_len, in, (size_t)n));
		reencode(t, __LINE__, &c, in, (size_t)n);
	}
	/* RFC 8747 3.4: kid */
	n = vec(t, F_8747, "3.4", "claims", in, sizeof in);
	if (n > 0) {
		static const uint8_t kid[16] = {0xdf, 0xd1, 0xaa, 0x97, 0x6d, 0x8d, 0x45, 0x75,
						0xa0, 0xfe, 0x34, 0xb9, 0x6d, 0xe2, 0xbf, 0xad};
		CHECK_INT(t, obol_cwt_decode_claims(in, (size_t)n, &c), OBOL_OK);
		CHECK(t, text_eq(c.aud, c.aud_len, "coaps://resource.example.org"));
		CHECK_INT(t, c.exp, 1361398824);
		CHECK_INT(t, c.cnf_type, OBOL_CWT_CNF_KID);
		CHECK_MEM(t, c.cnf_raw, c.cnf_raw_len, kid, sizeof kid);
		reencode(t, __LINE__, &c, in, (size_t)n);
	}
}

/* Claims of the wrong type or form, each with its exact error. */
static const struct bad_claim {
	const char *hex;
	int err;
} bad_claims[] = {
	/* iss, sub, aud: text strings (RFC 8392 3.1.1-3.1.3) */
	{"a1014100", OBOL_ERR_CWT_CLAIM},           /* iss as bstr */
	{"a10101", OBOL_ERR_CWT_CLAIM},             /* iss as int */
	{"a10240", OBOL_ERR_CWT_CLAIM},             /* sub as bstr */
	{"a10340", OBOL_ERR_CWT_CLAIM},             /* aud as bstr */
	{"a103816161", OBOL_ERR_CWT_CLAIM},         /* aud as array: one audience only */
	/* NumericDate: integers only (cwt.h) */
	{"a1046131", OBOL_ERR_CWT_CLAIM},           /* exp as text */
	{"a104f93c00", OBOL_ERR_CWT_CLAIM},         /* exp 1.0 (half) */
	{"a104fa47c35000", OBOL_ERR_CWT_CLAIM},     /* exp 100000.0 (single) */
	{"a104fb41d584367c200000", OBOL_ERR_CWT_CLAIM}, /* exp as RFC 8392 A.7's double */
	{"a104c11a5612aeb0", OBOL_ERR_CWT_CLAIM},   /* exp with tag 1 */
	{"a1041b8000000000000000", OBOL_ERR_CWT_CLAIM}, /* exp 2^63: not int64 */
	{"a1043b8000000000000000", OBOL_ERR_CWT_CLAIM}, /* exp -2^63 - 1 */
	{"a104f6", OBOL_ERR_CWT_CLAIM},             /* exp null */
	{"a105f93c00", OBOL_ERR_CWT_CLAIM},         /* nbf as float */
	{"a1054100", OBOL_ERR_CWT_CLAIM},           /* nbf as bstr */
	{"a106fa47c35000", OBOL_ERR_CWT_CLAIM},     /* iat as float */
	{"a1066131", OBOL_ERR_CWT_CLAIM},           /* iat as text */
	/* cti: byte string */
	{"a107620b71", OBOL_ERR_CWT_CLAIM},         /* cti as tstr */
	{"a10701", OBOL_ERR_CWT_CLAIM},             /* cti as int */
	/* cnf (RFC 8747 3.1): one member of a known method */
	{"a1084101", OBOL_ERR_CWT_CNF},             /* not a map */
	{"a108a0", OBOL_ERR_CWT_CNF},               /* no member */
	{"a108a2034101044100", OBOL_ERR_CWT_CNF},   /* two members (kid, osc) */
	{"a108a203410104a200410102410a", OBOL_ERR_CWT_CNF}, /* two: kid + osc */
	{"a108a1054101", OBOL_ERR_CWT_CNF},         /* unknown method 5 */
	{"a108a1004101", OBOL_ERR_CWT_CNF},         /* method 0 */
	{"a108a1184a4101", OBOL_ERR_CWT_CNF},       /* method 74 */
	{"a108a1206101", OBOL_ERR_CWT_CNF},         /* method -1 */
	{"a108a1636b69644101", OBOL_ERR_CWT_CNF},   /* method "kid" */
	{"a108a1036161", OBOL_ERR_CWT_CNF},         /* kid as tstr */
	{"a108a10301", OBOL_ERR_CWT_CNF},           /* kid as int */
	{"a108a1014100", OBOL_ERR_CWT_CNF},         /* COSE_Key not a map */
	{"a108a101a1204100", OBOL_ERR_CWT_CNF},     /* COSE_Key without kty */
	{"a108a101a10104", OBOL_ERR_CWT_CNF},       /* symmetric without k */
	{"a108a1024100", OBOL_ERR_CWT_CNF},         /* Encrypted_COSE_Key: bstr */
	{"a108a1028240a0", OBOL_ERR_CWT_CNF},       /* array of 2 */
	{"a108a102854040404040", OBOL_ERR_CWT_CNF}, /* array of 5 */
	{"a108a102d08440a04040", OBOL_ERR_CWT_CNF}, /* tag 16 around 4 */
	{"a108a102d8608340a040", OBOL_ERR_CWT_CNF}, /* tag 96 around 3 */
	{"a108a102d18340a040", OBOL_ERR_CWT_CNF},   /* tag 17 */
	{"a108a102d0a0", OBOL_ERR_CWT_CNF},         /* tag 16 around a map */
	/* OSCORE_Input_Material (RFC 9203 3.2.1) */
	{"a108a1044100", OBOL_ERR_CWT_CNF},         /* not a map */
	{"a108a104a0", OBOL_ERR_CWT_CNF},           /* empty */
	{"a108a104a1004101", OBOL_ERR_CWT_CNF},     /* without ms */
	{"a108a104a10241aa", OBOL_ERR_CWT_CNF},     /* without id */
	{"a108a104a30041010241aa0700", OBOL_ERR_CWT_CNF},       /* label 7 */
	{"a108a104a30041010241aa0741bb", OBOL_ERR_CWT_CNF},     /* label 7, a bstr */
	{"a108a104a30041010241aa1863410b", OBOL_ERR_CWT_CNF},   /* label 99, a bstr */
	{"a108a104a30041010241aa181800", OBOL_ERR_CWT_CNF},     /* label 24 */
	{"a108a104a30041010241aa2000", OBOL_ERR_CWT_CNF},       /* label -1 */
	{"a108a104a30041010241aa63666f6f00", OBOL_ERR_CWT_CNF}, /* label "foo" */
	{"a108a104a200616102410a", OBOL_ERR_CWT_CNF},           /* id as tstr */
	{"a108a104a20041010201", OBOL_ERR_CWT_CNF},             /* ms as int */
	{"a108a104a300410101200241aa", OBOL_ERR_CWT_CNF},       /* version -1 */
	{"a108a104a30041010161310241aa", OBOL_ERR_CWT_CNF},     /* version "1" */
	{"a108a104a30041010241aa036161", OBOL_ERR_CWT_CNF},     /* hkdf as text */
	{"a108a104a30041010241aa04684145532d43434d2d", OBOL_ERR_CWT_CNF}, /* alg as text */
	{"a108a104a30041010241aa041b0000000100000000", OBOL_ERR_CWT_CNF}, /* alg 2^32 */
	{"a108a104a30041010241aa04f93c00", OBOL_ERR_CWT_CNF},   /* alg 1.0 */
	{"a108a104a30041010241aa0501", OBOL_ERR_CWT_CNF},       /* salt as int */
	{"a108a104a30041010241aa066161", OBOL_ERR_CWT_CNF},     /* contextId as tstr */
	/* scope (cwt.h "Scope") */
	{"a1098101", OBOL_ERR_AIF},                 /* bare array, not AIF */
	{"a109818361" "2f" "0100", OBOL_ERR_AIF},   /* entry of 3 */
	{"a10980", OBOL_OK},                        /* empty AIF: valid */
	{"a1098182612f1880", OBOL_ERR_AIF},         /* undefined bit 7 */
	{"a1098182612f20", OBOL_ERR_AIF},           /* negative perm */
	{"a1098182616101", OBOL_ERR_AIF},           /* path without '/' */
	{"a10901", OBOL_ERR_CWT_CLAIM},             /* scope as int */
	{"a109a0", OBOL_ERR_CWT_CLAIM},             /* scope as map */
	{"a109f6", OBOL_ERR_CWT_CLAIM},             /* scope null */
	/* ACE claims (RFC 9200 5.10, 8.14) */
	{"a1182669636f61705f64746c73", OBOL_ERR_CWT_CLAIM}, /* ace_profile "coap_dtls" */
	{"a11826f93c00", OBOL_ERR_CWT_CLAIM},       /* ace_profile 1.0 */
	{"a118261b8000000000000000", OBOL_ERR_CWT_CLAIM}, /* ace_profile 2^63 */
	{"a118276161", OBOL_ERR_CWT_CLAIM},         /* cnonce as tstr */
	{"a1182820", OBOL_ERR_CWT_CLAIM},           /* exi -1 */
	{"a118286131", OBOL_ERR_CWT_CLAIM},         /* exi as text */
	{"a11828f95a00", OBOL_ERR_CWT_CLAIM},       /* exi 192.0 */
	/* keys that are no claim keys (RFC 8392 3: int or text) */
	{"a1410100", OBOL_ERR_CWT_CLAIM},           /* bstr key */
	{"a1f93c0000", OBOL_ERR_CWT_CLAIM},         /* float key */
	{"a18000", OBOL_ERR_CWT_CLAIM},             /* array key */
	{"a1f400", OBOL_ERR_CWT_CLAIM},             /* false */
	/* not a claims set, or not strict CBOR */
	{"80", OBOL_ERR_CBOR_TYPE},
	{"01", OBOL_ERR_CBOR_TYPE},
	{"d83da0", OBOL_ERR_CBOR_TYPE},             /* tagged map */
	{"bfff", OBOL_ERR_CBOR_INDEFINITE},
	{"a1017f6161ff", OBOL_ERR_CBOR_INDEFINITE},
	{"a2016161016162", OBOL_ERR_CBOR_DUP_KEY},
	{"a00000", OBOL_ERR_CBOR_TRAILING},
	{"a000", OBOL_ERR_CBOR_TRAILING},
	{"a101", OBOL_ERR_CBOR_TRUNCATED},
	{"", OBOL_ERR_CBOR_TRUNCATED},
	{"a118016161", OBOL_ERR_CBOR_NON_SHORTEST},
	{"a10161ff", OBOL_ERR_CBOR_BAD_UTF8},
	/* unknown claims are skipped, whatever their value */
	{"a40af51864002000636f6f6f00", OBOL_OK},    /* 10, 100, -1, "ooo" */
	{"a1182aa1018201a0", OBOL_OK},              /* 42: {1: [1, {}]} */
	{"a11bffffffffffffffff80", OBOL_OK},        /* key 2^64 - 1 */
	/* extremes that do fit */
	{"a1041b7fffffffffffffff", OBOL_OK},        /* exp INT64_MAX */
	{"a1043b7fffffffffffffff", OBOL_OK},        /* exp INT64_MIN */
	{"a10520", OBOL_OK},                        /* nbf -1 */
	{"a1182700", OBOL_ERR_CWT_CLAIM},           /* cnonce as int */
	{"a118281bffffffffffffffff", OBOL_OK},      /* exi 2^64 - 1 */
	{"a118263bffffffffffffffff", OBOL_ERR_CWT_CLAIM}, /* ace_profile -2^64 */
	/* Encrypted_COSE_Key: only the shape is checked here; COSE checks
	 * the rest when it decrypts */
	{"a108a102d08340a040", OBOL_OK},           /* 16([h'', {}, h'']) */
	{"a108a102d860844040a080", OBOL_OK},       /* 96([h'', h'', {}, []]) */
	{"a108a1028340a040", OBOL_OK},             /* untagged */
};

static void test_claims_bad(struct obol_test_ctx *t)
{
	size_t i;
	for (i = 0; i < sizeof bad_claims / sizeof bad_claims[0]; i++)
		decode_err(t, __LINE__, bad_claims[i].hex, bad_claims[i].err);
}

/* Values at the extremes, and the scope forms. */
static void test_claims_values(struct obol_test_ctx *t)
{
	uint8_t buf[64];
	struct obol_cwt_claims c;
	size_t n;

	n = unhex("a1041b7fffffffffffffff", buf, sizeof buf);
	CHECK_INT(t, obol_cwt_decode_claims(buf, n, &c), OBOL_OK);
	CHECK(t, c.exp == INT64_MAX);
	n = unhex("a1043b7fffffffffffffff", buf, sizeof buf);
	CHECK_INT(t, obol_cwt_decode_claims(buf, n, &c), OBOL_OK);
	CHECK(t, c.exp == INT64_MIN);
	n = unhex("a10520", buf, sizeof buf);
	CHECK_INT(t, obol_cwt_decode_claims(buf, n, &c), OBOL_OK);
	CHECK_INT(t, c.nbf, -1);
	CHECK_INT(t, c.present, OBOL_CWT_F_NBF);
	n = unhex("a118281bffffffffffffffff", buf, sizeof buf);
	CHECK_INT(t, obol_cwt_decode_claims(buf, n, &c), OBOL_OK);
	CHECK(t, c.exi == UINT64_MAX);
	n = unhex("a1182620", buf, sizeof buf); /* ace_profile -1: an int */
	CHECK_INT(t, obol_cwt_decode_claims(buf, n, &c), OBOL_OK);
	CHECK_INT(t, c.ace_profile, -1);
	n = unhex("a40af51864002000636f6f6f00", buf, sizeof buf);
	CHECK_INT(t, obol_cwt_decode_claims(buf, n, &c), OBOL_OK);
	CHECK_INT(t, c.present, 0); /* nothing known */
	n = unhex("a0", buf, sizeof buf);
	CHECK_INT(t, obol_cwt_decode_claims(buf, n, &c), OBOL_OK);
	CHECK_INT(t, c.present, 0);
	CHECK_INT(t, c.scope_type, OBOL_CWT_SCOPE_NONE);
	CHECK_INT(t, c.cnf_type, OBOL_CWT_CNF_NONE);

	/* scope: text, opaque bytes, AIF in bytes, bare AIF */
	n = unhex("a1096472656164", buf, sizeof buf);
	CHECK_INT(t, obol_cwt_decode_claims(buf, n, &c), OBOL_OK);
	CHECK_INT(t, c.scope_type, OBOL_CWT_SCOPE_TEXT);
	CHECK(t, c.scope == buf + 3 && c.scope_len == 4);
	n = unhex("a10943010203", buf, sizeof buf);
	CHECK_INT(t, obol_cwt_decode_claims(buf, n, &c), OBOL_OK);
	CHECK_INT(t, c.scope_type, OBOL_CWT_SCOPE_BYTES);
	CHECK(t, c.scope == buf + 3 && c.scope_len == 3);
	n = unhex("a10940", buf, sizeof buf);
	CHECK_INT(t, obol_cwt_decode_claims(buf, n, &c), OBOL_OK);
	CHECK_INT(t, c.scope_type, OBOL_CWT_SCOPE_BYTES);
	CHECK_INT(t, c.scope_len, 0);
	n = unhex("a1094180", buf, sizeof buf); /* h'80': the empty AIF */
	CHECK_INT(t, obol_cwt_decode_claims(buf, n, &c), OBOL_OK);
	CHECK_INT(t, c.scope_type, OBOL_CWT_SCOPE_AIF);
	/* a byte string holding invalid AIF is opaque bytes, not an error */
	n = unhex("a1094781836161612f01", buf, sizeof buf); /* h'[["a","/",1]]' */
	CHECK_INT(t, obol_cwt_decode_claims(buf, n, &c), OBOL_OK);
	CHECK_INT(t, c.scope_type, OBOL_CWT_SCOPE_BYTES);
	n = unhex("a10949818265" "2f74656d70" "01", buf, sizeof buf);
	CHECK_INT(t, obol_cwt_decode_claims(buf, n, &c), OBOL_OK);
	CHECK_INT(t, c.scope_type, OBOL_CWT_SCOPE_AIF);
	CHECK(t, c.scope == buf + 3 && c.scope_len == 9);
	CHECK_INT(t, obol_aif_allows(c.scope, c.scope_len, "/temp", 5, 1), 1);
	n = unhex("a109818265" "2f74656d70" "01", buf, sizeof buf);
	CHECK_INT(t, obol_cwt_decode_claims(buf, n, &c), OBOL_OK);
	CHECK_INT(t, c.scope_type, OBOL_CWT_SCOPE_AIF);
	CHECK(t, c.scope == buf + 2 && c.scope_len == 9);

	/* Encrypted_COSE_Key keeps its tag in the raw encoding */
	n = unhex("a108a102d08340a040", buf, sizeof buf);
	CHECK_INT(t, obol_cwt_decode_claims(buf, n, &c), OBOL_OK);
	CHECK_INT(t, c.cnf_type, OBOL_CWT_CNF_ENCRYPTED_KEY);
	CHECK(t, c.cnf_raw == buf + 4 && c.cnf_raw_len == 5);

	CHECK_INT(t, obol_cwt_decode_claims(buf, n, NULL), OBOL_ERR_ARG);
	CHECK_INT(t, obol_cwt_decode_claims(NULL, 0, &c), OBOL_ERR_CBOR_TRUNCATED);
}

/* The OSCORE token's claims (also used by the token tests). */
struct std_claims {
	uint8_t aif[16];
	size_t aif_len;
	struct obol_cwt_claims c;
};

static const uint8_t osc_id[1] = {0x42};
static const uint8_t osc_ms[16] = {0x10, 0x21, 0x32, 0x43, 0x54, 0x65, 0x76, 0x87,
				   0x98, 0xa9, 0xba, 0xcb, 0xdc, 0xed, 0xfe, 0x0f};
static const uint8_t osc_salt[8] = {0x5a, 0x17, 0x5a, 0x17, 0x5a, 0x17, 0x5a, 0x17};
static const uint8_t std_cti[2] = {0x00, 0x07};

/* aud "rs1", exi 3600, cti (2 bytes: RFC 9200 5.10.3 wants one with exi),
 * scope [["/temp", GET]], cnf osc {id 1 B, ms 16 B, salt 8 B}. */
static void std_claims(struct std_claims *s)
{
	obol_cbor_enc e;
	struct obol_aif_entry x;

	x.path = "/temp";
	x.path_len = 5;
	x.perm = OBOL_AIF_GET;
	obol_cbor_enc_init(&e, s->aif, sizeof s->aif);
	obol_aif_write(&e, &x, 1);
	(void)obol_cbor_enc_finish(&e, &s->aif_len);

	memset(&s->c, 0, sizeof s->c);
	s->c.present = OBOL_CWT_F_AUD | OBOL_CWT_F_EXI | OBOL_CWT_F_CTI |
		       OBOL_CWT_F_SCOPE | OBOL_CWT_F_CNF;
	s->c.aud = "rs1";
	s->c.aud_len = 3;
	s->c.exi = 3600;
	s->c.cti = std_cti;
	s->c.cti_len = sizeof std_cti;
	s->c.scope_type = OBOL_CWT_SCOPE_AIF;
	s->c.scope = s->aif;
	s->c.scope_len = s->aif_len;
	s->c.cnf_type = OBOL_CWT_CNF_OSCORE;
	s->c.cnf_osc.present = OBOL_OSC_F(OBOL_OSC_ID) | OBOL_OSC_F(OBOL_OSC_MS) |
			       OBOL_OSC_F(OBOL_OSC_SALT);
	s->c.cnf_osc.id = osc_id;
	s->c.cnf_osc.id_len = sizeof osc_id;
	s->c.cnf_osc.ms = osc_ms;
	s->c.cnf_osc.ms_len = sizeof osc_ms;
	s->c.cnf_osc.salt = osc_salt;
	s->c.cnf_osc.salt_len = sizeof osc_salt;
}

/* Every claim, every OSCORE label: encoded in key order, decoded back. */
static void test_claims_encode(struct obol_test_ctx *t)
{
	static const uint64_t keys[] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 38, 39, 40};
	static const uint8_t cnonce[8] = {1, 2, 3, 4, 5, 6, 7, 8};
	static const uint8_t ctx_id[3] = {0xc0, 0xff, 0xee};
	struct std_claims s;
	struct obol_cwt_claims c, d;
	uint8_t out[BUF];
	size_t len, i, n;
	obol_cbor_dec dec, map;

	std_claims(&s);
	c = s.c;
	c.present = 0x0fffu;
	c.iss = "coap://as.example.com";
	c.iss_len = strlen(c.iss);
	c.sub = "client-\xc3\xa9"; /* UTF-8 */
	c.sub_len = strlen(c.sub);
	c.exp = INT64_MAX;
	c.nbf = INT64_MIN;
	c.iat = 0;
	c.ace_profile = OBOL_ACE_PROFILE_COAP_OSCORE;
	c.cnonce = cnonce;
	c.cnonce_len = sizeof cnonce;
	c.exi = UINT64_MAX;
	c.cnf_osc.present = 0x7f;
	c.cnf_osc.version = 1;
	c.cnf_osc.hkdf = OBOL_ALG_HKDF_SHA_256;
	c.cnf_osc.alg = OBOL_ALG_AES_CCM_16_64_128;
	c.cnf_osc.context_id = ctx_id;
	c.cnf_osc.context_id_len = sizeof ctx_id;

	CHECK_INT(t, encode(&c, out, sizeof out, &len), OBOL_OK);
	CHECK_INT(t, obol_cbor_validate(out, len, OBOL_CBOR_DETERMINISTIC, NULL), OBOL_OK);
	/* keys 1..9, 38, 39, 40 in that order */
	CHECK_INT(t, obol_cbor_dec_init(&dec, out, len, OBOL_CBOR_STRICT), OBOL_OK);
	CHECK_INT(t, obol_cbor_enter_map(&dec, &map, &n), OBOL_OK);
	CHECK_INT(t, n, 12);
	for (i = 0; i < 12 && i < n; i++) {
		uint64_t k = 0;
		CHECK_INT(t, obol_cbor_get_uint64(&map, &k), OBOL_OK);
		CHECK(t, k == keys[i]);
		CHECK_INT(t, obol_cbor_skip(&map), OBOL_OK);
	}
	CHECK_INT(t, obol_cwt_decode_claims(out, len, &d), OBOL_OK);
	CHECK_INT(t, d.present, 0x0fff);
	CHECK(t, text_eq(d.iss, d.iss_len, c.iss));
	CHECK(t, text_eq(d.sub, d.sub_len, c.sub));
	CHECK(t, text_eq(d.aud, d.aud_len, "rs1"));
	CHECK(t, d.exp == INT64_MAX);
	CHECK(t, d.nbf == INT64_MIN);
	CHECK(t, d.iat == 0);
	CHECK_MEM(t, d.cti, d.cti_len, std_cti, sizeof std_cti);
	CHECK_INT(t, d.scope_type, OBOL_CWT_SCOPE_AIF);
	CHECK_MEM(t, d.scope, d.scope_len, s.aif, s.aif_len);
	CHECK_INT(t, d.cnf_type, OBOL_CWT_CNF_OSCORE);
	CHECK_INT(t, d.cnf_osc.present, 0x7f);
	CHECK_MEM(t, d.cnf_osc.id, d.cnf_osc.id_len, osc_id, sizeof osc_id);
	CHECK(t, d.cnf_osc.version == 1);
	CHECK_MEM(t, d.cnf_osc.ms, d.cnf_osc.ms_len, osc_ms, sizeof osc_ms);
	CHECK_INT(t, d.cnf_osc.hkdf, OBOL_ALG_HKDF_SHA_256);
	CHECK_INT(t, d.cnf_osc.alg, OBOL_ALG_AES_CCM_16_64_128);
	CHECK_MEM(t, d.cnf_osc.salt, d.cnf_osc.salt_len, osc_salt, sizeof osc_salt);
	CHECK_MEM(t, d.cnf_osc.context_id, d.cnf_osc.context_id_len, ctx_id, sizeof ctx_id);
	CHECK_INT(t, d.ace_profile, OBOL_ACE_PROFILE_COAP_OSCORE);
	CHECK_MEM(t, d.cnonce, d.cnonce_len, cnonce, sizeof cnonce);
	CHECK(t, d.exi == UINT64_MAX);
	reencode(t, __LINE__, &d, out, len);

	/* (reencode() checked the deterministic key order, RFC 8949 4.2.1,
	 * inside cnf and the OSCORE_Input_Material too) */

	/* the other cnf methods and scope forms, encoded */
	d = s.c;
	d.present = OBOL_CWT_F_CNF | OBOL_CWT_F_SCOPE;
	d.cnf_type = OBOL_CWT_CNF_KID;
	d.cnf_raw = osc_id;
	d.cnf_raw_len = 1;
	d.scope_type = OBOL_CWT_SCOPE_TEXT;
	d.scope = (const uint8_t *)"r w";
	d.scope_len = 3;
	CHECK_INT(t, encode(&d, out, sizeof out, &len), OBOL_OK);
	CHECK_MEM(t, out, len, (const uint8_t *)"\xa2\x08\xa1\x03\x41\x42\x09\x63r w", 11);
	d.scope_type = OBOL_CWT_SCOPE_BYTES;
	d.cnf_type = OBOL_CWT_CNF_ENCRYPTED_KEY;
	d.cnf_raw = (const uint8_t *)"\x83\x40\xa0\x40";
	d.cnf_raw_len = 4;
	CHECK_INT(t, encode(&d, out, sizeof out, &len), OBOL_OK);
	CHECK_MEM(t, out, len,
		  (const uint8_t *)"\xa2\x08\xa1\x02\x83\x40\xa0\x40\x09\x43r w", 13);

	/* what the decoder would refuse is never written: OBOL_ERR_ARG */
	d = s.c;
	d.present |= 0x1000u; /* no such claim */
	CHECK_INT(t, encode(&d, out, sizeof out, &len), OBOL_ERR_ARG);
	d = s.c;
	d.cnf_type = OBOL_CWT_CNF_NONE;
	CHECK_INT(t, encode(&d, out, sizeof out, &len), OBOL_ERR_ARG);
	d.cnf_type = 5;
	CHECK_INT(t, encode(&d, out, sizeof out, &len), OBOL_ERR_ARG);
	d = s.c;
	d.scope_type = OBOL_CWT_SCOPE_NONE;
	CHECK_INT(t, encode(&d, out, sizeof out, &len), OBOL_ERR_ARG);
	d.scope_type = 4;
	CHECK_INT(t, encode(&d, out, sizeof out, &len), OBOL_ERR_ARG);
	d = s.c;
	d.scope = (const uint8_t *)"\x81\x83\x61/\x01\x00"; /* not AIF */
	d.scope_len = 6;
	CHECK_INT(t, encode(&d, out, sizeof out, &len), OBOL_ERR_ARG);
	d.scope_type = OBOL_CWT_SCOPE_BYTES; /* as opaque bytes it is fine */
	CHECK_INT(t, encode(&d, out, sizeof out, &len), OBOL_OK);
	d = s.c;
	d.cnf_osc.present &= ~OBOL_OSC_F(OBOL_OSC_MS);
	CHECK_INT(t, encode(&d, out, sizeof out, &len), OBOL_ERR_ARG);
	d = s.c;
	d.cnf_osc.present &= ~OBOL_OSC_F(OBOL_OSC_ID);
	CHECK_INT(t, encode(&d, out, sizeof out, &len), OBOL_ERR_ARG);
	d = s.c;
	d.cnf_osc.present |= 0x80u; /* label 7 */
	CHECK_INT(t, encode(&d, out, sizeof out, &len), OBOL_ERR_ARG);
	d = s.c;
	d.aud = NULL; /* with aud_len 3 */
	CHECK_INT(t, encode(&d, out, sizeof out, &len), OBOL_ERR_ARG);
	CHECK_INT(t, encode(NULL, out, sizeof out, &len), OBOL_ERR_ARG);
}

/* ---- tokens ---------------------------------------------------------------- */

static const uint8_t key16a[16] = {0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77,
				   0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff};
static const uint8_t key16b[16] = {0xff, 0xee, 0xdd, 0xcc, 0xbb, 0xaa, 0x99, 0x88,
				   0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11, 0x00};
static const uint8_t key32[32] = {
	0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b,
	0x0c, 0x0d, 0x0e, 0x0f, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16,
	0x17, 0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f, 0x20};

static struct obol_cose_key sym(const uint8_t *k, size_t n, int alg,
				const char *kid)
{
	struct obol_cose_key key;
	memset(&key, 0, sizeof key);
	key.kty = OBOL_COSE_KTY_SYMMETRIC;
	key.alg = alg;
	key.k = k;
	key.k_len = n;
	if (kid != NULL) {
		key.kid = (const uint8_t *)kid;
		key.kid_len = strlen(kid);
	}
	return key;
}

/* obol_cwt_protect with a header of alg (the key's) and an optional kid. */
static int make(enum obol_cwt_protection how, const struct obol_cose_key *key,
		const char *kid, unsigned cose_flags, unsigned cwt_flags,
		const struct obol_cwt_claims *c, uint8_t *out, size_t cap,
		size_t *len)
{
	struct obol_cose_hdr h;
	uint8_t scratch[BUF];

	memset(&h, 0, sizeof h);
	h.alg = key->alg;
	if (kid != NULL) {
		h.kid = (const uint8_t *)kid;
		h.kid_len = strlen(kid);
	}
	return obol_cwt_protect(how, key, &h, cose_flags, cwt_flags, c, scratch,
				sizeof scratch, out, cap, len);
}

/* Encrypt0 of arbitrary bytes (a claims set obol would never write). */
static size_t seal(const struct obol_cose_key *key, const char *kid,
		   const uint8_t *pt, size_t pt_len, uint8_t *out, size_t cap)
{
	struct obol_cose_hdr h;
	size_t len = 0;

	memset(&h, 0, sizeof h);
	h.alg = key->alg;
	if (kid != NULL) {
		h.kid = (const uint8_t *)kid;
		h.kid_len = strlen(kid);
	}
	if (obol_cose_encrypt0(key, &h, 0, NULL, 0, pt, pt_len, out, cap, &len) != OBOL_OK)
		return 0;
	return len;
}

/* Validate a copy of tok in work (decryption happens in place). */
static int check(const uint8_t *tok, size_t len, const struct obol_cose_key *keys,
		 size_t nkeys, const struct obol_cwt_policy *p, uint8_t *work,
		 struct obol_cwt_claims *c)
{
	memcpy(work, tok, len);
	return obol_cwt_validate(work, len, keys, nkeys, p, c);
}

static int all_zero(const uint8_t *p, size_t n)
{
	size_t i;
	for (i = 0; i < n; i++)
		if (p[i] != 0)
			return 0;
	return 1;
}

/* 1 if needle occurs in hay. */
static int contains(const uint8_t *hay, size_t n, const uint8_t *needle, size_t m)
{
	size_t i;
	for (i = 0; m <= n && i <= n - m; i++)
		if (memcmp(hay + i, needle, m) == 0)
			return 1;
	return 0;
}

/* RFC 8392 A.3-A.7 and RFC 8747 3.3's Encrypted_COSE_Key. */
static void test_tokens_rfc(struct obol_test_ctx *t)
{
	static const char *const light[] = {"coap://light.example.com"};
	uint8_t a1[BUF], kb128[128], kb256[128], kbec[256], tok[BUF], work[BUF];
	uint8_t want[BUF], kek[16], plain[128];
	struct obol_cose_key k128, k256, kec, keys[2], bad;
	struct obol_cose_hdr hdr;
	struct obol_cwt_claims c;
	struct obol_cwt_policy p = policy(1444000000, light, 1);
	long na1, n1, n2, n3, n, m;
	const uint8_t *pl;
	uint8_t *pt;
	size_t pll, ptl, off;

	na1 = vec(t, F_8392, "A.1", "claims", a1, sizeof a1);
	n1 = vec(t, F_8392, "A.2.1", "key", kb128, sizeof kb128);
	n2 = vec(t, F_8392, "A.2.2", "key", kb256, sizeof kb256);
	n3 = vec(t, F_8392, "A.2.3", "key", kbec, sizeof kbec);
	if (na1 <= 0 || n1 <= 0 || n2 <= 0 || n3 <= 0)
		return;

	/* A.2: the keys */
	CHECK_INT(t, obol_cose_key_decode(kb128, (size_t)n1, &k128), OBOL_OK);
	CHECK_INT(t, k128.kty, OBOL_COSE_KTY_SYMMETRIC);
	CHECK_INT(t, k128.alg, OBOL_ALG_AES_CCM_16_64_128);
	CHECK_INT(t, k128.k_len, 16);
	CHECK(t, text_eq((const char *)k128.kid, k128.kid_len, "Symmetric128"));
	CHECK_INT(t, obol_cose_key_decode(kb256, (size_t)n2, &k256), OBOL_OK);
	CHECK_INT(t, k256.alg, OBOL_ALG_AES_CCM_16_64_128); /* as printed */
	CHECK_INT(t, k256.k_len, 32);
	CHECK(t, text_eq((const char *)k256.kid, k256.kid_len, "Symmetric256"));
	CHECK_INT(t, obol_cose_key_decode(kbec, (size_t)n3, &kec), OBOL_OK);
	CHECK_INT(t, kec.kty, OBOL_COSE_KTY_EC2);
	CHECK_INT(t, kec.alg, OBOL_ALG_ES256);
	CHECK_INT(t, kec.crv, OBOL_COSE_CRV_P256);
	CHECK_INT(t, kec.d_len, 32);
	CHECK(t, text_eq((const char *)kec.kid, kec.kid_len, "AsymmetricECDSA256"));

	/* A.3: COSE_Sign1, ES256 */
	n = vec(t, F_8392, "A.3", "token", tok, sizeof tok);
	m = vec(t, F_8392, "A.3", "payload", want, sizeof want);
	if (n > 0 && m > 0) {
		CHECK_MEM(t, want, (size_t)m, a1, (size_t)na1);
		p.accept = ACCEPT_S1;
		CHECK_INT(t, check(tok, (size_t)n, &kec, 1, &p, work, &c), sign_ok(OBOL_OK));
		if (is_openssl()) {
			check_a1(t, __LINE__, &c);
			CHECK(t, inside(c.iss, c.iss_len, work, (size_t)n));
			reencode(t, __LINE__, &c, a1, (size_t)na1);
		}
		CHECK_INT(t, obol_cose_sign1_verify(tok, (size_t)n, 0, &kec, NULL, 0, NULL,
						    &pl, &pll), sign_ok(OBOL_OK));
		if (is_openssl())
			CHECK_MEM(t, pl, pll, want, (size_t)m);
		/* the default policy takes Encrypt0 only */
		p.accept = 0;
		CHECK_INT(t, check(tok, (size_t)n, &kec, 1, &p, work, &c), OBOL_ERR_COSE_FORMAT);
		CHECK_INT(t, c.present, 0);
		p.accept = ACCEPT_S1;
		tok[n - 1] ^= 1; /* signature */
		CHECK_INT(t, check(tok, (size_t)n, &kec, 1, &p, work, &c),
			  sign_ok(OBOL_ERR_CRYPTO_AUTH));
	}

	/* A.4: tag 61 around COSE_Mac0, HMAC 256/64 */
	n = vec(t, F_8392, "A.4", "token", tok, sizeof tok);
	m = vec(t, F_8392, "A.4", "payload", want, sizeof want);
	if (n > 2 && m > 0) {
		CHECK_MEM(t, want, (size_t)m, a1, (size_t)na1);
		CHECK(t, tok[0] == 0xd8 && tok[1] == 0x3d && tok[2] == 0xd1);
		p.accept = ACCEPT_M0;
		/* as printed, the key says AES-CCM (alg 10): refused for HMAC */
		CHECK_INT(t, check(tok, (size_t)n, &k256, 1, &p, work, &c),
			  OBOL_ERR_COSE_ALG_MISMATCH);
		k256.alg = OBOL_ALG_HMAC_256_64;
		CHECK_INT(t, check(tok, (size_t)n, &k256, 1, &p, work, &c), OBOL_OK);
		check_a1(t, __LINE__, &c);
		CHECK_MEM(t, work, (size_t)n, tok, (size_t)n); /* verified, not changed */
		/* without tag 61 */
		CHECK_INT(t, check(tok + 2, (size_t)n - 2, &k256, 1, &p, work, &c), OBOL_OK);
		check_a1(t, __LINE__, &c);
		CHECK_INT(t, obol_cose_mac0_verify(tok + 2, (size_t)n - 2, 0, &k256, NULL, 0,
						   NULL, &pl, &pll), OBOL_OK);
		CHECK_MEM(t, pl, pll, want, (size_t)m);
		p.accept = ACCEPT_E0 | ACCEPT_S1;
		CHECK_INT(t, check(tok, (size_t)n, &k256, 1, &p, work, &c), OBOL_ERR_COSE_FORMAT);
		p.accept = ACCEPT_M0;
		tok[n - 1] ^= 0x80; /* the MAC */
		CHECK_INT(t, check(tok, (size_t)n, &k256, 1, &p, work, &c), OBOL_ERR_CRYPTO_AUTH);
		CHECK_INT(t, c.present, 0);
	}

	/* A.5: COSE_Encrypt0, decrypted in place to A.1 */
	n = vec(t, F_8392, "A.5", "token", tok, sizeof tok);
	m = vec(t, F_8392, "A.5", "plaintext", want, sizeof want);
	if (n > 0 && m > 0) {
		uint8_t iv[13];
		CHECK_MEM(t, want, (size_t)m, a1, (size_t)na1);
		CHECK_INT(t, vec(t, F_8392, "A.5", "iv", iv, sizeof iv), 13);
		p.accept = 0;
		CHECK_INT(t, check(tok, (size_t)n, &k128, 1, &p, work, &c), OBOL_OK);
		check_a1(t, __LINE__, &c);
		CHECK(t, inside(c.iss, c.iss_len, work, (size_t)n));
		CHECK(t, contains(work, (size_t)n, a1, (size_t)na1)); /* in place */
		reencode(t, __LINE__, &c, a1, (size_t)na1);
		memcpy(work, tok, (size_t)n);
		CHECK_INT(t, obol_cose_decrypt0(work, (size_t)n, 0, &k128, NULL, 0, &hdr,
						&pt, &ptl), OBOL_OK);
		CHECK_MEM(t, pt, ptl, want, (size_t)m);
		CHECK(t, inside(pt, ptl, work, (size_t)n));
		CHECK_MEM(t, hdr.iv, hdr.iv_len, iv, sizeof iv);
		/* the wrong key leaves no plaintext */
		bad = k128;
		bad.k = key16a;
		CHECK_INT(t, check(tok, (size_t)n, &bad, 1, &p, work, &c), OBOL_ERR_CRYPTO_AUTH);
		CHECK(t, !contains(work, (size_t)n, a1 + 1, 8));
		CHECK_INT(t, c.present, 0);
		/* A.1's claims are fine, but not for another audience or later */
		p.audiences = NULL;
		p.naud = 0;
		CHECK_INT(t, check(tok, (size_t)n, &k128, 1, &p, work, &c), OBOL_OK);
		p.audiences = light;
		p.naud = 1;
		p.now = 1444064944;
		CHECK_INT(t, check(tok, (size_t)n, &k128, 1, &p, work, &c), OBOL_ERR_CWT_EXPIRED);
		CHECK(t, !contains(work, (size_t)n, a1 + 1, 8)); /* wiped */
		p.now = 1443944943;
		CHECK_INT(t, check(tok, (size_t)n, &k128, 1, &p, work, &c), OBOL_ERR_CWT_NOT_YET);
		p.now = 1444000000;
	}

	/* A.6: Encrypt0 around the A.3 Sign1: a nested CWT */
	n = vec(t, F_8392, "A.6", "token", tok, sizeof tok);
	m = vec(t, F_8392, "A.6", "plaintext", want, sizeof want);
	if (n > 0 && m > 0) {
		uint8_t a3[BUF], iv[13];
		long n_a3 = vec(t, F_8392, "A.3", "token", a3, sizeof a3);
		CHECK_MEM(t, want, (size_t)m, a3, (size_t)n_a3);
		CHECK_INT(t, vec(t, F_8392, "A.6", "iv", iv, sizeof iv), 13);
		memcpy(work, tok, (size_t)n);
		CHECK_INT(t, obol_cose_decrypt0(work, (size_t)n, 0, &k128, NULL, 0, &hdr,
						&pt, &ptl), OBOL_OK);
		CHECK_MEM(t, pt, ptl, want, (size_t)m);
		CHECK_MEM(t, hdr.iv, hdr.iv_len, iv, sizeof iv);
		off = (size_t)(pt - work);
		keys[0] = k128;
		keys[1] = kec;
		p.accept = ACCEPT_E0 | ACCEPT_S1;
		CHECK_INT(t, check(tok, (size_t)n, keys, 2, &p, work, &c), sign_ok(OBOL_OK));
		if (is_openssl()) {
			check_a1(t, __LINE__, &c);
			CHECK(t, inside(c.iss, c.iss_len, work + off, ptl));
		} else {
			CHECK(t, all_zero(work + off, ptl)); /* plaintext wiped */
		}
		/* the inner Sign1 must be accepted too */
		p.accept = ACCEPT_E0;
		CHECK_INT(t, check(tok, (size_t)n, keys, 2, &p, work, &c), OBOL_ERR_COSE_FORMAT);
		CHECK(t, all_zero(work + off, ptl));
		/* and its key (kid "AsymmetricECDSA256") given */
		p.accept = ACCEPT_E0 | ACCEPT_S1;
		CHECK_INT(t, check(tok, (size_t)n, keys, 1, &p, work, &c), OBOL_ERR_COSE_KID);
		CHECK(t, all_zero(work + off, ptl));
		CHECK_INT(t, c.present, 0);
	}

	/* A.7: Mac0 over {6: 1443944944.5}: the MAC is right, the float
	 * NumericDate is refused by policy (cwt.h) */
	n = vec(t, F_8392, "A.7", "token", tok, sizeof tok);
	m = vec(t, F_8392, "A.7", "payload", want, sizeof want);
	if (n > 0 && m > 0) {
		CHECK_INT(t, m, 11);
		CHECK_INT(t, want[2], 0xfb); /* a double */
		k256.alg = OBOL_ALG_HMAC_256_64;
		CHECK_INT(t, obol_cose_mac0_verify(tok, (size_t)n, 0, &k256, NULL, 0, NULL,
						   &pl, &pll), OBOL_OK);
		CHECK_MEM(t, pl, pll, want, (size_t)m);
		CHECK_INT(t, obol_cwt_decode_claims(pl, pll, &c), OBOL_ERR_CWT_CLAIM);
		p.accept = ACCEPT_M0;
		p.naud = 0;
		p.flags = OBOL_CWT_ALLOW_NO_EXPIRY;
		CHECK_INT(t, check(tok, (size_t)n, &k256, 1, &p, work, &c), OBOL_ERR_CWT_CLAIM);
		CHECK_INT(t, c.present, 0);
		p.flags = 0;
		p.naud = 1;
	}

	/* RFC 8747 3.3: the Encrypted_COSE_Key opens with the RFC's key */
	n = vec(t, F_8747, "3.3", "cnf_key", tok, sizeof tok);
	m = vec(t, F_8747, "3.3", "cnf_plaintext", plain, sizeof plain);
	if (n > 0 && m > 0 && vec(t, F_8747, "3.3", "kek", kek, sizeof kek) == 16) {
		struct obol_cose_key kk = sym(kek, 16, 0, NULL), pop;
		CHECK_INT(t, obol_cose_decrypt0(tok, (size_t)n, 0, &kk, NULL, 0, &hdr, &pt,
						&ptl), OBOL_OK);
		CHECK_MEM(t, pt, ptl, plain, (size_t)m);
		CHECK_INT(t, hdr.alg, OBOL_ALG_AES_CCM_16_64_128);
		CHECK_INT(t, obol_cose_key_decode(pt, ptl, &pop), OBOL_OK);
		CHECK_INT(t, pop.kty, OBOL_COSE_KTY_SYMMETRIC);
		CHECK_INT(t, pop.alg, OBOL_ALG_HMAC_256_256);
		CHECK_INT(t, pop.k_len, 32);
	}
}

/* The claims of a token validated from s.c came back unchanged. */
static void same_claims(struct obol_test_ctx *t, int line,
			const struct obol_cwt_claims *got,
			const struct obol_cwt_claims *want)
{
	uint8_t a[BUF], b[BUF];
	size_t na = 0, nb = 0;
	obol_test_check_int(t, __FILE__, line, "encode got", encode(got, a, sizeof a, &na), OBOL_OK);
	obol_test_check_int(t, __FILE__, line, "encode want", encode(want, b, sizeof b, &nb), OBOL_OK);
	obol_test_check_mem(t, __FILE__, line, "claims", a, na, b, nb);
}

/* obol_cwt_protect: the OSCORE token, sizes, tags, measuring, wiping. */
static void test_tokens_protect(struct obol_test_ctx *t)
{
	static const char *const rs1[] = {"rs1"};
	struct std_claims s;
	struct obol_cose_key key = sym(key16a, 16, OBOL_ALG_AES_CCM_16_64_128, NULL);
	struct obol_cose_key mkey = sym(key32, 32, OBOL_ALG_HMAC_256_64, NULL);
	struct obol_cose_hdr h;
	struct obol_cwt_claims c;
	struct obol_cwt_policy p = policy(OBOL_CWT_NO_CLOCK, rs1, 1);
	uint8_t tok[BUF], tok61[BUF], toku[BUF], work[BUF], scratch[BUF], claims[BUF];
	size_t len = 0, len61 = 0, lenu = 0, n = 0, claims_len = 0, i;
	char line[200];

	std_claims(&s);
	CHECK_INT(t, encode(&s.c, claims, sizeof claims, &claims_len), OBOL_OK);

	/* the token of the issue: Encrypt0, 16-byte key, one AIF entry,
	 * OSCORE_Input_Material {id 1 B, ms 16 B, salt 8 B} */
	CHECK_INT(t, make(OBOL_CWT_ENCRYPT0, &key, NULL, 0, 0, &s.c, tok, sizeof tok,
			  &len), OBOL_OK);
	CHECK_INT(t, tok[0], 0xd0); /* tag 16 */
	snprintf(line, sizeof line,
		 "  OSCORE access token (Encrypt0 AES-CCM-16-64-128, no kid; aud \"rs1\", "
		 "exi, cti 2 B, AIF [[\"/temp\", GET]], osc id 1 B + ms 16 B + salt 8 B): "
		 "%zu bytes (claims %zu)", len, claims_len);
	t->out(line);
	CHECK(t, len <= 100);
	/* 13-byte IV, 8-byte tag, protected {1: 10}, bstr heads: 24 bytes */
	CHECK_INT(t, len, claims_len + 1 + 1 + 4 + 1 + 2 + 13 + 2 + 8);
	CHECK(t, !contains(tok, len, osc_ms, sizeof osc_ms)); /* no key on the wire */
	CHECK(t, !contains(tok, len, (const uint8_t *)"/temp", 5));

	/* round trip, decrypted in place */
	CHECK_INT(t, check(tok, len, &key, 1, &p, work, &c), OBOL_OK);
	same_claims(t, __LINE__, &c, &s.c);
	CHECK(t, inside(c.cnf_osc.ms, 16, work, len));
	CHECK_MEM(t, c.cnf_osc.ms, c.cnf_osc.ms_len, osc_ms, sizeof osc_ms);
	CHECK_MEM(t, c.cnf_osc.salt, c.cnf_osc.salt_len, osc_salt, sizeof osc_salt);
	CHECK_MEM(t, c.cnf_osc.id, c.cnf_osc.id_len, osc_id, sizeof osc_id);
	CHECK_INT(t, c.scope_type, OBOL_CWT_SCOPE_AIF);
	CHECK_INT(t, obol_aif_allows(c.scope, c.scope_len, "/temp", 5, 1), 1);
	CHECK_INT(t, obol_aif_allows(c.scope, c.scope_len, "/temp", 5, 3), 0);
	CHECK(t, c.exi == 3600);
	CHECK(t, contains(work, len, claims, claims_len));

	/* two tokens from the same claims differ (random IV) */
	CHECK_INT(t, make(OBOL_CWT_ENCRYPT0, &key, NULL, 0, 0, &s.c, toku, sizeof toku,
			  &lenu), OBOL_OK);
	CHECK(t, lenu == len && memcmp(toku, tok, len) != 0);

	/* with a 1-byte kid: 3 bytes more */
	CHECK_INT(t, make(OBOL_CWT_ENCRYPT0, &key, "\x01", 0, 0, &s.c, toku, sizeof toku,
			  &lenu), OBOL_OK);
	CHECK_INT(t, lenu, len + 3);
	snprintf(line, sizeof line, "  same token with a 1-byte kid: %zu bytes; in tag 61: %zu",
		 lenu, len + 2);
	t->out(line);

	/* tag 61 present and absent; COSE tag absent */
	CHECK_INT(t, make(OBOL_CWT_ENCRYPT0, &key, NULL, 0, OBOL_CWT_TAG61, &s.c, tok61,
			  sizeof tok61, &len61), OBOL_OK);
	CHECK_INT(t, len61, len + 2);
	CHECK(t, tok61[0] == 0xd8 && tok61[1] == 0x3d && tok61[2] == 0xd0);
	CHECK_INT(t, check(tok61, len61, &key, 1, &p, work, &c), OBOL_OK);
	same_claims(t, __LINE__, &c, &s.c);
	CHECK_INT(t, make(OBOL_CWT_ENCRYPT0, &key, NULL, OBOL_COSE_UNTAGGED, 0, &s.c, toku,
			  sizeof toku, &lenu), OBOL_OK);
	CHECK_INT(t, lenu, len - 1);
	CHECK_INT(t, toku[0], 0x83);
	CHECK_INT(t, check(toku, lenu, &key, 1, &p, work, &c), OBOL_OK);
	same_claims(t, __LINE__, &c, &s.c);
	/* tag 61 must be followed by a COSE tag (RFC 8392 7.2 step 2) */
	CHECK_INT(t, make(OBOL_CWT_ENCRYPT0, &key, NULL, OBOL_COSE_UNTAGGED, OBOL_CWT_TAG61,
			  &s.c, work, sizeof work, &n), OBOL_ERR_ARG);
	tok61[0] = 0xd8;
	tok61[1] = 0x3d;
	memcpy(tok61 + 2, toku, lenu);
	CHECK_INT(t, check(tok61, lenu + 2, &key, 1, &p, work, &c), OBOL_ERR_COSE_TAG);
	/* tag 61 twice, or another tag */
	tok61[0] = 0xd8;
	tok61[1] = 0x3d;
	tok61[2] = 0xd8;
	tok61[3] = 0x3d;
	memcpy(tok61 + 4, tok, len);
	CHECK_INT(t, check(tok61, len + 4, &key, 1, &p, work, &c), OBOL_ERR_COSE_TAG);
	tok61[1] = 0x3e; /* tag 62 */
	memcpy(tok61 + 2, tok, len);
	CHECK_INT(t, check(tok61, len + 2, &key, 1, &p, work, &c), OBOL_ERR_COSE_TAG);
	tok61[1] = 0x3d;
	tok61[2] = 0xd1; /* tag 17 on an Encrypt0 */
	memcpy(tok61 + 3, tok + 1, len - 1);
	CHECK_INT(t, check(tok61, len + 2, &key, 1, &p, work, &c), OBOL_ERR_COSE_FORMAT);

	/* measuring: scratch first, then the token (cbor.h semantics) */
	n = 0;
	CHECK_INT(t, obol_cwt_protect(OBOL_CWT_ENCRYPT0, &key, NULL, 0, 0, &s.c, NULL, 0,
				      NULL, 0, &n), OBOL_ERR_NO_SPACE);
	CHECK_INT(t, n, claims_len);
	memset(&h, 0, sizeof h);
	h.alg = OBOL_ALG_AES_CCM_16_64_128;
	CHECK_INT(t, obol_cwt_protect(OBOL_CWT_ENCRYPT0, &key, &h, 0, 0, &s.c, scratch,
				      claims_len - 1, tok, sizeof tok, &n), OBOL_ERR_NO_SPACE);
	CHECK_INT(t, n, claims_len);
	CHECK_INT(t, obol_cwt_protect(OBOL_CWT_ENCRYPT0, &key, &h, 0, 0, &s.c, scratch,
				      claims_len, NULL, 0, &n), OBOL_ERR_NO_SPACE);
	CHECK_INT(t, n, len);
	CHECK_INT(t, obol_cwt_protect(OBOL_CWT_ENCRYPT0, &key, &h, 0, 0, &s.c, scratch,
				      claims_len, tok, len - 1, &n), OBOL_ERR_NO_SPACE);
	CHECK_INT(t, n, len);
	CHECK_INT(t, obol_cwt_protect(OBOL_CWT_ENCRYPT0, &key, &h, 0, OBOL_CWT_TAG61, &s.c,
				      scratch, claims_len, NULL, 0, &n), OBOL_ERR_NO_SPACE);
	CHECK_INT(t, n, len + 2);
	CHECK_INT(t, obol_cwt_protect(OBOL_CWT_ENCRYPT0, &key, &h, 0, OBOL_CWT_TAG61, &s.c,
				      scratch, claims_len, tok61, 1, &n), OBOL_ERR_NO_SPACE);
	CHECK_INT(t, n, len + 2);
	CHECK_INT(t, obol_cwt_protect(OBOL_CWT_ENCRYPT0, &key, &h, 0, OBOL_CWT_TAG61, &s.c,
				      scratch, claims_len, tok61, len + 1, &n), OBOL_ERR_NO_SPACE);
	CHECK_INT(t, n, len + 2);
	/* the scratch copy of the claims is wiped, whatever happened */
	memset(scratch, 0xaa, sizeof scratch);
	CHECK_INT(t, obol_cwt_protect(OBOL_CWT_ENCRYPT0, &key, &h, 0, 0, &s.c, scratch,
				      sizeof scratch, tok, len, &n), OBOL_OK);
	CHECK_INT(t, n, len);
	CHECK(t, all_zero(scratch, claims_len));
	CHECK_INT(t, scratch[claims_len], 0xaa);
	memset(scratch, 0xaa, sizeof scratch);
	CHECK_INT(t, obol_cwt_protect(OBOL_CWT_ENCRYPT0, &key, &h, 0, 0, &s.c, scratch,
				      sizeof scratch, tok, 10, &n), OBOL_ERR_NO_SPACE);
	CHECK(t, all_zero(scratch, claims_len));
	memset(scratch, 0xaa, sizeof scratch);
	key.k_len = 15; /* a bad key */
	CHECK(t, obol_cwt_protect(OBOL_CWT_ENCRYPT0, &key, &h, 0, 0, &s.c, scratch,
				  sizeof scratch, tok, sizeof tok, &n) < 0);
	CHECK(t, all_zero(scratch, claims_len));
	key.k_len = 16;
	CHECK_INT(t, obol_cwt_protect(OBOL_CWT_ENCRYPT0, &key, &h, 0, 0, &s.c, scratch,
				      sizeof scratch, tok, sizeof tok, &n), OBOL_OK);

	/* arguments */
	CHECK_INT(t, obol_cwt_protect(OBOL_CWT_ENCRYPT0, &key, &h, 0, 0, &s.c, scratch,
				      sizeof scratch, tok, sizeof tok, NULL), OBOL_ERR_ARG);
	CHECK_INT(t, obol_cwt_protect(OBOL_CWT_ENCRYPT0, &key, &h, 0, 0, NULL, scratch,
				      sizeof scratch, tok, sizeof tok, &n), OBOL_ERR_ARG);
	CHECK_INT(t, obol_cwt_protect((enum obol_cwt_protection)19, &key, &h, 0, 0, &s.c,
				      scratch, sizeof scratch, tok, sizeof tok, &n), OBOL_ERR_ARG);
	s.c.cnf_type = OBOL_CWT_CNF_NONE; /* claims it cannot encode */
	CHECK_INT(t, obol_cwt_protect(OBOL_CWT_ENCRYPT0, &key, &h, 0, 0, &s.c, scratch,
				      sizeof scratch, tok, sizeof tok, &n), OBOL_ERR_ARG);
	std_claims(&s);
	CHECK_INT(t, make(OBOL_CWT_ENCRYPT0, &key, NULL, 0, 0, &s.c, tok, sizeof tok,
			  &len), OBOL_OK);

	/* Mac0 (HMAC 256/64 and 256/256) and the accept mask */
	CHECK_INT(t, make(OBOL_CWT_MAC0, &mkey, NULL, 0, 0, &s.c, toku, sizeof toku, &lenu),
		  OBOL_OK);
	CHECK_INT(t, toku[0], 0xd1);
	CHECK(t, contains(toku, lenu, claims, claims_len)); /* Mac0 is not secret */
	p.accept = 0; /* Encrypt0 only */
	CHECK_INT(t, check(toku, lenu, &mkey, 1, &p, work, &c), OBOL_ERR_COSE_FORMAT);
	p.accept = ACCEPT_E0 | ACCEPT_S1;
	CHECK_INT(t, check(toku, lenu, &mkey, 1, &p, work, &c), OBOL_ERR_COSE_FORMAT);
	p.accept = ACCEPT_M0;
	CHECK_INT(t, check(toku, lenu, &mkey, 1, &p, work, &c), OBOL_OK);
	same_claims(t, __LINE__, &c, &s.c);
	CHECK_INT(t, check(tok, len, &key, 1, &p, work, &c), OBOL_ERR_COSE_FORMAT);
	p.accept = ACCEPT_E0 | ACCEPT_M0 | ACCEPT_S1;
	CHECK_INT(t, check(toku, lenu, &mkey, 1, &p, work, &c), OBOL_OK);
	CHECK_INT(t, check(tok, len, &key, 1, &p, work, &c), OBOL_OK);
	toku[lenu - 1] ^= 1;
	CHECK_INT(t, check(toku, lenu, &mkey, 1, &p, work, &c), OBOL_ERR_CRYPTO_AUTH);
	mkey.alg = OBOL_ALG_HMAC_256_256;
	CHECK_INT(t, make(OBOL_CWT_MAC0, &mkey, NULL, 0, OBOL_CWT_TAG61, &s.c, toku,
			  sizeof toku, &lenu), OBOL_OK);
	CHECK(t, toku[0] == 0xd8 && toku[1] == 0x3d && toku[2] == 0xd1);
	CHECK_INT(t, check(toku, lenu, &mkey, 1, &p, work, &c), OBOL_OK);
	same_claims(t, __LINE__, &c, &s.c);

	/* Sign1 (ES256 with RFC 8392 A.2.3's key; EdDSA has no key here) */
	{
		uint8_t kb[256];
		struct obol_cose_key kec, pub;
		long nk = vec(t, F_8392, "A.2.3", "key", kb, sizeof kb);
		if (nk > 0 && obol_cose_key_decode(kb, (size_t)nk, &kec) == OBOL_OK) {
			int err = make(OBOL_CWT_SIGN1, &kec, NULL, 0, 0, &s.c, toku,
				       sizeof toku, &lenu);
			CHECK_INT(t, err, sign_ok(OBOL_OK));
			if (err == OBOL_OK) {
				CHECK_INT(t, toku[0], 0xd2);
				pub = kec;
				pub.d = NULL;
				pub.d_len = 0;
				p.accept = ACCEPT_S1;
				CHECK_INT(t, check(toku, lenu, &pub, 1, &p, work, &c), OBOL_OK);
				same_claims(t, __LINE__, &c, &s.c);
				p.accept = 0;
				CHECK_INT(t, check(toku, lenu, &pub, 1, &p, work, &c),
					  OBOL_ERR_COSE_FORMAT);
			}
		}
	}

	/* tampering */
	p.accept = 0;
	CHECK_INT(t, make(OBOL_CWT_ENCRYPT0, &key, NULL, 0, 0, &s.c, tok, sizeof tok,
			  &len), OBOL_OK);
	for (i = len - 1; i + 40 > len; i -= 13) { /* tag, ciphertext */
		tok[i] ^= 0x04;
		CHECK_INT(t, check(tok, len, &key, 1, &p, work, &c), OBOL_ERR_CRYPTO_AUTH);
		CHECK(t, !contains(work, len, claims + 1, 8));
		CHECK_INT(t, c.present, 0);
		tok[i] ^= 0x04;
	}
	tok[10] ^= 0x01; /* in the IV */
	CHECK_INT(t, check(tok, len, &key, 1, &p, work, &c), OBOL_ERR_CRYPTO_AUTH);
	tok[10] ^= 0x01;
	CHECK_INT(t, tok[5], OBOL_ALG_AES_CCM_16_64_128); /* d0 83 43 a1 01 0a */
	tok[5] = 12; /* AES-CCM-64-64-128: not obol's, and MACed anyway */
	CHECK_INT(t, check(tok, len, &key, 1, &p, work, &c), OBOL_ERR_COSE_ALG);
	tok[5] = OBOL_ALG_HMAC_256_64; /* not an Encrypt0 algorithm */
	CHECK_INT(t, check(tok, len, &key, 1, &p, work, &c), OBOL_ERR_COSE_ALG);
	tok[5] = OBOL_ALG_AES_CCM_16_64_128;
	CHECK_INT(t, check(tok, len - 1, &key, 1, &p, work, &c), OBOL_ERR_CBOR_TRUNCATED);
	tok[len] = 0x00;
	CHECK_INT(t, check(tok, len + 1, &key, 1, &p, work, &c), OBOL_ERR_CBOR_TRAILING);
	CHECK_INT(t, check(tok, 0, &key, 1, &p, work, &c), OBOL_ERR_CBOR_TRUNCATED);
	CHECK_INT(t, check((const uint8_t *)"\xff", 1, &key, 1, &p, work, &c),
		  OBOL_ERR_CBOR_BAD_BREAK);
	CHECK_INT(t, check((const uint8_t *)"\xa0", 1, &key, 1, &p, work, &c),
		  OBOL_ERR_COSE_FORMAT);
	CHECK_INT(t, check(tok, len, &key, 1, &p, work, &c), OBOL_OK);
}

#define T0 INT64_C(1700000000)

/* Protect c (Encrypt0 under key, no kid) and validate it under p. */
static int roundtrip(const struct obol_cwt_claims *c, const struct obol_cose_key *key,
		     const struct obol_cwt_policy *p, struct obol_cwt_claims *out)
{
	uint8_t tok[BUF], work[BUF];
	size_t len = 0;
	int err = make(OBOL_CWT_ENCRYPT0, key, NULL, 0, 0, c, tok, sizeof tok, &len);

	if (err != OBOL_OK)
		return 1000 + err; /* never an expected value */
	err = check(tok, len, key, 1, p, work, out);
	if (err != OBOL_OK && out->present != 0)
		return 2000; /* *c must be cleared on error */
	return err;
}

/* obol_cwt_validate: the policy, in the header's order, and the keys. */
static void test_tokens_policy(struct obol_test_ctx *t)
{
	static const char *const rs1[] = {"rs1"};
	static const char *const two[] = {"rs0", "rs1"};
	static const char *const withnull[] = {NULL, "rs1"};
	static const char *const rs[] = {"rs"};
	static const char *const rs10[] = {"rs10"};
	struct obol_cose_key key = sym(key16a, 16, OBOL_ALG_AES_CCM_16_64_128, NULL);
	struct std_claims s;
	struct obol_cwt_claims c, out;
	struct obol_cwt_policy p = policy(T0, rs1, 1);

	std_claims(&s);

	/* audience */
	CHECK_INT(t, roundtrip(&s.c, &key, &p, &out), OBOL_OK);
	p.audiences = two;
	p.naud = 2;
	CHECK_INT(t, roundtrip(&s.c, &key, &p, &out), OBOL_OK);
	p.audiences = withnull;
	CHECK_INT(t, roundtrip(&s.c, &key, &p, &out), OBOL_OK);
	p.audiences = rs;
	p.naud = 1;
	CHECK_INT(t, roundtrip(&s.c, &key, &p, &out), OBOL_ERR_CWT_AUD);
	p.audiences = rs10;
	CHECK_INT(t, roundtrip(&s.c, &key, &p, &out), OBOL_ERR_CWT_AUD);
	p.audiences = NULL; /* naud 0: no audience check (tools only) */
	p.naud = 0;
	CHECK_INT(t, roundtrip(&s.c, &key, &p, &out), OBOL_OK);
	c = s.c;
	c.present &= ~OBOL_CWT_F_AUD;
	CHECK_INT(t, roundtrip(&c, &key, &p, &out), OBOL_OK);
	p.audiences = rs1;
	p.naud = 1;
	CHECK_INT(t, roundtrip(&c, &key, &p, &out), OBOL_ERR_CWT_AUD); /* missing */

	/* exp: valid while now < exp + leeway (RFC 7519 4.1.4) */
	c = s.c;
	c.present = (c.present & ~OBOL_CWT_F_EXI) | OBOL_CWT_F_EXP;
	c.exp = T0;
	p.now = T0 - 1;
	CHECK_INT(t, roundtrip(&c, &key, &p, &out), OBOL_OK);
	p.now = T0;
	CHECK_INT(t, roundtrip(&c, &key, &p, &out), OBOL_ERR_CWT_EXPIRED);
	p.now = T0 + 1000;
	CHECK_INT(t, roundtrip(&c, &key, &p, &out), OBOL_ERR_CWT_EXPIRED);
	p.leeway = 10;
	p.now = T0 + 9;
	CHECK_INT(t, roundtrip(&c, &key, &p, &out), OBOL_OK);
	p.now = T0 + 10;
	CHECK_INT(t, roundtrip(&c, &key, &p, &out), OBOL_ERR_CWT_EXPIRED);
	p.now = T0 + 11;
	CHECK_INT(t, roundtrip(&c, &key, &p, &out), OBOL_ERR_CWT_EXPIRED);
	/* no clock, exp only: nothing the RS can check */
	p.now = OBOL_CWT_NO_CLOCK;
	CHECK_INT(t, roundtrip(&c, &key, &p, &out), OBOL_ERR_CWT_NO_TIME);
	p.flags = OBOL_CWT_ALLOW_NO_EXPIRY; /* is about tokens without exp and exi */
	CHECK_INT(t, roundtrip(&c, &key, &p, &out), OBOL_ERR_CWT_NO_TIME);
	p.flags = 0;
	/* exp and exi: without a clock, exi does */
	c.present |= OBOL_CWT_F_EXI;
	CHECK_INT(t, roundtrip(&c, &key, &p, &out), OBOL_OK);
	p.now = T0 + 10;
	CHECK_INT(t, roundtrip(&c, &key, &p, &out), OBOL_ERR_CWT_EXPIRED);
	p.leeway = 0;

	/* nbf: valid from now + leeway >= nbf (RFC 7519 4.1.5) */
	c = s.c; /* exi */
	c.present |= OBOL_CWT_F_NBF;
	c.nbf = T0;
	p.now = T0 - 1;
	CHECK_INT(t, roundtrip(&c, &key, &p, &out), OBOL_ERR_CWT_NOT_YET);
	p.now = T0;
	CHECK_INT(t, roundtrip(&c, &key, &p, &out), OBOL_OK);
	p.leeway = 10;
	p.now = T0 - 10;
	CHECK_INT(t, roundtrip(&c, &key, &p, &out), OBOL_OK);
	p.now = T0 - 11;
	CHECK_INT(t, roundtrip(&c, &key, &p, &out), OBOL_ERR_CWT_NOT_YET);
	p.now = OBOL_CWT_NO_CLOCK; /* cannot be checked; exi is there */
	CHECK_INT(t, roundtrip(&c, &key, &p, &out), OBOL_OK);
	p.leeway = 0;

	/* exi: the caller's to track; accepted with or without a clock */
	p.now = OBOL_CWT_NO_CLOCK;
	CHECK_INT(t, roundtrip(&s.c, &key, &p, &out), OBOL_OK);
	CHECK(t, out.exi == 3600);
	p.now = T0;
	CHECK_INT(t, roundtrip(&s.c, &key, &p, &out), OBOL_OK);

	/* no expiry at all: refused unless OBOL_CWT_ALLOW_NO_EXPIRY */
	c = s.c;
	c.present &= ~OBOL_CWT_F_EXI;
	CHECK_INT(t, roundtrip(&c, &key, &p, &out), OBOL_ERR_CWT_NO_TIME);
	p.now = OBOL_CWT_NO_CLOCK;
	CHECK_INT(t, roundtrip(&c, &key, &p, &out), OBOL_ERR_CWT_NO_TIME);
	p.flags = OBOL_CWT_ALLOW_NO_EXPIRY;
	CHECK_INT(t, roundtrip(&c, &key, &p, &out), OBOL_OK);
	p.now = T0;
	CHECK_INT(t, roundtrip(&c, &key, &p, &out), OBOL_OK);
	p.flags = 0;

	/* the order: aud, exp, nbf, expiry */
	c = s.c;
	c.present = (c.present & ~OBOL_CWT_F_EXI) | OBOL_CWT_F_EXP | OBOL_CWT_F_NBF;
	c.exp = T0 - 100;
	c.nbf = T0 + 100;
	c.aud = "rs2";
	p.now = T0;
	CHECK_INT(t, roundtrip(&c, &key, &p, &out), OBOL_ERR_CWT_AUD);
	c.aud = "rs1";
	CHECK_INT(t, roundtrip(&c, &key, &p, &out), OBOL_ERR_CWT_EXPIRED);
	c.present &= ~OBOL_CWT_F_EXP;
	CHECK_INT(t, roundtrip(&c, &key, &p, &out), OBOL_ERR_CWT_NOT_YET);
	c.present &= ~OBOL_CWT_F_NBF;
	CHECK_INT(t, roundtrip(&c, &key, &p, &out), OBOL_ERR_CWT_NO_TIME);

	/* extremes: exp + leeway and now + leeway taken exactly, beyond the
	 * int64 range too (no overflow, no saturation) */
	c = s.c;
	c.present |= OBOL_CWT_F_EXP | OBOL_CWT_F_NBF;
	c.exp = INT64_MAX;
	c.nbf = INT64_MAX;
	p.now = INT64_MAX;
	p.leeway = INT64_MAX;
	CHECK_INT(t, roundtrip(&c, &key, &p, &out), OBOL_OK);
	c.exp = INT64_MAX - 5;
	p.leeway = 5; /* exp + leeway = INT64_MAX */
	CHECK_INT(t, roundtrip(&c, &key, &p, &out), OBOL_ERR_CWT_EXPIRED);
	p.now = INT64_MAX - 1;
	CHECK_INT(t, roundtrip(&c, &key, &p, &out), OBOL_OK);
	p.now = INT64_MAX;
	p.leeway = 6; /* exp + leeway = INT64_MAX + 1 */
	CHECK_INT(t, roundtrip(&c, &key, &p, &out), OBOL_OK);
	c.exp = INT64_MAX;
	c.nbf = INT64_MIN + 12;
	p.now = INT64_MIN + 1; /* INT64_MIN itself means "no clock" */
	p.leeway = 10;         /* now + leeway = INT64_MIN + 11 < nbf */
	CHECK_INT(t, roundtrip(&c, &key, &p, &out), OBOL_ERR_CWT_NOT_YET);
	p.leeway = 11;
	CHECK_INT(t, roundtrip(&c, &key, &p, &out), OBOL_OK);
	c.nbf = INT64_MIN + 5; /* nbf - leeway below INT64_MIN */
	CHECK_INT(t, roundtrip(&c, &key, &p, &out), OBOL_OK);
	p.leeway = INT64_MAX;
	c.nbf = INT64_MAX; /* now + leeway = -1 */
	CHECK_INT(t, roundtrip(&c, &key, &p, &out), OBOL_ERR_CWT_NOT_YET);
	c.exp = INT64_MIN;
	c.nbf = INT64_MIN;
	p.leeway = 0;
	CHECK_INT(t, roundtrip(&c, &key, &p, &out), OBOL_ERR_CWT_EXPIRED);
	c.exp = -5;
	p.now = -6;
	CHECK_INT(t, roundtrip(&c, &key, &p, &out), OBOL_OK);
	p.leeway = -1;
	CHECK_INT(t, roundtrip(&c, &key, &p, &out), OBOL_ERR_ARG);
	p.leeway = 0;
	p.now = T0;
}

/* obol_cwt_validate: picking the key by kid. */
static void test_tokens_keys(struct obol_test_ctx *t)
{
	static const char *const rs1[] = {"rs1"};
	struct obol_cose_key k0 = sym(key16a, 16, OBOL_ALG_AES_CCM_16_64_128, "k0");
	struct obol_cose_key k1 = sym(key16b, 16, OBOL_ALG_AES_CCM_16_64_128, "k1");
	struct obol_cose_key keys[3], nokid, k9, impostor;
	struct std_claims s;
	struct obol_cwt_claims c;
	struct obol_cwt_policy p = policy(T0, rs1, 1);
	uint8_t tok[BUF], tok2[BUF], work[BUF], claims[BUF];
	size_t len = 0, len2 = 0, claims_len = 0;

	std_claims(&s);
	CHECK_INT(t, encode(&s.c, claims, sizeof claims, &claims_len), OBOL_OK);
	keys[0] = k0;
	keys[1] = k1;
	nokid = k1;
	nokid.kid = NULL;
	nokid.kid_len = 0;
	k9 = k1;
	k9.kid = (const uint8_t *)"k9";
	impostor = k0;
	impostor.kid = (const uint8_t *)"k1";

	/* token with kid "k1" */
	CHECK_INT(t, make(OBOL_CWT_ENCRYPT0, &k1, "k1", 0, 0, &s.c, tok, sizeof tok, &len),
		  OBOL_OK);
	CHECK_INT(t, check(tok, len, keys, 2, &p, work, &c), OBOL_OK);
	same_claims(t, __LINE__, &c, &s.c);
	CHECK_INT(t, check(tok, len, &k1, 1, &p, work, &c), OBOL_OK);
	CHECK_INT(t, check(tok, len, keys, 1, &p, work, &c), OBOL_ERR_COSE_KID);
	CHECK_INT(t, check(tok, len, &k9, 1, &p, work, &c), OBOL_ERR_COSE_KID);
	CHECK_INT(t, check(tok, len, NULL, 0, &p, work, &c), OBOL_ERR_COSE_KID);
	CHECK_INT(t, check(tok, len, &nokid, 1, &p, work, &c), OBOL_ERR_COSE_KID);
	CHECK_MEM(t, work, len, tok, len); /* nothing was decrypted */
	/* the kid matches, the key does not: no plaintext left behind */
	CHECK_INT(t, check(tok, len, &impostor, 1, &p, work, &c), OBOL_ERR_CRYPTO_AUTH);
	CHECK(t, !contains(work, len, claims + 1, 8));
	CHECK_INT(t, c.present, 0);

	/* token without a kid: only a single key will do */
	CHECK_INT(t, make(OBOL_CWT_ENCRYPT0, &k1, NULL, 0, 0, &s.c, tok2, sizeof tok2, &len2),
		  OBOL_OK);
	CHECK_INT(t, check(tok2, len2, keys, 2, &p, work, &c), OBOL_ERR_COSE_KID);
	CHECK_INT(t, check(tok2, len2, &k1, 1, &p, work, &c), OBOL_OK);
	CHECK_INT(t, check(tok2, len2, &nokid, 1, &p, work, &c), OBOL_OK);
	CHECK_INT(t, check(tok2, len2, &k0, 1, &p, work, &c), OBOL_ERR_CRYPTO_AUTH);
	CHECK_INT(t, check(tok2, len2, NULL, 0, &p, work, &c), OBOL_ERR_COSE_KID);

	/* arguments; *c is cleared whatever the error */
	memset(&c, 0x55, sizeof c);
	CHECK_INT(t, obol_cwt_validate(NULL, len, &k1, 1, &p, &c), OBOL_ERR_ARG);
	CHECK_INT(t, c.present, 0);
	memcpy(work, tok, len);
	CHECK_INT(t, obol_cwt_validate(work, len, &k1, 1, NULL, &c), OBOL_ERR_ARG);
	CHECK_INT(t, obol_cwt_validate(work, len, &k1, 1, &p, NULL), OBOL_ERR_ARG);
	CHECK_INT(t, obol_cwt_validate(work, len, NULL, 1, &p, &c), OBOL_ERR_ARG);
	p.audiences = NULL;
	CHECK_INT(t, obol_cwt_validate(work, len, &k1, 1, &p, &c), OBOL_ERR_ARG);
	p.audiences = rs1;
	CHECK_INT(t, obol_cwt_validate(work, len, &k1, 1, &p, &c), OBOL_OK);
}

/* Claims obol would not write, sealed by hand: each refused with its
 * exact error after decryption, and the plaintext wiped. */
static void test_tokens_bad_claims(struct obol_test_ctx *t)
{
	static const char *const rs1[] = {"rs1"};
	static const struct bad_claim sealed[] = {
		{"a20363727331014141", OBOL_ERR_CWT_CLAIM},     /* iss as bstr */
		{"a20363727331046131", OBOL_ERR_CWT_CLAIM},     /* exp as text */
		{"a2036372733104fb41d584367c200000", OBOL_ERR_CWT_CLAIM}, /* exp float */
		{"a203637273310762686b", OBOL_ERR_CWT_CLAIM},   /* cti as tstr */
		{"a2036372733108a2034101044100", OBOL_ERR_CWT_CNF}, /* cnf of two */
		{"a2036372733108a1074101", OBOL_ERR_CWT_CNF},   /* cnf method 7 */
		{"a2036372733108a104a1004101", OBOL_ERR_CWT_CNF}, /* osc without ms */
		{"a2036372733108a104a30041010241aa0741bb", OBOL_ERR_CWT_CNF}, /* label 7 */
		{"a20363727331098101", OBOL_ERR_AIF},           /* bare array, not AIF */
		{"a2036372733109818361" "2f" "0100", OBOL_ERR_AIF}, /* entry of 3 */
		{"a203637273311828f93c00", OBOL_ERR_CWT_CLAIM}, /* exi 1.0 */
		{"820363727331", OBOL_ERR_CBOR_TYPE},           /* not a map */
		{"a203637273311828", OBOL_ERR_CBOR_TRUNCATED},
		{"a203637273311828190e10", OBOL_OK},            /* well-formed: accepted */
	};
	struct obol_cose_key key = sym(key16a, 16, OBOL_ALG_AES_CCM_16_64_128, NULL);
	struct obol_cwt_policy p = policy(OBOL_CWT_NO_CLOCK, rs1, 1);
	struct obol_cwt_claims c;
	uint8_t pt[64], tok[BUF], work[BUF];
	size_t i;

	for (i = 0; i < sizeof sealed / sizeof sealed[0]; i++) {
		size_t n = unhex(sealed[i].hex, pt, sizeof pt);
		size_t len = seal(&key, NULL, pt, n, tok, sizeof tok);
		int err;

		CHECK(t, len > n);
		if (len <= n)
			continue;
		err = check(tok, len, &key, 1, &p, work, &c);
		obol_test_check_int(t, __FILE__, __LINE__, sealed[i].hex, err, sealed[i].err);
		if (err != OBOL_OK) {
			/* ciphertext ends 8 bytes (the tag) before the end */
			CHECK(t, all_zero(work + len - 8 - n, n));
			CHECK_INT(t, c.present, 0);
		}
	}
}

/* Nested tokens (RFC 8392 7.2 step 9) beyond A.6. */
static void test_tokens_nested(struct obol_test_ctx *t)
{
	static const char *const rs1[] = {"rs1"};
	struct obol_cose_key keys[2];
	struct std_claims s;
	struct obol_cwt_claims c;
	struct obol_cwt_policy p = policy(T0, rs1, 1);
	uint8_t inner[BUF], mid[BUF], tok[BUF], work[BUF];
	size_t ninner = 0, nmid, ntok;

	std_claims(&s);
	keys[0] = sym(key16a, 16, OBOL_ALG_AES_CCM_16_64_128, "e");
	keys[1] = sym(key32, 32, OBOL_ALG_HMAC_256_64, "m");
	p.accept = ACCEPT_E0 | ACCEPT_M0;

	/* Encrypt0(Mac0(claims)) */
	CHECK_INT(t, make(OBOL_CWT_MAC0, &keys[1], "m", 0, 0, &s.c, inner, sizeof inner,
			  &ninner), OBOL_OK);
	ntok = seal(&keys[0], "e", inner, ninner, tok, sizeof tok);
	CHECK(t, ntok > ninner);
	CHECK_INT(t, check(tok, ntok, keys, 2, &p, work, &c), OBOL_OK);
	same_claims(t, __LINE__, &c, &s.c);
	p.accept = ACCEPT_E0;
	CHECK_INT(t, check(tok, ntok, keys, 2, &p, work, &c), OBOL_ERR_COSE_FORMAT);
	CHECK(t, all_zero(work + ntok - 8 - ninner, ninner));
	p.accept = ACCEPT_E0 | ACCEPT_M0;
	CHECK_INT(t, check(tok, ntok, keys, 1, &p, work, &c), OBOL_ERR_COSE_KID);

	/* the inner message in tag 61 */
	mid[0] = 0xd8;
	mid[1] = 0x3d;
	memcpy(mid + 2, inner, ninner);
	ntok = seal(&keys[0], "e", mid, ninner + 2, tok, sizeof tok);
	CHECK_INT(t, check(tok, ntok, keys, 2, &p, work, &c), OBOL_OK);
	same_claims(t, __LINE__, &c, &s.c);

	/* three layers: one too many */
	nmid = seal(&keys[0], "e", inner, ninner, mid, sizeof mid);
	ntok = seal(&keys[0], "e", mid, nmid, tok, sizeof tok);
	CHECK(t, ntok > nmid);
	CHECK_INT(t, check(tok, ntok, keys, 2, &p, work, &c), OBOL_ERR_COSE_FORMAT);
	CHECK(t, all_zero(work + ntok - 8 - nmid, nmid));

	/* an untagged inner message is not a nested CWT: not a claims set */
	CHECK_INT(t, make(OBOL_CWT_MAC0, &keys[1], "m", OBOL_COSE_UNTAGGED, 0, &s.c, inner,
			  sizeof inner, &ninner), OBOL_OK);
	ntok = seal(&keys[0], "e", inner, ninner, tok, sizeof tok);
	CHECK_INT(t, check(tok, ntok, keys, 2, &p, work, &c), OBOL_ERR_CBOR_TYPE);
}

/* Tokens of an independent implementation (tests/vectors/cwt_derived.txt):
 * obol writes the same bytes and reads them back. */
static void test_tokens_derived(struct obol_test_ctx *t)
{
	static const char *const rs1[] = {"rs1"};
	static const uint8_t iv[13] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13};
	static const struct {
		const char *field;
		int how;
		int alg;
		const char *kid;
	} toks[] = {
		{"encrypt0", OBOL_CWT_ENCRYPT0, OBOL_ALG_AES_CCM_16_64_128, NULL},
		{"encrypt0_kid", OBOL_CWT_ENCRYPT0, OBOL_ALG_AES_CCM_16_64_128, "\x01"},
		{"mac0", OBOL_CWT_MAC0, OBOL_ALG_HMAC_256_64, NULL},
		{"mac0_256", OBOL_CWT_MAC0, OBOL_ALG_HMAC_256_256, NULL},
	};
	struct std_claims s;
	struct obol_cwt_claims c;
	struct obol_cwt_policy p = policy(T0, rs1, 1);
	struct obol_cose_key keys[2];
	struct obol_cose_hdr h;
	uint8_t want[BUF], out[BUF], scratch[BUF], work[BUF];
	size_t len = 0, i;
	long n;

	std_claims(&s);
	n = vec(t, F_DERIVED, "std", "claims", want, sizeof want);
	if (n > 0) {
		CHECK_INT(t, encode(&s.c, out, sizeof out, &len), OBOL_OK);
		CHECK_MEM(t, out, len, want, (size_t)n);
	}
	p.accept = ACCEPT_E0 | ACCEPT_M0;
	for (i = 0; i < sizeof toks / sizeof toks[0]; i++) {
		struct obol_cose_key key = toks[i].how == OBOL_CWT_ENCRYPT0
						   ? sym(key16a, 16, toks[i].alg, toks[i].kid)
						   : sym(key32, 32, toks[i].alg, toks[i].kid);
		n = vec(t, F_DERIVED, "std", toks[i].field, want, sizeof want);
		if (n <= 0)
			continue;
		memset(&h, 0, sizeof h);
		h.alg = toks[i].alg;
		if (toks[i].kid != NULL) {
			h.kid = (const uint8_t *)toks[i].kid;
			h.kid_len = 1;
		}
		if (toks[i].how == OBOL_CWT_ENCRYPT0) {
			h.iv = iv;
			h.iv_len = sizeof iv;
		}
		CHECK_INT(t, obol_cwt_protect((enum obol_cwt_protection)toks[i].how, &key, &h,
					      0, 0, &s.c, scratch, sizeof scratch, out,
					      sizeof out, &len), OBOL_OK);
		CHECK_MEM(t, out, len, want, (size_t)n);
		CHECK_INT(t, check(want, (size_t)n, &key, 1, &p, work, &c), OBOL_OK);
		same_claims(t, __LINE__, &c, &s.c);
	}
	n = vec(t, F_DERIVED, "nested", "token", want, sizeof want);
	if (n > 0) {
		keys[0] = sym(key16a, 16, OBOL_ALG_AES_CCM_16_64_128, "e");
		keys[1] = sym(key32, 32, OBOL_ALG_HMAC_256_64, "m");
		CHECK_INT(t, check(want, (size_t)n, keys, 2, &p, work, &c), OBOL_OK);
		same_claims(t, __LINE__, &c, &s.c);
	}
}

/* ---- exi ------------------------------------------------------------------- */

static void test_exi(struct obol_test_ctx *t)
{
	CHECK_INT(t, obol_cwt_exi_expired(100, 100, 10), 0);
	CHECK_INT(t, obol_cwt_exi_expired(100, 109, 10), 0);
	CHECK_INT(t, obol_cwt_exi_expired(100, 110, 10), 1); /* at exi seconds */
	CHECK_INT(t, obol_cwt_exi_expired(100, 111, 10), 1);
	CHECK_INT(t, obol_cwt_exi_expired(0, 0, 0), 1);      /* exi 0: at once */
	CHECK_INT(t, obol_cwt_exi_expired(5, 5, 0), 1);
	CHECK_INT(t, obol_cwt_exi_expired(0, 3599, 3600), 0);
	CHECK_INT(t, obol_cwt_exi_expired(0, 3600, 3600), 1);
	/* the counter wraps around between receiving and now */
	CHECK_INT(t, obol_cwt_exi_expired(UINT64_MAX - 5, 3, 10), 0);  /* 9 ticks */
	CHECK_INT(t, obol_cwt_exi_expired(UINT64_MAX - 5, 4, 10), 1);  /* 10 ticks */
	CHECK_INT(t, obol_cwt_exi_expired(UINT64_MAX, 0, 1), 1);
	CHECK_INT(t, obol_cwt_exi_expired(UINT64_MAX, 0, 2), 0);
	CHECK_INT(t, obol_cwt_exi_expired(UINT32_MAX, (uint64_t)UINT32_MAX + 3600, 3600), 1);
	/* the largest exi */
	CHECK_INT(t, obol_cwt_exi_expired(0, UINT64_MAX, UINT64_MAX), 1);
	CHECK_INT(t, obol_cwt_exi_expired(0, UINT64_MAX - 1, UINT64_MAX), 0);
	CHECK_INT(t, obol_cwt_exi_expired(7, 6, UINT64_MAX), 1); /* 2^64 - 1 ticks */
	/* a counter that ran backwards looks like a very long time: expired
	 * (fail safe), unless exi is huge */
	CHECK_INT(t, obol_cwt_exi_expired(100, 99, 10), 1);
}

/* ---- the suite ------------------------------------------------------------- */

void test_cwt(struct obol_test_ctx *t)
{
	/* every value of the vector files is used: none skipped silently */
	CHECK_INT(t, vec_lines(F_8392), N_8392);
	CHECK_INT(t, vec_lines(F_8747), N_8747);
	CHECK_INT(t, vec_lines(F_ACE), N_ACE);
	CHECK_INT(t, vec_lines(F_DERIVED), N_DERIVED);

	test_aif(t);
	test_claims_a1(t);
	test_claims_ace(t);
	test_claims_bad(t);
	test_claims_values(t);
	test_claims_encode(t);
	test_tokens_rfc(t);
	test_tokens_protect(t);
	test_tokens_policy(t);
	test_tokens_keys(t);
	test_tokens_bad_claims(t);
	test_tokens_nested(t);
	test_tokens_derived(t);
	test_exi(t);
}
