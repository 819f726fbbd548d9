/*
 * The AS's access policy: which part of a requested scope a grant allows
 * (RFC 9200 5.8.1-5.8.2, RFC 6749 3.3). Pure functions, no store access.
 *
 * Scopes are AIF-REST arrays (RFC 9237, encoded CBOR) or text
 * (scope-tokens separated by single spaces, RFC 6749 3.3). The issued scope
 * is the intersection of what was asked and what was granted:
 *   AIF:  for each requested (path, methods), methods & granted(path);
 *         entries left with no method are dropped; a path asked twice is
 *         merged into its first place.
 *   text: the requested scope-tokens that the grant lists, in the order
 *         asked, each once.
 * A requested scope of the other kind than the grant's shares nothing.
 */
#ifndef OBOL_AS_POLICY_H
#define OBOL_AS_POLICY_H

#include <stddef.h>
#include <stdint.h>

enum as_policy_status {
	AS_POLICY_OK = 0,
	AS_POLICY_EMPTY = -1,     /* nothing of the request is granted */
	AS_POLICY_MALFORMED = -2, /* the requested scope is not a scope */
	AS_POLICY_NO_SPACE = -3   /* the result does not fit in cap */
};

/*
 * Intersect the requested scope (req_type: enum as_scope_type; req, req_len)
 * with the granted one. The result, of the grant's type, goes to
 * out[0..cap) and *out_len. A malformed granted scope is
 * AS_POLICY_MALFORMED too (the store checks grants on the way in).
 */
int as_scope_intersect(int grant_type, const uint8_t *grant, size_t grant_len,
		       int req_type, const uint8_t *req, size_t req_len,
		       uint8_t *out, size_t cap, size_t *out_len);

/* 1 if text[0..len) is a valid RFC 6749 3.3 scope: scope-tokens of
 * %x21 / %x23-5B / %x5D-7E separated by single spaces; else 0. */
int as_scope_text_valid(const uint8_t *text, size_t len);

#endif
