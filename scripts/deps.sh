#!/bin/sh
# Installs the Debian packages obol needs to build, test and cross-compile.
# Idempotent and quiet when everything is present; runs `apt-get update`
# first when something must be installed. Needs root (or sudo) only then.
set -eu

# Build: C compilers, CMake; tests: Python references, clang's libFuzzer;
# Cortex-M0: the arm-none-eabi toolchain with newlib; the AS: SQLite and
# libcoap (its coap-client/coap-server tools are the test peers); the
# firmware's tests: QEMU's microbit machine (nRF51822).
PACKAGES="make cmake gcc libc6-dev clang libclang-rt-14-dev
libssl-dev python3 python3-cbor2 python3-cryptography
gcc-arm-none-eabi libnewlib-arm-none-eabi binutils-arm-none-eabi
pkg-config libsqlite3-dev libcoap3-dev libcoap3-bin
qemu-system-arm"

missing=""
for p in $PACKAGES; do
	status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	case "$status" in
	*" installed") ;;
	*) missing="$missing $p" ;;
	esac
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -eq 0 ]; then
	SUDO=""
elif command -v sudo >/dev/null 2>&1; then
	SUDO="sudo"
else
	echo "deps.sh: missing Debian packages:$missing" >&2
	echo "deps.sh: run as root: apt-get install$missing" >&2
	exit 1
fi

echo "deps.sh: installing:$missing"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
