#!/bin/sh
# Tests of `obol as` (the Authorization Server's admin commands), driven
# as a user would drive them, in a fresh temporary directory:
#
#   sh tests/cli/test_as_admin.sh PATH/TO/obol PATH/TO/tests
#
# Every command is run for success with its exact output, and for each
# error path with its exit status and its one line on stderr; after each
# failure the whole store (every `obol as list --json`) is compared with
# a snapshot taken before it: a refused command changes nothing, not even
# the audit log. Token records are inserted with Python's sqlite3 module
# (no command issues tokens yet; the daemon will); nothing here needs the
# sqlite3 command-line tool, and obol itself runs with an empty PATH.
# POSIX sh only.

set -u

if [ $# -ne 2 ]; then
	echo "usage: sh $0 PATH/TO/obol PATH/TO/tests" >&2
	exit 2
fi
OBOL=$1
case $OBOL in
/*) ;;
*) OBOL=$(pwd)/$OBOL ;;
esac

TMP=$(mktemp -d "${TMPDIR:-/tmp}/obol-as-test.XXXXXX") || exit 2
trap 'rm -rf "$TMP"' EXIT
trap 'exit 2' HUP INT TERM
DB=$TMP/as.db
unset OBOL_AS_DB

passed=0
failed=0
what=""

# ---- helpers -----------------------------------------------------------------

# run ARGS...: run obol (with an empty PATH: it must need no other
# program); sets rc, leaves stdout and stderr in files.
run() {
	what="obol $*"
	PATH=/nonexistent "$OBOL" "$@" >"$TMP/out" 2>"$TMP/err"
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

check() { # check NAME CONDITION-STATUS
	if [ "$2" -eq 0 ]; then pass; else fail "$1" "condition true"; fi
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

# expect_text NAME <<EOF: exit 0, nothing on stderr, stdout exactly the
# text once ISO times are replaced by T.
expect_text() {
	cat >"$TMP/want"
	sed 's/[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9]Z/T/g' \
		"$TMP/out" >"$TMP/out.t"
	if [ "$rc" -eq 0 ] && [ ! -s "$TMP/err" ] && cmp -s "$TMP/want" "$TMP/out.t"; then
		pass
	else
		fail "$1" "exit 0, stdout: $(cat "$TMP/want")"
	fi
}

# expect_err NAME STATUS LINE: exit STATUS, nothing on stdout, stderr
# exactly LINE.
expect_err() {
	printf '%s\n' "$3" >"$TMP/want"
	if [ "$rc" -eq "$2" ] && [ ! -s "$TMP/out" ] && cmp -s "$TMP/want" "$TMP/err"; then
		pass
	else
		fail "$1" "exit $2, stderr: $3"
	fi
}

# snap: the whole store as JSON (every list), into $TMP/snap.
snap_to() {
	for t in clients rs grants tokens audit; do
		PATH=/nonexistent "$OBOL" as list "$t" --json --db "$DB" || echo "list $t failed"
	done >"$1" 2>&1
}
snap() {
	snap_to "$TMP/snap"
}

# unchanged NAME: the store is as at the last snap.
unchanged() {
	snap_to "$TMP/snap2"
	if cmp -s "$TMP/snap" "$TMP/snap2"; then
		pass
	else
		failed=$((failed + 1))
		echo "FAIL: $1: the store changed"
		echo "  ran:      $what"
		diff "$TMP/snap" "$TMP/snap2" | head -20
	fi
}

# refused NAME STATUS LINE ARGS...: run ARGS, expect the error, and that
# the store did not change.
refused() {
	name=$1
	status=$2
	line=$3
	shift 3
	snap
	run "$@"
	expect_err "$name" "$status" "$line"
	unchanged "$name"
}

# sql STATEMENTS: change the store behind obol's back (Python's sqlite3).
sql() {
	python3 - "$DB" "$1" <<'EOF'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
db.executescript(sys.argv[2])
db.commit()
db.close()
EOF
}

# ---- usage ---------------------------------------------------------------------

run as --help
if [ "$rc" -eq 0 ] && grep -q '^usage: obol as <command>' "$TMP/out"; then pass; else fail "as --help" "usage on stdout"; fi
run as
if [ "$rc" -eq 2 ] && grep -q '^usage: obol as <command>' "$TMP/err"; then pass; else fail "as without command" "exit 2, usage on stderr"; fi
run as bogus
expect_err "unknown command" 2 "obol as: 'bogus' is not an as command (see 'obol as --help')"
run help as
if [ "$rc" -eq 0 ] && grep -q '^usage: obol as <command>' "$TMP/out"; then pass; else fail "obol help as" "usage on stdout"; fi
run --help
if [ "$rc" -eq 0 ] && grep -q '^  as  *the Authorization Server' "$TMP/out"; then pass; else fail "obol --help lists as" "as in the command list"; fi
for sub in init "client add" "client del" "rs add" "rs del" grant ungrant revoke list retention purge privacy; do
	# shellcheck disable=SC2086
	run as $sub --help
	if [ "$rc" -eq 0 ] && grep -q '^usage: obol as ' "$TMP/out" && [ ! -s "$TMP/err" ]; then
		pass
	else
		fail "as $sub --help" "exit 0, usage on stdout"
	fi
done
run as client --help
if [ "$rc" -eq 0 ] && grep -q '^usage: obol as client add' "$TMP/out"; then pass; else fail "as client --help" "usage"; fi
run as client
expect_err "as client without add/del" 2 "obol as client: say add or del (try --help)"
run as rs frob
expect_err "as rs frob" 2 "obol as rs: 'frob' is not add or del (try --help)"

# `obol as serve` goes to the daemon's command (as_serve.c), argv from "serve".
run as serve --db "$DB" --help
if grep -q 'obol as serve' "$TMP/out" "$TMP/err"; then pass; else fail "as serve is dispatched" "output naming obol as serve"; fi

# ---- no store yet ------------------------------------------------------------------

run as list --db "$DB"
expect_err "list before init" 1 "obol as list: no AS store at $DB (create it with 'obol as init')"
run as client add c1 --db "$DB"
expect_err "client add before init" 1 "obol as client add: no AS store at $DB (create it with 'obol as init')"
if [ ! -e "$DB" ]; then pass; else fail "no store created by client add" "no file"; fi

# ---- init ------------------------------------------------------------------------------

run as init --db "$DB"
expect_line "init creates" "created the AS store $DB (schema version 3)"
run as init --db "$DB"
expect_line "init again is harmless" "the AS store $DB is up to date (schema version 3)"
mode=$(ls -l "$DB" | cut -c 1-10)
if [ "$mode" = "-rw-------" ]; then pass; else fail "store mode 0600" "-rw-------, got $mode"; fi
run as init --db "$DB" extra
expect_err "init with an operand" 2 "obol as init: unexpected argument 'extra' (try --help)"
run as init --db ""
expect_err "init with an empty --db" 2 "obol as init: --db: empty path (try --help)"
run as init --frob
expect_err "init unknown option" 2 "obol as init: unknown option '--frob' (try --help)"

# The default path: $OBOL_AS_DB, else ./obol-as.db.
mkdir "$TMP/cwd"
(cd "$TMP/cwd" && PATH=/nonexistent "$OBOL" as init >"$TMP/out" 2>"$TMP/err")
rc=$?
what="obol as init (in $TMP/cwd)"
expect_line "init at ./obol-as.db" "created the AS store ./obol-as.db (schema version 3)"
if [ -f "$TMP/cwd/obol-as.db" ]; then pass; else fail "./obol-as.db exists" "the file"; fi
OBOL_AS_DB=$TMP/env.db
export OBOL_AS_DB
run as init
expect_line "init at \$OBOL_AS_DB" "created the AS store $TMP/env.db (schema version 3)"
run as list
expect_line "list at \$OBOL_AS_DB" "no clients"
unset OBOL_AS_DB

# Not a store.
printf 'this is a text file, not an SQLite database; it says so at length, really.........\n' >"$TMP/garbage.db"
run as list --db "$TMP/garbage.db"
expect_err "garbage file" 1 "obol as list: $TMP/garbage.db: not an obol AS store (not an SQLite database)"
run as init --db "$TMP/garbage.db"
expect_err "init on a garbage file" 1 "obol as init: $TMP/garbage.db: not an obol AS store (not an SQLite database)"

# ---- clients ----------------------------------------------------------------------------

run as client add c1 --db "$DB"
secret=$(sed -n 's/^secret: //p' "$TMP/out")
if [ "$rc" -eq 0 ] && [ "$(sed -n 1p "$TMP/out")" = "added client c1" ] &&
	printf '%s\n' "$secret" | grep -Eq '^[A-Za-z0-9_-]{24}$' && [ ! -s "$TMP/err" ]; then
	pass
else
	fail "client add with a generated secret" "added client c1, secret: 24 base64url characters"
fi
sed -n '3,$p' "$TMP/out" >"$TMP/rest"
cat >"$TMP/want" <<'EOF'
This is the only time the secret is shown. The client uses it as its DTLS PSK
(identity "c1"), e.g. coap-client -u 'c1' -k SECRET.
EOF
if cmp -s "$TMP/want" "$TMP/rest"; then pass; else fail "client add: the note" "$(cat "$TMP/want")"; fi

run as client add c2 --secret hunter2 --db "$DB"
expect_line "client add with --secret" "added client c2 (secret set, 7 bytes)"
run as client add c3 --secret-hex 00ff --db "$DB" --json
expect_line "client add --secret-hex --json" '{"client": "c3"}'
run as client add c4 --json --db "$DB"
if [ "$rc" -eq 0 ] && grep -Eq '^\{"client": "c4", "secret": "[A-Za-z0-9_-]{24}"\}$' "$TMP/out"; then pass; else fail "client add --json generated" '{"client": "c4", "secret": "..."}'; fi
run as client add "$(printf 'x%.0s' $(seq 1 128))" --secret s --db "$DB"
if [ "$rc" -eq 0 ]; then pass; else fail "client id of 128 bytes" "exit 0"; fi

run as list --db "$DB"
if [ "$rc" -eq 0 ] && ! grep -qF "$secret" "$TMP/out" && ! grep -q hunter2 "$TMP/out"; then pass; else fail "list shows no secret" "no secret"; fi

long=$(printf 'x%.0s' $(seq 1 129))
s65=$(printf 's%.0s' $(seq 1 65))
refused "client add: duplicate" 1 "obol as client add: client 'c1' exists already" \
	as client add c1 --secret other --db "$DB"
refused "client add: id too long" 1 "obol as client add: client ID too long (129 bytes, at most 128)" \
	as client add "$long" --db "$DB"
refused "client add: empty id" 1 "obol as client add: empty client ID" \
	as client add "" --db "$DB"
refused "client add: control character" 1 "obol as client add: client ID has a control character" \
	as client add "$(printf 'a\tb')" --db "$DB"
refused "client add: secret too long" 1 "obol as client add: --secret: 65 bytes; a secret has 1-64" \
	as client add c9 --secret "$s65" --db "$DB"
refused "client add: empty secret" 1 "obol as client add: --secret: 0 bytes; a secret has 1-64" \
	as client add c9 --secret "" --db "$DB"
refused "client add: both secrets" 2 "obol as client add: give one of --secret, --secret-hex (try --help)" \
	as client add c9 --secret a --secret-hex 00 --db "$DB"
refused "client add: bad hex" 2 "obol as client add: --secret-hex: 'g' at offset 1 is not a hex digit" \
	as client add c9 --secret-hex 0g --db "$DB"
refused "client add: no id" 2 "obol as client add: a client ID is needed (try --help)" \
	as client add --db "$DB"
refused "client add: two ids" 2 "obol as client add: unexpected argument 'c10' (try --help)" \
	as client add c9 c10 --db "$DB"
refused "client add: unknown option" 2 "obol as client add: unknown option '--key' (try --help)" \
	as client add c9 --key 00 --db "$DB"

# ---- resource servers --------------------------------------------------------------------

run as rs add rs1 --db "$DB"
key=$(sed -n 's/^token key: //p' "$TMP/out")
rsec=$(sed -n 's/^introspection secret: //p' "$TMP/out")
if [ "$rc" -eq 0 ] &&
	[ "$(sed -n 1p "$TMP/out")" = "added resource server rs1 (profiles coap_oscore, clock, token lifetime 3600 s)" ] &&
	printf '%s\n' "$key" | grep -Eq '^[0-9a-f]{32}$' &&
	printf '%s\n' "$rsec" | grep -Eq '^[A-Za-z0-9_-]{24}$' &&
	[ "$(sed -n 4p "$TMP/out")" = "This is the only time they are shown: configure the resource server with them." ] &&
	[ "$(wc -l <"$TMP/out" | tr -d ' ')" = 4 ]; then
	pass
else
	fail "rs add, all generated" "4 lines: added, token key, introspection secret, note"
fi
run as rs add rs2 --key 000102030405060708090a0b0c0d0e0f --secret rs2psk --profile coap_dtls --profile coap_oscore --no-clock --lifetime 12h --db "$DB"
expect_line "rs add, all given" "added resource server rs2 (profiles coap_dtls,coap_oscore, no clock (exi), token lifetime 43200 s)"
run as rs add rs3 --key 000102030405060708090a0b0c0d0e0f --lifetime 90 --profile coap_dtls --json --db "$DB"
if [ "$rc" -eq 0 ] && grep -Eq '^\{"audience": "rs3", "secret": "[A-Za-z0-9_-]{24}"\}$' "$TMP/out"; then pass; else fail "rs add --json" '{"audience": "rs3", "secret": "..."}'; fi

refused "rs add: duplicate" 1 "obol as rs add: resource server 'rs1' exists already" \
	as rs add rs1 --key 000102030405060708090a0b0c0d0e0f --secret x --db "$DB"
refused "rs add: no clock, long audience" 1 "obol as rs add: an RS without a clock needs an audience of at most 28 bytes (it prefixes its tokens' cti)" \
	as rs add abcdefghijklmnopqrstuvwxyz123 --no-clock --db "$DB"
refused "rs add: a client's id" 1 "obol as rs add: 'c1' is a client id; an RS audience must differ (both are DTLS identities)" \
	as rs add c1 --db "$DB"
refused "client add: an RS's audience" 1 "obol as client add: 'rs1' is a resource server's audience; a client id must differ (both are DTLS identities)" \
	as client add rs1 --secret x --db "$DB"
refused "rs add: short key" 1 "obol as rs add: --key: 15 bytes; the token key is 16 bytes (AES-CCM-16-64-128)" \
	as rs add rs9 --key 000102030405060708090a0b0c0d0e --db "$DB"
refused "rs add: long key" 1 "obol as rs add: --key: 32 bytes; the token key is 16 bytes (AES-CCM-16-64-128)" \
	as rs add rs9 --key 000102030405060708090a0b0c0d0e0f000102030405060708090a0b0c0d0e0f --db "$DB"
refused "rs add: bad key hex" 2 "obol as rs add: --key: odd number of hex digits" \
	as rs add rs9 --key 000 --db "$DB"
refused "rs add: unknown profile" 2 "obol as rs add: --profile: unknown profile 'coap_tls' (coap_oscore, coap_dtls) (try --help)" \
	as rs add rs9 --profile coap_tls --db "$DB"
refused "rs add: zero lifetime" 2 "obol as rs add: --lifetime: '0' is not a duration of at least 1 s (e.g. 3600, 30m, 12h, 7d) (try --help)" \
	as rs add rs9 --lifetime 0 --db "$DB"
refused "rs add: bad lifetime" 2 "obol as rs add: --lifetime: '7x' is not a duration of at least 1 s (e.g. 3600, 30m, 12h, 7d) (try --help)" \
	as rs add rs9 --lifetime 7x --db "$DB"
refused "rs add: audience too long" 1 "obol as rs add: audience too long (129 bytes, at most 128)" \
	as rs add "$long" --db "$DB"
refused "rs add: no audience" 2 "obol as rs add: an AUDIENCE is needed (try --help)" \
	as rs add --db "$DB"
refused "rs add: secret too long" 1 "obol as rs add: --secret: 65 bytes; a secret has 1-64" \
	as rs add rs9 --secret "$s65" --db "$DB"

run as list rs --db "$DB"
expect_text "list rs" <<'EOF'
rs1  key set, 16 bytes  introspection-secret set, 24 bytes  profiles coap_oscore  clock yes  lifetime 3600 s  created T
rs2  key set, 16 bytes  introspection-secret set, 6 bytes  profiles coap_dtls,coap_oscore  clock no  lifetime 43200 s  created T
rs3  key set, 16 bytes  introspection-secret set, 24 bytes  profiles coap_dtls  clock yes  lifetime 90 s  created T
EOF
if ! grep -qF "$key" "$TMP/out" && ! grep -qF "$rsec" "$TMP/out"; then pass; else fail "list rs shows no key" "no key"; fi
run as list rs --json --db "$DB"
expect_text "list rs --json" <<'EOF'
[
  {"audience": "rs1", "key": "set, 16 bytes", "secret": "set, 24 bytes", "profiles": ["coap_oscore"], "clock": true, "lifetime": 3600, "created": "T"},
  {"audience": "rs2", "key": "set, 16 bytes", "secret": "set, 6 bytes", "profiles": ["coap_dtls", "coap_oscore"], "clock": false, "lifetime": 43200, "created": "T"},
  {"audience": "rs3", "key": "set, 16 bytes", "secret": "set, 24 bytes", "profiles": ["coap_dtls"], "clock": true, "lifetime": 90, "created": "T"}
]
EOF

# ---- grants -----------------------------------------------------------------------------------

run as grant c1 rs1 '[["/temp",["GET"]],["/led",["GET","PUT"]]]' --db "$DB"
expect_line "grant AIF" 'granted c1 at rs1: [["/temp", ["GET"]], ["/led", ["GET", "PUT"]]]'
run as grant c2 rs1 'read write' --db "$DB"
expect_line "grant text" 'granted c2 at rs1: "read write"'
run as grant c1 rs2 '[["/led", 5], ["/cfg", ["iPATCH", "FETCH", "DELETE", "POST", "PATCH"]]]' --db "$DB"
expect_line "grant AIF with Tperm integer" 'granted c1 at rs2: [["/led", ["GET", "PUT"]], ["/cfg", ["POST", "DELETE", "FETCH", "PATCH", "iPATCH"]]]'

refused "grant: duplicate" 1 "obol as grant: client 'c1' has a grant for 'rs1' already ('obol as ungrant' it first)" \
	as grant c1 rs1 'x' --db "$DB"
refused "grant: unknown client" 1 "obol as grant: no client 'nobody'" \
	as grant nobody rs1 'x' --db "$DB"
refused "grant: unknown audience" 1 "obol as grant: no resource server 'nowhere'" \
	as grant c1 nowhere 'x' --db "$DB"
refused "grant: unknown method" 1 'obol as grant: scope:1:12: unknown method "get" (GET, POST, PUT, DELETE, FETCH, PATCH, iPATCH, or Dynamic-GET etc.)' \
	as grant c3 rs1 '[["/temp",["get"]]]' --db "$DB"
refused "grant: path without /" 1 "obol as grant: scope:1:3: an AIF path must start with '/' (RFC 9237 3)" \
	as grant c3 rs1 '[["temp",["GET"]]]' --db "$DB"
refused "grant: bad Tperm" 1 "obol as grant: scope:1:11: AIF permissions 128 set undefined bits (RFC 9237 3: 0..6 and 32..38)" \
	as grant c3 rs1 '[["/temp",128]]' --db "$DB"
refused "grant: entry not a pair" 1 'obol as grant: scope:1:2: an AIF entry must be ["/path", permissions]' \
	as grant c3 rs1 '[["/temp"]]' --db "$DB"
refused "grant: empty AIF" 1 'obol as grant: scope:1:1: an AIF scope is a non-empty array of ["/path", permissions] (RFC 9237 3)' \
	as grant c3 rs1 '[]' --db "$DB"
refused "grant: bad JSON" 1 "obol as grant: scope:1:13: expected ',' or ']', found the end of the input" \
	as grant c3 rs1 '[["/temp",1]' --db "$DB"
refused "grant: bad text scope" 1 "obol as grant: scope: 'read  write' is neither AIF JSON (starting with '[') nor a text scope (RFC 6749 3.3: scope-tokens of printable ASCII but '\"' and '\\', separated by single spaces)" \
	as grant c3 rs1 'read  write' --db "$DB"
refused "grant: empty scope" 1 "obol as grant: scope: '' is neither AIF JSON (starting with '[') nor a text scope (RFC 6749 3.3: scope-tokens of printable ASCII but '\"' and '\\', separated by single spaces)" \
	as grant c3 rs1 '' --db "$DB"
refused "grant: two operands" 2 "obol as grant: give CLIENT AUDIENCE SCOPE (try --help)" \
	as grant c3 rs1 --db "$DB"

run as list grants --db "$DB"
expect_text "list grants" <<'EOF'
c1  rs1  [["/temp", ["GET"]], ["/led", ["GET", "PUT"]]]  created T
c1  rs2  [["/led", ["GET", "PUT"]], ["/cfg", ["POST", "DELETE", "FETCH", "PATCH", "iPATCH"]]]  created T
c2  rs1  "read write"  created T
EOF
run as list grants --json --db "$DB"
expect_text "list grants --json" <<'EOF'
[
  {"client": "c1", "audience": "rs1", "scope": [["/temp", ["GET"]], ["/led", ["GET", "PUT"]]], "created": "T"},
  {"client": "c1", "audience": "rs2", "scope": [["/led", ["GET", "PUT"]], ["/cfg", ["POST", "DELETE", "FETCH", "PATCH", "iPATCH"]]], "created": "T"},
  {"client": "c2", "audience": "rs1", "scope": "read write", "created": "T"}
]
EOF

run as ungrant c1 rs2 --db "$DB"
expect_line "ungrant" "removed the grant of c1 at rs2"
refused "ungrant: none" 1 "obol as ungrant: client 'c1' has no grant for 'rs2'" \
	as ungrant c1 rs2 --db "$DB"
refused "ungrant: one operand" 2 "obol as ungrant: give CLIENT AUDIENCE (try --help)" \
	as ungrant c1 --db "$DB"

# ---- tokens: revoke, list ----------------------------------------------------------------------

if python3 -c 'import sqlite3' 2>/dev/null; then
	# 2030-01-01T00:00:00Z = 1893456000; 2001-09-09T01:46:40Z = 1000000000.
	sql "INSERT INTO tokens VALUES(x'0b71', 'c1', 'rs1', 1, x'8182652f74656d7001', 1893456000, 1893459600, 0);
	     INSERT INTO tokens VALUES(x'0b72', 'c1', 'rs1', 2, CAST('read' AS BLOB), 1893456001, 1893459601, 0);
	     INSERT INTO tokens VALUES(x'0c', 'c2', 'rs1', 2, CAST('read write' AS BLOB), 1000000000, 1000003600, 0);"
	run as list tokens --db "$DB"
	expect_line "list tokens" "0c  c2  rs1  \"read write\"  iat 2001-09-09T01:46:40Z  exp 2001-09-09T02:46:40Z
0b71  c1  rs1  [[\"/temp\", [\"GET\"]]]  iat 2030-01-01T00:00:00Z  exp 2030-01-01T01:00:00Z
0b72  c1  rs1  \"read\"  iat 2030-01-01T00:00:01Z  exp 2030-01-01T01:00:01Z"
	run as revoke 0B71 --db "$DB"
	expect_line "revoke by cti" "revoked token 0b71"
	run as revoke 0b71 --db "$DB"
	expect_line "revoke by cti again" "revoked token 0b71"
	refused "revoke: unknown cti" 1 "obol as revoke: no token with cti 0b73" \
		as revoke 0b73 --db "$DB"
	run as revoke --client c1 --db "$DB"
	expect_line "revoke by client" "revoked 1 token of client c1"
	run as revoke --client c1 --db "$DB"
	expect_line "revoke by client again" "revoked 0 tokens of client c1"
	run as list tokens --json --db "$DB"
	expect_line "list tokens --json" '[
  {"cti": "0c", "client": "c2", "audience": "rs1", "scope": "read write", "iat": "2001-09-09T01:46:40Z", "exp": "2001-09-09T02:46:40Z", "revoked": false},
  {"cti": "0b71", "client": "c1", "audience": "rs1", "scope": [["/temp", ["GET"]]], "iat": "2030-01-01T00:00:00Z", "exp": "2030-01-01T01:00:00Z", "revoked": true},
  {"cti": "0b72", "client": "c1", "audience": "rs1", "scope": "read", "iat": "2030-01-01T00:00:01Z", "exp": "2030-01-01T01:00:01Z", "revoked": true}
]'
	have_tokens=1
else
	echo "note: python3 without sqlite3: token record checks skipped"
	have_tokens=0
fi
run as revoke --client nobody --db "$DB"
expect_line "revoke by unknown client" "revoked 0 tokens of client nobody"
refused "revoke: bad hex" 2 "obol as revoke: '0x12' is not hex (bad digit at offset 1) (try --help)" \
	as revoke 0x12 --db "$DB"
refused "revoke: odd hex" 2 "obol as revoke: '123' is not hex (odd number of digits at offset 2) (try --help)" \
	as revoke 123 --db "$DB"
refused "revoke: cti too long" 1 "obol as revoke: a cti has 1-32 bytes, not 33" \
	as revoke 0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f2021 --db "$DB"
refused "revoke: neither" 2 "obol as revoke: give a CTI_HEX or --client ID (try --help)" \
	as revoke --db "$DB"
refused "revoke: both" 2 "obol as revoke: give a CTI_HEX or --client ID (try --help)" \
	as revoke 0b71 --client c1 --db "$DB"

# ---- retention, purge, privacy -----------------------------------------------------------------------

run as retention --db "$DB"
expect_line "retention defaults" "token records: kept 7 days (604800 s) past their expiry
audit events: kept 30 days (2592000 s)"
refused "retention: bad duration" 2 "obol as retention: --tokens: '7x' is not a duration (e.g. 3600, 90m, 12h, 7d) (try --help)" \
	as retention --tokens 7x --audit 1d --db "$DB"
refused "retention: negative" 2 "obol as retention: --audit: '-1' is not a duration (e.g. 3600, 90m, 12h, 7d) (try --help)" \
	as retention --audit -1 --db "$DB"
run as retention --tokens 1d --audit 36h --db "$DB"
expect_line "retention set" "token records: kept 1 day (86400 s) past their expiry
audit events: kept 36 hours (129600 s)"
run as retention --tokens 90 --db "$DB"
expect_line "retention set in seconds" "token records: kept 90 s past their expiry
audit events: kept 36 hours (129600 s)"
run as retention --tokens 30m --db "$DB"
expect_line "retention in minutes" "token records: kept 30 minutes (1800 s) past their expiry
audit events: kept 36 hours (129600 s)"

run as purge --db "$DB"
if [ "$have_tokens" = 1 ]; then
	expect_line "purge" "purged 1 token record and 0 audit events"
else
	expect_line "purge" "purged 0 token records and 0 audit events"
fi
run as purge --db "$DB"
expect_line "purge again" "purged 0 token records and 0 audit events"

run as privacy --db "$DB"
if [ "$rc" -eq 0 ] && [ ! -s "$TMP/err" ] &&
	grep -q "^Clients (5 now): each client's id and secret" "$TMP/out" &&
	grep -q "^Resource servers (3 now)" "$TMP/out" &&
	grep -q "^Grants (2 now)" "$TMP/out" &&
	grep -q "^Issued-token records ($((have_tokens * 2)) now): cti, client, audience, scope" "$TMP/out" &&
	grep -q "not the token itself" "$TMP/out" &&
	grep -q "^Kept 30 minutes (1800 s) after the token expires, then purged.\$" "$TMP/out" &&
	grep -q "^Kept 36 hours (129600 s), then purged.\$" "$TMP/out" &&
	grep -q "^Audit events ($((19 + have_tokens * 4)) now)" "$TMP/out" &&
	grep -q "until the client is" "$TMP/out"; then
	pass
else
	fail "privacy" "the statement with counts and periods"
fi

# ---- deleting ----------------------------------------------------------------------------------------

run as client del c1 --db "$DB"
expect_line "client del" "deleted client c1 and its grants (its token records are kept)"
run as list grants --db "$DB"
expect_text "client del took its grants" <<'EOF'
c2  rs1  "read write"  created T
EOF
if [ "$have_tokens" = 1 ]; then
	run as list tokens --db "$DB"
	if [ "$(wc -l <"$TMP/out" | tr -d ' ')" = 2 ]; then pass; else fail "client del kept token records" "2 records"; fi
fi
refused "client del: unknown" 1 "obol as client del: no client 'c1'" \
	as client del c1 --db "$DB"
refused "client del: no id" 2 "obol as client del: a client ID is needed (try --help)" \
	as client del --db "$DB"
run as rs del rs1 --db "$DB"
expect_line "rs del" "deleted resource server rs1 and the grants for it"
run as list grants --db "$DB"
expect_line "rs del took its grants" "no grants"
refused "rs del: unknown" 1 "obol as rs del: no resource server 'rs1'" \
	as rs del rs1 --db "$DB"

# ---- audit log ------------------------------------------------------------------------------------------

run as list audit --db "$DB"
if [ "$have_tokens" = 1 ]; then
	revoke_lines='T  revoke  cti 0b71
T  revoke  cti 0b71
T  revoke  client c1  1 token
T  revoke  client c1  0 tokens'
else
	revoke_lines=''
fi
{
	cat <<'EOF'
T  init
T  client_add  client c1
T  client_add  client c2
T  client_add  client c3
T  client_add  client c4
T  client_add  client xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx
T  rs_add  audience rs1
T  rs_add  audience rs2
T  rs_add  audience rs3
T  grant  client c1  audience rs1  [["/temp", ["GET"]], ["/led", ["GET", "PUT"]]]
T  grant  client c2  audience rs1  "read write"
T  grant  client c1  audience rs2  [["/led", ["GET", "PUT"]], ["/cfg", ["POST", "DELETE", "FETCH", "PATCH", "iPATCH"]]]
T  ungrant  client c1  audience rs2
EOF
	[ -n "$revoke_lines" ] && printf '%s\n' "$revoke_lines"
	cat <<'EOF'
T  revoke  client nobody  0 tokens
T  retention  tokens 86400 s, audit 129600 s
T  retention  tokens 90 s, audit 129600 s
T  retention  tokens 1800 s, audit 129600 s
EOF
	if [ "$have_tokens" = 1 ]; then
		echo 'T  purge  1 token record, 0 audit events'
	else
		echo 'T  purge  0 token records, 0 audit events'
	fi
	cat <<'EOF'
T  purge  0 token records, 0 audit events
T  client_del  client c1
T  rs_del  audience rs1
EOF
} >"$TMP/audit.want"
expect_text "audit log of every change, and of nothing refused" <"$TMP/audit.want"

echo "cli as: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
