/*
 * CoAP over plain UDP for host programs: name resolution and one
 * request/response exchange with the reliability of RFC 7252 4.2 (see
 * net.h). The datagrams are the caller's: built and parsed with coap.h.
 */
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "net.h"
#include "obol/coap.h"
#include "obol/crypto.h"

const char *net_err_str(int err)
{
	switch (err) {
	case NET_OK: return "ok";
	case NET_ERR_RESOLVE: return "the host name does not resolve";
	case NET_ERR_IO: return "socket error";
	case NET_ERR_TIMEOUT: return "no response (timeout)";
	case NET_ERR_REFUSED: return "connection refused (nothing listens there)";
	case NET_ERR_RESET: return "the server reset the exchange (RST)";
	case NET_ERR_HANDSHAKE: return "DTLS handshake failed";
	case NET_ERR_COAP: return "libcoap could not send the request";
	case NET_ERR_TOO_BIG: return "response too large";
	case NET_ERR_URI: return "not the URI expected";
	default: return "unknown error";
	}
}

int net_split_host_port(const char *s, char *host, size_t hcap, char *port,
			size_t pcap, const char *defport)
{
	const char *end, *p;
	size_t n;

	if (*s == '[') {
		end = strchr(s, ']');
		if (end == NULL)
			return -1;
		s++;
		p = end + 1;
	} else {
		end = strrchr(s, ':');
		if (end == NULL)
			end = s + strlen(s);
		p = end;
	}
	if (end == s || (size_t)(end - s) >= hcap)
		return -1;
	memcpy(host, s, (size_t)(end - s));
	host[end - s] = 0;
	if (*p == ':') {
		n = strspn(p + 1, "0123456789");
		if (n == 0 || n > 5 || n >= pcap || (p[1 + n] != 0 &&
						     strcmp(p + 1 + n, "/") != 0))
			return -1;
		memcpy(port, p + 1, n);
		port[n] = 0;
	} else if (defport != NULL && (*p == 0 || strcmp(p, "/") == 0)) {
		snprintf(port, pcap, "%s", defport);
	} else {
		return -1;
	}
	return 0;
}

int net_udp_listen(const char *uri, int *fd, const char **why)
{
	char host[256], port[8];
	struct addrinfo hints, *res = NULL, *ai;
	int rc;

	*fd = -1;
	if (strncmp(uri, "coap://", 7) != 0 ||
	    net_split_host_port(uri + 7, host, sizeof host, port, sizeof port,
				"5683") != 0) {
		*why = "expected coap://HOST[:PORT]";
		return NET_ERR_URI;
	}
	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_DGRAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	rc = getaddrinfo(host, port, &hints, &res);
	if (rc != 0) {
		*why = gai_strerror(rc);
		return NET_ERR_RESOLVE;
	}
	for (ai = res; ai != NULL && *fd < 0; ai = ai->ai_next) {
		*fd = socket(ai->ai_family, ai->ai_socktype, 0);
		if (*fd >= 0 && bind(*fd, ai->ai_addr, ai->ai_addrlen) != 0) {
			close(*fd);
			*fd = -1;
		}
	}
	freeaddrinfo(res);
	if (*fd < 0) {
		*why = "cannot bind (port in use?)";
		return NET_ERR_IO;
	}
	return NET_OK;
}

int net_resolve(const char *host, unsigned port,
		struct sockaddr_storage *addr, socklen_t *addr_len)
{
	struct addrinfo hints, *res = NULL;
	char serv[16];
	int rc;

	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_DGRAM;
	hints.ai_protocol = IPPROTO_UDP;
	snprintf(serv, sizeof serv, "%u", port);
	rc = getaddrinfo(host, serv, &hints, &res);
	if (rc != 0 || res == NULL || res->ai_addrlen > sizeof *addr) {
		if (res != NULL)
			freeaddrinfo(res);
		return NET_ERR_RESOLVE;
	}
	memset(addr, 0, sizeof *addr);
	memcpy(addr, res->ai_addr, res->ai_addrlen);
	*addr_len = res->ai_addrlen;
	freeaddrinfo(res);
	return NET_OK;
}

int net_udp_open(struct net_udp *u, const struct sockaddr_storage *addr,
		 socklen_t addr_len)
{
	memset(u, 0, sizeof *u);
	u->fd = socket(addr->ss_family, SOCK_DGRAM, 0);
	if (u->fd < 0)
		return NET_ERR_IO;
	/* connect: only the peer's datagrams arrive, and an ICMP port
	 * unreachable comes back as ECONNREFUSED. */
	if (connect(u->fd, (const struct sockaddr *)addr, addr_len) != 0) {
		close(u->fd);
		u->fd = -1;
		return NET_ERR_IO;
	}
	return NET_OK;
}

void net_udp_close(struct net_udp *u)
{
	if (u->fd >= 0)
		close(u->fd);
	u->fd = -1;
}

static double mono_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ACK_TIMEOUT * a random factor in [1, ACK_RANDOM_FACTOR] (RFC 7252 4.2). */
static double initial_timeout(void)
{
	uint8_t r[2] = {0, 0};

	(void)obol_port_random(r, sizeof r); /* zeros: the shortest, still valid */
	return NET_ACK_TIMEOUT *
	       (1.0 + (NET_ACK_RANDOM_FACTOR - 1.0) *
			      (double)((unsigned)r[0] << 8 | r[1]) / 65535.0);
}

/* Acknowledge a CON separate response (RFC 7252 5.2.2): an empty ACK. */
static void send_ack(struct net_udp *u, uint16_t mid)
{
	uint8_t ack[4];

	ack[0] = (uint8_t)(0x40 | OBOL_COAP_ACK << 4);
	ack[1] = OBOL_COAP_EMPTY;
	ack[2] = (uint8_t)(mid >> 8);
	ack[3] = (uint8_t)mid;
	(void)send(u->fd, ack, sizeof ack, 0);
}

int net_udp_exchange(struct net_udp *u, const uint8_t *req, size_t len,
		     double timeout, uint8_t *resp, size_t cap,
		     size_t *resp_len)
{
	struct obol_coap_msg rq, m;
	double start = mono_now(), deadline, next, wait = initial_timeout();
	unsigned retransmits = 0;
	int acked = 0; /* an empty ACK came: the response will be separate */

	u->transmissions = 0;
	u->received = 0;
	if (obol_coap_parse(req, len, &rq) != OBOL_OK)
		return NET_ERR_COAP;
	/* MAX_TRANSMIT_WAIT (RFC 7252 4.8.2): 2 * (2^5 - 1) * 1.5 = 93 s. */
	deadline = start + (timeout > 0 ? timeout : 93.0);
	if (send(u->fd, req, len, 0) < 0)
		return errno == ECONNREFUSED ? NET_ERR_REFUSED : NET_ERR_IO;
	u->transmissions++;
	next = start + wait;
	for (;;) {
		double now = mono_now(), until;
		struct pollfd pfd;
		ssize_t n;
		int ms, match;

		if (now >= deadline)
			return NET_ERR_TIMEOUT;
		if (rq.type == OBOL_COAP_CON && !acked && now >= next) {
			if (retransmits == NET_MAX_RETRANSMIT) {
				/* MAX_TRANSMIT_SPAN spent: wait out the last
				 * timeout, then give up. */
				return NET_ERR_TIMEOUT;
			}
			if (send(u->fd, req, len, 0) < 0)
				return errno == ECONNREFUSED ? NET_ERR_REFUSED
							     : NET_ERR_IO;
			u->transmissions++;
			retransmits++;
			wait *= 2;
			next = now + wait;
		}
		until = deadline;
		if (rq.type == OBOL_COAP_CON && !acked && next < until)
			until = next;
		ms = (int)((until - now) * 1000.0) + 1;
		pfd.fd = u->fd;
		pfd.events = POLLIN;
		pfd.revents = 0;
		if (poll(&pfd, 1, ms) < 0) {
			if (errno == EINTR)
				continue;
			return NET_ERR_IO;
		}
		if (!(pfd.revents & (POLLIN | POLLERR)))
			continue;
		n = recv(u->fd, resp, cap, MSG_TRUNC);
		if (n < 0) {
			if (errno == ECONNREFUSED)
				return NET_ERR_REFUSED;
			if (errno == EINTR || errno == EAGAIN)
				continue;
			return NET_ERR_IO;
		}
		u->received++;
		if ((size_t)n > cap)
			return NET_ERR_TOO_BIG;
		if (obol_coap_parse(resp, (size_t)n, &m) != OBOL_OK)
			continue; /* not CoAP: not for us */
		if (m.type == OBOL_COAP_RST) {
			if (m.mid == rq.mid)
				return NET_ERR_RESET;
			continue;
		}
		if (m.type == OBOL_COAP_ACK && m.code == OBOL_COAP_EMPTY) {
			if (m.mid == rq.mid)
				acked = 1;
			continue;
		}
		if ((m.code >> 5) < 2)
			continue; /* a request, not a response */
		match = m.token_len == rq.token_len &&
			memcmp(m.token, rq.token, rq.token_len) == 0;
		if (m.type == OBOL_COAP_ACK)
			match = match && m.mid == rq.mid;
		if (!match)
			continue;
		if (m.type == OBOL_COAP_CON)
			send_ack(u, m.mid);
		*resp_len = (size_t)n;
		return NET_OK;
	}
}
