#!/bin/sh
# `make demo`: the whole ACE flow (RFC 9200 + the OSCORE profile, RFC 9203)
# on this machine. An Authorization Server with a temporary store, a
# resource server, and the client doing GET /temp, PUT /led and a PUT
# /temp its grant does not cover. Everything it starts is stopped and its
# files removed at the end, also when a step fails.
set -eu
build=${1:-build}
obol="$(cd "$build" && pwd)/obol"
work=$(mktemp -d "${TMPDIR:-/tmp}/obol-demo.XXXXXX")
pids=""

. "$(dirname "$0")/lib.sh"
trap cleanup EXIT
trap 'exit 1' INT TERM

step() {
	printf '\n\033[1m== %s\033[0m\n' "$*"
}
show() {
	printf '$ %s\n' "$*"
}

export OBOL_AS_DB="$work/as.db"
as_port=$(free_port)
rs_port=$(free_port)
umask 077

step "1. The Authorization Server: a store, a client, a resource server, a grant"
show "obol as init"
"$obol" as init
show "obol as client add reader1"
"$obol" as client add reader1 | tee "$work/client.txt"
secret=$(sed -n 's/^secret: //p' "$work/client.txt")
show "obol as rs add tempSensor4711"
"$obol" as rs add tempSensor4711 | tee "$work/rs.txt"
sed -n 's/^token key: //p' "$work/rs.txt" > "$work/rs.key"
show "obol as grant reader1 tempSensor4711 '[[\"/temp\",[\"GET\"]],[\"/led\",[\"GET\",\"PUT\"]]]'"
"$obol" as grant reader1 tempSensor4711 '[["/temp",["GET"]],["/led",["GET","PUT"]]]'
show "obol as serve --listen coaps://127.0.0.1:$as_port &"
"$obol" as serve --listen "coaps://127.0.0.1:$as_port" --log "$work/as.log" &
pids="$pids $!"
wait_ready "$work/as.log" "demo: the AS"
tail -n 1 "$work/as.log"

step "2. The resource server (its token key came from the AS, out of band)"
show "obol rs serve --audience tempSensor4711 --key-file rs.key --listen coap://127.0.0.1:$rs_port --as coaps://127.0.0.1:$as_port &"
"$obol" rs serve --audience tempSensor4711 --key-file "$work/rs.key" \
	--listen "coap://127.0.0.1:$rs_port" --as "coaps://127.0.0.1:$as_port" \
	--log "$work/rs.log" &
pids="$pids $!"
wait_ready "$work/rs.log" "demo: the RS"
tail -n 1 "$work/rs.log"

client() {
	show "obol $*"
	"$obol" "$@" --client-id reader1 --client-secret "$secret" \
		--cache "$work/cache" -v
}

step "3. GET /temp: the client knows only the RS's address and its own credentials"
client get "coap://127.0.0.1:$rs_port/temp"

step "4. PUT /led on: the token and the OSCORE context are reused"
client put "coap://127.0.0.1:$rs_port/led" --payload on
client get "coap://127.0.0.1:$rs_port/led"

step "5. PUT /temp: the token grants only GET there: 4.05 Method Not Allowed (RFC 9200 5.10.2; a path outside the scope gets 4.03)"
if client put "coap://127.0.0.1:$rs_port/temp" --payload 30; then
	echo "demo: PUT /temp was accepted: it must not be" >&2
	exit 1
fi

step "6. What the servers logged"
cat "$work/as.log" "$work/rs.log"
echo
echo "demo: done; the AS, the RS and $work are cleaned up now."
