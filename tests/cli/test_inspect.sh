#!/bin/sh
# Tests of `obol inspect`, driven as a user would drive it.
#
#   sh tests/cli/test_inspect.sh PATH/TO/obol PATH/TO/tests
#
# OBOL may be a wrapper (valgrind, ...) that passes its arguments on.
# OBOL_APPENDIX_A overrides the vector file (default
# TESTS/vectors/cbor_appendix_a.txt). Prints each failure (input, expected,
# got) and a summary line; exits 0 only if every check passed.
#
# Vectors other than Appendix A are transcribed below as hex, each with the
# RFC section it comes from. POSIX sh only (dash, busybox, bash).

set -u

if [ $# -ne 2 ]; then
	echo "usage: sh $0 PATH/TO/obol PATH/TO/tests" >&2
	exit 2
fi
OBOL=$1
TESTS=$2
VECTORS=${OBOL_APPENDIX_A:-$TESTS/vectors/cbor_appendix_a.txt}

TMP=$(mktemp -d "${TMPDIR:-/tmp}/obol-cli-test.XXXXXX") || exit 2
trap 'rm -rf "$TMP"' EXIT
trap 'exit 2' HUP INT TERM

passed=0
failed=0
TAB=$(printf '\t')

# ---- helpers -----------------------------------------------------------------

# hex2bin HEX: write the bytes HEX spells (lowercase or uppercase) to stdout.
hex2bin() {
	printf "$(printf '%s' "$1" | awk '{
		d = "0123456789abcdef"; s = tolower($0)
		for (i = 1; i < length(s); i += 2)
			printf "\\%03o", (index(d, substr(s, i, 1)) - 1) * 16 + index(d, substr(s, i + 1, 1)) - 1
	}')"
}

# run ARGS... < input: run obol; sets rc, leaves stdout and stderr in files.
run() {
	"$OBOL" "$@" >"$TMP/out" 2>"$TMP/err"
	rc=$?
}

# run_hex HEX ARGS...: `obol inspect --hex ARGS` with HEX on stdin.
run_hex() {
	hex=$1
	shift
	printf '%s\n' "$hex" >"$TMP/in"
	run inspect --hex "$@" <"$TMP/in"
}

# fail NAME WHAT EXPECTED: report the last run.
fail() {
	failed=$((failed + 1))
	echo "FAIL: $1"
	echo "  input:    $(cut -c 1-200 "$TMP/in" 2>/dev/null)"
	echo "  expected: $2"
	echo "  got:      exit $rc"
	sed 's/^/    stdout| /' "$TMP/out"
	sed 's/^/    stderr| /' "$TMP/err"
}

pass() {
	passed=$((passed + 1))
}

# expect_want NAME: the last run exited 0, printed nothing on stderr, and
# printed exactly the content of $TMP/want. (Never call the expect_*
# functions at the end of a pipeline: its subshell would lose the counts.)
expect_want() {
	if [ "$rc" -eq 0 ] && [ ! -s "$TMP/err" ] && cmp -s "$TMP/want" "$TMP/out"; then
		pass
	else
		fail "$1" "exit 0, stdout: $(cat "$TMP/want")"
	fi
}

# expect_ok NAME <<EOF: expect_want with the text of a here-document.
expect_ok() {
	cat >"$TMP/want"
	expect_want "$1"
}

# expect_line NAME TEXT: expect_want with a one-line output.
expect_line() {
	printf '%s\n' "$2" >"$TMP/want"
	expect_want "$1"
}

# expect_error NAME STATUS PATTERN: the last run exited STATUS with nothing
# on stdout and exactly one line on stderr, which contains PATTERN.
expect_error() {
	lines=$(wc -l <"$TMP/err" | tr -d ' ')
	if [ "$rc" -eq "$2" ] && [ ! -s "$TMP/out" ] && [ "$lines" = 1 ] &&
		grep -F -q -- "$3" "$TMP/err"; then
		pass
	else
		fail "$1" "exit $2, one stderr line containing '$3'"
	fi
}

# expect_contains NAME PATTERN: the last run exited 0 and printed PATTERN.
expect_contains() {
	if [ "$rc" -eq 0 ] && [ ! -s "$TMP/err" ] && grep -F -q -- "$2" "$TMP/out"; then
		pass
	else
		fail "$1" "exit 0, stdout containing '$2'"
	fi
}

# ---- RFC 8949 Appendix A -----------------------------------------------------
# Every vector, one line each (--compact: the 25-element arrays are wider
# than 72 columns and would otherwise take one line per member). Vectors
# that are not "reject" must also pass --strict unchanged, unless marked
# "strict-reject", which --strict must refuse.

if [ ! -r "$VECTORS" ]; then
	echo "FAIL: cannot read $VECTORS"
	exit 1
fi
nvec=0
while IFS="$TAB" read -r hex flags want; do
	case $hex in '' | '#'*) continue ;; esac
	nvec=$((nvec + 1))
	case ",$flags," in
	*,reject,*)
		run_hex "$hex"
		expect_error "appendix A $hex is rejected" 1 "error at byte 0:"
		continue
		;;
	esac
	run_hex "$hex" --compact
	expect_line "appendix A $hex" "$want"
	run_hex "$hex" --compact --strict
	case ",$flags," in
	*,strict-reject,*)
		expect_error "appendix A $hex --strict is refused" 1 "error at byte"
		;;
	*)
		expect_line "appendix A $hex --strict" "$want"
		;;
	esac
done <"$VECTORS"
if [ "$nvec" -lt 80 ]; then
	failed=$((failed + 1))
	echo "FAIL: only $nvec vectors in $VECTORS (RFC 8949 Appendix A has 82)"
fi

# ---- layout ---------------------------------------------------------------------

# Appendix A's 25-element array is 91 columns wide: one member per line.
run_hex 98190102030405060708090a0b0c0d0e0f101112131415161718181819
{
	echo '['
	i=1
	while [ $i -lt 25 ]; do
		echo "  $i,"
		i=$((i + 1))
	done
	echo '  25'
	echo ']'
} >"$TMP/want"
expect_want "25-element array breaks into lines"

# Short items stay on one line without --compact.
run_hex 826161a161626163
expect_line "short item on one line" '["a", {"b": "c"}]'

# The 72-column limit: ["a" x 68] is 72 columns wide, ["a" x 69] is 73.
a68=$(awk 'BEGIN { for (i = 0; i < 68; i++) printf "a" }')
run_hex "817844$(awk 'BEGIN { for (i = 0; i < 68; i++) printf "61" }')"
expect_line "72 columns fit" "[\"$a68\"]"
run_hex "817845$(awk 'BEGIN { for (i = 0; i < 69; i++) printf "61" }')"
printf '[\n  "%sa"\n]\n' "$a68" >"$TMP/want"
expect_want "73 columns break"

# The "," after a member counts: [["a" x 65], 1] puts ["a" x 65] at
# column 2, 69 wide, and its comma makes 72: fits; x 66 does not.
a65=$(awk 'BEGIN { for (i = 0; i < 65; i++) printf "a" }')
run_hex "82817841$(awk 'BEGIN { for (i = 0; i < 65; i++) printf "61" }')01"
printf '[\n  ["%s"],\n  1\n]\n' "$a65" >"$TMP/want"
expect_want "member with its comma fits in 72"
run_hex "82817842$(awk 'BEGIN { for (i = 0; i < 66; i++) printf "61" }')01"
printf '[\n  [\n    "%sa"\n  ],\n  1\n]\n' "$a65" >"$TMP/want"
expect_want "member with its comma breaks at 73"

# A large map (RFC 8392 A.1 claims set, untagged: no annotations).
A1=a70175636f61703a2f2f61732e6578616d706c652e636f6d02656572696b77037818636f61703a2f2f6c696768742e6578616d706c652e636f6d041a5612aeb0051a5610d9f0061a5610d9f007420b71
run_hex "$A1"
expect_ok "large map, multi-line" <<'EOF'
{
  1: "coap://as.example.com",
  2: "erikw",
  3: "coap://light.example.com",
  4: 1444064944,
  5: 1443944944,
  6: 1443944944,
  7: h'0b71'
}
EOF
run_hex "$A1" --compact
expect_line "large map, --compact" '{1: "coap://as.example.com", 2: "erikw", 3: "coap://light.example.com", 4: 1444064944, 5: 1443944944, 6: 1443944944, 7: h'"'"'0b71'"'"'}'

# Nested: only the containers that do not fit are broken.
# {"a": [1..25], "b": [1, 2]}
run_hex a2616198190102030405060708090a0b0c0d0e0f1011121314151617181818196162820102
{
	echo '{'
	echo '  "a": ['
	i=1
	while [ $i -lt 25 ]; do
		echo "    $i,"
		i=$((i + 1))
	done
	echo '    25'
	echo '  ],'
	echo '  "b": [1, 2]'
	echo '}'
} >"$TMP/want"
expect_want "nested layout"

# Indefinite-length items in multi-line layout keep their "_".
run_hex 9f0102030405060708090a0b0c0d0e0f101112131415161718181819ff
{
	echo '[_'
	i=1
	while [ $i -lt 25 ]; do
		echo "  $i,"
		i=$((i + 1))
	done
	echo '  25'
	echo ']'
} >"$TMP/want"
expect_want "indefinite array, multi-line"

# ---- CBOR sequences (RFC 8742) ----------------------------------------------

run_hex "a1616101 83010203"
printf '{"a": 1}\n[1, 2, 3]\n' >"$TMP/want"
expect_want "sequence of two items: two lines"
run_hex "a1616101 83010203" --json
printf '{"a": 1}\n[1, 2, 3]\n' >"$TMP/want"
expect_want "sequence of two items, --json"

# ---- binary input: file and standard input ---------------------------------

hex2bin a26161016162820203 >"$TMP/item.cbor"
run inspect "$TMP/item.cbor"
expect_line "binary file" '{"a": 1, "b": [2, 3]}'
run inspect <"$TMP/item.cbor"
expect_line "binary stdin" '{"a": 1, "b": [2, 3]}'
run inspect - <"$TMP/item.cbor"
expect_line "binary stdin as -" '{"a": 1, "b": [2, 3]}'
run inspect --json "$TMP/item.cbor"
expect_line "binary file --json" '{"a": 1, "b": [2, 3]}'
# Bytes that are text-like or newlines must not matter in binary mode.
hex2bin 4a0a0d2000ff25415c780a >"$TMP/bytes.cbor"
run inspect "$TMP/bytes.cbor"
expect_line "binary bstr with control bytes" "h'0a0d2000ff25415c780a'"
# No text conversion either: a newline byte (0x0a) is the integer 10.
printf '\n' >"$TMP/in"
run inspect <"$TMP/in"
expect_line "binary 0a is the integer 10" '10'

# ---- hex input ----------------------------------------------------------------

run_hex A201020304
expect_line "uppercase hex" '{1: 2, 3: 4}'
printf 'a2 01\n02\t03\r\n04\n' >"$TMP/in"
run inspect --hex <"$TMP/in"
expect_line "hex with whitespace and newlines" '{1: 2, 3: 4}'
run_hex 0g
expect_error "bad hex digit" 1 "offset 1"
run_hex 0g
expect_error "bad hex digit is named" 1 "'g'"
run_hex 123
expect_error "odd-length hex" 1 "offset 2"
run_hex "12 3"
expect_error "odd-length hex, position counts whitespace" 1 "offset 3"

# ---- malformed input: exit 1, one line naming the byte -----------------------
# Offsets are those of RFC 8949 Appendix F's failures as the core reports
# them: where the bad head starts, or where a missing item should be.

run_hex 1a0102
expect_error "truncated uint32" 1 "error at byte 0:"
# A map head whose count cannot fit in what is left is refused at once:
# the core names the head (byte 0), not the end of the input (byte 3).
run_hex a20102
expect_error "truncated map" 1 "error at byte 0:"
run_hex 82011a01
expect_error "truncated member" 1 "error at byte 2:"
run_hex c0
expect_error "tag without content" 1 "error at byte 1:"
run_hex 1c
expect_error "reserved ai 28" 1 "error at byte 0:"
run_hex ff
expect_error "lone break" 1 "error at byte 0:"
run_hex 0102ff
expect_error "break after a sequence" 1 "error at byte 2:"
run_hex a1616101ff
expect_error "break after a definite map" 1 "error at byte 4:"
run_hex 9f01
expect_error "indefinite array without break" 1 "error at byte 2:"
run_hex 7f4161ff
expect_error "bstr chunk in a tstr" 1 "error at byte 1:"
run_hex bf01ff
expect_error "indefinite map with a lone key" 1 "error at byte 2:"
run_hex 3f
expect_error "indefinite integer" 1 "error at byte 0:"
run_hex f818
expect_error "two-byte simple below 32" 1 "error at byte 0:"
# OBOL_CBOR_MAX_DEPTH (16): 16 nested arrays are fine, 17 are not.
run_hex 8181818181818181818181818181818100
expect_line "16 levels" '[[[[[[[[[[[[[[[[0]]]]]]]]]]]]]]]]'
run_hex 818181818181818181818181818181818100
expect_error "17 levels" 1 "error at byte 16:"
printf '' >"$TMP/in"
run inspect <"$TMP/in"
expect_error "empty input" 1 "error at byte 0:"
printf ' \n' >"$TMP/in"
run inspect --hex <"$TMP/in"
expect_error "empty hex input" 1 "error at byte 0:"
run inspect "$TMP/does-not-exist"
expect_error "missing file" 1 "does-not-exist"
# 17 MiB is over the 16 MiB limit.
dd if=/dev/zero bs=1048576 count=17 2>/dev/null >"$TMP/big"
run inspect "$TMP/big"
expect_error "input over 16 MiB" 1 "limit"
rm -f "$TMP/big"

# ---- --strict ---------------------------------------------------------------------

run_hex 5f42010243030405ff --strict
expect_error "strict: indefinite bstr" 1 "error at byte 0:"
run_hex 5f42010243030405ff
expect_line "non-strict: indefinite bstr" "(_ h'0102', h'030405')"
run_hex 1800 --strict
expect_error "strict: non-shortest uint" 1 "error at byte 0:"
run_hex 1800
expect_line "non-strict: non-shortest uint" '0'
run_hex "830119 00 0 203" --strict
expect_error "strict: non-shortest member (hex pairs split by spaces)" 1 "error at byte 2:"
run_hex 8301190002 --strict
expect_error "strict: non-shortest member" 1 "error at byte 2:"
run_hex a201010102 --strict
expect_error "strict: duplicate key" 1 "error at byte 3:"
run_hex a201010102
expect_line "non-strict: duplicate key" '{1: 1, 1: 2}'
run_hex 62c328 --strict
expect_error "strict: bad UTF-8" 1 "error at byte 1:"
run_hex 62c328
expect_line "non-strict: bad UTF-8 as U+FFFD" '"\ufffd("'

# ---- text escapes -----------------------------------------------------------------

run_hex 6401220a7f
expect_line "control characters" '"\u0001\"\u000a\u007f"'
run_hex 5fff
expect_line "empty indefinite bstr" "''_"
run_hex 7fff
expect_line "empty indefinite tstr" '""_'

# ---- --json (RFC 8949 6.1) --------------------------------------------------------

run_hex a26161016162820203 --json
expect_line "json: text keys" '{"a": 1, "b": [2, 3]}'
run_hex 43fbffbf --json
expect_line "json: bstr as base64url" '"-_-_"'
run_hex 4401020304 --json
expect_line "json: base64url without padding" '"AQIDBA"'
run_hex 40 --json
expect_line "json: empty bstr" '""'
run_hex 1bffffffffffffffff --json
expect_line "json: 2^64-1" '18446744073709551615'
run_hex 3bffffffffffffffff --json
expect_line "json: -2^64" '-18446744073709551616'
run_hex 8301820203820405 --json
expect_line "json: nested arrays" '[1, [2, 3], [4, 5]]'
run_hex 9f018202039f0405ffff --json
expect_line "json: indefinite arrays" '[1, [2, 3], [4, 5]]'
run_hex a3016161200242010222 --json
expect_line "json: int and bstr keys" "{\"1\": \"a\", \"-1\": 2, \"h'0102'\": -3}"
run_hex 86f97e00f97c00f7f0f5f6 --json
expect_line "json: NaN, Infinity, undefined, simple" '[null, null, null, null, true, null]'
run_hex 83fb3ff199999999999af90001fb7e37e43c8800759c --json
expect_line "json: floats" '[1.1, 5.960464477539063e-08, 1.0e+300]'
run_hex c11a514b67b0 --json
expect_line "json: tag dropped" '1363896240'
run_hex c249010000000000000000 --json
expect_line "json: bignum" '"AQAAAAAAAAAA"'
run_hex c349010000000000000000 --json
expect_line "json: negative bignum" '"~AQAAAAAAAAAA"'
run_hex d64401020304 --json
expect_line "json: tag 22 asks for base64" '"AQIDBA=="'
run_hex d74401020304 --json
expect_line "json: tag 23 asks for base16" '"01020304"'
run_hex 7f657374726561646d696e67ff --json
expect_line "json: indefinite tstr joined" '"streaming"'
run_hex 5f42010243030405ff --json
expect_line "json: indefinite bstr joined" '"AQIDBAU"'
run_hex "$A1" --json
expect_ok "json: large map, multi-line" <<'EOF'
{
  "1": "coap://as.example.com",
  "2": "erikw",
  "3": "coap://light.example.com",
  "4": 1444064944,
  "5": 1443944944,
  "6": 1443944944,
  "7": "C3E"
}
EOF
run_hex "$A1" --json --compact
expect_line "json: --compact" '{"1": "coap://as.example.com", "2": "erikw", "3": "coap://light.example.com", "4": 1444064944, "5": 1443944944, "6": 1443944944, "7": "C3E"}'

# ---- COSE and CWT annotations ---------------------------------------------------

# RFC 9052 C.4.1: COSE_Encrypt0, AES-CCM-16-64-128 (alg 10), IV in the
# unprotected header.
C41=d08343a1010aa1054d89f52f65a1c580933b5261a78c581c5974e1b99a3a4cc09a659aa2e9e7fff161d38ce71cb45ce460ffb569
run_hex "$C41"
expect_contains "C.4.1 is named" 'COSE_Encrypt0'
run_hex "$C41"
expect_contains "C.4.1 protected header embedded" '<<{/ alg / 1: 10 / AES-CCM-16-64-128 /}>>'
run_hex "$C41"
expect_ok "C.4.1 in full" <<'EOF'
16(/ COSE_Encrypt0 / [
  / protected / <<{/ alg / 1: 10 / AES-CCM-16-64-128 /}>>,
  / unprotected / {/ IV / 5: h'89f52f65a1c580933b5261a78c'},
  / ciphertext / h'5974e1b99a3a4cc09a659aa2e9e7fff161d38ce71cb45ce460ffb569'
])
EOF
run_hex "$C41" --plain --compact
expect_line "C.4.1 --plain" "16([h'a1010a', {5: h'89f52f65a1c580933b5261a78c'}, h'5974e1b99a3a4cc09a659aa2e9e7fff161d38ce71cb45ce460ffb569'])"
run_hex "$C41" --compact
expect_line "C.4.1 --compact keeps comments, drops roles" "16(/ COSE_Encrypt0 / [<<{/ alg / 1: 10 / AES-CCM-16-64-128 /}>>, {/ IV / 5: h'89f52f65a1c580933b5261a78c'}, h'5974e1b99a3a4cc09a659aa2e9e7fff161d38ce71cb45ce460ffb569'])"
run_hex "$C41" --json --compact
expect_line "C.4.1 --json: no annotations" '["oQEK", {"5": "ifUvZaHFgJM7UmGnjA"}, "WXThuZo6TMCaZZqi6ef_8WHTjOcctFzkYP-1aQ"]'

# RFC 8392 A.4: CWT tag 61 around a COSE_Mac0 (HMAC 256/64, alg 4); the
# "/" in the algorithm's name is doubled so that the comment stays valid.
A4=d83dd18443a10104a1044c53796d6d65747269633235365850a70175636f61703a2f2f61732e6578616d706c652e636f6d02656572696b77037818636f61703a2f2f6c696768742e6578616d706c652e636f6d041a5612aeb0051a5610d9f0061a5610d9f007420b7148093101ef6d789200
run_hex "$A4"
expect_contains "A.4 is named CWT" '61(/ CWT / 17(/ COSE_Mac0 / ['
run_hex "$A4"
expect_ok "A.4 in full" <<'EOF'
61(/ CWT / 17(/ COSE_Mac0 / [
  / protected / <<{/ alg / 1: 4 / HMAC 256//64 /}>>,
  / unprotected / {/ kid / 4: h'53796d6d6574726963323536'},
  / payload / <<{
    / iss / 1: "coap://as.example.com",
    / sub / 2: "erikw",
    / aud / 3: "coap://light.example.com",
    / exp / 4: 1444064944 / 2015-10-05T17:09:04Z /,
    / nbf / 5: 1443944944 / 2015-10-04T07:49:04Z /,
    / iat / 6: 1443944944 / 2015-10-04T07:49:04Z /,
    / cti / 7: h'0b71'
  }>>,
  / tag / h'093101ef6d789200'
]))
EOF

# RFC 8392 A.3: COSE_Sign1, ES256 (alg -7).
A3=d28443a10126a104524173796d6d657472696345434453413235365850a70175636f61703a2f2f61732e6578616d706c652e636f6d02656572696b77037818636f61703a2f2f6c696768742e6578616d706c652e636f6d041a5612aeb0051a5610d9f0061a5610d9f007420b7158405427c1ff28d23fbad1f29c4c7c6a555e601d6fa29f9179bc3d7438bacaca5acd08c8d4d4f96131680c429a01f85951ecee743a52b9b63632c57209120e1c9e30
run_hex "$A3"
expect_ok "A.3 in full" <<'EOF'
18(/ COSE_Sign1 / [
  / protected / <<{/ alg / 1: -7 / ES256 /}>>,
  / unprotected / {/ kid / 4: h'4173796d6d65747269634543445341323536'},
  / payload / <<{
    / iss / 1: "coap://as.example.com",
    / sub / 2: "erikw",
    / aud / 3: "coap://light.example.com",
    / exp / 4: 1444064944 / 2015-10-05T17:09:04Z /,
    / nbf / 5: 1443944944 / 2015-10-04T07:49:04Z /,
    / iat / 6: 1443944944 / 2015-10-04T07:49:04Z /,
    / cti / 7: h'0b71'
  }>>,
  / signature / h'5427c1ff28d23fbad1f29c4c7c6a555e601d6fa29f9179bc3d7438bacaca5acd08c8d4d4f96131680c429a01f85951ecee743a52b9b63632c57209120e1c9e30'
])
EOF

# RFC 8392 A.7: COSE_Mac0 whose payload holds a float iat.
A7=d18443a10104a1044c53796d6d65747269633235364ba106fb41d584367c20000048b8816f34c0542892
run_hex "$A7"
expect_contains "A.7 float date" '/ payload / <<{/ iat / 6: 1443944944.5}>>,'

# An empty protected header stays h''; a COSE tag on something that is not
# a 3-element array gets its name but no roles.
run_hex d08340a0420102
expect_line "empty protected header" "16(/ COSE_Encrypt0 / [h'', {}, h'0102'])"
run_hex d0820102
expect_line "COSE tag on a wrong shape" '16(/ COSE_Encrypt0 / [1, 2])'
# A protected header that is not a map stays a byte string.
run_hex d0834201024040
expect_line "protected header not a map" "16(/ COSE_Encrypt0 / [h'0102', h'', h''])"

# ---- --key: decrypt or verify COSE messages -----------------------------------
# Keys from RFC 8392 A.2: A.2.1 128-bit symmetric (A.5, A.6), A.2.2 256-bit
# symmetric (A.4), A.2.3 ECDSA P-256 (A.3), here as a COSE_Key in EDN.

K128=231f4c4d4d3051fdc2ec0a3851d5b383
K256=403697de87af64611c1d32a05dab0fe1fcb715a86ab435f1ec99192d79569388
cat >"$TMP/p256pub.edn" <<'END'
/ RFC 8392 A.2.3, public part /
{1: 2, 2: 'AsymmetricECDSA256', -1: 1,
 -2: h'143329cce7868e416927599cf65a34f3ce2ffda55a7eca69ed8919a394d42f0f',
 -3: h'60f7f1a780d8a783bfb7a2dd6b2796e8128dbbcef9d3d168db9529971a36e7b9'}
END
# RFC 8392 A.5: COSE_Encrypt0 under the A.2.1 key.
A5=d08343a1010aa2044c53796d6d6574726963313238054d99a0d7846e762c49ffe8a63e0b5858b918a11fd81e438b7f973d9e2e119bcb22424ba0f38a80f27562f400ee1d0d6c0fdb559c02421fd384fc2ebe22d7071378b0ea7428fff157444d45f7e6afcda1aae5f6495830c58627087fc5b4974f319a8707a635dd643b
# RFC 8392 A.6: A.3 encrypted under the A.2.1 key (nested).
A6=d08343a1010aa2044c53796d6d6574726963313238054d4a0694c0e69ee6b5956655c7b258b7f6b0914f993de822cc47e5e57a188d7960b528a747446fe12f0e7de05650dec74724366763f167a29c002dfd15b34d8993391cf49bc91127f545dba8703d66f5b7f1ae91237503d371e6333df9708d78c4fb8a8386c8ff09dc49af768b23179deab78d96490a66d5724fb33900c60799d9872fac6da3bdb89043d67c2a05414ce331b5b8f1ed8ff7138f45905db2c4d5bc8045ab372bff142631610a7e0f677b7e9b0bc73adefdcee16d9d5d284c616abeab5d8c291ce0

run_hex "$A5" --key "$K128"
expect_ok "--key decrypts RFC 8392 A.5" <<'END'
/ decrypted with kid h'53796d6d6574726963313238' /
16(/ COSE_Encrypt0 / [
  / protected / <<{/ alg / 1: 10 / AES-CCM-16-64-128 /}>>,
  / unprotected / {
    / kid / 4: h'53796d6d6574726963313238',
    / IV / 5: h'99a0d7846e762c49ffe8a63e0b'
  },
  / plaintext / <<{
    / iss / 1: "coap://as.example.com",
    / sub / 2: "erikw",
    / aud / 3: "coap://light.example.com",
    / exp / 4: 1444064944 / 2015-10-05T17:09:04Z /,
    / nbf / 5: 1443944944 / 2015-10-04T07:49:04Z /,
    / iat / 6: 1443944944 / 2015-10-04T07:49:04Z /,
    / cti / 7: h'0b71'
  }>>
])
END
run_hex "$A5" --key "$K128" --compact --aud coap://light.example.com
expect_contains "--key --aud, the token's audience" "<<{/ iss / 1:"
# The A.2.1 COSE_Key, as hex in a file.
printf 'a42050231f4c4d4d3051fdc2ec0a3851d5b3830104024c53796d6d6574726963313238030a\n' >"$TMP/k128.hex"
run_hex "$A5" --key-file "$TMP/k128.hex" --compact
expect_contains "--key-file (hex COSE_Key) decrypts A.5" "/ decrypted with kid h'53796d6d6574726963313238' /"
run_hex "$A5" --key "$K128" --json --compact
expect_line "--key --json: plaintext in place of the ciphertext, no comment" '["oQEK", {"4": "U3ltbWV0cmljMTI4", "5": "maDXhG52LEn_6KY-Cw"}, "pwF1Y29hcDovL2FzLmV4YW1wbGUuY29tAmVlcmlrdwN4GGNvYXA6Ly9saWdodC5leGFtcGxlLmNvbQQaVhKusAUaVhDZ8AYaVhDZ8AdCC3E"]'
run_hex "$A4" --key "$K256"
expect_ok "--key verifies RFC 8392 A.4" <<'END'
/ verified /
61(/ CWT / 17(/ COSE_Mac0 / [
  / protected / <<{/ alg / 1: 4 / HMAC 256//64 /}>>,
  / unprotected / {/ kid / 4: h'53796d6d6574726963323536'},
  / payload / <<{
    / iss / 1: "coap://as.example.com",
    / sub / 2: "erikw",
    / aud / 3: "coap://light.example.com",
    / exp / 4: 1444064944 / 2015-10-05T17:09:04Z /,
    / nbf / 5: 1443944944 / 2015-10-04T07:49:04Z /,
    / iat / 6: 1443944944 / 2015-10-04T07:49:04Z /,
    / cti / 7: h'0b71'
  }>>,
  / tag / h'093101ef6d789200'
]))
END
run_hex "$A3" --key-file "$TMP/p256pub.edn" --compact
expect_contains "--key-file (EDN public key) verifies RFC 8392 A.3" "/ verified /"
run_hex "$A6" --key "$K128"
expect_contains "--key shows A.6's plaintext Sign1 embedded" "/ plaintext / <<18(/ COSE_Sign1 / ["
# Untagged: annotated as the message type the structure implies.
run_hex "$(printf '%s' "$A5" | cut -c 3-)" --key "$K128" --compact
expect_contains "--key on an untagged Encrypt0" "[<<{/ alg / 1: 10 / AES-CCM-16-64-128 /}>>"

# expect_opened_fail NAME LINE PATTERN: exit 1, the structure printed
# (stdout containing PATTERN), and exactly LINE on stderr.
expect_opened_fail() {
	if [ "$rc" -eq 1 ] && grep -F -q -- "$3" "$TMP/out" &&
		[ "$(cat "$TMP/err")" = "$2" ]; then
		pass
	else
		fail "$1" "exit 1, stdout containing '$3', stderr: $2"
	fi
}
run_hex "$A5" --key 231f4c4d4d3051fdc2ec0a3851d5b384
expect_opened_fail "--key, Encrypt0 with the wrong key" \
	'obol inspect: decryption failed (crypto: authentication failed)' "/ ciphertext / h'b918"
run_hex "$A4" --key "$K128"
expect_opened_fail "--key, Mac0 with the wrong key" \
	'obol inspect: invalid signature or MAC (crypto: authentication failed)' "/ tag / h'093101ef6d789200'"
run_hex "$A5" --key "$K128" --aud rs2
expect_opened_fail "--key --aud, another audience" \
	'obol inspect: wrong audience (CWT: wrong audience)' "/ ciphertext / h'b918"
run_hex "$A5" --key "$K256"
expect_opened_fail "--key, a 256-bit key for AES-128" \
	'obol inspect: unusable key (crypto: bad key)' '16(/ COSE_Encrypt0 / ['
run_hex a10102 --key "$K128"
expect_opened_fail "--key on an item that is not COSE: printed, then refused" \
	'obol inspect: no COSE message in the input to open with the key' '{1: 2}'
run_hex "$A5" --aud rs1
expect_error "--aud without a key" 2 "--aud needs --key"
run_hex "$A5" --key "$K128" --key-file "$TMP/k128.hex"
expect_error "two keys" 2 "give one key"
run_hex "$A5" --key 0g
expect_error "bad hex key" 1 "--key"

# ---- --key --json on an untagged COSE message ------------------------------
# The COSE roles are comments: never in JSON, never with --plain.
run_hex "$(printf '%s' "$A5" | cut -c 3-)" --key "$K128" --json
expect_ok "--key --json on an untagged Encrypt0: no role comments" <<'END'
[
  "oQEK",
  {"4": "U3ltbWV0cmljMTI4", "5": "maDXhG52LEn_6KY-Cw"},
  "pwF1Y29hcDovL2FzLmV4YW1wbGUuY29tAmVlcmlrdwN4GGNvYXA6Ly9saWdodC5leGFtcGxlLmNvbQQaVhKusAUaVhDZ8AYaVhDZ8AdCC3E"
]
END

# ---- --coap: CoAP messages (RFC 7252) and OSCORE (RFC 8613) -------------------
# Messages and contexts of RFC 8613 Appendix C ("Test Vectors"), transcribed.

# C.4 (Test Vector 4: OSCORE Request, Client): the unprotected request, a
# GET of coap://localhost/tv1, and the same request protected (Partial IV
# 0x14, kid h'').
C4_PLAIN=44015d1f00003974396c6f63616c686f737483747631
C4=44025d1f00003974396c6f63616c686f7374620914ff612f1092f1776f1c1668b3825e
# C.5 (Test Vector 5, based on C.2.1): kid h'00', no Master Salt.
C5=440271c30000b932396c6f63616c686f737463091400ff4ed339a5a379b0b8bc731fffb0
# C.6 (Test Vector 6, based on C.3.1): kid h'', kid context 37cbf3210017a2d3.
C6=44022f8eef9bbf7a396c6f63616c686f73746b19140837cbf3210017a2d3ff72cd7273fd331ac45cffbe55c3
# C.7 (Test Vector 7: OSCORE Response, Server): the answer to C.4, 2.05
# "Hello World!", protected without a Partial IV (the request's nonce).
C7_PLAIN=64455d1f00003974ff48656c6c6f20576f726c6421
C7=64445d1f0000397490ffdbaad1e9a7e7b2a813d3c31524378303cdafae119106
# C.8 (Test Vector 8: OSCORE Response with Partial IV, Server): Partial IV 0.
C8=64445d1f00003974920100ff4d4c13669384b67354b2b6175ff4b8658c666a6cf88e

# The contexts of the endpoints that receive those messages. C.1.2 (Test
# Vector 1, Server): Sender ID 0x01, Recipient ID empty, with Master Salt;
# C.1.1 (Client) swaps the IDs. C.2.2 (Test Vector 2, Server): Sender ID
# 0x01, Recipient ID 0x00, no Master Salt. C.3.2 (Test Vector 3, Server):
# as C.1.2 with ID Context 0x37cbf3210017a2d3.
cat >"$TMP/c12.json" <<'END'
{"master_secret": "0102030405060708090a0b0c0d0e0f10",
 "master_salt": "9e7ca92223786340",
 "sender_id": "01", "recipient_id": "", "role": "server"}
END
cat >"$TMP/c11.json" <<'END'
{"master_secret": "0102030405060708090a0b0c0d0e0f10",
 "master_salt": "9e7ca92223786340",
 "sender_id": "", "recipient_id": "01", "role": "client",
 "request_kid": "", "request_piv": "14"}
END
cat >"$TMP/c22.json" <<'END'
{"master_secret": "0102030405060708090a0b0c0d0e0f10",
 "sender_id": "01", "recipient_id": "00", "alg": 10}
END
cat >"$TMP/c32.json" <<'END'
{"master_secret": "0102030405060708090a0b0c0d0e0f10",
 "master_salt": "9e7ca92223786340", "id_context": "37cbf3210017a2d3",
 "sender_id": "01", "recipient_id": "", "role": "server", "hkdf": -10}
END

run_hex "$C4_PLAIN" --coap
expect_ok "coap: C.4 unprotected request" <<'END'
CoAP CON 0.01 GET  mid 0x5d1f  token h'00003974'
  Uri-Host (3): "localhost"
  Uri-Path (11): "tv1"
END
run_hex "$C4" --coap
expect_ok "coap: C.4 protected request, OSCORE option decoded" <<'END'
CoAP CON 0.02 POST  mid 0x5d1f  token h'00003974'
  Uri-Host (3): "localhost"
  OSCORE (9): h'0914' / partial IV h'14', kid h'' /
  payload (13 bytes, ciphertext): h'612f1092f1776f1c1668b3825e'
END
run_hex "$C4" --coap --oscore-context "$TMP/c12.json"
expect_ok "coap: C.4 decrypted with the server context of C.1.2" <<'END'
CoAP CON 0.02 POST  mid 0x5d1f  token h'00003974'
  Uri-Host (3): "localhost"
  OSCORE (9): h'0914' / partial IV h'14', kid h'' /
  payload (13 bytes, ciphertext): h'612f1092f1776f1c1668b3825e'
/ decrypted with OSCORE: request from kid h'', partial IV h'14' /
CoAP CON 0.01 GET  mid 0x5d1f  token h'00003974'
  Uri-Host (3): "localhost"
  Uri-Path (11): "tv1"
END
# The same from a binary file.
hex2bin "$C4" >"$TMP/c4.bin"
run inspect --coap "$TMP/c4.bin" --oscore-context "$TMP/c12.json"
expect_contains "coap: binary file, decrypted" '  Uri-Path (11): "tv1"'
run_hex "$C5" --coap --oscore-context "$TMP/c22.json"
expect_ok "coap: C.5 decrypted with the server context of C.2.2" <<'END'
CoAP CON 0.02 POST  mid 0x71c3  token h'0000b932'
  Uri-Host (3): "localhost"
  OSCORE (9): h'091400' / partial IV h'14', kid h'00' /
  payload (13 bytes, ciphertext): h'4ed339a5a379b0b8bc731fffb0'
/ decrypted with OSCORE: request from kid h'00', partial IV h'14' /
CoAP CON 0.01 GET  mid 0x71c3  token h'0000b932'
  Uri-Host (3): "localhost"
  Uri-Path (11): "tv1"
END
run_hex "$C6" --coap --oscore-context "$TMP/c32.json"
expect_ok "coap: C.6 decrypted with the server context of C.3.2" <<'END'
CoAP CON 0.02 POST  mid 0x2f8e  token h'ef9bbf7a'
  Uri-Host (3): "localhost"
  OSCORE (9): h'19140837cbf3210017a2d3' / partial IV h'14', kid context h'37cbf3210017a2d3', kid h'' /
  payload (13 bytes, ciphertext): h'72cd7273fd331ac45cffbe55c3'
/ decrypted with OSCORE: request from kid h'', kid context h'37cbf3210017a2d3', partial IV h'14' /
CoAP CON 0.01 GET  mid 0x2f8e  token h'ef9bbf7a'
  Uri-Host (3): "localhost"
  Uri-Path (11): "tv1"
END
run_hex "$C7_PLAIN" --coap
expect_ok "coap: C.7 unprotected response, text payload" <<'END'
CoAP ACK 2.05 Content  mid 0x5d1f  token h'00003974'
  payload (12 bytes): "Hello World!"
END
run_hex "$C7" --coap --oscore-context "$TMP/c11.json"
expect_ok "coap: C.7 decrypted by the client of C.1.1 (request kid and PIV)" <<'END'
CoAP ACK 2.04 Changed  mid 0x5d1f  token h'00003974'
  OSCORE (9): h'' / no partial IV, no kid /
  payload (22 bytes, ciphertext): h'dbaad1e9a7e7b2a813d3c31524378303cdafae119106'
/ decrypted with OSCORE: response to kid h'', partial IV h'14' /
CoAP ACK 2.05 Content  mid 0x5d1f  token h'00003974'
  payload (12 bytes): "Hello World!"
END
run_hex "$C8" --coap --oscore-context "$TMP/c11.json"
expect_ok "coap: C.8 (response with Partial IV) decrypted by the client" <<'END'
CoAP ACK 2.04 Changed  mid 0x5d1f  token h'00003974'
  OSCORE (9): h'0100' / partial IV h'00' /
  payload (22 bytes, ciphertext): h'4d4c13669384b67354b2b6175ff4b8658c666a6cf88e'
/ decrypted with OSCORE: response with partial IV h'00', to kid h'', partial IV h'14' /
CoAP ACK 2.05 Content  mid 0x5d1f  token h'00003974'
  payload (12 bytes): "Hello World!"
END
# request_kid defaults to the client's Sender ID.
printf '%s\n' '{"master_secret": "0102030405060708090a0b0c0d0e0f10",' \
	'"master_salt": "9e7ca92223786340", "sender_id": "", "recipient_id": "01",' \
	'"request_piv": "14"}' >"$TMP/c11b.json"
run_hex "$C7" --coap --oscore-context "$TMP/c11b.json"
expect_contains "coap: C.7 with request_kid defaulting to sender_id" '  payload (12 bytes): "Hello World!"'

# expect_coap_fail NAME LINE PATTERN: exit 1, the message printed (stdout
# containing PATTERN), and exactly LINE on stderr.
expect_coap_fail() {
	if [ "$rc" -eq 1 ] && grep -F -q -- "$3" "$TMP/out" &&
		[ "$(cat "$TMP/err")" = "$2" ]; then
		pass
	else
		fail "$1" "exit 1, stdout containing '$3', stderr: $2"
	fi
}
# Tampered: the last byte of the tag (C.4 ...825e -> ...825f).
run_hex "$(printf '%s' "$C4" | sed 's/5e$/5f/')" --coap --oscore-context "$TMP/c12.json"
expect_coap_fail "coap: tampered C.4 does not decrypt" \
	'obol inspect: cannot decrypt the request: OSCORE: decryption failed (wrong context, or the message was altered)' \
	"payload (13 bytes, ciphertext): h'612f1092f1776f1c1668b3825f'"
if grep -F -q 'decrypted with OSCORE' "$TMP/out"; then
	fail "coap: tampered C.4 prints no decrypted message" "no '/ decrypted' line"
else
	pass
fi
# Tampered code in the ciphertext (first byte): the same.
run_hex "$(printf '%s' "$C4" | sed 's/ff612f/ff622f/')" --coap --oscore-context "$TMP/c12.json"
expect_coap_fail "coap: C.4 with a changed ciphertext byte" \
	'obol inspect: cannot decrypt the request: OSCORE: decryption failed (wrong context, or the message was altered)' \
	"OSCORE (9): h'0914'"
# C.7 with the wrong request Partial IV (0x15): the AAD and nonce differ.
sed 's/"request_piv": "14"/"request_piv": "15"/' "$TMP/c11.json" >"$TMP/c11w.json"
run_hex "$C7" --coap --oscore-context "$TMP/c11w.json"
expect_coap_fail "coap: C.7 with another request_piv" \
	'obol inspect: cannot decrypt the response: OSCORE: decryption failed (wrong context or request_piv, or the message was altered)' \
	"CoAP ACK 2.04 Changed"
# C.5 (kid 0x00) offered to the C.1.2 server (Recipient ID empty).
run_hex "$C5" --coap --oscore-context "$TMP/c12.json"
expect_coap_fail "coap: kid of another context" \
	"obol inspect: cannot decrypt the request: OSCORE: security context not found (its kid is h'00', the context's recipient_id h'')" \
	"kid h'00'"
# C.6 (kid context) to a server without an ID Context.
run_hex "$C6" --coap --oscore-context "$TMP/c12.json"
expect_coap_fail "coap: kid context the context does not have" \
	"obol inspect: cannot decrypt the request: OSCORE: security context not found (its kid context is h'37cbf3210017a2d3', the context's id_context none)" \
	"kid context h'37cbf3210017a2d3'"
# C.6 to a server with another ID Context.
sed 's/37cbf3210017a2d3/37cbf3210017a2d4/' "$TMP/c32.json" >"$TMP/c32w.json"
run_hex "$C6" --coap --oscore-context "$TMP/c32w.json"
expect_coap_fail "coap: kid context not the context's" \
	"obol inspect: cannot decrypt the request: OSCORE: security context not found (its kid context is h'37cbf3210017a2d3', the context's id_context h'37cbf3210017a2d4')" \
	"kid context h'37cbf3210017a2d3'"
# Roles: a server context decrypts requests, a client context responses.
run_hex "$C7" --coap --oscore-context "$TMP/c12.json"
expect_coap_fail "coap: response to a server context" \
	'obol inspect: the context is a server'"'"'s: it decrypts requests, and this is a response' \
	"CoAP ACK 2.04 Changed"
run_hex "$C4" --coap --oscore-context "$TMP/c11.json"
expect_coap_fail "coap: request to a client context" \
	'obol inspect: the context is a client'"'"'s: it decrypts responses, and this is a request' \
	"CoAP CON 0.02 POST"
# A response needs the request's Partial IV (RFC 8613 5.4), C.8 included.
grep -v request "$TMP/c11.json" | sed 's/"role": "client",/"role": "client"}/' >"$TMP/c11n.json"
run_hex "$C8" --coap --oscore-context "$TMP/c11n.json"
expect_coap_fail "coap: response without request_piv" \
	'obol inspect: cannot decrypt the response: the context needs "request_piv", the Partial IV of the request it answers (RFC 8613 5.4)' \
	"CoAP ACK 2.04 Changed"
run_hex "$C4_PLAIN" --coap --oscore-context "$TMP/c12.json"
expect_coap_fail "coap: --oscore-context on an unprotected message" \
	'obol inspect: no OSCORE option: the message is not protected' \
	'  Uri-Path (11): "tv1"'

# --json: the same fields as an object; "inner" once decrypted.
run_hex "$C4" --coap --json --oscore-context "$TMP/c12.json"
expect_ok "coap --json: C.4 decrypted" <<'END'
{
  "type": "CON",
  "code": "0.02",
  "code_name": "POST",
  "mid": 23839,
  "token": "00003974",
  "options": [
    {"number": 3, "name": "Uri-Host", "value": "localhost"},
    {"number": 9, "name": "OSCORE", "value": "0914", "oscore": {"partial_iv": "14", "kid": ""}}
  ],
  "payload": "612f1092f1776f1c1668b3825e",
  "inner": {
    "type": "CON",
    "code": "0.01",
    "code_name": "GET",
    "mid": 23839,
    "token": "00003974",
    "options": [
      {"number": 3, "name": "Uri-Host", "value": "localhost"},
      {"number": 11, "name": "Uri-Path", "value": "tv1"}
    ]
  }
}
END
run_hex "$C7" --coap --json --compact --oscore-context "$TMP/c11.json"
expect_line "coap --json --compact: C.7 decrypted" '{"type": "ACK", "code": "2.04", "code_name": "Changed", "mid": 23839, "token": "00003974", "options": [{"number": 9, "name": "OSCORE", "value": "", "oscore": {}}], "payload": "dbaad1e9a7e7b2a813d3c31524378303cdafae119106", "inner": {"type": "ACK", "code": "2.05", "code_name": "Content", "mid": 23839, "token": "00003974", "options": [], "payload": "48656c6c6f20576f726c6421", "payload_text": "Hello World!"}}'
run_hex "$C6" --coap --json --compact
expect_contains "coap --json: kid context decoded" '"oscore": {"partial_iv": "14", "kid_context": "37cbf3210017a2d3", "kid": ""}'
# A failed decryption prints the outer object only.
run_hex "$(printf '%s' "$C4" | sed 's/5e$/5f/')" --coap --json --compact --oscore-context "$TMP/c12.json"
expect_coap_fail "coap --json: tampered, no inner" \
	'obol inspect: cannot decrypt the request: OSCORE: decryption failed (wrong context, or the message was altered)' \
	'"payload": "612f1092f1776f1c1668b3825f"}'

# Malformed datagrams (RFC 7252 3): one line with the byte and the error.
run_hex 04015d1f00003974 --coap
expect_error "coap: version 0" 1 "error at byte 0: CoAP: unknown version"
run_hex 49015d1f000039740000000000 --coap
expect_error "coap: token length 9" 1 "error at byte 0: CoAP: token longer than 8 bytes"
run_hex 4401 --coap
expect_error "coap: shorter than the header" 1 "error at byte 2: CoAP: message truncated"
run_hex 44015d1f0000 --coap
expect_error "coap: token cut short" 1 "error at byte 6: CoAP: message truncated"
printf '' >"$TMP/in"
run inspect --coap <"$TMP/in"
expect_error "coap: empty input" 1 "error at byte 0: CoAP: message truncated"
# C.4 cut inside its Uri-Host value, and inside an extended delta.
run_hex 44015d1f00003974396c6f63616c --coap
expect_error "coap: option value past the end" 1 "error at byte 8: CoAP: malformed option"
run_hex 44015d1f00003974d1 --coap
expect_error "coap: extended delta missing" 1 "error at byte 8: CoAP: malformed option"
run_hex 44015d1f00003974396c6f63616c686f7374f1 --coap
expect_error "coap: option nibble 15" 1 "error at byte 18: CoAP: reserved option nibble 15"
run_hex 44015d1f00003974ff --coap
expect_error "coap: payload marker without payload" 1 "error at byte 8: CoAP: payload marker without payload"
run_hex 40005d1f00 --coap
expect_error "coap: Empty message with a payload byte" 1 "error at byte 4: CoAP: Empty message with content"
run_hex 70001111 --coap
expect_line "coap: Empty RST" "CoAP RST 0.00 Empty  mid 0x1111  token h''"

# Option formats and payloads. A 2.05 with ETag, Observe 5, Content-Format
# 60, Max-Age 60, Block2 2/1/6, two unknown options, CBOR payload.
run_hex 614512344a4201022105613c213c912ee0fcc411aaffa201020304 --coap
expect_ok "coap: option formats, CBOR payload" <<'END'
CoAP ACK 2.05 Content  mid 0x1234  token h'4a'
  ETag (4): h'0102'
  Observe (6): 5
  Content-Format (12): 60 / application/cbor /
  Max-Age (14): 60
  Block2 (23): 2/1/6 / block 2 of 1024 bytes, more /
  Unknown (65000): h'' / elective /
  Unknown (65001): h'aa' / critical /
  payload (5 bytes): {1: 2, 3: 4}
END
run_hex 614512344a4201022105613c213c912ee0fcc411aaffa201020304 --coap --json
expect_ok "coap --json: option formats, CBOR payload" <<'END'
{
  "type": "ACK",
  "code": "2.05",
  "code_name": "Content",
  "mid": 4660,
  "token": "4a",
  "options": [
    {"number": 4, "name": "ETag", "value": "0102"},
    {"number": 6, "name": "Observe", "value": 5},
    {"number": 12, "name": "Content-Format", "value": 60, "media_type": "application/cbor"},
    {"number": 14, "name": "Max-Age", "value": 60},
    {"number": 23, "name": "Block2", "value": 46, "block": {"num": 2, "m": 1, "szx": 6}},
    {"number": 65000, "name": null, "value": ""},
    {"number": 65001, "name": null, "value": "aa"}
  ],
  "payload": "a201020304",
  "payload_cbor": {"1": 2, "3": 4},
  "payload_diag": "{1: 2, 3: 4}"
}
END
# A NON GET with If-None-Match, Observe (register), Accept, Size2 and
# No-Response 26.
run_hex 50010007501051616132b203e8d1d91a --coap
expect_ok "coap: request options" <<'END'
CoAP NON 0.01 GET  mid 0x0007  token h''
  If-None-Match (5)
  Observe (6): 0 / register /
  Uri-Path (11): "a"
  Accept (17): 50 / application/json /
  Size2 (28): 1000
  No-Response (258): 26 / suppress 2.xx, 4.xx, 5.xx /
END
run_hex 4203beef01021105216842163383613d3105623d22322260611e8a636f61703a2f2f782f79d20c012cd8b30000000000000000d11b01 --coap
expect_ok "coap: more options, repeated Uri-Query" <<'END'
CoAP CON 0.03 PUT  mid 0xbeef  token h'0102'
  If-Match (1): h'05'
  Uri-Host (3): "h"
  Uri-Port (7): 5683
  Uri-Query (15): "a=1"
  Uri-Query (15): "b=\"2\""
  EDHOC (21)
  Block1 (27): 1/1/6 / block 1 of 1024 bytes, more /
  Proxy-Uri (35): "coap://x/y"
  Size1 (60): 300
  Echo (252): h'0000000000000000'
  Request-Tag (292): h'01'
END
# Content-Format 19 (application/ace+cbor, RFC 9200): a map too wide for
# one line breaks under the payload line.
ACE_X=$(awk 'BEGIN { for (i = 0; i < 40; i++) printf "78" }')
ACE_Y=$(awk 'BEGIN { for (i = 0; i < 30; i++) printf "79" }')
run_hex "40020001b5746f6b656e1113ffa3017828${ACE_X}05781e${ACE_Y}096472656164" --coap
expect_ok "coap: ace+cbor payload, multi-line" <<'END'
CoAP CON 0.02 POST  mid 0x0001  token h''
  Uri-Path (11): "token"
  Content-Format (12): 19 / application/ace+cbor /
  payload (83 bytes): {
    1: "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
    5: "yyyyyyyyyyyyyyyyyyyyyyyyyyyyyy",
    9: "read"
  }
END
# Content-Format 16 (cose-encrypt0): an untagged COSE_Encrypt0 (RFC 9052
# C.4.1 without its tag) gets the COSE annotations.
run_hex "40020007c110ff$(printf '%s' "$C41" | cut -c 3-)" --coap
expect_ok "coap: cose-encrypt0 payload annotated" <<'END'
CoAP CON 0.02 POST  mid 0x0007  token h''
  Content-Format (12): 16 / application/cose; cose-type="cose-encrypt0" /
  payload (51 bytes): [
    / protected / <<{/ alg / 1: 10 / AES-CCM-16-64-128 /}>>,
    / unprotected / {/ IV / 5: h'89f52f65a1c580933b5261a78c'},
    / ciphertext / h'5974e1b99a3a4cc09a659aa2e9e7fff161d38ce71cb45ce460ffb569'
  ]
END
run_hex "40020007c110ff$(printf '%s' "$C41" | cut -c 3-)" --coap --json --compact
expect_contains "coap --json: no comments in payload_cbor" '"payload_cbor": ["oQEK", {"5": "ifUvZaHFgJM7UmGnjA"}, "WXThuZo6TMCaZZqi6ef_8WHTjOcctFzkYP-1aQ"]'
run_hex 40020007c13fff0102a10102 --coap
expect_ok "coap: cbor-seq payload, one item per line" <<'END'
CoAP CON 0.02 POST  mid 0x0007  token h''
  Content-Format (12): 63 / application/cbor-seq /
  payload (5 bytes, CBOR sequence):
    1
    2
    {1: 2}
END
run_hex 40020007c13cffa101 --coap
expect_ok "coap: CBOR Content-Format, malformed payload as hex" <<'END'
CoAP CON 0.02 POST  mid 0x0007  token h''
  Content-Format (12): 60 / application/cbor /
  payload (2 bytes, not well-formed CBOR): h'a101'
END
# Without a Content-Format: CBOR is not guessed; printable text is text.
run_hex 40020007ffa201020304 --coap
expect_line "coap: no Content-Format, binary payload" "$(printf 'CoAP CON 0.02 POST  mid 0x0007  token h'"''"'\n  payload (5 bytes): h'"'a201020304'"'')"
run_hex 40020007c0ff00ff --coap
expect_contains "coap: text Content-Format, not text" "  payload (2 bytes, not printable UTF-8): h'00ff'"
run_hex 40020007b2fffe --coap
expect_contains "coap: string option, not UTF-8" "  Uri-Path (11): h'fffe' / not UTF-8 /"
run_hex 4002000791e0ff01 --coap
expect_contains "coap: malformed OSCORE option" "  OSCORE (9): h'e0' / malformed: OSCORE: failed to decode COSE /"

# Context files: refused with one line, before the message is read.
printf '{"master_secret": "01", "sender_id": "0g", "recipient_id": ""}\n' >"$TMP/bad.json"
run_hex "$C4" --coap --oscore-context "$TMP/bad.json"
expect_error "coap: context with bad hex" 1 '"sender_id": not hex'
printf '{"master_secret": "01", "recipient_id": ""}\n' >"$TMP/bad.json"
run_hex "$C4" --coap --oscore-context "$TMP/bad.json"
expect_error "coap: context without sender_id" 1 '"sender_id" is missing'
printf '{"master_secret": "01", "sender_id": "01", "recipient_id": "01"}\n' >"$TMP/bad.json"
run_hex "$C4" --coap --oscore-context "$TMP/bad.json"
expect_error "coap: context with equal IDs" 1 'must differ'
printf '{"master_secret": "01", "sender_id": "0102030405060708", "recipient_id": ""}\n' >"$TMP/bad.json"
run_hex "$C4" --coap --oscore-context "$TMP/bad.json"
expect_error "coap: Sender ID too long" 1 '"sender_id": 8 bytes, not 0 to 7'
printf '{"master_secret": "01", "sender_id": "01", "recipient_id": "", "salt": "00"}\n' >"$TMP/bad.json"
run_hex "$C4" --coap --oscore-context "$TMP/bad.json"
expect_error "coap: unknown context member" 1 'unknown member "salt"'
printf '{"master_secret": "01", "sender_id": "01", "recipient_id": "", "alg": 12}\n' >"$TMP/bad.json"
run_hex "$C4" --coap --oscore-context "$TMP/bad.json"
expect_error "coap: unsupported alg" 1 '"alg": 10'
printf '{"master_secret": "01", "sender_id": "01", "recipient_id": "", "role": "proxy"}\n' >"$TMP/bad.json"
run_hex "$C4" --coap --oscore-context "$TMP/bad.json"
expect_error "coap: bad role" 1 '"role": "server" or "client"'
printf '[1]\n' >"$TMP/bad.json"
run_hex "$C4" --coap --oscore-context "$TMP/bad.json"
expect_error "coap: context not an object" 1 'must be a JSON object'
run_hex "$C4" --coap --oscore-context "$TMP/does-not-exist.json"
expect_error "coap: missing context file" 1 'does-not-exist.json'

# Command line.
run_hex "$C4" --oscore-context "$TMP/c12.json"
expect_error "--oscore-context without --coap" 2 "--oscore-context needs --coap"
run_hex "$C4" --coap --key "$K128"
expect_error "--coap with --key" 2 "--key does not apply to --coap"
run_hex "$C4" --coap --strict
expect_error "--coap with --strict" 2 "--strict does not apply to --coap"
run_hex "$C4" --coap --oscore-context -
expect_error "message and context both on stdin" 2 "standard input"

# ---- command line -------------------------------------------------------------------

run inspect --help </dev/null
expect_contains "inspect --help" '--strict'
for opt in --hex --json --compact --plain --key --key-file --aud --coap --oscore-context; do
	run inspect --help </dev/null
	expect_contains "inspect --help documents $opt" "$opt"
done
run help inspect </dev/null
expect_contains "obol help inspect" 'usage: obol inspect'
run --help </dev/null
expect_contains "obol --help" 'inspect'
run help </dev/null
expect_contains "obol help" 'usage: obol'
run --version </dev/null
expect_line "obol --version" 'obol 0.1.0'
run inspect --bogus </dev/null
expect_error "unknown option" 2 "--bogus"
run inspect --hex=1 </dev/null
expect_error "value given to a flag" 2 "--hex"
run inspect a b </dev/null
expect_error "two input files" 2 "more than one"
run frobnicate </dev/null
expect_error "unknown command" 2 "frobnicate"
run --frob </dev/null
expect_error "unknown top-level option" 2 "--frob"
run </dev/null
if [ "$rc" -eq 2 ] && [ ! -s "$TMP/out" ] && [ -s "$TMP/err" ]; then
	pass
else
	fail "no command" "exit 2, usage on stderr"
fi
# "--" ends the options: a file named "--hex".
hex2bin 01 >"$TMP/--hex"
(cd "$TMP" && "$OBOL" inspect -- --hex) >"$TMP/out" 2>"$TMP/err"
rc=$?
expect_line "-- ends options" '1'

echo "cli inspect: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
