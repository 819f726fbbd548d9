/*
 * The state area's two backends (state.h): the NVMC, and the
 * semihosting stand-in for QEMU.
 */
#include <string.h>

#include "board.h"
#include "nrf51.h"
#include "state.h"

#if FW_STATE == FW_STATE_NVMC

static uint32_t pos; /* next byte offset of put */

static void nvmc_wait(void)
{
	while ((FW_REG(NRF_NVMC, NVMC_READY) & 1u) == 0)
		;
}

int fw_state_read(uint32_t off, void *p, uint32_t n)
{
	if (off > FW_STATE_SIZE || n > FW_STATE_SIZE - off)
		return -1;
	memcpy(p, (const void *)(uintptr_t)(FW_STATE_BASE + off), n);
	return 0;
}

int fw_state_begin(void)
{
	uint32_t a;

	FW_REG(NRF_NVMC, NVMC_CONFIG) = NVMC_CONFIG_EEN;
	nvmc_wait();
	for (a = FW_STATE_BASE; a < FW_STATE_BASE + FW_STATE_SIZE; a += FW_STATE_PAGE_SIZE) {
		FW_REG(NRF_NVMC, NVMC_ERASEPAGE) = a;
		nvmc_wait();
	}
	FW_REG(NRF_NVMC, NVMC_CONFIG) = NVMC_CONFIG_WEN;
	nvmc_wait();
	pos = 0;
	return 0;
}

int fw_state_put(const void *p, uint32_t n)
{
	const uint32_t *w = (const uint32_t *)p;
	uint32_t i;

	if ((n & 3u) != 0 || ((uintptr_t)p & 3u) != 0 || pos > FW_STATE_SIZE ||
	    n > FW_STATE_SIZE - pos)
		return -1;
	for (i = 0; i < n / 4u; i++) {
		*(volatile uint32_t *)(uintptr_t)(FW_STATE_BASE + pos) = w[i];
		nvmc_wait();
		pos += 4u;
	}
	return 0;
}

int fw_state_end(void)
{
	FW_REG(NRF_NVMC, NVMC_CONFIG) = NVMC_CONFIG_REN;
	nvmc_wait();
	return 0;
}

#elif FW_STATE == FW_STATE_SEMIHOST

/* ARM semihosting (DUI 0471): operations and open modes ("rb", "wb"). */
#define SYS_OPEN 0x01u
#define SYS_CLOSE 0x02u
#define SYS_WRITE 0x05u
#define SYS_READ 0x06u
#define SYS_SEEK 0x0Au
#define MODE_RB 1u
#define MODE_WB 5u

static uint32_t wh;    /* the handle open for writing */
static uint8_t wopen; /* 1: wh is open */

static int semi_open(uint32_t mode, uint32_t *h)
{
	uint32_t a[3];

	a[0] = (uint32_t)(uintptr_t)FW_STATE_FILE;
	a[1] = mode;
	a[2] = (uint32_t)(sizeof FW_STATE_FILE - 1u);
	*h = semihost(SYS_OPEN, a);
	return *h == 0xFFFFFFFFu ? -1 : 0;
}

static void semi_close(uint32_t h)
{
	uint32_t a[1];

	a[0] = h;
	(void)semihost(SYS_CLOSE, a);
}

int fw_state_read(uint32_t off, void *p, uint32_t n)
{
	uint32_t a[3], h;
	int rc = -1;

	if (off > FW_STATE_SIZE || n > FW_STATE_SIZE - off || semi_open(MODE_RB, &h) != 0)
		return -1;
	a[0] = h;
	a[1] = off;
	if (semihost(SYS_SEEK, a) == 0) {
		a[0] = h;
		a[1] = (uint32_t)(uintptr_t)p;
		a[2] = n;
		if (semihost(SYS_READ, a) == 0) /* the count not read */
			rc = 0;
	}
	semi_close(h);
	return rc;
}

int fw_state_begin(void)
{
	if (wopen)
		semi_close(wh);
	wopen = 0;
	if (semi_open(MODE_WB, &wh) != 0)
		return -1;
	wopen = 1;
	return 0;
}

int fw_state_put(const void *p, uint32_t n)
{
	uint32_t a[3];

	if (!wopen || (n & 3u) != 0)
		return -1;
	a[0] = wh;
	a[1] = (uint32_t)(uintptr_t)p;
	a[2] = n;
	return semihost(SYS_WRITE, a) == 0 ? 0 : -1;
}

int fw_state_end(void)
{
	if (!wopen)
		return -1;
	semi_close(wh);
	wopen = 0;
	return 0;
}

#else
#error "FW_STATE: FW_STATE_NVMC (1) or FW_STATE_SEMIHOST (2)"
#endif
