/*
 * obol as: set up and administer the Authorization Server (RFC 9200),
 * whose state is the store of src/as/store.h (one SQLite file), and run
 * it (`obol as serve`, as_serve.c).
 *
 *   init                   create the store, or migrate it to this version
 *   client add|del         clients: id and secret (the DTLS PSK)
 *   rs add|del             resource servers: audience, token key,
 *                          introspection secret, profiles, clock, lifetime
 *   grant / ungrant        (client, audience) -> scope (AIF or text)
 *   revoke                 token records, by cti or by client
 *   list                   what is stored; never secrets or keys
 *   retention / purge      how long token records and audit events stay
 *   privacy                what is stored, why and for how long
 *
 * Every command checks its whole command line before it opens the store,
 * so bad input changes nothing; each change is one store call (one
 * transaction), followed by an audit event. Secrets are shown once, when
 * they are generated, and wiped from memory after use.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "obol/aif.h"
#include "obol/crypto.h"
#include "policy.h"
#include "store.h"

#define DEFAULT_DB "./obol-as.db"
#define DEFAULT_LIFETIME 3600
/* 18 random bytes: 144 bits, 24 characters of base64url. */
#define SECRET_RANDOM_BYTES 18
#define RS_KEY_LEN 16 /* AES-CCM-16-64-128 (RFC 9203 default AEAD) */
#define DURATION_MAX ((int64_t)100 * 366 * 86400)

static const char as_help[] =
	"usage: obol as <command> [options] [--db PATH]\n"
	"\n"
	"Set up, administer and run the ACE Authorization Server (RFC 9200).\n"
	"Its state is one SQLite file: --db PATH, else $OBOL_AS_DB, else\n"
	"./obol-as.db. It holds client secrets and RS keys: it is created with\n"
	"mode 0600.\n"
	"\n"
	"commands:\n"
	"  init                          create the store (or bring it up to date)\n"
	"  client add ID [--secret TEXT | --secret-hex HEX] [--json]\n"
	"  client del ID\n"
	"  rs add AUDIENCE [--key HEX] [--secret TEXT | --secret-hex HEX]\n"
	"         [--profile coap_oscore|coap_dtls]... [--no-clock]\n"
	"         [--lifetime SECONDS] [--json]\n"
	"  rs del AUDIENCE\n"
	"  grant CLIENT AUDIENCE SCOPE   SCOPE: AIF JSON or text scope\n"
	"  ungrant CLIENT AUDIENCE\n"
	"  revoke CTI_HEX | revoke --client ID\n"
	"  list [clients|rs|grants|tokens|audit] [--json]\n"
	"  retention [--tokens DURATION] [--audit DURATION]\n"
	"  purge                         apply the retention periods now\n"
	"  privacy                       what is stored, why, for how long\n"
	"  serve                         run the server (see 'obol as serve --help')\n"
	"\n"
	"Run 'obol as <command> --help' for details, e.g.\n"
	"  obol as init --db /var/lib/obol/as.db\n"
	"  obol as client add sensor-reader\n"
	"  obol as rs add tempSensor4711\n"
	"  obol as grant sensor-reader tempSensor4711 '[[\"/temp\", [\"GET\"]]]'\n"
	"\n"
	"Exit status: 0 done; 1 failed (nothing was changed); 2 bad command line.\n";

static const char init_help[] =
	"usage: obol as init [--db PATH]\n"
	"\n"
	"Create the AS store (mode 0600, WAL mode). If it exists already, open\n"
	"it and migrate an older schema to this version; running init again is\n"
	"harmless.\n";

static const char client_help[] =
	"usage: obol as client add ID [--secret TEXT | --secret-hex HEX] [--json] [--db PATH]\n"
	"       obol as client del ID [--db PATH]\n"
	"\n"
	"add registers a client (RFC 9200 5.1): ID is its PSK identity, the\n"
	"secret its DTLS PSK (1-64 bytes). Without --secret or --secret-hex a\n"
	"secret of 24 printable characters (144 random bits, base64url) is\n"
	"generated and printed: this is the only time it is shown (libcoap's\n"
	"coap-client takes it as text: -u ID -k SECRET). --json prints\n"
	"{\"client\": ID, \"secret\": ...} instead (the secret only if generated).\n"
	"\n"
	"del removes the client and its grants; the records of tokens issued to\n"
	"it are kept (see 'obol as retention').\n";

static const char rs_help[] =
	"usage: obol as rs add AUDIENCE [--key HEX] [--secret TEXT | --secret-hex HEX]\n"
	"                  [--profile coap_oscore|coap_dtls]... [--no-clock]\n"
	"                  [--lifetime SECONDS] [--json] [--db PATH]\n"
	"       obol as rs del AUDIENCE [--db PATH]\n"
	"\n"
	"add registers a resource server by its audience (RFC 9200 5.8.1):\n"
	"  --key HEX       the 16-byte key its tokens are encrypted under\n"
	"                  (COSE_Encrypt0, AES-CCM-16-64-128); generated if absent\n"
	"  --secret TEXT, --secret-hex HEX\n"
	"                  the secret it authenticates with to /introspect (1-64\n"
	"                  bytes; a different key from the token key); generated\n"
	"                  (24 printable characters) if absent\n"
	"  --profile P     an ACE profile it supports: coap_oscore (RFC 9203, the\n"
	"                  default) or coap_dtls (RFC 9202); repeat for both\n"
	"  --no-clock      it has no wall clock: its tokens carry exi, not exp\n"
	"                  (RFC 9200 5.10.3)\n"
	"  --lifetime S    seconds its tokens are valid (default 3600; 30m, 12h,\n"
	"                  7d also work)\n"
	"  --json          print {\"audience\": ..., \"key\": ..., \"secret\": ...}\n"
	"Generated values are printed once (the key as hex): give them to the RS.\n"
	"\n"
	"del removes the resource server and the grants for it.\n";

static const char grant_help[] =
	"usage: obol as grant CLIENT AUDIENCE SCOPE [--db PATH]\n"
	"       obol as ungrant CLIENT AUDIENCE [--db PATH]\n"
	"\n"
	"grant lets CLIENT obtain tokens for AUDIENCE with at most SCOPE:\n"
	"  an AIF-REST scope (RFC 9237) in JSON, starting with '[':\n"
	"    '[[\"/temp\", [\"GET\"]], [\"/led\", [\"GET\", \"PUT\"]]]'\n"
	"    methods GET POST PUT DELETE FETCH PATCH iPATCH (case matters), or\n"
	"    the Tperm integer instead of the list: '[[\"/led\", 5]]'\n"
	"  or a text scope (RFC 6749 3.3): scope-tokens separated by single\n"
	"    spaces, e.g. 'read write'\n"
	"A client has one grant per audience: ungrant it to change it.\n";

static const char revoke_help[] =
	"usage: obol as revoke CTI_HEX [--db PATH]\n"
	"       obol as revoke --client ID [--db PATH]\n"
	"\n"
	"Mark one issued token (by its cti, as hex) or every token of a client\n"
	"as revoked: introspection reports it inactive (RFC 9200 5.9).\n";

static const char list_help[] =
	"usage: obol as list [clients|rs|grants|tokens|audit] [--json] [--db PATH]\n"
	"\n"
	"Print what the store holds (default: clients), in a stable order.\n"
	"Secrets and keys are never printed, only \"set, N bytes\". Scopes are\n"
	"AIF JSON with method names, or the text scope in quotes; times are\n"
	"ISO 8601 UTC. --json prints a JSON array of objects.\n";

static const char retention_help[] =
	"usage: obol as retention [--tokens DURATION] [--audit DURATION] [--db PATH]\n"
	"\n"
	"Without options print how long records are kept; with them, set it:\n"
	"  --tokens D   keep issued-token records D past their expiry\n"
	"               (default 7d)\n"
	"  --audit D    keep audit events D (default 30d)\n"
	"D is seconds, or a number with s, m, h or d: 3600, 90m, 12h, 7d.\n"
	"'obol as purge' (and the server, periodically) deletes what is older.\n";

static const char purge_help[] =
	"usage: obol as purge [--db PATH]\n"
	"\n"
	"Delete the token records and audit events older than the retention\n"
	"periods ('obol as retention') now, and print how many.\n";

static const char privacy_help[] =
	"usage: obol as privacy [--db PATH]\n"
	"\n"
	"Print what the AS stores, why, for how long, and how much of each.\n";

enum {
	OPT_HELP = 1, OPT_DB, OPT_JSON, OPT_SECRET, OPT_SECRET_HEX, OPT_KEY,
	OPT_PROFILE, OPT_NO_CLOCK, OPT_LIFETIME, OPT_CLIENT, OPT_TOKENS, OPT_AUDIT
};

/* What every command has: its name, --db, --json, operands. */
struct as_cmd {
	const char *prog; /* "obol as client add" */
	const char *help;
	const char *db;
	int json;
	const char *ops[4];
	int nops;
	int maxops;
};

static int usage_error(const struct as_cmd *c, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", c->prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs(" (try --help)\n", stderr);
	return CLI_EXIT_USAGE;
}

static int fail(const struct as_cmd *c, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", c->prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return CLI_EXIT_FAIL;
}

/*
 * Walk the command line: --help, --db, --json and operands here, the
 * rest to opt(). -1 to go on, or the exit status (help printed: 0).
 */
static int parse(struct as_cmd *c, int argc, char **argv,
		 const struct cli_opt *opts,
		 int (*opt)(struct as_cmd *c, int id, const char *val, void *arg),
		 void *arg)
{
	struct cli_args a;
	const char *val;
	int id, rc;

	memset(&a, 0, sizeof a);
	a.argc = argc;
	a.argv = argv;
	while ((id = cli_next_opt(&a, c->prog, opts, &val)) != CLI_OPT_END) {
		switch (id) {
		case OPT_HELP:
			fputs(c->help, stdout);
			return CLI_EXIT_OK;
		case OPT_DB:
			if (val[0] == '\0')
				return usage_error(c, "--db: empty path");
			c->db = val;
			break;
		case OPT_JSON:
			c->json = 1;
			break;
		case CLI_OPT_OPERAND:
			if (c->nops == c->maxops)
				return usage_error(c, "unexpected argument '%s'", val);
			c->ops[c->nops++] = val;
			break;
		case CLI_OPT_ERROR:
			return CLI_EXIT_USAGE;
		default:
			if (opt == NULL)
				return CLI_EXIT_USAGE;
			rc = opt(c, id, val, arg);
			if (rc >= 0)
				return rc;
		}
	}
	if (c->db == NULL) {
		const char *env = getenv("OBOL_AS_DB");
		c->db = env != NULL && env[0] != '\0' ? env : DEFAULT_DB;
	}
	return -1;
}

static void cmd_init(struct as_cmd *c, const char *prog, const char *help,
		     int maxops)
{
	memset(c, 0, sizeof *c);
	c->prog = prog;
	c->help = help;
	c->maxops = maxops;
}

/* The store, which must exist (create: `obol as init`); NULL if not. */
static struct as_store *open_store(const struct as_cmd *c, int create)
{
	struct as_store *st = NULL;
	char err[512];
	int rc = as_store_open(c->db, create, AS_SYNC_FULL, &st, err, sizeof err);

	if (rc == AS_ENOTFOUND)
		fail(c, "no AS store at %s (create it with 'obol as init')", c->db);
	else if (rc != AS_OK)
		fail(c, "%s", err);
	return rc == AS_OK ? st : NULL;
}

static void audit(const struct as_cmd *c, struct as_store *st,
		  const char *event, const char *client, const char *audience,
		  const char *detail)
{
	char d[256];

	/* Cut a long detail (a scope) rather than lose the event. */
	snprintf(d, sizeof d, "%s", detail != NULL ? detail : "");
	if (as_audit_add(st, (int64_t)time(NULL), event, client, audience, d) !=
	    AS_OK)
		fprintf(stderr, "%s: warning: the change was made but its audit"
			" event could not be written: %s\n", c->prog,
			as_store_errmsg(st));
}

static int store_error(const struct as_cmd *c, struct as_store *st, int rc)
{
	if (rc == AS_EDB)
		return fail(c, "%s", as_store_errmsg(st));
	return fail(c, "store error %d", rc);
}

/*
 * A client id or audience: 1..AS_NAME_MAX bytes of UTF-8 without control
 * characters (they end up in logs and on terminals).
 */
static int check_name(const struct as_cmd *c, const char *what, const char *s)
{
	size_t i, n = strlen(s);

	if (n == 0)
		return fail(c, "empty %s", what);
	if (n > AS_NAME_MAX)
		return fail(c, "%s too long (%zu bytes, at most %d)", what,
				   n, AS_NAME_MAX);
	if (!cli_utf8_valid((const uint8_t *)s, n))
		return fail(c, "%s is not UTF-8", what);
	for (i = 0; i < n; i++)
		if ((uint8_t)s[i] < 0x20 || s[i] == 0x7f)
			return fail(c, "%s has a control character", what);
	return -1;
}

/* ---- secrets -------------------------------------------------------------- */

struct secret_arg {
	const char *text; /* --secret */
	const char *hex;  /* --secret-hex */
};

/*
 * The secret from --secret / --secret-hex into out (1..AS_SECRET_MAX
 * bytes), or a generated printable one (*generated = 1). -1 or the exit
 * status on error.
 */
static int get_secret(const struct as_cmd *c, const struct secret_arg *s,
		      uint8_t out[AS_SECRET_MAX], size_t *len, int *generated)
{
	*generated = 0;
	if (s->text != NULL) {
		*len = strlen(s->text);
		if (*len == 0 || *len > AS_SECRET_MAX)
			return fail(c, "--secret: %zu bytes; a secret has 1-%d", *len,
				    AS_SECRET_MAX);
		memcpy(out, s->text, *len);
	} else if (s->hex != NULL) {
		uint8_t *p;
		size_t n;

		if (cli_hex_arg(c->prog, "secret-hex", s->hex, &p, &n) != 0)
			return CLI_EXIT_USAGE;
		if (n == 0 || n > AS_SECRET_MAX) {
			obol_wipe(p, n);
			free(p);
			return fail(c, "--secret-hex: %zu bytes; a secret has 1-%d",
				    n, AS_SECRET_MAX);
		}
		memcpy(out, p, n);
		*len = n;
		obol_wipe(p, n);
		free(p);
	} else {
		uint8_t r[SECRET_RANDOM_BYTES];
		struct cli_buf b = {0};

		if (obol_port_random(r, sizeof r) != 0)
			return fail(c, "no randomness to generate a secret");
		/* Text, because coap-client -k takes the PSK only as text. */
		cli_buf_base64url(&b, r, sizeof r);
		obol_wipe(r, sizeof r);
		memcpy(out, b.p, b.len);
		*len = b.len;
		obol_wipe(b.p, b.len);
		cli_buf_free(&b);
		*generated = 1;
	}
	return -1;
}

static int secret_opt(struct as_cmd *c, int id, const char *val,
		      struct secret_arg *s)
{
	if (id == OPT_SECRET || id == OPT_SECRET_HEX) {
		if (s->text != NULL || s->hex != NULL)
			return usage_error(c, "give one of --secret, --secret-hex");
		if (id == OPT_SECRET)
			s->text = val;
		else
			s->hex = val;
		return -1;
	}
	return CLI_EXIT_USAGE;
}

/* ---- init ------------------------------------------------------------------------ */

static const struct cli_opt plain_opts[] = {
	{"help", 0, OPT_HELP}, {"db", 1, OPT_DB}, {NULL, 0, 0},
};

static int as_init(int argc, char **argv)
{
	struct as_cmd c;
	struct as_store *st;
	FILE *f;
	int rc, existed;

	cmd_init(&c, "obol as init", init_help, 0);
	if ((rc = parse(&c, argc, argv, plain_opts, NULL, NULL)) >= 0)
		return rc;
	f = fopen(c.db, "rb");
	existed = f != NULL;
	if (f != NULL)
		fclose(f);
	if ((st = open_store(&c, 1)) == NULL)
		return CLI_EXIT_FAIL;
	if (existed) {
		printf("the AS store %s is up to date (schema version %d)\n", c.db,
		       as_store_version(st));
	} else {
		audit(&c, st, "init", NULL, NULL, NULL);
		printf("created the AS store %s (schema version %d)\n", c.db,
		       as_store_version(st));
	}
	as_store_close(st);
	return CLI_EXIT_OK;
}

/* ---- clients ------------------------------------------------------------------------ */

static const struct cli_opt client_add_opts[] = {
	{"help", 0, OPT_HELP}, {"db", 1, OPT_DB}, {"json", 0, OPT_JSON},
	{"secret", 1, OPT_SECRET}, {"secret-hex", 1, OPT_SECRET_HEX},
	{NULL, 0, 0},
};

static int client_add_opt(struct as_cmd *c, int id, const char *val, void *arg)
{
	return secret_opt(c, id, val, arg);
}

static int client_add(int argc, char **argv)
{
	struct as_cmd c;
	struct secret_arg sa = {NULL, NULL};
	struct as_client cl;
	struct as_store *st;
	int rc, generated;

	cmd_init(&c, "obol as client add", client_help, 1);
	if ((rc = parse(&c, argc, argv, client_add_opts, client_add_opt, &sa)) >= 0)
		return rc;
	if (c.nops < 1)
		return usage_error(&c, "a client ID is needed");
	if ((rc = check_name(&c, "client ID", c.ops[0])) >= 0)
		return rc;
	memset(&cl, 0, sizeof cl);
	memcpy(cl.id, c.ops[0], strlen(c.ops[0]));
	if ((rc = get_secret(&c, &sa, cl.secret, &cl.secret_len, &generated)) >= 0)
		return rc;
	rc = CLI_EXIT_FAIL;
	if ((st = open_store(&c, 0)) == NULL)
		goto out;
	cl.created = (int64_t)time(NULL);
	/* One DTLS PSK identity names one party: a client id may not be an
	 * RS audience (obol as serve looks clients up first). */
	{
		struct as_rs other;

		if (as_rs_get(st, cl.id, &other) == AS_OK) {
			obol_wipe(&other, sizeof other);
			fail(&c, "'%s' is a resource server's audience; a client "
			     "id must differ (both are DTLS identities)", cl.id);
			goto close;
		}
	}
	switch (as_client_add(st, &cl)) {
	case AS_OK:
		break;
	case AS_EEXISTS:
		fail(&c, "client '%s' exists already", cl.id);
		goto close;
	default:
		store_error(&c, st, AS_EDB);
		goto close;
	}
	audit(&c, st, "client_add", cl.id, NULL, NULL);
	if (c.json) {
		struct cli_buf b = {0};

		cli_buf_puts(&b, "{\"client\": ");
		cli_diag_text(&b, (const uint8_t *)cl.id, strlen(cl.id));
		if (generated) {
			cli_buf_puts(&b, ", \"secret\": ");
			cli_diag_text(&b, cl.secret, cl.secret_len);
		}
		cli_buf_puts(&b, "}\n");
		fwrite(b.p, 1, b.len, stdout);
		obol_wipe(b.p, b.len);
		cli_buf_free(&b);
	} else if (generated) {
		printf("added client %s\n", cl.id);
		printf("secret: %.*s\n", (int)cl.secret_len, (const char *)cl.secret);
		printf("This is the only time the secret is shown. The client uses"
		       " it as its DTLS PSK\n(identity \"%s\"), e.g. coap-client -u"
		       " '%s' -k SECRET.\n", cl.id, cl.id);
	} else {
		printf("added client %s (secret set, %zu bytes)\n", cl.id,
		       cl.secret_len);
	}
	rc = CLI_EXIT_OK;
close:
	as_store_close(st);
out:
	obol_wipe(&cl, sizeof cl);
	return rc;
}

static int client_del(int argc, char **argv)
{
	struct as_cmd c;
	struct as_store *st;
	int rc;

	cmd_init(&c, "obol as client del", client_help, 1);
	if ((rc = parse(&c, argc, argv, plain_opts, NULL, NULL)) >= 0)
		return rc;
	if (c.nops < 1)
		return usage_error(&c, "a client ID is needed");
	if ((rc = check_name(&c, "client ID", c.ops[0])) >= 0)
		return rc;
	if ((st = open_store(&c, 0)) == NULL)
		return CLI_EXIT_FAIL;
	rc = as_client_del(st, c.ops[0]);
	if (rc == AS_OK) {
		audit(&c, st, "client_del", c.ops[0], NULL, NULL);
		printf("deleted client %s and its grants (its token records are"
		       " kept)\n", c.ops[0]);
		rc = CLI_EXIT_OK;
	} else if (rc == AS_ENOTFOUND) {
		rc = fail(&c, "no client '%s'", c.ops[0]);
	} else {
		rc = store_error(&c, st, rc);
	}
	as_store_close(st);
	return rc;
}

/* ---- resource servers ----------------------------------------------------------------- */

static const struct cli_opt rs_add_opts[] = {
	{"help", 0, OPT_HELP}, {"db", 1, OPT_DB}, {"json", 0, OPT_JSON},
	{"key", 1, OPT_KEY}, {"secret", 1, OPT_SECRET},
	{"secret-hex", 1, OPT_SECRET_HEX}, {"profile", 1, OPT_PROFILE},
	{"no-clock", 0, OPT_NO_CLOCK}, {"lifetime", 1, OPT_LIFETIME},
	{NULL, 0, 0},
};

/* RFC 9200 8.8 profile ids; bit n of as_rs.profiles (AS_PROFILE_BIT). */
static const struct {
	const char *name;
	unsigned id;
} profiles[] = {
	{"coap_dtls", 1},
	{"coap_oscore", 2},
};

#define NPROFILES (sizeof profiles / sizeof profiles[0])

struct rs_args {
	struct secret_arg secret;
	const char *key_hex;
	unsigned profiles;
	int no_clock;
	int64_t lifetime;
};

/*
 * "3600", "90s", "30m", "12h", "7d" to seconds in [min, DURATION_MAX];
 * -1 if not.
 */
static int parse_duration(const char *s, int64_t min, int64_t *out)
{
	int64_t v = 0, unit = 1;
	const char *p = s;

	if (*p < '0' || *p > '9')
		return -1;
	for (; *p >= '0' && *p <= '9'; p++) {
		v = v * 10 + (*p - '0');
		if (v > DURATION_MAX)
			return -1;
	}
	if (*p != '\0') {
		switch (*p) {
		case 's': unit = 1; break;
		case 'm': unit = 60; break;
		case 'h': unit = 3600; break;
		case 'd': unit = 86400; break;
		default: return -1;
		}
		if (p[1] != '\0')
			return -1;
	}
	if (v > DURATION_MAX / unit || v * unit < min)
		return -1;
	*out = v * unit;
	return 0;
}

static int rs_add_opt(struct as_cmd *c, int id, const char *val, void *arg)
{
	struct rs_args *r = arg;
	size_t i;

	switch (id) {
	case OPT_SECRET:
	case OPT_SECRET_HEX:
		return secret_opt(c, id, val, &r->secret);
	case OPT_KEY:
		if (r->key_hex != NULL)
			return usage_error(c, "give one --key");
		r->key_hex = val;
		return -1;
	case OPT_PROFILE:
		for (i = 0; i < NPROFILES; i++)
			if (strcmp(val, profiles[i].name) == 0) {
				r->profiles |= AS_PROFILE_BIT(profiles[i].id);
				return -1;
			}
		return usage_error(c, "--profile: unknown profile '%s' (coap_oscore,"
				   " coap_dtls)", val);
	case OPT_NO_CLOCK:
		r->no_clock = 1;
		return -1;
	case OPT_LIFETIME:
		if (parse_duration(val, 1, &r->lifetime) != 0)
			return usage_error(c, "--lifetime: '%s' is not a duration of"
					   " at least 1 s (e.g. 3600, 30m, 12h, 7d)",
					   val);
		return -1;
	}
	return CLI_EXIT_USAGE;
}

static void profile_names(struct cli_buf *b, unsigned bits, int json)
{
	size_t i;
	int first = 1;

	for (i = 0; i < NPROFILES; i++) {
		if (!(bits & AS_PROFILE_BIT(profiles[i].id)))
			continue;
		if (!first)
			cli_buf_puts(b, json ? ", " : ",");
		first = 0;
		if (json)
			cli_buf_putc(b, '"');
		cli_buf_puts(b, profiles[i].name);
		if (json)
			cli_buf_putc(b, '"');
	}
	if (first && !json)
		cli_buf_puts(b, "none");
}

static int rs_add(int argc, char **argv)
{
	struct as_cmd c;
	struct rs_args r;
	struct as_rs rs;
	struct as_store *st = NULL;
	struct cli_buf b = {0};
	int rc, gen_secret, gen_key = 0;

	memset(&r, 0, sizeof r);
	r.lifetime = DEFAULT_LIFETIME;
	cmd_init(&c, "obol as rs add", rs_help, 1);
	if ((rc = parse(&c, argc, argv, rs_add_opts, rs_add_opt, &r)) >= 0)
		return rc;
	if (c.nops < 1)
		return usage_error(&c, "an AUDIENCE is needed");
	if ((rc = check_name(&c, "audience", c.ops[0])) >= 0)
		return rc;
	/* An exi token's cti is the audience and a 4-byte sequence number
	 * (RFC 9200 5.10.3), and a cti has at most AS_CTI_MAX bytes. */
	if (r.no_clock && strlen(c.ops[0]) + 4 > AS_CTI_MAX)
		return fail(&c, "an RS without a clock needs an audience of at "
			    "most %d bytes (it prefixes its tokens' cti)",
			    AS_CTI_MAX - 4);
	memset(&rs, 0, sizeof rs);
	memcpy(rs.audience, c.ops[0], strlen(c.ops[0]));
	if (r.key_hex != NULL) {
		uint8_t *k;
		size_t n;

		if (cli_hex_arg(c.prog, "key", r.key_hex, &k, &n) != 0)
			return CLI_EXIT_USAGE;
		if (n != RS_KEY_LEN) {
			obol_wipe(k, n);
			free(k);
			return fail(&c, "--key: %zu bytes; the token key is 16 bytes"
				    " (AES-CCM-16-64-128)", n);
		}
		memcpy(rs.key, k, n);
		obol_wipe(k, n);
		free(k);
	} else {
		if (obol_port_random(rs.key, RS_KEY_LEN) != 0)
			return fail(&c, "no randomness to generate a key");
		gen_key = 1;
	}
	rs.key_len = RS_KEY_LEN;
	if ((rc = get_secret(&c, &r.secret, rs.secret, &rs.secret_len,
			     &gen_secret)) >= 0)
		goto out;
	rs.profiles = r.profiles != 0 ? r.profiles : AS_PROFILE_BIT(2);
	rs.has_clock = !r.no_clock;
	rs.lifetime = r.lifetime;
	rs.created = (int64_t)time(NULL);
	rc = CLI_EXIT_FAIL;
	if ((st = open_store(&c, 0)) == NULL)
		goto out;
	{
		struct as_client other;

		if (as_client_get(st, rs.audience, &other) == AS_OK) {
			obol_wipe(&other, sizeof other);
			fail(&c, "'%s' is a client id; an RS audience must "
			     "differ (both are DTLS identities)", rs.audience);
			goto out;
		}
	}
	switch (as_rs_add(st, &rs)) {
	case AS_OK:
		break;
	case AS_EEXISTS:
		fail(&c, "resource server '%s' exists already", rs.audience);
		goto out;
	default:
		store_error(&c, st, AS_EDB);
		goto out;
	}
	audit(&c, st, "rs_add", NULL, rs.audience, NULL);
	if (c.json) {
		cli_buf_puts(&b, "{\"audience\": ");
		cli_diag_text(&b, (const uint8_t *)rs.audience, strlen(rs.audience));
		if (gen_key) {
			cli_buf_puts(&b, ", \"key\": \"");
			cli_buf_hex(&b, rs.key, rs.key_len);
			cli_buf_putc(&b, '"');
		}
		if (gen_secret) {
			cli_buf_puts(&b, ", \"secret\": ");
			cli_diag_text(&b, rs.secret, rs.secret_len);
		}
		cli_buf_puts(&b, "}\n");
	} else {
		char line[64];

		cli_buf_puts(&b, "added resource server ");
		cli_buf_puts(&b, rs.audience);
		cli_buf_puts(&b, " (profiles ");
		profile_names(&b, rs.profiles, 0);
		snprintf(line, sizeof line, ", %s, token lifetime %lld s)\n",
			 rs.has_clock ? "clock" : "no clock (exi)",
			 (long long)rs.lifetime);
		cli_buf_puts(&b, line);
		if (gen_key) {
			cli_buf_puts(&b, "token key: ");
			cli_buf_hex(&b, rs.key, rs.key_len);
			cli_buf_putc(&b, '\n');
		}
		if (gen_secret) {
			cli_buf_puts(&b, "introspection secret: ");
			cli_buf_putn(&b, (const char *)rs.secret, rs.secret_len);
			cli_buf_putc(&b, '\n');
		}
		if (gen_key || gen_secret)
			cli_buf_puts(&b, "This is the only time they are shown:"
				     " configure the resource server with them.\n");
	}
	fwrite(b.p, 1, b.len, stdout);
	rc = CLI_EXIT_OK;
out:
	if (b.p != NULL)
		obol_wipe(b.p, b.len);
	cli_buf_free(&b);
	as_store_close(st);
	obol_wipe(&rs, sizeof rs);
	return rc;
}

static int rs_del(int argc, char **argv)
{
	struct as_cmd c;
	struct as_store *st;
	int rc;

	cmd_init(&c, "obol as rs del", rs_help, 1);
	if ((rc = parse(&c, argc, argv, plain_opts, NULL, NULL)) >= 0)
		return rc;
	if (c.nops < 1)
		return usage_error(&c, "an AUDIENCE is needed");
	if ((rc = check_name(&c, "audience", c.ops[0])) >= 0)
		return rc;
	if ((st = open_store(&c, 0)) == NULL)
		return CLI_EXIT_FAIL;
	rc = as_rs_del(st, c.ops[0]);
	if (rc == AS_OK) {
		audit(&c, st, "rs_del", NULL, c.ops[0], NULL);
		printf("deleted resource server %s and the grants for it\n",
		       c.ops[0]);
		rc = CLI_EXIT_OK;
	} else if (rc == AS_ENOTFOUND) {
		rc = fail(&c, "no resource server '%s'", c.ops[0]);
	} else {
		rc = store_error(&c, st, rc);
	}
	as_store_close(st);
	return rc;
}

/* ---- grants --------------------------------------------------------------------------- */

/* A scope as people read it: AIF JSON, or the text as a JSON string. */
static void scope_text(struct cli_buf *b, int type, const uint8_t *s, size_t n)
{
	if (type == AS_SCOPE_AIF && cli_aif_to_json(s, n, b) == OBOL_OK)
		return;
	cli_diag_text(b, s, n);
}

static int grant(int argc, char **argv)
{
	struct as_cmd c;
	struct as_grant g;
	struct as_client cl;
	struct as_rs rs;
	struct as_store *st;
	struct cli_buf shown = {0};
	const char *scope;
	int rc;

	cmd_init(&c, "obol as grant", grant_help, 3);
	if ((rc = parse(&c, argc, argv, plain_opts, NULL, NULL)) >= 0)
		return rc;
	if (c.nops < 3)
		return usage_error(&c, "give CLIENT AUDIENCE SCOPE");
	if ((rc = check_name(&c, "client ID", c.ops[0])) >= 0 ||
	    (rc = check_name(&c, "audience", c.ops[1])) >= 0)
		return rc;
	memset(&g, 0, sizeof g);
	memcpy(g.client, c.ops[0], strlen(c.ops[0]));
	memcpy(g.audience, c.ops[1], strlen(c.ops[1]));
	scope = c.ops[2];
	if (scope[0] == '[') {
		struct cli_json root;
		uint8_t *aif = NULL;
		size_t len = 0;

		if (cli_json_parse(c.prog, "scope", (const uint8_t *)scope,
				   strlen(scope), &root) != 0)
			return CLI_EXIT_FAIL;
		rc = cli_aif_from_json(c.prog, "scope", &root, &aif, &len);
		cli_json_free(&root);
		if (rc != 0)
			return CLI_EXIT_FAIL;
		if (len > AS_SCOPE_MAX) {
			free(aif);
			return fail(&c, "scope: %zu bytes of CBOR AIF; at most %d", len,
				    AS_SCOPE_MAX);
		}
		g.scope_type = AS_SCOPE_AIF;
		memcpy(g.scope, aif, len);
		g.scope_len = len;
		free(aif);
	} else {
		size_t len = strlen(scope);

		if (len > AS_SCOPE_MAX)
			return fail(&c, "scope: %zu bytes; at most %d", len,
				    AS_SCOPE_MAX);
		if (!as_scope_text_valid((const uint8_t *)scope, len))
			return fail(&c, "scope: '%s' is neither AIF JSON (starting with"
				    " '[') nor a text scope (RFC 6749 3.3: scope-tokens"
				    " of printable ASCII but '\"' and '\\', separated by"
				    " single spaces)", scope);
		g.scope_type = AS_SCOPE_TEXT;
		memcpy(g.scope, scope, len);
		g.scope_len = len;
	}
	if ((st = open_store(&c, 0)) == NULL)
		return CLI_EXIT_FAIL;
	rc = CLI_EXIT_FAIL;
	/* Look first, to say which one is missing. */
	if ((rc = as_client_get(st, g.client, &cl)) != AS_OK) {
		obol_wipe(&cl, sizeof cl);
		rc = rc == AS_ENOTFOUND ? fail(&c, "no client '%s'", g.client)
					: store_error(&c, st, rc);
		goto out;
	}
	obol_wipe(&cl, sizeof cl);
	if ((rc = as_rs_get(st, g.audience, &rs)) != AS_OK) {
		obol_wipe(&rs, sizeof rs);
		rc = rc == AS_ENOTFOUND ? fail(&c, "no resource server '%s'",
					       g.audience)
					: store_error(&c, st, rc);
		goto out;
	}
	obol_wipe(&rs, sizeof rs);
	g.created = (int64_t)time(NULL);
	rc = as_grant_add(st, &g);
	if (rc == AS_EEXISTS) {
		rc = fail(&c, "client '%s' has a grant for '%s' already ('obol as"
			  " ungrant' it first)", g.client, g.audience);
		goto out;
	}
	if (rc == AS_ENOTFOUND) { /* deleted meanwhile */
		rc = fail(&c, "no client '%s' or resource server '%s'", g.client,
			  g.audience);
		goto out;
	}
	if (rc != AS_OK) {
		rc = store_error(&c, st, rc);
		goto out;
	}
	scope_text(&shown, g.scope_type, g.scope, g.scope_len);
	audit(&c, st, "grant", g.client, g.audience, shown.p);
	printf("granted %s at %s: %s\n", g.client, g.audience, shown.p);
	rc = CLI_EXIT_OK;
out:
	cli_buf_free(&shown);
	as_store_close(st);
	return rc;
}

static int ungrant(int argc, char **argv)
{
	struct as_cmd c;
	struct as_store *st;
	int rc;

	cmd_init(&c, "obol as ungrant", grant_help, 2);
	if ((rc = parse(&c, argc, argv, plain_opts, NULL, NULL)) >= 0)
		return rc;
	if (c.nops < 2)
		return usage_error(&c, "give CLIENT AUDIENCE");
	if ((rc = check_name(&c, "client ID", c.ops[0])) >= 0 ||
	    (rc = check_name(&c, "audience", c.ops[1])) >= 0)
		return rc;
	if ((st = open_store(&c, 0)) == NULL)
		return CLI_EXIT_FAIL;
	rc = as_grant_del(st, c.ops[0], c.ops[1]);
	if (rc == AS_OK) {
		audit(&c, st, "ungrant", c.ops[0], c.ops[1], NULL);
		printf("removed the grant of %s at %s\n", c.ops[0], c.ops[1]);
		rc = CLI_EXIT_OK;
	} else if (rc == AS_ENOTFOUND) {
		rc = fail(&c, "client '%s' has no grant for '%s'", c.ops[0],
			  c.ops[1]);
	} else {
		rc = store_error(&c, st, rc);
	}
	as_store_close(st);
	return rc;
}

/* ---- revoke ---------------------------------------------------------------------------- */

static const struct cli_opt revoke_opts[] = {
	{"help", 0, OPT_HELP}, {"db", 1, OPT_DB}, {"client", 1, OPT_CLIENT},
	{NULL, 0, 0},
};

static int revoke_opt(struct as_cmd *c, int id, const char *val, void *arg)
{
	const char **client = arg;

	(void)c;
	if (id != OPT_CLIENT)
		return CLI_EXIT_USAGE;
	*client = val;
	return -1;
}

static int revoke(int argc, char **argv)
{
	struct as_cmd c;
	struct as_store *st;
	const char *client = NULL;
	uint8_t cti[AS_CTI_MAX];
	size_t cti_len = 0;
	int rc;

	cmd_init(&c, "obol as revoke", revoke_help, 1);
	if ((rc = parse(&c, argc, argv, revoke_opts, revoke_opt, &client)) >= 0)
		return rc;
	if ((c.nops == 1) == (client != NULL))
		return usage_error(&c, "give a CTI_HEX or --client ID");
	if (client != NULL) {
		if ((rc = check_name(&c, "client ID", client)) >= 0)
			return rc;
	} else {
		size_t n = strlen(c.ops[0]), pos = 0;
		uint8_t *t = cli_xmalloc(n + 1);

		memcpy(t, c.ops[0], n);
		rc = cli_hex_decode(t, &n, &pos);
		if (rc == CLI_HEX_OK && (n == 0 || n > AS_CTI_MAX)) {
			free(t);
			return fail(&c, "a cti has 1-%d bytes, not %zu", AS_CTI_MAX,
				    n);
		}
		if (rc != CLI_HEX_OK) {
			free(t);
			return usage_error(&c, "'%s' is not hex (%s at offset %zu)",
					   c.ops[0], rc == CLI_HEX_ODD ?
					   "odd number of digits" : "bad digit", pos);
		}
		memcpy(cti, t, n);
		cti_len = n;
		free(t);
	}
	if ((st = open_store(&c, 0)) == NULL)
		return CLI_EXIT_FAIL;
	if (client != NULL) {
		unsigned long n = 0;
		char d[64];

		rc = as_token_revoke_client(st, client, &n);
		if (rc == AS_OK) {
			snprintf(d, sizeof d, "%lu token%s", n, n == 1 ? "" : "s");
			audit(&c, st, "revoke", client, NULL, d);
			printf("revoked %lu token%s of client %s\n", n,
			       n == 1 ? "" : "s", client);
			rc = CLI_EXIT_OK;
		} else {
			rc = store_error(&c, st, rc);
		}
	} else {
		struct cli_buf hex = {0};

		cli_buf_hex(&hex, cti, cti_len);
		rc = as_token_revoke(st, cti, cti_len);
		if (rc == AS_OK) {
			struct cli_buf d = {0};

			cli_buf_puts(&d, "cti ");
			cli_buf_append(&d, &hex);
			audit(&c, st, "revoke", NULL, NULL, d.p);
			cli_buf_free(&d);
			printf("revoked token %s\n", hex.p);
			rc = CLI_EXIT_OK;
		} else if (rc == AS_ENOTFOUND) {
			rc = fail(&c, "no token with cti %s", hex.p);
		} else {
			rc = store_error(&c, st, rc);
		}
		cli_buf_free(&hex);
	}
	as_store_close(st);
	return rc;
}

/* ---- list -------------------------------------------------------------------------------- */

static const struct cli_opt list_opts[] = {
	{"help", 0, OPT_HELP}, {"db", 1, OPT_DB}, {"json", 0, OPT_JSON},
	{NULL, 0, 0},
};

struct lister {
	int json;
	size_t n;
	struct cli_buf out;
};

/* Start a row: JSON objects are separated by ",\n". */
static void row_start(struct lister *l)
{
	if (l->json)
		cli_buf_puts(&l->out, l->n == 0 ? "  {" : ",\n  {");
	l->n++;
}

static void put_str(struct lister *l, const char *key, const char *v,
		    int first)
{
	if (l->json) {
		if (!first)
			cli_buf_puts(&l->out, ", ");
		cli_buf_putc(&l->out, '"');
		cli_buf_puts(&l->out, key);
		cli_buf_puts(&l->out, "\": ");
		cli_diag_text(&l->out, (const uint8_t *)v, strlen(v));
	} else {
		if (!first)
			cli_buf_puts(&l->out, "  ");
		cli_buf_puts(&l->out, v);
	}
}

/* A key/value in text: "key value"; in JSON: "key": "value". */
static void put_kv(struct lister *l, const char *key, const char *v)
{
	if (l->json) {
		put_str(l, key, v, 0);
		return;
	}
	cli_buf_puts(&l->out, "  ");
	cli_buf_puts(&l->out, key);
	cli_buf_putc(&l->out, ' ');
	cli_buf_puts(&l->out, v);
}

static void put_secret(struct lister *l, const char *key, size_t n)
{
	char t[32];

	snprintf(t, sizeof t, "set, %zu bytes", n);
	put_kv(l, key, t);
}

static void put_time(struct lister *l, const char *key, int64_t t)
{
	char s[CLI_TIME_MAX];

	cli_format_time(t, s);
	put_kv(l, key, s);
}

static void put_scope(struct lister *l, int type, const uint8_t *s, size_t n)
{
	cli_buf_puts(&l->out, l->json ? ", \"scope\": " : "  ");
	scope_text(&l->out, type, s, n);
}

static void row_end(struct lister *l)
{
	cli_buf_puts(&l->out, l->json ? "}" : "\n");
}

static int list_client(void *arg, const struct as_client *c)
{
	struct lister *l = arg;

	row_start(l);
	put_str(l, "id", c->id, 1);
	put_secret(l, "secret", c->secret_len);
	put_time(l, "created", c->created);
	row_end(l);
	return 0;
}

static int list_rs(void *arg, const struct as_rs *rs)
{
	struct lister *l = arg;
	char t[64];

	row_start(l);
	put_str(l, "audience", rs->audience, 1);
	put_secret(l, "key", rs->key_len);
	put_secret(l, l->json ? "secret" : "introspection-secret",
		   rs->secret_len);
	if (l->json) {
		cli_buf_puts(&l->out, ", \"profiles\": [");
		profile_names(&l->out, rs->profiles, 1);
		snprintf(t, sizeof t, "], \"clock\": %s, \"lifetime\": %lld",
			 rs->has_clock ? "true" : "false", (long long)rs->lifetime);
		cli_buf_puts(&l->out, t);
	} else {
		cli_buf_puts(&l->out, "  profiles ");
		profile_names(&l->out, rs->profiles, 0);
		put_kv(l, "clock", rs->has_clock ? "yes" : "no");
		snprintf(t, sizeof t, "%lld s", (long long)rs->lifetime);
		put_kv(l, "lifetime", t);
	}
	put_time(l, "created", rs->created);
	row_end(l);
	return 0;
}

static int list_grant(void *arg, const struct as_grant *g)
{
	struct lister *l = arg;

	row_start(l);
	put_str(l, "client", g->client, 1);
	put_str(l, "audience", g->audience, 0);
	put_scope(l, g->scope_type, g->scope, g->scope_len);
	put_time(l, "created", g->created);
	row_end(l);
	return 0;
}

static int list_token(void *arg, const struct as_token_rec *t)
{
	struct lister *l = arg;
	struct cli_buf hex = {0};

	cli_buf_hex(&hex, t->cti, t->cti_len);
	row_start(l);
	put_str(l, "cti", hex.p != NULL ? hex.p : "", 1);
	cli_buf_free(&hex);
	put_str(l, "client", t->client, 0);
	put_str(l, "audience", t->audience, 0);
	put_scope(l, t->scope_type, t->scope, t->scope_len);
	put_time(l, "iat", t->iat);
	put_time(l, "exp", t->exp);
	if (l->json)
		cli_buf_puts(&l->out, t->revoked ? ", \"revoked\": true"
				      : ", \"revoked\": false");
	else if (t->revoked)
		cli_buf_puts(&l->out, "  revoked");
	row_end(l);
	return 0;
}

static int list_audit(void *arg, const struct as_audit *a)
{
	struct lister *l = arg;
	char t[CLI_TIME_MAX], id[32];

	row_start(l);
	cli_format_time(a->time, t);
	if (l->json) {
		snprintf(id, sizeof id, "\"id\": %lld", (long long)a->id);
		cli_buf_puts(&l->out, id);
		put_str(l, "time", t, 0);
		put_str(l, "event", a->event, 0);
		put_str(l, "client", a->client, 0);
		put_str(l, "audience", a->audience, 0);
		put_str(l, "detail", a->detail, 0);
	} else {
		put_str(l, "", t, 1);
		put_str(l, "", a->event, 0);
		if (a->client[0] != '\0')
			put_kv(l, "client", a->client);
		if (a->audience[0] != '\0')
			put_kv(l, "audience", a->audience);
		if (a->detail[0] != '\0')
			put_str(l, "", a->detail, 0);
	}
	row_end(l);
	return 0;
}

static int list(int argc, char **argv)
{
	static const char *const tables[] = {"clients", "rs", "grants",
					     "tokens", "audit"};
	struct as_cmd c;
	struct as_store *st;
	struct lister l;
	const char *what;
	size_t i;
	int rc;

	cmd_init(&c, "obol as list", list_help, 1);
	if ((rc = parse(&c, argc, argv, list_opts, NULL, NULL)) >= 0)
		return rc;
	what = c.nops > 0 ? c.ops[0] : "clients";
	for (i = 0; i < sizeof tables / sizeof tables[0]; i++)
		if (strcmp(what, tables[i]) == 0)
			break;
	if (i == sizeof tables / sizeof tables[0])
		return usage_error(&c, "'%s' is not one of clients, rs, grants,"
				   " tokens, audit", what);
	if ((st = open_store(&c, 0)) == NULL)
		return CLI_EXIT_FAIL;
	memset(&l, 0, sizeof l);
	l.json = c.json;
	switch (i) {
	case 0: rc = as_list_clients(st, list_client, &l); break;
	case 1: rc = as_list_rs(st, list_rs, &l); break;
	case 2: rc = as_list_grants(st, list_grant, &l); break;
	case 3: rc = as_list_tokens(st, list_token, &l); break;
	default: rc = as_list_audit(st, list_audit, &l); break;
	}
	if (rc != AS_OK) {
		rc = store_error(&c, st, rc);
	} else {
		if (l.json)
			fputs(l.n > 0 ? "[\n" : "[]\n", stdout);
		else if (l.n == 0)
			printf("no %s\n", i == 1 ? "resource servers" :
			       i == 3 ? "token records" : i == 4 ? "audit events" :
			       tables[i]);
		if (l.out.len > 0)
			fwrite(l.out.p, 1, l.out.len, stdout);
		if (l.json && l.n > 0)
			fputs("\n]\n", stdout);
		rc = CLI_EXIT_OK;
	}
	cli_buf_free(&l.out);
	as_store_close(st);
	return rc;
}

/* ---- retention, purge, privacy ------------------------------------------------------------ */

static const struct cli_opt retention_opts[] = {
	{"help", 0, OPT_HELP}, {"db", 1, OPT_DB}, {"tokens", 1, OPT_TOKENS},
	{"audit", 1, OPT_AUDIT}, {NULL, 0, 0},
};

struct retention_args {
	int64_t tokens, audit; /* -1: not given */
};

static int retention_opt(struct as_cmd *c, int id, const char *val, void *arg)
{
	struct retention_args *r = arg;
	int64_t *dst = id == OPT_TOKENS ? &r->tokens : &r->audit;

	if (id != OPT_TOKENS && id != OPT_AUDIT)
		return CLI_EXIT_USAGE;
	if (parse_duration(val, 0, dst) != 0)
		return usage_error(c, "--%s: '%s' is not a duration (e.g. 3600, 90m,"
				   " 12h, 7d)", id == OPT_TOKENS ? "tokens" : "audit",
				   val);
	return -1;
}

/* "7 days (604800 s)", in the largest unit that divides it. */
static void duration_text(int64_t s, char *out, size_t cap)
{
	static const struct {
		int64_t n;
		const char *one, *many;
	} units[] = {
		{86400, "day", "days"}, {3600, "hour", "hours"},
		{60, "minute", "minutes"},
	};
	size_t i;

	for (i = 0; i < sizeof units / sizeof units[0]; i++)
		if (s > 0 && s % units[i].n == 0) {
			snprintf(out, cap, "%lld %s (%lld s)", (long long)(s / units[i].n),
				 s / units[i].n == 1 ? units[i].one : units[i].many,
				 (long long)s);
			return;
		}
	snprintf(out, cap, "%lld s", (long long)s);
}

static int get_retention(const struct as_cmd *c, struct as_store *st,
			 int64_t *tok, int64_t *aud)
{
	int rc = as_setting_get(st, AS_SETTING_TOKEN_RETENTION,
				AS_DEFAULT_TOKEN_RETENTION, tok);

	if (rc == AS_OK)
		rc = as_setting_get(st, AS_SETTING_AUDIT_RETENTION,
				    AS_DEFAULT_AUDIT_RETENTION, aud);
	if (rc != AS_OK)
		return store_error(c, st, rc);
	return -1;
}

static int retention(int argc, char **argv)
{
	struct as_cmd c;
	struct retention_args r = {-1, -1};
	struct as_store *st;
	int64_t tok, aud;
	char t1[64], t2[64], d[160];
	int rc;

	cmd_init(&c, "obol as retention", retention_help, 0);
	if ((rc = parse(&c, argc, argv, retention_opts, retention_opt, &r)) >= 0)
		return rc;
	if ((st = open_store(&c, 0)) == NULL)
		return CLI_EXIT_FAIL;
	if (r.tokens >= 0 || r.audit >= 0) {
		rc = AS_OK;
		if (r.tokens >= 0)
			rc = as_setting_set(st, AS_SETTING_TOKEN_RETENTION, r.tokens);
		if (rc == AS_OK && r.audit >= 0)
			rc = as_setting_set(st, AS_SETTING_AUDIT_RETENTION, r.audit);
		if (rc != AS_OK) {
			rc = store_error(&c, st, rc);
			goto out;
		}
	}
	if ((rc = get_retention(&c, st, &tok, &aud)) >= 0)
		goto out;
	duration_text(tok, t1, sizeof t1);
	duration_text(aud, t2, sizeof t2);
	if (r.tokens >= 0 || r.audit >= 0) {
		snprintf(d, sizeof d, "tokens %lld s, audit %lld s", (long long)tok,
			 (long long)aud);
		audit(&c, st, "retention", NULL, NULL, d);
	}
	printf("token records: kept %s past their expiry\n", t1);
	printf("audit events: kept %s\n", t2);
	rc = CLI_EXIT_OK;
out:
	as_store_close(st);
	return rc;
}

static int purge(int argc, char **argv)
{
	struct as_cmd c;
	struct as_store *st;
	unsigned long nt = 0, na = 0;
	char d[96];
	int rc;

	cmd_init(&c, "obol as purge", purge_help, 0);
	if ((rc = parse(&c, argc, argv, plain_opts, NULL, NULL)) >= 0)
		return rc;
	if ((st = open_store(&c, 0)) == NULL)
		return CLI_EXIT_FAIL;
	rc = as_store_purge(st, (int64_t)time(NULL), &nt, &na);
	if (rc == AS_OK) {
		snprintf(d, sizeof d, "%lu token record%s, %lu audit event%s", nt,
			 nt == 1 ? "" : "s", na, na == 1 ? "" : "s");
		audit(&c, st, "purge", NULL, NULL, d);
		printf("purged %lu token record%s and %lu audit event%s\n", nt,
		       nt == 1 ? "" : "s", na, na == 1 ? "" : "s");
		rc = CLI_EXIT_OK;
	} else {
		rc = store_error(&c, st, rc);
	}
	as_store_close(st);
	return rc;
}

static int privacy(int argc, char **argv)
{
	static const char *const tables[] = {"clients", "rs", "grants", "tokens",
					     "audit"};
	struct as_cmd c;
	struct as_store *st;
	long long n[5];
	int64_t tok, aud;
	char t1[64], t2[64];
	size_t i;
	int rc;

	cmd_init(&c, "obol as privacy", privacy_help, 0);
	if ((rc = parse(&c, argc, argv, plain_opts, NULL, NULL)) >= 0)
		return rc;
	if ((st = open_store(&c, 0)) == NULL)
		return CLI_EXIT_FAIL;
	for (i = 0; i < 5; i++)
		if ((rc = as_store_count(st, tables[i], &n[i])) != AS_OK) {
			rc = store_error(&c, st, rc);
			goto out;
		}
	if ((rc = get_retention(&c, st, &tok, &aud)) >= 0)
		goto out;
	duration_text(tok, t1, sizeof t1);
	duration_text(aud, t2, sizeof t2);
	printf("What this Authorization Server stores in %s, why, and for how"
	       " long:\n\n", c.db);
	printf("Clients (%lld now): each client's id and secret. The secret is"
	       " the key the client\nproves who it is with (its DTLS PSK); without"
	       " it the AS could not tell clients\napart. Kept until the client is"
	       " deleted ('obol as client del').\n\n", n[0]);
	printf("Resource servers (%lld now): each one's audience, the key its"
	       " tokens are encrypted\nunder, the secret it uses to ask for"
	       " introspection, its profiles, whether it has\na clock and its token"
	       " lifetime. Needed to issue tokens only it can read and to\nanswer"
	       " its questions. Kept until it is deleted ('obol as rs del').\n\n",
	       n[1]);
	printf("Grants (%lld now): which client may get which scope at which"
	       " resource server:\nthe access policy. Kept until removed ('obol as"
	       " ungrant') or until the client or\nresource server is deleted.\n\n",
	       n[2]);
	printf("Issued-token records (%lld now): cti, client, audience, scope,"
	       " issue and expiry\ntime, and whether revoked; not the token itself"
	       " and not its proof-of-possession\nkey. Needed to revoke tokens and"
	       " to answer introspection.\nKept %s after the token expires, then"
	       " purged.\n\n", n[3], t1);
	printf("Audit events (%lld now): refused requests and administrative"
	       " changes, with their\ntime, client and audience. Needed to notice"
	       " misuse and to trace changes.\nKept %s, then purged.\n\n", n[4],
	       t2);
	printf("These five kinds of record are all the store holds. 'obol as"
	       " retention' changes\nthe periods; 'obol as purge' applies them"
	       " now.\n");
	rc = CLI_EXIT_OK;
out:
	as_store_close(st);
	return rc;
}

/* ---- dispatch ------------------------------------------------------------------------------ */

static int is_help(const char *s)
{
	return strcmp(s, "--help") == 0 || strcmp(s, "-h") == 0 ||
	       strcmp(s, "help") == 0;
}

/* `obol as client add|del`, `obol as rs add|del`. */
static int two_level(int argc, char **argv, const char *prog, const char *help,
		     int (*add)(int, char **), int (*del)(int, char **))
{
	if (argc < 2) {
		fprintf(stderr, "%s: say add or del (try --help)\n", prog);
		return CLI_EXIT_USAGE;
	}
	if (is_help(argv[1])) {
		fputs(help, stdout);
		return CLI_EXIT_OK;
	}
	if (strcmp(argv[1], "add") == 0)
		return add(argc - 1, argv + 1);
	if (strcmp(argv[1], "del") == 0)
		return del(argc - 1, argv + 1);
	fprintf(stderr, "%s: '%s' is not add or del (try --help)\n", prog, argv[1]);
	return CLI_EXIT_USAGE;
}

int cli_as(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*run)(int argc, char **argv);
	} subs[] = {
		{"init", as_init}, {"grant", grant}, {"ungrant", ungrant},
		{"revoke", revoke}, {"list", list}, {"retention", retention},
		{"purge", purge}, {"privacy", privacy},
	};
	const char *sub;
	size_t i;

	if (argc < 2) {
		fputs(as_help, stderr);
		return CLI_EXIT_USAGE;
	}
	sub = argv[1];
	if (is_help(sub)) {
		fputs(as_help, stdout);
		return CLI_EXIT_OK;
	}
	if (strcmp(sub, "serve") == 0)
		return cli_as_serve(argc - 1, argv + 1);
	if (strcmp(sub, "client") == 0)
		return two_level(argc - 1, argv + 1, "obol as client", client_help,
				 client_add, client_del);
	if (strcmp(sub, "rs") == 0)
		return two_level(argc - 1, argv + 1, "obol as rs", rs_help, rs_add,
				 rs_del);
	for (i = 0; i < sizeof subs / sizeof subs[0]; i++)
		if (strcmp(sub, subs[i].name) == 0)
			return subs[i].run(argc - 1, argv + 1);
	fprintf(stderr, "obol as: '%s' is not an as command (see 'obol as"
		" --help')\n", sub);
	return CLI_EXIT_USAGE;
}
