/*
 * The few nRF51822 registers the firmware uses, written from the offsets
 * in the nRF51 Reference Manual (v3.0; summarised in
 * ../shared/design/NRF51-QEMU.md). No vendor headers: each peripheral
 * is a base address and the offsets below.
 */
#ifndef FW_NRF51_H
#define FW_NRF51_H

#include <stdint.h>

#define FW_REG(base, off) (*(volatile uint32_t *)((uintptr_t)(base) + (off)))

/* Memory map (nRF51822-QFAA: 256 KiB flash, 16 KiB RAM). */
#define NRF_FLASH_SIZE 0x40000u
#define NRF_FLASH_PAGE 1024u
#define NRF_RAM_BASE 0x20000000u
#define NRF_RAM_SIZE 0x4000u

/* UART0 (RM 29). */
#define NRF_UART0 0x40002000u
#define UART_TASKS_STARTRX 0x000
#define UART_TASKS_STARTTX 0x008
#define UART_EVENTS_RXDRDY 0x108
#define UART_EVENTS_TXDRDY 0x11C
#define UART_INTENSET 0x304
#define UART_ENABLE 0x500
#define UART_PSELTXD 0x50C
#define UART_PSELRXD 0x514
#define UART_RXD 0x518
#define UART_TXD 0x51C
#define UART_BAUDRATE 0x524
#define UART_ENABLE_ON 4u
#define UART_BAUD_115200 0x01D7E000u
#define UART_INT_RXDRDY (1u << 2)
#define UART_IRQN 2

/* TIMER0 (RM 19): 16 MHz with prescaler 0. */
#define NRF_TIMER0 0x40008000u
#define TIMER_TASKS_START 0x000
#define TIMER_TASKS_CAPTURE(n) (0x040 + 4 * (n))
#define TIMER_EVENTS_COMPARE(n) (0x140 + 4 * (n))
#define TIMER_INTENSET 0x304
#define TIMER_MODE 0x504
#define TIMER_BITMODE 0x508
#define TIMER_PRESCALER 0x510
#define TIMER_CC(n) (0x540 + 4 * (n))
#define TIMER_BITMODE_32 3u
#define TIMER_INT_COMPARE(n) (1u << (16 + (n)))
#define TIMER0_IRQN 8

/* RNG (RM 21). */
#define NRF_RNG 0x4000D000u
#define RNG_TASKS_START 0x000
#define RNG_TASKS_STOP 0x004
#define RNG_EVENTS_VALRDY 0x100
#define RNG_CONFIG 0x504   /* bit 0: bias correction */
#define RNG_VALUE 0x508
#define RNG_INTENSET 0x304
#define RNG_INT_VALRDY 1u
#define RNG_IRQN 13

/* NVMC (RM 6). */
#define NRF_NVMC 0x4001E000u
#define NVMC_READY 0x400
#define NVMC_CONFIG 0x504  /* 0 read only, 1 write, 2 erase */
#define NVMC_ERASEPAGE 0x508
#define NVMC_CONFIG_REN 0u
#define NVMC_CONFIG_WEN 1u
#define NVMC_CONFIG_EEN 2u

/* Cortex-M0 NVIC (ARMv6-M ARM B3.4). */
#define NVIC_ISER 0xE000E100u
#define NVIC_ICPR 0xE000E280u

#endif
