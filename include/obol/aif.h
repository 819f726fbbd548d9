/*
 * AIF-REST (RFC 9237): the scope of an access token as a list of
 * (resource path, permitted methods) pairs, and the access decision
 * "may method M be applied to path P".
 *
 * Concepts
 * --------
 * An AIF-REST value is the CBOR array [* [Toid: tstr, Tperm: uint]]
 * (RFC 9237 3). Toid is the local part of a URI ("/temp", "/a/b"); Tperm
 * is a bit set of REST methods: bit (code - 1) for the CoAP method codes
 * 1..7 (GET, POST, PUT, DELETE, FETCH, PATCH, iPATCH), and the same bits
 * shifted by 32 for the dynamic-resource variants (RFC 9237 2.3). obol
 * works on the encoding in place: nothing is copied or allocated.
 *
 * Paths are compared byte for byte with the request path built from its
 * Uri-Path options as "/" seg ("/" seg)*, e.g. "/s/temp"; there are no
 * wildcards (RFC 9237 has none). A path listed more than once gets the
 * union of its permissions.
 */
#ifndef OBOL_AIF_H
#define OBOL_AIF_H

#include <stddef.h>
#include <stdint.h>

#include "obol/cbor.h"

/* Tperm bits (RFC 9237 3, Table 1). */
#define OBOL_AIF_GET 0x01u
#define OBOL_AIF_POST 0x02u
#define OBOL_AIF_PUT 0x04u
#define OBOL_AIF_DELETE 0x08u
#define OBOL_AIF_FETCH 0x10u
#define OBOL_AIF_PATCH 0x20u
#define OBOL_AIF_IPATCH 0x40u
#define OBOL_AIF_DYNAMIC(bits) ((uint64_t)(bits) << 32)

/* The Tperm bit of a CoAP method code (1..7), or 0 for any other code. */
uint64_t obol_aif_method_bit(unsigned coap_code);

/*
 * Check that aif[0..len) is one strict CBOR AIF-REST array: every entry
 * a 2-element array of a non-empty text string starting with '/' and an
 * unsigned integer whose set bits are all defined (0..6, 32..38).
 * OBOL_OK or OBOL_ERR_AIF (CBOR errors for bad CBOR).
 */
int obol_aif_validate(const uint8_t *aif, size_t len);

/*
 * The permissions granted on path (union over the entries naming it),
 * in *perm; 0 if none. OBOL_ERR_AIF if aif is not valid AIF-REST.
 */
int obol_aif_perm(const uint8_t *aif, size_t len, const char *path,
		  size_t path_len, uint64_t *perm);

/*
 * The access decision: 1 if the CoAP method code is allowed on path,
 * 0 if not, OBOL_ERR_AIF (< 0) if aif is invalid. Deny by default: an
 * unknown method code is never allowed.
 */
int obol_aif_allows(const uint8_t *aif, size_t len, const char *path,
		    size_t path_len, unsigned coap_code);

/* One entry, for writing AIF. */
struct obol_aif_entry {
	const char *path;
	size_t path_len;
	uint64_t perm;
};

/* Write the AIF-REST array of n entries (in the order given). */
void obol_aif_write(obol_cbor_enc *e, const struct obol_aif_entry *entries,
		    size_t n);

#endif /* OBOL_AIF_H */
