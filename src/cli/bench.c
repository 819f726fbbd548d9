/*
 * obol bench: benchmarks that print figures.
 *
 *   as   the Authorization Server's token issuance rate (BRIEF 3: at
 *        least 0.7 x a bare libcoap server's GET rate, in the same run)
 *
 * `obol bench as` is self-contained: a store in a temporary directory,
 * the AS in a child process (as_server_run), a closed-loop load generator
 * over plain UDP built on the core's CoAP codec (not libcoap, so that
 * the generator's cost is the same for both servers), Debian's
 * coap-server-notls as the baseline, and libcoap's client for the DTLS
 * figure (a PSK session is libcoap's job, not ours).
 *
 * The load generator keeps N confirmable requests outstanding, each with
 * its own message id and an 8-byte token (slot index, sequence number);
 * each response sends the next request of its slot. There is no CoAP
 * retransmission: a request unanswered after --timeout seconds counts as
 * lost ("timeouts") and its slot sends a new one; a response that comes
 * after that is counted "late" (and, for /token, still recorded).
 *
 * Test aids (tests/as/durability.sh): --setup-only, --serve and --load
 * run the three parts separately, so that the AS is its own process that
 * a test can SIGKILL.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <coap3/coap.h>

#include "cli.h"
#include "obol/aif.h"
#include "endpoints.h"
#include "net.h"
#include "obol/crypto.h"
#include "server.h"
#include "store.h"

#define PROG "obol bench"
#define PROG_AS "obol bench as"

#define BENCH_CLIENT "bench-client"
#define BENCH_AUDIENCE "bench-rs"
#define BENCH_DB "as.db"
#define BENCH_LOG "as.log"
#define BENCH_BARE "coap-server-notls"
#define BENCH_TARGET 0.70
#define BENCH_SOCKETS 4       /* UDP sockets (client endpoints) of the load */
#define BENCH_SLOTS_MAX 1024
#define BENCH_DGRAM_MAX 2048

static const char bench_help[] =
	"usage: obol bench <benchmark> [options]\n"
	"\n"
	"Benchmarks that print figures.\n"
	"\n"
	"benchmarks:\n"
	"  as     Authorization Server token issuance against a bare libcoap\n"
	"         server (BRIEF 3: >= 0.70 x its GET rate)\n"
	"\n"
	"Run 'obol bench <benchmark> --help' for its options.\n";

static const char as_help[] =
	"usage: obol bench as [--seconds S] [--inflight N] [--sessions K]\n"
	"                     [--warmup S] [--timeout S] [--json]\n"
	"\n"
	"Measure the Authorization Server's token issuance (RFC 9200 POST\n"
	"/token) on the loopback, in one self-contained run:\n"
	"  1. a store in a temporary directory: a client, an RS (OSCORE\n"
	"     profile), a grant [[\"/temp\", GET]];\n"
	"  2. the AS in a child process, --insecure-dev, listening on coap://\n"
	"     and coaps:// at free ports of 127.0.0.1;\n"
	"  3. tokens/s over coap://: a closed-loop load generator (plain UDP,\n"
	"     obol's CoAP codec) keeps N confirmable requests outstanding\n"
	"     (client_id, client_secret and audience in the payload);\n"
	"  4. requests/s of GET / on Debian's " BENCH_BARE " (libcoap), with\n"
	"     the same generator and N: the baseline, measured in the same run;\n"
	"  5. tokens/s over coaps:// (DTLS, PSK = the client's secret) with\n"
	"     libcoap's client on K sessions whose handshakes are done before\n"
	"     the timed window (N requests outstanding in all).\n"
	"The AS and the baseline get the same warm-up, window and load. The\n"
	"temporary directory is removed and the servers stopped at the end.\n"
	"\n"
	"options:\n"
	"  --seconds S    length of each timed window (default 5)\n"
	"  --inflight N   requests outstanding (default 32, at most 1024)\n"
	"  --sessions K   DTLS sessions for the coaps:// figure (default 4)\n"
	"  --warmup S     seconds of load before each window (default 1)\n"
	"  --timeout S    a request unanswered this long is lost and replaced\n"
	"                 (no CoAP retransmission; default 2)\n"
	"  --json         print the figures as one JSON object\n"
	"  -h, --help     show this help\n"
	"\n"
	"Test aids (tests/as/durability.sh), each a part of the above alone:\n"
	"  --setup-only DIR   create the store DIR/" BENCH_DB " and print\n"
	"                     db=, client_id=, client_secret=, audience=,\n"
	"                     rs_key= (hex), one a line\n"
	"  --serve DIR --port P [--port-dtls P2] [--log FILE]\n"
	"                     run the AS on DIR/" BENCH_DB " (coap://127.0.0.1:P,\n"
	"                     --insecure-dev, quiet) until SIGTERM; log to FILE\n"
	"                     (default DIR/" BENCH_LOG ")\n"
	"  --load HOST:PORT --secret TEXT [--client ID] [--audience AUD]\n"
	"                     [--record FILE] [--get]\n"
	"                     run the load generator on an IPv4 address for\n"
	"                     --seconds (after --warmup, default 0 here) and\n"
	"                     print the counts; --record appends the hex of the\n"
	"                     access_token of every 2.01 response received, one\n"
	"                     a line, flushed per line; --get loads GET /\n"
	"                     instead of POST /token\n"
	"\n"
	"Exit status: 0 measured (a MISS of the target is still 0); 1 a part\n"
	"failed; 2 bad command line.\n";

/* Set by SIGINT/SIGTERM: stop measuring and clean up. */
static volatile sig_atomic_t bench_stop;

static void on_stop(int sig)
{
	(void)sig;
	bench_stop = 1;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void sleep_s(double s)
{
	struct timespec ts;

	ts.tv_sec = (time_t)s;
	ts.tv_nsec = (long)((s - (double)ts.tv_sec) * 1e9);
	nanosleep(&ts, NULL);
}

/* ---- the store -------------------------------------------------------- */

struct bench_creds {
	char db[512];
	char client[AS_NAME_MAX + 1];
	char secret[33];        /* printable: the hex of 16 random bytes */
	char audience[AS_NAME_MAX + 1];
	uint8_t rs_key[16];
};

static void hex_text(char *out, const uint8_t *p, size_t n)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = digits[p[i] >> 4];
		out[2 * i + 1] = digits[p[i] & 15];
	}
	out[2 * n] = 0;
}

/* A store at dir/as.db with one client, one RS and a grant. */
static int setup_store(const char *dir, struct bench_creds *cr)
{
	struct obol_aif_entry e = {"/temp", 5, OBOL_AIF_GET};
	struct as_store *st = NULL;
	struct as_client c;
	struct as_rs rs;
	struct as_grant g;
	obol_cbor_enc enc;
	uint8_t rnd[16];
	char err[256];
	int64_t now = (int64_t)time(NULL);
	int rc = -1;

	memset(cr, 0, sizeof *cr);
	memset(&c, 0, sizeof c);
	memset(&rs, 0, sizeof rs);
	memset(&g, 0, sizeof g);
	snprintf(cr->db, sizeof cr->db, "%s/%s", dir, BENCH_DB);
	snprintf(cr->client, sizeof cr->client, "%s", BENCH_CLIENT);
	snprintf(cr->audience, sizeof cr->audience, "%s", BENCH_AUDIENCE);
	if (obol_port_random(rnd, sizeof rnd) != OBOL_OK ||
	    obol_port_random(cr->rs_key, sizeof cr->rs_key) != OBOL_OK ||
	    obol_port_random(rs.secret, 16) != OBOL_OK) {
		fputs(PROG_AS ": no randomness\n", stderr);
		return -1;
	}
	hex_text(cr->secret, rnd, sizeof rnd);
	obol_wipe(rnd, sizeof rnd);

	if (as_store_open(cr->db, 1, AS_SYNC_NORMAL, &st, err, sizeof err) !=
	    AS_OK) {
		fprintf(stderr, PROG_AS ": %s\n", err);
		return -1;
	}
	snprintf(c.id, sizeof c.id, "%s", cr->client);
	c.secret_len = strlen(cr->secret);
	memcpy(c.secret, cr->secret, c.secret_len);
	c.created = now;
	snprintf(rs.audience, sizeof rs.audience, "%s", cr->audience);
	memcpy(rs.key, cr->rs_key, sizeof cr->rs_key);
	rs.key_len = sizeof cr->rs_key;
	rs.secret_len = 16;
	rs.profiles = AS_PROFILE_BIT(2); /* coap_oscore (RFC 9203) */
	rs.has_clock = 1;
	rs.lifetime = 3600;
	rs.created = now;
	snprintf(g.client, sizeof g.client, "%s", cr->client);
	snprintf(g.audience, sizeof g.audience, "%s", cr->audience);
	g.scope_type = AS_SCOPE_AIF;
	obol_cbor_enc_init(&enc, g.scope, sizeof g.scope);
	obol_aif_write(&enc, &e, 1);
	g.created = now;
	if (obol_cbor_enc_finish(&enc, &g.scope_len) != OBOL_OK) {
		fputs(PROG_AS ": cannot encode the scope\n", stderr);
		goto out;
	}
	if (as_client_add(st, &c) != AS_OK || as_rs_add(st, &rs) != AS_OK ||
	    as_grant_add(st, &g) != AS_OK) {
		fprintf(stderr, PROG_AS ": %s: %s\n", cr->db,
			as_store_errmsg(st));
		goto out;
	}
	rc = 0;
out:
	obol_wipe(&c, sizeof c);
	obol_wipe(&rs, sizeof rs);
	as_store_close(st);
	return rc;
}

/* Remove dir and the files in it (the store, its WAL, the log). */
static void remove_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char path[1024];

	if (d != NULL) {
		while ((de = readdir(d)) != NULL) {
			if (strcmp(de->d_name, ".") == 0 ||
			    strcmp(de->d_name, "..") == 0)
				continue;
			snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
			unlink(path);
		}
		closedir(d);
	}
	rmdir(dir);
}

/* ---- processes -------------------------------------------------------- */

/* A free UDP port of 127.0.0.1 (bound once, then released), or 0. */
static unsigned free_port(void)
{
	struct sockaddr_in a;
	socklen_t alen = sizeof a;
	int s = socket(AF_INET, SOCK_DGRAM, 0);
	unsigned port = 0;

	if (s < 0)
		return 0;
	memset(&a, 0, sizeof a);
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(s, (struct sockaddr *)&a, sizeof a) == 0 &&
	    getsockname(s, (struct sockaddr *)&a, &alen) == 0)
		port = ntohs(a.sin_port);
	close(s);
	return port;
}

/* Run the AS in this process until SIGTERM/SIGINT. */
static int run_as(const char *db, unsigned port, unsigned port_dtls,
		  const char *log_path)
{
	struct as_server_opts o;
	char l1[64], l2[64];
	int rc;

	memset(&o, 0, sizeof o);
	o.db = db;
	snprintf(l1, sizeof l1, "coap://127.0.0.1:%u", port);
	o.listen[o.nlisten++] = l1;
	if (port_dtls != 0) {
		snprintf(l2, sizeof l2, "coaps://127.0.0.1:%u", port_dtls);
		o.listen[o.nlisten++] = l2;
	}
	o.insecure_dev = 1;
	o.quiet = 1;
	o.sync = AS_SYNC_NORMAL;
	o.purge_interval = 3600;
	o.log = fopen(log_path, "a");
	if (o.log == NULL) {
		fprintf(stderr, PROG_AS ": %s: cannot open\n", log_path);
		return 1;
	}
	rc = as_server_run(&o);
	fclose(o.log);
	return rc;
}

/* The AS in a child process. */
static pid_t start_as(const char *db, unsigned port, unsigned port_dtls,
		      const char *log_path)
{
	pid_t pid;

	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		_exit(run_as(db, port, port_dtls, log_path) == 0 ? 0 : 1);
	}
	if (pid < 0)
		fprintf(stderr, PROG_AS ": fork: %s\n", strerror(errno));
	return pid;
}

/* Wait up to timeout seconds for "event=ready" in the log; 0 or -1. */
static int wait_ready(const char *log_path, pid_t pid, double timeout)
{
	double end = now_s() + timeout;
	char line[1024];
	int status;

	while (now_s() < end && !bench_stop) {
		FILE *f = fopen(log_path, "r");

		if (f != NULL) {
			while (fgets(line, sizeof line, f) != NULL) {
				if (strstr(line, "event=ready") != NULL) {
					fclose(f);
					return 0;
				}
				if (strstr(line, "event=error") != NULL)
					fprintf(stderr, PROG_AS ": AS: %s", line);
			}
			fclose(f);
		}
		if (waitpid(pid, &status, WNOHANG) == pid) {
			fputs(PROG_AS ": the AS exited before it was ready\n",
			      stderr);
			return -1;
		}
		sleep_s(0.02);
	}
	fprintf(stderr, PROG_AS ": the AS was not ready after %.0f s\n",
		timeout);
	return -1;
}

/* SIGTERM, then SIGKILL if it has not exited after 5 s; reaps it. */
static void stop_child(pid_t pid)
{
	double end;
	int status;

	if (pid <= 0)
		return;
	kill(pid, SIGTERM);
	end = now_s() + 5;
	while (now_s() < end) {
		pid_t r = waitpid(pid, &status, WNOHANG);

		if (r == pid || (r < 0 && errno != EINTR))
			return;
		sleep_s(0.01);
	}
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
}

/* 1 if name is an executable file in a $PATH directory. */
static int on_path(const char *name)
{
	const char *p = getenv("PATH");
	char path[1024];

	while (p != NULL && *p != 0) {
		const char *colon = strchr(p, ':');
		size_t n = colon != NULL ? (size_t)(colon - p) : strlen(p);

		snprintf(path, sizeof path, "%.*s/%s", (int)n, p, name);
		if (n > 0 && access(path, X_OK) == 0)
			return 1;
		p = colon != NULL ? colon + 1 : NULL;
	}
	return 0;
}

/* coap-server-notls on 127.0.0.1:port, its output to /dev/null. */
static pid_t start_bare(unsigned port)
{
	char portbuf[16];
	pid_t pid;

	snprintf(portbuf, sizeof portbuf, "%u", port);
	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		char *args[] = {(char *)(uintptr_t)BENCH_BARE,
				(char *)(uintptr_t)"-A",
				(char *)(uintptr_t)"127.0.0.1",
				(char *)(uintptr_t)"-p", portbuf,
				(char *)(uintptr_t)"-v",
				(char *)(uintptr_t)"0", NULL};
		int fd = open("/dev/null", O_RDWR);

		if (fd >= 0) {
			dup2(fd, 0);
			dup2(fd, 1);
			dup2(fd, 2);
			close(fd);
		}
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		execvp(BENCH_BARE, args);
		_exit(127);
	}
	if (pid < 0)
		fprintf(stderr, PROG_AS ": fork: %s\n", strerror(errno));
	return pid;
}

/* ---- the load generator (plain UDP, obol's CoAP codec) ----------------- */

enum load_kind { LOAD_TOKEN, LOAD_GET };

struct load_cfg {
	struct sockaddr_in dst;
	enum load_kind kind;
	const uint8_t *payload; /* the /token request map */
	size_t payload_len;
	unsigned inflight;
	double warmup, seconds, timeout;
	FILE *record;           /* NULL: do not record */
};

struct load_result {
	unsigned long ok;       /* 2.01 with an access token / 2.05 */
	unsigned long errors;   /* any other response, RST */
	unsigned long timeouts; /* unanswered after timeout: lost */
	unsigned long late;     /* responses after their timeout */
	unsigned long recorded; /* access tokens written to --record */
	double secs;            /* the window's actual length */
};

struct load_slot {
	uint32_t seq;
	uint16_t mid;
	double deadline;
	int sock;
};

/* The access_token (key 1) of a /token response map. */
static int access_token(const uint8_t *p, size_t n, const uint8_t **tok,
			size_t *len)
{
	obol_cbor_dec d, m;
	size_t pairs, i;

	if (obol_cbor_dec_init(&d, p, n, OBOL_CBOR_STRICT) != OBOL_OK ||
	    obol_cbor_enter_map(&d, &m, &pairs) != OBOL_OK)
		return -1;
	for (i = 0; i < pairs; i++) {
		int64_t key = -1;

		if (obol_cbor_peek(&m) == OBOL_CBOR_UINT) {
			if (obol_cbor_get_int64(&m, &key) != OBOL_OK)
				return -1;
		} else if (obol_cbor_skip(&m) != OBOL_OK) {
			return -1;
		}
		if (key == 1)
			return obol_cbor_get_bstr(&m, tok, len) == OBOL_OK ? 0
									  : -1;
		if (obol_cbor_skip(&m) != OBOL_OK)
			return -1;
	}
	return -1;
}

/* The /token request over coap:// (RFC 9200 Table 5). */
static size_t token_request(uint8_t *buf, size_t cap, const char *client,
			    const char *secret, const char *audience)
{
	obol_cbor_enc e;
	size_t n = 0;

	obol_cbor_enc_init(&e, buf, cap);
	obol_cbor_put_map(&e, client != NULL ? 3 : 1);
	obol_cbor_put_uint(&e, 5);
	obol_cbor_put_text(&e, audience);
	if (client != NULL) {
		obol_cbor_put_uint(&e, 24);
		obol_cbor_put_text(&e, client);
		obol_cbor_put_uint(&e, 25);
		obol_cbor_put_bstr(&e, (const uint8_t *)secret, strlen(secret));
	}
	return obol_cbor_enc_finish(&e, &n) == OBOL_OK ? n : 0;
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

/* Send the next request of slot i (a new message id and token). */
static void load_send(const struct load_cfg *c, struct load_slot *s,
		      uint32_t i, uint16_t *next_mid, double now)
{
	uint8_t buf[BENCH_DGRAM_MAX], tok[8];
	struct obol_coap_builder b;
	size_t len = 0;

	s->seq++;
	s->mid = (*next_mid)++;
	s->deadline = now + c->timeout;
	put32(tok, i);
	put32(tok + 4, s->seq);
	if (c->kind == LOAD_TOKEN) {
		obol_coap_build_init(&b, buf, sizeof buf, OBOL_COAP_CON,
				     OBOL_COAP_POST, s->mid, tok, sizeof tok);
		obol_coap_add_uri_path(&b, "/token", 6);
		obol_coap_add_uint_option(&b, OBOL_COAP_OPT_CONTENT_FORMAT,
					  AS_CF_ACE_CBOR);
		obol_coap_set_payload(&b, c->payload, c->payload_len);
	} else {
		obol_coap_build_init(&b, buf, sizeof buf, OBOL_COAP_CON,
				     OBOL_COAP_GET, s->mid, tok, sizeof tok);
	}
	if (obol_coap_build_finish(&b, &len) != OBOL_OK)
		return; /* cannot happen: fixed sizes; times out if it does */
	/* A failed send (the server is down: ECONNREFUSED) times out. */
	(void)send(s->sock, buf, len, 0);
}

static void record_token(const struct load_cfg *c, struct load_result *r,
			 const uint8_t *tok, size_t len)
{
	char hex[2 * AS_RESPONSE_MAX + 1];

	if (c->record == NULL || len > AS_RESPONSE_MAX)
		return;
	hex_text(hex, tok, len);
	fprintf(c->record, "%s\n", hex);
	fflush(c->record);
	r->recorded++;
}

/* Handle one datagram received on socket sock. */
static void load_receive(const struct load_cfg *c, struct load_slot *slots,
			 const uint8_t *buf, size_t n, int sock, int counting,
			 uint16_t *next_mid, double now, struct load_result *r)
{
	struct obol_coap_msg m;
	const uint8_t *tok = NULL;
	size_t tok_len = 0;
	uint32_t i, seq;
	int good;

	if (obol_coap_parse(buf, n, &m) != OBOL_OK)
		return;
	if (m.type == OBOL_COAP_RST) {
		/* RST answers a message id: find its slot */
		for (i = 0; i < c->inflight; i++) {
			if (slots[i].mid == m.mid && slots[i].sock == sock) {
				if (counting)
					r->errors++;
				load_send(c, &slots[i], i, next_mid, now);
				break;
			}
		}
		return;
	}
	if (m.code == OBOL_COAP_EMPTY)
		return; /* an empty ACK: a separate response is to come */
	if (m.type == OBOL_COAP_CON) {
		/* a separate response: acknowledge it */
		uint8_t ack[4] = {0x60, 0, (uint8_t)(m.mid >> 8),
				  (uint8_t)m.mid};

		(void)send(sock, ack, sizeof ack, 0);
	} else if (m.type != OBOL_COAP_ACK) {
		return;
	}
	if (c->kind == LOAD_TOKEN) {
		good = m.code == OBOL_COAP_CREATED && m.payload != NULL &&
		       access_token(m.payload, m.payload_len, &tok,
				    &tok_len) == 0;
		/* Every token that reaches the client is recorded, late or
		 * not: the durability test needs them all. */
		if (good)
			record_token(c, r, tok, tok_len);
	} else {
		good = m.code == OBOL_COAP_CONTENT;
	}
	if (m.token_len != 8)
		return;
	i = get32(m.token);
	seq = get32(m.token + 4);
	if (i >= c->inflight || slots[i].seq != seq || slots[i].sock != sock) {
		if (counting)
			r->late++;
		return;
	}
	if (counting) {
		if (good)
			r->ok++;
		else
			r->errors++;
	}
	load_send(c, &slots[i], i, next_mid, now);
}

/* Run the closed loop: warm-up, then the timed window. 0 or -1. */
static int load_run(const struct load_cfg *c, struct load_result *r)
{
	struct load_slot *slots;
	struct pollfd fds[BENCH_SOCKETS];
	uint8_t buf[BENCH_DGRAM_MAX];
	unsigned nsock = c->inflight < BENCH_SOCKETS ? c->inflight
						     : BENCH_SOCKETS;
	uint16_t next_mid;
	uint8_t rnd[2];
	double now, start, end;
	unsigned k;
	uint32_t i;
	int rc = -1;

	memset(r, 0, sizeof *r);
	memset(fds, 0, sizeof fds);
	slots = cli_xmalloc(c->inflight * sizeof *slots);
	memset(slots, 0, c->inflight * sizeof *slots);
	for (k = 0; k < nsock; k++)
		fds[k].fd = -1;
	for (k = 0; k < nsock; k++) {
		int s = socket(AF_INET, SOCK_DGRAM, 0);

		if (s < 0 || connect(s, (const struct sockaddr *)&c->dst,
				     sizeof c->dst) != 0 ||
		    fcntl(s, F_SETFL, fcntl(s, F_GETFL) | O_NONBLOCK) != 0) {
			fprintf(stderr, PROG_AS ": socket: %s\n",
				strerror(errno));
			if (s >= 0)
				close(s);
			goto out;
		}
		fds[k].fd = s;
		fds[k].events = POLLIN;
	}
	next_mid = 1;
	if (obol_port_random(rnd, 2) == OBOL_OK)
		next_mid = (uint16_t)((unsigned)rnd[0] << 8 | rnd[1]);
	now = now_s();
	start = now + c->warmup;
	end = start + c->seconds;
	for (i = 0; i < c->inflight; i++) {
		slots[i].sock = fds[i % nsock].fd;
		slots[i].seq = (uint32_t)i * 7919u; /* distinct from the start */
		load_send(c, &slots[i], i, &next_mid, now);
	}
	while (!bench_stop) {
		double wake = end;
		int counting, ms;

		now = now_s();
		if (now >= end)
			break;
		counting = now >= start;
		for (i = 0; i < c->inflight; i++) {
			if (slots[i].deadline <= now) {
				if (counting)
					r->timeouts++;
				load_send(c, &slots[i], i, &next_mid, now);
			}
			if (slots[i].deadline < wake)
				wake = slots[i].deadline;
		}
		if (!counting && start < wake)
			wake = start;
		ms = (int)((wake - now) * 1000.0) + 1;
		if (ms > 100)
			ms = 100;
		if (poll(fds, nsock, ms) < 0) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, PROG_AS ": poll: %s\n", strerror(errno));
			goto out;
		}
		now = now_s();
		counting = now >= start && now < end;
		for (k = 0; k < nsock; k++) {
			if (fds[k].revents == 0)
				continue;
			for (;;) {
				ssize_t n = recv(fds[k].fd, buf, sizeof buf, 0);

				if (n < 0) {
					/* ICMP port unreachable (server
					 * down): nothing to read here */
					if (errno == ECONNREFUSED ||
					    errno == EINTR)
						continue;
					break;
				}
				load_receive(c, slots, buf, (size_t)n,
					     fds[k].fd, counting, &next_mid,
					     now, r);
			}
		}
	}
	r->secs = now_s() - start;
	if (r->secs > c->seconds)
		r->secs = c->seconds;
	rc = bench_stop ? -1 : 0;
out:
	for (k = 0; k < nsock; k++)
		if (fds[k].fd >= 0)
			close(fds[k].fd);
	free(slots);
	return rc;
}

static double rate(const struct load_result *r)
{
	return r->secs > 0 ? (double)r->ok / r->secs : 0;
}

/* Wait until a CoAP server at dst answers GET / (any response): 0 or -1. */
static int probe(const struct sockaddr_in *dst, double timeout)
{
	double end = now_s() + timeout;
	uint8_t buf[BENCH_DGRAM_MAX];
	struct obol_coap_builder b;
	struct pollfd pfd;
	uint16_t mid = 1;
	size_t len = 0;
	int s = socket(AF_INET, SOCK_DGRAM, 0), rc = -1;

	if (s < 0)
		return -1;
	if (connect(s, (const struct sockaddr *)dst, sizeof *dst) != 0)
		goto out;
	while (now_s() < end && !bench_stop) {
		obol_coap_build_init(&b, buf, sizeof buf, OBOL_COAP_CON,
				     OBOL_COAP_GET, mid++, NULL, 0);
		if (obol_coap_build_finish(&b, &len) != OBOL_OK)
			goto out;
		(void)send(s, buf, len, 0);
		pfd.fd = s;
		pfd.events = POLLIN;
		pfd.revents = 0;
		if (poll(&pfd, 1, 100) == 1 && recv(s, buf, sizeof buf, 0) > 0) {
			rc = 0;
			break;
		}
	}
out:
	close(s);
	return rc;
}

/* ---- DTLS: libcoap's client on established sessions -------------------- */

struct dtls_state {
	const uint8_t *payload;
	size_t payload_len;
	int sending;
	int counting;
	unsigned handshakes;    /* DTLS_CONNECTED events */
	unsigned failed;        /* sessions closed or failed */
	unsigned long ok, errors, timeouts;
};

static void dtls_send(struct dtls_state *ds, coap_session_t *s)
{
	coap_pdu_t *pdu;
	uint8_t tok[8], cf[4];
	size_t tok_len = 0;

	pdu = coap_new_pdu(COAP_MESSAGE_CON, COAP_REQUEST_CODE_POST, s);
	if (pdu == NULL) {
		ds->errors++;
		return;
	}
	coap_session_new_token(s, &tok_len, tok);
	if (!coap_add_token(pdu, tok_len, tok) ||
	    !coap_add_option(pdu, COAP_OPTION_URI_PATH, 5,
			     (const uint8_t *)"token") ||
	    !coap_add_option(pdu, COAP_OPTION_CONTENT_FORMAT,
			     coap_encode_var_safe(cf, sizeof cf,
						  AS_CF_ACE_CBOR),
			     cf) ||
	    !coap_add_data(pdu, ds->payload_len, ds->payload)) {
		coap_delete_pdu(pdu);
		ds->errors++;
		return;
	}
	if (coap_send(s, pdu) == COAP_INVALID_MID)
		ds->errors++;
}

static coap_response_t dtls_response(coap_session_t *s,
				     const coap_pdu_t *sent,
				     const coap_pdu_t *rcvd,
				     const coap_mid_t mid)
{
	struct dtls_state *ds =
		coap_get_app_data(coap_session_get_context(s));

	(void)sent;
	(void)mid;
	if (ds->counting) {
		if (coap_pdu_get_code(rcvd) == COAP_RESPONSE_CODE(201))
			ds->ok++;
		else
			ds->errors++;
	}
	if (ds->sending)
		dtls_send(ds, s);
	return COAP_RESPONSE_OK;
}

static void dtls_nack(coap_session_t *s, const coap_pdu_t *sent,
		      const coap_nack_reason_t reason, const coap_mid_t mid)
{
	struct dtls_state *ds =
		coap_get_app_data(coap_session_get_context(s));

	(void)sent;
	(void)reason;
	(void)mid;
	if (ds->counting)
		ds->timeouts++;
	if (ds->sending)
		dtls_send(ds, s);
}

static int dtls_event(coap_session_t *s, const coap_event_t event)
{
	struct dtls_state *ds =
		coap_get_app_data(coap_session_get_context(s));

	if (event == COAP_EVENT_DTLS_CONNECTED)
		ds->handshakes++;
	else if (event == COAP_EVENT_DTLS_CLOSED ||
		 event == COAP_EVENT_DTLS_ERROR)
		ds->failed++;
	return 0;
}

struct dtls_result {
	unsigned long ok, errors, timeouts;
	unsigned handshakes;
	unsigned sessions;
	double secs;
};

/*
 * K DTLS sessions to 127.0.0.1:port with PSK (identity client, key
 * secret), handshakes first, then inflight requests in all kept
 * outstanding (closed loop) through warm-up and window.
 */
static int dtls_run(unsigned port, const char *client, const char *secret,
		    const uint8_t *payload, size_t payload_len,
		    unsigned sessions, unsigned inflight, double warmup,
		    double seconds, struct dtls_result *res)
{
	struct dtls_state ds;
	coap_context_t *ctx;
	coap_session_t *sess[64];
	coap_address_t dst;
	struct sockaddr_in sin;
	double end, start;
	unsigned k, j, per, extra;
	int rc = -1;

	memset(&ds, 0, sizeof ds);
	memset(res, 0, sizeof *res);
	memset(sess, 0, sizeof sess);
	ds.payload = payload;
	ds.payload_len = payload_len;
	coap_startup();
	coap_set_log_level(LOG_EMERG);
	coap_dtls_set_log_level(LOG_EMERG);
	ctx = coap_new_context(NULL);
	if (ctx == NULL) {
		fputs(PROG_AS ": libcoap: no context\n", stderr);
		coap_cleanup();
		return -1;
	}
	coap_set_app_data(ctx, &ds);
	coap_register_response_handler(ctx, dtls_response);
	coap_register_nack_handler(ctx, dtls_nack);
	coap_register_event_handler(ctx, dtls_event);

	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin.sin_port = htons((uint16_t)port);
	coap_address_init(&dst);
	memcpy(&dst.addr.sin, &sin, sizeof sin);
	dst.size = sizeof sin;

	if (sessions > inflight)
		sessions = inflight;
	per = inflight / sessions;
	extra = inflight % sessions;
	for (k = 0; k < sessions; k++) {
		sess[k] = net_coaps_session(ctx, &dst, client,
					    (const uint8_t *)secret,
					    strlen(secret));
		if (sess[k] == NULL) {
			fputs(PROG_AS ": libcoap: cannot start a DTLS "
			      "session\n", stderr);
			goto out;
		}
		coap_session_set_nstart(sess[k],
					(uint16_t)(per + (k < extra)));
	}
	/* The handshakes, before any timing. */
	end = now_s() + 10;
	while (ds.handshakes < sessions && ds.failed == 0 && now_s() < end &&
	       !bench_stop)
		coap_io_process(ctx, 50);
	if (ds.handshakes < sessions) {
		fprintf(stderr, PROG_AS ": DTLS: %u of %u handshakes done\n",
			ds.handshakes, sessions);
		goto out;
	}
	ds.sending = 1;
	for (k = 0; k < sessions; k++)
		for (j = 0; j < per + (k < extra); j++)
			dtls_send(&ds, sess[k]);
	start = now_s() + warmup;
	while (now_s() < start && !bench_stop)
		coap_io_process(ctx, 10);
	ds.counting = 1;
	start = now_s();
	end = start + seconds;
	while (now_s() < end && !bench_stop)
		coap_io_process(ctx, 10);
	ds.counting = 0;
	ds.sending = 0;
	res->secs = now_s() - start;
	rc = bench_stop ? -1 : 0;
out:
	res->ok = ds.ok;
	res->errors = ds.errors;
	res->timeouts = ds.timeouts;
	res->handshakes = ds.handshakes;
	res->sessions = sessions;
	for (k = 0; k < sessions; k++)
		if (sess[k] != NULL)
			coap_session_release(sess[k]);
	coap_free_context(ctx);
	coap_cleanup();
	return rc;
}

/* ---- the whole benchmark ---------------------------------------------- */

struct as_opts {
	double seconds, warmup, timeout;
	unsigned inflight, sessions;
	int json;
	int warmup_set;
	/* test aids */
	const char *setup_dir, *serve_dir, *load, *record, *log;
	const char *client, *secret, *audience;
	unsigned port, port_dtls;
	int get;
};

static void print_counts(const char *name, const struct load_result *r)
{
	printf("  %-26s ok=%lu errors=%lu timeouts=%lu late=%lu in %.2f s\n",
	       name, r->ok, r->errors, r->timeouts, r->late, r->secs);
}

static void json_counts(const char *name, const char *unit,
			const struct load_result *r, int last)
{
	printf("  \"%s\": {\"%s\": %.1f, \"ok\": %lu, \"errors\": %lu, "
	       "\"timeouts\": %lu, \"late\": %lu, \"seconds\": %.3f}%s\n",
	       name, unit, rate(r), r->ok, r->errors, r->timeouts, r->late,
	       r->secs, last ? "" : ",");
}

static int bench_full(const struct as_opts *o)
{
	struct bench_creds cr;
	struct load_cfg lc;
	struct load_result tok_r, get_r;
	struct dtls_result dr;
	uint8_t payload[512], dpayload[256];
	char dir[512], log_path[600];
	const char *base = getenv("TMPDIR");
	pid_t as_pid = -1, bare_pid = -1;
	unsigned port, port_dtls, port_bare;
	int have_bare = 0, have_dtls = 0, rc = CLI_EXIT_FAIL;
	double ratio = 0, dtls_rate = 0;

	memset(&tok_r, 0, sizeof tok_r);
	memset(&get_r, 0, sizeof get_r);
	memset(&dr, 0, sizeof dr);
	snprintf(dir, sizeof dir, "%s/obol-bench-XXXXXX",
		 base != NULL && base[0] != 0 ? base : "/tmp");
	if (mkdtemp(dir) == NULL) {
		fprintf(stderr, PROG_AS ": mkdtemp %s: %s\n", dir,
			strerror(errno));
		return CLI_EXIT_FAIL;
	}
	snprintf(log_path, sizeof log_path, "%s/%s", dir, BENCH_LOG);
	if (setup_store(dir, &cr) != 0)
		goto out;

	/* 2. the AS */
	port = free_port();
	port_dtls = free_port();
	while (port_dtls == port && port != 0)
		port_dtls = free_port();
	if (port == 0 || port_dtls == 0) {
		fputs(PROG_AS ": no free UDP port\n", stderr);
		goto out;
	}
	as_pid = start_as(cr.db, port, port_dtls, log_path);
	if (as_pid < 0 || wait_ready(log_path, as_pid, 10) != 0)
		goto out;

	/* 3. tokens/s over coap:// */
	memset(&lc, 0, sizeof lc);
	lc.dst.sin_family = AF_INET;
	lc.dst.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	lc.dst.sin_port = htons((uint16_t)port);
	lc.kind = LOAD_TOKEN;
	lc.payload = payload;
	lc.payload_len = token_request(payload, sizeof payload, cr.client,
				       cr.secret, cr.audience);
	lc.inflight = o->inflight;
	lc.warmup = o->warmup;
	lc.seconds = o->seconds;
	lc.timeout = o->timeout;
	if (!o->json)
		fprintf(stderr, PROG_AS ": coap:// /token, %u in flight, "
			"%.0f s...\n", o->inflight, o->seconds);
	if (load_run(&lc, &tok_r) != 0)
		goto out;

	/* 4. the baseline */
	port_bare = free_port();
	if (!on_path(BENCH_BARE)) {
		fprintf(stderr, PROG_AS ": %s is not on PATH (Debian: "
			"libcoap3-bin): no baseline\n", BENCH_BARE);
	} else if (port_bare != 0 &&
		   (bare_pid = start_bare(port_bare)) > 0) {
		lc.dst.sin_port = htons((uint16_t)port_bare);
		if (probe(&lc.dst, 5) != 0) {
			fprintf(stderr, PROG_AS ": %s does not answer\n",
				BENCH_BARE);
		} else {
			if (!o->json)
				fprintf(stderr, PROG_AS ": %s GET /, %u in "
					"flight, %.0f s...\n", BENCH_BARE,
					o->inflight, o->seconds);
			lc.kind = LOAD_GET;
			if (load_run(&lc, &get_r) != 0)
				goto out;
			have_bare = get_r.ok > 0;
		}
		stop_child(bare_pid);
		bare_pid = -1;
	}

	/* 5. tokens/s over coaps://, sessions established first */
	if (!o->json)
		fprintf(stderr, PROG_AS ": coaps:// /token, %u sessions, %u "
			"in flight, %.0f s...\n", o->sessions, o->inflight,
			o->seconds);
	if (dtls_run(port_dtls, cr.client, cr.secret, dpayload,
		     token_request(dpayload, sizeof dpayload, NULL, NULL,
				   cr.audience),
		     o->sessions, o->inflight, o->warmup, o->seconds,
		     &dr) == 0)
		have_dtls = 1;
	else if (bench_stop)
		goto out;
	if (have_dtls && dr.secs > 0)
		dtls_rate = (double)dr.ok / dr.secs;

	/* 6. the figures */
	if (have_bare && rate(&get_r) > 0)
		ratio = rate(&tok_r) / rate(&get_r);
	if (o->json) {
		printf("{\n  \"benchmark\": \"as\",\n  \"seconds\": %.3f,\n"
		       "  \"warmup\": %.3f,\n  \"inflight\": %u,\n",
		       o->seconds, o->warmup, o->inflight);
		json_counts("coap_token", "tokens_per_s", &tok_r, 0);
		if (have_bare)
			json_counts("bare_get", "requests_per_s", &get_r, 0);
		else
			printf("  \"bare_get\": null,\n");
		if (have_bare)
			printf("  \"ratio\": %.3f,\n  \"target\": %.2f,\n"
			       "  \"pass\": %s,\n", ratio, BENCH_TARGET,
			       ratio >= BENCH_TARGET ? "true" : "false");
		else
			printf("  \"ratio\": null,\n  \"target\": %.2f,\n"
			       "  \"pass\": null,\n", BENCH_TARGET);
		if (have_dtls)
			printf("  \"coaps_token\": {\"tokens_per_s\": %.1f, "
			       "\"ok\": %lu, \"errors\": %lu, \"timeouts\": "
			       "%lu, \"sessions\": %u, \"handshakes\": %u, "
			       "\"seconds\": %.3f}\n}\n",
			       dtls_rate, dr.ok, dr.errors, dr.timeouts,
			       dr.sessions, dr.handshakes, dr.secs);
		else
			printf("  \"coaps_token\": null\n}\n");
	} else {
		printf("obol bench as: %g s windows after %g s warm-up, %u "
		       "requests in flight, loopback\n\n",
		       o->seconds, o->warmup, o->inflight);
		printf("  %-34s %10.0f\n", "tokens/s, coap:// (insecure-dev)",
		       rate(&tok_r));
		if (have_bare) {
			printf("  %-34s %10.0f\n", "bare " BENCH_BARE " GET/s",
			       rate(&get_r));
			printf("  %-34s %10.2f  (target >= %.2f: %s)\n",
			       "ratio", ratio, BENCH_TARGET,
			       ratio >= BENCH_TARGET ? "PASS" : "MISS");
		} else {
			printf("  %-34s %10s\n", "bare " BENCH_BARE " GET/s",
			       "n/a");
			printf("  %-34s %10s\n", "ratio", "n/a");
		}
		if (have_dtls)
			printf("  %-34s %10.0f  (%u sessions, %u handshakes, "
			       "before the window)\n",
			       "tokens/s, coaps:// (resumed)", dtls_rate,
			       dr.sessions, dr.handshakes);
		else
			printf("  %-34s %10s\n", "tokens/s, coaps://", "n/a");
		printf("\ncounts:\n");
		print_counts("coap:// /token", &tok_r);
		if (have_bare)
			print_counts("bare GET /", &get_r);
		if (have_dtls)
			printf("  %-26s ok=%lu errors=%lu timeouts=%lu in "
			       "%.2f s\n", "coaps:// /token", dr.ok,
			       dr.errors, dr.timeouts, dr.secs);
	}
	rc = have_bare && have_dtls ? CLI_EXIT_OK : CLI_EXIT_FAIL;
out:
	stop_child(bare_pid);
	stop_child(as_pid);
	remove_dir(dir);
	return rc;
}

/* --setup-only DIR */
static int bench_setup(const char *dir)
{
	struct bench_creds cr;
	char key[33];

	if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
		fprintf(stderr, PROG_AS ": %s: %s\n", dir, strerror(errno));
		return CLI_EXIT_FAIL;
	}
	if (setup_store(dir, &cr) != 0)
		return CLI_EXIT_FAIL;
	hex_text(key, cr.rs_key, sizeof cr.rs_key);
	printf("db=%s\nclient_id=%s\nclient_secret=%s\naudience=%s\n"
	       "rs_key=%s\n", cr.db, cr.client, cr.secret, cr.audience, key);
	obol_wipe(&cr, sizeof cr);
	obol_wipe(key, sizeof key);
	return CLI_EXIT_OK;
}

/* --serve DIR --port P */
static int bench_serve(const struct as_opts *o)
{
	char db[512], log_path[600];

	if (o->port == 0) {
		fputs(PROG_AS ": --serve needs --port\n", stderr);
		return CLI_EXIT_USAGE;
	}
	snprintf(db, sizeof db, "%s/%s", o->serve_dir, BENCH_DB);
	if (o->log != NULL)
		snprintf(log_path, sizeof log_path, "%s", o->log);
	else
		snprintf(log_path, sizeof log_path, "%s/%s", o->serve_dir,
			 BENCH_LOG);
	return run_as(db, o->port, o->port_dtls, log_path) == 0
		       ? CLI_EXIT_OK
		       : CLI_EXIT_FAIL;
}

/* --load HOST:PORT */
static int bench_load(const struct as_opts *o)
{
	struct load_cfg lc;
	struct load_result r;
	uint8_t payload[512];
	char host[64];
	const char *colon = strrchr(o->load, ':');
	int64_t port;
	int rc;

	memset(&lc, 0, sizeof lc);
	if (colon == NULL || (size_t)(colon - o->load) >= sizeof host) {
		fputs(PROG_AS ": --load: expected IPv4:PORT\n", stderr);
		return CLI_EXIT_USAGE;
	}
	memcpy(host, o->load, (size_t)(colon - o->load));
	host[colon - o->load] = 0;
	if (inet_pton(AF_INET, host, &lc.dst.sin_addr) != 1) {
		fprintf(stderr, PROG_AS ": --load: '%s' is not an IPv4 "
			"address\n", host);
		return CLI_EXIT_USAGE;
	}
	if (cli_int_arg(PROG_AS, "load", colon + 1, 1, 65535, &port) != 0)
		return CLI_EXIT_USAGE;
	if (!o->get && o->secret == NULL) {
		fputs(PROG_AS ": --load needs --secret (or --get)\n", stderr);
		return CLI_EXIT_USAGE;
	}
	lc.dst.sin_family = AF_INET;
	lc.dst.sin_port = htons((uint16_t)port);
	lc.kind = o->get ? LOAD_GET : LOAD_TOKEN;
	if (!o->get) {
		lc.payload = payload;
		lc.payload_len = token_request(payload, sizeof payload,
					       o->client, o->secret,
					       o->audience);
		if (lc.payload_len == 0) {
			fputs(PROG_AS ": the request does not fit\n", stderr);
			return CLI_EXIT_USAGE;
		}
	}
	lc.inflight = o->inflight;
	lc.warmup = o->warmup_set ? o->warmup : 0;
	lc.seconds = o->seconds;
	lc.timeout = o->timeout;
	if (o->record != NULL) {
		lc.record = fopen(o->record, "a");
		if (lc.record == NULL) {
			fprintf(stderr, PROG_AS ": --record %s: cannot open\n",
				o->record);
			return CLI_EXIT_FAIL;
		}
	}
	rc = load_run(&lc, &r);
	if (lc.record != NULL && fclose(lc.record) != 0)
		rc = -1;
	if (o->json)
		printf("{\"ok\": %lu, \"errors\": %lu, \"timeouts\": %lu, "
		       "\"late\": %lu, \"recorded\": %lu, \"seconds\": %.3f, "
		       "\"per_s\": %.1f}\n", r.ok, r.errors, r.timeouts,
		       r.late, r.recorded, r.secs, rate(&r));
	else
		printf("ok=%lu errors=%lu timeouts=%lu late=%lu recorded=%lu "
		       "seconds=%.3f per_s=%.1f\n", r.ok, r.errors, r.timeouts,
		       r.late, r.recorded, r.secs, rate(&r));
	return rc == 0 ? CLI_EXIT_OK : CLI_EXIT_FAIL;
}

enum {
	OPT_HELP = 1, OPT_SECONDS, OPT_INFLIGHT, OPT_SESSIONS, OPT_WARMUP,
	OPT_TIMEOUT, OPT_JSON, OPT_SETUP, OPT_SERVE, OPT_PORT, OPT_PORT_DTLS,
	OPT_LOG, OPT_LOAD, OPT_RECORD, OPT_CLIENT, OPT_SECRET, OPT_AUDIENCE,
	OPT_GET
};

static const struct cli_opt as_opts_tab[] = {
	{"help", 0, OPT_HELP},         {"seconds", 1, OPT_SECONDS},
	{"inflight", 1, OPT_INFLIGHT}, {"sessions", 1, OPT_SESSIONS},
	{"warmup", 1, OPT_WARMUP},     {"timeout", 1, OPT_TIMEOUT},
	{"json", 0, OPT_JSON},         {"setup-only", 1, OPT_SETUP},
	{"serve", 1, OPT_SERVE},       {"port", 1, OPT_PORT},
	{"port-dtls", 1, OPT_PORT_DTLS}, {"log", 1, OPT_LOG},
	{"load", 1, OPT_LOAD},         {"record", 1, OPT_RECORD},
	{"client", 1, OPT_CLIENT},     {"secret", 1, OPT_SECRET},
	{"audience", 1, OPT_AUDIENCE}, {"get", 0, OPT_GET},
	{NULL, 0, 0}};

/* A duration in seconds: a decimal integer or one with a fraction. */
static int seconds_arg(const char *opt, const char *text, double min,
		       double max, double *v)
{
	char *end;
	double d;

	errno = 0;
	d = strtod(text, &end);
	if (text[0] == 0 || *end != 0 || errno != 0 || !(d >= min) ||
	    !(d <= max)) {
		fprintf(stderr, PROG_AS ": --%s: expected seconds in "
			"[%g, %g], not '%s'\n", opt, min, max, text);
		return -1;
	}
	*v = d;
	return 0;
}

static int cli_bench_as(int argc, char **argv)
{
	struct as_opts o;
	struct cli_args a;
	struct sigaction sa;
	const char *val;
	int id, modes, rc;

	memset(&o, 0, sizeof o);
	memset(&a, 0, sizeof a);
	a.argc = argc;
	a.argv = argv;
	o.seconds = 5;
	o.warmup = 1;
	o.timeout = 2;
	o.inflight = 32;
	o.sessions = 4;
	o.client = BENCH_CLIENT;
	o.audience = BENCH_AUDIENCE;
	while ((id = cli_next_opt(&a, PROG_AS, as_opts_tab, &val)) !=
	       CLI_OPT_END) {
		int64_t v;

		switch (id) {
		case OPT_HELP:
			fputs(as_help, stdout);
			return CLI_EXIT_OK;
		case OPT_SECONDS:
			if (seconds_arg("seconds", val, 0.1, 3600,
					&o.seconds) != 0)
				return CLI_EXIT_USAGE;
			break;
		case OPT_WARMUP:
			if (seconds_arg("warmup", val, 0, 600, &o.warmup) != 0)
				return CLI_EXIT_USAGE;
			o.warmup_set = 1;
			break;
		case OPT_TIMEOUT:
			if (seconds_arg("timeout", val, 0.01, 60,
					&o.timeout) != 0)
				return CLI_EXIT_USAGE;
			break;
		case OPT_INFLIGHT:
			if (cli_int_arg(PROG_AS, "inflight", val, 1,
					BENCH_SLOTS_MAX, &v) != 0)
				return CLI_EXIT_USAGE;
			o.inflight = (unsigned)v;
			break;
		case OPT_SESSIONS:
			if (cli_int_arg(PROG_AS, "sessions", val, 1, 64, &v) !=
			    0)
				return CLI_EXIT_USAGE;
			o.sessions = (unsigned)v;
			break;
		case OPT_PORT:
		case OPT_PORT_DTLS:
			if (cli_int_arg(PROG_AS, id == OPT_PORT ? "port"
								: "port-dtls",
					val, 1, 65535, &v) != 0)
				return CLI_EXIT_USAGE;
			if (id == OPT_PORT)
				o.port = (unsigned)v;
			else
				o.port_dtls = (unsigned)v;
			break;
		case OPT_JSON: o.json = 1; break;
		case OPT_SETUP: o.setup_dir = val; break;
		case OPT_SERVE: o.serve_dir = val; break;
		case OPT_LOG: o.log = val; break;
		case OPT_LOAD: o.load = val; break;
		case OPT_RECORD: o.record = val; break;
		case OPT_CLIENT: o.client = val; break;
		case OPT_SECRET: o.secret = val; break;
		case OPT_AUDIENCE: o.audience = val; break;
		case OPT_GET: o.get = 1; break;
		case CLI_OPT_OPERAND:
			fprintf(stderr, PROG_AS ": unexpected argument '%s'\n",
				val);
			return CLI_EXIT_USAGE;
		default:
			return CLI_EXIT_USAGE;
		}
	}
	modes = (o.setup_dir != NULL) + (o.serve_dir != NULL) +
		(o.load != NULL);
	if (modes > 1) {
		fputs(PROG_AS ": --setup-only, --serve and --load go alone\n",
		      stderr);
		return CLI_EXIT_USAGE;
	}
	if (o.setup_dir != NULL)
		return bench_setup(o.setup_dir);
	if (o.serve_dir != NULL)
		return bench_serve(&o);

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_stop;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (o.load != NULL)
		rc = bench_load(&o);
	else
		rc = bench_full(&o);
	if (bench_stop) {
		fputs(PROG_AS ": interrupted\n", stderr);
		return CLI_EXIT_FAIL;
	}
	return rc;
}

int cli_bench(int argc, char **argv)
{
	struct cli_args a;
	const char *val;
	int id;
	static const struct cli_opt opts[] = {{"help", 0, OPT_HELP},
					      {NULL, 0, 0}};

	if (argc >= 2 && strcmp(argv[1], "as") == 0)
		return cli_bench_as(argc - 1, argv + 1);
	memset(&a, 0, sizeof a);
	a.argc = argc;
	a.argv = argv;
	id = cli_next_opt(&a, PROG, opts, &val);
	if (id == OPT_HELP) {
		fputs(bench_help, stdout);
		return CLI_EXIT_OK;
	}
	if (id == CLI_OPT_OPERAND)
		fprintf(stderr, PROG ": unknown benchmark '%s'\n", val);
	else if (id == CLI_OPT_END)
		fputs(bench_help, stderr);
	return CLI_EXIT_USAGE;
}
