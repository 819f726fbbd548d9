#!/usr/bin/python3
"""Differential test of obol's CBOR decoder and encoder against cbor2.

    /usr/bin/python3 cbor_diff.py PATH/TO/obol_cbor_diff [--count N]
                     [--seed S] [--mutations M] [--verbose]

Needs Debian's python3-cbor2 (5.4.6 when this was written): run it with
/usr/bin/python3, not some other python3 on PATH. Without cbor2 it fails.

What it does (STYLE.md section 6, "a second, independent implementation"):

1. Generates --count random items (random.Random(seed), nothing global):
   integers of every head width and both signs, byte and text strings of
   0..300 bytes across the 23/24/255/256 boundaries (text with 2-, 3- and
   4-byte UTF-8), arrays and maps nested up to 6 deep (int, text and a few
   byte-string keys), tags cbor2 leaves alone, simple values, true, false,
   null, undefined, and floats (half/single/double exact values,
   subnormals, +-0, +-inf, NaN). Each item v gets two encodings:
     (a) the "input": cbor2.dumps(v) (keeps the dict order, floats as
         doubles), or for a share of the items hand-made non-preferred but
         well-formed bytes: indefinite-length strings and containers
         ("indef"), non-shortest heads and floats ("wide"); plus small
         shares of maps with a duplicate key ("dup") and text strings that
         are not valid UTF-8 ("badutf8"), which only strict mode refuses;
     (b) the RFC 8949 4.2.1 deterministic encoding, computed here (keys
         sorted by the bytes of their encodings; shortest exact float,
         NaN as f97e00). Not cbor2's canonical=True, which sorts keys
         length-first (RFC 7049) and, in 5.4.6, is not always shortest
         for floats (65504.0 comes out as fa477fe000, not f97bff).
2. Sends (a) and (b) of every item, and mutations, to the C harness in one
   batch (hex lines on stdin) and checks, for each line:
     - obol's dump of its non-strict decode equals the dump of
       cbor2.loads() of the same bytes (floats as bits of the double;
       every NaN as "nan": cbor2 drops half-precision NaN payloads);
     - obol's re-encoding (its encoder, pairs sorted by key bytes) is (b);
     - obol_cbor_validate() without flags accepts; with OBOL_CBOR_STRICT
       and OBOL_CBOR_DETERMINISTIC it gives the code and offset of the
       first violation that this script's own walker finds in the bytes
       (indefinite head, non-shortest head, duplicate key, bad UTF-8,
       and for deterministic also keys out of bytewise order and floats
       not in their shortest form), or accepts when there is none
       ("first": see Walk.expect for the two orders accepted);
     - the harness's own consistency checks (dec_init vs validate, skip,
       get_raw, typed getters, size queries; see cbor_diff.c) all held;
   and for each item that cbor2.loads(obol's encoding) equals v (types
   kept apart: 1 is not 1.0 nor True; NaN equals NaN).
3. Mutates valid items (byte flips, bit flips, truncation, insertion,
   deletion, appended bytes) and compares obol's non-strict verdict with
   cbor2.loads raising or not. Known, understood differences are the RULES
   below, each confirmed on the evidence of the case; the rest fail. When
   both accept, the data must agree too (as cbor2 would build it from
   obol's dump: a repeated key keeps its last value).
4. Checks the nesting limit: 16 levels pass, 17 give TOO_DEEP, for
   arrays, maps, tags and indefinite arrays (config.h).

The summary counts what was generated, each check (pass / fail), each
rule, and "obol info" lines: documented obol quirks that the harness
reports without failing (see cbor_diff.c). Exit status 0 only when
everything matched; the first mismatches are shown with their input in
hex and both sides (all of them with --verbose).
"""

import argparse
import io
import math
import os
import re
import resource
import struct
import subprocess
import sys
import threading
import time

try:
    import cbor2
    from cbor2 import CBORTag, CBORSimpleValue, CBORDecoder, undefined
    from cbor2 import break_marker
    from cbor2.types import FrozenDict
except ImportError as exc:  # never skip silently
    print("cbor_diff: FAIL: cannot import cbor2 (%s); install the Debian "
          "package python3-cbor2 and run with /usr/bin/python3" % exc)
    sys.exit(1)
try:
    import importlib.metadata
    CBOR2_VERSION = importlib.metadata.version("cbor2")
except Exception:  # metadata missing: the tests still mean something
    CBOR2_VERSION = "unknown"

HERE = os.path.dirname(os.path.abspath(__file__))
ERR_H = os.path.join(HERE, "..", "..", "include", "obol", "err.h")

# Tags that cbor2 5.4.6 decodes into other Python objects (or refuses
# with some payloads); found by decoding CBORTag(n, x) for n in 0..1999
# and many larger n with several kinds of x. The generator avoids them.
SEMANTIC_TAGS = frozenset([0, 1, 2, 3, 4, 5, 25, 28, 29, 30, 35, 36, 37,
                           256, 258, 260, 261, 55799])

MAX_LEVEL = 6           # deepest nesting the generator produces (<= 16)


def load_err_codes():
    """enum obol_err from include/obol/err.h: one source of truth."""
    try:
        with open(ERR_H) as f:
            text = f.read()
    except OSError as exc:
        print("cbor_diff: FAIL: cannot read %s: %s" % (ERR_H, exc))
        sys.exit(1)
    codes = {m.group(1): int(m.group(2)) for m in
             re.finditer(r"\b(OBOL_(?:OK|ERR_\w+))\s*=\s*(-?\d+)", text)}
    for need in ("OBOL_OK", "OBOL_ERR_CBOR_INDEFINITE",
                 "OBOL_ERR_CBOR_NON_SHORTEST", "OBOL_ERR_CBOR_DUP_KEY",
                 "OBOL_ERR_CBOR_BAD_UTF8", "OBOL_ERR_CBOR_KEY_ORDER",
                 "OBOL_ERR_CBOR_TRAILING", "OBOL_ERR_CBOR_BAD_SIMPLE",
                 "OBOL_ERR_CBOR_BAD_BREAK", "OBOL_ERR_CBOR_MAP_ODD",
                 "OBOL_ERR_CBOR_TOO_DEEP", "OBOL_ERR_CBOR_MAP_SIZE"):
        if need not in codes:
            print("cbor_diff: FAIL: %s not found in %s" % (need, ERR_H))
            sys.exit(1)
    return codes


E = load_err_codes()
OK = E["OBOL_OK"]
ERR_NAME = {v: k.replace("OBOL_ERR_", "") for k, v in E.items()}


def ename(code):
    return ERR_NAME.get(code, str(code))


class BadText(bytes):
    """A text string whose bytes are not valid UTF-8 (generator only)."""


# ---------------------------------------------------------------------------
# Encoding, done here independently of cbor2 and obol

def head(major, arg, width=None):
    """Head with the argument in `width` bytes (None: the shortest)."""
    if width is None:
        width = (0 if arg < 24 else 1 if arg < 0x100 else 2 if arg < 0x10000
                 else 4 if arg < 0x100000000 else 8)
    if width == 0:
        return bytes([major << 5 | arg])
    ai = {1: 24, 2: 25, 4: 26, 8: 27}[width]
    return bytes([major << 5 | ai]) + arg.to_bytes(width, "big")


def shortest_width(arg):
    return (0 if arg < 24 else 1 if arg < 0x100 else 2 if arg < 0x10000
            else 4 if arg < 0x100000000 else 8)


NAN_FORMS = [b"\xf9\x7e\x00", b"\xfa\x7f\xc0\x00\x00",
             b"\xfb\x7f\xf8\x00\x00\x00\x00\x00\x00"]


def float_forms(x):
    """Exact encodings of x, shortest first (RFC 8949 4.2.1, 3.3)."""
    if math.isnan(x):
        return NAN_FORMS
    forms = []
    for ib, fmt in ((b"\xf9", ">e"), (b"\xfa", ">f")):
        try:
            packed = struct.pack(fmt, x)
        except OverflowError:
            continue
        # == keeps the value; pack keeps the sign of zero and infinity.
        if struct.unpack(fmt, packed)[0] == x:
            forms.append(ib + packed)
    forms.append(b"\xfb" + struct.pack(">d", x))
    return forms


def enc_det(v):
    """RFC 8949 4.2.1 deterministic encoding of a generated value."""
    if v is False:
        return b"\xf4"
    if v is True:
        return b"\xf5"
    if v is None:
        return b"\xf6"
    if v is undefined:
        return b"\xf7"
    if isinstance(v, CBORSimpleValue):
        return bytes([0xe0 | v.value]) if v.value < 24 else bytes([0xf8, v.value])
    if isinstance(v, int):
        return head(0, v) if v >= 0 else head(1, -1 - v)
    if isinstance(v, float):
        return float_forms(v)[0]
    if isinstance(v, BadText):
        return head(3, len(v)) + bytes(v)
    if isinstance(v, bytes):
        return head(2, len(v)) + v
    if isinstance(v, str):
        b = v.encode("utf-8")
        return head(3, len(b)) + b
    if isinstance(v, (list, tuple)):
        return head(4, len(v)) + b"".join(enc_det(x) for x in v)
    if isinstance(v, dict):
        pairs = sorted((enc_det(k), enc_det(x)) for k, x in v.items())
        return head(5, len(pairs)) + b"".join(k + x for k, x in pairs)
    if isinstance(v, CBORTag):
        return head(6, v.tag) + enc_det(v.value)
    raise TypeError("enc_det: %r" % type(v))


def enc_var(v, rng, mode, p):
    """Non-preferred but well-formed encoding of v, keeping the dict order.

    mode "indef": strings chunked and containers indefinite, each with
    probability p; "wide": heads widened with probability p. In both,
    floats take a random exact width.
    """
    def hd(major, arg):
        if mode == "wide" and rng.random() < p:
            w = rng.choice([x for x in (1, 2, 4, 8) if x > shortest_width(arg)
                            or (x == 1 and arg < 24)] or [8])
            if w >= shortest_width(arg):
                return head(major, arg, w)
        return head(major, arg)

    def indef():
        return mode == "indef" and rng.random() < p

    def string(major, b, pieces):
        if not indef():
            return hd(major, len(b)) + b
        out = bytes([major << 5 | 31])
        for piece in pieces:
            out += hd(major, len(piece)) + piece
        return out + b"\xff"

    def split(seq):
        """Cut seq (bytes or str) into 0..4 pieces, empty ones allowed."""
        k = rng.randrange(0, 5) if len(seq) else rng.randrange(0, 3)
        if len(seq) == 0 and k == 0:
            return []
        cuts = sorted(rng.randrange(0, len(seq) + 1) for _ in range(max(k - 1, 0)))
        bounds = [0] + cuts + [len(seq)]
        return [seq[bounds[i]:bounds[i + 1]] for i in range(len(bounds) - 1)]

    def enc(x):
        if x is False or x is True or x is None or x is undefined \
                or isinstance(x, CBORSimpleValue):
            return enc_det(x)
        if isinstance(x, int):
            return hd(0, x) if x >= 0 else hd(1, -1 - x)
        if isinstance(x, float):
            return rng.choice(float_forms(x))
        if isinstance(x, BadText):
            return hd(3, len(x)) + bytes(x)
        if isinstance(x, bytes):
            return string(2, x, split(x))
        if isinstance(x, str):
            # Chunks end on character boundaries (RFC 8949 3.2.3).
            return string(3, x.encode("utf-8"),
                          [s.encode("utf-8") for s in split(x)])
        if isinstance(x, (list, tuple)):
            body = b"".join(enc(y) for y in x)
            if indef():
                return b"\x9f" + body + b"\xff"
            return hd(4, len(x)) + body
        if isinstance(x, dict):
            body = b"".join(enc(k) + enc(y) for k, y in x.items())
            if indef():
                return b"\xbf" + body + b"\xff"
            return hd(5, len(x)) + body
        if isinstance(x, CBORTag):
            return hd(6, x.tag) + enc(x.value)
        raise TypeError("enc_var: %r" % type(x))

    return enc(v)


# ---------------------------------------------------------------------------
# The walker: this script's own reading of well-formed bytes, listing what
# strict and deterministic mode must refuse.

class Malformed(Exception):
    pass


WIDTH_NEEDED = {1: 24, 2: 0x100, 4: 0x10000, 8: 0x100000000}
FLOAT_FMT = {25: ">e", 26: ">f", 27: ">d"}
NON_SHORTEST = E["OBOL_ERR_CBOR_NON_SHORTEST"]
INDEFINITE = E["OBOL_ERR_CBOR_INDEFINITE"]
BAD_UTF8 = E["OBOL_ERR_CBOR_BAD_UTF8"]
MAP_SIZE = E["OBOL_ERR_CBOR_MAP_SIZE"]


def load_max_map_pairs():
    """OBOL_CBOR_MAX_MAP_PAIRS, the default of include/obol/config.h."""
    path = os.path.join(HERE, "..", "..", "include", "obol", "config.h")
    with open(path) as f:
        m = re.search(r"#define OBOL_CBOR_MAX_MAP_PAIRS (\d+)", f.read())
    if not m:
        print("cbor_diff: FAIL: OBOL_CBOR_MAX_MAP_PAIRS not found in %s" % path)
        sys.exit(1)
    return int(m.group(1))


MAX_MAP_PAIRS = load_max_map_pairs()


class Walk:
    """Walks well-formed CBOR, collecting violations and statistics.

    A violation is (lo, hi, codes, level, when): the problem is at an
    offset in [lo, hi), obol may report any code of the set `codes`, level
    is "strict" (OBOL_CBOR_STRICT refuses) or "det" (only deterministic),
    and `when` orders the violations for a validator that checks map keys
    once the whole map is read (see expect()).
    """

    def __init__(self, b):
        self.b = b
        self.viol = []
        self.maps = 0
        self.maps_unordered = 0
        self.floats = 0
        self.indefinite = 0
        self.wide = 0
        end = self.item(0, 0)
        if end != len(b):
            raise Malformed("trailing bytes at %d" % end)

    def add(self, lo, hi, code, level, when=None):
        codes = code if isinstance(code, set) else {code}
        self.viol.append((lo, hi, codes, level,
                          when if when is not None else (lo, 1, 0, 0)))

    def head(self, pos):
        """(major, ai, arg, pos after the head); non-shortest recorded."""
        b = self.b
        if pos >= len(b):
            raise Malformed("truncated at %d" % pos)
        ib = b[pos]
        major, ai = ib >> 5, ib & 31
        if ai < 24:
            return major, ai, ai, pos + 1
        if ai <= 27:
            w = 1 << (ai - 24)
            end = pos + 1 + w
            if end > len(b):
                raise Malformed("truncated at %d" % pos)
            arg = int.from_bytes(b[pos + 1:end], "big")
            if major != 7 and arg < WIDTH_NEEDED[w]:  # a narrower head fits
                self.wide += 1
                self.add(pos, pos + 1, NON_SHORTEST, "strict")
            return major, ai, arg, end
        if ai == 31 and major in (2, 3, 4, 5, 7):
            return major, ai, None, pos + 1
        raise Malformed("ai %d major %d at %d" % (ai, major, pos))

    def item(self, pos, level):
        start = pos
        if level > 16:
            raise Malformed("too deep")
        major, ai, arg, pos = self.head(pos)
        if major < 2:
            return pos
        b = self.b
        if major < 4:
            if arg is None:
                self.indefinite += 1
                self.add(start, start + 1, INDEFINITE, "strict")
                data = b""
                while True:
                    if pos >= len(b):
                        raise Malformed("truncated at %d" % pos)
                    if b[pos] == 0xff:
                        pos += 1
                        break
                    cm, _, clen, pos = self.head(pos)
                    if cm != major or clen is None or pos + clen > len(b):
                        raise Malformed("bad chunk")
                    data += b[pos:pos + clen]
                    pos += clen
            else:
                if pos + arg > len(b):
                    raise Malformed("truncated at %d" % pos)
                data = b[pos:pos + arg]
                pos += arg
            if major == 3:
                try:
                    data.decode("utf-8")
                except UnicodeDecodeError:
                    self.add(start, pos, BAD_UTF8, "strict")
            return pos
        if major == 4:
            if arg is None:
                self.indefinite += 1
                self.add(start, start + 1, INDEFINITE, "strict")
                while True:
                    if pos >= len(b):
                        raise Malformed("truncated at %d" % pos)
                    if b[pos] == 0xff:
                        return pos + 1
                    pos = self.item(pos, level + 1)
            for _ in range(arg):
                pos = self.item(pos, level + 1)
            return pos
        if major == 5:
            keys = []  # (offset, encoded bytes) of each key
            if arg is None:
                self.indefinite += 1
                self.add(start, start + 1, INDEFINITE, "strict")
                while True:
                    if pos >= len(b):
                        raise Malformed("truncated at %d" % pos)
                    if b[pos] == 0xff:
                        pos += 1
                        break
                    end = self.item(pos, level + 1)
                    keys.append((pos, b[pos:end]))
                    pos = self.item(end, level + 1)
            else:
                if arg > MAX_MAP_PAIRS:
                    # Strict mode caps map size (config.h), at the head.
                    self.add(start, start + 1, MAP_SIZE, "strict")
                for _ in range(arg):
                    end = self.item(pos, level + 1)
                    keys.append((pos, b[pos:end]))
                    pos = self.item(end, level + 1)
            self.check_keys(keys, pos, level)
            return pos
        if major == 6:
            if arg is None:
                raise Malformed("indefinite tag")
            return self.item(pos, level + 1)
        # major 7
        if ai == 31:
            raise Malformed("break outside a container")
        if ai == 24 and arg < 32:
            raise Malformed("two-byte simple < 32")
        if ai in (25, 26, 27):
            self.floats += 1
            raw = b[start:pos]
            val = struct.unpack(FLOAT_FMT[ai], raw[1:])[0]
            if raw != float_forms(val)[0]:
                self.add(start, start + 1, NON_SHORTEST, "det")
        return pos

    def check_keys(self, keys, mend, level):
        """Key order and duplicates of one map; mend: offset past it."""
        self.maps += 1
        seen = set()
        unordered = False
        for i, (off, kb) in enumerate(keys):
            # Found at the end of the map (inner maps first), if the
            # validator checks keys there; else at the key itself.
            when = (mend, 0, -level, off)
            dup = kb in seen
            if i and kb <= keys[i - 1][1]:
                unordered = True
                self.add(off, off + 1, {E["OBOL_ERR_CBOR_KEY_ORDER"]} |
                         ({E["OBOL_ERR_CBOR_DUP_KEY"]} if dup else set()),
                         "det", when)
            if dup:
                self.add(off, off + 1, E["OBOL_ERR_CBOR_DUP_KEY"], "strict", when)
            seen.add(kb)
        self.maps_unordered += unordered

    def expect(self, deterministic):
        """The violations a validator may report first.

        RFC 8949 does not say which of several problems to report, and a
        one-pass validator can check map keys either as each key is read
        (then the first problem is the one at the lowest offset) or once
        the map is complete (then problems inside the map's values come
        first: obol does this). Both orders are accepted; the offset and
        code must be those of the first violation in one of them.
        """
        levels = ("strict", "det") if deterministic else ("strict",)
        vs = [v for v in self.viol if v[3] in levels]
        if not vs:
            return []
        lo = min(v[0] for v in vs)
        first_when = min(v[4] for v in vs)
        return [v for v in vs if v[0] == lo or v[4] == first_when]


def verdict_ok(expect, code, off):
    if not expect:
        return code == OK
    return any(code in codes and lo <= off < hi for lo, hi, codes, _, _ in expect)


def describe_expect(expect):
    if not expect:
        return "OK"
    return " or ".join("%s@%s" % ("/".join(sorted(ename(c) for c in codes)),
                                  lo if hi == lo + 1 else "%d..%d" % (lo, hi - 1))
                       for lo, hi, codes, _, _ in expect)


# ---------------------------------------------------------------------------
# Data model dumps (same format as cbor_diff.c) and comparisons

def _dump_int(v, sort):
    return "(uint %d)" % v if v >= 0 else "(nint %d)" % (-1 - v)


def _dump_float(v, sort):
    if v != v:  # NaN
        return "(float nan)"
    return "(float %s)" % struct.pack(">d", v).hex()


def _dump_bytes(v, sort):
    return "(bstr %s)" % v.hex() if v else "(bstr)"


def _dump_badtext(v, sort):
    return "(tstr %s)" % bytes(v).hex() if v else "(tstr)"


def _dump_str(v, sort):
    return "(tstr %s)" % v.encode("utf-8").hex() if v else "(tstr)"


def _dump_array(v, sort):
    return "(array%s)" % "".join([" " + _dump(x, sort) for x in v])


def _dump_map(v, sort):
    pairs = [" %s %s" % (_dump(k, sort), _dump(x, sort)) for k, x in v.items()]
    if sort:
        pairs.sort()
    return "(map%s)" % "".join(pairs)


def _dump_tag(v, sort):
    return "(tag %d %s)" % (v.tag, _dump(v.value, sort))


_DUMP = {
    bool: lambda v, sort: "(simple 21)" if v else "(simple 20)",
    type(None): lambda v, sort: "(simple 22)",
    type(undefined): lambda v, sort: "(simple 23)",
    CBORSimpleValue: lambda v, sort: "(simple %d)" % v.value,
    int: _dump_int, float: _dump_float, bytes: _dump_bytes,
    BadText: _dump_badtext, str: _dump_str, list: _dump_array,
    tuple: _dump_array, dict: _dump_map, FrozenDict: _dump_map,
    CBORTag: _dump_tag,
}


def _dump(v, sort):
    f = _DUMP.get(type(v))   # exact types only: bool is not int here
    if f is None:
        raise TypeError("no dump for %r" % type(v))
    return f(v, sort)


def dump(v):
    """Dump of a Python value as decoded by cbor2 (or generated here), in
    the format of cbor_diff.c: floats as the bits of the double, every NaN
    as "nan", true/false/null/undefined as simple 20..23."""
    return _dump(v, False)


def cdump(v):
    """dump() with map entries in a fixed order: for comparing values."""
    return _dump(v, True)


def same(a, b):
    """Type-strict, NaN-aware equality, map order ignored: 1 is neither
    1.0 nor True, b"a" is not "a", every NaN equals every NaN."""
    return cdump(a) == cdump(b)


def parse_dump(s):
    """obol's dump back into a tree of (name, args) tuples."""
    tokens = re.findall(r"\(|\)|[^\s()]+", s)
    pos = 0

    def node():
        nonlocal pos
        assert tokens[pos] == "("
        name = tokens[pos + 1]
        pos += 2
        args = []
        while tokens[pos] != ")":
            if tokens[pos] == "(":
                args.append(node())
            else:
                args.append(tokens[pos])
                pos += 1
        pos += 1
        return (name, args)

    tree = node()
    if pos != len(tokens):
        raise ValueError("junk after dump")
    return tree


def to_py(node, immutable=False):
    """What cbor2 would build from obol's tree (dict: later keys win)."""
    name, args = node
    if name == "uint":
        return int(args[0])
    if name == "nint":
        return -1 - int(args[0])
    if name in ("bstr", "tstr"):
        b = bytes.fromhex(args[0]) if args else b""
        return b if name == "bstr" else b.decode("utf-8")
    if name == "float":
        if args[0] == "nan":
            return float("nan")
        return struct.unpack(">d", bytes.fromhex(args[0]))[0]
    if name == "simple":
        n = int(args[0])
        return {20: False, 21: True, 22: None, 23: undefined}.get(
            n, CBORSimpleValue(n) if n < 20 or n > 31 else None)
    if name == "array":
        items = [to_py(x, immutable) for x in args]
        return tuple(items) if immutable else items
    if name == "map":
        d = {}
        for i in range(0, len(args), 2):
            # cbor2 keeps the whole key subtree immutable, values too.
            d[to_py(args[i], True)] = to_py(args[i + 1], immutable)
        return FrozenDict(d) if immutable else d
    if name == "tag":
        return CBORTag(int(args[0]), to_py(args[1], immutable))
    raise ValueError("unknown dump node %r" % name)


def dump_tags(node, out):
    name, args = node
    if name == "tag":
        out.add(int(args[0]))
    for a in args:
        if isinstance(a, tuple):
            dump_tags(a, out)
    return out


# ---------------------------------------------------------------------------
# Generator

INT_EDGES = [0, 1, 10, 23, 24, 25, 254, 255, 256, 257, 65534, 65535, 65536,
             65537, 2**31 - 1, 2**31, 2**32 - 2, 2**32 - 1, 2**32, 2**32 + 1,
             2**53, 2**63 - 1, 2**63, 2**64 - 2, 2**64 - 1]
LEN_EDGES = [0, 1, 2, 22, 23, 24, 25, 254, 255, 256, 257]
FLOAT_EDGES = [0.0, -0.0, float("inf"), float("-inf"), float("nan"), 1.0,
               -1.0, 1.5, 65504.0, -65504.0, 65505.0, 65520.0, 2.0**-24,
               -2.0**-24, 2.0**-25, 2.0**-14, 2.0**-15, 1 + 2.0**-10,
               1 + 2.0**-11, 1 + 2.0**-23, 1 + 2.0**-24, 2.0**-149,
               2.0**-150, 2.0**-126, 2.0**-127, 3.4028234663852886e38,
               3.4028235677973366e38, 1.7976931348623157e308, 5e-324,
               2.2250738585072014e-308, 0.1, 1.0 / 3, 100000.0, 2.0**128,
               2.0**127, 2.0**15, 2.0**16, 4096.5]
INTERESTING = [0x00, 0x17, 0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1f, 0x20, 0x3f,
               0x40, 0x5f, 0x60, 0x7f, 0x80, 0x9f, 0xa0, 0xbf, 0xc0, 0xc2,
               0xd8, 0xdb, 0xdf, 0xe0, 0xf4, 0xf7, 0xf8, 0xf9, 0xfa, 0xfb,
               0xfc, 0xff]
SIMPLES = list(range(0, 20)) + list(range(32, 256))
ASCII7 = bytes(i & 0x7f for i in range(256))
TEXT_WIDTHS = [1, 1, 2, 3, 4]
TEXT_RANGES = {1: (0, 0x7f), 2: (0x80, 0x7ff), 3: (0x800, 0xffff),
               4: (0x10000, 0x10ffff)}


class Gen:
    def __init__(self, rng):
        self.r = rng
        self.budget = 0

    def uint(self):
        r = self.r
        c = r.randrange(8)
        if c == 0:
            return r.choice(INT_EDGES)
        lo, hi = [(0, 23), (24, 255), (256, 65535), (65536, 2**32 - 1),
                  (2**32, 2**64 - 1), (0, 10), (2**63, 2**64 - 1)][c - 1]
        return r.randint(lo, hi)

    def int_(self):
        n = self.uint()
        return n if self.r.random() < 0.55 else -1 - n

    def length(self, cap=300):
        r = self.r
        c = r.random()
        if c < 0.5:
            n = r.randint(0, 12)
        elif c < 0.85:
            n = r.choice(LEN_EDGES)
        else:
            n = r.randint(0, 300)
        return min(n, cap)

    def text(self, nbytes):
        """A str of exactly nbytes bytes of UTF-8, often not ASCII."""
        r = self.r
        if r.random() < 0.3:  # ASCII only, control characters included
            return r.randbytes(nbytes).translate(ASCII7).decode("ascii")
        out = []
        left = nbytes
        rnd = r.random
        while left > 0:
            w = min(TEXT_WIDTHS[int(rnd() * len(TEXT_WIDTHS))], left)
            lo, hi = TEXT_RANGES[w]
            cp = lo + int(rnd() * (hi - lo + 1))
            if 0xd800 <= cp <= 0xdfff:   # surrogates are not text
                cp = 0x20ac
            elif w == 4 and rnd() < 0.3:
                cp = (0x10000, 0x1f600, 0x1d11e, 0x10ffff)[int(rnd() * 4)]
            out.append(chr(cp))
            left -= w
        s = "".join(out)
        assert len(s.encode("utf-8")) == nbytes
        return s

    def float_(self):
        r = self.r
        c = r.randrange(8)
        if c == 0:
            return r.choice(FLOAT_EDGES)
        if c == 1:  # any finite half, subnormals included
            bits = r.getrandbits(16)
            if (bits >> 10) & 0x1f == 0x1f:
                bits &= ~0x4000
            return struct.unpack(">e", bits.to_bytes(2, "big"))[0]
        if c == 2:  # half subnormal
            bits = r.getrandbits(1) << 15 | r.randint(1, 0x3ff)
            return struct.unpack(">e", bits.to_bytes(2, "big"))[0]
        if c == 3:  # any finite single
            bits = r.getrandbits(32)
            if (bits >> 23) & 0xff == 0xff:
                bits &= ~0x40000000
            return struct.unpack(">f", bits.to_bytes(4, "big"))[0]
        if c == 4:  # single subnormal
            bits = r.getrandbits(1) << 31 | r.randint(1, 0x7fffff)
            return struct.unpack(">f", bits.to_bytes(4, "big"))[0]
        if c == 5:  # any finite double
            bits = r.getrandbits(64)
            if (bits >> 52) & 0x7ff == 0x7ff:
                bits &= ~(1 << 62)
            return struct.unpack(">d", bits.to_bytes(8, "big"))[0]
        if c == 6:  # double subnormal or tiny
            bits = r.getrandbits(1) << 63 | r.randint(1, 2**52 - 1)
            return struct.unpack(">d", bits.to_bytes(8, "big"))[0]
        return float(r.randint(-70000, 70000)) / r.choice([1, 2, 4, 1024, 3])

    def tag_number(self):
        r = self.r
        while True:
            c = r.randrange(5)
            n = [r.randint(6, 23), r.randint(24, 255), r.randint(256, 65535),
                 r.randint(65536, 2**32 - 1), r.randint(2**32, 2**64 - 1)][c]
            if n not in SEMANTIC_TAGS:
                return n

    def key(self, keys):
        r = self.r
        while True:
            c = r.random()
            if c < 0.45:
                k = self.int_() if r.random() < 0.5 else r.randint(-30, 30)
            elif c < 0.9:
                k = self.text(r.choice([0, 1, 2, 3, 5, 8, 23, 24, 30]))
            else:
                k = r.randbytes(r.randint(0, 5))
            if k not in keys:
                return k

    def size(self):
        r = self.r
        c = r.random()
        if c < 0.75:
            return r.randint(0, 4)
        if c < 0.93:
            return r.randint(5, 12)
        if c < 0.995:
            return r.randint(22, 26)
        return r.randint(250, 260)

    def scalar(self):
        r = self.r
        c = r.randrange(100)
        if c < 16:
            return self.uint()
        if c < 30:
            return -1 - self.uint()
        if c < 42:
            return r.randbytes(self.length())
        if c < 58:
            return self.text(self.length())
        if c < 78:
            return self.float_()
        if c < 86:
            return CBORSimpleValue(r.choice(SIMPLES))
        return r.choice([True, False, None, undefined])

    def item(self, level):
        r = self.r
        self.budget -= 1
        if level >= MAX_LEVEL or self.budget <= 0 or r.random() < 0.45:
            return self.scalar()
        c = r.randrange(10)
        if c < 4:
            return [self.item(level + 1) for _ in range(self.size())]
        if c < 8:
            d = {}
            for _ in range(self.size() if r.random() < 0.7 else r.randint(0, 3)):
                d[self.key(d)] = self.item(level + 1)
            if d and r.random() < 0.3:  # some maps already in 4.2.1 order
                d = dict(sorted(d.items(), key=lambda kv: enc_det(kv[0])))
            return d
        return CBORTag(self.tag_number(), self.item(level + 1))

    def top(self):
        self.budget = self.r.choice([1, 3, 8, 20, 40, 80])
        return self.item(0)

    def bad_text(self):
        """Text bytes that are not UTF-8, at a random place in good text."""
        r = self.r
        bad = r.choice([b"\x80", b"\xbf", b"\xc3", b"\xc3\x28", b"\xc0\x80",
                        b"\xe0\x80\x80", b"\xed\xa0\x80", b"\xf4\x90\x80\x80",
                        b"\xf8\x88\x80\x80\x80", b"\xff", b"\xfe",
                        b"\xe2\x82", b"\xf0\x9f\x98"])
        pre = self.text(r.randint(0, 30)).encode("utf-8")
        post = self.text(r.choice([0, 0, 1, 5, 30])).encode("utf-8")
        return BadText(pre + bad + post)


def contains(v, pred):
    if pred(v):
        return True
    if isinstance(v, CBORSimpleValue):  # a tuple subclass: not a container
        return False
    if isinstance(v, (list, tuple)):
        return any(contains(x, pred) for x in v)
    if isinstance(v, dict):
        return any(contains(k, pred) or contains(x, pred) for k, x in v.items())
    if isinstance(v, CBORTag):
        return contains(v.value, pred)
    return False


def has_head(v):
    """v has a head that enc_var can widen (argument below 2^32)."""
    def widenable(x):
        if isinstance(x, (bool, float, CBORSimpleValue)):
            return False
        if isinstance(x, int):
            return (x if x >= 0 else -1 - x) < 2**32
        if isinstance(x, CBORTag):
            return x.tag < 2**32
        return isinstance(x, (bytes, str, list, dict))
    return contains(v, widenable)


def make_item(gen, rng):
    """One test item: dict with kind, value, input bytes a, det bytes b."""
    r = rng.random()
    if r < 0.10:
        kind = "indef"
    elif r < 0.16:
        kind = "wide"
    elif r < 0.18:
        kind = "dup"
    elif r < 0.20:
        kind = "badutf8"
    else:
        kind = "plain"
    if kind == "dup":
        # A map with one key twice (values may differ): well-formed,
        # refused by strict mode; cbor2 keeps the last value.
        keys = []
        for _ in range(rng.randint(1, 5)):
            keys.append(gen.key(keys))
        keys.insert(rng.randint(1, len(keys)), rng.choice(keys))
        body = b"".join(enc_det(k) + enc_det(gen.scalar()) for k in keys)
        a = head(5, len(keys)) + body
        if rng.random() < 0.5:
            a = head(4, 2) + enc_det(gen.scalar()) + a
        return {"kind": kind, "v": None, "a": a, "b": None}
    v = gen.top()
    if kind == "badutf8":
        v = [gen.scalar(), gen.bad_text()] if rng.random() < 0.5 else \
            {gen.key({}): gen.bad_text()}
        return {"kind": kind, "v": v, "a": enc_det(v), "b": enc_det(v)}
    if kind == "plain":
        return {"kind": kind, "v": v, "a": cbor2.dumps(v), "b": enc_det(v)}
    if kind == "indef" and not contains(
            v, lambda x: isinstance(x, (bytes, str, list, dict))):
        v = [v]
    if kind == "wide" and not has_head(v):
        v = [v]
    for attempt in range(20):
        a = enc_var(v, rng, kind, 0.5 if attempt < 10 else 1.0)
        w = Walk(a)
        if (kind == "indef" and w.indefinite) or (kind == "wide" and w.wide):
            break
    else:
        raise AssertionError("could not make a %s encoding of %r" % (kind, v))
    return {"kind": kind, "v": v, "a": a, "b": enc_det(v)}


def mutate(b, rng):
    b = bytearray(b)
    for _ in range(rng.choice([1, 1, 1, 2, 3])):
        op = rng.randrange(8)
        pos = rng.randrange(len(b)) if b else 0
        if op == 0 and b:
            b[pos] = rng.getrandbits(8)
        elif op == 1 and b:
            b[pos] ^= 1 << rng.randrange(8)
        elif op == 2 and b:
            b[pos] = rng.choice(INTERESTING)
        elif op == 3:
            del b[rng.randrange(len(b) + 1):]
        elif op == 4:
            b[pos:pos] = bytes(rng.choice([rng.getrandbits(8), rng.choice(INTERESTING)])
                               for _ in range(rng.randint(1, 3)))
        elif op == 5 and b:
            del b[pos:pos + rng.randint(1, 3)]
        elif op == 6:
            b += bytes(rng.getrandbits(8) for _ in range(rng.randint(1, 3)))
        elif b:
            b[pos] = rng.choice(INTERESTING)
    return bytes(b)


# ---------------------------------------------------------------------------
# Mutation rules: where obol and cbor2 5.4.6 may disagree, and why. Each
# rule confirms itself on the evidence of the case.

def cbor2_consumed(b):
    """How many bytes cbor2 reads for one item (it ignores the rest)."""
    fp = io.BytesIO(b)
    CBORDecoder(fp).decode()
    return fp.tell()


def find_in(v, pred):
    if pred(v):
        return True
    if isinstance(v, CBORSimpleValue):
        return False
    if isinstance(v, (list, tuple)):
        return any(find_in(x, pred) for x in v)
    if isinstance(v, (dict, FrozenDict)):
        return any(find_in(k, pred) or find_in(x, pred) for k, x in v.items())
    if isinstance(v, CBORTag):
        return find_in(v.value, pred)
    return False


RULES = {
    "simple-lt-32": "RFC 8949 3.3: f8 00..f8 1f are not well-formed; cbor2 "
                    "(RFC 7049 reading) returns CBORSimpleValue. obol says "
                    "BAD_SIMPLE at an f8 whose next byte is < 32, and cbor2's "
                    "result holds that simple value",
    "trailing": "cbor2.loads reads one item and ignores what follows; obol "
                "says TRAILING at exactly the offset where cbor2 stopped",
    "stray-break": "cbor2 returns a 'break' (ff) where no break may be "
                   "(outside an indefinite container, or in the value place "
                   "of an indefinite map) as a data item (break_marker) "
                   "instead of failing; obol says BAD_BREAK or MAP_ODD at "
                   "an ff byte and cbor2's result holds break_marker",
    "depth": "obol refuses nesting deeper than OBOL_CBOR_MAX_DEPTH; cbor2 "
             "has no such limit",
    "utf8": "non-strict obol does not check UTF-8 (only OBOL_CBOR_STRICT "
            "does); cbor2 raises UnicodeDecodeError, and with "
            "str_errors='replace' it accepts the input",
    "semantic-tag": "cbor2 interprets some tags (bignums, dates, shared "
                    "refs, ...) and raises on payloads it cannot use; obol's "
                    "decode shows one of those tags",
}


def classify(b, res, loads_exc):
    """Name of the rule that explains a verdict disagreement, or None."""
    code, off = res["v0"]
    if code != OK:  # obol refuses, cbor2 accepts
        try:
            val = cbor2.loads(b)
        except Exception:
            return None
        if code == E["OBOL_ERR_CBOR_BAD_SIMPLE"] and off + 1 < len(b) \
                and b[off] == 0xf8 and b[off + 1] < 32 \
                and find_in(val, lambda x: isinstance(x, CBORSimpleValue)
                            and x.value == b[off + 1]):
            return "simple-lt-32"
        if code == E["OBOL_ERR_CBOR_TRAILING"] and cbor2_consumed(b) == off:
            return "trailing"
        if code in (E["OBOL_ERR_CBOR_BAD_BREAK"], E["OBOL_ERR_CBOR_MAP_ODD"]) \
                and off < len(b) \
                and b[off] == 0xff and find_in(val, lambda x: x is break_marker):
            return "stray-break"
        if code == E["OBOL_ERR_CBOR_TOO_DEEP"]:
            return "depth"
        return None
    # obol accepts, cbor2 refuses
    if isinstance(loads_exc, UnicodeDecodeError):
        try:
            cbor2.loads(b, str_errors="replace")
            return "utf8"
        except Exception as exc:
            loads_exc = exc
    if res["dump"] != "-":
        tags = dump_tags(parse_dump(res["dump"]), set())
        if tags & SEMANTIC_TAGS:
            return "semantic-tag"
    return None


# ---------------------------------------------------------------------------

def run_harness(exe, lines, box):
    """Run the C harness on all inputs; box["results"] or box["error"]."""
    data = "".join(b.hex() + "\n" for b in lines).encode()
    try:
        p = subprocess.run([exe], input=data, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, timeout=600)
    except (OSError, subprocess.TimeoutExpired) as exc:
        box["error"] = "cannot run %s: %s" % (exe, exc)
        return
    err = p.stderr.decode(errors="replace")[-2000:]
    if p.returncode != 0:
        box["error"] = "harness exit status %d\n%s" % (p.returncode, err)
        return
    out = p.stdout.decode().split("\n")
    if out and out[-1] == "":
        out.pop()
    if len(out) != len(lines):
        box["error"] = "harness gave %d result lines for %d inputs\n%s" % (
            len(out), len(lines), err)
        return

    def code(s):
        c, o = s.split("@")
        return int(c), int(o)
    results = []
    for line in out:
        f = line.split("\t")
        if len(f) != 9 or f[0] != "R":
            box["error"] = "bad harness line: %r" % line[:200]
            return
        results.append({"v0": code(f[1]), "vs": code(f[2]), "vd": code(f[3]),
                        "dec": code(f[4])[0], "enc": f[5], "notes": f[6],
                        "info": f[7], "dump": f[8]})
    box["results"] = results


def floats_in(v, out):
    if isinstance(v, float):
        out.append(v)
    elif isinstance(v, (list, tuple)) and not isinstance(v, CBORSimpleValue):
        for x in v:
            floats_in(x, out)
    elif isinstance(v, dict):
        for x in v.values():
            floats_in(x, out)
    elif isinstance(v, CBORTag):
        floats_in(v.value, out)
    return out


class Report:
    def __init__(self, verbose):
        self.verbose = verbose
        self.fail = 0
        self.shown = 0
        self.checks = {}
        self.counts = {}

    def count(self, what, n=1):
        self.counts[what] = self.counts.get(what, 0) + n

    def check(self, name, ok, b, detail):
        c = self.checks.setdefault(name, [0, 0])
        c[0 if ok else 1] += 1
        if not ok:
            self.fail += 1
            if self.shown < 10 or self.verbose:
                self.shown += 1
                print("MISMATCH [%s] input %s" % (name, b.hex()))
                for line in detail():
                    print("    " + line)
        return ok


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("harness", help="path of the obol_cbor_diff program")
    ap.add_argument("--count", type=int, default=10000,
                    help="random items to generate (default 10000)")
    ap.add_argument("--seed", type=int, default=8949)
    ap.add_argument("--mutations", type=int, default=None,
                    help="mutated inputs (default max(1000, count / 5))")
    ap.add_argument("--verbose", action="store_true",
                    help="show every mismatch, and the rule examples")
    args = ap.parse_args()
    nmut = args.mutations if args.mutations is not None \
        else max(1000, args.count // 5)
    t0 = time.time()
    rng = __import__("random").Random(args.seed)
    gen = Gen(rng)
    rep = Report(args.verbose)

    # ---- items
    items = [make_item(gen, rng) for _ in range(args.count)]
    lines = []      # (bytes, item, role) sent to the harness
    for it in items:
        rep.count("items: " + it["kind"])
        lines.append((it["a"], it, "a"))
        if it["b"] is not None and it["b"] != it["a"]:
            lines.append((it["b"], it, "b"))

    # ---- mutations of valid inputs (short ones: quicker to explain)
    pool = [it["a"] for it in items if len(it["a"]) <= 200]
    muts = []
    while len(muts) < nmut and pool:
        src = rng.choice(pool)
        m = mutate(src, rng)
        if m != src:
            muts.append(m)
    # Nesting right at and past the limit (levels count from 0).
    depth_cases = []
    for opener in (b"\x81", b"\xa1\x00", b"\xc9", b"\x9f"):
        for lvl in (16, 17):
            tail = b"\xff" * lvl if opener == b"\x9f" else b""
            depth_cases.append((opener * lvl + b"\x00" + tail, lvl))

    t_gen = time.time()
    all_bytes = [b for b, _, _ in lines] + muts + [b for b, _ in depth_cases]
    if os.environ.get("CBOR_DIFF_SAVE"):  # for profiling the harness alone
        with open(os.environ["CBOR_DIFF_SAVE"], "w") as f:
            f.write("".join(b.hex() + "\n" for b in all_bytes))
    # obol works in a thread (waiting on the pipe) while cbor2 and the
    # walker work out what it should say.
    box = {}
    worker = threading.Thread(target=run_harness,
                              args=(args.harness, all_bytes, box))
    worker.start()

    expected = []
    for b, it, role in lines:
        w = Walk(b)   # the inputs are well-formed by construction
        raised = None
        if it["kind"] == "badutf8":
            # cbor2 cannot return text that is not UTF-8: compare with
            # the generated value instead.
            try:
                cbor2.loads(b)
            except Exception as exc:
                raised = exc
            want = dump(it["v"])
        else:
            try:
                want = dump(cbor2.loads(b))
            except Exception as exc:
                want = "cbor2 raised %r" % (exc,)
        expected.append((w, w.expect(False), w.expect(True), want, raised))
    mut_cbor2 = []
    for b in muts:
        try:
            mut_cbor2.append((cbor2.loads(b), None))
        except Exception as e:  # MemoryError included: cbor2 refused
            mut_cbor2.append((None, e))
    cbor2_canon_float_diff = []
    for it in items:
        # Information only: cbor2's canonical float choice vs 4.2.1.
        if it["kind"] == "plain":
            for x in floats_in(it["v"], []):
                if cbor2.dumps(x, canonical=True) != float_forms(x)[0]:
                    cbor2_canon_float_diff.append(x)

    worker.join()
    t_run = time.time()
    if "error" in box:
        print("cbor_diff: FAIL: " + box["error"])
        return 1
    results = box["results"]
    res_lines = results[:len(lines)]
    res_muts = results[len(lines):len(lines) + len(muts)]
    res_depth = results[len(lines) + len(muts):]

    enc_by_item = {}
    for (b, it, role), res, (w, exp_s, exp_d, want, raised) in zip(
            lines, res_lines, expected):
        kind = it["kind"]
        if role == "a":
            rep.count("maps", w.maps)
            rep.count("maps out of bytewise key order", w.maps_unordered)
            rep.count("floats", w.floats)
            rep.count("indefinite-length heads", w.indefinite)
            rep.count("non-shortest heads", w.wide)
        for i in res["info"].split(";") if res["info"] != "-" else []:
            rep.count("obol info: " + i)
        rep.check("harness-consistency", res["notes"] == "-", b,
                  lambda: ["notes: " + res["notes"]])
        rep.check("validate-nonstrict", res["v0"][0] == OK, b,
                  lambda: ["obol %s@%d, want OK" % (ename(res["v0"][0]), res["v0"][1])])
        for key, exp, name in (("vs", exp_s, "validate-strict"),
                               ("vd", exp_d, "validate-deterministic")):
            c, o = res[key]
            if exp and verdict_ok(exp, c, o):
                rep.count("%s refusals: %s" % (name.split("-")[1], ename(c)))
            rep.check(name + "-" + ("accept" if not exp else "refuse"),
                      verdict_ok(exp, c, o), b,
                      lambda: ["obol %s@%d, want %s" % (ename(c), o,
                                                        describe_expect(exp)),
                               "kind %s, line (%s)" % (kind, role)])
        if kind == "badutf8":
            rep.check("cbor2-refuses-bad-utf8",
                      isinstance(raised, UnicodeDecodeError), b,
                      lambda: ["cbor2 gave %r" % (raised,)])
        if kind == "dup":
            # cbor2 keeps the last value of a key: compare as dicts.
            ok = res["dump"] != "-" and \
                same(to_py(parse_dump(res["dump"])), cbor2.loads(b))
            rep.check("decode-vs-cbor2", ok, b,
                      lambda: ["obol  " + res["dump"][:600], "cbor2 " + want[:600]])
            continue
        rep.check("decode-vs-cbor2", res["dump"] == want, b,
                  lambda: ["obol  " + res["dump"][:600], "cbor2 " + want[:600]])
        rep.check("reencode-is-deterministic", res["enc"] == it["b"].hex(), b,
                  lambda: ["obol " + res["enc"][:600], "want " + it["b"].hex()[:600]])
        if role == "a":
            enc_by_item[id(it)] = res["enc"]
    # Round trip: cbor2 reads obol's encoding back as the generated value.
    for it in items:
        if it["kind"] in ("dup", "badutf8"):
            continue
        enc = enc_by_item.get(id(it))
        try:
            back = None
            if enc is not None and not enc.startswith("err"):
                back = cbor2.loads(bytes.fromhex(enc))
            ok = enc is not None and same(back, it["v"])
        except Exception as exc:
            ok, back = False, exc
        rep.check("cbor2-reads-back-original", ok, it["a"],
                  lambda: ["obol encoding " + str(enc)[:600],
                           "cbor2 read   " + repr(back)[:600],
                           "original     " + repr(it["v"])[:600]])

    # ---- mutations
    rule_hits = {name: 0 for name in RULES}
    rule_examples = {}
    for b, res, (val, exc) in zip(muts, res_muts, mut_cbor2):
        rep.count("mutations")
        for i in res["info"].split(";") if res["info"] != "-" else []:
            rep.count("obol info (mutations): " + i)
        rep.check("mutation-harness-consistency", res["notes"] == "-", b,
                  lambda: ["notes: " + res["notes"]])
        code, off = res["v0"]
        rep.check("mutation-error-class",
                  code == OK or -31 <= code <= -16 or code in (
                      E["OBOL_ERR_CBOR_TOO_DEEP"], E.get("OBOL_ERR_CBOR_TOO_LONG")), b,
                  lambda: ["non-strict validate gave %s" % ename(code)])
        obol_ok, cbor_ok = code == OK, exc is None
        if obol_ok and cbor_ok:
            rep.count("mutations: both accept")
            tags = dump_tags(parse_dump(res["dump"]), set())
            if tags & SEMANTIC_TAGS:
                rep.count("mutations: both accept, cbor2 transformed a tag")
                continue
            mine = to_py(parse_dump(res["dump"]))
            rep.check("mutation-data-agrees", same(mine, val), b,
                      lambda: ["obol  " + res["dump"][:600],
                               "cbor2 " + repr(val)[:600]])
        elif not obol_ok and not cbor_ok:
            rep.count("mutations: both refuse")
        else:
            rule = classify(b, res, exc)
            if rule is not None:
                rule_hits[rule] += 1
                rule_examples.setdefault(rule, b)
            rep.check("mutation-verdict", rule is not None, b,
                      lambda: ["obol %s@%d, cbor2 %s" % (
                          ename(code), off,
                          "accepts %r" % (val,) if cbor_ok else "raises %r" % (exc,)),
                          "obol dump " + res["dump"][:600]])

    # ---- nesting limit
    for (b, lvl), res in zip(depth_cases, res_depth):
        for i in res["info"].split(";") if res["info"] != "-" else []:
            rep.count("obol info (nesting limit): " + i)
        # cbor2 has no depth limit: where obol refuses, that is the
        # "depth" rule (counted with the mutations' rules).
        if res["v0"][0] != OK:
            rule = classify(b, res, None)
            if rule is not None:
                rule_hits[rule] += 1
                rule_examples.setdefault(rule, b)
        want = OK if lvl <= 16 else E["OBOL_ERR_CBOR_TOO_DEEP"]
        rep.check("nesting-limit", res["v0"][0] == want and res["notes"] == "-", b,
                  lambda: ["items at level %d: obol %s, want %s; notes %s"
                           % (lvl, ename(res["v0"][0]), ename(want), res["notes"])])

    # ---- summary
    t_end = time.time()
    print("cbor_diff: cbor2 %s, seed %d, %d items, %d harness lines, "
          "%.2fs (generate %.2fs, cbor2 and obol side by side %.2fs, "
          "compare %.2fs; cpu: python %.2fs, obol harness %.2fs)"
          % (CBOR2_VERSION, args.seed, len(items), len(all_bytes), t_end - t0,
             t_gen - t0, t_run - t_gen, t_end - t_run, time.process_time(),
             resource.getrusage(resource.RUSAGE_CHILDREN).ru_utime))
    for k in sorted(rep.counts):
        print("  %-48s %d" % (k, rep.counts[k]))
    print("  checks (pass / fail):")
    for k in sorted(rep.checks):
        print("    %-46s %d / %d" % (k, rep.checks[k][0], rep.checks[k][1]))
    print("  documented obol/cbor2 differences in mutations (rule: count):")
    for k in RULES:
        ex = rule_examples.get(k)
        print("    %-14s %5d%s" % (k, rule_hits[k],
                                   "  e.g. " + ex.hex()[:40] if ex else ""))
        if args.verbose:
            print("        " + RULES[k])
    if cbor2_canon_float_diff:
        x = cbor2_canon_float_diff[0]
        print("  note: cbor2 canonical=True float is not the 4.2.1 shortest "
              "form for %d floats (not used here), e.g. %r: cbor2 %s, 4.2.1 %s"
              % (len(cbor2_canon_float_diff), x,
                 cbor2.dumps(x, canonical=True).hex(), float_forms(x)[0].hex()))
    if CBOR2_VERSION != "5.4.6":
        print("  note: the rules above were worked out with cbor2 5.4.6; "
              "this is %s" % CBOR2_VERSION)
    if rep.fail:
        print("cbor_diff: FAIL: %d mismatches" % rep.fail)
        return 1
    print("cbor_diff: OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
