/*
 * The Authorization Server's storage (src/as/): what the AS knows and
 * records, behind one small interface. store_sqlite.c implements it on
 * SQLite (the embedded default: one file, WAL mode); another engine
 * (PostgreSQL, for several AS nodes) implements the same functions.
 *
 * Concepts
 * --------
 * client   an OAuth client (RFC 9200 5.1): an id and a secret. The secret
 *          is the DTLS PSK the client authenticates with (the id is its
 *          PSK identity), or its client_secret over coap:// in
 *          --insecure-dev mode.
 * rs       a resource server, named by its audience (RFC 9200 5.8.1): the
 *          key its tokens are encrypted under (COSE_Encrypt0,
 *          AES-CCM-16-64-128, so 16 bytes), the secret it authenticates
 *          with to /introspect (a different key: one key, one purpose),
 *          the profiles it supports, whether it has a wall clock (tokens
 *          for an RS without one carry exi instead of exp, RFC 9200
 *          5.10.3), and the lifetime of its tokens.
 * grant    (client, audience) -> the scope the client may get there:
 *          an AIF-REST array (RFC 9237, CBOR) or a text scope.
 * token    the record of an issued token: cti, client, audience, scope,
 *          iat, exp, revoked. Never the token or its PoP key: the AS
 *          introspects a token by decrypting it (it has the RS key).
 * audit    one line per event: refused requests, admin changes.
 * setting  name -> integer: retention periods.
 *
 * Every function returns AS_OK or a negative AS_E*; on AS_EDB the
 * message is as_store_errmsg(). Functions that change the store do it in
 * one transaction: on error nothing is changed. Strings are NUL-terminated
 * UTF-8; ids and audiences are 1..AS_NAME_MAX bytes.
 *
 * A store handle is used by one thread at a time.
 */
#ifndef OBOL_AS_STORE_H
#define OBOL_AS_STORE_H

#include <stddef.h>
#include <stdint.h>

#define AS_NAME_MAX 128   /* client id, audience: bytes, without the NUL */
#define AS_SECRET_MAX 64  /* client / RS secrets (DTLS PSK) */
#define AS_KEY_MAX 32     /* RS token keys */
#define AS_SCOPE_MAX 1024 /* encoded scope */
#define AS_CTI_MAX 32     /* exi tokens: audience + 4-byte sequence number */

enum as_status {
	AS_OK = 0,
	AS_ENOTFOUND = -1, /* no such client / rs / grant / token */
	AS_EEXISTS = -2,   /* the id (or grant) exists already */
	AS_EDB = -3,       /* the database failed: as_store_errmsg() */
	AS_EARG = -4,      /* an argument out of range (name too long, ...) */
	AS_EVERSION = -5,  /* the file's schema is newer than this program */
	AS_EBUSY = -6      /* another AS process serves this store */
};

/* Scope encodings (grants and token records). */
enum as_scope_type {
	AS_SCOPE_AIF = 1,  /* an encoded AIF-REST array */
	AS_SCOPE_TEXT = 2  /* UTF-8 scope-tokens separated by spaces */
};

/* Bits of as_rs.profiles (RFC 9200 8.8 profile ids are bit numbers). */
#define AS_PROFILE_BIT(id) (1u << (id))

struct as_client {
	char id[AS_NAME_MAX + 1];
	uint8_t secret[AS_SECRET_MAX];
	size_t secret_len;
	int64_t created; /* Unix time */
};

struct as_rs {
	char audience[AS_NAME_MAX + 1];
	uint8_t key[AS_KEY_MAX]; /* token key */
	size_t key_len;
	uint8_t secret[AS_SECRET_MAX]; /* introspection PSK */
	size_t secret_len;
	unsigned profiles; /* AS_PROFILE_BIT(OBOL_ACE_PROFILE_*) */
	int has_clock;     /* 0: tokens carry exi, not exp */
	int64_t lifetime;  /* seconds a token is valid */
	int64_t created;
};

struct as_grant {
	char client[AS_NAME_MAX + 1];
	char audience[AS_NAME_MAX + 1];
	int scope_type; /* enum as_scope_type */
	uint8_t scope[AS_SCOPE_MAX];
	size_t scope_len;
	int64_t created;
};

struct as_token_rec {
	uint8_t cti[AS_CTI_MAX];
	size_t cti_len;
	char client[AS_NAME_MAX + 1];
	char audience[AS_NAME_MAX + 1];
	int scope_type;
	uint8_t scope[AS_SCOPE_MAX];
	size_t scope_len;
	int64_t iat;
	int64_t exp;   /* when the token expires (for exi tokens: iat + exi) */
	int revoked;   /* 0 or 1 */
	uint64_t exi_seq; /* as_token_add: the RS's exi sequence number this
			   * token used (as_rs_next_exi_seq), or 0 */
};

struct as_audit {
	int64_t id;   /* increasing */
	int64_t time; /* Unix time */
	char event[32];                 /* e.g. "token_refused", "client_add" */
	char client[AS_NAME_MAX + 1];   /* "" if none */
	char audience[AS_NAME_MAX + 1]; /* "" if none */
	char detail[256];               /* e.g. "invalid_scope" */
};

/* Settings (as_setting_get/set), in seconds. */
#define AS_SETTING_TOKEN_RETENTION "token_retention"
#define AS_SETTING_AUDIT_RETENTION "audit_retention"
#define AS_DEFAULT_TOKEN_RETENTION (7 * 86400)  /* past exp */
#define AS_DEFAULT_AUDIT_RETENTION (30 * 86400)

/* How hard a commit waits for the disk (as_store_open). */
enum as_sync {
	AS_SYNC_NORMAL = 0, /* WAL + synchronous=NORMAL: a commit survives the
			     * process being killed, not the OS crashing */
	AS_SYNC_FULL = 1    /* synchronous=FULL: survives power loss too */
};

struct as_store;

/*
 * Open the store at path. create: 1 to create the file and schema if
 * missing (`obol as init`), 0 to require an existing store (AS_ENOTFOUND
 * if the file does not exist). An older schema is migrated forward in
 * one transaction; a newer one is AS_EVERSION. On failure *out is NULL
 * and errbuf holds one line saying why.
 */
int as_store_open(const char *path, int create, enum as_sync sync,
		  struct as_store **out, char *errbuf, size_t errlen);
void as_store_close(struct as_store *st);
/* The last database error, for AS_EDB. */
const char *as_store_errmsg(const struct as_store *st);
/* The schema version of an open store (as_store_schema_version() is the
 * version this program writes). */
int as_store_version(struct as_store *st);
int as_store_schema_version(void);

/* Clients. */
int as_client_add(struct as_store *st, const struct as_client *c);
int as_client_get(struct as_store *st, const char *id, struct as_client *c);
/* Deletes the client's grants too; token records are kept. */
int as_client_del(struct as_store *st, const char *id);

/* Resource servers. */
int as_rs_add(struct as_store *st, const struct as_rs *rs);
int as_rs_get(struct as_store *st, const char *audience, struct as_rs *rs);
int as_rs_del(struct as_store *st, const char *audience);

/* Grants: AS_ENOTFOUND when the client or RS does not exist, AS_EEXISTS
 * when the pair has a grant already (as_grant_del it first). */
int as_grant_add(struct as_store *st, const struct as_grant *g);
int as_grant_get(struct as_store *st, const char *client,
		 const char *audience, struct as_grant *g);
int as_grant_del(struct as_store *st, const char *client,
		 const char *audience);

/*
 * The next sequence number of an exi token for this RS (RFC 9200 5.10.3:
 * its cti is the RS's identifier followed by a sequence number counting
 * the exi tokens issued for it): 1, 2, ... never repeated, even across a
 * crash (the journal below carries it).
 */
int as_rs_next_exi_seq(struct as_store *st, const char *audience,
		       uint64_t *seq);

/*
 * Token records. as_token_add is committed when it returns AS_OK, or,
 * with the journal on, durable: see as_store_journal_start.
 */
int as_token_add(struct as_store *st, const struct as_token_rec *t);
int as_token_get(struct as_store *st, const uint8_t *cti, size_t cti_len,
		 struct as_token_rec *t);
/* Revoke one token (AS_ENOTFOUND if unknown), or every token of a client
 * (*n: how many were revoked, may be 0). */
int as_token_revoke(struct as_store *st, const uint8_t *cti, size_t cti_len);
int as_token_revoke_client(struct as_store *st, const char *client,
			   unsigned long *n);

/*
 * Group commit, for the daemon. as_store_journal_start() makes this handle
 * the store's only server: it takes an exclusive lock on the file
 * "<store>-tokens" (AS_EBUSY if another process holds it), replays any
 * records a crashed server left there, and from then on as_token_add
 * appends each record to that file (one write(2); an fdatasync too with
 * AS_SYNC_FULL) before inserting it, so it survives the process being
 * killed as soon as as_token_add returns. as_store_batch_begin() opens a
 * transaction that the following calls share; as_store_batch_end()
 * commits it and empties the journal. A server handles a burst of
 * requests between the two: one commit (and one set of locks) for all.
 * Any open of the store replays a journal no server holds.
 */
int as_store_journal_start(struct as_store *st);
int as_store_batch_begin(struct as_store *st);
int as_store_batch_end(struct as_store *st);

/* Audit events; time is Unix time. */
int as_audit_add(struct as_store *st, int64_t time, const char *event,
		 const char *client, const char *audience, const char *detail);

/* Settings (integers). as_setting_get gives dflt when unset. */
int as_setting_get(struct as_store *st, const char *name, int64_t dflt,
		   int64_t *value);
int as_setting_set(struct as_store *st, const char *name, int64_t value);

/*
 * Retention: delete token records whose exp is more than token_retention
 * seconds before now, and audit events older than audit_retention
 * seconds. *ntok / *naudit (may be NULL): how many were deleted.
 */
int as_store_purge(struct as_store *st, int64_t now, unsigned long *ntok,
		   unsigned long *naudit);

/*
 * Listing, in a stable order (by id / audience / client then audience /
 * iat then cti / audit id). The callback gets each row; a non-zero
 * return stops the walk and is returned.
 */
int as_list_clients(struct as_store *st,
		    int (*cb)(void *arg, const struct as_client *c), void *arg);
int as_list_rs(struct as_store *st,
	       int (*cb)(void *arg, const struct as_rs *rs), void *arg);
int as_list_grants(struct as_store *st,
		   int (*cb)(void *arg, const struct as_grant *g), void *arg);
int as_list_tokens(struct as_store *st,
		   int (*cb)(void *arg, const struct as_token_rec *t),
		   void *arg);
int as_list_audit(struct as_store *st,
		  int (*cb)(void *arg, const struct as_audit *a), void *arg);

/* Counts, for `obol as privacy` and tests. table: "clients", "rs",
 * "grants", "tokens" or "audit". */
int as_store_count(struct as_store *st, const char *table, long long *n);

#endif /* OBOL_AS_STORE_H */
