/*
 * Helpers shared by the obol subcommands: memory, a text buffer, input
 * with a size cap, hex decoding and long-option parsing. See cli.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <unistd.h>

#include "cli.h"
#include "obol/crypto.h"

/* ---- memory ------------------------------------------------------------- */

static void out_of_memory(void)
{
	fputs("obol: out of memory\n", stderr);
	exit(CLI_EXIT_FAIL);
}

void *cli_xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (p == NULL)
		out_of_memory();
	return p;
}

void *cli_xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);

	if (q == NULL)
		out_of_memory();
	return q;
}

/*
 * realloc that leaves no copy behind: the buffers grown here may hold
 * keys or decrypted claims, and realloc may move them and free the old
 * block as it is. Copy, wipe the old block, then free it.
 */
static void *grow_wiped(void *p, size_t old, size_t n)
{
	void *q = cli_xmalloc(n);

	if (p != NULL) {
		memcpy(q, p, old < n ? old : n);
		obol_wipe(p, old);
		free(p);
	}
	return q;
}

/* ---- text buffer ---------------------------------------------------------- */

void cli_buf_free(struct cli_buf *b)
{
	free(b->p);
	b->p = NULL;
	b->len = b->cap = 0;
}

/* Room for n more bytes plus the terminating NUL. */
static void buf_reserve(struct cli_buf *b, size_t n)
{
	size_t cap;

	if (n >= SIZE_MAX - b->len)
		out_of_memory();
	if (b->len + n < b->cap)
		return;
	cap = b->cap ? b->cap : 64;
	while (cap <= b->len + n) {
		if (cap > SIZE_MAX / 2)
			out_of_memory();
		cap *= 2;
	}
	b->p = grow_wiped(b->p, b->cap, cap);
	b->cap = cap;
}

void cli_buf_putn(struct cli_buf *b, const char *s, size_t n)
{
	buf_reserve(b, n);
	if (n)
		memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

void cli_buf_puts(struct cli_buf *b, const char *s)
{
	cli_buf_putn(b, s, strlen(s));
}

void cli_buf_putc(struct cli_buf *b, char c)
{
	cli_buf_putn(b, &c, 1);
}

void cli_buf_spaces(struct cli_buf *b, size_t n)
{
	buf_reserve(b, n);
	memset(b->p + b->len, ' ', n);
	b->len += n;
	b->p[b->len] = '\0';
}

void cli_buf_append(struct cli_buf *b, const struct cli_buf *b2)
{
	if (b2->len)
		cli_buf_putn(b, b2->p, b2->len);
}

/* ---- input -------------------------------------------------------------- */

/* Read f to its end; -1 with errno on a read error, 1 when over max. */
static int read_stream(FILE *f, size_t max, uint8_t **buf, size_t *len)
{
	size_t cap = 4096, n = 0;
	uint8_t *p = cli_xmalloc(cap);

	for (;;) {
		size_t got;

		if (n == cap) {
			if (n > max) {
				obol_wipe(p, cap);
				free(p);
				return 1;
			}
			/* Never read more than max + 1 bytes. */
			size_t grown = cap > max / 2 ? max + 1 : cap * 2;
			p = grow_wiped(p, cap, grown);
			cap = grown;
		}
		got = fread(p + n, 1, cap - n, f);
		n += got;
		if (got == 0) {
			if (ferror(f)) {
				int e = errno;
				obol_wipe(p, cap);
				free(p);
				errno = e;
				return -1;
			}
			break;
		}
	}
	if (n > max) {
		obol_wipe(p, cap);
		free(p);
		return 1;
	}
	*buf = p;
	*len = n;
	return 0;
}

int cli_read_input(const char *prog, const char *path, size_t max,
		   uint8_t **buf, size_t *len)
{
	int from_stdin = path == NULL || strcmp(path, "-") == 0;
	const char *name = from_stdin ? "standard input" : path;
	FILE *f = from_stdin ? stdin : fopen(path, "rb");
	int rc;

	if (f == NULL) {
		fprintf(stderr, "%s: cannot open %s: %s\n", prog, path,
			strerror(errno));
		return -1;
	}
	errno = 0;
	rc = read_stream(f, max, buf, len);
	if (rc < 0)
		fprintf(stderr, "%s: cannot read %s: %s\n", prog, name,
			strerror(errno ? errno : EIO));
	else if (rc > 0)
		fprintf(stderr, "%s: %s: input larger than the limit of %zu bytes\n",
			prog, name, max);
	if (!from_stdin)
		fclose(f); /* read-only: nothing to lose on close */
	return rc == 0 ? 0 : -1;
}

/* ---- hex ------------------------------------------------------------------ */

int cli_hex_digit(uint8_t c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static int is_space(uint8_t c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' ||
	       c == '\f';
}

int cli_hex_decode(uint8_t *txt, size_t *len, size_t *pos)
{
	size_t i, out = 0, hi_at = 0;
	int hi = -1;

	for (i = 0; i < *len; i++) {
		int v;

		if (is_space(txt[i]))
			continue;
		v = cli_hex_digit(txt[i]);
		if (v < 0) {
			*pos = i;
			return CLI_HEX_BAD_CHAR;
		}
		if (hi < 0) {
			hi = v;
			hi_at = i;
		} else {
			/* out <= hi_at < i: writing in place is safe. */
			txt[out++] = (uint8_t)(hi << 4 | v);
			hi = -1;
		}
	}
	if (hi >= 0) {
		*pos = hi_at;
		return CLI_HEX_ODD;
	}
	/* The rest still holds hex text of the decoded bytes (keys!). */
	obol_wipe(txt + out, *len - out);
	*len = out;
	return CLI_HEX_OK;
}

/* ---- options ------------------------------------------------------------ */

/* The option named by s (up to n chars), or NULL. */
static const struct cli_opt *find_opt(const struct cli_opt *opts,
				      const char *s, size_t n)
{
	for (; opts->name != NULL; opts++)
		if (strlen(opts->name) == n && strncmp(opts->name, s, n) == 0)
			return opts;
	return NULL;
}

int cli_next_opt(struct cli_args *a, const char *prog,
		 const struct cli_opt *opts, const char **val)
{
	const struct cli_opt *o;
	const char *arg, *eq;
	size_t n;

	if (a->i < 1)
		a->i = 1;
	*val = NULL;
	if (a->i >= a->argc)
		return CLI_OPT_END;
	arg = a->argv[a->i++];
	if (a->only_operands || arg[0] != '-' || arg[1] == '\0') {
		*val = arg;
		return CLI_OPT_OPERAND;
	}
	if (strcmp(arg, "--") == 0) {
		a->only_operands = 1;
		return cli_next_opt(a, prog, opts, val);
	}
	if (strcmp(arg, "-h") == 0 && (o = find_opt(opts, "help", 4)) != NULL)
		return o->id;
	if (strcmp(arg, "-v") == 0 && (o = find_opt(opts, "verbose", 7)) != NULL)
		return o->id;
	if (arg[1] != '-') {
		fprintf(stderr, "%s: unknown option '%s' (try --help)\n", prog, arg);
		return CLI_OPT_ERROR;
	}
	arg += 2;
	eq = strchr(arg, '=');
	n = eq ? (size_t)(eq - arg) : strlen(arg);
	o = find_opt(opts, arg, n);
	if (o == NULL) {
		fprintf(stderr, "%s: unknown option '--%.*s' (try --help)\n", prog,
			(int)n, arg);
		return CLI_OPT_ERROR;
	}
	if (!o->has_arg) {
		if (eq) {
			fprintf(stderr, "%s: option '--%s' takes no value\n", prog,
				o->name);
			return CLI_OPT_ERROR;
		}
		return o->id;
	}
	if (o->has_arg == CLI_OPT_OPTIONAL) {
		if (eq)
			*val = eq + 1;
		else if (a->i < a->argc && a->argv[a->i][0] != '-')
			*val = a->argv[a->i++];
		return o->id;
	}
	if (eq) {
		*val = eq + 1;
	} else if (a->i < a->argc) {
		*val = a->argv[a->i++];
	} else {
		fprintf(stderr, "%s: option '--%s' needs a value\n", prog, o->name);
		return CLI_OPT_ERROR;
	}
	return o->id;
}

/* ---- command-line values ---------------------------------------------------- */

int cli_hex_arg(const char *prog, const char *opt, const char *text,
		uint8_t **out, size_t *len)
{
	size_t n = strlen(text), pos = 0;
	uint8_t *p = cli_xmalloc(n + 1);
	int rc;

	memcpy(p, text, n);
	rc = cli_hex_decode(p, &n, &pos);
	if (rc != CLI_HEX_OK) {
		obol_wipe(p, strlen(text));
		free(p);
		if (rc == CLI_HEX_ODD)
			fprintf(stderr, "%s: --%s: odd number of hex digits\n", prog, opt);
		else
			fprintf(stderr, "%s: --%s: '%c' at offset %zu is not a hex digit\n",
				prog, opt, text[pos], pos);
		return -1;
	}
	*out = p;
	*len = n;
	return 0;
}

int cli_int_arg(const char *prog, const char *opt, const char *text,
		int64_t min, int64_t max, int64_t *v)
{
	const char *s = text;
	int neg = 0;
	uint64_t u = 0, lim;

	if (*s == '-') {
		neg = 1;
		s++;
	}
	lim = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
	if (*s == '\0')
		goto bad;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9' || u > (lim - (uint64_t)(*s - '0')) / 10)
			goto bad;
		u = u * 10 + (uint64_t)(*s - '0');
	}
	if (neg)
		*v = u == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)u;
	else
		*v = (int64_t)u;
	if (*v < min || *v > max)
		goto bad;
	return 0;
bad:
	fprintf(stderr, "%s: --%s: '%s' is not an integer in %lld..%lld\n", prog,
		opt, text, (long long)min, (long long)max);
	return -1;
}

void cli_buf_hex(struct cli_buf *b, const uint8_t *p, size_t n)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		cli_buf_putc(b, digits[p[i] >> 4]);
		cli_buf_putc(b, digits[p[i] & 0x0f]);
	}
}

void cli_buf_base64url(struct cli_buf *b, const uint8_t *p, size_t n)
{
	static const char a[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	size_t i;

	for (i = 0; i + 2 < n; i += 3) {
		unsigned v = (unsigned)p[i] << 16 | (unsigned)p[i + 1] << 8 | p[i + 2];
		cli_buf_putc(b, a[v >> 18 & 63]);
		cli_buf_putc(b, a[v >> 12 & 63]);
		cli_buf_putc(b, a[v >> 6 & 63]);
		cli_buf_putc(b, a[v & 63]);
	}
	if (n - i == 1) {
		cli_buf_putc(b, a[p[i] >> 2]);
		cli_buf_putc(b, a[(p[i] & 3) << 4]);
	} else if (n - i == 2) {
		unsigned v = (unsigned)p[i] << 8 | p[i + 1];
		cli_buf_putc(b, a[v >> 10 & 63]);
		cli_buf_putc(b, a[v >> 4 & 63]);
		cli_buf_putc(b, a[(v & 15) << 2]);
	}
}

void cli_format_time(int64_t t, char out[CLI_TIME_MAX])
{
	time_t tt = (time_t)t;
	struct tm tm;

	if ((int64_t)tt != t || gmtime_r(&tt, &tm) == NULL ||
	    strftime(out, CLI_TIME_MAX, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(out, CLI_TIME_MAX, "%lld", (long long)t);
}

int cli_first_char(const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!is_space(p[i]))
			return p[i];
	return 0;
}

int cli_is_hex_text(const uint8_t *p, size_t n)
{
	size_t i;
	int digits = 0;

	for (i = 0; i < n; i++) {
		if (cli_hex_digit(p[i]) >= 0)
			digits = 1;
		else if (!is_space(p[i]))
			return 0;
	}
	return digits;
}

/* ---- output --------------------------------------------------------------- */

int cli_write_output(const char *prog, const char *path, const uint8_t *data,
		     size_t len, int hex, int private_file)
{
	int to_stdout = path == NULL || strcmp(path, "-") == 0;
	struct cli_buf text = {0};
	const uint8_t *p = data;
	size_t n = len;
	FILE *f = stdout;
	int ok;

	if (hex) {
		cli_buf_hex(&text, data, len);
		cli_buf_putc(&text, '\n');
		p = (const uint8_t *)text.p;
		n = text.len;
	}
	if (!to_stdout) {
		int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC,
			      private_file ? 0600 : 0666);
		f = fd < 0 ? NULL : fdopen(fd, "wb");
		if (f == NULL) {
			fprintf(stderr, "%s: cannot write %s: %s\n", prog, path,
				strerror(errno));
			if (fd >= 0)
				close(fd);
			if (text.p != NULL)
				obol_wipe(text.p, text.len);
			cli_buf_free(&text);
			return -1;
		}
	}
	ok = fwrite(p, 1, n, f) == n;
	if (to_stdout)
		ok = ok && fflush(f) == 0;
	else
		ok = (fclose(f) == 0) && ok;
	if (!ok)
		fprintf(stderr, "%s: cannot write %s: %s\n", prog,
			to_stdout ? "standard output" : path,
			strerror(errno ? errno : EIO));
	if (text.p != NULL)
		obol_wipe(text.p, text.len);
	cli_buf_free(&text);
	return ok ? 0 : -1;
}

/* ---- UTF-8 (RFC 3629) ----------------------------------------------------- */

size_t cli_utf8_seq(const uint8_t *s, size_t n)
{
	size_t need, k;
	uint8_t lo = 0x80, hi = 0xbf;

	if (s[0] < 0x80)
		return 1;
	if (s[0] < 0xc2 || s[0] > 0xf4)
		return 0;
	if (s[0] < 0xe0) {
		need = 1;
	} else if (s[0] < 0xf0) {
		need = 2;
		lo = s[0] == 0xe0 ? 0xa0 : 0x80; /* overlong */
		hi = s[0] == 0xed ? 0x9f : 0xbf; /* surrogates */
	} else {
		need = 3;
		lo = s[0] == 0xf0 ? 0x90 : 0x80; /* overlong */
		hi = s[0] == 0xf4 ? 0x8f : 0xbf; /* above U+10FFFF */
	}
	if (n - 1 < need || s[1] < lo || s[1] > hi)
		return 0;
	for (k = 2; k <= need; k++)
		if (s[k] < 0x80 || s[k] > 0xbf)
			return 0;
	return need + 1;
}

int cli_utf8_valid(const uint8_t *s, size_t n)
{
	size_t i = 0, k;

	while (i < n) {
		k = cli_utf8_seq(s + i, n - i);
		if (k == 0)
			return 0;
		i += k;
	}
	return 1;
}

void cli_buf_put_utf8(struct cli_buf *b, unsigned cp)
{
	if (cp < 0x80) {
		cli_buf_putc(b, (char)cp);
	} else if (cp < 0x800) {
		cli_buf_putc(b, (char)(0xc0 | cp >> 6));
		cli_buf_putc(b, (char)(0x80 | (cp & 0x3f)));
	} else if (cp < 0x10000) {
		cli_buf_putc(b, (char)(0xe0 | cp >> 12));
		cli_buf_putc(b, (char)(0x80 | ((cp >> 6) & 0x3f)));
		cli_buf_putc(b, (char)(0x80 | (cp & 0x3f)));
	} else {
		cli_buf_putc(b, (char)(0xf0 | cp >> 18));
		cli_buf_putc(b, (char)(0x80 | ((cp >> 12) & 0x3f)));
		cli_buf_putc(b, (char)(0x80 | ((cp >> 6) & 0x3f)));
		cli_buf_putc(b, (char)(0x80 | (cp & 0x3f)));
	}
}
