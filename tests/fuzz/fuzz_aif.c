/*
 * libFuzzer target: AIF-REST (aif.h). For any bytes:
 *
 *   - obol_aif_allows() never returns 1 when obol_aif_validate() fails
 *     (it returns OBOL_ERR_AIF), and never for a code outside 1..7;
 *   - obol_aif_perm() agrees with obol_aif_allows() for every method code;
 *   - for valid AIF, the permissions of each path equal the union of its
 *     entries, computed here independently with the CBOR cursor, only
 *     defined bits are ever granted, and writing the entries back with
 *     obol_aif_write() gives the input byte for byte (strict CBOR without
 *     maps has exactly one encoding).
 *
 * The probe paths are fixed ones plus the paths named by the first
 * MAX_PROBED entries, and a prefix and an extension of each.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "obol/aif.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define REQUIRE(c)                                                           \
	do {                                                                 \
		if (!(c))                                                    \
			abort();                                             \
	} while (0)

#define MAX_ENTRIES 64
#define MAX_PROBED 8 /* entries whose paths are probed: each probe walks all */
#define DEFINED (0x7full | (0x7full << 32))

static const unsigned codes[] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 0x45, 255};

/* The union of the permissions of the entries naming path. */
static uint64_t union_of(const struct obol_aif_entry *ent, size_t n,
			 const char *path, size_t len)
{
	uint64_t perm = 0;
	size_t i;
	for (i = 0; i < n; i++)
		if (ent[i].path_len == len && memcmp(ent[i].path, path, len) == 0)
			perm |= ent[i].perm;
	return perm;
}

static void probe(const uint8_t *data, size_t size, int valid, const char *path,
		  size_t len, const struct obol_aif_entry *ent, size_t n)
{
	uint64_t perm = 12345;
	size_t i;
	int err = obol_aif_perm(data, size, path, len, &perm);

	if (!valid) {
		REQUIRE(err == OBOL_ERR_AIF && perm == 0);
	} else {
		REQUIRE(err == OBOL_OK);
		REQUIRE((perm & ~(uint64_t)DEFINED) == 0);
		if (n <= MAX_ENTRIES)
			REQUIRE(perm == union_of(ent, n, path, len));
	}
	for (i = 0; i < sizeof codes / sizeof codes[0]; i++) {
		int a = obol_aif_allows(data, size, path, len, codes[i]);
		if (!valid) {
			REQUIRE(a == OBOL_ERR_AIF);
			continue;
		}
		REQUIRE(a == 0 || a == 1);
		REQUIRE(a == ((perm & obol_aif_method_bit(codes[i])) != 0));
		if (codes[i] < 1 || codes[i] > 7)
			REQUIRE(a == 0);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const fixed[] = {"/temp", "/", "/s/temp", "/a/led", "/dtls", ""};
	struct obol_aif_entry ent[MAX_ENTRIES];
	char ext[256];
	obol_cbor_dec d, a, x;
	size_t n = 0, count = 0, i;
	int v = obol_aif_validate(data, size), valid = v == OBOL_OK;

	REQUIRE(v <= 0);
	if (!valid)
		REQUIRE(v == OBOL_ERR_AIF || v <= -16); /* AIF or a CBOR error */

	/* the entries, read independently (only when valid) */
	if (valid) {
		REQUIRE(obol_cbor_dec_init(&d, data, size, OBOL_CBOR_STRICT) == OBOL_OK);
		REQUIRE(obol_cbor_enter_array(&d, &a, &count) == OBOL_OK);
		for (i = 0; i < count; i++) {
			const char *p;
			size_t len, two;
			uint64_t perm;

			REQUIRE(obol_cbor_enter_array(&a, &x, &two) == OBOL_OK && two == 2);
			REQUIRE(obol_cbor_get_tstr(&x, &p, &len) == OBOL_OK);
			REQUIRE(len > 0 && p[0] == '/');
			REQUIRE(obol_cbor_get_uint64(&x, &perm) == OBOL_OK);
			REQUIRE((perm & ~(uint64_t)DEFINED) == 0);
			REQUIRE(obol_cbor_leave(&a, &x) == OBOL_OK);
			if (i < MAX_ENTRIES) {
				ent[i].path = p;
				ent[i].path_len = len;
				ent[i].perm = perm;
			}
		}
		n = count;
	}

	for (i = 0; i < sizeof fixed / sizeof fixed[0]; i++)
		probe(data, size, valid, fixed[i], strlen(fixed[i]), ent, n);
	for (i = 0; i < n && i < MAX_PROBED; i++) {
		probe(data, size, valid, ent[i].path, ent[i].path_len, ent, n);
		probe(data, size, valid, ent[i].path, ent[i].path_len - 1, ent, n);
		if (ent[i].path_len < sizeof ext) {
			memcpy(ext, ent[i].path, ent[i].path_len);
			ext[ent[i].path_len] = '/';
			probe(data, size, valid, ext, ent[i].path_len + 1, ent, n);
		}
	}

	/* valid AIF re-encodes to itself */
	if (valid && n <= MAX_ENTRIES) {
		uint8_t out[4096];
		obol_cbor_enc e;
		size_t len;

		obol_cbor_enc_init(&e, out, sizeof out);
		obol_aif_write(&e, ent, n);
		if (obol_cbor_enc_finish(&e, &len) == OBOL_OK)
			REQUIRE(len == size && memcmp(out, data, size) == 0);
		else
			REQUIRE(size > sizeof out);
	}
	return 0;
}
