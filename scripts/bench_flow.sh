#!/bin/sh
# `make bench`, part 2: the ACE flow of the OSCORE profile on the loopback,
# measured with the real programs (obol as serve, obol rs serve, obol get
# --json): bytes on the wire per step, the token's size, round trips, and
# the time of the whole flow (first request: hints, token, /authz-info,
# protected GET) and of a request on the cached context. RUNS flows are
# timed (default 20); the sizes are those of every run (deterministic).
set -eu
build=${1:-build}
runs=${RUNS:-20}
obol="$(cd "$build" && pwd)/obol"
work=$(mktemp -d "${TMPDIR:-/tmp}/obol-bench.XXXXXX")
pids=""
. "$(dirname "$0")/lib.sh"
trap cleanup EXIT
trap 'exit 1' INT TERM

umask 077
export OBOL_AS_DB="$work/as.db"
as_port=$(free_port)
rs_port=$(free_port)
"$obol" as init >/dev/null
"$obol" as client add bench1 --secret bench-secret-text >/dev/null
"$obol" as rs add rs1 --key 000102030405060708090a0b0c0d0e0f >/dev/null
"$obol" as grant bench1 rs1 '[["/temp",["GET"]]]' >/dev/null
"$obol" as serve --listen "coaps://127.0.0.1:$as_port" --log "$work/as.log" &
pids="$pids $!"
"$obol" rs serve --quiet --audience rs1 --key 000102030405060708090a0b0c0d0e0f \
	--listen "coap://127.0.0.1:$rs_port" --as "coaps://127.0.0.1:$as_port" \
	--log "$work/rs.log" &
pids="$pids $!"
wait_ready "$work/as.log" "bench_flow: the AS"
wait_ready "$work/rs.log" "bench_flow: the RS"

i=0
while [ $i -lt "$runs" ]; do
	# a fresh cache: the whole flow; then the same request on the cache
	"$obol" get "coap://127.0.0.1:$rs_port/temp" --client-id bench1 \
		--client-secret bench-secret-text --cache "$work/c$i" --json \
		> "$work/full$i.json"
	"$obol" get "coap://127.0.0.1:$rs_port/temp" --client-id bench1 \
		--client-secret bench-secret-text --cache "$work/c$i" --json \
		> "$work/cached$i.json"
	i=$((i + 1))
done

/usr/bin/python3 - "$work" "$runs" <<'EOF'
import json, statistics, sys
work, runs = sys.argv[1], int(sys.argv[2])
full = [json.load(open("%s/full%d.json" % (work, i))) for i in range(runs)]
cached = [json.load(open("%s/cached%d.json" % (work, i))) for i in range(runs)]
f = full[0]
print("ACE OSCORE-profile flow on the loopback (obol get --json, %d runs):" % runs)
print("  %-40s %6s %8s %6s" % ("step", "sent", "received", "RTTs"))
for st in f["steps"]:
    print("  %-40s %6d %8d %6d" % (st["name"][:40], st["sent"], st["received"], st["round_trips"]))
print("  %-40s %6d %8d %6d" % ("whole flow", f["bytes_sent"], f["bytes_received"], f["round_trips"]))
c = cached[0]
print("  %-40s %6d %8d %6d" % ("next request, cached context", c["bytes_sent"], c["bytes_received"], c["round_trips"]))
ms_full = sorted(x["ms"] for x in full)
ms_cached = sorted(x["ms"] for x in cached)
print("time of the whole flow: median %.1f ms (min %.1f, max %.1f)" %
      (statistics.median(ms_full), ms_full[0], ms_full[-1]))
print("time of a cached request: median %.1f ms (min %.1f, max %.1f)" %
      (statistics.median(ms_cached), ms_cached[0], ms_cached[-1]))
bad = [x["code"] for x in full + cached if not str(x["code"]).startswith("2.")]
if bad:
    print("bench_flow: unexpected answers: %r" % bad, file=sys.stderr)
    sys.exit(1)
EOF
grep -o 'token [0-9]* bytes' "$work/as.log" | head -n 1 | sed 's/^/access token (audience "rs1", one AIF entry): /' || true
