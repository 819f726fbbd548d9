/*
 * obol token: mint, verify and generate keys for CWT access tokens
 * (RFC 8392) as ACE (RFC 9200) uses them.
 *
 *   mint    claims (JSON or EDN) -> obol_cwt_protect -> COSE_Encrypt0,
 *           COSE_Mac0 or COSE_Sign1, optionally in the CWT tag 61
 *   verify  token -> obol_cwt_validate (what a resource server runs) ->
 *           the claims as JSON, or one line naming why it was refused
 *   keygen  a fresh COSE_Key (symmetric, EC2 P-256 or OKP Ed25519)
 *
 * Everything that matters goes through the core: the claims are encoded
 * to CBOR here and decoded by obol_cwt_decode_claims before they are
 * protected, so the CLI cannot mint what the core would not accept.
 * Secrets (keys, claims that may hold an OSCORE master secret, decrypted
 * tokens) are wiped with obol_wipe before they are freed.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"

#define PROG "obol token"
#define PROG_MINT "obol token mint"
#define PROG_VERIFY "obol token verify"
#define PROG_KEYGEN "obol token keygen"

static const char token_help[] =
	"usage: obol token <subcommand> [options]\n"
	"\n"
	"Mint, verify and generate keys for CWT access tokens (RFC 8392) as ACE\n"
	"(RFC 9200) uses them.\n"
	"\n"
	"subcommands:\n"
	"  mint     protect a claims set (JSON or EDN) as a CWT\n"
	"  verify   validate a CWT as a resource server does; print its claims\n"
	"  keygen   generate a COSE_Key (symmetric, EC2 P-256, OKP Ed25519)\n"
	"\n"
	"Run 'obol token <subcommand> --help' for its options, e.g.\n"
	"  obol token keygen --symmetric --kid 01 --out rs1.key\n"
	"  echo '{\"aud\": \"rs1\", \"exp\": 1900000000, \"scope\": \"r\"}' |\n"
	"    obol token mint --encrypt --key-file rs1.key --out token.cbor\n"
	"  obol token verify token.cbor --key-file rs1.key --aud rs1\n";

static const char mint_help[] =
	"usage: obol token mint [--claims FILE|-] (--encrypt|--mac|--sign)\n"
	"                       (--key HEX | --key-file FILE) [--kid HEX] [--alg N]\n"
	"                       [--tag61] [--untagged] [--hex] [--out FILE]\n"
	"\n"
	"Protect a claims set as a CWT (RFC 8392): COSE_Encrypt0 (no claim is\n"
	"readable on the wire), COSE_Mac0 or COSE_Sign1 (RFC 9052). The protected\n"
	"header is exactly {1: alg}; kid and IV go in the unprotected header.\n"
	"Encrypt0 draws a fresh random 13-byte IV each time.\n"
	"\n"
	"options:\n"
	"  --claims FILE  the claims (default: standard input), in one of:\n"
	"    JSON, with claim names (an object whose first member is a string):\n"
	"      {\"iss\": \"as\", \"aud\": \"rs1\", \"exp\": 1700000000, \"cti\": \"0b71\",\n"
	"       \"scope\": [[\"/temp\", [\"GET\"]], [\"/led\", [\"GET\", \"PUT\"]]],\n"
	"       \"cnf\": {\"osc\": {\"id\": \"01\", \"ms\": \"f9af838368e353e78888e1426bd94e6f\"}},\n"
	"       \"ace_profile\": \"coap_oscore\"}\n"
	"      iss sub aud: text; exp nbf iat: integers (NumericDate); cti cnonce:\n"
	"      hex strings; exi: unsigned integer; ace_profile: an integer or\n"
	"      \"coap_dtls\" (1), \"coap_oscore\" (2); scope: text, or AIF-REST in\n"
	"      the JSON form of RFC 9237 (methods GET POST PUT DELETE FETCH PATCH\n"
	"      iPATCH, Dynamic-GET etc., or the Tperm integer: [[\"/temp\", 1]]),\n"
	"      sent as a byte string holding the CBOR AIF, or {\"bytes\": \"<hex>\"};\n"
	"      cnf: exactly one of {\"osc\": {id ms salt contextId as hex, version\n"
	"      hkdf alg as integers}} (RFC 9203 3.2.1), {\"kid\": \"<hex>\"},\n"
	"      {\"COSE_Key\": {\"kty\": \"EC2\", \"crv\": \"P-256\", \"x\": \"<hex>\", ...}}\n"
	"      (kty OKP|EC2|Symmetric, crv P-256|Ed25519, alg, kid, x, y, k) or\n"
	"      {\"Encrypted_COSE_Key\": \"<hex of the COSE message>\"}. An unknown\n"
	"      claim name is an error.\n"
	"    EDN (CBOR diagnostic notation) with integer claim keys:\n"
	"      {3: \"rs1\", 4: 1700000000, / scope / 9: h'8182652f74656d7001',\n"
	"       8: {4: {0: h'01', 2: h'f9af838368e353e78888e1426bd94e6f'}}}\n"
	"      integers, \"text\", h'hex', <<embedded CBOR>>, [arrays], {maps},\n"
	"      true/false/null, comments / ... / and # to the end of the line.\n"
	"    or the claims map as binary CBOR, or as its hex.\n"
	"  --encrypt      COSE_Encrypt0; --alg 10 (AES-CCM-16-64-128, default) or\n"
	"                 30 (AES-CCM-16-128-128); a 16-byte key\n"
	"  --mac          COSE_Mac0; --alg 5 (HMAC 256/256, default) or 4\n"
	"                 (HMAC 256/64); a key of 16 bytes or more\n"
	"  --sign         COSE_Sign1 with a private COSE_Key (--key-file): EC2\n"
	"                 P-256 gives ES256 (-7), OKP Ed25519 gives EdDSA (-8)\n"
	"  --key HEX      a symmetric key, as hex\n"
	"  --key-file F   a COSE_Key (RFC 9052 7): binary CBOR, hex or EDN; its\n"
	"                 kid goes in the header\n"
	"  --kid HEX      the kid to send (instead of the key's own)\n"
	"  --alg N        the COSE algorithm (see above); a key file's alg, if it\n"
	"                 has one, is the default and must agree\n"
	"  --tag61        wrap the token in the CWT tag 61 (RFC 8392 6)\n"
	"  --untagged     leave out the COSE tag (16, 17, 18)\n"
	"  --hex          print the token as hex and a newline\n"
	"  --out FILE     write the token to FILE (default: standard output)\n"
	"  -h, --help     show this help\n"
	"\n"
	"Example:\n"
	"  echo '{\"aud\": \"rs1\", \"exp\": 1900000000}' |\n"
	"    obol token mint --mac --key 000102030405060708090a0b0c0d0e0f --hex\n"
	"\n"
	"Exit status: 0 minted; 1 bad claims, key or output; 2 bad command line.\n";

static const char verify_help[] =
	"usage: obol token verify [TOKEN_FILE|-] (--key HEX | --key-file FILE) ...\n"
	"                         [--kid HEX] [--aud NAME ...] [--now UNIX | --no-clock]\n"
	"                         [--leeway S] [--allow-no-expiry] [--hex]\n"
	"                         [--accept encrypt,mac,sign] [--compact]\n"
	"\n"
	"Validate a CWT as a resource server does (obol_cwt_validate: RFC 8392\n"
	"7.2, RFC 9200 5.10.1.1): optional tag 61, the COSE message, the key by\n"
	"kid, decrypt or verify, decode the claims, then audience, exp, nbf, and\n"
	"that some expiry can be checked. Reads TOKEN_FILE or standard input,\n"
	"binary or hex (hex is recognised by itself; --hex insists on it).\n"
	"\n"
	"options:\n"
	"  --key HEX        a symmetric key, as hex\n"
	"  --key-file F     a COSE_Key (binary CBOR, hex or EDN); a public key is\n"
	"                   enough for Sign1. Give several keys (each option may\n"
	"                   repeat) for nested tokens (RFC 8392 A.6) or to let the\n"
	"                   token's kid choose; then each needs its kid\n"
	"  --kid HEX        the kid of the (single) key. A single key without a kid\n"
	"                   of its own (--key HEX, or a COSE_Key without one) takes\n"
	"                   the token's kid\n"
	"  --aud NAME       an audience of ours (repeat for several); without\n"
	"                   --aud the audience is not checked\n"
	"  --now UNIX       the time to check exp and nbf against (default: the\n"
	"                   system clock)\n"
	"  --no-clock       act as a device without a clock: the token needs exi\n"
	"  --leeway S       seconds of clock skew allowed (default 0)\n"
	"  --allow-no-expiry  accept a token with neither exp nor exi\n"
	"  --accept LIST    the protections accepted, comma-separated among\n"
	"                   encrypt, mac, sign (default: all three)\n"
	"  --hex            the token is hex text\n"
	"  --compact        print the claims on one line\n"
	"  -h, --help       show this help\n"
	"\n"
	"Output (exit 0): the claims as JSON, the keys being claim names, in the\n"
	"token's order, in the form `obol token mint` reads:\n"
	"  {\"iss\": \"coap://as.example.com\", \"aud\": \"rs1\", \"exp\": 1444064944,\n"
	"   \"cti\": \"0b71\", \"scope\": [[\"/temp\", [\"GET\"]], [\"/led\", [\"GET\", \"PUT\"]]],\n"
	"   \"cnf\": {\"osc\": {\"id\": \"01\", \"ms\": \"f9af...\"}}, \"ace_profile\": 2}\n"
	"  iss sub aud: strings; exp nbf iat exi ace_profile: integers; cti,\n"
	"  cnonce and every byte string inside cnf (osc id ms salt contextId;\n"
	"  kid; COSE_Key kid x y d k base_iv; Encrypted_COSE_Key): lowercase hex\n"
	"  strings; COSE_Key kty and crv: names (\"EC2\", \"P-256\", ...) when known;\n"
	"  scope: a string (text scope), an AIF array [[path, [method names in\n"
	"  bit order]], ...] (RFC 9237 3), or {\"bytes\": \"<hex>\"} for other byte\n"
	"  strings. Claims obol does not know keep their key in diagnostic\n"
	"  notation (\"99\") and their value as RFC 8949 6.1 JSON (base64url).\n"
	"  Lines break as in `obol inspect --json`.\n"
	"\n"
	"Failure (exit 1): nothing on standard output and one line on standard\n"
	"error, the reason and the core's description, e.g.\n"
	"  obol token verify: expired (CWT: expired)\n"
	"reasons: bad tag, malformed, unknown algorithm, wrong key id, wrong key\n"
	"type (the key does not fit the algorithm), unusable key (e.g. of the\n"
	"wrong size), decryption failed (Encrypt0) or invalid signature or MAC (Mac0,\n"
	"Sign1), wrong audience, expired, not yet valid, no expiry (no exp the\n"
	"device can check and no exi, without --allow-no-expiry).\n"
	"Exit status 2: bad command line.\n";

static const char keygen_help[] =
	"usage: obol token keygen (--symmetric [BYTES] | --ec2 | --okp) [--kid HEX]\n"
	"                         [--alg N] [--out FILE] [--public-out FILE] [--hex]\n"
	"\n"
	"Generate a COSE_Key (RFC 9052 7) from the crypto backend's random\n"
	"source and write it (with its private part) to --out or standard output.\n"
	"\n"
	"options:\n"
	"  --symmetric [BYTES]  kty Symmetric, k of BYTES random bytes (default 16:\n"
	"                 AES-128 for --encrypt; 16 or more for --mac)\n"
	"  --ec2          kty EC2, crv P-256, alg ES256 (-7): x, y, d\n"
	"  --okp          kty OKP, crv Ed25519, alg EdDSA (-8): x, d\n"
	"  --kid HEX      the key's kid (default: none)\n"
	"  --alg N        the key's alg (default: none for symmetric keys)\n"
	"  --out FILE     write the private key to FILE, created with mode 0600\n"
	"  --public-out FILE  also write the public key (EC2, OKP)\n"
	"  --hex          write hex and a newline instead of binary CBOR\n"
	"  -h, --help     show this help\n"
	"\n"
	"Example:\n"
	"  obol token keygen --ec2 --kid 0a --out as.key --public-out as.pub\n"
	"\n"
	"Exit status: 0 written; 1 no randomness or output failed; 2 bad command\n"
	"line.\n";

static int usage_error(const char *prog, const char *msg)
{
	fprintf(stderr, "%s: %s (try --help)\n", prog, msg);
	return CLI_EXIT_USAGE;
}

/* ---- mint ------------------------------------------------------------------- */

enum {
	OPT_HELP = 1, OPT_CLAIMS, OPT_ENCRYPT, OPT_MAC, OPT_SIGN, OPT_KEY,
	OPT_KEY_FILE, OPT_KID, OPT_ALG, OPT_TAG61, OPT_UNTAGGED, OPT_HEX,
	OPT_OUT, OPT_AUD, OPT_NOW, OPT_NO_CLOCK, OPT_LEEWAY, OPT_ALLOW_NO_EXPIRY,
	OPT_ACCEPT, OPT_COMPACT, OPT_SYMMETRIC, OPT_EC2, OPT_OKP, OPT_PUBLIC_OUT
};

static const struct cli_opt mint_opts[] = {
	{"help", 0, OPT_HELP},        {"claims", 1, OPT_CLAIMS},
	{"encrypt", 0, OPT_ENCRYPT},  {"mac", 0, OPT_MAC},
	{"sign", 0, OPT_SIGN},        {"key", 1, OPT_KEY},
	{"key-file", 1, OPT_KEY_FILE}, {"kid", 1, OPT_KID},
	{"alg", 1, OPT_ALG},          {"tag61", 0, OPT_TAG61},
	{"untagged", 0, OPT_UNTAGGED}, {"hex", 0, OPT_HEX},
	{"out", 1, OPT_OUT},          {NULL, 0, 0},
};

struct mint_args {
	const char *claims;
	int how; /* enum obol_cwt_protection, 0: not given */
	const char *key_hex, *key_file, *kid_hex;
	int have_alg;
	int64_t alg;
	int tag61, untagged, hex;
	const char *out;
};

static int mint_parse(int argc, char **argv, struct mint_args *m)
{
	struct cli_args a;
	const char *val;
	int id;

	memset(&a, 0, sizeof a);
	a.argc = argc;
	a.argv = argv;
	while ((id = cli_next_opt(&a, PROG_MINT, mint_opts, &val)) != CLI_OPT_END) {
		int how = 0;

		switch (id) {
		case OPT_HELP:
			fputs(mint_help, stdout);
			return CLI_EXIT_OK;
		case OPT_CLAIMS: m->claims = val; break;
		case OPT_ENCRYPT: how = OBOL_CWT_ENCRYPT0; break;
		case OPT_MAC: how = OBOL_CWT_MAC0; break;
		case OPT_SIGN: how = OBOL_CWT_SIGN1; break;
		case OPT_KEY:
			if (m->key_hex || m->key_file)
				return usage_error(PROG_MINT, "give one key");
			m->key_hex = val;
			break;
		case OPT_KEY_FILE:
			if (m->key_hex || m->key_file)
				return usage_error(PROG_MINT, "give one key");
			m->key_file = val;
			break;
		case OPT_KID: m->kid_hex = val; break;
		case OPT_ALG:
			if (cli_int_arg(PROG_MINT, "alg", val, INT32_MIN, INT32_MAX,
					&m->alg) != 0)
				return CLI_EXIT_USAGE;
			m->have_alg = 1;
			break;
		case OPT_TAG61: m->tag61 = 1; break;
		case OPT_UNTAGGED: m->untagged = 1; break;
		case OPT_HEX: m->hex = 1; break;
		case OPT_OUT: m->out = val; break;
		case CLI_OPT_OPERAND:
			fprintf(stderr, PROG_MINT ": unexpected argument '%s'; the claims"
				" come from --claims FILE or standard input (try --help)\n",
				val);
			return CLI_EXIT_USAGE;
		default:
			return CLI_EXIT_USAGE;
		}
		if (how != 0) {
			if (m->how != 0 && m->how != how)
				return usage_error(PROG_MINT, "give one of --encrypt, --mac,"
						   " --sign");
			m->how = how;
		}
	}
	if (m->how == 0)
		return usage_error(PROG_MINT, "say how to protect the token:"
				   " --encrypt, --mac or --sign");
	if (m->key_hex == NULL && m->key_file == NULL)
		return usage_error(PROG_MINT, "a key is needed: --key HEX or --key-file FILE");
	if (m->tag61 && m->untagged)
		return usage_error(PROG_MINT, "--tag61 must prefix a COSE tag (RFC 8392"
				   " 6): not with --untagged");
	if (m->how == OBOL_CWT_SIGN1 && m->key_hex != NULL)
		return usage_error(PROG_MINT, "--sign needs a private COSE_Key"
				   " (--key-file)");
	if (m->have_alg) {
		int ok = m->how == OBOL_CWT_ENCRYPT0 ? (m->alg == 10 || m->alg == 30)
			 : m->how == OBOL_CWT_MAC0   ? (m->alg == 4 || m->alg == 5)
						     : (m->alg == -7 || m->alg == -8);
		if (!ok) {
			fprintf(stderr, PROG_MINT ": --alg %lld does not go with %s (%s)"
				" (try --help)\n", (long long)m->alg,
				m->how == OBOL_CWT_ENCRYPT0 ? "--encrypt" :
				m->how == OBOL_CWT_MAC0 ? "--mac" : "--sign",
				m->how == OBOL_CWT_ENCRYPT0 ? "10 or 30" :
				m->how == OBOL_CWT_MAC0 ? "4 or 5" : "-7 or -8");
			return CLI_EXIT_USAGE;
		}
	}
	return -1;
}

/* Pick and check the algorithm for the key; 0 or -1 (reported). */
static int mint_alg(const struct mint_args *m, const struct obol_cose_key *k,
		    int *alg)
{
	const char *what;

	if (m->how == OBOL_CWT_SIGN1) {
		if (k->kty == OBOL_COSE_KTY_EC2 && k->crv == OBOL_COSE_CRV_P256) {
			*alg = OBOL_ALG_ES256;
		} else if (k->kty == OBOL_COSE_KTY_OKP && k->crv == OBOL_COSE_CRV_ED25519) {
			*alg = OBOL_ALG_EDDSA;
		} else {
			fprintf(stderr, PROG_MINT ": --sign needs an EC2 P-256 or OKP"
				" Ed25519 key\n");
			return -1;
		}
		if (k->d_len == 0) {
			fprintf(stderr, PROG_MINT ": --sign needs the private key (d);"
				" this is a public key\n");
			return -1;
		}
		if (m->have_alg && m->alg != *alg) {
			fprintf(stderr, PROG_MINT ": --alg %lld does not fit this key"
				" (it signs with %d)\n", (long long)m->alg, *alg);
			return -1;
		}
	} else {
		int lo = m->how == OBOL_CWT_ENCRYPT0 ? OBOL_ALG_AES_CCM_16_64_128
						     : OBOL_ALG_HMAC_256_64;
		int hi = m->how == OBOL_CWT_ENCRYPT0 ? OBOL_ALG_AES_CCM_16_128_128
						     : OBOL_ALG_HMAC_256_256;
		what = m->how == OBOL_CWT_ENCRYPT0 ? "--encrypt" : "--mac";
		if (k->kty != OBOL_COSE_KTY_SYMMETRIC) {
			fprintf(stderr, PROG_MINT ": %s needs a symmetric key\n", what);
			return -1;
		}
		if (m->have_alg)
			*alg = (int)m->alg;
		else if (k->alg == lo || k->alg == hi)
			*alg = k->alg;
		else
			*alg = m->how == OBOL_CWT_ENCRYPT0 ? lo : hi;
		if (m->how == OBOL_CWT_ENCRYPT0 && k->k_len != OBOL_AES128_KEY_LEN) {
			fprintf(stderr, PROG_MINT ": --encrypt (alg %d) needs a 16-byte"
				" key (AES-128), not %zu bytes\n", *alg, k->k_len);
			return -1;
		}
		if (m->how == OBOL_CWT_MAC0 && k->k_len < 16) {
			fprintf(stderr, PROG_MINT ": --mac needs a key of at least 16"
				" bytes, not %zu\n", k->k_len);
			return -1;
		}
	}
	if (k->alg != 0 && k->alg != *alg) {
		fprintf(stderr, PROG_MINT ": the key is for alg %d, not %d\n", k->alg,
			*alg);
		return -1;
	}
	return 0;
}

/* Whether text that starts with '{' is JSON: its first member is a string. */
static int looks_like_json(const uint8_t *p, size_t n)
{
	size_t i = 0;

	while (i < n && p[i] != '{')
		i++;
	for (i++; i < n; i++) {
		if (p[i] == ' ' || p[i] == '\t' || p[i] == '\r' || p[i] == '\n')
			continue;
		return p[i] == '"' || p[i] == '}';
	}
	return 0;
}

/*
 * The claims input as a CBOR claims map in *cbor (free() after wiping).
 * JSON, EDN, binary CBOR or hex; 0 or -1 (reported).
 */
static int read_claims(const char *path, uint8_t **cbor, size_t *len)
{
	const char *name = path == NULL || strcmp(path, "-") == 0 ? "claims" : path;
	uint8_t *buf = NULL;
	size_t n = 0, pos = 0;
	int c, rc = -1;

	if (cli_read_input(PROG_MINT, path, CLI_INPUT_MAX, &buf, &n) != 0)
		return -1;
	c = cli_first_char(buf, n);
	if (c == '{' && looks_like_json(buf, n)) {
		struct cli_json root;
		if (cli_json_parse(PROG_MINT, "claims", buf, n, &root) == 0) {
			rc = cli_claims_from_json(PROG_MINT, &root, cbor, len);
			cli_json_free(&root);
		}
	} else if (c == '{' || c == '/' || c == '#') {
		rc = cli_edn_parse(PROG_MINT, "claims", buf, n, cbor, len);
		if (rc == 0 && cli_claims_known(PROG_MINT, *cbor, *len) != 0) {
			obol_wipe(*cbor, *len);
			free(*cbor);
			*cbor = NULL;
			rc = -1;
		}
	} else if (c >= 0xa0 && c <= 0xbf) {
		*cbor = buf; /* binary CBOR map */
		*len = n;
		buf = NULL;
		rc = cli_claims_known(PROG_MINT, *cbor, *len);
	} else if (cli_is_hex_text(buf, n)) {
		size_t orig = n;
		if (cli_hex_decode(buf, &n, &pos) != CLI_HEX_OK) {
			fprintf(stderr, PROG_MINT ": %s: odd number of hex digits\n", name);
			obol_wipe(buf, orig);
		} else {
			*cbor = buf;
			*len = n;
			buf = NULL;
			rc = cli_claims_known(PROG_MINT, *cbor, *len);
		}
	} else if (c == 0) {
		fprintf(stderr, PROG_MINT ": %s: empty input, no claims (give {} for"
			" none)\n", name);
	} else {
		fprintf(stderr, PROG_MINT ": %s: neither JSON, EDN, CBOR nor hex\n", name);
	}
	if (rc != 0 && buf == NULL && *cbor != NULL) {
		obol_wipe(*cbor, *len);
		free(*cbor);
		*cbor = NULL;
	}
	if (buf != NULL) {
		obol_wipe(buf, n);
		free(buf);
	}
	return rc;
}

static int mint_run(const struct mint_args *m)
{
	struct obol_cwt_claims claims;
	struct obol_cose_hdr hdr;
	struct cli_key key;
	uint8_t *cbor = NULL, *scratch = NULL, *tok = NULL;
	size_t cbor_len = 0, need = 0, tok_len = 0;
	obol_cbor_enc e;
	unsigned cose_flags = m->untagged ? OBOL_COSE_UNTAGGED : 0u;
	unsigned cwt_flags = m->tag61 ? OBOL_CWT_TAG61 : 0u;
	int alg, err, rc = CLI_EXIT_FAIL;

	if (m->key_hex != NULL ? cli_key_from_hex(PROG_MINT, m->key_hex, &key)
			       : cli_key_from_file(PROG_MINT, m->key_file, &key))
		return CLI_EXIT_FAIL;
	if (m->kid_hex != NULL) {
		uint8_t *kid;
		size_t kid_len;
		if (cli_hex_arg(PROG_MINT, "kid", m->kid_hex, &kid, &kid_len) != 0) {
			rc = CLI_EXIT_USAGE;
			goto out;
		}
		cli_key_set_kid(&key, kid, kid_len);
		free(kid);
	}
	if (mint_alg(m, &key.key, &alg) != 0)
		goto out;
	if (read_claims(m->claims, &cbor, &cbor_len) != 0)
		goto out;
	err = obol_cwt_decode_claims(cbor, cbor_len, &claims);
	if (err != OBOL_OK) {
		fprintf(stderr, PROG_MINT ": invalid claims (%s)\n", obol_err_str(err));
		goto out;
	}
	memset(&hdr, 0, sizeof hdr);
	hdr.alg = alg;
	hdr.kid = key.key.kid;
	hdr.kid_len = key.key.kid_len;

	/* Scratch holds the encoded claims: measure them first. */
	obol_cbor_enc_init(&e, NULL, 0);
	obol_cwt_encode_claims(&e, &claims);
	err = obol_cbor_enc_finish(&e, &need);
	if (err != OBOL_OK && err != OBOL_ERR_NO_SPACE) {
		fprintf(stderr, PROG_MINT ": cannot encode the claims (%s)\n",
			obol_err_str(err));
		goto out;
	}
	scratch = cli_xmalloc(need);
	err = obol_cwt_protect((enum obol_cwt_protection)m->how, &key.key, &hdr,
			       cose_flags, cwt_flags, &claims, scratch, need, NULL,
			       0, &tok_len);
	if (err != OBOL_OK && err != OBOL_ERR_NO_SPACE) {
		fprintf(stderr, PROG_MINT ": cannot protect the token (%s)\n",
			obol_err_str(err));
		goto out;
	}
	tok = cli_xmalloc(tok_len);
	err = obol_cwt_protect((enum obol_cwt_protection)m->how, &key.key, &hdr,
			       cose_flags, cwt_flags, &claims, scratch, need, tok,
			       tok_len, &tok_len);
	if (err != OBOL_OK) {
		fprintf(stderr, PROG_MINT ": cannot protect the token (%s)\n",
			obol_err_str(err));
		goto out;
	}
	if (cli_write_output(PROG_MINT, m->out, tok, tok_len, m->hex, 0) == 0)
		rc = CLI_EXIT_OK;
out:
	if (cbor != NULL) {
		obol_wipe(cbor, cbor_len);
		free(cbor);
	}
	if (scratch != NULL) {
		obol_wipe(scratch, need);
		free(scratch);
	}
	if (tok != NULL) {
		obol_wipe(tok, tok_len);
		free(tok);
	}
	obol_wipe(&claims, sizeof claims);
	cli_key_free(&key);
	return rc;
}

static int token_mint(int argc, char **argv)
{
	struct mint_args m;
	int rc;

	memset(&m, 0, sizeof m);
	rc = mint_parse(argc, argv, &m);
	if (rc >= 0)
		return rc;
	return mint_run(&m);
}

/* ---- verify ------------------------------------------------------------------ */

static const struct cli_opt verify_opts[] = {
	{"help", 0, OPT_HELP},          {"key", 1, OPT_KEY},
	{"key-file", 1, OPT_KEY_FILE},  {"kid", 1, OPT_KID},
	{"aud", 1, OPT_AUD},            {"now", 1, OPT_NOW},
	{"no-clock", 0, OPT_NO_CLOCK},  {"leeway", 1, OPT_LEEWAY},
	{"allow-no-expiry", 0, OPT_ALLOW_NO_EXPIRY},
	{"hex", 0, OPT_HEX},            {"accept", 1, OPT_ACCEPT},
	{"compact", 0, OPT_COMPACT},    {NULL, 0, 0},
};

struct key_arg {
	const char *value;
	int is_file;
};

struct verify_args {
	const char *path;
	int have_path;
	struct key_arg *keys; /* in command-line order */
	size_t nkeys;
	const char *kid_hex;
	const char **aud;
	size_t naud;
	int have_now, no_clock, hex, compact;
	int64_t now, leeway;
	uint32_t accept;
	unsigned flags;
};

/* "encrypt,mac,sign" to policy bits; 0 on error (reported). */
static uint32_t parse_accept(const char *list)
{
	uint32_t bits = 0;
	const char *s = list;

	while (*s != '\0') {
		size_t n = strcspn(s, ",");
		if (n == 7 && strncmp(s, "encrypt", 7) == 0)
			bits |= (uint32_t)1 << OBOL_COSE_TAG_ENCRYPT0;
		else if (n == 3 && strncmp(s, "mac", 3) == 0)
			bits |= (uint32_t)1 << OBOL_COSE_TAG_MAC0;
		else if (n == 4 && strncmp(s, "sign", 4) == 0)
			bits |= (uint32_t)1 << OBOL_COSE_TAG_SIGN1;
		else {
			fprintf(stderr, PROG_VERIFY ": --accept: '%.*s' is not encrypt,"
				" mac or sign (try --help)\n", (int)n, s);
			return 0;
		}
		s += n;
		if (*s == ',')
			s++;
	}
	if (bits == 0)
		fprintf(stderr, PROG_VERIFY ": --accept: empty list (try --help)\n");
	return bits;
}

static int verify_parse(int argc, char **argv, struct verify_args *v)
{
	struct cli_args a;
	const char *val;
	int id;

	memset(&a, 0, sizeof a);
	a.argc = argc;
	a.argv = argv;
	v->accept = (uint32_t)1 << OBOL_COSE_TAG_ENCRYPT0 |
		    (uint32_t)1 << OBOL_COSE_TAG_MAC0 |
		    (uint32_t)1 << OBOL_COSE_TAG_SIGN1;
	while ((id = cli_next_opt(&a, PROG_VERIFY, verify_opts, &val)) != CLI_OPT_END) {
		switch (id) {
		case OPT_HELP:
			fputs(verify_help, stdout);
			return CLI_EXIT_OK;
		case OPT_KEY:
		case OPT_KEY_FILE:
			v->keys = cli_xrealloc(v->keys, (v->nkeys + 1) * sizeof *v->keys);
			v->keys[v->nkeys].value = val;
			v->keys[v->nkeys++].is_file = id == OPT_KEY_FILE;
			break;
		case OPT_KID: v->kid_hex = val; break;
		case OPT_AUD:
			v->aud = cli_xrealloc(v->aud, (v->naud + 1) * sizeof *v->aud);
			v->aud[v->naud++] = val;
			break;
		case OPT_NOW:
			if (cli_int_arg(PROG_VERIFY, "now", val, INT64_MIN + 1, INT64_MAX,
					&v->now) != 0)
				return CLI_EXIT_USAGE;
			v->have_now = 1;
			break;
		case OPT_NO_CLOCK: v->no_clock = 1; break;
		case OPT_LEEWAY:
			if (cli_int_arg(PROG_VERIFY, "leeway", val, 0, INT32_MAX,
					&v->leeway) != 0)
				return CLI_EXIT_USAGE;
			break;
		case OPT_ALLOW_NO_EXPIRY: v->flags |= OBOL_CWT_ALLOW_NO_EXPIRY; break;
		case OPT_HEX: v->hex = 1; break;
		case OPT_ACCEPT:
			v->accept = parse_accept(val);
			if (v->accept == 0)
				return CLI_EXIT_USAGE;
			break;
		case OPT_COMPACT: v->compact = 1; break;
		case CLI_OPT_OPERAND:
			if (v->have_path) {
				fprintf(stderr, PROG_VERIFY ": more than one token file ('%s')"
					" (try --help)\n", val);
				return CLI_EXIT_USAGE;
			}
			v->path = val;
			v->have_path = 1;
			break;
		default:
			return CLI_EXIT_USAGE;
		}
	}
	if (v->nkeys == 0)
		return usage_error(PROG_VERIFY, "a key is needed: --key HEX or --key-file FILE");
	if (v->nkeys > 1 && v->kid_hex != NULL)
		return usage_error(PROG_VERIFY, "--kid goes with a single key; give"
				   " several keys as COSE_Key files with their kids");
	if (v->have_now && v->no_clock)
		return usage_error(PROG_VERIFY, "--now and --no-clock exclude each other");
	return -1;
}

static void verify_fail(int err, int type)
{
	fprintf(stderr, PROG_VERIFY ": %s (%s)\n", cli_fail_reason(err, type),
		obol_err_str(err));
}

/* The key for a message with this kid, as obol_cwt_validate picks it. */
static const struct obol_cose_key *pick_key(const struct obol_cose_key *keys,
					    size_t nkeys,
					    const struct obol_cose_hdr *hdr)
{
	size_t i;

	if (hdr->kid_len == 0)
		return nkeys == 1 ? &keys[0] : NULL;
	for (i = 0; i < nkeys; i++)
		if (keys[i].kid_len == hdr->kid_len &&
		    memcmp(keys[i].kid, hdr->kid, hdr->kid_len) == 0)
			return &keys[i];
	return NULL;
}

/*
 * The claims map as sent, from a second copy of the (validated) token:
 * each layer (RFC 8392 A.6 nests them) decrypted or verified again with
 * the same keys. *p points into copy. 0, or -1 if that fails (the output
 * then lists the known claims only).
 */
static int raw_claims(uint8_t *copy, size_t len, const struct obol_cose_key *keys,
		      size_t nkeys, const uint8_t **p, size_t *n)
{
	uint8_t *msg = copy;
	int layer;

	for (layer = 0; layer < 8; layer++) {
		const struct obol_cose_key *key;
		struct obol_cose_hdr hdr;
		const uint8_t *pl = NULL;
		uint8_t *pt = NULL;
		size_t off, pl_len = 0;
		int type, err;

		err = cli_cose_kind(msg, len, &type, &off, &hdr);
		key = err == OBOL_OK ? pick_key(keys, nkeys, &hdr) : NULL;
		if (key == NULL)
			return -1;
		if (type == OBOL_COSE_TAG_ENCRYPT0) {
			err = obol_cose_decrypt0(msg + off, len - off, 0, key, NULL, 0,
						 NULL, &pt, &pl_len);
			pl = pt;
		} else if (type == OBOL_COSE_TAG_MAC0) {
			err = obol_cose_mac0_verify(msg + off, len - off, 0, key, NULL,
						    0, NULL, &pl, &pl_len);
		} else {
			err = obol_cose_sign1_verify(msg + off, len - off, 0, key, NULL,
						     0, NULL, &pl, &pl_len);
		}
		if (err != OBOL_OK)
			return -1;
		if (pl_len == 0 || (pl[0] >> 5) != OBOL_CBOR_TAG) {
			*p = pl;
			*n = pl_len;
			return 0;
		}
		/* A nested CWT: the payload lies inside copy. */
		msg = copy + (pl - copy);
		len = pl_len;
	}
	return -1;
}

static int verify_run(const struct verify_args *v)
{
	struct obol_cwt_claims claims;
	struct obol_cwt_policy policy;
	struct obol_cose_hdr hdr;
	struct cli_key *keys;
	struct obol_cose_key *views;
	struct cli_buf out = {0};
	uint8_t *tok = NULL, *copy = NULL;
	const uint8_t *raw = NULL;
	size_t i, len = 0, raw_len = 0, off, pos = 0;
	int type = 0, err, rc = CLI_EXIT_FAIL;

	keys = cli_xmalloc(v->nkeys * sizeof *keys);
	views = cli_xmalloc(v->nkeys * sizeof *views);
	memset(keys, 0, v->nkeys * sizeof *keys);
	for (i = 0; i < v->nkeys; i++) {
		const struct key_arg *ka = &v->keys[i];
		if (ka->is_file ? cli_key_from_file(PROG_VERIFY, ka->value, &keys[i])
				: cli_key_from_hex(PROG_VERIFY, ka->value, &keys[i]))
			goto out;
	}
	if (v->kid_hex != NULL) {
		uint8_t *kid;
		size_t kid_len;
		if (cli_hex_arg(PROG_VERIFY, "kid", v->kid_hex, &kid, &kid_len) != 0) {
			rc = CLI_EXIT_USAGE;
			goto out;
		}
		cli_key_set_kid(&keys[0], kid, kid_len);
		free(kid);
	}
	if (cli_read_input(PROG_VERIFY, v->path, CLI_INPUT_MAX, &tok, &len) != 0)
		goto out;
	if (v->hex || cli_is_hex_text(tok, len)) {
		size_t orig = len;
		int hr = cli_hex_decode(tok, &len, &pos);
		if (hr != CLI_HEX_OK) {
			fprintf(stderr, PROG_VERIFY ": malformed (%s at offset %zu of the"
				" hex input)\n", hr == CLI_HEX_ODD ? "odd number of hex digits"
				: "not a hex digit", pos);
			len = orig;
			goto out;
		}
	}
	memset(&hdr, 0, sizeof hdr);
	if (cli_cose_kind(tok, len, &type, &off, &hdr) != OBOL_OK)
		type = 0;
	/* A single key without a kid of its own is meant for this token. */
	if (v->nkeys == 1 && keys[0].key.kid_len == 0 && hdr.kid_len > 0)
		cli_key_set_kid(&keys[0], hdr.kid, hdr.kid_len);
	for (i = 0; i < v->nkeys; i++)
		views[i] = keys[i].key;

	memset(&policy, 0, sizeof policy);
	policy.audiences = v->aud;
	policy.naud = v->naud;
	policy.now = v->no_clock ? OBOL_CWT_NO_CLOCK
		     : v->have_now ? v->now : (int64_t)time(NULL);
	policy.leeway = v->leeway;
	policy.accept = v->accept;
	policy.flags = v->flags;

	copy = cli_xmalloc(len);
	memcpy(copy, tok, len);
	err = obol_cwt_validate(tok, len, views, v->nkeys, &policy, &claims);
	if (err != OBOL_OK) {
		verify_fail(err, type);
		goto out;
	}
	if (raw_claims(copy, len, views, v->nkeys, &raw, &raw_len) != 0)
		raw = NULL;
	err = cli_claims_to_json(raw, raw_len, &claims,
				 v->compact ? CLI_DIAG_COMPACT : 0u, &out);
	if (err != OBOL_OK) {
		fprintf(stderr, PROG_VERIFY ": cannot print the claims (%s)\n",
			obol_err_str(err));
		goto out;
	}
	cli_buf_putc(&out, '\n');
	fwrite(out.p, 1, out.len, stdout);
	rc = CLI_EXIT_OK;
out:
	if (out.p != NULL)
		obol_wipe(out.p, out.len);
	cli_buf_free(&out);
	if (tok != NULL) {
		obol_wipe(tok, len);
		free(tok);
	}
	if (copy != NULL) {
		obol_wipe(copy, len);
		free(copy);
	}
	for (i = 0; i < v->nkeys; i++)
		cli_key_free(&keys[i]);
	obol_wipe(views, v->nkeys * sizeof *views);
	free(views);
	free(keys);
	return rc;
}

static int token_verify(int argc, char **argv)
{
	struct verify_args v;
	int rc;

	memset(&v, 0, sizeof v);
	rc = verify_parse(argc, argv, &v);
	if (rc < 0)
		rc = verify_run(&v);
	free(v.aud);
	free(v.keys);
	return rc;
}

/* ---- keygen -------------------------------------------------------------------- */

static const struct cli_opt keygen_opts[] = {
	{"help", 0, OPT_HELP},
	{"symmetric", CLI_OPT_OPTIONAL, OPT_SYMMETRIC},
	{"ec2", 0, OPT_EC2},
	{"okp", 0, OPT_OKP},
	{"kid", 1, OPT_KID},
	{"alg", 1, OPT_ALG},
	{"out", 1, OPT_OUT},
	{"public-out", 1, OPT_PUBLIC_OUT},
	{"hex", 0, OPT_HEX},
	{NULL, 0, 0},
};

struct keygen_args {
	int kty;
	int64_t sym_len;
	const char *kid_hex, *out, *public_out;
	int have_alg, hex;
	int64_t alg;
};

static int keygen_parse(int argc, char **argv, struct keygen_args *g)
{
	struct cli_args a;
	const char *val;
	int id;

	memset(&a, 0, sizeof a);
	a.argc = argc;
	a.argv = argv;
	g->sym_len = 16;
	while ((id = cli_next_opt(&a, PROG_KEYGEN, keygen_opts, &val)) != CLI_OPT_END) {
		int kty = 0;

		switch (id) {
		case OPT_HELP:
			fputs(keygen_help, stdout);
			return CLI_EXIT_OK;
		case OPT_SYMMETRIC:
			kty = OBOL_COSE_KTY_SYMMETRIC;
			if (val != NULL &&
			    cli_int_arg(PROG_KEYGEN, "symmetric", val, 1, 1024,
					&g->sym_len) != 0)
				return CLI_EXIT_USAGE;
			break;
		case OPT_EC2: kty = OBOL_COSE_KTY_EC2; break;
		case OPT_OKP: kty = OBOL_COSE_KTY_OKP; break;
		case OPT_KID: g->kid_hex = val; break;
		case OPT_ALG:
			if (cli_int_arg(PROG_KEYGEN, "alg", val, INT32_MIN, INT32_MAX,
					&g->alg) != 0)
				return CLI_EXIT_USAGE;
			g->have_alg = 1;
			break;
		case OPT_OUT: g->out = val; break;
		case OPT_PUBLIC_OUT: g->public_out = val; break;
		case OPT_HEX: g->hex = 1; break;
		case CLI_OPT_OPERAND:
			fprintf(stderr, PROG_KEYGEN ": unexpected argument '%s' (try --help)\n",
				val);
			return CLI_EXIT_USAGE;
		default:
			return CLI_EXIT_USAGE;
		}
		if (kty != 0) {
			if (g->kty != 0 && g->kty != kty)
				return usage_error(PROG_KEYGEN, "give one of --symmetric,"
						   " --ec2, --okp");
			g->kty = kty;
		}
	}
	if (g->kty == 0)
		return usage_error(PROG_KEYGEN, "say which key: --symmetric, --ec2 or --okp");
	if (g->kty == OBOL_COSE_KTY_SYMMETRIC && g->public_out != NULL)
		return usage_error(PROG_KEYGEN, "a symmetric key has no public part"
				   " (--public-out)");
	if (g->have_alg && g->kty != OBOL_COSE_KTY_SYMMETRIC &&
	    g->alg != (g->kty == OBOL_COSE_KTY_EC2 ? OBOL_ALG_ES256 : OBOL_ALG_EDDSA))
		return usage_error(PROG_KEYGEN, "--alg does not fit the key type");
	if (g->out != NULL && g->public_out != NULL &&
	    strcmp(g->out, g->public_out) == 0)
		return usage_error(PROG_KEYGEN, "--out and --public-out name the same file");
	return -1;
}

/* Encode a COSE_Key into a new buffer; OBOL_OK or an encoder error. */
static int key_encode(const struct obol_cose_key *k, int with_private,
		      uint8_t **out, size_t *len)
{
	obol_cbor_enc e;
	size_t need = 0;
	int err;

	*out = NULL;
	obol_cbor_enc_init(&e, NULL, 0);
	obol_cose_key_write(&e, k, with_private);
	err = obol_cbor_enc_finish(&e, &need);
	if (err != OBOL_OK && err != OBOL_ERR_NO_SPACE)
		return err;
	*out = cli_xmalloc(need);
	obol_cbor_enc_init(&e, *out, need);
	obol_cose_key_write(&e, k, with_private);
	err = obol_cbor_enc_finish(&e, len);
	if (err != OBOL_OK) {
		obol_wipe(*out, need);
		free(*out);
		*out = NULL;
	}
	return err;
}

static int keygen_run(const struct keygen_args *g)
{
	struct obol_cose_key k;
	uint8_t *secret, pub[OBOL_P256_PUB_LEN], *kid = NULL, *enc = NULL;
	size_t secret_len, kid_len = 0, enc_len = 0;
	int err, rc = CLI_EXIT_FAIL;

	if (g->kid_hex != NULL &&
	    cli_hex_arg(PROG_KEYGEN, "kid", g->kid_hex, &kid, &kid_len) != 0)
		return CLI_EXIT_USAGE;
	secret_len = g->kty == OBOL_COSE_KTY_SYMMETRIC ? (size_t)g->sym_len : 32u;
	secret = cli_xmalloc(secret_len);
	memset(&k, 0, sizeof k);
	k.kty = g->kty;
	k.kid = kid;
	k.kid_len = kid_len;
	k.alg = g->have_alg ? (int)g->alg : 0;
	if (g->kty == OBOL_COSE_KTY_SYMMETRIC) {
		err = obol_port_random(secret, secret_len);
		k.k = secret;
		k.k_len = secret_len;
	} else {
		int alg = g->kty == OBOL_COSE_KTY_EC2 ? OBOL_ALG_ES256 : OBOL_ALG_EDDSA;
		err = obol_port_keygen(alg, secret, secret_len, pub, sizeof pub);
		k.alg = alg;
		k.crv = g->kty == OBOL_COSE_KTY_EC2 ? OBOL_COSE_CRV_P256
						    : OBOL_COSE_CRV_ED25519;
		k.d = secret;
		k.d_len = 32;
		k.x = pub;
		k.x_len = 32;
		if (g->kty == OBOL_COSE_KTY_EC2) {
			k.y = pub + 32;
			k.y_len = 32;
		}
	}
	if (err != OBOL_OK) {
		fprintf(stderr, PROG_KEYGEN ": cannot generate the key (%s)\n",
			obol_err_str(err));
		goto out;
	}
	err = key_encode(&k, 1, &enc, &enc_len);
	if (err != OBOL_OK) {
		fprintf(stderr, PROG_KEYGEN ": cannot encode the key (%s)\n",
			obol_err_str(err));
		goto out;
	}
	if (cli_write_output(PROG_KEYGEN, g->out, enc, enc_len, g->hex, 1) != 0)
		goto out;
	if (g->public_out != NULL) {
		obol_wipe(enc, enc_len);
		free(enc);
		err = key_encode(&k, 0, &enc, &enc_len);
		if (err != OBOL_OK) {
			fprintf(stderr, PROG_KEYGEN ": cannot encode the key (%s)\n",
				obol_err_str(err));
			goto out;
		}
		if (cli_write_output(PROG_KEYGEN, g->public_out, enc, enc_len,
				     g->hex, 0) != 0)
			goto out;
	}
	rc = CLI_EXIT_OK;
out:
	if (enc != NULL) {
		obol_wipe(enc, enc_len);
		free(enc);
	}
	obol_wipe(secret, secret_len);
	free(secret);
	obol_wipe(pub, sizeof pub);
	obol_wipe(&k, sizeof k);
	free(kid);
	return rc;
}

static int token_keygen(int argc, char **argv)
{
	struct keygen_args g;
	int rc;

	memset(&g, 0, sizeof g);
	rc = keygen_parse(argc, argv, &g);
	if (rc >= 0)
		return rc;
	return keygen_run(&g);
}

/* ---- dispatch -------------------------------------------------------------------- */

int cli_token(int argc, char **argv)
{
	const char *sub;

	if (argc < 2) {
		fputs(token_help, stderr);
		return CLI_EXIT_USAGE;
	}
	sub = argv[1];
	if (strcmp(sub, "--help") == 0 || strcmp(sub, "-h") == 0 ||
	    strcmp(sub, "help") == 0) {
		fputs(token_help, stdout);
		return CLI_EXIT_OK;
	}
	if (strcmp(sub, "mint") == 0)
		return token_mint(argc - 1, argv + 1);
	if (strcmp(sub, "verify") == 0)
		return token_verify(argc - 1, argv + 1);
	if (strcmp(sub, "keygen") == 0)
		return token_keygen(argc - 1, argv + 1);
	fprintf(stderr, PROG ": '%s' is not a token subcommand (mint, verify,"
		" keygen; see 'obol token --help')\n", sub);
	return CLI_EXIT_USAGE;
}
