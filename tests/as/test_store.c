/*
 * The AS store (src/as/store.h) on SQLite: every function, its error
 * codes, that a refused call changes nothing, retention boundaries,
 * listing order, schema migration from a v1 file built by hand, and the
 * file's mode.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <sqlite3.h>

#include "harness.h"
#include "store.h"

/* RFC 9237 example: [["/temp", 1]] and [["/led", 5]] as CBOR AIF. */
static const uint8_t aif_temp_get[] = {0x81, 0x82, 0x65, '/', 't', 'e', 'm',
				       'p', 0x01};
static const uint8_t aif_led[] = {0x81, 0x82, 0x64, '/', 'l', 'e', 'd', 0x05};

static char path_buf[512];

static const char *db_path(const char *name)
{
	snprintf(path_buf, sizeof path_buf, "%s/%s", as_test_tmpdir(), name);
	return path_buf;
}

static struct as_store *open_new(const char *name)
{
	struct as_store *st = NULL;
	char err[256];
	int rc = as_store_open(db_path(name), 1, AS_SYNC_NORMAL, &st, err,
			       sizeof err);

	CHECK_INT(rc, AS_OK);
	if (rc != AS_OK) {
		printf("open %s: %s\n", name, err);
		exit(1);
	}
	return st;
}

static void make_client(struct as_client *c, const char *id, const char *secret)
{
	memset(c, 0, sizeof *c);
	snprintf(c->id, sizeof c->id, "%s", id);
	c->secret_len = strlen(secret);
	memcpy(c->secret, secret, c->secret_len);
	c->created = 1700000000;
}

static void make_rs(struct as_rs *rs, const char *aud)
{
	size_t i;

	memset(rs, 0, sizeof *rs);
	snprintf(rs->audience, sizeof rs->audience, "%s", aud);
	for (i = 0; i < 16; i++)
		rs->key[i] = (uint8_t)i;
	rs->key_len = 16;
	memcpy(rs->secret, "introspect", 10);
	rs->secret_len = 10;
	rs->profiles = AS_PROFILE_BIT(2);
	rs->has_clock = 1;
	rs->lifetime = 3600;
	rs->created = 1700000001;
}

static void make_grant(struct as_grant *g, const char *client, const char *aud,
		       int type, const void *scope, size_t len)
{
	memset(g, 0, sizeof *g);
	snprintf(g->client, sizeof g->client, "%s", client);
	snprintf(g->audience, sizeof g->audience, "%s", aud);
	g->scope_type = type;
	memcpy(g->scope, scope, len);
	g->scope_len = len;
	g->created = 1700000002;
}

static void make_token(struct as_token_rec *t, uint8_t cti, const char *client,
		       const char *aud, int64_t iat, int64_t exp)
{
	memset(t, 0, sizeof *t);
	t->cti[0] = 0xc7;
	t->cti[1] = cti;
	t->cti_len = 2;
	snprintf(t->client, sizeof t->client, "%s", client);
	snprintf(t->audience, sizeof t->audience, "%s", aud);
	t->scope_type = AS_SCOPE_AIF;
	memcpy(t->scope, aif_temp_get, sizeof aif_temp_get);
	t->scope_len = sizeof aif_temp_get;
	t->iat = iat;
	t->exp = exp;
}

static long long count(struct as_store *st, const char *table)
{
	long long n = -1;

	CHECK_INT(as_store_count(st, table, &n), AS_OK);
	return n;
}

/* ---- open ------------------------------------------------------------------- */

static void test_open_create(void)
{
	struct as_store *st = NULL;
	char err[256] = "";
	struct stat sb;

	CHECK_INT(as_store_schema_version(), 3);
	/* create = 0 on a missing file: AS_ENOTFOUND, nothing created. */
	CHECK_INT(as_store_open(db_path("none.db"), 0, AS_SYNC_NORMAL, &st, err,
				sizeof err), AS_ENOTFOUND);
	CHECK(st == NULL);
	CHECK(strstr(err, "no such store") != NULL);
	CHECK(stat(db_path("none.db"), &sb) != 0);
	CHECK_INT(as_store_open(db_path("bad.db"), 1, (enum as_sync)7, &st, err,
				sizeof err), AS_EARG);

	st = open_new("a.db");
	CHECK_INT(as_store_version(st), 3);
	CHECK_INT(count(st, "clients"), 0);
	CHECK_INT(count(st, "rs"), 0);
	CHECK_INT(count(st, "grants"), 0);
	CHECK_INT(count(st, "tokens"), 0);
	CHECK_INT(count(st, "audit"), 0);
	/* Secrets live here: 0600, and the WAL files too. */
	CHECK_INT(stat(db_path("a.db"), &sb), 0);
	CHECK_INT(sb.st_mode & 0777, 0600);
	CHECK_INT(stat(db_path("a.db-wal"), &sb), 0);
	CHECK_INT(sb.st_mode & 0777, 0600);
	CHECK_INT(stat(db_path("a.db-shm"), &sb), 0);
	CHECK_INT(sb.st_mode & 0777, 0600);
	as_store_close(st);

	/* Reopen without create; AS_SYNC_FULL also works. */
	CHECK_INT(as_store_open(db_path("a.db"), 0, AS_SYNC_FULL, &st, err,
				sizeof err), AS_OK);
	CHECK(st != NULL);
	CHECK_INT(as_store_version(st), 3);
	as_store_close(st);
	as_store_close(NULL);
}

static void test_open_garbage(void)
{
	struct as_store *st = (struct as_store *)1;
	char err[256] = "";
	FILE *f;
	sqlite3 *db;

	f = fopen(db_path("garbage.db"), "wb");
	CHECK(f != NULL);
	if (f == NULL)
		return;
	fputs("this is not an SQLite database, it is a text file that is long"
	      " enough to have a header of one hundred bytes or more ........",
	      f);
	fclose(f);
	CHECK_INT(as_store_open(db_path("garbage.db"), 0, AS_SYNC_NORMAL, &st,
				err, sizeof err), AS_EDB);
	CHECK(st == NULL);
	CHECK(strstr(err, "not an obol AS store (not an SQLite database)") != NULL);
	CHECK_INT(as_store_open(db_path("garbage.db"), 1, AS_SYNC_NORMAL, &st,
				err, sizeof err), AS_EDB);

	/* An SQLite file of someone else's. */
	CHECK_INT(sqlite3_open(db_path("other.db"), &db), SQLITE_OK);
	CHECK_INT(sqlite3_exec(db, "CREATE TABLE t(x)", NULL, NULL, NULL),
		  SQLITE_OK);
	sqlite3_close(db);
	CHECK_INT(as_store_open(db_path("other.db"), 0, AS_SYNC_NORMAL, &st,
				err, sizeof err), AS_EDB);
	CHECK(strstr(err, "not an obol AS store") != NULL);
}

/* Exactly the v1 schema of store_sqlite.c, as a v1 program wrote it. */
static const char v1_sql[] =
	"CREATE TABLE schema_version(version INTEGER NOT NULL);"
	"INSERT INTO schema_version VALUES(1);"
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
	" detail TEXT NOT NULL);"
	"INSERT INTO clients VALUES('c1', CAST('s3cret' AS BLOB), 1600000000);"
	"INSERT INTO rs VALUES('rs1', x'000102030405060708090a0b0c0d0e0f',"
	" CAST('rspsk' AS BLOB), 4, 0, 600, 1600000001);"
	"INSERT INTO grants VALUES('c1', 'rs1', 1, x'8182652f74656d7001',"
	" 1600000002);"
	"INSERT INTO tokens VALUES(x'0b71', 'c1', 'rs1', 1, x'8182652f74656d7001',"
	" 1600000010, 1600003610, 0);"
	"INSERT INTO audit(time, event, client, audience, detail)"
	" VALUES(1600000003, 'grant', 'c1', 'rs1', '');";

static int has_index(const char *path, const char *name)
{
	sqlite3 *db;
	sqlite3_stmt *s;
	int n = -1;

	if (sqlite3_open(path, &db) != SQLITE_OK)
		return -1;
	if (sqlite3_prepare_v2(db, "SELECT count(*) FROM sqlite_master WHERE"
			       " type = 'index' AND name = ?", -1, &s,
			       NULL) == SQLITE_OK) {
		sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
		if (sqlite3_step(s) == SQLITE_ROW)
			n = sqlite3_column_int(s, 0);
		sqlite3_finalize(s);
	}
	sqlite3_close(db);
	return n;
}

static void test_migrate_v1(void)
{
	struct as_store *st = NULL;
	struct as_client c;
	struct as_rs rs;
	struct as_grant g;
	struct as_token_rec t;
	int64_t v = 0;
	char err[256] = "";
	sqlite3 *db;
	const uint8_t cti[] = {0x0b, 0x71};
	const char *p = db_path("v1.db");

	CHECK_INT(sqlite3_open(p, &db), SQLITE_OK);
	CHECK_INT(sqlite3_exec(db, v1_sql, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	CHECK_INT(has_index(p, "tokens_exp"), 0);

	CHECK_INT(as_store_open(p, 0, AS_SYNC_NORMAL, &st, err, sizeof err), AS_OK);
	if (st == NULL) {
		printf("open v1: %s\n", err);
		return;
	}
	CHECK_INT(as_store_version(st), 3);
	/* The data survived. */
	CHECK_INT(as_client_get(st, "c1", &c), AS_OK);
	CHECK_MEM(c.secret, c.secret_len, (const uint8_t *)"s3cret", 6);
	CHECK_INT(c.created, 1600000000);
	CHECK_INT(as_rs_get(st, "rs1", &rs), AS_OK);
	CHECK_INT(rs.key_len, 16);
	CHECK_INT(rs.key[15], 15);
	CHECK_INT(rs.profiles, 4);
	CHECK_INT(rs.has_clock, 0);
	CHECK_INT(rs.lifetime, 600);
	CHECK_INT(as_grant_get(st, "c1", "rs1", &g), AS_OK);
	CHECK_MEM(g.scope, g.scope_len, aif_temp_get, sizeof aif_temp_get);
	CHECK_INT(as_token_get(st, cti, 2, &t), AS_OK);
	CHECK_INT(t.exp, 1600003610);
	CHECK_INT(count(st, "audit"), 1);
	/* What v2 adds works. */
	CHECK_INT(as_setting_set(st, AS_SETTING_TOKEN_RETENTION, 60), AS_OK);
	CHECK_INT(as_setting_get(st, AS_SETTING_TOKEN_RETENTION, 0, &v), AS_OK);
	CHECK_INT(v, 60);
	as_store_close(st);
	CHECK_INT(has_index(p, "tokens_exp"), 1);
	CHECK_INT(has_index(p, "audit_time"), 1);

	/* Reopening a current file migrates nothing and keeps the setting. */
	CHECK_INT(as_store_open(p, 1, AS_SYNC_NORMAL, &st, err, sizeof err), AS_OK);
	if (st != NULL) {
		CHECK_INT(as_setting_get(st, AS_SETTING_TOKEN_RETENTION, 0, &v),
			  AS_OK);
		CHECK_INT(v, 60);
		as_store_close(st);
	}
}

static void test_newer_version(void)
{
	struct as_store *st = (struct as_store *)1;
	char err[256] = "";
	sqlite3 *db;

	st = open_new("new.db");
	as_store_close(st);
	CHECK_INT(sqlite3_open(db_path("new.db"), &db), SQLITE_OK);
	CHECK_INT(sqlite3_exec(db, "UPDATE schema_version SET version = 99",
			       NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	CHECK_INT(as_store_open(db_path("new.db"), 0, AS_SYNC_NORMAL, &st, err,
				sizeof err), AS_EVERSION);
	CHECK(st == NULL);
	CHECK(strstr(err, "schema version 99; this program knows up to 3") != NULL);
	/* Refused, and untouched: still 99. */
	CHECK_INT(sqlite3_open(db_path("new.db"), &db), SQLITE_OK);
	{
		sqlite3_stmt *s;
		int v = -1;
		if (sqlite3_prepare_v2(db, "SELECT version FROM schema_version",
				       -1, &s, NULL) == SQLITE_OK) {
			if (sqlite3_step(s) == SQLITE_ROW)
				v = sqlite3_column_int(s, 0);
			sqlite3_finalize(s);
		}
		CHECK_INT(v, 99);
	}
	sqlite3_close(db);
}

/* ---- clients, rs --------------------------------------------------------------- */

static void test_clients(void)
{
	struct as_store *st = open_new("clients.db");
	struct as_client c, got;
	char longname[AS_NAME_MAX + 2];

	make_client(&c, "client-a", "secretA");
	CHECK_INT(as_client_add(st, &c), AS_OK);
	memset(&got, 0xee, sizeof got);
	CHECK_INT(as_client_get(st, "client-a", &got), AS_OK);
	CHECK(strcmp(got.id, "client-a") == 0);
	CHECK_MEM(got.secret, got.secret_len, (const uint8_t *)"secretA", 7);
	CHECK_INT(got.created, 1700000000);

	/* Duplicate: refused, the stored secret unchanged. */
	make_client(&c, "client-a", "other");
	CHECK_INT(as_client_add(st, &c), AS_EEXISTS);
	CHECK_INT(as_client_get(st, "client-a", &got), AS_OK);
	CHECK_MEM(got.secret, got.secret_len, (const uint8_t *)"secretA", 7);
	CHECK_INT(count(st, "clients"), 1);

	/* created 0: the store's clock. */
	make_client(&c, "client-b", "b");
	c.created = 0;
	CHECK_INT(as_client_add(st, &c), AS_OK);
	CHECK_INT(as_client_get(st, "client-b", &got), AS_OK);
	CHECK(got.created >= (int64_t)time(NULL) - 5 &&
	      got.created <= (int64_t)time(NULL));

	/* Bounds. */
	memset(longname, 'x', sizeof longname - 1);
	longname[sizeof longname - 1] = '\0'; /* AS_NAME_MAX + 1 bytes */
	make_client(&c, "", "s");
	CHECK_INT(as_client_add(st, &c), AS_EARG);
	memset(&c, 0, sizeof c);
	memcpy(c.id, longname, AS_NAME_MAX); /* exactly AS_NAME_MAX: fine */
	c.secret_len = AS_SECRET_MAX;
	CHECK_INT(as_client_add(st, &c), AS_OK);
	CHECK_INT(as_client_get(st, c.id, &got), AS_OK);
	CHECK_INT(strlen(got.id), AS_NAME_MAX);
	CHECK_INT(got.secret_len, AS_SECRET_MAX);
	CHECK_INT(as_client_get(st, longname, &got), AS_EARG);
	CHECK_INT(as_client_del(st, longname), AS_EARG);
	make_client(&c, "c-nosecret", "");
	CHECK_INT(as_client_add(st, &c), AS_EARG);
	make_client(&c, "c-bigsecret", "s");
	c.secret_len = AS_SECRET_MAX + 1;
	CHECK_INT(as_client_add(st, &c), AS_EARG);
	CHECK_INT(count(st, "clients"), 3);

	CHECK_INT(as_client_get(st, "nobody", &got), AS_ENOTFOUND);
	CHECK_INT(as_client_del(st, "nobody"), AS_ENOTFOUND);
	CHECK_INT(as_client_del(st, "client-b"), AS_OK);
	CHECK_INT(as_client_get(st, "client-b", &got), AS_ENOTFOUND);
	CHECK_INT(as_client_del(st, "client-b"), AS_ENOTFOUND);
	CHECK_INT(count(st, "clients"), 2);
	as_store_close(st);
}

static void test_rs(void)
{
	struct as_store *st = open_new("rs.db");
	struct as_rs rs, got;

	make_rs(&rs, "tempSensor4711");
	CHECK_INT(as_rs_add(st, &rs), AS_OK);
	CHECK_INT(as_rs_get(st, "tempSensor4711", &got), AS_OK);
	CHECK(strcmp(got.audience, "tempSensor4711") == 0);
	CHECK_MEM(got.key, got.key_len, rs.key, 16);
	CHECK_MEM(got.secret, got.secret_len, (const uint8_t *)"introspect", 10);
	CHECK_INT(got.profiles, 4);
	CHECK_INT(got.has_clock, 1);
	CHECK_INT(got.lifetime, 3600);
	CHECK_INT(got.created, 1700000001);

	rs.key[0] = 0xff;
	CHECK_INT(as_rs_add(st, &rs), AS_EEXISTS);
	CHECK_INT(as_rs_get(st, "tempSensor4711", &got), AS_OK);
	CHECK_INT(got.key[0], 0);

	make_rs(&rs, "r2");
	rs.key_len = 15;
	CHECK_INT(as_rs_add(st, &rs), AS_EARG);
	rs.key_len = AS_KEY_MAX + 1;
	CHECK_INT(as_rs_add(st, &rs), AS_EARG);
	rs.key_len = AS_KEY_MAX;
	rs.secret_len = 0;
	CHECK_INT(as_rs_add(st, &rs), AS_EARG);
	rs.secret_len = AS_SECRET_MAX + 1;
	CHECK_INT(as_rs_add(st, &rs), AS_EARG);
	rs.secret_len = 1;
	rs.profiles = 0;
	CHECK_INT(as_rs_add(st, &rs), AS_EARG);
	rs.profiles = AS_PROFILE_BIT(1) | AS_PROFILE_BIT(2);
	rs.lifetime = 0;
	CHECK_INT(as_rs_add(st, &rs), AS_EARG);
	rs.lifetime = 60;
	rs.has_clock = 2;
	CHECK_INT(as_rs_add(st, &rs), AS_EARG);
	rs.has_clock = 0;
	CHECK_INT(count(st, "rs"), 1);
	CHECK_INT(as_rs_add(st, &rs), AS_OK);
	CHECK_INT(as_rs_get(st, "r2", &got), AS_OK);
	CHECK_INT(got.key_len, AS_KEY_MAX);
	CHECK_INT(got.profiles, 6);
	CHECK_INT(got.has_clock, 0);
	CHECK_INT(got.lifetime, 60);

	CHECK_INT(as_rs_get(st, "", &got), AS_EARG);
	CHECK_INT(as_rs_get(st, "nope", &got), AS_ENOTFOUND);
	CHECK_INT(as_rs_del(st, "nope"), AS_ENOTFOUND);
	CHECK_INT(as_rs_del(st, "r2"), AS_OK);
	CHECK_INT(as_rs_get(st, "r2", &got), AS_ENOTFOUND);
	CHECK_INT(count(st, "rs"), 1);
	as_store_close(st);
}

/* ---- grants ------------------------------------------------------------------------ */

static void test_grants(void)
{
	struct as_store *st = open_new("grants.db");
	struct as_client c;
	struct as_rs rs;
	struct as_grant g, got;
	struct as_token_rec t;
	uint8_t bad_aif[] = {0x81, 0x82, 0x64, 'l', 'e', 'd', '!', 0x01};

	make_client(&c, "c1", "s1");
	CHECK_INT(as_client_add(st, &c), AS_OK);
	make_client(&c, "c2", "s2");
	CHECK_INT(as_client_add(st, &c), AS_OK);
	make_rs(&rs, "rs1");
	CHECK_INT(as_rs_add(st, &rs), AS_OK);
	make_rs(&rs, "rs2");
	CHECK_INT(as_rs_add(st, &rs), AS_OK);

	make_grant(&g, "c1", "rs1", AS_SCOPE_AIF, aif_temp_get, sizeof aif_temp_get);
	CHECK_INT(as_grant_add(st, &g), AS_OK);
	CHECK_INT(as_grant_get(st, "c1", "rs1", &got), AS_OK);
	CHECK(strcmp(got.client, "c1") == 0 && strcmp(got.audience, "rs1") == 0);
	CHECK_INT(got.scope_type, AS_SCOPE_AIF);
	CHECK_MEM(got.scope, got.scope_len, aif_temp_get, sizeof aif_temp_get);
	CHECK_INT(got.created, 1700000002);

	/* Duplicate pair: refused, the first scope kept. */
	make_grant(&g, "c1", "rs1", AS_SCOPE_AIF, aif_led, sizeof aif_led);
	CHECK_INT(as_grant_add(st, &g), AS_EEXISTS);
	CHECK_INT(as_grant_get(st, "c1", "rs1", &got), AS_OK);
	CHECK_MEM(got.scope, got.scope_len, aif_temp_get, sizeof aif_temp_get);

	/* Foreign keys. */
	make_grant(&g, "ghost", "rs1", AS_SCOPE_TEXT, "r", 1);
	CHECK_INT(as_grant_add(st, &g), AS_ENOTFOUND);
	make_grant(&g, "c1", "ghost", AS_SCOPE_TEXT, "r", 1);
	CHECK_INT(as_grant_add(st, &g), AS_ENOTFOUND);
	CHECK_INT(count(st, "grants"), 1);

	/* Scopes are checked on the way in. */
	make_grant(&g, "c1", "rs2", AS_SCOPE_TEXT, "read  write", 11);
	CHECK_INT(as_grant_add(st, &g), AS_EARG);
	make_grant(&g, "c1", "rs2", AS_SCOPE_TEXT, "", 0);
	CHECK_INT(as_grant_add(st, &g), AS_EARG);
	make_grant(&g, "c1", "rs2", AS_SCOPE_AIF, bad_aif, sizeof bad_aif);
	CHECK_INT(as_grant_add(st, &g), AS_EARG);
	make_grant(&g, "c1", "rs2", 3, "r", 1);
	CHECK_INT(as_grant_add(st, &g), AS_EARG);
	make_grant(&g, "c1", "rs2", AS_SCOPE_TEXT, "r", 1);
	g.scope_len = AS_SCOPE_MAX + 1;
	CHECK_INT(as_grant_add(st, &g), AS_EARG);
	CHECK_INT(count(st, "grants"), 1);

	make_grant(&g, "c1", "rs2", AS_SCOPE_TEXT, "read write", 10);
	CHECK_INT(as_grant_add(st, &g), AS_OK);
	make_grant(&g, "c2", "rs1", AS_SCOPE_AIF, aif_led, sizeof aif_led);
	CHECK_INT(as_grant_add(st, &g), AS_OK);
	CHECK_INT(as_grant_get(st, "c1", "rs2", &got), AS_OK);
	CHECK_INT(got.scope_type, AS_SCOPE_TEXT);
	CHECK_MEM(got.scope, got.scope_len, (const uint8_t *)"read write", 10);
	CHECK_INT(as_grant_get(st, "c2", "rs2", &got), AS_ENOTFOUND);
	CHECK_INT(as_grant_get(st, "c2", "", &got), AS_EARG);

	CHECK_INT(as_grant_del(st, "c2", "rs2"), AS_ENOTFOUND);
	CHECK_INT(as_grant_del(st, "c2", "rs1"), AS_OK);
	CHECK_INT(as_grant_del(st, "c2", "rs1"), AS_ENOTFOUND);
	CHECK_INT(count(st, "grants"), 2);

	/* Deleting a client takes its grants; its token records stay. */
	make_token(&t, 1, "c1", "rs1", 100, 200);
	CHECK_INT(as_token_add(st, &t), AS_OK);
	CHECK_INT(as_client_del(st, "c1"), AS_OK);
	CHECK_INT(count(st, "grants"), 0);
	CHECK_INT(count(st, "tokens"), 1);
	CHECK_INT(as_grant_get(st, "c1", "rs2", &got), AS_ENOTFOUND);

	/* Deleting an RS takes its grants too. */
	make_grant(&g, "c2", "rs2", AS_SCOPE_TEXT, "x", 1);
	CHECK_INT(as_grant_add(st, &g), AS_OK);
	CHECK_INT(as_rs_del(st, "rs2"), AS_OK);
	CHECK_INT(count(st, "grants"), 0);
	as_store_close(st);
}

/* ---- tokens -------------------------------------------------------------------------- */

static void test_tokens(void)
{
	struct as_store *st = open_new("tokens.db");
	struct as_token_rec t, got;
	unsigned long n = 99;
	const uint8_t cti1[] = {0xc7, 1}, cti9[] = {0xc7, 9};
	uint8_t big[AS_CTI_MAX + 1] = {0};

	make_token(&t, 1, "c1", "rs1", 1000, 4600);
	CHECK_INT(as_token_add(st, &t), AS_OK);
	memset(&got, 0xee, sizeof got);
	CHECK_INT(as_token_get(st, cti1, 2, &got), AS_OK);
	CHECK_MEM(got.cti, got.cti_len, cti1, 2);
	CHECK(strcmp(got.client, "c1") == 0 && strcmp(got.audience, "rs1") == 0);
	CHECK_INT(got.scope_type, AS_SCOPE_AIF);
	CHECK_MEM(got.scope, got.scope_len, aif_temp_get, sizeof aif_temp_get);
	CHECK_INT(got.iat, 1000);
	CHECK_INT(got.exp, 4600);
	CHECK_INT(got.revoked, 0);

	t.exp = 1;
	CHECK_INT(as_token_add(st, &t), AS_EEXISTS);
	CHECK_INT(as_token_get(st, cti1, 2, &got), AS_OK);
	CHECK_INT(got.exp, 4600);

	make_token(&t, 2, "c1", "rs2", 1001, 4601);
	t.scope_type = AS_SCOPE_TEXT;
	memcpy(t.scope, "r w", 3);
	t.scope_len = 3;
	CHECK_INT(as_token_add(st, &t), AS_OK);
	make_token(&t, 3, "c2", "rs1", 1002, 4602);
	CHECK_INT(as_token_add(st, &t), AS_OK);

	/* Bounds. */
	make_token(&t, 4, "c1", "rs1", 1, 2);
	t.cti_len = 0;
	CHECK_INT(as_token_add(st, &t), AS_EARG);
	t.cti_len = AS_CTI_MAX + 1;
	CHECK_INT(as_token_add(st, &t), AS_EARG);
	t.cti_len = AS_CTI_MAX;
	t.scope_type = 0;
	CHECK_INT(as_token_add(st, &t), AS_EARG);
	t.scope_type = AS_SCOPE_AIF;
	t.scope_len = AS_SCOPE_MAX + 1;
	CHECK_INT(as_token_add(st, &t), AS_EARG);
	t.scope_len = 1;
	t.client[0] = '\0';
	CHECK_INT(as_token_add(st, &t), AS_EARG);
	CHECK_INT(count(st, "tokens"), 3);
	CHECK_INT(as_token_get(st, big, 0, &got), AS_EARG);
	CHECK_INT(as_token_get(st, big, sizeof big, &got), AS_EARG);
	CHECK_INT(as_token_revoke(st, big, sizeof big), AS_EARG);
	CHECK_INT(as_token_get(st, cti9, 2, &got), AS_ENOTFOUND);

	/* Revoke one; again is still OK (it exists); unknown is not. */
	CHECK_INT(as_token_revoke(st, cti1, 2), AS_OK);
	CHECK_INT(as_token_get(st, cti1, 2, &got), AS_OK);
	CHECK_INT(got.revoked, 1);
	CHECK_INT(as_token_revoke(st, cti1, 2), AS_OK);
	CHECK_INT(as_token_revoke(st, cti9, 2), AS_ENOTFOUND);

	/* Revoke by client: counts only those not revoked yet. */
	CHECK_INT(as_token_revoke_client(st, "c1", &n), AS_OK);
	CHECK_INT(n, 1);
	CHECK_INT(as_token_revoke_client(st, "c1", &n), AS_OK);
	CHECK_INT(n, 0);
	CHECK_INT(as_token_revoke_client(st, "nobody", &n), AS_OK);
	CHECK_INT(n, 0);
	CHECK_INT(as_token_revoke_client(st, "", &n), AS_EARG);
	CHECK_INT(as_token_get(st, (const uint8_t *)"\xc7\x03", 2, &got), AS_OK);
	CHECK_INT(got.revoked, 0);
	CHECK_INT(as_token_get(st, (const uint8_t *)"\xc7\x02", 2, &got), AS_OK);
	CHECK_INT(got.revoked, 1);
	CHECK_MEM(got.scope, got.scope_len, (const uint8_t *)"r w", 3);
	as_store_close(st);
}

/* ---- audit, settings, purge ------------------------------------------------------------ */

static void test_settings(void)
{
	struct as_store *st = open_new("settings.db");
	int64_t v = 0;
	char longname[AS_NAME_MAX + 2];

	CHECK_INT(as_setting_get(st, AS_SETTING_TOKEN_RETENTION,
				 AS_DEFAULT_TOKEN_RETENTION, &v), AS_OK);
	CHECK_INT(v, 7 * 86400);
	CHECK_INT(as_setting_set(st, AS_SETTING_TOKEN_RETENTION, 3600), AS_OK);
	CHECK_INT(as_setting_get(st, AS_SETTING_TOKEN_RETENTION, 5, &v), AS_OK);
	CHECK_INT(v, 3600);
	CHECK_INT(as_setting_set(st, AS_SETTING_TOKEN_RETENTION, -7), AS_OK);
	CHECK_INT(as_setting_get(st, AS_SETTING_TOKEN_RETENTION, 5, &v), AS_OK);
	CHECK_INT(v, -7);
	CHECK_INT(as_setting_get(st, AS_SETTING_AUDIT_RETENTION, 42, &v), AS_OK);
	CHECK_INT(v, 42);
	memset(longname, 'n', sizeof longname - 1);
	longname[sizeof longname - 1] = '\0';
	CHECK_INT(as_setting_set(st, longname, 1), AS_EARG);
	CHECK_INT(as_setting_set(st, "", 1), AS_EARG);
	CHECK_INT(as_setting_get(st, "", 1, &v), AS_EARG);
	as_store_close(st);
}

struct collect {
	int n;
	int stop_at;
	int64_t ids[16];
	char names[16][600];
};

static int collect_audit(void *arg, const struct as_audit *a)
{
	struct collect *c = arg;

	if (c->n < 16) {
		c->ids[c->n] = a->id;
		snprintf(c->names[c->n], sizeof c->names[0], "%s|%s|%s|%s", a->event,
			 a->client, a->audience, a->detail);
	}
	c->n++;
	return c->n == c->stop_at ? 7 : 0;
}

static int collect_token(void *arg, const struct as_token_rec *t)
{
	struct collect *c = arg;

	if (c->n < 16)
		c->ids[c->n] = t->cti[1];
	c->n++;
	return c->n == c->stop_at ? 9 : 0;
}

static void test_audit_purge(void)
{
	struct as_store *st = open_new("purge.db");
	struct as_token_rec t;
	struct collect col;
	unsigned long nt = 99, na = 99;
	const int64_t now = 2000000000;
	char detail[257];

	/* Bounds. */
	CHECK_INT(as_audit_add(st, 1, "", NULL, NULL, NULL), AS_EARG);
	CHECK_INT(as_audit_add(st, 1, NULL, NULL, NULL, NULL), AS_EARG);
	CHECK_INT(as_audit_add(st, 1, "0123456789012345678901234567890123",
			       NULL, NULL, NULL), AS_EARG);
	memset(detail, 'd', sizeof detail - 1);
	detail[sizeof detail - 1] = '\0'; /* 256 bytes: one too many */
	CHECK_INT(as_audit_add(st, 1, "x", NULL, NULL, detail), AS_EARG);
	detail[255] = '\0';
	CHECK_INT(as_audit_add(st, 1, "x", NULL, NULL, detail), AS_OK);
	CHECK_INT(count(st, "audit"), 1);

	/* Default retention: tokens 7 days past exp, audit 30 days. */
	make_token(&t, 1, "c", "r", 0, now - 7 * 86400 - 1); /* goes */
	CHECK_INT(as_token_add(st, &t), AS_OK);
	make_token(&t, 2, "c", "r", 0, now - 7 * 86400);     /* exactly: stays */
	CHECK_INT(as_token_add(st, &t), AS_OK);
	make_token(&t, 3, "c", "r", 0, now + 100);
	CHECK_INT(as_token_add(st, &t), AS_OK);
	CHECK_INT(as_audit_add(st, now - 30 * 86400 - 1, "old", "c", "r", ""), AS_OK);
	CHECK_INT(as_audit_add(st, now - 30 * 86400, "edge", "c", "r", ""), AS_OK);
	CHECK_INT(as_audit_add(st, now, "new", NULL, NULL, NULL), AS_OK);
	CHECK_INT(as_store_purge(st, now, &nt, &na), AS_OK);
	CHECK_INT(nt, 1);
	CHECK_INT(na, 2); /* "old" and the one at time 1 */
	CHECK_INT(count(st, "tokens"), 2);
	CHECK_INT(count(st, "audit"), 2);

	memset(&col, 0, sizeof col);
	CHECK_INT(as_list_audit(st, collect_audit, &col), 0);
	CHECK_INT(col.n, 2);
	CHECK(strcmp(col.names[0], "edge|c|r|") == 0);
	CHECK(strcmp(col.names[1], "new|||") == 0);
	CHECK_INT(col.ids[0], 3);
	CHECK_INT(col.ids[1], 4);

	/* Settings change it; exactly at the boundary stays. */
	CHECK_INT(as_setting_set(st, AS_SETTING_TOKEN_RETENTION, 0), AS_OK);
	CHECK_INT(as_setting_set(st, AS_SETTING_AUDIT_RETENTION, 10), AS_OK);
	CHECK_INT(as_store_purge(st, now + 100, &nt, &na), AS_OK);
	CHECK_INT(nt, 1); /* cti 2; cti 3 expires exactly now + 100 */
	CHECK_INT(na, 2); /* "edge", and "new" is 100 s old now */
	CHECK_INT(count(st, "tokens"), 1);
	CHECK_INT(count(st, "audit"), 0);
	CHECK_INT(as_store_purge(st, now + 101, NULL, NULL), AS_OK);
	CHECK_INT(count(st, "tokens"), 0);
	CHECK_INT(count(st, "audit"), 0);

	/* Audit ids keep increasing after a purge. */
	CHECK_INT(as_audit_add(st, now, "later", NULL, NULL, NULL), AS_OK);
	memset(&col, 0, sizeof col);
	CHECK_INT(as_list_audit(st, collect_audit, &col), 0);
	CHECK_INT(col.n, 1);
	CHECK_INT(col.ids[0], 5); /* x, old, edge, new were 1..4 */

	/* Extreme retention does not overflow. */
	CHECK_INT(as_setting_set(st, AS_SETTING_TOKEN_RETENTION, INT64_MAX), AS_OK);
	make_token(&t, 5, "c", "r", 0, INT64_MIN);
	CHECK_INT(as_token_add(st, &t), AS_OK);
	CHECK_INT(as_store_purge(st, -10, &nt, NULL), AS_OK);
	CHECK_INT(nt, 0);
	as_store_close(st);
}

static int stop_client(void *arg, const struct as_client *c)
{
	struct collect *col = arg;

	snprintf(col->names[col->n], sizeof col->names[0], "%s", c->id);
	col->n++;
	return col->n == col->stop_at ? -42 : 0;
}

static int each_rs(void *arg, const struct as_rs *rs)
{
	struct collect *col = arg;

	snprintf(col->names[col->n++], sizeof col->names[0], "%s", rs->audience);
	return 0;
}

static int each_grant(void *arg, const struct as_grant *g)
{
	struct collect *col = arg;

	snprintf(col->names[col->n++], sizeof col->names[0], "%s/%s", g->client,
		 g->audience);
	return 0;
}

static void test_listing(void)
{
	struct as_store *st = open_new("list.db");
	struct as_client c;
	struct as_rs rs;
	struct as_grant g;
	struct as_token_rec t;
	struct collect col;
	const char *ids[] = {"zeta", "alpha", "mid"};
	size_t i;

	for (i = 0; i < 3; i++) {
		make_client(&c, ids[i], "s");
		CHECK_INT(as_client_add(st, &c), AS_OK);
		make_rs(&rs, ids[i]);
		CHECK_INT(as_rs_add(st, &rs), AS_OK);
	}
	make_grant(&g, "mid", "zeta", AS_SCOPE_TEXT, "a", 1);
	CHECK_INT(as_grant_add(st, &g), AS_OK);
	make_grant(&g, "mid", "alpha", AS_SCOPE_TEXT, "a", 1);
	CHECK_INT(as_grant_add(st, &g), AS_OK);
	make_grant(&g, "alpha", "zeta", AS_SCOPE_TEXT, "a", 1);
	CHECK_INT(as_grant_add(st, &g), AS_OK);
	/* Tokens by iat, then cti. */
	make_token(&t, 5, "c", "r", 300, 400);
	CHECK_INT(as_token_add(st, &t), AS_OK);
	make_token(&t, 4, "c", "r", 100, 400);
	CHECK_INT(as_token_add(st, &t), AS_OK);
	make_token(&t, 3, "c", "r", 300, 400);
	CHECK_INT(as_token_add(st, &t), AS_OK);

	memset(&col, 0, sizeof col);
	CHECK_INT(as_list_clients(st, stop_client, &col), 0);
	CHECK_INT(col.n, 3);
	CHECK(strcmp(col.names[0], "alpha") == 0);
	CHECK(strcmp(col.names[1], "mid") == 0);
	CHECK(strcmp(col.names[2], "zeta") == 0);
	/* Early stop: the callback's value comes back. */
	memset(&col, 0, sizeof col);
	col.stop_at = 2;
	CHECK_INT(as_list_clients(st, stop_client, &col), -42);
	CHECK_INT(col.n, 2);
	/* The statement was reset: a new walk starts over. */
	memset(&col, 0, sizeof col);
	CHECK_INT(as_list_clients(st, stop_client, &col), 0);
	CHECK_INT(col.n, 3);

	memset(&col, 0, sizeof col);
	CHECK_INT(as_list_rs(st, each_rs, &col), 0);
	CHECK_INT(col.n, 3);
	CHECK(strcmp(col.names[0], "alpha") == 0 && strcmp(col.names[2], "zeta") == 0);

	memset(&col, 0, sizeof col);
	CHECK_INT(as_list_grants(st, each_grant, &col), 0);
	CHECK_INT(col.n, 3);
	CHECK(strcmp(col.names[0], "alpha/zeta") == 0);
	CHECK(strcmp(col.names[1], "mid/alpha") == 0);
	CHECK(strcmp(col.names[2], "mid/zeta") == 0);

	memset(&col, 0, sizeof col);
	CHECK_INT(as_list_tokens(st, collect_token, &col), 0);
	CHECK_INT(col.n, 3);
	CHECK_INT(col.ids[0], 4);
	CHECK_INT(col.ids[1], 3);
	CHECK_INT(col.ids[2], 5);
	memset(&col, 0, sizeof col);
	col.stop_at = 1;
	CHECK_INT(as_list_tokens(st, collect_token, &col), 9);
	CHECK_INT(col.n, 1);

	/* Empty table: no call. */
	memset(&col, 0, sizeof col);
	CHECK_INT(as_list_audit(st, collect_audit, &col), 0);
	CHECK_INT(col.n, 0);

	/* Counts, and only for the known tables. */
	CHECK_INT(count(st, "clients"), 3);
	CHECK_INT(count(st, "rs"), 3);
	CHECK_INT(count(st, "grants"), 3);
	CHECK_INT(count(st, "tokens"), 3);
	{
		long long n = 5;
		CHECK_INT(as_store_count(st, "settings", &n), AS_EARG);
		CHECK_INT(as_store_count(st, "clients; DROP TABLE rs", &n), AS_EARG);
		CHECK_INT(as_store_count(st, NULL, &n), AS_EARG);
		CHECK_INT(n, 5);
	}
	as_store_close(st);
}

/* ---- persistence, concurrency, throughput ------------------------------------------------ */

static void test_persist(void)
{
	struct as_store *st = open_new("persist.db"), *st2 = NULL;
	struct as_client c, got;
	char err[256];

	make_client(&c, "keep", "me");
	CHECK_INT(as_client_add(st, &c), AS_OK);
	/* A second handle (the CLI while the daemon runs) sees it at once. */
	CHECK_INT(as_store_open(db_path("persist.db"), 0, AS_SYNC_NORMAL, &st2,
				err, sizeof err), AS_OK);
	if (st2 != NULL) {
		CHECK_INT(as_client_get(st2, "keep", &got), AS_OK);
		CHECK_INT(as_client_del(st2, "keep"), AS_OK);
		as_store_close(st2);
	}
	CHECK_INT(as_client_get(st, "keep", &got), AS_ENOTFOUND);
	CHECK_INT(as_client_add(st, &c), AS_OK);
	as_store_close(st);
	CHECK_INT(as_store_open(db_path("persist.db"), 0, AS_SYNC_NORMAL, &st,
				err, sizeof err), AS_OK);
	if (st != NULL) {
		CHECK_INT(as_client_get(st, "keep", &got), AS_OK);
		CHECK_MEM(got.secret, got.secret_len, (const uint8_t *)"me", 2);
		as_store_close(st);
	}
}

static void test_throughput(void)
{
	struct as_store *st = open_new("bench.db");
	struct as_token_rec t;
	struct timespec a, b;
	const unsigned n = 20000;
	unsigned i;
	double s;

	make_token(&t, 0, "client", "rs", 1, 2);
	t.cti_len = 8;
	clock_gettime(CLOCK_MONOTONIC, &a);
	for (i = 0; i < n; i++) {
		t.cti[4] = (uint8_t)(i >> 24);
		t.cti[5] = (uint8_t)(i >> 16);
		t.cti[6] = (uint8_t)(i >> 8);
		t.cti[7] = (uint8_t)i;
		t.iat = i;
		if (as_token_add(st, &t) != AS_OK)
			break;
	}
	clock_gettime(CLOCK_MONOTONIC, &b);
	CHECK_INT(i, n);
	CHECK_INT(count(st, "tokens"), n);
	s = (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9;
	printf("as_token_add: %u inserts in %.3f s (%.0f/s, WAL, synchronous=NORMAL)\n",
	       n, s, s > 0 ? n / s : 0.0);
	as_store_close(st);
}

static const struct as_test_case cases[] = {
	{"open_create", test_open_create},
	{"open_garbage", test_open_garbage},
	{"migrate_v1", test_migrate_v1},
	{"newer_version", test_newer_version},
	{"clients", test_clients},
	{"rs", test_rs},
	{"grants", test_grants},
	{"tokens", test_tokens},
	{"settings", test_settings},
	{"audit_purge", test_audit_purge},
	{"listing", test_listing},
	{"persist", test_persist},
	{"throughput", test_throughput},
};

int main(void)
{
	return as_test_run("as_store", cases, sizeof cases / sizeof cases[0]);
}
