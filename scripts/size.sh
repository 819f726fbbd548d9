#!/bin/sh
# Cortex-M0 size report of the core: text/data/bss per object (what each
# module costs in flash and static RAM), the largest stack frames from
# -fstack-usage and the deepest call chain from -fcallgraph-info.
# Fails when a budget is exceeded.
#   usage: scripts/size.sh BUILD_DIR   (a build made with the M0 toolchain)
set -eu
build=${1:-build-m0}
objdir="$build/CMakeFiles/obol_core.dir/src/core"

# Budgets (bytes): flash of the whole core so far; deepest call chain.
CORE_FLASH_MAX=${CORE_FLASH_MAX:-8192}
STACK_MAX=${STACK_MAX:-1024}

objs=$(ls "$objdir"/*.obj "$objdir"/*.o 2>/dev/null || true)
[ -n "$objs" ] || { echo "size.sh: no M0 objects in $objdir (run make m0)" >&2; exit 1; }

echo "Cortex-M0 (arm-none-eabi-gcc -mcpu=cortex-m0 -mthumb -Os), core objects:"
# shellcheck disable=SC2086
arm-none-eabi-size -t $objs | awk '
	NR == 1 { printf "  %-16s %7s %7s %7s\n", "object", "text", "data", "bss"; next }
	{ n = $6; sub(".*/", "", n); sub("\\.c\\.o(bj)?$", "", n)
	  if ($6 == "(TOTALS)") n = "total"
	  else if (n ~ /^cbor/) { ct += $1; cd += $2; cb += $3 }
	  printf "  %-16s %7d %7d %7d\n", n, $1, $2, $3 }
	END { printf "  %-16s %7d %7d %7d   (cbor_*)\n", "CBOR module", ct, cd, cb }'
# shellcheck disable=SC2086
flash=$(arm-none-eabi-size -t $objs | awk '/TOTALS/ { print $1 + $2 }')

echo "Largest stack frames (-fstack-usage, bytes):"
cat "$objdir"/*.su | sort -t "$(printf '\t')" -k2,2nr | head -3 |
	awk -F '\t' '{ f = $1; sub(".*/", "", f); printf "  %5d  %s (%s)\n", $2, f, $3 }'
echo "Deepest call chains (-fcallgraph-info, bytes, frame sizes in parentheses):"
/usr/bin/python3 "$(dirname "$0")/stack.py" "$objdir" --top 3 | tee "$build/stack.txt"
stack=$(awk '/^worst call chain/ { print $4 }' "$build/stack.txt")

status=0
if [ "$flash" -gt "$CORE_FLASH_MAX" ]; then
	echo "size.sh: core flash $flash B exceeds the budget of $CORE_FLASH_MAX B" >&2
	status=1
fi
if [ -z "$stack" ] || [ "$stack" -gt "$STACK_MAX" ]; then
	echo "size.sh: deepest call chain ${stack:-unknown} B exceeds the budget of $STACK_MAX B" >&2
	status=1
fi
echo "budgets: core flash $flash / $CORE_FLASH_MAX B, stack $stack / $STACK_MAX B"
exit $status
