/*
 * obol-rs for the nRF51822 (BBC micro:bit): the core's ACE resource
 * server engine (include/obol/rs.h) with the demo resources of
 * `obol rs serve` (src/rs/demo.c), one CoAP datagram per SLIP frame
 * (RFC 1055, include/obol/slip.h) on UART0. The host side is
 * `obol bridge`, which turns the frames into UDP datagrams.
 *
 * The device has no wall clock: tokens must carry exi (RFC 9200 5.10.3),
 * counted on TIMER0. With FW_PERSIST (default) the engine state, the
 * slots' Sender Sequence Number bounds and a bound of the monotonic clock
 * are kept in the state area (persist.c, state.h): a valid record at
 * boot is resumed (obol_rs_resume: each old context continues above its
 * persisted bound and first proves freshness with Echo, RFC 8613 B.1),
 * else obol_rs_init starts empty and clients post their tokens again
 * (rs.h, "Reboots"). FW_PERSIST=0 keeps everything in RAM only.
 *
 * With FW_STATS (default), each datagram is followed by one line on the
 * semihosting console with its cost: the TIMER0 ticks spent in
 * obol_rs_handle (instructions under QEMU -icount, see board.h) and the
 * peak stack since boot (stack painting). tests/firmware/fw_e2e.py reads
 * them (make bench, make size).
 */
#include <string.h>

#include "board.h"
#include "demo.h"
#include "obol/coap.h"
#include "obol/cose.h"
#include "obol/crypto.h"
#include "obol/cwt.h"
#include "obol/err.h"
#include "obol/rs.h"
#include "obol/slip.h"
#include "persist.h"
#include "provision.h"

/* The largest CoAP datagram the device takes and sends. An /authz-info
 * POST with a 100-byte token is about 130 bytes; a protected GET, 20. */
#ifndef FW_DGRAM_MAX
#define FW_DGRAM_MAX 256
#endif
#ifndef FW_MICROBENCH
#define FW_MICROBENCH 0
#endif
#if FW_MICROBENCH
void microbench(void);
#endif
/* FW_FAULT_TEST (tests only, never in `make firmware`): a frame holding
 * exactly "FAULT" stores past the end of RAM, so the test of the fault
 * handler (tests/firmware/fault.py) can see it report and exit QEMU. */
#ifndef FW_FAULT_TEST
#define FW_FAULT_TEST 0
#endif
#ifndef FW_STATS
#define FW_STATS 1
#endif

static struct obol_rs rs;
static struct obol_rs_config cfg;
static struct obol_rs_resource table[RS_DEMO_NRESOURCES];
static struct obol_cose_key key;
static struct rs_demo demo;
static struct obol_slip_dec dec;
static uint8_t req[FW_DGRAM_MAX], resp[FW_DGRAM_MAX];
static uint64_t mono_base; /* monotonic seconds at boot (persist.h) */

static void send_frame(const uint8_t *p, size_t n)
{
	uint8_t e[2];
	size_t i, j, k;

	uart_putc(OBOL_SLIP_END);
	for (i = 0; i < n; i++) {
		k = obol_slip_escape(p[i], e);
		for (j = 0; j < k; j++)
			uart_putc(e[j]);
	}
	uart_putc(OBOL_SLIP_END);
}

#if FW_STATS
static char *fmt_int(char *p, int v)
{
	if (v < 0) {
		*p++ = '-';
		return fmt_u32(p, (uint32_t)-(v + 1) + 1u);
	}
	return fmt_u32(p, (uint32_t)v);
}

static void stats(uint32_t n, size_t in, size_t out, int rc, uint32_t ticks)
{
	char line[120], *p = line;

	p = fmt_str(p, "obol-rs: n=");
	p = fmt_u32(p, n);
	p = fmt_str(p, " in=");
	p = fmt_u32(p, (uint32_t)in);
	p = fmt_str(p, " out=");
	p = fmt_u32(p, (uint32_t)out);
	p = fmt_str(p, " rc=");
	p = fmt_int(p, rc);
	p = fmt_str(p, " ticks=");
	p = fmt_u32(p, ticks);
	p = fmt_str(p, " stack=");
	p = fmt_u32(p, (uint32_t)((uintptr_t)&_estack - stack_low_water()));
	p = fmt_str(p, " slots=");
	p = fmt_u32(p, obol_rs_slots_used(&rs));
	*p++ = '\n';
	*p = 0;
	semi_puts(line);
}

static void ready(int resumed)
{
	char line[120], *p = line;

	p = fmt_str(p, "obol-rs: ready aud=");
	p = fmt_str(p, fw_provision.audience);
	p = fmt_str(p, " slots=");
	p = fmt_u32(p, OBOL_RS_SLOTS);
	p = fmt_str(p, " dgram=");
	p = fmt_u32(p, FW_DGRAM_MAX);
	p = fmt_str(p, " static_ram=");
	p = fmt_u32(p, (uint32_t)((uintptr_t)&_ebss - (uintptr_t)&_sdata));
	p = fmt_str(p, " stack=");
	p = fmt_u32(p, (uint32_t)((uintptr_t)&_estack - stack_low_water()));
	p = fmt_str(p, resumed ? " state=resumed" : " state=new");
	p = fmt_str(p, " slots_used=");
	p = fmt_u32(p, obol_rs_slots_used(&rs));
	*p++ = '\n';
	*p = 0;
	semi_puts(line);
}
#else
#define stats(n, in, out, rc, ticks) ((void)0)
#define ready(resumed) ((void)(resumed))
#endif

int main(void)
{
	uint32_t count = 0;
	int rc, resumed = 0;

	uart_init();
	tick_init();
	if (fw_provision.magic != FW_PROVISION_MAGIC ||
	    fw_provision.audience[0] == 0) {
		semi_puts("obol-rs: not provisioned (make firmware RS_KEY=.. RS_AUD=..)\n");
		return 2;
	}
	demo.temp_decic = 215;
	key.kty = OBOL_COSE_KTY_SYMMETRIC;
	key.alg = OBOL_ALG_AES_CCM_16_64_128;
	key.k = fw_provision.key;
	key.k_len = sizeof fw_provision.key;
	cfg.audience = fw_provision.audience;
	cfg.keys = &key;
	cfg.nkeys = 1;
	cfg.leeway = 60;
	cfg.as_uri = fw_provision.as_uri[0] != 0 ? fw_provision.as_uri : NULL;
	/* The AS makes an exi token's cti from the audience and a sequence
	 * number (RFC 9200 5.10.3), as for `obol rs serve`. */
	cfg.exi_cti_prefix = (const uint8_t *)fw_provision.audience;
	cfg.exi_cti_prefix_len = strlen(fw_provision.audience);
	cfg.resources = table;
	cfg.nresources = rs_demo_resources(&demo, table);
#if FW_PERSIST
	cfg.ssn_persist = fw_persist_ssn;
	cfg.ssn_load = fw_persist_ssn_load;
	cfg.ssn_arg = &rs;
	/* the clock continues from the record's bound (persist.c) */
	cfg.mono_persisted = 1;
	if (fw_persist_load(&rs, &mono_base) &&
	    obol_rs_resume(&rs, &cfg) == OBOL_OK)
		resumed = 1;
	else
		mono_base = 0;
#endif
	if (!resumed) {
		rc = obol_rs_init(&rs, &cfg);
		if (rc != OBOL_OK) {
			semi_puts("obol-rs: obol_rs_init failed\n");
			return 1;
		}
	}
#if FW_PERSIST
	/* a new record at once: a resumed clock moves on by a step */
	if (fw_persist_save(&rs) != 0)
		semi_puts("obol-rs: the state area cannot be written\n");
#endif
	obol_slip_dec_init(&dec);
#if FW_MICROBENCH
	microbench();
#endif
	ready(resumed);
	for (;;) {
		struct obol_rs_time now;
		size_t len, out_len = 0;
		uint32_t t0, t1;

		rc = obol_slip_dec_byte(&dec, req, sizeof req, uart_getc(), &len);
		if (rc == 0)
			continue;
		count++;
		if (rc < 0) {
			stats(count, 0, 0, rc, 0);
			continue;
		}
#if FW_FAULT_TEST
		if (len == 5 && memcmp(req, "FAULT", 5) == 0)
			*(volatile uint32_t *)0x20004000u = 1; /* RAM ends at 0x20004000 */
#endif
		now.unix_now = OBOL_CWT_NO_CLOCK;
		now.mono = mono_base + tick_now() / TICKS_PER_SECOND;
#if FW_PERSIST
		/* no datagram handled at a time the record does not cover */
		if (fw_persist_tick(&rs, now.mono) != 0) {
			stats(count, len, 0, OBOL_ERR_OSCORE_PERSIST, 0);
			continue;
		}
#endif
		t0 = tick_raw();
		rc = obol_rs_handle(&rs, &now, req, len, sizeof req, resp,
				    sizeof resp, &out_len);
		t1 = tick_raw();
		if (rc == OBOL_OK) {
#if FW_PERSIST
			/* an unprotected 2.01 made a context: keep it (if this
			 * fails, a reset loses it: the client posts again) */
			if (out_len >= 2 && resp[1] == OBOL_COAP_CREATED &&
			    fw_persist_save(&rs) != 0)
				semi_puts("obol-rs: the state area cannot be written\n");
#endif
			send_frame(resp, out_len);
		} else
			out_len = 0;
		stats(count, len, out_len, rc, t1 - t0);
	}
}
