/*
 * AIF-REST (RFC 9237): checking an encoded AIF array and the access
 * decision, in one pass over the encoding. See include/obol/aif.h.
 *
 * The array is never copied: the strict decoder checks the whole input
 * once (well-formed, shortest form, valid UTF-8), then each entry is read
 * with the cursor getters. Nothing recurses: an AIF array nests two deep.
 */
#include <string.h>

#include "obol/aif.h"

/* The Tperm bits RFC 9237 defines: the 7 CoAP methods (Table 1), and the
 * same 7 shifted by 32 for dynamic resources (2.3). */
#define AIF_DEFINED (0x7full | (0x7full << 32))

uint64_t obol_aif_method_bit(unsigned coap_code)
{
	/* CoAP method codes 0.01 .. 0.07 (RFC 7252 12.1.1, RFC 8132) */
	if (coap_code < 1u || coap_code > 7u)
		return 0;
	return (uint64_t)1 << (coap_code - 1u);
}

/*
 * Read one entry [Toid, Tperm] from the array cursor a. *oid, *oid_len
 * receive the path, *perm the permissions. OBOL_ERR_AIF for anything that
 * is not a valid entry.
 */
static int read_entry(obol_cbor_dec *a, const char **oid, size_t *oid_len,
		      uint64_t *perm)
{
	obol_cbor_dec e;
	size_t n;

	if (obol_cbor_enter_array(a, &e, &n) != OBOL_OK || n != 2)
		return OBOL_ERR_AIF;
	/* Toid: the local part of a URI, "/" seg ("/" seg)* (RFC 9237 3) */
	if (obol_cbor_get_tstr(&e, oid, oid_len) != OBOL_OK || *oid_len == 0 ||
	    (*oid)[0] != '/')
		return OBOL_ERR_AIF;
	/* Tperm: unsigned, only defined bits (a negative value is major 1
	 * and fails here) */
	if (obol_cbor_get_uint64(&e, perm) != OBOL_OK ||
	    (*perm & ~(uint64_t)AIF_DEFINED) != 0)
		return OBOL_ERR_AIF;
	if (obol_cbor_leave(a, &e) != OBOL_OK)
		return OBOL_ERR_AIF;
	return OBOL_OK;
}

/*
 * Walk the whole array; with path != NULL, OR the permissions of every
 * entry naming it into *perm. Returns OBOL_OK, OBOL_ERR_AIF, or the
 * strict decoder's error for bad CBOR.
 */
static int walk(const uint8_t *aif, size_t len, const char *path,
		size_t path_len, uint64_t *perm)
{
	obol_cbor_dec d, a;
	size_t n, i;
	int err = obol_cbor_dec_init(&d, aif, len, OBOL_CBOR_STRICT);

	if (err != OBOL_OK)
		return err;
	if (obol_cbor_enter_array(&d, &a, &n) != OBOL_OK)
		return OBOL_ERR_AIF;
	for (i = 0; i < n; i++) {
		const char *oid;
		size_t oid_len;
		uint64_t p;

		err = read_entry(&a, &oid, &oid_len, &p);
		if (err != OBOL_OK)
			return err;
		/* byte for byte, no wildcards, no prefix match (aif.h) */
		if (path != NULL && oid_len == path_len &&
		    memcmp(oid, path, path_len) == 0)
			*perm |= p;
	}
	return OBOL_OK;
}

int obol_aif_validate(const uint8_t *aif, size_t len)
{
	return walk(aif, len, NULL, 0, NULL);
}

int obol_aif_perm(const uint8_t *aif, size_t len, const char *path,
		  size_t path_len, uint64_t *perm)
{
	uint64_t p = 0;
	int err;

	if (perm == NULL || (path == NULL && path_len != 0))
		return OBOL_ERR_ARG;
	*perm = 0;
	/* an empty path names nothing; still check the whole array */
	err = walk(aif, len, path_len ? path : NULL, path_len, &p);
	if (err != OBOL_OK)
		return OBOL_ERR_AIF; /* bad CBOR is not valid AIF either */
	*perm = p;
	return OBOL_OK;
}

int obol_aif_allows(const uint8_t *aif, size_t len, const char *path,
		    size_t path_len, unsigned coap_code)
{
	uint64_t perm, bit = obol_aif_method_bit(coap_code);
	int err = obol_aif_perm(aif, len, path, path_len, &perm);

	if (err != OBOL_OK)
		return err;
	/* Deny by default: an unknown code has bit 0. Only the static bits
	 * count: a dynamic bit (RFC 9237 2.3) is about resources created
	 * under the path, never about the path itself. */
	return bit != 0 && (perm & bit) != 0;
}

void obol_aif_write(obol_cbor_enc *e, const struct obol_aif_entry *entries,
		    size_t n)
{
	size_t i;

	if (n != 0 && entries == NULL) {
		obol_cbor_enc_fail(e, OBOL_ERR_ARG);
		return;
	}
	obol_cbor_put_array(e, n);
	for (i = 0; i < n; i++) {
		const struct obol_aif_entry *x = &entries[i];

		/* never write what obol_aif_validate() refuses */
		if (x->path == NULL || x->path_len == 0 || x->path[0] != '/' ||
		    (x->perm & ~(uint64_t)AIF_DEFINED) != 0) {
			obol_cbor_enc_fail(e, OBOL_ERR_ARG);
			return;
		}
		obol_cbor_put_array(e, 2);
		obol_cbor_put_tstr(e, x->path, x->path_len);
		obol_cbor_put_uint(e, x->perm);
	}
}
