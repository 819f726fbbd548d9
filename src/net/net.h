/*
 * Transport adapters for host programs (src/net/): the bytes the sans-IO
 * core produces are moved here.
 *
 *   udp.c    name resolution, and one CoAP request/response exchange over
 *            a plain UDP socket with the retransmission of RFC 7252 4.2
 *            (CON: ACK_TIMEOUT 2 s, ACK_RANDOM_FACTOR 1.5, MAX_RETRANSMIT
 *            4), separate responses included. The caller builds and parses
 *            the datagrams (coap.h), so OSCORE-protected messages pass
 *            through unchanged.
 *   coaps.c  CoAP over DTLS with a pre-shared key (RFC 7252 9.1.3.1) through
 *            libcoap: a client session with PSK credentials, and one blocking
 *            request (POST /token of RFC 9200 5.8 is what uses it).
 *
 * Errors are the negative NET_ERR_* below; 0 is success. Nothing here
 * prints: the caller says what went wrong, in its own words.
 */
#ifndef OBOL_NET_H
#define OBOL_NET_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include <coap3/coap.h>

enum net_err {
	NET_OK = 0,
	NET_ERR_RESOLVE = -1,   /* the host name does not resolve */
	NET_ERR_IO = -2,        /* socket error (errno is kept) */
	NET_ERR_TIMEOUT = -3,   /* no answer within the time allowed */
	NET_ERR_REFUSED = -4,   /* ICMP port unreachable: nothing listens */
	NET_ERR_RESET = -5,     /* the peer answered with a RST */
	NET_ERR_HANDSHAKE = -6, /* the DTLS handshake failed (e.g. wrong PSK) */
	NET_ERR_COAP = -7,      /* libcoap could not build or send the request */
	NET_ERR_TOO_BIG = -8,   /* the answer does not fit the buffer */
	NET_ERR_URI = -9        /* not the URI or address form expected */
};

/* A short English description of a NET_ERR_* value. */
const char *net_err_str(int err);

/*
 * Resolve host (a name, an IPv4 address, or an IPv6 address without
 * brackets) and port into *addr (UDP). NET_OK or NET_ERR_RESOLVE.
 */
int net_resolve(const char *host, unsigned port,
		struct sockaddr_storage *addr, socklen_t *addr_len);

/*
 * Split "HOST:PORT" ("[v6]:PORT" too, an optional "/" after it) into
 * host[hcap] and port[pcap]; with no port, defport (NULL: the port is
 * required). 0, or -1 when s is not of that form or does not fit.
 */
int net_split_host_port(const char *s, char *host, size_t hcap, char *port,
			size_t pcap, const char *defport);

/* ---- plain UDP (udp.c) ------------------------------------------------ */

/*
 * A UDP socket bound to coap://HOST[:PORT] (port 5683 by default), for a
 * server: NET_OK and *fd; else NET_ERR_URI, NET_ERR_RESOLVE or NET_ERR_IO
 * (no address could be bound) with *why, a phrase to print after the URI
 * (e.g. "cannot bind (port in use?)").
 */
int net_udp_listen(const char *uri, int *fd, const char **why);


/* RFC 7252 4.8 transmission parameters. */
#define NET_ACK_TIMEOUT 2.0
#define NET_ACK_RANDOM_FACTOR 1.5
#define NET_MAX_RETRANSMIT 4
#define NET_DATAGRAM_MAX 1280 /* IPv6 minimum MTU: what a constrained RS takes */

struct net_udp {
	int fd;              /* connected to the peer */
	unsigned transmissions; /* datagrams sent by the last exchange */
	unsigned received;      /* datagrams received by the last exchange */
};

/* A UDP socket connected to addr. NET_OK or NET_ERR_IO. */
int net_udp_open(struct net_udp *u, const struct sockaddr_storage *addr,
		 socklen_t addr_len);
void net_udp_close(struct net_udp *u);

/*
 * Send the request req[0..len) (a CoAP datagram: CON or NON) and wait for
 * its response, for at most timeout seconds in all (<= 0: the RFC 7252
 * limit, MAX_TRANSMIT_WAIT = 93 s). A CON is retransmitted with the
 * exponential back-off of RFC 7252 4.2 until its ACK arrives; an empty
 * ACK means a separate response follows (matched by token; a CON one is
 * acknowledged). The response datagram goes to resp[0..cap), its size to
 * *resp_len. Datagrams that are not the answer (other Message IDs or
 * tokens, malformed ones) are ignored.
 */
int net_udp_exchange(struct net_udp *u, const uint8_t *req, size_t len,
		     double timeout, uint8_t *resp, size_t cap,
		     size_t *resp_len);

/* ---- DTLS-PSK with libcoap (coaps.c) ------------------------------------ */

/*
 * A libcoap client session to dst: DTLS with the PSK identity/key given
 * (key: key_len bytes, any content; libcoap copies both), or plain UDP
 * when identity is NULL. NULL on failure.
 */
coap_session_t *net_coaps_session(coap_context_t *ctx,
				  const coap_address_t *dst,
				  const char *identity, const uint8_t *key,
				  size_t key_len);

/* Seconds a DTLS handshake may take before it counts as refused. */
#define NET_HANDSHAKE_TIMEOUT 8.0

/* One request (net_coaps_request). */
struct net_coaps_req {
	const char *host;        /* name or address (IPv6 without brackets) */
	unsigned port;
	const char *identity;    /* PSK identity; NULL: coap:// without DTLS */
	const uint8_t *key;      /* PSK */
	size_t key_len;
	uint8_t code;            /* OBOL_COAP_POST ... */
	const char *path;        /* "/token" */
	int content_format;      /* -1: none */
	const uint8_t *payload;
	size_t payload_len;
	double timeout;          /* seconds for everything, handshake included */
};

/* Its answer. Release with net_coaps_resp_free (wipes the payload: it
 * may hold a PoP key). */
struct net_coaps_resp {
	uint8_t code;
	int content_format;      /* -1: none */
	uint8_t *payload;        /* malloc'd, NULL if none */
	size_t payload_len;
	size_t sent, received;   /* size of the CoAP messages (as framed over
				  * UDP, RFC 7252 3), DTLS records not counted */
	int handshake;           /* 1: a DTLS handshake was done */
};

/*
 * Open a session (a DTLS handshake with a PSK), send the request, wait for
 * its response, close. NET_OK (resp filled, any response code),
 * NET_ERR_RESOLVE, NET_ERR_HANDSHAKE (the peer refused the PSK, or
 * nothing answered the handshake: not done within NET_HANDSHAKE_TIMEOUT
 * or the request's timeout, whichever is shorter), NET_ERR_TIMEOUT, NET_ERR_RESET,
 * NET_ERR_COAP.
 */
int net_coaps_request(const struct net_coaps_req *rq,
		      struct net_coaps_resp *resp);
void net_coaps_resp_free(struct net_coaps_resp *resp);

#endif /* OBOL_NET_H */
