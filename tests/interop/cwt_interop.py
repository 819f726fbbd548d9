#!/usr/bin/python3
"""CWT interop: `obol token` against an independent Python implementation.

    /usr/bin/python3 tests/interop/cwt_interop.py PATH/TO/obol [--cases N] [--seed S]

The Python side is written from the RFCs alone, with no obol code:
RFC 8949 4.2.1 (deterministic CBOR, own encoder; cbor2 only decodes),
RFC 9052/9053 (COSE_Encrypt0 AES-CCM-16-64-128/16-128-128, COSE_Mac0
HMAC 256/64 and 256/256, COSE_Sign1 ES256 and EdDSA, COSE_Key), RFC 8392
(CWT claims, tag 61), RFC 8747/9203 (cnf: COSE_Key, kid, OSCORE input
material), RFC 9237 (AIF-REST), RFC 9200 (ace_profile, cnonce, exi).
Crypto is Debian's python3-cryptography.

Two directions, --cases each, from random.Random(seed):

 (a) mint: random claims (JSON or EDN input, AIF scopes, osc cnf, ...),
     protection, algorithm, key (hex or a COSE_Key file as CBOR, hex or
     EDN), kid and tagging go to `obol token mint`; Python parses the
     token, checks that every CBOR layer is deterministic, the tags, that
     the protected header is exactly {1: alg} and the unprotected one
     holds only kid and IV, then decrypts or verifies it itself and
     compares the claims with what was asked, byte for byte.
 (b) verify: Python mints tokens: valid ones, which `obol token verify`
     must accept with the same claims (parsed JSON compared), and bad
     ones -- tampered, expired, not yet valid, wrong audience, wrong key,
     wrong kid, bad tag, no expiry -- that it must refuse with exit 1 and
     exactly the expected reason line; plus "garbled" tokens (one random
     byte flipped anywhere), which must be refused with a well-formed
     reason line or accepted with unchanged claims.

Prints counts per category; exits 0 only if everything agreed. On a
mismatch it prints the token's hex and both views. --inject-fault
CATEGORY deliberately corrupts Python's expectation for one category, to
show that the harness does catch a disagreement.
"""

import argparse
import base64
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import time

import cbor2
from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes, hmac
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, utils
from cryptography.hazmat.primitives.ciphers.aead import AESCCM
from cryptography.hazmat.primitives.serialization import (Encoding,
                                                          PublicFormat)

# ---- deterministic CBOR (RFC 8949 4.2.1) ----------------------------------


class Tag:
    def __init__(self, tag, value):
        self.tag, self.value = tag, value


def head(major, n):
    if n < 24:
        return bytes([major << 5 | n])
    for ai, size in ((24, 1), (25, 2), (26, 4), (27, 8)):
        if n < 1 << (8 * size):
            return bytes([major << 5 | ai]) + n.to_bytes(size, "big")
    raise ValueError("too large")


def enc(v):
    if v is True:
        return b"\xf5"
    if v is False:
        return b"\xf4"
    if v is None:
        return b"\xf6"
    if isinstance(v, int):
        return head(0, v) if v >= 0 else head(1, -1 - v)
    if isinstance(v, (bytes, bytearray)):
        return head(2, len(v)) + bytes(v)
    if isinstance(v, str):
        b = v.encode("utf-8")
        return head(3, len(b)) + b
    if isinstance(v, (list, tuple)):
        return head(4, len(v)) + b"".join(enc(x) for x in v)
    if isinstance(v, dict):
        items = sorted((enc(k), enc(x)) for k, x in v.items())
        return head(5, len(items)) + b"".join(k + x for k, x in items)
    if isinstance(v, (Tag, cbor2.CBORTag)):
        return head(6, v.tag) + enc(v.value)
    raise TypeError(type(v))


def deterministic(data):
    """cbor2 decodes; our encoder must give the same bytes back."""
    obj = cbor2.loads(data)
    return enc(obj) == data, obj


# ---- COSE (RFC 9052, RFC 9053) ---------------------------------------------

ALG_CCM_64, ALG_CCM_128 = 10, 30
ALG_HMAC_64, ALG_HMAC_256 = 4, 5
ALG_ES256, ALG_EDDSA = -7, -8
TAG_OF = {"encrypt": 16, "mac": 17, "sign": 18}
P256_N = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551


def ccm(key, alg):
    return AESCCM(key, tag_length=8 if alg == ALG_CCM_64 else 16)


def mac_tag(key, alg, to_mac):
    h = hmac.HMAC(key, hashes.SHA256())
    h.update(to_mac)
    t = h.finalize()
    return t[:8] if alg == ALG_HMAC_64 else t


class Key:
    """A key of either side: symmetric bytes or an asymmetric pair."""

    def __init__(self, kind, secret=None, priv=None, kid=b""):
        self.kind, self.secret, self.priv, self.kid = kind, secret, priv, kid

    def pub_xy(self):
        nums = self.priv.public_key().public_numbers()
        return nums.x.to_bytes(32, "big"), nums.y.to_bytes(32, "big")

    def ed_pub(self):
        return self.priv.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)

    def ed_seed(self):
        return self.secret

    def cose(self, private=True, alg=None):
        """The COSE_Key map (RFC 9052 7.1, RFC 9053 7)."""
        m = {}
        if self.kind == "sym":
            m[1], m[-1] = 4, self.secret
        elif self.kind == "ec2":
            x, y = self.pub_xy()
            m.update({1: 2, -1: 1, -2: x, -3: y})
            if private:
                m[-4] = self.priv.private_numbers().private_value.to_bytes(32, "big")
        else:
            m.update({1: 1, -1: 6, -2: self.ed_pub()})
            if private:
                m[-4] = self.ed_seed()
        if self.kid:
            m[2] = self.kid
        if alg is not None:
            m[3] = alg
        return m


def gen_key(rng, kind, length=16, kid=b""):
    if kind == "sym":
        return Key("sym", secret=rng.randbytes(length), kid=kid)
    if kind == "ec2":
        d = rng.getrandbits(256) % (P256_N - 1) + 1
        return Key("ec2", priv=ec.derive_private_key(d, ec.SECP256R1()), kid=kid)
    seed = rng.randbytes(32)
    return Key("okp", secret=seed,
               priv=ed25519.Ed25519PrivateKey.from_private_bytes(seed), kid=kid)


def cose_create(how, alg, key, kid, payload, rng, tagged=True, tag61=False):
    protected = enc({1: alg})
    unprot = {}
    if kid:
        unprot[4] = kid
    if how == "encrypt":
        iv = rng.randbytes(13)
        unprot[5] = iv
        aad = enc(["Encrypt0", protected, b""])
        body = [protected, unprot, ccm(key.secret, alg).encrypt(iv, payload, aad)]
    elif how == "mac":
        t = mac_tag(key.secret, alg, enc(["MAC0", protected, b"", payload]))
        body = [protected, unprot, payload, t]
    else:
        tbs = enc(["Signature1", protected, b"", payload])
        if alg == ALG_ES256:
            r, s = utils.decode_dss_signature(key.priv.sign(tbs, ec.ECDSA(hashes.SHA256())))
            sig = r.to_bytes(32, "big") + s.to_bytes(32, "big")
        else:
            sig = key.priv.sign(tbs)
        body = [protected, unprot, payload, sig]
    msg = Tag(TAG_OF[how], body) if tagged else body
    return enc(Tag(61, msg) if tag61 else msg)


def cose_open(how, alg, key, body):
    """Decrypt or verify body (a decoded array); the payload or raises."""
    protected, _, content = body[0], body[1], body[2]
    if how == "encrypt":
        aad = enc(["Encrypt0", protected, b""])
        return ccm(key.secret, alg).decrypt(body[1][5], content, aad)
    if how == "mac":
        want = mac_tag(key.secret, alg, enc(["MAC0", protected, b"", content]))
        if not hmac_equal(want, body[3]):
            raise InvalidTag("MAC")
        return content
    tbs = enc(["Signature1", protected, b"", content])
    sig = body[3]
    if alg == ALG_ES256:
        der = utils.encode_dss_signature(int.from_bytes(sig[:32], "big"),
                                         int.from_bytes(sig[32:], "big"))
        key.priv.public_key().verify(der, tbs, ec.ECDSA(hashes.SHA256()))
    else:
        key.priv.public_key().verify(sig, tbs)
    return content


def hmac_equal(a, b):
    return len(a) == len(b) and all(x == y for x, y in zip(a, b))


# ---- claims (RFC 8392 3, RFC 8747, RFC 9200, RFC 9203, RFC 9237) ----------

NAMES = {1: "iss", 2: "sub", 3: "aud", 4: "exp", 5: "nbf", 6: "iat", 7: "cti",
         8: "cnf", 9: "scope", 38: "ace_profile", 39: "cnonce", 40: "exi"}
KEYS = {v: k for k, v in NAMES.items()}
METHODS = ["GET", "POST", "PUT", "DELETE", "FETCH", "PATCH", "iPATCH"]
PERM_BITS = list(range(7)) + list(range(32, 39))
OSC = [(0, "id", "b"), (1, "version", "u"), (2, "ms", "b"), (3, "hkdf", "i"),
       (4, "alg", "i"), (5, "salt", "b"), (6, "contextId", "b")]
KTY_NAME = {1: "OKP", 2: "EC2", 4: "Symmetric"}
CRV_NAME = {1: "P-256", 6: "Ed25519"}
COSE_KEY_NAME = {1: "kty", 2: "kid", 3: "alg", -1: None, -2: "x", -3: "y", -4: "d"}


def rand_text(rng, maxlen=12):
    pool = ("abcdefghijklmnopqrstuvwxyz0123456789 :/._-" * 3 +
            "\"\\\n\t\x01\x7fé中😀/")
    return "".join(rng.choice(pool) for _ in range(rng.randint(0, maxlen)))


def rand_time(rng):
    r = rng.random()
    if r < 0.8:
        return rng.randint(1_000_000_000, 2_500_000_000)
    if r < 0.9:
        return rng.randint(0, 1 << 40)
    return rng.randint(-(1 << 40), 0)


def rand_aif(rng):
    entries = []
    for _ in range(rng.randint(0, 4)):
        path = "/" + "/".join(rand_seg(rng) for _ in range(rng.randint(1, 3)))
        perm = 0
        for b in rng.sample(PERM_BITS, rng.randint(0, 5)):
            perm |= 1 << b
        entries.append((path, perm))
    return entries


def rand_seg(rng):
    return "".join(rng.choice("abcdefghijklmnopqrstuvwxyz0123456789-é")
                   for _ in range(rng.randint(1, 6)))


def aif_cbor(entries):
    return enc([[p, perm] for p, perm in entries])


def rand_claims(rng, unknown=False):
    """A claims model: name -> value (see to_cbor for the forms)."""
    c = {}
    if rng.random() < 0.5:
        c["iss"] = rand_text(rng)
    if rng.random() < 0.4:
        c["sub"] = rand_text(rng)
    if rng.random() < 0.8:
        c["aud"] = rand_text(rng)
    for n in ("exp", "nbf", "iat"):
        if rng.random() < 0.6:
            c[n] = rand_time(rng)
    if "exp" in c and "nbf" in c and c["nbf"] >= c["exp"]:
        c["nbf"], c["exp"] = c["exp"] - rng.randint(1, 10000), c["nbf"] + 1
    if rng.random() < 0.6:
        c["cti"] = rng.randbytes(rng.randint(0, 16))
    r = rng.random()
    if r < 0.5:
        c["scope"] = ("aif", rand_aif(rng))
    elif r < 0.7:
        c["scope"] = ("text", rand_text(rng))
    elif r < 0.8:
        # opaque bytes: never a CBOR array, so never taken for AIF
        b = rng.randbytes(rng.randint(0, 10))
        if b and 0x80 <= b[0] <= 0x9f:
            b = b"\x00" + b
        c["scope"] = ("bytes", b)
    r = rng.random()
    if r < 0.4:
        osc = {0: rng.randbytes(rng.randint(0, 7)), 2: rng.randbytes(rng.choice([16, 32]))}
        for label, _, kind in OSC:
            if label in (0, 2) or rng.random() < 0.5:
                continue
            if kind == "b":
                osc[label] = rng.randbytes(rng.randint(0, 8))
            elif kind == "u":
                osc[label] = rng.choice([1, 1, 2, rng.randint(0, 1 << 40)])
            else:
                osc[label] = rng.choice([-10, 10, 30, -7, 1, rng.randint(-65536, 65535)])
        c["cnf"] = ("osc", osc)
    elif r < 0.55:
        c["cnf"] = ("kid", rng.randbytes(rng.randint(1, 8)))
    elif r < 0.7:
        kind = rng.choice(["ec2", "okp", "sym"])
        k = gen_key(rng, kind, rng.randint(16, 32),
                    kid=rng.randbytes(rng.randint(1, 4)) if rng.random() < 0.5 else b"")
        alg = None
        if rng.random() < 0.3:
            alg = {"ec2": ALG_ES256, "okp": ALG_EDDSA, "sym": ALG_HMAC_256}[kind]
        c["cnf"] = ("key", k.cose(private=False, alg=alg))
    if rng.random() < 0.4:
        c["ace_profile"] = rng.choice([1, 2, 2, rng.randint(-100, 100)])
    if rng.random() < 0.3:
        c["cnonce"] = rng.randbytes(rng.randint(1, 16))
    if rng.random() < 0.4:
        c["exi"] = rng.choice([60, 3600, rng.randint(0, (1 << 31))])
    if unknown and rng.random() < 0.3:
        extra = {}
        for _ in range(rng.randint(1, 2)):
            k = rng.choice([rng.randint(10, 37), rng.randint(41, 5000),
                            -rng.randint(1, 100), "x" + str(rng.randint(0, 99))])
            extra[k] = rng.choice([rng.randint(-1000, 1000), "t" + rand_seg(rng),
                                   rng.randbytes(rng.randint(0, 6)),
                                   [1, "a", b"\x01"]])
        c["_unknown"] = extra
    return c


def to_cbor(c, bare_aif=False):
    """The claims map {key: value} as a CWT carries it."""
    m = {}
    for name, v in c.items():
        if name == "_unknown":
            m.update(v)
            continue
        key = KEYS[name]
        if name == "scope":
            kind, val = v
            if kind == "aif":
                m[key] = [[p, perm] for p, perm in val] if bare_aif else aif_cbor(val)
            else:
                m[key] = val
        elif name == "cnf":
            kind, val = v
            m[key] = {4: val} if kind == "osc" else {3: val} if kind == "kid" else {1: val}
        else:
            m[key] = v
    return m


def methods_of(perm):
    out = []
    for b in range(64):
        if perm >> b & 1:
            out.append(METHODS[b] if b < 32 else "Dynamic-" + METHODS[b - 32])
    return out


def unknown_json(v):
    """RFC 8949 6.1, as obol prints claims it does not know."""
    if isinstance(v, bytes):
        return base64.urlsafe_b64encode(v).decode().rstrip("=")
    if isinstance(v, list):
        return [unknown_json(x) for x in v]
    return v


def to_verify_json(c):
    """What `obol token verify` prints for the claims (see its --help)."""
    out = {}
    for name, v in c.items():
        if name == "_unknown":
            for k, x in v.items():
                out['"%s"' % k if isinstance(k, str) else str(k)] = unknown_json(x)
        elif name in ("cti", "cnonce"):
            out[name] = v.hex()
        elif name == "scope":
            kind, val = v
            if kind == "aif":
                out[name] = [[p, methods_of(perm)] for p, perm in val]
            elif kind == "text":
                out[name] = val
            else:
                out[name] = {"bytes": val.hex()}
        elif name == "cnf":
            kind, val = v
            if kind == "osc":
                out[name] = {"osc": {n: (val[l].hex() if t == "b" else val[l])
                                     for l, n, t in OSC if l in val}}
            elif kind == "kid":
                out[name] = {"kid": val.hex()}
            else:
                k = {"kty": KTY_NAME[val[1]]}
                for label, x in val.items():
                    if label == 1:
                        continue
                    if label == -1:
                        if val[1] == 4:
                            k["k"] = x.hex()
                        else:
                            k["crv"] = CRV_NAME[x]
                    elif label == 3:
                        k["alg"] = x
                    else:
                        k[COSE_KEY_NAME[label]] = x.hex()
                out[name] = {"COSE_Key": k}
        else:
            out[name] = v
    return out


# ---- claims as `obol token mint` input: JSON and EDN ----------------------


def mint_json(c, rng):
    o = {}
    for name, v in c.items():
        if name in ("cti", "cnonce"):
            o[name] = v.hex() if rng.random() < 0.7 else v.hex().upper()
        elif name == "scope":
            kind, val = v
            if kind == "aif":
                ents = []
                for p, perm in val:
                    if rng.random() < 0.3:
                        ents.append([p, perm])
                    else:
                        ms = methods_of(perm)
                        rng.shuffle(ms)
                        if ms and rng.random() < 0.2:
                            ms.append(ms[0])  # listed twice: same bit
                        ents.append([p, ms])
                o[name] = ents
            elif kind == "text":
                o[name] = val
            else:
                o[name] = {"bytes": val.hex()}
        elif name == "cnf":
            kind, val = v
            if kind == "osc":
                o[name] = {"osc": {n: (val[l].hex() if t == "b" else val[l])
                                   for l, n, t in OSC if l in val}}
            elif kind == "kid":
                o[name] = {"kid": val.hex()}
            else:
                k = {}
                for label, x in val.items():
                    if label == 1:
                        k["kty"] = KTY_NAME[x] if rng.random() < 0.7 else x
                    elif label == -1 and val[1] != 4:
                        k["crv"] = CRV_NAME[x] if rng.random() < 0.7 else x
                    elif label == -1:
                        k["k"] = x.hex()
                    elif label == 3:
                        k["alg"] = x
                    else:
                        k[COSE_KEY_NAME[label]] = x.hex()
                o[name] = {"COSE_Key": k}
        elif name == "ace_profile" and v in (1, 2) and rng.random() < 0.5:
            o[name] = {1: "coap_dtls", 2: "coap_oscore"}[v]
        else:
            o[name] = v
    items = list(o.items())
    rng.shuffle(items)
    return json.dumps(dict(items), ensure_ascii=rng.random() < 0.5,
                      indent=rng.choice([None, 2]))


class Embedded:
    """<<item>> in EDN: a byte string holding the encoded item."""

    def __init__(self, value):
        self.value = value


def edn(v, rng):
    """Diagnostic notation of v, with random spacing and comments."""
    sp = rng.choice(["", " ", "\n  "])
    if isinstance(v, Embedded):
        return "<<" + edn(v.value, rng) + ">>"
    if isinstance(v, bool) or v is None:
        return {True: "true", False: "false", None: "null"}[v]
    if isinstance(v, int):
        if v >= 0 and rng.random() < 0.1:
            return hex(v)
        return str(v)
    if isinstance(v, bytes):
        h = v.hex()
        if len(h) > 4 and rng.random() < 0.3:
            h = h[:4] + " " + h[4:]
        return "h'%s'" % h
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=rng.random() < 0.5)
    if isinstance(v, list):
        return "[" + ("," + sp).join(edn(x, rng) for x in v) + "]"
    if isinstance(v, dict):
        items = list(v.items())
        rng.shuffle(items)
        parts = []
        for k, x in items:
            com = "/ %s / " % NAMES.get(k, "?") if rng.random() < 0.2 else ""
            parts.append(com + edn(k, rng) + ":" + sp + edn(x, rng))
        return "{" + ("," + sp).join(parts) + "}"
    raise TypeError(type(v))


def mint_edn(c, rng):
    m = to_cbor(c)
    if "scope" in c and c["scope"][0] == "aif" and rng.random() < 0.5:
        m[9] = Embedded([[p, perm] for p, perm in c["scope"][1]])
    return ("# claims\n" if rng.random() < 0.2 else "") + edn(m, rng)


def key_file_text(m, rng):
    """A COSE_Key for obol --key-file: binary CBOR, hex or EDN."""
    fmt = rng.choice(["cbor", "hex", "edn"])
    if fmt == "cbor":
        return enc(m)
    if fmt == "hex":
        return (enc(m).hex() + "\n").encode()
    return (edn(m, rng) + "\n").encode()


# ---- the harness ------------------------------------------------------------------


class Harness:
    def __init__(self, obol, tmp, fault):
        self.obol, self.tmp, self.fault = obol, tmp, fault
        self.counts = {}
        self.failures = 0
        self.nfile = 0

    def file(self, data, suffix=""):
        self.nfile += 1
        path = os.path.join(self.tmp, "f%d%s" % (self.nfile, suffix))
        with open(path, "wb") as f:
            f.write(data if isinstance(data, bytes) else data.encode())
        return path

    def run(self, args, stdin=None):
        p = subprocess.run([self.obol] + args, input=stdin, capture_output=True,
                           timeout=30)
        return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")

    def tally(self, cat, ok):
        c = self.counts.setdefault(cat, [0, 0])
        c[0 if ok else 1] += 1
        if not ok:
            self.failures += 1

    def mismatch(self, cat, case, token, args, python_view, obol_view):
        self.tally(cat, False)
        if self.failures > 20:
            return
        print("MISMATCH [%s] case %d" % (cat, case))
        print("  token:  %s" % (token.hex() if token is not None else "-"))
        print("  obol %s" % " ".join(args))
        print("  python: %s" % python_view)
        print("  obol:   %s" % obol_view)


# ---- (a) obol mints, Python reads -----------------------------------------------


def case_mint(h, rng, i):
    how = rng.choice(["encrypt", "mac", "sign"])
    c = rand_claims(rng)
    args = ["token", "mint", "--" + how, "--hex"]
    kid = rng.randbytes(rng.randint(1, 6)) if rng.random() < 0.6 else b""
    if how == "encrypt":
        alg = rng.choice([ALG_CCM_64, ALG_CCM_128])
        key = gen_key(rng, "sym", 16)
    elif how == "mac":
        alg = rng.choice([ALG_HMAC_64, ALG_HMAC_256])
        key = gen_key(rng, "sym", rng.randint(16, 64))
    else:
        kind = rng.choice(["ec2", "okp"])
        alg = ALG_ES256 if kind == "ec2" else ALG_EDDSA
        key = gen_key(rng, kind)
    default_alg = {"encrypt": ALG_CCM_64, "mac": ALG_HMAC_256}.get(how, alg)
    key_alg = None
    if how == "sign" or rng.random() < 0.5:
        # a COSE_Key file, with the kid (or given with --kid)
        key.kid = kid if rng.random() < 0.7 else b""
        if rng.random() < 0.3:
            key_alg = alg
        args += ["--key-file", h.file(key_file_text(key.cose(True, key_alg), rng))]
        if not key.kid and kid:
            args += ["--kid", kid.hex()]
        sent_kid = key.kid or kid
    else:
        args += ["--key", key.secret.hex()]
        if kid:
            args += ["--kid", kid.hex()]
        sent_kid = kid
    if rng.random() < 0.3 and kid and key.kid:
        # --kid overrides the key's own
        sent_kid = rng.randbytes(3)
        args += ["--kid", sent_kid.hex()]
    if (alg != default_alg and key_alg is None) or rng.random() < 0.3:
        args += ["--alg", str(alg)]
    tagging = rng.choice(["", "--tag61", "--untagged"])
    if tagging:
        args.append(tagging)
    fmt = rng.choice(["json", "edn"])
    text = mint_json(c, rng) if fmt == "json" else mint_edn(c, rng)
    if rng.random() < 0.5:
        args += ["--claims", h.file(text, "." + fmt)]
        rc, out, err = h.run(args)
    else:
        rc, out, err = h.run(args, stdin=text.encode())
    cat = "mint " + how
    if rc != 0:
        h.mismatch(cat, i, None, args, "mint succeeds; claims:\n" + text, "exit %d: %s" % (rc, err.strip()))
        return
    token = bytes.fromhex(out.strip())
    problems = check_token(token, how, alg, key, sent_kid, tagging, c, h.fault == cat)
    if problems:
        h.mismatch(cat, i, token, args, "claims asked: %r" % (to_cbor(c),), "; ".join(problems))
    else:
        h.tally(cat, True)


def check_token(token, how, alg, key, kid, tagging, c, fault):
    """Everything Python checks on a token obol minted; a list of problems."""
    p = []
    ok, obj = deterministic(token)
    if not ok:
        p.append("token not deterministic CBOR")
    if tagging == "--tag61":
        if not (isinstance(obj, cbor2.CBORTag) and obj.tag == 61):
            return p + ["no tag 61"]
        obj = obj.value
    if tagging == "--untagged":
        if not isinstance(obj, list):
            return p + ["tagged although --untagged"]
        body = obj
    else:
        if not (isinstance(obj, cbor2.CBORTag) and obj.tag == TAG_OF[how]):
            return p + ["not tag %d" % TAG_OF[how]]
        body = obj.value
    if not isinstance(body, list) or len(body) != (3 if how == "encrypt" else 4):
        return p + ["wrong array"]
    if body[0] != enc({1: alg}):
        p.append("protected header %s is not exactly {1: %d}" % (body[0].hex(), alg))
    want_unprot = {}
    if kid:
        want_unprot[4] = kid
    if how == "encrypt":
        iv = body[1].get(5) if isinstance(body[1], dict) else None
        if not isinstance(iv, bytes) or len(iv) != 13:
            return p + ["no 13-byte IV"]
        want_unprot[5] = iv
    if body[1] != want_unprot:
        p.append("unprotected header %r, expected %r" % (body[1], want_unprot))
    try:
        payload = cose_open(how, alg, key, body)
    except (InvalidTag, InvalidSignature, KeyError, TypeError, ValueError) as e:
        return p + ["Python cannot decrypt/verify: %r" % e]
    ok, claims = deterministic(payload)
    if not ok:
        p.append("claims not deterministic CBOR: %s" % payload.hex())
    want = to_cbor(c)
    if fault:
        want[12345] = 1
    if claims != want:
        p.append("claims %r differ from %r" % (claims, want))
    elif payload != enc(want):
        p.append("claims bytes %s differ from %s" % (payload.hex(), enc(want).hex()))
    return p


# ---- (b) Python mints, obol verifies -----------------------------------------------

ERR = {
    "expired": "expired (CWT: expired)",
    "not-yet-valid": "not yet valid (CWT: not yet valid)",
    "wrong-audience": "wrong audience (CWT: wrong audience)",
    "wrong-kid": "wrong key id (COSE: wrong key id)",
    "bad-tag": "bad tag (COSE: bad tag)",
    "no-expiry": "no expiry (CWT: no expiry this resource server can check)",
}
AUTH = {"encrypt": "decryption failed (crypto: authentication failed)",
        "mac": "invalid signature or MAC (crypto: authentication failed)",
        "sign": "invalid signature or MAC (crypto: authentication failed)"}
REASON_LINE = re.compile(
    r"^obol token verify: (bad tag|malformed|unknown algorithm|wrong key id|"
    r"wrong key type|unusable key|decryption failed|invalid signature or MAC|"
    r"wrong audience|expired|not yet valid|no expiry|missing claim) \(.+\)\n$")
VARIANTS = ["tampered", "expired", "not-yet-valid", "wrong-audience", "wrong-key",
            "wrong-kid", "bad-tag", "no-expiry"]


def valid_policy(c, rng):
    """Options under which claims c pass, and the --now used (or None)."""
    opts = []
    if "aud" in c and rng.random() < 0.7:
        names = [c["aud"]] + ["other" + str(rng.randint(0, 9)) for _ in range(rng.randint(0, 2))]
        rng.shuffle(names)
        for n in names:
            opts += ["--aud", n]
    leeway = rng.choice([0, 0, rng.randint(0, 300)])
    if leeway:
        opts += ["--leeway", str(leeway)]
    has_exp, has_exi = "exp" in c, "exi" in c
    if has_exi and rng.random() < 0.3 or (not has_exp and not has_exi and rng.random() < 0.3):
        opts.append("--no-clock")
        now = None
    else:
        lo = c["nbf"] - leeway if "nbf" in c else -(1 << 50)
        hi = c["exp"] + leeway - 1 if has_exp else (1 << 50)
        if "nbf" not in c and has_exp:
            lo = hi - 100000
        if not has_exp and "nbf" in c:
            hi = lo + 100000
        now = rng.randint(lo, hi) if lo <= hi else None
        if now is None:
            return None, None
        opts += ["--now", str(now)]
    if not has_exp and not has_exi:
        opts.append("--allow-no-expiry")
    return opts, now


def case_verify(h, rng, i):
    how = rng.choice(["encrypt", "mac", "sign"])
    c = rand_claims(rng, unknown=True)
    if how == "encrypt":
        alg = rng.choice([ALG_CCM_64, ALG_CCM_128])
        key = gen_key(rng, "sym", 16)
    elif how == "mac":
        alg = rng.choice([ALG_HMAC_64, ALG_HMAC_256])
        key = gen_key(rng, "sym", rng.randint(16, 48))
    else:
        kind = rng.choice(["ec2", "okp"])
        alg = ALG_ES256 if kind == "ec2" else ALG_EDDSA
        key = gen_key(rng, kind)
    kid = rng.randbytes(rng.randint(1, 6)) if rng.random() < 0.7 else b""
    key.kid = kid
    tag61 = rng.random() < 0.3
    tagged = tag61 or rng.random() < 0.8
    bare_aif = rng.random() < 0.2
    payload = enc(to_cbor(c, bare_aif=bare_aif))
    token = cose_create(how, alg, key, kid, payload, rng, tagged=tagged, tag61=tag61)

    def key_args(k, with_kid=True):
        if k.kind == "sym" and rng.random() < 0.5:
            a = ["--key", k.secret.hex()]
            if k.kid and with_kid and rng.random() < 0.5:
                a += ["--kid", k.kid.hex()]
            return a
        m = k.cose(private=rng.random() < 0.3 if k.kind != "sym" else True)
        if not with_kid:
            m.pop(2, None)
        return ["--key-file", h.file(key_file_text(m, rng))]

    def verify(tok, opts, kargs):
        path = h.file(tok.hex() + "\n" if rng.random() < 0.5 else tok)
        args = ["token", "verify", path] + kargs + opts + ["--compact"]
        if rng.random() < 0.3:
            args += ["--accept", ",".join(rng.sample(["encrypt", "mac", "sign"], 3)[:2] + [how])]
        return args, h.run(args)

    # 1. the valid token
    opts, _ = valid_policy(c, rng)
    if opts is not None:
        args, (rc, out, err) = verify(token, opts, key_args(key))
        want = to_verify_json(c)
        cat = "verify valid " + how
        if h.fault == cat:
            want["iss"] = "fault injected"
        try:
            got = json.loads(out) if rc == 0 else None
        except ValueError:
            got = None
        if rc == 0 and got == want and not err:
            h.tally(cat, True)
        else:
            h.mismatch(cat, i, token, args, json.dumps(want, ensure_ascii=False),
                       "exit %d: %s%s" % (rc, out.strip(), err.strip()))

    # 2. a bad variant (rotating), 3. sometimes a garbled one
    variant = VARIANTS[i % len(VARIANTS)]
    bad_variant(h, rng, i, variant, how, alg, key, kid, c, token, tag61, tagged,
                bare_aif, key_args, verify)
    if rng.random() < 0.5:
        garbled(h, rng, i, how, c, token, key_args(key), valid_policy, verify)


def content_ranges(token, how, tag61, tagged):
    """Offsets of the authenticated opaque contents (not their heads): the
    ciphertext with its tag; or the payload, and the tag or signature."""
    obj = cbor2.loads(token)
    if tag61:
        obj = obj.value
    body = obj.value if tagged else obj
    off = len(token) - len(enc(body)) + 1  # tag heads, array head
    off += len(enc(body[0])) + len(enc(body[1]))
    ranges = []
    for item in body[2:]:
        hl = len(head(2, len(item)))
        ranges.append((off + hl, off + hl + len(item)))
        off += hl + len(item)
    return ranges


def bad_variant(h, rng, i, variant, how, alg, key, kid, c, token, tag61, tagged,
                bare_aif, key_args, verify):
    c = dict(c)
    want = None
    tok = token
    kargs = None
    opts = None

    def remint(**kw):
        payload = enc(to_cbor(c, bare_aif=bare_aif))
        return cose_create(how, alg, key, kw.get("kid", kid), payload, rng,
                           tagged=kw.get("tagged", tagged), tag61=kw.get("tag61", tag61))

    if variant == "tampered":
        spots = [p for lo, hi in content_ranges(token, how, tag61, tagged)
                 for p in range(lo, hi)]
        pos = rng.choice(spots)
        b = bytearray(token)
        b[pos] ^= 1 << rng.randrange(8)
        tok = bytes(b)
        want = AUTH[how]
    elif variant == "expired":
        c.pop("exi", None)
        c["exp"] = c.get("exp", rand_time(rng))
        c.pop("nbf", None)
        tok = remint()
        leeway = rng.choice([0, rng.randint(0, 100)])
        now = c["exp"] + leeway + rng.choice([0, 1, rng.randint(0, 10 ** 6)])
        opts = ["--now", str(now), "--leeway", str(leeway)]
        want = ERR["expired"]
    elif variant == "not-yet-valid":
        c["nbf"] = c.get("nbf", rand_time(rng))
        c.pop("exp", None)
        leeway = rng.choice([0, rng.randint(0, 100)])
        now = c["nbf"] - leeway - rng.choice([1, rng.randint(1, 10 ** 6)])
        opts = ["--now", str(now), "--leeway", str(leeway)]
        if "exi" not in c:
            opts.append("--allow-no-expiry")
        tok = remint()
        want = ERR["not-yet-valid"]
    elif variant == "wrong-audience":
        opts = ["--aud", "not-" + c.get("aud", "x"), "--allow-no-expiry", "--no-clock"]
        if rng.random() < 0.5 and "aud" in c:
            del c["aud"]  # no audience at all is not ours either
            tok = remint()
        want = ERR["wrong-audience"]
    elif variant == "wrong-key":
        other = gen_key(rng, key.kind, len(key.secret) if key.secret else 16, kid=kid)
        if key.kind == "sym" and len(key.secret) != 16 and how == "encrypt":
            other = gen_key(rng, "sym", 16, kid=kid)
        kargs = key_args(other)
        want = AUTH[how]
    elif variant == "wrong-kid":
        if not kid:
            kid = rng.randbytes(2)
            key.kid = kid
            tok = remint(kid=kid)
        other = Key(key.kind, secret=key.secret, priv=key.priv, kid=kid + b"\x01")
        if key.kind == "sym" and rng.random() < 0.5:
            kargs = ["--key", key.secret.hex(), "--kid", other.kid.hex()]
        else:
            kargs = ["--key-file", h.file(key_file_text(other.cose(private=False) if key.kind != "sym" else other.cose(), rng))]
        want = ERR["wrong-kid"]
    elif variant == "bad-tag":
        inner = cbor2.loads(remint(tag61=False, tagged=rng.random() < 0.5))
        if isinstance(inner, list) and rng.random() < 0.5:
            tok = enc(Tag(61, inner))  # the CWT tag must prefix a COSE tag
        else:
            t = rng.choice([1, 24, 99, 1000, 62])
            tok = enc(Tag(t, inner))
        want = ERR["bad-tag"]
    elif variant == "no-expiry":
        c.pop("exi", None)
        if rng.random() < 0.5:
            c["exp"] = c.get("exp", rand_time(rng))
            opts = ["--no-clock"]
        else:
            c.pop("exp", None)
            c.pop("nbf", None)
            opts = ["--now", str(rand_time(rng))]
        tok = remint()
        want = ERR["no-expiry"]
    if opts is None:
        # refused before the claims are looked at: any passing policy
        opts = ["--no-clock", "--allow-no-expiry"]
        if "exp" in c and "exi" not in c:
            opts = ["--now", str(c["exp"] - 1)]
            if "nbf" in c and c["nbf"] > c["exp"] - 1:
                opts = ["--now", str(c["nbf"]), "--leeway", str(c["nbf"] - c["exp"] + 2)]
    if "aud" in c and variant != "wrong-audience" and rng.random() < 0.5:
        opts = opts + ["--aud", c["aud"]]
    if kargs is None:
        kargs = key_args(key)
    want_line = "obol token verify: " + want + "\n"
    cat = "verify " + variant
    if h.fault == cat:
        want_line = "obol token verify: fault injected\n"
    args, (rc, out, err) = verify(tok, opts, kargs)
    if rc == 1 and out == "" and err == want_line:
        h.tally(cat, True)
    else:
        h.mismatch(cat, i, tok, args, "exit 1, stderr " + want_line.strip(),
                   "exit %d, stdout %r, stderr %r" % (rc, out.strip()[:200], err.strip()))


def garbled(h, rng, i, how, c, token, kargs, policy, verify):
    opts, _ = policy(c, rng)
    if opts is None:
        return
    b = bytearray(token)
    pos = rng.randrange(len(b))
    b[pos] ^= 1 << rng.randrange(8)
    args, (rc, out, err) = verify(bytes(b), opts, kargs)
    cat = "verify garbled"
    if rc == 1 and out == "" and REASON_LINE.match(err):
        h.tally(cat, True)
        return
    if rc == 0 and not err:
        try:
            if json.loads(out) == to_verify_json(c):
                h.tally(cat, True)  # the flip hit an unauthenticated byte (kid, ...)
                return
        except ValueError:
            pass
    h.mismatch(cat, i, bytes(b), args, "refused with a reason line, or the same claims",
               "exit %d, stdout %r, stderr %r" % (rc, out.strip()[:200], err.strip()))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("obol")
    ap.add_argument("--cases", type=int, default=200)
    ap.add_argument("--seed", type=int, default=8392)
    ap.add_argument("--inject-fault", default=None, metavar="CATEGORY",
                    help="corrupt Python's expectation in one category, e.g."
                         " 'mint mac' or 'verify expired', to see the harness fail")
    a = ap.parse_args()
    rng = random.Random(a.seed)
    t0 = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="obol-cwt-interop.") as tmp:
        h = Harness(a.obol, tmp, a.inject_fault)
        for i in range(a.cases):
            case_mint(h, rng, i)
        for i in range(a.cases):
            case_verify(h, rng, i)
    total = sum(ok + bad for ok, bad in h.counts.values())
    print("cwt interop (seed %d, %d cases each way, %.1f s):" % (a.seed, a.cases, time.monotonic() - t0))
    for cat in sorted(h.counts):
        ok, bad = h.counts[cat]
        print("  %-28s %4d agree %4d disagree" % (cat, ok, bad))
    print("  %-28s %4d checks, %d disagreements" % ("total", total, h.failures))
    return 1 if h.failures else 0


if __name__ == "__main__":
    sys.exit(main())
