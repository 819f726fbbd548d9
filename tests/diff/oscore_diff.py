#!/usr/bin/python3
"""Differential test of obol's OSCORE (RFC 8613) against a Python reference.

    /usr/bin/python3 oscore_diff.py PATH/TO/obol_oscore_diff [--pairs N]
                     [--seed S] [--verbose]

Needs Debian's python3-cryptography (HKDF, AES-CCM) and python3-cbor2 (only
to cross-check the hand-made CBOR of the self-test): run it with
/usr/bin/python3. Without either it fails; it never skips.

The reference below is written from RFC 8613 alone (and RFC 7252 section 3
for the CoAP codec); it shares no code with obol. Before anything else it
checks itself against the test vectors of RFC 8613 Appendix C.1-C.8
(transcribed below, section by section) and stops with status 1 if any
value differs.

What it does (STYLE.md section 6, "a second, independent implementation"):

1. Generates --pairs random exchanges in each direction (random.Random(seed),
   nothing global). An exchange is a security context (master secret 16-32
   bytes, salt absent or 0-16 bytes, distinct Sender/Recipient IDs of 0-7
   bytes, ID Context absent or 0-8 bytes, AEAD 10 or 30), a request (GET,
   POST, PUT, DELETE, FETCH; CON or NON; token 0-8 bytes; Uri-Host,
   Uri-Port, Uri-Path, Uri-Query, Content-Format, Accept, ETag, If-Match,
   If-None-Match, Observe on GET/FETCH, Proxy-Scheme, Echo, Request-Tag,
   Block/Size, No-Response, unknown options with values up to 300 bytes;
   payload 0-200 bytes), a response (2.01..5.00; Content-Format, Max-Age,
   ETag, Location-Path/-Query, Observe when the request had it,
   Block2/Size2, Echo, unknown options; payload 0-200 bytes, with or
   without a Partial IV) and random Sender Sequence Numbers (1- to 5-byte
   Partial IVs, up to 2^40 - 1). The "gen:" lines of the summary count
   what was exercised.
     (a) "obol protects": the harness protects the request (client) and
         the response (server) with an SSN set by the script; the Python
         side protects the same inputs with the same SSN. AES-CCM is
         deterministic, so the two protected datagrams must be IDENTICAL,
         byte for byte. Where RFC 8613 lets the sender choose (which
         options also go outside, Partial IVs in notifications, 'kid
         context'), the reference makes obol's documented choice, each
         allowed by the RFC: see POLICY below. The Python side then
         unprotects obol's datagrams and must get the original message
         back (header, token, code, options as a sorted multiset,
         payload), up to 4.1.3.5.2 (a notification's inner Observe is
         empty): see expected_plain(). The SSN afterwards is checked too.
     (b) "Python protects": the Python side protects (also sending first
         notifications without a Partial IV, which the RFC allows); obol
         unprotects (as server, then as client) and must return exactly
         the bytes of the Python side's own unprotect, which are the
         original message up to the same rule. Byte equality here rests on
         RFC 7252 3.1 being canonical: for a given list of options sorted
         by number (repeats kept in order) there is exactly one encoding,
         since a delta or length below 13 cannot use the 13/14 forms (the
         extended value would be negative) and one of 13..268 cannot use
         the 14 form; and the plain message's options never repeat a
         number across the inner and outer sets (8.2 step 1 drops the
         outer Class E ones). Option VALUES are opaque bytes and carried
         as they are (a non-minimal uint stays non-minimal).
   The harness also checks, on copies of the context, that a buffer one
   byte short gives OBOL_ERR_NO_SPACE without writing past its end and
   without spending an SSN or a replay window entry (see oscore_diff.c).
2. Negative cases (well over 200 for 1000 pairs): tampered ciphertext,
   Partial IV (changed, padded with a zero byte, dropped), kid, kid
   context, flag bits, n = 6/7, missing option / kid / payload, a repeated
   OSCORE option, a ciphertext shorter than the tag, well-encrypted but
   malformed inner messages, a wrong context (other secret, salt,
   algorithm, ID Context), wrong response bindings, replays, and outer
   CoAP errors. The reference classifies each (RFC 8613 8.2, 8.4 and the
   check order documented in oscore.h; where the RFC does not fix the
   code, the comment at the check says what was chosen and why) and obol
   must return the same error code; for each refused request obol's
   unprotected error response (8.2) is checked too. Unprotected fields an
   attacker may change (outer code, Class U options, Class E options
   placed outside, header fields) must not make obol refuse, and must
   come out as RFC 8613 8.2/8.4 step 1 says.
3. Replay windows: sequences of Partial IVs against one server context,
   accept/refuse compared with a model of the 32-entry sliding window
   documented in oscore.h.
4. The OSCORE option codec (RFC 8613 6.1): random and mutated values,
   decoded by both sides; obol's encoder must reproduce the bytes.
5. SSN limits (7.2.1: 2^40 - 1 is the last), RFC 8613 4.1.3.5 (a request
   with Observe goes out as FETCH whatever its method), and the argument
   checks that oscore.h documents ("api:" lines).

The summary counts every check (pass / fail). Exit status 0 only when
everything matched; the first mismatches are printed with both views in
hex (all of them with --verbose). Everything goes through ONE harness
process, in one batch: the script knows every input in advance (the
reference computes what obol must answer), so no round trips are needed.
"""

import argparse
import os
import random
import re
import subprocess
import sys
import time

try:
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF
    from cryptography.hazmat.primitives.ciphers.aead import AESCCM
    from cryptography.exceptions import InvalidTag
except ImportError as exc:  # never skip silently
    print("oscore_diff: FAIL: cannot import python3-cryptography (%s); "
          "install the Debian package python3-cryptography and run with "
          "/usr/bin/python3" % exc)
    sys.exit(1)
try:
    import cbor2
except ImportError as exc:  # never skip silently
    print("oscore_diff: FAIL: cannot import cbor2 (%s); install the Debian "
          "package python3-cbor2 and run with /usr/bin/python3" % exc)
    sys.exit(1)

HERE = os.path.dirname(os.path.abspath(__file__))
ERR_H = os.path.join(HERE, "..", "..", "include", "obol", "err.h")


def load_err_codes():
    """enum obol_err from include/obol/err.h: one source of truth."""
    try:
        with open(ERR_H) as f:
            text = f.read()
    except OSError as exc:
        print("oscore_diff: FAIL: cannot read %s: %s" % (ERR_H, exc))
        sys.exit(1)
    codes = {m.group(1).replace("OBOL_ERR_", "").replace("OBOL_", ""):
             int(m.group(2)) for m in
             re.finditer(r"\b(OBOL_(?:OK|ERR_\w+))\s*=\s*(-?\d+)", text)}
    for need in ("OK", "ARG", "NO_SPACE", "OSCORE_OPTION",
                 "OSCORE_NO_CONTEXT", "OSCORE_DECRYPT", "OSCORE_REPLAY",
                 "OSCORE_NOT_OSCORE", "OSCORE_MISMATCH",
                 "OSCORE_SSN_EXHAUSTED", "COAP_TRUNCATED", "COAP_VERSION",
                 "COAP_TOKEN_LEN", "COAP_OPTION", "COAP_RESERVED",
                 "COAP_EMPTY_PAYLOAD", "COAP_EMPTY_MSG"):
        if need not in codes:
            print("oscore_diff: FAIL: OBOL_ERR_%s not found in %s"
                  % (need, ERR_H))
            sys.exit(1)
    return codes


E = load_err_codes()
ERR_NAME = {v: k for k, v in E.items()}


def ename(code):
    return ERR_NAME.get(code, str(code))


# ---------------------------------------------------------------------------
# CoAP (RFC 7252 section 3), written here

TYPE_CON, TYPE_NON, TYPE_ACK, TYPE_RST = 0, 1, 2, 3
GET, POST, PUT, DELETE, FETCH = 1, 2, 3, 4, 5
def CODE(c, dd): return c << 5 | dd
CHANGED, CONTENT = CODE(2, 4), CODE(2, 5)

O_IF_MATCH, O_URI_HOST, O_ETAG, O_IF_NONE_MATCH, O_OBSERVE = 1, 3, 4, 5, 6
O_URI_PORT, O_LOCATION_PATH, O_OSCORE, O_URI_PATH = 7, 8, 9, 11
O_CONTENT_FORMAT, O_MAX_AGE, O_URI_QUERY, O_ACCEPT = 12, 14, 15, 17
O_LOCATION_QUERY, O_BLOCK2, O_BLOCK1, O_SIZE2 = 20, 23, 27, 28
O_PROXY_URI, O_PROXY_SCHEME, O_SIZE1 = 35, 39, 60
O_ECHO, O_NO_RESPONSE, O_REQUEST_TAG = 252, 258, 292


class CoapError(Exception):
    """A datagram that RFC 7252 3 does not allow; .name as in err.h."""

    def __init__(self, name):
        Exception.__init__(self, name)
        self.name = name


class Msg(object):
    """A CoAP message: header fields, token, options (sorted), payload."""

    __slots__ = ("type", "code", "mid", "token", "options", "payload")

    def __init__(self, type_, code, mid, token, options, payload):
        self.type = type_
        self.code = code
        self.mid = mid
        self.token = bytes(token)
        # Stable sort: repeats of a number keep their order (RFC 7252 5.4.5).
        self.options = sorted(((n, bytes(v)) for n, v in options),
                              key=lambda o: o[0])
        self.payload = bytes(payload)

    def key(self):
        """For comparisons: options as a sorted multiset."""
        return (self.type, self.code, self.mid, self.token,
                tuple(sorted(self.options)), self.payload)

    def __eq__(self, other):
        return isinstance(other, Msg) and self.key() == other.key()

    def __ne__(self, other):
        return not self.__eq__(other)

    def view(self):
        return ("type=%d code=%d.%02d mid=%d token=%s opts=[%s] payload=%s"
                % (self.type, self.code >> 5, self.code & 31, self.mid,
                   self.token.hex() or ".",
                   " ".join("%d:%s" % (n, v.hex() or ".")
                            for n, v in self.options),
                   self.payload.hex() or "."))

    def opt(self, num):
        for n, v in self.options:
            if n == num:
                return v
        return None

    def encode(self):
        return (bytes([0x40 | self.type << 4 | len(self.token), self.code,
                       self.mid >> 8, self.mid & 0xff]) + self.token
                + encode_options(self.options)
                + (b"\xff" + self.payload if self.payload else b""))


def _ext(v):
    """Option delta/length nibble and extension (RFC 7252 3.1)."""
    if v < 13:
        return v, b""
    if v < 269:
        return 13, bytes([v - 13])
    return 14, (v - 269).to_bytes(2, "big")


def encode_options(opts):
    out = bytearray()
    last = 0
    for n, v in opts:
        assert n >= last
        dn, dx = _ext(n - last)
        ln, lx = _ext(len(v))
        out += bytes([dn << 4 | ln]) + dx + lx + v
        last = n
    return bytes(out)


def decode_options(buf, pos):
    """Options from pos to the payload marker or the end: (opts, payload).
    Raises CoapError as obol_coap_parse would."""
    opts = []
    num = 0
    end = len(buf)
    while pos < end:
        b = buf[pos]
        if b == 0xff:
            if pos + 1 == end:
                raise CoapError("COAP_EMPTY_PAYLOAD")
            return opts, buf[pos + 1:]
        pos += 1
        vals = []
        for nib in (b >> 4, b & 15):
            if nib == 15:
                raise CoapError("COAP_RESERVED")
            if nib == 13:
                if pos + 1 > end:
                    raise CoapError("COAP_OPTION")
                nib = 13 + buf[pos]
                pos += 1
            elif nib == 14:
                if pos + 2 > end:
                    raise CoapError("COAP_OPTION")
                nib = 269 + (buf[pos] << 8 | buf[pos + 1])
                pos += 2
            vals.append(nib)
        delta, length = vals
        num += delta
        if num > 0xffff or pos + length > end:
            raise CoapError("COAP_OPTION")
        opts.append((num, buf[pos:pos + length]))
        pos += length
    return opts, b""


def coap_decode(buf):
    """Parse one datagram (RFC 7252 3). Checks in the order of coap.h."""
    buf = bytes(buf)
    if len(buf) < 4:
        raise CoapError("COAP_TRUNCATED")
    if buf[0] >> 6 != 1:
        raise CoapError("COAP_VERSION")
    tkl = buf[0] & 15
    if tkl > 8:
        raise CoapError("COAP_TOKEN_LEN")
    if len(buf) < 4 + tkl:
        raise CoapError("COAP_TRUNCATED")
    code = buf[1]
    if code == 0 and len(buf) != 4:
        raise CoapError("COAP_EMPTY_MSG")
    opts, payload = decode_options(buf, 4 + tkl)
    return Msg(buf[0] >> 4 & 3, code, buf[2] << 8 | buf[3], buf[4:4 + tkl],
               opts, payload)


def uint_bytes(v):
    """RFC 7252 3.2 uint option value, shortest form (0 is empty)."""
    return b"" if v == 0 else v.to_bytes((v.bit_length() + 7) // 8, "big")


# ---------------------------------------------------------------------------
# Small CBOR, by hand (RFC 8949 preferred encoding); checked against cbor2
# in the self-test.

def cbor_head(major, arg):
    if arg < 24:
        return bytes([major << 5 | arg])
    for ai, w in ((24, 1), (25, 2), (26, 4), (27, 8)):
        if arg < 1 << (8 * w):
            return bytes([major << 5 | ai]) + arg.to_bytes(w, "big")
    raise ValueError(arg)


def cbor(v):
    if v is None:
        return b"\xf6"
    if isinstance(v, int):
        return cbor_head(0, v) if v >= 0 else cbor_head(1, -1 - v)
    if isinstance(v, bytes):
        return cbor_head(2, len(v)) + v
    if isinstance(v, str):
        b = v.encode()
        return cbor_head(3, len(b)) + b
    if isinstance(v, list):
        return cbor_head(4, len(v)) + b"".join(cbor(x) for x in v)
    raise TypeError(v)


# ---------------------------------------------------------------------------
# OSCORE (RFC 8613), written from the RFC

NONCE_LEN = 13          # both AES-CCM-16-64-128 (10) and -16-128-128 (30)
KEY_LEN = 16
TAG_LEN = {10: 8, 30: 16}
SSN_MAX = (1 << 40) - 1  # RFC 8613 7.2.1
REPLAY_WINDOW = 32       # oscore.h OBOL_OSCORE_REPLAY_WINDOW

# Figure 5 of RFC 8613 4.1. Class U only: stay outside. Options with both
# an E and a U column: Inner always; which ones the sender also copies
# outside is the policy OUTER_COPY below. Everything else (including
# unknown options, 4.1) is Class E. OSCORE (9) is special (4.1.3.7).
CLASS_U_ONLY = frozenset([O_URI_HOST, O_URI_PORT, O_PROXY_URI,
                          O_PROXY_SCHEME])
CLASS_BOTH = frozenset([O_OBSERVE, O_MAX_AGE, O_BLOCK2, O_BLOCK1, O_SIZE2,
                        O_SIZE1, O_NO_RESPONSE])
NO_RESPONSE_ALL = 26     # RFC 7967 2.1: suppress all known codes

# POLICY: where RFC 8613 leaves the sender a choice, the reference makes
# the one obol documents (src/core/oscore_msg.c, top comment), so that the
# protected bytes can be compared exactly. Each is allowed by the RFC:
#  - Observe: Inner and Outer, the Outer one with the original value
#    (4.1.3.5.1 MUST for requests; 4.1.3.5.2 MAY for notifications).
#  - Max-Age: Inner; a message with one also gets an Outer Max-Age of 0
#    (4.1.3.1: "MAY set a Class U Max-Age message field with value
#    zero"; it only stops proxies caching).
#  - No-Response: Inner; Outer too only for the value 26 (4.1.3.6: "The
#    client MAY set the Outer No-Response value to 26 ... if the Inner
#    value is set to 26"; otherwise "SHOULD NOT be present").
#  - Block1/2, Size1/2 of the original message: Inner only (4.1.3.4.1;
#    Outer Block options are what proxies add, 4.1.3.4.2).
#  - 'kid context' sent in every request of a context with an ID Context
#    (5 and 5.1: MAY; C.6 does).
#  - A Partial IV in every response with Observe (8.3.1 / 4.1.3.5.2: only
#    the first notification MAY go without); the "Python protects"
#    direction also sends first notifications without one, which obol
#    must accept.
KIDCTX_IN_REQUEST = True
NOTIF_ALWAYS_PIV = True
# 4.1.3.5.2: "For notifications, the Inner Observe option value MUST be
# empty" (not a choice).
NOTIF_INNER_OBSERVE_EMPTY = True


def outer_copy(num, val):
    """The Outer instance of a "both" option (POLICY above), or None."""
    if num == O_OBSERVE:
        return val
    if num == O_MAX_AGE:
        return b""
    if num == O_NO_RESPONSE and int.from_bytes(val, "big") == \
            NO_RESPONSE_ALL and len(val) <= 4:
        return val
    return None


class OscoreError(Exception):
    """A refusal; .name as in err.h (e.g. OSCORE_DECRYPT)."""

    def __init__(self, name, why=""):
        Exception.__init__(self, "%s (%s)" % (name, why))
        self.name = name
        self.why = why


def hkdf(secret, salt, info, length):
    return HKDF(algorithm=hashes.SHA256(), length=length, salt=salt,
                info=info).derive(secret)


def derive_info(ident, id_context, alg, typ, length):
    """RFC 8613 3.2.1: info = [id, id_context / nil, alg_aead, type, L]."""
    return cbor([ident, id_context, alg, typ, length])


def piv_bytes(ssn):
    """RFC 8613 6.1 / 5: no leading zero bytes; 0 is the byte 0x00."""
    return ssn.to_bytes(max(1, (ssn.bit_length() + 7) // 8), "big")


def make_nonce(common_iv, id_piv, piv):
    """RFC 8613 5.2 (Figure 8)."""
    assert len(id_piv) <= NONCE_LEN - 6 and len(piv) <= 5
    x = (bytes([len(id_piv)]) + bytes(NONCE_LEN - 6 - len(id_piv)) + id_piv
         + bytes(5 - len(piv)) + piv)
    return bytes(a ^ b for a, b in zip(x, common_iv))


def aad(alg, request_kid, request_piv):
    """RFC 8613 5.4: Enc_structure ["Encrypt0", h'', external_aad] with
    external_aad = bstr .cbor [1, [alg], request_kid, request_piv, h'']
    (no Class I options are defined)."""
    aad_array = cbor([1, [alg], request_kid, request_piv, b""])
    return cbor(["Encrypt0", b"", aad_array])


class OptionValue(object):
    """The OSCORE option value, decoded (RFC 8613 6.1). None = absent."""

    __slots__ = ("piv", "kid", "kid_context")

    def __init__(self, piv=None, kid=None, kid_context=None):
        self.piv = piv
        self.kid = kid
        self.kid_context = kid_context

    def encode(self):
        piv = self.piv or b""
        assert len(piv) <= 5
        flags = len(piv)
        tail = b""
        if self.kid_context is not None:
            flags |= 0x10
            tail += bytes([len(self.kid_context)]) + self.kid_context
        if self.kid is not None:
            flags |= 0x08
            tail += self.kid
        if flags == 0:
            return b""   # RFC 8613 2: flags all zero -> empty value
        return bytes([flags]) + piv + tail

    @staticmethod
    def decode(val):
        """Raises OscoreError(OSCORE_OPTION) when malformed."""
        o = OptionValue()
        if len(val) == 0:
            return o
        flags = val[0]
        if flags == 0:
            # RFC 8613 2: "If the OSCORE flag bits are all zero (0x00), the
            # option value SHALL be empty": 0x00 is not a valid encoding.
            raise OscoreError("OSCORE_OPTION", "flags all zero, not empty")
        if flags & 0xe0:
            raise OscoreError("OSCORE_OPTION", "reserved flag bits")
        n = flags & 7
        if n > 5:
            raise OscoreError("OSCORE_OPTION", "n = 6 or 7")
        pos = 1
        if pos + n > len(val):
            raise OscoreError("OSCORE_OPTION", "Partial IV past the end")
        if n:
            o.piv = val[pos:pos + n]
        pos += n
        if flags & 0x10:
            if pos >= len(val):
                raise OscoreError("OSCORE_OPTION", "no kid context length")
            s = val[pos]
            pos += 1
            if pos + s > len(val):
                raise OscoreError("OSCORE_OPTION", "kid context past the end")
            o.kid_context = val[pos:pos + s]
            pos += s
        if flags & 0x08:
            o.kid = val[pos:]
        elif pos != len(val):
            raise OscoreError("OSCORE_OPTION", "bytes after the fields")
        return o


class Binding(object):
    """What binds a response to its request (RFC 8613 5.4, 8.3)."""

    __slots__ = ("kid", "piv", "observe")

    def __init__(self, kid, piv, observe):
        self.kid = kid
        self.piv = piv
        self.observe = observe

    def __eq__(self, other):
        return (self.kid, self.piv, bool(self.observe)) == \
            (other.kid, other.piv, bool(other.observe))

    def view(self):
        return "kid=%s piv=%s observe=%d" % (self.kid.hex() or ".",
                                             self.piv.hex() or ".",
                                             self.observe)


class Context(object):
    """One endpoint's security context (RFC 8613 3)."""

    def __init__(self, secret, salt, sid, rid, id_context, alg):
        if alg not in TAG_LEN:
            raise ValueError("alg")
        self.secret, self.salt = secret, salt
        self.sid, self.rid, self.id_context, self.alg = \
            sid, rid, id_context, alg
        salt_b = salt if salt is not None else b""
        self.sender_key = hkdf(secret, salt_b, derive_info(
            sid, id_context, alg, "Key", KEY_LEN), KEY_LEN)
        self.recipient_key = hkdf(secret, salt_b, derive_info(
            rid, id_context, alg, "Key", KEY_LEN), KEY_LEN)
        self.common_iv = hkdf(secret, salt_b, derive_info(
            b"", id_context, alg, "IV", NONCE_LEN), NONCE_LEN)
        self.ssn = 0
        self.replay_high = None  # initialised and empty (oscore.h)
        self.replay_seen = set()

    def peer(self):
        return Context(self.secret, self.salt, self.rid, self.sid,
                       self.id_context, self.alg)

    def aead(self, key):
        return AESCCM(key, tag_length=TAG_LEN[self.alg])

    # -- replay window (model of oscore.h: 32 Partial IVs below the highest)
    def replay_ok(self, p):
        if self.replay_high is None or p > self.replay_high:
            return True
        return self.replay_high - p < REPLAY_WINDOW and \
            p not in self.replay_seen

    def replay_add(self, p):
        if self.replay_high is None or p > self.replay_high:
            self.replay_high = p
        self.replay_seen.add(p)
        self.replay_seen = set(x for x in self.replay_seen
                               if self.replay_high - x < REPLAY_WINDOW)


def split_options(msg, is_response):
    """Inner and Outer option lists of a message (RFC 8613 4.1)."""
    inner, outer = [], []
    for n, v in msg.options:
        if n == O_OSCORE:
            raise OscoreError("ARG", "OSCORE option in the original "
                              "(4.1.3.7: nested OSCORE is not supported)")
        if n == O_PROXY_URI:
            # 4.1.3.3: the client SHALL first decompose Proxy-Uri. Neither
            # side does that here: obol refuses, and so does this.
            raise OscoreError("ARG", "Proxy-Uri not decomposed (4.1.3.3)")
        if n in CLASS_U_ONLY:
            outer.append((n, v))
            continue
        iv = v
        if n == O_OBSERVE and is_response and NOTIF_INNER_OBSERVE_EMPTY:
            iv = b""
        inner.append((n, iv))
        if n in CLASS_BOTH:
            ov = outer_copy(n, v)
            if ov is not None:
                outer.append((n, ov))
    return inner, outer


def plaintext_of(code, inner, payload):
    """RFC 8613 5.3 (Figure 9)."""
    return (bytes([code]) + encode_options(inner)
            + (b"\xff" + payload if payload else b""))


def _protect(msg, outer_code, outer_opts, optval, key, alg, nonce, a, pt):
    ct = AESCCM(key, tag_length=TAG_LEN[alg]).encrypt(nonce, pt, a)
    out = Msg(msg.type, outer_code, msg.mid, msg.token,
              outer_opts + [(O_OSCORE, optval)], ct)
    return out.encode()


def protect_request(ctx, raw, ssn=None, pt_override=None):
    """RFC 8613 8.1. Returns (datagram, Binding). pt_override: encrypt
    these bytes instead of the plaintext (negative tests only)."""
    msg = coap_decode(raw)
    if not is_request(msg.code):
        raise OscoreError("ARG", "not a request")
    if ssn is None:
        ssn = ctx.ssn
    if ssn > SSN_MAX:
        raise OscoreError("OSCORE_SSN_EXHAUSTED")
    inner, outer = split_options(msg, False)
    ctx.ssn = ssn + 1
    observe = msg.opt(O_OBSERVE) is not None
    # 4.2 / 4.1.3.5: POST, or FETCH for a request with Observe: "for
    # messages with the Observe option, the Outer Code MUST be set to 0.05
    # (FETCH) for requests" (whatever the inner method: POST with Observe
    # is not defined).
    outer_code = FETCH if observe else POST
    piv = piv_bytes(ssn)
    kidctx = ctx.id_context if KIDCTX_IN_REQUEST else None
    optval = OptionValue(piv, ctx.sid, kidctx).encode()
    a = aad(ctx.alg, ctx.sid, piv)
    nonce = make_nonce(ctx.common_iv, ctx.sid, piv)
    pt = plaintext_of(msg.code, inner, msg.payload)
    out = _protect(msg, outer_code, outer, optval, ctx.sender_key, ctx.alg,
                   nonce, a, pt if pt_override is None else pt_override)
    return out, Binding(ctx.sid, piv, observe)


def protect_response(ctx, bind, raw, with_piv, ssn=None,
                     notif_piv=NOTIF_ALWAYS_PIV, pt_override=None):
    """RFC 8613 8.3. with_piv: a fresh Partial IV (step 3, second way);
    notif_piv: always one in a notification (POLICY)."""
    if bind.kid != ctx.rid:
        # obol's API contract (oscore.h): the binding comes from a request
        # of this context, whose kid is our Recipient ID.
        raise OscoreError("OSCORE_MISMATCH", "binding of another context")
    msg = coap_decode(raw)
    if not is_response(msg.code):
        raise OscoreError("ARG", "not a response")
    observe = msg.opt(O_OBSERVE) is not None
    if observe and not bind.observe:
        raise OscoreError("ARG", "Observe answers an Observe request only "
                          "(4.1.3.5.2)")
    inner, outer = split_options(msg, True)
    outer_code = CONTENT if observe else CHANGED
    if observe and notif_piv:
        with_piv = True
    if with_piv:
        if ssn is None:
            ssn = ctx.ssn
        if ssn > SSN_MAX:
            raise OscoreError("OSCORE_SSN_EXHAUSTED")
        ctx.ssn = ssn + 1
        piv = piv_bytes(ssn)
        nonce = make_nonce(ctx.common_iv, ctx.sid, piv)
        optval = OptionValue(piv).encode()
    else:
        nonce = make_nonce(ctx.common_iv, bind.kid, bind.piv)
        optval = b""
    a = aad(ctx.alg, bind.kid, bind.piv)
    pt = plaintext_of(msg.code, inner, msg.payload)
    return _protect(msg, outer_code, outer, optval, ctx.sender_key, ctx.alg,
                    nonce, a, pt if pt_override is None else pt_override)


def is_request(code):
    return code != 0 and code >> 5 == 0


def is_response(code):
    return 2 <= code >> 5 <= 5


def piv_value(piv):
    """A received Partial IV as a number. RFC 8613 5: "All leading bytes
    of value zero SHALL be removed when encoding the Partial IV": one that
    is not so encoded is a COSE object that fails to decode (8.2 step 2)."""
    if piv is None:
        raise OscoreError("OSCORE_OPTION", "no Partial IV")
    if len(piv) > 1 and piv[0] == 0:
        raise OscoreError("OSCORE_OPTION", "Partial IV not minimal")
    return int.from_bytes(piv, "big")


def _oscore_option(msg):
    vals = [v for n, v in msg.options if n == O_OSCORE]
    if not vals:
        raise OscoreError("OSCORE_NOT_OSCORE")
    if len(vals) > 1:
        raise OscoreError("OSCORE_OPTION", "OSCORE option repeated")
    return OptionValue.decode(vals[0])


def _decrypt_inner(msg, key, alg, nonce, a, response):
    """Decrypt and parse the plaintext; rebuild the message (8.2 step 1, 7;
    8.4 step 1, 6): Outer Class U options stay, Outer E ones (including the
    Outer copies of the "both" options) and the OSCORE option go."""
    # RFC 8613 2: no payload is malformed; a ciphertext without room for
    # the tag and the Code byte is no COSE object of OSCORE either (either
    # could be called a decryption failure; 4.02 is chosen, as obol does).
    if len(msg.payload) < TAG_LEN[alg] + 1:
        raise OscoreError("OSCORE_OPTION", "no or too short ciphertext")
    try:
        pt = AESCCM(key, tag_length=TAG_LEN[alg]).decrypt(nonce, msg.payload,
                                                          a)
    except InvalidTag:
        raise OscoreError("OSCORE_DECRYPT", "tag")
    if len(pt) < 1:
        raise OscoreError("OSCORE_DECRYPT", "empty plaintext")
    try:
        inner, payload = decode_options(pt, 1)
    except CoapError as e:
        raise OscoreError("OSCORE_DECRYPT", "inner message: " + e.name)
    # A malformed inner message is a decryption failure (8.2, oscore.h):
    # a Code of the wrong kind, an OSCORE option inside (4.1.3.7), or a
    # Class U option inside, which would duplicate the Outer one.
    if not (is_response(pt[0]) if response else is_request(pt[0])):
        raise OscoreError("OSCORE_DECRYPT", "inner Code")
    for n, _ in inner:
        if n in CLASS_U_ONLY or n == O_OSCORE:
            raise OscoreError("OSCORE_DECRYPT", "inner option %d" % n)
    outer = [(n, v) for n, v in msg.options if n in CLASS_U_ONLY]
    return Msg(msg.type, pt[0], msg.mid, msg.token, outer + inner, payload)


def _parse_outer(raw):
    try:
        return coap_decode(raw)
    except CoapError as e:
        raise OscoreError(e.name, "outer message")


def unprotect_request(ctx, raw):
    """RFC 8613 8.2, checks in the order documented in oscore.h. Returns
    (plain datagram, Binding); raises OscoreError."""
    msg = _parse_outer(raw)
    o = _oscore_option(msg)
    if not is_request(msg.code):
        # 8.2 step 1 discards the Outer Code, but a message with a
        # response code is no request: obol calls that a caller error.
        raise OscoreError("ARG", "outer code is not a request code")
    if o.kid is None:
        raise OscoreError("OSCORE_OPTION", "request without kid")
    if o.kid != ctx.rid:
        raise OscoreError("OSCORE_NO_CONTEXT", "kid")
    # 5: "If 'kid context' is present in the request, then the server
    # SHALL use a security context with that ID Context".
    if o.kid_context is not None and o.kid_context != ctx.id_context:
        raise OscoreError("OSCORE_NO_CONTEXT", "kid context")
    p = piv_value(o.piv)
    if not ctx.replay_ok(p):
        raise OscoreError("OSCORE_REPLAY")
    a = aad(ctx.alg, o.kid, o.piv)
    nonce = make_nonce(ctx.common_iv, o.kid, o.piv)
    plain = _decrypt_inner(msg, ctx.recipient_key, ctx.alg, nonce, a, False)
    ctx.replay_add(p)
    return plain.encode(), Binding(o.kid, o.piv,
                                   plain.opt(O_OBSERVE) is not None)


def unprotect_response(ctx, bind, raw):
    """RFC 8613 8.4. Returns the plain datagram; raises OscoreError."""
    if bind.kid != ctx.sid:
        # The binding must be of a request of this context (oscore.h).
        raise OscoreError("OSCORE_MISMATCH", "binding of another context")
    msg = _parse_outer(raw)
    o = _oscore_option(msg)
    if not is_response(msg.code):
        raise OscoreError("ARG", "outer code is not a response code")
    # 5: kid and kid context are not expected in a response; when there,
    # they must at least name this context.
    if (o.kid is not None and o.kid != ctx.rid) or \
            (o.kid_context is not None and o.kid_context != ctx.id_context):
        raise OscoreError("OSCORE_MISMATCH", "kid / kid context of another "
                          "context")
    if o.piv is not None:
        piv_value(o.piv)
        nonce = make_nonce(ctx.common_iv, ctx.rid, o.piv)
    else:
        nonce = make_nonce(ctx.common_iv, bind.kid, bind.piv)
    a = aad(ctx.alg, bind.kid, bind.piv)
    plain = _decrypt_inner(msg, ctx.recipient_key, ctx.alg, nonce, a, True)
    if plain.opt(O_OBSERVE) is not None and not bind.observe:
        # 4.1.3.5.2: Inner Observe in a response to a non-Observe request.
        raise OscoreError("OSCORE_MISMATCH", "Observe in the response")
    return plain.encode()


def expected_plain(orig, is_response):
    """What unprotecting the protected `orig` gives back: `orig` itself,
    except that a notification's Observe is empty (4.1.3.5.2)."""
    if not (is_response and NOTIF_INNER_OBSERVE_EMPTY):
        return orig
    opts = [(n, b"" if n == O_OBSERVE else v) for n, v in orig.options]
    return Msg(orig.type, orig.code, orig.mid, orig.token, opts, orig.payload)


# ---------------------------------------------------------------------------
# Self-test against RFC 8613 Appendix C. Values transcribed from the RFC.

def H(s):
    return bytes.fromhex(s.replace(" ", ""))


def self_test():
    fails = []

    def check(what, got, want):
        if got != want:
            fails.append("%s: got %s, RFC 8613 says %s"
                         % (what, got.hex() if isinstance(got, bytes)
                            else got, want.hex() if isinstance(want, bytes)
                            else want))

    # The hand-made CBOR against cbor2 (and the 5.4 AAD example:
    # kid 0x00, piv 0x25 -> AAD 8368456e63727970743040498501810a4100412540).
    for v in ([b"", None, 10, "Key", 16], [b"\x01", b"\x37" * 8, 30, "IV", 13],
              ["Encrypt0", b"", b"\x00" * 300], [1, [10], b"", b"\x14", b""]):
        check("cbor %r" % (v,), cbor(v), cbor2.dumps(v))
    check("5.4 AAD example", aad(10, H("00"), H("25")),
          H("8368456e63727970743040498501810a4100412540"))

    ms = H("0102030405060708090a0b0c0d0e0f10")
    salt = H("9e7ca92223786340")
    idctx = H("37cbf3210017a2d3")
    # C.1.1 / C.1.2 (with Master Salt), C.2.1 / C.2.2 (without), C.3.1 /
    # C.3.2 (with ID Context): client sid, rid, info(sender key),
    # info(recipient key), info(IV), sender key, recipient key, Common IV,
    # sender nonce, recipient nonce (Partial IV 0).
    vec = [
        ("C.1.1", salt, None, H(""), H("01"),
         "8540f60a634b657910", "854101f60a634b657910", "8540f60a6249560d",
         "f0910ed7295e6ad4b54fc793154302ff",
         "ffb14e093c94c9cac9471648b4f98710",
         "4622d4dd6d944168eefb54987c",
         "4622d4dd6d944168eefb54987c", "4722d4dd6d944169eefb54987c"),
        ("C.1.2", salt, None, H("01"), H(""),
         "854101f60a634b657910", "8540f60a634b657910", "8540f60a6249560d",
         "ffb14e093c94c9cac9471648b4f98710",
         "f0910ed7295e6ad4b54fc793154302ff",
         "4622d4dd6d944168eefb54987c",
         "4722d4dd6d944169eefb54987c", "4622d4dd6d944168eefb54987c"),
        ("C.2.1", None, None, H("00"), H("01"),
         "854100f60a634b657910", "854101f60a634b657910", "8540f60a6249560d",
         "321b26943253c7ffb6003b0b64d74041",
         "e57b5635815177cd679ab4bcec9d7dda",
         "be35ae297d2dace910c52e99f9",
         "bf35ae297d2dace910c52e99f9", "bf35ae297d2dace810c52e99f9"),
        ("C.2.2", None, None, H("01"), H("00"),
         "854101f60a634b657910", "854100f60a634b657910", "8540f60a6249560d",
         "e57b5635815177cd679ab4bcec9d7dda",
         "321b26943253c7ffb6003b0b64d74041",
         "be35ae297d2dace910c52e99f9",
         "bf35ae297d2dace810c52e99f9", "bf35ae297d2dace910c52e99f9"),
        ("C.3.1", salt, idctx, H(""), H("01"),
         "85404837cbf3210017a2d30a634b657910",
         "8541014837cbf3210017a2d30a634b657910",
         "85404837cbf3210017a2d30a6249560d",
         "af2a1300a5e95788b356336eeecd2b92",
         "e39a0c7c77b43f03b4b39ab9a268699f",
         "2ca58fb85ff1b81c0b7181b85e",
         "2ca58fb85ff1b81c0b7181b85e", "2da58fb85ff1b81d0b7181b85e"),
        ("C.3.2", salt, idctx, H("01"), H(""),
         "8541014837cbf3210017a2d30a634b657910",
         "85404837cbf3210017a2d30a634b657910",
         "85404837cbf3210017a2d30a6249560d",
         "e39a0c7c77b43f03b4b39ab9a268699f",
         "af2a1300a5e95788b356336eeecd2b92",
         "2ca58fb85ff1b81c0b7181b85e",
         "2da58fb85ff1b81d0b7181b85e", "2ca58fb85ff1b81c0b7181b85e"),
    ]
    ctxs = {}
    for (sec, sl, ic, sid, rid, i_s, i_r, i_iv, sk, rk, civ, sn, rn) in vec:
        check(sec + " info sender", derive_info(sid, ic, 10, "Key", 16),
              H(i_s))
        check(sec + " info recipient", derive_info(rid, ic, 10, "Key", 16),
              H(i_r))
        check(sec + " info IV", derive_info(b"", ic, 10, "IV", 13), H(i_iv))
        c = Context(ms, sl, sid, rid, ic, 10)
        check(sec + " Sender Key", c.sender_key, H(sk))
        check(sec + " Recipient Key", c.recipient_key, H(rk))
        check(sec + " Common IV", c.common_iv, H(civ))
        check(sec + " sender nonce", make_nonce(c.common_iv, sid, H("00")),
              H(sn))
        check(sec + " recipient nonce", make_nonce(c.common_iv, rid, H("00")),
              H(rn))
        ctxs[sec] = c

    # C.4 (context C.1), C.5 (C.2), C.6 (C.3, 'kid context' sent): a GET
    # with Uri-Host "localhost" and Uri-Path "tv1", SSN 20.
    reqs = [
        ("C.4", "C.1.1", "C.1.2",
         "44015d1f00003974396c6f63616c686f737483747631",
         "8368456e63727970743040488501810a40411440",
         "4622d4dd6d944168eefb549868", "0914",
         "44025d1f00003974396c6f63616c686f7374620914ff612f1092f1776f1c16"
         "68b3825e"),
        ("C.5", "C.2.1", "C.2.2",
         "440171c30000b932396c6f63616c686f737483747631",
         "8368456e63727970743040498501810a4100411440",
         "bf35ae297d2dace910c52e99ed", "091400",
         "440271c30000b932396c6f63616c686f737463091400ff4ed339a5a379b0b8"
         "bc731fffb0"),
        ("C.6", "C.3.1", "C.3.2",
         "44012f8eef9bbf7a396c6f63616c686f737483747631",
         "8368456e63727970743040488501810a40411440",
         "2ca58fb85ff1b81c0b7181b84a", "19140837cbf3210017a2d3",
         "44022f8eef9bbf7a396c6f63616c686f73746b19140837cbf3210017a2d3ff"
         "72cd7273fd331ac45cffbe55c3"),
    ]
    for sec, cli, srv, plain, a_hex, n_hex, opt_hex, prot in reqs:
        c = ctxs[cli]
        check(sec + " AAD", aad(10, c.sid, H("14")), H(a_hex))
        check(sec + " nonce", make_nonce(c.common_iv, c.sid, H("14")),
              H(n_hex))
        check(sec + " option value", OptionValue(
            H("14"), c.sid, c.id_context).encode(), H(opt_hex))
        check(sec + " plaintext", plaintext_of(1, [(11, b"tv1")], b""),
              H("01b3747631"))
        out, bind = protect_request(c, H(plain), 20)
        check(sec + " protected request", out, H(prot))
        s = Context(ms, ctxs[srv].salt, ctxs[srv].sid, ctxs[srv].rid,
                    ctxs[srv].id_context, 10)
        try:
            back, b2 = unprotect_request(s, H(prot))
            check(sec + " unprotected request", back, H(plain))
            check(sec + " binding", b2.view(), bind.view())
        except OscoreError as e:
            fails.append("%s: unprotect refused: %s" % (sec, e))

    # C.7 / C.8: 2.05 "Hello World!" to the request of C.4, by the server of
    # C.1.2, SSN 0; C.7 without, C.8 with a Partial IV.
    bind = Binding(b"", H("14"), False)
    plain = H("64455d1f00003974ff48656c6c6f20576f726c6421")
    for sec, with_piv, n_hex, prot in (
            ("C.7", False, "4622d4dd6d944168eefb549868",
             "64445d1f0000397490ffdbaad1e9a7e7b2a813d3c31524378303cdafae"
             "119106"),
            ("C.8", True, "4722d4dd6d944169eefb54987c",
             "64445d1f00003974920100ff4d4c13669384b67354b2b6175ff4b8658c"
             "666a6cf88e")):
        s = ctxs["C.1.2"]
        nonce = (make_nonce(s.common_iv, s.sid, H("00")) if with_piv
                 else make_nonce(s.common_iv, bind.kid, bind.piv))
        check(sec + " nonce", nonce, H(n_hex))
        check(sec + " plaintext", plaintext_of(0x45, [], b"Hello World!"),
              H("45ff48656c6c6f20576f726c6421"))
        out = protect_response(s, bind, plain, with_piv, 0)
        check(sec + " protected response", out, H(prot))
        try:
            check(sec + " unprotected response",
                  unprotect_response(ctxs["C.1.1"], bind, H(prot)), plain)
        except OscoreError as e:
            fails.append("%s: unprotect refused: %s" % (sec, e))

    # The reference's refusals on the vectors: a flipped ciphertext bit, a
    # replay, another kid.
    s = Context(ms, salt, H("01"), H(""), None, 10)
    prot = H(reqs[0][7])
    bad = prot[:-1] + bytes([prot[-1] ^ 1])
    for what, data, want in (("flipped tag", bad, "OSCORE_DECRYPT"),
                             ("first", prot, None),
                             ("replay", prot, "OSCORE_REPLAY")):
        try:
            unprotect_request(s, data)
            got = None
        except OscoreError as e:
            got = e.name
        check("C.4 " + what, got, want)
    if fails:
        print("oscore_diff: FAIL: the Python reference does not match "
              "RFC 8613 Appendix C:")
        for f in fails:
            print("  " + f)
        sys.exit(1)
    return 1 + len(vec) + len(reqs) + 2


# ---------------------------------------------------------------------------
# Random inputs

HOST_CHARS = "abcdefghijklmnopqrstuvwxyz0123456789-."
TEXT_CHARS = HOST_CHARS + "ABCDEFGHIJKLMNOPQRSTUVWXYZ_~=&%!$'()*+,;:@"
# Option numbers that RFC 8613 does not list (Class E, 4.1), across the
# delta forms of RFC 7252 3.1 (< 13, 13..268, >= 269).
UNKNOWN_OPTS = [2, 10, 13, 16, 19, 21, 22, 24, 25, 200, 270, 1000, 2049,
                65000]


class Gen(object):
    def __init__(self, rng):
        self.r = rng

    def b(self, lo, hi):
        return bytes(self.r.getrandbits(8) for _ in
                     range(self.r.randint(lo, hi)))

    def text(self, lo, hi, chars=TEXT_CHARS):
        return "".join(self.r.choice(chars) for _ in
                       range(self.r.randint(lo, hi))).encode()

    def uint(self, bits):
        v = self.r.getrandbits(self.r.randint(0, bits))
        return uint_bytes(v)

    def ident(self):
        return self.b(0, 7)

    def params(self):
        r = self.r
        sid = self.ident()
        rid = self.ident()
        while rid == sid:
            rid = self.ident()
        return dict(secret=self.b(16, 32),
                    salt=None if r.random() < 0.3 else self.b(0, 16),
                    sid=sid, rid=rid,
                    id_context=None if r.random() < 0.5 else self.b(0, 8),
                    alg=r.choice((10, 30)))

    def ssn(self):
        r = self.r
        k = r.random()
        if k < 0.3:
            return r.randint(0, 255)
        if k < 0.45:
            return r.choice((0, 1, 0xff, 0x100, 0xffff, 0x10000, 0xffffff,
                             0x1000000, 0xffffffff, 0x100000000,
                             SSN_MAX - 1, SSN_MAX))
        return r.getrandbits(r.randint(9, 40))

    def unknown(self):
        r = self.r
        n = r.choice(UNKNOWN_OPTS)
        # Occasionally long: the 2-byte length form (>= 269).
        v = self.b(269, 300) if r.random() < 0.15 else self.b(0, 20)
        return (n, v)

    def request(self):
        r = self.r
        code = r.choice((GET, POST, PUT, DELETE, FETCH))
        opts = []
        if r.random() < 0.4:
            opts.append((O_URI_HOST, self.text(1, 30, HOST_CHARS)))
        if r.random() < 0.3:
            opts.append((O_URI_PORT, self.uint(16)))
        for _ in range(r.choice((0, 1, 1, 2, 3, 4))):
            long_ = r.random() < 0.05
            opts.append((O_URI_PATH, self.text(13, 255) if long_
                         else self.text(0, 12)))
        for _ in range(r.choice((0, 0, 1, 2, 3))):
            opts.append((O_URI_QUERY, self.text(1, 20)))
        if r.random() < 0.4:
            opts.append((O_CONTENT_FORMAT, self.uint(16)))
        if r.random() < 0.3:
            opts.append((O_ACCEPT, self.uint(16)))
        if r.random() < 0.2:
            for _ in range(r.randint(1, 3)):
                opts.append((O_ETAG, self.b(1, 8)))
        if r.random() < 0.15:
            for _ in range(r.randint(1, 2)):
                opts.append((O_IF_MATCH, self.b(0, 8)))
        if r.random() < 0.05:
            opts.append((O_IF_NONE_MATCH, b""))
        if code in (GET, FETCH) and r.random() < 0.25:
            opts.append((O_OBSERVE, uint_bytes(r.choice((0, 0, 1)))))
        if r.random() < 0.1:
            opts.append((O_PROXY_SCHEME, r.choice((b"coap", b"coaps",
                                                   b"coap+tcp", b"http"))))
        if r.random() < 0.15:
            opts.append((O_ECHO, self.b(1, 40)))
        if r.random() < 0.05:
            opts.append((O_REQUEST_TAG, self.b(0, 8)))
        if r.random() < 0.05:
            opts.append((r.choice((O_BLOCK1, O_BLOCK2)), self.uint(24)))
        if r.random() < 0.03:
            opts.append((O_SIZE1, self.uint(32)))
        if r.random() < 0.03:
            opts.append((O_NO_RESPONSE, uint_bytes(r.choice((2, 8, 16, 26)))))
        if r.random() < 0.1:
            opts.append(self.unknown())
        payload = b"" if r.random() < 0.3 else self.b(1, 200)
        return Msg(r.choice((TYPE_CON, TYPE_NON)), code, r.getrandbits(16),
                   self.b(0, 8), opts, payload)

    def response(self, req, observe):
        r = self.r
        code = r.choice((CODE(2, 5), CODE(2, 5), CODE(2, 4), CODE(2, 1),
                         CODE(2, 2), CODE(2, 3), CODE(4, 0), CODE(4, 1),
                         CODE(4, 3), CODE(4, 4), CODE(4, 5), CODE(5, 0)))
        opts = []
        if r.random() < 0.5:
            opts.append((O_CONTENT_FORMAT, self.uint(16)))
        if r.random() < 0.3:
            opts.append((O_MAX_AGE, self.uint(32)))
        if r.random() < 0.2:
            opts.append((O_ETAG, self.b(1, 8)))
        if code == CODE(2, 1) or r.random() < 0.05:
            for _ in range(r.randint(1, 3)):
                opts.append((O_LOCATION_PATH, self.text(0, 12)))
            if r.random() < 0.3:
                opts.append((O_LOCATION_QUERY, self.text(1, 12)))
        if observe and code >> 5 == 2 and r.random() < 0.8:
            opts.append((O_OBSERVE, self.uint(24)))
        if r.random() < 0.05:
            opts.append((O_BLOCK2, self.uint(24)))
        if r.random() < 0.03:
            opts.append((O_SIZE2, self.uint(32)))
        if code == CODE(4, 1) and r.random() < 0.5:
            opts.append((O_ECHO, self.b(8, 8)))
        if r.random() < 0.1:
            opts.append(self.unknown())
        payload = b"" if r.random() < 0.3 else self.b(1, 200)
        mtype = r.choice((TYPE_ACK, TYPE_ACK, TYPE_CON, TYPE_NON))
        mid = req.mid if mtype == TYPE_ACK else r.getrandbits(16)
        return Msg(mtype, code, mid, req.token, opts, payload)


# ---------------------------------------------------------------------------
# Harness protocol (see oscore_diff.c): one command per line, one answer
# line per command, fields separated by spaces, bytes in hex, "." for an
# empty byte string, "-" for an absent one.

def hx(b):
    if b is None:
        return "-"
    return b.hex() if b else "."


def unhx(s):
    if s == "-":
        return None
    return b"" if s == "." else bytes.fromhex(s)


def derive_cmd(slot, p, sender, recipient, secret=None, alg=None):
    return "derive %d %s %s %s %s %s %d" % (
        slot, hx(secret if secret is not None else p["secret"]),
        hx(p["salt"]), hx(sender), hx(recipient), hx(p["id_context"]),
        alg if alg is not None else p["alg"])


def bind_args(b):
    return "%s %s %d" % (hx(b.kid), hx(b.piv), 1 if b.observe else 0)


class Report(object):
    def __init__(self, verbose):
        self.verbose = verbose
        self.counts = {}
        self.fails = []
        self.info = {}

    def check(self, name, ok, detail=None):
        c = self.counts.setdefault(name, [0, 0])
        c[0 if ok else 1] += 1
        if not ok:
            self.fails.append((name, detail() if callable(detail)
                               else detail))
        return ok

    def note(self, name):
        self.info[name] = self.info.get(name, 0) + 1


def notes_ok(rep, notes):
    """The harness's notes: "-", or ";"-separated findings; those starting
    with "info-" are counted, the others are failures."""
    bad = []
    for x in notes.split(";"):
        if x == "-":
            continue
        if x.startswith("info-"):
            rep.note("harness " + x.split(":")[0])
        else:
            bad.append(x)
    return not bad


class Batch(object):
    """Commands for the harness and what to do with each answer."""

    def __init__(self):
        self.lines = []
        self.hooks = []

    def add(self, line, hook=None):
        self.hooks.append(hook)
        self.lines.append(line)


def run_harness(exe, lines, box):
    data = "".join(l + "\n" for l in lines).encode()
    try:
        p = subprocess.run([exe], input=data, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, timeout=600)
    except (OSError, subprocess.TimeoutExpired) as exc:
        box["error"] = "cannot run %s: %s" % (exe, exc)
        return
    out = p.stdout.decode(errors="replace").split("\n")
    if out and out[-1] == "":
        out.pop()
    if p.returncode != 0 or len(out) != len(lines):
        box["error"] = ("harness exited with %d after %d of %d answers; "
                        "stderr: %s" % (p.returncode, len(out), len(lines),
                                        p.stderr.decode(errors="replace")
                                        [-2000:]))
    box["results"] = out


def diff_views(label_a, a, label_b, b):
    """Two datagrams, in hex and parsed, for a mismatch report."""
    lines = []
    for label, d in ((label_a, a), (label_b, b)):
        if d is None:
            lines.append("    %s: (none)" % label)
            continue
        lines.append("    %s: %s" % (label, d.hex()))
        try:
            lines.append("    %s  %s" % (" " * len(label),
                                            coap_decode(d).view()))
        except CoapError as e:
            lines.append("    %s  (not CoAP: %s)" % (" " * len(label), e.name))
    return "\n".join(lines)


def clone(ctx):
    """A copy of a Python context with its own replay state."""
    c = Context.__new__(Context)
    c.__dict__.update(ctx.__dict__)
    c.replay_seen = set(ctx.replay_seen)
    return c


def py_verdict(fn, *args):
    """("OK", result) or (error name, reason) of a reference call."""
    try:
        return "OK", fn(*args)
    except OscoreError as e:
        return e.name, e.why


class Runner(object):
    """Builds the batch and the checks of its answers."""

    def __init__(self, rng, rep):
        self.r = rng
        self.g = Gen(rng)
        self.rep = rep
        self.b = Batch()

    # -- small helpers ----------------------------------------------------
    def derive(self, slot, p, ctx, tag, secret=None, alg=None):
        rep = self.rep

        def hook(f):
            ok = f[0] == "0" and unhx(f[1]) == ctx.sender_key and \
                unhx(f[2]) == ctx.recipient_key and unhx(f[3]) == ctx.common_iv
            rep.check("derive: keys and Common IV equal (%s)" % tag, ok,
                      lambda: "  derive %s\n    obol:   %s\n    python: "
                      "rc=0 %s %s %s" % (p, " ".join(f), ctx.sender_key.hex(),
                                         ctx.recipient_key.hex(),
                                         ctx.common_iv.hex()))
        self.b.add(derive_cmd(slot, p, ctx.sid, ctx.rid, secret, alg), hook)

    def expect_rc(self, line, name, want, want_out=None):
        """Run `line`; obol's code must be `want` (a name of err.h, "OK"),
        and with want_out its output (field 1) those bytes."""
        rep = self.rep

        def hook(f):
            got = "OK" if f[0] == "0" else ename(int(f[0]))
            ok = got == want
            if ok and want == "OK" and want_out is not None:
                ok = (f[1] == want_out if isinstance(want_out, str)
                      else unhx(f[1]) == want_out)
            notes = f[-1]       # the harness's own checks: "-" when all held
            if not notes_ok(rep, notes):
                ok = False
            rep.check(name, ok, lambda: "  %s\n    obol:   %s %s (notes %s)"
                      "\n    python: %s%s" % (
                          line[:300], got, f[1][:300] if len(f) > 1 else "",
                          notes, want, (" " + (want_out if isinstance(
                              want_out, str) else hx(want_out))[:300])
                          if want_out is not None else ""))
        self.b.add(line, hook)

    def cover(self, p, req, resp, bind, piv_used, resp_piv):
        """Count what the exchange exercised (printed as "gen:" lines)."""
        n = self.rep.note
        n("gen: AEAD %d" % p["alg"])
        n("gen: ID Context %s" % ("absent" if p["id_context"] is None
                                  else "present"))
        n("gen: request Partial IV of %d byte(s)" % len(bind.piv))
        if bind.observe:
            n("gen: requests with Observe")
        if resp.opt(O_OBSERVE) is not None:
            n("gen: notifications %s Partial IV" % ("with" if piv_used
                                                    else "without"))
        elif piv_used:
            n("gen: other responses with Partial IV")
        if resp_piv is not None:
            n("gen: response Partial IV of %d byte(s)" % len(resp_piv))
        for m in (req, resp):
            for num, v in m.options:
                if len(v) >= 269:
                    n("gen: option values of >= 269 bytes")
                elif len(v) >= 13:
                    n("gen: option values of 13..268 bytes")
                if num in UNKNOWN_OPTS:
                    n("gen: unknown (Class E) options")
                if num in (O_PROXY_SCHEME, O_URI_HOST, O_URI_PORT):
                    n("gen: Class U options")
                if num in (O_BLOCK1, O_BLOCK2, O_SIZE1, O_SIZE2, O_MAX_AGE,
                           O_NO_RESPONSE):
                    n("gen: Max-Age, Block, Size, No-Response options")

    # -- (a) obol protects ------------------------------------------------
    def exchange_obol_protects(self):
        g, r, rep = self.g, self.r, self.rep
        p = g.params()
        C = Context(p["secret"], p["salt"], p["sid"], p["rid"],
                    p["id_context"], p["alg"])
        S = C.peer()
        self.derive(0, p, C, "client")
        self.derive(1, p, S, "server")
        req = g.request()
        raw = req.encode()
        n_c = g.ssn()
        self.b.add("ssn 0 %d" % n_c)
        P, bind = protect_request(C, raw, n_c)

        def hook_req(f):
            rc = int(f[0])
            if not rep.check("a: obol protect_request OK", rc == 0,
                             lambda: "  preq %s -> %s" % (raw.hex(),
                                                          ename(rc))):
                return
            out = unhx(f[1])
            rep.check("a: protected request bytes identical", out == P,
                      lambda: "  request %s ssn %d ctx %s\n%s" % (
                          req.view(), n_c, p,
                          diff_views("obol  ", out, "python", P)))
            v, res = py_verdict(unprotect_request, clone(S), out)
            want = expected_plain(req, False)
            ok = v == "OK" and coap_decode(res[0]) == want
            rep.check("a: Python unprotects obol's request", ok,
                      lambda: "  python says %s %s\n%s" % (
                          v, "" if v == "OK" else res,
                          diff_views("original ", want.encode(),
                                     "recovered", res[0] if v == "OK"
                                     else None)))
            ob = Binding(unhx(f[2]), unhx(f[3]), f[4] == "1")
            rep.check("a: request binding (kid, piv, observe)", ob == bind,
                      lambda: "  obol %s, python %s" % (ob.view(),
                                                        bind.view()))
            rep.check("a: harness checks (NO_SPACE, retry, copy)",
                      notes_ok(rep, f[5]), lambda: "  preq notes: " + f[5])
        self.b.add("preq 0 " + hx(raw), hook_req)
        self.expect_rc("getssn 0", "a: SSN after protect_request", "OK",
                       str(n_c + 1))

        resp = g.response(req, bind.observe)
        rraw = resp.encode()
        observe = resp.opt(O_OBSERVE) is not None
        with_piv = r.random() < (0.5 if observe else 0.4)
        n_s = g.ssn()
        self.b.add("ssn 1 %d" % n_s)
        R = protect_response(S, bind, rraw, with_piv, n_s)
        piv_used = with_piv or (observe and NOTIF_ALWAYS_PIV)
        self.cover(p, req, resp, bind, piv_used,
                   OptionValue.decode(coap_decode(R).opt(O_OSCORE)).piv)

        def hook_resp(f):
            rc = int(f[0])
            if not rep.check("a: obol protect_response OK", rc == 0,
                             lambda: "  presp %s -> %s" % (rraw.hex(),
                                                           ename(rc))):
                return
            out = unhx(f[1])
            rep.check("a: protected response bytes identical", out == R,
                      lambda: "  response %s piv %d ssn %d %s ctx %s\n%s" % (
                          resp.view(), with_piv, n_s, bind.view(), p,
                          diff_views("obol  ", out, "python", R)))
            v, res = py_verdict(unprotect_response, clone(C), bind, out)
            want = expected_plain(resp, True)
            ok = v == "OK" and coap_decode(res) == want
            rep.check("a: Python unprotects obol's response", ok,
                      lambda: "  python says %s %s\n%s" % (
                          v, "" if v == "OK" else res,
                          diff_views("original ", want.encode(),
                                     "recovered", res if v == "OK"
                                     else None)))
            rep.check("a: harness checks (NO_SPACE, retry, copy)",
                      notes_ok(rep, f[2]), lambda: "  presp notes: " + f[2])
        self.b.add("presp 1 %s %d %s" % (bind_args(bind), int(with_piv),
                                         hx(rraw)), hook_resp)
        self.expect_rc("getssn 1", "a: SSN after protect_response", "OK",
                       str(n_s + 1 if piv_used else n_s))

    # -- (b) Python protects ----------------------------------------------
    def exchange_python_protects(self, neg_req, neg_resp):
        g, r, rep = self.g, self.r, self.rep
        p = g.params()
        C = Context(p["secret"], p["salt"], p["sid"], p["rid"],
                    p["id_context"], p["alg"])
        S = C.peer()
        self.derive(0, p, C, "client")
        self.derive(1, p, S, "server")
        self.b.add("copy 3 1")      # a pristine server context
        self.b.add("copy 5 0")      # and client context
        S0, C0 = clone(S), clone(C)
        req = g.request()
        n_c = g.ssn()
        Q, bind = protect_request(C, req.encode(), n_c)
        v, res = py_verdict(unprotect_request, S, Q)
        want = expected_plain(req, False).encode()
        if not rep.check("b: Python round trip (request)",
                         v == "OK" and res[0] == want and res[1] == bind,
                         lambda: "  %s %s" % (v, res)):
            return
        exp_req = res[0]

        def hook_req(f):
            rc = int(f[0])
            out = unhx(f[1]) if rc == 0 else None
            rep.check("b: obol unprotect_request gives the original",
                      rc == 0 and out == exp_req,
                      lambda: "  ureq -> %s; ctx %s\n%s" % (
                          ename(rc), p, diff_views("protected", Q, "obol     ",
                                                   out) + "\n" +
                          diff_views("original ", exp_req, "obol     ", out)))
            if rc == 0:
                ob = Binding(unhx(f[2]), unhx(f[3]), f[4] == "1")
                rep.check("b: request binding (kid, piv, observe)",
                          ob == bind, lambda: "  obol %s, python %s" % (
                              ob.view(), bind.view()))
                rep.check("b: harness checks (NO_SPACE, retry, copy)",
                          notes_ok(rep, f[5]), lambda: "  ureq notes: " +
                          f[5])
        self.b.add("ureq 1 " + hx(Q), hook_req)

        o = OptionValue.decode(coap_decode(Q).opt(O_OSCORE))

        def hook_peek(f):
            got = (f[0], unhx(f[1]) or None, unhx(f[2]), unhx(f[3]))
            rep.check("b: obol_oscore_peek", got == ("1", o.piv, o.kid,
                                                     o.kid_context),
                      lambda: "  peek %s: obol %s" % (Q.hex(), f))
        self.b.add("peek " + hx(Q), hook_peek)

        resp = g.response(req, bind.observe)
        with_piv = r.random() < (0.5 if resp.opt(O_OBSERVE) is not None
                                 else 0.4)
        n_s = g.ssn()
        # Without the POLICY: a notification may lack a Partial IV here.
        R = protect_response(S, bind, resp.encode(), with_piv, n_s,
                             notif_piv=False)
        self.cover(p, req, resp, bind, with_piv,
                   OptionValue.decode(coap_decode(R).opt(O_OSCORE)).piv)
        v, res = py_verdict(unprotect_response, clone(C), bind, R)
        want = expected_plain(resp, True).encode()
        if not rep.check("b: Python round trip (response)",
                         v == "OK" and res == want,
                         lambda: "  %s %s" % (v, res)):
            return
        self.expect_rc("uresp 0 %s %s" % (bind_args(bind), hx(R)),
                       "b: obol unprotect_response gives the original",
                       "OK", res)
        if r.random() < 0.3:
            self.expect_rc("ureq 1 " + hx(Q), "neg: replayed request",
                           "OSCORE_REPLAY")
        for _ in range(neg_req):
            self.negative_request(p, C0, S0, req, n_c, Q, bind)
        for _ in range(neg_resp):
            self.negative_response(p, C0, S0, bind, resp, R, with_piv, n_s)

    # -- negative (and tampered-but-valid) requests ------------------------
    REQ_KINDS = ["ct_flip", "ct_trunc", "ct_short", "no_payload",
                 "piv_change", "piv_pad", "piv_absent", "kid_change",
                 "kid_absent", "kidctx_change", "kidctx_add", "kidctx_drop",
                 "flags_reserved", "n_reserved", "kidctx_overrun",
                 "no_oscore", "oscore_twice", "inner_bad", "replay",
                 "wrong_secret", "wrong_salt", "wrong_alg", "wrong_idctx",
                 "outer_code", "outer_u", "outer_e", "header",
                 "coap_version", "coap_tkl", "coap_trunc",
                 "coap_empty_payload"]

    def pick(self, kinds, ok):
        """Kinds in turn (even coverage), skipping those that do not apply."""
        attr = "_turn_%d" % id(kinds)
        i = getattr(self, attr, 0)
        for j in range(len(kinds)):
            k = kinds[(i + j) % len(kinds)]
            if ok(k):
                setattr(self, attr, (i + j + 1) % len(kinds))
                return k
        return None

    def other_bytes(self, old, lo, hi):
        while True:
            v = self.g.b(lo, hi)
            if v != old:
                return v

    def negative_request(self, p, C0, S0, req, n_c, Q, bind):
        r, g = self.r, self.g
        m = coap_decode(Q)
        val = m.opt(O_OSCORE)
        o = OptionValue.decode(val)

        def applies(k):
            if k in ("kidctx_change", "kidctx_drop"):
                return o.kid_context is not None
            if k == "kidctx_add":
                return o.kid_context is None
            if k == "piv_pad":
                return len(o.piv) < 5
            return True
        kind = self.pick(self.REQ_KINDS, applies)
        srv = clone(S0)
        slot = 2
        self.b.add("copy 2 3")
        T = None

        def with_opt(v, payload=None):
            opts = [(n, x) for n, x in m.options if n != O_OSCORE]
            if v is not None:
                opts.append((O_OSCORE, v))
            return Msg(m.type, m.code, m.mid, m.token, opts,
                       m.payload if payload is None else payload).encode()

        tag = TAG_LEN[p["alg"]]
        if kind == "ct_flip":
            pl = bytearray(m.payload)
            pl[r.randrange(len(pl))] ^= 1 << r.randrange(8)
            T = with_opt(val, bytes(pl))
        elif kind == "ct_trunc":
            T = with_opt(val, m.payload[:-r.randint(1, 3)])
        elif kind == "ct_short":
            T = with_opt(val, m.payload[:r.randint(1, tag - 1)])
        elif kind == "no_payload":
            T = with_opt(val, b"")
        elif kind == "piv_change":
            x = self.other_bytes(o.piv, len(o.piv), len(o.piv))
            T = with_opt(OptionValue(x, o.kid, o.kid_context).encode())
        elif kind == "piv_pad":
            T = with_opt(OptionValue(b"\0" + o.piv, o.kid,
                                     o.kid_context).encode())
        elif kind == "piv_absent":
            T = with_opt(OptionValue(None, o.kid, o.kid_context).encode())
        elif kind == "kid_change":
            T = with_opt(OptionValue(o.piv, self.other_bytes(o.kid, 0, 7),
                                     o.kid_context).encode())
        elif kind == "kid_absent":
            T = with_opt(OptionValue(o.piv, None, o.kid_context).encode())
        elif kind == "kidctx_change":
            T = with_opt(OptionValue(o.piv, o.kid, self.other_bytes(
                o.kid_context, 0, 8)).encode())
        elif kind == "kidctx_add":
            T = with_opt(OptionValue(o.piv, o.kid, g.b(0, 8)).encode())
        elif kind == "kidctx_drop":
            T = with_opt(OptionValue(o.piv, o.kid, None).encode())
        elif kind == "flags_reserved":
            T = with_opt(bytes([val[0] | r.choice((0x20, 0x40, 0x80))])
                         + val[1:])
        elif kind == "n_reserved":
            T = with_opt(bytes([val[0] & 0xf8 | r.choice((6, 7))]) + val[1:]
                         + bytes(7))
        elif kind == "kidctx_overrun":
            T = with_opt(bytes([0x10 | len(o.piv)]) + o.piv
                         + bytes([r.randint(3, 40)]) + g.b(0, 2))
        elif kind == "no_oscore":
            T = with_opt(None)
        elif kind == "oscore_twice":
            opts = list(m.options) + [(O_OSCORE, val)]
            T = Msg(m.type, m.code, m.mid, m.token, opts, m.payload).encode()
        elif kind == "inner_bad":
            bad = r.choice([
                b"",                                # no code at all
                bytes([req.code, 0xff]),            # marker, no payload
                bytes([req.code, 0xf1, 0x00]),      # delta nibble 15
                bytes([req.code, 0x1f, 0x00]),      # length nibble 15
                bytes([req.code, 0x15, 0x61]),      # value past the end
                bytes([req.code, 0xd1]),            # extended delta missing
                bytes([req.code, 0xe0, 0xff]),      # 2-byte delta cut
                bytes([req.code, 0xe0, 0xff, 0x00, 0xe0, 0xff, 0x00]),
                                                    # number past 65535
                bytes([CODE(2, 5)]) + b"\xffhi",    # a response Code
                bytes([0]),                         # the Empty Code
                bytes([req.code, 0x31, 0x61]),      # Uri-Host inside
                bytes([req.code, 0x91, 0x00]),      # OSCORE inside
                bytes([req.code, 0xd4, 0x1a]) + b"coap",  # Proxy-Scheme
            ])
            T = protect_request(clone(C0), req.encode(), n_c, bad)[0]
        elif kind == "replay":
            self.expect_rc("ureq 2 " + hx(Q), "neg: replay (first is fine)",
                           "OK", unprotect_request(srv, Q)[0])
            T = Q
        elif kind in ("wrong_secret", "wrong_salt", "wrong_alg",
                      "wrong_idctx"):
            q = dict(p)
            if kind == "wrong_secret":
                q["secret"] = self.other_bytes(p["secret"], 16, 32)
            elif kind == "wrong_salt":
                q["salt"] = self.other_bytes(p["salt"] or b"", 1, 16)
            elif kind == "wrong_alg":
                q["alg"] = 40 - p["alg"]
            else:
                q["id_context"] = (self.other_bytes(p["id_context"], 0, 8)
                                   if p["id_context"] is not None
                                   or r.random() < 0.5 else None)
                if q["id_context"] is None and p["id_context"] is None:
                    q["id_context"] = g.b(0, 8)
            srv = Context(q["secret"], q["salt"], p["rid"], p["sid"],
                          q["id_context"], q["alg"])
            slot = 4
            self.derive(4, q, srv, kind)
            T = Q
        elif kind == "outer_code":
            T = Msg(m.type, r.choice((0, 1, 3, 4, 5, 6, 7, 0x45, 0x84)),
                    m.mid, m.token, m.options, m.payload).encode()
            if T[1] == 0:   # 0.00 with options is no CoAP message
                T = T[:1] + b"\x02" + T[2:]
        elif kind == "outer_u":
            opts = [(n, x) for n, x in m.options if n != O_URI_HOST]
            opts.append((O_URI_HOST, g.text(1, 20, HOST_CHARS)))
            T = Msg(m.type, m.code, m.mid, m.token, opts, m.payload).encode()
        elif kind == "outer_e":
            extra = r.choice([(O_URI_PATH, b"evil"), (O_ETAG, b"\x01"),
                              (O_CONTENT_FORMAT, b"\x32"),
                              (O_OBSERVE, b""), (O_MAX_AGE, b""),
                              (O_IF_MATCH, b""), (O_ECHO, b"\x01\x02"),
                              (O_BLOCK2, b"\x02"), (2049, b"?")])
            T = Msg(m.type, m.code, m.mid, m.token,
                    list(m.options) + [extra], m.payload).encode()
        elif kind == "header":
            T = Msg(r.choice((TYPE_CON, TYPE_NON)), m.code, r.getrandbits(16),
                    g.b(0, 8), m.options, m.payload).encode()
        elif kind == "coap_version":
            T = bytes([Q[0] & 0x3f | r.choice((0x00, 0x80, 0xc0))]) + Q[1:]
        elif kind == "coap_tkl":
            T = bytes([Q[0] & 0xf0 | r.randint(9, 15)]) + Q[1:]
        elif kind == "coap_trunc":
            T = Q[:r.randint(0, 3)] if r.random() < 0.5 or not m.token \
                else Q[:4 + r.randint(0, len(m.token) - 1)]
        elif kind == "coap_empty_payload":
            T = with_opt(val, b"") + b"\xff"
        v, res = py_verdict(unprotect_request, srv, T)
        label = ("neg: request %s -> %s" % (kind, v) if v != "OK"
                 else "tamper: request %s still verifies" % kind)
        self.expect_rc("ureq %d %s" % (slot, hx(T)), label, v,
                       res[0] if v == "OK" else None)
        if v.startswith("OSCORE_") and v not in ("OSCORE_MISMATCH",):
            self.error_response(v, T)

    def error_response(self, err, T):
        """obol_oscore_error_response (RFC 8613 8.2, oscore.h)."""
        m = coap_decode(T)
        mid = self.r.getrandbits(16)
        code, diag = {
            "OSCORE_OPTION": (CODE(4, 2), b"Failed to decode COSE"),
            "OSCORE_NO_CONTEXT": (CODE(4, 1), b"Security context not found"),
            "OSCORE_REPLAY": (CODE(4, 1), b"Replay detected"),
            "OSCORE_DECRYPT": (CODE(4, 0), b"Decryption failed"),
            "OSCORE_NOT_OSCORE": (CODE(4, 1), None),
        }[err]
        ack = m.type == TYPE_CON
        rep = self.rep

        def hook(f):
            name = "error response: %s" % err
            if not rep.check(name + " OK", f[0] == "0",
                             lambda: "  errresp -> %s" % f):
                return
            out = coap_decode(unhx(f[1]))
            ok = (out.type == (TYPE_ACK if ack else TYPE_NON)
                  and out.code == code and out.token == m.token
                  and out.mid == (m.mid if ack else mid)
                  and [(n, x) for n, x in out.options] == [(O_MAX_AGE, b"")]
                  and (diag is None or out.payload == diag))
            rep.check(name + " fields (type, MID, token, code, Max-Age 0, "
                      "diagnostic)", ok, lambda: "  request %s mid %d\n    "
                      "obol: %s" % (m.view(), mid, out.view()))
        self.b.add("errresp %d %d %s" % (E[err], mid, hx(T)), hook)

    # -- negative (and tampered-but-valid) responses -----------------------
    RESP_KINDS = ["r_ct_flip", "r_ct_short", "r_no_payload",
                  "r_flags_reserved", "r_no_oscore", "r_bind_piv",
                  "r_bind_kid", "r_observe_mismatch", "r_observe_unused",
                  "r_piv_change", "r_piv_add", "r_piv_drop", "r_outer_e",
                  "r_wrong_secret", "r_coap_version", "r_inner_bad",
                  "r_kid_added", "r_outer_code"]

    def negative_response(self, p, C0, S0, bind, resp, R, with_piv, n_s):
        r, g = self.r, self.g
        m = coap_decode(R)
        val = m.opt(O_OSCORE)
        o = OptionValue.decode(val)
        observe = resp.opt(O_OBSERVE) is not None

        def applies(k):
            if k in ("r_piv_change", "r_piv_drop"):
                return with_piv
            if k == "r_piv_add":
                return not with_piv
            if k == "r_observe_mismatch":
                return observe
            if k == "r_observe_unused":
                return not observe and not bind.observe
            return True
        kind = self.pick(self.RESP_KINDS, applies)
        cli = clone(C0)
        slot = 2
        self.b.add("copy 2 5")
        b2 = bind

        def with_opt(v, payload=None):
            opts = [(n, x) for n, x in m.options if n != O_OSCORE]
            if v is not None:
                opts.append((O_OSCORE, v))
            return Msg(m.type, m.code, m.mid, m.token, opts,
                       m.payload if payload is None else payload).encode()
        T = R
        if kind == "r_ct_flip":
            pl = bytearray(m.payload)
            pl[r.randrange(len(pl))] ^= 1 << r.randrange(8)
            T = with_opt(val, bytes(pl))
        elif kind == "r_ct_short":
            T = with_opt(val, m.payload[:r.randint(1, TAG_LEN[p["alg"]] - 1)])
        elif kind == "r_no_payload":
            T = with_opt(val, b"")
        elif kind == "r_flags_reserved":
            T = with_opt(bytes([(val[0] if val else 0)
                                | r.choice((0x20, 0x40, 0x80))]) + val[1:])
        elif kind == "r_no_oscore":
            T = with_opt(None)
        elif kind == "r_bind_piv":
            b2 = Binding(bind.kid, self.other_bytes(bind.piv, 1, 5),
                         bind.observe)
        elif kind == "r_bind_kid":
            b2 = Binding(self.other_bytes(bind.kid, 0, 7), bind.piv,
                         bind.observe)
        elif kind == "r_observe_mismatch":
            b2 = Binding(bind.kid, bind.piv, False)
        elif kind == "r_observe_unused":
            # 4.1.3.5.2: a response without Observe to an Observe request
            # is verified as a non-Observe response.
            b2 = Binding(bind.kid, bind.piv, True)
        elif kind == "r_piv_change":
            T = with_opt(OptionValue(self.other_bytes(o.piv, len(o.piv),
                                                      len(o.piv))).encode())
        elif kind == "r_piv_add":
            T = with_opt(OptionValue(g.b(1, 5)).encode())
        elif kind == "r_piv_drop":
            T = with_opt(b"")
        elif kind == "r_outer_e":
            extra = r.choice([(O_CONTENT_FORMAT, b"\x32"), (O_ETAG, b"\x09"),
                              (O_MAX_AGE, b""), (O_LOCATION_PATH, b"x"),
                              (O_BLOCK2, b"\x0a"), (65000, b"")])
            T = Msg(m.type, m.code, m.mid, m.token,
                    list(m.options) + [extra], m.payload).encode()
        elif kind == "r_wrong_secret":
            q = dict(p)
            q["secret"] = self.other_bytes(p["secret"], 16, 32)
            cli = Context(q["secret"], q["salt"], p["sid"], p["rid"],
                          q["id_context"], q["alg"])
            slot = 4
            self.derive(4, q, cli, kind)
        elif kind == "r_coap_version":
            T = bytes([R[0] & 0x3f | 0x80]) + R[1:]
        elif kind == "r_inner_bad":
            bad = r.choice([b"", bytes([GET]) + b"\xffhi", bytes([0]),
                            bytes([resp.code, 0x71, 0x05]),   # Uri-Port
                            bytes([resp.code, 0xff]),
                            bytes([resp.code, 0x91, 0x00])])  # OSCORE
            T = protect_response(clone(S0), bind, resp.encode(), with_piv,
                                 n_s, False, bad)
        elif kind == "r_kid_added":
            # A kid in a response (5: not typical): accepted when it is
            # the server's Sender ID, refused (MISMATCH) when another.
            kid = p["rid"] if r.random() < 0.5 else \
                self.other_bytes(p["rid"], 0, 7)
            T = with_opt(OptionValue(o.piv, kid, None).encode())
        elif kind == "r_outer_code":
            T = Msg(m.type, r.choice((CODE(2, 1), CODE(4, 4), CODE(5, 3),
                                      GET, POST, CODE(7, 1))),
                    m.mid, m.token, m.options, m.payload).encode()
        v, res = py_verdict(unprotect_response, cli, b2, T)
        label = ("neg: response %s -> %s" % (kind, v) if v != "OK"
                 else "tamper: response %s still verifies" % kind)
        self.expect_rc("uresp %d %s %s" % (slot, bind_args(b2), hx(T)),
                       label, v, res if v == "OK" else None)

    # -- replay windows ----------------------------------------------------
    def replay_sequence(self, length):
        r, g = self.r, self.g
        p = g.params()
        C = Context(p["secret"], p["salt"], p["sid"], p["rid"],
                    p["id_context"], p["alg"])
        S = C.peer()
        self.derive(1, p, S, "server")
        high = r.choice((0, r.randint(0, 100), r.getrandbits(24),
                         SSN_MAX - 2 * length - 100))
        used = []
        raw = Msg(TYPE_CON, GET, 1, b"\x01", [(O_URI_PATH, b"r")],
                  b"").encode()
        for _ in range(length):
            k = r.random()
            if not used or k < 0.25:
                x = high + 1 if used else high
            elif k < 0.4:
                x = high + r.randint(2, 40)
            elif k < 0.5:
                x = r.choice(used)
            elif k < 0.65:
                x = high - r.randint(1, 31)
            elif k < 0.8:
                x = high - r.choice((30, 31, 32, 33))
            elif k < 0.9:
                x = high - r.randint(33, 200)
            else:
                x = high + r.randint(33, 1000)
            x = max(0, min(SSN_MAX, x))
            used.append(x)
            high = max(high, x)
            Q = protect_request(C, raw, x)[0]
            v, res = py_verdict(unprotect_request, S, Q)
            self.expect_rc("ureq 1 " + hx(Q), "replay window: Partial IV "
                           "%s" % ("accepted" if v == "OK" else "refused"),
                           v, res[0] if v == "OK" else None)

    # -- SSN limits (RFC 8613 7.2.1: 2^40 - 1 is the last) -----------------
    def ssn_edges(self):
        g = self.g
        p = g.params()
        C = Context(p["secret"], p["salt"], p["sid"], p["rid"],
                    p["id_context"], p["alg"])
        S = C.peer()
        self.derive(0, p, C, "client")
        self.derive(1, p, S, "server")
        req = g.request()
        raw = req.encode()
        self.b.add("ssn 0 %d" % SSN_MAX)
        P, bind = protect_request(C, raw, SSN_MAX)
        self.expect_rc("preq 0 " + hx(raw), "ssn: request with SSN 2^40-1",
                       "OK", P)
        self.expect_rc("preq 0 " + hx(raw), "ssn: request after 2^40-1",
                       "OSCORE_SSN_EXHAUSTED")
        self.b.add("ssn 0 %d" % (SSN_MAX + 1))
        self.expect_rc("preq 0 " + hx(raw), "ssn: request with SSN 2^40",
                       "OSCORE_SSN_EXHAUSTED")
        resp = g.response(req, bind.observe)
        rraw = resp.encode()
        self.b.add("ssn 1 %d" % (SSN_MAX + 1))
        self.expect_rc("presp 1 %s 1 %s" % (bind_args(bind), hx(rraw)),
                       "ssn: response with Partial IV after 2^40-1",
                       "OSCORE_SSN_EXHAUSTED")
        # Without a Partial IV no SSN is needed, unless the response is a
        # notification (POLICY: always a Partial IV).
        v, res = py_verdict(protect_response, S, bind, rraw, False,
                            SSN_MAX + 1)
        self.expect_rc("presp 1 %s 0 %s" % (bind_args(bind), hx(rraw)),
                       "ssn: response without Partial IV after 2^40-1",
                       v, res if v == "OK" else None)

    # -- RFC 8613 4.1.3.5: outer FETCH for any request with Observe -------
    def observe_other_methods(self):
        g, r = self.g, self.r
        p = g.params()
        C = Context(p["secret"], p["salt"], p["sid"], p["rid"],
                    p["id_context"], p["alg"])
        self.derive(0, p, C, "client")
        req = g.request()
        code = r.choice((POST, PUT, DELETE, 6, 7))
        opts = [(n, v) for n, v in req.options if n != O_OBSERVE]
        opts.append((O_OBSERVE, uint_bytes(r.choice((0, 1)))))
        req = Msg(req.type, code, req.mid, req.token, opts, req.payload)
        n_c = g.ssn()
        self.b.add("ssn 0 %d" % n_c)
        P = protect_request(C, req.encode(), n_c)[0]
        self.expect_rc("preq 0 " + hx(req.encode()),
                       "RFC 8613 4.1.3.5: Observe in a %s request -> outer "
                       "FETCH" % {2: "POST", 3: "PUT", 4: "DELETE", 6: "PATCH",
                                  7: "iPATCH"}[code], "OK", P)

    # -- contract checks of oscore.h (not RFC 8613 itself) -----------------
    def api_checks(self):
        g, r = self.g, self.r
        p = g.params()
        C = Context(p["secret"], p["salt"], p["sid"], p["rid"],
                    p["id_context"], p["alg"])
        S = C.peer()
        self.derive(0, p, C, "client")
        self.derive(1, p, S, "server")
        req = g.request()
        bind = Binding(C.sid, piv_bytes(r.randint(0, 1000)), False)
        resp = g.response(req, False)
        cases = [
            ("preq", Msg(req.type, req.code, req.mid, req.token,
                         req.options + [(O_PROXY_URI, b"coap://h/x")],
                         req.payload), "ARG",
             "request with Proxy-Uri (4.1.3.3: decompose first)"),
            ("preq", Msg(req.type, req.code, req.mid, req.token,
                         req.options + [(O_OSCORE, b"")], req.payload),
             "ARG", "request with an OSCORE option (4.1.3.7)"),
            ("preq", resp, "ARG", "protect_request of a response"),
            ("presp", req, "ARG", "protect_response of a request"),
            ("presp", Msg(resp.type, CONTENT, resp.mid, resp.token,
                          [(O_OBSERVE, b"\x05")], b"x"), "ARG",
             "notification to a non-Observe request"),
        ]
        for op, m, want, what in cases:
            if op == "preq":
                line = "preq 0 " + hx(m.encode())
            else:
                line = "presp 1 %s 0 %s" % (bind_args(bind), hx(m.encode()))
            self.expect_rc(line, "api: " + what, want)
        bad_bind = Binding(self.other_bytes(C.sid, 0, 7), bind.piv, False)
        self.expect_rc("presp 1 %s 0 %s" % (bind_args(bad_bind),
                                            hx(resp.encode())),
                       "api: protect_response, binding of another context",
                       "OSCORE_MISMATCH")
        # derive: oscore.h lists the refusals.
        sid = g.b(0, 7)
        for q, want, what in (
                (dict(p, sid=sid, rid=sid), "ARG", "equal IDs"),
                (dict(p, sid=g.b(8, 8)), "ARG", "Sender ID of 8 bytes"),
                (dict(p, rid=g.b(8, 8)), "ARG", "Recipient ID of 8 bytes"),
                (dict(p, secret=b""), "ARG", "empty master secret"),
                (dict(p, id_context=g.b(17, 20)), "ARG",
                 "ID Context longer than OBOL_OSCORE_MAX_ID_CONTEXT"),
                (dict(p, alg=r.choice((1, 11, 12, 31, -7))),
                 "CRYPTO_UNSUPPORTED", "AEAD algorithm")):
            self.expect_rc(derive_cmd(6, q, q["sid"], q["rid"]),
                           "api: derive refuses " + what, want)

    # -- the OSCORE option codec (RFC 8613 6.1) ----------------------------
    def option_codec(self):
        r, g = self.r, self.g
        piv = None if r.random() < 0.3 else (
            b"\0" + g.b(0, 4) if r.random() < 0.1 else g.b(1, 5))
        kid = None if r.random() < 0.3 else g.b(0, 7)
        kctx = None if r.random() < 0.6 else g.b(0, 16)
        good = OptionValue(piv, kid, kctx).encode()
        self.expect_rc("optenc %s %s %s" % (hx(piv), hx(kid), hx(kctx)),
                       "option: obol encodes like RFC 8613 6.1", "OK", good)
        k = r.random()
        if k < 0.4:
            val = good
        elif k < 0.6:
            val = g.b(0, 12)
        elif k < 0.75 and good:
            x = bytearray(good)
            x[r.randrange(len(x))] ^= 1 << r.randrange(8)
            val = bytes(x)
        elif k < 0.9 and good:
            val = good[:r.randrange(len(good))]
        else:
            val = good + g.b(1, 3)
        try:
            o = OptionValue.decode(val)
            want = "0 %s %s %s" % (hx(o.piv), hx(o.kid), hx(o.kid_context))
        except OscoreError as e:
            want = "%d" % E[e.name]
        rep = self.rep

        def hook(f):
            got = " ".join(f[:4]) if f[0] == "0" else f[0]
            rep.check("option: obol decodes like the reference", got == want,
                      lambda: "  optdec %s\n    obol:   %s\n    python: %s"
                      % (hx(val), " ".join(f), want))
        self.b.add("optdec " + hx(val), hook)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("harness", help="path of the obol_oscore_diff program")
    ap.add_argument("--pairs", type=int, default=1000,
                    help="exchanges in each direction (default 1000)")
    ap.add_argument("--seed", type=int, default=8613)
    ap.add_argument("--verbose", action="store_true",
                    help="show every mismatch")
    args = ap.parse_args()
    t0 = time.time()
    nvec = self_test()
    print("oscore_diff: the reference matches RFC 8613 Appendix C "
          "(%d vector groups)" % nvec)
    rep = Report(args.verbose)
    run = Runner(random.Random(args.seed), rep)
    for i in range(args.pairs):
        run.exchange_obol_protects()
        run.exchange_python_protects(1, 1)
    for _ in range(max(10, args.pairs // 20)):
        run.replay_sequence(40)
    for _ in range(5):
        run.ssn_edges()
    for _ in range(10):
        run.api_checks()
    for _ in range(max(5, args.pairs // 50)):
        run.observe_other_methods()
    for _ in range(max(500, args.pairs)):
        run.option_codec()
    t_gen = time.time()

    box = {}
    run_harness(args.harness, run.b.lines, box)
    t_run = time.time()
    if "error" in box:
        print("oscore_diff: FAIL: " + box["error"])
        if "results" not in box:
            sys.exit(1)
    results = box.get("results", [])
    for line, hook, res in zip(run.b.lines, run.b.hooks, results):
        f = res.split(" ")
        if f and f[0] == "E":       # the harness could not run the command
            rep.check("harness understood the command", False,
                      "  %s\n    -> %s" % (line[:200], res))
            continue
        if hook is not None:
            try:
                hook(f)
            except Exception as exc:   # a malformed answer is a failure
                rep.check("harness answer well-formed", False,
                          "  %s\n    -> %s\n    (%r)" % (line[:200],
                                                         res[:300], exc))
    if len(results) < len(run.b.lines):
        rep.check("harness answered every command", False,
                  "  %d of %d" % (len(results), len(run.b.lines)))
    t_end = time.time()

    print("oscore_diff: %d commands; generate+reference %.1fs, obol %.1fs, "
          "compare %.1fs" % (len(run.b.lines), t_gen - t0, t_run - t_gen,
                             t_end - t_run))
    width = max(len(k) for k in rep.counts) if rep.counts else 10
    nfail = 0
    for name in sorted(rep.counts):
        ok, bad = rep.counts[name]
        nfail += bad
        print("  %-*s %6d pass %6d fail" % (width, name, ok, bad))
    for name in sorted(rep.info):
        print("  info: %s: %d" % (name, rep.info[name]))
    if rep.fails:
        shown = rep.fails if args.verbose else rep.fails[:12]
        print("oscore_diff: first mismatches:" if not args.verbose
              else "oscore_diff: mismatches:")
        for name, detail in shown:
            print("- " + name)
            if detail:
                print(detail)
        print("oscore_diff: FAIL: %d check(s) failed" % nfail)
        sys.exit(1)
    print("oscore_diff: PASS (%d checks)" % sum(c[0] for c in
                                                rep.counts.values()))
    sys.exit(0)


if __name__ == "__main__":
    main()
