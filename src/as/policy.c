/* The AS's scope policy (policy.h). */
#include <string.h>

#include "obol/aif.h"
#include "obol/cbor.h"
#include "obol/err.h"
#include "policy.h"
#include "store.h"

/* Most entries an AIF scope may have (AS_SCOPE_MAX bytes hold fewer). */
#define AIF_ENTRIES_MAX 128

int as_scope_text_valid(const uint8_t *t, size_t n)
{
	size_t i;

	if (n == 0 || t[0] == ' ' || t[n - 1] == ' ')
		return 0;
	for (i = 0; i < n; i++) {
		uint8_t c = t[i];

		if (c == ' ') {
			if (t[i - 1] == ' ')
				return 0;
		} else if (c < 0x21 || c == 0x22 || c == 0x5c || c > 0x7e) {
			return 0;
		}
	}
	return 1;
}

/* The next scope-token of t[*pos..n): *tok, *tlen; 0 at the end. */
static int next_token(const uint8_t *t, size_t n, size_t *pos,
		      const uint8_t **tok, size_t *tlen)
{
	size_t i = *pos, s;

	if (i >= n)
		return 0;
	s = i;
	while (i < n && t[i] != ' ')
		i++;
	*tok = t + s;
	*tlen = i - s;
	*pos = i + 1;
	return 1;
}

static int has_token(const uint8_t *t, size_t n, const uint8_t *tok,
		     size_t tlen)
{
	size_t pos = 0;
	const uint8_t *x;
	size_t xl;

	while (next_token(t, n, &pos, &x, &xl))
		if (xl == tlen && memcmp(x, tok, tlen) == 0)
			return 1;
	return 0;
}

static int intersect_text(const uint8_t *g, size_t gl, const uint8_t *r,
			  size_t rl, uint8_t *out, size_t cap, size_t *out_len)
{
	size_t pos = 0, o = 0;
	const uint8_t *tok;
	size_t tl;

	if (!as_scope_text_valid(r, rl))
		return AS_POLICY_MALFORMED;
	if (!as_scope_text_valid(g, gl))
		return AS_POLICY_MALFORMED;
	while (next_token(r, rl, &pos, &tok, &tl)) {
		if (!has_token(g, gl, tok, tl) || has_token(out, o, tok, tl))
			continue;
		if (o + (o > 0) + tl > cap)
			return AS_POLICY_NO_SPACE;
		if (o > 0)
			out[o++] = ' ';
		memcpy(out + o, tok, tl);
		o += tl;
	}
	*out_len = o;
	return o > 0 ? AS_POLICY_OK : AS_POLICY_EMPTY;
}

static int intersect_aif(const uint8_t *g, size_t gl, const uint8_t *r,
			 size_t rl, uint8_t *out, size_t cap, size_t *out_len)
{
	struct obol_aif_entry e[AIF_ENTRIES_MAX];
	size_t n = 0, i, count;
	obol_cbor_dec d, a;
	obol_cbor_enc enc;
	int err;

	if (obol_aif_validate(r, rl) != OBOL_OK)
		return AS_POLICY_MALFORMED;
	if (obol_aif_validate(g, gl) != OBOL_OK)
		return AS_POLICY_MALFORMED;
	err = obol_cbor_dec_init(&d, r, rl, OBOL_CBOR_STRICT);
	if (err == OBOL_OK)
		err = obol_cbor_enter_array(&d, &a, &count);
	if (err != OBOL_OK)
		return AS_POLICY_MALFORMED;
	for (i = 0; i < count; i++) {
		obol_cbor_dec pair;
		const char *path;
		size_t plen, k, two;
		uint64_t perm, gperm;

		if (obol_cbor_enter_array(&a, &pair, &two) != OBOL_OK ||
		    two != 2 ||
		    obol_cbor_get_tstr(&pair, &path, &plen) != OBOL_OK ||
		    obol_cbor_get_uint64(&pair, &perm) != OBOL_OK ||
		    obol_cbor_leave(&a, &pair) != OBOL_OK)
			return AS_POLICY_MALFORMED;
		if (obol_aif_perm(g, gl, path, plen, &gperm) != OBOL_OK)
			return AS_POLICY_MALFORMED;
		perm &= gperm;
		if (perm == 0)
			continue;
		for (k = 0; k < n; k++)
			if (e[k].path_len == plen &&
			    memcmp(e[k].path, path, plen) == 0)
				break;
		if (k < n) {
			e[k].perm |= perm;
			continue;
		}
		if (n == AIF_ENTRIES_MAX)
			return AS_POLICY_NO_SPACE;
		e[n].path = path;
		e[n].path_len = plen;
		e[n].perm = perm;
		n++;
	}
	if (n == 0)
		return AS_POLICY_EMPTY;
	obol_cbor_enc_init(&enc, out, cap);
	obol_aif_write(&enc, e, n);
	if (obol_cbor_enc_finish(&enc, out_len) != OBOL_OK)
		return AS_POLICY_NO_SPACE;
	return AS_POLICY_OK;
}

int as_scope_intersect(int grant_type, const uint8_t *grant, size_t grant_len,
		       int req_type, const uint8_t *req, size_t req_len,
		       uint8_t *out, size_t cap, size_t *out_len)
{
	*out_len = 0;
	if (req_type != AS_SCOPE_AIF && req_type != AS_SCOPE_TEXT)
		return AS_POLICY_MALFORMED;
	if (grant_type != req_type) {
		/* Still refuse what is not a scope at all, as such. */
		if (req_type == AS_SCOPE_TEXT && !as_scope_text_valid(req, req_len))
			return AS_POLICY_MALFORMED;
		if (req_type == AS_SCOPE_AIF &&
		    obol_aif_validate(req, req_len) != OBOL_OK)
			return AS_POLICY_MALFORMED;
		return AS_POLICY_EMPTY;
	}
	if (grant_type == AS_SCOPE_TEXT)
		return intersect_text(grant, grant_len, req, req_len, out, cap,
				      out_len);
	return intersect_aif(grant, grant_len, req, req_len, out, cap, out_len);
}
