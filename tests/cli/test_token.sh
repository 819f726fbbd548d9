#!/bin/sh
# Tests of `obol token` (mint, verify, keygen), driven as a user would
# drive them. (`obol inspect --key` is tested in test_inspect.sh.)
#
#   sh tests/cli/test_token.sh PATH/TO/obol PATH/TO/tests
#
# OBOL may be a wrapper (valgrind, ...) that passes its arguments on.
# Prints each failure (what ran, expected, got) and a summary line; exits
# 0 only if every check passed. POSIX sh only (dash, busybox, bash).
#
# Known answers come from RFC 8392 Appendix A; the hex is transcribed
# below, each value with the section it comes from (nothing outside this
# file is read at test time).

set -u

if [ $# -ne 2 ]; then
	echo "usage: sh $0 PATH/TO/obol PATH/TO/tests" >&2
	exit 2
fi
OBOL=$1

TMP=$(mktemp -d "${TMPDIR:-/tmp}/obol-token-test.XXXXXX") || exit 2
trap 'rm -rf "$TMP"' EXIT
trap 'exit 2' HUP INT TERM

passed=0
failed=0
what=""

# ---- helpers -----------------------------------------------------------------

# hex2bin HEX: write the bytes HEX spells to stdout.
hex2bin() {
	printf "$(printf '%s' "$1" | awk '{
		d = "0123456789abcdef"; s = tolower($0)
		for (i = 1; i < length(s); i += 2)
			printf "\\%03o", (index(d, substr(s, i, 1)) - 1) * 16 + index(d, substr(s, i + 1, 1)) - 1
	}')"
}

# bin2hex FILE: the bytes of FILE as lowercase hex, no newline.
bin2hex() {
	od -An -v -tx1 "$1" | tr -d ' \n'
}

# run ARGS...: run obol; sets rc, leaves stdout and stderr in files.
run() {
	what="obol $*"
	"$OBOL" "$@" >"$TMP/out" 2>"$TMP/err"
	rc=$?
}

fail() {
	failed=$((failed + 1))
	echo "FAIL: $1"
	echo "  ran:      $what"
	echo "  expected: $2"
	echo "  got:      exit $rc"
	sed 's/^/    stdout| /' "$TMP/out" | cut -c 1-400
	sed 's/^/    stderr| /' "$TMP/err" | cut -c 1-400
}

pass() {
	passed=$((passed + 1))
}

# expect_ok NAME: exit 0, nothing on stderr.
expect_ok() {
	if [ "$rc" -eq 0 ] && [ ! -s "$TMP/err" ]; then
		pass
	else
		fail "$1" "exit 0, nothing on stderr"
	fi
}

# expect_line NAME TEXT: exit 0, nothing on stderr, stdout exactly TEXT.
expect_line() {
	printf '%s\n' "$2" >"$TMP/want"
	if [ "$rc" -eq 0 ] && [ ! -s "$TMP/err" ] && cmp -s "$TMP/want" "$TMP/out"; then
		pass
	else
		fail "$1" "exit 0, stdout: $2"
	fi
}

# expect_text NAME <<EOF: exit 0, nothing on stderr, stdout exactly the text.
expect_text() {
	cat >"$TMP/want"
	if [ "$rc" -eq 0 ] && [ ! -s "$TMP/err" ] && cmp -s "$TMP/want" "$TMP/out"; then
		pass
	else
		fail "$1" "exit 0, stdout: $(cat "$TMP/want")"
	fi
}

# expect_reject NAME LINE: exit 1, nothing on stdout, stderr exactly LINE.
expect_reject() {
	printf '%s\n' "$2" >"$TMP/want"
	if [ "$rc" -eq 1 ] && [ ! -s "$TMP/out" ] && cmp -s "$TMP/want" "$TMP/err"; then
		pass
	else
		fail "$1" "exit 1, stderr: $2"
	fi
}

# expect_error NAME STATUS PATTERN: exit STATUS, nothing on stdout, one
# stderr line containing PATTERN.
expect_error() {
	lines=$(wc -l <"$TMP/err" | tr -d ' ')
	if [ "$rc" -eq "$2" ] && [ ! -s "$TMP/out" ] && [ "$lines" = 1 ] &&
		grep -F -q -- "$3" "$TMP/err"; then
		pass
	else
		fail "$1" "exit $2, one stderr line containing '$3'"
	fi
}

# expect_contains NAME PATTERN: exit 0 and PATTERN on stdout.
expect_contains() {
	if [ "$rc" -eq 0 ] && grep -F -q -- "$2" "$TMP/out"; then
		pass
	else
		fail "$1" "exit 0, stdout containing '$2'"
	fi
}

# ---- vectors: RFC 8392 Appendix A --------------------------------------------

# A.1: the claims set of every example token, as `obol token verify` prints it.
A1_JSON='{"iss": "coap://as.example.com", "sub": "erikw", "aud": "coap://light.example.com", "exp": 1444064944, "nbf": 1443944944, "iat": 1443944944, "cti": "0b71"}'
# A.1 NumericDates: iat = nbf = 1443944944, exp = 1444064944.
A1_NOW=1443944944
A1_EXP=1444064944
# A.2.1: 128-bit symmetric key (kid "Symmetric128"), used by A.5 and A.6.
K128=231f4c4d4d3051fdc2ec0a3851d5b383
# A.2.1: the same key as a COSE_Key: {1: 4, 2: 'Symmetric128', 3: 10, -1: k}.
K128_COSE=a42050231f4c4d4d3051fdc2ec0a3851d5b3830104024c53796d6d6574726963313238030a
# A.2.2: 256-bit symmetric key (kid "Symmetric256"), used by A.4 (HMAC 256/64).
K256=403697de87af64611c1d32a05dab0fe1fcb715a86ab435f1ec99192d79569388
# A.2.3: ECDSA P-256 key (kid "AsymmetricECDSA256"), used by A.3.
P256_D=6c1382765aec5358f117733d281c1c7bdc39884d04a45a1e6c67c858bc206c19
P256_X=143329cce7868e416927599cf65a34f3ce2ffda55a7eca69ed8919a394d42f0f
P256_Y=60f7f1a780d8a783bfb7a2dd6b2796e8128dbbcef9d3d168db9529971a36e7b9
# A.3: signed CWT, COSE_Sign1 (ES256).
A3=d28443a10126a104524173796d6d657472696345434453413235365850a70175636f61703a2f2f61732e6578616d706c652e636f6d02656572696b77037818636f61703a2f2f6c696768742e6578616d706c652e636f6d041a5612aeb0051a5610d9f0061a5610d9f007420b7158405427c1ff28d23fbad1f29c4c7c6a555e601d6fa29f9179bc3d7438bacaca5acd08c8d4d4f96131680c429a01f85951ecee743a52b9b63632c57209120e1c9e30
# A.4: MACed CWT with the CWT tag: 61(17([...])), HMAC 256/64.
A4=d83dd18443a10104a1044c53796d6d65747269633235365850a70175636f61703a2f2f61732e6578616d706c652e636f6d02656572696b77037818636f61703a2f2f6c696768742e6578616d706c652e636f6d041a5612aeb0051a5610d9f0061a5610d9f007420b7148093101ef6d789200
# A.5: encrypted CWT, COSE_Encrypt0 (AES-CCM-16-64-128).
A5=d08343a1010aa2044c53796d6d6574726963313238054d99a0d7846e762c49ffe8a63e0b5858b918a11fd81e438b7f973d9e2e119bcb22424ba0f38a80f27562f400ee1d0d6c0fdb559c02421fd384fc2ebe22d7071378b0ea7428fff157444d45f7e6afcda1aae5f6495830c58627087fc5b4974f319a8707a635dd643b
# A.6: nested CWT: A.3 encrypted under the A.2.1 key.
A6=d08343a1010aa2044c53796d6d6574726963313238054d4a0694c0e69ee6b5956655c7b258b7f6b0914f993de822cc47e5e57a188d7960b528a747446fe12f0e7de05650dec74724366763f167a29c002dfd15b34d8993391cf49bc91127f545dba8703d66f5b7f1ae91237503d371e6333df9708d78c4fb8a8386c8ff09dc49af768b23179deab78d96490a66d5724fb33900c60799d9872fac6da3bdb89043d67c2a05414ce331b5b8f1ed8ff7138f45905db2c4d5bc8045ab372bff142631610a7e0f677b7e9b0bc73adefdcee16d9d5d284c616abeab5d8c291ce0

# The A.2.3 key as a COSE_Key in EDN (RFC 9052 7.1, RFC 9053 7.1.1).
cat >"$TMP/p256.edn" <<EOF
/ RFC 8392 A.2.3 /
{1: 2,                        / kty: EC2 /
 2: 'AsymmetricECDSA256',     / kid /
 3: -7,                       / alg: ES256 /
 -1: 1,                       / crv: P-256 /
 -2: h'$P256_X',
 -3: h'$P256_Y',
 -4: h'$P256_D'}
EOF
# Its public half only.
cat >"$TMP/p256pub.edn" <<EOF
{1: 2, 2: 'AsymmetricECDSA256', -1: 1, -2: h'$P256_X', -3: h'$P256_Y'}
EOF
printf '%s\n' "$K128_COSE" >"$TMP/k128.hex"

printf '%s\n' "$A4" >"$TMP/a4.hex"
run token verify "$TMP/a4.hex" --key "$K256" --now "$A1_NOW" --compact
expect_line "RFC 8392 A.4 (Mac0 in tag 61) verifies to the A.1 claims" "$A1_JSON"
hex2bin "$A4" >"$TMP/a4.cbor"
run token verify "$TMP/a4.cbor" --key "$K256" --now "$A1_NOW" --compact --aud coap://light.example.com
expect_line "RFC 8392 A.4 binary, with its audience" "$A1_JSON"
run token verify "$TMP/a4.cbor" --key "$K256" --now "$A1_NOW" --kid 53796d6d6574726963323536 --compact
expect_line "RFC 8392 A.4 with its kid given" "$A1_JSON"
run token verify "$TMP/a4.cbor" --key "$K256" --now "$A1_NOW"
expect_text "RFC 8392 A.4, multi-line JSON" <<'EOF'
{
  "iss": "coap://as.example.com",
  "sub": "erikw",
  "aud": "coap://light.example.com",
  "exp": 1444064944,
  "nbf": 1443944944,
  "iat": 1443944944,
  "cti": "0b71"
}
EOF
run token verify "$TMP/a4.cbor" --key "$K256" --now "$A1_EXP"
expect_reject "RFC 8392 A.4 at exp is expired" 'obol token verify: expired (CWT: expired)'
run token verify "$TMP/a4.cbor" --key "$K256" --now "$A1_EXP" --leeway 1 --compact
expect_line "RFC 8392 A.4 at exp with 1 s leeway" "$A1_JSON"
run token verify "$TMP/a4.cbor" --key "$K256" --now $((A1_NOW - 1))
expect_reject "RFC 8392 A.4 before nbf" 'obol token verify: not yet valid (CWT: not yet valid)'
run token verify "$TMP/a4.cbor" --key "$K256" --now "$A1_NOW" --accept encrypt
expect_error "RFC 8392 A.4 refused when only Encrypt0 is accepted" 1 'obol token verify: '

printf '%s\n' "$A5" >"$TMP/a5.hex"
run token verify "$TMP/a5.hex" --key "$K128" --now "$A1_NOW" --compact
expect_line "RFC 8392 A.5 (Encrypt0) decrypts to the A.1 claims" "$A1_JSON"
run token verify "$TMP/a5.hex" --key-file "$TMP/k128.hex" --now "$A1_NOW" --compact
expect_line "RFC 8392 A.5 with the A.2.1 COSE_Key (hex file)" "$A1_JSON"
run token verify "$TMP/a5.hex" --key 231f4c4d4d3051fdc2ec0a3851d5b384 --now "$A1_NOW"
expect_reject "RFC 8392 A.5 with the wrong key" 'obol token verify: decryption failed (crypto: authentication failed)'
run token verify "$TMP/a5.hex" --key "$K256" --now "$A1_NOW"
expect_reject "RFC 8392 A.5 with a 256-bit key" 'obol token verify: unusable key (crypto: bad key)'

printf '%s\n' "$A3" >"$TMP/a3.hex"
run token verify "$TMP/a3.hex" --key-file "$TMP/p256.edn" --now "$A1_NOW" --compact
expect_line "RFC 8392 A.3 (Sign1, ES256) verifies with the A.2.3 key" "$A1_JSON"
run token verify "$TMP/a3.hex" --key-file "$TMP/p256pub.edn" --now "$A1_NOW" --compact
expect_line "RFC 8392 A.3 verifies with the public key only" "$A1_JSON"

printf '%s\n' "$A6" >"$TMP/a6.hex"
run token verify "$TMP/a6.hex" --key-file "$TMP/k128.hex" --key-file "$TMP/p256.edn" --now "$A1_NOW" --compact
expect_line "RFC 8392 A.6 (nested) with both keys" "$A1_JSON"
run token verify "$TMP/a6.hex" --key-file "$TMP/k128.hex" --now "$A1_NOW"
expect_reject "RFC 8392 A.6 without the signing key" 'obol token verify: wrong key id (COSE: wrong key id)'

# ---- claims: JSON and EDN ---------------------------------------------------------

K16=000102030405060708090a0b0c0d0e0f
K32=202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f
MS=f9af838368e353e78888e1426bd94e6f

cat >"$TMP/claims.json" <<EOF
{
  "iss": "coap://as.example.com", "sub": "client1", "aud": "rs1",
  "exp": 2000000000, "nbf": 1600000000, "iat": 1600000000, "cti": "0b71",
  "cnf": {"osc": {"id": "01", "ms": "$MS", "salt": "1122",
                  "contextId": "99", "alg": 10, "hkdf": -10, "version": 1}},
  "scope": [["/temp", ["GET"]], ["/led", ["GET", "PUT"]]],
  "ace_profile": "coap_oscore", "cnonce": "abcd", "exi": 3600
}
EOF
# The same claims in EDN: scope as embedded CBOR, with Tperm integers.
cat >"$TMP/claims.edn" <<EOF
/ the claims of claims.json, by key /
{1: "coap://as.example.com", 2: "client1", 3: "rs1",
 4: 2000000000, 5: 1600000000, 6: 1600000000, 7: h'0b71',
 8: {4: {0: h'01', 1: 1, 2: h'$MS', 3: -10, 4: 10, 5: h'1122', 6: h'99'}},
 9: <<[["/temp", 1], ["/led", 5]]>>,  # GET = 1, GET|PUT = 5
 38: 2, 39: h'abcd', 40: 3600}
EOF
# ... and with the AIF as hex, as the mint --help example writes it.
cat >"$TMP/claims2.edn" <<EOF
{1: "coap://as.example.com", 2: "client1", 3: "rs1",
 4: 2000000000, 5: 1600000000, 6: 1600000000, 7: h'0b71',
 8: {4: {0: h'01', 1: 1, 2: h'$MS', 3: -10, 4: 10, 5: h'1122', 6: h'99'}},
 9: h'8282652f74656d700182642f6c656405', 38: 2, 39: h'abcd', 40: 3600}
EOF
CLAIMS_JSON='{"iss": "coap://as.example.com", "sub": "client1", "aud": "rs1", "exp": 2000000000, "nbf": 1600000000, "iat": 1600000000, "cti": "0b71", "cnf": {"osc": {"id": "01", "version": 1, "ms": "'$MS'", "hkdf": -10, "alg": 10, "salt": "1122", "contextId": "99"}}, "scope": [["/temp", ["GET"]], ["/led", ["GET", "PUT"]]], "ace_profile": 2, "cnonce": "abcd", "exi": 3600}'
NOW=1700000000

# ---- round trips -------------------------------------------------------------------

run token keygen --ec2 --kid ec01 --out "$TMP/ec.key" --public-out "$TMP/ec.pub"
expect_ok "keygen --ec2"
run token keygen --okp --kid ed01 --out "$TMP/ed.key" --public-out "$TMP/ed.pub" --hex
expect_ok "keygen --okp --hex"
run token keygen --symmetric 32 --kid 5301 --out "$TMP/sym.key"
expect_ok "keygen --symmetric 32"

# roundtrip NAME VERIFY-KEY-ARGS... -- MINT-ARGS...: mint claims.json with
# MINT-ARGS, verify with the key arguments, compare the claims.
roundtrip() {
	name=$1
	shift
	vk=""
	while [ "$1" != "--" ]; do
		vk="$vk $1"
		shift
	done
	shift
	run token mint --claims "$TMP/claims.json" --out "$TMP/tok.cbor" "$@"
	if [ "$rc" -ne 0 ]; then
		fail "$name: mint" "exit 0"
		return
	fi
	# shellcheck disable=SC2086
	run token verify "$TMP/tok.cbor" $vk --aud rs1 --now "$NOW" --compact
	expect_line "$name" "$CLAIMS_JSON"
}

for tagging in "" --tag61 --untagged; do
	roundtrip "encrypt alg 10 $tagging" --key "$K16" -- --encrypt --key "$K16" $tagging
	roundtrip "encrypt alg 30 $tagging" --key "$K16" -- --encrypt --alg 30 --key "$K16" --kid 77 $tagging
	roundtrip "mac alg 4 $tagging" --key "$K32" -- --mac --alg 4 --key "$K32" $tagging
	roundtrip "mac alg 5 $tagging" --key "$K16" -- --mac --key "$K16" --kid 0102 $tagging
	roundtrip "sign ES256 $tagging" --key-file "$TMP/ec.pub" -- --sign --key-file "$TMP/ec.key" $tagging
	roundtrip "sign EdDSA $tagging" --key-file "$TMP/ed.pub" -- --sign --key-file "$TMP/ed.key" $tagging
	roundtrip "mac with a keygen key $tagging" --key-file "$TMP/sym.key" -- --mac --key-file "$TMP/sym.key" $tagging
done

# The token's shape: tags as asked, the protected header exactly {1: alg}.
run token mint --claims "$TMP/claims.json" --encrypt --key "$K16" --kid 01 --hex
expect_ok "mint --hex"
tok=$(cat "$TMP/out")
case $tok in
d08343a1010aa2044101054d*) pass ;;
*) rc=1; fail "Encrypt0: tag 16, protected {1: 10}, kid 01, 13-byte IV" "d08343a1010aa2044101054d..." ;;
esac
run token mint --claims "$TMP/claims.json" --encrypt --alg 30 --key "$K16" --tag61 --hex
case $(cat "$TMP/out") in
d83dd08344a101181ea1054d*) pass ;;
*) fail "--tag61 --alg 30: 61(16([h'a101181e', {5: iv}, ...]))" "d83dd08344a101181ea1054d..." ;;
esac
run token mint --claims "$TMP/claims.json" --mac --key "$K16" --untagged --hex
case $(cat "$TMP/out") in
8443a10105a0*) pass ;;
*) fail "--untagged Mac0: [h'a10105', {}, ...]" "8443a10105a0..." ;;
esac
run token mint --claims "$TMP/claims.json" --sign --key-file "$TMP/ed.key" --hex
case $(cat "$TMP/out") in
d28443a10127a1044...) pass ;;
d28443a10127a10442ed01*) pass ;;
*) fail "Sign1 EdDSA: 18([h'a10127', {4: h'ed01'}, ...])" "d28443a10127a10442ed01..." ;;
esac
# Two Encrypt0 tokens of the same claims differ (fresh IV).
run token mint --claims "$TMP/claims.json" --encrypt --key "$K16" --hex
t1=$(cat "$TMP/out")
run token mint --claims "$TMP/claims.json" --encrypt --key "$K16" --hex
if [ "$t1" != "$(cat "$TMP/out")" ]; then pass; else fail "fresh IV per token" "different tokens"; fi
# Mac0 is deterministic: the same claims, key and kid give the same bytes.
run token mint --claims "$TMP/claims.json" --mac --key "$K16" --hex
m1=$(cat "$TMP/out")
run token mint --claims "$TMP/claims.edn" --mac --key "$K16" --hex
if [ "$m1" = "$(cat "$TMP/out")" ]; then pass; else fail "JSON and EDN claims give the same Mac0 bytes" "equal tokens"; fi
run token mint --claims "$TMP/claims2.edn" --mac --key "$K16" --hex
if [ "$m1" = "$(cat "$TMP/out")" ]; then pass; else fail "EDN with hex AIF gives the same Mac0 bytes" "equal tokens"; fi

# JSON and EDN give the same verified claims (Encrypt0: the IV differs).
for f in claims.json claims.edn claims2.edn; do
	run token mint --claims "$TMP/$f" --encrypt --key "$K16" --out "$TMP/tok.cbor"
	run token verify "$TMP/tok.cbor" --key "$K16" --now "$NOW" --compact
	expect_line "claims from $f verify the same" "$CLAIMS_JSON"
done
# Claims from standard input, as hex CBOR and as binary CBOR.
run token mint --claims "$TMP/claims.edn" --mac --key "$K16" --hex --untagged
cp "$TMP/out" "$TMP/stdin.hex"
run token verify --key "$K16" --now "$NOW" --compact <"$TMP/stdin.hex"
expect_line "token on standard input (hex)" "$CLAIMS_JSON"
printf 'a20363727331041a77359400\n' >"$TMP/claims.hex"
run token mint --encrypt --key "$K16" --out "$TMP/tok.cbor" <"$TMP/claims.hex"
run token verify - --key "$K16" --now "$NOW" --compact <"$TMP/tok.cbor"
expect_line "hex CBOR claims on standard input" '{"aud": "rs1", "exp": 2000000000}'
hex2bin a20363727331041a77359400 >"$TMP/claims.cbor"
run token mint --claims "$TMP/claims.cbor" --encrypt --key "$K16" --out "$TMP/tok.cbor"
run token verify "$TMP/tok.cbor" --key "$K16" --now "$NOW" --compact
expect_line "binary CBOR claims" '{"aud": "rs1", "exp": 2000000000}'
# The verify output is valid mint input.
run token mint --claims "$TMP/claims.json" --mac --key "$K16" --out "$TMP/tok.cbor"
run token verify "$TMP/tok.cbor" --key "$K16" --now "$NOW"
cp "$TMP/out" "$TMP/again.json"
run token mint --claims "$TMP/again.json" --mac --key "$K16" --hex
if [ "$m1" = "$(cat "$TMP/out")" ]; then pass; else fail "verify's JSON mints the same token" "equal tokens"; fi

# Other claim forms.
X=$P256_X
Y=$P256_Y
run token mint --mac --key "$K16" --out "$TMP/tok.cbor" --claims - <<EOF
{"aud": "rs1", "exp": 2000000000, "scope": "read write",
 "cnf": {"COSE_Key": {"kty": "EC2", "kid": "11", "crv": "P-256", "x": "$X", "y": "$Y"}}}
EOF
run token verify "$TMP/tok.cbor" --key "$K16" --now "$NOW" --compact
expect_line "cnf COSE_Key, text scope" '{"aud": "rs1", "exp": 2000000000, "cnf": {"COSE_Key": {"kty": "EC2", "kid": "11", "crv": "P-256", "x": "'$X'", "y": "'$Y'"}}, "scope": "read write"}'
run token mint --mac --key "$K16" --out "$TMP/tok.cbor" --claims - <<'EOF'
{"cnf": {"kid": "0102"}, "scope": {"bytes": "0102"}, "ace_profile": 7,
 "scope2": 1}
EOF
expect_error "unknown JSON claim is named" 1 'unknown claim "scope2"'
run token mint --mac --key "$K16" --out "$TMP/tok.cbor" --claims - <<'EOF'
{"cnf": {"kid": "0102"}, "scope": {"bytes": "0102"}, "ace_profile": "coap_dtls",
 "exi": 60}
EOF
run token verify "$TMP/tok.cbor" --key "$K16" --no-clock --compact
expect_line "cnf kid, byte-string scope, exi without a clock" '{"cnf": {"kid": "0102"}, "scope": {"bytes": "0102"}, "ace_profile": 1, "exi": 60}'
run token mint --mac --key "$K16" --out "$TMP/tok.cbor" --claims - <<'EOF'
{"scope": [["/a", 127], ["/b", ["Dynamic-GET", "POST"]], ["/c", []]]}
EOF
run token verify "$TMP/tok.cbor" --key "$K16" --allow-no-expiry --compact
expect_line "AIF: numeric and Dynamic- permissions" '{"scope": [["/a", ["GET", "POST", "PUT", "DELETE", "FETCH", "PATCH", "iPATCH"]], ["/b", ["POST", "Dynamic-GET"]], ["/c", []]]}'

# Claims errors: exit 1, one line naming the problem.
K=$K16
for case in \
	'{"iss": 5}|claim "iss": the value must be a string' \
	'{"exp": "soon"}|claim "exp": the value must be an integer' \
	'{"exp": 1.5}|only integers' \
	'{"cti": "0g"}|claim "cti": the value must be a hex string' \
	'{"scope": [["temp", ["GET"]]]}|must start with' \
	'{"scope": [["/t", ["GOT"]]]}|unknown method "GOT"' \
	'{"cnf": {"osc": {"id": "01"}}}|invalid claims (CWT: bad confirmation (cnf) claim)' \
	'{"cnf": {"osc": {"id": "01", "ms": "00", "x": 1}}}|unknown osc member "x"' \
	'{"cnf": {"kid": "01", "osc": {}}}|exactly one' \
	'{"ace_profile": "coap_http"}|unknown name "coap_http"' \
	'{"iss": "a", "iss": "b"}|given twice' \
	'{1: "a", 99: 1}|unknown claim 99' \
	'{1: 2}|invalid claims (CWT: malformed claim)' \
	'{1: "a" 2: 3}|expected' \
	'{4: 1.5}|floating-point' \
	'[1]|' \
	'|empty input'; do
	in=${case%%|*}
	pat=${case#*|}
	printf '%s\n' "$in" >"$TMP/bad"
	run token mint --claims "$TMP/bad" --encrypt --key "$K"
	expect_error "bad claims $in" 1 "$pat"
done

# ---- verify failures: exit 1, one exact line ------------------------------------

run token mint --claims "$TMP/claims.json" --encrypt --key "$K16" --kid 01 --out "$TMP/enc.cbor"
run token mint --claims "$TMP/claims.json" --mac --key "$K16" --kid 01 --out "$TMP/mac.cbor"
run token mint --claims "$TMP/claims.json" --sign --key-file "$TMP/ec.key" --out "$TMP/sig.cbor"
run token mint --claims "$TMP/claims.json" --sign --key-file "$TMP/ed.key" --out "$TMP/eds.cbor"
for t in enc mac sig eds; do
	case $t in
	enc) k="--key $K16"; auth="decryption failed" ;;
	mac) k="--key $K16"; auth="invalid signature or MAC" ;;
	sig) k="--key-file $TMP/ec.pub"; auth="invalid signature or MAC" ;;
	eds) k="--key-file $TMP/ed.pub"; auth="invalid signature or MAC" ;;
	esac
	# shellcheck disable=SC2086
	run token verify "$TMP/$t.cbor" $k --now "$NOW" --aud rs2
	expect_reject "$t: wrong audience" 'obol token verify: wrong audience (CWT: wrong audience)'
	# shellcheck disable=SC2086
	run token verify "$TMP/$t.cbor" $k --now 2000000000
	expect_reject "$t: expired" 'obol token verify: expired (CWT: expired)'
	# shellcheck disable=SC2086
	run token verify "$TMP/$t.cbor" $k --now 1599999999
	expect_reject "$t: not yet valid" 'obol token verify: not yet valid (CWT: not yet valid)'
	# Flip the last byte (the tag or signature).
	h=$(bin2hex "$TMP/$t.cbor")
	last=$(printf '%s' "$h" | tail -c 2)
	if [ "$last" = 00 ]; then new=01; else new=00; fi
	printf '%s%s\n' "$(printf '%s' "$h" | sed 's/..$//')" "$new" >"$TMP/tampered.hex"
	# shellcheck disable=SC2086
	run token verify "$TMP/tampered.hex" $k --now "$NOW"
	expect_reject "$t: tampered byte" "obol token verify: $auth (crypto: authentication failed)"
	# Inside the protected header: alg 10 -> 11 etc. also fails.
	# shellcheck disable=SC2086
	run token verify "$TMP/$t.cbor" $k --now "$NOW" --kid ff
	expect_reject "$t: wrong kid" 'obol token verify: wrong key id (COSE: wrong key id)'
	# A tag that is not a COSE tag around the message.
	printf 'd863%s\n' "$(printf '%s' "$h" | cut -c 3-)" >"$TMP/badtag.hex"
	# shellcheck disable=SC2086
	run token verify "$TMP/badtag.hex" $k --now "$NOW"
	expect_reject "$t: bad tag" 'obol token verify: bad tag (COSE: bad tag)'
	# Truncated.
	printf '%s\n' "$(printf '%s' "$h" | sed 's/....$//')" >"$TMP/short.hex"
	# shellcheck disable=SC2086
	run token verify "$TMP/short.hex" $k --now "$NOW"
	expect_reject "$t: malformed (truncated)" 'obol token verify: malformed (CBOR: item runs past the end of the input)'
done
run token verify "$TMP/enc.cbor" --key 0f0e0d0c0b0a09080706050403020100 --now "$NOW"
expect_reject "encrypt: wrong key" 'obol token verify: decryption failed (crypto: authentication failed)'
run token verify "$TMP/mac.cbor" --key 0f0e0d0c0b0a09080706050403020100 --now "$NOW"
expect_reject "mac: wrong key" 'obol token verify: invalid signature or MAC (crypto: authentication failed)'
run token verify "$TMP/sig.cbor" --key-file "$TMP/ed.pub" --kid ec01 --now "$NOW"
expect_reject "sign: key of the wrong type" 'obol token verify: wrong key type (COSE: key does not match the algorithm)'
run token mint --claims "$TMP/claims.json" --encrypt --key "$K16" --kid 02 --out "$TMP/kid2.cbor"
run token verify "$TMP/kid2.cbor" --key-file "$TMP/k128.hex" --now "$NOW"
expect_reject "encrypt: a key file with another kid" 'obol token verify: wrong key id (COSE: wrong key id)'
run token mint --claims "$TMP/claims.json" --sign --key-file "$TMP/ec.key" --kid 99 --out "$TMP/kid99.cbor"
run token verify "$TMP/kid99.cbor" --key-file "$TMP/ec.pub" --now "$NOW"
expect_reject "sign: --kid other than the key's" 'obol token verify: wrong key id (COSE: wrong key id)'
# 61(untagged COSE): the CWT tag must prefix a COSE tag (RFC 8392 6).
run token mint --claims "$TMP/claims.json" --mac --key "$K16" --untagged --hex
printf 'd83d%s\n' "$(cat "$TMP/out")" >"$TMP/t61u.hex"
run token verify "$TMP/t61u.hex" --key "$K16" --now "$NOW"
expect_reject "tag 61 around an untagged message" 'obol token verify: bad tag (COSE: bad tag)'
# A hand-made Mac0 with alg 99: 17([h'a1011863', {}, h'a1041a713fb300', h'0001020304050607']).
printf 'd18444a1011863a047a1041a713fb300480001020304050607\n' >"$TMP/alg99.hex"
run token verify "$TMP/alg99.hex" --key "$K16" --now "$NOW"
expect_reject "unknown algorithm 99" 'obol token verify: unknown algorithm (COSE: unknown algorithm)'
printf 'ff\n' >"$TMP/junk.hex"
run token verify "$TMP/junk.hex" --key "$K16"
expect_reject "malformed: not CBOR" 'obol token verify: malformed (CBOR: break outside an indefinite-length item)'
printf 'd08340a040\n' >"$TMP/empty.hex"
run token verify "$TMP/empty.hex" --key "$K16"
expect_error "malformed: empty Encrypt0" 1 'obol token verify: '
printf '0g\n' >"$TMP/badhex.hex"
run token verify "$TMP/badhex.hex" --key "$K16" --hex
expect_error "bad hex input" 1 'obol token verify: malformed ('
# No expiry: exp but no clock, no exi.
printf '{"aud": "rs1", "exp": 2000000000}\n' >"$TMP/exp.json"
run token mint --claims "$TMP/exp.json" --encrypt --key "$K16" --out "$TMP/exp.cbor"
run token verify "$TMP/exp.cbor" --key "$K16" --no-clock
expect_reject "no expiry with --no-clock" 'obol token verify: no expiry (CWT: no expiry this resource server can check)'
printf '{"aud": "rs1"}\n' >"$TMP/noexp.json"
run token mint --claims "$TMP/noexp.json" --encrypt --key "$K16" --out "$TMP/noexp.cbor"
run token verify "$TMP/noexp.cbor" --key "$K16" --now "$NOW"
expect_reject "no exp and no exi" 'obol token verify: no expiry (CWT: no expiry this resource server can check)'
run token verify "$TMP/noexp.cbor" --key "$K16" --now "$NOW" --allow-no-expiry --compact
expect_line "--allow-no-expiry" '{"aud": "rs1"}'
run token verify "$TMP/noexp.cbor" --key "$K16" --no-clock --allow-no-expiry --compact
expect_line "--allow-no-expiry --no-clock" '{"aud": "rs1"}'
run token verify "$TMP/enc.cbor" --key "$K16" --no-clock --compact
expect_line "exi satisfies --no-clock" "$CLAIMS_JSON"
run token verify "$TMP/enc.cbor" --key "$K16" --now "$NOW" --accept mac,sign
expect_error "--accept mac,sign refuses Encrypt0" 1 'obol token verify: '
run token verify "$TMP/mac.cbor" --key "$K16" --now "$NOW" --accept mac --compact
expect_line "--accept mac" "$CLAIMS_JSON"

# ---- keygen --------------------------------------------------------------------------

run inspect "$TMP/ec.key" --compact
case $(cat "$TMP/out") in
'{1: 2, 2: h'"'"'ec01'"'"', 3: -7, -1: 1, -2: h'*', -3: h'*', -4: h'*'}') pass ;;
*) fail "keygen --ec2 writes an EC2 P-256 COSE_Key" "{1: 2, 2: h'ec01', 3: -7, -1: 1, -2: ..., -3: ..., -4: ...}" ;;
esac
run inspect "$TMP/ec.pub" --compact
case $(cat "$TMP/out") in
*-4:*) fail "keygen --public-out has no d" "no -4" ;;
'{1: 2, 2: h'"'"'ec01'"'"', 3: -7, -1: 1, -2: h'*', -3: h'*'}') pass ;;
*) fail "keygen --public-out (EC2)" "{1: 2, 2: h'ec01', 3: -7, -1: 1, -2: ..., -3: ...}" ;;
esac
run inspect "$TMP/ed.pub" --hex --compact
case $(cat "$TMP/out") in
'{1: 1, 2: h'"'"'ed01'"'"', 3: -8, -1: 6, -2: h'*'}') pass ;;
*) fail "keygen --okp --hex public key" "{1: 1, 2: h'ed01', 3: -8, -1: 6, -2: ...}" ;;
esac
run inspect "$TMP/sym.key" --compact
case $(cat "$TMP/out") in
"{1: 4, 2: h'5301', -1: h'"????????????????????????????????????????????????????????????????"'}") pass ;;
*) fail "keygen --symmetric 32" "{1: 4, 2: h'5301', -1: h'<32 bytes>'}" ;;
esac
perm=$(ls -l "$TMP/ec.key" | cut -c 1-10)
if [ "$perm" = "-rw-------" ]; then pass; else rc=0; fail "private key file mode 0600" "-rw------- (got $perm)"; fi
run token keygen --symmetric --hex
case $(cat "$TMP/out") in
a201042050????????????????????????????????) pass ;;
*) fail "keygen --symmetric: 16 bytes by default" "a201042050 + 16 bytes" ;;
esac
run token keygen --symmetric=24 --hex
case $(cat "$TMP/out") in
a20104205818????????????????????????????????????????????????) pass ;;
*) fail "keygen --symmetric=24" "a20104205818 + 24 bytes" ;;
esac

# ---- command line -----------------------------------------------------------------------

for sub in "" mint verify keygen; do
	# shellcheck disable=SC2086
	run token $sub --help
	expect_contains "token $sub --help" "usage: obol token"
done
run token mint --help
for s in '"scope": [["/temp", ["GET"]]' "h'8182652f74656d7001'" --tag61 --untagged --key-file --alg; do
	expect_contains "mint --help shows $s" "$s"
done
run token verify --help
for s in 'expired (CWT: expired)' 'lowercase hex' '--no-clock' '--allow-no-expiry' '--accept' 'wrong key id'; do
	expect_contains "verify --help shows $s" "$s"
done
run help token
expect_contains "obol help token" "usage: obol token"
run --help
expect_contains "obol --help lists token" "mint, verify and generate keys for CWT access tokens"

run token
if [ "$rc" -eq 2 ] && [ ! -s "$TMP/out" ]; then pass; else fail "token without subcommand" "exit 2"; fi
for args in \
	"token frob|not a token subcommand" \
	"token mint --key $K16|--encrypt, --mac or --sign" \
	"token mint --encrypt --mac --key $K16|give one of" \
	"token mint --encrypt|a key is needed" \
	"token mint --encrypt --key $K16 --key $K16|give one key" \
	"token mint --sign --key $K16|--sign needs a private COSE_Key" \
	"token mint --encrypt --alg 5 --key $K16|--alg 5 does not go with --encrypt" \
	"token mint --mac --alg 10 --key $K16|--alg 10 does not go with --mac" \
	"token mint --encrypt --alg x --key $K16|--alg" \
	"token mint --encrypt --key $K16 --tag61 --untagged|--tag61" \
	"token mint --encrypt --key $K16 claims.json|unexpected argument" \
	"token mint --encrypt --key $K16 --bogus|--bogus" \
	"token mint --encrypt --key $K16 --kid 0|--kid" \
	"token verify|a key is needed" \
	"token verify --key $K16 --now soon|--now" \
	"token verify --key $K16 --now 1 --no-clock|exclude each other" \
	"token verify --key $K16 --accept all|--accept" \
	"token verify --key $K16 --leeway -1|--leeway" \
	"token verify --key $K16 a b|more than one token file" \
	"token verify --key $K16 --key $K16 --kid 01|--kid goes with a single key" \
	"token verify --hex=1 --key $K16|--hex" \
	"token keygen|--symmetric, --ec2 or --okp" \
	"token keygen --ec2 --okp|give one of" \
	"token keygen --symmetric 0|--symmetric" \
	"token keygen --symmetric --public-out x|no public part" \
	"token keygen --ec2 --alg -8|--alg" \
	"token keygen --ec2 extra|unexpected argument"; do
	a=${args%%|*}
	pat=${args#*|}
	# shellcheck disable=SC2086
	run $a </dev/null
	expect_error "bad command line: $a" 2 "$pat"
done
# Bad key material is exit 1 (the command line itself was fine).
run token mint --claims "$TMP/claims.json" --encrypt --key 0011
expect_error "mint: short AES key" 1 "16-byte key"
run token mint --claims "$TMP/claims.json" --mac --key 0011
expect_error "mint: short HMAC key" 1 "at least 16 bytes"
run token mint --claims "$TMP/claims.json" --sign --key-file "$TMP/ec.pub"
expect_error "mint: --sign with a public key" 1 "private key"
run token mint --claims "$TMP/claims.json" --encrypt --key-file "$TMP/ec.key"
expect_error "mint: --encrypt with an EC2 key" 1 "symmetric key"
run token mint --claims "$TMP/claims.json" --mac --key-file "$TMP/k128.hex"
expect_error "mint: key file for alg 10 used for --mac" 1 "the key is for alg 10, not 5"
run token mint --claims "$TMP/claims.json" --encrypt --key-file "$TMP/nonexistent"
expect_error "mint: missing key file" 1 "cannot open"
run token verify "$TMP/nonexistent" --key "$K16"
expect_error "verify: missing token file" 1 "cannot open"

echo "cli token: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
