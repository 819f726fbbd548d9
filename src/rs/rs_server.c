/*
 * `obol rs serve`: the RS engine behind a UDP socket (rs_server.h).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "demo.h"
#include "net.h"
#include "obol/coap.h"
#include "obol/crypto.h"
#include "obol/cwt.h"
#include "obol/err.h"
#include "obol/rs.h"
#include "rs_server.h"

/* A CoAP datagram over UDP: RFC 7252 4.6 recommends at most 1152 bytes;
 * obol takes up to 1280 (an IPv6 minimum MTU) and answers within it. */
#define RS_DATAGRAM_MAX 1280

/*
 * Message deduplication (RFC 7252 4.5): a CON request whose Message ID the
 * same peer used within EXCHANGE_LIFETIME gets the response it got the
 * first time, not a second run through the engine (which, under OSCORE,
 * would call it a replay). The last RS_DEDUP responses are kept; the
 * engine itself (which must fit a device) keeps none.
 */
#define RS_DEDUP 16
#define RS_EXCHANGE_LIFETIME 247 /* seconds, RFC 7252 4.8.2 */

struct rs_sent {
	struct sockaddr_storage peer;
	socklen_t peer_len;
	uint16_t mid;
	uint64_t when;  /* monotonic seconds */
	size_t len;     /* 0: unused */
	uint8_t resp[RS_DATAGRAM_MAX];
};

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static void log_time(FILE *f)
{
	struct timespec ts;
	struct tm tm;
	char buf[32];

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
	fprintf(f, "%s.%03ldZ obol-rs ", buf, ts.tv_nsec / 1000000L);
}

static void code_text(char out[8], uint8_t code)
{
	snprintf(out, 8, "%u.%02u", (unsigned)(code >> 5), (unsigned)(code & 31));
}

/* "ADDR:PORT" of a peer, for the log. */
static void peer_text(const struct sockaddr_storage *a, char *out,
		      size_t cap)
{
	char host[INET6_ADDRSTRLEN];
	unsigned port = 0;

	host[0] = 0;
	if (a->ss_family == AF_INET) {
		const struct sockaddr_in *s = (const struct sockaddr_in *)a;

		inet_ntop(AF_INET, &s->sin_addr, host, sizeof host);
		port = ntohs(s->sin_port);
		snprintf(out, cap, "%s:%u", host, port);
	} else {
		const struct sockaddr_in6 *s = (const struct sockaddr_in6 *)a;

		inet_ntop(AF_INET6, &s->sin6_addr, host, sizeof host);
		port = ntohs(s->sin6_port);
		snprintf(out, cap, "[%s]:%u", host, port);
	}
}

/* Bind coap://HOST:PORT; the socket, or -1 (logged). */
static int bind_listener(FILE *log, const char *uri)
{
	const char *why;
	int fd;

	if (net_udp_listen(uri, &fd, &why) != NET_OK) {
		log_time(log);
		fprintf(log, "event=error detail=\"--listen %s: %s\"\n", uri, why);
		return -1;
	}
	return fd;
}

static int same_peer(const struct rs_sent *e,
		     const struct sockaddr_storage *a, socklen_t len)
{
	return e->len > 0 && e->peer_len == len && memcmp(&e->peer, a, len) == 0;
}

static uint64_t mono_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec;
}

int rs_server_run(const struct rs_server_opts *o)
{
	static struct obol_rs rs; /* 1.4 KB: not on the stack */
	static struct rs_sent sent[RS_DEDUP];
	unsigned next_sent = 0;
	struct obol_rs_resource table[RS_DEMO_NRESOURCES];
	struct obol_rs_config cfg;
	struct obol_cose_key key;
	struct rs_demo demo;
	struct sigaction sa;
	uint8_t req[RS_DATAGRAM_MAX], resp[RS_DATAGRAM_MAX];
	FILE *log = o->log != NULL ? o->log : stderr;
	unsigned long served = 0, dropped = 0;
	int fd, rc;

	setvbuf(log, NULL, _IOLBF, 0);
	memset(&demo, 0, sizeof demo);
	demo.temp_decic = 215;
	memset(&key, 0, sizeof key);
	key.kty = OBOL_COSE_KTY_SYMMETRIC;
	key.alg = OBOL_ALG_AES_CCM_16_64_128;
	key.k = o->key;
	key.k_len = o->key_len;
	memset(&cfg, 0, sizeof cfg);
	cfg.audience = o->audience;
	cfg.keys = &key;
	cfg.nkeys = 1;
	cfg.leeway = 60;
	cfg.as_uri = o->as_uri;
	/* The AS makes an exi token's cti from the audience and a sequence
	 * number (RFC 9200 5.10.3; src/as/endpoints.c). */
	cfg.exi_cti_prefix = (const uint8_t *)o->audience;
	cfg.exi_cti_prefix_len = strlen(o->audience);
	cfg.resources = table;
	cfg.nresources = rs_demo_resources(&demo, table);
	rc = obol_rs_init(&rs, &cfg);
	if (rc != OBOL_OK) {
		log_time(log);
		fprintf(log, "event=error detail=\"%s\"\n", obol_err_str(rc));
		return 1;
	}
	fd = bind_listener(log, o->listen);
	if (fd < 0) {
		obol_rs_clear(&rs);
		return 1;
	}
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	log_time(log);
	fprintf(log, "event=ready aud=%s listen=%s clock=%s slots=%d\n",
		o->audience, o->listen, o->no_clock ? "none" : "unix",
		OBOL_RS_SLOTS);

	while (!stop_requested) {
		struct pollfd pfd = {fd, POLLIN, 0};
		struct sockaddr_storage from;
		socklen_t fromlen = sizeof from;
		struct msghdr mh;
		struct iovec iov;
		struct obol_rs_time now;
		struct obol_coap_msg m;
		char peer[80], path[64], c1[8], c2[8];
		size_t plen = 0, out_len = 0;
		ssize_t n;
		uint8_t req_code;
		int prot;

		if (poll(&pfd, 1, 1000) <= 0)
			continue;
		/* recvmsg, not recvfrom: a datagram longer than the buffer is
		 * cut to it silently, and its head may parse as another
		 * message (a payload with trailing bytes becoming one CBOR
		 * item). MSG_TRUNC tells; such a datagram is dropped whole. */
		iov.iov_base = req;
		iov.iov_len = sizeof req;
		memset(&mh, 0, sizeof mh);
		mh.msg_name = &from;
		mh.msg_namelen = sizeof from;
		mh.msg_iov = &iov;
		mh.msg_iovlen = 1;
		n = recvmsg(fd, &mh, 0);
		if (n <= 0)
			continue;
		fromlen = mh.msg_namelen;
		if (mh.msg_flags & MSG_TRUNC) {
			dropped++;
			peer_text(&from, peer, sizeof peer);
			log_time(log);
			fprintf(log, "event=dropped from=%s size=%zd+ detail=\"datagram "
				"over %d bytes\"\n", peer, n, RS_DATAGRAM_MAX);
			continue;
		}
		now.mono = mono_seconds();
		/* A retransmitted CON request: the same answer again. */
		if (n >= 4 && (req[0] & 0xf0) == 0x40 && req[1] != 0) {
			uint16_t mid = (uint16_t)(req[2] << 8 | req[3]);
			unsigned k;

			for (k = 0; k < RS_DEDUP; k++)
				if (same_peer(&sent[k], &from, fromlen) &&
				    sent[k].mid == mid &&
				    now.mono - sent[k].when < RS_EXCHANGE_LIFETIME)
					break;
			if (k < RS_DEDUP) {
				if (sendto(fd, sent[k].resp, sent[k].len, 0,
					   (struct sockaddr *)&from, fromlen) >= 0)
					served++;
				if (!o->quiet) {
					peer_text(&from, peer, sizeof peer);
					log_time(log);
					fprintf(log, "event=duplicate from=%s mid=%u "
						"detail=\"answered again\"\n", peer,
						(unsigned)mid);
				}
				continue;
			}
		}
		/* What the log may say, before the engine decrypts in place:
		 * the path of an unprotected request; OSCORE hides it. */
		path[0] = 0;
		req_code = n >= 2 ? req[1] : 0;
		prot = 0;
		if (obol_coap_parse(req, (size_t)n, &m) == OBOL_OK) {
			const uint8_t *v;
			size_t vl;

			prot = obol_coap_opt_find(&m, OBOL_COAP_OPT_OSCORE, &v,
						  &vl) == 1;
			if (!prot && obol_coap_uri_path(&m, path, sizeof path - 1,
							&plen) != OBOL_OK)
				strcpy(path, "?");
			else if (!prot)
				path[plen] = 0;
		}
		now.unix_now = o->no_clock ? OBOL_CWT_NO_CLOCK
					   : (int64_t)time(NULL);
		rc = obol_rs_handle(&rs, &now, req, (size_t)n, sizeof req, resp,
				    sizeof resp, &out_len);
		peer_text(&from, peer, sizeof peer);
		if (rc != OBOL_OK) {
			dropped++;
			if (rc != OBOL_ERR_RS_IGNORE) {
				log_time(log);
				fprintf(log, "event=dropped from=%s size=%zd "
					"detail=\"%s\"\n", peer, n,
					obol_err_str(rc));
			}
			continue;
		}
		if (sendto(fd, resp, out_len, 0, (struct sockaddr *)&from,
			   fromlen) < 0) {
			log_time(log);
			fprintf(log, "event=send_failed to=%s detail=\"%s\"\n",
				peer, strerror(errno));
			continue;
		}
		served++;
		/* keep the answer to a CON request (a piggybacked ACK) */
		if (out_len >= 4 && (resp[0] & 0x30) == 0x20 &&
		    out_len <= sizeof sent[0].resp) {
			struct rs_sent *e = &sent[next_sent++ % RS_DEDUP];

			memcpy(&e->peer, &from, fromlen);
			e->peer_len = fromlen;
			e->mid = (uint16_t)(resp[2] << 8 | resp[3]);
			e->when = now.mono;
			memcpy(e->resp, resp, out_len);
			e->len = out_len;
		}
		/* Under OSCORE the outer code says little (2.04/2.05 carry
		 * the real one inside): the log gives the outer one. */
		if (!o->quiet || (out_len >= 2 && resp[1] >= 0x80 && !prot)) {
			code_text(c1, req_code);
			code_text(c2, out_len >= 2 ? resp[1] : 0);
			log_time(log);
			fprintf(log, "event=request from=%s code=%s %s%s size=%zd "
				"answer=%s answer_size=%zu\n", peer, c1,
				prot ? "oscore" : "path=", prot ? "" : path, n,
				c2, out_len);
		}
	}
	log_time(log);
	fprintf(log, "event=stopped served=%lu dropped=%lu slots_used=%u\n",
		served, dropped, obol_rs_slots_used(&rs));
	close(fd);
	obol_rs_clear(&rs);
	obol_wipe(req, sizeof req);
	obol_wipe(resp, sizeof resp);
	obol_wipe(sent, sizeof sent);
	return 0;
}
