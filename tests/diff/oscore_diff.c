/*
 * obol side of the differential test against an independent Python
 * implementation of OSCORE (tests/diff/oscore_diff.py drives it; see the
 * comment there).
 *
 * Protocol: one command per line on stdin, one answer line per command on
 * stdout. Fields are separated by single spaces; byte strings are lower-
 * case hex, "." for an empty one and "-" for an absent one (a NULL
 * pointer). Every answer starts with the obol return code (0 = OBOL_OK,
 * else the negative value of enum obol_err) and ends with a notes field:
 * "-" when the harness's own checks held, else a ";"-separated list of
 * what went wrong (the script fails on these). A line the harness cannot
 * run gives "E reason".
 *
 *   derive SLOT SECRET SALT SID RID IDCTX ALG
 *       -> RC SENDER_KEY RECIPIENT_KEY COMMON_IV NOTES
 *          obol_oscore_derive() into slot SLOT (0..7). The keys and IV are
 *          read from the context only to show where a derivation differs.
 *   ssn SLOT N          -> 0 NOTES   set the Sender Sequence Number (see below)
 *   getssn SLOT         -> 0 N NOTES
 *   copy DST SRC        -> 0 NOTES   memcpy one context onto another
 *   preq SLOT MSG       -> RC OUT KID PIV OBSERVE NOTES
 *   ureq SLOT MSG       -> RC OUT KID PIV OBSERVE NOTES
 *          protect / unprotect a request; KID PIV OBSERVE: the
 *          struct obol_oscore_req that the call filled.
 *   presp SLOT KID PIV OBSERVE FLAGS MSG -> RC OUT NOTES
 *   uresp SLOT KID PIV OBSERVE MSG       -> RC OUT NOTES
 *          the response functions, with the request binding given.
 *   optdec VAL          -> RC PIV KID KIDCTX NOTES   obol_oscore_option_decode
 *   optenc PIV KID KIDCTX -> RC VAL NOTES            obol_oscore_option_encode
 *   peek MSG            -> RC PIV KID KIDCTX NOTES   obol_oscore_peek
 *   errresp ERR MID MSG -> RC OUT NOTES              obol_oscore_error_response
 *
 * Only the public API of oscore.h and coap.h is called. Two uses of the
 * context's fields, which oscore.h asks callers to treat as private, are
 * deliberate: "ssn" assigns the public field ssn (and raises ssn_bound to
 * match, so that a context without a persistence hook never has to
 * persist) so that the script can protect with the same SSN and compare
 * the datagrams byte for byte; "derive" and "getssn" read the keys, the
 * IV and the SSN for diagnosis and for the SSN bookkeeping checks.
 *
 * Checks done here, beside what the script compares (each a note): every
 * protect/unprotect runs first on a copy of the context with a large
 * buffer, then, on a second copy, with a buffer one byte short of the
 * result (must give OBOL_ERR_NO_SPACE and write nothing past the end),
 * and again with enough room (must succeed with the same output: a
 * refused output must not have spent the SSN of a protect, nor the
 * replay window entry of an unprotect); finally on the slot itself, whose
 * result must equal the first copy's (the context is plain data: memcpy
 * copies it, oscore.h). "Enough room" is the exact output size for a
 * protect; an unprotect decrypts into the output buffer before it
 * rebuilds the message, and may need a few bytes more than the result:
 * src/core/oscore_msg.c promises that cap >= in_len always suffices, so
 * that is what is given, and an exact-size refusal is only an
 * "info-" note (counted by the script, not a failure). Every output
 * buffer has a canary after its capacity.
 *
 * This is a host test program: it allocates, and frees everything.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "obol/coap.h"
#include "obol/err.h"
#include "obol/oscore.h"

#define NSLOTS 8
#define MAXF 10
#define CANARY 16
#define CANARY_BYTE 0xa5u

static struct obol_oscore_ctx slots[NSLOTS];

/* A byte string from the command line. */
struct bytes {
	uint8_t *p; /* NULL when absent ("-"); never NULL when present */
	size_t len;
	int absent;
};

/* The answer line under construction. */
struct line {
	char *p;
	size_t len, cap;
	int oom;
};

static void put(struct line *l, const char *s, size_t n)
{
	if (l->oom)
		return;
	if (l->len + n + 1 > l->cap) {
		size_t cap = l->cap ? l->cap : 1024;
		char *q;
		while (cap < l->len + n + 1)
			cap *= 2;
		q = realloc(l->p, cap);
		if (q == NULL) {
			l->oom = 1;
			return;
		}
		l->p = q;
		l->cap = cap;
	}
	memcpy(l->p + l->len, s, n);
	l->len += n;
	l->p[l->len] = '\0';
}

static void puts_(struct line *l, const char *s)
{
	put(l, s, strlen(s));
}

static void field(struct line *l, const char *s)
{
	if (l->len)
		put(l, " ", 1);
	puts_(l, s);
}

static void field_int(struct line *l, long long v)
{
	char tmp[32];
	snprintf(tmp, sizeof tmp, "%lld", v);
	field(l, tmp);
}

static void field_hex(struct line *l, const uint8_t *p, size_t n)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;
	char two[2];

	if (l->len)
		put(l, " ", 1);
	if (p == NULL) {
		put(l, "-", 1);
		return;
	}
	if (n == 0) {
		put(l, ".", 1);
		return;
	}
	for (i = 0; i < n; i++) {
		two[0] = digits[p[i] >> 4];
		two[1] = digits[p[i] & 15u];
		put(l, two, 2);
	}
}

/* Notes of the harness's own checks. */
static void note(struct line *n, const char *what, int rc)
{
	char tmp[96];
	snprintf(tmp, sizeof tmp, "%s%s:%d", n->len ? ";" : "", what, rc);
	puts_(n, tmp);
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* "-" absent, "." empty, else hex. 0 on success. */
static int parse_hex(const char *s, struct bytes *b)
{
	size_t n = strlen(s), i;

	b->p = NULL;
	b->len = 0;
	b->absent = 0;
	if (strcmp(s, "-") == 0) {
		b->absent = 1;
		return 0;
	}
	if (strcmp(s, ".") == 0)
		n = 0;
	else if (n % 2)
		return -1;
	b->p = malloc(n / 2 + 1); /* never NULL for a present string */
	if (b->p == NULL)
		return -1;
	b->len = n / 2;
	for (i = 0; i < b->len; i++) {
		int hi = hexval(s[2 * i]), lo = hexval(s[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return -1;
		b->p[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

static int parse_slot(const char *s, int *slot)
{
	char *end;
	long v = strtol(s, &end, 10);
	if (*end != '\0' || v < 0 || v >= NSLOTS)
		return -1;
	*slot = (int)v;
	return 0;
}

/* The request binding from KID PIV OBSERVE fields. */
static int parse_req(char **f, struct obol_oscore_req *rq, struct bytes *tmp)
{
	memset(rq, 0, sizeof *rq);
	if (parse_hex(f[0], &tmp[0]) || tmp[0].absent ||
	    tmp[0].len > sizeof rq->kid)
		return -1;
	if (parse_hex(f[1], &tmp[1]) || tmp[1].absent ||
	    tmp[1].len > sizeof rq->piv)
		return -1;
	if (tmp[0].len)
		memcpy(rq->kid, tmp[0].p, tmp[0].len);
	rq->kid_len = (uint8_t)tmp[0].len;
	if (tmp[1].len)
		memcpy(rq->piv, tmp[1].p, tmp[1].len);
	rq->piv_len = (uint8_t)tmp[1].len;
	rq->observe = (uint8_t)(strcmp(f[2], "1") == 0);
	return 0;
}

enum op { OP_PREQ, OP_UREQ, OP_PRESP, OP_URESP };

static int call(enum op op, struct obol_oscore_ctx *c,
		const struct obol_oscore_req *rq_in, unsigned flags,
		const struct bytes *in, uint8_t *out, size_t cap,
		size_t *out_len, struct obol_oscore_req *rq_out)
{
	switch (op) {
	case OP_PREQ:
		return obol_oscore_protect_request(c, in->p, in->len, out, cap,
						   out_len, rq_out);
	case OP_UREQ:
		return obol_oscore_unprotect_request(c, in->p, in->len, out,
						     cap, out_len, rq_out);
	case OP_PRESP:
		return obol_oscore_protect_response(c, rq_in, flags, in->p,
						    in->len, out, cap, out_len);
	case OP_URESP:
	default:
		return obol_oscore_unprotect_response(c, rq_in, in->p, in->len,
						      out, cap, out_len);
	}
}

/* A buffer of cap bytes followed by a canary. */
static uint8_t *canary_buf(size_t cap)
{
	uint8_t *b = malloc(cap + CANARY);
	if (b != NULL)
		memset(b, (int)CANARY_BYTE, cap + CANARY);
	return b;
}

static int canary_ok(const uint8_t *b, size_t cap)
{
	size_t i;
	for (i = cap; i < cap + CANARY; i++)
		if (b[i] != CANARY_BYTE)
			return 0;
	return 1;
}

static void print_req(struct line *l, const struct obol_oscore_req *rq)
{
	field_hex(l, rq->kid, rq->kid_len);
	field_hex(l, rq->piv, rq->piv_len);
	field(l, rq->observe ? "1" : "0");
}

/* preq / ureq / presp / uresp, with the checks described at the top. */
static void run_op(enum op op, int slot, const struct obol_oscore_req *rq_in,
		   unsigned flags, const struct bytes *in, struct line *l,
		   struct line *n)
{
	struct obol_oscore_ctx copy;
	struct obol_oscore_req rq1, rq;
	size_t big = in->len + 512, len1 = 0, len2 = 0, len = 0, room = 0;
	uint8_t *out1 = canary_buf(big), *out2 = NULL, *out = canary_buf(big);
	int rc1, rc2, rc;
	int is_req = op == OP_PREQ || op == OP_UREQ;
	int is_unprotect = op == OP_UREQ || op == OP_URESP;

	if (out1 == NULL || out == NULL) {
		field(l, "E");
		field(l, "nomem");
		goto done;
	}
	memset(&rq1, 0, sizeof rq1);
	memset(&rq, 0, sizeof rq);

	/* 1. On a copy, with room to spare. */
	memcpy(&copy, &slots[slot], sizeof copy);
	rc1 = call(op, &copy, rq_in, flags, in, out1, big, &len1, &rq1);
	if (!canary_ok(out1, big))
		note(n, "canary-big", rc1);
	if (rc1 == OBOL_OK && len1 > big)
		note(n, "len-past-cap", (int)len1);

	/* 2. On a second copy: one byte short, then enough room. */
	if (rc1 == OBOL_OK && len1 > 0) {
		memcpy(&copy, &slots[slot], sizeof copy);
		out2 = canary_buf(len1);
		if (out2 != NULL) {
			rc2 = call(op, &copy, rq_in, flags, in, out2, len1 - 1,
				   &len2, &rq);
			if (rc2 != OBOL_ERR_NO_SPACE)
				note(n, "short-buffer-not-NO_SPACE", rc2);
			if (!canary_ok(out2, len1 - 1))
				note(n, "short-buffer-overflow", rc2);
			if (is_unprotect) {
				/* Exact size: fine or NO_SPACE (see the top). */
				struct obol_oscore_ctx c3;
				memcpy(&c3, &copy, sizeof c3);
				memset(out2, (int)CANARY_BYTE, len1 + CANARY);
				rc2 = call(op, &c3, rq_in, flags, in, out2, len1,
					   &len2, &rq);
				if (rc2 == OBOL_ERR_NO_SPACE)
					note(n, "info-exact-size-refused", rc2);
				else if (rc2 != OBOL_OK)
					note(n, "exact-buffer", rc2);
				if (!canary_ok(out2, len1))
					note(n, "exact-buffer-overflow", rc2);
			}
			room = is_unprotect && in->len > len1 ? in->len : len1;
			free(out2);
			out2 = canary_buf(room);
		}
		if (out2 != NULL) {
			rc2 = call(op, &copy, rq_in, flags, in, out2, room,
				   &len2, &rq);
			if (rc2 != OBOL_OK)
				note(n, "retry-after-NO_SPACE", rc2);
			else if (len2 != len1 || memcmp(out1, out2, len1) != 0)
				note(n, "retry-output-differs", (int)len2);
			if (!canary_ok(out2, room))
				note(n, "retry-overflow", rc2);
		}
	}

	/* 3. On the slot: must agree with the copy. */
	rc = call(op, &slots[slot], rq_in, flags, in, out, big, &len, &rq);
	if (!canary_ok(out, big))
		note(n, "canary", rc);
	if (rc != rc1)
		note(n, "copy-rc-differs", rc1);
	else if (rc == OBOL_OK && (len != len1 || memcmp(out, out1, len) != 0))
		note(n, "copy-output-differs", (int)len1);
	else if (rc == OBOL_OK && is_req && memcmp(&rq, &rq1, sizeof rq) != 0)
		note(n, "copy-req-differs", 0);

	field_int(l, rc);
	if (rc == OBOL_OK)
		field_hex(l, out, len);
	else
		field(l, "-");
	if (is_req) {
		if (rc == OBOL_OK)
			print_req(l, &rq);
		else {
			field(l, "-");
			field(l, "-");
			field(l, "-");
		}
	}
done:
	free(out1);
	free(out2);
	free(out);
}

static void print_option(struct line *l, const struct obol_oscore_option *o)
{
	field_hex(l, o->piv_len ? o->piv : NULL, o->piv_len);
	field_hex(l, o->kid, o->kid_len);
	field_hex(l, o->kid_context, o->kid_context_len);
}

/* One command; 0 if run (the answer is in l), -1 if not understood. */
static int command(char **f, int nf, struct line *l, struct line *n,
		   struct bytes *tmp)
{
	const char *cmd = f[0];
	int slot, s2;

	if (strcmp(cmd, "derive") == 0 && nf == 8) {
		struct obol_oscore_params p;
		struct obol_oscore_ctx *c;
		int rc, i;
		if (parse_slot(f[1], &slot))
			return -1;
		for (i = 0; i < 5; i++)
			if (parse_hex(f[2 + i], &tmp[i]))
				return -1;
		memset(&p, 0, sizeof p);
		p.master_secret = tmp[0].p;
		p.master_secret_len = tmp[0].len;
		p.master_salt = tmp[1].p;
		p.master_salt_len = tmp[1].len;
		p.sender_id = tmp[2].p;
		p.sender_id_len = tmp[2].len;
		p.recipient_id = tmp[3].p;
		p.recipient_id_len = tmp[3].len;
		p.id_context = tmp[4].p; /* NULL when absent */
		p.id_context_len = tmp[4].len;
		p.aead_alg = atoi(f[7]);
		c = &slots[slot];
		rc = obol_oscore_derive(c, &p);
		field_int(l, rc);
		if (rc == OBOL_OK) {
			field_hex(l, c->sender_key, sizeof c->sender_key);
			field_hex(l, c->recipient_key, sizeof c->recipient_key);
			field_hex(l, c->common_iv, sizeof c->common_iv);
		} else {
			field(l, "-");
			field(l, "-");
			field(l, "-");
		}
		return 0;
	}
	if (strcmp(cmd, "ssn") == 0 && nf == 3) {
		unsigned long long v;
		char *end;
		if (parse_slot(f[1], &slot))
			return -1;
		v = strtoull(f[2], &end, 10);
		if (*end != '\0')
			return -1;
		/* Assigning the public field (see the top of the file). */
		slots[slot].ssn = (uint64_t)v;
		if (slots[slot].ssn_bound < slots[slot].ssn)
			slots[slot].ssn_bound = slots[slot].ssn;
		field(l, "0");
		return 0;
	}
	if (strcmp(cmd, "getssn") == 0 && nf == 2) {
		char tmpn[32];
		if (parse_slot(f[1], &slot))
			return -1;
		field(l, "0");
		snprintf(tmpn, sizeof tmpn, "%llu",
			 (unsigned long long)slots[slot].ssn);
		field(l, tmpn);
		return 0;
	}
	if (strcmp(cmd, "copy") == 0 && nf == 3) {
		if (parse_slot(f[1], &slot) || parse_slot(f[2], &s2))
			return -1;
		memcpy(&slots[slot], &slots[s2], sizeof slots[0]);
		field(l, "0");
		return 0;
	}
	if ((strcmp(cmd, "preq") == 0 || strcmp(cmd, "ureq") == 0) &&
	    nf == 3) {
		if (parse_slot(f[1], &slot) || parse_hex(f[2], &tmp[0]) ||
		    tmp[0].absent)
			return -1;
		run_op(cmd[0] == 'p' ? OP_PREQ : OP_UREQ, slot, NULL, 0,
		       &tmp[0], l, n);
		return 0;
	}
	if (strcmp(cmd, "presp") == 0 && nf == 7) {
		struct obol_oscore_req rq;
		if (parse_slot(f[1], &slot) || parse_req(f + 2, &rq, tmp) ||
		    parse_hex(f[6], &tmp[2]) || tmp[2].absent)
			return -1;
		run_op(OP_PRESP, slot, &rq,
		       strcmp(f[5], "1") == 0 ? OBOL_OSCORE_RESP_PIV : 0u,
		       &tmp[2], l, n);
		return 0;
	}
	if (strcmp(cmd, "uresp") == 0 && nf == 6) {
		struct obol_oscore_req rq;
		if (parse_slot(f[1], &slot) || parse_req(f + 2, &rq, tmp) ||
		    parse_hex(f[5], &tmp[2]) || tmp[2].absent)
			return -1;
		run_op(OP_URESP, slot, &rq, 0, &tmp[2], l, n);
		return 0;
	}
	if ((strcmp(cmd, "optdec") == 0 || strcmp(cmd, "peek") == 0) &&
	    nf == 2) {
		struct obol_oscore_option o;
		int rc;
		if (parse_hex(f[1], &tmp[0]) || tmp[0].absent)
			return -1;
		memset(&o, 0, sizeof o);
		if (cmd[0] == 'o')
			rc = obol_oscore_option_decode(tmp[0].p, tmp[0].len, &o);
		else
			rc = obol_oscore_peek(tmp[0].p, tmp[0].len, &o);
		field_int(l, rc);
		if (rc == (cmd[0] == 'o' ? OBOL_OK : 1))
			print_option(l, &o);
		return 0;
	}
	if (strcmp(cmd, "optenc") == 0 && nf == 4) {
		struct obol_oscore_option o;
		uint8_t buf[64 + CANARY];
		size_t len = 0, len2 = 0;
		int rc, rc2, i;
		for (i = 0; i < 3; i++)
			if (parse_hex(f[1 + i], &tmp[i]))
				return -1;
		memset(&o, 0, sizeof o);
		o.piv = tmp[0].p;
		o.piv_len = tmp[0].len;
		o.kid = tmp[1].p;
		o.kid_len = tmp[1].len;
		o.kid_context = tmp[2].p;
		o.kid_context_len = tmp[2].len;
		memset(buf, (int)CANARY_BYTE, sizeof buf);
		rc = obol_oscore_option_encode(&o, buf, 64, &len);
		if (!canary_ok(buf, 64))
			note(n, "canary", rc);
		if (rc == OBOL_OK && len > 0) {
			memset(buf, (int)CANARY_BYTE, sizeof buf);
			rc2 = obol_oscore_option_encode(&o, buf, len - 1, &len2);
			if (rc2 != OBOL_ERR_NO_SPACE)
				note(n, "short-buffer-not-NO_SPACE", rc2);
			if (!canary_ok(buf, len - 1))
				note(n, "short-buffer-overflow", rc2);
			rc = obol_oscore_option_encode(&o, buf, 64, &len);
		}
		field_int(l, rc);
		if (rc == OBOL_OK)
			field_hex(l, buf, len);
		return 0;
	}
	if (strcmp(cmd, "errresp") == 0 && nf == 4) {
		size_t cap, len = 0, len2 = 0;
		uint8_t *out;
		long err = strtol(f[1], NULL, 10);
		long mid = strtol(f[2], NULL, 10);
		int rc, rc2;
		if (parse_hex(f[3], &tmp[0]) || tmp[0].absent || mid < 0 ||
		    mid > 0xffff)
			return -1;
		cap = tmp[0].len + 256;
		out = canary_buf(cap);
		if (out == NULL)
			return -1;
		rc = obol_oscore_error_response((int)err, tmp[0].p, tmp[0].len,
						(uint16_t)mid, out, cap, &len);
		if (!canary_ok(out, cap))
			note(n, "canary", rc);
		if (rc == OBOL_OK && len > 0) {
			uint8_t *o2 = canary_buf(len);
			if (o2 != NULL) {
				rc2 = obol_oscore_error_response(
					(int)err, tmp[0].p, tmp[0].len,
					(uint16_t)mid, o2, len - 1, &len2);
				if (rc2 != OBOL_ERR_NO_SPACE)
					note(n, "short-buffer-not-NO_SPACE", rc2);
				if (!canary_ok(o2, len - 1))
					note(n, "short-buffer-overflow", rc2);
				free(o2);
			}
		}
		field_int(l, rc);
		if (rc == OBOL_OK)
			field_hex(l, out, len);
		free(out);
		return 0;
	}
	return -1;
}

int main(void)
{
	char *buf = NULL;
	size_t bufcap = 0;
	ssize_t got;
	struct line l = { NULL, 0, 0, 0 }, n = { NULL, 0, 0, 0 };
	struct bytes tmp[6];
	int status = 0;

	while ((got = getline(&buf, &bufcap, stdin)) >= 0) {
		char *f[MAXF], *save = NULL, *tok;
		int nf = 0, i;

		while (got > 0 && (buf[got - 1] == '\n' || buf[got - 1] == '\r'))
			buf[--got] = '\0';
		for (tok = strtok_r(buf, " ", &save); tok != NULL && nf < MAXF;
		     tok = strtok_r(NULL, " ", &save))
			f[nf++] = tok;
		memset(tmp, 0, sizeof tmp);
		l.len = 0;
		n.len = 0;
		if (l.p)
			l.p[0] = '\0';
		if (n.p)
			n.p[0] = '\0';
		if (nf == 0 || command(f, nf, &l, &n, tmp) != 0) {
			l.len = 0;
			field(&l, "E");
			field(&l, nf ? "bad-command" : "empty-line");
		} else {
			field(&l, n.len ? n.p : "-");
		}
		for (i = 0; i < 6; i++)
			free(tmp[i].p);
		if (l.oom || n.oom) {
			fprintf(stderr, "obol_oscore_diff: out of memory\n");
			status = 1;
			break;
		}
		fputs(l.p, stdout);
		fputc('\n', stdout);
	}
	for (got = 0; got < NSLOTS; got++)
		obol_oscore_wipe(&slots[got]);
	free(buf);
	free(l.p);
	free(n.p);
	return status;
}
