/*
 * Keys from the command line, what kind of COSE message a buffer holds,
 * and the one-word reasons for failures. See cli.h.
 */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

int cli_key_from_hex(const char *prog, const char *hex, struct cli_key *k)
{
	memset(k, 0, sizeof *k);
	if (cli_hex_arg(prog, "key", hex, &k->buf, &k->len) != 0)
		return -1;
	if (k->len == 0) {
		fprintf(stderr, "%s: --key: empty key\n", prog);
		cli_key_free(k);
		return -1;
	}
	k->raw = 1;
	k->key.kty = OBOL_COSE_KTY_SYMMETRIC;
	k->key.k = k->buf;
	k->key.k_len = k->len;
	return 0;
}

int cli_key_from_file(const char *prog, const char *path, struct cli_key *k)
{
	uint8_t *buf = NULL;
	size_t len = 0, pos = 0;
	int c, err;

	memset(k, 0, sizeof *k);
	if (cli_read_input(prog, path, CLI_INPUT_MAX, &buf, &len) != 0)
		return -1;
	c = cli_first_char(buf, len);
	if (c == '{' || c == '/' || c == '#') {
		uint8_t *cbor = NULL;
		size_t n = 0;
		int rc = cli_edn_parse(prog, path, buf, len, &cbor, &n);
		obol_wipe(buf, len);
		free(buf);
		if (rc != 0)
			return -1;
		buf = cbor;
		len = n;
	} else if (cli_is_hex_text(buf, len)) {
		size_t orig = len;
		if (cli_hex_decode(buf, &len, &pos) != CLI_HEX_OK) {
			fprintf(stderr, "%s: %s: odd number of hex digits\n", prog, path);
			obol_wipe(buf, orig);
			free(buf);
			return -1;
		}
	}
	k->buf = buf;
	k->len = len;
	err = obol_cose_key_decode(buf, len, &k->key);
	if (err != OBOL_OK) {
		fprintf(stderr, "%s: %s: not a usable COSE_Key (%s)\n", prog,
			path ? path : "-", obol_err_str(err));
		cli_key_free(k);
		return -1;
	}
	return 0;
}

void cli_key_set_kid(struct cli_key *k, const uint8_t *kid, size_t n)
{
	free(k->kid);
	k->kid = cli_xmalloc(n);
	if (n)
		memcpy(k->kid, kid, n);
	k->kid_len = n;
	k->key.kid = k->kid;
	k->key.kid_len = n;
}

void cli_key_free(struct cli_key *k)
{
	if (k->buf != NULL)
		obol_wipe(k->buf, k->len);
	free(k->buf);
	free(k->kid);
	obol_wipe(&k->key, sizeof k->key);
	memset(k, 0, sizeof *k);
}

int cli_cose_kind(const uint8_t *msg, size_t len, int *type, size_t *off,
		  struct obol_cose_hdr *hdr)
{
	obol_cbor_dec d;
	uint64_t tag;
	int err;

	*type = 0;
	*off = 0;
	err = obol_cbor_dec_init(&d, msg, len, 0);
	if (err != OBOL_OK)
		return err;
	if (obol_cbor_peek(&d) == OBOL_CBOR_TAG &&
	    obol_cbor_get_tag(&d, &tag) == OBOL_OK && tag == OBOL_CWT_TAG)
		*off = obol_cbor_offset(&d);
	return obol_cose_parse(msg + *off, len - *off, 0, type, hdr);
}

const char *cli_fail_reason(int err, int type)
{
	switch (err) {
	case OBOL_ERR_COSE_TAG:
		return "bad tag";
	case OBOL_ERR_CWT_AUD:
		return "wrong audience";
	case OBOL_ERR_CWT_EXPIRED:
		return "expired";
	case OBOL_ERR_CWT_NOT_YET:
		return "not yet valid";
	case OBOL_ERR_COSE_ALG:
	case OBOL_ERR_CRYPTO_UNSUPPORTED:
		return "unknown algorithm";
	case OBOL_ERR_COSE_KID:
		return "wrong key id";
	case OBOL_ERR_CRYPTO_AUTH:
		return type == OBOL_COSE_TAG_ENCRYPT0 ? "decryption failed"
						      : "invalid signature or MAC";
	case OBOL_ERR_CWT_NO_TIME:
		return "no expiry";
	case OBOL_ERR_CWT_MISSING:
		return "missing claim";
	case OBOL_ERR_COSE_ALG_MISMATCH:
		return "wrong key type";
	case OBOL_ERR_COSE_KEY:
	case OBOL_ERR_CRYPTO_KEY:
		return "unusable key";
	case OBOL_ERR_ARG:
	case OBOL_ERR_NO_SPACE:
	case OBOL_ERR_CRYPTO_RNG:
	case OBOL_ERR_CRYPTO_INTERNAL:
		return "failed";
	default:
		/* CBOR errors, COSE structure/header/IV/crit, claims, cnf, AIF */
		return "malformed";
	}
}
