/*
 * obol get|put|post|delete: the ACE client of the OSCORE profile
 * (RFC 9200 with RFC 9203), all steps by itself:
 *
 *   1. a cached, unexpired context for this RS: go to 5
 *   2. the request unprotected (CoAP over UDP, RFC 7252 4.2 retransmission);
 *      a 2.xx is the answer (an unprotected resource); a 4.01 in
 *      application/ace+cbor carries the AS Request Creation Hints
 *      {1: AS, 5: audience, 9: scope} (RFC 9200 5.3)
 *   3. POST /token to the AS over DTLS-PSK (identity = client id, key =
 *      client secret): {5: audience}, no scope, so that the token carries
 *      the whole grant and serves every path of this RS (the RS decides
 *      per request); 2.01 {1: token, 2: expires_in, 8: {4: OSCORE Input
 *      Material}, 38: profile}
 *   4. POST /authz-info {1: token, 40: N1, 43: ID1} -> 2.01 {42: N2, 44:
 *      ID2}; the context of RFC 9203 4.3 (obol_ace_derive: Sender ID = ID2,
 *      Recipient ID = ID1)
 *   5. the request OSCORE-protected; an unprotected 4.01 answer means the RS
 *      lost the context (restart, eviction, expiry): drop it and redo from 3,
 *      once.
 *
 * The cache (one file per RS endpoint and audience, mode 0600, CBOR)
 * keeps token, OSCORE Input Material, nonces, IDs, expiry and the Sender
 * Sequence Number. The SSN is written back (temporary file, fsync,
 * rename) before each protected request leaves, so that no crash can
 * make a nonce repeat (RFC 8613 7.2.1, B.1). Secrets (client secret,
 * master secret, derived keys) are wiped after use.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "endpoints.h"
#include "net.h"
#include "obol/ace.h"
#include "obol/crypto.h"

#define CACHE_VERSION 1
#define CACHE_MAX 4096
#define TOKEN_MAX 1024
#define AS_TIMEOUT_DEFAULT 30.0

static const char client_help[] =
	"usage: obol get|put|post|delete coap://HOST[:PORT]/PATH[?QUERY]\n"
	"         [--payload TEXT | --payload-file F] [--content-format N]\n"
	"         [--as URI] [--client-id ID] [--client-secret TEXT |\n"
	"          --client-secret-file F] [--config F] [--insecure-dev]\n"
	"         [--cache DIR | --no-cache] [--timeout S] [--raw] [--json] [-v]\n"
	"\n"
	"Send one request to a resource server as an ACE client (RFC 9200) of\n"
	"the OSCORE profile (RFC 9203): the request goes unprotected first; if\n"
	"the RS answers 4.01 with AS Request Creation Hints, the client gets a\n"
	"token from the AS over DTLS-PSK (POST /token, the audience only: the\n"
	"token carries the whole grant), uploads it to the RS (/authz-info),\n"
	"derives the OSCORE context and sends the request protected. The context\n"
	"is cached until the token expires, so later requests take one round\n"
	"trip. An RS that lost the context (unprotected 4.01) gets a new token,\n"
	"once.\n"
	"\n"
	"options:\n"
	"  --payload TEXT       the request payload\n"
	"  --payload-file F     the request payload from a file (\"-\": stdin)\n"
	"  --content-format N   its Content-Format (e.g. 0 text/plain, 60 CBOR)\n"
	"  --as URI             the AS (coaps://HOST[:PORT]; default: the config\n"
	"                       file, else the RS's hint)\n"
	"  --client-id ID       this client's id at the AS (its PSK identity)\n"
	"  --client-secret TEXT its secret (the PSK)\n"
	"  --client-secret-file F  the secret from a file (one line)\n"
	"  --config F           JSON {\"as\": URI, \"client_id\": ID,\n"
	"                       \"client_secret\": TEXT}; default\n"
	"                       $XDG_CONFIG_HOME/obol/client.json or\n"
	"                       ~/.config/obol/client.json if it exists. Options\n"
	"                       override it\n"
	"  --insecure-dev       allow a coap:// AS (no DTLS): id and secret go in\n"
	"                       the payload, readable by anyone on the path\n"
	"  --cache DIR          where contexts are kept (default\n"
	"                       $XDG_CACHE_HOME/obol or ~/.cache/obol)\n"
	"  --no-cache           neither read nor write the cache\n"
	"  --timeout S          give up an exchange after S seconds (default:\n"
	"                       RFC 7252 retransmission, up to 93 s; 30 s for the\n"
	"                       AS)\n"
	"  --raw                write the response payload as is (no CBOR rendering)\n"
	"  --json               print a summary as JSON on stdout: the response and\n"
	"                       each step {name, sent, received, code}, round trips,\n"
	"                       bytes, the time of the flow in ms\n"
	"  -v, --verbose        each step on stderr with sizes and round trips\n"
	"  -h, --help           show this help\n"
	"\n"
	"Output: the response payload on stdout (text as is; CBOR, Content-Format\n"
	"60 or 19, in diagnostic notation); the response code on stderr when it\n"
	"is not 2.xx. Sizes are CoAP message bytes (DTLS records not counted).\n"
	"\n"
	"Example:\n"
	"  obol get coap://[::1]/temp --as coaps://as.example --client-id c1 \\\n"
	"      --client-secret-file c1.secret -v\n"
	"\n"
	"Exit status: 0 a 2.xx response; 1 a 4.xx/5.xx response or a failure;\n"
	"2 bad command line.\n";

enum {
	OPT_HELP = 1, OPT_PAYLOAD, OPT_PAYLOAD_FILE, OPT_CF, OPT_AS, OPT_CLIENT_ID,
	OPT_SECRET, OPT_SECRET_FILE, OPT_CONFIG, OPT_INSECURE, OPT_CACHE,
	OPT_NO_CACHE, OPT_TIMEOUT, OPT_RAW, OPT_JSON, OPT_VERBOSE
};

static const struct cli_opt client_opts[] = {
	{"help", 0, OPT_HELP},
	{"payload", 1, OPT_PAYLOAD},
	{"payload-file", 1, OPT_PAYLOAD_FILE},
	{"content-format", 1, OPT_CF},
	{"as", 1, OPT_AS},
	{"client-id", 1, OPT_CLIENT_ID},
	{"client-secret", 1, OPT_SECRET},
	{"client-secret-file", 1, OPT_SECRET_FILE},
	{"config", 1, OPT_CONFIG},
	{"insecure-dev", 0, OPT_INSECURE},
	{"cache", 1, OPT_CACHE},
	{"no-cache", 0, OPT_NO_CACHE},
	{"timeout", 1, OPT_TIMEOUT},
	{"raw", 0, OPT_RAW},
	{"json", 0, OPT_JSON},
	{"verbose", 0, OPT_VERBOSE},
	{NULL, 0, 0},
};

struct client_args {
	char prog[32];          /* "obol get" */
	uint8_t method;
	const char *uri;
	const char *payload_text, *payload_file;
	int64_t cf;             /* -1: none */
	const char *as, *client_id, *secret, *secret_file, *config;
	int insecure, no_cache, raw, json, verbose;
	const char *cache;
	double timeout;         /* 0: the defaults */
};

/* A URI split up: coap[s]://host[:port]/path[?query]. */
struct uri {
	int secure;
	char *host;             /* without brackets */
	unsigned port;
	char *path;             /* "/temp" ("/" if none) */
	char *query;            /* NULL if none */
};

/* The cached state of one RS (see the file comment). */
struct ctx_rec {
	char *audience;
	char *as_uri;           /* the AS the token came from, NULL unknown */
	uint8_t *token;
	size_t token_len;
	uint8_t *cnf;           /* the cnf map {4: {...}}: holds the master secret */
	size_t cnf_len;
	uint8_t n1[OBOL_RS_MAX_NONCE], n2[OBOL_RS_MAX_NONCE];
	size_t n1_len, n2_len;
	uint8_t id1[OBOL_OSCORE_MAX_ID], id2[OBOL_OSCORE_MAX_ID];
	size_t id1_len, id2_len;
	int64_t expiry;         /* Unix time */
	uint64_t ssn;           /* next Sender Sequence Number */
};

#define MAX_STEPS 12

struct step {
	char name[16];
	size_t sent, received;
	uint8_t code;           /* 0: no response */
	unsigned round_trips;
};

/* One run of the flow. */
struct flow {
	const struct client_args *a;
	struct uri rs;
	struct sockaddr_storage addr;
	socklen_t addr_len;
	struct net_udp udp;
	char *cache_dir;        /* NULL: --no-cache */
	char *cache_file;       /* the file of rec, once known */
	/* credentials (after load_credentials) */
	char *as_uri, *client_id;
	char *secret;           /* wiped on free */
	size_t secret_len;
	/* the RS's hints */
	char *hint_as, *hint_aud;
	struct ctx_rec rec;
	int have_rec;
	/* accounting */
	struct step steps[MAX_STEPS];
	unsigned nsteps, round_trips;
	size_t sent, received;
	double t0;
	/* the answer */
	int have_answer;
	uint8_t code;
	int cf;
	uint8_t *payload;
	size_t payload_len;
};

/* ---- small helpers ---------------------------------------------------- */

static int usage_error(const char *prog, const char *msg)
{
	fprintf(stderr, "%s: %s (try --help)\n", prog, msg);
	return CLI_EXIT_USAGE;
}

static double mono_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static char *xstrndup(const char *s, size_t n)
{
	char *p = cli_xmalloc(n + 1);

	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

static char *xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

static void free_secret(char **s, size_t len)
{
	if (*s != NULL) {
		obol_wipe(*s, len);
		free(*s);
	}
	*s = NULL;
}

static void code_text(uint8_t code, char out[8])
{
	snprintf(out, 8, "%u.%02u", (unsigned)(code >> 5), (unsigned)(code & 31u));
}

static const char *method_name(uint8_t m)
{
	switch (m) {
	case OBOL_COAP_GET: return "GET";
	case OBOL_COAP_POST: return "POST";
	case OBOL_COAP_PUT: return "PUT";
	case OBOL_COAP_DELETE: return "DELETE";
	default: return "?";
	}
}

/* "4.03 Forbidden" */
static void code_long(uint8_t code, char out[48])
{
	const char *name = cli_coap_code_name(code);
	char c[8];

	code_text(code, c);
	snprintf(out, 48, "%s%s%s", c, name ? " " : "", name ? name : "");
}

/* ---- URIs -------------------------------------------------------------- */

static void uri_free(struct uri *u)
{
	free(u->host);
	free(u->path);
	free(u->query);
	memset(u, 0, sizeof *u);
}

/* coap://host[:port]/path?query or coaps://...; -1 after a message. */
static int uri_parse(const char *prog, const char *what, const char *s,
		     struct uri *u)
{
	const char *p, *h, *he, *q;
	long port;

	memset(u, 0, sizeof *u);
	if (strncmp(s, "coap://", 7) == 0) {
		p = s + 7;
	} else if (strncmp(s, "coaps://", 8) == 0) {
		p = s + 8;
		u->secure = 1;
	} else {
		fprintf(stderr, "%s: %s '%s' is not a coap:// or coaps:// URI\n",
			prog, what, s);
		return -1;
	}
	if (*p == '[') {
		h = p + 1;
		he = strchr(h, ']');
		if (he == NULL)
			goto bad;
		p = he + 1;
	} else {
		h = p;
		he = p + strcspn(p, ":/?");
		p = he;
	}
	if (he == h)
		goto bad;
	u->port = u->secure ? 5684 : 5683;
	if (*p == ':') {
		char *end;

		errno = 0;
		port = strtol(p + 1, &end, 10);
		if (end == p + 1 || errno != 0 || port < 1 || port > 65535)
			goto bad;
		u->port = (unsigned)port;
		p = end;
	}
	if (*p != '\0' && *p != '/' && *p != '?')
		goto bad;
	u->host = xstrndup(h, (size_t)(he - h));
	q = strchr(p, '?');
	if (q != NULL) {
		u->query = xstrdup(q + 1);
		u->path = xstrndup(p, (size_t)(q - p));
	} else {
		u->path = xstrdup(p);
	}
	if (u->path[0] == '\0') {
		free(u->path);
		u->path = xstrdup("/");
	}
	return 0;
bad:
	fprintf(stderr, "%s: %s '%s': expected coap[s]://HOST[:PORT]/PATH\n",
		prog, what, s);
	return -1;
}

/* ---- accounting and -v --------------------------------------------------- */

static struct step *step_add(struct flow *f, const char *name, size_t sent,
			     size_t received, uint8_t code, unsigned rtt)
{
	struct step *s;

	if (f->nsteps == MAX_STEPS)
		return &f->steps[MAX_STEPS - 1];
	s = &f->steps[f->nsteps++];
	snprintf(s->name, sizeof s->name, "%s", name);
	s->sent = sent;
	s->received = received;
	s->code = code;
	s->round_trips = rtt;
	f->round_trips += rtt;
	f->sent += sent;
	f->received += received;
	return s;
}

/* A -v line: "N <text>" on stderr (N: the step's number). */
static void verbose(const struct flow *f, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void verbose(const struct flow *f, const char *fmt, ...)
{
	va_list ap;

	if (!f->a->verbose)
		return;
	fprintf(stderr, "%u ", f->nsteps);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* ---- credentials ------------------------------------------------------- */

/* Read a secret file: its first line, without the line end. */
static int read_secret_file(const char *prog, const char *path, char **out,
			    size_t *len)
{
	uint8_t *buf;
	size_t n, k;

	if (cli_read_input(prog, path, 4096, &buf, &n) != 0)
		return -1;
	for (k = 0; k < n && buf[k] != '\n' && buf[k] != '\r'; k++)
		;
	*out = cli_xmalloc(k + 1);
	memcpy(*out, buf, k);
	(*out)[k] = '\0';
	*len = k;
	obol_wipe(buf, n);
	free(buf);
	if (k == 0) {
		fprintf(stderr, "%s: %s: the client secret is empty\n", prog, path);
		free_secret(out, 0);
		return -1;
	}
	return 0;
}

/*
 * An XDG base directory path (XDG Base Directory Specification): $env
 * (absolute) + "/" + rel, else $HOME + "/" + home_rel + "/" + rel; NULL
 * when neither is set. A new string (free() it).
 */
static char *xdg_path(const char *env, const char *home_rel, const char *rel)
{
	const char *x = getenv(env), *home = getenv("HOME");
	struct cli_buf b = {0};

	if (x != NULL && x[0] == '/') {
		cli_buf_puts(&b, x);
	} else if (home != NULL && home[0] != '\0') {
		cli_buf_puts(&b, home);
		cli_buf_putc(&b, '/');
		cli_buf_puts(&b, home_rel);
	} else {
		return NULL;
	}
	cli_buf_putc(&b, '/');
	cli_buf_puts(&b, rel);
	return b.p;
}

static char *default_config_path(void)
{
	return xdg_path("XDG_CONFIG_HOME", ".config", "obol/client.json");
}

/* A string member of the config object, or -1 (reported) if of another type. */
static int config_str(const char *prog, const char *path,
		      const struct cli_json *root, const char *name,
		      const char **out)
{
	const struct cli_json *v = cli_json_get(root, name);

	*out = NULL;
	if (v == NULL)
		return 0;
	if (v->type != CLI_JSON_STRING || v->len != strlen(v->str) ||
	    v->len == 0) {
		fprintf(stderr, "%s: %s:%zu:%zu: \"%s\" must be a non-empty string\n",
			prog, path, v->line, v->col, name);
		return -1;
	}
	*out = v->str;
	return 0;
}

/*
 * The AS URI, client id and secret: options first, then the config file
 * (--config, else the default file if it exists). What is missing stays
 * NULL: the caller asks for it only when it needs it.
 */
static int load_credentials(struct flow *f)
{
	const struct client_args *a = f->a;
	char *def = NULL;
	const char *path = a->config;
	uint8_t *txt = NULL;
	size_t n = 0;
	struct cli_json root;
	const char *as = NULL, *id = NULL, *secret = NULL;
	int rc = -1;

	memset(&root, 0, sizeof root);
	if (path == NULL) {
		def = default_config_path();
		if (def != NULL && access(def, F_OK) == 0)
			path = def;
	}
	if (path != NULL) {
		const struct cli_json *v;
		size_t i;

		if (cli_read_input(a->prog, path, 65536, &txt, &n) != 0)
			goto out;
		if (cli_json_parse(a->prog, path, txt, n, &root) != 0)
			goto out;
		if (root.type != CLI_JSON_OBJECT) {
			fprintf(stderr, "%s: %s: expected a JSON object\n", a->prog,
				path);
			goto out;
		}
		for (i = 0; i < root.n; i++) {
			v = &root.items[i];
			if (strcmp(v->key, "as") != 0 &&
			    strcmp(v->key, "client_id") != 0 &&
			    strcmp(v->key, "client_secret") != 0) {
				fprintf(stderr, "%s: %s:%zu:%zu: unknown setting \"%s\""
					" (as, client_id, client_secret)\n", a->prog,
					path, v->line, v->col, v->key);
				goto out;
			}
		}
		if (config_str(a->prog, path, &root, "as", &as) != 0 ||
		    config_str(a->prog, path, &root, "client_id", &id) != 0 ||
		    config_str(a->prog, path, &root, "client_secret", &secret) != 0)
			goto out;
	}
	if (a->as != NULL)
		as = a->as;
	if (a->client_id != NULL)
		id = a->client_id;
	f->as_uri = as ? xstrdup(as) : NULL;
	f->client_id = id ? xstrdup(id) : NULL;
	if (a->secret_file != NULL) {
		if (read_secret_file(a->prog, a->secret_file, &f->secret,
				     &f->secret_len) != 0)
			goto out;
	} else if (a->secret != NULL || secret != NULL) {
		const char *s = a->secret != NULL ? a->secret : secret;

		f->secret_len = strlen(s);
		f->secret = xstrdup(s);
	}
	rc = 0;
out:
	/* The parsed config may hold the secret. */
	for (size_t i = 0; i < root.n; i++)
		if (root.items[i].type == CLI_JSON_STRING)
			obol_wipe(root.items[i].str, root.items[i].len);
	cli_json_free(&root);
	if (txt != NULL) {
		obol_wipe(txt, n);
		free(txt);
	}
	free(def);
	return rc;
}

/* ---- the cache --------------------------------------------------------- */

static void rec_free(struct ctx_rec *r)
{
	free(r->audience);
	free(r->as_uri);
	free(r->token);
	if (r->cnf != NULL)
		obol_wipe(r->cnf, r->cnf_len);
	free(r->cnf);
	obol_wipe(r, sizeof *r);
}

static char *cache_dir_default(void)
{
	return xdg_path("XDG_CACHE_HOME", ".cache", "obol");
}

/* mkdir -p, the last component with mode 0700. */
static int make_dir(const char *prog, const char *dir)
{
	char *p = xstrdup(dir), *s;
	struct stat st;

	for (s = p + 1; *s != '\0'; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(p, 0755) != 0 && errno != EEXIST) {
			fprintf(stderr, "%s: cannot create %s: %s\n", prog, p,
				strerror(errno));
			free(p);
			return -1;
		}
		*s = '/';
	}
	free(p);
	if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
		fprintf(stderr, "%s: cannot create %s: %s\n", prog, dir,
			strerror(errno));
		return -1;
	}
	if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
		fprintf(stderr, "%s: %s is not a directory\n", prog, dir);
		return -1;
	}
	return 0;
}

/* Characters other than [A-Za-z0-9.-] as %XX, so that '_' separates. */
static void put_escaped(struct cli_buf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";

	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '.' || c == '-') {
			cli_buf_putc(b, (char)c);
		} else {
			cli_buf_putc(b, '%');
			cli_buf_putc(b, hex[c >> 4]);
			cli_buf_putc(b, hex[c & 15]);
		}
	}
}

/* "<host>_<port>_": the prefix of this RS's cache files. */
static void cache_prefix(const struct flow *f, struct cli_buf *b)
{
	char port[16];

	put_escaped(b, f->rs.host);
	snprintf(port, sizeof port, "_%u_", f->rs.port);
	cli_buf_puts(b, port);
}

/* The path of the cache file of this RS and audience. */
static char *cache_path(const struct flow *f, const char *audience)
{
	struct cli_buf b = {0};

	cli_buf_puts(&b, f->cache_dir);
	cli_buf_putc(&b, '/');
	cache_prefix(f, &b);
	put_escaped(&b, audience);
	cli_buf_puts(&b, ".ctx");
	return b.p;
}

static int get_bytes_copy(obol_cbor_dec *m, uint8_t *out, size_t cap,
			  size_t *len)
{
	const uint8_t *p;
	size_t n;

	if (obol_cbor_get_bstr(m, &p, &n) != OBOL_OK || n > cap)
		return -1;
	memcpy(out, p, n);
	*len = n;
	return 0;
}

static int get_bytes_dup(obol_cbor_dec *m, uint8_t **out, size_t *len)
{
	const uint8_t *p;
	size_t n;

	if (obol_cbor_get_bstr(m, &p, &n) != OBOL_OK || n == 0)
		return -1;
	*out = cli_xmalloc(n);
	memcpy(*out, p, n);
	*len = n;
	return 0;
}

static int get_text_dup(obol_cbor_dec *m, char **out)
{
	const char *p;
	size_t n;

	if (obol_cbor_get_tstr(m, &p, &n) != OBOL_OK)
		return -1;
	*out = xstrndup(p, n);
	return 0;
}

/* Decode a cache record; -1 if it is not one (or of another version). */
static int rec_decode(const uint8_t *buf, size_t len, struct ctx_rec *r)
{
	obol_cbor_dec d, m;
	size_t n;
	uint64_t key, v;
	int64_t exp;
	int ok = 0;

	memset(r, 0, sizeof *r);
	if (obol_cbor_dec_init(&d, buf, len, OBOL_CBOR_STRICT) != OBOL_OK ||
	    obol_cbor_enter_map(&d, &m, &n) != OBOL_OK)
		return -1;
	while (!obol_cbor_at_end(&m)) {
		int e = 0;

		if (obol_cbor_get_uint64(&m, &key) != OBOL_OK)
			goto bad;
		switch (key) {
		case 0:
			e = obol_cbor_get_uint64(&m, &v) != OBOL_OK ||
			    v != CACHE_VERSION;
			ok = !e;
			break;
		case 1: e = get_text_dup(&m, &r->audience); break;
		case 2: e = get_text_dup(&m, &r->as_uri); break;
		case 3: e = get_bytes_dup(&m, &r->token, &r->token_len); break;
		case 4: e = get_bytes_dup(&m, &r->cnf, &r->cnf_len); break;
		case 5: e = get_bytes_copy(&m, r->n1, sizeof r->n1, &r->n1_len); break;
		case 6: e = get_bytes_copy(&m, r->n2, sizeof r->n2, &r->n2_len); break;
		case 7: e = get_bytes_copy(&m, r->id1, sizeof r->id1, &r->id1_len); break;
		case 8: e = get_bytes_copy(&m, r->id2, sizeof r->id2, &r->id2_len); break;
		case 9:
			e = obol_cbor_get_int64(&m, &exp) != OBOL_OK;
			r->expiry = exp;
			break;
		case 10: e = obol_cbor_get_uint64(&m, &r->ssn) != OBOL_OK; break;
		default: e = obol_cbor_skip(&m) != OBOL_OK; break;
		}
		if (e)
			goto bad;
	}
	if (ok && r->audience != NULL && r->token != NULL && r->cnf != NULL &&
	    r->n1_len > 0 && r->n2_len > 0)
		return 0;
bad:
	rec_free(r);
	return -1;
}

static size_t rec_encode(const struct ctx_rec *r, uint8_t *buf, size_t cap)
{
	obol_cbor_enc e;
	size_t len = 0;

	obol_cbor_enc_init(&e, buf, cap);
	obol_cbor_put_map(&e, r->as_uri != NULL ? 11 : 10);
	obol_cbor_put_uint(&e, 0);
	obol_cbor_put_uint(&e, CACHE_VERSION);
	obol_cbor_put_uint(&e, 1);
	obol_cbor_put_text(&e, r->audience);
	if (r->as_uri != NULL) {
		obol_cbor_put_uint(&e, 2);
		obol_cbor_put_text(&e, r->as_uri);
	}
	obol_cbor_put_uint(&e, 3);
	obol_cbor_put_bstr(&e, r->token, r->token_len);
	obol_cbor_put_uint(&e, 4);
	obol_cbor_put_bstr(&e, r->cnf, r->cnf_len);
	obol_cbor_put_uint(&e, 5);
	obol_cbor_put_bstr(&e, r->n1, r->n1_len);
	obol_cbor_put_uint(&e, 6);
	obol_cbor_put_bstr(&e, r->n2, r->n2_len);
	obol_cbor_put_uint(&e, 7);
	obol_cbor_put_bstr(&e, r->id1, r->id1_len);
	obol_cbor_put_uint(&e, 8);
	obol_cbor_put_bstr(&e, r->id2, r->id2_len);
	obol_cbor_put_uint(&e, 9);
	obol_cbor_put_int(&e, r->expiry);
	obol_cbor_put_uint(&e, 10);
	obol_cbor_put_uint(&e, r->ssn);
	if (obol_cbor_enc_finish(&e, &len) != OBOL_OK)
		return 0;
	return len;
}

/*
 * Write the record to f->cache_file atomically and durably: a new file
 * (0600) next to it, fsync, rename over, fsync the directory. Only then
 * may a request under the SSN it records be sent.
 */
static int cache_save(struct flow *f)
{
	const char *prog = f->a->prog;
	uint8_t *buf;
	size_t len, off = 0;
	struct cli_buf tmp = {0};
	int fd, dfd, rc = -1;

	if (f->cache_dir == NULL)
		return 0;
	buf = cli_xmalloc(CACHE_MAX);
	len = rec_encode(&f->rec, buf, CACHE_MAX);
	if (len == 0) {
		fprintf(stderr, "%s: cache record too large\n", prog);
		goto out;
	}
	cli_buf_puts(&tmp, f->cache_file);
	{
		char sfx[32];

		snprintf(sfx, sizeof sfx, ".tmp%ld", (long)getpid());
		cli_buf_puts(&tmp, sfx);
	}
	(void)unlink(tmp.p);
	fd = open(tmp.p, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
		  0600);
	if (fd < 0) {
		fprintf(stderr, "%s: cannot write %s: %s\n", prog, tmp.p,
			strerror(errno));
		goto out;
	}
	while (off < len) {
		ssize_t w = write(fd, buf + off, len - off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			break;
		off += (size_t)w;
	}
	if (off != len || fsync(fd) != 0) {
		fprintf(stderr, "%s: cannot write %s: %s\n", prog, tmp.p,
			strerror(errno ? errno : EIO));
		close(fd);
		(void)unlink(tmp.p);
		goto out;
	}
	close(fd);
	if (rename(tmp.p, f->cache_file) != 0) {
		fprintf(stderr, "%s: cannot rename %s: %s\n", prog, tmp.p,
			strerror(errno));
		(void)unlink(tmp.p);
		goto out;
	}
	dfd = open(f->cache_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		(void)fsync(dfd);
		close(dfd);
	}
	rc = 0;
out:
	obol_wipe(buf, CACHE_MAX);
	free(buf);
	cli_buf_free(&tmp);
	return rc;
}

/*
 * Load one cache file: 0 loaded (f->rec), 1 not usable (other version,
 * garbage: ignored and replaced later), -1 refused (reported): not ours,
 * or readable by group or others.
 */
static int cache_load_file(struct flow *f, const char *path)
{
	const char *prog = f->a->prog;
	struct stat st;
	uint8_t *buf;
	ssize_t n;
	int fd, rc;

	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT)
			return 1;
		fprintf(stderr, "%s: cannot open the cache file %s: %s\n", prog,
			path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		fprintf(stderr, "%s: %s is not a regular file\n", prog, path);
		close(fd);
		return -1;
	}
	if (st.st_uid != geteuid() || (st.st_mode & 077) != 0) {
		fprintf(stderr, "%s: refusing the cache file %s: it holds an OSCORE"
			" master secret but is %s (mode %04o); delete it\n", prog,
			path, st.st_uid != geteuid() ? "not ours" :
			"readable or writable by others",
			(unsigned)(st.st_mode & 07777));
		close(fd);
		return -1;
	}
	buf = cli_xmalloc(CACHE_MAX);
	n = read(fd, buf, CACHE_MAX);
	close(fd);
	rc = n > 0 && rec_decode(buf, (size_t)n, &f->rec) == 0 ? 0 : 1;
	obol_wipe(buf, CACHE_MAX);
	free(buf);
	return rc;
}

/*
 * Find an unexpired context for this RS (any audience): 0 found (f->rec,
 * f->cache_file), 1 none, -1 refused. Expired or unreadable records are
 * removed on the way.
 */
static int cache_find(struct flow *f)
{
	struct cli_buf prefix = {0};
	DIR *dir;
	struct dirent *de;
	int rc = 1;

	if (f->cache_dir == NULL)
		return 1;
	dir = opendir(f->cache_dir);
	if (dir == NULL)
		return 1;
	cache_prefix(f, &prefix);
	while (rc == 1 && (de = readdir(dir)) != NULL) {
		size_t nl = strlen(de->d_name);
		struct cli_buf path = {0};
		int r;

		if (strncmp(de->d_name, prefix.p, prefix.len) != 0 || nl < 4 ||
		    strcmp(de->d_name + nl - 4, ".ctx") != 0)
			continue;
		cli_buf_puts(&path, f->cache_dir);
		cli_buf_putc(&path, '/');
		cli_buf_puts(&path, de->d_name);
		r = cache_load_file(f, path.p);
		if (r == 0 && f->rec.expiry > (int64_t)time(NULL)) {
			f->have_rec = 1;
			f->cache_file = path.p;
			path.p = NULL;
			rc = 0;
		} else if (r == 0 || r == 1) {
			if (r == 0)
				rec_free(&f->rec);
			(void)unlink(path.p); /* expired or unusable */
		} else {
			rc = -1;
		}
		cli_buf_free(&path);
	}
	closedir(dir);
	cli_buf_free(&prefix);
	return rc;
}

static void cache_drop(struct flow *f)
{
	if (f->cache_file != NULL)
		(void)unlink(f->cache_file);
	free(f->cache_file);
	f->cache_file = NULL;
	if (f->have_rec)
		rec_free(&f->rec);
	f->have_rec = 0;
}

/* ---- CoAP over UDP to the RS -------------------------------------------- */

static uint16_t random_mid(void)
{
	uint8_t r[2] = {0, 0};

	(void)obol_port_random(r, sizeof r);
	return (uint16_t)(r[0] << 8 | r[1]);
}

/* The request as plain CoAP: CON, a fresh Message ID and a 2-byte token. */
static int build_request(const struct flow *f, uint8_t code, const char *path,
			 const char *query, int cf, const uint8_t *payload,
			 size_t plen, uint8_t *out, size_t cap, size_t *len)
{
	struct obol_coap_builder b;
	uint8_t tok[2] = {0, 0};

	(void)f;
	(void)obol_port_random(tok, sizeof tok);
	obol_coap_build_init(&b, out, cap, OBOL_COAP_CON, code, random_mid(), tok,
			     sizeof tok);
	obol_coap_add_uri_path(&b, path, strlen(path));
	if (cf >= 0)
		obol_coap_add_uint_option(&b, OBOL_COAP_OPT_CONTENT_FORMAT,
					  (uint32_t)cf);
	if (query != NULL)
		obol_coap_add_uri_query(&b, query, strlen(query));
	obol_coap_set_payload(&b, payload, plen);
	return obol_coap_build_finish(&b, len);
}

static int exchange(struct flow *f, const uint8_t *req, size_t len,
		    uint8_t *resp, size_t cap, size_t *resp_len)
{
	int rc = net_udp_exchange(&f->udp, req, len, f->a->timeout, resp, cap,
				  resp_len);

	if (rc != NET_OK)
		fprintf(stderr, "%s: coap://%s:%u: %s\n", f->a->prog, f->rs.host,
			f->rs.port, net_err_str(rc));
	return rc;
}

static int content_format(const struct obol_coap_msg *m)
{
	const uint8_t *v;
	size_t n;
	uint32_t cf;

	if (obol_coap_opt_find(m, OBOL_COAP_OPT_CONTENT_FORMAT, &v, &n) != 1 ||
	    obol_coap_opt_uint(v, n, &cf) != OBOL_OK)
		return -1;
	return (int)cf;
}

static void set_answer(struct flow *f, const struct obol_coap_msg *m)
{
	free(f->payload);
	f->payload = NULL;
	f->have_answer = 1;
	f->code = m->code;
	f->cf = content_format(m);
	f->payload_len = m->payload_len;
	if (m->payload_len > 0) {
		f->payload = cli_xmalloc(m->payload_len);
		memcpy(f->payload, m->payload, m->payload_len);
	}
}

/* AS Request Creation Hints (RFC 9200 5.3): {1: AS, 5: audience, ...}. */
static int parse_hints(struct flow *f, const uint8_t *p, size_t n)
{
	obol_cbor_dec d, m;
	size_t cnt;
	uint64_t key;

	if (obol_cbor_dec_init(&d, p, n, 0) != OBOL_OK ||
	    obol_cbor_enter_map(&d, &m, &cnt) != OBOL_OK)
		return -1;
	while (!obol_cbor_at_end(&m)) {
		int e;

		if (obol_cbor_get_uint64(&m, &key) != OBOL_OK)
			return -1;
		if (key == OBOL_ACE_HINT_AS && f->hint_as == NULL)
			e = get_text_dup(&m, &f->hint_as);
		else if (key == OBOL_ACE_HINT_AUDIENCE && f->hint_aud == NULL)
			e = get_text_dup(&m, &f->hint_aud);
		else
			e = obol_cbor_skip(&m) != OBOL_OK;
		if (e)
			return -1;
	}
	return f->hint_aud != NULL ? 0 : -1;
}

/* Step 2. 0: answered (f->code ...), 1: 4.01 with hints, -1: failed. */
static int unprotected_request(struct flow *f, const uint8_t *payload,
			       size_t plen)
{
	const struct client_args *a = f->a;
	uint8_t req[NET_DATAGRAM_MAX], resp[NET_DATAGRAM_MAX];
	size_t len, rlen;
	struct obol_coap_msg m;
	char c[8];

	if (build_request(f, a->method, f->rs.path, f->rs.query, (int)a->cf,
			  payload, plen, req, sizeof req, &len) != OBOL_OK) {
		fprintf(stderr, "%s: the request does not fit a datagram\n",
			a->prog);
		return -1;
	}
	if (exchange(f, req, len, resp, sizeof resp, &rlen) != NET_OK)
		return -1;
	if (obol_coap_parse(resp, rlen, &m) != OBOL_OK) {
		fprintf(stderr, "%s: malformed response from the RS\n", a->prog);
		return -1;
	}
	step_add(f, "unprotected", len, rlen, m.code, 1);
	code_text(m.code, c);
	if (m.code == OBOL_COAP_UNAUTHORIZED && content_format(&m) == OBOL_CF_ACE_CBOR &&
	    m.payload != NULL && parse_hints(f, m.payload, m.payload_len) == 0) {
		verbose(f, "%s coap://%s:%u%s: %zu B -> 4.01 hints (AS %s, audience %s)"
			" %zu B", method_name(a->method), f->rs.host, f->rs.port, f->rs.path, len,
			f->hint_as ? f->hint_as : "none", f->hint_aud, rlen);
		return 1;
	}
	verbose(f, "%s coap://%s:%u%s: %zu B -> %s %zu B", method_name(a->method),
		f->rs.host, f->rs.port, f->rs.path, len, c, rlen);
	set_answer(f, &m);
	return 0;
}

/* ---- the token (step 3) --------------------------------------------------- */

/* Print an AS error body {30: code, 31: text, ...} readably. */
static void print_as_error(const struct flow *f, const char *as, uint8_t code,
			   const uint8_t *p, size_t n)
{
	obol_cbor_dec d, m;
	size_t cnt;
	uint64_t key;
	int64_t err = 0;
	const char *desc = NULL;
	size_t desc_len = 0;
	char cl[48];

	code_long(code, cl);
	if (p != NULL && obol_cbor_dec_init(&d, p, n, 0) == OBOL_OK &&
	    obol_cbor_enter_map(&d, &m, &cnt) == OBOL_OK) {
		while (!obol_cbor_at_end(&m)) {
			if (obol_cbor_get_uint64(&m, &key) != OBOL_OK)
				break;
			if (key == 30 && obol_cbor_get_int64(&m, &err) == OBOL_OK)
				continue;
			if (key == 31 &&
			    obol_cbor_get_tstr(&m, &desc, &desc_len) == OBOL_OK)
				continue;
			if (obol_cbor_skip(&m) != OBOL_OK)
				break;
		}
	}
	if (err != 0)
		fprintf(stderr, "%s: the AS %s refused the token: %s, %s (%lld)%s%.*s\n",
			f->a->prog, as, cl, as_ace_error_name((int)err),
			(long long)err, desc ? ": " : "", (int)desc_len,
			desc ? desc : "");
	else
		fprintf(stderr, "%s: the AS %s refused the token: %s\n",
			f->a->prog, as, cl);
}

/* The 2.01 of /token: token, expires_in, cnf, ace_profile. */
static int parse_token_response(struct flow *f, const uint8_t *p, size_t n,
				int64_t *expires_in)
{
	obol_cbor_dec d, m;
	size_t cnt;
	uint64_t key;
	const uint8_t *tok = NULL, *cnf = NULL;
	size_t tok_len = 0, cnf_len = 0;
	int64_t profile = OBOL_ACE_PROFILE_COAP_OSCORE;

	*expires_in = -1;
	if (obol_cbor_dec_init(&d, p, n, OBOL_CBOR_STRICT) != OBOL_OK ||
	    obol_cbor_enter_map(&d, &m, &cnt) != OBOL_OK)
		return -1;
	while (!obol_cbor_at_end(&m)) {
		int e;

		if (obol_cbor_get_uint64(&m, &key) != OBOL_OK)
			return -1;
		switch (key) {
		case 1: e = obol_cbor_get_bstr(&m, &tok, &tok_len); break;
		case 2: e = obol_cbor_get_int64(&m, expires_in); break;
		case 8: e = obol_cbor_get_raw(&m, &cnf, &cnf_len); break;
		case 38: e = obol_cbor_get_int64(&m, &profile); break;
		default: e = obol_cbor_skip(&m); break;
		}
		if (e != OBOL_OK)
			return -1;
	}
	if (tok == NULL || tok_len == 0 || tok_len > TOKEN_MAX || cnf == NULL) {
		fprintf(stderr, "%s: the AS's answer has no %s\n", f->a->prog,
			tok == NULL ? "access_token" : cnf == NULL ? "cnf" :
			"usable access_token");
		return -2;
	}
	if (profile != OBOL_ACE_PROFILE_COAP_OSCORE) {
		fprintf(stderr, "%s: the AS issued a token for ACE profile %lld, not"
			" coap_oscore (2)\n", f->a->prog, (long long)profile);
		return -2;
	}
	free(f->rec.token);
	f->rec.token = cli_xmalloc(tok_len);
	memcpy(f->rec.token, tok, tok_len);
	f->rec.token_len = tok_len;
	if (f->rec.cnf != NULL) {
		obol_wipe(f->rec.cnf, f->rec.cnf_len);
		free(f->rec.cnf);
	}
	f->rec.cnf = cli_xmalloc(cnf_len);
	memcpy(f->rec.cnf, cnf, cnf_len);
	f->rec.cnf_len = cnf_len;
	return 0;
}

/*
 * The OSCORE Input Material of the cnf {4: {...}}: decoded as the cnf
 * claim of a claims map {8: cnf} built in buf (which the views in *c
 * point into: wipe it after use).
 */
static int decode_cnf(const struct ctx_rec *r, uint8_t *buf, size_t cap,
		      struct obol_cwt_claims *c)
{
	if (r->cnf_len + 2 > cap)
		return OBOL_ERR_NO_SPACE;
	buf[0] = 0xa1; /* map(1) */
	buf[1] = OBOL_CWT_CNF;
	memcpy(buf + 2, r->cnf, r->cnf_len);
	if (obol_cwt_decode_claims(buf, r->cnf_len + 2, c) != OBOL_OK ||
	    c->cnf_type != OBOL_CWT_CNF_OSCORE)
		return OBOL_ERR_CWT_CNF;
	return OBOL_OK;
}

static int get_token(struct flow *f, const char *audience)
{
	const struct client_args *a = f->a;
	const char *as = f->as_uri ? f->as_uri : f->hint_as ? f->hint_as
			 : f->rec.as_uri;
	struct uri u;
	struct net_coaps_req rq;
	struct net_coaps_resp resp;
	uint8_t payload[512];
	uint8_t cnfbuf[512];
	struct obol_cwt_claims claims;
	obol_cbor_enc e;
	size_t plen = 0;
	int64_t expires_in;
	double t;
	int rc, result = -1;
	char cl[48];

	if (as == NULL) {
		fprintf(stderr, "%s: the RS named no AS: give --as URI (or \"as\" in"
			" the config file)\n", a->prog);
		return -1;
	}
	if (uri_parse(a->prog, "AS URI", as, &u) != 0)
		return -1;
	if (!u.secure && !a->insecure) {
		fprintf(stderr, "%s: the AS URI %s is coap:// (no DTLS): the PoP key"
			" would travel in clear text; use coaps://, or --insecure-dev"
			" for tests\n", a->prog, as);
		goto out;
	}
	if (f->client_id == NULL || f->secret == NULL) {
		fprintf(stderr, "%s: a token is needed from %s: give --client-id and"
			" --client-secret (or --client-secret-file, or a config"
			" file)\n", a->prog, as);
		goto out;
	}
	/* RFC 9200 5.8.1: {5: audience} (no scope: the whole grant); over
	 * coap:// the credentials go in the payload (Table 5: 24, 25). */
	obol_cbor_enc_init(&e, payload, sizeof payload);
	obol_cbor_put_map(&e, u.secure ? 1 : 3);
	obol_cbor_put_uint(&e, 5);
	obol_cbor_put_text(&e, audience);
	if (!u.secure) {
		obol_cbor_put_uint(&e, 24);
		obol_cbor_put_text(&e, f->client_id);
		obol_cbor_put_uint(&e, 25); /* a byte string (Table 5) */
		obol_cbor_put_bstr(&e, (const uint8_t *)f->secret,
				   f->secret_len);
	}
	if (obol_cbor_enc_finish(&e, &plen) != OBOL_OK) {
		fprintf(stderr, "%s: token request too large\n", a->prog);
		goto out;
	}
	memset(&rq, 0, sizeof rq);
	rq.host = u.host;
	rq.port = u.port;
	rq.identity = u.secure ? f->client_id : NULL;
	rq.key = (const uint8_t *)f->secret;
	rq.key_len = f->secret_len;
	rq.code = OBOL_COAP_POST;
	rq.path = u.path[1] != '\0' ? u.path : "/token";
	rq.content_format = OBOL_CF_ACE_CBOR;
	rq.payload = payload;
	rq.payload_len = plen;
	rq.timeout = a->timeout > 0 ? a->timeout : AS_TIMEOUT_DEFAULT;
	rc = net_coaps_request(&rq, &resp);
	t = (double)time(NULL);
	if (rc != NET_OK) {
		if (rc == NET_ERR_HANDSHAKE)
			fprintf(stderr, "%s: DTLS handshake with the AS %s failed"
				" (not done after %.0f s): wrong client id or secret,"
				" or no AS there\n",
				a->prog, as, rq.timeout < NET_HANDSHAKE_TIMEOUT
						     ? rq.timeout
						     : NET_HANDSHAKE_TIMEOUT);
		else
			fprintf(stderr, "%s: the AS %s: %s\n", a->prog, as,
				net_err_str(rc));
		goto out;
	}
	/* DTLS 1.2 PSK with a cookie: ClientHello/HelloVerifyRequest,
	 * ClientHello/ServerHello..Done, Finished/Finished: 3 round trips. */
	step_add(f, "token", resp.sent, resp.received, resp.code,
		 resp.handshake ? 4 : 1);
	if (resp.code != OBOL_COAP_CREATED) {
		verbose(f, "token from %s: request %zu B -> %s %zu B", as, resp.sent,
			(code_long(resp.code, cl), cl), resp.received);
		print_as_error(f, as, resp.code, resp.payload, resp.payload_len);
		net_coaps_resp_free(&resp);
		goto out;
	}
	rc = resp.payload == NULL ? -1
	     : parse_token_response(f, resp.payload, resp.payload_len,
				    &expires_in);
	net_coaps_resp_free(&resp);
	if (rc == -1)
		fprintf(stderr, "%s: the AS's 2.01 is not an ACE token response\n",
			a->prog);
	if (rc != 0)
		goto out;
	if (decode_cnf(&f->rec, cnfbuf, sizeof cnfbuf, &claims) != OBOL_OK) {
		fprintf(stderr, "%s: the AS's cnf is not OSCORE_Input_Material"
			" (RFC 9203 3.2.1)\n", a->prog);
		obol_wipe(cnfbuf, sizeof cnfbuf);
		goto out;
	}
	obol_wipe(cnfbuf, sizeof cnfbuf);
	obol_wipe(&claims, sizeof claims);
	/* RFC 9200 5.8.2: expires_in counts from the response. Without it the
	 * token is kept an hour; a 4.01 from the RS ends it sooner. */
	f->rec.expiry = (int64_t)t + (expires_in >= 0 ? expires_in : 3600);
	free(f->rec.audience);
	f->rec.audience = xstrdup(audience);
	free(f->rec.as_uri);
	f->rec.as_uri = xstrdup(as);
	verbose(f, "token from %s: request %zu B -> 2.01 %zu B (token %zu B,"
		" expires in %lld s) [%s]", as, f->steps[f->nsteps - 1].sent,
		f->steps[f->nsteps - 1].received, f->rec.token_len,
		(long long)expires_in,
		f->steps[f->nsteps - 1].round_trips > 1
			? "DTLS handshake (3 round trips) + 1 exchange"
			: "1 exchange");
	result = 0;
out:
	obol_wipe(payload, sizeof payload);
	uri_free(&u);
	return result;
}

/* ---- /authz-info (step 4) --------------------------------------------------- */

static int upload_token(struct flow *f)
{
	const struct client_args *a = f->a;
	uint8_t payload[TOKEN_MAX + 64], req[NET_DATAGRAM_MAX],
		resp[NET_DATAGRAM_MAX];
	size_t plen, len, rlen, n2_len, id2_len;
	const uint8_t *n2, *id2;
	struct obol_coap_msg m;
	char cl[48];
	int err;

	f->rec.n1_len = OBOL_ACE_NONCE_LEN;
	f->rec.id1_len = 1;
	if (obol_port_random(f->rec.n1, f->rec.n1_len) != OBOL_OK ||
	    obol_port_random(f->rec.id1, f->rec.id1_len) != OBOL_OK) {
		fprintf(stderr, "%s: no randomness\n", a->prog);
		return -1;
	}
	err = obol_ace_authz_info_build(f->rec.token, f->rec.token_len, f->rec.n1,
					f->rec.n1_len, f->rec.id1, f->rec.id1_len,
					payload, sizeof payload, &plen);
	if (err == OBOL_OK)
		err = build_request(f, OBOL_COAP_POST, "/authz-info", NULL,
				    OBOL_CF_ACE_CBOR, payload, plen, req,
				    sizeof req, &len);
	if (err != OBOL_OK) {
		fprintf(stderr, "%s: the token does not fit a datagram (%s)\n",
			a->prog, obol_err_str(err));
		return -1;
	}
	if (exchange(f, req, len, resp, sizeof resp, &rlen) != NET_OK)
		return -1;
	if (obol_coap_parse(resp, rlen, &m) != OBOL_OK) {
		fprintf(stderr, "%s: malformed response from the RS\n", a->prog);
		return -1;
	}
	step_add(f, "authz-info", len, rlen, m.code, 1);
	code_long(m.code, cl);
	verbose(f, "POST /authz-info: %zu B -> %s %zu B", len, cl, rlen);
	if (m.code != OBOL_COAP_CREATED) {
		fprintf(stderr, "%s: the RS refused the token: %s\n", a->prog, cl);
		set_answer(f, &m);
		return -1;
	}
	err = m.payload == NULL ? OBOL_ERR_ACE_PARAM
	      : obol_ace_authz_info_parse(m.payload, m.payload_len, &n2,
					  &n2_len, &id2, &id2_len);
	if (err != OBOL_OK || n2_len > sizeof f->rec.n2 ||
	    id2_len > sizeof f->rec.id2) {
		fprintf(stderr, "%s: the RS's 2.01 from /authz-info is not"
			" {42: N2, 44: ID2} (RFC 9203 4.2)\n", a->prog);
		return -1;
	}
	if (id2_len == f->rec.id1_len && memcmp(id2, f->rec.id1, id2_len) == 0) {
		fprintf(stderr, "%s: the RS chose our Recipient ID as its own"
			" (RFC 9203 4.3 forbids deriving)\n", a->prog);
		return -1;
	}
	memcpy(f->rec.n2, n2, n2_len);
	f->rec.n2_len = n2_len;
	memcpy(f->rec.id2, id2, id2_len);
	f->rec.id2_len = id2_len;
	f->rec.ssn = 0;
	f->have_rec = 1;
	return 0;
}

/* ---- the protected request (step 5) ------------------------------------------ */

/*
 * The context from the record: RFC 9203 4.3 with Sender ID = ID2 and
 * Recipient ID = ID1 (this is the client), continuing at the recorded SSN.
 */
static int derive(const struct flow *f, struct obol_oscore_ctx *ctx)
{
	uint8_t buf[512];
	struct obol_cwt_claims c;
	int err;

	err = decode_cnf(&f->rec, buf, sizeof buf, &c);
	if (err == OBOL_OK)
		err = obol_ace_derive(ctx, &c.cnf_osc, f->rec.n1, f->rec.n1_len,
				      f->rec.n2, f->rec.n2_len, f->rec.id2,
				      f->rec.id2_len, f->rec.id1, f->rec.id1_len);
	obol_wipe(buf, sizeof buf);
	obol_wipe(&c, sizeof c);
	if (err != OBOL_OK) {
		fprintf(stderr, "%s: cannot derive the OSCORE context: %s\n",
			f->a->prog, obol_err_str(err));
		return -1;
	}
	/* B.1: no persistence hook; the SSN is written back by the caller
	 * before every request. restore() only sets it (the replay window it
	 * marks untrusted is a server's concern). */
	obol_oscore_restore(ctx, f->rec.ssn);
	return 0;
}

/* Step 5. 0 answered, 1 the RS does not know the context, -1 failed. */
static int protected_request(struct flow *f, const uint8_t *payload,
			     size_t plen)
{
	const struct client_args *a = f->a;
	struct obol_oscore_ctx ctx;
	struct obol_oscore_req binding;
	uint8_t plain[NET_DATAGRAM_MAX], req[NET_DATAGRAM_MAX],
		resp[NET_DATAGRAM_MAX], inner[NET_DATAGRAM_MAX];
	size_t plain_len, len, rlen, ilen;
	struct obol_coap_msg m, im;
	struct obol_oscore_option o;
	char cl[48];
	int err, rc = -1;

	memset(&ctx, 0, sizeof ctx);
	if (derive(f, &ctx) != 0)
		goto out;
	if (f->rec.ssn >= OBOL_OSCORE_SSN_MAX) {
		fprintf(stderr, "%s: sender sequence numbers used up\n", a->prog);
		goto out;
	}
	err = build_request(f, a->method, f->rs.path, f->rs.query, (int)a->cf,
			    payload, plen, plain, sizeof plain, &plain_len);
	if (err != OBOL_OK) {
		fprintf(stderr, "%s: the request does not fit a datagram\n",
			a->prog);
		goto out;
	}
	/* RFC 8613 7.2.1, B.1: the next SSN reaches the disk before this one
	 * is used. */
	f->rec.ssn++;
	if (cache_save(f) != 0)
		goto out;
	err = obol_oscore_protect_request(&ctx, plain, plain_len, req, sizeof req,
					  &len, &binding);
	obol_wipe(plain, sizeof plain);
	if (err != OBOL_OK) {
		fprintf(stderr, "%s: OSCORE: %s\n", a->prog, obol_err_str(err));
		goto out;
	}
	if (exchange(f, req, len, resp, sizeof resp, &rlen) != NET_OK)
		goto out;
	if (obol_coap_parse(resp, rlen, &m) != OBOL_OK) {
		fprintf(stderr, "%s: malformed response from the RS\n", a->prog);
		goto out;
	}
	if (obol_oscore_peek(resp, rlen, &o) != 1) {
		/* Unprotected: RFC 8613 8.2 errors. 4.01: the RS has no such
		 * context (any more). */
		step_add(f, "oscore", len, rlen, m.code, 1);
		code_long(m.code, cl);
		verbose(f, "%s %s (OSCORE): %zu B -> %s unprotected %zu B",
			method_name(a->method), f->rs.path, len, cl, rlen);
		if (m.code == OBOL_COAP_UNAUTHORIZED) {
			rc = 1;
			goto out;
		}
		fprintf(stderr, "%s: the RS answered the protected request"
			" unprotected: %s%s%.*s\n", a->prog, cl,
			m.payload ? ": " : "", (int)m.payload_len,
			m.payload ? (const char *)m.payload : "");
		set_answer(f, &m);
		rc = 0;
		goto out;
	}
	err = obol_oscore_unprotect_response(&ctx, &binding, resp, rlen, inner,
					     sizeof inner, &ilen);
	if (err == OBOL_OK)
		err = obol_coap_parse(inner, ilen, &im);
	if (err != OBOL_OK) {
		fprintf(stderr, "%s: the RS's response does not verify: %s\n",
			a->prog, obol_err_str(err));
		goto out;
	}
	step_add(f, "oscore", len, rlen, im.code, 1);
	code_long(im.code, cl);
	verbose(f, "%s %s (OSCORE): %zu B -> %s %zu B", method_name(a->method),
		f->rs.path,
		len, cl, rlen);
	set_answer(f, &im);
	obol_wipe(inner, sizeof inner);
	rc = 0;
out:
	obol_oscore_wipe(&ctx);
	return rc;
}

/* ---- output -------------------------------------------------------------- */

static void print_payload(const struct flow *f)
{
	obol_cbor_dec d;
	struct cli_buf b = {0};

	if (f->payload_len == 0)
		return;
	if (!f->a->raw && (f->cf == 60 || f->cf == OBOL_CF_ACE_CBOR) &&
	    obol_cbor_validate(f->payload, f->payload_len, 0, NULL) == OBOL_OK &&
	    obol_cbor_dec_init(&d, f->payload, f->payload_len, 0) == OBOL_OK &&
	    cli_diag_render(&d, 0, &b) == OBOL_OK) {
		cli_buf_putc(&b, '\n');
		fwrite(b.p, 1, b.len, stdout);
		cli_buf_free(&b);
		return;
	}
	cli_buf_free(&b);
	fwrite(f->payload, 1, f->payload_len, stdout);
	/* Text as is; on a terminal the prompt should not follow it. */
	if (!f->a->raw && f->payload[f->payload_len - 1] != '\n' &&
	    isatty(STDOUT_FILENO))
		fputc('\n', stdout);
}

static void print_json(const struct flow *f, double ms)
{
	struct cli_buf b = {0};
	char s[160];
	unsigned i;

	cli_buf_puts(&b, "{\"code\": ");
	if (f->have_answer) {
		code_text(f->code, s);
		cli_diag_text(&b, (const uint8_t *)s, strlen(s));
		snprintf(s, sizeof s, ", \"content_format\": %d", f->cf);
		cli_buf_puts(&b, f->cf >= 0 ? s : ", \"content_format\": null");
		if (f->payload_len > 0 && cli_utf8_valid(f->payload, f->payload_len) &&
		    f->cf != 60 && f->cf != OBOL_CF_ACE_CBOR) {
			cli_buf_puts(&b, ", \"payload\": ");
			cli_diag_text(&b, f->payload, f->payload_len);
		}
		cli_buf_puts(&b, ", \"payload_hex\": \"");
		cli_buf_hex(&b, f->payload, f->payload_len);
		cli_buf_putc(&b, '"');
	} else {
		cli_buf_puts(&b, "null");
	}
	cli_buf_puts(&b, ", \"steps\": [");
	for (i = 0; i < f->nsteps; i++) {
		const struct step *st = &f->steps[i];
		char c[8];

		code_text(st->code, c);
		snprintf(s, sizeof s, "%s{\"name\": \"%s\", \"sent\": %zu, \"received\":"
			 " %zu, \"code\": \"%s\", \"round_trips\": %u}",
			 i ? ", " : "", st->name, st->sent, st->received, c,
			 st->round_trips);
		cli_buf_puts(&b, s);
	}
	snprintf(s, sizeof s, "], \"round_trips\": %u, \"bytes_sent\": %zu,"
		 " \"bytes_received\": %zu, \"ms\": %.1f}\n", f->round_trips,
		 f->sent, f->received, ms);
	cli_buf_puts(&b, s);
	fwrite(b.p, 1, b.len, stdout);
	cli_buf_free(&b);
}

/* ---- the flow ------------------------------------------------------------ */

static int run(const struct client_args *a, const uint8_t *payload,
	       size_t plen)
{
	struct flow f;
	const char *audience;
	int rc, redone = 0, result = CLI_EXIT_FAIL;
	char cl[48];

	memset(&f, 0, sizeof f);
	f.a = a;
	f.udp.fd = -1;
	f.t0 = mono_now();
	if (uri_parse(a->prog, "URI", a->uri, &f.rs) != 0)
		return CLI_EXIT_USAGE;
	if (f.rs.secure) {
		fprintf(stderr, "%s: the RS is reached over coap:// (OSCORE protects"
			" the request), not coaps://\n", a->prog);
		uri_free(&f.rs);
		return CLI_EXIT_USAGE;
	}
	if (load_credentials(&f) != 0)
		goto out;
	if (!a->no_cache) {
		f.cache_dir = a->cache ? xstrdup(a->cache) : cache_dir_default();
		if (f.cache_dir == NULL) {
			fprintf(stderr, "%s: no cache directory: set HOME or give"
				" --cache DIR or --no-cache\n", a->prog);
			goto out;
		}
	}
	if (net_resolve(f.rs.host, f.rs.port, &f.addr, &f.addr_len) != NET_OK) {
		fprintf(stderr, "%s: %s: %s\n", a->prog, f.rs.host,
			net_err_str(NET_ERR_RESOLVE));
		goto out;
	}
	if (net_udp_open(&f.udp, &f.addr, f.addr_len) != NET_OK) {
		fprintf(stderr, "%s: socket: %s\n", a->prog, strerror(errno));
		goto out;
	}
	/* 1: a cached context */
	rc = cache_find(&f);
	if (rc < 0)
		goto out;
	if (rc == 0) {
		rc = protected_request(&f, payload, plen);
		if (rc < 0)
			goto out;
		if (rc == 0)
			goto answered;
		/* The RS lost it: a new token, once. */
		audience = NULL;
		free(f.hint_aud);
		f.hint_aud = xstrdup(f.rec.audience);
		if (f.hint_as == NULL && f.rec.as_uri != NULL)
			f.hint_as = xstrdup(f.rec.as_uri);
		cache_drop(&f);
		redone = 1;
	} else {
		/* 2: unprotected */
		rc = unprotected_request(&f, payload, plen);
		if (rc < 0)
			goto out;
		if (rc == 0)
			goto answered;
	}
	audience = f.hint_aud;
	for (;;) {
		/* 3, 4, 5 */
		if (get_token(&f, audience) != 0)
			goto out;
		if (upload_token(&f) != 0) {
			if (f.have_answer)
				goto answered_quiet;
			goto out;
		}
		if (f.cache_dir != NULL) {
			if (make_dir(a->prog, f.cache_dir) != 0)
				goto out;
			free(f.cache_file);
			f.cache_file = cache_path(&f, audience);
		}
		rc = protected_request(&f, payload, plen);
		if (rc < 0)
			goto out;
		if (rc == 0)
			break;
		if (redone) {
			fprintf(stderr, "%s: the RS does not accept the new context"
				" either (unprotected 4.01)\n", a->prog);
			goto out;
		}
		redone = 1;
		if (f.cache_file != NULL)
			(void)unlink(f.cache_file);
	}
answered:
	if (f.have_answer && (f.code >> 5) != 2) {
		code_long(f.code, cl);
		fprintf(stderr, "%s: %s\n", a->prog, cl);
	}
answered_quiet:
	if (a->json)
		print_json(&f, (mono_now() - f.t0) * 1000.0);
	else
		print_payload(&f);
	if (a->verbose)
		fprintf(stderr, "round trips: %u, bytes sent: %zu, received: %zu\n",
			f.round_trips, f.sent, f.received);
	result = f.have_answer && (f.code >> 5) == 2 ? CLI_EXIT_OK : CLI_EXIT_FAIL;
	goto done;
out:
	if (a->json)
		print_json(&f, (mono_now() - f.t0) * 1000.0);
	if (a->verbose && f.nsteps > 0)
		fprintf(stderr, "round trips: %u, bytes sent: %zu, received: %zu\n",
			f.round_trips, f.sent, f.received);
done:
	net_udp_close(&f.udp);
	uri_free(&f.rs);
	rec_free(&f.rec); /* also a partial one: it may hold a token or cnf */
	free(f.cache_dir);
	free(f.cache_file);
	free(f.as_uri);
	free(f.client_id);
	free_secret(&f.secret, f.secret_len);
	free(f.hint_as);
	free(f.hint_aud);
	free(f.payload);
	return result;
}

/* ---- command line -------------------------------------------------------- */

static int client_main(int argc, char **argv, uint8_t method, const char *name)
{
	struct client_args a;
	struct cli_args ca;
	const char *val;
	uint8_t *payload = NULL;
	size_t plen = 0;
	int id, rc;

	memset(&a, 0, sizeof a);
	snprintf(a.prog, sizeof a.prog, "obol %s", name);
	a.method = method;
	a.cf = -1;
	memset(&ca, 0, sizeof ca);
	ca.argc = argc;
	ca.argv = argv;
	while ((id = cli_next_opt(&ca, a.prog, client_opts, &val)) != CLI_OPT_END) {
		switch (id) {
		case OPT_HELP:
			fputs(client_help, stdout);
			return CLI_EXIT_OK;
		case OPT_PAYLOAD: a.payload_text = val; break;
		case OPT_PAYLOAD_FILE: a.payload_file = val; break;
		case OPT_CF:
			if (cli_int_arg(a.prog, "content-format", val, 0, 65535,
					&a.cf) != 0)
				return CLI_EXIT_USAGE;
			break;
		case OPT_AS: a.as = val; break;
		case OPT_CLIENT_ID: a.client_id = val; break;
		case OPT_SECRET: a.secret = val; break;
		case OPT_SECRET_FILE: a.secret_file = val; break;
		case OPT_CONFIG: a.config = val; break;
		case OPT_INSECURE: a.insecure = 1; break;
		case OPT_CACHE: a.cache = val; break;
		case OPT_NO_CACHE: a.no_cache = 1; break;
		case OPT_TIMEOUT: {
			char *end;

			errno = 0;
			a.timeout = strtod(val, &end);
			if (end == val || *end != '\0' || errno != 0 ||
			    !(a.timeout > 0 && a.timeout <= 3600))
				return usage_error(a.prog, "--timeout: seconds in"
						   " (0, 3600]");
			break;
		}
		case OPT_RAW: a.raw = 1; break;
		case OPT_JSON: a.json = 1; break;
		case OPT_VERBOSE: a.verbose = 1; break;
		case CLI_OPT_OPERAND:
			if (a.uri != NULL)
				return usage_error(a.prog, "give one URI");
			a.uri = val;
			break;
		default:
			return CLI_EXIT_USAGE;
		}
	}
	if (a.uri == NULL)
		return usage_error(a.prog, "a URI is needed, coap://HOST[:PORT]/PATH");
	if (a.payload_text != NULL && a.payload_file != NULL)
		return usage_error(a.prog, "give one of --payload, --payload-file");
	if (a.secret != NULL && a.secret_file != NULL)
		return usage_error(a.prog, "give one of --client-secret,"
				   " --client-secret-file");
	if (a.cache != NULL && a.no_cache)
		return usage_error(a.prog, "--cache and --no-cache exclude each"
				   " other");
	if (a.cache != NULL && a.cache[0] == '\0')
		return usage_error(a.prog, "--cache: empty directory name");
	if (a.payload_file != NULL) {
		if (cli_read_input(a.prog, a.payload_file, NET_DATAGRAM_MAX, &payload,
				   &plen) != 0)
			return CLI_EXIT_FAIL;
	} else if (a.payload_text != NULL) {
		plen = strlen(a.payload_text);
		payload = cli_xmalloc(plen + 1);
		memcpy(payload, a.payload_text, plen);
	}
	rc = run(&a, payload, plen);
	free(payload);
	return rc;
}

int cli_get(int argc, char **argv)
{
	return client_main(argc, argv, OBOL_COAP_GET, "get");
}

int cli_put(int argc, char **argv)
{
	return client_main(argc, argv, OBOL_COAP_PUT, "put");
}

int cli_post(int argc, char **argv)
{
	return client_main(argc, argv, OBOL_COAP_POST, "post");
}

int cli_delete(int argc, char **argv)
{
	return client_main(argc, argv, OBOL_COAP_DELETE, "delete");
}
