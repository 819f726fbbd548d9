/*
 * CBOR decoder (RFC 8949): cursor getters, a non-recursive validator and
 * skip. See include/obol/cbor.h for the contract.
 *
 * Offsets, not pointers, are kept in the cursor so that every error can
 * name the byte where it was found (obol inspect prints it).
 */
#include <string.h>

#include "obol/cbor.h"
#include "cbor_float.h"

/* Internal cursor state bits, above the public OBOL_CBOR_* flags. */
#define F_PUBLIC 0x07u
#define F_COUNTED 0x10u /* `left` counts the items that remain */
#define F_INDEF 0x20u   /* the items end at a "break" (0xff) */
#define F_CHUNKS 0x40u  /* chunks of an indefinite string; `left` = major */
#define F_MAP 0x80u     /* members are key, value pairs */

#define IB_BREAK 0xffu

/* ---- heads --------------------------------------------------------------- */

/*
 * Read the head at *pos (RFC 8949 3): checks every rule a head alone can
 * break; flags decide whether the strict ones apply. On success *pos moves
 * past the head (not past a string's content).
 */
static int read_head(const uint8_t *buf, size_t end, size_t *pos,
		     unsigned flags, struct obol_cbor_head *h)
{
	size_t p = *pos, n, i;
	uint8_t ib;
	uint64_t arg = 0;

	if (p >= end)
		return OBOL_ERR_CBOR_TRUNCATED;
	ib = buf[p++];
	h->major = (uint8_t)(ib >> 5);
	h->ai = (uint8_t)(ib & 0x1fu);
	h->arg = 0;
	if (h->ai < 24) {
		h->arg = h->ai;
		*pos = p;
		return OBOL_OK;
	}
	if (h->ai >= 28 && h->ai <= 30)
		return OBOL_ERR_CBOR_RESERVED_AI;
	if (h->ai == 31) {
		/* 3.2: no indefinite length for integers and tags (3.2.4); for
		 * major type 7 it is the "break" stop code, which the caller
		 * handles where it is allowed. */
		if (h->major == 0 || h->major == 1 || h->major == 6)
			return OBOL_ERR_CBOR_BAD_INDEF;
		if (h->major == 7)
			return OBOL_ERR_CBOR_BAD_BREAK;
		if (flags & OBOL_CBOR_STRICT)
			return OBOL_ERR_CBOR_INDEFINITE;
		*pos = p;
		return OBOL_OK;
	}
	n = (size_t)1 << (h->ai - 24); /* 1, 2, 4 or 8 argument bytes */
	if (end - p < n)
		return OBOL_ERR_CBOR_TRUNCATED;
	for (i = 0; i < n; i++)
		arg = (arg << 8) | buf[p + i];
	h->arg = arg;
	if (h->major == 7) {
		/* 3.3: a two-byte simple value below 32 is not well-formed. */
		if (h->ai == 24 && arg < 32)
			return OBOL_ERR_CBOR_BAD_SIMPLE;
		/* Floats are never "non-shortest" here; DETERMINISTIC
		 * checks their value in the validator. */
	} else if (flags & OBOL_CBOR_STRICT) {
		/* 4.2.1: the argument in the shortest head that holds it. */
		static const uint64_t shorter_max[4] = {
			23u, 0xffu, 0xffffu, 0xffffffffu};
		if (arg <= shorter_max[h->ai - 24])
			return OBOL_ERR_CBOR_NON_SHORTEST;
	}
	*pos = p + n;
	return OBOL_OK;
}

/* RFC 3629 UTF-8, as RFC 8949 5.3.1 requires of text strings. Returns the
 * offset of the first bad byte, or n when the whole string is valid. */
static size_t utf8_bad_at(const uint8_t *s, size_t n)
{
	size_t i = 0;

	while (i < n) {
		uint8_t c = s[i];
		size_t need, k;
		uint8_t lo = 0x80, hi = 0xbf;

		if (c < 0x80) {
			i++;
			continue;
		}
		if (c < 0xc2)
			return i; /* continuation byte or overlong C0/C1 */
		if (c < 0xe0) {
			need = 1;
		} else if (c < 0xf0) {
			need = 2;
			if (c == 0xe0)
				lo = 0xa0; /* overlong */
			if (c == 0xed)
				hi = 0x9f; /* UTF-16 surrogates */
		} else if (c < 0xf5) {
			need = 3;
			if (c == 0xf0)
				lo = 0x90; /* overlong */
			if (c == 0xf4)
				hi = 0x8f; /* above U+10FFFF */
		} else {
			return i;
		}
		if (n - i - 1 < need)
			return i;
		if (s[i + 1] < lo || s[i + 1] > hi)
			return i;
		for (k = 2; k <= need; k++)
			if (s[i + k] < 0x80 || s[i + k] > 0xbf)
				return i;
		i += need + 1;
	}
	return n;
}

/* ---- the walker: validate and skip, without recursion ---------------------- */

enum level_kind { LV_ITEMS, LV_MAP, LV_CHUNKS_BSTR, LV_CHUNKS_TSTR, LV_SEQ };

struct level {
	size_t left;   /* items left (counted levels) */
	size_t start;  /* offset of the first member (maps, for key checks) */
	uint8_t kind;  /* enum level_kind */
	uint8_t indef; /* ends at a break */
	uint8_t odd;   /* indefinite map: a key is waiting for its value */
};

/*
 * Stackless skip of one item known to be definite-length and well-formed
 * (used on data the walker has already accepted, for key comparisons).
 * Each array adds n items to read, each map 2n, each tag 1.
 */
static size_t skip_trusted(const uint8_t *buf, size_t end, size_t pos)
{
	uint64_t todo = 1;
	struct obol_cbor_head h;

	while (todo > 0) {
		if (read_head(buf, end, &pos, 0, &h) != OBOL_OK)
			return end; /* cannot happen on validated data */
		todo--;
		switch (h.major) {
		case 2:
		case 3:
			pos += (size_t)h.arg;
			break;
		case 4:
			todo += h.arg;
			break;
		case 5:
			todo += 2 * h.arg;
			break;
		case 6:
			todo += 1;
			break;
		default:
			break;
		}
	}
	return pos;
}

/* Bytewise comparison of two encoded items, shorter-is-prefix first. */
static int cmp_enc(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
	size_t n = alen < blen ? alen : blen;
	int c = n ? memcmp(a, b, n) : 0;

	if (c != 0)
		return c;
	return alen < blen ? -1 : (alen > blen ? 1 : 0);
}

/*
 * Keys of a complete, strict (definite-length) map whose pairs span
 * buf[start..mend): no duplicates (RFC 8949 5.6); with DETERMINISTIC,
 * strictly increasing in bytewise order (4.2.1), which also excludes
 * duplicates in linear time. Keys are compared by their encodings, which
 * strict mode makes unique per value except for floats of different
 * widths (DETERMINISTIC excludes those too). The plain duplicate check is
 * quadratic in the number of keys; ACE maps have a handful.
 */
static int check_keys(const uint8_t *buf, size_t end, size_t start,
		      size_t mend, unsigned flags, size_t *err_off)
{
	size_t k = start, prev = 0, prev_len = 0;
	int first = 1;

	while (k < mend) {
		size_t kend = skip_trusted(buf, end, k);
		size_t klen = kend - k;

		if (flags & OBOL_CBOR_DETERMINISTIC) {
			int c = first ? -1 : cmp_enc(buf + prev, prev_len, buf + k, klen);
			if (c >= 0) {
				*err_off = k;
				return c == 0 ? OBOL_ERR_CBOR_DUP_KEY : OBOL_ERR_CBOR_KEY_ORDER;
			}
		} else {
			size_t q = start;
			while (q < k) {
				size_t qend = skip_trusted(buf, end, q);
				if (qend - q == klen && memcmp(buf + q, buf + k, klen) == 0) {
					*err_off = k;
					return OBOL_ERR_CBOR_DUP_KEY;
				}
				q = skip_trusted(buf, end, qend); /* past the value */
			}
		}
		first = 0;
		prev = k;
		prev_len = klen;
		k = skip_trusted(buf, end, kend); /* past the value */
	}
	return OBOL_OK;
}

enum walk_mode { WALK_ONE, WALK_SINGLE, WALK_SEQ };

/*
 * Walk items from *pos: one item (WALK_ONE, for skip), exactly one item
 * filling the input (WALK_SINGLE) or a sequence (WALK_SEQ). depth is the
 * nesting level of the first item. On error *err_off names the byte.
 */
static int walk(const uint8_t *buf, size_t end, size_t *pos, unsigned flags,
		unsigned depth, enum walk_mode mode, size_t *err_off)
{
	/* One level per container or tag, plus the root, plus one for the
	 * chunks of an indefinite string at the deepest level. */
	struct level st[OBOL_CBOR_MAX_DEPTH + 2];
	unsigned lv = 0;
	size_t p = *pos;
	int err;

	if (flags & OBOL_CBOR_DETERMINISTIC)
		flags |= OBOL_CBOR_STRICT;
	st[0].left = 1;
	st[0].start = p;
	st[0].kind = mode == WALK_SEQ ? LV_SEQ : LV_ITEMS;
	st[0].indef = 0;
	st[0].odd = 0;

	for (;;) {
		struct level *top = &st[lv];
		struct obol_cbor_head h;
		size_t at = p;

		/* Is the current level complete? */
		if (top->kind == LV_SEQ) {
			if (p == end)
				break;
		} else if (top->indef) {
			if (p < end && buf[p] == IB_BREAK) {
				if (top->odd) {
					*err_off = p;
					return OBOL_ERR_CBOR_MAP_ODD;
				}
				p++;
				lv--;
				continue;
			}
		} else if (top->left == 0) {
			if (lv == 0)
				break;
			if (top->kind == LV_MAP && (flags & OBOL_CBOR_STRICT)) {
				err = check_keys(buf, end, top->start, p, flags, err_off);
				if (err)
					return err;
			}
			lv--;
			continue;
		}

		/* Read the next item's head. */
		err = read_head(buf, end, &p, flags, &h);
		if (err) {
			*err_off = at;
			return err;
		}
		if (!top->indef)
			top->left--;
		else if (top->kind == LV_MAP)
			top->odd ^= 1u;

		if (top->kind == LV_CHUNKS_BSTR || top->kind == LV_CHUNKS_TSTR) {
			/* 3.2.3: chunks are definite strings of the same type. */
			uint8_t want = top->kind == LV_CHUNKS_BSTR ? 2 : 3;
			if (h.major != want || h.ai == 31) {
				*err_off = at;
				return OBOL_ERR_CBOR_BAD_CHUNK;
			}
		}

		switch (h.major) {
		case 2:
		case 3:
			if (h.ai == 31) {
				/* Indefinite string: its chunks follow. Needs
				 * no nesting allowance (chunks hold no items). */
				st[++lv].kind = h.major == 2 ? LV_CHUNKS_BSTR : LV_CHUNKS_TSTR;
				st[lv].indef = 1;
				st[lv].odd = 0;
				st[lv].left = 0;
				st[lv].start = p;
				break;
			}
			if (h.arg > (uint64_t)(end - p)) {
				*err_off = at;
				return OBOL_ERR_CBOR_TRUNCATED;
			}
			if (h.major == 3 && (flags & OBOL_CBOR_STRICT)) {
				size_t bad = utf8_bad_at(buf + p, (size_t)h.arg);
				if (bad != (size_t)h.arg) {
					*err_off = p + bad;
					return OBOL_ERR_CBOR_BAD_UTF8;
				}
			}
			p += (size_t)h.arg;
			break;
		case 4:
		case 5:
		case 6:
			if (depth + lv + 1 > OBOL_CBOR_MAX_DEPTH) {
				*err_off = at;
				return OBOL_ERR_CBOR_TOO_DEEP;
			}
			lv++;
			st[lv].start = p;
			st[lv].odd = 0;
			st[lv].kind = h.major == 5 ? LV_MAP : LV_ITEMS;
			st[lv].indef = h.ai == 31;
			if (h.major == 5 && h.ai != 31 && (flags & OBOL_CBOR_STRICT) &&
			    h.arg > OBOL_CBOR_MAX_MAP_PAIRS) {
				*err_off = at;
				return OBOL_ERR_CBOR_MAP_SIZE;
			}
			if (h.major == 6) {
				st[lv].left = 1;
			} else if (h.ai != 31) {
				/* Every member takes at least one byte: a count
				 * larger than what is left cannot be met. */
				uint64_t room = (uint64_t)(end - p);
				if (h.arg > room || (h.major == 5 && h.arg > room / 2)) {
					*err_off = at;
					return OBOL_ERR_CBOR_TRUNCATED;
				}
				st[lv].left = (size_t)(h.major == 5 ? 2 * h.arg : h.arg);
			}
			break;
		case 7:
			if ((flags & OBOL_CBOR_DETERMINISTIC) && h.ai >= 25 && h.ai <= 27 &&
			    !obol_cbor_float_is_deterministic(h.ai, h.arg)) {
				*err_off = at;
				return OBOL_ERR_CBOR_NON_SHORTEST;
			}
			break;
		default: /* 0, 1: nothing follows the head */
			break;
		}
	}

	if (mode == WALK_SINGLE && p != end) {
		*err_off = p;
		return OBOL_ERR_CBOR_TRAILING;
	}
	*pos = p;
	return OBOL_OK;
}

int obol_cbor_validate(const uint8_t *buf, size_t len, unsigned flags,
		       size_t *err_off)
{
	size_t pos = 0, off = 0;
	int err;

	if (buf == NULL && len != 0)
		return OBOL_ERR_ARG;
	err = walk(buf, len, &pos, flags,
		   0, (flags & OBOL_CBOR_SEQUENCE) ? WALK_SEQ : WALK_SINGLE, &off);
	if (err && err_off)
		*err_off = off;
	return err;
}

/* ---- cursor -------------------------------------------------------------- */

int obol_cbor_dec_init(obol_cbor_dec *d, const uint8_t *buf, size_t len,
		       unsigned flags)
{
	size_t off = 0;
	int err = OBOL_OK;

	if (d == NULL || (buf == NULL && len != 0))
		return OBOL_ERR_ARG;
	if (flags & OBOL_CBOR_DETERMINISTIC)
		flags |= OBOL_CBOR_STRICT;
	d->buf = buf;
	d->end = len;
	d->pos = 0;
	d->depth = 0;
	d->tags = 0;
	d->flags = (uint8_t)(flags & F_PUBLIC);
	if (flags & OBOL_CBOR_SEQUENCE) {
		d->left = 0;
	} else {
		d->flags |= F_COUNTED;
		d->left = 1;
	}
	if (flags & OBOL_CBOR_STRICT)
		err = obol_cbor_validate(buf, len, flags, &off);
	if (err) {
		/* Read nothing; keep the error's offset visible. */
		d->pos = d->end = off;
		d->flags = F_COUNTED;
		d->left = 0;
	}
	return err;
}

size_t obol_cbor_offset(const obol_cbor_dec *d)
{
	return d->pos;
}

int obol_cbor_at_end(const obol_cbor_dec *d)
{
	if (d->flags & F_COUNTED)
		return d->left == 0;
	if (d->flags & (F_INDEF | F_CHUNKS))
		return d->pos < d->end && d->buf[d->pos] == IB_BREAK;
	return d->pos >= d->end; /* top-level sequence */
}

/*
 * An indefinite-length map that reached its break after a key: ill-formed.
 * (For indefinite containers `left` counts read members modulo 2.)
 */
static int odd_map(const obol_cbor_dec *d)
{
	return (d->flags & (F_INDEF | F_MAP)) == (F_INDEF | F_MAP) && (d->left & 1u);
}

/* Head of the next item of this cursor: *after is the offset past it. */
static int next_head(const obol_cbor_dec *d, struct obol_cbor_head *h,
		     size_t *after)
{
	int err;

	if (obol_cbor_at_end(d))
		return odd_map(d) ? OBOL_ERR_CBOR_MAP_ODD : OBOL_ERR_CBOR_END;
	*after = d->pos;
	err = read_head(d->buf, d->end, after, d->flags, h);
	if (err)
		return err;
	if ((d->flags & F_CHUNKS) && (h->major != d->left || h->ai == 31))
		return OBOL_ERR_CBOR_BAD_CHUNK;
	return OBOL_OK;
}

/* The item ends at `to`: move past it. */
static void advance(obol_cbor_dec *d, size_t to)
{
	d->pos = to;
	d->tags = 0;
	if (d->flags & F_COUNTED)
		d->left--;
	else if (d->flags & F_INDEF)
		d->left ^= 1u;
}

int obol_cbor_peek_head(const obol_cbor_dec *d, struct obol_cbor_head *h)
{
	size_t after;

	return next_head(d, h, &after);
}

int obol_cbor_peek(const obol_cbor_dec *d)
{
	struct obol_cbor_head h;
	size_t after;
	int err = next_head(d, &h, &after);

	if (err)
		return err;
	if (h.major == 7 && h.ai >= 25 && h.ai <= 27)
		return OBOL_CBOR_FLOAT;
	return h.major;
}

/* Integer head of major type 0 or 1 (per `majors` bit mask). */
static int get_int_head(obol_cbor_dec *d, unsigned majors,
			struct obol_cbor_head *h, size_t *after)
{
	int err = next_head(d, h, after);

	if (err)
		return err;
	if (h->major > 1 || !(majors & (1u << h->major)))
		return OBOL_ERR_CBOR_TYPE;
	return OBOL_OK;
}

int obol_cbor_get_uint64(obol_cbor_dec *d, uint64_t *v)
{
	struct obol_cbor_head h;
	size_t after;
	int err = get_int_head(d, 1u, &h, &after);

	if (err)
		return err;
	*v = h.arg;
	advance(d, after);
	return OBOL_OK;
}

int obol_cbor_get_uint32(obol_cbor_dec *d, uint32_t *v)
{
	struct obol_cbor_head h;
	size_t after;
	int err = get_int_head(d, 1u, &h, &after);

	if (err)
		return err;
	if (h.arg > UINT32_MAX)
		return OBOL_ERR_CBOR_RANGE;
	*v = (uint32_t)h.arg;
	advance(d, after);
	return OBOL_OK;
}

int obol_cbor_get_nint_raw(obol_cbor_dec *d, uint64_t *n)
{
	struct obol_cbor_head h;
	size_t after;
	int err = get_int_head(d, 2u, &h, &after);

	if (err)
		return err;
	*n = h.arg;
	advance(d, after);
	return OBOL_OK;
}

int obol_cbor_get_int64(obol_cbor_dec *d, int64_t *v)
{
	struct obol_cbor_head h;
	size_t after;
	int err = get_int_head(d, 3u, &h, &after);

	if (err)
		return err;
	if (h.arg > (uint64_t)INT64_MAX)
		return OBOL_ERR_CBOR_RANGE;
	/* -1 - n, for n <= INT64_MAX, stays within int64_t. */
	*v = h.major == 0 ? (int64_t)h.arg : -1 - (int64_t)h.arg;
	advance(d, after);
	return OBOL_OK;
}

int obol_cbor_get_int32(obol_cbor_dec *d, int32_t *v)
{
	obol_cbor_dec save = *d;
	int64_t w;
	int err = obol_cbor_get_int64(d, &w);

	if (err == OBOL_OK && (w < INT32_MIN || w > INT32_MAX)) {
		*d = save;
		return OBOL_ERR_CBOR_RANGE;
	}
	if (err == OBOL_OK)
		*v = (int32_t)w;
	return err;
}

static int get_string(obol_cbor_dec *d, uint8_t major, const uint8_t **p,
		      size_t *len)
{
	struct obol_cbor_head h;
	size_t after;
	int err = next_head(d, &h, &after);

	if (err)
		return err;
	if (h.major != major)
		return OBOL_ERR_CBOR_TYPE;
	if (h.ai == 31)
		return OBOL_ERR_CBOR_INDEFINITE;
	if (h.arg > (uint64_t)(d->end - after))
		return OBOL_ERR_CBOR_TRUNCATED;
	*p = d->buf + after;
	*len = (size_t)h.arg;
	advance(d, after + (size_t)h.arg);
	return OBOL_OK;
}

int obol_cbor_get_bstr(obol_cbor_dec *d, const uint8_t **p, size_t *len)
{
	return get_string(d, 2, p, len);
}

int obol_cbor_get_tstr(obol_cbor_dec *d, const char **p, size_t *len)
{
	const uint8_t *u;
	int err = get_string(d, 3, &u, len);

	if (err == OBOL_OK)
		*p = (const char *)u;
	return err;
}

static int enter(obol_cbor_dec *d, uint8_t major, obol_cbor_dec *child,
		 size_t *n)
{
	struct obol_cbor_head h;
	size_t after;
	int err = next_head(d, &h, &after);

	if (err)
		return err;
	if (h.major != major)
		return OBOL_ERR_CBOR_TYPE;
	if (d->depth + d->tags + 1u > OBOL_CBOR_MAX_DEPTH)
		return OBOL_ERR_CBOR_TOO_DEEP;
	*child = *d;
	child->pos = after;
	child->depth = (uint8_t)(d->depth + d->tags + 1u);
	child->tags = 0;
	child->flags = (uint8_t)(d->flags & F_PUBLIC);
	if (major == 5)
		child->flags |= F_MAP;
	if (h.ai == 31) {
		child->flags |= F_INDEF;
		child->left = 0;
		if (n)
			*n = SIZE_MAX;
		return OBOL_OK;
	}
	{
		uint64_t room = (uint64_t)(d->end - after);
		if (h.arg > room || (major == 5 && h.arg > room / 2))
			return OBOL_ERR_CBOR_TRUNCATED;
	}
	child->flags |= F_COUNTED;
	child->left = (size_t)(major == 5 ? 2 * h.arg : h.arg);
	if (n)
		*n = (size_t)h.arg;
	return OBOL_OK;
}

int obol_cbor_enter_array(obol_cbor_dec *d, obol_cbor_dec *child, size_t *n)
{
	return enter(d, 4, child, n);
}

int obol_cbor_enter_map(obol_cbor_dec *d, obol_cbor_dec *child, size_t *n)
{
	return enter(d, 5, child, n);
}

int obol_cbor_enter_chunks(obol_cbor_dec *d, obol_cbor_dec *child)
{
	struct obol_cbor_head h;
	size_t after;
	int err = next_head(d, &h, &after);

	if (err)
		return err;
	if ((h.major != 2 && h.major != 3) || h.ai != 31)
		return OBOL_ERR_CBOR_TYPE;
	*child = *d;
	child->pos = after;
	child->tags = 0;
	child->flags = (uint8_t)((d->flags & F_PUBLIC) | F_CHUNKS);
	child->left = h.major;
	return OBOL_OK;
}

int obol_cbor_leave(obol_cbor_dec *d, const obol_cbor_dec *child)
{
	obol_cbor_dec c = *child;
	int err;

	if (c.buf != d->buf || c.pos < d->pos)
		return OBOL_ERR_ARG;
	while (!obol_cbor_at_end(&c)) {
		err = obol_cbor_skip(&c);
		if (err)
			return err;
	}
	if (odd_map(&c))
		return OBOL_ERR_CBOR_MAP_ODD;
	if (c.flags & (F_INDEF | F_CHUNKS))
		c.pos++; /* the break */
	advance(d, c.pos);
	return OBOL_OK;
}

int obol_cbor_get_tag(obol_cbor_dec *d, uint64_t *tag)
{
	struct obol_cbor_head h;
	size_t after;
	int err = next_head(d, &h, &after);

	if (err)
		return err;
	if (h.major != 6)
		return OBOL_ERR_CBOR_TYPE;
	if (after >= d->end)
		return OBOL_ERR_CBOR_TRUNCATED; /* a tag needs its content */
	if (d->buf[after] == IB_BREAK)
		return OBOL_ERR_CBOR_BAD_BREAK;
	if (d->depth + d->tags + 1u > OBOL_CBOR_MAX_DEPTH)
		return OBOL_ERR_CBOR_TOO_DEEP;
	*tag = h.arg;
	/* The content is read next, by this cursor: it is the same member of
	 * the container, so the count must not move yet. */
	d->pos = after;
	d->tags++;
	return OBOL_OK;
}

int obol_cbor_get_simple(obol_cbor_dec *d, uint8_t *v)
{
	struct obol_cbor_head h;
	size_t after;
	int err = next_head(d, &h, &after);

	if (err)
		return err;
	if (h.major != 7 || h.ai > 24)
		return OBOL_ERR_CBOR_TYPE;
	*v = (uint8_t)h.arg;
	advance(d, after);
	return OBOL_OK;
}

/* Exactly the simple value `want`. */
static int get_simple_value(obol_cbor_dec *d, uint8_t want)
{
	obol_cbor_dec save = *d;
	uint8_t v;
	int err = obol_cbor_get_simple(d, &v);

	if (err == OBOL_OK && v != want) {
		*d = save;
		return OBOL_ERR_CBOR_TYPE;
	}
	return err;
}

int obol_cbor_get_bool(obol_cbor_dec *d, int *v)
{
	obol_cbor_dec save = *d;
	uint8_t s;
	int err = obol_cbor_get_simple(d, &s);

	if (err)
		return err;
	if (s != OBOL_CBOR_FALSE && s != OBOL_CBOR_TRUE) {
		*d = save;
		return OBOL_ERR_CBOR_TYPE;
	}
	*v = s == OBOL_CBOR_TRUE;
	return OBOL_OK;
}

int obol_cbor_get_null(obol_cbor_dec *d)
{
	return get_simple_value(d, OBOL_CBOR_NULL);
}

int obol_cbor_get_undefined(obol_cbor_dec *d)
{
	return get_simple_value(d, OBOL_CBOR_UNDEFINED);
}

int obol_cbor_get_double(obol_cbor_dec *d, double *v)
{
	struct obol_cbor_head h;
	size_t after;
	uint64_t bits;
	int err = next_head(d, &h, &after);

	if (err)
		return err;
	if (h.major != 7 || h.ai < 25 || h.ai > 27)
		return OBOL_ERR_CBOR_TYPE;
	bits = obol_cbor_float_to_double_bits(h.ai, h.arg);
	memcpy(v, &bits, sizeof *v);
	advance(d, after);
	return OBOL_OK;
}

int obol_cbor_skip(obol_cbor_dec *d)
{
	size_t p = d->pos, off;
	int err;

	if (obol_cbor_at_end(d))
		return OBOL_ERR_CBOR_END;
	if (d->flags & F_CHUNKS) {
		/* A chunk: one definite string of the chunk type. */
		const uint8_t *s;
		size_t n;
		return get_string(d, (uint8_t)d->left, &s, &n);
	}
	/* What a strict cursor reads was validated as a whole at init: it is
	 * definite-length and well-formed, so a counter of items still to
	 * skip finds the end, without walk()'s level stack. */
	if (d->flags & OBOL_CBOR_STRICT) {
		advance(d, skip_trusted(d->buf, d->end, p));
		return OBOL_OK;
	}
	/* Otherwise only well-formedness decides where an item ends. */
	err = walk(d->buf, d->end, &p, 0, (unsigned)d->depth + d->tags, WALK_ONE, &off);
	if (err)
		return err;
	advance(d, p);
	return OBOL_OK;
}

int obol_cbor_get_raw(obol_cbor_dec *d, const uint8_t **p, size_t *len)
{
	size_t start = d->pos;
	int err = obol_cbor_skip(d);

	if (err)
		return err;
	*p = d->buf + start;
	*len = d->pos - start;
	return OBOL_OK;
}

/* The cursor stays small: copies of it are how callers save positions.
 * (C99 has no _Static_assert; a negative array size stops the build.) */
typedef char obol_cbor_dec_size_check[sizeof(obol_cbor_dec) <= 5 * sizeof(size_t) ? 1 : -1];
