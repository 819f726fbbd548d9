/*
 * Cortex-M0 startup for the nRF51822: the vector table, the reset handler
 * (copy .data, zero .bss, paint the stack, call main) and the fault
 * handlers, which report over semihosting and make QEMU exit with a
 * non-zero status (3: HardFault, 4: any other unexpected exception), so a
 * test notices a fault instead of waiting on a silent device.
 *
 * Compiled with -fno-tree-loop-distribute-patterns: gcc would otherwise
 * turn the copy and zero loops into calls to memcpy/memset, which may
 * themselves need .data before it exists.
 */
#include <stdint.h>

#include "board.h"

#define STACK_PAINT 0xC5A5C5A5u
/* Words below the reset handler's own frame left unpainted. */
#define PAINT_MARGIN 16u

int main(void);
void Reset_Handler(void);
void HardFault_Handler(void);
void Default_Handler(void);
void fault_report(const uint32_t *frame, unsigned code);

extern uint32_t _sidata;

/* ARMv6-M: 16 system entries, then the nRF51's 32 peripheral IRQs. */
__attribute__((section(".vectors"), used))
static void (*const vectors[48])(void) = {
	(void (*)(void))(uintptr_t)&_estack,
	Reset_Handler,
	Default_Handler,   /* NMI */
	HardFault_Handler,
	0, 0, 0, 0, 0, 0, 0,
	Default_Handler,   /* SVCall */
	0, 0,
	Default_Handler,   /* PendSV */
	Default_Handler,   /* SysTick */
	/* IRQ 0..31: the firmware polls with PRIMASK set and uses IRQs only
	 * to wake from WFI, so no handler should ever run. */
	Default_Handler, Default_Handler, Default_Handler, Default_Handler,
	Default_Handler, Default_Handler, Default_Handler, Default_Handler,
	Default_Handler, Default_Handler, Default_Handler, Default_Handler,
	Default_Handler, Default_Handler, Default_Handler, Default_Handler,
	Default_Handler, Default_Handler, Default_Handler, Default_Handler,
	Default_Handler, Default_Handler, Default_Handler, Default_Handler,
	Default_Handler, Default_Handler, Default_Handler, Default_Handler,
	Default_Handler, Default_Handler, Default_Handler, Default_Handler,
};

void Reset_Handler(void)
{
	uint32_t *src = &_sidata, *dst;
	uintptr_t sp;

	/* Interrupts stay masked for good: peripherals only wake WFI. */
	__asm__ volatile("cpsid i" ::: "memory");
	for (dst = &_sdata; dst < &_edata;)
		*dst++ = *src++;
	for (dst = &_sbss; dst < &_ebss;)
		*dst++ = 0;
	/* Paint the free RAM between .bss and the stack in use. */
	__asm__ volatile("mov %0, sp" : "=r"(sp));
	for (dst = &_ebss; (uintptr_t)dst < sp - 4u * PAINT_MARGIN;)
		*dst++ = STACK_PAINT;
	semi_exit((unsigned)main());
}

uintptr_t stack_low_water(void)
{
	const uint32_t *p = &_ebss;

	while (p < &_estack && *p == STACK_PAINT)
		p++;
	return (uintptr_t)p;
}

/* On entry the CPU pushed r0-r3, r12, lr, pc, xPSR on the active stack
 * (MSP: the firmware never switches to PSP). */
__attribute__((naked)) void HardFault_Handler(void)
{
	__asm__ volatile("mrs r0, msp\n"
			 "movs r1, #3\n"
			 "b fault_report\n");
}

__attribute__((naked)) void Default_Handler(void)
{
	__asm__ volatile("mrs r0, msp\n"
			 "movs r1, #4\n"
			 "b fault_report\n");
}

void fault_report(const uint32_t *frame, unsigned code)
{
	static const char *const names[] = {"pc=", " lr=", " xpsr=", " sp="};
	static const uint8_t index[] = {6, 5, 7};
	char line[96], *p = line;
	uint32_t ipsr;
	unsigned i;

	__asm__ volatile("mrs %0, ipsr" : "=r"(ipsr));
	p = fmt_str(p, code == 3 ? "obol-rs: HardFault " : "obol-rs: exception ");
	p = fmt_u32(p, ipsr & 0x3Fu);
	*p++ = ' ';
	for (i = 0; i < 3; i++) {
		p = fmt_str(p, names[i]);
		p = fmt_x32(p, frame[index[i]]);
	}
	p = fmt_str(p, names[3]);
	p = fmt_x32(p, (uint32_t)(uintptr_t)frame);
	*p++ = '\n';
	*p = 0;
	semi_puts(line);
	semi_exit(code);
}
