/*
 * CoAP messages (RFC 7252 section 3) as text or JSON, for `obol inspect
 * --coap`. The message has been checked by obol_coap_parse(), so walking
 * its options cannot fail.
 *
 * Text layout (documented in `obol inspect --help`):
 *
 *   CoAP CON 0.02 POST  mid 0x5d1f  token h'00003974'
 *     Uri-Host (3): "localhost"
 *     OSCORE (9): h'0914' / partial IV h'14', kid h'' /
 *     payload (13 bytes, ciphertext): h'612f1092f1776f1c1668b3825e'
 *
 * Each option in the order sent, by name and number, its value by the
 * format of RFC 7252 5.10 (and of the RFCs that added the option): uint
 * as a number, string as "text", opaque as h'..', empty options bare.
 * Comments / ... / add what the value means. The payload is decoded when
 * the message says how: CBOR Content-Formats in diagnostic notation (the
 * printer of diag.c, COSE annotations included), text Content-Formats,
 * or none, as "text" when it is printable UTF-8; anything else as h'..'.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* ---- tables ------------------------------------------------------------------ */

static const char *const type_names[4] = {"CON", "NON", "ACK", "RST"};

/* Codes (RFC 7252 12.1; RFC 7959, 8132, 8516, 8768). */
static const struct code_name {
	uint8_t code;
	const char *name;
} code_names[] = {
	{OBOL_COAP_EMPTY, "Empty"},
	{OBOL_COAP_GET, "GET"},
	{OBOL_COAP_POST, "POST"},
	{OBOL_COAP_PUT, "PUT"},
	{OBOL_COAP_DELETE, "DELETE"},
	{OBOL_COAP_FETCH, "FETCH"},
	{OBOL_COAP_PATCH, "PATCH"},
	{OBOL_COAP_IPATCH, "iPATCH"},
	{OBOL_COAP_CREATED, "Created"},
	{OBOL_COAP_DELETED, "Deleted"},
	{OBOL_COAP_VALID, "Valid"},
	{OBOL_COAP_CHANGED, "Changed"},
	{OBOL_COAP_CONTENT, "Content"},
	{OBOL_COAP_CODE(2, 31), "Continue"},
	{OBOL_COAP_BAD_REQUEST, "Bad Request"},
	{OBOL_COAP_UNAUTHORIZED, "Unauthorized"},
	{OBOL_COAP_BAD_OPTION, "Bad Option"},
	{OBOL_COAP_FORBIDDEN, "Forbidden"},
	{OBOL_COAP_NOT_FOUND, "Not Found"},
	{OBOL_COAP_METHOD_NOT_ALLOWED, "Method Not Allowed"},
	{OBOL_COAP_CODE(4, 6), "Not Acceptable"},
	{OBOL_COAP_CODE(4, 8), "Request Entity Incomplete"},
	{OBOL_COAP_CODE(4, 9), "Conflict"},
	{OBOL_COAP_CODE(4, 12), "Precondition Failed"},
	{OBOL_COAP_CODE(4, 13), "Request Entity Too Large"},
	{OBOL_COAP_CODE(4, 15), "Unsupported Content-Format"},
	{OBOL_COAP_CODE(4, 22), "Unprocessable Entity"},
	{OBOL_COAP_CODE(4, 29), "Too Many Requests"},
	{OBOL_COAP_INTERNAL_ERROR, "Internal Server Error"},
	{OBOL_COAP_CODE(5, 1), "Not Implemented"},
	{OBOL_COAP_CODE(5, 2), "Bad Gateway"},
	{OBOL_COAP_CODE(5, 3), "Service Unavailable"},
	{OBOL_COAP_CODE(5, 4), "Gateway Timeout"},
	{OBOL_COAP_CODE(5, 5), "Proxying Not Supported"},
	{OBOL_COAP_CODE(5, 8), "Hop Limit Reached"},
};

/* Option value formats (RFC 7252 3.2). */
enum fmt { F_EMPTY, F_OPAQUE, F_UINT, F_STRING };

/* What a value means, beyond its format. */
enum meaning { M_NONE, M_MEDIA, M_BLOCK, M_OBSERVE, M_OSCORE, M_NO_RESPONSE };

/* Options (RFC 7252 5.10; RFC 7641, 7959, 7967, 8613, 8768, 9175, 9177,
 * 9668): the numbers of coap.h and a few more of the registry. */
static const struct opt_info {
	uint16_t num;
	const char *name;
	enum fmt fmt;
	enum meaning meaning;
} opt_infos[] = {
	{OBOL_COAP_OPT_IF_MATCH, "If-Match", F_OPAQUE, M_NONE},
	{OBOL_COAP_OPT_URI_HOST, "Uri-Host", F_STRING, M_NONE},
	{OBOL_COAP_OPT_ETAG, "ETag", F_OPAQUE, M_NONE},
	{OBOL_COAP_OPT_IF_NONE_MATCH, "If-None-Match", F_EMPTY, M_NONE},
	{OBOL_COAP_OPT_OBSERVE, "Observe", F_UINT, M_OBSERVE},
	{OBOL_COAP_OPT_URI_PORT, "Uri-Port", F_UINT, M_NONE},
	{OBOL_COAP_OPT_LOCATION_PATH, "Location-Path", F_STRING, M_NONE},
	{OBOL_COAP_OPT_OSCORE, "OSCORE", F_OPAQUE, M_OSCORE},
	{OBOL_COAP_OPT_URI_PATH, "Uri-Path", F_STRING, M_NONE},
	{OBOL_COAP_OPT_CONTENT_FORMAT, "Content-Format", F_UINT, M_MEDIA},
	{OBOL_COAP_OPT_MAX_AGE, "Max-Age", F_UINT, M_NONE},
	{OBOL_COAP_OPT_URI_QUERY, "Uri-Query", F_STRING, M_NONE},
	{16, "Hop-Limit", F_UINT, M_NONE},
	{OBOL_COAP_OPT_ACCEPT, "Accept", F_UINT, M_MEDIA},
	{19, "Q-Block1", F_UINT, M_BLOCK},
	{OBOL_COAP_OPT_LOCATION_QUERY, "Location-Query", F_STRING, M_NONE},
	{21, "EDHOC", F_EMPTY, M_NONE},
	{OBOL_COAP_OPT_BLOCK2, "Block2", F_UINT, M_BLOCK},
	{OBOL_COAP_OPT_BLOCK1, "Block1", F_UINT, M_BLOCK},
	{OBOL_COAP_OPT_SIZE2, "Size2", F_UINT, M_NONE},
	{31, "Q-Block2", F_UINT, M_BLOCK},
	{OBOL_COAP_OPT_PROXY_URI, "Proxy-Uri", F_STRING, M_NONE},
	{OBOL_COAP_OPT_PROXY_SCHEME, "Proxy-Scheme", F_STRING, M_NONE},
	{OBOL_COAP_OPT_SIZE1, "Size1", F_UINT, M_NONE},
	{OBOL_COAP_OPT_ECHO, "Echo", F_OPAQUE, M_NONE},
	{OBOL_COAP_OPT_NO_RESPONSE, "No-Response", F_UINT, M_NO_RESPONSE},
	{OBOL_COAP_OPT_REQUEST_TAG, "Request-Tag", F_OPAQUE, M_NONE},
};

/* How a payload of a Content-Format is shown. */
enum body { B_BYTES, B_TEXT, B_CBOR, B_CBOR_SEQ };

/* Content-Formats (RFC 7252 12.3; RFC 8392, 8613, 8742, 8949, 9052,
 * 9200). cose: the COSE message type its untagged content is. */
static const struct media {
	uint16_t cf;
	const char *name;
	enum body body;
	int cose;
} medias[] = {
	{0, "text/plain;charset=utf-8", B_TEXT, 0},
	{16, "application/cose; cose-type=\"cose-encrypt0\"", B_CBOR, 16},
	{17, "application/cose; cose-type=\"cose-mac0\"", B_CBOR, 17},
	{18, "application/cose; cose-type=\"cose-sign1\"", B_CBOR, 18},
	{19, "application/ace+cbor", B_CBOR, 0},
	{40, "application/link-format", B_TEXT, 0},
	{41, "application/xml", B_TEXT, 0},
	{42, "application/octet-stream", B_BYTES, 0},
	{47, "application/exi", B_BYTES, 0},
	{50, "application/json", B_TEXT, 0},
	{60, "application/cbor", B_CBOR, 0},
	{61, "application/cwt", B_CBOR, 0},
	{63, "application/cbor-seq", B_CBOR_SEQ, 0},
	{96, "application/cose; cose-type=\"cose-encrypt\"", B_CBOR, 96},
	{97, "application/cose; cose-type=\"cose-mac\"", B_CBOR, 97},
	{98, "application/cose; cose-type=\"cose-sign\"", B_CBOR, 98},
	{101, "application/cose-key", B_CBOR, 0},
	{102, "application/cose-key-set", B_CBOR, 0},
	{10001, "application/oscore", B_BYTES, 0},
};

static const char *code_name(uint8_t code)
{
	size_t i;

	for (i = 0; i < COUNT(code_names); i++)
		if (code_names[i].code == code)
			return code_names[i].name;
	return NULL;
}

const char *cli_coap_code_name(uint8_t code)
{
	return code_name(code);
}

static const struct opt_info *opt_info(uint16_t num)
{
	size_t i;

	for (i = 0; i < COUNT(opt_infos); i++)
		if (opt_infos[i].num == num)
			return &opt_infos[i];
	return NULL;
}

static const struct media *media(uint32_t cf)
{
	size_t i;

	for (i = 0; i < COUNT(medias); i++)
		if (medias[i].cf == cf)
			return &medias[i];
	return NULL;
}

static void put_fmt(struct cli_buf *b, const char *fmt, unsigned long v)
{
	char s[32];

	snprintf(s, sizeof s, fmt, v);
	cli_buf_puts(b, s);
}

static void put_code(struct cli_buf *b, uint8_t code)
{
	char s[8];

	snprintf(s, sizeof s, "%u.%02u", (unsigned)(code >> 5), (unsigned)(code & 31u));
	cli_buf_puts(b, s);
}

/* h'..' in diagnostic notation. */
static void put_h(struct cli_buf *b, const uint8_t *p, size_t n)
{
	cli_buf_puts(b, "h'");
	cli_buf_hex(b, p, n);
	cli_buf_putc(b, '\'');
}

/* Hex in a JSON string. */
static void put_jhex(struct cli_buf *b, const uint8_t *p, size_t n)
{
	cli_buf_putc(b, '"');
	cli_buf_hex(b, p, n);
	cli_buf_putc(b, '"');
}

static void put_jstr(struct cli_buf *b, const char *s)
{
	cli_diag_text(b, (const uint8_t *)s, strlen(s));
}

/* ---- option values ---------------------------------------------------------- */

void cli_oscore_option_text(const struct obol_oscore_option *o, struct cli_buf *out)
{
	int any = 0;

	if (o->piv_len > 0) {
		cli_buf_puts(out, "partial IV ");
		put_h(out, o->piv, o->piv_len);
		any = 1;
	}
	if (o->kid_context != NULL) {
		cli_buf_puts(out, any ? ", kid context " : "kid context ");
		put_h(out, o->kid_context, o->kid_context_len);
		any = 1;
	}
	if (o->kid != NULL) {
		cli_buf_puts(out, any ? ", kid " : "kid ");
		put_h(out, o->kid, o->kid_len);
		any = 1;
	}
	if (!any)
		cli_buf_puts(out, "no partial IV, no kid");
}

/* Printable text: UTF-8 without control characters but tab, CR, LF. */
static int printable(const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if ((p[i] < 0x20 && p[i] != '\t' && p[i] != '\n' && p[i] != '\r') ||
		    p[i] == 0x7f)
			return 0;
	return cli_utf8_valid(p, n);
}

/* A Block1/Block2 value (RFC 7959 2.2): NUM/M/SZX. */
static void block_comment(uint32_t v, struct cli_buf *b)
{
	unsigned szx = (unsigned)(v & 7u);

	put_fmt(b, " / block %lu", (unsigned long)(v >> 4));
	if (szx == 7)
		cli_buf_puts(b, ", SZX 7 (reserved)");
	else
		put_fmt(b, " of %lu bytes", 16ul << szx);
	cli_buf_puts(b, (v & 8u) ? ", more /" : ", last /");
}

/* No-Response (RFC 7967 2.1): which classes the client does not want. */
static void no_response_comment(uint32_t v, struct cli_buf *b)
{
	static const struct {
		uint32_t bit;
		const char *cls;
	} bits[] = {{2, "2.xx"}, {8, "4.xx"}, {16, "5.xx"}};
	size_t i;
	int any = 0;

	for (i = 0; i < COUNT(bits); i++) {
		if (!(v & bits[i].bit))
			continue;
		cli_buf_puts(b, any ? ", " : " / suppress ");
		cli_buf_puts(b, bits[i].cls);
		any = 1;
	}
	if (any)
		cli_buf_puts(b, " /");
}

/*
 * The value of one option in the text layout, with comments; request:
 * the message is a request (Observe 0/1 mean register/deregister).
 */
static void text_value(const struct opt_info *oi, uint16_t num, const uint8_t *v,
		       size_t n, int request, struct cli_buf *b)
{
	enum fmt fmt = oi != NULL ? oi->fmt : F_OPAQUE;
	uint32_t u;

	if (fmt == F_EMPTY && n == 0)
		return;
	cli_buf_puts(b, ": ");
	if (fmt == F_UINT && obol_coap_opt_uint(v, n, &u) == OBOL_OK) {
		const struct media *md;

		if (oi->meaning == M_BLOCK) {
			/* RFC 7959 2.2: NUM/M/SZX. */
			put_fmt(b, "%lu/", (unsigned long)(u >> 4));
			put_fmt(b, "%lu/", (unsigned long)((u >> 3) & 1u));
			put_fmt(b, "%lu", (unsigned long)(u & 7u));
		} else {
			put_fmt(b, "%lu", (unsigned long)u);
		}
		switch (oi->meaning) {
		case M_MEDIA:
			md = media(u);
			if (md != NULL) {
				cli_buf_puts(b, " / ");
				cli_buf_puts(b, md->name);
				cli_buf_puts(b, " /");
			}
			break;
		case M_BLOCK:
			block_comment(u, b);
			break;
		case M_OBSERVE:
			if (request && u <= 1)
				cli_buf_puts(b, u == 0 ? " / register /" : " / deregister /");
			break;
		case M_NO_RESPONSE:
			no_response_comment(u, b);
			break;
		default:
			break;
		}
		return;
	}
	if (fmt == F_STRING && cli_utf8_valid(v, n)) {
		cli_diag_text(b, v, n);
		return;
	}
	put_h(b, v, n);
	if (oi == NULL) {
		/* RFC 7252 5.4.1, 5.4.6: odd numbers are critical. */
		cli_buf_puts(b, (num & 1u) ? " / critical /" : " / elective /");
	} else if (oi->meaning == M_OSCORE) {
		struct obol_oscore_option o;
		int err = obol_oscore_option_decode(v, n, &o);

		cli_buf_puts(b, " / ");
		if (err == OBOL_OK) {
			cli_oscore_option_text(&o, b);
		} else {
			cli_buf_puts(b, "malformed: ");
			cli_buf_puts(b, obol_err_str(err));
		}
		cli_buf_puts(b, " /");
	} else if (fmt == F_UINT) {
		cli_buf_puts(b, " / too long for a uint /");
	} else if (fmt == F_STRING) {
		cli_buf_puts(b, " / not UTF-8 /");
	} else if (fmt == F_EMPTY) {
		cli_buf_puts(b, " / should be empty /");
	}
}

/* ---- payload ------------------------------------------------------------------ */

/* How the payload of m is to be shown, and the COSE type its media has. */
struct body_kind {
	enum body body;
	int cose;
	const char *why; /* qualifier for the payload line, or NULL */
};

static void body_kind(const struct obol_coap_msg *m, struct body_kind *k)
{
	const struct media *md = NULL;
	const uint8_t *v;
	size_t n;
	uint32_t cf;
	int has_cf;

	k->body = B_BYTES;
	k->cose = 0;
	k->why = NULL;
	if (obol_coap_opt_find(m, OBOL_COAP_OPT_OSCORE, &v, &n) == 1) {
		/* RFC 8613 6.2: the payload is the COSE ciphertext. */
		k->why = "ciphertext";
		return;
	}
	has_cf = obol_coap_opt_find(m, OBOL_COAP_OPT_CONTENT_FORMAT, &v, &n) == 1;
	if (has_cf) {
		if (obol_coap_opt_uint(v, n, &cf) != OBOL_OK)
			return;
		md = media(cf);
		if (md == NULL)
			return;
	}
	if (md != NULL && (md->body == B_CBOR || md->body == B_CBOR_SEQ)) {
		unsigned flags = md->body == B_CBOR_SEQ ? OBOL_CBOR_SEQUENCE : 0u;

		if (obol_cbor_validate(m->payload, m->payload_len, flags, NULL) == OBOL_OK) {
			k->body = md->body;
			k->cose = md->cose;
		} else {
			k->why = "not well-formed CBOR";
		}
		return;
	}
	if (md == NULL || md->body == B_TEXT) {
		if (printable(m->payload, m->payload_len))
			k->body = B_TEXT;
		else if (md != NULL)
			k->why = "not printable UTF-8";
	}
}

/*
 * One CBOR item of the payload at column col of a line indented by
 * indent; 0, or -1 if it cannot be rendered (out then unchanged).
 */
static int render_item(obol_cbor_dec *d, unsigned opts, int cose, size_t indent,
		       size_t col, struct cli_buf *out)
{
	struct cli_buf tmp = {0};
	int err = cli_diag_render_at(d, opts, cose, indent, col, &tmp);

	if (err == OBOL_OK)
		cli_buf_append(out, &tmp);
	if (tmp.p != NULL)
		obol_wipe(tmp.p, tmp.len);
	cli_buf_free(&tmp);
	return err == OBOL_OK ? 0 : -1;
}

/* The payload in CBOR diagnostic notation (text layout); 0 or -1. */
static int text_cbor(const struct obol_coap_msg *m, const struct body_kind *k,
		     unsigned opts, size_t col, struct cli_buf *b)
{
	unsigned flags = k->body == B_CBOR_SEQ ? OBOL_CBOR_SEQUENCE : 0u;
	struct cli_buf tmp = {0};
	obol_cbor_dec d;
	int rc = 0;

	if (obol_cbor_dec_init(&d, m->payload, m->payload_len, flags) != OBOL_OK)
		return -1;
	if (k->body == B_CBOR) {
		rc = render_item(&d, opts, k->cose, 2, col, &tmp);
	} else {
		/* A sequence (RFC 8742): one item per line below. */
		while (rc == 0 && !obol_cbor_at_end(&d)) {
			cli_buf_puts(&tmp, "\n    ");
			rc = render_item(&d, opts, 0, 4, 4, &tmp);
		}
	}
	if (rc == 0)
		cli_buf_append(b, &tmp);
	if (tmp.p != NULL)
		obol_wipe(tmp.p, tmp.len);
	cli_buf_free(&tmp);
	return rc;
}

static void text_payload(const struct obol_coap_msg *m, unsigned opts, struct cli_buf *b)
{
	struct body_kind k;
	size_t start = b->len;

	if (m->payload == NULL)
		return;
	body_kind(m, &k);
	put_fmt(b, m->payload_len == 1 ? "  payload (%lu byte" : "  payload (%lu bytes",
		(unsigned long)m->payload_len);
	if (k.body == B_CBOR_SEQ)
		cli_buf_puts(b, ", CBOR sequence");
	if (k.why != NULL) {
		cli_buf_puts(b, ", ");
		cli_buf_puts(b, k.why);
	}
	cli_buf_puts(b, "):");
	if (k.body == B_CBOR_SEQ) {
		if (text_cbor(m, &k, opts, 0, b) != 0)
			k.body = B_BYTES;
	} else if (k.body == B_CBOR) {
		cli_buf_putc(b, ' ');
		if (text_cbor(m, &k, opts, b->len - start, b) != 0)
			k.body = B_BYTES;
	} else if (k.body == B_TEXT) {
		cli_buf_putc(b, ' ');
		cli_diag_text(b, m->payload, m->payload_len);
	}
	if (k.body == B_BYTES) {
		cli_buf_putc(b, ' ');
		put_h(b, m->payload, m->payload_len);
	}
	cli_buf_putc(b, '\n');
}

/* ---- text ---------------------------------------------------------------------- */

void cli_coap_render(const struct obol_coap_msg *m, unsigned opts, struct cli_buf *out)
{
	struct obol_coap_opt_iter it;
	const char *name = code_name(m->code);
	const uint8_t *v;
	uint16_t num;
	size_t n;
	int request = m->code != OBOL_COAP_EMPTY && (m->code >> 5) == 0;

	cli_buf_puts(out, "CoAP ");
	cli_buf_puts(out, type_names[m->type & 3u]);
	cli_buf_putc(out, ' ');
	put_code(out, m->code);
	if (name != NULL) {
		cli_buf_putc(out, ' ');
		cli_buf_puts(out, name);
	}
	put_fmt(out, "  mid 0x%04lx  token ", (unsigned long)m->mid);
	put_h(out, m->token, m->token_len);
	cli_buf_putc(out, '\n');

	obol_coap_opt_begin(m, &it);
	while (obol_coap_opt_next(&it, &num, &v, &n) > 0) {
		const struct opt_info *oi = opt_info(num);

		cli_buf_puts(out, "  ");
		cli_buf_puts(out, oi != NULL ? oi->name : "Unknown");
		put_fmt(out, " (%lu)", (unsigned long)num);
		text_value(oi, num, v, n, request, out);
		cli_buf_putc(out, '\n');
	}
	text_payload(m, opts, out);
}

/* ---- JSON ------------------------------------------------------------------------ */

/* Start member i of an object or array (indent: that of its members). */
static void j_sep(struct cli_buf *b, size_t i, int compact, size_t indent)
{
	if (i > 0)
		cli_buf_putc(b, ',');
	if (compact) {
		if (i > 0)
			cli_buf_putc(b, ' ');
		return;
	}
	cli_buf_putc(b, '\n');
	cli_buf_spaces(b, indent);
}

static void j_key(struct cli_buf *b, size_t *i, int compact, size_t indent,
		  const char *key)
{
	j_sep(b, (*i)++, compact, indent);
	put_jstr(b, key);
	cli_buf_puts(b, ": ");
}

static void j_close(struct cli_buf *b, int compact, size_t indent, char c)
{
	if (!compact) {
		cli_buf_putc(b, '\n');
		cli_buf_spaces(b, indent);
	}
	cli_buf_putc(b, c);
}

/* One option as a one-line object: {"number", "name", "value", ...}. */
static void json_option(uint16_t num, const uint8_t *v, size_t n, struct cli_buf *b)
{
	const struct opt_info *oi = opt_info(num);
	enum fmt fmt = oi != NULL ? oi->fmt : F_OPAQUE;
	uint32_t u;

	put_fmt(b, "{\"number\": %lu, \"name\": ", (unsigned long)num);
	if (oi != NULL)
		put_jstr(b, oi->name);
	else
		cli_buf_puts(b, "null");
	cli_buf_puts(b, ", \"value\": ");
	if (fmt == F_UINT && obol_coap_opt_uint(v, n, &u) == OBOL_OK) {
		const struct media *md;

		put_fmt(b, "%lu", (unsigned long)u);
		if (oi->meaning == M_MEDIA && (md = media(u)) != NULL) {
			cli_buf_puts(b, ", \"media_type\": ");
			put_jstr(b, md->name);
		} else if (oi->meaning == M_BLOCK) {
			put_fmt(b, ", \"block\": {\"num\": %lu", (unsigned long)(u >> 4));
			put_fmt(b, ", \"m\": %lu", (unsigned long)((u >> 3) & 1u));
			put_fmt(b, ", \"szx\": %lu}", (unsigned long)(u & 7u));
		}
	} else if (fmt == F_STRING && cli_utf8_valid(v, n)) {
		cli_diag_text(b, v, n);
	} else {
		put_jhex(b, v, n);
		if (oi != NULL && oi->meaning == M_OSCORE) {
			struct obol_oscore_option o;
			int err = obol_oscore_option_decode(v, n, &o);
			size_t i = 0;

			cli_buf_puts(b, ", \"oscore\": {");
			if (err != OBOL_OK) {
				j_key(b, &i, 1, 0, "error");
				put_jstr(b, obol_err_str(err));
			}
			if (err == OBOL_OK && o.piv_len > 0) {
				j_key(b, &i, 1, 0, "partial_iv");
				put_jhex(b, o.piv, o.piv_len);
			}
			if (err == OBOL_OK && o.kid_context != NULL) {
				j_key(b, &i, 1, 0, "kid_context");
				put_jhex(b, o.kid_context, o.kid_context_len);
			}
			if (err == OBOL_OK && o.kid != NULL) {
				j_key(b, &i, 1, 0, "kid");
				put_jhex(b, o.kid, o.kid_len);
			}
			cli_buf_putc(b, '}');
		}
	}
	cli_buf_putc(b, '}');
}

/*
 * The payload members: "payload" (hex), then "payload_text", or
 * "payload_cbor" (RFC 8949 6.1 JSON; an array for a sequence) and
 * "payload_diag" (one line of diagnostic notation).
 */
static void json_payload(const struct obol_coap_msg *m, unsigned opts, size_t *i,
			 int compact, size_t indent, struct cli_buf *b)
{
	unsigned flags;
	struct body_kind k;
	struct cli_buf js = {0}, dg = {0};
	obol_cbor_dec d;
	int err = OBOL_OK;
	size_t col, nitems;

	if (m->payload == NULL)
		return;
	j_key(b, i, compact, indent, "payload");
	put_jhex(b, m->payload, m->payload_len);
	body_kind(m, &k);
	if (k.body == B_TEXT) {
		j_key(b, i, compact, indent, "payload_text");
		cli_diag_text(b, m->payload, m->payload_len);
		return;
	}
	if (k.body != B_CBOR && k.body != B_CBOR_SEQ)
		return;
	flags = k.body == B_CBOR_SEQ ? OBOL_CBOR_SEQUENCE : 0u;
	/* "payload_cbor": starts at indent + 16 columns. */
	col = indent + 16;
	if (k.body == B_CBOR_SEQ)
		cli_buf_putc(&js, '[');
	err = obol_cbor_dec_init(&d, m->payload, m->payload_len, flags);
	for (nitems = 0; err == OBOL_OK && !obol_cbor_at_end(&d); nitems++) {
		if (nitems > 0)
			cli_buf_puts(&js, ", ");
		err = cli_diag_render_at(&d, CLI_DIAG_JSON | (compact ? CLI_DIAG_COMPACT : 0u) |
						     (k.body == B_CBOR_SEQ ? CLI_DIAG_COMPACT : 0u),
					 k.cose, indent, col, &js);
	}
	if (k.body == B_CBOR_SEQ)
		cli_buf_putc(&js, ']');
	if (err == OBOL_OK)
		err = obol_cbor_dec_init(&d, m->payload, m->payload_len, flags);
	for (nitems = 0; err == OBOL_OK && !obol_cbor_at_end(&d); nitems++) {
		if (nitems > 0)
			cli_buf_puts(&dg, ", ");
		err = cli_diag_render_at(&d, CLI_DIAG_COMPACT | (opts & CLI_DIAG_PLAIN),
					 k.cose, 0, 0, &dg);
	}
	if (err == OBOL_OK) {
		j_key(b, i, compact, indent, "payload_cbor");
		cli_buf_append(b, &js);
		j_key(b, i, compact, indent, "payload_diag");
		cli_diag_text(b, (const uint8_t *)dg.p, dg.len);
	}
	if (js.p != NULL)
		obol_wipe(js.p, js.len);
	if (dg.p != NULL)
		obol_wipe(dg.p, dg.len);
	cli_buf_free(&js);
	cli_buf_free(&dg);
}

static void json_msg(const struct obol_coap_msg *m, const struct obol_coap_msg *inner,
		     unsigned opts, size_t indent, struct cli_buf *b)
{
	int compact = (opts & CLI_DIAG_COMPACT) != 0;
	struct obol_coap_opt_iter it;
	const char *name = code_name(m->code);
	const uint8_t *v;
	uint16_t num;
	size_t n, i = 0, k = 0;

	cli_buf_putc(b, '{');
	j_key(b, &i, compact, indent + 2, "type");
	put_jstr(b, type_names[m->type & 3u]);
	j_key(b, &i, compact, indent + 2, "code");
	cli_buf_putc(b, '"');
	put_code(b, m->code);
	cli_buf_putc(b, '"');
	j_key(b, &i, compact, indent + 2, "code_name");
	if (name != NULL)
		put_jstr(b, name);
	else
		cli_buf_puts(b, "null");
	j_key(b, &i, compact, indent + 2, "mid");
	put_fmt(b, "%lu", (unsigned long)m->mid);
	j_key(b, &i, compact, indent + 2, "token");
	put_jhex(b, m->token, m->token_len);
	j_key(b, &i, compact, indent + 2, "options");
	cli_buf_putc(b, '[');
	obol_coap_opt_begin(m, &it);
	while (obol_coap_opt_next(&it, &num, &v, &n) > 0) {
		j_sep(b, k++, compact, indent + 4);
		json_option(num, v, n, b);
	}
	if (k > 0)
		j_close(b, compact, indent + 2, ']');
	else
		cli_buf_putc(b, ']');
	json_payload(m, opts, &i, compact, indent + 2, b);
	if (inner != NULL) {
		j_key(b, &i, compact, indent + 2, "inner");
		json_msg(inner, NULL, opts, indent + 2, b);
	}
	j_close(b, compact, indent, '}');
}

void cli_coap_json(const struct obol_coap_msg *m, const struct obol_coap_msg *inner,
		   unsigned opts, struct cli_buf *out)
{
	json_msg(m, inner, opts, 0, out);
}

/* ---- where a datagram is malformed ------------------------------------------------ */

int cli_coap_error_offset(const uint8_t *msg, size_t len, int err, size_t *off)
{
	size_t p, tkl, ext, f[2];
	unsigned num = 0, i;

	switch (err) {
	case OBOL_ERR_COAP_VERSION:
	case OBOL_ERR_COAP_TOKEN_LEN:
		*off = 0;
		return 1;
	case OBOL_ERR_COAP_TRUNCATED:
		*off = len; /* where the header or token should go on */
		return 1;
	case OBOL_ERR_COAP_EMPTY_MSG:
		/* RFC 7252 4.1: the content after the header, or the TKL. */
		*off = len > 4 ? 4 : 0;
		return 1;
	case OBOL_ERR_COAP_EMPTY_PAYLOAD:
		*off = len - 1; /* the payload marker, last */
		return len > 0;
	case OBOL_ERR_COAP_OPTION:
	case OBOL_ERR_COAP_RESERVED:
		break;
	default:
		return 0;
	}
	/* RFC 7252 3.1: walk the options to the first bad one. */
	if (len < 4)
		return 0;
	tkl = msg[0] & 15u;
	if (tkl > 8 || len - 4 < tkl)
		return 0;
	for (p = 4 + tkl; p < len && msg[p] != 0xff; p += ext + f[1]) {
		*off = p;
		f[0] = (size_t)(msg[p] >> 4);
		f[1] = (size_t)(msg[p] & 15u);
		if (f[0] == 15 || f[1] == 15)
			return 1;
		ext = 1;
		for (i = 0; i < 2; i++) {
			if (f[i] == 13) {
				if (len - p - ext < 1)
					return 1;
				f[i] = 13u + msg[p + ext];
				ext += 1;
			} else if (f[i] == 14) {
				if (len - p - ext < 2)
					return 1;
				f[i] = 269u + ((size_t)msg[p + ext] << 8 | msg[p + ext + 1]);
				ext += 2;
			}
		}
		num += (unsigned)f[0];
		if (num > 0xffffu || len - p - ext < f[1])
			return 1;
	}
	return 0;
}
