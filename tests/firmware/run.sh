#!/bin/sh
# CTest driver of the firmware test: builds the nRF51822 image into
# BUILD_DIR/fw (a key of its own, drawn at the first build), then runs
# fw_e2e.py against it in QEMU. Skips (status 77) with a message when
# qemu-system-arm or the arm-none-eabi toolchain is missing.
#   usage: run.sh OBOL SOURCE_DIR BUILD_DIR
set -eu
obol=$1
src=$2
build=$3
for tool in qemu-system-arm arm-none-eabi-gcc coap-client-openssl; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		echo "SKIP: $tool is not installed (scripts/deps.sh installs it)"
		exit 77
	fi
done
make -s -j 2 -C "$src/firmware/microbit" BUILD="$build/fw" RS_AUD=fw-test >/dev/null
exec /usr/bin/python3 "$src/tests/firmware/fw_e2e.py" "$obol" "$build/fw/obol-rs.elf" --size
