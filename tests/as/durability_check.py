#!/usr/bin/python3
"""Check an AS store after the durability test (tests/as/durability.sh).

usage: durability_check.py DB RS_KEY_HEX TOKENS_FILE...

Every line of the TOKENS_FILEs is the hex of an access token that reached
the client (obol bench as --load --record). Each is decrypted here,
independently of obol (python3-cryptography AES-CCM, cbor2): COSE_Encrypt0
with AES-CCM-16-64-128 (8-byte tag, 13-byte nonce from the unprotected IV),
AAD the Enc_structure ["Encrypt0", protected, h''] (RFC 9052 5.3). Its cti
(claim 7) must have a row in the store's tokens table. The store must pass
PRAGMA integrity_check. Exit 0 when both hold.
"""
import sqlite3
import sys

import cbor2
from cryptography.hazmat.primitives.ciphers.aead import AESCCM


def cti_of(token, key):
    msg = cbor2.loads(token)
    while isinstance(msg, cbor2.CBORTag):  # 61 (CWT), 16 (Encrypt0)
        msg = msg.value
    protected, unprotected, ciphertext = msg
    if cbor2.loads(protected) != {1: 10}:
        raise ValueError("not AES-CCM-16-64-128: %r" % cbor2.loads(protected))
    aad = cbor2.dumps(["Encrypt0", protected, b""])
    claims = cbor2.loads(AESCCM(key, tag_length=8).decrypt(
        unprotected[5], ciphertext, aad))
    return claims[7]


def main():
    db, key_hex, files = sys.argv[1], sys.argv[2], sys.argv[3:]
    key = bytes.fromhex(key_hex)
    ctis = []
    for name in files:
        with open(name) as f:
            for n, line in enumerate(f, 1):
                line = line.strip()
                if not line:
                    continue
                try:
                    ctis.append(cti_of(bytes.fromhex(line), key))
                except Exception as e:  # a token the client could not use
                    print("FAIL %s:%d: cannot decrypt the token: %s"
                          % (name, n, e))
                    return 1
    con = sqlite3.connect("file:%s?mode=ro" % db, uri=True)
    integrity = con.execute("PRAGMA integrity_check").fetchall()
    rows = con.execute("SELECT cti FROM tokens").fetchall()
    con.close()
    stored = {bytes(r[0]) for r in rows}
    lost = [c for c in ctis if c not in stored]
    dup = len(ctis) - len(set(ctis))
    print("integrity_check: %s" % ", ".join(r[0] for r in integrity))
    print("acknowledged tokens: %d (distinct cti: %d, duplicates: %d)"
          % (len(ctis), len(set(ctis)), dup))
    print("token records in the store: %d" % len(stored))
    print("acknowledged but not recorded (lost): %d" % len(lost))
    for c in lost[:10]:
        print("  lost cti %s" % c.hex())
    ok = integrity == [("ok",)] and not lost and dup == 0 and ctis
    if not ctis:
        print("FAIL: no token reached the client")
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
