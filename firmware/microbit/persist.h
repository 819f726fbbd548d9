/*
 * What a reset keeps (persist.c): one record in the state area
 * (state.h) holding the engine state, the Sender Sequence Number bounds
 * of its slots (RFC 8613 B.1.1) and a bound of the monotonic clock.
 */
#ifndef FW_PERSIST_H
#define FW_PERSIST_H

#include <stdint.h>

#include "obol/rs.h"

#ifndef FW_PERSIST
#define FW_PERSIST 1
#endif
/* Seconds of monotonic time one record covers (see persist.c). */
#ifndef FW_MONO_STEP
#define FW_MONO_STEP 60u
#endif

/* At boot: read the record into *rs. 1: valid (then resume), 0: none,
 * torn or foreign (then obol_rs_init). *mono_base: where the monotonic
 * seconds continue from (0 without a record). */
int fw_persist_load(struct obol_rs *rs, uint64_t *mono_base);
/* Before each datagram, with the current monotonic seconds: writes a
 * new record once `mono` reaches the persisted clock bound. 0, or -1
 * if it could not (the datagram must then not be handled). */
int fw_persist_tick(const struct obol_rs *rs, uint64_t mono);
/* Write the record now (a new context; 0 or -1). */
int fw_persist_save(const struct obol_rs *rs);
/* The engine's hooks (cfg.ssn_persist, cfg.ssn_load), arg = the struct
 * obol_rs. */
int fw_persist_ssn(void *arg, unsigned slot, uint64_t bound);
int fw_persist_ssn_load(void *arg, unsigned slot, uint64_t *bound);

#endif
