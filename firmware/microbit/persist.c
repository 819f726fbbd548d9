/*
 * The persisted engine state (persist.h), one record in the state area:
 *
 *   header  magic "OBS1", version, layout (sizes of struct obol_rs and of
 *           an OSCORE context: a record of another build is foreign),
 *           body length, CRC-32 (IEEE 802.3) of the body
 *   body    the monotonic clock bound (u64), the SSN bound of each slot
 *           (u64 each), struct obol_rs up to its per-call scratch
 *           (claims, policy), keys included
 *
 * When: cfg.ssn_persist (before a slot's SSN reaches its bound, RFC 8613
 * B.1.1: the bound and the slots go out together), after /authz-info
 * made a context (main.c), at boot after a resume, and when the
 * monotonic seconds reach the clock bound.
 *
 * The clock: exi tokens count monotonic seconds (RFC 9200 5.10.3). A
 * record holds a bound B = now + FW_MONO_STEP; after a reset the clock
 * continues from B, which no datagram before the reset was handled at
 * or beyond (one is only handled once a record with a bound above its
 * time is stored). So the clock never goes back across a reset, and
 * each reset ages the tokens by up to FW_MONO_STEP; time the device is
 * switched off is not counted (it cannot be measured here).
 *
 * Writes go straight from the structs to the page, in words: no page
 * buffer in RAM.
 */
#include <stddef.h>
#include <string.h>

#include "obol/err.h"
#include "persist.h"
#include "state.h"

#define REC_MAGIC 0x3153424Fu /* "OBS1" little-endian */
#define REC_VERSION 1u
/* The engine state up to its per-call scratch, which starts at claims. */
#define RS_KEEP ((uint32_t)offsetof(struct obol_rs, claims))
#define REC_LAYOUT ((uint32_t)sizeof(struct obol_rs) << 16 | \
		    (uint32_t)sizeof(struct obol_oscore_ctx))

struct rec_head {
	uint32_t magic;
	uint32_t version;
	uint32_t layout;
	uint32_t len;
	uint32_t crc;
};

struct rec_body {
	uint64_t mono;                   /* clock bound */
	uint64_t bound[OBOL_RS_SLOTS];   /* SSN bounds */
};

typedef char rec_fits[(sizeof(struct rec_head) + sizeof(struct rec_body) +
		       RS_KEEP <= FW_STATE_SIZE && (RS_KEEP & 3u) == 0) ? 1 : -1];

static struct rec_body body;
static uint64_t mono_now;

static uint32_t crc32_add(uint32_t crc, const void *p, uint32_t n)
{
	const uint8_t *b = (const uint8_t *)p;
	uint32_t i;
	unsigned k;

	for (i = 0; i < n; i++) {
		crc ^= b[i];
		for (k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
	}
	return crc;
}

static uint32_t rec_crc(const struct obol_rs *rs)
{
	uint32_t crc = crc32_add(0xFFFFFFFFu, &body, sizeof body);

	return ~crc32_add(crc, rs, RS_KEEP);
}

int fw_persist_save(const struct obol_rs *rs)
{
	struct rec_head h;
	uint64_t old = body.mono;

	body.mono = mono_now + FW_MONO_STEP;
	h.magic = REC_MAGIC;
	h.version = REC_VERSION;
	h.layout = REC_LAYOUT;
	h.len = (uint32_t)sizeof body + RS_KEEP;
	h.crc = rec_crc(rs);
	if (fw_state_begin() == 0) {
		if (fw_state_put(&h, sizeof h) == 0 &&
		    fw_state_put(&body, sizeof body) == 0 &&
		    fw_state_put(rs, RS_KEEP) == 0) {
			if (fw_state_end() == 0)
				return 0;
		} else {
			(void)fw_state_end();
		}
	}
	/* not stored: the clock bound stays the one on the page */
	body.mono = old;
	return -1;
}

int fw_persist_load(struct obol_rs *rs, uint64_t *mono_base)
{
	struct rec_head h;

	*mono_base = 0;
	memset(&body, 0, sizeof body);
	if (fw_state_read(0, &h, sizeof h) != 0 || h.magic != REC_MAGIC ||
	    h.version != REC_VERSION || h.layout != REC_LAYOUT ||
	    h.len != (uint32_t)sizeof body + RS_KEEP ||
	    fw_state_read(sizeof h, &body, sizeof body) != 0 ||
	    fw_state_read(sizeof h + sizeof body, rs, RS_KEEP) != 0 ||
	    rec_crc(rs) != h.crc) {
		memset(&body, 0, sizeof body);
		return 0;
	}
	*mono_base = body.mono;
	mono_now = body.mono;
	return 1;
}

int fw_persist_tick(const struct obol_rs *rs, uint64_t mono)
{
	mono_now = mono;
	if (mono < body.mono)
		return 0;
	return fw_persist_save(rs);
}

int fw_persist_ssn(void *arg, unsigned slot, uint64_t bound)
{
	uint64_t old;

	if (slot >= OBOL_RS_SLOTS)
		return OBOL_ERR_ARG;
	old = body.bound[slot];
	body.bound[slot] = bound;
	if (fw_persist_save((const struct obol_rs *)arg) != 0) {
		body.bound[slot] = old;
		return OBOL_ERR_OSCORE_PERSIST;
	}
	return OBOL_OK;
}

int fw_persist_ssn_load(void *arg, unsigned slot, uint64_t *bound)
{
	(void)arg;
	if (slot >= OBOL_RS_SLOTS)
		return OBOL_ERR_ARG;
	*bound = body.bound[slot];
	return OBOL_OK;
}
