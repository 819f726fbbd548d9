/*
 * The rest of the contract (include/obol/crypto.h) for the tiny backend:
 * its name, and the signature functions it does not implement. They exist
 * so that the core links against any backend; they return
 * OBOL_ERR_CRYPTO_UNSUPPORTED for every algorithm and touch no argument.
 * obol_port_random is deliberately absent: the platform provides it (the
 * firmware from its RNG peripheral, host tests from
 * tests/support/random_host.c).
 */
#include "tiny.h"

const char *obol_port_backend(void)
{
	return "tiny";
}

int obol_port_sign(int alg, const uint8_t *priv, size_t priv_len,
		   const struct obol_iov *msg, size_t n, uint8_t *sig,
		   size_t *sig_len)
{
	(void)alg;
	(void)priv;
	(void)priv_len;
	(void)msg;
	(void)n;
	(void)sig;
	(void)sig_len;
	return OBOL_ERR_CRYPTO_UNSUPPORTED;
}

int obol_port_verify(int alg, const uint8_t *pub, size_t pub_len,
		     const struct obol_iov *msg, size_t n, const uint8_t *sig,
		     size_t sig_len)
{
	(void)alg;
	(void)pub;
	(void)pub_len;
	(void)msg;
	(void)n;
	(void)sig;
	(void)sig_len;
	return OBOL_ERR_CRYPTO_UNSUPPORTED;
}

int obol_port_keygen(int alg, uint8_t *priv, size_t priv_len, uint8_t *pub,
		     size_t pub_len)
{
	(void)alg;
	(void)priv;
	(void)priv_len;
	(void)pub;
	(void)pub_len;
	return OBOL_ERR_CRYPTO_UNSUPPORTED;
}
