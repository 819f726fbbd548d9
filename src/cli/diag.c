/*
 * CBOR to text: diagnostic notation (RFC 8949 section 8, with the comments
 * of EDN, draft-ietf-cbor-edn-literals) or JSON (RFC 8949 section 6.1).
 *
 * Layout. An item whose one-line rendering fits in CLI_DIAG_WIDTH columns,
 * counted from where it starts and including the "," or ")" that follows
 * it on the line, is printed on one line; otherwise an array or map (or an
 * indefinite-length string) puts each member on its own line, indented by
 * two spaces, and its closing bracket on a line of its own. A leaf that
 * does not fit stays on one long line. Deciding this needs the one-line
 * form of every container that is broken up: the printer renders it to a
 * scratch buffer and, if it is too wide, rewinds a copy of the cursor and
 * renders again. Nesting is bounded by OBOL_CBOR_MAX_DEPTH per decoder,
 * so this costs at most depth times the output size, and recursion is
 * bounded too (see EMBED_MAX for embedded CBOR).
 *
 * COSE/CWT annotations (off with CLI_DIAG_PLAIN, never in JSON). A tag of
 * a COSE message (RFC 9052 section 2) or a CWT (RFC 8392 section 6) gets
 * its name as a comment: 16(/ COSE_Encrypt0 / [...]). Inside its array,
 * the protected header (a bstr) is shown as embedded CBOR, <<{1: 10}>>,
 * when it holds one well-formed map; the payload of a COSE_Sign1/Mac0/
 * Sign/Mac likewise when it holds a map, taken as a CWT claims set. Known
 * header parameters, algorithms and claims are named in comments, and in
 * multi-line layout each element of the array is labelled with its role.
 * Items not inside a COSE tag are printed exactly as RFC 8949 Appendix A
 * shows them (plain, untagged). With CLI_DIAG_DECRYPTED (obol inspect
 * --key) the Encrypt0 at the top holds its plaintext in place of the
 * ciphertext: labelled "plaintext" and embedded when it is one
 * well-formed item (a map with claim names; A.6's nested Sign1 as such).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"

/* Levels of embedded CBOR (<<...>>) shown inside one another; deeper
 * byte strings print as h'...'. Each level adds at most
 * OBOL_CBOR_MAX_DEPTH levels of recursion. */
#define EMBED_MAX 4

/* ---- what an item is, from where it sits (COSE and CWT) ------------------ */

enum hint {
	H_NONE = 0,
	/* arrays with a layout (struct cose_layout) */
	H_ENCRYPT0, H_MAC0, H_SIGN1, H_ENCRYPT, H_MAC, H_SIGN,
	H_RECIPIENT, H_SIGNATURE,
	/* arrays of those */
	H_RECIPIENTS, H_SIGNATURES,
	/* byte strings that may hold CBOR */
	H_PROTECTED, /* a serialized header map (RFC 9052 3) */
	H_PAYLOAD,   /* a payload: if a map, a CWT claims set */
	H_PLAINTEXT, /* decrypted Encrypt0 content (CLI_DIAG_DECRYPTED) */
	/* maps whose labels have names */
	H_HEADERS, H_CLAIMS, H_CNF, H_OSC,
	/* values */
	H_ALG,       /* an algorithm identifier (RFC 9053) */
	H_TIME       /* a NumericDate (RFC 8392 2) */
};

/* COSE tags (RFC 9052 2, Table 1) and the CWT tag (RFC 8392 6). */
static const struct cose_tag {
	uint64_t tag;
	const char *name;
	enum hint content;
} cose_tags[] = {
	{16, "COSE_Encrypt0", H_ENCRYPT0},
	{17, "COSE_Mac0", H_MAC0},
	{18, "COSE_Sign1", H_SIGN1},
	{61, "CWT", H_NONE}, /* its content is a COSE message, tagged itself */
	{96, "COSE_Encrypt", H_ENCRYPT},
	{97, "COSE_Mac", H_MAC},
	{98, "COSE_Sign", H_SIGN},
};

/* The arrays of RFC 9052 (sections 4.2, 4.4, 5.1, 5.2, 6.1, 6.2). */
static const struct cose_layout {
	enum hint hint;
	size_t min, max; /* number of elements */
	const char *role[5];
	enum hint member[5];
} cose_layouts[] = {
	{H_ENCRYPT0, 3, 3, {"protected", "unprotected", "ciphertext"},
	 {H_PROTECTED, H_HEADERS, H_NONE}},
	{H_MAC0, 4, 4, {"protected", "unprotected", "payload", "tag"},
	 {H_PROTECTED, H_HEADERS, H_PAYLOAD, H_NONE}},
	{H_SIGN1, 4, 4, {"protected", "unprotected", "payload", "signature"},
	 {H_PROTECTED, H_HEADERS, H_PAYLOAD, H_NONE}},
	{H_ENCRYPT, 4, 4,
	 {"protected", "unprotected", "ciphertext", "recipients"},
	 {H_PROTECTED, H_HEADERS, H_NONE, H_RECIPIENTS}},
	{H_MAC, 5, 5,
	 {"protected", "unprotected", "payload", "tag", "recipients"},
	 {H_PROTECTED, H_HEADERS, H_PAYLOAD, H_NONE, H_RECIPIENTS}},
	{H_SIGN, 4, 4,
	 {"protected", "unprotected", "payload", "signatures"},
	 {H_PROTECTED, H_HEADERS, H_PAYLOAD, H_SIGNATURES}},
	{H_RECIPIENT, 3, 4,
	 {"protected", "unprotected", "ciphertext", "recipients"},
	 {H_PROTECTED, H_HEADERS, H_NONE, H_RECIPIENTS}},
	{H_SIGNATURE, 3, 3, {"protected", "unprotected", "signature"},
	 {H_PROTECTED, H_HEADERS, H_NONE}},
};

struct label {
	int64_t key;
	const char *name;
	enum hint value;
};

/* Common header parameters (RFC 9052 3.1, RFC 8613 6.1). */
static const struct label header_labels[] = {
	{1, "alg", H_ALG},       {2, "crit", H_NONE},
	{3, "content type", H_NONE}, {4, "kid", H_NONE},
	{5, "IV", H_NONE},       {6, "Partial IV", H_NONE},
	{0, NULL, H_NONE},
};

/* CWT claims (RFC 8392 4, RFC 8747 3.1, RFC 9200 5.10 and 8.13). */
static const struct label claim_labels[] = {
	{1, "iss", H_NONE},  {2, "sub", H_NONE},  {3, "aud", H_NONE},
	{4, "exp", H_TIME},  {5, "nbf", H_TIME},  {6, "iat", H_TIME},
	{7, "cti", H_NONE},  {8, "cnf", H_CNF},   {9, "scope", H_NONE},
	{38, "ace_profile", H_NONE}, {39, "cnonce", H_NONE},
	{40, "exi", H_NONE},
	{0, NULL, H_NONE},
};

/* Confirmation methods (RFC 8747 3.1; RFC 9203 3.2.1 for "osc"). */
static const struct label cnf_labels[] = {
	{1, "COSE_Key", H_NONE}, {2, "Encrypted_COSE_Key", H_NONE},
	{3, "kid", H_NONE}, {4, "osc", H_OSC},
	{0, NULL, H_NONE},
};

/* OSCORE_Input_Material (RFC 9203 3.2.1, Table 1). */
static const struct label osc_labels[] = {
	{0, "id", H_NONE}, {1, "version", H_NONE}, {2, "ms", H_NONE},
	{3, "hkdf", H_ALG}, {4, "alg", H_ALG}, {5, "salt", H_NONE},
	{6, "contextId", H_NONE},
	{0, NULL, H_NONE},
};

/* Algorithms (RFC 9053 sections 2, 3, 4, 6). */
static const struct alg_name {
	int64_t alg;
	const char *name;
} alg_names[] = {
	{1, "A128GCM"}, {2, "A192GCM"}, {3, "A256GCM"},
	{4, "HMAC 256/64"}, {5, "HMAC 256/256"}, {6, "HMAC 384/384"},
	{7, "HMAC 512/512"},
	{10, "AES-CCM-16-64-128"}, {11, "AES-CCM-16-64-256"},
	{12, "AES-CCM-64-64-128"}, {13, "AES-CCM-64-64-256"},
	{24, "ChaCha20/Poly1305"},
	{30, "AES-CCM-16-128-128"}, {31, "AES-CCM-16-128-256"},
	{32, "AES-CCM-64-128-128"}, {33, "AES-CCM-64-128-256"},
	{-6, "direct"}, {-7, "ES256"}, {-8, "EdDSA"}, {-10, "HKDF SHA-256"},
	{-35, "ES384"}, {-36, "ES512"},
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static const struct cose_layout *layout_of(enum hint h)
{
	size_t i;

	for (i = 0; i < COUNT(cose_layouts); i++)
		if (cose_layouts[i].hint == h)
			return &cose_layouts[i];
	return NULL;
}

static const struct label *labels_of(enum hint h)
{
	switch (h) {
	case H_HEADERS:
		return header_labels;
	case H_CLAIMS:
		return claim_labels;
	case H_CNF:
		return cnf_labels;
	case H_OSC:
		return osc_labels;
	default:
		return NULL;
	}
}

/* The next item as an int64_t, if it is an integer that fits; d unmoved. */
static int peek_int(const obol_cbor_dec *d, int64_t *v)
{
	obol_cbor_dec c = *d;

	return obol_cbor_get_int64(&c, v) == OBOL_OK;
}

/* ---- printer state ---------------------------------------------------------- */

struct pr {
	unsigned opts;     /* CLI_DIAG_* */
	unsigned embed;    /* levels of <<...>> we are inside */
	uint64_t bytes_as; /* JSON: tag 21, 22 or 23 in force (RFC 8949 3.4.5.2), or 0 */
};

/*
 * Where an item goes in multi-line layout: indent of its line, column
 * where it starts, and how many columns must stay free after it on the
 * same line. A NULL `struct at *` means "render on one line".
 */
struct at {
	size_t indent;
	size_t col;
	size_t reserve;
};

static int annotate(const struct pr *pr)
{
	return !(pr->opts & (CLI_DIAG_PLAIN | CLI_DIAG_JSON));
}

static int json(const struct pr *pr)
{
	return (pr->opts & CLI_DIAG_JSON) != 0;
}

/* Columns taken by UTF-8 text: code points (continuation bytes skipped). */
static size_t width(const char *s, size_t n)
{
	size_t i, w = 0;

	for (i = 0; i < n; i++)
		if (((unsigned char)s[i] & 0xc0u) != 0x80u)
			w++;
	return w;
}

/* Columns written since mark, an offset in b on the current line. */
static size_t width_since(const struct cli_buf *b, size_t mark)
{
	return width(b->p + mark, b->len - mark);
}

/*
 * An EDN comment, "/ text /". A "/" in the text would end the comment, so
 * it is doubled, which makes two adjacent comments of it (RFC 9052
 * Appendix C writes "/ HMAC 256//256 /").
 */
static void put_comment(struct cli_buf *b, const char *text)
{
	cli_buf_puts(b, "/ ");
	for (; *text != '\0'; text++) {
		if (*text == '/')
			cli_buf_putc(b, '/');
		cli_buf_putc(b, *text);
	}
	cli_buf_puts(b, " /");
}

static int put_item(struct pr *pr, obol_cbor_dec *d, enum hint h,
		    const struct at *at, struct cli_buf *b);

/* ---- leaves ------------------------------------------------------------------- */

static void put_u64(struct cli_buf *b, uint64_t v)
{
	char s[24];

	snprintf(s, sizeof s, "%llu", (unsigned long long)v);
	cli_buf_puts(b, s);
}

/* The value -1 - n (major type 1), over the full range down to -2^64. */
static void put_nint(struct cli_buf *b, uint64_t n)
{
	cli_buf_putc(b, '-');
	if (n == UINT64_MAX)
		cli_buf_puts(b, "18446744073709551616");
	else
		put_u64(b, n + 1);
}

/* Decimal digits d[0].d[1]...d[nd-1] x 10^exp of a positive double. */
struct decimal {
	char d[20];
	size_t nd;
	int exp;
};

/* Parse the "d[.ddd]e(+|-)dd" that printf("%e") writes. */
static void decimal_parse(const char *s, struct decimal *x)
{
	x->nd = 0;
	for (; *s != 'e' && x->nd < sizeof x->d; s++)
		if (*s != '.')
			x->d[x->nd++] = *s;
	x->exp = atoi(s + 1);
}

static int decimal_reads_as(const struct decimal *x, double v)
{
	char s[CLI_DOUBLE_MAX + 8];

	snprintf(s, sizeof s, "%c.%.*se%d", x->d[0], (int)(x->nd - 1), x->d + 1,
		 x->exp);
	return strtod(s, NULL) == v;
}

/* Add or subtract one unit in the last digit; 0 if that leaves zero. */
static int decimal_step(struct decimal *x, int up)
{
	size_t i = x->nd;

	while (i-- > 0) {
		if (up && x->d[i] != '9') {
			x->d[i]++;
			return 1;
		}
		if (!up && x->d[i] != '0') {
			x->d[i]--;
			break;
		}
		x->d[i] = up ? '0' : '9';
	}
	if (up) {
		/* 9.99 + 1 unit = 10.00: one more power of ten. */
		memmove(x->d + 1, x->d, x->nd - 1);
		x->d[0] = '1';
		x->exp++;
		return 1;
	}
	if (x->d[0] == '0') {
		/* 1.00 - 1 unit = 0.99: drop the leading zero. */
		if (x->nd == 1)
			return 0;
		memmove(x->d, x->d + 1, --x->nd);
		x->exp--;
	}
	return 1;
}

/*
 * The shortest decimal (1..17 significant digits) that reads back as v > 0,
 * the nearest to v when several do (the result of Python's repr). printf's
 * correctly rounded digits are the nearest; when they do not read back
 * (near a power of two the doubles below are closer together, so that
 * 2^-24 needs 5.960464477539063e-08, not ...062e-08), the neighbour on
 * the other side of v is the only other candidate with as many digits.
 */
static void shortest_decimal(double v, struct decimal *x)
{
	char e[CLI_DOUBLE_MAX];
	int prec, up;

	for (prec = 0; prec < 17; prec++) {
		snprintf(e, sizeof e, "%.*e", prec, v);
		decimal_parse(e, x);
		if (decimal_reads_as(x, v) || prec == 16)
			break; /* 17 digits always read back */
		for (up = 0; up < 2; up++) {
			struct decimal y = *x;
			if (decimal_step(&y, up) && decimal_reads_as(&y, v)) {
				*x = y;
				return;
			}
		}
	}
	while (x->nd > 1 && x->d[x->nd - 1] == '0')
		x->nd--;
}

void cli_format_double(double v, char out[CLI_DOUBLE_MAX])
{
	struct decimal x;
	char *o = out;
	size_t i;

	if (isnan(v)) {
		strcpy(out, "NaN");
		return;
	}
	if (isinf(v)) {
		strcpy(out, v < 0 ? "-Infinity" : "Infinity");
		return;
	}
	if (signbit(v))
		*o++ = '-';
	if (v == 0) {
		strcpy(o, "0.0");
		return;
	}
	shortest_decimal(fabs(v), &x);
	if (x.exp >= -4 && x.exp < 16) {
		/* Plain notation, as Python's repr: 0.0001, 100000.0, 1.5. */
		if (x.exp < 0) {
			*o++ = '0';
			*o++ = '.';
			for (i = 1; i < (size_t)-x.exp; i++)
				*o++ = '0';
			memcpy(o, x.d, x.nd);
			o += x.nd;
		} else {
			size_t ip = (size_t)x.exp + 1; /* digits before the point */
			for (i = 0; i < ip; i++)
				*o++ = i < x.nd ? x.d[i] : '0';
			*o++ = '.';
			if (x.nd > ip) {
				memcpy(o, x.d + ip, x.nd - ip);
				o += x.nd - ip;
			} else {
				*o++ = '0';
			}
		}
		*o = '\0';
		return;
	}
	/* d.ddde+XX: a point always, two exponent digits at least. */
	*o++ = x.d[0];
	*o++ = '.';
	if (x.nd > 1) {
		memcpy(o, x.d + 1, x.nd - 1);
		o += x.nd - 1;
	} else {
		*o++ = '0';
	}
	snprintf(o, (size_t)(out + CLI_DOUBLE_MAX - o), "e%c%02d",
		 x.exp < 0 ? '-' : '+', x.exp < 0 ? -x.exp : x.exp);
}

static void put_double(const struct pr *pr, struct cli_buf *b, double v)
{
	char s[CLI_DOUBLE_MAX];

	/* RFC 8949 6.1: non-finite numbers become the substitute value. */
	if (json(pr) && !isfinite(v)) {
		cli_buf_puts(b, "null");
		return;
	}
	cli_format_double(v, s);
	cli_buf_puts(b, s);
}

static void put_simple(const struct pr *pr, struct cli_buf *b, uint8_t v)
{
	char s[16];

	switch (v) {
	case OBOL_CBOR_FALSE:
		cli_buf_puts(b, "false");
		return;
	case OBOL_CBOR_TRUE:
		cli_buf_puts(b, "true");
		return;
	case OBOL_CBOR_NULL:
		cli_buf_puts(b, "null");
		return;
	default:
		break;
	}
	if (json(pr)) {
		cli_buf_puts(b, "null"); /* RFC 8949 6.1: substitute value */
	} else if (v == OBOL_CBOR_UNDEFINED) {
		cli_buf_puts(b, "undefined");
	} else {
		snprintf(s, sizeof s, "simple(%u)", (unsigned)v);
		cli_buf_puts(b, s);
	}
}

/*
 * Text as a JSON string, which diagnostic notation shares (RFC 8949 8):
 * '"', '\' and control characters escaped, other UTF-8 kept as is. Bytes
 * that are not UTF-8 (only possible without --strict) become U+FFFD.
 */
static void put_text(struct cli_buf *b, const uint8_t *s, size_t n)
{
	size_t i = 0;

	cli_buf_putc(b, '"');
	while (i < n) {
		size_t k = cli_utf8_seq(s + i, n - i);
		char esc[8];

		if (k == 0) {
			cli_buf_puts(b, "\\ufffd");
			i++;
		} else if (s[i] == '"' || s[i] == '\\') {
			cli_buf_putc(b, '\\');
			cli_buf_putc(b, (char)s[i++]);
		} else if (s[i] < 0x20 || s[i] == 0x7f) {
			snprintf(esc, sizeof esc, "\\u%04x", (unsigned)s[i++]);
			cli_buf_puts(b, esc);
		} else {
			cli_buf_putn(b, (const char *)s + i, k);
			i += k;
		}
	}
	cli_buf_putc(b, '"');
}

static void put_hex(struct cli_buf *b, const uint8_t *p, size_t n,
		    const char *digits)
{
	size_t i;

	for (i = 0; i < n; i++) {
		cli_buf_putc(b, digits[p[i] >> 4]);
		cli_buf_putc(b, digits[p[i] & 0x0f]);
	}
}

/* RFC 4648 section 5 (url: no padding) or section 4 (with padding). */
static void put_base64(struct cli_buf *b, const uint8_t *p, size_t n, int url)
{
	static const char std_abc[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	static const char url_abc[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	const char *abc = url ? url_abc : std_abc;
	size_t i;

	for (i = 0; i + 2 < n; i += 3) {
		uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];
		cli_buf_putc(b, abc[v >> 18]);
		cli_buf_putc(b, abc[(v >> 12) & 63]);
		cli_buf_putc(b, abc[(v >> 6) & 63]);
		cli_buf_putc(b, abc[v & 63]);
	}
	if (n - i == 1) {
		uint32_t v = (uint32_t)p[i] << 16;
		cli_buf_putc(b, abc[v >> 18]);
		cli_buf_putc(b, abc[(v >> 12) & 63]);
		if (!url)
			cli_buf_puts(b, "==");
	} else if (n - i == 2) {
		uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8;
		cli_buf_putc(b, abc[v >> 18]);
		cli_buf_putc(b, abc[(v >> 12) & 63]);
		cli_buf_putc(b, abc[(v >> 6) & 63]);
		if (!url)
			cli_buf_putc(b, '=');
	}
}

/*
 * A byte string: h'...' in diagnostic notation (lowercase base16); in
 * JSON (RFC 8949 6.1) a string in base64url without padding, or in the
 * encoding that an enclosing tag 22 (base64) or 23 (base16) asks for.
 * `prefix` ("~" for a negative bignum) goes inside the JSON string.
 */
static void put_bytes(const struct pr *pr, struct cli_buf *b, const uint8_t *p,
		      size_t n, const char *prefix)
{
	if (!json(pr)) {
		cli_buf_puts(b, "h'");
		put_hex(b, p, n, "0123456789abcdef");
		cli_buf_putc(b, '\'');
		return;
	}
	cli_buf_putc(b, '"');
	cli_buf_puts(b, prefix);
	if (pr->bytes_as == 22)
		put_base64(b, p, n, 0);
	else if (pr->bytes_as == 23)
		put_hex(b, p, n, "0123456789ABCDEF");
	else
		put_base64(b, p, n, 1);
	cli_buf_putc(b, '"');
}

/* ---- containers ------------------------------------------------------------- */

/* Whether the next item of c is its last one (c unmoved). */
static int is_last(const obol_cbor_dec *c)
{
	obol_cbor_dec t = *c;

	return obol_cbor_skip(&t) != OBOL_OK || obol_cbor_at_end(&t);
}

/*
 * Start member i of a container: ", " on one line, or ",", a new line
 * and the indentation in multi-line layout. Returns the offset where the
 * member's text starts (for width_since).
 */
static size_t member_start(struct cli_buf *b, const struct at *at, size_t i)
{
	if (at == NULL) {
		if (i > 0)
			cli_buf_puts(b, ", ");
		return b->len;
	}
	if (i > 0)
		cli_buf_putc(b, ',');
	cli_buf_putc(b, '\n');
	cli_buf_spaces(b, at->indent + 2);
	return b->len;
}

/* Open a container: "[" or "[_ " on one line ("[_" before a new line). */
static void container_open(struct cli_buf *b, const struct at *at,
			   const char *open, int indef)
{
	cli_buf_puts(b, open);
	if (indef)
		cli_buf_puts(b, at ? "_" : "_ ");
}

static void container_close(struct cli_buf *b, const struct at *at,
			    const char *close)
{
	if (at != NULL) {
		cli_buf_putc(b, '\n');
		cli_buf_spaces(b, at->indent);
	}
	cli_buf_puts(b, close);
}

/* Where member text that starts at offset `mark` of b continues. */
static struct at member_at(const struct at *at, const struct cli_buf *b,
			   size_t mark, int last, size_t tail)
{
	struct at m;

	m.indent = at->indent + 2;
	m.col = at->indent + 2 + width_since(b, mark);
	m.reserve = (last ? 0 : 1) + tail;
	return m;
}

/*
 * Whether element i of a COSE array holds decrypted plaintext: the
 * ciphertext slot of an Encrypt0 at the top level (not inside embedded
 * CBOR) when the caller decrypted it (CLI_DIAG_DECRYPTED).
 */
static int decrypted_slot(const struct pr *pr, const struct cose_layout *lay,
			  size_t i)
{
	return (pr->opts & CLI_DIAG_DECRYPTED) && pr->embed == 0 &&
	       lay->hint == H_ENCRYPT0 && i == 2;
}

/* RFC 8949 8: [1, 2], [_ 1, 2]; JSON arrays. */
static int put_array(struct pr *pr, obol_cbor_dec *d, enum hint h,
		     const struct at *at, struct cli_buf *b)
{
	const struct cose_layout *lay = layout_of(h);
	struct obol_cbor_head head;
	obol_cbor_dec c;
	size_t n, i;
	int err, indef;

	err = obol_cbor_peek_head(d, &head);
	if (err)
		return err;
	indef = head.ai == 31;
	err = obol_cbor_enter_array(d, &c, &n);
	if (err)
		return err;
	if (lay != NULL && (indef || n < lay->min || n > lay->max))
		lay = NULL; /* not shaped as the tag says: no roles */
	if (obol_cbor_at_end(&c))
		at = NULL; /* [] and [_ ] always take one line */
	container_open(b, at, "[", indef && !json(pr));
	for (i = 0; !obol_cbor_at_end(&c); i++) {
		enum hint mh = H_NONE;
		size_t mark = member_start(b, at, i);

		if (lay != NULL)
			mh = decrypted_slot(pr, lay, i) ? H_PLAINTEXT : lay->member[i];
		else if (h == H_RECIPIENTS)
			mh = H_RECIPIENT;
		else if (h == H_SIGNATURES)
			mh = H_SIGNATURE;
		if (at == NULL) {
			err = put_item(pr, &c, mh, NULL, b);
		} else {
			struct at m;
			if (lay != NULL && annotate(pr)) {
				/* Roles only where each element has a line, and
				 * never in JSON or with --plain. */
				put_comment(b, decrypted_slot(pr, lay, i) ? "plaintext"
							: lay->role[i]);
				cli_buf_putc(b, ' ');
			}
			m = member_at(at, b, mark, is_last(&c), 0);
			err = put_item(pr, &c, mh, &m, b);
		}
		if (err)
			return err;
	}
	container_close(b, at, "]");
	return obol_cbor_leave(d, &c);
}

/*
 * The comment after a value, into out: the name of an algorithm, or a
 * NumericDate (RFC 8392 2) as UTC time.
 */
static void value_comment(const obol_cbor_dec *c, enum hint vh,
			  struct cli_buf *out)
{
	int64_t v;
	size_t i;

	if (!peek_int(c, &v))
		return;
	if (vh == H_ALG) {
		for (i = 0; i < COUNT(alg_names); i++) {
			if (alg_names[i].alg == v) {
				cli_buf_putc(out, ' ');
				put_comment(out, alg_names[i].name);
			}
		}
	} else if (vh == H_TIME && v >= 0 && v <= 253402300799) {
		/* Up to 9999-12-31T23:59:59Z, where time_t can hold it. */
		time_t t = (time_t)v;
		struct tm tm;
		char date[32];

		if ((int64_t)t == v && gmtime_r(&t, &tm) != NULL &&
		    strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%SZ", &tm) > 0) {
			cli_buf_putc(out, ' ');
			put_comment(out, date);
		}
	}
}

/* The name of a map key under hint h, or NULL. */
static const struct label *key_label(const obol_cbor_dec *c, enum hint h)
{
	const struct label *l = labels_of(h);
	int64_t k;

	if (l == NULL || !peek_int(c, &k))
		return NULL;
	for (; l->name != NULL; l++)
		if (l->key == k)
			return l;
	return NULL;
}

/*
 * A JSON object member name (RFC 8949 6.1): a text key as is, any other
 * key as the string of its one-line diagnostic notation (so 1 -> "1").
 */
static int put_json_key(struct pr *pr, obol_cbor_dec *c, struct cli_buf *b)
{
	struct pr diag = {CLI_DIAG_PLAIN | CLI_DIAG_COMPACT, 0, 0};
	struct cli_buf tmp = {0};
	int err;

	if (obol_cbor_peek(c) == OBOL_CBOR_TSTR)
		return put_item(pr, c, H_NONE, NULL, b);
	err = put_item(&diag, c, H_NONE, NULL, &tmp);
	if (err == OBOL_OK)
		put_text(b, (const uint8_t *)tmp.p, tmp.len);
	cli_buf_free(&tmp);
	return err;
}

/* One key: value pair of a map, with the comments its hint calls for. */
static int put_pair(struct pr *pr, obol_cbor_dec *c, enum hint h,
		    const struct at *at, size_t mark, struct cli_buf *b)
{
	const struct label *l = annotate(pr) ? key_label(c, h) : NULL;
	enum hint vh = l != NULL ? l->value : H_NONE;
	struct cli_buf comment = {0};
	int err;

	if (l != NULL) {
		put_comment(b, l->name);
		cli_buf_putc(b, ' ');
	}
	/* Keys stay on one line; ": " as RFC 8949 Appendix A writes it. */
	err = json(pr) ? put_json_key(pr, c, b) : put_item(pr, c, H_NONE, NULL, b);
	if (err)
		return err;
	cli_buf_puts(b, ": ");
	value_comment(c, vh, &comment);
	if (at == NULL) {
		err = put_item(pr, c, vh, NULL, b);
	} else {
		struct at m = member_at(at, b, mark, is_last(c),
					width(comment.p, comment.len));
		err = put_item(pr, c, vh, &m, b);
	}
	if (err == OBOL_OK)
		cli_buf_append(b, &comment);
	cli_buf_free(&comment);
	return err;
}

/* RFC 8949 8: {1: 2}, {_ "a": 1}; JSON objects. */
static int put_map(struct pr *pr, obol_cbor_dec *d, enum hint h,
		   const struct at *at, struct cli_buf *b)
{
	struct obol_cbor_head head;
	obol_cbor_dec c;
	size_t i;
	int err, indef;

	err = obol_cbor_peek_head(d, &head);
	if (err)
		return err;
	indef = head.ai == 31;
	err = obol_cbor_enter_map(d, &c, NULL);
	if (err)
		return err;
	if (obol_cbor_at_end(&c))
		at = NULL;
	container_open(b, at, "{", indef && !json(pr));
	for (i = 0; !obol_cbor_at_end(&c); i++) {
		size_t mark = member_start(b, at, i);

		err = put_pair(pr, &c, h, at, mark, b);
		if (err)
			return err;
	}
	container_close(b, at, "}");
	return obol_cbor_leave(d, &c);
}

/* All chunks of an indefinite string, joined (for JSON). */
static int join_chunks(obol_cbor_dec *c, int text, struct cli_buf *all)
{
	while (!obol_cbor_at_end(c)) {
		const uint8_t *p;
		const char *s;
		size_t n;
		int err;

		if (text) {
			err = obol_cbor_get_tstr(c, &s, &n);
			p = (const uint8_t *)s;
		} else {
			err = obol_cbor_get_bstr(c, &p, &n);
		}
		if (err)
			return err;
		cli_buf_putn(all, (const char *)p, n);
	}
	return OBOL_OK;
}

/*
 * Indefinite-length string (RFC 8949 3.2.3, 8): (_ h'01', h'02') showing
 * the chunks, ''_ or ""_ when there are none. JSON gets the joined value.
 */
static int put_chunks(struct pr *pr, obol_cbor_dec *d, const struct at *at,
		      const char *prefix, struct cli_buf *b)
{
	obol_cbor_dec c;
	int text = obol_cbor_peek(d) == OBOL_CBOR_TSTR;
	size_t i;
	int err = obol_cbor_enter_chunks(d, &c);

	if (err)
		return err;
	if (json(pr)) {
		struct cli_buf all = {0};
		err = join_chunks(&c, text, &all);
		if (err == OBOL_OK && text)
			put_text(b, (const uint8_t *)all.p, all.len);
		else if (err == OBOL_OK)
			put_bytes(pr, b, (const uint8_t *)all.p, all.len, prefix);
		cli_buf_free(&all);
	} else if (obol_cbor_at_end(&c)) {
		cli_buf_puts(b, text ? "\"\"_" : "''_");
	} else {
		container_open(b, at, "(", 1);
		for (i = 0; err == OBOL_OK && !obol_cbor_at_end(&c); i++) {
			const uint8_t *p;
			const char *s;
			size_t n;

			member_start(b, at, i);
			if (text) {
				err = obol_cbor_get_tstr(&c, &s, &n);
				if (err == OBOL_OK)
					put_text(b, (const uint8_t *)s, n);
			} else {
				err = obol_cbor_get_bstr(&c, &p, &n);
				if (err == OBOL_OK)
					put_bytes(pr, b, p, n, "");
			}
		}
		if (err == OBOL_OK)
			container_close(b, at, ")");
	}
	return err ? err : obol_cbor_leave(d, &c);
}

/* ---- strings, embedded CBOR ------------------------------------------------ */

/*
 * A byte string under H_PROTECTED or H_PAYLOAD that holds exactly one
 * well-formed CBOR map is shown as embedded CBOR, <<{...}>> (EDN);
 * anything else (h'' included) as the byte string. Under H_PLAINTEXT
 * (decrypted) any one well-formed item is embedded, a map as claims.
 * Returns 1 if shown.
 */
static int put_embedded(struct pr *pr, obol_cbor_dec *d, enum hint h,
			const struct at *at, struct cli_buf *b, int *err)
{
	obol_cbor_dec peek = *d, sub;
	const uint8_t *p;
	size_t n;
	struct at in;

	if (!annotate(pr) ||
	    (h != H_PROTECTED && h != H_PAYLOAD && h != H_PLAINTEXT) ||
	    pr->embed >= EMBED_MAX)
		return 0;
	if (obol_cbor_get_bstr(&peek, &p, &n) != OBOL_OK || n == 0 ||
	    (h != H_PLAINTEXT && (p[0] >> 5) != OBOL_CBOR_MAP) ||
	    obol_cbor_validate(p, n, 0, NULL) != OBOL_OK ||
	    obol_cbor_dec_init(&sub, p, n, 0) != OBOL_OK)
		return 0;
	cli_buf_puts(b, "<<");
	if (at != NULL) {
		in = *at;
		in.col += 2;
		in.reserve += 2;
	}
	pr->embed++;
	*err = put_item(pr, &sub,
			h == H_PROTECTED ? H_HEADERS
			: (p[0] >> 5) == OBOL_CBOR_MAP ? H_CLAIMS : H_NONE,
			at ? &in : NULL, b);
	pr->embed--;
	if (*err == OBOL_OK) {
		cli_buf_puts(b, ">>");
		*d = peek;
	}
	return 1;
}

/* A byte or text string, definite or not. */
static int put_string(struct pr *pr, obol_cbor_dec *d, enum hint h,
		      const struct at *at, const char *prefix, struct cli_buf *b)
{
	struct obol_cbor_head head;
	const uint8_t *p;
	const char *s;
	size_t n;
	int err = obol_cbor_peek_head(d, &head);

	if (err)
		return err;
	if (head.ai == 31)
		return put_chunks(pr, d, at, prefix, b);
	if (head.major == OBOL_CBOR_TSTR) {
		err = obol_cbor_get_tstr(d, &s, &n);
		if (err == OBOL_OK)
			put_text(b, (const uint8_t *)s, n);
		return err;
	}
	if (put_embedded(pr, d, h, at, b, &err))
		return err;
	err = obol_cbor_get_bstr(d, &p, &n);
	if (err == OBOL_OK)
		put_bytes(pr, b, p, n, prefix);
	return err;
}

/* ---- tags -------------------------------------------------------------------- */

static const struct cose_tag *find_cose_tag(uint64_t tag)
{
	size_t i;

	for (i = 0; i < COUNT(cose_tags); i++)
		if (cose_tags[i].tag == tag)
			return &cose_tags[i];
	return NULL;
}

/*
 * JSON (RFC 8949 6.1): the tag is dropped and its content converted,
 * except that a bignum's byte string (tags 2, 3) is base64url with "~"
 * before a negative one, and tags 21..23 set the encoding of the byte
 * strings inside (RFC 8949 3.4.5.2).
 */
static int put_json_tag(struct pr *pr, obol_cbor_dec *d, uint64_t tag,
			const struct at *at, struct cli_buf *b)
{
	uint64_t saved = pr->bytes_as;
	int err;

	if ((tag == 2 || tag == 3) && obol_cbor_peek(d) == OBOL_CBOR_BSTR) {
		pr->bytes_as = 21;
		err = put_string(pr, d, H_NONE, at, tag == 3 ? "~" : "", b);
	} else {
		if (tag >= 21 && tag <= 23)
			pr->bytes_as = tag;
		err = put_item(pr, d, H_NONE, at, b);
	}
	pr->bytes_as = saved;
	return err;
}

/* RFC 8949 8: 1(1363896240); COSE/CWT tags get their name as a comment. */
static int put_tag(struct pr *pr, obol_cbor_dec *d, const struct at *at,
		   struct cli_buf *b)
{
	const struct cose_tag *ct;
	uint64_t tag;
	size_t mark = b->len;
	int err = obol_cbor_get_tag(d, &tag);

	if (err)
		return err;
	if (json(pr))
		return put_json_tag(pr, d, tag, at, b);
	ct = annotate(pr) ? find_cose_tag(tag) : NULL;
	put_u64(b, tag);
	cli_buf_putc(b, '(');
	if (ct != NULL) {
		put_comment(b, ct->name);
		cli_buf_putc(b, ' ');
	}
	if (at == NULL) {
		err = put_item(pr, d, ct ? ct->content : H_NONE, NULL, b);
	} else {
		struct at in = *at;
		in.col += width_since(b, mark);
		in.reserve += 1;
		err = put_item(pr, d, ct ? ct->content : H_NONE, &in, b);
	}
	if (err == OBOL_OK)
		cli_buf_putc(b, ')');
	return err;
}

/* ---- dispatch ------------------------------------------------------------------ */

/* Render the next item in the layout given (at NULL: one line). */
static int put_value(struct pr *pr, obol_cbor_dec *d, enum hint h,
		     const struct at *at, struct cli_buf *b)
{
	uint64_t u;
	double f;
	uint8_t s;
	int err, type = obol_cbor_peek(d);

	switch (type) {
	case OBOL_CBOR_UINT:
		err = obol_cbor_get_uint64(d, &u);
		if (err == OBOL_OK)
			put_u64(b, u);
		return err;
	case OBOL_CBOR_NINT:
		err = obol_cbor_get_nint_raw(d, &u);
		if (err == OBOL_OK)
			put_nint(b, u);
		return err;
	case OBOL_CBOR_BSTR:
	case OBOL_CBOR_TSTR:
		return put_string(pr, d, h, at, "", b);
	case OBOL_CBOR_ARRAY:
		return put_array(pr, d, h, at, b);
	case OBOL_CBOR_MAP:
		return put_map(pr, d, h, at, b);
	case OBOL_CBOR_TAG:
		return put_tag(pr, d, at, b);
	case OBOL_CBOR_SIMPLE:
		err = obol_cbor_get_simple(d, &s);
		if (err == OBOL_OK)
			put_simple(pr, b, s);
		return err;
	case OBOL_CBOR_FLOAT:
		err = obol_cbor_get_double(d, &f);
		if (err == OBOL_OK)
			put_double(pr, b, f);
		return err;
	default:
		return type < 0 ? type : OBOL_ERR_CBOR_TYPE;
	}
}

/* Whether the next item could take more than one line. */
static int breakable(const struct pr *pr, const obol_cbor_dec *d, enum hint h)
{
	struct obol_cbor_head head;

	if (obol_cbor_peek_head(d, &head) != OBOL_OK)
		return 0;
	switch (head.major) {
	case OBOL_CBOR_BSTR:
		if (head.ai == 31)
			return !json(pr); /* JSON joins the chunks */
		return annotate(pr) &&
		       (h == H_PROTECTED || h == H_PAYLOAD || h == H_PLAINTEXT);
	case OBOL_CBOR_TSTR:
		return head.ai == 31 && !json(pr);
	case OBOL_CBOR_ARRAY:
	case OBOL_CBOR_MAP:
	case OBOL_CBOR_TAG:
		return 1;
	default:
		return 0;
	}
}

/*
 * Render the next item: on one line if at is NULL, if --compact, or if its
 * one-line form fits (see the top of this file); else in multi-line
 * layout. On error d may have moved partway into the item.
 */
static int put_item(struct pr *pr, obol_cbor_dec *d, enum hint h,
		    const struct at *at, struct cli_buf *b)
{
	obol_cbor_dec save = *d;
	struct cli_buf line = {0};
	int err;

	if (at == NULL || (pr->opts & CLI_DIAG_COMPACT) || !breakable(pr, d, h))
		return put_value(pr, d, h, NULL, b);
	err = put_value(pr, d, h, NULL, &line);
	if (err == OBOL_OK) {
		if (at->col + width(line.p, line.len) + at->reserve <= CLI_DIAG_WIDTH) {
			cli_buf_append(b, &line);
		} else {
			*d = save;
			err = put_value(pr, d, h, at, b);
		}
	}
	cli_buf_free(&line);
	return err;
}

int cli_diag_render(obol_cbor_dec *d, unsigned opts, struct cli_buf *out)
{
	return cli_diag_render_at(d, opts, 0, 0, 0, out);
}

int cli_diag_render_cose(obol_cbor_dec *d, unsigned opts, int cose_type,
			 struct cli_buf *out)
{
	return cli_diag_render_at(d, opts, cose_type, 0, 0, out);
}

int cli_diag_render_at(obol_cbor_dec *d, unsigned opts, int cose_type,
		       size_t indent, size_t col, struct cli_buf *out)
{
	struct pr pr = {0, 0, 0};
	struct at top;
	enum hint h = H_NONE;
	size_t i;

	if (d == NULL || out == NULL)
		return OBOL_ERR_ARG;
	pr.opts = opts;
	top.indent = indent;
	top.col = col;
	top.reserve = 0;
	if (cose_type != 0 && obol_cbor_peek(d) == OBOL_CBOR_ARRAY)
		for (i = 0; i < COUNT(cose_tags); i++)
			if (cose_tags[i].tag == (uint64_t)cose_type)
				h = cose_tags[i].content;
	return put_item(&pr, d, h, &top, out);
}

void cli_diag_text(struct cli_buf *b, const uint8_t *s, size_t n)
{
	put_text(b, s, n);
}

