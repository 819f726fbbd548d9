/*
 * NVMC probe (not part of the image): does QEMU's nRF51 NVMC erase a page
 * and write words, and does what it wrote survive a reset and a restart?
 * Prints the first words of page 254 (in the state area) at boot, then erases the page and writes
 * a boot counter (old + 1) and a pattern, and prints them again.
 *   make -C firmware/microbit nvmc-probe BUILD=DIR, then run it in QEMU
 *   (see DESIGN.md, "The nRF51822 firmware").
 */
#include <stdint.h>

#include "board.h"
#include "nrf51.h"

#define PAGE 0x3F800u

static void nvmc_wait(void)
{
	while ((FW_REG(NRF_NVMC, NVMC_READY) & 1u) == 0)
		;
}

static void show(const char *what)
{
	char line[96], *p = line;
	const volatile uint32_t *w = (const volatile uint32_t *)PAGE;

	p = fmt_str(p, what);
	p = fmt_str(p, " w0=");
	p = fmt_x32(p, w[0]);
	p = fmt_str(p, " w1=");
	p = fmt_x32(p, w[1]);
	p = fmt_str(p, " w255=");
	p = fmt_x32(p, w[255]);
	*p++ = '\n';
	*p = 0;
	semi_puts(line);
}

int main(void)
{
	volatile uint32_t *w = (volatile uint32_t *)PAGE;
	uint32_t boots = w[0];

	show("probe: boot");
	if (boots == 0xFFFFFFFFu)
		boots = 0;
	FW_REG(NRF_NVMC, NVMC_CONFIG) = NVMC_CONFIG_EEN;
	nvmc_wait();
	FW_REG(NRF_NVMC, NVMC_ERASEPAGE) = PAGE;
	nvmc_wait();
	show("probe: erased");
	FW_REG(NRF_NVMC, NVMC_CONFIG) = NVMC_CONFIG_WEN;
	nvmc_wait();
	w[0] = boots + 1u;
	nvmc_wait();
	w[1] = 0x12345678u;
	nvmc_wait();
	w[255] = 0xA5A5A5A5u;
	nvmc_wait();
	FW_REG(NRF_NVMC, NVMC_CONFIG) = NVMC_CONFIG_REN;
	nvmc_wait();
	show("probe: written");
	w[1] = 0; /* a write with CONFIG = read only must be ignored */
	show("probe: write with REN");
	for (;;)
		__asm__ volatile("wfi");
}
