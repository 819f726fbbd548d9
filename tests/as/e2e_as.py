#!/usr/bin/python3
"""
The AS end to end, with independent peers: an operator sets it up with
`obol as ...`, libcoap's coap-client-openssl (Debian libcoap3-bin) asks for
tokens over DTLS-PSK, and this script, with python3-cryptography and
python3-cbor2 (not obol's code), opens each token with the RS key and checks
every claim, the cnf the client got, and what the store holds (Python's
sqlite3, read-only).

usage: e2e_as.py OBOL
"""
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time

import cbor2
from cryptography.hazmat.primitives.ciphers.aead import AESCCM

OBOL = os.path.abspath(sys.argv[1])
CLIENT = shutil.which("coap-client-openssl")
RS_KEY = bytes.fromhex("000102030405060708090a0b0c0d0e0f")
RS2_KEY = bytes.fromhex("f0e0d0c0b0a090807060504030201000")
SECRET = "c1-secret-psk-text"
RS_SECRET = "rs1-introspection-psk"
AIF_GRANT = '[["/temp",["GET"]],["/led",["GET","PUT"]]]'
GET, PUT, DELETE = 1, 4, 8

checks = 0
failures = 0


def check(cond, what):
    global checks, failures
    checks += 1
    if not cond:
        failures += 1
        print("FAIL:", what, flush=True)


def free_port():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def obol(*args, ok=True):
    r = subprocess.run([OBOL, *args], capture_output=True, text=True)
    if ok and r.returncode != 0:
        raise SystemExit("obol %s failed (%d): %s" % (" ".join(args), r.returncode, r.stderr))
    return r


def coap(uri, payload, identity=None, key=None, cf=19, wait=4):
    """POST with coap-client-openssl; returns (code, payload bytes) or
    (None, b"") when no response came (e.g. a failed handshake)."""
    with tempfile.NamedTemporaryFile(dir=WORK, delete=False) as f:
        f.write(payload)
        name = f.name
    out = name + ".out"
    cmd = [CLIENT, "-m", "post", "-B", str(wait), "-t", str(cf), "-f", name, "-o", out]
    if identity is not None:
        cmd += ["-u", identity, "-k", key]
    cmd.append(uri)
    r = subprocess.run(cmd, capture_output=True, timeout=wait + 10)
    # coap-client writes a 2.xx payload to -o; for 4.xx/5.xx it prints
    # "C.DD " and the payload on standard error.
    if os.path.exists(out):
        with open(out, "rb") as f:
            body = f.read()
        os.unlink(out)
        os.unlink(name)
        return "2.01", body
    os.unlink(name)
    err = r.stderr
    for line_start in range(len(err)):
        chunk = err[line_start:line_start + 5]
        if len(chunk) == 5 and chunk[0:1].isdigit() and chunk[1:2] == b"." and chunk[4:5] in (b" ", b"\n"):
            if line_start == 0 or err[line_start - 1:line_start] == b"\n":
                return chunk[:4].decode(), err[line_start + 5:].rstrip(b"\n") if chunk[4:5] == b" " else b""
    return None, b""


def db_counts():
    con = sqlite3.connect("file:%s?mode=ro" % DB, uri=True)
    try:
        return {t: con.execute("SELECT count(*) FROM %s" % t).fetchone()[0]
                for t in ("clients", "rs", "grants", "tokens", "audit")}
    finally:
        con.close()


def settle(cond, timeout=2.0):
    """The AS commits a burst of requests at once (group commit): its
    records are durable in the journal before a response leaves, and in the
    database a moment later. Wait for cond() up to timeout seconds."""
    end = time.time() + timeout
    while not cond() and time.time() < end:
        time.sleep(0.01)


def db_token(cti):
    con = sqlite3.connect("file:%s?mode=ro" % DB, uri=True)
    try:
        return con.execute("SELECT client, audience, scope, iat, exp, revoked FROM tokens WHERE cti = ?",
                           (cti,)).fetchone()
    finally:
        con.close()


def open_token(token, key):
    """COSE_Encrypt0 (RFC 9052 5.3) with AES-CCM-16-64-128 (RFC 9053 4.2)."""
    msg = cbor2.loads(token)
    if isinstance(msg, cbor2.CBORTag):
        msg = msg.value
    protected, unprotected, ct = msg
    check(cbor2.loads(protected) == {1: 10}, "protected header {1: 10}")
    aad = cbor2.dumps(["Encrypt0", protected, b""])
    return cbor2.loads(AESCCM(key, tag_length=8).decrypt(unprotected[5], ct, aad))


def token_request(aud, scope=None, extra=None):
    m = {5: aud}
    if scope is not None:
        m[9] = scope
    if extra:
        m.update(extra)
    return cbor2.dumps(m)


def ace_error(body):
    try:
        return cbor2.loads(body).get(30)
    except Exception:
        return None


def as_printed(body):
    """coap-client prints an error payload with every byte outside
    0x20..0x7e replaced by '.'."""
    return bytes(b if 0x20 <= b <= 0x7e else 0x2e for b in body)


def ace_error_body(err, why):
    return cbor2.dumps({30: err, 31: why})


def coap_udp(port, path, payload, cf=19):
    """A plain CoAP POST over UDP (RFC 7252 3), written here so that the
    coap:// error bodies can be decoded exactly; returns (code, payload)."""
    mid = os.getpid() & 0xffff
    opts = b""
    last = 0
    for num, val in ((11, path.encode()), (12, bytes([cf]) if cf else b"")):
        delta = num - last
        opts += bytes([(delta << 4) | len(val)]) + val
        last = num
    msg = bytes([0x41, 0x02, mid >> 8, mid & 0xff, 0x7a]) + opts + b"\xff" + payload
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(3)
    s.sendto(msg, ("127.0.0.1", port))
    data = s.recv(2048)
    s.close()
    code = "%d.%02d" % (data[1] >> 5, data[1] & 31)
    i = 4 + (data[0] & 15)
    while i < len(data) and data[i] != 0xff:
        d, l = data[i] >> 4, data[i] & 15
        i += 1
        if d == 13:
            i += 1
        if l == 13:
            l = 13 + data[i]
            i += 1
        i += l
    return code, data[i + 1:] if i < len(data) else b""


WORK = tempfile.mkdtemp(prefix="obol-e2e-as-")
DB = os.path.join(WORK, "as.db")
LOG = os.path.join(WORK, "as.log")
server = None
try:
    os.environ["OBOL_AS_DB"] = DB
    obol("as", "init")
    obol("as", "client", "add", "c1", "--secret", SECRET)
    obol("as", "client", "add", "c2", "--secret", "c2-secret")
    obol("as", "rs", "add", "rs1", "--key", RS_KEY.hex(), "--secret", RS_SECRET, "--lifetime", "600")
    obol("as", "rs", "add", "rs2", "--key", RS2_KEY.hex(), "--secret", "rs2-secret", "--no-clock")
    obol("as", "grant", "c1", "rs1", AIF_GRANT)
    obol("as", "grant", "c1", "rs2", "read write")

    ps, pu = free_port(), free_port()
    coaps = "coaps://127.0.0.1:%d" % ps
    coap_uri = "coap://127.0.0.1:%d" % pu
    log = open(LOG, "w")
    server = subprocess.Popen([OBOL, "as", "serve", "--listen", coaps, "--listen", coap_uri,
                               "--insecure-dev"], stdout=log, stderr=log)
    for _ in range(100):
        if "event=ready" in open(LOG).read():
            break
        time.sleep(0.05)
    check("event=ready" in open(LOG).read(), "the AS is ready")
    check("event=warning" in open(LOG).read(), "--insecure-dev warns at start")

    # ---- the happy path: DTLS-PSK, AIF scope, a clock at the RS --------
    before = db_counts()
    t0 = int(time.time())
    code, body = coap(coaps + "/token", token_request("rs1", cbor2.dumps([["/temp", GET | PUT], ["/led", PUT]])),
                      "c1", SECRET)
    check(code == "2.01", "token over DTLS: 2.01 (got %s)" % code)
    resp = cbor2.loads(body)
    check(set(resp) == {1, 2, 8, 9, 38}, "response parameters %s" % sorted(resp))
    check(resp[2] == 600, "expires_in = the RS's lifetime")
    check(resp[38] == 2, "ace_profile = coap_oscore")
    # asked GET|PUT on /temp (granted GET) and PUT on /led: the intersection
    issued = [["/temp", GET], ["/led", PUT]]
    check(cbor2.loads(resp[9]) == issued, "scope = asked ∩ granted: %r" % cbor2.loads(resp[9]))
    claims = open_token(resp[1], RS_KEY)
    check(claims[3] == "rs1", "aud")
    check(cbor2.loads(claims[9]) == issued, "scope claim")
    check(t0 - 2 <= claims[6] <= int(time.time()) + 2, "iat is now")
    check(claims[4] == claims[6] + 600, "exp = iat + lifetime")
    check(isinstance(claims[7], bytes) and len(claims[7]) == 8, "cti: 8 random bytes")
    check(claims[38] == 2, "ace_profile claim")
    check(40 not in claims, "no exi for an RS with a clock")
    osc = claims[8][4]
    check(set(osc) == {0, 2, 5} and len(osc[2]) == 16 and len(osc[5]) == 8,
          "cnf: OSCORE_Input_Material {id, ms (16), salt (8)}")
    check(resp[8] == claims[8], "the client's cnf is the token's cnf")
    settle(lambda: db_token(claims[7]) is not None)
    rec = db_token(claims[7])
    check(rec is not None and rec[0] == "c1" and rec[1] == "rs1" and rec[3] == claims[6]
          and rec[4] == claims[4] and rec[5] == 0, "the token record: %r" % (rec,))
    after = db_counts()
    check(after["tokens"] == before["tokens"] + 1 and after["audit"] == before["audit"],
          "one record, no audit event")
    cti1, token1 = claims[7], resp[1]

    # a second token: fresh cti and keys
    code, body = coap(coaps + "/token", token_request("rs1"), "c1", SECRET)
    resp2 = cbor2.loads(body)
    claims2 = open_token(resp2[1], RS_KEY)
    check(claims2[7] != cti1 and claims2[8][4][2] != osc[2], "fresh cti and master secret")
    check(cbor2.loads(resp2[9]) == cbor2.loads(cbor2.dumps(
        [["/temp", GET], ["/led", GET | PUT]])), "no scope asked: the whole grant, returned")

    # an RS without a clock: exi, no exp; a text scope
    code, body = coap(coaps + "/token", token_request("rs2", "write admin"), "c1", SECRET)
    check(code == "2.01", "token for rs2")
    resp3 = cbor2.loads(body)
    claims3 = open_token(resp3[1], RS2_KEY)
    check(claims3.get(40) == 3600 and 4 not in claims3, "exi for an RS without a clock")
    check(claims3[9] == "write" and resp3[9] == "write", "text scope intersection")
    # RFC 9200 5.10.3: the cti of an exi token is the RS's identifier and
    # a sequence number counting the exi tokens issued for it
    check(claims3[7] == b"rs2" + (1).to_bytes(4, "big"), "exi cti = 'rs2' | 1: %r" % claims3[7])
    code, body = coap(coaps + "/token", token_request("rs2"), "c1", SECRET)
    check(open_token(cbor2.loads(body)[1], RS2_KEY)[7] == b"rs2" + (2).to_bytes(4, "big"),
          "the next exi token has sequence number 2")

    # the same over coap:// with client_id/client_secret (--insecure-dev)
    code, body = coap(coap_uri + "/token", token_request("rs1", extra={24: "c1", 25: SECRET.encode()}))
    check(code == "2.01", "token over coap:// with client credentials")

    # ---- refusals: the right error, nothing stored but an audit event ---
    def refused(name, code_want, err_want, code, body, audit_delta=1):
        settle(lambda: db_counts()["audit"] >= base["audit"] + audit_delta)
        time.sleep(0.05)  # and nothing more arrives
        nonlocal_counts = db_counts()
        check(code == code_want, "%s: %s (got %s)" % (name, code_want, code))
        if isinstance(err_want, tuple):
            # over DTLS, via coap-client: the body as it prints it
            want = as_printed(ace_error_body(*err_want))
            check(body == want, "%s: body %r (got %r)" % (name, want, body))
        elif err_want is not None:
            check(ace_error(body) == err_want, "%s: error %s (got %r)" % (name, err_want, ace_error(body)))
        for t in ("clients", "rs", "grants", "tokens"):
            check(nonlocal_counts[t] == base[t], "%s: %s unchanged" % (name, t))
        check(nonlocal_counts["audit"] == base["audit"] + audit_delta,
              "%s: %d audit event(s) (%d -> %d)" % (name, audit_delta, base["audit"], nonlocal_counts["audit"]))

    base = db_counts()
    code, body = coap(coaps + "/token", token_request("rs1"), "mallory", "whatever")
    refused("unknown client (handshake refused)", None, None, code, body)

    base = db_counts()
    code, body = coap(coaps + "/token", token_request("rs1"), "c1", "not-the-secret", wait=3)
    # DTLS drops the bad Finished silently (RFC 6347 4.1.2.7): no answer
    refused("wrong secret (handshake fails)", None, None, code, body, audit_delta=0)

    base = db_counts()
    code, body = coap(coaps + "/token", token_request("rs1"), "c2", "c2-secret")
    refused("audience not granted", "4.00", (6, "no grant for this audience"), code, body)

    base = db_counts()
    code, body = coap(coaps + "/token", token_request("nosuchrs"), "c1", SECRET)
    refused("unknown audience", "4.00", (6, "no grant for this audience"), code, body)

    base = db_counts()
    code, body = coap(coaps + "/token", token_request("rs1", cbor2.dumps([["/temp", DELETE]])), "c1", SECRET)
    refused("scope not granted", "4.00", (6, "the requested scope is not granted"), code, body)

    base = db_counts()
    code, body = coap(coaps + "/token", b"\xa2\x05\x63rs1", "c1", SECRET)
    refused("malformed CBOR", "4.00", (1, "the payload is not one well-formed CBOR map"), code, body)

    base = db_counts()
    code, body = coap(coaps + "/token", token_request("rs1"), "c1", SECRET, cf=50)
    refused("wrong Content-Format (application/json)", "4.15", None, code, body)

    base = db_counts()
    code, body = coap(coaps + "/token", token_request("rs1", "x" * 1100), "c1", SECRET)
    refused("oversized payload", "4.13", None, code, body)

    base = db_counts()
    code, body = coap_udp(pu, "token", token_request("rs1", extra={24: "c1", 25: b"wrong"}))
    refused("coap:// wrong client_secret", "4.01", 2, code, body)

    base = db_counts()
    code, body = coap_udp(pu, "token", token_request("rs1", cbor2.dumps([["/temp", DELETE]]),
                                                     extra={24: "c1", 25: SECRET.encode()}))
    refused("coap:// scope not granted", "4.00", 6, code, body)
    check(cbor2.loads(body) == {30: 6, 31: "the requested scope is not granted"}, "the whole error body")

    base = db_counts()
    code, body = coap_udp(pu, "token", b"\xa1\x05")
    refused("coap:// truncated CBOR", "4.00", 1, code, body)

    # ---- introspection: the RS over DTLS with its own secret ------------
    def introspect(token, who="rs1", key=RS_SECRET):
        code, body = coap(coaps + "/introspect", cbor2.dumps({11: token}), who, key)
        return code, (cbor2.loads(body) if code == "2.01" else body)

    code, info = introspect(token1)
    check(code == "2.01" and info.get(10) is True, "introspect: active")
    check(info.get(7) == cti1 and info.get(3) == "rs1" and info.get(4) == claims[4]
          and info.get(8) == claims[8] and cbor2.loads(info.get(9)) == issued,
          "introspect: cti, aud, exp, cnf, scope: %r" % info)
    obol("as", "revoke", cti1.hex())
    code, info = introspect(token1)
    check(code == "2.01" and info == {10: False}, "introspect after revoke: {active: false}")
    code, info = introspect(resp3[1], "rs1", RS_SECRET)
    check(code == "2.01" and info == {10: False}, "a token for another RS: inactive for rs1")
    code, info = introspect(token1, "c1", SECRET)
    check(code == "4.03", "a client cannot introspect (got %s)" % code)

    # ---- clean stop --------------------------------------------------------
    server.send_signal(signal.SIGTERM)
    rc = server.wait(timeout=10)
    server = None
    check(rc == 0, "SIGTERM: exit status 0 (got %d)" % rc)
    check("event=stopped" in open(LOG).read(), "logged event=stopped")
    con = sqlite3.connect(DB)
    check(con.execute("PRAGMA integrity_check").fetchone()[0] == "ok", "database intact")
    con.close()
    check(oct(os.stat(DB).st_mode & 0o777) == "0o600", "the store is mode 0600")
finally:
    if server is not None:
        server.kill()
        server.wait()
    if failures:
        print(open(LOG).read() if os.path.exists(LOG) else "(no log)")
    shutil.rmtree(WORK, ignore_errors=True)

print("e2e_as: %d checks, %d failures" % (checks, failures))
sys.exit(1 if failures or checks == 0 else 0)
