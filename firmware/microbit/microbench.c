/*
 * FW_MICROBENCH=1 builds: the cost of each primitive at boot, in TIMER0
 * ticks (instructions under QEMU -icount, see board.h), on the semihosting
 * console. For finding where the RS engine's instructions go.
 */
#include <string.h>

#include "board.h"
#include "obol/crypto.h"
#include "obol/oscore.h"

void microbench(void);

static void report(const char *what, uint32_t ticks)
{
	char line[80], *p = line;

	p = fmt_str(p, "microbench: ");
	p = fmt_str(p, what);
	p = fmt_str(p, " ticks=");
	p = fmt_u32(p, ticks);
	*p++ = '\n';
	*p = 0;
	semi_puts(line);
}

#define TIME(what, stmt) do { uint32_t t0_ = tick_raw(); stmt; report(what, tick_raw() - t0_); } while (0)

void microbench(void)
{
	static uint8_t buf[128], out[160], key[16], nonce[13];
	static struct obol_oscore_ctx c;
	struct obol_iov aad = {buf, 20}, msg = {buf, 64};
	struct obol_oscore_params p;
	uint8_t h[32];

	TIME("empty", (void)0);
	TIME("ccm_encrypt pt=6 aad=20", (void)obol_port_aes_ccm_encrypt(key, nonce, 8, &aad, 1, buf, 6, out));
	TIME("ccm_encrypt pt=0 aad=0", (void)obol_port_aes_ccm_encrypt(key, nonce, 8, NULL, 0, buf, 0, out));
	TIME("ccm_encrypt pt=96 aad=13", (void)obol_port_aes_ccm_encrypt(key, nonce, 8, &aad, 1, buf, 96, out));
	TIME("sha256 64B", (void)obol_port_sha256(&msg, 1, h));
	TIME("hmac 64B", (void)obol_port_hmac_sha256(key, 16, &msg, 1, h));
	TIME("hkdf 16B", (void)obol_port_hkdf_sha256(buf, 20, key, 16, buf, 20, h, 16));
	memset(&p, 0, sizeof p);
	p.master_secret = key;
	p.master_secret_len = 16;
	p.master_salt = buf;
	p.master_salt_len = 20;
	p.sender_id = buf;
	p.sender_id_len = 1;
	p.recipient_id = buf + 1;
	p.recipient_id_len = 1;
	TIME("oscore_derive", (void)obol_oscore_derive(&c, &p));
}
