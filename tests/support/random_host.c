/*
 * obol_port_random for host builds with a backend that has no entropy
 * source of its own (tiny): the kernel's getrandom(2), as firmware uses
 * its RNG peripheral. Never returns predictable bytes.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sys/random.h>

#include "obol/crypto.h"

int obol_port_random(uint8_t *out, size_t len)
{
	while (len > 0) {
		ssize_t n = getrandom(out, len, 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return OBOL_ERR_CRYPTO_RNG;
		}
		out += n;
		len -= (size_t)n;
	}
	return OBOL_OK;
}
