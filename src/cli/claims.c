/*
 * CWT claims (RFC 8392 3, RFC 8747 3.1, RFC 9200 5.10, RFC 9203 3.2.1,
 * RFC 9237) between the JSON a person writes or reads and CBOR.
 *
 * JSON -> CBOR (`obol token mint`): each claim name maps to its key and
 * its value is checked for type here, so that a mistake gets a message
 * naming the claim; the result is then decoded by obol_cwt_decode_claims,
 * so the core's own checks (AIF, cnf, ...) apply as to any token. Claims
 * are written in key order, which for these keys is the deterministic
 * order of RFC 8949 4.2.1 (1..9 encode in one byte, 38..40 in two).
 *
 * CBOR -> JSON (`obol token verify`): a "display" CBOR map with text keys
 * (claim names) and values in the JSON forms below is built, then printed
 * by diag.c's JSON printer, so it gets the same layout as `obol inspect
 * --json`. The output is valid input for `obol token mint`.
 *
 * The JSON forms (both directions):
 *   iss, sub, aud          text
 *   exp, nbf, iat          integer (NumericDate)
 *   cti, cnonce            hex string
 *   scope                  text; or AIF-REST in the JSON form of RFC 9237
 *                          3: [["/temp", ["GET"]], ["/led", ["GET", "PUT"]]]
 *                          (input also takes the Tperm integer: [["/t", 5]]);
 *                          or {"bytes": "<hex>"} for an opaque byte string
 *   cnf                    {"osc": {...}} | {"kid": "<hex>"} |
 *                          {"COSE_Key": {...}} | {"Encrypted_COSE_Key": "<hex>"}
 *     osc members          id, ms, salt, contextId (hex); version, hkdf,
 *                          alg (integers)  (RFC 9203 3.2.1)
 *     COSE_Key members     kty ("OKP", "EC2", "Symmetric" or integer),
 *                          crv ("P-256", "Ed25519" or integer), alg
 *                          (integer), kid, x, y, d, k, base_iv (hex)
 *   ace_profile            integer; input also "coap_dtls" (1),
 *                          "coap_oscore" (2)
 *   exi                    unsigned integer
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "obol/aif.h"

enum kind { K_TEXT, K_INT, K_UINT, K_HEX, K_SCOPE, K_CNF, K_PROFILE };

/* In key order: the deterministic order of their encodings. */
static const struct claim_def {
	int64_t key;
	unsigned bit; /* OBOL_CWT_F_* */
	const char *name;
	enum kind kind;
} claim_defs[] = {
	{OBOL_CWT_ISS, OBOL_CWT_F_ISS, "iss", K_TEXT},
	{OBOL_CWT_SUB, OBOL_CWT_F_SUB, "sub", K_TEXT},
	{OBOL_CWT_AUD, OBOL_CWT_F_AUD, "aud", K_TEXT},
	{OBOL_CWT_EXP, OBOL_CWT_F_EXP, "exp", K_INT},
	{OBOL_CWT_NBF, OBOL_CWT_F_NBF, "nbf", K_INT},
	{OBOL_CWT_IAT, OBOL_CWT_F_IAT, "iat", K_INT},
	{OBOL_CWT_CTI, OBOL_CWT_F_CTI, "cti", K_HEX},
	{OBOL_CWT_CNF, OBOL_CWT_F_CNF, "cnf", K_CNF},
	{OBOL_CWT_SCOPE, OBOL_CWT_F_SCOPE, "scope", K_SCOPE},
	{OBOL_CWT_ACE_PROFILE, OBOL_CWT_F_ACE_PROFILE, "ace_profile", K_PROFILE},
	{OBOL_CWT_CNONCE, OBOL_CWT_F_CNONCE, "cnonce", K_HEX},
	{OBOL_CWT_EXI, OBOL_CWT_F_EXI, "exi", K_UINT},
};

/* RFC 9203 3.2.1 OSCORE_Input_Material, in label order. */
static const struct osc_def {
	int label;
	const char *name;
	int is_int;
} osc_defs[] = {
	{OBOL_OSC_ID, "id", 0},
	{OBOL_OSC_VERSION, "version", 1},
	{OBOL_OSC_MS, "ms", 0},
	{OBOL_OSC_HKDF, "hkdf", 1},
	{OBOL_OSC_ALG, "alg", 1},
	{OBOL_OSC_SALT, "salt", 0},
	{OBOL_OSC_CONTEXT_ID, "contextId", 0},
};

/* COSE_Key parameters (RFC 9052 7.1, RFC 9053 7), in deterministic order. */
enum { P_KTY, P_KID, P_ALG, P_BASE_IV, P_CRV_OR_K, P_X, P_Y, P_D };
static const struct key_def {
	int label;
	const char *name;
} key_defs[] = {
	{OBOL_COSE_KEY_KTY, "kty"}, {OBOL_COSE_KEY_KID, "kid"},
	{OBOL_COSE_KEY_ALG, "alg"}, {OBOL_COSE_KEY_BASE_IV, "base_iv"},
	{-1, "crv|k"}, {OBOL_COSE_KEY_X, "x"}, {OBOL_COSE_KEY_Y, "y"},
	{OBOL_COSE_KEY_D, "d"},
};

static const struct name_val {
	const char *name;
	int64_t val;
} kty_names[] = {
	{"OKP", OBOL_COSE_KTY_OKP}, {"EC2", OBOL_COSE_KTY_EC2},
	{"Symmetric", OBOL_COSE_KTY_SYMMETRIC}, {NULL, 0},
}, crv_names[] = {
	{"P-256", OBOL_COSE_CRV_P256}, {"Ed25519", OBOL_COSE_CRV_ED25519},
	{NULL, 0},
}, profile_names[] = {
	{"coap_dtls", OBOL_ACE_PROFILE_COAP_DTLS},
	{"coap_oscore", OBOL_ACE_PROFILE_COAP_OSCORE}, {NULL, 0},
};

/* Tperm bits (RFC 9237 3; 2.3 for the Dynamic- variants). */
static const char *const method_names[7] = {
	"GET", "POST", "PUT", "DELETE", "FETCH", "PATCH", "iPATCH",
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* ---- JSON -> CBOR ----------------------------------------------------------- */

struct jc {
	const char *prog;
	const char *claim; /* name of the claim being converted */
	int failed;
	int quiet;         /* second pass: errors were reported already */
	const char *what;  /* the input, for messages (NULL: "claims") */
};

static void jc_error(struct jc *c, const struct cli_json *v, const char *fmt, ...)
{
	va_list ap;

	c->failed = 1;
	if (c->quiet)
		return;
	c->quiet = 1; /* one message per run */
	fprintf(stderr, "%s: %s:%zu:%zu: ", c->prog,
		c->what != NULL ? c->what : "claims", v->line, v->col);
	if (c->claim != NULL)
		fprintf(stderr, "claim \"%s\": ", c->claim);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static int want(struct jc *c, const struct cli_json *v, enum cli_json_type t,
		const char *what)
{
	if (v->type == t)
		return 1;
	jc_error(c, v, "%s must be %s, not %s", what, cli_json_type_name(t),
		 cli_json_type_name(v->type));
	return 0;
}

/* A hex string value as a byte string. */
static void put_hex_value(struct jc *c, obol_cbor_enc *e,
			  const struct cli_json *v, const char *what)
{
	uint8_t *p;
	size_t n, pos = 0;

	if (!want(c, v, CLI_JSON_STRING, what))
		return;
	n = v->len;
	p = cli_xmalloc(n + 1);
	memcpy(p, v->str, n);
	if (cli_hex_decode(p, &n, &pos) != CLI_HEX_OK)
		jc_error(c, v, "%s must be a hex string (offset %zu)", what, pos);
	else
		obol_cbor_put_bstr(e, p, n);
	obol_wipe(p, v->len);
	free(p);
}

/* An integer, or a name from names. */
static void put_named_int(struct jc *c, obol_cbor_enc *e, const struct cli_json *v,
			  const struct name_val *names, const char *what)
{
	const struct name_val *nv;

	if (v->type == CLI_JSON_INT) {
		obol_cbor_put_int(e, v->num);
		return;
	}
	if (v->type == CLI_JSON_STRING)
		for (nv = names; nv->name != NULL; nv++)
			if (strcmp(nv->name, v->str) == 0) {
				obol_cbor_put_int(e, nv->val);
				return;
			}
	if (v->type == CLI_JSON_STRING) {
		struct cli_buf list = {0};
		for (nv = names; nv->name != NULL; nv++) {
			cli_buf_puts(&list, list.len ? ", \"" : "\"");
			cli_buf_puts(&list, nv->name);
			cli_buf_putc(&list, '"');
		}
		jc_error(c, v, "%s: unknown name \"%s\" (known: %s, or an integer)",
			 what, v->str, list.p);
		cli_buf_free(&list);
		return;
	}
	jc_error(c, v, "%s must be an integer or a name, not %s", what,
		 cli_json_type_name(v->type));
}

/* Tperm from ["GET", "Dynamic-PUT", ...] or an integer. */
static int aif_perm(struct jc *c, const struct cli_json *v, uint64_t *perm)
{
	size_t i, m;

	*perm = 0;
	if (v->type == CLI_JSON_INT) {
		if (v->num < 0 || ((uint64_t)v->num & ~(0x7full | 0x7full << 32)) != 0) {
			jc_error(c, v, "AIF permissions %lld set undefined bits (RFC 9237 3:"
				 " 0..6 and 32..38)", (long long)v->num);
			return -1;
		}
		*perm = (uint64_t)v->num;
		return 0;
	}
	if (v->type != CLI_JSON_ARRAY) {
		jc_error(c, v, "AIF permissions must be an array of method names or"
			 " an integer");
		return -1;
	}
	for (i = 0; i < v->n; i++) {
		const struct cli_json *s = &v->items[i];
		const char *name;
		unsigned shift = 0;
		int found = 0;

		if (!want(c, s, CLI_JSON_STRING, "a method"))
			return -1;
		name = s->str;
		if (strncmp(name, "Dynamic-", 8) == 0) {
			name += 8;
			shift = 32;
		}
		for (m = 0; m < COUNT(method_names); m++) {
			if (strcmp(name, method_names[m]) == 0) {
				*perm |= (uint64_t)1 << (m + shift);
				found = 1;
			}
		}
		if (!found) {
			jc_error(c, s, "unknown method \"%s\" (GET, POST, PUT, DELETE,"
				 " FETCH, PATCH, iPATCH, or Dynamic-GET etc.)", s->str);
			return -1;
		}
	}
	return 0;
}

struct aif_arg {
	const struct obol_aif_entry *entries;
	size_t n;
};

/* Encode with fn into a new buffer (measure, then write). */
typedef void (*enc_fn)(obol_cbor_enc *e, const void *arg);

static int encode_alloc(enc_fn fn, const void *arg, uint8_t **out, size_t *len)
{
	obol_cbor_enc e;
	size_t need = 0;
	int err;

	obol_cbor_enc_init(&e, NULL, 0);
	fn(&e, arg);
	err = obol_cbor_enc_finish(&e, &need);
	if (err != OBOL_OK && err != OBOL_ERR_NO_SPACE)
		return err;
	*out = cli_xmalloc(need);
	obol_cbor_enc_init(&e, *out, need);
	fn(&e, arg);
	err = obol_cbor_enc_finish(&e, len);
	if (err != OBOL_OK) {
		free(*out);
		*out = NULL;
	}
	return err;
}

static void aif_fn(obol_cbor_enc *e, const void *arg)
{
	const struct aif_arg *a = arg;

	obol_aif_write(e, a->entries, a->n);
}

/* RFC 9237 3, JSON form (an array) to CBOR AIF in a new *aif; 0 or -1. */
static int aif_encode(struct jc *c, const struct cli_json *v, uint8_t **aif,
		      size_t *len)
{
	struct obol_aif_entry *entries;
	struct aif_arg arg;
	size_t i;
	int rc = -1;

	*aif = NULL;

	entries = cli_xmalloc((v->n ? v->n : 1) * sizeof *entries);
	for (i = 0; i < v->n; i++) {
		const struct cli_json *en = &v->items[i], *path;

		if (en->type != CLI_JSON_ARRAY || en->n != 2) {
			jc_error(c, en, "an AIF entry must be [\"/path\", permissions]");
			goto out;
		}
		path = &en->items[0];
		if (!want(c, path, CLI_JSON_STRING, "an AIF path"))
			goto out;
		if (path->len == 0 || path->str[0] != '/') {
			jc_error(c, path, "an AIF path must start with '/' (RFC 9237 3)");
			goto out;
		}
		entries[i].path = path->str;
		entries[i].path_len = path->len;
		if (aif_perm(c, &en->items[1], &entries[i].perm) != 0)
			goto out;
	}
	arg.entries = entries;
	arg.n = v->n;
	if (encode_alloc(aif_fn, &arg, aif, len) != OBOL_OK) {
		jc_error(c, v, "cannot encode the AIF scope");
		goto out;
	}
	rc = 0;
out:
	free(entries);
	return rc;
}

/* RFC 9237 3, JSON form: the CBOR AIF inside a byte string (cwt.h). */
static void put_aif(struct jc *c, obol_cbor_enc *e, const struct cli_json *v)
{
	uint8_t *aif;
	size_t len = 0;

	if (aif_encode(c, v, &aif, &len) != 0)
		return;
	obol_cbor_put_bstr(e, aif, len);
	free(aif);
}

int cli_aif_from_json(const char *prog, const char *what,
		      const struct cli_json *v, uint8_t **aif, size_t *len)
{
	struct jc c = {prog, NULL, 0, 0, what};

	*aif = NULL;
	*len = 0;
	if (v->type != CLI_JSON_ARRAY || v->n == 0) {
		jc_error(&c, v, "an AIF scope is a non-empty array of [\"/path\","
			 " permissions] (RFC 9237 3)");
		return -1;
	}
	if (aif_encode(&c, v, aif, len) != 0)
		return -1;
	if (obol_aif_validate(*aif, *len) != OBOL_OK) {
		jc_error(&c, v, "not a valid AIF-REST scope (RFC 9237 3)");
		free(*aif);
		*aif = NULL;
		return -1;
	}
	return 0;
}

static void put_scope(struct jc *c, obol_cbor_enc *e, const struct cli_json *v)
{
	const struct cli_json *b;

	if (v->type == CLI_JSON_STRING) {
		obol_cbor_put_tstr(e, v->str, v->len);
	} else if (v->type == CLI_JSON_ARRAY) {
		put_aif(c, e, v);
	} else if (v->type == CLI_JSON_OBJECT && v->n == 1 &&
		   (b = cli_json_get(v, "bytes")) != NULL) {
		put_hex_value(c, e, b, "scope bytes");
	} else {
		jc_error(c, v, "must be text, an AIF array or {\"bytes\": \"<hex>\"}");
	}
}

/* Members of object o must all be among names[0..n) (a table of name strings). */
static int only_members(struct jc *c, const struct cli_json *o,
			const char *const *names, size_t n, const char *what)
{
	size_t i, k;

	for (i = 0; i < o->n; i++) {
		for (k = 0; k < n; k++)
			if (strcmp(o->items[i].key, names[k]) == 0)
				break;
		if (k == n) {
			jc_error(c, &o->items[i], "unknown %s member \"%s\"", what,
				 o->items[i].key);
			return -1;
		}
	}
	return 0;
}

static void put_osc(struct jc *c, obol_cbor_enc *e, const struct cli_json *o)
{
	static const char *const names[] = {"id", "version", "ms", "hkdf", "alg",
					    "salt", "contextId"};
	size_t i;

	if (!want(c, o, CLI_JSON_OBJECT, "osc") ||
	    only_members(c, o, names, COUNT(names), "osc") != 0)
		return;
	obol_cbor_put_map(e, o->n);
	for (i = 0; i < COUNT(osc_defs); i++) {
		const struct cli_json *v = cli_json_get(o, osc_defs[i].name);
		if (v == NULL)
			continue;
		obol_cbor_put_int(e, osc_defs[i].label);
		if (osc_defs[i].is_int) {
			if (want(c, v, CLI_JSON_INT, osc_defs[i].name))
				obol_cbor_put_int(e, v->num);
		} else {
			put_hex_value(c, e, v, osc_defs[i].name);
		}
	}
}

static void put_cose_key(struct jc *c, obol_cbor_enc *e, const struct cli_json *o)
{
	static const char *const names[] = {"kty", "kid", "alg", "base_iv", "crv",
					    "k", "x", "y", "d"};
	const struct cli_json *crv, *k;
	size_t i;

	if (!want(c, o, CLI_JSON_OBJECT, "COSE_Key") ||
	    only_members(c, o, names, COUNT(names), "COSE_Key") != 0)
		return;
	crv = cli_json_get(o, "crv");
	k = cli_json_get(o, "k");
	if (crv != NULL && k != NULL) {
		jc_error(c, k, "a COSE_Key has crv (EC2, OKP) or k (Symmetric), not"
			 " both: both are label -1");
		return;
	}
	obol_cbor_put_map(e, o->n);
	for (i = 0; i < COUNT(key_defs); i++) {
		const struct cli_json *v;

		if (i == P_CRV_OR_K) {
			v = crv != NULL ? crv : k;
		} else {
			v = cli_json_get(o, key_defs[i].name);
		}
		if (v == NULL)
			continue;
		obol_cbor_put_int(e, i == P_CRV_OR_K ? -1 : key_defs[i].label);
		if (i == P_KTY)
			put_named_int(c, e, v, kty_names, "kty");
		else if (i == P_CRV_OR_K && v == crv)
			put_named_int(c, e, v, crv_names, "crv");
		else if (i == P_ALG && want(c, v, CLI_JSON_INT, "alg"))
			obol_cbor_put_int(e, v->num);
		else if (i != P_ALG)
			put_hex_value(c, e, v, i == P_CRV_OR_K ? "k" : key_defs[i].name);
	}
}

static void put_cnf(struct jc *c, obol_cbor_enc *e, const struct cli_json *v)
{
	const struct cli_json *m;

	if (!want(c, v, CLI_JSON_OBJECT, "cnf"))
		return;
	if (v->n != 1) {
		jc_error(c, v, "must hold exactly one of \"osc\", \"kid\", \"COSE_Key\","
			 " \"Encrypted_COSE_Key\" (RFC 8747 3.1)");
		return;
	}
	m = &v->items[0];
	obol_cbor_put_map(e, 1);
	if (strcmp(m->key, "osc") == 0) {
		obol_cbor_put_int(e, OBOL_CWT_CNF_OSCORE);
		put_osc(c, e, m);
	} else if (strcmp(m->key, "kid") == 0) {
		obol_cbor_put_int(e, OBOL_CWT_CNF_KID);
		put_hex_value(c, e, m, "kid");
	} else if (strcmp(m->key, "COSE_Key") == 0) {
		obol_cbor_put_int(e, OBOL_CWT_CNF_COSE_KEY);
		put_cose_key(c, e, m);
	} else if (strcmp(m->key, "Encrypted_COSE_Key") == 0) {
		uint8_t *p;
		size_t n, pos = 0;
		obol_cbor_put_int(e, OBOL_CWT_CNF_ENCRYPTED_KEY);
		if (!want(c, m, CLI_JSON_STRING, "Encrypted_COSE_Key"))
			return;
		n = m->len;
		p = cli_xmalloc(n + 1);
		memcpy(p, m->str, n);
		if (cli_hex_decode(p, &n, &pos) != CLI_HEX_OK ||
		    obol_cbor_validate(p, n, OBOL_CBOR_STRICT, NULL) != OBOL_OK)
			jc_error(c, m, "Encrypted_COSE_Key must be the hex of one CBOR"
				 " item (a COSE_Encrypt0 or COSE_Encrypt)");
		else
			obol_cbor_put_raw(e, p, n);
		free(p);
	} else {
		jc_error(c, m, "unknown confirmation method \"%s\" (osc, kid,"
			 " COSE_Key, Encrypted_COSE_Key)", m->key);
	}
}

struct claims_arg {
	struct jc *c;
	const struct cli_json *obj;
};

static void put_claims(obol_cbor_enc *e, const void *arg)
{
	const struct claims_arg *a = arg;
	struct jc *c = a->c;
	size_t i;

	obol_cbor_put_map(e, a->obj->n);
	for (i = 0; i < COUNT(claim_defs) && !c->failed; i++) {
		const struct claim_def *d = &claim_defs[i];
		const struct cli_json *v = cli_json_get(a->obj, d->name);

		if (v == NULL)
			continue;
		c->claim = d->name;
		obol_cbor_put_int(e, d->key);
		switch (d->kind) {
		case K_TEXT:
			if (want(c, v, CLI_JSON_STRING, "the value"))
				obol_cbor_put_tstr(e, v->str, v->len);
			break;
		case K_INT:
			if (want(c, v, CLI_JSON_INT, "the value"))
				obol_cbor_put_int(e, v->num);
			break;
		case K_UINT:
			if (want(c, v, CLI_JSON_INT, "the value")) {
				if (v->num < 0)
					jc_error(c, v, "must not be negative");
				else
					obol_cbor_put_uint(e, (uint64_t)v->num);
			}
			break;
		case K_HEX:
			put_hex_value(c, e, v, "the value");
			break;
		case K_SCOPE:
			put_scope(c, e, v);
			break;
		case K_CNF:
			put_cnf(c, e, v);
			break;
		case K_PROFILE:
			put_named_int(c, e, v, profile_names, "ace_profile");
			break;
		}
	}
	c->claim = NULL;
}

int cli_claims_from_json(const char *prog, const struct cli_json *obj,
			 uint8_t **cbor, size_t *cbor_len)
{
	struct jc c = {prog, NULL, 0, 0, NULL};
	struct claims_arg arg;
	size_t i, k;
	int err;

	if (obj->type != CLI_JSON_OBJECT) {
		fprintf(stderr, "%s: claims:%zu:%zu: the claims must be a JSON object,"
			" not %s\n", prog, obj->line, obj->col,
			cli_json_type_name(obj->type));
		return -1;
	}
	for (i = 0; i < obj->n; i++) {
		for (k = 0; k < COUNT(claim_defs); k++)
			if (strcmp(obj->items[i].key, claim_defs[k].name) == 0)
				break;
		if (k == COUNT(claim_defs)) {
			fprintf(stderr, "%s: claims:%zu:%zu: unknown claim \"%s\"\n",
				prog, obj->items[i].line, obj->items[i].col,
				obj->items[i].key);
			return -1;
		}
	}
	arg.c = &c;
	arg.obj = obj;
	*cbor = NULL;
	/* A first pass reports the first mistake; encode_alloc then runs
	 * put_claims twice more (measure, write), quietly. */
	{
		obol_cbor_enc e;

		obol_cbor_enc_init(&e, NULL, 0);
		put_claims(&e, &arg);
		if (c.failed)
			return -1;
	}
	c.quiet = 1;
	err = encode_alloc(put_claims, &arg, cbor, cbor_len);
	if (err != OBOL_OK || c.failed) {
		fprintf(stderr, "%s: cannot encode the claims (%s)\n", prog,
			obol_err_str(err));
		free(*cbor);
		*cbor = NULL;
		return -1;
	}
	return 0;
}

/* ---- known claims ------------------------------------------------------------ */

static const struct claim_def *claim_by_key(int64_t key)
{
	size_t i;

	for (i = 0; i < COUNT(claim_defs); i++)
		if (claim_defs[i].key == key)
			return &claim_defs[i];
	return NULL;
}

/* The next map key as one line of diagnostic notation. */
static void key_text(const obol_cbor_dec *d, struct cli_buf *out)
{
	obol_cbor_dec c = *d;

	if (cli_diag_render(&c, CLI_DIAG_PLAIN | CLI_DIAG_COMPACT, out) != OBOL_OK)
		cli_buf_puts(out, "?");
}

int cli_claims_known(const char *prog, const uint8_t *cbor, size_t len)
{
	obol_cbor_dec d, m;
	int64_t key;

	if (obol_cbor_dec_init(&d, cbor, len, OBOL_CBOR_STRICT) != OBOL_OK ||
	    obol_cbor_enter_map(&d, &m, NULL) != OBOL_OK)
		return 0; /* not a map: obol_cwt_decode_claims will say so */
	while (!obol_cbor_at_end(&m)) {
		obol_cbor_dec k = m;
		if (obol_cbor_get_int64(&k, &key) != OBOL_OK ||
		    claim_by_key(key) == NULL) {
			struct cli_buf t = {0};
			key_text(&m, &t);
			fprintf(stderr, "%s: claims: unknown claim %s (obol knows 1-9,"
				" 38-40)\n", prog, t.p);
			cli_buf_free(&t);
			return -1;
		}
		if (obol_cbor_skip(&m) != OBOL_OK || obol_cbor_skip(&m) != OBOL_OK)
			return 0;
	}
	return 0;
}

/* ---- CBOR -> JSON ------------------------------------------------------------ */

static void put_hex_text(obol_cbor_enc *e, const uint8_t *p, size_t n)
{
	struct cli_buf b = {0};

	cli_buf_hex(&b, p, n);
	obol_cbor_put_tstr(e, b.p != NULL ? b.p : "", b.len);
	if (b.p != NULL)
		obol_wipe(b.p, b.len);
	cli_buf_free(&b);
}

static void put_name_or_int(obol_cbor_enc *e, const struct name_val *names,
			    int64_t v)
{
	for (; names->name != NULL; names++)
		if (names->val == v) {
			obol_cbor_put_text(e, names->name);
			return;
		}
	obol_cbor_put_int(e, v);
}

/* RFC 9237 3, JSON form: [["/path", ["GET", ...]], ...]. */
static void show_aif(obol_cbor_enc *e, const uint8_t *aif, size_t len)
{
	obol_cbor_dec d, a, en;
	size_t n, i, m, k;

	if (obol_cbor_dec_init(&d, aif, len, OBOL_CBOR_STRICT) != OBOL_OK ||
	    obol_cbor_enter_array(&d, &a, &n) != OBOL_OK) {
		put_hex_text(e, aif, len);
		return;
	}
	obol_cbor_put_array(e, n);
	for (i = 0; i < n; i++) {
		const char *path = "";
		size_t path_len = 0, nbits = 0;
		uint64_t perm = 0;

		if (obol_cbor_enter_array(&a, &en, NULL) == OBOL_OK) {
			(void)obol_cbor_get_tstr(&en, &path, &path_len);
			(void)obol_cbor_get_uint64(&en, &perm);
			(void)obol_cbor_leave(&a, &en);
		}
		obol_cbor_put_array(e, 2);
		obol_cbor_put_tstr(e, path, path_len);
		for (k = 0; k < 64; k++)
			if (perm >> k & 1u)
				nbits++;
		obol_cbor_put_array(e, nbits);
		for (k = 0; k < 64; k++) {
			char name[32];
			if (!(perm >> k & 1u))
				continue;
			m = k % 32;
			if (m < COUNT(method_names))
				snprintf(name, sizeof name, "%s%s", k >= 32 ? "Dynamic-" : "",
					 method_names[m]);
			else
				snprintf(name, sizeof name, "bit %u", (unsigned)k);
			obol_cbor_put_text(e, name);
		}
	}
}

struct show_aif_arg {
	const uint8_t *aif;
	size_t len;
};

static void show_aif_fn(obol_cbor_enc *e, const void *arg)
{
	const struct show_aif_arg *a = arg;

	show_aif(e, a->aif, a->len);
}

int cli_aif_to_json(const uint8_t *aif, size_t len, struct cli_buf *out)
{
	struct show_aif_arg arg = {aif, len};
	uint8_t *cbor = NULL;
	size_t n = 0;
	obol_cbor_dec d;
	int err;

	err = encode_alloc(show_aif_fn, &arg, &cbor, &n);
	if (err == OBOL_OK)
		err = obol_cbor_dec_init(&d, cbor, n, 0);
	if (err == OBOL_OK)
		err = cli_diag_render(&d, CLI_DIAG_JSON | CLI_DIAG_COMPACT |
				      CLI_DIAG_PLAIN, out);
	free(cbor);
	return err;
}

static void show_cose_key(obol_cbor_enc *e, const struct obol_cose_key *k)
{
	size_t n = 1;

	n += k->kid_len > 0;
	n += k->alg != 0;
	n += k->base_iv_len > 0;
	n += k->crv != 0;
	n += k->k_len > 0;
	n += k->x_len > 0;
	n += k->y_len > 0;
	n += k->d_len > 0;
	obol_cbor_put_map(e, n);
	obol_cbor_put_text(e, "kty");
	put_name_or_int(e, kty_names, k->kty);
	if (k->kid_len > 0) {
		obol_cbor_put_text(e, "kid");
		put_hex_text(e, k->kid, k->kid_len);
	}
	if (k->alg != 0) {
		obol_cbor_put_text(e, "alg");
		obol_cbor_put_int(e, k->alg);
	}
	if (k->base_iv_len > 0) {
		obol_cbor_put_text(e, "base_iv");
		put_hex_text(e, k->base_iv, k->base_iv_len);
	}
	if (k->crv != 0) {
		obol_cbor_put_text(e, "crv");
		put_name_or_int(e, crv_names, k->crv);
	}
	if (k->k_len > 0) {
		obol_cbor_put_text(e, "k");
		put_hex_text(e, k->k, k->k_len);
	}
	if (k->x_len > 0) {
		obol_cbor_put_text(e, "x");
		put_hex_text(e, k->x, k->x_len);
	}
	if (k->y_len > 0) {
		obol_cbor_put_text(e, "y");
		put_hex_text(e, k->y, k->y_len);
	}
	if (k->d_len > 0) {
		obol_cbor_put_text(e, "d");
		put_hex_text(e, k->d, k->d_len);
	}
}

static void show_osc(obol_cbor_enc *e, const struct obol_oscore_input *o)
{
	size_t i, n = 0;

	for (i = 0; i < COUNT(osc_defs); i++)
		if (o->present & OBOL_OSC_F(osc_defs[i].label))
			n++;
	obol_cbor_put_map(e, n);
	for (i = 0; i < COUNT(osc_defs); i++) {
		int l = osc_defs[i].label;
		if (!(o->present & OBOL_OSC_F(l)))
			continue;
		obol_cbor_put_text(e, osc_defs[i].name);
		switch (l) {
		case OBOL_OSC_ID: put_hex_text(e, o->id, o->id_len); break;
		case OBOL_OSC_VERSION: obol_cbor_put_uint(e, o->version); break;
		case OBOL_OSC_MS: put_hex_text(e, o->ms, o->ms_len); break;
		case OBOL_OSC_HKDF: obol_cbor_put_int(e, o->hkdf); break;
		case OBOL_OSC_ALG: obol_cbor_put_int(e, o->alg); break;
		case OBOL_OSC_SALT: put_hex_text(e, o->salt, o->salt_len); break;
		default: put_hex_text(e, o->context_id, o->context_id_len); break;
		}
	}
}

static void show_cnf(obol_cbor_enc *e, const struct obol_cwt_claims *c)
{
	obol_cbor_put_map(e, 1);
	switch (c->cnf_type) {
	case OBOL_CWT_CNF_COSE_KEY:
		obol_cbor_put_text(e, "COSE_Key");
		show_cose_key(e, &c->cnf_key);
		break;
	case OBOL_CWT_CNF_ENCRYPTED_KEY:
		obol_cbor_put_text(e, "Encrypted_COSE_Key");
		put_hex_text(e, c->cnf_raw, c->cnf_raw_len);
		break;
	case OBOL_CWT_CNF_KID:
		obol_cbor_put_text(e, "kid");
		put_hex_text(e, c->cnf_raw, c->cnf_raw_len);
		break;
	case OBOL_CWT_CNF_OSCORE:
		obol_cbor_put_text(e, "osc");
		show_osc(e, &c->cnf_osc);
		break;
	default:
		obol_cbor_put_text(e, "unknown");
		obol_cbor_put_null(e);
		break;
	}
}

/* The value of a known claim d, present in c. */
static void show_claim(obol_cbor_enc *e, const struct claim_def *d,
		       const struct obol_cwt_claims *c)
{
	switch (d->key) {
	case OBOL_CWT_ISS: obol_cbor_put_tstr(e, c->iss, c->iss_len); break;
	case OBOL_CWT_SUB: obol_cbor_put_tstr(e, c->sub, c->sub_len); break;
	case OBOL_CWT_AUD: obol_cbor_put_tstr(e, c->aud, c->aud_len); break;
	case OBOL_CWT_EXP: obol_cbor_put_int(e, c->exp); break;
	case OBOL_CWT_NBF: obol_cbor_put_int(e, c->nbf); break;
	case OBOL_CWT_IAT: obol_cbor_put_int(e, c->iat); break;
	case OBOL_CWT_CTI: put_hex_text(e, c->cti, c->cti_len); break;
	case OBOL_CWT_CNF: show_cnf(e, c); break;
	case OBOL_CWT_SCOPE:
		if (c->scope_type == OBOL_CWT_SCOPE_TEXT) {
			obol_cbor_put_tstr(e, (const char *)c->scope, c->scope_len);
		} else if (c->scope_type == OBOL_CWT_SCOPE_AIF) {
			show_aif(e, c->scope, c->scope_len);
		} else {
			obol_cbor_put_map(e, 1);
			obol_cbor_put_text(e, "bytes");
			put_hex_text(e, c->scope, c->scope_len);
		}
		break;
	case OBOL_CWT_ACE_PROFILE: obol_cbor_put_int(e, c->ace_profile); break;
	case OBOL_CWT_CNONCE: put_hex_text(e, c->cnonce, c->cnonce_len); break;
	default: obol_cbor_put_uint(e, c->exi); break;
	}
}

struct show_arg {
	const uint8_t *raw;
	size_t raw_len;
	const struct obol_cwt_claims *c;
};

static void show_claims(obol_cbor_enc *e, const void *arg)
{
	const struct show_arg *a = arg;
	const struct obol_cwt_claims *c = a->c;
	obol_cbor_dec d, m;
	size_t i, n = 0;

	if (a->raw == NULL ||
	    obol_cbor_dec_init(&d, a->raw, a->raw_len, OBOL_CBOR_STRICT) != OBOL_OK ||
	    obol_cbor_enter_map(&d, &m, &n) != OBOL_OK) {
		/* No claims map as sent: the known claims, in key order. */
		for (i = 0; i < COUNT(claim_defs); i++)
			n += (c->present & claim_defs[i].bit) != 0;
		obol_cbor_put_map(e, n);
		for (i = 0; i < COUNT(claim_defs); i++) {
			if (!(c->present & claim_defs[i].bit))
				continue;
			obol_cbor_put_text(e, claim_defs[i].name);
			show_claim(e, &claim_defs[i], c);
		}
		return;
	}
	obol_cbor_put_map(e, n);
	while (!obol_cbor_at_end(&m)) {
		const struct claim_def *def = NULL;
		const uint8_t *v;
		size_t vlen;
		int64_t key;
		obol_cbor_dec k = m;

		if (obol_cbor_get_int64(&k, &key) == OBOL_OK)
			def = claim_by_key(key);
		if (def != NULL && (c->present & def->bit)) {
			obol_cbor_put_text(e, def->name);
			(void)obol_cbor_skip(&m);
			(void)obol_cbor_skip(&m);
			show_claim(e, def, c);
			continue;
		}
		{
			struct cli_buf t = {0};
			key_text(&m, &t);
			obol_cbor_put_tstr(e, t.p, t.len);
			cli_buf_free(&t);
		}
		(void)obol_cbor_skip(&m);
		if (obol_cbor_get_raw(&m, &v, &vlen) == OBOL_OK)
			obol_cbor_put_raw(e, v, vlen);
		else
			obol_cbor_put_null(e);
	}
}

int cli_claims_to_json(const uint8_t *raw, size_t raw_len,
		       const struct obol_cwt_claims *c, unsigned opts,
		       struct cli_buf *out)
{
	struct show_arg arg;
	uint8_t *disp = NULL;
	size_t len = 0;
	obol_cbor_dec d;
	int err;

	arg.raw = raw;
	arg.raw_len = raw_len;
	arg.c = c;
	err = encode_alloc(show_claims, &arg, &disp, &len);
	if (err != OBOL_OK)
		return err;
	err = obol_cbor_dec_init(&d, disp, len, 0);
	if (err == OBOL_OK)
		err = cli_diag_render(&d, CLI_DIAG_JSON | (opts & CLI_DIAG_COMPACT), out);
	obol_wipe(disp, len);
	free(disp);
	return err;
}
