/*
 * The state area: two 1 KiB flash pages (pages 253-254, 0x3F400, .ssn in
 * nrf51822.ld; the record, persist.c, is about 1 KiB with 4 slots) that
 * keep the engine state across resets.
 * Two backends behind this one interface, chosen at build time
 * (FW_STATE, Makefile):
 *   FW_STATE_NVMC (1): the pages themselves, erased and written word by word
 *     through the NVMC. On the chip this survives resets and power
 *     cycles. Under QEMU 7.2 it survives a system_reset but not a
 *     restart of QEMU (the flash is loaded again from the -kernel
 *     image), so it cannot show a reboot across restarts there.
 *   FW_STATE_SEMIHOST (2, the default): the stand-in for QEMU. The area
 *     is the host file FW_STATE_FILE in QEMU's working directory, read
 *     and written through semihosting (SYS_OPEN/READ/WRITE/SEEK/CLOSE),
 *     so it survives a restart of QEMU with the same image. A bare chip
 *     without a debugger would fault on the first call.
 * Writing is a sequence: begin (erase), put (append whole words from a
 * word-aligned source, no page buffer), end. A reset in between leaves a
 * torn record, which the record's header and CRC reject (persist.c).
 */
#ifndef FW_STATE_H
#define FW_STATE_H

#include <stdint.h>

#define FW_STATE_NVMC 1
#define FW_STATE_SEMIHOST 2
#ifndef FW_STATE
#define FW_STATE FW_STATE_SEMIHOST
#endif
#ifndef FW_STATE_FILE
#define FW_STATE_FILE "obol-rs-state.bin"
#endif

#define FW_STATE_BASE 0x3F400u
#define FW_STATE_PAGE_SIZE 1024u
#define FW_STATE_SIZE 2048u

/* 0, or -1 (nothing stored there, an I/O error). */
int fw_state_read(uint32_t off, void *p, uint32_t n);
int fw_state_begin(void);
/* p 4-byte aligned, n a multiple of 4; appended after what was put. */
int fw_state_put(const void *p, uint32_t n);
int fw_state_end(void);

#endif
