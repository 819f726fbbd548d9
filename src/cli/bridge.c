/*
 * `obol bridge`: UDP CoAP datagrams <-> SLIP frames (RFC 1055) on a serial
 * line, so that a device speaking CoAP over its UART (firmware/microbit)
 * is reached as a UDP CoAP server by any client: obol, libcoap's
 * coap-client, tests.
 *
 * The serial line is a byte stream: QEMU's `-serial tcp:...,server=on`
 * socket (tcp:HOST:PORT) or a Unix socket (unix:PATH, QEMU's
 * `-chardev socket,path=...`). Each UDP datagram becomes one frame
 * (include/obol/slip.h, the same codec as the device's); each frame from
 * the device goes back to the UDP peer whose request it answers.
 *
 * Who gets an answer. The device is a CoAP server: it sends only
 * responses, and every response carries its request's token (RFC 7252
 * 5.3.2); a piggybacked ACK or a RST also carries the request's Message
 * ID. The bridge keeps a small table of recent requests (peer, Message
 * ID, token; BRIDGE_PENDING entries, the oldest replaced first, each
 * forgotten after BRIDGE_LIFETIME seconds or once answered) and
 * matches an ACK/RST on Message ID and token, a CON/NON response on the
 * token. Many clients may have requests in flight at once. Two peers
 * using the same token at the same moment (an empty token, say) could
 * be confused for a NON response; the newest request wins, and the
 * loser retransmits.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "net.h"
#include "obol/err.h"
#include "obol/slip.h"

#define PROG "obol bridge"
#define BRIDGE_DGRAM_MAX 1280    /* as obol rs serve */
#define BRIDGE_PENDING 32
#define BRIDGE_LIFETIME 60       /* seconds a request waits for its answer */

static const char bridge_help[] =
	"usage: obol bridge --serial tcp:HOST:PORT|unix:PATH\n"
	"                   [--listen coap://HOST[:PORT]] [--connect-timeout S]\n"
	"                   [--quiet] [--log FILE]\n"
	"\n"
	"Carry CoAP between UDP and a serial line with SLIP framing (RFC 1055):\n"
	"every UDP datagram to --listen is sent as one frame on the line, every\n"
	"frame from the line goes back to the UDP peer whose request it answers\n"
	"(matched on token and Message ID). For obol's nRF51822 firmware under\n"
	"QEMU:\n"
	"  qemu-system-arm -M microbit -display none -monitor none \\\n"
	"    -semihosting-config enable=on,target=native \\\n"
	"    -serial tcp:127.0.0.1:5690,server=on,wait=on -kernel obol-rs.elf &\n"
	"  obol bridge --serial tcp:127.0.0.1:5690 --listen coap://127.0.0.1:5683\n"
	"\n"
	"options:\n"
	"  --serial LINE        tcp:HOST:PORT or unix:PATH (the bridge connects)\n"
	"  --listen URI         UDP address to serve (default coap://127.0.0.1:5683)\n"
	"  --connect-timeout S  keep trying to connect to the line for S seconds\n"
	"                       (default 10; QEMU may still be starting)\n"
	"  --quiet              log start, stop and problems only\n"
	"  --log FILE           append the log to FILE (default: standard error)\n"
	"\n"
	"The bridge stops on SIGINT/SIGTERM or when the line closes (exit 1).\n";

enum { OPT_HELP = 1, OPT_SERIAL, OPT_LISTEN, OPT_TIMEOUT, OPT_QUIET, OPT_LOG };

static const struct cli_opt bridge_opts[] = {
	{"help", 0, OPT_HELP},       {"serial", 1, OPT_SERIAL},
	{"listen", 1, OPT_LISTEN},   {"connect-timeout", 1, OPT_TIMEOUT},
	{"quiet", 0, OPT_QUIET},     {"log", 1, OPT_LOG},
	{NULL, 0, 0}};

struct pending {
	struct sockaddr_storage peer;
	socklen_t peer_len;
	time_t when;     /* 0: free */
	uint16_t mid;
	uint8_t tkl;
	uint8_t token[8];
};

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static FILE *logf_;

static void log_line(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void log_line(const char *fmt, ...)
{
	struct timespec ts;
	struct tm tm;
	char buf[32];
	va_list ap;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
	fprintf(logf_, "%s.%03ldZ obol-bridge ", buf, ts.tv_nsec / 1000000L);
	va_start(ap, fmt);
	vfprintf(logf_, fmt, ap);
	va_end(ap);
	fputc('\n', logf_);
}

static int bind_udp(const char *uri)
{
	const char *why;
	int fd;

	if (net_udp_listen(uri, &fd, &why) != NET_OK) {
		fprintf(stderr, PROG ": --listen %s: %s\n", uri, why);
		return -1;
	}
	return fd;
}

/* One attempt to connect to the line: the socket, -1 to retry, -2 never. */
static int connect_line(const char *line)
{
	int fd = -1;

	if (strncmp(line, "tcp:", 4) == 0) {
		char host[256], port[8];
		struct addrinfo hints, *res = NULL, *ai;

		if (net_split_host_port(line + 4, host, sizeof host, port,
				    sizeof port, NULL) != 0)
			return -2;
		memset(&hints, 0, sizeof hints);
		hints.ai_family = AF_UNSPEC;
		hints.ai_socktype = SOCK_STREAM;
		hints.ai_flags = AI_NUMERICSERV;
		if (getaddrinfo(host, port, &hints, &res) != 0)
			return -2;
		for (ai = res; ai != NULL && fd < 0; ai = ai->ai_next) {
			fd = socket(ai->ai_family, ai->ai_socktype, 0);
			if (fd >= 0 && connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
				close(fd);
				fd = -1;
			}
		}
		freeaddrinfo(res);
		return fd;
	}
	if (strncmp(line, "unix:", 5) == 0) {
		struct sockaddr_un sun;

		if (strlen(line + 5) >= sizeof sun.sun_path || line[5] == 0)
			return -2;
		memset(&sun, 0, sizeof sun);
		sun.sun_family = AF_UNIX;
		strcpy(sun.sun_path, line + 5);
		fd = socket(AF_UNIX, SOCK_STREAM, 0);
		if (fd >= 0 && connect(fd, (struct sockaddr *)&sun, sizeof sun) != 0) {
			close(fd);
			fd = -1;
		}
		return fd;
	}
	return -2;
}

static int write_all(int fd, const uint8_t *p, size_t n)
{
	while (n > 0) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static void peer_text(const struct sockaddr_storage *a, char *out, size_t cap)
{
	char host[INET6_ADDRSTRLEN] = "?";

	if (a->ss_family == AF_INET) {
		const struct sockaddr_in *s = (const struct sockaddr_in *)a;

		inet_ntop(AF_INET, &s->sin_addr, host, sizeof host);
		snprintf(out, cap, "%s:%u", host, (unsigned)ntohs(s->sin_port));
	} else {
		const struct sockaddr_in6 *s = (const struct sockaddr_in6 *)a;

		inet_ntop(AF_INET6, &s->sin6_addr, host, sizeof host);
		snprintf(out, cap, "[%s]:%u", host, (unsigned)ntohs(s->sin6_port));
	}
}

/* The CoAP header fields the bridge matches on (RFC 7252 3). 0 or -1. */
static int coap_head(const uint8_t *m, size_t n, unsigned *type,
		     uint16_t *mid, uint8_t *tkl, const uint8_t **token)
{
	if (n < 4 || (m[0] >> 6) != 1 || (m[0] & 15) > 8 ||
	    n < 4u + (m[0] & 15u))
		return -1;
	*type = (m[0] >> 4) & 3u;
	*tkl = m[0] & 15u;
	*mid = (uint16_t)(m[2] << 8 | m[3]);
	*token = m + 4;
	return 0;
}

#define COAP_CON 0u
#define COAP_NON 1u
#define COAP_ACK 2u
#define COAP_RST 3u

static void remember(struct pending *tab, const struct sockaddr_storage *peer,
		     socklen_t peer_len, const uint8_t *m, size_t n, time_t now)
{
	struct pending *slot = NULL, *e;
	const uint8_t *token;
	unsigned type;
	uint16_t mid;
	uint8_t tkl;
	size_t i;

	if (coap_head(m, n, &type, &mid, &tkl, &token) != 0)
		return; /* the device drops it: nothing will come back */
	for (i = 0; i < BRIDGE_PENDING; i++) {
		e = &tab[i];
		if (e->when != 0 && now - e->when > BRIDGE_LIFETIME)
			e->when = 0;
		/* A retransmission (same peer, same MID) reuses its entry. */
		if (e->when != 0 && e->mid == mid && e->peer_len == peer_len &&
		    memcmp(&e->peer, peer, peer_len) == 0) {
			slot = e;
			break;
		}
		if (slot == NULL || (slot->when != 0 &&
				     (e->when == 0 || e->when < slot->when)))
			slot = e;
	}
	memcpy(&slot->peer, peer, peer_len);
	slot->peer_len = peer_len;
	slot->when = now;
	slot->mid = mid;
	slot->tkl = tkl;
	memcpy(slot->token, token, tkl);
}

/* The entry a response answers, or NULL. */
static struct pending *match(struct pending *tab, const uint8_t *m, size_t n)
{
	struct pending *best = NULL, *e;
	const uint8_t *token;
	unsigned type;
	uint16_t mid;
	uint8_t tkl;
	size_t i;

	if (coap_head(m, n, &type, &mid, &tkl, &token) != 0)
		return NULL;
	for (i = 0; i < BRIDGE_PENDING; i++) {
		e = &tab[i];
		if (e->when == 0)
			continue;
		if (type == COAP_ACK || type == COAP_RST) {
			/* A RST or an Empty ACK has no token (the
			 * request's may not be empty). */
			if (e->mid != mid || (tkl != 0 && (e->tkl != tkl ||
				memcmp(e->token, token, tkl) != 0)))
				continue;
		} else if (e->tkl != tkl || memcmp(e->token, token, tkl) != 0) {
			continue;
		}
		if (best == NULL || e->when >= best->when)
			best = e;
	}
	return best;
}

static int run(int udp, int line, int quiet)
{
	static struct pending tab[BRIDGE_PENDING];
	static uint8_t dgram[BRIDGE_DGRAM_MAX], frame[2 * BRIDGE_DGRAM_MAX + 2];
	static uint8_t rx[BRIDGE_DGRAM_MAX];
	struct obol_slip_dec dec;
	unsigned long up = 0, down = 0, dropped = 0;
	int status = 0;

	obol_slip_dec_init(&dec);
	/* An END first: whatever the line holds is flushed as an empty frame. */
	frame[0] = OBOL_SLIP_END;
	if (write_all(line, frame, 1) != 0)
		return 1;
	while (!stop_requested) {
		struct pollfd pfd[2] = {{udp, POLLIN, 0}, {line, POLLIN, 0}};
		char peer[80];

		if (poll(pfd, 2, 1000) <= 0)
			continue;
		if (pfd[0].revents & POLLIN) {
			struct sockaddr_storage from;
			socklen_t fromlen = sizeof from;
			ssize_t n = recvfrom(udp, dgram, sizeof dgram, 0,
					     (struct sockaddr *)&from, &fromlen);
			size_t flen;

			if (n > 0) {
				remember(tab, &from, fromlen, dgram, (size_t)n,
					 time(NULL));
				(void)obol_slip_encode(dgram, (size_t)n, frame,
						       sizeof frame, &flen);
				if (write_all(line, frame, flen) != 0) {
					log_line("event=error detail=\"serial "
						 "line: write failed\"");
					status = 1;
					break;
				}
				up++;
				if (!quiet) {
					peer_text(&from, peer, sizeof peer);
					log_line("event=up from=%s size=%zd", peer, n);
				}
			}
		}
		if (pfd[1].revents & (POLLIN | POLLHUP | POLLERR)) {
			uint8_t buf[512];
			ssize_t n = recv(line, buf, sizeof buf, 0), i;

			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0) {
				log_line("event=error detail=\"serial line "
					 "closed\"");
				status = 1;
				break;
			}
			for (i = 0; i < n; i++) {
				size_t len;
				int rc = obol_slip_dec_byte(&dec, rx, sizeof rx,
							    buf[i], &len);
				struct pending *e;

				if (rc < 0) {
					dropped++;
					log_line("event=dropped detail=\"%s\"",
						 obol_err_str(rc));
				}
				if (rc != 1)
					continue;
				e = match(tab, rx, len);
				if (e == NULL) {
					dropped++;
					log_line("event=dropped size=%zu "
						 "detail=\"answers no request "
						 "in flight\"", len);
					continue;
				}
				if (sendto(udp, rx, len, 0,
					   (struct sockaddr *)&e->peer,
					   e->peer_len) < 0)
					log_line("event=send_failed detail=\"%s\"",
						 strerror(errno));
				e->when = 0;
				down++;
				if (!quiet) {
					peer_text(&e->peer, peer, sizeof peer);
					log_line("event=down to=%s size=%zu",
						 peer, len);
				}
			}
		}
	}
	log_line("event=stopped up=%lu down=%lu dropped=%lu", up, down,
		 dropped);
	return status;
}

int cli_bridge(int argc, char **argv)
{
	const char *val, *serial = NULL, *listen = "coap://127.0.0.1:5683";
	const char *log_path = NULL;
	struct cli_args a;
	struct sigaction sa;
	int64_t timeout = 10;
	int id, quiet = 0, udp, line = -1, rc;
	struct timespec start, now;

	memset(&a, 0, sizeof a);
	a.argc = argc;
	a.argv = argv;
	while ((id = cli_next_opt(&a, PROG, bridge_opts, &val)) != CLI_OPT_END) {
		switch (id) {
		case OPT_HELP:
			fputs(bridge_help, stdout);
			return CLI_EXIT_OK;
		case OPT_SERIAL: serial = val; break;
		case OPT_LISTEN: listen = val; break;
		case OPT_TIMEOUT:
			if (cli_int_arg(PROG, "connect-timeout", val, 0, 3600,
					&timeout) != 0)
				return CLI_EXIT_USAGE;
			break;
		case OPT_QUIET: quiet = 1; break;
		case OPT_LOG: log_path = val; break;
		case CLI_OPT_OPERAND:
			fprintf(stderr, PROG ": unexpected argument '%s'\n", val);
			return CLI_EXIT_USAGE;
		default:
			return CLI_EXIT_USAGE;
		}
	}
	if (serial == NULL) {
		fputs(PROG ": --serial is required (try --help)\n", stderr);
		return CLI_EXIT_USAGE;
	}
	if (strncmp(serial, "tcp:", 4) != 0 && strncmp(serial, "unix:", 5) != 0) {
		fprintf(stderr, PROG ": --serial %s: expected tcp:HOST:PORT or "
			"unix:PATH\n", serial);
		return CLI_EXIT_USAGE;
	}
	logf_ = stderr;
	if (log_path != NULL) {
		logf_ = fopen(log_path, "a");
		if (logf_ == NULL) {
			fprintf(stderr, PROG ": --log %s: cannot open\n", log_path);
			return CLI_EXIT_FAIL;
		}
	}
	setvbuf(logf_, NULL, _IOLBF, 0);
	udp = bind_udp(listen);
	if (udp < 0)
		return CLI_EXIT_FAIL;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		line = connect_line(serial);
		if (line >= 0 || line == -2 || stop_requested)
			break;
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec - start.tv_sec >= timeout)
			break;
		{
			struct timespec pause = {0, 100 * 1000 * 1000};

			nanosleep(&pause, NULL);
		}
	}
	if (line < 0) {
		fprintf(stderr, PROG ": --serial %s: cannot connect\n", serial);
		close(udp);
		return CLI_EXIT_FAIL;
	}
	log_line("event=ready serial=%s listen=%s", serial, listen);
	rc = run(udp, line, quiet);
	close(line);
	close(udp);
	if (logf_ != stderr)
		fclose(logf_);
	return rc == 0 ? CLI_EXIT_OK : CLI_EXIT_FAIL;
}
