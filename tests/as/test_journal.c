/*
 * The store's token journal and group commit (store.h,
 * as_store_journal_start / as_store_batch_*): a serving process that dies
 * between writing a record and committing its batch loses nothing; a
 * second server is refused; a torn record is dropped; the exi sequence
 * never goes back; the serving handle's cache sees the admin's changes
 * from the next batch on.
 *
 * "Dying" is a child process that calls _exit() with its batch open:
 * nothing is committed, as after SIGKILL.
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"
#include "store.h"

static char path[512];

static struct as_store *open_store(void)
{
	struct as_store *st = NULL;
	char err[256];

	CHECK_INT(as_store_open(path, 1, AS_SYNC_NORMAL, &st, err, sizeof err),
		  AS_OK);
	return st;
}

static void make_token(struct as_token_rec *t, uint8_t n)
{
	memset(t, 0, sizeof *t);
	t->cti[0] = 0xc7;
	t->cti[1] = n;
	t->cti_len = 2;
	strcpy(t->client, "c1");
	strcpy(t->audience, "rs1");
	t->scope_type = AS_SCOPE_TEXT;
	memcpy(t->scope, "read", 4);
	t->scope_len = 4;
	t->iat = 1000 + n;
	t->exp = 4600 + n;
}

static long long tokens(struct as_store *st)
{
	long long n = -1;

	CHECK_INT(as_store_count(st, "tokens", &n), AS_OK);
	return n;
}

static void setup(const char *name)
{
	struct as_store *st;
	struct as_client c;
	struct as_rs rs;

	snprintf(path, sizeof path, "%s/%s.db", as_test_tmpdir(), name);
	st = open_store();
	memset(&c, 0, sizeof c);
	strcpy(c.id, "c1");
	memcpy(c.secret, "one", 3);
	c.secret_len = 3;
	CHECK_INT(as_client_add(st, &c), AS_OK);
	memset(&rs, 0, sizeof rs);
	strcpy(rs.audience, "rs1");
	rs.key_len = 16;
	memcpy(rs.secret, "rs", 2);
	rs.secret_len = 2;
	rs.profiles = AS_PROFILE_BIT(2);
	rs.lifetime = 60;
	CHECK_INT(as_rs_add(st, &rs), AS_OK);
	as_store_close(st);
}

/* A server that records n tokens (the last with exi sequence exi) in an
 * open batch and dies. */
static void die_serving(int n, uint64_t exi)
{
	pid_t pid = fork();
	int status = -1;

	CHECK(pid >= 0);
	if (pid == 0) {
		struct as_store *st = NULL;
		struct as_token_rec t;
		char err[256];
		uint64_t seq = 0;
		int i;

		if (as_store_open(path, 0, AS_SYNC_NORMAL, &st, err,
				  sizeof err) != AS_OK ||
		    as_store_journal_start(st) != AS_OK ||
		    as_store_batch_begin(st) != AS_OK)
			_exit(2);
		for (i = 0; i < n; i++) {
			make_token(&t, (uint8_t)i);
			if (i == n - 1 && exi > 0) {
				while (seq < exi)
					if (as_rs_next_exi_seq(st, "rs1", &seq) !=
					    AS_OK)
						_exit(4);
				t.exi_seq = seq;
			}
			if (as_token_add(st, &t) != AS_OK)
				_exit(3);
		}
		_exit(0); /* no batch_end, no close: as killed */
	}
	CHECK(waitpid(pid, &status, 0) == pid);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

static void t_crash_replay(void)
{
	struct as_store *st;
	struct as_token_rec t;
	uint8_t cti[2] = {0xc7, 4};
	uint64_t seq = 0;

	setup("replay");
	die_serving(5, 7);
	/* any open replays the journal no server holds */
	st = open_store();
	CHECK_INT(tokens(st), 5);
	CHECK_INT(as_token_get(st, cti, 2, &t), AS_OK);
	CHECK_INT(t.iat, 1004);
	CHECK(strcmp(t.client, "c1") == 0);
	/* the counter went past 7 although its update was never committed */
	CHECK_INT(as_rs_next_exi_seq(st, "rs1", &seq), AS_OK);
	CHECK_INT(seq, 8);
	as_store_close(st);
	/* and the journal is empty now: a second open changes nothing */
	st = open_store();
	CHECK_INT(tokens(st), 5);
	as_store_close(st);
}

static void t_torn_tail(void)
{
	struct as_store *st;
	char jpath[600];
	struct stat sb;
	int fd;

	setup("torn");
	die_serving(3, 0);
	snprintf(jpath, sizeof jpath, "%s-tokens", path);
	CHECK(stat(jpath, &sb) == 0 && sb.st_size > 0);
	/* a record cut short, as a crash inside write() could leave it */
	fd = open(jpath, O_WRONLY | O_APPEND);
	CHECK(fd >= 0);
	CHECK(write(fd, "\x00\x40\x02\xc7", 4) == 4);
	close(fd);
	st = open_store();
	CHECK_INT(tokens(st), 3);
	as_store_close(st);
	CHECK(stat(jpath, &sb) == 0 && sb.st_size == 0);
	/* the journal is private */
	CHECK_INT(sb.st_mode & 0777, 0600);
}

static void t_one_server(void)
{
	struct as_store *a, *b;
	struct as_token_rec t;

	setup("one");
	a = open_store();
	b = open_store();
	CHECK_INT(as_store_journal_start(a), AS_OK);
	CHECK_INT(as_store_journal_start(b), AS_EBUSY);
	CHECK(strstr(as_store_errmsg(b), "another obol AS serves") != NULL);
	/* b is still a working admin handle */
	CHECK_INT(tokens(b), 0);
	/* a batch: invisible to b until committed, durable meanwhile */
	CHECK_INT(as_store_batch_begin(a), AS_OK);
	make_token(&t, 1);
	CHECK_INT(as_token_add(a, &t), AS_OK);
	make_token(&t, 2);
	CHECK_INT(as_token_add(a, &t), AS_OK);
	CHECK_INT(tokens(b), 0);
	CHECK_INT(as_store_batch_end(a), AS_OK);
	CHECK_INT(tokens(b), 2);
	/* a duplicate cti is refused inside a batch, the batch goes on */
	CHECK_INT(as_store_batch_begin(a), AS_OK);
	CHECK_INT(as_token_add(a, &t), AS_EEXISTS);
	make_token(&t, 3);
	CHECK_INT(as_token_add(a, &t), AS_OK);
	CHECK_INT(as_store_batch_end(a), AS_OK);
	CHECK_INT(tokens(b), 3);
	as_store_close(a);
	/* the lock went with a */
	CHECK_INT(as_store_journal_start(b), AS_OK);
	as_store_close(b);
}

static void t_cache_sees_admin(void)
{
	struct as_store *srv, *adm;
	struct as_client c;

	setup("cache");
	srv = open_store();
	adm = open_store();
	CHECK_INT(as_store_journal_start(srv), AS_OK);
	CHECK_INT(as_store_batch_begin(srv), AS_OK);
	CHECK_INT(as_client_get(srv, "c1", &c), AS_OK); /* now cached */
	CHECK_INT(as_store_batch_end(srv), AS_OK);
	/* the admin deletes the client: the next batch must not find it */
	CHECK_INT(as_client_del(adm, "c1"), AS_OK);
	CHECK_INT(as_store_batch_begin(srv), AS_OK);
	CHECK_INT(as_client_get(srv, "c1", &c), AS_ENOTFOUND);
	CHECK_INT(as_store_batch_end(srv), AS_OK);
	/* and a new secret is seen as well */
	memset(&c, 0, sizeof c);
	strcpy(c.id, "c1");
	memcpy(c.secret, "two", 3);
	c.secret_len = 3;
	CHECK_INT(as_client_add(adm, &c), AS_OK);
	CHECK_INT(as_store_batch_begin(srv), AS_OK);
	CHECK_INT(as_client_get(srv, "c1", &c), AS_OK);
	CHECK_MEM(c.secret, c.secret_len, (const uint8_t *)"two", 3);
	CHECK_INT(as_store_batch_end(srv), AS_OK);
	as_store_close(adm);
	as_store_close(srv);
}

int main(void)
{
	static const struct as_test_case cases[] = {
		{"crash_replay", t_crash_replay},
		{"torn_tail", t_torn_tail},
		{"one_server", t_one_server},
		{"cache_sees_admin", t_cache_sees_admin},
	};

	return as_test_run("as_journal", cases, sizeof cases / sizeof cases[0]);
}
