/*
 * Board glue: UART0, TIMER0, the RNG (obol_port_random), semihosting.
 *
 * No interrupt handler ever runs: PRIMASK stays set (startup.c) and the
 * UART's RXDRDY and TIMER0's compare events are enabled in the NVIC only
 * so that they wake the CPU from WFI (ARMv6-M: a pending interrupt ends
 * WFI whatever PRIMASK says). Waiting thus costs no instructions, which
 * keeps QEMU's -icount figures about the work done, and lets -icount's
 * virtual clock follow real time while the device is idle.
 */
#include "board.h"

#include "nrf51.h"
#include "obol/crypto.h"
#include "obol/err.h"

#define PIN_TX 24u
#define PIN_RX 25u

/* Compare events on CC[1] = 0 and CC[2] = 2^31 wake the CPU twice per
 * wrap of the 32-bit counter (268 s at 16 MHz), so the software
 * extension never misses a wrap, however long the line stays quiet. */
#define CC_CAPTURE 0
#define CC_WAKE_A 1
#define CC_WAKE_B 2

static uint32_t tick_last, tick_high;

/* Random bytes gathered while the device waits for the line (rng_service
 * in uart_getc), so that the RS engine seldom waits for the RNG: with bias
 * correction the peripheral yields about one byte per 120 us, and an
 * /authz-info needs 8 (N2). Each byte is handed out once and wiped. */
#define RNG_POOL 32u
static uint8_t rng_pool[RNG_POOL];
static uint8_t rng_len, rng_running;

static void rng_service(void)
{
	if (FW_REG(NRF_RNG, RNG_EVENTS_VALRDY) != 0) {
		FW_REG(NRF_RNG, RNG_EVENTS_VALRDY) = 0;
		if (rng_len < RNG_POOL)
			rng_pool[rng_len++] = (uint8_t)FW_REG(NRF_RNG, RNG_VALUE);
	}
	if (rng_len >= RNG_POOL) {
		if (rng_running) {
			FW_REG(NRF_RNG, RNG_TASKS_STOP) = 1;
			rng_running = 0;
		}
	} else if (!rng_running) {
		FW_REG(NRF_RNG, RNG_CONFIG) = 1; /* bias correction */
		FW_REG(NRF_RNG, RNG_INTENSET) = RNG_INT_VALRDY;
		FW_REG(NVIC_ISER, 0) = 1u << RNG_IRQN;
		FW_REG(NRF_RNG, RNG_TASKS_START) = 1;
		rng_running = 1;
	}
}

void uart_init(void)
{
	FW_REG(NRF_UART0, UART_PSELTXD) = PIN_TX;
	FW_REG(NRF_UART0, UART_PSELRXD) = PIN_RX;
	FW_REG(NRF_UART0, UART_BAUDRATE) = UART_BAUD_115200;
	FW_REG(NRF_UART0, UART_ENABLE) = UART_ENABLE_ON;
	FW_REG(NRF_UART0, UART_EVENTS_RXDRDY) = 0;
	FW_REG(NRF_UART0, UART_EVENTS_TXDRDY) = 0;
	FW_REG(NRF_UART0, UART_INTENSET) = UART_INT_RXDRDY;
	FW_REG(NRF_UART0, UART_TASKS_STARTRX) = 1;
	FW_REG(NRF_UART0, UART_TASKS_STARTTX) = 1;
	FW_REG(NVIC_ISER, 0) = 1u << UART_IRQN;
}

void uart_putc(uint8_t c)
{
	FW_REG(NRF_UART0, UART_EVENTS_TXDRDY) = 0;
	FW_REG(NRF_UART0, UART_TXD) = c;
	while (FW_REG(NRF_UART0, UART_EVENTS_TXDRDY) == 0)
		;
}

uint8_t uart_getc(void)
{
	for (;;) {
		if (FW_REG(NRF_UART0, UART_EVENTS_RXDRDY) != 0) {
			FW_REG(NRF_UART0, UART_EVENTS_RXDRDY) = 0;
			FW_REG(NVIC_ICPR, 0) = 1u << UART_IRQN;
			return (uint8_t)FW_REG(NRF_UART0, UART_RXD);
		}
		(void)tick_now();
		rng_service();
		FW_REG(NRF_TIMER0, TIMER_EVENTS_COMPARE(CC_WAKE_A)) = 0;
		FW_REG(NRF_TIMER0, TIMER_EVENTS_COMPARE(CC_WAKE_B)) = 0;
		FW_REG(NVIC_ICPR, 0) = (1u << UART_IRQN) |
				       (1u << TIMER0_IRQN) | (1u << RNG_IRQN);
		/* An event from here on pends its IRQ again: WFI returns. */
		if (FW_REG(NRF_UART0, UART_EVENTS_RXDRDY) == 0)
			__asm__ volatile("wfi" ::: "memory");
	}
}

void tick_init(void)
{
	FW_REG(NRF_TIMER0, TIMER_MODE) = 0; /* timer */
	FW_REG(NRF_TIMER0, TIMER_BITMODE) = TIMER_BITMODE_32;
	FW_REG(NRF_TIMER0, TIMER_PRESCALER) = 0;
	FW_REG(NRF_TIMER0, TIMER_CC(CC_WAKE_A)) = 0;
	FW_REG(NRF_TIMER0, TIMER_CC(CC_WAKE_B)) = 0x80000000u;
	FW_REG(NRF_TIMER0, TIMER_INTENSET) =
		TIMER_INT_COMPARE(CC_WAKE_A) | TIMER_INT_COMPARE(CC_WAKE_B);
	FW_REG(NRF_TIMER0, TIMER_TASKS_START) = 1;
	FW_REG(NVIC_ISER, 0) = 1u << TIMER0_IRQN;
}

uint32_t tick_raw(void)
{
	FW_REG(NRF_TIMER0, TIMER_TASKS_CAPTURE(CC_CAPTURE)) = 1;
	return FW_REG(NRF_TIMER0, TIMER_CC(CC_CAPTURE));
}

uint64_t tick_now(void)
{
	uint32_t v = tick_raw();

	if (v < tick_last)
		tick_high++;
	tick_last = v;
	return (uint64_t)tick_high << 32 | v;
}

/*
 * The RNG peripheral (RM 21) with bias correction on, through the pool
 * above; an empty pool waits for the peripheral. QEMU models it (backed
 * by the host's getrandom). It cannot fail short of a hardware fault,
 * which a bounded wait turns into OBOL_ERR_CRYPTO_RNG rather than a hang.
 */
int obol_port_random(uint8_t *out, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		uint32_t spin = 0;

		while (rng_len == 0) {
			rng_service();
			if (++spin == 1000000u) {
				obol_wipe(out, len);
				return OBOL_ERR_CRYPTO_RNG;
			}
		}
		out[i] = rng_pool[--rng_len];
		rng_pool[rng_len] = 0;
	}
	rng_service(); /* refill from now on */
	return OBOL_OK;
}

uint32_t semihost(uint32_t op, const void *arg)
{
	register uint32_t r0 __asm__("r0") = op;
	register const void *r1 __asm__("r1") = arg;

	__asm__ volatile("bkpt 0xAB" : "+r"(r0) : "r"(r1) : "memory");
	return r0;
}

#define SYS_WRITE0 0x04u
#define SYS_EXIT_EXTENDED 0x20u
#define ADP_STOPPED_APPLICATION_EXIT 0x20026u

void semi_puts(const char *s)
{
	(void)semihost(SYS_WRITE0, s);
}

void semi_exit(unsigned code)
{
	uint32_t block[2];

	block[0] = ADP_STOPPED_APPLICATION_EXIT;
	block[1] = code;
	(void)semihost(SYS_EXIT_EXTENDED, block);
	for (;;)
		__asm__ volatile("wfi");
}

char *fmt_u32(char *p, uint32_t v)
{
	char tmp[10];
	unsigned n = 0;

	do {
		tmp[n++] = (char)('0' + v % 10u);
		v /= 10u;
	} while (v != 0);
	while (n > 0)
		*p++ = tmp[--n];
	return p;
}

char *fmt_x32(char *p, uint32_t v)
{
	int s;

	*p++ = '0';
	*p++ = 'x';
	for (s = 28; s >= 0; s -= 4)
		*p++ = "0123456789abcdef"[(v >> s) & 15u];
	return p;
}

char *fmt_str(char *p, const char *s)
{
	while (*s != 0)
		*p++ = *s++;
	return p;
}
