/*
 * The AS store (store.h) on SQLite: one file in WAL mode, so that the
 * daemon and the admin CLI can use it at the same time (readers never
 * block the writer; a second writer waits up to BUSY_MS).
 *
 * The file holds client secrets and RS keys: it is created with mode 0600
 * (SQLite gives its -wal and -shm files the database file's mode), and
 * secure_delete overwrites what is deleted instead of leaving it in free
 * pages.
 *
 * Schema versions: migrations[] below, one entry per version; opening an
 * older file runs the missing steps, each in one transaction that also
 * bumps schema_version, so a crash mid-way leaves a consistent file of
 * some version. A file newer than this program is refused (AS_EVERSION)
 * rather than written with assumptions that may no longer hold.
 *
 * Statements are prepared once per handle and kept (the daemon calls the
 * token, client, RS, grant and audit functions on every request); each
 * function that writes runs as one statement, or as one BEGIN IMMEDIATE
 * ... COMMIT, so on error nothing has changed.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "obol/aif.h"
#include "obol/crypto.h"
#include "obol/err.h"
#include "policy.h"
#include "store.h"

#define BUSY_MS 5000
#define ERRMSG_MAX 256
#define CACHE_N 16 /* rows of each kind the serving handle keeps */

/* ---- schema --------------------------------------------------------------- */

/*
 * Version 1: the tables. Grants go with their client and RS (ON DELETE
 * CASCADE); token records name them by value and outlive them, since
 * they record what was issued. tokens is WITHOUT ROWID: the cti is the
 * key, and one b-tree instead of two halves the writes per token. audit.id is AUTOINCREMENT so that ids keep
 * increasing after a purge.
 */
static const char schema_v1[] =
	"CREATE TABLE clients("
	" id TEXT PRIMARY KEY NOT NULL,"
	" secret BLOB NOT NULL,"
	" created INTEGER NOT NULL);"
	"CREATE TABLE rs("
	" audience TEXT PRIMARY KEY NOT NULL,"
	" key BLOB NOT NULL,"
	" secret BLOB NOT NULL,"
	" profiles INTEGER NOT NULL,"
	" has_clock INTEGER NOT NULL,"
	" lifetime INTEGER NOT NULL,"
	" created INTEGER NOT NULL);"
	"CREATE TABLE grants("
	" client TEXT NOT NULL REFERENCES clients(id) ON DELETE CASCADE,"
	" audience TEXT NOT NULL REFERENCES rs(audience) ON DELETE CASCADE,"
	" scope_type INTEGER NOT NULL,"
	" scope BLOB NOT NULL,"
	" created INTEGER NOT NULL,"
	" PRIMARY KEY(client, audience));"
	"CREATE TABLE tokens("
	" cti BLOB PRIMARY KEY NOT NULL,"
	" client TEXT NOT NULL,"
	" audience TEXT NOT NULL,"
	" scope_type INTEGER NOT NULL,"
	" scope BLOB NOT NULL,"
	" iat INTEGER NOT NULL,"
	" exp INTEGER NOT NULL,"
	" revoked INTEGER NOT NULL DEFAULT 0) WITHOUT ROWID;"
	"CREATE TABLE audit("
	" id INTEGER PRIMARY KEY AUTOINCREMENT,"
	" time INTEGER NOT NULL,"
	" event TEXT NOT NULL,"
	" client TEXT NOT NULL,"
	" audience TEXT NOT NULL,"
	" detail TEXT NOT NULL);";

/*
 * Version 2: settings (retention periods), and the indexes that revoking
 * a client's tokens and purging by exp and by time need (full scans in
 * v1). Not more: each index on tokens costs a page write per
 * as_token_add, the daemon's hot path; listing by iat sorts instead.
 */
static const char schema_v2[] =
	"CREATE TABLE settings("
	" name TEXT PRIMARY KEY NOT NULL,"
	" value INTEGER NOT NULL);"
	"CREATE INDEX tokens_client ON tokens(client);"
	"CREATE INDEX tokens_exp ON tokens(exp);"
	"CREATE INDEX grants_audience ON grants(audience);"
	"CREATE INDEX audit_time ON audit(time);";

/*
 * Version 3: the per-RS counter of exi tokens (RFC 9200 5.10.3), whose
 * value becomes part of each such token's cti.
 */
static const char schema_v3[] =
	"ALTER TABLE rs ADD COLUMN exi_seq INTEGER NOT NULL DEFAULT 0;";

/* migrations[i] takes a file from version i to i + 1. */
static const char *const migrations[] = {
	schema_v1,
	schema_v2,
	schema_v3,
};

#define SCHEMA_VERSION ((int)(sizeof migrations / sizeof migrations[0]))

/* ---- statements ------------------------------------------------------------- */

enum sid {
	S_CLIENT_ADD, S_CLIENT_GET, S_CLIENT_DEL,
	S_RS_ADD, S_RS_GET, S_RS_DEL,
	S_GRANT_ADD, S_GRANT_GET, S_GRANT_DEL,
	S_TOKEN_ADD, S_TOKEN_GET, S_TOKEN_REVOKE, S_TOKEN_REVOKE_CLIENT,
	S_AUDIT_ADD,
	S_SETTING_GET, S_SETTING_SET,
	S_PURGE_TOKENS, S_PURGE_AUDIT,
	S_LIST_CLIENTS, S_LIST_RS, S_LIST_GRANTS, S_LIST_TOKENS, S_LIST_AUDIT,
	S_COUNT_CLIENTS, S_COUNT_RS, S_COUNT_GRANTS, S_COUNT_TOKENS,
	S_COUNT_AUDIT,
	S_TOKEN_REPLAY, S_RS_EXI_NEXT, S_RS_EXI_AT_LEAST,
	S_COUNT
};

static const char *const sql[S_COUNT] = {
	[S_CLIENT_ADD] = "INSERT INTO clients(id, secret, created) VALUES(?,?,?)",
	[S_CLIENT_GET] = "SELECT id, secret, created FROM clients WHERE id = ?",
	[S_CLIENT_DEL] = "DELETE FROM clients WHERE id = ?",
	[S_RS_ADD] = "INSERT INTO rs(audience, key, secret, profiles, has_clock,"
		     " lifetime, created) VALUES(?,?,?,?,?,?,?)",
	[S_RS_GET] = "SELECT audience, key, secret, profiles, has_clock, lifetime,"
		     " created FROM rs WHERE audience = ?",
	[S_RS_DEL] = "DELETE FROM rs WHERE audience = ?",
	[S_GRANT_ADD] = "INSERT INTO grants(client, audience, scope_type, scope,"
			" created) VALUES(?,?,?,?,?)",
	[S_GRANT_GET] = "SELECT client, audience, scope_type, scope, created"
			" FROM grants WHERE client = ? AND audience = ?",
	[S_GRANT_DEL] = "DELETE FROM grants WHERE client = ? AND audience = ?",
	[S_TOKEN_ADD] = "INSERT INTO tokens(cti, client, audience, scope_type,"
			" scope, iat, exp, revoked) VALUES(?,?,?,?,?,?,?,?)",
	[S_TOKEN_GET] = "SELECT cti, client, audience, scope_type, scope, iat,"
			" exp, revoked FROM tokens WHERE cti = ?",
	[S_TOKEN_REVOKE] = "UPDATE tokens SET revoked = 1 WHERE cti = ?",
	[S_TOKEN_REVOKE_CLIENT] = "UPDATE tokens SET revoked = 1"
				  " WHERE client = ? AND revoked = 0",
	[S_AUDIT_ADD] = "INSERT INTO audit(time, event, client, audience, detail)"
			" VALUES(?,?,?,?,?)",
	[S_SETTING_GET] = "SELECT value FROM settings WHERE name = ?",
	[S_SETTING_SET] = "INSERT INTO settings(name, value) VALUES(?,?)"
			  " ON CONFLICT(name) DO UPDATE SET value = excluded.value",
	[S_PURGE_TOKENS] = "DELETE FROM tokens WHERE exp < ?",
	[S_PURGE_AUDIT] = "DELETE FROM audit WHERE time < ?",
	[S_LIST_CLIENTS] = "SELECT id, secret, created FROM clients ORDER BY id",
	[S_LIST_RS] = "SELECT audience, key, secret, profiles, has_clock,"
		      " lifetime, created FROM rs ORDER BY audience",
	[S_LIST_GRANTS] = "SELECT client, audience, scope_type, scope, created"
			  " FROM grants ORDER BY client, audience",
	[S_LIST_TOKENS] = "SELECT cti, client, audience, scope_type, scope, iat,"
			  " exp, revoked FROM tokens ORDER BY iat, cti",
	[S_LIST_AUDIT] = "SELECT id, time, event, client, audience, detail"
			 " FROM audit ORDER BY id",
	[S_COUNT_CLIENTS] = "SELECT count(*) FROM clients",
	[S_COUNT_RS] = "SELECT count(*) FROM rs",
	[S_COUNT_GRANTS] = "SELECT count(*) FROM grants",
	[S_COUNT_TOKENS] = "SELECT count(*) FROM tokens",
	[S_COUNT_AUDIT] = "SELECT count(*) FROM audit",
	[S_TOKEN_REPLAY] = "INSERT OR IGNORE INTO tokens(cti, client, audience,"
			   " scope_type, scope, iat, exp, revoked)"
			   " VALUES(?,?,?,?,?,?,?,?)",
	[S_RS_EXI_NEXT] = "UPDATE rs SET exi_seq = exi_seq + 1 WHERE audience = ?"
			  " RETURNING exi_seq",
	[S_RS_EXI_AT_LEAST] = "UPDATE rs SET exi_seq = max(exi_seq, ?)"
			      " WHERE audience = ?",
};

struct as_store {
	sqlite3 *db;
	int version;
	int notadb; /* the file turned out not to be SQLite */
	sqlite3_stmt *stmt[S_COUNT];
	char err[ERRMSG_MAX];
	enum as_sync sync;
	char *jpath;  /* "<store>-tokens" */
	int jfd;      /* the journal, locked, when this handle serves; or -1 */
	int batch;    /* 1 between as_store_batch_begin and _end */
	int intxn;    /* the batch's transaction is open (batch_enter) */
	int jstale;   /* the journal holds records a failed commit lost */
	/*
	 * The serving handle's read cache (journal on): the rows /token reads
	 * on every request. Valid for one snapshot: as_store_batch_begin
	 * empties it when another connection (the admin CLI) has committed
	 * since (PRAGMA data_version), so a change is seen from the next
	 * burst on, as without the cache.
	 */
	int64_t data_version;
	unsigned nclients, nrs, ngrants;
	unsigned cache_next; /* round-robin victim once a table is full */
	struct as_client clients[CACHE_N];
	struct as_rs rs[CACHE_N];
	struct as_grant grants[CACHE_N];
};

/* ---- helpers ---------------------------------------------------------------- */

static void set_err(struct as_store *st, const char *what)
{
	if (sqlite3_errcode(st->db) == SQLITE_NOTADB)
		st->notadb = 1;
	snprintf(st->err, sizeof st->err, "%s: %s", what, sqlite3_errmsg(st->db));
}

/* The cached statement id, prepared on first use; NULL on error (st->err). */
static int batch_enter(struct as_store *st);

static sqlite3_stmt *stmt(struct as_store *st, enum sid id)
{
	if (st->batch && !st->intxn && batch_enter(st) != AS_OK)
		return NULL;
	if (st->stmt[id] == NULL &&
	    sqlite3_prepare_v3(st->db, sql[id], -1, SQLITE_PREPARE_PERSISTENT,
			       &st->stmt[id], NULL) != SQLITE_OK) {
		set_err(st, "prepare");
		st->stmt[id] = NULL;
	}
	return st->stmt[id];
}

/* Ready s for its next use; bound blobs (secrets) are let go. */
static void done(sqlite3_stmt *s)
{
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
}

/* Map the result of a failed step to AS_E*. */
static int step_err(struct as_store *st, int rc)
{
	if (rc == SQLITE_CONSTRAINT_PRIMARYKEY || rc == SQLITE_CONSTRAINT_UNIQUE)
		return AS_EEXISTS;
	if (rc == SQLITE_CONSTRAINT_FOREIGNKEY)
		return AS_ENOTFOUND;
	set_err(st, "step");
	return AS_EDB;
}

/* Run a statement that returns no row; AS_OK or AS_E*. */
static int run(struct as_store *st, sqlite3_stmt *s)
{
	int rc = sqlite3_step(s);

	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		rc = step_err(st, sqlite3_extended_errcode(st->db));
	else
		rc = AS_OK;
	done(s);
	return rc;
}

static int exec(struct as_store *st, const char *q)
{
	char *msg = NULL;

	if (sqlite3_exec(st->db, q, NULL, NULL, &msg) == SQLITE_OK)
		return AS_OK;
	if (sqlite3_errcode(st->db) == SQLITE_NOTADB)
		st->notadb = 1;
	snprintf(st->err, sizeof st->err, "%s", msg != NULL ? msg : "error");
	sqlite3_free(msg);
	return AS_EDB;
}

static void rollback(struct as_store *st)
{
	/* Harmless if SQLite rolled back already. */
	if (!sqlite3_get_autocommit(st->db))
		sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
}

static int name_ok(const char *s)
{
	size_t n;

	if (s == NULL)
		return 0;
	n = strnlen(s, AS_NAME_MAX + 1);
	return n >= 1 && n <= AS_NAME_MAX;
}

/* A NUL-terminated string of at most max bytes (NULL counts as ""). */
static int text_ok(const char *s, size_t max)
{
	return s == NULL || strnlen(s, max + 1) <= max;
}

static int bind_text(sqlite3_stmt *s, int i, const char *t)
{
	return sqlite3_bind_text(s, i, t != NULL ? t : "", -1, SQLITE_STATIC);
}

static int bind_blob(sqlite3_stmt *s, int i, const uint8_t *p, size_t n)
{
	/* A zero-length blob must not read as NULL (NOT NULL columns). */
	if (n == 0)
		return sqlite3_bind_zeroblob(s, i, 0);
	return sqlite3_bind_blob(s, i, p, (int)n, SQLITE_STATIC);
}

/* Column i as text into dst[cap] (cut if a hand-edited file has more). */
static void col_text(sqlite3_stmt *s, int i, char *dst, size_t cap)
{
	const unsigned char *t = sqlite3_column_text(s, i);
	size_t n = (size_t)sqlite3_column_bytes(s, i);

	if (t == NULL)
		n = 0;
	if (n >= cap)
		n = cap - 1;
	if (n > 0)
		memcpy(dst, t, n);
	dst[n] = '\0';
}

/* Column i as a blob into dst[cap]; its length, cut to cap. */
static size_t col_blob(sqlite3_stmt *s, int i, uint8_t *dst, size_t cap)
{
	const void *p = sqlite3_column_blob(s, i);
	size_t n = (size_t)sqlite3_column_bytes(s, i);

	if (p == NULL)
		n = 0;
	if (n > cap)
		n = cap;
	if (n > 0)
		memcpy(dst, p, n);
	return n;
}

static int64_t now_or(int64_t t)
{
	return t != 0 ? t : (int64_t)time(NULL);
}

/* ---- open, close, migrate ------------------------------------------------------ */

static void open_err(char *errbuf, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (errbuf == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(errbuf, errlen, fmt, ap);
	va_end(ap);
}

/* One integer from a query; AS_OK or AS_EDB (st->err). */
static int query_int(struct as_store *st, const char *q, int64_t *v)
{
	sqlite3_stmt *s;
	int rc;

	if (sqlite3_prepare_v2(st->db, q, -1, &s, NULL) != SQLITE_OK) {
		set_err(st, "prepare");
		return AS_EDB;
	}
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		*v = sqlite3_column_int64(s, 0);
		rc = AS_OK;
	} else {
		set_err(st, "read");
		rc = AS_EDB;
	}
	sqlite3_finalize(s);
	return rc;
}

/*
 * The file's schema version: 0 for an empty file, -1 (st->err) for a
 * database that has tables but is not an obol store, AS_EDB on error.
 */
static int read_version(struct as_store *st, int *version)
{
	int64_t ours, tables, v;

	if (query_int(st, "SELECT count(*) FROM sqlite_master WHERE type = 'table'"
		      " AND name = 'schema_version'", &ours) != AS_OK ||
	    query_int(st, "SELECT count(*) FROM sqlite_master", &tables) != AS_OK)
		return AS_EDB;
	if (ours == 0) {
		if (tables != 0) {
			snprintf(st->err, sizeof st->err,
				 "an SQLite database, but not an obol AS store"
				 " (no schema_version table)");
			return AS_EARG;
		}
		*version = 0;
		return AS_OK;
	}
	if (query_int(st, "SELECT version FROM schema_version", &v) != AS_OK)
		return AS_EDB;
	if (v < 0 || v > 1000000) {
		snprintf(st->err, sizeof st->err, "bad schema version %lld",
			 (long long)v);
		return AS_EARG;
	}
	*version = (int)v;
	return AS_OK;
}

/*
 * Bring the file to SCHEMA_VERSION, one step per transaction. The
 * version is read again inside each transaction (BEGIN IMMEDIATE takes
 * the write lock), so two processes opening an old file at once cannot
 * both run a step.
 */
static int migrate(struct as_store *st)
{
	int v0 = 0;

	/* The usual case, a current file, without taking the write lock. */
	if (read_version(st, &v0) == AS_OK && v0 == SCHEMA_VERSION) {
		st->version = v0;
		return AS_OK;
	}
	for (;;) {
		char bump[96];
		int v = 0, rc;

		if (exec(st, "BEGIN IMMEDIATE") != AS_OK)
			return AS_EDB;
		rc = read_version(st, &v);
		if (rc != AS_OK)
			goto fail;
		if (v > SCHEMA_VERSION) {
			snprintf(st->err, sizeof st->err, "the store has schema"
				 " version %d; this program knows up to %d (upgrade"
				 " obol)", v, SCHEMA_VERSION);
			rc = AS_EVERSION;
			goto fail;
		}
		st->version = v;
		if (v == SCHEMA_VERSION) {
			exec(st, "COMMIT");
			return AS_OK;
		}
		if (v == 0 && exec(st, "CREATE TABLE schema_version("
				   "version INTEGER NOT NULL);"
				   "INSERT INTO schema_version VALUES(0)") != AS_OK) {
			rc = AS_EDB;
			goto fail;
		}
		snprintf(bump, sizeof bump, "UPDATE schema_version SET version = %d",
			 v + 1);
		if (exec(st, migrations[v]) != AS_OK || exec(st, bump) != AS_OK ||
		    exec(st, "COMMIT") != AS_OK) {
			rc = AS_EDB;
			goto fail;
		}
		continue;
fail:
		rollback(st);
		return rc;
	}
}

static int pragmas(struct as_store *st, enum as_sync sync)
{
	sqlite3_stmt *s;
	int wal = 0;

	sqlite3_busy_timeout(st->db, BUSY_MS);
	sqlite3_extended_result_codes(st->db, 1);
	/*
	 * Only takes effect on a new file. Token records are ~100 bytes and
	 * every commit writes each page it touched to the WAL, so 1 KiB pages
	 * write a quarter of the bytes of 4 KiB ones: measured 17,000 instead
	 * of 10,000 as_token_add/s on a VM disk.
	 */
	exec(st, "PRAGMA page_size=1024");
	if (sqlite3_prepare_v2(st->db, "PRAGMA journal_mode=WAL", -1, &s,
			       NULL) != SQLITE_OK) {
		set_err(st, "open");
		return AS_EDB;
	}
	if (sqlite3_step(s) == SQLITE_ROW) {
		const unsigned char *m = sqlite3_column_text(s, 0);
		wal = m != NULL && strcmp((const char *)m, "wal") == 0;
	}
	sqlite3_finalize(s);
	if (!wal) {
		set_err(st, "cannot use WAL mode");
		return AS_EDB;
	}
	return exec(st, sync == AS_SYNC_FULL ? "PRAGMA synchronous=FULL;"
		    "PRAGMA foreign_keys=ON; PRAGMA secure_delete=ON"
		    : "PRAGMA synchronous=NORMAL;"
		    "PRAGMA foreign_keys=ON; PRAGMA secure_delete=ON");
}

/* ---- the token journal (group commit, store.h) ---------------------------- */

/*
 * A journal record: u16 length (big-endian) of the body, the body, and
 * the CRC-32 (IEEE) of the body. Body: cti (u8 length + bytes), client and
 * audience (u8 length + bytes each), scope type (u8), scope (u16 length +
 * bytes), iat, exp (i64) and exi_seq (u64), all big-endian. A record cut
 * short by a crash fails its length or CRC and ends the replay.
 */
#define JREC_MAX (2 + 1 + AS_CTI_MAX + 2 * (1 + AS_NAME_MAX) + 1 + 2 + \
		  AS_SCOPE_MAX + 24 + 4)

static uint32_t crc32_ieee(const uint8_t *p, size_t n)
{
	uint32_t c = 0xffffffffu;
	size_t i;
	int k;

	for (i = 0; i < n; i++) {
		c ^= p[i];
		for (k = 0; k < 8; k++)
			c = (c >> 1) ^ (0xedb88320u & (0u - (c & 1u)));
	}
	return c ^ 0xffffffffu;
}

static uint8_t *put_be(uint8_t *p, uint64_t v, int n)
{
	int i;

	for (i = n - 1; i >= 0; i--) {
		p[i] = (uint8_t)v;
		v >>= 8;
	}
	return p + n;
}

static uint64_t get_be(const uint8_t *p, int n)
{
	uint64_t v = 0;
	int i;

	for (i = 0; i < n; i++)
		v = v << 8 | p[i];
	return v;
}

static uint8_t *put_bytes(uint8_t *p, const void *b, size_t n, int lenbytes)
{
	p = put_be(p, n, lenbytes);
	memcpy(p, b, n);
	return p + n;
}

/* Encode t into buf[JREC_MAX]; the record's size. */
static size_t jrec_encode(const struct as_token_rec *t, uint8_t *buf)
{
	uint8_t *p = buf + 2;
	size_t body;

	p = put_bytes(p, t->cti, t->cti_len, 1);
	p = put_bytes(p, t->client, strlen(t->client), 1);
	p = put_bytes(p, t->audience, strlen(t->audience), 1);
	*p++ = (uint8_t)t->scope_type;
	p = put_bytes(p, t->scope, t->scope_len, 2);
	p = put_be(p, (uint64_t)t->iat, 8);
	p = put_be(p, (uint64_t)t->exp, 8);
	p = put_be(p, t->exi_seq, 8);
	body = (size_t)(p - buf) - 2;
	put_be(buf, body, 2);
	p = put_be(p, crc32_ieee(buf + 2, body), 4);
	return (size_t)(p - buf);
}

/* One length-prefixed field of a body; 0 or -1 when it overruns. */
static int get_field(const uint8_t **p, const uint8_t *end, int lenbytes,
		     size_t max, uint8_t *dst, size_t *len)
{
	size_t n;

	if (end - *p < lenbytes)
		return -1;
	n = (size_t)get_be(*p, lenbytes);
	*p += lenbytes;
	if (n > max || (size_t)(end - *p) < n)
		return -1;
	memcpy(dst, *p, n);
	*p += n;
	*len = n;
	return 0;
}

/* Decode the record at buf[0..n): its size, or 0 if it is not whole. */
static size_t jrec_decode(const uint8_t *buf, size_t n,
			  struct as_token_rec *t)
{
	const uint8_t *p, *end;
	size_t body, len;

	if (n < 2)
		return 0;
	body = (size_t)get_be(buf, 2);
	if (n < 2 + body + 4 ||
	    crc32_ieee(buf + 2, body) != (uint32_t)get_be(buf + 2 + body, 4))
		return 0;
	memset(t, 0, sizeof *t);
	p = buf + 2;
	end = p + body;
	if (get_field(&p, end, 1, AS_CTI_MAX, t->cti, &t->cti_len) != 0 ||
	    get_field(&p, end, 1, AS_NAME_MAX, (uint8_t *)t->client, &len) != 0)
		return 0;
	t->client[len] = 0;
	if (get_field(&p, end, 1, AS_NAME_MAX, (uint8_t *)t->audience,
		      &len) != 0 || end - p < 1)
		return 0;
	t->audience[len] = 0;
	t->scope_type = *p++;
	if (get_field(&p, end, 2, AS_SCOPE_MAX, t->scope, &t->scope_len) != 0 ||
	    end - p != 24)
		return 0;
	t->iat = (int64_t)get_be(p, 8);
	t->exp = (int64_t)get_be(p + 8, 8);
	t->exi_seq = get_be(p + 16, 8);
	return 2 + body + 4;
}

static int bind_token(struct as_store *st, sqlite3_stmt *s,
		      const struct as_token_rec *t);

/*
 * Put the records of the journal fd (locked by the caller) into the
 * store, in one transaction, then empty it. Records already there are
 * kept as they are (INSERT OR IGNORE); a torn last record is dropped:
 * its token never reached anyone, since the record is written first.
 */
static int journal_replay(struct as_store *st, int fd, unsigned long *count)
{
	struct stat sb;
	struct as_token_rec t;
	uint8_t *buf;
	size_t n, off = 0, used;
	ssize_t got;
	int rc = AS_OK;

	*count = 0;
	if (fstat(fd, &sb) != 0) {
		snprintf(st->err, sizeof st->err, "%s: %s", st->jpath,
			 strerror(errno));
		return AS_EDB;
	}
	if (sb.st_size == 0)
		return AS_OK;
	n = (size_t)sb.st_size;
	buf = sqlite3_malloc64(n);
	if (buf == NULL) {
		snprintf(st->err, sizeof st->err, "%s: out of memory", st->jpath);
		return AS_EDB;
	}
	while (off < n) {
		got = pread(fd, buf + off, n - off, (off_t)off);
		if (got <= 0) {
			snprintf(st->err, sizeof st->err, "%s: %s", st->jpath,
				 got < 0 ? strerror(errno) : "short read");
			sqlite3_free(buf);
			return AS_EDB;
		}
		off += (size_t)got;
	}
	if (exec(st, "BEGIN IMMEDIATE") != AS_OK) {
		sqlite3_free(buf);
		return AS_EDB;
	}
	for (off = 0; off < n && rc == AS_OK; off += used) {
		sqlite3_stmt *s;

		used = jrec_decode(buf + off, n - off, &t);
		if (used == 0)
			break;
		s = stmt(st, S_TOKEN_REPLAY);
		rc = s == NULL ? AS_EDB : bind_token(st, s, &t);
		if (rc == AS_OK)
			rc = run(st, s);
		if (rc == AS_OK && t.exi_seq > 0) {
			s = stmt(st, S_RS_EXI_AT_LEAST);
			if (s == NULL) {
				rc = AS_EDB;
				break;
			}
			sqlite3_bind_int64(s, 1, (sqlite3_int64)t.exi_seq);
			bind_text(s, 2, t.audience);
			rc = run(st, s);
		}
		(*count)++;
	}
	sqlite3_free(buf);
	if (rc == AS_OK)
		rc = exec(st, "COMMIT");
	if (rc != AS_OK) {
		rollback(st);
		return rc;
	}
	if (ftruncate(fd, 0) != 0) {
		snprintf(st->err, sizeof st->err, "%s: %s", st->jpath,
			 strerror(errno));
		return AS_EDB;
	}
	return AS_OK;
}

/* Replay a journal that no server holds (a crashed one left it). */
static int journal_recover(struct as_store *st)
{
	unsigned long n;
	struct stat sb;
	int fd, rc;

	if (stat(st->jpath, &sb) != 0 || sb.st_size == 0)
		return AS_OK;
	fd = open(st->jpath, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return AS_OK; /* gone meanwhile */
	if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		close(fd); /* a live server owns it and will commit it */
		return AS_OK;
	}
	rc = journal_replay(st, fd, &n);
	close(fd);
	return rc;
}

int as_store_journal_start(struct as_store *st)
{
	unsigned long n;
	int fd, rc;

	if (st->jfd >= 0)
		return AS_OK;
	fd = open(st->jpath, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (fd < 0) {
		snprintf(st->err, sizeof st->err, "%s: %s", st->jpath,
			 strerror(errno));
		return AS_EDB;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		snprintf(st->err, sizeof st->err, "%s is locked: another obol "
			 "AS serves this store", st->jpath);
		close(fd);
		return AS_EBUSY;
	}
	rc = journal_replay(st, fd, &n);
	if (rc != AS_OK) {
		close(fd);
		return rc;
	}
	st->jfd = fd;
	return AS_OK;
}

static int journal_append(struct as_store *st, const struct as_token_rec *t)
{
	uint8_t buf[JREC_MAX];
	size_t n = jrec_encode(t, buf), off = 0;
	ssize_t w;

	while (off < n) {
		w = write(st->jfd, buf + off, n - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			snprintf(st->err, sizeof st->err, "%s: %s", st->jpath,
				 w < 0 ? strerror(errno) : "short write");
			return AS_EDB;
		}
		off += (size_t)w;
	}
	if (st->sync == AS_SYNC_FULL && fdatasync(st->jfd) != 0) {
		snprintf(st->err, sizeof st->err, "%s: %s", st->jpath,
			 strerror(errno));
		return AS_EDB;
	}
	return AS_OK;
}

static void cache_clear(struct as_store *st)
{
	obol_wipe(st->clients, sizeof st->clients);
	obol_wipe(st->rs, sizeof st->rs);
	obol_wipe(st->grants, sizeof st->grants);
	st->nclients = st->nrs = st->ngrants = st->cache_next = 0;
}

/* 1 if the read cache serves this call (a batch of the serving handle,
 * its transaction now open), 0 if not, -1 if the transaction failed. */
static int cache_use(struct as_store *st)
{
	if (!st->batch || st->jfd < 0)
		return 0;
	return batch_enter(st) == AS_OK ? 1 : -1;
}

/* Where a new row goes in a cache of CACHE_N holding *n: the next free
 * place, then round robin. */
static unsigned cache_put(struct as_store *st, unsigned *n)
{
	unsigned i;

	if (*n < CACHE_N)
		return (*n)++;
	i = st->cache_next;
	st->cache_next = (i + 1) % CACHE_N;
	return i;
}

/*
 * A batch's transaction starts at its first statement, not at
 * as_store_batch_begin: a server waiting for requests holds no lock and no
 * snapshot. BEGIN IMMEDIATE takes the write lock at once, so the burst's
 * reads and writes see one state and a write cannot fail for a snapshot
 * that another connection's commit made stale (SQLITE_BUSY_SNAPSHOT).
 */
static int batch_enter(struct as_store *st)
{
	sqlite3_stmt *s;
	int64_t v = -1;

	if (!st->batch || st->intxn)
		return AS_OK;
	if (exec(st, "BEGIN IMMEDIATE") != AS_OK)
		return AS_EDB;
	st->intxn = 1;
	if (st->jfd < 0)
		return AS_OK;
	/* The cache is only as fresh as this transaction's state. */
	if (sqlite3_prepare_v2(st->db, "PRAGMA data_version", -1, &s, NULL) ==
	    SQLITE_OK) {
		if (sqlite3_step(s) == SQLITE_ROW)
			v = sqlite3_column_int64(s, 0);
		sqlite3_finalize(s);
	}
	if (v < 0 || v != st->data_version) {
		cache_clear(st);
		st->data_version = v;
	}
	return AS_OK;
}

int as_store_batch_begin(struct as_store *st)
{
	st->batch = 1;
	return AS_OK;
}

int as_store_batch_end(struct as_store *st)
{
	unsigned long n;
	int rc;

	if (!st->batch)
		return AS_OK;
	st->batch = 0;
	if (!st->intxn)
		return AS_OK; /* the burst touched nothing */
	st->intxn = 0;
	rc = exec(st, "COMMIT");
	if (rc != AS_OK) {
		rollback(st);
		st->jstale = 1;
	}
	if (st->jfd < 0)
		return rc;
	if (st->jstale) {
		/* the journal has what the failed commit lost: put it in */
		if (journal_replay(st, st->jfd, &n) != AS_OK)
			return AS_EDB;
		st->jstale = 0;
		return rc;
	}
	if (ftruncate(st->jfd, 0) != 0) {
		snprintf(st->err, sizeof st->err, "%s: %s", st->jpath,
			 strerror(errno));
		return AS_EDB;
	}
	return rc;
}

int as_store_open(const char *path, int create, enum as_sync sync,
		  struct as_store **out, char *errbuf, size_t errlen)
{
	struct as_store *st;
	struct stat sb;
	int exists, flags, rc;
	mode_t old;

	*out = NULL;
	if (errbuf != NULL && errlen > 0)
		errbuf[0] = '\0';
	if (path == NULL || path[0] == '\0') {
		open_err(errbuf, errlen, "no store path");
		return AS_EARG;
	}
	if (sync != AS_SYNC_NORMAL && sync != AS_SYNC_FULL) {
		open_err(errbuf, errlen, "%s: bad sync mode", path);
		return AS_EARG;
	}
	exists = stat(path, &sb) == 0;
	if (!exists && !create) {
		open_err(errbuf, errlen, "%s: no such store", path);
		return AS_ENOTFOUND;
	}
	if (exists && !S_ISREG(sb.st_mode)) {
		open_err(errbuf, errlen, "%s: not a regular file", path);
		return AS_EARG;
	}
	st = sqlite3_malloc(sizeof *st);
	if (st == NULL) {
		open_err(errbuf, errlen, "%s: out of memory", path);
		return AS_EDB;
	}
	memset(st, 0, sizeof *st);
	st->jfd = -1;
	st->sync = sync;
	st->jpath = sqlite3_mprintf("%s-tokens", path);
	if (st->jpath == NULL) {
		open_err(errbuf, errlen, "%s: out of memory", path);
		sqlite3_free(st);
		return AS_EDB;
	}
	flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX |
		(create ? SQLITE_OPEN_CREATE : 0);
	/*
	 * Secrets: whatever SQLite creates now (the file, -wal, -shm) is
	 * private. umask is per process; nothing else runs here meanwhile.
	 */
	old = umask(077);
	rc = sqlite3_open_v2(path, &st->db, flags, NULL);
	if (rc != SQLITE_OK) {
		open_err(errbuf, errlen, "%s: %s", path,
			 st->db != NULL ? sqlite3_errmsg(st->db) : "cannot open");
		rc = AS_EDB;
		goto fail;
	}
	rc = pragmas(st, sync);
	if (rc == AS_OK)
		rc = migrate(st);
	if (rc == AS_OK)
		rc = journal_recover(st);
	umask(old);
	if (rc != AS_OK) {
		if (st->notadb)
			open_err(errbuf, errlen, "%s: not an obol AS store (not an"
				 " SQLite database)", path);
		else
			open_err(errbuf, errlen, "%s: %s", path, st->err);
		goto fail;
	}
	*out = st;
	return AS_OK;
fail:
	umask(old);
	sqlite3_close_v2(st->db);
	sqlite3_free(st->jpath);
	sqlite3_free(st);
	return rc == AS_EVERSION || rc == AS_ENOTFOUND ? rc : AS_EDB;
}

void as_store_close(struct as_store *st)
{
	size_t i;

	if (st == NULL)
		return;
	as_store_batch_end(st);
	if (st->jfd >= 0)
		close(st->jfd); /* releases the lock */
	cache_clear(st);
	for (i = 0; i < S_COUNT; i++)
		sqlite3_finalize(st->stmt[i]);
	sqlite3_close_v2(st->db);
	sqlite3_free(st->jpath);
	sqlite3_free(st);
}

const char *as_store_errmsg(const struct as_store *st)
{
	return st != NULL ? st->err : "no store";
}

int as_store_version(struct as_store *st)
{
	return st->version;
}

int as_store_schema_version(void)
{
	return SCHEMA_VERSION;
}

/* ---- clients ------------------------------------------------------------------ */

int as_client_add(struct as_store *st, const struct as_client *c)
{
	sqlite3_stmt *s;

	if (!name_ok(c->id) || c->secret_len == 0 ||
	    c->secret_len > AS_SECRET_MAX)
		return AS_EARG;
	if ((s = stmt(st, S_CLIENT_ADD)) == NULL)
		return AS_EDB;
	bind_text(s, 1, c->id);
	bind_blob(s, 2, c->secret, c->secret_len);
	sqlite3_bind_int64(s, 3, now_or(c->created));
	return run(st, s);
}

static void row_client(sqlite3_stmt *s, struct as_client *c)
{
	memset(c, 0, sizeof *c);
	col_text(s, 0, c->id, sizeof c->id);
	c->secret_len = col_blob(s, 1, c->secret, sizeof c->secret);
	c->created = sqlite3_column_int64(s, 2);
}

/* Step a SELECT of one row: AS_OK (row read by fn), AS_ENOTFOUND, AS_EDB. */
static int get_one(struct as_store *st, sqlite3_stmt *s,
		   void (*fn)(sqlite3_stmt *, void *), void *dst)
{
	int rc = sqlite3_step(s);

	if (rc == SQLITE_ROW) {
		fn(s, dst);
		rc = AS_OK;
	} else if (rc == SQLITE_DONE) {
		rc = AS_ENOTFOUND;
	} else {
		set_err(st, "read");
		rc = AS_EDB;
	}
	done(s);
	return rc;
}

static void get_client_fn(sqlite3_stmt *s, void *dst)
{
	row_client(s, dst);
}

int as_client_get(struct as_store *st, const char *id, struct as_client *c)
{
	sqlite3_stmt *s;
	unsigned i;
	int rc, cached;

	if (!name_ok(id))
		return AS_EARG;
	if ((cached = cache_use(st)) < 0)
		return AS_EDB;
	for (i = 0; cached && i < st->nclients; i++)
		if (strcmp(st->clients[i].id, id) == 0) {
			*c = st->clients[i];
			return AS_OK;
		}
	if ((s = stmt(st, S_CLIENT_GET)) == NULL)
		return AS_EDB;
	bind_text(s, 1, id);
	rc = get_one(st, s, get_client_fn, c);
	if (rc == AS_OK && cached)
		st->clients[cache_put(st, &st->nclients)] = *c;
	return rc;
}

/* A DELETE/UPDATE by key: AS_ENOTFOUND when it touched no row. */
static int run_changed(struct as_store *st, sqlite3_stmt *s)
{
	int rc = run(st, s);

	if (rc == AS_OK && sqlite3_changes(st->db) == 0)
		rc = AS_ENOTFOUND;
	return rc;
}

int as_client_del(struct as_store *st, const char *id)
{
	sqlite3_stmt *s;

	if (!name_ok(id))
		return AS_EARG;
	if ((s = stmt(st, S_CLIENT_DEL)) == NULL)
		return AS_EDB;
	bind_text(s, 1, id);
	/* One statement: its grants go by ON DELETE CASCADE, atomically. */
	return run_changed(st, s);
}

/* ---- resource servers ------------------------------------------------------------ */

int as_rs_add(struct as_store *st, const struct as_rs *rs)
{
	sqlite3_stmt *s;

	/* A token key under 128 bits is never right (AES-CCM-16-64-128). */
	if (!name_ok(rs->audience) || rs->key_len < 16 ||
	    rs->key_len > AS_KEY_MAX || rs->secret_len == 0 ||
	    rs->secret_len > AS_SECRET_MAX || rs->profiles == 0 ||
	    (rs->has_clock != 0 && rs->has_clock != 1) || rs->lifetime <= 0)
		return AS_EARG;
	if ((s = stmt(st, S_RS_ADD)) == NULL)
		return AS_EDB;
	bind_text(s, 1, rs->audience);
	bind_blob(s, 2, rs->key, rs->key_len);
	bind_blob(s, 3, rs->secret, rs->secret_len);
	sqlite3_bind_int64(s, 4, (sqlite3_int64)rs->profiles);
	sqlite3_bind_int(s, 5, rs->has_clock);
	sqlite3_bind_int64(s, 6, rs->lifetime);
	sqlite3_bind_int64(s, 7, now_or(rs->created));
	return run(st, s);
}

static void row_rs(sqlite3_stmt *s, struct as_rs *rs)
{
	memset(rs, 0, sizeof *rs);
	col_text(s, 0, rs->audience, sizeof rs->audience);
	rs->key_len = col_blob(s, 1, rs->key, sizeof rs->key);
	rs->secret_len = col_blob(s, 2, rs->secret, sizeof rs->secret);
	rs->profiles = (unsigned)sqlite3_column_int64(s, 3);
	rs->has_clock = sqlite3_column_int(s, 4) != 0;
	rs->lifetime = sqlite3_column_int64(s, 5);
	rs->created = sqlite3_column_int64(s, 6);
}

static void get_rs_fn(sqlite3_stmt *s, void *dst)
{
	row_rs(s, dst);
}

int as_rs_get(struct as_store *st, const char *audience, struct as_rs *rs)
{
	sqlite3_stmt *s;
	unsigned i;
	int rc, cached;

	if (!name_ok(audience))
		return AS_EARG;
	if ((cached = cache_use(st)) < 0)
		return AS_EDB;
	for (i = 0; cached && i < st->nrs; i++)
		if (strcmp(st->rs[i].audience, audience) == 0) {
			*rs = st->rs[i];
			return AS_OK;
		}
	if ((s = stmt(st, S_RS_GET)) == NULL)
		return AS_EDB;
	bind_text(s, 1, audience);
	rc = get_one(st, s, get_rs_fn, rs);
	if (rc == AS_OK && cached)
		st->rs[cache_put(st, &st->nrs)] = *rs;
	return rc;
}

int as_rs_del(struct as_store *st, const char *audience)
{
	sqlite3_stmt *s;

	if (!name_ok(audience))
		return AS_EARG;
	if ((s = stmt(st, S_RS_DEL)) == NULL)
		return AS_EDB;
	bind_text(s, 1, audience);
	/* Grants for this audience go with it (ON DELETE CASCADE). */
	return run_changed(st, s);
}

/* ---- grants ----------------------------------------------------------------------- */

/* A scope the policy can use: the type's syntax is checked here, once. */
static int scope_ok(int type, const uint8_t *scope, size_t len)
{
	if (len == 0 || len > AS_SCOPE_MAX)
		return 0;
	if (type == AS_SCOPE_AIF)
		return obol_aif_validate(scope, len) == OBOL_OK;
	if (type == AS_SCOPE_TEXT)
		return as_scope_text_valid(scope, len);
	return 0;
}

int as_grant_add(struct as_store *st, const struct as_grant *g)
{
	sqlite3_stmt *s;

	if (!name_ok(g->client) || !name_ok(g->audience) ||
	    !scope_ok(g->scope_type, g->scope, g->scope_len))
		return AS_EARG;
	if ((s = stmt(st, S_GRANT_ADD)) == NULL)
		return AS_EDB;
	bind_text(s, 1, g->client);
	bind_text(s, 2, g->audience);
	sqlite3_bind_int(s, 3, g->scope_type);
	bind_blob(s, 4, g->scope, g->scope_len);
	sqlite3_bind_int64(s, 5, now_or(g->created));
	/* Unknown client or RS: the foreign keys refuse it (AS_ENOTFOUND). */
	return run(st, s);
}

static void row_grant(sqlite3_stmt *s, struct as_grant *g)
{
	memset(g, 0, sizeof *g);
	col_text(s, 0, g->client, sizeof g->client);
	col_text(s, 1, g->audience, sizeof g->audience);
	g->scope_type = sqlite3_column_int(s, 2);
	g->scope_len = col_blob(s, 3, g->scope, sizeof g->scope);
	g->created = sqlite3_column_int64(s, 4);
}

static void get_grant_fn(sqlite3_stmt *s, void *dst)
{
	row_grant(s, dst);
}

int as_grant_get(struct as_store *st, const char *client,
		 const char *audience, struct as_grant *g)
{
	sqlite3_stmt *s;
	unsigned i;
	int rc, cached;

	if (!name_ok(client) || !name_ok(audience))
		return AS_EARG;
	if ((cached = cache_use(st)) < 0)
		return AS_EDB;
	for (i = 0; cached && i < st->ngrants; i++)
		if (strcmp(st->grants[i].client, client) == 0 &&
		    strcmp(st->grants[i].audience, audience) == 0) {
			*g = st->grants[i];
			return AS_OK;
		}
	if ((s = stmt(st, S_GRANT_GET)) == NULL)
		return AS_EDB;
	bind_text(s, 1, client);
	bind_text(s, 2, audience);
	rc = get_one(st, s, get_grant_fn, g);
	if (rc == AS_OK && cached)
		st->grants[cache_put(st, &st->ngrants)] = *g;
	return rc;
}

int as_grant_del(struct as_store *st, const char *client,
		 const char *audience)
{
	sqlite3_stmt *s;

	if (!name_ok(client) || !name_ok(audience))
		return AS_EARG;
	if ((s = stmt(st, S_GRANT_DEL)) == NULL)
		return AS_EDB;
	bind_text(s, 1, client);
	bind_text(s, 2, audience);
	return run_changed(st, s);
}

/* ---- token records ---------------------------------------------------------------- */

static int bind_token(struct as_store *st, sqlite3_stmt *s,
		      const struct as_token_rec *t)
{
	(void)st;
	bind_blob(s, 1, t->cti, t->cti_len);
	bind_text(s, 2, t->client);
	bind_text(s, 3, t->audience);
	sqlite3_bind_int(s, 4, t->scope_type);
	bind_blob(s, 5, t->scope, t->scope_len);
	sqlite3_bind_int64(s, 6, t->iat);
	sqlite3_bind_int64(s, 7, t->exp);
	sqlite3_bind_int(s, 8, t->revoked);
	return AS_OK;
}

int as_token_add(struct as_store *st, const struct as_token_rec *t)
{
	sqlite3_stmt *s;
	int rc;

	/* The scope is what the policy produced: its type and size only. */
	if (t->cti_len == 0 || t->cti_len > AS_CTI_MAX || !name_ok(t->client) ||
	    !name_ok(t->audience) ||
	    (t->scope_type != AS_SCOPE_AIF && t->scope_type != AS_SCOPE_TEXT) ||
	    t->scope_len > AS_SCOPE_MAX || (t->revoked != 0 && t->revoked != 1))
		return AS_EARG;
	if ((s = stmt(st, S_TOKEN_ADD)) == NULL)
		return AS_EDB;
	/* With the journal, the record is durable once written there; the
	 * insert is committed with the batch (store.h). */
	if (st->jfd >= 0 && journal_append(st, t) != AS_OK)
		return AS_EDB;
	bind_token(st, s, t);
	rc = run(st, s);
	if (rc == AS_OK && st->jfd >= 0 && !st->batch &&
	    ftruncate(st->jfd, 0) != 0) {
		/* autocommitted: the journal has nothing left to carry */
		snprintf(st->err, sizeof st->err, "%s: %s", st->jpath,
			 strerror(errno));
		return AS_EDB;
	}
	return rc;
}

int as_rs_next_exi_seq(struct as_store *st, const char *audience,
		       uint64_t *seq)
{
	sqlite3_stmt *s;
	int rc;

	if (!name_ok(audience))
		return AS_EARG;
	if ((s = stmt(st, S_RS_EXI_NEXT)) == NULL)
		return AS_EDB;
	bind_text(s, 1, audience);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		*seq = (uint64_t)sqlite3_column_int64(s, 0);
		rc = AS_OK;
	} else if (rc == SQLITE_DONE) {
		rc = AS_ENOTFOUND;
	} else {
		rc = step_err(st, sqlite3_extended_errcode(st->db));
	}
	done(s);
	return rc;
}

static void row_token(sqlite3_stmt *s, struct as_token_rec *t)
{
	memset(t, 0, sizeof *t);
	t->cti_len = col_blob(s, 0, t->cti, sizeof t->cti);
	col_text(s, 1, t->client, sizeof t->client);
	col_text(s, 2, t->audience, sizeof t->audience);
	t->scope_type = sqlite3_column_int(s, 3);
	t->scope_len = col_blob(s, 4, t->scope, sizeof t->scope);
	t->iat = sqlite3_column_int64(s, 5);
	t->exp = sqlite3_column_int64(s, 6);
	t->revoked = sqlite3_column_int(s, 7) != 0;
}

static void get_token_fn(sqlite3_stmt *s, void *dst)
{
	row_token(s, dst);
}

int as_token_get(struct as_store *st, const uint8_t *cti, size_t cti_len,
		 struct as_token_rec *t)
{
	sqlite3_stmt *s;

	if (cti == NULL || cti_len == 0 || cti_len > AS_CTI_MAX)
		return AS_EARG;
	if ((s = stmt(st, S_TOKEN_GET)) == NULL)
		return AS_EDB;
	bind_blob(s, 1, cti, cti_len);
	return get_one(st, s, get_token_fn, t);
}

int as_token_revoke(struct as_store *st, const uint8_t *cti, size_t cti_len)
{
	sqlite3_stmt *s;

	if (cti == NULL || cti_len == 0 || cti_len > AS_CTI_MAX)
		return AS_EARG;
	if ((s = stmt(st, S_TOKEN_REVOKE)) == NULL)
		return AS_EDB;
	bind_blob(s, 1, cti, cti_len);
	/* changes() counts the row matched even if it was revoked already. */
	return run_changed(st, s);
}

int as_token_revoke_client(struct as_store *st, const char *client,
			   unsigned long *n)
{
	sqlite3_stmt *s;
	int rc;

	if (n != NULL)
		*n = 0;
	if (!name_ok(client))
		return AS_EARG;
	if ((s = stmt(st, S_TOKEN_REVOKE_CLIENT)) == NULL)
		return AS_EDB;
	bind_text(s, 1, client);
	rc = run(st, s);
	if (rc == AS_OK && n != NULL)
		*n = (unsigned long)sqlite3_changes(st->db);
	return rc;
}

/* ---- audit, settings ---------------------------------------------------------------- */

int as_audit_add(struct as_store *st, int64_t time, const char *event,
		 const char *client, const char *audience, const char *detail)
{
	sqlite3_stmt *s;

	if (event == NULL || event[0] == '\0' ||
	    !text_ok(event, sizeof ((struct as_audit *)0)->event - 1) ||
	    !text_ok(client, AS_NAME_MAX) || !text_ok(audience, AS_NAME_MAX) ||
	    !text_ok(detail, sizeof ((struct as_audit *)0)->detail - 1))
		return AS_EARG;
	if ((s = stmt(st, S_AUDIT_ADD)) == NULL)
		return AS_EDB;
	sqlite3_bind_int64(s, 1, time);
	bind_text(s, 2, event);
	bind_text(s, 3, client);
	bind_text(s, 4, audience);
	bind_text(s, 5, detail);
	return run(st, s);
}

int as_setting_get(struct as_store *st, const char *name, int64_t dflt,
		   int64_t *value)
{
	sqlite3_stmt *s;
	int rc;

	if (!name_ok(name))
		return AS_EARG;
	if ((s = stmt(st, S_SETTING_GET)) == NULL)
		return AS_EDB;
	bind_text(s, 1, name);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		*value = sqlite3_column_int64(s, 0);
		rc = AS_OK;
	} else if (rc == SQLITE_DONE) {
		*value = dflt;
		rc = AS_OK;
	} else {
		set_err(st, "read");
		rc = AS_EDB;
	}
	done(s);
	return rc;
}

int as_setting_set(struct as_store *st, const char *name, int64_t value)
{
	sqlite3_stmt *s;

	if (!name_ok(name))
		return AS_EARG;
	if ((s = stmt(st, S_SETTING_SET)) == NULL)
		return AS_EDB;
	bind_text(s, 1, name);
	sqlite3_bind_int64(s, 2, value);
	return run(st, s);
}

/* now - keep, or INT64_MIN (nothing is older) when that would overflow. */
static int64_t cutoff(int64_t now, int64_t keep)
{
	if (keep < 0)
		keep = 0;
	if (now < INT64_MIN + keep)
		return INT64_MIN;
	return now - keep;
}

int as_store_purge(struct as_store *st, int64_t now, unsigned long *ntok,
		   unsigned long *naudit)
{
	sqlite3_stmt *s;
	int64_t tok_keep, audit_keep;
	unsigned long nt = 0, na = 0;
	int rc;

	if (ntok != NULL)
		*ntok = 0;
	if (naudit != NULL)
		*naudit = 0;
	if (exec(st, "BEGIN IMMEDIATE") != AS_OK)
		return AS_EDB;
	rc = as_setting_get(st, AS_SETTING_TOKEN_RETENTION,
			    AS_DEFAULT_TOKEN_RETENTION, &tok_keep);
	if (rc == AS_OK)
		rc = as_setting_get(st, AS_SETTING_AUDIT_RETENTION,
				    AS_DEFAULT_AUDIT_RETENTION, &audit_keep);
	/* "More than keep seconds before now": exp == now - keep stays. */
	if (rc == AS_OK) {
		rc = (s = stmt(st, S_PURGE_TOKENS)) == NULL ? AS_EDB : AS_OK;
		if (rc == AS_OK) {
			sqlite3_bind_int64(s, 1, cutoff(now, tok_keep));
			rc = run(st, s);
			nt = (unsigned long)sqlite3_changes(st->db);
		}
	}
	if (rc == AS_OK) {
		rc = (s = stmt(st, S_PURGE_AUDIT)) == NULL ? AS_EDB : AS_OK;
		if (rc == AS_OK) {
			sqlite3_bind_int64(s, 1, cutoff(now, audit_keep));
			rc = run(st, s);
			na = (unsigned long)sqlite3_changes(st->db);
		}
	}
	if (rc == AS_OK)
		rc = exec(st, "COMMIT");
	if (rc != AS_OK) {
		rollback(st);
		return rc;
	}
	if (ntok != NULL)
		*ntok = nt;
	if (naudit != NULL)
		*naudit = na;
	return AS_OK;
}

/* ---- listing, counts ------------------------------------------------------------------ */

/*
 * Walk the rows of list statement id: read each into row (by fn) and
 * call cb; a non-zero return stops the walk and is returned.
 */
static int walk(struct as_store *st, enum sid id,
		void (*fn)(sqlite3_stmt *, void *), void *row, size_t row_size,
		int (*cb)(void *arg, const void *row), void *arg)
{
	sqlite3_stmt *s = stmt(st, id);
	int rc;

	if (s == NULL)
		return AS_EDB;
	for (;;) {
		rc = sqlite3_step(s);
		if (rc == SQLITE_DONE) {
			rc = AS_OK;
			break;
		}
		if (rc != SQLITE_ROW) {
			set_err(st, "read");
			rc = AS_EDB;
			break;
		}
		fn(s, row);
		rc = cb(arg, row);
		if (rc != 0)
			break;
	}
	done(s);
	/* Rows may hold secrets (client secrets, RS keys). */
	obol_wipe(row, row_size);
	return rc;
}

/* The typed callbacks, behind one void-pointer shape for walk(). */
struct typed_cb {
	union {
		int (*client)(void *, const struct as_client *);
		int (*rs)(void *, const struct as_rs *);
		int (*grant)(void *, const struct as_grant *);
		int (*token)(void *, const struct as_token_rec *);
		int (*audit)(void *, const struct as_audit *);
	} fn;
	void *arg;
};

static int cb_client(void *a, const void *row)
{
	const struct typed_cb *t = a;
	return t->fn.client(t->arg, row);
}

static int cb_rs(void *a, const void *row)
{
	const struct typed_cb *t = a;
	return t->fn.rs(t->arg, row);
}

static int cb_grant(void *a, const void *row)
{
	const struct typed_cb *t = a;
	return t->fn.grant(t->arg, row);
}

static int cb_token(void *a, const void *row)
{
	const struct typed_cb *t = a;
	return t->fn.token(t->arg, row);
}

static int cb_audit(void *a, const void *row)
{
	const struct typed_cb *t = a;
	return t->fn.audit(t->arg, row);
}

static void row_audit(sqlite3_stmt *s, void *dst)
{
	struct as_audit *a = dst;

	memset(a, 0, sizeof *a);
	a->id = sqlite3_column_int64(s, 0);
	a->time = sqlite3_column_int64(s, 1);
	col_text(s, 2, a->event, sizeof a->event);
	col_text(s, 3, a->client, sizeof a->client);
	col_text(s, 4, a->audience, sizeof a->audience);
	col_text(s, 5, a->detail, sizeof a->detail);
}

int as_list_clients(struct as_store *st,
		    int (*cb)(void *arg, const struct as_client *c), void *arg)
{
	struct as_client row;
	struct typed_cb t;

	t.fn.client = cb;
	t.arg = arg;
	return walk(st, S_LIST_CLIENTS, get_client_fn, &row, sizeof row,
		    cb_client, &t);
}

int as_list_rs(struct as_store *st,
	       int (*cb)(void *arg, const struct as_rs *rs), void *arg)
{
	struct as_rs row;
	struct typed_cb t;

	t.fn.rs = cb;
	t.arg = arg;
	return walk(st, S_LIST_RS, get_rs_fn, &row, sizeof row, cb_rs, &t);
}

int as_list_grants(struct as_store *st,
		   int (*cb)(void *arg, const struct as_grant *g), void *arg)
{
	struct as_grant row;
	struct typed_cb t;

	t.fn.grant = cb;
	t.arg = arg;
	return walk(st, S_LIST_GRANTS, get_grant_fn, &row, sizeof row,
		    cb_grant, &t);
}

int as_list_tokens(struct as_store *st,
		   int (*cb)(void *arg, const struct as_token_rec *t),
		   void *arg)
{
	struct as_token_rec row;
	struct typed_cb t;

	t.fn.token = cb;
	t.arg = arg;
	return walk(st, S_LIST_TOKENS, get_token_fn, &row, sizeof row,
		    cb_token, &t);
}

int as_list_audit(struct as_store *st,
		  int (*cb)(void *arg, const struct as_audit *a), void *arg)
{
	struct as_audit row;
	struct typed_cb t;

	t.fn.audit = cb;
	t.arg = arg;
	return walk(st, S_LIST_AUDIT, row_audit, &row, sizeof row, cb_audit, &t);
}

int as_store_count(struct as_store *st, const char *table, long long *n)
{
	/* Fixed statements per table: no SQL is built from the name. */
	static const struct {
		const char *name;
		enum sid id;
	} tables[] = {
		{"clients", S_COUNT_CLIENTS}, {"rs", S_COUNT_RS},
		{"grants", S_COUNT_GRANTS},   {"tokens", S_COUNT_TOKENS},
		{"audit", S_COUNT_AUDIT},
	};
	sqlite3_stmt *s;
	size_t i;
	int rc;

	if (table == NULL)
		return AS_EARG;
	for (i = 0; i < sizeof tables / sizeof tables[0]; i++)
		if (strcmp(tables[i].name, table) == 0)
			break;
	if (i == sizeof tables / sizeof tables[0])
		return AS_EARG;
	if ((s = stmt(st, tables[i].id)) == NULL)
		return AS_EDB;
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		*n = sqlite3_column_int64(s, 0);
		rc = AS_OK;
	} else {
		set_err(st, "read");
		rc = AS_EDB;
	}
	done(s);
	return rc;
}
