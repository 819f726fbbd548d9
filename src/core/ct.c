/* Constant-time comparison and wiping (include/obol/crypto.h). */
#include "obol/crypto.h"

int obol_ct_equal(const uint8_t *a, const uint8_t *b, size_t n)
{
	/* Accumulate every difference; branch only on the length. */
	unsigned diff = 0;
	size_t i;

	for (i = 0; i < n; i++)
		diff |= (unsigned)(a[i] ^ b[i]);
	/* 1 iff diff == 0, without a data-dependent branch. */
	return (int)(1u & ((diff - 1u) >> 8));
}

void obol_wipe(void *p, size_t n)
{
	/* Writes through a volatile pointer are observable behaviour: the
	 * compiler must keep them even when p is never read again (the
	 * Monocypher crypto_wipe approach, without memset_s or
	 * explicit_bzero, which C99 lacks). */
	volatile uint8_t *v = (volatile uint8_t *)p;

	while (n--)
		*v++ = 0;
}
