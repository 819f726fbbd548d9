#!/bin/sh
# The firmware's fault handler: an image built with FW_FAULT_TEST (a frame
# "FAULT" stores past the end of RAM) must report the HardFault on the
# semihosting console and make QEMU exit with status 3, so that a fault
# anywhere fails the tests instead of leaving a silent device.
#   usage: fault.sh SOURCE_DIR BUILD_DIR
set -u
src=$1
build=$2/fw-fault
for tool in qemu-system-arm arm-none-eabi-gcc; do
	command -v "$tool" >/dev/null 2>&1 || { echo "SKIP: no $tool"; exit 77; }
done
make -s -j 2 -C "$src/firmware/microbit" BUILD="$build" RS_AUD=fault-test \
	FW_PERSIST=0 FW_CFLAGS=-DFW_FAULT_TEST=1 >/dev/null || exit 1
port=$(/usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
log=$(mktemp "${TMPDIR:-/tmp}/obol-fault.XXXXXX")
trap 'rm -f "$log"' EXIT
qemu-system-arm -M microbit -display none -monitor none \
	-semihosting-config enable=on,target=native \
	-serial "tcp:127.0.0.1:$port,server=on,wait=on" -kernel "$build/obol-rs.elf" \
	2> "$log" &
qemu=$!
/usr/bin/python3 - "$port" <<'PY'
import socket, sys, time
for _ in range(100):
    try:
        s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=1)
        break
    except OSError:
        time.sleep(0.1)
time.sleep(0.3)
s.sendall(b"\xc0FAULT\xc0")
time.sleep(2)
PY
i=0
while kill -0 "$qemu" 2>/dev/null && [ $i -lt 50 ]; do
	sleep 0.1
	i=$((i + 1))
done
if kill -0 "$qemu" 2>/dev/null; then
	kill "$qemu"
	echo "FAIL: QEMU still runs after the fault"
	cat "$log"
	exit 1
fi
wait "$qemu"
status=$?
fails=0
[ "$status" -eq 3 ] || { echo "FAIL: QEMU exit status $status, expected 3 (HardFault)"; fails=1; }
grep -q "obol-rs: HardFault" "$log" || { echo "FAIL: no HardFault report"; fails=1; }
grep "HardFault" "$log"
[ $fails -eq 0 ] && echo "fault handler: HardFault reported, QEMU exit status 3"
exit $fails
