#!/usr/bin/python3
"""
The resource server end to end, with an independent client: obol's AS
(`obol as serve`) and RS (`obol rs serve`) run as real daemons; this
script is the client of the ACE OSCORE profile (RFC 9200, RFC 9203),
written from the RFCs with Python's stdlib, python3-cryptography and
python3-cbor2. OSCORE (RFC 8613) and the CoAP codec are the independent
reference of tests/diff/oscore_diff.py, imported, not obol's C code.

The flow (RFC 9203 4.1-4.3): an unprotected GET /temp gets 4.01 with the AS
Request Creation Hints (RFC 9200 5.3); a token from the AS (over DTLS-PSK
with libcoap's coap-client-openssl, or over coap:// to an AS started with
--insecure-dev); POST /authz-info {1: token, 40: N1, 43: ID1} -> 2.01
{42: N2, 44: ID2}; the OSCORE context (Master Salt = bstr(salt) |
bstr(N1) | bstr(N2), Sender ID = ID2, Recipient ID = ID1); protected
requests. Then every negative case the RS engine documents
(include/obol/rs.h), each with the exact response code and payload.

usage: e2e_rs.py OBOL
"""
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "diff"))

import cbor2  # noqa: E402
from cryptography.hazmat.primitives.ciphers.aead import AESCCM  # noqa: E402

import oscore_diff as ref  # noqa: E402  the RFC 8613 + RFC 7252 reference

OBOL = os.path.abspath(sys.argv[1])
COAP_CLIENT = shutil.which("coap-client-openssl")
KEY1 = bytes.fromhex("000102030405060708090a0b0c0d0e0f")   # rs1, rs2
KEY3 = bytes.fromhex("a0a1a2a3a4a5a6a7a8a9aaabacadaeaf")   # rs3 (no clock)
KEY4 = bytes.fromhex("f0e0d0c0b0a090807060504030201000")   # rs4 (other key)
SECRET1 = "c1-secret-psk-text"
SECRET2 = "c2-secret-psk-text"
GRANT = '[["/temp",["GET"]],["/led",["GET","PUT"]]]'
AIF_GET, AIF_PUT = 1, 4
CF_ACE = 19
DEMO_TEMP = b"21.5 C"                 # src/rs/demo.c: temp_decic = 215

GET, POST, PUT, DELETE = 1, 2, 3, 4
C = ref.CODE
CREATED, CHANGED, CONTENT = C(2, 1), C(2, 4), C(2, 5)
BAD_REQUEST, UNAUTHORIZED, BAD_OPTION, FORBIDDEN = C(4, 0), C(4, 1), C(4, 2), C(4, 3)
NOT_FOUND, METHOD_NOT_ALLOWED, UNSUPPORTED_CF = C(4, 4), C(4, 5), C(4, 15)
O_CF, O_MAX_AGE, O_URI_PATH, O_OSCORE = 12, 14, 11, 9
ACK = ref.TYPE_ACK
INVALID_REQUEST = cbor2.dumps({30: 1})

checks = 0
failures = 0
sizes = {}


def check(cond, what):
    global checks, failures
    checks += 1
    if not cond:
        failures += 1
        print("FAIL:", what, flush=True)
    return cond


def cs(code):
    return "%d.%02d" % (code >> 5, code & 31)


def free_port():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def obol(*args):
    r = subprocess.run([OBOL, *args], capture_output=True, text=True)
    if r.returncode != 0:
        raise SystemExit("obol %s failed (%d): %s" % (" ".join(args), r.returncode, r.stderr))
    return r


# ---------------------------------------------------------------------------
# Processes

procs = {}


def start(name, args, log):
    """Start `obol ARGS`, logging to log; wait for its event=ready."""
    seen = open(log).read().count("event=ready") if os.path.exists(log) else 0
    f = open(log, "a")
    p = subprocess.Popen([OBOL, *args], stdout=f, stderr=f)
    f.close()
    procs[name] = (p, log)
    end = time.time() + 10
    while time.time() < end:
        with open(log) as lf:
            if lf.read().count("event=ready") > seen:
                return p
        if p.poll() is not None:
            break
        time.sleep(0.02)
    raise SystemExit("%s did not start: %s" % (name, open(log).read()))


def stop(name, sig=signal.SIGTERM):
    p, _ = procs.pop(name)
    p.send_signal(sig)
    try:
        return p.wait(timeout=10)
    except subprocess.TimeoutExpired:
        p.kill()
        return p.wait()


def start_rs(name, aud, key, port, extra=()):
    return start(name, ["rs", "serve", "--audience", aud, "--key", key.hex(),
                        "--listen", "coap://127.0.0.1:%d" % port, *extra],
                 os.path.join(WORK, name + ".log"))


# ---------------------------------------------------------------------------
# CoAP over UDP (the reference codec)

class Answer(ref.Msg):
    """A decoded datagram that keeps its bytes."""
    __slots__ = ("raw",)


def decode(raw):
    m = ref.coap_decode(raw)
    a = Answer(m.type, m.code, m.mid, m.token, m.options, m.payload)
    a.raw = raw
    return a


class Peer(object):
    """One UDP socket of the client; CON requests, piggybacked answers."""

    def __init__(self):
        self.s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.s.bind(("127.0.0.1", 0))
        self.s.settimeout(3)
        self.mid = int.from_bytes(os.urandom(2), "big")

    def next_mid(self):
        self.mid = (self.mid + 1) & 0xffff
        return self.mid

    def raw(self, port, data, want_answer=True):
        """Send one datagram; the answer datagram (bytes) or None."""
        self.s.sendto(data, ("127.0.0.1", port))
        if not want_answer:
            return None
        try:
            return self.s.recv(2048)
        except socket.timeout:
            return None

    def close(self):
        self.s.close()


def request(method, path, payload=b"", cf=None, mid=0, token=None, type_=ref.TYPE_CON):
    opts = [(O_URI_PATH, seg.encode()) for seg in path.strip("/").split("/") if seg]
    if cf is not None:
        opts.append((O_CF, ref.uint_bytes(cf)))
    if token is None:
        token = os.urandom(4)
    return ref.Msg(type_, method, mid, token, opts, payload).encode()


def plain_exchange(peer, port, method, path, payload=b"", cf=None, what=""):
    """An unprotected request: (request datagram, decoded answer or None)."""
    tok = os.urandom(4)
    mid = peer.next_mid()
    req = request(method, path, payload, cf, mid, tok)
    ans = peer.raw(port, req)
    if not check(ans is not None, "%s: an answer" % what):
        return req, None
    m = decode(ans)
    check(m.type == ACK and m.mid == mid and m.token == tok,
          "%s: piggybacked ACK, same MID and token (%s)" % (what, m.view()))
    return req, m


def expect_plain(m, code, payload=b"", opts=None, what=""):
    """An unprotected answer with exactly this code, payload and options."""
    if m is None:
        check(False, "%s: no answer" % what)
        return
    check(m.code == code, "%s: %s (got %s)" % (what, cs(code), cs(m.code)))
    check(m.payload == payload, "%s: payload %r (got %r)" % (what, payload, m.payload))
    want = sorted(opts or [])
    check(sorted(m.options) == want, "%s: options %r (got %r)" % (what, want, m.options))


def oscore_error(m, code, diag, what):
    """RFC 8613 8.2: an unprotected error, Outer Max-Age 0, a diagnostic."""
    expect_plain(m, code, diag.encode(), [(O_MAX_AGE, b"")], what)


# ---------------------------------------------------------------------------
# ACE: the AS, /authz-info, the OSCORE context

def coaps_token(port, identity, key, aud, scope=None):
    """A token over DTLS-PSK with coap-client-openssl: the 2.01 payload."""
    m = {5: aud}
    if scope is not None:
        m[9] = scope
    name = os.path.join(WORK, "req-%s.cbor" % os.urandom(4).hex())
    out = name + ".out"
    with open(name, "wb") as f:
        f.write(cbor2.dumps(m))
    r = subprocess.run([COAP_CLIENT, "-m", "post", "-B", "5", "-t", str(CF_ACE),
                        "-u", identity, "-k", key, "-f", name, "-o", out,
                        "coaps://127.0.0.1:%d/token" % port], capture_output=True, timeout=20)
    body = None
    if os.path.exists(out):
        with open(out, "rb") as f:
            body = f.read()
        os.unlink(out)
    os.unlink(name)
    if body is None:
        raise SystemExit("no token over DTLS: %r" % r.stderr)
    return cbor2.loads(body)


def coap_token(peer, port, client, secret, aud, scope=None):
    """A token over coap:// (--insecure-dev: client_id 24, client_secret 25)."""
    m = {5: aud, 24: client, 25: secret.encode()}
    if scope is not None:
        m[9] = scope
    _, ans = plain_exchange(peer, port, POST, "/token", cbor2.dumps(m), CF_ACE, "token")
    if ans is None or ans.code != CREATED:
        raise SystemExit("no token over coap:// for %s: %s" % (aud, ans and ans.view()))
    return cbor2.loads(ans.payload)


def aif(*entries):
    return cbor2.dumps([list(e) for e in entries])


class Client(object):
    """The ACE client side of one access token (RFC 9203 4.1-4.3)."""

    def __init__(self, peer, port, info):
        self.peer, self.port = peer, port
        self.token = info[1]
        osc = info[8][4]
        self.osc = osc
        self.ms, self.salt, self.osc_id = osc[2], osc.get(5, b""), osc[0]
        self.ctx = None

    def post(self, token=None, n1=None, id1=None, what="authz-info"):
        """POST /authz-info; derives a context on 2.01. Returns the answer."""
        self.n1 = n1 if n1 is not None else os.urandom(8)
        self.id1 = id1 if id1 is not None else os.urandom(1)
        body = cbor2.dumps({1: token if token is not None else self.token,
                            40: self.n1, 43: self.id1})
        req, ans = plain_exchange(self.peer, self.port, POST, "/authz-info", body,
                                  CF_ACE, what)
        self.last_req = req
        if ans is not None and ans.code == CREATED:
            r = cbor2.loads(ans.payload)
            self.n2, self.id2 = r.get(42), r.get(44)
            self.ctx = derive(self.ms, self.salt, self.n1, self.n2, self.id2, self.id1)
            self.answer = r
        return ans

    def send(self, method, path, payload=b"", cf=None, ctx=None, what=""):
        """An OSCORE request: (protected request, raw answer, plain answer or
        None if the answer is not protected, binding)."""
        ctx = ctx or self.ctx
        tok = os.urandom(4)
        mid = self.peer.next_mid()
        plain = request(method, path, payload, cf, mid, tok)
        prot, bind = ref.protect_request(ctx, plain)
        ans = self.peer.raw(self.port, prot)
        if not check(ans is not None, "%s: an answer" % what):
            return prot, None, None, bind
        m = decode(ans)
        check(m.type == ACK and m.mid == mid and m.token == tok,
              "%s: piggybacked ACK, same MID and token" % what)
        if m.opt(O_OSCORE) is None:
            return prot, m, None, bind
        try:
            p = ref.coap_decode(ref.unprotect_response(ctx, bind, ans))
        except ref.OscoreError as e:
            check(False, "%s: the response verifies (%s)" % (what, e))
            return prot, m, None, bind
        return prot, m, p, bind

    def expect(self, method, path, code, payload=b"", cf=None, body=b"",
               body_cf=None, ctx=None, what=""):
        """A protected request whose protected answer is exactly code,
        Content-Format cf and payload."""
        prot, outer, p, _ = self.send(method, path, body, body_cf, ctx, what)
        if outer is None:
            return None
        if not check(p is not None, "%s: a protected answer (got %s %r)"
                     % (what, cs(outer.code), outer.payload)):
            return None
        # RFC 8613 4.2: the Outer Code of a (non-Observe) response is 2.04
        check(outer.code == CHANGED, "%s: outer code 2.04 (got %s)" % (what, cs(outer.code)))
        check(p.code == code, "%s: %s (got %s)" % (what, cs(code), cs(p.code)))
        check(p.payload == payload, "%s: payload %r (got %r)" % (what, payload, p.payload))
        want = [] if cf is None else [(O_CF, ref.uint_bytes(cf))]
        check(p.options == want, "%s: inner options %r (got %r)" % (what, want, p.options))
        return prot, outer, p

    def expect_refused(self, method, path, code, diag, ctx=None, what=""):
        """A protected request answered by an unprotected OSCORE error."""
        prot, outer, p, _ = self.send(method, path, b"", None, ctx, what)
        if outer is None:
            return
        check(p is None, "%s: unprotected (RFC 8613 8.2)" % what)
        oscore_error(outer, code, diag, what)


def master_salt(salt, n1, n2):
    """RFC 9203 4.3: salt | N1 | N2, each a CBOR byte string."""
    return ref.cbor(salt) + ref.cbor(n1) + ref.cbor(n2)


def derive(ms, salt, n1, n2, sid, rid):
    # RFC 8613 3.2 defaults: AES-CCM-16-64-128 (10), HKDF SHA-256, no ID Context
    return ref.Context(ms, master_salt(salt, n1, n2), sid, rid, None, 10)


def mint(key, claims):
    """A token written here: COSE_Encrypt0 (RFC 9052 5.3), untagged, with
    AES-CCM-16-64-128 (RFC 9053 4.2) under the RS's key."""
    protected = cbor2.dumps({1: 10})
    iv = os.urandom(13)
    aad = cbor2.dumps(["Encrypt0", protected, b""])
    ct = AESCCM(key, tag_length=8).encrypt(iv, cbor2.dumps(claims), aad)
    return cbor2.dumps([protected, {5: iv}, ct])


def open_token(token, key):
    protected, unprotected, ct = cbor2.loads(token)
    aad = cbor2.dumps(["Encrypt0", protected, b""])
    return cbor2.loads(AESCCM(key, tag_length=8).decrypt(unprotected[5], ct, aad))


def claims_for(aud, scope, exp=None, exi=None, cti=None, osc=None):
    c = {3: aud, 6: int(time.time()), 7: cti or os.urandom(8), 9: scope, 38: 2,
         8: {4: osc or {0: os.urandom(2), 2: os.urandom(16), 5: os.urandom(8)}}}
    if exp is not None:
        c[4] = exp
    if exi is not None:
        c[40] = exi
    return c


def size(name, n):
    sizes.setdefault(name, n)


# ---------------------------------------------------------------------------

def self_test():
    """The Master Salt of RFC 9203 4.3 (its CBOR example) before anything."""
    ms = master_salt(bytes.fromhex("f9af838368e353e78888e1426bd94e6f"),
                     bytes.fromhex("018a278f7faab55a"), bytes.fromhex("25a8991cd700ac01"))
    want = bytes.fromhex("50f9af838368e353e78888e1426bd94e6f"
                         "48018a278f7faab55a4825a8991cd700ac01")
    if not check(ms == want, "Master Salt = the example of RFC 9203 4.3"):
        raise SystemExit("self-test failed")


def main():
    self_test()
    os.environ["OBOL_AS_DB"] = os.path.join(WORK, "as.db")
    obol("as", "init")
    obol("as", "client", "add", "c1", "--secret", SECRET1)
    obol("as", "client", "add", "c2", "--secret", SECRET2)
    obol("as", "rs", "add", "rs1", "--key", KEY1.hex(), "--secret", "rs1-secret")
    # rs2 shares rs1's token key: its tokens decrypt at rs1 (audience: 4.03)
    obol("as", "rs", "add", "rs2", "--key", KEY1.hex(), "--secret", "rs2-secret")
    obol("as", "rs", "add", "rs3", "--key", KEY3.hex(), "--secret", "rs3-secret",
         "--no-clock", "--lifetime", "3")
    obol("as", "rs", "add", "rs4", "--key", KEY4.hex(), "--secret", "rs4-secret")
    for rs in ("rs1", "rs2", "rs3", "rs4"):
        obol("as", "grant", "c1", rs, GRANT)
    obol("as", "grant", "c2", "rs1", '[["/temp",["GET"]]]')

    as_s, as_u, p1, p2, p3, p5 = (free_port() for _ in range(6))
    as_uri = "coaps://127.0.0.1:%d" % as_s
    start("as", ["as", "serve", "--listen", as_uri,
                 "--listen", "coap://127.0.0.1:%d" % as_u, "--insecure-dev"],
          os.path.join(WORK, "as.log"))
    start_rs("rs1", "rs1", KEY1, p1, ["--as", as_uri])
    start_rs("rs3", "rs3", KEY3, p3, ["--no-clock"])

    peer = Peer()
    tok = lambda aud, scope=None, who=("c1", SECRET1): \
        coap_token(peer, as_u, who[0], who[1], aud, scope)  # noqa: E731

    # ---- 1. unprotected request: the AS Request Creation Hints --------------
    _, m = plain_exchange(peer, p1, GET, "/temp", what="unprotected GET /temp")
    hints = cbor2.dumps({1: as_uri, 5: "rs1", 9: aif(("/temp", AIF_GET))})
    expect_plain(m, UNAUTHORIZED, hints, [(O_CF, bytes([CF_ACE]))],
                 "unprotected GET /temp: 4.01 with hints {1: AS, 5: aud, 9: scope}")
    _, m = plain_exchange(peer, p1, PUT, "/led", b"on", what="unprotected PUT /led")
    expect_plain(m, UNAUTHORIZED, cbor2.dumps({1: as_uri, 5: "rs1", 9: aif(("/led", AIF_PUT))}),
                 [(O_CF, bytes([CF_ACE]))], "unprotected PUT /led: hints name this request")
    _, m = plain_exchange(peer, p3, GET, "/temp", what="unprotected GET /temp (no --as)")
    expect_plain(m, UNAUTHORIZED, cbor2.dumps({5: "rs3", 9: aif(("/temp", AIF_GET))}),
                 [(O_CF, bytes([CF_ACE]))], "hints without an AS uri when none is configured")
    _, m = plain_exchange(peer, p1, GET, "/.well-known/core", what="GET /.well-known/core")
    expect_plain(m, CONTENT, b'</temp>;rt="temperature-c";if="core.s",</led>;if="core.a",'
                 b'</authz-info>;rt="ace.ai"', [(O_CF, bytes([40]))],
                 "unprotected resource: served without a token")
    _, m = plain_exchange(peer, p1, GET, "/nothing", what="unprotected GET /nothing")
    expect_plain(m, NOT_FOUND, what="unprotected, unknown resource: 4.04")
    _, m = plain_exchange(peer, p1, DELETE, "/temp", what="unprotected DELETE /temp")
    expect_plain(m, METHOD_NOT_ALLOWED, what="unprotected, method not in the table: 4.05")

    # ---- 2. the token over DTLS-PSK, as the hints say -----------------------
    info = coaps_token(as_s, "c1", SECRET1, "rs1")
    check(set(info) >= {1, 2, 8, 38} and info[38] == 2, "token response (DTLS): %r" % sorted(info))
    size("token (access_token bytes)", len(info[1]))
    size("token response from the AS (payload)", len(cbor2.dumps(info)))

    # ---- 3-5. /authz-info, the context, protected requests -------------------
    a = Client(peer, p1, info)
    ans = a.post(what="POST /authz-info")
    expect_plain(ans, CREATED, ans.payload if ans is not None else b"",
                 [(O_CF, bytes([CF_ACE]))], "POST /authz-info: 2.01 ace+cbor")
    if ans is not None and ans.code == CREATED:
        r = cbor2.loads(ans.payload)
        check(set(r) == {42, 44}, "2.01 {42: N2, 44: ID2} (got %r)" % r)
        check(isinstance(r[42], bytes) and len(r[42]) == 8, "N2: 8 bytes")
        check(isinstance(r[44], bytes) and r[44] != a.id1, "ID2 is a bstr unlike ID1")
        check(ans.payload == cbor2.dumps({42: r[42], 44: r[44]}), "2.01 payload: exactly the map")
        size("POST /authz-info request (datagram)", len(a.last_req))
        size("/authz-info 2.01 response (datagram)", len(ans.raw))
    res = a.expect(GET, "/temp", CONTENT, DEMO_TEMP, 0, what="protected GET /temp")
    if res:
        size("protected GET /temp request (datagram)", len(res[0]))
        size("protected 2.05 response (datagram)", len(res[1].raw))
        check(res[1].opt(O_OSCORE) == b"", "response OSCORE option empty (no Partial IV)")
    a.expect(PUT, "/led", CHANGED, body=b"on", what="protected PUT /led on")
    a.expect(GET, "/led", CONTENT, b"on", 0, what="protected GET /led")
    a.expect(PUT, "/led", BAD_REQUEST, b"payload: on or off", 0, body=b"maybe",
             what="protected PUT /led with a bad payload: the handler's 4.00")
    a.expect(GET, "/nothing", NOT_FOUND, what="protected GET /nothing: 4.04")
    a.expect(DELETE, "/led", METHOD_NOT_ALLOWED, what="protected DELETE /led (not in the table): 4.05")
    a.expect(GET, "/.well-known/core", CONTENT, b'</temp>;rt="temperature-c";if="core.s",'
             b'</led>;if="core.a",</authz-info>;rt="ace.ai"', 40,
             what="protected GET of an unprotected resource")

    # a NON request under OSCORE: a NON protected answer
    tk = os.urandom(2)
    prot, bind = ref.protect_request(a.ctx, request(GET, "/temp", mid=peer.next_mid(), token=tk,
                                                    type_=ref.TYPE_NON))
    ans = peer.raw(p1, prot)
    m = decode(ans) if ans else None
    ok = m is not None and m.type == ref.TYPE_NON and m.token == tk
    if check(ok, "protected NON: a NON answer with the token"):
        p = ref.coap_decode(ref.unprotect_response(a.ctx, bind, ans))
        check(p.code == CONTENT and p.payload == DEMO_TEMP, "protected NON: 2.05 %r" % DEMO_TEMP)
    # a 'kid context' the context does not have (RFC 8613 5: the server
    # SHALL use a context with that ID Context): no such context, 4.01
    kc = ref.Context(a.ms, master_salt(a.salt, a.n1, a.n2), a.ctx.sid, a.ctx.rid, b"\x01", 10)
    kc.ssn = a.ctx.ssn + 100
    a.expect_refused(GET, "/temp", UNAUTHORIZED, "Security context not found", ctx=kc,
                     what="a kid context the RS has not: unprotected 4.01")

    # ---- /authz-info refusals -------------------------------------------------
    _, m = plain_exchange(peer, p1, POST, "/authz-info", b"\xa3\x01\x41", CF_ACE,
                          "malformed CBOR")
    expect_plain(m, BAD_REQUEST, INVALID_REQUEST, [(O_CF, bytes([CF_ACE]))],
                 "malformed CBOR: 4.00 {30: 1}")
    _, m = plain_exchange(peer, p1, POST, "/authz-info", cbor2.dumps({1: info[1], 43: b"\x01"}),
                          CF_ACE, "no nonce1")
    expect_plain(m, BAD_REQUEST, INVALID_REQUEST, [(O_CF, bytes([CF_ACE]))],
                 "no N1: 4.00 {30: 1}")
    for what, body in (("N1 of 33 bytes", {1: info[1], 40: os.urandom(33), 43: b"\x01"}),
                       ("empty N1", {1: info[1], 40: b"", 43: b"\x01"}),
                       ("no ID1", {1: info[1], 40: os.urandom(8)}),
                       ("ID1 of 8 bytes (RFC 8613 3.3: 7 at most)",
                        {1: info[1], 40: os.urandom(8), 43: os.urandom(8)}),
                       ("N1 a text string", {1: info[1], 40: "nonce", 43: b"\x01"}),
                       ("no token", {40: os.urandom(8), 43: b"\x01"}),
                       ("not a map", [info[1], os.urandom(8), b"\x01"])):
        _, m = plain_exchange(peer, p1, POST, "/authz-info", cbor2.dumps(body), CF_ACE, what)
        expect_plain(m, BAD_REQUEST, INVALID_REQUEST, [(O_CF, bytes([CF_ACE]))],
                     "%s: 4.00 {30: 1}" % what)
    # CoAP (RFC 7252 4.3, 5.2.3): a ping gets a Reset; a NON a NON
    mid = peer.next_mid()
    ans = peer.raw(p1, bytes([0x40, 0, mid >> 8, mid & 0xff]))
    check(ans == bytes([0x70, 0, mid >> 8, mid & 0xff]), "CoAP ping: RST, same MID (got %r)" % ans)
    tk = os.urandom(3)
    ans = peer.raw(p1, request(GET, "/temp", mid=peer.next_mid(), token=tk, type_=ref.TYPE_NON))
    m = decode(ans) if ans else None
    check(m is not None and m.type == ref.TYPE_NON and m.token == tk and m.code == UNAUTHORIZED,
          "NON request: NON 4.01, token echoed (got %s)" % (m and m.view()))
    _, m = plain_exchange(peer, p1, POST, "/authz-info",
                          cbor2.dumps({1: info[1], 40: os.urandom(8), 43: b"\x01"}), 50,
                          "Content-Format application/json")
    expect_plain(m, UNSUPPORTED_CF, what="wrong Content-Format: 4.15")
    _, m = plain_exchange(peer, p1, POST, "/authz-info",
                          cbor2.dumps({1: info[1], 40: os.urandom(8), 43: b"\x01"}), None,
                          "no Content-Format")
    expect_plain(m, UNSUPPORTED_CF, what="no Content-Format: 4.15")
    _, m = plain_exchange(peer, p1, GET, "/authz-info", what="GET /authz-info")
    expect_plain(m, METHOD_NOT_ALLOWED, what="GET /authz-info: 4.05")
    _, m = plain_exchange(peer, p1, PUT, "/authz-info", cbor2.dumps({1: info[1]}), CF_ACE,
                          "PUT /authz-info")
    expect_plain(m, METHOD_NOT_ALLOWED, what="PUT /authz-info: 4.05")

    # ---- OSCORE replay (RFC 8613 7.4) and unknown kid (8.2) -------------------
    prot, outer, p, _ = a.send(GET, "/temp", what="a request to replay")
    check(p is not None and p.code == CONTENT, "the original request: 2.05")
    # the same datagram again, as a CoAP retransmission: the server's
    # message layer answers it with the same response (RFC 7252 4.5), it
    # does not reach OSCORE a second time
    ans = peer.raw(p1, prot)
    check(ans == outer.encode(), "the same datagram again: the first answer, byte for byte "
          "(got %r)" % (ans and decode(ans).view()))
    # the same protected request under another Message ID (an attacker's
    # copy; far from the MIDs this peer uses next, see RFC 7252 4.5)
    rm = ref.coap_decode(prot)
    rm.mid = (rm.mid ^ 0x8000) & 0xffff
    ans = peer.raw(p1, rm.encode())
    m = ref.coap_decode(ans) if ans else None
    oscore_error(m, UNAUTHORIZED, "Replay detected", "replay with another MID: unprotected 4.01")
    a.expect(GET, "/temp", CONTENT, DEMO_TEMP, 0, what="the context works after a replay")
    # an earlier Partial IV never seen (inside the window): accepted
    old_ssn = a.ctx.ssn
    a.ctx.ssn = old_ssn + 5
    a.expect(GET, "/temp", CONTENT, DEMO_TEMP, 0, what="a Partial IV ahead")
    a.ctx.ssn = old_ssn + 2
    a.expect(GET, "/temp", CONTENT, DEMO_TEMP, 0, what="an unseen Partial IV inside the window")
    a.ctx.ssn = old_ssn + 6
    # a kid no slot has (RS IDs are one byte: two bytes never match)
    ghost = ref.Context(os.urandom(16), b"", b"\xfe\xfd", b"\x01", None, 10)
    x = Client(peer, p1, info)
    x.expect_refused(GET, "/temp", UNAUTHORIZED, "Security context not found", ctx=ghost,
                     what="unknown kid: unprotected 4.01")
    # the right kid, the wrong key: decryption fails, 4.00
    wrong = ref.Context(os.urandom(16), b"", a.ctx.sid, a.ctx.rid, None, 10)
    wrong.ssn = 1000
    x.expect_refused(GET, "/temp", BAD_REQUEST, "Decryption failed", ctx=wrong,
                     what="a known kid, another key: unprotected 4.00")
    # an OSCORE option with reserved flag bits: 4.02
    mm = ref.Msg(ref.TYPE_CON, POST, peer.next_mid(), os.urandom(4),
                 [(O_OSCORE, b"\x29\x01" + a.ctx.sid)], os.urandom(12))
    ans = peer.raw(p1, mm.encode())
    oscore_error(ref.coap_decode(ans) if ans else None, BAD_OPTION, "Failed to decode COSE",
                 "malformed OSCORE option: unprotected 4.02")
    a.expect(GET, "/temp", CONTENT, DEMO_TEMP, 0, what="the context survives the refusals")

    # ---- reposting a token (RFC 9203 4.1, 6; rs.h "Reposting a token") --------
    old_ctx, old_id2 = a.ctx, a.id2
    ans = a.post(what="repost")
    check(ans is not None and ans.code == CREATED, "repost: 2.01")
    new_ctx = a.ctx
    check(a.id2 != old_id2, "repost: a new ID2 (%r, was %r)" % (a.id2, old_id2))
    check(new_ctx.sender_key != old_ctx.sender_key, "repost: new nonces, new keys")
    a.expect(GET, "/temp", CONTENT, DEMO_TEMP, 0, ctx=old_ctx,
             what="repost: the old context works until the new one is used")
    # a second repost before the new one is used replaces the pending one
    ans = a.post(what="repost again")
    newer_ctx = a.ctx
    a.expect_refused(GET, "/temp", UNAUTHORIZED, "Security context not found", ctx=new_ctx,
                     what="second repost: the first pending context is gone")
    a.expect(GET, "/temp", CONTENT, DEMO_TEMP, 0, ctx=old_ctx,
             what="second repost: the old active context still works")
    a.expect(GET, "/led", CONTENT, b"on", 0, ctx=newer_ctx, what="repost: the new context works")
    a.expect_refused(GET, "/temp", UNAUTHORIZED, "Security context not found", ctx=old_ctx,
                     what="repost: the old context is dropped once the new one is used")
    a.expect(GET, "/temp", CONTENT, DEMO_TEMP, 0, ctx=newer_ctx, what="repost: the new one stays")

    # ---- exp expiry: two tokens written here with exp 58 s ago (the RS
    # tolerates 60 s of skew), checked after the exi phase (3 s later)
    now = int(time.time())
    zs = []
    for i in range(2):
        claims = claims_for("rs1", aif(("/temp", AIF_GET)), exp=now - 58)
        z = Client(peer, p1, {1: mint(KEY1, claims), 8: claims[8]})
        ans = z.post(what="exp token %d" % i)
        check(ans is not None and ans.code == CREATED, "exp within the leeway: 2.01")
        z.expect(GET, "/temp", CONTENT, DEMO_TEMP, 0, what="exp within the leeway: GET /temp")
        zs.append(z)

    # ---- tokens, scopes, updates: at a second rs1 instance (rs1c), so that
    # ---- their slots leave the first client alone (4 slots, rs.h)
    start_rs("rs1c", "rs1", KEY1, p2)
    # a token for another audience (rs2 shares rs1's key): 4.03
    t2 = tok("rs2")
    x = Client(peer, p2, t2)
    expect_plain(x.post(what="rs2's token at rs1"), FORBIDDEN, what="token for another audience: 4.03")
    # a token under another RS's key: it cannot be opened, 4.01
    x = Client(peer, p2, tok("rs4"))
    expect_plain(x.post(what="rs4's token at rs1"), UNAUTHORIZED,
                 what="token under an unknown key: 4.01")
    # tampered: one byte of the ciphertext (the tag fails) -> 4.01
    t = tok("rs1")
    bad = bytearray(t[1])
    bad[-3] ^= 0x01
    x = Client(peer, p2, t)
    expect_plain(x.post(token=bytes(bad), what="tampered token"), UNAUTHORIZED,
                 what="tampered token (a ciphertext byte flipped): 4.01")
    check(x.ctx is None, "tampered token: no context")
    # the same token, untouched, still works (the failed try held no slot)
    ans = x.post(what="the untampered token")
    check(ans is not None and ans.code == CREATED, "the untampered token: 2.01")
    x.expect(GET, "/temp", CONTENT, DEMO_TEMP, 0, what="untampered token: GET /temp")
    # a token written here (same format), valid: accepted ...
    claims = claims_for("rs1", aif(("/temp", AIF_GET)), exp=int(time.time()) + 600)
    y = Client(peer, p2, {1: mint(KEY1, claims), 8: claims[8]})
    ans = y.post(what="a token minted by the test")
    check(ans is not None and ans.code == CREATED, "a token minted by the test: 2.01")
    y.expect(GET, "/temp", CONTENT, DEMO_TEMP, 0, what="minted token: GET /temp")
    # ... and the same with exp an hour ago (beyond the RS's leeway): 4.01
    claims = claims_for("rs1", aif(("/temp", AIF_GET)), exp=int(time.time()) - 3600)
    y = Client(peer, p2, {1: mint(KEY1, claims), 8: claims[8]})
    expect_plain(y.post(what="expired token"), UNAUTHORIZED, what="expired (exp) token: 4.01")
    # a token with exp at an RS without a clock: no checkable expiry, 4.01
    claims = claims_for("rs3", aif(("/temp", AIF_GET)), exp=int(time.time()) + 600)
    y = Client(peer, p3, {1: mint(KEY3, claims), 8: claims[8]})
    expect_plain(y.post(what="exp token at a clockless RS"), UNAUTHORIZED,
                 what="exp token at an RS without a clock: 4.01")
    # another ace_profile (coap_dtls = 1): 4.00 {30: 8}
    claims = claims_for("rs1", aif(("/temp", AIF_GET)), exp=int(time.time()) + 600)
    claims[38] = 1
    y = Client(peer, p2, {1: mint(KEY1, claims), 8: claims[8]})
    expect_plain(y.post(what="coap_dtls token"), BAD_REQUEST, cbor2.dumps({30: 8}),
                 [(O_CF, bytes([CF_ACE]))], "ace_profile coap_dtls: 4.00 {30: 8}")
    # a text scope: 4.00 invalid_scope {30: 6}
    claims = claims_for("rs1", "read", exp=int(time.time()) + 600)
    y = Client(peer, p2, {1: mint(KEY1, claims), 8: claims[8]})
    expect_plain(y.post(what="text scope"), BAD_REQUEST, cbor2.dumps({30: 6}),
                 [(O_CF, bytes([CF_ACE]))], "a text scope: 4.00 {30: 6}")

    # ---- scope violations (RFC 9200 5.10.2) -----------------------------------
    s = Client(peer, p2, tok("rs1", aif(("/temp", AIF_GET))))
    s.post(what="scope GET /temp")
    s.expect(GET, "/temp", CONTENT, DEMO_TEMP, 0, what="scope [/temp GET]: GET /temp")
    s.expect(GET, "/led", FORBIDDEN, what="scope [/temp GET]: GET /led (path not in scope): 4.03")
    s.expect(PUT, "/led", FORBIDDEN, body=b"on", what="scope [/temp GET]: PUT /led: 4.03")
    s.expect(PUT, "/temp", METHOD_NOT_ALLOWED, body=b"1",
             what="scope [/temp GET]: PUT /temp (not in the resource's table): 4.05")
    s2 = Client(peer, p2, tok("rs1", aif(("/temp", AIF_GET), ("/led", AIF_GET))))
    s2.post(what="scope GET /temp, GET /led")
    s2.expect(GET, "/led", CONTENT, b"off", 0, what="scope [/led GET]: GET /led")
    s2.expect(PUT, "/led", METHOD_NOT_ALLOWED, body=b"on",
              what="scope [/led GET]: PUT /led (path named, method not): 4.05")
    s2.expect(GET, "/led", CONTENT, b"off", 0, what="the refused PUTs did not change the LED")
    # c2's grant is GET /temp only: the AS gives no more
    c2 = Client(peer, p2, tok("rs1", who=("c2", SECRET2)))
    c2.post(what="c2's token")
    c2.expect(GET, "/led", FORBIDDEN, what="c2 (granted GET /temp): GET /led: 4.03")

    # ---- protected POST /authz-info: update of access rights ------------------
    # s holds [/temp GET] with OSCORE Input Material id s.osc_id; a token
    # whose cnf is that kid (RFC 9203 4.1, RFC 8747 3.1) widens the scope
    claims = claims_for("rs1", aif(("/temp", AIF_GET), ("/led", AIF_GET | AIF_PUT)),
                        exp=int(time.time()) + 600)
    claims[8] = {3: s.osc_id}
    s.expect(POST, "/authz-info", CREATED, body=cbor2.dumps({1: mint(KEY1, claims)}),
             body_cf=CF_ACE, what="protected POST /authz-info (kid cnf): protected 2.01")
    s.expect(PUT, "/led", CHANGED, body=b"on", what="after the update: PUT /led allowed")
    s.expect(GET, "/led", CONTENT, b"on", 0, what="after the update: GET /led allowed")
    claims[8] = {3: b"\x00\x00"}
    s.expect(POST, "/authz-info", UNAUTHORIZED, body=cbor2.dumps({1: mint(KEY1, claims)}),
             body_cf=CF_ACE, what="update with another kid: protected 4.01")
    s.expect(POST, "/authz-info", UNAUTHORIZED, body=cbor2.dumps({1: tok("rs1")[1]}),
             body_cf=CF_ACE, what="update with a full OSCORE_Input_Material token: protected 4.01")
    s.expect(GET, "/authz-info", METHOD_NOT_ALLOWED, what="protected GET /authz-info: 4.05")

    # ---- ID2 (RFC 9203 4.2): unlike ID1, colliding with no Recipient ID in
    # use. One token reposted 260 times, each time with ID1 = the RS's next
    # ID2 candidate (its counter steps by one): two wraps of the byte.
    held = s.id2
    t = Client(peer, p2, tok("rs1"))
    ans = t.post(what="ID2 probe")
    bad_eq, bad_held, n_ok = 0, 0, 0
    for _ in range(260):
        id1 = bytes([(t.id2[0] + 1) & 0xff]) if isinstance(t.id2, bytes) and len(t.id2) == 1 \
            else b"\x00"
        ans = t.post(id1=id1, what="ID2 probe")
        if ans is None or ans.code != CREATED:
            break
        n_ok += 1
        bad_eq += t.id2 == id1
        bad_held += t.id2 == held
    check(n_ok == 260, "260 reposts: 2.01 each (%d)" % n_ok)
    check(bad_eq == 0, "ID2 never equals ID1 (%d times it did)" % bad_eq)
    check(bad_held == 0, "ID2 never equals a Recipient ID in use (%d times)" % bad_held)
    t.expect(GET, "/temp", CONTENT, DEMO_TEMP, 0, what="the last of 260 reposts works")
    s.expect(GET, "/temp", CONTENT, DEMO_TEMP, 0, what="the holder of the ID kept its context")
    # an empty ID1 is an ID (RFC 8613 3.3 allows it)
    ans = t.post(id1=b"", what="empty ID1")
    check(ans is not None and ans.code == CREATED, "empty ID1: 2.01")
    t.expect(GET, "/temp", CONTENT, DEMO_TEMP, 0, what="empty ID1: GET /temp")
    stop("rs1c")

    # ---- exi (RFC 9200 5.10.3) at rs3: no clock, tokens of 3 s -----------------
    e_info = coaps_token(as_s, "c1", SECRET1, "rs3")  # over DTLS once more
    check(40 in open_token(e_info[1], KEY3) and 4 not in open_token(e_info[1], KEY3),
          "rs3's token carries exi, not exp")
    e = Client(peer, p3, e_info)
    t0 = time.monotonic()
    ans = e.post(what="exi token at rs3")
    check(ans is not None and ans.code == CREATED, "exi token: 2.01")
    e.expect(GET, "/temp", CONTENT, DEMO_TEMP, 0, what="exi token: GET /temp")
    time.sleep(max(0.0, t0 + 1.0 - time.monotonic()))
    ans = e.post(what="exi repost")
    check(ans is not None and ans.code == CREATED, "exi token reposted: 2.01")
    e.expect(GET, "/temp", CONTENT, DEMO_TEMP, 0, what="exi repost: the new context")
    time.sleep(max(0.0, t0 + 3.2 - time.monotonic()))
    # rs.h: a repost keeps the first arrival: 3 s after it, expired
    e.expect_refused(GET, "/temp", UNAUTHORIZED, "Security context not found",
                     what="exi expired (counted from the first post): unprotected 4.01")
    expect_plain(e.post(what="expired exi token reposted"), UNAUTHORIZED,
                 what="an exi token seen expiring, posted again: 4.01")
    e2 = Client(peer, p3, tok("rs3"))
    ans = e2.post(what="a newer exi token")
    check(ans is not None and ans.code == CREATED, "a newer exi token (higher cti sequence): 2.01")
    e2.expect(GET, "/temp", CONTENT, DEMO_TEMP, 0, what="newer exi token: GET /temp")
    stop("rs3")

    # exp passed (2 s beyond the leeway by now)
    z1, z2 = zs
    z1.expect_refused(GET, "/temp", UNAUTHORIZED, "Security context not found",
                      what="exp passed: unprotected 4.01 (RFC 9203 4.3)")
    expect_plain(z1.post(what="expired exp token again"), UNAUTHORIZED,
                 what="the expired exp token posted again: 4.01")
    # rs1 holds a (active) and z2 (expired, not yet noticed): two more
    # fill it; the next evicts the expired slot first, not a pending one
    q = [Client(peer, p1, tok("rs1")) for _ in range(3)]
    for c in q:
        ans = c.post(what="q")
        check(ans is not None and ans.code == CREATED, "filling rs1: 2.01")
    for i, c in enumerate(q):
        c.expect(GET, "/temp", CONTENT, DEMO_TEMP, 0,
                 what="eviction takes the expired slot first: pending %d kept" % i)
    z2.expect_refused(GET, "/temp", UNAUTHORIZED, "Security context not found",
                      what="the expired slot was the one evicted")
    a.expect(GET, "/temp", CONTENT, DEMO_TEMP, 0, what="the first client still works")

    # ---- slot exhaustion and eviction (rs.h "Slots and eviction") -------------
    start_rs("rs1b", "rs1", KEY1, p5)
    act = Client(peer, p5, tok("rs1"))
    act.post(what="active client")
    act.expect(GET, "/temp", CONTENT, DEMO_TEMP, 0, what="eviction: the active client")
    pend = [Client(peer, p5, tok("rs1")) for _ in range(5)]
    for i, c in enumerate(pend):
        ans = c.post(what="pending %d" % i)
        check(ans is not None and ans.code == CREATED, "token %d of 5 beyond the active one: 2.01" % i)
        act.expect(GET, "/temp", CONTENT, DEMO_TEMP, 0,
                   what="the active client keeps working after token %d" % i)
    # 4 slots: act + 3 pending; tokens 3 and 4 evicted the oldest pending (0, 1)
    for i in (0, 1):
        pend[i].expect_refused(GET, "/temp", UNAUTHORIZED, "Security context not found",
                               what="pending %d evicted (least recently created)" % i)
    for i in (2, 3, 4):
        pend[i].expect(GET, "/temp", CONTENT, DEMO_TEMP, 0, what="pending %d kept" % i)
    act.expect(GET, "/temp", CONTENT, DEMO_TEMP, 0, what="active client after the flood")
    # all four slots active now; pend[2] is the least recently used
    late = Client(peer, p5, tok("rs1"))
    ans = late.post(what="a fifth token, no pending slot left")
    check(ans is not None and ans.code == CREATED, "no pending slot: still 2.01")
    pend[2].expect_refused(GET, "/temp", UNAUTHORIZED, "Security context not found",
                           what="no pending slot: the least recently used active one goes")
    for c, w in ((pend[3], "pending 3"), (pend[4], "pending 4"), (act, "active"),
                 (late, "the fifth")):
        c.expect(GET, "/temp", CONTENT, DEMO_TEMP, 0, what="after LRU eviction: %s works" % w)
    # a flood of 12 more: the active ones stay as long as one slot is pending
    flood = [Client(peer, p5, tok("rs1")) for _ in range(12)]
    late.expect(GET, "/temp", CONTENT, DEMO_TEMP, 0, what="before the flood")
    for c in flood:
        c.post(what="flood")
    for c, w in ((pend[4], "pending 4"), (act, "active"), (late, "the fifth")):
        c.expect(GET, "/temp", CONTENT, DEMO_TEMP, 0, what="flood of 12 tokens: %s survives" % w)
    flood[-1].expect(GET, "/temp", CONTENT, DEMO_TEMP, 0, what="flood: the last token works")
    for c in flood[:-1]:
        c.expect_refused(GET, "/temp", UNAUTHORIZED, "Security context not found",
                         what="flood: earlier pending tokens were cycled out")
    # ---- datagram size: the RS takes up to 1280 bytes (IPv6 minimum MTU).
    # A POST whose payload is one CBOR map ending exactly at byte 1280 is
    # served; the same with 40 more bytes (trailing bytes: not one CBOR
    # item, RFC 9200 5.10.1 wants 4.00) must not be cut to 1280 and served
    big = tok("rs1")[1]
    head = request(POST, "/authz-info", b"", CF_ACE, 0x1234, b"\x01")
    body = None
    for pad in range(900, 1250):
        body = cbor2.dumps({1: big, 40: os.urandom(8), 43: b"\x05", 99: b"x" * pad})
        if len(head) + 1 + len(body) == 1280:
            break
    d = request(POST, "/authz-info", body, CF_ACE, peer.next_mid(), b"\x01")
    check(len(d) == 1280, "a 1280-byte datagram built (%d)" % len(d))
    ans = peer.raw(p5, d)
    check(ans is not None and decode(ans).code == CREATED, "1280-byte POST /authz-info: 2.01")
    d = request(POST, "/authz-info", body + b"\xff" * 40, CF_ACE, peer.next_mid(), b"\x01")
    peer.s.settimeout(0.5)
    ans = peer.raw(p5, d)
    peer.s.settimeout(3)
    check(ans is None or decode(ans).code == BAD_REQUEST,
          "a 1320-byte datagram is not cut to 1280 and served (got %s)"
          % (ans and cs(decode(ans).code)))
    _, m = plain_exchange(peer, p5, GET, "/.well-known/core", what="RS still answering")
    check(m is not None and m.code == CONTENT, "the RS keeps answering")
    stop("rs1b")

    # ---- RS restart ------------------------------------------------------------
    rc = stop("rs1", signal.SIGKILL)
    check(rc == -signal.SIGKILL, "rs1 killed")
    start_rs("rs1", "rs1", KEY1, p1, ["--as", as_uri])
    a.expect_refused(GET, "/temp", UNAUTHORIZED, "Security context not found",
                     what="after a restart: the old context is unknown, unprotected 4.01")
    before = a.ctx
    ans = a.post(what="repost after restart")
    check(ans is not None and ans.code == CREATED, "after a restart: the same token again, 2.01")
    check(a.ctx.sender_key != before.sender_key, "after a restart: new keys")
    a.expect(GET, "/temp", CONTENT, DEMO_TEMP, 0, what="after a restart: access restored")
    a.expect(GET, "/led", CONTENT, b"off", 0, what="after a restart: the LED state is RAM only")

    peer.close()
    rc = stop("rs1")
    check(rc == 0, "rs1: SIGTERM, exit 0 (got %s)" % rc)
    log = open(os.path.join(WORK, "rs1.log")).read()
    check("event=stopped" in log, "rs1 logged event=stopped")
    stop("as")


WORK = tempfile.mkdtemp(prefix="obol-e2e-rs-")
t_start = time.time()
try:
    main()
except SystemExit as exc:
    failures += 1
    print("FAIL: stopped:", exc)
except Exception:
    import traceback
    traceback.print_exc()
    failures += 1
finally:
    for name in list(procs):
        p, _ = procs.pop(name)
        if p.poll() is None:
            p.kill()
        p.wait()
    if failures:
        for f in sorted(os.listdir(WORK)):
            if f.endswith(".log"):
                print("---- %s" % f)
                print(open(os.path.join(WORK, f)).read()[-4000:])
    shutil.rmtree(WORK, ignore_errors=True)

for k, v in sizes.items():
    print("size: %-42s %4d bytes" % (k, v))
print("e2e_rs: %d checks, %d failures (%.1f s)" % (checks, failures, time.time() - t_start))
sys.exit(1 if failures or checks == 0 else 0)
