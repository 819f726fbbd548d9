/*
 * Board glue of the nRF51822 firmware: what main.c needs from the chip.
 * This directory may keep static state (the core may not).
 */
#ifndef FW_BOARD_H
#define FW_BOARD_H

#include <stddef.h>
#include <stdint.h>

/* UART0 at 115200 8N1 on the micro:bit's USB serial pins (24 TX, 25 RX). */
void uart_init(void);
void uart_putc(uint8_t c);
/* Wait (WFI, the CPU sleeps) for the next received byte. Keeps the tick
 * counter extended while it waits. */
uint8_t uart_getc(void);

/* TIMER0 free-running at 16 MHz, extended to 64 bits in software. */
void tick_init(void);
uint64_t tick_now(void);
/* The 32-bit counter as is (for cost measurements: with QEMU's -icount
 * shift=N, instructions = ticks * 1000 / (16 << N)). */
uint32_t tick_raw(void);
#define TICKS_PER_SECOND 16000000u

/* Semihosting (ARM DUI 0471): text to the host's debug console, and
 * SYS_EXIT_EXTENDED, which QEMU turns into its exit status. Only with a
 * debugger or QEMU -semihosting attached; a bare chip would fault. */
void semi_puts(const char *s);
/* One semihosting call: r0 = op, r1 = arg; gives r0 back. */
uint32_t semihost(uint32_t op, const void *arg);
void semi_exit(unsigned code) __attribute__((noreturn));

/* The lowest RAM address the stack has written since boot (stack
 * painting, startup.c), and the top of the stack. */
uintptr_t stack_low_water(void);
extern uint32_t _estack, _sbss, _ebss, _sdata, _edata;

/* Small decimal/hex formatting for the logs (no printf on the device). */
char *fmt_u32(char *p, uint32_t v);
char *fmt_x32(char *p, uint32_t v); /* 0x-prefixed, 8 digits */
char *fmt_str(char *p, const char *s);

#endif
