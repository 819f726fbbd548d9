/*
 * libFuzzer target: the AS's /token and /introspect request parsing and
 * processing (src/as/endpoints.c) on a real store. The first input byte
 * picks the transport (DTLS identity of a client, of an RS, or coap://)
 * and the Content-Format; the rest is the payload. Invariants:
 *
 *   - the response code is one the endpoints document (2.01, 4.00, 4.01,
 *     4.03, 4.13, 4.15; never 5.00 with a healthy store);
 *   - a 4.00/4.01 carries an ace+cbor map {30: error, 31: text};
 *   - a 2.01 from /token means exactly one more token record, anything
 *     else means none.
 *
 * The store is created once per process in a temporary directory.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "endpoints.h"
#include "obol/aif.h"
#include "obol/cbor.h"
#include "obol/coap.h"
#include "obol/err.h"
#include "store.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define REQUIRE(c)                                                           \
	do {                                                                 \
		if (!(c)) {                                                  \
			fprintf(stderr, "fuzz_as_token: %s:%d: %s\n",       \
				__FILE__, __LINE__, #c);                     \
			abort();                                             \
		}                                                            \
	} while (0)

static struct as_store *st;
static char dir[] = "/tmp/obol-fuzz-as-XXXXXX";

static void teardown(void)
{
	static const char *const files[] = {"as.db", "as.db-wal", "as.db-shm"};
	char path[64];
	size_t i;

	as_store_close(st);
	for (i = 0; i < 3; i++) {
		snprintf(path, sizeof path, "%s/%s", dir, files[i]);
		unlink(path);
	}
	rmdir(dir);
}

static void setup(void)
{
	char path[64], err[256];
	struct as_client c;
	struct as_rs rs;
	struct as_grant g;
	struct obol_aif_entry e = {"/temp", 5, OBOL_AIF_GET};
	obol_cbor_enc enc;

	REQUIRE(mkdtemp(dir) != NULL);
	snprintf(path, sizeof path, "%s/as.db", dir);
	REQUIRE(as_store_open(path, 1, AS_SYNC_NORMAL, &st, err, sizeof err) ==
		AS_OK);
	memset(&c, 0, sizeof c);
	strcpy(c.id, "c1");
	memcpy(c.secret, "secret", 6);
	c.secret_len = 6;
	REQUIRE(as_client_add(st, &c) == AS_OK);
	memset(&rs, 0, sizeof rs);
	strcpy(rs.audience, "rs1");
	rs.key_len = 16;
	rs.secret_len = 6;
	rs.profiles = AS_PROFILE_BIT(2);
	rs.has_clock = 1;
	rs.lifetime = 60;
	REQUIRE(as_rs_add(st, &rs) == AS_OK);
	memset(&g, 0, sizeof g);
	strcpy(g.client, "c1");
	strcpy(g.audience, "rs1");
	g.scope_type = AS_SCOPE_AIF;
	obol_cbor_enc_init(&enc, g.scope, sizeof g.scope);
	obol_aif_write(&enc, &e, 1);
	REQUIRE(obol_cbor_enc_finish(&enc, &g.scope_len) == OBOL_OK);
	REQUIRE(as_grant_add(st, &g) == AS_OK);
	atexit(teardown);
}

static void check_error_payload(const struct as_response *r)
{
	obol_cbor_dec d, m;
	size_t n;
	uint64_t k;

	REQUIRE(r->content_format == AS_CF_ACE_CBOR);
	REQUIRE(obol_cbor_dec_init(&d, r->payload, r->payload_len,
				   OBOL_CBOR_STRICT) == OBOL_OK);
	REQUIRE(obol_cbor_enter_map(&d, &m, &n) == OBOL_OK && n == 2);
	REQUIRE(obol_cbor_get_uint64(&m, &k) == OBOL_OK && k == 30);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const who[] = {"c1", "rs1", "nobody"};
	static uint8_t out[AS_RESPONSE_MAX];
	struct as_endpoint_cfg cfg;
	struct as_peer peer;
	struct as_response r;
	struct as_event ev;
	long long before = 0, after = 0;
	int cf;

	if (st == NULL)
		setup();
	if (size < 1)
		return 0;
	peer.dtls = (data[0] & 3) != 3;
	peer.identity = peer.dtls ? who[data[0] & 3] : NULL;
	cf = (data[0] & 4) ? 0 : AS_CF_ACE_CBOR;
	cfg.st = st;
	cfg.now = 1900000000;
	cfg.cti_counter = NULL;
	cfg.pool = NULL;
	REQUIRE(as_store_count(st, "tokens", &before) == AS_OK);
	if (data[0] & 8)
		as_introspect_endpoint(&cfg, &peer, cf, data + 1, size - 1, out,
				       sizeof out, &r, &ev);
	else
		as_token_endpoint(&cfg, &peer, cf, data + 1, size - 1, out,
				  sizeof out, &r, &ev);
	REQUIRE(as_store_count(st, "tokens", &after) == AS_OK);
	switch (r.code) {
	case OBOL_COAP_CREATED:
		REQUIRE(r.content_format == AS_CF_ACE_CBOR);
		REQUIRE(obol_cbor_validate(r.payload, r.payload_len,
					   OBOL_CBOR_STRICT, NULL) == OBOL_OK);
		REQUIRE(after == before + !(data[0] & 8));
		break;
	case OBOL_COAP_BAD_REQUEST:
		check_error_payload(&r);
		REQUIRE(after == before);
		break;
	case OBOL_COAP_UNAUTHORIZED:
		if (r.payload_len > 0)
			check_error_payload(&r);
		REQUIRE(after == before);
		break;
	case OBOL_COAP_FORBIDDEN:
	case OBOL_COAP_CODE(4, 13):
	case OBOL_COAP_CODE(4, 15):
		REQUIRE(r.payload_len == 0);
		REQUIRE(after == before);
		break;
	default:
		REQUIRE(0);
	}
	return 0;
}
